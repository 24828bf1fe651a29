/*
 * sink_store — queue, writer thread, group commit, publish.  See
 * sink_store.h for the contract.
 *
 * Queue.  A singly linked list of items, each one malloc holding the record
 * and a copy of its data.  Items get consecutive tickets in queue order;
 * done_ticket is the highest ticket whose batch has been written (committed
 * or failed) and published, so "everything up to ticket T is durable" is
 * done_ticket >= T with failed_ticket < the caller's previous flush point.
 *
 * Wakeups follow the h2o rule: a producer signals the writer only when the
 * queue goes from empty to non-empty or reaches a full batch (which ends a
 * linger), after releasing store.mu; a flusher or a producer about to wait
 * for room signals it too (with store.mu held: it ends a linger at once).
 * The writer wakes producers (waiting for room) and flushers (waiting for a
 * ticket) only when someone is waiting, after releasing the lock.
 *
 * Ownership: items belong to the queue, then to the writer thread once
 * taken; the writer frees them after publishing.  Bus events are made by
 * the writer (one reference), published (the bus takes its own) and
 * released.
 */
#include "trace/sink_store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "trace/reader.h"

#define SINK_PUBLISH_GROUP 64 /* rows per bus publish: a burst reaches subscribers together */
#define STORE_LINGER_MS 4     /* how long records that follow a commit wait for company */

struct item {
	struct item *next;
	struct claw_record rec; /* rec.data points at text */
	size_t len;             /* bytes of text */
	char text[];
};

struct claw_trace_store {
	char *project;
	struct claw_bus *bus; /* borrowed, may be NULL */
	struct claw_db *db;   /* the writer connection: writer thread only */
	pthread_t thread;
	struct claw_buf row;  /* writer thread: wire-row scratch */
	uint32_t reported;    /* writer thread: 1 << claw_err already logged */
	int64_t committed_ms; /* writer thread: when its last batch ended (monotonic) */

	struct claw_mutex mu;  /* guards everything below */
	struct claw_cond work; /* writer: queue non-empty or stopping */
	struct claw_cond room; /* producers: queue below its caps */
	struct claw_cond done; /* flushers: done_ticket advanced */
	struct item *head, *tail;
	size_t queued, queued_bytes;
	uint64_t last_ticket;   /* ticket of the newest queued item */
	uint64_t done_ticket;   /* every ticket <= this is written or failed */
	uint64_t failed_ticket; /* highest ticket of a failed batch, 0 if none */
	size_t waiting_room, waiting_done;
	size_t sinks; /* attached sinks still alive */
	bool stopping;
	struct claw_trace_store_stats stats;
};

/* One tracer's sink. */
struct store_sink {
	struct claw_trace_store *st;
	uint64_t last_ticket;    /* ticket of this sink's newest record */
	uint64_t flushed_ticket; /* done_ticket seen at this sink's last flush */
};

/* ---------------------------------------------------------- the writer */

static void
report_once(struct claw_trace_store *st, const struct claw_error *err, size_t lost)
{
	enum claw_err code = err->code;
	if ((unsigned)code >= 32 || (st->reported & (1u << code)))
		return;
	st->reported |= 1u << code;
	claw_log_warn("trace: store sink %s: %s (%zu rows lost; runs go on; further errors of "
		      "this kind are not shown)",
		      claw_db_path(st->db), claw_error_text(err), lost);
}

/* Inserts the items of batch in one transaction.  Sets each rec.seq. */
static enum claw_err
write_batch(struct claw_trace_store *st, struct item *batch, struct claw_error *err)
{
	sqlite3_stmt *ins = NULL;
	enum claw_err rc;

	rc = claw_db_begin(st->db, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_db_stmt(
		st->db,
		"INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level,"
		" data, ts_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&ins, err);
	if (rc != CLAW_OK)
		goto out;
	for (struct item *it = batch; it != NULL; it = it->next) {
		const struct claw_record *r = &it->rec;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, r->run_id);
		sqlite3_bind_int64(ins, 2, r->span_id);
		sqlite3_bind_int64(ins, 3, r->parent_id);
		sqlite3_bind_int(ins, 4, r->depth);
		sqlite3_bind_text(ins, 5, claw_record_phase_name(r->phase), -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, claw_record_type_name(r->type), -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 7, r->level);
		sqlite3_bind_text(ins, 8, it->text, (int)it->len, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 9, r->ts_ms);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = claw_db_fail(st->db, "insert a trace row", err);
			goto out;
		}
		it->rec.seq = sqlite3_last_insert_rowid(claw_db_sqlite(st->db));
	}
	claw_db_finish(ins);
	ins = NULL;
	rc = claw_db_commit(st->db, err);
out:
	claw_db_finish(ins);
	if (rc != CLAW_OK)
		claw_db_rollback(st->db);
	return rc;
}

/* Publishes evs[0..*n) (the run's) as one group and empties it. */
static void
publish_group(struct claw_trace_store *st, int64_t run_id, struct claw_bus_event **evs, size_t *n)
{
	(void)claw_bus_publish_many(st->bus, st->project, run_id, evs, *n);
	for (size_t i = 0; i < *n; i++)
		claw_bus_event_unref(evs[i]);
	*n = 0;
}

/* Formats and publishes each committed item; consecutive rows of one run
 * go out as one group, so a subscriber gets a committed burst at once. */
static void
publish_batch(struct claw_trace_store *st, struct item *batch)
{
	struct claw_bus_event *evs[SINK_PUBLISH_GROUP];
	size_t n = 0;
	int64_t run_id = 0;

	if (st->bus == NULL)
		return;
	for (struct item *it = batch; it != NULL; it = it->next) {
		if (n > 0 && (it->rec.run_id != run_id || n == SINK_PUBLISH_GROUP))
			publish_group(st, run_id, evs, &n);
		claw_buf_reset(&st->row);
		if (claw_record_wire_row(&st->row, &it->rec) != CLAW_OK)
			continue; /* cannot happen: data is capped below the row cap */
		run_id = it->rec.run_id;
		evs[n++] = claw_bus_event_new("trace", it->rec.seq, claw_buf_str(&st->row),
					      claw_buf_len(&st->row));
	}
	if (n > 0)
		publish_group(st, run_id, evs, &n);
}

/* Group commit.  A record that comes while the writer is idle commits at
 * once (a lone row is on the page without delay); records that come within
 * STORE_LINGER_MS of the last commit are a burst (a run's turns in quick
 * succession), so the writer waits that long for the rest of it and writes
 * them in one transaction instead of one each.  A flush, a producer
 * waiting for room, or a full batch ends the wait. */
static void
linger(struct claw_trace_store *st)
{
	claw_mutex_assert_held(&st->mu);
	int64_t now = claw_clock_mono_ms();
	if (now - st->committed_ms >= STORE_LINGER_MS)
		return;
	int64_t until = now + STORE_LINGER_MS;
	while (!st->stopping && st->waiting_done == 0 && st->waiting_room == 0 &&
	       st->queued < CLAW_TRACE_STORE_BATCH_MAX &&
	       claw_cond_wait_until(&st->work, &st->mu, until))
		;
}

static void *
writer_main(void *arg)
{
	struct claw_trace_store *st = arg;

	claw_mutex_lock(&st->mu);
	for (;;) {
		while (st->head == NULL && !st->stopping)
			claw_cond_wait(&st->work, &st->mu);
		if (st->head == NULL)
			break; /* stopping, and everything is written */
		linger(st);

		/* Take up to a batch off the queue. */
		struct item *batch = st->head, *last = st->head;
		size_t n = 1, bytes = last->len;
		while (n < CLAW_TRACE_STORE_BATCH_MAX && last->next != NULL) {
			last = last->next;
			bytes += last->len;
			n++;
		}
		st->head = last->next;
		if (st->head == NULL)
			st->tail = NULL;
		last->next = NULL;
		st->queued -= n;
		st->queued_bytes -= bytes;
		bool wake_room = st->waiting_room > 0;
		claw_mutex_unlock(&st->mu);
		if (wake_room)
			claw_cond_broadcast(&st->room);

		struct claw_error err;
		claw_error_clear(&err);
		enum claw_err rc = write_batch(st, batch, &err);
		if (rc == CLAW_OK)
			publish_batch(st, batch);
		else
			report_once(st, &err, n);
		while (batch != NULL) {
			struct item *next = batch->next;
			free(batch);
			batch = next;
		}

		st->committed_ms = claw_clock_mono_ms();
		claw_mutex_lock(&st->mu);
		st->done_ticket += n;
		if (rc == CLAW_OK) {
			st->stats.written += n;
			st->stats.batches++;
		} else {
			st->stats.lost += n;
			st->failed_ticket = st->done_ticket;
		}
		if (st->waiting_done > 0) {
			claw_mutex_unlock(&st->mu);
			claw_cond_broadcast(&st->done);
			claw_mutex_lock(&st->mu);
		}
	}
	claw_mutex_unlock(&st->mu);
	return NULL;
}

/* --------------------------------------------------------------- store */

/* Frees st and everything it owns, its db connection included.  The writer
 * thread has been joined or was never started. */
static void
store_free(struct claw_trace_store *st)
{
	claw_cond_destroy(&st->done);
	claw_cond_destroy(&st->room);
	claw_cond_destroy(&st->work);
	claw_mutex_destroy(&st->mu);
	claw_buf_free(&st->row);
	claw_db_close(st->db);
	free(st->project);
	free(st);
}

enum claw_err
claw_trace_store_open(const char *db_path, const char *project, struct claw_bus *bus,
		      struct claw_trace_store **out, struct claw_error *err)
{
	struct claw_db *db = NULL;
	enum claw_err rc;
	int prc;

	*out = NULL;
	rc = claw_db_open(db_path, CLAW_DB_OPEN, &db, err);
	if (rc != CLAW_OK)
		goto out;
	struct claw_trace_store *st = CLAW_NEW(struct claw_trace_store);
	st->project = claw_xstrdup(project);
	st->bus = bus;
	st->db = db;
	claw_db_set_checkpointer(db);
	claw_buf_init(&st->row, CLAW_TRACE_ROW_MAX);
	claw_mutex_init(&st->mu, "trace.store");
	claw_cond_init(&st->work);
	claw_cond_init(&st->room);
	claw_cond_init(&st->done);
	prc = pthread_create(&st->thread, NULL, writer_main, st);
	if (prc != 0) {
		char msg[128];
		rc = claw_error_set(err, CLAW_EIO, "trace writer thread: %s",
				    claw_errno_text(prc, msg, sizeof msg));
		store_free(st);
		goto out;
	}
	*out = st;
out:
	return rc;
}

void
claw_trace_store_close(struct claw_trace_store *st)
{
	if (st == NULL)
		return;
	claw_mutex_lock(&st->mu);
	if (st->sinks != 0)
		abort(); /* a tracer still writes here: free tracers first */
	st->stopping = true;
	claw_mutex_unlock(&st->mu);
	claw_cond_signal(&st->work);
	(void)pthread_join(st->thread, NULL);
	store_free(st);
}

/* Waits until done_ticket >= ticket; returns whether a batch failed after
 * since (a done_ticket the caller saw before). */
static bool
wait_done(struct claw_trace_store *st, uint64_t ticket, uint64_t since)
{
	claw_mutex_assert_held(&st->mu);
	st->waiting_done++;
	claw_cond_signal(&st->work); /* a lingering writer writes now */
	while (st->done_ticket < ticket)
		claw_cond_wait(&st->done, &st->mu);
	st->waiting_done--;
	return st->failed_ticket > since;
}

enum claw_err
claw_trace_store_flush(struct claw_trace_store *st, struct claw_error *err)
{
	claw_mutex_lock(&st->mu);
	uint64_t since = st->done_ticket;
	bool lost = wait_done(st, st->last_ticket, since);
	claw_mutex_unlock(&st->mu);
	if (lost)
		return claw_error_set(err, CLAW_EDB,
				      "trace rows were lost (see the earlier "
				      "message on stderr)");
	return CLAW_OK;
}

void
claw_trace_store_get_stats(struct claw_trace_store *st, struct claw_trace_store_stats *out)
{
	claw_mutex_lock(&st->mu);
	*out = st->stats;
	claw_mutex_unlock(&st->mu);
}

/* ---------------------------------------------------------------- sink */

static enum claw_err
sink_write(void *ctx, const struct claw_record *rec, struct claw_error *err)
{
	struct store_sink *s = ctx;
	struct claw_trace_store *st = s->st;
	const char *data = rec->data != NULL && rec->data[0] != '\0' ? rec->data : "{}";
	size_t len = strlen(data);

	if (len > CLAW_TRACE_DATA_MAX)
		return claw_error_set(
			err, CLAW_ETOOBIG,
			"a %s record of %zu bytes is over the %zu-byte cap; not stored",
			claw_record_type_name(rec->type), len, CLAW_TRACE_DATA_MAX);
	struct item *it = claw_xmalloc(sizeof *it + len + 1);
	it->next = NULL;
	it->rec = *rec;
	it->rec.seq = 0;
	it->len = len;
	memcpy(it->text, data, len + 1);
	it->rec.data = it->text;

	claw_mutex_lock(&st->mu);
	if (st->queued >= CLAW_TRACE_STORE_QUEUE_MAX ||
	    st->queued_bytes + len > CLAW_TRACE_STORE_QUEUE_BYTES) {
		st->waiting_room++;
		claw_cond_signal(&st->work);
		while (st->queued > 0 && (st->queued >= CLAW_TRACE_STORE_QUEUE_MAX ||
					  st->queued_bytes + len > CLAW_TRACE_STORE_QUEUE_BYTES))
			claw_cond_wait(&st->room, &st->mu);
		st->waiting_room--;
	}
	bool wake = st->head == NULL || st->queued + 1 == CLAW_TRACE_STORE_BATCH_MAX;
	if (st->tail != NULL)
		st->tail->next = it;
	else
		st->head = it;
	st->tail = it;
	st->queued++;
	st->queued_bytes += len;
	s->last_ticket = ++st->last_ticket;
	claw_mutex_unlock(&st->mu);
	if (wake)
		claw_cond_signal(&st->work);
	return CLAW_OK;
}

static enum claw_err
sink_flush(void *ctx, struct claw_error *err)
{
	struct store_sink *s = ctx;
	struct claw_trace_store *st = s->st;

	claw_mutex_lock(&st->mu);
	bool lost = wait_done(st, s->last_ticket, s->flushed_ticket);
	s->flushed_ticket = st->done_ticket;
	claw_mutex_unlock(&st->mu);
	if (lost)
		return claw_error_set(err, CLAW_EDB,
				      "trace rows were lost (see the earlier "
				      "message on stderr)");
	return CLAW_OK;
}

static void
sink_release(void *ctx)
{
	struct store_sink *s = ctx;
	claw_mutex_lock(&s->st->mu);
	s->st->sinks--;
	claw_mutex_unlock(&s->st->mu);
	free(s);
}

/* A delta goes straight onto the bus from the run's thread, as an event
 * without a seq: nothing to commit, and a subscriber that is behind sheds
 * it (bus.h). */
static void
sink_delta(void *ctx, int64_t run_id, const struct claw_trace_delta *d)
{
	const struct store_sink *s = ctx;
	struct claw_buf b = CLAW_BUF_INIT(d->len * 6 + 512);
	if (s->st->bus == NULL)
		return;
	(void)claw_buf_printf(&b,
			      "{\"spanId\":%lld,\"kind\":\"%s\",\"attempt\":%d,\"index\":%zu,"
			      "\"at\":%zu,",
			      (long long)d->span_id, d->kind, d->attempt, d->index, d->at);
	if (d->name != NULL) {
		(void)claw_buf_puts(&b, "\"name\":");
		(void)claw_json_buf_append_string(&b, d->name, strlen(d->name));
		(void)claw_buf_putc(&b, ',');
	}
	(void)claw_buf_puts(&b, "\"text\":");
	(void)claw_json_buf_append_string(&b, d->text, d->len);
	(void)claw_buf_putc(&b, '}');
	if (claw_buf_error(&b) == CLAW_OK) {
		struct claw_bus_event *ev = claw_bus_event_new("delta", CLAW_BUS_NO_SEQ,
							       claw_buf_str(&b), claw_buf_len(&b));
		(void)claw_bus_publish(s->st->bus, s->st->project, run_id, ev);
		claw_bus_event_unref(ev);
	}
	claw_buf_free(&b);
}

static const struct claw_trace_sink_ops store_ops = {
	.name = "store",
	.write = sink_write,
	.flush = sink_flush,
	.release = sink_release,
	.delta = sink_delta,
};

void
claw_trace_store_attach(struct claw_trace_store *st, struct claw_tracer *t)
{
	struct store_sink *s = CLAW_NEW(struct store_sink);
	s->st = st;
	claw_mutex_lock(&st->mu);
	st->sinks++;
	s->flushed_ticket = st->done_ticket;
	claw_mutex_unlock(&st->mu);
	claw_tracer_add_sink(t, &store_ops, s);
}

enum claw_err
claw_trace_store_tracer_new(struct claw_trace_store *st, struct claw_db *db, int64_t run_id,
			    struct claw_tracer **out, struct claw_error *err)
{
	int64_t last = 0;
	enum claw_err rc;

	*out = NULL;
	rc = claw_trace_store_flush(st, err);
	if (rc != CLAW_OK)
		claw_error_clear(err); /* lost rows of another run: not ours to fail on */
	rc = claw_reader_last_span(db, run_id, &last, err);
	if (rc != CLAW_OK)
		goto out;
	*out = claw_tracer_new(run_id, last);
	claw_trace_store_attach(st, *out);
out:
	return rc;
}
