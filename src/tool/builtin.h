/*
 * builtin — the registry of claw's own tools.
 *
 * bash, read_file, write_file, edit_file, list_files, recall and artifact.  The
 * critic's verdict and rerun_evidence and generate's define_workflow belong
 * to the engine (src/flow), which adds them to its own copy.
 *
 * Threads: build once, then share read-only (registry.h).
 */
#ifndef CLAW_TOOL_BUILTIN_H
#define CLAW_TOOL_BUILTIN_H

#include "base/err.h"
#include "tool/registry.h"

/* A new registry holding every built-in tool.  Caller frees with
 * claw_registry_free().  Fails only on a bug (a schema that does not
 * compile), with CLAW_EINTERNAL. */
enum claw_err claw_builtin_registry(struct claw_registry **out, struct claw_error *err);

#endif
