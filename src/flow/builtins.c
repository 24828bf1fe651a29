/*
 * builtins — the built-in workflows, embedded at build time.  See builtins.h.
 *
 * The JSON texts are bytes in builtins_data.inc, which src/flow/embed.sh
 * writes into the build tree from src/flow/builtin/<name>.json (the rule is in
 * src/flow/local.mk).  They are parsed on every claw_builtins_get(): a parse
 * is microseconds, and it keeps this module free of shared state.
 */
#include "flow/builtins.h"

#include <stdlib.h>
#include <string.h>

#include "flow/spec.h"

/* One embedded document. */
struct claw_builtins_blob {
	const char *name;
	const unsigned char *text; /* NUL-terminated */
	size_t len;                /* without the NUL */
};

#include "src/flow/builtins_data.inc"

#define NBUILTINS (sizeof builtins / sizeof builtins[0])

static const char *const names[] = {"generate", "repair", NULL};

_Static_assert(sizeof names / sizeof names[0] == NBUILTINS + 1,
	       "every embedded workflow is named in names[]");

const char *const *
claw_builtins_names(void)
{
	return names;
}

const char *
claw_builtins_text(const char *name, size_t *len)
{
	for (size_t i = 0; i < NBUILTINS; i++) {
		if (strcmp(builtins[i].name, name) == 0) {
			if (len != NULL)
				*len = builtins[i].len;
			return (const char *)builtins[i].text;
		}
	}
	return NULL;
}

enum claw_err
claw_builtins_get(const char *name, const struct claw_registry *tools, struct claw_workflow **out,
		  struct claw_error *err)
{
	enum claw_err rc;
	struct claw_spec_limits lim = {0};
	struct claw_problems problems;
	size_t len = 0;
	const char *text = claw_builtins_text(name, &len);
	char *joined = NULL;

	*out = NULL;
	claw_problems_init(&problems);
	if (text == NULL) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "no built-in workflow \"%s\"", name);
		goto out;
	}
	lim.allow_define = true;
	lim.tools = tools;
	rc = claw_workflow_parse(text, len, &lim, out, &problems);
	if (rc != CLAW_OK) {
		joined = claw_problems_join(&problems);
		rc = claw_error_set(err, CLAW_EINTERNAL, "built-in workflow %s is invalid:\n%s",
				    name, joined);
		goto out;
	}
out:
	free(joined);
	claw_problems_free(&problems);
	return rc;
}

enum claw_err
claw_builtins_check(const struct claw_registry *tools, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;

	for (size_t i = 0; names[i] != NULL && rc == CLAW_OK; i++) {
		struct claw_workflow *wf = NULL;
		rc = claw_builtins_get(names[i], tools, &wf, err);
		claw_workflow_free(wf);
	}
	return rc;
}
