/*
 * test_sendq — batched sends on real unix sockets, through io_uring (where
 * this kernel allows it) and with send(2), which must give the same
 * results: a full batch and the refusal past it, every byte at its peer,
 * results in queueing order, a full socket (EAGAIN), a short send, a peer
 * that is gone (EPIPE, and no SIGPIPE), a closed descriptor (EBADF), a
 * result callback that queues the next batch, and a ring that fails in use
 * (the batch goes out with send(2)).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/mem.h"
#include "server/sendq.h"
#include "tap.h"

#define PAIRS 300

struct results {
	void *user[CLAW_SENDQ_MAX * 2];
	ssize_t result[CLAW_SENDQ_MAX * 2];
	size_t n;
	struct claw_sendq *requeue; /* when set, each result queues one more send */
	int requeue_fd;
};

static void
record(void *ctx, void *user, ssize_t result)
{
	struct results *r = ctx;
	if (r->n < CLAW_SENDQ_MAX * 2) {
		r->user[r->n] = user;
		r->result[r->n++] = result;
	}
	if (r->requeue != NULL)
		(void)claw_sendq_add(r->requeue, r->requeue_fd, "again", 5, NULL);
}

/* A full batch to PAIRS sockets: CLAW_SENDQ_MAX queued, the next refused,
 * all sent, each peer has its own bytes, results in order. */
static void
test_batch(struct claw_sendq *q, const char *mode)
{
	int(*sv)[2] = claw_xcalloc(PAIRS, sizeof *sv);
	char(*msg)[32] = claw_xcalloc(PAIRS, sizeof *msg);
	struct results r = {0};
	int made = 0, queued = 0, in_order = 0, delivered = 0;

	for (int i = 0; i < PAIRS; i++)
		made += socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]) == 0;
	is_int(made, PAIRS, "%s: %d socket pairs", mode, PAIRS);
	for (int i = 0; i < PAIRS; i++) {
		(void)snprintf(msg[i], sizeof msg[i], "event for %d", i);
		if (!claw_sendq_add(q, sv[i][0], msg[i], strlen(msg[i]), &sv[i]))
			break;
		queued++;
	}
	is_int(queued, CLAW_SENDQ_MAX, "%s: a batch holds %d sends", mode, CLAW_SENDQ_MAX);
	is_int(claw_sendq_len(q), CLAW_SENDQ_MAX, "%s: and says so", mode);
	claw_sendq_flush(q, record, &r);
	is_int(claw_sendq_len(q), 0, "%s: empty after the flush", mode);
	is_int(r.n, CLAW_SENDQ_MAX, "%s: a result for each", mode);
	for (size_t i = 0; i < r.n; i++)
		in_order += r.user[i] == &sv[i] && r.result[i] == (ssize_t)strlen(msg[i]);
	is_int(in_order, CLAW_SENDQ_MAX, "%s: all sent whole, reported in queueing order", mode);
	for (int i = 0; i < CLAW_SENDQ_MAX; i++) {
		char buf[64] = {0};
		ssize_t n = recv(sv[i][1], buf, sizeof buf - 1, MSG_DONTWAIT);
		delivered += n == (ssize_t)strlen(msg[i]) && strcmp(buf, msg[i]) == 0;
	}
	is_int(delivered, CLAW_SENDQ_MAX, "%s: each peer has its own bytes", mode);
	for (int i = 0; i < PAIRS; i++) {
		(void)close(sv[i][0]);
		(void)close(sv[i][1]);
	}
	free(msg);
	free(sv);
}

/* Fills fd's socket until it takes nothing more. */
static void
fill(int fd)
{
	char junk[4096];
	memset(junk, 'j', sizeof junk);
	while (send(fd, junk, sizeof junk, MSG_DONTWAIT) > 0)
		;
}

/* The failures send(2) has, as results. */
static void
test_failures(struct claw_sendq *q, const char *mode)
{
	int full[2], small[2], gone[2], closed[2];
	struct results r = {0};
	char *big = claw_xmalloc(256 * 1024);
	int tiny = 4096;

	memset(big, 'b', 256 * 1024);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, full) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, small) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, gone) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, closed) != 0) {
		ok(false, "%s: socket pairs", mode);
		free(big);
		return;
	}
	fill(full[0]);
	(void)setsockopt(small[0], SOL_SOCKET, SO_SNDBUF, &tiny, sizeof tiny);
	(void)close(gone[1]);
	(void)close(closed[0]);
	/* The bad descriptor first: io_uring may stop submitting at it. */
	(void)claw_sendq_add(q, closed[0], "x", 1, NULL);
	(void)claw_sendq_add(q, full[0], "x", 1, NULL);
	(void)claw_sendq_add(q, small[0], big, 256 * 1024, NULL);
	(void)claw_sendq_add(q, gone[0], "x", 1, NULL);
	claw_sendq_flush(q, record, &r);
	is_int(r.n, 4, "%s: four results", mode);
	is_int(r.result[0], -EBADF, "%s: a closed descriptor: EBADF", mode);
	is_int(r.result[1], -EAGAIN, "%s: a full socket: EAGAIN", mode);
	ok(r.result[2] > 0 && r.result[2] < 256 * 1024, "%s: a small buffer: short (%zd bytes)",
	   mode, r.result[2]);
	is_int(r.result[3], -EPIPE, "%s: a peer that is gone: EPIPE, and this process lives", mode);
	(void)close(full[0]);
	(void)close(full[1]);
	(void)close(small[0]);
	(void)close(small[1]);
	(void)close(gone[0]);
	(void)close(closed[1]);
	free(big);
}

/* A result callback may queue the next batch: it waits for the next flush. */
static void
test_requeue(struct claw_sendq *q, const char *mode)
{
	int sv[2];
	struct results r = {.requeue = q};
	char buf[64] = {0};

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		ok(false, "%s: a socket pair", mode);
		return;
	}
	r.requeue_fd = sv[0];
	for (int i = 0; i < 3; i++)
		(void)claw_sendq_add(q, sv[0], "first", 5, NULL);
	claw_sendq_flush(q, record, &r);
	is_int(claw_sendq_len(q), 3, "%s: three sends queued from the results", mode);
	r.requeue = NULL;
	claw_sendq_flush(q, record, &r);
	is_int(r.n, 6, "%s: and sent by the next flush", mode);
	is_int(recv(sv[1], buf, sizeof buf - 1, MSG_DONTWAIT), 30, "%s: 30 bytes arrived", mode);
	is_str(buf, "firstfirstfirstagainagainagain", "%s: in order", mode);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* The io_uring descriptor of this process, or -1. */
static int
ring_fd(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		char path[64], target[64] = {0};
		(void)snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (readlink(path, target, sizeof target - 1) > 0 &&
		    strcmp(target, "anon_inode:[io_uring]") == 0)
			return fd;
	}
	return -1;
}

/* A ring that fails under a queue (its descriptor replaced by /dev/null,
 * so io_uring_enter refuses it): the batch still goes out, with send(2),
 * every result right, and the queue uses send(2) from then on. */
static void
test_ring_fails(void)
{
	struct claw_sendq *q = claw_sendq_new(true);
	struct results r = {0};
	int sv[2], fd = ring_fd(), null = open("/dev/null", O_RDWR | O_CLOEXEC);
	char buf[64] = {0};

	if (!claw_sendq_uring(q) || fd < 0 || null < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		tap_skip(5, "no io_uring here");
		claw_sendq_free(q);
		if (null >= 0)
			(void)close(null);
		return;
	}
	(void)dup2(null, fd);
	(void)close(null);
	(void)claw_sendq_add(q, sv[0], "one", 3, NULL);
	(void)claw_sendq_add(q, sv[0], "two", 3, NULL);
	claw_sendq_flush(q, record, &r);
	is_int(r.n, 2, "a failed ring: both results");
	ok(r.result[0] == 3 && r.result[1] == 3, "both sent whole (%zd, %zd)", r.result[0],
	   r.result[1]);
	is_int(recv(sv[1], buf, sizeof buf - 1, MSG_DONTWAIT), 6, "6 bytes arrived");
	is_str(buf, "onetwo", "in order");
	ok(!claw_sendq_uring(q), "and the queue uses send(2) from then on");
	claw_sendq_free(q); /* closes what is now /dev/null's copy */
	(void)close(sv[0]);
	(void)close(sv[1]);
}

int
main(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	(void)sigaction(SIGPIPE, &dfl, NULL); /* a send without MSG_NOSIGNAL would end the test */
	for (int m = 0; m < 2; m++) {
		struct claw_sendq *q = claw_sendq_new(m == 0);
		const char *mode = claw_sendq_uring(q) ? "io_uring" : "send(2)";
		if (m == 0 && !claw_sendq_uring(q))
			tap_diag("io_uring cannot be had here: both halves test send(2)");
		if (m == 1)
			ok(!claw_sendq_uring(q), "asked for send(2): got it");
		test_batch(q, mode);
		test_failures(q, mode);
		test_requeue(q, mode);
		claw_sendq_free(q);
	}
	test_ring_fails();
	claw_sendq_free(NULL);
	return tap_done();
}
