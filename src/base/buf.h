/*
 * buf — a bounded growable byte buffer with a sticky error.
 *
 * Modelled on curl's dynbuf and SQLite's StrAccum: every buffer has a
 * mandatory cap (name it at the call site: CLAW_<MODULE>_<WHAT>_MAX); the
 * contents are always NUL-terminated; growth is overflow-checked; the first
 * failure (CLAW_ETOOBIG past the cap) is recorded and every later append is a
 * no-op returning it, so a chain of appends is checked once at the end.
 * On overflow the contents stay as they were before the failing append.
 *
 * Memory: growth uses claw_xrealloc (aborts on exhaustion; the cap is what
 * protects against hostile sizes).  Owned by the struct; release with
 * claw_buf_free() or take with claw_buf_steal().
 *
 * Threads: a buffer belongs to one thread at a time.
 */
#ifndef CLAW_BASE_BUF_H
#define CLAW_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

/* Use the API; the fields are documented for debugging only. */
struct claw_buf {
	char *p;           /* NULL until the first append */
	size_t len;        /* bytes in use, excluding the NUL */
	size_t alloc;      /* bytes allocated */
	size_t max;        /* cap on len */
	enum claw_err err; /* sticky: first failure */
};

#define CLAW_BUF_INIT(maxlen)                                                                      \
	{                                                                                          \
		NULL, 0, 0, (maxlen), CLAW_OK                                                      \
	}

void claw_buf_init(struct claw_buf *b, size_t max);
void claw_buf_free(struct claw_buf *b);
/* Empties the buffer and clears the sticky error; keeps the allocation. */
void claw_buf_reset(struct claw_buf *b);

enum claw_err claw_buf_append(struct claw_buf *b, const void *data, size_t n);
enum claw_err claw_buf_puts(struct claw_buf *b, const char *s);
enum claw_err claw_buf_putc(struct claw_buf *b, char c);
enum claw_err claw_buf_printf(struct claw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum claw_err claw_buf_vprintf(struct claw_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Drops bytes from the end (n >= len empties it). */
void claw_buf_truncate(struct claw_buf *b, size_t len);

/* Always a valid NUL-terminated string ("" when empty); borrowed, valid until
 * the next call that changes b. */
const char *claw_buf_str(const struct claw_buf *b);
size_t claw_buf_len(const struct claw_buf *b);
enum claw_err claw_buf_error(const struct claw_buf *b);

/* Hands the contents to the caller (free() it; never NULL) and resets b to
 * empty with the same cap. */
char *claw_buf_steal(struct claw_buf *b) __attribute__((returns_nonnull));

#endif
