/*
 * test_mem — the aborting allocators (lightly: they wrap libc).
 */
#include "base/mem.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

struct thing {
	int a;
	char *p;
};

static void
alloc_too_much(void)
{
	volatile size_t huge = SIZE_MAX - 16;
	free(claw_xmalloc(huge));
}

/* Runs fn in a child with stderr silenced; true when the child died (our
 * abort, or a sanitizer's exit) instead of returning. */
static bool
child_dies(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			(void)dup2(fd, STDERR_FILENO);
		fn();
		_exit(0);
	}
	int st = 0;
	(void)waitpid(pid, &st, 0);
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	char *p = claw_xmalloc(0);
	ok(p != NULL, "xmalloc(0) is not NULL");
	free(p);

	unsigned char *z = claw_xcalloc(16, 4);
	bool zero = true;
	for (int i = 0; i < 64; i++)
		zero = zero && z[i] == 0;
	ok(zero, "xcalloc zeroes");
	free(z);
	p = claw_xcalloc(0, 0);
	ok(p != NULL, "xcalloc(0, 0) is not NULL");
	free(p);

	p = claw_xmalloc(4);
	memcpy(p, "abc", 4);
	p = claw_xrealloc(p, 4096);
	is_str(p, "abc", "xrealloc keeps the contents");
	p = claw_xrealloc(p, 0);
	ok(p != NULL, "xrealloc(p, 0) is not NULL");
	free(p);

	p = claw_xstrdup("hello");
	is_str(p, "hello", "xstrdup");
	free(p);
	p = claw_xstrndup("hello", 3);
	is_str(p, "hel", "xstrndup cuts");
	free(p);
	p = claw_xstrndup("a\0b", 3);
	ok(p[0] == 'a' && p[1] == '\0' && p[2] == 'b' && p[3] == '\0', "xstrndup copies n bytes");
	free(p);

	p = claw_xasprintf("%s #%d", "issue", 42);
	is_str(p, "issue #42", "xasprintf");
	free(p);
	char big[10000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	p = claw_xasprintf("[%s]", big);
	is_int(strlen(p), sizeof big + 1, "xasprintf of a long string");
	free(p);

	struct thing *t = CLAW_NEW(struct thing);
	ok(t->a == 0 && t->p == NULL, "CLAW_NEW zeroes");
	free(t);

	ok(child_dies(alloc_too_much), "exhaustion does not return");
	return tap_done();
}
