/*
 * test_issues — creating, validating, listing and updating issues, and a
 * write that meets a busy database.
 */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/issues.h"
#include "store/runs.h"
#include "fixture.h"
#include "tap.h"

/* Creates an issue and returns the error message ("" on success). */
static const char *
create_msg(struct claw_db *db, const char *title, const char *desc, struct claw_error *e)
{
	int64_t id = 0;
	claw_error_clear(e);
	(void)claw_issue_create(db, title, desc, &id, e);
	return e->msg;
}

static void
test_status_names(void)
{
	enum claw_issue_status s;

	for (int i = 0; i < CLAW_ISSUE_STATUS_COUNT; i++) {
		const char *name = claw_issue_status_name((enum claw_issue_status)i);
		ok(claw_issue_status_parse(name, &s) == CLAW_OK && (int)s == i,
		   "status %s round-trips", name);
	}
	is_str(claw_issue_status_name(CLAW_ISSUE_INPROGRESS), "inprogress", "inprogress name");
	is_str(claw_issue_status_name(CLAW_ISSUE_STATUS_COUNT), "unknown", "out of range");
	is_int(claw_issue_status_parse("in progress", &s), CLAW_EINVAL, "unknown name");
	is_int(claw_issue_status_parse(NULL, &s), CLAW_EINVAL, "NULL name");
}

static void
test_validation(void)
{
	struct claw_db *db = fixture_db("valid.db");
	struct claw_error e;
	char title[400];
	size_t n;

	is_str(create_msg(db, NULL, NULL, &e), "title is empty", "NULL title");
	is_int(e.code, CLAW_EINVAL, "is invalid input");
	is_str(create_msg(db, "  \t\n ", NULL, &e), "title is empty", "blank title");
	memset(title, 'x', 301);
	title[301] = '\0';
	is_str(create_msg(db, title, NULL, &e), "title is longer than 300 bytes", "301 bytes");
	title[300] = '\0';
	is_str(create_msg(db, title, NULL, &e), "", "300 bytes are fine");
	memset(title, ' ', 3);
	memset(title + 3, 'y', 300);
	memcpy(title + 303, "   ", 4);
	is_str(create_msg(db, title, NULL, &e), "", "300 bytes plus spaces around are fine");
	is_str(create_msg(db, "bad \xff byte", NULL, &e), "title is not valid UTF-8", "bad UTF-8");
	is_str(create_msg(db, "overlong \xc0\xaf", NULL, &e), "title is not valid UTF-8",
	       "overlong UTF-8");
	is_str(create_msg(db, "tab\tinside", NULL, &e), "title contains a control character",
	       "a tab inside");
	is_str(create_msg(db, "two\nlines", NULL, &e), "title contains a control character",
	       "a newline inside");
	is_str(create_msg(db, "del\x7f", NULL, &e), "title contains a control character", "DEL");
	is_str(create_msg(db, "c1 \xc2\x85 nel", NULL, &e), "title contains a control character",
	       "a C1 control (NEL)");
	is_str(create_msg(db, "Fix the caf\xc3\xa9 \xe2\x9c\x93 page", NULL, &e), "",
	       "unicode titles are fine");

	char *desc = claw_xmalloc(CLAW_ISSUE_DESC_MAX + 2);
	memset(desc, 'd', CLAW_ISSUE_DESC_MAX + 1);
	desc[CLAW_ISSUE_DESC_MAX + 1] = '\0';
	is_str(create_msg(db, "ok", desc, &e), "description is longer than 65536 bytes",
	       "description over the cap");
	desc[CLAW_ISSUE_DESC_MAX] = '\0';
	is_str(create_msg(db, "ok", desc, &e), "", "description at the cap");
	free(desc);
	is_str(create_msg(db, "ok", "bad \xc3\x28", &e), "description is not valid UTF-8",
	       "description not UTF-8");
	is_str(create_msg(db, "ok", "# Heading\n\n\tcode\n- item\n", &e), "",
	       "Markdown with newlines and tabs is fine");

	claw_error_clear(&e);
	is_int(claw_issue_validate("fine", NULL, &e), CLAW_OK, "validate alone");
	is_int(claw_issue_validate("", NULL, &e), CLAW_EINVAL, "validate refuses");
	is_int(claw_issue_validate("", NULL, NULL), CLAW_EINVAL, "with no error struct");

	size_t count = 0;
	struct claw_issue *list = NULL;
	is_int(claw_issue_list(db, &list, &count, &e), CLAW_OK, "list");
	n = count;
	is_int(n, 5, "only the valid issues were stored");
	claw_issue_list_free(list, count);
	claw_db_close(db);
}

static void
test_crud(void)
{
	struct claw_db *db = fixture_db("crud.db");
	struct claw_error e;
	struct claw_issue is;
	struct claw_issue *list = NULL;
	size_t n = 7;
	int64_t id = 0;
	int64_t before = claw_clock_now_ms();

	claw_error_clear(&e);
	is_int(claw_issue_list(db, &list, &n, &e), CLAW_OK, "list of none");
	is_int(n, 0, "zero issues");
	ok(list == NULL, "no array");

	is_int(claw_issue_create(db, "  Add a --version flag  ", NULL, &id, &e), CLAW_OK, "create");
	is_int(id, 1, "first id is 1");
	is_int(claw_issue_get(db, id, &is, &e), CLAW_OK, "get");
	is_int(is.id, 1, "id");
	is_str(is.title, "Add a --version flag", "the title is stored trimmed");
	is_str(is.description, "", "no description is empty");
	is_int(is.status, CLAW_ISSUE_OPEN, "a new issue is open");
	ok(is.created_at >= before, "created_at is now");
	is_int(is.updated_at, is.created_at, "updated_at starts at created_at");
	claw_issue_free(&is);
	claw_issue_free(NULL);

	is_int(claw_issue_create(db, "Second", "details *here*", &id, &e), CLAW_OK, "create 2");
	is_int(id, 2, "second id");
	is_int(claw_issue_create(db, "Third", NULL, NULL, &e), CLAW_OK, "id_out may be NULL");

	is_int(claw_issue_get(db, 12, &is, &e), CLAW_ENOTFOUND, "get unknown");
	is_str(e.msg, "issue #12 not found", "issue #12 not found");
	is_int(claw_issue_exists(db, 2, &e), CLAW_OK, "exists");
	is_int(claw_issue_exists(db, 12, &e), CLAW_ENOTFOUND, "does not exist");
	is_str(e.msg, "issue #12 not found", "same message");

	claw_clock_sleep_ms(3);
	is_int(claw_issue_set_status(db, 2, CLAW_ISSUE_INPROGRESS, &e), CLAW_OK, "set status");
	is_int(claw_issue_get(db, 2, &is, &e), CLAW_OK, "get 2");
	is_int(is.status, CLAW_ISSUE_INPROGRESS, "status changed");
	is_str(is.description, "details *here*", "description kept");
	ok(is.updated_at > is.created_at, "updated_at moved");
	claw_issue_free(&is);
	is_int(claw_issue_set_status(db, 99, CLAW_ISSUE_DONE, &e), CLAW_ENOTFOUND,
	       "set status of an unknown issue");
	is_str(e.msg, "issue #99 not found", "says which");
	is_int(claw_issue_set_status(db, 2, CLAW_ISSUE_STATUS_COUNT, &e), CLAW_EINVAL,
	       "an invalid status");

	is_int(claw_issue_set_status(db, 3, CLAW_ISSUE_DONE, &e), CLAW_OK, "3 done");
	is_int(claw_issue_list(db, &list, &n, &e), CLAW_OK, "list");
	is_int(n, 3, "three issues");
	if (n == 3) {
		ok(list[0].id == 1 && list[1].id == 2 && list[2].id == 3, "by id ascending");
		is_str(list[1].title, "Second", "with their rows");
		is_int(list[2].status, CLAW_ISSUE_DONE, "and statuses");
	}
	claw_issue_list_free(list, n);

	int64_t counts[CLAW_ISSUE_STATUS_COUNT];
	is_int(claw_issue_count_by_status(db, counts, &e), CLAW_OK, "count by status");
	is_int(counts[CLAW_ISSUE_OPEN], 1, "one open");
	is_int(counts[CLAW_ISSUE_INPROGRESS], 1, "one in progress");
	is_int(counts[CLAW_ISSUE_DONE], 1, "one done");
	is_int(counts[CLAW_ISSUE_CLOSED], 0, "none closed");

	/* A row written by hand with a status this claw does not know. */
	is_int(claw_db_exec(db, "UPDATE issues SET status = 'archived' WHERE id = 1", &e), CLAW_OK,
	       "corrupt a status");
	is_int(claw_issue_get(db, 1, &is, &e), CLAW_EDB, "an unknown status is a db error");
	has_str(e.msg, "issue #1 has an unknown status \"archived\"", "naming it");
	claw_issue_free(&is);
	is_int(claw_issue_list(db, &list, &n, &e), CLAW_EDB, "list fails the same way");
	is_int(n, 0, "and returns nothing");
	is_int(claw_issue_count_by_status(db, counts, &e), CLAW_OK, "counting skips it");
	is_int(counts[CLAW_ISSUE_OPEN], 0, "not counted as open");
	claw_db_close(db);
}

/* A run that ends without a result leaves the issue open, or done when an
 * earlier run's fix stands. */
static void
test_reopen(void)
{
	struct claw_db *db = fixture_db("reopen.db");
	struct claw_error e;
	struct claw_issue is;
	int64_t run = 0;

	claw_error_clear(&e);
	is_int(claw_issue_create(db, "Fix it", NULL, NULL, &e), CLAW_OK, "create");
	is_int(claw_run_insert(db, 1, CLAW_RUN_RUNNING, "ann", &run, &e), CLAW_OK, "run 1");
	is_int(claw_run_set_status(db, run, CLAW_RUN_FAILED, "boom", &e), CLAW_OK, "run 1 failed");
	is_int(claw_issue_set_status(db, 1, CLAW_ISSUE_INPROGRESS, &e), CLAW_OK, "in progress");
	is_int(claw_issue_reopen(db, 1, &e), CLAW_OK, "reopen");
	is_int(claw_issue_get(db, 1, &is, &e), CLAW_OK, "get");
	is_int(is.status, CLAW_ISSUE_OPEN, "no run is done: open");
	claw_issue_free(&is);

	is_int(claw_run_insert(db, 1, CLAW_RUN_RUNNING, "ann", &run, &e), CLAW_OK, "run 2");
	is_int(claw_run_set_status(db, run, CLAW_RUN_DONE, NULL, &e), CLAW_OK, "run 2 done");
	is_int(claw_run_insert(db, 1, CLAW_RUN_RUNNING, "ann", &run, &e), CLAW_OK, "run 3");
	is_int(claw_run_set_status(db, run, CLAW_RUN_FAILED, "stopped by ann", &e), CLAW_OK,
	       "run 3 stopped");
	is_int(claw_issue_reopen(db, 1, &e), CLAW_OK, "reopen after a re-run");
	is_int(claw_issue_get(db, 1, &is, &e), CLAW_OK, "get");
	is_int(is.status, CLAW_ISSUE_DONE, "run 2's fix stands: done");
	claw_issue_free(&is);
	is_int(claw_issue_reopen(db, 9, &e), CLAW_ENOTFOUND, "an unknown issue");
	claw_db_close(db);
}

static void
test_busy(void)
{
	char *path = fixture_path("busy.db");
	struct claw_db *a = NULL;
	struct claw_db *b = NULL;
	struct claw_error e;
	int64_t id = 0;

	claw_error_clear(&e);
	is_int(claw_db_open(path, CLAW_DB_CREATE, &a, &e), CLAW_OK, "create");
	is_int(claw_db_open(path, CLAW_DB_OPEN, &b, &e), CLAW_OK, "second connection");
	claw_db_set_busy_timeout(b, 30);
	is_int(claw_db_begin(a, &e), CLAW_OK, "a holds the write lock");
	is_int(claw_issue_create(b, "blocked", NULL, &id, &e), CLAW_EDB, "b's create is busy");
	has_str(e.msg, "create an issue in", "the message says what failed");
	has_str(e.msg, "database is busy", "and why");
	is_int(id, 0, "no id");
	claw_db_rollback(a);
	is_int(claw_issue_create(b, "unblocked", NULL, &id, &e), CLAW_OK, "works after");
	is_int(id, 1, "first issue");
	claw_db_close(b);
	claw_db_close(a);
	free(path);
}

int
main(void)
{
	test_status_names();
	test_validation();
	test_crud();
	test_reopen();
	test_busy();
	return tap_done();
}
