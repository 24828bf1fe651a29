/*
 * artifact — build a value from text, a file, a command or an earlier call,
 * then record it as a trace `artifact` event.  See artifact.h.
 */
#include "tool/artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "tool/bash.h"
#include "tool/files.h"
#include "tool/history.h"
#include "tool/secrets.h"
#include "trace/reader.h"
#include "trace/tracer.h"

#define BUILD_MAX (4 * 1024 * 1024) /* a value before redaction and clipping */

static const char schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"label\": {\"type\": \"string\", \"description\": \"short name of what this is\"},"
	" \"text\": {\"type\": \"string\", \"description\": \"a statement or summary (not tool "
	"output: use command or run for that)\"},"
	" \"file\": {\"type\": \"string\", \"description\": \"path of a project file to record\"},"
	" \"command\": {\"type\": \"string\", \"description\": \"shell command to run now; its "
	"output is recorded as evidence\"},"
	" \"run\": {\"type\": \"string\", \"description\": \"run#N handle of an earlier tool call "
	"of this step, to freeze its output\"},"
	" \"note\": {\"type\": \"string\", \"description\": \"optional remark for the reviewer\"}},"
	" \"required\": [\"label\"], \"additionalProperties\": false}";

/* A value being made: what the record will say. */
struct value {
	const char *kind;     /* text | file | evidence */
	char *source;         /* owned; "" when none */
	const char *mime;     /* static */
	struct claw_buf body; /* before redaction and clipping */
	bool show;            /* put the value in the tool result too */
};

/* ------------------------------------------------------- pasted output */

struct telltale {
	const char *s;
	bool line_start; /* must begin a line */
	bool digit;      /* and be followed by a digit */
};

static const struct telltale telltales[] = {
	{"[run#", false, false},
	{" bytes clipped ...]", false, false},
	{"[redacted ", false, false},
	{"[exit ", true, true},
	{"[timeout after ", true, false},
	{"ok ", true, true},
	{"not ok ", true, true},
	{"PASS: ", true, false},
	{"FAIL: ", true, false},
	{"# TOTAL: ", true, false},
	{"--- PASS: ", true, false},
	{"--- FAIL: ", true, false},
	{"=== RUN ", true, false},
	{"test result: ", true, false},
	{"make: *** ", true, false},
	{"Traceback (most recent call last):", true, false},
	{": error: ", false, false},
	{": warning: ", false, false},
	{"$ ", true, false},
};

const char *
claw_artifact_pasted(const char *text, size_t n)
{
	for (size_t k = 0; k < sizeof telltales / sizeof telltales[0]; k++) {
		const struct telltale *t = &telltales[k];
		size_t tl = strlen(t->s);
		for (size_t i = 0; i + tl <= n; i++) {
			if (t->line_start && i != 0 && text[i - 1] != '\n')
				continue;
			if (memcmp(text + i, t->s, tl) != 0)
				continue;
			if (t->digit && (i + tl >= n || text[i + tl] < '0' || text[i + tl] > '9'))
				continue;
			return t->s;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------- sources */

static const char *
mime_of(const char *path)
{
	static const char *const map[][2] = {
		{".json", "application/json"},
		{".md", "text/markdown"},
		{".html", "text/html"},
		{".diff", "text/x-diff"},
		{".patch", "text/x-diff"},
		{".c", "text/x-c"},
		{".h", "text/x-c"},
		{".py", "text/x-python"},
		{".sh", "text/x-shellscript"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(dot, map[i][0]) == 0)
			return map[i][1];
	return "text/plain";
}

static bool
from_file(const struct claw_tool_ctx *ctx, const char *path, struct value *v,
	  struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct stat st;
	char chunk[8192];
	int fd = -1;
	bool ok = false;

	if (claw_files_open_regular(ctx->project, path, &fd, &st, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	size_t got = 0;
	while (got < CLAW_ARTIFACT_FILE_MAX) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (memchr(chunk, '\0', (size_t)r) != NULL) {
			claw_tool_result_error(res,
					       "%s looks like a binary file: record a text "
					       "describing it instead",
					       path);
			goto out;
		}
		(void)claw_buf_append(&v->body, chunk, (size_t)r);
		got += (size_t)r;
	}
	v->kind = "file";
	v->source = claw_xstrdup(path);
	v->mime = mime_of(path);
	ok = true;
out:
	if (fd >= 0)
		(void)close(fd);
	return ok;
}

static bool
from_command(const struct claw_tool_ctx *ctx, const char *command, struct value *v,
	     struct claw_tool_result *res)
{
	struct claw_tool_result out;

	if (ctx->tools != NULL && claw_registry_find(ctx->tools, "bash") == NULL) {
		claw_tool_result_error(res, "command runs through bash, which this step does not "
					    "have: record text, a file or a run#N instead");
		return false;
	}
	claw_tool_result_init(&out);
	claw_bash_run(ctx, command, &out);
	(void)claw_buf_append(&v->body, claw_buf_str(&out.text), claw_buf_len(&out.text));
	claw_tool_result_free(&out);
	v->kind = "evidence";
	v->source = claw_xstrdup(command);
	v->show = true;
	return true;
}

/* The n-th (1-based) tool call of this step from the journal, when the
 * step's own history no longer has it (a resumed run). */
static bool
from_journal(const struct claw_tool_ctx *ctx, int64_t n, struct value *v)
{
	struct claw_trace_tool_call *calls = NULL;
	size_t nc = 0;
	bool ok = false;

	(void)claw_tracer_flush(ctx->tracer, NULL);
	if (ctx->step == NULL ||
	    claw_reader_tools(ctx->db, ctx->run_id, ctx->step, 0, &calls, &nc, NULL) != CLAW_OK ||
	    n < 1 || (size_t)n > nc || !calls[n - 1].has_result)
		goto out;
	const struct claw_trace_tool_call *c = &calls[n - 1];
	(void)claw_buf_puts(&v->body, c->result);
	v->source = claw_xasprintf("run#%lld %s %s", (long long)n, c->name, c->input);
	v->kind = "text";
	ok = true;
out:
	claw_trace_tool_call_list_free(calls, nc);
	return ok;
}

static bool
from_run(const struct claw_tool_ctx *ctx, const char *handle, struct value *v,
	 struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct claw_history_entry e;
	int64_t n = 0;

	if (claw_history_parse_handle(handle, &n, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		return false;
	}
	v->show = true;
	if (ctx->history == NULL || claw_history_get(ctx->history, n, &e, &err) != CLAW_OK) {
		if (from_journal(ctx, n, v))
			return true;
		if (ctx->history == NULL)
			claw_error_set(&err, CLAW_ENOTFOUND,
				       "run#%lld is not a tool call of this step", (long long)n);
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		return false;
	}
	(void)claw_buf_puts(&v->body, e.text);
	struct json_object *in = NULL, *cmd = NULL;
	if (strcmp(e.tool, "bash") == 0 && (in = json_tokener_parse(e.input)) != NULL &&
	    json_object_object_get_ex(in, "command", &cmd) &&
	    json_object_is_type(cmd, json_type_string)) {
		v->kind = "evidence";
		v->source = claw_xstrdup(json_object_get_string(cmd));
	} else {
		v->kind = "text";
		v->source = claw_xasprintf("run#%lld %s %s", (long long)n, e.tool, e.input);
	}
	json_object_put(in);
	return true;
}

/* --------------------------------------------------------------- record */

/* The n for label in this step: its old n when recorded before in the same
 * step, else one past the run's highest. */
static enum claw_err
choose_n(const struct claw_tool_ctx *ctx, const char *label, int64_t *n, struct claw_error *err)
{
	struct claw_trace_artifact *arts = NULL;
	size_t na = 0;
	enum claw_err rc = claw_reader_artifacts(ctx->db, ctx->run_id, &arts, &na, err);

	*n = 0;
	for (size_t i = 0; rc == CLAW_OK && i < na; i++) {
		if (strcmp(arts[i].label, label) == 0 &&
		    strcmp(arts[i].step, ctx->step != NULL ? ctx->step : "") == 0) {
			*n = arts[i].n;
			break;
		}
		if (arts[i].n >= *n)
			*n = arts[i].n + 1;
	}
	claw_trace_artifact_list_free(arts, na);
	return rc;
}

/* Redacts then clips s into a fresh string. */
static char *
finish(const struct claw_tool_ctx *ctx, const char *s, size_t n)
{
	struct claw_buf red = CLAW_BUF_INIT(CLAW_BASH_REDACTED_MAX);
	struct claw_buf out = CLAW_BUF_INIT(CLAW_ARTIFACT_VALUE_MAX);
	(void)claw_secrets_redact(ctx->secrets, s, n, &red);
	(void)claw_tool_clip(&out, claw_buf_str(&red), claw_buf_len(&red), claw_buf_len(&red));
	claw_buf_free(&red);
	return claw_buf_steal(&out);
}

static void
record(const struct claw_tool_ctx *ctx, const char *label, const char *note, struct value *v,
       struct claw_tool_result *res)
{
	struct claw_error err = {0};
	int64_t n = 0;
	char *value = finish(ctx, claw_buf_str(&v->body), claw_buf_len(&v->body));
	char *clean_note = finish(ctx, note, strlen(note));
	char *source = finish(ctx, v->source, strlen(v->source));
	struct json_object *data = json_object_new_object();

	(void)claw_tracer_flush(ctx->tracer, NULL); /* so the reader sees earlier artifacts */
	if (choose_n(ctx, label, &n, &err) != CLAW_OK) {
		claw_tool_result_error(res, "cannot read the run's artifacts: %s",
				       claw_error_text(&err));
		goto out;
	}
	json_object_object_add(data, "n", json_object_new_int64(n));
	json_object_object_add(data, "label", json_object_new_string(label));
	json_object_object_add(data, "kind", json_object_new_string(v->kind));
	json_object_object_add(data, "value", json_object_new_string(value));
	json_object_object_add(data, "source", json_object_new_string(source));
	json_object_object_add(data, "note", json_object_new_string(clean_note));
	json_object_object_add(data, "mime", json_object_new_string(v->mime));
	json_object_object_add(data, "step",
			       json_object_new_string(ctx->step != NULL ? ctx->step : ""));
	if (claw_trace_event_json(ctx->tracer, CLAW_RECORD_ARTIFACT, CLAW_RECORD_LEVEL_DEFAULT,
				  data) == 0) {
		claw_tool_result_error(res, "the artifact could not be recorded");
		goto out;
	}
	claw_tool_result_ok(res, "Recorded artifact %lld \"%s\" (%s, %zu bytes)", (long long)n,
			    label, v->kind, strlen(value));
	if (v->show)
		(void)claw_buf_printf(&res->text, ":\n%s", value);
out:
	json_object_put(data);
	free(value);
	free(clean_note);
	free(source);
}

static const char *
opt_string(struct json_object *input, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(input, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static void
run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct value v = {.kind = "text", .mime = "text/plain", .body = CLAW_BUF_INIT(BUILD_MAX)};
	const char *label = opt_string(input, "label");
	const char *note = opt_string(input, "note");
	const char *forms[] = {"text", "file", "command", "run"};
	const char *arg[4];
	int given = 0, which = -1;

	if (ctx == NULL || ctx->tracer == NULL || ctx->db == NULL || ctx->run_id <= 0) {
		claw_tool_result_error(res, "artifact needs a run: it records into the run's "
					    "journal");
		goto out;
	}
	for (int i = 0; i < 4; i++)
		if ((arg[i] = opt_string(input, forms[i])) != NULL) {
			given++;
			which = i;
		}
	if (given != 1) {
		claw_tool_result_error(res, "give exactly one of text, file, command or run");
		goto out;
	}
	if (label[0] == '\0' || strlen(label) > CLAW_ARTIFACT_LABEL_MAX ||
	    strchr(label, '\n') != NULL) {
		claw_tool_result_error(res, "label must be one line of 1 to %d bytes",
				       CLAW_ARTIFACT_LABEL_MAX);
		goto out;
	}
	switch (which) {
	case 0: {
		const char *tell = claw_artifact_pasted(arg[0], strlen(arg[0]));
		if (tell != NULL) {
			claw_tool_result_error(res,
					       "this text looks like pasted tool output (it has "
					       "\"%s\"): record it checkably, with command (to run "
					       "it now as evidence) or run (a run#N handle)",
					       tell);
			goto out;
		}
		(void)claw_buf_puts(&v.body, arg[0]);
		v.source = claw_xstrdup("");
		break;
	}
	case 1:
		if (!from_file(ctx, arg[1], &v, res))
			goto out;
		break;
	case 2:
		if (!from_command(ctx, arg[2], &v, res))
			goto out;
		break;
	default:
		if (!from_run(ctx, arg[3], &v, res))
			goto out;
		break;
	}
	record(ctx, label, note != NULL ? note : "", &v, res);
out:
	claw_buf_free(&v.body);
	free(v.source);
}

static const struct claw_tool tool = {
	.name = "artifact",
	.description = "Record an output of this step for its reviewer: a label and exactly one "
		       "of text (a statement), file (a project file), command (runs now; its "
		       "output becomes replayable evidence) or run (freezes the output of an "
		       "earlier call of this step by its run#N handle).  Tool output must be "
		       "recorded with command or run, never pasted as text.",
	.schema = schema,
	.risk = CLAW_TOOL_DANGEROUS, /* command runs bash */
	.run = run,
};

const struct claw_tool *
claw_artifact_tool(void)
{
	return &tool;
}
