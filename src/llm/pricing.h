/*
 * pricing — model prices and the cost of one reply.
 *
 * A price table maps model-id prefixes to USD per million tokens: input
 * (uncached prompt tokens), cached (prompt tokens read from the provider's
 * cache), cache_write and cache_write_1h (prompt tokens written to it, as
 * 5-minute and 1-hour entries: Anthropic bills them 1.25x and 2x input)
 * and output; and to the model's context window in tokens (0: unknown).  The longest matching
 * prefix wins; a model matching no prefix is tried again without a "vendor/" part
 * ("anthropic/claude-..." as OpenRouter names it), then gets the default row.
 *
 * claw ships a built-in table (best knowledge of list prices at the time of
 * writing; providers change them).  CLAW_PRICING_FILE names a JSON file
 * overlaid on it: its rows replace built-in rows with the same prefix and add
 * the others, and its "default" replaces the built-in default.  Format:
 *
 *   {"models": [{"prefix": "claude-sonnet-4", "input": 3, "cached": 0.3,
 *                "cache_write": 3.75, "cache_write_1h": 6, "output": 15,
 *                "context": 200000},
 *               {"prefix": "llama", "input": 0, "output": 0, "context": 32768}],
 *    "default": {"input": 3, "cached": 0.3, "output": 15}}
 *
 * "cached" and "cache_write" are optional (default: the input price),
 * "cache_write_1h" too (default: cache_write), "context" too (default 0);
 * prices are numbers from 0 to 10000; at most CLAW_PRICING_ROWS_MAX rows;
 * the file at most CLAW_PRICING_FILE_MAX bytes.  Unknown keys are refused
 * so a typo is seen.
 *
 * Cost: tokens x USD/Mtok is exactly micro-USD, so a reply costs
 * (in - cached - written) * input + cached * cached_price + written *
 * cache_write (1-hour writes at cache_write_1h) + out * output micro-USD,
 * rounded to the nearest integer.
 *
 * Threads: a table is immutable once built: share it freely between threads.
 * claw_pricing_builtin() is thread-safe.
 */
#ifndef CLAW_LLM_PRICING_H
#define CLAW_LLM_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "llm/message.h"

#define CLAW_PRICING_FILE_MAX (1u << 20)
#define CLAW_PRICING_ROWS_MAX 1000
#define CLAW_PRICING_PREFIX_MAX 200
#define CLAW_PRICING_CONTEXT_MAX INT64_C(100000000) /* 10^8 tokens */

struct claw_pricing;

/* One row: USD per million tokens, and the context window. */
struct claw_price {
	double input;
	double cached;
	double cache_write;
	double cache_write_1h;
	double output;
	int64_t context; /* tokens; 0: unknown */
};

/* The built-in table, built on first use; never freed, never NULL. */
const struct claw_pricing *claw_pricing_builtin(void);

/* The built-in table overlaid with the JSON document text[0..len) (format
 * above).  *out is new (caller frees with claw_pricing_free()); NULL on
 * failure, with CLAW_EINVAL and a message naming the place
 * (`models[2]: field "input" must be a number from 0 to 10000`). */
enum claw_err claw_pricing_parse(const char *text, size_t len, struct claw_pricing **out,
				 struct claw_error *err);

/* claw_pricing_parse() of the file at path (CLAW_ETOOBIG past
 * CLAW_PRICING_FILE_MAX, CLAW_EIO when unreadable); messages start with the
 * path.  path NULL or "" gives a copy of the built-in table. */
enum claw_err claw_pricing_load(const char *path, struct claw_pricing **out,
				struct claw_error *err);

/* NULL is a no-op; never pass the built-in table. */
void claw_pricing_free(struct claw_pricing *p);

/* The price of model (NULL or unknown: the default row).  When prefix is not
 * NULL it receives the matched prefix ("" for the default row), borrowed from
 * the table. */
struct claw_price claw_pricing_lookup(const struct claw_pricing *p, const char *model,
				      const char **prefix);

/* Cost of one reply in micro-USD (>= 0) by the table. */
int64_t claw_pricing_cost_micros(const struct claw_pricing *p, const char *model,
				 const struct claw_llm_usage *u);

#endif
