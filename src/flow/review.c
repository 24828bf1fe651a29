/*
 * review — the review gate: checking answers, landing them under the
 * journal, and the run's side of the gate.  See review.h.
 */
#include "flow/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "flow/engine.h"
#include "flow/gate.h"
#include "flow/runner.h"
#include "llm/message.h"
#include "store/state.h"
#include "store/issues.h"
#include "tool/workdir.h"
#include "trace/reader.h"
#include "trace/record.h"
#include "trace/tracer.h"

#define PATH_MAX_BYTES 4096         /* bytes of a comment's path */
#define BODY_MAX_BYTES (16 * 1024)  /* bytes of a comment's body */
#define LINE_TEXT_MAX 512           /* bytes of a commented line kept */
#define FILE_READ_MAX (8 << 20)     /* bytes of a file read to find a commented line */
#define REVIEW_ROUNDS_MAX 64        /* gates raised in one claw_review_gate call */
#define COMMENTS_TEXT_MAX (1 << 20) /* bytes of the comments written in a rework prompt */

static const char *const decisions[] = {"merge", "keep", "discard", "accept", "revert", "changes"};

bool
claw_review_decision_known(const char *decision)
{
	return claw_str_lookup(decisions, sizeof decisions / sizeof decisions[0], decision) >= 0;
}

bool
claw_review_decision_lands(const char *decision)
{
	return claw_review_decision_known(decision) && strcmp(decision, "changes") != 0;
}

/* --------------------------------------------------------------- checks */

/* A comment's path: relative, inside the repository, no empty or dot
 * components. */
static bool
path_ok(const char *p)
{
	if (p[0] == '\0' || p[0] == '/' || strlen(p) >= PATH_MAX_BYTES)
		return false;
	for (struct claw_str rest = claw_str_from(p); rest.n > 0;) {
		struct claw_str part = claw_str_cut(&rest, '/');
		if (part.n == 0 || claw_str_eq_cstr(part, ".") || claw_str_eq_cstr(part, ".."))
			return false;
	}
	return true;
}

static enum claw_err
check_comment(struct json_object *c, size_t i, struct claw_error *err)
{
	static const char *const keys[] = {"path", "line", "body", NULL};
	const char *path = NULL, *body = NULL;
	int64_t line = 0;
	enum claw_err rc;

	if (!json_object_is_type(c, json_type_object))
		return claw_error_set(err, CLAW_EINVAL, "comments[%zu] is not an object", i);
	rc = claw_json_check_keys(c, keys, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(c, "path", CLAW_JSON_REQUIRED, &path, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(c, "line", CLAW_JSON_REQUIRED, 1, 10000000, &line, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(c, "body", CLAW_JSON_REQUIRED, &body, err);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "comments[%zu]", i);
		return rc;
	}
	if (!path_ok(path))
		return claw_error_set(err, CLAW_EINVAL,
				      "comments[%zu].path must be a file's path in the repository "
				      "(relative, no . or .. parts)",
				      i);
	if (claw_str_trim(claw_str_from(body)).n == 0 || strlen(body) > BODY_MAX_BYTES)
		return claw_error_set(err, CLAW_EINVAL, "comments[%zu].body must be 1 to %d bytes",
				      i, BODY_MAX_BYTES);
	return CLAW_OK;
}

enum claw_err
claw_review_check(const char *decision, const char *text, const char *comments,
		  struct claw_error *err)
{
	struct json_object *cm = NULL;
	size_t n = 0;
	enum claw_err rc = CLAW_OK;

	decision = decision != NULL ? decision : "";
	text = text != NULL ? text : "";
	if (!claw_review_decision_known(decision))
		return claw_error_set(
			err, CLAW_ECONFLICT,
			"a review gate takes the decision merge, keep, discard, accept, "
			"revert or changes, got \"%.32s\"",
			decision);
	if (comments != NULL) {
		if (strlen(comments) > CLAW_REVIEW_COMMENTS_BYTES)
			return claw_error_set(err, CLAW_EINVAL, "comments are over %d KiB",
					      CLAW_REVIEW_COMMENTS_BYTES / 1024);
		if (claw_json_parse(comments, strlen(comments), &cm, err) != CLAW_OK)
			return CLAW_EINVAL;
		if (!json_object_is_type(cm, json_type_array)) {
			rc = claw_error_set(err, CLAW_EINVAL, "comments must be an array");
			goto out;
		}
		n = json_object_array_length(cm);
		if (n > CLAW_REVIEW_COMMENTS_MAX) {
			rc = claw_error_set(err, CLAW_EINVAL, "at most %d comments in one review",
					    CLAW_REVIEW_COMMENTS_MAX);
			goto out;
		}
		for (size_t i = 0; i < n && rc == CLAW_OK; i++)
			rc = check_comment(json_object_array_get_idx(cm, i), i, err);
		if (rc != CLAW_OK)
			goto out;
	}
	if (strcmp(decision, "changes") == 0) {
		if (n == 0 && claw_str_trim(claw_str_from(text)).n == 0)
			rc = claw_error_set(err, CLAW_EINVAL,
					    "changes needs text or comments saying what to change");
	} else if (cm != NULL) {
		rc = claw_error_set(err, CLAW_EINVAL, "comments go with the decision changes");
	}
out:
	json_object_put(cm);
	return rc;
}

/* -------------------------------------------------------------- landing */

/* The newest review question's payload field summary ("" when none). */
static char *
review_summary(struct claw_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	char *s = NULL;

	if (claw_db_stmt(
		    db,
		    "SELECT json_extract(data, '$.payload.summary') FROM trace WHERE run_id = ?"
		    " AND type = 'question' AND json_extract(data, '$.kind') = 'review'"
		    " ORDER BY seq DESC LIMIT 1",
		    &st, NULL) == CLAW_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			s = claw_db_column_dup(st, 0);
	}
	claw_db_finish(st);
	return s != NULL ? s : claw_xstrdup("");
}

struct journal_arg {
	struct claw_db *db;
	int64_t run_id;
	bool begun;
};

static enum claw_err
journal_begin(void *varg, const char *ref, const char *old, const char *commit,
	      struct claw_error *err)
{
	struct journal_arg *a = varg;
	char text[CLAW_RUN_LANDING_MAX];

	if ((size_t)snprintf(text, sizeof text, "merging %s %s %s", ref, old, commit) >=
	    sizeof text)
		return claw_error_set(err, CLAW_ETOOBIG, "the branch name %s is too long", ref);
	a->begun = true;
	return claw_run_set_landing(a->db, a->run_id, text, err);
}

/* Removes what a landed run no longer needs; a failure is only logged:
 * the change has landed. */
static void
tidy(const struct claw_worktree *wt, bool delete_branch, int64_t run_id)
{
	struct claw_error err = {0};
	if (claw_worktree_remove(wt, delete_branch, &err) != CLAW_OK)
		claw_log_warn("run #%lld: %s", (long long)run_id, claw_error_text(&err));
}

static enum claw_err finish_merging(struct claw_db *db, int64_t run_id,
				    const struct claw_worktree *wt, char *landing,
				    struct claw_error *err);

/* The merge: one commit "<title> (#N)" with the solver's summary and the
 * trailers, under the journal. */
static enum claw_err
merge(struct claw_db *db, const struct claw_config *cfg, const struct claw_run *run,
      const struct claw_worktree *wt, char *landing, struct claw_error *err)
{
	struct claw_issue is = {0};
	struct journal_arg ja = {db, run->id, false};
	struct claw_merge_journal j = {journal_begin, &ja};
	struct claw_buf msg = CLAW_BUF_INIT(CLAW_REVIEW_SUMMARY_MAX + 4096);
	char sha[CLAW_WORKDIR_SHA_SIZE];
	char *summary = review_summary(db, run->id);
	enum claw_err rc = claw_issue_get(db, run->issue_id, &is, err);

	if (rc != CLAW_OK)
		goto out;
	(void)claw_buf_printf(&msg, "%s (#%lld)\n\n", is.title, (long long)is.id);
	if (summary[0] != '\0')
		(void)claw_buf_printf(&msg, "%.*s\n\n", CLAW_REVIEW_SUMMARY_MAX, summary);
	(void)claw_buf_printf(&msg, "Claw-Issue: %lld\nClaw-Run: %lld\n", (long long)is.id,
			      (long long)run->id);
	rc = claw_worktree_merge(wt, claw_buf_str(&msg), cfg->git_author, &j, sha, err);
	if (rc != CLAW_OK) {
		/* Failed after the journal: the journal is cleared only when the
		 * folder is as before (a refusal moves the files back); anything
		 * else stays journaled, to be finished by the next look. */
		char *was = NULL;
		if (ja.begun && claw_run_get_landing(db, run->id, &was, NULL) == CLAW_OK) {
			char back[CLAW_RUN_LANDING_MAX];
			(void)snprintf(back, sizeof back, "%s", was);
			if (finish_merging(db, run->id, wt, back, NULL) == CLAW_OK &&
			    claw_review_landed_as(back) != NULL) {
				(void)snprintf(landing, CLAW_RUN_LANDING_MAX, "%s", back);
				claw_error_clear(err);
				rc = CLAW_OK;
			}
		}
		free(was);
		goto out;
	}
	(void)snprintf(landing, CLAW_RUN_LANDING_MAX, "merged %s", sha[0] != '\0' ? sha : "-");
	rc = claw_run_set_landing(db, run->id, landing, err);
	if (rc == CLAW_OK)
		tidy(wt, true, run->id);
out:
	free(summary);
	claw_buf_free(&msg);
	claw_issue_free(&is);
	return rc;
}

/* A "merging" journal left by a crash: finished or undone; landing gets
 * "merged SHA" or "". */
static enum claw_err
finish_merging(struct claw_db *db, int64_t run_id, const struct claw_worktree *wt, char *landing,
	       struct claw_error *err)
{
	char ref[CLAW_RUN_LANDING_MAX], old[CLAW_WORKDIR_SHA_SIZE], commit[CLAW_WORKDIR_SHA_SIZE];
	bool landed = false;
	enum claw_err rc = CLAW_OK;

	if (sscanf(landing, "merging %511s %64s %64s", ref, old, commit) == 3)
		rc = claw_worktree_merge_finish(wt, ref, old, commit, &landed, err);
	if (rc != CLAW_OK)
		return rc;
	if (landed)
		(void)snprintf(landing, CLAW_RUN_LANDING_MAX, "merged %s", commit);
	else
		landing[0] = '\0';
	claw_log_info("run #%lld: an interrupted merge was %s", (long long)run_id,
		      landed ? "finished" : "undone (nothing had moved)");
	rc = claw_run_set_landing(db, run_id, landing, err);
	if (rc == CLAW_OK && landed)
		tidy(wt, true, run_id);
	return rc;
}

const char *
claw_review_landed_as(const char *landing)
{
	static const char *const done[][2] = {{"kept", "keep"},
					      {"discarded", "discard"},
					      {"accepted", "accept"},
					      {"reverted", "revert"}};
	if (strncmp(landing, "merged ", 7) == 0)
		return "merge";
	for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
		if (strcmp(landing, done[i][0]) == 0)
			return done[i][1];
	return NULL;
}

/* Sets the journal to text (also into landing). */
static enum claw_err
journal(struct claw_db *db, int64_t run_id, const char *text, char *landing, struct claw_error *err)
{
	(void)snprintf(landing, CLAW_RUN_LANDING_MAX, "%s", text);
	return claw_run_set_landing(db, run_id, landing, err);
}

/* keep: the branch stays, the worktree goes. */
static enum claw_err
keep(struct claw_db *db, int64_t run_id, const struct claw_worktree *wt, char *landing,
     struct claw_error *err)
{
	enum claw_err rc = journal(db, run_id, "kept", landing, err);
	if (rc == CLAW_OK)
		tidy(wt, false, run_id);
	return rc;
}

/* revert (in place): the start checkpoint back over the run's files,
 * refused when one changed outside the run since its last checkpoint;
 * check false when finishing a revert the journal says was under way. */
static enum claw_err
revert(struct claw_db *db, int64_t run_id, const struct claw_worktree *wt, bool check,
       char *landing, struct claw_error *err)
{
	struct claw_buf outside = CLAW_BUF_INIT(64 * 1024);
	enum claw_err rc = check ? claw_checkpoint_outside(wt, &outside, err) : CLAW_OK;

	if (rc == CLAW_OK && claw_buf_len(&outside) != 0)
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "files changed outside the run since its last checkpoint: %s "
				    "(a revert would overwrite them; nothing was changed)",
				    claw_buf_str(&outside));
	if (rc == CLAW_OK)
		rc = journal(db, run_id, "reverting", landing, err);
	if (rc == CLAW_OK)
		rc = claw_checkpoint_revert(wt, err);
	if (rc == CLAW_OK)
		rc = journal(db, run_id, "reverted", landing, err);
	claw_buf_free(&outside);
	return rc;
}

/* Whether decision fits how the run worked. */
static enum claw_err
fits(int64_t run_id, const struct claw_worktree *wt, const char *decision, struct claw_error *err)
{
	bool in_place = strcmp(decision, "accept") == 0 || strcmp(decision, "revert") == 0;
	if (wt->checkpoints && !in_place)
		return claw_error_set(
			err, CLAW_ECONFLICT,
			"run #%lld worked in the project folder itself: accept, revert "
			"or changes, not %s",
			(long long)run_id, decision);
	if (!wt->checkpoints && in_place)
		return claw_error_set(
			err, CLAW_ECONFLICT,
			"run #%lld worked in its own worktree: merge, keep, discard or "
			"changes, not %s",
			(long long)run_id, decision);
	return CLAW_OK;
}

/* With the landing lock held. */
static enum claw_err
land_locked(struct claw_db *db, const struct claw_config *cfg, int64_t run_id, const char *decision,
	    char *landing, struct claw_error *err)
{
	struct claw_run run = {0};
	struct claw_run_work w = {0};
	struct claw_worktree wt = {0};
	char head[CLAW_WORKDIR_SHA_SIZE];
	char *was = NULL;
	const char *done;
	enum claw_err rc = claw_run_get(db, run_id, &run, err);

	if (rc == CLAW_OK)
		rc = claw_run_get_work(db, run_id, &w, err);
	if (rc == CLAW_OK)
		rc = claw_run_get_landing(db, run_id, &was, err);
	if (rc == CLAW_OK && w.branch[0] == '\0')
		rc = claw_error_set(err, CLAW_EINVAL, "run #%lld has no change of its own to %s",
				    (long long)run_id, decision);
	if (rc != CLAW_OK)
		goto out;
	claw_worktree_from_run(&w, &wt);
	(void)snprintf(landing, CLAW_RUN_LANDING_MAX, "%s", was);
	/* What a crash interrupted is finished first. */
	if (strncmp(landing, "merging ", 8) == 0)
		rc = finish_merging(db, run_id, &wt, landing, err);
	else if (strcmp(landing, "reverting") == 0)
		rc = revert(db, run_id, &wt, false, landing, err);
	if (rc != CLAW_OK)
		goto out;
	done = claw_review_landed_as(landing);
	if (done != NULL) {
		if (strcmp(done, decision) != 0)
			rc = claw_error_set(err, CLAW_ECONFLICT,
					    "run #%lld's change was already %s", (long long)run_id,
					    landing);
		goto out;
	}
	rc = fits(run_id, &wt, decision, err);
	/* The run's last commit goes on its row first: once its branch is
	 * gone its change is read as base..head (claw_worktree_from_run). */
	if (rc == CLAW_OK)
		rc = claw_worktree_head(&wt, head, err);
	if (rc == CLAW_OK)
		rc = claw_run_set_head(db, run_id, head, err);
	if (rc != CLAW_OK)
		goto out;
	if (strcmp(decision, "merge") == 0) {
		rc = merge(db, cfg, &run, &wt, landing, err);
	} else if (strcmp(decision, "keep") == 0) {
		rc = keep(db, run_id, &wt, landing, err);
	} else if (strcmp(decision, "accept") == 0) {
		rc = journal(db, run_id, "accepted", landing, err);
	} else if (strcmp(decision, "revert") == 0) {
		rc = revert(db, run_id, &wt, true, landing, err);
	} else {
		rc = journal(db, run_id, "discarded", landing, err);
		if (rc == CLAW_OK)
			tidy(&wt, true, run_id);
	}
	if (rc != CLAW_OK && landing[0] == '\0') /* refused, nothing begun: the run
						     still works on its branch */
		(void)claw_run_set_head(db, run_id, "", NULL);
out:
	free(was);
	claw_worktree_free(&wt);
	claw_run_work_free(&w);
	claw_run_free(&run);
	return rc;
}

enum claw_err
claw_review_land(struct claw_db *db, const struct claw_config *cfg, int64_t run_id,
		 const char *decision, char *landing, struct claw_error *err)
{
	char own[CLAW_RUN_LANDING_MAX];
	int fd = -1;
	enum claw_err rc;

	if (!claw_review_decision_lands(decision))
		return claw_error_set(err, CLAW_EINVAL, "%.32s is no decision that lands a change",
				      decision);
	rc = claw_runner_lock(claw_db_path(db), CLAW_REVIEW_LOCK_BASE + run_id, &fd, err);
	if (rc == CLAW_ECONFLICT)
		return claw_error_set(err, CLAW_ECONFLICT,
				      "the review of run #%lld is being answered by someone else",
				      (long long)run_id);
	if (rc != CLAW_OK)
		return rc;
	rc = land_locked(db, cfg, run_id, decision, landing != NULL ? landing : own, err);
	(void)close(fd);
	return rc;
}

/* ------------------------------------------------------- the run's side */

/* The newest answer to a review gate of the run: its gate id (0 when
 * none), how many review answers there are, and the answer's data. */
struct last_review {
	int64_t gate_id;
	int64_t answers;
	struct json_object *data; /* owned */
};

static enum claw_err
last_review(struct claw_flow_ctx *ctx, struct last_review *out, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = claw_db_stmt(
		ctx->db,
		"SELECT q.span_id, a.data, count(*) OVER () FROM trace a JOIN trace q"
		" ON q.run_id = a.run_id AND q.span_id = CAST(json_extract(a.data, '$.ref')"
		" AS INTEGER) AND q.type = 'question' WHERE a.run_id = ? AND a.type = 'answer'"
		" AND json_extract(q.data, '$.kind') = 'review' ORDER BY a.seq DESC LIMIT 1",
		&st, err);
	int s;

	memset(out, 0, sizeof *out);
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ctx->run_id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 1);
		out->gate_id = sqlite3_column_int64(st, 0);
		out->answers = sqlite3_column_int64(st, 2);
		if (d == NULL || claw_json_parse(d, strlen(d), &out->data, NULL) != CLAW_OK)
			out->data = json_object_new_object();
	} else if (s != SQLITE_DONE) {
		rc = claw_db_fail(ctx->db, "read the run's reviews", err);
	}
	claw_db_finish(st);
	return rc;
}

/* True when a `back` record answers review gate gate_id already. */
static bool
acted_on(struct claw_flow_ctx *ctx, int64_t gate_id)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;
	if (claw_db_stmt(ctx->db,
			 "SELECT 1 FROM trace WHERE run_id = ? AND type = 'back'"
			 " AND json_extract(data, '$.gate') = ? LIMIT 1",
			 &st, NULL) == CLAW_OK) {
		sqlite3_bind_int64(st, 1, ctx->run_id);
		sqlite3_bind_int64(st, 2, gate_id);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	claw_db_finish(st);
	return yes;
}

/* The step a review's changes go to: the last step's back_to, else the
 * last step whose palette can write files, else the last ai step, else
 * the last step. */
static size_t
rework_target(const struct claw_workflow *wf)
{
	const struct claw_step *last = &wf->steps[wf->nsteps - 1];
	if (last->back_to >= 0)
		return (size_t)last->back_to;
	for (size_t i = wf->nsteps; i > 0; i--) {
		const struct claw_step *st = &wf->steps[i - 1];
		if (st->kind != CLAW_STEP_AI)
			continue;
		if (!st->has_tools)
			return i - 1; /* the run's palette, which writes */
		for (size_t k = 0; k < st->ntools; k++)
			if (strcmp(st->tools[k], "write_file") == 0 ||
			    strcmp(st->tools[k], "edit_file") == 0)
				return i - 1;
	}
	for (size_t i = wf->nsteps; i > 0; i--)
		if (wf->steps[i - 1].kind == CLAW_STEP_AI)
			return i - 1;
	return wf->nsteps - 1;
}

/* A comment's place, when it names a file inside the repository and a
 * line (comments were checked on the way in; a journal is read again). */
static bool
place_of(struct json_object *c, const char **path, int64_t *line)
{
	return claw_json_get_string(c, "path", CLAW_JSON_REQUIRED, path, NULL) == CLAW_OK &&
	       claw_json_get_int64(c, "line", CLAW_JSON_REQUIRED, 1, INT64_MAX, line, NULL) ==
		       CLAW_OK &&
	       path_ok(*path);
}

/* Line `line` (1-based) of the file path under root, trimmed of its
 * newline, at most LINE_TEXT_MAX bytes; NULL when there is no such line. */
static char *
line_of(const char *root, const char *path, int64_t line)
{
	char *full = claw_xasprintf("%s/%s", root, path);
	char *real = realpath(full, NULL);
	size_t rl = strlen(root);
	/* A file of the worktree only: not through a link the agent made to
	 * a file of the host (this runs outside the sandbox). */
	FILE *f = real != NULL && strncmp(real, root, rl) == 0 && real[rl] == '/'
			  ? fopen(real, "re")
			  : NULL;
	free(real);
	char *text = NULL;
	struct claw_buf b = CLAW_BUF_INIT(LINE_TEXT_MAX + 1);
	int64_t at = 1;
	size_t read = 0;
	int c;

	free(full);
	if (f == NULL)
		return NULL;
	while (at < line && (c = getc(f)) != EOF && ++read < FILE_READ_MAX)
		if (c == '\n')
			at++;
	if (at == line) {
		while ((c = getc(f)) != EOF && c != '\n' && claw_buf_len(&b) < LINE_TEXT_MAX)
			(void)claw_buf_putc(&b, (char)c);
		if (c != EOF || claw_buf_len(&b) > 0)
			text = claw_xstrdup(claw_buf_str(&b));
	}
	(void)fclose(f);
	claw_buf_free(&b);
	return text;
}

/* The answer's comments with the text of their lines added ("text"; null
 * for a line the file does not have), and written for the step into tell. */
static struct json_object *
comments_with_text(struct claw_flow_ctx *ctx, struct json_object *answer, struct claw_buf *tell)
{
	struct json_object *in = NULL, *out = json_object_new_array();
	size_t n;

	if (!json_object_object_get_ex(answer, "comments", &in) ||
	    !json_object_is_type(in, json_type_array))
		return out;
	n = json_object_array_length(in);
	(void)claw_buf_puts(tell, "\nComments on lines of the change:\n");
	for (size_t i = 0; i < n && i < CLAW_REVIEW_COMMENTS_MAX; i++) {
		struct json_object *c = json_object_array_get_idx(in, i);
		const char *path = NULL, *body = NULL;
		int64_t line = 0;
		if (!place_of(c, &path, &line) ||
		    claw_json_get_string(c, "body", CLAW_JSON_REQUIRED, &body, NULL) != CLAW_OK)
			continue;
		char *text = line_of(ctx->worktree->root, path, line);
		struct json_object *o = json_object_new_object();
		(void)json_object_object_add(o, "path", json_object_new_string(path));
		(void)json_object_object_add(o, "line", json_object_new_int64(line));
		(void)json_object_object_add(o, "body", json_object_new_string(body));
		(void)json_object_object_add(o, "text",
					     text != NULL ? json_object_new_string(text) : NULL);
		(void)json_object_array_add(out, o);
		(void)claw_buf_printf(tell, "- %s line %lld%s%s%s: %s\n", path, (long long)line,
				      text != NULL ? " (`" : "", text != NULL ? text : "",
				      text != NULL ? "`)" : "", body);
		free(text);
	}
	return out;
}

/* Sends the run back to the rework target with a `changes` answer (of
 * gate_id): the person's text and line comments, then the steps after it
 * are told to check their work again. */
static enum claw_err
rework(struct claw_flow_ctx *ctx, const struct claw_workflow *wf, const char *key, int64_t gate_id,
       struct json_object *answer, struct claw_error *err)
{
	struct claw_buf tell = CLAW_BUF_INIT(COMMENTS_TEXT_MAX + CLAW_GATE_PROMPT_MAX);
	struct claw_buf later = CLAW_BUF_INIT(4096);
	const char *text = "", *by = "";
	size_t j = rework_target(wf);
	enum claw_err rc;

	/* The run works on: its change is its branch's again, not a landed one
	 * (a head left by a landing that a crash cut before its journal). */
	rc = claw_run_set_head(ctx->db, ctx->run_id, "", err);
	if (rc != CLAW_OK)
		return rc;

	(void)claw_json_get_string(answer, "text", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, &text,
				   NULL);
	(void)claw_json_get_string(answer, "by", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, &by,
				   NULL);
	text = text != NULL ? text : "";
	(void)claw_buf_printf(&tell,
			      "%s reviewed the run's change and requested changes before it "
			      "lands.\n",
			      by != NULL && by[0] != '\0' ? by : "A person");
	if (text[0] != '\0')
		(void)claw_buf_printf(&tell, "\nReview:\n%s\n", text);
	struct json_object *comments = comments_with_text(ctx, answer, &tell);
	(void)claw_buf_puts(&tell, "\nRework your step to address every point of the review, "
				   "record your outputs again, then report.");
	(void)claw_buf_printf(&later,
			      "Step %s was reworked after a person's review of the run's change. "
			      "Check that your step's work still holds on the new state of the "
			      "project, update it where needed, record your outputs again, then "
			      "report.",
			      wf->steps[j].name);
	struct json_object *back = json_object_new_object();
	(void)json_object_object_add(back, "from", json_object_new_string("review"));
	(void)json_object_object_add(back, "to", json_object_new_string(wf->steps[j].name));
	(void)json_object_object_add(back, "reason", json_object_new_string(text));
	(void)json_object_object_add(back, "gate", json_object_new_int64(gate_id));
	(void)json_object_object_add(back, "comments", comments);
	rc = claw_engine_reopen(ctx, key, wf, j, claw_buf_str(&tell), claw_buf_str(&later), back,
				err);
	json_object_put(back);
	claw_buf_free(&tell);
	claw_buf_free(&later);
	return rc;
}

/* The previous round's comments (of the newest review `back` record),
 * each marked outdated when its line reads differently now. */
static struct json_object *
previous_comments(struct claw_flow_ctx *ctx)
{
	sqlite3_stmt *st = NULL;
	struct json_object *all = NULL, *out = json_object_new_array();

	if (claw_db_stmt(ctx->db,
			 "SELECT json_extract(data, '$.comments') FROM trace WHERE run_id = ?"
			 " AND type = 'back' AND json_extract(data, '$.from') = 'review'"
			 " ORDER BY seq DESC LIMIT 1",
			 &st, NULL) == CLAW_OK) {
		sqlite3_bind_int64(st, 1, ctx->run_id);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
			const char *d = (const char *)sqlite3_column_text(st, 0);
			(void)claw_json_parse(d, strlen(d), &all, NULL);
		}
	}
	claw_db_finish(st);
	for (size_t i = 0; all != NULL && json_object_is_type(all, json_type_array) &&
			   i < json_object_array_length(all);
	     i++) {
		struct json_object *c = json_object_array_get_idx(all, i), *was = NULL;
		const char *path = NULL;
		int64_t line = 0;
		if (!place_of(c, &path, &line))
			continue;
		char *now = line_of(ctx->worktree->root, path, line);
		(void)json_object_object_get_ex(c, "text", &was);
		bool same =
			now != NULL && was != NULL && strcmp(json_object_get_string(was), now) == 0;
		(void)json_object_object_add(c, "outdated", json_object_new_boolean(!same));
		(void)json_object_array_add(out, json_object_get(c));
		free(now);
	}
	json_object_put(all);
	return out;
}

/* The last assistant text of step's conversation under key, or NULL. */
static char *
last_said(struct claw_flow_ctx *ctx, const char *key, const char *step)
{
	struct claw_llm_conv *conv = NULL;
	char *json = NULL, *text = NULL;

	if (claw_exchange_load(ctx->db, ctx->run_id, key, step, &json, NULL) != CLAW_OK)
		return NULL;
	if (claw_llm_messages_from_json(json, strlen(json), &conv, NULL) == CLAW_OK)
		for (size_t i = claw_llm_conv_len(conv); i > 0 && text == NULL; i--) {
			const struct claw_llm_msg *m = claw_llm_conv_at(conv, i - 1);
			if (claw_llm_msg_role(m) != CLAW_LLM_ASSISTANT)
				continue;
			text = claw_llm_msg_text(m);
			if (text != NULL && claw_str_trim(claw_str_from(text)).n == 0) {
				free(text);
				text = NULL;
			}
		}
	claw_llm_conv_free(conv);
	free(json);
	return text;
}

/* The solver's summary: what its last step to speak said last (its
 * report), capped, for the reviewer and the merge commit's body. */
static char *
solver_summary(struct claw_flow_ctx *ctx, const struct claw_workflow *wf, const char *key)
{
	for (size_t i = wf->nsteps; i > 0; i--) {
		char *text = last_said(ctx, key, wf->steps[i - 1].name);
		if (text == NULL)
			continue;
		if (strlen(text) > CLAW_REVIEW_SUMMARY_MAX)
			text[claw_str_utf8_floor(text, CLAW_REVIEW_SUMMARY_MAX)] = '\0';
		return text;
	}
	return claw_xstrdup("");
}

/* "evidence": the artifacts the last step recorded [{n, label, kind,
 * step}], for the reviewer beside the diff. */
static void
put_evidence(struct claw_flow_ctx *ctx, const struct claw_workflow *wf, struct claw_buf *out)
{
	struct claw_trace_artifact *arts = NULL;
	size_t n = 0, shown = 0;
	const char *last = wf->steps[wf->nsteps - 1].name;

	(void)claw_buf_puts(out, ",\"evidence\":[");
	if (claw_tracer_flush(ctx->tracer, NULL) == CLAW_OK &&
	    claw_reader_artifacts(ctx->db, ctx->run_id, &arts, &n, NULL) == CLAW_OK)
		for (size_t i = 0; i < n; i++) {
			if (strcmp(arts[i].step, last) != 0)
				continue;
			(void)claw_buf_printf(out,
					      "%s{\"n\":%lld,\"label\":", shown++ > 0 ? "," : "",
					      (long long)arts[i].n);
			(void)claw_json_buf_append_string(out, arts[i].label,
							  strlen(arts[i].label));
			(void)claw_buf_puts(out, ",\"kind\":");
			(void)claw_json_buf_append_string(out, arts[i].kind, strlen(arts[i].kind));
			(void)claw_buf_puts(out, ",\"step\":");
			(void)claw_json_buf_append_string(out, last, strlen(last));
			(void)claw_buf_putc(out, '}');
		}
	(void)claw_buf_putc(out, ']');
	claw_trace_artifact_list_free(arts, n);
}

/* The gate's payload: the change, where it would land, the summary, the
 * previous round's comments; *stat the change's size. */
static enum claw_err
payload_of(struct claw_flow_ctx *ctx, const struct claw_workflow *wf, const char *key,
	   struct claw_buf *out, struct claw_run_stat *stat, struct claw_error *err)
{
	const struct claw_worktree *wt = ctx->worktree;
	struct claw_changes ch = {0};
	char head[CLAW_WORKDIR_SHA_SIZE], target[256];
	enum claw_err rc = claw_worktree_head(wt, head, err);

	if (rc == CLAW_OK)
		rc = claw_worktree_changes(wt, true, &ch, err);
	if (rc != CLAW_OK)
		goto out;
	stat->files = (int64_t)ch.n;
	stat->additions = ch.additions;
	stat->deletions = ch.deletions;
	target[0] = '\0';
	if (!wt->checkpoints)
		claw_worktree_target(wt, target, sizeof target);
	char *summary = solver_summary(ctx, wf, key);
	struct json_object *prev = previous_comments(ctx);
	(void)claw_buf_printf(
		out, "{\"mode\":\"%s\",\"branch\":", wt->checkpoints ? "inplace" : "worktree");
	(void)claw_json_buf_append_string(out, wt->branch, strlen(wt->branch));
	(void)claw_buf_puts(out, ",\"target\":");
	(void)claw_json_buf_append_string(out, target, strlen(target));
	(void)claw_buf_printf(out, ",\"base\":\"%s\",\"head\":\"%s\",\"filesTotal\":%zu,", wt->base,
			      head, ch.n);
	claw_changes_json(&ch, CLAW_REVIEW_FILES_SHOWN, out);
	(void)claw_buf_puts(out, ",\"summary\":");
	(void)claw_json_buf_append_string(out, summary, strlen(summary));
	(void)claw_buf_printf(out, ",\"comments\":%s", claw_json_text(prev));
	put_evidence(ctx, wf, out);
	(void)claw_buf_putc(out, '}');
	json_object_put(prev);
	free(summary);
	if (claw_buf_error(out) != CLAW_OK)
		rc = claw_error_set(err, CLAW_ETOOBIG, "the review gate's payload is too big");
out:
	claw_changes_free(&ch);
	return rc;
}

static enum claw_err
show_diff(void *arg, struct claw_buf *out, struct claw_error *err)
{
	return claw_worktree_diff(arg, true, NULL, out, err);
}

/* Raises round `round` of the gate and takes its answer. */
static enum claw_err
ask(struct claw_flow_ctx *ctx, const struct claw_workflow *wf, const char *key, int64_t round,
    struct claw_gate_answer *a, struct claw_error *err)
{
	struct claw_buf payload = CLAW_BUF_INIT(CLAW_GATE_DATA_MAX);
	struct claw_run_stat stat = {0};
	char *prompt = NULL;
	enum claw_err rc = payload_of(ctx, wf, key, &payload, &stat, err);

	if (rc != CLAW_OK)
		goto out;
	(void)claw_run_set_stat(ctx->db, ctx->run_id, &stat, NULL);
	prompt = claw_xasprintf(
		"Review the change of run #%lld (round %lld): %lld file%s, +%lld "
		"-%lld %s %s",
		(long long)ctx->run_id, (long long)round, (long long)stat.files,
		stat.files == 1 ? "" : "s", (long long)stat.additions, (long long)stat.deletions,
		ctx->worktree->checkpoints ? "in the folder" : "on branch",
		ctx->worktree->checkpoints ? ctx->worktree->root : ctx->worktree->branch);
	struct claw_gate_request req = {
		.kind = CLAW_GATE_REVIEW,
		.prompt = prompt,
		.payload = claw_buf_str(&payload),
		.detail = show_diff,
		.detail_arg = ctx->worktree,
	};
	rc = claw_flow_gate_ask(ctx, &req, a, err);
out:
	free(prompt);
	claw_buf_free(&payload);
	return rc;
}

static enum claw_review_end
end_of(const char *decision)
{
	if (strcmp(decision, "merge") == 0)
		return CLAW_REVIEW_MERGED;
	if (strcmp(decision, "keep") == 0)
		return CLAW_REVIEW_KEPT;
	if (strcmp(decision, "accept") == 0)
		return CLAW_REVIEW_ACCEPTED;
	if (strcmp(decision, "revert") == 0)
		return CLAW_REVIEW_REVERTED;
	return CLAW_REVIEW_DISCARDED;
}

/* Lands decision for the run: true with *end, or false when it could not
 * (the reason is traced; the gate is asked again). */
static bool
land_now(struct claw_flow_ctx *ctx, const char *decision, const char *by, enum claw_review_end *end)
{
	char landing[CLAW_RUN_LANDING_MAX];
	struct claw_error err = {0};

	if (claw_review_land(ctx->db, ctx->config, ctx->run_id, decision, landing, &err) !=
	    CLAW_OK) {
		claw_flow_note(ctx, CLAW_RECORD_NOTICE, "review", "%s could not be done: %s",
			       decision, claw_error_text(&err));
		return false;
	}
	*end = end_of(decision);
	claw_flow_note(ctx, CLAW_RECORD_NOTICE, "review", "%s%s%s: %s", decision,
		       by[0] != '\0' ? " by " : "", by, landing);
	return true;
}

enum claw_err
claw_review_gate(struct claw_flow_ctx *ctx, const struct claw_workflow *wf, const char *key,
		 bool auto_merge, enum claw_review_end *end, struct claw_error *err)
{
	struct last_review lr = {0};
	char *journal = NULL;
	enum claw_err rc = claw_run_get_landing(ctx->db, ctx->run_id, &journal, err);

	if (rc != CLAW_OK)
		return rc;
	/* Landed already (answered while not live), or a landing to finish. */
	if (journal[0] != '\0') {
		const char *d = claw_review_landed_as(journal);
		if (d == NULL)
			d = strcmp(journal, "reverting") == 0 ? "revert" : "merge";
		bool ok = land_now(ctx, d, "", end);
		free(journal);
		if (ok)
			return CLAW_OK;
	} else {
		free(journal);
	}
	rc = last_review(ctx, &lr, err);
	if (rc != CLAW_OK)
		return rc;
	/* A `changes` answer not acted on yet. */
	if (lr.gate_id != 0 && !acted_on(ctx, lr.gate_id)) {
		const char *d = "";
		(void)claw_json_get_string(lr.data, "decision", CLAW_JSON_OPTIONAL, &d, NULL);
		if (d != NULL && strcmp(d, "changes") == 0) {
			*end = CLAW_REVIEW_REWORK;
			rc = rework(ctx, wf, key, lr.gate_id, lr.data, err);
			json_object_put(lr.data);
			return rc;
		}
	}
	json_object_put(lr.data);
	if (auto_merge && lr.answers == 0 &&
	    land_now(ctx, ctx->worktree->checkpoints ? "accept" : "merge", "CLAW_AUTO_MERGE", end))
		return CLAW_OK;
	for (int64_t round = lr.answers + 1; round <= lr.answers + REVIEW_ROUNDS_MAX; round++) {
		struct claw_gate_answer a = {0};
		rc = ask(ctx, wf, key, round, &a, err);
		if (rc != CLAW_OK) {
			claw_gate_answer_free(&a);
			return rc;
		}
		if (strcmp(a.decision, "changes") == 0) {
			/* The answer row the gate wrote, read back with its comments. */
			struct last_review now = {0};
			rc = claw_tracer_flush(ctx->tracer, err);
			if (rc == CLAW_OK)
				rc = last_review(ctx, &now, err);
			if (rc == CLAW_OK && now.gate_id == 0)
				rc = claw_error_set(err, CLAW_EINTERNAL,
						    "the review's answer is not in the journal");
			if (rc == CLAW_OK)
				rc = rework(ctx, wf, key, now.gate_id, now.data, err);
			json_object_put(now.data);
			claw_gate_answer_free(&a);
			*end = CLAW_REVIEW_REWORK;
			return rc;
		}
		bool ok = land_now(ctx, a.decision, a.by, end);
		claw_gate_answer_free(&a);
		if (ok)
			return CLAW_OK;
	}
	return claw_error_set(err, CLAW_ECONFLICT,
			      "the review gate was asked %d times without an "
			      "answer that could be carried out",
			      REVIEW_ROUNDS_MAX);
}

/* ------------------------------------------------------- `claw review` */

/* discard and revert: the decisions that throw a change away. */
static bool
discards(const char *decision)
{
	return strcmp(decision, "discard") == 0 || strcmp(decision, "revert") == 0;
}

/* A failed run keeps its change for a look until it is thrown away: with
 * no gate to answer, discard (or revert in place) lands at once and the
 * run becomes discarded. */
static enum claw_err
discard_failed(struct claw_db *db, const struct claw_config *cfg, const struct claw_run *run,
	       const struct claw_gate_answer *a, char **note, struct claw_error *err)
{
	char landing[CLAW_RUN_LANDING_MAX];
	enum claw_err rc = claw_review_land(db, cfg, run->id, a->decision, landing, err);

	if (rc != CLAW_OK)
		return rc;
	*note = claw_xasprintf("%s of the failed run by %s: %s", a->decision, a->by, landing);
	return claw_run_set_status(db, run->id, CLAW_RUN_DISCARDED, *note, err);
}

enum claw_err
claw_review_decide(const char *db_path, const char *project, const struct claw_config *cfg,
		   int64_t run_id, const struct claw_gate_answer *a, char **message,
		   struct claw_error *err)
{
	struct claw_db *db = NULL;
	struct claw_run run = {0};
	struct claw_trace_gate g = {0};
	char landing[CLAW_RUN_LANDING_MAX] = "";
	char *note = NULL;
	int fd = -1;
	enum claw_err rc;

	*message = NULL;
	rc = claw_review_check(a->decision, a->text, a->comments, err);
	if (rc == CLAW_OK)
		rc = claw_runner_lock(db_path, run_id, &fd, err);
	if (rc == CLAW_ECONFLICT)
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "run #%lld is being executed by another process (claw serve "
				    "or claw run): answer it there",
				    (long long)run_id);
	if (rc == CLAW_OK)
		rc = claw_db_open(db_path, CLAW_DB_OPEN, &db, err);
	if (rc == CLAW_OK)
		rc = claw_run_get(db, run_id, &run, err);
	if (rc == CLAW_OK && run.status == CLAW_RUN_FAILED && discards(a->decision)) {
		rc = discard_failed(db, cfg, &run, a, &note, err);
		goto out;
	}
	if (rc == CLAW_OK)
		rc = claw_reader_open_gate(db, run_id, &g, err);
	if (rc == CLAW_ENOTFOUND || (rc == CLAW_OK && strcmp(g.kind, "review") != 0))
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "run #%lld is not waiting at a review gate", (long long)run_id);
	if (rc != CLAW_OK)
		goto out;
	if (claw_review_decision_lands(a->decision)) {
		rc = claw_review_land(db, cfg, run_id, a->decision, landing, err);
		if (rc != CLAW_OK)
			goto out;
		note = claw_xasprintf("%s by %s: %s", a->decision, a->by, landing);
	} else {
		note = claw_xasprintf("changes requested by %s; the run works again when it is "
				      "resumed",
				      a->by);
	}
	rc = claw_gate_record_answer(db_path, project, NULL, run_id, g.id, a, note, err);
	if (rc != CLAW_OK || !claw_review_decision_lands(a->decision))
		goto out;
	bool discarded = discards(a->decision);
	rc = claw_run_set_status(db, run_id, discarded ? CLAW_RUN_DISCARDED : CLAW_RUN_DONE, note,
				 err);
	if (rc == CLAW_OK)
		rc = discarded ? claw_issue_reopen(db, run.issue_id, err)
			       : claw_issue_set_status(db, run.issue_id, CLAW_ISSUE_DONE, err);
out:
	if (rc == CLAW_OK)
		*message = claw_xasprintf("run #%lld: %s", (long long)run_id, note);
	free(note);
	claw_trace_gate_free(&g);
	claw_run_free(&run);
	claw_db_close(db);
	if (fd >= 0)
		(void)close(fd);
	return rc;
}
