/*
 * log — leveled one-line diagnostics on stderr.
 *
 * Format: "claw: <level>: <message>\n" for warnings and errors, "claw: <message>\n"
 * otherwise.  Long messages are clipped at LOG_LINE_MAX.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static _Atomic int log_level = CLAW_LOG_NOTICE;
static _Atomic int log_fd = -1;

void
claw_log_set_level(enum claw_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum claw_log_level
claw_log_get_level(void)
{
	return (enum claw_log_level)atomic_load(&log_level);
}

void
claw_log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

void
claw_log(enum claw_log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	const char *tag = "";
	int n;
	va_list ap;

	if ((int)level < atomic_load(&log_level))
		return;
	if (level >= CLAW_LOG_ERROR)
		tag = "error: ";
	else if (level >= CLAW_LOG_WARN)
		tag = "warning: ";
	n = snprintf(line, sizeof line, "claw: %s", tag);
	va_start(ap, fmt);
	(void)vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(line);
	line[len++] = '\n';

	int fd = atomic_load(&log_fd);
	if (fd < 0)
		fd = STDERR_FILENO;
	int saved = errno;
	const char *p = line;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	errno = saved;
}
