/*
 * replay — the stream hub's db reads, on threads of their own.
 *
 * The hub thread only writes: when a stream must catch up from the db (a
 * new stream, a lagging subscriber, a run that ended), the hub posts a job
 * and goes on serving every other stream; a replay thread opens the
 * project's db (its own connection cache), reads one step (a run's next
 * CLAW_REPLAY_ROWS trace rows, or a board: claw_board_replay), formats the
 * SSE frames, and hands the finished job back: the done callback tells the
 * hub, which takes finished jobs with claw_replay_take.  So one big board
 * or a db that is locked or slow to open holds up only the streams waiting
 * for it, never the others (h2o keeps blocking work off its event loop the
 * same way).
 *
 * Threads and locks: post, take and free are for one thread (the hub);
 * the replay threads take jobs in order.  replay.mu guards both lists and
 * the stopping flag; it is never held across SQLite, the board or the done
 * callback, and no other lock is taken under it.
 */
#ifndef CLAW_SERVER_REPLAY_H
#define CLAW_SERVER_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_REPLAY_ROWS 64 /* trace rows per step of a run stream */
#define CLAW_REPLAY_THREADS                                                                        \
	4 /* replay threads per hub: so many slow dbs at once delay the others */

struct claw_replay;
struct claw_board;

/* One catch-up step of one stream. */
struct claw_replay_job {
	struct claw_replay_job *next; /* the replayer's, then take's list */
	void *user;                   /* the poster's (the hub's stream) */
	/* in */
	char *project; /* owned */
	bool board;    /* a board; else run run_id's trace */
	int64_t run_id;
	int64_t cursor; /* last seq (run) or counter (board) the stream has sent */
	bool check_end; /* run: once caught up, see whether the run ended */
	/* out */
	struct claw_buf frames; /* SSE text, one frame per row or issue */
	int64_t last;           /* cursor after frames (cursor when there are none) */
	bool caught_up;         /* run: no rows after these; a board always is */
	char *end_data;         /* run: it ended: its end event's data; else NULL */
	struct claw_error err;  /* code != CLAW_OK: the step failed (the stream closes);
				 * CLAW_OK (cleared) when it did not */
};

/* A job for user: a copy of project; frames capped at frames_max bytes. */
struct claw_replay_job *claw_replay_job_new(void *user, const char *project, bool board,
					    int64_t run_id, int64_t cursor, size_t frames_max);
void claw_replay_job_free(struct claw_replay_job *j); /* NULL is a no-op */

/* Starts the replay threads: project dbs under home (copied), boards
 * through board (borrowed, outliving the replayer).  done(ctx) is called
 * on a replay thread after each job is finished; it must not block. */
enum claw_err claw_replay_new(const char *home, struct claw_board *board, void (*done)(void *ctx),
			      void *ctx, struct claw_replay **out, struct claw_error *err);
/* Queues j; the replayer owns it until claw_replay_take returns it. */
void claw_replay_post(struct claw_replay *r, struct claw_replay_job *j);
/* The finished jobs, in the order they finished (NULL: none), the
 * caller's. */
struct claw_replay_job *claw_replay_take(struct claw_replay *r);
/* Stops and joins the threads (a job being read is finished first); from
 * then on claw_replay_take returns every job not yet taken, read or not
 * (a job not read has frames empty and caught_up false).  Idempotent. */
void claw_replay_stop(struct claw_replay *r);
/* Stops, and frees the jobs not taken.  NULL is a no-op. */
void claw_replay_free(struct claw_replay *r);

#endif
