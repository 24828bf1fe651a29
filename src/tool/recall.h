/*
 * recall — a step reads back its own run's journal.
 *
 * Input {what, name}.  what is one of:
 *   task       the issue being solved (ctx->task);
 *   workflow   the workflow being run (ctx->workflow, its JSON);
 *   step       without name: every step the run entered, in order, with its
 *              state; with name: that step's entries, handoff, artifacts and
 *              number of tool calls;
 *   tool       the run's latest tool calls (CLAW_RECALL_CALLS_MAX), of the
 *              tool called name if given, each with its input and the start
 *              of its result (CLAW_RECALL_RESULT_MAX bytes);
 *   artifacts  without name: the run's artifacts (n, label, kind, step,
 *              size, note); with name: the newest artifact of that label,
 *              in full.
 * Everything comes from the trace reader after the tracer is flushed, so a
 * result of the current step is already there; the answer is clipped like
 * any output.  Outside a run (no ctx->db or run_id) the tool refuses.
 *
 * Threads: the run's thread (it uses ctx->db).
 */
#ifndef CLAW_TOOL_RECALL_H
#define CLAW_TOOL_RECALL_H

#include "tool/registry.h"

#define CLAW_RECALL_CALLS_MAX 20                /* tool calls listed */
#define CLAW_RECALL_RESULT_MAX 1500             /* bytes of each call's result shown */
#define CLAW_RECALL_BUILD_MAX (4 * 1024 * 1024) /* answer before clipping */

/* The tool descriptor ("recall"). */
const struct claw_tool *claw_recall_tool(void);

#endif
