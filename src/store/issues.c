/*
 * issues — the issues table of one project db.
 *
 * Validation lives here so the CLI and the API share one set of rules and
 * messages.  A title is stored trimmed; control characters (C0, DEL and the
 * C1 range U+0080..U+009F) are refused in titles because a title is printed
 * on terminals and in one-line lists; a description is Markdown and may hold
 * newlines and tabs.
 *
 * Threads: the caller's connection, one thread at a time.
 */
#include "store/issues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"

static const char *const status_names[] = {
	[CLAW_ISSUE_OPEN] = "open",
	[CLAW_ISSUE_QUEUED] = "queued",
	[CLAW_ISSUE_INPROGRESS] = "inprogress",
	[CLAW_ISSUE_WAITING] = "waiting",
	[CLAW_ISSUE_REVIEW] = "review",
	[CLAW_ISSUE_DONE] = "done",
	[CLAW_ISSUE_CLOSED] = "closed",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == CLAW_ISSUE_STATUS_COUNT,
	       "every issue status needs a name");

#define ISSUE_COLUMNS "id, title, description, status, created_at, updated_at"

const char *
claw_issue_status_name(enum claw_issue_status s)
{
	return claw_str_name(status_names, CLAW_ISSUE_STATUS_COUNT, (unsigned)s, "unknown");
}

enum claw_err
claw_issue_status_parse(const char *name, enum claw_issue_status *out)
{
	int i = claw_str_lookup(status_names, CLAW_ISSUE_STATUS_COUNT, name);
	if (i < 0)
		return CLAW_EINVAL;
	*out = (enum claw_issue_status)i;
	return CLAW_OK;
}

void
claw_issue_free(struct claw_issue *is)
{
	if (is == NULL)
		return;
	free(is->title);
	free(is->description);
	memset(is, 0, sizeof *is);
}

void
claw_issue_list_free(struct claw_issue *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		claw_issue_free(&list[i]);
	free(list);
}

/* True when s holds a C0 control, DEL, or (UTF-8 already checked) a C1
 * control encoded as C2 80..C2 9F. */
static bool
has_control(struct claw_str s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c == 0x7f)
			return true;
		if (c == 0xc2 && i + 1 < s.n && (unsigned char)s.p[i + 1] >= 0x80 &&
		    (unsigned char)s.p[i + 1] <= 0x9f)
			return true;
	}
	return false;
}

enum claw_err
claw_issue_validate(const char *title, const char *description, struct claw_error *err)
{
	struct claw_str t = claw_str_trim(claw_str_from(title));
	size_t dn = description != NULL ? strlen(description) : 0;

	if (t.n == 0)
		return claw_error_set(err, CLAW_EINVAL, "title is empty");
	if (t.n > CLAW_ISSUE_TITLE_MAX)
		return claw_error_set(err, CLAW_EINVAL, "title is longer than %d bytes",
				      CLAW_ISSUE_TITLE_MAX);
	if (!claw_str_utf8_valid(t.p, t.n))
		return claw_error_set(err, CLAW_EINVAL, "title is not valid UTF-8");
	if (has_control(t))
		return claw_error_set(err, CLAW_EINVAL, "title contains a control character");
	if (dn > CLAW_ISSUE_DESC_MAX)
		return claw_error_set(err, CLAW_EINVAL, "description is longer than %d bytes",
				      CLAW_ISSUE_DESC_MAX);
	if (dn > 0 && !claw_str_utf8_valid(description, dn))
		return claw_error_set(err, CLAW_EINVAL, "description is not valid UTF-8");
	return CLAW_OK;
}

enum claw_err
claw_issue_create(struct claw_db *db, const char *title, const char *description, int64_t *id_out,
		  struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	struct claw_str t = claw_str_trim(claw_str_from(title));
	int64_t now = claw_clock_now_ms();

	if (id_out != NULL)
		*id_out = 0;
	rc = claw_issue_validate(title, description, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_stmt(db,
			  "INSERT INTO issues (title, description, status, created_at, updated_at)"
			  " VALUES (?, ?, ?, ?, ?)",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_text(st, 1, t.p, (int)t.n, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description != NULL ? description : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status_names[CLAW_ISSUE_OPEN], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = claw_db_fail(db, "create an issue", err);
		goto out;
	}
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(claw_db_sqlite(db));
out:
	claw_db_finish(st);
	return rc;
}

/* Fills *out from a row of ISSUE_COLUMNS. */
static enum claw_err
read_row(struct claw_db *db, sqlite3_stmt *st, struct claw_issue *out, struct claw_error *err)
{
	const char *status = (const char *)sqlite3_column_text(st, 3);

	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(st, 0);
	if (claw_issue_status_parse(status, &out->status) != CLAW_OK)
		return claw_error_set(
			err, CLAW_EDB, "issue #%lld has an unknown status \"%s\" in %s",
			(long long)out->id, status != NULL ? status : "", claw_db_path(db));
	out->title = claw_db_column_dup(st, 1);
	out->description = claw_db_column_dup(st, 2);
	out->created_at = sqlite3_column_int64(st, 4);
	out->updated_at = sqlite3_column_int64(st, 5);
	return CLAW_OK;
}

enum claw_err
claw_issue_get(struct claw_db *db, int64_t id, struct claw_issue *out, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	char what[64];
	int s;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(db, "SELECT " ISSUE_COLUMNS " FROM issues WHERE id = ?", &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "issue #%lld not found", (long long)id);
		goto out;
	}
	if (s != SQLITE_ROW) {
		(void)snprintf(what, sizeof what, "load issue #%lld", (long long)id);
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
claw_issue_exists(struct claw_db *db, int64_t id, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	char what[64];
	int s;

	rc = claw_db_stmt(db, "SELECT 1 FROM issues WHERE id = ?", &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "issue #%lld not found", (long long)id);
		goto out;
	}
	if (s != SQLITE_ROW) {
		(void)snprintf(what, sizeof what, "look up issue #%lld", (long long)id);
		rc = claw_db_fail(db, what, err);
		goto out;
	}
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_issue_list(struct claw_db *db, struct claw_issue **out, size_t *n, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	struct claw_issue *list = NULL;
	size_t len = 0;
	size_t alloc = 0;
	int s;

	*out = NULL;
	*n = 0;
	rc = claw_db_stmt(db, "SELECT " ISSUE_COLUMNS " FROM issues ORDER BY id", &st, err);
	if (rc != CLAW_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 16;
			list = claw_xrealloc(list, alloc * sizeof list[0]);
		}
		rc = read_row(db, st, &list[len], err);
		len++; /* read_row leaves a freeable struct even on failure */
		if (rc != CLAW_OK)
			goto out;
	}
	if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, "list issues", err);
		goto out;
	}
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
out:
	claw_db_finish(st);
	claw_issue_list_free(list, len);
	return rc;
}

/* Runs an UPDATE of one issue bound as (?1 = status or unused, ?2 = now,
 * ?3 = id); CLAW_ENOTFOUND when it matched no row. */
static enum claw_err
update_one(struct claw_db *db, const char *sql, int64_t id, const char *status, const char *what,
	   struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	char w[96];

	rc = claw_db_stmt(db, sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, claw_clock_now_ms());
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		(void)snprintf(w, sizeof w, "%s of issue #%lld", what, (long long)id);
		rc = claw_db_fail(db, w, err);
		goto out;
	}
	if (sqlite3_changes(claw_db_sqlite(db)) == 0) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "issue #%lld not found", (long long)id);
		goto out;
	}
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_issue_set_status(struct claw_db *db, int64_t id, enum claw_issue_status s,
		      struct claw_error *err)
{
	if ((unsigned)s >= CLAW_ISSUE_STATUS_COUNT)
		return claw_error_set(err, CLAW_EINVAL, "invalid issue status %d", (int)s);
	return update_one(db, "UPDATE issues SET status = ?1, updated_at = ?2 WHERE id = ?3", id,
			  status_names[s], "set the status", err);
}

enum claw_err
claw_issue_reopen(struct claw_db *db, int64_t id, struct claw_error *err)
{
	return update_one(db,
			  "UPDATE issues SET status = CASE WHEN EXISTS (SELECT 1 FROM runs"
			  " WHERE issue_id = ?3 AND status = 'done') THEN 'done' ELSE 'open' END,"
			  " updated_at = ?2 WHERE id = ?3",
			  id, NULL, "reopen", err);
}

enum claw_err
claw_issue_count_by_status(struct claw_db *db, int64_t *counts, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	int s;

	for (int i = 0; i < CLAW_ISSUE_STATUS_COUNT; i++)
		counts[i] = 0;
	rc = claw_db_stmt(db, "SELECT status, count(*) FROM issues GROUP BY status", &st, err);
	if (rc != CLAW_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		enum claw_issue_status is;
		if (claw_issue_status_parse(name, &is) != CLAW_OK) {
			claw_log_warn("%s: issues with unknown status \"%s\" not counted",
				      claw_db_path(db), name != NULL ? name : "");
			continue;
		}
		counts[is] = sqlite3_column_int64(st, 1);
	}
	if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, "count issues", err);
		goto out;
	}
out:
	claw_db_finish(st);
	return rc;
}
