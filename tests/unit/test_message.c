/*
 * test_message — neutral conversation types, checkpoint JSON and the JSON
 * helpers of src/llm/message.c.
 */
#include <stdlib.h>
#include <string.h>

#include "llm/message.h"
#include "tap.h"

static struct claw_llm_conv *
sample(void)
{
	struct claw_llm_conv *c = claw_llm_conv_new();
	claw_llm_conv_add_user_text(c, "List the files, please.");
	struct claw_llm_msg *a = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_thinking(a, "List \"them\".", 13, "sig==");
	claw_llm_msg_add_redacted_thinking(a, "EnC==");
	claw_llm_msg_add_text(a, "Looking.", 8);
	claw_llm_msg_add_tool_use(a, "t1", "list_files", json_tokener_parse("{\"path\":\".\"}"));
	claw_llm_msg_add_tool_use_refused(a, "t2", "bash", "{\"command\": ", "not JSON");
	claw_llm_conv_push(c, a);
	struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_tool_result(u, "t1", "a.c\nb \"c\"", 9, false);
	claw_llm_msg_add_tool_result(u, "t2", "bad arguments", 13, true);
	claw_llm_conv_push(c, u);
	return c;
}

static const char sample_json[] =
	"[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"List the files, "
	"please.\"}]},"
	"{\"role\":\"assistant\",\"content\":["
	"{\"type\":\"thinking\",\"thinking\":\"List \\\"them\\\".\",\"signature\":\"sig==\"},"
	"{\"type\":\"redacted_thinking\",\"data\":\"EnC==\"},"
	"{\"type\":\"text\",\"text\":\"Looking.\"},"
	"{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"list_files\",\"input\":{\"path\":\".\"}},"
	"{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"bash\",\"input\":{},"
	"\"input_raw\":\"{\\\"command\\\": \",\"input_error\":\"not JSON\"}]},"
	"{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
	"\"content\":\"a.c\\nb \\\"c\\\"\",\"is_error\":false},"
	"{\"type\":\"tool_result\",\"tool_use_id\":\"t2\",\"content\":\"bad arguments\","
	"\"is_error\":true}]}]";

static void
test_accessors(void)
{
	struct claw_llm_conv *c = sample();
	is_int(claw_llm_conv_len(c), 3, "three messages");
	const struct claw_llm_msg *a = claw_llm_conv_at(c, 1);
	is_int(claw_llm_msg_role(a), CLAW_LLM_ASSISTANT, "second is the assistant");
	is_int(claw_llm_msg_count(a), 5, "five blocks");
	is_int(claw_llm_msg_tool_uses(a), 2, "two tool uses");
	ok(claw_llm_msg_block(a, 5) == NULL, "block past the end is NULL");
	ok(claw_llm_conv_at(c, 3) == NULL, "message past the end is NULL");
	const struct claw_llm_block *b = claw_llm_msg_block(a, 4);
	is_str(b->input_error, "not JSON", "refused call keeps its error");
	is_str(json_object_to_json_string(b->input), "{ }", "refused call has input {}");
	char *t = claw_llm_msg_text(a);
	is_str(t, "Looking.", "text of a message: its thinking left out");
	free(t);
	t = claw_llm_msg_thinking(a);
	is_str(t, "List \"them\".\n[redacted]", "its thinking, the redacted block named");
	free(t);
	t = claw_llm_msg_thinking(claw_llm_conv_at(c, 0));
	is_str(t, "", "no thinking: empty");
	free(t);

	struct claw_llm_msg *two = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_text(two, "a", 1);
	claw_llm_msg_add_tool_result(two, "x", "r", 1, false);
	claw_llm_msg_add_text(two, "b", 1);
	t = claw_llm_msg_text(two);
	is_str(t, "a\nb", "text blocks joined by a newline");
	free(t);
	claw_llm_msg_free(two);

	struct claw_llm_msg *clone = claw_llm_msg_clone(a);
	is_int(claw_llm_msg_count(clone), 5, "clone has every block");
	ok(claw_llm_msg_block(clone, 3)->input != claw_llm_msg_block(a, 3)->input,
	   "clone does not share json objects");
	claw_llm_msg_free(clone);

	is_int(claw_llm_conv_replies(c), 1, "one of three messages is the model's");
	struct claw_llm_msg *last = claw_llm_conv_pop(c);
	is_int(claw_llm_msg_role(last), CLAW_LLM_USER, "pop returns the last message");
	is_int(claw_llm_conv_len(c), 2, "pop shortens the conversation");
	claw_llm_msg_free(last);
	last = claw_llm_conv_pop(c);
	is_int(claw_llm_conv_replies(c), 0, "popping the model's message uncounts it");
	claw_llm_conv_push(c, last);
	is_int(claw_llm_conv_replies(c), 1, "pushing it counts it again");
	ok(claw_llm_conv_last(c) == claw_llm_conv_at(c, 1), "last is the final message");
	claw_llm_conv_free(c);

	struct claw_llm_conv *empty = claw_llm_conv_new();
	ok(claw_llm_conv_pop(empty) == NULL, "pop of an empty conversation is NULL");
	is_int(claw_llm_conv_replies(empty), 0, "an empty conversation has no replies");
	ok(claw_llm_conv_last(empty) == NULL, "last of an empty conversation is NULL");
	claw_llm_conv_free(empty);
	claw_llm_conv_free(NULL);
	claw_llm_msg_free(NULL);
}

static void
test_checkpoint(void)
{
	struct claw_llm_conv *c = sample();
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	is_int(claw_llm_messages_to_json(c, &b), CLAW_OK, "to_json");
	is_str(claw_buf_str(&b), sample_json, "checkpoint JSON, every block type");

	struct claw_llm_conv *back = NULL;
	struct claw_error err;
	is_int(claw_llm_messages_from_json(claw_buf_str(&b), claw_buf_len(&b), &back, &err),
	       CLAW_OK, "from_json");
	struct claw_buf b2 = CLAW_BUF_INIT(1 << 20);
	claw_llm_messages_to_json(back, &b2);
	is_str(claw_buf_str(&b2), sample_json, "round trip is exact");
	const struct claw_llm_block *r = claw_llm_msg_block(claw_llm_conv_at(back, 2), 1);
	ok(r->is_error, "is_error survives");
	r = claw_llm_msg_block(claw_llm_conv_at(back, 1), 4);
	is_str(r->input_raw, "{\"command\": ", "raw arguments survive");
	r = claw_llm_msg_block(claw_llm_conv_at(back, 1), 0);
	ok(r->type == CLAW_LLM_THINKING && strcmp(r->signature, "sig==") == 0,
	   "thinking survives with its signature");
	struct claw_llm_msg *copy = claw_llm_msg_clone(claw_llm_conv_at(back, 1));
	is_str(claw_llm_msg_block(copy, 0)->signature, "sig==", "and a clone keeps it");
	claw_llm_msg_free(copy);

	struct claw_buf small = CLAW_BUF_INIT(64);
	is_int(claw_llm_messages_to_json(c, &small), CLAW_ETOOBIG, "to_json over the cap");

	claw_buf_free(&small);
	claw_buf_free(&b2);
	claw_buf_free(&b);
	claw_llm_conv_free(back);
	claw_llm_conv_free(c);
}

static void
bad(const char *text, enum claw_err want, const char *msg)
{
	struct claw_llm_conv *before = claw_llm_conv_new();
	struct claw_llm_conv *c = before; /* must be reset to NULL */
	struct claw_error err;
	claw_error_clear(&err);
	is_int(claw_llm_messages_from_json(text, strlen(text), &c, &err), want, "refused: %s",
	       text);
	ok(c == NULL, "no conversation on failure");
	has_str(err.msg, msg, "message for %s", text);
	claw_llm_conv_free(before);
}

static void
test_checkpoint_errors(void)
{
	bad("{}", CLAW_EINVAL, "expected a JSON array");
	bad("[1,", CLAW_EINVAL, "invalid JSON");
	bad("[{\"role\":\"system\",\"content\":[]}]", CLAW_EINVAL, "messages[0]: field \"role\"");
	bad("[{\"role\":\"user\"}]", CLAW_EINVAL,
	    "messages[0]: field \"content\" must be an array");
	bad("[{\"role\":\"user\",\"content\":[{\"type\":\"image\"}]}]", CLAW_EINVAL,
	    "messages[0].content[0]: unknown block type \"image\"");
	bad("[{\"role\":\"user\",\"content\":[7]}]", CLAW_EINVAL,
	    "messages[0].content[0]: expected an object");
	bad("[{\"role\":\"user\",\"content\":[]},{\"role\":\"assistant\",\"content\":[{\"type\":"
	    "\"tool_use\",\"id\":\"x\",\"name\":\"y\",\"input\":[]}]}]",
	    CLAW_EINVAL, "messages[1].content[0]: field \"input\" must be an object");
	bad("[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"x\"}]}]",
	    CLAW_EINVAL, "field \"tool_use_id\" must be a string");
	bad("[{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"x\"}]}]",
	    CLAW_EINVAL, "messages[0].content[0]: field \"signature\" must be a string");
	bad("[{\"role\":\"assistant\",\"content\":[{\"type\":\"redacted_thinking\"}]}]",
	    CLAW_EINVAL, "messages[0].content[0]: field \"data\" must be a string");

	struct claw_llm_conv *c = NULL;
	struct claw_error err;
	is_int(claw_llm_messages_from_json("[]", 2, &c, &err), CLAW_OK, "empty history");
	is_int(claw_llm_conv_len(c), 0, "no messages");
	claw_llm_conv_free(c);
}

static void
str_is(const char *in, size_t n, const char *want, const char *name)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	claw_json_buf_append_string(&b, in, n);
	is_str(claw_buf_str(&b), want, "%s", name);
	claw_buf_free(&b);
}

static void
test_json_helpers(void)
{
	str_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash");
	str_is("\n\t\r\x01\x1f", 5, "\"\\n\\t\\r\\u0001\\u001f\"", "control characters");
	str_is("caf\xc3\xa9 \xe2\x82\xac", 9, "\"caf\xc3\xa9 \xe2\x82\xac\"", "UTF-8 kept");
	str_is("a\xff"
	       "b\xc3",
	       4, "\"a\\ufffdb\\ufffd\"", "invalid bytes replaced");
	str_is("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "surrogate replaced");
	str_is("a\0b", 3, "\"a\\u0000b\"", "NUL escaped");
	struct claw_buf b = CLAW_BUF_INIT(1024);
	claw_llm_json_cstr(&b, NULL);
	is_str(claw_buf_str(&b), "\"\"", "NULL is the empty string");
	claw_buf_free(&b);

	struct json_object *o = NULL;
	struct claw_error err;
	is_int(claw_json_parse("{\"a\":1} \n", 9, &o, &err), CLAW_OK, "trailing space ok");
	is_int(claw_llm_json_get_count(o, "a", -1), 1, "count read");
	is_int(claw_llm_json_get_count(o, "b", -1), -1, "absent count is the default");
	ok(claw_llm_json_get_str(o, "a") == NULL, "number is not a string");
	json_object_put(o);
	static const char huge[] = "{\"i\":9223372036854775807,\"d\":1e300}";
	is_int(claw_json_parse(huge, sizeof huge - 1, &o, &err), CLAW_OK, "absurd counts");
	is_int(claw_llm_json_get_count(o, "i", -1) + claw_llm_json_get_count(o, "d", -1),
	       2 * CLAW_LLM_COUNT_MAX, "are capped, so their sum cannot overflow");
	json_object_put(o);
	is_int(claw_json_parse("42", 2, &o, &err), CLAW_OK, "bare number");
	is_int(json_object_get_int(o), 42, "bare number value");
	json_object_put(o);
	is_int(claw_json_parse("{\"a\":1} x", 9, &o, &err), CLAW_EINVAL, "text after value");
	has_str(err.msg, "invalid JSON at byte 8", "says where");
	is_int(claw_json_parse("{\"a\":", 5, &o, &err), CLAW_EINVAL, "truncated");
	is_int(claw_json_parse("", 0, &o, &err), CLAW_EINVAL, "empty");

	/* Nesting past the cap is refused, not a stack overflow. */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	is_int(claw_json_parse(deep, 200, &o, &err), CLAW_EINVAL, "nesting over the cap");
	ok(o == NULL, "nothing returned");
}

static void
test_response(void)
{
	struct claw_llm_response r;
	claw_llm_response_init(&r);
	r.msg = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	struct claw_llm_msg *m = claw_llm_response_take(&r);
	ok(m != NULL && r.msg == NULL, "take hands the message over");
	claw_llm_msg_free(m);
	claw_llm_response_clear(&r);
	is_str(claw_llm_stop_name(CLAW_LLM_STOP_TOOL_USE), "tool_use", "stop name");
	is_str(claw_llm_stop_name(CLAW_LLM_STOP_OTHER), "other", "other stop name");
}

int
main(void)
{
	test_accessors();
	test_checkpoint();
	test_checkpoint_errors();
	test_json_helpers();
	test_response();
	return tap_done();
}
