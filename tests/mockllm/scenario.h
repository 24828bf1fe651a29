/*
 * scenario — the scripted replies of mockllm (format in README.md).
 *
 * A scenario is loaded once, validated strictly (an unknown key is an error,
 * so a typo in a test does not silently change what is served), and then
 * shared by every connection thread.  Replies are consumed in order: a
 * request takes the first reply that still has uses left and whose match
 * accepts it.  Consumption is the only mutable state, guarded by one mutex
 * held for the scan only.
 *
 * Threads: claw_scenario_take() is thread-safe; the rest is load/free on the
 * main thread.
 */
#ifndef CLAW_MOCKLLM_SCENARIO_H
#define CLAW_MOCKLLM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_SCENARIO_FILE_MAX (16u << 20)
#define CLAW_SCENARIO_FILLER_MAX (256u << 20)

enum claw_scenario_api {
	CLAW_SCENARIO_ANTHROPIC, /* POST /v1/messages */
	CLAW_SCENARIO_OPENAI,    /* POST /chat/completions, /v1/chat/completions */
	CLAW_SCENARIO_HOOK,      /* POST /hook: a webhook receiver (claw's notifications) */
};

/* What a reply does, besides answering. */
enum claw_scenario_action {
	CLAW_SCENARIO_ANSWER,    /* a normal reply (text, tool calls, usage) */
	CLAW_SCENARIO_FAULT,     /* an HTTP error with a provider error body */
	CLAW_SCENARIO_MALFORMED, /* 200 with a body that is not a valid reply */
	CLAW_SCENARIO_DROP,      /* close the connection without a byte */
	CLAW_SCENARIO_PARTIAL,   /* headers and half the body, then close */
	CLAW_SCENARIO_HANG,      /* say nothing until the client leaves (or hang_ms) */
};

/* One scripted reply; read-only after load except `left`. */
struct claw_scenario_reply {
	size_t index;                     /* position in the file */
	struct json_object *spec;         /* the reply object as written (owned) */
	enum claw_scenario_action action; /* derived from spec */
	int64_t times;                    /* uses allowed; 0 = unlimited */
	int64_t left;                     /* uses left (guarded by the scenario mutex) */
	int64_t delay_ms;                 /* before answering */
	int64_t hang_ms;                  /* for HANG */
	/* match; NULL = any */
	const char *match_api;   /* "anthropic" | "openai" | "hook" */
	const char *match_model; /* exact model id */
	const char *match_user;  /* substring of the last user turn */
	const char *match_any;   /* substring of the raw request body */
};

struct claw_scenario;

/* Loads and validates the file at path.  CLAW_EINVAL with a message naming
 * the reply and the field on a bad scenario. */
enum claw_err claw_scenario_load(const char *path, struct claw_scenario **out,
				 struct claw_error *err);
void claw_scenario_free(struct claw_scenario *s);

/* What the matcher sees of a request. */
struct claw_scenario_request {
	enum claw_scenario_api api;
	const char *model;     /* "" when absent */
	const char *last_user; /* the text of the last user turn ("" when none) */
	const char *body;      /* the raw body */
};

/* Takes the next reply for req (decrementing its uses), or NULL when none
 * is left for it.  Borrowed: valid until claw_scenario_free(). */
const struct claw_scenario_reply *claw_scenario_take(struct claw_scenario *s,
						     const struct claw_scenario_request *req);

/* Replies with uses left (for /health). */
size_t claw_scenario_remaining(struct claw_scenario *s);

/* Fills req->model and the last user turn text from a parsed request body
 * (JSON object of either API; anything else leaves them ""). last_user is
 * written into text (cap inherited), which req->last_user then points to. */
void claw_scenario_describe(struct json_object *body, enum claw_scenario_api api,
			    struct claw_scenario_request *req, struct claw_buf *text);

/* Prompt usage measured from a request (mockllm --cache, cache.h). */
struct claw_scenario_usage {
	bool measured;       /* false: the reply's own usage applies */
	int64_t in;          /* every prompt token */
	int64_t cached;      /* read from the cache */
	int64_t cache_write; /* written to it (Anthropic only) */
};

/* A normal reply body in the API's format.  seq numbers ids; model is the
 * request's.  A measured usage replaces the spec's in and cached, and its
 * out is then the reply's bytes / 4 unless the spec gives one.  Appends to
 * out. */
void claw_scenario_answer(const struct claw_scenario_reply *r, enum claw_scenario_api api,
			  int64_t seq, const char *model,
			  const struct claw_scenario_usage *measured, struct claw_buf *out);

/* A fault: HTTP status, body (the spec's "body", else a provider error body
 * built from "type", "code" and "message") and extra header lines
 * ("Name: value\r\n" each) appended to headers. */
void claw_scenario_fault(const struct claw_scenario_reply *r, enum claw_scenario_api api,
			 int *status, struct claw_buf *body, struct claw_buf *headers);

/* A provider error body for a status and message, in the API's format (for
 * mockllm's own errors: exhausted scenario, bad key). */
void claw_scenario_error_body(enum claw_scenario_api api, int status, const char *type,
			      const char *message, struct claw_buf *out);

/* The signature mockllm gives a thinking block: a hash of its text, so a
 * client that alters the thinking or drops the signature is refused as the
 * API refuses it.  NUL-terminated. */
#define CLAW_SCENARIO_SIGNATURE_MAX 32
void claw_scenario_signature(const char *thinking, size_t n, char out[CLAW_SCENARIO_SIGNATURE_MAX]);

/* Whether an Anthropic request body breaks the extended thinking rules,
 * with the API's words for why: with "thinking" enabled, budget_tokens of
 * at least 1024 and under max_tokens, no temperature but 1, and a last
 * assistant turn that called tools beginning with its thinking; always,
 * every thinking block signed as mockllm signed it. */
bool claw_scenario_thinking_refused(struct json_object *body, char *why, size_t size);

#endif
