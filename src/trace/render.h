/*
 * render — the trace as people read it: the tree of SPEC.md section 2.
 *
 * One line per record at or above a level, indented two spaces per depth:
 * a glyph (▶ enter, ◀ exit, · event), the type, and a one-line summary:
 *
 *   ▶ workflow solve
 *     ▶ step implement
 *       ▶ ai worker (claude-sonnet)
 *         ▶ turn #1
 *           · reply [1200/340 tok] bash, read_file "Let me look at the tests"
 *           · tool bash
 *           · tool-result bash [error]
 *         ◀ turn #1 (2.3s)
 *
 * An exit line names the span it closes (type and summary of its enter, then
 * the duration); the renderer remembers open spans for that, so it must see
 * every record at or above its level in seq order (an end row has its
 * span's level; records below it may be passed or not).  Summaries:
 * name for workflow/step/tool; `role (model)` for ai; `#n` for turn;
 * `[in/out tok]`, the called tool names and a clipped text for reply;
 * ` [error]` after a failed tool result; `label (kind)` for an artifact; the
 * text for prompt/handoff/question/answer/back/retry/note.  Text is clipped
 * to CLAW_RENDER_CLIP characters on one line.
 *
 * Colour (ANSI SGR) only when asked; claw_render_colour_wanted() says whether
 * a stream deserves it (a TTY, and NO_COLOR unset or empty).
 *
 * The same renderer serves the live console sink (`claw run`) and `claw log`
 * (claw_render_log), so both show identical lines.
 *
 * Threads: a struct claw_render belongs to one thread; the rest is pure.
 */
#ifndef CLAW_TRACE_RENDER_H
#define CLAW_TRACE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/db.h"
#include "store/runs.h"
#include "trace/reader.h"
#include "trace/record.h"

#define CLAW_RENDER_CLIP 72       /* characters of free text on a line */
#define CLAW_RENDER_LINE_MAX 4096 /* bytes of one rendered line */
#define CLAW_RENDER_RUNS_SHOWN 10 /* runs listed above the tree by claw log */
#define CLAW_RENDER_PAGE 1000     /* rows read per query by claw log */

struct claw_render;

/* A renderer showing records of level >= level, with colour or not. */
struct claw_render *claw_render_new(int level, bool colour);
void claw_render_free(struct claw_render *r);

/* Appends rec's line (newline included) to out, or nothing when rec is below
 * the level; either way remembers the spans rec opens or closes.  Returns
 * out's sticky error. */
enum claw_err claw_render_record(struct claw_render *r, const struct claw_record *rec,
				 struct claw_buf *out);

/* Appends the summary of rec alone (no glyph, indent, colour or newline). */
enum claw_err claw_render_summary(const struct claw_record *rec, struct claw_buf *out);

/* True when fd is a terminal and NO_COLOR is unset or empty. */
bool claw_render_colour_wanted(int fd);
/* The rule behind it: tty, and no_color (NO_COLOR's value, NULL when unset)
 * NULL or empty. */
bool claw_render_colour_rule(bool tty, const char *no_color);

/* The list of runs above `claw log`'s tree: one line per run, newest first
 * as given, the chosen one marked with `*`:
 *   * #40  running  issue #12  2026-11-24 09:55:11  "stopped by alice"
 */
enum claw_err claw_render_runs(struct claw_buf *out, const struct claw_run *runs, size_t n,
			       int64_t chosen, bool colour);

/* The totals line: `tokens 18200 in / 3100 out · cache 9000 read / 1200
 * written (49% hit) · cost $0.0421`
 * then, when more than one model was used, one indented line per model. */
enum claw_err claw_render_totals(struct claw_buf *out, const struct claw_trace_totals *tot,
				 bool colour);

/* `claw log [RUN]` in one call: the recent runs (newest first, chosen one
 * marked), a blank line, the tree of the chosen run at level, a blank line
 * and the totals line, written to out.  The tree is read a page of
 * CLAW_RENDER_PAGE rows at a time, only the rows at or above level, and
 * written as each page is rendered.  run_id 0 chooses the run that last
 * wrote a trace row (else the newest run).  No runs at all: prints
 * "No runs yet for this project." and succeeds unless a run_id was asked
 * for.  An unknown run_id: CLAW_ENOTFOUND "run #N not found". */
enum claw_err claw_render_log(struct claw_db *db, int64_t run_id, int level, bool colour, FILE *out,
			      struct claw_error *err);

#endif
