/* The demo's cluster as API objects: the HPA, its Deployment, and the
 * pods and PodMetrics that mirror the workload model. Pure: new JSON
 * objects, the caller owns them (json_decref); NULL when out of memory. */
#ifndef HPAC_DEMO_CLUSTER_H
#define HPAC_DEMO_CLUSTER_H

#include "demo/demo.h"
#include "demo/model.h"

#include <jansson.h>
#include <stdint.h>

#define HPAC_DEMO_NAMESPACE "demo"
#define HPAC_DEMO_NAME "web" /* the Deployment, its HPA and its pods' app label */
#define HPAC_DEMO_CONTAINER "web"
#define HPAC_DEMO_TEMPLATE_HASH "6d8f7c9b5" /* the pods' pod-template-hash label */
#define HPAC_DEMO_POD_PREFIX HPAC_DEMO_NAME "-" HPAC_DEMO_TEMPLATE_HASH

/* The simulated server's starting objects (a case's "objects"): the
 * hpac.io/v1 HPA and the Deployment, without pods. */
json_t *hpac_demo_objects(const hpac_demo_config *cfg);

/* The Pod for a model pod: Running since its start, Ready as the model
 * says. Demo times become wall times by adding `wall_origin_ms` (the wall
 * clock at demo time 0). */
json_t *hpac_demo_pod_object(const hpac_demo_config *cfg, const hpac_demo_pod *pod,
                             int64_t wall_origin_ms);

/* The pod's PodMetrics, with `usage_milli` of CPU, stamped "@now" with the
 * configured metrics window. */
json_t *hpac_demo_pod_metrics_object(const hpac_demo_config *cfg, const hpac_demo_pod *pod,
                                     int64_t usage_milli);

#endif
