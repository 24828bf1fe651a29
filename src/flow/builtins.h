/*
 * builtins — the built-in workflows, written in the workflow language itself
 * (src/flow/builtin/<name>.json) and compiled into the binary by
 * src/flow/embed.sh at build time.
 *
 *   generate  understand → assess → draft (critic solverReview) → save: writes
 *             the solver of one issue and stores it through define_workflow.
 *   repair    (role supervisor) diagnose → fix → save: writes a fixed version of
 *             a solver that failed, keeping its step names.
 *
 * What the engine must give the steps (their prompts rely on it): every step's
 * system prompt carries the issue (title and description) and the project
 * folder; for generate after a rejected approval, the rejected solver and the
 * person's feedback; for repair, the solver that failed (its JSON), the failure
 * (reason, failed step, last findings) and a summary of the run's trace.
 * The save steps call define_workflow with {"name": "${param.name}", "spec":
 * "${param.spec}"}: the draft (or fix) step provides both params; spec is the
 * solver JSON text exactly as the model replied it.
 *
 * Threads: the texts are static; every function is thread-safe.
 */
#ifndef CLAW_FLOW_BUILTINS_H
#define CLAW_FLOW_BUILTINS_H

#include <stddef.h>

#include "base/err.h"
#include "flow/spec.h"

struct claw_registry;

/* The JSON text of the built-in workflow called name ("generate",
 * "repair"), static and NUL-terminated; *len (may be NULL) gets its length.
 * NULL for an unknown name. */
const char *claw_builtins_text(const char *name, size_t *len);

/* The built-in workflow called name, parsed and validated with define_workflow
 * allowed and no budget ceiling; tools (may be NULL) as in struct
 * claw_spec_limits.  Caller frees *out with claw_workflow_free().
 * CLAW_ENOTFOUND `no built-in workflow "x"`; CLAW_EINTERNAL (a bug in the
 * shipped JSON) with the validator's problems in the message. */
enum claw_err claw_builtins_get(const char *name, const struct claw_registry *tools,
				struct claw_workflow **out, struct claw_error *err);

/* Validates every built-in workflow (at startup, and in the tests);
 * CLAW_EINTERNAL naming the first that fails. */
enum claw_err claw_builtins_check(const struct claw_registry *tools, struct claw_error *err);

/* The names of the built-in workflows, NULL-terminated, static. */
const char *const *claw_builtins_names(void);

#endif
