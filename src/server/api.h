/*
 * api — the REST and stream routes of SPEC.md section 7, and what their
 * handlers share.
 *
 * One file per resource: api_projects.c (health, metrics, projects),
 * api_issues.c (issues, the board stream), api_control.c (start, answer,
 * stop, close), api_runs.c (trace, artifacts, the run stream).  The table
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

/* The handlers (ctx: struct claw_server). */
void claw_api_health(void *ctx, struct claw_req *req);
void claw_api_metrics(void *ctx, struct claw_req *req);
void claw_api_projects_list(void *ctx, struct claw_req *req);
void claw_api_projects_create(void *ctx, struct claw_req *req);
void claw_api_issues_list(void *ctx, struct claw_req *req);
void claw_api_issues_create(void *ctx, struct claw_req *req);
void claw_api_issue_get(void *ctx, struct claw_req *req);
void claw_api_board_stream(void *ctx, struct claw_req *req);
void claw_api_issue_start(void *ctx, struct claw_req *req);
void claw_api_issue_answer(void *ctx, struct claw_req *req);
void claw_api_issue_stop(void *ctx, struct claw_req *req);
void claw_api_issue_close(void *ctx, struct claw_req *req);
void claw_api_run_stream(void *ctx, struct claw_req *req);
void claw_api_run_trace(void *ctx, struct claw_req *req);
void claw_api_run_artifacts(void *ctx, struct claw_req *req);
void claw_api_run_artifact(void *ctx, struct claw_req *req);

#endif
