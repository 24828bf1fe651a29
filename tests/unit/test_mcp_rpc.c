/*
 * test_mcp_rpc — JSON-RPC 2.0 as MCP speaks it: requests and answers
 * written, each kind of message read and every broken one refused with a
 * message, and a stdio server's output split into lines at every point,
 * a line over the cap refused.
 */
#include "mcp/rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Reads text; the message ("" when read), the message in *m. */
static const char *
read_msg(const char *text, struct claw_mcp_rpc_msg *m)
{
	static struct claw_error err;
	claw_error_clear(&err);
	return claw_mcp_rpc_read(text, strlen(text), m, &err) == CLAW_OK ? "" : err.msg;
}

static void
test_write(void)
{
	struct claw_buf b = CLAW_BUF_INIT(4096);
	is_int(claw_mcp_rpc_write(&b, false, 7, "tools/call", "{\"name\":\"echo\"}"), CLAW_OK,
	       "a request");
	is_str(claw_buf_str(&b),
	       "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/"
	       "call\",\"params\":{\"name\":\"echo\"}}",
	       "its JSON");
	claw_buf_reset(&b);
	(void)claw_mcp_rpc_write(&b, true, 0, "notifications/initialized", NULL);
	is_str(claw_buf_str(&b), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
	       "a notification: no id, no params");
	struct claw_mcp_rpc_msg req;
	is_str(read_msg("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"method\":\"ping\"}", &req), "",
	       "the server's ping, a string id");
	claw_buf_reset(&b);
	(void)claw_mcp_rpc_answer(&b, &req, "{}", 0, NULL);
	is_str(claw_buf_str(&b), "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"result\":{}}",
	       "answered with its own id");
	claw_buf_reset(&b);
	(void)claw_mcp_rpc_answer(&b, &req, NULL, -32601, "no \"sampling\" here");
	is_str(claw_buf_str(&b),
	       "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"error\":{\"code\":-32601,\"message\":"
	       "\"no \\\"sampling\\\" here\"}}",
	       "or refused");
	claw_mcp_rpc_msg_free(&req);
	struct claw_buf small = CLAW_BUF_INIT(16);
	is_int(claw_mcp_rpc_write(&small, false, 1, "tools/list", NULL), CLAW_ETOOBIG,
	       "past the cap: the buffer's error");
	claw_buf_free(&small);
	claw_buf_free(&b);
}

static void
test_read(void)
{
	struct claw_mcp_rpc_msg m;
	is_str(read_msg("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[]}}", &m), "",
	       "a result");
	ok(m.kind == CLAW_MCP_RESPONSE && m.id == 3 && !m.is_error &&
		   json_object_is_type(m.result, json_type_object),
	   "a response to 3 with its result");
	claw_mcp_rpc_msg_free(&m);
	is_str(read_msg("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,"
			"\"message\":\"Unknown tool: x\",\"data\":{}}}",
			&m),
	       "", "an error");
	ok(m.kind == CLAW_MCP_RESPONSE && m.id == 4 && m.is_error && m.error_code == -32602 &&
		   strcmp(m.error_message, "Unknown tool: x") == 0,
	   "its code and message");
	claw_mcp_rpc_msg_free(&m);
	is_str(read_msg("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}",
			&m),
	       "", "a notification");
	ok(m.kind == CLAW_MCP_NOTIFICATION &&
		   strcmp(m.method, "notifications/tools/list_changed") == 0 && m.params == NULL,
	   "its method, no params");
	claw_mcp_rpc_msg_free(&m);
	is_str(read_msg("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"roots/list\",\"params\":{}}",
			&m),
	       "", "a request from the server");
	ok(m.kind == CLAW_MCP_REQUEST && m.id == 9 && m.id_str == NULL && m.params != NULL,
	   "its numeric id and params");
	claw_mcp_rpc_msg_free(&m);
	is_str(read_msg("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", &m), "",
	       "a null result is a result");
	ok(m.result == NULL && !m.is_error, "read as none");
	claw_mcp_rpc_msg_free(&m);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"{\"jsonrpc\":\"2.0\",\"id\":1", "not JSON: invalid JSON"},
		{"[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]", "a batch (MCP has none)"},
		{"\"hi\"", "not a JSON-RPC message (an object)"},
		{"{\"id\":1,\"result\":{}}", "jsonrpc must be \"2.0\""},
		{"{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}", "jsonrpc must be \"2.0\""},
		{"{\"jsonrpc\":\"2.0\"}", "neither a method nor an id"},
		{"{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}", "neither a method nor an id"},
		{"{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{}}", "id must be an integer"},
		{"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":{}}", "id must be an integer"},
		{"{\"jsonrpc\":\"2.0\",\"id\":1}",
		 "a response needs a result or an error, not neither"},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1,\"message\":"
		 "\"m\"}}",
		 "a response needs a result or an error, not both"},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"message\":\"m\"}}",
		 "an error without an integer code"},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}",
		 "an error without a message"},
		{"{\"jsonrpc\":\"2.0\",\"method\":\"\"}",
		 "method must be a name of 1 to 128 bytes"},
		{"{\"jsonrpc\":\"2.0\",\"method\":7}", "method must be a name"},
		{"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":[1]}",
		 "params must be an object"},
		{"{\"jsonrpc\":\"2.0\",\"id\":[],\"method\":\"ping\"}",
		 "id must be an integer or a short string"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		has_str(read_msg(bad[i].text, &m), bad[i].msg, "refused: %s", bad[i].text);
		ok(m.root == NULL && m.method == NULL, "nothing kept");
	}
}

struct got {
	int n;
	char all[256];  /* the lines joined by '|' */
	int stop_after; /* 0: never */
};

static bool
on_line(void *ctx, const char *text, size_t len)
{
	struct got *g = ctx;
	size_t at = strlen(g->all);
	(void)snprintf(g->all + at, sizeof g->all - at, "%s%.*s", g->n > 0 ? "|" : "", (int)len,
		       text);
	return ++g->n != g->stop_after;
}

static void
test_lines(void)
{
	static const char out[] = "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":\"x\\ny\"}\n{\"d\"";
	int bad = 0;
	for (size_t split = 0; split <= sizeof out - 1; split++) {
		struct claw_mcp_lines l;
		struct got g = {0};
		struct claw_error err;
		claw_mcp_lines_init(&l);
		(void)claw_mcp_lines_feed(&l, out, split, on_line, &g, NULL, &err);
		(void)claw_mcp_lines_feed(&l, out + split, sizeof out - 1 - split, on_line, &g,
					  NULL, &err);
		bad += strcmp(g.all, "{\"a\":1}|{\"b\":2}|{\"c\":\"x\\ny\"}") != 0;
		(void)claw_mcp_lines_feed(&l, "}\n", 2, on_line, &g, NULL, &err);
		bad += strcmp(g.all, "{\"a\":1}|{\"b\":2}|{\"c\":\"x\\ny\"}|{\"d\"}") != 0;
		claw_mcp_lines_free(&l);
	}
	is_int(bad, 0, "the same lines at every split point, CR and empty lines dropped");

	struct claw_mcp_lines l;
	struct got g = {.stop_after = 1};
	struct claw_error err;
	size_t used = 0;
	claw_mcp_lines_init(&l);
	is_int(claw_mcp_lines_feed(&l, "a\nb\n", 4, on_line, &g, &used, &err), CLAW_OK, "stop");
	is_int((long long)used, 2, "after the line that said so");
	claw_mcp_lines_free(&l);

	char *big = malloc(CLAW_MCP_LINE_MAX + 2);
	memset(big, 'x', CLAW_MCP_LINE_MAX + 1);
	big[CLAW_MCP_LINE_MAX + 1] = '\n';
	struct got h = {0};
	claw_mcp_lines_init(&l);
	is_int(claw_mcp_lines_feed(&l, big, 100, on_line, &h, NULL, &err), CLAW_OK, "a long start");
	is_int(claw_mcp_lines_feed(&l, big + 100, CLAW_MCP_LINE_MAX + 2 - 100, on_line, &h, NULL,
				   &err),
	       CLAW_ETOOBIG, "a line over the cap, in pieces");
	has_str(err.msg, "over 4194304 bytes", "says the cap");
	is_int(claw_mcp_lines_feed(&l, "ok\n", 3, on_line, &h, NULL, &err), CLAW_ETOOBIG,
	       "and stays so");
	is_int(h.n, 0, "no line given");
	claw_mcp_lines_free(&l);
	claw_mcp_lines_init(&l);
	is_int(claw_mcp_lines_feed(&l, big, CLAW_MCP_LINE_MAX + 2, on_line, &h, NULL, &err),
	       CLAW_ETOOBIG, "whole in one piece too");
	claw_mcp_lines_free(&l);
	free(big);
}

/* An event stream: the same events at every split point, whatever ends
 * its lines; comments, ids, other events and empty data skipped; data
 * lines joined with '\n'. */
static void
test_sse(void)
{
	static const char out[] = ": hello\r\nid: 1\r\ndata:\r\n\r\n"
				  "event: message\ndata: {\"a\":1}\n\n"
				  "event: other\ndata: skipped\n\n"
				  "data: {\"b\":\rdata:2}\r\rretry: 5\nid\ndata: last\n";
	int bad = 0;
	for (size_t split = 0; split <= sizeof out - 1; split++) {
		struct claw_mcp_sse e;
		struct got g = {0};
		struct claw_error err;
		claw_mcp_sse_init(&e);
		(void)claw_mcp_sse_feed(&e, out, split, on_line, &g, &err);
		(void)claw_mcp_sse_feed(&e, out + split, sizeof out - 1 - split, on_line, &g, &err);
		bad += strcmp(g.all, "{\"a\":1}|{\"b\":\n2}") != 0;
		if (bad == 1 && strcmp(g.all, "{\"a\":1}|{\"b\":\n2}") != 0)
			tap_diag("split %zu: %s", split, g.all);
		(void)claw_mcp_sse_feed(&e, "\n", 1, on_line, &g, &err);
		bad += strcmp(g.all, "{\"a\":1}|{\"b\":\n2}|last") != 0;
		claw_mcp_sse_free(&e);
	}
	is_int(bad, 0, "the same events at every split point");

	struct claw_mcp_sse e;
	struct got h = {0};
	struct claw_error err = {0};
	char *big = malloc(CLAW_MCP_LINE_MAX + 8);
	memcpy(big, "data: ", 6);
	memset(big + 6, 'x', CLAW_MCP_LINE_MAX);
	claw_mcp_sse_init(&e);
	is_int(claw_mcp_sse_feed(&e, big, CLAW_MCP_LINE_MAX + 6, on_line, &h, &err), CLAW_ETOOBIG,
	       "a line over the cap");
	has_str(err.msg, "an event from the server is over 4194304 bytes", "says so");
	is_int(claw_mcp_sse_feed(&e, "\n\n", 2, on_line, &h, &err), CLAW_ETOOBIG, "and stays so");
	claw_mcp_sse_free(&e);
	claw_mcp_sse_init(&e);
	(void)claw_mcp_sse_feed(&e, "data: ", 6, on_line, &h, &err);
	memset(big, 'y', CLAW_MCP_LINE_MAX / 2 + 1);
	big[CLAW_MCP_LINE_MAX / 2 + 1] = '\n';
	(void)claw_mcp_sse_feed(&e, big, CLAW_MCP_LINE_MAX / 2 + 2, on_line, &h, &err);
	(void)claw_mcp_sse_feed(&e, "data: ", 6, on_line, &h, &err);
	is_int(claw_mcp_sse_feed(&e, big, CLAW_MCP_LINE_MAX / 2 + 2, on_line, &h, &err),
	       CLAW_ETOOBIG, "an event's data over the cap, in lines under it");
	is_int(h.n, 0, "no event given");
	claw_mcp_sse_free(&e);
	free(big);
}

/* The queue: in order, a bad part as its error, a cap. */
static void
test_queue(void)
{
	struct claw_mcp_queue q;
	struct claw_mcp_rpc_msg m;
	struct claw_error err = {0};
	static const char note[] = "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}";
	static const char resp[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";
	int refused = 0;

	claw_mcp_queue_init(&q, "line");
	ok(claw_mcp_queue_push(&q, resp, strlen(resp)), "a response");
	ok(claw_mcp_queue_push(&q, "nope", 4), "a bad line");
	is_int(claw_mcp_queue_pop(&q, &m, &err), CLAW_OK, "out first");
	is_int((long long)m.id, 1, "the response");
	claw_mcp_rpc_msg_free(&m);
	is_int(claw_mcp_queue_pop(&q, &m, &err), CLAW_EINVAL, "then the bad line's error");
	has_str(err.msg, "the server sent a line that is not JSON-RPC: not JSON", "saying so");
	is_int(claw_mcp_queue_pop(&q, &m, &err), CLAW_ENOTFOUND, "then nothing");
	for (int i = 0; i < CLAW_MCP_QUEUE_MAX + 1; i++)
		refused += !claw_mcp_queue_push(&q, note, sizeof note - 1);
	is_int(refused, 1, "one past the cap is refused");
	is_int(claw_mcp_queue_pop(&q, &m, &err), CLAW_OK, "one out");
	claw_mcp_rpc_msg_free(&m);
	ok(claw_mcp_queue_push(&q, note, sizeof note - 1), "makes room for one");
	claw_mcp_queue_free(&q); /* with 65 536 in it: ASan sees nothing leak */
}

int
main(void)
{
	test_write();
	test_read();
	test_lines();
	test_sse();
	test_queue();
	return tap_done();
}
