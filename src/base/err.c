/*
 * err — error codes, their phrases, and messages with context.
 *
 * The phrase table is built from designated initializers and checked against
 * the enum at compile time, so a new code without a phrase does not build.
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const phrases[] = {
	[CLAW_OK] = "success",
	[CLAW_ENOMEM] = "out of memory",
	[CLAW_ETOOBIG] = "too big",
	[CLAW_EINVAL] = "invalid input",
	[CLAW_ENOTFOUND] = "not found",
	[CLAW_EEXIST] = "already exists",
	[CLAW_ECONFLICT] = "conflict with the current state",
	[CLAW_EIO] = "input/output error",
	[CLAW_EDB] = "database error",
	[CLAW_EVERSION] = "written by a newer claw",
	[CLAW_ECONFIG] = "configuration error",
	[CLAW_ENET] = "network error",
	[CLAW_EBACKEND] = "model backend error",
	[CLAW_ETIMEOUT] = "timed out",
	[CLAW_ESTOPPED] = "stopped",
	[CLAW_EBUDGET] = "budget exhausted",
	[CLAW_EINTERNAL] = "internal error",
};
_Static_assert(sizeof phrases / sizeof phrases[0] == CLAW_ERR_COUNT,
	       "every enum claw_err needs a phrase");

const char *
claw_strerror(enum claw_err code)
{
	if ((unsigned)code >= CLAW_ERR_COUNT || phrases[code] == NULL)
		return "unknown error";
	return phrases[code];
}

void
claw_error_format(struct claw_error *e, enum claw_err code, const char *fmt, ...)
{
	if (e == NULL)
		return;
	e->code = code;
	e->msg[0] = '\0';
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	if (e->msg[0] == '\0')
		(void)snprintf(e->msg, sizeof e->msg, "%s", claw_strerror(code));
}

void
claw_error_clear(struct claw_error *e)
{
	if (e == NULL)
		return;
	e->code = CLAW_OK;
	e->msg[0] = '\0';
}

void
claw_error_prefix(struct claw_error *e, const char *fmt, ...)
{
	char out[CLAW_ERROR_MSG_MAX];
	va_list ap;

	if (e == NULL || e->code == CLAW_OK)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(out, sizeof out, fmt, ap);
	va_end(ap);
	/* Clip: "prefix: message" keeps as much of both as fits. */
	size_t used = n < 0 ? 0 : (size_t)n < sizeof out ? (size_t)n : sizeof out - 1;
	size_t room = sizeof out - 1 - used;
	const char *sep = ": ";
	size_t k = strlen(sep) < room ? strlen(sep) : room;
	memcpy(out + used, sep, k);
	used += k;
	room -= k;
	size_t m = strlen(e->msg) < room ? strlen(e->msg) : room;
	memcpy(out + used, e->msg, m);
	out[used + m] = '\0';
	memcpy(e->msg, out, used + m + 1);
}

const char *
claw_error_text(const struct claw_error *e)
{
	if (e == NULL)
		return claw_strerror(CLAW_EINTERNAL);
	return e->msg[0] != '\0' ? e->msg : claw_strerror(e->code);
}

const char *
claw_errno_text(int errnum, char *buf, size_t size)
{
	if (size == 0)
		return "";
	/* GNU strerror_r may return a static string instead of filling buf. */
	const char *s = strerror_r(errnum, buf, size);
	return s != NULL ? s : "unknown errno";
}
