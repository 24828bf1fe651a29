/*
 * proc — run one child process to completion under a deadline, capturing
 * its output, and leave nothing behind.
 *
 * The child gets stdin from /dev/null, stdout and stderr on two pipes, its
 * own process group, default signal dispositions and an empty signal mask
 * (claw's threads block signals; that must not leak into builds), only fds
 * 0-2, the given resource limits, optionally cgroups, and exactly the given
 * environment.  The parent reads both pipes concurrently with poll(2), so a
 * child writing megabytes to stderr while stdout is quiet never deadlocks;
 * output from both goes into one stream in arrival order (or, with
 * stderr_apart, stderr into its own small buffer).  The first
 * capture_max bytes are kept, then only the last CLAW_PROC_TAIL_MAX bytes (a
 * ring), and the total is counted: a child printing 50 MB costs claw at most
 * capture_max + CLAW_PROC_TAIL_MAX bytes and is never blocked on a full pipe.
 *
 * Ending: when the child exits, anything left in its process group is
 * killed (a `sleep 1000 &` does not outlive the command) and the pipes are
 * drained for at most CLAW_PROC_DRAIN_MS more.  At the deadline the whole
 * group is killed with SIGKILL.  The child is always reaped: no zombie.
 * The exit is noticed through a pidfd where the kernel has one (Linux 5.3),
 * else by polling every 20 ms.  The group stays addressable until the reap
 * because the exited leader, a zombie until then, holds the group id.
 *
 * Between fork and exec the child runs only async-signal-safe code, so this
 * is safe to call from any thread of a multi-threaded claw serve.  Note that
 * a --die-with-parent sandbox dies with the *thread* that forked it: call
 * from the thread that will wait (this function waits).
 *
 * Threads: thread-safe; each call is independent.
 */
#ifndef CLAW_TOOL_PROC_H
#define CLAW_TOOL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

#define CLAW_PROC_TAIL_MAX (64 * 1024) /* bytes kept from the end of long output */
#define CLAW_PROC_DRAIN_MS 500         /* reading after the child is gone */
#define CLAW_PROC_ERR_MAX (16 * 1024)  /* stderr kept apart (stderr_apart), from its start */
#define CLAW_PROC_LIMITS_MAX 8         /* resource limits in one spec */
#define CLAW_PROC_CGROUPS_MAX 4        /* cgroups the child joins */

/* One resource limit (soft and hard) for the child. */
struct claw_proc_limit {
	int resource;   /* RLIMIT_CPU, RLIMIT_FSIZE, ... */
	uint64_t value; /* RLIM_INFINITY for none */
};

/* What to run.  Everything is borrowed for the duration of the call. */
struct claw_proc_spec {
	const char *path;  /* absolute path of the program (no PATH search) */
	char *const *argv; /* NULL-terminated */
	char *const *envp; /* NULL-terminated: the child's whole environment */
	const char *cwd;   /* NULL: claw's own */
	const struct claw_proc_limit *limits;
	size_t nlimits;        /* at most CLAW_PROC_LIMITS_MAX */
	const int *cgroup_fds; /* cgroup.procs files open for writing: the child joins them */
	size_t ncgroups;       /* at most CLAW_PROC_CGROUPS_MAX */
	int64_t timeout_ms;    /* > 0 */
	size_t capture_max;    /* bytes kept from the start of the output */
	bool stderr_apart;     /* stderr into res->err, not the output (a program's
				  output to parse, and its complaints) */
};

/* What happened.  Use claw_proc_result_free(). */
struct claw_proc_result {
	char *out;         /* kept output: the head, then the tail when over capture_max;
			      NUL-terminated, never NULL after CLAW_OK */
	size_t len;        /* bytes in out */
	size_t head_len;   /* out[0..head_len) is the head; the rest the tail */
	uint64_t total;    /* bytes the child wrote in all */
	int exit_code;     /* exit status, or 128 + signal number */
	int signal;        /* the signal that ended it, 0 when it exited */
	bool timed_out;    /* killed at the deadline */
	int64_t ms;        /* wall time from fork to reap */
	int64_t oom_kills; /* processes the memory limit killed: set by the sandbox
			      (sandbox.h), 0 here */
	char *err;         /* stderr_apart: its first CLAW_PROC_ERR_MAX bytes,
			      NUL-terminated; else NULL */
};

/* Runs spec as described above and fills res.  CLAW_EIO (with the reason:
 * "cannot run PATH: ...", "cannot enter DIR: ...") when the child could not
 * be started; a child that ran and failed is CLAW_OK with its exit code. */
enum claw_err claw_proc_run(const struct claw_proc_spec *spec, struct claw_proc_result *res,
			    struct claw_error *err);

void claw_proc_result_free(struct claw_proc_result *res);

/* A child left running, talking on its stdin and stdout (a stdio MCP
 * server).  Every field is owned; -1 when absent. */
struct claw_proc_child {
	pid_t pid; /* the child, leader of its own process group */
	int pidfd; /* readable once it exits; -1 where the kernel has none */
	int in;    /* its stdin: a unix stream socket, non-blocking; write with
		      send(MSG_NOSIGNAL) so a dead child is EPIPE, not SIGPIPE */
	int out;   /* its stdout: a pipe, non-blocking */
	int err;   /* its stderr: a pipe, non-blocking */
};

/* Starts spec as claw_proc_run does (same fds, group, signals, limits,
 * cgroups, environment; spec->timeout_ms must be > 0 but is not applied:
 * the caller decides when the child is done; capture_max and stderr_apart
 * are not used), but returns at once with the child running.  The child
 * gets PR_SET_PDEATHSIG SIGKILL: it dies with the *thread* that spawned
 * it, so claw killed with -9 does not leave it behind (spawn from the thread
 * that will stop it); processes it starts itself are not covered (a bwrap
 * sandbox's --die-with-parent and pid namespace take them all).  CLAW_EIO as claw_proc_run.  *c is
 * valid (all -1) after a failure. */
enum claw_err claw_proc_spawn(const struct claw_proc_spec *spec, struct claw_proc_child *c,
			      struct claw_error *err);
/* True once the child has exited (not reaped until claw_proc_child_stop). */
bool claw_proc_child_exited(const struct claw_proc_child *c);
/* Closes its stdin, waits up to grace_ms for it to exit, kills its whole
 * group, reaps it and closes every fd.  res (may be NULL) gets exit_code
 * and signal only.  No-op on a stopped child. */
void claw_proc_child_stop(struct claw_proc_child *c, int64_t grace_ms,
			  struct claw_proc_result *res);

/* The first executable `name` on $PATH (absolute entries only: a relative
 * one would depend on the working directory), as a fresh string (caller
 * frees), or NULL. */
char *claw_proc_find_program(const char *name);

#endif
