/*
 * sandbox — where agents' shell commands run: bubblewrap, resource limits,
 * and a kill that reaches every process a command started.
 *
 * With bwrap (SPEC section 5.1) a command sees the host filesystem
 * read-only, the project folder read-write, a private size-capped /tmp, its
 * own /dev and /proc, no network unless opts.net, and a new PID namespace
 * (so /proc/<claw pid>/environ does not exist in there).  claw's home
 * ($CLAW_HOME: dbs, claw.env, secrets files) is covered by an empty
 * read-only tmpfs, so it is not visible at all.  The command runs with no
 * capabilities (--cap-drop ALL: as root, bwrap would otherwise keep them,
 * and root with CAP_SYS_ADMIN in the sandbox's namespaces can simply
 * unmount that tmpfs), cannot make user namespaces (--disable-userns), runs
 * in its own session (--new-session: no TIOCSTI into claw's terminal), and
 * dies with claw (--die-with-parent).  The full argv is in
 * claw_sandbox_argv() and DESIGN notes in docs.
 *
 * Limits (0 = none): CPU seconds, file size, processes and address space as
 * rlimits on the command and everything it starts; the process count also
 * as a pids cgroup when claw can make one (cgroup.h says why root needs it).
 * The address-space limit is off by default: AddressSanitizer reserves
 * ~20 TB of address space and V8 several GB, so any finite default breaks
 * sanitizer-built test suites (claw's own among them).  Set it for projects
 * that need none of those.
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
 */
#ifndef CLAW_TOOL_SANDBOX_H
#define CLAW_TOOL_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "tool/proc.h"

#define CLAW_SANDBOX_CAPTURE_MAX (1024 * 1024) /* output kept from the start */
#define CLAW_SANDBOX_PROBE_TIMEOUT_MS 10000
#define CLAW_SANDBOX_CPU_SECONDS_DEFAULT 600
#define CLAW_SANDBOX_FILE_BYTES_DEFAULT (2ULL << 30) /* 2 GiB */
#define CLAW_SANDBOX_PROCESSES_DEFAULT 2048
#define CLAW_SANDBOX_MEMORY_BYTES_DEFAULT 0         /* off: see above */
#define CLAW_SANDBOX_TMP_BYTES_DEFAULT (1ULL << 30) /* 1 GiB */
#define CLAW_SANDBOX_ARGV_MAX 48

/* How to sandbox.  A value type: fill with claw_sandbox_opts_default() or
 * claw_sandbox_opts_from_config(), then adjust.  Strings are borrowed until
 * claw_sandbox_new() returns (it copies them). */
struct claw_sandbox_opts {
	enum claw_sandbox_mode mode;
	bool net;              /* CLAW_SANDBOX_NET */
	int64_t timeout_ms;    /* CLAW_TOOL_TIMEOUT_MS: the whole group dies after it */
	const char *home;      /* $CLAW_HOME, hidden from commands; NULL: nothing */
	const char *bwrap;     /* bubblewrap program; NULL: "bwrap" from $PATH */
	uint64_t cpu_seconds;  /* RLIMIT_CPU */
	uint64_t file_bytes;   /* RLIMIT_FSIZE: largest file a command may write */
	uint64_t processes;    /* RLIMIT_NPROC and pids.max */
	uint64_t memory_bytes; /* RLIMIT_AS, per process */
	uint64_t tmp_bytes;    /* size of the private /tmp */
};

struct claw_sandbox;

/* Defaults: auto, no network, CLAW_CONFIG_TOOL_TIMEOUT_MS_DEFAULT, the
 * CLAW_SANDBOX_*_DEFAULT limits, no home. */
void claw_sandbox_opts_default(struct claw_sandbox_opts *o);
/* Defaults, then mode, net, timeout and home from cfg (borrowed). */
void claw_sandbox_opts_from_config(struct claw_sandbox_opts *o, const struct claw_config *cfg);

/* Resolves the mode (probing bwrap once per process for auto and bwrap) and
 * makes a sandbox.  CLAW_ECONFIG when mode is bwrap and bubblewrap is
 * missing or does not work here (the message says why), or for a timeout
 * <= 0.  Caller frees. */
enum claw_err claw_sandbox_new(const struct claw_sandbox_opts *o, struct claw_sandbox **out,
			       struct claw_error *err);
void claw_sandbox_free(struct claw_sandbox *sb);

/* CLAW_SANDBOX_BWRAP or CLAW_SANDBOX_NONE: the mode in force. */
enum claw_sandbox_mode claw_sandbox_mode(const struct claw_sandbox *sb);
/* The options in force (strings owned by sb). */
const struct claw_sandbox_opts *claw_sandbox_opts(const struct claw_sandbox *sb);

/* An argv built by claw_sandbox_argv(): a value type for the stack. */
struct claw_sandbox_argv {
	const char *v[CLAW_SANDBOX_ARGV_MAX + 1]; /* NULL-terminated */
	size_t n;
	char home[PATH_MAX]; /* storage for the home's real path */
	char tmp_size[24];   /* storage for --size */
};

/* The argv that runs `/bin/sh -c command` in project (a real absolute
 * path): bwrap's in bwrap mode, sh's in none mode.  Strings are borrowed
 * from sb, project, command and a.  CLAW_ECONFIG when the home cannot be
 * hidden (it is "/" or the project itself). */
enum claw_err claw_sandbox_argv(const struct claw_sandbox *sb, const char *project,
				const char *command, struct claw_sandbox_argv *a,
				struct claw_error *err);

/* Runs `/bin/sh -c command` in project under the sandbox with exactly the
 * environment envp, limits, timeout and capture of CLAW_SANDBOX_CAPTURE_MAX
 * (proc.h).  CLAW_OK whenever the command ran, whatever its exit; errors
 * only when it could not be started.  Caller frees res. */
enum claw_err claw_sandbox_run(const struct claw_sandbox *sb, const char *project,
			       const char *command, char *const *envp, struct claw_proc_result *res,
			       struct claw_error *err);

/* Does bubblewrap at path (absolute) work here, with the isolation options
 * claw uses?  CLAW_OK, or CLAW_ECONFIG with bwrap's complaint.  Not cached:
 * claw_sandbox_new() caches its own probe. */
enum claw_err claw_sandbox_probe(const char *bwrap, struct claw_error *err);

#endif
