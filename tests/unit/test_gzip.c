/*
 * test_gzip — a gzip member that zlib's inflate gives back byte for byte,
 * the empty input, and the output cap.
 */
#include "base/gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tap.h"

/* Inflates a gzip member into a malloc'd buffer of *n bytes (NULL when
 * it is not one valid member). */
static unsigned char *
gunzip(const char *p, size_t len, size_t *n)
{
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap);
	z_stream z = {0};
	int rc;

	if (out == NULL || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	*n = cap - z.avail_out;
	(void)inflateEnd(&z);
	if (rc != Z_STREAM_END || z.avail_in != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void
test_round_trip(void)
{
	struct claw_buf json = CLAW_BUF_INIT(1 << 20), gz = CLAW_BUF_INIT(1 << 20);
	struct claw_error err = {0};
	size_t n = 0;

	for (int i = 0; i < 500; i++)
		(void)claw_buf_printf(&json, "%s{\"id\":%d,\"title\":\"Issue number %d\"}",
				      i ? "," : "[", i, i * 7919 % 1000);
	(void)claw_buf_putc(&json, ']');
	is_int(claw_gzip(&gz, claw_buf_str(&json), claw_buf_len(&json), &err), CLAW_OK,
	       "compresses");
	ok(claw_buf_len(&gz) > 18 && (unsigned char)gz.p[0] == 0x1f &&
		   (unsigned char)gz.p[1] == 0x8b,
	   "a gzip member (magic 1f 8b)");
	ok(claw_buf_len(&gz) * 4 < claw_buf_len(&json), "JSON shrinks more than 4x (%zu of %zu)",
	   claw_buf_len(&gz), claw_buf_len(&json));
	unsigned char *back = gunzip(claw_buf_str(&gz), claw_buf_len(&gz), &n);
	ok(back != NULL && n == claw_buf_len(&json) && memcmp(back, json.p, n) == 0,
	   "inflates to the very bytes");
	free(back);

	/* Appends: what was in the buffer stays in front. */
	claw_buf_reset(&gz);
	(void)claw_buf_puts(&gz, "head");
	is_int(claw_gzip(&gz, "x", 1, &err), CLAW_OK, "appends");
	ok(memcmp(gz.p, "head", 4) == 0, "after what was there");
	back = gunzip(gz.p + 4, claw_buf_len(&gz) - 4, &n);
	ok(back != NULL && n == 1 && back[0] == 'x', "one byte round-trips");
	free(back);
	claw_buf_free(&gz);
	claw_buf_free(&json);
}

static void
test_empty_and_cap(void)
{
	struct claw_buf gz = CLAW_BUF_INIT(1 << 16), tiny = CLAW_BUF_INIT(8);
	struct claw_error err = {0};
	size_t n = 99;

	is_int(claw_gzip(&gz, "", 0, &err), CLAW_OK, "the empty input");
	unsigned char *back = gunzip(claw_buf_str(&gz), claw_buf_len(&gz), &n);
	ok(back != NULL && n == 0, "is a valid member of nothing");
	free(back);
	is_int(claw_gzip(&tiny, "some text that cannot fit", 25, &err), CLAW_ETOOBIG,
	       "over the cap: CLAW_ETOOBIG");
	has_str(claw_error_text(&err), "too big", "says so");
	claw_buf_free(&tiny);
	claw_buf_free(&gz);
}

int
main(void)
{
	test_round_trip();
	test_empty_and_cap();
	return tap_done();
}
