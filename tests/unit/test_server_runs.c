/*
 * test_server_runs — the run manager of claw serve with small scripted
 * pipelines (not the engine): the semaphore of max_runs and its FIFO, a
 * parked run giving its slot back, stops of queued, executing and parked
 * runs, runs in place waiting for their folder, a failing pipeline, the
 * `end` event, shutdown leaving runs
 * resumable, and adoption by the next manager (a run parked at a gate stays
 * parked until answered; others resume).
 *
 * The pipeline is chosen by the issue's title:
 *   quick  ends the run done at once
 *   block  waits until stopped (then behaves like the runner: a person's
 *          stop fails the run, a shutdown leaves it running)
 *   gate   parks at a question gate (gate id = run id * 10), done when answered
 *   fail   returns an error without ending the run
 * Also meant for --enable-tsan.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/mem.h"
#include "flow/gate.h"
#include "server/parking.h"
#include "server/runs.h"
#include "store/db.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "tap.h"
#include "trace/bus.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

#define WAIT_MS 10000

static struct claw_config cfg;
static struct claw_project proj;
static struct claw_db *db; /* the test's own connection */
static atomic_int pipelines_running;

static enum claw_err
pipeline(const struct claw_runner_params *p, const struct claw_frontend *fe, struct claw_error *err)
{
	struct claw_db *mine = NULL;
	struct claw_issue is = {0};
	enum claw_err rc;
	const char *by = NULL;

	atomic_fetch_add(&pipelines_running, 1);
	rc = claw_db_open(p->db_path, CLAW_DB_OPEN, &mine, err);
	if (rc == CLAW_OK)
		rc = claw_issue_get(mine, p->issue_id, &is, err);
	if (rc != CLAW_OK)
		goto out;
	if (strcmp(is.title, "fail") == 0) {
		rc = claw_error_set(err, CLAW_EBACKEND, "the model is down");
		goto out;
	}
	if (strcmp(is.title, "block") == 0) {
		while (!fe->stop_requested(fe->ctx, &by))
			claw_clock_sleep_ms(2);
		rc = claw_error_set(err, CLAW_ESTOPPED, "stopped");
		if (by != NULL) {
			char reason[128];
			(void)snprintf(reason, sizeof reason, "stopped by %s", by);
			(void)claw_run_set_status(mine, p->run_id, CLAW_RUN_FAILED, reason, NULL);
			(void)claw_issue_set_status(mine, p->issue_id, CLAW_ISSUE_OPEN, NULL);
		}
		goto out;
	}
	if (strcmp(is.title, "gate") == 0) {
		struct claw_gate_request req = {.run_id = p->run_id,
						.issue_id = p->issue_id,
						.gate_id = p->run_id * 10,
						.kind = CLAW_GATE_QUESTION,
						.prompt = "colour?",
						.payload = "null"};
		struct claw_gate_answer a = {0};
		(void)claw_issue_set_status(mine, p->issue_id, CLAW_ISSUE_WAITING, NULL);
		rc = fe->wait_gate(fe->ctx, &req, &a, err);
		claw_gate_answer_free(&a);
		if (rc != CLAW_OK)
			goto out; /* shutdown: stays running */
	}
	rc = claw_run_set_status(mine, p->run_id, CLAW_RUN_DONE, NULL, err);
	if (rc == CLAW_OK)
		rc = claw_issue_set_status(mine, p->issue_id, CLAW_ISSUE_DONE, err);
out:
	claw_issue_free(&is);
	claw_db_close(mine);
	atomic_fetch_sub(&pipelines_running, 1);
	return rc;
}

static int64_t
new_issue(const char *title)
{
	int64_t id = 0;
	(void)claw_issue_create(db, title, NULL, &id, NULL);
	return id;
}

static const char *
run_status(int64_t run_id)
{
	static char buf[64];
	struct claw_run r = {0};
	if (claw_run_get(db, run_id, &r, NULL) != CLAW_OK)
		return "?";
	(void)snprintf(buf, sizeof buf, "%s", claw_run_status_name(r.status));
	claw_run_free(&r);
	return buf;
}

static const char *
run_reason(int64_t run_id)
{
	static char buf[256];
	struct claw_run r = {0};
	if (claw_run_get(db, run_id, &r, NULL) != CLAW_OK)
		return "?";
	(void)snprintf(buf, sizeof buf, "%s", r.reason);
	claw_run_free(&r);
	return buf;
}

static const char *
issue_status(int64_t id)
{
	struct claw_issue is = {0};
	static char buf[32];
	if (claw_issue_get(db, id, &is, NULL) != CLAW_OK)
		return "?";
	(void)snprintf(buf, sizeof buf, "%s", claw_issue_status_name(is.status));
	claw_issue_free(&is);
	return buf;
}

/* Waits until run_id has status want (bounded). */
static bool
wait_status(int64_t run_id, const char *want)
{
	for (int64_t end = claw_clock_mono_ms() + WAIT_MS; claw_clock_mono_ms() < end;) {
		if (strcmp(run_status(run_id), want) == 0)
			return true;
		claw_clock_sleep_ms(2);
	}
	return false;
}

/* The run thread sets the run running, then its issue in progress: wait
 * for the second as for the first. */
static bool
wait_issue_status(int64_t issue_id, const char *want)
{
	for (int64_t end = claw_clock_mono_ms() + WAIT_MS; claw_clock_mono_ms() < end;) {
		if (strcmp(issue_status(issue_id), want) == 0)
			return true;
		claw_clock_sleep_ms(2);
	}
	return false;
}

static bool
wait_stats(struct claw_runs *r, int64_t executing, int64_t queued, int64_t parked)
{
	struct claw_runs_stats s;
	for (int64_t end = claw_clock_mono_ms() + WAIT_MS; claw_clock_mono_ms() < end;) {
		claw_runs_get_stats(r, &s);
		if (s.executing == executing && s.queued == queued && s.parked == parked)
			return true;
		claw_clock_sleep_ms(2);
	}
	tap_diag("stats: executing %lld queued %lld parked %lld", (long long)s.executing,
		 (long long)s.queued, (long long)s.parked);
	return false;
}

static struct claw_runs *
manager(struct claw_bus *bus, struct claw_gates *gates, int64_t max_runs)
{
	struct claw_runs_options o = {
		.config = &cfg,
		.max_runs = max_runs,
		.bus = bus,
		.gates = gates,
		.board = NULL,
		.pipeline = pipeline,
	};
	return claw_runs_new(&o);
}

static void
test_queue_and_stop(struct claw_bus *bus)
{
	struct claw_gates *gates = claw_gates_new();
	struct claw_runs *r = manager(bus, gates, 1);
	struct claw_error err = {0};
	int64_t i1 = new_issue("block"), i2 = new_issue("block"), i3 = new_issue("block");
	int64_t r1, r2, r3, rx;
	bool q1, q2, q3, qx;

	is_int(claw_runs_start(r, db, proj.key, i1, "alice", &r1, &q1, &err), CLAW_OK, "start 1");
	is_int(claw_runs_start(r, db, proj.key, i2, "alice", &r2, &q2, &err), CLAW_OK, "start 2");
	is_int(claw_runs_start(r, db, proj.key, i3, "alice", &r3, &q3, &err), CLAW_OK, "start 3");
	ok(!q1 && q2 && q3, "max_runs 1: the first executes, two are queued");
	is_int(claw_runs_start(r, db, proj.key, i1, "alice", &rx, &qx, &err), CLAW_ECONFLICT,
	       "a second start of an issue with an active run is a conflict");
	ok(wait_status(r1, "running"), "run 1 running");
	ok(wait_issue_status(i1, "inprogress"), "issue 1 in progress (%s)", issue_status(i1));
	is_str(issue_status(i2), "queued", "issue 2 queued");
	is_str(run_status(r2), "queued", "run 2 queued");
	ok(wait_stats(r, 1, 2, 0), "stats: 1 executing, 2 queued");
	ok(claw_runs_live(r, proj.key, r3), "a queued run is live");

	is_int(claw_runs_stop(r, db, proj.key, i3, "bob", false, &err), CLAW_OK, "stop queued 3");
	is_str(run_status(r3), "failed", "a queued run fails at once");
	is_str(run_reason(r3), "stopped by bob", "stopped by bob");
	is_str(issue_status(i3), "open", "its issue reopens");
	ok(!claw_runs_live(r, proj.key, r3), "no longer live");

	is_int(claw_runs_stop(r, db, proj.key, i1, "carol", false, &err), CLAW_OK,
	       "stop executing 1");
	ok(wait_status(r1, "failed"), "run 1 failed");
	is_str(run_reason(r1), "stopped by carol", "stopped by carol");
	ok(wait_status(r2, "running"), "the queued run 2 got the slot");
	is_int(claw_runs_stop(r, db, proj.key, i3, "bob", false, &err), CLAW_ECONFLICT,
	       "stop with nothing active is a conflict");
	is_int(claw_runs_stop(r, db, proj.key, i2, "dan", true, &err), CLAW_OK,
	       "stop 2 and close its issue");
	ok(wait_status(r2, "failed"), "run 2 failed");
	ok(wait_stats(r, 0, 0, 0), "nothing live");
	is_str(issue_status(i2), "closed", "issue 2 closed after its run ended");
	is_int(claw_runs_shutdown(r, claw_clock_mono_ms() + 2000), 0, "no thread left");
	claw_runs_free(r);
	claw_gates_free(gates);
}

static void
test_parked_slot(struct claw_bus *bus)
{
	struct claw_gates *gates = claw_gates_new();
	struct claw_runs *r = manager(bus, gates, 1);
	struct claw_error err = {0};
	int64_t ig = new_issue("gate"), iq = new_issue("quick"), rg, rq, gate = 0;
	bool q, claimed = true;

	is_int(claw_runs_start(r, db, proj.key, ig, "alice", &rg, &q, &err), CLAW_OK, "start gate");
	for (int i = 0; i < WAIT_MS && !claw_gates_parked(gates, proj.key, rg, &gate, NULL); i++)
		claw_clock_sleep_ms(1);
	is_int(gate, rg * 10, "parked on its gate");
	ok(wait_stats(r, 0, 0, 1), "a parked run holds no slot");
	is_int(claw_runs_start(r, db, proj.key, iq, "alice", &rq, &q, &err), CLAW_OK,
	       "start another");
	ok(!q, "it is not queued: the parked run gave its slot back");
	ok(wait_status(rq, "done"), "and it finishes while the other waits");

	struct claw_gate_answer a = {
		.text = (char *)"red", .decision = (char *)"", .by = (char *)"alice"};
	is_int(claw_gates_answer(gates, proj.key, rg, gate, &a, &claimed, &err), CLAW_OK,
	       "answer the gate");
	ok(!claimed, "in memory");
	ok(wait_status(rg, "done"), "the answered run finishes");
	ok(wait_stats(r, 0, 0, 0), "nothing live");
	claw_runs_shutdown(r, claw_clock_mono_ms() + 2000);
	claw_runs_free(r);
	claw_gates_free(gates);
}

/* A project in place: while one run of it has a thread (here parked at a
 * gate), another start stays queued though slots are free, and runs once
 * the first ends. */
static void
test_in_place(struct claw_bus *bus)
{
	struct claw_gates *gates = claw_gates_new();
	struct claw_runs *r = manager(bus, gates, 2);
	struct claw_error err = {0};
	struct claw_project_settings set = CLAW_PROJECT_SETTINGS_NONE;
	int64_t ig = new_issue("gate"), iq = new_issue("quick"), rg, rq, gate = 0;
	bool q, claimed = true;

	set.isolation = CLAW_ISOLATION_INPLACE;
	is_int(claw_project_update(db, &set, &proj, &err), CLAW_OK, "the project works in place");
	is_int(claw_runs_start(r, db, proj.key, ig, "alice", &rg, &q, &err), CLAW_OK, "start gate");
	for (int i = 0; i < WAIT_MS && !claw_gates_parked(gates, proj.key, rg, &gate, NULL); i++)
		claw_clock_sleep_ms(1);
	is_int(gate, rg * 10, "parked on its gate, in the folder");
	is_int(claw_runs_start(r, db, proj.key, iq, "alice", &rq, &q, &err), CLAW_OK,
	       "start another");
	ok(q, "it is queued: the folder is taken");
	claw_clock_sleep_ms(50);
	is_str(run_status(rq), "queued", "and stays queued");
	struct claw_gate_answer a = {
		.text = (char *)"red", .decision = (char *)"", .by = (char *)"alice"};
	is_int(claw_gates_answer(gates, proj.key, rg, gate, &a, &claimed, &err), CLAW_OK,
	       "answer the gate");
	ok(wait_status(rg, "done"), "the first finishes");
	ok(wait_status(rq, "done"), "then the second runs");
	ok(wait_stats(r, 0, 0, 0), "nothing live");
	claw_runs_shutdown(r, claw_clock_mono_ms() + 2000);
	claw_runs_free(r);
	claw_gates_free(gates);
	set.isolation = CLAW_ISOLATION_WORKTREE;
	(void)claw_project_update(db, &set, &proj, &err);
}

static void
test_fail_and_end(struct claw_bus *bus)
{
	struct claw_gates *gates = claw_gates_new();
	struct claw_runs *r = manager(bus, gates, 2);
	struct claw_error err = {0};
	struct claw_bus_sub *sub = NULL;
	struct claw_bus_event *ev = NULL;
	int64_t i = new_issue("fail"), run = 0, last;
	bool q;

	/* The run id is the next one: subscribe to it before starting. */
	int64_t next = 1;
	struct claw_run *list = NULL;
	size_t n = 0;
	if (claw_run_list(db, 0, 1, &list, &n, NULL) == CLAW_OK && n > 0)
		next = list[0].id + 1;
	claw_run_list_free(list, n);
	(void)claw_bus_subscribe(bus, proj.key, next, 16, NULL, NULL, &sub, &err);

	is_int(claw_runs_start(r, db, proj.key, i, "alice", &run, &q, &err), CLAW_OK, "start fail");
	is_int(run, next, "the run id we subscribed to");
	ok(wait_status(run, "failed"), "a pipeline error fails the run");
	has_str(run_reason(run), "the model is down", "with the error as the reason");
	/* The run's status is written before its issue's: wait for the second. */
	ok(wait_issue_status(i, "open"), "the issue reopens");
	is_int(claw_bus_sub_next(sub, WAIT_MS, &ev, &last), CLAW_BUS_EVENT, "an event came");
	if (ev != NULL) {
		is_str(claw_bus_event_name(ev), "end", "the end event");
		has_str(claw_bus_event_data(ev, NULL), "\"status\":\"failed\"", "with the status");
		claw_bus_event_unref(ev);
	}
	claw_bus_unsubscribe(sub);
	claw_runs_shutdown(r, claw_clock_mono_ms() + 2000);
	claw_runs_free(r);
	claw_gates_free(gates);
}

/* Writes a question row for run_id (a gate left open by a dead process). */
static int64_t
open_question(int64_t run_id)
{
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	int64_t gate = 0;
	if (claw_trace_store_open(proj.db_path, proj.key, NULL, &st, NULL) == CLAW_OK &&
	    claw_trace_store_tracer_new(st, db, run_id, &t, NULL) == CLAW_OK) {
		gate = claw_trace_event(t, CLAW_RECORD_QUESTION, CLAW_RECORD_LEVEL_DEFAULT,
					"{\"kind\":\"question\",\"prompt\":\"colour?\","
					"\"payload\":null}");
		(void)claw_tracer_flush(t, NULL);
	}
	claw_tracer_free(t);
	claw_trace_store_close(st);
	return gate;
}

static void
test_shutdown_and_adopt(struct claw_bus *bus)
{
	struct claw_gates *gates = claw_gates_new();
	struct claw_runs *r = manager(bus, gates, 1);
	struct claw_error err = {0};
	int64_t ib = new_issue("block"), iq = new_issue("quick"), ig = new_issue("gate");
	int64_t rb, rq, rg;
	bool q;

	is_int(claw_runs_start(r, db, proj.key, ib, "alice", &rb, &q, &err), CLAW_OK, "start");
	is_int(claw_runs_start(r, db, proj.key, iq, "alice", &rq, &q, &err), CLAW_OK, "queue");
	ok(wait_status(rb, "running"), "running");
	int64_t t0 = claw_clock_mono_ms();
	is_int(claw_runs_shutdown(r, t0 + 2000), 0, "shutdown: every thread ended");
	ok(claw_clock_mono_ms() - t0 < 1000, "promptly");
	is_str(run_status(rb), "running", "the stopped run stays running (resumable)");
	is_str(run_status(rq), "queued", "the queued run stays queued");
	is_int(claw_runs_start(r, db, proj.key, ig, "alice", &rg, &q, &err), CLAW_ESTOPPED,
	       "no starts while shutting down");
	claw_runs_free(r);

	/* A run parked at a gate when the process died. */
	is_int(claw_run_insert(db, ig, CLAW_RUN_RUNNING, "alice", &rg, &err), CLAW_OK,
	       "a running run of the gate issue");
	int64_t gate = open_question(rg);
	ok(gate > 0, "with an open question in its journal");
	(void)claw_issue_set_status(db, ig, CLAW_ISSUE_WAITING, NULL);
	/* The block issue's run must end this time: retitle it. */
	(void)sqlite3_exec(claw_db_sqlite(db), "UPDATE issues SET title = 'quick'", NULL, NULL,
			   NULL);

	r = manager(bus, gates, 1);
	is_int(claw_runs_adopt(r, &err), CLAW_OK, "adopt");
	ok(wait_status(rb, "done"), "the interrupted run was resumed and finished");
	ok(wait_status(rq, "done"), "the queued run was queued again and finished");
	ok(!claw_runs_live(r, proj.key, rg), "the parked run has no thread");
	is_str(run_status(rg), "running", "and stays running");
	is_str(issue_status(ig), "waiting", "its issue waiting");

	/* Answering it: claimed, (written by the caller), resumed. */
	struct claw_gate_answer a = {
		.text = (char *)"red", .decision = (char *)"", .by = (char *)"bob"};
	bool claimed = false;
	is_int(claw_gates_answer(gates, proj.key, rg, gate, &a, &claimed, &err), CLAW_OK,
	       "answer the parked run");
	ok(claimed, "claimed: not live here");
	is_int(claw_gate_record_answer(proj.db_path, proj.key, bus, rg, gate, &a, NULL, &err),
	       CLAW_OK, "the answer row is written");
	claw_gates_unclaim(gates, proj.key, rg);
	is_int(claw_runs_resume(r, proj.key, ig, rg, "bob", &err), CLAW_OK, "resume it");
	ok(wait_status(rg, "done"), "it runs to the end");
	sqlite3_stmt *st = NULL;
	int64_t answers = -1;
	if (sqlite3_prepare_v2(claw_db_sqlite(db),
			       "SELECT COUNT(*) FROM trace WHERE type = 'answer' AND "
			       "json_extract(data, '$.by') = 'bob'",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		answers = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	is_int(answers, 1, "one answer row, by bob");
	claw_runs_shutdown(r, claw_clock_mono_ms() + 2000);
	claw_runs_free(r);
	claw_gates_free(gates);
}

int
main(void)
{
	struct claw_error err = {0};
	char *dir = claw_xasprintf("%s/p", tap_tmpdir());
	char *home = claw_xasprintf("%s/home", tap_tmpdir());
	char *envhome = claw_xasprintf("CLAW_HOME=%s", home);
	const char *envp[] = {envhome, NULL};
	struct claw_bus *bus = claw_bus_new();
	/* Runs in worktrees work side by side; in place, one at a time
	 * (test_in_place). */
	struct claw_project_settings set = CLAW_PROJECT_SETTINGS_NONE;
	set.isolation = CLAW_ISOLATION_WORKTREE;

	if (mkdir(dir, 0700) != 0 || claw_config_load_from(&cfg, envp, &err) != CLAW_OK ||
	    claw_project_register(home, dir, &set, &proj, &err) != CLAW_OK ||
	    claw_project_open_db(&proj, &db, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}
	atomic_init(&pipelines_running, 0);
	test_queue_and_stop(bus);
	test_parked_slot(bus);
	test_in_place(bus);
	test_fail_and_end(bus);
	test_shutdown_and_adopt(bus);
	is_int(atomic_load(&pipelines_running), 0, "no pipeline left running");

	claw_db_close(db);
	claw_project_free(&proj);
	claw_config_free(&cfg);
	claw_bus_free(bus);
	free(envhome);
	free(home);
	free(dir);
	return tap_done();
}
