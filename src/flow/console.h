/*
 * console — the front end of `claw run`: the terminal answers the gates.
 *
 * Gates are asked on the terminal (prompts on the output fd, normally
 * stderr; answers read a line at a time from the input fd, normally stdin):
 *   approve   the solver is shown (claw_workflow_render: steps, goals,
 *             critics), then `Run this solver? [y/N/e(dit feedback)]`:
 *             y approves; e asks for feedback and rejects with it (the
 *             solver is regenerated); anything else rejects;
 *   question  the prompt, then one line: the answer;
 *   budget    what was spent, then `Grant how much more? [amount/y/N]`:
 *             a number grants that much (tokens, seconds, or USD for a USD
 *             budget), y grants the configured budget again, N stops.
 * End of input at a gate leaves the run parked there (CLAW_ESTOPPED with
 * nobody named): `claw run ID` on a terminal later answers it.
 *
 * Ctrl-C: claw_console_catch_sigint() makes the first SIGINT (or SIGTERM) a
 * stop request (polled at the run's safe points; a model call in flight is
 * cancelled once CLAW_STOP_GRACE_S has passed, so a reply already coming is
 * recorded; a terminal read is interrupted), naming nobody, so the run
 * stays resumable; a second signal has the default effect.
 *
 * The live trace tree goes to the output fd through the console sink at the
 * level chosen (Info; Notice with -q; Debug with -v).
 *
 * Threads: the run's thread (the main thread of `claw run`); the SIGINT
 * flag is a sig_atomic_t.
 */
#ifndef CLAW_FLOW_CONSOLE_H
#define CLAW_FLOW_CONSOLE_H

#include <stdbool.h>

#include "flow/frontend.h"

#define CLAW_CONSOLE_LINE_MAX (64 * 1024)    /* bytes of one answer line */
#define CLAW_CONSOLE_SOLVER_MAX (256 * 1024) /* bytes of a rendered solver */
#define CLAW_CONSOLE_DIFF_MAX (8 << 20)      /* bytes of a diff shown at the review gate */

/* The console's state: fill with claw_console_init, then pass
 * claw_console_frontend's result to the runner.  Use the API. */
struct claw_console {
	int in;    /* answers are read from here */
	int out;   /* prompts and the live tree go here */
	int level; /* console sink level */
	bool colour;
	struct claw_frontend fe;
};

void claw_console_init(struct claw_console *c, int in, int out, int level, bool colour);
/* The front end (borrowed from c, valid while c lives). */
const struct claw_frontend *claw_console_frontend(struct claw_console *c);

/* Installs the SIGINT handler described above (sigaction, no SA_RESTART,
 * SA_RESETHAND).  Call once from the main thread. */
void claw_console_catch_sigint(void);

#endif
