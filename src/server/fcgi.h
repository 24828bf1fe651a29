/*
 * fcgi — the FastCGI listener and the pool of request workers.
 *
 * claw serve listens on a unix socket (created mode 0660, optionally
 * chgrp'd so nginx's workers can connect) or on TCP, loopback only unless
 * allowed otherwise.  N request workers each loop on FCGX_Accept_r with
 * their own FCGX_Request (no accept mutex: Linux wakes one accept(2) per
 * connection) and hand every request to the dispatch function; a worker
 * owns its own db connection cache.
 *
 * Stopping: claw_fcgi_stop() sets libfcgi's shutdown flag and shutdown(2)s
 * the listening socket, which makes every blocked accept(2) return at once;
 * a worker finishes the request it is serving, then exits, and stop joins
 * them.  An SSE request is detached to the stream hub by its handler, so a
 * worker is never held by a stream.
 *
 * Threads: create, start, stop and free from one thread (main).  Workers
 * inherit the caller's signal mask: block the signals main waits for
 * before claw_fcgi_start.
 */
#ifndef CLAW_SERVER_FCGI_H
#define CLAW_SERVER_FCGI_H

#include <stdbool.h>

#include "base/err.h"

#define CLAW_FCGI_THREADS_DEFAULT 16
#define CLAW_FCGI_THREADS_MAX 1024
#define CLAW_FCGI_BACKLOG                                                                          \
	4096 /* connections waiting for a worker (capped by net.core.somaxconn); a burst of stream \
		reconnects must fit */

struct claw_fcgi;
struct claw_req;

typedef void (*claw_fcgi_dispatch_fn)(void *ctx, struct claw_req *req);

/* Opens the listener described by spec: "unix:PATH" or "HOST:PORT" (HOST a
 * name or a numeric address, "[::1]" for IPv6; PORT 0 picks a free one).
 * A unix socket left by a dead server is replaced; one that still accepts
 * connections is CLAW_EEXIST.  group (may be NULL) becomes the socket's
 * group.  A TCP address that is not loopback is refused (CLAW_EINVAL)
 * unless allow_remote.  Calls FCGX_Init and ignores SIGPIPE (libfcgi
 * installs a handler for it).  Free with claw_fcgi_free. */
enum claw_err claw_fcgi_listen(const char *spec, const char *group, bool allow_remote,
			       struct claw_fcgi **out, struct claw_error *err);

/* "unix:/path" or "127.0.0.1:PORT" with the real port.  Borrowed. */
const char *claw_fcgi_address(const struct claw_fcgi *f);

/* Starts threads workers (1..CLAW_FCGI_THREADS_MAX), each with a db cache
 * under home, calling dispatch(ctx, req) per request; claw_req_finish is
 * called after dispatch returns. */
enum claw_err claw_fcgi_start(struct claw_fcgi *f, int threads, const char *home,
			      claw_fcgi_dispatch_fn dispatch, void *ctx, struct claw_error *err);

/* Stops accepting and joins the workers (each finishes its request).
 * Idempotent. */
void claw_fcgi_stop(struct claw_fcgi *f);

/* Stops if needed, closes the socket and removes a unix socket's file.
 * NULL-safe. */
void claw_fcgi_free(struct claw_fcgi *f);

#endif
