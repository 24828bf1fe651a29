/*
 * runs — jobs, slots and run threads.  See runs.h for the contract.
 *
 * A job is one run that is live here: queued (no thread yet), executing
 * (its thread holds a slot), parked (its thread waits at a gate without a
 * slot), waiting for a slot again after an answer, or done (its thread has
 * ended and waits to be joined).  Jobs that need a slot wait in one FIFO;
 * threads coming back from a gate are put ahead of queued starts, behind
 * each other.
 *
 *   start/resume ──► queue ──slot──► thread: pipeline ──► finalize ──► done
 *                                       │  ▲
 *                          wait_gate:   ▼  │ answered: queue (front) ─slot─┘
 *                                     parked (slot given back)
 *
 * Slots are handed out by dispatch(), always under runs.mu, whenever one is
 * freed or a job is queued.  Finished threads are joined outside the lock
 * by reap(), called from start, resume and shutdown.
 */
#include "server/runs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "flow/workspace.h"
#include "server/board.h"
#include "server/parking.h"
#include "server/webhook.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "trace/bus.h"
#include "trace/reader.h"
#include "trace/sink_store.h"

enum job_state {
	JOB_QUEUED,    /* waiting for a slot, no thread */
	JOB_EXECUTING, /* thread running */
	JOB_PARKED,    /* thread waiting at a gate, no slot */
	JOB_WAIT_SLOT, /* thread answered, waiting for a slot */
	JOB_DONE,      /* thread ended; to be joined */
};

struct job {
	struct claw_runs *mgr;
	struct job *next;  /* mgr->all (live jobs) or mgr->finished */
	struct job *qnext; /* mgr->queue */
	char *project;
	char *db_path;
	char *started_by;
	int64_t issue_id;
	int64_t run_id;
	/* runs.mu */
	enum job_state state;
	bool queued;        /* on mgr->queue */
	bool holds_slot;    /* counted in mgr->active */
	bool has_thread;    /* thread was created */
	bool granted;       /* JOB_WAIT_SLOT: a slot was handed over */
	char *stop_by;      /* who stopped it (set before stop); NULL: shutdown */
	bool close_issue;   /* stopped by POST .../close */
	bool in_place;      /* works in the project folder itself: one such thread per project */
	struct note *notes; /* newest first, for the run thread to trace (claw_runs_note) */
	struct claw_cond slot_cv;
	/* the run thread's: its pipeline's tracer, while it runs */
	struct claw_tracer *tracer;
	pthread_t thread;
	/* read without the lock by the run thread */
	atomic_bool stop;
	atomic_bool has_notes; /* notes != NULL */
};

/* A trace note waiting for its run's thread. */
struct note {
	struct note *next;
	char *data; /* JSON text */
};

struct store {
	struct store *next;
	char *project;
	struct claw_trace_store *st;
};

struct claw_runs {
	struct claw_runs_options o;
	struct claw_mutex mu; /* guards everything below and the job fields so marked */
	struct job *all;      /* live jobs */
	struct job *queue;    /* FIFO of jobs waiting for a slot */
	struct job *finished; /* ended threads, not yet joined */
	int64_t active;       /* slots in use */
	int64_t threads;      /* run threads not yet ended */
	bool shutting_down;
	struct claw_cond idle_cv; /* signalled when a thread ends */
	struct claw_runs_stats stats;
	int64_t ttft[CLAW_RUNS_TTFT_KEEP]; /* the latest replies' ttft_ms, a ring */
	size_t ttft_next;                  /* where the next goes */
	struct store *stores;              /* one trace store per project, opened on first use */
};

/* ------------------------------------------------------------ jobs, queue */

/* Whether run_id works in its project folder itself (workspace.h). */
static bool
in_place(const char *db_path, int64_t run_id)
{
	struct claw_db *db = NULL;
	struct claw_project p = {0};
	bool yes = claw_db_open(db_path, CLAW_DB_OPEN, &db, NULL) == CLAW_OK &&
		   claw_project_load_db(db, &p, NULL) == CLAW_OK &&
		   claw_workspace_in_place(db, run_id, &p);
	claw_project_free(&p);
	claw_db_close(db);
	return yes;
}

static struct job *
job_new(struct claw_runs *r, const char *project, int64_t issue_id, int64_t run_id, const char *by)
{
	struct job *j = CLAW_NEW(struct job);
	j->mgr = r;
	j->project = claw_xstrdup(project);
	j->db_path = claw_project_db_path(r->o.config->home, project);
	j->started_by = claw_xstrdup(by != NULL ? by : "");
	j->issue_id = issue_id;
	j->run_id = run_id;
	j->state = JOB_QUEUED;
	j->in_place = in_place(j->db_path, run_id);
	claw_cond_init(&j->slot_cv);
	atomic_init(&j->stop, false);
	atomic_init(&j->has_notes, false);
	return j;
}

static void
notes_free(struct note *n)
{
	for (struct note *next; n != NULL; n = next) {
		next = n->next;
		free(n->data);
		free(n);
	}
}

static void
job_free(struct job *j)
{
	for (struct note *n = j->notes; n != NULL; n = n->next)
		claw_log_warn("server: a note for run %lld of %s is not traced (the run is not "
			      "live any more): %s",
			      (long long)j->run_id, j->project, n->data);
	notes_free(j->notes);
	claw_cond_destroy(&j->slot_cv);
	free(j->stop_by);
	free(j->started_by);
	free(j->db_path);
	free(j->project);
	free(j);
}

static struct job *
find_job(struct claw_runs *r, const char *project, int64_t run_id)
{
	claw_mutex_assert_held(&r->mu);
	for (struct job *j = r->all; j != NULL; j = j->next)
		if (j->run_id == run_id && strcmp(j->project, project) == 0)
			return j;
	return NULL;
}

static void
unlink_all(struct claw_runs *r, struct job *j)
{
	claw_mutex_assert_held(&r->mu);
	for (struct job **pp = &r->all; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			j->next = NULL;
			return;
		}
	}
}

/* Appends j to the queue; front puts it behind the jobs already waiting
 * with a thread (JOB_WAIT_SLOT) but ahead of queued starts. */
static void
enqueue(struct claw_runs *r, struct job *j, bool front)
{
	struct job **pp = &r->queue;
	claw_mutex_assert_held(&r->mu);
	if (front) {
		while (*pp != NULL && (*pp)->state == JOB_WAIT_SLOT)
			pp = &(*pp)->qnext;
	} else {
		while (*pp != NULL)
			pp = &(*pp)->qnext;
	}
	j->qnext = *pp;
	*pp = j;
	j->queued = true;
}

static void
dequeue(struct claw_runs *r, struct job *j)
{
	claw_mutex_assert_held(&r->mu);
	for (struct job **pp = &r->queue; *pp != NULL; pp = &(*pp)->qnext) {
		if (*pp == j) {
			*pp = j->qnext;
			j->qnext = NULL;
			j->queued = false;
			return;
		}
	}
}

static void *run_thread(void *arg);

/* True when another job of j's project works in its folder in place and
 * has a thread (executing, parked at a gate or waiting for a slot). */
static bool
folder_taken(struct claw_runs *r, const struct job *j)
{
	claw_mutex_assert_held(&r->mu);
	for (const struct job *o = r->all; o != NULL; o = o->next)
		if (o != j && o->in_place && o->has_thread && o->state != JOB_DONE &&
		    strcmp(o->project, j->project) == 0)
			return true;
	return false;
}

/* The first job of the queue that may have a slot: in place, only when its
 * folder is free (the others wait, in order). */
static struct job *
next_job(struct claw_runs *r)
{
	for (struct job *j = r->queue; j != NULL; j = j->qnext)
		if (j->has_thread || !j->in_place || !folder_taken(r, j))
			return j;
	return NULL;
}

/* Hands free slots to the queue, in order. */
static void
dispatch(struct claw_runs *r)
{
	struct job *j;

	claw_mutex_assert_held(&r->mu);
	while (!r->shutting_down && r->active < r->o.max_runs && (j = next_job(r)) != NULL) {
		dequeue(r, j);
		r->active++;
		j->holds_slot = true;
		if (j->state == JOB_WAIT_SLOT) {
			j->granted = true;
			claw_cond_signal(&j->slot_cv);
			continue;
		}
		j->state = JOB_EXECUTING;
		int rc = pthread_create(&j->thread, NULL, run_thread, j);
		if (rc != 0) {
			char e[128];
			/* Out of threads: the run stays queued in the db and is
			 * adopted by the next start of the server. */
			claw_log_error("server: cannot start a thread for run %lld: %s",
				       (long long)j->run_id, claw_errno_text(rc, e, sizeof e));
			r->active--;
			j->holds_slot = false;
			j->state = JOB_DONE;
			unlink_all(r, j);
			claw_gates_detach(j->mgr->o.gates, j->project, j->run_id);
			j->next = r->finished; /* freed by reap, never joined */
			r->finished = j;
			continue;
		}
		j->has_thread = true;
		r->threads++;
		r->stats.started++;
	}
}

/* Joins and frees the threads that ended. */
static void
reap(struct claw_runs *r)
{
	claw_mutex_lock(&r->mu);
	struct job *list = r->finished;
	r->finished = NULL;
	claw_mutex_unlock(&r->mu);
	while (list != NULL) {
		struct job *j = list;
		list = j->next;
		if (j->has_thread)
			(void)pthread_join(j->thread, NULL);
		job_free(j);
	}
}

/* ------------------------------------------------------------------ notes */

/* The project's trace store, opened on first use (outside runs.mu: it
 * opens a connection and starts a thread).  NULL on failure (the runner
 * then opens its own). */
static struct claw_trace_store *
project_store(struct claw_runs *r, const char *project, const char *db_path)
{
	struct claw_trace_store *st = NULL, *mine = NULL;
	struct claw_error err = {0};

	claw_mutex_lock(&r->mu);
	for (struct store *e = r->stores; e != NULL && st == NULL; e = e->next)
		if (strcmp(e->project, project) == 0)
			st = e->st;
	claw_mutex_unlock(&r->mu);
	if (st != NULL)
		return st;
	if (claw_trace_store_open(db_path, project, r->o.bus, &mine, &err) != CLAW_OK) {
		claw_log_warn("server: trace store of %s: %s", project, claw_error_text(&err));
		return NULL;
	}
	claw_mutex_lock(&r->mu);
	for (struct store *e = r->stores; e != NULL && st == NULL; e = e->next)
		if (strcmp(e->project, project) == 0)
			st = e->st; /* another run was quicker */
	if (st == NULL) {
		struct store *e = CLAW_NEW(struct store);
		e->project = claw_xstrdup(project);
		e->st = st = mine;
		e->next = r->stores;
		r->stores = e;
		mine = NULL;
	}
	claw_mutex_unlock(&r->mu);
	claw_trace_store_close(mine);
	return st;
}

/* Writes a note row to run_id's trace through its project's store, for a
 * run no thread of this process is tracing now. */
static void
note_beside(struct claw_runs *r, const char *project, const char *db_path, int64_t run_id,
	    const char *data)
{
	struct claw_error err = {0};
	struct claw_db *db = NULL;
	struct claw_tracer *t = NULL;
	struct claw_trace_store *st = project_store(r, project, db_path);
	enum claw_err rc = st != NULL ? claw_db_open(db_path, CLAW_DB_OPEN, &db, &err)
				      : claw_error_set(&err, CLAW_EDB, "no trace store");

	if (rc == CLAW_OK)
		rc = claw_trace_store_tracer_new(st, db, run_id, &t, &err);
	if (rc == CLAW_OK) {
		(void)claw_trace_event_at(t, 0, 0, CLAW_RECORD_NOTE, CLAW_RECORD_NOTICE, data);
		rc = claw_tracer_flush(t, &err);
	}
	if (rc != CLAW_OK)
		claw_log_warn("server: a note for run %lld of %s is lost: %s", (long long)run_id,
			      project, claw_error_text(&err));
	claw_tracer_free(t);
	claw_db_close(db);
}

/* Takes the job's notes, oldest first. */
static struct note *
take_notes(struct job *j)
{
	struct note *rev = NULL;
	claw_mutex_assert_held(&j->mgr->mu);
	for (struct note *n = j->notes, *next; n != NULL; n = next) {
		next = n->next;
		n->next = rev;
		rev = n;
	}
	j->notes = NULL;
	atomic_store(&j->has_notes, false);
	return rev;
}

/* Writes list (oldest first) beside j's run, which no thread traces now,
 * and frees it. */
static void
notes_beside(struct job *j, struct note *list)
{
	for (struct note *n = list; n != NULL; n = n->next)
		note_beside(j->mgr, j->project, j->db_path, j->run_id, n->data);
	notes_free(list);
}

/* On the run thread, at a safe point of its pipeline (not inside a model
 * call): traces the notes others left for the run with its own tracer, so
 * they take span ids from its counter. */
static void
trace_notes(struct job *j)
{
	if (!atomic_load(&j->has_notes) || j->tracer == NULL)
		return;
	claw_mutex_lock(&j->mgr->mu);
	struct note *list = take_notes(j);
	claw_mutex_unlock(&j->mgr->mu);
	for (struct note *n = list; n != NULL; n = n->next)
		(void)claw_trace_event_at(j->tracer, 0, 0, CLAW_RECORD_NOTE, CLAW_RECORD_NOTICE,
					  n->data);
	notes_free(list);
}

void
claw_runs_note(struct claw_runs *r, const char *project, int64_t run_id, const char *action,
	       const char *message)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "action", json_object_new_string(action));
	json_object_object_add(d, "message", json_object_new_string(message));
	char *data = claw_xstrdup(claw_json_text(d));
	json_object_put(d);

	/* A live run's thread writes it with its own tracer (a parked one when
	 * it wakes); only a run that is not live here is written beside. */
	claw_mutex_lock(&r->mu);
	struct job *j = find_job(r, project, run_id);
	if (j != NULL) {
		struct note *n = CLAW_NEW(struct note);
		n->data = data;
		n->next = j->notes;
		j->notes = n;
		atomic_store(&j->has_notes, true);
		data = NULL;
	}
	claw_mutex_unlock(&r->mu);
	if (data != NULL) {
		char *db_path = claw_project_db_path(r->o.config->home, project);
		note_beside(r, project, db_path, run_id, data);
		free(db_path);
	}
	free(data);
}

/* ------------------------------------------------------------- webhooks */

/* Sends ev with its issue's title read through db (NULL: opened from
 * db_path), when a webhook is configured. */
static void
notify(struct claw_runs *r, struct claw_db *db, const char *db_path, struct claw_webhook_event *ev)
{
	struct claw_issue is = {0};
	struct claw_db *own = NULL;
	struct claw_error err = {0};

	if (r->o.webhook == NULL)
		return;
	if (db == NULL && claw_db_open(db_path, CLAW_DB_OPEN, &own, &err) == CLAW_OK)
		db = own;
	if (db != NULL && claw_issue_get(db, ev->issue_id, &is, &err) == CLAW_OK)
		ev->issue_title = is.title;
	claw_webhook_send(r->o.webhook, ev);
	claw_issue_free(&is);
	claw_db_close(own);
}

static void
notify_gate(struct job *j, const struct claw_gate_request *req)
{
	struct claw_webhook_event ev = {
		.event = "gate_opened",
		.project = j->project,
		.issue_id = req->issue_id,
		.run_id = req->run_id,
		.gate_kind = claw_gate_kind_name(req->kind),
		.gate_prompt = req->prompt,
	};
	notify(j->mgr, NULL, j->db_path, &ev);
}

/* -------------------------------------------------------------- front end */

static enum claw_err
fe_wait_gate(void *ctx, const struct claw_gate_request *req, struct claw_gate_answer *out,
	     struct claw_error *err)
{
	struct job *j = ctx;
	struct claw_runs *r = j->mgr;
	enum claw_err rc;

	claw_mutex_lock(&r->mu);
	if (j->holds_slot) { /* a parked run costs no slot */
		j->holds_slot = false;
		r->active--;
	}
	j->state = JOB_PARKED;
	dispatch(r);
	claw_mutex_unlock(&r->mu);

	notify_gate(j, req);
	rc = claw_gates_wait(r->o.gates, j->project, req, &j->stop, out, err);

	claw_mutex_lock(&r->mu);
	if (r->active < r->o.max_runs || r->shutting_down || atomic_load(&j->stop)) {
		if (r->active < r->o.max_runs) {
			r->active++;
			j->holds_slot = true;
		}
	} else {
		j->state = JOB_WAIT_SLOT;
		j->granted = false;
		enqueue(r, j, true);
		while (!j->granted && !r->shutting_down && !atomic_load(&j->stop))
			claw_cond_wait(&j->slot_cv, &r->mu);
		if (!j->granted)
			dequeue(r, j); /* stopping: go on without a slot */
	}
	j->state = JOB_EXECUTING;
	claw_mutex_unlock(&r->mu);
	trace_notes(j);
	return rc;
}

static void
fe_issue_changed(void *ctx, int64_t issue_id)
{
	struct job *j = ctx;
	if (j->mgr->o.board != NULL)
		claw_board_notify(j->mgr->o.board, j->project, issue_id);
	trace_notes(j); /* between steps and gates: a safe point */
}

static void
fe_add_sinks(void *ctx, struct claw_tracer *tracer)
{
	struct job *j = ctx;
	j->tracer = tracer;
	trace_notes(j);
}

static bool
fe_stop_requested(void *ctx, const char **by)
{
	struct job *j = ctx;
	if (!atomic_load(&j->stop))
		return false;
	if (by != NULL) {
		/* stop_by is written before stop is set and never after. */
		*by = j->stop_by;
	}
	return true;
}

/* ------------------------------------------------------------ run thread */

/* Publishes `end` {"runId","status","reason"} on the run's topic. */
static void
publish_end(struct claw_runs *r, const char *project, int64_t run_id, enum claw_run_status status,
	    const char *reason)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_RUN_END_JSON_MAX);
	claw_run_end_json(&b, run_id, status, reason);
	struct claw_bus_event *ev =
		claw_bus_event_new("end", 0, claw_buf_str(&b), claw_buf_len(&b));
	(void)claw_bus_publish(r->o.bus, project, run_id, ev);
	claw_bus_event_unref(ev);
	claw_buf_free(&b);
	claw_mutex_lock(&r->mu);
	r->stats.end_events++;
	claw_mutex_unlock(&r->mu);
}

/* Ends a run that is still active after a person's stop or a pipeline
 * failure, sets the issue, and announces the end.  stop_by NULL: not a
 * person's stop.  Returns the run's final status in *final. */
static void
settle(struct claw_runs *r, struct claw_db *db, const char *project, int64_t issue_id,
       int64_t run_id, const char *stop_by, bool close_issue, const char *failure)
{
	struct claw_error err = {0};
	struct claw_run run = {0};
	char reason[CLAW_ERROR_MSG_MAX + 32];
	enum claw_err rc = claw_run_get(db, run_id, &run, &err);

	if (rc != CLAW_OK) {
		claw_log_error("server: run %lld of %s: %s", (long long)run_id, project,
			       claw_error_text(&err));
		return;
	}
	if (claw_run_status_active(run.status)) {
		if (stop_by != NULL)
			(void)snprintf(reason, sizeof reason, "stopped by %s", stop_by);
		else
			(void)snprintf(reason, sizeof reason, "%s", failure);
		if (claw_run_set_status(db, run_id, CLAW_RUN_FAILED, reason, &err) != CLAW_OK ||
		    claw_issue_reopen(db, issue_id, &err) != CLAW_OK)
			claw_log_error("server: ending run %lld of %s: %s", (long long)run_id,
				       project, claw_error_text(&err));
		claw_run_free(&run);
		(void)claw_run_get(db, run_id, &run, &err);
	}
	if (close_issue && claw_issue_set_status(db, issue_id, CLAW_ISSUE_CLOSED, &err) != CLAW_OK)
		claw_log_error("server: closing issue #%lld of %s: %s", (long long)issue_id,
			       project, claw_error_text(&err));
	publish_end(r, project, run_id, run.status, run.reason != NULL ? run.reason : "");
	struct claw_webhook_event ev = {
		.event = "run_ended",
		.project = project,
		.issue_id = issue_id,
		.run_id = run_id,
		.status = claw_run_status_name(run.status),
		.reason = run.reason,
	};
	notify(r, db, NULL, &ev);
	if (r->o.board != NULL)
		claw_board_notify(r->o.board, project, issue_id);
	claw_run_free(&run);
}

static void
add_totals(struct claw_runs *r, struct claw_db *db, int64_t run_id)
{
	struct claw_trace_totals t = {0};
	struct claw_error err = {0};
	int64_t *ttft = NULL, count = 0, sum = 0;
	size_t n = 0;

	if (claw_reader_totals(db, run_id, &t, &err) == CLAW_OK) {
		claw_mutex_lock(&r->mu);
		r->stats.tokens_in += t.in;
		r->stats.tokens_out += t.out;
		r->stats.tokens_cached += t.cached;
		r->stats.tokens_cache_write += t.cache_write;
		r->stats.cost_micros += t.cost_micros;
		claw_mutex_unlock(&r->mu);
	}
	claw_trace_totals_free(&t);
	if (claw_reader_ttfts(db, run_id, CLAW_RUNS_TTFT_KEEP, &ttft, &n, &count, &sum, &err) !=
	    CLAW_OK)
		claw_log_warn("server: the reply latencies of run %lld: %s", (long long)run_id,
			      claw_error_text(&err));
	claw_mutex_lock(&r->mu);
	for (size_t i = 0; i < n; i++)
		r->ttft[r->ttft_next++ % CLAW_RUNS_TTFT_KEEP] = ttft[i];
	r->stats.ttft_count += count;
	r->stats.ttft_sum_ms += sum;
	claw_mutex_unlock(&r->mu);
	free(ttft);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* p50 and p95 (nearest rank) of the kept latencies; under r->mu. */
static void
ttft_quantiles(struct claw_runs *r, struct claw_runs_stats *out)
{
	int64_t v[CLAW_RUNS_TTFT_KEEP];
	size_t n = r->ttft_next < CLAW_RUNS_TTFT_KEEP ? r->ttft_next : CLAW_RUNS_TTFT_KEEP;

	claw_mutex_assert_held(&r->mu);
	out->ttft_p50_ms = out->ttft_p95_ms = -1;
	if (n == 0)
		return;
	memcpy(v, r->ttft, n * sizeof v[0]);
	qsort(v, n, sizeof v[0], cmp_i64);
	out->ttft_p50_ms = v[(n * 50 + 99) / 100 - 1];
	out->ttft_p95_ms = v[(n * 95 + 99) / 100 - 1];
}

static void *
run_thread(void *arg)
{
	struct job *j = arg;
	struct claw_runs *r = j->mgr;
	struct claw_error err = {0}, perr = {0};
	struct claw_db *db = NULL;
	enum claw_err rc;
	struct claw_frontend fe = {
		.ctx = j,
		.wait_gate = fe_wait_gate,
		.issue_changed = fe_issue_changed,
		.stop_requested = fe_stop_requested,
		.add_sinks = fe_add_sinks, /* keeps the tracer for the notes (no sink added) */
	};
	struct claw_runner_params params = {
		.config = r->o.config,
		.project_key = j->project,
		.db_path = j->db_path,
		.issue_id = j->issue_id,
		.run_id = j->run_id,
		.started_by = j->started_by,
		.bus = r->o.bus,
		.store = project_store(r, j->project, j->db_path),
		.auto_approve = false, /* CLAW_AUTO_APPROVE is read by the runner */
	};

	rc = claw_db_open(j->db_path, CLAW_DB_OPEN, &db, &err);
	if (rc == CLAW_OK)
		rc = claw_run_set_status(db, j->run_id, CLAW_RUN_RUNNING, NULL, &err);
	if (rc == CLAW_OK)
		rc = claw_issue_set_status(db, j->issue_id, CLAW_ISSUE_INPROGRESS, &err);
	if (rc == CLAW_OK) {
		if (r->o.board != NULL)
			claw_board_notify(r->o.board, j->project, j->issue_id);
		claw_log_info("server: run %lld of %s issue #%lld executing", (long long)j->run_id,
			      j->project, (long long)j->issue_id);
		rc = r->o.pipeline(&params, &fe, &perr);
		j->tracer = NULL; /* freed by the pipeline */
		if (rc != CLAW_OK && rc != CLAW_ESTOPPED)
			claw_log_warn("server: run %lld of %s: %s", (long long)j->run_id,
				      j->project, claw_error_text(&perr));
	} else {
		claw_log_error("server: run %lld of %s cannot start: %s", (long long)j->run_id,
			       j->project, claw_error_text(&err));
		perr = err;
	}

	claw_mutex_lock(&r->mu);
	if (j->holds_slot) {
		j->holds_slot = false;
		r->active--;
	}
	const char *stop_by = j->stop_by;
	bool close_issue = j->close_issue;
	bool shutdown_stop = r->shutting_down && stop_by == NULL;
	dispatch(r);
	claw_mutex_unlock(&r->mu);

	if (db != NULL) {
		/* Counted before the end is published: whoever sees it and asks
		 * /api/metrics finds the run in the totals. */
		add_totals(r, db, j->run_id);
		if (!shutdown_stop) {
			char failure[CLAW_ERROR_MSG_MAX + 64];
			(void)snprintf(failure, sizeof failure, "%s",
				       rc != CLAW_OK
					       ? claw_error_text(&perr)
					       : "the pipeline returned without ending the run");
			settle(r, db, j->project, j->issue_id, j->run_id, stop_by, close_issue,
			       failure);
		}
	}
	claw_db_close(db);
	claw_gates_detach(r->o.gates, j->project, j->run_id);

	claw_mutex_lock(&r->mu);
	struct note *left = take_notes(j);
	j->state = JOB_DONE;
	unlink_all(r, j);
	j->next = r->finished;
	r->finished = j;
	r->threads--;
	r->stats.finished++;
	dispatch(r); /* its folder is free */
	claw_cond_broadcast(&r->idle_cv);
	claw_mutex_unlock(&r->mu);
	notes_beside(j, left);
	return NULL;
}

/* ------------------------------------------------------------------- API */

struct claw_runs *
claw_runs_new(const struct claw_runs_options *o)
{
	struct claw_runs *r = CLAW_NEW(struct claw_runs);
	r->o = *o;
	if (r->o.max_runs < 1)
		r->o.max_runs = 1;
	claw_mutex_init(&r->mu, "runs");
	claw_cond_init(&r->idle_cv);
	return r;
}

void
claw_runs_free(struct claw_runs *r)
{
	if (r == NULL)
		return;
	reap(r);
	/* Queued jobs left (no shutdown called): drop them. */
	while (r->all != NULL) {
		struct job *j = r->all;
		r->all = j->next;
		claw_gates_detach(r->o.gates, j->project, j->run_id);
		job_free(j);
	}
	while (r->stores != NULL) {
		struct store *e = r->stores;
		r->stores = e->next;
		claw_trace_store_close(e->st);
		free(e->project);
		free(e);
	}
	claw_cond_destroy(&r->idle_cv);
	claw_mutex_destroy(&r->mu);
	free(r);
}

/* Makes j live and queues it; *queued: it waits for a slot. */
static void
admit(struct claw_runs *r, struct job *j, bool front, bool *queued)
{
	claw_gates_attach(r->o.gates, j->project, j->run_id);
	claw_mutex_lock(&r->mu);
	j->next = r->all;
	r->all = j;
	enqueue(r, j, front);
	dispatch(r);
	if (queued != NULL)
		*queued = j->state == JOB_QUEUED;
	claw_mutex_unlock(&r->mu);
}

enum claw_err
claw_runs_start(struct claw_runs *r, struct claw_db *db, const char *project, int64_t issue_id,
		const char *by, int64_t *run_id, bool *queued, struct claw_error *err)
{
	enum claw_err rc;
	bool stopping;

	*run_id = 0;
	*queued = false;
	if (r->o.pipeline == NULL)
		return claw_error_set(err, CLAW_ECONFIG, "this server has no issue runner");
	claw_mutex_lock(&r->mu);
	stopping = r->shutting_down;
	claw_mutex_unlock(&r->mu);
	if (stopping)
		return claw_error_set(err, CLAW_ESTOPPED, "the server is shutting down");
	reap(r);
	rc = claw_issue_exists(db, issue_id, err);
	if (rc == CLAW_OK)
		rc = claw_run_insert(db, issue_id, CLAW_RUN_QUEUED, by, run_id, err);
	if (rc == CLAW_OK)
		rc = claw_issue_set_status(db, issue_id, CLAW_ISSUE_QUEUED, err);
	if (rc != CLAW_OK)
		return rc;
	admit(r, job_new(r, project, issue_id, *run_id, by), false, queued);
	if (r->o.board != NULL)
		claw_board_notify(r->o.board, project, issue_id);
	claw_log_info("server: run %lld of %s issue #%lld started by %s%s", (long long)*run_id,
		      project, (long long)issue_id, by, *queued ? " (queued)" : "");
	return CLAW_OK;
}

enum claw_err
claw_runs_resume(struct claw_runs *r, const char *project, int64_t issue_id, int64_t run_id,
		 const char *by, struct claw_error *err)
{
	bool live;

	if (r->o.pipeline == NULL)
		return claw_error_set(err, CLAW_ECONFIG, "this server has no issue runner");
	reap(r);
	claw_mutex_lock(&r->mu);
	live = find_job(r, project, run_id) != NULL;
	claw_mutex_unlock(&r->mu);
	if (live)
		return claw_error_set(err, CLAW_ECONFLICT, "run %lld is already live",
				      (long long)run_id);
	admit(r, job_new(r, project, issue_id, run_id, by), true, NULL);
	claw_log_info("server: run %lld of %s resumed by %s", (long long)run_id, project, by);
	return CLAW_OK;
}

enum claw_err
claw_runs_stop(struct claw_runs *r, struct claw_db *db, const char *project, int64_t issue_id,
	       const char *by, bool close_issue, struct claw_error *err)
{
	struct claw_run run = {0};
	struct job *dropped = NULL;
	struct note *left = NULL;
	bool live = false;
	enum claw_err rc = claw_run_active_of_issue(db, issue_id, &run, err);

	if (rc == CLAW_ENOTFOUND)
		return claw_error_set(err, CLAW_ECONFLICT, "issue #%lld has no active run",
				      (long long)issue_id);
	if (rc != CLAW_OK)
		return rc;
	claw_mutex_lock(&r->mu);
	struct job *j = find_job(r, project, run.id);
	if (j != NULL && j->state == JOB_QUEUED) {
		dequeue(r, j);
		unlink_all(r, j);
		dropped = j;
		left = take_notes(j);
	} else if (j != NULL && j->stop_by == NULL && !atomic_load(&j->stop)) {
		j->stop_by = claw_xstrdup(by);
		j->close_issue = close_issue;
		atomic_store(&j->stop, true);
		claw_cond_signal(&j->slot_cv);
		live = true;
	} else if (j != NULL) {
		live = true; /* already stopping */
		j->close_issue = j->close_issue || close_issue;
	}
	claw_mutex_unlock(&r->mu);
	if (live) {
		claw_gates_kick(r->o.gates, project, run.id);
		claw_log_info("server: run %lld of %s: stop asked by %s", (long long)run.id,
			      project, by);
	} else {
		/* Queued, or parked before a restart: no thread to tell. */
		if (dropped != NULL) {
			claw_gates_detach(r->o.gates, project, run.id);
			notes_beside(dropped, left);
			job_free(dropped);
		}
		settle(r, db, project, issue_id, run.id, by, close_issue, "");
		claw_log_info("server: run %lld of %s stopped by %s", (long long)run.id, project,
			      by);
	}
	claw_run_free(&run);
	return CLAW_OK;
}

/* Adopts the runs of one project db. */
static void
adopt_project(struct claw_runs *r, const struct claw_project *p)
{
	struct claw_error err = {0};
	struct claw_db *db = NULL;
	struct claw_run *list = NULL;
	size_t n = 0;

	if (claw_db_open(p->db_path, CLAW_DB_OPEN, &db, &err) != CLAW_OK ||
	    claw_run_list(db, 0, 0, &list, &n, &err) != CLAW_OK) {
		claw_log_warn("server: cannot adopt the runs of %s: %s", p->key,
			      claw_error_text(&err));
		goto out;
	}
	for (size_t k = n; k-- > 0;) { /* the list is newest first */
		struct claw_run *run = &list[k];
		struct claw_trace_gate g = {0};
		if (run->status == CLAW_RUN_QUEUED) {
			admit(r, job_new(r, p->key, run->issue_id, run->id, run->started_by), false,
			      NULL);
			claw_log_notice("server: run %lld of %s queued again", (long long)run->id,
					p->key);
			continue;
		}
		if (run->status != CLAW_RUN_RUNNING)
			continue;
		enum claw_err rc = claw_reader_open_gate(db, run->id, &g, &err);
		int64_t gate_id = g.id;
		claw_trace_gate_free(&g);
		if (rc == CLAW_OK) {
			claw_log_notice("server: run %lld of %s waits at gate %lld",
					(long long)run->id, p->key, (long long)gate_id);
			continue;
		}
		if (rc != CLAW_ENOTFOUND)
			claw_log_warn("server: run %lld of %s: %s; resuming it", (long long)run->id,
				      p->key, claw_error_text(&err));
		admit(r, job_new(r, p->key, run->issue_id, run->id, run->started_by), false, NULL);
		claw_log_notice("server: run %lld of %s resumed", (long long)run->id, p->key);
	}
out:
	claw_run_list_free(list, n);
	claw_db_close(db);
}

enum claw_err
claw_runs_adopt(struct claw_runs *r, struct claw_error *err)
{
	struct claw_project *list = NULL;
	size_t n = 0;
	enum claw_err rc = claw_project_list(r->o.config->home, &list, &n, err);

	if (rc != CLAW_OK)
		return rc;
	if (r->o.pipeline == NULL && n > 0)
		claw_log_warn("server: no issue runner: runs left by an earlier process are "
			      "not resumed");
	for (size_t i = 0; i < n && r->o.pipeline != NULL; i++)
		adopt_project(r, &list[i]);
	claw_project_list_free(list, n);
	return CLAW_OK;
}

bool
claw_runs_live(struct claw_runs *r, const char *project, int64_t run_id)
{
	claw_mutex_lock(&r->mu);
	bool live = find_job(r, project, run_id) != NULL;
	claw_mutex_unlock(&r->mu);
	return live;
}

void
claw_runs_get_stats(struct claw_runs *r, struct claw_runs_stats *out)
{
	claw_mutex_lock(&r->mu);
	*out = r->stats;
	out->executing = out->queued = out->parked = 0;
	for (struct job *j = r->all; j != NULL; j = j->next) {
		if (j->state == JOB_QUEUED || j->state == JOB_WAIT_SLOT)
			out->queued++;
		else if (j->state == JOB_PARKED)
			out->parked++;
		else if (j->state == JOB_EXECUTING)
			out->executing++;
	}
	ttft_quantiles(r, out);
	memset(&out->trace, 0, sizeof out->trace);
	for (struct store *e = r->stores; e != NULL; e = e->next) {
		struct claw_trace_store_stats ts;
		claw_trace_store_get_stats(e->st, &ts);
		out->trace.written += ts.written;
		out->trace.lost += ts.lost;
		out->trace.batches += ts.batches;
	}
	claw_mutex_unlock(&r->mu);
}

int
claw_runs_shutdown(struct claw_runs *r, int64_t deadline_ms)
{
	struct job *drop = NULL;
	int left;

	if (r == NULL) /* a server that failed before its runs were made */
		return 0;
	claw_mutex_lock(&r->mu);
	r->shutting_down = true;
	for (struct job **pp = &r->all; *pp != NULL;) {
		struct job *j = *pp;
		if (j->state == JOB_QUEUED) { /* stays queued in the db */
			dequeue(r, j);
			*pp = j->next;
			j->next = drop;
			drop = j;
			continue;
		}
		atomic_store(&j->stop, true);
		claw_cond_signal(&j->slot_cv);
		pp = &j->next;
	}
	claw_mutex_unlock(&r->mu);
	claw_gates_shutdown(r->o.gates);
	while (drop != NULL) {
		struct job *j = drop;
		drop = j->next;
		claw_gates_detach(r->o.gates, j->project, j->run_id);
		job_free(j);
	}

	claw_mutex_lock(&r->mu);
	while (r->threads > 0 && claw_clock_mono_ms() < deadline_ms)
		(void)claw_cond_wait_until(&r->idle_cv, &r->mu, deadline_ms);
	left = (int)r->threads;
	claw_mutex_unlock(&r->mu);
	reap(r);
	return left;
}
