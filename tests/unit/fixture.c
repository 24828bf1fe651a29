/*
 * fixture — shared setup of the unit tests.  See fixture.h.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/mem.h"
#include "tap.h"

char *
fixture_path(const char *name)
{
	return claw_xasprintf("%s/%s", tap_tmpdir(), name);
}

struct claw_db *
fixture_db(const char *name)
{
	char *path = fixture_path(name);
	struct claw_db *db = NULL;
	struct claw_error e;

	if (claw_db_open(path, CLAW_DB_CREATE, &db, &e) != CLAW_OK) {
		printf("Bail out! cannot create %s: %s\n", path, claw_error_text(&e));
		exit(1);
	}
	free(path);
	return db;
}
