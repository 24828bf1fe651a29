/*
 * sse — the stream hub.  See sse.h for what it promises.
 *
 * Shape.  Each stream is a state machine driven by one thread:
 *
 *   CATCHUP ──(db has no more rows)──► LIVE ──(bus: lagged)──► CATCHUP
 *      ▲                                │
 *      └──────────(bus: end)────────────┘   then: end frame, FINISHED
 *
 * A stream's output is a buffer of raw FastCGI bytes (STDOUT records
 * wrapping SSE text, grown in place while their header is unwritten) and
 * an offset of what the socket took.  service() alternates filling (db rows
 * in CATCHUP, bus events in LIVE, only while the buffer holds less than
 * CLAW_HUB_WRITE_MAX) and writing (at most CLAW_HUB_WRITE_MAX per turn,
 * until EAGAIN).  Streams with work left go on the run list and are served
 * round-robin, one turn each per loop, before the loop sleeps in epoll.
 *
 * Wake-ups: the bus marks a subscription ready when its queue turns
 * non-empty, but offers it again only after it was drained, so a stream
 * keeps `has_events` until a take says EMPTY.  Sockets are edge-triggered
 * and watched for EPOLLRDHUP always, for EPOLLOUT only while output waits
 * on a full socket: `writable` is cleared by EAGAIN (which arms EPOLLOUT)
 * and set again by EPOLLOUT; a drained stream disarms it.  An always-armed
 * EPOLLOUT would wake the hub each time nginx reads an event off a stream,
 * 10 000 wake-ups per event at 10 000 streams.
 *
 * Formatting once: consecutive streams of one topic take the same event in
 * a row, so the hub keeps the last formatted event, as a STDOUT record,
 * keyed by the event (holding a reference).  A stream with nothing pending
 * and one event to send writes it straight from there: its send is queued
 * in the hub's sendq, and a batch of them goes to the kernel at once
 * (sendq.h).  The record must not change under queued sends, nor the
 * socket close, so the queue is flushed at the end of every loop turn, and
 * before the cached record or its request id changes and before a stream
 * with a send queued is closed; a stream with a send queued does nothing
 * more until its result is in (sent()).  Only what a socket does not take
 * is copied into the stream's own output.  A stream with several events waiting (a run
 * writes its rows in bursts: a reply, a tool call, its result) gathers them
 * in its output and sends them in one write, so nginx relays the burst with
 * one read and one write instead of one per row.
 *
 * Lifetimes: a closed stream is unsubscribed and its fd closed at once,
 * but it is freed only at the end of the loop turn (the run list and the
 * current epoll batch may still point at it), or, when its catch-up job is
 * out, once the job comes back (take_replays; its fd is out of epoll by
 * then, and a stream still on the run list is freed from there).  A flush
 * of the queued sends may close any stream whose send failed: code that
 * flushes (directly, or through cache_frame, cache_reqid, send_event or
 * close_stream) must not hold on to another stream's liveness across it.
 */
#include "server/sse.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "server/board.h"
#include "server/fcgi_wire.h"
#include "server/replay.h"
#include "server/sendq.h"
#include "server/sse_frame.h"
#include "trace/bus.h"
#include "trace/sink_store.h"

#define HUB_EVENTS 256                                  /* epoll events per wait */
#define HUB_READY 256                                   /* subscriptions per waiter call */
#define HUB_TICK_MS 1000                                /* heartbeat/stall scan */
#define HUB_OUT_MAX (CLAW_TRACE_DATA_MAX * 2 + 1048576) /* one stream's pending bytes */
#define HUB_FRAME_MAX (CLAW_TRACE_DATA_MAX * 2 + 4096)  /* one SSE frame */
#define HUB_COMPACT_MIN (64 * 1024) /* written bytes worth moving the rest down */
#define HUB_OUT_KEEP 4096           /* a drained output keeps an allocation this small */

enum stream_kind { STREAM_RUN, STREAM_BOARD };
enum stream_mode { MODE_CATCHUP, MODE_LIVE };

struct stream {
	struct claw_hub *hub;
	enum stream_kind kind;
	int fd;
	int reqid;
	char *project;
	int64_t run_id; /* CLAW_BUS_BOARD for a board */
	struct claw_bus_sub *sub;
	enum stream_mode mode;
	int64_t cursor;  /* last seq (run) or counter (board) sent; -1: none (board) */
	bool ending;     /* run: end seen; write it once caught up */
	char *end_data;  /* the end event's JSON */
	bool finished;   /* end-of-request written to out: close once flushed */
	bool has_events; /* the subscription may hold events */
	bool writable;   /* no EAGAIN since the last EPOLLOUT */
	bool armed;      /* EPOLLOUT is in the epoll interest */
	bool dead;       /* closed; freed at the end of the turn */
	bool scheduled;  /* on the run list */
	bool replaying;  /* a catch-up job is out: the replayer holds s until it returns */
	bool queued;     /* a send of the cached record is in h->sendq */
	size_t queued_n; /* its length */
	struct claw_buf out;
	size_t out_off;             /* bytes of out the socket took */
	size_t rec_hdr;             /* offset of the open record's header, SIZE_MAX: none */
	int64_t last_write_ms;      /* monotonic, of the last write that took bytes */
	int64_t blocked_since;      /* monotonic, output pending and not writable; 0: no */
	struct stream *prev, *next; /* hub->streams */
	struct stream *rnext;       /* hub->run list or hub->graveyard */
};

struct handover {
	struct handover *next;
	enum stream_kind kind;
	int fd;
	int reqid;
	char *project;
	int64_t run_id;
	int64_t since;
};

struct claw_hub {
	char *home;
	struct claw_bus *bus;
	struct claw_board *board;
	struct claw_bus_waiter *waiter;
	int ep;               /* epoll */
	int inbox_fd;         /* eventfd: hand-overs waiting */
	struct claw_mutex mu; /* guards inbox and stopping */
	struct handover *inbox;
	bool stopping;
	bool running;
	pthread_t thread;
	struct claw_replay *replay; /* the db reads (started by claw_hub_start) */
	/* hub thread only */
	struct stream *streams; /* every open stream */
	struct stream *run_head, *run_tail;
	struct stream *graveyard;
	int64_t nstreams;
	struct claw_bus_event *cache_ev; /* last formatted event (a reference) */
	struct claw_buf cache_frame;     /* its record; the header's request id is cache_reqid */
	int cache_reqid;
	struct claw_sendq *sendq; /* live events' sends of cache_frame, made together */
	struct claw_buf scratch;
	/* read by other threads */
	atomic_int_fast64_t run_streams, board_streams, opened, stalled, catchups, events, wakes,
		writes;
	atomic_bool io_uring;
};

static void flush_sends(struct claw_hub *h);
static void schedule(struct claw_hub *h, struct stream *s);
static void close_stream(struct claw_hub *h, struct stream *s, bool stalled);

static size_t
pending(const struct stream *s)
{
	return claw_buf_len(&s->out) - s->out_off;
}

/* Appends SSE bytes to the stream's output inside FastCGI STDOUT records,
 * growing the last record while its header is still unsent. */
static void
put_stdout(struct stream *s, const char *p, size_t n)
{
	claw_fcgi_put_stdout(&s->out, &s->rec_hdr, s->out_off, s->reqid, p, n);
}

/* The end of the response: an empty STDOUT and END_REQUEST. */
static void
put_end_request(struct stream *s)
{
	claw_fcgi_put_end(&s->out, s->reqid);
	s->rec_hdr = SIZE_MAX;
	s->finished = true;
}

/* Appends one SSE event. */
static void
put_frame(struct stream *s, int64_t id, const char *name, const char *data, size_t len)
{
	struct claw_buf *f = &s->hub->scratch;
	claw_buf_reset(f);
	(void)claw_sse_frame(f, id, name, data, len);
	put_stdout(s, claw_buf_str(f), claw_buf_len(f));
	atomic_fetch_add_explicit(&s->hub->events, 1, memory_order_relaxed);
}

/* Watches s's socket for EPOLLOUT (on) or for hang-up alone (off). */
static void
arm(struct stream *s, bool on)
{
	struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLET | (on ? EPOLLOUT : 0u),
				 .data.ptr = s};
	if (s->armed != on && epoll_ctl(s->hub->ep, EPOLL_CTL_MOD, s->fd, &ev) == 0)
		s->armed = on;
}

/* The socket took bytes. */
static void
wrote(struct stream *s)
{
	s->last_write_ms = claw_clock_mono_ms();
	s->blocked_since = 0;
	atomic_fetch_add_explicit(&s->hub->writes, 1, memory_order_relaxed);
}

/* The socket took less than offered: wait for EPOLLOUT. */
static void
blocked(struct stream *s)
{
	s->writable = false;
	arm(s, true);
}

/* Makes h's cached record the record of ev: an 8-byte STDOUT header (its
 * request id set by cache_reqid) and the SSE frame, contiguous, so a
 * stream's send of it is one send in the batch. */
static void
cache_frame(struct claw_hub *h, struct claw_bus_event *ev)
{
	if (h->cache_ev != ev) {
		unsigned char hdr[CLAW_FCGI_HEADER] = {0};
		size_t len;
		const char *data = claw_bus_event_data(ev, &len);
		flush_sends(h); /* the queued sends are of the record about to go */
		claw_bus_event_unref(h->cache_ev);
		h->cache_ev = claw_bus_event_ref(ev);
		claw_buf_reset(&h->cache_frame);
		(void)claw_buf_append(&h->cache_frame, hdr, sizeof hdr);
		(void)claw_sse_frame(&h->cache_frame, claw_bus_event_seq(ev),
				     claw_bus_event_name(ev), data, len);
		/* A frame over one record's content has no header of its own:
		 * send_event copies it through put_stdout. */
		size_t flen = claw_buf_len(&h->cache_frame) - CLAW_FCGI_HEADER;
		if (flen <= CLAW_FCGI_CONTENT_MAX)
			claw_fcgi_stdout_header((unsigned char *)h->cache_frame.p, 0, flen);
		h->cache_reqid = 0;
	}
}

/* Gives h's cached record the request id reqid (nginx gives every stream
 * the same one, so this rarely changes anything). */
static void
cache_reqid(struct claw_hub *h, int reqid)
{
	if (h->cache_reqid != reqid) {
		flush_sends(h); /* the queued sends carry the old id */
		claw_fcgi_set_reqid((unsigned char *)h->cache_frame.p, reqid);
		h->cache_reqid = reqid;
	}
}

/* Appends ev's frame to s's output. */
static void
copy_event(struct stream *s, struct claw_bus_event *ev)
{
	struct claw_hub *h = s->hub;
	cache_frame(h, ev);
	put_stdout(s, h->cache_frame.p + CLAW_FCGI_HEADER,
		   claw_buf_len(&h->cache_frame) - CLAW_FCGI_HEADER);
	atomic_fetch_add_explicit(&h->events, 1, memory_order_relaxed);
}

/* Writes ev to s.  Alone (nothing pending, socket writable) it goes out
 * straight from the shared cache, queued with the other streams' sends of
 * it (flush_sends) and no copy; otherwise it is copied into s's output. */
static void
send_event(struct stream *s, struct claw_bus_event *ev)
{
	struct claw_hub *h = s->hub;
	size_t total;

	cache_frame(h, ev);
	total = claw_buf_len(&h->cache_frame);
	if (pending(s) > 0 || !s->writable || total - CLAW_FCGI_HEADER > CLAW_FCGI_CONTENT_MAX) {
		copy_event(s, ev);
		return;
	}
	atomic_fetch_add_explicit(&h->events, 1, memory_order_relaxed);
	cache_reqid(h, s->reqid);
	if (claw_sendq_len(h->sendq) == CLAW_SENDQ_MAX)
		flush_sends(h);
	bool added = claw_sendq_add(h->sendq, s->fd, h->cache_frame.p, total, s);
	assert(added); /* the queue has room: sent() queues nothing */
	(void)added;
	s->queued = true;
	s->queued_n = total;
}

/* A queued send's result: what the socket did not take is copied into
 * s's output, raw (its record header is out, or partly). */
static void
sent(void *ctx, void *user, ssize_t w)
{
	struct claw_hub *h = ctx;
	struct stream *s = user;

	s->queued = false;
	if (w < 0 && w != -EAGAIN && w != -EWOULDBLOCK) {
		close_stream(h, s, false); /* the peer is gone */
		return;
	}
	if (w < 0) {
		w = 0;
		blocked(s);
	} else {
		wrote(s);
	}
	if ((size_t)w < s->queued_n) {
		(void)claw_buf_append(&s->out, h->cache_frame.p + w, s->queued_n - (size_t)w);
		s->rec_hdr = SIZE_MAX;
		schedule(h, s);
	}
}

/* Makes the queued sends (the cached record is still theirs). */
static void
flush_sends(struct claw_hub *h)
{
	claw_sendq_flush(h->sendq, sent, h);
	atomic_store_explicit(&h->io_uring, claw_sendq_uring(h->sendq), memory_order_relaxed);
}

/* ------------------------------------------------------- stream lifetime */

static void
schedule(struct claw_hub *h, struct stream *s)
{
	if (s->scheduled || s->dead)
		return;
	s->scheduled = true;
	s->rnext = NULL;
	if (h->run_tail != NULL)
		h->run_tail->rnext = s;
	else
		h->run_head = s;
	h->run_tail = s;
}

/* A closed stream to free at the end of the loop turn; one whose catch-up
 * job is out is freed when the job comes back (take_replays). */
static void
bury(struct claw_hub *h, struct stream *s)
{
	if (s->replaying)
		return;
	s->rnext = h->graveyard;
	h->graveyard = s;
}

/* Closes at once: unsubscribe, close(2), count.  Freed at the end of the
 * loop turn. */
static void
close_stream(struct claw_hub *h, struct stream *s, bool stalled)
{
	if (s->queued) /* its send first: the fd is about to close */
		flush_sends(h);
	if (s->dead)
		return;
	s->dead = true;
	claw_bus_unsubscribe(s->sub);
	s->sub = NULL;
	(void)epoll_ctl(h->ep, EPOLL_CTL_DEL, s->fd, NULL);
	(void)close(s->fd);
	s->fd = -1;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		h->streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	h->nstreams--;
	atomic_fetch_sub(s->kind == STREAM_RUN ? &h->run_streams : &h->board_streams, 1);
	if (stalled)
		atomic_fetch_add(&h->stalled, 1);
	if (!s->scheduled) /* else the run list drops it */
		bury(h, s);
}

static void
stream_free(struct stream *s)
{
	claw_buf_free(&s->out);
	free(s->end_data);
	free(s->project);
	free(s);
}

static void
open_stream(struct claw_hub *h, struct handover *ho)
{
	struct claw_error err = {0};
	struct stream *s;
	struct epoll_event ev;

	if (h->nstreams >= CLAW_HUB_STREAMS_MAX) {
		claw_log_warn("server: %d streams open: refusing another", CLAW_HUB_STREAMS_MAX);
		(void)close(ho->fd);
		return;
	}
	s = CLAW_NEW(struct stream);
	s->hub = h;
	s->kind = ho->kind;
	s->fd = ho->fd;
	s->reqid = ho->reqid;
	s->project = ho->project;
	ho->project = NULL;
	s->run_id = ho->run_id;
	s->cursor = ho->since;
	s->mode = MODE_CATCHUP;
	s->writable = true;
	s->rec_hdr = SIZE_MAX;
	s->last_write_ms = claw_clock_mono_ms();
	claw_buf_init(&s->out, HUB_OUT_MAX);
	(void)fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	/* Subscribe first, then replay: nothing falls in between. */
	if (claw_bus_subscribe(h->bus, s->project, s->run_id, CLAW_HUB_QUEUE, h->waiter, s, &s->sub,
			       &err) != CLAW_OK) {
		claw_log_warn("server: stream of %s: %s", s->project, claw_error_text(&err));
		(void)close(s->fd);
		stream_free(s);
		return;
	}
	ev.events = EPOLLRDHUP | EPOLLET;
	ev.data.ptr = s;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		claw_bus_unsubscribe(s->sub);
		(void)close(s->fd);
		stream_free(s);
		return;
	}
	s->next = h->streams;
	if (h->streams != NULL)
		h->streams->prev = s;
	h->streams = s;
	h->nstreams++;
	atomic_fetch_add(s->kind == STREAM_RUN ? &h->run_streams : &h->board_streams, 1);
	atomic_fetch_add(&h->opened, 1);
	schedule(h, s);
}

/* ---------------------------------------------------------------- filling */

/* Sends s's catch-up step to the replayer (a run's next rows from the db,
 * or its board); the hub goes on with the other streams meanwhile. */
static void
post_catchup(struct claw_hub *h, struct stream *s)
{
	struct claw_replay_job *j = claw_replay_job_new(s, s->project, s->kind == STREAM_BOARD,
							s->run_id, s->cursor, HUB_OUT_MAX);
	j->check_end = !s->ending;
	s->replaying = true;
	claw_replay_post(h->replay, j);
}

/* A catch-up step is back: its frames into s's output, then live (a board,
 * or a run with no rows left) and, for a run that ended, the end. */
static void
catchup_done(struct claw_hub *h, struct stream *s, struct claw_replay_job *j)
{
	if (j->err.code != CLAW_OK) {
		claw_log_warn("server: %s stream of %s: %s",
			      s->kind == STREAM_BOARD ? "board" : "run", s->project,
			      claw_error_text(&j->err));
		close_stream(h, s, false);
		return;
	}
	put_stdout(s, claw_buf_str(&j->frames), claw_buf_len(&j->frames));
	s->cursor = j->last;
	if (j->caught_up) {
		s->mode = MODE_LIVE;
		s->has_events = true;
	}
	if (s->kind == STREAM_RUN && j->caught_up && (s->ending || j->end_data != NULL)) {
		if (j->end_data != NULL) {
			free(s->end_data);
			s->end_data = j->end_data;
			j->end_data = NULL;
		}
		const char *d = s->end_data != NULL ? s->end_data : "{}";
		put_frame(s, -1, "end", d, strlen(d));
		put_end_request(s);
	}
	schedule(h, s);
}

/* Takes the finished catch-up steps.  A stream closed meanwhile is freed
 * here (or by the run list, if it is still on it). */
static void
take_replays(struct claw_hub *h)
{
	struct claw_replay_job *j = claw_replay_take(h->replay);
	while (j != NULL) {
		struct claw_replay_job *next = j->next;
		struct stream *s = j->user;
		s->replaying = false;
		if (!s->dead)
			catchup_done(h, s, j);
		else if (!s->scheduled)
			stream_free(s);
		claw_replay_job_free(j);
		j = next;
	}
}

/* Takes live events while the output has room.  Each event waits in
 * `held` until the next take: one alone goes out by send_event's fast path,
 * several (a burst of rows) are gathered into the output and leave in one
 * write. */
static void
take_events(struct claw_hub *h, struct stream *s)
{
	struct claw_bus_event *held = NULL;

	while (pending(s) < CLAW_HUB_WRITE_MAX && s->mode == MODE_LIVE && !s->finished) {
		struct claw_bus_event *ev = NULL;
		int64_t last = 0;
		enum claw_bus_take took = claw_bus_sub_take(s->sub, &ev, &last);
		if (took == CLAW_BUS_EMPTY) {
			s->has_events = false;
			break;
		}
		if (took == CLAW_BUS_LAGGED) {
			/* Events were dropped: heal from the db after our cursor. */
			atomic_fetch_add(&h->catchups, 1);
			s->mode = MODE_CATCHUP;
			break;
		}
		if (held != NULL) { /* not alone: into the output */
			copy_event(s, held);
			claw_bus_event_unref(held);
			held = NULL;
		}
		const char *name = claw_bus_event_name(ev);
		if (s->kind == STREAM_RUN && strcmp(name, "end") == 0) {
			size_t len;
			const char *d = claw_bus_event_data(ev, &len);
			free(s->end_data);
			s->end_data = claw_xstrndup(d, len);
			s->ending = true;
			s->mode = MODE_CATCHUP; /* rows committed before the end, then end */
		} else if (claw_bus_event_seq(ev) > s->cursor) {
			s->cursor = claw_bus_event_seq(ev);
			held = ev; /* our reference */
			continue;
		} else if (claw_bus_event_seq(ev) == CLAW_BUS_NO_SEQ) {
			held = ev; /* a delta: no id, no cursor */
			continue;
		}
		claw_bus_event_unref(ev);
	}
	if (held != NULL) {
		send_event(s, held);
		claw_bus_event_unref(held);
	}
}

/* ---------------------------------------------------------------- writing */

/* Writes up to budget bytes.  Returns bytes written, or -1 when the peer
 * is gone. */
static ssize_t
write_some(struct stream *s, size_t budget)
{
	size_t n = pending(s);
	if (n > budget)
		n = budget;
	for (;;) {
		ssize_t w = send(s->fd, s->out.p + s->out_off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			blocked(s);
			return 0;
		}
		if (w < 0)
			return -1;
		s->out_off += (size_t)w;
		wrote(s);
		if (s->out_off == claw_buf_len(&s->out)) { /* drained */
			if (s->out.alloc > HUB_OUT_KEEP) { /* give big buffers back */
				claw_buf_free(&s->out);
				claw_buf_init(&s->out, HUB_OUT_MAX);
			} else {
				claw_buf_reset(&s->out);
			}
			s->out_off = 0;
			s->rec_hdr = SIZE_MAX;
			arm(s, false);
		} else if (s->out_off >= HUB_COMPACT_MIN &&
			   s->out_off * 2 >= claw_buf_len(&s->out)) {
			/* A reader that always leaves a little behind: drop what was
			 * written, or the buffer would only grow. */
			size_t left = pending(s);
			memmove(s->out.p, s->out.p + s->out_off, left);
			claw_buf_truncate(&s->out, left);
			s->rec_hdr = s->rec_hdr != SIZE_MAX && s->rec_hdr >= s->out_off
					     ? s->rec_hdr - s->out_off
					     : SIZE_MAX;
			s->out_off = 0;
		}
		return w;
	}
}

/* Whether s has events to take or a catch-up step to post. */
static bool
has_work(const struct stream *s)
{
	return !s->finished && (s->mode == MODE_CATCHUP ? !s->replaying : s->has_events);
}

/* One turn of a stream.  Returns true when it has more to do now. */
static bool
service(struct claw_hub *h, struct stream *s)
{
	size_t budget = CLAW_HUB_WRITE_MAX;

	for (;;) {
		if (s->queued) /* its send's result comes with the flush */
			return has_work(s);
		if (pending(s) < CLAW_HUB_WRITE_MAX && !s->finished) {
			if (s->mode == MODE_CATCHUP) {
				if (!s->replaying)
					post_catchup(h, s);
			} else if (s->has_events) {
				take_events(h, s);
			}
		}
		if (claw_buf_error(&s->out) != CLAW_OK) {
			claw_log_warn("server: stream of %s fell too far behind; closing it",
				      s->project);
			close_stream(h, s, false);
			return false;
		}
		if (pending(s) > 0 && s->writable && budget > 0) {
			ssize_t w = write_some(s, budget);
			if (w < 0) {
				close_stream(h, s, false);
				return false;
			}
			budget -= (size_t)w;
		}
		if (pending(s) == 0 && s->finished) {
			close_stream(h, s, false);
			return false;
		}
		if (pending(s) > 0 && !s->writable) {
			if (s->blocked_since == 0)
				s->blocked_since = claw_clock_mono_ms();
			return false; /* EPOLLOUT brings it back */
		}
		if (pending(s) == 0 && !has_work(s))
			return false;
		if (budget == 0)
			return true; /* fair share used: next turn */
	}
}

/* Heartbeats and stalls, once a tick. */
static void
tick(struct claw_hub *h, int64_t now)
{
	for (struct stream *s = h->streams, *next; s != NULL; s = next) {
		next = s->next;
		if (s->blocked_since != 0 && now - s->blocked_since >= CLAW_HUB_STALL_MS) {
			claw_log_info("server: stream of %s stalled for %ds; closing it",
				      s->project, CLAW_HUB_STALL_MS / 1000);
			close_stream(h, s, true);
			continue;
		}
		if (!s->finished && pending(s) == 0 &&
		    now - s->last_write_ms >= CLAW_HUB_HEARTBEAT_MS) {
			put_stdout(s, ":\n\n", 3);
			s->last_write_ms = now; /* counted from the attempt */
			schedule(h, s);
		}
	}
}

/* ------------------------------------------------------------------- loop */

static void
take_inbox(struct claw_hub *h)
{
	uint64_t v;
	ssize_t n;
	do
		n = read(h->inbox_fd, &v, sizeof v);
	while (n < 0 && errno == EINTR);
	claw_mutex_lock(&h->mu);
	struct handover *list = h->inbox;
	h->inbox = NULL;
	claw_mutex_unlock(&h->mu);
	/* The list is newest first: open in arrival order. */
	struct handover *rev = NULL;
	while (list != NULL) {
		struct handover *ho = list;
		list = ho->next;
		ho->next = rev;
		rev = ho;
	}
	while (rev != NULL) {
		struct handover *ho = rev;
		rev = ho->next;
		open_stream(h, ho);
		free(ho->project);
		free(ho);
	}
}

static void
take_ready(struct claw_hub *h)
{
	struct claw_bus_sub *ready[HUB_READY];
	size_t n;
	do {
		n = claw_bus_waiter_ready(h->waiter, ready, HUB_READY);
		for (size_t i = 0; i < n; i++) {
			struct stream *s = claw_bus_sub_user(ready[i]);
			s->has_events = true;
			schedule(h, s);
		}
	} while (n == HUB_READY);
}

static void
empty_graveyard(struct claw_hub *h)
{
	while (h->graveyard != NULL) {
		struct stream *s = h->graveyard;
		h->graveyard = s->rnext;
		stream_free(s);
	}
}

static void *
hub_main(void *arg)
{
	struct claw_hub *h = arg;
	struct epoll_event evs[HUB_EVENTS];
	int64_t next_tick = claw_clock_mono_ms() + HUB_TICK_MS;

	for (;;) {
		claw_mutex_lock(&h->mu);
		bool stopping = h->stopping;
		claw_mutex_unlock(&h->mu);
		if (stopping)
			break;
		int64_t now = claw_clock_mono_ms();
		int timeout =
			h->run_head != NULL ? 0 : (int)(next_tick > now ? next_tick - now : 0);
		int n = epoll_wait(h->ep, evs, HUB_EVENTS, timeout);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &h->waiter) {
				take_ready(h);
				continue;
			}
			if (evs[i].data.ptr == &h->inbox_fd) {
				take_inbox(h);
				take_replays(h);
				continue;
			}
			struct stream *s = evs[i].data.ptr;
			atomic_fetch_add_explicit(&h->wakes, 1, memory_order_relaxed);
			if (s->dead)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
				close_stream(h, s, false);
				continue;
			}
			if (evs[i].events & EPOLLOUT) {
				s->writable = true;
				schedule(h, s);
			}
		}
		/* One turn for each stream with work, in order. */
		struct stream *list = h->run_head;
		h->run_head = h->run_tail = NULL;
		while (list != NULL) {
			struct stream *s = list;
			list = s->rnext;
			s->scheduled = false;
			if (s->dead) {
				bury(h, s);
				continue;
			}
			if (service(h, s))
				schedule(h, s);
		}
		flush_sends(h);
		now = claw_clock_mono_ms();
		if (now >= next_tick) {
			tick(h, now);
			next_tick = now + HUB_TICK_MS;
		}
		empty_graveyard(h);
	}

	/* Stopping: end every stream as well as a non-blocking write allows. */
	take_inbox(h);
	while (h->streams != NULL) {
		struct stream *s = h->streams;
		if (!s->finished)
			put_end_request(s);
		if (s->writable && pending(s) > 0)
			(void)write_some(s, pending(s));
		close_stream(h, s, false);
	}
	claw_replay_stop(h->replay); /* every job comes back: their streams are freed */
	take_replays(h);
	while (h->run_head != NULL) {
		struct stream *s = h->run_head;
		h->run_head = s->rnext;
		stream_free(s);
	}
	empty_graveyard(h);
	return NULL;
}

/* ------------------------------------------------------------------- API */

enum claw_err
claw_hub_new(const char *home, struct claw_bus *bus, struct claw_board *board, bool io_uring,
	     struct claw_hub **out, struct claw_error *err)
{
	struct claw_hub *h = CLAW_NEW(struct claw_hub);
	struct epoll_event ev = {.events = EPOLLIN};
	enum claw_err rc;
	char e[128];

	*out = NULL;
	h->home = claw_xstrdup(home);
	h->bus = bus;
	h->board = board;
	h->ep = h->inbox_fd = -1;
	claw_mutex_init(&h->mu, "hub");
	claw_buf_init(&h->cache_frame, HUB_FRAME_MAX);
	h->sendq = claw_sendq_new(io_uring);
	atomic_init(&h->io_uring, claw_sendq_uring(h->sendq));
	claw_buf_init(&h->scratch, HUB_OUT_MAX);
	atomic_init(&h->run_streams, 0);
	atomic_init(&h->board_streams, 0);
	atomic_init(&h->opened, 0);
	atomic_init(&h->stalled, 0);
	atomic_init(&h->catchups, 0);
	atomic_init(&h->events, 0);
	atomic_init(&h->wakes, 0);
	atomic_init(&h->writes, 0);
	rc = claw_bus_waiter_new(&h->waiter, err);
	if (rc != CLAW_OK)
		goto out;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->inbox_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->ep < 0 || h->inbox_fd < 0) {
		rc = claw_error_set(err, CLAW_EIO, "hub: %s", claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	ev.data.ptr = &h->waiter;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, claw_bus_waiter_fd(h->waiter), &ev) != 0) {
		rc = claw_error_set(err, CLAW_EIO, "hub: %s", claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	ev.data.ptr = &h->inbox_fd;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->inbox_fd, &ev) != 0) {
		rc = claw_error_set(err, CLAW_EIO, "hub: %s", claw_errno_text(errno, e, sizeof e));
		goto out;
	}
out:
	if (rc != CLAW_OK)
		claw_hub_free(h);
	else
		*out = h;
	return rc;
}

static void
wake(struct claw_hub *h)
{
	uint64_t one = 1;
	ssize_t n;
	do
		n = write(h->inbox_fd, &one, sizeof one);
	while (n < 0 && errno == EINTR);
}

/* The replayer finished a job (on its thread). */
static void
replay_done(void *ctx)
{
	wake(ctx);
}

enum claw_err
claw_hub_start(struct claw_hub *h, struct claw_error *err)
{
	int rc;
	if (claw_replay_new(h->home, h->board, replay_done, h, &h->replay, err) != CLAW_OK)
		return err->code;
	rc = pthread_create(&h->thread, NULL, hub_main, h);
	if (rc != 0) {
		char e[128];
		return claw_error_set(err, CLAW_EIO, "cannot start the stream hub: %s",
				      claw_errno_text(rc, e, sizeof e));
	}
	h->running = true;
	return CLAW_OK;
}

void
claw_hub_stop(struct claw_hub *h)
{
	if (h == NULL || !h->running)
		return;
	claw_mutex_lock(&h->mu);
	h->stopping = true;
	claw_mutex_unlock(&h->mu);
	wake(h);
	(void)pthread_join(h->thread, NULL);
	h->running = false;
}

void
claw_hub_free(struct claw_hub *h)
{
	if (h == NULL)
		return;
	claw_hub_stop(h);
	while (h->inbox != NULL) { /* handed over after the stop */
		struct handover *ho = h->inbox;
		h->inbox = ho->next;
		(void)close(ho->fd);
		free(ho->project);
		free(ho);
	}
	claw_bus_event_unref(h->cache_ev);
	claw_buf_free(&h->cache_frame);
	claw_sendq_free(h->sendq);
	claw_buf_free(&h->scratch);
	claw_replay_free(h->replay);
	claw_bus_waiter_free(h->waiter);
	if (h->ep >= 0)
		(void)close(h->ep);
	if (h->inbox_fd >= 0)
		(void)close(h->inbox_fd);
	claw_mutex_destroy(&h->mu);
	free(h->home);
	free(h);
}

static void
hand_over(struct claw_hub *h, enum stream_kind kind, int fd, int request_id, const char *project,
	  int64_t run_id, int64_t since)
{
	struct handover *ho = CLAW_NEW(struct handover);
	bool was_empty, stopping;

	ho->kind = kind;
	ho->fd = fd;
	ho->reqid = request_id;
	ho->project = claw_xstrdup(project);
	ho->run_id = run_id;
	ho->since = since;
	claw_mutex_lock(&h->mu);
	stopping = h->stopping;
	was_empty = h->inbox == NULL;
	if (!stopping) {
		ho->next = h->inbox;
		h->inbox = ho;
	}
	claw_mutex_unlock(&h->mu);
	if (stopping) {
		(void)close(fd);
		free(ho->project);
		free(ho);
		return;
	}
	if (was_empty)
		wake(h);
}

void
claw_hub_add_run(struct claw_hub *h, int fd, int request_id, const char *project, int64_t run_id,
		 int64_t since)
{
	hand_over(h, STREAM_RUN, fd, request_id, project, run_id, since < 0 ? 0 : since);
}

void
claw_hub_add_board(struct claw_hub *h, int fd, int request_id, const char *project, int64_t since)
{
	hand_over(h, STREAM_BOARD, fd, request_id, project, CLAW_BUS_BOARD, since);
}

void
claw_hub_get_stats(struct claw_hub *h, struct claw_hub_stats *out)
{
	out->run_streams = atomic_load(&h->run_streams);
	out->board_streams = atomic_load(&h->board_streams);
	out->opened = atomic_load(&h->opened);
	out->stalled = atomic_load(&h->stalled);
	out->catchups = atomic_load(&h->catchups);
	out->events = atomic_load(&h->events);
	out->wakes = atomic_load(&h->wakes);
	out->writes = atomic_load(&h->writes);
	out->io_uring = atomic_load(&h->io_uring);
}
