/* `hpac simulate`: replay a load trace against an HPA on a virtual clock
 * with the controller's decision code (lib/whatif). */
#ifndef HPAC_CMD_SIMULATE_H
#define HPAC_CMD_SIMULATE_H

/* Runs the subcommand. `argv` starts at the subcommand (argv[0] is
 * "simulate"), or is main()'s own argv when no global flag other than
 * -v/--logging-format precedes the word: the first "simulate" word is
 * skipped, and so are those logging flags. The controller's arithmetic
 * flags (--horizontal-pod-autoscaler-tolerance, ...) are read here too.
 * Prints the report (or the JSON timeline with --json) to stdout, errors
 * to stderr. Returns the exit status: 0; 2 on bad input (flags, an HPA or
 * trace file it cannot replay: the message names the file and line); 1 on
 * other failures (out of memory, writing --svg). */
int hpac_simulate_main(int argc, char **argv);

#endif
