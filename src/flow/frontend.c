/*
 * frontend — gate kinds and answers shared by the console and the server.
 */
#include "flow/frontend.h"

#include <stdlib.h>
#include <string.h>

static const char *const gate_kind_names[] = {
	[CLAW_GATE_QUESTION] = "question",
	[CLAW_GATE_APPROVE] = "approve",
	[CLAW_GATE_BUDGET] = "budget",
};
_Static_assert(sizeof gate_kind_names / sizeof gate_kind_names[0] == CLAW_GATE_KIND_COUNT,
	       "every gate kind needs a name");

const char *
claw_gate_kind_name(enum claw_gate_kind kind)
{
	return (unsigned)kind < CLAW_GATE_KIND_COUNT ? gate_kind_names[kind] : "?";
}

enum claw_err
claw_gate_kind_parse(const char *name, enum claw_gate_kind *out)
{
	for (unsigned k = 0; k < CLAW_GATE_KIND_COUNT; k++) {
		if (name != NULL && strcmp(name, gate_kind_names[k]) == 0) {
			*out = (enum claw_gate_kind)k;
			return CLAW_OK;
		}
	}
	return CLAW_EINVAL;
}

void
claw_gate_answer_free(struct claw_gate_answer *a)
{
	if (a == NULL)
		return;
	free(a->text);
	free(a->decision);
	free(a->by);
	memset(a, 0, sizeof *a);
}
