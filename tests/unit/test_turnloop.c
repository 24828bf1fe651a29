/*
 * test_turnloop — the pure parts of the turn loop: finding a [question] in a
 * reply, and the guards' normal form (digits stripped).
 */
#include <stdlib.h>

#include "base/buf.h"
#include "flow/turnloop.h"
#include "tap.h"

static void
question(const char *reply, const char *want)
{
	char *q = claw_turn_question(reply);
	if (want == NULL)
		ok(q == NULL, "no question in \"%s\"", reply);
	else
		is_str(q != NULL ? q : "(none)", want, "question of \"%s\"", reply);
	free(q);
}

static void
normal(const char *in, const char *want)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	is_int(claw_turn_normalise(&b, in), CLAW_OK, "normalise \"%s\"", in);
	is_str(claw_buf_str(&b), want, "normal form of \"%s\"", in);
	claw_buf_free(&b);
}

int
main(void)
{
	question("[question] Which colour?", "Which colour?");
	question("I can do it.\n[question] Which colour?\nBlue or red.",
		 "Which colour?\nBlue or red.");
	question("  \t[question]   Wood?  \n", "Wood?");
	question("[question]", "");
	question("No question here.", NULL);
	question("The word [question] in the middle does not count.", NULL);
	question("", NULL);
	question("first\nsecond [question] x\n", NULL);

	normal("", "");
	normal("took 123 ms", "took # ms");
	normal("[exit 1] 2026-11-24 10:00:01", "[exit #] #-#-# #:#:#");
	normal("run#12 and run#7", "run## and run##");
	normal("no digits", "no digits");
	normal("3.14159s", "#.#s");
	return tap_done();
}
