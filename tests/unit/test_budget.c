/*
 * test_budget — limits, charges, grants, and rebuilding the spending of a
 * run from its journal (reply usage, turn durations, budget grants).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/mem.h"
#include "flow/budget.h"
#include "store/db.h"
#include "store/issues.h"
#include "store/runs.h"
#include "tap.h"

static void
test_limits(void)
{
	struct claw_budget_meter b;
	enum claw_budget_kind k = CLAW_BUDGET_KIND_COUNT;

	claw_budget_init(&b, 0, 0, 0);
	claw_budget_charge_reply(&b, 1000000, 1000000);
	claw_budget_charge_ms(&b, 1000000);
	ok(!claw_budget_exhausted(&b, &k), "no limits: never exhausted");

	claw_budget_init(&b, 0, 0, 500000);
	claw_budget_charge_reply(&b, INT64_MAX, INT64_MAX);
	claw_budget_charge_reply(&b, INT64_MAX, INT64_MAX);
	is_int(claw_budget_spent(&b, CLAW_BUDGET_USD), INT64_MAX,
	       "absurd usage saturates instead of wrapping negative");
	ok(claw_budget_exhausted(&b, &k) && k == CLAW_BUDGET_USD, "and exhausts the budget");

	claw_budget_init(&b, 1000, 60, 500000);
	claw_budget_charge_reply(&b, 999, 100);
	ok(!claw_budget_exhausted(&b, &k), "999 of 1000 tokens: not exhausted");
	claw_budget_charge_reply(&b, 1, 0);
	ok(claw_budget_exhausted(&b, &k), "1000 of 1000 tokens: exhausted");
	is_int(k, CLAW_BUDGET_TOKENS, "by tokens");
	is_int(claw_budget_spent(&b, CLAW_BUDGET_TOKENS), 1000, "spent 1000 tokens");

	claw_budget_grant(&b, CLAW_BUDGET_TOKENS, 500);
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), 1500, "a grant raises the limit");
	ok(!claw_budget_exhausted(&b, &k), "not exhausted after the grant");
	claw_budget_grant(&b, CLAW_BUDGET_TOKENS, 0);
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), 2500,
	       "a grant of 0 gives the configured limit again");

	claw_budget_charge_ms(&b, 59999);
	ok(!claw_budget_exhausted(&b, &k), "59.999 s of 60: not exhausted");
	claw_budget_charge_ms(&b, 1);
	ok(claw_budget_exhausted(&b, &k) && k == CLAW_BUDGET_SECONDS, "60 s: exhausted by seconds");
	claw_budget_grant(&b, CLAW_BUDGET_SECONDS, 30);
	claw_budget_charge_reply(&b, 0, 499900);
	ok(claw_budget_exhausted(&b, &k) && k == CLAW_BUDGET_USD, "then by USD");

	struct claw_budget_limits saved;
	int64_t tokens = claw_budget_limit(&b, CLAW_BUDGET_TOKENS);
	int64_t usd = claw_budget_limit(&b, CLAW_BUDGET_USD);
	claw_budget_push(&b, 10, 0, 0, &saved);
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), 1510,
	       "a workflow's own limit replaces the configured one, grants kept");
	is_int(claw_budget_limit(&b, CLAW_BUDGET_USD), usd, "a limit it does not set stays");
	claw_budget_charge_reply(&b, 5, 0);
	claw_budget_pop(&b, &saved);
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), tokens, "pop puts the run's limit back");
	is_int(claw_budget_spent(&b, CLAW_BUDGET_TOKENS), 1005, "what was spent meanwhile stays");

	claw_budget_init(&b, 0, 0, 0);
	claw_budget_grant(&b, CLAW_BUDGET_TOKENS, INT64_MAX);
	claw_budget_grant(&b, CLAW_BUDGET_TOKENS, INT64_MAX);
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), INT64_MAX, "grants saturate");

	enum claw_budget_kind p;
	is_int(claw_budget_kind_parse("usd", &p), CLAW_OK, "parse usd");
	is_int(p, CLAW_BUDGET_USD, "usd is USD");
	is_int(claw_budget_kind_parse("dollars", &p), CLAW_EINVAL, "unknown kind");
	is_str(claw_budget_kind_name(CLAW_BUDGET_SECONDS), "seconds", "kind names");
}

static void
test_load(void)
{
	char *path = claw_xasprintf("%s/budget.db", tap_tmpdir());
	struct claw_db *db = NULL;
	struct claw_error e = {0};
	struct claw_budget_meter b;
	int64_t issue = 0, run = 0, other = 0;

	if (claw_db_open(path, CLAW_DB_CREATE, &db, &e) != CLAW_OK ||
	    claw_issue_create(db, "issue", NULL, &issue, &e) != CLAW_OK ||
	    claw_run_insert(db, issue, CLAW_RUN_RUNNING, NULL, &run, &e) != CLAW_OK ||
	    claw_run_set_status(db, run, CLAW_RUN_DONE, NULL, &e) != CLAW_OK ||
	    claw_run_insert(db, issue, CLAW_RUN_RUNNING, NULL, &other, &e) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&e));
		exit(1);
	}
	/* Written through a scratch table: rows of run 0 become the other
	 * run's as they go into trace (its run_usage trigger sees inserts). */
	char *sql = claw_xasprintf(
		"CREATE TEMP TABLE f AS SELECT * FROM trace WHERE 0;"
		"INSERT INTO f (run_id, span_id, parent_id, depth, phase, type, level, data, "
		"ts_ms) VALUES"
		" (0, 1, 0, 0, 'enter', 'turn', 10, '{\"number\":1}', 1),"
		" (0, 2, 1, 1, 'event', 'reply', 10,"
		"  '{\"usage\":{\"in\":100,\"out\":20,\"cached\":0,\"cost_micros\":700}}', 2),"
		" (0, 1, 0, 0, 'exit', 'end', 10, '{\"ms\":1500}', 3),"
		" (0, 3, 0, 0, 'enter', 'turn', 10, '{\"number\":2}', 4),"
		" (0, 4, 3, 1, 'event', 'reply', 10,"
		"  '{\"usage\":{\"in\":200,\"out\":30,\"cached\":50,\"cost_micros\":300}}', 5),"
		" (0, 5, 0, 0, 'event', 'question', 30,"
		"  '{\"kind\":\"budget\",\"prompt\":\"p\",\"payload\":{\"kind\":\"tokens\"}}', 6),"
		" (0, 6, 0, 0, 'event', 'answer', 30,"
		"  '{\"ref\":5,\"decision\":\"grant\",\"amount\":1000}', 7),"
		" (0, 7, 0, 0, 'event', 'question', 30,"
		"  '{\"kind\":\"budget\",\"prompt\":\"q\",\"payload\":{\"kind\":\"usd\"}}', 8),"
		" (0, 8, 0, 0, 'event', 'answer', 30,"
		"  '{\"ref\":7,\"decision\":\"stop\",\"amount\":5}', 9),"
		" (%lld, 1, 0, 0, 'event', 'reply', 10,"
		"  '{\"usage\":{\"in\":9999,\"out\":9999,\"cost_micros\":9999}}', 10);"
		"INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, "
		"ts_ms)"
		" SELECT CASE run_id WHEN 0 THEN %lld ELSE run_id END, span_id, parent_id, depth,"
		" phase, type, level, data, ts_ms FROM f ORDER BY rowid;",
		(long long)run, (long long)other);
	is_int(sqlite3_exec(claw_db_sqlite(db), sql, NULL, NULL, NULL), SQLITE_OK,
	       "journal fixture written");
	free(sql);

	claw_budget_init(&b, 100, 0, 0);
	is_int(claw_budget_load(&b, db, other, &e), CLAW_OK, "load the run's spending");
	is_int(b.spent_tokens, 350, "tokens: in + out of its replies only");
	is_int(b.spent_micros, 1000, "cost summed");
	is_int(b.spent_ms, 1500, "seconds: ended turns only");
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), 1100, "the grant raised the limit");
	is_int(claw_budget_limit(&b, CLAW_BUDGET_USD), 0, "a stop grants nothing");
	is_int(claw_budget_load(&b, db, other, &e), CLAW_OK, "loading again");
	is_int(claw_budget_limit(&b, CLAW_BUDGET_TOKENS), 1100, "does not count grants twice");

	claw_db_close(db);
	free(path);
}

int
main(void)
{
	test_limits();
	test_load();
	return tap_done();
}
