/*
 * test_solvers — solver versions per issue, approval decisions, spec
 * replacement and limits.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/issues.h"
#include "store/solvers.h"
#include "fixture.h"
#include "tap.h"

static void
test_status_names(void)
{
	enum claw_solver_status s;

	for (int i = 0; i < CLAW_SOLVER_STATUS_COUNT; i++) {
		const char *name = claw_solver_status_name((enum claw_solver_status)i);
		ok(claw_solver_status_parse(name, &s) == CLAW_OK && (int)s == i,
		   "status %s round-trips", name);
	}
	is_str(claw_solver_status_name(CLAW_SOLVER_APPROVED), "approved", "approved");
	is_str(claw_solver_status_name(CLAW_SOLVER_STATUS_COUNT), "unknown", "out of range");
	is_int(claw_solver_status_parse("pending", &s), CLAW_EINVAL, "unknown name");
}

static void
test_versions(void)
{
	struct claw_db *db = fixture_db("solvers.db");
	struct claw_error e;
	struct claw_solver s;
	int64_t i1 = 0;
	int64_t i2 = 0;
	int64_t v = 0;

	claw_error_clear(&e);
	is_int(claw_solver_add(db, 1, "{}", &v, &e), CLAW_ENOTFOUND, "add to an unknown issue");
	is_str(e.msg, "issue #1 not found", "says which");
	ok(!claw_db_in_transaction(db), "rolled back");
	is_int(claw_issue_create(db, "one", NULL, &i1, &e), CLAW_OK, "issue 1");
	is_int(claw_issue_create(db, "two", NULL, &i2, &e), CLAW_OK, "issue 2");

	is_int(claw_solver_latest(db, i1, &s, &e), CLAW_ENOTFOUND, "no solver yet");
	is_str(e.msg, "issue #1 has no solver", "says so");
	is_int(claw_solver_add(db, i1, "{\"name\":\"A\"}", &v, &e), CLAW_OK, "add v1");
	is_int(v, 1, "version 1");
	is_int(claw_solver_add(db, i1, "{\"name\":\"B\"}", &v, &e), CLAW_OK, "add v2");
	is_int(v, 2, "version 2");
	is_int(claw_solver_add(db, i2, "{\"name\":\"C\"}", &v, &e), CLAW_OK, "add to issue 2");
	is_int(v, 1, "versions count per issue");
	is_int(claw_solver_add(db, i2, "{}", NULL, &e), CLAW_OK, "version_out may be NULL");

	is_int(claw_solver_latest(db, i1, &s, &e), CLAW_OK, "latest");
	is_int(s.version, 2, "is v2");
	is_int(s.issue_id, i1, "of issue 1");
	is_str(s.spec, "{\"name\":\"B\"}", "spec verbatim");
	is_int(s.status, CLAW_SOLVER_DRAFT, "a draft");
	is_str(s.feedback, "", "no feedback");
	is_str(s.decided_by, "", "undecided");
	is_int(s.decided_at, 0, "no decision time");
	ok(s.created_at > 0, "created_at");
	claw_solver_free(&s);
	claw_solver_free(NULL);

	is_int(claw_solver_latest_approved(db, i1, &s, &e), CLAW_ENOTFOUND, "none approved");
	is_str(e.msg, "issue #1 has no approved solver", "says so");

	is_int(claw_solver_decide(db, i1, 1, CLAW_SOLVER_APPROVED, NULL, "alice", &e), CLAW_OK,
	       "approve v1");
	is_int(claw_solver_decide(db, i1, 2, CLAW_SOLVER_REJECTED, "too vague", "bob", &e), CLAW_OK,
	       "reject v2");
	is_int(claw_solver_latest_approved(db, i1, &s, &e), CLAW_OK, "latest approved");
	is_int(s.version, 1, "is v1 though v2 is newer");
	is_str(s.decided_by, "alice", "decided by alice");
	ok(s.decided_at >= s.created_at, "decided_at stamped");
	claw_solver_free(&s);
	is_int(claw_solver_get(db, i1, 2, &s, &e), CLAW_OK, "get v2");
	is_int(s.status, CLAW_SOLVER_REJECTED, "rejected");
	is_str(s.feedback, "too vague", "with feedback");
	is_str(s.decided_by, "bob", "by bob");
	claw_solver_free(&s);
	is_int(claw_solver_latest(db, i1, &s, &e), CLAW_OK, "latest of any status");
	is_int(s.version, 2, "still v2");
	claw_solver_free(&s);

	is_int(claw_solver_decide(db, i1, 2, CLAW_SOLVER_APPROVED, NULL, "carol", &e), CLAW_OK,
	       "a later decision replaces the first");
	is_int(claw_solver_latest_approved(db, i1, &s, &e), CLAW_OK, "latest approved");
	is_int(s.version, 2, "now v2");
	is_str(s.feedback, "", "feedback cleared");
	claw_solver_free(&s);

	is_int(claw_solver_decide(db, i1, 1, CLAW_SOLVER_DRAFT, NULL, NULL, &e), CLAW_EINVAL,
	       "draft is not a decision");
	has_str(e.msg, "approved or rejected, not draft", "says so");
	is_int(claw_solver_decide(db, i1, 9, CLAW_SOLVER_APPROVED, NULL, NULL, &e), CLAW_ENOTFOUND,
	       "decide an unknown version");
	is_str(e.msg, "solver v9 of issue #1 not found", "names it");
	is_int(claw_solver_get(db, i1, 9, &s, &e), CLAW_ENOTFOUND, "get an unknown version");
	is_str(e.msg, "solver v9 of issue #1 not found", "names it");

	is_int(claw_solver_update_spec(db, i1, 1, "{\"name\":\"A2\"}", &e), CLAW_OK,
	       "replace v1's spec");
	is_int(claw_solver_get(db, i1, 1, &s, &e), CLAW_OK, "get v1");
	is_str(s.spec, "{\"name\":\"A2\"}", "new spec");
	is_int(s.status, CLAW_SOLVER_APPROVED, "approval kept");
	claw_solver_free(&s);
	is_int(claw_solver_update_spec(db, i1, 7, "{}", &e), CLAW_ENOTFOUND, "update unknown");
	is_int(claw_solver_update_spec(db, i1, 1, "", &e), CLAW_EINVAL, "update to empty");

	/* Limits. */
	is_int(claw_solver_add(db, i1, "", &v, &e), CLAW_EINVAL, "empty spec");
	is_str(e.msg, "solver spec is empty", "says so");
	is_int(claw_solver_add(db, i1, NULL, &v, &e), CLAW_EINVAL, "NULL spec");
	char *big = claw_xmalloc(CLAW_SOLVER_SPEC_MAX + 2);
	memset(big, ' ', CLAW_SOLVER_SPEC_MAX + 1);
	big[CLAW_SOLVER_SPEC_MAX + 1] = '\0';
	is_int(claw_solver_add(db, i1, big, &v, &e), CLAW_ETOOBIG, "spec over the cap");
	has_str(e.msg, "over the 262144-byte limit", "says the cap");
	is_int(claw_solver_update_spec(db, i1, 1, big, &e), CLAW_ETOOBIG, "update over the cap");
	big[CLAW_SOLVER_SPEC_MAX] = '\0';
	is_int(claw_solver_add(db, i1, big, &v, &e), CLAW_OK, "spec at the cap");
	is_int(v, 3, "v3");
	is_int(claw_solver_get(db, i1, 3, &s, &e), CLAW_OK, "get v3");
	is_int(strlen(s.spec), CLAW_SOLVER_SPEC_MAX, "stored whole");
	claw_solver_free(&s);
	free(big);

	/* Inside a caller's transaction. */
	is_int(claw_db_begin(db, &e), CLAW_OK, "begin");
	is_int(claw_solver_add(db, i2, "{}", &v, &e), CLAW_OK, "add inside it");
	is_int(v, 3, "v3 of issue 2");
	claw_db_rollback(db);
	is_int(claw_solver_latest(db, i2, &s, &e), CLAW_OK, "after rollback");
	is_int(s.version, 2, "v3 is gone");
	claw_solver_free(&s);
	claw_db_close(db);
}

int
main(void)
{
	test_status_names();
	test_versions();
	return tap_done();
}
