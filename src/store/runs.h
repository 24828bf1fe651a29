/*
 * runs — the ledger of runs: one row per execution of an issue's pipeline.
 *
 * A run is created `queued` or `running`; it ends `done`, `failed` (with a
 * reason) or `generated` (a solver was written but the person rejected it
 * without feedback).  A resumed run keeps its id and status `running`.  At
 * most one run per issue is active (queued or running): claw_run_insert
 * refuses a second with CLAW_ECONFLICT, checked inside the insert's
 * transaction.
 *
 * Threads: functions use the caller's connection (one thread at a time).
 */
#ifndef CLAW_STORE_RUNS_H
#define CLAW_STORE_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/db.h"

enum claw_run_status {
	CLAW_RUN_QUEUED,
	CLAW_RUN_RUNNING,
	CLAW_RUN_DONE,
	CLAW_RUN_FAILED,
	CLAW_RUN_GENERATED,
	CLAW_RUN_DISCARDED, /* its change was thrown away at the review gate */
	CLAW_RUN_STATUS_COUNT
};

/* "queued", "running", "done", "failed", "generated", "discarded"; static. */
const char *claw_run_status_name(enum claw_run_status s);
enum claw_err claw_run_status_parse(const char *name, enum claw_run_status *out);
/* queued or running. */
bool claw_run_status_active(enum claw_run_status s);

#define CLAW_RUN_END_REASON_MAX 512 /* bytes of the reason an `end` event carries */
#define CLAW_RUN_END_JSON_MAX 4096  /* its whole data, the reason escaped at worst */
/* Appends the data of a run stream's `end` event, {"runId","status",
 * "reason"} (the reason clipped at CLAW_RUN_END_REASON_MAX bytes, on a
 * UTF-8 boundary), to out: the one writer, for live streams and replays. */
void claw_run_end_json(struct claw_buf *out, int64_t run_id, enum claw_run_status status,
		       const char *reason);

/* Strings owned by the struct: free with claw_run_free(). */
struct claw_run {
	int64_t id;
	int64_t issue_id;
	int64_t solver_version; /* 0 until a solver is chosen */
	enum claw_run_status status;
	char *reason;     /* "" when none */
	char *started_by; /* "" when unknown; "console" from the CLI */
	int64_t created_at;
	int64_t ended_at; /* 0 while active */
};

void claw_run_free(struct claw_run *r);

/* Inserts a run of issue_id with the given active status (queued or
 * running, else CLAW_EINVAL); started_by may be NULL.  *id_out gets its id
 * (may be NULL).  CLAW_ENOTFOUND "issue #N not found"; CLAW_ECONFLICT "issue
 * #N already has an active run (#M)" when one is queued or running.  The
 * check and the insert run in one BEGIN IMMEDIATE transaction, or inside the
 * caller's when one is open (then the caller commits or rolls back); a
 * partial unique index backs it in the schema. */
enum claw_err claw_run_insert(struct claw_db *db, int64_t issue_id, enum claw_run_status status,
			      const char *started_by, int64_t *id_out, struct claw_error *err);
/* CLAW_ENOTFOUND "run #N not found". */
enum claw_err claw_run_get(struct claw_db *db, int64_t id, struct claw_run *out,
			   struct claw_error *err);
/* Sets status and reason (NULL → "").  An ending status (done/failed/
 * generated) stamps ended_at = now; an active one clears it (a resumed run)
 * and fails with CLAW_ECONFLICT when another run of the issue is active.
 * CLAW_ENOTFOUND for an unknown run. */
enum claw_err claw_run_set_status(struct claw_db *db, int64_t id, enum claw_run_status s,
				  const char *reason, struct claw_error *err);
/* Records the solver version the run executes.  CLAW_ENOTFOUND for an
 * unknown run. */
enum claw_err claw_run_set_solver(struct claw_db *db, int64_t id, int64_t solver_version,
				  struct claw_error *err);
/* Where a run works when it has its own git worktree (SPEC section 9); all
 * "" for a run in place.  Strings owned: free with claw_run_work_free(). */
struct claw_run_work {
	char *repo;     /* the project's work tree top, where the change lands */
	char *worktree; /* the worktree's top folder */
	char *workdir;  /* the run's work folder in it */
	char *gitdir;   /* the worktree's own git folder */
	char *branch;   /* claw/issue-N-run-M */
	char *base;     /* the commit it started from */
	char *head;     /* the branch's last commit once the change landed (merged, kept,
			   discarded, accepted, reverted); "" before */
};

void claw_run_work_free(struct claw_run_work *w);
/* Records w (its strings; NULL is "") on run id.  CLAW_ENOTFOUND for an
 * unknown run. */
enum claw_err claw_run_set_work(struct claw_db *db, int64_t id, const struct claw_run_work *w,
				struct claw_error *err);
/* Loads it; a run in place gets all "".  CLAW_ENOTFOUND for an unknown
 * run. */
enum claw_err claw_run_get_work(struct claw_db *db, int64_t id, struct claw_run_work *out,
				struct claw_error *err);

/* The newest run of the project that has (or had) its own worktree;
 * CLAW_ENOTFOUND "no run has a change of its own yet" when none. */
enum claw_err claw_run_latest_with_work(struct claw_db *db, int64_t *id, struct claw_error *err);

/* A run's change in numbers (its worktree's base..head), kept on its row
 * for the board. */
struct claw_run_stat {
	int64_t files, additions, deletions;
};
enum claw_err claw_run_set_stat(struct claw_db *db, int64_t id, const struct claw_run_stat *s,
				struct claw_error *err);
enum claw_err claw_run_get_stat(struct claw_db *db, int64_t id, struct claw_run_stat *out,
				struct claw_error *err);

/* The journal of how a run's change landed (flow/review.h says what the
 * text holds; "" before).  get: *out owned, free() it.  CLAW_ENOTFOUND for
 * an unknown run. */
#define CLAW_RUN_LANDING_MAX 512
enum claw_err claw_run_set_landing(struct claw_db *db, int64_t id, const char *landing,
				   struct claw_error *err);
enum claw_err claw_run_get_landing(struct claw_db *db, int64_t id, char **out,
				   struct claw_error *err);
/* Sets the run's head (struct claw_run_work) alone: its last commit as its
 * change lands, "" again when the run works on.  CLAW_ENOTFOUND for an
 * unknown run. */
enum claw_err claw_run_set_head(struct claw_db *db, int64_t id, const char *head,
				struct claw_error *err);

/* The newest run of the issue; CLAW_ENOTFOUND when it has none. */
enum claw_err claw_run_latest_of_issue(struct claw_db *db, int64_t issue_id, struct claw_run *out,
				       struct claw_error *err);
/* The active (queued/running) run of the issue; CLAW_ENOTFOUND when none. */
enum claw_err claw_run_active_of_issue(struct claw_db *db, int64_t issue_id, struct claw_run *out,
				       struct claw_error *err);
/* Runs of one issue, oldest first (issue_id > 0), or the runs of the project
 * newest first (issue_id == 0); at most limit of them (0: all; for one
 * issue, the oldest limit).  *out NULL and *n 0 when none.  Free with
 * claw_run_list_free. */
enum claw_err claw_run_list(struct claw_db *db, int64_t issue_id, size_t limit,
			    struct claw_run **out, size_t *n, struct claw_error *err);
/* Every run with status running (restart recovery), oldest first. */
enum claw_err claw_run_list_running(struct claw_db *db, struct claw_run **out, size_t *n,
				    struct claw_error *err);
void claw_run_list_free(struct claw_run *list, size_t n);

#endif
