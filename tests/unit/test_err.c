/*
 * test_err — phrases, messages, prefixes and clipping.
 */
#include "base/err.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

static void
test_phrases(void)
{
	for (int c = 0; c < CLAW_ERR_COUNT; c++) {
		const char *p = claw_strerror((enum claw_err)c);
		ok(p != NULL && p[0] != '\0' && strcmp(p, "unknown error") != 0,
		   "code %d has a phrase: %s", c, p);
	}
	is_str(claw_strerror(CLAW_OK), "success", "CLAW_OK");
	is_str(claw_strerror(CLAW_ETOOBIG), "too big", "CLAW_ETOOBIG");
	is_str(claw_strerror(CLAW_ERR_COUNT), "unknown error", "past the end");
	is_str(claw_strerror((enum claw_err) - 1), "unknown error", "negative");
}

static void
test_set(void)
{
	struct claw_error e;

	is_int(claw_error_set(&e, CLAW_ENOTFOUND, "issue #%d not found in project %s", 12,
			      "home-a-p"),
	       CLAW_ENOTFOUND, "returns the code");
	is_int(e.code, CLAW_ENOTFOUND, "code stored");
	is_str(e.msg, "issue #12 not found in project home-a-p", "message formatted");
	is_str(claw_error_text(&e), e.msg, "text is the message");

	claw_error_set(&e, CLAW_EIO, "%s", "");
	is_str(e.msg, "input/output error", "empty message becomes the phrase");

	is_int(claw_error_set(NULL, CLAW_EDB, "x"), CLAW_EDB, "NULL error still returns code");

	char big[CLAW_ERROR_MSG_MAX * 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	claw_error_set(&e, CLAW_EINVAL, "%s", big);
	is_int(strlen(e.msg), CLAW_ERROR_MSG_MAX - 1, "long message clipped");

	claw_error_clear(&e);
	is_int(e.code, CLAW_OK, "clear code");
	is_str(e.msg, "", "clear message");
	is_str(claw_error_text(&e), "success", "text of a clear error is the phrase");
	claw_error_clear(NULL);
	is_str(claw_error_text(NULL), "internal error", "text of NULL");
}

static void
test_prefix(void)
{
	struct claw_error e;

	claw_error_set(&e, CLAW_EINVAL, "field \"goal\" must be a string");
	claw_error_prefix(&e, "steps[%d]", 2);
	is_str(e.msg, "steps[2]: field \"goal\" must be a string", "prefix added");
	claw_error_prefix(&e, "workflow %s", "fix");
	is_str(e.msg, "workflow fix: steps[2]: field \"goal\" must be a string", "twice");
	is_int(e.code, CLAW_EINVAL, "code kept");

	claw_error_clear(&e);
	claw_error_prefix(&e, "ctx");
	is_str(e.msg, "", "no prefix on CLAW_OK");
	claw_error_prefix(NULL, "ctx");
	ok(1, "NULL is a no-op");

	/* Clipping keeps as much of both as fits. */
	char big[CLAW_ERROR_MSG_MAX];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	claw_error_set(&e, CLAW_EINVAL, "%s", big);
	claw_error_prefix(&e, "ctx");
	is_int(strlen(e.msg), CLAW_ERROR_MSG_MAX - 1, "clipped to the buffer");
	ok(strncmp(e.msg, "ctx: mmm", 8) == 0, "prefix first: %.20s", e.msg);

	char bigp[CLAW_ERROR_MSG_MAX + 10];
	memset(bigp, 'p', sizeof bigp - 1);
	bigp[sizeof bigp - 1] = '\0';
	claw_error_set(&e, CLAW_EINVAL, "short");
	claw_error_prefix(&e, "%s", bigp);
	is_int(strlen(e.msg), CLAW_ERROR_MSG_MAX - 1, "huge prefix clipped");
	ok(e.msg[0] == 'p' && e.msg[CLAW_ERROR_MSG_MAX - 2] == 'p', "all prefix");
}

static void
test_errno(void)
{
	char buf[128];
	is_str(claw_errno_text(ENOENT, buf, sizeof buf), "No such file or directory", "ENOENT");
	ok(claw_errno_text(99999, buf, sizeof buf)[0] != '\0', "unknown errno has text");
	is_str(claw_errno_text(ENOENT, buf, 0), "", "size 0");
	char tiny[4];
	const char *t = claw_errno_text(ENOENT, tiny, sizeof tiny);
	ok(t != NULL && strlen(t) < 64, "small buffer: '%s'", t);
}

int
main(void)
{
	test_phrases();
	test_set();
	test_prefix();
	test_errno();
	return tap_done();
}
