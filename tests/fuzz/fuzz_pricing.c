/*
 * fuzz_pricing — libFuzzer target for the price file (CLAW_PRICING_FILE:
 * claw_pricing_parse, src/llm/pricing.c) and the costs computed from it.
 *
 * Input: the JSON document.  Properties: a table or an error with a
 * message, never both; on success every row of the file (the last one of
 * a prefix) is found again by its own prefix with its own prices, "cached"
 * defaulting to "input"; a "default" row is what an unknown model costs;
 * every price is within 0..10000; a reply's cost is never negative and
 * does not fall when a reply uses more tokens, even for token counts a
 * provider could send that are absurd (up to INT64_MAX).
 * Seeds in tests/fuzz/seeds/pricing, words in pricing.dict.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "llm/pricing.h"

static bool
price_eq(struct claw_price a, struct claw_price b)
{
	return a.input == b.input && a.cached == b.cached && a.cache_write == b.cache_write &&
	       a.cache_write_1h == b.cache_write_1h && a.output == b.output &&
	       a.context == b.context;
}

static bool
price_ok(struct claw_price a)
{
	return a.input >= 0 && a.input <= 10000 && a.cached >= 0 && a.cached <= 10000 &&
	       a.cache_write >= 0 && a.cache_write <= 10000 && a.cache_write_1h >= 0 &&
	       a.cache_write_1h <= 10000 && a.output >= 0 && a.output <= 10000 && a.context >= 0 &&
	       a.context <= CLAW_PRICING_CONTEXT_MAX;
}

static struct claw_price
row_of(struct json_object *o)
{
	struct json_object *v;
	struct claw_price p = {0};
	if (json_object_object_get_ex(o, "input", &v))
		p.input = json_object_get_double(v);
	p.cached = p.cache_write = p.input;
	if (json_object_object_get_ex(o, "cached", &v))
		p.cached = json_object_get_double(v);
	if (json_object_object_get_ex(o, "cache_write", &v))
		p.cache_write = json_object_get_double(v);
	p.cache_write_1h = p.cache_write;
	if (json_object_object_get_ex(o, "cache_write_1h", &v))
		p.cache_write_1h = json_object_get_double(v);
	if (json_object_object_get_ex(o, "context", &v))
		p.context = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "output", &v))
		p.output = json_object_get_double(v);
	return p;
}

static void
check_costs(const struct claw_pricing *p, const char *model)
{
	static const struct claw_llm_usage uses[] = {
		{0, 0, 0, 0, 0},
		{1000, 100, 200, 0, 0},
		{INT64_MAX, 0, 0, 0, 0},
		{0, INT64_MAX, 0, 0, 0},
		{INT64_MAX, INT64_MAX, INT64_MAX, 0, 0},
		{INT64_MAX, 1, INT64_MAX / 2, 0, 0},
		{-5, -5, -5, 0, 0},
		{1000000000000, 1000000000000, 0, 0, 0},
		{1000, 100, 200, 300, 100},
		{INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX},
		{INT64_MAX, 1, 0, INT64_MAX, 0},
		{-5, -5, -5, -5, -5},
	};
	int64_t last = 0;
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
		int64_t c = claw_pricing_cost_micros(p, model, &uses[i]);
		fuzz_check(c >= 0, "a negative cost");
		if (i == 1)
			last = c;
	}
	struct claw_llm_usage more = {2000, 200, 200, 300, 100};
	fuzz_check(claw_pricing_cost_micros(p, model, &more) >= last, "more tokens cost less");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claw_pricing *p = NULL;
	struct claw_error err = {0};
	enum claw_err rc = claw_pricing_parse((const char *)data, size, &p, &err);

	if (rc != CLAW_OK) {
		fuzz_check(p == NULL && err.msg[0] != '\0', "an error and a table");
		return 0;
	}
	fuzz_check(p != NULL, "no table and no error");
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	struct json_object *models = NULL, *dflt = NULL;
	fuzz_check(root != NULL, "the table parsed, json-c does not");
	if (json_object_object_get_ex(root, "models", &models)) {
		size_t n = json_object_array_length(models);
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(models, i), *pv;
			fuzz_check(json_object_object_get_ex(o, "prefix", &pv),
				   "row without prefix");
			const char *prefix = json_object_get_string(pv);
			bool later = false;
			for (size_t k = i + 1; k < n && !later; k++) {
				struct json_object *q;
				json_object_object_get_ex(json_object_array_get_idx(models, k),
							  "prefix", &q);
				later = strcmp(json_object_get_string(q), prefix) == 0;
			}
			if (later || strlen(prefix) != (size_t)json_object_get_string_len(pv))
				continue;
			const char *got = NULL;
			struct claw_price pr = claw_pricing_lookup(p, prefix, &got);
			fuzz_check(got != NULL && strcmp(got, prefix) == 0,
				   "a row not found by its prefix");
			fuzz_check(price_eq(pr, row_of(o)), "a row found with other prices");
			check_costs(p, prefix);
		}
	}
	struct claw_price d = claw_pricing_lookup(p, NULL, NULL);
	fuzz_check(price_ok(d), "default price out of range");
	if (json_object_object_get_ex(root, "default", &dflt))
		fuzz_check(price_eq(d, row_of(dflt)), "default row not the file's");
	check_costs(p, NULL);
	check_costs(p, "anthropic/claude-sonnet-4-5");
	json_object_put(root);
	claw_pricing_free(p);
	return 0;
}
