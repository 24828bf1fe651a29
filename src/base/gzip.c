/*
 * gzip — see gzip.h.  Compresses with level 6 (zlib's default): the
 * server compresses an answer once and sends it many times (the cached
 * issue list), so a few more microseconds of deflate buy fewer bytes on
 * every send.
 */
#include "base/gzip.h"

#include <limits.h>
#include <stdint.h>
#include <zlib.h>

#define GZIP_CHUNK 8192       /* deflate output per step */
#define GZIP_WINDOW (15 + 16) /* 32 KiB window, gzip wrapper */
#define GZIP_LEVEL 6
#define GZIP_MEMLEVEL 8

enum claw_err
claw_gzip(struct claw_buf *out, const void *data, size_t n, struct claw_error *err)
{
	unsigned char chunk[GZIP_CHUNK];
	z_stream z = {0};
	enum claw_err rc = CLAW_OK;
	int zrc;

	if (n > UINT_MAX)
		return claw_error_set(err, CLAW_ETOOBIG, "gzip: %zu bytes is over %u", n, UINT_MAX);
	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW, GZIP_MEMLEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return claw_error_set(err, CLAW_EINTERNAL, "gzip: zlib could not start");
	z.next_in = (Bytef *)(uintptr_t)data; /* zlib does not write its input */
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zrc = deflate(&z, Z_FINISH);
		if (zrc == Z_STREAM_ERROR) {
			rc = claw_error_set(err, CLAW_EINTERNAL, "gzip: deflate failed");
			break;
		}
		if (claw_buf_append(out, chunk, sizeof chunk - z.avail_out) != CLAW_OK) {
			rc = claw_error_set(err, CLAW_ETOOBIG,
					    "gzip: the compressed answer is too big");
			break;
		}
	} while (zrc != Z_STREAM_END);
	(void)deflateEnd(&z);
	return rc;
}
