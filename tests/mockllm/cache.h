/*
 * cache — the providers' prompt-cache rules, applied by mockllm --cache to
 * every request so a test or benchmark sees the usage a real provider would
 * report (README.md, "Prompt caching").
 *
 * A request is cut into blocks in the order the provider caches them:
 * Anthropic tools, system blocks, then each message's content blocks;
 * OpenAI tools, then each message.  A block's tokens are its bytes / 4
 * (rounded up) in a canonical form without cache_control (a breakpoint
 * marks a place, it is not content).  A prefix is named by a hash chained
 * over its blocks.
 *
 * Anthropic: only prefixes ending at a cache_control breakpoint are
 * written, when at least CLAW_MOCK_CACHE_MIN tokens long; a read is the
 * longest live entry ending at a breakpoint or at one of the
 * CLAW_MOCK_CACHE_LOOKBACK block boundaries before it; writes are the
 * tokens from the read to the last breakpoint written.  At most 4
 * breakpoints (more is a 400, as the API says).  OpenAI: automatic; every
 * message boundary of at least CLAW_MOCK_CACHE_MIN tokens is written, a
 * read is the longest live one, rounded down to 128 tokens; writes are
 * free and not reported.  Entries live CLAW_MOCK_CACHE_TTL_MS after their
 * last write or read.
 *
 * Threads: one cache is shared by every connection thread; its own mutex.
 */
#ifndef CLAW_MOCKLLM_CACHE_H
#define CLAW_MOCKLLM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "scenario.h"

#define CLAW_MOCK_CACHE_MIN 1024           /* tokens of the shortest cached prefix */
#define CLAW_MOCK_CACHE_LOOKBACK 20        /* block boundaries a breakpoint looks back */
#define CLAW_MOCK_CACHE_TTL_MS (5 * 60000) /* an entry's life */
#define CLAW_MOCK_CACHE_ENTRIES 100000     /* entries kept; the oldest go first */
#define CLAW_MOCK_CACHE_BREAKPOINTS_MAX 4  /* Anthropic's limit per request */

struct claw_mock_cache;

struct claw_mock_cache *claw_mock_cache_new(void);
void claw_mock_cache_free(struct claw_mock_cache *c);

/* The usage of request body (a parsed JSON object of api's format) under
 * the cache rules, recording what it writes.  false with a provider-style
 * message in why[0..size) when the request breaks a rule (too many
 * breakpoints). */
bool claw_mock_cache_apply(struct claw_mock_cache *c, enum claw_scenario_api api,
			   struct json_object *body, struct claw_scenario_usage *out, char *why,
			   size_t size);

#endif
