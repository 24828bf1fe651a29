/*
 * test_ask — the ask ladder's control words: exact words after stripping
 * spaces, backticks, *, _, . and !, and nothing else.
 */
#include "flow/ask.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		const char *reply;
		enum claw_ask_word want;
	} cases[] = {
		{"accept", CLAW_WORD_ACCEPT},
		{"  accept.\n", CLAW_WORD_ACCEPT},
		{"**accept**", CLAW_WORD_ACCEPT},
		{"`accept`!", CLAW_WORD_ACCEPT},
		{"_a c c e p t_", CLAW_WORD_ACCEPT},
		{"stop", CLAW_WORD_STOP},
		{"Stop.", CLAW_WORD_NONE},
		{"**STOP**", CLAW_WORD_NONE},
		{"ESCALATE", CLAW_WORD_ESCALATE},
		{"`ESCALATE`.", CLAW_WORD_ESCALATE},
		{"escalate", CLAW_WORD_NONE},
		{"Accept", CLAW_WORD_NONE},
		{"accept it", CLAW_WORD_NONE},
		{"I accept.", CLAW_WORD_NONE},
		{"accept, then stop", CLAW_WORD_NONE},
		{"accepted", CLAW_WORD_NONE},
		{"stop!?", CLAW_WORD_NONE},
		{"\"stop\"", CLAW_WORD_NONE},
		{"", CLAW_WORD_EMPTY},
		{" \n\t ", CLAW_WORD_EMPTY},
		{"**`._!`**", CLAW_WORD_EMPTY},
		{NULL, CLAW_WORD_EMPTY},
		{"Try a different approach: read the tests first.", CLAW_WORD_NONE},
		{"ESCALATEESCALATE", CLAW_WORD_NONE},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(claw_ask_control_word(cases[i].reply), cases[i].want,
		       "control word of \"%s\"",
		       cases[i].reply != NULL ? cases[i].reply : "(null)");
	return tap_done();
}
