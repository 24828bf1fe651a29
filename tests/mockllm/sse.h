/*
 * sse — a reply body as the provider streams it (Server-Sent Events), for
 * mockllm's answers to requests with "stream": true.
 *
 * Anthropic: message_start (the message without content, output_tokens 1),
 * a ping, per content block content_block_start / content_block_delta
 * (text_delta, input_json_delta, thinking_delta + signature_delta: the text
 * cut in up to three pieces, on character boundaries) / content_block_stop,
 * message_delta (stop_reason, output usage), message_stop.  OpenAI:
 * chat.completion.chunk objects (the role, the content in pieces, each tool
 * call's id and name then its arguments in pieces, the finish_reason), a
 * usage chunk (stream_options.include_usage), `data: [DONE]`.  With error
 * (an error object), the stream stops after its first content with that
 * error as an event, as providers do mid-stream.
 *
 * Threads: none of its own; pure functions.
 */
#ifndef CLAW_MOCKLLM_SSE_H
#define CLAW_MOCKLLM_SSE_H

#include <json-c/json.h>

#include "base/buf.h"
#include "scenario.h"

/* Appends the stream of the reply body json (as claw_scenario_answer wrote
 * it) to out, each text, thinking and tool input in parts delta events
 * (>= 1); error (may be NULL) ends it early with an error event. */
#define CLAW_MOCK_SSE_PIECES 3 /* the default parts */
void claw_mock_sse(enum claw_scenario_api api, struct json_object *json, struct json_object *error,
		   int parts, struct claw_buf *out);

#endif
