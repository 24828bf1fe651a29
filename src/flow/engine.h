/*
 * engine — runs one workflow of a run (SPEC.md section 4.1).
 *
 * Steps run in order, skipping those in the snapshot's `done` list.  Each
 * visit of a step is a `step` span:
 *
 *   ai step    the handoff of the step that passed last is formed first if
 *              it is missing (one more turn of that step's conversation,
 *              persisted in the snapshot, traced as `handoff`), then the
 *              step's exchange runs (claw_turn_loop) on its own conversation,
 *              checkpointed under (run, key, step) after every turn, with
 *              the step's palette; files written by write_file are recorded
 *              as `file` artifacts of the step (through the artifact tool);
 *   tool step  the call's args are expanded (${param.*}, ${issue.*},
 *              ${run.id}) and the tool is called once; an error result is a
 *              rejection whose findings are the result.
 *
 * Verdict (ai steps with a critic): claw_critic_judge.  On a rejection of an
 * ai step the supervisor is asked (claw_ask, kind review; told the step is
 * stuck once it has been rejected max_rounds times): accept passes the step,
 * stop halts the run, anything else is guidance for the rework.  A tool
 * step's rejection goes straight to its back_to, without a supervisor (the
 * same call would fail the same way).  A rework continues the step's own
 * conversation with the findings and the guidance as the next user turn;
 * with back_to the run goes back to that earlier step instead (a `back`
 * record), un-doing it and every step after it: the target continues its own
 * conversation with the findings, and the steps in between are told to check
 * their work again when they run.  A step rejected more than max_rounds
 * times fails the workflow ("stuck").
 *
 * Pass: the step joins `done`, its params are asked for (one more turn of
 * its conversation each, no tools) and pinned for their steps, and the
 * snapshot is saved (done, params, handoff) under (run, key).  Before every
 * step the run budget is checked (a `budget` gate when exhausted).
 *
 * Conversations are kept (never cleared) for the life of the run: a back_to
 * and a handoff continue them, and a resumed run continues the interrupted
 * one from its last checkpoint.
 *
 * Threads: the run's thread.
 */
#ifndef CLAW_FLOW_ENGINE_H
#define CLAW_FLOW_ENGINE_H

#include <stdbool.h>

#include <json-c/json.h>

#include "base/err.h"
#include "flow/context.h"
#include "flow/spec.h"

#define CLAW_ENGINE_PROMPT_MAX (256 * 1024) /* bytes of a step's system prompt */
#define CLAW_ENGINE_VISITS_MAX (CLAW_SPEC_STEPS_MAX * (CLAW_SPEC_ROUNDS_MAX + 2) * 2)
#define CLAW_ENGINE_PARAM_MAX (256 * 1024)  /* bytes of a pinned param value */
#define CLAW_ENGINE_HANDOFF_MAX (16 * 1024) /* bytes of a handoff kept */

/* Borrowed for the call. */
struct claw_engine_params {
	struct claw_flow_ctx *flow;
	const struct claw_workflow *wf;
	const char *key;     /* snapshot and checkpoint key: "generate", "solver", ... */
	const char *context; /* extra text for every step's system prompt, may be NULL */
};

struct claw_engine_result {
	bool passed;       /* every step passed */
	char *failed_step; /* "" when passed */
	char *reason;      /* why it failed; "" when passed */
	char *findings;    /* the last rejection's findings; "" when none */
};

void claw_engine_result_free(struct claw_engine_result *r);

/* Runs (or resumes) p->wf under p->key.  CLAW_OK when it reached an end:
 * out->passed, or a failure of the workflow itself (a stuck step, a tool
 * step that kept failing), with the reason.  CLAW_ESTOPPED when the run
 * halted (claw_flow_halted says why: user, supervisor, budget, backend).
 * Other codes for the store.  out is always filled (free it). */
enum claw_err claw_engine_run(const struct claw_engine_params *p, struct claw_engine_result *out,
			      struct claw_error *err);

/* Appends text as the next user turn of the stored conversation of step
 * under (run, key), when it has one (a repaired solver tells its failed step
 * about the repair).  CLAW_OK when there is none. */
enum claw_err claw_engine_tell(struct claw_flow_ctx *ctx, const char *key, const char *step,
			       const char *text, struct claw_error *err);

/* Sends the run under key back to step (an index of wf) from outside the
 * workflow (the review gate): writes a `back` record with the fields of
 * back (borrowed), appends tell as the next user turn of that step's
 * conversation and tell_later to each step after it, and takes them all
 * out of the snapshot's done list, so the next claw_engine_run works
 * from step on. */
enum claw_err claw_engine_reopen(struct claw_flow_ctx *ctx, const char *key,
				 const struct claw_workflow *wf, size_t step, const char *tell,
				 const char *tell_later, struct json_object *back,
				 struct claw_error *err);

#endif
