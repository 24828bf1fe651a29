/*
 * ingest — how fast trace records become durable, published rows.
 *
 * Measures records per second through the whole live path of SPEC.md
 * section 6: tracer (span ids, timestamps) → store sink (queue, writer
 * thread, INSERT, group commit) → wire row → bus → one subscriber thread
 * that drains its queue.  The clock stops when the subscriber has received
 * the last record's seq, so every record counted was committed and
 * delivered.
 *
 * The peer, in the same process and on the same disk: the same rows (same
 * columns, same data) inserted by a bare SQLite loop with one prepared
 * statement and a transaction every -b rows, into a fresh db of the same
 * schema.  It formats nothing and publishes nothing: it is the ceiling of
 * what SQLite alone does.
 *
 * Each side runs -r times, alternating, on fresh files; the best run of
 * each is reported (the machine is shared: the best run is the least
 * disturbed one).  Results and how to reproduce: docs/BENCHMARKS.md.
 *
 *   bench/ingest [-n RECORDS] [-b BATCH] [-r REPEATS] [-d DIR]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "store/db.h"
#include "trace/bus.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

#define PROJECT "bench"
#define RUN_ID 1

/* What a run writes, roughly: per model turn a prompt, a reply, a tool call
 * and its result; a step around every 50 turns.  Sizes are typical of the
 * mock scenarios (100-300 bytes of data). */
static const char *const data_prompt =
	"{\"text\":\"Continue with the step: make the failing test in tests/unit/test_bus.c pass "
	"without changing its expectations.\",\"tools\":[\"bash\",\"read_file\",\"write_file\"]}";
static const char *const data_reply =
	"{\"text\":\"I will run the test first.\",\"tool_calls\":[{\"name\":\"bash\",\"input\":{"
	"\"cmd\":\"make check TESTS=tests/unit/test_bus\"}}],\"usage\":{\"in\":1834,\"out\":96,"
	"\"cached\":1200,\"cost_micros\":2113,\"cost_source\":\"table\"}}";
static const char *const data_tool =
	"{\"name\":\"bash\",\"input\":{\"cmd\":\"make check TESTS=tests/unit/test_bus\"}}";
static const char *const data_result =
	"{\"name\":\"bash\",\"text\":\"PASS: tests/unit/test_bus 1 - event keeps its name\\n# "
	"TOTAL: 76\\n# PASS:  76\",\"is_error\":false}";

struct drain {
	pthread_t th;
	struct claw_bus_sub *sub;
	int64_t want_seq;  /* stop after this seq */
	int64_t received;  /* events */
	int64_t lags;      /* lag reports (would be healed from the db) */
	int64_t done_mono; /* when want_seq arrived */
	atomic_int stop;
};

static void *
drain_main(void *arg)
{
	struct drain *d = arg;
	for (;;) {
		struct claw_bus_event *ev;
		int64_t last;
		enum claw_bus_take r = claw_bus_sub_next(d->sub, 100, &ev, &last);
		if (r == CLAW_BUS_LAGGED) {
			d->lags++;
			continue;
		}
		if (r == CLAW_BUS_EMPTY) {
			if (atomic_load(&d->stop))
				break;
			continue;
		}
		d->received++;
		int64_t seq = claw_bus_event_seq(ev);
		claw_bus_event_unref(ev);
		if (seq >= d->want_seq) {
			d->done_mono = claw_clock_mono_ms();
			break;
		}
	}
	return NULL;
}

static int
fail(const char *what, const struct claw_error *err)
{
	fprintf(stderr, "ingest: %s: %s\n", what, claw_error_text(err));
	return 1;
}

/* Emits n records shaped like a run (enter/exit pairs included). */
static void
emit_run(struct claw_tracer *t, int64_t n)
{
	int64_t wf = claw_trace_enter(t, CLAW_RECORD_WORKFLOW, "{\"name\":\"solve\"}");
	int64_t left = n - 2, step = 0, ai = 0;
	int turn = 0;

	while (left > 0) {
		if (step == 0 && left >= 4) {
			step = claw_trace_enter(t, CLAW_RECORD_STEP, "{\"name\":\"implement\"}");
			ai = claw_trace_enter(t, CLAW_RECORD_AI,
					      "{\"role\":\"worker\",\"model\":\"claude-sonnet\"}");
			left -= 2;
			continue;
		}
		if (step != 0 && (turn == 50 || left <= 2)) {
			claw_trace_exit(t, step); /* closes ai too: 2 records */
			step = 0;
			turn = 0;
			left -= 2;
			continue;
		}
		switch ((n - left) % 4) {
		case 0:
			claw_trace_event(t, CLAW_RECORD_PROMPT, 0, data_prompt);
			break;
		case 1:
			claw_trace_event(t, CLAW_RECORD_REPLY, 0, data_reply);
			break;
		case 2:
			claw_trace_event(t, CLAW_RECORD_TOOL, 0, data_tool);
			break;
		default:
			claw_trace_event(t, CLAW_RECORD_TOOL_RESULT, 0, data_result);
			turn++;
			break;
		}
		left--;
	}
	(void)ai;
	claw_trace_exit(t, wf);
}

struct result {
	double secs;
	double handoff_secs; /* claw only: until the run thread had handed everything over */
	int64_t rows;
	int64_t lags;
	uint64_t batches;
};

static int
run_claw(const char *path, int64_t n, struct result *res)
{
	struct claw_error err;
	struct claw_db *db = NULL;
	struct claw_bus *bus = claw_bus_new();
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	struct drain d = {.want_seq = n};
	int rc = 1;

	if (claw_db_open(path, CLAW_DB_CREATE, &db, &err) != CLAW_OK)
		return fail(path, &err);
	if (claw_bus_subscribe(bus, PROJECT, RUN_ID, CLAW_BUS_QUEUE_MAX, NULL, NULL, &d.sub,
			       &err) != CLAW_OK ||
	    claw_trace_store_open(path, PROJECT, bus, &st, &err) != CLAW_OK ||
	    claw_trace_store_tracer_new(st, db, RUN_ID, &t, &err) != CLAW_OK) {
		rc = fail("setup", &err);
		goto out;
	}
	atomic_init(&d.stop, 0);
	(void)pthread_create(&d.th, NULL, drain_main, &d);

	int64_t t0 = claw_clock_mono_ms();
	emit_run(t, n);
	int64_t t1 = claw_clock_mono_ms();
	if (claw_tracer_flush(t, &err) != CLAW_OK) {
		rc = fail("flush", &err);
		atomic_store(&d.stop, 1);
		(void)pthread_join(d.th, NULL);
		goto out;
	}
	atomic_store(&d.stop, 1);
	(void)pthread_join(d.th, NULL);
	if (d.done_mono == 0) {
		fprintf(stderr,
			"ingest: the subscriber never saw seq %lld (got %lld events, %lld "
			"lags)\n",
			(long long)n, (long long)d.received, (long long)d.lags);
		goto out;
	}
	struct claw_trace_store_stats stats;
	claw_trace_store_get_stats(st, &stats);
	res->secs = (double)(d.done_mono - t0) / 1000.0;
	res->handoff_secs = (double)(t1 - t0) / 1000.0;
	res->rows = (int64_t)stats.written;
	res->lags = d.lags;
	res->batches = stats.batches;
	rc = res->rows == n ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "ingest: %lld rows written, %lld expected\n", (long long)res->rows,
			(long long)n);
out:
	claw_tracer_free(t);
	claw_trace_store_close(st);
	claw_bus_unsubscribe(d.sub);
	claw_bus_free(bus);
	claw_db_close(db);
	return rc;
}

static int
run_raw(const char *path, int64_t n, int64_t batch, struct result *res)
{
	static const char *const kinds[] = {"prompt", "reply", "tool", "tool-result"};
	const char *datas[] = {data_prompt, data_reply, data_tool, data_result};
	struct claw_error err;
	struct claw_db *db = NULL;
	sqlite3_stmt *ins = NULL;
	int rc = 1;

	if (claw_db_open(path, CLAW_DB_CREATE, &db, &err) != CLAW_OK)
		return fail(path, &err);
	sqlite3 *sq = claw_db_sqlite(db);
	if (sqlite3_prepare_v2(sq,
			       "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type,"
			       " level, data, ts_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &ins, NULL) != SQLITE_OK)
		goto sqlfail;
	int64_t t0 = claw_clock_mono_ms();
	for (int64_t i = 0; i < n; i++) {
		if (i % batch == 0 && sqlite3_exec(sq, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			goto sqlfail;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, RUN_ID);
		sqlite3_bind_int64(ins, 2, i + 1);
		sqlite3_bind_int64(ins, 3, 3);
		sqlite3_bind_int(ins, 4, 3);
		sqlite3_bind_text(ins, 5, "event", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, kinds[i % 4], -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 7, 10);
		sqlite3_bind_text(ins, 8, datas[i % 4], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 9, claw_clock_now_ms());
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlfail;
		if ((i + 1) % batch == 0 || i + 1 == n)
			if (sqlite3_exec(sq, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
				goto sqlfail;
	}
	res->secs = (double)(claw_clock_mono_ms() - t0) / 1000.0;
	res->rows = n;
	rc = 0;
	goto out;
sqlfail:
	fprintf(stderr, "ingest: raw sqlite: %s\n", sqlite3_errmsg(sq));
out:
	sqlite3_finalize(ins);
	claw_db_close(db);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ingest [-n RECORDS] [-b BATCH] [-r REPEATS] [-d DIR]\n");
	exit(2);
}

static int64_t
num(const char *s, int64_t min, int64_t max)
{
	int64_t v;
	if (claw_str_to_i64(claw_str_from(s), min, max, &v) != CLAW_OK)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	int64_t n = 200000, batch = 1000, repeats = 3;
	const char *dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char tmpl[4096], path[4200];
	struct result best_claw = {0}, best_raw = {0};
	int opt;

	while ((opt = getopt(argc, argv, "n:b:r:d:h")) != -1) {
		switch (opt) {
		case 'n':
			n = num(optarg, 100, 100000000);
			break;
		case 'b':
			batch = num(optarg, 1, 1000000);
			break;
		case 'r':
			repeats = num(optarg, 1, 100);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	(void)snprintf(tmpl, sizeof tmpl, "%s/claw-ingest-XXXXXX", dir);
	if (mkdtemp(tmpl) == NULL) {
		char msg[128];
		fprintf(stderr, "ingest: mkdtemp %s: %s\n", tmpl,
			claw_errno_text(errno, msg, sizeof msg));
		return 1;
	}

	size_t bytes =
		strlen(data_prompt) + strlen(data_reply) + strlen(data_tool) + strlen(data_result);
	printf("ingest: %lld records per run (about %zu bytes of data each), best of %lld, "
	       "in %s\n",
	       (long long)n, bytes / 4, (long long)repeats, tmpl);
	for (int64_t r = 0; r < repeats; r++) {
		struct result c = {0}, w = {0};
		(void)snprintf(path, sizeof path, "%s/raw-%lld.db", tmpl, (long long)r);
		if (run_raw(path, n, batch, &w) != 0)
			return 1;
		claw_db_unlink(path);
		(void)snprintf(path, sizeof path, "%s/claw-%lld.db", tmpl, (long long)r);
		if (run_claw(path, n, &c) != 0)
			return 1;
		claw_db_unlink(path);
		printf("  run %lld: claw %.0f rec/s (%lld lags), raw %.0f rec/s\n",
		       (long long)r + 1, (double)n / c.secs, (long long)c.lags, (double)n / w.secs);
		fflush(stdout);
		if (best_claw.secs == 0 || c.secs < best_claw.secs)
			best_claw = c;
		if (best_raw.secs == 0 || w.secs < best_raw.secs)
			best_raw = w;
	}
	(void)rmdir(tmpl);

	double claw_rate = (double)n / best_claw.secs, raw_rate = (double)n / best_raw.secs;
	printf("claw: tracer -> store sink -> bus -> subscriber  %9.0f rec/s  (%.3f s; run thread "
	       "done in %.3f s; %llu commits; %lld lags)\n",
	       claw_rate, best_claw.secs, best_claw.handoff_secs,
	       (unsigned long long)best_claw.batches, (long long)best_claw.lags);
	printf("raw:  sqlite INSERT, %lld rows per transaction  %9.0f rec/s  (%.3f s)\n",
	       (long long)batch, raw_rate, best_raw.secs);
	printf("ratio: %.2fx of raw\n", claw_rate / raw_rate);
	return 0;
}
