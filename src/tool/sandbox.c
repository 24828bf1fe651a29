/*
 * sandbox — mode resolution, the bwrap argv, limits, and one run.  See
 * sandbox.h.
 *
 * Mount order matters to bwrap: later mounts cover earlier ones.  The host
 * root goes first (read-only), then /dev (with its capped /dev/shm, then
 * made read-only) and /proc.  Then the covers: tmpfs mounts over /tmp, /run,
 * a real /var/run, the home and the hidden folders (covers_of() says which
 * are left out).  Covers that contain the project are mounted before the
 * project's bind, outermost first, each with the project's mount point
 * made in it while it is still writable; every other cover after the bind,
 * so a home inside the project stays hidden.  Last, /dev/null over each
 * host socket file still visible.
 */
#include "tool/sandbox.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "tool/cgroup.h"

#define PROBE_OUTPUT_MAX 4096
#define NET_UNIX_MAX (8 * 1024 * 1024) /* /proc/net/unix read at most */
#define COVERS_MAX (4 + CLAW_SANDBOX_HIDE_MAX)

struct claw_sandbox {
	struct claw_sandbox_opts o;  /* strings below are owned copies */
	enum claw_sandbox_mode mode; /* BWRAP or NONE */
	char *home;
	char *bwrap;                               /* absolute path, NULL in none mode */
	char *readable[CLAW_SANDBOX_READABLE_MAX]; /* claw_sandbox_add_readable() */
	size_t nreadable;
};

/* The auto probe of the default bwrap: once per process. */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static enum claw_err probe_rc;
static char probe_msg[CLAW_ERROR_MSG_MAX];
static char *probe_path; /* the bwrap found on $PATH, or NULL */
static atomic_flag warned_none = ATOMIC_FLAG_INIT;
static atomic_flag told_mode = ATOMIC_FLAG_INIT;
static atomic_flag told_cgroup = ATOMIC_FLAG_INIT;
static atomic_flag told_memory = ATOMIC_FLAG_INIT;

/* claw_sandbox_hide_dir(): written before threads run commands. */
static char *hidden[CLAW_SANDBOX_HIDE_MAX];
static size_t nhidden;

uint64_t
claw_sandbox_memory_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t quarter = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 4 : 0;
	return quarter > CLAW_SANDBOX_MEMORY_MIN ? quarter : CLAW_SANDBOX_MEMORY_MIN;
}

void
claw_sandbox_opts_default(struct claw_sandbox_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = CLAW_SANDBOX_AUTO;
	o->timeout_ms = CLAW_CONFIG_TOOL_TIMEOUT_MS_DEFAULT;
	o->cpu_seconds = CLAW_SANDBOX_CPU_SECONDS_DEFAULT;
	o->file_bytes = CLAW_SANDBOX_FILE_BYTES_DEFAULT;
	o->processes = CLAW_SANDBOX_PROCESSES_DEFAULT;
	o->memory_bytes = claw_sandbox_memory_default();
	o->tmp_bytes = CLAW_SANDBOX_TMP_BYTES_DEFAULT;
	o->shm_bytes = CLAW_SANDBOX_SHM_BYTES_DEFAULT;
	o->run_bytes = CLAW_SANDBOX_RUN_BYTES_DEFAULT;
}

void
claw_sandbox_opts_from_config(struct claw_sandbox_opts *o, const struct claw_config *cfg)
{
	claw_sandbox_opts_default(o);
	o->mode = cfg->sandbox;
	o->net = cfg->sandbox_net;
	o->timeout_ms = cfg->tool_timeout_ms;
	o->home = cfg->home;
	if (cfg->tool_memory_mb > 0) {
		o->memory_bytes = (uint64_t)cfg->tool_memory_mb << 20;
		o->memory_rlimit = true;
	}
}

void
claw_sandbox_hide_dir(const char *dir)
{
	char *real = realpath(dir, NULL);
	bool known = false;
	for (size_t i = 0; real != NULL && i < nhidden && !known; i++)
		known = strcmp(hidden[i], real) == 0;
	if (real == NULL || known || strcmp(real, "/") == 0 || nhidden == CLAW_SANDBOX_HIDE_MAX) {
		free(real);
		return;
	}
	hidden[nhidden++] = real;
}

/* ------------------------------------------------------------------ argv */

static void
push(struct claw_sandbox_argv *a, const char *arg)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap != 0 ? 2 * a->cap : 64;
		a->v = claw_xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = arg;
	a->v[a->n] = NULL;
}

/* a takes s (NULL is fine) and frees it with itself; returns s. */
static char *
adopt(struct claw_sandbox_argv *a, char *s)
{
	if (s == NULL)
		return NULL;
	if (a->nown == a->own_cap) {
		a->own_cap = a->own_cap != 0 ? 2 * a->own_cap : 16;
		a->own = claw_xrealloc(a->own, a->own_cap * sizeof *a->own);
	}
	a->own[a->nown++] = s;
	return s;
}

/* Pushes s, which a takes. */
static void
push_own(struct claw_sandbox_argv *a, char *s)
{
	push(a, adopt(a, s));
}

static void
push3(struct claw_sandbox_argv *a, const char *op, const char *x, const char *y)
{
	push(a, op);
	push(a, x);
	if (y != NULL)
		push(a, y);
}

void
claw_sandbox_argv_free(struct claw_sandbox_argv *a)
{
	for (size_t i = 0; i < a->nown; i++)
		free(a->own[i]);
	free(a->own);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* The isolation options, shared by the probe and real runs. */
static void
push_isolation(struct claw_sandbox_argv *a, bool net)
{
	static const char *const iso[] = {
		"--unshare-all",
		"--unshare-user",
		"--cap-drop",
		"ALL",
		"--disable-userns",
		"--die-with-parent",
		"--new-session",
		"--ro-bind",
		"/",
		"/",
		"--dev",
		"/dev",
		"--proc",
		"/proc",
	};
	for (size_t i = 0; i < sizeof iso / sizeof iso[0]; i++)
		push(a, iso[i]);
	if (net)
		push(a, "--share-net");
}

/* A tmpfs at path, capped at size (0: bwrap's default, half the RAM). */
static void
push_tmpfs(struct claw_sandbox_argv *a, const char *path, uint64_t size)
{
	if (size > 0) {
		push(a, "--size");
		push_own(a, claw_xasprintf("%llu", (unsigned long long)size));
	}
	push3(a, "--tmpfs", path, NULL);
}

enum claw_err
claw_sandbox_probe(const char *bwrap, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_sandbox_argv a = {0};
	struct claw_proc_result res = {0};
	static char path_env[] = "PATH=/usr/bin:/bin";
	char *const envp[] = {path_env, NULL};

	push(&a, bwrap);
	push_isolation(&a, false);
	push3(&a, "--tmpfs", "/tmp", NULL);
	push3(&a, "--", "/bin/sh", "-c");
	push(&a, "exit 0");
	struct claw_proc_spec spec = {
		.path = bwrap,
		.argv = (char *const *)a.v,
		.envp = envp,
		.timeout_ms = CLAW_SANDBOX_PROBE_TIMEOUT_MS,
		.capture_max = PROBE_OUTPUT_MAX,
	};
	rc = claw_proc_run(&spec, &res, err);
	if (rc != CLAW_OK) {
		if (err != NULL)
			err->code = CLAW_ECONFIG;
		rc = CLAW_ECONFIG;
		goto out;
	}
	if (res.exit_code != 0 || res.timed_out) {
		size_t n = strcspn(res.out, "\n");
		rc = claw_error_set(err, CLAW_ECONFIG, "%s %s: %.*s", bwrap,
				    res.timed_out ? "timed out" : "failed", (int)n,
				    n != 0 ? res.out : "no message");
		goto out;
	}
out:
	claw_proc_result_free(&res);
	claw_sandbox_argv_free(&a);
	return rc;
}

static void
probe_default(void)
{
	struct claw_error err = {0};
	probe_path = claw_proc_find_program("bwrap");
	if (probe_path == NULL)
		probe_rc = claw_error_set(&err, CLAW_ECONFIG, "bwrap (bubblewrap) is not on PATH");
	else
		probe_rc = claw_sandbox_probe(probe_path, &err);
	(void)snprintf(probe_msg, sizeof probe_msg, "%s", claw_error_text(&err));
}

/* Resolves which bwrap to use and whether it works: the default one is
 * probed once per process, an explicit one every time. */
static enum claw_err
resolve_bwrap(const struct claw_sandbox_opts *o, char **path, struct claw_error *err)
{
	if (o->bwrap != NULL) {
		enum claw_err rc = claw_sandbox_probe(o->bwrap, err);
		if (rc == CLAW_OK)
			*path = claw_xstrdup(o->bwrap);
		return rc;
	}
	(void)pthread_once(&probe_once, probe_default);
	if (probe_rc != CLAW_OK)
		return claw_error_set(err, probe_rc, "%s", probe_msg);
	*path = claw_xstrdup(probe_path);
	return CLAW_OK;
}

enum claw_err
claw_sandbox_new(const struct claw_sandbox_opts *o, struct claw_sandbox **out,
		 struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_sandbox *sb = CLAW_NEW(struct claw_sandbox);
	struct claw_error why = {0};

	sb->o = *o;
	sb->o.bwrap = NULL;
	sb->home = o->home != NULL ? claw_xstrdup(o->home) : NULL;
	sb->o.home = sb->home;
	if (o->timeout_ms <= 0) {
		rc = claw_error_set(err, CLAW_ECONFIG, "the tool timeout must be positive");
		goto out;
	}
	switch (o->mode) {
	case CLAW_SANDBOX_NONE:
		sb->mode = CLAW_SANDBOX_NONE;
		break;
	case CLAW_SANDBOX_BWRAP:
		rc = resolve_bwrap(o, &sb->bwrap, &why);
		if (rc != CLAW_OK) {
			rc = claw_error_set(err, CLAW_ECONFIG,
					    "CLAW_SANDBOX=bwrap but bubblewrap does not work here: "
					    "%s",
					    claw_error_text(&why));
			goto out;
		}
		sb->mode = CLAW_SANDBOX_BWRAP;
		break;
	case CLAW_SANDBOX_AUTO:
	default:
		if (resolve_bwrap(o, &sb->bwrap, &why) == CLAW_OK) {
			sb->mode = CLAW_SANDBOX_BWRAP;
			if (!atomic_flag_test_and_set(&told_mode))
				claw_log_info("sandbox: bubblewrap (CLAW_SANDBOX=auto)");
		} else {
			sb->mode = CLAW_SANDBOX_NONE;
			if (!atomic_flag_test_and_set(&told_mode))
				claw_log_warn("sandbox: bubblewrap does not work here (%s); "
					      "CLAW_SANDBOX=auto falls back to none",
					      claw_error_text(&why));
		}
		break;
	}
	if (sb->mode == CLAW_SANDBOX_NONE && !atomic_flag_test_and_set(&warned_none))
		claw_log_warn("sandbox: none: agents' commands run UNCONFINED as this user, "
			      "with claw's home and the whole filesystem in reach");
	*out = sb;
	sb = NULL;
out:
	claw_sandbox_free(sb);
	return rc;
}

void
claw_sandbox_add_readable(struct claw_sandbox *sb, const char *path)
{
	char *real = realpath(path, NULL);
	if (real == NULL || sb->nreadable == CLAW_SANDBOX_READABLE_MAX) {
		free(real);
		return;
	}
	sb->readable[sb->nreadable++] = real;
}

void
claw_sandbox_free(struct claw_sandbox *sb)
{
	if (sb == NULL)
		return;
	for (size_t i = 0; i < sb->nreadable; i++)
		free(sb->readable[i]);
	free(sb->home);
	free(sb->bwrap);
	free(sb);
}

enum claw_sandbox_mode
claw_sandbox_mode(const struct claw_sandbox *sb)
{
	return sb->mode;
}

const struct claw_sandbox_opts *
claw_sandbox_opts(const struct claw_sandbox *sb)
{
	return &sb->o;
}

/* A tmpfs over a folder the command must not see or may only use
 * privately. */
struct cover {
	const char *path; /* real path */
	uint64_t size;    /* 0: bwrap's default */
	bool ro;          /* empty and read-only: a hiding cover */
};

static int
by_length(const void *a, const void *b)
{
	size_t la = strlen(((const struct cover *)a)->path);
	size_t lb = strlen(((const struct cover *)b)->path);
	return la < lb ? -1 : la > lb;
}

/* True when a and b are the same folder or one holds the other. */
static bool
related(const char *a, const char *b)
{
	return claw_str_path_within(a, b) || claw_str_path_within(b, a);
}

/* The covers of sb for project, shortest path first, into c; returns how
 * many.  home is the home's real path or NULL.  A cover inside another is
 * left out (the outer one is empty, nothing shows below it) unless it is
 * related to the project, which is bound back in: then it still hides
 * what lies around or inside the project.  A hidden folder that is the
 * project itself is left out too (the sockets in it are still covered one
 * by one). */
static size_t
covers_of(const struct claw_sandbox *sb, const char *home, const char *project, struct cover *c)
{
	struct stat st;
	struct cover all[COVERS_MAX];
	size_t n = 0, kept = 0;

	all[n++] = (struct cover){"/tmp", sb->o.tmp_bytes, false};
	all[n++] = (struct cover){"/run", sb->o.run_bytes, false};
	if (lstat("/var/run", &st) == 0 && S_ISDIR(st.st_mode))
		all[n++] = (struct cover){"/var/run", 0, true};
	if (home != NULL)
		all[n++] = (struct cover){home, 0, true};
	for (size_t i = 0; i < nhidden; i++)
		if (strcmp(hidden[i], project) != 0)
			all[n++] = (struct cover){hidden[i], 0, true};
	qsort(all, n, sizeof all[0], by_length);
	for (size_t i = 0; i < n; i++) {
		bool nested = false;
		for (size_t k = 0; k < kept && !nested; k++)
			nested = claw_str_path_within(all[i].path, c[k].path);
		if (!nested || related(all[i].path, project))
			c[kept++] = all[i];
	}
	return kept;
}

static void
push_cover(struct claw_sandbox_argv *a, const struct cover *c, const char *project)
{
	push_tmpfs(a, c->path, c->size);
	if (project != NULL) /* the project's mount point, while it is writable */
		push3(a, "--dir", project, NULL);
	if (c->ro)
		push3(a, "--remount-ro", c->path, NULL);
}

/* Whether path shows in the sandbox: covers around the project go under
 * its bind, the others over it (push_bwrap). */
static bool
visible(const char *path, const char *project, const struct cover *c, size_t n)
{
	bool under_outer = false;
	for (size_t i = 0; i < n; i++) {
		if (!claw_str_path_within(path, c[i].path))
			continue;
		if (!claw_str_path_within(project, c[i].path))
			return false;
		under_outer = true;
	}
	return !under_outer || claw_str_path_within(path, project);
}

/* With the network on, a /etc/resolv.conf that links into a cover (as
 * systemd-resolved's does into /run) is bound back, or names would not
 * resolve. */
static void
push_resolv(struct claw_sandbox_argv *a, const struct cover *c, size_t n)
{
	char *real = realpath("/etc/resolv.conf", NULL);
	for (size_t i = 0; real != NULL && i < n; i++)
		if (!c[i].ro && claw_str_path_within(real, c[i].path)) {
			push(a, "--ro-bind");
			push(a, real);
			push_own(a, real);
			return;
		}
	free(real);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The text of /proc/net/unix into text; CLAW_ECONFIG when it cannot be
 * read whole (then nothing could say which sockets to hide). */
static enum claw_err
read_net_unix(struct claw_buf *text, struct claw_error *err)
{
	char chunk[8192], e[128];
	size_t r;
	FILE *f = fopen("/proc/net/unix", "re");

	if (f == NULL)
		return claw_error_set(err, CLAW_ECONFIG,
				      "cannot read /proc/net/unix to hide host sockets: %s",
				      claw_errno_text(errno, e, sizeof e));
	while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)claw_buf_append(text, chunk, r);
	(void)fclose(f);
	if (claw_buf_error(text) != CLAW_OK)
		return claw_error_set(err, CLAW_ECONFIG,
				      "/proc/net/unix is over %d bytes: too many sockets to hide",
				      NET_UNIX_MAX);
	return CLAW_OK;
}

/* The socket files the kernel lists in /proc/net/unix (their real paths:
 * one bound through a symlink is reached at its target), those that are
 * sockets now and visible in the sandbox, sorted and unique, into *out
 * (caller frees each and the array) and *n. */
static enum claw_err
host_sockets(const char *project, const struct cover *c, size_t nc, char ***out, size_t *n,
	     struct claw_error *err)
{
	struct claw_buf text = CLAW_BUF_INIT(NET_UNIX_MAX);
	char **v = NULL;
	size_t cap = 0;
	enum claw_err rc = read_net_unix(&text, err);

	*out = NULL;
	*n = 0;
	if (rc != CLAW_OK)
		goto out;
	/* "Num RefCount Protocol Flags Type St Inode Path": the path is what
	 * follows the seventh field, and may hold spaces. */
	struct claw_str rest = claw_str_from(claw_buf_str(&text));
	(void)claw_str_cut(&rest, '\n'); /* the heading */
	while (rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		for (int k = 0; k < 7; k++) {
			while (line.n > 0 && line.p[0] == ' ')
				line.p++, line.n--;
			(void)claw_str_cut(&line, ' ');
		}
		if (line.n == 0 || line.p[0] != '/')
			continue; /* unnamed, abstract (@...) or relative */
		char *listed = claw_str_dup(line), *path = realpath(listed, NULL);
		struct stat st;
		free(listed);
		if (path == NULL || !visible(path, project, c, nc) || lstat(path, &st) != 0 ||
		    !S_ISSOCK(st.st_mode)) {
			free(path);
			continue;
		}
		if (*n == cap) {
			cap = cap != 0 ? 2 * cap : 32;
			v = claw_xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = path;
	}
	if (*n > 1)
		qsort(v, *n, sizeof *v, by_string);
	size_t u = 0;
	for (size_t i = 0; i < *n; i++) {
		if (u > 0 && strcmp(v[u - 1], v[i]) == 0)
			free(v[i]);
		else
			v[u++] = v[i];
	}
	*out = v;
	*n = u;
out:
	claw_buf_free(&text);
	return rc;
}

/* /dev/null over every host socket file a command could still see. */
static enum claw_err
push_sockets(struct claw_sandbox_argv *a, const char *project, const struct cover *c, size_t nc,
	     struct claw_error *err)
{
	char **socks = NULL;
	size_t n = 0;
	enum claw_err rc = host_sockets(project, c, nc, &socks, &n, err);

	if (rc == CLAW_OK && n > CLAW_SANDBOX_SOCKETS_MAX)
		rc = claw_error_set(err, CLAW_ECONFIG,
				    "%zu host unix sockets would be visible to commands (more than "
				    "%d): cannot hide them all",
				    n, CLAW_SANDBOX_SOCKETS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (rc != CLAW_OK) {
			free(socks[i]);
			continue;
		}
		push3(a, "--ro-bind", "/dev/null", NULL);
		push_own(a, socks[i]);
	}
	free(socks);
	return rc;
}

/* path bound back read-only where a writable cover (/tmp, /run) hid it;
 * one under a read-only cover (the home) stays hidden. */
static void
push_readable(const char *path, const char *project, const struct cover *c, size_t nc,
	      struct claw_sandbox_argv *a)
{
	bool under_ro = false;
	for (size_t k = 0; k < nc; k++)
		under_ro = under_ro || (c[k].ro && claw_str_path_within(path, c[k].path));
	if (!visible(path, project, c, nc) && !under_ro)
		push3(a, "--ro-bind", path, path);
}

/* What one sandboxed program is: a shell command line, whether it may
 * reach the network, and folders it may read besides the sandbox's own. */
struct job {
	const char *command;
	bool net;
	const char *const *readable; /* real absolute paths */
	size_t nreadable;
};

/* The bwrap part of the argv: everything before "--". */
static enum claw_err
push_bwrap(const struct claw_sandbox *sb, const char *project, const char *home,
	   const struct job *j, struct claw_sandbox_argv *a, struct claw_error *err)
{
	struct cover c[COVERS_MAX];
	size_t nc = covers_of(sb, home, project, c);

	push(a, sb->bwrap);
	push_isolation(a, j->net);
	push_tmpfs(a, "/dev/shm", sb->o.shm_bytes);
	push3(a, "--remount-ro", "/dev", NULL);
	for (size_t i = 0; i < nc; i++) /* around the project: before its bind */
		if (claw_str_path_within(project, c[i].path))
			push_cover(a, &c[i], project);
	push3(a, "--bind", project, project);
	for (size_t i = 0; i < nc; i++)
		if (!claw_str_path_within(project, c[i].path))
			push_cover(a, &c[i], NULL);
	if (j->net)
		push_resolv(a, c, nc);
	for (size_t i = 0; i < sb->nreadable; i++)
		push_readable(sb->readable[i], project, c, nc, a);
	for (size_t i = 0; i < j->nreadable; i++)
		push_readable(j->readable[i], project, c, nc, a);
	enum claw_err rc = push_sockets(a, project, c, nc, err);
	push3(a, "--chdir", project, NULL);
	return rc;
}

static enum claw_err
job_argv(const struct claw_sandbox *sb, const char *project, const struct job *j,
	 struct claw_sandbox_argv *a, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	const char *home = NULL;

	memset(a, 0, sizeof *a);
	if (sb->mode == CLAW_SANDBOX_NONE) {
		push(a, "/bin/sh");
		goto shell;
	}
	/* Hide the home by its real path: a symlinked home would otherwise
	 * be covered at the link and visible at the target. */
	home = sb->home != NULL ? adopt(a, realpath(sb->home, NULL)) : NULL;
	if (home != NULL && (strcmp(home, "/") == 0 || strcmp(home, project) == 0)) {
		rc = claw_error_set(err, CLAW_ECONFIG,
				    "cannot hide claw's home %s from commands run in %s: move "
				    "CLAW_HOME elsewhere",
				    home, project);
		goto out;
	}
	rc = push_bwrap(sb, project, home, j, a, err);
	if (rc != CLAW_OK)
		goto out;
	push3(a, "--", "/bin/sh", NULL);
shell:
	push3(a, "-c", j->command, NULL);
out:
	if (rc != CLAW_OK)
		claw_sandbox_argv_free(a);
	return rc;
}

enum claw_err
claw_sandbox_argv(const struct claw_sandbox *sb, const char *project, const char *command,
		  struct claw_sandbox_argv *a, struct claw_error *err)
{
	struct job j = {.command = command, .net = sb->o.net};
	return job_argv(sb, project, &j, a, err);
}

/* The rlimits of o, skipping the ones that are off; RLIMIT_AS from the
 * memory limit only when no cgroup holds it and o asks for the fallback. */
static size_t
limits_of(const struct claw_sandbox_opts *o, bool memory_cgroup, struct claw_proc_limit *lim)
{
	size_t n = 0;
	uint64_t as = o->address_bytes;
	if (!memory_cgroup && o->memory_rlimit && o->memory_bytes > 0 &&
	    (as == 0 || o->memory_bytes < as))
		as = o->memory_bytes;
	if (o->cpu_seconds > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_CPU, o->cpu_seconds};
	if (o->file_bytes > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_FSIZE, o->file_bytes};
	if (o->processes > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_NPROC, o->processes};
	if (as > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_AS, as};
	return n;
}

/* The command's cgroups, or NULL when claw can make none here (said once,
 * with what is enforced instead). */
static struct claw_cgroup *
make_cgroup(const struct claw_sandbox_opts *o)
{
	struct claw_cgroup_limits lim = {(int64_t)o->processes, o->memory_bytes};
	struct claw_cgroup *cg = NULL;
	struct claw_error why = {0};

	if (lim.pids_max == 0 && lim.memory_bytes == 0)
		return NULL;
	if (claw_cgroup_create(&lim, &cg, &why) != CLAW_OK) {
		cg = NULL;
		if (!atomic_flag_test_and_set(&told_cgroup))
			claw_log_debug("sandbox: no cgroups (%s): processes limited by "
				       "RLIMIT_NPROC only%s",
				       claw_error_text(&why),
				       geteuid() == 0 ? ", which the kernel does not apply to root"
						      : "");
	}
	if (o->memory_bytes > 0 && (cg == NULL || !claw_cgroup_limits_memory(cg)) &&
	    !atomic_flag_test_and_set(&told_memory))
		claw_log_warn("sandbox: no memory cgroup here: the tool memory limit is %s",
			      o->memory_rlimit ? "enforced as RLIMIT_AS per process"
					       : "not enforced (set CLAW_TOOL_MEMORY_MB to enforce "
						 "it as RLIMIT_AS per process)");
	return cg;
}

enum claw_err
claw_sandbox_run(const struct claw_sandbox *sb, const char *project, const char *command,
		 char *const *envp, struct claw_proc_result *res, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_sandbox_argv a = {0};
	struct claw_proc_limit lim[4];
	struct claw_cgroup *cg = NULL;
	int fds[CLAW_CGROUP_FDS_MAX];

	memset(res, 0, sizeof *res);
	rc = claw_sandbox_argv(sb, project, command, &a, err);
	if (rc != CLAW_OK)
		goto out;
	cg = make_cgroup(&sb->o);
	bool memory_cgroup = cg != NULL && claw_cgroup_limits_memory(cg);
	struct claw_proc_spec spec = {
		.path = a.v[0],
		.argv = (char *const *)a.v,
		.envp = envp,
		.cwd = sb->mode == CLAW_SANDBOX_NONE ? project : NULL,
		.limits = lim,
		.nlimits = limits_of(&sb->o, memory_cgroup, lim),
		.cgroup_fds = fds,
		.ncgroups = cg != NULL ? claw_cgroup_procs_fds(cg, fds) : 0,
		.timeout_ms = sb->o.timeout_ms,
		.capture_max = CLAW_SANDBOX_CAPTURE_MAX,
	};
	rc = claw_proc_run(&spec, res, err);
	if (rc == CLAW_OK && memory_cgroup) {
		int64_t kills = claw_cgroup_oom_kills(cg);
		res->oom_kills = kills > 0 ? kills : 0;
	}
out:
	claw_cgroup_destroy(cg);
	claw_sandbox_argv_free(&a);
	return rc;
}

/* "exec 'arg0' 'arg1' ...": argv as one shell command, each word quoted;
 * NULL when over CLAW_SANDBOX_EXEC_MAX. */
static char *
exec_line(const char *const *argv)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_SANDBOX_EXEC_MAX);
	(void)claw_buf_puts(&b, "exec");
	for (size_t i = 0; argv[i] != NULL; i++) {
		(void)claw_buf_puts(&b, " '");
		for (const char *p = argv[i]; *p != '\0'; p++)
			(void)(*p == '\'' ? claw_buf_puts(&b, "'\\''") : claw_buf_putc(&b, *p));
		(void)claw_buf_putc(&b, '\'');
	}
	if (claw_buf_error(&b) != CLAW_OK) {
		claw_buf_free(&b);
		return NULL;
	}
	return claw_buf_steal(&b);
}

enum claw_err
claw_sandbox_spawn(const struct claw_sandbox *sb, const char *project,
		   const struct claw_sandbox_program *p, struct claw_sandbox_child *c,
		   struct claw_error *err)
{
	struct claw_sandbox_argv a = {0};
	struct claw_proc_limit lim[4];
	int fds[CLAW_CGROUP_FDS_MAX];
	char *line = exec_line(p->argv);
	struct job j = {
		.command = line, .net = p->net, .readable = p->readable, .nreadable = p->nreadable};

	memset(c, 0, sizeof *c);
	c->proc = (struct claw_proc_child){.pid = -1, .pidfd = -1, .in = -1, .out = -1, .err = -1};
	enum claw_err rc = line == NULL ? claw_error_set(err, CLAW_ETOOBIG,
							 "the command line is over %d bytes",
							 CLAW_SANDBOX_EXEC_MAX)
					: job_argv(sb, project, &j, &a, err);
	if (rc != CLAW_OK)
		goto out;
	c->cg = make_cgroup(&sb->o);
	bool memory_cgroup = c->cg != NULL && claw_cgroup_limits_memory(c->cg);
	struct claw_proc_spec spec = {
		.path = a.v[0],
		.argv = (char *const *)a.v,
		.envp = p->envp,
		.cwd = sb->mode == CLAW_SANDBOX_NONE ? project : NULL,
		.limits = lim,
		.nlimits = limits_of(&sb->o, memory_cgroup, lim),
		.cgroup_fds = fds,
		.ncgroups = c->cg != NULL ? claw_cgroup_procs_fds(c->cg, fds) : 0,
		.timeout_ms = sb->o.timeout_ms,
	};
	rc = claw_proc_spawn(&spec, &c->proc, err);
	if (rc != CLAW_OK) {
		claw_cgroup_destroy(c->cg);
		c->cg = NULL;
	}
out:
	claw_sandbox_argv_free(&a);
	free(line);
	return rc;
}

void
claw_sandbox_child_stop(struct claw_sandbox_child *c, int64_t grace_ms,
			struct claw_proc_result *res)
{
	claw_proc_child_stop(&c->proc, grace_ms, res);
	if (res != NULL && c->cg != NULL && claw_cgroup_limits_memory(c->cg)) {
		int64_t kills = claw_cgroup_oom_kills(c->cg);
		res->oom_kills = kills > 0 ? kills : 0;
	}
	claw_cgroup_destroy(c->cg);
	c->cg = NULL;
}

void
claw_sandbox_env_free(char **envp)
{
	if (envp == NULL)
		return;
	for (size_t i = 0; envp[i] != NULL; i++) {
		volatile char *p = envp[i]; /* not optimised away before free */
		while (*p != '\0')
			*p++ = '\0';
		free(envp[i]);
	}
	free(envp);
}
