/*
 * sseclient — a small Server-Sent-Events client for the server tests.
 *
 *   sseclient --port N --path /api/... [--last-event-id ID] [--max-events N]
 *             [--until NAME] [--timeout-ms N] [--stall] [--pause-ms N] [--out FILE]
 *
 * Connects to 127.0.0.1:PORT, sends one HTTP/1.1 GET (with Last-Event-ID
 * when given), and writes what it receives, one line each, flushed at once:
 *   status N                  the HTTP status
 *   event NAME ID DATA        an event (ID "-" when it has no id: line of its
 *                             own, though the reconnect id stays; DATA is the
 *                             data lines joined with "\n" escaped as "\\n")
 *   comment                   a comment line (the heartbeat)
 *   eof | timeout | done      why it ended (done: --max-events or --until)
 * Chunked and plain bodies are both understood.  --stall sends the request
 * and then never reads (with a tiny receive buffer) until the timeout: the
 * slow browser of the tests.  --pause-ms sends the request, sleeps that long
 * without reading (tiny receive buffer too), then reads normally: a browser
 * that falls behind and catches up.  Exit status 0, or 1 on a connection
 * error.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/str.h"

#define LINE_MAX_BYTES (16 * 1024 * 1024)

struct client {
	FILE *out;
	int fd;
	int64_t deadline;
	bool chunked;
	int64_t chunk_left;   /* bytes left in the current chunk; -1: read a size line */
	struct claw_buf raw;  /* bytes read, not yet consumed */
	struct claw_buf line; /* the current SSE line */
	struct claw_buf data; /* the event's data lines */
	char id[64];          /* the last id: the one a reconnect sends */
	bool own_id;          /* the event being read has an id: line */
	char name[64];
	int64_t events, max_events;
	const char *until;
	bool ended;
};

/* Reads more bytes into raw; false on EOF, error or timeout (*why set). */
static bool
fill(struct client *c, const char **why)
{
	char buf[16384];
	int64_t left = c->deadline - claw_clock_mono_ms();
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	if (left <= 0) {
		*why = "timeout";
		return false;
	}
	int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
	if (n == 0) {
		*why = claw_clock_mono_ms() >= c->deadline ? "timeout" : NULL;
		return *why == NULL;
	}
	if (n < 0)
		return errno == EINTR;
	ssize_t got = read(c->fd, buf, sizeof buf);
	if (got <= 0) {
		*why = "eof";
		return false;
	}
	(void)claw_buf_append(&c->raw, buf, (size_t)got);
	return true;
}

static void
consume(struct claw_buf *b, size_t n)
{
	size_t len = claw_buf_len(b);
	memmove(b->p, b->p + n, len - n);
	claw_buf_truncate(b, len - n);
}

static void
dispatch(struct client *c)
{
	if (claw_buf_len(&c->data) == 0 && c->name[0] == '\0')
		return;
	(void)fprintf(c->out, "event %s %s ", c->name[0] ? c->name : "message",
		      c->own_id && c->id[0] ? c->id : "-");
	const char *d = claw_buf_str(&c->data);
	size_t n = claw_buf_len(&c->data);
	if (n > 0 && d[n - 1] == '\n')
		n--; /* the newline after the last data line */
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\n')
			(void)fputs("\\n", c->out);
		else
			(void)fputc(d[i], c->out);
	}
	(void)fputc('\n', c->out);
	(void)fflush(c->out);
	c->events++;
	if ((c->max_events > 0 && c->events >= c->max_events) ||
	    (c->until != NULL && strcmp(c->until, c->name[0] ? c->name : "message") == 0))
		c->ended = true;
	claw_buf_reset(&c->data);
	c->name[0] = '\0';
	c->own_id = false;
}

/* One SSE line (without its end). */
static void
sse_line(struct client *c, const char *s, size_t n)
{
	if (n == 0) {
		dispatch(c);
		return;
	}
	if (s[0] == ':') {
		(void)fputs("comment\n", c->out);
		(void)fflush(c->out);
		return;
	}
	const char *colon = memchr(s, ':', n);
	size_t fl = colon != NULL ? (size_t)(colon - s) : n;
	const char *v = colon != NULL ? colon + 1 : s + n;
	size_t vl = colon != NULL ? n - fl - 1 : 0;
	if (vl > 0 && v[0] == ' ')
		v++, vl--;
	if (fl == 4 && memcmp(s, "data", 4) == 0) {
		(void)claw_buf_append(&c->data, v, vl);
		(void)claw_buf_putc(&c->data, '\n');
	} else if (fl == 2 && memcmp(s, "id", 2) == 0) {
		(void)snprintf(c->id, sizeof c->id, "%.*s", (int)vl, v);
		c->own_id = true;
	} else if (fl == 5 && memcmp(s, "event", 5) == 0) {
		(void)snprintf(c->name, sizeof c->name, "%.*s", (int)vl, v);
	}
}

/* Feeds body bytes to the SSE line splitter. */
static void
sse_bytes(struct client *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !c->ended; i++) {
		if (p[i] == '\n') {
			size_t len = claw_buf_len(&c->line);
			const char *s = claw_buf_str(&c->line);
			if (len > 0 && s[len - 1] == '\r')
				len--;
			sse_line(c, s, len);
			claw_buf_reset(&c->line);
		} else {
			(void)claw_buf_putc(&c->line, p[i]);
		}
	}
}

/* Consumes body bytes from raw (dechunking). */
static bool
body(struct client *c)
{
	for (;;) {
		size_t len = claw_buf_len(&c->raw);
		if (!c->chunked) {
			sse_bytes(c, c->raw.p, len);
			claw_buf_reset(&c->raw);
			return true;
		}
		if (c->chunk_left < 0) {
			const char *s = claw_buf_str(&c->raw);
			const char *nl = memchr(s, '\n', len);
			if (nl == NULL)
				return true;
			c->chunk_left = strtoll(s, NULL, 16);
			consume(&c->raw, (size_t)(nl - s) + 1);
			if (c->chunk_left == 0)
				return false; /* the last chunk */
			continue;
		}
		if (len == 0)
			return true;
		size_t k = (size_t)c->chunk_left < len ? (size_t)c->chunk_left : len;
		sse_bytes(c, c->raw.p, k);
		consume(&c->raw, k);
		c->chunk_left -= (int64_t)k;
		if (c->chunk_left == 0) {
			/* the CRLF after the chunk */
			if (claw_buf_len(&c->raw) < 2)
				return true; /* wait for it: handled as a size line "" */
			consume(&c->raw, 2);
			c->chunk_left = -1;
		}
	}
}

int
main(int argc, char **argv)
{
	struct client c = {.out = stdout, .chunk_left = -1};
	const char *path = "/", *last = NULL, *why = NULL;
	int64_t port = 0, timeout = 30000, pause = 0;
	bool stall = false;
	char req[4096];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--stall") == 0) {
			stall = true;
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--port") == 0)
			(void)claw_str_to_i64(claw_str_from(v), 1, 65535, &port);
		else if (strcmp(a, "--path") == 0)
			path = v;
		else if (strcmp(a, "--last-event-id") == 0)
			last = v;
		else if (strcmp(a, "--max-events") == 0)
			(void)claw_str_to_i64(claw_str_from(v), 0, INT64_MAX, &c.max_events);
		else if (strcmp(a, "--until") == 0)
			c.until = v;
		else if (strcmp(a, "--pause-ms") == 0)
			(void)claw_str_to_i64(claw_str_from(v), 0, INT64_MAX, &pause);
		else if (strcmp(a, "--timeout-ms") == 0)
			(void)claw_str_to_i64(claw_str_from(v), 1, INT64_MAX, &timeout);
		else if (strcmp(a, "--out") == 0) {
			c.out = fopen(v, "w");
			if (c.out == NULL)
				return 1;
		} else
			goto usage;
	}
	if (port == 0)
		goto usage;
	claw_buf_init(&c.raw, LINE_MAX_BYTES);
	claw_buf_init(&c.line, LINE_MAX_BYTES);
	claw_buf_init(&c.data, LINE_MAX_BYTES);
	c.deadline = claw_clock_mono_ms() + timeout;

	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (stall || pause > 0) {
		int small = 1024;
		(void)setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c.fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		(void)fprintf(c.out, "error connect\n");
		return 1;
	}
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
			 "%s%s%sConnection: close\r\n\r\n",
			 path, last ? "Last-Event-ID: " : "", last ? last : "", last ? "\r\n" : "");
	if (n <= 0 || write(c.fd, req, (size_t)n) != n)
		return 1;
	if (stall) {
		(void)fprintf(c.out, "stalling\n");
		(void)fflush(c.out);
		claw_clock_sleep_ms(c.deadline - claw_clock_mono_ms());
		(void)fprintf(c.out, "timeout\n");
		return 0;
	}

	if (pause > 0)
		claw_clock_sleep_ms(pause);
	/* Headers. */
	for (;;) {
		const char *s = claw_buf_str(&c.raw);
		const char *end = strstr(s, "\r\n\r\n");
		if (end != NULL) {
			int status = 0;
			(void)sscanf(s, "HTTP/1.%*d %d", &status);
			(void)fprintf(c.out, "status %d\n", status);
			(void)fflush(c.out);
			for (const char *h = s; h < end; h = strstr(h, "\r\n") + 2)
				if (strncasecmp(h, "transfer-encoding: chunked", 26) == 0)
					c.chunked = true;
			consume(&c.raw, (size_t)(end - s) + 4);
			break;
		}
		if (!fill(&c, &why)) {
			(void)fprintf(c.out, "%s\n", why != NULL ? why : "eof");
			return 0;
		}
	}
	/* Body. */
	while (!c.ended) {
		if (!body(&c)) {
			why = "eof";
			break;
		}
		if (c.ended)
			break;
		if (!fill(&c, &why)) {
			if (why == NULL)
				continue;
			break;
		}
	}
	(void)fprintf(c.out, "%s\n", c.ended ? "done" : why != NULL ? why : "eof");
	(void)fflush(c.out);
	(void)close(c.fd);
	claw_buf_free(&c.raw);
	claw_buf_free(&c.line);
	claw_buf_free(&c.data);
	return 0;
usage:
	(void)fprintf(stderr, "usage: sseclient --port N --path P [--last-event-id ID] "
			      "[--max-events N] [--until NAME] [--timeout-ms N] [--stall] "
			      "[--pause-ms N] [--out FILE]\n");
	return 2;
}
