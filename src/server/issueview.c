/*
 * issueview — one Issue, hand-built as JSON into a buffer.  See
 * issueview.h for the shape and where each field comes from.
 *
 * Built by hand (not through json-c objects) because it is the hot path of
 * GET .../issues and of every board event, and because trace data (a
 * gate's payload) is already JSON text that is embedded verbatim.
 */
#include "server/issueview.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/mem.h"
#include "flow/runner.h"
#include "store/runs.h"
#include "store/solvers.h"
#include "store/state.h"
#include "trace/reader.h"

static void
put_key_string(struct claw_buf *out, const char *key, const char *value)
{
	(void)claw_buf_printf(out, ",\"%s\":", key);
	(void)claw_json_buf_append_string(out, value, strlen(value));
}

/* Appends JSON text that should be valid JSON: verbatim when it parses,
 * else as a string (never breaks the document). */
static void
put_json_text(struct claw_buf *out, const char *text)
{
	struct json_object *v = NULL;
	if (text == NULL || text[0] == '\0') {
		(void)claw_buf_puts(out, "null");
		return;
	}
	if (claw_json_parse(text, strlen(text), &v, NULL) == CLAW_OK) {
		(void)claw_buf_puts(out, claw_json_text(v));
		json_object_put(v);
		return;
	}
	(void)claw_json_buf_append_string(out, text, strlen(text));
}

/* Number of entries of a JSON array text; 0 when it is not one. */
static int64_t
array_length(const char *text, const char *key)
{
	struct json_object *v = NULL, *a = NULL;
	int64_t n = 0;

	if (text == NULL || claw_json_parse(text, strlen(text), &v, NULL) != CLAW_OK)
		return 0;
	if (key == NULL)
		a = v;
	else if (json_object_is_type(v, json_type_object))
		(void)json_object_object_get_ex(v, key, &a);
	if (a != NULL && json_object_is_type(a, json_type_array))
		n = (int64_t)json_object_array_length(a);
	json_object_put(v);
	return n;
}

/* done/steps of the latest run. */
/* ,"key":USD with micros as six decimals (valid JSON for any sign). */
static void
put_usd(struct claw_buf *out, const char *key, int64_t micros)
{
	(void)claw_buf_printf(out, ",\"%s\":", key);
	(void)claw_json_buf_append_usd(out, micros);
}

static enum claw_err
progress(struct claw_db *db, const struct claw_run *run, int64_t *done, int64_t *steps,
	 struct claw_error *err)
{
	struct claw_solver solver = {0};
	struct claw_snapshot snap = {0};
	enum claw_err rc;

	*done = *steps = 0;
	if (run->solver_version <= 0)
		return CLAW_OK;
	rc = claw_solver_get(db, run->issue_id, run->solver_version, &solver, err);
	if (rc == CLAW_ENOTFOUND)
		return CLAW_OK;
	if (rc != CLAW_OK)
		return rc;
	*steps = array_length(solver.spec, "steps");
	rc = claw_snapshot_load(db, run->id, CLAW_RUNNER_SOLVER_KEY, &snap, err);
	if (rc == CLAW_OK)
		*done = array_length(snap.done, NULL);
	else if (rc == CLAW_ENOTFOUND)
		rc = CLAW_OK;
	claw_snapshot_free(&snap);
	claw_solver_free(&solver);
	return rc;
}

static enum claw_err
put_solver(struct claw_db *db, int64_t issue_id, struct claw_buf *out, struct claw_error *err)
{
	struct claw_solver s = {0};
	char *prev = NULL;
	enum claw_err rc = claw_solver_latest(db, issue_id, &s, err);

	if (rc == CLAW_ENOTFOUND) {
		(void)claw_buf_puts(out, ",\"solver\":null");
		return CLAW_OK;
	}
	if (rc != CLAW_OK)
		return rc;
	(void)claw_buf_printf(out, ",\"solver\":{\"version\":%lld", (long long)s.version);
	put_key_string(out, "status", claw_solver_status_name(s.status));
	put_key_string(out, "feedback", s.feedback);
	put_key_string(out, "decidedBy", s.decided_by);
	(void)claw_buf_puts(out, ",\"spec\":");
	put_json_text(out, s.spec);
	/* Every version's decision, oldest first, and the spec before this
	 * one (the page shows what feedback or an edit changed). */
	(void)claw_buf_puts(out, ",\"versions\":[");
	int shown = 0;
	for (int64_t v = 1; v <= s.version && rc == CLAW_OK; v++) {
		struct claw_solver o = {0};
		rc = claw_solver_get(db, issue_id, v, &o, err);
		if (rc == CLAW_ENOTFOUND) {
			claw_error_clear(err);
			rc = CLAW_OK;
			continue;
		}
		if (rc != CLAW_OK)
			break;
		(void)claw_buf_printf(out, "%s{\"version\":%lld", shown++ > 0 ? "," : "",
				      (long long)v);
		put_key_string(out, "status", claw_solver_status_name(o.status));
		put_key_string(out, "feedback", o.feedback);
		put_key_string(out, "decidedBy", o.decided_by);
		(void)claw_buf_printf(out, ",\"decidedMs\":%lld}", (long long)o.decided_at);
		if (v == s.version - 1) {
			free(prev);
			prev = claw_xstrdup(o.spec);
		}
		claw_solver_free(&o);
	}
	(void)claw_buf_puts(out, "],\"previousSpec\":");
	put_json_text(out, prev);
	(void)claw_buf_puts(out, "}");
	free(prev);
	claw_solver_free(&s);
	return rc;
}

/* "changes": the size of the run's own change and its branch ("" for a
 * run in place), or null for a run without either. */
static enum claw_err
put_changes(struct claw_db *db, int64_t run_id, struct claw_buf *out, struct claw_error *err)
{
	struct claw_run_work w = {0};
	struct claw_run_stat st = {0};
	enum claw_err rc = claw_run_get_work(db, run_id, &w, err);

	if (rc == CLAW_OK && w.branch[0] != '\0')
		rc = claw_run_get_stat(db, run_id, &st, err);
	if (rc == CLAW_OK && w.branch[0] == '\0') {
		(void)claw_buf_puts(out, ",\"changes\":null");
	} else if (rc == CLAW_OK) {
		(void)claw_buf_printf(out,
				      ",\"changes\":{\"files\":%lld,\"additions\":%lld,"
				      "\"deletions\":%lld",
				      (long long)st.files, (long long)st.additions,
				      (long long)st.deletions);
		/* A run in place has a branch only in claw's private checkpoints. */
		put_key_string(out, "branch", w.worktree[0] != '\0' ? w.branch : "");
		(void)claw_buf_putc(out, '}');
	}
	claw_run_work_free(&w);
	return rc;
}

enum claw_err
claw_issueview_append(struct claw_db *db, const struct claw_issue *is, unsigned flags,
		      struct claw_buf *out, struct claw_error *err)
{
	struct claw_run *runs = NULL, *latest = NULL;
	struct claw_trace_totals totals = {0};
	struct claw_trace_artifact *arts = NULL;
	struct claw_trace_gate gate = {0};
	struct claw_run_cost *costs = NULL, all = {0};
	bool have_gate = false;
	size_t nruns = 0, narts = 0, ncosts = 0;
	int64_t done = 0, steps = 0;
	enum claw_err rc;

	rc = claw_run_list(db, is->id, 0, &runs, &nruns, err);
	if (rc != CLAW_OK)
		goto out;
	if (nruns > 0) {
		latest = &runs[nruns - 1];
		rc = progress(db, latest, &done, &steps, err);
		if (rc == CLAW_OK)
			rc = claw_reader_totals(db, latest->id, &totals, err);
		if (rc == CLAW_OK)
			rc = claw_reader_issue_costs(db, is->id, &costs, &ncosts, err);
		if (rc == CLAW_OK)
			rc = claw_reader_artifacts(db, latest->id, &arts, &narts, err);
		if (rc == CLAW_OK && claw_run_status_active(latest->status)) {
			rc = claw_reader_open_gate(db, latest->id, &gate, err);
			have_gate = rc == CLAW_OK;
			if (rc == CLAW_ENOTFOUND)
				rc = CLAW_OK;
		}
		if (rc != CLAW_OK)
			goto out;
	}

	(void)claw_buf_printf(out, "{\"id\":%lld", (long long)is->id);
	put_key_string(out, "title", is->title);
	put_key_string(out, "desc", is->description);
	put_key_string(out, "status", claw_issue_status_name(is->status));
	(void)claw_buf_printf(out, ",\"done\":%lld,\"steps\":%lld,\"live\":%s,\"runs\":[",
			      (long long)done, (long long)steps,
			      latest != NULL && claw_run_status_active(latest->status) ? "true"
										       : "false");
	for (size_t i = 0, k = 0; i < nruns; i++) { /* both by run id ascending */
		struct claw_run_cost c = {0};
		while (k < ncosts && costs[k].run_id < runs[i].id)
			k++;
		if (k < ncosts && costs[k].run_id == runs[i].id)
			c = costs[k];
		all.in += c.in;
		all.out += c.out;
		all.cost_micros += c.cost_micros;
		(void)claw_buf_printf(
			out,
			"%s{\"n\":%zu,\"id\":%lld,\"status\":\"%s\",\"tokensIn\":%lld,"
			"\"tokensOut\":%lld",
			i > 0 ? "," : "", i + 1, (long long)runs[i].id,
			claw_run_status_name(runs[i].status), (long long)c.in, (long long)c.out);
		put_usd(out, "costUsd", c.cost_micros);
		(void)claw_buf_putc(out, '}');
	}
	(void)claw_buf_printf(out,
			      "],\"tokensIn\":%lld,\"tokensOut\":%lld,\"tokensCached\":%lld,"
			      "\"tokensCacheWrite\":%lld",
			      (long long)totals.in, (long long)totals.out, (long long)totals.cached,
			      (long long)totals.cache_write);
	put_usd(out, "costUsd", totals.cost_micros);
	(void)claw_buf_printf(out, ",\"totalTokensIn\":%lld,\"totalTokensOut\":%lld",
			      (long long)all.in, (long long)all.out);
	put_usd(out, "totalCostUsd", all.cost_micros);
	(void)claw_buf_puts(out, ",\"gate\":");
	if (have_gate) {
		(void)claw_buf_printf(out, "{\"id\":%lld", (long long)gate.id);
		put_key_string(out, "kind", gate.kind);
		put_key_string(out, "prompt", gate.prompt);
		if (flags & CLAW_ISSUEVIEW_FULL) {
			(void)claw_buf_puts(out, ",\"payload\":");
			put_json_text(out, gate.payload);
		}
		(void)claw_buf_puts(out, "}");
	} else {
		(void)claw_buf_puts(out, "null");
	}
	(void)claw_buf_puts(out, ",\"artifacts\":[");
	for (size_t i = 0; i < narts; i++) {
		(void)claw_buf_printf(out, "%s{\"n\":%lld", i > 0 ? "," : "", (long long)arts[i].n);
		put_key_string(out, "label", arts[i].label);
		put_key_string(out, "kind", arts[i].kind);
		put_key_string(out, "step", arts[i].step);
		(void)claw_buf_printf(out, ",\"size\":%lld}", (long long)arts[i].size);
	}
	(void)claw_buf_printf(out, "],\"updatedMs\":%lld", (long long)is->updated_at);
	if (latest != NULL) {
		rc = put_changes(db, latest->id, out, err);
		if (rc != CLAW_OK)
			goto out;
	} else {
		(void)claw_buf_puts(out, ",\"changes\":null");
	}
	if (flags & CLAW_ISSUEVIEW_FULL) {
		rc = put_solver(db, is->id, out, err);
		if (rc != CLAW_OK)
			goto out;
	}
	(void)claw_buf_puts(out, "}");
	rc = claw_buf_error(out);
	if (rc != CLAW_OK)
		claw_error_set(err, rc, "issue #%lld is too big to send", (long long)is->id);
out:
	free(costs);
	claw_trace_gate_free(&gate);
	claw_trace_artifact_list_free(arts, narts);
	claw_trace_totals_free(&totals);
	claw_run_list_free(runs, nruns);
	return rc;
}
