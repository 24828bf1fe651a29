/*
 * runner — the pipeline of one run of an issue (SPEC.md section 4.3).
 *
 * claw_runner_run() drives one run row to an end state on the calling
 * thread: it resumes the run (or starts it), sets the issue `inprogress`,
 * reuses the issue's latest approved solver or runs the built-in generate
 * workflow, raises the approval gate (unless auto-approved), runs the solver
 * with the engine, repairs it at most twice when it fails for a reason that
 * is not a deliberate stop, a budget stop or a backend error, and writes the
 * final statuses of the run and the issue.
 *
 * Durability: everything a resumed run needs is in the db (the trace rows,
 * the solver versions, the workflow snapshots and the exchange checkpoints),
 * so a process killed at any point leaves a run that the next
 * claw_runner_run() with the same run id continues: done steps are skipped,
 * the interrupted step continues its conversation from its last checkpoint,
 * and a gate that was open is found open (or answered) again.
 *
 * Stopping: the front end's stop_requested is polled at safe points (between
 * turns, tool calls and steps; a model call in flight is cancelled), and a
 * gate wait may return CLAW_ESTOPPED.  When stop_requested names who asked
 * (*by not NULL: the server's stop route), the run ends `failed` with the
 * reason "stopped by <by>" and the issue goes back to `open`.  When it names
 * nobody (*by NULL: Ctrl-C on the console, a server shutdown), the run row
 * and the issue are left `running`/`inprogress` so the run can be resumed
 * (the console) or adopted at the next boot (the server).
 *
 * One executor per run: the runner holds a lock for the run (an
 * open-file-description lock next to the db, released by the kernel when
 * its holder dies), so a run executing in one process is refused to another
 * with CLAW_ECONFLICT "run #N is being executed by another process".
 *
 * Threads: runs on the caller's thread (a run thread of the server, the main
 * thread of `claw run`).  It opens its own db connections, model client,
 * sandbox and trace store; nothing is shared with other runs except the bus
 * (thread-safe) and the read-only config.
 */
#ifndef CLAW_FLOW_RUNNER_H
#define CLAW_FLOW_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "flow/frontend.h"

struct claw_bus;         /* src/trace/bus.h */
struct claw_trace_store; /* src/trace/sink_store.h */

/* The snapshot key (claw_engine_params.key) of the solver workflow's state:
 * readers of a run's progress (the server's Issue view) look it up. */
#define CLAW_RUNNER_SOLVER_KEY "solver"

/* Every pointer is borrowed for the duration of claw_runner_run(). */
struct claw_runner_params {
	const struct claw_config *config; /* borrowed */
	const char *project_key;          /* borrowed */
	const char *db_path; /* the project's db; the runner opens its own connections */
	int64_t issue_id;
	int64_t run_id;         /* an existing run row (queued/running) to execute or resume */
	const char *started_by; /* who started it ("console", a user name) */
	struct claw_bus *bus;   /* publish trace rows + board nudges here (may be NULL on the
				   console) */
	struct claw_trace_store *store; /* the project's trace store to attach the run's tracer
					   to (the server keeps one per project); NULL: the
					   runner opens its own on db_path, publishing to bus */
	bool auto_approve; /* skip the approval gate (--yes); CLAW_AUTO_APPROVE also does */
	bool auto_merge;   /* merge at the review gate without asking (--merge);
			      CLAW_AUTO_MERGE also does */
};

/* Runs (or resumes) the issue pipeline to an end state on the calling
 * thread.  CLAW_OK when the run reached an end state (done, failed,
 * generated: read the run row for which); CLAW_ESTOPPED when it stopped on
 * request (see Stopping above); another code when the run could not be
 * executed at all (db unreadable, no model configured), with the run marked
 * failed where that was possible. */
enum claw_err claw_runner_run(const struct claw_runner_params *p, const struct claw_frontend *fe,
			      struct claw_error *err);

/* Takes an exclusive lock on byte `byte` of "<db_path>.runs.lock"
 * (F_OFD_SETLK: never waits; dropped by the kernel when fd is closed or its
 * holder dies); *fd holds it until closed.  CLAW_ECONFLICT when someone
 * else holds it.  Byte run_id is the run's executor lock; byte
 * CLAW_RUNNER_FOLDER_LOCK is held by the run that works in the project
 * folder in place (one at a time); review.h uses another range. */
#define CLAW_RUNNER_FOLDER_LOCK ((int64_t)1 << 41)
enum claw_err claw_runner_lock(const char *db_path, int64_t byte, int *fd, struct claw_error *err);

#endif
