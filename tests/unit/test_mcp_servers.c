/*
 * test_mcp_servers — a run's MCP servers (src/mcp/servers.c) with a real
 * stdio server, tests/mcp/fault.mjs (node), in the real sandbox: started at
 * first use with its tools in the registry, called through the registry,
 * restarted once, reset between workflows with the registry's entries
 * still good (under ASan, a freed entry's data would show), a tool the
 * server lacks answering why, an unconfigured server refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mem.h"
#include "mcp/config.h"
#include "mcp/servers.h"
#include "tap.h"
#include "tool/registry.h"
#include "tool/sandbox.h"

struct seen {
	int started, restarted, stopped, ended, failed;
};

static void
on_event(void *ctx, const struct claw_mcp_event *ev)
{
	struct seen *s = ctx;
	if (strcmp(ev->what, "started") == 0)
		s->started++;
	else if (strcmp(ev->what, "restarted") == 0)
		s->restarted++;
	else if (strcmp(ev->what, "stopped") == 0)
		s->stopped++;
	else if (strcmp(ev->what, "ended") == 0)
		s->ended++;
	else
		s->failed++;
}

/* The text of calling name with input (JSON text); *is_error its flag.
 * Static: valid until the next call. */
static const char *
call(struct claw_registry *reg, const char *project, const char *name, const char *input,
     bool *is_error)
{
	static char text[4096];
	struct claw_tool_result res;
	struct json_object *in = NULL;
	struct claw_error err = {0};
	struct claw_tool_ctx ctx = {.project = project, .tools = reg};

	(void)claw_json_parse(input, strlen(input), &in, &err);
	claw_tool_result_init(&res);
	claw_registry_call(reg, &ctx, name, in, &res);
	(void)snprintf(text, sizeof text, "%s", claw_buf_str(&res.text));
	*is_error = res.is_error;
	claw_tool_result_free(&res);
	json_object_put(in);
	return text;
}

int
main(void)
{
	const char *src = getenv("CLAW_SRCDIR");
	char *fault = NULL, *node = claw_proc_find_program("node");
	struct claw_sandbox_opts so;
	struct claw_sandbox *sb = NULL;
	struct claw_mcp_config cfg = {0};
	struct claw_error err = {0};
	struct seen seen = {0};
	bool e = false;

	if (node == NULL) {
		tap_skip(1, "no node here");
		return tap_done();
	}
	fault = claw_xasprintf("%s/tests/mcp/fault.mjs", src != NULL ? src : ".");
	char *text = claw_xasprintf("{\"mcpServers\": {\"fault\": {\"command\": \"node\", "
				    "\"args\": [\"%s\"]}}}",
				    fault);
	if (!is_int(claw_mcp_config_parse(text, strlen(text), "t", NULL, &cfg, &err), CLAW_OK,
		    "a config: %s", claw_error_text(&err)))
		return tap_done();
	claw_sandbox_opts_default(&so);
	so.timeout_ms = 20000;
	if (!is_int(claw_sandbox_new(&so, &sb, &err), CLAW_OK, "a sandbox"))
		return tap_done();
	const char *project = tap_tmpdir();
	struct claw_registry *reg = claw_registry_new();
	struct claw_mcp_servers_opts o = {
		.config = &cfg,
		.registry = reg,
		.place = {.sandbox = sb, .project = project},
		.timeout_ms = 20000,
		.event = on_event,
		.event_ctx = &seen,
	};
	struct claw_mcp_servers *set = claw_mcp_servers_new(&o);

	is_int(claw_registry_count(reg), 0, "nothing starts before it is needed");
	is_int(claw_mcp_servers_want(set, "mcp__fault__ok", &err), CLAW_OK, "a tool is wanted");
	is_int(seen.started, 1, "its server started");
	ok(claw_registry_find(reg, "mcp__fault__crash") != NULL, "with all its tools");
	is_int(claw_registry_find(reg, "mcp__fault__ok")->risk, CLAW_TOOL_SAFE,
	       "read-only as the server says");
	is_int(claw_registry_find(reg, "mcp__fault__crash")->risk, CLAW_TOOL_MUTATING,
	       "anything else may change things");
	is_str(call(reg, project, "mcp__fault__ok", "{\"text\":\"hi\"}", &e), "ok: hi", "a call");

	claw_mcp_servers_reset(set);
	is_int(seen.stopped, 1, "a reset stops it");
	is_str(call(reg, project, "mcp__fault__ok", "{\"text\":\"again\"}", &e), "ok: again",
	       "after a reset, the registry's entry still calls, starting the server");
	is_int(seen.started, 2, "(a first start again)");

	has_str(call(reg, project, "mcp__fault__crash", "{}", &e),
		"the server exited with status 3", "a crash mid-call");
	ok(e, "is an error");
	is_int(seen.ended, 1, "and an end");
	is_str(call(reg, project, "mcp__fault__ok", "{\"text\":\"b\"}", &e), "ok: b",
	       "the next call starts it again");
	is_int(seen.restarted, 1, "once");
	(void)call(reg, project, "mcp__fault__crash", "{}", &e);
	has_str(call(reg, project, "mcp__fault__ok", "{\"text\":\"c\"}", &e),
		"it stopped and was started again once already in this run",
		"after a second crash its tools answer why");
	claw_mcp_servers_reset(set);
	is_str(call(reg, project, "mcp__fault__ok", "{\"text\":\"d\"}", &e), "ok: d",
	       "the next workflow may start it again");

	is_int(claw_mcp_servers_want(set, "mcp__fault__nope", &err), CLAW_OK,
	       "a tool the server lacks is wanted all the same");
	has_str(call(reg, project, "mcp__fault__nope", "{}", &e),
		"MCP server fault has no tool nope", "and its call says why");
	ok(e, "as an error");
	is_int(claw_mcp_servers_want(set, "mcp__other__x", &err), CLAW_ENOTFOUND,
	       "a server not configured");
	has_str(err.msg, "no MCP server of that name is configured", "says so");

	claw_mcp_servers_free(set);
	is_int(seen.stopped, 2,
	       "freeing the set stops what runs (a server that ended is not stopped again)");
	is_int(seen.failed, 0, "nothing failed to start");
	claw_registry_free(reg);
	claw_sandbox_free(sb);
	claw_mcp_config_free(&cfg);
	free(text);
	free(fault);
	free(node);
	return tap_done();
}
