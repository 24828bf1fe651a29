/*
 * outline — the span skeleton of a run.  See outline.h.
 *
 * One statement a page: the enter rows in seq order on (run_id, phase,
 * seq), each joined to its exit row on (run_id, span_id) and to its direct
 * child events on (run_id, parent_id, phase, seq), aggregated with FILTER
 * clauses; its child spans are counted on that index alone.  A page of
 * LIMIT spans reads those spans' events and nothing else (an agent span
 * with 166 000 turns costs an index count, not 166 000 row reads).  The
 * indexes are named (INDEXED BY): on its own the planner takes (run_id,
 * seq) for the children's seq range, which reads every later row of the
 * run for each span.
 */
#include "trace/outline.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void
claw_outline_free(struct claw_outline *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].data);
	free(o->v);
	free(o->waits);
	memset(o, 0, sizeof *o);
}

/* The run's newest seq (0 without rows). */
static enum claw_err
newest(struct claw_db *db, int64_t run_id, int64_t *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc =
		claw_db_stmt(db, "SELECT MAX(seq) FROM trace WHERE run_id = ?", &st, err);
	*out = 0;
	if (rc == CLAW_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			*out = sqlite3_column_int64(st, 0);
		else
			rc = claw_db_fail(db, "find the run's newest trace row", err);
	}
	claw_db_finish(st);
	return rc;
}

static const char spans_sql[] =
	"SELECT e.seq, e.span_id, e.parent_id, e.depth, e.type, e.data, e.ts_ms,"
	" MAX(x.ts_ms), MAX(json_extract(x.data, '$.ms')), MAX(json_extract(x.data, "
	"'$.interrupted')),"
	" (SELECT COUNT(*) FROM trace k INDEXED BY trace_run_parent WHERE k.run_id = e.run_id"
	"  AND k.parent_id = e.span_id AND k.phase = 'enter' AND k.seq > e.seq AND k.seq <= ?3),"
	" COUNT(c.seq),"
	" TOTAL(json_extract(c.data, '$.usage.in')) FILTER (WHERE c.type = 'reply'),"
	" TOTAL(json_extract(c.data, '$.usage.out')) FILTER (WHERE c.type = 'reply'),"
	" TOTAL(json_extract(c.data, '$.usage.cached')) FILTER (WHERE c.type = 'reply'),"
	" TOTAL(json_extract(c.data, '$.usage.cache_write')) FILTER (WHERE c.type = 'reply'),"
	" TOTAL(json_extract(c.data, '$.usage.cost_micros')) FILTER (WHERE c.type = 'reply'),"
	" COUNT(c.seq) FILTER (WHERE (c.type = 'tool-result' AND json_extract(c.data, "
	"'$.is_error')) OR (c.type = 'note' AND json_extract(c.data, '$.action') = 'failed')),"
	" COUNT(c.seq) FILTER (WHERE c.type = 'tool' AND json_extract(c.data, '$.name') = 'verdict'"
	"  AND COALESCE(json_extract(c.data, '$.input.decision'), '') != 'accept'),"
	" COUNT(c.seq) FILTER (WHERE c.type = 'question')"
	" FROM trace e INDEXED BY trace_run_phase"
	" LEFT JOIN trace x INDEXED BY trace_run_span ON x.run_id = e.run_id"
	"  AND x.span_id = e.span_id AND x.phase = 'exit' AND x.seq <= ?3"
	" LEFT JOIN trace c INDEXED BY trace_run_parent ON c.run_id = e.run_id"
	"  AND c.parent_id = e.span_id AND c.phase = 'event' AND c.seq > e.seq AND c.seq <= ?3"
	" WHERE e.run_id = ?1 AND e.phase = 'enter' AND e.seq > ?2 AND e.seq <= ?3"
	" GROUP BY e.seq ORDER BY e.seq LIMIT ?4";

/* Fills s from a row of spans_sql. */
static enum claw_err
read_span(sqlite3_stmt *st, struct claw_outline_span *s, struct claw_error *err)
{
	const char *type = (const char *)sqlite3_column_text(st, 4);
	enum claw_err rc = claw_record_type_parse(type != NULL ? type : "", &s->type, err);
	if (rc != CLAW_OK)
		return rc;
	s->seq = sqlite3_column_int64(st, 0);
	s->span_id = sqlite3_column_int64(st, 1);
	s->parent_id = sqlite3_column_int64(st, 2);
	s->depth = sqlite3_column_int(st, 3);
	s->data = claw_db_column_dup(st, 5);
	s->start_ms = sqlite3_column_int64(st, 6);
	s->end_ms = sqlite3_column_int64(st, 7);
	s->ms = sqlite3_column_int64(st, 8);
	s->interrupted = sqlite3_column_int(st, 9) != 0;
	s->spans = sqlite3_column_int64(st, 10);
	s->events = sqlite3_column_int64(st, 11);
	s->in = (int64_t)sqlite3_column_double(st, 12);
	s->out = (int64_t)sqlite3_column_double(st, 13);
	s->cached = (int64_t)sqlite3_column_double(st, 14);
	s->cache_write = (int64_t)sqlite3_column_double(st, 15);
	s->cost_micros = (int64_t)sqlite3_column_double(st, 16);
	s->errors = sqlite3_column_int64(st, 17);
	s->rejects = sqlite3_column_int64(st, 18);
	s->questions = sqlite3_column_int64(st, 19);
	return CLAW_OK;
}

static const char waits_sql[] =
	"SELECT q.span_id, q.ts_ms, (SELECT MIN(a.ts_ms) FROM trace a INDEXED BY trace_run_type"
	"  WHERE a.run_id = q.run_id AND a.type = 'answer' AND a.seq > q.seq AND a.seq <= ?2"
	"  AND json_extract(a.data, '$.ref') = q.span_id)"
	" FROM trace q INDEXED BY trace_run_type"
	" WHERE q.run_id = ?1 AND q.type = 'question' AND q.seq <= ?2 ORDER BY q.seq LIMIT ?3";

/* The run's waits for a person as of upto into out->waits. */
static enum claw_err
read_waits(struct claw_db *db, int64_t run_id, int64_t upto, struct claw_outline *out,
	   struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(db, waits_sql, &st, err);
	int s;

	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int(st, 3, CLAW_OUTLINE_WAITS_MAX);
	out->waits = claw_xcalloc(CLAW_OUTLINE_WAITS_MAX, sizeof *out->waits);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct claw_outline_wait *w = &out->waits[out->n_waits++];
		w->gate = sqlite3_column_int64(st, 0);
		w->from_ms = sqlite3_column_int64(st, 1);
		w->to_ms = sqlite3_column_int64(st, 2);
	}
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the run's waits for a person", err);
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_outline_spans(struct claw_db *db, int64_t run_id, int64_t after, int64_t upto, size_t limit,
		   struct claw_outline *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = CLAW_OK;
	int s;

	claw_outline_free(out);
	if (limit == 0 || limit > CLAW_OUTLINE_PAGE_MAX)
		limit = CLAW_OUTLINE_PAGE_MAX;
	if (upto <= 0)
		rc = newest(db, run_id, &upto, err);
	out->upto = upto;
	if (rc == CLAW_OK)
		rc = claw_db_stmt(db, spans_sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, upto);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
	out->v = claw_xcalloc(limit, sizeof *out->v);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_span(st, &out->v[out->n], err);
		if (rc != CLAW_OK)
			goto out;
		out->n++;
	}
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the run's spans", err);
	else if (out->n == limit)
		out->next = out->v[out->n - 1].seq;
	if (rc == CLAW_OK && after == 0)
		rc = read_waits(db, run_id, upto, out, err);
out:
	claw_db_finish(st);
	if (rc != CLAW_OK)
		claw_outline_free(out);
	return rc;
}
