/*
 * cgroup — per-command pids and memory cgroups.  See cgroup.h.
 *
 * Locating a controller: /proc/self/mountinfo gives the mount point of the
 * v1 hierarchy whose super options include its name (or of cgroup2), and
 * /proc/self/cgroup gives claw's own cgroup path in it; the base is the
 * mount point joined with that path (made relative to the mount's root).
 * Found once per controller, under pthread_once.  In v1 the two
 * controllers are two hierarchies, so a command joins two cgroups; in v2
 * one cgroup carries both when the base's subtree_control lists both.
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

#define FILE_MAX (4 << 20) /* /proc/self/mountinfo (big on container hosts), cgroup files */
#define KILL_ROUNDS 100    /* tries at emptying a cgroup (10 ms apart) */

/* One cgroup of a command: one per hierarchy its controllers live in. */
struct member {
	const char *base; /* the where's dir it was made under (static) */
	char *dir;
	int procs_fd;
	bool v2;
};

struct claw_cgroup {
	struct member m[CLAW_CGROUP_FDS_MAX];
	size_t n;
	struct member *pids;   /* the member limiting processes, or NULL */
	struct member *memory; /* the member limiting memory, or NULL */
};

/* Where a controller's cgroups are made: located once per process. */
struct where {
	char dir[PATH_MAX]; /* "" when nowhere */
	bool v2;
};

static pthread_once_t locate_once = PTHREAD_ONCE_INIT;
static struct where where_pids, where_memory;
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

/* Finds the mount point and root of the v1 hierarchy of controller, or of
 * cgroup2. */
static bool
find_mount(const char *controller, bool v2, char *mnt, size_t mnt_size, char *root,
	   size_t root_size)
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
			   has_option(field(tail, 2), controller)))
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

/* claw's own cgroup path in controller's v1 hierarchy or the unified one. */
static bool
own_path(const char *controller, bool v2, char *out, size_t size)
{
	char *text = slurp("/proc/self/cgroup");
	struct claw_str rest = claw_str_from(text);
	bool found = false;

	while (!found && rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		claw_str_cut(&line, ':'); /* hierarchy id */
		struct claw_str ctrls = claw_str_cut(&line, ':');
		if (v2 ? ctrls.n != 0 : !has_option(ctrls, controller))
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

/* A directory under which a new cgroup gets controller: any writable one
 * of its v1 hierarchy; in v2 a writable one whose cgroup.subtree_control
 * lists it. */
static bool
usable(const char *controller, const char *dir, bool v2)
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
		ok = claw_str_eq_cstr(claw_str_cut(&rest, ' '), controller);
	free(text);
	free(path);
	return ok;
}

/* Tries claw's own cgroup, then the root of the hierarchy (where v2's
 * rule against processes in inner cgroups does not apply, so root can
 * usually make one there even when claw's own cgroup cannot have
 * children with controllers). */
static bool
try_locate(const char *controller, bool v2, struct where *w)
{
	char mnt[PATH_MAX], root[PATH_MAX], path[PATH_MAX];

	w->dir[0] = '\0';
	if (!find_mount(controller, v2, mnt, sizeof mnt, root, sizeof root) ||
	    !own_path(controller, v2, path, sizeof path))
		return false;
	/* The path is relative to the cgroup namespace; the mount shows
	 * root's part of it.  Strip root when it is a prefix. */
	const char *rel = path;
	size_t rl = strlen(root);
	if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
		rel = path + rl;
	int n = snprintf(w->dir, sizeof w->dir, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
	w->v2 = v2;
	if (n > 0 && (size_t)n < sizeof w->dir && usable(controller, w->dir, v2))
		return true;
	if (usable(controller, mnt, v2)) {
		(void)snprintf(w->dir, sizeof w->dir, "%s", mnt);
		return true;
	}
	w->dir[0] = '\0';
	return false;
}

static void
locate(void)
{
	if (!try_locate("pids", false, &where_pids))
		(void)try_locate("pids", true, &where_pids);
	if (!try_locate("memory", false, &where_memory))
		(void)try_locate("memory", true, &where_memory);
	if (where_pids.v2 && where_memory.v2 && where_pids.dir[0] != '\0' &&
	    where_memory.dir[0] != '\0' && strcmp(where_pids.dir, where_memory.dir) != 0)
		claw_log_warn("sandbox: cgroup v2 has pids under %s but memory only under %s: "
			      "a command can be in one, so only pids is limited",
			      where_pids.dir, where_memory.dir);
	claw_log_debug("sandbox: pids cgroups %s%s, memory cgroups %s%s",
		       where_pids.dir[0] != '\0' ? "under " : "unavailable", where_pids.dir,
		       where_memory.dir[0] != '\0' ? "under " : "unavailable", where_memory.dir);
}

const char *
claw_cgroup_base(void)
{
	(void)pthread_once(&locate_once, locate);
	return where_pids.dir;
}

const char *
claw_cgroup_memory_base(void)
{
	(void)pthread_once(&locate_once, locate);
	return where_memory.dir;
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

/* The member of cg made under w, making it when it is new.  NULL with err
 * set when the cgroup cannot be made. */
static struct member *
member_at(struct claw_cgroup *cg, const struct where *w, struct claw_error *err)
{
	char e[128];
	unsigned n = atomic_fetch_add(&serial, 1);

	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->m[i].base, w->dir) == 0)
			return &cg->m[i]; /* v2: one cgroup holds both controllers */
	struct member *m = &cg->m[cg->n];
	m->base = w->dir;
	m->procs_fd = -1;
	m->v2 = w->v2;
	m->dir = claw_xasprintf("%s/claw-%ld-%u", w->dir, (long)getpid(), n);
	if (mkdir(m->dir, 0755) != 0) {
		(void)claw_error_set(err, CLAW_ENOTFOUND, "cannot create cgroup %s: %s", m->dir,
				     claw_errno_text(errno, e, sizeof e));
		free(m->dir);
		m->dir = NULL;
		return NULL;
	}
	cg->n++;
	char *procs = claw_xasprintf("%s/cgroup.procs", m->dir);
	m->procs_fd = open(procs, O_WRONLY | O_CLOEXEC);
	free(procs);
	if (m->procs_fd < 0) {
		(void)claw_error_set(err, CLAW_ENOTFOUND, "cannot open cgroup.procs in %s: %s",
				     m->dir, claw_errno_text(errno, e, sizeof e));
		return NULL;
	}
	return m;
}

/* Sets name to value in m; false with err set when the kernel refuses. */
static bool
set_limit(const struct member *m, const char *name, uint64_t value, struct claw_error *err)
{
	char text[32], e[128];
	(void)snprintf(text, sizeof text, "%llu", (unsigned long long)value);
	if (write_file(m->dir, name, text))
		return true;
	(void)claw_error_set(err, CLAW_ENOTFOUND, "cannot set %s in %s: %s", name, m->dir,
			     claw_errno_text(errno, e, sizeof e));
	return false;
}

/* The pids member of cg, limited to pids_max; NULL (err set) on failure. */
static struct member *
make_pids(struct claw_cgroup *cg, int64_t pids_max, struct claw_error *err)
{
	struct member *m = member_at(cg, &where_pids, err);
	if (m == NULL || !set_limit(m, "pids.max", (uint64_t)pids_max, err))
		return NULL;
	return m;
}

/* The memory member of cg, limited to bytes (swap included where the
 * kernel accounts it, so a command cannot page its way past the limit);
 * NULL (err set) on failure. */
static struct member *
make_memory(struct claw_cgroup *cg, uint64_t bytes, struct claw_error *err)
{
	struct member *m = member_at(cg, &where_memory, err);
	if (m == NULL)
		return NULL;
	if (m->v2) {
		if (!set_limit(m, "memory.max", bytes, err))
			return NULL;
		(void)write_file(m->dir, "memory.swap.max", "0");
		return m;
	}
	if (!set_limit(m, "memory.limit_in_bytes", bytes, err))
		return NULL;
	(void)set_limit(m, "memory.memsw.limit_in_bytes", bytes, NULL);
	return m;
}

enum claw_err
claw_cgroup_create(const struct claw_cgroup_limits *lim, struct claw_cgroup **out,
		   struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_cgroup *cg = CLAW_NEW(struct claw_cgroup);
	struct claw_error why = {0};

	(void)pthread_once(&locate_once, locate);
	/* In v2 a process is in one cgroup: two different folders would move
	 * it out of the first when it joins the second. */
	bool split =
		where_pids.v2 && where_memory.v2 && strcmp(where_pids.dir, where_memory.dir) != 0;
	if (lim->pids_max > 0 && where_pids.dir[0] != '\0')
		cg->pids = make_pids(cg, lim->pids_max, &why);
	if (lim->memory_bytes > 0 && where_memory.dir[0] != '\0' && !(split && cg->pids != NULL))
		cg->memory = make_memory(cg, lim->memory_bytes, &why);
	if (cg->pids == NULL && cg->memory == NULL) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "%s",
				    why.code != CLAW_OK ? claw_error_text(&why)
							: "no writable pids or memory cgroup here");
		goto out;
	}
	*out = cg;
	cg = NULL;
out:
	claw_cgroup_destroy(cg);
	return rc;
}

size_t
claw_cgroup_procs_fds(const struct claw_cgroup *cg, int *fds)
{
	size_t n = 0;
	for (size_t i = 0; i < cg->n; i++) /* not one whose limit failed */
		if (&cg->m[i] == cg->pids || &cg->m[i] == cg->memory)
			fds[n++] = cg->m[i].procs_fd;
	return n;
}

bool
claw_cgroup_limits_pids(const struct claw_cgroup *cg)
{
	return cg->pids != NULL;
}

bool
claw_cgroup_limits_memory(const struct claw_cgroup *cg)
{
	return cg->memory != NULL;
}

/* The number after "key " on a line of dir/name, or -1. */
static int64_t
read_key(const char *dir, const char *name, const char *key)
{
	char *path = claw_xasprintf("%s/%s", dir, name);
	char *text = slurp(path);
	struct claw_str rest = claw_str_from(text);
	int64_t v = -1;

	free(path);
	while (v < 0 && rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		struct claw_str k = claw_str_cut(&line, ' ');
		if (claw_str_eq_cstr(k, key) &&
		    claw_str_to_i64(claw_str_trim(line), 0, INT64_MAX, &v) != CLAW_OK)
			v = -1;
	}
	free(text);
	return v;
}

int64_t
claw_cgroup_oom_kills(const struct claw_cgroup *cg)
{
	if (cg->memory == NULL)
		return -1;
	return read_key(cg->memory->dir, cg->memory->v2 ? "memory.events" : "memory.oom_control",
			"oom_kill");
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

/* Empties and removes one member; never fails (a cgroup that will not go
 * is logged and left). */
static void
member_destroy(struct member *m)
{
	if (m->procs_fd >= 0)
		(void)close(m->procs_fd);
	if (m->dir == NULL)
		return;
	if (m->v2)
		(void)write_file(m->dir, "cgroup.kill", "1");
	bool gone = false;
	for (int i = 0; i < KILL_ROUNDS && !gone; i++) {
		(void)kill_members(m->dir);
		gone = rmdir(m->dir) == 0 || errno == ENOENT;
		if (!gone)
			claw_clock_sleep_ms(10);
	}
	if (!gone)
		claw_log_warn("sandbox: cannot remove cgroup %s", m->dir);
	free(m->dir);
}

void
claw_cgroup_destroy(struct claw_cgroup *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->n; i++)
		member_destroy(&cg->m[i]);
	free(cg);
}
