/*
 * test_route — the route table of claw serve, and the SSE framing.
 *
 * Matching is exact (no trailing-slash folding, no empty segments), a
 * literal row wins over a capturing row listed after it, and a path known
 * under other methods is a 405 naming them.  An SSE frame is id, event and
 * one data line per line of the data (CR, LF and CRLF each end one).
 */
#include <string.h>

#include "server/route.h"
#include "server/sse_frame.h"
#include "tap.h"

static void
h_a(void *ctx, struct claw_req *req)
{
	(void)ctx;
	(void)req;
}

static void
h_b(void *ctx, struct claw_req *req)
{
	(void)ctx;
	(void)req;
}

static const struct claw_route table[] = {
	{"GET", "/api/health", h_a},
	{"GET", "/api/projects", h_a},
	{"POST", "/api/projects", h_b},
	{"GET", "/api/projects/{key}/issues/stream", h_b},
	{"GET", "/api/projects/{key}/issues/{id}", h_a},
	{"POST", "/api/projects/{key}/issues/{id}/start", h_b},
	{"GET", "/api/projects/{key}/runs/{id}/artifacts/{n}", h_a},
};
#define N (sizeof table / sizeof table[0])

static enum claw_route_result
match(const char *method, const char *path, const struct claw_route **r, struct claw_str *caps,
      size_t *ncaps, struct claw_buf *allow)
{
	claw_buf_reset(allow);
	return claw_route_match(table, N, method, path, r, caps, ncaps, allow);
}

static void
test_match(void)
{
	const struct claw_route *r;
	struct claw_str caps[CLAW_ROUTE_CAPS_MAX];
	struct claw_buf allow = CLAW_BUF_INIT(256);
	size_t n;

	is_int(match("GET", "/api/health", &r, caps, &n, &allow), CLAW_ROUTE_FOUND, "literal");
	ok(r == &table[0] && n == 0, "the health row, no captures");

	is_int(match("GET", "/api/projects/home-a-p/issues/12", &r, caps, &n, &allow),
	       CLAW_ROUTE_FOUND, "two captures");
	ok(r == &table[4], "the issue row");
	is_int(n, 2, "two captured segments");
	ok(claw_str_eq_cstr(caps[0], "home-a-p") && claw_str_eq_cstr(caps[1], "12"),
	   "captures in pattern order");

	is_int(match("GET", "/api/projects/k/issues/stream", &r, caps, &n, &allow),
	       CLAW_ROUTE_FOUND, "stream");
	ok(r == &table[3], "the literal stream row wins over {id}");

	is_int(match("GET", "/api/projects/k/runs/3/artifacts/0", &r, caps, &n, &allow),
	       CLAW_ROUTE_FOUND, "three captures");
	ok(n == 3 && claw_str_eq_cstr(caps[2], "0"), "the artifact number");

	is_int(match("POST", "/api/projects", &r, caps, &n, &allow), CLAW_ROUTE_FOUND,
	       "same path, other method");
	ok(r == &table[2], "the POST row");

	is_int(match("DELETE", "/api/projects", &r, caps, &n, &allow), CLAW_ROUTE_NO_METHOD,
	       "unknown method on a known path is 405");
	is_str(claw_buf_str(&allow), "GET, POST", "Allow lists both methods");

	is_int(match("GET", "/api/projects/k/issues/3/start", &r, caps, &n, &allow),
	       CLAW_ROUTE_NO_METHOD, "GET on a POST route");
	is_str(claw_buf_str(&allow), "POST", "Allow: POST");

	is_int(match("GET", "/api/health/", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND,
	       "trailing slash is not folded");
	is_int(match("GET", "/api//health", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND,
	       "empty segment");
	is_int(match("GET", "/api/projects//issues/1", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND,
	       "a capture never matches an empty segment");
	is_int(match("GET", "/api/nope", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND, "unknown");
	is_int(match("GET", "", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND, "empty path");
	is_int(match("GET", "api/health", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND,
	       "relative path");
	is_int(match("GET", "/api/health/x", &r, caps, &n, &allow), CLAW_ROUTE_NOT_FOUND,
	       "longer path");
	claw_buf_free(&allow);
}

static void
test_frame(void)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	const char *row = "{\"seq\":5}";

	claw_sse_frame(&b, 5, "trace", row, strlen(row));
	is_str(claw_buf_str(&b), "id: 5\nevent: trace\ndata: {\"seq\":5}\n\n", "id, event, data");

	claw_buf_reset(&b);
	claw_sse_frame(&b, -1, "end", "{}", 2);
	is_str(claw_buf_str(&b), "event: end\ndata: {}\n\n", "no id line for id < 0");

	claw_buf_reset(&b);
	claw_sse_frame(&b, 1, "x", "a\nb\r\nc\rd", 8);
	is_str(claw_buf_str(&b), "id: 1\nevent: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n",
	       "one data line per line (LF, CRLF, CR)");

	claw_buf_reset(&b);
	claw_sse_frame(&b, 2, "x", "a\n", 2);
	is_str(claw_buf_str(&b), "id: 2\nevent: x\ndata: a\ndata: \n\n",
	       "a trailing newline survives as an empty data line");

	claw_buf_reset(&b);
	claw_sse_frame(&b, 3, "x", "", 0);
	is_str(claw_buf_str(&b), "id: 3\nevent: x\ndata: \n\n", "empty data");
	claw_buf_free(&b);
}

int
main(void)
{
	test_match();
	test_frame();
	return tap_done();
}
