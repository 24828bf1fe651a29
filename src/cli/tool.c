/*
 * tool — `claw tool NAME JSON`: run one tool against the resolved project
 * exactly as a run would.
 *
 * Same registry, sandbox (CLAW_SANDBOX, CLAW_SANDBOX_NET, the tool timeout
 * and limits), project secrets and redaction as a run; it answers what an
 * operator asks before trusting claw with a repository: do my build and
 * tests run inside the sandbox, and is my home really hidden?  JSON "-"
 * reads the input from stdin (for a write_file with a long content).
 *
 * The result text goes to stdout with exit 0; an error result goes to
 * stderr as "claw tool: TEXT" with exit 1.  Tools that only make sense
 * inside a run (recall, artifact, and the engine's verdict, rerun_evidence
 * and define_workflow) are refused with a message saying so.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/str.h"
#include "llm/http.h"
#include "mcp/config.h"
#include "mcp/servers.h"
#include "tool/builtin.h"
#include "tool/registry.h"
#include "tool/sandbox.h"
#include "tool/secrets.h"

#define TOOL_STDIN_MAX (8 * 1024 * 1024) /* bytes of JSON read from stdin */

static const char *const run_only[] = {"recall", "artifact", "verdict", "rerun_evidence",
				       "define_workflow"};

/* Reads all of stdin into b (capped). */
static enum claw_err
read_stdin(struct claw_buf *b, struct claw_error *err)
{
	char chunk[8192];
	for (;;) {
		ssize_t r = read(0, chunk, sizeof chunk);
		if (r == 0)
			return CLAW_OK;
		if (r < 0)
			return claw_error_set(err, CLAW_EIO, "cannot read the input from stdin");
		if (claw_buf_append(b, chunk, (size_t)r) != CLAW_OK)
			return claw_error_set(err, CLAW_ETOOBIG, "the input is over %d bytes",
					      TOOL_STDIN_MAX);
	}
}

/* "bash, read_file, ..." of the tools claw tool can run. */
static void
list_tools(const struct claw_registry *reg, struct claw_buf *b)
{
	for (size_t i = 0; i < claw_registry_count(reg); i++) {
		const char *name = claw_registry_at(reg, i)->name;
		bool skip = false;
		for (size_t k = 0; k < sizeof run_only / sizeof run_only[0]; k++)
			skip = skip || strcmp(name, run_only[k]) == 0;
		if (!skip)
			(void)claw_buf_printf(b, "%s%s", claw_buf_len(b) != 0 ? ", " : "", name);
	}
}

/* What running a tool here needs, as a run has it. */
struct here {
	struct claw_project project;
	struct claw_db *db;
	struct claw_registry *reg;
	struct claw_sandbox *sb;
	struct claw_secrets *secrets;
	struct claw_mcp_config mcp;
	struct claw_mcp_servers *servers;
	struct claw_cli *cli;
};

/* An MCP server's start or end, on stderr with -v (claw mcp lists the
 * failures itself, claw tool's error result says them). */
static void
mcp_event(void *ctx, const struct claw_mcp_event *ev)
{
	struct claw_cli *cli = ctx;

	if (cli->verbosity != CLAW_CLI_VERBOSE)
		return;
	(void)fprintf(cli->err, "claw %s: MCP server %s %s", cli->cmd, ev->server, ev->what);
	if (strcmp(ev->what, "started") == 0 || strcmp(ev->what, "restarted") == 0)
		(void)fprintf(cli->err, " with %zu tools in %lld ms", ev->ntools,
			      (long long)ev->ms);
	if (ev->message != NULL)
		(void)fprintf(cli->err, ": %s", ev->message);
	(void)fputc('\n', cli->err);
}

/* Opens the project, its sandbox, secrets and MCP servers (none started)
 * and the built-in tools. */
static enum claw_err
here_open(struct claw_cli *cli, struct here *h, struct claw_error *err)
{
	struct claw_sandbox_opts opts;
	enum claw_err rc = claw_builtin_registry(&h->reg, err);

	h->cli = cli;
	if (rc == CLAW_OK)
		rc = claw_cli_open_project(cli, &h->project, &h->db, err);
	if (rc == CLAW_OK) {
		claw_sandbox_opts_from_config(&opts, &cli->config);
		rc = claw_sandbox_new(&opts, &h->sb, err);
	}
	if (rc == CLAW_OK) {
		char *path = claw_secrets_path(cli->config.home, h->project.key);
		rc = claw_secrets_load(path, &h->secrets, err);
		free(path);
	}
	if (rc == CLAW_OK) {
		char *path = claw_mcp_config_path(cli->config.home, h->project.key);
		rc = claw_mcp_config_load(path, h->secrets, &h->mcp, err);
		free(path);
	}
	if (rc != CLAW_OK)
		return rc;
	struct claw_mcp_servers_opts mo = {
		.config = &h->mcp,
		.registry = h->reg,
		.place = {.sandbox = h->sb, .project = h->project.path, .secrets = h->secrets},
		.timeout_ms = claw_sandbox_opts(h->sb)->timeout_ms,
		.event = mcp_event,
		.event_ctx = cli,
	};
	h->servers = claw_mcp_servers_new(&mo);
	return CLAW_OK;
}

static void
here_close(struct here *h)
{
	claw_mcp_servers_free(h->servers); /* before the registry it feeds */
	claw_mcp_config_free(&h->mcp);
	claw_secrets_free(h->secrets);
	claw_sandbox_free(h->sb);
	claw_registry_free(h->reg);
	claw_db_close(h->db);
	claw_project_free(&h->project);
}

int
claw_cmd_tool(struct claw_cli *cli, int argc, char **argv)
{
	struct here h = {0};
	struct json_object *input = NULL;
	struct claw_error err = {0};
	struct claw_tool_result res;
	struct claw_buf in = CLAW_BUF_INIT(TOOL_STDIN_MAX);
	const char *pos[2];
	size_t npos = 0;

	claw_tool_result_init(&res);
	int status = claw_cli_parse(cli, argc, argv, NULL, 0, pos, 2, &npos);
	if (status != CLAW_EXIT_OK)
		goto out;
	if (npos < 2) {
		status = claw_cli_usage(cli, npos == 0 ? "missing NAME and JSON" : "missing JSON");
		goto out;
	}
	for (size_t k = 0; k < sizeof run_only / sizeof run_only[0]; k++)
		if (strcmp(pos[0], run_only[k]) == 0) {
			claw_error_set(&err, CLAW_EINVAL,
				       "%s needs a run: it only works inside one (claw run)",
				       pos[0]);
			status = claw_cli_fail(cli, &err);
			goto out;
		}
	if (strcmp(pos[1], "-") == 0) {
		if (read_stdin(&in, &err) != CLAW_OK) {
			status = claw_cli_fail(cli, &err);
			goto out;
		}
	} else {
		(void)claw_buf_puts(&in, pos[1]);
	}
	if (claw_json_parse(claw_buf_str(&in), claw_buf_len(&in), &input, &err) != CLAW_OK) {
		status = claw_cli_usage(cli, "JSON: %s", claw_error_text(&err));
		goto out;
	}
	if (here_open(cli, &h, &err) != CLAW_OK ||
	    (strncmp(pos[0], "mcp__", 5) == 0 &&
	     claw_mcp_servers_want(h.servers, pos[0], &err) != CLAW_OK)) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (claw_registry_find(h.reg, pos[0]) == NULL) {
		struct claw_buf names = CLAW_BUF_INIT(1024);
		list_tools(h.reg, &names);
		claw_error_set(&err, CLAW_ENOTFOUND, "unknown tool %s (tools: %s%s)", pos[0],
			       claw_buf_str(&names),
			       h.mcp.n != 0 ? "; MCP tools: see claw mcp" : "");
		claw_buf_free(&names);
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (cli->verbosity == CLAW_CLI_VERBOSE)
		(void)fprintf(cli->err, "claw tool: %s in %s, sandbox %s, %zu secrets\n", pos[0],
			      h.project.path, claw_config_sandbox_name(claw_sandbox_mode(h.sb)),
			      claw_secrets_count(h.secrets));
	struct claw_tool_ctx ctx = {
		.project = h.project.path,
		.sandbox = h.sb,
		.secrets = h.secrets,
		.tools = h.reg,
	};
	claw_registry_call(h.reg, &ctx, pos[0], input, &res);
	const char *text = claw_buf_str(&res.text);
	size_t len = claw_buf_len(&res.text);
	const char *nl = len != 0 && text[len - 1] == '\n' ? "" : "\n";
	if (res.is_error) {
		(void)fprintf(cli->err, "claw %s: %s%s", cli->cmd, text, nl);
		status = CLAW_EXIT_FAIL;
	} else {
		(void)fprintf(cli->out, "%s%s", text, nl);
	}
out:
	claw_tool_result_free(&res);
	claw_buf_free(&in);
	json_object_put(input);
	here_close(&h);
	return status;
}

/* text (a server's words: no terminal escapes get through), its first
 * line only when first, at most max bytes of it. */
static void
put_visible(FILE *f, const char *text, bool first, size_t max)
{
	struct claw_buf b = CLAW_BUF_INIT(4 * CLAW_MCP_NOTES_MAX);
	size_t n = first ? strcspn(text, "\n") : strlen(text);
	bool cut = n > max;
	if (claw_str_visible(&b, text, cut ? max : n, CLAW_STR_VISIBLE_NAME) != CLAW_OK)
		claw_buf_reset(&b);
	(void)fprintf(f, "%s%s", claw_buf_str(&b), cut ? "..." : "");
	claw_buf_free(&b);
}

int
claw_cmd_mcp(struct claw_cli *cli, int argc, char **argv)
{
	struct here h = {0};
	struct claw_error err = {0};
	size_t npos = 0;
	bool broken = false;

	int status = claw_cli_parse(cli, argc, argv, NULL, 0, NULL, 0, &npos);
	if (status != CLAW_EXIT_OK)
		goto out;
	if (here_open(cli, &h, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (h.mcp.n == 0) {
		char *path = claw_mcp_config_path(cli->config.home, h.project.key);
		(void)fprintf(cli->out, "no MCP servers (the project's config: %s)\n", path);
		free(path);
		goto out;
	}
	claw_mcp_servers_start_all(h.servers);
	for (size_t i = 0; i < claw_mcp_servers_count(h.servers); i++) {
		const struct claw_mcp_server *cfg = &h.mcp.servers[i];
		struct claw_mcp_client *c = claw_mcp_servers_client(h.servers, i);
		char url[512] = "";
		if (cfg->transport == CLAW_MCP_HTTP)
			claw_http_url_for_message(cfg->url, url, sizeof url);
		(void)fprintf(cli->out, "%s (%s%s%s)", cfg->name,
			      cfg->transport == CLAW_MCP_STDIO ? "stdio: " : "http: ",
			      cfg->transport == CLAW_MCP_STDIO ? cfg->command : url,
			      cfg->network ? ", network" : "");
		if (c == NULL) {
			(void)fprintf(cli->out, ": cannot connect: %s\n",
				      claw_mcp_servers_error(h.servers, i));
			broken = true;
			continue;
		}
		(void)fprintf(cli->out, ": MCP %s, %zu tools\n", claw_mcp_client_protocol(c),
			      claw_mcp_client_ntools(c));
		for (size_t k = 0; k < claw_mcp_client_ntools(c); k++) {
			const struct claw_mcp_tool *t = claw_mcp_client_tool(c, k);
			(void)fprintf(cli->out, "  %s%s  ", t->full,
				      t->read_only ? " (read-only)" : "");
			put_visible(cli->out, t->description, true, 100);
			(void)fputc('\n', cli->out);
		}
		if (*claw_mcp_client_notes(c) != '\0') {
			(void)fputs("  left out: ", cli->out);
			put_visible(cli->out, claw_mcp_client_notes(c), false, CLAW_MCP_NOTES_MAX);
			(void)fputc('\n', cli->out);
		}
	}
	status = broken ? CLAW_EXIT_FAIL : CLAW_EXIT_OK;
out:
	here_close(&h);
	return status;
}
