/*
 * test_history — run#N handles: numbering, lookup, parsing, and dropping the
 * oldest texts past the cap.
 */
#include "tool/history.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static void
test_handles(void)
{
	struct claw_history *h = claw_history_new(5);
	struct claw_error err = {0};
	struct claw_history_entry e;

	is_int(claw_history_next(h), 5, "seeded next handle");
	is_int(claw_history_add(h, "bash", "{\"command\":\"x\"}", "out one", false), 5,
	       "first is run#5");
	is_int(claw_history_add(h, "read_file", "{}", "no such file: x", true), 6,
	       "second is run#6");
	is_int(claw_history_get(h, 6, &e, &err), CLAW_OK, "run#6 found");
	is_str(e.tool, "read_file", "its tool");
	is_str(e.input, "{}", "its input");
	is_str(e.text, "no such file: x", "its text");
	ok(e.is_error, "its error flag");
	is_int(claw_history_get(h, 4, &e, &err), CLAW_ENOTFOUND, "run#4");
	is_str(err.msg, "run#4 is not a tool call of this step (handles here: run#5 to run#6)",
	       "names the range");
	is_int(claw_history_get(h, 7, &e, &err), CLAW_ENOTFOUND, "run#7");
	claw_history_free(h);
}

static void
test_parse(void)
{
	struct claw_error err = {0};
	int64_t n = 0;

	is_int(claw_history_parse_handle("run#12", &n, &err), CLAW_OK, "run#12");
	is_int(n, 12, "is 12");
	is_int(claw_history_parse_handle(" [run#3] ", &n, &err), CLAW_OK, "[run#3]");
	is_int(n, 3, "is 3");
	is_int(claw_history_parse_handle("7", &n, &err), CLAW_OK, "bare number");
	is_int(n, 7, "is 7");
	is_int(claw_history_parse_handle("run#", &n, &err), CLAW_EINVAL, "no number");
	is_str(err.msg, "not a run#N handle: \"run#\"", "message");
	is_int(claw_history_parse_handle("run#-1", &n, &err), CLAW_EINVAL, "negative");
	is_int(claw_history_parse_handle("run#0", &n, &err), CLAW_EINVAL, "zero");
	is_int(claw_history_parse_handle("run#1x", &n, &err), CLAW_EINVAL, "trailing garbage");
}

static void
test_cap(void)
{
	struct claw_history *h = claw_history_new(1);
	struct claw_error err = {0};
	struct claw_history_entry e;
	size_t big = CLAW_HISTORY_BYTES_MAX / 3 + 1;
	char *s = malloc(big + 1);

	memset(s, 'x', big);
	s[big] = '\0';
	for (int i = 0; i < 4; i++)
		(void)claw_history_add(h, "bash", "{}", s, false);
	is_int(claw_history_get(h, 1, &e, &err), CLAW_ENOTFOUND,
	       "the oldest text is dropped past the cap");
	is_str(err.msg, "run#1 is no longer held (too old): use command instead", "says so");
	is_int(claw_history_get(h, 4, &e, &err), CLAW_OK, "the newest is held");
	is_int(strlen(e.text), big, "whole");
	claw_history_free(h);
	free(s);
}

int
main(void)
{
	test_handles();
	test_parse();
	test_cap();
	return tap_done();
}
