/*
 * client — one model backend behind one call: build the request in the
 * backend's wire format, POST it, classify failures, wait and retry the
 * transient ones, parse the reply, and price it.
 *
 * A client holds the backend's settings (agent kind, base URL, API key,
 * timeouts, retry policy, price table) and its own libcurl handle, so it
 * belongs to one thread: each run thread makes its own (DESIGN.md).  The API
 * key is copied into the client, sent only in its header, wiped when the
 * client is freed, and scrubbed from every error message (a provider may
 * echo part of it).
 *
 * Retries (retry.h): up to the policy's attempts for transport, overloaded,
 * server-error and rate-limit failures.  Before each wait the retry callback
 * is told the failure and the wait, so the run can trace a `retry` event and
 * the dashboard can show "rate limited, retrying in 6 s".  The callback runs
 * on the calling thread and must not call back into the client.
 *
 * Threads: a client is used by one thread at a time; claw_llm_global_init()
 * (http.h) must have run before threads start.
 */
#ifndef CLAW_LLM_CLIENT_H
#define CLAW_LLM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "llm/http.h"
#include "llm/message.h"
#include "llm/pricing.h"
#include "llm/retry.h"
#include "llm/stream.h"

#define CLAW_LLM_CONNECT_TIMEOUT_MS 10000 /* default connect timeout */
#define CLAW_LLM_TIMEOUT_MS 600000        /* default whole-call timeout: long replies */
#define CLAW_LLM_KEY_MAX 1024             /* longest API key accepted */
#define CLAW_LLM_URL_MAX 2048             /* longest base URL accepted */
#define CLAW_LLM_STREAM_IDLE_MS 300000    /* default: a stream silent this long is cut */
#define CLAW_LLM_LIVE_MS 100              /* live output at most every 100 ms (SPEC 11) */

/* Settings; every pointer borrowed for claw_llm_client_new() only, except
 * pricing, which must outlive the client. */
struct claw_llm_client_params {
	enum claw_agent_kind agent; /* base/config.h: CLAW_AGENT */
	const char *base_url; /* NULL/"": https://api.anthropic.com or https://api.openai.com/v1 */
	const char *api_key;  /* NULL/"": no auth header (local servers) */
	int64_t connect_timeout_ms;            /* <= 0: CLAW_LLM_CONNECT_TIMEOUT_MS */
	int64_t timeout_ms;                    /* <= 0: CLAW_LLM_TIMEOUT_MS */
	size_t max_response;                   /* 0: CLAW_HTTP_RESPONSE_MAX */
	const struct claw_retry_policy *retry; /* NULL: CLAW_RETRY_POLICY_DEFAULT */
	const struct claw_pricing *pricing;    /* NULL: claw_pricing_builtin() */
	/* Prompt caching (SPEC 10): requests ask for it (Anthropic's
	 * breakpoints, OpenAI's prompt_cache_key) unless no_prompt_cache.
	 * The cache key goes to OpenAI's own API (host api.openai.com) only,
	 * or anywhere with cache_key_anywhere. */
	bool no_prompt_cache;
	bool cache_key_anywhere;
	/* Replies are asked for as event streams (SPEC 11) and put back
	 * together (stream.h) unless no_stream (CLAW_STREAM=0, for servers
	 * that cannot stream); a server that answers a plain body anyway is
	 * read as such. */
	bool no_stream;
	/* A stream that sends no byte for this long is cut and tried again
	 * (<= 0: CLAW_LLM_STREAM_IDLE_MS). */
	int64_t stream_idle_ms;
	/* Thinking (SPEC 11) asked in every request: Anthropic's budget (<= 0:
	 * none) and OpenAI's reasoning_effort (NULL: none; must outlive the
	 * client: config.h's static words). */
	int64_t thinking_tokens;
	const char *reasoning_effort;
};

struct claw_llm_client;

/* A new client in *out (caller frees with claw_llm_client_free()).
 * CLAW_ECONFIG for a base URL that is not http(s):// or too long, a key too
 * long or holding control characters. */
enum claw_err claw_llm_client_new(const struct claw_llm_client_params *p,
				  struct claw_llm_client **out, struct claw_error *err);
void claw_llm_client_free(struct claw_llm_client *c); /* NULL is a no-op */

/* claw_llm_client_new() with the agent, base URL, API key and prompt
 * caching of cfg (which may be freed afterwards: the key is copied) and
 * default timeouts and retry policy.  pricing as in the params (NULL: built-in). */
enum claw_err claw_llm_client_from_config(const struct claw_config *cfg,
					  const struct claw_pricing *pricing,
					  struct claw_llm_client **out, struct claw_error *err);

/* fn (may be NULL) is polled during transfers and retry waits; non-zero
 * stops the call with CLAW_ESTOPPED: a retry wait at once, a request in
 * flight once fn has said so for the stop grace. */
void claw_llm_client_set_cancel(struct claw_llm_client *c, claw_http_cancel_fn fn, void *ctx);
/* Live output (SPEC 11): while a streamed reply arrives, fn (may be NULL)
 * is called on the calling thread with what each of its blocks gained —
 * text, thinking, a tool call's input — at most once every CLAW_LLM_LIVE_MS
 * (the first piece at once).  attempt is the attempt the text belongs to: a
 * retry starts the text over.  Nothing is called for a plain reply. */
typedef void (*claw_llm_live_fn)(void *ctx, int attempt, const struct claw_llm_delta *d);
void claw_llm_client_set_live(struct claw_llm_client *c, claw_llm_live_fn fn, void *ctx);

/* CLAW_STOP_GRACE_S in ms (default 0): how long a request in flight may go
 * on after a stop, so that a reply the provider serves, and bills, is
 * received and recorded once rather than lost (and asked, and paid, again
 * on resume).  The request's own timeout still applies. */
void claw_llm_client_set_stop_grace(struct claw_llm_client *c, int64_t ms);

/* The context window of model in tokens by the client's price table (0:
 * unknown). */
int64_t claw_llm_client_context(const struct claw_llm_client *c, const char *model);

/* The endpoint URL the client posts to (borrowed, valid while c lives). */
const char *claw_llm_client_url(const struct claw_llm_client *c);

/* What the retry callback is told before each wait.  Borrowed for the
 * duration of the callback. */
struct claw_llm_retry_info {
	enum claw_retry_class fault; /* why the attempt failed */
	const char *error;           /* for people: "rate limited (HTTP 429): <provider text>" */
	int attempt;                 /* the attempt that failed, 1-based */
	int attempts;                /* the policy's total */
	int64_t wait_ms;             /* the wait about to start */
	long status;                 /* HTTP status, 0 for transport failures */
};

typedef void (*claw_llm_retry_fn)(void *ctx, const struct claw_llm_retry_info *info);

/* Sends req (its cache settings as the client's policy allows: see the
 * params) and fills resp (which must have been initialised; it is cleared
 * first).  On success resp holds the assistant message, stop reason, usage
 * and cost (cost_source PROVIDER when the provider reported it, else the
 * price table by the reply's model, or the request's when the reply names
 * none).  retry_cb (may be NULL) is called before each retry wait.
 *
 * Errors, with resp->fault, resp->status and resp->attempts set:
 * CLAW_EBACKEND for a refusal by the provider (context length, quota, auth,
 * bad request) or a transient failure that outlasted the retries (message
 * ends "(gave up after N attempts)"); CLAW_ENET when that last failure was
 * a transport one; CLAW_ETOOBIG when the request or the reply is over its
 * cap (not retried); CLAW_EINVAL for a request claw cannot build;
 * CLAW_ESTOPPED when cancelled.  Messages start with the agent name and
 * never contain the API key. */
enum claw_err claw_llm_send(struct claw_llm_client *c, const struct claw_llm_request *req,
			    struct claw_llm_response *resp, claw_llm_retry_fn retry_cb, void *ctx,
			    struct claw_error *err);

#endif
