/*
 * test_clock — wall and monotonic milliseconds, sleeping, UTC formatting.
 */
#include "base/clock.h"

#include <string.h>

#include "tap.h"

int
main(void)
{
	int64_t now = claw_clock_now_ms();
	ok(now > 1577836800000LL, "wall clock after 2020: %lld", (long long)now);
	ok(now < 4102444800000LL, "wall clock before 2100");

	int64_t a = claw_clock_mono_ms();
	int64_t b = claw_clock_mono_ms();
	ok(b >= a, "monotonic does not go back");

	a = claw_clock_mono_ms();
	claw_clock_sleep_ms(30);
	b = claw_clock_mono_ms();
	ok(b - a >= 30, "slept at least 30 ms: %lld", (long long)(b - a));
	ok(b - a < 2000, "and not absurdly long");

	a = claw_clock_mono_ms();
	claw_clock_sleep_ms(0);
	claw_clock_sleep_ms(-5);
	b = claw_clock_mono_ms();
	ok(b - a < 20, "0 and negative return at once");

	char buf[32];
	is_str(claw_clock_format_utc(0, buf, sizeof buf), "1970-01-01 00:00:00", "epoch");
	is_str(claw_clock_format_utc(1700000000123LL, buf, sizeof buf), "2023-11-14 22:13:20",
	       "a known instant, ms dropped");
	is_str(claw_clock_format_utc(951782400000LL, buf, sizeof buf), "2000-02-29 00:00:00",
	       "leap day");
	is_str(claw_clock_format_utc(0, buf, 20), "1970-01-01 00:00:00", "exactly 20 bytes");
	is_str(claw_clock_format_utc(0, buf, 5), "?", "too small a buffer");
	buf[0] = 'k';
	ok(claw_clock_format_utc(0, buf, 0) == buf && buf[0] == 'k', "size 0 writes nothing");
	return tap_done();
}
