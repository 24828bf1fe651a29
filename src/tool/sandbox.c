/*
 * sandbox — mode resolution, the bwrap argv, limits, and one run.  See
 * sandbox.h.
 *
 * Mount order matters to bwrap: later mounts cover earlier ones.  The host
 * root goes first (read-only), then /dev, /proc and the private /tmp, then
 * the project and the tmpfs over the home in nesting order: whichever of the
 * two contains the other is mounted first, so a project inside the home
 * stays visible and a home inside the project stays hidden.  A project
 * under /tmp (tests) is bound after the private /tmp for the same reason.
 */
#include "tool/sandbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "tool/cgroup.h"

#define PROBE_OUTPUT_MAX 4096

struct claw_sandbox {
	struct claw_sandbox_opts o;  /* strings below are owned copies */
	enum claw_sandbox_mode mode; /* BWRAP or NONE */
	char *home;
	char *bwrap; /* absolute path, NULL in none mode */
};

/* The auto probe of the default bwrap: once per process. */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static enum claw_err probe_rc;
static char probe_msg[CLAW_ERROR_MSG_MAX];
static char *probe_path; /* the bwrap found on $PATH, or NULL */
static atomic_flag warned_none = ATOMIC_FLAG_INIT;
static atomic_flag told_mode = ATOMIC_FLAG_INIT;
static atomic_flag told_cgroup = ATOMIC_FLAG_INIT;

void
claw_sandbox_opts_default(struct claw_sandbox_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = CLAW_SANDBOX_AUTO;
	o->timeout_ms = CLAW_CONFIG_TOOL_TIMEOUT_MS_DEFAULT;
	o->cpu_seconds = CLAW_SANDBOX_CPU_SECONDS_DEFAULT;
	o->file_bytes = CLAW_SANDBOX_FILE_BYTES_DEFAULT;
	o->processes = CLAW_SANDBOX_PROCESSES_DEFAULT;
	o->memory_bytes = CLAW_SANDBOX_MEMORY_BYTES_DEFAULT;
	o->tmp_bytes = CLAW_SANDBOX_TMP_BYTES_DEFAULT;
}

void
claw_sandbox_opts_from_config(struct claw_sandbox_opts *o, const struct claw_config *cfg)
{
	claw_sandbox_opts_default(o);
	o->mode = cfg->sandbox;
	o->net = cfg->sandbox_net;
	o->timeout_ms = cfg->tool_timeout_ms;
	o->home = cfg->home;
}

/* The first executable name on $PATH, as a fresh string, or NULL. */
static char *
find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	struct claw_str rest = claw_str_from(path != NULL ? path : "/usr/local/bin:/usr/bin:/bin");

	while (rest.n > 0) {
		struct claw_str dir = claw_str_cut(&rest, ':');
		if (dir.n == 0 || dir.p[0] != '/')
			continue; /* relative entries would depend on the cwd */
		char *cand = claw_xasprintf("%.*s/%s", (int)dir.n, dir.p, name);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
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
		a->v[a->n++] = iso[i];
	if (net)
		a->v[a->n++] = "--share-net";
}

enum claw_err
claw_sandbox_probe(const char *bwrap, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_sandbox_argv a = {.n = 0};
	struct claw_proc_result res = {0};
	static char path_env[] = "PATH=/usr/bin:/bin";
	char *const envp[] = {path_env, NULL};

	a.v[a.n++] = bwrap;
	push_isolation(&a, false);
	a.v[a.n++] = "--tmpfs";
	a.v[a.n++] = "/tmp";
	a.v[a.n++] = "--";
	a.v[a.n++] = "/bin/sh";
	a.v[a.n++] = "-c";
	a.v[a.n++] = "exit 0";
	a.v[a.n] = NULL;
	struct claw_proc_spec spec = {
		.path = bwrap,
		.argv = (char *const *)a.v,
		.envp = envp,
		.cgroup_fd = -1,
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
	return rc;
}

static void
probe_default(void)
{
	struct claw_error err = {0};
	probe_path = find_on_path("bwrap");
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
claw_sandbox_free(struct claw_sandbox *sb)
{
	if (sb == NULL)
		return;
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

/* True when path is dir or below it. */
static bool
is_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void
push_home(struct claw_sandbox_argv *a)
{
	a->v[a->n++] = "--tmpfs";
	a->v[a->n++] = a->home;
	a->v[a->n++] = "--remount-ro";
	a->v[a->n++] = a->home;
}

static void
push_project(struct claw_sandbox_argv *a, const char *project)
{
	a->v[a->n++] = "--bind";
	a->v[a->n++] = project;
	a->v[a->n++] = project;
}

enum claw_err
claw_sandbox_argv(const struct claw_sandbox *sb, const char *project, const char *command,
		  struct claw_sandbox_argv *a, struct claw_error *err)
{
	bool hide = false;

	a->n = 0;
	a->home[0] = '\0';
	if (sb->mode == CLAW_SANDBOX_NONE) {
		a->v[a->n++] = "/bin/sh";
		goto shell;
	}
	/* Hide the home by its real path: a symlinked home would otherwise
	 * be covered at the link and visible at the target. */
	if (sb->home != NULL && realpath(sb->home, a->home) != NULL) {
		if (strcmp(a->home, "/") == 0 || strcmp(a->home, project) == 0)
			return claw_error_set(err, CLAW_ECONFIG,
					      "cannot hide claw's home %s from commands run in "
					      "%s: move CLAW_HOME elsewhere",
					      a->home, project);
		hide = true;
	}
	a->v[a->n++] = sb->bwrap;
	push_isolation(a, sb->o.net);
	if (sb->o.tmp_bytes > 0) {
		(void)snprintf(a->tmp_size, sizeof a->tmp_size, "%llu",
			       (unsigned long long)sb->o.tmp_bytes);
		a->v[a->n++] = "--size";
		a->v[a->n++] = a->tmp_size;
	}
	a->v[a->n++] = "--tmpfs";
	a->v[a->n++] = "/tmp";
	if (hide && is_within(project, a->home)) {
		/* The project's mount point is made in the cover while it is
		 * still writable (bwrap cannot make it in a read-only tmpfs). */
		a->v[a->n++] = "--tmpfs";
		a->v[a->n++] = a->home;
		a->v[a->n++] = "--dir";
		a->v[a->n++] = project;
		a->v[a->n++] = "--remount-ro";
		a->v[a->n++] = a->home;
		push_project(a, project);
	} else {
		push_project(a, project);
		if (hide)
			push_home(a);
	}
	a->v[a->n++] = "--chdir";
	a->v[a->n++] = project;
	a->v[a->n++] = "--";
	a->v[a->n++] = "/bin/sh";
shell:
	a->v[a->n++] = "-c";
	a->v[a->n++] = command;
	a->v[a->n] = NULL;
	return CLAW_OK;
}

/* The rlimits of o, skipping the ones that are off. */
static size_t
limits_of(const struct claw_sandbox_opts *o, struct claw_proc_limit *lim)
{
	size_t n = 0;
	if (o->cpu_seconds > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_CPU, o->cpu_seconds};
	if (o->file_bytes > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_FSIZE, o->file_bytes};
	if (o->processes > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_NPROC, o->processes};
	if (o->memory_bytes > 0)
		lim[n++] = (struct claw_proc_limit){RLIMIT_AS, o->memory_bytes};
	return n;
}

enum claw_err
claw_sandbox_run(const struct claw_sandbox *sb, const char *project, const char *command,
		 char *const *envp, struct claw_proc_result *res, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_sandbox_argv a;
	struct claw_proc_limit lim[4];
	struct claw_cgroup *cg = NULL;
	struct claw_error cgerr = {0};

	memset(res, 0, sizeof *res);
	rc = claw_sandbox_argv(sb, project, command, &a, err);
	if (rc != CLAW_OK)
		goto out;
	if (sb->o.processes > 0 &&
	    claw_cgroup_create((int64_t)sb->o.processes, &cg, &cgerr) != CLAW_OK) {
		cg = NULL;
		if (!atomic_flag_test_and_set(&told_cgroup))
			claw_log_debug("sandbox: process limit by RLIMIT_NPROC only (%s)%s",
				       claw_error_text(&cgerr),
				       geteuid() == 0 ? "; the kernel does not apply it to root"
						      : "");
	}
	struct claw_proc_spec spec = {
		.path = a.v[0],
		.argv = (char *const *)a.v,
		.envp = envp,
		.cwd = sb->mode == CLAW_SANDBOX_NONE ? project : NULL,
		.limits = lim,
		.nlimits = limits_of(&sb->o, lim),
		.cgroup_fd = cg != NULL ? claw_cgroup_procs_fd(cg) : -1,
		.timeout_ms = sb->o.timeout_ms,
		.capture_max = CLAW_SANDBOX_CAPTURE_MAX,
	};
	rc = claw_proc_run(&spec, res, err);
out:
	claw_cgroup_destroy(cg);
	return rc;
}
