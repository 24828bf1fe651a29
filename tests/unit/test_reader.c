/*
 * test_reader — the reader's queries on a fixture db written row by row in
 * SQL (independent of the tracer): tail, last span, latest run, totals by
 * model, artifacts, the open gate, step and tool history.
 */
#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "tap.h"
#include "trace/reader.h"

static struct claw_db *db;
static int64_t seq_now;

static void
row(int64_t run, int64_t span, int64_t parent, int depth, const char *phase, const char *type,
    int level, const char *data)
{
	struct claw_error err;
	sqlite3_stmt *st =
		claw_db_prepare(db,
				"INSERT INTO trace (run_id, span_id, parent_id, depth, phase,"
				" type, level, data, ts_ms) VALUES (?,?,?,?,?,?,?,?,?)",
				&err);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, span);
	sqlite3_bind_int64(st, 3, parent);
	sqlite3_bind_int(st, 4, depth);
	sqlite3_bind_text(st, 5, phase, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, level);
	sqlite3_bind_text(st, 8, data, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, 1764000000000 + ++seq_now);
	if (sqlite3_step(st) != SQLITE_DONE)
		tap_diag("insert: %s", sqlite3_errmsg(claw_db_sqlite(db)));
	claw_db_finish(st);
}

static void
fixture(void)
{
	/* run 1 */
	row(1, 1, 0, 0, "enter", "workflow", 30, "{\"name\":\"solve\"}");
	row(1, 2, 1, 1, "enter", "step", 20, "{\"name\":\"plan\"}");
	row(1, 3, 2, 2, "enter", "ai", 10, "{\"role\":\"worker\",\"model\":\"m1\"}");
	row(1, 4, 3, 3, "enter", "turn", 10, "{\"number\":1,\"model\":\"m1\"}");
	row(1, 5, 4, 4, "event", "reply", 10,
	    "{\"text\":\"\",\"usage\":{\"in\":100,\"out\":20,\"cached\":10,\"cost_micros\":500}}");
	row(1, 6, 4, 4, "event", "tool", 20, "{\"name\":\"bash\",\"input\":{\"cmd\":\"ls\"}}");
	row(1, 7, 4, 4, "event", "tool-result", 20,
	    "{\"name\":\"bash\",\"text\":\"a.txt\",\"is_error\":false}");
	row(1, 8, 4, 4, "event", "tool", 20, "{\"name\":\"read\",\"input\":{\"path\":\"x\"}}");
	row(1, 9, 4, 4, "event", "tool-result", 30,
	    "{\"name\":\"read\",\"text\":\"nope\",\"is_error\":true}");
	row(1, 4, 3, 3, "exit", "end", 10, "{\"ms\":10}");
	row(1, 3, 2, 2, "exit", "end", 10, "{\"ms\":11}");
	row(1, 10, 2, 2, "event", "handoff", 30, "{\"text\":\"plan done\"}");
	row(1, 11, 2, 2, "event", "artifact", 20,
	    "{\"n\":0,\"label\":\"plan\",\"kind\":\"text\",\"value\":\"step "
	    "1\",\"step\":\"plan\"}");
	row(1, 2, 1, 1, "exit", "end", 20, "{\"ms\":1500}");
	row(1, 12, 1, 1, "enter", "step", 20, "{\"name\":\"implement\"}");
	row(1, 13, 12, 2, "enter", "ai", 10, "{\"role\":\"worker\",\"model\":\"m2\"}");
	row(1, 14, 13, 3, "event", "reply", 10,
	    "{\"usage\":{\"in\":50,\"out\":5,\"cached\":0,\"cost_micros\":100}}");
	row(1, 15, 13, 3, "event", "reply", 10,
	    "{\"model\":\"m3\",\"usage\":{\"in\":1,\"out\":1,\"cached\":1,\"cost_micros\":1}}");
	row(1, 16, 13, 3, "event", "tool", 20, "{\"name\":\"bash\",\"input\":{\"cmd\":\"make\"}}");
	row(1, 17, 12, 2, "event", "artifact", 20,
	    "{\"n\":1,\"label\":\"patch\",\"kind\":\"file\",\"value\":\"diff --git\","
	    "\"mime\":\"text/x-diff\",\"step\":\"implement\",\"source\":\"a.c\",\"note\":\"n\"}");
	row(1, 18, 12, 2, "event", "artifact", 20,
	    "{\"n\":0,\"label\":\"plan v2\",\"kind\":\"text\",\"value\":\"step 1 and 2\"}");
	row(1, 19, 12, 2, "event", "question", 30,
	    "{\"kind\":\"approve\",\"prompt\":\"ok?\",\"payload\":{\"spec\":1}}");
	row(1, 20, 12, 2, "event", "answer", 30,
	    "{\"ref\":19,\"text\":\"\",\"decision\":\"approve\",\"by\":\"alice\"}");
	row(1, 21, 12, 2, "event", "question", 30, "{\"kind\":\"question\",\"prompt\":\"which?\"}");
	/* run 2: its only question is answered (ref written as a string) */
	row(2, 1, 0, 0, "event", "question", 30, "{\"kind\":\"question\",\"prompt\":\"a\"}");
	row(2, 2, 0, 0, "event", "answer", 30, "{\"ref\":\"1\",\"text\":\"b\",\"by\":\"bob\"}");
}

static void
test_tail(void)
{
	struct claw_record_list l = {0};
	struct claw_error err;

	ok(claw_reader_tail(db, 1, 0, 0, &l, &err) == CLAW_OK, "tail of run 1");
	is_int(l.n, 24, "all 24 rows");
	ok(l.v[0].seq == 1 && l.v[0].phase == CLAW_RECORD_ENTER &&
		   l.v[0].type == CLAW_RECORD_WORKFLOW && l.v[0].level == 30 &&
		   l.v[0].span_id == 1 && l.v[0].depth == 0 && l.v[0].ts_ms == 1764000000001,
	   "first row read back field by field");
	is_str(l.v[0].data, "{\"name\":\"solve\"}", "data as stored");
	ok(l.v[9].phase == CLAW_RECORD_EXIT && l.v[9].type == CLAW_RECORD_END &&
		   l.v[9].parent_id == 3,
	   "an end row");
	ok(claw_reader_tail(db, 1, 5, 3, &l, &err) == CLAW_OK, "since 5, limit 3");
	ok(l.n == 3 && l.v[0].seq == 6 && l.v[2].seq == 8, "rows 6..8");
	ok(claw_reader_tail(db, 1, 24, 10, &l, &err) == CLAW_OK && l.n == 0,
	   "nothing after the end");
	ok(claw_reader_tail(db, 2, 0, 0, &l, &err) == CLAW_OK && l.n == 2 && l.v[0].seq == 25,
	   "run 2 only its own rows");
	ok(claw_reader_tail(db, 99, 0, 0, &l, &err) == CLAW_OK && l.n == 0, "unknown run: empty");

	/* At a level: the same rows as the whole tail filtered, in pages too. */
	struct claw_record_list all = {0};
	ok(claw_reader_tail(db, 1, 0, 0, &all, &err) == CLAW_OK, "the whole run again");
	size_t want = 0, got = 0, same = 0;
	for (size_t i = 0; i < all.n; i++)
		want += all.v[i].level >= 20;
	for (int64_t since = 0;;) {
		ok(claw_reader_tail_level(db, 1, since, 20, 2, &l, &err) == CLAW_OK,
		   "a page at info");
		if (l.n == 0)
			break;
		for (size_t i = 0; i < l.n; i++) {
			got++;
			for (size_t k = 0; k < all.n; k++)
				same += all.v[k].seq == l.v[i].seq && all.v[k].level >= 20;
		}
		since = l.v[l.n - 1].seq;
	}
	ok(want > 0 && want < all.n, "run 1 has rows on both sides of info (%zu of %zu)", want,
	   all.n);
	ok(got == want && same == want, "exactly the rows at or above info, in seq order");
	claw_record_list_free(&all);
	claw_record_list_free(&l);

	int64_t v = -1;
	ok(claw_reader_last_span(db, 1, &v, &err) == CLAW_OK && v == 21, "last span of run 1: 21");
	ok(claw_reader_last_span(db, 3, &v, &err) == CLAW_OK && v == 0, "run without rows: 0");
	ok(claw_reader_latest_run(db, &v, &err) == CLAW_OK && v == 2, "latest run to write: 2");
}

static void
test_totals(void)
{
	struct claw_trace_totals t = {0};
	struct claw_error err;

	ok(claw_reader_totals(db, 1, &t, &err) == CLAW_OK, "totals of run 1");
	ok(t.replies == 3 && t.in == 151 && t.out == 26 && t.cached == 11 && t.cost_micros == 601,
	   "sums over the reply rows (%lld in, %lld out, %lld cached, %lld micros)",
	   (long long)t.in, (long long)t.out, (long long)t.cached, (long long)t.cost_micros);
	is_int(t.nmodels, 3, "three models");
	if (t.nmodels == 3) {
		ok(strcmp(t.models[0].model, "m1") == 0 && t.models[0].in == 100 &&
			   t.models[0].cost_micros == 500,
		   "m1 from the enclosing turn");
		ok(strcmp(t.models[1].model, "m2") == 0 && t.models[1].in == 50,
		   "m2 from the enclosing ai span");
		ok(strcmp(t.models[2].model, "m3") == 0 && t.models[2].in == 1,
		   "m3 named by the reply itself");
	}
	ok(claw_reader_totals(db, 2, &t, &err) == CLAW_OK && t.replies == 0 && t.in == 0 &&
		   t.nmodels == 0,
	   "no replies: zeros");

	/* Kept as replies are written (run_usage's trigger), by model. */
	ok(claw_reader_totals(db, 7, &t, &err) == CLAW_OK && t.replies == 0, "run 7: none yet");
	const char *more =
		"INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, "
		"ts_ms)"
		" VALUES (7, 900, 0, 0, 'event', 'reply', 10,"
		" '{\"model\":\"mb\",\"usage\":{\"in\":10,\"out\":1,\"cost_micros\":5}}', 1),"
		" (7, 901, 0, 0, 'event', 'reply', 10,"
		" '{\"model\":\"mb\",\"usage\":{\"in\":20,\"out\":2,\"cost_micros\":5}}', 2)";
	ok(sqlite3_exec(claw_db_sqlite(db), more, NULL, NULL, NULL) == SQLITE_OK, "two replies");
	ok(claw_reader_totals(db, 7, &t, &err) == CLAW_OK && t.replies == 2 && t.in == 30 &&
		   t.nmodels == 1,
	   "counted");
	const char *again = "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, "
			    "level, data, ts_ms)"
			    " VALUES (7, 902, 0, 0, 'event', 'reply', 10,"
			    " '{\"model\":\"ma\",\"usage\":{\"in\":100,\"cached\":7}}', 3),"
			    " (7, 903, 0, 0, 'event', 'reply', 10,"
			    " '{\"model\":\"mb\",\"usage\":{\"in\":1,\"cache_write\":4}}', 4)";
	ok(sqlite3_exec(claw_db_sqlite(db), again, NULL, NULL, NULL) == SQLITE_OK, "two more");
	ok(claw_reader_totals(db, 7, &t, &err) == CLAW_OK && t.replies == 4 && t.in == 131 &&
		   t.out == 3 && t.cached == 7 && t.cache_write == 4 && t.cost_micros == 10,
	   "the new ones added once");
	ok(t.nmodels == 2 && strcmp(t.models[0].model, "ma") == 0 && t.models[0].in == 100 &&
		   strcmp(t.models[1].model, "mb") == 0 && t.models[1].in == 31 &&
		   t.models[1].replies == 3,
	   "by model, in name order");
	claw_trace_totals_free(&t);
}

static void
test_artifacts(void)
{
	struct claw_trace_artifact *list = NULL, one = {0};
	struct claw_error err;
	size_t n = 0;

	ok(claw_reader_artifacts(db, 1, &list, &n, &err) == CLAW_OK, "artifact list");
	is_int(n, 2, "two artifacts (n 0 was recorded twice)");
	if (n == 2) {
		ok(list[0].n == 0 && strcmp(list[0].label, "plan v2") == 0 && list[0].size == 12 &&
			   list[0].body == NULL && list[0].seq == 21,
		   "n 0: its newest row, size, no body");
		ok(list[1].n == 1 && strcmp(list[1].kind, "file") == 0 &&
			   strcmp(list[1].mime, "text/x-diff") == 0 &&
			   strcmp(list[1].step, "implement") == 0 &&
			   strcmp(list[1].source, "a.c") == 0 && list[1].size == 10,
		   "n 1: metadata");
	}
	claw_trace_artifact_list_free(list, n);
	ok(claw_reader_artifact(db, 1, 1, &one, &err) == CLAW_OK, "artifact 1");
	is_str(one.body, "diff --git", "with its body");
	claw_trace_artifact_free(&one);
	is_int(claw_reader_artifact(db, 1, 7, &one, &err), CLAW_ENOTFOUND, "unknown artifact");
	is_str(err.msg, "run #1 has no artifact 7", "message");
	ok(claw_reader_artifacts(db, 2, &list, &n, &err) == CLAW_OK && n == 0 && list == NULL,
	   "no artifacts: empty");
}

static void
test_gate(void)
{
	struct claw_trace_gate g = {0};
	struct claw_error err;

	ok(claw_reader_open_gate(db, 1, &g, &err) == CLAW_OK, "run 1 has an open gate");
	ok(g.id == 21 && g.seq == 24 && strcmp(g.kind, "question") == 0 &&
		   strcmp(g.prompt, "which?") == 0 && strcmp(g.payload, "null") == 0,
	   "the newest unanswered question (id %lld)", (long long)g.id);
	claw_trace_gate_free(&g);
	is_int(claw_reader_open_gate(db, 2, &g, &err), CLAW_ENOTFOUND,
	       "answered question: no gate (ref as a string counts)");
	is_int(claw_reader_open_gate(db, 3, &g, &err), CLAW_ENOTFOUND, "no questions: no gate");

	row(1, 22, 12, 2, "event", "answer", 30,
	    "{\"ref\":21,\"text\":\"sqlite\",\"by\":\"console\"}");
	is_int(claw_reader_open_gate(db, 1, &g, &err), CLAW_ENOTFOUND, "answering closes it");
	row(1, 23, 12, 2, "event", "question", 30,
	    "{\"kind\":\"budget\",\"prompt\":\"more?\",\"payload\":{\"spent\":5,\"limit\":5}}");
	ok(claw_reader_open_gate(db, 1, &g, &err) == CLAW_OK && g.id == 23 &&
		   strcmp(g.kind, "budget") == 0 &&
		   strcmp(g.payload, "{\"spent\":5,\"limit\":5}") == 0,
	   "a budget gate with its payload");
	claw_trace_gate_free(&g);
}

static void
test_history(void)
{
	struct claw_trace_step *steps = NULL;
	struct claw_trace_tool_call *calls = NULL;
	struct claw_error err;
	size_t n = 0;

	ok(claw_reader_steps(db, 1, &steps, &n, &err) == CLAW_OK, "steps of run 1");
	is_int(n, 2, "two steps");
	if (n == 2) {
		ok(strcmp(steps[0].name, "plan") == 0 && strcmp(steps[0].workflow, "solve") == 0 &&
			   steps[0].ended && steps[0].ms == 1500 &&
			   strcmp(steps[0].handoff, "plan done") == 0 && steps[0].span_id == 2,
		   "plan: in solve, ended after 1500 ms, handed off");
		ok(strcmp(steps[1].name, "implement") == 0 && !steps[1].ended &&
			   steps[1].handoff[0] == '\0' && steps[1].seq == 15,
		   "implement: still open");
	}
	claw_trace_step_list_free(steps, n);

	ok(claw_reader_tools(db, 1, NULL, 0, &calls, &n, &err) == CLAW_OK, "tools of run 1");
	is_int(n, 3, "three calls");
	if (n == 3) {
		ok(strcmp(calls[0].name, "bash") == 0 && strcmp(calls[0].step, "plan") == 0 &&
			   strcmp(calls[0].input, "{\"cmd\":\"ls\"}") == 0 && calls[0].has_result &&
			   !calls[0].is_error && strcmp(calls[0].result, "a.txt") == 0,
		   "bash in plan, with its result");
		ok(strcmp(calls[1].name, "read") == 0 && calls[1].is_error &&
			   strcmp(calls[1].result, "nope") == 0,
		   "read failed");
		ok(strcmp(calls[2].step, "implement") == 0 && !calls[2].has_result &&
			   calls[2].result[0] == '\0' && calls[2].span_id == 16,
		   "bash in implement, no result yet");
	}
	claw_trace_tool_call_list_free(calls, n);

	ok(claw_reader_tools(db, 1, "plan", 0, &calls, &n, &err) == CLAW_OK && n == 2,
	   "filtered by step");
	claw_trace_tool_call_list_free(calls, n);
	ok(claw_reader_tools(db, 1, NULL, 1, &calls, &n, &err) == CLAW_OK && n == 1 &&
		   calls[0].span_id == 16,
	   "limit keeps the newest");
	claw_trace_tool_call_list_free(calls, n);
	ok(claw_reader_tools(db, 2, NULL, 0, &calls, &n, &err) == CLAW_OK && n == 0,
	   "no tools: empty");
	ok(claw_reader_steps(db, 3, &steps, &n, &err) == CLAW_OK && n == 0 && steps == NULL,
	   "no steps: empty");
}

static void
test_bad_row(void)
{
	struct claw_record_list l = {0};
	struct claw_error err;
	row(5, 1, 0, 0, "event", "telepathy", 20, "{}");
	is_int(claw_reader_tail(db, 5, 0, 0, &l, &err), CLAW_EINVAL, "an unknown type is refused");
	has_str(err.msg, "telepathy", "named");
	has_str(err.msg, "trace row", "with its seq");
	ok(l.n == 0 && l.v == NULL, "nothing returned");
}

int
main(void)
{
	char path[4200];
	struct claw_error err;
	int64_t v;

	(void)snprintf(path, sizeof path, "%s/r.db", tap_tmpdir());
	ok(claw_db_open(path, CLAW_DB_CREATE, &db, &err) == CLAW_OK, "fixture db");
	is_int(claw_reader_latest_run(db, &v, &err), CLAW_ENOTFOUND, "empty table: no latest run");
	fixture();
	test_tail();
	test_totals();
	test_artifacts();
	test_gate();
	test_history();
	test_bad_row();
	claw_db_close(db);
	return tap_done();
}
