/*
 * server — claw serve: the parts wired together, and the process's life.
 *
 * One struct claw_server holds the FastCGI listener and its request
 * workers (fcgi), the bus (src/trace/bus), the stream hub (sse), the board
 * announcer (board), the gate table (gate) and the run manager (runs).
 * Handlers (api_*.c) reach them through the accessors below.
 *
 * Start order: listener, bus, board, gates, runs; then adoption of the runs
 * a previous process left (before any request can answer a gate); then the
 * hub, the announcer and the workers.  Stop order (SIGTERM/SIGINT, at most
 * CLAW_SERVER_STOP_MS, or CLAW_STOP_GRACE_S plus that when a run waits for
 * a model reply in flight): stop accepting and join the workers, end every
 * stream, ask every run to stop at its next safe point *leaving it
 * resumable*, wake parked runs, join what ends in time, stop the announcer,
 * remove the socket, give queued webhook deliveries
 * CLAW_SERVER_WEBHOOK_DRAIN_MS (when every run thread has ended).
 *
 * Threads: see DESIGN.md "Threads of claw serve": main (signals), request
 * workers, the hub, the board announcer, run threads.  Lock order across
 * modules: runs.mu → gates.mu; bus locks (bus.mu → topic.mu → waiter.mu)
 * are innermost and never held while taking a server lock; hub.mu,
 * board.mu and the request counters take no other lock.
 */
#ifndef CLAW_SERVER_SERVER_H
#define CLAW_SERVER_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "server/runs.h"

#define CLAW_SERVER_STOP_MS 2000          /* orderly shutdown budget */
#define CLAW_SERVER_WEBHOOK_DRAIN_MS 2000 /* then for notifications still queued */
#define CLAW_SERVER_SOCKET "claw.sock"    /* default: unix:$CLAW_HOME/claw.sock */

struct claw_server;
struct claw_bus;
struct claw_hub;
struct claw_board;
struct claw_gates;
struct claw_req;

struct claw_server_options {
	const struct claw_config *config; /* borrowed; must outlive the server */
	const char *listen;               /* "unix:PATH" | "HOST:PORT"; NULL: the default */
	const char *group;                /* group of the unix socket, NULL: the process's */
	bool allow_remote;                /* TCP on a non-loopback address */
	int threads;                      /* request workers; 0: CLAW_FCGI_THREADS_DEFAULT */
	int64_t max_runs;                 /* 0: config->max_runs */
	claw_runs_pipeline_fn pipeline;   /* the issue runner */
};

/* Opens the listener and builds the parts; nothing runs yet. */
enum claw_err claw_server_new(const struct claw_server_options *o, struct claw_server **out,
			      struct claw_error *err);
/* Adopts left-over runs, then starts the hub, the announcer and the
 * workers.  Call with the signals main waits for blocked. */
enum claw_err claw_server_start(struct claw_server *s, struct claw_error *err);
/* The orderly shutdown above.  Idempotent. */
void claw_server_stop(struct claw_server *s);
/* NULL-safe. */
void claw_server_free(struct claw_server *s);

/* The whole life of claw serve on the main thread: blocks SIGTERM, SIGINT
 * and SIGHUP in every thread, builds and starts the server, prints
 * "claw serve: listening on ADDRESS" to stdout, waits for SIGTERM/SIGINT,
 * stops.  Returns the exit status (0 after an orderly stop). */
int claw_server_main(const struct claw_server_options *o, struct claw_error *err);

const char *claw_server_address(const struct claw_server *s);

/* For handlers (all borrowed for the server's life). */
const struct claw_config *claw_server_config(const struct claw_server *s);
struct claw_bus *claw_server_bus(const struct claw_server *s);
struct claw_hub *claw_server_hub(const struct claw_server *s);
struct claw_board *claw_server_board(const struct claw_server *s);
struct claw_gates *claw_server_gates(const struct claw_server *s);
struct claw_runs *claw_server_runs(const struct claw_server *s);
/* NULL without CLAW_WEBHOOK_URL. */
struct claw_webhook *claw_server_webhook(const struct claw_server *s);

/* Request counters by answered status, for /api/metrics. */
#define CLAW_SERVER_STATUS_CODES 11
struct claw_server_requests {
	int code[CLAW_SERVER_STATUS_CODES]; /* 200, 201, ..., 0 = any other */
	int64_t count[CLAW_SERVER_STATUS_CODES];
};
void claw_server_get_requests(struct claw_server *s, struct claw_server_requests *out);

/* The dispatcher the workers call (route, 404/405/413/415, handler). */
void claw_server_dispatch(void *ctx, struct claw_req *req);

#endif
