/*
 * record — one trace record: its vocabulary and its wire row.
 *
 * A run's journal is a tree of records (SPEC.md section 6): workflow → step
 * → ai → turn → reply / tool / tool-result.  Span types (workflow, step, ai,
 * turn) are opened by an `enter` record and closed by one `end` record
 * (phase `exit`, same span id, level of the enter, data {ms}); everything
 * else is an `event`, which gets a span id of its own (a question's span id
 * is its gate id) but opens nothing.
 *
 * The wire row is the one JSON shape of a record outside the process
 * (SPEC.md section 7):
 *   {"seq":N,"runId":N,"spanId":N,"parentId":N,"depth":N,"phase":"enter",
 *    "type":"step","level":20,"tsMs":N,"data":{...}}
 * parentId is 0 at the root (as stored), level is the number, data is the
 * record's JSON embedded verbatim.  claw_record_wire_row() is the only
 * function that writes it: the store sink formats the live row with it after
 * the insert, and replay (the poll route, SSE catch-up) formats rows read
 * back from the db with it, so live and replayed bytes are identical.
 *
 * Threads: pure functions and static tables; thread-safe.
 */
#ifndef CLAW_TRACE_RECORD_H
#define CLAW_TRACE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

enum claw_record_phase {
	CLAW_RECORD_ENTER,
	CLAW_RECORD_EXIT,
	CLAW_RECORD_EVENT,
	CLAW_RECORD_PHASE_COUNT
};

enum claw_record_type {
	CLAW_RECORD_WORKFLOW,    /* span, Notice, {name} */
	CLAW_RECORD_STEP,        /* span, Info, {name} */
	CLAW_RECORD_AI,          /* span, Debug, {role, model} */
	CLAW_RECORD_TURN,        /* span, Debug, {number, model} */
	CLAW_RECORD_END,         /* exit of any span, level of its enter, {ms} */
	CLAW_RECORD_PROMPT,      /* Debug, {text, tools} */
	CLAW_RECORD_REPLY,       /* Debug, {text, tool_calls, usage} */
	CLAW_RECORD_TOOL,        /* Info, {name, input} */
	CLAW_RECORD_TOOL_RESULT, /* Info (Notice on error), {name, text, is_error} */
	CLAW_RECORD_ARTIFACT,    /* Info, {n, label, kind, value, source, note, mime, step} */
	CLAW_RECORD_HANDOFF,     /* Notice, {text} */
	CLAW_RECORD_QUESTION,    /* Notice, {kind, prompt, payload} */
	CLAW_RECORD_ANSWER,      /* Notice, {ref, text, decision, by} */
	CLAW_RECORD_BACK,        /* Notice, {from, to, reason} */
	CLAW_RECORD_RETRY,       /* Notice, {error, attempt, wait_ms} */
	CLAW_RECORD_NOTE,        /* any level (Info by default), {action, message} */
	CLAW_RECORD_MESSAGE,     /* Notice, {id, text, by}: a person's words to the run */
	CLAW_RECORD_TYPE_COUNT
};

/* Levels (SPEC.md section 2).  CLAW_RECORD_LEVEL_DEFAULT asks the tracer for
 * the type's own level. */
enum claw_record_level {
	CLAW_RECORD_LEVEL_DEFAULT = 0,
	CLAW_RECORD_DEBUG = 10,
	CLAW_RECORD_INFO = 20,
	CLAW_RECORD_NOTICE = 30,
};

/* A value type.  Who owns data is said by the API that hands a record out:
 * the tracer lends records to sinks for the duration of one call; the reader
 * returns owned ones (claw_record_list_free). */
struct claw_record {
	int64_t seq;       /* the trace table's cursor; 0 until stored */
	int64_t run_id;    /* > 0 */
	int64_t span_id;   /* unique within the run, > 0 */
	int64_t parent_id; /* span id of the enclosing span, 0 at the root */
	int depth;         /* 0 at the root; number of enclosing open spans */
	enum claw_record_phase phase;
	enum claw_record_type type;
	int level; /* 10, 20 or 30 (any positive value is kept) */
	int64_t ts_ms;
	const char *data; /* JSON object text, NUL-terminated; NULL means {} */
};

/* Owned records from the reader. */
struct claw_record_list {
	struct claw_record *v; /* each v[i].data is malloc'd */
	size_t n;
};
void claw_record_list_free(struct claw_record_list *l);

/* "enter", "exit", "event"; "workflow", ..., "tool-result", ...: static. */
const char *claw_record_phase_name(enum claw_record_phase p);
const char *claw_record_type_name(enum claw_record_type t);
/* CLAW_EINVAL for an unknown name (the message names it). */
enum claw_err claw_record_phase_parse(const char *name, enum claw_record_phase *out,
				      struct claw_error *err);
enum claw_err claw_record_type_parse(const char *name, enum claw_record_type *out,
				     struct claw_error *err);
/* The level SPEC.md gives the type (END: Info; callers use the enter's). */
int claw_record_type_level(enum claw_record_type t);
/* True for workflow, step, ai and turn: the types an enter may open. */
bool claw_record_type_is_span(enum claw_record_type t);

/* Appends rec's wire row to out (no newline).  Returns out's sticky error
 * (CLAW_ETOOBIG past its cap: size the cap for the biggest data). */
enum claw_err claw_record_wire_row(struct claw_buf *out, const struct claw_record *rec);

#endif
