/*
 * state — the durable memory of a run: snapshots and exchange checkpoints.
 *
 * The snapshot of one workflow in one run (`workflow_state`) holds the names
 * of done steps, the pinned params and the latest handoff; it is saved after
 * every step.  The exchange checkpoint (`exchange_msg`, a row per message)
 * holds one step's conversation, saved after every turn and kept once the
 * step passed: a review's requested changes continue it (flow/review.c).
 * Both are stored as JSON text owned by the flow layer; this module only
 * persists them (upsert, load).
 *
 * The tool-call ledger (`tool_calls`) makes a turn's tool calls survive a
 * crash: before its tools run, the turn's reply is recorded (row -1), each
 * call's start before the call runs and its result when it ends.  Saving
 * the exchange's checkpoint empties the ledger in the same
 * transaction, so a ledger that is there on resume always holds a
 * turn the checkpoint lacks: the flow layer answers its calls from it and
 * never runs a started call again blindly (turnloop.h).
 *
 * Threads: functions use the caller's connection (one thread at a time).
 */
#ifndef CLAW_STORE_STATE_H
#define CLAW_STORE_STATE_H

#include <stdbool.h>
#include <stddef.h>
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

/* Writes messages from.. of the checkpoint of (run_id, workflow, step):
 * msgs[0..n) (each one message's JSON text, bound without a copy) become
 * messages from..from+n-1 and any after them go, in one transaction that
 * also empties the step's ledger.  A turn writes only what it added (and
 * the message before, which it may have grown), so a checkpoint costs the
 * same at turn 2 000 as at turn 2.  CLAW_ETOOBIG when the messages written
 * are over CLAW_STATE_HISTORY_MAX; CLAW_EINVAL for an empty workflow or step
 * name or a NULL message; CLAW_ENOTFOUND "run #N not found" for an unknown
 * run.  Inside the caller's transaction when one is open (then the caller
 * commits or rolls back). */
enum claw_err claw_exchange_save(struct claw_db *db, int64_t run_id, const char *workflow,
				 const char *step, size_t from, const char *const *msgs, size_t n,
				 struct claw_error *err);
/* *history_out: the checkpoint as one JSON array of its messages in order,
 * a fresh string (caller frees); CLAW_ENOTFOUND when none; CLAW_ETOOBIG
 * when it is over CLAW_STATE_HISTORY_MAX (no request could carry it). */
enum claw_err claw_exchange_load(struct claw_db *db, int64_t run_id, const char *workflow,
				 const char *step, char **history_out, struct claw_error *err);

/* One row of the tool-call ledger.  Strings owned: free the array with
 * claw_ledger_free(). */
struct claw_ledger_call {
	int idx;       /* the call's place among the reply's tool calls */
	char *name;    /* the tool */
	char *input;   /* its input, JSON text */
	bool ended;    /* it returned: result holds what it returned */
	char *result;  /* NULL unless ended */
	bool is_error; /* the result is an error result */
};

/* Starts the ledger of a turn of (run_id, workflow, step): drops what an
 * earlier turn left and records reply (the turn's reply as checkpoint JSON,
 * claw_llm_messages_to_json of it alone), bound without a copy, and at (how
 * many messages the conversation held before it, so a resume knows the
 * turn follows its checkpoint). */
enum claw_err claw_ledger_begin(struct claw_db *db, int64_t run_id, const char *workflow,
				const char *step, const char *reply, int64_t at,
				struct claw_error *err);
/* Records that call idx (name, input JSON text) is about to run. */
enum claw_err claw_ledger_start(struct claw_db *db, int64_t run_id, const char *workflow,
				const char *step, int idx, const char *name, const char *input,
				struct claw_error *err);
/* Records call idx's result (n bytes). */
enum claw_err claw_ledger_end(struct claw_db *db, int64_t run_id, const char *workflow,
			      const char *step, int idx, const char *result, size_t n,
			      bool is_error, struct claw_error *err);
/* The ledger of (run_id, workflow, step): *reply (fresh; NULL when there is
 * no ledger) with its *at, and its calls in order into *calls (*ncalls of
 * them; free with claw_ledger_free). */
enum claw_err claw_ledger_load(struct claw_db *db, int64_t run_id, const char *workflow,
			       const char *step, char **reply, int64_t *at,
			       struct claw_ledger_call **calls, size_t *ncalls,
			       struct claw_error *err);
void claw_ledger_free(struct claw_ledger_call *calls, size_t n);

#endif
