/*
 * git — one git command with claw's settings.  See git.h.
 *
 * The argv is `git -c SETTING... ARGS...`; the environment is built from
 * nothing: PATH (claw's, to find what git itself runs), HOME pointing
 * nowhere, the C locale and the variables that turn the user's and the
 * system's configuration, prompts, pagers and optional index locks off.
 */
#include "tool/git.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tool/proc.h"

#define ENV_MAX 24

static const char *const settings[] = {
	"-c", "core.hooksPath=/dev/null",  "-c", "core.fsmonitor=false",
	"-c", "core.untrackedCache=false", "-c", "core.safecrlf=false",
	"-c", "commit.gpgSign=false",      "-c", "tag.gpgSign=false",
	"-c", "advice.detachedHead=false", "-c", "safe.directory=*",
	"-c", "protocol.allow=never",      "-c", "gc.auto=0",
	"-c", "maintenance.auto=false",
};

static const char *const fixed_env[] = {
	"HOME=/nonexistent",        "LC_ALL=C",
	"GIT_CONFIG_NOSYSTEM=1",    "GIT_CONFIG_GLOBAL=/dev/null",
	"GIT_TERMINAL_PROMPT=0",    "GIT_PAGER=cat",
	"GIT_EDITOR=true",          "GIT_OPTIONAL_LOCKS=0",
	"GIT_NO_REPLACE_OBJECTS=1",
};

static pthread_once_t find_once = PTHREAD_ONCE_INIT;
static char *git_path; /* NULL: no git on PATH */

static void
find_git(void)
{
	git_path = claw_proc_find_program("git");
}

void
claw_git_result_free(struct claw_git_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}

/* claw_git_run, with stderr kept apart when apart. */
static enum claw_err
run(const char *dir, const char *const *args, const char *const *envp_extra, bool apart,
    struct claw_git_result *res, struct claw_error *err)
{
	const size_t nset = sizeof settings / sizeof settings[0];
	const char *argv[CLAW_GIT_ARGS_MAX + sizeof settings / sizeof settings[0] + 2];
	const char *envp[ENV_MAX + 1];
	struct claw_proc_result pr = {0};
	size_t n = 0, ne = 0;
	char *path_env = NULL;
	enum claw_err rc;

	memset(res, 0, sizeof *res);
	(void)pthread_once(&find_once, find_git);
	if (git_path == NULL)
		return claw_error_set(err, CLAW_ENOTFOUND, "git is not installed (no git on PATH)");
	argv[n++] = "git";
	for (size_t i = 0; i < nset; i++)
		argv[n++] = settings[i];
	for (size_t i = 0; args[i] != NULL; i++) {
		if (i == CLAW_GIT_ARGS_MAX)
			return claw_error_set(err, CLAW_EINVAL, "git %s: too many arguments",
					      args[0]);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	const char *path = getenv("PATH");
	path_env = claw_xasprintf(
		"PATH=%s", path != NULL && path[0] != '\0' ? path : "/usr/local/bin:/usr/bin:/bin");
	envp[ne++] = path_env;
	for (size_t i = 0; i < sizeof fixed_env / sizeof fixed_env[0]; i++)
		envp[ne++] = fixed_env[i];
	for (size_t i = 0; envp_extra != NULL && envp_extra[i] != NULL; i++) {
		if (ne == ENV_MAX) { /* dropping one (GIT_INDEX_FILE, GIT_DIR) would be wrong */
			free(path_env);
			return claw_error_set(err, CLAW_EINVAL,
					      "git %s: too many environment "
					      "variables",
					      args[0]);
		}
		envp[ne++] = envp_extra[i];
	}
	envp[ne] = NULL;
	struct claw_proc_spec spec = {
		.path = git_path,
		.argv = (char *const *)argv,
		.envp = (char *const *)envp,
		.cwd = dir,
		.timeout_ms = CLAW_GIT_TIMEOUT_MS,
		.capture_max = CLAW_GIT_OUTPUT_MAX,
		.stderr_apart = apart,
	};
	rc = claw_proc_run(&spec, &pr, err);
	free(path_env);
	if (rc != CLAW_OK)
		return rc;
	if (pr.timed_out) {
		claw_proc_result_free(&pr);
		return claw_error_set(err, CLAW_EIO, "git %s in %s: no answer in %d s", args[0],
				      dir, CLAW_GIT_TIMEOUT_MS / 1000);
	}
	res->clipped = pr.total > pr.len;
	/* Only the head: a tail after a gap would not parse. */
	res->len = res->clipped ? pr.head_len : pr.len;
	res->out = pr.out;
	res->out[res->len] = '\0';
	res->err = pr.err;
	res->exit_code = pr.exit_code;
	return CLAW_OK;
}

enum claw_err
claw_git_run(const char *dir, const char *const *args, const char *const *envp_extra,
	     struct claw_git_result *res, struct claw_error *err)
{
	return run(dir, args, envp_extra, false, res, err);
}

/* CLAW_OK when res says git exited 0; else CLAW_EIO with its complaint
 * (in said) as the message, res freed. */
static enum claw_err
exited_ok(const char *const *args, const char *said, struct claw_git_result *res,
	  struct claw_error *err)
{
	if (res->exit_code == 0)
		return CLAW_OK;
	/* git's complaint: the first "fatal:"/"error:" line, else the first. */
	const char *line = strstr(said, "fatal: ");
	if (line == NULL)
		line = strstr(said, "error: ");
	if (line == NULL)
		line = said;
	int k = (int)strcspn(line, "\n");
	enum claw_err rc = claw_error_set(err, CLAW_EIO, "git %s: %.*s", args[0], k,
					  k > 0 ? line : "failed without a message");
	claw_git_result_free(res);
	return rc;
}

enum claw_err
claw_git_ok(const char *dir, const char *const *args, const char *const *envp_extra,
	    struct claw_git_result *res, struct claw_error *err)
{
	enum claw_err rc = run(dir, args, envp_extra, false, res, err);
	return rc != CLAW_OK ? rc : exited_ok(args, res->out, res, err);
}

enum claw_err
claw_git_read(const char *dir, const char *const *args, const char *const *envp_extra,
	      struct claw_git_result *res, struct claw_error *err)
{
	enum claw_err rc = run(dir, args, envp_extra, true, res, err);
	return rc != CLAW_OK ? rc : exited_ok(args, res->err, res, err);
}
