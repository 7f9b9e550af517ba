/* A synthetic cluster for the benchmark: N Deployments, each with its HPA
 * (CPU utilization, target 50%), its pods and their PodMetrics, all at
 * exactly the target on average so that a steady controller writes
 * nothing. Names are fixed so that a probe can find them again: HPA and
 * Deployment "app-<i>", pods "app-<i>-<j>", label app=app-<i>, namespace
 * "bench-<i mod namespaces>". */
#ifndef HPAC_SIM_CMD_GENERATE_H
#define HPAC_SIM_CMD_GENERATE_H

#include <jansson.h>
#include <stddef.h>

typedef struct hpac_gen_options {
    size_t hpas;         /* N */
    size_t pods_per_hpa; /* >= 1 */
    size_t namespaces;   /* >= 1 */
} hpac_gen_options;

/* CPU request of every container, and the mean usage the generator gives
 * each HPA's pods (50% of the request: the HPAs' target). */
#define HPAC_GEN_CPU_REQUEST_MILLI 100
#define HPAC_GEN_CPU_USAGE_MILLI 50
#define HPAC_GEN_TARGET_UTILIZATION 50
#define HPAC_GEN_MAX_REPLICAS 1000

/* The namespace of HPA `index` ("bench-<index mod namespaces>"), written
 * into buf. */
void hpac_gen_namespace(const hpac_gen_options *o, size_t index, char *buf, size_t size);

/* The case "objects" (hpas, targets, pods, podMetrics). New reference, or
 * NULL when out of memory. */
json_t *hpac_gen_objects(const hpac_gen_options *o);

#endif
