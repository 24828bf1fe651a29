/*
 * compact — context compaction of an exchange (SPEC 10): the conversation
 * transforms, without the network.
 *
 * When an exchange's next request would pass CLAW_COMPACT_AT_PCT % of the
 * model's context (or a request was refused for its length), the turn loop
 * has the same model summarise the conversation and replaces it by: the
 * first user message (the step's task) with the summary added to it, then
 * the last CLAW_COMPACT_KEEP_TURNS turns as they were (the model's calls
 * with their results intact).  This module finds what to keep, writes the
 * summary request (the summarised messages as a transcript in one user
 * message: no tool blocks, so the request needs no tools; the turn loop
 * sends it with the exchange's own system prompt, so the model knows the
 * issue and its step), and rebuilds the conversation; the turn loop sends,
 * traces, charges and checkpoints.
 *
 * Token counts here are estimates: bytes / 4, what the providers' own
 * rules of thumb give for English and code.
 *
 * Threads: a conversation belongs to one thread (message.h).
 */
#ifndef CLAW_FLOW_COMPACT_H
#define CLAW_FLOW_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "llm/message.h"

#define CLAW_COMPACT_AT_PCT 80        /* of the context: compact before passing it */
#define CLAW_COMPACT_KEEP_TURNS 2     /* turns kept whole after the summary */
#define CLAW_COMPACT_RESULT_CLIP 4000 /* bytes of one tool result or input in the transcript */
#define CLAW_COMPACT_EVERY 4          /* turns at least between two compactions (not refusals) */
#define CLAW_COMPACT_TRANSCRIPT_MAX (400u << 10) /* bytes, when the context is unknown */
#define CLAW_COMPACT_SUMMARY_TOKENS 4096         /* output tokens asked for the summary */

/* Estimated tokens of a request: its system prompt, tool specs and
 * messages, bytes / 4. */
int64_t claw_compact_estimate(const struct claw_llm_request *req);

/* Where the kept turns of conv start: the index of the assistant message
 * CLAW_COMPACT_KEEP_TURNS turns from the end; 0 when compaction would not
 * shrink conv (nothing between the first message and the kept turns). */
size_t claw_compact_keep_from(const struct claw_llm_conv *conv);

/* The summary request's one user message: messages [0, keep_from) of conv
 * as a transcript (tool inputs and results clipped at CLAW_COMPACT_RESULT_CLIP; when
 * over max_bytes, the oldest messages after the first are left out, said
 * so), then what the summary must hold.  Appends to out. */
void claw_compact_prompt(struct claw_buf *out, const struct claw_llm_conv *conv, size_t keep_from,
			 size_t max_bytes);

/* Rebuilds conv: the first message with summary (borrowed, copied) added
 * as a text block in place of any earlier compaction's, then messages
 * keep_from.. unchanged.  Its checkpoint mark becomes 0 (the next
 * checkpoint writes it whole). */
void claw_compact_apply(struct claw_llm_conv *conv, size_t keep_from, const char *summary);

#endif
