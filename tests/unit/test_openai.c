/*
 * test_openai — Chat Completions mapping, both ways, without the network.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "llm/openai.h"
#include "tap.h"

static struct claw_llm_conv *
conversation(void)
{
	struct claw_llm_conv *c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "Fix it");
	struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_tool_use(a, "call_1", "read_file",
				  json_tokener_parse("{\"path\":\"src/a.c\"}"));
	claw_llm_msg_add_tool_use_refused(a, "call_2", "bash", "{oops", "not JSON");
	claw_llm_conv_push(c, a);
	struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_tool_result(u, "call_1", "int x;", 6, false);
	claw_llm_msg_add_tool_result(u, "call_2", "bad arguments", 13, true);
	claw_llm_msg_add_text(u, "Also this.", 10);
	claw_llm_msg_add_text(u, "And that.", 9);
	claw_llm_conv_push(c, u);
	struct claw_llm_msg *a2 = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_text(a2, "Done.", 5);
	claw_llm_conv_push(c, a2);
	struct claw_llm_msg *u2 = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_tool_result(u2, "call_3", "only a result", 13, false);
	claw_llm_conv_push(c, u2);
	return c;
}

static void
test_build(void)
{
	struct claw_llm_conv *c = conversation();
	struct claw_llm_tool tools[] = {
		{"read_file", "Read a file.", "{\"type\":\"object\"}"},
		{"noop", "Nothing.", NULL},
	};
	struct claw_llm_request req = {
		.model = "gpt-4.1",
		.system = "You are claw.",
		.conv = c,
		.tools = tools,
		.n_tools = 2,
		.max_tokens = 1024,
		.temperature = 0,
		.has_temperature = true,
	};
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	struct claw_error err;
	is_int(claw_openai_build(&req, &b, &err), CLAW_OK, "build");
	is_str(claw_buf_str(&b),
	       "{\"model\":\"gpt-4.1\",\"max_tokens\":1024,\"temperature\":0,\"messages\":["
	       "{\"role\":\"system\",\"content\":\"You are claw.\"},"
	       "{\"role\":\"user\",\"content\":\"Fix it\"},"
	       "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
	       "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"read_file\","
	       "\"arguments\":\"{\\\"path\\\":\\\"src/a.c\\\"}\"}},"
	       "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"bash\","
	       "\"arguments\":\"{oops\"}}]},"
	       "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"int x;\"},"
	       "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"[error] bad "
	       "arguments\"},"
	       "{\"role\":\"user\",\"content\":\"Also this.\\n\\nAnd that.\"},"
	       "{\"role\":\"assistant\",\"content\":\"Done.\"},"
	       "{\"role\":\"tool\",\"tool_call_id\":\"call_3\",\"content\":\"only a result\"}],"
	       "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"read_file\","
	       "\"description\":\"Read a file.\",\"parameters\":{\"type\":\"object\"}}},"
	       "{\"type\":\"function\",\"function\":{\"name\":\"noop\",\"description\":"
	       "\"Nothing.\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}}]}",
	       "request body maps every block type");

	struct json_object *o = NULL;
	is_int(claw_json_parse(claw_buf_str(&b), claw_buf_len(&b), &o, &err), CLAW_OK,
	       "request body parses");
	json_object_put(o);

	/* o-series and gpt-5 take max_completion_tokens; no max_tokens → none. */
	struct claw_llm_request r2 = {.model = "o3-mini", .conv = c, .max_tokens = 50};
	claw_buf_reset(&b);
	claw_openai_build(&r2, &b, &err);
	has_str(claw_buf_str(&b), "\"max_completion_tokens\":50", "o3 family");
	r2.model = "openai/gpt-5-mini";
	claw_buf_reset(&b);
	claw_openai_build(&r2, &b, &err);
	has_str(claw_buf_str(&b), "\"max_completion_tokens\":50", "gpt-5 behind a vendor prefix");
	r2.model = "llama3.1";
	r2.max_tokens = 0;
	claw_buf_reset(&b);
	claw_openai_build(&r2, &b, &err);
	ok(strstr(claw_buf_str(&b), "max_") == NULL, "no max tokens key when unset");
	ok(strstr(claw_buf_str(&b), "\"system\"") == NULL, "no system message when unset");

	struct claw_llm_request bad = {.conv = c};
	is_int(claw_openai_build(&bad, &b, &err), CLAW_EINVAL, "no model");
	struct claw_buf tiny = CLAW_BUF_INIT(100);
	is_int(claw_openai_build(&req, &tiny, &err), CLAW_ETOOBIG, "request over the cap");

	claw_buf_free(&tiny);
	claw_buf_free(&b);
	claw_llm_conv_free(c);
}

static const char reply[] =
	"{\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion\",\"created\":1700000000,"
	"\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{"
	"\"role\":\"assistant\",\"content\":\"Let me look.\",\"refusal\":null,\"tool_calls\":["
	"{\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"read_file\","
	"\"arguments\":\"{\\\"path\\\": \\\"README.md\\\"}\"}},"
	"{\"id\":\"call_def\",\"type\":\"function\",\"function\":{\"name\":\"bash\","
	"\"arguments\":\"{\\\"command\\\": \\\"ls\"}},"
	"{\"id\":\"call_ghi\",\"type\":\"function\",\"function\":{\"name\":\"list_files\","
	"\"arguments\":\"\"}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"recall\",\"arguments\":\"[1]\"}}]},"
	"\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
	"\"usage\":{\"prompt_tokens\":3000,\"completion_tokens\":80,\"total_tokens\":3080,"
	"\"prompt_tokens_details\":{\"cached_tokens\":2048,\"audio_tokens\":0}}}";

static void
test_parse(void)
{
	struct claw_llm_response r;
	struct claw_error err;
	claw_llm_response_init(&r);
	is_int(claw_openai_parse(reply, strlen(reply), &r, &err), CLAW_OK, "parse");
	is_int(claw_llm_msg_count(r.msg), 5, "text and four calls");
	const struct claw_llm_block *b = claw_llm_msg_block(r.msg, 0);
	is_str(b->text, "Let me look.", "text");
	b = claw_llm_msg_block(r.msg, 1);
	is_str(b->id, "call_abc", "call id");
	is_str(b->name, "read_file", "call name");
	is_str(claw_llm_json_get_str(b->input, "path"), "README.md", "arguments parsed");
	b = claw_llm_msg_block(r.msg, 2);
	ok(b->input_error != NULL, "invalid arguments: refused, not a crash");
	has_str(b->input_error, "not valid JSON", "reason");
	is_str(b->input_raw, "{\"command\": \"ls", "raw arguments kept");
	b = claw_llm_msg_block(r.msg, 3);
	ok(b->input_error == NULL && json_object_object_length(b->input) == 0,
	   "empty arguments: {}");
	b = claw_llm_msg_block(r.msg, 4);
	is_str(b->id, "call_3", "missing id made up");
	has_str(b->input_error, "not a JSON object", "array arguments refused");
	is_int(r.stop, CLAW_LLM_STOP_TOOL_USE, "finish tool_calls");
	is_int(r.usage.in, 3000, "in = prompt tokens");
	is_int(r.usage.cached, 2048, "cached tokens");
	is_int(r.usage.out, 80, "out");
	is_int(r.cost_source, CLAW_LLM_COST_TABLE, "no provider cost");
	is_str(r.model, "gpt-4o-2024-08-06", "model");
	is_str(r.id, "chatcmpl-9x", "id");
	claw_llm_response_clear(&r);

	static const struct {
		const char *word;
		enum claw_llm_stop stop;
	} stops[] = {
		{"stop", CLAW_LLM_STOP_END_TURN},
		{"length", CLAW_LLM_STOP_MAX_TOKENS},
		{"content_filter", CLAW_LLM_STOP_REFUSAL},
		{"function_call", CLAW_LLM_STOP_TOOL_USE},
		{"eos", CLAW_LLM_STOP_OTHER},
	};
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		char *body = claw_xasprintf("{\"choices\":[{\"message\":{\"content\":\"x\"},"
					    "\"finish_reason\":\"%s\"}]}",
					    stops[i].word);
		claw_llm_response_init(&r);
		is_int(claw_openai_parse(body, strlen(body), &r, &err), CLAW_OK, "parse %s",
		       stops[i].word);
		is_int(r.stop, stops[i].stop, "finish_reason %s", stops[i].word);
		claw_llm_response_clear(&r);
		free(body);
	}

	/* Ollama says "stop" with tool calls, and sends arguments as an object. */
	const char *ollama = "{\"choices\":[{\"message\":{\"content\":\"\",\"tool_calls\":["
			     "{\"id\":\"c\",\"function\":{\"name\":\"bash\",\"arguments\":"
			     "{\"command\":\"ls\"}}}]},\"finish_reason\":\"stop\"}]}";
	claw_llm_response_init(&r);
	is_int(claw_openai_parse(ollama, strlen(ollama), &r, &err), CLAW_OK, "ollama reply");
	is_int(r.stop, CLAW_LLM_STOP_TOOL_USE, "stop with tool calls is tool_use");
	is_int(claw_llm_msg_count(r.msg), 1, "empty content adds no block");
	is_str(claw_llm_json_get_str(claw_llm_msg_block(r.msg, 0)->input, "command"), "ls",
	       "object arguments taken as is");
	claw_llm_response_clear(&r);

	/* Refusal, content parts, DeepSeek cache hits, OpenRouter cost. */
	const char *other = "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\","
			    "\"text\":\"part\"}],\"refusal\":\"I cannot help.\"},"
			    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,"
			    "\"completion_tokens\":5,\"prompt_cache_hit_tokens\":64,"
			    "\"cost\":0.001234}}";
	claw_llm_response_init(&r);
	is_int(claw_openai_parse(other, strlen(other), &r, &err), CLAW_OK, "other reply");
	is_int(r.stop, CLAW_LLM_STOP_REFUSAL, "refusal");
	char *t = claw_llm_msg_text(r.msg);
	is_str(t, "part\nI cannot help.", "content parts and refusal text");
	free(t);
	is_int(r.usage.cached, 64, "deepseek cache hits");
	is_int(r.cost_micros, 1234, "provider cost in micro-USD");
	is_int(r.cost_source, CLAW_LLM_COST_PROVIDER, "cost source provider");
	claw_llm_response_clear(&r);
}

static void
parse_fails(const char *body, enum claw_err want, const char *msg)
{
	struct claw_llm_response r;
	struct claw_error err;
	claw_llm_response_init(&r);
	is_int(claw_openai_parse(body, strlen(body), &r, &err), want, "refused: %.40s", body);
	ok(r.msg == NULL, "no message");
	has_str(err.msg, msg, "message: %s", msg);
	claw_llm_response_clear(&r);
}

static void
test_parse_errors(void)
{
	parse_fails("{\"choices\":[{\"mess", CLAW_EINVAL, "openai: malformed reply: invalid JSON");
	parse_fails("{\"choices\":[]}", CLAW_EINVAL, "no choices[0].message");
	parse_fails("{\"object\":\"chat.completion\"}", CLAW_EINVAL, "no choices[0].message");
	parse_fails("{\"choices\":[{\"message\":{\"tool_calls\":[{\"id\":\"x\"}]}}]}", CLAW_EINVAL,
		    "tool_calls[0] has no function name");
	parse_fails("{\"error\":{\"message\":\"Rate limit\",\"code\":429}}", CLAW_EBACKEND,
		    "error inside a 2xx");
}

/* reasoning_effort is sent when set; thinking only as an assistant tool
 * call's reasoning_content, and never signed (Anthropic's) thinking; a
 * compatible server's reasoning text is read as thinking. */
static void
test_reasoning(void)
{
	struct claw_llm_conv *c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "Go.");
	struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_thinking(a, "secret plan", 11, NULL);
	claw_llm_msg_add_text(a, "Done.", 5);
	claw_llm_conv_push(c, a);
	claw_llm_conv_add_user_text(c, "Again.");
	struct claw_llm_request req = {
		.model = "o4-mini", .conv = c, .reasoning_effort = "high", .thinking_tokens = 2048};
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	struct claw_error err;
	is_int(claw_openai_build(&req, &b, &err), CLAW_OK, "build with reasoning_effort");
	is_str(claw_buf_str(&b),
	       "{\"model\":\"o4-mini\",\"reasoning_effort\":\"high\",\"messages\":["
	       "{\"role\":\"user\",\"content\":\"Go.\"},"
	       "{\"role\":\"assistant\",\"content\":\"Done.\"},"
	       "{\"role\":\"user\",\"content\":\"Again.\"}]}",
	       "reasoning_effort sent, the thinking and Anthropic's budget not");
	claw_buf_free(&b);
	claw_llm_conv_free(c);

	c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "Go.");
	a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_thinking(a, "signed", 6, "sig==");
	claw_llm_msg_add_thinking(a, "read a", 6, NULL);
	claw_llm_msg_add_tool_use(a, "c1", "read_file", NULL);
	claw_llm_conv_push(c, a);
	req = (struct claw_llm_request){.model = "deepseek-chat", .conv = c};
	struct claw_buf b2 = CLAW_BUF_INIT(1 << 20);
	is_int(claw_openai_build(&req, &b2, &err), CLAW_OK, "build a tool call with reasoning");
	has_str(claw_buf_str(&b2),
		"{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"read a\","
		"\"tool_calls\"",
		"the unsigned reasoning goes back with the call");
	ok(strstr(claw_buf_str(&b2), "signed") == NULL, "Anthropic's signed thinking does not");
	claw_buf_free(&b2);
	claw_llm_conv_free(c);

	static const char *const bodies[] = {
		"{\"choices\":[{\"message\":{\"reasoning_content\":\"Think.\",\"content\":\"ok\"},"
		"\"finish_reason\":\"stop\"}]}",
		"{\"choices\":[{\"message\":{\"reasoning\":\"Think.\",\"content\":\"ok\"},"
		"\"finish_reason\":\"stop\"}]}",
	};
	for (size_t i = 0; i < 2; i++) {
		struct claw_llm_response r;
		claw_llm_response_init(&r);
		is_int(claw_openai_parse(bodies[i], strlen(bodies[i]), &r, &err), CLAW_OK,
		       "parse reasoning %zu", i);
		const struct claw_llm_block *t = claw_llm_msg_block(r.msg, 0);
		ok(t != NULL && t->type == CLAW_LLM_THINKING && strcmp(t->text, "Think.") == 0 &&
			   strcmp(t->signature, "") == 0,
		   "%s read as thinking, first, unsigned",
		   i == 0 ? "reasoning_content" : "reasoning");
		char *text = claw_llm_msg_text(r.msg);
		is_str(text, "ok", "the text apart");
		free(text);
		claw_llm_response_clear(&r);
	}
}

int
main(void)
{
	test_reasoning();
	test_build();
	test_parse();
	test_parse_errors();
	return tap_done();
}
