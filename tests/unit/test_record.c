/*
 * test_record — the record vocabulary and the wire row's exact bytes.
 * (Byte equality between a live row and its replay from the db is checked
 * in test_sink_store, where both paths exist.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "trace/record.h"

static void
test_names(void)
{
	static const char *const want[] = {
		"workflow", "step", "ai",          "turn",     "end",     "prompt",
		"reply",    "tool", "tool-result", "artifact", "handoff", "question",
		"answer",   "back", "retry",       "note",     "message",
	};
	static const int levels[] = {30, 20, 10, 10, 20, 10, 10, 20, 20,
				     20, 30, 30, 30, 30, 30, 20, 30};
	struct claw_error err;

	is_int(sizeof want / sizeof want[0], CLAW_RECORD_TYPE_COUNT, "every type is listed here");
	for (int i = 0; i < CLAW_RECORD_TYPE_COUNT; i++) {
		enum claw_record_type t;
		is_str(claw_record_type_name((enum claw_record_type)i), want[i], "type %d name", i);
		ok(claw_record_type_parse(want[i], &t, &err) == CLAW_OK && (int)t == i,
		   "type %s parses back", want[i]);
		is_int(claw_record_type_level((enum claw_record_type)i), levels[i], "type %s level",
		       want[i]);
	}
	ok(claw_record_type_is_span(CLAW_RECORD_WORKFLOW) &&
		   claw_record_type_is_span(CLAW_RECORD_STEP) &&
		   claw_record_type_is_span(CLAW_RECORD_AI) &&
		   claw_record_type_is_span(CLAW_RECORD_TURN),
	   "workflow, step, ai, turn are spans");
	ok(!claw_record_type_is_span(CLAW_RECORD_END) &&
		   !claw_record_type_is_span(CLAW_RECORD_TOOL),
	   "end and tool are not");

	enum claw_record_type t;
	enum claw_record_phase p;
	is_int(claw_record_type_parse("bogus", &t, &err), CLAW_EINVAL, "unknown type refused");
	has_str(err.msg, "bogus", "message names it");
	is_str(claw_record_phase_name(CLAW_RECORD_ENTER), "enter", "enter");
	is_str(claw_record_phase_name(CLAW_RECORD_EXIT), "exit", "exit");
	is_str(claw_record_phase_name(CLAW_RECORD_EVENT), "event", "event");
	ok(claw_record_phase_parse("exit", &p, &err) == CLAW_OK && p == CLAW_RECORD_EXIT,
	   "phase parses");
	is_int(claw_record_phase_parse("leave", &p, &err), CLAW_EINVAL, "unknown phase refused");
}

static void
test_wire_row(void)
{
	struct claw_buf b = CLAW_BUF_INIT(4096);
	struct claw_record rec = {
		.seq = 1234,
		.run_id = 7,
		.span_id = 42,
		.parent_id = 41,
		.depth = 3,
		.phase = CLAW_RECORD_EVENT,
		.type = CLAW_RECORD_TOOL_RESULT,
		.level = 30,
		.ts_ms = 1764000000123,
		.data = "{\"name\":\"bash\",\"text\":\"x\\ny\",\"is_error\":true}",
	};

	is_int(claw_record_wire_row(&b, &rec), CLAW_OK, "formats");
	is_str(claw_buf_str(&b),
	       "{\"seq\":1234,\"runId\":7,\"spanId\":42,\"parentId\":41,\"depth\":3,"
	       "\"phase\":\"event\",\"type\":\"tool-result\",\"level\":30,"
	       "\"tsMs\":1764000000123,\"data\":{\"name\":\"bash\",\"text\":\"x\\ny\","
	       "\"is_error\":true}}",
	       "wire row bytes");

	claw_buf_reset(&b);
	rec.data = NULL;
	rec.seq = 0;
	rec.parent_id = 0;
	rec.depth = 0;
	rec.phase = CLAW_RECORD_ENTER;
	rec.type = CLAW_RECORD_WORKFLOW;
	rec.ts_ms = -5;
	(void)claw_record_wire_row(&b, &rec);
	is_str(claw_buf_str(&b),
	       "{\"seq\":0,\"runId\":7,\"spanId\":42,\"parentId\":0,\"depth\":0,"
	       "\"phase\":\"enter\",\"type\":\"workflow\",\"level\":30,\"tsMs\":-5,\"data\":{}}",
	       "no data is {}; zero and negative numbers");

	claw_buf_reset(&b);
	rec.seq = INT64_MAX;
	rec.run_id = INT64_MIN;
	rec.data = "";
	(void)claw_record_wire_row(&b, &rec);
	has_str(claw_buf_str(&b), "\"seq\":9223372036854775807,\"runId\":-9223372036854775808,",
		"extreme integers");
	has_str(claw_buf_str(&b), "\"data\":{}}", "empty data is {}");

	struct claw_buf small = CLAW_BUF_INIT(20);
	is_int(claw_record_wire_row(&small, &rec), CLAW_ETOOBIG, "a small cap reports ETOOBIG");
	claw_buf_free(&small);
	claw_buf_free(&b);
}

static void
test_list_free(void)
{
	struct claw_record_list l = {0};
	l.v = calloc(2, sizeof *l.v);
	l.v[0].data = strdup("{}");
	l.n = 2;
	claw_record_list_free(&l);
	ok(l.v == NULL && l.n == 0, "list freed and emptied");
	claw_record_list_free(&l);
	claw_record_list_free(NULL);
}

int
main(void)
{
	test_names();
	test_wire_row();
	test_list_free();
	return tap_done();
}
