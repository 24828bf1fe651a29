/*
 * fuzz_mcp_rpc — libFuzzer target for what an MCP server sends: its stdio
 * output split into lines (claw_mcp_lines_feed), the same bytes as a
 * streamable HTTP server's event stream split into events
 * (claw_mcp_sse_feed), and each line and event read as a JSON-RPC message
 * (claw_mcp_rpc_read, src/mcp/rpc.c).
 *
 * Input: one byte (where to cut the rest in two pieces), then the output.
 * Properties: the lines, and the events, are the same whatever the cut; no
 * line is empty or holds '\n', no event is empty; each is a message or an
 * error with a message, never
 * both; a response has an id and exactly a result or an error (with its
 * message); a request or notification has a method of 1 to 128 bytes and
 * params that are an object or none; an answer to a request reads back as
 * a response with the request's id.
 * Seeds in tests/fuzz/seeds/mcp_rpc, words in mcp_rpc.dict.
 */
#include <string.h>

#include "base/buf.h"
#include "fuzz.h"
#include "mcp/rpc.h"

struct seen {
	struct claw_buf lines; /* every line, '\n'-separated */
};

/* The properties of one message read from text[0..len). */
static void
check_message(const char *text, size_t len)
{
	struct claw_mcp_rpc_msg m, back;
	struct claw_error err = {0};

	if (claw_mcp_rpc_read(text, len, &m, &err) != CLAW_OK) {
		fuzz_check(m.root == NULL && err.msg[0] != '\0', "an error and a message");
		return;
	}
	if (m.kind == CLAW_MCP_RESPONSE) {
		fuzz_check(m.method == NULL && (!m.is_error || m.error_message != NULL),
			   "a response's fields");
	} else {
		size_t n = strlen(m.method);
		fuzz_check(n >= 1 && n <= CLAW_MCP_METHOD_MAX, "a method's length");
		fuzz_check(m.params == NULL || json_object_is_type(m.params, json_type_object),
			   "params not an object");
	}
	if (m.kind == CLAW_MCP_REQUEST) {
		struct claw_buf a = CLAW_BUF_INIT(4096);
		fuzz_check(claw_mcp_rpc_answer(&a, &m, NULL, -32601, "not here") == CLAW_OK,
			   "an answer");
		if (m.id_str == NULL) {
			fuzz_check(claw_mcp_rpc_read(claw_buf_str(&a), claw_buf_len(&a), &back,
						     &err) == CLAW_OK &&
					   back.kind == CLAW_MCP_RESPONSE && back.id == m.id &&
					   back.is_error,
				   "an answer does not read back");
			claw_mcp_rpc_msg_free(&back);
		}
		claw_buf_free(&a);
	}
	claw_mcp_rpc_msg_free(&m);
}

static bool
on_line(void *ctx, const char *text, size_t len)
{
	struct seen *s = ctx;
	fuzz_check(len > 0 && memchr(text, '\n', len) == NULL, "a line with its end");
	(void)claw_buf_append(&s->lines, text, len);
	(void)claw_buf_putc(&s->lines, '\n');
	check_message(text, len);
	return true;
}

static bool
on_event(void *ctx, const char *text, size_t len)
{
	struct seen *s = ctx;
	fuzz_check(len > 0, "an empty event");
	(void)claw_buf_printf(&s->lines, "%zu:", len);
	(void)claw_buf_append(&s->lines, text, len);
	check_message(text, len);
	return true;
}

/* The events of data[0..n) fed in two pieces cut at cut, into s. */
static enum claw_err
split_events(const char *data, size_t n, size_t cut, struct seen *s)
{
	struct claw_mcp_sse e;
	struct claw_error err = {0};
	claw_mcp_sse_init(&e);
	enum claw_err rc = claw_mcp_sse_feed(&e, data, cut, on_event, s, &err);
	if (rc == CLAW_OK)
		rc = claw_mcp_sse_feed(&e, data + cut, n - cut, on_event, s, &err);
	claw_mcp_sse_free(&e);
	return rc;
}

/* The lines of data[0..n) fed in two pieces cut at cut, into s. */
static enum claw_err
split(const char *data, size_t n, size_t cut, struct seen *s)
{
	struct claw_mcp_lines l;
	struct claw_error err = {0};
	claw_mcp_lines_init(&l);
	enum claw_err rc = claw_mcp_lines_feed(&l, data, cut, on_line, s, NULL, &err);
	if (rc == CLAW_OK)
		rc = claw_mcp_lines_feed(&l, data + cut, n - cut, on_line, s, NULL, &err);
	claw_mcp_lines_free(&l);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t n = size - 1, cut = n > 0 ? data[0] % (n + 1) : 0;
	struct seen a = {CLAW_BUF_INIT(1u << 24)}, b = {CLAW_BUF_INIT(1u << 24)};
	enum claw_err ra = split(text, n, cut, &a), rb = split(text, n, 0, &b);
	fuzz_check(ra == rb, "the cut changed the outcome");
	fuzz_check(claw_buf_len(&a.lines) == claw_buf_len(&b.lines) &&
			   memcmp(claw_buf_str(&a.lines), claw_buf_str(&b.lines),
				  claw_buf_len(&a.lines)) == 0,
		   "the cut changed the lines");
	claw_buf_reset(&a.lines);
	claw_buf_reset(&b.lines);
	ra = split_events(text, n, cut, &a);
	rb = split_events(text, n, 0, &b);
	fuzz_check(ra == rb, "the cut changed the events' outcome");
	fuzz_check(claw_buf_len(&a.lines) == claw_buf_len(&b.lines) &&
			   memcmp(claw_buf_str(&a.lines), claw_buf_str(&b.lines),
				  claw_buf_len(&a.lines)) == 0,
		   "the cut changed the events");
	claw_buf_free(&a.lines);
	claw_buf_free(&b.lines);
	return 0;
}
