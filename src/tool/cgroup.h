/*
 * cgroup — a pids cgroup per sandboxed command, where claw may make one.
 *
 * Why: RLIMIT_NPROC is the process limit the sandbox sets, but the kernel
 * never applies it to uid 0 (copy_process exempts the root user whatever
 * its capabilities or user namespace), so claw running as root, as it does
 * in many containers, would let a fork bomb in a build take the machine.  A
 * pids cgroup limits root too.  When claw can create a cgroup with a pids
 * controller (in the cgroup v1 "pids" hierarchy, or in v2 below a cgroup
 * whose subtree_control has pids; under claw's own cgroup or, failing that,
 * at the root of the hierarchy), each command runs in a fresh one with
 * pids.max set, and claw_cgroup_destroy() kills whatever is left in it, which also
 * catches processes that escaped their process group with setsid.
 *
 * Where it cannot (an unprivileged user without delegation: the usual
 * desktop case), claw_cgroup_create() fails with CLAW_ENOTFOUND and
 * RLIMIT_NPROC, which does bind non-root users, is the limit.
 *
 * Threads: thread-safe.  The controller is located once per process.
 */
#ifndef CLAW_TOOL_CGROUP_H
#define CLAW_TOOL_CGROUP_H

#include <stdint.h>

#include "base/err.h"

struct claw_cgroup;

/* Creates a fresh cgroup "claw-<pid>-<n>" (see above for where) with
 * pids.max = pids_max.  CLAW_ENOTFOUND (with the reason) when there is no
 * writable pids controller here.  Caller destroys. */
enum claw_err claw_cgroup_create(int64_t pids_max, struct claw_cgroup **out,
				 struct claw_error *err);

/* Its cgroup.procs, open for writing: a child writes "0" to join (see
 * struct claw_proc_spec).  Borrowed; valid until destroy. */
int claw_cgroup_procs_fd(const struct claw_cgroup *cg);

/* The most processes that were in it at once, or -1 when the kernel does
 * not say (pids.peak is Linux 6.1+). */
int64_t claw_cgroup_peak(const struct claw_cgroup *cg);

/* Kills every process still in it, removes it and frees cg.  NULL is a
 * no-op.  Never fails (a cgroup that will not go is logged and left). */
void claw_cgroup_destroy(struct claw_cgroup *cg);

/* Where cgroups would be created ("" when nowhere), for diagnostics. */
const char *claw_cgroup_base(void);

#endif
