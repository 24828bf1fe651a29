/*
 * mcp/stdio — the stdio transport: a server claw starts in the run's
 * sandbox, one JSON-RPC message per line each way.  See transport.h.
 *
 * Reading is pull-only: the server's output is read when claw waits for a
 * message, split into lines (rpc.h), and each line read into a queue; a
 * line that is not JSON-RPC becomes a queued error, so it fails the wait it
 * arrives in and nothing else.  stderr is read whenever stdout is, into a
 * ring of its last bytes.  A server whose stdout ends or whose process
 * exits is stopped at once (the rest of its group killed, reaped), and how
 * it ended is kept for the messages that follow.
 */
#include "mcp/transport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "tool/sandbox.h"

#define READ_CHUNK 16384
#define POLL_TICK_MS 20  /* exit polling when there is no pidfd */
#define READABLE_MAX 8   /* folders made readable for one server */
#define ENV_FIXED 4      /* PATH, HOME, LANG, TERM */
#define ENDED_MAX 160    /* bytes of "the server exited with status N" */
#define READS_MAX 16     /* chunks read from one fd per wake-up */
#define END_GRACE_MS 200 /* a server that closed its output: time to exit */

struct stdio_conn {
	struct claw_mcp_conn base;
	struct claw_sandbox_child child;
	struct claw_mcp_lines lines;
	struct claw_mcp_queue q;
	char ring[CLAW_MCP_STDERR_MAX]; /* the last bytes of stderr */
	size_t ring_pos, ring_len;
	char *diag;            /* the ring as a string, made on demand */
	bool err_eof;          /* its stderr is closed: not polled any more */
	bool flood;            /* it sent more than CLAW_MCP_QUEUE_MAX unread messages */
	bool gone;             /* stopped: the server ended or broke */
	char ended[ENDED_MAX]; /* how, once gone */
};

/* ------------------------------------------------------------------ lines */

static bool
on_line(void *ctx, const char *text, size_t len)
{
	struct stdio_conn *s = ctx;
	if (claw_mcp_queue_push(&s->q, text, len))
		return true;
	s->flood = true; /* stop reading: the server writes faster than claw reads */
	return false;
}

/* ------------------------------------------------------------------ stderr */

static void
ring_add(struct stdio_conn *s, const char *p, size_t n)
{
	if (n >= sizeof s->ring) {
		p += n - sizeof s->ring;
		n = sizeof s->ring;
	}
	for (size_t i = 0; i < n; i++) {
		s->ring[s->ring_pos] = p[i];
		s->ring_pos = (s->ring_pos + 1) % sizeof s->ring;
	}
	s->ring_len = s->ring_len + n > sizeof s->ring ? sizeof s->ring : s->ring_len + n;
}

static const char *
diagnostics(struct claw_mcp_conn *t)
{
	struct stdio_conn *s = (struct stdio_conn *)t;
	free(s->diag);
	s->diag = claw_xmalloc(s->ring_len + 1);
	size_t start = (s->ring_pos + sizeof s->ring - s->ring_len) % sizeof s->ring;
	size_t n = s->ring_len;
	for (size_t i = 0; i < n; i++)
		s->diag[i] = s->ring[(start + i) % sizeof s->ring];
	while (n > 0 && (s->diag[n - 1] == '\n' || s->diag[n - 1] == '\r' || s->diag[n - 1] == ' '))
		n--;
	s->diag[n] = '\0';
	return s->diag;
}

/* ------------------------------------------------------------------- ending */

/* Stops the server (it ended, or broke the protocol), keeping how: one
 * that closed its output gets a moment to exit by itself. */
static void
stop(struct stdio_conn *s, const char *why)
{
	struct claw_proc_result res;

	if (s->gone)
		return;
	claw_sandbox_child_stop(&s->child, why != NULL ? 0 : END_GRACE_MS, &res);
	s->gone = true;
	if (why != NULL)
		(void)snprintf(s->ended, sizeof s->ended, "%s", why);
	else if (res.signal != 0)
		(void)snprintf(s->ended, sizeof s->ended, "the server was killed by signal %d%s",
			       res.signal, res.oom_kills > 0 ? " (out of memory)" : "");
	else
		(void)snprintf(s->ended, sizeof s->ended, "the server exited with status %d",
			       res.exit_code);
}

static enum claw_err
gone_error(struct stdio_conn *s, struct claw_error *err)
{
	return claw_error_set(err, CLAW_EIO, "%s", s->ended);
}

/* Reads what is there on fd, at most READS_MAX chunks (a server writing
 * without pause must not keep claw here past its deadline): stdout into
 * lines, stderr into the ring.  False at its end (EOF or error). */
static bool
read_fd(struct stdio_conn *s, int fd, char *chunk, struct claw_error *over)
{
	for (int k = 0; k < READS_MAX && !s->flood; k++) {
		ssize_t r = read(fd, chunk, READ_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return true;
		if (r <= 0)
			return false;
		if (fd == s->child.proc.err)
			ring_add(s, chunk, (size_t)r);
		else if (claw_mcp_lines_feed(&s->lines, chunk, (size_t)r, on_line, s, NULL, over) !=
			 CLAW_OK)
			return false;
		if (r < READ_CHUNK)
			return true;
	}
	return true;
}

/* ---------------------------------------------------------------- transport */

static enum claw_err
stdio_send(struct claw_mcp_conn *t, const char *json, size_t len, int64_t deadline,
	   struct claw_error *err)
{
	struct stdio_conn *s = (struct stdio_conn *)t;
	char e[128];

	for (size_t off = 0; off <= len;) {
		if (s->gone)
			return gone_error(s, err);
		/* The message, then its newline. */
		const char *p = off < len ? json + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(s->child.proc.in, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN) {
			int why = errno; /* stop() makes system calls */
			stop(s, NULL);
			if (why != EPIPE)
				(void)snprintf(s->ended, sizeof s->ended,
					       "cannot write to the server: %s",
					       claw_errno_text(why, e, sizeof e));
			return gone_error(s, err);
		}
		int64_t left = deadline - claw_clock_mono_ms();
		if (left <= 0)
			return claw_error_set(err, CLAW_ETIMEOUT,
					      "the server did not read its input in time");
		struct pollfd pf = {.fd = s->child.proc.in, .events = POLLOUT};
		(void)poll(&pf, 1, (int)(left < POLL_TICK_MS * 50 ? left : POLL_TICK_MS * 50));
	}
	return CLAW_OK;
}

static enum claw_err
stdio_recv(struct claw_mcp_conn *t, int64_t deadline, struct claw_mcp_rpc_msg *out,
	   struct claw_error *err)
{
	struct stdio_conn *s = (struct stdio_conn *)t;
	struct claw_proc_child *c = &s->child.proc;
	char *chunk = NULL;
	enum claw_err rc;

	for (;;) {
		rc = claw_mcp_queue_pop(&s->q, out, err);
		if (rc != CLAW_ENOTFOUND)
			break;
		if (s->flood) {
			char why[ENDED_MAX];
			(void)snprintf(why, sizeof why,
				       "the server sent more than %d messages claw had not read: "
				       "stopped",
				       CLAW_MCP_QUEUE_MAX);
			stop(s, why);
		}
		if (s->gone) {
			rc = gone_error(s, err);
			break;
		}
		int64_t now = claw_clock_mono_ms();
		if (now >= deadline) {
			rc = claw_error_set(err, CLAW_ETIMEOUT,
					    "no answer from the server in time");
			break;
		}
		struct pollfd pf[3] = {{.fd = c->out, .events = POLLIN},
				       {.fd = s->err_eof ? -1 : c->err, .events = POLLIN},
				       {.fd = c->pidfd, .events = POLLIN}};
		nfds_t n = c->pidfd >= 0 ? 3 : 2;
		int64_t wait = deadline - now;
		if (c->pidfd < 0 && wait > POLL_TICK_MS)
			wait = POLL_TICK_MS;
		if (poll(pf, n, (int)wait) < 0 && errno != EINTR) {
			stop(s, "cannot wait for the server");
			continue;
		}
		if (chunk == NULL)
			chunk = claw_xmalloc(READ_CHUNK);
		struct claw_error over = {0};
		/* Exited first, read after: what it wrote before it went is in. */
		bool exited = claw_proc_child_exited(c);
		if (!s->err_eof)
			s->err_eof = !read_fd(s, c->err, chunk, &over);
		bool out_open = read_fd(s, c->out, chunk, &over);
		if (s->lines.over) {
			char why[ENDED_MAX];
			(void)snprintf(why, sizeof why,
				       "the server wrote a message over %u bytes: stopped",
				       CLAW_MCP_LINE_MAX);
			stop(s, why);
			rc = claw_error_set(err, CLAW_ETOOBIG, "%s", why);
			break;
		}
		/* Gone: its stdout ended, or it exited (and everything it wrote
		 * before was just read). */
		if (s->q.head == s->q.n && (!out_open || exited))
			stop(s, NULL);
	}
	free(chunk);
	return rc;
}

static bool
stdio_alive(struct claw_mcp_conn *t)
{
	return !((struct stdio_conn *)t)->gone;
}

static void
stdio_close(struct claw_mcp_conn *t)
{
	struct stdio_conn *s = (struct stdio_conn *)t;
	if (s == NULL)
		return;
	if (!s->gone)
		claw_sandbox_child_stop(&s->child, CLAW_MCP_STOP_GRACE_MS, NULL);
	claw_mcp_queue_free(&s->q);
	claw_mcp_lines_free(&s->lines);
	free(s->diag);
	free(s);
}

static const struct claw_mcp_conn_ops stdio_ops = {
	.diag_label = "its stderr",
	.send = stdio_send,
	.recv = stdio_recv,
	.alive = stdio_alive,
	.diagnostics = diagnostics,
	.close = stdio_close,
};

/* ------------------------------------------------------------------- start */

/* What to make readable for an absolute path p that exists: the
 * node_modules folder holding it (a Node server needs its packages), else
 * p itself (a file or a folder), by its real path.  NULL when p is not
 * absolute or does not exist.  Caller frees. */
static char *
readable_of(const char *p)
{
	char *real, *nm;

	if (p[0] != '/' || (real = realpath(p, NULL)) == NULL)
		return NULL;
	if ((nm = strstr(real, "/node_modules/")) != NULL)
		nm[strlen("/node_modules")] = '\0';
	return real;
}

/* The server's environment: its own env first (the operator's: it may
 * set PATH or HOME), then the fixed variables it did not set.  Caller
 * frees each string and the array. */
static char **
env_of(const struct claw_mcp_server *sv)
{
	char **envp = claw_xcalloc(sv->nenv + ENV_FIXED + 1, sizeof *envp);
	size_t n = 0;
	const char *path = getenv("PATH");
	char *fixed[ENV_FIXED] = {
		claw_xasprintf("PATH=%s", path != NULL ? path : "/usr/local/bin:/usr/bin:/bin"),
		/* Not the work folder: npm's cache and the like would land in
		 * the run's change.  Inside bwrap /tmp is the server's own. */
		claw_xstrdup("HOME=/tmp"),
		claw_xstrdup("LANG=C.UTF-8"),
		claw_xstrdup("TERM=dumb"),
	};

	for (size_t i = 0; i < sv->nenv; i++)
		envp[n++] = claw_xasprintf("%s=%s", sv->env[i].name, sv->env[i].value);
	for (size_t k = 0; k < ENV_FIXED; k++) {
		size_t len = strcspn(fixed[k], "=");
		bool set = false;
		for (size_t i = 0; i < sv->nenv && !set; i++)
			set = strlen(sv->env[i].name) == len &&
			      memcmp(sv->env[i].name, fixed[k], len) == 0;
		if (set)
			free(fixed[k]);
		else
			envp[n++] = fixed[k];
	}
	envp[n] = NULL;
	return envp;
}

enum claw_err
claw_mcp_stdio_start(const struct claw_mcp_server *sv, const struct claw_mcp_place *place,
		     struct claw_mcp_conn **out, struct claw_error *err)
{
	struct stdio_conn *s = CLAW_NEW(struct stdio_conn);
	const char **argv = claw_xcalloc(sv->nargs + 2, sizeof *argv);
	char *readable[READABLE_MAX];
	size_t nreadable = 0;
	char **envp = env_of(sv);

	s->base.ops = &stdio_ops;
	claw_mcp_lines_init(&s->lines);
	claw_mcp_queue_init(&s->q, "line");
	argv[0] = sv->command;
	for (size_t i = 0; i < sv->nargs; i++)
		argv[i + 1] = sv->args[i];
	for (size_t i = 0; argv[i] != NULL && nreadable < READABLE_MAX; i++) {
		char *r = readable_of(argv[i]);
		for (size_t k = 0; r != NULL && k < nreadable; k++)
			if (strcmp(readable[k], r) == 0) {
				free(r);
				r = NULL;
			}
		if (r != NULL)
			readable[nreadable++] = r;
	}
	struct claw_sandbox_program prog = {
		.argv = argv,
		.envp = envp,
		.net = sv->network,
		.readable = (const char *const *)readable,
		.nreadable = nreadable,
	};
	enum claw_err rc =
		claw_sandbox_spawn(place->sandbox, place->project, &prog, &s->child, err);
	for (size_t i = 0; i < nreadable; i++)
		free(readable[i]);
	free(argv);
	claw_sandbox_env_free(envp);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "cannot start %s", sv->command);
		s->gone = true;
		stdio_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return CLAW_OK;
}
