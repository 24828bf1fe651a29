/*
 * clock — time in milliseconds.
 *
 * Wall time (claw_clock_now_ms) is what goes into rows (created_at, ts_ms);
 * monotonic time (claw_clock_mono_ms) measures durations and deadlines.
 *
 * Threads: thread-safe.
 */
#ifndef CLAW_BASE_CLOCK_H
#define CLAW_BASE_CLOCK_H

#include <stdint.h>

int64_t claw_clock_now_ms(void);  /* ms since the Unix epoch */
int64_t claw_clock_mono_ms(void); /* ms on CLOCK_MONOTONIC */
/* Sleeps ms (restarting after signals).  ms <= 0 returns at once. */
void claw_clock_sleep_ms(int64_t ms);
/* "2026-11-24 09:55:11" in UTC into buf (at least 20 bytes). */
const char *claw_clock_format_utc(int64_t ms, char *buf, unsigned size);

#endif
