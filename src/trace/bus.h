/*
 * bus — in-process publish/subscribe of pre-formatted events.
 *
 * The bus carries what a live viewer needs: trace rows of a run and Issue
 * snapshots of a project's board.  A topic is (project key, run id); the
 * board of a project is the topic (key, CLAW_BUS_BOARD).  Topics exist while
 * they have subscribers; publishing to a topic nobody watches costs one
 * lookup.
 *
 * An event is formatted once by the publisher and shared by every subscriber
 * (a refcounted, immutable struct claw_bus_event: a static name such as
 * "trace", a seq and the bytes).  Each subscription has a bounded queue.
 * Publishing never blocks on a subscriber: the event is appended to each
 * queue that has room; a subscriber whose queue is full is marked *lagging*
 * and gets nothing more until it has drained its queue and taken the lag
 * report, which carries the seq of the last event it got, so it can heal the
 * gap from the db (seq > last) and then carry on live, dropping duplicates by
 * seq (Redis cuts such clients off; claw catches them up instead).
 *
 * Live-only events (seq CLAW_BUS_NO_SEQ: a model's text as it is written)
 * are not in the db and cannot be healed, so they never make a subscriber
 * lagging: they are queued only while the queue is at most half full, else
 * shed (counted), leaving the room for the rows that matter.
 *
 * Waking: a subscription belongs to a struct claw_bus_waiter, an eventfd
 * plus a list of "ready" subscriptions.  When a publish turns a queue from
 * empty to non-empty, the subscription is put on its waiter's ready list;
 * when that list turns from empty to non-empty the eventfd is written, after
 * every lock is released (h2o's rule: wake only on empty → non-empty).  The
 * stream hub of the server puts one waiter's fd in its epoll set and serves
 * many subscriptions with it; a single consumer subscribes without a waiter
 * (one is made privately) and calls claw_bus_sub_next().
 *
 * Locks, in order (take the left one first, never the reverse):
 *   bus.mu    the topic table                  (held briefly per call)
 *   topic.mu  one topic's subscriber list and all of their queues
 *   waiter.mu one waiter's ready list
 * No lock is held across a syscall except the eventfd read in waiter calls,
 * which holds none.  The eventfd write happens after all locks are released.
 *
 * Threads: everything is thread-safe except as noted: a subscription is
 * consumed by one thread at a time, and claw_bus_unsubscribe must not race
 * with a consumer of the same subscription.
 */
#ifndef CLAW_TRACE_BUS_H
#define CLAW_TRACE_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CLAW_BUS_BOARD 0                       /* run id of a project's board topic */
#define CLAW_BUS_NO_SEQ (-1)                   /* the seq of a live-only event (below) */
#define CLAW_BUS_QUEUE_DEFAULT ((size_t)1024)  /* a sensible per-subscriber queue */
#define CLAW_BUS_QUEUE_MAX ((size_t)64 * 1024) /* largest queue a subscriber may ask for */

struct claw_bus;
struct claw_bus_event;
struct claw_bus_sub;
struct claw_bus_waiter;

/* ------------------------------------------------------------------ bus */

/* A new, empty bus.  Free with claw_bus_free() once every subscription is
 * closed. */
struct claw_bus *claw_bus_new(void);
void claw_bus_free(struct claw_bus *bus);

/* Hands ev (borrowed: the bus takes its own references) to every
 * subscriber of (project, run_id).  Never blocks on a subscriber; full
 * queues mark their subscriber lagging and the event is dropped for it.
 * Returns how many queues received the event.  Within one topic, events are
 * delivered in the order of the publish calls: a publisher that wants seq
 * order publishes in seq order from one thread (the store sink's writer
 * does). */
size_t claw_bus_publish(struct claw_bus *bus, const char *project, int64_t run_id,
			struct claw_bus_event *ev);

/* claw_bus_publish() of evs[0..n), in order, as one step: a subscriber
 * sees all of them or none, and is woken once.  A burst of rows committed
 * together reaches a consumer together (the stream hub then sends it in one
 * write).  Returns the queue appends made. */
size_t claw_bus_publish_many(struct claw_bus *bus, const char *project, int64_t run_id,
			     struct claw_bus_event *const *evs, size_t n);

/* Counters for /api/metrics; totals since claw_bus_new. */
struct claw_bus_stats {
	uint64_t published; /* events published */
	uint64_t delivered; /* events put on a queue */
	uint64_t dropped;   /* events not queued because a subscriber lagged */
	uint64_t lags;      /* times a subscriber became lagging */
	uint64_t live;      /* live-only events published (among published) */
	uint64_t shed;      /* live-only events not queued for a subscriber behind */
	uint64_t topics;    /* topics open now */
	uint64_t subs;      /* subscriptions open now */
};
void claw_bus_get_stats(struct claw_bus *bus, struct claw_bus_stats *out);

/* ---------------------------------------------------------------- events */

/* A new event with one reference (the caller's): name is a static string
 * ("trace", "issue", "end"), bytes are copied (len of them; a NUL is added
 * after).  Aborts on allocation failure (bytes are bounded by their
 * producer). */
struct claw_bus_event *claw_bus_event_new(const char *name, int64_t seq, const char *bytes,
					  size_t len);
/* Reference counting; both thread-safe.  unref(NULL) is a no-op. */
struct claw_bus_event *claw_bus_event_ref(struct claw_bus_event *ev);
void claw_bus_event_unref(struct claw_bus_event *ev);

const char *claw_bus_event_name(const struct claw_bus_event *ev);
int64_t claw_bus_event_seq(const struct claw_bus_event *ev);
/* The bytes, NUL-terminated, valid while the caller holds a reference;
 * *len (may be NULL) gets their length. */
const char *claw_bus_event_data(const struct claw_bus_event *ev, size_t *len);

/* --------------------------------------------------------------- waiters */

/* A waiter: an eventfd shared by the subscriptions given it at subscribe.
 * Free the caller's reference with claw_bus_waiter_free(); subscriptions
 * keep it alive until they are closed.  CLAW_EIO when eventfd fails. */
enum claw_err claw_bus_waiter_new(struct claw_bus_waiter **out, struct claw_error *err);
void claw_bus_waiter_free(struct claw_bus_waiter *w);

/* The eventfd: readable when some subscription of this waiter may have
 * something to take.  Borrowed; for poll/epoll only (read it through
 * claw_bus_waiter_ready). */
int claw_bus_waiter_fd(const struct claw_bus_waiter *w);

/* Clears the eventfd, then moves up to max ready subscriptions into out and
 * returns how many.  A subscription taken from here is the caller's to
 * drain: it is offered again only after its queue has been empty and then
 * received an event.  Call again until it returns < max. */
size_t claw_bus_waiter_ready(struct claw_bus_waiter *w, struct claw_bus_sub **out, size_t max);

/* Waits until the waiter's fd is readable or timeout_ms passes (< 0:
 * forever).  Returns false on timeout.  Spurious wakeups happen: loop. */
bool claw_bus_waiter_wait(struct claw_bus_waiter *w, int64_t timeout_ms);

/* --------------------------------------------------------- subscriptions */

/* Subscribes to (project, run_id) with a queue of cap events
 * (1..CLAW_BUS_QUEUE_MAX).  w (may be NULL: a private waiter is made, and
 * the subscription is then read with claw_bus_sub_next) gets a reference.
 * user is an opaque pointer for the caller (claw_bus_sub_user).  Events
 * published after this returns are delivered (subscribe before replaying
 * the db).  Close with claw_bus_unsubscribe().  CLAW_EINVAL for a bad cap,
 * CLAW_EIO when a private waiter cannot be made. */
enum claw_err claw_bus_subscribe(struct claw_bus *bus, const char *project, int64_t run_id,
				 size_t cap, struct claw_bus_waiter *w, void *user,
				 struct claw_bus_sub **out, struct claw_error *err);
/* Closes the subscription and drops its queued events.  NULL is a no-op. */
void claw_bus_unsubscribe(struct claw_bus_sub *sub);

void *claw_bus_sub_user(const struct claw_bus_sub *sub);
int64_t claw_bus_sub_run_id(const struct claw_bus_sub *sub);

enum claw_bus_take {
	CLAW_BUS_EMPTY,  /* nothing queued (or timeout) */
	CLAW_BUS_EVENT,  /* *ev holds an event: the caller owns that reference */
	CLAW_BUS_LAGGED, /* events were dropped after the seq in *last_seq; the
			    subscription is live again from now on */
};

/* Takes the next queued event without waiting.  When the queue is empty and
 * the subscription lagged, returns CLAW_BUS_LAGGED once, with *last_seq =
 * seq of the last event it got (0 if none), and re-arms it.  Consumer
 * thread only. */
enum claw_bus_take claw_bus_sub_take(struct claw_bus_sub *sub, struct claw_bus_event **ev,
				     int64_t *last_seq);

/* As claw_bus_sub_take, waiting up to timeout_ms (< 0: forever) for
 * something to take; CLAW_BUS_EMPTY on timeout.  Only for subscriptions
 * made without a waiter (aborts otherwise: it would steal the shared
 * waiter's wakeups). */
enum claw_bus_take claw_bus_sub_next(struct claw_bus_sub *sub, int64_t timeout_ms,
				     struct claw_bus_event **ev, int64_t *last_seq);

#endif
