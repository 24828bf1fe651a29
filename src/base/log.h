/*
 * log — diagnostics for operators, on stderr.
 *
 * Not the trace: the trace (src/trace) is the product's journal of runs; this
 * is claw's own voice ("listening on ...", "sink error ...").  One line per
 * call, written with a single write(2) so lines from threads never interleave.
 * Never pass secrets here: nothing filters them.
 *
 * Threads: thread-safe.  The level is a process-wide atomic.
 */
#ifndef CLAW_BASE_LOG_H
#define CLAW_BASE_LOG_H

enum claw_log_level {
	CLAW_LOG_DEBUG = 10,
	CLAW_LOG_INFO = 20,
	CLAW_LOG_NOTICE = 30,
	CLAW_LOG_WARN = 40,
	CLAW_LOG_ERROR = 50,
};

/* Messages below level are dropped.  Default: CLAW_LOG_NOTICE. */
void claw_log_set_level(enum claw_log_level level);
enum claw_log_level claw_log_get_level(void);
/* Redirects output to fd (tests); -1 restores stderr. */
void claw_log_set_fd(int fd);

void claw_log(enum claw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define claw_log_debug(...) claw_log(CLAW_LOG_DEBUG, __VA_ARGS__)
#define claw_log_info(...) claw_log(CLAW_LOG_INFO, __VA_ARGS__)
#define claw_log_notice(...) claw_log(CLAW_LOG_NOTICE, __VA_ARGS__)
#define claw_log_warn(...) claw_log(CLAW_LOG_WARN, __VA_ARGS__)
#define claw_log_error(...) claw_log(CLAW_LOG_ERROR, __VA_ARGS__)

#endif
