/*
 * fuzz_mcp_config — libFuzzer target for a project's MCP servers file
 * (claw_mcp_config_parse, src/mcp/config.c).
 *
 * Input: the file.  Properties: a config or an error with a message naming
 * the file, never both; at most CLAW_MCP_SERVERS_MAX servers, each with a
 * valid unique name, exactly one transport with its own fields (a non-empty
 * command, or an http(s) url), every list within CLAW_MCP_LIST_MAX and
 * every value within CLAW_MCP_VALUE_MAX without a line break in env or
 * header values; a ${SECRET} reference is resolved (the one secret's value
 * is in, its reference is not), and the secret's value never shows in a
 * message unless the file itself holds it.
 * Seeds in tests/fuzz/seeds/mcp_config, words in mcp_config.dict.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "mcp/config.h"

#define SECRET_VALUE "s3cr3t-v4lue-fuzz"

static void
check_pairs(const struct claw_mcp_pair *p, size_t n)
{
	fuzz_check(n <= CLAW_MCP_LIST_MAX, "too many pairs");
	for (size_t i = 0; i < n; i++) {
		fuzz_check(p[i].name[0] != '\0', "an empty name");
		fuzz_check(strlen(p[i].value) <= CLAW_MCP_VALUE_MAX, "a value too long");
		fuzz_check(strpbrk(p[i].value, "\r\n") == NULL, "a line break in a value");
		fuzz_check(strstr(p[i].value, "${TOKEN}") == NULL, "a reference left unresolved");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct claw_secrets *secrets;
	struct claw_mcp_config c;
	struct claw_error err = {0};

	if (secrets == NULL) {
		const char *s = "TOKEN=" SECRET_VALUE "\n";
		fuzz_check(claw_secrets_parse(s, strlen(s), "s", &secrets, &err) == CLAW_OK,
			   "the fuzzer's secret");
	}
	enum claw_err rc =
		claw_mcp_config_parse((const char *)data, size, "/p.mcp.json", secrets, &c, &err);
	if (rc != CLAW_OK) {
		fuzz_check(c.n == 0 && c.servers == NULL, "an error and a config");
		fuzz_check(strncmp(err.msg, "/p.mcp.json: ", 13) == 0,
			   "an error that does not name the file");
		/* A message may quote the file, never the secret it refers to. */
		fuzz_check(strstr(err.msg, SECRET_VALUE) == NULL ||
				   memmem(data, size, SECRET_VALUE, sizeof SECRET_VALUE - 1) !=
					   NULL,
			   "a secret in a message");
		return 0;
	}
	fuzz_check(c.n <= CLAW_MCP_SERVERS_MAX, "too many servers");
	for (size_t i = 0; i < c.n; i++) {
		const struct claw_mcp_server *s = &c.servers[i];
		size_t nl = strlen(s->name);
		fuzz_check(nl >= 1 && nl <= CLAW_MCP_NAME_MAX && strstr(s->name, "__") == NULL,
			   "a bad name");
		fuzz_check(claw_mcp_config_find(&c, s->name) == s, "a name twice");
		if (s->transport == CLAW_MCP_STDIO) {
			fuzz_check(s->command != NULL && s->command[0] != '\0' && s->url == NULL &&
					   s->nheaders == 0,
				   "a stdio server's fields");
			fuzz_check(s->nargs <= CLAW_MCP_LIST_MAX, "too many args");
		} else {
			fuzz_check(s->url != NULL && s->command == NULL && s->nargs == 0 &&
					   s->nenv == 0 && !s->network,
				   "an HTTP server's fields");
			fuzz_check(strncmp(s->url, "http://", 7) == 0 ||
					   strncmp(s->url, "https://", 8) == 0,
				   "a url that is not http(s)");
		}
		check_pairs(s->env, s->nenv);
		check_pairs(s->headers, s->nheaders);
		fuzz_check(s->ntools <= CLAW_MCP_LIST_MAX, "too many tools");
		for (size_t k = 0; k < s->ntools; k++)
			fuzz_check(s->tools[k][0] != '\0', "an empty tool name");
	}
	claw_mcp_config_free(&c);
	return 0;
}
