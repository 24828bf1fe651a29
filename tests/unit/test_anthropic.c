/*
 * test_anthropic — Messages API mapping, both ways, without the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "llm/anthropic.h"
#include "tap.h"

static struct claw_llm_conv *
conversation(void)
{
	struct claw_llm_conv *c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "Fix \"it\"");
	struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_text(a, "", 0); /* empty: left out */
	claw_llm_msg_add_text(a, "Reading.", 8);
	claw_llm_msg_add_tool_use(a, "toolu_1", "read_file",
				  json_tokener_parse("{\"path\":\"src/a.c\"}"));
	claw_llm_msg_add_tool_use_refused(a, "toolu_2", "bash", "{oops", "not JSON");
	claw_llm_conv_push(c, a);
	struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_tool_result(u, "toolu_1", "int x;", 6, false);
	claw_llm_msg_add_tool_result(u, "toolu_2", "bad arguments", 13, true);
	claw_llm_conv_push(c, u);
	claw_llm_conv_push(c, claw_llm_msg_new(CLAW_LLM_ASSISTANT)); /* no blocks at all */
	return c;
}

static void
test_build(void)
{
	struct claw_llm_conv *c = conversation();
	struct claw_llm_tool tools[] = {
		{"read_file", "Read a file.", "{\"type\":\"object\",\"properties\":{\"path\":{}}}"},
		{"noop", "Nothing.", NULL},
	};
	struct claw_llm_request req = {
		.model = "claude-sonnet-4-5",
		.system = "You are claw.",
		.conv = c,
		.tools = tools,
		.n_tools = 2,
		.max_tokens = 1024,
		.temperature = 0.2,
		.has_temperature = true,
	};
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	struct claw_error err;
	is_int(claw_anthropic_build(&req, &b, &err), CLAW_OK, "build");
	is_str(claw_buf_str(&b),
	       "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"system\":\"You are claw.\","
	       "\"temperature\":0.2,\"messages\":["
	       "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Fix \\\"it\\\"\"}]},"
	       "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Reading.\"},"
	       "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"read_file\","
	       "\"input\":{\"path\":\"src/a.c\"}},"
	       "{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"bash\",\"input\":{}}]},"
	       "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
	       "\"toolu_1\",\"content\":\"int x;\"},{\"type\":\"tool_result\",\"tool_use_id\":"
	       "\"toolu_2\",\"content\":\"bad arguments\",\"is_error\":true}]},"
	       "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"(empty)\"}]}],"
	       "\"tools\":[{\"name\":\"read_file\",\"description\":\"Read a file.\","
	       "\"input_schema\":{\"type\":\"object\",\"properties\":{\"path\":{}}}},"
	       "{\"name\":\"noop\",\"description\":\"Nothing.\","
	       "\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]}",
	       "request body maps every block type");

	/* The body is valid JSON. */
	struct json_object *o = NULL;
	is_int(claw_json_parse(claw_buf_str(&b), claw_buf_len(&b), &o, &err), CLAW_OK,
	       "request body parses");
	json_object_put(o);

	/* Defaults: no system, no temperature, max_tokens filled in, no tools. */
	struct claw_llm_request min = {.model = "m", .conv = c};
	claw_buf_reset(&b);
	is_int(claw_anthropic_build(&min, &b, &err), CLAW_OK, "minimal build");
	has_str(claw_buf_str(&b), "\"max_tokens\":8192,\"messages\"", "default max_tokens");
	ok(strstr(claw_buf_str(&b), "\"system\"") == NULL, "no system key");
	ok(strstr(claw_buf_str(&b), "\"tools\"") == NULL, "no tools key");
	ok(strstr(claw_buf_str(&b), "temperature") == NULL, "no temperature key");

	struct claw_llm_request bad = {.conv = c};
	is_int(claw_anthropic_build(&bad, &b, &err), CLAW_EINVAL, "no model");
	has_str(err.msg, "no model", "says so");
	struct claw_llm_conv *empty = claw_llm_conv_new();
	bad = (struct claw_llm_request){.model = "m", .conv = empty};
	is_int(claw_anthropic_build(&bad, &b, &err), CLAW_EINVAL, "no messages");
	bad = (struct claw_llm_request){
		.model = "m", .conv = c, .temperature = 3, .has_temperature = true};
	is_int(claw_anthropic_build(&bad, &b, &err), CLAW_EINVAL, "temperature out of range");

	struct claw_buf tiny = CLAW_BUF_INIT(100);
	is_int(claw_anthropic_build(&req, &tiny, &err), CLAW_ETOOBIG, "request over the cap");
	has_str(err.msg, "over 100 bytes", "names the cap");

	/* Built again, the messages come from their kept wire forms: the same
	 * body; a message that gains a block is built anew. */
	char *once = claw_xstrdup(claw_buf_str(&b));
	claw_buf_reset(&b);
	(void)claw_anthropic_build(&min, &b, &err);
	is_str(claw_buf_str(&b), once, "built twice: the same body");
	size_t len = 0;
	ok(claw_llm_msg_wire(claw_llm_conv_at(c, 0), CLAW_LLM_WIRE_ANTHROPIC, &len) != NULL &&
		   len > 0,
	   "the message's wire form is kept");
	claw_llm_msg_add_text(claw_llm_conv_last(c), "Now text.", 9);
	ok(claw_llm_msg_wire(claw_llm_conv_at(c, 3), CLAW_LLM_WIRE_ANTHROPIC, &len) == NULL,
	   "a new block drops it");
	claw_buf_reset(&b);
	(void)claw_anthropic_build(&min, &b, &err);
	has_str(claw_buf_str(&b),
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Now "
		"text.\"}]}]",
		"and the body has the new block");
	free(once);

	claw_buf_free(&tiny);
	claw_llm_conv_free(empty);
	claw_buf_free(&b);
	claw_llm_conv_free(c);
}

static const char reply[] =
	"{\"id\":\"msg_01XY\",\"type\":\"message\",\"role\":\"assistant\","
	"\"model\":\"claude-sonnet-4-5-20250929\",\"content\":["
	"{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"abc\"},"
	"{\"type\":\"redacted_thinking\",\"data\":\"EnC==\"},"
	"{\"type\":\"server_tool_use\",\"id\":\"srv\",\"name\":\"web_search\",\"input\":{}},"
	"{\"type\":\"text\",\"text\":\"I will read it.\"},"
	"{\"type\":\"tool_use\",\"id\":\"toolu_01A\",\"name\":\"read_file\","
	"\"input\":{\"path\":\"README.md\"}},"
	"{\"type\":\"tool_use\",\"id\":\"toolu_01B\",\"name\":\"list_files\",\"input\":{}}],"
	"\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
	"\"usage\":{\"input_tokens\":120,\"cache_creation_input_tokens\":30,"
	"\"cache_read_input_tokens\":2000,\"output_tokens\":55,"
	"\"cache_creation\":{\"ephemeral_5m_input_tokens\":20,\"ephemeral_1h_input_tokens\":10}}}";

/* body with every cache breakpoint taken out; caller frees.  *marks gets
 * how many there were. */
static char *
unmarked(const char *body, int *marks)
{
	static const char mark[] = ",\"cache_control\":{\"type\":\"ephemeral\"}";
	char *s = claw_xstrdup(body), *p;
	*marks = 0;
	while ((p = strstr(s, mark)) != NULL) {
		memmove(p, p + sizeof mark - 1, strlen(p + sizeof mark - 1) + 1);
		(*marks)++;
	}
	return s;
}

/* Five turns of a tool loop: every request's system prompt, tools and
 * messages are, breakpoints aside, the bytes the request before sent, with
 * the new messages after them; the breakpoints sit on the system prompt
 * and the last two user messages; the messages' kept wire forms never hold
 * one. */
static void
test_cache_prefix(void)
{
	struct claw_llm_tool tools[] = {{"bash", "Run.", "{\"type\":\"object\"}"}};
	struct claw_llm_conv *c = claw_llm_conv_new();
	struct claw_llm_request req = {.model = "claude-sonnet-4-5",
				       .system = "You are claw.",
				       .conv = c,
				       .tools = tools,
				       .n_tools = 1,
				       .cache = true};
	struct claw_error err;
	char *before = NULL;
	bool prefix = true, placed = true;

	claw_llm_conv_add_user_text(c, "Fix it.");
	for (int t = 0; t < 5; t++) {
		struct claw_buf b = CLAW_BUF_INIT(1 << 20);
		int marks = 0;
		(void)claw_anthropic_build(&req, &b, &err);
		char *now = unmarked(claw_buf_str(&b), &marks);
		placed = placed && marks == (t == 0 ? 2 : 3);
		const char *tail = strstr(now, "],\"tools\":");
		if (before != NULL) {
			/* Everything up to the end of the old messages is kept. */
			size_t keep = (size_t)(strstr(before, "],\"tools\":") - before);
			prefix = prefix && strncmp(now, before, keep) == 0 && now[keep] == ',' &&
				 strcmp(tail, strstr(before, "],\"tools\":")) == 0;
		}
		const char *sys =
			strstr(claw_buf_str(&b), "\"system\":[{\"type\":\"text\","
						 "\"text\":\"You are claw.\",\"cache_control\"");
		placed = placed && sys != NULL;
		free(before);
		before = now;
		claw_buf_free(&b);
		struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
		char id[16];
		(void)snprintf(id, sizeof id, "t%d", t);
		claw_llm_msg_add_tool_use(a, id, "bash", json_tokener_parse("{\"cmd\":\"ls\"}"));
		claw_llm_conv_push(c, a);
		struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
		claw_llm_msg_add_tool_result(u, id, "a.c b.c", 7, false);
		claw_llm_conv_push(c, u);
	}
	ok(prefix, "each request extends the one before byte for byte (breakpoints aside)");
	ok(placed, "breakpoints: system prompt, last user message, the user message before");
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	req.cache = false;
	(void)claw_anthropic_build(&req, &b, &err);
	ok(strstr(claw_buf_str(&b), "cache_control") == NULL &&
		   strstr(claw_buf_str(&b), "\"system\":\"You are claw.\"") != NULL,
	   "without caching: no breakpoint, kept forms clean, the system prompt a string");
	claw_buf_free(&b);
	free(before);
	claw_llm_conv_free(c);
}

static void
test_parse(void)
{
	struct claw_llm_response r;
	struct claw_error err;
	claw_llm_response_init(&r);
	is_int(claw_anthropic_parse(reply, strlen(reply), &r, &err), CLAW_OK, "parse");
	is_int(claw_llm_msg_count(r.msg), 5, "five blocks: a server tool's skipped");
	const struct claw_llm_block *b = claw_llm_msg_block(r.msg, 0);
	is_int(b->type, CLAW_LLM_THINKING, "thinking first, in its place");
	is_str(b->text, "hmm", "its text");
	is_str(b->signature, "abc", "its signature");
	b = claw_llm_msg_block(r.msg, 1);
	is_int(b->type, CLAW_LLM_REDACTED_THINKING, "redacted thinking");
	is_str(b->text, "EnC==", "its data");
	char *t = claw_llm_msg_text(r.msg);
	is_str(t, "I will read it.", "the text leaves the thinking out");
	free(t);
	t = claw_llm_msg_thinking(r.msg);
	is_str(t, "hmm\n[redacted]", "the thinking, the redacted part named");
	free(t);
	b = claw_llm_msg_block(r.msg, 2);
	is_int(b->type, CLAW_LLM_TEXT, "text block");
	is_str(b->text, "I will read it.", "text");
	b = claw_llm_msg_block(r.msg, 3);
	is_int(b->type, CLAW_LLM_TOOL_USE, "tool_use block");
	is_str(b->id, "toolu_01A", "tool id");
	is_str(b->name, "read_file", "tool name");
	is_str(claw_llm_json_get_str(b->input, "path"), "README.md", "tool input");
	ok(b->input_error == NULL, "input usable");
	b = claw_llm_msg_block(r.msg, 4);
	is_int(json_object_object_length(b->input), 0, "empty input object");
	is_int(r.stop, CLAW_LLM_STOP_TOOL_USE, "stop tool_use");
	is_str(r.stop_raw, "tool_use", "raw stop");
	is_int(r.usage.in, 2150, "in = input + cache read + cache creation");
	is_int(r.usage.cached, 2000, "cached = cache read");
	is_int(r.usage.cache_write, 30, "cache_write = cache creation");
	is_int(r.usage.cache_write_1h, 10, "of which 1-hour entries");
	is_int(r.usage.out, 55, "out");
	is_str(r.model, "claude-sonnet-4-5-20250929", "model");
	is_str(r.id, "msg_01XY", "id");
	claw_llm_response_clear(&r);

	static const struct {
		const char *word;
		enum claw_llm_stop stop;
	} stops[] = {
		{"end_turn", CLAW_LLM_STOP_END_TURN}, {"max_tokens", CLAW_LLM_STOP_MAX_TOKENS},
		{"refusal", CLAW_LLM_STOP_REFUSAL},   {"stop_sequence", CLAW_LLM_STOP_OTHER},
		{"pause_turn", CLAW_LLM_STOP_OTHER},  {"tool_use", CLAW_LLM_STOP_TOOL_USE},
	};
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		char *body =
			claw_xasprintf("{\"content\":[],\"stop_reason\":\"%s\"}", stops[i].word);
		claw_llm_response_init(&r);
		is_int(claw_anthropic_parse(body, strlen(body), &r, &err), CLAW_OK, "parse %s",
		       stops[i].word);
		is_int(r.stop, stops[i].stop, "stop_reason %s", stops[i].word);
		claw_llm_response_clear(&r);
		free(body);
	}
}

static void
parse_fails(const char *body, enum claw_err want, const char *msg)
{
	struct claw_llm_response r;
	struct claw_error err;
	claw_llm_response_init(&r);
	is_int(claw_anthropic_parse(body, strlen(body), &r, &err), want, "refused: %.40s", body);
	ok(r.msg == NULL, "no message");
	has_str(err.msg, msg, "message: %s", msg);
	claw_llm_response_clear(&r);
}

static void
test_parse_errors(void)
{
	parse_fails("{\"id\":\"msg_", CLAW_EINVAL, "anthropic: malformed reply: invalid JSON");
	parse_fails("<html>502</html>", CLAW_EINVAL, "malformed reply");
	parse_fails("[]", CLAW_EINVAL, "not an object");
	parse_fails("{\"type\":\"message\"}", CLAW_EINVAL, "no \"content\" array");
	parse_fails("{\"content\":[{\"text\":\"x\"}]}", CLAW_EINVAL, "content[0] has no type");
	parse_fails("{\"content\":[{\"type\":\"text\"}]}", CLAW_EINVAL, "content[0] has no text");
	parse_fails("{\"content\":[{\"type\":\"tool_use\",\"name\":\"x\",\"input\":{}}]}",
		    CLAW_EINVAL, "tool_use without id or name");
	parse_fails("{\"content\":[{\"type\":\"thinking\",\"signature\":\"s\"}]}", CLAW_EINVAL,
		    "content[0] thinking without its text");
	parse_fails("{\"content\":[{\"type\":\"redacted_thinking\",\"data\":7}]}", CLAW_EINVAL,
		    "content[0] redacted_thinking without data");
	parse_fails("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
		    "\"message\":\"Overloaded\"}}",
		    CLAW_EBACKEND, "error inside a 2xx");

	/* A tool input that is not an object: kept as a refused call. */
	const char *body = "{\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"bash\","
			   "\"input\":\"ls\"}],\"stop_reason\":\"tool_use\"}";
	struct claw_llm_response r;
	struct claw_error err;
	claw_llm_response_init(&r);
	is_int(claw_anthropic_parse(body, strlen(body), &r, &err), CLAW_OK, "string input parses");
	const struct claw_llm_block *b = claw_llm_msg_block(r.msg, 0);
	has_str(b->input_error, "not a JSON object", "refused with a reason");
	is_str(b->input_raw, "\"ls\"", "raw input kept");
	is_int(r.usage.in, 0, "no usage: zero");
	claw_llm_response_clear(&r);
}

/* Extended thinking: asked with its budget on top of max_tokens and no
 * temperature; thinking blocks go back first, as they came. */
static void
test_thinking(void)
{
	struct claw_llm_conv *c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "Go.");
	struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_thinking(a, "Plan \"it\".", 11, "sig==");
	claw_llm_msg_add_redacted_thinking(a, "EnC==");
	claw_llm_msg_add_thinking(a, "cut short", 9, ""); /* unsigned: left out */
	claw_llm_msg_add_tool_use(a, "t1", "bash", NULL);
	claw_llm_conv_push(c, a);
	struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_tool_result(u, "t1", "ok", 2, false);
	claw_llm_conv_push(c, u);
	struct claw_llm_request req = {
		.model = "claude-sonnet-4-5",
		.conv = c,
		.max_tokens = 1000,
		.temperature = 0.2,
		.has_temperature = true,
		.thinking_tokens = 4096,
	};
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	struct claw_error err;
	is_int(claw_anthropic_build(&req, &b, &err), CLAW_OK, "build with thinking");
	is_str(claw_buf_str(&b),
	       "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5096,"
	       "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4096},\"messages\":["
	       "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Go.\"}]},"
	       "{\"role\":\"assistant\",\"content\":["
	       "{\"type\":\"thinking\",\"thinking\":\"Plan \\\"it\\\".\",\"signature\":\"sig==\"},"
	       "{\"type\":\"redacted_thinking\",\"data\":\"EnC==\"},"
	       "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"bash\",\"input\":{}}]},"
	       "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
	       "\"content\":\"ok\"}]}]}",
	       "max_tokens grows by the budget, no temperature, the signed thinking sent back "
	       "first");
	claw_buf_free(&b);
	claw_llm_conv_free(c);
}

int
main(void)
{
	test_build();
	test_thinking();
	test_cache_prefix();
	test_parse();
	test_parse_errors();
	return tap_done();
}
