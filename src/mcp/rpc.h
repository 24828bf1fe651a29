/*
 * mcp/rpc — JSON-RPC 2.0 messages as MCP speaks them (SPEC 12), without I/O:
 * what claw sends is written into a capped buffer, what a server sends is
 * read from one line (stdio) or one event's data (streamable HTTP) and
 * classified, every field checked, so a hostile or broken server gives an
 * error with a message rather than a crash or a wrong answer.
 *
 * Reading: a message is a response (an id, and a result or an error), a
 * request from the server (an id and a method: ping, roots/list, ...) or a
 * notification (a method, no id).  A batch (a JSON array) is refused: MCP's
 * current revision has none.  Ids claw sends are integers; a response's id
 * must be one (a string id is read for the server's own requests, which
 * claw answers with the same id).
 *
 * The line reader splits a stdio server's output into lines of at most
 * CLAW_MCP_LINE_MAX bytes (a longer one is an error: the server is broken
 * or hostile, and claw will not buffer without end); the event reader does
 * the same for a streamable HTTP server's event stream.
 *
 * Memory: a struct claw_mcp_rpc_msg owns its JSON (freed with
 * claw_mcp_rpc_msg_free); pointers into it are borrowed.
 *
 * Threads: none of its own; a reader and a message belong to one thread.
 */
#ifndef CLAW_MCP_RPC_H
#define CLAW_MCP_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_MCP_LINE_MAX (4u << 20) /* bytes of one message from a server */
#define CLAW_MCP_METHOD_MAX 128      /* bytes of a method name */
#define CLAW_MCP_RPC_ID_STR_MAX 256  /* bytes of a string id */

enum claw_mcp_rpc_kind {
	CLAW_MCP_RESPONSE,     /* id, and result or error */
	CLAW_MCP_REQUEST,      /* the server asks: id, method, params */
	CLAW_MCP_NOTIFICATION, /* method, params, no id */
};

struct claw_mcp_rpc_msg {
	enum claw_mcp_rpc_kind kind;
	int64_t id;                 /* RESPONSE, or a REQUEST with a numeric id */
	const char *id_str;         /* a REQUEST's string id, else NULL */
	const char *method;         /* REQUEST, NOTIFICATION; else NULL */
	struct json_object *params; /* REQUEST, NOTIFICATION: an object or NULL */
	struct json_object *result; /* RESPONSE without error: any JSON value (NULL: null) */
	bool is_error;              /* RESPONSE: error set */
	int64_t error_code;         /* RESPONSE with error */
	const char *error_message;  /* RESPONSE with error */
	struct json_object *root;   /* the whole message (owned) */
};

/* Appends a request {"jsonrpc":"2.0","id":id,"method":...,"params":...}
 * (params_json: an object's JSON text, or NULL for none), or a
 * notification without id (notify).  Returns out's sticky error. */
enum claw_err claw_mcp_rpc_write(struct claw_buf *out, bool notify, int64_t id, const char *method,
				 const char *params_json);
/* Appends a response to the server's request req: result_json (a JSON
 * text) or, when NULL, an error with code and message. */
enum claw_err claw_mcp_rpc_answer(struct claw_buf *out, const struct claw_mcp_rpc_msg *req,
				  const char *result_json, int64_t code, const char *message);

/* Reads one message from text[0..len) into *out (zeroed first).
 * CLAW_EINVAL with a message saying what is wrong ("not JSON: ...",
 * "a batch", "jsonrpc must be \"2.0\"", "an error without a message", ...).
 * On failure *out holds nothing. */
enum claw_err claw_mcp_rpc_read(const char *text, size_t len, struct claw_mcp_rpc_msg *out,
				struct claw_error *err);
void claw_mcp_rpc_msg_free(struct claw_mcp_rpc_msg *m); /* NULL is a no-op */

/* A stdio server's output split into lines. */
struct claw_mcp_lines {
	struct claw_buf part; /* a line begun in an earlier piece */
	bool over;            /* sticky: a line was over CLAW_MCP_LINE_MAX */
};
void claw_mcp_lines_init(struct claw_mcp_lines *l);
void claw_mcp_lines_free(struct claw_mcp_lines *l);
/* Feeds data[0..n), calling line(ctx, text, len) for each whole line (its
 * '\n', and a '\r' before it, removed; empty lines skipped) until line
 * returns false.  The text is borrowed for the call.  CLAW_ETOOBIG once a
 * line passes CLAW_MCP_LINE_MAX (sticky), else CLAW_OK; *used (may be
 * NULL) gets the bytes consumed (all of them unless line said stop). */
enum claw_err claw_mcp_lines_feed(struct claw_mcp_lines *l, const char *data, size_t n,
				  bool (*line)(void *ctx, const char *text, size_t len), void *ctx,
				  size_t *used, struct claw_error *err);

/* A streamable HTTP server's text/event-stream answer split into events
 * (the SSE format: "data:" lines joined with '\n', a blank line ends an
 * event; lines end with LF, CRLF or CR; comments, "id:", "retry:" and
 * unknown fields skipped; an event named other than "message", or with
 * empty data, skipped).
 * A line or an event's data over CLAW_MCP_LINE_MAX is an error. */
struct claw_mcp_sse {
	struct claw_buf line; /* a line begun in an earlier piece */
	struct claw_buf data; /* the event's data so far */
	bool has_data;        /* a data line was seen */
	bool other;           /* the event is named, not "message" */
	bool after_cr;        /* the last piece ended a line with CR */
	bool over;            /* sticky: over the cap */
};
void claw_mcp_sse_init(struct claw_mcp_sse *e);
void claw_mcp_sse_free(struct claw_mcp_sse *e);
/* Feeds data[0..n), calling event(ctx, text, len) with each whole event's
 * data (borrowed for the call) until event returns false.  CLAW_ETOOBIG
 * past the cap (sticky), else CLAW_OK.  An event not ended by a blank line
 * is not given. */
enum claw_err claw_mcp_sse_feed(struct claw_mcp_sse *e, const char *data, size_t n,
				bool (*event)(void *ctx, const char *text, size_t len), void *ctx,
				struct claw_error *err);

/* The messages a transport has read and not yet handed over, in order;
 * a part that was not JSON-RPC is queued as its error, so it fails the
 * one wait it arrives in.  A transport reads only when the queue is empty,
 * so it holds what one read brought (a stdio server's 256 KiB, an HTTP
 * answer's 4 MiB); at most CLAW_MCP_QUEUE_MAX messages, a bound only a
 * server sending floods of tiny messages reaches (it is broken or
 * hostile). */
#define CLAW_MCP_QUEUE_MAX 65536

struct claw_mcp_queued {
	struct claw_mcp_rpc_msg msg;
	char *bad; /* why it is not a message (owned), or NULL */
};

struct claw_mcp_queue {
	struct claw_mcp_queued *v; /* v[head..n) wait */
	size_t head, n, cap;
	const char *what; /* "line" or "message": for the error's words */
};

void claw_mcp_queue_init(struct claw_mcp_queue *q, const char *what);
void claw_mcp_queue_free(struct claw_mcp_queue *q);
/* Reads text[0..len) (claw_mcp_rpc_read) and queues the message or its
 * error.  False when the queue is full (nothing queued). */
bool claw_mcp_queue_push(struct claw_mcp_queue *q, const char *text, size_t len);
/* The next one: CLAW_OK with *out (the caller owns it), its error
 * (CLAW_EINVAL), or CLAW_ENOTFOUND when none waits. */
enum claw_err claw_mcp_queue_pop(struct claw_mcp_queue *q, struct claw_mcp_rpc_msg *out,
				 struct claw_error *err);

#endif
