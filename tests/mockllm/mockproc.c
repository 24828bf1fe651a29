/*
 * mockproc — starts and stops mockllm for a C test and reads what it
 * logged.  See mockproc.h.
 */
#include "mockproc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "llm/http.h"
#include "tap.h"

static char mockllm_path[4096];

bool
mock_init(const char *argv0)
{
	struct claw_error err;
	const char *env = getenv("MOCKLLM");
	if (env != NULL && env[0] != '\0') {
		(void)snprintf(mockllm_path, sizeof mockllm_path, "%s", env);
	} else {
		const char *slash = strrchr(argv0, '/');
		int dir = slash != NULL ? (int)(slash - argv0) : 1;
		(void)snprintf(mockllm_path, sizeof mockllm_path, "%.*s/mockllm", dir,
			       slash != NULL ? argv0 : ".");
	}
	if (claw_llm_global_init(&err) != CLAW_OK) {
		ok(false, "libcurl init: %s", err.msg);
		return false;
	}
	return true;
}

void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		tap_diag("cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

bool
mock_start_with(struct mock *m, const char *scenario, const char *expect_key, const char *flag1,
		const char *flag2)
{
	static int n;
	char spath[4096];
	int fds[2];

	memset(m, 0, sizeof *m);
	n++;
	(void)snprintf(spath, sizeof spath, "%s/scenario%d.json", tap_tmpdir(), n);
	(void)snprintf(m->log, sizeof m->log, "%s/requests%d.jsonl", tap_tmpdir(), n);
	write_text(spath, scenario);
	if (pipe(fds) != 0)
		return false;
	int64_t t0 = claw_clock_mono_ms();
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		const char *argv[12] = {mockllm_path, "--listen", "127.0.0.1:0", "--scenario",
					spath,        "--log",    m->log};
		size_t k = 7;
		if (expect_key) {
			argv[k++] = "--expect-key";
			argv[k++] = expect_key;
		}
		argv[k++] = flag1;
		argv[k] = flag1 != NULL ? flag2 : NULL;
		execv(mockllm_path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	char line[32] = "";
	size_t at = 0;
	while (at < sizeof line - 1) {
		struct pollfd p = {fds[0], POLLIN, 0};
		if (poll(&p, 1, 10000) <= 0)
			break;
		ssize_t k = read(fds[0], line + at, sizeof line - 1 - at);
		if (k <= 0)
			break;
		at += (size_t)k;
		line[at] = '\0';
		if (strchr(line, '\n') != NULL)
			break;
	}
	close(fds[0]);
	m->pid = pid;
	m->port = (int)strtol(line, NULL, 10);
	m->start_ms = claw_clock_mono_ms() - t0;
	(void)snprintf(m->base, sizeof m->base, "http://127.0.0.1:%d", m->port);
	if (m->port <= 0) {
		tap_diag("mockllm did not start (%s)", mockllm_path);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return false;
	}
	return true;
}

bool
mock_start(struct mock *m, const char *scenario, const char *expect_key)
{
	return mock_start_with(m, scenario, expect_key, NULL, NULL);
}

void
mock_stop(struct mock *m)
{
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
	}
}

/* The log as text (caller frees). */
char *
log_text(const struct mock *m)
{
	struct claw_buf b = CLAW_BUF_INIT(64u << 20);
	char chunk[8192];
	int fd = open(m->log, O_RDONLY);
	if (fd >= 0) {
		ssize_t k;
		while ((k = read(fd, chunk, sizeof chunk)) > 0)
			claw_buf_append(&b, chunk, (size_t)k);
		close(fd);
	}
	return claw_buf_steal(&b);
}

/* Line i (0-based) of the log, parsed; caller json_object_put()s it. */
struct json_object *
log_line(const struct mock *m, int i)
{
	char *text = log_text(m);
	char *p = text;
	struct json_object *o = NULL;
	for (int k = 0; k < i && p != NULL; k++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p != NULL && *p != '\0') {
		char *end = strchr(p, '\n');
		(void)claw_json_parse(p, end != NULL ? (size_t)(end - p) : strlen(p), &o, NULL);
	}
	free(text);
	return o;
}

int
log_lines(const struct mock *m)
{
	char *text = log_text(m);
	int n = 0;
	for (char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	free(text);
	return n;
}

/* A value by a dotted path of keys and array indexes ("body.messages.0.role"). */
struct json_object *
jget(struct json_object *o, const char *path)
{
	char part[128];
	while (o != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");
		if (n >= sizeof part)
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		path += n + (path[n] == '.');
		if (json_object_is_type(o, json_type_array)) {
			char *end = NULL;
			long i = strtol(part, &end, 10);
			if (*end != '\0' || i < 0 || (size_t)i >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)i);
		} else if (!json_object_object_get_ex(o, part, &o)) {
			return NULL;
		}
	}
	return o;
}

const char *
jstr(struct json_object *o, const char *path)
{
	struct json_object *v = jget(o, path);
	return v != NULL ? json_object_get_string(v) : "(absent)";
}
