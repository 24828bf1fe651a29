/*
 * git — claw's own git commands: the user's `git` program, run with an
 * argv (never a shell), a clean environment and settings that keep
 * anything a repository's files could name from running.
 *
 * Why the program and not libgit2: the worktree, merge-tree, read-tree and
 * status semantics claw needs (SPEC section 9) are git's own, with its
 * exact rules for .gitignore, renames, conflicts and attributes; libgit2
 * reimplements them with differences (worktrees, sparse checkouts, index
 * extensions) and would be a second git for people to reason about.  The
 * cost is a process per command (a few ms), measured in bench/worktree.
 *
 * What claw's commands never run: hooks (core.hooksPath=/dev/null), a
 * filesystem monitor (core.fsmonitor=false), a pager, an editor, a
 * credential prompt, automatic maintenance (gc.auto=0: a commit of claw's
 * never starts a gc, which would also prune the git folders of in-place
 * runs), the user's and the system's configuration
 * (GIT_CONFIG_GLOBAL=/dev/null, GIT_CONFIG_NOSYSTEM=1: an alias, a
 * diff.external or an includeIf there does not apply), signing.  The
 * repository's own configuration still applies (it is the person's).
 * Output is in the C locale; paths are asked for NUL-separated (-z) by the
 * callers that parse them.
 *
 * Threads: thread-safe; a call blocks its thread for the command (at most
 * CLAW_GIT_TIMEOUT_MS).
 */
#ifndef CLAW_TOOL_GIT_H
#define CLAW_TOOL_GIT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define CLAW_GIT_TIMEOUT_MS 120000              /* one git command */
#define CLAW_GIT_OUTPUT_MAX (64 << 20)          /* output kept (a diff may be big) */
#define CLAW_GIT_ARGS_MAX 64                    /* arguments of one command, git's own included */
#define CLAW_GIT_AUTHOR "claw <claw@localhost>" /* CLAW_GIT_AUTHOR's default */

/* What one command did.  Free with claw_git_result_free(). */
struct claw_git_result {
	char *out;     /* stdout and stderr as they came (stdout alone from
			  claw_git_read); NUL-terminated */
	size_t len;    /* bytes in out */
	int exit_code; /* git's exit status */
	bool clipped;  /* past CLAW_GIT_OUTPUT_MAX: only the head is in out */
	char *err;     /* claw_git_read: what git said on stderr (its start); else NULL */
};

/* Runs `git ARGS...` in dir (args: NULL-terminated, at most
 * CLAW_GIT_ARGS_MAX; borrowed) with the settings above and envp_extra (a
 * NULL-terminated list of "NAME=value" added to the clean environment, or
 * NULL).  CLAW_OK whenever git ran, whatever its exit; CLAW_ENOTFOUND "git
 * is not installed" when there is no git on PATH; CLAW_EIO when it could
 * not start or timed out. */
enum claw_err claw_git_run(const char *dir, const char *const *args, const char *const *envp_extra,
			   struct claw_git_result *res, struct claw_error *err);

/* claw_git_run that also fails (CLAW_EIO) when git exits non-zero, with
 * "git ARGS[0]: <git's first line of complaint>" as the message.  On
 * CLAW_OK res holds the output; on failure res is freed. */
enum claw_err claw_git_ok(const char *dir, const char *const *args, const char *const *envp_extra,
			  struct claw_git_result *res, struct claw_error *err);

/* claw_git_ok for output claw parses: stdout alone in res->out, git's
 * warnings on stderr kept apart (res->err) so that one ("inexact rename
 * detection was skipped", "could not open directory") never reads as
 * output; the failure message comes from them. */
enum claw_err claw_git_read(const char *dir, const char *const *args, const char *const *envp_extra,
			    struct claw_git_result *res, struct claw_error *err);

void claw_git_result_free(struct claw_git_result *res);

#endif
