/*
 * bus — topics, bounded subscriber queues, waiters.  See bus.h for the
 * contract and the lock order.
 *
 * Shape.  The bus holds a chained hash table of topics under bus.mu.  A topic
 * holds its subscriptions in a doubly linked list and guards them, and their
 * ring-buffer queues, with topic.mu.  A waiter holds an eventfd and an
 * intrusive list of ready subscriptions under waiter.mu.
 *
 * Publish: lock bus.mu, find the topic, lock topic.mu, unlock bus.mu
 * (hand over hand, so the topic cannot be freed under us: freeing needs both
 * locks), then per subscription append or mark lagging; a queue that went
 * empty → non-empty is put on its waiter's ready list (topic.mu → waiter.mu)
 * and, if that list went empty → non-empty, the waiter is remembered (with a
 * reference) to be woken.  Unlock topic.mu, then write each remembered
 * eventfd and drop the references.
 *
 * Lifetimes.  A topic lives while it has subscriptions; the last
 * unsubscribe unlinks it under bus.mu + topic.mu and frees it after
 * unlocking (nobody can reach it any more: lookups need bus.mu, and
 * consumers reach a topic only through their own subscription, which is
 * the one being closed).  A waiter is refcounted: its owner, each
 * subscription and each pending wake hold one.  An event is refcounted: its
 * publisher and each queue slot hold one.
 */
#include "trace/bus.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"

#define BUS_BUCKETS_MIN 64
#define BUS_WAKE_INLINE 16 /* waiters woken per publish without allocating */

struct claw_bus_event {
	atomic_size_t refs;
	int64_t seq;
	const char *name; /* static */
	size_t len;
	char data[]; /* len bytes and a NUL */
};

struct claw_bus_waiter {
	atomic_size_t refs;              /* owner + subscriptions + pending wakes */
	int fd;                          /* eventfd, nonblocking */
	struct claw_mutex mu;            /* guards the ready list below */
	struct claw_bus_sub *ready_head; /* subscriptions with something to take */
	struct claw_bus_sub *ready_tail;
};

struct topic {
	struct topic *hnext; /* hash chain, bus.mu */
	uint64_t hash;
	char *project;
	int64_t run_id;
	struct claw_mutex mu;      /* guards subs and every queue of them */
	struct claw_bus_sub *subs; /* doubly linked through sub->prev/next */
};

struct claw_bus_sub {
	struct claw_bus *bus;
	struct topic *topic; /* fixed for the life of the subscription */
	struct claw_bus_waiter *waiter;
	bool private_waiter; /* made by subscribe: claw_bus_sub_next allowed */
	void *user;

	/* topic.mu */
	struct claw_bus_sub *prev, *next;
	struct claw_bus_event **q; /* ring of cap slots */
	size_t cap, head, count;
	bool lagging;     /* full when an event came: dropping until re-armed */
	int64_t last_seq; /* seq of the newest event queued */

	/* waiter.mu */
	struct claw_bus_sub *rprev, *rnext;
	bool ready;
};

struct claw_bus {
	struct claw_mutex mu;   /* guards the table */
	struct topic **buckets; /* nbuckets chains */
	size_t nbuckets;
	size_t ntopics;
	atomic_uint_fast64_t published, delivered, dropped, lags, live, shed, subs;
};

/* ---------------------------------------------------------------- events */

struct claw_bus_event *
claw_bus_event_new(const char *name, int64_t seq, const char *bytes, size_t len)
{
	struct claw_bus_event *ev = claw_xmalloc(sizeof *ev + len + 1);
	atomic_init(&ev->refs, 1);
	ev->seq = seq;
	ev->name = name;
	ev->len = len;
	if (len > 0)
		memcpy(ev->data, bytes, len);
	ev->data[len] = '\0';
	return ev;
}

struct claw_bus_event *
claw_bus_event_ref(struct claw_bus_event *ev)
{
	atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
	return ev;
}

void
claw_bus_event_unref(struct claw_bus_event *ev)
{
	if (ev == NULL)
		return;
	if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) == 1)
		free(ev);
}

const char *
claw_bus_event_name(const struct claw_bus_event *ev)
{
	return ev->name;
}

int64_t
claw_bus_event_seq(const struct claw_bus_event *ev)
{
	return ev->seq;
}

const char *
claw_bus_event_data(const struct claw_bus_event *ev, size_t *len)
{
	if (len != NULL)
		*len = ev->len;
	return ev->data;
}

/* --------------------------------------------------------------- waiters */

enum claw_err
claw_bus_waiter_new(struct claw_bus_waiter **out, struct claw_error *err)
{
	char msg[128];
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	*out = NULL;
	if (fd < 0)
		return claw_error_set(err, CLAW_EIO, "bus: eventfd: %s",
				      claw_errno_text(errno, msg, sizeof msg));
	struct claw_bus_waiter *w = CLAW_NEW(struct claw_bus_waiter);
	atomic_init(&w->refs, 1);
	w->fd = fd;
	claw_mutex_init(&w->mu, "bus.waiter");
	*out = w;
	return CLAW_OK;
}

static struct claw_bus_waiter *
waiter_ref(struct claw_bus_waiter *w)
{
	atomic_fetch_add_explicit(&w->refs, 1, memory_order_relaxed);
	return w;
}

static void
waiter_unref(struct claw_bus_waiter *w)
{
	if (atomic_fetch_sub_explicit(&w->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (w->ready_head != NULL)
		abort(); /* a subscription outlived its waiter: a bug */
	(void)close(w->fd);
	claw_mutex_destroy(&w->mu);
	free(w);
}

void
claw_bus_waiter_free(struct claw_bus_waiter *w)
{
	if (w != NULL)
		waiter_unref(w);
}

int
claw_bus_waiter_fd(const struct claw_bus_waiter *w)
{
	return w->fd;
}

/* Writes the eventfd.  Called with no lock held. */
static void
waiter_wake(struct claw_bus_waiter *w)
{
	uint64_t one = 1;
	ssize_t n;
	do
		n = write(w->fd, &one, sizeof one);
	while (n < 0 && errno == EINTR);
	/* EAGAIN means the counter is saturated: the fd is readable anyway. */
}

static void
waiter_clear_fd(struct claw_bus_waiter *w)
{
	uint64_t v;
	ssize_t n;
	do
		n = read(w->fd, &v, sizeof v);
	while (n < 0 && errno == EINTR);
}

/* Unlinks sub from w's ready list if it is there. */
static void
ready_remove(struct claw_bus_waiter *w, struct claw_bus_sub *sub)
{
	claw_mutex_assert_held(&w->mu);
	if (!sub->ready)
		return;
	if (sub->rprev != NULL)
		sub->rprev->rnext = sub->rnext;
	else
		w->ready_head = sub->rnext;
	if (sub->rnext != NULL)
		sub->rnext->rprev = sub->rprev;
	else
		w->ready_tail = sub->rprev;
	sub->rprev = sub->rnext = NULL;
	sub->ready = false;
}

/* Appends sub to its waiter's ready list; true when the list was empty (so
 * the waiter must be woken once the locks are released). */
static bool
ready_add(struct claw_bus_sub *sub)
{
	struct claw_bus_waiter *w = sub->waiter;
	bool was_empty;

	claw_mutex_assert_held(&sub->topic->mu);
	claw_mutex_lock(&w->mu);
	was_empty = w->ready_head == NULL;
	if (!sub->ready) {
		sub->ready = true;
		sub->rnext = NULL;
		sub->rprev = w->ready_tail;
		if (w->ready_tail != NULL)
			w->ready_tail->rnext = sub;
		else
			w->ready_head = sub;
		w->ready_tail = sub;
	}
	claw_mutex_unlock(&w->mu);
	return was_empty;
}

size_t
claw_bus_waiter_ready(struct claw_bus_waiter *w, struct claw_bus_sub **out, size_t max)
{
	size_t n = 0;

	/* Clear the fd before looking: a wake that lands after this read is
	 * for a list we have not seen yet, so none is lost. */
	waiter_clear_fd(w);
	claw_mutex_lock(&w->mu);
	while (n < max && w->ready_head != NULL) {
		struct claw_bus_sub *sub = w->ready_head;
		ready_remove(w, sub);
		out[n++] = sub;
	}
	claw_mutex_unlock(&w->mu);
	return n;
}

bool
claw_bus_waiter_wait(struct claw_bus_waiter *w, int64_t timeout_ms)
{
	struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
	int64_t deadline = timeout_ms < 0 ? 0 : claw_clock_mono_ms() + timeout_ms;

	for (;;) {
		int wait = -1;
		if (timeout_ms >= 0) {
			int64_t left = deadline - claw_clock_mono_ms();
			if (left < 0)
				left = 0;
			wait = left > 60000 ? 60000 : (int)left;
		}
		int rc = poll(&pfd, 1, wait);
		if (rc > 0)
			return true;
		if (rc < 0 && errno != EINTR)
			return true; /* let the caller look; it loops anyway */
		if (rc == 0 && timeout_ms >= 0 && claw_clock_mono_ms() >= deadline)
			return false;
	}
}

/* ----------------------------------------------------------------- table */

static uint64_t
topic_hash(const char *project, int64_t run_id)
{
	unsigned char id[8];
	uint64_t r = (uint64_t)run_id;
	for (int i = 0; i < 8; i++, r >>= 8)
		id[i] = (unsigned char)(r & 0xff);
	return claw_fnv1a(claw_fnv1a(CLAW_FNV1A_INIT, project, strlen(project)), id, sizeof id);
}

static struct topic *
topic_find(struct claw_bus *bus, const char *project, int64_t run_id, uint64_t hash)
{
	claw_mutex_assert_held(&bus->mu);
	for (struct topic *t = bus->buckets[hash & (bus->nbuckets - 1)]; t != NULL; t = t->hnext)
		if (t->hash == hash && t->run_id == run_id && strcmp(t->project, project) == 0)
			return t;
	return NULL;
}

/* Doubles the table when it averages more than two topics a chain. */
static void
table_grow(struct claw_bus *bus)
{
	claw_mutex_assert_held(&bus->mu);
	if (bus->ntopics <= bus->nbuckets * 2)
		return;
	size_t n = bus->nbuckets * 2;
	struct topic **b = claw_xcalloc(n, sizeof(struct topic *));
	for (size_t i = 0; i < bus->nbuckets; i++) {
		struct topic *t = bus->buckets[i];
		while (t != NULL) {
			struct topic *next = t->hnext;
			t->hnext = b[t->hash & (n - 1)];
			b[t->hash & (n - 1)] = t;
			t = next;
		}
	}
	free(bus->buckets);
	bus->buckets = b;
	bus->nbuckets = n;
}

static void
table_unlink(struct claw_bus *bus, struct topic *t)
{
	claw_mutex_assert_held(&bus->mu);
	struct topic **pp = &bus->buckets[t->hash & (bus->nbuckets - 1)];
	while (*pp != t)
		pp = &(*pp)->hnext;
	*pp = t->hnext;
	bus->ntopics--;
}

struct claw_bus *
claw_bus_new(void)
{
	struct claw_bus *bus = CLAW_NEW(struct claw_bus);
	claw_mutex_init(&bus->mu, "bus");
	bus->nbuckets = BUS_BUCKETS_MIN;
	bus->buckets = claw_xcalloc(bus->nbuckets, sizeof(struct topic *));
	atomic_init(&bus->published, 0);
	atomic_init(&bus->delivered, 0);
	atomic_init(&bus->dropped, 0);
	atomic_init(&bus->lags, 0);
	atomic_init(&bus->subs, 0);
	return bus;
}

void
claw_bus_free(struct claw_bus *bus)
{
	if (bus == NULL)
		return;
	if (bus->ntopics != 0)
		abort(); /* subscriptions still open: a bug in the caller */
	free(bus->buckets);
	claw_mutex_destroy(&bus->mu);
	free(bus);
}

void
claw_bus_get_stats(struct claw_bus *bus, struct claw_bus_stats *out)
{
	out->published = atomic_load(&bus->published);
	out->delivered = atomic_load(&bus->delivered);
	out->dropped = atomic_load(&bus->dropped);
	out->lags = atomic_load(&bus->lags);
	out->live = atomic_load(&bus->live);
	out->shed = atomic_load(&bus->shed);
	out->subs = atomic_load(&bus->subs);
	claw_mutex_lock(&bus->mu);
	out->topics = bus->ntopics;
	claw_mutex_unlock(&bus->mu);
}

/* --------------------------------------------------------------- publish */

/* Appends ev to sub's queue (true), or marks it lagging (false).
 * *became_ready is set when the queue went from empty to non-empty. */
static bool
queue_push(struct claw_bus *bus, struct claw_bus_sub *sub, struct claw_bus_event *ev,
	   bool *became_ready)
{
	claw_mutex_assert_held(&sub->topic->mu);
	*became_ready = false;
	if (ev->seq == CLAW_BUS_NO_SEQ && (sub->lagging || sub->count * 2 > sub->cap)) {
		atomic_fetch_add_explicit(&bus->shed, 1, memory_order_relaxed);
		return false;
	}
	if (sub->lagging) {
		atomic_fetch_add_explicit(&bus->dropped, 1, memory_order_relaxed);
		return false;
	}
	if (sub->count == sub->cap) {
		sub->lagging = true;
		atomic_fetch_add_explicit(&bus->lags, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&bus->dropped, 1, memory_order_relaxed);
		return false;
	}
	sub->q[(sub->head + sub->count) % sub->cap] = claw_bus_event_ref(ev);
	sub->count++;
	if (ev->seq != CLAW_BUS_NO_SEQ)
		sub->last_seq = ev->seq;
	*became_ready = sub->count == 1;
	return true;
}

size_t
claw_bus_publish(struct claw_bus *bus, const char *project, int64_t run_id,
		 struct claw_bus_event *ev)
{
	return claw_bus_publish_many(bus, project, run_id, &ev, 1);
}

size_t
claw_bus_publish_many(struct claw_bus *bus, const char *project, int64_t run_id,
		      struct claw_bus_event *const *evs, size_t n)
{
	struct claw_bus_waiter *inline_wake[BUS_WAKE_INLINE];
	struct claw_bus_waiter **wake = inline_wake;
	size_t nwake = 0, wake_cap = BUS_WAKE_INLINE, delivered = 0;
	uint64_t hash = topic_hash(project, run_id);

	atomic_fetch_add_explicit(&bus->published, n, memory_order_relaxed);
	for (size_t i = 0; i < n; i++)
		if (evs[i]->seq == CLAW_BUS_NO_SEQ)
			atomic_fetch_add_explicit(&bus->live, 1, memory_order_relaxed);
	claw_mutex_lock(&bus->mu);
	struct topic *t = topic_find(bus, project, run_id, hash);
	if (t == NULL) {
		claw_mutex_unlock(&bus->mu);
		return 0;
	}
	claw_mutex_lock(&t->mu);
	claw_mutex_unlock(&bus->mu);

	for (struct claw_bus_sub *sub = t->subs; sub != NULL; sub = sub->next) {
		bool became_ready = false;
		for (size_t i = 0; i < n; i++) {
			bool first;
			if (!queue_push(bus, sub, evs[i], &first))
				continue; /* lagging: counted as dropped */
			delivered++;
			became_ready |= first;
		}
		if (!became_ready || !ready_add(sub))
			continue;
		if (nwake == wake_cap) {
			wake_cap *= 2;
			if (wake == inline_wake) {
				wake = claw_xmalloc(wake_cap * sizeof(struct claw_bus_waiter *));
				memcpy(wake, inline_wake, sizeof inline_wake);
			} else {
				wake = claw_xrealloc(wake,
						     wake_cap * sizeof(struct claw_bus_waiter *));
			}
		}
		wake[nwake++] = waiter_ref(sub->waiter);
	}
	claw_mutex_unlock(&t->mu);
	atomic_fetch_add_explicit(&bus->delivered, delivered, memory_order_relaxed);

	/* Locks released: now wake (empty → non-empty only). */
	for (size_t i = 0; i < nwake; i++) {
		waiter_wake(wake[i]);
		waiter_unref(wake[i]);
	}
	if (wake != inline_wake)
		free(wake);
	return delivered;
}

/* --------------------------------------------------------- subscriptions */

enum claw_err
claw_bus_subscribe(struct claw_bus *bus, const char *project, int64_t run_id, size_t cap,
		   struct claw_bus_waiter *w, void *user, struct claw_bus_sub **out,
		   struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	bool private_waiter = false;
	uint64_t hash = topic_hash(project, run_id);

	*out = NULL;
	if (cap == 0 || cap > CLAW_BUS_QUEUE_MAX)
		return claw_error_set(err, CLAW_EINVAL, "bus: queue of %zu events (1..%zu)", cap,
				      CLAW_BUS_QUEUE_MAX);
	if (w == NULL) {
		rc = claw_bus_waiter_new(&w, err);
		if (rc != CLAW_OK)
			goto out;
		private_waiter = true;
	} else {
		waiter_ref(w);
	}

	struct claw_bus_sub *sub = CLAW_NEW(struct claw_bus_sub);
	sub->bus = bus;
	sub->waiter = w;
	sub->private_waiter = private_waiter;
	sub->user = user;
	sub->cap = cap;
	sub->q = claw_xcalloc(cap, sizeof(struct claw_bus_event *));

	claw_mutex_lock(&bus->mu);
	struct topic *t = topic_find(bus, project, run_id, hash);
	if (t == NULL) {
		t = CLAW_NEW(struct topic);
		t->hash = hash;
		t->project = claw_xstrdup(project);
		t->run_id = run_id;
		claw_mutex_init(&t->mu, "bus.topic");
		t->hnext = bus->buckets[hash & (bus->nbuckets - 1)];
		bus->buckets[hash & (bus->nbuckets - 1)] = t;
		bus->ntopics++;
		table_grow(bus);
	}
	sub->topic = t;
	claw_mutex_lock(&t->mu);
	sub->next = t->subs;
	if (t->subs != NULL)
		t->subs->prev = sub;
	t->subs = sub;
	claw_mutex_unlock(&t->mu);
	claw_mutex_unlock(&bus->mu);

	atomic_fetch_add_explicit(&bus->subs, 1, memory_order_relaxed);
	*out = sub;
out:
	return rc;
}

void
claw_bus_unsubscribe(struct claw_bus_sub *sub)
{
	if (sub == NULL)
		return;
	struct claw_bus *bus = sub->bus;
	struct topic *t = sub->topic;
	bool last;

	claw_mutex_lock(&bus->mu);
	claw_mutex_lock(&t->mu);
	if (sub->prev != NULL)
		sub->prev->next = sub->next;
	else
		t->subs = sub->next;
	if (sub->next != NULL)
		sub->next->prev = sub->prev;
	last = t->subs == NULL;
	if (last)
		table_unlink(bus, t);
	claw_mutex_unlock(&t->mu);
	claw_mutex_unlock(&bus->mu);

	if (last) {
		claw_mutex_destroy(&t->mu);
		free(t->project);
		free(t);
	}

	/* No publisher can reach sub now; take it off the ready list. */
	claw_mutex_lock(&sub->waiter->mu);
	ready_remove(sub->waiter, sub);
	claw_mutex_unlock(&sub->waiter->mu);

	for (size_t i = 0; i < sub->count; i++)
		claw_bus_event_unref(sub->q[(sub->head + i) % sub->cap]);
	free(sub->q);
	waiter_unref(sub->waiter);
	atomic_fetch_sub_explicit(&bus->subs, 1, memory_order_relaxed);
	free(sub);
}

void *
claw_bus_sub_user(const struct claw_bus_sub *sub)
{
	return sub->user;
}

int64_t
claw_bus_sub_run_id(const struct claw_bus_sub *sub)
{
	return sub->topic->run_id;
}

enum claw_bus_take
claw_bus_sub_take(struct claw_bus_sub *sub, struct claw_bus_event **ev, int64_t *last_seq)
{
	enum claw_bus_take r = CLAW_BUS_EMPTY;
	struct topic *t = sub->topic;

	*ev = NULL;
	claw_mutex_lock(&t->mu);
	if (sub->count > 0) {
		*ev = sub->q[sub->head];
		sub->q[sub->head] = NULL;
		sub->head = (sub->head + 1) % sub->cap;
		sub->count--;
		r = CLAW_BUS_EVENT;
	} else if (sub->lagging) {
		sub->lagging = false;
		if (last_seq != NULL)
			*last_seq = sub->last_seq;
		r = CLAW_BUS_LAGGED;
	}
	claw_mutex_unlock(&t->mu);
	return r;
}

enum claw_bus_take
claw_bus_sub_next(struct claw_bus_sub *sub, int64_t timeout_ms, struct claw_bus_event **ev,
		  int64_t *last_seq)
{
	struct claw_bus_waiter *w = sub->waiter;
	struct claw_bus_sub *ready;
	int64_t deadline = claw_clock_mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);

	if (!sub->private_waiter)
		abort(); /* would steal a shared waiter's wakeups: a bug */
	for (;;) {
		/* Clear the wake state first, then look (see waiter_ready). */
		while (claw_bus_waiter_ready(w, &ready, 1) == 1)
			;
		enum claw_bus_take r = claw_bus_sub_take(sub, ev, last_seq);
		if (r != CLAW_BUS_EMPTY)
			return r;
		int64_t left = timeout_ms < 0 ? -1 : deadline - claw_clock_mono_ms();
		if (timeout_ms >= 0 && left <= 0)
			return CLAW_BUS_EMPTY;
		if (!claw_bus_waiter_wait(w, left) && timeout_ms >= 0)
			return claw_bus_sub_take(sub, ev, last_seq);
	}
}
