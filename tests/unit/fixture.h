/*
 * fixture — what the unit tests that need a project db of their own set up
 * the same way: a path inside the test's temporary directory (tap_tmpdir)
 * and a fresh, migrated db there.  A fixture that cannot be made is not a
 * test failure: it prints "Bail out!" and exits 1, TAP's way of saying the
 * run proves nothing.
 *
 * Threads: call from the test's main thread.
 */
#ifndef CLAW_TESTS_FIXTURE_H
#define CLAW_TESTS_FIXTURE_H

#include "store/db.h"

/* "<tap_tmpdir()>/<name>"; caller frees. */
char *fixture_path(const char *name);

/* A new db at fixture_path(name) (CLAW_DB_CREATE: no such file yet); caller
 * closes it with claw_db_close(). */
struct claw_db *fixture_db(const char *name);

#endif
