/*
 * test_compact — context compaction's conversation transforms
 * (src/flow/compact.c): what is kept, the transcript, the rebuilt
 * conversation, the estimate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "flow/compact.h"
#include "tap.h"

/* The task, then turns tool calls each answered with result text. */
static struct claw_llm_conv *
exchange(int turns, const char *result)
{
	struct claw_llm_conv *c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "Carry out step fix: make the tests pass.");
	for (int t = 0; t < turns; t++) {
		char id[16];
		(void)snprintf(id, sizeof id, "t%d", t);
		char *text = claw_xasprintf("%s #%d", result, t);
		struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
		claw_llm_msg_add_tool_use(a, id, "bash",
					  json_tokener_parse("{\"command\":\"make\"}"));
		claw_llm_conv_push(c, a);
		struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
		claw_llm_msg_add_tool_result(u, id, text, strlen(text), t == 0);
		claw_llm_conv_push(c, u);
		free(text);
	}
	return c;
}

static void
test_keep_from(void)
{
	struct claw_llm_conv *c = exchange(1, "ok");
	is_int(claw_compact_keep_from(c), 0, "one turn: nothing to compact");
	claw_llm_conv_free(c);
	c = exchange(2, "ok");
	is_int(claw_compact_keep_from(c), 0, "two turns: both kept, nothing to compact");
	claw_llm_conv_free(c);
	c = exchange(3, "ok");
	is_int(claw_compact_keep_from(c), 3, "three turns: the last two kept from message 3");
	claw_llm_conv_free(c);
	c = exchange(40, "ok");
	is_int(claw_compact_keep_from(c), 77, "forty turns: from message 77");
	claw_llm_conv_free(c);
}

static void
test_prompt_and_apply(void)
{
	struct claw_llm_conv *c = exchange(6, "result");
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	size_t keep = claw_compact_keep_from(c);
	claw_compact_prompt(&b, c, keep, 1 << 20);
	const char *s = claw_buf_str(&b);
	has_str(s, "[user]\nCarry out step fix", "the transcript starts with the task");
	has_str(s, "[call bash {\"command\":\"make\"}]", "calls with their input");
	has_str(s, "[result (error)]\nresult #0", "results, errors marked");
	has_str(s, "result #3", "up to the kept turns");
	ok(strstr(s, "result #4") == NULL && strstr(s, "result #5") == NULL,
	   "the kept turns are not summarised");
	has_str(s, "## Open questions", "asks for the headings");
	claw_buf_reset(&b);
	claw_compact_prompt(&b, c, keep, 120);
	has_str(claw_buf_str(&b), "earlier messages left out", "over the cap: the oldest go");
	has_str(claw_buf_str(&b), "Carry out step fix", "but never the task");
	has_str(claw_buf_str(&b), "result #3", "nor the newest");
	claw_buf_free(&b);

	claw_llm_conv_set_mark(c, claw_llm_conv_len(c));
	claw_compact_apply(c, keep, "## Goal\nmake the tests pass");
	is_int(claw_llm_conv_len(c), 5, "first message and two turns");
	is_int(claw_llm_conv_mark(c), 0, "written whole at the next checkpoint");
	char *first = claw_llm_msg_text(claw_llm_conv_at(c, 0));
	has_str(first, "Carry out step fix", "the task kept");
	has_str(first, "was compacted", "said so");
	has_str(first, "## Goal\nmake the tests pass", "with the summary");
	free(first);
	const struct claw_llm_block *r = claw_llm_msg_block(claw_llm_conv_at(c, 4), 0);
	is_str(r->text, "result #5", "the last result intact");
	is_str(claw_llm_msg_block(claw_llm_conv_at(c, 1), 0)->id, "t4", "from the fifth turn");
	claw_llm_conv_free(c);
}

static void
test_estimate(void)
{
	char *big = claw_xmalloc(40001);
	memset(big, 'x', 40000);
	big[40000] = '\0';
	struct claw_llm_conv *c = exchange(1, big);
	struct claw_llm_tool tools[] = {{"bash", "Run a command.", "{\"type\":\"object\"}"}};
	struct claw_llm_request req = {
		.model = "m", .system = "You are claw.", .conv = c, .tools = tools, .n_tools = 1};
	int64_t n = claw_compact_estimate(&req);
	ok(n > 10000 && n < 10200, "bytes / 4 (%lld)", (long long)n);
	claw_llm_conv_free(c);
	free(big);
}

int
main(void)
{
	test_keep_from();
	test_prompt_and_apply();
	test_estimate();
	return tap_done();
}
