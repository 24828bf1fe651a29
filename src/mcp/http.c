/*
 * mcp/http — the streamable HTTP transport: each message claw sends is a
 * POST to the server's URL, answered with one JSON message, an event
 * stream of messages (the answer last), or 202 for a notification.  See
 * transport.h.
 *
 * A POST runs to its end inside send (libcurl through llm/http), and what
 * it brought is queued for recv, read and checked by mcp/rpc; so a request
 * of the server's that arrives in the stream is answered after that
 * stream ends.  The session id the server gives (Mcp-Session-Id) and the
 * protocol revision agreed on go with every later POST; a 404 on a session
 * means the server ended it, and the transport counts as gone.
 */
#include "mcp/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "llm/http.h"

#define CONNECT_MS 10000 /* a connect's own cap, inside the deadline */
#define END_MS 2000      /* the DELETE that ends a session */
#define DIAG_MAX 512     /* bytes of an HTTP error's body kept */
#define FIXED_HEADERS 3  /* Accept, Mcp-Session-Id, MCP-Protocol-Version */
#define PROTOCOL_MAX 32

struct http_conn {
	struct claw_mcp_conn base;
	const struct claw_mcp_server *sv;
	struct claw_http *h;
	char session[CLAW_HTTP_CAPTURED_MAX];
	char protocol[PROTOCOL_MAX];
	char url[CLAW_MCP_VALUE_MAX]; /* for messages: without user:password@ */
	struct claw_mcp_queue q;
	bool flood;          /* an answer held more than CLAW_MCP_QUEUE_MAX messages */
	char diag[DIAG_MAX]; /* the body of the last HTTP error */
	bool gone;
	char ended[CLAW_ERROR_MSG_MAX];
	struct claw_mcp_sse sse; /* the stream of the POST under way */
	struct claw_error sse_err;
};

static bool
on_message(void *ctx, const char *text, size_t len)
{
	struct http_conn *t = ctx;
	if (claw_mcp_queue_push(&t->q, text, len))
		return true;
	t->flood = true;
	return false;
}

static bool
on_stream(void *ctx, const char *data, size_t n)
{
	struct http_conn *t = ctx;
	return claw_mcp_sse_feed(&t->sse, data, n, on_message, t, &t->sse_err) == CLAW_OK;
}

static void
keep_diag(struct http_conn *t, const struct claw_http_response *r)
{
	const char *b = claw_buf_str(&r->body);
	size_t n = claw_buf_len(&r->body);
	(void)snprintf(t->diag, sizeof t->diag, "%.*s", (int)(n < DIAG_MAX - 1 ? n : DIAG_MAX - 1),
		       b);
}

static enum claw_err
http_send(struct claw_mcp_conn *c, const char *json, size_t len, int64_t deadline,
	  struct claw_error *err)
{
	struct http_conn *t = (struct http_conn *)c;
	struct claw_http_header hs[CLAW_HTTP_HEADERS_MAX];
	struct claw_http_response resp;
	struct claw_http_sink sink = {.data = on_stream, .ctx = t};
	size_t nh = 0;
	int64_t left = deadline - claw_clock_mono_ms();
	enum claw_err rc;

	if (t->gone)
		return claw_error_set(err, CLAW_EIO, "%s", t->ended);
	if (left <= 0)
		return claw_error_set(err, CLAW_ETIMEOUT, "no time left to send");
	hs[nh++] = (struct claw_http_header){"Accept", "application/json, text/event-stream"};
	if (t->session[0] != '\0')
		hs[nh++] = (struct claw_http_header){"Mcp-Session-Id", t->session};
	if (t->protocol[0] != '\0')
		hs[nh++] = (struct claw_http_header){"MCP-Protocol-Version", t->protocol};
	for (size_t i = 0; i < t->sv->nheaders; i++)
		hs[nh++] =
			(struct claw_http_header){t->sv->headers[i].name, t->sv->headers[i].value};
	struct claw_http_request req = {
		.url = t->sv->url,
		.headers = hs,
		.n_headers = nh,
		.body = json,
		.body_len = len,
		.connect_timeout_ms = left < CONNECT_MS ? left : CONNECT_MS,
		.timeout_ms = left,
		.max_response = CLAW_MCP_LINE_MAX,
		.sink = &sink,
		.capture_header = "Mcp-Session-Id",
	};
	claw_http_response_init(&resp);
	claw_mcp_sse_init(&t->sse);
	claw_error_clear(&t->sse_err);
	t->flood = false;
	rc = claw_http_post(t->h, &req, &resp, err);
	if (rc == CLAW_ENET && t->flood)
		rc = claw_error_set(err, CLAW_ETOOBIG,
				    "an answer from %s held more than %d messages", t->url,
				    CLAW_MCP_QUEUE_MAX);
	else if (rc == CLAW_ENET && t->sse_err.code != CLAW_OK)
		rc = claw_error_set(err, t->sse_err.code, "%s", claw_error_text(&t->sse_err));
	if (rc == CLAW_OK && resp.status == 404 && t->session[0] != '\0') {
		t->gone = true;
		(void)snprintf(t->ended, sizeof t->ended,
			       "the server ended the session (HTTP 404)");
		rc = claw_error_set(err, CLAW_EIO, "%s", t->ended);
	} else if (rc == CLAW_OK && (resp.status < 200 || resp.status > 299)) {
		keep_diag(t, &resp); /* the client adds it to the message */
		rc = claw_error_set(err, CLAW_EIO, "HTTP %ld from %s", resp.status, t->url);
	} else if (rc == CLAW_OK) {
		if (t->session[0] == '\0' && resp.captured[0] != '\0')
			(void)snprintf(t->session, sizeof t->session, "%s", resp.captured);
		if (!resp.streamed && claw_buf_len(&resp.body) > 0)
			(void)on_message(t, claw_buf_str(&resp.body), claw_buf_len(&resp.body));
	}
	claw_mcp_sse_free(&t->sse);
	claw_http_response_free(&resp);
	return rc;
}

static enum claw_err
http_recv(struct claw_mcp_conn *c, int64_t deadline, struct claw_mcp_rpc_msg *out,
	  struct claw_error *err)
{
	struct http_conn *t = (struct http_conn *)c;
	enum claw_err rc = claw_mcp_queue_pop(&t->q, out, err);

	(void)deadline; /* what a POST brought is all there is */
	if (rc != CLAW_ENOTFOUND)
		return rc;
	if (t->gone)
		return claw_error_set(err, CLAW_EIO, "%s", t->ended);
	return claw_error_set(err, CLAW_EINVAL, "the server's answer held no response");
}

static bool
http_alive(struct claw_mcp_conn *c)
{
	return !((struct http_conn *)c)->gone;
}

static const char *
http_diagnostics(struct claw_mcp_conn *c)
{
	return ((struct http_conn *)c)->diag;
}

static void
http_agreed(struct claw_mcp_conn *c, const char *protocol)
{
	struct http_conn *t = (struct http_conn *)c;
	(void)snprintf(t->protocol, sizeof t->protocol, "%s", protocol);
}

/* Ends the session on the server (DELETE, as the transport asks of a
 * client that is done; a server that does not allow it answers 405, which
 * is fine). */
static void
end_session(struct http_conn *t)
{
	struct claw_http_header hs[2] = {{"Mcp-Session-Id", t->session},
					 {"MCP-Protocol-Version", t->protocol}};
	struct claw_http_response resp;
	struct claw_error ignored = {0};
	struct claw_http_request req = {
		.url = t->sv->url,
		.headers = hs,
		.n_headers = t->protocol[0] != '\0' ? 2 : 1,
		.body = "",
		.connect_timeout_ms = END_MS,
		.timeout_ms = END_MS,
		.method = "DELETE",
	};
	claw_http_response_init(&resp);
	(void)claw_http_post(t->h, &req, &resp, &ignored);
	claw_http_response_free(&resp);
}

static void
http_close(struct claw_mcp_conn *c)
{
	struct http_conn *t = (struct http_conn *)c;
	if (t == NULL)
		return;
	if (!t->gone && t->session[0] != '\0')
		end_session(t);
	claw_mcp_queue_free(&t->q);
	claw_http_free(t->h);
	free(t);
}

static const struct claw_mcp_conn_ops http_ops = {
	.diag_label = "its answer",
	.send = http_send,
	.recv = http_recv,
	.alive = http_alive,
	.diagnostics = http_diagnostics,
	.agreed = http_agreed,
	.close = http_close,
};

enum claw_err
claw_mcp_http_start(const struct claw_mcp_server *sv, struct claw_mcp_conn **out,
		    struct claw_error *err)
{
	struct http_conn *t;

	if (sv->nheaders + FIXED_HEADERS > CLAW_HTTP_HEADERS_MAX)
		return claw_error_set(err, CLAW_ECONFIG, "more than %d headers",
				      CLAW_HTTP_HEADERS_MAX - FIXED_HEADERS);
	t = CLAW_NEW(struct http_conn);
	t->base.ops = &http_ops;
	t->sv = sv;
	claw_mcp_queue_init(&t->q, "message");
	claw_http_url_for_message(sv->url, t->url, sizeof t->url);
	enum claw_err rc = claw_http_new(&t->h, err);
	if (rc != CLAW_OK) {
		free(t);
		return rc;
	}
	*out = &t->base;
	return CLAW_OK;
}
