/*
 * test_bash — the bash tool's normal behaviour under bubblewrap and with no
 * sandbox: output of both streams, [exit N], [timeout after Ns], the
 * environment, the working folder, limits, clipping and redaction; and the
 * sandbox's modes and argv (mount order, the home that cannot be hidden).
 */
#include "tool/bash.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "tap.h"
#include "tool/builtin.h"
#include "tool/sandbox.h"
#include "tool/cgroup.h"
#include "tool/secrets.h"

static char project[PATH_MAX];
static struct claw_registry *reg;
static struct claw_secrets *secrets;
static struct claw_tool_result res;

static struct claw_sandbox *
sandbox(enum claw_sandbox_mode mode, int64_t timeout_ms, uint64_t address)
{
	struct claw_sandbox_opts o;
	struct claw_sandbox *sb = NULL;
	struct claw_error err = {0};

	claw_sandbox_opts_default(&o);
	o.mode = mode;
	o.timeout_ms = timeout_ms;
	o.address_bytes = address;
	if (claw_sandbox_new(&o, &sb, &err) != CLAW_OK) {
		printf("Bail out! %s\n", claw_error_text(&err));
		exit(1);
	}
	return sb;
}

/* Runs command through the registry in the project dir; the result stays in
 * res. */
static const char *
bash_in(struct claw_sandbox *sb, const char *dir, const char *command)
{
	struct claw_tool_ctx ctx = {
		.project = dir, .sandbox = sb, .secrets = secrets, .tools = reg};
	struct json_object *in = json_object_new_object();
	json_object_object_add(in, "command", json_object_new_string(command));
	claw_registry_call(reg, &ctx, "bash", in, &res);
	json_object_put(in);
	return claw_buf_str(&res.text);
}

static const char *
bash(struct claw_sandbox *sb, const char *command)
{
	return bash_in(sb, project, command);
}

static void
test_output(struct claw_sandbox *sb, const char *mode)
{
	is_str(bash(sb, "echo hello"), "hello\n", "%s: stdout", mode);
	ok(!res.is_error, "%s: exit 0 is no error", mode);
	is_str(bash(sb, "echo oops >&2"), "oops\n", "%s: stderr", mode);
	is_str(bash(sb, "true"), "(no output)", "%s: no output", mode);
	is_str(bash(sb, "echo partial; exit 3"), "[exit 3]\npartial\n", "%s: [exit N]", mode);
	ok(res.is_error, "%s: a failure is an error result", mode);
	is_str(bash(sb, "printf 'x\\000hidden\\n'; echo more"), "x\\x00hidden\nmore\n",
	       "%s: a NUL cuts nothing and shows", mode);
	is_str(bash(sb, "printf 'caf\\351 \\033[1mbold\\177\\r\\t\\n'"),
	       "caf\xef\xbf\xbd \\x1b[1mbold\\x7f\r\t\n",
	       "%s: invalid UTF-8 is U+FFFD, control bytes escapes, CR and tab kept", mode);
	is_str(bash(sb, "exit 1"), "[exit 1]\n", "%s: failure without output", mode);
	is_str(bash(sb, "kill -KILL $$"), "[exit 137]\n", "%s: a signal is 128 + N", mode);
	char want[PATH_MAX + 512];
	(void)snprintf(want, sizeof want, "%s\n", project);
	is_str(bash(sb, "pwd"), want, "%s: runs in the project", mode);
	is_str(bash(sb, "cat; echo eof"), "eof\n", "%s: stdin is empty", mode);
	const char *env = bash(sb, "env | grep -v '^PWD=\\|^SHLVL=\\|^_=\\|^OLDPWD=' | sort");
	(void)snprintf(want, sizeof want, "HOME=%s\nLANG=C.UTF-8\nPATH=", project);
	ok(strncmp(env, want, strlen(want)) == 0, "%s: HOME, LANG, PATH first", mode);
	has_str(env, "\nTERM=dumb\nTOKEN=[redacted TOKEN]\n", "%s: TERM and the secret", mode);
	is_int(strchr(strstr(env, "PATH="), '\n') - env, strstr(env, "\nTERM=") - env,
	       "%s: and nothing else", mode);
	is_str(bash(sb, "echo \"$TOKEN\" | tr a-z A-Z; echo $TOKEN"),
	       "TOK-BASH-0123456789\n[redacted TOKEN]\n",
	       "%s: secrets redacted in output (a transformed value is not)", mode);
	const char *big = bash(sb, "head -c 30000 /dev/zero | tr '\\0' x; echo; echo END");
	has_str(big, "\n[... 10005 bytes clipped ...]\n", "%s: clipped with a marker", mode);
	ok(strlen(big) == 20000 + strlen("\n[... 10005 bytes clipped ...]\n") &&
		   strcmp(big + strlen(big) - 4, "END\n") == 0,
	   "%s: first and last 10000 bytes", mode);
}

static void
test_limits(void)
{
	struct claw_sandbox *sb = sandbox(CLAW_SANDBOX_BWRAP, 1000, 1ULL << 30);
	const char *t = bash(sb, "grep -E '^Max (cpu time|file size|processes|address space)' "
				 "/proc/self/limits | tr -s ' '");
	has_str(t, "Max cpu time 600 600 seconds", "CPU limit by default");
	has_str(t, "Max file size 2147483648 2147483648 bytes", "file size limit by default");
	has_str(t, "Max processes 2048 2048 processes", "process limit by default");
	has_str(t, "Max address space 1073741824 1073741824 bytes", "address space when set");
	is_str(bash(sb, "sleep 5"), "[timeout after 1s]\n", "timeout message in seconds");
	ok(res.is_error, "a timeout is an error result");
	is_str(bash(sb, "df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2"), "1048576\n",
	       "private /tmp of 1 GiB");
	is_str(bash(sb, "df -k /dev/shm | tail -1 | tr -s ' ' | cut -d' ' -f2"), "262144\n",
	       "private /dev/shm of 256 MiB (it was the size of /dev: half the RAM)");
	is_str(bash(sb,
		    "(echo x >/dev/big) 2>/dev/null || echo refused; echo y >/dev/null && echo ok"),
	       "refused\nok\n", "/dev is read-only but for its devices");
	is_str(bash(sb, "ls -A /run; df -k /run | tail -1 | tr -s ' ' | cut -d' ' -f2"), "16384\n",
	       "a private, empty /run of 16 MiB");
	claw_sandbox_free(sb);
	sb = sandbox(CLAW_SANDBOX_NONE, 1000, 0);
	t = bash(sb, "grep -c '^Max address space *unlimited' /proc/self/limits");
	is_str(t, "1\n", "address space unlimited by default (ASan, V8)");
	claw_sandbox_free(sb);
}

/* CLAW_TOOL_MEMORY_MB: the whole command, children and tmpfs included. */
static void
test_memory(void)
{
	struct claw_sandbox_opts o;
	struct claw_sandbox *sb = NULL;
	struct claw_error err = {0};

	if (claw_cgroup_memory_base()[0] == '\0') {
		tap_skip(3, "no memory cgroup here");
		return;
	}
	claw_sandbox_opts_default(&o);
	o.mode = CLAW_SANDBOX_BWRAP;
	o.timeout_ms = 20000;
	o.memory_bytes = 64ULL << 20;
	if (claw_sandbox_new(&o, &sb, &err) != CLAW_OK)
		return;
	const char *t = bash(sb, "perl -e '$x = \"x\" x (256 << 20); print length $x'");
	ok(strncmp(t, "[killed: memory limit 64 MiB]\n", 30) == 0 && res.is_error,
	   "256 MiB in one process: killed at the 64 MiB limit, and said (%s)", t);
	t = bash(sb, "dd if=/dev/zero of=/dev/shm/f bs=1M count=200 2>/dev/null; echo done");
	has_str(t, "[killed: memory limit 64 MiB]", "200 MiB into /dev/shm: tmpfs counts too");
	is_str(bash(sb, "perl -e '$x = \"x\" x (16 << 20); print length $x'"), "16777216",
	       "under the limit all is well");
	claw_sandbox_free(sb);
}

static void
test_argv(void)
{
	struct claw_sandbox_opts o;
	struct claw_sandbox *sb = NULL;
	struct claw_sandbox_argv a = {0};
	struct claw_error err = {0};
	char home[PATH_MAX + 32], inner[PATH_MAX + 64];

	(void)snprintf(home, sizeof home, "%s/.claw", project);
	(void)mkdir(home, 0700);
	claw_sandbox_opts_default(&o);
	o.mode = CLAW_SANDBOX_BWRAP;
	o.home = home;
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_OK, "sandbox with a home");
	is_int(claw_sandbox_argv(sb, project, "true", &a, &err), CLAW_OK, "argv");
	size_t bind = 0, tmpfs = 0;
	for (size_t i = 0; i < a.n; i++) {
		if (strcmp(a.v[i], "--bind") == 0)
			bind = i;
		if (strcmp(a.v[i], "--tmpfs") == 0 && strcmp(a.v[i + 1], home) == 0)
			tmpfs = i;
	}
	ok(bind != 0 && tmpfs > bind, "a home inside the project is covered after the bind");
	is_str(a.v[a.n - 3], "/bin/sh", "runs /bin/sh");
	is_str(a.v[a.n - 1], "true", "-c COMMAND");
	ok(a.v[a.n] == NULL, "NULL-terminated");
	claw_sandbox_argv_free(&a);
	(void)snprintf(inner, sizeof inner, "%s/inner", home);
	(void)mkdir(inner, 0755);
	is_int(claw_sandbox_argv(sb, inner, "true", &a, &err), CLAW_OK, "project inside home");
	for (size_t i = 0; i < a.n; i++) {
		if (strcmp(a.v[i], "--bind") == 0)
			bind = i;
		if (strcmp(a.v[i], "--tmpfs") == 0 && strcmp(a.v[i + 1], home) == 0)
			tmpfs = i;
	}
	ok(tmpfs < bind, "a project inside the home is bound after the cover");
	claw_sandbox_argv_free(&a);
	/* And really runs there (registration refuses such a project, but a
	 * home set after registering may still hold one): the rest of the
	 * home stays hidden and read-only. */
	(void)snprintf(inner, sizeof inner, "%s/claw.env", home);
	FILE *f = fopen(inner, "w");
	if (f != NULL)
		(void)fclose(f);
	(void)snprintf(inner, sizeof inner, "%s/inner", home);
	is_str(bash_in(sb, inner,
		       "echo in >f && cat f && ls -A .. && touch ../x 2>/dev/null || echo ro"),
	       "in\ninner\nro\n", "a project inside the home runs, the home around it hidden");
	is_int(claw_sandbox_argv(sb, home, "true", &a, &err), CLAW_ECONFIG, "project == home");
	has_str(err.msg, "cannot hide claw's home", "says so");
	claw_sandbox_free(sb);
	o.home = "/";
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_OK, "home /");
	is_int(claw_sandbox_argv(sb, project, "true", &a, &err), CLAW_ECONFIG, "cannot be hidden");
	claw_sandbox_free(sb);
	o.home = NULL;
	o.net = true;
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_OK, "sandbox with network");
	is_int(claw_sandbox_argv(sb, project, "true", &a, &err), CLAW_OK, "argv");
	bool share = false;
	for (size_t i = 0; i < a.n; i++)
		share = share || strcmp(a.v[i], "--share-net") == 0;
	ok(share, "CLAW_SANDBOX_NET=1 shares the network");
	claw_sandbox_argv_free(&a);
	claw_sandbox_free(sb);
}

static void
test_modes(void)
{
	struct claw_sandbox_opts o;
	struct claw_sandbox *sb = NULL;
	struct claw_error err = {0};

	claw_sandbox_opts_default(&o);
	o.bwrap = "/nonexistent/bwrap";
	o.mode = CLAW_SANDBOX_BWRAP;
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_ECONFIG, "bwrap required but broken");
	has_str(err.msg,
		"CLAW_SANDBOX=bwrap but bubblewrap does not work here: cannot run "
		"/nonexistent/bwrap",
		"says why");
	o.mode = CLAW_SANDBOX_AUTO;
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_OK, "auto with a broken bwrap");
	is_int(claw_sandbox_mode(sb), CLAW_SANDBOX_NONE, "falls back to none");
	claw_sandbox_free(sb);
	o.bwrap = NULL;
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_OK, "auto here");
	is_int(claw_sandbox_mode(sb), CLAW_SANDBOX_BWRAP, "finds bubblewrap working");
	claw_sandbox_free(sb);
	o.timeout_ms = 0;
	is_int(claw_sandbox_new(&o, &sb, &err), CLAW_ECONFIG, "timeout 0 refused");
	is_int(claw_sandbox_probe("/bin/false", &err), CLAW_ECONFIG, "a probe that fails");
}

int
main(void)
{
	struct claw_error err = {0};
	char tmp[PATH_MAX + 100];
	const char *sec = "TOKEN=tok-bash-0123456789\n";

	(void)snprintf(tmp, sizeof tmp, "%s/project", tap_tmpdir());
	if (mkdir(tmp, 0755) != 0 || realpath(tmp, project) == NULL)
		return 1;
	if (claw_builtin_registry(&reg, &err) != CLAW_OK ||
	    claw_secrets_parse(sec, strlen(sec), "t", &secrets, &err) != CLAW_OK)
		return 1;
	claw_tool_result_init(&res);
	struct claw_sandbox *bw = sandbox(CLAW_SANDBOX_BWRAP, 5000, 0);
	struct claw_sandbox *none = sandbox(CLAW_SANDBOX_NONE, 5000, 0);
	test_output(bw, "bwrap");
	test_output(none, "none");
	test_limits();
	test_memory();
	test_argv();
	test_modes();
	claw_sandbox_free(bw);
	claw_sandbox_free(none);
	claw_tool_result_free(&res);
	claw_secrets_free(secrets);
	claw_registry_free(reg);
	return tap_done();
}
