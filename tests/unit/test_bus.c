/*
 * test_bus — single-threaded behaviour of the bus: topics, queues, lagging,
 * waiters and their empty → non-empty wakeups.  The threaded stress test is
 * test_bus_threads.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "tap.h"
#include "trace/bus.h"

static struct claw_bus_event *
mk(int64_t seq)
{
	char text[32];
	int n = snprintf(text, sizeof text, "row %lld", (long long)seq);
	return claw_bus_event_new("trace", seq, text, (size_t)n);
}

static void
pub(struct claw_bus *bus, const char *project, int64_t run, int64_t seq)
{
	struct claw_bus_event *ev = mk(seq);
	(void)claw_bus_publish(bus, project, run, ev);
	claw_bus_event_unref(ev);
}

static bool
readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

/* Takes one event and returns its seq (-1 empty, -2 lagged with *last). */
static int64_t
take_seq(struct claw_bus_sub *sub, int64_t *last)
{
	struct claw_bus_event *ev;
	int64_t l = 0;
	switch (claw_bus_sub_take(sub, &ev, &l)) {
	case CLAW_BUS_EVENT: {
		int64_t s = claw_bus_event_seq(ev);
		claw_bus_event_unref(ev);
		return s;
	}
	case CLAW_BUS_LAGGED:
		if (last != NULL)
			*last = l;
		return -2;
	case CLAW_BUS_EMPTY:
		break;
	}
	return -1;
}

static void
test_event(void)
{
	struct claw_bus_event *ev = claw_bus_event_new("issue", 7, "{\"a\":1}", 7);
	size_t len = 0;
	is_str(claw_bus_event_name(ev), "issue", "event keeps its name");
	is_int(claw_bus_event_seq(ev), 7, "event keeps its seq");
	is_str(claw_bus_event_data(ev, &len), "{\"a\":1}", "event bytes are NUL-terminated");
	is_int(len, 7, "event length");
	claw_bus_event_ref(ev);
	claw_bus_event_unref(ev);
	claw_bus_event_unref(ev);
	claw_bus_event_unref(NULL);
}

static void
test_topics(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_sub *a, *b, *board, *other;
	struct claw_error err;
	struct claw_bus_event *ev = mk(1);

	is_int(claw_bus_publish(bus, "p", 1, ev), 0, "publish without subscribers reaches nobody");
	is_int(claw_bus_subscribe(bus, "p", 1, 0, NULL, NULL, &a, &err), CLAW_EINVAL,
	       "queue of 0 is refused");
	is_int(claw_bus_subscribe(bus, "p", 1, CLAW_BUS_QUEUE_MAX + 1, NULL, NULL, &a, &err),
	       CLAW_EINVAL, "queue over the max is refused");

	ok(claw_bus_subscribe(bus, "p", 1, 8, NULL, (void *)bus, &a, &err) == CLAW_OK, "sub a");
	ok(claw_bus_subscribe(bus, "p", 1, 8, NULL, NULL, &b, &err) == CLAW_OK, "sub b");
	ok(claw_bus_subscribe(bus, "p", CLAW_BUS_BOARD, 8, NULL, NULL, &board, &err) == CLAW_OK,
	   "sub board");
	ok(claw_bus_subscribe(bus, "q", 1, 8, NULL, NULL, &other, &err) == CLAW_OK,
	   "sub other project");
	ok(claw_bus_sub_user(a) == (void *)bus, "user pointer kept");
	is_int(claw_bus_sub_run_id(a), 1, "run id of the subscription");

	is_int(claw_bus_publish(bus, "p", 1, ev), 2, "run topic reaches its two subscribers");
	claw_bus_event_unref(ev);

	struct claw_bus_event *ea, *eb;
	int64_t last;
	is_int(claw_bus_sub_take(a, &ea, &last), CLAW_BUS_EVENT, "a got it");
	is_int(claw_bus_sub_take(b, &eb, &last), CLAW_BUS_EVENT, "b got it");
	ok(ea == eb, "one shared event, not a copy per subscriber");
	claw_bus_event_unref(ea);
	claw_bus_event_unref(eb);
	is_int(take_seq(board, NULL), -1, "board topic saw nothing");
	is_int(take_seq(other, NULL), -1, "other project saw nothing");

	pub(bus, "p", CLAW_BUS_BOARD, 5);
	is_int(take_seq(board, NULL), 5, "board event");
	is_int(take_seq(a, NULL), -1, "run subscriber did not see the board event");

	/* Queued events are released on unsubscribe (ASan checks the leak). */
	pub(bus, "p", 1, 2);
	pub(bus, "p", 1, 3);
	struct claw_bus_stats st;
	claw_bus_get_stats(bus, &st);
	is_int(st.topics, 3, "three topics open");
	is_int(st.subs, 4, "four subscriptions open");
	is_int(st.delivered, 7, "delivered count");
	claw_bus_unsubscribe(a);
	claw_bus_unsubscribe(b);
	claw_bus_unsubscribe(board);
	claw_bus_unsubscribe(other);
	claw_bus_unsubscribe(NULL);
	claw_bus_get_stats(bus, &st);
	is_int(st.topics, 0, "topics close with their last subscriber");
	is_int(st.subs, 0, "no subscriptions left");
	claw_bus_free(bus);
}

static void
test_lagging(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_sub *s, *fast;
	struct claw_error err;
	int64_t last = -1;

	ok(claw_bus_subscribe(bus, "p", 9, 2, NULL, NULL, &s, &err) == CLAW_OK, "small queue");
	ok(claw_bus_subscribe(bus, "p", 9, 16, NULL, NULL, &fast, &err) == CLAW_OK, "big queue");
	for (int64_t i = 1; i <= 5; i++)
		pub(bus, "p", 9, i);
	is_int(take_seq(s, NULL), 1, "first queued event");
	pub(bus, "p", 9, 6); /* still lagging: dropped even though there is room */
	is_int(take_seq(s, NULL), 2, "second queued event");
	is_int(take_seq(s, &last), -2, "then the lag report");
	is_int(last, 2, "lag report carries the last seq it got");
	is_int(take_seq(s, NULL), -1, "lag reported once");
	pub(bus, "p", 9, 7);
	is_int(take_seq(s, NULL), 7, "live again after the report");
	for (int64_t i = 1; i <= 7; i++)
		is_int(take_seq(fast, NULL), i, "big queue got seq %lld", (long long)i);

	struct claw_bus_stats st;
	claw_bus_get_stats(bus, &st);
	is_int(st.lags, 1, "one lag counted");
	is_int(st.dropped, 4, "four drops counted (3, 4, 5, 6)");
	claw_bus_unsubscribe(s);
	claw_bus_unsubscribe(fast);
	claw_bus_free(bus);
}

/* Live-only events (no seq) never make a subscriber lag: they are shed
 * once its queue is half full, and rows still get the room. */
static void
test_live_only(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_sub *s;
	struct claw_bus_event *ev;
	struct claw_error err;
	int64_t last = -1;

	ok(claw_bus_subscribe(bus, "p", 9, 4, NULL, NULL, &s, &err) == CLAW_OK, "queue of 4");
	pub(bus, "p", 9, 1);
	for (int i = 0; i < 5; i++) /* queue 1 row: 2 deltas fit (3 <= half after) */
		pub(bus, "p", 9, CLAW_BUS_NO_SEQ);
	pub(bus, "p", 9, 2);
	is_int(take_seq(s, NULL), 1, "the row");
	int deltas = 0;
	while (claw_bus_sub_take(s, &ev, &last) == CLAW_BUS_EVENT) {
		int64_t seq = claw_bus_event_seq(ev);
		claw_bus_event_unref(ev);
		if (seq != CLAW_BUS_NO_SEQ) {
			is_int(seq, 2, "then the next row, not lost to deltas");
			break;
		}
		deltas++;
	}
	is_int(deltas, 2, "deltas queued only while the queue was at most half full");
	pub(bus, "p", 9, 3);
	is_int(take_seq(s, &last), 3, "no lag: the next row comes");
	struct claw_bus_stats st;
	claw_bus_get_stats(bus, &st);
	is_int(st.lags, 0, "no lag counted");
	is_int(st.live, 5, "five live-only events published");
	is_int(st.shed, 3, "three shed");
	is_int(st.dropped, 0, "no row dropped");
	claw_bus_unsubscribe(s);
	claw_bus_free(bus);
}

static void
test_waiter(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_waiter *w;
	struct claw_bus_sub *s1, *s2, *ready[4];
	struct claw_error err;

	ok(claw_bus_waiter_new(&w, &err) == CLAW_OK, "waiter");
	ok(claw_bus_subscribe(bus, "p", 1, 8, w, NULL, &s1, &err) == CLAW_OK, "s1 on waiter");
	ok(claw_bus_subscribe(bus, "p", 2, 8, w, NULL, &s2, &err) == CLAW_OK, "s2 on waiter");
	int fd = claw_bus_waiter_fd(w);
	ok(!readable(fd), "quiet waiter is not readable");
	is_int(claw_bus_waiter_ready(w, ready, 4), 0, "nothing ready");

	pub(bus, "p", 1, 1);
	ok(readable(fd), "empty → non-empty wakes the waiter");
	pub(bus, "p", 2, 1);
	is_int(claw_bus_waiter_ready(w, ready, 4), 2, "both subscriptions ready");
	ok(ready[0] == s1 && ready[1] == s2, "in the order they became ready");
	ok(!readable(fd), "ready() cleared the fd");

	pub(bus, "p", 1, 2); /* s1 still holds seq 1: no wake */
	ok(!readable(fd), "non-empty → non-empty does not wake");
	is_int(take_seq(s1, NULL), 1, "s1 seq 1");
	is_int(take_seq(s1, NULL), 2, "s1 seq 2");
	is_int(take_seq(s1, NULL), -1, "s1 drained");
	pub(bus, "p", 1, 3);
	ok(readable(fd), "drained queue wakes again");
	ok(claw_bus_waiter_wait(w, 0), "wait sees it");

	/* A ready subscription closed before the hub looks leaves the list. */
	claw_bus_unsubscribe(s1);
	is_int(claw_bus_waiter_ready(w, ready, 4), 0, "closed subscription is not offered");
	claw_bus_waiter_free(w); /* s2 keeps it alive */
	pub(bus, "p", 2, 2);
	is_int(take_seq(s2, NULL), 1, "s2 seq 1 after the owner dropped the waiter");
	claw_bus_unsubscribe(s2);
	claw_bus_free(bus);
}

/* A group: in order, one wake, and a full queue lags for the rest. */
static void
test_publish_many(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_waiter *w;
	struct claw_bus_sub *s, *small, *ready[4];
	struct claw_bus_event *evs[5];
	struct claw_error err;

	ok(claw_bus_waiter_new(&w, &err) == CLAW_OK, "waiter");
	ok(claw_bus_subscribe(bus, "p", 3, 8, w, NULL, &s, &err) == CLAW_OK, "a queue of 8");
	ok(claw_bus_subscribe(bus, "p", 3, 2, NULL, NULL, &small, &err) == CLAW_OK, "a queue of 2");
	for (int i = 0; i < 5; i++)
		evs[i] = mk(i + 1);
	is_int((int64_t)claw_bus_publish_many(bus, "p", 3, evs, 5), 7,
	       "five to one queue, two to the small one");
	for (int i = 0; i < 5; i++)
		claw_bus_event_unref(evs[i]);
	is_int((int64_t)claw_bus_waiter_ready(w, ready, 4), 1, "the group woke its waiter once");
	for (int64_t i = 1; i <= 5; i++)
		is_int(take_seq(s, NULL), i, "in order: seq %lld", (long long)i);
	is_int(take_seq(small, NULL), 1, "the small queue: 1");
	is_int(take_seq(small, NULL), 2, "then 2");
	is_int(take_seq(small, NULL), -2, "then lagged for 3..5");
	struct claw_bus_stats st;
	claw_bus_get_stats(bus, &st);
	is_int((int64_t)st.published, 5, "five events published");
	is_int((int64_t)st.dropped, 3, "three dropped");
	claw_bus_unsubscribe(s);
	claw_bus_unsubscribe(small);
	claw_bus_waiter_free(w);
	claw_bus_free(bus);
}

static void
test_next(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_sub *s;
	struct claw_bus_event *ev;
	struct claw_error err;
	int64_t last;

	ok(claw_bus_subscribe(bus, "p", 1, 4, NULL, NULL, &s, &err) == CLAW_OK, "sub");
	int64_t t0 = claw_clock_mono_ms();
	is_int(claw_bus_sub_next(s, 30, &ev, &last), CLAW_BUS_EMPTY, "timeout when quiet");
	ok(claw_clock_mono_ms() - t0 >= 29, "waited about the timeout");
	is_int(claw_bus_sub_next(s, 0, &ev, &last), CLAW_BUS_EMPTY, "zero timeout polls");
	pub(bus, "p", 1, 4);
	pub(bus, "p", 1, 5);
	is_int(claw_bus_sub_next(s, 1000, &ev, &last), CLAW_BUS_EVENT, "next returns the event");
	is_int(claw_bus_event_seq(ev), 4, "seq 4");
	claw_bus_event_unref(ev);
	is_int(claw_bus_sub_next(s, -1, &ev, &last), CLAW_BUS_EVENT, "next without timeout");
	is_int(claw_bus_event_seq(ev), 5, "seq 5");
	claw_bus_event_unref(ev);
	for (int64_t i = 6; i <= 20; i++)
		pub(bus, "p", 1, i);
	for (int64_t i = 6; i <= 9; i++) {
		is_int(claw_bus_sub_next(s, 0, &ev, &last), CLAW_BUS_EVENT, "queued %lld",
		       (long long)i);
		claw_bus_event_unref(ev);
	}
	is_int(claw_bus_sub_next(s, 0, &ev, &last), CLAW_BUS_LAGGED, "then lagged");
	is_int(last, 9, "last seq 9");
	claw_bus_unsubscribe(s);
	claw_bus_free(bus);
}

static void
test_many_topics(void)
{
	struct claw_bus *bus = claw_bus_new();
	struct claw_bus_sub *subs[300];
	struct claw_error err;
	bool all = true;

	for (int i = 0; i < 300; i++)
		all &= claw_bus_subscribe(bus, "proj", i + 1, 2, NULL, NULL, &subs[i], &err) ==
		       CLAW_OK;
	ok(all, "300 topics (the table grows)");
	for (int i = 0; i < 300; i++)
		pub(bus, "proj", i + 1, i + 1);
	all = true;
	for (int i = 0; i < 300; i++)
		all &= take_seq(subs[i], NULL) == i + 1;
	ok(all, "each topic got its own event after growth");
	for (int i = 0; i < 300; i++)
		claw_bus_unsubscribe(subs[i]);
	claw_bus_free(bus);
}

int
main(void)
{
	test_event();
	test_topics();
	test_lagging();
	test_live_only();
	test_waiter();
	test_publish_many();
	test_next();
	test_many_topics();
	return tap_done();
}
