/*
 * fuzz_reply — libFuzzer target for a model's HTTP answer: the Anthropic
 * and OpenAI reply bodies (claw_anthropic_parse, src/llm/anthropic.c;
 * claw_openai_parse, src/llm/openai.c) and the classification of error
 * bodies (claw_retry_classify, src/llm/retry.c), the way client.c uses
 * them.
 *
 * Input: two bytes, then the body.  Byte 0 bit 0 picks the backend
 * (OpenAI when set); bytes 0..1 pick the HTTP status (100..599; 200 for
 * half of the inputs).  Properties:
 *   - parse: a message or an error with a message, never both; token
 *     counts >= 0; every tool_use has an object input, and a refused one
 *     says why; the cost by the built-in table is >= 0;
 *   - the reply, put in a conversation, round-trips through the checkpoint
 *     JSON (stable second time) and builds requests for both backends
 *     that are valid UTF-8 JSON;
 *   - classify: a class in range; the provider's message is clean (no
 *     control characters, no double or edge spaces), valid UTF-8 and at
 *     most CLAW_RETRY_MSG_MAX bytes; transient classes are the documented
 *     ones.
 * Seeds in tests/fuzz/seeds/reply, words in reply.dict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/str.h"
#include "fuzz.h"
#include "llm/anthropic.h"
#include "llm/message.h"
#include "llm/openai.h"
#include "llm/pricing.h"
#include "llm/retry.h"

static void
check_conv(struct claw_llm_msg *reply)
{
	struct claw_llm_conv *c = claw_llm_conv_new(), *again = NULL;
	struct claw_buf a = CLAW_BUF_INIT(CLAW_LLM_REQUEST_MAX);
	struct claw_buf b = CLAW_BUF_INIT(CLAW_LLM_REQUEST_MAX);
	struct claw_error err = {0};
	static const struct claw_llm_tool tools[] = {
		{"bash", "run", "{\"type\":\"object\"}"},
	};
	struct claw_llm_request req = {
		.model = "m",
		.system = "sys",
		.conv = c,
		.tools = tools,
		.n_tools = 1,
		.cache = true,
		.cache_key = "claw-1-step",
	};

	claw_llm_conv_add_user_text(c, "go");
	claw_llm_conv_push(c, reply);
	fuzz_check(claw_llm_messages_to_json(c, &a) == CLAW_OK, "checkpoint of a reply");
	fuzz_check(fuzz_json_valid(claw_buf_str(&a), claw_buf_len(&a)),
		   "checkpoint is not UTF-8 JSON");
	fuzz_check(claw_llm_messages_from_json(claw_buf_str(&a), claw_buf_len(&a), &again, &err) ==
			   CLAW_OK,
		   "checkpoint of a reply does not read back");
	fuzz_check(claw_llm_messages_to_json(again, &b) == CLAW_OK, "second checkpoint");
	fuzz_check(strcmp(claw_buf_str(&a), claw_buf_str(&b)) == 0, "checkpoint not stable");
	fuzz_check_requests(&req, &b);
	claw_llm_conv_free(again);
	claw_llm_conv_free(c);
	claw_buf_free(&a);
	claw_buf_free(&b);
}

static void
check_parse(bool openai, const char *body, size_t len)
{
	struct claw_llm_response resp;
	struct claw_error err = {0};
	enum claw_err rc;

	claw_llm_response_init(&resp);
	rc = openai ? claw_openai_parse(body, len, &resp, &err)
		    : claw_anthropic_parse(body, len, &resp, &err);
	if (rc != CLAW_OK) {
		fuzz_check(resp.msg == NULL, "an error and a message");
		fuzz_check(err.msg[0] != '\0', "an error without a message");
		fuzz_check(rc == CLAW_EINVAL || rc == CLAW_EBACKEND, "error code");
		claw_llm_response_clear(&resp);
		return;
	}
	fuzz_check(resp.msg != NULL, "no message and no error");
	fuzz_check(claw_llm_msg_role(resp.msg) == CLAW_LLM_ASSISTANT, "reply is not assistant");
	fuzz_check(resp.usage.in >= 0 && resp.usage.out >= 0 && resp.usage.cached >= 0,
		   "negative token count");
	fuzz_check(resp.cost_micros >= 0, "negative provider cost");
	fuzz_check(memchr(resp.stop_raw, '\0', sizeof resp.stop_raw) != NULL, "stop_raw unended");
	for (size_t i = 0; i < claw_llm_msg_count(resp.msg); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(resp.msg, i);
		if (b->type == CLAW_LLM_TOOL_USE) {
			fuzz_check(b->id != NULL && b->name != NULL, "tool_use without id or name");
			fuzz_check(json_object_is_type(b->input, json_type_object),
				   "tool_use input is not an object");
			fuzz_check(b->input_raw == NULL || b->input_error != NULL,
				   "refused tool_use without a reason");
		} else {
			fuzz_check(b->text != NULL &&
					   (b->type == CLAW_LLM_TEXT ||
					    b->type == CLAW_LLM_REDACTED_THINKING ||
					    (b->type == CLAW_LLM_THINKING && b->signature != NULL)),
				   "bad reply block");
		}
	}
	int64_t cost = claw_pricing_cost_micros(claw_pricing_builtin(), resp.model, &resp.usage);
	fuzz_check(cost >= 0, "negative cost of a reply");
	check_conv(claw_llm_response_take(&resp));
	claw_llm_response_clear(&resp);
}

static void
check_classify(long status, const char *body, size_t len)
{
	char msg[CLAW_RETRY_MSG_MAX + 1];
	enum claw_retry_class c = claw_retry_classify(status, body, len, msg, sizeof msg);
	size_t n = strlen(msg);

	fuzz_check(c > CLAW_RETRY_NONE && c < CLAW_RETRY_CLASS_COUNT, "class out of range");
	fuzz_check(n <= CLAW_RETRY_MSG_MAX, "message too long");
	fuzz_check(claw_str_utf8_valid(msg, n), "message is not UTF-8");
	for (size_t i = 0; i < n; i++)
		fuzz_check((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f, "control character");
	fuzz_check(n == 0 || (msg[0] != ' ' && msg[n - 1] != ' '), "edge space");
	fuzz_check(strstr(msg, "  ") == NULL, "double space");
	fuzz_check(claw_retry_class_name(c) != NULL && claw_retry_class_phrase(c) != NULL, "names");
	/* The documented order: context, quota, overloaded, rate limit, auth. */
	if (status == 429)
		fuzz_check(c == CLAW_RETRY_RATE_LIMIT || c == CLAW_RETRY_CONTEXT ||
				   c == CLAW_RETRY_QUOTA || c == CLAW_RETRY_OVERLOADED,
			   "429 is not rate limited");
	if (status == 401 || status == 403)
		fuzz_check(c == CLAW_RETRY_AUTH || c == CLAW_RETRY_CONTEXT ||
				   c == CLAW_RETRY_OVERLOADED || c == CLAW_RETRY_RATE_LIMIT,
			   "401 is not auth");
	/* A tiny buffer still gets a terminated message. */
	char small[4];
	(void)claw_retry_classify(status, body, len, small, sizeof small);
	fuzz_check(strlen(small) < sizeof small, "small buffer overrun");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool openai = false;
	long status = 200;

	if (size >= 2) {
		openai = (data[0] & 1) != 0;
		if (data[0] & 2)
			status = 100 + (long)(((data[0] >> 2) | (data[1] << 6)) % 500);
		data += 2;
		size -= 2;
	}
	if (status >= 200 && status < 300)
		check_parse(openai, (const char *)data, size);
	check_classify(status, (const char *)data, size);
	return 0;
}
