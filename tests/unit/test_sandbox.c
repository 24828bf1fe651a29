/*
 * test_sandbox — the escape suite of issue 5: each attempt goes through the
 * real registry, the real tool and the real bubblewrap, and must be refused
 * or contained.
 *
 * Set-up: a project folder under the test's temporary directory (so below
 * /tmp: that also checks the project survives the private /tmp), and claw's
 * home plus an "outside" folder in the build directory, i.e. not below /tmp,
 * so the tmpfs over the home and the read-only host are what stop the
 * attempts, not the private /tmp.  The home holds claw.env with an API key
 * and the project's secrets file; the test process itself carries another
 * API key in its environment (it re-executes itself to put it there, since
 * setenv is banned).  No result of any case may contain either key or the
 * raw secret value: that is checked for every row on top of its own checks.
 *
 * Limits are set low so the suite stays fast: 1.5 s timeout, 64 processes,
 * 8 MiB files.  The real fork bomb runs only after a bounded "fork flood"
 * has shown the process limit holds here, so a broken limit fails the suite
 * without taking the (shared) machine down.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "tap.h"
#include "tool/builtin.h"
#include "tool/cgroup.h"
#include "tool/sandbox.h"
#include "tool/secrets.h"

#define ENV_KEY "sk-ant-env-0123456789abcdef"
#define HOME_KEY "sk-ant-home-file-0123456789abcdef"
#define TOKEN "tok-project-0123456789abcdef"
#define TIMEOUT_MS 1500
#define FILE_LIMIT (8 * 1024 * 1024)
#define PROCESS_LIMIT 64

extern char **environ;

static char project[PATH_MAX], home[PATH_MAX], outside[PATH_MAX];
static struct claw_registry *reg;
static struct claw_sandbox *sb, *sb_net;
static struct claw_secrets *secrets;
static int listener = -1, port;
static int unix_listener = -1; /* a host unix socket outside /tmp and /run */
static char unix_path[PATH_MAX];
static int linked_listener = -1;   /* one bound through a symlink in /tmp */
static char linked_path[PATH_MAX]; /* where it really is */
static bool limit_holds;           /* the fork flood was stopped */

/* ------------------------------------------------------------------ set-up */

static void
write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t n = strlen(text);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		(void)close(fd);
}

static void
path_join(char *out, const char *dir, const char *name)
{
	size_t n = strlen(dir);
	if (n + 1 + strlen(name) >= PATH_MAX) {
		printf("Bail out! path too long: %s/%s\n", dir, name);
		exit(1);
	}
	memcpy(out, dir, n);
	out[n] = '/';
	memcpy(out + n + 1, name, strlen(name) + 1);
}

static void
make_listener(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(listener, 8) != 0 || getsockname(listener, (struct sockaddr *)&a, &len) != 0) {
		printf("Bail out! cannot listen on 127.0.0.1\n");
		exit(1);
	}
	port = ntohs(a.sin_port);
}

/* A listening unix socket bound at path. */
static int
unix_listen(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		printf("Bail out! socket path too long: %s\n", path);
		exit(1);
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0) {
		printf("Bail out! cannot listen on %s\n", path);
		exit(1);
	}
	return fd;
}

static void
make_unix_listener(void)
{
	char link[PATH_MAX], dir[PATH_MAX], via[PATH_MAX];

	path_join(unix_path, outside, "claw.sock");
	unix_listener = unix_listen(unix_path);
	/* Bound as /tmp/.../linked/s.sock, a link to outside/real: the kernel
	 * lists the /tmp path, which the private /tmp hides, but the socket
	 * is reachable at outside/real/s.sock. */
	path_join(dir, outside, "real");
	(void)mkdir(dir, 0755);
	path_join(link, tap_tmpdir(), "linked");
	(void)symlink(dir, link);
	path_join(via, link, "s.sock");
	path_join(linked_path, dir, "s.sock");
	linked_listener = unix_listen(via);
}

/* A sandbox as claw would make from the configuration, with low limits. */
static struct claw_sandbox *
make_sandbox(bool net)
{
	struct claw_sandbox_opts o;
	struct claw_sandbox *s = NULL;
	struct claw_error err = {0};

	claw_sandbox_opts_default(&o);
	o.mode = CLAW_SANDBOX_BWRAP;
	o.net = net;
	o.timeout_ms = TIMEOUT_MS;
	o.home = home;
	o.cpu_seconds = 10;
	o.file_bytes = FILE_LIMIT;
	o.processes = PROCESS_LIMIT;
	o.tmp_bytes = 64 * 1024 * 1024;
	if (claw_sandbox_new(&o, &s, &err) != CLAW_OK) {
		printf("Bail out! bubblewrap does not work here: %s\n", claw_error_text(&err));
		exit(1);
	}
	return s;
}

static void
setup(void)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct claw_error err = {0};

	path_join(tmp, tap_tmpdir(), "project");
	if (mkdir(tmp, 0755) != 0 || realpath(tmp, project) == NULL) {
		printf("Bail out! cannot make the project folder\n");
		exit(1);
	}
	/* Not below /tmp: see the file comment. */
	(void)snprintf(tmp, sizeof tmp, "test_sandbox-home-XXXXXX");
	if (mkdtemp(tmp) == NULL || realpath(tmp, home) == NULL) {
		printf("Bail out! cannot make the home folder\n");
		exit(1);
	}
	(void)snprintf(tmp, sizeof tmp, "test_sandbox-outside-XXXXXX");
	if (mkdtemp(tmp) == NULL || realpath(tmp, outside) == NULL) {
		printf("Bail out! cannot make the outside folder\n");
		exit(1);
	}
	path_join(path, home, "claw.env");
	write_text(path, "ANTHROPIC_API_KEY=" HOME_KEY "\n", 0600);
	path_join(path, home, "projects");
	(void)mkdir(path, 0700);
	path_join(path, home, "projects/test.secrets");
	write_text(path, "TOKEN=" TOKEN "\n", 0600);
	if (claw_secrets_load(path, &secrets, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		exit(1);
	}
	/* Fixtures for the file-tool escapes. */
	path_join(path, project, "link-out");
	(void)symlink(outside, path);
	path_join(path, project, "link-home");
	path_join(tmp, home, "claw.env");
	(void)symlink(tmp, path);
	path_join(path, project, "dangling");
	path_join(tmp, outside, "dangling-target.txt");
	(void)symlink(tmp, path);
	path_join(path, project, "climb");
	(void)symlink("../../../../../../../../..", path);
	if (claw_builtin_registry(&reg, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		exit(1);
	}
	path_join(path, project, "a (5 bytes)\nsecret.key (42 bytes)");
	write_text(path, "", 0644);
	sb = make_sandbox(false);
	sb_net = make_sandbox(true);
	make_listener();
	make_unix_listener();
	tap_diag("project %s, home %s, outside %s, pids cgroups under '%s'", project, home, outside,
		 claw_cgroup_base());
}

static void
teardown(void)
{
	tap_rmtree(home);
	tap_rmtree(outside);
	claw_registry_free(reg);
	claw_sandbox_free(sb);
	claw_sandbox_free(sb_net);
	claw_secrets_free(secrets);
	if (listener >= 0)
		(void)close(listener);
	if (unix_listener >= 0)
		(void)close(unix_listener);
	if (linked_listener >= 0)
		(void)close(linked_listener);
}

/* --------------------------------------------------------------- host checks */

/* Processes on the host whose command line starts with want[0..wlen). */
static int
count_procs(const char *want, size_t wlen)
{
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
		if (r >= (ssize_t)wlen && memcmp(buf, want, wlen) == 0)
			n++;
	}
	if (d != NULL)
		(void)closedir(d);
	return n;
}

/* Waits up to 2 s for no process with that command line to be left
 * (want holds NULs: its length is given). */
static bool
gone(const char *want, size_t wlen)
{
	for (int i = 0; i < 100; i++) {
		if (count_procs(want, wlen) == 0)
			return true;
		claw_clock_sleep_ms(20);
	}
	tap_diag("%d processes like '%s' left", count_procs(want, wlen), want);
	return false;
}

#define GONE(lit) gone((lit), sizeof(lit)) /* includes the final NUL */

static bool
no_zombie_children(void)
{
	int status;
	return waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

static bool
absent(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	path_join(path, dir, name);
	return lstat(path, &st) != 0 && errno == ENOENT;
}

static bool
after_abs(void)
{
	return absent(outside, "abs.txt");
}
static bool
after_dotdot(void)
{
	return absent(tap_tmpdir(), "dotdot.txt");
}
static bool
after_symlink(void)
{
	return absent(outside, "via-link.txt");
}
static bool
after_dangling(void)
{
	return absent(outside, "dangling-target.txt");
}
static bool
after_climb(void)
{
	return absent("/tmp", "climb.txt");
}
static bool
after_bash_write(void)
{
	return absent(outside, "bash.txt") && absent("/etc", "claw-escape") &&
	       absent(home, "planted");
}
static bool
after_tmp(void)
{
	char name[64];
	(void)snprintf(name, sizeof name, "claw-escape-%ld", (long)getpid());
	return absent("/tmp", name);
}
static bool
after_no_connection(void)
{
	int c = accept(listener, NULL, NULL);
	if (c >= 0) {
		(void)close(c);
		return false;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK;
}
static bool
after_no_unix_connection(void)
{
	int c = accept(unix_listener, NULL, NULL);
	if (c >= 0) {
		(void)close(c);
		return false;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK;
}
static bool
after_connection(void)
{
	for (int i = 0; i < 50; i++) {
		int c = accept(listener, NULL, NULL);
		if (c >= 0) {
			(void)close(c);
			return true;
		}
		claw_clock_sleep_ms(10);
	}
	return false;
}
static bool
after_flood(void)
{
	return GONE("sleep\0"
		    "31") &&
	       no_zombie_children();
}
static bool
after_bomb(void)
{
	/* The bomb's shells are forks of the sh -c: same command line. */
	return gone("/bin/sh\0-c\0f() {", 14) && no_zombie_children();
}
static bool
after_big(void)
{
	char path[PATH_MAX];
	struct stat st;
	path_join(path, project, "big");
	bool ok = stat(path, &st) == 0 && st.st_size <= FILE_LIMIT;
	if (!ok)
		tap_diag("big is %lld bytes", (long long)st.st_size);
	(void)unlink(path);
	return ok;
}
static bool
after_sleep(void)
{
	return GONE("sleep\0"
		    "1000") &&
	       no_zombie_children();
}
static bool
after_inside(void)
{
	return !absent(project, "inside.txt");
}

/* ------------------------------------------------------------------- cases */

struct escape_case {
	const char *name;
	const char *tool;
	const char *input;       /* JSON; %P project, %H home, %O outside, %I pid, %N port */
	int want_error;          /* 1 error result, 0 success, -1 either */
	const char *must;        /* the result contains this (NULL: no check) */
	const char *must_not[3]; /* and none of these */
	bool (*after)(void);     /* then this holds on the host */
	unsigned flags;          /* NET, NEEDS_LIMIT */
};

enum {
	NET = 1,         /* run with CLAW_SANDBOX_NET=1 */
	NEEDS_LIMIT = 2, /* run only once the process limit is shown to hold */
};

/* clang-format off */
static const struct escape_case cases[] = {
	/* Writing outside the project with the file tools. */
	{"write_file absolute path", "write_file",
	 "{\"path\":\"%O/abs.txt\",\"content\":\"x\"}",
	 1, "path escapes the project", {NULL}, after_abs, 0},
	{"write_file ..", "write_file",
	 "{\"path\":\"../dotdot.txt\",\"content\":\"x\"}",
	 1, "path escapes the project", {NULL}, after_dotdot, 0},
	{"write_file a/../..", "write_file",
	 "{\"path\":\"sub/../../dotdot.txt\",\"content\":\"x\"}",
	 1, "path escapes the project", {NULL}, after_dotdot, 0},
	{"write_file through a symlinked folder", "write_file",
	 "{\"path\":\"link-out/via-link.txt\",\"content\":\"x\"}",
	 1, "path escapes the project", {NULL}, after_symlink, 0},
	{"write_file through a dangling symlink", "write_file",
	 "{\"path\":\"dangling\",\"content\":\"x\"}",
	 1, "path escapes the project", {NULL}, after_dangling, 0},
	{"write_file through a climbing relative symlink", "write_file",
	 "{\"path\":\"climb/tmp/climb.txt\",\"content\":\"x\"}",
	 1, "path escapes the project", {NULL}, after_climb, 0},
	/* Reading outside with the file tools. */
	{"read_file absolute path", "read_file",
	 "{\"path\":\"/etc/passwd\"}",
	 1, "path escapes the project", {"root:"}, NULL, 0},
	{"read_file symlink to claw.env", "read_file",
	 "{\"path\":\"link-home\"}",
	 1, "path escapes the project", {NULL}, NULL, 0},
	{"read_file via a climbing symlink", "read_file",
	 "{\"path\":\"climb/etc/passwd\"}",
	 1, "path escapes the project", {"root:"}, NULL, 0},
	{"list_files of a symlinked folder", "list_files",
	 "{\"path\":\"link-out\"}",
	 1, "path escapes the project", {NULL}, NULL, 0},
	{"list_files ..", "list_files",
	 "{\"path\":\"..\"}",
	 1, "path escapes the project", {"project/"}, NULL, 0},
	/* claw's home from bash. */
	{"bash cat claw.env", "bash",
	 "{\"command\":\"cat %H/claw.env\"}",
	 1, "No such file", {NULL}, NULL, 0},
	{"bash lists the home", "bash",
	 "{\"command\":\"ls -la %H %H/projects; find %H\"}",
	 -1, NULL, {"claw.env", "test.secrets"}, NULL, 0},
	{"bash unmounts the tmpfs over the home", "bash",
	 "{\"command\":\"umount %H; umount -l %H; cat %H/claw.env\"}",
	 1, NULL, {NULL}, NULL, 0},
	{"bash has no capabilities", "bash",
	 "{\"command\":\"grep CapEff /proc/self/status\"}",
	 0, "0000000000000000", {NULL}, NULL, 0},
	{"bash cannot nest a user namespace to get them back", "bash",
	 "{\"command\":\"unshare -U -r -m sh -c 'umount %H; cat %H/claw.env' && echo NESTED\"}",
	 1, NULL, {"NESTED"}, NULL, 0},
	/* API keys from bash. */
	{"bash env has no API key", "bash",
	 "{\"command\":\"env; tr '\\\\0' '\\\\n' < /proc/self/environ\"}",
	 0, "HOME=%P", {"ANTHROPIC_API_KEY"}, NULL, 0},
	{"bash reads /proc/<claw pid>/environ", "bash",
	 "{\"command\":\"cat /proc/%I/environ; tr '\\\\0' '\\\\n' < /proc/1/environ\"}",
	 -1, NULL, {"ANTHROPIC_API_KEY"}, NULL, 0},
	{"bash sees only its own processes", "bash",
	 "{\"command\":\"n=$(ls /proc | grep -c '^[0-9]'); [ $n -lt 10 ] && echo FEW\"}",
	 0, "FEW", {NULL}, NULL, 0},
	/* Writing outside from bash. */
	{"bash writes outside the project", "bash",
	 "{\"command\":\"echo x > %O/bash.txt; touch /etc/claw-escape; echo x > %H/planted\"}",
	 1, "Read-only file system", {NULL}, after_bash_write, 0},
	{"bash /tmp is private", "bash",
	 "{\"command\":\"echo x > /tmp/claw-escape-%I\"}",
	 0, NULL, {NULL}, after_tmp, 0},
	{"bash writes inside the project", "bash",
	 "{\"command\":\"echo in > inside.txt\"}",
	 0, NULL, {NULL}, after_inside, 0},
	/* Network off. */
	{"bash connects to 127.0.0.1", "bash",
	 "{\"command\":\"bash -c 'exec 3<>/dev/tcp/127.0.0.1/%N' && echo CONNECTED\"}",
	 1, NULL, {"CONNECTED"}, after_no_connection, 0},
	{"bash connects to an outside address", "bash",
	 "{\"command\":\"bash -c 'exec 3<>/dev/tcp/1.1.1.1/80' && echo CONNECTED\"}",
	 1, NULL, {"CONNECTED"}, NULL, 0},
	/* Host unix sockets (issue 13: claw serve's own, outside the home,
	 * was reachable: a read-only bind does not stop connect). */
	{"bash connects to a host unix socket outside /tmp and /run", "bash",
	 "{\"command\":\"ls -l %S; perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => shift) or die qq(refused: $!\\\\n); print qq(CONNECTED\\\\n)' %S\"}",
	 1, "refused", {"CONNECTED"}, after_no_unix_connection, 0},
	{"bash connects to a host socket bound through a symlink in /tmp", "bash",
	 "{\"command\":\"perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => shift) or die qq(refused: $!\\\\n); print qq(CONNECTED\\\\n)' %L\"}",
	 1, "refused", {"CONNECTED"}, NULL, 0},
	{"bash connects to it with the network on", "bash",
	 "{\"command\":\"perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => shift) or die qq(refused: $!\\\\n); print qq(CONNECTED\\\\n)' %S\"}",
	 1, "refused", {"CONNECTED"}, after_no_unix_connection, NET},
	{"bash sees a private, empty /run", "bash",
	 "{\"command\":\"find /run/ /var/run/ -mindepth 1 | wc -l\"}",
	 0, "0", {NULL}, NULL, 0},
	{"bash fills /dev/shm past its cap", "bash",
	 "{\"command\":\"i=0; while [ $i -lt 45 ] && dd if=/dev/zero of=/dev/shm/f$i bs=1M count=7 2>/dev/null; do i=$((i+1)); done; echo $i files; dd if=/dev/zero of=/dev/shm/last bs=1M count=7\"}",
	 1, "36 files", {NULL}, NULL, 0},
	{"list_files of a name that forges an entry", "list_files",
	 "{\"path\":\".\"}",
	 0, "a (5 bytes)\\x0asecret.key (42 bytes) (0 bytes)\n", {"\nsecret.key (42 bytes)\n"}, NULL, 0},
	{"control: with CLAW_SANDBOX_NET=1 the same connect works", "bash",
	 "{\"command\":\"bash -c 'exec 3<>/dev/tcp/127.0.0.1/%N' && echo CONNECTED\"}",
	 0, "CONNECTED", {NULL}, after_connection, NET},
	/* Resource limits. */
	{"bash fork flood (300) stops at the process limit", "bash",
	 "{\"command\":\"i=0; while [ $i -lt 300 ]; do sleep 31 & i=$((i+1)); done; echo spawned $i\"}",
	 1, NULL, {"spawned 300"}, after_flood, 0},
	{"bash fork bomb is contained", "bash",
	 "{\"command\":\"f() { f | f & }; f; sleep 5\"}",
	 -1, NULL, {NULL}, after_bomb, NEEDS_LIMIT},
	{"bash 10 GB write stops at the file-size limit", "bash",
	 "{\"command\":\"dd if=/dev/zero of=big bs=1M count=10240\"}",
	 1, "[exit ", {NULL}, after_big, 0},
	{"bash sleep 1000 & then timeout: whole group killed", "bash",
	 "{\"command\":\"sleep 1000 & echo started; wait\"}",
	 1, "[timeout after 1.5s]", {NULL}, after_sleep, 0},
	{"bash 50 MB of output: capped, clipped, no deadlock", "bash",
	 "{\"command\":\"(head -c 25000000 /dev/zero | tr '\\\\0' e >&2) & "
	 "head -c 25000000 /dev/zero | tr '\\\\0' o; wait; echo; echo END\"}",
	 0, "bytes clipped", {NULL}, NULL, 0},
	/* Secrets. */
	{"bash sees the project secret, the result does not", "bash",
	 "{\"command\":\"echo $TOKEN; printf %%s \\\"$TOKEN\\\" | rev | rev\"}",
	 0, "[redacted TOKEN]", {NULL}, NULL, 0},
};
/* clang-format on */

/* The input with placeholders filled in.  Caller frees. */
static char *
expand(const char *in)
{
	struct claw_buf b = CLAW_BUF_INIT(16384);
	for (const char *p = in; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			(void)claw_buf_putc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'P':
			(void)claw_buf_puts(&b, project);
			break;
		case 'H':
			(void)claw_buf_puts(&b, home);
			break;
		case 'O':
			(void)claw_buf_puts(&b, outside);
			break;
		case 'I':
			(void)claw_buf_printf(&b, "%ld", (long)getpid());
			break;
		case 'N':
			(void)claw_buf_printf(&b, "%d", port);
			break;
		case 'S':
			(void)claw_buf_puts(&b, unix_path);
			break;
		case 'L':
			(void)claw_buf_puts(&b, linked_path);
			break;
		default:
			(void)claw_buf_putc(&b, *p);
			break;
		}
	}
	return claw_buf_steal(&b);
}

static void
run_case(const struct escape_case *c)
{
	struct claw_tool_result res;
	struct claw_error err = {0};
	struct json_object *input = NULL;
	char *json = expand(c->input);
	struct claw_tool_ctx ctx = {
		.project = project,
		.sandbox = (c->flags & NET) != 0 ? sb_net : sb,
		.secrets = secrets,
		.tools = reg,
	};

	claw_tool_result_init(&res);
	if ((c->flags & NEEDS_LIMIT) != 0 && !limit_holds) {
		ok(false, "%s: not run, the process limit did not hold", c->name);
		goto out;
	}
	if (claw_json_parse(json, strlen(json), &input, &err) != CLAW_OK) {
		ok(false, "%s: bad test input %s: %s", c->name, json, claw_error_text(&err));
		goto out;
	}
	int64_t t0 = claw_clock_mono_ms();
	claw_registry_call(reg, &ctx, c->tool, input, &res);
	int64_t ms = claw_clock_mono_ms() - t0;
	const char *text = claw_buf_str(&res.text);
	bool pass = true;

	if (c->want_error >= 0 && res.is_error != (c->want_error == 1)) {
		tap_diag("is_error %d, wanted %d", res.is_error, c->want_error);
		pass = false;
	}
	char *must = c->must != NULL ? expand(c->must) : NULL;
	if (must != NULL && strstr(text, must) == NULL) {
		tap_diag("missing '%s'", must);
		pass = false;
	}
	free(must);
	const char *never[] = {ENV_KEY, HOME_KEY, TOKEN};
	for (size_t i = 0; i < 3; i++) {
		if (c->must_not[i] != NULL && strstr(text, c->must_not[i]) != NULL) {
			tap_diag("has '%s'", c->must_not[i]);
			pass = false;
		}
		if (strstr(text, never[i]) != NULL) {
			tap_diag("LEAKED a secret value");
			pass = false;
		}
	}
	if (ms > TIMEOUT_MS + 3000) {
		tap_diag("took %lld ms", (long long)ms);
		pass = false;
	}
	if (c->after != NULL && !c->after()) {
		tap_diag("host check failed");
		pass = false;
	}
	if (!pass)
		tap_diag("input %s\n# result (%zu bytes): %.600s", json, claw_buf_len(&res.text),
			 text);
	ok(pass, "%s (%lld ms)", c->name, (long long)ms);
	if (c->after == after_flood)
		limit_holds = pass;
	if (strstr(c->name, "50 MB") != NULL) {
		ok(claw_buf_len(&res.text) < 21000, "50 MB clipped to %zu bytes",
		   claw_buf_len(&res.text));
		has_str(text, "END", "50 MB: the tail is the real end");
	}
out:
	json_object_put(input);
	claw_tool_result_free(&res);
	free(json);
}

/* Puts ANTHROPIC_API_KEY into our own environment by re-executing (setenv
 * is banned): the sandbox must keep it from bash. */
static void
with_api_key(char **argv)
{
	const char *k = getenv("ANTHROPIC_API_KEY");
	if (k != NULL && strcmp(k, ENV_KEY) == 0)
		return;
	size_t n = 0;
	while (environ[n] != NULL)
		n++;
	char **envp = claw_xcalloc(n + 2, sizeof *envp);
	static char var[] = "ANTHROPIC_API_KEY=" ENV_KEY;
	envp[0] = var;
	for (size_t i = 0; i < n; i++)
		envp[i + 1] = environ[i];
	execve("/proc/self/exe", argv, envp);
	printf("Bail out! cannot re-execute with an API key\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	(void)argc;
	with_api_key(argv);
	setup();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	teardown();
	return tap_done();
}
