/* Normalization of a recommendation, step by step as upstream's
 * horizontal.go does it (normalizeDesiredReplicas and
 * normalizeDesiredReplicasWithBehaviors), with `now` passed in. */
#include "hpa/normalize.h"

#include <limits.h>
#include <math.h>

#define MSG_READY "recommended size matches current size"
#define MSG_DOWN_STABILIZED                                                                        \
    "recent recommendations were higher than current one, applying the highest recent "          \
    "recommendation"
#define MSG_UP_STABILIZED                                                                          \
    "recent recommendations were lower than current one, applying the lowest recent "            \
    "recommendation"
#define MSG_UP_LIMIT "the desired replica count is increasing faster than the maximum scale rate"
#define MSG_DOWN_LIMIT "the desired replica count is decreasing faster than the maximum scale rate"
#define MSG_TOO_MANY "the desired replica count is more than the maximum replica count"
#define MSG_TOO_FEW "the desired replica count is less than the minimum replica count"
#define MSG_WITHIN "the desired count is within the acceptable range"

static int32_t clamp_to_int32(double value)
{
    if (value >= (double)INT32_MAX)
        return INT32_MAX;
    if (value <= (double)INT32_MIN)
        return INT32_MIN;
    return (int32_t)value;
}

static int32_t min32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

static int32_t max32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

/* Stores `desired` at `index` when an obsolete record was found, else
 * appends it: the history never grows beyond the records inside the
 * window plus one. */
static int record(hpac_history *h, bool found_old, size_t old_index, int32_t desired,
                  int64_t now_ms)
{
    if (found_old) {
        h->recommendations[old_index] = (hpac_recommendation){desired, now_ms};
        return 0;
    }
    return hpac_history_add_recommendation(h, desired, now_ms);
}

static int32_t stabilize_legacy(hpac_history *h, int32_t desired, int64_t window_ms,
                                int64_t now_ms, bool *record_failed)
{
    int32_t highest = desired;
    int64_t cutoff = now_ms - window_ms;
    bool found_old = false;
    size_t old_index = 0;
    for (size_t i = 0; i < h->recommendation_count; i++) {
        const hpac_recommendation *rec = &h->recommendations[i];
        /* A zero window holds nothing, not even a record of this very
         * instant (upstream's clock always moves between the two). */
        if (rec->at_ms < cutoff || window_ms <= 0) {
            found_old = true;
            old_index = i;
        } else if (rec->replicas > highest) {
            highest = rec->replicas;
        }
    }
    if (record(h, found_old, old_index, desired, now_ms))
        *record_failed = true;
    return highest;
}

int32_t hpac_stabilize_legacy(hpac_history *h, int32_t desired, int64_t window_ms, int64_t now_ms)
{
    bool record_failed = false;
    return stabilize_legacy(h, desired, window_ms, now_ms, &record_failed);
}

static int32_t stabilize_with_behavior(hpac_history *h, int32_t up_window_s,
                                       int32_t down_window_s, int32_t current, int32_t desired,
                                       int64_t now_ms, const char **reason, bool *record_failed)
{
    int64_t up_cutoff = now_ms - (int64_t)up_window_s * 1000;
    int64_t down_cutoff = now_ms - (int64_t)down_window_s * 1000;
    int32_t up_recommendation = desired;
    int32_t down_recommendation = desired;
    bool found_old = false;
    size_t old_index = 0;
    for (size_t i = 0; i < h->recommendation_count; i++) {
        const hpac_recommendation *rec = &h->recommendations[i];
        if (rec->at_ms > up_cutoff)
            up_recommendation = min32(rec->replicas, up_recommendation);
        if (rec->at_ms > down_cutoff)
            down_recommendation = max32(rec->replicas, down_recommendation);
        if (rec->at_ms < up_cutoff && rec->at_ms < down_cutoff) {
            found_old = true;
            old_index = i;
        }
    }
    int32_t result = current;
    if (result < up_recommendation)
        result = up_recommendation;
    if (result > down_recommendation)
        result = down_recommendation;
    if (record(h, found_old, old_index, desired, now_ms))
        *record_failed = true;
    if (reason)
        *reason = desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized";
    return result;
}

int32_t hpac_stabilize_with_behavior(hpac_history *h, int32_t up_window_s, int32_t down_window_s,
                                     int32_t current, int32_t desired, int64_t now_ms,
                                     const char **reason)
{
    bool record_failed = false;
    return stabilize_with_behavior(h, up_window_s, down_window_s, current, desired, now_ms, reason,
                                   &record_failed);
}

int32_t hpac_replicas_changed_in_period(const hpac_scale_event *events, size_t count,
                                        int32_t period_seconds, int64_t now_ms)
{
    int64_t cutoff = now_ms - (int64_t)period_seconds * 1000;
    int64_t changed = 0;
    for (size_t i = 0; i < count; i++) {
        if (events[i].at_ms > cutoff)
            changed += events[i].change;
    }
    return clamp_to_int32((double)changed);
}

static int32_t period_start_replicas(int32_t current, const hpac_history *h, int32_t period_s,
                                     int64_t now_ms)
{
    int64_t added = hpac_replicas_changed_in_period(h->scale_ups, h->scale_up_count, period_s,
                                                    now_ms);
    int64_t removed = hpac_replicas_changed_in_period(h->scale_downs, h->scale_down_count,
                                                      period_s, now_ms);
    return clamp_to_int32((double)((int64_t)current - added + removed));
}

int32_t hpac_scale_up_limit(int32_t current, const hpac_history *h, const hpac_scaling_rules *rules,
                            int64_t now_ms)
{
    if (rules->select_policy == HPAC_SELECT_DISABLED)
        return current;
    /* For scaling up, the Min policy is the one allowing the smallest change. */
    bool pick_min = rules->select_policy == HPAC_SELECT_MIN;
    int32_t result = pick_min ? INT32_MAX : INT32_MIN;
    for (size_t i = 0; i < rules->policy_count; i++) {
        const hpac_scaling_policy *p = &rules->policies[i];
        int32_t start = period_start_replicas(current, h, p->period_seconds, now_ms);
        int32_t proposed;
        if (p->type == HPAC_POLICY_PODS)
            proposed = clamp_to_int32((double)start + p->value);
        else /* rounded up, or a small percentage would never add a pod */
            proposed = clamp_to_int32(ceil((double)start * (1.0 + (double)p->value / 100.0)));
        result = pick_min ? min32(result, proposed) : max32(result, proposed);
    }
    return result;
}

int32_t hpac_scale_down_limit(int32_t current, const hpac_history *h,
                              const hpac_scaling_rules *rules, int64_t now_ms)
{
    if (rules->select_policy == HPAC_SELECT_DISABLED)
        return current;
    /* For scaling down, the Min policy is the one leaving the most replicas. */
    bool pick_min_change = rules->select_policy == HPAC_SELECT_MIN;
    int32_t result = pick_min_change ? INT32_MIN : INT32_MAX;
    for (size_t i = 0; i < rules->policy_count; i++) {
        const hpac_scaling_policy *p = &rules->policies[i];
        int32_t start = period_start_replicas(current, h, p->period_seconds, now_ms);
        int32_t proposed;
        if (p->type == HPAC_POLICY_PODS)
            proposed = clamp_to_int32((double)start - p->value);
        else
            proposed = clamp_to_int32((double)start * (1.0 - (double)p->value / 100.0));
        result = pick_min_change ? max32(result, proposed) : min32(result, proposed);
    }
    return result;
}

int32_t hpac_legacy_scale_up_limit(int32_t current)
{
    /* Guards against a bogus usage report multiplying the size at once. */
    double limit = fmax(2.0 * (double)current, 4.0);
    return clamp_to_int32(limit);
}

static int32_t longest_period(const hpac_scaling_rules *rules)
{
    int32_t longest = 0;
    for (size_t i = 0; i < rules->policy_count; i++)
        longest = max32(longest, rules->policies[i].period_seconds);
    return longest;
}

int hpac_store_scale_event(hpac_history *h, const hpac_behavior *behavior, int32_t prev,
                           int32_t next, int64_t now_ms)
{
    if (!behavior || prev == next)
        return 0;
    bool up = next > prev;
    const hpac_scaling_rules *rules = up ? &behavior->scale_up : &behavior->scale_down;
    hpac_scale_event *events = up ? h->scale_ups : h->scale_downs;
    size_t count = up ? h->scale_up_count : h->scale_down_count;
    int64_t cutoff = now_ms - (int64_t)longest_period(rules) * 1000;
    bool found_old = false;
    size_t old_index = 0;
    for (size_t i = 0; i < count; i++) {
        if (events[i].at_ms < cutoff)
            events[i].outdated = true;
        if (events[i].outdated) {
            found_old = true;
            old_index = i;
        }
    }
    int32_t change = up ? next - prev : prev - next;
    if (found_old) {
        events[old_index] = (hpac_scale_event){.change = change, .at_ms = now_ms};
        return 0;
    }
    return hpac_history_add_scale_event(h, up, change, now_ms);
}

static void limit_legacy(const hpac_normalize_args *a, int32_t stabilized,
                         hpac_normalize_result *out)
{
    int32_t scale_up_limit = hpac_legacy_scale_up_limit(a->current_replicas);
    int32_t maximum = a->max_replicas;
    const char *reason = "TooManyReplicas", *message = MSG_TOO_MANY;
    if (a->max_replicas > scale_up_limit) {
        maximum = scale_up_limit;
        reason = "ScaleUpLimit";
        message = MSG_UP_LIMIT;
    }
    out->replicas = stabilized;
    out->limited_reason = "DesiredWithinRange";
    out->limited_message = MSG_WITHIN;
    if (stabilized < a->min_replicas) {
        out->replicas = a->min_replicas;
        out->limited_reason = "TooFewReplicas";
        out->limited_message = MSG_TOO_FEW;
    } else if (stabilized > maximum) {
        out->replicas = maximum;
        out->limited_reason = reason;
        out->limited_message = message;
    }
}

static void limit_with_behavior(const hpac_normalize_args *a, const hpac_history *h,
                                int32_t stabilized, hpac_normalize_result *out)
{
    out->replicas = stabilized;
    out->limited_reason = "DesiredWithinRange";
    out->limited_message = MSG_WITHIN;
    if (stabilized > a->current_replicas) {
        int32_t limit = hpac_scale_up_limit(a->current_replicas, h, &a->behavior->scale_up,
                                            a->now_ms);
        /* Recent scale-ups may have used up the budget: hold, never shrink. */
        if (limit < a->current_replicas)
            limit = a->current_replicas;
        int32_t maximum = a->max_replicas;
        const char *reason = "TooManyReplicas", *message = MSG_TOO_MANY;
        if (maximum > limit) {
            maximum = limit;
            reason = "ScaleUpLimit";
            message = MSG_UP_LIMIT;
        }
        if (stabilized > maximum) {
            out->replicas = maximum;
            out->limited_reason = reason;
            out->limited_message = message;
        }
    } else if (stabilized < a->current_replicas) {
        int32_t limit = hpac_scale_down_limit(a->current_replicas, h, &a->behavior->scale_down,
                                              a->now_ms);
        if (limit > a->current_replicas)
            limit = a->current_replicas;
        int32_t minimum = a->min_replicas;
        const char *reason = "TooFewReplicas", *message = MSG_TOO_FEW;
        if (minimum < limit) {
            minimum = limit;
            reason = "ScaleDownLimit";
            message = MSG_DOWN_LIMIT;
        }
        if (stabilized < minimum) {
            out->replicas = minimum;
            out->limited_reason = reason;
            out->limited_message = message;
        }
    }
}

int hpac_normalize(const hpac_normalize_args *a, hpac_history *h, hpac_normalize_result *out)
{
    int32_t stabilized;
    bool record_failed = false;
    if (!a->behavior) {
        stabilized = stabilize_legacy(h, a->desired_replicas, a->downscale_stabilization_ms,
                                      a->now_ms, &record_failed);
        out->able_reason = stabilized != a->desired_replicas ? "ScaleDownStabilized"
                                                              : "ReadyForNewScale";
        out->able_message = stabilized != a->desired_replicas ? MSG_DOWN_STABILIZED : MSG_READY;
        limit_legacy(a, stabilized, out);
    } else {
        const hpac_scaling_rules *up = &a->behavior->scale_up;
        const hpac_scaling_rules *down = &a->behavior->scale_down;
        int32_t up_window = up->has_stabilization_window ? up->stabilization_window_seconds : 0;
        /* A scaleDown without its own window takes the controller's flag. */
        int32_t down_window = down->has_stabilization_window
                                  ? down->stabilization_window_seconds
                                  : (int32_t)(a->downscale_stabilization_ms / 1000);
        const char *reason = NULL;
        stabilized = stabilize_with_behavior(h, up_window, down_window, a->current_replicas,
                                             a->desired_replicas, a->now_ms, &reason,
                                             &record_failed);
        bool moved = stabilized != a->desired_replicas;
        out->able_reason = moved ? reason : "ReadyForNewScale";
        bool up_side = a->desired_replicas >= a->current_replicas;
        out->able_message = !moved ? MSG_READY : up_side ? MSG_UP_STABILIZED : MSG_DOWN_STABILIZED;
        limit_with_behavior(a, h, stabilized, out);
    }
    out->limited = out->replicas != stabilized;
    return record_failed ? -1 : 0;
}
