/*
 * workdir — worktrees, step commits, changes, diffs and merges.  See
 * workdir.h.
 *
 * Reading a change (changes.h parses git's output): the committed part,
 * base..HEAD, is one `diff --raw --numstat` between two commits, kept in
 * changes.h's cache; what the worktree holds beyond its HEAD comes from
 * one `status` (optional locks off: nothing written), and only the files
 * it names are diffed against the base again, so a big change that is
 * committed costs one status, not a diff of every file.  The diff text of
 * the worktree goes through a temporary index (GIT_INDEX_FILE in the
 * worktree's git folder: a copy of its own index, then `add -A`), so
 * untracked files show too and neither the worktree's own index nor its
 * files are touched.
 */
#include "tool/workdir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "tool/changes.h"
#include "tool/git.h"

#define AUTHOR_MAX 256

static atomic_uint index_serial;

/* ---------------------------------------------------------------- helpers */

/* The first line of res's output, trimmed, into out (size bytes). */
static void
first_line(const struct claw_git_result *res, char *out, size_t size)
{
	struct claw_str rest = claw_str_from(res->out);
	struct claw_str line = claw_str_trim(claw_str_cut(&rest, '\n'));
	(void)snprintf(out, size, "%.*s", (int)line.n, line.p != NULL ? line.p : "");
}

/* Runs git args in dir and copies its first output line into out. */
static enum claw_err
git_line(const char *dir, const char *const *args, const char *const *env, char *out, size_t size,
	 struct claw_error *err)
{
	struct claw_git_result res;
	enum claw_err rc = claw_git_ok(dir, args, env, &res, err);
	if (rc != CLAW_OK)
		return rc;
	first_line(&res, out, size);
	claw_git_result_free(&res);
	return CLAW_OK;
}

/* mkdir -p for the folders of path (not path itself), mode 0700. */
static enum claw_err
make_parents(const char *path, struct claw_error *err)
{
	char *p = claw_xstrdup(path);
	char e[128];
	enum claw_err rc = CLAW_OK;

	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = claw_error_set(err, CLAW_EIO, "cannot create %s: %s", p,
					    claw_errno_text(errno, e, sizeof e));
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

/* GIT_AUTHOR_* and GIT_COMMITTER_* for author ("Name <email>"), into env
 * (5 entries, NULL-terminated) backed by buf. */
static void
author_env(const char *author, char buf[4][AUTHOR_MAX], const char *env[5])
{
	const char *lt = strchr(author, '<'), *gt = lt != NULL ? strchr(lt, '>') : NULL;
	struct claw_str name = {author, lt != NULL ? (size_t)(lt - author) : strlen(author)};
	struct claw_str mail = {"claw@localhost", 14};

	name = claw_str_trim(name);
	if (lt != NULL && gt != NULL)
		mail = (struct claw_str){lt + 1, (size_t)(gt - lt - 1)};
	(void)snprintf(buf[0], AUTHOR_MAX, "GIT_AUTHOR_NAME=%.*s", (int)name.n, name.p);
	(void)snprintf(buf[1], AUTHOR_MAX, "GIT_AUTHOR_EMAIL=%.*s", (int)mail.n, mail.p);
	(void)snprintf(buf[2], AUTHOR_MAX, "GIT_COMMITTER_NAME=%.*s", (int)name.n, name.p);
	(void)snprintf(buf[3], AUTHOR_MAX, "GIT_COMMITTER_EMAIL=%.*s", (int)mail.n, mail.p);
	for (int i = 0; i < 4; i++)
		env[i] = buf[i];
	env[4] = NULL;
}

/* The environment of a command on a worktree: its own git folder and top,
 * never found by discovery (the worktree's .git file lies in the work
 * folder, which the sandbox binds read-write: a command could point it at
 * a repository whose config runs programs), plus extra (at most 5
 * entries, NULL-terminated, or NULL). */
struct wt_env {
	char dir[PATH_MAX + 16];
	char tree[PATH_MAX + 16];
	const char *v[8];
};

static const char *const *
wt_env(const struct claw_worktree *wt, struct wt_env *e, const char *const *extra)
{
	size_t n = 0;
	// cppcheck-suppress ctuuninitvar ; e is written here, not read
	(void)snprintf(e->dir, sizeof e->dir, "GIT_DIR=%s", wt->gitdir);
	(void)snprintf(e->tree, sizeof e->tree, "GIT_WORK_TREE=%s", wt->root);
	e->v[n++] = e->dir;
	e->v[n++] = e->tree;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 7; i++)
		e->v[n++] = extra[i];
	e->v[n] = NULL;
	return e->v;
}

/* ------------------------------------------------------------- the repo */

void
claw_repo_info_free(struct claw_repo_info *info)
{
	free(info->top);
	free(info->prefix);
	memset(info, 0, sizeof *info);
}

enum claw_err
claw_repo_info(const char *dir, struct claw_repo_info *info, struct claw_error *err)
{
	/* One command: the top and the prefix, then HEAD's commit (exit 1
	 * and no third line when there is none yet). */
	static const char *const where[] = {
		"rev-parse", "--show-toplevel", "--show-prefix", "--verify", "-q", "HEAD^{commit}",
		NULL};
	struct claw_git_result res;
	enum claw_err rc;

	memset(info, 0, sizeof *info);
	rc = claw_git_run(dir, where, NULL, &res, err);
	if (rc != CLAW_OK)
		return rc;
	if (res.exit_code != 0 && res.exit_code != 1) {
		claw_git_result_free(&res);
		return claw_error_set(err, CLAW_ENOTFOUND, "%s is not in a git work tree", dir);
	}
	struct claw_str rest = claw_str_from(res.out);
	struct claw_str top = claw_str_cut(&rest, '\n');
	struct claw_str prefix = claw_str_cut(&rest, '\n');
	struct claw_str head = claw_str_trim(claw_str_cut(&rest, '\n'));
	char *t = claw_str_dup(top);
	info->top = realpath(t, NULL);
	free(t);
	info->prefix = claw_str_dup(prefix);
	if (res.exit_code == 0 && head.n < sizeof info->head)
		(void)snprintf(info->head, sizeof info->head, "%.*s", (int)head.n, head.p);
	claw_git_result_free(&res);
	if (info->top == NULL) {
		claw_repo_info_free(info);
		return claw_error_set(err, CLAW_EIO, "cannot resolve the work tree of %s", dir);
	}
	if (!claw_git_oid_valid(info->head)) {
		claw_repo_info_free(info);
		return claw_error_set(err, CLAW_ENOTFOUND,
				      "the git repository of %s has no commit yet", dir);
	}
	/* claw's git trusts any repository's owner (safe.directory=*): the
	 * one found must belong to whoever owns the project folder, so a
	 * folder under someone else's .git (a /tmp/.git) is not taken. */
	struct stat top_st, dir_st;
	if (stat(info->top, &top_st) != 0 || stat(dir, &dir_st) != 0 ||
	    top_st.st_uid != dir_st.st_uid) {
		rc = claw_error_set(err, CLAW_ENOTFOUND,
				    "the git repository at %s belongs to another user than %s",
				    info->top, dir);
		claw_repo_info_free(info);
		return rc;
	}
	return CLAW_OK;
}

enum claw_err
claw_workdir_check_isolation(const char *dir, enum claw_isolation isolation, struct claw_error *err)
{
	struct claw_repo_info info;
	struct claw_error why = {0};

	if (isolation != CLAW_ISOLATION_WORKTREE)
		return CLAW_OK;
	if (claw_repo_info(dir, &info, &why) != CLAW_OK)
		return claw_error_set(err, CLAW_EINVAL,
				      "isolation worktree needs a git repository with a commit: %s",
				      claw_error_text(&why));
	claw_repo_info_free(&info);
	return CLAW_OK;
}

/* ------------------------------------------------------------ worktrees */

enum claw_isolation
claw_workdir_default_isolation(const char *dir)
{
	struct claw_repo_info info = {0};
	enum claw_isolation iso = claw_repo_info(dir, &info, NULL) == CLAW_OK
					  ? CLAW_ISOLATION_WORKTREE
					  : CLAW_ISOLATION_INPLACE;
	claw_repo_info_free(&info);
	return iso;
}

void
claw_worktree_free(struct claw_worktree *wt)
{
	free(wt->repo);
	free(wt->root);
	free(wt->gitdir);
	free(wt->workdir);
	free(wt->branch);
	memset(wt, 0, sizeof *wt);
}

void
claw_worktree_from_run(struct claw_run_work *w, struct claw_worktree *wt)
{
	memset(wt, 0, sizeof *wt);
	wt->checkpoints = w->worktree[0] == '\0' && w->branch[0] != '\0';
	wt->repo = w->repo;
	wt->root = wt->checkpoints ? claw_xstrdup(w->workdir) : w->worktree;
	if (wt->checkpoints)
		free(w->worktree);
	wt->workdir = w->workdir;
	wt->gitdir = w->gitdir;
	wt->branch = w->branch;
	(void)snprintf(wt->base, sizeof wt->base, "%s", w->base != NULL ? w->base : "");
	(void)snprintf(wt->head, sizeof wt->head, "%s", w->head != NULL ? w->head : "");
	w->repo = w->worktree = w->workdir = w->gitdir = w->branch = NULL;
}

/* Once the worktree is made, and before anything ran in it: its real path,
 * the run's work folder in it (prefix: the project's folder relative to the
 * repository's top without its last '/', "" at the top) and its own git
 * folder, read now from the .git file git just wrote there ("gitdir:
 * PATH"), while nothing else could have written it. */
static enum claw_err
settle(struct claw_worktree *wt, const char *prefix, struct claw_error *err)
{
	char line[PATH_MAX + 16];
	char *real = realpath(wt->root, NULL);
	char *dotgit = claw_xasprintf("%s/.git", wt->root);
	FILE *f = fopen(dotgit, "re");
	bool got = f != NULL && fgets(line, sizeof line, f) != NULL;

	if (f != NULL)
		(void)fclose(f);
	free(dotgit);
	if (real == NULL)
		return claw_error_set(err, CLAW_EIO, "cannot resolve the worktree %s", wt->root);
	free(wt->root);
	wt->root = real;
	wt->workdir =
		prefix[0] == '\0' ? claw_xstrdup(real) : claw_xasprintf("%s/%s", real, prefix);
	struct claw_str rest = claw_str_from(got ? line : "");
	struct claw_str dir = claw_str_trim(claw_str_cut(&rest, '\n'));
	if (dir.n < 9 || memcmp(dir.p, "gitdir: ", 8) != 0)
		return claw_error_set(err, CLAW_EIO, "git wrote no git folder into %s", wt->root);
	/* Relative to the worktree with worktree.useRelativePaths. */
	char *named = dir.p[8] == '/'
			      ? claw_xstrndup(dir.p + 8, dir.n - 8)
			      : claw_xasprintf("%s/%.*s", real, (int)(dir.n - 8), dir.p + 8);
	wt->gitdir = realpath(named, NULL);
	free(named);
	if (wt->gitdir == NULL)
		return claw_error_set(err, CLAW_EIO, "cannot resolve the git folder of %s",
				      wt->root);
	return CLAW_OK;
}

enum claw_err
claw_worktree_add(const char *project, const char *home, const char *key, int64_t issue,
		  int64_t run, struct claw_worktree *out, struct claw_error *err)
{
	struct claw_repo_info info;
	struct claw_git_result res;
	struct stat st;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	rc = claw_repo_info(project, &info, err);
	if (rc != CLAW_OK)
		return rc;
	out->repo = info.top;
	info.top = NULL;
	(void)snprintf(out->base, sizeof out->base, "%s", info.head);
	out->root = claw_xasprintf("%s/worktrees/%s/run-%lld", home, key, (long long)run);
	out->branch = claw_xasprintf("claw/issue-%lld-run-%lld", (long long)issue, (long long)run);
	size_t pl = strlen(info.prefix);
	char prefix[PATH_MAX];
	(void)snprintf(prefix, sizeof prefix, "%.*s", pl > 0 ? (int)(pl - 1) : 0, info.prefix);
	claw_repo_info_free(&info);
	if (lstat(out->root, &st) == 0) {
		rc = claw_error_set(err, CLAW_EEXIST, "the worktree folder %s is there already",
				    out->root);
		goto out;
	}
	rc = make_parents(out->root, err);
	if (rc != CLAW_OK)
		goto out;
	const char *const add[] = {"worktree",  "add",     "--quiet", "-b",
				   out->branch, out->root, out->base, NULL};
	rc = claw_git_run(out->repo, add, NULL, &res, err);
	if (rc != CLAW_OK)
		goto out;
	/* git refuses a branch that is there already (LC_ALL=C: its words). */
	if (res.exit_code != 0)
		rc = strstr(res.out, "a branch named") != NULL
			     ? claw_error_set(err, CLAW_EEXIST, "the branch %s is there already",
					      out->branch)
			     : claw_error_set(err, CLAW_EIO, "git worktree: %.*s",
					      (int)strcspn(res.out, "\n"), res.out);
	claw_git_result_free(&res);
	if (rc == CLAW_OK && settle(out, prefix, err) != CLAW_OK) {
		/* Undone, so the run can be tried again (the folder and the
		 * branch would be "there already"). */
		const char *const rm[] = {"worktree", "remove", "--force", out->root, NULL};
		const char *const del[] = {"branch", "-D", out->branch, NULL};
		if (claw_git_run(out->repo, rm, NULL, &res, NULL) == CLAW_OK)
			claw_git_result_free(&res);
		if (claw_git_run(out->repo, del, NULL, &res, NULL) == CLAW_OK)
			claw_git_result_free(&res);
		rc = CLAW_EIO;
	}
out:
	if (rc != CLAW_OK)
		claw_worktree_free(out);
	return rc;
}

static enum claw_err drop_checkpoints(const struct claw_worktree *wt, struct claw_error *err);
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw);
static enum claw_err leave_out_big(const struct claw_worktree *wt, char *names, size_t size,
				   struct claw_error *err);

enum claw_err
claw_worktree_remove(const struct claw_worktree *wt, bool delete_branch, struct claw_error *err)
{
	static const char *const prune[] = {"worktree", "prune", NULL};
	const char *const rm[] = {"worktree", "remove", "--force", wt->root, NULL};
	const char *const del[] = {"branch", "-D", wt->branch, NULL};
	struct claw_git_result res;
	struct stat st;
	enum claw_err rc = CLAW_OK;

	if (wt->checkpoints)
		return drop_checkpoints(wt, err);
	if (lstat(wt->root, &st) == 0)
		rc = claw_git_ok(wt->repo, rm, NULL, &res, err);
	else
		rc = claw_git_ok(wt->repo, prune, NULL, &res, err);
	if (rc != CLAW_OK)
		return rc;
	claw_git_result_free(&res);
	if (!delete_branch)
		return CLAW_OK;
	rc = claw_git_ok(wt->repo, del, NULL, &res, err);
	if (rc == CLAW_OK)
		claw_git_result_free(&res);
	return rc;
}

/* ---------------------------------------------------------------- diffs */

/* The files of `git diff --raw --numstat -z -M ARGS...` in dir (args: the
 * range, then "--" and paths, NULL-terminated), env as claw_git_run. */
static enum claw_err
read_diff(const char *dir, const char *const *args, const char *const *env,
	  struct claw_changes *out, struct claw_error *err)
{
	static const char *const head[] = {"diff", "--raw",         "--numstat",    "-z",
					   "-M",   "--no-ext-diff", "--no-textconv"};
	const char *argv[CLAW_GIT_ARGS_MAX + 1];
	struct claw_git_result res;
	size_t k = 0;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		argv[k++] = head[i];
	for (size_t i = 0; args[i] != NULL; i++) {
		if (k == CLAW_GIT_ARGS_MAX)
			return claw_error_set(err, CLAW_EINVAL, "git diff: too many arguments");
		argv[k++] = args[i];
	}
	argv[k] = NULL;
	rc = claw_git_read(dir, argv, env, &res, err);
	if (rc != CLAW_OK)
		return rc;
	if (res.clipped)
		rc = claw_error_set(err, CLAW_ETOOBIG,
				    "the change is too big to list: git printed over %d MiB",
				    CLAW_GIT_OUTPUT_MAX >> 20);
	else
		rc = claw_changes_parse_diff(res.out, res.len, out, err);
	claw_git_result_free(&res);
	return rc;
}

/* The change between commits from and to, sorted, from the cache when it
 * has it (read in dir with env, as read_diff). */
static enum claw_err
diff_range(const struct claw_worktree *wt, const char *dir, const char *const *env,
	   const char *from, const char *to, struct claw_changes *out, struct claw_error *err)
{
	const char *const range[] = {from, to, NULL};
	if (claw_changes_cached(wt->repo, from, to, out))
		return CLAW_OK;
	enum claw_err rc = read_diff(dir, range, env, out, err);
	if (rc == CLAW_OK) {
		(void)snprintf(out->head, sizeof out->head, "%s", to);
		claw_changes_sort(out);
		claw_changes_cache(wt->repo, from, to, out);
	}
	return rc;
}

/* Removes and frees a temporary index made by snapshot_index (NULL: none). */
static void
drop_index(char **path, char **env_entry)
{
	if (*path != NULL)
		(void)unlink(*path);
	free(*path);
	free(*env_entry);
	*path = *env_entry = NULL;
}

/* Copies the file from to the new file to; false when it cannot. */
static bool
copy_file(const char *from, const char *to)
{
	char chunk[8192];
	ssize_t r = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = in >= 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
	bool ok = out >= 0;

	while (ok && (r = read(in, chunk, sizeof chunk)) > 0)
		ok = write(out, chunk, (size_t)r) == r;
	ok = ok && r == 0;
	if (in >= 0)
		(void)close(in);
	if (out >= 0 && close(out) != 0)
		ok = false;
	return ok;
}

/* A temporary index of the worktree as it is in the worktree's git
 * folder: *path and *env_entry ("GIT_INDEX_FILE=..."), dropped with
 * drop_index().  It starts as a copy of the worktree's own index (its
 * files' stat data spare `add -A` from reading every file; the branch's
 * tree when there is none), then takes `add -A`. */
static enum claw_err
snapshot_index(const struct claw_worktree *wt, char **path, char **env_entry,
	       struct claw_error *err)
{
	static const char *const read_head[] = {"read-tree", "HEAD", NULL};
	static const char *const add_all[] = {"add", "-A", NULL};
	struct claw_git_result res;
	struct wt_env e;
	enum claw_err rc = CLAW_OK;

	*path = claw_xasprintf("%s/claw-index-%ld-%u", wt->gitdir, (long)getpid(),
			       atomic_fetch_add(&index_serial, 1));
	*env_entry = claw_xasprintf("GIT_INDEX_FILE=%s", *path);
	const char *const extra[] = {*env_entry, NULL};
	const char *const *env = wt_env(wt, &e, extra);
	char *own = claw_xasprintf("%s/index", wt->gitdir);
	if (!copy_file(own, *path)) {
		(void)unlink(*path);
		rc = claw_git_ok(wt->root, read_head, env, &res, err);
		if (rc == CLAW_OK)
			claw_git_result_free(&res);
	}
	free(own);
	if (rc == CLAW_OK)
		rc = claw_git_ok(wt->root, add_all, env, &res, err);
	if (rc == CLAW_OK)
		claw_git_result_free(&res);
	else
		drop_index(path, env_entry);
	return rc;
}

/* True when the worktree folder was removed (kept branch): its change is
 * then read in the repository, base..branch. */
static bool
removed(const struct claw_worktree *wt)
{
	struct stat st;
	return wt->root == NULL || lstat(wt->root, &st) != 0;
}

/* An in-place run's checkpoints were dropped before its change landed (it
 * ended without running its solver, or a retry started afresh): there is
 * nothing left to read.  CLAW_ENOTFOUND saying so. */
static enum claw_err
no_checkpoints(const struct claw_worktree *wt, struct claw_error *err)
{
	struct stat st;
	if (!wt->checkpoints || (wt->gitdir != NULL && lstat(wt->gitdir, &st) == 0))
		return CLAW_OK;
	return claw_error_set(err, CLAW_ENOTFOUND,
			      "this run has no change to read: it worked in place and its "
			      "checkpoints were dropped when it ended");
}

enum claw_err
claw_worktree_head(const struct claw_worktree *wt, char sha[CLAW_WORKDIR_SHA_SIZE],
		   struct claw_error *err)
{
	char ref[512];
	(void)snprintf(ref, sizeof ref, "refs/heads/%s", wt->branch);
	const char *const rev[] = {"rev-parse", "--verify", ref, NULL};
	return git_line(wt->repo, rev, NULL, sha, CLAW_WORKDIR_SHA_SIZE, err);
}

/* The lines of a new file at root/path (its additions), or binary when a
 * NUL shows in its first 8000 bytes (as git decides).  A symbolic link is
 * one line (its target, as git shows it); anything but a regular file
 * (a FIFO an agent left, which would block an open) is not read; a file
 * is read up to CLAW_WORKDIR_COUNT_MAX bytes. */
static void
count_new_file(const char *root, const char *path, struct claw_change *c)
{
	char full[PATH_MAX], chunk[8192];
	size_t r, seen = 0;
	struct stat st;
	int n = snprintf(full, sizeof full, "%s/%s", root, path);

	if (n <= 0 || (size_t)n >= sizeof full || lstat(full, &st) != 0)
		return;
	if (S_ISLNK(st.st_mode))
		c->additions = 1;
	if (!S_ISREG(st.st_mode))
		return;
	int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL && fd >= 0)
		(void)close(fd);
	while (f != NULL && seen < CLAW_WORKDIR_COUNT_MAX &&
	       (r = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (seen < 8000 && memchr(chunk, '\0', r < 8000 - seen ? r : 8000 - seen) != NULL) {
			c->binary = true;
			c->additions = 0;
			break;
		}
		seen += r;
		for (size_t i = 0; i < r; i++)
			c->additions += chunk[i] == '\n';
		if (r > 0 && chunk[r - 1] != '\n' && feof(f))
			c->additions++;
	}
	if (f != NULL)
		(void)fclose(f);
}

/* The worktree's state against its HEAD (nothing written: optional locks
 * are off). */
static enum claw_err
read_status(const struct claw_worktree *wt, struct claw_status *st, struct claw_error *err)
{
	static const char *const status[] = {"status",   "--porcelain=v2",        "-z",
					     "--branch", "--untracked-files=all", NULL};
	struct claw_git_result res;
	struct wt_env e;
	enum claw_err rc = claw_git_read(wt->root, status, wt_env(wt, &e, NULL), &res, err);

	if (rc != CLAW_OK)
		return rc;
	rc = res.clipped ? claw_error_set(err, CLAW_ETOOBIG,
					  "the worktree has too many changed files to list")
			 : claw_changes_parse_status(res.out, res.len, st, err);
	claw_git_result_free(&res);
	if (rc == CLAW_OK && st->head[0] == '\0') {
		claw_status_free(st);
		rc = claw_error_set(err, CLAW_EIO, "the worktree %s has no commit checked out",
				    wt->root);
	}
	return rc;
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
listed(const char *const *paths, size_t n, const char *path)
{
	return path != NULL && n > 0 && bsearch(&path, paths, n, sizeof *paths, by_text) != NULL;
}

/* The files the worktree changed beyond its HEAD (st->changed), plus the
 * other end of a committed rename of one of them, sorted into *paths
 * (borrowed strings; the caller frees the array). */
static size_t
paths_again(const struct claw_status *st, const struct claw_changes *done, const char ***paths)
{
	size_t n = 0, cap = 0;
	const char **v = NULL;

	for (size_t i = 0; i < st->n_changed; i++) {
		v = claw_xgrow(v, &cap, n + 1, sizeof *v);
		v[n++] = st->changed[i];
	}
	if (n > 1)
		qsort(v, n, sizeof *v, by_text);
	size_t direct = n;
	for (size_t i = 0; i < done->n; i++) {
		const struct claw_change *d = &done->files[i];
		const char *other = NULL;
		if (d->old_path == NULL)
			continue;
		if (listed((const char *const *)v, direct, d->path))
			other = d->old_path;
		else if (listed((const char *const *)v, direct, d->old_path))
			other = d->path;
		if (other != NULL) {
			v = claw_xgrow(v, &cap, n + 1, sizeof *v);
			v[n++] = other;
		}
	}
	if (n > direct)
		qsort(v, n, sizeof *v, by_text);
	*paths = v;
	return n;
}

/* The worktree's untracked files into out as added (counted in place); a
 * path the committed change deleted and the worktree made again is one
 * modified file, every old line gone and every new one added. */
static void
add_untracked(const struct claw_worktree *wt, const struct claw_status *st,
	      struct claw_changes *out)
{
	size_t n = out->n;

	claw_changes_sort(out);
	for (size_t i = 0; i < st->n_untracked; i++) {
		struct claw_change c = {
			.path = claw_xstrdup(st->untracked[i]), .status = 'A', .uncommitted = true};
		count_new_file(wt->root, c.path, &c);
		const struct claw_changes before = {.files = out->files, .n = n};
		struct claw_change *gone = (struct claw_change *)claw_changes_find(&before, c.path);
		if (gone != NULL && gone->status == 'D') {
			gone->status = 'M';
			gone->additions = c.additions;
			gone->binary = gone->binary || c.binary;
			gone->uncommitted = true;
			out->additions += c.additions;
			free(c.path);
			continue;
		}
		claw_changes_push(out, &c);
	}
}

/* The change with the worktree: done (base..HEAD) with what the worktree
 * holds beyond HEAD (st): the files it changed (and their renames' other
 * ends) diffed against the base again, then its untracked files; the
 * rest of done as it is.  Too many files for one command: the whole
 * worktree against the base. */
static enum claw_err
with_worktree(const struct claw_worktree *wt, const struct claw_status *st,
	      const struct claw_changes *done, struct claw_changes *out, struct claw_error *err)
{
	static const char *const literal[] = {"GIT_LITERAL_PATHSPECS=1", NULL};
	const char *args[CLAW_GIT_ARGS_MAX - 8];
	const size_t room = sizeof args / sizeof args[0] - 3;
	struct claw_changes again = {0};
	const char **paths = NULL;
	size_t n = paths_again(st, done, &paths), k = 0;
	bool whole = n > room;
	struct wt_env e;
	enum claw_err rc = CLAW_OK;

	memset(out, 0, sizeof *out);
	if (n > 0) {
		args[k++] = wt->base;
		if (!whole) {
			args[k++] = "--";
			for (size_t i = 0; i < n; i++)
				args[k++] = paths[i];
		}
		args[k] = NULL;
		rc = read_diff(wt->root, args, wt_env(wt, &e, literal), &again, err);
	}
	for (size_t i = 0; rc == CLAW_OK && !whole && i < done->n; i++) {
		const struct claw_change *d = &done->files[i];
		if (!listed((const char *const *)paths, n, d->path) &&
		    !listed((const char *const *)paths, n, d->old_path))
			claw_changes_push_copy(out, d);
	}
	for (size_t i = 0; rc == CLAW_OK && i < again.n; i++) {
		struct claw_change *c = &again.files[i];
		const struct claw_change *d = claw_changes_find(done, c->path);
		c->uncommitted = d == NULL || d->status != c->status ||
				 d->additions != c->additions || d->deletions != c->deletions;
		claw_changes_push(out, c);
	}
	again.n = 0; /* its strings moved into out */
	claw_changes_free(&again);
	free(paths);
	memcpy(out->head, st->head, sizeof out->head);
	if (rc == CLAW_OK)
		add_untracked(wt, st, out);
	claw_changes_sort(out);
	return rc;
}

/* True when the repository still has commit sha (false also when git
 * cannot say). */
static bool
has_commit(const struct claw_worktree *wt, const char *sha)
{
	char spec[CLAW_WORKDIR_SHA_SIZE + 16];
	struct claw_git_result res;
	(void)snprintf(spec, sizeof spec, "%s^{commit}", sha);
	const char *const args[] = {"cat-file", "-e", spec, NULL};
	if (claw_git_run(wt->repo, args, NULL, &res, NULL) != CLAW_OK)
		return false;
	bool there = res.exit_code == 0;
	claw_git_result_free(&res);
	return there;
}

/* A landed run's change, base..head: its list (out) or its diff (diff,
 * of path when not NULL); CLAW_ENOTFOUND when git no longer has them. */
static enum claw_err
landed_range(const struct claw_worktree *wt, struct claw_changes *out, struct claw_buf *diff,
	     const char *path, struct claw_error *err)
{
	struct claw_error why = {0};
	enum claw_err rc =
		out != NULL ? diff_range(wt, wt->repo, NULL, wt->base, wt->head, out, &why)
			    : claw_worktree_diff_between(wt, wt->base, wt->head, path, diff, &why);
	if (rc == CLAW_EIO && (!has_commit(wt, wt->base) || !has_commit(wt, wt->head)))
		return claw_error_set(err, CLAW_ENOTFOUND,
				      "the change of %s (%.12s..%.12s) is no longer in the "
				      "repository: %s",
				      wt->branch, wt->base, wt->head, claw_error_text(&why));
	if (rc != CLAW_OK)
		claw_error_format(err, rc, "%s", claw_error_text(&why));
	return rc;
}

enum claw_err
claw_worktree_changes(const struct claw_worktree *wt, bool worktree, struct claw_changes *out,
		      struct claw_error *err)
{
	static const char *const rev_head[] = {"rev-parse", "--verify", "HEAD", NULL};
	char head[CLAW_GIT_OID_SIZE];
	struct claw_changes done;
	struct claw_status st;
	struct wt_env e;
	const char *const *env = wt_env(wt, &e, NULL);
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	if (wt->head[0] != '\0')
		return landed_range(wt, out, NULL, NULL, err);
	if (no_checkpoints(wt, err) != CLAW_OK)
		return err->code;
	if (removed(wt)) { /* a kept branch: read in the repository */
		rc = claw_worktree_head(wt, head, err);
		return rc != CLAW_OK ? rc
				     : diff_range(wt, wt->repo, NULL, wt->base, head, out, err);
	}
	if (!worktree) {
		rc = git_line(wt->root, rev_head, env, head, sizeof head, err);
		return rc != CLAW_OK ? rc : diff_range(wt, wt->root, env, wt->base, head, out, err);
	}
	rc = read_status(wt, &st, err);
	if (rc != CLAW_OK)
		return rc;
	rc = diff_range(wt, wt->root, env, wt->base, st.head, &done, err);
	if (rc == CLAW_OK && st.n_changed == 0 && st.n_untracked == 0)
		*out = done; /* all committed */
	else if (rc == CLAW_OK) {
		rc = with_worktree(wt, &st, &done, out, err);
		claw_changes_free(&done);
	}
	claw_status_free(&st);
	if (rc != CLAW_OK)
		claw_changes_free(out);
	return rc;
}

/* Appends the diff in res to out, cut at a line at CLAW_WORKDIR_DIFF_MAX
 * with a last line saying so. */
static enum claw_err
append_capped(struct claw_buf *out, const struct claw_git_result *res)
{
	size_t keep = res->len;
	if (keep > CLAW_WORKDIR_DIFF_MAX) { /* cut at a line */
		keep = CLAW_WORKDIR_DIFF_MAX;
		while (keep > 0 && res->out[keep - 1] != '\n')
			keep--;
	}
	(void)claw_buf_append(out, res->out, keep);
	if (keep < res->len || res->clipped)
		(void)claw_buf_printf(out, "[diff clipped at %d MiB: %zu%s more bytes]\n",
				      CLAW_WORKDIR_DIFF_MAX >> 20, res->len - keep,
				      res->clipped ? " and" : "");
	return claw_buf_error(out);
}

enum claw_err
claw_worktree_step_range(const struct claw_worktree *wt, const char *step,
			 char from[CLAW_WORKDIR_SHA_SIZE], char to[CLAW_WORKDIR_SHA_SIZE],
			 struct claw_error *err)
{
	char range[1024], grep[256];
	struct claw_git_result res;
	enum claw_err rc;

	for (const char *c = step; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return claw_error_set(err, CLAW_EINVAL, "not a step name: %s", step);
	(void)snprintf(range, sizeof range, "%s..refs/heads/%s", wt->base, wt->branch);
	(void)snprintf(grep, sizeof grep, "--grep=^Claw-Step: %s$", step);
	const char *const log[] = {"log", "-1", "--format=%H", "-E", grep, range, NULL};
	rc = git_line(wt->repo, log, NULL, to, CLAW_WORKDIR_SHA_SIZE, err);
	if (rc != CLAW_OK)
		return rc;
	if (to[0] == '\0')
		return claw_error_set(err, CLAW_ENOTFOUND, "step %s made no commit on %s", step,
				      wt->branch);
	char parent[CLAW_WORKDIR_SHA_SIZE + 4];
	(void)snprintf(parent, sizeof parent, "%s^", to);
	const char *const rev[] = {"rev-parse", "--verify", parent, NULL};
	rc = claw_git_ok(wt->repo, rev, NULL, &res, err);
	if (rc != CLAW_OK)
		return rc;
	first_line(&res, from, CLAW_WORKDIR_SHA_SIZE);
	claw_git_result_free(&res);
	return CLAW_OK;
}

enum claw_err
claw_worktree_changes_between(const struct claw_worktree *wt, const char *from, const char *to,
			      struct claw_changes *out, struct claw_error *err)
{
	return diff_range(wt, wt->repo, NULL, from, to, out, err);
}

enum claw_err
claw_worktree_diff_between(const struct claw_worktree *wt, const char *from, const char *to,
			   const char *path, struct claw_buf *out, struct claw_error *err)
{
	const char *args[] = {"diff",
			      "--no-color",
			      "--no-ext-diff",
			      "--no-textconv",
			      "-M",
			      from,
			      to,
			      path != NULL ? "--" : NULL,
			      path,
			      NULL};
	struct claw_git_result res;
	enum claw_err rc = claw_git_ok(wt->repo, args, NULL, &res, err);
	if (rc != CLAW_OK)
		return rc;
	rc = append_capped(out, &res);
	claw_git_result_free(&res);
	return rc;
}

enum claw_err
claw_worktree_diff(const struct claw_worktree *wt, bool worktree, const char *path,
		   struct claw_buf *out, struct claw_error *err)
{
	const char *args[12];
	char *index = NULL, *env_entry = NULL;
	struct claw_git_result res = {0};
	struct wt_env e;
	size_t n = 0;
	enum claw_err rc = CLAW_OK;

	char ref[512];
	bool gone = removed(wt);
	if (wt->head[0] != '\0')
		return landed_range(wt, NULL, out, path, err);
	if (no_checkpoints(wt, err) != CLAW_OK)
		return err->code;
	(void)snprintf(ref, sizeof ref, "refs/heads/%s", wt->branch);
	args[n++] = "diff";
	args[n++] = "--no-color";
	args[n++] = "--no-ext-diff";
	args[n++] = "--no-textconv";
	args[n++] = "-M";
	if (gone) {
		args[n++] = wt->base;
		args[n++] = ref;
	} else if (worktree) {
		rc = snapshot_index(wt, &index, &env_entry, err);
		if (rc != CLAW_OK)
			return rc;
		args[n++] = "--cached";
		args[n++] = wt->base;
	} else {
		args[n++] = wt->base;
		args[n++] = "HEAD";
	}
	if (path != NULL) {
		args[n++] = "--";
		args[n++] = path;
	}
	args[n] = NULL;
	const char *const extra[] = {env_entry, NULL};
	rc = gone ? claw_git_ok(wt->repo, args, NULL, &res, err)
		  : claw_git_ok(wt->root, args, wt_env(wt, &e, extra), &res, err);
	if (rc != CLAW_OK)
		goto out;
	rc = append_capped(out, &res);
out:
	claw_git_result_free(&res);
	drop_index(&index, &env_entry);
	return rc;
}

/* --------------------------------------------------------------- commits */

/* The locks git leaves when it is killed in a commit (kill -9 of claw):
 * the run's index and HEAD in its own git folder and its branch in the
 * common one.  Only the run's executor writes them (the run's lock), so
 * one found here is a crash's leftover, and git would refuse to commit
 * until it is gone. */
static void
clear_stale_locks(const struct claw_worktree *wt)
{
	char *common = claw_xasprintf("%s/../..", wt->gitdir);
	char *paths[] = {claw_xasprintf("%s/index.lock", wt->gitdir),
			 claw_xasprintf("%s/HEAD.lock", wt->gitdir),
			 claw_xasprintf("%s/refs/heads/%s.lock", common, wt->branch)};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		if (unlink(paths[i]) == 0)
			claw_log_warn("removed %s, left by a commit that was killed", paths[i]);
		free(paths[i]);
	}
	free(common);
}

enum claw_err
claw_worktree_commit(const struct claw_worktree *wt, const char *message, const char *author,
		     struct claw_commit_info *out, struct claw_error *err)
{
	static const char *const add_all[] = {"add", "-A", NULL};
	static const char *const staged[] = {"diff", "--cached", "--quiet", NULL};
	static const char *const head[] = {"rev-parse", "HEAD", NULL};
	const char *const commit[] = {"commit", "--quiet", "--no-verify", "-m", message, NULL};
	const char *const range[] = {"HEAD~1", "HEAD", NULL};
	char abuf[4][AUTHOR_MAX];
	const char *author_vars[5];
	struct claw_git_result res;
	struct claw_changes c;
	struct wt_env e, ae;
	const char *const *env = wt_env(wt, &e, NULL);
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	clear_stale_locks(wt);
	if (wt->checkpoints) {
		rc = leave_out_big(wt, out->left_out, sizeof out->left_out, err);
		if (rc != CLAW_OK)
			return rc;
	}
	rc = claw_git_ok(wt->root, add_all, env, &res, err);
	if (rc != CLAW_OK)
		return rc;
	claw_git_result_free(&res);
	rc = claw_git_run(wt->root, staged, env, &res, err);
	if (rc != CLAW_OK)
		return rc;
	int changed = res.exit_code;
	claw_git_result_free(&res);
	if (changed == 0)
		return CLAW_OK; /* nothing to commit */
	author_env(author != NULL ? author : CLAW_GIT_AUTHOR, abuf, author_vars);
	rc = claw_git_ok(wt->root, commit, wt_env(wt, &ae, author_vars), &res, err);
	if (rc != CLAW_OK)
		return rc;
	claw_git_result_free(&res);
	rc = git_line(wt->root, head, env, out->sha, sizeof out->sha, err);
	if (rc == CLAW_OK)
		rc = read_diff(wt->root, range, env, &c, err);
	if (rc != CLAW_OK)
		return rc;
	out->files = (int64_t)c.n;
	out->additions = c.additions;
	out->deletions = c.deletions;
	claw_changes_free(&c);
	return CLAW_OK;
}

/* ---------------------------------------------------------------- merges */

/* The files the run touched, base..tip, into *v. */
static enum claw_err
touched_paths(const struct claw_worktree *wt, const char *tip, struct claw_changes *v,
	      struct claw_error *err)
{
	return diff_range(wt, wt->repo, NULL, wt->base, tip, v, err);
}

/* True when path (or the rename's old path) is one of the run's. */
static bool
touched(const struct claw_changes *t, struct claw_str path)
{
	for (size_t i = 0; i < t->n; i++)
		if (claw_str_eq_cstr(path, t->files[i].path) ||
		    (t->files[i].old_path != NULL && claw_str_eq_cstr(path, t->files[i].old_path)))
			return true;
	return false;
}

/* The folder's uncommitted changes in paths the run touched, ", "-joined
 * into out (empty when none).  Paths of `status -z` are relative to the
 * work tree's top, as the run's are. */
static enum claw_err
dirty_touched(const struct claw_worktree *wt, const struct claw_changes *t, struct claw_buf *out,
	      struct claw_error *err)
{
	static const char *const status[] = {"status", "--porcelain=v1", "-z",
					     "--untracked-files=all", NULL};
	struct claw_git_result res;
	enum claw_err rc = claw_git_read(wt->repo, status, NULL, &res, err);

	if (rc != CLAW_OK)
		return rc;
	for (const char *p = res.out, *end = res.out + res.len; p + 3 < end;) {
		bool rename = p[0] == 'R' || p[0] == 'C';
		struct claw_str path = claw_str_from(p + 3);
		p += 3 + path.n + 1;
		if (touched(t, path))
			(void)claw_buf_printf(out, "%s%.*s", claw_buf_len(out) != 0 ? ", " : "",
					      (int)path.n, path.p);
		if (rename && p < end) { /* the old path follows */
			struct claw_str old = claw_str_from(p);
			p += old.n + 1;
			if (touched(t, old))
				(void)claw_buf_printf(out, "%s%.*s",
						      claw_buf_len(out) != 0 ? ", " : "",
						      (int)old.n, old.p);
		}
	}
	claw_git_result_free(&res);
	return CLAW_OK;
}

/* The tree of the merged change: the run's own when the folder's branch
 * has not moved, else git merge-tree's; CLAW_ECONFLICT naming the
 * conflicting paths. */
static enum claw_err
merged_tree(const struct claw_worktree *wt, const char *head, const char *tip,
	    char tree[CLAW_WORKDIR_SHA_SIZE], struct claw_error *err)
{
	char spec[CLAW_WORKDIR_SHA_SIZE + 8];
	struct claw_git_result res;
	enum claw_err rc;

	if (strcmp(head, wt->base) == 0) {
		(void)snprintf(spec, sizeof spec, "%s^{tree}", tip);
		const char *const rev[] = {"rev-parse", spec, NULL};
		return git_line(wt->repo, rev, NULL, tree, CLAW_WORKDIR_SHA_SIZE, err);
	}
	const char *const merge[] = {"merge-tree", "--write-tree", "--name-only", "-z", head, tip,
				     NULL};
	rc = claw_git_run(wt->repo, merge, NULL, &res, err);
	if (rc != CLAW_OK)
		return rc;
	if (res.exit_code != 0 && res.exit_code != 1) {
		rc = claw_error_set(err, CLAW_EIO, "git merge-tree: %.*s",
				    (int)strcspn(res.out, "\n"), res.out);
		claw_git_result_free(&res);
		return rc;
	}
	(void)snprintf(tree, CLAW_WORKDIR_SHA_SIZE, "%s", res.out);
	if (res.exit_code == 1) { /* conflicts: paths follow the tree, to an empty one */
		struct claw_buf paths = CLAW_BUF_INIT(4096);
		for (const char *p = res.out + strlen(res.out) + 1, *end = res.out + res.len;
		     p < end && *p != '\0'; p += strlen(p) + 1)
			(void)claw_buf_printf(&paths, "%s%s", claw_buf_len(&paths) != 0 ? ", " : "",
					      p);
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "the run's change conflicts with what %s gained since the run "
				    "began, in: %s",
				    wt->repo, claw_buf_str(&paths));
		claw_buf_free(&paths);
	}
	claw_git_result_free(&res);
	return rc;
}

/* Moves the folder's files and index from head to commit (read-tree -m
 * -u, which itself refuses to overwrite a local change that appeared
 * meanwhile: CLAW_ECONFLICT), then its branch ref (update-ref, only if it
 * still points at head); when the branch moved meanwhile the files are
 * moved back and that is a conflict too.  A crash between the two steps
 * leaves the files at commit and the branch at head (the merge shows as
 * staged changes); claw's own callers finish or undo it from their
 * journal. */
static enum claw_err
land(const struct claw_worktree *wt, const char *ref, const char *head, const char *commit,
     struct claw_error *err)
{
	const char *const move[] = {"read-tree", "-m", "-u", head, commit, NULL};
	const char *const back[] = {"read-tree", "-m", "-u", commit, head, NULL};
	const char *const update[] = {"update-ref", "-m", "claw: merge", ref, commit, head, NULL};
	struct claw_git_result res;
	enum claw_err rc = claw_git_run(wt->repo, move, NULL, &res, err);

	if (rc != CLAW_OK)
		return rc;
	if (res.exit_code != 0) {
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "%s changed while merging, in a path the run changed: %.*s",
				    wt->repo, (int)strcspn(res.out, "\n"), res.out);
		claw_git_result_free(&res);
		return rc;
	}
	claw_git_result_free(&res);
	rc = claw_git_run(wt->repo, update, NULL, &res, err);
	if (rc == CLAW_OK && res.exit_code == 0) {
		claw_git_result_free(&res);
		return CLAW_OK;
	}
	if (rc == CLAW_OK) {
		claw_git_result_free(&res);
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "the branch checked out in %s moved while merging: merge again",
				    wt->repo);
	}
	if (claw_git_run(wt->repo, back, NULL, &res, NULL) == CLAW_OK)
		claw_git_result_free(&res);
	return rc;
}

enum claw_err
claw_worktree_merge(const struct claw_worktree *wt, const char *message, const char *author,
		    const struct claw_merge_journal *journal, char sha[CLAW_WORKDIR_SHA_SIZE],
		    struct claw_error *err)
{
	static const char *const head_rev[] = {"rev-parse", "--verify", "HEAD", NULL};
	static const char *const head_ref[] = {"symbolic-ref", "-q", "HEAD", NULL};
	char head[CLAW_WORKDIR_SHA_SIZE], ref[512], tip[CLAW_WORKDIR_SHA_SIZE];
	char tree[CLAW_WORKDIR_SHA_SIZE], abuf[4][AUTHOR_MAX];
	const char *env[5];
	struct claw_changes t = {0};
	struct claw_buf dirty = CLAW_BUF_INIT(64 * 1024);
	struct claw_git_result res;
	enum claw_err rc;

	sha[0] = '\0';
	char branch_ref[512];
	(void)snprintf(branch_ref, sizeof branch_ref, "refs/heads/%s", wt->branch);
	const char *const tip_rev[] = {"rev-parse", "--verify", branch_ref, NULL};
	rc = git_line(wt->repo, head_rev, NULL, head, sizeof head, err);
	if (rc == CLAW_OK)
		rc = git_line(wt->repo, tip_rev, NULL, tip, sizeof tip, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_git_run(wt->repo, head_ref, NULL, &res, err);
	if (rc != CLAW_OK)
		goto out;
	first_line(&res, ref, sizeof ref);
	claw_git_result_free(&res);
	if (ref[0] == '\0') {
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "no branch is checked out in %s (a detached HEAD): check one "
				    "out, then merge",
				    wt->repo);
		goto out;
	}
	rc = touched_paths(wt, tip, &t, err);
	if (rc != CLAW_OK || t.n == 0)
		goto out; /* nothing to land */
	rc = dirty_touched(wt, &t, &dirty, err);
	if (rc != CLAW_OK)
		goto out;
	if (claw_buf_len(&dirty) != 0) {
		rc = claw_error_set(err, CLAW_ECONFLICT,
				    "%s has uncommitted changes in paths the run changed: %s "
				    "(commit or stash them, then merge again)",
				    wt->repo, claw_buf_str(&dirty));
		goto out;
	}
	rc = merged_tree(wt, head, tip, tree, err);
	if (rc != CLAW_OK)
		goto out;
	author_env(author != NULL ? author : CLAW_GIT_AUTHOR, abuf, env);
	const char *const commit[] = {"commit-tree", tree, "-p", head, "-m", message, NULL};
	rc = git_line(wt->repo, commit, env, sha, CLAW_WORKDIR_SHA_SIZE, err);
	if (rc == CLAW_OK && journal != NULL)
		rc = journal->begin(journal->arg, ref, head, sha, err);
	if (rc != CLAW_OK)
		goto out;
	rc = land(wt, ref, head, sha, err);
out:
	if (rc != CLAW_OK)
		sha[0] = '\0';
	claw_changes_free(&t);
	claw_buf_free(&dirty);
	return rc;
}

enum claw_err
claw_worktree_merge_finish(const struct claw_worktree *wt, const char *ref, const char *old,
			   const char *commit, bool *landed, struct claw_error *err)
{
	char at[CLAW_WORKDIR_SHA_SIZE];
	const char *const rev[] = {"rev-parse", "--verify", "-q", ref, NULL};
	struct claw_changes t = {0};
	struct claw_git_result res;
	enum claw_err rc;

	*landed = false;
	rc = git_line(wt->repo, rev, NULL, at, sizeof at, err);
	if (rc != CLAW_OK)
		return rc;
	if (strcmp(at, commit) == 0) {
		*landed = true; /* the branch moved: all done */
		return CLAW_OK;
	}
	if (strcmp(at, old) != 0)
		return CLAW_OK; /* the branch went elsewhere since: the merge never finished */
	/* The branch is where it was: were the files and index moved already?
	 * Then only the branch is left to move. */
	rc = touched_paths(wt, commit, &t, err);
	if (rc != CLAW_OK || t.n == 0)
		goto out;
	{
		/* Index entries that differ from commit: none of the run's paths
		 * when the files moved (a person's own staged work elsewhere may
		 * show); all of them when they did not. */
		const char *const diff[] = {"diff-index", "--cached", "--name-only",
					    "-z",         commit,     NULL};
		rc = claw_git_ok(wt->repo, diff, NULL, &res, err);
	}
	if (rc != CLAW_OK)
		goto out;
	bool moved = true;
	for (const char *p = res.out, *end = res.out + res.len; p < end && *p != '\0';
	     p += strlen(p) + 1)
		if (touched(&t, claw_str_from(p)))
			moved = false;
	claw_git_result_free(&res);
	if (moved) {
		const char *const update[] = {"update-ref", "-m", "claw: merge", ref,
					      commit,       old,  NULL};
		rc = claw_git_ok(wt->repo, update, NULL, &res, err);
		if (rc == CLAW_OK) {
			claw_git_result_free(&res);
			*landed = true;
		}
	}
out:
	claw_changes_free(&t);
	return rc;
}

void
claw_worktree_target(const struct claw_worktree *wt, char *out, size_t size)
{
	static const char *const head_ref[] = {"symbolic-ref", "-q", "--short", "HEAD", NULL};
	struct claw_git_result res;

	out[0] = '\0';
	if (claw_git_run(wt->repo, head_ref, NULL, &res, NULL) != CLAW_OK)
		return;
	if (res.exit_code == 0)
		first_line(&res, out, size);
	claw_git_result_free(&res);
}

/* ------------------------------------------------- in-place checkpoints */

/* Appends a path to the checkpoints' exclude file as a literal pattern
 * anchored at the top ("/a\*b"). */
static void
exclude_line(struct claw_buf *b, const char *path)
{
	(void)claw_buf_putc(b, '/');
	for (const char *p = path; *p != '\0'; p++) {
		if (strchr("*?[\\ ", *p) != NULL)
			(void)claw_buf_putc(b, '\\');
		(void)claw_buf_putc(b, *p);
	}
	(void)claw_buf_putc(b, '\n');
}

/* Before the folder is added: every file add -A would take (untracked and
 * not ignored, or tracked and changed) that is over
 * CLAW_CHECKPOINT_FILE_MAX is left out: excluded from now on (the private
 * repository's info/exclude) and out of the index; names gets them. */
static enum claw_err
leave_out_big(const struct claw_worktree *wt, char *names, size_t size, struct claw_error *err)
{
	static const char *const cand[] = {"ls-files",           "-z",         "--others",
					   "--exclude-standard", "--modified", NULL};
	struct claw_buf excl = CLAW_BUF_INIT(1 << 20), said = CLAW_BUF_INIT(64 * 1024);
	struct claw_git_result res;
	struct wt_env e;
	enum claw_err rc = claw_git_ok(wt->root, cand, wt_env(wt, &e, NULL), &res, err);

	names[0] = '\0';
	if (rc != CLAW_OK)
		goto out;
	for (const char *p = res.out, *end = res.out + res.len; p < end && *p != '\0';
	     p += strlen(p) + 1) {
		char full[PATH_MAX];
		struct stat st;
		int n = snprintf(full, sizeof full, "%s/%s", wt->root, p);
		if (n < 0 || (size_t)n >= sizeof full || lstat(full, &st) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_size <= CLAW_CHECKPOINT_FILE_MAX)
			continue;
		exclude_line(&excl, p);
		(void)claw_buf_printf(&said, "%s%s", claw_buf_len(&said) != 0 ? ", " : "", p);
		const char *const rm[] = {"rm", "--cached", "-q", "--ignore-unmatch",
					  "--", p,          NULL};
		const char *const lit[] = {"GIT_LITERAL_PATHSPECS=1", NULL};
		struct claw_git_result r2;
		struct wt_env e2;
		rc = claw_git_ok(wt->root, rm, wt_env(wt, &e2, lit), &r2, err);
		if (rc != CLAW_OK)
			goto out;
		claw_git_result_free(&r2);
	}
	if (claw_buf_len(&excl) != 0) {
		char *path = claw_xasprintf("%s/info/exclude", wt->repo);
		FILE *f = fopen(path, "ae");
		bool ok = f != NULL && fwrite(claw_buf_str(&excl), 1, claw_buf_len(&excl), f) ==
					       claw_buf_len(&excl);
		if (f != NULL && fclose(f) != 0)
			ok = false;
		if (!ok)
			rc = claw_error_set(err, CLAW_EIO, "cannot write %s", path);
		free(path);
	}
	(void)snprintf(names, size, "%s", claw_buf_str(&said));
out:
	claw_git_result_free(&res);
	claw_buf_free(&excl);
	claw_buf_free(&said);
	return rc;
}

/* Writes text into the file path (created or replaced). */
static enum claw_err
write_small(const char *path, const char *text, struct claw_error *err)
{
	FILE *f = fopen(path, "we");
	bool ok = f != NULL && fputs(text, f) >= 0;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	return ok ? CLAW_OK : claw_error_set(err, CLAW_EIO, "cannot write %s", path);
}

/* The private repository (made when missing) and the run's git folder in
 * it: HEAD on the run's branch (still unborn), commondir. */
static enum claw_err
checkpoint_dirs(struct claw_worktree *wt, const char *home, const char *key, int64_t run,
		struct claw_error *err)
{
	struct claw_git_result res;
	struct stat st;
	char e[128];
	char *file = NULL;
	enum claw_err rc = CLAW_OK;

	wt->repo = claw_xasprintf("%s/projects/%s.checkpoints.git", home, key);
	wt->gitdir = claw_xasprintf("%s/worktrees/run-%lld", wt->repo, (long long)run);
	if (lstat(wt->repo, &st) != 0) {
		const char *const init[] = {"init", "--bare", "-q", wt->repo, NULL};
		rc = claw_git_ok(home, init, NULL, &res, err);
		if (rc != CLAW_OK)
			return rc;
		claw_git_result_free(&res);
	}
	/* One there already is a begin that a crash cut short (the run's row,
	 * which the caller writes next, did not record it): made anew. */
	if (lstat(wt->gitdir, &st) == 0 &&
	    nftw(wt->gitdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return claw_error_set(err, CLAW_EIO, "cannot remove the leftover %s", wt->gitdir);
	rc = make_parents(wt->gitdir, err);
	if (rc == CLAW_OK && mkdir(wt->gitdir, 0700) != 0)
		rc = claw_error_set(err, CLAW_EIO, "cannot create %s: %s", wt->gitdir,
				    claw_errno_text(errno, e, sizeof e));
	if (rc == CLAW_OK) {
		file = claw_xasprintf("%s/HEAD", wt->gitdir);
		char *head = claw_xasprintf("ref: refs/heads/%s\n", wt->branch);
		rc = write_small(file, head, err);
		free(head);
		free(file);
	}
	if (rc == CLAW_OK) {
		file = claw_xasprintf("%s/commondir", wt->gitdir);
		rc = write_small(file, "../..\n", err);
		free(file);
	}
	/* No work tree points back at it: locked, so that no `git worktree
	 * prune` (a person's, or a gc's) takes it for a leftover. */
	if (rc == CLAW_OK) {
		file = claw_xasprintf("%s/locked", wt->gitdir);
		rc = write_small(file, "claw: the checkpoints of a run in place\n", err);
		free(file);
	}
	return rc;
}

enum claw_err
claw_checkpoint_begin(const char *folder, const char *home, const char *key, int64_t issue,
		      int64_t run, struct claw_worktree *out, struct claw_commit_info *start,
		      struct claw_error *err)
{
	static const char *const head[] = {"rev-parse", "HEAD", NULL};
	struct claw_git_result res;
	char abuf[4][AUTHOR_MAX];
	const char *author[5];
	struct wt_env e;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	memset(start, 0, sizeof *start);
	out->checkpoints = true;
	out->root = realpath(folder, NULL);
	if (out->root == NULL)
		return claw_error_set(err, CLAW_ENOTFOUND, "the project folder %s is gone", folder);
	out->workdir = claw_xstrdup(out->root);
	out->branch = claw_xasprintf("claw/issue-%lld-run-%lld", (long long)issue, (long long)run);
	rc = checkpoint_dirs(out, home, key, run, err);
	if (rc == CLAW_OK)
		rc = leave_out_big(out, start->left_out, sizeof start->left_out, err);
	static const char *const add_all[] = {"add", "-A", NULL};
	if (rc == CLAW_OK)
		rc = claw_git_ok(out->root, add_all, wt_env(out, &e, NULL), &res, err);
	if (rc != CLAW_OK)
		goto out;
	claw_git_result_free(&res);
	char *msg = claw_xasprintf("run %lld: the folder at its start", (long long)run);
	author_env(CLAW_GIT_AUTHOR, abuf, author);
	const char *const commit[] = {"commit", "--quiet", "--no-verify", "--allow-empty",
				      "-m",     msg,       NULL};
	rc = claw_git_ok(out->root, commit, wt_env(out, &e, author), &res, err);
	free(msg);
	if (rc != CLAW_OK)
		goto out;
	claw_git_result_free(&res);
	rc = git_line(out->root, head, wt_env(out, &e, NULL), out->base, sizeof out->base, err);
	if (rc == CLAW_OK)
		(void)snprintf(start->sha, sizeof start->sha, "%s", out->base);
out:
	if (rc != CLAW_OK && out->gitdir != NULL) /* a retry starts afresh */
		(void)drop_checkpoints(out, NULL);
	if (rc != CLAW_OK)
		claw_worktree_free(out);
	return rc;
}

enum claw_err
claw_checkpoint_outside(const struct claw_worktree *wt, struct claw_buf *out,
			struct claw_error *err)
{
	static const char *const differ[] = {"diff",         "--cached", "--name-only", "-z",
					     "--no-renames", "HEAD",     NULL};
	char *index = NULL, *env_entry = NULL;
	char big[1024];
	struct claw_git_result res;
	struct wt_env e;
	enum claw_err rc = leave_out_big(wt, big, sizeof big, err);

	if (rc == CLAW_OK)
		rc = snapshot_index(wt, &index, &env_entry, err);
	if (rc != CLAW_OK)
		return rc;
	const char *const extra[] = {env_entry, NULL};
	rc = claw_git_ok(wt->root, differ, wt_env(wt, &e, extra), &res, err);
	if (rc == CLAW_OK) {
		for (const char *p = res.out, *end = res.out + res.len; p < end && *p != '\0';
		     p += strlen(p) + 1)
			(void)claw_buf_printf(out, "%s%s", claw_buf_len(out) != 0 ? ", " : "", p);
		claw_git_result_free(&res);
	}
	drop_index(&index, &env_entry);
	return rc;
}

/* Removes folder/path and then its folders that became empty, up to the
 * project folder. */
static void
remove_created(const char *folder, const char *path)
{
	char full[PATH_MAX];
	int n = snprintf(full, sizeof full, "%s/%s", folder, path);
	size_t top = strlen(folder);

	if (n < 0 || (size_t)n >= sizeof full || unlink(full) != 0)
		return;
	for (char *slash = strrchr(full, '/'); slash != NULL && (size_t)(slash - full) > top;
	     slash = strrchr(full, '/')) {
		*slash = '\0';
		if (rmdir(full) != 0)
			break;
	}
}

/* git checkout BASE -- the paths in list (count n, at most 48 at once). */
static enum claw_err
restore(const struct claw_worktree *wt, const char **list, size_t n, struct claw_error *err)
{
	const char *args[CLAW_GIT_ARGS_MAX];
	static const char *const lit[] = {"GIT_LITERAL_PATHSPECS=1", NULL};
	struct claw_git_result res;
	struct wt_env e;
	size_t k = 0;

	args[k++] = "checkout";
	args[k++] = wt->base;
	args[k++] = "--";
	for (size_t i = 0; i < n; i++)
		args[k++] = list[i];
	args[k] = NULL;
	enum claw_err rc = claw_git_ok(wt->root, args, wt_env(wt, &e, lit), &res, err);
	if (rc == CLAW_OK)
		claw_git_result_free(&res);
	return rc;
}

enum claw_err
claw_checkpoint_revert(const struct claw_worktree *wt, struct claw_error *err)
{
	const char *const changed[] = {"diff",   "--name-status", "-z", "--no-renames",
				       wt->base, "HEAD",          NULL};
	const char *batch[48];
	size_t nb = 0;
	struct claw_git_result res;
	struct wt_env e;
	enum claw_err rc = claw_git_ok(wt->root, changed, wt_env(wt, &e, NULL), &res, err);

	if (rc != CLAW_OK)
		return rc;
	for (const char *p = res.out, *end = res.out + res.len; rc == CLAW_OK && p < end;) {
		char st = *p;
		p += strlen(p) + 1;
		if (p >= end)
			break;
		const char *path = p;
		p += strlen(p) + 1;
		if (st == 'A') {
			remove_created(wt->root, path);
			continue;
		}
		batch[nb++] = path;
		if (nb == sizeof batch / sizeof batch[0]) {
			rc = restore(wt, batch, nb, err);
			nb = 0;
		}
	}
	if (rc == CLAW_OK && nb > 0)
		rc = restore(wt, batch, nb, err);
	claw_git_result_free(&res);
	return rc;
}

/* nftw: removes one entry (children first). */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* The run's checkpoints go: its branch and its git folder (the objects
 * stay in the private repository until a git gc). */
static enum claw_err
drop_checkpoints(const struct claw_worktree *wt, struct claw_error *err)
{
	char ref[512];
	struct claw_git_result res;
	struct stat st;
	(void)snprintf(ref, sizeof ref, "refs/heads/%s", wt->branch);
	const char *const del[] = {"update-ref", "-d", ref, NULL};
	static const char *const prune[] = {"prune", "--expire=1.hour.ago", NULL};
	enum claw_err rc = claw_git_ok(wt->repo, del, NULL, &res, err);

	if (rc == CLAW_OK)
		claw_git_result_free(&res);
	if (rc == CLAW_OK && lstat(wt->gitdir, &st) == 0 &&
	    nftw(wt->gitdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		rc = claw_error_set(err, CLAW_EIO, "cannot remove %s", wt->gitdir);
	if (rc != CLAW_OK)
		return rc;
	/* What only this run's checkpoints held goes with them: objects no
	 * branch or run reaches, once over an hour old (a younger one may be
	 * another run's checkpoint being written, not referenced yet).  A
	 * prune that fails only leaves them. */
	struct claw_error why = {0};
	if (claw_git_ok(wt->repo, prune, NULL, &res, &why) == CLAW_OK)
		claw_git_result_free(&res);
	else
		claw_log_warn("checkpoints of %s kept: %s", wt->branch, claw_error_text(&why));
	return CLAW_OK;
}
