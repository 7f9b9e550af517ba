/* `hpac demo`: the real controller scaling a simulated workload on this
 * machine (lib/demo). */
#ifndef HPAC_CMD_DEMO_H
#define HPAC_CMD_DEMO_H

/* Runs the subcommand. `argv` starts at the subcommand (argv[0] is
 * "demo"), or is main()'s own argv: the first "demo" word is skipped.
 * Flags: --svg PATH (default demo.svg), --quiet, --log FILE, --color
 * auto|always|never, -v N, --logging-format, --help. Prints the timeline
 * and summary to stdout, errors to stderr. Returns the exit status: 0; 1
 * when the demo failed; 2 on bad flags; 130 when interrupted. Takes over
 * the process-wide log settings and SIGINT/SIGTERM while it runs. */
int hpac_demo_main(int argc, char **argv);

#endif
