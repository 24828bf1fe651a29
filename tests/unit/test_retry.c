/*
 * test_retry — failure classes from realistic provider error bodies, the
 * backoff schedule and Retry-After parsing.
 */
#include <stdio.h>
#include <string.h>

#include "llm/retry.h"
#include "tap.h"

struct sample {
	const char *who;
	long status;
	const char *body;
	enum claw_retry_class want;
	const char *msg; /* expected in the cleaned message */
};

/* Bodies as the providers send them. */
static const struct sample samples[] = {
	{"anthropic 429", 429,
	 "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of "
	 "request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/"
	 "api/rate-limits); see the response headers for current usage.\"}}",
	 CLAW_RETRY_RATE_LIMIT, "Number of request tokens"},
	{"anthropic 529", 529,
	 "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}"
	 "}",
	 CLAW_RETRY_OVERLOADED, "Overloaded"},
	{"anthropic overloaded as 503", 503,
	 "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}"
	 "}",
	 CLAW_RETRY_OVERLOADED, "Overloaded"},
	{"anthropic context", 400,
	 "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt "
	 "is too long: 215304 tokens > 200000 maximum\"}}",
	 CLAW_RETRY_CONTEXT, "prompt is too long: 215304 tokens"},
	{"anthropic credit", 400,
	 "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your "
	 "credit balance is too low to access the Anthropic API. Please go to Plans & Billing to "
	 "upgrade or purchase credits.\"}}",
	 CLAW_RETRY_QUOTA, "credit balance is too low"},
	{"anthropic 401", 401,
	 "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid "
	 "x-api-key\"},\"request_id\":\"req_011\"}",
	 CLAW_RETRY_AUTH, "invalid x-api-key"},
	{"anthropic 403", 403,
	 "{\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Your API key "
	 "does not have permission to use the specified resource.\"}}",
	 CLAW_RETRY_AUTH, "does not have permission"},
	{"anthropic 404", 404,
	 "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: "
	 "claude-nope\"}}",
	 CLAW_RETRY_BAD_REQUEST, "model: claude-nope"},
	{"anthropic 413", 413,
	 "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"Request "
	 "exceeds the maximum allowed number of bytes.\"}}",
	 CLAW_RETRY_BAD_REQUEST, "Request exceeds"},
	{"anthropic 500", 500,
	 "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server "
	 "error\"}}",
	 CLAW_RETRY_SERVER, "Internal server error"},
	{"openai quota", 429,
	 "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and "
	 "billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":"
	 "\"insufficient_quota\"}}",
	 CLAW_RETRY_QUOTA, "You exceeded your current quota"},
	{"openai rate", 429,
	 "{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization org-x on tokens "
	 "per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s.\","
	 "\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
	 CLAW_RETRY_RATE_LIMIT, "Rate limit reached"},
	{"openai context", 400,
	 "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens. "
	 "However, your messages resulted in 130512 tokens. Please reduce the length of the "
	 "messages.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":"
	 "\"context_length_exceeded\"}}",
	 CLAW_RETRY_CONTEXT, "maximum context length"},
	{"anthropic input and max_tokens over the context", 400,
	 "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":"
	 "\"input length and `max_tokens` exceed context limit: 187000 + 24384 > 200000, decrease "
	 "input length or `max_tokens` and try again\"}}",
	 CLAW_RETRY_CONTEXT, "exceed context limit"},
	{"openai 401", 401,
	 "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc***xyz. You can find your "
	 "API key at https://platform.openai.com/account/api-keys.\",\"type\":"
	 "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
	 CLAW_RETRY_AUTH, "Incorrect API key"},
	{"openai 404 model", 404,
	 "{\"error\":{\"message\":\"The model `gpt-9` does not exist or you do not have access "
	 "to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":"
	 "\"model_not_found\"}}",
	 CLAW_RETRY_BAD_REQUEST, "The model `gpt-9` does not exist"},
	{"openai 503", 503,
	 "{\"error\":{\"message\":\"The engine is currently overloaded, please try again later\","
	 "\"type\":\"server_error\",\"param\":null,\"code\":null}}",
	 CLAW_RETRY_SERVER, "currently overloaded"},
	{"openrouter 402", 402,
	 "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using "
	 "https://openrouter.ai/settings/credits\"}}",
	 CLAW_RETRY_QUOTA, "Insufficient credits"},
	{"openrouter error in a 200", 200,
	 "{\"error\":{\"code\":429,\"message\":\"Provider returned error\"}}",
	 CLAW_RETRY_RATE_LIMIT, "Provider returned error"},
	{"deepseek 422", 422,
	 "{\"error\":{\"message\":\"Invalid parameters\",\"type\":\"invalid_request_error\"}}",
	 CLAW_RETRY_BAD_REQUEST, "Invalid parameters"},
	{"ollama 404", 404, "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}",
	 CLAW_RETRY_BAD_REQUEST, "model \"llama9\" not found"},
	{"llama.cpp context", 400,
	 "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size,"
	 " try increasing it\",\"type\":\"exceed_context_size_error\"}}",
	 CLAW_RETRY_CONTEXT, "exceeds the available context size"},
	{"vllm detail", 400, "{\"detail\":\"Not allowed\"}", CLAW_RETRY_BAD_REQUEST, "Not allowed"},
	{"nginx 502 page", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>",
	 CLAW_RETRY_SERVER, ""},
	{"plain text 500", 500, "upstream connect error\r\nor disconnect", CLAW_RETRY_SERVER,
	 "upstream connect error or disconnect"},
	{"408", 408, "", CLAW_RETRY_TRANSPORT, ""},
	{"empty 504", 504, "", CLAW_RETRY_SERVER, ""},
	{"405", 405, "", CLAW_RETRY_BAD_REQUEST, ""},
};

static void
test_classify(void)
{
	char msg[CLAW_RETRY_MSG_MAX + 1];
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		const struct sample *s = &samples[i];
		enum claw_retry_class c =
			claw_retry_classify(s->status, s->body, strlen(s->body), msg, sizeof msg);
		if (!is_str(claw_retry_class_name(c), claw_retry_class_name(s->want), "%s: class",
			    s->who))
			tap_diag("message: %s", msg);
		if (s->msg[0] != '\0')
			has_str(msg, s->msg, "%s: message", s->who);
		else
			is_str(msg, "", "%s: no message", s->who);
	}

	/* Long messages are clipped on a character boundary, control
	 * characters flattened. */
	char body[2000];
	size_t at = 0;
	at += (size_t)snprintf(body, sizeof body, "{\"error\":{\"message\":\"");
	for (int i = 0; i < 200; i++) {
		memcpy(body + at, "\xc3\xa9\\n", 4); /* é then an escaped newline */
		at += 4;
	}
	at += (size_t)snprintf(body + at, sizeof body - at, "\"}}");
	claw_retry_classify(500, body, at, msg, sizeof msg);
	ok(strlen(msg) <= CLAW_RETRY_MSG_MAX, "clipped to the cap");
	ok(strstr(msg, "\n") == NULL, "no newline left");
	has_str(msg, "...", "clipping is marked");
	char small[16];
	claw_retry_classify(500, body, at, small, sizeof small);
	ok(strlen(small) < sizeof small, "a small buffer is respected");
	claw_retry_classify(500, NULL, 0, small, sizeof small);
	is_str(small, "", "no body: empty message");
	/* Bytes dropped as invalid UTF-8 leave no double or trailing space
	 * (found by fuzz_reply). */
	static const char bad[] = "upstream \x01\x02 \xff error \xe2\x82";
	claw_retry_classify(502, bad, sizeof bad - 1, msg, sizeof msg);
	is_str(msg, "upstream error", "invalid UTF-8 dropped cleanly");
}

static void
test_names(void)
{
	ok(claw_retry_transient(CLAW_RETRY_TRANSPORT), "transport is transient");
	ok(claw_retry_transient(CLAW_RETRY_OVERLOADED), "overloaded is transient");
	ok(claw_retry_transient(CLAW_RETRY_SERVER), "server error is transient");
	ok(claw_retry_transient(CLAW_RETRY_RATE_LIMIT), "rate limit is transient");
	ok(!claw_retry_transient(CLAW_RETRY_CONTEXT), "context length is not");
	ok(!claw_retry_transient(CLAW_RETRY_QUOTA), "quota is not");
	ok(!claw_retry_transient(CLAW_RETRY_AUTH), "auth is not");
	ok(!claw_retry_transient(CLAW_RETRY_BAD_REQUEST), "bad request is not");
	ok(!claw_retry_transient(CLAW_RETRY_NONE), "none is not");
	is_str(claw_retry_class_name(CLAW_RETRY_CONTEXT), "context_length", "name");
	is_str(claw_retry_class_phrase(CLAW_RETRY_RATE_LIMIT), "rate limited", "phrase");
	is_str(claw_retry_class_name((enum claw_retry_class)99), "unknown", "out of range");
}

static void
test_backoff(void)
{
	struct claw_retry_policy p = CLAW_RETRY_POLICY_DEFAULT;
	is_int(claw_retry_wait_ms(&p, 1, -1, 0), 500, "first wait 500 ms");
	is_int(claw_retry_wait_ms(&p, 2, -1, 0), 1000, "then 1 s");
	is_int(claw_retry_wait_ms(&p, 3, -1, 0), 2000, "then 2 s");
	is_int(claw_retry_wait_ms(&p, 4, -1, 0), -1, "four attempts: give up");
	is_int(claw_retry_wait_ms(&p, 0, -1, 0), -1, "nothing failed: no wait");
	is_int(claw_retry_wait_ms(&p, 1, -1, 125), 625, "jitter up to 25 %%");
	is_int(claw_retry_wait_ms(&p, 1, -1, 126), 500, "jitter wraps within the spread");
	for (uint64_t r = 0; r < 1000; r += 7) {
		int64_t w = claw_retry_wait_ms(&p, 2, -1, r * 2654435761u);
		if (w < 1000 || w > 1250) {
			ok(false, "jitter out of range: %lld", (long long)w);
			break;
		}
	}
	is_int(claw_retry_wait_ms(&p, 1, 3000, 0), 3000, "retry-after is a lower bound");
	is_int(claw_retry_wait_ms(&p, 3, 1000, 0), 2000, "backoff above retry-after wins");
	is_int(claw_retry_wait_ms(&p, 1, 60000, 0), 60000, "retry-after of 60 s is honoured");
	is_int(claw_retry_wait_ms(&p, 1, 60001, 0), -1, "retry-after over 60 s gives up");
	struct claw_retry_policy many = {12, 500, 30000, 0, 60000};
	is_int(claw_retry_wait_ms(&many, 7, -1, 0), 30000, "capped at 30 s");
	is_int(claw_retry_wait_ms(&many, 11, -1, 0), 30000, "stays capped");
}

static void
test_retry_after(void)
{
	is_int(claw_retry_after_parse("20", 0), 20000, "seconds");
	is_int(claw_retry_after_parse(" 3 ", 0), 3000, "spaces");
	is_int(claw_retry_after_parse("1.5", 0), 1500, "fractional seconds");
	is_int(claw_retry_after_parse("0", 0), 0, "zero");
	is_int(claw_retry_after_parse("abc", 0), -1, "garbage");
	is_int(claw_retry_after_parse("", 0), -1, "empty");
	is_int(claw_retry_after_parse("-5", 0), -1, "negative");
	is_int(claw_retry_after_parse("1.x", 0), -1, "bad fraction");
	/* 2015-10-21T07:28:00Z is 1445412480 s. */
	int64_t date = INT64_C(1445412480) * 1000;
	is_int(claw_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", date - 5000), 5000,
	       "HTTP-date in 5 s");
	is_int(claw_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", date + 5000), 0,
	       "HTTP-date in the past: now");
	/* Far in the future: clamped to a year.  The first overflowed t * 1000
	 * (found by fuzz_retry_after; UBSan aborted). */
	is_int(claw_retry_after_parse("d2Oct0999999999", date), CLAW_RETRY_AFTER_MAX_MS,
	       "HTTP-date in an absurd year: clamped");
	is_int(claw_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", 0), CLAW_RETRY_AFTER_MAX_MS,
	       "HTTP-date 45 years ahead: clamped");
	is_int(claw_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", INT64_MIN),
	       CLAW_RETRY_AFTER_MAX_MS, "now at the far past: clamped, no overflow");
	is_int(claw_retry_after_parse("31536000", 0), CLAW_RETRY_AFTER_MAX_MS, "a year of seconds");
	is_int(claw_retry_after_parse("31536000.5", 0), CLAW_RETRY_AFTER_MAX_MS,
	       "a year and a fraction: clamped");
	is_int(claw_retry_after_parse("31536001", 0), CLAW_RETRY_AFTER_MAX_MS,
	       "over a year of seconds: clamped");
	is_int(claw_retry_after_parse("99999999999999999999999", 0), CLAW_RETRY_AFTER_MAX_MS,
	       "seconds past int64: clamped");
	is_int(claw_retry_after_parse("12a", 0), -1, "digits then garbage");
}

int
main(void)
{
	test_classify();
	test_names();
	test_backoff();
	test_retry_after();
	return tap_done();
}
