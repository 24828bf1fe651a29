/*
 * flow/mcp — the project's MCP servers (src/mcp) as a run uses them:
 * opened after the workspace (servers run in the work folder), reset when
 * a workflow's engine run ends (a person's gate or another workflow comes
 * next: its servers stop, their tools stay in the registry), closed when
 * the run ends; what happens to each server traced as a note {action:
 * "mcp", server, what, message}, redacted; and their tools described for
 * the generator and repair.
 *
 * Each function is a no-op when the project has no MCP servers
 * (ctx->mcp_config NULL).
 *
 * Memory: ctx->mcp is owned through ctx from open to close; the registry
 * given to open keeps entries that point into it, so close comes last,
 * after the run's last tool call (rest keeps it whole for that reason).
 *
 * Threads: the run's thread (mcp/servers.h).
 */
#ifndef CLAW_FLOW_MCP_H
#define CLAW_FLOW_MCP_H

#include "base/buf.h"
#include "flow/context.h"

struct claw_registry;

#define CLAW_FLOW_MCP_DOCS_MAX (32 * 1024) /* bytes of tool lines shown to the generator */
#define CLAW_FLOW_MCP_DOC_LINE_MAX 160     /* bytes of one tool's description shown */

/* ctx->mcp: the servers of ctx->mcp_config, none started, their tools to
 * go into reg (the run's registry, which must outlive the set); they run
 * in ctx->sandbox and ctx->project_path, their words redacted with
 * ctx->secrets, their events traced through ctx->tracer. */
void claw_flow_mcp_open(struct claw_flow_ctx *ctx, struct claw_registry *reg);
/* Stops every server, keeping their tools (claw_mcp_servers_reset). */
void claw_flow_mcp_rest(struct claw_flow_ctx *ctx);
/* Stops every server and frees ctx->mcp. */
void claw_flow_mcp_close(struct claw_flow_ctx *ctx);
/* Appends to out the tools of every server (each started to list them):
 * names and the first line of each description, at most
 * CLAW_FLOW_MCP_DOCS_MAX bytes, not the schemas (a step that names a tool
 * gets its schema); a server that cannot start is named with why. */
void claw_flow_mcp_docs(struct claw_flow_ctx *ctx, struct claw_buf *out);

#endif
