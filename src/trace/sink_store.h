/*
 * sink_store — the durable journal: trace rows into the project db, then
 * onto the bus.
 *
 * One struct claw_trace_store per project db and process.  It owns the one
 * writer connection to the db and a writer thread; every tracer of that
 * project (one per run) gets a sink from it (claw_trace_store_attach).  A
 * sink's write copies the record into the store's queue and returns; the
 * writer thread takes everything queued, inserts it in one transaction
 * (group commit: under load batches grow, when quiet each record commits on
 * its own at once; records that follow a commit within a few ms wait as
 * long for the rest of their burst, so a run's quick turns share commits), commits, and only then
 * formats each row's wire row (claw_record_wire_row, with the seq the insert gave it) and publishes
 * it on the bus topic (project, run).  A record is never published before its commit; a record
 * whose batch failed is never published (it is lost; the failure is logged once per kind and the
 * run goes on).  The one exception is not a record: a sink's live output (claw_trace_delta) is
 * published at once, from the run's own thread, as a `delta` event without a seq (bus.h), and is
 * never stored.
 *
 * The queue is bounded (CLAW_TRACE_STORE_QUEUE_MAX records or
 * CLAW_TRACE_STORE_QUEUE_BYTES bytes): when the disk falls that far behind,
 * a writing run thread waits for room (persisting is the point of this
 * sink; dropping is not an option).  A record's data is capped at
 * CLAW_TRACE_DATA_MAX bytes (a bigger one fails with CLAW_ETOOBIG and is not
 * stored: clip tool outputs before tracing them).
 *
 * Durability for readers: claw_tracer_flush() (or claw_trace_store_flush)
 * returns once every record handed over before the call is committed, e.g.
 * before a run parks at a gate and someone else reads the db for it.
 *
 * Threads and locks: thread-safe.  store.mu guards the queue, the counters
 * and the waiting flags; it is never held across SQLite calls or a bus
 * publish.  Lock order: store.mu is never held together with any other lock
 * (the bus's locks are taken by the writer thread after store.mu is
 * released, and by a run thread publishing a delta, holding none).  The writer connection is used
 * by the writer thread only; the caller's own connection (claw_trace_store_tracer_new) is used on
 * the caller's thread.
 */
#ifndef CLAW_TRACE_SINK_STORE_H
#define CLAW_TRACE_SINK_STORE_H

#include <stdint.h>

#include "base/err.h"
#include "store/db.h"
#include "trace/bus.h"
#include "trace/tracer.h"

#define CLAW_TRACE_DATA_MAX ((size_t)4 * 1024 * 1024)  /* bytes of one record's data */
#define CLAW_TRACE_ROW_MAX (CLAW_TRACE_DATA_MAX + 512) /* its wire row: data and envelope */
#define CLAW_TRACE_STORE_QUEUE_MAX ((size_t)65536)     /* records waiting for the writer */
#define CLAW_TRACE_STORE_QUEUE_BYTES ((size_t)64 * 1024 * 1024) /* their data bytes */
#define CLAW_TRACE_STORE_BATCH_MAX 4096                         /* records per transaction */

struct claw_trace_store;

/* Opens the writer connection to the claw db at db_path (which must exist)
 * and starts the writer thread.  project is the project key (copied), the
 * first half of every bus topic; bus may be NULL (nothing is published) and
 * must outlive the store.  Close with claw_trace_store_close(). */
enum claw_err claw_trace_store_open(const char *db_path, const char *project, struct claw_bus *bus,
				    struct claw_trace_store **out, struct claw_error *err);

/* Writes out everything queued, stops the writer thread and closes the
 * connection.  Every tracer attached to it must have been freed (aborts
 * otherwise: a bug).  NULL is a no-op. */
void claw_trace_store_close(struct claw_trace_store *st);

/* Adds to t a sink that queues t's records on st.  st must outlive t. */
void claw_trace_store_attach(struct claw_trace_store *st, struct claw_tracer *t);

/* The usual way to start tracing a run: makes everything queued durable,
 * reads the run's highest span id through db (the caller's connection to
 * the same file), and returns a tracer seeded with it and attached to st.
 * Free it with claw_tracer_free(). */
enum claw_err claw_trace_store_tracer_new(struct claw_trace_store *st, struct claw_db *db,
					  int64_t run_id, struct claw_tracer **out,
					  struct claw_error *err);

/* Waits until every record queued before the call is committed (or has
 * failed).  CLAW_EDB "trace rows were lost ..." when a batch failed while
 * waiting.  (A sink's flush, through claw_tracer_flush, reports a failure
 * since that sink's previous flush.) */
enum claw_err claw_trace_store_flush(struct claw_trace_store *st, struct claw_error *err);

/* Counters for /api/metrics. */
struct claw_trace_store_stats {
	uint64_t written; /* rows committed */
	uint64_t lost;    /* rows in failed batches */
	uint64_t batches; /* transactions committed */
};
void claw_trace_store_get_stats(struct claw_trace_store *st, struct claw_trace_store_stats *out);

#endif
