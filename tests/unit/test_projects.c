/*
 * test_projects — keys, registration, resolution, loading and listing of
 * projects against a temporary CLAW_HOME.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/projects.h"
#include "fixture.h"
#include "tap.h"

static char *
make_dir(const char *name)
{
	char *p = fixture_path(name);
	char *q = claw_xstrdup(p);
	for (char *s = q + strlen(tap_tmpdir()) + 1; *s != '\0'; s++) {
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(q, 0755);
			*s = '/';
		}
	}
	(void)mkdir(q, 0755);
	free(q);
	return p;
}

static bool
exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

static char *
key_of(const char *path, enum claw_err *rc, struct claw_error *e)
{
	char key[CLAW_PROJECT_KEY_SIZE];
	*rc = claw_project_key(path, key, sizeof key, e);
	return claw_xstrdup(key);
}

/* Names in dir starting with '.', other than . and .. (leftover temp dbs). */
static int
count_dot_files(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_keys(void)
{
	struct claw_error e;
	enum claw_err rc;
	char *k;
	char longpath[512];
	char buf[8];

	claw_error_clear(&e);
	k = key_of("/home/a/my proj", &rc, &e);
	is_int(rc, CLAW_OK, "key of a path with a space");
	is_str(k, "home-a-my-proj", "spec example");
	free(k);
	k = key_of("/srv//git/--x__y..z/", &rc, &e);
	is_str(k, "srv-git-x-y-z", "runs collapse, trailing separators trimmed");
	free(k);
	k = key_of("/home/a/café/日本/x", &rc, &e);
	is_str(k, "home-a-caf-x", "non-ASCII bytes are separators");
	free(k);
	k = key_of("/Home/A1/B2", &rc, &e);
	is_str(k, "Home-A1-B2", "case and digits are kept");
	free(k);

	k = key_of("/", &rc, &e);
	is_int(rc, CLAW_EINVAL, "/ has no key");
	is_str(e.msg, "/ cannot be a project: its key would be empty", "and says why");
	is_str(k, "", "out is empty on failure");
	free(k);
	k = key_of("/日本/", &rc, &e);
	is_int(rc, CLAW_EINVAL, "an all-unicode path has no key");
	free(k);

	longpath[0] = '/';
	memset(longpath + 1, 'a', 200);
	longpath[201] = '\0';
	k = key_of(longpath, &rc, &e);
	is_int(rc, CLAW_OK, "a 200-character key is fine");
	is_int(strlen(k), 200, "all of it");
	free(k);
	longpath[201] = 'b';
	longpath[202] = '\0';
	k = key_of(longpath, &rc, &e);
	is_int(rc, CLAW_EINVAL, "a 201-character key is refused");
	has_str(e.msg, "path too long for a project key (201 characters, at most 200)",
		"the message gives the length");
	free(k);
	for (int i = 0; i < 150; i++)
		memcpy(longpath + 2 * i, "/a", 2);
	longpath[300] = '\0';
	k = key_of(longpath, &rc, &e);
	is_int(rc, CLAW_EINVAL, "a deep path gives a long key");
	has_str(e.msg, "(299 characters", "counted with its dashes");
	free(k);
	is_int(claw_project_key("/abcdefgh", buf, sizeof buf, &e), CLAW_EINVAL,
	       "a small buffer is refused, not overrun");

	ok(claw_project_key_valid("home-a-my-proj"), "a derived key is valid");
	ok(claw_project_key_valid("-"), "'-' matches the pattern");
	ok(!claw_project_key_valid("../x"), "../x is invalid");
	ok(!claw_project_key_valid(""), "empty is invalid");
	ok(!claw_project_key_valid(NULL), "NULL is invalid");
	ok(!claw_project_key_valid("a b"), "a space is invalid");
	ok(!claw_project_key_valid("a/b"), "a slash is invalid");
	ok(!claw_project_key_valid("x.db"), "a dot is invalid");
	ok(!claw_project_key_valid("caf\xc3\xa9"), "non-ASCII is invalid");
	memset(longpath, 'k', 200);
	longpath[200] = '\0';
	ok(claw_project_key_valid(longpath), "200 characters are valid");
	longpath[200] = 'k';
	longpath[201] = '\0';
	ok(!claw_project_key_valid(longpath), "201 characters are invalid");

	char *s = claw_project_dir("/h");
	is_str(s, "/h/projects", "project dir");
	free(s);
	s = claw_project_db_path("/h", "a-b");
	is_str(s, "/h/projects/a-b.db", "db path");
	free(s);
}

static void
test_register(void)
{
	char *home = fixture_path("home1/nested");
	char *dir = make_dir("work/my proj");
	char *real = realpath(dir, NULL);
	char *pdir = claw_project_dir(home);
	struct claw_project p;
	struct claw_project q;
	struct claw_error e;
	struct stat sb;
	char want[2048];
	enum claw_err rc;

	claw_error_clear(&e);
	is_int(claw_project_register(
		       home, dir, &(struct claw_project_settings){"a test project", -1, NULL, -1},
		       &p, &e),
	       CLAW_OK, "register a folder under a home that does not exist yet");
	char *key = key_of(real, &rc, &e);
	is_str(p.key, key, "key derived from the real path");
	is_str(p.name, "my proj", "name is the base name");
	is_str(p.path, real, "path is the real path");
	is_str(p.description, "a test project", "description kept");
	char *db_path = claw_project_db_path(home, key);
	is_str(p.db_path, db_path, "db under $home/projects");
	ok(p.created_at > 0, "created_at stamped");
	ok(stat(home, &sb) == 0 && (sb.st_mode & 0777) == 0700, "home created mode 0700");
	ok(stat(pdir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "projects dir created mode 0700");
	ok(stat(db_path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "db file mode 0600");
	is_int(count_dot_files(pdir), 0, "no temporary file left");

	/* Twice: the real path and a symlink to it. */
	is_int(claw_project_register(home, dir, NULL, &q, &e), CLAW_EEXIST, "register twice");
	(void)snprintf(want, sizeof want, "already registered: %s (db: %s)", real, db_path);
	is_str(e.msg, want, "the message names the folder and its db");
	char *link_path = fixture_path("link-to-proj");
	(void)!symlink(dir, link_path);
	is_int(claw_project_register(home, link_path, NULL, &q, &e), CLAW_EEXIST,
	       "through a symlink is the same folder");
	is_str(e.msg, want, "same message");

	/* Another folder with the same key. */
	char *twin = make_dir("work/my-proj");
	is_int(claw_project_register(home, twin, NULL, &q, &e), CLAW_EEXIST,
	       "a folder whose key is taken");
	(void)snprintf(want, sizeof want, "project key %s is already used by %s (db: %s)", key,
		       real, db_path);
	is_str(e.msg, want, "names the other folder");

	/* Bad folders. */
	char *file = fixture_path("work/file.txt");
	int fd = open(file, O_WRONLY | O_CREAT, 0600);
	(void)close(fd);
	is_int(claw_project_register(home, file, NULL, &q, &e), CLAW_EINVAL, "register a file");
	(void)snprintf(want, sizeof want, "not a directory: %s", file);
	is_str(e.msg, want, "not a directory");
	char *missing = fixture_path("work/nope");
	is_int(claw_project_register(home, missing, NULL, &q, &e), CLAW_EINVAL,
	       "register a missing folder");
	(void)snprintf(want, sizeof want, "no such directory: %s", missing);
	is_str(e.msg, want, "no such directory");
	is_int(claw_project_register(home, "", NULL, &q, &e), CLAW_EINVAL, "empty dir");
	is_int(claw_project_register(home, "/", NULL, &q, &e), CLAW_EINVAL, "the root folder");
	has_str(e.msg, "key would be empty", "has no key");

	/* Bad descriptions leave nothing behind, not even the home. */
	char *home2 = fixture_path("home2");
	char *other = make_dir("work/other");
	char *bigdesc = claw_xmalloc(CLAW_PROJECT_DESCRIPTION_MAX + 2);
	memset(bigdesc, 'd', CLAW_PROJECT_DESCRIPTION_MAX + 1);
	bigdesc[CLAW_PROJECT_DESCRIPTION_MAX + 1] = '\0';
	is_int(claw_project_register(home2, other,
				     &(struct claw_project_settings){bigdesc, -1, NULL, -1}, &q,
				     &e),
	       CLAW_EINVAL, "description over the cap");
	is_str(e.msg, "description is longer than 4096 bytes", "says so");
	is_int(claw_project_register(home2, other,
				     &(struct claw_project_settings){"bad \xff", -1, NULL, -1}, &q,
				     &e),
	       CLAW_EINVAL, "description not UTF-8");
	is_str(e.msg, "description is not valid UTF-8", "says so");
	ok(!exists(home2), "failed registrations created no home");
	bigdesc[CLAW_PROJECT_DESCRIPTION_MAX] = '\0';
	is_int(claw_project_register(home2, other,
				     &(struct claw_project_settings){bigdesc, -1, NULL, -1}, &q,
				     &e),
	       CLAW_OK, "description at the cap");
	is_int(strlen(q.description), CLAW_PROJECT_DESCRIPTION_MAX, "kept whole");
	claw_project_free(&q);

	/* A home that cannot be made: a file in the way, then a name too long
	 * for the filesystem after a directory this call created. */
	is_int(claw_project_register(file, other, NULL, &q, &e), CLAW_EIO,
	       "home is a regular file");
	has_str(e.msg, "is not a directory", "says why");
	char longname[300];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	char *made = fixture_path("made-then-undone");
	char *home3 = claw_xasprintf("%s/%s", made, longname);
	is_int(claw_project_register(home3, other, NULL, &q, &e), CLAW_EIO, "a home name too long");
	has_str(e.msg, "cannot create", "says so");
	ok(!exists(made), "the directory it had created was removed");

	/* Loading. */
	is_int(claw_project_load(home, key, &q, &e), CLAW_OK, "load by key");
	is_str(q.path, real, "loaded path");
	is_str(q.description, "a test project", "loaded description");
	is_str(q.db_path, db_path, "loaded db path");
	is_int(q.created_at, p.created_at, "loaded created_at");
	claw_project_free(&q);
	is_int(claw_project_load(home, "../x", &q, &e), CLAW_EINVAL, "load ../x");
	is_str(e.msg, "invalid project key: ../x", "refused before any file");
	is_int(claw_project_load(home, "", &q, &e), CLAW_EINVAL, "load empty key");
	memset(longname, 'k', 201);
	longname[201] = '\0';
	is_int(claw_project_load(home, longname, &q, &e), CLAW_EINVAL, "load a 201-char key");
	has_str(e.msg, "...", "a long key is clipped in the message");
	is_int(claw_project_load(home, "no-such-project", &q, &e), CLAW_ENOTFOUND,
	       "load an unknown key");
	is_str(e.msg, "unknown project no-such-project", "unknown project");

	struct claw_db *db = NULL;
	is_int(claw_project_open_db(&p, &db, &e), CLAW_OK, "open the project db");
	is_int(claw_project_load_db(db, &q, &e), CLAW_OK, "load from an open db");
	is_str(q.key, key, "same project");
	claw_project_free(&q);
	claw_db_close(db);

	/* A claw db without its project row. */
	char *bare = fixture_path("bare.db");
	is_int(claw_db_open(bare, CLAW_DB_CREATE, &db, &e), CLAW_OK, "a bare claw db");
	is_int(claw_project_load_db(db, &q, &e), CLAW_ENOTFOUND, "has no project row");
	has_str(e.msg, "no project row in", "says so");
	claw_db_close(db);

	claw_project_free(&p);
	claw_project_free(NULL);
	free(bare);
	free(home3);
	free(made);
	free(bigdesc);
	free(other);
	free(home2);
	free(missing);
	free(file);
	free(twin);
	free(link_path);
	free(db_path);
	free(key);
	free(pdir);
	free(real);
	free(dir);
	free(home);
}

static void
test_resolve(void)
{
	char *home = fixture_path("home-r");
	char *proj = make_dir("r/proj");
	char *sub = make_dir("r/proj/src/deep");
	char *inner = make_dir("r/proj/vendor/inner");
	char *inner_sub = make_dir("r/proj/vendor/inner/x");
	char *outside = make_dir("r/elsewhere");
	char *spaced = make_dir("r/a b");
	char *dashed = make_dir("r/a-b");
	char *real_outside = realpath(outside, NULL);
	char *real_proj = realpath(proj, NULL);
	char *real_inner = realpath(inner, NULL);
	char *real_dashed = realpath(dashed, NULL);
	struct claw_project p;
	struct claw_error e;
	char want[2048];

	claw_error_clear(&e);
	is_int(claw_project_register(home, proj, NULL, &p, &e), CLAW_OK, "register proj");
	claw_project_free(&p);
	is_int(claw_project_register(home, inner, NULL, &p, &e), CLAW_OK, "register inner");
	claw_project_free(&p);
	is_int(claw_project_register(home, spaced, NULL, &p, &e), CLAW_OK, "register 'a b'");
	claw_project_free(&p);

	is_int(claw_project_resolve(home, proj, &p, &e), CLAW_OK, "resolve from the folder");
	is_str(p.path, real_proj, "found it");
	claw_project_free(&p);
	is_int(claw_project_resolve(home, sub, &p, &e), CLAW_OK, "resolve from a subdirectory");
	is_str(p.path, real_proj, "walked up to it");
	claw_project_free(&p);
	is_int(claw_project_resolve(home, inner_sub, &p, &e), CLAW_OK,
	       "resolve in a nested project");
	is_str(p.path, real_inner, "the nearest project wins");
	claw_project_free(&p);

	is_int(claw_project_resolve(home, outside, &p, &e), CLAW_ENOTFOUND, "resolve from outside");
	(void)snprintf(want, sizeof want, "not inside a registered project: %s (run: claw -c)",
		       real_outside);
	is_str(e.msg, want, "the message names the real start dir and the fix");
	is_int(claw_project_resolve(home, dashed, &p, &e), CLAW_ENOTFOUND,
	       "a folder sharing a key with a registered one is not it");
	(void)snprintf(want, sizeof want, "not inside a registered project: %s (run: claw -c)",
		       real_dashed);
	is_str(e.msg, want, "not inside");
	char *missing = fixture_path("r/gone");
	is_int(claw_project_resolve(home, missing, &p, &e), CLAW_EINVAL,
	       "resolve from a missing dir");
	(void)snprintf(want, sizeof want, "no such directory: %s", missing);
	is_str(e.msg, want, "no such directory");

	/* A project db that cannot be opened is an error, not skipped. */
	char key[CLAW_PROJECT_KEY_SIZE];
	(void)claw_project_key(real_outside, key, sizeof key, NULL);
	char *junk = claw_project_db_path(home, key);
	int fd = open(junk, O_WRONLY | O_CREAT, 0600);
	(void)!write(fd, "garbage garbage garbage garbage garbage garbage garbage garbage", 63);
	(void)close(fd);
	is_int(claw_project_resolve(home, outside, &p, &e), CLAW_EINVAL,
	       "a broken db on the way up is reported");
	has_str(e.msg, "is not a claw database", "as not a claw db");
	(void)unlink(junk);

	free(junk);
	free(missing);
	free(real_dashed);
	free(real_inner);
	free(real_proj);
	free(real_outside);
	free(dashed);
	free(spaced);
	free(outside);
	free(inner_sub);
	free(inner);
	free(sub);
	free(proj);
	free(home);
}

static void
test_list(void)
{
	char *home = fixture_path("home-l");
	char *zed = make_dir("l/zed");
	char *alpha = make_dir("l/alpha");
	struct claw_project *list = NULL;
	struct claw_project p;
	struct claw_error e;
	size_t n = 99;

	claw_error_clear(&e);
	is_int(claw_project_list(home, &list, &n, &e), CLAW_OK, "list a home without projects/");
	is_int(n, 0, "no projects");
	ok(list == NULL, "no array");

	is_int(claw_project_register(home, zed, NULL, &p, &e), CLAW_OK, "register zed");
	claw_project_free(&p);
	is_int(claw_project_register(
		       home, alpha, &(struct claw_project_settings){"first", -1, NULL, -1}, &p, &e),
	       CLAW_OK, "register alpha");
	claw_project_free(&p);

	/* Things the scan must pass over, one with a warning. */
	char *pdir = claw_project_dir(home);
	char *junk = claw_xasprintf("%s/junk.db", pdir);
	int fd = open(junk, O_WRONLY | O_CREAT, 0600);
	(void)!write(fd, "not sqlite at all, just some text that is long enough", 53);
	(void)close(fd);
	char *notes = claw_xasprintf("%s/notes.txt", pdir);
	fd = open(notes, O_WRONLY | O_CREAT, 0600);
	(void)close(fd);
	char *badname = claw_xasprintf("%s/bad.name.db", pdir);
	fd = open(badname, O_WRONLY | O_CREAT, 0600);
	(void)close(fd);

	char *logfile = fixture_path("list.log");
	int logfd = open(logfile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	claw_log_set_fd(logfd);
	is_int(claw_project_list(home, &list, &n, &e), CLAW_OK, "list");
	claw_log_set_fd(-1);
	is_int(n, 2, "two projects");
	if (n == 2) {
		ok(strcmp(list[0].key, list[1].key) < 0, "sorted by key");
		has_str(list[0].key, "alpha", "alpha first");
		is_str(list[0].description, "first", "with its row");
		has_str(list[1].key, "zed", "then zed");
	}
	claw_project_list_free(list, n);
	char logbuf[1024] = "";
	ssize_t got = pread(logfd, logbuf, sizeof logbuf - 1, 0);
	logbuf[got > 0 ? got : 0] = '\0';
	(void)close(logfd);
	has_str(logbuf, "warning: skipping", "the junk db was skipped with a warning");
	has_str(logbuf, "junk.db", "naming it");
	ok(strstr(logbuf, "notes.txt") == NULL && strstr(logbuf, "bad.name") == NULL,
	   "other files are ignored silently");
	claw_project_list_free(NULL, 0);

	free(logfile);
	free(badname);
	free(notes);
	free(junk);
	free(pdir);
	free(alpha);
	free(zed);
	free(home);
}

static void
test_settings(void)
{
	char *home = fixture_path("home-settings");
	char *dir = make_dir("work/settings");
	struct claw_project p, q;
	struct claw_db *db = NULL;
	struct claw_error e = {0};
	enum claw_isolation iso;

	is_int(claw_isolation_parse("worktree", &iso, &e), CLAW_OK, "parse worktree");
	is_int(iso, CLAW_ISOLATION_WORKTREE, "as the enum");
	is_int(claw_isolation_parse("sandbox", &iso, &e), CLAW_EINVAL, "an unknown isolation");
	is_str(e.msg, "isolation must be worktree or inplace, got sandbox", "says which there are");
	is_int(claw_project_register(
		       home, dir,
		       &(struct claw_project_settings){NULL, CLAW_ISOLATION_WORKTREE, "npm ci", 1},
		       &p, &e),
	       CLAW_OK, "register with settings");
	ok(p.isolation == CLAW_ISOLATION_WORKTREE && strcmp(p.setup, "npm ci") == 0 && p.setup_net,
	   "kept");
	is_int(claw_project_open_db(&p, &db, &e), CLAW_OK, "open its db");
	is_int(claw_project_load_db(db, &q, &e), CLAW_OK, "load");
	ok(q.isolation == CLAW_ISOLATION_WORKTREE && strcmp(q.setup, "npm ci") == 0 && q.setup_net,
	   "stored");
	is_int(claw_project_update(
		       db, &(struct claw_project_settings){NULL, CLAW_ISOLATION_INPLACE, NULL, -1},
		       &q, &e),
	       CLAW_OK, "change only the isolation");
	ok(q.isolation == CLAW_ISOLATION_INPLACE && strcmp(q.setup, "npm ci") == 0 && q.setup_net,
	   "the rest stays");
	is_int(claw_project_update(db, &(struct claw_project_settings){NULL, -1, "a\nb", -1}, &q,
				   &e),
	       CLAW_EINVAL, "a setup of two lines");
	is_str(e.msg, "setup must be one line of UTF-8 text", "is refused");
	is_int(claw_project_update(db, &(struct claw_project_settings){"new", -1, "", 0}, &q, &e),
	       CLAW_OK, "clear the setup, change the description");
	ok(strcmp(q.setup, "") == 0 && !q.setup_net && strcmp(q.description, "new") == 0,
	   "changed");
	claw_project_free(&q);
	claw_project_free(&p);
	claw_db_close(db);
	free(dir);
	free(home);
}

int
main(void)
{
	test_keys();
	test_register();
	test_settings();
	test_resolve();
	test_list();
	return tap_done();
}
