/*
 * instructions — the project's own instructions for agents (SPEC 10).
 *
 * A project may keep instructions for coding agents at the top of its
 * folder: AGENTS.md (the shared convention of Codex, Copilot, OpenHands),
 * else CLAUDE.md.  The runner loads the file once per run from the run's
 * work folder (confined like read_file: a link out of the folder is not
 * followed), with the project's secrets redacted, clipped at
 * CLAW_INSTRUCTIONS_MAX after the last whole line; every agent of the run
 * then gets it in its system prompt, after claw's own text, under a
 * heading that says whose words they are (claw_instructions_system).
 *
 * Threads: no shared state.
 */
#ifndef CLAW_FLOW_INSTRUCTIONS_H
#define CLAW_FLOW_INSTRUCTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_INSTRUCTIONS_MAX (32u << 10) /* bytes of the file put into prompts */

struct claw_secrets;
struct claw_db;

struct claw_instructions {
	const char *name; /* "AGENTS.md" or "CLAUDE.md" (static); NULL: the project has none */
	char *text;       /* what goes into prompts (owned); NULL with name */
	int64_t bytes;    /* the file's size */
	bool clipped;     /* text is its first CLAW_INSTRUCTIONS_MAX bytes, cut at a line end */
};

/* Fills *out from root (a real absolute path).  Neither file there (or
 * neither a regular file) is not an error: out->name is NULL.  CLAW_EIO
 * when one exists and cannot be read.  Free with claw_instructions_free. */
enum claw_err claw_instructions_load(const char *root, const struct claw_secrets *secrets,
				     struct claw_instructions *out, struct claw_error *err);
void claw_instructions_free(struct claw_instructions *in);

/* Fills *out from the run's `note {action: "instructions"}` trace row (its
 * path, bytes, clipped and text), which the runner writes when the run
 * starts; out->name is NULL when the run has none.  CLAW_EDB and friends
 * from the store. */
enum claw_err claw_instructions_recall(struct claw_db *db, int64_t run_id,
				       struct claw_instructions *out, struct claw_error *err);

/* Appends system, then (when in has a file) a blank line, the heading
 * "# Project instructions (NAME)" with a line saying they come from the
 * project, and the text.  Returns out's sticky error. */
enum claw_err claw_instructions_system(struct claw_buf *out, const char *system,
				       const struct claw_instructions *in);

#endif
