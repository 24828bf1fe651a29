/*
 * test_render — every record type's summary, glyphs, indentation, levels,
 * exit lines naming their span, and colours on and off.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/issues.h"
#include "store/runs.h"
#include "tap.h"
#include "trace/render.h"
#include "trace/sink_store.h"

static struct claw_record
rec(enum claw_record_phase phase, enum claw_record_type type, int depth, const char *data)
{
	struct claw_record r = {
		.seq = 1,
		.run_id = 1,
		.span_id = 1,
		.depth = depth,
		.phase = phase,
		.type = type,
		.level = claw_record_type_level(type),
		.data = data,
	};
	return r;
}

/* The summary of one event record, in a static buffer. */
static const char *
summary(enum claw_record_type type, const char *data)
{
	static struct claw_buf b = CLAW_BUF_INIT(4096);
	struct claw_record r = rec(CLAW_RECORD_EVENT, type, 0, data);
	claw_buf_reset(&b);
	(void)claw_render_summary(&r, &b);
	return claw_buf_str(&b);
}

static void
test_summaries(void)
{
	is_str(summary(CLAW_RECORD_WORKFLOW, "{\"name\":\"solve\"}"), "solve", "workflow: name");
	is_str(summary(CLAW_RECORD_STEP, "{\"name\":\"implement\"}"), "implement", "step: name");
	is_str(summary(CLAW_RECORD_AI, "{\"role\":\"worker\",\"model\":\"claude-x\"}"),
	       "worker (claude-x)", "ai: role (model)");
	is_str(summary(CLAW_RECORD_AI, "{\"role\":\"critic\"}"), "critic", "ai without model");
	is_str(summary(CLAW_RECORD_TURN, "{\"number\":3,\"model\":\"m\"}"), "#3", "turn: #n");
	is_str(summary(CLAW_RECORD_END, "{\"ms\":340}"), "340ms", "end: ms");
	is_str(summary(CLAW_RECORD_END, "{\"ms\":2345}"), "2.3s", "end: seconds");
	is_str(summary(CLAW_RECORD_END, "{\"ms\":125000}"), "2m05s", "end: minutes");
	is_str(summary(CLAW_RECORD_END, "{\"ms\":340,\"interrupted\":true}"), "340ms, interrupted",
	       "end: interrupted");
	is_str(summary(CLAW_RECORD_PROMPT,
		       "{\"text\":\"Fix the\\n  bug\",\"tools\":[\"a\",\"b\"]}"),
	       "Fix the bug (2 tools)", "prompt: flattened text and tool count");
	is_str(summary(CLAW_RECORD_REPLY,
		       "{\"text\":\"Let me look\",\"tool_calls\":[{\"name\":\"bash\",\"input\":{}},"
		       "{\"name\":\"read_file\",\"input\":{}}],\"usage\":{\"in\":1200,\"out\":340,"
		       "\"cached\":0,\"cost_micros\":5,\"cost_source\":\"table\"}}"),
	       "[1200/340 tok · $0.000005] bash, read_file \"Let me look\"",
	       "reply: tokens, cost, tool names, clipped text");
	is_str(summary(CLAW_RECORD_REPLY,
		       "{\"text\":\"x\",\"usage\":{\"in\":10,\"out\":2,\"cost_micros\":1234}}"),
	       "[10/2 tok · $0.0012] \"x\"", "reply: its cost");
	is_str(summary(CLAW_RECORD_REPLY, "{\"text\":\"\"}"), "[0/0 tok]", "reply without usage");
	is_str(summary(CLAW_RECORD_TOOL, "{\"name\":\"bash\",\"input\":{\"cmd\":\"ls\"}}"), "bash",
	       "tool: name");
	is_str(summary(CLAW_RECORD_TOOL_RESULT,
		       "{\"name\":\"bash\",\"text\":\"ok\",\"is_error\":false}"),
	       "bash", "tool-result: name");
	is_str(summary(CLAW_RECORD_TOOL_RESULT,
		       "{\"name\":\"bash\",\"text\":\"no\",\"is_error\":true}"),
	       "bash [error]", "failed tool-result: [error]");
	is_str(summary(CLAW_RECORD_ARTIFACT, "{\"n\":0,\"label\":\"patch\",\"kind\":\"file\"}"),
	       "patch (file)", "artifact: label (kind)");
	is_str(summary(CLAW_RECORD_HANDOFF, "{\"text\":\"done with tests\"}"), "done with tests",
	       "handoff: text");
	is_str(summary(CLAW_RECORD_QUESTION, "{\"kind\":\"question\",\"prompt\":\"Which db?\"}"),
	       "Which db?", "question: prompt");
	is_str(summary(CLAW_RECORD_QUESTION, "{\"kind\":\"approve\",\"prompt\":\"Run this?\"}"),
	       "[approve] Run this?", "approve gate: kind shown");
	is_str(summary(CLAW_RECORD_ANSWER, "{\"ref\":7,\"text\":\"sqlite\",\"by\":\"alice\"}"),
	       "sqlite (by alice)", "answer: text (by)");
	is_str(summary(CLAW_RECORD_ANSWER, "{\"ref\":7,\"text\":\"more "
					   "tests\",\"decision\":\"reject\",\"by\":\"console\"}"),
	       "reject: more tests (by console)", "answer: decision: text");
	is_str(summary(CLAW_RECORD_BACK,
		       "{\"from\":\"review\",\"to\":\"implement\",\"reason\":\"fails\"}"),
	       "review → implement: fails", "back: from → to: reason");
	is_str(summary(CLAW_RECORD_RETRY, "{\"error\":\"429\",\"attempt\":2,\"wait_ms\":1500}"),
	       "429 (attempt 2, waiting 1.5s)", "retry: error, attempt, wait");
	is_str(summary(CLAW_RECORD_NOTE, "{\"action\":\"budget\",\"message\":\"half spent\"}"),
	       "budget: half spent", "note: action: message");
	is_str(summary(CLAW_RECORD_NOTE, "{\"message\":\"hello\"}"), "hello", "note: message only");

	/* Robustness. */
	is_str(summary(CLAW_RECORD_STEP, "not json"), "", "unparsable data: empty summary");
	is_str(summary(CLAW_RECORD_STEP, NULL), "", "no data");
	is_str(summary(CLAW_RECORD_STEP, "{\"name\":42}"), "", "wrong type");
	is_str(summary(CLAW_RECORD_HANDOFF, "{\"text\":\"a\\u001b[31mb\"}"), "a?[31mb",
	       "control characters from data never reach the terminal");

	/* Clipping: 72 characters then an ellipsis, on a character boundary. */
	char longtext[400], data[500];
	for (int i = 0; i < 100; i++)
		memcpy(longtext + 2 * i, "é", 2); /* 2 bytes each */
	longtext[200] = '\0';
	(void)snprintf(data, sizeof data, "{\"text\":\"%s\"}", longtext);
	const char *s = summary(CLAW_RECORD_HANDOFF, data);
	is_int(strlen(s), 72 * 2 + strlen("…"), "clipped to 72 characters plus …");
	ok(strcmp(s + 144, "…") == 0, "ends with the ellipsis");
}

static void
test_tree(void)
{
	struct claw_render *r = claw_render_new(CLAW_RECORD_DEBUG, false);
	struct claw_buf out = CLAW_BUF_INIT(1 << 16);
	struct claw_record v[] = {
		rec(CLAW_RECORD_ENTER, CLAW_RECORD_WORKFLOW, 0, "{\"name\":\"solve\"}"),
		rec(CLAW_RECORD_ENTER, CLAW_RECORD_STEP, 1, "{\"name\":\"implement\"}"),
		rec(CLAW_RECORD_ENTER, CLAW_RECORD_AI, 2, "{\"role\":\"worker\",\"model\":\"m1\"}"),
		rec(CLAW_RECORD_ENTER, CLAW_RECORD_TURN, 3, "{\"number\":1,\"model\":\"m1\"}"),
		rec(CLAW_RECORD_EVENT, CLAW_RECORD_TOOL, 4, "{\"name\":\"bash\"}"),
		rec(CLAW_RECORD_EVENT, CLAW_RECORD_TOOL_RESULT, 4,
		    "{\"name\":\"bash\",\"is_error\":true}"),
		rec(CLAW_RECORD_EXIT, CLAW_RECORD_END, 3, "{\"ms\":1200}"),
		rec(CLAW_RECORD_EXIT, CLAW_RECORD_END, 2, "{\"ms\":1300}"),
		rec(CLAW_RECORD_EXIT, CLAW_RECORD_END, 1, "{\"ms\":1400}"),
		rec(CLAW_RECORD_EXIT, CLAW_RECORD_END, 0, "{\"ms\":99}"),
	};
	int64_t ids[] = {1, 2, 3, 4, 5, 6, 4, 3, 2, 77};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		v[i].span_id = ids[i];
		(void)claw_render_record(r, &v[i], &out);
	}
	is_str(claw_buf_str(&out),
	       "▶ workflow solve\n"
	       "  ▶ step implement\n"
	       "    ▶ ai worker (m1)\n"
	       "      ▶ turn #1\n"
	       "        · tool bash\n"
	       "        · tool-result bash [error]\n"
	       "      ◀ turn #1 (1.2s)\n"
	       "    ◀ ai worker (m1) (1.3s)\n"
	       "  ◀ step implement (1.4s)\n"
	       "◀ end (99ms)\n",
	       "the tree: glyphs, two spaces per depth, exits name their span");
	claw_render_free(r);

	/* Level Info hides ai/turn but still names the step on its exit. */
	r = claw_render_new(CLAW_RECORD_INFO, false);
	claw_buf_reset(&out);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		v[i].level =
			v[i].type == CLAW_RECORD_END ? (i == 6 || i == 7 ? 10 : 20) : v[i].level;
		(void)claw_render_record(r, &v[i], &out);
	}
	is_str(claw_buf_str(&out),
	       "▶ workflow solve\n"
	       "  ▶ step implement\n"
	       "        · tool bash\n"
	       "        · tool-result bash [error]\n"
	       "  ◀ step implement (1.4s)\n"
	       "◀ end (99ms)\n",
	       "Info hides Debug records");
	claw_render_free(r);

	/* Notice shows only milestones. */
	r = claw_render_new(CLAW_RECORD_NOTICE, false);
	claw_buf_reset(&out);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		(void)claw_render_record(r, &v[i], &out);
	is_str(claw_buf_str(&out), "▶ workflow solve\n", "Notice: the workflow only");
	claw_render_free(r);
	claw_buf_free(&out);
}

static void
test_colour(void)
{
	struct claw_render *r = claw_render_new(CLAW_RECORD_DEBUG, true);
	struct claw_render *plain = claw_render_new(CLAW_RECORD_DEBUG, false);
	struct claw_buf out = CLAW_BUF_INIT(4096), p = CLAW_BUF_INIT(4096);
	struct claw_record s = rec(CLAW_RECORD_ENTER, CLAW_RECORD_STEP, 1, "{\"name\":\"x\"}");

	(void)claw_render_record(r, &s, &out);
	is_str(claw_buf_str(&out), "  \033[1;36m▶ step\033[0m x\n", "step in bold cyan");
	(void)claw_render_record(plain, &s, &p);
	is_str(claw_buf_str(&p), "  ▶ step x\n", "no escape codes without colour");

	struct claw_record e = rec(CLAW_RECORD_EVENT, CLAW_RECORD_TOOL_RESULT, 0,
				   "{\"name\":\"bash\",\"is_error\":true}");
	claw_buf_reset(&out);
	(void)claw_render_record(r, &e, &out);
	is_str(claw_buf_str(&out), "\033[1;31m· tool-result\033[0m bash \033[1;31m[error]\033[0m\n",
	       "failed tool result in red");

	static const struct {
		enum claw_record_type type;
		const char *sgr;
	} colours[] = {
		{CLAW_RECORD_WORKFLOW, "1;35"},  {CLAW_RECORD_AI, "34"},
		{CLAW_RECORD_TURN, "34"},        {CLAW_RECORD_PROMPT, "2"},
		{CLAW_RECORD_REPLY, "2"},        {CLAW_RECORD_TOOL, "33"},
		{CLAW_RECORD_TOOL_RESULT, "32"}, {CLAW_RECORD_ARTIFACT, "1;32"},
		{CLAW_RECORD_HANDOFF, "35"},     {CLAW_RECORD_QUESTION, "1;33"},
		{CLAW_RECORD_ANSWER, "1;32"},    {CLAW_RECORD_BACK, "33"},
		{CLAW_RECORD_RETRY, "31"},       {CLAW_RECORD_NOTE, "1"}, /* a Notice note: bold */
	};
	for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++) {
		char want[64];
		struct claw_record x = rec(CLAW_RECORD_EVENT, colours[i].type, 0, "{}");
		if (x.type == CLAW_RECORD_NOTE)
			x.level = CLAW_RECORD_NOTICE;
		claw_buf_reset(&out);
		(void)claw_render_record(r, &x, &out);
		(void)snprintf(want, sizeof want, "\033[%sm· %s\033[0m", colours[i].sgr,
			       claw_record_type_name(x.type));
		has_str(claw_buf_str(&out), want, "%s colour", claw_record_type_name(x.type));
		claw_buf_reset(&p);
		(void)claw_render_record(plain, &x, &p);
		ok(strchr(claw_buf_str(&p), '\033') == NULL, "%s plain has no escapes",
		   claw_record_type_name(x.type));
	}
	struct claw_record info_note = rec(CLAW_RECORD_EVENT, CLAW_RECORD_NOTE, 0, "{}");
	claw_buf_reset(&out);
	(void)claw_render_record(r, &info_note, &out);
	is_str(claw_buf_str(&out), "· note\n", "an Info note is not coloured");

	ok(claw_render_colour_rule(true, NULL), "a TTY without NO_COLOR: colour");
	ok(claw_render_colour_rule(true, ""), "NO_COLOR empty counts as unset");
	ok(!claw_render_colour_rule(true, "1"), "NO_COLOR set: no colour");
	ok(!claw_render_colour_rule(false, NULL), "not a TTY: no colour");
	ok(!claw_render_colour_wanted(-1), "a bad fd: no colour");
	int pty = posix_openpt(O_RDWR | O_NOCTTY);
	if (pty >= 0 && grantpt(pty) == 0 && unlockpt(pty) == 0) {
		int tty = open(ptsname(pty), O_RDWR | O_NOCTTY);
		ok(tty >= 0 && claw_render_colour_wanted(tty) ==
				       claw_render_colour_rule(true, getenv("NO_COLOR")),
		   "a pseudo-terminal follows the rule");
		if (tty >= 0)
			close(tty);
	} else {
		ok(true, "# SKIP no pseudo-terminal here");
	}
	if (pty >= 0)
		close(pty);
	int pipefd[2];
	ok(pipe(pipefd) == 0 && !claw_render_colour_wanted(pipefd[1]), "a pipe: no colour");
	close(pipefd[0]);
	close(pipefd[1]);

	claw_render_free(r);
	claw_render_free(plain);
	claw_buf_free(&out);
	claw_buf_free(&p);
}

static void
test_totals_and_runs(void)
{
	struct claw_buf out = CLAW_BUF_INIT(4096);
	struct claw_trace_usage models[] = {
		{.model = (char *)"m1", 2, 1000, 200, 50, 300, 30000},
		{.model = (char *)"m2", 1, 500, 100, 0, 0, 12100},
	};
	struct claw_trace_totals tot = {3, 1500, 300, 50, 300, 42100, models, 2};

	(void)claw_render_totals(&out, &tot, false);
	is_str(claw_buf_str(&out),
	       "tokens 1500 in / 300 out · cache 50 read / 300 written (3% hit) · cost $0.0421\n"
	       "  m1: 1000 in / 200 out · cache 50 read / 300 written · $0.0300\n"
	       "  m2: 500 in / 100 out · cache 0 read / 0 written · $0.0121\n",
	       "totals line and one line per model");
	tot.nmodels = 1;
	claw_buf_reset(&out);
	(void)claw_render_totals(&out, &tot, false);
	is_str(claw_buf_str(&out),
	       "tokens 1500 in / 300 out · cache 50 read / 300 written (3% hit) · cost $0.0421\n",
	       "one model: no breakdown");

	struct claw_run runs[] = {
		{.id = 40,
		 .issue_id = 12,
		 .status = CLAW_RUN_RUNNING,
		 .reason = (char *)"",
		 .created_at = 1764000000000},
		{.id = 31,
		 .issue_id = 12,
		 .status = CLAW_RUN_FAILED,
		 .reason = (char *)"stopped by alice",
		 .created_at = 1763990000000},
	};
	claw_buf_reset(&out);
	(void)claw_render_runs(&out, runs, 2, 31, false);
	is_str(claw_buf_str(&out),
	       "  #40   running   issue #12   2025-11-24 16:00:00\n"
	       "* #31   failed    issue #12   2025-11-24 13:13:20  stopped by alice\n",
	       "runs newest first, the chosen one marked");
	claw_buf_free(&out);
}

/* claw_render_log into a file; returns its contents (static). */
static const char *
log_of(struct claw_db *db, int64_t run, int level, enum claw_err *rc, struct claw_error *err)
{
	static char text[16384];
	char path[4300];
	(void)snprintf(path, sizeof path, "%s/log.txt", tap_tmpdir());
	FILE *f = fopen(path, "w+");
	*rc = claw_render_log(db, run, level, false, f, err);
	rewind(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void
test_log(void)
{
	char path[4300];
	struct claw_db *db = NULL;
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	struct claw_error err;
	enum claw_err rc;
	int64_t issue = 0, r1 = 0, r2 = 0;

	(void)snprintf(path, sizeof path, "%s/log.db", tap_tmpdir());
	ok(claw_db_open(path, CLAW_DB_CREATE, &db, &err) == CLAW_OK, "db");
	is_str(log_of(db, 0, CLAW_RECORD_DEBUG, &rc, &err), "No runs yet for this project.\n",
	       "no runs yet");
	is_int(rc, CLAW_OK, "and that is not an error");

	ok(claw_issue_create(db, "Fix it", NULL, &issue, &err) == CLAW_OK, "issue");
	ok(claw_run_insert(db, issue, CLAW_RUN_RUNNING, "console", &r1, &err) == CLAW_OK, "run 1");
	ok(claw_run_set_status(db, r1, CLAW_RUN_FAILED, "stopped by alice", &err) == CLAW_OK,
	   "run 1 failed");
	ok(claw_run_insert(db, issue, CLAW_RUN_RUNNING, "console", &r2, &err) == CLAW_OK, "run 2");

	ok(claw_trace_store_open(path, "p", NULL, &st, &err) == CLAW_OK, "store");
	ok(claw_trace_store_tracer_new(st, db, r1, &t, &err) == CLAW_OK, "tracer of run 1");
	int64_t wf = claw_trace_enter(t, CLAW_RECORD_WORKFLOW, "{\"name\":\"solve\"}");
	claw_trace_enter(t, CLAW_RECORD_STEP, "{\"name\":\"plan\"}");
	claw_trace_enter(t, CLAW_RECORD_AI, "{\"role\":\"worker\",\"model\":\"m1\"}");
	claw_trace_event(t, CLAW_RECORD_REPLY, 0,
			 "{\"text\":\"hi\",\"usage\":{\"in\":1000,\"out\":200,\"cached\":50,"
			 "\"cost_micros\":42100}}");
	claw_trace_event(t, CLAW_RECORD_TOOL, 0, "{\"name\":\"bash\"}");
	claw_trace_exit(t, wf);
	ok(claw_tracer_flush(t, &err) == CLAW_OK, "traced run 1");
	claw_tracer_free(t);
	claw_trace_store_close(st);

	/* Default: the run that last wrote a trace row (run 1), not the newest. */
	const char *out = log_of(db, 0, CLAW_RECORD_DEBUG, &rc, &err);
	is_int(rc, CLAW_OK, "log of the latest traced run");
	has_str(out, "  #2 ", "run 2 listed");
	has_str(out, "* #1 ", "run 1 chosen and marked");
	ok(strstr(out, "  #2 ") < strstr(out, "* #1 "), "newest first");
	has_str(out, "stopped by alice", "reason shown");
	has_str(out,
		"\n\n▶ workflow solve\n"
		"  ▶ step plan\n"
		"    ▶ ai worker (m1)\n"
		"      · reply [1000/200 tok · $0.0421] \"hi\"\n"
		"      · tool bash\n",
		"then the tree at Debug");
	has_str(out,
		"\n\ntokens 1000 in / 200 out · cache 50 read / 0 written (5% hit) · cost "
		"$0.0421\n",
		"then the totals line");

	out = log_of(db, r1, CLAW_RECORD_NOTICE, &rc, &err);
	ok(strstr(out, "step plan") == NULL && strstr(out, "workflow solve") != NULL,
	   "-q shows milestones only");

	out = log_of(db, r2, CLAW_RECORD_DEBUG, &rc, &err);
	is_int(rc, CLAW_OK, "a run without trace rows");
	has_str(out, "* #2 ", "marked");
	has_str(out, "(no trace rows for this run)", "said so");
	has_str(out, "tokens 0 in / 0 out · cache 0 read / 0 written · cost $0.0000",
		"zero totals");

	(void)log_of(db, 99, CLAW_RECORD_DEBUG, &rc, &err);
	is_int(rc, CLAW_ENOTFOUND, "unknown run");
	is_str(err.msg, "run #99 not found", "named");
	claw_db_close(db);
}

int
main(void)
{
	test_log();
	test_summaries();
	test_tree();
	test_colour();
	test_totals_and_runs();
	return tap_done();
}
