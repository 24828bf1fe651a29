/*
 * artifact — a step records what it produced, for its critic and for people.
 *
 * Input {label, note?} plus exactly one of:
 *   text     a statement or summary (kind text).  A text that looks like
 *            pasted tool output ([exit N], a run#N handle, test-runner or
 *            compiler lines...) is refused: output must be recorded where
 *            it can be checked, with command or run;
 *   file     a file of the project (kind file, source = its path): it must
 *            exist inside the project (the file tools' confinement), be
 *            text, and is kept clipped;
 *   command  run now through the step's bash (the palette must hold bash);
 *            the verbatim output, as the bash tool formats it, is recorded
 *            as evidence with the command as its source, so a critic can
 *            re-run it (rerun_evidence);
 *   run      a run#N handle of an earlier call of this step: its result is
 *            frozen; a bash call becomes evidence with its command, any
 *            other tool a text artifact naming the call.
 * The record is a trace `artifact` event {n, label, kind, value, source,
 * note, mime, step} (SPEC section 6).  n is the artifact's index in the run:
 * recording a label again in the same step reuses its n (the newest row
 * wins), so a reworked step replaces rather than piles up.  Values and notes
 * are redacted and clipped (first and last 10 000 bytes) before they are
 * traced.  Outside a run the tool refuses.
 *
 * Threads: the run's thread (it uses ctx->db and ctx->tracer).
 */
#ifndef CLAW_TOOL_ARTIFACT_H
#define CLAW_TOOL_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>

#include "tool/registry.h"

#define CLAW_ARTIFACT_LABEL_MAX 200          /* bytes of a label */
#define CLAW_ARTIFACT_FILE_MAX (1024 * 1024) /* bytes of a file read for it */
#define CLAW_ARTIFACT_VALUE_MAX (CLAW_TOOL_CLIP_HEAD + CLAW_TOOL_CLIP_TAIL + 256)

/* The tool descriptor ("artifact"). */
const struct claw_tool *claw_artifact_tool(void);

/* When text looks like pasted tool output, the telltale it contains (a
 * static string, for the message); else NULL. */
const char *claw_artifact_pasted(const char *text, size_t n);

#endif
