/*
 * api_changes — a run's change (SPEC section 9): GET
 * /api/projects/{key}/runs/{id}/changes and .../changes/diff[?path=P], both
 * with ?step=NAME for one step's work (its last commit).
 *
 * The change of a run with its own worktree is read with tool/workdir.h:
 * base..branch, plus the current step's uncommitted work while the
 * worktree is there (those files carry "uncommitted": true).  Its steps are
 * the run's `commit` notes.  A run that works in place is read the same
 * way from its checkpoints (workdir.h: base = the folder at its start, the
 * folder itself as the work tree); it answers mode inplace and no branch.
 * A run from before checkpoints answers its mode and no files.  The git
 * commands run on the request worker (a few ms each; bench/worktree).
 */
#include "server/api.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "server/request.h"
#include "store/runs.h"
#include "tool/workdir.h"

#define API_PATH_MAX 4096 /* bytes of ?path= */
#define API_STEP_MAX 128  /* bytes of ?step= */

/* ?step=NAME: its commit range into from/to (*has says whether it was
 * given); false when the request already failed. */
static bool
step_of(struct claw_req *req, const struct claw_worktree *wt, bool *has,
	char from[CLAW_WORKDIR_SHA_SIZE], char to[CLAW_WORKDIR_SHA_SIZE])
{
	char step[API_STEP_MAX];
	struct claw_error err = {0};

	*has = false;
	if (claw_req_query(req, "step", step, sizeof step, has) != CLAW_OK) {
		claw_req_failf(req, CLAW_EINVAL, "query parameter step is too long");
		return false;
	}
	if (!*has)
		return true;
	if (wt->branch == NULL || wt->branch[0] == '\0') {
		claw_req_failf(req, CLAW_ENOTFOUND,
			       "this run worked in place: it has no step commits");
		return false;
	}
	if (claw_worktree_step_range(wt, step, from, to, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		return false;
	}
	return true;
}

/* The run's recorded work folder into *w and, for a worktree run, *wt
 * (strings moved out of w); NULL db when the request already failed. */
static struct claw_db *
work_of(struct claw_req *req, struct claw_run_work *w, struct claw_worktree *wt, int64_t *run_id)
{
	struct claw_error err = {0};
	struct claw_run run = {0};
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db = claw_api_project_db(req, key);

	memset(w, 0, sizeof *w);
	memset(wt, 0, sizeof *wt);
	if (db == NULL || !claw_api_id(req, 1, "run", run_id))
		return NULL;
	if (claw_run_get(db, *run_id, &run, &err) != CLAW_OK ||
	    claw_run_get_work(db, *run_id, w, &err) != CLAW_OK) {
		claw_run_free(&run);
		claw_req_fail(req, &err);
		return NULL;
	}
	claw_run_free(&run);
	claw_worktree_from_run(w, wt);
	return db;
}

static void
put_str(struct claw_buf *out, const char *name, const char *v)
{
	(void)claw_buf_printf(out, "\"%s\":", name);
	(void)claw_json_buf_append_string(out, v, strlen(v));
}

/* "steps": the run's commit notes, oldest first. */
static enum claw_err
put_steps(struct claw_db *db, int64_t run_id, struct claw_buf *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(
		db,
		"SELECT json_object('step', json_extract(data, '$.step'), 'sha',"
		" json_extract(data, '$.sha'), 'files', json_extract(data, '$.files'),"
		" 'additions', json_extract(data, '$.additions'), 'deletions',"
		" json_extract(data, '$.deletions')) FROM trace WHERE run_id = ? AND type = 'note'"
		" AND json_extract(data, '$.action') = 'commit' AND json_extract(data, '$.sha')"
		" IS NOT NULL ORDER BY seq",
		&st, err);
	int s, n = 0;

	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	(void)claw_buf_puts(out, ",\"steps\":[");
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		(void)claw_buf_printf(out, "%s%s", n++ > 0 ? "," : "",
				      (const char *)sqlite3_column_text(st, 0));
	(void)claw_buf_putc(out, ']');
	if (s != SQLITE_DONE)
		rc = claw_db_fail(db, "read the run's commits", err);
	claw_db_finish(st);
	return rc;
}

void
claw_api_run_changes(void *ctx, struct claw_req *req)
{
	struct claw_run_work w;
	struct claw_worktree wt;
	struct claw_changes ch = {0};
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_REQ_RESPONSE_MAX);
	char from[CLAW_WORKDIR_SHA_SIZE], to[CLAW_WORKDIR_SHA_SIZE];
	int64_t run_id = 0;
	bool by_step = false;
	enum claw_err rc = CLAW_OK;

	(void)ctx;
	struct claw_db *db = work_of(req, &w, &wt, &run_id);
	if (db == NULL || !step_of(req, &wt, &by_step, from, to))
		goto out;
	bool worktree = wt.branch != NULL && wt.branch[0] != '\0';
	(void)claw_buf_printf(&out, "{\"mode\":\"%s\",",
			      worktree && !wt.checkpoints ? "worktree" : "inplace");
	put_str(&out, "base", wt.base);
	(void)claw_buf_putc(&out, ',');
	if (by_step)
		rc = claw_worktree_changes_between(&wt, from, to, &ch, &err);
	else if (worktree)
		rc = claw_worktree_changes(&wt, true, &ch, &err);
	/* The run's last commit once it ended, else the branch's tip now (the
	 * change read it, unless it is a step's). */
	char head[CLAW_WORKDIR_SHA_SIZE] = "";
	if (w.head != NULL && w.head[0] != '\0')
		(void)snprintf(head, sizeof head, "%s", w.head);
	else if (!by_step)
		(void)snprintf(head, sizeof head, "%s", ch.head);
	else if (worktree)
		(void)claw_worktree_head(&wt, head, NULL);
	put_str(&out, "head", head);
	(void)claw_buf_putc(&out, ',');
	put_str(&out, "branch", worktree && !wt.checkpoints ? wt.branch : "");
	if (rc == CLAW_OK) {
		(void)claw_buf_putc(&out, ',');
		claw_changes_json(&ch, 0, &out);
		rc = put_steps(db, run_id, &out, &err);
	}
	(void)claw_buf_putc(&out, '}');
	if (rc != CLAW_OK)
		claw_req_fail(req, &err);
	else if (claw_buf_error(&out) != CLAW_OK)
		claw_req_failf(req, CLAW_EINTERNAL, "the change is too big to list");
	else
		claw_req_json(req, 200, &out);
out:
	claw_changes_free(&ch);
	claw_worktree_free(&wt);
	claw_run_work_free(&w);
	claw_buf_free(&out);
}

void
claw_api_run_changes_diff(void *ctx, struct claw_req *req)
{
	struct claw_run_work w;
	struct claw_worktree wt;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_WORKDIR_DIFF_MAX + 4096);
	char path[API_PATH_MAX], from[CLAW_WORKDIR_SHA_SIZE], to[CLAW_WORKDIR_SHA_SIZE];
	bool has_path = false, by_step = false;
	int64_t run_id = 0;

	(void)ctx;
	struct claw_db *db = work_of(req, &w, &wt, &run_id);
	if (db == NULL || !step_of(req, &wt, &by_step, from, to))
		goto out;
	if (claw_req_query(req, "path", path, sizeof path, &has_path) != CLAW_OK) {
		claw_req_failf(req, CLAW_EINVAL, "query parameter path is longer than %d bytes",
			       API_PATH_MAX - 1);
		goto out;
	}
	if (has_path && (path[0] == '\0' || path[0] == '-' || path[0] == '/')) {
		claw_req_failf(req, CLAW_EINVAL, "path must be a path in the repository: %s", path);
		goto out;
	}
	if (wt.branch == NULL || wt.branch[0] == '\0') {
		claw_req_text(req, 200, "text/x-diff; charset=utf-8", "", 0);
		goto out;
	}
	if ((by_step ? claw_worktree_diff_between(&wt, from, to, has_path ? path : NULL, &out, &err)
		     : claw_worktree_diff(&wt, true, has_path ? path : NULL, &out, &err)) !=
	    CLAW_OK)
		claw_req_fail(req, &err);
	else
		claw_req_text(req, 200, "text/x-diff; charset=utf-8", claw_buf_str(&out),
			      claw_buf_len(&out));
out:
	claw_worktree_free(&wt);
	claw_run_work_free(&w);
	claw_buf_free(&out);
}
