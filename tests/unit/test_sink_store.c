/*
 * test_sink_store — persisted first, then published: live rows equal their
 * replay byte for byte, nothing is published before it is committed, span
 * ids stay unique across tracer instances (and stores, as across
 * processes), a locked db never stalls the run, and a broken db costs rows
 * but not the run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/db.h"
#include "tap.h"
#include "trace/reader.h"
#include "trace/sink_store.h"

static char dbpath[4200];

static struct claw_db *
open_db(const char *path)
{
	struct claw_db *db = NULL;
	struct claw_error err;
	if (claw_db_open(path, CLAW_DB_OPEN, &db, &err) != CLAW_OK)
		tap_diag("open %s: %s", path, claw_error_text(&err));
	return db;
}

static int64_t
count(struct claw_db *db, const char *sql, int64_t arg)
{
	struct claw_error err;
	sqlite3_stmt *st = claw_db_prepare(db, sql, &err);
	int64_t n = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	claw_db_finish(st);
	return n;
}

/* ------------------------------------------------ a live subscriber */

struct watcher {
	pthread_t th;
	struct claw_bus_sub *sub;
	struct claw_db *db; /* its own connection */
	int64_t want;       /* rows to receive */
	char **rows;        /* the live bytes, by arrival */
	int64_t *seqs;
	int64_t n;
	int64_t invisible; /* events whose row was not yet committed */
	int64_t lags;
};

static void *
watch(void *arg)
{
	struct watcher *w = arg;
	int64_t deadline = claw_clock_mono_ms() + 10000;
	while (w->n < w->want && claw_clock_mono_ms() < deadline) {
		struct claw_bus_event *ev;
		int64_t last;
		enum claw_bus_take r = claw_bus_sub_next(w->sub, 100, &ev, &last);
		if (r == CLAW_BUS_LAGGED)
			w->lags++;
		if (r != CLAW_BUS_EVENT)
			continue;
		/* Published means committed: another connection sees it now. */
		if (count(w->db, "SELECT COUNT(*) FROM trace WHERE seq = ?",
			  claw_bus_event_seq(ev)) != 1)
			w->invisible++;
		w->seqs[w->n] = claw_bus_event_seq(ev);
		w->rows[w->n] = claw_xstrdup(claw_bus_event_data(ev, NULL));
		w->n++;
		claw_bus_event_unref(ev);
	}
	return NULL;
}

static void
emit_sample(struct claw_tracer *t)
{
	int64_t wf = claw_trace_enter(t, CLAW_RECORD_WORKFLOW, "{\"name\":\"solve\"}");
	claw_trace_enter(t, CLAW_RECORD_STEP, "{\"name\":\"implement\"}");
	claw_trace_enter(t, CLAW_RECORD_AI, "{\"role\":\"worker\",\"model\":\"m\"}");
	claw_trace_event(t, CLAW_RECORD_PROMPT, 0,
			 "{\"text\":\"é ✓ \\\"quoted\\\" \\n line\\u2028\",\"tools\":[\"bash\"]}");
	claw_trace_event(t, CLAW_RECORD_REPLY, 0,
			 "{\"text\":\"ok\",\"tool_calls\":[{\"name\":\"bash\",\"input\":{\"cmd\":"
			 "\"ls -la /\"}}],\"usage\":{\"in\":10,\"out\":2,\"cached\":1,"
			 "\"cost_micros\":30,\"cost_source\":\"table\"}}");
	claw_trace_event(t, CLAW_RECORD_TOOL, 0, "{ \"name\" : \"bash\" , \"input\" : {} }");
	claw_trace_event(t, CLAW_RECORD_TOOL_RESULT, CLAW_RECORD_NOTICE,
			 "{\"name\":\"bash\",\"text\":\"\",\"is_error\":true}");
	claw_trace_event(t, CLAW_RECORD_NOTE, 0, NULL);
	claw_trace_exit(t, wf);
}

static void
test_live_equals_replay(struct claw_bus *bus)
{
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	struct claw_error err;
	struct claw_db *db = open_db(dbpath);
	struct watcher w = {.want = 11};

	w.rows = claw_xcalloc(64, sizeof *w.rows);
	w.seqs = claw_xcalloc(64, sizeof *w.seqs);
	w.db = open_db(dbpath);
	ok(claw_bus_subscribe(bus, "proj", 1, 256, NULL, NULL, &w.sub, &err) == CLAW_OK,
	   "subscribe before tracing");
	ok(claw_trace_store_open(dbpath, "proj", bus, &st, &err) == CLAW_OK, "store opens");
	ok(claw_trace_store_tracer_new(st, db, 1, &t, &err) == CLAW_OK, "tracer for run 1");
	is_int(claw_tracer_last_span(t), 0, "a new run starts at span 0");
	(void)pthread_create(&w.th, NULL, watch, &w);

	emit_sample(t); /* 8 records + 3 ends */
	ok(claw_tracer_flush(t, &err) == CLAW_OK, "flush");
	(void)pthread_join(w.th, NULL);
	is_int(w.n, 11, "every row was published");
	is_int(w.invisible, 0, "no row was published before its commit");
	is_int(w.lags, 0, "no lag");

	struct claw_record_list l = {0};
	ok(claw_reader_tail(db, 1, 0, 0, &l, &err) == CLAW_OK, "replay from the db");
	is_int(l.n, 11, "11 rows stored");
	bool same = l.n == (size_t)w.n;
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	for (size_t i = 0; same && i < l.n; i++) {
		claw_buf_reset(&b);
		(void)claw_record_wire_row(&b, &l.v[i]);
		if (strcmp(claw_buf_str(&b), w.rows[i]) != 0 || w.seqs[i] != l.v[i].seq) {
			tap_diag("live:   %s", w.rows[i]);
			tap_diag("replay: %s", claw_buf_str(&b));
			same = false;
		}
	}
	ok(same, "live and replayed wire rows are byte-identical, in seq order");
	has_str(w.rows[3], "\"data\":{\"text\":\"é ✓ \\\"quoted\\\" \\n line\\u2028\"",
		"data embedded verbatim");
	has_str(w.rows[5], "\"data\":{ \"name\" : \"bash\" , \"input\" : {} }}",
		"even its whitespace");
	has_str(w.rows[7], "\"data\":{}}", "no data stored as {}");
	has_str(w.rows[6], "\"level\":30", "level as given");
	claw_buf_free(&b);
	claw_record_list_free(&l);

	struct claw_trace_store_stats stats;
	claw_trace_store_get_stats(st, &stats);
	ok(stats.written == 11 && stats.lost == 0 && stats.batches >= 1,
	   "stats: %llu written in %llu batches", (unsigned long long)stats.written,
	   (unsigned long long)stats.batches);

	claw_tracer_free(t);
	claw_trace_store_close(st);
	claw_bus_unsubscribe(w.sub);
	for (int64_t i = 0; i < w.n; i++)
		free(w.rows[i]);
	free(w.rows);
	free(w.seqs);
	claw_db_close(w.db);
	claw_db_close(db);
}

static void
test_seeding(void)
{
	struct claw_trace_store *a = NULL, *b = NULL;
	struct claw_tracer *t1 = NULL, *t2 = NULL, *t3 = NULL;
	struct claw_error err;
	struct claw_db *db = open_db(dbpath);

	ok(claw_trace_store_open(dbpath, "proj", NULL, &a, &err) == CLAW_OK, "store a");
	ok(claw_trace_store_tracer_new(a, db, 2, &t1, &err) == CLAW_OK, "tracer 1 of run 2");
	int64_t wf = claw_trace_enter(t1, CLAW_RECORD_WORKFLOW, "{\"name\":\"w\"}");
	claw_trace_event(t1, CLAW_RECORD_QUESTION, 0, "{\"kind\":\"question\",\"prompt\":\"?\"}");
	int64_t last1 = claw_tracer_last_span(t1);
	is_int(last1, 2, "tracer 1 gave out spans 1 and 2");
	claw_tracer_free(t1); /* the run stops here, workflow still open */

	/* A second tracer on the same run in the same process: no flush in
	 * between, the store makes the queue durable before reading. */
	ok(claw_trace_store_tracer_new(a, db, 2, &t2, &err) == CLAW_OK, "tracer 2 of run 2");
	is_int(claw_tracer_last_span(t2), last1, "seeded from the db's max span id");
	int64_t s2 = claw_trace_enter(t2, CLAW_RECORD_STEP, "{\"name\":\"resume\"}");
	is_int(s2, last1 + 1, "continues after it");
	claw_tracer_free(t2);
	claw_trace_store_close(a);

	/* Another store (another connection, as another process would have). */
	ok(claw_trace_store_open(dbpath, "proj", NULL, &b, &err) == CLAW_OK, "store b");
	ok(claw_trace_store_tracer_new(b, db, 2, &t3, &err) == CLAW_OK, "tracer 3 of run 2");
	is_int(claw_tracer_last_span(t3), s2, "seeded past the other store's rows");
	claw_trace_event(t3, CLAW_RECORD_ANSWER, 0,
			 "{\"ref\":2,\"text\":\"yes\",\"by\":\"console\"}");
	claw_trace_exit(t3, wf); /* not open in this tracer: ignored */
	(void)claw_tracer_flush(t3, &err);
	claw_tracer_free(t3);
	claw_trace_store_close(b);

	is_int(count(db, "SELECT COUNT(*) FROM trace WHERE run_id = ? AND phase <> 'exit'", 2), 4,
	       "four opening rows in run 2");
	is_int(count(db,
		     "SELECT COUNT(DISTINCT span_id) FROM trace WHERE run_id = ? AND phase <> "
		     "'exit'",
		     2),
	       4, "with four distinct span ids");
	int64_t other = 0;
	(void)claw_reader_last_span(db, 1, &other, &err);
	is_int(other, 8, "run 1's ids are its own (8 opening records)");
	claw_db_close(db);
}

static void
test_locked_db(void)
{
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	struct claw_error err;
	struct claw_db *db = open_db(dbpath);
	struct claw_db *locker = open_db(dbpath);

	ok(claw_trace_store_open(dbpath, "proj", NULL, &st, &err) == CLAW_OK, "store");
	ok(claw_trace_store_tracer_new(st, db, 3, &t, &err) == CLAW_OK, "tracer of run 3");
	ok(claw_db_begin(locker, &err) == CLAW_OK, "another connection holds the write lock");
	int64_t t0 = claw_clock_mono_ms();
	for (int i = 0; i < 200; i++)
		claw_trace_event(t, CLAW_RECORD_NOTE, 0, "{\"message\":\"x\"}");
	int64_t emit_ms = claw_clock_mono_ms() - t0;
	ok(emit_ms < 150, "200 records emitted in %lld ms while the db is locked",
	   (long long)emit_ms);
	claw_clock_sleep_ms(200);
	is_int(count(db, "SELECT COUNT(*) FROM trace WHERE run_id = ?", 3), 0,
	       "nothing written while locked");
	ok(claw_db_commit(locker, &err) == CLAW_OK, "lock released");
	ok(claw_tracer_flush(t, &err) == CLAW_OK, "flush after the lock: nothing lost");
	is_int(count(db, "SELECT COUNT(*) FROM trace WHERE run_id = ?", 3), 200, "all 200 written");
	claw_tracer_free(t);
	claw_trace_store_close(st);
	claw_db_close(locker);
	claw_db_close(db);
}

static void
test_broken_db(void)
{
	char path[4300], logpath[4300], log[8192];
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	struct claw_error err;
	struct claw_db *db = NULL;

	(void)snprintf(path, sizeof path, "%s/broken.db", tap_tmpdir());
	(void)snprintf(logpath, sizeof logpath, "%s/broken.log", tap_tmpdir());
	ok(claw_db_open(path, CLAW_DB_CREATE, &db, &err) == CLAW_OK, "fresh db");
	ok(claw_trace_store_open(path, "proj", NULL, &st, &err) == CLAW_OK, "store");
	ok(claw_trace_store_tracer_new(st, db, 4, &t, &err) == CLAW_OK, "tracer");
	claw_trace_event(t, CLAW_RECORD_NOTE, 0, NULL);
	ok(claw_tracer_flush(t, &err) == CLAW_OK, "first row fine");

	int lfd = open(logpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
	claw_log_set_fd(lfd);
	ok(claw_db_exec(db, "ALTER TABLE trace RENAME TO trace_gone", &err) == CLAW_OK,
	   "the trace table goes away under the writer");
	for (int i = 0; i < 3; i++) {
		claw_trace_event(t, CLAW_RECORD_NOTE, 0, NULL);
		(void)claw_tracer_flush(t, &err); /* one failed batch each */
	}
	claw_trace_event(t, CLAW_RECORD_NOTE, 0, NULL);
	claw_error_clear(&err);
	is_int(claw_tracer_flush(t, &err), CLAW_EDB, "flush reports lost rows");
	has_str(err.msg, "lost", "saying so");
	is_int(claw_tracer_depth(t), 0, "the run goes on");

	/* A record over the cap fails in the sink, the tracer carries on. */
	size_t big = CLAW_TRACE_DATA_MAX + 10;
	char *huge = claw_xmalloc(big + 1);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	huge[big] = '\0';
	claw_trace_event(t, CLAW_RECORD_NOTE, 0, huge);
	free(huge);

	struct claw_trace_store_stats stats;
	claw_trace_store_get_stats(st, &stats);
	is_int(stats.lost, 4, "four rows lost");
	is_int(stats.written, 1, "one written");
	claw_tracer_free(t);
	claw_trace_store_close(st);
	claw_log_set_fd(-1);
	(void)lseek(lfd, 0, SEEK_SET);
	ssize_t n = read(lfd, log, sizeof log - 1);
	log[n > 0 ? n : 0] = '\0';
	close(lfd);
	has_str(log, "no such table", "the db error is logged");
	const char *first = strstr(log, "store sink");
	ok(first != NULL && strstr(strstr(first, "no such table") + 1, "no such table") == NULL,
	   "once, though four batches failed");
	has_str(log, "over the 4194304-byte cap", "the oversized record is logged");
	claw_db_close(db);
}

int
main(void)
{
	struct claw_db *db = NULL;
	struct claw_error err;
	struct claw_bus *bus = claw_bus_new();

	(void)snprintf(dbpath, sizeof dbpath, "%s/p.db", tap_tmpdir());
	ok(claw_db_open(dbpath, CLAW_DB_CREATE, &db, &err) == CLAW_OK, "create the project db");
	claw_db_close(db);

	struct claw_trace_store *none = NULL;
	char missing[4300];
	(void)snprintf(missing, sizeof missing, "%s/missing.db", tap_tmpdir());
	is_int(claw_trace_store_open(missing, "proj", bus, &none, &err), CLAW_ENOTFOUND,
	       "a missing db is refused");
	ok(none == NULL, "and nothing is returned");

	test_live_equals_replay(bus);
	test_seeding();
	test_locked_db();
	test_broken_db();
	claw_bus_free(bus);
	return tap_done();
}
