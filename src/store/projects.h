/*
 * projects — the registry of project folders, their keys and resolution.
 *
 * A project is an existing folder anywhere on disk; claw's state for it is
 * one db at $CLAW_HOME/projects/<key>.db, where the key is the folder's real
 * path with every run of characters outside [A-Za-z0-9] replaced by '-' and
 * leading/trailing '-' trimmed ("/home/a/my proj" → "home-a-my-proj").  The
 * folder itself is never created, moved or deleted by claw.
 *
 * Keys arriving from outside (URLs) are validated with claw_project_key_valid
 * before any file is touched.
 *
 * Threads: functions are thread-safe; each opens its own connections.
 */
#ifndef CLAW_STORE_PROJECTS_H
#define CLAW_STORE_PROJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define CLAW_PROJECT_KEY_MAX 200                         /* ^[A-Za-z0-9-]{1,200}$ */
#define CLAW_PROJECT_KEY_SIZE (CLAW_PROJECT_KEY_MAX + 1) /* a key buffer, NUL included */
#define CLAW_PROJECT_DESCRIPTION_MAX 4096                /* bytes */
#define CLAW_PROJECT_SETUP_MAX 4096                      /* bytes of the setup command */

/* Where a project's runs work (SPEC section 9). */
enum claw_isolation {
	CLAW_ISOLATION_INPLACE,  /* in the project folder itself */
	CLAW_ISOLATION_WORKTREE, /* each run in its own git worktree and branch */
	CLAW_ISOLATION_COUNT
};

/* "inplace", "worktree"; static. */
const char *claw_isolation_name(enum claw_isolation i);
/* CLAW_EINVAL "isolation must be worktree or inplace, got X". */
enum claw_err claw_isolation_parse(const char *name, enum claw_isolation *out,
				   struct claw_error *err);

/* One registered project.  Strings owned by the struct: free with
 * claw_project_free(). */
struct claw_project {
	char *key;         /* e.g. "home-a-my-proj" */
	char *name;        /* the folder's base name */
	char *path;        /* real absolute path of the folder */
	char *description; /* "" when none */
	char *db_path;     /* $CLAW_HOME/projects/<key>.db */
	int64_t created_at;
	enum claw_isolation isolation;
	char *setup;    /* the command run once in a new work folder; "" when none */
	bool setup_net; /* the setup command may reach the network */
};

/* Settings to register with or to change; a NULL string or a negative
 * number leaves that setting as it is (its default at registration). */
struct claw_project_settings {
	const char *description;
	int isolation; /* enum claw_isolation, or -1 */
	const char *setup;
	int setup_net; /* 0, 1, or -1 */
};

#define CLAW_PROJECT_SETTINGS_NONE                                                                 \
	{                                                                                          \
		NULL, -1, NULL, -1                                                                 \
	}

void claw_project_free(struct claw_project *p);

/* Derives the key of an absolute real path into out (size >=
 * CLAW_PROJECT_KEY_SIZE).  Bytes outside ASCII [A-Za-z0-9] (so every byte of
 * a non-ASCII UTF-8 character) count as separators.  CLAW_EINVAL when the
 * result is empty (path "/") or longer than CLAW_PROJECT_KEY_MAX (the
 * message gives its length); out is then "". */
enum claw_err claw_project_key(const char *realpath, char *out, size_t size,
			       struct claw_error *err);
/* True when key matches ^[A-Za-z0-9-]{1,200}$. */
bool claw_project_key_valid(const char *key);

/* "$home/projects" into a fresh string; caller frees. */
char *claw_project_dir(const char *home);
/* "$home/projects/<key>.db"; key must be valid.  Caller frees. */
char *claw_project_db_path(const char *home, const char *key);

/* Registers dir (any path; resolved with realpath) under home: creates
 * $home/projects if needed (home included, mode 0700) and the db (mode 0600),
 * and stores the project row with settings (NULL: all defaults: no
 * description, in place, no setup); a description is at most
 * CLAW_PROJECT_DESCRIPTION_MAX bytes of UTF-8.  On success *out is filled
 * (free with claw_project_free).
 *
 * Errors: "no such directory: <dir>" / "not a directory: <dir>" (CLAW_EINVAL,
 * dir as given), a bad description or key (CLAW_EINVAL), already registered
 * (CLAW_EEXIST, "already registered: <path> (db: <db>)", or "project key <k>
 * is already used by <other path> (db: <db>)" when two folders map to one
 * key), the home not writable (CLAW_EIO).
 *
 * The db is built under a temporary name in $home/projects and published
 * with link(2), so other processes never see a half-made db and two
 * concurrent registrations of one folder cannot both succeed.  Nothing is
 * left behind on failure (directories this call created are removed). */
enum claw_err claw_project_register(const char *home, const char *dir,
				    const struct claw_project_settings *settings,
				    struct claw_project *out, struct claw_error *err);

/* Changes the settings s gives in the project row of db and reloads *p
 * (the caller's copy) from it.  CLAW_EINVAL for a bad description or
 * setup (over CLAW_PROJECT_SETUP_MAX bytes, not UTF-8, a NUL or newline).
 * Whether the folder can take the isolation is the caller's to check
 * (tool/workdir.h knows git). */
enum claw_err claw_project_update(struct claw_db *db, const struct claw_project_settings *s,
				  struct claw_project *p, struct claw_error *err);

/* Resolves the project for a CLI command starting at start_dir: takes its
 * real path and walks up until a folder whose key has a db under home and
 * whose stored path is that folder (a db of another folder with the same
 * key is passed over).  None → CLAW_ENOTFOUND "not inside a registered
 * project: <real start dir> (run: claw -c)"; start_dir missing → CLAW_EINVAL
 * "no such directory: <start_dir>".  A db that is found but cannot be opened
 * (newer schema, not a claw db) is an error, not skipped. */
enum claw_err claw_project_resolve(const char *home, const char *start_dir,
				   struct claw_project *out, struct claw_error *err);

/* Loads the project row of a key.  CLAW_EINVAL "invalid project key: <key>"
 * before touching any file; CLAW_ENOTFOUND "unknown project <key>" when
 * there is no db. */
enum claw_err claw_project_load(const char *home, const char *key, struct claw_project *out,
				struct claw_error *err);

/* Loads the project row from an open db (the one row of table project);
 * db_path is the db's path.  CLAW_ENOTFOUND when the row is missing. */
enum claw_err claw_project_load_db(struct claw_db *db, struct claw_project *out,
				   struct claw_error *err);

/* All registered projects under home, sorted by key.  *out is an array of
 * *n projects (NULL and 0 when none, also when $home/projects does not
 * exist); free with claw_project_list_free().  Only files named <valid
 * key>.db are considered; those that cannot be loaded (not claw dbs, newer
 * schema) are skipped with a claw_log_warn. */
enum claw_err claw_project_list(const char *home, struct claw_project **out, size_t *n,
				struct claw_error *err);
void claw_project_list_free(struct claw_project *list, size_t n);

/* Opens the project's db (CLAW_DB_OPEN).  Caller closes. */
enum claw_err claw_project_open_db(const struct claw_project *p, struct claw_db **out,
				   struct claw_error *err);

#endif
