/*
 * critic — the verdict on one attempt of a step (SPEC.md section 4.1, 3).
 *
 * The step's artifacts (the newest row of each, from the journal: the
 * artifact tool replaces a label re-recorded in the same step) are judged in
 * this order:
 *   1. nothing at all (no artifact and an empty report) → reject, no model;
 *   2. byte-identical to what the previous attempt of the same step left
 *      (labels, kinds and values; the caller keeps that digest between
 *      attempts) → reject, no model: the rework changed nothing;
 *   3. else an AI critic: role `reviewer`, a fresh conversation, tools
 *      read_file, list_files, recall, rerun_evidence and verdict (never
 *      write_file, bash or artifact), told the goal, the rubric, the handoff,
 *      the worker's report and the artifacts.  It must end by calling
 *      verdict; a critic that never does is a reject with its last text as
 *      the findings.
 * cannot_verify counts as a reject.  Every verdict is traced as a `note`
 * {action: "verdict", message} at Notice.
 *
 * Threads: the run's thread.
 */
#ifndef CLAW_FLOW_CRITIC_H
#define CLAW_FLOW_CRITIC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "flow/context.h"
#include "flow/spec.h"

#define CLAW_CRITIC_TURNS 30                      /* the critic's exchange is cut after this */
#define CLAW_CRITIC_ARTIFACT_SHOWN (20 * 1024)    /* bytes of one artifact in the prompt */
#define CLAW_CRITIC_PROMPT_MAX (512 * 1024)       /* bytes of the critic's first message */
#define CLAW_CRITIC_DIGEST_MAX (64 * 1024 * 1024) /* bytes of one attempt's artifacts */

/* Borrowed for the call. */
struct claw_critic_input {
	const struct claw_workflow *wf;
	const struct claw_step *step;
	const char *handoff;     /* the baton the step started from, may be NULL */
	const char *report;      /* the worker's final reply */
	const char *prev_digest; /* what the previous attempt left, NULL when unknown */
	size_t prev_digest_len;
};

struct claw_verdict {
	bool accept;
	bool shortcut;  /* decided without a model */
	char *findings; /* for the supervisor and the rework: rubric item, fact, reason;
			   caller frees (claw_verdict_free) */
	char *digest;   /* this attempt's artifacts (bytes with NULs), for the next
			   attempt's check */
	size_t digest_len;
};

void claw_verdict_free(struct claw_verdict *v);

/* Judges the step as described above.  On CLAW_OK *out holds the verdict.
 * CLAW_ESTOPPED / backend errors as claw_turn_loop. */
enum claw_err claw_critic_judge(struct claw_flow_ctx *ctx, const struct claw_critic_input *in,
				struct claw_verdict *out, struct claw_error *err);

#endif
