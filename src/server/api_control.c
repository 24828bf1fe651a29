/*
 * api_control — the writes that drive runs: start, answer, stop, close.
 *
 * Each records the acting user (REMOTE_USER, or "anonymous" without nginx
 * auth): as the run's started_by, the answer's `by`, the "stopped by X"
 * reason.
 *
 * Answering (SPEC 7, src/server/parking.h): the gate must be the issue's open
 * gate — the one its live run is parked on, else the newest unanswered
 * question in the journal of its active run — and the answer must fit the
 * gate's kind.  A live run gets the answer in memory (the engine writes the
 * `answer` row); for a run that is not live here (parked before a restart)
 * the answer row is written first and the run is then resumed, and finds
 * it.
 */
#include "server/api.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "flow/frontend.h"
#include "flow/gate.h"
#include "flow/review.h"
#include "flow/spec.h"
#include "server/board.h"
#include "server/parking.h"
#include "server/request.h"
#include "server/runs.h"
#include "server/server.h"
#include "store/messages.h"
#include "store/runs.h"
#include "trace/reader.h"

enum claw_err
claw_api_empty_body_parse(struct json_object *body, struct claw_error *err)
{
	static const char *const none[] = {NULL};
	return claw_json_check_keys(body, none, err);
}

enum claw_err
claw_api_answer_body_parse(struct json_object *body, struct claw_api_answer_body *out,
			   struct claw_error *err)
{
	static const char *const keys[] = {"gate",     "text", "decision", "amount",
					   "comments", "spec", NULL};
	struct json_object *cm = NULL;
	enum claw_err rc;

	out->gate = 0;
	out->text = "";
	out->decision = "";
	out->amount = 0;
	out->comments = NULL;
	out->spec = NULL;
	rc = claw_json_check_keys(body, keys, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(body, "gate", CLAW_JSON_REQUIRED, 1, INT64_MAX, &out->gate,
					 err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "text", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE,
					  &out->text, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "decision", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE,
					  &out->decision, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(body, "amount", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, 0,
					 INT64_MAX, &out->amount, err);
	if (rc == CLAW_OK && json_object_object_get_ex(body, "comments", &cm) && cm != NULL) {
		if (!json_object_is_type(cm, json_type_array))
			return claw_error_set(err, CLAW_EINVAL, "comments must be an array");
		out->comments = claw_json_text(cm);
	}
	if (rc == CLAW_OK && json_object_object_get_ex(body, "spec", &cm) && cm != NULL) {
		if (!json_object_is_type(cm, json_type_object))
			return claw_error_set(err, CLAW_EINVAL,
					      "spec must be a solver (an object)");
		out->spec = claw_json_text(cm);
	}
	return rc;
}

enum claw_err
claw_api_message_body_parse(struct json_object *body, const char **text, struct claw_error *err)
{
	static const char *const keys[] = {"text", NULL};
	enum claw_err rc = claw_json_check_keys(body, keys, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "text", CLAW_JSON_REQUIRED, text, err);
	return rc;
}

/* Reads a body that must hold no fields (start, stop, close). */
static bool
empty_body(struct claw_req *req)
{
	struct json_object *body = NULL;
	struct claw_error err = {0};
	enum claw_err rc = claw_req_body_json(req, &body, &err);
	if (rc == CLAW_OK)
		rc = claw_api_empty_body_parse(body, &err);
	json_object_put(body);
	if (rc != CLAW_OK)
		claw_req_fail(req, &err);
	return rc == CLAW_OK;
}

/* Project, issue id and the issue row's existence from the captures. */
static struct claw_db *
issue_of(struct claw_req *req, char key[CLAW_PROJECT_KEY_SIZE], int64_t *id)
{
	struct claw_issue is = {0};
	struct claw_db *db = claw_api_project_db(req, key);
	if (db == NULL || !claw_api_id(req, 1, "issue", id) || !claw_api_issue(req, db, *id, &is))
		return NULL;
	claw_issue_free(&is);
	return db;
}

void
claw_api_issue_start(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(256);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t id, run_id = 0;
	bool queued = false;

	db = issue_of(req, key, &id);
	if (db == NULL || !empty_body(req))
		goto out;
	if (claw_runs_start(claw_server_runs(srv), db, key, id, claw_req_user(req), &run_id,
			    &queued, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_printf(&out, "{\"runId\":%lld,\"queued\":%s}", (long long)run_id,
			      queued ? "true" : "false");
	claw_req_json(req, 202, &out);
out:
	claw_buf_free(&out);
}

/* The open gate of run_id: where its thread is parked, else the journal's.
 * Answers 409 when there is none. */
static bool
open_gate(struct claw_req *req, struct claw_server *srv, struct claw_db *db, const char *key,
	  int64_t issue_id, int64_t run_id, int64_t *gate_id, enum claw_gate_kind *kind)
{
	struct claw_trace_gate g = {0};
	struct claw_error err = {0};
	enum claw_err rc;

	if (claw_gates_parked(claw_server_gates(srv), key, run_id, gate_id, kind))
		return true;
	rc = claw_reader_open_gate(db, run_id, &g, &err);
	if (rc == CLAW_OK) {
		*gate_id = g.id;
		if (claw_gate_kind_parse(g.kind, kind) != CLAW_OK) {
			claw_req_failf(req, CLAW_EINTERNAL, "gate %lld has an unknown kind %s",
				       (long long)g.id, g.kind);
			rc = CLAW_EINVAL;
		}
	} else if (rc == CLAW_ENOTFOUND) {
		claw_req_failf(req, CLAW_ECONFLICT, "issue #%lld has no open gate",
			       (long long)issue_id);
	} else {
		claw_req_fail(req, &err);
	}
	claw_trace_gate_free(&g);
	return rc == CLAW_OK;
}

/* An edited solver goes only with approving one, and must pass the same
 * validator as a generated one (with the configured budget ceilings, and
 * the language's tool names: the run's own registry, with its MCP tools, is
 * the run's to check); otherwise 400 with the validator's messages, and
 * nothing is recorded. */
static bool
edited_solver_ok(struct claw_req *req, const struct claw_config *cfg, enum claw_gate_kind kind,
		 const struct claw_api_answer_body *ab)
{
	struct claw_spec_limits limits = claw_spec_limits_for_solver(cfg, NULL);
	struct claw_workflow *wf = NULL;
	struct claw_problems pr;

	if (kind != CLAW_GATE_APPROVE || strcmp(ab->decision, "approve") != 0) {
		claw_req_failf(req, CLAW_EINVAL, "spec goes with approving a solver");
		return false;
	}
	claw_problems_init(&pr);
	bool valid = claw_workflow_parse(ab->spec, strlen(ab->spec), &limits, &wf, &pr) == CLAW_OK;
	if (!valid) {
		char *problems = claw_problems_join(&pr);
		claw_req_failf(req, CLAW_EINVAL, "the edited solver is not valid:\n%s", problems);
		free(problems);
	}
	claw_problems_free(&pr);
	claw_workflow_free(wf);
	return valid;
}

void
claw_api_issue_answer(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct json_object *body = NULL;
	struct claw_error err = {0};
	struct claw_run run = {0};
	struct claw_buf out = CLAW_BUF_INIT(256);
	struct claw_gate_answer a = {0};
	struct claw_api_answer_body ab = {0};
	char key[CLAW_PROJECT_KEY_SIZE];
	int64_t id, open_id = 0;
	enum claw_gate_kind kind = CLAW_GATE_QUESTION;
	bool claimed = false;
	struct claw_db *db;
	enum claw_err rc;

	db = issue_of(req, key, &id);
	if (db == NULL)
		goto out;
	rc = claw_req_body_json(req, &body, &err);
	if (rc == CLAW_OK)
		rc = claw_api_answer_body_parse(body, &ab, &err);
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	rc = claw_run_active_of_issue(db, id, &run, &err);
	if (rc == CLAW_ENOTFOUND) {
		claw_req_failf(req, CLAW_ECONFLICT, "issue #%lld has no open gate", (long long)id);
		goto out;
	}
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	if (!open_gate(req, srv, db, key, id, run.id, &open_id, &kind))
		goto out;
	if (ab.gate != open_id) {
		claw_req_failf(req, CLAW_ECONFLICT,
			       "gate %lld is not open (issue #%lld waits on gate %lld); it may be "
			       "answered already",
			       (long long)ab.gate, (long long)id, (long long)open_id);
		goto out;
	}
	if ((kind == CLAW_GATE_REVIEW ? claw_review_check(ab.decision, ab.text, ab.comments, &err)
	     : ab.comments != NULL
		     ? claw_error_set(&err, CLAW_EINVAL, "comments go with a review gate")
		     : claw_gate_check(kind, ab.text, ab.decision, ab.amount, &err)) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	if (ab.spec != NULL && !edited_solver_ok(req, claw_server_config(srv), kind, &ab))
		goto out;
	/* A review decision that lands is carried out first: refused, it
	 * changes nothing and the gate stays open (review.h). */
	if (kind == CLAW_GATE_REVIEW && claw_review_decision_lands(ab.decision) &&
	    claw_review_land(db, claw_server_config(srv), run.id, ab.decision, NULL, &err) !=
		    CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	a.text = claw_xstrdup(ab.text);
	a.decision = claw_xstrdup(ab.decision);
	a.amount = ab.amount;
	a.by = claw_xstrdup(claw_req_user(req));
	a.comments = ab.comments != NULL ? claw_xstrdup(ab.comments) : NULL;
	a.spec = ab.spec != NULL ? claw_xstrdup(ab.spec) : NULL;
	if (claw_gates_answer(claw_server_gates(srv), key, run.id, ab.gate, &a, &claimed, &err) !=
	    CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	if (claimed) {
		char *db_path = claw_project_db_path(claw_server_config(srv)->home, key);
		a.recorded = true;
		rc = claw_gate_record_answer(db_path, key, claw_server_bus(srv), run.id, ab.gate,
					     &a, NULL, &err);
		free(db_path);
		claw_gates_unclaim(claw_server_gates(srv), key, run.id);
		if (rc == CLAW_OK)
			rc = claw_runs_resume(claw_server_runs(srv), key, id, run.id, a.by, &err);
		if (rc != CLAW_OK) {
			claw_req_fail(req, &err);
			goto out;
		}
	}
	claw_board_notify(claw_server_board(srv), key, id);
	claw_log_info("server: gate %lld of run %lld (%s) answered by %s", (long long)ab.gate,
		      (long long)run.id, key, a.by);
	(void)claw_buf_printf(&out, "{\"gate\":%lld,\"runId\":%lld}", (long long)ab.gate,
			      (long long)run.id);
	claw_req_json(req, 202, &out);
out:
	claw_gate_answer_free(&a);
	claw_run_free(&run);
	claw_buf_free(&out);
	json_object_put(body);
}

void
claw_api_issue_stop(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(256);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t id;

	db = issue_of(req, key, &id);
	if (db == NULL || !empty_body(req))
		goto out;
	if (claw_runs_stop(claw_server_runs(srv), db, key, id, claw_req_user(req), false, &err) !=
	    CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_printf(&out, "{\"id\":%lld,\"stopping\":true}", (long long)id);
	claw_req_json(req, 202, &out);
out:
	claw_buf_free(&out);
}

/* POST .../message (SPEC 11): a person's words to the issue's active run,
 * delivered at its next turn boundary (store/messages.h).  202 {"runId",
 * "id"}; 409 when no run is active; 400 for an empty text or one over
 * CLAW_MESSAGE_MAX bytes. */
void
claw_api_issue_message(void *ctx, struct claw_req *req)
{
	(void)ctx;
	struct json_object *body = NULL;
	struct claw_error err = {0};
	struct claw_run run = {0};
	struct claw_buf out = CLAW_BUF_INIT(256);
	char key[CLAW_PROJECT_KEY_SIZE];
	const char *text = NULL;
	int64_t id, msg = 0;
	enum claw_err rc;
	struct claw_db *db = issue_of(req, key, &id);

	if (db == NULL)
		goto out;
	rc = claw_req_body_json(req, &body, &err);
	if (rc == CLAW_OK)
		rc = claw_api_message_body_parse(body, &text, &err);
	if (rc == CLAW_OK) {
		rc = claw_run_active_of_issue(db, id, &run, &err);
		if (rc == CLAW_ENOTFOUND)
			rc = claw_error_set(&err, CLAW_ECONFLICT,
					    "issue #%lld has no active run to send a message to",
					    (long long)id);
	}
	if (rc == CLAW_OK)
		rc = claw_message_add(db, run.id, text, claw_req_user(req), &msg, &err);
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	claw_log_info("server: message %lld for run %lld (%s) from %s", (long long)msg,
		      (long long)run.id, key, claw_req_user(req));
	(void)claw_buf_printf(&out, "{\"runId\":%lld,\"id\":%lld}", (long long)run.id,
			      (long long)msg);
	claw_req_json(req, 202, &out);
out:
	claw_run_free(&run);
	claw_buf_free(&out);
	json_object_put(body);
}

void
claw_api_issue_close(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(256);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t id;
	enum claw_err rc;

	db = issue_of(req, key, &id);
	if (db == NULL || !empty_body(req))
		goto out;
	rc = claw_runs_stop(claw_server_runs(srv), db, key, id, claw_req_user(req), true, &err);
	if (rc == CLAW_ECONFLICT)
		rc = CLAW_OK; /* nothing active: just close */
	if (rc == CLAW_OK)
		rc = claw_issue_set_status(db, id, CLAW_ISSUE_CLOSED, &err);
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	claw_board_notify(claw_server_board(srv), key, id);
	claw_log_info("server: issue #%lld of %s closed by %s", (long long)id, key,
		      claw_req_user(req));
	(void)claw_buf_printf(&out, "{\"id\":%lld,\"status\":\"closed\"}", (long long)id);
	claw_req_json(req, 200, &out);
out:
	claw_buf_free(&out);
}
