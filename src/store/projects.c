/*
 * projects — project keys, registration, resolution and the registry.
 *
 * The registry is the directory $home/projects itself: a project is
 * registered when <key>.db exists there and holds its project row.  There is
 * no index file to keep in step, so listing is a directory scan and
 * resolution is a stat per ancestor folder.
 *
 * Registration builds the db under a temporary dot-name and publishes it
 * with link(2), which fails when the final name exists: the publication is
 * atomic and never clobbers, and a reader never opens a db that has no
 * project row yet.
 *
 * Threads: no shared state besides an atomic counter for temporary names.
 */
#include "store/projects.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"

#define PROJECTS_DIR_MODE 0700
#define PROJECTS_MKDIR_MAX 64 /* directories one registration may create */

static atomic_uint tmp_counter;

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

enum claw_err
claw_project_key(const char *realpath, char *out, size_t size, struct claw_error *err)
{
	size_t n = 0;
	bool sep = false;

	if (size != 0)
		out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)realpath; *p != '\0'; p++) {
		if (!is_alnum(*p)) {
			sep = true;
			continue;
		}
		/* One '-' per run of separators, never leading (trailing ones are
		 * never written because a '-' is only emitted before a character). */
		if (sep && n > 0) {
			if (n + 1 < size)
				out[n] = '-';
			n++;
		}
		sep = false;
		if (n + 1 < size)
			out[n] = (char)*p;
		n++;
	}
	if (n == 0)
		return claw_error_set(err, CLAW_EINVAL,
				      "%s cannot be a project: its key would be empty", realpath);
	if (n > CLAW_PROJECT_KEY_MAX || n + 1 > size) {
		if (size != 0)
			out[0] = '\0';
		return claw_error_set(
			err, CLAW_EINVAL,
			"path too long for a project key (%zu characters, at most %d): "
			"%s",
			n, CLAW_PROJECT_KEY_MAX, realpath);
	}
	out[n] = '\0';
	return CLAW_OK;
}

bool
claw_project_key_valid(const char *key)
{
	size_t n = 0;

	if (key == NULL)
		return false;
	for (; key[n] != '\0'; n++) {
		if (n >= CLAW_PROJECT_KEY_MAX)
			return false;
		if (!is_alnum((unsigned char)key[n]) && key[n] != '-')
			return false;
	}
	return n > 0;
}

char *
claw_project_dir(const char *home)
{
	return claw_xasprintf("%s/projects", home);
}

char *
claw_project_db_path(const char *home, const char *key)
{
	return claw_xasprintf("%s/projects/%s.db", home, key);
}

void
claw_project_free(struct claw_project *p)
{
	if (p == NULL)
		return;
	free(p->key);
	free(p->name);
	free(p->path);
	free(p->description);
	free(p->db_path);
	free(p->setup);
	memset(p, 0, sizeof *p);
}

void
claw_project_list_free(struct claw_project *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		claw_project_free(&list[i]);
	free(list);
}

/* The real path of dir, which must be an existing directory.  *out: caller
 * frees.  Messages quote dir as the person gave it. */
static enum claw_err
real_dir(const char *dir, char **out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char eb[128];
	struct stat sb;
	char *real = NULL;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0') {
		rc = claw_error_set(err, CLAW_EINVAL, "no directory given");
		goto out;
	}
	real = realpath(dir, NULL);
	if (real == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = claw_error_set(err, CLAW_EINVAL, "no such directory: %s", dir);
		else
			rc = claw_error_set(err, CLAW_EIO, "cannot resolve %s: %s", dir,
					    claw_errno_text(errno, eb, sizeof eb));
		goto out;
	}
	if (stat(real, &sb) != 0) {
		rc = claw_error_set(err, CLAW_EIO, "cannot stat %s: %s", dir,
				    claw_errno_text(errno, eb, sizeof eb));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		rc = claw_error_set(err, CLAW_EINVAL, "not a directory: %s", dir);
		goto out;
	}
	*out = real;
	real = NULL;
out:
	free(real);
	return rc;
}

/* Refuses a folder inside claw's home (or the home itself): its sandbox
 * would bind the home read-write and hand every project's db and secrets to
 * its commands.  A home that does not exist yet holds no folder. */
static enum claw_err
check_outside_home(const char *home, const char *real, struct claw_error *err)
{
	char *rhome = realpath(home, NULL);
	enum claw_err rc = CLAW_OK;

	if (rhome != NULL && claw_str_path_within(real, rhome))
		rc = claw_error_set(err, CLAW_EINVAL,
				    "%s is inside claw's home %s, where the databases and "
				    "secrets live; register a folder outside it",
				    real, rhome);
	free(rhome);
	return rc;
}

/* Directories made by mkdir_p, to be removed again when registration fails. */
struct made_dirs {
	char *v[PROJECTS_MKDIR_MAX];
	size_t n;
};

static void
made_dirs_undo(struct made_dirs *m, bool remove)
{
	while (m->n > 0) {
		char *d = m->v[--m->n];
		if (remove)
			(void)rmdir(d);
		free(d);
	}
}

/* mkdir -p with mode for every directory it creates, recorded in made. */
static enum claw_err
mkdir_p(const char *path, struct made_dirs *made, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char eb[128];
	char *p = claw_xstrdup(path);
	size_t len = strlen(p);

	for (size_t i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char saved = p[i];
		p[i] = '\0';
		if (mkdir(p, PROJECTS_DIR_MODE) == 0) {
			if (made->n == PROJECTS_MKDIR_MAX) {
				rc = claw_error_set(err, CLAW_EIO,
						    "too many directories to create: %s", path);
				(void)rmdir(p);
				goto out;
			}
			made->v[made->n++] = claw_xstrdup(p);
		} else if (errno == EEXIST) {
			struct stat sb;
			if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
				rc = claw_error_set(err, CLAW_EIO,
						    "cannot create %s: %s is not a "
						    "directory",
						    path, p);
				goto out;
			}
		} else {
			rc = claw_error_set(err, CLAW_EIO, "cannot create %s: %s", p,
					    claw_errno_text(errno, eb, sizeof eb));
			goto out;
		}
		p[i] = saved;
	}
out:
	free(p);
	return rc;
}

static const char *const isolation_names[] = {
	[CLAW_ISOLATION_INPLACE] = "inplace",
	[CLAW_ISOLATION_WORKTREE] = "worktree",
};
_Static_assert(sizeof isolation_names / sizeof isolation_names[0] == CLAW_ISOLATION_COUNT,
	       "every isolation needs a name");

const char *
claw_isolation_name(enum claw_isolation i)
{
	return claw_str_name(isolation_names, CLAW_ISOLATION_COUNT, (unsigned)i, "inplace");
}

enum claw_err
claw_isolation_parse(const char *name, enum claw_isolation *out, struct claw_error *err)
{
	int i = claw_str_lookup(isolation_names, CLAW_ISOLATION_COUNT, name);
	if (i < 0)
		return claw_error_set(err, CLAW_EINVAL,
				      "isolation must be worktree or inplace, got %s",
				      name != NULL ? name : "nothing");
	*out = (enum claw_isolation)i;
	return CLAW_OK;
}

/* A setup command: one line of UTF-8, at most CLAW_PROJECT_SETUP_MAX. */
static enum claw_err
check_setup(const char *s, struct claw_error *err)
{
	if (s == NULL)
		return CLAW_OK;
	size_t n = strlen(s);
	if (n > CLAW_PROJECT_SETUP_MAX)
		return claw_error_set(err, CLAW_EINVAL, "setup is longer than %d bytes",
				      CLAW_PROJECT_SETUP_MAX);
	if (!claw_str_utf8_valid(s, n) || strpbrk(s, "\n\r") != NULL)
		return claw_error_set(err, CLAW_EINVAL, "setup must be one line of UTF-8 text");
	return CLAW_OK;
}

static enum claw_err
check_description(const char *d, struct claw_error *err)
{
	size_t n = d != NULL ? strlen(d) : 0;

	if (n > CLAW_PROJECT_DESCRIPTION_MAX)
		return claw_error_set(err, CLAW_EINVAL, "description is longer than %d bytes",
				      CLAW_PROJECT_DESCRIPTION_MAX);
	if (!claw_str_utf8_valid(d != NULL ? d : "", n))
		return claw_error_set(err, CLAW_EINVAL, "description is not valid UTF-8");
	return CLAW_OK;
}

enum claw_err
claw_project_load_db(struct claw_db *db, struct claw_project *out, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;
	int s;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(db,
			  "SELECT id, name, path, description, created_at, isolation, setup,"
			  " setup_net FROM project"
			  " ORDER BY rowid LIMIT 1",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "no project row in %s", claw_db_path(db));
		goto out;
	}
	if (s != SQLITE_ROW) {
		rc = claw_db_fail(db, "load the project", err);
		goto out;
	}
	out->key = claw_db_column_dup(st, 0);
	out->name = claw_db_column_dup(st, 1);
	out->path = claw_db_column_dup(st, 2);
	out->description = claw_db_column_dup(st, 3);
	out->created_at = sqlite3_column_int64(st, 4);
	const char *iso = (const char *)sqlite3_column_text(st, 5);
	int i = claw_str_lookup(isolation_names, CLAW_ISOLATION_COUNT, iso);
	out->isolation = i < 0 ? CLAW_ISOLATION_INPLACE : (enum claw_isolation)i;
	out->setup = claw_db_column_dup(st, 6);
	out->setup_net = sqlite3_column_int(st, 7) != 0;
	out->db_path = claw_xstrdup(claw_db_path(db));
out:
	claw_db_finish(st);
	return rc;
}

/* Opens the db at path and loads its project row. */
static enum claw_err
load_path(const char *path, struct claw_project *out, struct claw_error *err)
{
	enum claw_err rc;
	struct claw_db *db = NULL;

	memset(out, 0, sizeof *out);
	rc = claw_db_open(path, CLAW_DB_OPEN, &db, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_project_load_db(db, out, err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_close(db);
	return rc;
}

/* The CLAW_EEXIST error for a db that already exists at db_path. */
static enum claw_err
already_registered(const char *db_path, const char *key, const char *real, struct claw_error *err)
{
	struct claw_project other;

	if (load_path(db_path, &other, NULL) == CLAW_OK && other.path != NULL &&
	    strcmp(other.path, real) != 0) {
		claw_error_set(err, CLAW_EEXIST, "project key %s is already used by %s (db: %s)",
			       key, other.path, db_path);
		claw_project_free(&other);
		return CLAW_EEXIST;
	}
	claw_project_free(&other);
	return claw_error_set(err, CLAW_EEXIST, "already registered: %s (db: %s)", real, db_path);
}

static enum claw_err
insert_project(struct claw_db *db, const struct claw_project *p, struct claw_error *err)
{
	enum claw_err rc;
	sqlite3_stmt *st = NULL;

	rc = claw_db_stmt(db,
			  "INSERT INTO project (id, name, path, description, created_at, isolation,"
			  " setup, setup_net) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			  &st, err);
	if (rc != CLAW_OK)
		goto out;
	claw_db_bind_text(st, 1, p->key);
	claw_db_bind_text(st, 2, p->name);
	claw_db_bind_text(st, 3, p->path);
	claw_db_bind_text(st, 4, p->description);
	sqlite3_bind_int64(st, 5, p->created_at);
	claw_db_bind_text(st, 6, claw_isolation_name(p->isolation));
	claw_db_bind_text(st, 7, p->setup);
	sqlite3_bind_int(st, 8, p->setup_net);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = claw_db_fail(db, "store the project row", err);
		goto out;
	}
	/* Fold the WAL into the file so the db is complete on its own before it
	 * is published under its final name. */
	rc = claw_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
	if (rc != CLAW_OK)
		goto out;
out:
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_project_register(const char *home, const char *dir,
		      const struct claw_project_settings *settings, struct claw_project *out,
		      struct claw_error *err)
{
	enum claw_err rc;
	char eb[128];
	char key[CLAW_PROJECT_KEY_SIZE];
	char *real = NULL;
	char *pdir = NULL;
	char *tmp_path = NULL;
	struct claw_db *db = NULL;
	struct made_dirs made = {.n = 0};
	struct stat sb;
	struct claw_project p = {0};
	const struct claw_project_settings none = CLAW_PROJECT_SETTINGS_NONE;
	const struct claw_project_settings *set = settings != NULL ? settings : &none;
	const char *description = set->description;

	memset(out, 0, sizeof *out);
	rc = real_dir(dir, &real, err);
	if (rc != CLAW_OK)
		goto out;
	rc = check_outside_home(home, real, err);
	if (rc != CLAW_OK)
		goto out;
	rc = check_description(description, err);
	if (rc == CLAW_OK)
		rc = check_setup(set->setup, err);
	if (rc != CLAW_OK)
		goto out;
	rc = claw_project_key(real, key, sizeof key, err);
	if (rc != CLAW_OK)
		goto out;
	p.key = claw_xstrdup(key);
	p.path = real;
	real = NULL;
	p.name = claw_xstrdup(strrchr(p.path, '/') + 1);
	p.description = claw_xstrdup(description != NULL ? description : "");
	p.isolation = set->isolation == CLAW_ISOLATION_WORKTREE ? CLAW_ISOLATION_WORKTREE
								: CLAW_ISOLATION_INPLACE;
	p.setup = claw_xstrdup(set->setup != NULL ? set->setup : "");
	p.setup_net = set->setup_net > 0;
	p.db_path = claw_project_db_path(home, key);
	p.created_at = claw_clock_now_ms();

	pdir = claw_project_dir(home);
	rc = mkdir_p(pdir, &made, err);
	if (rc != CLAW_OK)
		goto out;
	/* Early, friendly check; link() below is the one that counts. */
	if (lstat(p.db_path, &sb) == 0) {
		rc = already_registered(p.db_path, key, p.path, err);
		goto out;
	}
	tmp_path = claw_xasprintf("%s/.%s.db.%ld.%u.tmp", pdir, key, (long)getpid(),
				  atomic_fetch_add(&tmp_counter, 1u));
	rc = claw_db_open(tmp_path, CLAW_DB_CREATE, &db, err);
	if (rc != CLAW_OK) {
		free(tmp_path); /* not ours to remove: it existed, or was never made */
		tmp_path = NULL;
		goto out;
	}
	rc = insert_project(db, &p, err);
	if (rc != CLAW_OK)
		goto out;
	claw_db_close(db);
	db = NULL;
	if (link(tmp_path, p.db_path) != 0) {
		if (errno == EEXIST)
			rc = already_registered(p.db_path, key, p.path, err);
		else
			rc = claw_error_set(err, CLAW_EIO, "cannot create %s: %s", p.db_path,
					    claw_errno_text(errno, eb, sizeof eb));
		goto out;
	}
	*out = p;
	memset(&p, 0, sizeof p);
out:
	claw_db_close(db);
	if (tmp_path != NULL)
		claw_db_unlink(tmp_path); /* after link(), the final name keeps the file */
	made_dirs_undo(&made, rc != CLAW_OK);
	claw_project_free(&p);
	free(tmp_path);
	free(pdir);
	free(real);
	return rc;
}

enum claw_err
claw_project_resolve(const char *home, const char *start_dir, struct claw_project *out,
		     struct claw_error *err)
{
	enum claw_err rc;
	char key[CLAW_PROJECT_KEY_SIZE];
	char *real = NULL;
	char *cur = NULL;
	char *db_path = NULL;
	struct stat sb;

	memset(out, 0, sizeof *out);
	rc = real_dir(start_dir, &real, err);
	if (rc != CLAW_OK)
		goto out;
	cur = claw_xstrdup(real);
	for (;;) {
		if (claw_project_key(cur, key, sizeof key, NULL) == CLAW_OK) {
			free(db_path);
			db_path = claw_project_db_path(home, key);
			if (stat(db_path, &sb) == 0) {
				rc = load_path(db_path, out, err);
				if (rc != CLAW_OK)
					goto out;
				if (strcmp(out->path, cur) == 0)
					goto out;
				/* Another folder with the same key: not this one. */
				claw_project_free(out);
			}
		}
		char *slash = strrchr(cur, '/');
		if (slash == NULL || (slash == cur && cur[1] == '\0'))
			break;
		slash[slash == cur ? 1 : 0] = '\0';
	}
	rc = claw_error_set(err, CLAW_ENOTFOUND,
			    "not inside a registered project: %s (run: claw -c)", real);
out:
	free(db_path);
	free(cur);
	free(real);
	return rc;
}

enum claw_err
claw_project_load(const char *home, const char *key, struct claw_project *out,
		  struct claw_error *err)
{
	enum claw_err rc;
	char *db_path = NULL;
	struct stat sb;

	memset(out, 0, sizeof *out);
	if (!claw_project_key_valid(key)) {
		rc = claw_error_set(err, CLAW_EINVAL, "invalid project key: %.*s%s", 64,
				    key != NULL ? key : "",
				    key != NULL && strlen(key) > 64 ? "..." : "");
		goto out;
	}
	db_path = claw_project_db_path(home, key);
	if (stat(db_path, &sb) != 0) {
		rc = claw_error_set(err, CLAW_ENOTFOUND, "unknown project %s", key);
		goto out;
	}
	rc = load_path(db_path, out, err);
	if (rc != CLAW_OK)
		goto out;
out:
	free(db_path);
	return rc;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct claw_project *)a)->key, ((const struct claw_project *)b)->key);
}

enum claw_err
claw_project_list(const char *home, struct claw_project **out, size_t *n, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char eb[128];
	char *pdir = claw_project_dir(home);
	DIR *d = NULL;
	struct dirent *de;
	struct claw_project *list = NULL;
	size_t len = 0;
	size_t alloc = 0;

	*out = NULL;
	*n = 0;
	d = opendir(pdir);
	if (d == NULL) {
		if (errno != ENOENT)
			rc = claw_error_set(err, CLAW_EIO, "cannot list %s: %s", pdir,
					    claw_errno_text(errno, eb, sizeof eb));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		if (nl <= 3 || strcmp(de->d_name + nl - 3, ".db") != 0)
			continue;
		char key[CLAW_PROJECT_KEY_SIZE + 1];
		if (nl - 3 > CLAW_PROJECT_KEY_MAX)
			continue;
		memcpy(key, de->d_name, nl - 3);
		key[nl - 3] = '\0';
		if (!claw_project_key_valid(key))
			continue;
		char *path = claw_xasprintf("%s/%s", pdir, de->d_name);
		struct claw_project p;
		struct claw_error e;
		claw_error_clear(&e);
		if (load_path(path, &p, &e) != CLAW_OK) {
			claw_log_warn("skipping %s: %s", path, claw_error_text(&e));
			claw_project_free(&p);
			free(path);
			continue;
		}
		free(path);
		if (len == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 8;
			list = claw_xrealloc(list, alloc * sizeof list[0]);
		}
		list[len++] = p;
	}
	if (len > 1)
		qsort(list, len, sizeof list[0], cmp_key);
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
out:
	claw_project_list_free(list, len);
	if (d != NULL)
		(void)closedir(d);
	free(pdir);
	return rc;
}

enum claw_err
claw_project_open_db(const struct claw_project *p, struct claw_db **out, struct claw_error *err)
{
	return claw_db_open(p->db_path, CLAW_DB_OPEN, out, err);
}

enum claw_err
claw_project_update(struct claw_db *db, const struct claw_project_settings *s,
		    struct claw_project *p, struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc = check_description(s->description, err);

	if (rc == CLAW_OK)
		rc = check_setup(s->setup, err);
	if (rc == CLAW_OK && s->isolation >= CLAW_ISOLATION_COUNT)
		rc = claw_error_set(err, CLAW_EINVAL, "unknown isolation %d", s->isolation);
	if (rc == CLAW_OK)
		rc = claw_db_stmt(
			db,
			"UPDATE project SET description = coalesce(?1, description),"
			" isolation = coalesce(?2, isolation), setup = coalesce(?3, setup),"
			" setup_net = coalesce(?4, setup_net)",
			&st, err);
	if (rc != CLAW_OK)
		return rc;
	if (s->description != NULL)
		claw_db_bind_text(st, 1, s->description);
	if (s->isolation >= 0)
		claw_db_bind_text(st, 2, claw_isolation_name((enum claw_isolation)s->isolation));
	if (s->setup != NULL)
		claw_db_bind_text(st, 3, s->setup);
	if (s->setup_net >= 0)
		sqlite3_bind_int(st, 4, s->setup_net != 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = claw_db_fail(db, "change the project's settings", err);
	claw_db_finish(st);
	if (rc != CLAW_OK)
		return rc;
	claw_project_free(p);
	return claw_project_load_db(db, p, err);
}
