/*
 * ask — the supervisor, then a person.  See ask.h.
 *
 * The supervisor is a fresh exchange each time (no checkpoint: asking again
 * after a resume is cheap and gives the same situation).  The human tier's
 * prompt holds only the step, the kind and the situation, never the
 * supervisor's words, so a resumed run that asks again finds its open (or
 * answered) gate by the prompt (gate.h).
 */
#include "flow/ask.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "flow/gate.h"
#include "flow/turnloop.h"
#include "llm/message.h"
#include "tool/registry.h"
#include "trace/record.h"

static const char *const kind_titles[] = {
	[CLAW_ASK_QUESTION] = "the agent asks a question",
	[CLAW_ASK_STUCK] = "the agent is stuck",
	[CLAW_ASK_CONTINUE] = "the step has run for a long time",
	[CLAW_ASK_REVIEW] = "the critic rejected the step's work",
};
_Static_assert(sizeof kind_titles / sizeof kind_titles[0] == CLAW_ASK_KIND_COUNT,
	       "every ask kind needs a title");

/* What accept means, per kind, for the supervisor's instructions. */
static const char *const accept_means[] = {
	[CLAW_ASK_QUESTION] = "the agent should proceed with its best judgement",
	[CLAW_ASK_STUCK] = "let the agent's exchange end here, its work as it is",
	[CLAW_ASK_CONTINUE] = "let the step go on",
	[CLAW_ASK_REVIEW] = "the work passes as it is, despite the critic",
};
_Static_assert(sizeof accept_means / sizeof accept_means[0] == CLAW_ASK_KIND_COUNT,
	       "every ask kind needs its accept");

static const char supervisor_system[] =
	"You are the supervisor of claw, an autonomous issue solver. An agent working on one "
	"step of a workflow needs a decision. You may inspect the project with read_file, "
	"list_files and bash (you cannot change files; do not try). Be brief and concrete.\n"
	"\n"
	"Finish with exactly one of these replies:\n"
	"- accept  (alone): %s.\n"
	"- stop  (alone): the run must stop now; use it only when going on would be harmful "
	"or pointless.\n"
	"- ESCALATE  (alone): a person must decide (you lack the knowledge or the authority).\n"
	"- anything else: guidance the agent will read as its next instruction: a different "
	"approach, the answer to its question, what to fix. Make it specific.\n";

void
claw_ask_reply_free(struct claw_ask_reply *r)
{
	if (r == NULL)
		return;
	free(r->text);
	r->text = NULL;
}

enum claw_ask_word
claw_ask_control_word(const char *reply)
{
	char w[16];
	size_t n = 0;

	for (const char *p = reply != NULL ? reply : ""; *p != '\0'; p++) {
		if (strchr(" \t\r\n`*_.!", *p) != NULL)
			continue;
		if (n + 1 >= sizeof w)
			return CLAW_WORD_NONE;
		w[n++] = *p;
	}
	w[n] = '\0';
	if (n == 0)
		return CLAW_WORD_EMPTY;
	if (strcmp(w, "accept") == 0)
		return CLAW_WORD_ACCEPT;
	if (strcmp(w, "stop") == 0)
		return CLAW_WORD_STOP;
	if (strcmp(w, "ESCALATE") == 0)
		return CLAW_WORD_ESCALATE;
	return CLAW_WORD_NONE;
}

/* The supervisor's palette: whichever of read_file, list_files and bash the
 * run has. */
static enum claw_err
supervisor_palette(struct claw_flow_ctx *ctx, struct claw_registry **out, struct claw_error *err)
{
	static const char *const want[] = {"read_file", "list_files", "bash"};
	const char *names[3];
	size_t n = 0;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (claw_registry_find(ctx->tools, want[i]) != NULL)
			names[n++] = want[i];
	}
	return claw_registry_only(ctx->tools, names, n, out, err);
}

static void
situation(struct claw_buf *b, struct claw_flow_ctx *ctx, const struct claw_ask_request *req)
{
	(void)claw_buf_printf(b, "## The issue\n%s\n\n", ctx->task != NULL ? ctx->task : "");
	(void)claw_buf_printf(b, "## Step %s\n", req->step != NULL ? req->step : "");
	if (req->goal != NULL && req->goal[0] != '\0')
		(void)claw_buf_printf(b, "Goal: %s\n", req->goal);
	(void)claw_buf_printf(b, "\n## Situation: %s\n%s\n", kind_titles[req->kind],
			      req->text != NULL ? req->text : "");
	if (req->kind == CLAW_ASK_REVIEW && req->stuck)
		(void)claw_buf_puts(b, "\nThe step has used up its rework rounds: it is stuck. "
				       "Accept it, stop the run, escalate, or give one last, "
				       "decisive instruction.\n");
}

/* Runs the supervisor; *text (caller frees) is its final reply. */
static enum claw_err
ask_supervisor(struct claw_flow_ctx *ctx, const struct claw_ask_request *req, char **text,
	       struct claw_error *err)
{
	struct claw_registry *palette = NULL;
	struct claw_llm_conv *conv = claw_llm_conv_new();
	struct claw_buf user = CLAW_BUF_INIT(CLAW_ASK_TEXT_MAX);
	struct claw_turn_result res = {0};
	char *system = claw_xasprintf(supervisor_system, accept_means[req->kind]);
	enum claw_err rc;

	*text = NULL;
	rc = supervisor_palette(ctx, &palette, err);
	if (rc != CLAW_OK)
		goto out;
	situation(&user, ctx, req);
	claw_llm_conv_add_user_text(conv, claw_buf_str(&user));
	struct claw_turn_params tp = {
		.flow = ctx,
		.role = "supervisor",
		.system = system,
		.palette = palette,
		.step = req->step,
		.goal = req->goal,
		.max_turns = CLAW_ASK_SUPERVISOR_TURNS,
	};
	rc = claw_turn_loop(&tp, conv, &res, err);
	if (rc != CLAW_OK)
		goto out;
	*text = res.text;
	res.text = NULL;
out:
	free(res.text);
	free(system);
	claw_buf_free(&user);
	claw_llm_conv_free(conv);
	claw_registry_free(palette);
	return rc;
}

static enum claw_err
ask_human(struct claw_flow_ctx *ctx, const struct claw_ask_request *req, struct claw_ask_reply *out,
	  struct claw_error *err)
{
	struct claw_buf prompt = CLAW_BUF_INIT(CLAW_GATE_PROMPT_MAX);
	struct claw_gate_answer a = {0};
	enum claw_err rc;

	if (req->kind == CLAW_ASK_QUESTION)
		(void)claw_buf_printf(&prompt, "Step %s asks (turn %d): %s", req->step, req->round,
				      req->text != NULL ? req->text : "");
	else
		(void)claw_buf_printf(
			&prompt,
			"Step %s (%s %d): %s.\n\n%s\n\nAnswer accept, stop, or with "
			"guidance for the agent.",
			req->step, req->kind == CLAW_ASK_REVIEW ? "rejection" : "turn", req->round,
			kind_titles[req->kind], req->text != NULL ? req->text : "");
	rc = claw_flow_gate(ctx, CLAW_GATE_QUESTION, claw_buf_str(&prompt), NULL, &a, err);
	if (rc != CLAW_OK)
		goto out;
	(void)snprintf(out->by, sizeof out->by, "%s", a.by[0] != '\0' ? a.by : "a person");
	switch (claw_ask_control_word(a.text)) {
	case CLAW_WORD_ACCEPT:
		out->decision = CLAW_ASK_ACCEPT;
		out->text = claw_xstrdup("");
		break;
	case CLAW_WORD_STOP:
		out->decision = CLAW_ASK_STOP;
		out->text = claw_xstrdup("");
		break;
	default:
		out->decision = CLAW_ASK_GUIDANCE;
		out->text = a.text;
		a.text = NULL;
		break;
	}
	claw_flow_note(ctx, CLAW_RECORD_NOTICE, "human", "%s: %s", out->by,
		       out->decision == CLAW_ASK_ACCEPT ? "accept"
		       : out->decision == CLAW_ASK_STOP ? "stop"
							: "answered");
out:
	claw_gate_answer_free(&a);
	claw_buf_free(&prompt);
	return rc;
}

enum claw_err
claw_ask(struct claw_flow_ctx *ctx, const struct claw_ask_request *req, struct claw_ask_reply *out,
	 struct claw_error *err)
{
	char *text = NULL;
	enum claw_err rc;
	enum claw_ask_word w;

	memset(out, 0, sizeof *out);
	rc = ask_supervisor(ctx, req, &text, err);
	if (rc != CLAW_OK)
		goto out;
	w = claw_ask_control_word(text);
	if (w == CLAW_WORD_NONE) {
		char *q = claw_turn_question(text);
		if (q != NULL)
			w = CLAW_WORD_ESCALATE; /* the supervisor has a question itself */
		free(q);
	}
	(void)snprintf(out->by, sizeof out->by, "supervisor");
	switch (w) {
	case CLAW_WORD_ACCEPT:
		out->decision = CLAW_ASK_ACCEPT;
		out->text = claw_xstrdup("");
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "supervisor", "accept");
		break;
	case CLAW_WORD_STOP:
		out->decision = CLAW_ASK_STOP;
		out->text = claw_xstrdup("");
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "supervisor", "stop");
		break;
	case CLAW_WORD_NONE:
		out->decision = CLAW_ASK_GUIDANCE;
		out->text = text;
		text = NULL;
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "supervisor", "guidance: %s", out->text);
		break;
	default:
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "supervisor", "ESCALATE: asking a person");
		rc = ask_human(ctx, req, out, err);
		break;
	}
out:
	free(text);
	return rc;
}
