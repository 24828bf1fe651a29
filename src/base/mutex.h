/*
 * mutex — error-checking mutex and condition variable wrappers.
 *
 * Every lock in claw is a struct claw_mutex: PTHREAD_MUTEX_ERRORCHECK, and any
 * misuse (relocking, unlocking a mutex this thread does not hold, a failing
 * pthread call) aborts with a message naming the lock.  The owner is tracked
 * so functions that require a lock can say so with claw_mutex_assert_held()
 * at their top (as SQLite does with sqlite3_mutex_held).
 *
 * Rules (DESIGN.md "Locks"): name each lock's scope where it is declared,
 * never hold one across network I/O, FastCGI writes, a subprocess wait or a
 * SQLite busy wait, and write the order where two locks meet.
 *
 * Threads: that is the point.  A mutex must not be copied after init.
 */
#ifndef CLAW_BASE_MUTEX_H
#define CLAW_BASE_MUTEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Use the API. */
struct claw_mutex {
	pthread_mutex_t m;
	_Atomic(pthread_t) owner; /* valid while held != 0 */
	atomic_int held;
	const char *name; /* static string for abort messages */
};

struct claw_cond {
	pthread_cond_t c; /* uses CLOCK_MONOTONIC for timed waits */
};

void claw_mutex_init(struct claw_mutex *mu, const char *name);
void claw_mutex_destroy(struct claw_mutex *mu);
void claw_mutex_lock(struct claw_mutex *mu);
void claw_mutex_unlock(struct claw_mutex *mu);
/* True when the calling thread holds mu. */
bool claw_mutex_held(struct claw_mutex *mu);
/* Aborts unless the calling thread holds mu. */
#define claw_mutex_assert_held(mu) claw_mutex_check_held((mu), __FILE__, __LINE__)
void claw_mutex_check_held(struct claw_mutex *mu, const char *file, int line);

void claw_cond_init(struct claw_cond *cv);
void claw_cond_destroy(struct claw_cond *cv);
void claw_cond_signal(struct claw_cond *cv);
void claw_cond_broadcast(struct claw_cond *cv);
/* Waits with mu held (checked); mu is held again on return. */
void claw_cond_wait(struct claw_cond *cv, struct claw_mutex *mu);
/* As claw_cond_wait but gives up at the monotonic deadline (claw_clock_mono_ms
 * scale).  Returns false on timeout.  Spurious wakeups return true: callers
 * loop on their predicate. */
bool claw_cond_wait_until(struct claw_cond *cv, struct claw_mutex *mu, int64_t deadline_ms);

#endif
