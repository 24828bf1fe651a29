/*
 * frontend — the seam between the run engine and whoever watches the run.
 *
 * The engine (src/flow) is the same in `claw run` and in `claw serve`; what
 * differs is behind this small interface: who answers human gates (the
 * terminal, or a browser through the API), how the outside world learns that
 * an issue changed (nothing on the console; the board stream in the server),
 * whether someone asked the run to stop (Ctrl-C; POST .../stop or shutdown),
 * and which extra trace sinks see the records (the console tree; the bus).
 *
 * Gates (SPEC.md section 6).  The engine owns the trace rows of a gate:
 *   1. Before raising a gate it looks in the journal for a `question` of the
 *      same kind that is already open (a resumed run) or already answered
 *      (an answer written while no process served the gate); an existing
 *      answer is consumed without calling wait_gate.
 *   2. Otherwise it writes the `question` row (its span id is the gate id),
 *      sets the issue `waiting`, calls issue_changed, then wait_gate.
 *   3. When wait_gate returns CLAW_OK with answer->recorded false, the engine
 *      writes the `answer` row {ref, text, decision, by}.  A front end that
 *      had to persist the answer itself (the server, for a run that was not
 *      live in this process) sets recorded true.
 *
 * Threads: every callback is called on the run's own thread, never under an
 * engine lock.  wait_gate blocks that thread (a condition variable in the
 * server, a terminal read on the console); it must return CLAW_ESTOPPED
 * promptly when the run is asked to stop or the server shuts down.
 * stop_requested is polled at safe points and must be cheap and thread-safe.
 */
#ifndef CLAW_FLOW_FRONTEND_H
#define CLAW_FLOW_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

struct claw_buf;    /* src/base/buf.h */
struct claw_tracer; /* src/trace/tracer.h */

enum claw_gate_kind {
	CLAW_GATE_QUESTION, /* free text answer */
	CLAW_GATE_APPROVE,  /* approve | reject, optional text = feedback */
	CLAW_GATE_BUDGET,   /* grant (amount) | stop */
	CLAW_GATE_REVIEW,   /* the run's change (SPEC 9): merge | keep | discard | changes */
	CLAW_GATE_KIND_COUNT
};

/* "question", "approve", "budget", "review"; static. */
const char *claw_gate_kind_name(enum claw_gate_kind kind);
enum claw_err claw_gate_kind_parse(const char *name, enum claw_gate_kind *out);

/* A gate the engine raised.  All borrowed for the duration of wait_gate. */
struct claw_gate_request {
	int64_t run_id;
	int64_t issue_id;
	int64_t gate_id; /* span id of the `question` row */
	enum claw_gate_kind kind;
	const char *prompt;  /* what the person is asked */
	const char *payload; /* JSON text: the solver spec (approve), {"spent", "limit", ...}
				(budget), the change (review), or "null" */
	/* More to show on demand (the review gate's diff), appended to out;
	 * NULL when there is none. */
	enum claw_err (*detail)(void *arg, struct claw_buf *out, struct claw_error *err);
	void *detail_arg;
};

/* An answer.  Strings owned by the struct: free with claw_gate_answer_free. */
struct claw_gate_answer {
	char *text;     /* answer text or feedback; "" when none */
	char *decision; /* "" (question), "approve"|"reject", "grant"|"stop", a review
			   decision (flow/review.h) */
	int64_t amount; /* budget grant: extra tokens for a token budget, micro-USD for
			   a USD budget, seconds for a time budget; 0 otherwise */
	char *by;       /* the acting user ("console" on the terminal) */
	char *comments; /* review changes: JSON array [{path, line, body, text}]; NULL */
	char *spec;     /* approve: the solver as the person edited it (JSON text), to store
			   as a new version and run instead; NULL */
	bool recorded;  /* the front end already wrote the `answer` row */
};

void claw_gate_answer_free(struct claw_gate_answer *a);

/* The callbacks.  ctx is the front end's own state. */
struct claw_frontend {
	void *ctx;
	/* Blocks until req is answered (CLAW_OK, *out filled), or the run must
	 * stop (CLAW_ESTOPPED).  Never NULL. */
	enum claw_err (*wait_gate)(void *ctx, const struct claw_gate_request *req,
				   struct claw_gate_answer *out, struct claw_error *err);
	/* The issue's board snapshot may have changed (status, progress, tokens,
	 * gate, new run).  May be NULL. */
	void (*issue_changed)(void *ctx, int64_t issue_id);
	/* True when the run should stop at the next safe point; *by (borrowed,
	 * may be NULL) names who asked.  May be NULL (never stops). */
	bool (*stop_requested)(void *ctx, const char **by);
	/* Adds the front end's own sinks (console tree; in the server the store
	 * sink publishes to the bus itself) to a run's tracer with
	 * claw_tracer_add_sink, right after the engine created it.  The front
	 * end may keep the tracer to write rows of its own on the run's thread,
	 * from its other callbacks, until the pipeline returns (the server's
	 * notes).  May be NULL. */
	void (*add_sinks)(void *ctx, struct claw_tracer *tracer);
};

#endif
