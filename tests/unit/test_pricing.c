/*
 * test_pricing — the built-in price table, overlays from a file, lookups by
 * longest prefix, and the cost of a reply.
 */
#include <stdio.h>
#include <string.h>

#include "llm/pricing.h"
#include "tap.h"

static void
price_is(const struct claw_pricing *p, const char *model, double in, double cached, double out,
	 const char *prefix)
{
	const char *got = NULL;
	struct claw_price x = claw_pricing_lookup(p, model, &got);
	ok(x.input == in && x.cached == cached && x.output == out, "%s: %g/%g/%g", model, in,
	   cached, out);
	if (x.input != in || x.cached != cached || x.output != out)
		tap_diag("got %g/%g/%g", x.input, x.cached, x.output);
	is_str(got, prefix, "%s: matched prefix", model ? model : "(null)");
}

static void
test_builtin(void)
{
	const struct claw_pricing *p = claw_pricing_builtin();
	ok(p != NULL && p == claw_pricing_builtin(), "built once");
	price_is(p, "claude-sonnet-4-5-20250929", 3, 0.3, 15, "claude-sonnet-4");
	price_is(p, "claude-opus-4-5-20251101", 5, 0.5, 25, "claude-opus-4-5");
	price_is(p, "claude-opus-4-1-20250805", 15, 1.5, 75, "claude-opus-4");
	price_is(p, "claude-haiku-4-5", 1, 0.1, 5, "claude-haiku-4");
	price_is(p, "claude-3-5-haiku-latest", 0.8, 0.08, 4, "claude-3-5-haiku");
	price_is(p, "gpt-4o-mini-2024-07-18", 0.15, 0.075, 0.6, "gpt-4o-mini");
	price_is(p, "gpt-4o", 2.5, 1.25, 10, "gpt-4o");
	price_is(p, "gpt-4.1-nano", 0.1, 0.025, 0.4, "gpt-4.1-nano");
	price_is(p, "gpt-4-turbo", 10, 10, 30, "gpt-4-turbo");
	price_is(p, "o3-mini", 1.1, 0.55, 4.4, "o3-mini");
	price_is(p, "o3", 2, 0.5, 8, "o3");
	price_is(p, "deepseek-chat", 0.27, 0.07, 1.1, "deepseek-chat");
	price_is(p, "anthropic/claude-sonnet-4.5", 3, 0.3, 15, "claude-sonnet-4");
	price_is(p, "openai/gpt-4o", 2.5, 1.25, 10, "gpt-4o");
	price_is(p, "llama3.1:8b", 3, 0.3, 15, "");
	price_is(p, NULL, 3, 0.3, 15, "");
}

static void
test_cost(void)
{
	const struct claw_pricing *p = claw_pricing_builtin();
	struct claw_llm_usage u = {1000000, 100000, 200000, 0, 0};
	/* 800k x $3 + 200k x $0.3 + 100k x $15 per Mtok = $3.96. */
	is_int(claw_pricing_cost_micros(p, "claude-sonnet-4-5", &u), 3960000, "sonnet cost");
	u = (struct claw_llm_usage){1200, 55, 0, 0, 0};
	/* 1200 x 2.5 + 55 x 10 = 3550 micro-USD. */
	is_int(claw_pricing_cost_micros(p, "gpt-4o", &u), 3550, "gpt-4o cost");
	u = (struct claw_llm_usage){3, 1, 0, 0, 0};
	/* 3 x 0.15 + 1 x 0.6 = 1.05, rounded. */
	is_int(claw_pricing_cost_micros(p, "gpt-4o-mini", &u), 1, "rounded to a micro");
	u = (struct claw_llm_usage){100, 0, 500, 0, 0};
	is_int(claw_pricing_cost_micros(p, "claude-sonnet-4", &u), 30, "cached over in: clamped");
	u = (struct claw_llm_usage){-5, -1, -1, 0, 0};
	is_int(claw_pricing_cost_micros(p, "gpt-4o", &u), 0, "negative counts: nothing");
	/* A provider's absurd counts saturate; llround past int64 gave a
	 * negative cost (found by fuzz_pricing). */
	u = (struct claw_llm_usage){INT64_MAX, INT64_MAX, 0, 0, 0};
	is_int(claw_pricing_cost_micros(p, "claude-sonnet-4-5", &u), INT64_MAX,
	       "absurd counts: saturated, not negative");
	/* 3000 fresh x $3 + 2000 read x $0.3 + 4000 written (5 min) x $3.75 +
	 * 1000 written (1 h) x $6 + 100 out x $15. */
	u = (struct claw_llm_usage){10000, 100, 2000, 5000, 1000};
	is_int(claw_pricing_cost_micros(p, "claude-sonnet-4-5", &u), 32100,
	       "cache writes at their 5-minute and 1-hour prices");
	u = (struct claw_llm_usage){1000, 0, 800, 900, 2000};
	/* Writes beyond what was not read are clamped: 200 x $3.75 + 800 x $0.3. */
	is_int(claw_pricing_cost_micros(p, "claude-sonnet-4-5", &u), 0 * 3 + 240 + 0 + 200 * 6,
	       "writes clamped to the unread tokens, 1-hour ones to the writes");
	u = (struct claw_llm_usage){10000, 0, 0, 5000, 0};
	/* OpenAI rows price writes as input. */
	is_int(claw_pricing_cost_micros(p, "gpt-4o", &u), 25000, "no write surcharge for gpt-4o");
}

static void
test_context(void)
{
	const struct claw_pricing *p = claw_pricing_builtin();
	struct claw_pricing *q = NULL;
	struct claw_error err;
	static const char file[] = "{\"models\": [{\"prefix\": \"llama\", \"input\": 0,"
				   " \"output\": 0, \"context\": 32768}]}";
	is_int(claw_pricing_lookup(p, "claude-sonnet-4-5", NULL).context, 200000, "sonnet context");
	is_int(claw_pricing_lookup(p, "gpt-4.1-mini", NULL).context, 1047576, "gpt-4.1 context");
	is_int(claw_pricing_lookup(p, "mystery", NULL).context, 0,
	       "unknown model: unknown context");
	ok(claw_pricing_lookup(p, "claude-haiku-4-5", NULL).cache_write == 1.25 &&
		   claw_pricing_lookup(p, "claude-haiku-4-5", NULL).cache_write_1h == 2,
	   "haiku writes 1.25x and 2x input");
	ok(claw_pricing_lookup(p, "gpt-5", NULL).cache_write == 1.25, "gpt-5 writes at input");
	is_int(claw_pricing_parse(file, strlen(file), &q, &err), CLAW_OK, "a row with a context");
	is_int(claw_pricing_lookup(q, "llama3.1:8b", NULL).context, 32768, "its context");
	claw_pricing_free(q);
}

static const char overlay[] =
	"{\"models\": ["
	"{\"prefix\": \"llama\", \"input\": 0, \"output\": 0},"
	"{\"prefix\": \"gpt-4o\", \"input\": 2, \"cached\": 1, \"output\": 8},"
	"{\"prefix\": \"claude-sonnet-4-5-x\", \"input\": 1, \"output\": 2}"
	"], \"default\": {\"input\": 1, \"output\": 4}}";

static void
test_overlay(void)
{
	struct claw_pricing *p = NULL;
	struct claw_error err;
	is_int(claw_pricing_parse(overlay, strlen(overlay), &p, &err), CLAW_OK, "overlay parses");
	price_is(p, "llama3.1", 0, 0, 0, "llama");
	price_is(p, "gpt-4o", 2, 1, 8, "gpt-4o");
	price_is(p, "gpt-4o-mini", 0.15, 0.075, 0.6, "gpt-4o-mini");
	price_is(p, "claude-sonnet-4-5-x1", 1, 1, 2, "claude-sonnet-4-5-x");
	price_is(p, "claude-sonnet-4-5", 3, 0.3, 15, "claude-sonnet-4");
	price_is(p, "mystery", 1, 1, 4, "");
	claw_pricing_free(p);
	price_is(claw_pricing_builtin(), "gpt-4o", 2.5, 1.25, 10, "gpt-4o");
}

static void
refused(const char *text, const char *msg)
{
	struct claw_pricing *p = (struct claw_pricing *)1;
	struct claw_error err;
	claw_error_clear(&err);
	is_int(claw_pricing_parse(text, strlen(text), &p, &err), CLAW_EINVAL, "refused: %s", text);
	ok(p == NULL, "no table");
	has_str(err.msg, msg, "message: %s", msg);
}

static void
test_errors(void)
{
	refused("[]", "expected a JSON object");
	refused("{\"model\": []}", "price table: unknown field \"model\"");
	refused("{\"models\": {}}", "field \"models\" must be an array");
	refused("{\"models\": [{\"prefix\": \"x\", \"input\": -1, \"output\": 1}]}",
		"models[0]: field \"input\" must be a number from 0 to 10000");
	refused("{\"models\": [{\"prefix\": \"x\", \"input\": 1}]}",
		"models[0]: missing field \"output\"");
	refused("{\"models\": [{\"prefix\": \"\", \"input\": 1, \"output\": 1}]}",
		"models[0]: field \"prefix\" must be a non-empty string");
	refused("{\"models\": [{\"prefix\": \"x\", \"input\": 1, \"output\": 1, \"cache\": 1}]}",
		"models[0]: unknown field \"cache\"");
	refused("{\"models\": [7]}", "models[0]: expected an object");
	refused("{\"default\": {\"prefix\": \"x\", \"input\": 1, \"output\": 1}}",
		"default: unknown field \"prefix\"");
	refused("{\"default\": {\"input\": \"1\", \"output\": 1}}",
		"default: field \"input\" must be a number");
	refused("{", "invalid JSON");
	refused("{\"models\": [{\"prefix\": \"x\", \"input\": 1, \"output\": 1, \"context\": "
		"1.5}]}",
		"models[0]: field \"context\" must be an integer from 0 to 100000000 tokens");
	refused("{\"models\": [{\"prefix\": \"x\", \"input\": 1, \"output\": 1, \"cache_write\": "
		"-2}]}",
		"models[0]: field \"cache_write\" must be a number from 0 to 10000");
}

static void
test_load(void)
{
	struct claw_pricing *p = NULL;
	struct claw_error err;
	char path[4096];

	is_int(claw_pricing_load(NULL, &p, &err), CLAW_OK, "no file: built-in copy");
	price_is(p, "gpt-4o", 2.5, 1.25, 10, "gpt-4o");
	claw_pricing_free(p);

	(void)snprintf(path, sizeof path, "%s/prices.json", tap_tmpdir());
	FILE *f = fopen(path, "w");
	fputs(overlay, f);
	fclose(f);
	is_int(claw_pricing_load(path, &p, &err), CLAW_OK, "file loads");
	price_is(p, "llama3", 0, 0, 0, "llama");
	claw_pricing_free(p);

	f = fopen(path, "w");
	fputs("{\"models\": 1}", f);
	fclose(f);
	is_int(claw_pricing_load(path, &p, &err), CLAW_EINVAL, "bad file refused");
	has_str(err.msg, "prices.json: field \"models\"", "message names the file");

	(void)snprintf(path, sizeof path, "%s/absent.json", tap_tmpdir());
	is_int(claw_pricing_load(path, &p, &err), CLAW_EIO, "missing file");
	has_str(err.msg, "absent.json: No such file", "says so");

	(void)snprintf(path, sizeof path, "%s/big.json", tap_tmpdir());
	f = fopen(path, "w");
	for (unsigned i = 0; i < CLAW_PRICING_FILE_MAX / 8 + 1; i++)
		fputs("        ", f);
	fclose(f);
	is_int(claw_pricing_load(path, &p, &err), CLAW_ETOOBIG, "file over the cap");
}

int
main(void)
{
	test_builtin();
	test_cost();
	test_context();
	test_overlay();
	test_errors();
	test_load();
	return tap_done();
}
