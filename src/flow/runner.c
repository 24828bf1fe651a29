/*
 * runner — the issue pipeline: solver, approval, run, repair, statuses.
 * See runner.h.
 *
 * The pipeline is a small state machine whose state lives in the db, so
 * that a resumed run finds its place again by looking rather than by
 * remembering:
 *
 *   solver     the latest approved version of the issue → run it.  Else the
 *              latest version: a draft waits at the approval gate; one
 *              rejected with feedback is regenerated with that feedback
 *              (workflow key "generate-after-v<N>", so each generation has
 *              its own snapshot and conversations); one rejected without
 *              feedback during this run ends it `generated`.  No version at
 *              all: generate (key "generate").
 *   run        the solver under key "solver".
 *   repair     after a failure that is not a deliberate stop, a budget stop
 *              or a backend error: the built-in repair workflow (key
 *              "repair-<k>") stores a fixed version keeping the step names;
 *              it is approved as a repair, the failed step is told, and the
 *              solver runs again under the same key, so its done steps stay
 *              done.  At most CLAW_RUNNER_REPAIRS_MAX, counted from the
 *              journal's `repaired` notes.
 *
 * One executor per run: a run is executed under an open-file-description
 * lock on byte run_id of "<db>.runs.lock" (fcntl F_OFD_SETLK), so `claw run`
 * and `claw serve`, or two terminals, never execute the same run at once;
 * the kernel drops the lock when its holder dies (kill -9 included), so a
 * crashed run is free to be resumed.
 */
#include "flow/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "flow/builtins.h"
#include "flow/context.h"
#include "flow/engine.h"
#include "flow/review.h"
#include "flow/gate.h"
#include "flow/instructions.h"
#include "flow/mcp.h"
#include "flow/spec.h"
#include "flow/tools.h"
#include "flow/workspace.h"
#include "llm/client.h"
#include "llm/pricing.h"
#include "mcp/config.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "store/solvers.h"
#include "tool/registry.h"
#include "tool/sandbox.h"
#include "tool/secrets.h"
#include "tool/workdir.h"
#include "trace/reader.h"
#include "trace/record.h"
#include "trace/sink_store.h"

#define CLAW_RUNNER_REPAIRS_MAX 2     /* SPEC.md 4.3 */
#define CLAW_RUNNER_GENERATIONS_MAX 8 /* approval rounds with feedback in one run */
#define CLAW_RUNNER_CONTEXT_MAX (512 * 1024)
#define CLAW_RUNNER_SUMMARY_STEPS 60 /* step visits listed in a repair's context */

/* How the pipeline ended. */
enum outcome {
	OUT_NONE, /* still going */
	OUT_DONE,
	OUT_FAILED,
	OUT_GENERATED,
	OUT_STOPPED,   /* user stop with nobody named: leave the run resumable */
	OUT_DISCARDED, /* its change was thrown away at the review gate */
};

struct runner {
	const struct claw_runner_params *p;
	struct claw_flow_ctx ctx;
	struct claw_run run;
	struct claw_issue issue;
	struct claw_project project;
	enum outcome outcome;
	char reason[CLAW_FLOW_REASON_MAX];
	bool ran_solver;    /* a solver's steps began (in this process) */
	bool rework;        /* the review gate sent the solver back to work */
	bool resumed;       /* the run had trace rows when this process took it up */
	char *edit_refused; /* why the person's edit of the draft was not stored: the next
			       approval gate says so (a new gate, not the answered one) */
	/* What the run holds while it executes (freed by claw_runner_run). */
	struct claw_registry *tools;
	struct claw_pricing *pricing;
	struct claw_secrets *secrets;
	struct claw_instructions instructions;
	struct claw_mcp_config mcp; /* the project's MCP servers (none: n == 0) */
	char *task;
};

static void set_outcome(struct runner *r, enum outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_outcome(struct runner *r, enum outcome o, const char *fmt, ...)
{
	va_list ap;
	r->outcome = o;
	va_start(ap, fmt);
	(void)vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

/* Maps the context's halt to an outcome. */
static void
halted(struct runner *r)
{
	const char *reason, *by;
	if (claw_flow_halted(&r->ctx, &reason, &by) == CLAW_HALT_USER && by[0] == '\0')
		set_outcome(r, OUT_STOPPED, "%s", "stopped; run it again to resume");
	else
		set_outcome(r, OUT_FAILED, "%s", reason[0] != '\0' ? reason : "stopped");
}

static int
cancel_cb(void *v)
{
	return claw_flow_should_stop(v) ? 1 : 0;
}

/* A streamed reply's news, to the run's live viewers under the turn being
 * asked (the innermost span while the model is called). */
static void
live_cb(void *v, int attempt, const struct claw_llm_delta *d)
{
	static const char *const kinds[] = {
		[CLAW_LLM_DELTA_TEXT] = "text",
		[CLAW_LLM_DELTA_THINKING] = "thinking",
		[CLAW_LLM_DELTA_TOOL] = "tool_input",
	};
	struct claw_flow_ctx *ctx = v;
	if (ctx->tracer == NULL)
		return;
	struct claw_trace_delta td = {
		.span_id = claw_tracer_current(ctx->tracer),
		.attempt = attempt,
		.kind = kinds[d->kind],
		.index = d->index,
		.name = d->name,
		.at = d->at,
		.text = d->text,
		.len = d->len,
	};
	claw_trace_delta(ctx->tracer, &td);
}

/* ------------------------------------------------------------- solver */

static enum claw_err
parse_solver(struct runner *r, const char *spec, struct claw_workflow **out, char **problems,
	     struct claw_error *err)
{
	struct claw_spec_limits limits = claw_spec_limits_for_solver(r->p->config, r->ctx.tools);
	struct claw_problems pr;
	enum claw_err rc;

	limits.mcp = r->ctx.mcp_config;
	claw_problems_init(&pr);
	rc = claw_workflow_parse(spec, strlen(spec), &limits, out, &pr);
	if (rc != CLAW_OK) {
		*problems = claw_problems_join(&pr);
		rc = claw_error_set(err, rc, "the stored solver is not valid:\n%s", *problems);
	}
	claw_problems_free(&pr);
	return rc;
}

/* Runs a built-in workflow (generate or repair) under key with context;
 * *version gets what define_workflow stored (0 when nothing). */
static enum claw_err
run_builtin(struct runner *r, const char *name, const char *key, const char *context,
	    const struct claw_workflow *keep, struct claw_engine_result *res, int64_t *version,
	    struct claw_error *err)
{
	struct claw_workflow *wf = NULL;
	struct claw_flow_define def = {.keep = keep};
	struct claw_engine_params ep = {.flow = &r->ctx, .key = key, .context = context};
	struct claw_buf json = CLAW_BUF_INIT(CLAW_SPEC_DOC_MAX);
	enum claw_err rc;

	*version = 0;
	rc = claw_builtins_get(name, r->ctx.tools, &wf, err);
	if (rc != CLAW_OK)
		goto out;
	(void)claw_workflow_to_json(wf, &json);
	ep.wf = wf;
	r->ctx.define = &def;
	r->ctx.workflow_json = claw_buf_str(&json);
	rc = claw_engine_run(&ep, res, err);
	claw_flow_mcp_rest(&r->ctx); /* a gate for a person comes next */
	r->ctx.define = NULL;
	r->ctx.workflow_json = NULL;
	*version = def.version;
out:
	claw_buf_free(&json);
	claw_workflow_free(wf);
	return rc;
}

/* Generates a solver (with the feedback of a rejected one, when given).
 * On CLAW_OK with *version > 0 a new draft exists; *version 0 means the
 * outcome is set (failed or stopped). */
static enum claw_err
generate(struct runner *r, const struct claw_solver *rejected, int64_t *version,
	 struct claw_error *err)
{
	struct claw_buf context = CLAW_BUF_INIT(CLAW_RUNNER_CONTEXT_MAX);
	struct claw_engine_result res = {0};
	struct claw_solver latest = {0};
	char key[64];
	enum claw_err rc;

	*version = 0;
	if (rejected != NULL) {
		(void)snprintf(key, sizeof key, "generate-after-v%lld",
			       (long long)rejected->version);
		if (rejected->feedback[0] != '\0')
			(void)claw_buf_printf(
				&context,
				"A person rejected the previous solver (v%lld) with "
				"this feedback; the new solver must answer it:\n%s\n\n",
				(long long)rejected->version, rejected->feedback);
		else
			(void)claw_buf_printf(
				&context,
				"A person rejected the previous solver (v%lld); write "
				"a better one.\n\n",
				(long long)rejected->version);
		(void)claw_buf_printf(&context, "The rejected solver:\n%s\n", rejected->spec);
	} else {
		(void)snprintf(key, sizeof key, "generate");
	}
	claw_flow_mcp_docs(&r->ctx, &context);
	rc = run_builtin(r, "generate", key, claw_buf_str(&context), NULL, &res, version, err);
	if (rc == CLAW_ESTOPPED) {
		halted(r);
		rc = CLAW_OK;
		*version = 0;
		goto out;
	}
	if (rc != CLAW_OK)
		goto out;
	if (!res.passed) {
		set_outcome(r, OUT_FAILED, "could not write a solver: %s", res.reason);
		*version = 0;
		goto out;
	}
	if (*version == 0) {
		/* Resumed after save had passed: the newest version is its. */
		rc = claw_solver_latest(r->ctx.db, r->p->issue_id, &latest, err);
		if (rc != CLAW_OK)
			goto out;
		*version = latest.version;
	}
out:
	claw_solver_free(&latest);
	claw_engine_result_free(&res);
	claw_buf_free(&context);
	return rc;
}

/* The person approved the draft as they edited it (a->spec, checked by the
 * API with the language's rules): it is stored as the next version and
 * approved, the draft rejected.  One the engine's validator refuses (a tool
 * not in this run's registry) is not stored: noted, and the draft is asked
 * about again at a new gate whose prompt says why (r->edit_refused). */
static enum claw_err
approve_edited(struct runner *r, const struct claw_solver *draft, const struct claw_gate_answer *a,
	       bool *approved, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = &r->ctx;
	struct claw_workflow *wf = NULL;
	struct claw_error perr = {0};
	char *problems = NULL;
	int64_t version = 0;
	enum claw_err rc;

	if (parse_solver(r, a->spec, &wf, &problems, &perr) != CLAW_OK) {
		claw_flow_note(
			ctx, CLAW_RECORD_NOTICE, "approve",
			"the solver as %s edited it is not valid here, so it was not stored:\n%s",
			a->by, problems != NULL ? problems : claw_error_text(&perr));
		free(r->edit_refused);
		r->edit_refused =
			problems != NULL ? problems : claw_xstrdup(claw_error_text(&perr));
		return CLAW_OK;
	}
	claw_workflow_free(wf);
	rc = claw_solver_add(ctx->db, r->p->issue_id, a->spec, &version, err);
	if (rc == CLAW_OK)
		rc = claw_solver_decide(ctx->db, r->p->issue_id, draft->version,
					CLAW_SOLVER_REJECTED, NULL, a->by, err);
	if (rc == CLAW_OK) {
		char *why = claw_xasprintf("edited from v%lld by %s%s%s", (long long)draft->version,
					   a->by, a->text[0] != '\0' ? ": " : "", a->text);
		rc = claw_solver_decide(ctx->db, r->p->issue_id, version, CLAW_SOLVER_APPROVED, why,
					a->by, err);
		free(why);
	}
	if (rc == CLAW_OK)
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "approve",
			       "solver v%lld as edited by %s is stored as v%lld and approved",
			       (long long)draft->version, a->by, (long long)version);
	*approved = rc == CLAW_OK;
	return rc;
}

/* The approval gate on a draft.  *approved, or the solver is rejected (its
 * feedback stored) and, without feedback, the outcome is `generated`. */
static enum claw_err
approve(struct runner *r, const struct claw_solver *draft, bool *approved, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = &r->ctx;
	struct claw_workflow *wf = NULL;
	struct claw_gate_answer a = {0};
	struct claw_buf prompt = CLAW_BUF_INIT(CLAW_GATE_PROMPT_MAX);
	char *problems = NULL;
	const char *auto_by = NULL;
	enum claw_err rc;

	*approved = false;
	if (r->p->auto_approve)
		auto_by = "auto (--yes)";
	else if (r->p->config->auto_approve)
		auto_by = "auto (CLAW_AUTO_APPROVE=1)";
	if (auto_by != NULL) {
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "approve",
			       "solver v%lld approved automatically: %s", (long long)draft->version,
			       auto_by);
		rc = claw_solver_decide(ctx->db, r->p->issue_id, draft->version,
					CLAW_SOLVER_APPROVED, NULL, auto_by, err);
		*approved = rc == CLAW_OK;
		goto out;
	}
	rc = parse_solver(r, draft->spec, &wf, &problems, err);
	if (rc != CLAW_OK)
		goto out;
	(void)claw_buf_printf(&prompt, "Approve solver v%lld for issue #%lld (%s)?",
			      (long long)draft->version, (long long)r->p->issue_id, wf->name);
	if (r->edit_refused != NULL) {
		/* Another prompt: a new gate, not the one whose answer was refused. */
		(void)claw_buf_printf(&prompt,
				      "\n\nYour edit was not stored: it is not valid here:\n%s",
				      r->edit_refused);
		free(r->edit_refused);
		r->edit_refused = NULL;
	}
	rc = claw_flow_gate(ctx, CLAW_GATE_APPROVE, claw_buf_str(&prompt), draft->spec, &a, err);
	if (rc == CLAW_ESTOPPED) {
		halted(r);
		rc = CLAW_OK;
		goto out;
	}
	if (rc != CLAW_OK)
		goto out;
	if (strcmp(a.decision, "approve") == 0 && a.spec != NULL) {
		rc = approve_edited(r, draft, &a, approved, err);
		goto out;
	}
	if (strcmp(a.decision, "approve") == 0) {
		rc = claw_solver_decide(ctx->db, r->p->issue_id, draft->version,
					CLAW_SOLVER_APPROVED, a.text, a.by, err);
		*approved = rc == CLAW_OK;
		goto out;
	}
	rc = claw_solver_decide(ctx->db, r->p->issue_id, draft->version, CLAW_SOLVER_REJECTED,
				a.text, a.by, err);
	if (rc != CLAW_OK)
		goto out;
	if (a.text[0] == '\0')
		set_outcome(r, OUT_GENERATED, "solver v%lld was rejected by %s",
			    (long long)draft->version, a.by[0] != '\0' ? a.by : "a person");
	else
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "regenerate",
			       "solver v%lld was rejected with feedback: writing a new one",
			       (long long)draft->version);
out:
	free(problems);
	claw_buf_free(&prompt);
	claw_gate_answer_free(&a);
	claw_workflow_free(wf);
	return rc;
}

/* Finds or makes the approved solver; *out filled when found (outcome
 * untouched), else the outcome is set. */
static enum claw_err
choose_solver(struct runner *r, struct claw_solver *out, bool *found, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = &r->ctx;
	enum claw_err rc = CLAW_OK;

	*found = false;
	for (int round = 0; round < CLAW_RUNNER_GENERATIONS_MAX; round++) {
		struct claw_solver latest = {0};
		int64_t version = 0;
		bool approved = false;

		rc = claw_solver_latest_approved(ctx->db, r->p->issue_id, out, err);
		if (rc == CLAW_OK) {
			*found = true;
			return CLAW_OK;
		}
		if (rc != CLAW_ENOTFOUND)
			return rc;
		claw_error_clear(err);
		rc = claw_solver_latest(ctx->db, r->p->issue_id, &latest, err);
		if (rc == CLAW_ENOTFOUND) {
			claw_error_clear(err);
			rc = generate(r, NULL, &version, err);
		} else if (rc == CLAW_OK && latest.status == CLAW_SOLVER_DRAFT) {
			version = latest.version;
		} else if (rc == CLAW_OK && latest.feedback[0] == '\0' &&
			   latest.decided_at >= r->run.created_at) {
			set_outcome(r, OUT_GENERATED, "solver v%lld was rejected",
				    (long long)latest.version);
		} else if (rc == CLAW_OK) {
			rc = generate(r, &latest, &version, err);
		}
		claw_solver_free(&latest);
		if (rc != CLAW_OK || version == 0)
			return rc;
		rc = claw_solver_get(ctx->db, r->p->issue_id, version, &latest, err);
		if (rc == CLAW_OK)
			rc = approve(r, &latest, &approved, err);
		claw_solver_free(&latest);
		if (rc != CLAW_OK || r->outcome != OUT_NONE)
			return rc;
	}
	set_outcome(r, OUT_FAILED, "no solver was approved after %d generations",
		    CLAW_RUNNER_GENERATIONS_MAX);
	return CLAW_OK;
}

/* --------------------------------------------------------------- repair */

static int64_t
repairs_done(struct runner *r)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	if (claw_db_stmt(r->ctx.db,
			 "SELECT COUNT(*) FROM trace WHERE run_id = ? AND type = 'note'"
			 " AND json_extract(data, '$.action') = 'repaired'",
			 &st, NULL) != CLAW_OK)
		return 0;
	sqlite3_bind_int64(st, 1, r->p->run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	claw_db_finish(st);
	return n;
}

/* The run's step visits, for the repair's context. */
static void
trace_summary(struct runner *r, struct claw_buf *b)
{
	struct claw_trace_step *steps = NULL;
	struct claw_error err = {0};
	size_t n = 0;

	if (claw_tracer_flush(r->ctx.tracer, &err) != CLAW_OK ||
	    claw_reader_steps(r->ctx.db, r->p->run_id, &steps, &n, &err) != CLAW_OK)
		return;
	for (size_t i = n > CLAW_RUNNER_SUMMARY_STEPS ? n - CLAW_RUNNER_SUMMARY_STEPS : 0; i < n;
	     i++)
		(void)claw_buf_printf(b, "- %s / %s%s\n", steps[i].workflow, steps[i].name,
				      steps[i].ended ? "" : " (interrupted)");
	claw_trace_step_list_free(steps, n);
}

/* Repairs the failed solver; *repaired when a fixed version was stored and
 * approved. */
static enum claw_err
repair(struct runner *r, const struct claw_solver *solver, const struct claw_workflow *wf,
       const struct claw_engine_result *failure, int64_t k, bool *repaired, struct claw_error *err)
{
	struct claw_buf context = CLAW_BUF_INIT(CLAW_RUNNER_CONTEXT_MAX);
	struct claw_engine_result res = {0};
	char key[32], *tell = NULL;
	int64_t version = 0;
	enum claw_err rc;

	*repaired = false;
	(void)snprintf(key, sizeof key, "repair-%lld", (long long)k);
	(void)claw_buf_printf(&context,
			      "The solver below failed while running.\n\nReason: %s\nFailed step: "
			      "%s\nLast findings:\n%s\n\nThe solver (v%lld):\n%s\n\nThe run's "
			      "steps so far:\n",
			      failure->reason, failure->failed_step,
			      failure->findings[0] != '\0' ? failure->findings : "(none)",
			      (long long)solver->version, solver->spec);
	trace_summary(r, &context);
	claw_flow_mcp_docs(&r->ctx, &context);
	(void)claw_buf_puts(&context, "\nA repaired solver must keep every step name: the run "
				      "resumes with the steps already done.\n");
	rc = run_builtin(r, "repair", key, claw_buf_str(&context), wf, &res, &version, err);
	if (rc == CLAW_ESTOPPED) {
		halted(r);
		rc = CLAW_OK;
		goto out;
	}
	if (rc != CLAW_OK)
		goto out;
	if (!res.passed || version == 0) {
		struct claw_solver latest = {0};
		/* A resumed repair whose save had passed stored the newest version. */
		if (res.passed &&
		    claw_solver_latest(r->ctx.db, r->p->issue_id, &latest, err) == CLAW_OK &&
		    latest.version > solver->version)
			version = latest.version;
		claw_solver_free(&latest);
		claw_error_clear(err);
		if (version == 0) {
			set_outcome(r, OUT_FAILED, "%s; the repair failed too: %s", failure->reason,
				    res.passed ? "no solver was stored" : res.reason);
			goto out;
		}
	}
	rc = claw_solver_decide(r->ctx.db, r->p->issue_id, version, CLAW_SOLVER_APPROVED, NULL,
				"repair", err);
	if (rc != CLAW_OK)
		goto out;
	claw_flow_note(&r->ctx, CLAW_RECORD_NOTICE, "repaired",
		       "solver v%lld repaired as v%lld after: %s", (long long)solver->version,
		       (long long)version, failure->reason);
	if (failure->failed_step[0] != '\0') {
		tell = claw_xasprintf("The workflow was repaired after your step failed (%s). "
				      "Your step's goal and rubric may have changed: read them "
				      "again in the system prompt, then carry out your step.",
				      failure->reason);
		rc = claw_engine_tell(&r->ctx, CLAW_RUNNER_SOLVER_KEY, failure->failed_step, tell,
				      err);
		if (rc != CLAW_OK)
			goto out;
	}
	*repaired = true;
out:
	free(tell);
	claw_engine_result_free(&res);
	claw_buf_free(&context);
	return rc;
}

/* The review gate of a passed solver wf: its end sets the outcome, or
 * r->rework (the engine runs again from the reviewed step). */
static enum claw_err
review(struct runner *r, const struct claw_workflow *wf, struct claw_error *err)
{
	enum claw_review_end end = CLAW_REVIEW_KEPT;
	bool auto_merge = r->p->auto_merge || r->p->config->auto_merge;
	enum claw_err rc =
		claw_review_gate(&r->ctx, wf, CLAW_RUNNER_SOLVER_KEY, auto_merge, &end, err);

	r->rework = false;
	if (rc != CLAW_OK)
		return rc;
	switch (end) {
	case CLAW_REVIEW_REWORK:
		r->rework = true;
		break;
	case CLAW_REVIEW_MERGED:
		set_outcome(r, OUT_DONE, "its change was merged");
		break;
	case CLAW_REVIEW_KEPT:
		set_outcome(r, OUT_DONE, "its change is kept on branch %s",
			    r->ctx.worktree->branch);
		break;
	case CLAW_REVIEW_DISCARDED:
		set_outcome(r, OUT_DISCARDED, "its change was discarded");
		break;
	case CLAW_REVIEW_ACCEPTED:
		set_outcome(r, OUT_DONE, "its change was accepted");
		break;
	case CLAW_REVIEW_REVERTED:
		set_outcome(r, OUT_DISCARDED, "its change was reverted");
		break;
	}
	return CLAW_OK;
}

/* -------------------------------------------------------------- solving */

static enum claw_err
solve(struct runner *r, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = &r->ctx;
	enum claw_err rc = CLAW_OK;

	for (int pass = 0; pass <= CLAW_RUNNER_REPAIRS_MAX + 1; pass++) {
		struct claw_solver solver = {0};
		struct claw_workflow *wf = NULL;
		struct claw_engine_result res = {0};
		struct claw_engine_params ep = {.flow = ctx, .key = CLAW_RUNNER_SOLVER_KEY};
		char *problems = NULL;
		bool found = false, repaired = false;
		int64_t k;

		rc = choose_solver(r, &solver, &found, err);
		if (rc != CLAW_OK || !found)
			goto next;
		rc = claw_run_set_solver(ctx->db, r->p->run_id, solver.version, err);
		if (rc != CLAW_OK)
			goto next;
		claw_flow_changed(ctx);
		rc = parse_solver(r, solver.spec, &wf, &problems, err);
		if (rc != CLAW_OK) {
			set_outcome(r, OUT_FAILED, "%s", claw_error_text(err));
			rc = CLAW_OK;
			goto next;
		}
		ep.wf = wf;
		ctx->workflow_json = solver.spec;
		ctx->step_passed = claw_workspace_step_passed; /* the solver's steps only */
		r->ran_solver = true;
		do {
			r->rework = false;
			claw_engine_result_free(&res);
			rc = claw_engine_run(&ep, &res, err);
			claw_flow_mcp_rest(ctx); /* the review gate, or a repair, comes next */
			if (rc == CLAW_OK && res.passed && ctx->worktree != NULL)
				rc = review(r, wf, err);
		} while (rc == CLAW_OK && r->rework);
		ctx->step_passed = NULL;
		ctx->workflow_json = NULL;
		if (rc == CLAW_ESTOPPED) {
			halted(r);
			rc = CLAW_OK;
			goto next;
		}
		if (rc != CLAW_OK)
			goto next;
		if (res.passed) {
			if (r->outcome == OUT_NONE)
				set_outcome(r, OUT_DONE, "solver v%lld passed every step",
					    (long long)solver.version);
			goto next;
		}
		k = repairs_done(r);
		if (k >= CLAW_RUNNER_REPAIRS_MAX) {
			set_outcome(r, OUT_FAILED, "%s (after %lld repairs)", res.reason,
				    (long long)k);
			goto next;
		}
		rc = repair(r, &solver, wf, &res, k + 1, &repaired, err);
		if (rc == CLAW_OK && !repaired && r->outcome == OUT_NONE)
			set_outcome(r, OUT_FAILED, "%s", res.reason);
	next:
		free(problems);
		claw_engine_result_free(&res);
		claw_workflow_free(wf);
		claw_solver_free(&solver);
		if (rc != CLAW_OK || !repaired)
			return rc;
	}
	set_outcome(r, OUT_FAILED, "the solver kept failing after %d repairs",
		    CLAW_RUNNER_REPAIRS_MAX);
	return CLAW_OK;
}

/* --------------------------------------------------------------- set up */

static enum claw_err
finish(struct runner *r, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = &r->ctx;
	struct claw_error e = {0};
	enum claw_err rc = CLAW_OK;

	switch (r->outcome) {
	case OUT_NONE:
		set_outcome(r, OUT_FAILED, "%s", "the pipeline ended without an outcome (a bug)");
		/* fall through */
	case OUT_FAILED:
		claw_workspace_failed(ctx);
		claw_workspace_end(ctx, r->ran_solver);
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "failed", "%s", r->reason);
		rc = claw_run_set_status(ctx->db, r->p->run_id, CLAW_RUN_FAILED, r->reason, err);
		(void)claw_flow_issue_reopen(ctx, &e);
		break;
	case OUT_DONE:
		claw_workspace_end(ctx, r->ran_solver);
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "done", "%s", r->reason);
		rc = claw_run_set_status(ctx->db, r->p->run_id, CLAW_RUN_DONE, NULL, err);
		(void)claw_flow_issue_status(ctx, CLAW_ISSUE_DONE, &e);
		break;
	case OUT_GENERATED:
		claw_workspace_end(ctx, r->ran_solver);
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "generated", "%s", r->reason);
		rc = claw_run_set_status(ctx->db, r->p->run_id, CLAW_RUN_GENERATED, r->reason, err);
		(void)claw_flow_issue_status(ctx, CLAW_ISSUE_WAITING, &e);
		break;
	case OUT_DISCARDED:
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "discarded", "%s", r->reason);
		rc = claw_run_set_status(ctx->db, r->p->run_id, CLAW_RUN_DISCARDED, r->reason, err);
		(void)claw_flow_issue_reopen(ctx, &e);
		break;
	case OUT_STOPPED:
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "stopped",
			       "stopped at a safe point; the run can be resumed");
		break;
	}
	return rc;
}

enum claw_err
claw_runner_lock(const char *db_path, int64_t byte, int *fd, struct claw_error *err)
{
	char *path = claw_xasprintf("%s.runs.lock", db_path);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};
	enum claw_err rc = CLAW_OK;
	char e[128];

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		rc = claw_error_set(err, CLAW_EIO, "cannot open %s: %s", path,
				    claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	if (fcntl(*fd, F_OFD_SETLK, &fl) != 0) {
		int saved = errno;
		(void)close(*fd);
		*fd = -1;
		if (saved == EAGAIN || saved == EACCES)
			rc = claw_error_set(err, CLAW_ECONFLICT, "%s is locked", path);
		else
			rc = claw_error_set(err, CLAW_EIO, "cannot lock %s: %s", path,
					    claw_errno_text(saved, e, sizeof e));
	}
out:
	free(path);
	return rc;
}

/* Takes the run's executor lock; *fd holds it until closed. */
static enum claw_err
lock_run(const char *db_path, int64_t run_id, int *fd, struct claw_error *err)
{
	enum claw_err rc = claw_runner_lock(db_path, run_id, fd, err);
	if (rc == CLAW_ECONFLICT)
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "run #%lld is being executed by another process",
				    (long long)run_id);
	return rc;
}

/* Takes the lock of the project folder a run works in in place. */
static enum claw_err
lock_folder(const char *db_path, int *fd, struct claw_error *err)
{
	enum claw_err rc = claw_runner_lock(db_path, CLAW_RUNNER_FOLDER_LOCK, fd, err);
	if (rc == CLAW_ECONFLICT)
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "another run of this project is working in its folder (in "
				    "place) now: wait for it to end, or give the project isolation "
				    "worktree");
	return rc;
}

static char *
task_of(const struct claw_issue *is)
{
	if (is->description[0] == '\0')
		return claw_xasprintf("#%lld %s", (long long)is->id, is->title);
	return claw_xasprintf("#%lld %s\n\n%s", (long long)is->id, is->title, is->description);
}

/* A resumed run first closes what the process before it left open (it
 * died, or stopped to be resumed): each span gets its end, marked
 * interrupted, lasting until the journal's last row, innermost first.  The
 * run then enters its workflow and step afresh, so the tree stays whole
 * and the time spent before the stop counts (a turn's toward the seconds
 * budget). */
static enum claw_err
close_interrupted(struct claw_flow_ctx *ctx, struct claw_error *err)
{
	struct claw_record_list open = {0};
	int64_t last_ms = 0;
	enum claw_err rc;

	if (claw_tracer_last_span(ctx->tracer) == 0)
		return CLAW_OK; /* a fresh run */
	rc = claw_reader_open_spans(ctx->db, claw_tracer_run_id(ctx->tracer), &open, &last_ms, err);
	for (size_t i = 0; rc == CLAW_OK && i < open.n; i++)
		claw_trace_close_interrupted(ctx->tracer, &open.v[i], last_ms - open.v[i].ts_ms);
	claw_record_list_free(&open);
	return rc;
}

/* Opens the run's db and loads the run (which must be active and of the
 * issue), its issue, project and task into r and its context. */
static enum claw_err
load_run(struct runner *r, struct claw_error *err)
{
	const struct claw_runner_params *p = r->p;
	struct claw_flow_ctx *ctx = &r->ctx;
	enum claw_err rc = claw_db_open(p->db_path, CLAW_DB_OPEN, &ctx->db, err);

	if (rc == CLAW_OK)
		rc = claw_run_get(ctx->db, p->run_id, &r->run, err);
	if (rc != CLAW_OK)
		return rc;
	if (r->run.issue_id != p->issue_id)
		return claw_error_set(err, CLAW_EINVAL, "run #%lld is not a run of issue #%lld",
				      (long long)p->run_id, (long long)p->issue_id);
	if (!claw_run_status_active(r->run.status))
		return claw_error_set(err, CLAW_ECONFLICT, "run #%lld is %s, not active",
				      (long long)p->run_id, claw_run_status_name(r->run.status));
	rc = claw_issue_get(ctx->db, p->issue_id, &r->issue, err);
	if (rc != CLAW_OK)
		return rc;
	ctx->issue = &r->issue;
	rc = claw_project_load_db(ctx->db, &r->project, err);
	if (rc != CLAW_OK)
		return rc;
	ctx->project_path = r->project.path;
	r->task = task_of(&r->issue);
	ctx->task = r->task;
	return CLAW_OK;
}

/* What executing needs: the model client, the tools, the sandbox, the
 * project's secrets.  When any is missing the run cannot execute here at
 * all: it is marked failed, saying why, and its issue reopens. */
static enum claw_err
equip(struct runner *r, struct claw_error *err)
{
	const struct claw_runner_params *p = r->p;
	struct claw_flow_ctx *ctx = &r->ctx;
	struct claw_sandbox_opts sbo;
	struct claw_error e = {0};
	enum claw_err rc = claw_config_require_agent(p->config, err);

	if (rc == CLAW_OK)
		rc = claw_flow_registry(&r->tools, err);
	if (rc == CLAW_OK)
		rc = claw_builtins_check(r->tools, err);
	if (rc == CLAW_OK)
		rc = claw_pricing_load(p->config->pricing_file, &r->pricing, err);
	if (rc == CLAW_OK)
		rc = claw_llm_client_from_config(p->config, r->pricing, &ctx->client, err);
	if (rc == CLAW_OK) {
		claw_sandbox_opts_from_config(&sbo, p->config);
		rc = claw_sandbox_new(&sbo, &ctx->sandbox, err);
	}
	if (rc == CLAW_OK) {
		char *secrets_path = claw_secrets_path(p->config->home, p->project_key);
		rc = claw_secrets_load(secrets_path, &r->secrets, err);
		free(secrets_path);
	}
	if (rc == CLAW_OK) {
		char *mcp_path = claw_mcp_config_path(p->config->home, p->project_key);
		rc = claw_mcp_config_load(mcp_path, r->secrets, &r->mcp, err);
		free(mcp_path);
	}
	if (rc != CLAW_OK) {
		(void)claw_run_set_status(ctx->db, p->run_id, CLAW_RUN_FAILED, claw_error_text(err),
					  &e);
		(void)claw_issue_reopen(ctx->db, p->issue_id, &e);
		if (ctx->fe != NULL && ctx->fe->issue_changed != NULL)
			ctx->fe->issue_changed(ctx->fe->ctx, p->issue_id);
		return rc;
	}
	ctx->tools = r->tools;
	ctx->secrets = r->secrets;
	ctx->mcp_config = r->mcp.n != 0 ? &r->mcp : NULL;
	return CLAW_OK;
}

/* The project's AGENTS.md (or CLAUDE.md) from the work folder when the
 * run starts, for every agent's system prompt, traced once with its text;
 * a resumed run takes that text back from the trace (the file in its work
 * folder is the agents' to edit since). */
static enum claw_err
read_instructions(struct runner *r, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = &r->ctx;
	enum claw_err rc =
		r->resumed ? claw_instructions_recall(ctx->db, r->p->run_id, &r->instructions, err)
			   : claw_instructions_load(ctx->project_path, r->secrets, &r->instructions,
						    err);
	if (rc != CLAW_OK || r->instructions.name == NULL)
		return rc;
	ctx->instructions = &r->instructions;
	if (r->resumed)
		return CLAW_OK;
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "action", json_object_new_string("instructions"));
	(void)json_object_object_add(d, "path", json_object_new_string(r->instructions.name));
	(void)json_object_object_add(d, "bytes", json_object_new_int64(r->instructions.bytes));
	char *msg =
		claw_xasprintf("the project's instructions%s are in every agent's system prompt",
			       r->instructions.clipped ? ", clipped," : "");
	(void)json_object_object_add(d, "message", json_object_new_string(msg));
	(void)json_object_object_add(d, "text", json_object_new_string(r->instructions.text));
	(void)json_object_object_add(d, "clipped",
				     json_object_new_boolean(r->instructions.clipped));
	free(msg);
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_NOTE, CLAW_RECORD_NOTICE, d);
	json_object_put(d);
	return CLAW_OK;
}

enum claw_err
claw_runner_run(const struct claw_runner_params *p, const struct claw_frontend *fe,
		struct claw_error *err)
{
	struct runner *r = CLAW_NEW(struct runner);
	struct claw_flow_ctx *ctx = &r->ctx;
	struct claw_trace_store *own_store = NULL;
	struct claw_error e = {0};
	int lock_fd = -1, folder_fd = -1;
	enum claw_err rc;

	r->p = p;
	r->outcome = OUT_NONE;
	ctx->config = p->config;
	ctx->fe = fe;
	ctx->run_id = p->run_id;
	ctx->issue_id = p->issue_id;
	ctx->project_key = p->project_key;

	rc = lock_run(p->db_path, p->run_id, &lock_fd, err);
	if (rc == CLAW_OK)
		rc = load_run(r, err);
	if (rc == CLAW_OK)
		rc = equip(r, err);
	if (rc != CLAW_OK)
		goto out;
	claw_llm_client_set_cancel(ctx->client, cancel_cb, ctx);
	claw_llm_client_set_stop_grace(ctx->client, p->config->stop_grace_s * 1000);
	claw_llm_client_set_live(ctx->client, live_cb, ctx);

	if (r->run.status == CLAW_RUN_QUEUED) {
		rc = claw_run_set_status(ctx->db, p->run_id, CLAW_RUN_RUNNING, NULL, err);
		if (rc != CLAW_OK)
			goto out;
	}
	if (p->store == NULL) {
		rc = claw_trace_store_open(p->db_path, p->project_key, p->bus, &own_store, err);
		if (rc != CLAW_OK)
			goto out;
	}
	rc = claw_trace_store_tracer_new(p->store != NULL ? p->store : own_store, ctx->db,
					 p->run_id, &ctx->tracer, err);
	if (rc == CLAW_OK)
		rc = close_interrupted(ctx, err);
	if (rc != CLAW_OK)
		goto out;
	if (fe != NULL && fe->add_sinks != NULL)
		fe->add_sinks(fe->ctx, ctx->tracer);

	claw_budget_init(&ctx->budget, p->config->budget_tokens, p->config->budget_seconds,
			 p->config->budget_usd_micros);
	rc = claw_budget_load(&ctx->budget, ctx->db, p->run_id, err);
	if (rc != CLAW_OK)
		goto out;
	r->resumed = claw_tracer_last_span(ctx->tracer) > 0;
	claw_flow_note(
		ctx, CLAW_RECORD_NOTICE, r->resumed ? "resume" : "start",
		"run #%lld of issue #%lld by %s", (long long)p->run_id, (long long)p->issue_id,
		p->started_by != NULL && p->started_by[0] != '\0' ? p->started_by : "someone");
	(void)claw_flow_issue_status(ctx, CLAW_ISSUE_INPROGRESS, &e);

	if (claw_workspace_in_place(ctx->db, p->run_id, &r->project))
		rc = lock_folder(p->db_path, &folder_fd, err);
	if (rc == CLAW_OK)
		rc = claw_workspace_begin(ctx, &r->project, err);
	if (rc == CLAW_OK)
		rc = read_instructions(r, err);
	if (rc == CLAW_OK) {
		claw_flow_mcp_open(ctx, r->tools);
		rc = solve(r, err);
		claw_flow_mcp_close(ctx);
	}
	if (rc != CLAW_OK) {
		set_outcome(r, OUT_FAILED, "%s", claw_error_text(err));
		claw_log_error("run #%lld: %s", (long long)p->run_id, claw_error_text(err));
	}
	{
		struct claw_error ferr = {0};
		enum claw_err frc = finish(r, &ferr);
		if (rc == CLAW_OK && frc != CLAW_OK) {
			rc = frc;
			*err = ferr;
		}
	}
	if (rc == CLAW_OK && r->outcome == OUT_STOPPED)
		rc = claw_error_set(err, CLAW_ESTOPPED, "%s", r->reason);
	else if (rc == CLAW_OK && r->outcome == OUT_FAILED &&
		 claw_flow_halted(ctx, NULL, NULL) == CLAW_HALT_USER)
		rc = claw_error_set(err, CLAW_ESTOPPED, "%s", r->reason);
	(void)claw_tracer_flush(ctx->tracer, &e);
	claw_flow_changed(ctx);
out:
	if (ctx->tracer != NULL) {
		(void)claw_tracer_flush(ctx->tracer, &e);
		claw_tracer_free(ctx->tracer);
	}
	claw_trace_store_close(own_store);
	claw_workspace_free(ctx);
	claw_registry_free(r->tools);
	claw_mcp_config_free(&r->mcp);
	claw_secrets_free(r->secrets);
	claw_instructions_free(&r->instructions);
	claw_sandbox_free(ctx->sandbox);
	claw_llm_client_free(ctx->client);
	claw_pricing_free(r->pricing);
	free(r->task);
	free(r->edit_refused);
	claw_project_free(&r->project);
	claw_issue_free(&r->issue);
	claw_run_free(&r->run);
	claw_db_close(ctx->db);
	if (lock_fd >= 0)
		(void)close(lock_fd);
	if (folder_fd >= 0)
		(void)close(folder_fd);
	free(r);
	return rc;
}
