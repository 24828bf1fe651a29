/*
 * test_proc — the child runner without a sandbox: exit codes, both streams,
 * exactly the given environment, stdin, fds, limits, reset signals, the
 * head + tail capture, and the deadline that kills the whole group.
 */
#include "tool/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "tap.h"

static char env_a[] = "A=1";
static char *envp[] = {env_a, NULL};

/* Runs `sh -c cmd`; returns rc and fills res. */
static enum claw_err
run(const char *cmd, int64_t timeout_ms, size_t capture, const struct claw_proc_limit *lim,
    size_t nlim, struct claw_proc_result *res, struct claw_error *err)
{
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct claw_proc_spec spec = {
		.path = "/bin/sh",
		.argv = (char *const *)argv,
		.envp = envp,
		.limits = lim,
		.nlimits = nlim,
		.timeout_ms = timeout_ms,
		.capture_max = capture,
	};
	return claw_proc_run(&spec, res, err);
}

/* Processes whose command line is exactly "sleep\0<arg>\0". */
static int
count_sleep(const char *arg)
{
	char want[64];
	size_t wlen = (size_t)snprintf(want, sizeof want, "sleep%c%s", 0, arg) + 1;
	DIR *d = opendir("/proc");
	int n = 0;
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		char path[300], buf[64];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		(void)snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof buf);
		(void)close(fd);
		n += r == (ssize_t)wlen && memcmp(buf, want, wlen) == 0;
	}
	if (d != NULL)
		(void)closedir(d);
	return n;
}

static bool
sleep_gone(const char *arg)
{
	for (int i = 0; i < 100 && count_sleep(arg) != 0; i++)
		claw_clock_sleep_ms(20);
	return count_sleep(arg) == 0;
}

static void
test_basics(void)
{
	struct claw_proc_result res;
	struct claw_error err = {0};

	is_int(run("echo out; echo err >&2; exit 3", 5000, 4096, NULL, 0, &res, &err), CLAW_OK,
	       "runs");
	is_int(res.exit_code, 3, "exit code");
	has_str(res.out, "out\n", "stdout");
	has_str(res.out, "err\n", "stderr");
	ok(!res.timed_out && res.signal == 0, "neither timed out nor signalled");
	claw_proc_result_free(&res);

	is_int(run("env", 5000, 4096, NULL, 0, &res, &err), CLAW_OK, "env");
	has_str(res.out, "A=1", "the given variable");
	ok(strstr(res.out, "PATH=") == NULL && strstr(res.out, "HOME=") == NULL,
	   "and nothing of ours");
	claw_proc_result_free(&res);

	int64_t t0 = claw_clock_mono_ms();
	is_int(run("cat; echo done", 5000, 4096, NULL, 0, &res, &err), CLAW_OK, "cat");
	is_str(res.out, "done\n", "stdin is /dev/null: cat ends at once");
	ok(claw_clock_mono_ms() - t0 < 2000, "quickly");
	claw_proc_result_free(&res);

	int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	char cmd[128];
	(void)snprintf(cmd, sizeof cmd, "[ -e /proc/$$/fd/%d ] && echo LEAK; echo checked", leak);
	is_int(run(cmd, 5000, 4096, NULL, 0, &res, &err), CLAW_OK, "fd check");
	is_str(res.out, "checked\n", "claw's fds do not leak into the child");
	claw_proc_result_free(&res);
	(void)close(leak);

	is_int(run("kill -TERM $$", 5000, 4096, NULL, 0, &res, &err), CLAW_OK, "signal");
	is_int(res.signal, SIGTERM, "ended by SIGTERM");
	is_int(res.exit_code, 128 + SIGTERM, "exit code 128 + signal");
	claw_proc_result_free(&res);
}

static void
test_signals_reset(void)
{
	struct claw_proc_result res;
	struct claw_error err = {0};
	sigset_t block, old;
	struct sigaction ign = {.sa_handler = SIG_IGN}, prev;

	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGTERM);
	(void)pthread_sigmask(SIG_BLOCK, &block, &old);
	(void)sigaction(SIGPIPE, &ign, &prev);
	is_int(run("kill -TERM $$; echo alive", 5000, 4096, NULL, 0, &res, &err), CLAW_OK,
	       "blocked in claw");
	is_int(res.signal, SIGTERM,
	       "a signal blocked in claw's thread is not blocked in the child");
	claw_proc_result_free(&res);
	is_int(run("yes | head -1", 5000, 4096, NULL, 0, &res, &err), CLAW_OK, "pipe");
	is_str(res.out, "y\n", "SIGPIPE ignored in claw is default in the child");
	claw_proc_result_free(&res);
	(void)sigaction(SIGPIPE, &prev, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
test_capture(void)
{
	struct claw_proc_result res;
	struct claw_error err = {0};

	is_int(run("head -c 200000 /dev/zero | tr '\\0' a; echo END", 5000, 100, NULL, 0, &res,
		   &err),
	       CLAW_OK, "long output");
	is_int(res.total, 200004, "total counted");
	is_int(res.head_len, 100, "head kept");
	is_int(res.len, 100 + CLAW_PROC_TAIL_MAX, "head + tail ring");
	ok(res.len >= 4 && strcmp(res.out + res.len - 4, "END\n") == 0, "the tail is the end");
	is_int(strlen(res.out), res.len, "NUL-terminated, no NUL inside");
	claw_proc_result_free(&res);
}

static void
test_deadline(void)
{
	struct claw_proc_result res;
	struct claw_error err = {0};

	int64_t t0 = claw_clock_mono_ms();
	is_int(run("echo before; sleep 1001 & sleep 1002", 300, 4096, NULL, 0, &res, &err), CLAW_OK,
	       "timeout");
	int64_t ms = claw_clock_mono_ms() - t0;
	ok(res.timed_out, "timed out");
	ok(ms >= 300 && ms < 2000, "at the deadline (%lld ms)", (long long)ms);
	is_str(res.out, "before\n", "output so far kept");
	is_int(res.signal, SIGKILL, "killed");
	ok(sleep_gone("1001") && sleep_gone("1002"), "grandchild and child both gone");
	claw_proc_result_free(&res);

	t0 = claw_clock_mono_ms();
	is_int(run("sleep 1003 & echo hi", 5000, 4096, NULL, 0, &res, &err), CLAW_OK,
	       "background left behind");
	ok(claw_clock_mono_ms() - t0 < 2000, "does not wait for it");
	ok(!res.timed_out && res.exit_code == 0, "exit 0");
	ok(sleep_gone("1003"), "and it is killed with the group");
	claw_proc_result_free(&res);

	int status;
	ok(waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD, "no zombie children");
}

static void
test_failures(void)
{
	struct claw_proc_result res;
	struct claw_error err = {0};
	const char *argv[] = {"/nonexistent/x", NULL};
	struct claw_proc_spec spec = {
		.path = "/nonexistent/x",
		.argv = (char *const *)argv,
		.envp = envp,
		.timeout_ms = 1000,
		.capture_max = 100,
	};

	is_int(claw_proc_run(&spec, &res, &err), CLAW_EIO, "missing program");
	is_str(err.msg, "cannot run /nonexistent/x: No such file or directory", "message");
	claw_proc_result_free(&res);
	spec.path = "/bin/true";
	spec.cwd = "/nonexistent";
	is_int(claw_proc_run(&spec, &res, &err), CLAW_EIO, "missing cwd");
	is_str(err.msg, "cannot enter /nonexistent: No such file or directory", "message");
	claw_proc_result_free(&res);

	struct claw_proc_limit lim[] = {{RLIMIT_FSIZE, 4096}, {RLIMIT_CPU, 7}};
	is_int(run("grep -E 'Max (file size|cpu time)' /proc/self/limits", 5000, 4096, lim, 2, &res,
		   &err),
	       CLAW_OK, "limits");
	has_str(res.out, "4096", "file size limit applied");
	has_str(res.out, "7  ", "cpu limit applied");
	claw_proc_result_free(&res);
	is_int(run("head -c 10000 /dev/zero > /dev/null; head -c 8192 /dev/zero > f.tmp; echo $?; "
		   "rm -f f.tmp",
		   5000, 4096, lim, 1, &res, &err),
	       CLAW_OK, "file size");
	ok(strstr(res.out, "0\n") == NULL, "a file past the limit fails");
	claw_proc_result_free(&res);
}

int
main(void)
{
	if (chdir(tap_tmpdir()) != 0)
		return 1;
	test_basics();
	test_signals_reset();
	test_capture();
	test_deadline();
	test_failures();
	return tap_done();
}
