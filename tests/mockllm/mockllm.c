/*
 * mockllm — the scripted model server of claw's tests.
 *
 *   mockllm --scenario FILE [--listen HOST:PORT] [--log FILE]
 *           [--port-file FILE] [--expect-key KEY] [--cache] [--strict]
 *
 * A real HTTP/1.1 server on loopback speaking the Anthropic Messages API
 * (POST /v1/messages) and the OpenAI Chat Completions API (POST
 * /chat/completions and /v1/chat/completions), answering from a scenario
 * file (README.md).  claw's tests reach it through the same libcurl code as
 * production, so no test skips the HTTP layer.
 *
 * Shape: the main thread binds (port 0 picks a free port), prints the port on
 * stdout (and into --port-file), then accepts; each connection gets a
 * detached thread that serves requests on it until the client closes it
 * (keep-alive) or a scripted fault ends it.  Requests need a Content-Length
 * body (what libcurl sends); "Expect: 100-continue" is honoured.  Every
 * request is logged as one JSON line (--log) before it is answered, so a test
 * that has its answer can read the line.  The log never holds a key: the
 * x-api-key and authorization headers are replaced by "auth" (which scheme
 * was used) and, with --expect-key, "key_ok".  --cache reports the usage
 * the providers' prompt-cache rules give each request (cache.h); --strict
 * refuses request fields the public API does not define, as strict
 * compatible servers do.
 *
 * Threads: main (accept) + one per connection.  Shared state: the scenario
 * (its own mutex) and the log (log_mu, held for one fputs+fflush).  Stop it
 * with SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"
#include "cache.h"
#include "scenario.h"
#include "sse.h"

#define MOCK_HEAD_MAX (64u << 10) /* request line + headers */
#define MOCK_BODY_MAX (64u << 20) /* request body */
#define MOCK_HEADERS_MAX 64       /* header lines per request */
#define MOCK_USER_TEXT_MAX (64u << 20)

struct server {
	struct claw_scenario *sc;
	FILE *log;                     /* NULL without --log */
	struct claw_mutex log_mu;      /* guards log writes */
	const char *expect_key;        /* NULL: any key (or none) is fine */
	struct claw_mock_cache *cache; /* --cache; NULL: the scenario's usage */
	bool strict;                   /* --strict */
	atomic_llong seq;              /* requests seen */
	atomic_llong conns;            /* connections accepted */
};

struct header {
	char *name; /* lower-cased, owned */
	char *value;
};

struct request {
	char method[16];
	char path[1024];
	bool http10;
	struct header h[MOCK_HEADERS_MAX];
	size_t nh;
	const char *body; /* into the connection buffer */
	size_t body_len;
};

struct conn {
	struct server *srv;
	int fd;
	int64_t id; /* 1, 2, ... in accept order (logged: shows keep-alive) */
	char *buf;  /* received bytes not yet consumed */
	size_t len;
	size_t cap;
};

static void
send_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return; /* the client left; the next read sees it */
		s += k;
		n -= (size_t)k;
	}
}

/* Reads more bytes into c->buf; false on EOF, error or over the cap. */
static bool
fill(struct conn *c)
{
	if (c->len == c->cap) {
		if (c->cap >= MOCK_HEAD_MAX + MOCK_BODY_MAX)
			return false;
		c->cap = c->cap > 0 ? c->cap * 2 : 16384;
		c->buf = claw_xrealloc(c->buf, c->cap);
	}
	for (;;) {
		ssize_t k = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		c->len += (size_t)k;
		return true;
	}
}

static const char *
header(const struct request *r, const char *name)
{
	for (size_t i = 0; i < r->nh; i++)
		if (strcmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

static void
request_clear(struct request *r)
{
	for (size_t i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].value);
	}
	memset(r, 0, sizeof *r);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 413:
		return "Payload Too Large";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 529:
		return "Overloaded";
	default:
		return "Status";
	}
}

/* Sends a whole response; send_len < body length cuts the body short. */
static void
respond_as(int fd, int status, const char *type, const char *extra_headers, size_t len,
	   bool close_after)
{
	struct claw_buf head = CLAW_BUF_INIT(MOCK_HEAD_MAX);
	claw_buf_printf(&head,
			"HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			"Content-Length: %zu\r\n%s%s\r\n",
			status, reason(status), type, len,
			extra_headers != NULL ? extra_headers : "",
			close_after ? "Connection: close\r\n" : "");
	send_all(fd, claw_buf_str(&head), claw_buf_len(&head));
	claw_buf_free(&head);
}

static void
respond(int fd, int status, const char *extra_headers, const char *body, size_t len,
	size_t send_len, bool close_after)
{
	respond_as(fd, status, "application/json", extra_headers, len, close_after);
	send_all(fd, body, send_len < len ? send_len : len);
}

/* stream.stamp: each STAMP in a piece about to be written becomes the
 * wall-clock time in ms (13 digits), so a client can tell how long the
 * text took to reach it (bench/live.mjs).  A STAMP cut by a piece's end
 * stays as it is. */
#define STAMP "@@@@@@@@@@@@@"

static void
stamp(char *p, size_t n)
{
	struct timespec ts;
	char now[16];
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)snprintf(now, sizeof now, "%013lld",
		       (long long)ts.tv_sec * 1000 + (long long)(ts.tv_nsec / 1000000));
	for (char *s = p; (s = memmem(s, n - (size_t)(s - p), STAMP, 13)) != NULL; s += 13)
		memcpy(s, now, 13);
}

/* A 200 answer streamed (sse.h) when the request asked for it and the
 * reply does not say "stream": {"plain": true}: written in pieces of
 * stream.chunk bytes stream.pause_ms apart; stream.cut stops halfway and
 * closes; stream.error ends it with that error; stream.stamp as above.
 * False when it closed. */
static bool
stream_answer(int fd, enum claw_scenario_api api, const struct claw_scenario_reply *reply,
	      const struct claw_buf *body, bool keep)
{
	struct json_object *so = NULL, *v = NULL, *json = NULL, *error = NULL;
	int64_t chunk = 0, pause = 0, parts = CLAW_MOCK_SSE_PIECES;
	bool cut = false, stamped = false;
	struct claw_buf out = CLAW_BUF_INIT(CLAW_SCENARIO_FILLER_MAX + (64u << 20));

	if (json_object_object_get_ex(reply->spec, "stream", &so)) {
		if (json_object_object_get_ex(so, "chunk", &v))
			chunk = json_object_get_int64(v);
		if (json_object_object_get_ex(so, "pause_ms", &v))
			pause = json_object_get_int64(v);
		if (json_object_object_get_ex(so, "cut", &v))
			cut = json_object_get_boolean(v);
		if (json_object_object_get_ex(so, "pieces", &v))
			parts = json_object_get_int64(v);
		if (json_object_object_get_ex(so, "stamp", &v))
			stamped = json_object_get_boolean(v);
		if (json_object_object_get_ex(so, "error", &v)) {
			error = json_object_new_object();
			if (api == CLAW_SCENARIO_ANTHROPIC)
				json_object_object_add(error, "type",
						       json_object_new_string("error"));
			json_object_object_add(error, "error", json_object_get(v));
		}
	}
	(void)claw_json_parse(claw_buf_str(body), claw_buf_len(body), &json, NULL);
	claw_mock_sse(api, json, error, (int)parts, &out);
	json_object_put(json);
	json_object_put(error);
	size_t len = claw_buf_len(&out), end = cut ? len / 2 : len;
	respond_as(fd, 200, "text/event-stream", NULL, len, cut || !keep);
	for (size_t at = 0; at < end;) {
		size_t n = chunk > 0 && (size_t)chunk < end - at ? (size_t)chunk : end - at;
		if (stamped) {
			char *piece = claw_xmalloc(n);
			memcpy(piece, claw_buf_str(&out) + at, n);
			stamp(piece, n);
			send_all(fd, piece, n);
			free(piece);
		} else {
			send_all(fd, claw_buf_str(&out) + at, n);
		}
		at += n;
		if (pause > 0 && at < end)
			claw_clock_sleep_ms(pause);
	}
	claw_buf_free(&out);
	return keep && !cut;
}

/* Whether the request asked for a stream and the reply gives one. */
static bool
streams(struct json_object *request, const struct claw_scenario_reply *reply)
{
	struct json_object *v = NULL, *so = NULL;
	if (!json_object_object_get_ex(request, "stream", &v) || !json_object_get_boolean(v))
		return false;
	return !(json_object_object_get_ex(reply->spec, "stream", &so) &&
		 json_object_object_get_ex(so, "plain", &v) && json_object_get_boolean(v));
}

/* Parses the head at c->buf[0..head_len) into r.  False on a bad head. */
static bool
parse_head(const char *p, size_t head_len, struct request *r)
{
	struct claw_str rest = {p, head_len};
	struct claw_str line = claw_str_cut(&rest, '\n');
	struct claw_str l = claw_str_trim(line);
	struct claw_str method = claw_str_cut(&l, ' ');
	struct claw_str path = claw_str_cut(&l, ' ');
	if (method.n == 0 || method.n >= sizeof r->method || path.n == 0 ||
	    path.n >= sizeof r->path || !claw_str_starts_with(l, "HTTP/1."))
		return false;
	memcpy(r->method, method.p, method.n);
	memcpy(r->path, path.p, path.n);
	r->http10 = claw_str_eq_cstr(l, "HTTP/1.0");
	while (rest.n > 0) {
		struct claw_str h = claw_str_trim(claw_str_cut(&rest, '\n'));
		if (h.n == 0)
			break;
		struct claw_str name = claw_str_trim(claw_str_cut(&h, ':'));
		if (r->nh == MOCK_HEADERS_MAX || name.n == 0)
			return false;
		char *n = claw_str_dup(name);
		for (char *q = n; *q != '\0'; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		r->h[r->nh].name = n;
		r->h[r->nh].value = claw_str_dup(claw_str_trim(h));
		r->nh++;
	}
	return true;
}

/* Writes one JSON line describing the request to the log. */
static void
log_request(struct server *s, int64_t seq, int64_t conn, const struct request *r, const char *api,
	    const char *auth, int key_ok, const struct claw_scenario_reply *reply,
	    struct json_object *body)
{
	if (s->log == NULL)
		return;
	struct json_object *o = json_object_new_object();
	struct json_object *h = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64(seq));
	json_object_object_add(o, "conn", json_object_new_int64(conn));
	json_object_object_add(o, "ms", json_object_new_int64(claw_clock_now_ms()));
	json_object_object_add(o, "method", json_object_new_string(r->method));
	json_object_object_add(o, "path", json_object_new_string(r->path));
	json_object_object_add(o, "api", api != NULL ? json_object_new_string(api) : NULL);
	for (size_t i = 0; i < r->nh; i++) {
		/* Never write a key to disk. */
		if (strcmp(r->h[i].name, "x-api-key") == 0 ||
		    strcmp(r->h[i].name, "authorization") == 0)
			continue;
		json_object_object_add(h, r->h[i].name, json_object_new_string(r->h[i].value));
	}
	json_object_object_add(o, "headers", h);
	json_object_object_add(o, "auth", json_object_new_string(auth));
	json_object_object_add(o, "key_ok", key_ok < 0 ? NULL : json_object_new_boolean(key_ok));
	json_object_object_add(o, "reply",
			       reply != NULL ? json_object_new_int64((int64_t)reply->index) : NULL);
	if (body != NULL)
		json_object_object_add(o, "body", json_object_get(body));
	else
		json_object_object_add(o, "body",
				       json_object_new_string_len(r->body, (int)r->body_len));
	const char *line = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	claw_mutex_lock(&s->log_mu);
	fputs(line, s->log);
	fputc('\n', s->log);
	fflush(s->log);
	claw_mutex_unlock(&s->log_mu);
	json_object_put(o);
}

/* Waits until the client closes the connection or ms pass. */
static void
hang(int fd, int64_t ms)
{
	int64_t end = claw_clock_mono_ms() + ms;
	char scratch[4096];
	for (;;) {
		int64_t left = end - claw_clock_mono_ms();
		if (left <= 0)
			return;
		struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};
		int k = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (k < 0 && errno != EINTR)
			return;
		if (k > 0) {
			ssize_t n = recv(fd, scratch, sizeof scratch, 0);
			if (n <= 0 && !(n < 0 && errno == EINTR))
				return;
		}
	}
}

/* With --strict: the first top-level field of body that api does not
 * define, or NULL. */
static const char *
unknown_field(enum claw_scenario_api api, struct json_object *body)
{
	static const char *const anthropic[] = {
		"model",       "max_tokens", "system",         "messages", "tools",
		"tool_choice", "stream",     "stop_sequences", "top_p",    "top_k",
		"temperature", "metadata",   "thinking",       NULL};
	static const char *const openai[] = {"model",
					     "messages",
					     "tools",
					     "tool_choice",
					     "max_tokens",
					     "max_completion_tokens",
					     "temperature",
					     "top_p",
					     "stop",
					     "stream",
					     "stream_options",
					     "n",
					     "seed",
					     "user",
					     "response_format",
					     "parallel_tool_calls",
					     "reasoning_effort",
					     NULL};
	const char *const *known = api == CLAW_SCENARIO_ANTHROPIC ? anthropic : openai;
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		bool found = false;
		for (size_t i = 0; known[i] != NULL && !found; i++)
			found = strcmp(known[i], key) == 0;
		if (!found)
			return key;
	}
	return NULL;
}

/* --strict, --cache and the thinking rules (always): a request they
 * refuse is answered here (true). */
static bool
refused(struct server *s, enum claw_scenario_api api, struct json_object *json,
	struct claw_scenario_usage *measured, struct claw_buf *body)
{
	char msg[400];
	const char *extra = s->strict ? unknown_field(api, json) : NULL;
	if (extra != NULL) {
		/* vLLM's (pydantic's) words for it. */
		(void)snprintf(msg, sizeof msg,
			       "[{'type': 'extra_forbidden', 'loc': ('body', '%s'), "
			       "'msg': 'Extra inputs are not permitted'}]",
			       extra);
		claw_scenario_error_body(api, 400, NULL, msg, body);
		return true;
	}
	if (api == CLAW_SCENARIO_ANTHROPIC &&
	    claw_scenario_thinking_refused(json, msg, sizeof msg)) {
		claw_scenario_error_body(api, 400, NULL, msg, body);
		return true;
	}
	if (s->cache != NULL &&
	    !claw_mock_cache_apply(s->cache, api, json, measured, msg, sizeof msg)) {
		claw_scenario_error_body(api, 400, NULL, msg, body);
		return true;
	}
	return false;
}

/* Which credentials came (*auth: "x-api-key", "bearer", "other" or
 * "none") and whether they are the expected ones: 1, 0, or -1 when none is
 * expected (no --expect-key, or a webhook). */
static int
key_check(const struct server *s, const struct request *r, enum claw_scenario_api api,
	  const char **auth)
{
	const char *key = NULL;
	const char *xkey = header(r, "x-api-key"), *bearer = header(r, "authorization");
	if (xkey != NULL) {
		*auth = "x-api-key";
		key = xkey;
	} else if (bearer != NULL && strncasecmp(bearer, "Bearer ", 7) == 0) {
		*auth = "bearer";
		key = bearer + 7;
	} else if (bearer != NULL) {
		*auth = "other";
	}
	if (s->expect_key == NULL || api == CLAW_SCENARIO_HOOK)
		return -1;
	return key != NULL && strcmp(key, s->expect_key) == 0;
}

/* Answers one request.  Returns false when the connection must close. */
static bool
serve(struct conn *c, struct request *r)
{
	struct server *s = c->srv;
	int64_t seq = atomic_fetch_add(&s->seq, 1) + 1;
	struct claw_buf body = CLAW_BUF_INIT(CLAW_SCENARIO_FILLER_MAX + (64u << 20));
	struct claw_buf extra = CLAW_BUF_INIT(MOCK_HEAD_MAX);
	struct claw_buf user = CLAW_BUF_INIT(MOCK_USER_TEXT_MAX);
	struct json_object *json = NULL;
	bool keep = !r->http10 && (header(r, "connection") == NULL ||
				   strcasecmp(header(r, "connection"), "close") != 0);
	enum claw_scenario_api api;
	const char *api_name = NULL;
	const struct claw_scenario_reply *reply = NULL;
	int status = 200;

	if (strcmp(r->method, "GET") == 0 && strcmp(r->path, "/health") == 0) {
		claw_buf_printf(&body, "{\"ok\":true,\"remaining\":%zu}",
				claw_scenario_remaining(s->sc));
		log_request(s, seq, c->id, r, NULL, "none", -1, NULL, NULL);
		respond(c->fd, 200, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}
	if (strcmp(r->method, "POST") == 0 && strcmp(r->path, "/v1/messages") == 0) {
		api = CLAW_SCENARIO_ANTHROPIC;
		api_name = "anthropic";
	} else if (strcmp(r->method, "POST") == 0 &&
		   (strcmp(r->path, "/chat/completions") == 0 ||
		    strcmp(r->path, "/v1/chat/completions") == 0)) {
		api = CLAW_SCENARIO_OPENAI;
		api_name = "openai";
	} else if (strcmp(r->method, "POST") == 0 && strcmp(r->path, "/hook") == 0) {
		api = CLAW_SCENARIO_HOOK;
		api_name = "hook";
	} else {
		char msg[1200];
		(void)snprintf(msg, sizeof msg, "mockllm: no route for %s %s", r->method, r->path);
		claw_scenario_error_body(CLAW_SCENARIO_OPENAI, 404, "not_found", msg, &body);
		log_request(s, seq, c->id, r, NULL, "none", -1, NULL, NULL);
		respond(c->fd, 404, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}

	const char *auth = "none";
	int key_ok = key_check(s, r, api, &auth);

	struct claw_error err;
	if (claw_json_parse(r->body, r->body_len, &json, &err) != CLAW_OK ||
	    !json_object_is_type(json, json_type_object)) {
		char msg[700];
		(void)snprintf(msg, sizeof msg,
			       "mockllm: the request body is not a JSON object: %s",
			       json == NULL ? err.msg : "wrong type");
		claw_scenario_error_body(api, 400, NULL, msg, &body);
		log_request(s, seq, c->id, r, api_name, auth, key_ok, NULL, NULL);
		respond(c->fd, 400, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}
	if (key_ok == 0) {
		claw_scenario_error_body(api, 401,
					 api == CLAW_SCENARIO_ANTHROPIC ? "authentication_error"
									: "invalid_request_error",
					 api == CLAW_SCENARIO_ANTHROPIC
						 ? "invalid x-api-key"
						 : "Incorrect API key provided.",
					 &body);
		log_request(s, seq, c->id, r, api_name, auth, key_ok, NULL, json);
		respond(c->fd, 401, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}

	struct claw_scenario_usage measured = {0};
	if (api != CLAW_SCENARIO_HOOK && refused(s, api, json, &measured, &body)) {
		log_request(s, seq, c->id, r, api_name, auth, key_ok, NULL, json);
		respond(c->fd, 400, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}
	struct claw_scenario_request q;
	claw_scenario_describe(json, api, &q, &user);
	q.body = r->body;
	reply = claw_scenario_take(s->sc, &q);
	log_request(s, seq, c->id, r, api_name, auth, key_ok, reply, json);
	if (api == CLAW_SCENARIO_HOOK && (reply == NULL || reply->action == CLAW_SCENARIO_ANSWER)) {
		/* A receiver that takes every delivery unless told otherwise. */
		if (reply != NULL)
			claw_clock_sleep_ms(reply->delay_ms);
		claw_buf_puts(&body, "{\"ok\":true}");
		respond(c->fd, 200, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}
	if (reply == NULL) {
		claw_scenario_error_body(api, 400, "mockllm_exhausted",
					 "mockllm: no scenario reply left for this request", &body);
		respond(c->fd, 400, NULL, claw_buf_str(&body), claw_buf_len(&body), SIZE_MAX,
			!keep);
		goto out;
	}
	claw_clock_sleep_ms(reply->delay_ms);
	switch (reply->action) {
	case CLAW_SCENARIO_ANSWER:
		claw_scenario_answer(reply, api, seq, q.model, &measured, &body);
		if (streams(json, reply)) {
			keep = stream_answer(c->fd, api, reply, &body, keep);
			goto out;
		}
		break;
	case CLAW_SCENARIO_FAULT:
		claw_scenario_fault(reply, api, &status, &body, &extra);
		break;
	case CLAW_SCENARIO_MALFORMED: {
		struct json_object *m = NULL;
		json_object_object_get_ex(reply->spec, "malformed", &m);
		claw_buf_puts(&body, json_object_is_type(m, json_type_string)
					     ? json_object_get_string(m)
					     : "{\"id\": \"msg_mock\", \"content\": [");
		break;
	}
	case CLAW_SCENARIO_DROP:
		keep = false;
		goto out;
	case CLAW_SCENARIO_HANG:
		hang(c->fd, reply->hang_ms);
		keep = false;
		goto out;
	case CLAW_SCENARIO_PARTIAL:
		claw_scenario_answer(reply, api, seq, q.model, &measured, &body);
		respond(c->fd, 200, NULL, claw_buf_str(&body), claw_buf_len(&body),
			claw_buf_len(&body) / 2, true);
		keep = false;
		goto out;
	}
	respond(c->fd, status, claw_buf_str(&extra), claw_buf_str(&body), claw_buf_len(&body),
		SIZE_MAX, !keep);
out:
	json_object_put(json);
	claw_buf_free(&user);
	claw_buf_free(&extra);
	claw_buf_free(&body);
	return keep;
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct request r;
	memset(&r, 0, sizeof r);

	for (;;) {
		/* The head. */
		char *end = NULL;
		for (;;) {
			end = c->len > 0 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
			if (end != NULL)
				break;
			if (c->len > MOCK_HEAD_MAX || !fill(c))
				goto out;
		}
		size_t head_len = (size_t)(end - c->buf) + 4;
		request_clear(&r);
		if (!parse_head(c->buf, head_len, &r)) {
			static const char bad[] = "{\"error\":{\"message\":\"mockllm: bad request "
						  "head\"}}";
			respond(c->fd, 400, NULL, bad, sizeof bad - 1, SIZE_MAX, true);
			goto out;
		}
		if (header(&r, "transfer-encoding") != NULL) {
			static const char no[] = "{\"error\":{\"message\":\"mockllm: send a "
						 "Content-Length body\"}}";
			respond(c->fd, 501, NULL, no, sizeof no - 1, SIZE_MAX, true);
			goto out;
		}
		int64_t blen = 0;
		const char *cl = header(&r, "content-length");
		if (cl != NULL &&
		    claw_str_to_i64(claw_str_from(cl), 0, MOCK_BODY_MAX, &blen) != CLAW_OK) {
			static const char big[] = "{\"error\":{\"message\":\"mockllm: bad or too "
						  "big Content-Length\"}}";
			respond(c->fd, 413, NULL, big, sizeof big - 1, SIZE_MAX, true);
			goto out;
		}
		const char *expect = header(&r, "expect");
		if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
		    c->len < head_len + (size_t)blen)
			send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		while (c->len < head_len + (size_t)blen)
			if (!fill(c))
				goto out;
		r.body = c->buf + head_len;
		r.body_len = (size_t)blen;
		bool keep = serve(c, &r);
		/* Drop the request from the buffer; keep what follows. */
		size_t used = head_len + (size_t)blen;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (!keep)
			goto out;
	}
out:
	request_clear(&r);
	close(c->fd);
	free(c->buf);
	free(c);
	return NULL;
}

static void
usage(void)
{
	fputs("usage: mockllm --scenario FILE [--listen HOST:PORT] [--log FILE]\n"
	      "               [--port-file FILE] [--expect-key KEY] [--cache] [--strict]\n",
	      stderr);
}

/* Parses "127.0.0.1:8080" (port 0: any free one). */
static bool
parse_listen(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	int64_t port = 0;
	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
	    claw_str_to_i64(claw_str_from(colon + 1), 0, 65535, &port) != CLAW_OK)
		return false;
	sa->sin_port = htons((uint16_t)port);
	return true;
}

static bool
write_port_file(const char *path, int port)
{
	char tmp[4096];
	(void)snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return false;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0)
		return false;
	return rename(tmp, path) == 0; /* readers never see a half-written file */
}

int
main(int argc, char **argv)
{
	const char *listen_at = "127.0.0.1:0", *scenario = NULL, *log_path = NULL;
	const char *port_file = NULL;
	struct server srv;
	struct sockaddr_in sa;
	struct claw_error err;
	char ebuf[128];

	memset(&srv, 0, sizeof srv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--cache") == 0) {
			if (srv.cache == NULL)
				srv.cache = claw_mock_cache_new();
			continue;
		}
		if (strcmp(a, "--strict") == 0) {
			srv.strict = true;
			continue;
		}
		if (v == NULL) {
			usage();
			return 2;
		}
		if (strcmp(a, "--listen") == 0)
			listen_at = v;
		else if (strcmp(a, "--scenario") == 0)
			scenario = v;
		else if (strcmp(a, "--log") == 0)
			log_path = v;
		else if (strcmp(a, "--port-file") == 0)
			port_file = v;
		else if (strcmp(a, "--expect-key") == 0)
			srv.expect_key = v;
		else {
			usage();
			return 2;
		}
		i++;
	}
	if (scenario == NULL || !parse_listen(listen_at, &sa)) {
		usage();
		return 2;
	}
	if (claw_scenario_load(scenario, &srv.sc, &err) != CLAW_OK) {
		fprintf(stderr, "mockllm: %s\n", err.msg);
		return 2;
	}
	claw_mutex_init(&srv.log_mu, "mockllm.log_mu");
	if (log_path != NULL && (srv.log = fopen(log_path, "a")) == NULL) {
		fprintf(stderr, "mockllm: %s: %s\n", log_path,
			claw_errno_text(errno, ebuf, sizeof ebuf));
		return 1;
	}

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	socklen_t salen = sizeof sa;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 512) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		fprintf(stderr, "mockllm: listen %s: %s\n", listen_at,
			claw_errno_text(errno, ebuf, sizeof ebuf));
		return 1;
	}
	int port = ntohs(sa.sin_port);
	printf("%d\n", port);
	fflush(stdout);
	if (port_file != NULL && !write_port_file(port_file, port)) {
		fprintf(stderr, "mockllm: %s: %s\n", port_file,
			claw_errno_text(errno, ebuf, sizeof ebuf));
		return 1;
	}

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE) {
				if (errno == EMFILE || errno == ENFILE)
					claw_clock_sleep_ms(10);
				continue;
			}
			fprintf(stderr, "mockllm: accept: %s\n",
				claw_errno_text(errno, ebuf, sizeof ebuf));
			return 1;
		}
		/* A reply is two writes (head, body): without TCP_NODELAY the
		 * second waits for the client's delayed ACK, ~40 ms a turn. */
		(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn *c = CLAW_NEW(struct conn);
		c->srv = &srv;
		c->fd = cfd;
		c->id = atomic_fetch_add(&srv.conns, 1) + 1;
		pthread_t t;
		if (pthread_create(&t, &attr, conn_main, c) != 0) {
			close(cfd);
			free(c);
		}
	}
}
