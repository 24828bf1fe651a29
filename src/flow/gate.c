/*
 * gate — question rows, answers, and the wait in between.  See gate.h.
 */
#include "flow/gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "flow/review.h"
#include "llm/message.h"
#include "store/db.h"
#include "trace/reader.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"
#include "trace/record.h"

/* What the journal says about the newest question of the run. */
struct found {
	int64_t gate_id; /* 0 when there is no reusable question */
	bool answered;
	struct claw_gate_answer answer; /* when answered */
};

static char *
dup_field(struct json_object *o, const char *key)
{
	const char *s = NULL;
	if (o != NULL)
		(void)claw_json_get_string(o, key, CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, &s,
					   NULL);
	return claw_xstrdup(s != NULL ? s : "");
}

/* Reads the newest question row; when its kind and prompt match, fills f
 * with its id and, if some answer refers to it, that answer. */
static enum claw_err
find_open(struct claw_flow_ctx *ctx, enum claw_gate_kind kind, const char *prompt, struct found *f,
	  struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	struct json_object *q = NULL, *a = NULL;
	const char *k = NULL, *p = NULL;
	int64_t id = 0;
	enum claw_err rc;
	int s;

	memset(f, 0, sizeof *f);
	rc = claw_db_stmt(ctx->db,
			  "SELECT span_id, data FROM trace WHERE run_id = ? AND type = 'question'"
			  " ORDER BY seq DESC LIMIT 1",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, ctx->run_id);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE)
		goto out;
	if (s != SQLITE_ROW) {
		rc = claw_db_fail(ctx->db, "read the run's questions", err);
		goto out;
	}
	id = sqlite3_column_int64(st, 0);
	{
		const char *data = (const char *)sqlite3_column_text(st, 1);
		if (data == NULL || claw_json_parse(data, strlen(data), &q, NULL) != CLAW_OK ||
		    q == NULL || !json_object_is_type(q, json_type_object))
			goto out;
	}
	claw_db_finish(st);
	st = NULL;
	(void)claw_json_get_string(q, "kind", CLAW_JSON_OPTIONAL, &k, NULL);
	(void)claw_json_get_string(q, "prompt", CLAW_JSON_OPTIONAL, &p, NULL);
	if (k == NULL || p == NULL || strcmp(k, claw_gate_kind_name(kind)) != 0 ||
	    strcmp(p, prompt) != 0)
		goto out;
	f->gate_id = id;

	rc = claw_db_stmt(ctx->db,
			  "SELECT data FROM trace WHERE run_id = ? AND type = 'answer'"
			  " AND CAST(json_extract(data, '$.ref') AS INTEGER) = ?"
			  " ORDER BY seq DESC LIMIT 1",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, ctx->run_id);
	sqlite3_bind_int64(st, 2, id);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE)
		goto out;
	if (s != SQLITE_ROW) {
		rc = claw_db_fail(ctx->db, "read the run's answers", err);
		goto out;
	}
	{
		const char *data = (const char *)sqlite3_column_text(st, 0);
		int64_t amount = 0;
		if (data == NULL || claw_json_parse(data, strlen(data), &a, NULL) != CLAW_OK ||
		    a == NULL || !json_object_is_type(a, json_type_object))
			goto out;
		f->answered = true;
		f->answer.text = dup_field(a, "text");
		f->answer.decision = dup_field(a, "decision");
		f->answer.by = dup_field(a, "by");
		struct json_object *cm = NULL;
		if (json_object_object_get_ex(a, "comments", &cm) &&
		    json_object_is_type(cm, json_type_array))
			f->answer.comments = claw_xstrdup(claw_json_text(cm));
		if (json_object_object_get_ex(a, "spec", &cm) &&
		    json_object_is_type(cm, json_type_object))
			f->answer.spec = claw_xstrdup(claw_json_text(cm));
		(void)claw_json_get_int64(a, "amount", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE,
					  INT64_MIN, INT64_MAX, &amount, NULL);
		f->answer.amount = amount;
		f->answer.recorded = true;
	}
out:
	claw_db_finish(st);
	json_object_put(q);
	json_object_put(a);
	return rc;
}

/* The decision as the kind allows it: anything unknown is the cautious
 * choice (reject, stop). */
static void
normalise(enum claw_gate_kind kind, struct claw_gate_answer *a)
{
	const char *d = a->decision != NULL ? a->decision : "";
	const char *want = "";

	if (a->text == NULL)
		a->text = claw_xstrdup("");
	if (a->by == NULL)
		a->by = claw_xstrdup("");
	switch (kind) {
	case CLAW_GATE_APPROVE:
		want = strcmp(d, "approve") == 0 ? "approve" : "reject";
		break;
	case CLAW_GATE_BUDGET:
		want = strcmp(d, "grant") == 0 ? "grant" : "stop";
		break;
	case CLAW_GATE_REVIEW: /* unknown: none, and the gate is asked again */
		want = claw_review_decision_known(d) ? d : "";
		break;
	default:
		want = "";
		break;
	}
	char *keep = claw_xstrdup(want);
	free(a->decision);
	a->decision = keep;
}

static enum claw_err
write_question(struct claw_flow_ctx *ctx, enum claw_gate_kind kind, const char *prompt,
	       const char *payload, int64_t *gate_id, struct claw_error *err)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_GATE_DATA_MAX);
	struct json_object *pl = NULL;
	enum claw_err rc = CLAW_OK;

	(void)claw_buf_puts(&b, "{\"kind\":");
	(void)claw_llm_json_cstr(&b, claw_gate_kind_name(kind));
	(void)claw_buf_puts(&b, ",\"prompt\":");
	(void)claw_llm_json_cstr(&b, prompt);
	(void)claw_buf_puts(&b, ",\"payload\":");
	if (payload != NULL && claw_json_parse(payload, strlen(payload), &pl, NULL) == CLAW_OK)
		(void)claw_buf_puts(&b, claw_json_text(pl));
	else
		(void)claw_buf_puts(&b, "null");
	(void)claw_buf_putc(&b, '}');
	if (claw_buf_error(&b) != CLAW_OK) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "the gate's question is too big");
		goto out;
	}
	*gate_id = claw_trace_event(ctx->tracer, CLAW_RECORD_QUESTION, CLAW_RECORD_LEVEL_DEFAULT,
				    claw_buf_str(&b));
out:
	json_object_put(pl);
	claw_buf_free(&b);
	return rc;
}

/* The `answer` row's data {ref, text, decision, by, amount, comments?, spec?}. */
static void
answer_json(struct claw_buf *b, int64_t gate_id, const struct claw_gate_answer *a)
{
	(void)claw_buf_printf(b, "{\"ref\":%lld,\"text\":", (long long)gate_id);
	(void)claw_llm_json_cstr(b, a->text != NULL ? a->text : "");
	(void)claw_buf_puts(b, ",\"decision\":");
	(void)claw_llm_json_cstr(b, a->decision != NULL ? a->decision : "");
	(void)claw_buf_puts(b, ",\"by\":");
	(void)claw_llm_json_cstr(b, a->by != NULL ? a->by : "");
	(void)claw_buf_printf(b, ",\"amount\":%lld", (long long)a->amount);
	if (a->comments != NULL)
		(void)claw_buf_printf(b, ",\"comments\":%s", a->comments);
	if (a->spec != NULL)
		(void)claw_buf_printf(b, ",\"spec\":%s", a->spec);
	(void)claw_buf_putc(b, '}');
}

static void
write_answer(struct claw_flow_ctx *ctx, int64_t gate_id, const struct claw_gate_answer *a)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_GATE_DATA_MAX);

	answer_json(&b, gate_id, a);
	if (claw_buf_error(&b) == CLAW_OK)
		(void)claw_trace_event(ctx->tracer, CLAW_RECORD_ANSWER, CLAW_RECORD_LEVEL_DEFAULT,
				       claw_buf_str(&b));
	claw_buf_free(&b);
}

enum claw_err
claw_flow_gate(struct claw_flow_ctx *ctx, enum claw_gate_kind kind, const char *prompt,
	       const char *payload, struct claw_gate_answer *out, struct claw_error *err)
{
	struct claw_gate_request req = {.kind = kind, .prompt = prompt, .payload = payload};
	return claw_flow_gate_ask(ctx, &req, out, err);
}

enum claw_err
claw_flow_gate_ask(struct claw_flow_ctx *ctx, const struct claw_gate_request *ask,
		   struct claw_gate_answer *out, struct claw_error *err)
{
	enum claw_gate_kind kind = ask->kind;
	const char *prompt = ask->prompt, *payload = ask->payload;
	struct found f;
	struct claw_gate_request req = {0};
	struct claw_error werr = {0};
	int64_t last = 0;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	memset(&f, 0, sizeof f);
	if (claw_flow_should_stop(ctx)) {
		rc = CLAW_ESTOPPED;
		goto out;
	}
	rc = claw_tracer_flush(ctx->tracer, err);
	if (rc != CLAW_OK)
		goto out;
	rc = find_open(ctx, kind, prompt, &f, err);
	if (rc != CLAW_OK)
		goto out;
	if (f.answered) {
		*out = f.answer;
		memset(&f.answer, 0, sizeof f.answer);
		normalise(kind, out);
		claw_flow_note(ctx, CLAW_RECORD_INFO, "gate",
			       "gate %lld was answered while the run was not live",
			       (long long)f.gate_id);
		goto out;
	}
	if (f.gate_id == 0) {
		rc = write_question(ctx, kind, prompt, payload, &f.gate_id, err);
		if (rc != CLAW_OK)
			goto out;
	}
	rc = claw_tracer_flush(ctx->tracer, err);
	if (rc != CLAW_OK)
		goto out;
	(void)claw_flow_issue_status(
		ctx, kind == CLAW_GATE_REVIEW ? CLAW_ISSUE_REVIEW : CLAW_ISSUE_WAITING, &werr);

	req.run_id = ctx->run_id;
	req.issue_id = ctx->issue_id;
	req.gate_id = f.gate_id;
	req.kind = kind;
	req.prompt = prompt;
	req.payload = payload != NULL ? payload : "null";
	req.detail = ask->detail;
	req.detail_arg = ask->detail_arg;
	rc = ctx->fe->wait_gate(ctx->fe->ctx, &req, out, err);
	if (rc == CLAW_ESTOPPED) {
		claw_gate_answer_free(out);
		if (!claw_flow_should_stop(ctx))
			(void)claw_flow_halt(ctx, CLAW_HALT_USER, "stopped at a gate");
		goto out;
	}
	if (rc != CLAW_OK) {
		claw_gate_answer_free(out);
		goto out;
	}
	normalise(kind, out);
	/* Another writer (the server's answer route) may have added rows. */
	if (claw_reader_last_span(ctx->db, ctx->run_id, &last, &werr) == CLAW_OK)
		claw_tracer_reseed(ctx->tracer, last);
	if (!out->recorded)
		write_answer(ctx, f.gate_id, out);
	(void)claw_flow_issue_status(ctx, CLAW_ISSUE_INPROGRESS, &werr);
out:
	claw_gate_answer_free(&f.answer);
	return rc;
}

static const char *
budget_unit(enum claw_budget_kind k)
{
	switch (k) {
	case CLAW_BUDGET_TOKENS:
		return "tokens";
	case CLAW_BUDGET_SECONDS:
		return "seconds";
	default:
		return "dollars";
	}
}

/* An amount of kind k for people: "360", or "$0.60" for micro-USD (four
 * decimals under a cent). */
static void
budget_amount(enum claw_budget_kind k, int64_t v, char *buf, size_t size)
{
	if (k == CLAW_BUDGET_USD)
		(void)snprintf(buf, size, v < 10000 ? "$%.4f" : "$%.2f", (double)v / 1e6);
	else
		(void)snprintf(buf, size, "%lld", (long long)v);
}

enum claw_err
claw_flow_budget_gate(struct claw_flow_ctx *ctx, struct claw_error *err)
{
	enum claw_budget_kind k;
	enum claw_err rc = CLAW_OK;

	for (int round = 0; claw_budget_exhausted(&ctx->budget, &k); round++) {
		struct claw_gate_answer a = {0};
		int64_t spent = claw_budget_spent(&ctx->budget, k);
		int64_t limit = claw_budget_limit(&ctx->budget, k);
		char *prompt = NULL, *payload = NULL;

		if (round >= CLAW_GATE_BUDGET_ROUNDS) {
			rc = claw_flow_halt(ctx, CLAW_HALT_BUDGET,
					    "the %s budget is still exhausted after %d grants",
					    claw_budget_kind_name(k), round);
			break;
		}
		char spent_s[32], limit_s[32];
		budget_amount(k, spent, spent_s, sizeof spent_s);
		budget_amount(k, limit, limit_s, sizeof limit_s);
		prompt = claw_xasprintf("The run has used its %s budget: %s of %s%s%s. "
					"Grant more, or stop the run?",
					claw_budget_kind_name(k), spent_s, limit_s,
					k == CLAW_BUDGET_USD ? "" : " ",
					k == CLAW_BUDGET_USD ? "" : budget_unit(k));
		payload = claw_xasprintf("{\"kind\":\"%s\",\"spent\":%lld,\"limit\":%lld}",
					 claw_budget_kind_name(k), (long long)spent,
					 (long long)limit);
		rc = claw_flow_gate(ctx, CLAW_GATE_BUDGET, prompt, payload, &a, err);
		free(prompt);
		free(payload);
		if (rc != CLAW_OK)
			break;
		if (strcmp(a.decision, "grant") == 0) {
			claw_budget_grant(&ctx->budget, k, a.amount);
			budget_amount(k, claw_budget_limit(&ctx->budget, k), limit_s,
				      sizeof limit_s);
			claw_flow_note(ctx, CLAW_RECORD_NOTICE, "budget",
				       "%s granted more %s: the limit is now %s",
				       a.by[0] != '\0' ? a.by : "someone", budget_unit(k), limit_s);
			claw_gate_answer_free(&a);
			continue;
		}
		rc = claw_flow_halt(ctx, CLAW_HALT_BUDGET, "the %s budget is exhausted (%s of %s)",
				    claw_budget_kind_name(k), spent_s, limit_s);
		claw_gate_answer_free(&a);
		break;
	}
	return rc;
}

enum claw_err
claw_gate_record_answer(const char *db_path, const char *project, struct claw_bus *bus,
			int64_t run_id, int64_t gate_id, const struct claw_gate_answer *a,
			const char *note, struct claw_error *err)
{
	struct claw_db *db = NULL;
	struct claw_trace_store *st = NULL;
	struct claw_tracer *t = NULL;
	struct claw_trace_gate gate = {0};
	struct claw_buf b = CLAW_BUF_INIT(CLAW_GATE_DATA_MAX);
	enum claw_err rc;

	answer_json(&b, gate_id, a);
	rc = claw_buf_error(&b) == CLAW_OK
		     ? CLAW_OK
		     : claw_error_set(err, CLAW_ETOOBIG, "the answer is too big to record");
	if (rc == CLAW_OK)
		rc = claw_db_open(db_path, CLAW_DB_OPEN, &db, err);
	if (rc == CLAW_OK)
		rc = claw_trace_store_open(db_path, project, bus, &st, err);
	if (rc == CLAW_OK)
		rc = claw_trace_store_tracer_new(st, db, run_id, &t, err);
	/* Beside its question, as the engine writes it (the root if the
	 * question cannot be read back: the answer must be written anyway). */
	if (rc == CLAW_OK &&
	    (claw_reader_open_gate(db, run_id, &gate, NULL) != CLAW_OK || gate.id != gate_id))
		gate.parent_id = gate.depth = 0;
	if (rc == CLAW_OK &&
	    claw_trace_event_at(t, gate.parent_id, (int)gate.depth, CLAW_RECORD_ANSWER,
				CLAW_RECORD_LEVEL_DEFAULT, claw_buf_str(&b)) == 0)
		rc = claw_error_set(err, CLAW_EINTERNAL, "cannot trace the answer");
	if (rc == CLAW_OK && note != NULL) {
		struct json_object *d = json_object_new_object();
		(void)json_object_object_add(d, "action", json_object_new_string("review"));
		(void)json_object_object_add(d, "message", json_object_new_string(note));
		(void)claw_trace_event_json(t, CLAW_RECORD_NOTE, CLAW_RECORD_NOTICE, d);
		json_object_put(d);
	}
	if (rc == CLAW_OK)
		rc = claw_tracer_flush(t, err);
	if (rc != CLAW_OK)
		claw_error_prefix(err, "writing the answer to gate %lld of run %lld",
				  (long long)gate_id, (long long)run_id);
	claw_trace_gate_free(&gate);
	claw_tracer_free(t);
	claw_trace_store_close(st);
	claw_db_close(db);
	claw_buf_free(&b);
	return rc;
}
