/*
 * gate — raising a human gate and taking its answer, by the protocol of
 * frontend.h.
 *
 * A gate is a `question` row (its span id is the gate id) and, once
 * answered, an `answer` row referring to it.  Before writing a question the
 * run looks at the newest question of its journal: when it has the same
 * kind and prompt, the run is resuming at that very gate, so it waits on it
 * again (still open) or takes the answer already written (answered while no
 * process served it, or before the process died).  Prompts therefore name
 * what they ask about precisely (the solver version, the spent amounts), so
 * that a later gate of the same kind never takes an older gate's answer.
 *
 * While it waits the issue is `waiting`; after the answer it is
 * `inprogress` again, and the tracer is reseeded from the db (another
 * writer may have written the answer row).
 *
 * Threads: the run's thread.
 */
#ifndef CLAW_FLOW_GATE_H
#define CLAW_FLOW_GATE_H

#include "base/err.h"
#include "flow/context.h"
#include "flow/frontend.h"

#define CLAW_GATE_PROMPT_MAX (64 * 1024) /* bytes of a prompt kept in the row */
#define CLAW_GATE_DATA_MAX (1024 * 1024) /* bytes of a question row's data */

/* Raises (or finds again) a gate of kind with prompt and payload (JSON text,
 * NULL for null) and waits for its answer.  On CLAW_OK *out holds the answer
 * (free with claw_gate_answer_free); its decision is normalised for the kind
 * (approve: "approve" or "reject"; budget: "grant" or "stop"; review: one of
 * flow/review.h's decisions, "" for anything else; question: "").  A
 * review gate sets the issue `review` while it waits, the others
 * `waiting`.
 * CLAW_ESTOPPED when the run must stop instead (the halt is recorded); other
 * codes for db errors. */
enum claw_err claw_flow_gate(struct claw_flow_ctx *ctx, enum claw_gate_kind kind,
			     const char *prompt, const char *payload, struct claw_gate_answer *out,
			     struct claw_error *err);

/* claw_flow_gate with the gate given as a request (its kind, prompt,
 * payload, and detail for the front end; the ids are filled in here). */
enum claw_err claw_flow_gate_ask(struct claw_flow_ctx *ctx, const struct claw_gate_request *ask,
				 struct claw_gate_answer *out, struct claw_error *err);

/* Writes the `answer` row of gate_id (a's fields; comments when set) to
 * run_id's journal in the db at db_path, beside its question, then (note not
 * NULL) a `note` {action: "review", message: note}, publishing both on bus
 * (may be NULL) under project: for a run that no thread of this process
 * executes.  Blocks until they are committed. */
struct claw_bus;
enum claw_err claw_gate_record_answer(const char *db_path, const char *project,
				      struct claw_bus *bus, int64_t run_id, int64_t gate_id,
				      const struct claw_gate_answer *a, const char *note,
				      struct claw_error *err);

/* When the run budget is exhausted, raises a `budget` gate
 * (payload {"kind", "spent", "limit"}; spent and limit in tokens, seconds or
 * micro-USD) and applies its answer: `grant` raises that limit by the
 * answer's amount (claw_budget_grant), `stop` halts the run
 * (CLAW_HALT_BUDGET, CLAW_ESTOPPED).  Repeats while a limit is still
 * exhausted, at most CLAW_GATE_BUDGET_ROUNDS times.  CLAW_OK at once when
 * nothing is exhausted. */
#define CLAW_GATE_BUDGET_ROUNDS 16
enum claw_err claw_flow_budget_gate(struct claw_flow_ctx *ctx, struct claw_error *err);

#endif
