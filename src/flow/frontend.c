/*
 * frontend — gate kinds and answers shared by the console and the server.
 */
#include "flow/frontend.h"

#include <stdlib.h>
#include <string.h>

#include "base/str.h"

static const char *const gate_kind_names[] = {
	[CLAW_GATE_QUESTION] = "question",
	[CLAW_GATE_APPROVE] = "approve",
	[CLAW_GATE_BUDGET] = "budget",
	[CLAW_GATE_REVIEW] = "review",
};
_Static_assert(sizeof gate_kind_names / sizeof gate_kind_names[0] == CLAW_GATE_KIND_COUNT,
	       "every gate kind needs a name");

const char *
claw_gate_kind_name(enum claw_gate_kind kind)
{
	return claw_str_name(gate_kind_names, CLAW_GATE_KIND_COUNT, (unsigned)kind, "?");
}

enum claw_err
claw_gate_kind_parse(const char *name, enum claw_gate_kind *out)
{
	int k = claw_str_lookup(gate_kind_names, CLAW_GATE_KIND_COUNT, name);
	if (k < 0)
		return CLAW_EINVAL;
	*out = (enum claw_gate_kind)k;
	return CLAW_OK;
}

void
claw_gate_answer_free(struct claw_gate_answer *a)
{
	if (a == NULL)
		return;
	free(a->text);
	free(a->decision);
	free(a->by);
	free(a->comments);
	free(a->spec);
	memset(a, 0, sizeof *a);
}
