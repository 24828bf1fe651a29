/*
 * runs — the run manager of claw serve: a counting semaphore of executing
 * runs, a FIFO queue behind it, one thread per executing run, stop flags,
 * and adoption of runs left behind by a previous process.
 *
 * Start (POST .../start) creates the run row `queued` (the store refuses a
 * second active run of an issue: 409), sets the issue `queued`, and either
 * starts the run's thread at once or queues it.  At most max_runs runs
 * *execute* at once: a run parked at a human gate gives its slot back while
 * it waits (it costs a sleeping thread, nothing else) and takes one again,
 * ahead of queued starts, once answered.  A run that works in its project
 * folder itself (isolation inplace, SPEC 9) stays queued, letting the
 * runs behind it pass, while another such run of the project has a thread
 * (executing, parked or waiting for a slot): one run works in a folder at
 * a time.  A run thread marks its run
 * `running` and its issue `inprogress`, then calls the pipeline (the issue
 * runner, src/flow) with a front end whose wait_gate parks in src/server/
 * gate.c, whose issue_changed nudges the board (and traces the notes left
 * for the run, claw_runs_note), and whose stop_requested reads the run's
 * stop flag.  When the pipeline returns, the manager makes
 * sure the run has ended (a pipeline that returned an error without ending
 * it gets `failed` with the error), publishes `end` on the run's topic with
 * its final status, and lets the next queued run in.  A failing run never
 * takes the server down.
 *
 * Stop (POST .../stop): a queued run is taken off the queue and failed at
 * once; an executing or parked one gets its stop flag (with who asked) and
 * stops at the engine's next safe point, then the manager fails it
 * ("stopped by X") if the engine did not, and reopens the issue (or closes
 * it, for POST .../close).  A run that is `running` in the db but not live
 * here (parked before a restart) is failed directly.
 *
 * Shutdown: every run gets its stop flag *without* a person: the pipeline
 * returns at its next safe point and the run stays `running`, to be adopted
 * by the next boot; queued runs stay `queued`.  Adoption (at boot, before
 * requests are served): every `queued` run is queued again, oldest first;
 * every `running` run whose journal has an open gate stays parked without a
 * thread (answering it resumes it); every other `running` run is resumed.
 *
 * Webhooks (webhook.h): the manager sends gate_opened when a run thread
 * parks at a gate and run_ended when it settles a run; a delivery that
 * failed comes back as claw_runs_note.
 *
 * Trace stores: the manager keeps one struct claw_trace_store per project
 * (opened by the first run of the project, closed by claw_runs_free), so
 * the runs of a project share one writer connection and group commits.
 *
 * Threads and locks: thread-safe.  runs.mu guards the table, the queue,
 * the slot count and the store table; it is never held across SQLite, the pipeline, the bus or
 * thread joins.  Lock order: runs.mu before gates.mu (attach/detach/kick
 * are called under runs.mu) and before a trace store's own lock (its
 * counters are read under runs.mu); runs.mu is never taken under either.
 */
#ifndef CLAW_SERVER_RUNS_H
#define CLAW_SERVER_RUNS_H

#include <stdbool.h>
#include <stdint.h>

#include "trace/sink_store.h"

#include "base/config.h"
#include "base/err.h"
#include "flow/frontend.h"
#include "flow/runner.h"
#include "store/db.h"

struct claw_bus;
struct claw_gates;
struct claw_board;
struct claw_runs;
struct claw_webhook;

/* Runs (or resumes) one issue's pipeline to an end state on the calling
 * thread: claw_runner_run (src/flow/runner.h) in claw serve, small scripted
 * functions in the manager's tests.  Returns CLAW_ESTOPPED when
 * fe->stop_requested stopped it.  The params are borrowed for the call;
 * params->store is the project's trace store, shared by the project's runs
 * in this process. */
typedef enum claw_err (*claw_runs_pipeline_fn)(const struct claw_runner_params *params,
					       const struct claw_frontend *fe,
					       struct claw_error *err);

struct claw_runs_options {
	const struct claw_config *config; /* borrowed, outlives the manager: home */
	int64_t max_runs;                 /* executing at once, >= 1 */
	struct claw_bus *bus;             /* borrowed: `end` events, and the pipeline's */
	struct claw_gates *gates;         /* borrowed */
	struct claw_board *board;         /* borrowed, may be NULL */
	struct claw_webhook *webhook;     /* borrowed, may be NULL: gate opened, run ended */
	claw_runs_pipeline_fn pipeline;   /* NULL: starts fail with CLAW_ECONFIG */
};

struct claw_runs *claw_runs_new(const struct claw_runs_options *o);
/* After claw_runs_shutdown.  NULL-safe. */
void claw_runs_free(struct claw_runs *r);

/* Starts issue_id of project (db: the caller's connection to its db): 202
 * semantics.  *run_id gets the new run, *queued whether it waits for a slot.
 * CLAW_ENOTFOUND unknown issue, CLAW_ECONFLICT "issue #N already has an
 * active run (#M)", CLAW_ECONFIG when no pipeline is configured,
 * CLAW_ESTOPPED while shutting down. */
enum claw_err claw_runs_start(struct claw_runs *r, struct claw_db *db, const char *project,
			      int64_t issue_id, const char *by, int64_t *run_id, bool *queued,
			      struct claw_error *err);

/* Resumes run_id (status running, not live here) after an answer was
 * written for it: queued for a slot like a start, ahead of starts. */
enum claw_err claw_runs_resume(struct claw_runs *r, const char *project, int64_t issue_id,
			       int64_t run_id, const char *by, struct claw_error *err);

/* Stops the active run of issue_id (see the header comment); close_issue
 * leaves the issue `closed` instead of `open` when the run has ended.
 * CLAW_ECONFLICT "issue #N has no active run" when there is none. */
enum claw_err claw_runs_stop(struct claw_runs *r, struct claw_db *db, const char *project,
			     int64_t issue_id, const char *by, bool close_issue,
			     struct claw_error *err);

/* Adopts what a previous process left (see the header comment), for every
 * registered project under the config's home.  A project that cannot be
 * read is skipped with a warning. */
enum claw_err claw_runs_adopt(struct claw_runs *r, struct claw_error *err);

/* Traces a note {action, message} in run_id's journal, for things that
 * happen to a run outside its thread (a webhook that failed).  A run live
 * here gets it from its own thread, with its own tracer (so the note's span
 * id cannot collide with the run's), at the next issue_changed or when it
 * wakes from a gate: a parked run's note waits for the answer.  A run that
 * is not live here gets it written beside it at once, through the
 * project's trace store (blocks on SQLite until it is committed).  A note
 * of a queued run that is stopped is written beside it; one left when the
 * manager is freed is logged, not traced.  Call from any thread but a
 * run's own, never under runs.mu. */
void claw_runs_note(struct claw_runs *r, const char *project, int64_t run_id, const char *action,
		    const char *message);

/* True when run_id of project is queued, executing or parked here. */
bool claw_runs_live(struct claw_runs *r, const char *project, int64_t run_id);

struct claw_runs_stats {
	int64_t executing;  /* holding a slot */
	int64_t queued;     /* waiting for a slot (starts and resumes) */
	int64_t parked;     /* live threads waiting at a gate */
	int64_t started;    /* run threads started since boot */
	int64_t finished;   /* run threads ended since boot */
	int64_t end_events; /* `end` events published on run topics */
	int64_t tokens_in;  /* summed over runs that ended here */
	int64_t tokens_out;
	int64_t tokens_cached;      /* read from the provider's prompt cache */
	int64_t tokens_cache_write; /* written to it */
	int64_t cost_micros;
	/* Time to first byte of the replies of runs that ended here (SPEC 11:
	 * reply.ttft_ms): how many and their sum, and p50/p95 of the last
	 * CLAW_RUNS_TTFT_KEEP (-1 when none). */
	int64_t ttft_count;
	int64_t ttft_sum_ms;
	int64_t ttft_p50_ms;
	int64_t ttft_p95_ms;
	struct claw_trace_store_stats trace; /* summed over the projects' trace stores */
};
#define CLAW_RUNS_TTFT_KEEP 1024
void claw_runs_get_stats(struct claw_runs *r, struct claw_runs_stats *out);

/* Stops everything for shutdown (see the header comment) and waits until
 * deadline_ms (monotonic) for run threads to end; threads still running
 * then are left (their runs stay resumable) and claw_runs_free leaks their
 * state rather than freeing it under them.  Returns the number left (0 for
 * NULL). */
int claw_runs_shutdown(struct claw_runs *r, int64_t deadline_ms);

#endif
