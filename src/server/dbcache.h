/*
 * dbcache — one thread's open connections to project dbs, by key.
 *
 * Every request worker, the hub's replay threads and the board announcer read
 * project dbs all the time; opening one costs a file open, the pragmas and
 * a schema check, so each of them keeps its connections here, at most max
 * of them (the least recently used is closed past that).  Keys from URLs are
 * validated (claw_project_key_valid) before any path is built.
 *
 * Threads: a cache and its connections belong to the thread that made it.
 */
#ifndef CLAW_SERVER_DBCACHE_H
#define CLAW_SERVER_DBCACHE_H

#include <stddef.h>

#include "base/err.h"
#include "store/db.h"

#define CLAW_DBCACHE_DEFAULT 32 /* connections per thread */

struct claw_dbcache;

/* A cache of at most max connections to dbs under home (copied).  Free
 * with claw_dbcache_free (closes them). */
struct claw_dbcache *claw_dbcache_new(const char *home, size_t max);
void claw_dbcache_free(struct claw_dbcache *c);

/* The connection to project key's db, opened on first use.  *out is
 * borrowed: valid until the next claw_dbcache call on c.  CLAW_ENOTFOUND
 * "unknown project KEY" (invalid key or no db); other open errors as
 * claw_db_open gives them. */
enum claw_err claw_dbcache_get(struct claw_dbcache *c, const char *key, struct claw_db **out,
			       struct claw_error *err);

/* Closes key's connection if open (after an error that may have left it in
 * a bad state). */
void claw_dbcache_drop(struct claw_dbcache *c, const char *key);

#endif
