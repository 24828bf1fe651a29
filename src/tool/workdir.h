/*
 * workdir — a run's own git worktree, and moving its change into the
 * person's folder without ever overwriting their work (SPEC section 9).
 *
 * A run of a project inside a git work tree works in a worktree of that
 * repository, on a new branch `claw/issue-N-run-M` at the commit checked
 * out in the project folder (the run's base), under
 * $CLAW_HOME/worktrees/<key>/run-<M>.  For a project in a subfolder of the
 * repository the run's work folder is that subfolder of the worktree.
 * After each passed step its work is committed on the branch; the change
 * is base..branch (plus what the current step has not committed yet).
 *
 * Merging lands the whole change as one commit on the branch checked out
 * in the project folder.  It is refused (CLAW_ECONFLICT, the paths in the
 * message, nothing changed) when the folder has an uncommitted change in a
 * path the run touched, when the change conflicts with what that branch
 * gained since the base, or when no branch is checked out.  The new commit
 * is built without touching the folder (git merge-tree, commit-tree); then
 * the touched files and the index are moved to it (read-tree -m -u, which
 * itself refuses to overwrite a local change) and last the branch
 * (update-ref, only if it still points where it did; if not, the files are
 * moved back).  A crash between those two leaves the files at the new
 * commit and the branch where it was: the caller's journal of the merge
 * (struct claw_merge_journal, claw_worktree_merge_finish) finishes it.
 *
 * Every git command goes through git.h (no hooks, no fsmonitor, no user
 * configuration).
 *
 * Threads: thread-safe; calls block on git.  Two calls on one worktree at
 * once are the caller's to prevent (the run's lock).
 */
#ifndef CLAW_TOOL_WORKDIR_H
#define CLAW_TOOL_WORKDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/projects.h"
#include "store/runs.h"
#include "tool/changes.h"

#define CLAW_WORKDIR_DIFF_MAX (4 << 20) /* bytes of a diff shown, then a last line says so */
#define CLAW_WORKDIR_SHA_SIZE CLAW_GIT_OID_SIZE
#define CLAW_WORKDIR_COUNT_MAX (64 << 20) /* bytes of a new file read to count its lines */

/* Where a project folder sits in git.  Strings owned: free with
 * claw_repo_info_free(). */
struct claw_repo_info {
	char *top;                        /* the work tree's top folder (real path) */
	char *prefix;                     /* the project folder relative to top, "" or "sub/dir/" */
	char head[CLAW_WORKDIR_SHA_SIZE]; /* the commit checked out */
};

/* The repository of dir: CLAW_OK with *info filled when dir is inside a
 * git work tree with at least one commit; CLAW_ENOTFOUND (with why) when
 * it is not, has no commit yet, or belongs to another user than dir does
 * (a folder below someone else's .git is not in their repository). */
enum claw_err claw_repo_info(const char *dir, struct claw_repo_info *info, struct claw_error *err);
void claw_repo_info_free(struct claw_repo_info *info);

/* Whether the folder dir can take isolation: worktree needs a git work
 * tree with a commit (CLAW_EINVAL "isolation worktree needs ...: <why>");
 * inplace always can. */
enum claw_err claw_workdir_check_isolation(const char *dir, enum claw_isolation isolation,
					   struct claw_error *err);

/* The isolation a folder gets when none is chosen (SPEC 9): worktree
 * inside a git work tree with a commit (its top or a subfolder), else
 * inplace. */
enum claw_isolation claw_workdir_default_isolation(const char *dir);

/* A run's worktree.  Strings owned: free with claw_worktree_free().  Paths
 * are real paths. */
struct claw_worktree {
	char *repo;    /* the project's work tree top (where merges land) */
	char *root;    /* the worktree's top folder */
	char *workdir; /* the run's work folder: root + the project's prefix */
	char *gitdir;  /* its own git folder in the repository's .git, read when it was
			  made: every command on the worktree names it (GIT_DIR), never
			  trusting the .git file inside the work folder */
	char *branch;  /* "claw/issue-N-run-M" */
	char base[CLAW_WORKDIR_SHA_SIZE];
	char head[CLAW_WORKDIR_SHA_SIZE]; /* the run's last commit once its change landed
					     (its branch may be gone): the change is then
					     base..head; "" while it works */
	bool checkpoints;                 /* an in-place run's checkpoints (see below): root is the
					     project folder itself, repo the private repository */
};

void claw_worktree_free(struct claw_worktree *wt);

/* The worktree a run's row records (w: its strings move into *wt, which
 * the caller frees; w is still to be freed). */
void claw_worktree_from_run(struct claw_run_work *w, struct claw_worktree *wt);

/* Adds the worktree of run of issue for the project folder project under
 * $home/worktrees/<key>/run-<run>, branch claw/issue-<issue>-run-<run> at
 * the commit checked out in project.  CLAW_ENOTFOUND when project is not in
 * a git work tree with a commit; CLAW_EEXIST when that folder or branch is
 * there already; CLAW_EIO when git fails (its message). */
enum claw_err claw_worktree_add(const char *project, const char *home, const char *key,
				int64_t issue, int64_t run, struct claw_worktree *out,
				struct claw_error *err);

/* One commit made by claw_worktree_commit(). */
struct claw_commit_info {
	char sha[CLAW_WORKDIR_SHA_SIZE]; /* "" when there was nothing to commit */
	int64_t files, additions, deletions;
	char left_out[1024]; /* checkpoints: files over CLAW_CHECKPOINT_FILE_MAX left out,
				", "-joined (clipped); "" when none */
};

/* Commits everything that changed in the worktree (honouring .gitignore)
 * with message and author ("Name <email>"); nothing changed → CLAW_OK and
 * an empty sha.  A commit killed midway (kill -9) leaves the branch where
 * it was; the locks git left then are removed by the next commit (only
 * the run's executor commits on its branch). */
enum claw_err claw_worktree_commit(const struct claw_worktree *wt, const char *message,
				   const char *author, struct claw_commit_info *out,
				   struct claw_error *err);

/* The branch's last commit into sha. */
enum claw_err claw_worktree_head(const struct claw_worktree *wt, char sha[CLAW_WORKDIR_SHA_SIZE],
				 struct claw_error *err);

/* The run's change, base..branch, plus (with worktree) what the worktree
 * holds that is not committed yet.  Paths are relative to the worktree's
 * top.  Once the change landed it is base..head, read in the repository
 * (CLAW_ENOTFOUND when those commits are gone from it); a worktree folder
 * removed with no head known (the branch kept) is read as base..branch;
 * an in-place run whose checkpoints were dropped before anything landed
 * has nothing left to read (CLAW_ENOTFOUND). */
enum claw_err claw_worktree_changes(const struct claw_worktree *wt, bool worktree,
				    struct claw_changes *out, struct claw_error *err);
/* The unified diff (3 lines of context) of the run's change, as
 * claw_worktree_changes() sees it, of path only when path is not NULL,
 * appended to out (capped at CLAW_WORKDIR_DIFF_MAX with a last line saying
 * so). */
enum claw_err claw_worktree_diff(const struct claw_worktree *wt, bool worktree, const char *path,
				 struct claw_buf *out, struct claw_error *err);

/* One step's work: its newest commit on the branch (the Claw-Step trailer)
 * into to, and that commit's parent into from.  CLAW_ENOTFOUND "step X made
 * no commit on BRANCH"; CLAW_EINVAL for a name that is no step name. */
enum claw_err claw_worktree_step_range(const struct claw_worktree *wt, const char *step,
				       char from[CLAW_WORKDIR_SHA_SIZE],
				       char to[CLAW_WORKDIR_SHA_SIZE], struct claw_error *err);
/* The change, and its diff (of path only when not NULL; capped as
 * claw_worktree_diff), between two commits of the repository. */
enum claw_err claw_worktree_changes_between(const struct claw_worktree *wt, const char *from,
					    const char *to, struct claw_changes *out,
					    struct claw_error *err);
enum claw_err claw_worktree_diff_between(const struct claw_worktree *wt, const char *from,
					 const char *to, const char *path, struct claw_buf *out,
					 struct claw_error *err);

/* The caller's journal of a merge: begin is called once the commit is
 * made and before anything in the folder moves (the branch ref, where it
 * points, the new commit); an error from it stops the merge with nothing
 * changed. */
struct claw_merge_journal {
	enum claw_err (*begin)(void *arg, const char *ref, const char *old, const char *commit,
			       struct claw_error *err);
	void *arg;
};

/* Lands the run's change in wt->repo as one commit (message, author) on
 * the branch checked out there; *sha gets it ("" and CLAW_OK when the run
 * changed nothing).  CLAW_ECONFLICT, nothing changed, when it cannot (see
 * above); the message names the paths.  journal may be NULL. */
enum claw_err claw_worktree_merge(const struct claw_worktree *wt, const char *message,
				  const char *author, const struct claw_merge_journal *journal,
				  char sha[CLAW_WORKDIR_SHA_SIZE], struct claw_error *err);

/* The branch checked out in wt->repo ("main"), where a merge lands, into
 * out; "" when none is (a detached HEAD) or git cannot tell. */
void claw_worktree_target(const struct claw_worktree *wt, char *out, size_t size);

/* Finishes a merge that a crash interrupted, from its journal (ref, old,
 * commit): *landed when the branch is at commit now (it was, or the files
 * had moved and only the branch was left, which is done here); *landed
 * false when nothing had moved (or the branch went elsewhere since), so
 * the folder is as before the merge. */
enum claw_err claw_worktree_merge_finish(const struct claw_worktree *wt, const char *ref,
					 const char *old, const char *commit, bool *landed,
					 struct claw_error *err);

/* Removes the worktree folder; with delete_branch the branch too. */
enum claw_err claw_worktree_remove(const struct claw_worktree *wt, bool delete_branch,
				   struct claw_error *err);

/* ------------------------------------------------ in-place checkpoints
 *
 * A run that works in the project folder itself (isolation inplace) is
 * checkpointed into a private repository, $CLAW_HOME/projects/<key>.
 * checkpoints.git (never inside the project): at run start and after each
 * passed step, the folder as it is (honouring its .gitignore; files over
 * CLAW_CHECKPOINT_FILE_MAX left out and named).  Each run has its own git
 * folder in it (worktrees/run-M: its HEAD, the branch claw/issue-N-run-M,
 * and its index; objects and refs shared), so the worktree functions above
 * read its change (base = the start checkpoint) and commit its steps as
 * they do for a worktree, with the project folder as the work tree.  A
 * struct claw_worktree with checkpoints set describes it.
 *
 * Reverting puts back the start checkpoint over every file the run
 * changed (changed files restored, created ones deleted); it is refused
 * (CLAW_ECONFLICT, the files named) when any file differs from the run's
 * last checkpoint, i.e. changed outside the run since: a person's work is
 * never overwritten.  A revert is idempotent, so an interrupted one is
 * finished by doing it again.  claw_worktree_remove() drops the run's git
 * folder and branch, then prunes the objects no branch or run reaches that
 * are over an hour old (a younger one may be a checkpoint being written). */
#define CLAW_CHECKPOINT_FILE_MAX (10 << 20)

/* Makes run's checkpoints of folder: the private repository when it is
 * missing, the run's git folder (one left by a begin that a crash cut short
 * is made anew; on failure nothing is left), the start checkpoint.
 * out->base is the start checkpoint; *start its commit info (left_out: the
 * files over CLAW_CHECKPOINT_FILE_MAX). */
enum claw_err claw_checkpoint_begin(const char *folder, const char *home, const char *key,
				    int64_t issue, int64_t run, struct claw_worktree *out,
				    struct claw_commit_info *start, struct claw_error *err);

/* The files that differ between the folder now and the run's last
 * checkpoint, ", "-joined into out ("" when none). */
enum claw_err claw_checkpoint_outside(const struct claw_worktree *wt, struct claw_buf *out,
				      struct claw_error *err);

/* Puts the start checkpoint back over what the run changed (no check:
 * call claw_checkpoint_outside first). */
enum claw_err claw_checkpoint_revert(const struct claw_worktree *wt, struct claw_error *err);

#endif
