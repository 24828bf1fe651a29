/*
 * openai — the Chat Completions wire format, as spoken by OpenAI and the
 * servers compatible with it (DeepSeek, Groq, Mistral, OpenRouter, Ollama,
 * vLLM, llama.cpp).
 *
 * `POST {base}/chat/completions`, `Authorization: Bearer KEY` only when a key
 * is set (local servers need none).  Like anthropic.c this module only
 * translates; client.c does the HTTP.
 *
 * Request mapping: the system prompt is the first message (role system); a
 * user message's tool_result blocks become `role: tool` messages (first, in
 * order, since the API wants them right after the assistant's tool_calls;
 * an error result's content is prefixed "[error] " as the format has no
 * error flag), its text blocks one user message joined by blank lines; an
 * assistant message carries its text as "content" (null when it has only
 * tool calls) and its tool_use blocks as "tool_calls" with "arguments" as a
 * JSON string (a refused call echoes the provider's raw text).  max_tokens
 * is sent as "max_completion_tokens" for the o1/o3/o4/gpt-5 families (which
 * refuse the old name), as "max_tokens" otherwise, and not at all when unset.
 * req->cache_key, when set, is "prompt_cache_key" (OpenAI routes requests
 * with one key to one cache; strict servers refuse the field, so the
 * client sets it only for OpenAI's own API unless told otherwise).
 * req->reasoning_effort, when set, is "reasoning_effort".  The first unsigned
 * thinking block of an assistant message that called tools is sent back as
 * its "reasoning_content" (DeepSeek's thinking mode wants it within a tool
 * loop; only a server that sends reasoning gives such blocks); other
 * thinking is not sent (the format has no place for it).
 *
 * Reply mapping: choices[0].message: content (a string, or an array of text
 * parts) → text; reasoning_content (DeepSeek, vLLM) or reasoning
 * (OpenRouter, Ollama) → a thinking block without signature, first;
 * refusal → text with stop REFUSAL; tool_calls → tool_use
 * blocks, whose "arguments" string is parsed leniently and, when it is not a
 * JSON object, kept as a refused tool_use (the engine answers it with an
 * error result; the run goes on).  An empty arguments string is {}.  A
 * missing call id is made up ("call_N").  finish_reason stop → END_TURN,
 * tool_calls / function_call → TOOL_USE (also when a server says "stop" but
 * sent tool calls), length → MAX_TOKENS, content_filter → REFUSAL, else
 * OTHER.  Usage: in = prompt_tokens (cached included), cached =
 * prompt_tokens_details.cached_tokens (or DeepSeek's
 * prompt_cache_hit_tokens), out = completion_tokens; a numeric usage.cost
 * (OpenRouter, USD) is taken as the provider's cost.
 *
 * Threads: thread-safe (no shared state).
 */
#ifndef CLAW_LLM_OPENAI_H
#define CLAW_LLM_OPENAI_H

#include <stddef.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"
#include "llm/message.h"

#define CLAW_OPENAI_PATH "/chat/completions"
#define CLAW_OPENAI_DEFAULT_URL "https://api.openai.com/v1"

/* Appends the JSON body for req to out.  CLAW_EINVAL for a request without
 * model or messages; else out's sticky error (CLAW_ETOOBIG past its cap). */
enum claw_err claw_openai_build(const struct claw_llm_request *req, struct claw_buf *out,
				struct claw_error *err);

/* Fills resp (msg, stop, stop_raw, usage, and cost_micros with cost_source
 * PROVIDER when the reply reports a cost, model, id) from a 2xx body.
 * CLAW_EINVAL with a message when the body is not a Chat Completions reply;
 * CLAW_EBACKEND when it is an error object (some proxies answer errors with
 * 200). */
enum claw_err claw_openai_parse(const char *body, size_t len, struct claw_llm_response *resp,
				struct claw_error *err);
/* claw_openai_parse() of a body already parsed (root borrowed): a streamed
 * reply's tree (stream.h) is read without printing and parsing it again. */
enum claw_err claw_openai_read(struct json_object *root, struct claw_llm_response *resp,
			       struct claw_error *err);

#endif
