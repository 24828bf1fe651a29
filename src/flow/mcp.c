/*
 * flow/mcp — a run's MCP servers: open, rest, close, trace, describe.
 * See mcp.h.
 */
#include "flow/mcp.h"

#include <string.h>

#include "mcp/client.h"
#include "mcp/servers.h"
#include "tool/sandbox.h"
#include "tool/secrets.h"

#define NOTE_MAX (CLAW_ERROR_MSG_MAX * 2 + CLAW_MCP_NOTES_MAX)

/* An MCP server's start, failure, end or stop, as a note in the run's
 * trace (redacted: what a server says may show what its env holds). */
static void
on_event(void *vctx, const struct claw_mcp_event *ev)
{
	struct claw_flow_ctx *ctx = vctx;
	struct claw_buf msg = CLAW_BUF_INIT(NOTE_MAX), red = CLAW_BUF_INIT(2 * NOTE_MAX);
	bool bad = strcmp(ev->what, "failed") == 0 || strcmp(ev->what, "ended") == 0;

	(void)claw_buf_printf(&msg, "MCP server %s %s", ev->server, ev->what);
	if (strcmp(ev->what, "started") == 0 || strcmp(ev->what, "restarted") == 0)
		(void)claw_buf_printf(&msg, ": %zu tools in %lld ms", ev->ntools,
				      (long long)ev->ms);
	if (ev->message != NULL)
		(void)claw_buf_printf(&msg, ": %s", ev->message);
	if (ev->notes != NULL)
		(void)claw_buf_printf(&msg, " (left out: %s)", ev->notes);
	if (claw_secrets_redact(ctx->secrets, claw_buf_str(&msg), claw_buf_len(&msg), &red) ==
	    CLAW_OK) {
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "action", json_object_new_string("mcp"));
		(void)json_object_object_add(d, "server", json_object_new_string(ev->server));
		(void)json_object_object_add(d, "what", json_object_new_string(ev->what));
		(void)json_object_object_add(d, "message",
					     json_object_new_string(claw_buf_str(&red)));
		(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_NOTE,
					    bad ? CLAW_RECORD_NOTICE : CLAW_RECORD_LEVEL_DEFAULT,
					    d);
		json_object_put(d);
	}
	claw_buf_free(&msg);
	claw_buf_free(&red);
}

void
claw_flow_mcp_open(struct claw_flow_ctx *ctx, struct claw_registry *reg)
{
	if (ctx->mcp_config == NULL)
		return;
	struct claw_mcp_servers_opts o = {
		.config = ctx->mcp_config,
		.registry = reg,
		.place = {.sandbox = ctx->sandbox,
			  .project = ctx->project_path,
			  .secrets = ctx->secrets},
		.timeout_ms = claw_sandbox_opts(ctx->sandbox)->timeout_ms,
		.event = on_event,
		.event_ctx = ctx,
	};
	ctx->mcp = claw_mcp_servers_new(&o);
}

void
claw_flow_mcp_rest(struct claw_flow_ctx *ctx)
{
	if (ctx->mcp != NULL)
		claw_mcp_servers_reset(ctx->mcp);
}

void
claw_flow_mcp_close(struct claw_flow_ctx *ctx)
{
	claw_mcp_servers_free(ctx->mcp);
	ctx->mcp = NULL;
}

/* One server's lines into b; *left_out counts the tools that did not
 * fit. */
static void
describe(struct claw_mcp_servers *s, size_t i, struct claw_buf *b, size_t *left_out)
{
	struct claw_mcp_client *c = claw_mcp_servers_client(s, i);
	if (c == NULL) {
		(void)claw_buf_printf(b,
				      "- (server %s cannot start, so none of its tools can be "
				      "used: %.200s)\n",
				      claw_mcp_servers_name(s, i), claw_mcp_servers_error(s, i));
		return;
	}
	for (size_t k = 0; k < claw_mcp_client_ntools(c); k++) {
		const struct claw_mcp_tool *t = claw_mcp_client_tool(c, k);
		size_t was = claw_buf_len(b), n = strcspn(t->description, "\n");
		(void)claw_buf_printf(
			b, "- %s%s: %.*s\n", t->full, t->read_only ? " (read-only)" : "",
			(int)(n > CLAW_FLOW_MCP_DOC_LINE_MAX ? CLAW_FLOW_MCP_DOC_LINE_MAX : n),
			t->description);
		if (claw_buf_error(b) != CLAW_OK) { /* full: the rest are counted */
			claw_buf_truncate(b, was);
			(*left_out)++;
		}
	}
}

void
claw_flow_mcp_docs(struct claw_flow_ctx *ctx, struct claw_buf *out)
{
	struct claw_mcp_servers *s = ctx->mcp;
	struct claw_buf b = CLAW_BUF_INIT(CLAW_FLOW_MCP_DOCS_MAX);
	size_t left_out = 0;

	if (s == NULL)
		return;
	claw_mcp_servers_start_all(s);
	for (size_t i = 0; i < claw_mcp_servers_count(s); i++)
		describe(s, i, &b, &left_out);
	(void)claw_buf_puts(out, "The project's MCP tools.  A solver's steps may name them in "
				 "\"tools\" and tool steps may call them, like the built-in tools; "
				 "name only those a step's goal needs:\n");
	(void)claw_buf_append(out, claw_buf_str(&b), claw_buf_len(&b));
	if (left_out > 0)
		(void)claw_buf_printf(out, "- ... and %zu more\n", left_out);
	(void)claw_buf_putc(out, '\n');
	claw_buf_free(&b);
}
