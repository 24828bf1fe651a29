/*
 * messages — a person's words to a running run.  See messages.h.
 */
#include "store/messages.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/str.h"

enum claw_err
claw_message_add(struct claw_db *db, int64_t run_id, const char *text, const char *by,
		 int64_t *id_out, struct claw_error *err)
{
	struct claw_str t = claw_str_trim(claw_str_from(text != NULL ? text : ""));
	sqlite3_stmt *st = NULL;
	enum claw_err rc = CLAW_OK;

	if (id_out != NULL)
		*id_out = 0;
	if (t.n == 0)
		return claw_error_set(err, CLAW_EINVAL, "the message is empty");
	if (t.n > CLAW_MESSAGE_MAX)
		return claw_error_set(err, CLAW_EINVAL,
				      "the message is %zu bytes, over the %d-byte limit", t.n,
				      CLAW_MESSAGE_MAX);
	if (!claw_str_utf8_valid(t.p, t.n))
		return claw_error_set(err, CLAW_EINVAL, "the message is not valid UTF-8");
	rc = claw_db_stmt(db,
			  "INSERT INTO messages (run_id, text, by, created_at)"
			  " SELECT id, ?2, ?3, ?4 FROM runs WHERE id = ?1",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, t.p, (int)t.n, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, by != NULL ? by : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, claw_clock_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = claw_db_fail(db, "store a message", err);
		goto out;
	}
	if (sqlite3_changes(claw_db_sqlite(db)) == 0) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "run #%lld not found", (long long)run_id);
		goto out;
	}
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(claw_db_sqlite(db));
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_message_pending(struct claw_db *db, int64_t run_id, struct claw_message **out, size_t *n,
		     struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	struct claw_message *list = NULL;
	size_t k = 0;
	int s;
	enum claw_err rc;

	*out = NULL;
	*n = 0;
	rc = claw_db_stmt(db,
			  "SELECT id, text, by, created_at FROM messages"
			  " WHERE run_id = ? AND delivered_at = 0 ORDER BY id LIMIT ?",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, CLAW_MESSAGE_PENDING_MAX);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (list == NULL)
			list = claw_xcalloc(CLAW_MESSAGE_PENDING_MAX, sizeof *list);
		struct claw_message *m = &list[k++];
		m->id = sqlite3_column_int64(st, 0);
		m->run_id = run_id;
		m->text = claw_db_column_dup(st, 1);
		m->by = claw_db_column_dup(st, 2);
		m->created_at = sqlite3_column_int64(st, 3);
	}
	if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, "read the run's messages", err);
		claw_message_list_free(list, k);
		goto out;
	}
	*out = list;
	*n = k;
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_message_delivered(struct claw_db *db, int64_t run_id, int64_t upto, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(db,
					"UPDATE messages SET delivered_at = ?3"
					" WHERE run_id = ?1 AND id <= ?2 AND delivered_at = 0",
					&st, err);
	if (rc == CLAW_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, upto);
		sqlite3_bind_int64(st, 3, claw_clock_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = claw_db_fail(db, "mark messages delivered", err);
	}
	claw_db_finish(st);
	return rc;
}

void
claw_message_list_free(struct claw_message *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].text);
		free(list[i].by);
	}
	free(list);
}
