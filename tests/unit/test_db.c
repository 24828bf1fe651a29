/*
 * test_db — opening, refusing, migrating and the statement cache of
 * store/db, including a busy database (a second connection holding the
 * write lock).
 *
 * Foreign files are made with the raw SQLite API, as another program would.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/db.h"
#include "fixture.h"
#include "tap.h"

static bool
exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* Runs sql on a raw connection (no claw pragmas), creating the file. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *sq = NULL;
	char *msg = NULL;

	if (sqlite3_open(path, &sq) != SQLITE_OK ||
	    sqlite3_exec(sq, sql, NULL, NULL, &msg) != SQLITE_OK)
		tap_diag("raw_exec %s: %s", path, msg != NULL ? msg : sqlite3_errmsg(sq));
	sqlite3_free(msg);
	sqlite3_close(sq);
}

/* First text column of the first row of sql on a raw connection. */
static char *
raw_text(const char *path, const char *sql)
{
	sqlite3 *sq = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	if (sqlite3_open_v2(path, &sq, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		out = claw_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return out != NULL ? out : claw_xstrdup("(none)");
}

static char *
db_text(struct claw_db *db, const char *sql)
{
	sqlite3_stmt *st = claw_db_prepare(db, sql, NULL);
	char *out = NULL;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		out = claw_db_column_dup(st, 0);
	claw_db_finish(st);
	return out != NULL ? out : claw_xstrdup("(none)");
}

static void
test_create(void)
{
	char *path = fixture_path("new.db");
	struct claw_db *db = NULL;
	struct claw_error e;
	struct stat sb;
	int64_t v = -1;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_OK, "create a new db");
	ok(db != NULL, "create gives a connection");
	is_str(claw_db_path(db), path, "the db knows its path");
	is_int(claw_db_schema_version(db, &v, &e), CLAW_OK, "read the schema version");
	is_int(v, CLAW_DB_SCHEMA_VERSION, "a new db is at the current schema");
	ok(stat(path, &sb) == 0, "the file exists");
	is_int(sb.st_mode & 0777, 0600, "the db file is mode 0600");

	char *s = db_text(db, "PRAGMA journal_mode");
	is_str(s, "wal", "journal mode is WAL");
	free(s);
	s = db_text(db, "PRAGMA foreign_keys");
	is_str(s, "1", "foreign keys are on");
	free(s);
	s = db_text(db, "PRAGMA synchronous");
	is_str(s, "1", "synchronous is NORMAL");
	free(s);

	static const char *const tables[] = {"project",      "issues",         "runs",
					     "solvers",      "trace",          "workflow_state",
					     "exchange_msg", "schema_version", "tool_calls"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char *sql = claw_xasprintf("SELECT name FROM sqlite_master WHERE type = 'table'"
					   " AND name = '%s'",
					   tables[i]);
		s = db_text(db, sql);
		is_str(s, tables[i], "table %s exists", tables[i]);
		free(s);
		free(sql);
	}
	static const char *const indexes[] = {"runs_issue",    "runs_status",    "runs_one_active",
					      "trace_run_seq", "trace_run_type", "trace_run_span"};
	for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
		char *sql = claw_xasprintf("SELECT name FROM sqlite_master WHERE type = 'index'"
					   " AND name = '%s'",
					   indexes[i]);
		s = db_text(db, sql);
		is_str(s, indexes[i], "index %s exists", indexes[i]);
		free(s);
		free(sql);
	}
	claw_db_close(db);

	/* CREATE never clobbers. */
	db = NULL;
	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_EEXIST, "create over a file");
	has_str(e.msg, "already exists", "create over a file says so");
	ok(db == NULL, "no connection on failure");

	/* OPEN of an existing claw db is a no-op migration. */
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_OK, "reopen");
	is_int(claw_db_schema_version(db, &v, &e), CLAW_OK, "version after reopen");
	is_int(v, CLAW_DB_SCHEMA_VERSION, "still the current schema");
	claw_db_close(db);
	claw_db_close(NULL);
	free(path);
}

static void
test_open_missing(void)
{
	char *path = fixture_path("missing.db");
	struct claw_db *db = NULL;
	struct claw_error e;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_ENOTFOUND, "open a missing file");
	has_str(e.msg, path, "the message names the path");
	ok(!exists(path), "open does not create");
	free(path);

	path = fixture_path("no/such/dir/x.db");
	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_EIO,
	       "create in a missing directory");
	has_str(e.msg, "cannot create", "the message says what failed");
	free(path);
}

static void
test_newer(void)
{
	char *path = fixture_path("newer.db");
	struct claw_db *db = NULL;
	struct claw_error e;
	char want[1024];

	/* As a newer claw might leave it: a rollback-journal file with its
	 * own schema; this claw must not even switch it to WAL. */
	raw_exec(path, "PRAGMA journal_mode = DELETE;"
		       "CREATE TABLE schema_version (version INTEGER NOT NULL);"
		       "INSERT INTO schema_version VALUES (99);"
		       "CREATE TABLE future (x);");
	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_EVERSION,
	       "a newer schema is refused");
	(void)snprintf(
		want, sizeof want,
		"%s was written by a newer claw (schema 99, this claw knows %d): upgrade claw",
		path, CLAW_DB_SCHEMA_VERSION);
	is_str(e.msg, want, "the refusal says what to do");
	ok(db == NULL, "no connection");
	char *mode = raw_text(path, "PRAGMA journal_mode");
	is_str(mode, "delete", "the newer file was not switched to WAL");
	free(mode);
	char *ver = raw_text(path, "SELECT group_concat(version) FROM schema_version");
	is_str(ver, "99", "its version is untouched");
	free(ver);

	/* Also when a claw db is upgraded after this claw made it. */
	free(path);
	path = fixture_path("upgraded.db");
	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_OK, "create");
	claw_db_close(db);
	db = NULL;
	char *newer = claw_xasprintf("UPDATE schema_version SET version = %d",
				     CLAW_DB_SCHEMA_VERSION + 1);
	raw_exec(path, newer);
	free(newer);
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_EVERSION,
	       "a newer schema is refused");
	char known[64];
	(void)snprintf(known, sizeof known, "(schema %d, this claw knows %d): upgrade claw",
		       CLAW_DB_SCHEMA_VERSION + 1, CLAW_DB_SCHEMA_VERSION);
	has_str(e.msg, known, "with both versions");
	free(path);
}

/* Schema 4 → 5: each exchange checkpoint (one JSON array) becomes a row
 * per message, in order; one that is no array is dropped, not fatal.
 * Then 5 → 6: the outline's indexes; 6 → 7: run_usage, filled and kept. */
static void
test_migrate_exchange(void)
{
	char *path = fixture_path("v4.db");
	struct claw_db *db = NULL;
	struct claw_error e;

	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_OK, "create");
	claw_db_close(db);
	db = NULL;
	raw_exec(path,
		 "DROP INDEX trace_run_phase;"
		 "DROP INDEX trace_run_parent;"
		 "DROP TABLE exchange_msg;"
		 "CREATE TABLE exchange (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE"
		 " CASCADE, workflow TEXT NOT NULL, step TEXT NOT NULL, history TEXT NOT NULL,"
		 " updated_at INTEGER NOT NULL, PRIMARY KEY (run_id, workflow, step));"
		 "CREATE TRIGGER exchange_saved AFTER INSERT ON exchange BEGIN SELECT 1; END;"
		 "CREATE TRIGGER exchange_updated AFTER UPDATE ON exchange BEGIN SELECT 1; END;"
		 "CREATE TRIGGER exchange_cleared AFTER DELETE ON exchange BEGIN SELECT 1; END;"
		 "INSERT INTO issues (id, title, status, created_at, updated_at)"
		 " VALUES (1, 't', 'open', 0, 0);"
		 "INSERT INTO runs (id, issue_id, solver_version, status, started_by, created_at)"
		 " VALUES (1, 1, 1, 'running', 'x', 0);"
		 "INSERT INTO exchange VALUES (1, 'solver', 's',"
		 " '[{\"role\":\"user\",\"content\":[]},{\"role\":\"assistant\"}]', 0);"
		 "INSERT INTO exchange VALUES (1, 'solver', 'broken', 'not json', 0);"
		 "DROP TRIGGER trace_reply_usage;"
		 "DROP TABLE run_usage;"
		 "DROP TABLE messages;"
		 "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data,"
		 " ts_ms) VALUES (1, 1, 0, 0, 'enter', 'ai', 10, '{\"model\":\"m1\"}', 1),"
		 " (1, 2, 1, 1, 'event', 'reply', 10, '{\"usage\":{\"in\":10,\"out\":2}}', 2),"
		 " (1, 3, 1, 1, 'event', 'reply', 10,"
		 " '{\"model\":\"m2\",\"usage\":{\"in\":5,\"cost_micros\":7}}', 3);"
		 "UPDATE schema_version SET version = 4;");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_OK, "a schema 4 file opens: %s",
	       e.msg);
	claw_db_close(db);
	char *rows = raw_text(path, "SELECT group_concat(step || seq || ':' || message, ' | ')"
				    " FROM (SELECT * FROM exchange_msg ORDER BY step, seq)");
	is_str(rows, "s0:{\"role\":\"user\",\"content\":[]} | s1:{\"role\":\"assistant\"}",
	       "its checkpoint is a row per message, the broken one dropped");
	free(rows);
	char *old = raw_text(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'exchange%'"
				   " AND name != 'exchange_msg'");
	is_str(old, "0", "the old table and its triggers are gone");
	free(old);
	char *idx = raw_text(
		path, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master"
		      " WHERE name IN ('trace_run_phase', 'trace_run_parent') ORDER BY name)");
	is_str(idx, "trace_run_parent trace_run_phase", "schema 6: the outline's indexes");
	free(idx);
	char *cols = raw_text(path, "SELECT group_concat(name, ' ') FROM pragma_index_info("
				    "'trace_run_parent')");
	is_str(cols, "run_id parent_id phase seq", "schema 7: a span's children by phase");
	free(cols);
	char *usage = raw_text(path, "SELECT group_concat(model || ':' || replies || '/' ||"
				     " tokens_in || '/' || tokens_out || '/' || cost_micros, ' ')"
				     " FROM (SELECT * FROM run_usage ORDER BY model)");
	is_str(usage, "m1:1/10/2/0 m2:1/5/0/7",
	       "schema 7: run_usage filled from the replies (the model of the span above)");
	free(usage);
	raw_exec(path, "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level,"
		       " data, ts_ms) VALUES (1, 4, 1, 1, 'event', 'reply', 10,"
		       " '{\"usage\":{\"in\":1,\"cached\":3}}', 4)");
	usage = raw_text(path, "SELECT replies || '/' || tokens_in || '/' || cached FROM run_usage"
			       " WHERE model = 'm1'");
	is_str(usage, "2/11/3", "and kept by its trigger as replies are written");
	free(usage);
	char *msgs = raw_text(path, "SELECT group_concat(name, ' ') FROM (SELECT name FROM"
				    " sqlite_master WHERE tbl_name = 'messages' ORDER BY name)");
	is_str(msgs, "messages messages_pending", "schema 8: a run's messages, pending by run");
	free(msgs);
	free(path);
}

static void
test_not_claw(void)
{
	char *path = fixture_path("text.db");
	struct claw_db *db = NULL;
	struct claw_error e;
	char want[1024];
	const char text[] = "this is a text file, not a database, and it is long enough to "
			    "have a header of its own\n";

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 20; i++)
		(void)!write(fd, text, sizeof text - 1);
	(void)close(fd);
	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_EINVAL, "a text file is refused");
	(void)snprintf(want, sizeof want, "%s is not a claw database", path);
	is_str(e.msg, want, "not a claw database");
	struct stat sb;
	ok(stat(path, &sb) == 0 && sb.st_size == (off_t)(20 * (sizeof text - 1)),
	   "the text file is untouched");
	free(path);

	path = fixture_path("foreign.db");
	raw_exec(path, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_EINVAL,
	       "sqlite without claw tables is refused");
	(void)snprintf(want, sizeof want, "%s is not a claw database", path);
	is_str(e.msg, want, "not a claw database either");
	char *s = raw_text(path, "SELECT count(*) FROM sqlite_master");
	is_str(s, "1", "no claw table was added to the foreign db");
	free(s);
	free(path);

	path = fixture_path("empty.db");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	(void)close(fd);
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_EINVAL, "an empty file is refused");
	has_str(e.msg, "is not a claw database", "empty file message");
	free(path);

	path = fixture_path("dir.db");
	(void)mkdir(path, 0700);
	is_int(claw_db_open(path, CLAW_DB_OPEN, &db, &e), CLAW_EINVAL, "a directory is refused");
	has_str(e.msg, "is not a claw database", "directory message");
	free(path);
}

static void
test_statements(void)
{
	char *path = fixture_path("stmt.db");
	struct claw_db *db = NULL;
	struct claw_error e;
	sqlite3_stmt *a;
	sqlite3_stmt *b;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_OK, "create");
	a = claw_db_prepare(db, "SELECT ?1", &e);
	ok(a != NULL, "prepare");
	sqlite3_bind_int(a, 1, 42);
	ok(sqlite3_step(a) == SQLITE_ROW && sqlite3_column_int(a, 0) == 42,
	   "step a bound statement");
	b = claw_db_prepare(db, "SELECT ?1", &e);
	ok(a == b, "the same sql gives the cached statement");
	ok(sqlite3_step(b) == SQLITE_ROW && sqlite3_column_type(b, 0) == SQLITE_NULL,
	   "it comes back reset with bindings cleared");
	claw_db_finish(b);
	claw_db_finish(NULL);

	ok(claw_db_prepare(db, "SELECT 1; SELECT 2", &e) == NULL, "two statements are refused");
	is_int(e.code, CLAW_EINTERNAL, "as a bug");
	ok(claw_db_prepare(db, "SELEKT nothing", &e) == NULL, "bad sql fails");
	is_int(e.code, CLAW_EDB, "bad sql is a db error");
	has_str(e.msg, "prepare SELEKT nothing", "the message quotes the sql");
	has_str(e.msg, path, "and names the db");
	sqlite3_stmt *st = NULL;
	is_int(claw_db_stmt(db, "SELEKT", &st, &e), CLAW_EDB, "claw_db_stmt returns the code");
	ok(st == NULL, "and no statement");

	is_int(claw_db_exec(db, "CREATE TABLE t (x INTEGER PRIMARY KEY, s TEXT)", &e), CLAW_OK,
	       "exec ddl");
	is_int(claw_db_exec(db, "INSERT INTO t VALUES (1, NULL)", &e), CLAW_OK, "insert");
	is_int(claw_db_exec(db, "INSERT INTO t VALUES (1, 'dup')", &e), CLAW_ECONFLICT,
	       "a constraint failure is a conflict");
	has_str(e.msg, "UNIQUE constraint failed", "with SQLite's reason");
	char *s = db_text(db, "SELECT s FROM t WHERE x = 1");
	is_str(s, "", "a NULL text column reads back empty");
	free(s);
	st = claw_db_prepare(db, "SELECT s FROM t WHERE x = 1", &e);
	ok(st != NULL && sqlite3_step(st) == SQLITE_ROW, "row");
	s = claw_db_column_dup(st, 0);
	is_str(s, "", "claw_db_column_dup of NULL is empty");
	free(s);
	claw_db_finish(st);
	st = claw_db_prepare(db, "SELECT ?", &e);
	claw_db_bind_text(st, 1, NULL);
	ok(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL,
	   "bind_text NULL binds SQL NULL");
	claw_db_finish(st);

	/* Transactions. */
	ok(!claw_db_in_transaction(db), "no transaction yet");
	claw_db_rollback(db); /* outside a transaction: a no-op */
	is_int(claw_db_begin(db, &e), CLAW_OK, "begin");
	ok(claw_db_in_transaction(db), "in a transaction");
	is_int(claw_db_begin(db, &e), CLAW_EDB, "begin does not nest");
	is_int(claw_db_exec(db, "INSERT INTO t VALUES (2, 'b')", &e), CLAW_OK, "insert in txn");
	claw_db_rollback(db);
	s = db_text(db, "SELECT count(*) FROM t");
	is_str(s, "1", "rollback dropped the insert");
	free(s);
	is_int(claw_db_begin(db, &e), CLAW_OK, "begin again");
	is_int(claw_db_exec(db, "INSERT INTO t VALUES (3, 'c')", &e), CLAW_OK, "insert");
	is_int(claw_db_commit(db, &e), CLAW_OK, "commit");
	s = db_text(db, "SELECT count(*) FROM t");
	is_str(s, "2", "commit kept it");
	free(s);
	claw_db_close(db);
	free(path);
}

/* Holds db's write transaction (begun by the caller) for 100 ms, then
 * commits. */
struct holder {
	struct claw_db *db;
	enum claw_err rc;
};

static void *
commit_later(void *arg)
{
	struct holder *h = arg;
	struct claw_error e;
	claw_clock_sleep_ms(100);
	h->rc = claw_db_exec(h->db,
			     "INSERT INTO issues (title, created_at, updated_at)"
			     " VALUES ('held', 0, 0)",
			     &e);
	if (h->rc == CLAW_OK)
		h->rc = claw_db_commit(h->db, &e);
	return NULL;
}

static void
test_busy(void)
{
	char *path = fixture_path("busy.db");
	struct claw_db *a = NULL;
	struct claw_db *b = NULL;
	struct claw_error e;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &a, &e), CLAW_OK, "create");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &b, &e), CLAW_OK, "second connection");
	claw_db_set_busy_timeout(b, 50);
	is_int(claw_db_begin(a, &e), CLAW_OK, "a takes the write lock");

	int64_t t0 = claw_clock_mono_ms();
	is_int(claw_db_begin(b, &e), CLAW_EDB, "b cannot begin a write");
	int64_t waited = claw_clock_mono_ms() - t0;
	has_str(e.msg, "database is busy", "the message says busy");
	has_str(e.msg, "50 ms", "and how long it waited");
	has_str(e.msg, path, "and which db");
	ok(waited >= 40 && waited < 4000, "b waited about its busy timeout (%lld ms)",
	   (long long)waited);
	ok(!claw_db_in_transaction(b), "b is left without a transaction");

	is_int(claw_db_exec(b,
			    "INSERT INTO issues (title, created_at, updated_at)"
			    " VALUES ('x', 0, 0)",
			    &e),
	       CLAW_EDB, "a plain write is busy too");
	has_str(e.msg, "database is busy", "busy again");

	int64_t v = 0;
	is_int(claw_db_schema_version(b, &v, &e), CLAW_OK, "reads still work under WAL");
	claw_db_rollback(a);
	is_int(claw_db_begin(b, &e), CLAW_OK, "b writes once a is done");
	claw_db_rollback(b);

	/* A writer in another thread: b waits for its commit and goes on
	 * then, woken by it, long before its busy timeout. */
	struct holder h = {.db = a};
	pthread_t t;
	is_int(claw_db_begin(a, &e), CLAW_OK, "a takes the write lock again");
	claw_db_set_busy_timeout(b, CLAW_DB_BUSY_TIMEOUT_MS);
	(void)pthread_create(&t, NULL, commit_later, &h);
	t0 = claw_clock_mono_ms();
	is_int(claw_db_begin(b, &e), CLAW_OK, "b gets the lock once a commits: %s", e.msg);
	waited = claw_clock_mono_ms() - t0;
	(void)pthread_join(t, NULL);
	ok(h.rc == CLAW_OK, "a committed");
	ok(waited < CLAW_DB_BUSY_TIMEOUT_MS / 2, "b did not wait out its timeout (%lld ms)",
	   (long long)waited);
	claw_db_rollback(b);

	/* A second open while the first holds the lock still opens (no
	 * migration needed, so no write). */
	struct claw_db *c = NULL;
	is_int(claw_db_begin(a, &e), CLAW_OK, "a locks again");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &c, &e), CLAW_OK, "open under a writer");
	claw_db_rollback(a);
	claw_db_close(c);
	claw_db_close(b);
	claw_db_close(a);
	free(path);
}

/* A reader's snapshot, held until 50 ms after the writer says its next
 * write passes the WAL's mark (within the checkpointer's wait). */
struct reader {
	struct claw_db *db;
	atomic_int go; /* set: the writer's next writes pass the mark */
};

static void *
read_a_while(void *arg)
{
	struct reader *rd = arg;
	struct claw_error e;
	(void)claw_db_exec(rd->db, "BEGIN; SELECT count(*) FROM issues", &e);
	for (int i = 0; i < 30000 && !atomic_load(&rd->go); i++)
		claw_clock_sleep_ms(1);
	claw_clock_sleep_ms(50);
	(void)claw_db_exec(rd->db, "COMMIT", &e);
	return NULL;
}

/* Frames in path's WAL now (a PASSIVE checkpoint through db reports it). */
static int
wal_frames(struct claw_db *db)
{
	int log = -1;
	(void)sqlite3_wal_checkpoint_v2(claw_db_sqlite(db), NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
					NULL);
	return log;
}

/* Writes one transaction of about 60 pages. */
static enum claw_err
write_pages(struct claw_db *db, struct claw_error *e)
{
	return claw_db_exec(
		db,
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
		" INSERT INTO issues (title, created_at, updated_at)"
		" SELECT printf('%0200d', i), 0, 0 FROM n",
		e);
}

static void
test_checkpointer(void)
{
	char *path = fixture_path("ckpt.db");
	struct claw_db *w = NULL, *q = NULL;
	struct reader rd = {0};
	struct claw_error e;
	pthread_t t;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &w, &e), CLAW_OK, "create");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &rd.db, &e), CLAW_OK, "a reader's connection");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &q, &e), CLAW_OK, "an onlooker's");
	claw_db_set_checkpointer(w);

	/* While a reader holds a snapshot, the checkpointer's commit past the
	 * mark waits for it (briefly), so its next write starts the WAL over; a
	 * PASSIVE checkpoint would have left the reader's pages and the WAL
	 * would go on growing past the mark. */
	bool reading = pthread_create(&t, NULL, read_a_while, &rd) == 0;
	ok(reading, "a reader thread");
	enum claw_err rc = CLAW_OK;
	int frames = 0;
	int step = 0; /* pages one write adds */
	for (int i = 0; i < 40 && rc == CLAW_OK && frames < CLAW_DB_WAL_CHECKPOINT_PAGES; i++) {
		if (step > 0 && frames + step >= CLAW_DB_WAL_CHECKPOINT_PAGES)
			atomic_store(&rd.go, 1); /* this write passes the mark */
		rc = write_pages(w, &e);
		int now = wal_frames(q);
		if (step == 0)
			step = now;
		frames = now;
	}
	atomic_store(&rd.go, 1);
	is_int(rc, CLAW_OK, "the writes went in: %s", e.msg);
	ok(frames >= CLAW_DB_WAL_CHECKPOINT_PAGES, "the WAL reached the mark (%d frames)", frames);
	is_int(write_pages(w, &e), CLAW_OK, "one more write");
	if (reading)
		(void)pthread_join(t, NULL);
	is_int(write_pages(w, &e), CLAW_OK, "and one after the reader left");
	frames = wal_frames(q);
	ok(frames > 0 && frames < CLAW_DB_WAL_CHECKPOINT_PAGES / 2,
	   "the WAL started over (%d frames)", frames);
	claw_db_close(q);
	claw_db_close(rd.db);
	claw_db_close(w);
	free(path);
}

static void
test_unlink(void)
{
	char *path = fixture_path("gone.db");
	char *wal = claw_xasprintf("%s-wal", path);
	struct claw_db *db = NULL;
	struct claw_error e;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &db, &e), CLAW_OK, "create");
	claw_db_close(db);
	int fd = open(wal, O_WRONLY | O_CREAT, 0600);
	(void)close(fd);
	claw_db_unlink(path);
	ok(!exists(path) && !exists(wal), "claw_db_unlink removes the db and its -wal");
	claw_db_unlink(path); /* absent: silent */
	free(wal);
	free(path);
}

int
main(void)
{
	test_create();
	test_open_missing();
	test_newer();
	test_migrate_exchange();
	test_not_claw();
	test_statements();
	test_busy();
	test_checkpointer();
	test_unlink();
	return tap_done();
}
