/* From the documents of an HPA file to what the simulation replays: the
 * HPA (through the controller's own decoder) and the pod its target runs.
 * Everything the simulation cannot replay is rejected here, with the path
 * of the field, so that the loader can point at the line. */
#include "whatif/whatif.h"

#include "util/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CPU_REQUEST_MILLI 1000

static void set_error(hpac_whatif_error *err, size_t doc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(hpac_whatif_error *err, size_t doc, const char *path, const char *fmt, ...)
{
    char text[sizeof(err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    err->document = doc;
    hpac_strlcpy(err->path, path ? path : "", sizeof(err->path));
    /* A message longer than the buffer is cut; the path comes first. */
    if (path && *path &&
        snprintf(err->message, sizeof(err->message), "%s: %s", path, text) < 0)
        err->message[0] = '\0';
    else if (!path || !*path)
        hpac_strlcpy(err->message, text, sizeof(err->message));
}

/* A decoder message "spec.maxReplicas: must be ..." carries its path. */
static void decoder_error(hpac_whatif_error *err, size_t doc, const char *prefix,
                          const char *message)
{
    const char *colon = strstr(message, ": ");
    size_t len = colon ? (size_t)(colon - message) : 0;
    bool has_path = len > 0 && !memchr(message, ' ', len);
    err->document = doc;
    if (snprintf(err->path, sizeof(err->path), "%s%.*s", prefix, has_path ? (int)len : 0,
                 message) < 0 ||
        snprintf(err->message, sizeof(err->message), "%s%s", has_path ? prefix : "", message) < 0)
        err->message[0] = '\0';
}

static const char *string_at(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static bool is_hpa(const json_t *doc)
{
    const char *kind = string_at(doc, "kind");
    return kind && strcmp(kind, "HorizontalPodAutoscaler") == 0;
}

/* ---- the pod ------------------------------------------------------------- */

static int add_request(hpac_pod_container *c, const char *name, int64_t milli)
{
    hpac_resource_amount *bigger = realloc(c->requests, (c->request_count + 1) * sizeof(*bigger));
    if (!bigger)
        return -1;
    c->requests = bigger;
    c->requests[c->request_count] = (hpac_resource_amount){hpac_strdup(name), milli};
    if (!c->requests[c->request_count].name)
        return -1;
    c->request_count++;
    return 0;
}

static int add_container(hpac_pod *pod, const char *name, int64_t cpu_milli)
{
    for (size_t i = 0; i < pod->container_count; i++) {
        if (strcmp(pod->containers[i].name, name) == 0)
            return 0;
    }
    hpac_pod_container *bigger =
        realloc(pod->containers, (pod->container_count + 1) * sizeof(*bigger));
    if (!bigger)
        return -1;
    pod->containers = bigger;
    hpac_pod_container *c = &pod->containers[pod->container_count];
    memset(c, 0, sizeof(*c));
    pod->container_count++;
    c->name = hpac_strdup(name);
    if (!c->name)
        return -1;
    return add_request(c, "cpu", cpu_milli);
}

/* No target document: one container per name ContainerResource metrics
 * use, else one "app", each requesting the given CPU. */
static int synthetic_pod(const hpac_hpa *hpa, int64_t cpu_milli, hpac_pod *pod)
{
    memset(pod, 0, sizeof(*pod));
    pod->name = hpac_strdup("template");
    if (!pod->name)
        return -1;
    for (size_t i = 0; i < hpa->metric_count; i++) {
        const hpac_metric_spec *m = &hpa->metrics[i];
        if (m->type == HPAC_METRIC_CONTAINER_RESOURCE && m->container &&
            add_container(pod, m->container, cpu_milli))
            return -1;
    }
    if (pod->container_count == 0 && add_container(pod, "app", cpu_milli))
        return -1;
    return 0;
}

/* --cpu-request given with a target document: it replaces the CPU request
 * of the containers that have one (the first container when none has). */
static int override_cpu(hpac_pod *pod, int64_t cpu_milli)
{
    bool replaced = false;
    for (size_t i = 0; i < pod->container_count; i++) {
        hpac_pod_container *c = &pod->containers[i];
        for (size_t r = 0; r < c->request_count; r++) {
            if (strcmp(c->requests[r].name, "cpu") == 0) {
                c->requests[r].milli = cpu_milli;
                replaced = true;
            }
        }
    }
    if (replaced || pod->container_count == 0)
        return 0;
    return add_request(&pod->containers[0], "cpu", cpu_milli);
}

static int workload_pod(const json_t *doc, size_t index, hpac_pod *pod, hpac_whatif_error *err)
{
    char message[512];
    const json_t *spec = json_object_get(doc, "spec");
    const json_t *tmpl = json_object_get(spec, "template");
    const json_t *pod_spec = json_object_get(tmpl, "spec");
    if (!json_is_object(pod_spec)) {
        set_error(err, index, "spec.template.spec", "the scale target has no pod template");
        return -1;
    }
    json_t *object = json_pack("{s:{s:s}, s:O}", "metadata", "name", "template", "spec", pod_spec);
    if (!object) {
        set_error(err, index, "", "out of memory");
        return -1;
    }
    int rc = hpac_pod_from_json(object, pod, message, sizeof(message));
    json_decref(object);
    if (rc) {
        decoder_error(err, index, "spec.template.", message);
        return -1;
    }
    for (size_t i = 0; i < pod->container_count; i++) {
        if (!pod->containers[i].name || !*pod->containers[i].name) {
            char path[64];
            snprintf(path, sizeof(path), "spec.template.spec.containers[%zu].name", i);
            set_error(err, index, path, "a container needs a name");
            return -1;
        }
    }
    if (pod->container_count == 0) {
        set_error(err, index, "spec.template.spec.containers", "the pod template has no container");
        return -1;
    }
    return 0;
}

/* The document the HPA's scaleTargetRef names, or SIZE_MAX. */
static size_t find_workload(json_t *const *docs, size_t count, const hpac_object_ref *ref)
{
    for (size_t i = 0; i < count; i++) {
        const char *kind = string_at(docs[i], "kind");
        const char *name = string_at(json_object_get(docs[i], "metadata"), "name");
        if (kind && name && ref->kind && ref->name && strcmp(kind, ref->kind) == 0 &&
            strcmp(name, ref->name) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* ---- what the simulation can replay ------------------------------------------ */

static const char *source_key(hpac_metric_type type)
{
    return type == HPAC_METRIC_CONTAINER_RESOURCE ? "containerResource" : "resource";
}

static int check_metric(const hpac_whatif_spec *spec, size_t i, size_t hpa_doc,
                        size_t pod_doc, hpac_whatif_error *err)
{
    const hpac_metric_spec *m = &spec->hpa.metrics[i];
    char path[128];
    if (m->type == HPAC_METRIC_UNKNOWN) {
        snprintf(path, sizeof(path), "spec.metrics[%zu].type", i);
        set_error(err, hpa_doc, path,
                  "unknown metric type \"%s\" (expected Resource, ContainerResource, Pods, "
                  "Object or External)",
                  m->type_name ? m->type_name : "");
        return -1;
    }
    if (m->type != HPAC_METRIC_RESOURCE && m->type != HPAC_METRIC_CONTAINER_RESOURCE)
        return 0;
    const hpac_pod *pod = &spec->pod;
    bool container_found = m->type == HPAC_METRIC_RESOURCE;
    bool requested = false;
    int64_t milli;
    if (m->type == HPAC_METRIC_RESOURCE && hpac_pod_level_request(pod, m->resource_name, &milli))
        requested = milli > 0;
    for (size_t c = 0; c < pod->container_count; c++) {
        if (m->type == HPAC_METRIC_CONTAINER_RESOURCE &&
            strcmp(pod->containers[c].name, m->container) != 0)
            continue;
        container_found = true;
        if (hpac_container_request(&pod->containers[c], m->resource_name, &milli) && milli > 0)
            requested = true;
    }
    if (!container_found) {
        snprintf(path, sizeof(path), "spec.metrics[%zu].containerResource.container", i);
        set_error(err, hpa_doc, path, "the pod template has no container \"%s\"", m->container);
        return -1;
    }
    if (!m->target.has_average_utilization || requested)
        return 0;
    snprintf(path, sizeof(path), "spec.metrics[%zu].%s.name", i, source_key(m->type));
    if (spec->pod_from_workload)
        set_error(err, hpa_doc, path,
                  "a Utilization target on %s, but the pod template (document %zu) requests no "
                  "%s",
                  m->resource_name, pod_doc + 1, m->resource_name);
    else
        set_error(err, hpa_doc, path,
                  "a Utilization target on %s needs the pods' %s request: add the scale target "
                  "(%s %s) with its pod template to the file",
                  m->resource_name, m->resource_name,
                  spec->hpa.scale_target_ref.kind ? spec->hpa.scale_target_ref.kind : "?",
                  spec->hpa.scale_target_ref.name ? spec->hpa.scale_target_ref.name : "?");
    return -1;
}

int hpac_whatif_spec_from_json(json_t *const *documents, size_t count, int64_t cpu_request_milli,
                               hpac_whatif_spec *out, hpac_whatif_error *err)
{
    int rc = -1;
    char message[512];
    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    out->workload_replicas = -1;

    size_t hpa_doc = SIZE_MAX;
    for (size_t i = 0; i < count && hpa_doc == SIZE_MAX; i++) {
        if (is_hpa(documents[i]))
            hpa_doc = i;
    }
    if (hpa_doc == SIZE_MAX && count == 1 && json_is_object(documents[0]) &&
        !json_object_get(documents[0], "kind"))
        hpa_doc = 0; /* a bare HPA without kind: the decoder says what is wrong */
    if (hpa_doc == SIZE_MAX) {
        set_error(err, 0, count ? "kind" : "",
                  "no HorizontalPodAutoscaler in the file (expected a document with kind: "
                  "HorizontalPodAutoscaler)");
        goto out;
    }
    const json_t *doc = documents[hpa_doc];
    const json_t *metrics = json_object_get(json_object_get(doc, "spec"), "metrics");
    if (!json_is_array(metrics) || json_array_size(metrics) == 0) {
        set_error(err, hpa_doc, json_is_array(metrics) ? "spec.metrics" : "spec",
                  "the HPA has no metrics: simulate needs at least one (the API server would "
                  "default to cpu at 80%% utilization; write it out to simulate that)");
        goto out;
    }
    if (hpac_hpa_from_json(doc, &out->hpa, message, sizeof(message))) {
        decoder_error(err, hpa_doc, "", message);
        goto out;
    }

    size_t pod_doc = find_workload(documents, count, &out->hpa.scale_target_ref);
    if (pod_doc != SIZE_MAX) {
        if (workload_pod(documents[pod_doc], pod_doc, &out->pod, err))
            goto out;
        out->pod_from_workload = true;
        json_int_t replicas = json_integer_value(
            json_object_get(json_object_get(documents[pod_doc], "spec"), "replicas"));
        if (json_is_integer(json_object_get(json_object_get(documents[pod_doc], "spec"),
                                            "replicas")) &&
            replicas >= 0 && replicas <= HPAC_WHATIF_MAX_REPLICAS)
            out->workload_replicas = (int32_t)replicas;
        if (cpu_request_milli >= 0 && override_cpu(&out->pod, cpu_request_milli)) {
            set_error(err, pod_doc, "", "out of memory");
            goto out;
        }
    } else if (synthetic_pod(&out->hpa,
                             cpu_request_milli >= 0 ? cpu_request_milli
                                                    : DEFAULT_CPU_REQUEST_MILLI,
                             &out->pod)) {
        set_error(err, hpa_doc, "", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < out->hpa.metric_count; i++) {
        if (check_metric(out, i, hpa_doc, pod_doc, err))
            goto out;
    }
    rc = 0;
out:
    if (rc)
        hpac_whatif_spec_clear(out);
    return rc;
}

void hpac_whatif_spec_clear(hpac_whatif_spec *spec)
{
    hpac_hpa_clear(&spec->hpa);
    hpac_pod_clear(&spec->pod);
    memset(spec, 0, sizeof(*spec));
    spec->workload_replicas = -1;
}
