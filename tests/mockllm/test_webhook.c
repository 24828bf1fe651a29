/*
 * test_webhook — claw serve's notifier (src/server/webhook.c): the json and
 * slack bodies, then real deliveries through libcurl to mockllm's /hook: a
 * receiver that takes them, one that answers 500 (retried, then failed and
 * reported), one that refuses (not retried), one that hangs (timed out,
 * while sending never waits), a full queue, and a shutdown that cuts a
 * delivery in flight.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "mockproc.h"
#include "server/webhook.h"
#include "tap.h"

static const struct claw_webhook_event gate_ev = {
	.event = "gate_opened",
	.project = "calc",
	.issue_id = 3,
	.issue_title = "Divide by <zero> & more",
	.run_id = 7,
	.gate_kind = "approve",
	.gate_prompt = "Approve the solver?",
};

static const struct claw_webhook_event end_ev = {
	.event = "run_ended",
	.project = "calc",
	.issue_id = 3,
	.issue_title = "Divide by zero",
	.run_id = 7,
	.status = "failed",
	.reason = "anthropic: bad request (HTTP 400)",
};

/* What on_failure saw (called on the worker thread). */
struct failures {
	pthread_mutex_t mu;
	int n;
	char project[32];
	int64_t run;
	char event[32];
	char why[256];
};

static void
on_failure(void *ctx, const char *project, int64_t run_id, const char *event, const char *why)
{
	struct failures *f = ctx;
	pthread_mutex_lock(&f->mu);
	f->n++;
	(void)snprintf(f->project, sizeof f->project, "%s", project);
	f->run = run_id;
	(void)snprintf(f->event, sizeof f->event, "%s", event);
	(void)snprintf(f->why, sizeof f->why, "%s", why);
	pthread_mutex_unlock(&f->mu);
}

static struct json_object *
body_json(enum claw_webhook_format format, const char *public_url,
	  const struct claw_webhook_event *ev)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_WEBHOOK_BODY_MAX);
	struct json_object *o = NULL;
	claw_webhook_body(&b, format, public_url, ev);
	ok(claw_json_parse(claw_buf_str(&b), claw_buf_len(&b), &o, NULL) == CLAW_OK,
	   "the body is JSON: %s", claw_buf_str(&b));
	claw_buf_free(&b);
	return o;
}

static void
test_bodies(void)
{
	struct json_object *o = body_json(CLAW_WEBHOOK_JSON, "https://claw.example.com", &gate_ev);
	is_str(jstr(o, "event"), "gate_opened", "event");
	is_str(jstr(o, "project"), "calc", "project");
	is_str(jstr(o, "issue.id"), "3", "issue id");
	is_str(jstr(o, "issue.title"), "Divide by <zero> & more", "issue title as written");
	is_str(jstr(o, "run"), "7", "run");
	is_str(jstr(o, "gate.kind"), "approve", "gate kind");
	is_str(jstr(o, "gate.prompt"), "Approve the solver?", "gate prompt");
	is_str(jstr(o, "url"), "https://claw.example.com/#/calc/issue/3/run/7", "the run's page");
	ok(jget(o, "status") == NULL, "no status on a gate");
	json_object_put(o);

	o = body_json(CLAW_WEBHOOK_JSON, NULL, &end_ev);
	is_str(jstr(o, "event"), "run_ended", "run_ended");
	is_str(jstr(o, "status"), "failed", "status");
	is_str(jstr(o, "reason"), "anthropic: bad request (HTTP 400)", "reason");
	struct json_object *v = NULL;
	ok(json_object_object_get_ex(o, "gate", &v) && v == NULL, "gate is null");
	ok(json_object_object_get_ex(o, "url", &v) && v == NULL, "url null without a public URL");
	json_object_put(o);

	o = body_json(CLAW_WEBHOOK_SLACK, "https://claw.example.com", &gate_ev);
	is_str(jstr(o, "text"),
	       "<https://claw.example.com/#/calc/issue/3/run/7|calc #3> Divide by &lt;zero&gt; "
	       "&amp; more (run #7) waits for a person: *approve* — Approve the solver?",
	       "slack: a link, escaped text, the gate");
	json_object_put(o);
	o = body_json(CLAW_WEBHOOK_SLACK, NULL, &end_ev);
	is_str(jstr(o, "text"),
	       "calc #3 Divide by zero: run #7 failed — anthropic: bad request (HTTP 400)",
	       "slack: the end, no link without a public URL");
	json_object_put(o);

	/* A long prompt is cut on a character boundary. */
	char prompt[CLAW_WEBHOOK_PROMPT_MAX + 8];
	memset(prompt, 'a', CLAW_WEBHOOK_PROMPT_MAX - 1);
	memcpy(prompt + CLAW_WEBHOOK_PROMPT_MAX - 1, "\xc3\xa9tail", 7);
	struct claw_webhook_event ev = gate_ev;
	ev.gate_prompt = prompt;
	o = body_json(CLAW_WEBHOOK_JSON, NULL, &ev);
	is_int((long long)strlen(jstr(o, "gate.prompt")), CLAW_WEBHOOK_PROMPT_MAX - 1,
	       "clipped before the two-byte character that crosses the cap");
	json_object_put(o);
}

/* A hook to m's /hook with fast retries. */
static struct claw_webhook *
hook_for(const struct mock *m, struct failures *f, int64_t timeout_ms)
{
	char url[192];
	(void)snprintf(url, sizeof url, "%s/hook", m->base);
	struct claw_webhook_options o = {
		.url = url,
		.format = CLAW_WEBHOOK_JSON,
		.public_url = "http://claw.test",
		.timeout_ms = timeout_ms,
		.backoff_ms = 20,
		.on_failure = on_failure,
		.failure_ctx = f,
	};
	return claw_webhook_new(&o);
}

static void
test_delivered(void)
{
	struct mock m;
	struct failures f = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct claw_webhook_stats st;

	if (!mock_start(&m, "[]", NULL)) {
		ok(false, "mockllm started");
		return;
	}
	struct claw_webhook *h = hook_for(&m, &f, 2000);
	claw_webhook_send(h, &gate_ev);
	claw_webhook_send(h, &end_ev);
	claw_webhook_get_stats(h, &st);
	claw_webhook_free(h, claw_clock_mono_ms() + 10000);
	is_int(log_lines(&m), 2, "two POSTs received");
	struct json_object *l = log_line(&m, 0);
	is_str(jstr(l, "path"), "/hook", "to the URL");
	is_str(jstr(l, "headers.content-type"), "application/json", "as JSON");
	is_str(jstr(l, "body.event"), "gate_opened", "the gate first");
	is_str(jstr(l, "body.url"), "http://claw.test/#/calc/issue/3/run/7", "with its link");
	json_object_put(l);
	l = log_line(&m, 1);
	is_str(jstr(l, "body.event"), "run_ended", "then the end");
	json_object_put(l);
	is_int(f.n, 0, "no failure");
	mock_stop(&m);

	/* claw_webhook_new without a URL: no hook, and every call is a no-op. */
	struct claw_webhook_options none = {0};
	ok(claw_webhook_new(&none) == NULL, "no URL, no hook");
	claw_webhook_send(NULL, &gate_ev);
	claw_webhook_get_stats(NULL, &st);
	is_int(st.sent, 0, "NULL hook: zero stats");
	claw_webhook_free(NULL, 0);
}

static void
test_retried(void)
{
	struct mock m;
	struct failures f = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct claw_webhook_stats st;

	/* 500 twice, then the receiver takes it. */
	if (!mock_start(&m,
			"[{\"match\": {\"api\": \"hook\"}, \"times\": 2, \"fault\": {\"status\": "
			"500}}]",
			NULL)) {
		ok(false, "mockllm started");
		return;
	}
	struct claw_webhook *h = hook_for(&m, &f, 2000);
	claw_webhook_send(h, &gate_ev);
	claw_webhook_free(h, claw_clock_mono_ms() + 10000);
	is_int(log_lines(&m), 3, "three tries");
	is_int(f.n, 0, "delivered in the end");
	mock_stop(&m);

	/* Always 500: three tries, then failed and reported. */
	if (!mock_start(&m,
			"[{\"match\": {\"api\": \"hook\"}, \"times\": 0, \"fault\": {\"status\": "
			"500}}]",
			NULL)) {
		ok(false, "mockllm started");
		return;
	}
	h = hook_for(&m, &f, 2000);
	claw_webhook_send(h, &end_ev);
	/* Stats before free: wait for the failure to be counted. */
	for (int i = 0; i < 500; i++) {
		claw_webhook_get_stats(h, &st);
		if (st.failed > 0)
			break;
		claw_clock_sleep_ms(10);
	}
	is_int(st.failed, 1, "one failed delivery");
	is_int(st.retries, 2, "after two retries");
	is_int(st.sent, 0, "none sent");
	claw_webhook_free(h, claw_clock_mono_ms() + 10000);
	is_int(log_lines(&m), CLAW_WEBHOOK_TRIES, "CLAW_WEBHOOK_TRIES tries");
	is_int(f.n, 1, "reported once");
	is_str(f.project, "calc", "for the project");
	is_int(f.run, 7, "and the run");
	is_str(f.event, "run_ended", "and the event");
	is_str(f.why, "HTTP 500", "saying why");
	mock_stop(&m);

	/* A 404 is final: no retry. */
	if (!mock_start(&m,
			"[{\"match\": {\"api\": \"hook\"}, \"times\": 0, \"fault\": {\"status\": "
			"404}}]",
			NULL)) {
		ok(false, "mockllm started");
		return;
	}
	h = hook_for(&m, &f, 2000);
	claw_webhook_send(h, &end_ev);
	claw_webhook_free(h, claw_clock_mono_ms() + 10000);
	is_int(log_lines(&m), 1, "a 404 is tried once");
	is_int(f.n, 2, "and reported");
	is_str(f.why, "HTTP 404", "as a 404");
	mock_stop(&m);
}

static void
test_hanging(void)
{
	struct mock m;
	struct failures f = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct claw_webhook_stats st;

	if (!mock_start(&m,
			"[{\"match\": {\"api\": \"hook\"}, \"times\": 0, \"hang\": true, "
			"\"hang_ms\": 20000}]",
			NULL)) {
		ok(false, "mockllm started");
		return;
	}
	/* A short timeout: each try gives up. */
	struct claw_webhook *h = hook_for(&m, &f, 300);
	claw_webhook_send(h, &gate_ev);
	for (int i = 0; i < 1000 && log_lines(&m) < 1; i++)
		claw_clock_sleep_ms(5);
	/* The worker waits on the receiver; sending does not. */
	claw_webhook_send(h, &end_ev);
	claw_webhook_get_stats(h, &st);
	is_int(st.queued, 1, "queued behind the hanging delivery, not sent");
	claw_webhook_free(h, claw_clock_mono_ms() + 20000);
	is_int(f.n, 2, "both failed");
	has_str(f.why, "timed out", "as a timeout: %s", f.why);
	mock_stop(&m);

	/* A full queue drops (and counts); a shutdown cuts the delivery in
	 * flight instead of waiting for the receiver. */
	if (!mock_start(&m,
			"[{\"match\": {\"api\": \"hook\"}, \"times\": 0, \"hang\": true, "
			"\"hang_ms\": 60000}]",
			NULL)) {
		ok(false, "mockllm started");
		return;
	}
	h = hook_for(&m, &f, 60000);
	for (int i = 0; i < CLAW_WEBHOOK_QUEUE_MAX + 20; i++)
		claw_webhook_send(h, &gate_ev);
	claw_webhook_get_stats(h, &st);
	ok(st.dropped >= 19 && st.dropped <= 20, "past the queue's cap dropped: %lld",
	   (long long)st.dropped);
	ok(st.queued + st.dropped + 1 >= CLAW_WEBHOOK_QUEUE_MAX + 20,
	   "the rest queued or in flight");
	int64_t t0 = claw_clock_mono_ms();
	claw_webhook_free(h, claw_clock_mono_ms() + 200);
	ok(claw_clock_mono_ms() - t0 < 30000, "shutdown did not wait out the hanging receiver");
	mock_stop(&m);
}

int
main(int argc, char **argv)
{
	(void)argc;
	if (!mock_init(argv[0]))
		return tap_done();
	test_bodies();
	test_delivered();
	test_retried();
	test_hanging();
	return tap_done();
}
