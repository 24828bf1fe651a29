/*
 * replay — catch-up steps read on replay threads.  See replay.h.
 */
#include "server/replay.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "server/board.h"
#include "server/dbcache.h"
#include "server/sse_frame.h"
#include "store/runs.h"
#include "trace/reader.h"
#include "trace/record.h"
#include "trace/sink_store.h"

struct claw_replay {
	char *home;
	struct claw_board *board;
	void (*done)(void *ctx);
	void *ctx;
	pthread_t threads[CLAW_REPLAY_THREADS];
	int nthreads;
	struct claw_mutex mu; /* guards everything below */
	struct claw_cond work;
	struct claw_replay_job *todo, *todo_tail;
	struct claw_replay_job *finished, *finished_tail;
	bool stopping;
};

struct claw_replay_job *
claw_replay_job_new(void *user, const char *project, bool board, int64_t run_id, int64_t cursor,
		    size_t frames_max)
{
	struct claw_replay_job *j = CLAW_NEW(struct claw_replay_job);
	j->user = user;
	j->project = claw_xstrdup(project);
	j->board = board;
	j->run_id = run_id;
	j->cursor = cursor;
	j->last = cursor;
	claw_buf_init(&j->frames, frames_max);
	claw_error_clear(&j->err);
	return j;
}

void
claw_replay_job_free(struct claw_replay_job *j)
{
	if (j == NULL)
		return;
	claw_buf_free(&j->frames);
	free(j->end_data);
	free(j->project);
	free(j);
}

static void
free_list(struct claw_replay_job *j)
{
	while (j != NULL) {
		struct claw_replay_job *next = j->next;
		claw_replay_job_free(j);
		j = next;
	}
}

/* ------------------------------------------------------------- one step */

/* run: whether the run has ended; if so, its end event's data. */
static void
find_end(struct claw_db *db, struct claw_replay_job *j)
{
	struct claw_error err = {0};
	struct claw_run run = {0};

	if (claw_run_get(db, j->run_id, &run, &err) == CLAW_OK &&
	    !claw_run_status_active(run.status)) {
		struct claw_buf b = CLAW_BUF_INIT(CLAW_RUN_END_JSON_MAX);
		claw_run_end_json(&b, run.id, run.status, run.reason);
		j->end_data = claw_buf_steal(&b);
		claw_buf_free(&b);
	}
	claw_run_free(&run);
}

/* A run's next rows after j->cursor, as `trace` frames. */
static enum claw_err
run_step(struct claw_db *db, struct claw_replay_job *j)
{
	struct claw_record_list rows = {0};
	struct claw_buf row = CLAW_BUF_INIT(CLAW_TRACE_ROW_MAX);
	enum claw_err rc =
		claw_reader_tail(db, j->run_id, j->cursor, CLAW_REPLAY_ROWS, &rows, &j->err);

	for (size_t i = 0; rc == CLAW_OK && i < rows.n; i++) {
		claw_buf_reset(&row);
		if (claw_record_wire_row(&row, &rows.v[i]) != CLAW_OK)
			continue;
		(void)claw_sse_frame(&j->frames, rows.v[i].seq, "trace", claw_buf_str(&row),
				     claw_buf_len(&row));
		j->last = rows.v[i].seq;
	}
	if (rc == CLAW_OK && rows.n < CLAW_REPLAY_ROWS) {
		j->caught_up = true;
		if (j->check_end)
			find_end(db, j);
	}
	claw_buf_free(&row);
	claw_record_list_free(&rows);
	return rc;
}

static void
step(struct claw_replay *r, struct claw_dbcache *dbs, struct claw_replay_job *j)
{
	struct claw_db *db = NULL;
	enum claw_err rc = claw_dbcache_get(dbs, j->project, &db, &j->err);

	if (rc == CLAW_OK && j->board) {
		rc = claw_board_replay(r->board, db, j->project, j->cursor, &j->frames, &j->last,
				       &j->err);
		j->caught_up = true;
	} else if (rc == CLAW_OK) {
		rc = run_step(db, j);
	}
	if (rc == CLAW_OK && claw_buf_error(&j->frames) != CLAW_OK)
		rc = claw_error_set(&j->err, CLAW_ETOOBIG, "the replay is over %zu bytes",
				    j->frames.max);
	if (rc == CLAW_OK)
		claw_error_clear(&j->err); /* what a step got past is no failure */
	else if (db != NULL)
		claw_dbcache_drop(dbs, j->project); /* a fresh connection next time */
}

/* ------------------------------------------------------------- threads */

/* Appends j (whose next is NULL) to the list head..tail (replay.mu held). */
static void
push(struct claw_replay_job **head, struct claw_replay_job **tail, struct claw_replay_job *j)
{
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void *
replay_main(void *arg)
{
	struct claw_replay *r = arg;
	struct claw_dbcache *dbs = claw_dbcache_new(r->home, CLAW_DBCACHE_DEFAULT);

	claw_mutex_lock(&r->mu);
	for (;;) {
		while (r->todo == NULL && !r->stopping)
			claw_cond_wait(&r->work, &r->mu);
		if (r->stopping)
			break;
		struct claw_replay_job *j = r->todo;
		r->todo = j->next;
		if (r->todo == NULL)
			r->todo_tail = NULL;
		j->next = NULL;
		claw_mutex_unlock(&r->mu);

		step(r, dbs, j);

		claw_mutex_lock(&r->mu);
		push(&r->finished, &r->finished_tail, j);
		claw_mutex_unlock(&r->mu);
		r->done(r->ctx);
		claw_mutex_lock(&r->mu);
	}
	claw_mutex_unlock(&r->mu);
	claw_dbcache_free(dbs);
	return NULL;
}

enum claw_err
claw_replay_new(const char *home, struct claw_board *board, void (*done)(void *ctx), void *ctx,
		struct claw_replay **out, struct claw_error *err)
{
	struct claw_replay *r = CLAW_NEW(struct claw_replay);

	*out = NULL;
	r->home = claw_xstrdup(home);
	r->board = board;
	r->done = done;
	r->ctx = ctx;
	claw_mutex_init(&r->mu, "replay");
	claw_cond_init(&r->work);
	for (int i = 0; i < CLAW_REPLAY_THREADS; i++) {
		int prc = pthread_create(&r->threads[i], NULL, replay_main, r);
		if (prc != 0) {
			char e[128];
			(void)claw_error_set(err, CLAW_EIO, "cannot start a replay thread: %s",
					     claw_errno_text(prc, e, sizeof e));
			claw_replay_free(r);
			return CLAW_EIO;
		}
		r->nthreads++;
	}
	*out = r;
	return CLAW_OK;
}

void
claw_replay_post(struct claw_replay *r, struct claw_replay_job *j)
{
	j->next = NULL;
	claw_mutex_lock(&r->mu);
	push(&r->todo, &r->todo_tail, j);
	claw_mutex_unlock(&r->mu);
	claw_cond_signal(&r->work);
}

struct claw_replay_job *
claw_replay_take(struct claw_replay *r)
{
	claw_mutex_lock(&r->mu);
	struct claw_replay_job *list = r->finished;
	r->finished = r->finished_tail = NULL;
	claw_mutex_unlock(&r->mu);
	return list;
}

void
claw_replay_stop(struct claw_replay *r)
{
	claw_mutex_lock(&r->mu);
	r->stopping = true;
	claw_mutex_unlock(&r->mu);
	claw_cond_broadcast(&r->work);
	for (int i = 0; i < r->nthreads; i++)
		(void)pthread_join(r->threads[i], NULL);
	r->nthreads = 0;
	claw_mutex_lock(&r->mu);
	if (r->todo != NULL) { /* not read: handed back as they are */
		if (r->finished_tail != NULL)
			r->finished_tail->next = r->todo;
		else
			r->finished = r->todo;
		r->finished_tail = r->todo_tail;
		r->todo = r->todo_tail = NULL;
	}
	claw_mutex_unlock(&r->mu);
}

void
claw_replay_free(struct claw_replay *r)
{
	if (r == NULL)
		return;
	claw_replay_stop(r);
	free_list(r->finished);
	claw_cond_destroy(&r->work);
	claw_mutex_destroy(&r->mu);
	free(r->home);
	free(r);
}
