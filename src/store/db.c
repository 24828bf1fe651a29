/*
 * db — opening a project's SQLite file, its schema and its migrations.
 *
 * The schema lives here, as an ordered array of migration steps: step i moves
 * a file from schema version i to i + 1.  Opening reads the version first
 * (read-only), refuses files that are not claw's or that a newer claw wrote,
 * and only then sets the persistent WAL mode and applies the missing steps
 * in one BEGIN IMMEDIATE transaction (re-reading the version inside it, so
 * two processes opening an old file at once migrate it once).  Migrations are
 * forward-only: a released step is never edited, a change is a new step.
 *
 * Each connection keeps a small cache of prepared statements keyed by their
 * SQL text, so the store modules prepare by string at every call and pay the
 * compile once per connection.
 *
 * Threads: a struct claw_db belongs to one thread at a time (see db.h).
 */
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"

/*
 * Schema version 1: every table of SPEC.md section 8, so later layers never
 * reshape a table.  Status columns hold the names of the C enums' string
 * tables and carry no CHECK: a new status is a code change, not a table
 * rebuild.  Times are ms since the epoch (claw_clock_now_ms).
 *
 * - runs_one_active backs claw_run_insert's conflict check: the database
 *   itself refuses a second queued/running run of an issue.
 * - trace has no foreign key to runs: it is the hottest insert path and the
 *   trace writer checks its run once, when the run starts.  Its indexes
 *   serve the reader: (run_id, seq) replay and tails, (run_id, type, seq)
 *   replies, artifacts and gates, (run_id, span_id) the span-id seed on
 *   resume and the reply → enclosing span lookup of run_usage's trigger.
 * - workflow_state and exchange_msg belong to their run (foreign key).
 */
static const char *const migrations[] = {
	/* 0 → 1 */
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"
	"CREATE TABLE project ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE issues ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" title TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL DEFAULT 'open',"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL);"
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" issue_id INTEGER NOT NULL REFERENCES issues(id),"
	" solver_version INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '',"
	" started_by TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" ended_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX runs_issue ON runs(issue_id, id);"
	"CREATE INDEX runs_status ON runs(status, id);"
	"CREATE UNIQUE INDEX runs_one_active ON runs(issue_id)"
	" WHERE status IN ('queued', 'running');"
	"CREATE TABLE solvers ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" issue_id INTEGER NOT NULL REFERENCES issues(id),"
	" version INTEGER NOT NULL,"
	" spec TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'draft',"
	" feedback TEXT NOT NULL DEFAULT '',"
	" decided_by TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" decided_at INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (issue_id, version));"
	"CREATE TABLE trace ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" run_id INTEGER NOT NULL,"
	" span_id INTEGER NOT NULL,"
	" parent_id INTEGER NOT NULL DEFAULT 0,"
	" depth INTEGER NOT NULL DEFAULT 0,"
	" phase TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" level INTEGER NOT NULL,"
	" data TEXT NOT NULL DEFAULT '{}',"
	" ts_ms INTEGER NOT NULL);"
	"CREATE INDEX trace_run_seq ON trace(run_id, seq);"
	"CREATE INDEX trace_run_type ON trace(run_id, type, seq);"
	"CREATE INDEX trace_run_span ON trace(run_id, span_id);"
	"CREATE TABLE workflow_state ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" workflow TEXT NOT NULL,"
	" done TEXT NOT NULL DEFAULT '[]',"
	" params TEXT NOT NULL DEFAULT '{}',"
	" handoff_from TEXT NOT NULL DEFAULT '',"
	" handoff TEXT NOT NULL DEFAULT '',"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, workflow));"
	"CREATE TABLE exchange ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" workflow TEXT NOT NULL,"
	" step TEXT NOT NULL,"
	" history TEXT NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, workflow, step));",
	/* 1 → 2: the tool-call ledger (state.h).  Saving or clearing an
	 * exchange's checkpoint empties its ledger in the same statement, so
	 * a crash can never leave a ledger beside the checkpoint that already
	 * holds its turn. */
	"CREATE TABLE tool_calls ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" workflow TEXT NOT NULL,"
	" step TEXT NOT NULL,"
	" idx INTEGER NOT NULL,"
	" at INTEGER NOT NULL DEFAULT 0,"
	" name TEXT NOT NULL DEFAULT '',"
	" input TEXT NOT NULL DEFAULT '',"
	" result TEXT,"
	" is_error INTEGER NOT NULL DEFAULT 0,"
	" started_at INTEGER NOT NULL,"
	" ended_at INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, workflow, step, idx));"
	"CREATE TRIGGER exchange_saved AFTER INSERT ON exchange BEGIN"
	" DELETE FROM tool_calls WHERE run_id = NEW.run_id AND workflow = NEW.workflow"
	" AND step = NEW.step; END;"
	"CREATE TRIGGER exchange_updated AFTER UPDATE ON exchange BEGIN"
	" DELETE FROM tool_calls WHERE run_id = NEW.run_id AND workflow = NEW.workflow"
	" AND step = NEW.step; END;"
	"CREATE TRIGGER exchange_cleared AFTER DELETE ON exchange BEGIN"
	" DELETE FROM tool_calls WHERE run_id = OLD.run_id AND workflow = OLD.workflow"
	" AND step = OLD.step; END;",
	/* 2 → 3: isolation (SPEC section 9).  A project registered before
	 * keeps working in place, as it did; a run's worktree is kept on its
	 * row (all '' for a run in place). */
	"ALTER TABLE project ADD COLUMN isolation TEXT NOT NULL DEFAULT 'inplace';"
	"ALTER TABLE project ADD COLUMN setup TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE project ADD COLUMN setup_net INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN repo TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN worktree TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN workdir TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN gitdir TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN branch TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN base TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN head TEXT NOT NULL DEFAULT '';",
	/* 3 → 4: the review gate (SPEC section 9).  A run's change in
	 * numbers, for the board's cards, and the journal of how it landed
	 * (flow/review.h). */
	"ALTER TABLE runs ADD COLUMN files INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN additions INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN deletions INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN landing TEXT NOT NULL DEFAULT '';",
	/* 4 → 5: the exchange checkpoint append-only, a row per message
	 * (state.h): a turn writes what it added instead of the whole
	 * conversation again.  Checkpoints move over whole; the ledger is
	 * emptied by claw_exchange_save itself, in its transaction. */
	"CREATE TABLE exchange_msg ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" workflow TEXT NOT NULL,"
	" step TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" message TEXT NOT NULL,"
	" PRIMARY KEY (run_id, workflow, step, seq));"
	"INSERT INTO exchange_msg (run_id, workflow, step, seq, message)"
	" SELECT e.run_id, e.workflow, e.step, j.key, j.value"
	" FROM exchange e, json_each(e.history) j"
	" WHERE json_valid(e.history) AND json_type(e.history) = 'array';"
	"DROP TRIGGER exchange_saved;"
	"DROP TRIGGER exchange_updated;"
	"DROP TRIGGER exchange_cleared;"
	"DROP TABLE exchange;",
	/* 5 → 6: the run view's outline of a long run (trace/outline.h):
	 * enter rows in order, and one span's children. */
	"CREATE INDEX trace_run_phase ON trace(run_id, phase, seq);"
	"CREATE INDEX trace_run_parent ON trace(run_id, parent_id, seq);",
	/* 6 → 7: a run's tokens and cost by model, kept by a trigger as reply
	 * rows are written (by any writer), so the board and the issue page
	 * read a few rows instead of summing a long run's replies on every
	 * request; filled from the trace once here.  The model is the reply's,
	 * else its enclosing span's (claw_reader_totals).  And one span's
	 * children by phase: the outline counts child spans on the index
	 * alone and reads only the events. */
	"CREATE TABLE run_usage ("
	" run_id INTEGER NOT NULL,"
	" model TEXT NOT NULL,"
	" replies INTEGER NOT NULL DEFAULT 0,"
	" tokens_in INTEGER NOT NULL DEFAULT 0,"
	" tokens_out INTEGER NOT NULL DEFAULT 0,"
	" cached INTEGER NOT NULL DEFAULT 0,"
	" cache_write INTEGER NOT NULL DEFAULT 0,"
	" cost_micros INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, model)) WITHOUT ROWID;"
	"INSERT INTO run_usage"
	" SELECT r.run_id, COALESCE(json_extract(r.data, '$.model'),"
	"  (SELECT json_extract(p.data, '$.model') FROM trace p WHERE p.run_id = r.run_id"
	"   AND p.span_id = r.parent_id AND p.phase = 'enter' LIMIT 1), '') AS m,"
	"  COUNT(*), TOTAL(json_extract(r.data, '$.usage.in')),"
	"  TOTAL(json_extract(r.data, '$.usage.out')), TOTAL(json_extract(r.data, "
	"'$.usage.cached')),"
	"  TOTAL(json_extract(r.data, '$.usage.cache_write')),"
	"  TOTAL(json_extract(r.data, '$.usage.cost_micros'))"
	" FROM trace r WHERE r.type = 'reply' GROUP BY r.run_id, m;"
	"CREATE TRIGGER trace_reply_usage AFTER INSERT ON trace WHEN NEW.type = 'reply' BEGIN"
	" INSERT INTO run_usage (run_id, model, replies, tokens_in, tokens_out, cached,"
	"  cache_write, cost_micros)"
	" VALUES (NEW.run_id, COALESCE(json_extract(NEW.data, '$.model'),"
	"  (SELECT json_extract(p.data, '$.model') FROM trace p WHERE p.run_id = NEW.run_id"
	"   AND p.span_id = NEW.parent_id AND p.phase = 'enter' LIMIT 1), ''), 1,"
	"  CAST(COALESCE(json_extract(NEW.data, '$.usage.in'), 0) AS INTEGER),"
	"  CAST(COALESCE(json_extract(NEW.data, '$.usage.out'), 0) AS INTEGER),"
	"  CAST(COALESCE(json_extract(NEW.data, '$.usage.cached'), 0) AS INTEGER),"
	"  CAST(COALESCE(json_extract(NEW.data, '$.usage.cache_write'), 0) AS INTEGER),"
	"  CAST(COALESCE(json_extract(NEW.data, '$.usage.cost_micros'), 0) AS INTEGER))"
	" ON CONFLICT (run_id, model) DO UPDATE SET replies = replies + 1,"
	"  tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + "
	"excluded.tokens_out,"
	"  cached = cached + excluded.cached, cache_write = cache_write + excluded.cache_write,"
	"  cost_micros = cost_micros + excluded.cost_micros;"
	" END;"
	"DROP INDEX trace_run_parent;"
	"CREATE INDEX trace_run_parent ON trace(run_id, parent_id, phase, seq);",
	/* 8: what a person says to a running run (messages.h). */
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" text TEXT NOT NULL,"
	" by TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" delivered_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX messages_pending ON messages(run_id, delivered_at, id);",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == CLAW_DB_SCHEMA_VERSION,
	       "one migration step per schema version");

#define DB_WHAT_MAX 60 /* SQL text quoted in an error, bytes */

struct cached_stmt {
	char *sql; /* owned copy: the cache key */
	sqlite3_stmt *st;
};

/* ------------------------------------------------------- the busy gate
 *
 * The connections of one file in this process share a gate.  SQLite's
 * default busy handler sleeps in steps (1, 2, 5, 10 ... ms) while another
 * connection holds the write lock, so a run thread waiting for the trace
 * writer's commit slept a few ms per turn.  Here every commit rings its
 * file's gate (the WAL hook, called after the commit released the lock)
 * and a waiting connection blocks on the gate until it rings: it goes on
 * as soon as the writer is done.  A commit by another process does not
 * ring it, so a waiter also looks again every DB_BUSY_POLL_MS, and gives
 * up after its busy timeout as before.
 */
#define DB_BUSY_POLL_MS 2

struct gate {
	struct gate *next;
	dev_t dev;
	ino_t ino;
	int refs;         /* connections using it */
	uint64_t commits; /* rings so far */
	struct claw_cond rung;
};

/* gates_mu guards the list, each gate's fields and its condition. */
static struct claw_mutex gates_mu;
static struct gate *gates;
static pthread_once_t gates_once = PTHREAD_ONCE_INIT;

static void
gates_init(void)
{
	claw_mutex_init(&gates_mu, "db gates");
}

/* The gate of the file at path (made on first use), or NULL when it
 * cannot be found (the connection then waits by polling). */
static struct gate *
gate_take(const char *path)
{
	struct stat sb;
	struct gate *g;

	if (stat(path, &sb) != 0)
		return NULL;
	(void)pthread_once(&gates_once, gates_init);
	claw_mutex_lock(&gates_mu);
	for (g = gates; g != NULL; g = g->next)
		if (g->dev == sb.st_dev && g->ino == sb.st_ino)
			break;
	if (g == NULL) {
		g = CLAW_NEW(struct gate);
		g->dev = sb.st_dev;
		g->ino = sb.st_ino;
		claw_cond_init(&g->rung);
		g->next = gates;
		gates = g;
	}
	g->refs++;
	claw_mutex_unlock(&gates_mu);
	return g;
}

static void
gate_drop(struct gate *g)
{
	if (g == NULL)
		return;
	claw_mutex_lock(&gates_mu);
	if (--g->refs == 0) {
		for (struct gate **p = &gates; *p != NULL; p = &(*p)->next)
			if (*p == g) {
				*p = g->next;
				break;
			}
		claw_cond_destroy(&g->rung);
		free(g);
	}
	claw_mutex_unlock(&gates_mu);
}

struct claw_db {
	sqlite3 *sq;
	char *path;
	struct gate *gate;         /* the file's; NULL: poll */
	int64_t busy_since;        /* when the current wait began (monotonic ms) */
	uint64_t busy_seen;        /* the gate's rings when SQLite last tried (gates_mu) */
	int busy_ms;               /* current busy timeout, for messages */
	int checkpoint_mode;       /* SQLITE_CHECKPOINT_PASSIVE, or RESTART: the checkpointer */
	struct cached_stmt *cache; /* statement cache, linear: a few dozen entries */
	size_t ncache;
	size_t acache;
};

sqlite3 *
claw_db_sqlite(struct claw_db *db)
{
	return db->sq;
}

const char *
claw_db_path(const struct claw_db *db)
{
	return db->path;
}

void
claw_db_set_busy_timeout(struct claw_db *db, int ms)
{
	db->busy_ms = ms > 0 ? ms : 0;
}

void
claw_db_set_checkpointer(struct claw_db *db)
{
	db->checkpoint_mode = SQLITE_CHECKPOINT_RESTART;
}

/* SQLite's busy handler: 0 gives up (SQLITE_BUSY), 1 tries again.  The
 * first call tries again at once (the holder may just have finished);
 * later ones wait for a ring since the last try, at most
 * DB_BUSY_POLL_MS. */
static int
on_busy(void *arg, int count)
{
	struct claw_db *db = arg;
	int64_t now = claw_clock_mono_ms();

	if (count == 0)
		db->busy_since = now;
	if (now - db->busy_since >= db->busy_ms)
		return 0;
	if (db->gate == NULL) {
		if (count > 0)
			claw_clock_sleep_ms(DB_BUSY_POLL_MS);
		return 1;
	}
	claw_mutex_lock(&gates_mu);
	/* The rings counted when SQLite last tried: one since then (before
	 * this call took the lock) is not missed. */
	int64_t until = now + DB_BUSY_POLL_MS;
	while (count > 0 && db->gate->commits == db->busy_seen &&
	       claw_cond_wait_until(&db->gate->rung, &gates_mu, until))
		;
	db->busy_seen = db->gate->commits;
	claw_mutex_unlock(&gates_mu);
	return 1;
}

/* SQLite's WAL hook, after each commit of this connection: rings the
 * file's gate, then checkpoints past the mark as SQLite's own hook would
 * (PASSIVE), or as the file's checkpointer (RESTART). */
static int
on_commit(void *arg, sqlite3 *sq, const char *name, int pages)
{
	struct claw_db *db = arg;

	if (db->gate != NULL) {
		claw_mutex_lock(&gates_mu);
		db->gate->commits++;
		claw_cond_broadcast(&db->gate->rung);
		claw_mutex_unlock(&gates_mu);
	}
	if (pages >= CLAW_DB_WAL_CHECKPOINT_PAGES) {
		/* RESTART holds off other writers while it waits for readers:
		 * wait briefly, and try again at a later commit. */
		int busy_ms = db->busy_ms;
		if (db->checkpoint_mode != SQLITE_CHECKPOINT_PASSIVE)
			db->busy_ms = CLAW_DB_CHECKPOINT_WAIT_MS;
		(void)sqlite3_wal_checkpoint_v2(sq, name, db->checkpoint_mode, NULL, NULL);
		db->busy_ms = busy_ms;
	}
	return SQLITE_OK;
}

enum claw_err
claw_db_fail(struct claw_db *db, const char *what, struct claw_error *err)
{
	int code = sqlite3_extended_errcode(db->sq);
	const char *msg = sqlite3_errmsg(db->sq);
	enum claw_err rc;

	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return claw_error_set(err, CLAW_EDB,
				      "%s in %s: database is busy (another connection kept it "
				      "locked for over %d ms)",
				      what, db->path, db->busy_ms);
	case SQLITE_CONSTRAINT:
		rc = CLAW_ECONFLICT;
		break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		rc = CLAW_EIO;
		break;
	case SQLITE_NOTADB:
		rc = CLAW_EINVAL;
		break;
	case SQLITE_TOOBIG:
		rc = CLAW_ETOOBIG;
		break;
	case SQLITE_NOMEM:
		rc = CLAW_ENOMEM;
		break;
	default:
		rc = CLAW_EDB;
		break;
	}
	return claw_error_set(err, rc, "%s in %s: %s", what, db->path, msg);
}

/* what for an error about a piece of SQL: its first DB_WHAT_MAX bytes. */
static void
sql_what(const char *sql, char *out, size_t size)
{
	(void)snprintf(out, size, "%.*s%s", DB_WHAT_MAX, sql,
		       strlen(sql) > DB_WHAT_MAX ? "..." : "");
}

enum claw_err
claw_db_stmt(struct claw_db *db, const char *sql, sqlite3_stmt **out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	char what[DB_WHAT_MAX + 16];

	*out = NULL;
	for (size_t i = 0; i < db->ncache; i++) {
		if (strcmp(db->cache[i].sql, sql) == 0) {
			st = db->cache[i].st;
			(void)sqlite3_reset(st);
			(void)sqlite3_clear_bindings(st);
			*out = st;
			return CLAW_OK;
		}
	}
	if (sqlite3_prepare_v3(db->sq, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail) !=
	    SQLITE_OK) {
		(void)snprintf(what, sizeof what, "prepare ");
		sql_what(sql, what + strlen(what), sizeof what - strlen(what));
		return claw_db_fail(db, what, err);
	}
	if (st == NULL || (tail != NULL && *tail != '\0')) {
		/* Empty SQL or several statements: a bug in the caller. */
		sqlite3_finalize(st);
		return claw_error_set(err, CLAW_EINTERNAL,
				      "claw_db_prepare wants exactly one statement: %.60s", sql);
	}
	if (db->ncache == db->acache) {
		db->acache = db->acache != 0 ? db->acache * 2 : 16;
		db->cache = claw_xrealloc(db->cache, db->acache * sizeof db->cache[0]);
	}
	db->cache[db->ncache].sql = claw_xstrdup(sql);
	db->cache[db->ncache].st = st;
	db->ncache++;
	*out = st;
	return CLAW_OK;
}

sqlite3_stmt *
claw_db_prepare(struct claw_db *db, const char *sql, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;

	(void)claw_db_stmt(db, sql, &st, err);
	return st;
}

void
claw_db_finish(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

enum claw_err
claw_db_exec(struct claw_db *db, const char *sql, struct claw_error *err)
{
	char what[DB_WHAT_MAX + 16];

	if (sqlite3_exec(db->sq, sql, NULL, NULL, NULL) == SQLITE_OK)
		return CLAW_OK;
	sql_what(sql, what, sizeof what);
	return claw_db_fail(db, what, err);
}

enum claw_err
claw_db_begin(struct claw_db *db, struct claw_error *err)
{
	if (sqlite3_exec(db->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		return CLAW_OK;
	return claw_db_fail(db, "begin a write transaction", err);
}

enum claw_err
claw_db_commit(struct claw_db *db, struct claw_error *err)
{
	if (sqlite3_exec(db->sq, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return CLAW_OK;
	return claw_db_fail(db, "commit", err);
}

void
claw_db_rollback(struct claw_db *db)
{
	if (db == NULL || sqlite3_get_autocommit(db->sq))
		return;
	if (sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		claw_log_warn("rollback in %s: %s", db->path, sqlite3_errmsg(db->sq));
}

bool
claw_db_in_transaction(struct claw_db *db)
{
	return !sqlite3_get_autocommit(db->sq);
}

int
claw_db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

char *
claw_db_column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (t == NULL)
		return claw_xstrdup("");
	return claw_xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, col));
}

/* One integer from a one-row query (NULL → 0).  Reports failures through
 * claw_db_fail with what. */
static enum claw_err
query_int(struct claw_db *db, const char *sql, const char *what, int64_t *out,
	  struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	*out = 0;
	rc = claw_db_stmt(db, sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
	} else if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, what, err);
		goto out;
	}
out:
	claw_db_finish(st);
	return rc;
}

/* Reads the schema version; 0 for a database without claw's tables.  A file
 * that is not SQLite at all fails with "<path> is not a claw database". */
static enum claw_err
read_version(struct claw_db *db, int64_t *out, struct claw_error *err)
{
	enum claw_err rc;
	int64_t has = 0;

	*out = 0;
	rc = query_int(db,
		       "SELECT count(*) FROM sqlite_master"
		       " WHERE type = 'table' AND name = 'schema_version'",
		       "read the schema", &has, err);
	if (rc != CLAW_OK) {
		if ((sqlite3_errcode(db->sq) & 0xff) == SQLITE_NOTADB)
			rc = claw_error_set(err, CLAW_EINVAL, "%s is not a claw database",
					    db->path);
		goto out;
	}
	if (has == 0)
		goto out;
	rc = query_int(db, "SELECT max(version) FROM schema_version", "read the schema version",
		       out, err);
	if (rc != CLAW_OK)
		goto out;
	if (*out <= 0) {
		rc = claw_error_set(err, CLAW_EINVAL, "%s is not a claw database", db->path);
		goto out;
	}
out:
	return rc;
}

static enum claw_err
check_newer(struct claw_db *db, int64_t version, struct claw_error *err)
{
	if (version <= CLAW_DB_SCHEMA_VERSION)
		return CLAW_OK;
	return claw_error_set(err, CLAW_EVERSION,
			      "%s was written by a newer claw (schema %lld, this claw knows %d): "
			      "upgrade claw",
			      db->path, (long long)version, CLAW_DB_SCHEMA_VERSION);
}

/* Applies the missing migration steps in one write transaction. */
static enum claw_err
migrate(struct claw_db *db, struct claw_error *err)
{
	enum claw_err rc;
	int64_t version = 0;
	sqlite3_stmt *st = NULL;

	rc = claw_db_begin(db, err);
	if (rc != CLAW_OK)
		goto out;
	/* Another process may have migrated while we waited for the lock. */
	rc = read_version(db, &version, err);
	if (rc != CLAW_OK)
		goto out;
	rc = check_newer(db, version, err);
	if (rc != CLAW_OK)
		goto out;
	if (version == CLAW_DB_SCHEMA_VERSION)
		goto out;
	for (int64_t v = version; v < CLAW_DB_SCHEMA_VERSION; v++) {
		if (sqlite3_exec(db->sq, migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
			char what[64];
			(void)snprintf(what, sizeof what, "migrate to schema %lld",
				       (long long)v + 1);
			rc = claw_db_fail(db, what, err);
			goto out;
		}
	}
	rc = claw_db_exec(db, "DELETE FROM schema_version", err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_stmt(db, "INSERT INTO schema_version (version) VALUES (?)", &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int(st, 1, CLAW_DB_SCHEMA_VERSION);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = claw_db_fail(db, "record the schema version", err);
		goto out;
	}
	claw_db_finish(st);
	st = NULL;
	rc = claw_db_commit(db, err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	if (rc != CLAW_OK)
		claw_db_rollback(db);
	else if (claw_db_in_transaction(db))
		rc = claw_db_commit(db, err); /* nothing to do: end the read */
	return rc;
}

/* Sets the connection pragmas; WAL is persistent in the file. */
static enum claw_err
set_pragmas(struct claw_db *db, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	rc = claw_db_exec(db, "PRAGMA foreign_keys = ON", err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_exec(db, "PRAGMA synchronous = NORMAL", err);
	if (rc != CLAW_OK)
		goto out;
	/* journal_mode answers with the mode in force; anything but "wal"
	 * (a filesystem without shared memory) is a failure. */
	if (sqlite3_prepare_v2(db->sq, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = claw_db_fail(db, "set WAL mode", err);
		goto out;
	}
	const char *mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		rc = claw_error_set(err, CLAW_EIO, "%s: cannot use WAL mode (journal mode %s)",
				    db->path, mode != NULL ? mode : "unknown");
		goto out;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

void
claw_db_unlink(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char *p = claw_xasprintf("%s%s", path, suffixes[i]);
		if (unlink(p) != 0 && errno != ENOENT) {
			char eb[128];
			claw_log_warn("cannot remove %s: %s", p,
				      claw_errno_text(errno, eb, sizeof eb));
		}
		free(p);
	}
}

/* Creates an empty file at path without clobbering anything. */
static enum claw_err
create_exclusive(const char *path, struct claw_error *err)
{
	char eb[128];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return claw_error_set(err, CLAW_EEXIST, "%s already exists", path);
		return claw_error_set(err, CLAW_EIO, "cannot create %s: %s", path,
				      claw_errno_text(errno, eb, sizeof eb));
	}
	(void)close(fd);
	return CLAW_OK;
}

/* The file of an OPEN must exist and be a regular file. */
static enum claw_err
check_existing(const char *path, struct claw_error *err)
{
	char eb[128];
	struct stat sb;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return claw_error_set(err, CLAW_ENOTFOUND, "%s: no such file", path);
		return claw_error_set(err, CLAW_EIO, "cannot open %s: %s", path,
				      claw_errno_text(errno, eb, sizeof eb));
	}
	if (!S_ISREG(sb.st_mode))
		return claw_error_set(err, CLAW_EINVAL, "%s is not a claw database", path);
	return CLAW_OK;
}

static enum claw_err
db_connect(const char *path, struct claw_db **out, struct claw_error *err)
{
	struct claw_db *db = CLAW_NEW(struct claw_db);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;

	db->path = claw_xstrdup(path);
	if (sqlite3_open_v2(path, &db->sq, flags, NULL) != SQLITE_OK) {
		/* rc is set here, not taken from claw_error_set, so the analyzer
		 * sees that *out stays unset only on failure. */
		enum claw_err rc = db->sq == NULL ? CLAW_ENOMEM : CLAW_EIO;
		if (db->sq == NULL)
			claw_error_set(err, rc, "open %s: out of memory", path);
		else
			claw_error_set(err, rc, "cannot open %s: %s", path, sqlite3_errmsg(db->sq));
		claw_db_close(db);
		return rc;
	}
	(void)sqlite3_extended_result_codes(db->sq, 1);
	claw_db_set_busy_timeout(db, CLAW_DB_BUSY_TIMEOUT_MS);
	db->checkpoint_mode = SQLITE_CHECKPOINT_PASSIVE;
	db->gate = gate_take(path);
	(void)sqlite3_busy_handler(db->sq, on_busy, db);
	(void)sqlite3_wal_hook(db->sq, on_commit, db);
	*out = db;
	return CLAW_OK;
}

enum claw_err
claw_db_open(const char *path, enum claw_db_mode mode, struct claw_db **out, struct claw_error *err)
{
	enum claw_err rc;
	struct claw_db *db = NULL;
	bool created = false;
	int64_t version = 0;

	*out = NULL;
	if (mode == CLAW_DB_CREATE) {
		rc = create_exclusive(path, err);
		if (rc != CLAW_OK)
			goto out;
		created = true;
	} else {
		rc = check_existing(path, err);
		if (rc != CLAW_OK)
			goto out;
	}
	rc = db_connect(path, &db, err);
	if (rc != CLAW_OK)
		goto out;
	/* Read-only checks first: a foreign or newer file is never written. */
	rc = read_version(db, &version, err);
	if (rc != CLAW_OK)
		goto out;
	if (version == 0 && !created) {
		rc = claw_error_set(err, CLAW_EINVAL, "%s is not a claw database", path);
		goto out;
	}
	rc = check_newer(db, version, err);
	if (rc != CLAW_OK)
		goto out;
	rc = set_pragmas(db, err);
	if (rc != CLAW_OK)
		goto out;
	if (version < CLAW_DB_SCHEMA_VERSION) {
		rc = migrate(db, err);
		if (rc != CLAW_OK)
			goto out;
	}
	*out = db;
	db = NULL;
out:
	claw_db_close(db);
	if (rc != CLAW_OK && created)
		claw_db_unlink(path);
	return rc;
}

void
claw_db_close(struct claw_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->ncache; i++) {
		sqlite3_finalize(db->cache[i].st);
		free(db->cache[i].sql);
	}
	free(db->cache);
	if (db->sq != NULL) { /* db goes: a connection left open must not call back */
		(void)sqlite3_wal_hook(db->sq, NULL, NULL);
		(void)sqlite3_busy_handler(db->sq, NULL, NULL);
	}
	if (db->sq != NULL && sqlite3_close(db->sq) != SQLITE_OK) {
		claw_log_warn("close %s: %s", db->path, sqlite3_errmsg(db->sq));
		(void)sqlite3_close_v2(db->sq);
	}
	gate_drop(db->gate);
	free(db->path);
	free(db);
}

enum claw_err
claw_db_schema_version(struct claw_db *db, int64_t *out, struct claw_error *err)
{
	return query_int(db, "SELECT max(version) FROM schema_version", "read the schema version",
			 out, err);
}
