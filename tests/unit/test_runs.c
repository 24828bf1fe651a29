/*
 * test_runs — the run ledger: creation, the one-active-run rule (also
 * across connections and inside a caller's transaction), status changes,
 * lookups and lists.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "store/issues.h"
#include "store/runs.h"
#include "fixture.h"
#include "tap.h"

static void
test_status_names(void)
{
	enum claw_run_status s;

	for (int i = 0; i < CLAW_RUN_STATUS_COUNT; i++) {
		const char *name = claw_run_status_name((enum claw_run_status)i);
		ok(claw_run_status_parse(name, &s) == CLAW_OK && (int)s == i,
		   "status %s round-trips", name);
	}
	is_str(claw_run_status_name(CLAW_RUN_GENERATED), "generated", "generated");
	is_str(claw_run_status_name(CLAW_RUN_STATUS_COUNT), "unknown", "out of range");
	is_int(claw_run_status_parse("stopped", &s), CLAW_EINVAL, "unknown name");
	ok(claw_run_status_active(CLAW_RUN_QUEUED), "queued is active");
	ok(claw_run_status_active(CLAW_RUN_RUNNING), "running is active");
	ok(!claw_run_status_active(CLAW_RUN_DONE), "done is not");
	ok(!claw_run_status_active(CLAW_RUN_FAILED), "failed is not");
	ok(!claw_run_status_active(CLAW_RUN_GENERATED), "generated is not");

	struct claw_buf b = CLAW_BUF_INIT(CLAW_RUN_END_JSON_MAX);
	claw_run_end_json(&b, 7, CLAW_RUN_FAILED, "step \"x\" failed");
	is_str(claw_buf_str(&b),
	       "{\"runId\":7,\"status\":\"failed\",\"reason\":\"step \\\"x\\\" failed\"}",
	       "the end event's data");
	/* 511 bytes, then a 2-byte character across the cut, then control
	 * characters that escape to six bytes each. */
	char reason[1200];
	memset(reason, 'a', 511);
	memcpy(reason + 511, "\xc3\xa9", 2);
	memset(reason + 513, '\x01', 600);
	reason[1113] = '\0';
	claw_buf_reset(&b);
	claw_run_end_json(&b, 8, CLAW_RUN_DONE, reason);
	ok(claw_buf_error(&b) == CLAW_OK, "a long reason fits (%zu bytes)", claw_buf_len(&b));
	ok(strstr(claw_buf_str(&b), "aaa\"}") != NULL && strstr(claw_buf_str(&b), "\xc3") == NULL,
	   "clipped before the character it would split");
	claw_buf_free(&b);
}

static void
test_lifecycle(void)
{
	struct claw_db *db = fixture_db("life.db");
	struct claw_error e;
	struct claw_run r;
	int64_t id = 0;
	int64_t issue = 0;
	int64_t before = claw_clock_now_ms();

	claw_error_clear(&e);
	is_int(claw_run_insert(db, 5, CLAW_RUN_QUEUED, "alice", &id, &e), CLAW_ENOTFOUND,
	       "a run of an unknown issue");
	is_str(e.msg, "issue #5 not found", "says which issue");
	ok(!claw_db_in_transaction(db), "the failed create rolled back");

	is_int(claw_issue_create(db, "first", NULL, &issue, &e), CLAW_OK, "issue");
	is_int(claw_run_insert(db, issue, CLAW_RUN_DONE, NULL, &id, &e), CLAW_EINVAL,
	       "a run cannot start done");
	has_str(e.msg, "queued or running, not done", "says why");

	is_int(claw_run_insert(db, issue, CLAW_RUN_QUEUED, "alice", &id, &e), CLAW_OK, "create");
	is_int(id, 1, "run #1");
	is_int(claw_run_get(db, id, &r, &e), CLAW_OK, "get");
	is_int(r.issue_id, issue, "issue id");
	char repo[] = "/r", wt[] = "/w", wd[] = "/w/sub", gd[] = "/r/.git/worktrees/run-1",
	     br[] = "claw/issue-1-run-1", base[] = "abc";
	struct claw_run_work w = {0}, in = {repo, wt, wd, gd, br, base, NULL};
	is_int(claw_run_get_work(db, id, &w, &e), CLAW_OK, "a new run's work folder");
	is_str(w.branch, "", "is in place: no branch");
	claw_run_work_free(&w);
	is_int(claw_run_set_work(db, id, &in, &e), CLAW_OK, "record its worktree");
	is_int(claw_run_get_work(db, id, &w, &e), CLAW_OK, "load it");
	ok(strcmp(w.repo, "/r") == 0 && strcmp(w.workdir, "/w/sub") == 0 &&
		   strcmp(w.gitdir, "/r/.git/worktrees/run-1") == 0 &&
		   strcmp(w.branch, "claw/issue-1-run-1") == 0 && strcmp(w.base, "abc") == 0 &&
		   strcmp(w.head, "") == 0,
	   "as recorded");
	claw_run_work_free(&w);
	is_int(claw_run_get_work(db, 99, &w, &e), CLAW_ENOTFOUND, "of an unknown run");
	is_int(r.status, CLAW_RUN_QUEUED, "queued");
	is_str(r.started_by, "alice", "started_by");
	is_str(r.reason, "", "no reason");
	is_int(r.solver_version, 0, "no solver yet");
	ok(r.created_at >= before, "created_at now");
	is_int(r.ended_at, 0, "not ended");
	claw_run_free(&r);
	claw_run_free(NULL);

	int64_t id2 = 77;
	is_int(claw_run_insert(db, issue, CLAW_RUN_RUNNING, "bob", &id2, &e), CLAW_ECONFLICT,
	       "a second active run");
	is_str(e.msg, "issue #1 already has an active run (#1)", "names the active run");
	is_int(id2, 0, "no id");
	ok(!claw_db_in_transaction(db), "rolled back");

	is_int(claw_run_set_status(db, id, CLAW_RUN_RUNNING, NULL, &e), CLAW_OK, "running");
	is_int(claw_run_set_solver(db, id, 3, &e), CLAW_OK, "set solver");
	is_int(claw_run_active_of_issue(db, issue, &r, &e), CLAW_OK, "the active run");
	is_int(r.id, id, "is #1");
	is_int(r.status, CLAW_RUN_RUNNING, "running");
	is_int(r.solver_version, 3, "solver v3");
	claw_run_free(&r);

	is_int(claw_run_set_status(db, id, CLAW_RUN_FAILED, "stopped by alice", &e), CLAW_OK,
	       "fail it");
	is_int(claw_run_get(db, id, &r, &e), CLAW_OK, "get");
	is_int(r.status, CLAW_RUN_FAILED, "failed");
	is_str(r.reason, "stopped by alice", "with the reason");
	ok(r.ended_at >= r.created_at && r.ended_at > 0, "ended_at stamped");
	claw_run_free(&r);
	is_int(claw_run_active_of_issue(db, issue, &r, &e), CLAW_ENOTFOUND, "no active run now");
	is_str(e.msg, "issue #1 has no active run", "says so");

	is_int(claw_run_insert(db, issue, CLAW_RUN_RUNNING, NULL, &id2, &e), CLAW_OK,
	       "a new run after the failure");
	is_int(id2, 2, "run #2");
	is_int(claw_run_get(db, id2, &r, &e), CLAW_OK, "get #2");
	is_str(r.started_by, "", "started_by NULL is empty");
	claw_run_free(&r);

	/* Reviving #1 while #2 is active breaks the rule. */
	is_int(claw_run_set_status(db, id, CLAW_RUN_RUNNING, NULL, &e), CLAW_ECONFLICT,
	       "reviving an old run while another is active");
	has_str(e.msg, "run #1 cannot become active", "says so");
	is_int(claw_run_set_status(db, id2, CLAW_RUN_DONE, NULL, &e), CLAW_OK, "finish #2");
	is_int(claw_run_set_status(db, id, CLAW_RUN_RUNNING, NULL, &e), CLAW_OK,
	       "now #1 may resume");
	is_int(claw_run_get(db, id, &r, &e), CLAW_OK, "get #1");
	is_int(r.ended_at, 0, "resuming clears ended_at");
	is_str(r.reason, "", "and the reason");
	claw_run_free(&r);

	is_int(claw_run_get(db, 99, &r, &e), CLAW_ENOTFOUND, "get unknown");
	is_str(e.msg, "run #99 not found", "run #99 not found");
	is_int(claw_run_set_status(db, 99, CLAW_RUN_DONE, NULL, &e), CLAW_ENOTFOUND,
	       "set status of unknown");
	is_str(e.msg, "run #99 not found", "same message");
	is_int(claw_run_set_solver(db, 99, 1, &e), CLAW_ENOTFOUND, "set solver of unknown");
	is_int(claw_run_set_status(db, id, CLAW_RUN_STATUS_COUNT, NULL, &e), CLAW_EINVAL,
	       "invalid status");
	claw_db_close(db);
}

static void
test_lists(void)
{
	struct claw_db *db = fixture_db("lists.db");
	struct claw_error e;
	struct claw_run r;
	struct claw_run *list = NULL;
	size_t n = 5;
	int64_t i1 = 0;
	int64_t i2 = 0;
	int64_t id = 0;

	claw_error_clear(&e);
	is_int(claw_run_list(db, 0, 0, &list, &n, &e), CLAW_OK, "list none");
	is_int(n, 0, "empty");
	ok(list == NULL, "no array");
	is_int(claw_issue_create(db, "one", NULL, &i1, &e), CLAW_OK, "issue 1");
	is_int(claw_issue_create(db, "two", NULL, &i2, &e), CLAW_OK, "issue 2");
	is_int(claw_run_latest_of_issue(db, i1, &r, &e), CLAW_ENOTFOUND, "no runs yet");
	is_str(e.msg, "issue #1 has no runs", "says so");

	/* runs: #1 i1 failed, #2 i2 done, #3 i1 running, #4 i2 queued */
	is_int(claw_run_insert(db, i1, CLAW_RUN_RUNNING, NULL, &id, &e), CLAW_OK, "#1");
	is_int(claw_run_set_status(db, id, CLAW_RUN_FAILED, "x", &e), CLAW_OK, "#1 failed");
	is_int(claw_run_insert(db, i2, CLAW_RUN_RUNNING, NULL, &id, &e), CLAW_OK, "#2");
	is_int(claw_run_set_status(db, id, CLAW_RUN_DONE, NULL, &e), CLAW_OK, "#2 done");
	is_int(claw_run_insert(db, i1, CLAW_RUN_RUNNING, NULL, &id, &e), CLAW_OK, "#3");
	is_int(claw_run_insert(db, i2, CLAW_RUN_QUEUED, NULL, &id, &e), CLAW_OK, "#4");

	is_int(claw_run_latest_of_issue(db, i1, &r, &e), CLAW_OK, "latest of issue 1");
	is_int(r.id, 3, "is #3");
	claw_run_free(&r);

	is_int(claw_run_list(db, i1, 0, &list, &n, &e), CLAW_OK, "runs of issue 1");
	is_int(n, 2, "two");
	if (n == 2)
		ok(list[0].id == 1 && list[1].id == 3, "oldest first");
	claw_run_list_free(list, n);
	is_int(claw_run_list(db, i1, 1, &list, &n, &e), CLAW_OK, "runs of issue 1, limit 1");
	is_int(n, 1, "one");
	if (n == 1)
		is_int(list[0].id, 1, "the oldest");
	claw_run_list_free(list, n);

	is_int(claw_run_list(db, 0, 3, &list, &n, &e), CLAW_OK, "newest 3 of the project");
	is_int(n, 3, "three");
	if (n == 3)
		ok(list[0].id == 4 && list[1].id == 3 && list[2].id == 2, "newest first");
	claw_run_list_free(list, n);
	is_int(claw_run_list(db, 0, 0, &list, &n, &e), CLAW_OK, "all of the project");
	is_int(n, 4, "four");
	claw_run_list_free(list, n);

	is_int(claw_run_list_running(db, &list, &n, &e), CLAW_OK, "running runs");
	is_int(n, 1, "one running (queued is not running)");
	if (n == 1)
		is_int(list[0].id, 3, "#3");
	claw_run_list_free(list, n);
	claw_run_list_free(NULL, 0);
	claw_db_close(db);
}

static void
test_transactions(void)
{
	char *path = fixture_path("txn.db");
	struct claw_db *a = NULL;
	struct claw_db *b = NULL;
	struct claw_error e;
	struct claw_run r;
	int64_t issue = 0;
	int64_t id = 0;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &a, &e), CLAW_OK, "create");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &b, &e), CLAW_OK, "second connection");
	is_int(claw_issue_create(a, "x", NULL, &issue, &e), CLAW_OK, "issue");

	/* Inside the caller's transaction: the caller decides. */
	is_int(claw_db_begin(a, &e), CLAW_OK, "caller begins");
	is_int(claw_run_insert(a, issue, CLAW_RUN_QUEUED, NULL, &id, &e), CLAW_OK,
	       "create inside it");
	ok(claw_db_in_transaction(a), "the caller's transaction is still open");
	claw_db_rollback(a);
	is_int(claw_run_get(a, id, &r, &e), CLAW_ENOTFOUND, "rolled back with the caller's");

	/* The rule holds across connections. */
	is_int(claw_run_insert(a, issue, CLAW_RUN_RUNNING, "a", &id, &e), CLAW_OK, "a creates");
	is_int(claw_run_insert(b, issue, CLAW_RUN_RUNNING, "b", &id, &e), CLAW_ECONFLICT,
	       "b sees a's run");
	has_str(e.msg, "already has an active run", "conflict");

	/* A writer holding the lock: a clear busy error, not a hang. */
	is_int(claw_db_begin(a, &e), CLAW_OK, "a holds the write lock");
	claw_db_set_busy_timeout(b, 30);
	is_int(claw_run_insert(b, issue, CLAW_RUN_QUEUED, NULL, &id, &e), CLAW_EDB,
	       "b's create is busy");
	has_str(e.msg, "database is busy", "busy");
	ok(!claw_db_in_transaction(b), "b has no transaction left");
	claw_db_rollback(a);
	claw_db_close(b);
	claw_db_close(a);
	free(path);
}

int
main(void)
{
	test_status_names();
	test_lifecycle();
	test_lists();
	test_transactions();
	return tap_done();
}
