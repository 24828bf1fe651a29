/*
 * review — the review gate at the end of a run (SPEC section 9): what the
 * person is shown, how each decision lands, and the journal that lets a
 * landing survive a crash.
 *
 * Decisions for a run with its own worktree: `merge` (the change lands in
 * the project folder as one commit, "<issue title> (#N)", body the
 * solver's summary and the trailers; worktree and branch removed), `keep`
 * (the branch stays, the worktree folder goes), `discard` (both go; run
 * `discarded`, issue `open`).  For a run that worked in the folder itself
 * (checkpoints, workdir.h): `accept` (the files stay), `revert` (the
 * folder goes back to the run's start; refused, naming them, when files
 * changed outside the run since its last checkpoint; run `discarded`).
 * For both: `changes` (text and line comments go back to the implementing
 * step; the run works again and comes back to the gate).
 *
 * Landing.  merge, keep and discard are carried out by whoever takes the
 * answer, before the answer is recorded: the server's answer route, `claw
 * review`, the terminal of `claw run` (through the run), the run itself for
 * CLAW_AUTO_MERGE.  A refused merge (CLAW_ECONFLICT: a dirty or conflicting
 * path, named) therefore changes nothing and the gate stays open.  The
 * run's row keeps the journal (`landing`):
 *
 *   "merging REF OLD NEW"  commit NEW is made; the folder's files may be
 *                          moving from OLD to NEW, then REF
 *   "merged SHA"           the change is commit SHA on the folder's branch
 *                          ("merged -": the run changed nothing)
 *   "kept"                 the branch stays; the worktree folder is gone
 *   "discarded"            worktree and branch are gone
 *   "accepted"             in place: the files stay
 *   "reverting"            in place: files are being put back (redone whole)
 *   "reverted"             in place: the folder is at the run's start
 *
 * A landing is idempotent: the decision that already landed is CLAW_OK
 * again with nothing done; another decision after it is CLAW_ECONFLICT.  A
 * "merging" or "reverting" journal left by a crash is finished first
 * (claw_worktree_merge_finish; a revert is done again): the merge completes
 * or is undone, the revert completes, never half.  Landings of one run are serialised across
 * threads and processes by a lock on byte 2^40 + run of "<db>.runs.lock" (F_OFD_SETLK; a second
 * lander meanwhile gets CLAW_ECONFLICT "being answered").
 *
 * The run's side, claw_review_gate(), called when every step of the solver
 * passed: a landing already in the journal ends the run; a `changes`
 * answer not yet acted on (a crash, or an answer written while the run was
 * not live) is acted on; CLAW_AUTO_MERGE tries a merge first; otherwise the
 * gate is raised (kind review; payload: the change, the solver's summary,
 * the last step's evidence (its artifacts), the previous round's comments
 * marked outdated when their line changed)
 * and its answer carried out.
 *
 * Threads: the run's thread for claw_review_gate; claw_review_land and
 * claw_review_decide on any thread (they block on git and SQLite).
 */
#ifndef CLAW_FLOW_REVIEW_H
#define CLAW_FLOW_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "flow/context.h"
#include "flow/frontend.h"
#include "flow/spec.h"
#include "store/db.h"
#include "store/runs.h"

#define CLAW_REVIEW_LOCK_BASE ((int64_t)1 << 40) /* byte of the landing lock: base + run */
#define CLAW_REVIEW_COMMENTS_MAX 200             /* line comments in one review */
#define CLAW_REVIEW_COMMENTS_BYTES                                                                 \
	(256 * 1024)                       /* bytes of them, as JSON: the answer row               \
					      stays under CLAW_GATE_DATA_MAX */
#define CLAW_REVIEW_SUMMARY_MAX (8 * 1024) /* bytes of the solver's summary kept */
#define CLAW_REVIEW_FILES_SHOWN 500        /* files listed in the gate's payload */

/* True for merge, keep, discard, accept, revert, changes. */
bool claw_review_decision_known(const char *decision);
/* True for the decisions that land (all but changes). */
bool claw_review_decision_lands(const char *decision);

/* The decision a journal text records as landed ("merge", "keep",
 * "discard"), or NULL while nothing has landed. */
const char *claw_review_landed_as(const char *landing);

/* Checks a review answer as the API and the CLI take it: a known decision;
 * changes needs text or comments; comments (a JSON array text, or NULL) of
 * at most CLAW_REVIEW_COMMENTS_MAX objects {path, line >= 1, body} and
 * CLAW_REVIEW_COMMENTS_BYTES.
 * CLAW_ECONFLICT for a decision the gate does not take, CLAW_EINVAL for the
 * rest, each saying what is wrong. */
enum claw_err claw_review_check(const char *decision, const char *text, const char *comments,
				struct claw_error *err);

/* Carries out decision (merge, keep, discard) on run_id's worktree, as the
 * header comment says; landing (CLAW_RUN_LANDING_MAX bytes, may be NULL)
 * gets the journal's final text.  CLAW_EINVAL for a run without a worktree
 * or a decision that does not land. */
enum claw_err claw_review_land(struct claw_db *db, const struct claw_config *cfg, int64_t run_id,
			       const char *decision, char *landing, struct claw_error *err);

/* What claw_review_gate ended with. */
enum claw_review_end {
	CLAW_REVIEW_MERGED,    /* the change landed in the folder (or was empty) */
	CLAW_REVIEW_KEPT,      /* the branch stays */
	CLAW_REVIEW_DISCARDED, /* thrown away */
	CLAW_REVIEW_ACCEPTED,  /* in place: the files stay */
	CLAW_REVIEW_REVERTED,  /* in place: the folder is back at the run's start */
	CLAW_REVIEW_REWORK,    /* the steps from the reviewed one run again */
};

/* The review of a run whose solver wf (run under key) passed every step;
 * ctx->worktree must be set.  CLAW_ESTOPPED when the run must stop at the
 * gate (a stop, or no answer on the terminal): it stays parked. */
enum claw_err claw_review_gate(struct claw_flow_ctx *ctx, const struct claw_workflow *wf,
			       const char *key, bool auto_merge, enum claw_review_end *end,
			       struct claw_error *err);

/* `claw review`: answers the open review gate of run_id of the project
 * (its db at db_path) with a (decision, text, comments, by) when no process
 * executes the run (else CLAW_ECONFLICT).  merge, keep and discard land
 * and end the run (done or discarded; its issue done or open); changes is
 * recorded for the run to act on when it is resumed.  A failed run, which
 * keeps its change for a look, takes discard (or revert in place) without
 * a gate: it lands at once and the run becomes discarded.  *message gets what
 * happened, for people (free it). */
enum claw_err claw_review_decide(const char *db_path, const char *project,
				 const struct claw_config *cfg, int64_t run_id,
				 const struct claw_gate_answer *a, char **message,
				 struct claw_error *err);

#endif
