/*
 * api_projects — GET /api/health, GET /api/metrics, GET and POST
 * /api/projects.
 *
 * Metrics are Prometheus text (version 0.0.4): requests by status, open
 * streams, runs by state, trace rows written, bus drops, and the LLM tokens
 * and cost of the runs that ended in this process.  "Trace rows written"
 * counts the rows the store sinks published on the bus (every committed row
 * is published, watched or not): the bus's publish count minus the board
 * and end events the server published itself.
 */
#include "server/api.h"

#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "config.h" /* PACKAGE_VERSION */
#include "server/board.h"
#include "server/dbcache.h"
#include "server/parking.h"
#include "server/request.h"
#include "server/runs.h"
#include "server/server.h"
#include "server/sse.h"
#include "server/webhook.h"
#include "tool/workdir.h"
#include "trace/bus.h"

#define API_PROJECTS_MAX (16 * 1024 * 1024) /* bytes of the project list */
#define API_METRICS_MAX (64 * 1024)

/* What the dashboard's banner says under CLAW_DEMO=1 (tools/up without a
 * configured model; examples/demo/README.md).  JSON-escaped. */
static const char demo_note[] =
	"This server answers with claw's scripted demo model (examples/demo), which tools/up "
	"started because no model is configured: it solves the demo issue \\\"Support "
	"subtraction\\\" of the calc project, and nothing else. To use a real model, set "
	"ANTHROPIC_API_KEY (or OPENAI_API_KEY with CLAW_AGENT=openai, or CLAW_BASE_URL for a "
	"local server such as Ollama) and CLAW_MODEL, in the environment or in "
	"$CLAW_HOME/claw.env, then run tools/up again.";

void
claw_api_health(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_runs_stats rs;
	struct claw_buf out = CLAW_BUF_INIT(1024);

	claw_runs_get_stats(claw_server_runs(srv), &rs);
	(void)claw_buf_printf(&out,
			      "{\"ok\":true,\"version\":\"%s\",\"runs_active\":%lld,"
			      "\"runs_queued\":%lld",
			      PACKAGE_VERSION, (long long)rs.executing + (long long)rs.parked,
			      (long long)rs.queued);
	if (claw_server_config(srv)->demo)
		(void)claw_buf_printf(&out, ",\"demo\":true,\"demo_note\":\"%s\"", demo_note);
	(void)claw_buf_puts(&out, "}");
	claw_req_json(req, 200, &out);
	claw_buf_free(&out);
}

/* ms as Prometheus seconds ("1.250"); NaN when negative (no sample). */
static void
put_seconds(struct claw_buf *out, int64_t ms)
{
	if (ms < 0)
		(void)claw_buf_puts(out, "NaN");
	else
		(void)claw_buf_printf(out, "%lld.%03lld", (long long)(ms / 1000),
				      (long long)(ms % 1000));
}

void
claw_api_metrics(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_server_requests rq;
	struct claw_runs_stats rs;
	struct claw_hub_stats hs;
	struct claw_bus_stats bs;
	struct claw_buf out = CLAW_BUF_INIT(API_METRICS_MAX);
	int64_t board = claw_board_published(claw_server_board(srv));

	claw_server_get_requests(srv, &rq);
	claw_runs_get_stats(claw_server_runs(srv), &rs);
	claw_hub_get_stats(claw_server_hub(srv), &hs);
	claw_bus_get_stats(claw_server_bus(srv), &bs);

	(void)claw_buf_puts(&out, "# HELP claw_http_requests_total Requests answered, by status.\n"
				  "# TYPE claw_http_requests_total counter\n");
	for (int i = 0; i < CLAW_SERVER_STATUS_CODES; i++) {
		if (rq.code[i] != 0)
			(void)claw_buf_printf(&out, "claw_http_requests_total{code=\"%d\"} %lld\n",
					      rq.code[i], (long long)rq.count[i]);
		else
			(void)claw_buf_printf(&out,
					      "claw_http_requests_total{code=\"other\"} %lld\n",
					      (long long)rq.count[i]);
	}
	(void)claw_buf_printf(&out,
			      "# HELP claw_streams_open Server-Sent-Events streams open now.\n"
			      "# TYPE claw_streams_open gauge\n"
			      "claw_streams_open{kind=\"run\"} %lld\n"
			      "claw_streams_open{kind=\"board\"} %lld\n"
			      "# HELP claw_streams_total Streams opened since start.\n"
			      "# TYPE claw_streams_total counter\n"
			      "claw_streams_total %lld\n"
			      "# HELP claw_streams_stalled_total Streams closed as stalled.\n"
			      "# TYPE claw_streams_stalled_total counter\n"
			      "claw_streams_stalled_total %lld\n"
			      "# HELP claw_stream_catchups_total Lagging subscribers caught up "
			      "from the db.\n"
			      "# TYPE claw_stream_catchups_total counter\n"
			      "claw_stream_catchups_total %lld\n"
			      "# HELP claw_stream_events_total SSE events written.\n"
			      "# TYPE claw_stream_events_total counter\n"
			      "claw_stream_events_total %lld\n"
			      "# HELP claw_stream_io_uring 1 when streams are sent through "
			      "io_uring, 0 with send(2).\n"
			      "# TYPE claw_stream_io_uring gauge\n"
			      "claw_stream_io_uring %d\n",
			      (long long)hs.run_streams, (long long)hs.board_streams,
			      (long long)hs.opened, (long long)hs.stalled, (long long)hs.catchups,
			      (long long)hs.events, hs.io_uring ? 1 : 0);
	(void)claw_buf_printf(&out,
			      "# HELP claw_runs Runs live in this process, by state.\n"
			      "# TYPE claw_runs gauge\n"
			      "claw_runs{state=\"executing\"} %lld\n"
			      "claw_runs{state=\"queued\"} %lld\n"
			      "claw_runs{state=\"waiting\"} %lld\n"
			      "# HELP claw_runs_started_total Run threads started.\n"
			      "# TYPE claw_runs_started_total counter\n"
			      "claw_runs_started_total %lld\n"
			      "# HELP claw_runs_finished_total Run threads ended.\n"
			      "# TYPE claw_runs_finished_total counter\n"
			      "claw_runs_finished_total %lld\n",
			      (long long)rs.executing, (long long)rs.queued, (long long)rs.parked,
			      (long long)rs.started, (long long)rs.finished);
	uint64_t own = (uint64_t)board + (uint64_t)rs.end_events + bs.live;
	(void)claw_buf_printf(&out,
			      "# HELP claw_trace_rows_total Trace rows committed and published.\n"
			      "# TYPE claw_trace_rows_total counter\n"
			      "claw_trace_rows_total %llu\n"
			      "# HELP claw_bus_dropped_total Events not queued for a lagging "
			      "subscriber.\n"
			      "# TYPE claw_bus_dropped_total counter\n"
			      "claw_bus_dropped_total %llu\n"
			      "# HELP claw_bus_lags_total Times a subscriber started lagging.\n"
			      "# TYPE claw_bus_lags_total counter\n"
			      "claw_bus_lags_total %llu\n"
			      "# HELP claw_board_events_total Board events published.\n"
			      "# TYPE claw_board_events_total counter\n"
			      "claw_board_events_total %lld\n"
			      "# HELP claw_live_deltas_total Live model output (delta events), "
			      "published and shed for subscribers that were behind.\n"
			      "# TYPE claw_live_deltas_total counter\n"
			      "claw_live_deltas_total{result=\"published\"} %llu\n"
			      "claw_live_deltas_total{result=\"shed\"} %llu\n",
			      (unsigned long long)(bs.published > own ? bs.published - own : 0),
			      (unsigned long long)bs.dropped, (unsigned long long)bs.lags,
			      (long long)board, (unsigned long long)bs.live,
			      (unsigned long long)bs.shed);
	(void)claw_buf_printf(&out,
			      "# HELP claw_trace_store_rows_total Trace rows of runs here, by "
			      "what their batch did.\n"
			      "# TYPE claw_trace_store_rows_total counter\n"
			      "claw_trace_store_rows_total{result=\"written\"} %llu\n"
			      "claw_trace_store_rows_total{result=\"lost\"} %llu\n"
			      "# HELP claw_trace_store_batches_total Transactions the trace "
			      "writers committed.\n"
			      "# TYPE claw_trace_store_batches_total counter\n"
			      "claw_trace_store_batches_total %llu\n",
			      (unsigned long long)rs.trace.written,
			      (unsigned long long)rs.trace.lost,
			      (unsigned long long)rs.trace.batches);
	(void)claw_buf_printf(&out,
			      "# HELP claw_llm_tokens_total Model tokens of runs ended here.\n"
			      "# TYPE claw_llm_tokens_total counter\n"
			      "claw_llm_tokens_total{kind=\"in\"} %lld\n"
			      "claw_llm_tokens_total{kind=\"out\"} %lld\n"
			      "claw_llm_tokens_total{kind=\"cached\"} %lld\n"
			      "claw_llm_tokens_total{kind=\"cache_write\"} %lld\n"
			      "# HELP claw_llm_cost_usd_total Model cost of runs ended here.\n"
			      "# TYPE claw_llm_cost_usd_total counter\n"
			      "claw_llm_cost_usd_total ",
			      (long long)rs.tokens_in, (long long)rs.tokens_out,
			      (long long)rs.tokens_cached, (long long)rs.tokens_cache_write);
	(void)claw_json_buf_append_usd(&out, rs.cost_micros);
	(void)claw_buf_putc(&out, '\n');
	(void)claw_buf_printf(&out,
			      "# HELP claw_llm_ttft_seconds Time to the first byte of model "
			      "replies of runs ended here (quantiles of the last %d).\n"
			      "# TYPE claw_llm_ttft_seconds summary\n"
			      "claw_llm_ttft_seconds{quantile=\"0.5\"} ",
			      CLAW_RUNS_TTFT_KEEP);
	put_seconds(&out, rs.ttft_p50_ms);
	(void)claw_buf_puts(&out, "\nclaw_llm_ttft_seconds{quantile=\"0.95\"} ");
	put_seconds(&out, rs.ttft_p95_ms);
	(void)claw_buf_puts(&out, "\nclaw_llm_ttft_seconds_sum ");
	put_seconds(&out, rs.ttft_sum_ms);
	(void)claw_buf_printf(&out, "\nclaw_llm_ttft_seconds_count %lld\n",
			      (long long)rs.ttft_count);
	struct claw_webhook_stats ws;
	claw_webhook_get_stats(claw_server_webhook(srv), &ws);
	(void)claw_buf_printf(&out,
			      "# HELP claw_webhook_deliveries_total Webhook notifications, by "
			      "what became of them (0 without CLAW_WEBHOOK_URL).\n"
			      "# TYPE claw_webhook_deliveries_total counter\n"
			      "claw_webhook_deliveries_total{result=\"sent\"} %lld\n"
			      "claw_webhook_deliveries_total{result=\"failed\"} %lld\n"
			      "claw_webhook_deliveries_total{result=\"dropped\"} %lld\n"
			      "# HELP claw_webhook_retries_total Webhook tries after a first one.\n"
			      "# TYPE claw_webhook_retries_total counter\n"
			      "claw_webhook_retries_total %lld\n"
			      "# HELP claw_webhook_queued Webhook notifications waiting now.\n"
			      "# TYPE claw_webhook_queued gauge\n"
			      "claw_webhook_queued %lld\n",
			      (long long)ws.sent, (long long)ws.failed, (long long)ws.dropped,
			      (long long)ws.retries, (long long)ws.queued);
	claw_req_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", claw_buf_str(&out),
		      claw_buf_len(&out));
	claw_buf_free(&out);
}

/* {"key","name","path","description","isolation","setup","setup_net",
 * "issues":{status: count}}; counts NULL for a project whose db cannot be
 * read now (all zero). */
static void
put_project(struct claw_buf *out, const struct claw_project *p, const int64_t *counts)
{
	(void)claw_buf_puts(out, "{\"key\":");
	(void)claw_json_buf_append_string(out, p->key, strlen(p->key));
	(void)claw_buf_puts(out, ",\"name\":");
	(void)claw_json_buf_append_string(out, p->name, strlen(p->name));
	(void)claw_buf_puts(out, ",\"path\":");
	(void)claw_json_buf_append_string(out, p->path, strlen(p->path));
	(void)claw_buf_puts(out, ",\"description\":");
	(void)claw_json_buf_append_string(out, p->description, strlen(p->description));
	(void)claw_buf_printf(
		out, ",\"isolation\":\"%s\",\"setup\":", claw_isolation_name(p->isolation));
	(void)claw_json_buf_append_string(out, p->setup, strlen(p->setup));
	(void)claw_buf_printf(out, ",\"setup_net\":%s", p->setup_net ? "true" : "false");
	(void)claw_buf_puts(out, ",\"issues\":{");
	for (int s = 0; s < CLAW_ISSUE_STATUS_COUNT; s++)
		(void)claw_buf_printf(out, "%s\"%s\":%lld", s > 0 ? "," : "",
				      claw_issue_status_name((enum claw_issue_status)s),
				      counts != NULL ? (long long)counts[s] : 0LL);
	(void)claw_buf_puts(out, "}}");
}

void
claw_api_projects_list(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct claw_project *list = NULL;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(API_PROJECTS_MAX);
	size_t n = 0;

	if (claw_project_list(claw_server_config(srv)->home, &list, &n, &err) != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	(void)claw_buf_putc(&out, '[');
	for (size_t i = 0; i < n; i++) {
		int64_t counts[CLAW_ISSUE_STATUS_COUNT] = {0};
		struct claw_db *db = NULL;
		bool ok = claw_dbcache_get(claw_req_dbs(req), list[i].key, &db, &err) == CLAW_OK &&
			  claw_issue_count_by_status(db, counts, &err) == CLAW_OK;
		if (!ok)
			claw_log_warn("server: project %s: %s", list[i].key, claw_error_text(&err));
		if (i > 0)
			(void)claw_buf_putc(&out, ',');
		put_project(&out, &list[i], ok ? counts : NULL);
	}
	(void)claw_buf_putc(&out, ']');
	if (claw_buf_error(&out) != CLAW_OK)
		claw_req_failf(req, CLAW_EINTERNAL, "the project list is too big");
	else
		claw_req_json(req, 200, &out);
out:
	claw_buf_free(&out);
	claw_project_list_free(list, n);
}

enum claw_err
claw_api_project_body_parse(struct json_object *body, struct claw_api_project_body *out,
			    struct claw_error *err)
{
	static const char *const keys[] = {"path", "description", NULL};
	enum claw_err rc;

	out->path = NULL;
	out->description = NULL;
	rc = claw_json_check_keys(body, keys, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "path", CLAW_JSON_REQUIRED, &out->path, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "description",
					  CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE,
					  &out->description, err);
	if (rc == CLAW_OK && out->path[0] != '/')
		rc = claw_error_set(err, CLAW_EINVAL, "path must be absolute: %s", out->path);
	return rc;
}

void
claw_api_projects_create(void *ctx, struct claw_req *req)
{
	struct claw_server *srv = ctx;
	struct json_object *body = NULL;
	struct claw_project p = {0};
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(64 * 1024);
	struct claw_api_project_body pb = {0};
	enum claw_err rc;

	rc = claw_req_body_json(req, &body, &err);
	if (rc == CLAW_OK)
		rc = claw_api_project_body_parse(body, &pb, &err);
	if (rc == CLAW_OK)
		rc = claw_project_register(claw_server_config(srv)->home, pb.path,
					   &(struct claw_project_settings){
						   pb.description,
						   (int)claw_workdir_default_isolation(pb.path),
						   NULL, -1},
					   &p, &err);
	if (rc == CLAW_EEXIST)
		err.code = CLAW_EINVAL; /* SPEC 7: already registered is a 400 */
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	int64_t zero[CLAW_ISSUE_STATUS_COUNT] = {0};
	put_project(&out, &p, zero);
	claw_req_json(req, 201, &out);
	claw_log_notice("server: project %s registered by %s", p.key, claw_req_user(req));
out:
	claw_buf_free(&out);
	claw_project_free(&p);
	json_object_put(body);
}

enum claw_err
claw_api_project_patch_parse(struct json_object *body, struct claw_project_settings *out,
			     struct claw_error *err)
{
	static const char *const keys[] = {"isolation", "setup", "setup_net", "description", NULL};
	const char *iso = NULL;
	bool net = false, has_net = json_object_object_get_ex(body, "setup_net", NULL);
	enum claw_isolation i;
	enum claw_err rc;

	*out = (struct claw_project_settings)CLAW_PROJECT_SETTINGS_NONE;
	rc = claw_json_check_keys(body, keys, err);
	if (rc == CLAW_OK && json_object_object_length(body) == 0)
		rc = claw_error_set(err, CLAW_EINVAL,
				    "nothing to change: give isolation, setup, setup_net or "
				    "description");
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "isolation", CLAW_JSON_OPTIONAL, &iso, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "setup", CLAW_JSON_OPTIONAL, &out->setup, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(body, "description", CLAW_JSON_OPTIONAL,
					  &out->description, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_bool(body, "setup_net", CLAW_JSON_OPTIONAL, &net, err);
	if (rc == CLAW_OK && iso != NULL && (rc = claw_isolation_parse(iso, &i, err)) == CLAW_OK)
		out->isolation = (int)i;
	if (rc == CLAW_OK && has_net)
		out->setup_net = net;
	return rc;
}

void
claw_api_project_patch(void *ctx, struct claw_req *req)
{
	struct json_object *body = NULL;
	struct claw_project p = {0};
	struct claw_project_settings set;
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(64 * 1024);
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
	int64_t counts[CLAW_ISSUE_STATUS_COUNT] = {0};
	enum claw_err rc;

	(void)ctx;
	db = claw_api_project_db(req, key);
	if (db == NULL)
		goto out;
	rc = claw_req_body_json(req, &body, &err);
	if (rc == CLAW_OK)
		rc = claw_api_project_patch_parse(body, &set, &err);
	if (rc == CLAW_OK)
		rc = claw_project_load_db(db, &p, &err);
	if (rc == CLAW_OK && set.isolation >= 0)
		rc = claw_workdir_check_isolation(p.path, (enum claw_isolation)set.isolation, &err);
	if (rc == CLAW_OK)
		rc = claw_project_update(db, &set, &p, &err);
	if (rc == CLAW_OK)
		rc = claw_issue_count_by_status(db, counts, &err);
	if (rc != CLAW_OK) {
		claw_req_fail(req, &err);
		goto out;
	}
	put_project(&out, &p, counts);
	claw_req_json(req, 200, &out);
	claw_log_notice("server: project %s settings changed by %s", key, claw_req_user(req));
out:
	claw_buf_free(&out);
	claw_project_free(&p);
	json_object_put(body);
}
