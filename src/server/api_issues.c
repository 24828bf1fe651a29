/*
 * api_issues — the issues of a project: list, create, one, and the board
 * stream.
 *
 * The board stream's handler only checks the project and the Last-Event-ID,
 * writes the SSE headers and hands the connection to the hub, which
 * subscribes to the board topic and then replays (claw_board_replay).
 */
#include "server/api.h"

#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/log.h"
#include "server/board.h"
#include "server/issueview.h"
#include "server/request.h"
#include "server/server.h"
#include "server/sse.h"

void
claw_api_issues_list(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;

	bool gzip = claw_req_accepts_gzip(req);

	db = claw_api_project_db(req, key);
	if (db == NULL)
		return;
	if (claw_board_list(claw_server_board(srv), db, key, gzip, &out, &err) != CLAW_OK)
		claw_req_fail(req, &err);
	else
		claw_req_json_coded(req, 200, &out, gzip);
	claw_buf_free(&out);
}

enum claw_err
claw_api_issue_body_parse(struct json_object *body, struct claw_api_issue_body *out,
			  struct claw_error *err)
{
	static const char *const keys[] = {"title", "description", NULL};
	enum claw_err rc;

	out->title = NULL;
	out->description = NULL;
	rc = claw_json_check_keys(body, keys, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "title", CLAW_JSON_REQUIRED, &out->title, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "description",
					  CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE,
					  &out->description, err);
	return rc;
}

void
claw_api_issues_create(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct json_object *body = NULL;
	struct claw_error err = {0};
	struct claw_issue is = {0};
	struct claw_buf out = CLAW_BUF_INIT(4096);
	struct claw_api_issue_body ib = {0};
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t id = 0;
	enum claw_err rc;

	db = claw_api_project_db(req, key);
	if (db == NULL)
		return;
	rc = claw_req_body_json(req, &body, &err);
	if (rc == CLAW_OK)
		rc = claw_api_issue_body_parse(body, &ib, &err);
	if (rc == CLAW_OK)
		rc = claw_issue_create(db, ib.title, ib.description, &id, &err);
	if (rc == CLAW_OK)
		rc = claw_issue_get(db, id, &is, &err);
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_printf(&out, "{\"id\":%lld,\"title\":", (long long)id);
	(void)claw_json_buf_append_string(&out, is.title, strlen(is.title));
	(void)claw_buf_puts(&out, ",\"status\":\"open\"}");
	claw_req_json(req, 201, &out);
	claw_board_notify(claw_server_board(srv), key, id);
	claw_log_info("server: issue #%lld of %s opened by %s", (long long)id, key,
		      claw_req_user(req));
out:
	claw_issue_free(&is);
	claw_buf_free(&out);
	json_object_put(body);
}

void
claw_api_issue_get(void *ctx, struct claw_req *req)
{
	struct claw_error err = {0};
	struct claw_issue is = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t id;

	(void)ctx;
	db = claw_api_project_db(req, key);
	if (db == NULL || !claw_api_id(req, 1, "issue", &id) || !claw_api_issue(req, db, id, &is))
		goto out;
	if (claw_issueview_append(db, &is, CLAW_ISSUEVIEW_FULL, &out, &err) != CLAW_OK)
		claw_req_fail(req, &err);
	else
		claw_req_json(req, 200, &out);
out:
	claw_issue_free(&is);
	claw_buf_free(&out);
}

void
claw_api_board_stream(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_error err = {0};
	char key[CLAW_PROJECT_KEY_SIZE];
	int64_t since;
	int fd, reqid;

	if (claw_api_project_db(req, key) == NULL || !claw_api_stream_since(req, &since))
		return;
	if (claw_req_sse_begin(req, &err) != CLAW_OK ||
	    claw_req_detach(req, &fd, &reqid, &err) != CLAW_OK)
		return; /* the client went away; finishing closes the connection */
	claw_hub_add_board(claw_server_hub(srv), fd, reqid, key, since);
}
