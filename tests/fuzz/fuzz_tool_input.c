/*
 * fuzz_tool_input — libFuzzer target for a model's tool-call input checked
 * against the tool's schema (claw_registry_validate, src/tool/registry.c)
 * and read by the tools that only read (read_file and list_files,
 * src/tool/files.c, through claw_registry_call).
 *
 * Input: one byte picking a built-in tool, then the input JSON.
 * Properties: validation agrees with a reference reading of the tool's
 * JSON schema written here (required fields, types, string enums,
 * additionalProperties: false, null counting as absent); a call always
 * answers text, an error when the input did not validate; read_file and
 * list_files, run in a scratch project that has a symlink to a file outside
 * it and a symlink to its parent, never show the outside file's content or
 * list the directory outside (a link's own target text aside), and never
 * show the project's secret unredacted.
 * Seeds in tests/fuzz/seeds/tool_input, words in tool_input.dict.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mem.h"
#include "fuzz.h"
#include "tool/builtin.h"
#include "tool/registry.h"
#include "tool/secrets.h"

#define OUTSIDE "OUTSIDE-MARKER-7f3a"
#define SECRET "SUPERSECRET-1234"

static struct claw_registry *reg;
static struct claw_secrets *secrets;
static char project[PATH_MAX];

static void
put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fuzz_check(fd >= 0, "cannot make a scratch file");
	fuzz_check(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "short write");
	(void)close(fd);
}

static void
setup(void)
{
	struct claw_error err = {0};
	char *base = claw_xasprintf("%s/tool", fuzz_tmpdir());
	char *proj = claw_xasprintf("%s/proj", base);
	char *p;

	fuzz_check(mkdir(base, 0700) == 0 && mkdir(proj, 0700) == 0, "mkdir");
	p = claw_xasprintf("%s/outside.txt", base);
	put_file(p, OUTSIDE "\n");
	free(p);
	p = claw_xasprintf("%s/a.txt", proj);
	put_file(p, "hello " SECRET " world\n");
	free(p);
	p = claw_xasprintf("%s/sub", proj);
	fuzz_check(mkdir(p, 0700) == 0, "mkdir sub");
	free(p);
	p = claw_xasprintf("%s/sub/b.txt", proj);
	put_file(p, "b\n");
	free(p);
	p = claw_xasprintf("%s/link", proj);
	fuzz_check(symlink("../outside.txt", p) == 0, "symlink");
	free(p);
	p = claw_xasprintf("%s/up", proj);
	fuzz_check(symlink("..", p) == 0, "symlink");
	free(p);
	fuzz_check(realpath(proj, project) != NULL, "realpath");
	free(proj);
	free(base);
	fuzz_check(claw_builtin_registry(&reg, &err) == CLAW_OK, "builtin registry");
	fuzz_check(claw_secrets_parse("TOKEN=" SECRET "\n", strlen("TOKEN=" SECRET "\n"), "s",
				      &secrets, &err) == CLAW_OK,
		   "secrets");
}

/* The reference: does input fit schema (the subset registry.h documents)? */
static bool
ref_valid(const char *schema_text, struct json_object *input)
{
	struct json_object *schema = json_tokener_parse(schema_text), *props = NULL, *req = NULL,
			   *add = NULL;
	bool good = true;

	fuzz_check(schema != NULL, "a tool schema does not parse");
	if (input != NULL && !json_object_is_type(input, json_type_object)) {
		json_object_put(schema);
		return false;
	}
	(void)json_object_object_get_ex(schema, "properties", &props);
	if (json_object_object_get_ex(schema, "required", &req)) {
		for (size_t i = 0; i < json_object_array_length(req); i++) {
			const char *k = json_object_get_string(json_object_array_get_idx(req, i));
			struct json_object *v = NULL;
			if (input == NULL || !json_object_object_get_ex(input, k, &v) || v == NULL)
				good = false;
		}
	}
	if (props != NULL && input != NULL) {
		json_object_object_foreach(props, k, prop)
		{
			struct json_object *v = NULL, *t = NULL, *en = NULL;
			if (!json_object_object_get_ex(input, k, &v) || v == NULL)
				continue;
			(void)json_object_object_get_ex(prop, "type", &t);
			const char *type = json_object_get_string(t);
			enum json_type jt = json_object_get_type(v);
			bool ok = strcmp(type, "string") == 0    ? jt == json_type_string
				  : strcmp(type, "integer") == 0 ? jt == json_type_int
				  : strcmp(type, "number") == 0
					  ? jt == json_type_int || jt == json_type_double
				  : strcmp(type, "boolean") == 0 ? jt == json_type_boolean
				  : strcmp(type, "object") == 0  ? jt == json_type_object
				  : strcmp(type, "array") == 0   ? jt == json_type_array
								 : false;
			if (ok && json_object_object_get_ex(prop, "enum", &en)) {
				bool listed = false;
				for (size_t i = 0; i < json_object_array_length(en); i++)
					listed = listed || strcmp(json_object_get_string(v),
								  json_object_get_string(
									  json_object_array_get_idx(
										  en, i))) == 0;
				ok = listed;
			}
			good = good && ok;
		}
	}
	if (json_object_object_get_ex(schema, "additionalProperties", &add) &&
	    !json_object_get_boolean(add) && input != NULL) {
		json_object_object_foreach(input, k, v)
		{
			(void)v;
			struct json_object *unused;
			if (props == NULL || !json_object_object_get_ex(props, k, &unused))
				good = false;
		}
	}
	json_object_put(schema);
	return good;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *input = NULL;
	struct claw_error err = {0};

	if (reg == NULL)
		setup();
	if (size == 0)
		return 0;
	const struct claw_tool *tool = claw_registry_at(reg, data[0] % claw_registry_count(reg));
	if (claw_json_parse((const char *)data + 1, size - 1, &input, &err) != CLAW_OK)
		return 0;
	enum claw_err rc = claw_registry_validate(reg, tool->name, input, &err);
	fuzz_check((rc == CLAW_OK) == ref_valid(tool->schema, input),
		   "validation disagrees with the schema");
	fuzz_check(rc == CLAW_OK || (rc == CLAW_EINVAL && err.msg[0] != '\0'),
		   "validation error without a message");

	if (strcmp(tool->name, "read_file") == 0 || strcmp(tool->name, "list_files") == 0) {
		struct claw_tool_ctx ctx = {.project = project, .secrets = secrets, .tools = reg};
		struct claw_tool_result res;
		claw_tool_result_init(&res);
		claw_registry_call(reg, &ctx, tool->name, input, &res);
		const char *text = claw_buf_str(&res.text);
		const char *in_text = claw_json_text(input);
		bool echoed = strcasestr(in_text, "outside") != NULL;
		fuzz_check(rc == CLAW_OK || res.is_error, "an invalid input ran");
		fuzz_check(claw_buf_len(&res.text) > 0, "a call answered no text");
		fuzz_check(echoed || strstr(text, OUTSIDE) == NULL, "a file outside was read");
		/* The link's own target text is in the project (list_files shows
		 * "link -> ../outside.txt", like ls -l); any other mention is a
		 * listing of the directory outside. */
		fuzz_check(echoed || count(text, "outside.txt") == count(text, "-> ../outside.txt"),
			   "a directory outside was listed");
		fuzz_check(strstr(text, SECRET) == NULL, "a secret was shown");
		claw_tool_result_free(&res);
	}
	json_object_put(input);
	return 0;
}
