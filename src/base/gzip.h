/*
 * gzip — one-shot gzip compression of a byte string, for answers the
 * server sends compressed (Content-Encoding: gzip).
 *
 * A thin layer over zlib's deflate with the gzip wrapper (RFC 1952): the
 * member is appended to a bounded buffer, so the caller's cap names how
 * big a compressed answer may get.  zlib allocates its own state with
 * malloc and frees it before returning.
 *
 * Threads: no shared state; any thread.
 */
#ifndef CLAW_BASE_GZIP_H
#define CLAW_BASE_GZIP_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Appends the gzip member of data[0..n) to out.  CLAW_ETOOBIG past out's
 * cap (out then ends in a partial member: discard it); CLAW_EINTERNAL when
 * zlib refuses (no memory). */
enum claw_err claw_gzip(struct claw_buf *out, const void *data, size_t n, struct claw_error *err);

#endif
