/*
 * reader — SQL over the trace table, and the few walks that SQL does badly.
 *
 * Plain questions (tail, last span, latest run, totals, artifacts, the open
 * gate) are one statement each on the indexes (run_id, seq) and (run_id,
 * type, seq), using SQLite's JSON functions to look inside data.  The step
 * and tool histories need each record's enclosing step, which is an
 * ancestor walk over span ids: those read the run's span and event rows
 * once, in seq order, and keep a small span-id → span map in memory.
 */
#include "trace/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/mem.h"

#define ROW_COLUMNS "seq, run_id, span_id, parent_id, depth, phase, type, level, ts_ms, data"

/* Fills rec from a row of ROW_COLUMNS; rec->data is a fresh copy. */
static enum claw_err
read_record(sqlite3_stmt *st, struct claw_record *rec, struct claw_error *err)
{
	const char *phase = (const char *)sqlite3_column_text(st, 5);
	const char *type = (const char *)sqlite3_column_text(st, 6);
	enum claw_err rc;

	memset(rec, 0, sizeof *rec);
	rec->seq = sqlite3_column_int64(st, 0);
	rec->run_id = sqlite3_column_int64(st, 1);
	rec->span_id = sqlite3_column_int64(st, 2);
	rec->parent_id = sqlite3_column_int64(st, 3);
	rec->depth = sqlite3_column_int(st, 4);
	rec->level = sqlite3_column_int(st, 7);
	rec->ts_ms = sqlite3_column_int64(st, 8);
	rc = claw_record_phase_parse(phase != NULL ? phase : "", &rec->phase, err);
	if (rc == CLAW_OK)
		rc = claw_record_type_parse(type != NULL ? type : "", &rec->type, err);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "trace row %lld", (long long)rec->seq);
		return rc;
	}
	rec->data = claw_db_column_dup(st, 9);
	return CLAW_OK;
}

/* Steps st (ROW_COLUMNS, bound) to its end into out (freed first). */
static enum claw_err
collect(struct claw_db *db, sqlite3_stmt *st, struct claw_record_list *out, struct claw_error *err)
{
	size_t alloc = 0;
	enum claw_err rc = CLAW_OK;
	int s;

	claw_record_list_free(out);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 64;
			out->v = claw_xrealloc(out->v, alloc * sizeof *out->v);
		}
		rc = read_record(st, &out->v[out->n], err);
		if (rc != CLAW_OK)
			break;
		out->n++;
	}
	if (rc == CLAW_OK && s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the trace", err);
	if (rc != CLAW_OK)
		claw_record_list_free(out);
	return rc;
}

/* The rows of sql (ROW_COLUMNS), its parameters ?1..?n the integers
 * args[0..n), then ?n+1 the limit (capped as claw_reader_tail's), then
 * ?n+2 text when it is not NULL. */
static enum claw_err
query_rows(struct claw_db *db, const char *sql, const int64_t *args, int n, size_t limit,
	   const char *text, struct claw_record_list *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc;

	claw_record_list_free(out);
	if (limit == 0 || limit > CLAW_READER_TAIL_MAX)
		limit = CLAW_READER_TAIL_MAX;
	rc = claw_db_stmt(db, sql, &st, err);
	if (rc == CLAW_OK) {
		for (int i = 0; i < n; i++)
			sqlite3_bind_int64(st, i + 1, args[i]);
		sqlite3_bind_int64(st, n + 1, (sqlite3_int64)limit);
		if (text != NULL)
			sqlite3_bind_text(st, n + 2, text, -1, SQLITE_STATIC);
		rc = collect(db, st, out, err);
	}
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_reader_tail(struct claw_db *db, int64_t run_id, int64_t since, size_t limit,
		 struct claw_record_list *out, struct claw_error *err)
{
	const int64_t args[] = {run_id, since};
	return query_rows(db,
			  "SELECT " ROW_COLUMNS " FROM trace WHERE run_id = ?1 AND seq > ?2"
			  " ORDER BY seq LIMIT ?3",
			  args, 2, limit, NULL, out, err);
}

enum claw_err
claw_reader_tail_level(struct claw_db *db, int64_t run_id, int64_t since, int level, size_t limit,
		       struct claw_record_list *out, struct claw_error *err)
{
	const int64_t args[] = {run_id, since, level};
	return query_rows(db,
			  "SELECT " ROW_COLUMNS " FROM trace WHERE run_id = ?1 AND seq > ?2"
			  " AND level >= ?3 ORDER BY seq LIMIT ?4",
			  args, 3, limit, NULL, out, err);
}

enum claw_err
claw_reader_events(struct claw_db *db, int64_t run_id, int64_t span, int64_t since, int64_t upto,
		   size_t limit, struct claw_record_list *out, struct claw_error *err)
{
	const int64_t args[] = {run_id, span, since, upto > 0 ? upto : INT64_MAX};
	return query_rows(db,
			  "SELECT " ROW_COLUMNS " FROM trace WHERE run_id = ?1 AND parent_id = ?2"
			  " AND seq > ?3 AND seq <= ?4 AND phase = 'event' ORDER BY seq LIMIT ?5",
			  args, 4, limit, NULL, out, err);
}

enum claw_err
claw_reader_search(struct claw_db *db, int64_t run_id, const char *text, int64_t since,
		   size_t limit, struct claw_record_list *out, struct claw_error *err)
{
	const int64_t args[] = {run_id, since};
	size_t n = strlen(text);

	claw_record_list_free(out);
	if (n == 0 || n > CLAW_READER_SEARCH_MAX)
		return claw_error_set(err, CLAW_EINVAL, "search text must be 1 to %d bytes",
				      CLAW_READER_SEARCH_MAX);
	/* data is JSON text: look for text as JSON writes it (a quote as \",
	 * a newline as \n), without the quotes around it. */
	struct claw_buf esc = CLAW_BUF_INIT(CLAW_READER_SEARCH_MAX * 8);
	(void)claw_json_buf_append_string(&esc, text, n);
	claw_buf_truncate(&esc, claw_buf_len(&esc) - 1);
	enum claw_err rc =
		query_rows(db,
			   "SELECT " ROW_COLUMNS " FROM trace WHERE run_id = ?1 AND seq > ?2"
			   " AND instr(lower(data), lower(?4)) > 0 ORDER BY seq LIMIT ?3",
			   args, 2, limit, claw_buf_str(&esc) + 1, out, err);
	claw_buf_free(&esc);
	return rc;
}

/* One integer from a query binding run_id as ?1; *found says whether a row
 * came back (NULL counts as 0). */
static enum claw_err
query_i64(struct claw_db *db, const char *sql, int64_t run_id, const char *what, int64_t *out,
	  bool *found, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc;

	*out = 0;
	*found = false;
	rc = claw_db_stmt(db, sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, run_id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		*found = true;
	} else if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, what, err);
	}
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_reader_last_span(struct claw_db *db, int64_t run_id, int64_t *out, struct claw_error *err)
{
	bool found;
	return query_i64(db, "SELECT MAX(span_id) FROM trace WHERE run_id = ?", run_id,
			 "read the last span id", out, &found, err);
}

enum claw_err
claw_reader_open_spans(struct claw_db *db, int64_t run_id, struct claw_record_list *out,
		       int64_t *last_ms, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc;
	bool found;

	claw_record_list_free(out);
	rc = query_i64(db, "SELECT MAX(ts_ms) FROM trace WHERE run_id = ?", run_id,
		       "read the run's last time", last_ms, &found, err);
	if (rc == CLAW_OK)
		rc = claw_db_stmt(
			db,
			"SELECT " ROW_COLUMNS " FROM trace e WHERE e.run_id = ?1"
			" AND e.phase = 'enter' AND NOT EXISTS (SELECT 1 FROM trace x"
			"  WHERE x.run_id = ?1 AND x.span_id = e.span_id AND x.phase = 'exit')"
			" ORDER BY e.seq DESC",
			&st, err);
	if (rc == CLAW_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		rc = collect(db, st, out, err);
	}
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_reader_latest_run(struct claw_db *db, int64_t *run_id, struct claw_error *err)
{
	bool found;
	enum claw_err rc = query_i64(db, "SELECT run_id FROM trace ORDER BY seq DESC LIMIT 1", 0,
				     "find the latest traced run", run_id, &found, err);
	if (rc == CLAW_OK && !found)
		rc = claw_error_set(err, CLAW_ENOTFOUND, "no trace yet");
	return rc;
}

/* ---------------------------------------------------------------- totals */

void
claw_trace_totals_free(struct claw_trace_totals *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nmodels; i++)
		free(t->models[i].model);
	free(t->models);
	memset(t, 0, sizeof *t);
}

enum claw_err
claw_reader_totals(struct claw_db *db, int64_t run_id, struct claw_trace_totals *out,
		   struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	enum claw_err rc;
	int s;

	claw_trace_totals_free(out);
	rc = claw_db_stmt(db,
			  "SELECT model, replies, tokens_in, tokens_out, cached, cache_write,"
			  " cost_micros FROM run_usage WHERE run_id = ? ORDER BY model",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->nmodels == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 4;
			out->models = claw_xrealloc(out->models, alloc * sizeof *out->models);
		}
		struct claw_trace_usage *u = &out->models[out->nmodels++];
		u->model = claw_db_column_dup(st, 0);
		u->replies = sqlite3_column_int64(st, 1);
		u->in = sqlite3_column_int64(st, 2);
		u->out = sqlite3_column_int64(st, 3);
		u->cached = sqlite3_column_int64(st, 4);
		u->cache_write = sqlite3_column_int64(st, 5);
		u->cost_micros = sqlite3_column_int64(st, 6);
		out->replies += u->replies;
		out->in += u->in;
		out->out += u->out;
		out->cached += u->cached;
		out->cache_write += u->cache_write;
		out->cost_micros += u->cost_micros;
	}
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the run's tokens", err);
out:
	claw_db_finish(st);
	if (rc != CLAW_OK)
		claw_trace_totals_free(out);
	return rc;
}

enum claw_err
claw_reader_ttfts(struct claw_db *db, int64_t run_id, size_t max, int64_t **out, size_t *n,
		  int64_t *count, int64_t *sum_ms, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int s;

	*out = NULL;
	*n = 0;
	*count = *sum_ms = 0;
	enum claw_err rc = claw_db_stmt(db,
					"SELECT count(t), total(t) FROM (SELECT json_extract(data, "
					"'$.ttft_ms') AS t FROM trace WHERE run_id = ? AND type = "
					"'reply') WHERE t > 0",
					&st, err);
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*sum_ms = sqlite3_column_int64(st, 1);
	}
	claw_db_finish(st);
	st = NULL;
	rc = claw_db_stmt(
		db,
		"SELECT ttft FROM (SELECT seq, json_extract(data, '$.ttft_ms') AS ttft FROM trace"
		" WHERE run_id = ? AND type = 'reply' AND ttft > 0 ORDER BY seq DESC LIMIT ?)"
		" ORDER BY seq",
		&st, err);
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 16;
			*out = claw_xrealloc(*out, alloc * sizeof **out);
		}
		(*out)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, "read the run's reply latencies", err);
		free(*out);
		*out = NULL;
		*n = 0;
	}
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_reader_issue_costs(struct claw_db *db, int64_t issue_id, struct claw_run_cost **out, size_t *n,
			struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int s;

	*out = NULL;
	*n = 0;
	enum claw_err rc = claw_db_stmt(
		db,
		"SELECT u.run_id, SUM(u.tokens_in), SUM(u.tokens_out), SUM(u.cost_micros)"
		" FROM runs r JOIN run_usage u ON u.run_id = r.id WHERE r.issue_id = ?"
		" GROUP BY u.run_id ORDER BY u.run_id",
		&st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, issue_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 4;
			*out = claw_xrealloc(*out, alloc * sizeof **out);
		}
		(*out)[(*n)++] = (struct claw_run_cost){
			.run_id = sqlite3_column_int64(st, 0),
			.in = sqlite3_column_int64(st, 1),
			.out = sqlite3_column_int64(st, 2),
			.cost_micros = sqlite3_column_int64(st, 3),
		};
	}
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the issue's run costs", err);
out:
	claw_db_finish(st);
	if (rc != CLAW_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---------------------------------------------------------- json helpers */

static const char *
jstr(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int64_t
jint(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return 0;
	return json_object_get_int64(v);
}

/* Compact JSON text of obj[key], "null" when absent. */
static char *
jtext(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (obj != NULL)
		(void)json_object_object_get_ex(obj, key, &v);
	return claw_xstrdup(json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static struct json_object *
jparse(const unsigned char *text)
{
	return text != NULL ? json_tokener_parse((const char *)text) : NULL;
}

/* ------------------------------------------------------------- artifacts */

void
claw_trace_artifact_free(struct claw_trace_artifact *a)
{
	if (a == NULL)
		return;
	free(a->label);
	free(a->kind);
	free(a->step);
	free(a->source);
	free(a->note);
	free(a->mime);
	free(a->body);
	memset(a, 0, sizeof *a);
}

void
claw_trace_artifact_list_free(struct claw_trace_artifact *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		claw_trace_artifact_free(&list[i]);
	free(list);
}

static void
read_artifact(int64_t seq, struct json_object *d, bool body, struct claw_trace_artifact *a)
{
	struct json_object *v = NULL;
	memset(a, 0, sizeof *a);
	a->seq = seq;
	a->n = jint(d, "n");
	a->label = claw_xstrdup(jstr(d, "label"));
	a->kind = claw_xstrdup(jstr(d, "kind"));
	a->step = claw_xstrdup(jstr(d, "step"));
	a->source = claw_xstrdup(jstr(d, "source"));
	a->note = claw_xstrdup(jstr(d, "note"));
	a->mime = claw_xstrdup(jstr(d, "mime"));
	if (d != NULL && json_object_object_get_ex(d, "value", &v) &&
	    json_object_is_type(v, json_type_string))
		a->size = json_object_get_string_len(v);
	if (body)
		a->body = claw_xstrdup(jstr(d, "value"));
}

enum claw_err
claw_reader_artifacts(struct claw_db *db, int64_t run_id, struct claw_trace_artifact **out,
		      size_t *n, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	enum claw_err rc;
	int s;

	*out = NULL;
	*n = 0;
	/* The newest row of each n: max(seq) per n, then read those rows. */
	rc = claw_db_stmt(db,
			  "SELECT seq, data FROM trace WHERE seq IN (SELECT MAX(seq) FROM trace"
			  " WHERE run_id = ?1 AND type = 'artifact'"
			  " GROUP BY json_extract(data, '$.n'))"
			  " ORDER BY json_extract(data, '$.n'), seq",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 8;
			*out = claw_xrealloc(*out, alloc * sizeof **out);
		}
		struct json_object *d = jparse(sqlite3_column_text(st, 1));
		read_artifact(sqlite3_column_int64(st, 0), d, false, &(*out)[(*n)++]);
		json_object_put(d);
	}
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "list the run's artifacts", err);
out:
	claw_db_finish(st);
	if (rc != CLAW_OK) {
		claw_trace_artifact_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

enum claw_err
claw_reader_artifact(struct claw_db *db, int64_t run_id, int64_t n, struct claw_trace_artifact *out,
		     struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(db,
			  "SELECT seq, data FROM trace WHERE run_id = ? AND type = 'artifact'"
			  " AND json_extract(data, '$.n') = ? ORDER BY seq DESC LIMIT 1",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, n);
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "run #%lld has no artifact %lld",
				    (long long)run_id, (long long)n);
		goto out;
	}
	if (s != SQLITE_ROW) {
		rc = claw_db_fail(db, "read an artifact", err);
		goto out;
	}
	struct json_object *d = jparse(sqlite3_column_text(st, 1));
	read_artifact(sqlite3_column_int64(st, 0), d, true, out);
	json_object_put(d);
out:
	claw_db_finish(st);
	return rc;
}

/* ----------------------------------------------------------------- gates */

void
claw_trace_gate_free(struct claw_trace_gate *g)
{
	if (g == NULL)
		return;
	free(g->kind);
	free(g->prompt);
	free(g->payload);
	memset(g, 0, sizeof *g);
}

enum claw_err
claw_reader_open_gate(struct claw_db *db, int64_t run_id, struct claw_trace_gate *out,
		      struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(
		db,
		"SELECT q.seq, q.span_id, q.ts_ms, q.data, q.parent_id, q.depth FROM trace q"
		" WHERE q.run_id = ?1 AND q.type = 'question' AND NOT EXISTS ("
		"  SELECT 1 FROM trace a WHERE a.run_id = ?1 AND a.type = 'answer'"
		"  AND CAST(json_extract(a.data, '$.ref') AS INTEGER) = q.span_id)"
		" ORDER BY q.seq DESC LIMIT 1",
		&st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "run #%lld has no open gate",
				    (long long)run_id);
		goto out;
	}
	if (s != SQLITE_ROW) {
		rc = claw_db_fail(db, "find the open gate", err);
		goto out;
	}
	struct json_object *d = jparse(sqlite3_column_text(st, 3));
	out->seq = sqlite3_column_int64(st, 0);
	out->id = sqlite3_column_int64(st, 1);
	out->ts_ms = sqlite3_column_int64(st, 2);
	out->parent_id = sqlite3_column_int64(st, 4);
	out->depth = sqlite3_column_int64(st, 5);
	out->kind = claw_xstrdup(jstr(d, "kind")[0] != '\0' ? jstr(d, "kind") : "question");
	out->prompt = claw_xstrdup(jstr(d, "prompt"));
	out->payload = jtext(d, "payload");
	json_object_put(d);
out:
	claw_db_finish(st);
	return rc;
}

/* --------------------------------------------------------------- history */

/* What the walks remember of one span. */
struct span_info {
	int64_t parent;
	enum claw_record_type type;
	char *name;   /* workflow/step name, "" otherwise */
	size_t index; /* into the step list, for step spans */
};

/* span id → span_info, open addressing; ids are > 0, 0 marks a free slot. */
struct span_map {
	int64_t *keys;
	struct span_info *vals;
	size_t cap, n;
};

static size_t
slot_of(const struct span_map *m, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 11400714819323198485ULL) & (m->cap - 1);
	while (m->keys[i] != 0 && m->keys[i] != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static struct span_info *
map_get(const struct span_map *m, int64_t id)
{
	if (m->cap == 0 || id <= 0)
		return NULL;
	size_t i = slot_of(m, id);
	return m->keys[i] == id ? &m->vals[i] : NULL;
}

static void map_put(struct span_map *m, int64_t id, const struct span_info *v);

static void
map_grow(struct span_map *m)
{
	struct span_map old = *m;
	m->cap = old.cap != 0 ? old.cap * 2 : 64;
	m->n = 0;
	m->keys = claw_xcalloc(m->cap, sizeof *m->keys);
	m->vals = claw_xcalloc(m->cap, sizeof *m->vals);
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i] != 0)
			map_put(m, old.keys[i], &old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* Inserts or replaces (a span re-entered after a resume keeps its newest);
 * the map takes v->name. */
static void
map_put(struct span_map *m, int64_t id, const struct span_info *v)
{
	if (id <= 0)
		return;
	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	size_t i = slot_of(m, id);
	if (m->keys[i] == id) {
		free(m->vals[i].name);
	} else {
		m->keys[i] = id;
		m->n++;
	}
	m->vals[i] = *v;
}

static void
map_free(struct span_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] != 0)
			free(m->vals[i].name);
	free(m->keys);
	free(m->vals);
}

/* The nearest ancestor of type type, starting at span id (inclusive). */
static struct span_info *
ancestor(const struct span_map *m, int64_t id, enum claw_record_type type)
{
	for (int hops = 0; hops < 256; hops++) { /* a cycle would be a bug */
		struct span_info *s = map_get(m, id);
		if (s == NULL)
			return NULL;
		if (s->type == type)
			return s;
		id = s->parent;
	}
	return NULL;
}

/* Runs sql (binding run_id) over ROW_COLUMNS rows and calls fn for each. */
static enum claw_err
walk(struct claw_db *db, const char *sql, int64_t run_id,
     void (*fn)(void *ctx, const struct claw_record *rec, struct json_object *data), void *ctx,
     struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	struct claw_record rec = {0};
	enum claw_err rc;
	int s;

	rc = claw_db_stmt(db, sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_record(st, &rec, err);
		if (rc != CLAW_OK)
			goto out;
		struct json_object *d = json_tokener_parse(rec.data);
		fn(ctx, &rec, d);
		json_object_put(d);
		free((char *)rec.data);
		rec.data = NULL;
	}
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the run's history", err);
out:
	claw_db_finish(st);
	return rc;
}

struct steps_walk {
	struct span_map spans;
	struct claw_trace_step *v;
	size_t n, alloc;
};

static void
steps_row(void *ctx, const struct claw_record *rec, struct json_object *d)
{
	struct steps_walk *w = ctx;
	struct span_info info = {.parent = rec->parent_id, .type = rec->type};

	if (rec->phase == CLAW_RECORD_ENTER) {
		info.name = claw_xstrdup(jstr(d, "name"));
		if (rec->type == CLAW_RECORD_STEP) {
			if (w->n == w->alloc) {
				w->alloc = w->alloc != 0 ? w->alloc * 2 : 16;
				w->v = claw_xrealloc(w->v, w->alloc * sizeof *w->v);
			}
			struct claw_trace_step *s = &w->v[w->n];
			struct span_info *wf =
				ancestor(&w->spans, rec->parent_id, CLAW_RECORD_WORKFLOW);
			memset(s, 0, sizeof *s);
			s->workflow = claw_xstrdup(wf != NULL ? wf->name : "");
			s->name = claw_xstrdup(info.name);
			s->span_id = rec->span_id;
			s->seq = rec->seq;
			s->ts_ms = rec->ts_ms;
			s->handoff = claw_xstrdup("");
			info.index = w->n++;
		}
		map_put(&w->spans, rec->span_id, &info);
		return;
	}
	if (rec->type == CLAW_RECORD_END) {
		struct span_info *s = map_get(&w->spans, rec->span_id);
		if (s != NULL && s->type == CLAW_RECORD_STEP) {
			w->v[s->index].ended = true;
			w->v[s->index].ms = jint(d, "ms");
		}
		return;
	}
	if (rec->type == CLAW_RECORD_HANDOFF) {
		struct span_info *s = ancestor(&w->spans, rec->parent_id, CLAW_RECORD_STEP);
		if (s != NULL) {
			free(w->v[s->index].handoff);
			w->v[s->index].handoff = claw_xstrdup(jstr(d, "text"));
		}
	}
}

void
claw_trace_step_list_free(struct claw_trace_step *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].workflow);
		free(list[i].name);
		free(list[i].handoff);
	}
	free(list);
}

enum claw_err
claw_reader_steps(struct claw_db *db, int64_t run_id, struct claw_trace_step **out, size_t *n,
		  struct claw_error *err)
{
	struct steps_walk w = {0};
	enum claw_err rc;

	rc = walk(db,
		  "SELECT " ROW_COLUMNS " FROM trace WHERE run_id = ?"
		  " AND type IN ('workflow', 'step', 'ai', 'turn', 'end', 'handoff') ORDER BY seq",
		  run_id, steps_row, &w, err);
	map_free(&w.spans);
	if (rc != CLAW_OK) {
		claw_trace_step_list_free(w.v, w.n);
		w.v = NULL;
		w.n = 0;
	}
	*out = w.v;
	*n = w.n;
	return rc;
}

struct tools_walk {
	struct span_map spans;
	const char *step; /* filter, or NULL */
	struct claw_trace_tool_call *v;
	int64_t *parent; /* parent span of each call, for pairing results */
	size_t n, alloc;
	size_t first_open; /* calls before this one all have results */
};

static void
tools_row(void *ctx, const struct claw_record *rec, struct json_object *d)
{
	struct tools_walk *w = ctx;

	if (rec->phase == CLAW_RECORD_ENTER) {
		struct span_info info = {.parent = rec->parent_id, .type = rec->type};
		info.name = claw_xstrdup(jstr(d, "name"));
		map_put(&w->spans, rec->span_id, &info);
		return;
	}
	if (rec->type == CLAW_RECORD_TOOL) {
		struct span_info *s = ancestor(&w->spans, rec->parent_id, CLAW_RECORD_STEP);
		const char *step = s != NULL ? s->name : "";
		if (w->step != NULL && strcmp(step, w->step) != 0)
			return;
		if (w->n == w->alloc) {
			w->alloc = w->alloc != 0 ? w->alloc * 2 : 16;
			w->v = claw_xrealloc(w->v, w->alloc * sizeof *w->v);
			w->parent = claw_xrealloc(w->parent, w->alloc * sizeof *w->parent);
		}
		struct claw_trace_tool_call *c = &w->v[w->n];
		memset(c, 0, sizeof *c);
		c->step = claw_xstrdup(step);
		c->name = claw_xstrdup(jstr(d, "name"));
		c->input = jtext(d, "input");
		c->span_id = rec->span_id;
		c->seq = rec->seq;
		c->result = claw_xstrdup("");
		w->parent[w->n] = rec->parent_id;
		w->n++;
		return;
	}
	if (rec->type == CLAW_RECORD_TOOL_RESULT) {
		const char *name = jstr(d, "name");
		for (size_t i = w->first_open; i < w->n; i++) {
			struct claw_trace_tool_call *c = &w->v[i];
			if (c->has_result || w->parent[i] != rec->parent_id ||
			    strcmp(c->name, name) != 0)
				continue;
			c->has_result = true;
			struct json_object *v;
			c->is_error = d != NULL && json_object_object_get_ex(d, "is_error", &v) &&
				      json_object_get_boolean(v);
			free(c->result);
			c->result = claw_xstrdup(jstr(d, "text"));
			break;
		}
		while (w->first_open < w->n && w->v[w->first_open].has_result)
			w->first_open++;
	}
}

void
claw_trace_tool_call_list_free(struct claw_trace_tool_call *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].step);
		free(list[i].name);
		free(list[i].input);
		free(list[i].result);
	}
	free(list);
}

enum claw_err
claw_reader_tools(struct claw_db *db, int64_t run_id, const char *step, size_t limit,
		  struct claw_trace_tool_call **out, size_t *n, struct claw_error *err)
{
	struct tools_walk w = {.step = step};
	enum claw_err rc;

	rc = walk(db,
		  "SELECT " ROW_COLUMNS " FROM trace WHERE run_id = ?"
		  " AND type IN ('workflow', 'step', 'ai', 'turn', 'tool', 'tool-result')"
		  " ORDER BY seq",
		  run_id, tools_row, &w, err);
	map_free(&w.spans);
	free(w.parent);
	if (rc != CLAW_OK) {
		claw_trace_tool_call_list_free(w.v, w.n);
		w.v = NULL;
		w.n = 0;
	}
	if (limit > 0 && w.n > limit) {
		size_t drop = w.n - limit;
		for (size_t i = 0; i < drop; i++) {
			free(w.v[i].step);
			free(w.v[i].name);
			free(w.v[i].input);
			free(w.v[i].result);
		}
		memmove(w.v, w.v + drop, limit * sizeof *w.v);
		w.n = limit;
	}
	*out = w.v;
	*n = w.n;
	return rc;
}
