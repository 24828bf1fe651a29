/*
 * context — what every part of a running run shares: the handles the runner
 * opened, the issue, the budget, the front end, and the stop flag.
 *
 * The runner (runner.c) fills one struct claw_flow_ctx per run on the run's
 * thread and lends it to the engine, the turn loop, the critic, the ask
 * ladder and the gates; the runner owns the struct and frees what it opened
 * when the run ends.  The handles are borrowed.  The run-wide state has one
 * owner each, and everyone else goes through its API:
 *   - the stop: written only by claw_flow_halt and claw_flow_should_stop
 *     (the first halt wins), read through claw_flow_halted;
 *   - the budget meter: budget.h (the turn loop charges, the budget gate
 *     grants, the engine narrows the limits to a workflow's own budget for
 *     the workflow's duration with claw_budget_push/claw_budget_pop).
 * Outside src/flow nobody sees it.
 *
 * Also here: the small helpers those modules share (the stop poll, the model
 * of a role, notes and status changes that also nudge the board).
 *
 * Threads: a context belongs to its run's thread.  Only the front end's
 * stop_requested, which it calls, is polled from elsewhere (the model
 * client's cancel callback runs on the same thread, during a transfer).
 */
#ifndef CLAW_FLOW_CONTEXT_H
#define CLAW_FLOW_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "flow/budget.h"
#include "flow/frontend.h"
#include "store/db.h"
#include "store/issues.h"
#include "trace/tracer.h"

struct claw_mcp_config;
struct claw_mcp_servers;

struct claw_worktree; /* tool/workdir.h */

struct claw_llm_client;
struct claw_sandbox;
struct claw_secrets;
struct claw_registry;
struct claw_flow_define;
struct claw_instructions;

#define CLAW_FLOW_REASON_MAX 1024 /* bytes of a stop or failure reason kept */

/* Why a run stopped before its end: set by whoever noticed, read by the
 * runner to choose the final statuses. */
enum claw_halt {
	CLAW_HALT_NONE,
	CLAW_HALT_USER,       /* stop_requested or a gate wait said stop */
	CLAW_HALT_SUPERVISOR, /* the supervisor (or a person at the ladder) said stop */
	CLAW_HALT_BUDGET,     /* a budget gate was answered stop */
	CLAW_HALT_BACKEND,    /* the model backend failed for good */
};

/* All pointers borrowed from the runner for the life of the run. */
struct claw_flow_ctx {
	const struct claw_config *config;
	const struct claw_frontend *fe;
	struct claw_db *db;             /* the run thread's connection */
	struct claw_tracer *tracer;     /* the run's tracer */
	struct claw_llm_client *client; /* the run thread's model client */
	struct claw_sandbox *sandbox;   /* where bash runs */
	const struct claw_secrets *secrets;
	const struct claw_registry *tools; /* every tool: built-ins and the flow's own, and
					      MCP tools once their server has started */
	/* The project's MCP servers (mcp/servers.h): steps naming mcp__S__T
	 * start S; NULL when the project has none. */
	struct claw_mcp_servers *mcp;
	const struct claw_mcp_config *mcp_config; /* their config, or NULL */
	const char *project_key;
	const char *project_path; /* real absolute path of the run's work folder: the project
				   folder, or its worktree (workspace.h) */
	int64_t run_id;
	int64_t issue_id;
	const struct claw_issue *issue;
	const char *task;                /* "#N title\n\ndescription", for prompts and recall */
	const char *workflow_json;       /* the workflow being run (recall), or NULL */
	struct claw_budget_meter budget; /* the run's budget (spent and limits) */
	struct claw_flow_define *define; /* define_workflow's target while generate or repair
					    runs; NULL otherwise */
	struct claw_worktree *worktree;  /* the run's own worktree (workspace.h), or NULL: the
					    run works in place */
	/* The project's AGENTS.md or CLAUDE.md (instructions.h), put into
	 * every agent's system prompt by the turn loop; NULL: none loaded. */
	const struct claw_instructions *instructions;
	/* Called when a step of the workflow being run passes, before its
	 * snapshot is saved (the runner commits it: workspace.h); NULL: none. */
	void (*step_passed)(struct claw_flow_ctx *ctx, const char *step, const char *goal);
	/* The stop: context.c's (see above), set once. */
	enum claw_halt halt;
	char halt_reason[CLAW_FLOW_REASON_MAX];
	char stopped_by[128]; /* who asked for a user stop; "" when nobody was named */
};

/* Why the run halted (CLAW_HALT_NONE: it has not); *reason (may be NULL)
 * gets the reason, "" when none, and *by (may be NULL) who asked for a user
 * stop, "" when nobody was named.  Both point into ctx. */
enum claw_halt claw_flow_halted(const struct claw_flow_ctx *ctx, const char **reason,
				const char **by);

/* True when the run must stop now: a halt was recorded earlier, or the
 * front end's stop_requested says so (then the halt is recorded as
 * CLAW_HALT_USER with who asked).  Cheap; call at every safe point. */
bool claw_flow_should_stop(struct claw_flow_ctx *ctx);

/* Records why the run stops (the first halt wins; later ones are ignored).
 * Returns CLAW_ESTOPPED so callers can `rc = claw_flow_halt(...)`. */
enum claw_err claw_flow_halt(struct claw_flow_ctx *ctx, enum claw_halt why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The model of a role name ("worker", "reviewer", ...): CLAW_AGENT_<ROLE>
 * or CLAW_MODEL.  Never NULL once claw_config_require_agent passed. */
const char *claw_flow_model(const struct claw_flow_ctx *ctx, const char *role);

/* Writes a `note` {action, message} at level. */
void claw_flow_note(struct claw_flow_ctx *ctx, int level, const char *action, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets the issue's status and tells the front end.  Errors are logged and
 * returned. */
enum claw_err claw_flow_issue_status(struct claw_flow_ctx *ctx, enum claw_issue_status s,
				     struct claw_error *err);
/* The same with claw_issue_reopen(): the run ended without a result. */
enum claw_err claw_flow_issue_reopen(struct claw_flow_ctx *ctx, struct claw_error *err);

/* Tells the front end the issue's board snapshot may have changed. */
void claw_flow_changed(struct claw_flow_ctx *ctx);

#endif
