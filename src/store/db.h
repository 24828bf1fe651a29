/*
 * db — one project's SQLite file: open, pragmas, schema migrations.
 *
 * Every project keeps all of claw's state in $CLAW_HOME/projects/<key>.db
 * (SPEC.md section 8).  Opening applies WAL, synchronous=NORMAL,
 * foreign_keys=ON and a busy timeout, then migrates the schema forward to
 * CLAW_DB_SCHEMA_VERSION inside one transaction.  A file whose schema_version
 * is newer than this claw is refused (CLAW_EVERSION) without being touched; a
 * file that is not a SQLite database, or a SQLite database without claw's
 * tables, is refused as "not a claw database" (CLAW_EINVAL).
 *
 * The other store modules (projects, issues, runs, solvers, state) and the
 * trace sink take a struct claw_db and run their own prepared statements on
 * claw_db_sqlite(); SQLite result codes are converted to claw_err once, by
 * claw_db_fail().
 *
 * Threads: a struct claw_db is one SQLite connection and belongs to one thread
 * at a time (SQLite is built serialized, but claw never shares a connection
 * without its own lock; the trace store sink documents its mutex).  Open one
 * connection per thread that needs the db.
 */
#ifndef CLAW_STORE_DB_H
#define CLAW_STORE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define CLAW_DB_SCHEMA_VERSION 1
#define CLAW_DB_BUSY_TIMEOUT_MS 5000

struct claw_db;

enum claw_db_mode {
	CLAW_DB_OPEN,   /* the file must exist and be a claw db */
	CLAW_DB_CREATE, /* create it (fails with CLAW_EEXIST if it exists) */
};

/* Opens (or creates) the db at path and migrates it.  On success *out is a
 * new connection; close with claw_db_close().  Errors name the path. */
enum claw_err claw_db_open(const char *path, enum claw_db_mode mode, struct claw_db **out,
			   struct claw_error *err);
/* Closes the connection (finalizes cached statements).  NULL is a no-op. */
void claw_db_close(struct claw_db *db);

/* The underlying connection, borrowed for the life of db. */
sqlite3 *claw_db_sqlite(struct claw_db *db);
/* The file path this db was opened from, borrowed. */
const char *claw_db_path(const struct claw_db *db);

/* Prepares sql (cached per connection: calling again returns the same,
 * reset, statement with bindings cleared).  The statement is owned by db:
 * do not finalize it.  Returns NULL and fills err on failure. */
sqlite3_stmt *claw_db_prepare(struct claw_db *db, const char *sql, struct claw_error *err);

/* Runs one or more statements without results (BEGIN, COMMIT, DDL). */
enum claw_err claw_db_exec(struct claw_db *db, const char *sql, struct claw_error *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  rollback never fails (logs instead). */
enum claw_err claw_db_begin(struct claw_db *db, struct claw_error *err);
enum claw_err claw_db_commit(struct claw_db *db, struct claw_error *err);
void claw_db_rollback(struct claw_db *db);

/* Converts the connection's last SQLite error into err with context:
 * "<what>: <sqlite message>" (SQLITE_BUSY → CLAW_EDB "database is busy").
 * Returns the claw code. */
enum claw_err claw_db_fail(struct claw_db *db, const char *what, struct claw_error *err);

/* Binds a possibly-NULL C string (NULL → SQL NULL).  Transient copy. */
int claw_db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* A fresh copy of a text column (NULL → ""); caller frees. */
char *claw_db_column_dup(sqlite3_stmt *st, int col);

/* The schema version stored in the file (for tests and `claw doctor`). */
enum claw_err claw_db_schema_version(struct claw_db *db, int64_t *out, struct claw_error *err);

#endif
