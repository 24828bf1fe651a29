/*
 * api_runs — what a run left: its trace (the poll fallback of the run
 * stream, one span's events, a search), its span outline, its artifacts,
 * and the run stream itself.
 *
 * Trace rows are the wire rows of src/trace/record.h, the same bytes the
 * stream sends.  A poll returns at most `limit` rows and never more than
 * CLAW_REQ_RESPONSE_MAX bytes: a client keeps asking with since = the last
 * seq it got until it gets an empty array.  Answers over a kilobyte go
 * gzip-compressed to clients that accept it.
 */
#include "server/api.h"

#include <string.h>

#include "base/gzip.h"
#include "base/json.h"
#include "server/request.h"
#include "server/server.h"
#include "server/sse.h"
#include "store/runs.h"
#include "trace/outline.h"
#include "trace/reader.h"
#include "trace/record.h"
#include "trace/sink_store.h"

#define API_TRACE_LIMIT_DEFAULT 1000

/* Project db and run id from the captures, checking the run exists. */
static struct claw_db *
run_of(struct claw_req *req, char key[CLAW_PROJECT_KEY_SIZE], int64_t *run_id)
{
	struct claw_error err = {0};
	struct claw_run run = {0};
	struct claw_db *db = claw_api_project_db(req, key);

	if (db == NULL || !claw_api_id(req, 1, "run", run_id))
		return NULL;
	if (claw_run_get(db, *run_id, &run, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		return NULL;
	}
	claw_run_free(&run);
	return db;
}

/* Answers out as JSON, gzip-compressed when the client takes it and it is
 * worth it. */
static void
answer(struct claw_req *req, struct claw_buf *out)
{
	struct claw_buf gz = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	struct claw_error err = {0};
	if (claw_buf_len(out) > 1024 && claw_req_accepts_gzip(req) &&
	    claw_gzip(&gz, claw_buf_str(out), claw_buf_len(out), &err) == CLAW_OK)
		claw_req_json_coded(req, 200, &gz, true);
	else
		claw_req_json_coded(req, 200, out, false);
	claw_buf_free(&gz);
}

/* The rows a trace request asks for: ?span=ID (that span's events), ?q=TEXT
 * (a search), else the tail; since, upto and limit page them. */
static enum claw_err
trace_rows(struct claw_req *req, struct claw_db *db, int64_t run_id, struct claw_record_list *rows,
	   struct claw_error *err)
{
	int64_t since = 0, upto = 0, limit = API_TRACE_LIMIT_DEFAULT, span = -1;
	char q[CLAW_READER_SEARCH_MAX + 1];
	bool searching = false;
	enum claw_err rc = claw_req_query_i64(req, "since", 0, INT64_MAX, &since, err);

	if (rc == CLAW_OK)
		rc = claw_req_query_i64(req, "upto", 0, INT64_MAX, &upto, err);
	if (rc == CLAW_OK)
		rc = claw_req_query_i64(req, "limit", 1, CLAW_READER_TAIL_MAX, &limit, err);
	if (rc == CLAW_OK)
		rc = claw_req_query_i64(req, "span", 0, INT64_MAX, &span, err);
	if (rc == CLAW_OK && claw_req_query(req, "q", q, sizeof q, &searching) != CLAW_OK)
		rc = claw_error_set(err, CLAW_EINVAL, "query parameter q must be 1 to %d bytes",
				    CLAW_READER_SEARCH_MAX);
	if (rc != CLAW_OK)
		return rc;
	if (searching && span >= 0)
		return claw_error_set(err, CLAW_EINVAL, "ask for span or q, not both");
	if (searching)
		return claw_reader_search(db, run_id, q, since, (size_t)limit, rows, err);
	if (span >= 0)
		return claw_reader_events(db, run_id, span, since, upto, (size_t)limit, rows, err);
	return claw_reader_tail(db, run_id, since, (size_t)limit, rows, err);
}

void
claw_api_run_trace(void *ctx, struct claw_req *req)
{
	struct claw_record_list rows = {0};
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	struct claw_buf row = CLAW_BUF_INIT(CLAW_TRACE_ROW_MAX);
	char key[CLAW_PROJECT_KEY_SIZE];
	int64_t run_id;
	struct claw_db *db;

	(void)ctx;
	db = run_of(req, key, &run_id);
	if (db == NULL)
		goto out;
	if (trace_rows(req, db, run_id, &rows, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_putc(&out, '[');
	for (size_t i = 0; i < rows.n; i++) {
		claw_buf_reset(&row);
		if (claw_record_wire_row(&row, &rows.v[i]) != CLAW_OK)
			break;
		if (claw_buf_len(&out) + claw_buf_len(&row) + 2 > CLAW_REQ_RESPONSE_MAX)
			break; /* the rest on the next poll */
		if (i > 0)
			(void)claw_buf_putc(&out, ',');
		(void)claw_buf_append(&out, claw_buf_str(&row), claw_buf_len(&row));
	}
	(void)claw_buf_putc(&out, ']');
	answer(req, &out);
out:
	claw_record_list_free(&rows);
	claw_buf_free(&row);
	claw_buf_free(&out);
}

/* One span of the outline as JSON (its data embedded: the enter row's). */
static void
put_span(struct claw_buf *out, const struct claw_outline_span *s)
{
	(void)claw_buf_printf(out,
			      "{\"seq\":%lld,\"spanId\":%lld,\"parentId\":%lld,\"depth\":%d,"
			      "\"type\":\"%s\",\"tsMs\":%lld,\"endMs\":%lld,\"ms\":%lld,"
			      "\"interrupted\":%s,\"spans\":%lld,\"events\":%lld,",
			      (long long)s->seq, (long long)s->span_id, (long long)s->parent_id,
			      s->depth, claw_record_type_name(s->type), (long long)s->start_ms,
			      (long long)s->end_ms, (long long)s->ms,
			      s->interrupted ? "true" : "false", (long long)s->spans,
			      (long long)s->events);
	(void)claw_buf_printf(out,
			      "\"usage\":{\"in\":%lld,\"out\":%lld,\"cached\":%lld,"
			      "\"cache_write\":%lld,\"cost_micros\":%lld},\"errors\":%lld,"
			      "\"rejects\":%lld,\"questions\":%lld,\"data\":%s}",
			      (long long)s->in, (long long)s->out, (long long)s->cached,
			      (long long)s->cache_write, (long long)s->cost_micros,
			      (long long)s->errors, (long long)s->rejects, (long long)s->questions,
			      s->data != NULL && s->data[0] != '\0' ? s->data : "{}");
}

void
claw_api_run_spans(void *ctx, struct claw_req *req)
{
	struct claw_outline o = {0};
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	struct claw_buf one = CLAW_BUF_INIT(CLAW_TRACE_ROW_MAX);
	char key[CLAW_PROJECT_KEY_SIZE];
	int64_t run_id, after = 0, upto = 0, limit = API_TRACE_LIMIT_DEFAULT;
	struct claw_db *db;

	(void)ctx;
	db = run_of(req, key, &run_id);
	if (db == NULL)
		goto out;
	if (claw_req_query_i64(req, "after", 0, INT64_MAX, &after, &err) != CLAW_OK ||
	    claw_req_query_i64(req, "upto", 0, INT64_MAX, &upto, &err) != CLAW_OK ||
	    claw_req_query_i64(req, "limit", 1, CLAW_OUTLINE_PAGE_MAX, &limit, &err) != CLAW_OK ||
	    claw_outline_spans(db, run_id, after, upto, (size_t)limit, &o, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_printf(&out, "{\"upto\":%lld,\"spans\":[", (long long)o.upto);
	/* room kept for the tail: next and the waits (< 64 bytes each) */
	size_t tail = 64 + 64 * o.n_waits, i = 0;
	for (; i < o.n; i++) {
		claw_buf_reset(&one);
		put_span(&one, &o.v[i]);
		if (claw_buf_error(&one) != CLAW_OK ||
		    claw_buf_len(&out) + claw_buf_len(&one) + tail > CLAW_REQ_RESPONSE_MAX)
			break; /* the rest on the next page */
		if (i > 0)
			(void)claw_buf_putc(&out, ',');
		(void)claw_buf_append(&out, claw_buf_str(&one), claw_buf_len(&one));
	}
	/* next: where the next page starts, null when this one ends the run
	 * (a span too big to send alone is passed over, never asked forever). */
	int64_t next = i < o.n ? o.v[i > 0 ? i - 1 : 0].seq : o.next;
	if (next > 0)
		(void)claw_buf_printf(&out, "],\"next\":%lld", (long long)next);
	else
		(void)claw_buf_puts(&out, "],\"next\":null");
	if (after == 0) { /* [gate, from, to|null] each: a few dozen bytes */
		(void)claw_buf_puts(&out, ",\"waits\":[");
		for (size_t w = 0; w < o.n_waits; w++) {
			const struct claw_outline_wait *x = &o.waits[w];
			(void)claw_buf_printf(&out, "%s[%lld,%lld,", w > 0 ? "," : "",
					      (long long)x->gate, (long long)x->from_ms);
			if (x->to_ms > 0)
				(void)claw_buf_printf(&out, "%lld]", (long long)x->to_ms);
			else
				(void)claw_buf_puts(&out, "null]");
		}
		(void)claw_buf_putc(&out, ']');
	}
	(void)claw_buf_putc(&out, '}');
	answer(req, &out);
out:
	claw_outline_free(&o);
	claw_buf_free(&one);
	claw_buf_free(&out);
}

static void
put_str(struct claw_buf *out, const char *key, const char *value)
{
	(void)claw_buf_printf(out, ",\"%s\":", key);
	(void)claw_json_buf_append_string(out, value, strlen(value));
}

/* The metadata fields of an artifact (without the closing brace). */
static void
put_artifact(struct claw_buf *out, const struct claw_trace_artifact *a)
{
	(void)claw_buf_printf(out, "{\"n\":%lld", (long long)a->n);
	put_str(out, "label", a->label);
	put_str(out, "kind", a->kind);
	put_str(out, "step", a->step);
	put_str(out, "source", a->source);
	put_str(out, "note", a->note);
	put_str(out, "mime", a->mime);
	(void)claw_buf_printf(out, ",\"size\":%lld,\"seq\":%lld", (long long)a->size,
			      (long long)a->seq);
}

void
claw_api_run_artifacts(void *ctx, struct claw_req *req)
{
	struct claw_trace_artifact *list = NULL;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t run_id;
	size_t n = 0;

	(void)ctx;
	db = run_of(req, key, &run_id);
	if (db == NULL)
		goto out;
	if (claw_reader_artifacts(db, run_id, &list, &n, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_putc(&out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			(void)claw_buf_putc(&out, ',');
		put_artifact(&out, &list[i]);
		(void)claw_buf_putc(&out, '}');
	}
	(void)claw_buf_putc(&out, ']');
	claw_req_json(req, 200, &out);
out:
	claw_trace_artifact_list_free(list, n);
	claw_buf_free(&out);
}

void
claw_api_run_artifact(void *ctx, struct claw_req *req)
{
	struct claw_trace_artifact a = {0};
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	char key[CLAW_PROJECT_KEY_SIZE], text[32];
	struct claw_db *db;
	int64_t run_id, n;

	(void)ctx;
	db = run_of(req, key, &run_id);
	if (db == NULL)
		goto out;
	if (!claw_req_capture(req, 2, text, sizeof text) ||
	    claw_str_to_i64(claw_str_from(text), 0, INT64_MAX, &n) != CLAW_OK || text[0] == '+') {
		claw_req_failf(req, CLAW_ENOTFOUND, "artifact not found");
		goto out;
	}
	if (claw_reader_artifact(db, run_id, n, &a, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	put_artifact(&out, &a);
	(void)claw_buf_puts(&out, ",\"body\":");
	(void)claw_json_buf_append_string(&out, a.body != NULL ? a.body : "",
					  a.body != NULL ? strlen(a.body) : 0);
	(void)claw_buf_putc(&out, '}');
	claw_req_json(req, 200, &out);
out:
	claw_trace_artifact_free(&a);
	claw_buf_free(&out);
}

void
claw_api_run_stream(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_error err = {0};
	char key[CLAW_PROJECT_KEY_SIZE];
	int64_t run_id, since;
	int fd, reqid;

	if (run_of(req, key, &run_id) == NULL || !claw_api_stream_since(req, &since))
		return;
	if (claw_req_sse_begin(req, &err) != CLAW_OK ||
	    claw_req_detach(req, &fd, &reqid, &err) != CLAW_OK)
		return; /* the client went away; finishing closes the connection */
	claw_hub_add_run(claw_server_hub(srv), fd, reqid, key, run_id, since < 0 ? 0 : since);
}
