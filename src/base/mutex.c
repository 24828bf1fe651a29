/*
 * mutex — error-checking locks that abort on misuse.
 */
#include "base/mutex.h"

#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void __attribute__((noreturn)) die(const char *what, const char *name, int rc)
{
	char msg[128];
	(void)fprintf(stderr, "claw: fatal: %s(%s): %s\n", what, name != NULL ? name : "?",
		      claw_errno_text(rc, msg, sizeof msg));
	abort();
}

void
claw_mutex_init(struct claw_mutex *mu, const char *name)
{
	pthread_mutexattr_t attr;
	int rc;

	mu->name = name;
	atomic_init(&mu->held, 0);
	atomic_init(&mu->owner, (pthread_t)0);
	if ((rc = pthread_mutexattr_init(&attr)) != 0)
		die("pthread_mutexattr_init", name, rc);
	if ((rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK)) != 0)
		die("pthread_mutexattr_settype", name, rc);
	if ((rc = pthread_mutex_init(&mu->m, &attr)) != 0)
		die("pthread_mutex_init", name, rc);
	(void)pthread_mutexattr_destroy(&attr);
}

void
claw_mutex_destroy(struct claw_mutex *mu)
{
	int rc = pthread_mutex_destroy(&mu->m);
	if (rc != 0)
		die("pthread_mutex_destroy", mu->name, rc);
}

void
claw_mutex_lock(struct claw_mutex *mu)
{
	int rc = pthread_mutex_lock(&mu->m);
	if (rc != 0)
		die("pthread_mutex_lock", mu->name, rc);
	atomic_store(&mu->owner, pthread_self());
	atomic_store(&mu->held, 1);
}

void
claw_mutex_unlock(struct claw_mutex *mu)
{
	if (!claw_mutex_held(mu))
		die("claw_mutex_unlock", mu->name, EPERM);
	atomic_store(&mu->held, 0);
	int rc = pthread_mutex_unlock(&mu->m);
	if (rc != 0)
		die("pthread_mutex_unlock", mu->name, rc);
}

bool
claw_mutex_held(struct claw_mutex *mu)
{
	return atomic_load(&mu->held) != 0 &&
	       pthread_equal(atomic_load(&mu->owner), pthread_self());
}

void
claw_mutex_check_held(struct claw_mutex *mu, const char *file, int line)
{
	if (claw_mutex_held(mu))
		return;
	(void)fprintf(stderr, "claw: fatal: %s:%d: lock %s is not held by this thread\n", file,
		      line, mu->name != NULL ? mu->name : "?");
	abort();
}

void
claw_cond_init(struct claw_cond *cv)
{
	pthread_condattr_t attr;
	int rc;
	if ((rc = pthread_condattr_init(&attr)) != 0)
		die("pthread_condattr_init", "cond", rc);
	if ((rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0)
		die("pthread_condattr_setclock", "cond", rc);
	if ((rc = pthread_cond_init(&cv->c, &attr)) != 0)
		die("pthread_cond_init", "cond", rc);
	(void)pthread_condattr_destroy(&attr);
}

void
claw_cond_destroy(struct claw_cond *cv)
{
	(void)pthread_cond_destroy(&cv->c);
}

void
claw_cond_signal(struct claw_cond *cv)
{
	(void)pthread_cond_signal(&cv->c);
}

void
claw_cond_broadcast(struct claw_cond *cv)
{
	(void)pthread_cond_broadcast(&cv->c);
}

void
claw_cond_wait(struct claw_cond *cv, struct claw_mutex *mu)
{
	claw_mutex_assert_held(mu);
	atomic_store(&mu->held, 0);
	int rc = pthread_cond_wait(&cv->c, &mu->m);
	if (rc != 0)
		die("pthread_cond_wait", mu->name, rc);
	atomic_store(&mu->owner, pthread_self());
	atomic_store(&mu->held, 1);
}

bool
claw_cond_wait_until(struct claw_cond *cv, struct claw_mutex *mu, int64_t deadline_ms)
{
	struct timespec ts = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};
	claw_mutex_assert_held(mu);
	atomic_store(&mu->held, 0);
	int rc = pthread_cond_timedwait(&cv->c, &mu->m, &ts);
	if (rc != 0 && rc != ETIMEDOUT)
		die("pthread_cond_timedwait", mu->name, rc);
	atomic_store(&mu->owner, pthread_self());
	atomic_store(&mu->held, 1);
	return rc != ETIMEDOUT;
}
