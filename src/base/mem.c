/*
 * mem — allocation wrappers that abort with a message on exhaustion.
 */
#include "base/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((noreturn)) oom(size_t size)
{
	(void)fprintf(stderr, "claw: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
claw_xmalloc(size_t size)
{
	void *p = malloc(size != 0 ? size : 1);
	if (p == NULL)
		oom(size);
	return p;
}

void *
claw_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
claw_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size != 0 ? size : 1);
	if (q == NULL)
		oom(size);
	return q;
}

void *
claw_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	if (p != NULL && need <= *cap)
		return p;
	size_t n = *cap < 16 ? 16 : *cap;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : 2 * n;
	if (n > SIZE_MAX / size)
		oom(SIZE_MAX);
	*cap = n;
	return claw_xrealloc(p, n * size);
}

char *
claw_xstrdup(const char *s)
{
	return claw_xstrndup(s, strlen(s));
}

char *
claw_xstrndup(const char *s, size_t n)
{
	char *p = claw_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
claw_xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return claw_xstrdup("");
	}
	char *p = claw_xmalloc((size_t)n + 1);
	(void)vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}
