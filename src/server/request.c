/*
 * request — parsing a FastCGI request, answering it, finishing it by hand.
 * See request.h for the contract.
 * Records and the connection go through fcgi_wire.
 */
#include "server/request.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "server/fcgi_wire.h"

#define REQ_DRAIN_CHUNK 4096

struct claw_req {
	FCGX_Request *fr;         /* borrowed from the worker */
	struct claw_dbcache *dbs; /* borrowed from the worker */
	char *method;             /* owned copy of REQUEST_METHOD */
	char *path;               /* owned: REQUEST_URI up to '?' */
	const char *query;        /* QUERY_STRING, "" when absent; borrowed from fr */
	struct claw_str caps[CLAW_REQ_CAPS_MAX];
	size_t ncaps;
	int status;           /* answered status, 0 until answered */
	bool input_done;      /* stdin read to its end */
	bool input_left;      /* stdin deliberately left unread (413) */
	bool detached;        /* the hub owns the connection */
	struct claw_buf resp; /* the whole answer as FastCGI records, sent by finish */
	int64_t start_ms;     /* for the debug log line */
};

struct claw_req *
claw_req_new(FCGX_Request *fr, struct claw_dbcache *dbs)
{
	struct claw_req *r = CLAW_NEW(struct claw_req);
	const char *uri;

	r->fr = fr;
	r->dbs = dbs;
	r->start_ms = claw_clock_mono_ms();
	const char *m = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	r->method = claw_xstrdup(m != NULL ? m : "");
	uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	if (uri == NULL || uri[0] == '\0')
		uri = FCGX_GetParam("DOCUMENT_URI", fr->envp);
	if (uri == NULL)
		uri = "";
	r->path = claw_xstrndup(uri, strcspn(uri, "?"));
	claw_buf_init(&r->resp, CLAW_REQ_RESPONSE_MAX + CLAW_REQ_RESPONSE_MAX / 4096 + 4096);
	r->query = FCGX_GetParam("QUERY_STRING", fr->envp);
	if (r->query == NULL)
		r->query = "";
	return r;
}

const char *
claw_req_method(const struct claw_req *r)
{
	return r->method;
}

const char *
claw_req_path(const struct claw_req *r)
{
	return r->path;
}

const char *
claw_req_param(const struct claw_req *r, const char *name)
{
	if (r->fr->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, r->fr->envp);
}

const char *
claw_req_user(const struct claw_req *r)
{
	const char *u = claw_req_param(r, "REMOTE_USER");
	return u != NULL && u[0] != '\0' ? u : "anonymous";
}

struct claw_dbcache *
claw_req_dbs(const struct claw_req *r)
{
	return r->dbs;
}

/* A token character of RFC 9110 (5.6.2). */
static bool
tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The q of a qvalue at *p: 1 accepted (1, 0.5), 0 refused (0, 0.000), -1
 * malformed (1.5, 0.0001, 2).  Advances *p past it. */
static int
qvalue(const char **p)
{
	const char *s = *p;
	bool one, fraction = false;
	if (*s != '0' && *s != '1')
		return -1;
	one = *s++ == '1';
	if (*s == '.') {
		s++;
		for (int digits = 0; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			fraction |= *s != '0';
	}
	*p = s;
	if (tchar(*s))
		return -1;
	if (one)
		return fraction ? -1 : 1;
	return fraction ? 1 : 0;
}

bool
claw_http_accepts_coding(const char *header, const char *coding)
{
	int named = -1, star = -1; /* -1: not listed; else its q (0/1) */
	const char *p = header;
	size_t clen = strlen(coding);

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *tok = p;
		while (tchar(*p))
			p++;
		size_t tlen = (size_t)(p - tok);
		int q = tlen > 0 ? 1 : -1;
		/* Parameters: only q matters. */
		for (;;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ';')
				break;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
				p += 2;
				q = qvalue(&p);
			}
			while (*p != '\0' && *p != ',' && *p != ';')
				p++;
		}
		if (*p != '\0' && *p != ',') { /* garbage after the entry */
			q = -1;
			while (*p != '\0' && *p != ',')
				p++;
		}
		if (q < 0)
			continue;
		if ((tlen == clen && strncasecmp(tok, coding, clen) == 0) ||
		    (strcasecmp(coding, "gzip") == 0 && tlen == 6 &&
		     strncasecmp(tok, "x-gzip", 6) == 0))
			named = q;
		else if (tlen == 1 && tok[0] == '*')
			star = q;
	}
	return named >= 0 ? named == 1 : star == 1;
}

bool
claw_req_accepts_gzip(const struct claw_req *r)
{
	return claw_http_accepts_coding(claw_req_param(r, "HTTP_ACCEPT_ENCODING"), "gzip");
}

/* ----------------------------------------------------------------- query */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a form-encoded slice ('+' is a space, %XX a byte) into out. */
static enum claw_err
query_decode(struct claw_str v, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < v.n && hexval(v.p[i + 1]) >= 0 &&
			   hexval(v.p[i + 2]) >= 0) {
			c = (char)(hexval(v.p[i + 1]) * 16 + hexval(v.p[i + 2]));
			i += 2;
		}
		if (o + 1 >= size)
			return CLAW_ETOOBIG;
		out[o++] = c;
	}
	if (size == 0)
		return CLAW_ETOOBIG;
	out[o] = '\0';
	return CLAW_OK;
}

enum claw_err
claw_req_query(const struct claw_req *r, const char *name, char *out, size_t size, bool *found)
{
	struct claw_str rest = claw_str_from(r->query);

	*found = false;
	while (rest.n > 0) {
		struct claw_str pair = claw_str_cut(&rest, '&');
		struct claw_str key = claw_str_cut(&pair, '=');
		if (claw_str_eq_cstr(key, name)) {
			*found = true;
			return query_decode(pair, out, size);
		}
	}
	return CLAW_OK;
}

enum claw_err
claw_req_query_i64(const struct claw_req *r, const char *name, int64_t min, int64_t max,
		   int64_t *out, struct claw_error *err)
{
	char v[CLAW_REQ_QUERY_VALUE_MAX];
	bool found;
	enum claw_err rc = claw_req_query(r, name, v, sizeof v, &found);

	if (rc == CLAW_OK && !found)
		return CLAW_OK;
	if (rc == CLAW_OK)
		rc = claw_str_to_i64(claw_str_from(v), min, max, out);
	if (rc != CLAW_OK)
		return claw_error_set(err, CLAW_EINVAL,
				      "query parameter %s must be an integer from %lld to %lld",
				      name, (long long)min, (long long)max);
	return CLAW_OK;
}

void
claw_req_set_captures(struct claw_req *r, const struct claw_str *caps, size_t n)
{
	r->ncaps = n < CLAW_REQ_CAPS_MAX ? n : CLAW_REQ_CAPS_MAX;
	for (size_t i = 0; i < r->ncaps; i++)
		r->caps[i] = caps[i];
}

bool
claw_req_capture(const struct claw_req *r, size_t i, char *out, size_t size)
{
	if (i >= r->ncaps || r->caps[i].n + 1 > size)
		return false;
	memcpy(out, r->caps[i].p, r->caps[i].n);
	out[r->caps[i].n] = '\0';
	return true;
}

/* ------------------------------------------------------------------ body */

bool
claw_req_is_json(const struct claw_req *r)
{
	const char *ct = claw_req_param(r, "CONTENT_TYPE");
	struct claw_str s, rest;

	if (ct == NULL)
		return false;
	rest = claw_str_from(ct);
	s = claw_str_trim(claw_str_cut(&rest, ';'));
	return s.n == strlen("application/json") && strncasecmp(s.p, "application/json", s.n) == 0;
}

/* CONTENT_LENGTH as a number; -1 when absent or not a number. */
static int64_t
content_length(const struct claw_req *r)
{
	const char *cl = claw_req_param(r, "CONTENT_LENGTH");
	int64_t n;
	if (cl == NULL || cl[0] == '\0')
		return -1;
	if (claw_str_to_i64(claw_str_from(cl), 0, INT64_MAX, &n) != CLAW_OK)
		return -1;
	return n;
}

bool
claw_req_body_too_big(const struct claw_req *r)
{
	return content_length(r) > CLAW_REQ_BODY_MAX;
}

enum claw_err
claw_req_body_json(struct claw_req *r, struct json_object **out, struct claw_error *err)
{
	struct claw_buf body = CLAW_BUF_INIT(CLAW_REQ_BODY_MAX);
	char chunk[REQ_DRAIN_CHUNK];
	enum claw_err rc = CLAW_OK;

	*out = NULL;
	if (claw_req_body_too_big(r)) {
		r->input_left = true;
		return claw_error_set(err, CLAW_ETOOBIG, "the request body is over %d bytes",
				      CLAW_REQ_BODY_MAX);
	}
	while (!r->input_done) {
		int n = FCGX_GetStr(chunk, (int)sizeof chunk, r->fr->in);
		if (n <= 0) {
			r->input_done = true;
			break;
		}
		if (claw_buf_append(&body, chunk, (size_t)n) != CLAW_OK) {
			r->input_left = true;
			rc = claw_error_set(err, CLAW_ETOOBIG, "the request body is over %d bytes",
					    CLAW_REQ_BODY_MAX);
			goto out;
		}
	}
	if (claw_str_trim(claw_str_from(claw_buf_str(&body))).n == 0) {
		*out = json_object_new_object();
		goto out;
	}
	rc = claw_json_parse(claw_buf_str(&body), claw_buf_len(&body), out, err);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "the request body");
		goto out;
	}
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		rc = claw_error_set(err, CLAW_EINVAL, "the request body must be a JSON object");
	}
out:
	claw_buf_free(&body);
	return rc;
}

/* ---------------------------------------------------------------- output */

const char *
claw_req_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

int
claw_req_status(const struct claw_req *r)
{
	return r->status;
}

/* Builds the whole answer (status line, headers, body, end of stream,
 * END_REQUEST) as raw records, sent by claw_req_finish in one write:
 * fewer copies and system calls than libfcgi's 8 KiB stream buffer.  The
 * first answer wins. */
static void
respond(struct claw_req *r, int status, const char *content_type, const char *extra_header,
	const char *body, size_t len)
{
	char head[1024];
	int reqid = r->fr->requestId;
	size_t open = SIZE_MAX;

	if (r->status != 0 || r->detached) {
		claw_log_warn("server: %s %s answered twice (%d, then %d)", r->method, r->path,
			      r->status, status);
		return;
	}
	r->status = status;
	int hn = snprintf(
		head, sizeof head,
		"Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%.200s%s\r\n",
		status, claw_req_status_text(status), content_type, len,
		extra_header != NULL ? extra_header : "", extra_header != NULL ? "\r\n" : "");
	if (hn < 0 || (size_t)hn >= sizeof head)
		hn = 0;
	claw_fcgi_put_stdout(&r->resp, &open, 0, reqid, head, (size_t)hn);
	claw_fcgi_put_stdout(&r->resp, &open, 0, reqid, body, len);
	claw_fcgi_put_end(&r->resp, reqid);
	if (claw_buf_error(&r->resp) != CLAW_OK) { /* over the cap: say so instead */
		claw_buf_reset(&r->resp);
		r->status = 0;
		claw_req_error(r, 500, NULL, "the answer is over %d bytes", CLAW_REQ_RESPONSE_MAX);
	}
}

void
claw_req_json(struct claw_req *r, int status, const struct claw_buf *body)
{
	respond(r, status, "application/json", NULL, claw_buf_str(body), claw_buf_len(body));
}

void
claw_req_json_coded(struct claw_req *r, int status, const struct claw_buf *body, bool gzip)
{
	respond(r, status, "application/json",
		gzip ? "Content-Encoding: gzip\r\nVary: Accept-Encoding" : "Vary: Accept-Encoding",
		claw_buf_str(body), claw_buf_len(body));
}

void
claw_req_text(struct claw_req *r, int status, const char *content_type, const char *body,
	      size_t len)
{
	respond(r, status, content_type, NULL, body, len);
}

void
claw_req_error(struct claw_req *r, int status, const char *extra_header, const char *fmt, ...)
{
	struct claw_buf msg = CLAW_BUF_INIT(CLAW_ERROR_MSG_MAX * 2);
	struct claw_buf body = CLAW_BUF_INIT(CLAW_ERROR_MSG_MAX * 8);
	va_list ap;

	va_start(ap, fmt);
	(void)claw_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	(void)claw_buf_puts(&body, "{\"error\":");
	(void)claw_json_buf_append_string(&body, claw_buf_str(&msg), claw_buf_len(&msg));
	(void)claw_buf_puts(&body, "}");
	respond(r, status, "application/json", extra_header, claw_buf_str(&body),
		claw_buf_len(&body));
	claw_buf_free(&body);
	claw_buf_free(&msg);
}

void
claw_req_fail(struct claw_req *r, const struct claw_error *err)
{
	int status;
	switch (err->code) {
	case CLAW_EINVAL:
		status = 400;
		break;
	case CLAW_ENOTFOUND:
		status = 404;
		break;
	case CLAW_ECONFLICT:
	case CLAW_EEXIST:
		status = 409;
		break;
	case CLAW_ETOOBIG:
		status = 413;
		break;
	case CLAW_ECONFIG:
	case CLAW_ESTOPPED:
		status = 503;
		break;
	default:
		status = 500;
		claw_log_error("server: %s %s: %s", r->method, r->path, claw_error_text(err));
		break;
	}
	claw_req_error(r, status, NULL, "%s", claw_error_text(err));
}

void
claw_req_failf(struct claw_req *r, enum claw_err code, const char *fmt, ...)
{
	struct claw_error err;
	char msg[CLAW_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(void)claw_error_set(&err, code, "%s", msg);
	claw_req_fail(r, &err);
}

/* ------------------------------------------------------------- finishing */

/* Reads and drops what is left of stdin (at most the body cap). */
static void
drain_input(struct claw_req *r)
{
	char chunk[REQ_DRAIN_CHUNK];
	size_t total = 0;
	if (claw_req_body_too_big(r))
		r->input_left = true; /* 413: never read it */
	while (!r->input_done && !r->input_left) {
		int n = FCGX_GetStr(chunk, (int)sizeof chunk, r->fr->in);
		if (n <= 0) {
			r->input_done = true;
			break;
		}
		total += (size_t)n;
		if (total > CLAW_REQ_BODY_MAX)
			r->input_left = true;
	}
}

/* Half-closes fd and reads until EOF or CLAW_REQ_DRAIN_MS, with poll(2)
 * (libfcgi's select() breaks past fd 1023). */
static void
close_draining(int fd)
{
	char trash[REQ_DRAIN_CHUNK];
	int64_t deadline = claw_clock_mono_ms() + CLAW_REQ_DRAIN_MS;

	if (shutdown(fd, SHUT_WR) == 0) {
		for (;;) {
			int64_t left = deadline - claw_clock_mono_ms();
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (left <= 0)
				break;
			int n = poll(&p, 1, (int)left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			ssize_t got = read(fd, trash, sizeof trash);
			if (got <= 0 && !(got < 0 && errno == EINTR))
				break;
		}
	}
	(void)close(fd);
}

/* Writes all of p to the (blocking) connection; false when the peer is
 * gone (EPIPE: SIGPIPE is ignored). */
static bool
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

void
claw_req_finish(struct claw_req *r)
{
	FCGX_Request *fr;
	int fd;

	if (r == NULL)
		return;
	fr = r->fr;
	if (!r->detached) {
		if (r->status == 0)
			claw_req_error(r, 500, NULL, "the handler gave no answer");
		drain_input(r);
		fd = claw_fcgi_conn(fr);
		if (fd >= 0)
			(void)write_all(fd, claw_buf_str(&r->resp), claw_buf_len(&r->resp));
		claw_log_debug("server: %s %s %d %lldms", r->method, r->path, r->status,
			       (long long)(claw_clock_mono_ms() - r->start_ms));
		if (claw_fcgi_keeps_conn(fr) && !r->input_left) {
			/* nginx fastcgi_keep_conn: libfcgi reads the next request on
			 * this connection (not recommended; see conf/nginx.conf). */
			claw_fcgi_release(fr);
		} else {
			fd = claw_fcgi_take(fr);
			if (fd >= 0 && r->input_left)
				close_draining(fd);
			else if (fd >= 0)
				(void)close(fd);
		}
	}
	claw_buf_free(&r->resp);
	free(r->method);
	free(r->path);
	free(r);
}

/* ------------------------------------------------------------- streaming */

enum claw_err
claw_req_sse_begin(struct claw_req *r, struct claw_error *err)
{
	static const char head[] = CLAW_REQ_SSE_HEAD;
	unsigned char rec[CLAW_FCGI_HEADER + sizeof head - 1];
	int fd = claw_fcgi_conn(r->fr);

	r->status = 200;
	claw_fcgi_stdout_header(rec, r->fr->requestId, sizeof head - 1);
	memcpy(rec + CLAW_FCGI_HEADER, head, sizeof head - 1);
	if (fd < 0 || !write_all(fd, (const char *)rec, sizeof rec))
		return claw_error_set(err, CLAW_EIO, "the client went away");
	return CLAW_OK;
}

enum claw_err
claw_req_detach(struct claw_req *r, int *fd, int *request_id, struct claw_error *err)
{
	FCGX_Request *fr = r->fr;

	*fd = -1;
	*request_id = 0;
	drain_input(r);
	if (r->input_left)
		return claw_error_set(err, CLAW_EIO, "a stream request with a body");
	*request_id = fr->requestId;
	*fd = claw_fcgi_take(fr); /* params freed: claw_req_param answers NULL */
	r->query = "";
	r->detached = true;
	claw_log_debug("server: %s %s streaming", r->method, r->path);
	return CLAW_OK;
}
