/*
 * test_buf — caps, the sticky error, growth, steal, truncate.
 */
#include "base/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static void
test_basics(void)
{
	struct claw_buf b = CLAW_BUF_INIT(100);

	is_str(claw_buf_str(&b), "", "empty buffer is \"\"");
	is_int(claw_buf_len(&b), 0, "empty length");
	is_int(claw_buf_append(&b, "ab", 2), CLAW_OK, "append");
	is_int(claw_buf_puts(&b, "cd"), CLAW_OK, "puts");
	is_int(claw_buf_putc(&b, 'e'), CLAW_OK, "putc");
	is_int(claw_buf_append(&b, NULL, 0), CLAW_OK, "empty append");
	is_str(claw_buf_str(&b), "abcde", "contents");
	is_int(claw_buf_len(&b), 5, "length");
	is_int(claw_buf_append(&b, "x\0y", 3), CLAW_OK, "binary append");
	is_int(claw_buf_len(&b), 8, "binary length");
	ok(memcmp(claw_buf_str(&b), "abcdex\0y", 9) == 0, "binary contents, NUL-terminated");
	claw_buf_free(&b);
	is_str(claw_buf_str(&b), "", "freed buffer is empty");
	is_int(b.max, 100, "free keeps the cap");

	claw_buf_init(&b, 10);
	(void)claw_buf_puts(&b, "xyz");
	claw_buf_reset(&b);
	is_str(claw_buf_str(&b), "", "reset empties");
	is_int(claw_buf_len(&b), 0, "reset length");
	claw_buf_free(&b);
}

static void
test_cap(void)
{
	struct claw_buf b = CLAW_BUF_INIT(5);

	is_int(claw_buf_puts(&b, "12345"), CLAW_OK, "exactly the cap");
	is_int(claw_buf_putc(&b, '6'), CLAW_ETOOBIG, "one past the cap");
	is_str(claw_buf_str(&b), "12345", "contents kept after overflow");
	is_int(claw_buf_error(&b), CLAW_ETOOBIG, "error recorded");
	is_int(claw_buf_append(&b, "", 0), CLAW_ETOOBIG, "sticky: even an empty append fails");
	is_int(claw_buf_printf(&b, "%d", 1), CLAW_ETOOBIG, "sticky printf");
	claw_buf_truncate(&b, 2);
	is_int(claw_buf_putc(&b, 'x'), CLAW_ETOOBIG, "sticky after truncate");
	claw_buf_reset(&b);
	is_int(claw_buf_error(&b), CLAW_OK, "reset clears the error");
	is_int(claw_buf_puts(&b, "ab"), CLAW_OK, "usable again");
	claw_buf_free(&b);

	claw_buf_init(&b, 10);
	(void)claw_buf_puts(&b, "abcd");
	is_int(claw_buf_append(&b, "0123456789", 7), CLAW_ETOOBIG, "big append over the cap");
	is_str(claw_buf_str(&b), "abcd", "nothing of it kept");
	claw_buf_free(&b);

	/* Overflow of len + n is caught, not wrapped. */
	claw_buf_init(&b, 10);
	(void)claw_buf_puts(&b, "a");
	is_int(claw_buf_append(&b, "x", SIZE_MAX), CLAW_ETOOBIG, "SIZE_MAX append");
	claw_buf_free(&b);

	claw_buf_init(&b, 0);
	is_int(claw_buf_append(&b, "", 0), CLAW_OK, "cap 0 takes nothing");
	is_str(claw_buf_str(&b), "", "cap 0 contents");
	is_int(claw_buf_putc(&b, 'a'), CLAW_ETOOBIG, "cap 0 refuses a byte");
	claw_buf_free(&b);

	/* An unbounded cap still works (and does not wrap max + 1). */
	claw_buf_init(&b, SIZE_MAX);
	for (int i = 0; i < 100; i++)
		(void)claw_buf_puts(&b, "0123456789");
	is_int(claw_buf_error(&b), CLAW_OK, "SIZE_MAX cap");
	is_int(claw_buf_len(&b), 1000, "SIZE_MAX cap length");
	ok(claw_buf_str(&b)[999] == '9' && claw_buf_str(&b)[1000] == '\0', "SIZE_MAX contents");
	claw_buf_free(&b);
}

static void
test_growth(void)
{
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	char expect[64];

	for (int i = 0; i < 10000; i++)
		(void)claw_buf_printf(&b, "%05d,", i);
	is_int(claw_buf_error(&b), CLAW_OK, "many printfs");
	is_int(claw_buf_len(&b), 60000, "printf length");
	memcpy(expect, claw_buf_str(&b) + 6 * 9999, 6);
	expect[6] = '\0';
	is_str(expect, "09999,", "last printf");
	ok(b.alloc <= (1 << 20) + 1, "allocation within cap + 1");

	claw_buf_reset(&b);
	char big[5000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	is_int(claw_buf_printf(&b, "<%s>", big), CLAW_OK, "one big printf");
	is_int(claw_buf_len(&b), sizeof big + 1, "big printf length");
	claw_buf_free(&b);

	claw_buf_init(&b, 8);
	is_int(claw_buf_printf(&b, "%s", "123456789"), CLAW_ETOOBIG, "printf past the cap");
	is_str(claw_buf_str(&b), "", "nothing written");
	claw_buf_free(&b);

	/* Growth at exactly the cap: alloc never exceeds max + 1. */
	claw_buf_init(&b, 100);
	for (int i = 0; i < 100; i++)
		(void)claw_buf_putc(&b, 'z');
	is_int(claw_buf_error(&b), CLAW_OK, "filled to the cap byte by byte");
	ok(b.alloc == 101, "alloc is cap + 1: %zu", b.alloc);
	claw_buf_free(&b);
}

static void
test_steal_truncate(void)
{
	struct claw_buf b = CLAW_BUF_INIT(64);

	char *s = claw_buf_steal(&b);
	is_str(s, "", "steal of an empty buffer");
	free(s);

	(void)claw_buf_puts(&b, "stolen");
	s = claw_buf_steal(&b);
	is_str(s, "stolen", "steal");
	free(s);
	is_str(claw_buf_str(&b), "", "empty after steal");
	is_int(b.max, 64, "cap kept after steal");
	is_int(claw_buf_puts(&b, "again"), CLAW_OK, "usable after steal");

	claw_buf_truncate(&b, 3);
	is_str(claw_buf_str(&b), "aga", "truncate");
	claw_buf_truncate(&b, 10);
	is_str(claw_buf_str(&b), "aga", "truncate past the end is a no-op");
	claw_buf_truncate(&b, 0);
	is_str(claw_buf_str(&b), "", "truncate to 0");
	claw_buf_free(&b);

	claw_buf_truncate(&b, 0);
	ok(1, "truncate of a never-used buffer");
}

int
main(void)
{
	test_basics();
	test_cap();
	test_growth();
	test_steal_truncate();
	return tap_done();
}
