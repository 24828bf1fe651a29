/*
 * test_workdir — a run's worktree against real git repositories made here:
 * repo detection (top, subfolder, no commit, no repo), the worktree and its
 * branch at the base, step commits (and none when nothing changed), the
 * change with and without uncommitted work, the diff, and merges: clean,
 * onto a branch that moved, refused for a dirty touched path and for a
 * conflict (nothing changed, the paths named), three runs merged one after
 * the other; keep and discard.  Hooks never run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "tap.h"
#include "tool/git.h"
#include "tool/workdir.h"

static char repo[4096], home[4096];

/* Runs a shell line in dir (test set-up only); its exit status. */
static int sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
sh(const char *dir, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int n = snprintf(cmd, sizeof cmd, "cd '%s' && ", dir);
	va_start(ap, fmt);
	(void)vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	(void)waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The content of dir/name, fresh ("" when missing). */
static char *
slurp(const char *dir, const char *name)
{
	char path[8192];
	(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	char chunk[4096];
	size_t r;
	while (f != NULL && (r = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)claw_buf_append(&b, chunk, r);
	if (f != NULL)
		(void)fclose(f);
	return claw_buf_steal(&b);
}

/* The output's first line of `git ARGS` in dir (a fresh string). */
static char *
git_out(const char *dir, const char *a, const char *b, const char *c)
{
	const char *const args[] = {a, b, c, NULL};
	struct claw_git_result res;
	struct claw_error err = {0};
	if (claw_git_run(dir,
			 b == NULL   ? (const char *const[]){a, NULL}
			 : c == NULL ? (const char *const[]){a, b, NULL}
				     : args,
			 NULL, &res, &err) != CLAW_OK)
		return claw_xstrdup("(git failed)");
	res.out[strcspn(res.out, "\n")] = '\0';
	char *s = claw_xstrdup(res.out);
	claw_git_result_free(&res);
	return s;
}

static void
make_repo(void)
{
	(void)snprintf(repo, sizeof repo, "%s/repo", tap_tmpdir());
	(void)snprintf(home, sizeof home, "%s/home", tap_tmpdir());
	(void)mkdir(repo, 0755);
	(void)mkdir(home, 0700);
	if (sh(repo,
	       "git init -q -b main . && git config user.email t@t && git config user.name t"
	       " && mkdir -p sub && printf 'one\\ntwo\\nthree\\n' > a.txt"
	       " && printf 'x\\n' > sub/b.txt && printf 'keep\\n' > c.txt"
	       " && printf 'log/\\n' > .gitignore"
	       " && mkdir -p .git/hooks && printf '#!/bin/sh\\ntouch %s/HOOK-RAN\\n' >"
	       " .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit"
	       " && cp .git/hooks/pre-commit .git/hooks/post-checkout"
	       " && git add -A && git -c core.hooksPath=/dev/null commit -q -m base",
	       tap_tmpdir()) != 0) {
		printf("Bail out! cannot make the test repository\n");
		exit(1);
	}
}

static void
test_repo_info(void)
{
	struct claw_repo_info info;
	struct claw_error err = {0};
	char sub[8192], plain[8192];

	is_int(claw_repo_info(repo, &info, &err), CLAW_OK, "the top of a repository");
	is_str(info.prefix, "", "no prefix");
	ok(strlen(info.head) == 40, "its head %s", info.head);
	claw_repo_info_free(&info);
	(void)snprintf(sub, sizeof sub, "%s/sub", repo);
	is_int(claw_repo_info(sub, &info, &err), CLAW_OK, "a subfolder");
	is_str(info.prefix, "sub/", "its prefix");
	ok(info.top != NULL && strcmp(info.top + strlen(info.top) - 5, "/repo") == 0, "its top");
	claw_repo_info_free(&info);
	(void)snprintf(plain, sizeof plain, "%s/plain", tap_tmpdir());
	(void)mkdir(plain, 0755);
	is_int(claw_repo_info(plain, &info, &err), CLAW_ENOTFOUND, "not a repository");
	has_str(err.msg, "is not in a git work tree", "says so");
	(void)sh(plain, "git init -q .");
	is_int(claw_repo_info(plain, &info, &err), CLAW_ENOTFOUND, "a repository with no commit");
	has_str(err.msg, "has no commit yet", "says so");
	char other[8192];
	(void)snprintf(other, sizeof other, "%s/sub/theirs", repo);
	if (sh(repo, "mkdir -p sub/theirs && chown 65534 sub/theirs 2>/dev/null") == 0) {
		is_int(claw_repo_info(other, &info, &err), CLAW_ENOTFOUND,
		       "a folder of another user below this repository");
		has_str(err.msg, "belongs to another user", "is not in it");
	} else {
		tap_skip(2, "cannot chown here (not root)");
	}
}

/* A run's worktree of repo (or its subfolder) for issue/run. */
static void
add(const char *project, int64_t issue, int64_t run, struct claw_worktree *wt)
{
	struct claw_error err = {0};
	if (claw_worktree_add(project, home, "k", issue, run, wt, &err) != CLAW_OK) {
		printf("Bail out! worktree: %s\n", claw_error_text(&err));
		exit(1);
	}
}

static void
test_worktree_and_commits(void)
{
	struct claw_worktree wt, again;
	struct claw_commit_info ci;
	struct claw_changes ch;
	struct claw_error err = {0};
	struct claw_buf diff = CLAW_BUF_INIT(1 << 20);
	char *s;

	add(repo, 3, 7, &wt);
	has_str(wt.root, "/home/worktrees/k/run-7", "under the home's worktrees");
	is_str(wt.branch, "claw/issue-3-run-7", "the run's branch");
	is_str(wt.workdir, wt.root, "the work folder is the worktree's top");
	s = git_out(repo, "rev-parse", "main", NULL);
	is_str(wt.base, s, "based on the commit checked out");
	free(s);
	s = slurp(wt.root, "a.txt");
	is_str(s, "one\ntwo\nthree\n", "the files are there");
	free(s);
	is_int(claw_worktree_add(repo, home, "k", 3, 7, &again, &err), CLAW_EEXIST,
	       "a second worktree of the same run is refused");

	is_int(claw_worktree_commit(&wt, "nothing", NULL, &ci, &err), CLAW_OK,
	       "commit with nothing changed");
	is_str(ci.sha, "", "makes no commit");
	(void)sh(wt.root, "printf 'one\\nTWO\\nthree\\nfour\\n' > a.txt && printf 'new\\n' > n.txt"
			  " && mkdir -p log && echo ignored > log/x && rm c.txt");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK, "the change, worktree too");
	is_int((int64_t)ch.n, 3, "three files: a, c, n (log/ is ignored)");
	if (ch.n == 3) {
		ok(ch.files[0].status == 'M' && ch.files[0].additions == 2 &&
			   ch.files[0].deletions == 1 && ch.files[0].uncommitted,
		   "a.txt modified +2 -1, uncommitted");
		ok(ch.files[1].status == 'D' && strcmp(ch.files[1].path, "c.txt") == 0,
		   "c.txt deleted");
		ok(ch.files[2].status == 'A' && strcmp(ch.files[2].path, "n.txt") == 0,
		   "n.txt added");
	}
	claw_changes_free(&ch);
	is_int(claw_worktree_commit(&wt, "implement: change a\n\nClaw-Issue: 3\nClaw-Run: 7",
				    "Ann Agent <ann@example.org>", &ci, &err),
	       CLAW_OK, "commit the step");
	ok(strlen(ci.sha) == 40, "a commit %s", ci.sha);
	ok(ci.files == 3 && ci.additions == 3 && ci.deletions == 2,
	   "3 files +3 -2 (%lld +%lld -%lld)", (long long)ci.files, (long long)ci.additions,
	   (long long)ci.deletions);
	s = git_out(wt.root, "log", "-1",
		    "--format=%an <%ae>|%s|%(trailers:key=Claw-Run,valueonly)");
	is_str(s, "Ann Agent <ann@example.org>|implement: change a|7", "author, subject, trailer");
	free(s);
	s = git_out(repo, "rev-parse", "main", NULL);
	is_str(s, wt.base, "the project's branch did not move");
	free(s);
	s = slurp(repo, "a.txt");
	is_str(s, "one\ntwo\nthree\n", "the project's files did not change");
	free(s);
	/* A commit killed midway leaves git's locks: the next one goes on. */
	(void)sh(wt.gitdir, "touch index.lock HEAD.lock ../../refs/heads/claw/issue-3-run-7.lock");
	(void)sh(wt.root, "echo killed > k.txt");
	is_int(claw_worktree_commit(&wt, "after a crash", NULL, &ci, &err), CLAW_OK,
	       "a commit after one that was killed: %s", claw_error_text(&err));
	ok(strlen(ci.sha) == 40 && ci.files == 1, "commits the new work");
	(void)sh(wt.root, "rm -f k.txt");
	is_int(claw_worktree_commit(&wt, "undo k", NULL, &ci, &err), CLAW_OK, "and goes on");
	(void)sh(wt.root, "printf 'more\\n' >> n.txt");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK, "the change again");
	ok(ch.n == 3 && !ch.files[0].uncommitted && ch.files[2].uncommitted,
	   "a.txt committed, n.txt has uncommitted work");
	claw_changes_free(&ch);
	is_int(claw_worktree_diff(&wt, false, "a.txt", &diff, &err), CLAW_OK, "diff of a.txt");
	has_str(claw_buf_str(&diff), "-two\n+TWO\n", "a unified diff");
	ok(strstr(claw_buf_str(&diff), "n.txt") == NULL, "of that path only");
	claw_buf_free(&diff);
	struct stat st;
	char hook[8192];
	(void)snprintf(hook, sizeof hook, "%s/HOOK-RAN", tap_tmpdir());
	ok(stat(hook, &st) != 0, "no hook of the repository ran (checkout, commit)");
	is_int(claw_worktree_remove(&wt, true, &err), CLAW_OK, "discard");
	ok(stat(wt.root, &st) != 0, "the worktree is gone");
	s = git_out(repo, "branch", "--list", wt.branch);
	is_str(s, "", "and its branch");
	free(s);
	claw_worktree_free(&wt);
}

static void
test_merges(void)
{
	struct claw_worktree w1, w2, w3, w4;
	struct claw_commit_info ci;
	struct claw_error err = {0};
	char sha[CLAW_WORKDIR_SHA_SIZE];
	char *s;

	/* Three runs at once, each its own file; all three merge. */
	add(repo, 1, 11, &w1);
	add(repo, 2, 12, &w2);
	add(repo, 3, 13, &w3);
	(void)sh(w1.root, "printf 'one\\ntwo\\nthree\\nrun1\\n' > a.txt");
	(void)sh(w2.root, "printf 'run2\\n' > sub/b.txt");
	(void)sh(w3.root, "printf 'run3\\n' > r3.txt");
	(void)claw_worktree_commit(&w1, "s", NULL, &ci, &err);
	(void)claw_worktree_commit(&w2, "s", NULL, &ci, &err);
	(void)claw_worktree_commit(&w3, "s", NULL, &ci, &err);
	(void)sh(repo, "printf 'mine\\n' > untracked-mine.txt && printf 'edit\\n' >> c.txt");
	is_int(claw_worktree_merge(&w1, "Run one (#1)", NULL, NULL, sha, &err), CLAW_OK,
	       "run 1 merges into a folder with unrelated uncommitted work");
	s = git_out(repo, "log", "-1", "--format=%s");
	is_str(s, "Run one (#1)", "one commit with the subject");
	free(s);
	s = slurp(repo, "a.txt");
	is_str(s, "one\ntwo\nthree\nrun1\n", "its change is in the folder");
	free(s);
	s = slurp(repo, "c.txt");
	is_str(s, "keep\nedit\n", "the person's uncommitted edit is kept");
	free(s);
	is_int(claw_worktree_merge(&w2, "Run two (#2)", NULL, NULL, sha, &err), CLAW_OK,
	       "run 2 merges onto the moved branch");
	is_int(claw_worktree_merge(&w3, "Run three (#3)", NULL, NULL, sha, &err), CLAW_OK,
	       "run 3 too");
	s = slurp(repo, "a.txt");
	char *b = slurp(repo, "sub/b.txt"), *r3 = slurp(repo, "r3.txt");
	ok(strcmp(s, "one\ntwo\nthree\nrun1\n") == 0 && strcmp(b, "run2\n") == 0 &&
		   strcmp(r3, "run3\n") == 0,
	   "the folder ends with all three changes");
	free(s);
	free(b);
	free(r3);
	s = git_out(repo, "status", "--porcelain", NULL);
	is_str(s, " M c.txt", "and only the person's own edits uncommitted");
	free(s);

	/* A dirty touched path: refused, nothing changed. */
	add(repo, 4, 14, &w4);
	(void)sh(w4.root, "printf 'run4\\n' >> c.txt");
	(void)claw_worktree_commit(&w4, "s", NULL, &ci, &err);
	char *before = git_out(repo, "rev-parse", "HEAD", NULL);
	is_int(claw_worktree_merge(&w4, "Run four (#4)", NULL, NULL, sha, &err), CLAW_ECONFLICT,
	       "a merge touching a dirty path is refused");
	has_str(err.msg, "uncommitted changes in paths the run changed: c.txt", "naming it");
	s = git_out(repo, "rev-parse", "HEAD", NULL);
	is_str(s, before, "the branch did not move");
	free(s);
	s = slurp(repo, "c.txt");
	is_str(s, "keep\nedit\n", "the person's edit is untouched");
	free(s);

	/* A conflict: the folder's branch changed the same line. */
	(void)sh(repo, "git checkout -q c.txt && printf 'theirs\\n' > c.txt && git add c.txt &&"
		       " git -c core.hooksPath=/dev/null commit -q -m theirs");
	free(before);
	before = git_out(repo, "rev-parse", "HEAD", NULL);
	is_int(claw_worktree_merge(&w4, "Run four (#4)", NULL, NULL, sha, &err), CLAW_ECONFLICT,
	       "a conflicting merge is refused");
	has_str(err.msg, "conflicts with what", "says so");
	has_str(err.msg, "c.txt", "naming the path");
	s = git_out(repo, "rev-parse", "HEAD", NULL);
	is_str(s, before, "nothing changed");
	free(s);
	free(before);
	s = git_out(repo, "status", "--porcelain", NULL);
	is_str(s, "?? untracked-mine.txt", "the folder holds only the person's own file");
	free(s);

	/* keep: the worktree goes, the branch stays. */
	is_int(claw_worktree_remove(&w4, false, &err), CLAW_OK, "keep");
	s = git_out(repo, "branch", "--list", w4.branch);
	ok(strstr(s, "claw/issue-4-run-14") != NULL, "the branch stays (%s)", s);
	free(s);
	struct claw_worktree again;
	is_int(claw_worktree_add(repo, home, "k", 4, 14, &again, &err), CLAW_EEXIST,
	       "the same run again, its branch kept, is refused");
	has_str(err.msg, "the branch claw/issue-4-run-14 is there already", "naming the branch");
	claw_worktree_free(&w1);
	claw_worktree_free(&w2);
	claw_worktree_free(&w3);
	claw_worktree_free(&w4);
}

/* The change read with what the worktree holds beyond its last commit
 * (the committed part comes from changes.h's cache): a committed rename
 * changed again, a committed deletion made again, a committed change
 * undone, and more changed files than one git command takes. */
static void
test_changes_beyond_head(void)
{
	struct claw_worktree wt;
	struct claw_changes ch;
	struct claw_commit_info ci;
	struct claw_error err = {0};
	const struct claw_change *c;

	add(repo, 6, 30, &wt);
	(void)sh(wt.root, "mv a.txt moved.txt && rm c.txt && printf 'y\\n' >> sub/b.txt");
	is_int(claw_worktree_commit(&wt, "step", NULL, &ci, &err), CLAW_OK,
	       "commit a rename, a deletion and a change");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK, "the change");
	c = claw_changes_find(&ch, "moved.txt");
	ok(ch.n == 3 && c != NULL && c->status == 'R' && c->old_path != NULL &&
		   strcmp(c->old_path, "a.txt") == 0 && !c->uncommitted,
	   "committed: a.txt renamed to moved.txt");
	is_str(ch.head, ci.sha, "read at the step's commit");
	c = claw_changes_find(&ch, "c.txt");
	int64_t c_lines = c != NULL ? c->deletions : -1;
	claw_changes_free(&ch);

	(void)sh(wt.root, "printf 'four\\n' >> moved.txt && printf 'keep\\nmore\\n' > c.txt"
			  " && git show HEAD~1:sub/b.txt > sub/b.txt");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK,
	       "the change with the worktree");
	c = claw_changes_find(&ch, "moved.txt");
	ok(c != NULL && c->status == 'R' && c->additions == 1 && c->deletions == 0 &&
		   c->uncommitted,
	   "the renamed file changed again: still renamed, +1, uncommitted");
	c = claw_changes_find(&ch, "c.txt");
	ok(c != NULL && c->status == 'M' && c->additions == 2 && c->deletions == c_lines &&
		   c->uncommitted,
	   "the deleted file made again: modified, every line");
	ok(claw_changes_find(&ch, "sub/b.txt") == NULL, "the change undone is gone");
	ok(ch.n == 2 && ch.additions == 3 && ch.deletions == c_lines, "two files +3 (%zu +%lld)",
	   ch.n, (long long)ch.additions);
	claw_changes_free(&ch);

	(void)sh(wt.root, "mkdir many && for i in $(seq 1 70); do echo $i > many/f$i; done");
	is_int(claw_worktree_commit(&wt, "step two", NULL, &ci, &err), CLAW_OK, "commit 70 files");
	(void)sh(wt.root, "for i in $(seq 1 70); do echo again >> many/f$i; done");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK,
	       "70 files changed again: the whole worktree against the base");
	c = claw_changes_find(&ch, "many/f70");
	ok(ch.n == 72 && c != NULL && c->status == 'A' && c->additions == 2 && c->uncommitted,
	   "72 files, many/f70 added +2 uncommitted");
	c = claw_changes_find(&ch, "moved.txt");
	ok(c != NULL && !c->uncommitted, "moved.txt as committed");
	claw_changes_free(&ch);
	is_int(claw_worktree_changes(&wt, false, &ch, &err), CLAW_OK, "the committed change alone");
	c = claw_changes_find(&ch, "many/f70");
	ok(ch.n == 72 && c != NULL && c->additions == 1 && !c->uncommitted, "many/f70 +1");
	claw_changes_free(&ch);
	(void)claw_worktree_remove(&wt, true, &err);
	claw_worktree_free(&wt);
}

/* git's warnings on stderr are not read as output, and an agent's odd
 * files (a FIFO, a symbolic link) are listed without being opened. */
static void
test_warnings_and_odd_files(void)
{
	struct claw_worktree wt;
	struct claw_changes ch;
	struct claw_error err = {0};
	const struct claw_change *c;

	add(repo, 7, 40, &wt);
	(void)sh(repo, "git config diff.renameLimit 1");
	(void)sh(wt.root, "mv a.txt a2.txt && echo more >> a2.txt && mv c.txt c2.txt"
			  " && echo more >> c2.txt && mkfifo fifo && ln -s a2.txt link && ln -s "
			  "fifo to-fifo");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK,
	       "the change reads while git warns its rename limit was hit: %s", err.msg);
	ok(claw_changes_find(&ch, "fifo") == NULL, "a FIFO is no file of the change (git's rule)");
	c = claw_changes_find(&ch, "to-fifo");
	ok(c != NULL && c->status == 'A' && c->additions == 1,
	   "a link to it is one line, and was not opened (that would block)");
	c = claw_changes_find(&ch, "link");
	ok(c != NULL && c->additions == 1, "a symbolic link is one line");
	ok(claw_changes_find(&ch, "a2.txt") != NULL && claw_changes_find(&ch, "c.txt") != NULL,
	   "the files too (%zu)", ch.n);
	claw_changes_free(&ch);
	struct claw_commit_info ci;
	is_int(claw_worktree_commit(&wt, "renames", NULL, &ci, &err), CLAW_OK, "committed");
	is_int(claw_worktree_changes(&wt, false, &ch, &err), CLAW_OK,
	       "the committed change reads too: %s", err.msg);
	claw_changes_free(&ch);
	(void)sh(repo, "git config --unset diff.renameLimit");
	(void)claw_worktree_remove(&wt, true, &err);
	claw_worktree_free(&wt);
}

/* An in-place run's checkpoints dropped: the objects only it held go once
 * over an hour old, another run's stay. */
static void
test_checkpoint_prune(void)
{
	struct claw_worktree one, two;
	struct claw_commit_info ci;
	struct claw_changes ch;
	struct claw_error err = {0};
	char folder[8192], sha1[CLAW_WORKDIR_SHA_SIZE], *s;

	(void)snprintf(folder, sizeof folder, "%s/in-place", tap_tmpdir());
	(void)mkdir(folder, 0755);
	(void)sh(folder, "echo start > f.txt");
	is_int(claw_checkpoint_begin(folder, home, "ip", 1, 1, &one, &ci, &err), CLAW_OK,
	       "run 1 checkpointed: %s", claw_error_text(&err));
	(void)sh(folder, "echo only-run-one > r1.txt");
	is_int(claw_worktree_commit(&one, "one", NULL, &ci, &err), CLAW_OK, "run 1's step");
	(void)snprintf(sha1, sizeof sha1, "%s", ci.sha);
	(void)sh(folder, "rm r1.txt");
	is_int(claw_checkpoint_begin(folder, home, "ip", 2, 2, &two, &ci, &err), CLAW_OK,
	       "run 2 checkpointed");
	(void)sh(folder, "echo run-two > r2.txt");
	is_int(claw_worktree_commit(&two, "two", NULL, &ci, &err), CLAW_OK, "run 2's step");
	(void)sh(one.repo, "find objects -type f -exec touch -d '2 hours ago' {} +");
	is_int(claw_worktree_remove(&one, true, &err), CLAW_OK, "run 1's checkpoints dropped");
	is_int(claw_worktree_changes(&one, true, &ch, &err), CLAW_ENOTFOUND,
	       "a run whose checkpoints are dropped, nothing landed: its change is not found");
	has_str(err.msg, "checkpoints were dropped", "saying why");
	struct claw_buf diff = CLAW_BUF_INIT(1 << 20);
	is_int(claw_worktree_diff(&one, true, NULL, &diff, &err), CLAW_ENOTFOUND, "nor its diff");
	claw_buf_free(&diff);
	s = git_out(one.repo, "cat-file", "-t", sha1);
	ok(strstr(s, "commit") == NULL, "its checkpoint is gone (%s)", s);
	free(s);
	s = git_out(two.repo, "cat-file", "-t", ci.sha);
	is_str(s, "commit", "run 2's stays");
	free(s);
	is_int(claw_worktree_changes(&two, true, &ch, &err), CLAW_OK, "and its change reads");
	ok(ch.n == 1 && strcmp(ch.files[0].path, "r2.txt") == 0 && !ch.files[0].uncommitted,
	   "r2.txt added, committed");
	claw_changes_free(&ch);
	(void)claw_worktree_remove(&two, true, &err);
	claw_worktree_free(&one);
	claw_worktree_free(&two);
}

/* What an agent could do in its work folder (bound read-write in the
 * sandbox) to make claw's own git run a program: replace the worktree's
 * .git file by a repository whose config defines a clean filter, and ask
 * for that filter in .gitattributes.  claw names the worktree's git folder
 * itself, so that repository is never read. */
static void
test_hostile_worktree(void)
{
	struct claw_worktree wt;
	struct claw_commit_info ci;
	struct claw_changes ch;
	struct claw_error err = {0};
	char pwned[8192];
	struct stat st;

	(void)snprintf(pwned, sizeof pwned, "%s/PWNED", tap_tmpdir());
	add(repo, 6, 16, &wt);
	int rc = sh(wt.root,
		    "rm -f .git && git init -q . && git config filter.x.clean 'touch %s; cat' &&"
		    " git config core.fsmonitor 'touch %s' &&"
		    " printf '* filter=x\n' > .gitattributes && echo evil > evil.txt",
		    pwned, pwned);
	ok(rc == 0, "the work folder's .git is now the agent's own repository");
	is_int(claw_worktree_changes(&wt, true, &ch, &err), CLAW_OK, "the change is read");
	claw_changes_free(&ch);
	is_int(claw_worktree_commit(&wt, "s", NULL, &ci, &err), CLAW_OK, "and committed");
	ok(stat(pwned, &st) != 0, "without running anything the agent's config names");
	char *s = git_out(repo, "log", "--format=%s", wt.branch);
	is_str(s, "s", "on the run's branch of the real repository");
	free(s);
	(void)claw_worktree_remove(&wt, true, &err);
	claw_worktree_free(&wt);
}

static void
test_subfolder(void)
{
	struct claw_worktree wt;
	struct claw_commit_info ci;
	struct claw_error err = {0};
	char sub[8192], sha[CLAW_WORKDIR_SHA_SIZE];

	(void)snprintf(sub, sizeof sub, "%s/sub", repo);
	add(sub, 5, 15, &wt);
	ok(strcmp(wt.workdir + strlen(wt.workdir) - 11, "run-15/sub") == 0 ||
		   strstr(wt.workdir, "run-15/sub") != NULL,
	   "a subfolder project works in that subfolder of the worktree (%s)", wt.workdir);
	(void)sh(wt.workdir, "printf 'from sub\\n' > b.txt");
	(void)claw_worktree_commit(&wt, "s", NULL, &ci, &err);
	is_int(claw_worktree_merge(&wt, "Sub (#5)", NULL, NULL, sha, &err), CLAW_OK, "merges");
	char *s = slurp(sub, "b.txt");
	is_str(s, "from sub\n", "into the subfolder");
	free(s);
	(void)claw_worktree_remove(&wt, true, &err);
	claw_worktree_free(&wt);
}

int
main(void)
{
	make_repo();
	test_repo_info();
	test_worktree_and_commits();
	test_merges();
	test_changes_beyond_head();
	test_checkpoint_prune();
	test_warnings_and_odd_files();
	test_hostile_worktree();
	test_subfolder();
	return tap_done();
}
