/*
 * test_dbcache — one thread's project db connections: opened once and
 * kept, keys checked before any path is built, at most max kept (the least
 * recently used closed), a dropped one opened afresh.
 */
#include "server/dbcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "store/projects.h"
#include "tap.h"

/* A project registered under home from folder name; its key in key. */
static void
project(const char *home, const char *name, char *key, size_t size)
{
	struct claw_project p = {0};
	struct claw_error err = {0};
	char *dir = claw_xasprintf("%s/%s", tap_tmpdir(), name);
	if (mkdir(dir, 0700) != 0 || claw_project_register(home, dir, NULL, &p, &err) != CLAW_OK)
		printf("Bail out! %s\n", claw_error_text(&err));
	(void)snprintf(key, size, "%s", p.key);
	claw_project_free(&p);
	free(dir);
}

static bool
works(struct claw_db *db)
{
	int64_t v = 0;
	return db != NULL && claw_db_schema_version(db, &v, NULL) == CLAW_OK && v > 0;
}

int
main(void)
{
	char *home = claw_xasprintf("%s/home", tap_tmpdir());
	char a[CLAW_PROJECT_KEY_SIZE], b[CLAW_PROJECT_KEY_SIZE], c[CLAW_PROJECT_KEY_SIZE];
	struct claw_error err = {0};
	struct claw_db *db1 = NULL, *db2 = NULL;

	project(home, "a", a, sizeof a);
	project(home, "b", b, sizeof b);
	project(home, "c", c, sizeof c);
	struct claw_dbcache *dc = claw_dbcache_new(home, 2);

	is_int(claw_dbcache_get(dc, a, &db1, &err), CLAW_OK, "open a: %s", err.msg);
	is_int(claw_dbcache_get(dc, a, &db2, &err), CLAW_OK, "a again");
	ok(db1 == db2 && works(db1), "the same connection, kept");

	is_int(claw_dbcache_get(dc, "../etc", &db1, &err), CLAW_ENOTFOUND, "a bad key");
	has_str(err.msg, "unknown project", "is an unknown project");
	is_int(claw_dbcache_get(dc, "nosuch", &db1, &err), CLAW_ENOTFOUND, "a key without a db");

	/* Three projects through a cache of two: each still answers. */
	for (int round = 0; round < 3; round++) {
		const char *keys[] = {a, b, c};
		for (int k = 0; k < 3; k++) {
			db1 = NULL;
			(void)claw_dbcache_get(dc, keys[k], &db1, &err);
			ok(works(db1), "round %d: %s answers with at most two open", round,
			   keys[k]);
		}
	}

	(void)claw_dbcache_get(dc, b, &db1, &err);
	claw_dbcache_drop(dc, b);
	claw_dbcache_drop(dc, "not-open"); /* nothing to do */
	db2 = NULL;
	is_int(claw_dbcache_get(dc, b, &db2, &err), CLAW_OK, "a dropped one opens again");
	ok(works(db2), "and answers");

	claw_dbcache_free(dc);
	claw_dbcache_free(NULL);
	free(home);
	return tap_done();
}
