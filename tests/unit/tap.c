/*
 * tap — TAP output for the unit tests.  See tap.h.
 */
#include "tap.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_count;
static int tap_failed;
static char tap_dir[4096];

static bool
report(bool pass, const char *file, int line, const char *fmt, va_list ap)
{
	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

bool
tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = report(cond, file, line, fmt, ap);
	va_end(ap);
	return r;
}

bool
tap_is_i64(int64_t got, int64_t want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = report(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#          got: %lld\n#     expected: %lld\n", (long long)got,
		       (long long)want);
	return r;
}

bool
tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool same = (got == NULL && want == NULL) ||
		    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	bool r = report(same, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#          got: '%s'\n#     expected: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return r;
}

bool
tap_has_str(const char *hay, const char *needle, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool found = hay != NULL && needle != NULL && strstr(hay, needle) != NULL;
	va_start(ap, fmt);
	bool r = report(found, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#     in: '%s'\n#     missing: '%s'\n", hay ? hay : "(null)",
		       needle ? needle : "(null)");
	return r;
}

void
tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

const char *
tap_tmpdir(void)
{
	if (tap_dir[0] != '\0')
		return tap_dir;
	const char *base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	(void)snprintf(tap_dir, sizeof tap_dir, "%s/claw-test-XXXXXX", base);
	if (mkdtemp(tap_dir) == NULL) {
		printf("Bail out! mkdtemp %s failed\n", tap_dir);
		exit(1);
	}
	return tap_dir;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tap_rmtree(const char *path)
{
	(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tap_skip(int n, const char *why)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # SKIP %s\n", ++tap_count, why);
}

int
tap_done(void)
{
	if (tap_dir[0] != '\0') {
		tap_rmtree(tap_dir);
		tap_dir[0] = '\0';
	}
	printf("1..%d\n", tap_count);
	if (tap_failed != 0)
		printf("# %d of %d failed\n", tap_failed, tap_count);
	fflush(stdout);
	return tap_failed == 0 ? 0 : 1;
}
