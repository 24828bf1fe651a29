/*
 * engine — steps, verdicts, reworks, back_to, handoffs, params and the
 * snapshot.  See engine.h.
 *
 * State of one workflow run, in memory (struct wfrun), plain C: the
 * snapshot (which steps passed and in what order, the values pinned for
 * each step, the handoff; JSON only in the row it is saved as) and, per
 * step, the
 * rejections counted in this process and the digest of the artifacts its
 * last rejected attempt left (the critic's identical-artifacts check).  The
 * durable part is the snapshot and the checkpoints; the counts and digests
 * restart with the process, which only makes a resumed run a little more
 * lenient.
 */
#include "flow/engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "flow/ask.h"
#include "flow/critic.h"
#include "flow/gate.h"
#include "flow/tools.h"
#include "flow/turnloop.h"
#include "llm/message.h"
#include "mcp/servers.h"
#include "store/state.h"
#include "tool/history.h"
#include "trace/reader.h"
#include "trace/record.h"

#define ENGINE_STATE_MAX ((size_t)16 * 1024 * 1024) /* bytes of the snapshot's done or params */

/* A value pinned for a step by an earlier one (extract_params). */
struct pin {
	char *name;  /* owned */
	char *value; /* owned */
};

struct wfrun {
	const struct claw_engine_params *p;
	struct claw_flow_ctx *ctx;
	const struct claw_workflow *wf;
	/* The snapshot. */
	bool done[CLAW_SPEC_STEPS_MAX];
	size_t order[CLAW_SPEC_STEPS_MAX]; /* the steps done, in the order they passed */
	size_t ndone;
	struct pin *pins[CLAW_SPEC_STEPS_MAX]; /* values pinned for each step, in pin order */
	size_t npins[CLAW_SPEC_STEPS_MAX];
	char *handoff_from;
	char *handoff;
	int rejections[CLAW_SPEC_STEPS_MAX];
	char *digest[CLAW_SPEC_STEPS_MAX];
	size_t digest_len[CLAW_SPEC_STEPS_MAX];
	bool recheck[CLAW_SPEC_STEPS_MAX]; /* re-entered after a back_to: no identical check */
};

void
claw_engine_result_free(struct claw_engine_result *r)
{
	if (r == NULL)
		return;
	free(r->failed_step);
	free(r->reason);
	free(r->findings);
	memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ snapshot */

static void
done_add(struct wfrun *w, size_t i)
{
	if (!w->done[i]) {
		w->done[i] = true;
		w->order[w->ndone++] = i;
	}
}

/* Steps from index `from` on are not done any more. */
static void
done_undo_from(struct wfrun *w, size_t from)
{
	size_t n = 0;
	for (size_t k = 0; k < w->ndone; k++)
		if (w->order[k] < from)
			w->order[n++] = w->order[k];
	w->ndone = n;
	for (size_t k = from; k < w->wf->nsteps; k++)
		w->done[k] = false;
}

/* The step that passed last, or -1. */
static int
last_done(const struct wfrun *w)
{
	return w->ndone > 0 ? (int)w->order[w->ndone - 1] : -1;
}

/* The value pinned for step as name, or NULL. */
static const char *
pinned(const struct wfrun *w, const char *step, const char *name)
{
	int k = claw_workflow_find_step(w->wf, step);
	for (size_t j = 0; k >= 0 && j < w->npins[k]; j++)
		if (strcmp(w->pins[k][j].name, name) == 0)
			return w->pins[k][j].value;
	return NULL;
}

/* Pins value (copied) as name for step i, replacing an earlier one. */
static void
pin(struct wfrun *w, size_t i, const char *name, const char *value)
{
	for (size_t j = 0; j < w->npins[i]; j++)
		if (strcmp(w->pins[i][j].name, name) == 0) {
			free(w->pins[i][j].value);
			w->pins[i][j].value = claw_xstrdup(value);
			return;
		}
	w->pins[i] = claw_xrealloc(w->pins[i], (w->npins[i] + 1) * sizeof *w->pins[i]);
	w->pins[i][w->npins[i]++] = (struct pin){claw_xstrdup(name), claw_xstrdup(value)};
}

static void
state_free(struct wfrun *w)
{
	for (size_t i = 0; i < CLAW_SPEC_STEPS_MAX; i++) {
		for (size_t j = 0; j < w->npins[i]; j++) {
			free(w->pins[i][j].name);
			free(w->pins[i][j].value);
		}
		free(w->pins[i]);
		free(w->digest[i]);
	}
	free(w->handoff_from);
	free(w->handoff);
}

/* The saved snapshot's state: done is a JSON array of step names, params an
 * object step -> {name: value}.  A name that is not a step of the workflow
 * (a snapshot saved by another version of it) is passed over. */
static void
state_from_json(struct wfrun *w, const char *done, const char *params)
{
	struct json_object *d = NULL, *pm = NULL;

	if (claw_json_parse(done, strlen(done), &d, NULL) == CLAW_OK &&
	    json_object_is_type(d, json_type_array))
		for (size_t i = 0; i < json_object_array_length(d); i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(d, i));
			int k = name != NULL ? claw_workflow_find_step(w->wf, name) : -1;
			if (k >= 0)
				done_add(w, (size_t)k);
		}
	if (claw_json_parse(params, strlen(params), &pm, NULL) == CLAW_OK &&
	    json_object_is_type(pm, json_type_object)) {
		json_object_object_foreach(pm, step, m)
		{
			int k = claw_workflow_find_step(w->wf, step);
			if (k < 0 || !json_object_is_type(m, json_type_object))
				continue;
			json_object_object_foreach(m, name, v)
			{
				const char *value = json_object_get_string(v);
				if (value != NULL)
					pin(w, (size_t)k, name, value);
			}
		}
	}
	json_object_put(d);
	json_object_put(pm);
}

/* The state as the snapshot's JSON texts (the caller frees both, also on
 * failure).  CLAW_ETOOBIG past ENGINE_STATE_MAX. */
static enum claw_err
state_to_json(const struct wfrun *w, char **done, char **params, struct claw_error *err)
{
	struct claw_buf d = CLAW_BUF_INIT(ENGINE_STATE_MAX), p = CLAW_BUF_INIT(ENGINE_STATE_MAX);
	enum claw_err rc = CLAW_OK;

	(void)claw_buf_putc(&d, '[');
	for (size_t k = 0; k < w->ndone; k++) {
		const char *name = w->wf->steps[w->order[k]].name;
		if (k > 0)
			(void)claw_buf_putc(&d, ',');
		(void)claw_json_buf_append_string(&d, name, strlen(name));
	}
	(void)claw_buf_putc(&d, ']');
	(void)claw_buf_putc(&p, '{');
	for (size_t i = 0, first = 1; i < w->wf->nsteps; i++) {
		if (w->npins[i] == 0)
			continue;
		if (!first)
			(void)claw_buf_putc(&p, ',');
		first = 0;
		(void)claw_json_buf_append_string(&p, w->wf->steps[i].name,
						  strlen(w->wf->steps[i].name));
		(void)claw_buf_putc(&p, ':');
		for (size_t j = 0; j < w->npins[i]; j++) {
			const struct pin *x = &w->pins[i][j];
			(void)claw_buf_putc(&p, j == 0 ? '{' : ',');
			(void)claw_json_buf_append_string(&p, x->name, strlen(x->name));
			(void)claw_buf_putc(&p, ':');
			(void)claw_json_buf_append_string(&p, x->value, strlen(x->value));
		}
		(void)claw_buf_putc(&p, '}');
	}
	(void)claw_buf_putc(&p, '}');
	if (claw_buf_error(&d) != CLAW_OK || claw_buf_error(&p) != CLAW_OK)
		rc = claw_error_set(err, CLAW_ETOOBIG,
				    "workflow %s: its pinned values are over %zu bytes",
				    w->wf->name, (size_t)ENGINE_STATE_MAX);
	*done = claw_buf_steal(&d);
	*params = claw_buf_steal(&p);
	claw_buf_free(&d);
	claw_buf_free(&p);
	return rc;
}

static enum claw_err
snapshot_load(struct wfrun *w, struct claw_error *err)
{
	struct claw_snapshot s = {0};
	enum claw_err rc = claw_snapshot_load(w->ctx->db, w->ctx->run_id, w->p->key, &s, err);

	if (rc == CLAW_ENOTFOUND) {
		claw_error_clear(err);
		w->handoff_from = claw_xstrdup("");
		w->handoff = claw_xstrdup("");
		return CLAW_OK;
	}
	if (rc != CLAW_OK)
		return rc;
	state_from_json(w, s.done, s.params);
	w->handoff_from = s.handoff_from;
	w->handoff = s.handoff;
	s.handoff_from = s.handoff = NULL;
	claw_snapshot_free(&s);
	return CLAW_OK;
}

static enum claw_err
snapshot_save(struct wfrun *w, struct claw_error *err)
{
	struct claw_snapshot s = {
		.handoff_from = claw_xstrdup(w->handoff_from),
		.handoff = claw_xstrdup(w->handoff),
	};
	enum claw_err rc = state_to_json(w, &s.done, &s.params, err);
	if (rc == CLAW_OK)
		rc = claw_snapshot_save(w->ctx->db, w->ctx->run_id, w->p->key, &s, err);
	claw_snapshot_free(&s);
	claw_flow_changed(w->ctx);
	return rc;
}

/* -------------------------------------------------------- conversations */

/* The step's conversation from its checkpoint, or NULL when it has none. */
static enum claw_err
conv_load(struct wfrun *w, const char *step, struct claw_llm_conv **out, struct claw_error *err)
{
	char *text = NULL;
	enum claw_err rc =
		claw_exchange_load(w->ctx->db, w->ctx->run_id, w->p->key, step, &text, err);
	*out = NULL;
	if (rc == CLAW_ENOTFOUND) {
		claw_error_clear(err);
		return CLAW_OK;
	}
	if (rc != CLAW_OK)
		return rc;
	rc = claw_llm_messages_from_json(text, strlen(text), out, err);
	if (rc != CLAW_OK)
		claw_error_prefix(err, "the checkpoint of step %s", step);
	else /* what the checkpoint holds: a save writes what comes after */
		claw_llm_conv_set_mark(*out, claw_llm_conv_len(*out));
	free(text);
	return rc;
}

enum claw_err
claw_engine_tell(struct claw_flow_ctx *ctx, const char *key, const char *step, const char *text,
		 struct claw_error *err)
{
	struct claw_engine_params p = {.flow = ctx, .key = key};
	struct wfrun w = {.p = &p, .ctx = ctx};
	struct claw_llm_conv *conv = NULL;
	struct claw_llm_msg *last;
	enum claw_err rc = conv_load(&w, step, &conv, err);

	if (rc != CLAW_OK || conv == NULL)
		goto out;
	last = claw_llm_conv_last(conv);
	if (last != NULL && claw_llm_msg_role(last) == CLAW_LLM_USER)
		claw_llm_msg_add_text(last, text, strlen(text));
	else
		claw_llm_conv_add_user_text(conv, text);
	rc = claw_turn_checkpoint(ctx, key, step, conv, err);
out:
	claw_llm_conv_free(conv);
	return rc;
}

/* Appends a user turn to the step's stored conversation (when it has one). */
static enum claw_err
conv_tell(struct wfrun *w, const char *step, const char *text, struct claw_error *err)
{
	return claw_engine_tell(w->ctx, w->p->key, step, text, err);
}

/* ------------------------------------------------------------- prompts */

static void
system_prompt(const struct wfrun *w, size_t i, struct claw_buf *b)
{
	const struct claw_step *st = &w->wf->steps[i];
	const char *rubric = claw_workflow_rubric(w->wf, st);

	(void)claw_buf_printf(b,
			      "You are claw's %s agent. claw solves issues in a software project "
			      "autonomously by running a workflow of steps; you carry out one "
			      "step. The project folder is %s: your tools act inside it, with "
			      "paths relative to it.\n\n## The issue\n%s\n\n## The workflow: %s\n",
			      claw_config_role_name(st->agent), w->ctx->project_path,
			      w->ctx->task != NULL ? w->ctx->task : "", w->wf->name);
	if (w->wf->summary[0] != '\0')
		(void)claw_buf_printf(b, "%s\n", w->wf->summary);
	(void)claw_buf_puts(b, "Steps:\n");
	for (size_t k = 0; k < w->wf->nsteps; k++)
		(void)claw_buf_printf(b, "%zu. %s%s\n", k + 1, w->wf->steps[k].name,
				      k == i       ? "  <- your step"
				      : w->done[k] ? " (done)"
						   : "");
	(void)claw_buf_printf(b, "\n## Your step: %s\n%s\n", st->name, st->goal);
	if (w->handoff[0] != '\0')
		(void)claw_buf_printf(b, "\n## Baton from step %s\n%s\n", w->handoff_from,
				      w->handoff);
	if (w->npins[i] > 0)
		(void)claw_buf_puts(b, "\n## Values pinned for your step\n");
	for (size_t j = 0; j < w->npins[i]; j++)
		(void)claw_buf_printf(b, "### %s\n%s\n", w->pins[i][j].name, w->pins[i][j].value);
	if (w->p->context != NULL && w->p->context[0] != '\0')
		(void)claw_buf_printf(b, "\n## Context\n%s\n", w->p->context);
	(void)claw_buf_puts(
		b, "\n## How to work\n"
		   "- Work with the tools until your step's goal is met. Then reply with a short "
		   "report of what you did and found, without calling a tool: that reply ends "
		   "your step.\n"
		   "- Do only your step; later steps do theirs.\n");
	if (rubric != NULL)
		(void)claw_buf_printf(
			b,
			"- A reviewer judges your step against this rubric, from your artifacts "
			"and report only:\n%s\n"
			"  Record what you produced with the artifact tool (files you write are "
			"recorded automatically; record command output with its command, so it "
			"can be re-run).\n",
			rubric);
	(void)claw_buf_puts(b, "- If you cannot go on without a decision from a person, end "
			       "your turn without a tool call and with a line starting with "
			       "[question] followed by the question.\n");
}

/* Makes the MCP tool name callable (mcp/servers.h); CLAW_OK at once for a
 * tool the registry has, or that is not an MCP one. */
static enum claw_err
want_mcp(struct claw_flow_ctx *ctx, const char *name, struct claw_error *err)
{
	if (ctx->mcp == NULL || strncmp(name, "mcp__", 5) != 0 ||
	    claw_registry_find(ctx->tools, name) != NULL)
		return CLAW_OK;
	return claw_mcp_servers_want(ctx->mcp, name, err);
}

/* The step's palette: its tools, or the run palette; only tools the run
 * has. */
static enum claw_err
palette_of(const struct wfrun *w, const struct claw_step *st, struct claw_registry **out,
	   struct claw_error *err)
{
	const char *names[CLAW_SPEC_TOOLS_MAX + 8];
	const char *const *from;
	size_t nfrom, n = 0;

	if (st->has_tools) {
		from = (const char *const *)st->tools;
		nfrom = st->ntools;
	} else {
		from = claw_spec_run_palette(&nfrom);
	}
	for (size_t i = 0; i < nfrom && n < sizeof names / sizeof names[0]; i++) {
		/* An MCP tool: its server starts now, at its first use. */
		enum claw_err rc = want_mcp(w->ctx, from[i], err);
		if (rc != CLAW_OK)
			return rc;
		if (claw_registry_find(w->ctx->tools, from[i]) != NULL)
			names[n++] = from[i];
	}
	return claw_registry_only(w->ctx->tools, names, n, out, err);
}

/* ------------------------------------------------------- tool hooks */

/* write_file → a `file` artifact of the step, through the artifact tool. */
static void
after_tool(void *vw, const struct claw_tool_ctx *tctx, const char *name, struct json_object *input,
	   const struct claw_tool_result *res, bool *finish)
{
	struct wfrun *w = vw;
	struct claw_tool_ctx c = *tctx;
	struct claw_tool_result r;
	struct json_object *in, *path = NULL;

	(void)finish;
	bool wrote = strcmp(name, "write_file") == 0, edited = strcmp(name, "edit_file") == 0;
	if (!(wrote || edited) || res->is_error ||
	    !json_object_object_get_ex(input, "path", &path) ||
	    claw_registry_find(w->ctx->tools, "artifact") == NULL)
		return;
	c.history = NULL; /* not a call of the model's: no run#N handle */
	in = json_object_new_object();
	(void)json_object_object_add(in, "label", json_object_get(path));
	(void)json_object_object_add(in, "file", json_object_get(path));
	(void)json_object_object_add(
		in, "note",
		json_object_new_string(wrote ? "written by write_file" : "edited by edit_file"));
	claw_tool_result_init(&r);
	claw_registry_call(w->ctx->tools, &c, "artifact", in, &r);
	if (r.is_error)
		claw_log_info("run #%lld: no artifact for %s: %s", (long long)w->ctx->run_id,
			      json_object_get_string(path), claw_buf_str(&r.text));
	claw_tool_result_free(&r);
	json_object_put(in);
}

/* ------------------------------------------------------------ ai steps */

/* One more turn of a finished step's conversation, without tools (the
 * handoff, a param).  *text (caller frees) is the reply. */
static enum claw_err
extra_turn(struct wfrun *w, size_t i, const char *ask, char **text, struct claw_error *err)
{
	const struct claw_step *st = &w->wf->steps[i];
	struct claw_llm_conv *conv = NULL;
	struct claw_buf sys = CLAW_BUF_INIT(CLAW_ENGINE_PROMPT_MAX);
	struct claw_turn_result res = {0};
	enum claw_err rc;

	*text = NULL;
	rc = conv_load(w, st->name, &conv, err);
	if (rc != CLAW_OK)
		goto out;
	if (conv == NULL)
		conv = claw_llm_conv_new();
	{
		struct claw_llm_msg *last = claw_llm_conv_last(conv);
		if (last != NULL && claw_llm_msg_role(last) == CLAW_LLM_USER)
			claw_llm_msg_add_text(last, ask, strlen(ask));
		else
			claw_llm_conv_add_user_text(conv, ask);
	}
	system_prompt(w, i, &sys);
	struct claw_turn_params tp = {
		.flow = w->ctx,
		.role = claw_config_role_name(st->agent),
		.system = claw_buf_str(&sys),
		.palette = NULL,
		.workflow = w->p->key,
		.step = st->name,
		.goal = st->goal,
		.max_turns = 2,
	};
	rc = claw_turn_loop(&tp, conv, &res, err);
	if (rc != CLAW_OK)
		goto out;
	*text = res.text;
	res.text = NULL;
out:
	free(res.text);
	claw_buf_free(&sys);
	claw_llm_conv_free(conv);
	return rc;
}

/* Forms the handoff of the step that passed last when it is missing. */
static enum claw_err
handoff_maybe(struct wfrun *w, struct claw_error *err)
{
	int k = last_done(w);
	char *text = NULL;
	enum claw_err rc;

	if (k < 0 || w->wf->steps[k].kind != CLAW_STEP_AI ||
	    strcmp(w->handoff_from, w->wf->steps[k].name) == 0)
		return CLAW_OK;
	rc = extra_turn(w, (size_t)k,
			"Your step has passed. Write the baton for the next step, in a few short "
			"lines: what was done, the files touched, and what to watch out for. "
			"Reply with the baton only.",
			&text, err);
	if (rc != CLAW_OK)
		return rc;
	if (strlen(text) > CLAW_ENGINE_HANDOFF_MAX)
		text[CLAW_ENGINE_HANDOFF_MAX] = '\0';
	free(w->handoff_from);
	free(w->handoff);
	w->handoff_from = claw_xstrdup(w->wf->steps[k].name);
	w->handoff = text;
	{
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "text", json_object_new_string(w->handoff));
		(void)json_object_object_add(d, "from", json_object_new_string(w->handoff_from));
		(void)claw_trace_event_json(w->ctx->tracer, CLAW_RECORD_HANDOFF,
					    CLAW_RECORD_LEVEL_DEFAULT, d);
		json_object_put(d);
	}
	return snapshot_save(w, err);
}

/* The value of a reply to a param question: trimmed, without a Markdown
 * fence around the whole of it. */
static char *
param_value(const char *reply)
{
	struct claw_str t = claw_str_trim(claw_str_unfence(claw_str_from(reply)));
	if (t.n > CLAW_ENGINE_PARAM_MAX)
		t.n = CLAW_ENGINE_PARAM_MAX;
	return claw_str_dup(t);
}

static enum claw_err
extract_params(struct wfrun *w, size_t i, struct claw_error *err)
{
	const struct claw_step *st = &w->wf->steps[i];
	enum claw_err rc = CLAW_OK;

	for (size_t k = 0; k < st->nparams; k++) {
		const struct claw_param *pm = &st->params[k];
		const char *target = w->wf->steps[pm->for_step].name;
		char *reply = NULL, *value, *ask;

		ask = claw_xasprintf("Your step has passed. Step %s needs a value from you: %s\n\n"
				     "%s\n\nReply with exactly that value and nothing else: no "
				     "preamble, no comment, no Markdown fence.",
				     target, pm->name, pm->instruction);
		rc = extra_turn(w, i, ask, &reply, err);
		free(ask);
		if (rc != CLAW_OK)
			break;
		value = param_value(reply);
		free(reply);
		pin(w, pm->for_step, pm->name, value);
		claw_flow_note(w->ctx, CLAW_RECORD_INFO, "param", "%s pinned %s for %s (%zu bytes)",
			       st->name, pm->name, target, strlen(value));
		free(value);
	}
	return rc;
}

/* Runs the exchange of ai step i; *report (caller frees) is its last reply. */
static enum claw_err
run_ai(struct wfrun *w, size_t i, char **report, struct claw_error *err)
{
	const struct claw_step *st = &w->wf->steps[i];
	struct claw_llm_conv *conv = NULL;
	struct claw_registry *palette = NULL;
	struct claw_history *history = NULL;
	struct claw_trace_tool_call *calls = NULL;
	struct claw_buf sys = CLAW_BUF_INIT(CLAW_ENGINE_PROMPT_MAX);
	struct claw_turn_result res = {0};
	size_t ncalls = 0;
	enum claw_err rc;

	*report = NULL;
	rc = handoff_maybe(w, err);
	if (rc != CLAW_OK)
		goto out;
	rc = conv_load(w, st->name, &conv, err);
	if (rc != CLAW_OK)
		goto out;
	if (conv == NULL) {
		char *first = claw_xasprintf("Carry out step %s.\n\nGoal: %s", st->name, st->goal);
		conv = claw_llm_conv_new();
		claw_llm_conv_add_user_text(conv, first);
		free(first);
	}
	rc = palette_of(w, st, &palette, err);
	if (rc != CLAW_OK)
		goto out;
	/* run#N handles continue where the journal left them. */
	rc = claw_tracer_flush(w->ctx->tracer, err);
	if (rc == CLAW_OK)
		rc = claw_reader_tools(w->ctx->db, w->ctx->run_id, st->name, 0, &calls, &ncalls,
				       err);
	if (rc != CLAW_OK)
		goto out;
	history = claw_history_new((int64_t)ncalls + 1);
	system_prompt(w, i, &sys);
	{
		struct claw_turn_hooks hooks = {.ctx = w, .after = after_tool};
		struct claw_turn_params tp = {
			.flow = w->ctx,
			.role = claw_config_role_name(st->agent),
			.system = claw_buf_str(&sys),
			.palette = palette,
			.workflow = w->p->key,
			.step = st->name,
			.goal = st->goal,
			.history = history,
			.ask = claw_ask,
			.hooks = &hooks,
			.steer = true,
		};
		rc = claw_turn_loop(&tp, conv, &res, err);
	}
	if (rc != CLAW_OK)
		goto out;
	*report = res.text;
	res.text = NULL;
out:
	free(res.text);
	claw_buf_free(&sys);
	claw_history_free(history);
	claw_trace_tool_call_list_free(calls, ncalls);
	claw_registry_free(palette);
	claw_llm_conv_free(conv);
	return rc;
}

/* ---------------------------------------------------------- tool steps */

struct lookup_ctx {
	struct wfrun *w;
	const char *step;
	char run_id[32];
};

static enum claw_err
lookup(void *vctx, const char *name, const char **value, struct claw_error *err)
{
	struct lookup_ctx *l = vctx;
	const struct claw_issue *is = l->w->ctx->issue;

	if (strncmp(name, "param.", 6) == 0) {
		*value = pinned(l->w, l->step, name + 6);
		if (*value == NULL)
			return claw_error_set(err, CLAW_ENOTFOUND, "no value was pinned for %s",
					      name);
		return CLAW_OK;
	}
	if (strcmp(name, "issue.title") == 0) {
		*value = is != NULL ? is->title : "";
		return CLAW_OK;
	}
	if (strcmp(name, "issue.description") == 0) {
		*value = is != NULL ? is->description : "";
		return CLAW_OK;
	}
	if (strcmp(name, "run.id") == 0) {
		*value = l->run_id;
		return CLAW_OK;
	}
	return claw_error_set(err, CLAW_EINVAL, "unknown placeholder ${%s}", name);
}

/* Calls tool step i; *ok says whether it passed, *text (caller frees) is the
 * result. */
static enum claw_err
run_tool(struct wfrun *w, size_t i, bool *ok, char **text, struct claw_error *err)
{
	const struct claw_step *st = &w->wf->steps[i];
	struct claw_flow_ctx *ctx = w->ctx;
	struct lookup_ctx lc = {.w = w, .step = st->name};
	struct claw_spec_lookup lk = {.ctx = &lc, .fn = lookup};
	struct json_object *args = NULL, *d;
	struct claw_tool_result res;
	struct claw_error xerr = {0};
	struct claw_tool_ctx tctx = {
		.project = ctx->project_path,
		.sandbox = ctx->sandbox,
		.secrets = ctx->secrets,
		.tools = ctx->tools,
		.run_id = ctx->run_id,
		.step = st->name,
		.tracer = ctx->tracer,
		.db = ctx->db,
		.task = ctx->task,
		.workflow = ctx->workflow_json,
	};

	(void)err;
	(void)snprintf(lc.run_id, sizeof lc.run_id, "%lld", (long long)ctx->run_id);
	claw_tool_result_init(&res);
	if (claw_workflow_expand_args(st, &lk, &args, &xerr) != CLAW_OK) {
		claw_tool_result_error(&res, "cannot expand the call's arguments: %s",
				       claw_error_text(&xerr));
		args = json_object_new_object();
	} else {
		d = json_object_new_object();
		(void)json_object_object_add(d, "name", json_object_new_string(st->call.tool));
		(void)json_object_object_add(d, "input", json_object_get(args));
		(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_TOOL,
					    CLAW_RECORD_LEVEL_DEFAULT, d);
		json_object_put(d);
		if (strcmp(st->call.tool, "define_workflow") == 0 &&
		    claw_registry_validate(ctx->tools, st->call.tool, args, &xerr) == CLAW_OK)
			claw_flow_define_call(ctx, args, &res);
		else if (want_mcp(ctx, st->call.tool, &xerr) != CLAW_OK)
			claw_tool_result_error(&res, "%s", claw_error_text(&xerr));
		else
			claw_registry_call(ctx->tools, &tctx, st->call.tool, args, &res);
		if (res.is_error && strcmp(st->call.tool, "define_workflow") == 0 &&
		    claw_buf_len(&res.text) == 0)
			claw_tool_result_error(&res, "invalid input: %s", claw_error_text(&xerr));
	}
	d = json_object_new_object();
	(void)json_object_object_add(d, "name", json_object_new_string(st->call.tool));
	(void)json_object_object_add(d, "text", json_object_new_string(claw_buf_str(&res.text)));
	(void)json_object_object_add(d, "is_error", json_object_new_boolean(res.is_error));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_TOOL_RESULT,
				    res.is_error ? CLAW_RECORD_NOTICE : CLAW_RECORD_LEVEL_DEFAULT,
				    d);
	json_object_put(d);
	*ok = !res.is_error;
	*text = claw_xstrdup(claw_buf_str(&res.text));
	claw_tool_result_free(&res);
	json_object_put(args);
	return CLAW_OK;
}

/* ------------------------------------------------------------- reworks */

/* Goes back from step i to its back_to target with the findings. */
static enum claw_err
go_back(struct wfrun *w, size_t i, const char *findings, const char *guidance,
	struct claw_error *err)
{
	const struct claw_step *st = &w->wf->steps[i];
	size_t j = (size_t)st->back_to;
	const char *to = w->wf->steps[j].name;
	struct claw_buf msg = CLAW_BUF_INIT(CLAW_ASK_TEXT_MAX * 2);
	enum claw_err rc;

	{
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "from", json_object_new_string(st->name));
		(void)json_object_object_add(d, "to", json_object_new_string(to));
		(void)json_object_object_add(d, "reason", json_object_new_string(findings));
		(void)claw_trace_event_json(w->ctx->tracer, CLAW_RECORD_BACK,
					    CLAW_RECORD_LEVEL_DEFAULT, d);
		json_object_put(d);
	}
	(void)claw_buf_printf(&msg,
			      "Step %s, later in the workflow, was rejected, and the run came back "
			      "to your step to fix the cause.\n\nFindings:\n%s\n",
			      st->name, findings);
	if (guidance != NULL && guidance[0] != '\0')
		(void)claw_buf_printf(&msg, "\nSupervisor's guidance:\n%s\n", guidance);
	(void)claw_buf_puts(&msg, "\nRework your step accordingly, record your outputs again, "
				  "then report.");
	rc = conv_tell(w, to, claw_buf_str(&msg), err);
	if (rc != CLAW_OK)
		goto out;
	for (size_t k = j + 1; k <= i; k++) {
		claw_buf_reset(&msg);
		if (k == i)
			(void)claw_buf_printf(
				&msg,
				"The run went back to step %s to fix what your step's "
				"reviewer found:\n%s\n\nStep %s has been reworked. "
				"Redo your step on the new state of the project, "
				"record your outputs again, then report.",
				to, findings, to);
		else
			(void)claw_buf_printf(&msg,
					      "Step %s, before yours, was reworked because step %s "
					      "was rejected:\n%s\n\nCheck that your step's work "
					      "still holds on the new state of the project, update "
					      "it where needed, record your outputs again, then "
					      "report.",
					      to, st->name, findings);
		rc = conv_tell(w, w->wf->steps[k].name, claw_buf_str(&msg), err);
		if (rc != CLAW_OK)
			goto out;
		if (k != i)
			w->recheck[k] = true;
	}
	w->recheck[j] = true;
	done_undo_from(w, j);
	rc = snapshot_save(w, err);
out:
	claw_buf_free(&msg);
	return rc;
}

enum claw_err
claw_engine_reopen(struct claw_flow_ctx *ctx, const char *key, const struct claw_workflow *wf,
		   size_t step, const char *tell, const char *tell_later, struct json_object *back,
		   struct claw_error *err)
{
	struct claw_engine_params p = {.flow = ctx, .wf = wf, .key = key};
	struct wfrun w = {.p = &p, .ctx = ctx, .wf = wf};
	enum claw_err rc = snapshot_load(&w, err);

	if (rc != CLAW_OK)
		goto out;
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_BACK, CLAW_RECORD_NOTICE, back);
	rc = conv_tell(&w, wf->steps[step].name, tell, err);
	for (size_t k = step + 1; rc == CLAW_OK && k < wf->nsteps; k++)
		rc = conv_tell(&w, wf->steps[k].name, tell_later, err);
	if (rc != CLAW_OK)
		goto out;
	done_undo_from(&w, step);
	rc = snapshot_save(&w, err);
out:
	state_free(&w);
	return rc;
}

static enum claw_err
rework(struct wfrun *w, size_t i, const char *findings, const char *guidance,
       struct claw_error *err)
{
	struct claw_buf msg = CLAW_BUF_INIT(CLAW_ASK_TEXT_MAX * 2);
	enum claw_err rc;

	(void)claw_buf_printf(&msg, "The reviewer rejected your work on this step.\n\n%s\n",
			      findings);
	if (guidance != NULL && guidance[0] != '\0')
		(void)claw_buf_printf(&msg, "\nSupervisor's guidance:\n%s\n", guidance);
	(void)claw_buf_puts(&msg, "\nRework the step: fix what was found, record your outputs "
				  "again, then report.");
	rc = conv_tell(w, w->wf->steps[i].name, claw_buf_str(&msg), err);
	claw_buf_free(&msg);
	return rc;
}

/* -------------------------------------------------------------- the run */

static void fail(struct claw_engine_result *out, const char *step, const char *findings,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fail(struct claw_engine_result *out, const char *step, const char *findings, const char *fmt, ...)
{
	va_list ap;
	char reason[CLAW_FLOW_REASON_MAX];

	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	out->passed = false;
	free(out->failed_step);
	free(out->reason);
	free(out->findings);
	out->failed_step = claw_xstrdup(step);
	out->reason = claw_xstrdup(reason);
	out->findings = claw_xstrdup(findings != NULL ? findings : "");
}

/* One visit of step i.  *next is the index to visit next; *failed is set
 * (with out filled) when the workflow fails. */
static enum claw_err
visit(struct wfrun *w, size_t i, size_t *next, bool *failed, struct claw_engine_result *out,
      struct claw_error *err)
{
	const struct claw_step *st = &w->wf->steps[i];
	struct claw_flow_ctx *ctx = w->ctx;
	struct claw_verdict v = {0};
	struct claw_ask_reply r = {0};
	char *report = NULL;
	bool accept = true;
	const char *findings = "";
	enum claw_err rc;

	*next = i;
	if (st->kind == CLAW_STEP_AI) {
		rc = run_ai(w, i, &report, err);
		if (rc != CLAW_OK)
			goto out;
		if (claw_workflow_rubric(w->wf, st) != NULL) {
			struct claw_critic_input in = {
				.wf = w->wf,
				.step = st,
				.handoff = w->handoff,
				.report = report,
				.prev_digest = w->recheck[i] ? NULL : w->digest[i],
				.prev_digest_len = w->digest_len[i],
			};
			rc = claw_critic_judge(ctx, &in, &v, err);
			if (rc != CLAW_OK)
				goto out;
			accept = v.accept;
			findings = v.findings;
			w->recheck[i] = false;
		}
	} else {
		bool ok = false;
		rc = run_tool(w, i, &ok, &report, err);
		if (rc != CLAW_OK)
			goto out;
		accept = ok;
		findings = report;
	}

	if (!accept) {
		int n = ++w->rejections[i];
		bool stuck = n >= st->max_rounds;
		const char *guidance = "";

		if (v.digest != NULL) {
			free(w->digest[i]);
			w->digest[i] = v.digest;
			w->digest_len[i] = v.digest_len;
			v.digest = NULL;
		}
		if (n > st->max_rounds) {
			claw_flow_note(ctx, CLAW_RECORD_NOTICE, "stuck",
				       "step %s was rejected %d times", st->name, n);
			fail(out, st->name, findings, "step %s is stuck after %d rejections",
			     st->name, n);
			*failed = true;
			goto out;
		}
		if (st->kind == CLAW_STEP_TOOL) {
			if (st->back_to < 0) {
				fail(out, st->name, findings, "step %s failed: %s", st->name,
				     findings);
				*failed = true;
				goto out;
			}
			rc = go_back(w, i, findings, NULL, err);
			*next = (size_t)st->back_to;
			goto out;
		}
		{
			struct claw_ask_request req = {.kind = CLAW_ASK_REVIEW,
						       .step = st->name,
						       .goal = st->goal,
						       .text = findings,
						       .stuck = stuck,
						       .round = n};
			rc = claw_ask(ctx, &req, &r, err);
			if (rc != CLAW_OK)
				goto out;
		}
		if (r.decision == CLAW_ASK_STOP) {
			rc = claw_flow_halt(ctx, CLAW_HALT_SUPERVISOR,
					    "%s stopped the run at step %s: %s", r.by, st->name,
					    findings);
			goto out;
		}
		if (r.decision == CLAW_ASK_GUIDANCE) {
			guidance = r.text;
			if (st->back_to >= 0) {
				rc = go_back(w, i, findings, guidance, err);
				*next = (size_t)st->back_to;
			} else {
				rc = rework(w, i, findings, guidance, err);
			}
			goto out;
		}
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "accept", "%s accepted step %s", r.by,
			       st->name);
	}

	/* Pass. */
	done_add(w, i);
	w->rejections[i] = 0;
	free(w->digest[i]);
	w->digest[i] = NULL;
	w->digest_len[i] = 0;
	if (st->kind == CLAW_STEP_AI) {
		rc = extract_params(w, i, err);
		if (rc != CLAW_OK)
			goto out;
	}
	/* Its work is committed before the snapshot says done: a done step
	 * is always a committed one. */
	if (ctx->step_passed != NULL)
		ctx->step_passed(ctx, st->name, st->goal);
	rc = snapshot_save(w, err);
	*next = i + 1;
out:
	claw_ask_reply_free(&r);
	claw_verdict_free(&v);
	free(report);
	return rc;
}

enum claw_err
claw_engine_run(const struct claw_engine_params *p, struct claw_engine_result *out,
		struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	struct wfrun w = {.p = p, .ctx = ctx, .wf = p->wf};
	struct claw_budget_limits saved;
	int64_t wf_span = 0;
	enum claw_err rc;
	size_t i = 0;
	bool failed = false;

	memset(out, 0, sizeof *out);
	{
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "name", json_object_new_string(p->wf->name));
		(void)json_object_object_add(d, "key", json_object_new_string(p->key));
		wf_span = claw_trace_enter_json(ctx->tracer, CLAW_RECORD_WORKFLOW, d);
		json_object_put(d);
	}
	claw_budget_push(&ctx->budget, p->wf->budget.tokens, p->wf->budget.seconds,
			 p->wf->budget.usd_micros, &saved);
	rc = snapshot_load(&w, err);
	if (rc != CLAW_OK)
		goto out;
	for (int visits = 0; i < p->wf->nsteps; visits++) {
		const struct claw_step *st = &p->wf->steps[i];
		size_t next = i;
		int64_t span;

		if (w.done[i]) {
			i++;
			continue;
		}
		if (visits >= CLAW_ENGINE_VISITS_MAX) {
			fail(out, st->name, "", "workflow %s made %d step visits without finishing",
			     p->wf->name, visits);
			failed = true;
			break;
		}
		if (claw_flow_should_stop(ctx)) {
			rc = CLAW_ESTOPPED;
			goto out;
		}
		rc = claw_flow_budget_gate(ctx, err);
		if (rc != CLAW_OK)
			goto out;
		{
			struct json_object *d = json_object_new_object();
			(void)json_object_object_add(d, "name", json_object_new_string(st->name));
			span = claw_trace_enter_json(ctx->tracer, CLAW_RECORD_STEP, d);
			json_object_put(d);
		}
		rc = visit(&w, i, &next, &failed, out, err);
		claw_trace_exit(ctx->tracer, span);
		if (rc != CLAW_OK || failed)
			break;
		i = next;
	}
	if (rc == CLAW_OK && !failed) {
		out->passed = true;
		out->failed_step = claw_xstrdup("");
		out->reason = claw_xstrdup("");
		out->findings = claw_xstrdup("");
	}
out:
	if (rc == CLAW_OK && failed)
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "failed", "workflow %s failed: %s",
			       p->wf->name, out->reason);
	if (out->failed_step == NULL) {
		const char *reason;
		(void)claw_flow_halted(ctx, &reason, NULL);
		fail(out, "", "", "%s", rc == CLAW_ESTOPPED ? reason : claw_error_text(err));
	}
	if (rc != CLAW_OK)
		out->passed = false;
	claw_trace_exit(ctx->tracer, wf_span);
	claw_budget_pop(&ctx->budget, &saved); /* the workflow's own limits end with it */
	state_free(&w);
	return rc;
}
