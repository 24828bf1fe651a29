/*
 * builtin — assembles the built-in tools.  See builtin.h.
 */
#include "tool/builtin.h"

#include <stddef.h>

#include "tool/artifact.h"
#include "tool/bash.h"
#include "tool/files.h"
#include "tool/recall.h"

enum claw_err
claw_builtin_registry(struct claw_registry **out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_registry *reg = claw_registry_new();
	const struct claw_tool *const tools[] = {
		claw_bash_tool(),       claw_files_read_tool(), claw_files_write_tool(),
		claw_files_edit_tool(), claw_files_list_tool(), claw_recall_tool(),
		claw_artifact_tool(),
	};

	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		rc = claw_registry_add(reg, tools[i], err);
		if (rc != CLAW_OK) {
			rc = CLAW_EINTERNAL;
			if (err != NULL)
				err->code = rc;
			goto out;
		}
	}
	*out = reg;
	reg = NULL;
out:
	claw_registry_free(reg);
	return rc;
}
