/* Reading an HPA file for the simulation: the HPA, its target's pod
 * template, and the errors, each naming the file and the line. */
#include "whatif_support.h"

#include <stdlib.h>

static const char hpa_and_deployment[] =
    "# the HPA and what it scales\n"                           /* 1 */
    "apiVersion: autoscaling/v2\n"                             /* 2 */
    "kind: HorizontalPodAutoscaler\n"                          /* 3 */
    "metadata: {name: web, namespace: shop}\n"                 /* 4 */
    "spec:\n"                                                  /* 5 */
    "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
    "  maxReplicas: 10\n"                                      /* 7 */
    "  metrics:\n"                                             /* 8 */
    "  - type: ContainerResource\n"                            /* 9 */
    "    containerResource:\n"
    "      name: cpu\n"
    "      container: app\n"
    "      target: {type: Utilization, averageUtilization: 50}\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: web}\n"
    "spec:\n"
    "  replicas: 4\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: app\n"
    "        resources: {requests: {cpu: 250m, memory: 1Gi}}\n"
    "      - name: log\n"
    "        resources: {requests: {cpu: 50m}}\n";

static void test_whatif__spec_reads_the_target(void **state)
{
    (void)state;
    hpac_whatif_spec spec;
    char err[512];
    assert_int_equal(hpac_whatif_spec_from_text(hpa_and_deployment, strlen(hpa_and_deployment),
                                                "hpa.yaml", -1, &spec, err, sizeof(err)),
                     0);
    assert_true(spec.pod_from_workload);
    assert_int_equal(spec.workload_replicas, 4);
    assert_int_equal(spec.pod.container_count, 2);
    int64_t milli = 0;
    assert_true(hpac_container_request(&spec.pod.containers[0], "cpu", &milli));
    assert_int_equal(milli, 250);
    hpac_whatif_spec_clear(&spec);

    /* --cpu-request replaces the CPU requests of the template. */
    assert_int_equal(hpac_whatif_spec_from_text(hpa_and_deployment, strlen(hpa_and_deployment),
                                                "hpa.yaml", 2000, &spec, err, sizeof(err)),
                     0);
    assert_true(hpac_container_request(&spec.pod.containers[1], "cpu", &milli));
    assert_int_equal(milli, 2000);
    hpac_whatif_spec_clear(&spec);

    /* Without the target document: one container per named container,
     * each requesting the flag's CPU (1 core by default). */
    size_t hpa_only = (size_t)(strstr(hpa_and_deployment, "---") - hpa_and_deployment);
    assert_int_equal(hpac_whatif_spec_from_text(hpa_and_deployment, hpa_only, "hpa.yaml", -1,
                                                &spec, err, sizeof(err)),
                     0);
    assert_false(spec.pod_from_workload);
    assert_int_equal(spec.workload_replicas, -1);
    assert_int_equal(spec.pod.container_count, 1);
    assert_string_equal(spec.pod.containers[0].name, "app");
    assert_true(hpac_container_request(&spec.pod.containers[0], "cpu", &milli));
    assert_int_equal(milli, 1000);
    hpac_whatif_spec_clear(&spec);

    /* JSON is read too. */
    const char *json = "{\"apiVersion\": \"hpac.io/v1\", \"kind\": \"HorizontalPodAutoscaler\","
                       " \"metadata\": {\"name\": \"j\"}, \"spec\": {\"scaleTargetRef\": "
                       "{\"kind\": \"Deployment\", \"name\": \"j\"}, \"maxReplicas\": 3, "
                       "\"metrics\": [{\"type\": \"Resource\", \"resource\": {\"name\": \"cpu\","
                       " \"target\": {\"type\": \"Utilization\", \"averageUtilization\": 70}}}]}}";
    assert_int_equal(hpac_whatif_spec_from_text(json, strlen(json), "hpa.json", 500, &spec, err,
                                                sizeof(err)),
                     0);
    assert_int_equal(spec.hpa.max_replicas, 3);
    hpac_whatif_spec_clear(&spec);
}

typedef struct bad_spec {
    const char *name;
    const char *text;
    const char *message; /* the exact start of the error */
} bad_spec;

#define HEAD                                                                                       \
    "apiVersion: autoscaling/v2\n"                                                                 \
    "kind: HorizontalPodAutoscaler\n"                                                              \
    "metadata: {name: web}\n"                                                                      \
    "spec:\n"                                                                                      \
    "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"                       \
    "  maxReplicas: 10\n"

static const bad_spec bad_specs[] = {
    {"no metrics", HEAD, "hpa.yaml:4: spec: the HPA has no metrics"},
    {"empty metrics", HEAD "  minReplicas: 1\n  metrics: []\n",
     "hpa.yaml:8: spec.metrics: the HPA has no metrics"},
    {"unknown metric type",
     HEAD "  metrics:\n"
          "  - type: Resource\n"
          "    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n"
          "  - type: Custom\n"
          "    custom: {name: x}\n",
     "hpa.yaml:10: spec.metrics[1].type: unknown metric type \"Custom\""},
    {"not YAML", HEAD "  metrics: [\n", "hpa.yaml:8: not valid YAML or JSON"},
    {"decoder error",
     HEAD "  metrics:\n"
          "  - type: Resource\n"
          "    resource:\n"
          "      name: cpu\n"
          "      target: {type: Utilization, averageUtilization: -5}\n",
     "hpa.yaml:11: spec.metrics[0].resource.target.averageUtilization: must be greater than 0"},
    {"memory utilization without the target",
     HEAD "  metrics:\n"
          "  - type: Resource\n"
          "    resource:\n"
          "      name: memory\n"
          "      target: {type: Utilization, averageUtilization: 80}\n",
     "hpa.yaml:10: spec.metrics[0].resource.name: a Utilization target on memory needs the "
     "pods' memory request"},
    {"container missing from the template",
     HEAD "  metrics:\n"
          "  - type: ContainerResource\n"
          "    containerResource:\n"
          "      name: cpu\n"
          "      container: sidecar\n"
          "      target: {type: Utilization, averageUtilization: 80}\n"
          "---\n"
          "kind: Deployment\n"
          "metadata: {name: web}\n"
          "spec:\n"
          "  template:\n"
          "    spec:\n"
          "      containers: [{name: app, resources: {requests: {cpu: 1}}}]\n",
     "hpa.yaml:11: spec.metrics[0].containerResource.container: the pod template has no "
     "container \"sidecar\""},
    {"target without a template",
     HEAD "  metrics:\n"
          "  - type: Resource\n"
          "    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n"
          "---\n"
          "kind: Deployment\n"
          "metadata: {name: web}\n"
          "spec: {replicas: 2}\n",
     "hpa.yaml:13: spec.template.spec: the scale target has no pod template"},
    {"no HPA", "kind: Deployment\nmetadata: {name: web}\n",
     "hpa.yaml:1: kind: no HorizontalPodAutoscaler in the file"},
};

static void test_whatif__spec_errors_name_file_and_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
        const bad_spec *c = &bad_specs[i];
        hpac_whatif_spec spec;
        char err[1024] = "";
        int rc = hpac_whatif_spec_from_text(c->text, strlen(c->text), "hpa.yaml", -1, &spec, err,
                                            sizeof(err));
        if (rc != -1 || strncmp(err, c->message, strlen(c->message)) != 0)
            fail_msg("%s: rc %d, message\n  \"%s\"\nexpected\n  \"%s...\"", c->name, rc, err,
                     c->message);
        assert_null(spec.hpa.metrics); /* cleared */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whatif__spec_reads_the_target),
        cmocka_unit_test(test_whatif__spec_errors_name_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
