/*
 * request — one FastCGI request as the API handlers see it.
 *
 * A request worker (fcgi.c) accepts an FCGX_Request and wraps it in a
 * struct claw_req for the duration of one dispatch: the method, the path
 * (REQUEST_URI without its query), the query parameters, the acting user
 * (REMOTE_USER, set by nginx's auth), the route's captures, the body, and
 * the response.  Handlers answer with exactly one of claw_req_json,
 * claw_req_text or claw_req_error, or hand the connection to the stream hub
 * with claw_req_detach after writing the SSE headers.
 *
 * Answers are built as raw FastCGI records (the headers with a
 * Content-Length, the body, the end of the stream and END_REQUEST) in one
 * buffer, and claw_req_finish writes them in one write(2) and closes the
 * connection itself: fewer copies and system calls than libfcgi's 8 KiB
 * stream buffer, and libfcgi's OS_Close, which may wait up to 2 s for the
 * peer (with a select() that breaks past fd 1023), never runs.  When the
 * request's input was not read to its end (a 413), the connection is
 * half-closed and drained for at most CLAW_REQ_DRAIN_MS first, so a TCP
 * peer never gets a reset that could eat the response.
 *
 * Caps: a body over CLAW_REQ_BODY_MAX is refused (413) from CONTENT_LENGTH,
 * before a byte of it is read; without CONTENT_LENGTH at most one byte more
 * than the cap is read.
 *
 * Threads: a request belongs to the worker that accepted it.  Its writes
 * happen with no lock held (handlers never answer under one).
 */
#ifndef CLAW_SERVER_REQUEST_H
#define CLAW_SERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "server/route.h"

#define CLAW_REQ_BODY_MAX (1024 * 1024)          /* bytes of a request body (SPEC 7: 413) */
#define CLAW_REQ_CAPS_MAX CLAW_ROUTE_CAPS_MAX    /* route captures ({key}, {id}, {n}) */
#define CLAW_REQ_QUERY_VALUE_MAX 256             /* bytes of one decoded query value */
#define CLAW_REQ_RESPONSE_MAX (64 * 1024 * 1024) /* bytes of one REST response */
#define CLAW_REQ_DRAIN_MS 2000                   /* half-close drain before close */

struct claw_req;
struct claw_dbcache;

/* Wraps fr (borrowed; accepted by FCGX_Accept_r) for one dispatch.  dbs is
 * the worker's connection cache (borrowed).  Free with claw_req_finish. */
struct claw_req *claw_req_new(FCGX_Request *fr, struct claw_dbcache *dbs);

/* Ends the response unless a handler detached the connection: writes a 500
 * when nothing was answered (a handler bug), the closing records, and
 * closes the connection (see the header comment).  Frees r.  NULL-safe. */
void claw_req_finish(struct claw_req *r);

/* ----------------------------------------------------------------- input */

const char *claw_req_method(const struct claw_req *r); /* "GET"; "" when absent */
const char *claw_req_path(const struct claw_req *r);   /* "/api/health" */
/* A FastCGI parameter ("CONTENT_TYPE", "HTTP_LAST_EVENT_ID"); NULL when
 * absent.  Borrowed until claw_req_finish. */
const char *claw_req_param(const struct claw_req *r, const char *name);
/* REMOTE_USER when nginx set one, else "anonymous".  Borrowed. */
const char *claw_req_user(const struct claw_req *r);
struct claw_dbcache *claw_req_dbs(const struct claw_req *r);

/* The decoded value of query parameter name into out (size bytes, NUL
 * included).  false when absent; CLAW_ETOOBIG when longer than fits. */
enum claw_err claw_req_query(const struct claw_req *r, const char *name, char *out, size_t size,
			     bool *found);
/* An integer query parameter in [min, max]; *out keeps its value when the
 * parameter is absent.  CLAW_EINVAL "query parameter since must be an
 * integer from 0 to N" otherwise. */
enum claw_err claw_req_query_i64(const struct claw_req *r, const char *name, int64_t min,
				 int64_t max, int64_t *out, struct claw_error *err);

/* Route captures, set by the dispatcher. */
void claw_req_set_captures(struct claw_req *r, const struct claw_str *caps, size_t n);
/* Capture i as a fresh NUL-terminated copy in out (size bytes): false when
 * i is out of range or it does not fit. */
bool claw_req_capture(const struct claw_req *r, size_t i, char *out, size_t size);

/* Whether an Accept-Encoding header value (NULL: no header) accepts the
 * content coding `coding` ("gzip"; "x-gzip" counts as gzip): named or
 * matched by "*", with a q-value above 0; a coding named explicitly wins
 * over "*" (RFC 9110 12.5.3).  No header, or a malformed q, accepts
 * nothing but identity. */
bool claw_http_accepts_coding(const char *header, const char *coding);
/* The request's Accept-Encoding accepts gzip. */
bool claw_req_accepts_gzip(const struct claw_req *r);

/* CONTENT_TYPE is application/json (parameters such as charset allowed). */
bool claw_req_is_json(const struct claw_req *r);
/* CONTENT_LENGTH is over CLAW_REQ_BODY_MAX (checked before reading). */
bool claw_req_body_too_big(const struct claw_req *r);

/* Reads the body (at most CLAW_REQ_BODY_MAX bytes) and parses it as one
 * JSON object.  An empty body is an empty object.  *out: caller
 * json_object_put()s it.  CLAW_ETOOBIG (answer 413) or CLAW_EINVAL with
 * "the request body ..." (answer 400). */
enum claw_err claw_req_body_json(struct claw_req *r, struct json_object **out,
				 struct claw_error *err);

/* ---------------------------------------------------------------- output */

/* Answers status with a JSON body (the bytes of body).  Only the first
 * answer of a request counts; later calls are ignored (and logged). */
void claw_req_json(struct claw_req *r, int status, const struct claw_buf *body);
/* Answers a JSON body that has a compressed form: gzip says body is the
 * gzip member of the JSON (Content-Encoding: gzip); both forms carry Vary:
 * Accept-Encoding so caches keep them apart. */
void claw_req_json_coded(struct claw_req *r, int status, const struct claw_buf *body, bool gzip);
/* Answers with body text of the given content type. */
void claw_req_text(struct claw_req *r, int status, const char *content_type, const char *body,
		   size_t len);
/* Answers {"error": message} (message printf-formatted).  extra_header
 * (may be NULL) is one more header line without CRLF ("Allow: GET"). */
void claw_req_error(struct claw_req *r, int status, const char *extra_header, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Answers from err, the one place a handler's failure becomes a status:
 * CLAW_EINVAL 400, CLAW_ENOTFOUND 404, CLAW_ECONFLICT and CLAW_EEXIST 409,
 * CLAW_ETOOBIG 413, CLAW_ECONFIG and CLAW_ESTOPPED 503 (no model set up, the
 * server stopping), anything else 500 (logged).  Handlers answer failures
 * through it (or claw_req_failf); claw_req_error's own statuses are the
 * dispatcher's (404/405/413/415 before a handler runs). */
void claw_req_fail(struct claw_req *r, const struct claw_error *err);
/* claw_req_fail for an error of code with a printf-formatted message. */
void claw_req_failf(struct claw_req *r, enum claw_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The status answered so far (0 when none). */
int claw_req_status(const struct claw_req *r);
/* "Not Found" for 404; "Unknown" for codes claw does not use. */
const char *claw_req_status_text(int status);

/* ------------------------------------------------------------ streaming */

/* The start of every SSE response: the headers (200, text/event-stream,
 * no caching, X-Accel-Buffering: no) and a first comment, so nginx passes
 * the headers on at once (it holds a lone header until body bytes come)
 * and the browser's EventSource opens. */
#define CLAW_REQ_SSE_HEAD                                                                          \
	"Status: 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"                     \
	"Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"                                     \
	"X-Content-Type-Options: nosniff\r\n\r\n"                                                  \
	": claw\n\n"

/* Writes CLAW_REQ_SSE_HEAD as one record.  CLAW_EIO when the peer is
 * gone. */
enum claw_err claw_req_sse_begin(struct claw_req *r, struct claw_error *err);

/* Takes the connection away from libfcgi, for the stream hub: reads the
 * request's input to its end, frees libfcgi's streams without closing, and
 * returns the socket in *fd and the FastCGI request id in *request_id.  The
 * caller owns the fd from here (it writes raw FastCGI records and closes
 * it); claw_req_finish then only frees r.  CLAW_EIO when the input cannot
 * be read. */
enum claw_err claw_req_detach(struct claw_req *r, int *fd, int *request_id, struct claw_error *err);

#endif
