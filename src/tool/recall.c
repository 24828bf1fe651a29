/*
 * recall — answers from the trace reader.  See recall.h.
 *
 * Each form builds its answer in one bounded buffer and clips it once at
 * the end, so a run with thousands of calls still answers in 20 000 bytes.
 */
#include "tool/recall.h"

#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "trace/reader.h"
#include "trace/tracer.h"

static const char schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"what\": {\"type\": \"string\", \"enum\": [\"task\", \"workflow\", \"step\", \"tool\","
	" \"artifacts\"], \"description\": \"what to read back from this run's journal\"},"
	" \"name\": {\"type\": \"string\", \"description\": \"a step name, tool name or artifact "
	"label to narrow it to\"}},"
	" \"required\": [\"what\"], \"additionalProperties\": false}";

/* Appends at most max bytes of s, with " [...]" when cut. */
static void
put_clipped(struct claw_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max) {
		(void)claw_buf_append(b, s, n);
		return;
	}
	(void)claw_buf_append(b, s, claw_str_utf8_floor(s, max));
	(void)claw_buf_puts(b, " [...]");
}

static void
recall_steps(const struct claw_tool_ctx *ctx, const char *name, struct claw_buf *b,
	     struct claw_error *err, enum claw_err *rc)
{
	struct claw_trace_step *steps = NULL;
	struct claw_trace_artifact *arts = NULL;
	struct claw_trace_tool_call *calls = NULL;
	size_t ns = 0, na = 0, nc = 0, shown = 0;

	*rc = claw_reader_steps(ctx->db, ctx->run_id, &steps, &ns, err);
	if (*rc != CLAW_OK)
		goto out;
	for (size_t i = 0; i < ns; i++) {
		if (name != NULL && strcmp(steps[i].name, name) != 0)
			continue;
		shown++;
		(void)claw_buf_printf(b, "%zu. %s%s%s: ", i + 1, steps[i].name,
				      steps[i].workflow[0] != '\0' ? " in " : "",
				      steps[i].workflow);
		if (steps[i].ended)
			(void)claw_buf_printf(b, "ended after %.1f s\n",
					      (double)steps[i].ms / 1000.0);
		else
			(void)claw_buf_puts(b, "in progress (or interrupted)\n");
		if (name != NULL && steps[i].handoff[0] != '\0')
			(void)claw_buf_printf(b, "   handoff: %s\n", steps[i].handoff);
	}
	if (shown == 0) {
		(void)claw_buf_printf(b,
				      name != NULL ? "no step %s in this run yet\n"
						   : "no step entered yet%s\n",
				      name != NULL ? name : "");
		goto out;
	}
	if (name == NULL)
		goto out;
	*rc = claw_reader_artifacts(ctx->db, ctx->run_id, &arts, &na, err);
	if (*rc != CLAW_OK)
		goto out;
	for (size_t i = 0; i < na; i++)
		if (strcmp(arts[i].step, name) == 0)
			(void)claw_buf_printf(b, "artifact %lld: %s (%s, %lld bytes)\n",
					      (long long)arts[i].n, arts[i].label, arts[i].kind,
					      (long long)arts[i].size);
	*rc = claw_reader_tools(ctx->db, ctx->run_id, name, 0, &calls, &nc, err);
	if (*rc != CLAW_OK)
		goto out;
	(void)claw_buf_printf(b, "tool calls in %s: %zu (recall tool for them)\n", name, nc);
out:
	claw_trace_step_list_free(steps, ns);
	claw_trace_artifact_list_free(arts, na);
	claw_trace_tool_call_list_free(calls, nc);
}

static void
recall_tools(const struct claw_tool_ctx *ctx, const char *name, struct claw_buf *b,
	     struct claw_error *err, enum claw_err *rc)
{
	struct claw_trace_tool_call *calls = NULL;
	size_t n = 0, shown = 0, first = 0;

	*rc = claw_reader_tools(ctx->db, ctx->run_id, NULL, 0, &calls, &n, err);
	if (*rc != CLAW_OK)
		goto out;
	/* The newest CLAW_RECALL_CALLS_MAX of the ones asked for. */
	size_t match = 0;
	for (size_t i = 0; i < n; i++)
		match += name == NULL || strcmp(calls[i].name, name) == 0;
	size_t skip = match > CLAW_RECALL_CALLS_MAX ? match - CLAW_RECALL_CALLS_MAX : 0;
	if (skip > 0)
		(void)claw_buf_printf(b, "(%zu older calls not shown)\n", skip);
	for (size_t i = 0; i < n; i++) {
		if (name != NULL && strcmp(calls[i].name, name) != 0)
			continue;
		if (first++ < skip)
			continue;
		shown++;
		(void)claw_buf_printf(b, "--- %s%s%s ", calls[i].name,
				      calls[i].step[0] != '\0' ? " in step " : "", calls[i].step);
		put_clipped(b, calls[i].input, 300);
		(void)claw_buf_puts(b, calls[i].has_result
					       ? (calls[i].is_error ? "\n[error] " : "\n")
					       : "\n(no result)");
		put_clipped(b, calls[i].result, CLAW_RECALL_RESULT_MAX);
		(void)claw_buf_putc(b, '\n');
	}
	if (shown == 0)
		(void)claw_buf_printf(b, "no %s%scalls in this run yet\n", name != NULL ? name : "",
				      name != NULL ? " " : "tool ");
out:
	claw_trace_tool_call_list_free(calls, n);
}

static void
recall_artifacts(const struct claw_tool_ctx *ctx, const char *name, struct claw_buf *b,
		 struct claw_error *err, enum claw_err *rc)
{
	struct claw_trace_artifact *arts = NULL, one = {0};
	size_t n = 0;
	int64_t want = -1;

	*rc = claw_reader_artifacts(ctx->db, ctx->run_id, &arts, &n, err);
	if (*rc != CLAW_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (name == NULL)
			(void)claw_buf_printf(b, "%lld. %s (%s, step %s, %lld bytes)%s%s\n",
					      (long long)arts[i].n, arts[i].label, arts[i].kind,
					      arts[i].step, (long long)arts[i].size,
					      arts[i].note[0] != '\0' ? ": " : "", arts[i].note);
		else if (strcmp(arts[i].label, name) == 0)
			want = arts[i].n; /* by n ascending: the last match is the newest */
	}
	if (name == NULL) {
		if (n == 0)
			(void)claw_buf_puts(b, "no artifacts in this run yet\n");
		goto out;
	}
	if (want < 0) {
		(void)claw_buf_printf(b, "no artifact labelled %s in this run\n", name);
		goto out;
	}
	*rc = claw_reader_artifact(ctx->db, ctx->run_id, want, &one, err);
	if (*rc != CLAW_OK)
		goto out;
	(void)claw_buf_printf(b, "artifact %lld: %s (%s, step %s%s%s)\n", (long long)one.n,
			      one.label, one.kind, one.step,
			      one.source[0] != '\0' ? ", source " : "", one.source);
	if (one.note[0] != '\0')
		(void)claw_buf_printf(b, "note: %s\n", one.note);
	if (one.body != NULL)
		(void)claw_tool_clip(b, one.body, strlen(one.body), strlen(one.body));
out:
	claw_trace_artifact_list_free(arts, n);
	claw_trace_artifact_free(&one);
}

static void
run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct claw_buf b = CLAW_BUF_INIT(CLAW_RECALL_BUILD_MAX);
	struct json_object *v = NULL;
	enum claw_err rc = CLAW_OK;
	const char *what = NULL, *name = NULL;

	if (ctx == NULL || ctx->db == NULL || ctx->run_id <= 0) {
		claw_tool_result_error(res, "recall needs a run: it reads the run's own journal "
					    "(outside a run, read one with claw log)");
		goto out;
	}
	(void)json_object_object_get_ex(input, "what", &v);
	what = json_object_get_string(v);
	if (json_object_object_get_ex(input, "name", &v) && v != NULL &&
	    json_object_get_string_len(v) > 0)
		name = json_object_get_string(v);
	if (ctx->tracer != NULL)
		(void)claw_tracer_flush(ctx->tracer, NULL); /* this step's rows too */
	if (strcmp(what, "task") == 0)
		(void)claw_buf_puts(&b, ctx->task != NULL ? ctx->task : "(this run has no task)");
	else if (strcmp(what, "workflow") == 0)
		(void)claw_buf_puts(&b, ctx->workflow != NULL ? ctx->workflow
							      : "(this run has no workflow yet)");
	else if (strcmp(what, "step") == 0)
		recall_steps(ctx, name, &b, &err, &rc);
	else if (strcmp(what, "tool") == 0)
		recall_tools(ctx, name, &b, &err, &rc);
	else
		recall_artifacts(ctx, name, &b, &err, &rc);
	if (rc != CLAW_OK) {
		claw_tool_result_error(res, "cannot read the journal: %s", claw_error_text(&err));
		goto out;
	}
	claw_buf_reset(&res->text);
	(void)claw_tool_clip(&res->text, claw_buf_str(&b), claw_buf_len(&b), claw_buf_len(&b));
out:
	claw_buf_free(&b);
}

static const struct claw_tool tool = {
	.name = "recall",
	.description = "Read back this run's own journal: what=task (the issue), workflow (the "
		       "plan being run), step (steps so far; name: one step's handoff, artifacts "
		       "and calls), tool (latest tool calls with results; name: of one tool), "
		       "artifacts (the list; name: one artifact in full, by label).",
	.schema = schema,
	.risk = CLAW_TOOL_SAFE,
	.run = run,
};

const struct claw_tool *
claw_recall_tool(void)
{
	return &tool;
}
