/*
 * mcp/transport — how claw's MCP client reaches one server: the two
 * transports of SPEC 12 behind one interface, so the client (client.c)
 * speaks the protocol once.
 *
 *   stdio  (stdio.c): the server is a program claw starts in the run's
 *          sandbox; messages are lines of JSON on its stdin and stdout;
 *          what it writes on stderr is kept (the last CLAW_MCP_STDERR_MAX
 *          bytes) to explain a failure.
 *   http   (http.c): the streamable HTTP transport: each message is a POST
 *          (libcurl, llm/http) answered with JSON or an event stream; the
 *          session id and the agreed revision go with every POST; the body
 *          of an HTTP error is kept to explain it.
 *
 * A transport sends one message at a time and hands over the server's
 * messages one by one, in order, each read and checked by mcp/rpc.
 *
 * Memory: a transport owns its process, fds and buffers; close frees it.
 *
 * Threads: none of its own; a transport belongs to one thread (the run's,
 * or the CLI's), which must also be the thread that stops it (a stdio
 * server dies with the thread that started it).
 */
#ifndef CLAW_MCP_TRANSPORT_H
#define CLAW_MCP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "mcp/config.h"
#include "mcp/rpc.h"

struct claw_sandbox;
struct claw_secrets;

#define CLAW_MCP_STDERR_MAX 4096   /* last bytes of a server's stderr kept */
#define CLAW_MCP_STOP_GRACE_MS 500 /* a stdio server's time to exit after EOF */

struct claw_mcp_conn;

struct claw_mcp_conn_ops {
	const char *diag_label; /* what diagnostics is: "its stderr", "its answer" */
	/* Sends one message (JSON text, no newline) by deadline (monotonic
	 * ms).  CLAW_EIO when the server is gone, CLAW_ETIMEOUT. */
	enum claw_err (*send)(struct claw_mcp_conn *t, const char *json, size_t len,
			      int64_t deadline, struct claw_error *err);
	/* The server's next message into *out (claw_mcp_rpc_read's), waiting
	 * until deadline.  CLAW_ETIMEOUT at the deadline; CLAW_EIO when the
	 * server is gone (the message says how it ended); CLAW_EINVAL for a message that is not
	 * JSON-RPC (the next call reads on after it); CLAW_ETOOBIG for a line over
	 * CLAW_MCP_LINE_MAX (a stdio server is then stopped: it is broken). */
	enum claw_err (*recv)(struct claw_mcp_conn *t, int64_t deadline,
			      struct claw_mcp_rpc_msg *out, struct claw_error *err);
	/* False once the server is known to be gone. */
	bool (*alive)(struct claw_mcp_conn *t);
	/* What the server said on the side (a stdio server's stderr, its last
	 * CLAW_MCP_STDERR_MAX bytes, without the line end), "" when nothing.
	 * Borrowed until the next call. */
	const char *(*diagnostics)(struct claw_mcp_conn *t);
	/* The protocol revision the session agreed on (HTTP sends it with
	 * every later message); NULL where nothing needs it. */
	void (*agreed)(struct claw_mcp_conn *t, const char *protocol);
	/* Stops the server (a stdio one: EOF, CLAW_MCP_STOP_GRACE_MS, then its
	 * whole process group is killed) and frees t. */
	void (*close)(struct claw_mcp_conn *t);
};

struct claw_mcp_conn {
	const struct claw_mcp_conn_ops *ops;
};

/* Where a server runs: a stdio server in sandbox (borrowed, must outlive
 * the transport) with project (a real absolute path) as its working
 * folder; secrets (may be NULL) are what no message about it may show
 * (its stderr may print what its env holds). */
struct claw_mcp_place {
	const struct claw_sandbox *sandbox;
	const char *project;
	const struct claw_secrets *secrets;
};

/* Starts the stdio server s (a STDIO entry) in place->sandbox: its command
 * and args, its env over PATH, HOME (the sandbox's private /tmp; the
 * project folder without bwrap), LANG and TERM, network only when
 * s->network.  Absolute paths among the command and args that exist are
 * made readable (a node_modules folder holding one whole: a Node server
 * needs its packages), since a private /tmp would hide them.
 * CLAW_EIO/CLAW_ECONFIG when it cannot start (the message says why). */
enum claw_err claw_mcp_stdio_start(const struct claw_mcp_server *s,
				   const struct claw_mcp_place *place, struct claw_mcp_conn **out,
				   struct claw_error *err);

/* A streamable HTTP server s (an HTTP entry): nothing is sent until the
 * first message.  CLAW_ECONFIG when s has too many headers. */
enum claw_err claw_mcp_http_start(const struct claw_mcp_server *s, struct claw_mcp_conn **out,
				  struct claw_error *err);

#endif
