/*
 * fuzz_checkpoint — libFuzzer target for the exchange checkpoint read back
 * when a run resumes (claw_llm_messages_from_json, src/llm/message.c; the
 * text comes from src/store/state.c's exchange table) and the run#N handles
 * a model writes (claw_history_parse_handle, src/tool/history.c).
 *
 * Input: the checkpoint JSON.  Properties: a conversation or an error with
 * a message, never both; every block keeps its contract (text and results
 * have text, a tool_use has id, name and an object input); writing it
 * back gives valid UTF-8 JSON that reads back to the same JSON; the
 * backends build requests from it that are valid UTF-8 JSON.  The same
 * bytes as a handle: a number >= 1 or an error; a parsed handle, written
 * as "[run#N]", parses to the same number, and a history finds it.
 * Seeds in tests/fuzz/seeds/checkpoint, words in checkpoint.dict.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "fuzz.h"
#include "llm/anthropic.h"
#include "llm/message.h"
#include "llm/openai.h"
#include "tool/history.h"

static void
check_handle(const uint8_t *data, size_t size)
{
	struct claw_error err = {0};
	char *s = fuzz_cstr(data, size < 64 ? size : 64);
	int64_t n = 0, m = 0;
	char again[48];

	if (claw_history_parse_handle(s, &n, &err) != CLAW_OK) {
		fuzz_check(err.msg[0] != '\0', "handle error without a message");
		free(s);
		return;
	}
	fuzz_check(n >= 1, "handle below 1");
	(void)snprintf(again, sizeof again, " [run#%" PRId64 "] ", n);
	fuzz_check(claw_history_parse_handle(again, &m, &err) == CLAW_OK && m == n,
		   "handle written back reads differently");
	if (n <= 3) {
		struct claw_history *h = claw_history_new(1);
		struct claw_history_entry e;
		for (int i = 1; i <= 3; i++)
			(void)claw_history_add(h, "bash", "{}", "out", false);
		fuzz_check(claw_history_get(h, n, &e, &err) == CLAW_OK &&
				   strcmp(e.text, "out") == 0,
			   "history does not find a handle it gave");
		claw_history_free(h);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claw_llm_conv *c = NULL, *again = NULL;
	struct claw_error err = {0};
	struct claw_buf a = CLAW_BUF_INIT(CLAW_LLM_REQUEST_MAX);
	struct claw_buf b = CLAW_BUF_INIT(CLAW_LLM_REQUEST_MAX);
	enum claw_err rc;

	check_handle(data, size);
	rc = claw_llm_messages_from_json((const char *)data, size, &c, &err);
	if (rc != CLAW_OK) {
		fuzz_check(c == NULL && err.msg[0] != '\0', "an error and a conversation");
		goto out;
	}
	fuzz_check(c != NULL, "no conversation and no error");
	for (size_t i = 0; i < claw_llm_conv_len(c); i++) {
		const struct claw_llm_msg *m = claw_llm_conv_at(c, i);
		for (size_t k = 0; k < claw_llm_msg_count(m); k++) {
			const struct claw_llm_block *bl = claw_llm_msg_block(m, k);
			if (bl->type == CLAW_LLM_TOOL_USE)
				fuzz_check(bl->id != NULL && bl->name != NULL &&
						   json_object_is_type(bl->input, json_type_object),
					   "bad tool_use");
			else if (bl->type == CLAW_LLM_TOOL_RESULT)
				fuzz_check(bl->id != NULL && bl->text != NULL, "bad tool_result");
			else
				fuzz_check(bl->text != NULL, "text block without text");
		}
	}
	fuzz_check(claw_llm_messages_to_json(c, &a) == CLAW_OK, "to_json failed");
	fuzz_check(fuzz_json_valid(claw_buf_str(&a), claw_buf_len(&a)),
		   "checkpoint written back is not UTF-8 JSON");
	rc = claw_llm_messages_from_json(claw_buf_str(&a), claw_buf_len(&a), &again, &err);
	fuzz_check(rc == CLAW_OK, "checkpoint written back does not read");
	fuzz_check(claw_llm_messages_to_json(again, &b) == CLAW_OK, "second to_json failed");
	fuzz_check(strcmp(claw_buf_str(&a), claw_buf_str(&b)) == 0, "checkpoint not stable");
	if (claw_llm_conv_len(c) > 0) {
		struct claw_llm_request req = {.model = "m",
					       .system = "s",
					       .conv = c,
					       .max_tokens = 100,
					       .temperature = 0.5,
					       .has_temperature = true,
					       .cache = true,
					       .cache_key = "claw-1-s",
					       .thinking_tokens = 1024,
					       .reasoning_effort = "low"};
		fuzz_check_requests(&req, &b);
	}
out:
	claw_llm_conv_free(again);
	claw_llm_conv_free(c);
	claw_buf_free(&a);
	claw_buf_free(&b);
	return 0;
}
