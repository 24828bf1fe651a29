/*
 * retry — what went wrong with a model call, and how long to wait before
 * trying again.
 *
 * Every failed call is put in one class.  Transient classes (transport,
 * overloaded, server error, rate limit) are retried with exponential backoff;
 * the others fail at once with the provider's own message.  Classification
 * reads the HTTP status and the error body of either API family:
 * Anthropic `{"type":"error","error":{"type":"overloaded_error","message":..}}`,
 * OpenAI `{"error":{"message":..,"type":..,"code":..}}`, and the bare
 * `{"error":"..."}` / `{"message":"..."}` / `{"detail":"..."}` of local
 * servers.  Order of the tests: context length (by message text, any
 * status), quota, overloaded, rate limit, auth, bad request, server error.
 *
 * Backoff: attempt k (1-based) that failed waits base * 2^(k-1), capped at
 * max, plus up to jitter_pct % of random jitter; a retry-after from the
 * provider is a lower bound on the wait, and one above max_retry_after_ms
 * gives up (waiting minutes inside a run is worse than failing clearly).
 *
 * Threads: thread-safe (pure functions; the caller supplies randomness).
 */
#ifndef CLAW_LLM_RETRY_H
#define CLAW_LLM_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum claw_retry_class {
	CLAW_RETRY_NONE,        /* no failure */
	CLAW_RETRY_CONTEXT,     /* the prompt does not fit the model's context window */
	CLAW_RETRY_OVERLOADED,  /* 529, overloaded_error */
	CLAW_RETRY_RATE_LIMIT,  /* 429 */
	CLAW_RETRY_QUOTA,       /* 402, insufficient_quota, credit balance too low */
	CLAW_RETRY_AUTH,        /* 401, 403 */
	CLAW_RETRY_BAD_REQUEST, /* 400, 404, 413, 422 and any other 4xx */
	CLAW_RETRY_SERVER,      /* 5xx */
	CLAW_RETRY_TRANSPORT,   /* no HTTP answer (curl error, timeout), malformed 2xx body */
	CLAW_RETRY_CLASS_COUNT
};

/* "none", "context_length", "overloaded", "rate_limit", "quota", "auth",
 * "bad_request", "server_error", "transport".  Static. */
const char *claw_retry_class_name(enum claw_retry_class c);
/* A phrase for messages: "rate limited", "overloaded", ...  Static. */
const char *claw_retry_class_phrase(enum claw_retry_class c);
/* True for transport, overloaded, server error and rate limit. */
bool claw_retry_transient(enum claw_retry_class c);

/* Longest provider message kept (clipped past it). */
#define CLAW_RETRY_MSG_MAX 300

/* Classifies an HTTP answer that is not a success: status (100..599) and
 * its body body[0..len) (any bytes; need not be NUL-terminated).  Writes the
 * provider's message, cleaned of control characters and clipped to
 * CLAW_RETRY_MSG_MAX, into msg[0..size) ("" when the body has none).  A 2xx
 * status is classified by the body alone (an error object inside a 200, as
 * some proxies send) and is a server error when the body says nothing. */
enum claw_retry_class claw_retry_classify(long status, const char *body, size_t len, char *msg,
					  size_t size);

struct claw_retry_policy {
	int attempts;               /* total attempts, >= 1 */
	int64_t base_ms;            /* first backoff wait */
	int64_t max_ms;             /* cap on a backoff wait */
	int jitter_pct;             /* random part added, in % of the wait (0..100) */
	int64_t max_retry_after_ms; /* a longer retry-after gives up */
};

/* 4 attempts, 500 ms doubling to 30 s, 25 % jitter, retry-after up to 60 s. */
#define CLAW_RETRY_POLICY_DEFAULT                                                                  \
	{                                                                                          \
		4, 500, 30000, 25, 60000                                                           \
	}

/* The wait in ms before the next attempt, after `failed` attempts (>= 1)
 * have failed, or -1 to give up (attempts used up, or retry_after_ms above
 * the policy's limit).  retry_after_ms < 0 means the provider gave none.
 * random is any uniformly distributed value (the jitter source). */
int64_t claw_retry_wait_ms(const struct claw_retry_policy *p, int failed, int64_t retry_after_ms,
			   uint64_t random);

/* The longest wait claw_retry_after_parse() answers: one year.  Any longer
 * Retry-After means "not soon" as much as this does (the policy gives up
 * past max_retry_after_ms anyway), and the bound keeps the arithmetic on
 * absurd values ("99999999999999999999", an HTTP-date in the year 10^9)
 * from overflowing. */
#define CLAW_RETRY_AFTER_MAX_MS (INT64_C(86400) * 365 * 1000)

/* Parses a Retry-After header value: delay-seconds ("20", "1.5") or an
 * HTTP-date, relative to now_ms (Unix epoch ms).  Returns ms in [0,
 * CLAW_RETRY_AFTER_MAX_MS]: a wait beyond the bound (a huge number of
 * seconds, a date far in the future) is clamped to it, a date in the past
 * is 0.  -1 when the value is not understood. */
int64_t claw_retry_after_parse(const char *value, int64_t now_ms);

#endif
