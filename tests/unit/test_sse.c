/*
 * test_sse — the stream hub without nginx: a socketpair stands for the
 * FastCGI connection, and the test reads the raw records the hub writes
 * (STDOUT records, then the empty STDOUT and END_REQUEST), decodes the SSE
 * inside, and checks the ids.
 *
 *   - replay then live: rows written before and after the hand-over arrive
 *     once each, in seq order, then `end` and the end of the request;
 *   - a reader that does not read while 2000 rows are written (its bus
 *     queue lags) still gets every row once, in order (caught up from the
 *     db);
 *   - a tiny send buffer (partial writes, the output compacted) and a
 *     reader taking a little at a time: every row, in order;
 *   - a peer that hangs up is closed by the hub;
 *   - 300 streams on one run, their sends batched (a fill of the batch, a
 *     change of request id, tiny buffers, hang-ups and EPIPE inside a
 *     batch): every row once, in order, in the right records;
 *   - the live tests again with a hub that sends with send(2).
 * Also meant for --enable-tsan.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "server/board.h"
#include "server/sse.h"
#include "store/db.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "tap.h"
#include "trace/bus.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

#define READ_MS 20000

static struct claw_project proj;
static struct claw_db *db;
static struct claw_bus *bus;
static struct claw_trace_store *store;
static char *home;
static int64_t want[4096]; /* a run's seqs from the db */

/* What a reader saw. */
struct seen {
	struct claw_buf sse; /* the STDOUT bytes */
	bool end_request;    /* END_REQUEST record seen */
	bool eof;            /* the hub closed */
	int64_t ids[8192];
	size_t nids;
	bool end_event;
	bool bad_record;
};

/* Reads records from fd until END_REQUEST/EOF or the deadline; chunk
 * limits each read (0: 64 KiB), nap sleeps between reads. */
static void
read_stream(int fd, struct seen *s, size_t chunk, int nap_ms)
{
	struct claw_buf raw = CLAW_BUF_INIT(64 * 1024 * 1024);
	char *buf = claw_xmalloc(65536);
	int64_t deadline = claw_clock_mono_ms() + READ_MS;

	if (chunk == 0 || chunk > 65536)
		chunk = 65536;
	while (!s->end_request && claw_clock_mono_ms() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(fd, buf, chunk);
		if (n <= 0) {
			s->eof = true;
			break;
		}
		(void)claw_buf_append(&raw, buf, (size_t)n);
		/* Whole records. */
		for (;;) {
			const unsigned char *h = (const unsigned char *)raw.p;
			size_t len = claw_buf_len(&raw);
			if (len < 8)
				break;
			size_t clen = (size_t)h[4] << 8 | h[5], plen = h[6];
			if (len < 8 + clen + plen)
				break;
			if (h[0] != 1 || (h[1] != 6 && h[1] != 3) || h[2] != 0 || h[3] != 7)
				s->bad_record = true;
			if (h[1] == 6)
				(void)claw_buf_append(&s->sse, raw.p + 8, clen);
			if (h[1] == 3)
				s->end_request = true;
			memmove(raw.p, raw.p + 8 + clen + plen, len - 8 - clen - plen);
			claw_buf_truncate(&raw, len - 8 - clen - plen);
		}
		if (nap_ms > 0)
			claw_clock_sleep_ms(nap_ms);
	}
	if (s->end_request) { /* after END_REQUEST the hub closes */
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) > 0 && read(fd, buf, 1) == 0)
			s->eof = true;
	}
	/* The SSE lines. */
	const char *t = claw_buf_str(&s->sse);
	for (const char *l = t; *l != '\0';) {
		const char *nl = strchr(l, '\n');
		if (nl == NULL)
			break;
		if (strncmp(l, "id: ", 4) == 0 && s->nids < sizeof s->ids / sizeof s->ids[0])
			s->ids[s->nids++] = strtoll(l + 4, NULL, 10);
		if (strncmp(l, "event: end", 10) == 0)
			s->end_event = true;
		l = nl + 1;
	}
	free(buf);
	claw_buf_free(&raw);
}

/* True when the ids are exactly expect[0..n) (the run's seqs, in order). */
static bool
ids_are(const struct seen *s, const int64_t *expect, size_t n)
{
	if (s->nids != n) {
		tap_diag("got %zu ids, want %zu", s->nids, n);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (s->ids[i] != expect[i]) {
			tap_diag("id %zu: got %lld, want %lld", i, (long long)s->ids[i],
				 (long long)expect[i]);
			return false;
		}
	return true;
}

static struct seen *
new_seen(void)
{
	struct seen *s = CLAW_NEW(struct seen);
	claw_buf_init(&s->sse, 64 * 1024 * 1024);
	return s;
}

static int64_t
new_run(void)
{
	int64_t issue = 0, run = 0;
	(void)claw_issue_create(db, "stream", NULL, &issue, NULL);
	(void)claw_run_insert(db, issue, CLAW_RUN_RUNNING, "test", &run, NULL);
	return run;
}

/* Writes n note rows (data of pad bytes) and waits for their commit. */
static void
write_rows(struct claw_tracer *t, int n, size_t pad)
{
	char *data = claw_xmalloc(pad + 64);
	char *fill = claw_xmalloc(pad + 1);
	memset(fill, 'x', pad);
	fill[pad] = '\0';
	for (int i = 0; i < n; i++) {
		(void)snprintf(data, pad + 64, "{\"action\":\"t\",\"message\":\"%d %s\"}", i, fill);
		(void)claw_trace_event(t, CLAW_RECORD_NOTE, CLAW_RECORD_LEVEL_DEFAULT, data);
	}
	(void)claw_tracer_flush(t, NULL);
	free(fill);
	free(data);
}

/* The run's seqs from the db. */
static size_t
seqs_of(int64_t run, int64_t *out, size_t max)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	(void)sqlite3_prepare_v2(claw_db_sqlite(db),
				 "SELECT seq FROM trace WHERE run_id = ? ORDER BY seq", -1, &st,
				 NULL);
	(void)sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW && n < max)
		out[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
end_run(int64_t run)
{
	const char *d = "{\"runId\":0,\"status\":\"done\",\"reason\":\"\"}";
	(void)claw_run_set_status(db, run, CLAW_RUN_DONE, NULL, NULL);
	struct claw_bus_event *ev = claw_bus_event_new("end", 0, d, strlen(d));
	(void)claw_bus_publish(bus, proj.key, run, ev);
	claw_bus_event_unref(ev);
}

static void
test_replay_live(struct claw_hub *h)
{
	int64_t run = new_run();
	struct claw_tracer *t = NULL;
	struct seen *s = new_seen();
	int sv[2];

	(void)claw_trace_store_tracer_new(store, db, run, &t, NULL);
	write_rows(t, 100, 10);
	(void)socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	claw_hub_add_run(h, sv[0], 7, proj.key, run, 0);
	write_rows(t, 100, 10);
	claw_clock_sleep_ms(100);
	end_run(run);
	read_stream(sv[1], s, 0, 0);
	size_t n = seqs_of(run, want, 4096);
	is_int(n, 200, "200 rows in the journal");
	ok(ids_are(s, want, n), "replay then live: every row once, in seq order");
	ok(s->end_event, "then the end event");
	ok(s->end_request && s->eof, "then END_REQUEST and the hub closes");
	ok(!s->bad_record, "well-formed FastCGI records with the request id");
	has_str(claw_buf_str(&s->sse), "event: trace\ndata: {\"seq\":", "frames of wire rows");
	claw_tracer_free(t);
	(void)close(sv[1]);
	claw_buf_free(&s->sse);
	free(s);
}

static void
test_lag(struct claw_hub *h)
{
	int64_t run = new_run();
	struct claw_tracer *t = NULL;
	struct seen *s = new_seen();
	struct claw_hub_stats before, after;
	int sv[2];

	claw_hub_get_stats(h, &before);
	(void)claw_trace_store_tracer_new(store, db, run, &t, NULL);
	(void)socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	int small = 4096;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	claw_hub_add_run(h, sv[0], 7, proj.key, run, 0);
	claw_clock_sleep_ms(100);
	write_rows(t, 2000, 200); /* nobody reads meanwhile: the queue overflows */
	claw_clock_sleep_ms(200);
	end_run(run);
	read_stream(sv[1], s, 0, 0);
	claw_hub_get_stats(h, &after);
	size_t n = seqs_of(run, want, 4096);
	ok(after.catchups > before.catchups, "the stalled reader lagged and was caught up");
	ok(ids_are(s, want, n), "still every row once, in seq order");
	ok(s->end_event && s->end_request, "and the end");
	claw_tracer_free(t);
	(void)close(sv[1]);
	claw_buf_free(&s->sse);
	free(s);
}

static void
test_trickle(struct claw_hub *h)
{
	int64_t run = new_run();
	struct claw_tracer *t = NULL;
	struct seen *s = new_seen();
	int sv[2];

	(void)claw_trace_store_tracer_new(store, db, run, &t, NULL);
	write_rows(t, 300, 3000);
	(void)socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	int small = 2048;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	claw_hub_add_run(h, sv[0], 7, proj.key, run, 0);
	end_run(run);
	read_stream(sv[1], s, 1500, 0); /* a little at a time: partial writes */
	size_t n = seqs_of(run, want, 4096);
	ok(ids_are(s, want, n), "partial writes and compaction: every row once, in order");
	ok(s->end_event && s->end_request, "and the end");
	claw_tracer_free(t);
	(void)close(sv[1]);
	claw_buf_free(&s->sse);
	free(s);
}

/* Reads what fd has until it is quiet for quiet_ms; appends to raw. */
static void
read_quiet(int fd, struct claw_buf *raw, int quiet_ms)
{
	char buf[4096];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, quiet_ms) > 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		(void)claw_buf_append(raw, buf, (size_t)n);
	}
}

/* The SSE event ids (id: lines) in raw FastCGI bytes: how many, and the
 * first max of them into ids (may be NULL). */
static int
raw_ids(const struct claw_buf *raw, int64_t *ids, int max)
{
	/* The content of the STDOUT records (a record boundary may fall inside
	 * an "id: "), up to the last whole record. */
	const unsigned char *p = (const unsigned char *)raw->p;
	size_t n = claw_buf_len(raw), at = 0, len = 0;
	char *out = claw_xmalloc(n + 1);
	while (at + 8 <= n) {
		size_t clen = (size_t)p[at + 4] << 8 | p[at + 5], pad = p[at + 6];
		if (at + 8 + clen + pad > n)
			break;
		if (p[at + 1] == 6) { /* FCGI_STDOUT */
			memcpy(out + len, p + at + 8, clen);
			len += clen;
		}
		at += 8 + clen + pad;
	}
	int found = 0;
	out[len] = '\0';
	for (const char *q = out; (q = memmem(q, (size_t)(out + len - q), "id: ", 4)) != NULL;
	     q += 4) {
		if (ids != NULL && found < max)
			ids[found] = strtoll(q + 4, NULL, 10);
		found++;
	}
	free(out);
	return found;
}

static int
count_ids(const struct claw_buf *raw)
{
	return raw_ids(raw, NULL, 0);
}

/* A live run with one stream on a socketpair: the hub writes sv[0], the
 * test reads sv[1] into raw. */
struct live {
	int64_t run;
	struct claw_tracer *t;
	int sv[2];
	struct claw_buf raw;
};

static void
live_open(struct claw_hub *h, struct live *l)
{
	l->run = new_run();
	l->t = NULL;
	claw_buf_init(&l->raw, 1024 * 1024);
	(void)claw_trace_store_tracer_new(store, db, l->run, &l->t, NULL);
	(void)socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l->sv);
	claw_hub_add_run(h, l->sv[0], 7, proj.key, l->run, 0);
	claw_clock_sleep_ms(100);
	read_quiet(l->sv[1], &l->raw, 50);
}

static void
live_close(struct live *l)
{
	end_run(l->run);
	claw_tracer_free(l->t);
	(void)close(l->sv[1]);
	claw_buf_free(&l->raw);
}

/* A reader that keeps up costs the hub no wake-ups: EPOLLOUT is watched
 * only while output waits, so the reads that free socket space (one per
 * event here) do not wake the hub. */
static void
test_quiet_reader(struct claw_hub *h)
{
	struct claw_hub_stats before, after;
	struct live l;

	live_open(h, &l);
	claw_hub_get_stats(h, &before);
	for (int i = 0; i < 100; i++) { /* one row, then read what came */
		write_rows(l.t, 1, 10);
		read_quiet(l.sv[1], &l.raw, 20);
	}
	claw_clock_sleep_ms(100);
	claw_hub_get_stats(h, &after);
	ok(count_ids(&l.raw) == 100, "the reader got the 100 rows as they came (%d)",
	   count_ids(&l.raw));
	ok(after.wakes - before.wakes <= 2, "and its reads woke the hub %lld times (at most 2)",
	   (long long)(after.wakes - before.wakes));
	live_close(&l);
}

/* A burst of rows (one commit: the test holds the db's write lock while
 * the run writes them) leaves in a few writes, not one per row. */
static void
test_burst(struct claw_hub *h)
{
	struct claw_hub_stats before, after;
	struct live l;

	live_open(h, &l);
	claw_hub_get_stats(h, &before);
	(void)claw_db_exec(db, "BEGIN IMMEDIATE", NULL);
	for (int i = 0; i < 50; i++)
		(void)claw_trace_event(l.t, CLAW_RECORD_NOTE, CLAW_RECORD_LEVEL_DEFAULT,
				       "{\"action\":\"t\",\"message\":\"burst\"}");
	claw_clock_sleep_ms(50); /* the sink waits on the lock with the rows queued */
	(void)claw_db_exec(db, "COMMIT", NULL);
	(void)claw_tracer_flush(l.t, NULL);
	read_quiet(l.sv[1], &l.raw, 200);
	claw_hub_get_stats(h, &after);
	ok(count_ids(&l.raw) == 50, "the reader got the burst of 50 rows (%d)", count_ids(&l.raw));
	ok(after.writes - before.writes <= 3, "in %lld writes (at most 3)",
	   (long long)(after.writes - before.writes));
	live_close(&l);
}

/* Reads fd into raw until it holds n events or ms pass. */
static void
read_ids(int fd, struct claw_buf *raw, int n, int ms)
{
	int64_t deadline = claw_clock_mono_ms() + ms;
	while (count_ids(raw) < n && claw_clock_mono_ms() < deadline)
		read_quiet(fd, raw, 50);
}

/* The hub never reads a db: a board of 2 000 issues whose db is locked
 * (its replay waits for the lock) holds up only itself.  A run stream of
 * another project gets its rows meanwhile (before the replay's busy
 * timeout, which the hub thread used to wait out, stalling every stream);
 * once the lock goes, the board's issues arrive. */
static void
test_slow_board(struct claw_hub *h)
{
	char *dir = claw_xasprintf("%s/q", tap_tmpdir());
	struct claw_project q = {0};
	struct claw_db *qdb = NULL;
	struct claw_error err = {0};
	struct claw_buf board = CLAW_BUF_INIT(64 * 1024 * 1024);
	sqlite3 *lock = NULL;
	struct live l;
	int sv[2];

	if (mkdir(dir, 0700) != 0 || claw_project_register(home, dir, NULL, &q, &err) != CLAW_OK ||
	    claw_project_open_db(&q, &qdb, &err) != CLAW_OK ||
	    claw_db_exec(qdb,
			 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			 " WHERE i < 2000) INSERT INTO issues (title, created_at, updated_at)"
			 " SELECT 'issue ' || i, 0, 0 FROM n",
			 &err) != CLAW_OK) {
		ok(false, "a project of 2 000 issues: %s", claw_error_text(&err));
		goto out;
	}
	claw_db_close(qdb);
	/* Exclusive locking mode: no other connection may even read. */
	is_int(sqlite3_open(q.db_path, &lock), SQLITE_OK, "a connection to lock its db");
	is_int(sqlite3_exec(lock, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE", NULL, NULL,
			    NULL),
	       SQLITE_OK, "locked");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		ok(false, "a socket pair");
		(void)sqlite3_close(lock);
		goto out;
	}
	claw_hub_add_board(h, sv[0], 7, q.key, -1);
	claw_clock_sleep_ms(100); /* its replay waits for the lock */

	live_open(h, &l);
	write_rows(l.t, 10, 10);
	read_ids(l.sv[1], &l.raw, 10, CLAW_DB_BUSY_TIMEOUT_MS - 1000);
	is_int(count_ids(&l.raw), 10, "a run stream gets its rows while a board waits for its db");
	read_quiet(sv[1], &board, 10);
	is_int(claw_buf_len(&board), 0, "the board has sent nothing yet");
	(void)sqlite3_close(lock);
	read_ids(sv[1], &board, 2000, READ_MS);
	is_int(count_ids(&board), 2000, "once the lock is gone, the board's 2 000 issues");
	live_close(&l);
	(void)close(sv[1]);
out:
	claw_buf_free(&board);
	claw_project_free(&q);
	free(dir);
}

static void
test_hangup(struct claw_hub *h)
{
	int64_t run = new_run();
	struct claw_hub_stats st;
	int sv[2];

	(void)socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	claw_hub_add_run(h, sv[0], 7, proj.key, run, 0);
	for (int i = 0; i < 200; i++) {
		claw_hub_get_stats(h, &st);
		if (st.run_streams == 1)
			break;
		claw_clock_sleep_ms(5);
	}
	is_int(st.run_streams, 1, "one open stream");
	(void)close(sv[1]);
	for (int i = 0; i < 400; i++) {
		claw_hub_get_stats(h, &st);
		if (st.run_streams == 0)
			break;
		claw_clock_sleep_ms(5);
	}
	is_int(st.run_streams, 0, "a peer that hangs up is closed at once");
}

/* Whether raw holds only whole STDOUT records of request reqid, up to its
 * last whole record. */
static bool
records_of(const struct claw_buf *raw, int reqid)
{
	const unsigned char *p = (const unsigned char *)raw->p;
	size_t n = claw_buf_len(raw), at = 0;
	while (at + 8 <= n) {
		size_t clen = (size_t)p[at + 4] << 8 | p[at + 5], pad = p[at + 6];
		if (p[at] != 1 || p[at + 1] != 6 || (p[at + 2] << 8 | p[at + 3]) != reqid)
			return false;
		at += 8 + clen + pad;
	}
	return true;
}

#define FAN_STREAMS 300 /* more than one batch of sends (CLAW_SENDQ_MAX 256) */
#define FAN_ROWS 40

/* One run watched by FAN_STREAMS streams, its events sent in batches:
 * every stream gets every row once, in order, in records of its own
 * request id (two ids among the streams, the first 280 streams one, so a
 * batch fills before the id changes); a stream with a tiny send buffer that
 * is not read meanwhile (its sends come back short or EAGAIN) still gets
 * all of them once read; a stream whose peer hangs up after the first row
 * (the hub sees the hang-up) or that cannot be written any more (the hub's
 * end shut down for writing: its next send in a batch fails with EPIPE)
 * is closed and the others go on. */
static void
test_fanout(struct claw_hub *h)
{
	int64_t run = new_run();
	struct claw_tracer *t = NULL;
	struct claw_hub_stats st0, st;
	int(*sv)[2] = claw_xcalloc(FAN_STREAMS, sizeof *sv);
	struct claw_buf *raw = claw_xcalloc(FAN_STREAMS, sizeof *raw);
	bool *gone = claw_xcalloc(FAN_STREAMS, sizeof *gone); /* hung up, or cut off */
	int opened = 0, hung = 0;

	for (int w = 0; w < 2000; w++) { /* the streams of the tests before are gone */
		claw_hub_get_stats(h, &st0);
		if (st0.run_streams == 0)
			break;
		claw_clock_sleep_ms(5);
	}
	is_int(st0.run_streams, 0, "no run stream open before");
	(void)claw_trace_store_tracer_new(store, db, run, &t, NULL);
	for (int i = 0; i < FAN_STREAMS; i++) {
		claw_buf_init(&raw[i], 4 * 1024 * 1024);
		sv[i][0] = sv[i][1] = -1;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]) != 0)
			break;
		if (i % 5 == 0) {
			int small = 4096;
			(void)setsockopt(sv[i][0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
		}
		claw_hub_add_run(h, sv[i][0], i < 280 ? 7 : 8, proj.key, run, -1);
		opened++;
	}
	is_int(opened, FAN_STREAMS, "%d streams on one run", FAN_STREAMS);
	for (int w = 0; w < 2000; w++) { /* every one open and caught up */
		claw_hub_get_stats(h, &st);
		if (st.run_streams - st0.run_streams == FAN_STREAMS)
			break;
		claw_clock_sleep_ms(5);
	}
	claw_clock_sleep_ms(100);
	for (int i = 0; i < FAN_STREAMS; i++)
		if (i % 5 != 0)
			read_quiet(sv[i][1], &raw[i], 0);
	write_rows(t, 1, 10);
	for (int i = 0; i < FAN_STREAMS; i++) { /* the first row, then hang up */
		if (i % 11 != 1 && (i % 13 != 2 || i % 5 == 0))
			continue;
		read_ids(sv[i][1], &raw[i], 1, 2000);
		if (i % 11 == 1) {
			(void)close(sv[i][1]);
			sv[i][1] = -1;
		} else { /* sv[i][0] is the hub's: no hang-up, its next send fails */
			(void)shutdown(sv[i][0], SHUT_WR);
		}
		gone[i] = true;
		hung++;
	}
	for (int r = 1; r < FAN_ROWS; r++) { /* one row at a time: live, batched */
		write_rows(t, 1, 200);
		for (int i = 0; i < FAN_STREAMS; i++)
			if (i % 5 != 0 && !gone[i])
				read_quiet(sv[i][1], &raw[i], 0);
	}
	size_t n = seqs_of(run, want, 4096);
	int complete = 0, well_formed = 0;
	for (int i = 0; i < FAN_STREAMS; i++) {
		int64_t got[FAN_ROWS];
		if (gone[i])
			continue;
		read_ids(sv[i][1], &raw[i], (int)n, 5000);
		complete += raw_ids(&raw[i], got, FAN_ROWS) == (int)n && n == FAN_ROWS &&
			    memcmp(got, want, sizeof got) == 0;
		well_formed += records_of(&raw[i], i < 280 ? 7 : 8);
	}
	is_int(complete, FAN_STREAMS - hung,
	       "every stream got all %zu rows once, in order (tiny buffers too)", n);
	is_int(well_formed, FAN_STREAMS - hung, "in records of its own request id");
	for (int w = 0; w < 2000; w++) {
		claw_hub_get_stats(h, &st);
		if (st.run_streams - st0.run_streams == FAN_STREAMS - hung)
			break;
		claw_clock_sleep_ms(5);
	}
	is_int(st.run_streams - st0.run_streams, FAN_STREAMS - hung,
	       "the %d that hung up are closed, the others open", hung);
	end_run(run);
	claw_tracer_free(t);
	for (int i = 0; i < FAN_STREAMS; i++) {
		if (sv[i][1] >= 0)
			(void)close(sv[i][1]);
		claw_buf_free(&raw[i]);
	}
	free(gone);
	free(raw);
	free(sv);
}

/* The live tests again with a hub that sends with send(2), as where
 * io_uring is not to be had. */
static void
test_without_io_uring(struct claw_board *board)
{
	struct claw_error err = {0};
	struct claw_hub *h = NULL;
	struct claw_hub_stats st;

	if (claw_hub_new(home, bus, board, false, &h, &err) != CLAW_OK ||
	    claw_hub_start(h, &err) != CLAW_OK) {
		ok(false, "a hub without io_uring: %s", claw_error_text(&err));
		claw_hub_free(h);
		return;
	}
	claw_hub_get_stats(h, &st);
	ok(!st.io_uring, "a hub told not to use io_uring sends with send(2)");
	test_replay_live(h);
	test_burst(h);
	test_fanout(h);
	claw_hub_stop(h);
	claw_hub_free(h);
}

int
main(void)
{
	struct claw_error err = {0};
	struct claw_hub *h = NULL;
	struct claw_board *board;
	char *dir = claw_xasprintf("%s/p", tap_tmpdir());

	home = claw_xasprintf("%s/home", tap_tmpdir());
	bus = claw_bus_new();
	if (mkdir(dir, 0700) != 0 ||
	    claw_project_register(home, dir, NULL, &proj, &err) != CLAW_OK ||
	    claw_project_open_db(&proj, &db, &err) != CLAW_OK ||
	    claw_trace_store_open(proj.db_path, proj.key, bus, &store, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}
	board = claw_board_new(home, bus);
	if (claw_hub_new(home, bus, board, true, &h, &err) != CLAW_OK ||
	    claw_hub_start(h, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}
	struct claw_hub_stats st;
	claw_hub_get_stats(h, &st);
	tap_diag("the hub sends with %s", st.io_uring ? "io_uring" : "send(2)");
	test_replay_live(h);
	test_lag(h);
	test_trickle(h);
	test_quiet_reader(h);
	test_burst(h);
	test_slow_board(h);
	test_hangup(h);
	test_fanout(h);
	claw_hub_stop(h);
	claw_hub_free(h);
	test_without_io_uring(board);
	claw_board_free(board);
	claw_trace_store_close(store);
	claw_db_close(db);
	claw_project_free(&proj);
	claw_bus_free(bus);
	free(home);
	free(dir);
	return tap_done();
}
