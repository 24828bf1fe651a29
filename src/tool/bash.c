/*
 * bash — environment, run, and the result text.  See bash.h.
 *
 * Order of the result's making matters for secrets: the whole capture is
 * redacted first and clipped after, so a clip can never cut a value in two
 * and show half of it.
 */
#include "tool/bash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "tool/sandbox.h"
#include "tool/secrets.h"

#define ENV_FIXED 4 /* PATH, HOME, LANG, TERM */

static const char schema[] =
	"{\"type\": \"object\","
	" \"properties\": {\"command\": {\"type\": \"string\","
	" \"description\": \"shell command, run with /bin/sh -c in the project folder\"}},"
	" \"required\": [\"command\"], \"additionalProperties\": false}";

/* An environment: fixed variables first (getenv takes the first of a name,
 * so a secret cannot replace them), then the secrets.  Caller frees with
 * claw_sandbox_env_free. */
static char **
env_build(const struct claw_tool_ctx *ctx)
{
	size_t ns = claw_secrets_count(ctx->secrets);
	char **envp = claw_xcalloc(ENV_FIXED + ns + 1, sizeof *envp);
	const char *path = getenv("PATH");
	size_t n = 0;

	envp[n++] = claw_xasprintf("PATH=%s",
				   path != NULL && path[0] != '\0' ? path : CLAW_BASH_PATH_DEFAULT);
	envp[n++] = claw_xasprintf("HOME=%s", ctx->project);
	envp[n++] = claw_xstrdup("LANG=C.UTF-8");
	envp[n++] = claw_xstrdup("TERM=dumb");
	for (size_t i = 0; i < ns; i++) {
		const char *name = claw_secrets_name(ctx->secrets, i);
		if (strcmp(name, "PATH") == 0 || strcmp(name, "HOME") == 0 ||
		    strcmp(name, "LANG") == 0 || strcmp(name, "TERM") == 0)
			continue;
		envp[n++] = claw_xasprintf("%s=%s", name, claw_secrets_value(ctx->secrets, i));
	}
	envp[n] = NULL;
	return envp;
}

void
claw_bash_run(const struct claw_tool_ctx *ctx, const char *command, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct claw_proc_result pr = {0};
	struct claw_buf red = CLAW_BUF_INIT(CLAW_BASH_REDACTED_MAX);
	struct claw_buf vis = CLAW_BUF_INIT(CLAW_BASH_VISIBLE_MAX);
	char **envp = NULL;

	if (ctx == NULL || ctx->sandbox == NULL || ctx->project == NULL) {
		claw_tool_result_error(res, "bash is not available here: no project sandbox");
		goto out;
	}
	envp = env_build(ctx);
	if (claw_sandbox_run(ctx->sandbox, ctx->project, command, envp, &pr, &err) != CLAW_OK) {
		claw_tool_result_error(res, "cannot run the command: %s", claw_error_text(&err));
		goto out;
	}
	if (claw_secrets_redact(ctx->secrets, pr.out, pr.len, &red) != CLAW_OK) {
		claw_tool_result_error(res, "the command's output is too big to redact");
		goto out;
	}
	if (claw_str_visible(&vis, claw_buf_str(&red), claw_buf_len(&red), CLAW_STR_VISIBLE_TEXT) !=
	    CLAW_OK) {
		claw_tool_result_error(res, "the command's output is too big to show");
		goto out;
	}
	claw_buf_reset(&res->text);
	res->is_error = pr.timed_out || pr.exit_code != 0 || pr.oom_kills > 0;
	if (pr.oom_kills > 0)
		(void)claw_buf_printf(
			&res->text, "[killed: memory limit %llu MiB]\n",
			(unsigned long long)(claw_sandbox_opts(ctx->sandbox)->memory_bytes >> 20));
	if (pr.timed_out) {
		int64_t ms = claw_sandbox_opts(ctx->sandbox)->timeout_ms;
		if (ms % 1000 == 0)
			(void)claw_buf_printf(&res->text, "[timeout after %llds]\n",
					      (long long)(ms / 1000));
		else
			(void)claw_buf_printf(&res->text, "[timeout after %.1fs]\n",
					      (double)ms / 1000.0);
	} else if (pr.exit_code != 0) {
		(void)claw_buf_printf(&res->text, "[exit %d]\n", pr.exit_code);
	}
	if (pr.total == 0 && !res->is_error)
		(void)claw_buf_puts(&res->text, "(no output)");
	uint64_t never_kept = pr.total - pr.len;
	(void)claw_tool_clip(&res->text, claw_buf_str(&vis), claw_buf_len(&vis),
			     claw_buf_len(&vis) + never_kept);
out:
	claw_buf_free(&vis);
	claw_buf_free(&red);
	claw_proc_result_free(&pr);
	claw_sandbox_env_free(envp);
}

static void
run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct json_object *cmd = NULL;
	(void)json_object_object_get_ex(input, "command", &cmd);
	claw_bash_run(ctx, json_object_get_string(cmd), res);
}

static const struct claw_tool tool = {
	.name = "bash",
	.description = "Run a shell command (/bin/sh -c) in the project folder, inside a "
		       "sandbox: the project is writable, the rest of the filesystem read-only, "
		       "/tmp private, no network unless the operator allows it.  Returns stdout "
		       "and stderr together (long output keeps its first and last 10000 bytes), "
		       "prefixed with [exit N] when the command fails and [timeout after Ns] "
		       "when it is killed.",
	.schema = schema,
	.risk = CLAW_TOOL_DANGEROUS,
	.run = run,
};

const struct claw_tool *
claw_bash_tool(void)
{
	return &tool;
}
