/*
 * tracer — the span tree of one run, handed record by record to sinks.
 *
 * One tracer per run, driven by the run's thread.  It keeps the stack of
 * open spans (workflow → step → ai → turn), gives every record a span id,
 * parent id, depth, level and wall-clock time in ms, and hands it to each
 * sink in the order they were added (the store sink, which persists and
 * then publishes; the console sink for `claw run`).
 *
 * - enter opens a span (workflow, step, ai, turn) and returns its id;
 * - exit closes a span: any spans still open inside it are closed first,
 *   innermost first; each close writes one `end` record (phase exit, the
 *   span's id, parent and depth, the level of its enter, data {"ms":N}, the
 *   span's duration on the monotonic clock);
 * - event writes a record with a span id of its own that opens nothing (a
 *   question's span id is the gate id an answer refers to).
 *
 * Span ids are unique within a run across processes: a tracer starts from
 * the run's highest span id in the db (claw_trace_store_tracer_new() reads
 * it; claw_tracer_reseed() raises it again after another writer, such as a
 * gate answer from the server, may have added rows to the run).
 *
 * Tracing never breaks a run: the emitting functions return no error.  A
 * sink that fails is reported on stderr once per (sink, error code), and
 * the next records are offered to it again.  Misuse (exiting a span that is
 * not open, entering a non-span type) is reported the same way and ignored.
 *
 * Threads: a tracer belongs to its run's thread; nothing here is locked.
 * Sinks are called on that thread and must not block on anything but their
 * own I/O.
 */
#ifndef CLAW_TRACE_TRACER_H
#define CLAW_TRACE_TRACER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/err.h"
#include "trace/record.h"

struct claw_tracer;

/* Live output of a model turn as it is written (SPEC 11's `delta`): shown,
 * never stored (the `reply` row that follows is the record).  Every
 * pointer borrowed for the call. */
struct claw_trace_delta {
	int64_t span_id;  /* the turn */
	int attempt;      /* the model call's attempt: a retry starts over */
	const char *kind; /* "text", "thinking" or "tool_input" */
	size_t index;     /* the reply's block */
	const char *name; /* tool_input: the tool's name (may be NULL) */
	size_t at;        /* where text starts in the block's text */
	const char *text; /* len bytes of whole UTF-8 sequences */
	size_t len;
};

/* A sink: a small vtable and its context.  write gets a record lent for the
 * duration of the call (copy what you keep); flush (may be NULL) returns once
 * every record written so far is as durable as the sink makes it; delta
 * (may be NULL) shows live output and must not wait on another thread; release (may be NULL)
 * frees ctx when the tracer is freed.  name is static ("store", "console")
 * and appears in error messages. */
struct claw_trace_sink_ops {
	const char *name;
	enum claw_err (*write)(void *ctx, const struct claw_record *rec, struct claw_error *err);
	enum claw_err (*flush)(void *ctx, struct claw_error *err);
	void (*release)(void *ctx);
	void (*delta)(void *ctx, int64_t run_id, const struct claw_trace_delta *d);
};

/* A tracer for run_id whose next span id is last_span_id + 1.  Free with
 * claw_tracer_free(). */
struct claw_tracer *claw_tracer_new(int64_t run_id, int64_t last_span_id);
/* Releases the sinks and the tracer.  Writes nothing: spans still open stay
 * open in the journal (a run stopped to be resumed later).  NULL is a no-op. */
void claw_tracer_free(struct claw_tracer *t);

/* Adds a sink; the tracer takes ownership of ctx (ops->release at free).
 * ops is borrowed and must outlive the tracer (a static table). */
void claw_tracer_add_sink(struct claw_tracer *t, const struct claw_trace_sink_ops *ops, void *ctx);

int64_t claw_tracer_run_id(const struct claw_tracer *t);
/* Number of open spans (the depth of the next record). */
size_t claw_tracer_depth(const struct claw_tracer *t);
/* Id of the innermost open span, 0 when none. */
int64_t claw_tracer_current(const struct claw_tracer *t);
/* Highest span id given out (or seeded). */
int64_t claw_tracer_last_span(const struct claw_tracer *t);
/* Raises the span counter to at least last_span_id (never lowers it). */
void claw_tracer_reseed(struct claw_tracer *t, int64_t last_span_id);

/* Opens a span of type (workflow, step, ai or turn) with data (a JSON object
 * as text; NULL → {}) at the type's level; returns its span id, or 0 when
 * type is not a span type (reported once). */
int64_t claw_trace_enter(struct claw_tracer *t, enum claw_record_type type, const char *data);
/* Closes span_id and, first, every span still open inside it.  A span id
 * that is not open is reported once and ignored. */
void claw_trace_exit(struct claw_tracer *t, int64_t span_id);
/* Writes the end of a span another process opened and never closed (it
 * died, or stopped to be resumed): enter is that span's enter row, ms how
 * long it lasted as far as the journal knows.  The end record is the
 * usual one with data {"ms":N,"interrupted":true}.  The tracer's own
 * stack is untouched. */
void claw_trace_close_interrupted(struct claw_tracer *t, const struct claw_record *enter,
				  int64_t ms);
/* Closes every open span (the end of a run). */
void claw_trace_exit_all(struct claw_tracer *t);
/* Writes an event of type (not a span type, not end) with data (NULL → {})
 * at level (CLAW_RECORD_LEVEL_DEFAULT: the type's own; pass
 * CLAW_RECORD_NOTICE for a failed tool result).  Returns its span id, or 0
 * on misuse. */
int64_t claw_trace_event(struct claw_tracer *t, enum claw_record_type type, int level,
			 const char *data);

/* claw_trace_event at a given place in the tree: under parent_id at depth,
 * for a record that belongs beside one another tracer wrote (the server's
 * answer to a question of a run that is not live). */
int64_t claw_trace_event_at(struct claw_tracer *t, int64_t parent_id, int depth,
			    enum claw_record_type type, int level, const char *data);

/* The same with data as a json-c object (borrowed; serialized compactly,
 * NULL → {}).  The object belongs to the calling thread. */
int64_t claw_trace_enter_json(struct claw_tracer *t, enum claw_record_type type,
			      struct json_object *data);
int64_t claw_trace_event_json(struct claw_tracer *t, enum claw_record_type type, int level,
			      struct json_object *data);

/* Hands d to every sink that shows live output (ops->delta); nothing is
 * stored and no span id is used. */
void claw_trace_delta(struct claw_tracer *t, const struct claw_trace_delta *d);

/* Asks every sink to make what it has been given durable (the store sink
 * waits for its commit).  Call before telling anyone else to read the db,
 * e.g. before parking at a gate.  Returns the first sink error (also
 * reported once). */
enum claw_err claw_tracer_flush(struct claw_tracer *t, struct claw_error *err);

#endif
