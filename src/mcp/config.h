/*
 * mcp/config — a project's MCP servers (SPEC section 12).
 *
 * The file is $CLAW_HOME/projects/<key>.mcp.json, the operator's: it is
 * never read from the repository (an agent could write one), and like the
 * secrets file it must be a regular file of mode 0600 or stricter, since
 * its env and headers hold credentials.  A missing file is no servers.
 *
 * Its shape is the one other MCP clients use, so their configs paste in:
 *
 *   {"mcpServers": {
 *     "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."],
 *               "env": {"TOKEN": "${GITHUB_TOKEN}"}, "network": false, "tools": ["read_file"]},
 *     "docs":  {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer
 * ${DOCS_KEY}"}}}}
 *
 * A server has a command (stdio: args, env, network) or a url (streamable
 * HTTP: headers), not both; "type" may say which ("stdio", "http" or
 * "streamable-http"; the old "sse" transport is refused with a message).
 * "tools" is an allow-list of the server's tool names.  "disabled": true
 * leaves a server out; "autoApprove", "alwaysAllow" and "description"
 * (other clients' keys) are accepted and ignored; any other key is an
 * error, so a typo is reported rather than ignored.  Names are 1 to
 * CLAW_MCP_NAME_MAX of [A-Za-z0-9_-] without "__" nor '_' at either end
 * (tools are named
 * mcp__<server>__<tool>).
 *
 * ${NAME} in an env or header value takes the project's secret NAME
 * (tool/secrets.h); an unknown one is an error naming the server, the field
 * and the secret, never a value.  Other text, "$" included, is kept as it
 * is.  Every error names the file, the server and the field.
 *
 * Memory: a struct claw_mcp_config owns every string in it; resolved
 * values are wiped when freed (they may hold secrets).
 *
 * Threads: loading is single-threaded; a loaded config is read-only and
 * may be shared.
 */
#ifndef CLAW_MCP_CONFIG_H
#define CLAW_MCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "tool/secrets.h"

#define CLAW_MCP_FILE_MAX (256 * 1024) /* bytes of a .mcp.json */
#define CLAW_MCP_SERVERS_MAX 32        /* servers in one file */
#define CLAW_MCP_NAME_MAX 32           /* bytes of a server name */
#define CLAW_MCP_LIST_MAX 256          /* args, env, headers or tools of one server */
#define CLAW_MCP_VALUE_MAX 8192        /* bytes of one command, arg, value or URL */

enum claw_mcp_transport {
	CLAW_MCP_STDIO, /* a child process: JSON-RPC lines on its stdin and stdout */
	CLAW_MCP_HTTP,  /* the streamable HTTP transport */
};

/* A NAME=value pair of env or headers, the value's ${SECRET}s resolved. */
struct claw_mcp_pair {
	char *name;
	char *value;
};

struct claw_mcp_server {
	char *name;
	enum claw_mcp_transport transport;
	char *command; /* STDIO: the program (looked up in PATH); else NULL */
	char **args;   /* STDIO: nargs arguments */
	size_t nargs;
	struct claw_mcp_pair *env; /* STDIO: added to the child's environment */
	size_t nenv;
	bool network;                  /* STDIO: the sandbox lets it reach the network */
	char *url;                     /* HTTP: http:// or https://; else NULL */
	struct claw_mcp_pair *headers; /* HTTP: sent with every request */
	size_t nheaders;
	char **tools; /* the allow-list (ntools names), or NULL: every tool */
	size_t ntools;
};

struct claw_mcp_config {
	struct claw_mcp_server *servers; /* n of them, in the file's order */
	size_t n;
};

/* "$home/projects/<key>.mcp.json".  Caller frees. */
char *claw_mcp_config_path(const char *home, const char *key);

/* Loads the file at path into *out (zeroed first; free with
 * claw_mcp_config_free, also after a failure).  A missing file is no
 * servers.  secrets (may be NULL: none) resolves ${NAME}.  Errors:
 * CLAW_ECONFIG for a file others may read ("run chmod 600 P") or that is
 * not a regular file, CLAW_EINVAL "P: server S: field: ..." for bad
 * content, CLAW_ETOOBIG past the caps, CLAW_EIO. */
enum claw_err claw_mcp_config_load(const char *path, const struct claw_secrets *secrets,
				   struct claw_mcp_config *out, struct claw_error *err);

/* Parses text[0..n) as the file's content (no mode check); origin names it
 * in messages.  For tests and for claw_mcp_config_load. */
enum claw_err claw_mcp_config_parse(const char *text, size_t n, const char *origin,
				    const struct claw_secrets *secrets, struct claw_mcp_config *out,
				    struct claw_error *err);

void claw_mcp_config_free(struct claw_mcp_config *c); /* NULL is a no-op */

/* The server named name, or NULL. */
const struct claw_mcp_server *claw_mcp_config_find(const struct claw_mcp_config *c,
						   const char *name);

/* The server entry that the tool name full (mcp__S__T) belongs to, with
 * *tool (may be NULL) pointing at T in full; NULL when full is not of that
 * shape or S is not configured. */
const struct claw_mcp_server *claw_mcp_config_server_of(const struct claw_mcp_config *c,
							const char *full, const char **tool);
/* True when full names a tool of a configured server that its allow-list
 * (if any) lets through: what a workflow may name without the server
 * running (the validator's rule). */
bool claw_mcp_config_allows(const struct claw_mcp_config *c, const char *full);

#endif
