/*
 * sse — the stream hub: every open Server-Sent-Events stream of claw serve.
 *
 * A request worker validates a stream request, writes its headers, and
 * hands the connection (fd + FastCGI request id, claw_req_detach) to the
 * hub; the worker is free again at once.  The hub thread owns every stream
 * from then on:
 *
 * - It subscribes the stream to its bus topic (run or board) *first*, then
 *   replays from the db (run: rows with seq > since; board:
 *   claw_board_replay), then serves live events, dropping any with a seq it
 *   has already sent.  So nothing falls between replay and live.
 * - One epoll set holds the bus waiter's eventfd, the hand-over eventfd and
 *   every stream's socket (EPOLLOUT | EPOLLRDHUP, edge-triggered).  Sockets
 *   are non-blocking and written with raw FastCGI STDOUT records (a live
 *   event's sends to many streams batched through io_uring where the kernel
 *   allows, sendq.h); a stream writes at most CLAW_HUB_WRITE_MAX bytes per
 *   turn so no stream can hog the thread, and only takes new events from
 *   its bus queue while its own output is below that, so a backlog stays in
 *   the bus queue as shared, refcounted events.
 * - A subscriber whose bus queue overflowed (lagging) is caught up from the
 *   db from the last seq it sent, then continues live.
 * - `event: end` with the run's final status ends a run stream (after
 *   catching up from the db), with the FastCGI end-of-request records.
 * - A `:` comment is written after CLAW_HUB_HEARTBEAT_MS of silence.
 * - A peer that hangs up (EPOLLRDHUP/HUP/ERR, EPIPE) is closed at once; a
 *   stream that cannot write anything for CLAW_HUB_STALL_MS is stalled and
 *   closed the same way: close(2) directly, never FCGX_Finish_r.
 *
 * The hub thread never reads a db: each catch-up step (a run's next
 * CLAW_REPLAY_ROWS rows, a board) is read and formatted by the replayer's
 * threads (replay.h) while the hub serves the other streams; a stream
 * waiting for its step is served again when the step comes back.
 *
 * Threads and locks: claw_hub_add_* and claw_hub_get_stats are thread-safe;
 * everything else is the hub thread's (the replayer's threads touch a job,
 * never a stream).  hub.mu guards only the hand-over list; it is never
 * held across I/O.  The bus's locks are taken by the hub
 * thread with hub.mu released.
 */
#ifndef CLAW_SERVER_SSE_H
#define CLAW_SERVER_SSE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_HUB_WRITE_MAX (16 * 1024) /* bytes per stream per turn */
#define CLAW_HUB_HEARTBEAT_MS 15000    /* silence before a ':' comment */
#define CLAW_HUB_STALL_MS 60000        /* no progress with output pending: closed */
#define CLAW_HUB_QUEUE 256             /* bus events queued per subscriber */
#define CLAW_HUB_STREAMS_MAX 100000    /* open streams; more are refused at once */

struct claw_hub;
struct claw_bus;
struct claw_board;

/* A hub for the projects under home (copied), subscribing on bus; its
 * replayer (started by claw_hub_start) reads their dbs and replays boards
 * through board (bus and board borrowed, outliving the hub).  When
 * io_uring is true, live events go out through io_uring where the kernel
 * allows (sendq.h); else with send(2).
 * Start its thread with claw_hub_start. */
enum claw_err claw_hub_new(const char *home, struct claw_bus *bus, struct claw_board *board,
			   bool io_uring, struct claw_hub **out, struct claw_error *err);
enum claw_err claw_hub_start(struct claw_hub *h, struct claw_error *err);
/* Ends every stream (end-of-request records where the socket takes them,
 * then close), stops and joins the thread.  Idempotent. */
void claw_hub_stop(struct claw_hub *h);
void claw_hub_free(struct claw_hub *h);

/* Hand-over of a detached connection whose SSE headers are written (the
 * hub owns fd from here, also on failure).  project is copied.  since: the
 * last seq (run) or change counter (board) the client has; -1 for none. */
void claw_hub_add_run(struct claw_hub *h, int fd, int request_id, const char *project,
		      int64_t run_id, int64_t since);
void claw_hub_add_board(struct claw_hub *h, int fd, int request_id, const char *project,
			int64_t since);

struct claw_hub_stats {
	int64_t run_streams;   /* open now */
	int64_t board_streams; /* open now */
	int64_t opened;        /* since start */
	int64_t stalled;       /* closed because stalled */
	int64_t catchups;      /* lag recoveries from the db */
	int64_t events;        /* SSE events written */
	int64_t wakes;         /* socket readiness events handled (EPOLLOUT, hang-up) */
	int64_t writes;        /* sends that took bytes */
	bool io_uring;         /* live events go out through io_uring (else send(2)) */
};
void claw_hub_get_stats(struct claw_hub *h, struct claw_hub_stats *out);

#endif
