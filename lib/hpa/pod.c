#include "hpa/pod.h"

#include "hpa/decode.h"

#include <stdlib.h>
#include <string.h>

static void amounts_free(hpac_resource_amount *items, size_t count)
{
    if (!items)
        return;
    for (size_t i = 0; i < count; i++)
        free(items[i].name);
    free(items);
}

void hpac_pod_clear(hpac_pod *pod)
{
    if (!pod)
        return;
    free(pod->namespace);
    free(pod->name);
    hpac_labels_clear(&pod->labels);
    for (size_t i = 0; i < pod->container_count; i++) {
        free(pod->containers[i].name);
        amounts_free(pod->containers[i].requests, pod->containers[i].request_count);
    }
    free(pod->containers);
    amounts_free(pod->pod_requests, pod->pod_request_count);
    memset(pod, 0, sizeof(*pod));
}

/* A resources.requests object: every entry, in milli-units. `parent` holds
 * "resources"; absent resources or requests give an empty list. */
static int decode_requests(const json_t *parent, const char *path, hpac_resource_amount **out,
                           size_t *out_count, char *err, size_t errsize)
{
    char resp[HPAC_PATH_MAX], rp[HPAC_PATH_MAX], qp[HPAC_PATH_MAX];
    const json_t *resources = NULL, *requests = NULL;
    if (hpac_decode_object(parent, "resources", path, false, &resources, err, errsize) != 0)
        return -1;
    hpac_path_child(resp, sizeof(resp), path, "resources");
    if (hpac_decode_object(resources, "requests", resp, false, &requests, err, errsize) != 0)
        return -1;
    hpac_path_child(rp, sizeof(rp), resp, "requests");
    size_t count = requests ? json_object_size(requests) : 0;
    if (count == 0)
        return 0;

    int rc = -1;
    size_t n = 0;
    hpac_resource_amount *items = calloc(count, sizeof(*items));
    if (!items) {
        hpac_decode_error(err, errsize, rp, "out of memory");
        goto out;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)requests, key, value) {
        hpac_path_child(qp, sizeof(qp), rp, key);
        int64_t milli = 0;
        if (hpac_decode_quantity_milli(value, qp, &milli, err, errsize) != 0)
            goto out;
        items[n].name = strdup(key);
        if (!items[n].name) {
            hpac_decode_error(err, errsize, qp, "out of memory");
            goto out;
        }
        items[n].milli = milli;
        n++;
    }
    *out = items;
    *out_count = n;
    items = NULL; /* handed over */
    n = 0;
    rc = 0;
out:
    amounts_free(items, n);
    return rc;
}

static int decode_container(const json_t *c, const char *path, hpac_pod_container *out,
                            char *err, size_t errsize)
{
    if (!json_is_object(c)) {
        hpac_decode_error(err, errsize, path, "expected an object");
        return -1;
    }
    if (hpac_decode_string(c, "name", path, false, &out->name, err, errsize) != 0)
        return -1;
    return decode_requests(c, path, &out->requests, &out->request_count, err, errsize);
}

/* Regular containers, then the restartable init containers (sidecars,
 * restartPolicy Always), which run beside them for the pod's lifetime.
 * Plain init containers have finished before the pod runs and are dropped. */
static int decode_containers(const json_t *spec, hpac_pod *pod, char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX];
    const json_t *containers = NULL, *init = NULL;
    if (hpac_decode_array(spec, "containers", "spec", false, &containers, err, errsize) != 0 ||
        hpac_decode_array(spec, "initContainers", "spec", false, &init, err, errsize) != 0)
        return -1;
    size_t total = json_array_size(containers) + json_array_size(init);
    if (total == 0)
        return 0;
    pod->containers = calloc(total, sizeof(*pod->containers));
    if (!pod->containers) {
        hpac_decode_error(err, errsize, "spec.containers", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < json_array_size(containers); i++) {
        hpac_path_index(p, sizeof(p), "spec.containers", i);
        pod->container_count++;
        if (decode_container(json_array_get(containers, i), p,
                             &pod->containers[pod->container_count - 1], err, errsize) != 0)
            return -1;
    }
    for (size_t i = 0; i < json_array_size(init); i++) {
        const json_t *c = json_array_get(init, i);
        hpac_path_index(p, sizeof(p), "spec.initContainers", i);
        if (!json_is_object(c)) {
            hpac_decode_error(err, errsize, p, "expected an object");
            return -1;
        }
        const char *restart = NULL;
        if (hpac_decode_string_ref(c, "restartPolicy", p, false, &restart, err, errsize) != 0)
            return -1;
        if (!restart || strcmp(restart, "Always") != 0)
            continue;
        pod->container_count++;
        if (decode_container(c, p, &pod->containers[pod->container_count - 1], err, errsize) != 0)
            return -1;
    }
    return 0;
}

static hpac_pod_phase parse_phase(const char *phase)
{
    if (!phase)
        return HPAC_POD_PHASE_UNKNOWN;
    if (strcmp(phase, "Pending") == 0)
        return HPAC_POD_PENDING;
    if (strcmp(phase, "Running") == 0)
        return HPAC_POD_RUNNING;
    if (strcmp(phase, "Succeeded") == 0)
        return HPAC_POD_SUCCEEDED;
    if (strcmp(phase, "Failed") == 0)
        return HPAC_POD_FAILED;
    return HPAC_POD_PHASE_UNKNOWN;
}

static int decode_status(const json_t *object, hpac_pod *pod, char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX];
    const json_t *status = NULL, *conditions = NULL;
    const char *phase = NULL;
    if (hpac_decode_object(object, "status", "", false, &status, err, errsize) != 0 ||
        hpac_decode_string_ref(status, "phase", "status", false, &phase, err, errsize) != 0 ||
        hpac_decode_time(status, "startTime", "status", false, &pod->start_time_ms, err,
                         errsize) != 0 ||
        hpac_decode_array(status, "conditions", "status", false, &conditions, err, errsize) != 0)
        return -1;
    pod->phase = parse_phase(phase);
    for (size_t i = 0; i < json_array_size(conditions); i++) {
        const json_t *c = json_array_get(conditions, i);
        hpac_path_index(p, sizeof(p), "status.conditions", i);
        if (!json_is_object(c)) {
            hpac_decode_error(err, errsize, p, "expected an object");
            return -1;
        }
        const char *type = NULL, *value = NULL;
        if (hpac_decode_string_ref(c, "type", p, false, &type, err, errsize) != 0)
            return -1;
        if (!type || strcmp(type, "Ready") != 0)
            continue;
        int64_t transition = 0;
        if (hpac_decode_string_ref(c, "status", p, false, &value, err, errsize) != 0 ||
            hpac_decode_time(c, "lastTransitionTime", p, false, &transition, err, errsize) != 0)
            return -1;
        pod->has_ready_condition = true;
        pod->ready = value && strcmp(value, "True") == 0;
        pod->ready_transition_ms = transition;
    }
    return 0;
}

static int decode_metadata(const json_t *object, hpac_pod *pod, char *err, size_t errsize)
{
    const json_t *meta = NULL, *labels = NULL;
    if (hpac_decode_object(object, "metadata", "", true, &meta, err, errsize) != 0 ||
        hpac_decode_string(meta, "name", "metadata", true, &pod->name, err, errsize) != 0 ||
        hpac_decode_string(meta, "namespace", "metadata", false, &pod->namespace, err, errsize) !=
            0 ||
        hpac_decode_object(meta, "labels", "metadata", false, &labels, err, errsize) != 0)
        return -1;
    char label_err[256] = "";
    if (hpac_labels_from_json(labels, &pod->labels, label_err, sizeof(label_err)) != 0) {
        hpac_decode_error(err, errsize, "metadata.labels", "%s", label_err);
        return -1;
    }
    int64_t deletion = 0;
    if (hpac_decode_time(meta, "deletionTimestamp", "metadata", false, &deletion, err, errsize) !=
        0)
        return -1;
    const json_t *ts = json_object_get(meta, "deletionTimestamp");
    pod->deleting = ts && !json_is_null(ts);
    return 0;
}

int hpac_pod_from_json(const json_t *object, hpac_pod *out, char *err, size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(object)) {
        hpac_decode_error(err, errsize, "", "expected an object");
        goto out;
    }
    const json_t *spec = NULL;
    if (decode_metadata(object, out, err, errsize) != 0 ||
        hpac_decode_object(object, "spec", "", false, &spec, err, errsize) != 0 ||
        decode_containers(spec, out, err, errsize) != 0 ||
        decode_requests(spec, "spec", &out->pod_requests, &out->pod_request_count, err,
                        errsize) != 0 ||
        decode_status(object, out, err, errsize) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        hpac_pod_clear(out);
    return rc;
}

int hpac_pods_from_list_json(const json_t *list, hpac_pod **pods, size_t *count, char *err,
                             size_t errsize)
{
    int rc = -1;
    hpac_pod *items = NULL;
    size_t n = 0;
    *pods = NULL;
    *count = 0;
    if (!json_is_object(list)) {
        hpac_decode_error(err, errsize, "", "expected an object");
        goto out;
    }
    const json_t *array = NULL;
    if (hpac_decode_array(list, "items", "", false, &array, err, errsize) != 0)
        goto out;
    size_t total = json_array_size(array);
    if (total > 0) {
        items = calloc(total, sizeof(*items));
        if (!items) {
            hpac_decode_error(err, errsize, "items", "out of memory");
            goto out;
        }
    }
    for (; n < total; n++) {
        const json_t *item = json_array_get(array, n);
        char p[HPAC_PATH_MAX];
        hpac_path_index(p, sizeof(p), "items", n);
        if (!json_is_object(item)) {
            hpac_decode_error(err, errsize, p, "expected an object");
            goto out;
        }
        /* Any other message names a field inside the item: prefix it. */
        char item_err[512] = "";
        if (hpac_pod_from_json(item, &items[n], item_err, sizeof(item_err)) != 0) {
            hpac_decode_error(err, errsize, "", "%s.%s", p, item_err);
            goto out;
        }
    }
    *pods = items;
    *count = n;
    items = NULL; /* handed over */
    n = 0;
    rc = 0;
out:
    hpac_pods_free(items, n);
    return rc;
}

void hpac_pods_free(hpac_pod *pods, size_t count)
{
    if (!pods)
        return;
    for (size_t i = 0; i < count; i++)
        hpac_pod_clear(&pods[i]);
    free(pods);
}

static bool find_amount(const hpac_resource_amount *items, size_t count, const char *resource,
                        int64_t *milli)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(items[i].name, resource) == 0) {
            if (milli)
                *milli = items[i].milli;
            return true;
        }
    }
    return false;
}

bool hpac_container_request(const hpac_pod_container *c, const char *resource, int64_t *milli)
{
    return c && resource && find_amount(c->requests, c->request_count, resource, milli);
}

bool hpac_pod_level_request(const hpac_pod *pod, const char *resource, int64_t *milli)
{
    return pod && resource && find_amount(pod->pod_requests, pod->pod_request_count, resource,
                                          milli);
}
