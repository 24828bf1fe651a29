/*
 * turnloop — the ReAct loop, its guards, and its checkpoints.  See
 * turnloop.h.
 *
 * One call of claw_turn_loop() is one `ai` span.  The loop keeps no state
 * outside the conversation except the guard counts and the per-exchange
 * spending, which a resumed exchange starts afresh (a resume is a new
 * exchange for the caps; the run budget is rebuilt from the journal).
 *
 * Order inside a turn: stop poll, budget gate, caps, the "go on?" check,
 * `turn` enter, `prompt`, the model call, `reply`, charge, then each tool:
 * stop poll, `tool`, run, `tool-result`, guard; then the results message,
 * `turn` exit (its `end` row carries the turn's duration, which is what the
 * seconds budget sums on resume), and the checkpoint.  The turn in flight
 * lives in the tool-call ledger (store/state.h) between its reply and its
 * checkpoint: a stop or a crash between two tool calls is answered from it
 * on resume (resume_turn), never asked again.
 */
#include "flow/turnloop.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "flow/ask.h"
#include "flow/compact.h"
#include "flow/instructions.h"
#include "flow/gate.h"
#include "llm/client.h"
#include "store/messages.h"
#include "store/state.h"
#include "tool/registry.h"
#include "trace/record.h"

#define GUARD_TEXT_MAX (CLAW_TOOL_RESULT_MAX + 64 * 1024) /* a guard key before hashing */

/* ------------------------------------------------------------ helpers */

char *
claw_turn_question(const char *reply)
{
	const char *line = reply;

	while (line != NULL && *line != '\0') {
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "[question]", 10) == 0) {
			struct claw_str q = claw_str_trim(claw_str_from(p + 10));
			return claw_str_dup(q);
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return NULL;
}

enum claw_err
claw_turn_normalise(struct claw_buf *out, const char *s)
{
	bool in_digits = false;

	for (const char *p = s != NULL ? s : ""; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (!in_digits)
				(void)claw_buf_putc(out, '#');
			in_digits = true;
			continue;
		}
		in_digits = false;
		(void)claw_buf_putc(out, *p);
	}
	return claw_buf_error(out);
}

enum claw_err
claw_turn_checkpoint(struct claw_flow_ctx *ctx, const char *workflow, const char *step,
		     struct claw_llm_conv *conv, struct claw_error *err)
{
	size_t n = claw_llm_conv_len(conv), mark = claw_llm_conv_mark(conv);
	size_t from = mark > 0 ? mark - 1 : 0; /* the last one saved may have grown */
	struct claw_buf b = CLAW_BUF_INIT(CLAW_STATE_HISTORY_MAX);
	size_t *at = claw_xcalloc(n - from + 1, sizeof *at);
	const char **msgs = claw_xcalloc(n - from + 1, sizeof *msgs);
	enum claw_err rc = CLAW_OK;

	for (size_t i = from; i < n && rc == CLAW_OK; i++) {
		at[i - from] = claw_buf_len(&b);
		rc = claw_llm_msg_to_json(claw_llm_conv_at(conv, i), &b);
		if (rc == CLAW_OK)
			rc = claw_buf_putc(&b, '\0'); /* each message a string of its own */
	}
	if (rc != CLAW_OK) {
		rc = claw_error_set(err, rc, "the conversation of step %s grew by over %d bytes",
				    step, CLAW_STATE_HISTORY_MAX);
		goto out;
	}
	for (size_t i = from; i < n; i++)
		msgs[i - from] = claw_buf_str(&b) + at[i - from];
	rc = claw_exchange_save(ctx->db, ctx->run_id, workflow, step, from, msgs, n - from, err);
	if (rc == CLAW_OK)
		claw_llm_conv_set_mark(conv, n);
out:
	free(msgs);
	free(at);
	claw_buf_free(&b);
	return rc;
}

/* A copy of v whose strings longer than CLAW_TURN_TRACE_STRING_MAX are
 * clipped (a write_file content must not make a trace row too big). */
static struct json_object *
clipped_copy(struct json_object *v, int depth)
{
	if (v == NULL)
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string: {
		size_t n = (size_t)json_object_get_string_len(v);
		if (n <= CLAW_TURN_TRACE_STRING_MAX)
			return json_object_get(v);
		struct claw_buf b = CLAW_BUF_INIT(CLAW_TURN_TRACE_STRING_MAX + 256);
		(void)claw_tool_clip(&b, json_object_get_string(v), n, n);
		struct json_object *s =
			json_object_new_string_len(claw_buf_str(&b), (int)claw_buf_len(&b));
		claw_buf_free(&b);
		return s;
	}
	case json_type_object: {
		if (depth > CLAW_JSON_DEPTH_MAX)
			return json_object_new_string("...");
		struct json_object *o = json_object_new_object();
		json_object_object_foreach(v, k, val)
		{
			(void)json_object_object_add(o, k, clipped_copy(val, depth + 1));
		}
		return o;
	}
	case json_type_array: {
		if (depth > CLAW_JSON_DEPTH_MAX)
			return json_object_new_string("...");
		struct json_object *a = json_object_new_array();
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++)
			(void)json_object_array_add(
				a, clipped_copy(json_object_array_get_idx(v, i), depth + 1));
		return a;
	}
	default:
		return json_object_get(v);
	}
}

static struct json_object *
clipped_string(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	struct claw_buf b = CLAW_BUF_INIT(CLAW_TURN_TRACE_TEXT_MAX + 256);
	struct json_object *o;

	if (n <= CLAW_TURN_TRACE_TEXT_MAX)
		return json_object_new_string_len(s != NULL ? s : "", (int)n);
	(void)claw_tool_clip(&b, s, n, n);
	o = json_object_new_string_len(claw_buf_str(&b), (int)claw_buf_len(&b));
	claw_buf_free(&b);
	return o;
}

/* ------------------------------------------------------------- guards */

struct guard_slot {
	uint64_t hash;
	int count;
};

struct guard {
	struct guard_slot *v;
	size_t n, alloc;
	bool asked; /* the supervisor was asked once already */
};

/* Counts key; returns the count after this one. */
static int
guard_count(struct guard *g, uint64_t hash)
{
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].hash == hash)
			return ++g->v[i].count;
	}
	if (g->n >= CLAW_TURN_GUARD_KEYS)
		return 1;
	if (g->n == g->alloc) {
		g->alloc = g->alloc != 0 ? g->alloc * 2 : 32;
		g->v = claw_xrealloc(g->v, g->alloc * sizeof *g->v);
	}
	g->v[g->n].hash = hash;
	g->v[g->n].count = 1;
	return g->v[g->n++].count;
}

/* Records one call; true when it makes the step stuck.  *why describes it. */
static bool
guard_record(struct guard *g, const char *name, const char *input_json,
	     const struct claw_tool_result *res, struct claw_buf *why)
{
	struct claw_buf k = CLAW_BUF_INIT(GUARD_TEXT_MAX);
	bool stuck = false;
	int c;

	(void)claw_buf_printf(&k, "same-call\n%s\n", name);
	(void)claw_turn_normalise(&k, input_json);
	(void)claw_buf_putc(&k, '\n');
	(void)claw_turn_normalise(&k, claw_buf_str(&res->text));
	c = guard_count(g, claw_fnv1a(CLAW_FNV1A_INIT, claw_buf_str(&k), claw_buf_len(&k)));
	if (c >= CLAW_TURN_GUARD_REPEATS) {
		stuck = true;
		(void)claw_buf_printf(why, "the same %s call gave the same result %d times", name,
				      c);
	}
	if (!stuck && res->is_error) {
		claw_buf_reset(&k);
		(void)claw_buf_printf(&k, "same-failure\n%s\n", name);
		(void)claw_turn_normalise(&k, claw_buf_str(&res->text));
		c = guard_count(g, claw_fnv1a(CLAW_FNV1A_INIT, claw_buf_str(&k), claw_buf_len(&k)));
		if (c >= CLAW_TURN_GUARD_REPEATS) {
			stuck = true;
			(void)claw_buf_printf(why, "%s failed with the same failure %d times", name,
					      c);
		}
	}
	claw_buf_free(&k);
	return stuck;
}

static void
guard_reset(struct guard *g)
{
	g->n = 0;
}

/* ------------------------------------------------------------ tracing */

static void
trace_prompt(struct claw_flow_ctx *ctx, const struct claw_turn_params *p,
	     const struct claw_llm_conv *conv, bool first)
{
	const struct claw_llm_msg *last = claw_llm_conv_at(conv, claw_llm_conv_len(conv) - 1);
	struct json_object *d = json_object_new_object();
	struct json_object *tools = json_object_new_array();
	struct claw_buf t = CLAW_BUF_INIT(CLAW_TURN_TRACE_TEXT_MAX * 2);
	char *user = claw_llm_msg_text(last);
	size_t results = 0;

	for (size_t i = 0; i < claw_llm_msg_count(last); i++)
		results += claw_llm_msg_block(last, i)->type == CLAW_LLM_TOOL_RESULT;
	if (first && p->system != NULL)
		(void)claw_buf_printf(&t, "%s\n\n", p->system);
	if (results > 0)
		(void)claw_buf_printf(&t, "(%zu tool result%s)%s", results, results == 1 ? "" : "s",
				      user[0] != '\0' ? "\n" : "");
	(void)claw_buf_puts(&t, user);
	(void)json_object_object_add(d, "text", clipped_string(claw_buf_str(&t)));
	for (size_t i = 0; p->palette != NULL && i < claw_registry_count(p->palette); i++)
		(void)json_object_array_add(
			tools, json_object_new_string(claw_registry_at(p->palette, i)->name));
	(void)json_object_object_add(d, "tools", tools);
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_PROMPT, CLAW_RECORD_LEVEL_DEFAULT, d);
	json_object_put(d);
	claw_buf_free(&t);
	free(user);
}

/* A reply's `reply` row, and its tokens and cost charged to the run's
 * budget (the board shows them). */
static void
record_reply(struct claw_flow_ctx *ctx, const struct claw_llm_response *r, const char *model)
{
	struct json_object *d = json_object_new_object();
	struct json_object *calls = json_object_new_array();
	struct json_object *u = json_object_new_object();
	char *text = claw_llm_msg_text(r->msg);

	(void)json_object_object_add(d, "text", clipped_string(text));
	char *thinking = claw_llm_msg_thinking(r->msg); /* SPEC 11: recorded, capped */
	if (thinking[0] != '\0')
		(void)json_object_object_add(d, "thinking", clipped_string(thinking));
	free(thinking);
	for (size_t i = 0; i < claw_llm_msg_count(r->msg); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(r->msg, i);
		if (b->type != CLAW_LLM_TOOL_USE)
			continue;
		struct json_object *c = json_object_new_object();
		(void)json_object_object_add(c, "name", json_object_new_string(b->name));
		(void)json_object_object_add(c, "input", clipped_copy(b->input, 0));
		(void)json_object_array_add(calls, c);
	}
	(void)json_object_object_add(d, "tool_calls", calls);
	(void)json_object_object_add(u, "in", json_object_new_int64(r->usage.in));
	(void)json_object_object_add(u, "out", json_object_new_int64(r->usage.out));
	(void)json_object_object_add(u, "cached", json_object_new_int64(r->usage.cached));
	if (r->usage.cache_write > 0)
		(void)json_object_object_add(u, "cache_write",
					     json_object_new_int64(r->usage.cache_write));
	(void)json_object_object_add(u, "cost_micros", json_object_new_int64(r->cost_micros));
	(void)json_object_object_add(u, "cost_source",
				     json_object_new_string(r->cost_source == CLAW_LLM_COST_PROVIDER
								    ? "provider"
								    : "table"));
	(void)json_object_object_add(d, "usage", u);
	(void)json_object_object_add(d, "model",
				     json_object_new_string(r->model != NULL ? r->model : model));
	(void)json_object_object_add(d, "stop",
				     json_object_new_string(claw_llm_stop_name(r->stop)));
	if (r->ttft_ms > 0)
		(void)json_object_object_add(d, "ttft_ms", json_object_new_int64(r->ttft_ms));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_REPLY, CLAW_RECORD_LEVEL_DEFAULT, d);
	json_object_put(d);
	free(text);
	claw_budget_charge_reply(&ctx->budget, r->usage.in + r->usage.out, r->cost_micros);
	claw_flow_changed(ctx);
}

static void
trace_tool(struct claw_flow_ctx *ctx, const char *name, struct json_object *input)
{
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "name", json_object_new_string(name));
	(void)json_object_object_add(d, "input", clipped_copy(input, 0));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_TOOL, CLAW_RECORD_LEVEL_DEFAULT, d);
	json_object_put(d);
}

static void
trace_tool_result(struct claw_flow_ctx *ctx, const char *name, const struct claw_tool_result *res)
{
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "name", json_object_new_string(name));
	(void)json_object_object_add(d, "text", clipped_string(claw_buf_str(&res->text)));
	(void)json_object_object_add(d, "is_error", json_object_new_boolean(res->is_error));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_TOOL_RESULT,
				    res->is_error ? CLAW_RECORD_NOTICE : CLAW_RECORD_LEVEL_DEFAULT,
				    d);
	json_object_put(d);
}

static void
on_retry(void *vctx, const struct claw_llm_retry_info *info)
{
	struct claw_flow_ctx *ctx = vctx;
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "error", json_object_new_string(info->error));
	(void)json_object_object_add(d, "attempt", json_object_new_int(info->attempt));
	(void)json_object_object_add(d, "wait_ms", json_object_new_int64(info->wait_ms));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_RETRY, CLAW_RECORD_LEVEL_DEFAULT, d);
	json_object_put(d);
}

/* ------------------------------------------------------- conversation */

/* Drops a trailing turn whose tool calls were not all answered: a final
 * assistant message with tool uses, or a user message missing some of the
 * results asked for by the assistant message before it. */
static void
drop_unanswered(struct claw_llm_conv *conv, struct claw_flow_ctx *ctx)
{
	size_t n = claw_llm_conv_len(conv);
	const struct claw_llm_msg *last, *prev;

	if (n == 0)
		return;
	last = claw_llm_conv_at(conv, n - 1);
	if (claw_llm_msg_role(last) == CLAW_LLM_ASSISTANT) {
		if (claw_llm_msg_tool_uses(last) > 0) {
			claw_llm_msg_free(claw_llm_conv_pop(conv));
			claw_flow_note(
				ctx, CLAW_RECORD_INFO, "resume",
				"the last turn's tool calls were not answered: asking again");
		}
		return;
	}
	if (n < 2)
		return;
	prev = claw_llm_conv_at(conv, n - 2);
	if (claw_llm_msg_role(prev) != CLAW_LLM_ASSISTANT || claw_llm_msg_tool_uses(prev) == 0)
		return;
	for (size_t i = 0; i < claw_llm_msg_count(prev); i++) {
		const struct claw_llm_block *u = claw_llm_msg_block(prev, i);
		bool answered = false;
		if (u->type != CLAW_LLM_TOOL_USE)
			continue;
		for (size_t j = 0; j < claw_llm_msg_count(last) && !answered; j++) {
			const struct claw_llm_block *r = claw_llm_msg_block(last, j);
			answered = r->type == CLAW_LLM_TOOL_RESULT && r->id != NULL &&
				   u->id != NULL && strcmp(r->id, u->id) == 0;
		}
		if (!answered) {
			claw_llm_msg_free(claw_llm_conv_pop(conv));
			claw_llm_msg_free(claw_llm_conv_pop(conv));
			claw_flow_note(ctx, CLAW_RECORD_INFO, "resume",
				       "the last turn's tool calls were not all answered: asking "
				       "again");
			return;
		}
	}
}

/* Adds text to the conversation's trailing user message, or a new one. */
static void
add_user_text(struct claw_llm_conv *conv, const char *text)
{
	struct claw_llm_msg *last = claw_llm_conv_last(conv);
	if (last != NULL && claw_llm_msg_role(last) == CLAW_LLM_USER)
		claw_llm_msg_add_text(last, text, strlen(text));
	else
		claw_llm_conv_add_user_text(conv, text);
}

/* ----------------------------------------------------------- steering */

/* The messages waiting for the run (messages.h), added to the trailing user
 * message as the person's words and traced; *upto: the last one's id (0:
 * none). */
static enum claw_err
take_messages(const struct claw_turn_params *p, struct claw_llm_conv *conv, int64_t *upto,
	      struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	struct claw_message *m = NULL;
	size_t n = 0;

	*upto = 0;
	if (!p->steer)
		return CLAW_OK;
	enum claw_err rc = claw_message_pending(ctx->db, ctx->run_id, &m, &n, err);
	for (size_t i = 0; rc == CLAW_OK && i < n; i++) {
		char *text = claw_xasprintf("A message from %s, a person following this run, "
					    "came while you worked; take it into account:\n\n%s",
					    m[i].by[0] != '\0' ? m[i].by : "the person", m[i].text);
		add_user_text(conv, text);
		free(text);
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "id", json_object_new_int64(m[i].id));
		(void)json_object_object_add(d, "text", json_object_new_string(m[i].text));
		(void)json_object_object_add(d, "by", json_object_new_string(m[i].by));
		(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_MESSAGE,
					    CLAW_RECORD_LEVEL_DEFAULT, d);
		json_object_put(d);
		*upto = m[i].id;
	}
	claw_message_list_free(m, n);
	return rc;
}

/* The turn's checkpoint (when the exchange has one) and the messages up to
 * upto marked delivered, in one transaction. */
static enum claw_err
save_turn(const struct claw_turn_params *p, struct claw_llm_conv *conv, int64_t upto,
	  struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	enum claw_err rc = CLAW_OK;

	if (upto > 0 && (rc = claw_db_begin(ctx->db, err)) != CLAW_OK)
		return rc;
	if (p->workflow != NULL)
		rc = claw_turn_checkpoint(ctx, p->workflow, p->step, conv, err);
	if (rc == CLAW_OK && upto > 0)
		rc = claw_message_delivered(ctx->db, ctx->run_id, upto, err);
	if (rc == CLAW_OK && upto > 0)
		rc = claw_db_commit(ctx->db, err);
	if (rc != CLAW_OK && upto > 0)
		claw_db_rollback(ctx->db);
	return rc;
}

/* ------------------------------------------------------------- ladder */

/* Puts a matter up the ladder; on CLAW_OK *d and *text (caller frees) say
 * what came back. */
static enum claw_err
ask_up(const struct claw_turn_params *p, enum claw_ask_kind kind, const char *text, size_t turn,
       enum claw_ask_decision *d, char **answer, struct claw_error *err)
{
	struct claw_ask_request req = {.kind = kind,
				       .step = p->step != NULL ? p->step : "",
				       .goal = p->goal,
				       .text = text,
				       .round = (int)turn};
	struct claw_ask_reply r = {0};
	enum claw_err rc = p->ask(p->flow, &req, &r, err);

	if (rc != CLAW_OK) {
		claw_ask_reply_free(&r);
		return rc;
	}
	*d = r.decision;
	*answer = r.text;
	r.text = NULL;
	claw_ask_reply_free(&r);
	return CLAW_OK;
}

/* A final reply with a [question]: answered through the ladder into conv.
 * *handled is false when the reply has no question (or the exchange has no
 * ladder). */
static enum claw_err
handle_question(const struct claw_turn_params *p, struct claw_llm_conv *conv, const char *reply,
		bool *handled, struct claw_error *err)
{
	char *q = p->ask != NULL ? claw_turn_question(reply) : NULL;
	char *answer = NULL, *msg = NULL;
	enum claw_ask_decision d;
	enum claw_err rc = CLAW_OK;

	*handled = false;
	if (q == NULL)
		goto out;
	rc = ask_up(p, CLAW_ASK_QUESTION, q[0] != '\0' ? q : reply, claw_llm_conv_replies(conv), &d,
		    &answer, err);
	if (rc != CLAW_OK)
		goto out;
	if (d == CLAW_ASK_STOP) {
		rc = claw_flow_halt(p->flow, CLAW_HALT_SUPERVISOR,
				    "stopped at the question of step %s: %s", p->step, q);
		goto out;
	}
	if (d == CLAW_ASK_ACCEPT || answer[0] == '\0')
		msg = claw_xstrdup("Answer to your question: no answer was given; proceed with "
				   "your best judgement and say what you assumed.");
	else
		msg = claw_xasprintf("Answer to your question: %s", answer);
	add_user_text(conv, msg);
	*handled = true;
	if (p->workflow != NULL)
		rc = claw_turn_checkpoint(p->flow, p->workflow, p->step, conv, err);
out:
	free(q);
	free(answer);
	free(msg);
	return rc;
}

/* ----------------------------------------------------------- the loop */

/* Tool specs of the palette for the request; *n gets the count. */
static struct claw_llm_tool *
tool_specs(const struct claw_registry *palette, size_t *n)
{
	struct claw_llm_tool *v;
	*n = palette != NULL ? claw_registry_count(palette) : 0;
	if (*n == 0)
		return NULL;
	v = claw_xcalloc(*n, sizeof *v);
	for (size_t i = 0; i < *n; i++) {
		const struct claw_tool *t = claw_registry_at(palette, i);
		v[i].name = t->name;
		v[i].description = t->description;
		v[i].schema_json = t->schema;
	}
	return v;
}

/* The ledger's row of call idx, or NULL. */
static const struct claw_ledger_call *
ledger_find(const struct claw_ledger_call *calls, size_t n, int idx)
{
	for (size_t i = 0; i < n; i++)
		if (calls[i].idx == idx)
			return &calls[i];
	return NULL;
}

/* note {action: "interrupted-call", name, input, message}: a call that was
 * running when claw stopped, whose effects are unknown. */
static void
trace_interrupted(struct claw_flow_ctx *ctx, const char *name, struct json_object *input,
		  bool rerun)
{
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "action", json_object_new_string("interrupted-call"));
	(void)json_object_object_add(d, "name", json_object_new_string(name));
	(void)json_object_object_add(d, "input", clipped_copy(input, 0));
	(void)json_object_object_add(
		d, "message",
		json_object_new_string(rerun ? "interrupted by a crash; read-only, so run again"
					     : "interrupted by a crash; not run again: the model "
					       "is told its effects are unknown"));
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_NOTE, CLAW_RECORD_NOTICE, d);
	json_object_put(d);
}

/* True when the palette's tool called name only reads (CLAW_TOOL_SAFE). */
static bool
read_only(const struct claw_turn_params *p, const char *name)
{
	const struct claw_tool *t =
		p->palette != NULL ? claw_registry_find(p->palette, name) : NULL;
	return t != NULL && t->risk == CLAW_TOOL_SAFE;
}

/* True when every call of reply only reads: its turn needs no ledger (a
 * crash in it loses the turn, which is asked again; nothing ran that could
 * have half happened). */
static bool
reads_only(const struct claw_turn_params *p, const struct claw_llm_msg *reply)
{
	for (size_t i = 0; i < claw_llm_msg_count(reply); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(reply, i);
		if (b->type == CLAW_LLM_TOOL_USE && !read_only(p, b->name))
			return false;
	}
	return true;
}

/* On resume, what the ledger says of call idx (calls: the ledger, NULL
 * when not resuming): true when res is filled from it and the call must
 * not run.  A call that had started and not ended runs again when it is
 * read-only; any other gets an error result saying its effects are
 * unknown, sets *interrupted, and every later call is not run. */
static bool
from_ledger(const struct claw_turn_params *p, const struct claw_ledger_call *calls, size_t n,
	    int idx, const struct claw_llm_block *b, bool *interrupted,
	    struct claw_tool_result *res)
{
	const struct claw_ledger_call *lc = calls != NULL ? ledger_find(calls, n, idx) : NULL;

	if (calls == NULL)
		return false;
	if (lc != NULL && lc->ended) {
		claw_buf_reset(&res->text);
		(void)claw_buf_puts(&res->text, lc->result != NULL ? lc->result : "");
		res->is_error = lc->is_error;
		return true;
	}
	if (*interrupted) {
		claw_tool_result_error(res, "[not run] an earlier call of this turn was "
					    "interrupted by a crash, so this one was not run; "
					    "run it again if it is still needed");
		return true;
	}
	if (lc == NULL)
		return false; /* never started: it runs now */
	bool rerun = read_only(p, b->name);
	trace_interrupted(p->flow, b->name, b->input, rerun);
	if (rerun)
		return false; /* nothing of it can have half happened */
	*interrupted = true;
	claw_tool_result_error(res,
			       "[interrupted] claw stopped (a crash or a kill) while this call "
			       "was running, so its effects are unknown: it may have run "
			       "completely, partly or not at all.  Check what it would have "
			       "changed before you repeat it.");
	return true;
}

/* Runs call b (the idx-th of its turn) into res, recorded in the ledger
 * when the exchange is checkpointed: its start before it runs, its result
 * after.  A read-only call (a palette tool of risk CLAW_TOOL_SAFE) is not:
 * on resume it simply runs again, as one that never started would
 * (from_ledger), and a turn of reads costs no writes. */
static enum claw_err
run_call(const struct claw_turn_params *p, const struct claw_tool_ctx *tctx,
	 const struct claw_llm_block *b, int idx, struct claw_tool_result *res,
	 struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	bool ledgered = p->workflow != NULL && !read_only(p, b->name);
	bool done_here = false;
	enum claw_err rc = CLAW_OK;

	if (ledgered) {
		rc = claw_ledger_start(ctx->db, ctx->run_id, p->workflow, p->step, idx, b->name,
				       claw_json_text(b->input), err);
		if (rc != CLAW_OK)
			return rc;
	}
	trace_tool(ctx, b->name, b->input);
	if (b->input_error != NULL) {
		claw_tool_result_error(res, "invalid arguments for %s: %s", b->name,
				       b->input_error);
	} else {
		if (p->hooks != NULL && p->hooks->call != NULL)
			done_here = p->hooks->call(p->hooks->ctx, tctx, b->name, b->input, res);
		if (!done_here && p->palette != NULL)
			claw_registry_call(p->palette, tctx, b->name, b->input, res);
		else if (!done_here)
			claw_tool_result_error(res, "unknown tool %s", b->name);
	}
	trace_tool_result(ctx, b->name, res);
	if (ledgered)
		rc = claw_ledger_end(ctx->db, ctx->run_id, p->workflow, p->step, idx,
				     claw_buf_str(&res->text), claw_buf_len(&res->text),
				     res->is_error, err);
	return rc;
}

/* Runs the tools of reply into a new user message pushed on conv.
 * *finish is set when a hook ends the exchange; *stuck (with why) when a
 * guard fired.  calls: the ledger of this turn when it is resumed after a
 * crash (from_ledger), else NULL. */
static enum claw_err
run_tools(const struct claw_turn_params *p, const struct claw_llm_msg *reply,
	  struct claw_llm_conv *conv, struct guard *g, bool *finish, bool *stuck,
	  struct claw_buf *why, const struct claw_ledger_call *calls, size_t ncalls,
	  struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	struct claw_tool_ctx tctx = {
		.project = ctx->project_path,
		.sandbox = ctx->sandbox,
		.secrets = ctx->secrets,
		.tools = p->palette,
		.run_id = ctx->run_id,
		.step = p->step,
		.history = p->history,
		.tracer = ctx->tracer,
		.db = ctx->db,
		.task = ctx->task,
		.workflow = ctx->workflow_json,
	};
	struct claw_llm_msg *results = claw_llm_msg_new(CLAW_LLM_USER);
	enum claw_err rc = CLAW_OK;
	bool interrupted = false;
	int idx = 0;

	for (size_t i = 0; i < claw_llm_msg_count(reply); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(reply, i);
		struct claw_tool_result res;

		if (b->type != CLAW_LLM_TOOL_USE)
			continue;
		if (claw_flow_should_stop(ctx)) {
			rc = CLAW_ESTOPPED;
			goto out;
		}
		claw_tool_result_init(&res);
		if (!from_ledger(p, calls, ncalls, idx, b, &interrupted, &res))
			rc = run_call(p, &tctx, b, idx, &res, err);
		idx++;
		if (rc != CLAW_OK) {
			claw_tool_result_free(&res);
			goto out;
		}
		if (p->hooks != NULL && p->hooks->after != NULL && b->input_error == NULL)
			p->hooks->after(p->hooks->ctx, &tctx, b->name, b->input, &res, finish);
		if (!*stuck)
			*stuck = guard_record(g, b->name, claw_json_text(b->input), &res, why);
		claw_llm_msg_add_tool_result(results, b->id != NULL ? b->id : "",
					     claw_buf_str(&res.text), claw_buf_len(&res.text),
					     res.is_error);
		claw_tool_result_free(&res);
	}
	claw_llm_conv_push(conv, results);
	results = NULL;
out:
	claw_llm_msg_free(results);
	return rc;
}

/* Records reply (just pushed on conv), about to have its tools run, as
 * the ledger's turn. */
static enum claw_err
ledger_begin(const struct claw_turn_params *p, const struct claw_llm_conv *conv,
	     const struct claw_llm_msg *reply, struct claw_error *err)
{
	struct claw_llm_conv *one = claw_llm_conv_new();
	struct claw_buf b = CLAW_BUF_INIT(CLAW_STATE_HISTORY_MAX);
	enum claw_err rc;

	claw_llm_conv_push(one, claw_llm_msg_clone(reply));
	rc = claw_llm_messages_to_json(one, &b);
	if (rc != CLAW_OK)
		rc = claw_error_set(err, rc, "the reply of step %s is over %d bytes", p->step,
				    CLAW_STATE_HISTORY_MAX);
	else
		rc = claw_ledger_begin(p->flow->db, p->flow->run_id, p->workflow, p->step,
				       claw_buf_str(&b), (int64_t)claw_llm_conv_len(conv) - 1, err);
	claw_buf_free(&b);
	claw_llm_conv_free(one);
	return rc;
}

/* A turn the checkpoint lacks but the ledger holds (claw stopped while its
 * tools ran): its reply goes back into conv and its calls are answered
 * from the ledger (from_ledger), then checkpointed.  *finish as run_tools
 * sets it.  Nothing to do without a ledger. */
static enum claw_err
resume_turn(const struct claw_turn_params *p, struct claw_llm_conv *conv, struct guard *g,
	    struct claw_buf *why, bool *finish, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	struct claw_ledger_call *calls = NULL;
	struct claw_llm_conv *one = NULL;
	char *reply = NULL;
	int64_t at = 0;
	size_t ncalls = 0;
	bool stuck = false;
	enum claw_err rc = claw_ledger_load(ctx->db, ctx->run_id, p->workflow, p->step, &reply, &at,
					    &calls, &ncalls, err);

	if (rc != CLAW_OK || reply == NULL)
		goto out;
	if ((int64_t)claw_llm_conv_len(conv) != at ||
	    claw_llm_msg_role(claw_llm_conv_last(conv)) != CLAW_LLM_USER ||
	    claw_llm_messages_from_json(reply, strlen(reply), &one, NULL) != CLAW_OK ||
	    claw_llm_conv_len(one) != 1)
		goto out; /* not the turn that follows this conversation */
	claw_flow_note(ctx, CLAW_RECORD_INFO, "resume",
		       "the turn in flight when claw stopped is answered from the tool-call "
		       "ledger (%zu of its calls recorded)",
		       ncalls);
	struct claw_llm_msg *m = claw_llm_conv_pop(one);
	claw_llm_conv_push(conv, m);
	struct json_object *d = json_object_new_object();
	(void)json_object_object_add(d, "number",
				     json_object_new_int64((int64_t)claw_llm_conv_replies(conv)));
	(void)json_object_object_add(d, "resumed", json_object_new_boolean(true));
	int64_t turn_span = claw_trace_enter_json(ctx->tracer, CLAW_RECORD_TURN, d);
	json_object_put(d);
	rc = run_tools(p, m, conv, g, finish, &stuck, why, calls, ncalls, err);
	claw_trace_exit(ctx->tracer, turn_span);
	if (rc == CLAW_OK)
		rc = claw_turn_checkpoint(ctx, p->workflow, p->step, conv, err);
out:
	claw_llm_conv_free(one);
	claw_ledger_free(calls, ncalls);
	free(reply);
	return rc;
}

/* True (with a `capped` note) when a per-exchange cap of p or the
 * configuration is reached: p->max_turns, CLAW_TURN_TOKENS,
 * CLAW_TURN_SECONDS (t0: the exchange's start, monotonic). */
static bool
capped(const struct claw_turn_params *p, const struct claw_turn_result *out, int64_t tokens,
       int64_t t0)
{
	const struct claw_config *cfg = p->flow->config;

	if (p->max_turns > 0 && out->turns >= p->max_turns) {
		claw_flow_note(p->flow, CLAW_RECORD_NOTICE, "capped",
			       "the exchange reached its %d turns", p->max_turns);
		return true;
	}
	if (cfg->turn_tokens > 0 && tokens >= cfg->turn_tokens) {
		claw_flow_note(p->flow, CLAW_RECORD_NOTICE, "capped",
			       "the exchange used its %lld tokens (CLAW_TURN_TOKENS)",
			       (long long)cfg->turn_tokens);
		return true;
	}
	if (cfg->turn_seconds > 0 && claw_clock_mono_ms() - t0 >= cfg->turn_seconds * 1000) {
		claw_flow_note(p->flow, CLAW_RECORD_NOTICE, "capped",
			       "the exchange used its %lld seconds (CLAW_TURN_SECONDS)",
			       (long long)cfg->turn_seconds);
		return true;
	}
	return false;
}

/* The "go on?" question after every CLAW_TURN_SUPERVISE_EVERY turns: stop
 * sets *end to CLAW_TURN_CAPPED, guidance becomes the next user turn. */
static enum claw_err
ask_go_on(const struct claw_turn_params *p, struct claw_llm_conv *conv, size_t turns,
	  enum claw_turn_end *end, struct claw_error *err)
{
	enum claw_ask_decision d;
	char *answer = NULL, *text = claw_xasprintf("Step %s has taken %zu turns. Should it go on?",
						    p->step, turns);
	enum claw_err rc = ask_up(p, CLAW_ASK_CONTINUE, text, turns, &d, &answer, err);

	free(text);
	if (rc != CLAW_OK)
		return rc;
	if (d == CLAW_ASK_STOP) {
		*end = CLAW_TURN_CAPPED;
		claw_flow_note(p->flow, CLAW_RECORD_NOTICE, "capped",
			       "the supervisor ended the exchange after %zu turns", turns);
	} else if (d == CLAW_ASK_GUIDANCE && answer[0] != '\0') {
		char *msg = claw_xasprintf("Supervisor: %s", answer);
		add_user_text(conv, msg);
		free(msg);
	}
	free(answer);
	return CLAW_OK;
}

/* A stuck exchange (why: what makes it stuck): the supervisor is asked
 * once per exchange (not when asked already) for a different approach.
 * *go_on when its guidance was added as the next user turn, headed by
 * lead; a stop halts the run (CLAW_ESTOPPED); otherwise the exchange
 * ends. */
static enum claw_err
ask_stuck(const struct claw_turn_params *p, struct claw_llm_conv *conv, bool asked, const char *why,
	  const char *lead, bool *go_on, struct claw_error *err)
{
	enum claw_ask_decision d = CLAW_ASK_ACCEPT;
	char *answer = NULL;
	enum claw_err rc = CLAW_OK;

	*go_on = false;
	if (p->ask != NULL && !asked) {
		char *text = claw_xasprintf(
			"Step %s looks stuck: %s. Suggest a different approach.", p->step, why);
		rc = ask_up(p, CLAW_ASK_STUCK, text, claw_llm_conv_replies(conv), &d, &answer, err);
		free(text);
		if (rc != CLAW_OK)
			return rc;
	}
	if (d == CLAW_ASK_GUIDANCE && answer != NULL && answer[0] != '\0') {
		char *msg = claw_xasprintf("%s (%s). Supervisor: %s", lead, why, answer);
		add_user_text(conv, msg);
		free(msg);
		*go_on = true;
	} else if (d == CLAW_ASK_STOP) {
		rc = claw_flow_halt(p->flow, CLAW_HALT_SUPERVISOR,
				    "the supervisor stopped stuck step %s", p->step);
	}
	free(answer);
	return rc;
}

/* The text of the newest assistant message of conv, fresh ("" when none). */
static char *
last_reply_text(const struct claw_llm_conv *conv)
{
	for (size_t i = claw_llm_conv_len(conv); i > 0; i--)
		if (claw_llm_msg_role(claw_llm_conv_at(conv, i - 1)) == CLAW_LLM_ASSISTANT)
			return claw_llm_msg_text(claw_llm_conv_at(conv, i - 1));
	return claw_xstrdup("");
}

/* CLAW_STEP_TURNS reached (*cap: the turns this exchange may take): the
 * step is stuck.  The supervisor is asked once (*asked); its guidance buys
 * one last stretch of CLAW_TURN_SUPERVISE_EVERY turns (*cap grows), after
 * which, or without guidance, the exchange ends stuck. */
static enum claw_err
at_turn_cap(const struct claw_turn_params *p, struct claw_llm_conv *conv,
	    struct claw_turn_result *out, int64_t *cap, bool *asked, struct claw_error *err)
{
	char why[96];
	bool go_on = false;

	(void)snprintf(why, sizeof why,
		       "it took %d turns, the most one exchange may (CLAW_STEP_TURNS)", out->turns);
	enum claw_err rc =
		ask_stuck(p, conv, *asked, why, "This step has run too long", &go_on, err);
	*asked = true;
	if (rc != CLAW_OK)
		return rc;
	if (go_on) {
		*cap += CLAW_TURN_SUPERVISE_EVERY;
		return CLAW_OK;
	}
	claw_flow_note(p->flow, CLAW_RECORD_NOTICE, "stuck", "STOPPED: %s", why);
	out->end = CLAW_TURN_STUCK;
	free(out->text);
	out->text = last_reply_text(conv);
	return CLAW_OK;
}

/* What the loop keeps across turns for its caps and checks. */
struct pace {
	int64_t tokens;   /* spent by this exchange */
	int64_t t0;       /* its start, monotonic ms */
	int64_t asked_at; /* the turn number of the last "go on?" */
	int64_t turn_cap; /* turns it may take (CLAW_STEP_TURNS, grown once) */
	bool cap_asked;   /* the supervisor was asked at the cap */
};

/* Everything that may end the exchange before turn number: a stop, the
 * budget gate, the caps, the "go on?" question, the turn cap.  out->end
 * other than CLAW_TURN_DONE (or an error) ends it. */
static enum claw_err
before_turn(const struct claw_turn_params *p, struct claw_llm_conv *conv, size_t number,
	    struct pace *pc, struct claw_turn_result *out, struct claw_error *err)
{
	enum claw_err rc;

	if (claw_flow_should_stop(p->flow))
		return CLAW_ESTOPPED;
	rc = claw_flow_budget_gate(p->flow, err);
	if (rc != CLAW_OK)
		return rc;
	if (capped(p, out, pc->tokens, pc->t0)) {
		out->end = CLAW_TURN_CAPPED;
		return CLAW_OK;
	}
	if (p->ask != NULL && number > 1 && (number - 1) % CLAW_TURN_SUPERVISE_EVERY == 0 &&
	    pc->asked_at != (int64_t)number) {
		pc->asked_at = (int64_t)number;
		rc = ask_go_on(p, conv, number - 1, &out->end, err);
		if (rc != CLAW_OK || out->end != CLAW_TURN_DONE)
			return rc;
	}
	if (out->turns >= pc->turn_cap)
		return at_turn_cap(p, conv, out, &pc->turn_cap, &pc->cap_asked, err);
	return CLAW_OK;
}

/* What every request of an exchange shares: the model, the system prompt
 * with the project's instructions, the palette's specs, the cache key. */
struct exchange {
	struct claw_llm_request req; /* conv set per call */
	struct claw_buf system;
	struct claw_llm_tool *specs;
	char key[CLAW_TURN_CACHE_KEY_MAX];
	int64_t context;   /* the model's context window in tokens; 0: unknown */
	int64_t last_in;   /* prompt tokens of the last reply; 0: none since the start or
			    * a compaction */
	int64_t last_out;  /* its output tokens */
	int64_t renumber;  /* turns a compaction took out of conv (turn numbers go on) */
	int64_t compacted; /* the turn number of the last compaction; 0: none */
	bool refused_once; /* a request was refused for its length and compacted */
};

static void
exchange_init(struct exchange *x, const struct claw_turn_params *p, const char *model)
{
	size_t nspecs = 0;
	claw_buf_init(&x->system, CLAW_LLM_REQUEST_MAX);
	(void)claw_instructions_system(&x->system, p->system, p->flow->instructions);
	x->specs = tool_specs(p->palette, &nspecs);
	/* One routing key per step: its requests share their prefixes. */
	(void)snprintf(x->key, sizeof x->key, "claw-%lld-%s", (long long)p->flow->run_id,
		       p->step != NULL ? p->step : p->role);
	x->req = (struct claw_llm_request){
		.model = model,
		.system = claw_buf_str(&x->system),
		.tools = x->specs,
		.n_tools = nspecs,
		.max_tokens = CLAW_TURN_MAX_TOKENS,
		.cache = true,
		.cache_key = x->key,
	};
	x->context = p->flow->config->context_tokens > 0
			     ? p->flow->config->context_tokens
			     : claw_llm_client_context(p->flow->client, model);
	x->last_in = x->last_out = x->renumber = x->compacted = 0;
	x->refused_once = false;
}

static void
exchange_free(struct exchange *x)
{
	claw_buf_free(&x->system);
	free(x->specs);
}

/* A model call failed with rc because its prompt is too long, for the
 * first time in the exchange: compact and ask again rather than halt. */
static bool
compacts_first(const struct exchange *x, enum claw_err rc, const struct claw_llm_response *resp)
{
	return rc == CLAW_EBACKEND && resp->fault == CLAW_RETRY_CONTEXT && !x->refused_once;
}

/* One model call of turn number inside its `turn` span (*turn_span, left
 * open on success): the prompt and reply rows, the charge, and the reply
 * pushed on conv (*reply, borrowed).  A failure closes the span and halts
 * the run (a backend error) unless it was a stop. */
static enum claw_err
ask_model(const struct claw_turn_params *p, struct exchange *x, struct claw_llm_conv *conv,
	  size_t number, bool first, struct claw_llm_response *resp, int64_t *turn_span,
	  struct claw_llm_msg **reply, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	struct json_object *d = json_object_new_object();
	struct claw_llm_request *req = &x->req;
	const char *model = req->model;

	req->conv = conv;

	(void)json_object_object_add(d, "number", json_object_new_int64((int64_t)number));
	(void)json_object_object_add(d, "model", json_object_new_string(model));
	*turn_span = claw_trace_enter_json(ctx->tracer, CLAW_RECORD_TURN, d);
	json_object_put(d);
	trace_prompt(ctx, p, conv, first);
	enum claw_err rc = claw_llm_send(ctx->client, req, resp, on_retry, ctx, err);
	if (rc != CLAW_OK) {
		claw_trace_exit(ctx->tracer, *turn_span);
		/* A first length refusal: the caller compacts and asks again. */
		if (!compacts_first(x, rc, resp) &&
		    (rc != CLAW_ESTOPPED || !claw_flow_should_stop(ctx)))
			(void)claw_flow_halt(ctx, CLAW_HALT_BACKEND, "%s", claw_error_text(err));
		return rc;
	}
	record_reply(ctx, resp, model);
	x->last_in = resp->usage.in;
	x->last_out = resp->usage.out;
	*reply = claw_llm_response_take(resp);
	claw_llm_conv_push(conv, *reply);
	return CLAW_OK;
}

/* Estimated prompt tokens of x's next request on conv: the last reply's
 * prompt and output and what was added since, or, with no reply since the
 * start or a compaction, the request's bytes (compact.h). */
static int64_t
next_estimate(struct exchange *x, struct claw_llm_conv *conv)
{
	x->req.conv = conv;
	if (x->last_in <= 0)
		return claw_compact_estimate(&x->req);
	const struct claw_llm_msg *last = claw_llm_conv_last(conv);
	size_t bytes = 0;
	for (size_t i = 0; i < claw_llm_msg_count(last); i++) {
		const char *t = claw_llm_msg_block(last, i)->text;
		bytes += t != NULL ? strlen(t) : 0;
	}
	return x->last_in + x->last_out + (int64_t)(bytes / 4);
}

/* The summary of a compaction, asked in its own `turn` span {number,
 * model, purpose: "compact"} with a short prompt row and the reply row,
 * charged like any reply.  *summary (caller frees) on success; a failure
 * halts the run as any model failure does. */
static enum claw_err
ask_summary(const struct claw_turn_params *p, struct exchange *x, const struct claw_llm_conv *conv,
	    size_t keep, size_t number, char **summary, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	struct claw_buf prompt = CLAW_BUF_INIT(CLAW_LLM_REQUEST_MAX);
	struct claw_llm_conv *sc = claw_llm_conv_new();
	struct claw_llm_response resp;
	struct claw_llm_request req = {
		.model = x->req.model,
		.system = x->req.system,
		.conv = sc,
		.max_tokens = CLAW_COMPACT_SUMMARY_TOKENS,
	};
	struct json_object *d = json_object_new_object();

	claw_llm_response_init(&resp);
	/* Half of what the context leaves beside the system prompt and the
	 * summary for the transcript (4 bytes a token), 16 KiB at least. */
	int64_t room =
		x->context - CLAW_COMPACT_SUMMARY_TOKENS - (int64_t)strlen(x->req.system) / 4;
	size_t max = x->context <= 0    ? CLAW_COMPACT_TRANSCRIPT_MAX
		     : room * 2 > 16384 ? (size_t)room * 2
					: 16384;
	claw_compact_prompt(&prompt, conv, keep, max);
	claw_llm_conv_add_user_text(sc, claw_buf_str(&prompt));
	(void)json_object_object_add(d, "number", json_object_new_int64((int64_t)number));
	(void)json_object_object_add(d, "model", json_object_new_string(req.model));
	(void)json_object_object_add(d, "purpose", json_object_new_string("compact"));
	int64_t span = claw_trace_enter_json(ctx->tracer, CLAW_RECORD_TURN, d);
	json_object_put(d);
	d = json_object_new_object();
	char *what = claw_xasprintf("Summarise the %zu messages before the last %d turns.", keep,
				    CLAW_COMPACT_KEEP_TURNS);
	(void)json_object_object_add(d, "text", json_object_new_string(what));
	(void)json_object_object_add(d, "tools", json_object_new_array());
	(void)claw_trace_event_json(ctx->tracer, CLAW_RECORD_PROMPT, CLAW_RECORD_LEVEL_DEFAULT, d);
	json_object_put(d);
	free(what);
	enum claw_err rc = claw_llm_send(ctx->client, &req, &resp, on_retry, ctx, err);
	if (rc == CLAW_OK) {
		record_reply(ctx, &resp, req.model);
		*summary = claw_llm_msg_text(resp.msg);
	} else if (rc != CLAW_ESTOPPED || !claw_flow_should_stop(ctx)) {
		(void)claw_flow_halt(ctx, CLAW_HALT_BACKEND, "compacting the conversation: %s",
				     claw_error_text(err));
	}
	claw_trace_exit(ctx->tracer, span);
	claw_llm_response_clear(&resp);
	claw_llm_conv_free(sc);
	claw_buf_free(&prompt);
	return rc;
}

/* Compacts conv to fit the model's context (compact.h): the summary, the
 * conversation rebuilt and checkpointed, a note {action: "compact",
 * tokens_before, tokens_after}.  *done false when there was nothing to
 * compact (too few turns). */
static enum claw_err
compact(const struct claw_turn_params *p, struct exchange *x, struct claw_llm_conv *conv,
	int64_t before, size_t number, bool *done, struct claw_error *err)
{
	size_t keep = claw_compact_keep_from(conv);
	char *summary = NULL;

	*done = false;
	if (keep == 0)
		return CLAW_OK;
	enum claw_err rc = ask_summary(p, x, conv, keep, number, &summary, err);
	if (rc != CLAW_OK)
		return rc;
	size_t replies = claw_llm_conv_replies(conv);
	claw_compact_apply(conv, keep, summary[0] != '\0' ? summary : "(no summary was written)");
	free(summary);
	x->renumber += (int64_t)(replies - claw_llm_conv_replies(conv));
	x->compacted = (int64_t)number;
	x->last_in = 0;
	int64_t after = next_estimate(x, conv);
	struct json_object *d = json_object_new_object();
	char *msg = claw_xasprintf("compacted the conversation to fit the model's context: about "
				   "%lld → %lld tokens",
				   (long long)before, (long long)after);
	(void)json_object_object_add(d, "action", json_object_new_string("compact"));
	(void)json_object_object_add(d, "tokens_before", json_object_new_int64(before));
	(void)json_object_object_add(d, "tokens_after", json_object_new_int64(after));
	(void)json_object_object_add(d, "message", json_object_new_string(msg));
	(void)claw_trace_event_json(p->flow->tracer, CLAW_RECORD_NOTE, CLAW_RECORD_NOTICE, d);
	json_object_put(d);
	free(msg);
	*done = true;
	if (p->workflow != NULL)
		rc = claw_turn_checkpoint(p->flow, p->workflow, p->step, conv, err);
	return rc;
}

/* Before turn number: compacts conv when the request would pass
 * CLAW_COMPACT_AT_PCT % of a known context. */
static enum claw_err
fit_context(const struct claw_turn_params *p, struct exchange *x, struct claw_llm_conv *conv,
	    size_t number, struct claw_error *err)
{
	bool done = false;
	/* Not again before a few turns more: when the first message and the
	 * last turns alone fill the context, a compaction a turn would only
	 * pay for summaries. */
	if (x->context <= 0 ||
	    (x->compacted > 0 && (int64_t)number - x->compacted < CLAW_COMPACT_EVERY))
		return CLAW_OK;
	int64_t est = next_estimate(x, conv);
	if (est * 100 <= x->context * CLAW_COMPACT_AT_PCT)
		return CLAW_OK;
	return compact(p, x, conv, est, number, &done, err);
}

/* A request was refused for its length (err says so): compact and ask
 * again once (CLAW_OK), else the refusal halts the run. */
static enum claw_err
on_refused(const struct claw_turn_params *p, struct exchange *x, struct claw_llm_conv *conv,
	   size_t number, struct claw_error *err)
{
	struct claw_error refusal = *err;
	bool done = false;
	x->refused_once = true;
	enum claw_err rc = compact(p, x, conv, next_estimate(x, conv), number, &done, err);
	if (rc != CLAW_OK || done)
		return rc;
	*err = refusal;
	(void)claw_flow_halt(p->flow, CLAW_HALT_BACKEND, "%s", claw_error_text(err));
	return refusal.code;
}

/* A guard found the exchange stuck after reply's tools: the supervisor
 * once, then the exchange ends with a STOPPED note. */
static enum claw_err
on_stuck(const struct claw_turn_params *p, struct claw_llm_conv *conv, struct guard *g,
	 struct claw_buf *why, const struct claw_llm_msg *reply, struct claw_turn_result *out,
	 struct claw_error *err)
{
	bool go_on = false;
	enum claw_err rc = ask_stuck(p, conv, g->asked, claw_buf_str(why),
				     "You are repeating yourself", &go_on, err);
	g->asked = true;
	if (rc != CLAW_OK)
		return rc;
	if (go_on) {
		guard_reset(g);
		claw_buf_reset(why);
		return CLAW_OK;
	}
	claw_flow_note(p->flow, CLAW_RECORD_NOTICE, "stuck", "STOPPED: %s", claw_buf_str(why));
	out->end = CLAW_TURN_STUCK;
	free(out->text);
	out->text = claw_llm_msg_text(reply);
	return CLAW_OK;
}

enum claw_err
claw_turn_loop(const struct claw_turn_params *p, struct claw_llm_conv *conv,
	       struct claw_turn_result *out, struct claw_error *err)
{
	struct claw_flow_ctx *ctx = p->flow;
	const char *model = claw_flow_model(ctx, p->role);
	struct claw_llm_response resp;
	struct exchange x;
	struct guard g = {0};
	struct claw_buf why = CLAW_BUF_INIT(1024);
	int64_t ai_span = 0, turn_span = 0;
	struct pace pc = {
		.t0 = claw_clock_mono_ms(),
		.asked_at = -1,
		.turn_cap = ctx->config->step_turns > 0 ? ctx->config->step_turns : INT64_MAX,
	};
	enum claw_err rc = CLAW_OK;
	bool first = true;

	claw_llm_response_init(&resp);
	memset(out, 0, sizeof *out);
	out->end = CLAW_TURN_DONE;
	{
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "role", json_object_new_string(p->role));
		(void)json_object_object_add(d, "model", json_object_new_string(model));
		ai_span = claw_trace_enter_json(ctx->tracer, CLAW_RECORD_AI, d);
		json_object_put(d);
	}
	exchange_init(&x, p, model);
	drop_unanswered(conv, ctx);
	if (p->workflow != NULL) {
		bool finish = false;
		rc = resume_turn(p, conv, &g, &why, &finish, err);
		if (rc != CLAW_OK)
			goto out;
		if (finish) {
			out->end = CLAW_TURN_FINISHED;
			out->text = last_reply_text(conv);
			goto out;
		}
	}
	if (claw_llm_conv_len(conv) == 0) {
		rc = claw_error_set(err, CLAW_EINTERNAL, "an exchange needs a first message");
		goto out;
	}
	first = claw_llm_conv_len(conv) == 1;

	for (;;) {
		struct claw_llm_msg *last = claw_llm_conv_last(conv);
		struct claw_llm_msg *reply = NULL;
		size_t number = claw_llm_conv_replies(conv) + 1 + (size_t)x.renumber;
		int64_t turn_t0;
		bool finish = false, stuck = false, handled = false;

		/* A finished exchange: nothing to send unless it asked a question. */
		if (claw_llm_msg_role(last) == CLAW_LLM_ASSISTANT) {
			char *text = claw_llm_msg_text(last);
			rc = handle_question(p, conv, text, &handled, err);
			if (rc != CLAW_OK || !handled) {
				free(out->text);
				out->text = text;
				goto out;
			}
			free(text);
			continue;
		}
		rc = before_turn(p, conv, number, &pc, out, err);
		if (rc != CLAW_OK || out->end != CLAW_TURN_DONE)
			goto out;
		rc = fit_context(p, &x, conv, number, err);
		if (rc != CLAW_OK)
			goto out;
		turn_t0 = claw_clock_mono_ms();
		rc = ask_model(p, &x, conv, number, first, &resp, &turn_span, &reply, err);
		first = false;
		if (compacts_first(&x, rc, &resp)) {
			rc = on_refused(p, &x, conv, number, err);
			if (rc == CLAW_OK)
				continue;
		}
		if (rc != CLAW_OK)
			goto out;
		pc.tokens += resp.usage.in + resp.usage.out;
		out->turns++;
		if (claw_llm_msg_tool_uses(reply) == 0) {
			claw_trace_exit(ctx->tracer, turn_span);
			claw_budget_charge_ms(&ctx->budget, claw_clock_mono_ms() - turn_t0);
			if (p->workflow != NULL) {
				rc = claw_turn_checkpoint(ctx, p->workflow, p->step, conv, err);
				if (rc != CLAW_OK)
					goto out;
			}
			continue; /* the top of the loop ends it or asks its question */
		}
		if (p->workflow != NULL && !reads_only(p, reply))
			rc = ledger_begin(p, conv, reply, err);
		if (rc == CLAW_OK)
			rc = run_tools(p, reply, conv, &g, &finish, &stuck, &why, NULL, 0, err);
		claw_trace_exit(ctx->tracer, turn_span);
		claw_budget_charge_ms(&ctx->budget, claw_clock_mono_ms() - turn_t0);
		if (rc != CLAW_OK)
			goto out;
		if (finish) {
			free(out->text);
			out->text = claw_llm_msg_text(reply);
			out->end = CLAW_TURN_FINISHED;
		} else if (stuck) {
			rc = on_stuck(p, conv, &g, &why, reply, out, err);
			if (rc != CLAW_OK)
				goto out;
		}
		int64_t upto = 0;
		if (out->end == CLAW_TURN_DONE)
			rc = take_messages(p, conv, &upto, err);
		if (rc == CLAW_OK)
			rc = save_turn(p, conv, upto, err);
		if (rc != CLAW_OK || out->end != CLAW_TURN_DONE)
			goto out;
	}
out:
	if (out->text == NULL)
		out->text = claw_xstrdup("");
	claw_trace_exit(ctx->tracer, ai_span);
	claw_llm_response_clear(&resp);
	claw_buf_free(&why);
	exchange_free(&x);
	free(g.v);
	return rc;
}
