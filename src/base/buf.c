/*
 * buf — bounded growable buffer.  See buf.h for the contract.
 */
#include "base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define BUF_MIN_ALLOC 64

void
claw_buf_init(struct claw_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
	b->err = CLAW_OK;
}

void
claw_buf_free(struct claw_buf *b)
{
	free(b->p);
	claw_buf_init(b, b->max);
}

void
claw_buf_reset(struct claw_buf *b)
{
	b->len = 0;
	b->err = CLAW_OK;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Makes room for n more bytes plus the NUL, or records CLAW_ETOOBIG. */
static enum claw_err
reserve(struct claw_buf *b, size_t n)
{
	/* The NUL needs a byte too: a cap of SIZE_MAX would make max + 1 and
	 * len + n + 1 wrap to 0 (an undersized buffer), so clamp it. */
	size_t max = b->max < SIZE_MAX ? b->max : SIZE_MAX - 1;

	if (b->err != CLAW_OK)
		return b->err;
	if (n > max || b->len > max - n) {
		b->err = CLAW_ETOOBIG;
		return b->err;
	}
	size_t need = b->len + n + 1;
	if (need <= b->alloc)
		return CLAW_OK;
	size_t alloc = b->alloc != 0 ? b->alloc : BUF_MIN_ALLOC;
	while (alloc < need)
		alloc = alloc > (SIZE_MAX / 2) ? need : alloc * 2;
	if (alloc > max + 1)
		alloc = max + 1;
	b->p = claw_xrealloc(b->p, alloc);
	b->alloc = alloc;
	return CLAW_OK;
}

enum claw_err
claw_buf_append(struct claw_buf *b, const void *data, size_t n)
{
	enum claw_err rc = reserve(b, n);
	if (rc != CLAW_OK)
		return rc;
	if (n != 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return CLAW_OK;
}

enum claw_err
claw_buf_puts(struct claw_buf *b, const char *s)
{
	return claw_buf_append(b, s, strlen(s));
}

enum claw_err
claw_buf_putc(struct claw_buf *b, char c)
{
	return claw_buf_append(b, &c, 1);
}

enum claw_err
claw_buf_vprintf(struct claw_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	if (b->err != CLAW_OK)
		return b->err;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->err = CLAW_EINVAL;
		return b->err;
	}
	enum claw_err rc = reserve(b, (size_t)n);
	if (rc != CLAW_OK)
		return rc;
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CLAW_OK;
}

enum claw_err
claw_buf_printf(struct claw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum claw_err rc = claw_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
claw_buf_truncate(struct claw_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->p[len] = '\0';
}

const char *
claw_buf_str(const struct claw_buf *b)
{
	return b->p != NULL ? b->p : "";
}

size_t
claw_buf_len(const struct claw_buf *b)
{
	return b->len;
}

enum claw_err
claw_buf_error(const struct claw_buf *b)
{
	return b->err;
}

char *
claw_buf_steal(struct claw_buf *b)
{
	char *p = b->p != NULL ? b->p : claw_xstrdup("");
	claw_buf_init(b, b->max);
	return p;
}
