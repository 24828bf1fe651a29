/*
 * test_log — levels, prefixes and one-line writes, read back from a pipe.
 */
#include "base/log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static int rfd = -1;

/* Everything written to the pipe so far (non-blocking read). */
static const char *
drain(void)
{
	static char buf[16384];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(rfd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return buf;
}

int
main(void)
{
	int fds[2];
	if (pipe(fds) != 0) {
		tap_diag("pipe failed");
		return 1;
	}
	rfd = fds[0];
	(void)fcntl(rfd, F_SETFL, O_NONBLOCK);
	claw_log_set_fd(fds[1]);

	is_int(claw_log_get_level(), CLAW_LOG_NOTICE, "default level is notice");
	claw_log_info("not shown %d", 1);
	claw_log_debug("not shown either");
	is_str(drain(), "", "below the level: dropped");

	claw_log_notice("listening on %s", "unix:/tmp/s");
	is_str(drain(), "claw: listening on unix:/tmp/s\n", "notice line");
	claw_log_warn("sandbox %s", "off");
	is_str(drain(), "claw: warning: sandbox off\n", "warning line");
	claw_log_error("sink failed: %d", 5);
	is_str(drain(), "claw: error: sink failed: 5\n", "error line");

	claw_log_set_level(CLAW_LOG_DEBUG);
	is_int(claw_log_get_level(), CLAW_LOG_DEBUG, "level set");
	claw_log_debug("d");
	claw_log_info("i");
	is_str(drain(), "claw: d\nclaw: i\n", "debug and info shown");
	claw_log_set_level(CLAW_LOG_ERROR);
	claw_log_warn("w");
	claw_log(CLAW_LOG_ERROR, "e");
	is_str(drain(), "claw: error: e\n", "only errors at error level");
	claw_log_set_level(CLAW_LOG_NOTICE);

	/* A long message is clipped to one line that still ends in '\n'. */
	static char big[10000];
	memset(big, 'x', sizeof big - 1);
	claw_log_notice("%s", big);
	const char *out = drain();
	size_t n = strlen(out);
	ok(n > 1000 && n <= 4096, "clipped line length %zu", n);
	ok(n > 0 && out[n - 1] == '\n' && memchr(out, '\n', n - 1) == NULL,
	   "one line, newline-terminated");
	ok(strncmp(out, "claw: xxx", 9) == 0, "prefix kept");

	claw_log_set_fd(-1);
	close(fds[1]);
	close(fds[0]);
	return tap_done();
}
