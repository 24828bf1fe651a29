/*
 * state — snapshots (workflow_state) and exchange checkpoints
 * (exchange_msg, a row per message).
 *
 * A snapshot is an upsert, a checkpoint a replacement of its messages from
 * one on, both keyed by the run and the names the flow layer gives
 * (workflow, step), written often: a snapshot after every step, a checkpoint
 * after every turn.  Their JSON is opaque here.  Both tables reference runs,
 * so a save for an unknown run fails with a foreign-key error, reported as
 * "run #N not found".
 *
 * The ledger's rows are small and written with one statement each, so a
 * crash between two of them leaves every earlier one whole.
 *
 * Threads: the caller's connection, one thread at a time.
 */
#include "store/state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"

void
claw_snapshot_free(struct claw_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->done);
	free(s->params);
	free(s->handoff_from);
	free(s->handoff);
	memset(s, 0, sizeof *s);
}

static enum claw_err
check_name(const char *kind, const char *name, struct claw_error *err)
{
	if (name == NULL || name[0] == '\0')
		return claw_error_set(err, CLAW_EINVAL, "%s name is empty", kind);
	return CLAW_OK;
}

/* Converts a failed save: a foreign-key failure means the run is unknown. */
static enum claw_err
save_failed(struct claw_db *db, int64_t run_id, const char *what, struct claw_error *err)
{
	char w[160];

	if (sqlite3_extended_errcode(claw_db_sqlite(db)) == SQLITE_CONSTRAINT_FOREIGNKEY)
		return claw_error_set(err, CLAW_ENOTFOUND, "run #%lld not found",
				      (long long)run_id);
	(void)snprintf(w, sizeof w, "%s of run #%lld", what, (long long)run_id);
	return claw_db_fail(db, w, err);
}

enum claw_err
claw_snapshot_save(struct claw_db *db, int64_t run_id, const char *workflow,
		   const struct claw_snapshot *s, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	rc = check_name("workflow", workflow, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_stmt(db,
			  "INSERT INTO workflow_state"
			  " (run_id, workflow, done, params, handoff_from, handoff, updated_at)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			  " ON CONFLICT (run_id, workflow) DO UPDATE SET done = ?3, params = ?4,"
			  " handoff_from = ?5, handoff = ?6, updated_at = ?7",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, workflow, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->done != NULL ? s->done : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->params != NULL ? s->params : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->handoff_from != NULL ? s->handoff_from : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, s->handoff != NULL ? s->handoff : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, claw_clock_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = save_failed(db, run_id, "save the snapshot", err);
		goto out;
	}
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_snapshot_load(struct claw_db *db, int64_t run_id, const char *workflow,
		   struct claw_snapshot *out, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	char what[96];
	int s;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(
		db,
		"SELECT done, params, handoff_from, handoff, updated_at FROM workflow_state"
		" WHERE run_id = ? AND workflow = ?",
		&st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, workflow != NULL ? workflow : "", -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "run #%lld has no snapshot of workflow %s",
				    (long long)run_id, workflow != NULL ? workflow : "");
		goto out;
	}
	if (s != SQLITE_ROW) {
		(void)snprintf(what, sizeof what, "load the snapshot of run #%lld",
			       (long long)run_id);
		rc = claw_db_fail(db, what, err);
		goto out;
	}
	out->done = claw_db_column_dup(st, 0);
	out->params = claw_db_column_dup(st, 1);
	out->handoff_from = claw_db_column_dup(st, 2);
	out->handoff = claw_db_column_dup(st, 3);
	out->updated_at = sqlite3_column_int64(st, 4);
out:
	claw_db_finish(st);
	return rc;
}

/* Binds run_id, workflow and step as ?1-?3 of st. */
static void
bind_step(sqlite3_stmt *st, int64_t run_id, const char *workflow, const char *step)
{
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, workflow, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, step, -1, SQLITE_STATIC);
}

/* Runs sql (one statement) with run_id, workflow, step as ?1-?3 and the
 * binder's values after them; what names the work in errors (an unknown
 * run is "run #N not found"). */
static enum claw_err
step_exec(struct claw_db *db, const char *sql, int64_t run_id, const char *workflow,
	  const char *step, void (*bind)(sqlite3_stmt *, const void *), const void *arg,
	  const char *what, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(db, sql, &st, err);

	if (rc != CLAW_OK)
		return rc;
	bind_step(st, run_id, workflow, step);
	if (bind != NULL)
		bind(st, arg);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = save_failed(db, run_id, what, err);
	claw_db_finish(st);
	return rc;
}

/* One message of a checkpoint: ?4 its place, ?5 its JSON. */
struct msg_row {
	int64_t seq;
	const char *json;
};

static void
bind_seq(sqlite3_stmt *st, const void *arg)
{
	sqlite3_bind_int64(st, 4, ((const struct msg_row *)arg)->seq);
}

static void
bind_msg(sqlite3_stmt *st, const void *arg)
{
	const struct msg_row *m = arg;
	sqlite3_bind_int64(st, 4, m->seq);
	sqlite3_bind_text(st, 5, m->json, -1, SQLITE_STATIC);
}

/* The statements of claw_exchange_save, inside its transaction. */
static enum claw_err
write_messages(struct claw_db *db, int64_t run_id, const char *workflow, const char *step,
	       size_t from, const char *const *msgs, size_t n, struct claw_error *err)
{
	static const char *const what = "checkpoint the exchange";
	struct msg_row m = {(int64_t)from, NULL};
	enum claw_err rc = step_exec(db,
				     "DELETE FROM exchange_msg WHERE run_id = ?1 AND workflow = ?2"
				     " AND step = ?3 AND seq >= ?4",
				     run_id, workflow, step, bind_seq, &m, what, err);

	for (size_t i = 0; rc == CLAW_OK && i < n; i++) {
		m = (struct msg_row){(int64_t)(from + i), msgs[i]};
		rc = step_exec(db,
			       "INSERT INTO exchange_msg (run_id, workflow, step, seq, message)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)",
			       run_id, workflow, step, bind_msg, &m, what, err);
	}
	if (rc == CLAW_OK)
		rc = step_exec(db,
			       "DELETE FROM tool_calls WHERE run_id = ?1 AND workflow = ?2"
			       " AND step = ?3",
			       run_id, workflow, step, NULL, NULL, "empty the tool-call ledger",
			       err);
	return rc;
}

enum claw_err
claw_exchange_save(struct claw_db *db, int64_t run_id, const char *workflow, const char *step,
		   size_t from, const char *const *msgs, size_t n, struct claw_error *err)
{
	size_t bytes = 0;
	enum claw_err rc = check_name("workflow", workflow, err);

	if (rc == CLAW_OK)
		rc = check_name("step", step, err);
	if (rc != CLAW_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (msgs[i] == NULL)
			return claw_error_set(err, CLAW_EINVAL, "no message %zu to checkpoint",
					      from + i);
		bytes += strlen(msgs[i]);
	}
	if (bytes > CLAW_STATE_HISTORY_MAX)
		return claw_error_set(err, CLAW_ETOOBIG,
				      "the conversation of step %s grew by %zu bytes, over the "
				      "%d-byte checkpoint limit",
				      step, bytes, CLAW_STATE_HISTORY_MAX);
	bool own = !claw_db_in_transaction(db);
	if (own && (rc = claw_db_begin(db, err)) != CLAW_OK)
		return rc;
	rc = write_messages(db, run_id, workflow, step, from, msgs, n, err);
	if (own && rc == CLAW_OK)
		rc = claw_db_commit(db, err);
	if (own && rc != CLAW_OK)
		claw_db_rollback(db);
	return rc;
}

enum claw_err
claw_exchange_load(struct claw_db *db, int64_t run_id, const char *workflow, const char *step,
		   char **history_out, struct claw_error *err)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_STATE_HISTORY_MAX);
	sqlite3_stmt *st = NULL;
	char what[96];
	size_t rows = 0;
	int s;

	*history_out = NULL;
	enum claw_err rc = claw_db_stmt(db,
					"SELECT message FROM exchange_msg WHERE run_id = ?1 AND"
					" workflow = ?2 AND step = ?3 ORDER BY seq",
					&st, err);
	if (rc != CLAW_OK)
		return rc;
	bind_step(st, run_id, workflow != NULL ? workflow : "", step != NULL ? step : "");
	(void)claw_buf_putc(&b, '[');
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows++ > 0)
			(void)claw_buf_putc(&b, ',');
		(void)claw_buf_append(&b, (const char *)sqlite3_column_text(st, 0),
				      (size_t)sqlite3_column_bytes(st, 0));
	}
	(void)claw_buf_putc(&b, ']');
	if (s != SQLITE_DONE) {
		(void)snprintf(what, sizeof what, "load a checkpoint of run #%lld",
			       (long long)run_id);
		rc = claw_db_fail(db, what, err);
	} else if (rows == 0) {
		rc = claw_error_set(err, CLAW_ENOTFOUND,
				    "run #%lld has no checkpoint of step %s/%s", (long long)run_id,
				    workflow != NULL ? workflow : "", step != NULL ? step : "");
	} else if (claw_buf_error(&b) != CLAW_OK) {
		rc = claw_error_set(err, CLAW_ETOOBIG,
				    "the conversation of step %s/%s of run #%lld is over %d bytes",
				    workflow != NULL ? workflow : "", step != NULL ? step : "",
				    (long long)run_id, CLAW_STATE_HISTORY_MAX);
	} else {
		*history_out = claw_buf_steal(&b);
	}
	claw_db_finish(st);
	claw_buf_free(&b);
	return rc;
}

struct ledger_row {
	int idx;
	int64_t at;
	const char *name, *input, *result;
	size_t result_len;
	bool is_error;
};

static void
bind_start(sqlite3_stmt *st, const void *arg)
{
	const struct ledger_row *r = arg;
	sqlite3_bind_int(st, 4, r->idx);
	sqlite3_bind_text(st, 5, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->input, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, claw_clock_now_ms());
	sqlite3_bind_int64(st, 8, r->at);
}

static void
bind_end(sqlite3_stmt *st, const void *arg)
{
	const struct ledger_row *r = arg;
	sqlite3_bind_int(st, 4, r->idx);
	sqlite3_bind_text(st, 5, r->result, (int)r->result_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, r->is_error);
	sqlite3_bind_int64(st, 7, claw_clock_now_ms());
}

static const char ledger_insert[] =
	"INSERT OR REPLACE INTO tool_calls (run_id, workflow, step, idx, name, input, started_at,"
	" at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

enum claw_err
claw_ledger_begin(struct claw_db *db, int64_t run_id, const char *workflow, const char *step,
		  const char *reply, int64_t at, struct claw_error *err)
{
	struct ledger_row r = {.idx = -1, .at = at, .name = "", .input = reply};
	enum claw_err rc = step_exec(
		db, "DELETE FROM tool_calls WHERE run_id = ?1 AND workflow = ?2 AND step = ?3",
		run_id, workflow, step, NULL, NULL, "clear the tool-call ledger", err);
	if (rc == CLAW_OK)
		rc = step_exec(db, ledger_insert, run_id, workflow, step, bind_start, &r,
			       "record a turn in the tool-call ledger", err);
	return rc;
}

enum claw_err
claw_ledger_start(struct claw_db *db, int64_t run_id, const char *workflow, const char *step,
		  int idx, const char *name, const char *input, struct claw_error *err)
{
	struct ledger_row r = {.idx = idx, .name = name, .input = input};
	return step_exec(db, ledger_insert, run_id, workflow, step, bind_start, &r,
			 "record a tool call's start", err);
}

enum claw_err
claw_ledger_end(struct claw_db *db, int64_t run_id, const char *workflow, const char *step, int idx,
		const char *result, size_t n, bool is_error, struct claw_error *err)
{
	struct ledger_row r = {.idx = idx, .result = result, .result_len = n, .is_error = is_error};
	return step_exec(db,
			 "UPDATE tool_calls SET result = ?5, is_error = ?6, ended_at = ?7"
			 " WHERE run_id = ?1 AND workflow = ?2 AND step = ?3 AND idx = ?4",
			 run_id, workflow, step, bind_end, &r, "record a tool call's result", err);
}

void
claw_ledger_free(struct claw_ledger_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(calls[i].name);
		free(calls[i].input);
		free(calls[i].result);
	}
	free(calls);
}

enum claw_err
claw_ledger_load(struct claw_db *db, int64_t run_id, const char *workflow, const char *step,
		 char **reply, int64_t *at, struct claw_ledger_call **calls, size_t *ncalls,
		 struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	char what[96];
	size_t cap = 0;
	int s;
	enum claw_err rc = claw_db_stmt(db,
					"SELECT idx, name, input, result, is_error, ended_at, at"
					" FROM tool_calls WHERE run_id = ? AND workflow = ?"
					" AND step = ? ORDER BY idx",
					&st, err);

	*reply = NULL;
	*at = 0;
	*calls = NULL;
	*ncalls = 0;
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, workflow != NULL ? workflow : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, step != NULL ? step : "", -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int idx = sqlite3_column_int(st, 0);
		if (idx < 0) {
			free(*reply);
			*reply = claw_db_column_dup(st, 2);
			*at = sqlite3_column_int64(st, 6);
			continue;
		}
		if (*ncalls == cap) {
			cap = cap != 0 ? 2 * cap : 8;
			*calls = claw_xrealloc(*calls, cap * sizeof **calls);
		}
		struct claw_ledger_call *c = &(*calls)[(*ncalls)++];
		c->idx = idx;
		c->name = claw_db_column_dup(st, 1);
		c->input = claw_db_column_dup(st, 2);
		c->ended = sqlite3_column_int64(st, 5) != 0;
		c->result = c->ended ? claw_db_column_dup(st, 3) : NULL;
		c->is_error = sqlite3_column_int(st, 4) != 0;
	}
	if (s != SQLITE_DONE) {
		(void)snprintf(what, sizeof what, "load the tool-call ledger of run #%lld",
			       (long long)run_id);
		rc = claw_db_fail(db, what, err);
		free(*reply);
		*reply = NULL;
		claw_ledger_free(*calls, *ncalls);
		*calls = NULL;
		*ncalls = 0;
	}
	claw_db_finish(st);
	return rc;
}
