/*
 * test_mcp_config — a project's MCP servers file (SPEC 12): both transports
 * in the shape other clients write, secrets resolved into env and headers,
 * other clients' keys accepted, a disabled server left out, every refusal
 * naming the file, the server and the field (never a secret's value), and
 * the file's mode checked like the secrets file's.
 */
#include "mcp/config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "fixture.h"
#include "tap.h"

static struct claw_secrets *secrets;

/* Parses text; the message ("" on success), the config in *out. */
static const char *
parse(const char *text, struct claw_mcp_config *out)
{
	static struct claw_error err;
	claw_error_clear(&err);
	if (claw_mcp_config_parse(text, strlen(text), "p.mcp.json", secrets, out, &err) != CLAW_OK)
		return err.msg;
	return "";
}

static void
test_good(void)
{
	struct claw_mcp_config c;
	is_str(parse("{\"mcpServers\": {"
		     " \"files\": {\"command\": \"npx\", \"args\": [\"-y\", \"server-fs\", \".\"],"
		     "  \"env\": {\"TOKEN\": \"${GITHUB_TOKEN}\", \"PLAIN\": \"a $b ${lower} ${\"},"
		     "  \"network\": true, \"tools\": [\"read_file\", \"list\"],"
		     "  \"autoApprove\": [\"x\"], \"description\": \"from another client\"},"
		     " \"docs\": {\"type\": \"http\", \"url\": \"https://mcp.example.com/mcp\","
		     "  \"headers\": {\"Authorization\": \"Bearer ${DOCS_KEY}\"}},"
		     " \"off\": {\"command\": \"x\", \"disabled\": true}}}",
		     &c),
	       "", "both transports parse");
	is_int((long long)c.n, 2, "two servers: the disabled one left out");
	const struct claw_mcp_server *f = claw_mcp_config_find(&c, "files");
	ok(f != NULL && f->transport == CLAW_MCP_STDIO && strcmp(f->command, "npx") == 0 &&
		   f->nargs == 3 && strcmp(f->args[2], ".") == 0 && f->network,
	   "files: a stdio server, its args, network on");
	ok(f != NULL && f->nenv == 2 && strcmp(f->env[0].name, "TOKEN") == 0 &&
		   strcmp(f->env[0].value, "ghp_0123456789abcdef") == 0,
	   "env: the secret resolved");
	ok(f != NULL && strcmp(f->env[1].value, "a $b ${lower} ${") == 0,
	   "what is not a reference is kept as it is");
	ok(f != NULL && f->ntools == 2 && strcmp(f->tools[1], "list") == 0, "the allow-list");
	const struct claw_mcp_server *d = claw_mcp_config_find(&c, "docs");
	ok(d != NULL && d->transport == CLAW_MCP_HTTP && d->command == NULL && d->tools == NULL &&
		   strcmp(d->url, "https://mcp.example.com/mcp") == 0 && d->nheaders == 1 &&
		   strcmp(d->headers[0].value, "Bearer docs-key-123456") == 0,
	   "docs: an HTTP server, its header's secret resolved, every tool");
	ok(!d->network, "network off unless said");
	ok(claw_mcp_config_find(&c, "off") == NULL, "a disabled server is not there");
	claw_mcp_config_free(&c);
	claw_mcp_config_free(&c); /* twice is fine */
	claw_mcp_config_free(NULL);

	is_str(parse("{\"mcpServers\": {}}", &c), "", "no servers");
	is_int((long long)c.n, 0, "none");
	claw_mcp_config_free(&c);
}

static void
test_refused(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"[]", "p.mcp.json: the file must be an object"},
		{"{\"servers\": {}}", "p.mcp.json: missing field \"mcpServers\""},
		{"{\"mcpServers\": {\"a\": 7}}",
		 "p.mcp.json: server a: the entry must be an object"},
		{"{\"mcpServers\": {\"a\": {}}}", "p.mcp.json: server a: needs a command (a stdio "
						  "server) or a url (an HTTP server)"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"url\": \"http://h\"}}}",
		 "p.mcp.json: server a: has both a command and a url: give one"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"cmd\": \"y\"}}}",
		 "p.mcp.json: server a: unknown field \"cmd\""},
		{"{\"mcpServers\": {\"a__b\": {\"command\": \"x\"}}}",
		 "p.mcp.json: server a__b: a name must be 1 to 32 letters, digits, '_' or '-', "
		 "without \"__\" and not beginning or ending with '_'"},
		{"{\"mcpServers\": {\"a_\": {\"command\": \"x\"}}}", "server a_: a name must be"},
		{"{\"mcpServers\": {\"_a\": {\"command\": \"x\"}}}", "server _a: a name must be"},
		{"{\"mcpServers\": {\"a b\": {\"command\": \"x\"}}}", "server a b: a name must be"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"\"}}}",
		 "p.mcp.json: server a: command must not be empty"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"args\": [\"ok\", 3]}}}",
		 "p.mcp.json: server a: args[1] must be a string"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\"K\": \"${NOPE}\"}}}}",
		 "p.mcp.json: server a: env.K: secret NOPE is not set in the project's secrets "
		 "file"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\"K\": 1}}}}",
		 "p.mcp.json: server a: env.K must be a string"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"network\": \"yes\"}}}",
		 "p.mcp.json: server a: network must be true or false"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"headers\": {}}}}",
		 "p.mcp.json: server a: headers are for a url, not a command"},
		{"{\"mcpServers\": {\"a\": {\"url\": \"ftp://h\"}}}",
		 "p.mcp.json: server a: url must be an http:// or https:// URL"},
		{"{\"mcpServers\": {\"a\": {\"url\": \"http://h\", \"network\": true}}}",
		 "p.mcp.json: server a: network is for a command, not a url"},
		{"{\"mcpServers\": {\"a\": {\"type\": \"sse\", \"url\": \"http://h/sse\"}}}",
		 "p.mcp.json: server a: type: the old SSE transport is not supported"},
		{"{\"mcpServers\": {\"a\": {\"type\": \"stdio\", \"url\": \"http://h\"}}}",
		 "p.mcp.json: server a: type \"stdio\" does not go with a url"},
		{"{\"mcpServers\": {\"a\": {\"url\": \"http://h\", \"headers\": {\"X\": "
		 "\"a\\nb\"}}}}",
		 "p.mcp.json: server a: headers.X must not hold a line break"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"tools\": [\"t\", \"t\"]}}}",
		 "p.mcp.json: server a: tools: \"t\" is listed twice"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\", \"tools\": [\"\"]}}}",
		 "p.mcp.json: server a: tools[0] must not be empty"},
		{"{\"mcpServers\": {\"a\": {\"command\": \"x\\u0000y\"}}}",
		 "p.mcp.json: server a: command must not contain NUL bytes"},
		{"{\"mcpServers\": ", "p.mcp.json: invalid JSON"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct claw_mcp_config c;
		const char *msg = parse(bad[i].text, &c);
		has_str(msg, bad[i].msg, "refused: %s", bad[i].text);
		ok(c.n == 0 && c.servers == NULL, "nothing kept");
		claw_mcp_config_free(&c);
	}

	/* A secret's value never shows in a message. */
	struct claw_mcp_config c;
	const char *msg = parse("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": "
				"{\"A\": \"${GITHUB_TOKEN}\", \"B\": \"${MISSING}\"}}}}",
				&c);
	ok(strstr(msg, "ghp_") == NULL && strstr(msg, "MISSING") != NULL,
	   "the message names the missing secret, not the others' values");
	claw_mcp_config_free(&c);

	/* Caps: too many servers, a value too long. */
	char big[CLAW_MCP_VALUE_MAX + 200];
	(void)snprintf(big, sizeof big, "{\"mcpServers\": {\"a\": {\"command\": \"%0*d\"}}}",
		       CLAW_MCP_VALUE_MAX + 1, 0);
	has_str(parse(big, &c), "server a: command is over 8192 bytes", "a command too long");
	claw_mcp_config_free(&c);
	char many[4096] = "{\"mcpServers\": {";
	for (int i = 0; i <= CLAW_MCP_SERVERS_MAX; i++)
		(void)snprintf(many + strlen(many), sizeof many - strlen(many),
			       "%s\"s%d\": {\"command\": \"x\"}", i > 0 ? "," : "", i);
	(void)snprintf(many + strlen(many), sizeof many - strlen(many), "}}");
	has_str(parse(many, &c), "p.mcp.json: over 32 servers", "too many servers");
	claw_mcp_config_free(&c);
}

/* The file: missing is no servers; others may not read it. */
static void
test_file(void)
{
	struct claw_mcp_config c;
	struct claw_error err;
	char *path = claw_mcp_config_path(tap_tmpdir(), "key");
	char *want = claw_xasprintf("%s/projects/key.mcp.json", tap_tmpdir());
	is_str(path, want, "the path");
	free(path);
	free(want);

	path = fixture_path("p.mcp.json");
	is_int(claw_mcp_config_load(path, secrets, &c, &err), CLAW_OK, "a missing file");
	is_int((long long)c.n, 0, "is no servers");
	claw_mcp_config_free(&c);
	const char *text = "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}";
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "written");
	if (fd >= 0)
		(void)close(fd);
	(void)chmod(path, 0644);
	is_int(claw_mcp_config_load(path, secrets, &c, &err), CLAW_ECONFIG, "mode 0644 refused");
	has_str(err.msg, "must not be accessible by others (mode 0644): run chmod 600", "why");
	(void)chmod(path, 0600);
	is_int(claw_mcp_config_load(path, secrets, &c, &err), CLAW_OK, "mode 0600 read");
	ok(c.n == 1 && strcmp(c.servers[0].name, "a") == 0, "its server");
	claw_mcp_config_free(&c);
	free(path);
}

int
main(void)
{
	struct claw_error err;
	const char *s = "GITHUB_TOKEN=ghp_0123456789abcdef\nDOCS_KEY=docs-key-123456\n";
	if (claw_secrets_parse(s, strlen(s), "test", &secrets, &err) != CLAW_OK) {
		printf("Bail out! secrets: %s\n", err.msg);
		return 1;
	}
	test_good();
	test_refused();
	test_file();
	claw_secrets_free(secrets);
	return tap_done();
}
