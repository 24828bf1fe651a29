/*
 * runs — the run ledger of one project db.
 *
 * The rule "at most one active run per issue" is enforced twice: by the
 * check in claw_run_insert, made inside a write transaction so two processes
 * cannot both pass it, which gives the message with the active run's id; and
 * by the partial unique index runs_one_active (db.c), which catches any
 * other writer, including claw_run_set_status reviving an old run.
 *
 * Threads: the caller's connection, one thread at a time.
 */
#include "store/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/str.h"
#include "store/issues.h"

static const char *const status_names[] = {
	[CLAW_RUN_QUEUED] = "queued",       [CLAW_RUN_RUNNING] = "running",
	[CLAW_RUN_DONE] = "done",           [CLAW_RUN_FAILED] = "failed",
	[CLAW_RUN_GENERATED] = "generated", [CLAW_RUN_DISCARDED] = "discarded",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == CLAW_RUN_STATUS_COUNT,
	       "every run status needs a name");

#define RUN_COLUMNS "id, issue_id, solver_version, status, reason, started_by, created_at, ended_at"

const char *
claw_run_status_name(enum claw_run_status s)
{
	return claw_str_name(status_names, CLAW_RUN_STATUS_COUNT, (unsigned)s, "unknown");
}

enum claw_err
claw_run_status_parse(const char *name, enum claw_run_status *out)
{
	int i = claw_str_lookup(status_names, CLAW_RUN_STATUS_COUNT, name);
	if (i < 0)
		return CLAW_EINVAL;
	*out = (enum claw_run_status)i;
	return CLAW_OK;
}

bool
claw_run_status_active(enum claw_run_status s)
{
	return s == CLAW_RUN_QUEUED || s == CLAW_RUN_RUNNING;
}

void
claw_run_end_json(struct claw_buf *out, int64_t run_id, enum claw_run_status status,
		  const char *reason)
{
	size_t n = reason != NULL ? strlen(reason) : 0;
	if (n > CLAW_RUN_END_REASON_MAX)
		n = claw_str_utf8_floor(reason, CLAW_RUN_END_REASON_MAX);
	(void)claw_buf_printf(out,
			      "{\"runId\":%lld,\"status\":\"%s\",\"reason\":", (long long)run_id,
			      claw_run_status_name(status));
	(void)claw_json_buf_append_string(out, reason != NULL ? reason : "", n);
	(void)claw_buf_putc(out, '}');
}

void
claw_run_free(struct claw_run *r)
{
	if (r == NULL)
		return;
	free(r->reason);
	free(r->started_by);
	memset(r, 0, sizeof *r);
}

void
claw_run_list_free(struct claw_run *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		claw_run_free(&list[i]);
	free(list);
}

/* Fills *out from a row of RUN_COLUMNS; *out is freeable even on failure. */
static enum claw_err
read_row(struct claw_db *db, sqlite3_stmt *st, struct claw_run *out, struct claw_error *err)
{
	const char *status = (const char *)sqlite3_column_text(st, 3);

	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(st, 0);
	if (claw_run_status_parse(status, &out->status) != CLAW_OK)
		return claw_error_set(err, CLAW_EDB, "run #%lld has an unknown status \"%s\" in %s",
				      (long long)out->id, status != NULL ? status : "",
				      claw_db_path(db));
	out->issue_id = sqlite3_column_int64(st, 1);
	out->solver_version = sqlite3_column_int64(st, 2);
	out->reason = claw_db_column_dup(st, 4);
	out->started_by = claw_db_column_dup(st, 5);
	out->created_at = sqlite3_column_int64(st, 6);
	out->ended_at = sqlite3_column_int64(st, 7);
	return CLAW_OK;
}

/* Runs a query of RUN_COLUMNS bound as (?1 = a, ?2 = b) expecting at most one
 * row; CLAW_ENOTFOUND with notfound_fmt (one %lld: a) when there is none. */
static enum claw_err
query_one(struct claw_db *db, const char *sql, int64_t a, int64_t b, const char *notfound_fmt,
	  const char *what, struct claw_run *out, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	int s;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(db, sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, notfound_fmt, (long long)a);
		goto out;
	}
	if (s != SQLITE_ROW) {
		char w[96];
		(void)snprintf(w, sizeof w, what, (long long)a);
		rc = claw_db_fail(db, w, err);
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
claw_run_get(struct claw_db *db, int64_t id, struct claw_run *out, struct claw_error *err)
{
	return query_one(db, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1", id, 0,
			 "run #%lld not found", "load run #%lld", out, err);
}

enum claw_err
claw_run_latest_of_issue(struct claw_db *db, int64_t issue_id, struct claw_run *out,
			 struct claw_error *err)
{
	return query_one(db,
			 "SELECT " RUN_COLUMNS " FROM runs WHERE issue_id = ?1"
			 " ORDER BY id DESC LIMIT 1",
			 issue_id, 0, "issue #%lld has no runs", "load the runs of issue #%lld",
			 out, err);
}

enum claw_err
claw_run_active_of_issue(struct claw_db *db, int64_t issue_id, struct claw_run *out,
			 struct claw_error *err)
{
	return query_one(db,
			 "SELECT " RUN_COLUMNS " FROM runs WHERE issue_id = ?1"
			 " AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
			 issue_id, 0, "issue #%lld has no active run",
			 "load the runs of issue #%lld", out, err);
}

enum claw_err
claw_run_insert(struct claw_db *db, int64_t issue_id, enum claw_run_status status,
		const char *started_by, int64_t *id_out, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	struct claw_run active = {0, 0, 0, CLAW_RUN_QUEUED, NULL, NULL, 0, 0};
	bool own = !claw_db_in_transaction(db);
	struct claw_error lookup;
	char what[96];

	if (id_out != NULL)
		*id_out = 0;
	if (!claw_run_status_active(status)) {
		rc = claw_error_set(err, CLAW_EINVAL, "a new run must be queued or running, not %s",
				    claw_run_status_name(status));
		goto out;
	}
	if (own) {
		rc = claw_db_begin(db, err);
		if (rc != CLAW_OK)
			goto out;
	}
	rc = claw_issue_exists(db, issue_id, err);
	if (rc != CLAW_OK)
		goto out;
	claw_error_clear(&lookup);
	rc = claw_run_active_of_issue(db, issue_id, &active, &lookup);
	if (rc == CLAW_OK) {
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "issue #%lld already has an active run (#%lld)",
				    (long long)issue_id, (long long)active.id);
		goto out;
	}
	if (rc != CLAW_ENOTFOUND) {
		rc = claw_error_set(err, rc, "%s", lookup.msg);
		goto out;
	}
	rc = claw_db_stmt(db,
			  "INSERT INTO runs (issue_id, status, started_by, created_at)"
			  " VALUES (?, ?, ?, ?)",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, issue_id);
	sqlite3_bind_text(st, 2, status_names[status], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, started_by != NULL ? started_by : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, claw_clock_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		(void)snprintf(what, sizeof what, "create a run of issue #%lld",
			       (long long)issue_id);
		rc = claw_db_fail(db, what, err);
		goto out;
	}
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(claw_db_sqlite(db));
	claw_db_finish(st);
	st = NULL;
	if (own) {
		rc = claw_db_commit(db, err);
		if (rc != CLAW_OK)
			goto out;
	}
out:
	claw_db_finish(st);
	if (rc != CLAW_OK && own)
		claw_db_rollback(db);
	if (rc != CLAW_OK && id_out != NULL)
		*id_out = 0;
	claw_run_free(&active);
	return rc;
}

/* Runs an UPDATE of one run whose last parameter is the run id; maps "no
 * row" to CLAW_ENOTFOUND and the one-active index to CLAW_ECONFLICT. */
static enum claw_err
update_run(struct claw_db *db, sqlite3_stmt *st, int64_t id, const char *what,
	   struct claw_error *err)
{
	char w[96];

	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(claw_db_sqlite(db)) == SQLITE_CONSTRAINT_UNIQUE)
			return claw_error_set(err, CLAW_ECONFLICT,
					      "run #%lld cannot become active: its issue already "
					      "has an active run",
					      (long long)id);
		(void)snprintf(w, sizeof w, "%s of run #%lld", what, (long long)id);
		return claw_db_fail(db, w, err);
	}
	if (sqlite3_changes(claw_db_sqlite(db)) == 0)
		return claw_error_set(err, CLAW_ENOTFOUND, "run #%lld not found", (long long)id);
	return CLAW_OK;
}

enum claw_err
claw_run_set_status(struct claw_db *db, int64_t id, enum claw_run_status s, const char *reason,
		    struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	if ((unsigned)s >= CLAW_RUN_STATUS_COUNT) {
		rc = claw_error_set(err, CLAW_EINVAL, "invalid run status %d", (int)s);
		goto out;
	}
	rc = claw_db_stmt(db, "UPDATE runs SET status = ?, reason = ?, ended_at = ? WHERE id = ?",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_text(st, 1, status_names[s], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason != NULL ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, claw_run_status_active(s) ? 0 : claw_clock_now_ms());
	sqlite3_bind_int64(st, 4, id);
	rc = update_run(db, st, id, "set the status", err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_run_set_solver(struct claw_db *db, int64_t id, int64_t solver_version, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	rc = claw_db_stmt(db, "UPDATE runs SET solver_version = ? WHERE id = ?", &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, solver_version);
	sqlite3_bind_int64(st, 2, id);
	rc = update_run(db, st, id, "set the solver", err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

/* Collects every row of a prepared, bound query of RUN_COLUMNS. */
static enum claw_err
collect(struct claw_db *db, sqlite3_stmt *st, const char *what, struct claw_run **out, size_t *n,
	struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_run *list = NULL;
	size_t len = 0;
	size_t alloc = 0;
	int s;

	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 8;
			list = claw_xrealloc(list, alloc * sizeof list[0]);
		}
		rc = read_row(db, st, &list[len], err);
		len++;
		if (rc != CLAW_OK)
			goto out;
	}
	if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, what, err);
		goto out;
	}
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
out:
	claw_run_list_free(list, len);
	return rc;
}

enum claw_err
claw_run_list(struct claw_db *db, int64_t issue_id, size_t limit, struct claw_run **out, size_t *n,
	      struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	char what[64];
	/* LIMIT -1 is SQLite's "no limit". */
	int64_t lim = limit == 0 || (uint64_t)limit > (uint64_t)INT64_MAX ? -1 : (int64_t)limit;

	*out = NULL;
	*n = 0;
	if (issue_id > 0) {
		rc = claw_db_stmt(db,
				  "SELECT " RUN_COLUMNS " FROM runs WHERE issue_id = ?1"
				  " ORDER BY id LIMIT ?2",
				  &st, err);
		if (rc != CLAW_OK)
			goto out;
		sqlite3_bind_int64(st, 1, issue_id);
		(void)snprintf(what, sizeof what, "list the runs of issue #%lld",
			       (long long)issue_id);
	} else {
		rc = claw_db_stmt(db, "SELECT " RUN_COLUMNS " FROM runs ORDER BY id DESC LIMIT ?2",
				  &st, err);
		if (rc != CLAW_OK)
			goto out;
		(void)snprintf(what, sizeof what, "list runs");
	}
	sqlite3_bind_int64(st, 2, lim);
	rc = collect(db, st, what, out, n, err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_run_list_running(struct claw_db *db, struct claw_run **out, size_t *n, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	*out = NULL;
	*n = 0;
	rc = claw_db_stmt(db,
			  "SELECT " RUN_COLUMNS " FROM runs WHERE status = 'running' ORDER BY id",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	rc = collect(db, st, "list running runs", out, n, err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

void
claw_run_work_free(struct claw_run_work *w)
{
	free(w->repo);
	free(w->worktree);
	free(w->workdir);
	free(w->gitdir);
	free(w->branch);
	free(w->base);
	free(w->head);
	memset(w, 0, sizeof *w);
}

enum claw_err
claw_run_set_work(struct claw_db *db, int64_t id, const struct claw_run_work *w,
		  struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *v[] = {w->repo,   w->worktree, w->workdir, w->gitdir,
			   w->branch, w->base,     w->head};
	enum claw_err rc =
		claw_db_stmt(db,
			     "UPDATE runs SET repo = ?, worktree = ?, workdir = ?, gitdir = ?,"
			     " branch = ?, base = ?, head = ? WHERE id = ?",
			     &st, err);
	if (rc != CLAW_OK)
		return rc;
	for (int i = 0; i < 7; i++)
		claw_db_bind_text(st, i + 1, v[i] != NULL ? v[i] : "");
	sqlite3_bind_int64(st, 8, id);
	rc = update_run(db, st, id, "record the work folder", err);
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_run_get_work(struct claw_db *db, int64_t id, struct claw_run_work *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	char w[96];
	enum claw_err rc = claw_db_stmt(db,
					"SELECT repo, worktree, workdir, gitdir, branch, base, head"
					" FROM runs WHERE id = ?",
					&st, err);

	memset(out, 0, sizeof *out);
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		char **f[] = {&out->repo,   &out->worktree, &out->workdir, &out->gitdir,
			      &out->branch, &out->base,     &out->head};
		for (int i = 0; i < 7; i++)
			*f[i] = claw_db_column_dup(st, i);
	} else if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "run #%lld not found", (long long)id);
	} else {
		(void)snprintf(w, sizeof w, "load the work folder of run #%lld", (long long)id);
		rc = claw_db_fail(db, w, err);
	}
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_run_set_stat(struct claw_db *db, int64_t id, const struct claw_run_stat *s,
		  struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(
		db, "UPDATE runs SET files = ?, additions = ?, deletions = ? WHERE id = ?", &st,
		err);
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, s->files);
	sqlite3_bind_int64(st, 2, s->additions);
	sqlite3_bind_int64(st, 3, s->deletions);
	sqlite3_bind_int64(st, 4, id);
	rc = update_run(db, st, id, "record the change's size", err);
	claw_db_finish(st);
	return rc;
}

/* Steps a one-row SELECT on run id (bound as ?1): CLAW_OK with a row,
 * CLAW_ENOTFOUND, or the db's error. */
static enum claw_err
one_row(struct claw_db *db, sqlite3_stmt *st, int64_t id, const char *what, struct claw_error *err)
{
	char w[96];
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		return CLAW_OK;
	if (s == SQLITE_DONE)
		return claw_error_set(err, CLAW_ENOTFOUND, "run #%lld not found", (long long)id);
	(void)snprintf(w, sizeof w, "%s of run #%lld", what, (long long)id);
	return claw_db_fail(db, w, err);
}

enum claw_err
claw_run_get_stat(struct claw_db *db, int64_t id, struct claw_run_stat *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(
		db, "SELECT files, additions, deletions FROM runs WHERE id = ?", &st, err);

	memset(out, 0, sizeof *out);
	if (rc == CLAW_OK)
		rc = one_row(db, st, id, "read the change's size", err);
	if (rc == CLAW_OK) {
		out->files = sqlite3_column_int64(st, 0);
		out->additions = sqlite3_column_int64(st, 1);
		out->deletions = sqlite3_column_int64(st, 2);
	}
	claw_db_finish(st);
	return rc;
}

/* Sets one text column of run id: sql is "UPDATE runs SET c = ? WHERE id = ?". */
static enum claw_err
set_text(struct claw_db *db, int64_t id, const char *sql, const char *value, const char *what,
	 struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(db, sql, &st, err);

	if (rc != CLAW_OK)
		return rc;
	claw_db_bind_text(st, 1, value);
	sqlite3_bind_int64(st, 2, id);
	rc = update_run(db, st, id, what, err);
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_run_set_landing(struct claw_db *db, int64_t id, const char *landing, struct claw_error *err)
{
	if (strlen(landing) >= CLAW_RUN_LANDING_MAX)
		return claw_error_set(err, CLAW_EINVAL, "a landing record is at most %d bytes",
				      CLAW_RUN_LANDING_MAX - 1);
	return set_text(db, id, "UPDATE runs SET landing = ? WHERE id = ?", landing,
			"record how the change landed", err);
}

enum claw_err
claw_run_set_head(struct claw_db *db, int64_t id, const char *head, struct claw_error *err)
{
	return set_text(db, id, "UPDATE runs SET head = ? WHERE id = ?", head,
			"record the run's last commit", err);
}

enum claw_err
claw_run_get_landing(struct claw_db *db, int64_t id, char **out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(db, "SELECT landing FROM runs WHERE id = ?", &st, err);

	*out = NULL;
	if (rc == CLAW_OK)
		rc = one_row(db, st, id, "read how the change landed", err);
	if (rc == CLAW_OK)
		*out = claw_db_column_dup(st, 0);
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_run_latest_with_work(struct claw_db *db, int64_t *id, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(
		db, "SELECT id FROM runs WHERE branch != '' ORDER BY id DESC LIMIT 1", &st, err);
	if (rc != CLAW_OK)
		return rc;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = claw_error_set(err, CLAW_ENOTFOUND,
				    "no run has a change of its own yet (runs work in their own "
				    "worktree with: claw project set isolation=worktree)");
	else
		rc = claw_db_fail(db, "find the latest run with a worktree", err);
	claw_db_finish(st);
	return rc;
}
