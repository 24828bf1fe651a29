/*
 * test_replay — the stream hub's catch-up steps on the replay threads,
 * against a real project db:
 *   - a run's rows after a cursor, as `trace` frames, 64 at a time, with
 *     the cursor after them and "caught up" once fewer came;
 *   - the end of a run that ended (its end event's data), only when asked;
 *   - a board step: every issue, as `issue` frames;
 *   - an unknown project: the job comes back failed, with the reason;
 *   - stop: jobs never read come back untouched, none is lost.
 * Also meant for --enable-tsan.
 */
#include "server/replay.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "server/board.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "tap.h"
#include "trace/bus.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

static struct claw_mutex mu;
static struct claw_cond cv;
static int finished; /* done callbacks so far (mu) */

static void
on_done(void *ctx)
{
	(void)ctx;
	claw_mutex_lock(&mu);
	finished++;
	claw_cond_broadcast(&cv);
	claw_mutex_unlock(&mu);
}

/* Posts j and waits for it to come back. */
static struct claw_replay_job *
run_job(struct claw_replay *r, struct claw_replay_job *j)
{
	claw_mutex_lock(&mu);
	int want = finished + 1;
	claw_mutex_unlock(&mu);
	claw_replay_post(r, j);
	claw_mutex_lock(&mu);
	int64_t until = claw_clock_mono_ms() + 20000;
	while (finished < want && claw_cond_wait_until(&cv, &mu, until))
		;
	claw_mutex_unlock(&mu);
	struct claw_replay_job *got = claw_replay_take(r);
	if (got != j || got->next != NULL) {
		printf("Bail out! the job did not come back alone\n");
		exit(1);
	}
	return got;
}

static int
count(const struct claw_buf *b, const char *what)
{
	int n = 0;
	const char *p = claw_buf_str(b);
	while ((p = strstr(p, what)) != NULL) {
		n++;
		p += strlen(what);
	}
	return n;
}

int
main(void)
{
	struct claw_error err = {0};
	struct claw_project proj = {0};
	struct claw_db *db = NULL;
	struct claw_trace_store *store = NULL;
	struct claw_tracer *t = NULL;
	struct claw_replay *r = NULL;
	char *home = claw_xasprintf("%s/home", tap_tmpdir());
	char *dir = claw_xasprintf("%s/p", tap_tmpdir());
	struct claw_bus *bus = claw_bus_new();
	struct claw_board *board = claw_board_new(home, bus);
	int64_t issue = 0, run = 0;

	claw_mutex_init(&mu, "test");
	claw_cond_init(&cv);
	if (mkdir(dir, 0700) != 0 ||
	    claw_project_register(home, dir, NULL, &proj, &err) != CLAW_OK ||
	    claw_project_open_db(&proj, &db, &err) != CLAW_OK ||
	    claw_trace_store_open(proj.db_path, proj.key, NULL, &store, &err) != CLAW_OK ||
	    claw_issue_create(db, "replayed", NULL, &issue, &err) != CLAW_OK ||
	    claw_run_insert(db, issue, CLAW_RUN_RUNNING, "test", &run, &err) != CLAW_OK ||
	    claw_trace_store_tracer_new(store, db, run, &t, &err) != CLAW_OK ||
	    claw_replay_new(home, board, on_done, NULL, &r, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}
	for (int i = 0; i < 100; i++)
		(void)claw_trace_event(t, CLAW_RECORD_NOTE, CLAW_RECORD_LEVEL_DEFAULT,
				       "{\"action\":\"t\",\"message\":\"row\"}");
	(void)claw_tracer_flush(t, NULL);

	/* A run, from the start: 64 rows, then the other 36. */
	struct claw_replay_job *j =
		run_job(r, claw_replay_job_new(NULL, proj.key, false, run, 0, 1 << 20));
	is_int(j->err.code, CLAW_OK, "read: %s", j->err.msg);
	is_int(count(&j->frames, "event: trace\n"), CLAW_REPLAY_ROWS, "one step: 64 trace frames");
	ok(!j->caught_up, "not caught up yet");
	ok(j->last > 0 && strstr(claw_buf_str(&j->frames), "id: ") != NULL,
	   "the cursor moved to the last row's seq (%lld)", (long long)j->last);
	int64_t cursor = j->last;
	claw_replay_job_free(j);

	j = claw_replay_job_new(NULL, proj.key, false, run, cursor, 1 << 20);
	j->check_end = true;
	j = run_job(r, j);
	is_int(count(&j->frames, "event: trace\n"), 100 - CLAW_REPLAY_ROWS, "the rest");
	ok(j->caught_up, "caught up");
	ok(j->end_data == NULL, "a running run has no end");
	cursor = j->last;
	claw_replay_job_free(j);

	(void)claw_run_set_status(db, run, CLAW_RUN_DONE, NULL, NULL);
	j = claw_replay_job_new(NULL, proj.key, false, run, cursor, 1 << 20);
	j->check_end = true;
	j = run_job(r, j);
	ok(j->caught_up && claw_buf_len(&j->frames) == 0, "nothing after the last row");
	ok(j->end_data != NULL && strstr(j->end_data, "\"done\"") != NULL,
	   "the run ended: its end data (%s)", j->end_data != NULL ? j->end_data : "none");
	is_int(j->last, cursor, "the cursor stays");
	claw_replay_job_free(j);

	j = claw_replay_job_new(NULL, proj.key, false, run, cursor, 1 << 20);
	j = run_job(r, j);
	ok(j->end_data == NULL, "not asked: no end looked up");
	claw_replay_job_free(j);

	/* Over its cap: failed, saying so. */
	j = run_job(r, claw_replay_job_new(NULL, proj.key, false, run, 0, 1024));
	is_int(j->err.code, CLAW_ETOOBIG, "a step over its cap fails");
	claw_replay_job_free(j);

	/* A board, one of whose issues has a run at work (no gate open: the
	 * board's own lookup of it fails, which is no failure of the step). */
	int64_t run2 = 0;
	(void)claw_issue_create(db, "second", NULL, &issue, &err);
	(void)claw_run_insert(db, issue, CLAW_RUN_RUNNING, "test", &run2, &err);
	j = run_job(r, claw_replay_job_new(NULL, proj.key, true, 0, -1, 1 << 20));
	is_int(j->err.code, CLAW_OK, "board read: %s", j->err.msg);
	is_str(j->err.msg, "", "no message left behind");
	is_int(count(&j->frames, "event: issue\n"), 2, "the board: both issues");
	ok(j->caught_up && j->last > 0, "with the board's counter");
	claw_replay_job_free(j);

	/* An unknown project. */
	j = run_job(r, claw_replay_job_new(NULL, "no-such-project", false, 1, 0, 1 << 20));
	is_int(j->err.code, CLAW_ENOTFOUND, "an unknown project fails");
	has_str(j->err.msg, "no-such-project", "naming it");
	claw_replay_job_free(j);

	/* Stop with jobs queued: each comes back once, read or not. */
	for (int i = 0; i < 20; i++)
		claw_replay_post(r, claw_replay_job_new((void *)(intptr_t)(i + 1), proj.key, false,
							run, 0, 1 << 20));
	claw_replay_stop(r);
	int back = 0;
	bool seen[21] = {false}, twice = false;
	for (j = claw_replay_take(r); j != NULL;) {
		struct claw_replay_job *next = j->next;
		intptr_t id = (intptr_t)j->user;
		twice |= id >= 1 && id <= 20 && seen[id];
		if (id >= 1 && id <= 20)
			seen[id] = true;
		back++;
		claw_replay_job_free(j);
		j = next;
	}
	is_int(back, 20, "after stop, all 20 jobs come back");
	ok(!twice, "none twice");
	ok(claw_replay_take(r) == NULL, "and then none");

	claw_replay_free(r);
	claw_tracer_free(t);
	claw_trace_store_close(store);
	claw_db_close(db);
	claw_board_free(board);
	claw_bus_free(bus);
	claw_project_free(&proj);
	claw_cond_destroy(&cv);
	claw_mutex_destroy(&mu);
	free(home);
	free(dir);
	return tap_done();
}
