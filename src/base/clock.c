/*
 * clock — wall and monotonic milliseconds.
 */
#include "base/clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static int64_t
ms_of(clockid_t id)
{
	struct timespec ts;
	(void)clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
claw_clock_now_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

int64_t
claw_clock_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

void
claw_clock_sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *
claw_clock_format_utc(int64_t ms, char *buf, unsigned size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (size == 0)
		return buf;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(buf, size, "?");
	return buf;
}
