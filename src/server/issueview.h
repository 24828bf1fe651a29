/*
 * issueview — the Issue wire shape of SPEC.md section 7, built from the db.
 *
 *   {"id", "title", "desc", "status", "done", "steps", "live", "runs":
 *    [{"n", "id", "status"}], "tokensIn", "tokensOut", "tokensCached",
 *    "costUsd", "gate": {"id", "kind", "prompt"} | null, "artifacts":
 *    [{"n", "label", "kind", "step", "size"}], "updatedMs", "changes":
 *    {"files", "additions", "deletions", "branch"} | null}
 *
 * Everything is about the issue's latest run: `done` is the number of step
 * names in its snapshot of the solver workflow it executes, `steps` the
 * number of steps of that solver's spec (0 and 0 while the run is still
 * writing its solver), tokens and cost are sums over its `reply` rows,
 * artifacts its artifacts, and `gate` its open gate while the run is active
 * (a question row with no answer).  `live` is true while the latest run is
 * active (queued or running, parked at a gate included).  `changes` is the
 * size of its own change (worktree isolation; recorded on its row at each
 * step commit and at the review gate; branch "" for a run in place), null
 * for a run from before checkpoints.
 *
 * CLAW_ISSUEVIEW_FULL (GET of one issue) adds the gate's "payload" (JSON)
 * and "solver": the latest solver version {"version", "status",
 * "feedback", "decidedBy", "spec"} (spec as JSON), or null.
 *
 * Threads: uses the caller's connection (one thread at a time).
 */
#ifndef CLAW_SERVER_ISSUEVIEW_H
#define CLAW_SERVER_ISSUEVIEW_H

#include "base/buf.h"
#include "base/err.h"
#include "store/db.h"
#include "store/issues.h"

enum claw_issueview_flags {
	CLAW_ISSUEVIEW_FULL = 1 << 0,
};

/* Appends the Issue of is to out.  Returns the first db error, or out's
 * sticky error (CLAW_ETOOBIG). */
enum claw_err claw_issueview_append(struct claw_db *db, const struct claw_issue *is, unsigned flags,
				    struct claw_buf *out, struct claw_error *err);

#endif
