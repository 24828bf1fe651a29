/*
 * history — the tool results of one step, by their run#N handles.
 *
 * Every tool result of a step ends with its handle, "[run#N]", N counting
 * the step's calls from 1 (SPEC section 5).  The artifact tool's `run` form
 * freezes an earlier result by that handle, so the step keeps its results
 * here.  The journal (the trace's tool-result rows) is the durable record;
 * this is the step's working copy, so a resumed step seeds the counter from
 * the trace (next = results already traced + 1) and finds older handles
 * there rather than here.
 *
 * Memory: texts are copied.  At most CLAW_HISTORY_BYTES_MAX bytes of text
 * are kept; past it the oldest texts are dropped (their handles still count
 * and are reported as no longer held).
 *
 * Threads: a history belongs to its step's run thread.
 */
#ifndef CLAW_TOOL_HISTORY_H
#define CLAW_TOOL_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define CLAW_HISTORY_BYTES_MAX (16 * 1024 * 1024)

struct claw_history;

/* A history whose next handle is next (>= 1).  Caller frees. */
struct claw_history *claw_history_new(int64_t next);
void claw_history_free(struct claw_history *h);

/* Records one call (tool name, its input as JSON text and the result text,
 * all copied) and returns its handle N. */
int64_t claw_history_add(struct claw_history *h, const char *tool, const char *input,
			 const char *text, bool is_error);
/* The handle the next result will get. */
int64_t claw_history_next(const struct claw_history *h);

/* One held call, borrowed from the history (valid until the next add). */
struct claw_history_entry {
	const char *tool;
	const char *input; /* JSON text */
	const char *text;
	bool is_error;
};

/* Looks up handle n.  On CLAW_OK *out borrows from h.  CLAW_ENOTFOUND
 * "run#N is not a tool call of this step" or "run#N is no longer held (too
 * old)" otherwise. */
enum claw_err claw_history_get(const struct claw_history *h, int64_t n,
			       struct claw_history_entry *out, struct claw_error *err);

/* Parses a handle as a model writes it: "run#12", "12", "[run#12]" (spaces
 * around allowed).  CLAW_EINVAL "not a run#N handle: ..." otherwise. */
enum claw_err claw_history_parse_handle(const char *s, int64_t *n, struct claw_error *err);

#endif
