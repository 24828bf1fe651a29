/*
 * outline — the span skeleton of a run: what the run view loads first of a
 * long run (issue 17; one span's events and a search are reader.h's).
 *
 * The skeleton is one row per span (its enter row, its end, and what its
 * direct children hold: how many spans and events, its replies' tokens and
 * cost, errors (failed tools, failed workflows), critic rejections, questions), computed by SQL on
 * the indexes (run_id, phase, seq) and (run_id, parent_id, phase, seq) (schema 7), a page at a time
 * in seq order.  Sums over a whole subtree are the client's (it holds every span).  Everything is
 * as of `upto`, the run's newest seq when the first page was asked: later rows come on the live
 * stream from there, so nothing is counted twice.
 *
 * Threads: the connection's thread.
 */
#ifndef CLAW_TRACE_OUTLINE_H
#define CLAW_TRACE_OUTLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"
#include "trace/record.h"

#define CLAW_OUTLINE_PAGE_MAX 5000  /* spans in one page */
#define CLAW_OUTLINE_WAITS_MAX 1000 /* waits for a person in the first page */

struct claw_outline_span {
	int64_t seq; /* of its enter row */
	int64_t span_id, parent_id;
	int depth;
	enum claw_record_type type;
	char *data; /* the enter row's data (JSON text, owned) */
	int64_t start_ms;
	int64_t end_ms;   /* its exit row's time; 0: open as of upto */
	int64_t ms;       /* the exit's duration (data.ms); 0 when open */
	bool interrupted; /* its exit says its process stopped */
	int64_t spans;    /* child spans */
	int64_t events;   /* child events (tool results included) */
	int64_t in, out, cached, cache_write, cost_micros; /* its own replies */
	int64_t errors;    /* tool results with is_error, `failed` notes */
	int64_t rejects;   /* verdict calls that do not accept */
	int64_t questions; /* question rows */
};

/* A time the run waited for a person: a question row to its answer. */
struct claw_outline_wait {
	int64_t gate;    /* the question's span id */
	int64_t from_ms; /* the question's time */
	int64_t to_ms;   /* its answer's; 0: unanswered as of upto */
};

struct claw_outline {
	struct claw_outline_span *v;
	size_t n;
	struct claw_outline_wait *waits; /* the first page's (after 0), in seq order */
	size_t n_waits;
	int64_t upto; /* the seq everything is as of */
	int64_t next; /* the seq to ask the next page after; 0: this was the last */
};
void claw_outline_free(struct claw_outline *o);

/* The spans of run_id entered after seq `after` and at most `upto` (0: the
 * run's newest seq now, returned in out->upto), at most limit (1 ..
 * CLAW_OUTLINE_PAGE_MAX) of them, and with the first page (after 0) the
 * run's first CLAW_OUTLINE_WAITS_MAX waits for a person (on the index
 * (run_id, type, seq)): the time axis shows them apart from working time.
 * *out must be zeroed. */
enum claw_err claw_outline_spans(struct claw_db *db, int64_t run_id, int64_t after, int64_t upto,
				 size_t limit, struct claw_outline *out, struct claw_error *err);

#endif
