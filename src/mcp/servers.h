/*
 * mcp/servers — a project's MCP servers as one run (or one CLI command)
 * uses them (SPEC 12): each server is started at first use, one process
 * per run; its tools join the run's registry as mcp__<server>__<tool>,
 * whose handler calls the server; a server that dies is started again
 * once, after which its tools answer with an error saying so; everything
 * is stopped when the set is freed.
 *
 * "First use" is the first time something needs a server's tools: a step
 * whose palette names one (the model needs its schema before its first
 * turn), a tool step calling one, the generator being shown them, or
 * `claw mcp`.  A server none of these needs never starts.
 *
 * A tool's risk is CLAW_TOOL_SAFE when the server marks it read-only
 * (readOnlyHint), else CLAW_TOOL_MUTATING.  A start may take at most
 * CLAW_MCP_START_MAX_MS (or the call timeout, when shorter).  Its description for the model
 * is the server's, prefixed with "[MCP server S] ".  A call's result is
 * claw_mcp_result_text()'s, clipped like any tool output; the call's
 * deadline is the set's timeout, after which it is cancelled.
 *
 * What happens to servers (started with N tools, tools left out, failed to
 * start, ended, restarted, stopped) goes to the event callback, for the
 * run's trace.
 *
 * Memory: the set borrows its config, registry and place, which must
 * outlive it; the registry's MCP entries point into the set, so no MCP
 * tool may be called after the set is freed.
 *
 * Threads: a set belongs to one thread, which starts and stops its
 * servers (transport.h).
 */
#ifndef CLAW_MCP_SERVERS_H
#define CLAW_MCP_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "mcp/client.h"
#include "mcp/config.h"
#include "mcp/transport.h"

struct claw_registry;

#define CLAW_MCP_STARTS_MAX 2        /* a server's starts in one run: the first and one restart */
#define CLAW_MCP_START_MAX_MS 120000 /* a start's limit (or the timeout, when shorter) */

/* What happened to a server, for the trace. */
struct claw_mcp_event {
	const char *server;
	const char *what;    /* "started", "failed", "ended", "restarted", "stopped" */
	const char *message; /* a sentence, or NULL */
	size_t ntools;       /* started: tools added */
	const char *notes;   /* started: tools left out and why, or NULL */
	int64_t ms;          /* started/failed: how long the start took */
};

struct claw_mcp_servers_opts {
	const struct claw_mcp_config *config;
	struct claw_registry *registry; /* where the tools go */
	struct claw_mcp_place place;    /* where stdio servers run */
	int64_t timeout_ms;             /* a start, and each call (> 0) */
	void (*event)(void *ctx, const struct claw_mcp_event *ev); /* may be NULL */
	void *event_ctx;
};

struct claw_mcp_servers;

/* A set of the config's servers, none started.  Caller frees. */
struct claw_mcp_servers *claw_mcp_servers_new(const struct claw_mcp_servers_opts *o);
/* Stops every server and frees s (NULL is a no-op). */
void claw_mcp_servers_free(struct claw_mcp_servers *s);
/* Stops every server and forgets their starts and errors, keeping the
 * tools in the registry (whose entries point into s): the next call of
 * one starts its server again, with its restart.  Between two workflows
 * of a run. */
void claw_mcp_servers_reset(struct claw_mcp_servers *s);

/* Makes the tool full (mcp__S__T) callable through the registry: S is
 * started if it is not running (again, if it died and may still start);
 * a running S that said its tools changed is listed again first (new
 * tools join the registry; one already there keeps its schema for the
 * run).  When S cannot start or does not offer T, T is added all the
 * same, with a schema of any object, and calling it answers why (trying S
 * again while it may still start): a server's failure is a tool error.
 * CLAW_ENOTFOUND only when S is not configured. */
enum claw_err claw_mcp_servers_want(struct claw_mcp_servers *s, const char *full,
				    struct claw_error *err);
/* Starts every server not started yet (errors are kept per server, not
 * returned). */
void claw_mcp_servers_start_all(struct claw_mcp_servers *s);

/* The servers, in the config's order: name, and either the running
 * client (its tools) or why it is not running ("" when never started). */
size_t claw_mcp_servers_count(const struct claw_mcp_servers *s);
const char *claw_mcp_servers_name(const struct claw_mcp_servers *s, size_t i);
struct claw_mcp_client *claw_mcp_servers_client(const struct claw_mcp_servers *s, size_t i);
const char *claw_mcp_servers_error(const struct claw_mcp_servers *s, size_t i);

#endif
