/*
 * server — wiring, the dispatcher, and the life of the process.  See
 * server.h for the order of starting and stopping.
 */
#include "server/server.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "server/api.h"
#include "server/board.h"
#include "server/fcgi.h"
#include "server/parking.h"
#include "server/request.h"
#include "server/sse.h"
#include "server/webhook.h"
#include "tool/sandbox.h"
#include "trace/bus.h"

static const int status_codes[CLAW_SERVER_STATUS_CODES] = {200, 201, 202, 400, 404, 405,
							   409, 413, 415, 500, 0};

struct claw_server {
	const struct claw_config *config;
	struct claw_fcgi *fcgi;
	struct claw_bus *bus;
	struct claw_board *board;
	struct claw_gates *gates;
	struct claw_runs *runs;
	struct claw_hub *hub;
	struct claw_webhook *webhook; /* NULL without CLAW_WEBHOOK_URL */
	int threads;
	bool started, stopped;
	int runs_left; /* run threads still busy after the stop budget */
	atomic_int_fast64_t requests[CLAW_SERVER_STATUS_CODES];
};

/* A webhook delivery failed for good: said in the run's trace. */
static void
webhook_failed(void *ctx, const char *project, int64_t run_id, const char *event, const char *why)
{
	struct claw_server *s = ctx;
	char msg[CLAW_ERROR_MSG_MAX + 64];
	(void)snprintf(msg, sizeof msg, "the %s webhook could not be delivered: %s", event, why);
	claw_runs_note(s->runs, project, run_id, "webhook", msg);
}

/* mkdir -p with mode 0700 for the parts it creates. */
static enum claw_err
make_dirs(const char *path, struct claw_error *err)
{
	char *p = claw_xstrdup(path);
	enum claw_err rc = CLAW_OK;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			char e[128];
			rc = claw_error_set(err, CLAW_EIO, "cannot create %s: %s", p,
					    claw_errno_text(errno, e, sizeof e));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* A command in the sandbox must not reach the socket that runs claw: its
 * folder is covered in every sandbox of this process (sandbox.h says how
 * the socket file itself is hidden wherever it is). */
static void
hide_socket_dir(const char *address)
{
	if (strncmp(address, "unix:", 5) != 0)
		return;
	char *dir = claw_xstrdup(address + 5);
	char *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		claw_sandbox_hide_dir(slash == dir ? "/" : dir);
	}
	free(dir);
}

enum claw_err
claw_server_new(const struct claw_server_options *o, struct claw_server **out,
		struct claw_error *err)
{
	struct claw_server *s = CLAW_NEW(struct claw_server);
	char *listen = NULL;
	enum claw_err rc;

	*out = NULL;
	s->config = o->config;
	s->threads = o->threads > 0 ? o->threads : CLAW_FCGI_THREADS_DEFAULT;
	if (s->threads > CLAW_FCGI_THREADS_MAX) {
		rc = claw_error_set(err, CLAW_EINVAL, "--threads must be from 1 to %d, got %d",
				    CLAW_FCGI_THREADS_MAX, s->threads);
		goto out;
	}
	for (int i = 0; i < CLAW_SERVER_STATUS_CODES; i++)
		atomic_init(&s->requests[i], 0);
	rc = make_dirs(o->config->home, err);
	if (rc != CLAW_OK)
		goto out;
	listen = o->listen != NULL
			 ? claw_xstrdup(o->listen)
			 : claw_xasprintf("unix:%s/%s", o->config->home, CLAW_SERVER_SOCKET);
	rc = claw_fcgi_listen(listen, o->group, o->allow_remote, &s->fcgi, err);
	if (rc != CLAW_OK)
		goto out;
	hide_socket_dir(claw_fcgi_address(s->fcgi));
	s->bus = claw_bus_new();
	s->board = claw_board_new(o->config->home, s->bus);
	s->gates = claw_gates_new();
	struct claw_webhook_options wo = {
		.url = o->config->webhook_url,
		.format = o->config->webhook_format,
		.public_url = o->config->public_url,
		.on_failure = webhook_failed,
		.failure_ctx = s,
	};
	s->webhook = claw_webhook_new(&wo);
	struct claw_runs_options ro = {
		.config = o->config,
		.max_runs = o->max_runs > 0 ? o->max_runs : o->config->max_runs,
		.bus = s->bus,
		.gates = s->gates,
		.board = s->board,
		.webhook = s->webhook,
		.pipeline = o->pipeline,
	};
	if (ro.max_runs < 1 || ro.max_runs > CLAW_CONFIG_MAX_RUNS_MAX) {
		rc = claw_error_set(err, CLAW_EINVAL, "--max-runs must be from 1 to %d, got %lld",
				    CLAW_CONFIG_MAX_RUNS_MAX, (long long)ro.max_runs);
		goto out;
	}
	s->runs = claw_runs_new(&ro);
	rc = claw_hub_new(o->config->home, s->bus, s->board, o->config->io_uring, &s->hub, err);
out:
	free(listen);
	if (rc != CLAW_OK)
		claw_server_free(s);
	else
		*out = s;
	return rc;
}

enum claw_err
claw_server_start(struct claw_server *s, struct claw_error *err)
{
	enum claw_err rc = claw_runs_adopt(s->runs, err);
	if (rc == CLAW_OK)
		rc = claw_hub_start(s->hub, err);
	if (rc == CLAW_OK)
		rc = claw_board_start(s->board, err);
	if (rc == CLAW_OK)
		rc = claw_fcgi_start(s->fcgi, s->threads, s->config->home, claw_server_dispatch, s,
				     err);
	s->started = true;
	return rc;
}

void
claw_server_stop(struct claw_server *s)
{
	/* A run may be receiving a model reply: it gets its stop grace. */
	int64_t deadline = claw_clock_mono_ms() + CLAW_SERVER_STOP_MS - 300 +
			   (s != NULL ? s->config->stop_grace_s * 1000 : 0);

	if (s == NULL || s->stopped)
		return;
	s->stopped = true;
	claw_fcgi_stop(s->fcgi);
	claw_hub_stop(s->hub);
	s->runs_left = claw_runs_shutdown(s->runs, deadline);
	claw_board_stop(s->board);
}

void
claw_server_free(struct claw_server *s)
{
	if (s == NULL)
		return;
	claw_server_stop(s);
	claw_fcgi_free(s->fcgi);
	if (s->runs_left > 0) {
		/* Run threads still use the bus, gates, board, runs and webhook,
		 * and the webhook's worker s itself: leave them all (the process
		 * is exiting). */
		return;
	}
	claw_hub_free(s->hub);
	/* Before the runs: a failed delivery is traced through their stores. */
	claw_webhook_free(s->webhook, claw_clock_mono_ms() + CLAW_SERVER_WEBHOOK_DRAIN_MS);
	claw_runs_free(s->runs);
	claw_gates_free(s->gates);
	claw_board_free(s->board);
	claw_bus_free(s->bus);
	free(s);
}

int
claw_server_main(const struct claw_server_options *o, struct claw_error *err)
{
	struct claw_server *s = NULL;
	sigset_t set;
	int sig = 0, status = 1;

	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGTERM);
	(void)sigaddset(&set, SIGINT);
	(void)sigaddset(&set, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (claw_server_new(o, &s, err) != CLAW_OK)
		goto out;
	if (claw_server_start(s, err) != CLAW_OK)
		goto out;
	(void)printf("claw serve: listening on %s\n", claw_server_address(s));
	(void)fflush(stdout);
	claw_log_notice("serve: listening on %s", claw_server_address(s));
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			claw_log_notice("serve: SIGHUP ignored (restart to reload settings)");
			continue;
		}
		break;
	}
	claw_log_notice("serve: %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	claw_server_stop(s);
	status = 0;
	if (s->runs_left > 0) {
		claw_log_warn("serve: %d run(s) still busy; exiting without them (they resume at "
			      "the next start) and without the notifications still queued",
			      s->runs_left);
		(void)fflush(stdout);
		_exit(0);
	}
out:
	claw_server_free(s);
	return status;
}

/* ------------------------------------------------------------- accessors */

const char *
claw_server_address(const struct claw_server *s)
{
	return claw_fcgi_address(s->fcgi);
}

const struct claw_config *
claw_server_config(const struct claw_server *s)
{
	return s->config;
}

struct claw_bus *
claw_server_bus(const struct claw_server *s)
{
	return s->bus;
}

struct claw_hub *
claw_server_hub(const struct claw_server *s)
{
	return s->hub;
}

struct claw_board *
claw_server_board(const struct claw_server *s)
{
	return s->board;
}

struct claw_gates *
claw_server_gates(const struct claw_server *s)
{
	return s->gates;
}

struct claw_webhook *
claw_server_webhook(const struct claw_server *s)
{
	return s->webhook;
}

struct claw_runs *
claw_server_runs(const struct claw_server *s)
{
	return s->runs;
}

void
claw_server_get_requests(struct claw_server *s, struct claw_server_requests *out)
{
	for (int i = 0; i < CLAW_SERVER_STATUS_CODES; i++) {
		out->code[i] = status_codes[i];
		out->count[i] = atomic_load(&s->requests[i]);
	}
}

/* ------------------------------------------------------------ dispatcher */

static void
count(struct claw_server *s, int status)
{
	int i = 0;
	while (status_codes[i] != 0 && status_codes[i] != status)
		i++;
	atomic_fetch_add(&s->requests[i], 1);
}

void
claw_server_dispatch(void *ctx, struct claw_req *req)
{
	struct claw_server *s = ctx;
	const struct claw_route *route = NULL;
	struct claw_str caps[CLAW_ROUTE_CAPS_MAX];
	struct claw_buf allow = CLAW_BUF_INIT(128), hdr = CLAW_BUF_INIT(160);
	const char *method = claw_req_method(req), *path = claw_req_path(req);
	size_t ncaps = 0;

	switch (claw_route_match(claw_api_routes, claw_api_route_count, method, path, &route, caps,
				 &ncaps, &allow)) {
	case CLAW_ROUTE_NOT_FOUND:
		claw_req_error(req, 404, NULL, "no such route: %.200s", path);
		goto out;
	case CLAW_ROUTE_NO_METHOD:
		(void)claw_buf_printf(&hdr, "Allow: %s", claw_buf_str(&allow));
		claw_req_error(req, 405, claw_buf_str(&hdr), "%.16s is not allowed on %.200s",
			       method, path);
		goto out;
	case CLAW_ROUTE_FOUND:
		break;
	}
	if (strcmp(method, "POST") == 0) {
		if (claw_req_body_too_big(req)) {
			claw_req_error(req, 413, NULL, "the request body is over %d bytes",
				       CLAW_REQ_BODY_MAX);
			goto out;
		}
		if (!claw_req_is_json(req)) {
			claw_req_error(req, 415, NULL, "POST needs Content-Type: application/json");
			goto out;
		}
	}
	claw_req_set_captures(req, caps, ncaps);
	route->fn(s, req);
out:
	if (claw_req_status(req) != 0)
		count(s, claw_req_status(req));
	claw_buf_free(&hdr);
	claw_buf_free(&allow);
}
