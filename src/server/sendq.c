/*
 * sendq — batched sends.  See sendq.h for the contract.
 *
 * io_uring: a ring of CLAW_SENDQ_MAX entries; each queued send is an
 * IORING_OP_SEND whose user_data is its index in the batch.  A flush
 * submits the batch (the kernel consumes the entries in order and makes
 * each send inline; a submission that stops early, e.g. at an entry that
 * failed, is resumed) and then reaps as many completions as it submitted,
 * storing each result by index, so `done` runs in queueing order whatever
 * order the completions come in.  MSG_DONTWAIT means no completion has to
 * wait; should one anyway, the reaping gives up after SENDQ_WAIT_S.  A
 * ring that fails (a submission error that will not pass, or that wait)
 * is given up: the entries it never took are sent with send(2), the ones
 * it took without reporting are -EIO, and later batches use send(2).
 */
#include "server/sendq.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "config.h" /* HAVE_LIBURING */

#if HAVE_LIBURING
#include <liburing.h>
#endif

#define SENDQ_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT)
#define SENDQ_RETRIES 1000 /* submissions that may report EINTR/EAGAIN/EBUSY */
#define SENDQ_WAIT_S 5     /* the longest wait for a batch's completions */

struct entry {
	int fd;
	const void *p;
	size_t n;
	void *user;      /* handed back with the result */
	ssize_t result;  /* bytes sent or -errno, once has_result */
	bool has_result; /* the send was made (or given up) */
};

struct claw_sendq {
#if HAVE_LIBURING
	struct io_uring ring;
#endif
	bool uring; /* the ring is set up and in use */
	size_t n;
	struct entry batch[CLAW_SENDQ_MAX];
	struct entry done[CLAW_SENDQ_MAX]; /* the batch being reported */
};

static void
send_one(struct entry *e)
{
	ssize_t w;
	do
		w = send(e->fd, e->p, e->n, SENDQ_FLAGS);
	while (w < 0 && errno == EINTR);
	e->result = w < 0 ? -(ssize_t)errno : w;
	e->has_result = true;
}

#if HAVE_LIBURING

/* Sets up q's ring; false (logged why) when this process cannot have one
 * that sends. */
static bool
ring_open(struct claw_sendq *q)
{
	int rc = io_uring_queue_init(CLAW_SENDQ_MAX, &q->ring, 0);
	if (rc != 0) {
		char e[128];
		claw_log_notice("server: no io_uring (%s); streams are sent with send(2)",
				claw_errno_text(-rc, e, sizeof e));
		return false;
	}
	/* IORING_OP_SEND came with Linux 5.6: a ring without it would answer
	 * every send EINVAL. */
	struct io_uring_probe *p = io_uring_get_probe_ring(&q->ring);
	bool sends = p != NULL && io_uring_opcode_supported(p, IORING_OP_SEND);
	if (p != NULL)
		io_uring_free_probe(p);
	if (!sends) {
		io_uring_queue_exit(&q->ring);
		claw_log_notice("server: io_uring cannot send here (Linux 5.6 or later needed); "
				"streams are sent with send(2)");
	}
	return sends;
}

static void
ring_close(struct claw_sendq *q)
{
	io_uring_queue_exit(&q->ring);
}

/* Reaps the completions there are into the batch; returns how many. */
static size_t
ring_reap(struct claw_sendq *q)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	size_t got = 0;

	io_uring_for_each_cqe(&q->ring, head, cqe)
	{
		struct entry *e = cqe->user_data < q->n ? &q->batch[cqe->user_data] : NULL;
		if (e != NULL && !e->has_result) {
			e->result = cqe->res;
			e->has_result = true;
			got++;
		}
		seen++;
	}
	io_uring_cq_advance(&q->ring, seen);
	return got;
}

/* The batch through the ring.  Returns how many entries the kernel took;
 * all of them have a result unless the ring failed (then false in *ok). */
static size_t
ring_flush(struct claw_sendq *q, bool *ok)
{
	size_t submitted, got = 0;
	int tries = 0;

	*ok = true;
	for (size_t i = 0; i < q->n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
		/* never NULL: the ring has CLAW_SENDQ_MAX entries, all reaped */
		io_uring_prep_send(sqe, q->batch[i].fd, q->batch[i].p, q->batch[i].n, SENDQ_FLAGS);
		sqe->user_data = i;
	}
	while (io_uring_sq_ready(&q->ring) > 0) {
		int rc = io_uring_submit(&q->ring);
		if (rc >= 0 ||
		    ((rc == -EINTR || rc == -EAGAIN || rc == -EBUSY) && ++tries <= SENDQ_RETRIES))
			continue;
		char e[128];
		claw_log_warn("server: io_uring failed (%s); streams are sent with send(2)",
			      claw_errno_text(-rc, e, sizeof e));
		*ok = false;
		break;
	}
	submitted = q->n - io_uring_sq_ready(&q->ring);
	while (got < submitted) {
		struct io_uring_cqe *cqe;
		struct __kernel_timespec ts = {.tv_sec = SENDQ_WAIT_S};
		int rc = io_uring_wait_cqe_timeout(&q->ring, &cqe, &ts);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			char e[128];
			claw_log_warn("server: io_uring sends not done (%s); streams are sent "
				      "with send(2)",
				      claw_errno_text(-rc, e, sizeof e));
			*ok = false;
			break;
		}
		got += ring_reap(q);
	}
	return submitted;
}

#else /* no liburing */

static bool
ring_open(struct claw_sendq *q)
{
	(void)q;
	claw_log_notice("server: built without liburing; streams are sent with send(2)");
	return false;
}

static void
ring_close(struct claw_sendq *q)
{
	(void)q;
}

static size_t
ring_flush(struct claw_sendq *q, bool *ok)
{
	(void)q;
	*ok = false;
	return 0;
}

#endif

struct claw_sendq *
claw_sendq_new(bool uring)
{
	struct claw_sendq *q = CLAW_NEW(struct claw_sendq);
	q->uring = uring && ring_open(q);
	return q;
}

void
claw_sendq_free(struct claw_sendq *q)
{
	if (q == NULL)
		return;
	if (q->uring)
		ring_close(q);
	free(q);
}

bool
claw_sendq_uring(const struct claw_sendq *q)
{
	return q->uring;
}

bool
claw_sendq_add(struct claw_sendq *q, int fd, const void *p, size_t n, void *user)
{
	if (q->n == CLAW_SENDQ_MAX)
		return false;
	q->batch[q->n++] = (struct entry){.fd = fd, .p = p, .n = n, .user = user};
	return true;
}

size_t
claw_sendq_len(const struct claw_sendq *q)
{
	return q->n;
}

void
claw_sendq_flush(struct claw_sendq *q, claw_sendq_done_fn done, void *ctx)
{
	size_t n = q->n, taken = 0;

	if (n == 0)
		return;
	if (q->uring) {
		bool ok;
		taken = ring_flush(q, &ok);
		if (!ok) { /* what the ring may still hold goes with it */
			ring_close(q);
			q->uring = false;
			for (size_t i = 0; i < taken; i++)
				if (!q->batch[i].has_result) {
					q->batch[i].result = -EIO;
					q->batch[i].has_result = true;
				}
		}
	}
	for (size_t i = taken; i < n; i++)
		send_one(&q->batch[i]);
	/* Report from a copy: done may queue the next batch. */
	for (size_t i = 0; i < n; i++)
		q->done[i] = q->batch[i];
	q->n = 0;
	for (size_t i = 0; i < n; i++)
		done(ctx, q->done[i].user, q->done[i].result);
}
