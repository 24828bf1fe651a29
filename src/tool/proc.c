/*
 * proc — fork, capture, deadline, group kill, reap.  See proc.h.
 *
 * Start-up errors travel back on a close-on-exec "exec pipe": the child
 * writes {stage, errno} there and exits 127 if a step before execve fails;
 * a successful execve closes the pipe, so the parent reading 0 bytes knows
 * the program is running.  Only then does the deadline clock matter.
 */
#include "tool/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "base/str.h"

#define READ_CHUNK 16384
#define POLL_TICK_MS 20 /* exit polling when there is no pidfd */

/* Which start-up step failed, for the parent's message. */
enum stage { ST_FDS = 1, ST_CGROUP, ST_RLIMIT, ST_CWD, ST_PARENT, ST_EXEC };

struct startup_error {
	int stage;
	int err;
};

/* Output kept so far: a head buffer, then a ring of the latest bytes. */
struct capture {
	struct claw_buf head; /* cap: head_max */
	size_t head_max;
	char *ring;      /* CLAW_PROC_TAIL_MAX bytes, allocated on overflow */
	size_t ring_pos; /* next write position */
	size_t ring_len; /* bytes held */
	uint64_t total;
};

static void
capture_add(struct capture *c, const char *p, size_t n)
{
	c->total += n;
	size_t room = c->head_max - claw_buf_len(&c->head);
	size_t k = n < room ? n : room;
	if (k != 0)
		(void)claw_buf_append(&c->head, p, k);
	p += k;
	n -= k;
	if (n == 0)
		return;
	if (c->ring == NULL)
		c->ring = claw_xmalloc(CLAW_PROC_TAIL_MAX);
	if (n >= CLAW_PROC_TAIL_MAX) {
		p += n - CLAW_PROC_TAIL_MAX;
		n = CLAW_PROC_TAIL_MAX;
	}
	while (n > 0) {
		size_t chunk = CLAW_PROC_TAIL_MAX - c->ring_pos;
		if (chunk > n)
			chunk = n;
		memcpy(c->ring + c->ring_pos, p, chunk);
		c->ring_pos = (c->ring_pos + chunk) % CLAW_PROC_TAIL_MAX;
		c->ring_len = c->ring_len + chunk > CLAW_PROC_TAIL_MAX ? CLAW_PROC_TAIL_MAX
								       : c->ring_len + chunk;
		p += chunk;
		n -= chunk;
	}
}

/* Head then ring, in order, into res. */
static void
capture_finish(struct capture *c, struct claw_proc_result *res)
{
	size_t head = claw_buf_len(&c->head);
	res->out = claw_xmalloc(head + c->ring_len + 1);
	memcpy(res->out, claw_buf_str(&c->head), head);
	size_t start = (c->ring_pos + CLAW_PROC_TAIL_MAX - c->ring_len) % CLAW_PROC_TAIL_MAX;
	for (size_t i = 0; i < c->ring_len; i++)
		res->out[head + i] = c->ring[(start + i) % CLAW_PROC_TAIL_MAX];
	res->len = head + c->ring_len;
	res->out[res->len] = '\0';
	res->head_len = head;
	res->total = c->total;
}

/* ------------------------------------------------------------------- child */

static void
child_fail(int fd, enum stage stage)
{
	struct startup_error se = {(int)stage, errno};
	(void)!write(fd, &se, sizeof se);
	_exit(127);
}

/* The forked child: async-signal-safe calls only. */
__attribute__((noreturn)) static void
child_main(const struct claw_proc_spec *spec, const struct rlimit *rl, int in_r, int out_w,
	   int err_w, int exec_w, pid_t parent)
{
	sigset_t none;
	struct sigaction dfl;

	/* Lift every fd we need above 2 first: if claw was started with 0-2
	 * closed, a pipe may sit there and dup2 would clobber it. */
	in_r = fcntl(in_r, F_DUPFD, 10);
	out_w = fcntl(out_w, F_DUPFD, 10);
	err_w = fcntl(err_w, F_DUPFD, 10);
	exec_w = fcntl(exec_w, F_DUPFD_CLOEXEC, 10);
	int cg[CLAW_PROC_CGROUPS_MAX];
	bool cg_ok = true;
	for (size_t i = 0; i < spec->ncgroups; i++) {
		cg[i] = fcntl(spec->cgroup_fds[i], F_DUPFD_CLOEXEC, 10);
		cg_ok = cg_ok && cg[i] >= 0;
	}
	if (exec_w < 0)
		_exit(127);
	if (in_r < 0 || out_w < 0 || err_w < 0 || !cg_ok)
		child_fail(exec_w, ST_FDS);

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &dfl, NULL); /* SIGKILL/SIGSTOP refuse: fine */
	(void)setpgid(0, 0);
	/* A child left running (parent != 0) dies with the thread that
	 * started it, so a killed claw leaves no server behind (only this
	 * process: what it starts is on its own unless a sandbox holds it) (bwrap's
	 * --die-with-parent does the same for everything in its sandbox). */
	if (parent != 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
		child_fail(exec_w, ST_PARENT);

	if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		child_fail(exec_w, ST_FDS);
	/* Join the cgroups before anything can fork. */
	for (size_t i = 0; i < spec->ncgroups; i++)
		if (write(cg[i], "0", 1) != 1)
			child_fail(exec_w, ST_CGROUP);
	for (size_t i = 0; i < spec->nlimits; i++)
		if (setrlimit(spec->limits[i].resource, &rl[i]) != 0)
			child_fail(exec_w, ST_RLIMIT);
	if (spec->cwd != NULL && chdir(spec->cwd) != 0)
		child_fail(exec_w, ST_CWD);
	/* Everything but 0-2 and the exec pipe (close-on-exec) goes. */
	if (exec_w > 3)
		(void)close_range(3, (unsigned)exec_w - 1, 0);
	(void)close_range((unsigned)exec_w + 1, ~0U, 0);
	execve(spec->path, spec->argv, spec->envp);
	child_fail(exec_w, ST_EXEC);
	_exit(127); /* not reached */
}

/* ------------------------------------------------------------------ parent */

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* True once the child has exited (it stays a zombie: not reaped here). */
static bool
child_exited(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

static enum claw_err
startup_failed(const struct claw_proc_spec *spec, const struct startup_error *se,
	       struct claw_error *err)
{
	char e[128];
	const char *why = claw_errno_text(se->err, e, sizeof e);
	switch (se->stage) {
	case ST_CWD:
		return claw_error_set(err, CLAW_EIO, "cannot enter %s: %s", spec->cwd, why);
	case ST_CGROUP:
		return claw_error_set(err, CLAW_EIO, "cannot join the process cgroup: %s", why);
	case ST_RLIMIT:
		return claw_error_set(err, CLAW_EIO, "cannot set a resource limit: %s", why);
	case ST_PARENT:
		return claw_error_set(err, CLAW_EIO, "cannot tie %s to claw's life: %s", spec->path,
				      why);
	case ST_EXEC:
		return claw_error_set(err, CLAW_EIO, "cannot run %s: %s", spec->path, why);
	default:
		return claw_error_set(err, CLAW_EIO, "cannot set up the child of %s: %s",
				      spec->path, why);
	}
}

/* Reads what is available on *fd into c; closes it at EOF or error. */
static void
drain_once(int *fd, struct capture *c, char *chunk)
{
	for (;;) {
		ssize_t r = read(*fd, chunk, READ_CHUNK);
		if (r > 0) {
			capture_add(c, chunk, (size_t)r);
			if (r < READ_CHUNK)
				return;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		close_fd(fd);
		return;
	}
}

/* Waits for the child: reads both pipes until the child has exited and
 * they are closed (or drained for CLAW_PROC_DRAIN_MS), killing the group at
 * the deadline or once the leader is gone.  stderr goes to errc (c itself
 * unless it is kept apart). */
static void
supervise(const struct claw_proc_spec *spec, pid_t pid, int pidfd, int *fds, struct capture *c,
	  struct capture *errc, struct claw_proc_result *res)
{
	int64_t deadline = claw_clock_mono_ms() + spec->timeout_ms;
	int64_t drain_until = -1; /* set once the group has been killed */
	bool exited = false;
	char *chunk = claw_xmalloc(READ_CHUNK);

	for (;;) {
		int64_t now = claw_clock_mono_ms();
		if (!exited && (pidfd < 0 || drain_until >= 0))
			exited = child_exited(pid);
		if (drain_until < 0 && (exited || now >= deadline)) {
			/* Kill the whole group: leftovers after a normal exit, or
			 * everything at the deadline. */
			res->timed_out = !exited;
			(void)kill(-pid, SIGKILL);
			drain_until = now + CLAW_PROC_DRAIN_MS;
		}
		if (fds[0] < 0 && fds[1] < 0 && exited)
			break;
		if (drain_until >= 0 && now >= drain_until)
			break;

		struct pollfd pf[3];
		nfds_t n = 0;
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				pf[n++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		if (pidfd >= 0 && !exited)
			pf[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		int64_t wait = (drain_until >= 0 ? drain_until : deadline) - now;
		if ((pidfd < 0 || drain_until >= 0) && !exited && wait > POLL_TICK_MS)
			wait = POLL_TICK_MS;
		if (wait < 0)
			wait = 0;
		int pr = poll(pf, n, (int)wait);
		if (pr < 0 && errno != EINTR)
			claw_clock_sleep_ms(POLL_TICK_MS); /* should not happen; don't spin */
		for (nfds_t i = 0; pr > 0 && i < n; i++) {
			if (pf[i].revents == 0)
				continue;
			if (pf[i].fd == pidfd)
				exited = child_exited(pid);
			else if (pf[i].fd == fds[0])
				drain_once(&fds[0], c, chunk);
			else
				drain_once(&fds[1], errc, chunk);
		}
	}
	free(chunk);
}

/* Reaps pid, putting its exit into res (may be NULL). */
static void
reap(pid_t pid, struct claw_proc_result *res)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (res == NULL)
		return;
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		res->exit_code = 128 + res->signal;
	}
}

/* Forks and execs spec with stdin from in_r and stdout and stderr on new
 * pipes, whose read ends (non-blocking, close-on-exec) go to *out_r and
 * *err_r.  On failure the child, if any, is killed and reaped. */
static enum claw_err
start(const struct claw_proc_spec *spec, int in_r, bool die_with_parent, pid_t *pid_out, int *out_r,
      int *err_r, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct rlimit rl[CLAW_PROC_LIMITS_MAX];
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
	struct startup_error se = {0, 0};
	pid_t pid = -1, parent = die_with_parent ? getpid() : 0;
	char e[128];

	if (spec->nlimits > CLAW_PROC_LIMITS_MAX || spec->ncgroups > CLAW_PROC_CGROUPS_MAX ||
	    spec->timeout_ms <= 0)
		return claw_error_set(err, CLAW_EINVAL, "bad process spec for %s", spec->path);
	for (size_t i = 0; i < spec->nlimits; i++)
		rl[i].rlim_cur = rl[i].rlim_max = (rlim_t)spec->limits[i].value;
	if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
	    pipe2(execp, O_CLOEXEC) != 0) {
		rc = claw_error_set(err, CLAW_EIO, "cannot make pipes for %s: %s", spec->path,
				    claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = claw_error_set(err, CLAW_EIO, "cannot fork for %s: %s", spec->path,
				    claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	if (pid == 0)
		child_main(spec, rl, in_r, outp[1], errp[1], execp[1], parent);
	(void)setpgid(pid, pid); /* also done by the child: whoever runs first */
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&execp[1]);

	ssize_t got;
	do
		got = read(execp[0], &se, sizeof se);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof se) {
		rc = startup_failed(spec, &se, err);
		goto out;
	}
	(void)fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
	(void)fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK);
	*pid_out = pid;
	*out_r = outp[0];
	*err_r = errp[0];
	outp[0] = errp[0] = -1;
out:
	if (rc != CLAW_OK && pid > 0) {
		(void)kill(-pid, SIGKILL);
		reap(pid, NULL);
	}
	for (int i = 0; i < 2; i++) {
		close_fd(&outp[i]);
		close_fd(&errp[i]);
		close_fd(&execp[i]);
	}
	return rc;
}

enum claw_err
claw_proc_run(const struct claw_proc_spec *spec, struct claw_proc_result *res,
	      struct claw_error *err)
{
	enum claw_err rc;
	int devnull = -1, pidfd = -1, fds[2] = {-1, -1};
	struct capture cap = {.head = CLAW_BUF_INIT(spec->capture_max),
			      .head_max = spec->capture_max};
	struct capture errcap = {.head = CLAW_BUF_INIT(CLAW_PROC_ERR_MAX),
				 .head_max = CLAW_PROC_ERR_MAX};
	pid_t pid = -1;
	char e[128];

	memset(res, 0, sizeof *res);
	int64_t t0 = claw_clock_mono_ms();
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		rc = claw_error_set(err, CLAW_EIO, "cannot open /dev/null for %s: %s", spec->path,
				    claw_errno_text(errno, e, sizeof e));
	else
		rc = start(spec, devnull, false, &pid, &fds[0], &fds[1], err);
	if (rc == CLAW_OK) {
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		supervise(spec, pid, pidfd, fds, &cap, spec->stderr_apart ? &errcap : &cap, res);
		capture_finish(&cap, res);
		if (spec->stderr_apart)
			res->err = claw_buf_steal(&errcap.head);
		reap(pid, res);
	}
	res->ms = claw_clock_mono_ms() - t0;
	close_fd(&fds[0]);
	close_fd(&fds[1]);
	close_fd(&pidfd);
	close_fd(&devnull);
	claw_buf_free(&cap.head);
	free(cap.ring);
	claw_buf_free(&errcap.head);
	free(errcap.ring);
	return rc;
}

enum claw_err
claw_proc_spawn(const struct claw_proc_spec *spec, struct claw_proc_child *c,
		struct claw_error *err)
{
	int inp[2] = {-1, -1};
	char e[128];
	enum claw_err rc;

	*c = (struct claw_proc_child){.pid = -1, .pidfd = -1, .in = -1, .out = -1, .err = -1};
	/* stdin is a socket, not a pipe: claw writes it with MSG_NOSIGNAL,
	 * so a server that died is an EPIPE, never a SIGPIPE for claw. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, inp) != 0)
		return claw_error_set(err, CLAW_EIO, "cannot make a socket for %s: %s", spec->path,
				      claw_errno_text(errno, e, sizeof e));
	rc = start(spec, inp[0], true, &c->pid, &c->out, &c->err, err);
	close_fd(&inp[0]);
	if (rc != CLAW_OK) {
		close_fd(&inp[1]);
		return rc;
	}
	c->in = inp[1];
	/* A child that stops reading must not block claw's writes. */
	(void)fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return CLAW_OK;
}

bool
claw_proc_child_exited(const struct claw_proc_child *c)
{
	return c->pid > 0 && child_exited(c->pid);
}

void
claw_proc_child_stop(struct claw_proc_child *c, int64_t grace_ms, struct claw_proc_result *res)
{
	if (res != NULL)
		memset(res, 0, sizeof *res);
	close_fd(&c->in); /* EOF on stdin: how a stdio server is asked to stop */
	if (c->pid > 0) {
		int64_t until = claw_clock_mono_ms() + grace_ms;
		while (!child_exited(c->pid) && claw_clock_mono_ms() < until) {
			struct pollfd pf = {.fd = c->pidfd, .events = POLLIN};
			if (c->pidfd < 0 || poll(&pf, 1, POLL_TICK_MS) < 0)
				claw_clock_sleep_ms(POLL_TICK_MS);
		}
		(void)kill(-c->pid, SIGKILL); /* the group: whatever it started */
		reap(c->pid, res);
	}
	close_fd(&c->out);
	close_fd(&c->err);
	close_fd(&c->pidfd);
	c->pid = -1;
}

void
claw_proc_result_free(struct claw_proc_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->len = 0;
}

char *
claw_proc_find_program(const char *name)
{
	const char *path = getenv("PATH");
	struct claw_str rest = claw_str_from(path != NULL ? path : "/usr/local/bin:/usr/bin:/bin");

	while (rest.n > 0) {
		struct claw_str dir = claw_str_cut(&rest, ':');
		if (dir.n == 0 || dir.p[0] != '/')
			continue; /* relative entries would depend on the cwd */
		char *cand = claw_xasprintf("%.*s/%s", (int)dir.n, dir.p, name);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}
