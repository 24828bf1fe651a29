/*
 * reader — questions asked of a run's journal in the db.
 *
 * Everything the dashboard, `claw log`, the gates and the recall tool know
 * about a run is derived from its trace rows (SPEC.md section 6); these are
 * the queries: the rows after a seq (replay and the poll route), the highest
 * span id (seeding a tracer), the run that last wrote, token and cost totals
 * (sums over `reply` rows, grouped by model), artifacts, the open gate, and
 * the step and tool history of a run.
 *
 * Rows are read back into struct claw_record with their data text as
 * stored, so claw_record_wire_row() of a replayed row is byte for byte the
 * row that was published live.
 *
 * Threads: functions use the caller's connection (one thread at a time).
 * Results are owned by the caller: free them with the matching *_free.
 */
#ifndef CLAW_TRACE_READER_H
#define CLAW_TRACE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"
#include "trace/record.h"

#define CLAW_READER_TAIL_MAX 10000 /* rows per claw_reader_tail call */

/* Rows of run_id with seq > since, in seq order, at most limit of them
 * (0 or more than CLAW_READER_TAIL_MAX: CLAW_READER_TAIL_MAX).  A row whose
 * phase or type this claw does not know fails with CLAW_EINVAL naming its
 * seq.  *out must be zeroed or hold an earlier result, which is freed and
 * replaced (so one list can page through a run); free with
 * claw_record_list_free. */
enum claw_err claw_reader_tail(struct claw_db *db, int64_t run_id, int64_t since, size_t limit,
			       struct claw_record_list *out, struct claw_error *err);

/* As claw_reader_tail, the rows of level >= level only: what a tree shown
 * at that level prints (a span's end row has its enter's level), read
 * without the rows it would pass over. */
enum claw_err claw_reader_tail_level(struct claw_db *db, int64_t run_id, int64_t since, int level,
				     size_t limit, struct claw_record_list *out,
				     struct claw_error *err);

/* The event rows of run_id whose parent is span, seq in (since, upto]
 * (upto 0: no bound), in seq order, at most limit of them (limit and *out
 * as claw_reader_tail's): one span's events, when the run view opens it. */
enum claw_err claw_reader_events(struct claw_db *db, int64_t run_id, int64_t span, int64_t since,
				 int64_t upto, size_t limit, struct claw_record_list *out,
				 struct claw_error *err);

#define CLAW_READER_SEARCH_MAX 200 /* bytes of a search text */

/* The rows of run_id after seq since whose data holds text (ASCII case
 * ignored; text is looked for as JSON escapes it), in seq order, at most
 * limit of them (limit and *out as claw_reader_tail's).  CLAW_EINVAL for a
 * text that is empty or over CLAW_READER_SEARCH_MAX bytes. */
enum claw_err claw_reader_search(struct claw_db *db, int64_t run_id, const char *text,
				 int64_t since, size_t limit, struct claw_record_list *out,
				 struct claw_error *err);

/* The enter rows of run_id's spans that no exit closed, innermost (newest)
 * first: what a process that died or stopped left open; and in *last_ms
 * the time of the run's newest row (where its journal stops; 0 when it has
 * none).  *out as for claw_reader_tail. */
enum claw_err claw_reader_open_spans(struct claw_db *db, int64_t run_id,
				     struct claw_record_list *out, int64_t *last_ms,
				     struct claw_error *err);

/* The highest span id of run_id (0 when it has no rows). */
enum claw_err claw_reader_last_span(struct claw_db *db, int64_t run_id, int64_t *out,
				    struct claw_error *err);

/* The run of the newest trace row; CLAW_ENOTFOUND "no trace yet" when the
 * table is empty. */
enum claw_err claw_reader_latest_run(struct claw_db *db, int64_t *run_id, struct claw_error *err);

/* ---------------------------------------------------------------- totals */

struct claw_trace_usage {
	char *model; /* "" when the reply and its enclosing spans name none */
	int64_t replies;
	int64_t in, out, cached, cache_write;
	int64_t cost_micros;
};

struct claw_trace_totals {
	int64_t replies;
	int64_t in, out, cached, cache_write;
	int64_t cost_micros;             /* USD = cost_micros / 1e6 */
	struct claw_trace_usage *models; /* by model name ascending */
	size_t nmodels;
};
void claw_trace_totals_free(struct claw_trace_totals *t);

/* The run's tokens and cost: data.usage.{in,out,cached,cache_write,
 * cost_micros} summed over its reply rows, in all and per model (data.model
 * of the reply, else of its parent span: the turn or ai enter), by name.
 * The sums are kept as replies are written (the db's run_usage, schema 7),
 * so this reads a row per model however long the run.  A run without
 * replies gives zeros.  *out must be zeroed or hold an earlier result
 * (freed and replaced). */
enum claw_err claw_reader_totals(struct claw_db *db, int64_t run_id, struct claw_trace_totals *out,
				 struct claw_error *err);

/* The time to first byte (data.ttft_ms) of the run's reply rows: how many
 * have one and their sum in *count and *sum_ms, and the last max of them in
 * row order into *out (caller frees; NULL with *n 0 when none):
 * /api/metrics's summary of the replies' latency. */
enum claw_err claw_reader_ttfts(struct claw_db *db, int64_t run_id, size_t max, int64_t **out,
				size_t *n, int64_t *count, int64_t *sum_ms, struct claw_error *err);

/* One run's tokens and cost in all (run_usage's rows summed over models). */
struct claw_run_cost {
	int64_t run_id;
	int64_t in, out, cost_micros;
};

/* The tokens and cost of every run of issue_id that has replies, by run id
 * ascending, into *out (caller frees; NULL with *n 0 when none): the runs
 * list and the issue's total over all its runs. */
enum claw_err claw_reader_issue_costs(struct claw_db *db, int64_t issue_id,
				      struct claw_run_cost **out, size_t *n,
				      struct claw_error *err);

/* ------------------------------------------------------------- artifacts */

struct claw_trace_artifact {
	int64_t n;   /* data.n: the artifact's index within the run */
	int64_t seq; /* row that recorded it (the newest, if n was re-recorded) */
	char *label; /* strings "" when absent */
	char *kind;  /* text | file | evidence */
	char *step;
	char *source;
	char *note;
	char *mime;
	int64_t size; /* bytes of data.value */
	char *body;   /* data.value: only from claw_reader_artifact, else NULL */
};
void claw_trace_artifact_free(struct claw_trace_artifact *a);
void claw_trace_artifact_list_free(struct claw_trace_artifact *list, size_t n);

/* Metadata of every artifact of the run, by n ascending (a re-recorded n
 * keeps its newest row).  *out NULL and *n 0 when none. */
enum claw_err claw_reader_artifacts(struct claw_db *db, int64_t run_id,
				    struct claw_trace_artifact **out, size_t *n,
				    struct claw_error *err);
/* Artifact n with its body.  CLAW_ENOTFOUND "run #R has no artifact N". */
enum claw_err claw_reader_artifact(struct claw_db *db, int64_t run_id, int64_t n,
				   struct claw_trace_artifact *out, struct claw_error *err);

/* ----------------------------------------------------------------- gates */

struct claw_trace_gate {
	int64_t id;               /* the question's span id: the gate id */
	int64_t parent_id, depth; /* of the question row: where its answer goes */
	int64_t seq;
	int64_t ts_ms;
	char *kind;    /* question | approve | budget */
	char *prompt;  /* "" when absent */
	char *payload; /* JSON text; "null" when absent */
};
void claw_trace_gate_free(struct claw_trace_gate *g);

/* The open gate of the run: the newest question row that no answer row
 * refers to (data.ref = its span id).  CLAW_ENOTFOUND when none is open. */
enum claw_err claw_reader_open_gate(struct claw_db *db, int64_t run_id, struct claw_trace_gate *out,
				    struct claw_error *err);

/* --------------------------------------------------------------- history */

struct claw_trace_step {
	char *workflow; /* name of the enclosing workflow, "" when none */
	char *name;
	int64_t span_id;
	int64_t seq;   /* of its enter */
	int64_t ts_ms; /* of its enter */
	bool ended;    /* an end record closed it */
	int64_t ms;    /* duration when ended, else 0 */
	char *handoff; /* text of the last handoff inside it, "" when none */
};
void claw_trace_step_list_free(struct claw_trace_step *list, size_t n);

/* Every step the run entered, in order (a step entered again after a
 * back_to or a resume appears again).  *out NULL and *n 0 when none. */
enum claw_err claw_reader_steps(struct claw_db *db, int64_t run_id, struct claw_trace_step **out,
				size_t *n, struct claw_error *err);

struct claw_trace_tool_call {
	char *step; /* name of the enclosing step, "" when none */
	char *name;
	char *input; /* JSON text of data.input, "null" when absent */
	int64_t span_id;
	int64_t seq;
	bool has_result; /* a tool-result answered it */
	bool is_error;
	char *result; /* the result text, "" without one */
};
void claw_trace_tool_call_list_free(struct claw_trace_tool_call *list, size_t n);

/* The run's tool calls in order, each paired with its result (the first
 * later tool-result with the same parent span and tool name).  step, when
 * not NULL, keeps only calls made inside steps of that name; limit > 0 keeps
 * only the newest limit calls.  *out NULL and *n 0 when none. */
enum claw_err claw_reader_tools(struct claw_db *db, int64_t run_id, const char *step, size_t limit,
				struct claw_trace_tool_call **out, size_t *n,
				struct claw_error *err);

#endif
