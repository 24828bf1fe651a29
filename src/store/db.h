/*
 * db — one project's SQLite file: open, pragmas, schema migrations.
 *
 * Every project keeps all of claw's state in $CLAW_HOME/projects/<key>.db
 * (SPEC.md section 8).  Opening applies WAL, synchronous=NORMAL,
 * foreign_keys=ON and a busy timeout, then migrates the schema forward to
 * CLAW_DB_SCHEMA_VERSION inside one transaction.  A file whose schema_version
 * is newer than this claw is refused (CLAW_EVERSION) without being touched; a
 * file that is not a SQLite database, or a SQLite database without claw's
 * tables, is refused as "<path> is not a claw database" (CLAW_EINVAL).
 *
 * The other store modules (projects, issues, runs, solvers, state) and the
 * trace sink take a struct claw_db and run their own prepared statements on
 * claw_db_sqlite(); SQLite result codes are converted to claw_err once, by
 * claw_db_fail().
 *
 * Waiting for a lock: the connections of one file in this process share a
 * gate that each commit rings (SQLite's WAL hook), and a connection waiting
 * for the write lock blocks on it instead of sleeping in SQLite's steps, so
 * it goes on the moment the holder commits (another process's commit is
 * seen by looking again every few ms), until its busy timeout.  The WAL is
 * checkpointed at 1000 pages, as SQLite's own hook does.
 *
 * Threads: a struct claw_db is one SQLite connection and belongs to one thread
 * at a time.  The connection is opened SQLITE_OPEN_FULLMUTEX, so a stray
 * cross-thread call is serialized by SQLite rather than undefined, but claw
 * never shares a connection without its own lock (the statement cache below
 * is not locked; the trace store sink documents its mutex).  Open one
 * connection per thread that needs the db.
 */
#ifndef CLAW_STORE_DB_H
#define CLAW_STORE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define CLAW_DB_SCHEMA_VERSION 8
#define CLAW_DB_BUSY_TIMEOUT_MS 5000
/* WAL pages that start a checkpoint (SQLite's own mark), and how long the
 * file's checkpointer waits for readers to leave them. */
#define CLAW_DB_WAL_CHECKPOINT_PAGES 1000
#define CLAW_DB_CHECKPOINT_WAIT_MS 100

struct claw_db;

enum claw_db_mode {
	CLAW_DB_OPEN,   /* the file must exist and be a claw db */
	CLAW_DB_CREATE, /* create it, mode 0600 (CLAW_EEXIST if it exists) */
};

/* Opens (or creates) the db at path and migrates it.  On success *out is a
 * new connection; close with claw_db_close().  Errors name the path:
 * CLAW_ENOTFOUND (OPEN, no such file), CLAW_EEXIST (CREATE, file exists),
 * CLAW_EINVAL ("<path> is not a claw database"), CLAW_EVERSION ("<path> was
 * written by a newer claw (schema N, this claw knows M): upgrade claw").
 * CREATE never clobbers: the file is made with O_EXCL, and removed again
 * (with its -wal/-shm) when opening it fails. */
enum claw_err claw_db_open(const char *path, enum claw_db_mode mode, struct claw_db **out,
			   struct claw_error *err);
/* Closes the connection (finalizes cached statements).  NULL is a no-op. */
void claw_db_close(struct claw_db *db);

/* Removes a db file and its -wal, -shm and -journal companions, ignoring
 * those that do not exist.  The db must not be open. */
void claw_db_unlink(const char *path);

/* The underlying connection, borrowed for the life of db. */
sqlite3 *claw_db_sqlite(struct claw_db *db);

/* The file path this db was opened from, borrowed. */
const char *claw_db_path(const struct claw_db *db);

/* Replaces the busy timeout (default CLAW_DB_BUSY_TIMEOUT_MS): how long a
 * statement waits for another connection's lock before failing with
 * "database is busy".  ms <= 0 fails at once. */
void claw_db_set_busy_timeout(struct claw_db *db, int ms);

/* Makes db the file's checkpointer: once the WAL holds
 * CLAW_DB_WAL_CHECKPOINT_PAGES pages, a commit of db copies them into the
 * db file (RESTART: other writers wait meanwhile) and waits up to
 * CLAW_DB_CHECKPOINT_WAIT_MS for readers to leave them, so the next write
 * starts the WAL over; readers still there after that are left alone and a
 * later commit tries again.  Other connections' checkpoints are PASSIVE and
 * never wait: with two writers taking turns, such a checkpoint always met
 * the other's new pages, the WAL never started over, and every commit past
 * the mark paid a checkpoint (two fdatasyncs).  For the connection of a
 * thread that writes often and that no one waits on for long: the trace
 * writer's. */
void claw_db_set_checkpointer(struct claw_db *db);

/* Prepares sql (cached per connection: calling again returns the same,
 * reset, statement with bindings cleared).  The statement is owned by db:
 * do not finalize it.  Because the statement is shared, do not prepare the
 * same sql again while still stepping it.  Call claw_db_finish() when done
 * with it.  Returns NULL and fills err on failure. */
sqlite3_stmt *claw_db_prepare(struct claw_db *db, const char *sql, struct claw_error *err);
/* The same, in the `rc = f(); if (rc != CLAW_OK) goto out;` shape: *out is
 * the cached statement, or NULL with err filled. */
enum claw_err claw_db_stmt(struct claw_db *db, const char *sql, sqlite3_stmt **out,
			   struct claw_error *err);

/* Resets st and clears its bindings, so it releases its read snapshot and
 * any borrowed (SQLITE_STATIC) text.  NULL is a no-op. */
void claw_db_finish(sqlite3_stmt *st);

/* Runs one or more statements without results (BEGIN, COMMIT, DDL). */
enum claw_err claw_db_exec(struct claw_db *db, const char *sql, struct claw_error *err);

/* BEGIN IMMEDIATE (takes the write lock now, waiting up to the busy timeout)
 * / COMMIT / ROLLBACK.  Not nestable.  A failed commit leaves the
 * transaction open: roll back.  rollback never fails (logs instead) and is a
 * no-op outside a transaction. */
enum claw_err claw_db_begin(struct claw_db *db, struct claw_error *err);
enum claw_err claw_db_commit(struct claw_db *db, struct claw_error *err);
void claw_db_rollback(struct claw_db *db);
/* True while a transaction is open on this connection. */
bool claw_db_in_transaction(struct claw_db *db);

/* Converts the connection's last SQLite error into err with context:
 * "<what> in <path>: <sqlite message>".  Codes: SQLITE_BUSY/LOCKED →
 * CLAW_EDB "database is busy ..."; CONSTRAINT → CLAW_ECONFLICT; IOERR, FULL,
 * CANTOPEN, READONLY, PERM → CLAW_EIO; NOTADB → CLAW_EINVAL; TOOBIG →
 * CLAW_ETOOBIG; NOMEM → CLAW_ENOMEM; anything else CLAW_EDB.  Returns the
 * claw code. */
enum claw_err claw_db_fail(struct claw_db *db, const char *what, struct claw_error *err);

/* Binds a possibly-NULL C string (NULL → SQL NULL).  Transient copy. */
int claw_db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* A fresh copy of a text column (NULL → ""); caller frees. */
char *claw_db_column_dup(sqlite3_stmt *st, int col);

/* The schema version stored in the file (for tests and `claw doctor`). */
enum claw_err claw_db_schema_version(struct claw_db *db, int64_t *out, struct claw_error *err);

#endif
