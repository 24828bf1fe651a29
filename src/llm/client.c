/*
 * client — the model call with retries.  See client.h.
 *
 * The request body is built once per claw_llm_send() and re-sent as is on
 * each attempt.  A backend is a small table of functions (build, parse) plus
 * its path and headers; everything else is shared.  Jitter comes from a
 * per-client xorshift generator (the C library one is banned: not thread-safe).
 */
#include "llm/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "llm/anthropic.h"
#include "llm/openai.h"
#include "llm/stream.h"

/* Room for a phrase and an HTTP status around a struct claw_error message. */
#define CLIENT_MSG_MAX (CLAW_ERROR_MSG_MAX + 128)

struct backend {
	const char *name;
	const char *default_url;
	const char *path;
	enum claw_err (*build)(const struct claw_llm_request *, struct claw_buf *,
			       struct claw_error *);
	enum claw_err (*read)(struct json_object *, struct claw_llm_response *,
			      struct claw_error *);
	enum claw_llm_stream_kind stream;
};

static const struct backend backends[] = {
	[CLAW_AGENT_ANTHROPIC] = {"anthropic", CLAW_ANTHROPIC_DEFAULT_URL, CLAW_ANTHROPIC_PATH,
				  claw_anthropic_build, claw_anthropic_read,
				  CLAW_LLM_STREAM_ANTHROPIC},
	[CLAW_AGENT_OPENAI] = {"openai", CLAW_OPENAI_DEFAULT_URL, CLAW_OPENAI_PATH,
			       claw_openai_build, claw_openai_read, CLAW_LLM_STREAM_OPENAI},
};

struct claw_llm_client {
	const struct backend *be;
	char *url;  /* owned: base + path */
	char *key;  /* owned, NULL for none; wiped on free */
	char *auth; /* owned header value ("Bearer KEY" or KEY); wiped on free */
	struct claw_http *http;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	size_t max_response;
	struct claw_retry_policy retry;
	const struct claw_pricing *pricing; /* borrowed */
	claw_http_cancel_fn cancel;
	void *cancel_ctx;
	int64_t stop_grace_ms; /* an in-flight request may finish this long after a stop */
	uint64_t rng;          /* xorshift64 state, never 0 */
	bool cache;            /* ask for prompt caching */
	bool cache_key;        /* send the request's prompt_cache_key */
	bool stream;           /* ask for event streams (stream.h) */
	int64_t stream_idle_ms;
	int64_t thinking_tokens;      /* Anthropic's budget; 0: no thinking asked */
	const char *reasoning_effort; /* static (config.h); NULL: not sent */
	claw_llm_live_fn live;        /* NULL: nobody watches replies form */
	void *live_ctx;
	struct claw_buf body; /* the request being sent; kept, so a long exchange's
			       * growing body is not allocated afresh each turn */
};

/* The cancel callback of one request in flight: a stop cancels it only
 * once it has lasted the client's stop grace, so a reply the provider is
 * already generating (and will bill) is received and recorded. */
struct in_flight {
	const struct claw_llm_client *c;
	int64_t stop_seen_ms; /* monotonic; -1 until the stop is seen */
};

static int
in_flight_cancel(void *v)
{
	struct in_flight *f = v;
	if (f->c->cancel == NULL || f->c->cancel(f->c->cancel_ctx) == 0)
		return 0;
	int64_t now = claw_clock_mono_ms();
	if (f->stop_seen_ms < 0)
		f->stop_seen_ms = now;
	return now - f->stop_seen_ms >= f->c->stop_grace_ms;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
claw_llm_client_free(struct claw_llm_client *c)
{
	if (c == NULL)
		return;
	claw_http_free(c->http);
	claw_buf_free(&c->body);
	free(c->url);
	wipe_free(c->key);
	wipe_free(c->auth);
	free(c);
}

/* True when url's host is OpenAI's own API. */
static bool
openai_host(const char *url)
{
	static const char host[] = "api.openai.com";
	const char *h = strstr(url, "://");
	if (h == NULL)
		return false;
	h += 3;
	return strncmp(h, host, sizeof host - 1) == 0 &&
	       strchr("/:", h[sizeof host - 1]) != NULL; /* also the final NUL */
}

enum claw_err
claw_llm_client_new(const struct claw_llm_client_params *p, struct claw_llm_client **out,
		    struct claw_error *err)
{
	static const struct claw_retry_policy dflt_retry = CLAW_RETRY_POLICY_DEFAULT;
	enum claw_err rc = CLAW_OK;
	struct claw_llm_client *c = NULL;

	*out = NULL;
	if ((unsigned)p->agent > CLAW_AGENT_OPENAI) {
		rc = claw_error_set(err, CLAW_ECONFIG, "unknown agent kind %d", (int)p->agent);
		goto out;
	}
	c = CLAW_NEW(struct claw_llm_client);
	claw_buf_init(&c->body, CLAW_LLM_REQUEST_MAX);
	c->be = &backends[p->agent];
	const char *base =
		p->base_url != NULL && p->base_url[0] != '\0' ? p->base_url : c->be->default_url;
	size_t blen = strlen(base);
	if (blen > CLAW_LLM_URL_MAX ||
	    (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)) {
		rc = claw_error_set(err, CLAW_ECONFIG,
				    "CLAW_BASE_URL must be an http:// or https:// URL of at most "
				    "%d bytes",
				    CLAW_LLM_URL_MAX);
		goto out;
	}
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	c->url = claw_xasprintf("%.*s%s", (int)blen, base, c->be->path);
	if (p->api_key != NULL && p->api_key[0] != '\0') {
		size_t klen = strlen(p->api_key);
		bool clean = klen <= CLAW_LLM_KEY_MAX;
		for (size_t i = 0; clean && i < klen; i++)
			clean = (unsigned char)p->api_key[i] > 0x20 &&
				(unsigned char)p->api_key[i] != 0x7f;
		if (!clean) {
			/* Never quote the key, not even in part. */
			rc = claw_error_set(err, CLAW_ECONFIG,
					    "the %s API key is malformed (spaces, control "
					    "characters, or over %d bytes)",
					    c->be->name, CLAW_LLM_KEY_MAX);
			goto out;
		}
		c->key = claw_xstrdup(p->api_key);
		c->auth = p->agent == CLAW_AGENT_OPENAI ? claw_xasprintf("Bearer %s", c->key)
							: claw_xstrdup(c->key);
	}
	c->connect_timeout_ms =
		p->connect_timeout_ms > 0 ? p->connect_timeout_ms : CLAW_LLM_CONNECT_TIMEOUT_MS;
	c->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : CLAW_LLM_TIMEOUT_MS;
	c->max_response = p->max_response > 0 ? p->max_response : CLAW_HTTP_RESPONSE_MAX;
	c->retry = p->retry != NULL ? *p->retry : dflt_retry;
	if (c->retry.attempts < 1)
		c->retry.attempts = 1;
	c->pricing = p->pricing != NULL ? p->pricing : claw_pricing_builtin();
	c->cache = !p->no_prompt_cache;
	c->stream = !p->no_stream;
	c->stream_idle_ms = p->stream_idle_ms > 0 ? p->stream_idle_ms : CLAW_LLM_STREAM_IDLE_MS;
	c->thinking_tokens = p->thinking_tokens > 0 ? p->thinking_tokens : 0;
	c->reasoning_effort = p->reasoning_effort;
	c->cache_key = c->cache && p->agent == CLAW_AGENT_OPENAI &&
		       (p->cache_key_anywhere || openai_host(base));
	c->rng = (uint64_t)claw_clock_mono_ms() * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)c ^
		 (uint64_t)getpid() << 32;
	if (c->rng == 0)
		c->rng = 0x2545F4914F6CDD1Du;
	rc = claw_http_new(&c->http, err);
	if (rc != CLAW_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	claw_llm_client_free(c);
	return rc;
}

enum claw_err
claw_llm_client_from_config(const struct claw_config *cfg, const struct claw_pricing *pricing,
			    struct claw_llm_client **out, struct claw_error *err)
{
	struct claw_llm_client_params p = {
		.agent = cfg->agent,
		.base_url = cfg->base_url,
		.api_key = cfg->api_key,
		.pricing = pricing,
		.no_prompt_cache = !cfg->prompt_cache,
		.cache_key_anywhere = cfg->prompt_cache_key,
		.no_stream = !cfg->stream,
		.stream_idle_ms = cfg->stream_idle_s * 1000,
		.thinking_tokens = cfg->thinking_tokens,
		.reasoning_effort = cfg->reasoning_effort,
	};
	return claw_llm_client_new(&p, out, err);
}

void
claw_llm_client_set_cancel(struct claw_llm_client *c, claw_http_cancel_fn fn, void *ctx)
{
	c->cancel = fn;
	c->cancel_ctx = ctx;
}

void
claw_llm_client_set_live(struct claw_llm_client *c, claw_llm_live_fn fn, void *ctx)
{
	c->live = fn;
	c->live_ctx = ctx;
}

void
claw_llm_client_set_stop_grace(struct claw_llm_client *c, int64_t ms)
{
	c->stop_grace_ms = ms > 0 ? ms : 0;
}

int64_t
claw_llm_client_context(const struct claw_llm_client *c, const char *model)
{
	return claw_pricing_lookup(c->pricing, model, NULL).context;
}

const char *
claw_llm_client_url(const struct claw_llm_client *c)
{
	return c->url;
}

static uint64_t
next_random(struct claw_llm_client *c)
{
	uint64_t x = c->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	return x;
}

/* Replaces every occurrence of the key in msg with "[redacted]", and a
 * clipped start of it at the very end of msg (a provider message cut short
 * in the middle of an echoed key). */
static void
scrub(char *msg, size_t size, const char *key)
{
	static const char mark[] = "[redacted]";
	char out[CLIENT_MSG_MAX];
	size_t klen = key != NULL ? strlen(key) : 0;
	size_t at = 0;

	if (klen < 8)
		return;
	for (const char *p = msg; *p != '\0' && at + 1 < sizeof out;) {
		size_t rest = strlen(p);
		bool whole = strncmp(p, key, klen) == 0;
		bool clipped = !whole && rest >= 8 && rest < klen && strncmp(p, key, rest) == 0;
		if (whole || clipped) {
			for (size_t k = 0; mark[k] != '\0' && at + 1 < sizeof out; k++)
				out[at++] = mark[k];
			p += whole ? klen : rest;
		} else {
			out[at++] = *p++;
		}
	}
	out[at] = '\0';
	(void)snprintf(msg, size, "%s", out);
}

/* Waits ms, polling the cancel callback; false when cancelled. */
static bool
wait_ms(struct claw_llm_client *c, int64_t ms)
{
	int64_t end = claw_clock_mono_ms() + ms;
	for (;;) {
		if (c->cancel != NULL && c->cancel(c->cancel_ctx) != 0)
			return false;
		int64_t left = end - claw_clock_mono_ms();
		if (left <= 0)
			return true;
		claw_clock_sleep_ms(left < 100 ? left : 100);
	}
}

/* One attempt's stream, fed from the transfer as it arrives (http.h's sink),
 * and when its news last went to the live callback. */
struct live {
	struct claw_llm_client *c;
	struct claw_llm_stream *s;
	int attempt;
	int64_t shown_ms; /* monotonic; 0 until something was shown */
};

static bool
live_data(void *v, const char *data, size_t n)
{
	struct live *l = v;
	return claw_llm_stream_feed(l->s, data, n, NULL) == CLAW_OK;
}

static void
live_delta(void *v, const struct claw_llm_delta *d)
{
	const struct live *l = v;
	l->c->live(l->c->live_ctx, l->attempt, d);
}

/* Gives the live callback what the reply gained, at most once every
 * CLAW_LLM_LIVE_MS: the first piece at once, later ones when their window
 * ends (http.c calls back by then). */
static int64_t
live_tick(void *v)
{
	struct live *l = v;
	if (l->c->live == NULL)
		return 0;
	int64_t now = claw_clock_mono_ms(), due = l->shown_ms + CLAW_LLM_LIVE_MS;
	if (l->shown_ms > 0 && now < due)
		return due - now;
	if (claw_llm_stream_news(l->s, live_delta, l) > 0)
		l->shown_ms = now;
	return CLAW_LLM_LIVE_MS;
}

/* Reads a 2xx answer into resp: the stream's reply (fed as it came, or a
 * body that turned out to be a stream without saying so), else the plain
 * body.  A stream cut short is CLAW_ENET, a garbled one or a malformed body
 * CLAW_EINVAL, an error object CLAW_EBACKEND (then h->body holds it, for
 * judge_status). */
static enum claw_err
read_reply(const struct claw_llm_client *c, struct claw_http_response *h, struct live *l,
	   struct claw_llm_response *resp, struct claw_error *err)
{
	const char *body = claw_buf_str(&h->body);
	size_t len = claw_buf_len(&h->body);
	if (l->s == NULL || !(h->streamed || claw_llm_stream_sniff(body, len)))
		return claw_llm_parse_with(c->be->read, c->be->name, body, len, resp, err);
	struct json_object *tree = NULL;
	enum claw_err rc = CLAW_OK;
	if (!h->streamed && claw_llm_stream_feed(l->s, body, len, err) != CLAW_OK)
		rc = CLAW_EINVAL;
	if (rc == CLAW_OK)
		rc = claw_llm_stream_finish(l->s, &tree, err);
	if (rc == CLAW_OK)
		rc = c->be->read(tree, resp, err);
	if (rc == CLAW_EBACKEND) {
		claw_buf_reset(&h->body);
		(void)claw_buf_puts(&h->body, claw_json_text(tree));
	}
	json_object_put(tree);
	return rc;
}

/* Describes a failed HTTP answer in msg: "rate limited (HTTP 429): text". */
static enum claw_retry_class
judge_status(const struct claw_http_response *h, char *msg, size_t size)
{
	char provider[CLAW_RETRY_MSG_MAX + 1];
	enum claw_retry_class k =
		claw_retry_classify(h->status, claw_buf_str(&h->body), claw_buf_len(&h->body),
				    provider, sizeof provider);
	(void)snprintf(msg, size, "%s (HTTP %ld)%s%s", claw_retry_class_phrase(k), h->status,
		       provider[0] != '\0' ? ": " : "", provider);
	return k;
}

enum claw_err
claw_llm_send(struct claw_llm_client *c, const struct claw_llm_request *req,
	      struct claw_llm_response *resp, claw_llm_retry_fn retry_cb, void *ctx,
	      struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_buf *body = &c->body;
	struct claw_http_response h;
	struct claw_http_header headers[2];
	size_t n_headers = 0;
	struct claw_error e;
	char msg[CLIENT_MSG_MAX];
	struct in_flight flight = {c, -1};
	struct claw_llm_request sent = *req;
	struct live live = {.c = c};
	const struct claw_http_sink sink = {live_data, live_tick, &live};

	sent.cache = req->cache && c->cache;
	sent.stream = c->stream;
	sent.thinking_tokens = c->thinking_tokens;
	sent.reasoning_effort = c->reasoning_effort;
	if (!c->cache_key)
		sent.cache_key = NULL;
	claw_llm_response_clear(resp);
	claw_http_response_init(&h);
	claw_buf_reset(body);
	rc = c->be->build(&sent, body, err);
	if (rc != CLAW_OK) {
		resp->fault = CLAW_RETRY_BAD_REQUEST;
		goto out;
	}
	if (c->be == &backends[CLAW_AGENT_ANTHROPIC]) {
		if (c->auth != NULL)
			headers[n_headers++] = (struct claw_http_header){"x-api-key", c->auth};
		headers[n_headers++] =
			(struct claw_http_header){"anthropic-version", CLAW_ANTHROPIC_VERSION};
	} else if (c->auth != NULL) {
		headers[n_headers++] = (struct claw_http_header){"Authorization", c->auth};
	}
	struct claw_http_request hr = {
		.url = c->url,
		.headers = headers,
		.n_headers = n_headers,
		.body = claw_buf_str(body),
		.body_len = claw_buf_len(body),
		.connect_timeout_ms = c->connect_timeout_ms,
		.timeout_ms = c->timeout_ms,
		.max_response = c->max_response,
		.cancel = c->cancel != NULL ? in_flight_cancel : NULL,
		.cancel_ctx = &flight,
		.sink = c->stream ? &sink : NULL,
		.idle_timeout_ms = c->stream ? c->stream_idle_ms : 0,
	};

	for (int attempt = 1;; attempt++) {
		enum claw_retry_class fault;
		claw_error_clear(&e);
		resp->attempts = attempt;
		if (c->stream) {
			claw_llm_stream_free(live.s);
			live = (struct live){c, claw_llm_stream_new(c->be->stream), attempt, 0};
		}
		rc = claw_http_post(c->http, &hr, &h, &e);
		resp->status = h.status;
		if (h.streamed) { /* the last piece came inside a window: show it */
			live.shown_ms = 0;
			(void)live_tick(&live);
		}
		if (rc == CLAW_ETOOBIG || rc == CLAW_ESTOPPED || rc == CLAW_EINVAL) {
			resp->fault = rc == CLAW_ESTOPPED ? CLAW_RETRY_NONE : CLAW_RETRY_TRANSPORT;
			(void)snprintf(msg, sizeof msg, "%s", e.msg);
			goto fail;
		}
		if (rc != CLAW_OK) {
			/* A stream the sink refused says why in the stream. */
			const char *why =
				live.s != NULL && h.streamed ? claw_llm_stream_why(live.s) : "";
			fault = CLAW_RETRY_TRANSPORT;
			(void)snprintf(msg, sizeof msg, "%s: %s", claw_retry_class_phrase(fault),
				       why[0] != '\0' ? why : e.msg);
		} else if (h.status >= 200 && h.status < 300) {
			rc = read_reply(c, &h, &live, resp, &e);
			if (rc == CLAW_OK) {
				resp->ttft_ms = h.first_byte_ms;
				if (resp->cost_source != CLAW_LLM_COST_PROVIDER)
					resp->cost_micros = claw_pricing_cost_micros(
						c->pricing,
						resp->model != NULL ? resp->model : req->model,
						&resp->usage);
				resp->fault = CLAW_RETRY_NONE;
				goto out;
			}
			if (rc == CLAW_EBACKEND) {
				fault = judge_status(&h, msg, sizeof msg);
			} else {
				/* A stream cut short, or garbled: a transport failure, tried again.
				 */
				fault = CLAW_RETRY_TRANSPORT;
				(void)snprintf(msg, sizeof msg, "%s (HTTP %ld): %s",
					       claw_retry_class_phrase(fault), h.status, e.msg);
			}
		} else {
			fault = judge_status(&h, msg, sizeof msg);
		}
		resp->fault = fault;
		rc = fault == CLAW_RETRY_TRANSPORT ? CLAW_ENET : CLAW_EBACKEND;
		scrub(msg, sizeof msg, c->key);
		if (!claw_retry_transient(fault))
			goto fail;
		int64_t wait =
			claw_retry_wait_ms(&c->retry, attempt, h.retry_after_ms, next_random(c));
		if (wait < 0) {
			size_t at = strlen(msg);
			if (h.retry_after_ms > c->retry.max_retry_after_ms)
				(void)snprintf(msg + at, sizeof msg - at,
					       " (gave up: retry-after %lld s is over %lld s)",
					       (long long)(h.retry_after_ms / 1000),
					       (long long)(c->retry.max_retry_after_ms / 1000));
			else
				(void)snprintf(msg + at, sizeof msg - at,
					       " (gave up after %d attempts)", attempt);
			goto fail;
		}
		if (retry_cb != NULL) {
			struct claw_llm_retry_info info = {
				fault, msg, attempt, c->retry.attempts, wait, h.status};
			retry_cb(ctx, &info);
		}
		if (!wait_ms(c, wait)) {
			rc = CLAW_ESTOPPED;
			(void)snprintf(msg, sizeof msg, "cancelled while waiting to retry");
			goto fail;
		}
	}
fail:
	scrub(msg, sizeof msg, c->key);
	rc = claw_error_set(err, rc, "%s: %s", c->be->name, msg);
	if (err != NULL)
		scrub(err->msg, sizeof err->msg, c->key);
	claw_llm_msg_free(resp->msg);
	resp->msg = NULL;
out:
	claw_llm_stream_free(live.s);
	claw_http_response_free(&h);
	return rc;
}
