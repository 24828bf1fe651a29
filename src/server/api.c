/*
 * api — the route table and the helpers handlers share.
 */
#include "server/api.h"

#include <stdio.h>

#include "server/dbcache.h"
#include "server/request.h"

/* Literal rows before capturing ones (.../issues/stream before .../issues/{id}). */
const struct claw_route claw_api_routes[] = {
	{"GET", "/api/health", claw_api_health},
	{"GET", "/api/metrics", claw_api_metrics},
	{"GET", "/api/projects", claw_api_projects_list},
	{"POST", "/api/projects", claw_api_projects_create},
	{"PATCH", "/api/projects/{key}", claw_api_project_patch},
	{"GET", "/api/projects/{key}/issues/stream", claw_api_board_stream},
	{"GET", "/api/projects/{key}/issues", claw_api_issues_list},
	{"POST", "/api/projects/{key}/issues", claw_api_issues_create},
	{"GET", "/api/projects/{key}/issues/{id}", claw_api_issue_get},
	{"POST", "/api/projects/{key}/issues/{id}/start", claw_api_issue_start},
	{"POST", "/api/projects/{key}/issues/{id}/answer", claw_api_issue_answer},
	{"POST", "/api/projects/{key}/issues/{id}/stop", claw_api_issue_stop},
	{"POST", "/api/projects/{key}/issues/{id}/message", claw_api_issue_message},
	{"POST", "/api/projects/{key}/issues/{id}/close", claw_api_issue_close},
	{"GET", "/api/projects/{key}/runs/{id}/stream", claw_api_run_stream},
	{"GET", "/api/projects/{key}/runs/{id}/trace", claw_api_run_trace},
	{"GET", "/api/projects/{key}/runs/{id}/spans", claw_api_run_spans},
	{"GET", "/api/projects/{key}/runs/{id}/artifacts", claw_api_run_artifacts},
	{"GET", "/api/projects/{key}/runs/{id}/changes", claw_api_run_changes},
	{"GET", "/api/projects/{key}/runs/{id}/changes/diff", claw_api_run_changes_diff},
	{"GET", "/api/projects/{key}/runs/{id}/artifacts/{n}", claw_api_run_artifact},
};
const size_t claw_api_route_count = sizeof claw_api_routes / sizeof claw_api_routes[0];

struct claw_db *
claw_api_project_db(struct claw_req *req, char key[CLAW_PROJECT_KEY_SIZE])
{
	struct claw_error err = {0};
	struct claw_db *db = NULL;

	if (!claw_req_capture(req, 0, key, CLAW_PROJECT_KEY_SIZE) || !claw_project_key_valid(key)) {
		claw_req_failf(req, CLAW_ENOTFOUND, "unknown project");
		return NULL;
	}
	if (claw_dbcache_get(claw_req_dbs(req), key, &db, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		return NULL;
	}
	return db;
}

bool
claw_api_id(struct claw_req *req, size_t i, const char *what, int64_t *out)
{
	char text[32];
	if (claw_req_capture(req, i, text, sizeof text) &&
	    claw_str_to_i64(claw_str_from(text), 1, INT64_MAX, out) == CLAW_OK && text[0] != '+')
		return true;
	claw_req_failf(req, CLAW_ENOTFOUND, "%s not found", what);
	return false;
}

bool
claw_api_issue(struct claw_req *req, struct claw_db *db, int64_t id, struct claw_issue *out)
{
	struct claw_error err = {0};
	if (claw_issue_get(db, id, out, &err) == CLAW_OK)
		return true;
	claw_req_fail(req, &err);
	return false;
}

bool
claw_api_stream_since(struct claw_req *req, int64_t *since)
{
	struct claw_error err = {0};
	const char *last = claw_req_param(req, "HTTP_LAST_EVENT_ID");

	*since = -1;
	if (last != NULL && last[0] != '\0') {
		if (claw_str_to_i64(claw_str_from(last), 0, INT64_MAX, since) != CLAW_OK)
			*since = -1; /* not an id we gave: start over */
		return true;
	}
	if (claw_req_query_i64(req, "since", 0, INT64_MAX, since, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		return false;
	}
	return true;
}
