/*
 * critic — short cuts, then a reviewer agent with the verdict tool.  See
 * critic.h.
 */
#include "flow/critic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "flow/turnloop.h"
#include "llm/message.h"
#include "tool/registry.h"
#include "trace/reader.h"
#include "trace/record.h"

static const char critic_system[] =
	"You are claw's critic: a strict, fair reviewer of one step of a workflow that solves "
	"an issue in a software project. You judge the step's artifacts and report against "
	"its rubric, item by item, and nothing else. Judge facts, not claims: inspect the "
	"project (read_file, list_files), the run's journal (recall) and re-run recorded "
	"evidence (rerun_evidence) when the rubric asks for proof. A claim without evidence "
	"does not meet a rubric that asks for evidence; a placeholder, a TODO or work left "
	"for later does not meet a rubric that asks for the work. You cannot change anything. "
	"Finish by calling verdict exactly once: decision accept (every rubric item is met), "
	"reject (name the first unmet item, the fact that shows it, and what would fix it) or "
	"cannot_verify (you could not check an item; say why).";

/* Names of the critic's palette, those the run has. */
static enum claw_err
critic_palette(struct claw_flow_ctx *ctx, struct claw_registry **out, struct claw_error *err)
{
	static const char *const want[] = {"read_file", "list_files", "recall", "rerun_evidence",
					   "verdict"};
	const char *names[5];
	size_t n = 0;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (claw_registry_find(ctx->tools, want[i]) != NULL)
			names[n++] = want[i];
	}
	return claw_registry_only(ctx->tools, names, n, out, err);
}

void
claw_verdict_free(struct claw_verdict *v)
{
	if (v == NULL)
		return;
	free(v->findings);
	free(v->digest);
	memset(v, 0, sizeof *v);
}

/* The step's artifacts (newest row per n, in n order) with their bodies:
 * *out is a new array of *n (free_artifacts). */
static enum claw_err
load_artifacts(struct claw_flow_ctx *ctx, const char *step, struct claw_trace_artifact **out,
	       size_t *n, struct claw_error *err)
{
	struct claw_trace_artifact *all = NULL, *mine = NULL;
	size_t nall = 0, kept = 0;
	enum claw_err rc;

	*out = NULL;
	*n = 0;
	rc = claw_tracer_flush(ctx->tracer, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_reader_artifacts(ctx->db, ctx->run_id, &all, &nall, err);
	if (rc != CLAW_OK)
		goto out;
	mine = claw_xcalloc(nall + 1, sizeof *mine);
	for (size_t i = 0; i < nall; i++) {
		if (strcmp(all[i].step, step) != 0)
			continue;
		rc = claw_reader_artifact(ctx->db, ctx->run_id, all[i].n, &mine[kept], err);
		if (rc != CLAW_OK)
			goto out;
		kept++;
	}
	*out = mine;
	*n = kept;
	mine = NULL;
out:
	if (mine != NULL) {
		for (size_t i = 0; i < kept; i++)
			claw_trace_artifact_free(&mine[i]);
		free(mine);
	}
	claw_trace_artifact_list_free(all, nall);
	return rc;
}

static void
free_artifacts(struct claw_trace_artifact *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		claw_trace_artifact_free(&a[i]);
	free(a);
}

/* label NUL kind NUL value NUL, per artifact: byte-identical means equal. */
static char *
digest_of(const struct claw_trace_artifact *a, size_t n, size_t *len)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_CRITIC_DIGEST_MAX);
	char *s;

	for (size_t i = 0; i < n; i++) {
		(void)claw_buf_append(&b, a[i].label, strlen(a[i].label) + 1);
		(void)claw_buf_append(&b, a[i].kind, strlen(a[i].kind) + 1);
		(void)claw_buf_append(&b, a[i].body != NULL ? a[i].body : "",
				      strlen(a[i].body != NULL ? a[i].body : "") + 1);
	}
	*len = claw_buf_len(&b);
	s = claw_buf_steal(&b);
	claw_buf_free(&b);
	return s;
}

/* What verdict was called with, captured by the after hook. */
struct capture {
	bool called;
	char decision[32];
	char *rubric_item, *fact, *reason;
};

static char *
field(struct json_object *o, const char *k)
{
	const char *s = NULL;
	(void)claw_json_get_string(o, k, CLAW_JSON_OPTIONAL, &s, NULL);
	return claw_xstrdup(s != NULL ? s : "");
}

static void
after_tool(void *vctx, const struct claw_tool_ctx *tctx, const char *name,
	   struct json_object *input, const struct claw_tool_result *res, bool *finish)
{
	struct capture *c = vctx;
	const char *d = NULL;

	(void)tctx;
	if (strcmp(name, "verdict") != 0 || res->is_error || c->called)
		return;
	(void)claw_json_get_string(input, "decision", CLAW_JSON_OPTIONAL, &d, NULL);
	c->called = true;
	(void)snprintf(c->decision, sizeof c->decision, "%s", d != NULL ? d : "reject");
	c->rubric_item = field(input, "rubric_item");
	c->fact = field(input, "fact");
	c->reason = field(input, "reason");
	*finish = true;
}

static void
prompt_of(struct claw_buf *b, struct claw_flow_ctx *ctx, const struct claw_critic_input *in,
	  const char *rubric, const struct claw_trace_artifact *a, size_t n)
{
	(void)claw_buf_printf(b,
			      "Judge the work of step \"%s\" of workflow \"%s\" strictly against "
			      "the rubric.\n\n## The issue\n%s\n\n## The step's goal\n%s\n\n"
			      "## Rubric\n%s\n",
			      in->step->name, in->wf->name, ctx->task != NULL ? ctx->task : "",
			      in->step->goal != NULL ? in->step->goal : "", rubric);
	if (in->handoff != NULL && in->handoff[0] != '\0')
		(void)claw_buf_printf(b, "\n## Baton the step started from\n%s\n", in->handoff);
	(void)claw_buf_printf(b, "\n## The worker's report\n%s\n\n## Artifacts\n",
			      in->report != NULL && in->report[0] != '\0' ? in->report : "(none)");
	if (n == 0)
		(void)claw_buf_puts(b, "(none recorded)\n");
	for (size_t i = 0; i < n; i++) {
		const char *body = a[i].body != NULL ? a[i].body : "";
		size_t len = strlen(body);
		(void)claw_buf_printf(b, "\n### [%lld] %s (%s%s%s)%s%s\n", (long long)a[i].n,
				      a[i].label, a[i].kind, a[i].source[0] != '\0' ? ", " : "",
				      a[i].source, a[i].note[0] != '\0' ? " — " : "", a[i].note);
		(void)claw_buf_puts(b, "```\n");
		if (len > CLAW_CRITIC_ARTIFACT_SHOWN) {
			(void)claw_buf_append(b, body, CLAW_CRITIC_ARTIFACT_SHOWN);
			(void)claw_buf_printf(b, "\n[... %zu more bytes: read it with recall]",
					      len - CLAW_CRITIC_ARTIFACT_SHOWN);
		} else {
			(void)claw_buf_append(b, body, len);
		}
		(void)claw_buf_puts(b, "\n```\n");
	}
	(void)claw_buf_puts(b, "\nCheck what you need, then call verdict.");
}

static void
reject(struct claw_flow_ctx *ctx, struct claw_verdict *out, const char *why)
{
	out->accept = false;
	out->shortcut = true;
	out->findings = claw_xstrdup(why);
	claw_flow_note(ctx, CLAW_RECORD_NOTICE, "verdict", "reject (no model): %s", why);
}

enum claw_err
claw_critic_judge(struct claw_flow_ctx *ctx, const struct claw_critic_input *in,
		  struct claw_verdict *out, struct claw_error *err)
{
	struct claw_trace_artifact *arts = NULL;
	struct claw_registry *palette = NULL;
	struct claw_llm_conv *conv = NULL;
	struct claw_buf prompt = CLAW_BUF_INIT(CLAW_CRITIC_PROMPT_MAX);
	struct capture cap = {0};
	struct claw_turn_result res = {0};
	const char *rubric = claw_workflow_rubric(in->wf, in->step);
	size_t n = 0, dlen = 0;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	rc = load_artifacts(ctx, in->step->name, &arts, &n, err);
	if (rc != CLAW_OK)
		goto out;
	out->digest = digest_of(arts, n, &dlen);
	if (n == 0 && (in->report == NULL || in->report[0] == '\0')) {
		reject(ctx, out, "the step produced nothing: no artifact and no report");
		goto out;
	}
	out->digest_len = dlen;
	if (n > 0 && in->prev_digest != NULL && in->prev_digest_len == dlen &&
	    memcmp(in->prev_digest, out->digest, dlen) == 0) {
		reject(ctx, out,
		       "the rework changed nothing: the step's artifacts are byte-identical to "
		       "the previous attempt's");
		goto out;
	}
	rc = critic_palette(ctx, &palette, err);
	if (rc != CLAW_OK)
		goto out;
	prompt_of(&prompt, ctx, in, rubric != NULL ? rubric : "", arts, n);
	conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, claw_buf_str(&prompt));
	{
		struct claw_turn_hooks hooks = {.ctx = &cap, .after = after_tool};
		struct claw_turn_params tp = {
			.flow = ctx,
			.role = "reviewer",
			.system = critic_system,
			.palette = palette,
			.step = in->step->name,
			.goal = in->step->goal,
			.max_turns = CLAW_CRITIC_TURNS,
			.hooks = &hooks,
		};
		rc = claw_turn_loop(&tp, conv, &res, err);
	}
	if (rc != CLAW_OK)
		goto out;
	out->shortcut = false;
	if (!cap.called) {
		out->accept = false;
		out->findings = claw_xasprintf("The critic gave no verdict. It said: %s",
					       res.text[0] != '\0' ? res.text : "(nothing)");
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "verdict", "reject: no verdict was given");
		goto out;
	}
	out->accept = strcmp(cap.decision, "accept") == 0;
	out->findings = claw_xasprintf("Verdict: %s\nRubric item: %s\nFact: %s\nReason: %s",
				       cap.decision, cap.rubric_item, cap.fact, cap.reason);
	claw_flow_note(ctx, CLAW_RECORD_NOTICE, "verdict", "%s: %s", cap.decision, cap.reason);
out:
	free(res.text);
	free(cap.rubric_item);
	free(cap.fact);
	free(cap.reason);
	claw_llm_conv_free(conv);
	claw_registry_free(palette);
	claw_buf_free(&prompt);
	free_artifacts(arts, n);
	return rc;
}
