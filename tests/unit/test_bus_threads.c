/*
 * test_bus_threads — the bus under concurrent publishers and subscribers.
 *
 * 8 publisher threads each publish seq 1..20000 on their own run topic; 32
 * subscriptions watch them, 4 per topic:
 *   - 2 fast ones per topic, served by two hub-like threads that each wait on
 *     one shared waiter (16 subscriptions): they must get every seq in order,
 *     never lag (their queues hold a whole topic, so this is deterministic);
 *   - 1 jittery one per topic (own thread, claw_bus_sub_next, a small queue,
 *     naps): seqs strictly increase and every lag report names the last seq
 *     it got;
 *   - 1 stalled one per topic that nobody reads until the publishers are
 *     done: the publishers must finish anyway (a blocked publish would hang
 *     here: alarm() is the watchdog), and the stalled queue then holds
 *     exactly its first cap events followed by one lag report.
 * Meant to run under --enable-tsan too; a few seconds at most.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "tap.h"
#include "trace/bus.h"

#define PUBLISHERS 8
#define EVENTS 20000
#define FAST_CAP 32768 /* > EVENTS: a fast subscriber can never lag */
#define JITTER_CAP 64
#define STALL_CAP 16
#define HUBS 2

static struct claw_bus *bus;
static atomic_int publishers_done;
static atomic_int start_gate;

struct fast_state {
	int64_t next;   /* the seq expected next */
	int64_t errors; /* out-of-order or missing */
	int64_t lags;
};

struct hub {
	pthread_t th;
	struct claw_bus_waiter *w;
	struct claw_bus_sub *subs[PUBLISHERS];
	struct fast_state st[PUBLISHERS];
};

struct jitter {
	pthread_t th;
	struct claw_bus_sub *sub;
	int64_t got, lags, errors, max_seen;
};

static void *
publisher(void *arg)
{
	int64_t run = (int64_t)(intptr_t)arg;
	char row[64];
	while (atomic_load(&start_gate) == 0)
		;
	for (int64_t seq = 1; seq <= EVENTS; seq++) {
		int n = snprintf(row, sizeof row, "{\"seq\":%lld,\"runId\":%lld}", (long long)seq,
				 (long long)run);
		struct claw_bus_event *ev = claw_bus_event_new("trace", seq, row, (size_t)n);
		(void)claw_bus_publish(bus, "proj", run, ev);
		claw_bus_event_unref(ev);
	}
	return NULL;
}

static void *
hub_main(void *arg)
{
	struct hub *h = arg;
	struct claw_bus_sub *ready[PUBLISHERS];
	int done = 0;

	while (done < PUBLISHERS) {
		(void)claw_bus_waiter_wait(h->w, 200);
		size_t n = claw_bus_waiter_ready(h->w, ready, PUBLISHERS);
		for (size_t i = 0; i < n; i++) {
			struct fast_state *st = claw_bus_sub_user(ready[i]);
			struct claw_bus_event *ev;
			int64_t last;
			enum claw_bus_take r;
			while ((r = claw_bus_sub_take(ready[i], &ev, &last)) != CLAW_BUS_EMPTY) {
				if (r == CLAW_BUS_LAGGED) {
					st->lags++;
					continue;
				}
				if (claw_bus_event_seq(ev) != st->next)
					st->errors++;
				st->next = claw_bus_event_seq(ev) + 1;
				if (st->next == EVENTS + 1)
					done++;
				claw_bus_event_unref(ev);
			}
		}
		if (atomic_load(&publishers_done) && n == 0) {
			/* Everything published; a last sweep in case of a bug. */
			bool all = true;
			for (int i = 0; i < PUBLISHERS; i++)
				all &= h->st[i].next == EVENTS + 1;
			if (!all && !claw_bus_waiter_wait(h->w, 1000))
				break;
		}
	}
	return NULL;
}

static void *
jitter_main(void *arg)
{
	struct jitter *j = arg;
	struct claw_bus_event *ev;
	int64_t last;

	for (;;) {
		enum claw_bus_take r = claw_bus_sub_next(j->sub, 50, &ev, &last);
		if (r == CLAW_BUS_EMPTY) {
			if (atomic_load(&publishers_done))
				break;
			continue;
		}
		if (r == CLAW_BUS_LAGGED) {
			j->lags++;
			if (last != j->max_seen)
				j->errors++;
			continue;
		}
		int64_t seq = claw_bus_event_seq(ev);
		if (seq <= j->max_seen)
			j->errors++;
		j->max_seen = seq;
		j->got++;
		claw_bus_event_unref(ev);
		if (j->got % 500 == 0)
			claw_clock_sleep_ms(1);
	}
	return NULL;
}

int
main(void)
{
	struct hub hubs[HUBS];
	struct jitter jit[PUBLISHERS];
	struct claw_bus_sub *stalled[PUBLISHERS];
	pthread_t pubs[PUBLISHERS];
	struct claw_error err;
	bool all = true;

	alarm(120); /* watchdog: a blocked publisher must not hang the suite */
	bus = claw_bus_new();
	memset(hubs, 0, sizeof hubs);
	memset(jit, 0, sizeof jit);

	for (int h = 0; h < HUBS; h++) {
		all &= claw_bus_waiter_new(&hubs[h].w, &err) == CLAW_OK;
		for (int p = 0; p < PUBLISHERS; p++) {
			hubs[h].st[p].next = 1;
			all &= claw_bus_subscribe(bus, "proj", p + 1, FAST_CAP, hubs[h].w,
						  &hubs[h].st[p], &hubs[h].subs[p],
						  &err) == CLAW_OK;
		}
	}
	for (int p = 0; p < PUBLISHERS; p++) {
		all &= claw_bus_subscribe(bus, "proj", p + 1, JITTER_CAP, NULL, NULL, &jit[p].sub,
					  &err) == CLAW_OK;
		all &= claw_bus_subscribe(bus, "proj", p + 1, STALL_CAP, NULL, NULL, &stalled[p],
					  &err) == CLAW_OK;
	}
	ok(all, "32 subscriptions on 8 topics");

	for (int h = 0; h < HUBS; h++)
		(void)pthread_create(&hubs[h].th, NULL, hub_main, &hubs[h]);
	for (int p = 0; p < PUBLISHERS; p++)
		(void)pthread_create(&jit[p].th, NULL, jitter_main, &jit[p]);
	for (int p = 0; p < PUBLISHERS; p++)
		(void)pthread_create(&pubs[p], NULL, publisher, (void *)(intptr_t)(p + 1));

	int64_t t0 = claw_clock_mono_ms();
	atomic_store(&start_gate, 1);
	for (int p = 0; p < PUBLISHERS; p++)
		(void)pthread_join(pubs[p], NULL);
	int64_t pub_ms = claw_clock_mono_ms() - t0;
	atomic_store(&publishers_done, 1);
	ok(true, "publishers finished while 8 subscribers never read (%lld ms)", (long long)pub_ms);

	for (int h = 0; h < HUBS; h++)
		(void)pthread_join(hubs[h].th, NULL);
	for (int p = 0; p < PUBLISHERS; p++)
		(void)pthread_join(jit[p].th, NULL);

	for (int h = 0; h < HUBS; h++)
		for (int p = 0; p < PUBLISHERS; p++) {
			struct fast_state *st = &hubs[h].st[p];
			ok(st->next == EVENTS + 1 && st->errors == 0 && st->lags == 0,
			   "hub %d topic %d: every seq in order (next %lld, errors %lld, lags "
			   "%lld)",
			   h, p + 1, (long long)st->next, (long long)st->errors,
			   (long long)st->lags);
		}

	int64_t jitter_lags = 0;
	for (int p = 0; p < PUBLISHERS; p++) {
		ok(jit[p].errors == 0 && jit[p].got > 0,
		   "jittery topic %d: increasing seqs, lag reports name the last seq (got %lld, "
		   "lags %lld, errors %lld)",
		   p + 1, (long long)jit[p].got, (long long)jit[p].lags, (long long)jit[p].errors);
		jitter_lags += jit[p].lags;
	}
	tap_diag("jittery subscribers lagged %lld times in all", (long long)jitter_lags);

	for (int p = 0; p < PUBLISHERS; p++) {
		struct claw_bus_event *ev;
		int64_t last = -1, expect = 1;
		bool in_order = true;
		while (claw_bus_sub_take(stalled[p], &ev, &last) == CLAW_BUS_EVENT) {
			in_order &= claw_bus_event_seq(ev) == expect++;
			claw_bus_event_unref(ev);
		}
		ok(in_order && expect == STALL_CAP + 1 && last == STALL_CAP,
		   "stalled topic %d: kept its first %d events, then lagged at %lld", p + 1,
		   STALL_CAP, (long long)last);
		is_int(claw_bus_sub_take(stalled[p], &ev, &last), CLAW_BUS_EMPTY,
		       "stalled topic %d: lag reported once", p + 1);
	}

	struct claw_bus_stats st;
	claw_bus_get_stats(bus, &st);
	is_int(st.published, PUBLISHERS * EVENTS, "publish calls counted");
	ok(st.lags >= PUBLISHERS, "lags counted (%llu)", (unsigned long long)st.lags);

	for (int h = 0; h < HUBS; h++) {
		for (int p = 0; p < PUBLISHERS; p++)
			claw_bus_unsubscribe(hubs[h].subs[p]);
		claw_bus_waiter_free(hubs[h].w);
	}
	for (int p = 0; p < PUBLISHERS; p++) {
		claw_bus_unsubscribe(jit[p].sub);
		claw_bus_unsubscribe(stalled[p]);
	}
	claw_bus_free(bus);
	return tap_done();
}
