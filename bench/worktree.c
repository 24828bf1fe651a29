/*
 * worktree — what a run's worktree costs to make (issue 14's target: at
 * most 300 ms on a repository of 10 000 files), against the peer in the
 * same run: a plain `git worktree add` of the same repository.
 *
 * A repository of -n files (default 10 000, in 100 folders, 1-3 KiB of text
 * each) is made once in a temporary folder.  Then, alternating, -r times
 * each: claw_worktree_add() (repo detection, the checks, the worktree and
 * branch, all through tool/git.h) and `git worktree add -q -b BRANCH DIR
 * HEAD` run directly; each worktree is removed again (not timed).  The best
 * of each is printed with the ratio (the machine is shared: the best run is
 * the least disturbed one).  Also timed: claw_worktree_changes() of a change
 * of -c files (default 500), worktree included, the work behind GET
 * .../changes.
 *
 *   bench/worktree [-n FILES] [-c CHANGED] [-r REPEATS]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "tool/git.h"
#include "tool/workdir.h"

/* Runs a shell line (set-up only); exits on failure. */
static void
sh(const char *cmd)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	(void)waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		(void)fprintf(stderr, "worktree: set-up failed: %s\n", cmd);
		exit(1);
	}
}

/* A repository of n files under dir/repo, one commit. */
static void
make_repo(const char *dir, int n)
{
	char *cmd = claw_xasprintf(
		"cd '%s' && mkdir repo && cd repo && git init -q -b main . &&"
		" i=0; while [ $i -lt %d ]; do d=d$((i %% 100)); mkdir -p $d;"
		" head -c $((1024 + (i %% 3) * 1024)) /dev/zero | tr '\\0' a > $d/f$i.txt;"
		" i=$((i+1)); done &&"
		" git add -A && git -c user.name=b -c user.email=b@b commit -q -m base",
		dir, n);
	sh(cmd);
	free(cmd);
}

int
main(int argc, char **argv)
{
	int files = 10000, changed = 500, repeats = 5, opt;
	char tmpl[] = "/tmp/claw-bench-worktree-XXXXXX";
	struct claw_error err = {0};
	int64_t best_claw = INT64_MAX, best_git = INT64_MAX, best_changes = INT64_MAX;

	while ((opt = getopt(argc, argv, "n:c:r:")) != -1) {
		int v = (int)strtol(optarg, NULL, 10);
		if (v <= 0) {
			(void)fprintf(stderr,
				      "usage: worktree [-n FILES] [-c CHANGED] [-r REPEATS]\n");
			return 2;
		}
		if (opt == 'n')
			files = v;
		else if (opt == 'c')
			changed = v;
		else if (opt == 'r')
			repeats = v;
		else
			return 2;
	}
	if (mkdtemp(tmpl) == NULL)
		return 1;
	(void)printf("making a repository of %d files in %s\n", files, tmpl);
	(void)fflush(stdout);
	make_repo(tmpl, files);
	char *repo = claw_xasprintf("%s/repo", tmpl);
	char *home = claw_xasprintf("%s/home", tmpl);
	(void)mkdir(home, 0700);

	for (int r = 0; r < repeats; r++) {
		struct claw_worktree wt;
		int64_t t0 = claw_clock_mono_ms();
		if (claw_worktree_add(repo, home, "bench", 1, r + 1, &wt, &err) != CLAW_OK) {
			(void)fprintf(stderr, "worktree: %s\n", claw_error_text(&err));
			return 1;
		}
		int64_t ms = claw_clock_mono_ms() - t0;
		best_claw = ms < best_claw ? ms : best_claw;
		if (r == 0) { /* the change behind GET .../changes */
			char *cmd = claw_xasprintf(
				"cd '%s' && i=0; while [ $i -lt %d ]; do echo change >> d$((i %% "
				"100))/f$i.txt; i=$((i+1)); done",
				wt.root, changed);
			sh(cmd);
			free(cmd);
			for (int k = 0; k < repeats; k++) {
				struct claw_changes ch;
				t0 = claw_clock_mono_ms();
				if (claw_worktree_changes(&wt, true, &ch, &err) != CLAW_OK) {
					(void)fprintf(stderr, "changes: %s\n",
						      claw_error_text(&err));
					return 1;
				}
				ms = claw_clock_mono_ms() - t0;
				best_changes = ms < best_changes ? ms : best_changes;
				if ((int)ch.n != changed)
					(void)fprintf(stderr, "changes: %zu files, expected %d\n",
						      ch.n, changed);
				claw_changes_free(&ch);
			}
		}
		(void)claw_worktree_remove(&wt, true, &err);
		claw_worktree_free(&wt);

		char *dir = claw_xasprintf("%s/plain-%d", tmpl, r);
		char *branch = claw_xasprintf("plain-%d", r);
		const char *const add[] = {"worktree", "add", "-q",   "-b",
					   branch,     dir,   "HEAD", NULL};
		const char *const rm[] = {"worktree", "remove", "--force", dir, NULL};
		struct claw_git_result res;
		t0 = claw_clock_mono_ms();
		if (claw_git_ok(repo, add, NULL, &res, &err) != CLAW_OK) {
			(void)fprintf(stderr, "git worktree add: %s\n", claw_error_text(&err));
			return 1;
		}
		ms = claw_clock_mono_ms() - t0;
		best_git = ms < best_git ? ms : best_git;
		claw_git_result_free(&res);
		if (claw_git_ok(repo, rm, NULL, &res, &err) == CLAW_OK)
			claw_git_result_free(&res);
		free(dir);
		free(branch);
	}
	(void)printf("worktree of %d files: claw %lld ms, plain git worktree add %lld ms "
		     "(%.2fx; target: claw <= 300 ms)\n",
		     files, (long long)best_claw, (long long)best_git,
		     best_git > 0 ? (double)best_claw / (double)best_git : 0.0);
	(void)printf("changes of %d files (worktree included): %lld ms\n", changed,
		     (long long)best_changes);
	char *rm = claw_xasprintf("rm -rf '%s'", tmpl);
	sh(rm);
	free(rm);
	free(repo);
	free(home);
	return 0;
}
