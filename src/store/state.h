/*
 * state — the durable memory of a run: snapshots and exchange checkpoints.
 *
 * The snapshot of one workflow in one run (`workflow_state`) holds the names
 * of done steps, the pinned params and the latest handoff; it is saved after
 * every step.  The exchange checkpoint (`exchange`) holds one step's
 * in-flight conversation (JSON history), saved after every turn and cleared
 * when the step passes.  Both are stored as JSON text owned by the flow
 * layer; this module only persists them (upsert, load, clear).
 *
 * Threads: functions use the caller's connection (one thread at a time).
 */
#ifndef CLAW_STORE_STATE_H
#define CLAW_STORE_STATE_H

#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define CLAW_STATE_HISTORY_MAX (32 * 1024 * 1024) /* one step's conversation */

/* Strings owned by the struct: free with claw_snapshot_free(). */
struct claw_snapshot {
	char *done;         /* JSON array of step names, "[]" when new */
	char *params;       /* JSON object step -> {name: value}, "{}" when new */
	char *handoff_from; /* step name, "" when none */
	char *handoff;      /* text, "" when none */
	int64_t updated_at;
};

void claw_snapshot_free(struct claw_snapshot *s);

/* Upserts the snapshot of (run_id, workflow) with updated_at = now
 * (s->updated_at is ignored).  NULL fields store their "new" value ("[]",
 * "{}", "", "").  CLAW_EINVAL for an empty workflow name; CLAW_ENOTFOUND
 * "run #N not found" for an unknown run. */
enum claw_err claw_snapshot_save(struct claw_db *db, int64_t run_id, const char *workflow,
				 const struct claw_snapshot *s, struct claw_error *err);
/* Loads it into *out (free with claw_snapshot_free); CLAW_ENOTFOUND when
 * none was saved (the caller starts fresh). */
enum claw_err claw_snapshot_load(struct claw_db *db, int64_t run_id, const char *workflow,
				 struct claw_snapshot *out, struct claw_error *err);

/* Upserts the checkpoint of (run_id, workflow, step).  history is bound
 * without a copy.  CLAW_ETOOBIG past CLAW_STATE_HISTORY_MAX; CLAW_EINVAL for
 * a NULL history or an empty workflow or step name; CLAW_ENOTFOUND "run #N
 * not found" for an unknown run. */
enum claw_err claw_exchange_save(struct claw_db *db, int64_t run_id, const char *workflow,
				 const char *step, const char *history, struct claw_error *err);
/* *history_out: a fresh string (caller frees); CLAW_ENOTFOUND when none. */
enum claw_err claw_exchange_load(struct claw_db *db, int64_t run_id, const char *workflow,
				 const char *step, char **history_out, struct claw_error *err);
/* Deletes it (no error when absent). */
enum claw_err claw_exchange_clear(struct claw_db *db, int64_t run_id, const char *workflow,
				  const char *step, struct claw_error *err);

#endif
