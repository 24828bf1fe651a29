/*
 * mcp/client — claw as the client of one MCP server (SPEC 12): the
 * session's start (initialize with protocol-version negotiation,
 * notifications/initialized, tools/list page by page), tool calls with a
 * deadline (cancelled with notifications/cancelled when it passes), the
 * server's own requests answered (ping; anything else refused), and
 * notifications/tools/list_changed remembered so the caller can list again.
 *
 * Versions: claw asks for CLAW_MCP_PROTOCOL and accepts a server that
 * answers with it or CLAW_MCP_PROTOCOL_PREV; any other is a start error
 * naming both sides.
 *
 * Tools: each listed tool is checked: a name of [A-Za-z0-9_-] short enough
 * for mcp__<server>__<tool> to fit CLAW_MCP_TOOL_NAME_MAX (what model APIs
 * accept), a description of at most CLAW_MCP_DESC_MAX bytes, an inputSchema
 * that is an object of "type": "object" of at most CLAW_MCP_SCHEMA_MAX
 * bytes.  A tool that fails is left out with a note saying why (a server
 * cannot flood the context); the server entry's allow-list leaves out the
 * rest.  More than CLAW_MCP_TOOLS_MAX tools kept, or a list over
 * CLAW_MCP_PAGES_MAX pages, is a start error.
 *
 * Results: claw_mcp_result_text() turns a tools/call result into the text a
 * model sees: text content kept, other content summarised ("[image:
 * image/png, 12 KiB]", a resource link by its URI), structuredContent when
 * there is nothing else, and isError kept as the error flag.
 *
 * Memory: a client owns its transport and tools; strings it returns are
 * borrowed until the next call on it.
 *
 * Threads: a client belongs to one thread (transport.h).
 */
#ifndef CLAW_MCP_CLIENT_H
#define CLAW_MCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"
#include "mcp/config.h"
#include "mcp/transport.h"

#define CLAW_MCP_PROTOCOL "2025-11-25"      /* the revision claw asks for */
#define CLAW_MCP_PROTOCOL_PREV "2025-06-18" /* the one before, also accepted */
#define CLAW_MCP_TOOLS_MAX 128              /* tools kept from one server */
#define CLAW_MCP_PAGES_MAX 32               /* pages of one tools/list */
#define CLAW_MCP_TOOL_NAME_MAX 64           /* bytes of mcp__<server>__<tool> */
#define CLAW_MCP_DESC_MAX 2048              /* bytes of a tool's description */
#define CLAW_MCP_SCHEMA_MAX 16384           /* bytes of a tool's input schema */
#define CLAW_MCP_NOTES_MAX 4096             /* bytes of notes on left-out tools */

/* A tool the server offers, as claw keeps it. */
struct claw_mcp_tool {
	char *name;        /* the server's name for it */
	char *full;        /* mcp__<server>__<name> */
	char *description; /* "" when none */
	char *schema;      /* its inputSchema, JSON text */
	bool read_only;    /* annotations.readOnlyHint */
};

struct claw_mcp_client;

/* Starts server s where place says (a stdio server in its sandbox) and
 * runs the session's start within timeout_ms (> 0).  Errors say what
 * failed, with the server's stderr when it has any: CLAW_EIO (could not
 * start, or it ended), CLAW_ETIMEOUT, CLAW_EINVAL (protocol), CLAW_ETOOBIG
 * (too many tools).  Caller closes. */
enum claw_err claw_mcp_client_open(const struct claw_mcp_server *s,
				   const struct claw_mcp_place *place, int64_t timeout_ms,
				   struct claw_mcp_client **out, struct claw_error *err);
/* Stops the server and frees c (NULL is a no-op). */
void claw_mcp_client_close(struct claw_mcp_client *c);

size_t claw_mcp_client_ntools(const struct claw_mcp_client *c);
const struct claw_mcp_tool *claw_mcp_client_tool(const struct claw_mcp_client *c, size_t i);
/* The tool whose server name is name, or NULL. */
const struct claw_mcp_tool *claw_mcp_client_find(const struct claw_mcp_client *c, const char *name);
/* What was left out of the list and why ("tool x: description over 2048
 * bytes; ..."), "" when nothing. */
const char *claw_mcp_client_notes(const struct claw_mcp_client *c);
/* The protocol revision agreed on. */
const char *claw_mcp_client_protocol(const struct claw_mcp_client *c);

/* Calls tool name with arguments (a JSON object, borrowed; NULL: {}) and
 * waits up to timeout_ms for its result, put in *result (the result
 * object, caller puts).  CLAW_ETIMEOUT (the call was cancelled),
 * CLAW_EIO (the server is gone), CLAW_EBACKEND (the server answered with
 * a JSON-RPC error: the message is its), CLAW_EINVAL (a broken message). */
enum claw_err claw_mcp_client_call(struct claw_mcp_client *c, const char *name,
				   struct json_object *arguments, int64_t timeout_ms,
				   struct json_object **result, struct claw_error *err);

/* False once the server is known to be gone. */
bool claw_mcp_client_alive(struct claw_mcp_client *c);
/* True when the server said its tools changed since they were listed. */
bool claw_mcp_client_tools_changed(const struct claw_mcp_client *c);
/* Lists the tools again (after a change), within timeout_ms. */
enum claw_err claw_mcp_client_relist(struct claw_mcp_client *c, int64_t timeout_ms,
				     struct claw_error *err);

/* Appends result's text for a model to out (see above); *is_error gets
 * result's isError.  Returns out's sticky error. */
enum claw_err claw_mcp_result_text(struct json_object *result, struct claw_buf *out,
				   bool *is_error);

#endif
