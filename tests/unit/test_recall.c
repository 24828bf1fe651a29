/*
 * test_recall — each form of recall against a journal written through a real
 * tracer and store: task, workflow, steps (all and one), tool calls (all,
 * one tool, the newest 20), artifacts (the list and one in full).
 */
#include "tool/recall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "store/db.h"
#include "tap.h"
#include "tool/builtin.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

#define RUN 3

static struct claw_registry *reg;
static struct claw_db *db;
static struct claw_tracer *tracer;
static struct claw_tool_result res;
static int64_t run_id = RUN;

static const char *
recall(const char *json)
{
	struct json_object *in = NULL;
	struct claw_error err = {0};
	struct claw_tool_ctx ctx = {
		.project = "/nonexistent",
		.tools = reg,
		.run_id = run_id,
		.step = "implement",
		.tracer = tracer,
		.db = db,
		.task = "#7 Add --version\n\nPrint the version.",
		.workflow = "{\"name\":\"Issue7Solver\",\"steps\":[]}",
	};
	if (claw_json_parse(json, strlen(json), &in, &err) != CLAW_OK)
		tap_diag("bad json %s", json);
	claw_registry_call(reg, &ctx, "recall", in, &res);
	json_object_put(in);
	return claw_buf_str(&res.text);
}

static void
tool_call(const char *name, const char *input, const char *text, bool is_error)
{
	char buf[512];
	(void)snprintf(buf, sizeof buf, "{\"name\":\"%s\",\"input\":%s}", name, input);
	(void)claw_trace_event(tracer, CLAW_RECORD_TOOL, CLAW_RECORD_LEVEL_DEFAULT, buf);
	(void)snprintf(buf, sizeof buf, "{\"name\":\"%s\",\"text\":\"%s\",\"is_error\":%s}", name,
		       text, is_error ? "true" : "false");
	(void)claw_trace_event(tracer, CLAW_RECORD_TOOL_RESULT, CLAW_RECORD_LEVEL_DEFAULT, buf);
}

static void
journal(void)
{
	(void)claw_trace_enter(tracer, CLAW_RECORD_WORKFLOW, "{\"name\":\"Issue7Solver\"}");
	int64_t s1 = claw_trace_enter(tracer, CLAW_RECORD_STEP, "{\"name\":\"understand\"}");
	tool_call("list_files", "{}", "src/", false);
	(void)claw_trace_event(tracer, CLAW_RECORD_ARTIFACT, CLAW_RECORD_LEVEL_DEFAULT,
			       "{\"n\":0,\"label\":\"plan\",\"kind\":\"text\",\"value\":\"Edit "
			       "main.c, then test.\",\"source\":\"\",\"note\":\"short\","
			       "\"mime\":\"text/plain\",\"step\":\"understand\"}");
	(void)claw_trace_event(tracer, CLAW_RECORD_HANDOFF, CLAW_RECORD_LEVEL_DEFAULT,
			       "{\"text\":\"main.c parses options in parse_args.\"}");
	claw_trace_exit(tracer, s1);
	(void)claw_trace_enter(tracer, CLAW_RECORD_STEP, "{\"name\":\"implement\"}");
	tool_call("read_file", "{\"path\":\"main.c\"}", "int main(void) {}", false);
	tool_call("bash", "{\"command\":\"make\"}", "[exit 2]\\nmain.c:1: error: x", true);
	for (int i = 0; i < 24; i++) {
		char in[64], out[64];
		(void)snprintf(in, sizeof in, "{\"command\":\"echo %d\"}", i);
		(void)snprintf(out, sizeof out, "%d\\n", i);
		tool_call("bash", in, out, false);
	}
}

static void
test_forms(void)
{
	is_str(recall("{\"what\": \"task\"}"), "#7 Add --version\n\nPrint the version.", "task");
	is_str(recall("{\"what\": \"workflow\"}"), "{\"name\":\"Issue7Solver\",\"steps\":[]}",
	       "workflow");
	const char *t = recall("{\"what\": \"step\"}");
	has_str(t, "1. understand in Issue7Solver: ended after ", "a finished step");
	has_str(t, "2. implement in Issue7Solver: in progress", "the current step");
	t = recall("{\"what\": \"step\", \"name\": \"understand\"}");
	has_str(t, "handoff: main.c parses options in parse_args.", "one step: its handoff");
	has_str(t, "artifact 0: plan (text, ", "its artifacts");
	has_str(t, "tool calls in understand: 1", "its number of calls");
	ok(strstr(t, "implement") == NULL, "only that step");
	has_str(recall("{\"what\": \"step\", \"name\": \"deploy\"}"),
		"no step deploy in this run yet", "an unknown step");
	t = recall("{\"what\": \"tool\"}");
	has_str(t, "(7 older calls not shown)", "the newest 20 of 27 calls");
	has_str(t, "--- bash in step implement {\"command\":\"echo 23\"}\n23\n",
		"input and result");
	ok(strstr(t, "echo 3\"") == NULL, "older ones left out");
	t = recall("{\"what\": \"tool\", \"name\": \"read_file\"}");
	has_str(t, "--- read_file in step implement {\"path\":\"main.c\"}\nint main(void) {}",
		"one tool's calls");
	ok(strstr(t, "bash") == NULL, "only that tool");
	t = recall("{\"what\": \"tool\", \"name\": \"bash\"}");
	ok(strstr(t, "[error] [exit 2]") == NULL, "the failing bash call is older than 20");
	has_str(recall("{\"what\": \"tool\", \"name\": \"write_file\"}"),
		"no write_file calls in this run yet", "a tool never called");
	t = recall("{\"what\": \"artifacts\"}");
	has_str(t, "0. plan (text, step understand, 23 bytes): short", "the artifact list");
	t = recall("{\"what\": \"artifacts\", \"name\": \"plan\"}");
	has_str(t, "artifact 0: plan (text, step understand)\nnote: short\nEdit main.c, then test.",
		"one artifact in full");
	has_str(recall("{\"what\": \"artifacts\", \"name\": \"nope\"}"),
		"no artifact labelled nope in this run", "an unknown label");
	has_str(recall("{\"what\": \"everything\"}"),
		"must be one of: task, workflow, step, tool, "
		"artifacts",
		"an unknown form");
	ok(res.is_error, "is an error");
	run_id = 99;
	has_str(recall("{\"what\": \"artifacts\"}"), "no artifacts in this run yet",
		"another run's journal is not this one's");
	run_id = 0;
	has_str(recall("{\"what\": \"task\"}"), "recall needs a run", "outside a run");
	run_id = RUN;
}

int
main(void)
{
	struct claw_error err = {0};
	struct claw_trace_store *store = NULL;
	char path[4200];

	(void)snprintf(path, sizeof path, "%s/r.db", tap_tmpdir());
	if (claw_builtin_registry(&reg, &err) != CLAW_OK ||
	    claw_db_open(path, CLAW_DB_CREATE, &db, &err) != CLAW_OK ||
	    claw_trace_store_open(path, "p", NULL, &store, &err) != CLAW_OK ||
	    claw_trace_store_tracer_new(store, db, RUN, &tracer, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}
	claw_tool_result_init(&res);
	journal();
	test_forms();
	claw_trace_exit_all(tracer);
	claw_tool_result_free(&res);
	claw_tracer_free(tracer);
	claw_trace_store_close(store);
	claw_db_close(db);
	claw_registry_free(reg);
	return tap_done();
}
