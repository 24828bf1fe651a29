/*
 * test_registry — schemas, validation messages, palettes, the call door
 * (unknown tools, oversize results, redaction, run#N handles) and clipping.
 */
#include "base/mem.h"
#include "tool/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "tap.h"
#include "tool/builtin.h"
#include "tool/history.h"
#include "tool/secrets.h"

static const char echo_schema[] = "{\"type\": \"object\", \"properties\": {"
				  "\"a\": {\"type\": \"string\"}, \"n\": {\"type\": \"integer\"},"
				  " \"x\": {\"type\": \"number\"}, \"b\": {\"type\": \"boolean\"},"
				  " \"o\": {\"type\": \"object\"}, \"l\": {\"type\": \"array\"},"
				  " \"e\": {\"type\": \"string\", \"enum\": [\"red\", \"green\"]}},"
				  " \"required\": [\"a\"], \"additionalProperties\": false}";

static void
echo_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	(void)ctx;
	struct json_object *a = NULL;
	(void)json_object_object_get_ex(input, "a", &a);
	claw_tool_result_ok(res, "a=%s", json_object_get_string(a));
}

static void
flood_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	(void)ctx;
	(void)input;
	for (int i = 0; i < CLAW_TOOL_RESULT_MAX / 10 + 10; i++)
		(void)claw_buf_puts(&res->text, "0123456789");
}

static void
fail_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	(void)ctx;
	(void)input;
	claw_tool_result_error(res, "it broke");
}

static const struct claw_tool echo = {"echo",         "echoes a", echo_schema,
				      CLAW_TOOL_SAFE, echo_run,   NULL};
static const struct claw_tool flood = {"flood",        "too much", "{\"type\": \"object\"}",
				       CLAW_TOOL_SAFE, flood_run,  NULL};
static const struct claw_tool failing = {"fail",         "always fails", "{\"type\": \"object\"}",
					 CLAW_TOOL_SAFE, fail_run,       NULL};

static struct claw_registry *
make(void)
{
	struct claw_registry *reg = claw_registry_new();
	struct claw_error err = {0};
	is_int(claw_registry_add(reg, &echo, &err), CLAW_OK, "add echo");
	is_int(claw_registry_add(reg, &flood, &err), CLAW_OK, "add flood");
	is_int(claw_registry_add(reg, &failing, &err), CLAW_OK, "add fail");
	return reg;
}

/* Calls name with json (NULL: no input) and returns the text (static copy). */
static const char *
call(const struct claw_registry *reg, const struct claw_tool_ctx *ctx, const char *name,
     const char *json, bool *is_error)
{
	static char out[4096];
	struct json_object *in = NULL;
	struct claw_tool_result res;
	struct claw_error err = {0};

	if (json != NULL && claw_json_parse(json, strlen(json), &in, &err) != CLAW_OK)
		tap_diag("bad json %s", json);
	claw_tool_result_init(&res);
	claw_registry_call(reg, ctx, name, in, &res);
	(void)snprintf(out, sizeof out, "%s", claw_buf_str(&res.text));
	*is_error = res.is_error;
	claw_tool_result_free(&res);
	json_object_put(in);
	return out;
}

static void
test_schemas(void)
{
	struct claw_registry *reg = claw_registry_new();
	struct claw_error err = {0};
	struct claw_tool t = echo;

	is_int(claw_registry_add(reg, &echo, &err), CLAW_OK, "schema compiles");
	is_int(claw_registry_add(reg, &echo, &err), CLAW_EEXIST, "duplicate name");
	t.name = "bad1";
	t.schema = "[1]";
	is_int(claw_registry_add(reg, &t, &err), CLAW_EINVAL, "schema not an object");
	is_str(err.msg, "tool bad1: schema is not a JSON object", "its message");
	t.schema = "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"date\"}}}";
	is_int(claw_registry_add(reg, &t, &err), CLAW_EINVAL, "unsupported type");
	has_str(err.msg, "unsupported type \"date\"", "its message");
	t.schema = "{\"type\": \"object\", \"required\": [\"zz\"]}";
	is_int(claw_registry_add(reg, &t, &err), CLAW_EINVAL, "required names nothing");
	t.schema = "{\"type\": \"string\"}";
	is_int(claw_registry_add(reg, &t, &err), CLAW_EINVAL, "not type object");
	is_int(claw_registry_count(reg), 1, "failed adds leave nothing");
	claw_registry_free(reg);
}

static void
test_validation(void)
{
	struct claw_registry *reg = make();
	bool e;

	is_str(call(reg, NULL, "echo", "{\"a\": \"hi\"}", &e), "a=hi", "valid input");
	ok(!e, "is not an error");
	is_str(call(reg, NULL, "echo", "{}", &e), "invalid input for echo: missing field \"a\"",
	       "missing required field");
	ok(e, "is an error");
	is_str(call(reg, NULL, "echo", NULL, &e), "invalid input for echo: missing field \"a\"",
	       "no input at all");
	is_str(call(reg, NULL, "echo", "{\"a\": null}", &e),
	       "invalid input for echo: missing field \"a\"", "null counts as absent");
	is_str(call(reg, NULL, "echo", "{\"a\": 3}", &e),
	       "invalid input for echo: field \"a\" must be a string", "wrong type: string");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"n\": 1.5}", &e),
	       "invalid input for echo: field \"n\" must be an integer", "wrong type: integer");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"x\": 1}", &e), "a=x",
	       "an integer is a number");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"b\": \"yes\"}", &e),
	       "invalid input for echo: field \"b\" must be a boolean", "wrong type: boolean");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"o\": []}", &e),
	       "invalid input for echo: field \"o\" must be an object", "wrong type: object");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"l\": {}}", &e),
	       "invalid input for echo: field \"l\" must be an array", "wrong type: array");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"e\": \"blue\"}", &e),
	       "invalid input for echo: field \"e\" must be one of: red, green", "enum");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"e\": \"green\"}", &e), "a=x",
	       "enum value accepted");
	is_str(call(reg, NULL, "echo", "{\"a\": \"x\", \"zz\": 1}", &e),
	       "invalid input for echo: unknown field \"zz\"", "additionalProperties false");
	is_str(call(reg, NULL, "echo", "[1]", &e),
	       "invalid input for echo: input must be a JSON object", "not an object");
	is_str(call(reg, NULL, "nope", "{}", &e), "unknown tool nope", "unknown tool");
	ok(e, "unknown tool is an error");
	claw_registry_free(reg);
}

static void
test_palettes(void)
{
	struct claw_registry *reg = make(), *pal = NULL, *pal2 = NULL;
	struct claw_error err = {0};
	const char *names[] = {"fail", "echo"};
	const char *bad[] = {"echo", "nope"};
	const char *twice[] = {"echo", "echo"};
	bool e;

	is_int(claw_registry_only(reg, names, 2, &pal, &err), CLAW_OK, "palette of two");
	is_int(claw_registry_count(pal), 2, "holds two");
	is_str(claw_registry_at(pal, 0)->name, "fail", "in the order asked");
	ok(claw_registry_find(pal, "flood") == NULL, "flood is not in it");
	is_str(call(pal, NULL, "flood", "{}", &e), "unknown tool flood",
	       "a tool outside the palette is unknown");
	is_str(call(pal, NULL, "echo", "{\"a\": \"p\"}", &e), "a=p", "a tool inside works");
	is_int(claw_registry_only(pal, names + 1, 1, &pal2, &err), CLAW_OK, "palette of a palette");
	is_str(call(pal2, NULL, "fail", "{}", &e), "unknown tool fail", "narrowed again");
	claw_registry_free(pal2);
	pal2 = NULL;
	is_int(claw_registry_add(pal, &flood, &err), CLAW_EINVAL, "cannot add to a palette");
	is_int(claw_registry_only(reg, bad, 2, &pal2, &err), CLAW_EINVAL, "unknown name");
	is_str(err.msg, "unknown tool nope", "names it");
	is_int(claw_registry_only(reg, twice, 2, &pal2, &err), CLAW_EINVAL, "duplicate name");
	is_int(claw_registry_only(reg, NULL, 0, &pal2, &err), CLAW_OK, "the empty palette");
	is_int(claw_registry_count(pal2), 0, "holds nothing");
	is_str(call(pal2, NULL, "echo", "{\"a\": \"x\"}", &e), "unknown tool echo",
	       "everything is unknown");
	claw_registry_free(pal2);
	claw_registry_free(pal);
	claw_registry_free(reg);
}

static void
test_door(void)
{
	struct claw_registry *reg = make();
	struct claw_secrets *sec = NULL;
	struct claw_error err = {0};
	const char *text = "KEY=topsecretvalue\n";
	bool e;

	is_int(claw_secrets_parse(text, strlen(text), "t", &sec, &err), CLAW_OK, "secrets");
	struct claw_history *h = claw_history_new(1);
	struct claw_tool_ctx ctx = {.secrets = sec, .history = h};

	is_str(call(reg, &ctx, "flood", "{}", &e), "output of flood is over 524288 bytes\n[run#1]",
	       "an oversize result becomes an error, with its handle");
	ok(e, "is an error");
	is_str(call(reg, &ctx, "echo", "{\"a\": \"x topsecretvalue y\"}", &e),
	       "a=x [redacted KEY] y\n[run#2]", "secrets are redacted from results");
	is_str(call(reg, &ctx, "fail", "{}", &e), "it broke\n[run#3]", "errors get handles too");
	is_str(call(reg, &ctx, "nope", "{}", &e), "unknown tool nope\n[run#4]",
	       "even unknown tools get one");
	struct claw_history_entry he;
	is_int(claw_history_get(h, 2, &he, &err), CLAW_OK, "run#2 is held");
	is_str(he.text, "a=x [redacted KEY] y", "held redacted and without the handle");
	is_str(he.tool, "echo", "with its tool");
	is_str(he.input, "{\"a\":\"x topsecretvalue y\"}", "and its input");
	claw_history_free(h);
	claw_secrets_free(sec);
	claw_registry_free(reg);
}

static void
test_clip(void)
{
	struct claw_buf out = CLAW_BUF_INIT(100000);
	char *big = malloc(30001);

	memset(big, 'a', 30000);
	big[30000] = '\0';
	big[0] = 'S';
	big[29999] = 'E';
	(void)claw_tool_clip(&out, big, 20000, 20000);
	is_int(claw_buf_len(&out), 20000, "20000 bytes are kept whole");
	claw_buf_reset(&out);
	(void)claw_tool_clip(&out, big, 30000, 30000);
	const char *s = claw_buf_str(&out);
	ok(s[0] == 'S' && s[claw_buf_len(&out) - 1] == 'E', "keeps both ends");
	has_str(s, "\n[... 10000 bytes clipped ...]\n", "marker counts the dropped bytes");
	is_int(claw_buf_len(&out), 20000 + strlen("\n[... 10000 bytes clipped ...]\n"),
	       "head + marker + tail");
	claw_buf_reset(&out);
	(void)claw_tool_clip(&out, big, 30000, 50000030000ULL);
	has_str(claw_buf_str(&out), "[... 50000010000 bytes clipped ...]",
		"bytes never kept are counted");
	/* A 3-byte character (€) across the head cut at 10000. */
	memcpy(big + 9999, "\xe2\x82\xac", 3);
	claw_buf_reset(&out);
	(void)claw_tool_clip(&out, big, 30000, 30000);
	s = claw_buf_str(&out);
	ok(strncmp(s + 9999, "\n[...", 5) == 0, "head cut before the character");
	claw_buf_free(&out);
	free(big);
}

static void
self_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	(void)input;
	claw_tool_result_ok(res, "%s data=%s", ctx->self->name, (const char *)ctx->self->data);
}

/* A tool of another program's: strings copied, its schema checked only as
 * far as the subset goes, its data handed to the handler. */
static void
test_copy(void)
{
	struct claw_registry *reg = claw_registry_new();
	struct claw_error err = {0};
	struct claw_buf schema = CLAW_BUF_INIT(8192);
	bool e;

	(void)claw_buf_puts(&schema, "{\"type\": \"object\", \"$schema\": \"x\", \"properties\": {"
				     "\"v\": {\"anyOf\": [{\"type\": \"string\"}]},"
				     "\"n\": {\"type\": \"number\", \"minimum\": 1},"
				     "\"k\": {\"type\": \"integer\", \"enum\": [1, 2]}");
	for (int i = 0; i < CLAW_TOOL_FIELDS_MAX + 4; i++)
		(void)claw_buf_printf(&schema, ", \"f%d\": {\"type\": \"string\"}", i);
	(void)claw_buf_puts(&schema,
			    "}, \"required\": [\"v\", \"n\"], \"additionalProperties\": false}");
	char *name = claw_xstrdup("mcp__s__t"), *desc = claw_xstrdup("a copied tool");
	char *text = claw_buf_steal(&schema);
	struct claw_tool t = {name, desc, text, CLAW_TOOL_MUTATING, self_run, "the data"};
	is_int(claw_registry_add(reg, &t, &err), CLAW_EINVAL,
	       "the same schema is refused for a built-in");
	is_int(claw_registry_add_copy(reg, &t, &err), CLAW_OK, "and taken as a copy: %s",
	       claw_error_text(&err));
	memset(name, 'x', strlen(name)); /* the caller's strings may go */
	free(name);
	free(desc);
	free(text);
	const struct claw_tool *got = claw_registry_find(reg, "mcp__s__t");
	ok(got != NULL && strcmp(got->description, "a copied tool") == 0,
	   "found, its strings kept");
	struct claw_tool_ctx ctx = {0};
	is_str(call(reg, &ctx, "mcp__s__t", "{\"v\": 1, \"n\": 2, \"k\": 7}", &e),
	       "mcp__s__t data=the data", "the handler sees itself and its data");
	is_str(call(reg, &ctx, "mcp__s__t", "{\"v\": 1}", &e),
	       "invalid input for mcp__s__t: "
	       "missing field \"n\"",
	       "required fields of known types are checked");
	is_str(call(reg, &ctx, "mcp__s__t", "{\"v\": [1], \"f19\": \"x\", \"n\": 1}", &e),
	       "mcp__s__t data=the data",
	       "closed, yet its fields beyond the subset are let through");
	is_str(call(reg, &ctx, "mcp__s__t", "{\"v\": 1, \"n\": \"2\"}", &e),
	       "invalid input for mcp__s__t: field \"n\" must be a number", "and their types");
	struct claw_tool bad = {"mcp__s__u",    "",       "{\"type\": \"array\"}",
				CLAW_TOOL_SAFE, self_run, NULL};
	is_int(claw_registry_add_copy(reg, &bad, &err), CLAW_EINVAL,
	       "a schema that is not an object is refused");
	claw_registry_free(reg);
}

static void
test_builtin(void)
{
	struct claw_registry *reg = NULL;
	struct claw_error err = {0};
	const char *want[] = {"bash",       "read_file", "write_file",
			      "list_files", "recall",    "artifact"};

	is_int(claw_builtin_registry(&reg, &err), CLAW_OK, "built-in registry");
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ok(claw_registry_find(reg, want[i]) != NULL, "has %s", want[i]);
	is_int(claw_registry_find(reg, "bash")->risk, CLAW_TOOL_DANGEROUS, "bash is dangerous");
	is_int(claw_registry_find(reg, "write_file")->risk, CLAW_TOOL_MUTATING,
	       "write_file mutates");
	is_int(claw_registry_find(reg, "read_file")->risk, CLAW_TOOL_SAFE, "read_file is safe");
	bool e;
	is_str(call(reg, NULL, "bash", "{}", &e),
	       "invalid input for bash: missing field \"command\"", "bash needs a command");
	is_str(call(reg, NULL, "bash", "{\"command\": \"true\"}", &e),
	       "bash is not available here: no project sandbox", "bash without a sandbox");
	is_str(call(reg, NULL, "read_file", "{\"path\": \"x\"}", &e), "no project folder",
	       "files without a project");
	has_str(call(reg, NULL, "recall", "{\"what\": \"task\"}", &e), "recall needs a run",
		"recall outside a run");
	has_str(call(reg, NULL, "artifact", "{\"label\": \"x\", \"text\": \"y\"}", &e),
		"artifact needs a run", "artifact outside a run");
	claw_registry_free(reg);
}

int
main(void)
{
	test_schemas();
	test_validation();
	test_palettes();
	test_door();
	test_clip();
	test_copy();
	test_builtin();
	return tap_done();
}
