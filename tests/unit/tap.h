/*
 * tap — a small Test Anything Protocol producer for the unit tests.
 *
 * One test program per module; each check prints "ok N - name" or "not ok N -
 * name" followed by "# got/expected" diagnostics showing both operands.  The
 * program ends with tap_done(), which prints the plan and returns the exit
 * status (0 when all passed).  Run by automake's tap-driver.sh.
 *
 * Threads: call from one thread (checks are not synchronised).
 */
#ifndef CLAW_TESTS_TAP_H
#define CLAW_TESTS_TAP_H

#include <stdbool.h>
#include <stdint.h>

bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool tap_is_i64(int64_t got, int64_t want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Passes when needle occurs in haystack. */
bool tap_has_str(const char *haystack, const char *needle, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Counts n checks that cannot run here as "ok N # SKIP why". */
void tap_skip(int n, const char *why);
/* Prints the plan; returns the process exit status. */
int tap_done(void);

#define ok(cond, ...) tap_ok((cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                     \
	tap_is_i64((int64_t)(got), (int64_t)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define has_str(hay, needle, ...) tap_has_str((hay), (needle), __FILE__, __LINE__, __VA_ARGS__)

/* A fresh temporary directory under $TMPDIR (or /tmp), removed with everything
 * in it by tap_done().  Returns a static path valid until tap_done(). */
const char *tap_tmpdir(void);

/* Removes path and everything under it, best effort (symbolic links are
 * removed, never followed). */
void tap_rmtree(const char *path);

#endif
