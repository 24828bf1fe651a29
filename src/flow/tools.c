/*
 * tools — verdict, rerun_evidence, define_workflow, and the run registry.
 * See tools.h.
 */
#include "flow/tools.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/str.h"
#include "store/solvers.h"
#include "tool/bash.h"
#include "tool/builtin.h"
#include "trace/reader.h"
#include "trace/record.h"
#include "trace/tracer.h"

/* ------------------------------------------------------------- verdict */

static const char verdict_schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"decision\": {\"type\": \"string\", \"enum\": [\"accept\", \"reject\", "
	"\"cannot_verify\"]},"
	" \"rubric_item\": {\"type\": \"string\", \"description\": \"the rubric item at stake "
	"(the first unmet one when rejecting)\"},"
	" \"fact\": {\"type\": \"string\", \"description\": \"what you checked and saw\"},"
	" \"reason\": {\"type\": \"string\", \"description\": \"why this decision; when "
	"rejecting, what would fix it\"}},"
	" \"required\": [\"decision\", \"rubric_item\", \"fact\", \"reason\"],"
	" \"additionalProperties\": false}";

static void
verdict_run(const struct claw_tool_ctx *ctx, struct json_object *input,
	    struct claw_tool_result *res)
{
	(void)ctx;
	claw_tool_result_ok(res, "Verdict recorded: %s.",
			    json_object_get_string(json_object_object_get(input, "decision")));
}

static const struct claw_tool verdict_tool = {
	.name = "verdict",
	.description = "Give your verdict on the step's work and end the review: accept when "
		       "every rubric item is met, reject (with the first unmet item, the fact "
		       "showing it and what would fix it), or cannot_verify.",
	.schema = verdict_schema,
	.risk = CLAW_TOOL_SAFE,
	.run = verdict_run,
};

const struct claw_tool *
claw_flow_verdict_tool(void)
{
	return &verdict_tool;
}

/* ------------------------------------------------------ rerun_evidence */

static const char rerun_schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"label\": {\"type\": \"string\", \"description\": \"label of an evidence artifact\"}},"
	" \"required\": [\"label\"], \"additionalProperties\": false}";

static void
rerun_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	const char *label = json_object_get_string(json_object_object_get(input, "label"));
	struct claw_trace_artifact *arts = NULL, art = {0};
	struct claw_tool_result now;
	struct claw_error err = {0};
	size_t n = 0;
	int64_t best = -1, best_seq = -1;

	claw_tool_result_init(&now);
	if (ctx->db == NULL || ctx->run_id == 0 || ctx->tracer == NULL) {
		claw_tool_result_error(res, "rerun_evidence works only inside a run");
		goto out;
	}
	if (claw_tracer_flush(ctx->tracer, &err) != CLAW_OK ||
	    claw_reader_artifacts(ctx->db, ctx->run_id, &arts, &n, &err) != CLAW_OK) {
		claw_tool_result_error(res, "cannot read the run's artifacts: %s",
				       claw_error_text(&err));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(arts[i].kind, "evidence") == 0 && strcmp(arts[i].label, label) == 0 &&
		    arts[i].seq > best_seq) {
			best = arts[i].n;
			best_seq = arts[i].seq;
		}
	}
	if (best < 0) {
		claw_tool_result_error(res, "no evidence artifact labelled \"%s\" in this run",
				       label);
		goto out;
	}
	if (claw_reader_artifact(ctx->db, ctx->run_id, best, &art, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	if (art.source[0] == '\0') {
		claw_tool_result_error(res, "evidence \"%s\" has no command to re-run", label);
		goto out;
	}
	claw_bash_run(ctx, art.source, &now);
	claw_tool_result_ok(res, "$ %s\n", art.source);
	(void)claw_buf_append(&res->text, claw_buf_str(&now.text), claw_buf_len(&now.text));
	(void)claw_buf_printf(&res->text, "\n\n[%s the recorded evidence]",
			      strcmp(claw_buf_str(&now.text), art.body != NULL ? art.body : "") == 0
				      ? "the output is identical to"
				      : "the output differs from");
out:
	claw_tool_result_free(&now);
	claw_trace_artifact_free(&art);
	claw_trace_artifact_list_free(arts, n);
}

static const struct claw_tool rerun_tool = {
	.name = "rerun_evidence",
	.description = "Re-run the command of an evidence artifact of this run (by its label) "
		       "and see whether its output is still what was recorded.",
	.schema = rerun_schema,
	.risk = CLAW_TOOL_DANGEROUS,
	.run = rerun_run,
};

const struct claw_tool *
claw_flow_rerun_tool(void)
{
	return &rerun_tool;
}

/* ------------------------------------------------------ define_workflow */

static const char define_schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"name\": {\"type\": \"string\", \"description\": \"the workflow's name\"},"
	" \"spec\": {\"type\": \"string\", \"description\": \"the workflow as JSON text\"}},"
	" \"required\": [\"name\", \"spec\"], \"additionalProperties\": false}";

static void
define_refuse(const struct claw_tool_ctx *ctx, struct json_object *input,
	      struct claw_tool_result *res)
{
	(void)ctx;
	(void)input;
	claw_tool_result_error(res, "define_workflow is only available to the generate and "
				    "repair workflows");
}

static const struct claw_tool define_tool = {
	.name = "define_workflow",
	.description = "Validate a workflow (JSON text) and store it as the issue's next solver "
		       "version.",
	.schema = define_schema,
	.risk = CLAW_TOOL_MUTATING,
	.run = define_refuse,
};

const struct claw_tool *
claw_flow_define_tool(void)
{
	return &define_tool;
}

void
claw_flow_define_call(struct claw_flow_ctx *ctx, struct json_object *input,
		      struct claw_tool_result *res)
{
	const char *name = json_object_get_string(json_object_object_get(input, "name"));
	const char *spec = json_object_get_string(json_object_object_get(input, "spec"));
	struct claw_spec_limits limits = {
		.max_tokens = ctx->config->budget_tokens,
		.max_seconds = ctx->config->budget_seconds,
		.max_usd_micros = ctx->config->budget_usd_micros,
		.allow_define = false,
		.tools = ctx->tools,
		.mcp = ctx->mcp_config,
	};
	struct claw_problems problems;
	struct claw_workflow *wf = NULL;
	struct claw_buf canon = CLAW_BUF_INIT(CLAW_SPEC_DOC_MAX);
	struct claw_error err = {0};
	struct claw_str text = claw_str_unfence(claw_str_from(spec));
	int64_t version = 0;
	char *joined = NULL;

	claw_problems_init(&problems);
	if (ctx->define == NULL) {
		define_refuse(NULL, input, res);
		goto out;
	}
	if (claw_workflow_parse(text.p, text.n, &limits, &wf, &problems) != CLAW_OK) {
		joined = claw_problems_join(&problems);
		claw_tool_result_error(res, "the workflow is not valid:\n%s", joined);
		goto out;
	}
	if (ctx->define->keep != NULL &&
	    !claw_workflow_keeps_steps(ctx->define->keep, wf, &problems)) {
		joined = claw_problems_join(&problems);
		claw_tool_result_error(res, "the repaired workflow must keep the step names:\n%s",
				       joined);
		goto out;
	}
	if (claw_workflow_to_json(wf, &canon) != CLAW_OK ||
	    claw_solver_add(ctx->db, ctx->issue_id, claw_buf_str(&canon), &version, &err) !=
		    CLAW_OK) {
		claw_tool_result_error(res, "cannot store the workflow: %s",
				       claw_buf_error(&canon) != CLAW_OK ? "too big"
									 : claw_error_text(&err));
		goto out;
	}
	ctx->define->version = version;
	claw_tool_result_ok(res, "Stored %s as solver v%lld of issue #%lld (%zu step%s).", wf->name,
			    (long long)version, (long long)ctx->issue_id, wf->nsteps,
			    wf->nsteps == 1 ? "" : "s");
	if (name != NULL && strcmp(name, wf->name) != 0)
		(void)claw_buf_printf(&res->text, " (its spec names it %s, not %s)", wf->name,
				      name);
	claw_flow_changed(ctx);
out:
	free(joined);
	claw_buf_free(&canon);
	claw_workflow_free(wf);
	claw_problems_free(&problems);
}

/* ------------------------------------------------------------ registry */

enum claw_err
claw_flow_registry(struct claw_registry **out, struct claw_error *err)
{
	struct claw_registry *reg = NULL;
	const struct claw_tool *const mine[] = {&verdict_tool, &rerun_tool, &define_tool};
	enum claw_err rc = claw_builtin_registry(&reg, err);

	if (rc != CLAW_OK)
		goto out;
	for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
		rc = claw_registry_add(reg, mine[i], err);
		if (rc != CLAW_OK) {
			rc = CLAW_EINTERNAL;
			goto out;
		}
	}
	*out = reg;
	reg = NULL;
out:
	claw_registry_free(reg);
	return rc;
}
