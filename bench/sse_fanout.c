/*
 * sse_fanout — one run stream watched by N browsers, through nginx, against
 * nginx's own pub/sub (nchan) and against the relay floor, in the same run.
 *
 * One process hosts claw serve (the real server: listener, workers, hub,
 * bus, run manager) with a bench pipeline in place of the issue runner: a
 * run that, when told, writes -e trace rows -i ms apart, each carrying its
 * emit time (CLOCK_MONOTONIC, µs) in its data.  A private nginx serves the
 * run stream (the SSE location of conf/nginx.conf), the floor (a FastCGI
 * responder in this process that only writes each event's record to every
 * stream, batched as claw's hub writes them, behind the same location
 * options) and an nchan channel (nchan_subscriber eventsource /
 * nchan_publisher).  For each N, a forked client process opens N SSE
 * connections to nginx (epoll, non-blocking), and once all N are open and
 * idle:
 *   - claw: the server's RSS growth over the N idle streams, per stream;
 *     then the rows are written, and per row the time until the median
 *     and the last subscriber had it;
 *   - floor and nchan: the same N subscribers, -e events handed over -i ms
 *     apart with their emit time (the very wire row claw sends), the same
 *     measures.
 * A first event warms every subscription up and is not counted; the times
 * of each side are averaged over the -e events after it.  -r repeats each
 * N, alternating the order of the sides, and prints the medians of the
 * last-subscriber times and of each repeat's ratios: claw/nchan (issue
 * 15's target: at most 1.25x at 10 000 streams, median of five),
 * floor/nchan (what relaying a FastCGI stream costs by itself) and
 * claw/floor (what claw's own work adds).  Also a target: at most 16 KiB of
 * claw RSS per idle stream.
 *
 *   bench/sse_fanout [-n 1000,5000,10000] [-e EVENTS] [-i MS] [-r REPEATS] [-k]
 *
 * Needs nginx with libnginx-mod-nchan (without it, the nchan side is
 * skipped) and a build without sanitizers.  Run as a user that may raise
 * RLIMIT_NOFILE, or lower -n.  Everything listens on 127.0.0.1 or a socket
 * in a temporary directory (-k keeps it).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"
#include "server/fcgi_wire.h"
#include "server/request.h"
#include "server/runs.h"
#include "server/server.h"
#include "server/sse.h"
#include "server/sendq.h"
#include "server/sse_frame.h"
#include "store/issues.h"
#include "store/projects.h"
#include "store/runs.h"
#include "trace/record.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

#define NCHAN_MODULE "/usr/lib/nginx/modules/ngx_nchan_module.so"
#define CONN_BUF 8192
#define MAX_SUBS 50000
#define SETTLE_MS 2000 /* idle time between "all open" and the first event */

static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* CPU time (user + system) this process has used, in µs. */
static int64_t
self_cpu_us(void)
{
	struct rusage ru;
	(void)getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static pid_t nginx_pid;

/* CPU time of nginx's workers (the master's children), in µs. */
static int64_t
nginx_cpu_us(void)
{
	char path[64], line[4096];
	int64_t ticks = 0;
	(void)snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)nginx_pid,
		       (int)nginx_pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(line, 1, sizeof line - 1, f);
	(void)fclose(f);
	line[n] = '\0';
	for (char *p = line, *end; *p != '\0'; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		char stat[1024];
		(void)snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		FILE *g = fopen(path, "r");
		if (g == NULL)
			continue;
		size_t m = fread(stat, 1, sizeof stat - 1, g);
		(void)fclose(g);
		stat[m] = '\0';
		/* after "(comm) ": fields 3.. ; utime and stime are 14 and 15 */
		char *q = strrchr(stat, ')');
		for (int field = 2; q != NULL && field < 14; field++)
			q = strchr(q + 1, ' ');
		if (q != NULL) {
			char *r;
			ticks += strtoll(q + 1, &r, 10);
			ticks += strtoll(r, NULL, 10);
		}
	}
	return ticks * 1000000 / sysconf(_SC_CLK_TCK);
}

/* ---------------------------------------------------------- the pipeline */

static struct claw_mutex go_mu;
static struct claw_cond go_cv;
static int go_events;      /* > 0: write this many rows now */
static int go_interval;    /* ms between them */
static bool go_finish;     /* end the run */
static bool pipeline_idle; /* rows written, waiting */
static int next_event;     /* the number of the next event written (per run) */

/* Sleeps until event i of a series that started at start (monotonic ms)
 * is due, interval ms apart: an event whose writing took longer does not
 * push the ones after it back. */
static void
pace(int64_t start, int i, int interval)
{
	int64_t wait = start + (int64_t)i * interval - claw_clock_mono_ms();
	if (wait > 0)
		claw_clock_sleep_ms(wait);
}

/* The data of event i, stamped now: every side carries it. */
static void
event_data(char *buf, size_t size, int i)
{
	(void)snprintf(buf, size, "{\"action\":\"bench\",\"message\":\"event %d\",\"t\":%lld}", i,
		       (long long)now_us());
}

static enum claw_err
bench_pipeline(const struct claw_runner_params *p, const struct claw_frontend *fe,
	       struct claw_error *err)
{
	struct claw_db *db = NULL;
	struct claw_tracer *t = NULL;
	enum claw_err rc = claw_db_open(p->db_path, CLAW_DB_OPEN, &db, err);
	(void)fe;
	if (rc == CLAW_OK)
		rc = claw_trace_store_tracer_new(p->store, db, p->run_id, &t, err);
	if (rc != CLAW_OK)
		goto out;
	claw_mutex_lock(&go_mu);
	for (;;) {
		while (go_events == 0 && !go_finish)
			claw_cond_wait(&go_cv, &go_mu);
		if (go_finish)
			break;
		int n = go_events, interval = go_interval;
		go_events = 0;
		pipeline_idle = false;
		claw_mutex_unlock(&go_mu);
		int64_t start = claw_clock_mono_ms();
		for (int i = 0; i < n; i++) { /* next_event: only this thread, between go's */
			char data[256];
			event_data(data, sizeof data, next_event++);
			(void)claw_trace_event(t, CLAW_RECORD_NOTE, CLAW_RECORD_LEVEL_DEFAULT,
					       data);
			pace(start, i + 1, interval);
		}
		(void)claw_tracer_flush(t, NULL);
		claw_mutex_lock(&go_mu);
		pipeline_idle = true;
		claw_cond_broadcast(&go_cv);
	}
	claw_mutex_unlock(&go_mu);
	rc = claw_run_set_status(db, p->run_id, CLAW_RUN_DONE, NULL, err);
out:
	claw_tracer_free(t);
	claw_db_close(db);
	return rc;
}

/* ------------------------------------------------------------- the floor */

/* The relay floor: a FastCGI responder that does nothing but answer each
 * stream's request with claw's stream headers and then, per event, write
 * the very record claw writes to every stream, batched as claw's hub sends
 * (sendq).  nginx relays it through the same location options as claw's
 * streams, so floor/nchan is what relaying a FastCGI stream costs by itself
 * and claw/floor what claw's own work (store, bus, hub) adds.  A stream
 * that does not take a whole record (counted in `short_sends`) would break
 * its framing: a round with any is reported. */
static struct {
	int lfd;
	pthread_t thread;
	struct claw_mutex mu; /* guards n (fds below n are set once, before n grows) */
	int *fds, *reqids;
	int n;
	struct claw_sendq *sendq; /* the publishing thread's */
	size_t rec_len;           /* of the record being sent */
	long short_sends;         /* sends that took less than a record, this round */
} flr;

/* Reads one request's records (BEGIN_REQUEST, PARAMS, STDIN) up to the
 * empty STDIN that ends it; returns its request id, or -1. */
static int
floor_read_request(int fd)
{
	unsigned char buf[16384];
	size_t len = 0;
	int reqid = -1;
	for (;;) {
		size_t off = 0;
		while (len - off >= CLAW_FCGI_HEADER) {
			const unsigned char *h = buf + off;
			size_t clen = (size_t)h[4] << 8 | h[5],
			       rec = CLAW_FCGI_HEADER + clen + h[6];
			if (len - off < rec)
				break;
			reqid = h[2] << 8 | h[3];
			if (h[1] == 5 && clen == 0) /* FCGI_STDIN, empty: the end */
				return reqid;
			off += rec;
		}
		memmove(buf, buf + off, len - off);
		len -= off;
		if (len == sizeof buf)
			return -1;
		ssize_t got = read(fd, buf + len, sizeof buf - len);
		if (got <= 0)
			return -1;
		len += (size_t)got;
	}
}

static void *
floor_main(void *arg)
{
	static const char head[] = CLAW_REQ_SSE_HEAD; /* claw's own */
	unsigned char rec[CLAW_FCGI_HEADER + sizeof head - 1];
	(void)arg;
	for (;;) {
		int fd = accept4(flr.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			break; /* shut down */
		int reqid = floor_read_request(fd);
		claw_fcgi_stdout_header(rec, reqid, sizeof head - 1);
		memcpy(rec + CLAW_FCGI_HEADER, head, sizeof head - 1);
		if (reqid < 0 || write(fd, rec, sizeof rec) != (ssize_t)sizeof rec) {
			(void)close(fd);
			continue;
		}
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		claw_mutex_lock(&flr.mu);
		if (flr.n < MAX_SUBS) {
			flr.fds[flr.n] = fd;
			flr.reqids[flr.n++] = reqid;
			fd = -1;
		}
		claw_mutex_unlock(&flr.mu);
		if (fd >= 0)
			(void)close(fd);
	}
	return NULL;
}

static bool
floor_start(const char *path, bool uring)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	flr.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (flr.lfd < 0 || bind(flr.lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(flr.lfd, 4096) != 0)
		return false;
	claw_mutex_init(&flr.mu, "bench.floor");
	flr.fds = claw_xcalloc(MAX_SUBS, sizeof *flr.fds);
	flr.reqids = claw_xcalloc(MAX_SUBS, sizeof *flr.reqids);
	flr.sendq = claw_sendq_new(uring);
	return pthread_create(&flr.thread, NULL, floor_main, NULL) == 0;
}

static void
floor_sent(void *ctx, void *user, ssize_t result)
{
	(void)ctx;
	(void)user;
	if (result < 0 || (size_t)result < flr.rec_len)
		flr.short_sends++;
}

static void
floor_send(int fd, const struct claw_buf *rec)
{
	if (claw_sendq_len(flr.sendq) == CLAW_SENDQ_MAX)
		claw_sendq_flush(flr.sendq, floor_sent, NULL);
	(void)claw_sendq_add(flr.sendq, fd, rec->p, claw_buf_len(rec), NULL); /* has room */
}

/* Writes one record to every floor stream, sent as claw's hub sends
 * (sendq: batched through io_uring where the kernel allows). */
static void
floor_publish(struct claw_buf *rec)
{
	int reqid = -1, n;
	claw_mutex_lock(&flr.mu);
	n = flr.n;
	claw_mutex_unlock(&flr.mu);
	flr.rec_len = claw_buf_len(rec);
	for (int i = 0; i < n; i++) {
		if (flr.reqids[i] != reqid) { /* the queued sends carry the old id */
			claw_sendq_flush(flr.sendq, floor_sent, NULL);
			reqid = flr.reqids[i];
			claw_fcgi_set_reqid((unsigned char *)rec->p, reqid);
		}
		floor_send(flr.fds[i], rec);
	}
	claw_sendq_flush(flr.sendq, floor_sent, NULL);
}

/* Ends every floor stream (nginx then closes the client's side). */
static void
floor_close_all(void)
{
	claw_mutex_lock(&flr.mu);
	for (int i = 0; i < flr.n; i++)
		(void)close(flr.fds[i]);
	flr.n = 0;
	claw_mutex_unlock(&flr.mu);
}

static void
floor_stop(void)
{
	(void)shutdown(flr.lfd, SHUT_RDWR);
	(void)pthread_join(flr.thread, NULL);
	(void)close(flr.lfd);
	floor_close_all();
	free(flr.fds);
	free(flr.reqids);
	claw_sendq_free(flr.sendq);
	claw_mutex_destroy(&flr.mu);
}

/* ------------------------------------------------------------ the client */

struct conn {
	int fd;
	char buf[CONN_BUF]; /* an SSE line being assembled */
	size_t len;
	bool open; /* the first body bytes arrived */
	bool in_body;
	bool eof;           /* the server closed it */
	bool chunked;       /* Transfer-Encoding: chunked */
	int status;         /* the HTTP status */
	int64_t chunk_left; /* body bytes left in this chunk; -1: a size line next */
	bool chunk_crlf;    /* the CRLF after a chunk's data comes next */
	char size[24];      /* the size line being read */
	size_t size_len;
	int64_t got;  /* events with a time seen */
	int64_t *lat; /* per event index: latency µs, -1 until seen */
};

/* The client's totals over all its connections: events seen, and how
 * many connections have seen the warm-up event. */
static int64_t client_got, client_warm;

/* Parses one line of an SSE body: a data line with "t": is an event. */
static void
on_line(struct conn *c, const char *l, size_t n, int64_t events, int64_t *next_index)
{
	(void)next_index;
	if (n < 6 || strncmp(l, "data: ", 6) != 0)
		return;
	const char *t = memmem(l, n, "\"t\":", 4);
	if (t == NULL)
		return;
	int64_t emit = strtoll(t + 4, NULL, 10);
	const char *e = memmem(l, n, "\"message\":\"event ", 17);
	int64_t idx = e != NULL ? strtoll(e + 17, NULL, 10) : c->got;
	if (idx >= 0 && idx < events && c->lat[idx] < 0) {
		c->lat[idx] = now_us() - emit;
		c->got++;
		client_got++;
		client_warm += idx == 0;
	}
}

/* Feeds SSE body bytes to the line parser. */
static void
on_body(struct conn *c, const char *p, size_t n, int64_t events)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			size_t len = c->len;
			if (len > 0 && c->buf[len - 1] == '\r')
				len--;
			c->open = true;
			on_line(c, c->buf, len, events, NULL);
			c->len = 0;
		} else if (c->len < sizeof c->buf - 1) {
			c->buf[c->len++] = p[i];
		}
	}
}

/* Feeds raw bytes: the headers, then the chunked body (nginx's SSE
 * responses are chunked; a chunk may end in the middle of a line). */
static void
on_bytes(struct conn *c, const char *p, size_t n, int64_t events)
{
	size_t i = 0;
	while (i < n && !c->in_body) { /* headers: until the blank line */
		if (p[i] == '\n') {
			c->buf[c->len] = '\0';
			if (c->len == 0 || (c->len == 1 && c->buf[0] == '\r'))
				c->in_body = true;
			else if (strncmp(c->buf, "HTTP/1.", 7) == 0 && c->len > 12)
				c->status = (int)strtol(c->buf + 9, NULL, 10);
			else if (strncasecmp(c->buf, "transfer-encoding: chunked", 26) == 0)
				c->chunked = true;
			c->len = 0;
		} else if (c->len < sizeof c->buf - 1) {
			c->buf[c->len++] = p[i];
		}
		i++;
	}
	if (!c->chunked) {
		on_body(c, p + i, n - i, events);
		return;
	}
	while (i < n) {
		if (c->chunk_crlf) { /* skip "\r\n" after a chunk */
			if (p[i] == '\n')
				c->chunk_crlf = false;
			i++;
			continue;
		}
		if (c->chunk_left < 0) { /* the size line */
			if (p[i] == '\n') {
				c->chunk_left = c->size_len > 0 ? strtoll(c->size, NULL, 16) : -1;
				c->size_len = 0;
			} else if (c->size_len < sizeof c->size - 1) {
				c->size[c->size_len++] = p[i];
				c->size[c->size_len] = '\0';
			}
			i++;
			continue;
		}
		size_t k = n - i < (size_t)c->chunk_left ? n - i : (size_t)c->chunk_left;
		on_body(c, p + i, k, events);
		c->chunk_left -= (int64_t)k;
		i += k;
		if (c->chunk_left == 0) {
			c->chunk_left = -1;
			c->chunk_crlf = true;
		}
	}
}

static int
connect_to(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
	    errno != EINPROGRESS) {
		(void)close(fd);
		fd = -1;
	}
	return fd;
}

/* The client process: N subscribers on path; writes "ready\n" to out_fd
 * once all are open, then reports "median_us last_us received" after the
 * events (or the timeout). */
static int
client_main(int port, const char *path, int n, int64_t events, int in_fd, int out_fd)
{
	struct conn *c = claw_xcalloc((size_t)n, sizeof *c);
	struct epoll_event *evs = claw_xcalloc(1024, sizeof *evs);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char req[512];
	int opened = 0, reqlen;
	char go;

	reqlen = snprintf(req, sizeof req,
			  "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n",
			  path);
	for (int i = 0; i < n; i++) {
		c[i].chunk_left = -1;
		c[i].lat = claw_xmalloc((size_t)events * sizeof *c[i].lat);
		for (int64_t k = 0; k < events; k++)
			c[i].lat[k] = -1;
	}
	/* Connect in waves, so nginx's backlog keeps up. */
	for (int i = 0; i < n; i++) {
		c[i].fd = connect_to(port);
		if (c[i].fd < 0) {
			char e[128];
			(void)fprintf(stderr, "client: connect %d: %s\n", i,
				      claw_errno_text(errno, e, sizeof e));
			return 1;
		}
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
		(void)epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
		if (i % 100 == 99)
			claw_clock_sleep_ms(10);
	}
	bool *sent = claw_xcalloc((size_t)n, sizeof *sent);
	int64_t deadline = claw_clock_mono_ms() + 120000;
	bool ready_said = false, measuring = false, warm_said = false;
	int64_t measure_end = 0, cpu_go = 0;
	for (;;) {
		int k = epoll_wait(ep, evs, 1024, 100);
		for (int j = 0; j < k; j++) {
			int i = (int)evs[j].data.u32;
			if ((evs[j].events & EPOLLOUT) && !sent[i]) {
				if (write(c[i].fd, req, (size_t)reqlen) == reqlen) {
					sent[i] = true;
					struct epoll_event ev = {.events = EPOLLIN,
								 .data.u32 = (uint32_t)i};
					(void)epoll_ctl(ep, EPOLL_CTL_MOD, c[i].fd, &ev);
				}
			}
			if (evs[j].events & EPOLLIN) {
				char buf[16384];
				ssize_t got = read(c[i].fd, buf, sizeof buf);
				if (got > 0) {
					bool was = c[i].open;
					on_bytes(&c[i], buf, (size_t)got, events);
					if (!was && c[i].open)
						opened++;
				} else if (got == 0) {
					(void)epoll_ctl(ep, EPOLL_CTL_DEL, c[i].fd, NULL);
					c[i].eof = true;
				}
			}
		}
		if (!ready_said && opened == n) {
			int bad = 0;
			for (int i = 0; i < n; i++)
				bad += c[i].status != 200;
			if (bad > 0) {
				(void)fprintf(stderr, "client: %d of %d streams answered no 200\n",
					      bad, n);
				return 1;
			}
			claw_clock_sleep_ms(300); /* let the server settle, idle */
			if (write(out_fd, "ready\n", 6) != 6)
				return 1;
			ready_said = true;
			/* The parent says "g" when it starts publishing. */
			if (read(in_fd, &go, 1) != 1)
				return 1;
			measuring = true;
			cpu_go = self_cpu_us();
			measure_end = claw_clock_mono_ms() + 60000;
		}
		if (measuring) {
			int64_t all = client_got, warm = client_warm;
			if (!warm_said && warm == n) {
				if (write(out_fd, "warm\n", 5) != 5)
					return 1;
				warm_said = true;
			}
			if (!warm_said && claw_clock_mono_ms() > measure_end - 45000) {
				int eofs = 0;
				for (int i = 0; i < n; i++)
					eofs += c[i].eof;
				(void)fprintf(
					stderr,
					"client: %lld of %d subscribers got event 0 (%d closed)\n",
					(long long)warm, n, eofs);
				return 1;
			}
			if (all == (int64_t)n * events || claw_clock_mono_ms() > measure_end)
				break;
		}
		if (!ready_said && claw_clock_mono_ms() > deadline) {
			(void)fprintf(stderr, "client: only %d of %d streams opened\n", opened, n);
			return 1;
		}
	}
	/* Per event: median and max over the subscribers; averaged. */
	int64_t *v = claw_xcalloc((size_t)n, sizeof *v);
	double med_sum = 0, max_sum = 0;
	int64_t received = 0, counted = 0;
	for (int64_t e = 1; e < events; e++) { /* event 0 is the warm-up */
		int m = 0;
		for (int i = 0; i < n; i++)
			if (c[i].lat[e] >= 0)
				v[m++] = c[i].lat[e];
		received += m;
		if (m == 0)
			continue;
		/* insertion-free median: sort (n is at most tens of thousands) */
		for (int a = 1; a < m; a++) {
			int64_t x = v[a];
			int b = a - 1;
			while (b >= 0 && v[b] > x) {
				v[b + 1] = v[b];
				b--;
			}
			v[b + 1] = x;
		}
		med_sum += (double)v[m / 2];
		max_sum += (double)v[m - 1];
		counted++;
	}
	char line[160];
	int len = snprintf(line, sizeof line, "%.0f %.0f %lld %lld\n",
			   counted ? med_sum / counted : -1, counted ? max_sum / counted : -1,
			   (long long)received, (long long)(self_cpu_us() - cpu_go));
	if (write(out_fd, line, (size_t)len) != len)
		return 1;
	return 0;
}

/* ------------------------------------------------------------ the parent */

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	if (f != NULL)
		(void)fclose(f);
	return kib;
}

/* POSTs body to nchan's publisher on channel ch. */
static void
nchan_publish(int port, const char *ch, const char *body)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char req[1024], resp[1024];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto out;
	int n = snprintf(
		req, sizeof req,
		"POST /pub?ch=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		ch, strlen(body), body);
	if (write(fd, req, (size_t)n) != n)
		goto out;
	while (read(fd, resp, sizeof resp) > 0)
		;
out:
	if (fd >= 0)
		(void)close(fd);
}

struct round {
	double med_us, max_us;
	long received;
	long rss_per_stream; /* bytes; claw only */
	/* CPU µs per event while the events flowed: the server process (claw
	 * serve; the bench parent for nchan), nginx's workers, the client */
	double srv_cpu, ngx_cpu, cli_cpu;
};

enum side { SIDE_CLAW, SIDE_FLOOR, SIDE_NCHAN, SIDES };
static const char *const side_name[SIDES] = {"claw", "floor", "nchan"};

/* Publishes events first..first+count-1, interval ms apart, on a side the
 * bench drives itself (the floor, nchan): each the very wire row claw
 * sends for such an event, stamped when it is handed over. */
static void
publish(enum side side, int port, const char *channel, int first, int count, int interval)
{
	int64_t start = claw_clock_mono_ms();
	for (int i = 0; i < count; i++) {
		char data[256];
		int idx = first + i;
		event_data(data, sizeof data, idx);
		struct claw_record rec = {.seq = 1000 + idx,
					  .run_id = 1,
					  .span_id = 2 + idx,
					  .parent_id = 1,
					  .depth = 1,
					  .phase = CLAW_RECORD_EVENT,
					  .type = CLAW_RECORD_NOTE,
					  .level = CLAW_RECORD_INFO,
					  .ts_ms = claw_clock_now_ms(),
					  .data = data};
		struct claw_buf row = CLAW_BUF_INIT(1024), out = CLAW_BUF_INIT(4096);
		(void)claw_record_wire_row(&row, &rec);
		if (side == SIDE_NCHAN) {
			nchan_publish(port, channel, claw_buf_str(&row));
		} else { /* the STDOUT record claw's hub sends */
			unsigned char hdr[CLAW_FCGI_HEADER] = {0};
			(void)claw_buf_append(&out, hdr, sizeof hdr);
			(void)claw_sse_frame(&out, rec.seq, "trace", claw_buf_str(&row),
					     claw_buf_len(&row));
			claw_fcgi_stdout_header((unsigned char *)out.p, 1,
						claw_buf_len(&out) - CLAW_FCGI_HEADER);
			floor_publish(&out);
		}
		claw_buf_free(&row);
		claw_buf_free(&out);
		pace(start, i + 1, interval);
	}
}

/* One round: fork the client on path, wait for ready, publish, collect. */
static bool
run_round(int port, const char *path, int n, int events, int interval, enum side side,
	  struct round *out)
{
	int to_child[2], from_child[2];
	char buf[256];
	long before, after;

	if (pipe(to_child) != 0 || pipe(from_child) != 0)
		return false;
	before = rss_kib();
	pid_t pid = fork();
	if (pid == 0) {
		(void)close(to_child[1]);
		(void)close(from_child[0]);
		_exit(client_main(port, path, n, events, to_child[0], from_child[1]));
	}
	(void)close(to_child[0]);
	(void)close(from_child[1]);
	ssize_t got = read(from_child[0], buf, sizeof buf - 1);
	if (got <= 0 || strncmp(buf, "ready", 5) != 0) {
		(void)fprintf(stderr, "sse_fanout: the client did not get ready\n");
		(void)waitpid(pid, NULL, 0);
		return false;
	}
	/* Let every subscription settle (nchan registers subscribers
	 * asynchronously and replays its buffer to late ones, which would count
	 * registration as latency). */
	claw_clock_sleep_ms(SETTLE_MS);
	after = rss_kib();
	out->rss_per_stream = side == SIDE_CLAW ? (after - before) * 1024 / n : 0;
	int64_t srv0 = self_cpu_us(), ngx0 = nginx_cpu_us();
	if (write(to_child[1], "g", 1) != 1)
		return false;
	/* Event 0 warms every subscription up (not counted); then events
	 * 1..events-1, interval ms apart. */
	for (int phase = 0; phase < 2; phase++) {
		int count = phase == 0 ? 1 : events - 1;
		if (side == SIDE_CLAW) {
			claw_mutex_lock(&go_mu);
			go_interval = interval;
			go_events = count;
			claw_cond_broadcast(&go_cv);
			claw_mutex_unlock(&go_mu);
		} else {
			const char *ch = strchr(path, '=');
			publish(side, port, ch != NULL ? ch + 1 : "", phase == 0 ? 0 : 1, count,
				interval);
		}
		if (phase == 0) {
			got = read(from_child[0], buf, sizeof buf - 1);
			if (got <= 0 || strncmp(buf, "warm", 4) != 0) {
				(void)fprintf(stderr,
					      "sse_fanout: not every subscriber got event 0\n");
				(void)waitpid(pid, NULL, 0);
				return false;
			}
		}
	}
	got = read(from_child[0], buf, sizeof buf - 1);
	out->srv_cpu = (double)(self_cpu_us() - srv0) / events;
	out->ngx_cpu = (double)(nginx_cpu_us() - ngx0) / events;
	(void)waitpid(pid, NULL, 0);
	(void)close(to_child[1]);
	(void)close(from_child[0]);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	if (sscanf(buf, "%lf %lf %ld %lf", &out->med_us, &out->max_us, &out->received,
		   &out->cli_cpu) != 4)
		return false;
	out->cli_cpu /= events;
	return true;
}

static void
print_round(int64_t n, const char *server, bool ok, const struct round *r)
{
	char rss[32] = "-";
	if (!ok)
		(void)printf("%8lld  %-6s   (failed)\n", (long long)n, server);
	else {
		if (r->rss_per_stream > 0)
			(void)snprintf(rss, sizeof rss, "%.1f KiB",
				       (double)r->rss_per_stream / 1024);
		(void)printf("%8lld  %-6s %10.1f %10.1f %9ld %11s  %12.2f %6.2f %6.2f\n",
			     (long long)n, server, r->med_us / 1000, r->max_us / 1000, r->received,
			     rss, r->srv_cpu / 1000, r->ngx_cpu / 1000, r->cli_cpu / 1000);
	}
	(void)fflush(stdout);
}

/* What every round needs. */
struct bench {
	struct claw_server *srv;
	struct claw_db *db;
	const char *project;
	int64_t issue;
	int port, n, events, interval;
	int rounds; /* rounds run so far: names a fresh nchan channel */
};

/* One round of side at b->n streams.  claw gets a fresh run, whose
 * pipeline writes the events; the floor's streams are ended after it; nchan
 * gets a fresh channel (it keeps a channel's messages). */
static bool
side_round(struct bench *b, enum side side, struct round *r)
{
	struct claw_error err = {0};
	int64_t run = 0;
	bool queued = false, ok;
	char *path;

	b->rounds++;
	if (side == SIDE_FLOOR) {
		flr.short_sends = 0;
		ok = run_round(b->port, "/floor", b->n, b->events, b->interval, side, r);
		floor_close_all();
		if (flr.short_sends > 0)
			(void)printf("%8d  floor: %ld sends took less than a record (framing "
				     "broken): not counted\n",
				     b->n, flr.short_sends);
		return ok && flr.short_sends == 0;
	}
	if (side == SIDE_NCHAN) {
		path = claw_xasprintf("/sub?ch=round%d", b->rounds);
		ok = run_round(b->port, path, b->n, b->events, b->interval, side, r);
		free(path);
		return ok;
	}
	claw_mutex_lock(&go_mu);
	go_finish = false;
	pipeline_idle = false;
	next_event = 0;
	claw_mutex_unlock(&go_mu);
	if (claw_runs_start(claw_server_runs(b->srv), b->db, b->project, b->issue, "bench", &run,
			    &queued, &err) != CLAW_OK) {
		(void)fprintf(stderr, "sse_fanout: %s\n", claw_error_text(&err));
		return false;
	}
	path = claw_xasprintf("/api/projects/%s/runs/%lld/stream", b->project, (long long)run);
	ok = run_round(b->port, path, b->n, b->events, b->interval, side, r);
	free(path);
	claw_mutex_lock(&go_mu);
	go_finish = true;
	claw_cond_broadcast(&go_cv);
	claw_mutex_unlock(&go_mu);
	for (int w = 0; w < 200; w++) { /* the run ends before the next start */
		struct claw_run rr = {0};
		bool active = claw_run_get(b->db, run, &rr, NULL) == CLAW_OK &&
			      claw_run_status_active(rr.status);
		claw_run_free(&rr);
		if (!active)
			break;
		claw_clock_sleep_ms(50);
	}
	return ok;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n) (sorted in place), or -1 when one is missing. */
static double
median(double *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] <= 0)
			return -1;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The medians over the repeats of the last-subscriber times and of each
 * repeat's ratios: claw against nchan (the target), the floor against
 * nchan (what relaying costs by itself) and claw against the floor (what
 * claw's own work adds). */
static void
print_summary(int64_t n, double (*last)[SIDES], int repeats, bool nchan)
{
	double v[3][64], ratio[3][64];
	for (int k = 0; k < repeats; k++) {
		for (int s = 0; s < SIDES; s++)
			v[s][k] = last[k][s];
		ratio[0][k] =
			last[k][SIDE_NCHAN] > 0 ? last[k][SIDE_CLAW] / last[k][SIDE_NCHAN] : -1;
		ratio[1][k] =
			last[k][SIDE_NCHAN] > 0 ? last[k][SIDE_FLOOR] / last[k][SIDE_NCHAN] : -1;
		ratio[2][k] =
			last[k][SIDE_FLOOR] > 0 ? last[k][SIDE_CLAW] / last[k][SIDE_FLOOR] : -1;
	}
	for (int k = 0; k < repeats; k++)
		for (int s = 0; s < SIDES; s++)
			if (last[k][s] <= 0 && (s != SIDE_NCHAN || nchan)) {
				(void)printf(
					"%8lld  a round failed or was not counted: no medians\n",
					(long long)n);
				return;
			}
	(void)printf("%8lld  median of %d: last ms claw %.1f, floor %.1f", (long long)n, repeats,
		     median(v[SIDE_CLAW], repeats) / 1000, median(v[SIDE_FLOOR], repeats) / 1000);
	if (nchan)
		(void)printf(", nchan %.1f; last claw/nchan %.2fx, floor/nchan %.2fx",
			     median(v[SIDE_NCHAN], repeats) / 1000, median(ratio[0], repeats),
			     median(ratio[1], repeats));
	(void)printf("; claw/floor %.2fx\n", median(ratio[2], repeats));
	(void)fflush(stdout);
}

/* Every size of the list, each repeated, the order of the sides alternating
 * so a drift of the machine favours none; the medians after each size.  A
 * round in which a subscriber missed an event counts for no median. */
static void
run_sizes(struct bench *b, const char *sizes, int repeats, bool nchan)
{
	struct claw_str rest = claw_str_from(sizes);
	double(*last)[SIDES] = claw_xcalloc((size_t)repeats, sizeof *last);

	while (rest.n > 0) {
		struct claw_str one = claw_str_cut(&rest, ',');
		int64_t n = 0;
		if (claw_str_to_i64(one, 1, MAX_SUBS, &n) != CLAW_OK)
			continue;
		b->n = (int)n;
		for (int k = 0; k < repeats; k++) {
			for (int j = 0; j < SIDES; j++) {
				enum side side =
					k % 2 == 0 ? (enum side)j : (enum side)(SIDES - 1 - j);
				struct round r = {0};
				if (side == SIDE_NCHAN && !nchan)
					continue;
				bool ok = side_round(b, side, &r);
				if (k > 0) /* later rounds reuse what the first freed */
					r.rss_per_stream = 0;
				print_round(n, side_name[side], ok, &r);
				bool whole = ok && r.received == n * (b->events - 1);
				if (ok && !whole)
					(void)printf("%8lld  %s: %lld of %lld events arrived: not "
						     "counted\n",
						     (long long)n, side_name[side],
						     (long long)r.received,
						     (long long)(n * (b->events - 1)));
				last[k][side] = whole ? r.max_us : -1;
			}
		}
		print_summary(n, last, repeats, nchan);
	}
	free(last);
}

/* A loopback port nobody listens on now. */
static int
free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		(void)close(fd);
	return port;
}

/* The options of conf/nginx.conf's stream location, for claw and the floor. */
#define STREAM_LOCATION                                                                            \
	"      fastcgi_param REQUEST_METHOD $request_method;\n"                                    \
	"      fastcgi_param REQUEST_URI $request_uri;\n"                                          \
	"      fastcgi_param QUERY_STRING $query_string;\n"                                        \
	"      fastcgi_keep_conn off; fastcgi_buffering off;\n"                                    \
	"      fastcgi_read_timeout 1h; gzip off;\n"                                               \
	"      chunked_transfer_encoding off;\n"

static bool
write_nginx_conf(const char *dir, int port, const char *sock, const char *floor_sock, bool nchan)
{
	char *path = claw_xasprintf("%s/nginx.conf", dir);
	FILE *f = fopen(path, "w");
	free(path);
	if (f == NULL)
		return false;
	(void)fprintf(f,
		      "%s"
		      "%s"
		      "worker_processes 2;\n"
		      "worker_rlimit_nofile 100000;\n"
		      "pid %s/nginx.pid;\n"
		      "error_log %s/error.log warn;\n"
		      "events { worker_connections 60000; multi_accept on; }\n"
		      "http {\n"
		      "  access_log off;\n"
		      "  client_body_temp_path %s/body; proxy_temp_path %s/proxy;\n"
		      "  fastcgi_temp_path %s/fastcgi; uwsgi_temp_path %s/uwsgi;\n"
		      "  scgi_temp_path %s/scgi;\n"
		      "  server {\n"
		      "    listen 127.0.0.1:%d backlog=65535 reuseport;\n"
		      "    location ~ ^/api/projects/[A-Za-z0-9-]+/(issues|runs/[0-9]+)/stream$ {\n"
		      "      fastcgi_pass unix:%s;\n" STREAM_LOCATION "    }\n"
		      "    location = /floor {\n"
		      "      fastcgi_pass unix:%s;\n" STREAM_LOCATION "    }\n"
		      "%s"
		      "  }\n"
		      "}\n",
		      nchan ? "load_module " NCHAN_MODULE ";\n" : "",
		      getuid() == 0 ? "user root;\n" : "", dir, dir, dir, dir, dir, dir, dir, port,
		      sock, floor_sock,
		      nchan ? "    location = /sub { nchan_subscriber eventsource; "
			      "nchan_channel_id $arg_ch; nchan_subscriber_first_message oldest; }\n"
			      "    location = /pub { nchan_publisher; nchan_channel_id $arg_ch; }\n"
			    : "");
	return fclose(f) == 0;
}

int
main(int argc, char **argv)
{
	const char *sizes = "1000,5000,10000";
	int events = 20, interval = 100, repeats = 1, opt;
	bool keep = false;
	struct claw_error err = {0};

	while ((opt = getopt(argc, argv, "n:e:i:r:k")) != -1) {
		if (opt == 'n')
			sizes = optarg;
		else if (opt == 'e')
			events = (int)strtol(optarg, NULL, 10);
		else if (opt == 'i')
			interval = (int)strtol(optarg, NULL, 10);
		else if (opt == 'r')
			repeats = (int)strtol(optarg, NULL, 10);
		else if (opt == 'k')
			keep = true;
		else {
			(void)fprintf(stderr, "usage: bench/sse_fanout [-n N,N,...] [-e EVENTS] "
					      "[-i MS] [-r REPEATS] [-k]\n");
			return 2;
		}
	}
	if (repeats < 1 || repeats > 64 || events < 2) {
		(void)fprintf(stderr, "sse_fanout: -r is 1..64 and -e at least 2\n");
		return 2;
	}
	struct rlimit rl = {.rlim_cur = 100000, .rlim_max = 100000};
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		(void)getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	claw_log_set_level(CLAW_LOG_WARN);
	claw_mutex_init(&go_mu, "bench.go");
	claw_cond_init(&go_cv);

	char tmpl[] = "/tmp/claw-bench-fanout-XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (dir == NULL)
		return 1;
	char *home = claw_xasprintf("%s/home", dir), *proj_dir = claw_xasprintf("%s/p", dir);
	char *sock = claw_xasprintf("%s/claw.sock", dir), *ngdir = claw_xasprintf("%s/ng", dir);
	char *floor_sock = claw_xasprintf("%s/floor.sock", dir);
	char *envhome = claw_xasprintf("CLAW_HOME=%s", home);
	/* CLAW_IO_URING=0 in the environment: claw's hub and the floor send
	 * with send(2), as before batching. */
	const char *uring = getenv("CLAW_IO_URING");
	char *envuring = claw_xasprintf("CLAW_IO_URING=%s", uring != NULL ? uring : "1");
	const char *envp[] = {envhome, envuring, NULL};
	struct claw_config cfg = {0};
	struct claw_project proj = {0};
	struct claw_db *db = NULL;
	struct claw_server *srv = NULL;
	int64_t issue = 0;

	(void)mkdir(proj_dir, 0700);
	(void)mkdir(ngdir, 0700);
	if (claw_config_load_from(&cfg, envp, &err) != CLAW_OK ||
	    claw_project_register(home, proj_dir, NULL, &proj, &err) != CLAW_OK ||
	    claw_project_open_db(&proj, &db, &err) != CLAW_OK ||
	    claw_issue_create(db, "fan-out", NULL, &issue, &err) != CLAW_OK) {
		(void)fprintf(stderr, "sse_fanout: %s\n", claw_error_text(&err));
		return 1;
	}
	char *listen = claw_xasprintf("unix:%s", sock);
	struct claw_server_options so = {
		.config = &cfg, .listen = listen, .max_runs = 4, .pipeline = bench_pipeline};
	sigset_t set;
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGTERM);
	(void)sigaddset(&set, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (claw_server_new(&so, &srv, &err) != CLAW_OK ||
	    claw_server_start(srv, &err) != CLAW_OK) {
		(void)fprintf(stderr, "sse_fanout: %s\n", claw_error_text(&err));
		return 1;
	}

	bool nchan = access(NCHAN_MODULE, R_OK) == 0;
	int port = free_port();
	if (!floor_start(floor_sock, cfg.io_uring) ||
	    !write_nginx_conf(ngdir, port, sock, floor_sock, nchan))
		return 1;
	char *conf = claw_xasprintf("%s/nginx.conf", ngdir);
	char *errlog = claw_xasprintf("%s/error.log", ngdir);
	pid_t ng = nginx_pid = fork();
	if (ng == 0) {
		(void)pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		execlp("nginx", "nginx", "-p", ngdir, "-c", conf, "-e", errlog, "-g", "daemon off;",
		       (char *)NULL);
		_exit(127);
	}
	claw_clock_sleep_ms(500);

	struct claw_hub_stats hs;
	claw_hub_get_stats(claw_server_hub(srv), &hs);
	(void)printf("sse_fanout: %d events %d ms apart per round; nginx%s; claw serve in-process, "
		     "its hub sending with %s, the floor with %s\n",
		     events, interval,
		     nchan ? " + nchan" : " (no nchan module: claw and floor only)",
		     hs.io_uring ? "io_uring" : "send(2)",
		     claw_sendq_uring(flr.sendq) ? "io_uring" : "send(2)");
	(void)printf("%8s  %-6s %10s %10s %9s %11s  %s\n", "streams", "server", "median ms",
		     "last ms", "received", "RSS/stream", "CPU ms/event: server nginx client");
	struct bench b = {.srv = srv,
			  .db = db,
			  .project = proj.key,
			  .issue = issue,
			  .port = port,
			  .events = events + 1,
			  .interval = interval};
	run_sizes(&b, sizes, repeats, nchan);

	(void)kill(ng, SIGTERM);
	(void)waitpid(ng, NULL, 0);
	floor_stop();
	claw_server_stop(srv);
	claw_server_free(srv);
	claw_db_close(db);
	claw_project_free(&proj);
	claw_config_free(&cfg);
	if (!keep) {
		char *rm = claw_xasprintf("%s", dir);
		pid_t p = fork();
		if (p == 0) {
			execlp("rm", "rm", "-rf", rm, (char *)NULL);
			_exit(127);
		}
		(void)waitpid(p, NULL, 0);
		free(rm);
	} else {
		(void)printf("kept %s\n", dir);
	}
	free(conf);
	free(errlog);
	free(listen);
	free(envhome);
	free(envuring);
	free(ngdir);
	free(sock);
	free(floor_sock);
	free(proj_dir);
	free(home);
	return 0;
}
