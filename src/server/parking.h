/*
 * parking — the server's human tier: runs parked at gates, and answers
 * (flow/gate.c writes a gate's rows; this is where a live run waits).
 *
 * The durable record of a gate is its trace rows (SPEC.md section 6): the
 * engine writes the `question` row and, when it gets an answer from us,
 * the `answer` row.  What lives here is the in-memory side: which runs are
 * live in this process (attached by the run manager from the moment a run
 * is queued or resumed until its thread ends), which of them is parked on
 * which gate, and the hand-over of an answer to a parked (or about to
 * park) run thread through a condition variable.
 *
 * An answer for a run that is live here is handed over in memory: to the
 * parked thread, or kept as pending until the thread reaches wait (the
 * engine then writes the answer row).  An answer for a run that is not
 * live here (parked before a restart) is *claimed*: the caller writes the
 * answer row itself (claw_gate_record_answer, flow/gate.h), unclaims, and resumes the
 * run, which finds the answer in its journal.  A claim makes a second
 * answer for the same run a conflict until it is released.
 *
 * Answers are validated by kind (claw_gate_check): a question takes text
 * and no decision; approve takes approve|reject and optional feedback (and
 * with approve, optionally, the solver as the person edited it: `spec`); a
 * budget takes grant (with a positive amount) or stop.  A wrong decision is
 * CLAW_ECONFLICT (409, SPEC 7), a missing text or amount CLAW_EINVAL.
 *
 * Threads and locks: thread-safe.  gates.mu guards the table and every
 * entry; a parked thread waits on its entry's condition variable with
 * gates.mu.  No other lock is taken under gates.mu and gates.mu is never
 * held across SQLite or the bus.  Lock order: runs.mu (server/runs.c) may
 * be held when calling attach/detach/kick; gates.mu never calls out.
 */
#ifndef CLAW_SERVER_PARKING_H
#define CLAW_SERVER_PARKING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "flow/frontend.h"

struct claw_gates;
struct claw_bus;

#define CLAW_GATE_TEXT_MAX (64 * 1024) /* bytes of an answer's text or feedback */

struct claw_gates *claw_gates_new(void);
/* Every run must have been detached.  NULL-safe. */
void claw_gates_free(struct claw_gates *g);

/* Marks run_id of project live in this process (its answers go through
 * memory).  Attaching a live run again is a no-op. */
void claw_gates_attach(struct claw_gates *g, const char *project, int64_t run_id);
/* The run's thread ended: forgets it; a pending answer it never took is
 * dropped with a warning (its gate stays open in the journal). */
void claw_gates_detach(struct claw_gates *g, const char *project, int64_t run_id);

/* Run thread: parks on req until it is answered (CLAW_OK, *out filled,
 * recorded false), *stop becomes true or the gates are shut down
 * (CLAW_ESTOPPED).  A pending answer for req->gate_id is taken at once.
 * The run must be attached.  Wake a stopped run with claw_gates_kick. */
enum claw_err claw_gates_wait(struct claw_gates *g, const char *project,
			      const struct claw_gate_request *req, const atomic_bool *stop,
			      struct claw_gate_answer *out, struct claw_error *err);

/* Wakes the run's parked thread to look at its stop flag again. */
void claw_gates_kick(struct claw_gates *g, const char *project, int64_t run_id);
/* Wakes every parked thread with CLAW_ESTOPPED, now and from now on. */
void claw_gates_shutdown(struct claw_gates *g);

/* True when the run's thread is parked here: *gate_id and *kind (either may
 * be NULL) say on what. */
bool claw_gates_parked(struct claw_gates *g, const char *project, int64_t run_id, int64_t *gate_id,
		       enum claw_gate_kind *kind);

/* Checks an answer against the gate's kind (see the header comment). */
enum claw_err claw_gate_check(enum claw_gate_kind kind, const char *text, const char *decision,
			      int64_t amount, struct claw_error *err);

/* Hands a validated answer (copied) for gate_id of run_id to the run.
 * Returns CLAW_OK with *claimed false when the run is live here (given to
 * its parked thread, or kept until it parks); CLAW_OK with *claimed true
 * when the run is not live: the caller persists it, calls
 * claw_gates_unclaim, and resumes the run; CLAW_ECONFLICT "gate G is
 * already answered" when this gate already has an answer here or another
 * answer holds the claim. */
enum claw_err claw_gates_answer(struct claw_gates *g, const char *project, int64_t run_id,
				int64_t gate_id, const struct claw_gate_answer *a, bool *claimed,
				struct claw_error *err);
void claw_gates_unclaim(struct claw_gates *g, const char *project, int64_t run_id);

#endif
