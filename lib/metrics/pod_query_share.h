/* Which HPAs can read one PodMetrics list together. HPAs whose pod
 * selectors, in one namespace, each demand only that one label key hold
 * one of a few values ("app=web", "app in (a,b)") are served by one list
 * for the union ("app in (a,b,web)"); each then keeps the items its own
 * selector picks (metrics_batch.c). One request instead of one per HPA,
 * for the controller and for metrics-server alike. Pure. */
#ifndef HPAC_METRICS_POD_QUERY_SHARE_H
#define HPAC_METRICS_POD_QUERY_SHARE_H

#include <stddef.h>

typedef struct hpac_pod_query {
    const char *ns;
    const char *selector; /* string form, as the scale gives it */
} hpac_pod_query;

typedef struct hpac_shared_pod_query {
    const char *ns;  /* borrowed from the first member's query */
    char *selector;  /* the labelSelector to send; owned */
    size_t *members; /* indexes into the queries, ascending; owned */
    size_t member_count;
} hpac_shared_pod_query;

/* Longest union selector built; past it a new group starts (the query
 * string stays well within what servers accept). */
#define HPAC_SHARED_SELECTOR_MAX 2048

/* Groups `count` queries, at most `max_members` to a group, in the order
 * of their first member. A query that cannot share, or shares with
 * nobody, is a group of its own whose selector is its own, unchanged (its
 * request is the one it would send alone). 0, or -1 when out of memory
 * (*groups NULL). Free with hpac_shared_pod_queries_free. */
int hpac_share_pod_queries(const hpac_pod_query *queries, size_t count, size_t max_members,
                           hpac_shared_pod_query **groups, size_t *group_count);
void hpac_shared_pod_queries_free(hpac_shared_pod_query *groups, size_t group_count);

#endif
