/*
 * test_messages — a person's messages to a run: stored trimmed and checked,
 * taken oldest first per run, marked delivered once, inside a transaction
 * that a rollback undoes.
 */
#include <stdlib.h>
#include <string.h>

#include "store/issues.h"
#include "store/messages.h"
#include "store/runs.h"
#include "fixture.h"
#include "tap.h"

static void
test_messages(void)
{
	struct claw_db *db = fixture_db("messages.db");
	struct claw_error e;
	struct claw_message *m = NULL;
	size_t n = 9;
	int64_t r1 = 0, r2 = 0, id = 0;

	claw_error_clear(&e);
	is_int(claw_issue_create(db, "One", NULL, NULL, &e), CLAW_OK, "issue 1");
	is_int(claw_issue_create(db, "Two", NULL, NULL, &e), CLAW_OK, "issue 2");
	is_int(claw_run_insert(db, 1, CLAW_RUN_RUNNING, "ann", &r1, &e), CLAW_OK, "run of 1");
	is_int(claw_run_insert(db, 2, CLAW_RUN_RUNNING, "ann", &r2, &e), CLAW_OK, "run of 2");

	is_int(claw_message_pending(db, r1, &m, &n, &e), CLAW_OK, "none yet");
	ok(m == NULL && n == 0, "an empty list");

	is_int(claw_message_add(db, r1, "  use tabs  ", "ann", &id, &e), CLAW_OK, "add");
	ok(id > 0, "an id");
	is_int(claw_message_add(db, r2, "other run", NULL, NULL, &e), CLAW_OK, "another run's");
	is_int(claw_message_add(db, r1, "and keep it short", "bob", NULL, &e), CLAW_OK, "add 2");
	is_int(claw_message_add(db, r1, " \n\t ", "ann", NULL, &e), CLAW_EINVAL, "blank refused");
	is_str(e.msg, "the message is empty", "says so");
	char *big = malloc(CLAW_MESSAGE_MAX + 2);
	memset(big, 'x', CLAW_MESSAGE_MAX + 1);
	big[CLAW_MESSAGE_MAX + 1] = '\0';
	is_int(claw_message_add(db, r1, big, "ann", NULL, &e), CLAW_EINVAL, "too long refused");
	has_str(e.msg, "over the 16384-byte limit", "says the limit");
	big[CLAW_MESSAGE_MAX] = '\0';
	is_int(claw_message_add(db, r2, big, "ann", NULL, &e), CLAW_OK, "exactly the limit");
	free(big);
	is_int(claw_message_add(db, r1, "\xff\xfe", "ann", NULL, &e), CLAW_EINVAL, "not UTF-8");
	is_int(claw_message_add(db, 999, "hi", "ann", NULL, &e), CLAW_ENOTFOUND, "unknown run");
	is_str(e.msg, "run #999 not found", "names it");

	is_int(claw_message_pending(db, r1, &m, &n, &e), CLAW_OK, "pending");
	is_int((long long)n, 2, "two for run 1");
	if (n == 2) {
		is_str(m[0].text, "use tabs", "oldest first, trimmed");
		is_str(m[0].by, "ann", "with who");
		is_str(m[1].by, "bob", "then the next");
		ok(m[0].created_at > 0, "a time");
	}
	int64_t last = n == 2 ? m[1].id : 0;
	claw_message_list_free(m, n);

	/* Delivered in a transaction that is rolled back: still pending. */
	is_int(claw_db_begin(db, &e), CLAW_OK, "begin");
	is_int(claw_message_delivered(db, r1, last, &e), CLAW_OK, "mark inside it");
	claw_db_rollback(db);
	is_int(claw_message_pending(db, r1, &m, &n, &e), CLAW_OK, "pending again");
	is_int((long long)n, 2, "the rollback undid it");
	claw_message_list_free(m, n);

	is_int(claw_message_delivered(db, r1, id, &e), CLAW_OK, "deliver the first");
	is_int(claw_message_pending(db, r1, &m, &n, &e), CLAW_OK, "pending");
	ok(n == 1 && strcmp(m[0].text, "and keep it short") == 0, "the second is left");
	claw_message_list_free(m, n);
	is_int(claw_message_delivered(db, r1, last, &e), CLAW_OK, "deliver the rest");
	is_int(claw_message_pending(db, r1, &m, &n, &e), CLAW_OK, "pending");
	is_int((long long)n, 0, "none for run 1");
	is_int(claw_message_pending(db, r2, &m, &n, &e), CLAW_OK, "run 2");
	is_int((long long)n, 2, "run 2's are its own");
	claw_message_list_free(m, n);
	claw_db_close(db);
}

int
main(void)
{
	test_messages();
	return tap_done();
}
