/*
 * route — the table from (method, path) to handler.
 *
 * A pattern is a path of literal segments and captures: "/api/projects/
 * {key}/issues/{id}".  A capture matches one non-empty segment; the first
 * row whose pattern and method match wins, so a literal row
 * (".../issues/stream") must come before a capturing one (".../issues/
 * {id}").  A path that matches some pattern under another method is a 405
 * (with the allowed methods for the Allow header); no pattern at all is a
 * 404.  Matching is exact: no trailing-slash folding, no decoding (valid
 * keys and ids never need it).
 *
 * Threads: pure functions over a read-only table; thread-safe.
 */
#ifndef CLAW_SERVER_ROUTE_H
#define CLAW_SERVER_ROUTE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/str.h"

struct claw_req;

typedef void (*claw_route_fn)(void *ctx, struct claw_req *req);

struct claw_route {
	const char *method;  /* "GET", "POST" */
	const char *pattern; /* "/api/projects/{key}/issues" */
	claw_route_fn fn;
};

#define CLAW_ROUTE_CAPS_MAX 4

enum claw_route_result {
	CLAW_ROUTE_FOUND,     /* *out and the captures are set */
	CLAW_ROUTE_NO_METHOD, /* 405: allow holds "GET, POST" */
	CLAW_ROUTE_NOT_FOUND, /* 404 */
};

/* Finds the route of (method, path) in table[0..n).  caps (room for
 * CLAW_ROUTE_CAPS_MAX) receives the captured segments, borrowed from path,
 * in pattern order; *ncaps their number.  allow (may be NULL) gets the
 * comma-separated methods of the patterns that matched the path. */
enum claw_route_result claw_route_match(const struct claw_route *table, size_t n,
					const char *method, const char *path,
					const struct claw_route **out, struct claw_str *caps,
					size_t *ncaps, struct claw_buf *allow);

#endif
