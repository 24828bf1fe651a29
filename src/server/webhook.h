/*
 * webhook — tells an outside URL when a person is needed (SPEC 11).
 *
 * With CLAW_WEBHOOK_URL set, claw serve POSTs when a gate opens (question,
 * approve, budget, review) and when a run ends.  The body is, by
 * CLAW_WEBHOOK_FORMAT:
 *   json   {"event": "gate_opened"|"run_ended", "project", "issue": {"id",
 *          "title"}, "run", "gate": {"kind", "prompt"}|null, "status"
 *          (run_ended: done|failed|...), "reason", "url"|null}
 *   slack  {"text"}: one line for a Slack incoming webhook, the link in
 *          Slack's <url|label> form, &, < and > escaped as Slack asks.
 * url is CLAW_PUBLIC_URL + "/#/<project>/issue/<id>/run/<run>", or null
 * without CLAW_PUBLIC_URL.
 *
 * Never blocking a run: claw_webhook_send copies the event into a bounded
 * queue (CLAW_WEBHOOK_QUEUE_MAX; past it the event is dropped, counted and
 * logged) and returns; one worker thread delivers in order.  A delivery has
 * a 5 s timeout and up to 3 tries: a transport error, a timeout, 408, 429
 * or 5xx is tried again after the backoff (1 s, then 4 s); any other status
 * is final; 2xx is success.  A delivery that failed for good is counted and
 * handed to on_failure with the reason (the server traces it as a note in
 * the run).  Shutdown gives the queue a deadline, then drops what is left
 * and cuts the delivery in flight: those count as dropped, not failed, and
 * are logged.
 *
 * Threads and locks: every function is thread-safe.  hook.mu guards the
 * queue and the counters; it is never held across a POST, a sleep or the
 * callback.  on_failure runs on the worker thread with no lock of this
 * module held.
 */
#ifndef CLAW_SERVER_WEBHOOK_H
#define CLAW_SERVER_WEBHOOK_H

#include <stdint.h>

#include "base/config.h"
#include "base/err.h"

#define CLAW_WEBHOOK_QUEUE_MAX 256
#define CLAW_WEBHOOK_TRIES 3
#define CLAW_WEBHOOK_TIMEOUT_MS 5000
#define CLAW_WEBHOOK_BACKOFF_MS 1000 /* before the 2nd try; x4 before each next */
#define CLAW_WEBHOOK_BODY_MAX (16u << 10)
#define CLAW_WEBHOOK_PROMPT_MAX 1000 /* bytes of a gate prompt sent (UTF-8 safe cut) */

/* One event; every pointer borrowed for the call. */
struct claw_webhook_event {
	const char *event; /* "gate_opened" | "run_ended" */
	const char *project;
	int64_t issue_id;
	const char *issue_title; /* NULL: "" */
	int64_t run_id;
	const char *gate_kind;   /* gate_opened: "question", ...; NULL otherwise */
	const char *gate_prompt; /* NULL: "" */
	const char *status;      /* run_ended: the run's status; NULL otherwise */
	const char *reason;      /* run_ended: why it ended; NULL: "" */
};

/* A delivery that failed for good: run_id of project, and why. */
typedef void (*claw_webhook_failure_fn)(void *ctx, const char *project, int64_t run_id,
					const char *event, const char *why);

struct claw_webhook_options {
	const char *url; /* copied; NULL: claw_webhook_new returns NULL (no hook) */
	enum claw_webhook_format format;
	const char *public_url;             /* copied; NULL: "url" is null */
	int64_t timeout_ms;                 /* 0: CLAW_WEBHOOK_TIMEOUT_MS */
	int64_t backoff_ms;                 /* 0: CLAW_WEBHOOK_BACKOFF_MS */
	claw_webhook_failure_fn on_failure; /* may be NULL */
	void *failure_ctx;
};

struct claw_webhook_stats {
	int64_t sent;    /* delivered (2xx) */
	int64_t failed;  /* failed for good after its tries */
	int64_t retries; /* tries after a first one */
	int64_t dropped; /* the queue was full, or a shutdown came first */
	int64_t queued;  /* waiting now */
};

struct claw_webhook;

/* Starts the worker.  NULL when o->url is NULL (every call below accepts
 * NULL and does nothing) or the thread cannot start (logged). */
struct claw_webhook *claw_webhook_new(const struct claw_webhook_options *o);
/* Waits up to deadline_ms (absolute, claw_clock_mono_ms) for the queue to
 * drain, stops the worker (a POST in flight is cut) and frees.  NULL-safe. */
void claw_webhook_free(struct claw_webhook *h, int64_t deadline_ms);

/* Queues ev (copied).  Never blocks on the network. */
void claw_webhook_send(struct claw_webhook *h, const struct claw_webhook_event *ev);

/* Appends the body of ev in format (with public_url, may be NULL) to out;
 * for tests and the worker. */
struct claw_buf;
void claw_webhook_body(struct claw_buf *out, enum claw_webhook_format format,
		       const char *public_url, const struct claw_webhook_event *ev);

void claw_webhook_get_stats(struct claw_webhook *h, struct claw_webhook_stats *out);

#endif
