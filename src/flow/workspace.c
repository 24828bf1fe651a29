/*
 * workspace — a run's worktree: begin (make or find, set up), commit each
 * passed step, end.  See workspace.h.
 */
#include "flow/workspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/mem.h"
#include "flow/review.h"
#include "store/runs.h"
#include "tool/bash.h"
#include "tool/sandbox.h"
#include "tool/workdir.h"
#include "trace/record.h"

#define SUBJECT_MAX 72 /* characters of a goal in a commit's subject */

/* A `note` row with action and the fields of d (taken). */
static void
note(struct claw_flow_ctx *ctx, int level, const char *action, struct json_object *d)
{
	(void)json_object_object_add(d, "action", json_object_new_string(action));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_NOTE, level, d);
	json_object_put(d);
}

/* s quoted for /bin/sh: 'it'\''s'. */
static void
sh_quote(struct claw_buf *b, const char *s)
{
	(void)claw_buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			(void)claw_buf_puts(b, "'\\''");
		else
			(void)claw_buf_putc(b, *s);
	}
	(void)claw_buf_putc(b, '\'');
}

/* The project's setup command, once, in the new work folder. */
static enum claw_err
run_setup(struct claw_flow_ctx *ctx, const struct claw_project *project, struct claw_error *err)
{
	struct claw_sandbox_opts o;
	struct claw_sandbox *sb = NULL;
	struct claw_tool_result res;
	struct claw_buf cmd = CLAW_BUF_INIT(2 * CLAW_PROJECT_SETUP_MAX + 8192);
	enum claw_err rc;

	if (project->setup == NULL || project->setup[0] == '\0')
		return CLAW_OK;
	claw_sandbox_opts_from_config(&o, ctx->config);
	o.net = o.net || project->setup_net;
	rc = claw_sandbox_new(&o, &sb, err);
	if (rc != CLAW_OK)
		return rc;
	(void)claw_buf_puts(&cmd, "CLAW_SOURCE=");
	sh_quote(&cmd, project->path);
	(void)claw_buf_printf(&cmd, "; export CLAW_SOURCE; %s", project->setup);
	struct json_object *d = json_object_new_object();
	struct json_object *in = json_object_new_object();
	(void)json_object_object_add(in, "command", json_object_new_string(project->setup));
	(void)json_object_object_add(d, "name", json_object_new_string("setup"));
	(void)json_object_object_add(d, "input", in);
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_TOOL, CLAW_RECORD_LEVEL_DEFAULT, d);
	json_object_put(d);
	struct claw_tool_ctx tctx = {
		.project = ctx->project_path,
		.sandbox = sb,
		.secrets = ctx->secrets,
		.run_id = ctx->run_id,
		.tracer = ctx->tracer,
		.db = ctx->db,
	};
	claw_tool_result_init(&res);
	claw_bash_run(&tctx, claw_buf_str(&cmd), &res);
	d = json_object_new_object();
	(void)json_object_object_add(d, "name", json_object_new_string("setup"));
	(void)json_object_object_add(d, "text", json_object_new_string(claw_buf_str(&res.text)));
	(void)json_object_object_add(d, "is_error", json_object_new_boolean(res.is_error));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_TOOL_RESULT,
				    res.is_error ? CLAW_RECORD_NOTICE : CLAW_RECORD_LEVEL_DEFAULT,
				    d);
	json_object_put(d);
	if (res.is_error)
		rc = claw_error_set(err, CLAW_EIO, "the project's setup failed: %.*s",
				    (int)strcspn(claw_buf_str(&res.text), "\n"),
				    claw_buf_str(&res.text));
	claw_tool_result_free(&res);
	claw_buf_free(&cmd);
	claw_sandbox_free(sb);
	return rc;
}

/* The run works in wt from now on: its work folder, and its repository's
 * git folder readable in the sandbox (history for git log and git diff;
 * gitdir is <repository's .git>/worktrees/<name>). */
static void
work_in(struct claw_flow_ctx *ctx, const struct claw_worktree *wt)
{
	ctx->project_path = wt->workdir;
	char *common = claw_xstrdup(wt->gitdir);
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(common, '/');
		if (slash != NULL && slash != common)
			*slash = '\0';
	}
	if (ctx->sandbox != NULL)
		claw_sandbox_add_readable(ctx->sandbox, common);
	free(common);
}

/* A new worktree for the run, recorded on its row, traced, set up. */
static enum claw_err
make(struct claw_flow_ctx *ctx, const struct claw_project *project, struct claw_worktree *wt,
     struct claw_error *err)
{
	enum claw_err rc = claw_worktree_add(project->path, ctx->config->home, ctx->project_key,
					     ctx->issue_id, ctx->run_id, wt, err);
	if (rc != CLAW_OK)
		return rc;
	struct claw_run_work w = {wt->repo,   wt->root, wt->workdir, wt->gitdir,
				  wt->branch, wt->base, NULL};
	rc = claw_run_set_work(ctx->db, ctx->run_id, &w, err);
	if (rc != CLAW_OK)
		return rc;
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "branch", json_object_new_string(wt->branch));
	(void)json_object_object_add(d, "base", json_object_new_string(wt->base));
	(void)json_object_object_add(d, "workdir", json_object_new_string(wt->workdir));
	(void)json_object_object_add(
		d, "message",
		json_object_new_string("the run works in its own worktree; the project folder is "
				       "not touched until its change is merged"));
	note(ctx, CLAW_RECORD_NOTICE, "worktree", d);
	work_in(ctx, wt);
	return run_setup(ctx, project, err);
}

/* An in-place run's checkpoints (workdir.h): the start checkpoint made,
 * recorded on its row (no worktree folder: the run works in the project
 * folder), traced. */
static enum claw_err
make_checkpoints(struct claw_flow_ctx *ctx, const struct claw_project *project,
		 struct claw_worktree *wt, struct claw_error *err)
{
	struct claw_commit_info start;
	enum claw_err rc = claw_checkpoint_begin(project->path, ctx->config->home, ctx->project_key,
						 ctx->issue_id, ctx->run_id, wt, &start, err);
	if (rc != CLAW_OK)
		return rc;
	struct claw_run_work w = {wt->repo,   NULL,     wt->workdir, wt->gitdir,
				  wt->branch, wt->base, NULL};
	rc = claw_run_set_work(ctx->db, ctx->run_id, &w, err);
	if (rc != CLAW_OK)
		return rc;
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "sha", json_object_new_string(start.sha));
	if (start.left_out[0] != '\0')
		(void)json_object_object_add(d, "leftOut", json_object_new_string(start.left_out));
	struct claw_buf msg = CLAW_BUF_INIT(4096);
	(void)claw_buf_puts(&msg, "the run works in the project folder itself; its start is "
				  "checkpointed, so its change can be shown and reverted");
	if (start.left_out[0] != '\0')
		(void)claw_buf_printf(&msg, " (left out, over 10 MiB: %s)", start.left_out);
	(void)json_object_object_add(d, "message", json_object_new_string(claw_buf_str(&msg)));
	claw_buf_free(&msg);
	note(ctx, CLAW_RECORD_NOTICE, "checkpoint", d);
	return CLAW_OK;
}

/* The run's recorded worktree into wt: its folder must still be there,
 * unless its change has landed already. */
static enum claw_err
found(struct claw_flow_ctx *ctx, struct claw_run_work *w, struct claw_worktree *wt,
      struct claw_error *err)
{
	struct stat st;
	char *landing = NULL;
	bool landed;

	if (w->worktree[0] == '\0') { /* in place: its checkpoints */
		claw_worktree_from_run(w, wt);
		return CLAW_OK;
	}
	if (lstat(w->workdir, &st) == 0) {
		claw_worktree_from_run(w, wt);
		work_in(ctx, wt);
		return CLAW_OK;
	}
	/* Its change landed while the run was not live (the review gate,
	 * answered before a restart): the run only has to end. */
	landed = claw_run_get_landing(ctx->db, ctx->run_id, &landing, NULL) == CLAW_OK &&
		 claw_review_landed_as(landing) != NULL;
	free(landing);
	if (landed) {
		claw_worktree_from_run(w, wt);
		return CLAW_OK;
	}
	return claw_error_set(err, CLAW_ENOTFOUND,
			      "the worktree %s of run #%lld is gone (its branch %s holds "
			      "what was committed)",
			      w->worktree, (long long)ctx->run_id, w->branch);
}

enum claw_err
claw_workspace_begin(struct claw_flow_ctx *ctx, const struct claw_project *project,
		     struct claw_error *err)
{
	struct claw_run_work w = {0};
	struct claw_worktree *wt = NULL;
	enum claw_err rc = claw_run_get_work(ctx->db, ctx->run_id, &w, err);

	if (rc != CLAW_OK)
		return rc;
	/* A run keeps the isolation it started with. */
	wt = CLAW_NEW(struct claw_worktree);
	ctx->worktree = wt;
	if (w.branch[0] != '\0')
		rc = found(ctx, &w, wt, err);
	else if (project->isolation == CLAW_ISOLATION_WORKTREE)
		rc = make(ctx, project, wt, err);
	else
		rc = make_checkpoints(ctx, project, wt, err);
	if (rc != CLAW_OK && wt->branch == NULL)
		claw_workspace_free(ctx); /* none to end */
	claw_run_work_free(&w);
	return rc;
}

/* The run's change so far, in numbers on its row (the board's cards). */
static void
record_size(struct claw_flow_ctx *ctx)
{
	struct claw_changes ch = {0};
	if (claw_worktree_changes(ctx->worktree, false, &ch, NULL) == CLAW_OK) {
		struct claw_run_stat st = {(int64_t)ch.n, ch.additions, ch.deletions};
		(void)claw_run_set_stat(ctx->db, ctx->run_id, &st, NULL);
	}
	claw_changes_free(&ch);
}

void
claw_workspace_step_passed(struct claw_flow_ctx *ctx, const char *step, const char *goal)
{
	struct claw_buf msg = CLAW_BUF_INIT(4096);
	struct claw_commit_info ci;
	struct claw_error err = {0};
	const char *g = goal != NULL ? goal : "";
	size_t n = strcspn(g, "\n");

	if (ctx->worktree == NULL)
		return;
	(void)claw_buf_printf(
		&msg, "%s: %.*s%s\n\nClaw-Issue: %lld\nClaw-Run: %lld\nClaw-Step: %s\n", step,
		(int)(n > SUBJECT_MAX ? SUBJECT_MAX : n), g, n > SUBJECT_MAX ? "..." : "",
		(long long)ctx->issue_id, (long long)ctx->run_id, step);
	if (claw_worktree_commit(ctx->worktree, claw_buf_str(&msg), ctx->config->git_author, &ci,
				 &err) != CLAW_OK) {
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "commit",
			       "the work of step %s could not be committed: %s", step,
			       claw_error_text(&err));
	} else if (ci.sha[0] != '\0') {
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "sha", json_object_new_string(ci.sha));
		(void)json_object_object_add(d, "step", json_object_new_string(step));
		(void)json_object_object_add(d, "files", json_object_new_int64(ci.files));
		(void)json_object_object_add(d, "additions", json_object_new_int64(ci.additions));
		(void)json_object_object_add(d, "deletions", json_object_new_int64(ci.deletions));
		if (ci.left_out[0] != '\0')
			(void)json_object_object_add(d, "leftOut",
						     json_object_new_string(ci.left_out));
		claw_buf_reset(&msg);
		(void)claw_buf_printf(&msg, "%.8s %s: %lld file%s, +%lld -%lld", ci.sha, step,
				      (long long)ci.files, ci.files == 1 ? "" : "s",
				      (long long)ci.additions, (long long)ci.deletions);
		if (ci.left_out[0] != '\0')
			(void)claw_buf_printf(&msg, " (left out, over 10 MiB: %s)", ci.left_out);
		(void)json_object_object_add(d, "message",
					     json_object_new_string(claw_buf_str(&msg)));
		note(ctx, CLAW_RECORD_INFO, "commit", d);
		record_size(ctx);
	}
	claw_buf_free(&msg);
}

void
claw_workspace_failed(struct claw_flow_ctx *ctx)
{
	struct claw_commit_info ci;
	struct claw_error err = {0};
	char *msg;

	if (ctx->worktree == NULL || !ctx->worktree->checkpoints)
		return;
	msg = claw_xasprintf("run %lld: the folder when it failed", (long long)ctx->run_id);
	if (claw_worktree_commit(ctx->worktree, msg, ctx->config->git_author, &ci, &err) != CLAW_OK)
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "checkpoint",
			       "the folder could not be checkpointed at the failure: %s",
			       claw_error_text(&err));
	free(msg);
}

void
claw_workspace_end(struct claw_flow_ctx *ctx, bool ran_solver)
{
	struct claw_error err = {0};

	if (ctx->worktree == NULL || ran_solver)
		return; /* in place; or its change stays for a look, or was landed */
	if (claw_worktree_remove(ctx->worktree, true, &err) != CLAW_OK)
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "worktree", "%s", claw_error_text(&err));
}

void
claw_workspace_free(struct claw_flow_ctx *ctx)
{
	if (ctx->worktree == NULL)
		return;
	claw_worktree_free(ctx->worktree);
	free(ctx->worktree);
	ctx->worktree = NULL;
}

bool
claw_workspace_in_place(struct claw_db *db, int64_t run_id, const struct claw_project *project)
{
	struct claw_run_work w = {0};
	bool yes = claw_run_get_work(db, run_id, &w, NULL) == CLAW_OK && w.worktree[0] == '\0' &&
		   (w.branch[0] != '\0' || project->isolation == CLAW_ISOLATION_INPLACE);
	claw_run_work_free(&w);
	return yes;
}
