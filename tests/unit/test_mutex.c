/*
 * test_mutex — ownership tracking, misuse aborts, timed condition waits.
 */
#include "base/mutex.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "tap.h"

static struct claw_mutex mu;
static struct claw_cond cv;
static int flag;  /* guarded by mu */
static int awake; /* guarded by mu */

/* Runs fn in a child with stderr silenced; true when it died by SIGABRT. */
static bool
child_aborts(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			(void)dup2(fd, STDERR_FILENO);
		fn();
		_exit(0);
	}
	int st = 0;
	(void)waitpid(pid, &st, 0);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
unlock_unheld(void)
{
	struct claw_mutex m;
	claw_mutex_init(&m, "test.unheld");
	claw_mutex_unlock(&m);
}

static void
assert_unheld(void)
{
	struct claw_mutex m;
	claw_mutex_init(&m, "test.assert");
	claw_mutex_assert_held(&m);
}

static void
relock(void)
{
	struct claw_mutex m;
	claw_mutex_init(&m, "test.relock");
	claw_mutex_lock(&m);
	claw_mutex_lock(&m);
}

static void
wait_unheld(void)
{
	struct claw_mutex m;
	struct claw_cond c;
	claw_mutex_init(&m, "test.wait");
	claw_cond_init(&c);
	(void)claw_cond_wait_until(&c, &m, claw_clock_mono_ms() + 10);
}

static void *
peek_held(void *arg)
{
	bool *held = arg;
	*held = claw_mutex_held(&mu);
	return NULL;
}

static void *
set_flag_later(void *arg)
{
	(void)arg;
	claw_clock_sleep_ms(20);
	claw_mutex_lock(&mu);
	flag = 1;
	claw_cond_signal(&cv);
	claw_mutex_unlock(&mu);
	return NULL;
}

static void *
waiter(void *arg)
{
	(void)arg;
	claw_mutex_lock(&mu);
	awake++;
	claw_cond_broadcast(&cv); /* tell main we are waiting */
	while (flag != 2)
		claw_cond_wait(&cv, &mu);
	claw_mutex_assert_held(&mu);
	awake--;
	claw_cond_broadcast(&cv);
	claw_mutex_unlock(&mu);
	return NULL;
}

int
main(void)
{
	/* Misuse first, while this process has one thread (fork is simple). */
	ok(child_aborts(unlock_unheld), "unlocking an unheld mutex aborts");
	ok(child_aborts(assert_unheld), "assert_held on an unheld mutex aborts");
	ok(child_aborts(relock), "relocking aborts (error-checking mutex)");
	ok(child_aborts(wait_unheld), "waiting without the lock aborts");

	claw_mutex_init(&mu, "test.mu");
	claw_cond_init(&cv);
	ok(!claw_mutex_held(&mu), "not held after init");
	claw_mutex_lock(&mu);
	ok(claw_mutex_held(&mu), "held after lock");
	claw_mutex_assert_held(&mu);
	ok(1, "assert_held passes when held");

	pthread_t t;
	bool other_sees = true;
	pthread_create(&t, NULL, peek_held, &other_sees);
	pthread_join(t, NULL);
	ok(!other_sees, "another thread does not hold it");

	/* Timed wait that times out. */
	int64_t a = claw_clock_mono_ms();
	bool woke = claw_cond_wait_until(&cv, &mu, a + 50);
	int64_t b = claw_clock_mono_ms();
	ok(!woke, "wait_until times out");
	ok(b - a >= 50, "waited the full 50 ms: %lld", (long long)(b - a));
	ok(claw_mutex_held(&mu), "held again after a timeout");
	a = claw_clock_mono_ms();
	ok(!claw_cond_wait_until(&cv, &mu, a - 1000), "a past deadline times out");
	ok(claw_clock_mono_ms() - a < 50, "at once");

	/* Timed wait that is signalled. */
	flag = 0;
	pthread_create(&t, NULL, set_flag_later, NULL);
	int64_t deadline = claw_clock_mono_ms() + 5000;
	woke = true;
	while (flag == 0 && woke)
		woke = claw_cond_wait_until(&cv, &mu, deadline);
	ok(woke && flag == 1, "woken by a signal before the deadline");
	ok(claw_mutex_held(&mu), "held again after a signal");
	claw_mutex_unlock(&mu);
	pthread_join(t, NULL);
	ok(!claw_mutex_held(&mu), "not held after unlock");

	/* Broadcast wakes every waiter. */
	pthread_t w[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	claw_mutex_lock(&mu);
	while (awake < 3)
		claw_cond_wait(&cv, &mu);
	flag = 2;
	claw_cond_broadcast(&cv);
	while (awake > 0)
		claw_cond_wait(&cv, &mu);
	claw_mutex_unlock(&mu);
	for (int i = 0; i < 3; i++)
		pthread_join(w[i], NULL);
	ok(awake == 0, "broadcast woke all three waiters");

	claw_cond_destroy(&cv);
	claw_mutex_destroy(&mu);
	return tap_done();
}
