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

int
claw_cmd_tool(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_registry *reg = NULL;
	struct claw_sandbox *sb = NULL;
	struct claw_secrets *secrets = NULL;
	struct json_object *input = NULL;
	struct claw_error err = {0};
	struct claw_sandbox_opts opts;
	struct claw_tool_result res;
	struct claw_buf in = CLAW_BUF_INIT(TOOL_STDIN_MAX);
	char *secrets_path = NULL;
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
	if (claw_builtin_registry(&reg, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (claw_registry_find(reg, pos[0]) == NULL) {
		struct claw_buf names = CLAW_BUF_INIT(1024);
		list_tools(reg, &names);
		claw_error_set(&err, CLAW_ENOTFOUND, "unknown tool %s (tools: %s)", pos[0],
			       claw_buf_str(&names));
		claw_buf_free(&names);
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
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	claw_sandbox_opts_from_config(&opts, &cli->config);
	if (claw_sandbox_new(&opts, &sb, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	secrets_path = claw_secrets_path(cli->config.home, project.key);
	if (claw_secrets_load(secrets_path, &secrets, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (cli->verbosity == CLAW_CLI_VERBOSE)
		(void)fprintf(cli->err, "claw tool: %s in %s, sandbox %s, %zu secrets\n", pos[0],
			      project.path, claw_config_sandbox_name(claw_sandbox_mode(sb)),
			      claw_secrets_count(secrets));
	struct claw_tool_ctx ctx = {
		.project = project.path,
		.sandbox = sb,
		.secrets = secrets,
		.tools = reg,
	};
	claw_registry_call(reg, &ctx, pos[0], input, &res);
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
	free(secrets_path);
	claw_secrets_free(secrets);
	claw_sandbox_free(sb);
	claw_registry_free(reg);
	claw_db_close(db);
	claw_project_free(&project);
	return status;
}
