/*
 * webhook — the queue and the worker that POSTs.  See webhook.h.
 */
#include "server/webhook.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"
#include "llm/http.h"

struct item {
	struct item *next;
	char *body;
	size_t len;
	char *project;
	int64_t run_id;
	char event[16];
};

struct claw_webhook {
	char *url;
	enum claw_webhook_format format;
	char *public_url;
	int64_t timeout_ms, backoff_ms;
	claw_webhook_failure_fn on_failure;
	void *failure_ctx;
	pthread_t thread;
	atomic_bool cut; /* abort the POST in flight (shutdown past its deadline) */
	struct claw_mutex mu;
	/* mu */
	struct claw_cond cv; /* an item queued, one delivered, or stopping */
	struct item *head, **tail;
	bool busy; /* the worker is delivering one */
	bool stopping;
	struct claw_webhook_stats stats;
};

/* ----------------------------------------------------------------- bodies */

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* The run's page, or NULL without a public URL (caller frees). */
static char *
run_url(const char *public_url, const struct claw_webhook_event *ev)
{
	if (public_url == NULL)
		return NULL;
	return claw_xasprintf("%s/#/%s/issue/%lld/run/%lld", public_url, ev->project,
			      (long long)ev->issue_id, (long long)ev->run_id);
}

/* The prompt clipped to CLAW_WEBHOOK_PROMPT_MAX bytes on a character. */
static struct claw_str
clipped_prompt(const struct claw_webhook_event *ev)
{
	struct claw_str p = claw_str_from(nz(ev->gate_prompt));
	if (p.n > CLAW_WEBHOOK_PROMPT_MAX)
		p.n = claw_str_utf8_floor(p.p, CLAW_WEBHOOK_PROMPT_MAX);
	return p;
}

static void
json_body(struct claw_buf *out, const char *url, const struct claw_webhook_event *ev)
{
	struct json_object *o = json_object_new_object(), *issue = json_object_new_object();
	struct json_object *gate = NULL;

	json_object_object_add(o, "event", json_object_new_string(ev->event));
	json_object_object_add(o, "project", json_object_new_string(ev->project));
	json_object_object_add(issue, "id", json_object_new_int64(ev->issue_id));
	json_object_object_add(issue, "title", json_object_new_string(nz(ev->issue_title)));
	json_object_object_add(o, "issue", issue);
	json_object_object_add(o, "run", json_object_new_int64(ev->run_id));
	if (ev->gate_kind != NULL) {
		struct claw_str p = clipped_prompt(ev);
		gate = json_object_new_object();
		json_object_object_add(gate, "kind", json_object_new_string(ev->gate_kind));
		json_object_object_add(gate, "prompt", json_object_new_string_len(p.p, (int)p.n));
	}
	json_object_object_add(o, "gate", gate);
	if (ev->status != NULL) {
		json_object_object_add(o, "status", json_object_new_string(ev->status));
		json_object_object_add(o, "reason", json_object_new_string(nz(ev->reason)));
	}
	json_object_object_add(o, "url", url != NULL ? json_object_new_string(url) : NULL);
	(void)claw_buf_puts(out, claw_json_text(o));
	json_object_put(o);
}

/* Slack's mrkdwn escapes: &, < and >. */
static void
slack_escaped(struct claw_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			(void)claw_buf_puts(b, "&amp;");
			break;
		case '<':
			(void)claw_buf_puts(b, "&lt;");
			break;
		case '>':
			(void)claw_buf_puts(b, "&gt;");
			break;
		default:
			(void)claw_buf_putc(b, s[i]);
			break;
		}
	}
}

static void
slack_body(struct claw_buf *out, const char *url, const struct claw_webhook_event *ev)
{
	struct claw_buf t = CLAW_BUF_INIT(CLAW_WEBHOOK_BODY_MAX);
	char label[64];

	(void)snprintf(label, sizeof label, "%s #%lld", ev->project, (long long)ev->issue_id);
	if (url != NULL) {
		(void)claw_buf_printf(&t, "<%s|", url);
		slack_escaped(&t, label, strlen(label));
		(void)claw_buf_putc(&t, '>');
	} else {
		slack_escaped(&t, label, strlen(label));
	}
	(void)claw_buf_puts(&t, " ");
	slack_escaped(&t, nz(ev->issue_title), strlen(nz(ev->issue_title)));
	if (ev->gate_kind != NULL) {
		struct claw_str p = clipped_prompt(ev);
		(void)claw_buf_printf(&t, " (run #%lld) waits for a person: *%s* — ",
				      (long long)ev->run_id, ev->gate_kind);
		slack_escaped(&t, p.p, p.n);
	} else {
		(void)claw_buf_printf(&t, ": run #%lld %s", (long long)ev->run_id, nz(ev->status));
		if (nz(ev->reason)[0] != '\0') {
			(void)claw_buf_puts(&t, " — ");
			slack_escaped(&t, ev->reason, strlen(ev->reason));
		}
	}
	(void)claw_buf_puts(out, "{\"text\":");
	(void)claw_json_buf_append_string(out, claw_buf_str(&t), claw_buf_len(&t));
	(void)claw_buf_putc(out, '}');
	claw_buf_free(&t);
}

void
claw_webhook_body(struct claw_buf *out, enum claw_webhook_format format, const char *public_url,
		  const struct claw_webhook_event *ev)
{
	char *url = run_url(public_url, ev);
	if (format == CLAW_WEBHOOK_SLACK)
		slack_body(out, url, ev);
	else
		json_body(out, url, ev);
	free(url);
}

/* ----------------------------------------------------------------- worker */

static int
cancelled(void *ctx)
{
	struct claw_webhook *h = ctx;
	return atomic_load(&h->cut);
}

/* Whether a try that ended so is worth another. */
static bool
retryable(enum claw_err rc, long status)
{
	if (rc != CLAW_OK)
		return rc == CLAW_ETIMEOUT || rc == CLAW_ENET;
	return status == 408 || status == 429 || status >= 500;
}

/* Sleeps ms unless the hook stops first; false when it stops. */
static bool
backoff(struct claw_webhook *h, int64_t ms)
{
	int64_t until = claw_clock_mono_ms() + ms;
	claw_mutex_lock(&h->mu);
	while (!h->stopping && claw_clock_mono_ms() < until)
		(void)claw_cond_wait_until(&h->cv, &h->mu, until);
	bool go_on = !h->stopping;
	claw_mutex_unlock(&h->mu);
	return go_on;
}

enum outcome { SENT, FAILED, CUT };

/* Up to CLAW_WEBHOOK_TRIES POSTs of it; the reason of the last failure in
 * why.  CUT: the hook stopped before it was delivered (shutdown). */
static enum outcome
deliver(struct claw_webhook *h, struct claw_http *http, const struct item *it, char *why,
	size_t why_size)
{
	struct claw_http_request req = {
		.url = h->url,
		.body = it->body,
		.body_len = it->len,
		.connect_timeout_ms = h->timeout_ms,
		.timeout_ms = h->timeout_ms,
		.max_response = 64u << 10,
		.cancel = cancelled,
		.cancel_ctx = h,
	};
	int64_t wait = h->backoff_ms;

	why[0] = '\0';
	for (int k = 1;; k++) {
		struct claw_http_response resp;
		struct claw_error err = {0};
		claw_http_response_init(&resp);
		enum claw_err rc = claw_http_post(http, &req, &resp, &err);
		bool again = retryable(rc, resp.status);
		if (rc == CLAW_OK && resp.status >= 200 && resp.status < 300) {
			claw_http_response_free(&resp);
			why[0] = '\0';
			return SENT;
		}
		if (rc != CLAW_OK)
			(void)snprintf(why, why_size, "%s", claw_error_text(&err));
		else
			(void)snprintf(why, why_size, "HTTP %ld", resp.status);
		claw_http_response_free(&resp);
		if (rc == CLAW_ESTOPPED)
			return CUT;
		if (!again || k == CLAW_WEBHOOK_TRIES)
			return FAILED;
		if (!backoff(h, wait))
			return CUT;
		wait *= 4;
		claw_mutex_lock(&h->mu);
		h->stats.retries++;
		claw_mutex_unlock(&h->mu);
	}
}

static void
item_free(struct item *it)
{
	free(it->body);
	free(it->project);
	free(it);
}

static void *
worker(void *arg)
{
	struct claw_webhook *h = arg;
	struct claw_http *http = NULL;
	struct claw_error err = {0};
	char why[CLAW_ERROR_MSG_MAX];
	char url[256];

	claw_http_url_for_message(h->url, url, sizeof url);
	if (claw_http_new(&http, &err) != CLAW_OK)
		claw_log_error("webhook: %s; no notifications will be sent", claw_error_text(&err));
	for (;;) {
		claw_mutex_lock(&h->mu);
		while (h->head == NULL && !h->stopping)
			claw_cond_wait(&h->cv, &h->mu);
		struct item *it = h->head;
		if (it != NULL) {
			h->head = it->next;
			if (h->head == NULL)
				h->tail = &h->head;
			h->stats.queued--;
			h->busy = true;
		}
		claw_mutex_unlock(&h->mu);
		if (it == NULL)
			break; /* stopping with nothing left */
		enum outcome o = FAILED;
		if (http != NULL)
			o = deliver(h, http, it, why, sizeof why);
		else
			(void)snprintf(why, sizeof why, "%s", claw_error_text(&err));
		claw_mutex_lock(&h->mu);
		if (o == SENT)
			h->stats.sent++;
		else if (o == FAILED)
			h->stats.failed++;
		else
			h->stats.dropped++;
		h->busy = false;
		claw_cond_broadcast(&h->cv);
		claw_mutex_unlock(&h->mu);
		if (o == CUT)
			claw_log_warn("webhook: %s of %s run %lld not sent: shutting down",
				      it->event, it->project, (long long)it->run_id);
		if (o == FAILED) {
			claw_log_warn("webhook: %s of %s run %lld to %s failed: %s", it->event,
				      it->project, (long long)it->run_id, url, why);
			if (h->on_failure != NULL)
				h->on_failure(h->failure_ctx, it->project, it->run_id, it->event,
					      why);
		}
		item_free(it);
	}
	claw_http_free(http);
	return NULL;
}

/* -------------------------------------------------------------------- API */

struct claw_webhook *
claw_webhook_new(const struct claw_webhook_options *o)
{
	if (o->url == NULL)
		return NULL;
	struct claw_webhook *h = CLAW_NEW(struct claw_webhook);
	h->url = claw_xstrdup(o->url);
	h->format = o->format;
	h->public_url = o->public_url != NULL ? claw_xstrdup(o->public_url) : NULL;
	h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CLAW_WEBHOOK_TIMEOUT_MS;
	h->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : CLAW_WEBHOOK_BACKOFF_MS;
	h->on_failure = o->on_failure;
	h->failure_ctx = o->failure_ctx;
	h->tail = &h->head;
	atomic_init(&h->cut, false);
	claw_mutex_init(&h->mu, "webhook.mu");
	claw_cond_init(&h->cv);
	int e = pthread_create(&h->thread, NULL, worker, h);
	if (e != 0) {
		char buf[128];
		claw_log_error(
			"webhook: cannot start its thread: %s; no notifications will be sent",
			claw_errno_text(e, buf, sizeof buf));
		claw_cond_destroy(&h->cv);
		claw_mutex_destroy(&h->mu);
		free(h->public_url);
		free(h->url);
		free(h);
		return NULL;
	}
	return h;
}

void
claw_webhook_free(struct claw_webhook *h, int64_t deadline_ms)
{
	if (h == NULL)
		return;
	claw_mutex_lock(&h->mu);
	/* Let the queue drain until the deadline, then cut what is in flight. */
	while ((h->head != NULL || h->busy) && claw_clock_mono_ms() < deadline_ms)
		(void)claw_cond_wait_until(&h->cv, &h->mu, deadline_ms);
	int64_t dropped = h->stats.queued;
	h->stats.dropped += dropped;
	for (struct item *it = h->head, *next; it != NULL; it = next) {
		next = it->next;
		item_free(it);
	}
	h->head = NULL;
	h->tail = &h->head;
	h->stats.queued = 0;
	h->stopping = true;
	claw_cond_broadcast(&h->cv);
	claw_mutex_unlock(&h->mu);
	atomic_store(&h->cut, true);
	(void)pthread_join(h->thread, NULL);
	if (dropped > 0)
		claw_log_warn("webhook: %lld notification(s) not sent at shutdown",
			      (long long)dropped);
	claw_cond_destroy(&h->cv);
	claw_mutex_destroy(&h->mu);
	free(h->public_url);
	free(h->url);
	free(h);
}

void
claw_webhook_send(struct claw_webhook *h, const struct claw_webhook_event *ev)
{
	if (h == NULL)
		return;
	struct claw_buf b = CLAW_BUF_INIT(CLAW_WEBHOOK_BODY_MAX);
	claw_webhook_body(&b, h->format, h->public_url, ev);
	if (claw_buf_error(&b) != CLAW_OK) {
		claw_log_error("webhook: the %s body of run %lld is over %u bytes; not sent",
			       ev->event, (long long)ev->run_id, CLAW_WEBHOOK_BODY_MAX);
		claw_buf_free(&b);
		return;
	}
	struct item *it = CLAW_NEW(struct item);
	it->len = claw_buf_len(&b);
	it->body = claw_buf_steal(&b);
	it->project = claw_xstrdup(ev->project);
	it->run_id = ev->run_id;
	(void)snprintf(it->event, sizeof it->event, "%s", ev->event);

	claw_mutex_lock(&h->mu);
	bool full = h->stats.queued >= CLAW_WEBHOOK_QUEUE_MAX || h->stopping;
	if (full) {
		h->stats.dropped++;
	} else {
		*h->tail = it;
		h->tail = &it->next;
		h->stats.queued++;
		claw_cond_broadcast(&h->cv);
	}
	claw_mutex_unlock(&h->mu);
	if (full) {
		claw_log_warn("webhook: %d notifications wait already; %s of run %lld dropped",
			      CLAW_WEBHOOK_QUEUE_MAX, it->event, (long long)it->run_id);
		item_free(it);
	}
}

void
claw_webhook_get_stats(struct claw_webhook *h, struct claw_webhook_stats *out)
{
	memset(out, 0, sizeof *out);
	if (h == NULL)
		return;
	claw_mutex_lock(&h->mu);
	*out = h->stats;
	claw_mutex_unlock(&h->mu);
}
