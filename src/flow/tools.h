/*
 * tools — the engine's own tools and the registry of a run.
 *
 *   verdict         critic only: {decision: accept|reject|cannot_verify,
 *                   rubric_item, fact, reason}.  The handler only
 *                   acknowledges; the critic reads the call's input (its
 *                   after hook) and ends its exchange.
 *   rerun_evidence  critic only: {label}: re-runs the command of the run's
 *                   newest `evidence` artifact of that label through bash
 *                   (the same sandbox) and says whether the output is
 *                   identical to what was recorded.
 *   define_workflow generate and repair only, in tool steps: {name, spec}:
 *                   validates spec with every rule of the language and
 *                   stores its canonical JSON as the next solver
 *                   version.  It needs the run's issue, so the engine runs
 *                   it (claw_flow_define_call) with the struct
 *                   claw_flow_define the runner put in the context; the
 *                   registry's handler refuses when called any other way.
 *
 * Threads: the descriptors are static; the registry is built once per run
 * (or per process) and read-only afterwards.
 */
#ifndef CLAW_FLOW_TOOLS_H
#define CLAW_FLOW_TOOLS_H

#include <json-c/json.h>

#include "base/err.h"
#include "flow/context.h"
#include "flow/spec.h"
#include "tool/registry.h"

/* What define_workflow does in this run: the runner fills it before running
 * generate or repair and reads version afterwards. */
struct claw_flow_define {
	const struct claw_workflow *keep; /* repair: the solver whose step names must be
					     kept; NULL for generate */
	int64_t version;                  /* out: the version stored last, 0 when none */
};

const struct claw_tool *claw_flow_verdict_tool(void);
const struct claw_tool *claw_flow_rerun_tool(void);
const struct claw_tool *claw_flow_define_tool(void);

/* A registry with every built-in tool and the three above.  Caller frees
 * with claw_registry_free(). */
enum claw_err claw_flow_registry(struct claw_registry **out, struct claw_error *err);

/* Runs define_workflow for the run in ctx (ctx->define must be set, else an
 * error result).  input has been checked against the schema. */
void claw_flow_define_call(struct claw_flow_ctx *ctx, struct json_object *input,
			   struct claw_tool_result *res);

#endif
