/*
 * api — the REST and stream routes of SPEC.md section 7, and what their
 * handlers share.
 *
 * One file per resource: api_projects.c (health, metrics, projects),
 * api_issues.c (issues, the board stream), api_control.c (start, answer,
 * stop, close), api_runs.c (trace, spans, artifacts, the run stream).  The table
 * is in api.c; the dispatcher (server.c) answers 404, 405, 413 and 415
 * before a handler runs, so a handler of a POST may assume a JSON content
 * type and a body within the cap.
 *
 * Every handler is called on a request worker with ctx = the struct
 * claw_server and answers exactly once (or detaches to the hub).
 *
 * Threads: request workers; handlers use the worker's db cache.
 */
#ifndef CLAW_SERVER_API_H
#define CLAW_SERVER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/err.h"
#include "server/route.h"
#include "store/db.h"
#include "store/issues.h"
#include "store/projects.h"

struct claw_req;

extern const struct claw_route claw_api_routes[];
extern const size_t claw_api_route_count;

/* The db of the project named by capture 0, from the worker's cache, with
 * the key in key; on failure answers 404 "unknown project KEY" and returns
 * NULL. */
struct claw_db *claw_api_project_db(struct claw_req *req, char key[CLAW_PROJECT_KEY_SIZE]);
/* Capture i as an id (1..INT64_MAX); on failure answers 404 "<what> #<text>
 * not found" and returns false. */
bool claw_api_id(struct claw_req *req, size_t i, const char *what, int64_t *out);
/* Loads issue id into *out (claw_issue_free); on failure answers (404 or
 * 500) and returns false. */
bool claw_api_issue(struct claw_req *req, struct claw_db *db, int64_t id, struct claw_issue *out);

/* The last id a stream client has: Last-Event-ID (an unparsable one is
 * -1), else the since query parameter, else -1.  On a bad since answers 400
 * and returns false. */
bool claw_api_stream_since(struct claw_req *req, int64_t *since);

/* The bodies of the POST routes, parsed and checked (SPEC 7) without a
 * server, so they can be tested and fuzzed alone (tests/fuzz/fuzz_api.c).
 * body is the request's JSON object (claw_req_body_json); strings in the
 * outputs are borrowed from it.  Errors are CLAW_EINVAL with the message
 * for the 400 (`unknown field "x"`, `missing field "path"`, ...). */

/* POST /api/projects: {"path": absolute, "description"?: string|null}. */
struct claw_api_project_body {
	const char *path;        /* starts with '/' */
	const char *description; /* NULL when absent or null */
};
enum claw_err claw_api_project_body_parse(struct json_object *body,
					  struct claw_api_project_body *out,
					  struct claw_error *err);

/* PATCH /api/projects/{key}: {"isolation"?, "setup"?, "setup_net"?,
 * "description"?} into settings (absent: unchanged).  CLAW_EINVAL for an
 * unknown key, a wrong type, an unknown isolation or an empty body. */
enum claw_err claw_api_project_patch_parse(struct json_object *body,
					   struct claw_project_settings *out,
					   struct claw_error *err);

/* POST /api/projects/{key}/issues: {"title", "description"?: string|null}. */
struct claw_api_issue_body {
	const char *title;
	const char *description; /* NULL when absent or null */
};
enum claw_err claw_api_issue_body_parse(struct json_object *body, struct claw_api_issue_body *out,
					struct claw_error *err);

/* POST .../answer: {"gate": 1.., "text"?, "decision"?, "amount"?: 0.., "comments"?: []}. */
struct claw_api_answer_body {
	int64_t gate;
	const char *text;     /* "" when absent or null */
	const char *decision; /* "" when absent or null */
	int64_t amount;       /* 0 when absent or null */
	const char *comments; /* review changes: the array as JSON text (owned by the
				 parsed body); NULL when absent or null */
	const char *spec;     /* approve: the edited solver as JSON text (owned by the
				 parsed body); NULL when absent or null */
};
enum claw_err claw_api_answer_body_parse(struct json_object *body, struct claw_api_answer_body *out,
					 struct claw_error *err);

/* POST .../message: {"text": "..."} (*text borrowed from body; its length
 * and content are the store's to check, store/messages.h). */
enum claw_err claw_api_message_body_parse(struct json_object *body, const char **text,
					  struct claw_error *err);

/* POST .../start, .../stop, .../close: a body with no fields ({}). */
enum claw_err claw_api_empty_body_parse(struct json_object *body, struct claw_error *err);

/* The handlers (ctx: struct claw_server). */
void claw_api_health(void *ctx, struct claw_req *req);
void claw_api_metrics(void *ctx, struct claw_req *req);
void claw_api_projects_list(void *ctx, struct claw_req *req);
void claw_api_projects_create(void *ctx, struct claw_req *req);
void claw_api_project_patch(void *ctx, struct claw_req *req);
void claw_api_run_changes(void *ctx, struct claw_req *req);
void claw_api_run_changes_diff(void *ctx, struct claw_req *req);
void claw_api_issues_list(void *ctx, struct claw_req *req);
void claw_api_issues_create(void *ctx, struct claw_req *req);
void claw_api_issue_get(void *ctx, struct claw_req *req);
void claw_api_board_stream(void *ctx, struct claw_req *req);
void claw_api_issue_start(void *ctx, struct claw_req *req);
void claw_api_issue_answer(void *ctx, struct claw_req *req);
void claw_api_issue_stop(void *ctx, struct claw_req *req);
void claw_api_issue_message(void *ctx, struct claw_req *req);
void claw_api_issue_close(void *ctx, struct claw_req *req);
void claw_api_run_stream(void *ctx, struct claw_req *req);
void claw_api_run_trace(void *ctx, struct claw_req *req);
void claw_api_run_spans(void *ctx, struct claw_req *req);
void claw_api_run_artifacts(void *ctx, struct claw_req *req);
void claw_api_run_artifact(void *ctx, struct claw_req *req);

#endif
