/*
 * workspace — a run's own worktree in the run's life (SPEC section 9): made
 * when a run of a worktree-isolated project starts, set up, committed
 * after each passed step, and left as a branch when the run ends.
 *
 * claw_workspace_begin() gives the run its worktree (made on the first
 * start: branch claw/issue-N-run-M at the commit checked out in the
 * project, recorded on the run's row; found again on resume) and points
 * the run's work folder (ctx->project_path) at it, so everything the run
 * does (generate, steps, critics, supervisor, artifact commands) works
 * there and the sandbox binds only it.  A new worktree gets the project's
 * `setup` command once, sandboxed like bash, with CLAW_SOURCE = the
 * project folder and the network only when CLAW_SANDBOX_NET or the
 * project's setup_net says so; traced as a `tool` row named setup; a
 * failure fails the run with its output.
 *
 * claw_workspace_step_passed() commits what the step changed (author
 * CLAW_GIT_AUTHOR, message "<step>: <goal's first line>" with the trailers
 * Claw-Issue, Claw-Run, Claw-Step), traced as `note` {action: "commit",
 * sha, step, files, additions, deletions}; a step that changed nothing
 * makes no commit.
 *
 * claw_workspace_end(): a run that ended without running a solver
 * removes its worktree and branch (there is nothing to look at); any other
 * keeps both, so a failed or stopped run's change stays visible (claw
 * diff) until it is discarded.  A run whose steps all passed ends at the
 * review gate instead (review.h), which merges, keeps or discards it.
 *
 * Threads: the run's thread.
 */
#ifndef CLAW_FLOW_WORKSPACE_H
#define CLAW_FLOW_WORKSPACE_H

#include <stdbool.h>

#include "base/err.h"
#include "flow/context.h"
#include "store/projects.h"

/* In worktree isolation: the run's worktree (made or found), set up, and
 * ctx->project_path and ctx->worktree pointing at it (both owned by ctx's
 * workspace until claw_workspace_free).  In place: nothing.  Errors fail the
 * run (the message says why: not a repository any more, the worktree
 * folder gone, setup failed). */
enum claw_err claw_workspace_begin(struct claw_flow_ctx *ctx, const struct claw_project *project,
				   struct claw_error *err);

/* After step passed (goal: its goal, or NULL): commits its work. */
void claw_workspace_step_passed(struct claw_flow_ctx *ctx, const char *step, const char *goal);

/* The run failed: a run in place checkpoints the folder as it is, so that
 * its change (and a revert) covers what its failing step wrote. */
void claw_workspace_failed(struct claw_flow_ctx *ctx);

/* The run ended (see above).  Problems are traced, never fatal. */
void claw_workspace_end(struct claw_flow_ctx *ctx, bool ran_solver);

/* Whether run_id of project works in the project folder itself (in
 * place): a run with a worktree folder does not, one with checkpoints
 * does, one not started yet does when the project is in place. */
bool claw_workspace_in_place(struct claw_db *db, int64_t run_id,
			     const struct claw_project *project);

/* Frees what claw_workspace_begin made (NULL-safe on a ctx without one). */
void claw_workspace_free(struct claw_flow_ctx *ctx);

#endif
