/*
 * fuzz_request — libFuzzer target for the parsing of a FastCGI request
 * (src/server/request.c) and route matching (src/server/route.c).
 *
 * Input: FastCGI params, one "NAME=VALUE" a line, an empty line, then the
 * body (see fuzz.h).  Properties:
 *   - the path is REQUEST_URI (or DOCUMENT_URI) up to its '?', the method
 *     REQUEST_METHOD;
 *   - a decoded query value fits its buffer, and re-encoding it and decoding
 *     again gives the same value; an integer query is in its range or an
 *     error that names the parameter;
 *   - Accept-Encoding: the answer does not depend on letter case, and an
 *     explicit ",gzip;q=0" (",gzip") appended refuses (accepts) gzip;
 *   - CONTENT_TYPE: application/json only when it says so;
 *   - the body: a JSON object or an error, never both; 413 exactly when
 *     CONTENT_LENGTH is over the cap;
 *   - routing the path through the real table agrees with a reference
 *     matcher written here (first matching row wins, 405 lists methods that
 *     match and never the one asked, captures rebuild the path).
 * Seeds in tests/fuzz/seeds/request, words in request.dict.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "fuzz.h"
#include "server/api.h"
#include "server/request.h"
#include "server/route.h"

static const char *
param(char **envp, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

static void
check_query(struct claw_req *r, const char *name)
{
	char out[CLAW_REQ_QUERY_VALUE_MAX], again[CLAW_REQ_QUERY_VALUE_MAX];
	bool found = true, found2 = false;
	enum claw_err rc = claw_req_query(r, name, out, sizeof out, &found);

	fuzz_check(rc == CLAW_OK || (rc == CLAW_ETOOBIG && found), "query: bad result");
	if (rc != CLAW_OK || !found)
		return;
	fuzz_check(strlen(out) < sizeof out, "query: value overruns");
	/* Re-encode every byte as %XX and decode it through a new request. */
	struct claw_buf q = CLAW_BUF_INIT(4096);
	(void)claw_buf_printf(&q, "QUERY_STRING=x=1&%s=", name);
	for (size_t i = 0; out[i] != '\0'; i++)
		(void)claw_buf_printf(&q, "%%%02X", (unsigned char)out[i]);
	(void)claw_buf_puts(&q, "&y\n\n");
	struct fuzz_req f2;
	fuzz_req_init(&f2, (const uint8_t *)claw_buf_str(&q), claw_buf_len(&q));
	struct claw_req *r2 = claw_req_new(&f2.fr, NULL);
	rc = claw_req_query(r2, name, again, sizeof again, &found2);
	fuzz_check(rc == CLAW_OK && found2, "query: re-encoded value lost");
	fuzz_check(strcmp(out, again) == 0, "query: decode(encode(v)) != v");
	struct json_object *unused = NULL;
	struct claw_error err = {0};
	(void)claw_req_body_json(r2, &unused, &err); /* reads the (empty) input */
	json_object_put(unused);
	claw_req_finish(r2);
	fuzz_req_free(&f2);
	claw_buf_free(&q);
}

static void
check_query_i64(struct claw_req *r, const char *name, int64_t min, int64_t max)
{
	struct claw_error err = {0};
	int64_t v = -7;
	enum claw_err rc = claw_req_query_i64(r, name, min, max, &v, &err);
	if (rc == CLAW_OK)
		fuzz_check(v == -7 || (v >= min && v <= max), "query_i64 out of range");
	else
		fuzz_check(rc == CLAW_EINVAL && strstr(err.msg, name) != NULL,
			   "query_i64 error does not name the parameter");
}

static void
check_coding(const char *h)
{
	bool a = claw_http_accepts_coding(h, "gzip");
	char *up = claw_xstrdup(h != NULL ? h : "");
	for (char *p = up; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	if (h != NULL)
		fuzz_check(claw_http_accepts_coding(up, "GZIP") == a,
			   "accept-encoding: case matters");
	char *off = claw_xasprintf("%s,gzip;q=0", h != NULL ? h : "");
	char *on = claw_xasprintf("%s,gzip", h != NULL ? h : "");
	fuzz_check(!claw_http_accepts_coding(off, "gzip"), "accept-encoding: gzip;q=0 ignored");
	fuzz_check(claw_http_accepts_coding(on, "gzip"), "accept-encoding: gzip ignored");
	free(on);
	free(off);
	free(up);
}

/* The reference: does pattern match path, segment by segment? */
static bool
ref_match(const char *pattern, const char *path, struct claw_buf *rebuilt,
	  const struct claw_str *caps, size_t ncaps)
{
	struct claw_str pr = claw_str_from(pattern), ph = claw_str_from(path);
	size_t ci = 0;
	if (ph.n == 0 || ph.p[0] != '/')
		return false;
	pr.p++, pr.n--;
	ph.p++, ph.n--;
	if (ph.n == 0 || ph.p[ph.n - 1] == '/')
		return false; /* "/" or a trailing slash: no API path */
	for (;;) {
		bool pend = pr.n == 0, hend = ph.n == 0;
		if (pend || hend)
			return pend && hend;
		struct claw_str ps = claw_str_cut(&pr, '/');
		struct claw_str hs = claw_str_cut(&ph, '/');
		if (hs.n == 0)
			return false;
		if (ps.n >= 2 && ps.p[0] == '{' && ps.p[ps.n - 1] == '}') {
			if (rebuilt != NULL && ci < ncaps)
				(void)claw_buf_printf(rebuilt, "/%.*s", (int)caps[ci].n,
						      caps[ci].p);
			ci++;
		} else {
			if (!claw_str_eq(ps, hs))
				return false;
			if (rebuilt != NULL)
				(void)claw_buf_printf(rebuilt, "/%.*s", (int)ps.n, ps.p);
		}
	}
}

static void
check_route(const char *method, const char *path)
{
	struct claw_str caps[CLAW_ROUTE_CAPS_MAX];
	struct claw_buf allow = CLAW_BUF_INIT(256);
	const struct claw_route *row = NULL;
	size_t ncaps = 99, first_any = SIZE_MAX, first_method = SIZE_MAX;
	enum claw_route_result res = claw_route_match(claw_api_routes, claw_api_route_count, method,
						      path, &row, caps, &ncaps, &allow);

	for (size_t i = 0; i < claw_api_route_count; i++) {
		if (!ref_match(claw_api_routes[i].pattern, path, NULL, NULL, 0))
			continue;
		if (first_any == SIZE_MAX)
			first_any = i;
		if (first_method == SIZE_MAX && strcmp(claw_api_routes[i].method, method) == 0)
			first_method = i;
	}
	if (first_method != SIZE_MAX) {
		fuzz_check(res == CLAW_ROUTE_FOUND && row == &claw_api_routes[first_method],
			   "route: not the first matching row");
		struct claw_buf rebuilt = CLAW_BUF_INIT(8192);
		for (size_t i = 0; i < ncaps; i++)
			fuzz_check(caps[i].n > 0 && memchr(caps[i].p, '/', caps[i].n) == NULL &&
					   caps[i].p >= path &&
					   caps[i].p + caps[i].n <= path + strlen(path),
				   "route: bad capture");
		(void)ref_match(row->pattern, path, &rebuilt, caps, ncaps);
		fuzz_check(strcmp(claw_buf_str(&rebuilt), path) == 0,
			   "route: captures do not rebuild the path");
		claw_buf_free(&rebuilt);
	} else if (first_any != SIZE_MAX) {
		fuzz_check(res == CLAW_ROUTE_NO_METHOD && claw_buf_len(&allow) > 0,
			   "route: 405 expected");
		struct claw_str rest = claw_str_from(claw_buf_str(&allow));
		while (rest.n > 0) {
			struct claw_str m = claw_str_trim(claw_str_cut(&rest, ','));
			fuzz_check(!claw_str_eq_cstr(m, method), "route: 405 allows the method");
		}
	} else {
		fuzz_check(res == CLAW_ROUTE_NOT_FOUND && row == NULL && ncaps == 0,
			   "route: 404 expected");
	}
	claw_buf_free(&allow);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req f;
	struct claw_req *r;
	struct json_object *body = NULL;
	struct claw_error err = {0};
	enum claw_err rc;

	claw_log_set_level(CLAW_LOG_ERROR + 1);
	fuzz_req_init(&f, data, size);
	r = claw_req_new(&f.fr, NULL);

	const char *m = param(f.envp, "REQUEST_METHOD");
	fuzz_check(strcmp(claw_req_method(r), m != NULL ? m : "") == 0, "method");
	const char *uri = param(f.envp, "REQUEST_URI");
	if (uri == NULL || uri[0] == '\0')
		uri = param(f.envp, "DOCUMENT_URI");
	if (uri == NULL)
		uri = "";
	const char *path = claw_req_path(r);
	fuzz_check(strchr(path, '?') == NULL && strncmp(path, uri, strlen(path)) == 0 &&
			   (uri[strlen(path)] == '\0' || uri[strlen(path)] == '?'),
		   "path is not the URI up to '?'");
	fuzz_check(strcmp(claw_req_user(r), "") != 0, "user is empty");

	check_query(r, "since");
	check_query(r, "limit");
	check_query(r, "q");
	check_query_i64(r, "since", 0, INT64_MAX);
	check_query_i64(r, "limit", 1, 1000);
	check_coding(claw_req_param(r, "HTTP_ACCEPT_ENCODING"));

	const char *ct = claw_req_param(r, "CONTENT_TYPE");
	if (claw_req_is_json(r)) {
		struct claw_str s = claw_str_trim(claw_str_from(ct));
		fuzz_check(s.n >= 16 && strncasecmp(s.p, "application/json", 16) == 0,
			   "is_json without application/json");
	}
	const char *cl = param(f.envp, "CONTENT_LENGTH");
	int64_t n = -1;
	bool big = cl != NULL && claw_str_to_i64(claw_str_from(cl), 0, INT64_MAX, &n) == CLAW_OK &&
		   n > CLAW_REQ_BODY_MAX;
	fuzz_check(claw_req_body_too_big(r) == big, "body_too_big disagrees with CONTENT_LENGTH");

	rc = claw_req_body_json(r, &body, &err);
	if (rc == CLAW_OK) {
		fuzz_check(json_object_is_type(body, json_type_object), "body is not an object");
		const char *t = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		fuzz_check(t != NULL, "body does not serialize");
	} else {
		fuzz_check(body == NULL && err.msg[0] != '\0', "body error without a message");
		fuzz_check(!big || rc == CLAW_ETOOBIG, "a big CONTENT_LENGTH is not a 413");
		fuzz_check(big || f.nbody > CLAW_REQ_BODY_MAX || rc == CLAW_EINVAL,
			   "413 for a body within the cap");
		claw_req_fail(r, &err);
		fuzz_check(claw_req_status(r) == (rc == CLAW_ETOOBIG ? 413 : 400),
			   "body error status");
	}
	json_object_put(body);

	check_route(claw_req_method(r), path);
	claw_req_finish(r);
	fuzz_req_free(&f);
	return 0;
}
