/*
 * test_artifact — the four ways to record an artifact, against a real db,
 * trace store and tracer, and bash under bubblewrap: what lands in the
 * journal (n, kind, value, source, mime, step), pasted output refused,
 * evidence with its command, run#N from the step's history and, after a
 * resume, from the journal.
 */
#include "tool/artifact.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/json.h"
#include "store/db.h"
#include "tap.h"
#include "tool/builtin.h"
#include "tool/history.h"
#include "tool/sandbox.h"
#include "tool/secrets.h"
#include "trace/reader.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

#define RUN 1

static char project[PATH_MAX];
static struct claw_registry *reg;
static struct claw_secrets *secrets;
static struct claw_sandbox *sb;
static struct claw_db *db;
static struct claw_trace_store *store;
static struct claw_tracer *tracer;
static struct claw_history *history;
static struct claw_tool_result res;
static const char *step = "implement";
static const struct claw_registry *palette;

static const char *
call(const char *tool, const char *json)
{
	struct json_object *in = NULL;
	struct claw_error err = {0};
	struct claw_tool_ctx ctx = {
		.project = project,
		.sandbox = sb,
		.secrets = secrets,
		.tools = palette,
		.run_id = RUN,
		.step = step,
		.history = history,
		.tracer = tracer,
		.db = db,
	};
	if (claw_json_parse(json, strlen(json), &in, &err) != CLAW_OK)
		tap_diag("bad json %s", json);
	claw_registry_call(palette, &ctx, tool, in, &res);
	json_object_put(in);
	return claw_buf_str(&res.text);
}

/* Artifact n as recorded. */
static struct claw_trace_artifact
get(int64_t n)
{
	struct claw_trace_artifact a = {0};
	struct claw_error err = {0};
	(void)claw_tracer_flush(tracer, NULL);
	if (claw_reader_artifact(db, RUN, n, &a, &err) != CLAW_OK)
		tap_diag("artifact %lld: %s", (long long)n, claw_error_text(&err));
	return a;
}

static void
test_text(void)
{
	has_str(call("artifact", "{\"label\": \"summary\", \"text\": \"Added --version.\", "
				 "\"note\": \"see main.c\"}"),
		"Recorded artifact 0 \"summary\" (text, 16 bytes)", "text recorded as #0");
	ok(!res.is_error, "not an error");
	struct claw_trace_artifact a = get(0);
	is_str(a.kind, "text", "kind text");
	is_str(a.body, "Added --version.", "value");
	is_str(a.note, "see main.c", "note");
	is_str(a.step, "implement", "step");
	is_str(a.mime, "text/plain", "mime");
	claw_trace_artifact_free(&a);

	has_str(call("artifact", "{\"label\": \"tests\", \"text\": \"[exit 1]\\nFAIL\"}"),
		"looks like pasted tool output (it has \"[exit \")", "pasted [exit N] refused");
	ok(res.is_error, "is an error");
	has_str(call("artifact", "{\"label\": \"tests\", \"text\": \"all good\\nok 1 - parses\"}"),
		"pasted tool output", "TAP lines refused");
	has_str(call("artifact", "{\"label\": \"t\", \"text\": \"see [run#3]\"}"),
		"pasted tool output", "a run#N handle refused");
	has_str(call("artifact", "{\"label\": \"t\", \"text\": \"main.c:3: error: x\"}"),
		"pasted tool output", "compiler output refused");
	has_str(call("artifact", "{\"label\": \"plan\", \"text\": \"It is ok 2 go: 3 steps.\"}"),
		"Recorded artifact 1", "prose with ok in it is fine");
	has_str(call("artifact",
		     "{\"label\": \"summary\", \"text\": \"Added --version, tested.\"}"),
		"Recorded artifact 0 \"summary\"", "the same label in the same step reuses its n");
	a = get(0);
	is_str(a.body, "Added --version, tested.", "and the newest value wins");
	claw_trace_artifact_free(&a);
}

static void
test_file(void)
{
	char path[PATH_MAX + 20];
	(void)snprintf(path, sizeof path, "%s/NOTES.md", project);
	FILE *f = fopen(path, "w");
	if (f != NULL) {
		(void)fputs("# Notes\nsecret tok-art-0123456789 here\n", f);
		(void)fclose(f);
	}
	has_str(call("artifact", "{\"label\": \"notes\", \"file\": \"NOTES.md\"}"),
		"Recorded artifact 2 \"notes\" (file, ", "file recorded");
	struct claw_trace_artifact a = get(2);
	is_str(a.kind, "file", "kind file");
	is_str(a.source, "NOTES.md", "source is the path");
	is_str(a.mime, "text/markdown", "mime from the name");
	is_str(a.body, "# Notes\nsecret [redacted TOKEN] here\n", "redacted before tracing");
	claw_trace_artifact_free(&a);
	has_str(call("artifact", "{\"label\": \"x\", \"file\": \"nope.md\"}"),
		"no such file: nope.md", "missing file");
	has_str(call("artifact", "{\"label\": \"x\", \"file\": \"../x\"}"),
		"path escapes the project: ../x", "confined like the file tools");
}

static void
test_command(void)
{
	const char *t =
		call("artifact", "{\"label\": \"proof\", \"command\": \"echo evidence; echo "
				 "$TOKEN; exit 2\"}");
	has_str(t, "Recorded artifact 3 \"proof\" (evidence, ", "command recorded as evidence");
	has_str(t, "[exit 2]\nevidence\n[redacted TOKEN]\n", "the result shows the output");
	ok(!res.is_error, "recording a failing command is not an error");
	struct claw_trace_artifact a = get(3);
	is_str(a.kind, "evidence", "kind evidence");
	is_str(a.source, "echo evidence; echo $TOKEN; exit 2", "source is the command");
	is_str(a.body, "[exit 2]\nevidence\n[redacted TOKEN]\n", "value is bash's verbatim output");
	claw_trace_artifact_free(&a);

	struct claw_registry *no_bash = NULL;
	const char *names[] = {"artifact", "read_file"};
	struct claw_error err = {0};
	(void)claw_registry_only(reg, names, 2, &no_bash, &err);
	palette = no_bash;
	has_str(call("artifact", "{\"label\": \"p\", \"command\": \"true\"}"),
		"this step does not have", "command needs bash in the palette");
	palette = reg;
	claw_registry_free(no_bash);
}

static void
test_run(void)
{
	claw_history_free(history); /* number this part's calls from 1 */
	history = claw_history_new(1);
	has_str(call("bash", "{\"command\": \"echo built\"}"), "built\n\n[run#1]",
		"bash result ends with its handle");
	has_str(call("read_file", "{\"path\": \"NOTES.md\"}"), "[run#2]", "read_file: run#2");
	has_str(call("artifact", "{\"label\": \"build\", \"run\": \"run#1\"}"),
		"Recorded artifact 4 \"build\" (evidence, 6 bytes):\nbuilt\n", "run#1 frozen");
	struct claw_trace_artifact a = get(4);
	is_str(a.kind, "evidence", "a bash call is evidence");
	is_str(a.source, "echo built", "with its command");
	claw_trace_artifact_free(&a);
	has_str(call("artifact", "{\"label\": \"read\", \"run\": \"[run#2]\"}"), "(text, ",
		"another tool's call is text");
	a = get(5);
	is_str(a.source, "run#2 read_file {\"path\":\"NOTES.md\"}", "naming the call");
	claw_trace_artifact_free(&a);
	has_str(call("artifact", "{\"label\": \"x\", \"run\": \"run#99\"}"),
		"run#99 is not a tool call of this step", "unknown handle");
	has_str(call("artifact", "{\"label\": \"x\", \"run\": \"yesterday\"}"),
		"not a run#N handle", "not a handle");

	/* A resumed step: a fresh history, the calls only in the journal. */
	(void)claw_trace_event(tracer, CLAW_RECORD_TOOL, CLAW_RECORD_LEVEL_DEFAULT,
			       "{\"name\":\"bash\",\"input\":{\"command\":\"make\"}}");
	(void)claw_trace_event(tracer, CLAW_RECORD_TOOL_RESULT, CLAW_RECORD_LEVEL_DEFAULT,
			       "{\"name\":\"bash\",\"text\":\"old output\",\"is_error\":false}");
	claw_history_free(history);
	history = claw_history_new(1);
	has_str(call("artifact", "{\"label\": \"old\", \"run\": \"run#1\"}"),
		"Recorded artifact 6 \"old\" (text, 10 bytes):\nold output",
		"found in the journal");
}

static void
test_input(void)
{
	has_str(call("artifact", "{\"label\": \"x\"}"),
		"give exactly one of text, file, command or run", "none of the four");
	has_str(call("artifact", "{\"label\": \"x\", \"text\": \"a\", \"file\": \"b\"}"),
		"give exactly one of text, file, command or run", "two of them");
	has_str(call("artifact", "{\"label\": \"\", \"text\": \"a\"}"), "label must be one line",
		"empty label");
	step = "verify";
	has_str(call("artifact", "{\"label\": \"summary\", \"text\": \"Verified.\"}"),
		"Recorded artifact 7 \"summary\"", "the same label in another step is new");
	step = "implement";
}

int
main(void)
{
	struct claw_error err = {0};
	char tmp[PATH_MAX + 100];
	const char *sec = "TOKEN=tok-art-0123456789\n";
	struct claw_sandbox_opts o;

	(void)snprintf(tmp, sizeof tmp, "%s/project", tap_tmpdir());
	if (mkdir(tmp, 0755) != 0 || realpath(tmp, project) == NULL)
		return 1;
	(void)snprintf(tmp, sizeof tmp, "%s/a.db", tap_tmpdir());
	claw_sandbox_opts_default(&o);
	o.mode = CLAW_SANDBOX_BWRAP;
	o.timeout_ms = 5000;
	if (claw_builtin_registry(&reg, &err) != CLAW_OK ||
	    claw_secrets_parse(sec, strlen(sec), "t", &secrets, &err) != CLAW_OK ||
	    claw_sandbox_new(&o, &sb, &err) != CLAW_OK ||
	    claw_db_open(tmp, CLAW_DB_CREATE, &db, &err) != CLAW_OK ||
	    claw_trace_store_open(tmp, "p", NULL, &store, &err) != CLAW_OK ||
	    claw_trace_store_tracer_new(store, db, RUN, &tracer, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		return 1;
	}
	palette = reg;
	history = claw_history_new(1);
	claw_tool_result_init(&res);
	(void)claw_trace_enter(tracer, CLAW_RECORD_WORKFLOW, "{\"name\":\"Solver\"}");
	(void)claw_trace_enter(tracer, CLAW_RECORD_STEP, "{\"name\":\"implement\"}");
	test_text();
	test_file();
	test_command();
	test_run();
	test_input();
	claw_trace_exit_all(tracer);
	claw_tool_result_free(&res);
	claw_history_free(history);
	claw_tracer_free(tracer);
	claw_trace_store_close(store);
	claw_db_close(db);
	claw_sandbox_free(sb);
	claw_secrets_free(secrets);
	claw_registry_free(reg);
	return tap_done();
}
