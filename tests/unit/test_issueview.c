/*
 * test_issueview — the Issue wire shape (SPEC 7) from a real db, field by
 * field, as a run goes: a new issue (no run: nothing live, no gate, no
 * progress); a run at work on an approved solver of three steps with one
 * done, two replies (tokens and cost summed), an artifact and an open
 * question (the gate, live); the question answered (no gate); the run
 * ended (not live); the full form (the solver, the gate's payload).  The
 * JSON is parsed back, so the test reads fields, not bytes.
 */
#include "server/issueview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/json.h"
#include "base/mem.h"
#include "flow/runner.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "store/solvers.h"
#include "store/state.h"
#include "tap.h"

static struct claw_db *db;

/* The Issue of issue id, parsed (the caller puts it). */
static struct json_object *
view(int64_t id, unsigned flags)
{
	struct claw_issue is = {0};
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(1 << 20);
	struct json_object *o = NULL;

	if (claw_issue_get(db, id, &is, &err) != CLAW_OK ||
	    claw_issueview_append(db, &is, flags, &out, &err) != CLAW_OK ||
	    claw_json_parse(claw_buf_str(&out), claw_buf_len(&out), &o, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		exit(1);
	}
	claw_issue_free(&is);
	claw_buf_free(&out);
	return o;
}

static struct json_object *
field(struct json_object *o, const char *name)
{
	struct json_object *v = NULL;
	(void)json_object_object_get_ex(o, name, &v);
	return v;
}

static int64_t
num(struct json_object *o, const char *name)
{
	return json_object_get_int64(field(o, name));
}

static bool
flag(struct json_object *o, const char *name)
{
	return json_object_get_boolean(field(o, name));
}

/* Inserts a trace row of run. */
static void
row(int64_t run, int64_t span, const char *type, const char *data)
{
	char *sql =
		claw_xasprintf("INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type,"
			       " level, data, ts_ms) VALUES (%lld, %lld, 0, 1, 'event', '%s',"
			       " 3, '%s', 0)",
			       (long long)run, (long long)span, type, data);
	struct claw_error err = {0};
	if (claw_db_exec(db, sql, &err) != CLAW_OK)
		printf("Bail out! %s\n", claw_error_text(&err));
	free(sql);
}

int
main(void)
{
	struct claw_error err = {0};
	struct claw_project proj = {0};
	char *home = claw_xasprintf("%s/home", tap_tmpdir());
	char *dir = claw_xasprintf("%s/p", tap_tmpdir());
	int64_t issue = 0, run = 0, version = 0;
	struct json_object *o;

	if (mkdir(dir, 0700) != 0 ||
	    claw_project_register(home, dir, NULL, &proj, &err) != CLAW_OK ||
	    claw_project_open_db(&proj, &db, &err) != CLAW_OK ||
	    claw_issue_create(db, "Fix the greeting", "It says helo.", &issue, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}

	o = view(issue, 0);
	is_int(num(o, "id"), issue, "id");
	is_str(json_object_get_string(field(o, "title")), "Fix the greeting", "title");
	is_str(json_object_get_string(field(o, "status")), "open", "a new issue is open");
	ok(!flag(o, "live") && field(o, "gate") == NULL, "not live, no gate");
	ok(num(o, "done") == 0 && num(o, "steps") == 0, "no progress");
	is_int(json_object_array_length(field(o, "runs")), 0, "no runs");
	json_object_put(o);

	/* A run at work: an approved solver of three steps, one done. */
	(void)claw_solver_add(db, issue,
			      "{\"name\":\"Fix\",\"steps\":[{\"name\":\"a\",\"goal\":\"g\"},"
			      "{\"name\":\"b\",\"goal\":\"g\"},{\"name\":\"c\",\"goal\":\"g\"}]}",
			      &version, &err);
	(void)claw_solver_decide(db, issue, version, CLAW_SOLVER_APPROVED, NULL, "ann", &err);
	(void)claw_run_insert(db, issue, CLAW_RUN_RUNNING, "ann", &run, &err);
	(void)claw_run_set_solver(db, run, version, &err);
	struct claw_snapshot snap = {.done = claw_xstrdup("[\"a\"]")};
	is_int(claw_snapshot_save(db, run, CLAW_RUNNER_SOLVER_KEY, &snap, &err), CLAW_OK,
	       "a snapshot with step a done: %s", err.msg);
	claw_snapshot_free(&snap);
	row(run, 2, "reply",
	    "{\"model\":\"m\",\"usage\":{\"in\":100,\"out\":20,\"cached\":50,\"cost_micros\":1500}"
	    "}");
	row(run, 3, "reply",
	    "{\"model\":\"m\",\"usage\":{\"in\":10,\"out\":2,\"cached\":0,\"cost_micros\":500}}");
	row(run, 4, "question", "{\"kind\":\"question\",\"prompt\":\"Which greeting?\"}");

	o = view(issue, 0);
	ok(flag(o, "live"), "live while its run works");
	ok(num(o, "done") == 1 && num(o, "steps") == 3, "one of three steps done (%lld of %lld)",
	   (long long)num(o, "done"), (long long)num(o, "steps"));
	ok(num(o, "tokensIn") == 110 && num(o, "tokensOut") == 22 && num(o, "tokensCached") == 50,
	   "tokens summed over the replies");
	ok(json_object_get_double(field(o, "costUsd")) > 0.00199 &&
		   json_object_get_double(field(o, "costUsd")) < 0.00201,
	   "cost summed: $%.4f", json_object_get_double(field(o, "costUsd")));
	struct json_object *gate = field(o, "gate");
	ok(gate != NULL && num(gate, "id") == 4, "the open question is the gate");
	is_str(json_object_get_string(field(gate, "prompt")), "Which greeting?", "with its prompt");
	struct json_object *runs = field(o, "runs");
	ok(json_object_array_length(runs) == 1 &&
		   num(json_object_array_get_idx(runs, 0), "id") == run,
	   "the run is listed");
	json_object_put(o);

	/* The question answered: no gate; the run ended: not live. */
	row(run, 5, "answer", "{\"ref\":4,\"text\":\"Hello\"}");
	o = view(issue, 0);
	ok(field(o, "gate") == NULL && flag(o, "live"), "answered: no gate, still live");
	json_object_put(o);
	(void)claw_run_set_status(db, run, CLAW_RUN_DONE, NULL, &err);
	row(run, 6, "question", "{\"kind\":\"question\",\"prompt\":\"late\"}");
	o = view(issue, 0);
	ok(!flag(o, "live") && field(o, "gate") == NULL, "ended: not live, and no gate shown");
	json_object_put(o);

	/* A second run: tokens and cost are the latest run's, the totals and
	 * the runs list every run's (a re-run does not hide what the first cost). */
	int64_t run2 = 0;
	(void)claw_run_insert(db, issue, CLAW_RUN_RUNNING, "ann", &run2, &err);
	row(run2, 2, "reply",
	    "{\"model\":\"m\",\"usage\":{\"in\":7,\"out\":1,\"cost_micros\":300}}");
	o = view(issue, 0);
	ok(num(o, "tokensIn") == 7 && json_object_get_double(field(o, "costUsd")) < 0.00031,
	   "tokens and cost: the latest run's");
	ok(num(o, "totalTokensIn") == 117 && num(o, "totalTokensOut") == 23 &&
		   json_object_get_double(field(o, "totalCostUsd")) > 0.00229 &&
		   json_object_get_double(field(o, "totalCostUsd")) < 0.00231,
	   "totals over both runs");
	runs = field(o, "runs");
	ok(json_object_array_length(runs) == 2 &&
		   num(json_object_array_get_idx(runs, 0), "tokensIn") == 110 &&
		   num(json_object_array_get_idx(runs, 1), "tokensIn") == 7 &&
		   json_object_get_double(field(json_object_array_get_idx(runs, 0), "costUsd")) >
			   0.00199,
	   "each run with its own tokens and cost");
	json_object_put(o);
	/* A negative cost (a writer's refund) still makes valid JSON. */
	row(run2, 3, "reply", "{\"model\":\"m\",\"usage\":{\"cost_micros\":-700}}");
	o = view(issue, 0);
	ok(o != NULL && json_object_get_double(field(o, "costUsd")) < -0.00039 &&
		   json_object_get_double(field(o, "costUsd")) > -0.00041,
	   "the latest run's cost below zero: -$0.0004");
	json_object_put(o);
	(void)claw_run_set_status(db, run2, CLAW_RUN_DONE, NULL, &err);

	/* The full form: the solver. */
	o = view(issue, CLAW_ISSUEVIEW_FULL);
	struct json_object *solver = field(o, "solver");
	ok(solver != NULL && num(solver, "version") == version, "full: the latest solver");
	is_str(json_object_get_string(field(solver, "status")), "approved", "approved");
	is_str(json_object_get_string(field(solver, "decidedBy")), "ann", "by ann");
	ok(json_object_is_type(field(solver, "spec"), json_type_object), "its spec as JSON");
	json_object_put(o);

	claw_db_close(db);
	claw_project_free(&proj);
	free(home);
	free(dir);
	return tap_done();
}
