/*
 * http — HTTPS POST of a JSON body with libcurl, for the model backends.
 *
 * One struct claw_http wraps one curl easy handle (and the multi handle that
 * runs it) and belongs to one thread
 * (DESIGN.md: each run thread has its own); reusing it across calls keeps
 * the connection to the provider alive (its own curl multi handle runs the
 * transfer, so the calling thread wakes at least every CLAW_HTTP_TICK_MS to
 * poll cancellation and the sink's tick).  Every transfer has a connect
 * timeout, a total timeout, an optional idle timeout, a cap on the response body (CLAW_ETOOBIG with
 * a clear message past it) and CURLOPT_NOSIGNAL (no SIGALRM in a threaded process).  An optional
 * cancel callback is polled about ten times a second so a run that is told to stop does not wait
 * for a slow model.
 *
 * Secrets: headers marked secret (API keys) are never copied into error
 * messages or logs; curl's own error text never contains headers; URLs lose
 * any user:password@ part in messages.
 *
 * claw_llm_global_init() must run once before any thread starts (it calls
 * curl_global_init); claw_http_new() calls it too, as a safety net.
 *
 * Threads: a handle is used by one thread at a time.
 */
#ifndef CLAW_LLM_HTTP_H
#define CLAW_LLM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Default cap on a response body; a model reply is far smaller. */
#define CLAW_HTTP_RESPONSE_MAX (8u << 20)
#define CLAW_HTTP_HEADERS_MAX 32   /* request headers per call */
#define CLAW_HTTP_CAPTURED_MAX 256 /* bytes of a captured response header's value */

/* Initialises libcurl for the process (once; later calls are no-ops).
 * Call from main before threads.  CLAW_EINTERNAL when libcurl refuses. */
enum claw_err claw_llm_global_init(struct claw_error *err);

struct claw_http;

/* A new handle in *out (caller frees with claw_http_free()). */
enum claw_err claw_http_new(struct claw_http **out, struct claw_error *err);
void claw_http_free(struct claw_http *h); /* NULL is a no-op */

struct claw_http_header {
	const char *name;  /* "x-api-key" */
	const char *value; /* borrowed */
};

/* Return non-zero to abort the transfer (claw_http_post then fails with
 * CLAW_ESTOPPED).  Called from the calling thread during the transfer. */
typedef int (*claw_http_cancel_fn)(void *ctx);

/* A body read as it arrives (a streamed model reply), on the calling
 * thread.  data gets each piece of a 2xx answer whose Content-Type is
 * text/event-stream instead of resp->body (which then stays empty and
 * resp->streamed is set); returning false aborts the transfer (CLAW_ENET,
 * "the reply stream was refused": the sink keeps the reason).  tick (may be
 * NULL) is called between waits for the network, at least every
 * CLAW_HTTP_TICK_MS, and after each piece: it returns how many ms it may
 * wait before being called again (<= 0: CLAW_HTTP_TICK_MS). */
struct claw_http_sink {
	bool (*data)(void *ctx, const char *data, size_t n);
	int64_t (*tick)(void *ctx);
	void *ctx;
};

#define CLAW_HTTP_TICK_MS 100

/* One request; every pointer borrowed for the call. */
struct claw_http_request {
	const char *url;
	const struct claw_http_header *headers; /* n_headers of them */
	size_t n_headers;                       /* <= CLAW_HTTP_HEADERS_MAX */
	const char *body;                       /* JSON, sent as application/json */
	size_t body_len;
	int64_t connect_timeout_ms; /* > 0 */
	int64_t timeout_ms;         /* > 0: the whole transfer */
	size_t max_response;        /* 0: CLAW_HTTP_RESPONSE_MAX */
	claw_http_cancel_fn cancel; /* NULL: none */
	void *cancel_ctx;
	const struct claw_http_sink *sink; /* NULL: every body into resp->body */
	/* > 0: a stream (a body going to the sink) that brings no byte for this
	 * long fails with CLAW_ETIMEOUT; the wait for the answer itself is the
	 * total timeout's. */
	int64_t idle_timeout_ms;
	/* Another method than POST (e.g. "DELETE", with an empty body); NULL:
	 * POST. */
	const char *method;
	/* A response header whose value to keep (resp->captured), e.g. an MCP
	 * server's Mcp-Session-Id; NULL: none. */
	const char *capture_header;
};

/* What came back.  Initialise with claw_http_response_init(), release with
 * claw_http_response_free(). */
struct claw_http_response {
	long status;            /* HTTP status; 0 when no answer */
	struct claw_buf body;   /* the body, NUL-terminated */
	int64_t retry_after_ms; /* from retry-after-ms / retry-after; -1 when absent */
	int64_t first_byte_ms;  /* from the request's start to the answer's first byte; 0: none */
	char request_id[96];    /* request-id / x-request-id header, "" when absent */
	char captured[CLAW_HTTP_CAPTURED_MAX]; /* the request's capture_header, "" when absent
						  (clipped to the size) */
	bool streamed;                         /* the body went to the request's sink */
};

void claw_http_response_init(struct claw_http_response *r);
void claw_http_response_free(struct claw_http_response *r);

/* POSTs req and fills resp (reset first).  Any HTTP status is CLAW_OK: the
 * caller judges it.  Errors: CLAW_ETOOBIG (body over the cap), CLAW_ETIMEOUT
 * (connect, total or idle timeout), CLAW_ESTOPPED (cancelled), CLAW_ENET (the sink
 * refused the stream, or any other transport failure), CLAW_EINVAL (too many headers); the message
 * names the URL (without credentials) and curl's reason. */
enum claw_err claw_http_post(struct claw_http *h, const struct claw_http_request *req,
			     struct claw_http_response *resp, struct claw_error *err);

/* Writes url into out[0..size) without any user:password@ part. */
void claw_http_url_for_message(const char *url, char *out, size_t size);

#endif
