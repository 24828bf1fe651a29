/*
 * cgroup — a pids and a memory cgroup per sandboxed command, where claw may
 * make them.
 *
 * Why pids: RLIMIT_NPROC is the process limit the sandbox sets, but the
 * kernel never applies it to uid 0 (copy_process exempts the root user
 * whatever its capabilities or user namespace), so claw running as root, as
 * it does in many containers, would let a fork bomb in a build take the
 * machine.  A pids cgroup limits root too.  Why memory: RLIMIT_AS counts
 * address space, not memory (AddressSanitizer reserves terabytes, V8
 * gigabytes), and per process; a memory cgroup counts what the command and
 * all its children really use, tmpfs pages included, and the kernel's OOM
 * killer acts inside it alone.
 *
 * Where claw can create a cgroup with a controller (in the cgroup v1
 * hierarchy of that name, or in v2 below a cgroup whose subtree_control
 * lists it; under claw's own cgroup or, failing that, at the root of the
 * hierarchy), each command runs in a fresh one with the limit set, and
 * claw_cgroup_destroy() kills whatever is left in it, which also catches
 * processes that escaped their process group with setsid.
 *
 * Where it cannot (an unprivileged user without delegation: the usual
 * desktop case), the controller is simply not used: claw_cgroup_create()
 * makes what it can and fails with CLAW_ENOTFOUND only when it can make
 * nothing; the sandbox then falls back to rlimits (sandbox.h).
 *
 * Threads: thread-safe.  The controllers are located once per process.
 */
#ifndef CLAW_TOOL_CGROUP_H
#define CLAW_TOOL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct claw_cgroup;

#define CLAW_CGROUP_FDS_MAX 2 /* cgroups one command joins (v1: pids, memory) */

/* What to limit; 0 = not that. */
struct claw_cgroup_limits {
	int64_t pids_max;      /* pids.max */
	uint64_t memory_bytes; /* memory.max (v2) or memory.limit_in_bytes (v1) */
};

/* Creates fresh cgroups "claw-<pid>-<n>" (see above for where) for the
 * limits asked that this machine can apply.  CLAW_ENOTFOUND (with the
 * reason) when it can apply none of them.  Caller destroys. */
enum claw_err claw_cgroup_create(const struct claw_cgroup_limits *lim, struct claw_cgroup **out,
				 struct claw_error *err);

/* The cgroup.procs files to join, open for writing (a child writes "0" to
 * each: see struct claw_proc_spec), into fds[CLAW_CGROUP_FDS_MAX]; returns
 * how many.  Borrowed; valid until destroy. */
size_t claw_cgroup_procs_fds(const struct claw_cgroup *cg, int *fds);

/* Whether cg limits processes / memory. */
bool claw_cgroup_limits_pids(const struct claw_cgroup *cg);
bool claw_cgroup_limits_memory(const struct claw_cgroup *cg);

/* How many processes the kernel's OOM killer killed in it for its memory
 * limit, or -1 when the kernel does not say or cg does not limit memory. */
int64_t claw_cgroup_oom_kills(const struct claw_cgroup *cg);

/* Kills every process still in it, removes it and frees cg.  NULL is a
 * no-op.  Never fails (a cgroup that will not go is logged and left). */
void claw_cgroup_destroy(struct claw_cgroup *cg);

/* Where pids / memory cgroups would be created ("" when nowhere), for
 * diagnostics. */
const char *claw_cgroup_base(void);
const char *claw_cgroup_memory_base(void);

#endif
