/*
 * test_state — snapshots and exchange checkpoints: upsert, load, clear,
 * unknown runs and the history cap; the tool-call ledger, and that a
 * checkpoint empties it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/issues.h"
#include "store/runs.h"
#include "store/state.h"
#include "fixture.h"
#include "tap.h"

static int64_t
make_run(struct claw_db *db)
{
	struct claw_error e;
	int64_t issue = 0;
	int64_t run = 0;

	if (claw_issue_create(db, "issue", NULL, &issue, &e) != CLAW_OK ||
	    claw_run_insert(db, issue, CLAW_RUN_RUNNING, NULL, &run, &e) != CLAW_OK) {
		printf("Bail out! cannot make a run: %s\n", claw_error_text(&e));
		exit(1);
	}
	return run;
}

static void
test_snapshot(void)
{
	struct claw_db *db = fixture_db("snap.db");
	int64_t run = make_run(db);
	struct claw_error e;
	struct claw_snapshot s;
	struct claw_snapshot in = {NULL, NULL, NULL, NULL, 0};

	claw_error_clear(&e);
	is_int(claw_snapshot_load(db, run, "Solver", &s, &e), CLAW_ENOTFOUND, "no snapshot yet");
	is_str(e.msg, "run #1 has no snapshot of workflow Solver", "says so");

	is_int(claw_snapshot_save(db, run, "Solver", &in, &e), CLAW_OK, "save an empty snapshot");
	is_int(claw_snapshot_load(db, run, "Solver", &s, &e), CLAW_OK, "load it");
	is_str(s.done, "[]", "done defaults to []");
	is_str(s.params, "{}", "params default to {}");
	is_str(s.handoff_from, "", "no handoff_from");
	is_str(s.handoff, "", "no handoff");
	ok(s.updated_at > 0, "updated_at stamped");
	claw_snapshot_free(&s);
	claw_snapshot_free(NULL);

	char done[] = "[\"implement\"]";
	char params[] = "{\"verify\":{\"cmd\":\"make check\"}}";
	char from[] = "implement";
	char handoff[] = "Added --version; watch the man page.";
	in.done = done;
	in.params = params;
	in.handoff_from = from;
	in.handoff = handoff;
	is_int(claw_snapshot_save(db, run, "Solver", &in, &e), CLAW_OK, "save again (upsert)");
	is_int(claw_snapshot_load(db, run, "Solver", &s, &e), CLAW_OK, "load");
	is_str(s.done, in.done, "done replaced");
	is_str(s.params, in.params, "params replaced");
	is_str(s.handoff_from, "implement", "handoff_from");
	is_str(s.handoff, in.handoff, "handoff");
	claw_snapshot_free(&s);

	char gdone[] = "[\"understand\"]";
	struct claw_snapshot gen = {gdone, NULL, NULL, NULL, 0};
	is_int(claw_snapshot_save(db, run, "generate", &gen, &e), CLAW_OK, "another workflow");
	is_int(claw_snapshot_load(db, run, "generate", &s, &e), CLAW_OK, "load it");
	is_str(s.done, "[\"understand\"]", "its own done list");
	claw_snapshot_free(&s);
	is_int(claw_snapshot_load(db, run, "Solver", &s, &e), CLAW_OK, "the first is intact");
	is_str(s.done, in.done, "unchanged");
	claw_snapshot_free(&s);

	is_int(claw_snapshot_save(db, 99, "Solver", &in, &e), CLAW_ENOTFOUND, "an unknown run");
	is_str(e.msg, "run #99 not found", "run #99 not found");
	is_int(claw_snapshot_save(db, run, "", &in, &e), CLAW_EINVAL, "an empty workflow name");
	is_str(e.msg, "workflow name is empty", "says so");
	is_int(claw_snapshot_save(db, run, NULL, &in, &e), CLAW_EINVAL, "a NULL workflow name");
	claw_db_close(db);
}

/* Saves msgs (NULL-terminated) as messages from.. of the step's checkpoint. */
static enum claw_err
save(struct claw_db *db, int64_t run, const char *wf, const char *step, size_t from,
     const char *const *msgs, struct claw_error *e)
{
	size_t n = 0;
	while (msgs != NULL && msgs[n] != NULL)
		n++;
	return claw_exchange_save(db, run, wf, step, from, msgs, n, e);
}

static void
test_exchange(void)
{
	struct claw_db *db = fixture_db("exch.db");
	int64_t run = make_run(db);
	struct claw_error e;
	char *h = NULL;

	claw_error_clear(&e);
	is_int(claw_exchange_load(db, run, "Solver", "implement", &h, &e), CLAW_ENOTFOUND,
	       "no checkpoint yet");
	is_str(e.msg, "run #1 has no checkpoint of step Solver/implement", "says so");
	ok(h == NULL, "no history");

	is_int(save(db, run, "Solver", "implement", 0, (const char *[]){"{\"a\":1}", NULL}, &e),
	       CLAW_OK, "save one message");
	is_int(claw_exchange_load(db, run, "Solver", "implement", &h, &e), CLAW_OK, "load");
	is_str(h, "[{\"a\":1}]", "the array of it back");
	free(h);
	is_int(save(db, run, "Solver", "implement", 1, (const char *[]){"2", "3", NULL}, &e),
	       CLAW_OK, "append two");
	is_int(save(db, run, "Solver", "verify", 0, (const char *[]){"9", NULL}, &e), CLAW_OK,
	       "another step");
	is_int(claw_exchange_load(db, run, "Solver", "implement", &h, &e), CLAW_OK, "load");
	is_str(h, "[{\"a\":1},2,3]", "all three in order, the other step apart");
	free(h);
	is_int(save(db, run, "Solver", "implement", 1, (const char *[]){"20", NULL}, &e), CLAW_OK,
	       "from 1 again, one message");
	is_int(claw_exchange_load(db, run, "Solver", "implement", &h, &e), CLAW_OK, "load");
	is_str(h, "[{\"a\":1},20]", "replaced from there, the rest gone");
	free(h);
	is_int(save(db, run, "Solver", "implement", 0, (const char *[]){"7", NULL}, &e), CLAW_OK,
	       "from 0: a whole new conversation");
	is_int(claw_exchange_load(db, run, "Solver", "implement", &h, &e), CLAW_OK, "load");
	is_str(h, "[7]", "only it");
	free(h);
	h = NULL;

	is_int(save(db, 42, "Solver", "verify", 0, (const char *[]){"1", NULL}, &e), CLAW_ENOTFOUND,
	       "an unknown run");
	is_str(e.msg, "run #42 not found", "run #42 not found");
	is_int(save(db, run, "Solver", "", 0, NULL, &e), CLAW_EINVAL, "empty step");
	is_str(e.msg, "step name is empty", "says so");
	is_int(save(db, run, "", "x", 0, NULL, &e), CLAW_EINVAL, "empty workflow");
	is_int(claw_exchange_save(db, run, "Solver", "x", 0, (const char *[]){NULL}, 1, &e),
	       CLAW_EINVAL, "a NULL message");
	is_int(claw_exchange_load(db, run, "Solver", "verify", &h, &e), CLAW_OK,
	       "a refused save changed nothing");
	is_str(h, "[9]", "the other step as it was");
	free(h);
	h = NULL;

	/* A large message round-trips; more than the cap at once is refused. */
	size_t big_n = 4u * 1024 * 1024;
	char *big = claw_xmalloc(big_n + 3);
	big[0] = '"';
	for (size_t i = 1; i <= big_n; i++)
		big[i] = (char)('a' + i % 26);
	big[big_n + 1] = '"';
	big[big_n + 2] = '\0';
	is_int(save(db, run, "Solver", "big", 0, (const char *[]){big, NULL}, &e), CLAW_OK,
	       "save 4 MiB");
	is_int(claw_exchange_load(db, run, "Solver", "big", &h, &e), CLAW_OK, "load 4 MiB");
	ok(h != NULL && strlen(h) == big_n + 4 && memcmp(h + 1, big, big_n + 2) == 0,
	   "byte for byte");
	free(h);
	h = NULL;
	free(big);
	big = claw_xmalloc((size_t)CLAW_STATE_HISTORY_MAX + 2);
	memset(big, 'z', (size_t)CLAW_STATE_HISTORY_MAX + 1);
	big[CLAW_STATE_HISTORY_MAX + 1] = '\0';
	is_int(save(db, run, "Solver", "big", 1, (const char *[]){big, NULL}, &e), CLAW_ETOOBIG,
	       "one byte past the cap");
	has_str(e.msg, "over the 33554432-byte checkpoint limit", "says the cap");
	free(big);
	claw_db_close(db);
}

static void
test_ledger(void)
{
	struct claw_db *db = fixture_db("ledger.db");
	int64_t run = make_run(db);
	struct claw_error e = {0};
	struct claw_ledger_call *calls = NULL;
	char *reply = NULL;
	int64_t at = 0;
	size_t n = 0;

	is_int(claw_ledger_load(db, run, "Solver", "impl", &reply, &at, &calls, &n, &e), CLAW_OK,
	       "load an empty ledger");
	ok(reply == NULL && n == 0, "no turn, no calls");
	is_int(claw_ledger_begin(db, run, "Solver", "impl", "[{\"role\":\"assistant\"}]", 3, &e),
	       CLAW_OK, "begin a turn");
	is_int(claw_ledger_start(db, run, "Solver", "impl", 0, "bash", "{\"command\":\"ls\"}", &e),
	       CLAW_OK, "call 0 starts");
	is_int(claw_ledger_end(db, run, "Solver", "impl", 0, "a\nb", 3, false, &e), CLAW_OK,
	       "call 0 ends");
	is_int(claw_ledger_start(db, run, "Solver", "impl", 1, "write_file", "{}", &e), CLAW_OK,
	       "call 1 starts and never ends");
	is_int(claw_ledger_load(db, run, "Solver", "impl", &reply, &at, &calls, &n, &e), CLAW_OK,
	       "load");
	is_str(reply, "[{\"role\":\"assistant\"}]", "the turn's reply");
	is_int(at, 3, "after the conversation's first 3 messages");
	is_int((int64_t)n, 2, "two calls");
	if (n == 2) {
		ok(calls[0].idx == 0 && calls[0].ended && !calls[0].is_error, "call 0 ended");
		is_str(calls[0].result, "a\nb", "with its result");
		is_str(calls[0].input, "{\"command\":\"ls\"}", "and its input");
		ok(calls[1].idx == 1 && !calls[1].ended && calls[1].result == NULL,
		   "call 1 started and did not end");
		is_str(calls[1].name, "write_file", "named");
	}
	claw_ledger_free(calls, n);
	free(reply);
	is_int(claw_ledger_load(db, run, "Solver", "other", &reply, &at, &calls, &n, &e), CLAW_OK,
	       "another step's ledger");
	ok(reply == NULL && n == 0, "is its own");
	is_int(save(db, run, "Solver", "impl", 0, (const char *[]){"1", NULL}, &e), CLAW_OK,
	       "checkpoint");
	is_int(claw_ledger_load(db, run, "Solver", "impl", &reply, &at, &calls, &n, &e), CLAW_OK,
	       "load after the checkpoint");
	ok(reply == NULL && n == 0, "the checkpoint emptied the ledger");
	(void)claw_ledger_begin(db, run, "Solver", "impl", "[]", 1, &e);
	(void)save(db, run, "Solver", "impl", 1, (const char *[]){"{}", NULL}, &e);
	(void)claw_ledger_load(db, run, "Solver", "impl", &reply, &at, &calls, &n, &e);
	ok(reply == NULL, "so does a checkpoint that updates one");
	claw_db_close(db);
}

int
main(void)
{
	test_snapshot();
	test_exchange();
	test_ledger();
	return tap_done();
}
