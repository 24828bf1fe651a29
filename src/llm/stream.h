/*
 * stream — a provider's streamed reply (Server-Sent Events) put back
 * together as the reply body the same request would have had without
 * streaming, so one parser (anthropic.c, openai.c) reads both, and a
 * streamed reply is exactly the reply.
 *
 * Bytes go in as they arrive, in pieces of any size (a line, a UTF-8
 * sequence or a JSON string may be cut anywhere): claw_llm_stream_feed()
 * splits them into SSE events (`event:` and `data:` lines, a blank line
 * ends an event; `:` comments, `id:` and `retry:` ignored; LF, CRLF or CR)
 * and applies each event:
 *   Anthropic  message_start (the message, its input usage), content_block_
 *              start / delta (text_delta, input_json_delta, thinking_delta,
 *              signature_delta) / stop, message_delta (stop_reason, output
 *              usage), message_stop (the end), ping, error.
 *   OpenAI     chat.completion.chunk objects (the delta's content and, by
 *              index, its tool calls' id, name and argument pieces;
 *              finish_reason; usage from stream_options.include_usage),
 *              `[DONE]` (the end), an object with "error".
 * claw_llm_stream_finish() then gives the body's JSON tree: the Messages API
 * message or the chat.completion object, or the provider's error object when the
 * stream carried an `error` event (the caller classifies it as it would the
 * same error sent whole).  A stream that stopped before its end is
 * CLAW_ENET "the reply stream ended before its end" (retryable).
 *
 * Caps: an event's data and a block's text at most CLAW_LLM_STREAM_EVENT_MAX
 * bytes (CLAW_ETOOBIG, sticky); the whole stream is held to the response
 * cap by http.c.
 *
 * Threads: one stream belongs to one thread.
 */
#ifndef CLAW_LLM_STREAM_H
#define CLAW_LLM_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_LLM_STREAM_EVENT_MAX (4u << 20)

enum claw_llm_stream_kind {
	CLAW_LLM_STREAM_ANTHROPIC,
	CLAW_LLM_STREAM_OPENAI,
};

struct claw_llm_stream;

struct claw_llm_stream *claw_llm_stream_new(enum claw_llm_stream_kind kind);
void claw_llm_stream_free(struct claw_llm_stream *s); /* NULL is a no-op */

/* Takes data[0..n) as it arrived.  CLAW_EINVAL when an event is not what
 * the provider sends (its message says which), CLAW_ETOOBIG past the caps;
 * sticky: later calls return the same. */
enum claw_err claw_llm_stream_feed(struct claw_llm_stream *s, const char *data, size_t n,
				   struct claw_error *err);

/* The reply (or the error object) in *out, a new reference for the caller:
 * the JSON tree of the body the request would have had without streaming,
 * handed over without printing it (the backends read the tree).  The stream
 * is spent. */
enum claw_err claw_llm_stream_finish(struct claw_llm_stream *s, struct json_object **out,
				     struct claw_error *err);

/* Why feed refused the stream ("" when it did not). */
const char *claw_llm_stream_why(const struct claw_llm_stream *s);

/* What a block of the reply gained, for a live view (SPEC 11 deltas). */
enum claw_llm_delta_kind {
	CLAW_LLM_DELTA_TEXT,
	CLAW_LLM_DELTA_THINKING,
	CLAW_LLM_DELTA_TOOL, /* a tool call's input JSON as it forms */
};

struct claw_llm_delta {
	enum claw_llm_delta_kind kind;
	size_t index;     /* the block: Anthropic's content index; OpenAI's text (and its
			   * reasoning, kind THINKING) 0, calls 1.. */
	const char *name; /* a tool's name (TOOL; may be NULL), else NULL */
	size_t at;        /* where text starts in the block's whole text */
	const char *text; /* the new bytes, whole UTF-8 sequences, not NUL-terminated */
	size_t len;
};

/* Called by claw_llm_stream_news; d and its strings are borrowed for the
 * call. */
typedef void (*claw_llm_delta_fn)(void *ctx, const struct claw_llm_delta *d);

/* Calls fn once for each block that grew since the last call, with all it
 * gained (the caller decides how often to ask: that is the coalescing).
 * Returns how many calls were made. */
size_t claw_llm_stream_news(struct claw_llm_stream *s, claw_llm_delta_fn fn, void *ctx);

/* Whether body[0..len) is an event stream rather than a JSON body (a server
 * that ignored "stream": true answers the plain reply). */
bool claw_llm_stream_sniff(const char *body, size_t len);

#endif
