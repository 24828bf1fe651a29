/*
 * mcp/rpc — JSON-RPC 2.0 messages as MCP speaks them.  See rpc.h.
 */
#include "mcp/rpc.h"

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"

enum claw_err
claw_mcp_rpc_write(struct claw_buf *out, bool notify, int64_t id, const char *method,
		   const char *params_json)
{
	(void)claw_buf_puts(out, "{\"jsonrpc\":\"2.0\"");
	if (!notify)
		(void)claw_buf_printf(out, ",\"id\":%lld", (long long)id);
	(void)claw_buf_puts(out, ",\"method\":");
	(void)claw_json_buf_append_string(out, method, strlen(method));
	if (params_json != NULL) {
		(void)claw_buf_puts(out, ",\"params\":");
		(void)claw_buf_puts(out, params_json);
	}
	return claw_buf_puts(out, "}");
}

enum claw_err
claw_mcp_rpc_answer(struct claw_buf *out, const struct claw_mcp_rpc_msg *req,
		    const char *result_json, int64_t code, const char *message)
{
	(void)claw_buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
	if (req->id_str != NULL)
		(void)claw_json_buf_append_string(out, req->id_str, strlen(req->id_str));
	else
		(void)claw_buf_printf(out, "%lld", (long long)req->id);
	if (result_json != NULL) {
		(void)claw_buf_puts(out, ",\"result\":");
		(void)claw_buf_puts(out, result_json);
	} else {
		(void)claw_buf_printf(out,
				      ",\"error\":{\"code\":%lld,\"message\":", (long long)code);
		(void)claw_json_buf_append_string(out, message, strlen(message));
		(void)claw_buf_puts(out, "}");
	}
	return claw_buf_puts(out, "}");
}

void
claw_mcp_rpc_msg_free(struct claw_mcp_rpc_msg *m)
{
	if (m == NULL)
		return;
	json_object_put(m->root);
	memset(m, 0, sizeof *m);
}

/* m->id or m->id_str from the "id" member v (strings only for requests). */
static enum claw_err
read_id(struct json_object *v, bool string_ok, struct claw_mcp_rpc_msg *m, struct claw_error *err)
{
	if (json_object_is_type(v, json_type_int)) {
		m->id = json_object_get_int64(v);
		return CLAW_OK;
	}
	if (string_ok && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) <= CLAW_MCP_RPC_ID_STR_MAX) {
		m->id_str = json_object_get_string(v);
		return CLAW_OK;
	}
	return claw_error_set(err, CLAW_EINVAL, "id must be %s",
			      string_ok ? "an integer or a short string" : "an integer");
}

/* A response's "error": {code, message, data?}. */
static enum claw_err
read_error(struct json_object *e, struct claw_mcp_rpc_msg *m, struct claw_error *err)
{
	struct json_object *code = NULL, *msg = NULL;
	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_is_type(code, json_type_int))
		return claw_error_set(err, CLAW_EINVAL, "an error without an integer code");
	if (!json_object_object_get_ex(e, "message", &msg) ||
	    !json_object_is_type(msg, json_type_string))
		return claw_error_set(err, CLAW_EINVAL, "an error without a message");
	m->is_error = true;
	m->error_code = json_object_get_int64(code);
	m->error_message = json_object_get_string(msg);
	return CLAW_OK;
}

/* A method name: non-empty, within its cap. */
static enum claw_err
read_method(struct json_object *v, struct claw_mcp_rpc_msg *m, struct claw_error *err)
{
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
	    json_object_get_string_len(v) > CLAW_MCP_METHOD_MAX)
		return claw_error_set(err, CLAW_EINVAL, "method must be a name of 1 to %d bytes",
				      CLAW_MCP_METHOD_MAX);
	m->method = json_object_get_string(v);
	return CLAW_OK;
}

enum claw_err
claw_mcp_rpc_read(const char *text, size_t len, struct claw_mcp_rpc_msg *out,
		  struct claw_error *err)
{
	struct json_object *root = NULL, *v = NULL, *id = NULL, *method = NULL;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	if (len > CLAW_MCP_LINE_MAX)
		return claw_error_set(err, CLAW_ETOOBIG, "a message over %u bytes",
				      CLAW_MCP_LINE_MAX);
	rc = claw_json_parse(text, len, &root, err);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "not JSON");
		return rc;
	}
	if (json_object_is_type(root, json_type_array)) {
		rc = claw_error_set(err, CLAW_EINVAL, "a batch (MCP has none)");
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINVAL, "not a JSON-RPC message (an object)");
		goto out;
	}
	if (!json_object_object_get_ex(root, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0) {
		rc = claw_error_set(err, CLAW_EINVAL, "jsonrpc must be \"2.0\"");
		goto out;
	}
	bool has_id = json_object_object_get_ex(root, "id", &id) && id != NULL;
	bool has_method = json_object_object_get_ex(root, "method", &method);
	if (has_method) {
		out->kind = has_id ? CLAW_MCP_REQUEST : CLAW_MCP_NOTIFICATION;
		rc = read_method(method, out, err);
		if (rc == CLAW_OK && has_id)
			rc = read_id(id, true, out, err);
		v = NULL;
		if (rc == CLAW_OK && json_object_object_get_ex(root, "params", &v) && v != NULL &&
		    !json_object_is_type(v, json_type_object))
			rc = claw_error_set(err, CLAW_EINVAL, "params must be an object");
		out->params = v;
		goto out;
	}
	out->kind = CLAW_MCP_RESPONSE;
	if (!has_id) {
		rc = claw_error_set(err, CLAW_EINVAL, "neither a method nor an id");
		goto out;
	}
	rc = read_id(id, false, out, err);
	bool has_result = json_object_object_get_ex(root, "result", &v);
	out->result = v;
	struct json_object *e = NULL;
	bool has_error = json_object_object_get_ex(root, "error", &e);
	if (rc == CLAW_OK && has_result == has_error)
		rc = claw_error_set(err, CLAW_EINVAL,
				    "a response needs a result or an error, not %s",
				    has_result ? "both" : "neither");
	if (rc == CLAW_OK && has_error)
		rc = read_error(e, out, err);
out:
	if (rc != CLAW_OK) {
		json_object_put(root);
		memset(out, 0, sizeof *out);
	} else {
		out->root = root;
	}
	return rc;
}

void
claw_mcp_lines_init(struct claw_mcp_lines *l)
{
	claw_buf_init(&l->part, CLAW_MCP_LINE_MAX);
	l->over = false;
}

void
claw_mcp_lines_free(struct claw_mcp_lines *l)
{
	claw_buf_free(&l->part);
}

/* Calls line() for text[0..n) without its '\r' end, unless empty. */
static bool
emit(const char *text, size_t n, bool (*line)(void *, const char *, size_t), void *ctx)
{
	if (n > 0 && text[n - 1] == '\r')
		n--;
	return n == 0 || line(ctx, text, n);
}

enum claw_err
claw_mcp_lines_feed(struct claw_mcp_lines *l, const char *data, size_t n,
		    bool (*line)(void *ctx, const char *text, size_t len), void *ctx, size_t *used,
		    struct claw_error *err)
{
	const char *p = data, *end = data + n;
	bool go = true;

	while (!l->over && go && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			if (claw_buf_append(&l->part, p, (size_t)(end - p)) != CLAW_OK)
				l->over = true;
			p = end;
			break;
		}
		if (claw_buf_len(&l->part) > 0) {
			if (claw_buf_append(&l->part, p, (size_t)(nl - p)) != CLAW_OK) {
				l->over = true;
				break;
			}
			go = emit(claw_buf_str(&l->part), claw_buf_len(&l->part), line, ctx);
			claw_buf_reset(&l->part);
		} else if ((size_t)(nl - p) > CLAW_MCP_LINE_MAX) {
			l->over = true;
			break;
		} else {
			go = emit(p, (size_t)(nl - p), line, ctx);
		}
		p = nl + 1;
	}
	if (used != NULL)
		*used = (size_t)(p - data);
	if (l->over)
		return claw_error_set(err, CLAW_ETOOBIG,
				      "a message from the server is over %u bytes",
				      CLAW_MCP_LINE_MAX);
	return CLAW_OK;
}

/* ----------------------------------------------------------------- SSE */

void
claw_mcp_sse_init(struct claw_mcp_sse *e)
{
	claw_buf_init(&e->line, CLAW_MCP_LINE_MAX);
	claw_buf_init(&e->data, CLAW_MCP_LINE_MAX);
	e->other = e->has_data = e->after_cr = e->over = false;
}

void
claw_mcp_sse_free(struct claw_mcp_sse *e)
{
	claw_buf_free(&e->line);
	claw_buf_free(&e->data);
}

/* One whole line of the stream (without its end).  False when event()
 * said stop. */
static bool
sse_line(struct claw_mcp_sse *e, const char *p, size_t n,
	 bool (*event)(void *, const char *, size_t), void *ctx)
{
	if (n == 0) { /* the end of an event */
		bool go = true;
		/* An empty one (MCP servers send one to prime a reconnect)
		 * is not an event, as in the SSE standard. */
		if (e->has_data && !e->other && claw_buf_len(&e->data) > 0)
			go = event(ctx, claw_buf_str(&e->data), claw_buf_len(&e->data));
		claw_buf_reset(&e->data);
		e->has_data = e->other = false;
		return go;
	}
	if (p[0] == ':')
		return true; /* a comment */
	const char *colon = memchr(p, ':', n);
	size_t name = colon != NULL ? (size_t)(colon - p) : n;
	const char *v = colon != NULL ? colon + 1 : p + n;
	if (v < p + n && *v == ' ')
		v++;
	size_t vn = (size_t)(p + n - v);
	if (name == 4 && memcmp(p, "data", 4) == 0) {
		if (e->has_data && claw_buf_putc(&e->data, '\n') != CLAW_OK)
			e->over = true;
		if (claw_buf_append(&e->data, v, vn) != CLAW_OK)
			e->over = true;
		e->has_data = true;
	} else if (name == 5 && memcmp(p, "event", 5) == 0) {
		/* MCP's messages are "message" events (or unnamed). */
		e->other = !(vn == 7 && memcmp(v, "message", 7) == 0);
	}
	return true; /* id, retry and unknown fields: nothing claw needs */
}

enum claw_err
claw_mcp_sse_feed(struct claw_mcp_sse *e, const char *data, size_t n,
		  bool (*event)(void *ctx, const char *text, size_t len), void *ctx,
		  struct claw_error *err)
{
	const char *p = data, *end = data + n;
	bool go = true;

	while (!e->over && go && p < end) {
		if (e->after_cr) { /* a CR ended the last line: a LF right after is its */
			e->after_cr = false;
			if (*p == '\n') {
				p++;
				continue;
			}
		}
		const char *q = p;
		while (q < end && *q != '\n' && *q != '\r')
			q++;
		if (claw_buf_append(&e->line, p, (size_t)(q - p)) != CLAW_OK) {
			e->over = true;
			break;
		}
		if (q == end)
			break;
		e->after_cr = *q == '\r';
		go = sse_line(e, claw_buf_str(&e->line), claw_buf_len(&e->line), event, ctx);
		claw_buf_reset(&e->line);
		p = q + 1;
	}
	if (e->over)
		return claw_error_set(err, CLAW_ETOOBIG,
				      "an event from the server is over %u bytes",
				      CLAW_MCP_LINE_MAX);
	return CLAW_OK;
}

/* --------------------------------------------------------------- queue */

void
claw_mcp_queue_init(struct claw_mcp_queue *q, const char *what)
{
	memset(q, 0, sizeof *q);
	q->what = what;
}

void
claw_mcp_queue_free(struct claw_mcp_queue *q)
{
	for (size_t i = q->head; i < q->n; i++) {
		claw_mcp_rpc_msg_free(&q->v[i].msg);
		free(q->v[i].bad);
	}
	free(q->v);
	memset(q, 0, sizeof *q);
}

bool
claw_mcp_queue_push(struct claw_mcp_queue *q, const char *text, size_t len)
{
	struct claw_mcp_queued it = {0};
	struct claw_error err = {0};

	if (q->n - q->head >= CLAW_MCP_QUEUE_MAX)
		return false;
	if (q->head > 0 && q->n == q->cap) { /* reuse the room of those handed over */
		memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof *q->v);
		q->n -= q->head;
		q->head = 0;
	}
	if (q->n == q->cap) {
		q->cap = q->cap != 0 ? q->cap * 2 : 8;
		q->v = claw_xrealloc(q->v, q->cap * sizeof *q->v);
	}
	if (claw_mcp_rpc_read(text, len, &it.msg, &err) != CLAW_OK) {
		claw_error_prefix(&err, "the server sent a %s that is not JSON-RPC", q->what);
		it.bad = claw_xstrdup(claw_error_text(&err));
	}
	q->v[q->n++] = it;
	return true;
}

enum claw_err
claw_mcp_queue_pop(struct claw_mcp_queue *q, struct claw_mcp_rpc_msg *out, struct claw_error *err)
{
	memset(out, 0, sizeof *out);
	if (q->head == q->n)
		return CLAW_ENOTFOUND;
	struct claw_mcp_queued *it = &q->v[q->head++];
	if (q->head == q->n)
		q->head = q->n = 0;
	if (it->bad != NULL) {
		claw_error_set(err, CLAW_EINVAL, "%s", it->bad);
		free(it->bad);
		return CLAW_EINVAL;
	}
	*out = it->msg;
	return CLAW_OK;
}
