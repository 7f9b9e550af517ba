/* Delayed wake-ups for the simulated API server: a request answered after
 * a delay is suspended (it holds no server thread) and this timer thread
 * resumes it when its time comes. Internal to lib/sim. */
#ifndef HPAC_SIM_SIM_DELAY_H
#define HPAC_SIM_SIM_DELAY_H

typedef struct hpac_sim_delayer hpac_sim_delayer;

/* Called on the timer thread (or in hpac_sim_delayer_stop) once per item. */
typedef void (*hpac_sim_wake_fn)(void *item);

/* Starts the timer thread. NULL on failure. */
hpac_sim_delayer *hpac_sim_delayer_start(hpac_sim_wake_fn wake);

/* Schedules wake(item) in delay_ms. Returns 0, or -1 when the delayer is
 * stopping or out of memory: then wake is never called for `item`. */
int hpac_sim_delayer_add(hpac_sim_delayer *d, void *item, int delay_ms);

/* Wakes every pending item at once, refuses new ones, joins the thread and
 * frees the delayer. */
void hpac_sim_delayer_stop(hpac_sim_delayer *d);

#endif
