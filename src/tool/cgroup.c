/*
 * cgroup — per-command pids cgroups.  See cgroup.h.
 *
 * Locating the controller: /proc/self/mountinfo gives the mount point of
 * the v1 hierarchy whose super options include "pids" (or of cgroup2), and
 * /proc/self/cgroup gives claw's own cgroup path in it; the base is the
 * mount point joined with that path (made relative to the mount's root).
 * Found once, under pthread_once.
 */
#include "tool/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"

#define FILE_MAX (64 * 1024) /* /proc/self/mountinfo, cgroup.procs */
#define KILL_ROUNDS 100      /* tries at emptying a cgroup (10 ms apart) */

struct claw_cgroup {
	char *dir;
	int procs_fd;
	bool v2;
};

static pthread_once_t locate_once = PTHREAD_ONCE_INIT;
static char base_dir[PATH_MAX]; /* "" when none */
static bool base_v2;
static atomic_uint serial;

/* Reads a small file into a fresh NUL-terminated string; NULL on failure. */
static char *
slurp(const char *path)
{
	struct claw_buf b = CLAW_BUF_INIT(FILE_MAX);
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		(void)claw_buf_append(&b, chunk, (size_t)r);
	}
	(void)close(fd);
	if (claw_buf_error(&b) != CLAW_OK) {
		claw_buf_free(&b);
		return NULL;
	}
	return claw_buf_steal(&b);
}

/* The n-th space-separated field of line (0-based). */
static struct claw_str
field(struct claw_str line, int n)
{
	struct claw_str f = {NULL, 0};
	for (int i = 0; i <= n; i++)
		f = claw_str_cut(&line, ' ');
	return f;
}

static bool
has_option(struct claw_str opts, const char *name)
{
	while (opts.n > 0) {
		struct claw_str o = claw_str_cut(&opts, ',');
		if (claw_str_eq_cstr(o, name))
			return true;
	}
	return false;
}

/* Finds the mount point and root of the pids hierarchy (v1) or cgroup2. */
static bool
find_mount(bool v2, char *mnt, size_t mnt_size, char *root, size_t root_size)
{
	char *text = slurp("/proc/self/mountinfo");
	struct claw_str rest = claw_str_from(text);
	bool found = false;

	while (!found && rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		/* Fields after " - ": fstype source superoptions. */
		const char *dash = NULL;
		for (size_t i = 0; i + 3 <= line.n && dash == NULL; i++)
			if (memcmp(line.p + i, " - ", 3) == 0)
				dash = line.p + i + 3;
		if (dash == NULL || memchr(line.p, '\\', line.n) != NULL)
			continue; /* escaped paths: not worth decoding */
		struct claw_str tail = {dash, line.n - (size_t)(dash - line.p)};
		struct claw_str fstype = field(tail, 0);
		if (v2 ? !claw_str_eq_cstr(fstype, "cgroup2")
		       : !(claw_str_eq_cstr(fstype, "cgroup") &&
			   has_option(field(tail, 2), "pids")))
			continue;
		struct claw_str r = field(line, 3), m = field(line, 4);
		if (m.n + 1 > mnt_size || r.n + 1 > root_size)
			continue;
		memcpy(mnt, m.p, m.n);
		mnt[m.n] = '\0';
		memcpy(root, r.p, r.n);
		root[r.n] = '\0';
		found = true;
	}
	free(text);
	return found;
}

/* claw's own cgroup path in the pids hierarchy (v1) or the unified one. */
static bool
own_path(bool v2, char *out, size_t size)
{
	char *text = slurp("/proc/self/cgroup");
	struct claw_str rest = claw_str_from(text);
	bool found = false;

	while (!found && rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		claw_str_cut(&line, ':'); /* hierarchy id */
		struct claw_str ctrls = claw_str_cut(&line, ':');
		if (v2 ? ctrls.n != 0 : !has_option(ctrls, "pids"))
			continue;
		if (line.n + 1 > size)
			continue;
		memcpy(out, line.p, line.n);
		out[line.n] = '\0';
		found = true;
	}
	free(text);
	return found;
}

/* A directory under which a new cgroup gets a pids controller: any
 * writable one of the v1 pids hierarchy; in v2 a writable one whose
 * cgroup.subtree_control lists pids. */
static bool
usable(const char *dir, bool v2)
{
	bool ok = false;

	if (access(dir, W_OK) != 0)
		return false;
	if (!v2)
		return true;
	char *path = claw_xasprintf("%s/cgroup.subtree_control", dir);
	char *text = slurp(path);
	struct claw_str rest = claw_str_trim(claw_str_from(text));
	while (!ok && rest.n > 0)
		ok = claw_str_eq_cstr(claw_str_cut(&rest, ' '), "pids");
	free(text);
	free(path);
	return ok;
}

/* Tries claw's own cgroup, then the root of the hierarchy (where v2's
 * rule against processes in inner cgroups does not apply, so root can
 * usually make one there even when claw's own cgroup cannot have
 * children with controllers). */
static bool
try_locate(bool v2)
{
	char mnt[PATH_MAX], root[PATH_MAX], path[PATH_MAX];

	if (!find_mount(v2, mnt, sizeof mnt, root, sizeof root) || !own_path(v2, path, sizeof path))
		return false;
	/* The path is relative to the cgroup namespace; the mount shows
	 * root's part of it.  Strip root when it is a prefix. */
	const char *rel = path;
	size_t rl = strlen(root);
	if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
		rel = path + rl;
	int n = snprintf(base_dir, sizeof base_dir, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
	if (n > 0 && (size_t)n < sizeof base_dir && usable(base_dir, v2)) {
		base_v2 = v2;
		return true;
	}
	if (usable(mnt, v2)) {
		(void)snprintf(base_dir, sizeof base_dir, "%s", mnt);
		base_v2 = v2;
		return true;
	}
	base_dir[0] = '\0';
	return false;
}

static void
locate(void)
{
	if (!try_locate(false) && !try_locate(true))
		base_dir[0] = '\0';
	claw_log_debug("sandbox: pids cgroups %s%s", base_dir[0] != '\0' ? "under " : "unavailable",
		       base_dir);
}

const char *
claw_cgroup_base(void)
{
	(void)pthread_once(&locate_once, locate);
	return base_dir;
}

static bool
write_file(const char *dir, const char *name, const char *value)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return false;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = strlen(value);
	bool ok = write(fd, value, len) == (ssize_t)len;
	(void)close(fd);
	return ok;
}

enum claw_err
claw_cgroup_create(int64_t pids_max, struct claw_cgroup **out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_cgroup *cg = NULL;
	char value[32], e[128];
	const char *base = claw_cgroup_base();

	if (base[0] == '\0') {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "no writable pids cgroup here");
		goto out;
	}
	cg = CLAW_NEW(struct claw_cgroup);
	cg->procs_fd = -1;
	cg->v2 = base_v2;
	cg->dir = claw_xasprintf("%s/claw-%ld-%u", base, (long)getpid(),
				 atomic_fetch_add(&serial, 1));
	if (mkdir(cg->dir, 0755) != 0) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "cannot create cgroup %s: %s", cg->dir,
				    claw_errno_text(errno, e, sizeof e));
		free(cg->dir);
		cg->dir = NULL;
		goto out;
	}
	(void)snprintf(value, sizeof value, "%lld", (long long)pids_max);
	if (!write_file(cg->dir, "pids.max", value)) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "cannot set pids.max in %s: %s", cg->dir,
				    claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	char *procs = claw_xasprintf("%s/cgroup.procs", cg->dir);
	cg->procs_fd = open(procs, O_WRONLY | O_CLOEXEC);
	free(procs);
	if (cg->procs_fd < 0) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "cannot open cgroup.procs in %s: %s",
				    cg->dir, claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	*out = cg;
	cg = NULL;
out:
	claw_cgroup_destroy(cg);
	return rc;
}

int
claw_cgroup_procs_fd(const struct claw_cgroup *cg)
{
	return cg->procs_fd;
}

int64_t
claw_cgroup_peak(const struct claw_cgroup *cg)
{
	char *path = claw_xasprintf("%s/pids.peak", cg->dir);
	char *text = slurp(path);
	int64_t v = -1;
	free(path);
	if (text != NULL &&
	    claw_str_to_i64(claw_str_trim(claw_str_from(text)), 0, INT64_MAX, &v) != CLAW_OK)
		v = -1;
	free(text);
	return v;
}

/* Kills every pid listed in cgroup.procs; true when it was empty. */
static bool
kill_members(const char *dir)
{
	char *path = claw_xasprintf("%s/cgroup.procs", dir);
	char *text = slurp(path);
	struct claw_str rest = claw_str_from(text);
	bool empty = true;

	while (rest.n > 0) {
		struct claw_str line = claw_str_trim(claw_str_cut(&rest, '\n'));
		int64_t pid;
		if (line.n == 0 || claw_str_to_i64(line, 1, INT32_MAX, &pid) != CLAW_OK)
			continue;
		empty = false;
		(void)kill((pid_t)pid, SIGKILL);
	}
	free(text);
	free(path);
	return empty;
}

void
claw_cgroup_destroy(struct claw_cgroup *cg)
{
	if (cg == NULL)
		return;
	if (cg->procs_fd >= 0)
		(void)close(cg->procs_fd);
	if (cg->dir != NULL) {
		if (cg->v2)
			(void)write_file(cg->dir, "cgroup.kill", "1");
		bool gone = false;
		for (int i = 0; i < KILL_ROUNDS && !gone; i++) {
			(void)kill_members(cg->dir);
			gone = rmdir(cg->dir) == 0 || errno == ENOENT;
			if (!gone)
				claw_clock_sleep_ms(10);
		}
		if (!gone)
			claw_log_warn("sandbox: cannot remove cgroup %s", cg->dir);
		free(cg->dir);
	}
	free(cg);
}
