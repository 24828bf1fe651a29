/*
 * sendq — batched sends.  See sendq.h for the contract.
 *
 * io_uring: a ring of CLAW_SENDQ_MAX entries; each queued send is an
 * IORING_OP_SEND whose user_data is its index in the batch.  A flush
 * submits the batch and waits for as many completions as it submitted
 * (MSG_DONTWAIT completes each inline, so the wait does not sleep), storing
 * each result by index, so `done` runs in queueing order whatever order
 * the completions come in.  An io_uring_enter that fails for a reason that
 * will not pass (not EINTR, EAGAIN or EBUSY) ends the ring's use: the
 * sends still without a result are reported -EIO and later batches use
 * send(2).
 */
#include "server/sendq.h"

#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"

#define SENDQ_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT)
#define SENDQ_RETRIES 1000 /* io_uring_enter calls that may report EINTR/EAGAIN/EBUSY */

struct entry {
	int fd;
	const void *p;
	size_t n;
	void *user;
	ssize_t result;
	bool has_result;
};

struct claw_sendq {
	struct io_uring ring;
	bool uring; /* the ring is set up and working */
	size_t n;
	struct entry batch[CLAW_SENDQ_MAX];
	struct entry done[CLAW_SENDQ_MAX]; /* the batch being reported */
};

struct claw_sendq *
claw_sendq_new(bool uring)
{
	struct claw_sendq *q = CLAW_NEW(struct claw_sendq);
	if (uring) {
		int rc = io_uring_queue_init(CLAW_SENDQ_MAX, &q->ring, 0);
		if (rc == 0) {
			q->uring = true;
		} else {
			char e[128];
			claw_log_info("server: no io_uring (%s); streams are sent with send(2)",
				      claw_errno_text(-rc, e, sizeof e));
		}
	}
	return q;
}

void
claw_sendq_free(struct claw_sendq *q)
{
	if (q == NULL)
		return;
	if (q->uring)
		io_uring_queue_exit(&q->ring);
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

/* The batch through the ring; false when the ring failed (the entries
 * without a result are then the caller's to report). */
static bool
flush_uring(struct claw_sendq *q)
{
	size_t got = 0;
	for (size_t i = 0; i < q->n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
		if (sqe == NULL) /* cannot happen: the ring has CLAW_SENDQ_MAX entries */
			return false;
		io_uring_prep_send(sqe, q->batch[i].fd, q->batch[i].p, q->batch[i].n, SENDQ_FLAGS);
		sqe->user_data = i;
	}
	for (int tries = 0; got < q->n;) {
		int rc = io_uring_submit_and_wait(&q->ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
			char e[128];
			claw_log_warn("server: io_uring failed (%s); streams are sent with send(2)",
				      claw_errno_text(-rc, e, sizeof e));
			return false;
		}
		if (rc < 0 && ++tries > SENDQ_RETRIES)
			return false;
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&q->ring, head, cqe)
		{
			if (cqe->user_data < q->n && !q->batch[cqe->user_data].has_result) {
				q->batch[cqe->user_data].result = cqe->res;
				q->batch[cqe->user_data].has_result = true;
				got++;
			}
			seen++;
		}
		io_uring_cq_advance(&q->ring, seen);
	}
	return true;
}

void
claw_sendq_flush(struct claw_sendq *q, claw_sendq_done done, void *ctx)
{
	size_t n = q->n;

	if (n == 0)
		return;
	if (q->uring && !flush_uring(q)) {
		/* What the ring may still hold is dropped with it. */
		io_uring_queue_exit(&q->ring);
		q->uring = false;
		for (size_t i = 0; i < n; i++)
			if (!q->batch[i].has_result) {
				q->batch[i].result = -EIO;
				q->batch[i].has_result = true;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (!q->batch[i].has_result)
			send_one(&q->batch[i]);
	/* Report from a copy: done may queue the next batch. */
	for (size_t i = 0; i < n; i++)
		q->done[i] = q->batch[i];
	q->n = 0;
	for (size_t i = 0; i < n; i++)
		done(ctx, q->done[i].user, q->done[i].result);
}
