/*
 * sendq — many small non-blocking sends, each to its own socket, made in
 * batches.  The stream hub sends one event to thousands of streams at once;
 * a send(2) each is a system call each, and on the machine measured
 * (docs/BENCHMARKS.md, sse_fanout) entering the kernel is a third of a
 * small unix-socket send.  Through io_uring a batch of up to
 * CLAW_SENDQ_MAX sends is one io_uring_enter(2).
 *
 * Every send is MSG_NOSIGNAL | MSG_DONTWAIT: io_uring makes it inline and
 * reports EAGAIN rather than waiting for room, so a whole batch is done
 * when claw_sendq_flush returns, each result is what send(2) would have
 * returned, and the sends are made in queueing order, as the same send(2)
 * calls one after another would be (two sends to one socket: the second's
 * bytes follow whatever the first managed to send).  Where io_uring cannot
 * be had (built without liburing, a kernel before Linux 5.6,
 * kernel.io_uring_disabled, a seccomp filter such as container runtimes'
 * default) or is not wanted, the same batch goes out with one send(2) each,
 * with the same results; claw_sendq_uring says which, and the log says at
 * notice level why io_uring was not had.  A ring that fails while in use
 * is given up for send(2) the same way (see claw_sendq_flush).
 *
 * The bytes of a queued send must stay valid and unchanged until the flush
 * returns, and its socket open.
 *
 * Threads: a queue is used by one thread at a time; no locks.
 */
#ifndef CLAW_SERVER_SENDQ_H
#define CLAW_SERVER_SENDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CLAW_SENDQ_MAX 256 /* sends per batch */

struct claw_sendq;

/* A new, empty queue; through io_uring when uring is true and this
 * process may set one up, else with send(2).  Aborts only when out of
 * memory. */
struct claw_sendq *claw_sendq_new(bool uring);
/* Frees q (NULL: nothing); sends still queued are dropped unsent and
 * unreported. */
void claw_sendq_free(struct claw_sendq *q);

/* Whether batches go through io_uring (else send(2)). */
bool claw_sendq_uring(const struct claw_sendq *q);

/* Queues a send of n bytes at p to fd; user comes back with its result.
 * False when the queue holds CLAW_SENDQ_MAX sends (flush first). */
bool claw_sendq_add(struct claw_sendq *q, int fd, const void *p, size_t n, void *user);

/* Sends queued now. */
size_t claw_sendq_len(const struct claw_sendq *q);

/* One send's result: bytes sent (possibly fewer than asked), or -errno as
 * send(2) sets it (-EAGAIN: the socket had no room; -EPIPE, -ECONNRESET:
 * the peer is gone), or -EIO: the ring failed after taking the send and
 * whether it was made is unknown (the caller should give the socket up). */
typedef void (*claw_sendq_done_fn)(void *ctx, void *user, ssize_t result);

/* Makes every queued send, then calls done for each in the order they
 * were queued, and leaves the queue empty.  done may queue new sends (they
 * wait for the next flush) but must not flush. */
void claw_sendq_flush(struct claw_sendq *q, claw_sendq_done_fn done, void *ctx);

#endif
