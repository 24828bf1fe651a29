/*
 * changes — what a run changed, read from git's own output: the files of a
 * diff (`git diff --raw --numstat -z`), a worktree's state against its
 * branch (`git status --porcelain=v2 -z --branch`), and a cache of the
 * first between two commits, which never changes.
 *
 * The parsers take git's output as hostile bytes: the paths in it are
 * whatever an agent named its files (tabs, newlines, quotes), so only the
 * NUL-separated forms are read, nothing is read past the end, and output
 * they cannot read is CLAW_EIO, never a crash (tests/fuzz/fuzz_changes.c).
 *
 * Why a cache: GET .../changes is asked again and again while a run works
 * (the dashboard's Changes tab follows it live), and the committed part of
 * the change, base..branch, is most of the work of a big change (git
 * reads and diffs every changed file).  Two commits always diff the same
 * in one repository, so the last few are kept in memory, keyed by the
 * repository and the two full object ids; a run's step commit fills it
 * (the runner reads the change after each commit), and the next request
 * only reads the worktree's state.  bench/worktree measures both.
 *
 * Threads: the parsers and claw_changes_* are pure; the cache has its own
 * lock, taken alone and never across a git command.
 */
#ifndef CLAW_TOOL_CHANGES_H
#define CLAW_TOOL_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_GIT_OID_SIZE 65           /* a hex object id (SHA-1 or SHA-256) and its NUL */
#define CLAW_CHANGES_CACHE_SLOTS 16    /* diffs of two commits kept */
#define CLAW_CHANGES_CACHE_FILES 20000 /* files of one diff kept at most */
#define CLAW_CHANGES_LINES_MAX                                                                     \
	INT32_MAX /* lines one file adds or deletes (sums never overflow)                          \
		   */

/* One changed file. */
struct claw_change {
	char *path;
	char *old_path; /* renames: where it was; else NULL */
	char status;    /* 'A'dded, 'M'odified, 'D'eleted, 'R'enamed */
	int64_t additions, deletions;
	bool binary;
	bool uncommitted; /* the current step's work, not committed yet */
};

/* A change: files sorted by path once claw_changes_sort() ran.  Free with
 * claw_changes_free(). */
struct claw_changes {
	struct claw_change *files;
	size_t n, cap;
	int64_t additions, deletions;
	char head[CLAW_GIT_OID_SIZE]; /* the commit it was read at ("" unknown) */
};

void claw_changes_free(struct claw_changes *c);
/* Appends c to ch (its strings move into ch) and adds up its lines. */
void claw_changes_push(struct claw_changes *ch, struct claw_change *c);
/* Appends a copy of c. */
void claw_changes_push_copy(struct claw_changes *ch, const struct claw_change *c);
/* Sorts by path. */
void claw_changes_sort(struct claw_changes *ch);
/* The file at path in a sorted change, or NULL. */
const struct claw_change *claw_changes_find(const struct claw_changes *ch, const char *path);

/* Appends `"files":[{path, oldPath?, status, additions, deletions, binary,
 * uncommitted?}...],"additions":A,"deletions":D` (SPEC 9's shape; the
 * first max files, all when max is 0) to out. */
void claw_changes_json(const struct claw_changes *ch, size_t max, struct claw_buf *out);

/* The files of `git diff --raw --numstat -z [-M]` output (out[0..len):
 * the raw entries, then the numbers of each in the same order) into *ch,
 * in git's order.  CLAW_EIO "git diff printed what claw cannot read" when
 * it is not that (nothing in *ch then). */
enum claw_err claw_changes_parse_diff(const char *out, size_t len, struct claw_changes *ch,
				      struct claw_error *err);

/* A worktree's state, from `git status --porcelain=v2 -z --branch
 * --untracked-files=all`.  Free with claw_status_free(). */
struct claw_status {
	char head[CLAW_GIT_OID_SIZE]; /* branch.oid: the commit checked out ("" none) */
	char **changed;               /* tracked paths that differ from head (the old
					 path of a rename too), unsorted */
	size_t n_changed;
	char **untracked; /* untracked, not ignored files */
	size_t n_untracked;
};

enum claw_err claw_changes_parse_status(const char *out, size_t len, struct claw_status *st,
					struct claw_error *err);
void claw_status_free(struct claw_status *st);

/* True when id is a full hex object id (40 or 64 digits). */
bool claw_git_oid_valid(const char *id);

/* The cached diff of commits from..to in repo into *out (a copy, sorted):
 * true on a hit.  from and to are full object ids, else never a hit. */
bool claw_changes_cached(const char *repo, const char *from, const char *to,
			 struct claw_changes *out);
/* Keeps a copy of the sorted diff ch of commits from..to in repo
 * (dropping the least recently used; nothing when the ids are not full
 * ones or ch has more than CLAW_CHANGES_CACHE_FILES files). */
void claw_changes_cache(const char *repo, const char *from, const char *to,
			const struct claw_changes *ch);

#endif
