/*
 * anthropic — the Anthropic Messages API wire format.
 *
 * `POST {base}/v1/messages` with headers `x-api-key` and `anthropic-version:
 * 2023-06-01`.  This module only translates: claw_anthropic_build() turns a
 * neutral request into the JSON body, claw_anthropic_parse() turns a 2xx body
 * into a neutral response.  The HTTP call, retries and cost are client.c's.
 *
 * Mapping (both ways): text ↔ {"type":"text"}, tool_use ↔ {"type":"tool_use",
 * id, name, input}, tool_result ↔ {"type":"tool_result", tool_use_id, content,
 * is_error}, thinking ↔ {"type":"thinking", thinking, signature},
 * redacted_thinking ↔ {"type":"redacted_thinking", data} (sent back as they
 * came, in their place: the API checks the signature and refuses a tool loop
 * whose last assistant turn lost its thinking); tools ↔ {name, description,
 * input_schema}; req->thinking_tokens > 0 adds {"thinking": {"type":
 * "enabled", "budget_tokens"}}, adds the budget to max_tokens and leaves the
 * temperature out (the API allows none with thinking); the system prompt is
 * the top-level "system".  With req->cache the system prompt is sent as one
 * text block with a cache_control breakpoint, and so are the last block of
 * the last user message and of the user message before it (the prefix of
 * the next request, and the one this request reads); nothing else changes,
 * so the bytes before a breakpoint are those the previous request sent.  Reply blocks of other
 * types (server tool blocks) are skipped.  stop_reason end_turn,
 * tool_use, max_tokens and refusal map to their own stop; stop_sequence,
 * pause_turn and anything else to OTHER.  Usage: in = input_tokens +
 * cache_read_input_tokens + cache_creation_input_tokens, cached =
 * cache_read_input_tokens, cache_write = cache_creation_input_tokens
 * (cache_write_1h = cache_creation.ephemeral_1h_input_tokens), out =
 * output_tokens.
 *
 * The API refuses empty text blocks and thinking without its signature (a
 * reply cut inside its thinking, or an OpenAI-compatible server's), so they
 * are left out of requests; a
 * message left with no block at all is sent as the text "(empty)".  A
 * refused tool_use (bad arguments from an OpenAI-format reply) is sent with
 * input {}.
 *
 * Threads: thread-safe (no shared state).
 */
#ifndef CLAW_LLM_ANTHROPIC_H
#define CLAW_LLM_ANTHROPIC_H

#include <stddef.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"
#include "llm/message.h"

#define CLAW_ANTHROPIC_VERSION "2023-06-01"
#define CLAW_ANTHROPIC_PATH "/v1/messages"
#define CLAW_ANTHROPIC_DEFAULT_URL "https://api.anthropic.com"
/* max_tokens is required by the API; used when the request sets none. */
#define CLAW_ANTHROPIC_MAX_TOKENS 8192

/* Appends the JSON body for req to out.  CLAW_EINVAL for a request without
 * model or messages; else out's sticky error (CLAW_ETOOBIG past its cap). */
enum claw_err claw_anthropic_build(const struct claw_llm_request *req, struct claw_buf *out,
				   struct claw_error *err);

/* Fills resp (msg, stop, stop_raw, usage, model, id) from a 2xx body
 * body[0..len).  CLAW_EINVAL with a message when the body is not a Messages
 * API reply, CLAW_EBACKEND when it is an error object (resp then holds no
 * message). */
enum claw_err claw_anthropic_parse(const char *body, size_t len, struct claw_llm_response *resp,
				   struct claw_error *err);
/* claw_anthropic_parse() of a body already parsed (root borrowed): a streamed
 * reply's tree (stream.h) is read without printing and parsing it again. */
enum claw_err claw_anthropic_read(struct json_object *root, struct claw_llm_response *resp,
				  struct claw_error *err);

#endif
