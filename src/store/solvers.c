/*
 * solvers — the solvers table of one project db.
 *
 * Versions count 1, 2, ... per issue.  claw_solver_add picks max + 1 inside
 * a write transaction, and UNIQUE (issue_id, version) in the schema makes a
 * race between two writers fail instead of sharing a number.  Specs are
 * opaque JSON text here, bound without copying (they may be large).
 *
 * Threads: the caller's connection, one thread at a time.
 */
#include "store/solvers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "store/issues.h"

static const char *const status_names[] = {
	[CLAW_SOLVER_DRAFT] = "draft",
	[CLAW_SOLVER_APPROVED] = "approved",
	[CLAW_SOLVER_REJECTED] = "rejected",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == CLAW_SOLVER_STATUS_COUNT,
	       "every solver status needs a name");

#define SOLVER_COLUMNS                                                                             \
	"id, issue_id, version, spec, status, feedback, decided_by, created_at, decided_at"

const char *
claw_solver_status_name(enum claw_solver_status s)
{
	return claw_str_name(status_names, CLAW_SOLVER_STATUS_COUNT, (unsigned)s, "unknown");
}

enum claw_err
claw_solver_status_parse(const char *name, enum claw_solver_status *out)
{
	int i = claw_str_lookup(status_names, CLAW_SOLVER_STATUS_COUNT, name);
	if (i < 0)
		return CLAW_EINVAL;
	*out = (enum claw_solver_status)i;
	return CLAW_OK;
}

void
claw_solver_free(struct claw_solver *s)
{
	if (s == NULL)
		return;
	free(s->spec);
	free(s->feedback);
	free(s->decided_by);
	memset(s, 0, sizeof *s);
}

static enum claw_err
check_spec(const char *spec, struct claw_error *err)
{
	size_t n = spec != NULL ? strlen(spec) : 0;

	if (n == 0)
		return claw_error_set(err, CLAW_EINVAL, "solver spec is empty");
	if (n > CLAW_SOLVER_SPEC_MAX)
		return claw_error_set(err, CLAW_ETOOBIG,
				      "solver spec is %zu bytes, over the %d-byte limit", n,
				      CLAW_SOLVER_SPEC_MAX);
	return CLAW_OK;
}

enum claw_err
claw_solver_add(struct claw_db *db, int64_t issue_id, const char *spec, int64_t *version_out,
		struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	bool own = !claw_db_in_transaction(db);
	int64_t version = 0;
	char what[96];

	if (version_out != NULL)
		*version_out = 0;
	(void)snprintf(what, sizeof what, "add a solver to issue #%lld", (long long)issue_id);
	rc = check_spec(spec, err);
	if (rc != CLAW_OK)
		goto out;
	if (own) {
		rc = claw_db_begin(db, err);
		if (rc != CLAW_OK)
			goto out;
	}
	rc = claw_issue_exists(db, issue_id, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_stmt(db,
			  "SELECT coalesce(max(version), 0) + 1 FROM solvers WHERE issue_id = ?",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, issue_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = claw_db_fail(db, what, err);
		goto out;
	}
	version = sqlite3_column_int64(st, 0);
	claw_db_finish(st);
	st = NULL;
	rc = claw_db_stmt(db,
			  "INSERT INTO solvers (issue_id, version, spec, status, created_at)"
			  " VALUES (?, ?, ?, ?, ?)",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, issue_id);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_text(st, 3, spec, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, status_names[CLAW_SOLVER_DRAFT], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, claw_clock_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = claw_db_fail(db, what, err);
		goto out;
	}
	claw_db_finish(st);
	st = NULL;
	if (own) {
		rc = claw_db_commit(db, err);
		if (rc != CLAW_OK)
			goto out;
	}
	if (version_out != NULL)
		*version_out = version;
out:
	claw_db_finish(st);
	if (rc != CLAW_OK && own)
		claw_db_rollback(db);
	return rc;
}

/* Fills *out from a row of SOLVER_COLUMNS; *out is freeable on failure. */
static enum claw_err
read_row(struct claw_db *db, sqlite3_stmt *st, struct claw_solver *out, struct claw_error *err)
{
	const char *status = (const char *)sqlite3_column_text(st, 4);

	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(st, 0);
	out->issue_id = sqlite3_column_int64(st, 1);
	out->version = sqlite3_column_int64(st, 2);
	if (claw_solver_status_parse(status, &out->status) != CLAW_OK)
		return claw_error_set(
			err, CLAW_EDB,
			"solver v%lld of issue #%lld has an unknown status \"%s\" in %s",
			(long long)out->version, (long long)out->issue_id,
			status != NULL ? status : "", claw_db_path(db));
	out->spec = claw_db_column_dup(st, 3);
	out->feedback = claw_db_column_dup(st, 5);
	out->decided_by = claw_db_column_dup(st, 6);
	out->created_at = sqlite3_column_int64(st, 7);
	out->decided_at = sqlite3_column_int64(st, 8);
	return CLAW_OK;
}

/* One row of a SOLVER_COLUMNS query bound as (?1 = issue_id, ?2 = version
 * when the query has it).  notfound is the whole CLAW_ENOTFOUND message. */
static enum claw_err
query_one(struct claw_db *db, const char *sql, int64_t issue_id, int64_t version,
	  const char *notfound, struct claw_solver *out, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	char what[96];
	int s;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(db, sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, issue_id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, version);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "%s", notfound);
		goto out;
	}
	if (s != SQLITE_ROW) {
		(void)snprintf(what, sizeof what, "load the solvers of issue #%lld",
			       (long long)issue_id);
		rc = claw_db_fail(db, what, err);
		goto out;
	}
	rc = read_row(db, st, out, err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_solver_latest(struct claw_db *db, int64_t issue_id, struct claw_solver *out,
		   struct claw_error *err)
{
	char nf[64];

	(void)snprintf(nf, sizeof nf, "issue #%lld has no solver", (long long)issue_id);
	return query_one(db,
			 "SELECT " SOLVER_COLUMNS " FROM solvers WHERE issue_id = ?1"
			 " ORDER BY version DESC LIMIT 1",
			 issue_id, 0, nf, out, err);
}

enum claw_err
claw_solver_latest_approved(struct claw_db *db, int64_t issue_id, struct claw_solver *out,
			    struct claw_error *err)
{
	char nf[64];

	(void)snprintf(nf, sizeof nf, "issue #%lld has no approved solver", (long long)issue_id);
	return query_one(db,
			 "SELECT " SOLVER_COLUMNS " FROM solvers WHERE issue_id = ?1"
			 " AND status = 'approved' ORDER BY version DESC LIMIT 1",
			 issue_id, 0, nf, out, err);
}

enum claw_err
claw_solver_get(struct claw_db *db, int64_t issue_id, int64_t version, struct claw_solver *out,
		struct claw_error *err)
{
	char nf[80];

	(void)snprintf(nf, sizeof nf, "solver v%lld of issue #%lld not found", (long long)version,
		       (long long)issue_id);
	return query_one(db,
			 "SELECT " SOLVER_COLUMNS " FROM solvers WHERE issue_id = ?1"
			 " AND version = ?2",
			 issue_id, version, nf, out, err);
}

/* Steps a bound UPDATE of one version; CLAW_ENOTFOUND when no row matched. */
static enum claw_err
update_version(struct claw_db *db, sqlite3_stmt *st, int64_t issue_id, int64_t version,
	       const char *what, struct claw_error *err)
{
	char w[128];

	if (sqlite3_step(st) != SQLITE_DONE) {
		(void)snprintf(w, sizeof w, "%s of solver v%lld of issue #%lld", what,
			       (long long)version, (long long)issue_id);
		return claw_db_fail(db, w, err);
	}
	if (sqlite3_changes(claw_db_sqlite(db)) == 0)
		return claw_error_set(err, CLAW_ENOTFOUND, "solver v%lld of issue #%lld not found",
				      (long long)version, (long long)issue_id);
	return CLAW_OK;
}

enum claw_err
claw_solver_decide(struct claw_db *db, int64_t issue_id, int64_t version,
		   enum claw_solver_status decision, const char *feedback, const char *decided_by,
		   struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	if (decision != CLAW_SOLVER_APPROVED && decision != CLAW_SOLVER_REJECTED) {
		rc = claw_error_set(err, CLAW_EINVAL,
				    "a solver decision is approved or rejected, not %s",
				    claw_solver_status_name(decision));
		goto out;
	}
	rc = claw_db_stmt(
		db,
		"UPDATE solvers SET status = ?, feedback = ?, decided_by = ?, decided_at = ?"
		" WHERE issue_id = ? AND version = ?",
		&st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_text(st, 1, status_names[decision], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, feedback != NULL ? feedback : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, decided_by != NULL ? decided_by : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, claw_clock_now_ms());
	sqlite3_bind_int64(st, 5, issue_id);
	sqlite3_bind_int64(st, 6, version);
	rc = update_version(db, st, issue_id, version, "record the decision", err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_solver_update_spec(struct claw_db *db, int64_t issue_id, int64_t version, const char *spec,
			struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	rc = check_spec(spec, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_stmt(db, "UPDATE solvers SET spec = ? WHERE issue_id = ? AND version = ?", &st,
			  err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_text(st, 1, spec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, issue_id);
	sqlite3_bind_int64(st, 3, version);
	rc = update_version(db, st, issue_id, version, "replace the spec", err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}
