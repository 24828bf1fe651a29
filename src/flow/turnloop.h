/*
 * turnloop — one model exchange: the ReAct loop of SPEC.md section 4.1.
 *
 * Each turn sends the whole conversation with the palette's tool specs,
 * traces the reply with its usage, charges the budget, runs every tool the
 * reply asks for in order and sends their results back as one user message.
 * The exchange ends when a reply asks for no tool.  The trace of an exchange
 * is `ai` {role, model} → `turn` {number, model} → `prompt`, `reply`, and a
 * `tool` / `tool-result` pair per call.
 *
 * Guards.  Before comparing, runs of digits are replaced by '#', so timings,
 * sizes, pids and run#N handles do not hide a repetition.  The step is stuck
 * when the same call (tool and input) gives the same result 3 times, or when
 * the same tool fails with the same failure 3 times whatever its input.  The
 * supervisor is then asked once for a different approach (its guidance is
 * sent to the model and the counts restart); a second time, or when it has
 * no approach to give, the exchange ends with a `note` {action: "stuck",
 * message: "STOPPED: ..."}.  Every CLAW_TURN_SUPERVISE_EVERY turns the
 * supervisor is asked whether to go on (accept: go on; stop: the exchange
 * ends; guidance: sent to the model).
 *
 * Questions.  A reply without tool calls that has a line starting
 * `[question]` puts the rest of that line and what follows up the ask ladder
 * (when the exchange has one); the answer is sent back and the exchange
 * goes on.  A `stop` from the ladder halts the run.
 *
 * Budgets.  After every reply the run budget is charged (tokens and cost)
 * and, after every turn, its seconds; an exhausted run budget raises a
 * `budget` gate (claw_flow_budget_gate) before the exchange continues.  The
 * per-exchange caps (CLAW_TURN_TOKENS, CLAW_TURN_SECONDS) end the exchange
 * instead (a `note` {action: "capped"}).
 *
 * Durability.  With a checkpoint key (workflow and step), the conversation
 * is saved after every turn, once the tool results are in it, and the turn
 * in flight is kept in the tool-call ledger (store/state.h): its reply
 * before its tools run, each call's start and result (read-only calls,
 * which run again on resume, are not written).  On resume a ledger
 * that follows the checkpoint is answered from: ended calls get their
 * recorded results, the call that was running runs again only when it is
 * read-only (else the model is told it was interrupted and its effects are
 * unknown, a `note` {action: "interrupted-call"}, and later calls are not
 * run), calls that never started run; the model is not asked for that turn
 * again.  A conversation handed in that ends with unanswered tool calls and
 * no ledger loses that turn, which is asked again (never half replayed);
 * one that ends with a final reply is already finished (its [question], if
 * any, is put up the ladder again: the gate protocol finds the open or
 * answered gate).
 *
 * Steering (SPEC 11).  In an exchange with steer set, the messages a person
 * sent to the run join the tool results at each turn boundary, as the
 * person's words, each traced `message` {id, text, by}; they are marked
 * delivered in the transaction of the checkpoint that holds them, so a
 * crash delivers them again after the resume only if that checkpoint was
 * lost with them.  A message that arrives as the exchange ends waits for
 * the next steerable one.
 *
 * Turn cap.  CLAW_STEP_TURNS turns per exchange, whatever the supervisor
 * says to "go on?": then the step is stuck (the supervisor once; guidance
 * buys CLAW_TURN_SUPERVISE_EVERY last turns), then the exchange ends.
 *
 * Threads: the run's thread.
 */
#ifndef CLAW_FLOW_TURNLOOP_H
#define CLAW_FLOW_TURNLOOP_H

#include <stdbool.h>

#include <json-c/json.h>

#include "base/err.h"
#include "flow/context.h"
#include "llm/message.h"
#include "tool/registry.h"

#define CLAW_TURN_SUPERVISE_EVERY 50         /* turns between "go on?" checks */
#define CLAW_TURN_GUARD_REPEATS 3            /* repetitions that make a step stuck */
#define CLAW_TURN_GUARD_KEYS 4096            /* distinct calls remembered by the guard */
#define CLAW_TURN_TRACE_TEXT_MAX (64 * 1024) /* bytes of text in a prompt or reply row */
#define CLAW_TURN_TRACE_STRING_MAX 20000     /* bytes of a string in a traced tool input */
#define CLAW_TURN_MAX_TOKENS 16384           /* output tokens asked per reply */
#define CLAW_TURN_CACHE_KEY_MAX 64           /* prompt_cache_key "claw-<run>-<step>", clipped */

enum claw_turn_end {
	CLAW_TURN_DONE,     /* a reply asked for no tool: text is the final reply */
	CLAW_TURN_FINISHED, /* a hook ended the exchange (the critic's verdict) */
	CLAW_TURN_STUCK,    /* a guard ended it (STOPPED note) */
	CLAW_TURN_CAPPED,   /* a per-exchange cap, max_turns or the supervisor ended it */
};

/* Hooks into the tool calls of an exchange.  Every member may be NULL. */
struct claw_turn_hooks {
	void *ctx;
	/* Before a call runs: return true when the hook ran it itself and
	 * filled res (the engine's own tools). */
	bool (*call)(void *ctx, const struct claw_tool_ctx *tctx, const char *name,
		     struct json_object *input, struct claw_tool_result *res);
	/* After each call, with its result; set *finish to end the exchange
	 * once this turn's results are in. */
	void (*after)(void *ctx, const struct claw_tool_ctx *tctx, const char *name,
		      struct json_object *input, const struct claw_tool_result *res, bool *finish);
};

struct claw_ask_request;
struct claw_ask_reply;
typedef enum claw_err (*claw_turn_ask_fn)(struct claw_flow_ctx *flow,
					  const struct claw_ask_request *req,
					  struct claw_ask_reply *out, struct claw_error *err);

/* Everything borrowed for the call. */
struct claw_turn_params {
	struct claw_flow_ctx *flow;
	const char *role;                    /* "worker", "reviewer", ... */
	const char *system;                  /* the system prompt */
	const struct claw_registry *palette; /* NULL: no tools */
	const char *workflow;                /* checkpoint key; NULL: not checkpointed */
	const char *step;                    /* the step (tool context, checkpoint key) */
	const char *goal;                    /* the step's goal, for the ladder */
	struct claw_history *history;        /* run#N handles of the step; may be NULL */
	/* The ask ladder (claw_ask, flow/ask.h) where questions, "stuck" and
	 * "go on?" go; NULL for the ladder's own agents (the supervisor) and
	 * the critics, which never enter it: a hook, so the loop does not
	 * call up into the ladder that calls it. */
	claw_turn_ask_fn ask;
	int max_turns; /* 0: no limit but the budgets and the supervisor */
	bool steer;    /* a person's messages to the run (store/messages.h) reach this
			  exchange: a step's own, not a critic's or the ladder's */
	const struct claw_turn_hooks *hooks; /* may be NULL */
};

struct claw_turn_result {
	enum claw_turn_end end;
	char *text; /* the last reply's text ("" when none); caller frees */
	int turns;  /* turns taken by this call */
};

/* Runs the exchange on conv (which must hold at least one message; it gets
 * the new turns).  On CLAW_OK *out says how it ended (free out->text).
 * CLAW_ESTOPPED when the run must stop (the halt is recorded in p->flow: a
 * user stop, the ladder's stop, a budget gate answered stop);
 * CLAW_EBACKEND / CLAW_ENET / CLAW_ETOOBIG when the model call failed for
 * good (halt CLAW_HALT_BACKEND); CLAW_EDB and friends for the store. */
enum claw_err claw_turn_loop(const struct claw_turn_params *p, struct claw_llm_conv *conv,
			     struct claw_turn_result *out, struct claw_error *err);

/* The question of a final reply: the text after the first line that starts
 * (after spaces) with "[question]", trimmed; NULL when there is none.
 * Caller frees. */
char *claw_turn_question(const char *reply);

/* Appends s with every run of ASCII digits replaced by '#' (the guards'
 * normal form).  Returns out's sticky error. */
enum claw_err claw_turn_normalise(struct claw_buf *out, const char *s);

/* Saves conv as the checkpoint of (run, workflow, step): the messages
 * after its mark (claw_llm_conv_mark) and the marked last one, which may
 * have grown; then marks it whole.  A conversation loaded from the
 * checkpoint is marked whole by its loader; a new one (mark 0) is written
 * whole. */
enum claw_err claw_turn_checkpoint(struct claw_flow_ctx *ctx, const char *workflow,
				   const char *step, struct claw_llm_conv *conv,
				   struct claw_error *err);

#endif
