/*
 * sandbox — where agents' shell commands run: bubblewrap, resource limits,
 * and a kill that reaches every process a command started.
 *
 * With bwrap (SPEC section 5.1) a command sees the host filesystem
 * read-only, the project folder read-write, its own /dev (read-only but for
 * the device nodes) and /proc, private size-capped tmpfs mounts on /tmp,
 * /dev/shm and /run, no network unless opts.net, and a new PID namespace
 * (so /proc/<claw pid>/environ does not exist in there).  claw's home
 * ($CLAW_HOME: dbs, claw.env, secrets files) is covered by an empty
 * read-only tmpfs, so it is not visible at all.  The command runs with no
 * capabilities (--cap-drop ALL: as root, bwrap would otherwise keep them,
 * and root with CAP_SYS_ADMIN in the sandbox's namespaces can simply
 * unmount that tmpfs), cannot make user namespaces (--disable-userns), runs
 * in its own session (--new-session: no TIOCSTI into claw's terminal), and
 * dies with claw (--die-with-parent).
 *
 * No host unix socket is reachable.  A read-only mount does not stop
 * connect(2) on a socket file, and a socket is a door to whatever listens
 * on it (claw serve's own FastCGI socket would let a command start runs and
 * answer gates as anyone).  Abstract sockets live in the network namespace,
 * which the sandbox does not share unless opts.net (with the network on,
 * the host's loopback ports and abstract sockets are reachable: that is
 * what CLAW_SANDBOX_NET=1 means).  Path sockets, in every mode: /tmp, /run
 * and (when it is a folder, not the usual link) /var/run are private; the
 * folders claw_sandbox_hide_dir() named (claw serve's socket folder) are
 * covered like the home; and every other socket file the kernel lists in
 * /proc/net/unix (by its real path) gets /dev/null bound over it; a
 * command is not run when that list cannot be read.  The list holds the
 * sockets bound in claw's network namespace: one bound by a process in
 * another (a container, a service with PrivateNetwork=) outside /tmp and
 * /run is not on it.  A socket removed between the list and bwrap's start
 * makes that one command fail to start (bwrap cannot bind over nothing on a
 * read-only root).

 * Limits (0 = none): CPU seconds, file size and processes as rlimits on
 * the command and everything it starts; the process count also as a pids
 * cgroup, and the memory of the command and all its children as a memory
 * cgroup (tmpfs pages included), when claw can make them (cgroup.h says
 * why both need cgroups).  A command the OOM killer stopped for the memory
 * limit reports it (claw_proc_result.oom_kills).  Where there is no memory
 * cgroup, an explicitly set memory limit becomes RLIMIT_AS per process
 * (address space: it breaks AddressSanitizer and V8, hence not by
 * default); the default one is then not enforced and claw says so once.
 *
 * Modes (CLAW_SANDBOX, SPEC section 3): bwrap (required: claw_sandbox_new
 * fails when bubblewrap does not work here), none (commands run directly,
 * with the same limits, environment and kill, but not confined; a warning
 * is logged once per process), auto (bwrap if a probe shows it works here,
 * else none with the warning; the probe runs once per process and the mode
 * chosen is logged).
 *
 * Threads: a struct claw_sandbox is read-only after claw_sandbox_new() and
 * may be shared; claw_sandbox_run() is thread-safe and blocks its thread.
 * claw_sandbox_hide_dir() only before any thread runs commands (it writes a
 * process-wide list without a lock).
 */
#ifndef CLAW_TOOL_SANDBOX_H
#define CLAW_TOOL_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "tool/proc.h"

struct claw_cgroup;

#define CLAW_SANDBOX_CAPTURE_MAX (1024 * 1024) /* output kept from the start */
#define CLAW_SANDBOX_PROBE_TIMEOUT_MS 10000
#define CLAW_SANDBOX_CPU_SECONDS_DEFAULT 600
#define CLAW_SANDBOX_FILE_BYTES_DEFAULT (2ULL << 30) /* 2 GiB */
#define CLAW_SANDBOX_PROCESSES_DEFAULT 2048
#define CLAW_SANDBOX_TMP_BYTES_DEFAULT (1ULL << 30)   /* 1 GiB */
#define CLAW_SANDBOX_SHM_BYTES_DEFAULT (256ULL << 20) /* 256 MiB */
#define CLAW_SANDBOX_RUN_BYTES_DEFAULT (16ULL << 20)  /* 16 MiB */
#define CLAW_SANDBOX_MEMORY_MIN (512ULL << 20)        /* the default's floor */
#define CLAW_SANDBOX_SOCKETS_MAX 4096   /* host socket files one command can have hidden */
#define CLAW_SANDBOX_HIDE_MAX 4         /* claw_sandbox_hide_dir() folders */
#define CLAW_SANDBOX_READABLE_MAX 4     /* claw_sandbox_add_readable() folders */
#define CLAW_SANDBOX_EXEC_MAX (1 << 20) /* bytes of a spawned program's quoted argv */

/* How to sandbox.  A value type: fill with claw_sandbox_opts_default() or
 * claw_sandbox_opts_from_config(), then adjust.  Strings are borrowed until
 * claw_sandbox_new() returns (it copies them). */
struct claw_sandbox_opts {
	enum claw_sandbox_mode mode;
	bool net;               /* CLAW_SANDBOX_NET */
	int64_t timeout_ms;     /* CLAW_TOOL_TIMEOUT_MS: the whole group dies after it */
	const char *home;       /* $CLAW_HOME, hidden from commands; NULL: nothing */
	const char *bwrap;      /* bubblewrap program; NULL: "bwrap" from $PATH */
	uint64_t cpu_seconds;   /* RLIMIT_CPU */
	uint64_t file_bytes;    /* RLIMIT_FSIZE: largest file a command may write */
	uint64_t processes;     /* RLIMIT_NPROC and pids.max */
	uint64_t memory_bytes;  /* memory cgroup of the whole command (CLAW_TOOL_MEMORY_MB) */
	bool memory_rlimit;     /* no memory cgroup: RLIMIT_AS = memory_bytes instead */
	uint64_t address_bytes; /* RLIMIT_AS, per process, whatever the cgroup */
	uint64_t tmp_bytes;     /* size of the private /tmp */
	uint64_t shm_bytes;     /* size of the private /dev/shm */
	uint64_t run_bytes;     /* size of the private /run */
};

struct claw_sandbox;

/* Defaults: auto, no network, CLAW_CONFIG_TOOL_TIMEOUT_MS_DEFAULT, the
 * CLAW_SANDBOX_*_DEFAULT limits, memory claw_sandbox_memory_default()
 * without the rlimit fallback, no address-space limit, no home. */
void claw_sandbox_opts_default(struct claw_sandbox_opts *o);
/* Defaults, then mode, net, timeout, home and memory (CLAW_TOOL_MEMORY_MB,
 * which also turns the rlimit fallback on) from cfg (borrowed). */
void claw_sandbox_opts_from_config(struct claw_sandbox_opts *o, const struct claw_config *cfg);
/* A quarter of the machine's physical memory, at least
 * CLAW_SANDBOX_MEMORY_MIN. */
uint64_t claw_sandbox_memory_default(void);

/* Covers dir (an absolute path; its real path is used) in every sandbox
 * this process makes from now on, like the home: claw serve names its
 * socket's folder.  "/" and paths past CLAW_SANDBOX_HIDE_MAX are ignored
 * (the socket file is still hidden through /proc/net/unix).  Call before
 * threads run commands. */
void claw_sandbox_hide_dir(const char *dir);

/* Resolves the mode (probing bwrap once per process for auto and bwrap) and
 * makes a sandbox.  CLAW_ECONFIG when mode is bwrap and bubblewrap is
 * missing or does not work here (the message says why), or for a timeout
 * <= 0.  Caller frees. */
enum claw_err claw_sandbox_new(const struct claw_sandbox_opts *o, struct claw_sandbox **out,
			       struct claw_error *err);
void claw_sandbox_free(struct claw_sandbox *sb);

/* Makes path (its real path) readable in every command of sb even where a
 * private /tmp or /run would hide it, read-only: a run's worktree names
 * its repository's git folder, whose history `git log` and `git diff` in
 * the sandbox read.  Paths in claw's home stay hidden.  Call before sb
 * runs commands (it is read-only after that). */
void claw_sandbox_add_readable(struct claw_sandbox *sb, const char *path);

/* CLAW_SANDBOX_BWRAP or CLAW_SANDBOX_NONE: the mode in force. */
enum claw_sandbox_mode claw_sandbox_mode(const struct claw_sandbox *sb);
/* The options in force (strings owned by sb). */
const struct claw_sandbox_opts *claw_sandbox_opts(const struct claw_sandbox *sb);

/* An argv built by claw_sandbox_argv(): free with claw_sandbox_argv_free().
 * Fields are read-only for callers. */
struct claw_sandbox_argv {
	const char **v; /* NULL-terminated */
	size_t n, cap;
	char **own; /* strings v points into that the argv owns */
	size_t nown, own_cap;
};

/* The argv that runs `/bin/sh -c command` in project (a real absolute
 * path): bwrap's in bwrap mode, sh's in none mode.  Strings are borrowed
 * from sb, project and command, or owned by a.  CLAW_ECONFIG when the home
 * cannot be hidden (it is "/" or the project itself), when
 * /proc/net/unix cannot be read or more than CLAW_SANDBOX_SOCKETS_MAX host
 * sockets would need hiding; a is then empty but still to be freed. */
enum claw_err claw_sandbox_argv(const struct claw_sandbox *sb, const char *project,
				const char *command, struct claw_sandbox_argv *a,
				struct claw_error *err);
void claw_sandbox_argv_free(struct claw_sandbox_argv *a);

/* Runs `/bin/sh -c command` in project under the sandbox with exactly the
 * environment envp, limits, timeout and capture of CLAW_SANDBOX_CAPTURE_MAX
 * (proc.h); res->oom_kills says whether the memory limit killed anything.
 * CLAW_OK whenever the command ran, whatever its exit; errors only when it
 * could not be started.  Caller frees res. */
enum claw_err claw_sandbox_run(const struct claw_sandbox *sb, const char *project,
			       const char *command, char *const *envp, struct claw_proc_result *res,
			       struct claw_error *err);

/* A program to leave running in the sandbox: argv[0] is looked up in the
 * PATH of envp (by /bin/sh: the program runs as `exec argv...`).  net
 * replaces the sandbox's own network setting for this program; readable
 * (real absolute paths) are made readable like claw_sandbox_add_readable's.
 * Everything is borrowed for the call. */
struct claw_sandbox_program {
	const char *const *argv; /* NULL-terminated */
	char *const *envp;       /* its whole environment */
	bool net;
	const char *const *readable;
	size_t nreadable;
};

/* A program running in the sandbox, with its cgroup.  Owned by the caller
 * until claw_sandbox_child_stop(). */
struct claw_sandbox_child {
	struct claw_proc_child proc; /* its pid and fds (proc.h) */
	struct claw_cgroup *cg;      /* its cgroup, or NULL */
};

/* Starts p in project under the sandbox, with the same isolation, limits
 * (but no timeout: the caller stops it) and cgroups as claw_sandbox_run,
 * and returns with it running (claw_proc_spawn: it dies with the calling
 * thread, and bwrap's --die-with-parent takes the whole sandbox with it).
 * Errors as claw_sandbox_argv and claw_proc_spawn; *c is then stopped. */
enum claw_err claw_sandbox_spawn(const struct claw_sandbox *sb, const char *project,
				 const struct claw_sandbox_program *p, struct claw_sandbox_child *c,
				 struct claw_error *err);
/* claw_proc_child_stop, then res->oom_kills from its memory cgroup, which
 * is removed. */
void claw_sandbox_child_stop(struct claw_sandbox_child *c, int64_t grace_ms,
			     struct claw_proc_result *res);

/* Frees envp (NULL-terminated, each string and the array malloc'd),
 * wiping every string first: an environment may hold secrets.  NULL is a
 * no-op. */
void claw_sandbox_env_free(char **envp);

/* Does bubblewrap at path (absolute) work here, with the isolation options
 * claw uses?  CLAW_OK, or CLAW_ECONFIG with bwrap's complaint.  Not cached:
 * claw_sandbox_new() caches its own probe. */
enum claw_err claw_sandbox_probe(const char *bwrap, struct claw_error *err);

#endif
