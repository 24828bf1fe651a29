/*
 * mcp — what claw adds to a tool call through a stdio MCP server, and to
 * the server's start, against the same server driven by a minimal client
 * in the same run (SPEC 12, issue 20's targets).
 *
 *   bench/mcp [-n calls] [-r rounds] [-s starts] [-S server.mjs]
 *
 * The server is tests/mcp/fault.mjs (node; its "ok" tool answers at once).
 * The minimal client starts it with plain pipes (no sandbox), writes each
 * request as a line and reads lines until the answer: the server's own
 * time, with nothing of claw.  claw's path is the one a run takes: the
 * server in the sandbox (bwrap when it works here), started by
 * claw_mcp_servers_want (spawn, initialize, tools/list, tools into a
 * registry), each call through claw_registry_call (schema check, the
 * client, the result's text, redaction).  Calls alternate between the two
 * in rounds.  Prints p50/p95 of both and what claw adds at p95 (target
 * <= 5 ms), then the start: the minimal client's spawn-to-tools-listed
 * against claw's (target: claw's <= the server's own + 150 ms).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "mcp/config.h"
#include "mcp/servers.h"
#include "tool/registry.h"
#include "tool/sandbox.h"

#define CALLS_MAX 100000
#define LINE_MAX_BYTES (1 << 20)

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
quantile(double *v, size_t n, double q)
{
	qsort(v, n, sizeof *v, cmp_double);
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* ----------------------------------------------------- the minimal client */

struct mini {
	pid_t pid;
	int in, out;
	char *buf;
	size_t len;
	int next_id;
};

static void
mini_send(struct mini *m, const char *line)
{
	size_t n = strlen(line), off = 0;
	while (off < n) {
		ssize_t w = write(m->in, line + off, n - off);
		if (w <= 0) {
			perror("mcp: write to the server");
			exit(1);
		}
		off += (size_t)w;
	}
}

/* Reads lines until one holds "\"id\":ID," (the answer). */
static void
mini_wait(struct mini *m, int id)
{
	char want[32];
	(void)snprintf(want, sizeof want, "\"id\":%d", id);
	for (;;) {
		char *nl;
		while ((nl = memchr(m->buf, '\n', m->len)) != NULL) {
			*nl = '\0';
			bool hit = strstr(m->buf, want) != NULL;
			size_t used = (size_t)(nl - m->buf) + 1;
			memmove(m->buf, nl + 1, m->len - used);
			m->len -= used;
			if (hit)
				return;
		}
		if (m->len == LINE_MAX_BYTES) {
			fprintf(stderr, "mcp: a line over %d bytes\n", LINE_MAX_BYTES);
			exit(1);
		}
		ssize_t r = read(m->out, m->buf + m->len, LINE_MAX_BYTES - m->len);
		if (r <= 0) {
			fprintf(stderr, "mcp: the server ended\n");
			exit(1);
		}
		m->len += (size_t)r;
	}
}

static void
mini_request(struct mini *m, const char *method, const char *params)
{
	char line[512];
	int id = ++m->next_id;
	(void)snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\"%s%s}\n",
		       id, method, params != NULL ? ",\"params\":" : "",
		       params != NULL ? params : "");
	mini_send(m, line);
	mini_wait(m, id);
}

/* Starts the server and lists its tools; the time it took. */
static double
mini_start(struct mini *m, const char *server)
{
	int in[2], out[2];
	double t0 = now_ms();

	if (pipe(in) != 0 || pipe(out) != 0) {
		perror("mcp: pipe");
		exit(1);
	}
	m->pid = fork();
	if (m->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(null, 2);
		/* The environment claw gives a server (mcp/stdio.c), so
		 * both start the same node. */
		char path[4096];
		(void)snprintf(path, sizeof path, "PATH=%s",
			       getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
		char home[] = "HOME=/tmp", lang[] = "LANG=C.UTF-8", term[] = "TERM=dumb";
		char node[] = "node", *script = claw_xstrdup(server);
		char *envp[] = {path, home, lang, term, NULL};
		char *args[] = {node, script, NULL};
		execvpe("node", args, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	m->in = in[1];
	m->out = out[0];
	m->buf = claw_xmalloc(LINE_MAX_BYTES);
	m->len = 0;
	m->next_id = 0;
	mini_request(m, "initialize",
		     "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
		     "\"clientInfo\":{\"name\":\"mini\",\"version\":\"1\"}}");
	mini_send(m, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
	mini_request(m, "tools/list", NULL);
	return now_ms() - t0;
}

static void
mini_stop(struct mini *m)
{
	close(m->in);
	close(m->out);
	kill(m->pid, SIGKILL);
	waitpid(m->pid, NULL, 0);
	free(m->buf);
}

/* ------------------------------------------------------------ claw's path */

struct clawside {
	struct claw_mcp_config cfg;
	struct claw_registry *reg;
	struct claw_mcp_servers *set;
};

static double
claw_start(struct clawside *c, struct claw_sandbox *sb, const char *project, const char *server)
{
	struct claw_error err = {0};
	char text[1024];

	(void)snprintf(text, sizeof text,
		       "{\"mcpServers\": {\"fault\": {\"command\": \"node\", \"args\": [\"%s\"]}}}",
		       server);
	if (claw_mcp_config_parse(text, strlen(text), "bench", NULL, &c->cfg, &err) != CLAW_OK) {
		fprintf(stderr, "mcp: %s\n", claw_error_text(&err));
		exit(1);
	}
	c->reg = claw_registry_new();
	struct claw_mcp_servers_opts o = {
		.config = &c->cfg,
		.registry = c->reg,
		.place = {.sandbox = sb, .project = project},
		.timeout_ms = 30000,
	};
	c->set = claw_mcp_servers_new(&o);
	double t0 = now_ms();
	if (claw_mcp_servers_want(c->set, "mcp__fault__ok", &err) != CLAW_OK ||
	    claw_mcp_servers_client(c->set, 0) == NULL) {
		fprintf(stderr, "mcp: claw cannot start the server: %s\n",
			claw_mcp_servers_error(c->set, 0));
		exit(1);
	}
	return now_ms() - t0;
}

static void
claw_stop(struct clawside *c)
{
	claw_mcp_servers_free(c->set);
	claw_registry_free(c->reg);
	claw_mcp_config_free(&c->cfg);
}

/* ------------------------------------------------------------------- main */

int
main(int argc, char **argv)
{
	int calls = 2000, rounds = 5, starts = 10;
	const char *server = CLAW_TOP_SRCDIR "/tests/mcp/fault.mjs";
	struct claw_sandbox_opts so;
	struct claw_sandbox *sb = NULL;
	struct claw_error err = {0};
	char project[] = "/tmp/claw-bench-mcp-XXXXXX";

	for (int i = 1; i + 1 < argc; i += 2) {
		int *v = strcmp(argv[i], "-n") == 0   ? &calls
			 : strcmp(argv[i], "-r") == 0 ? &rounds
			 : strcmp(argv[i], "-s") == 0 ? &starts
						      : NULL;
		if (v != NULL)
			*v = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-S") == 0)
			server = argv[i + 1];
	}
	if (calls < 1 || rounds < 1 || starts < 1 || (long)calls * rounds > CALLS_MAX) {
		fprintf(stderr,
			"usage: bench/mcp [-n calls] [-r rounds] [-s starts] [-S server]\n");
		return 2;
	}
	if (mkdtemp(project) == NULL) {
		perror("mcp: mkdtemp");
		return 1;
	}
	claw_sandbox_opts_default(&so);
	if (claw_sandbox_new(&so, &sb, &err) != CLAW_OK) {
		fprintf(stderr, "mcp: %s\n", claw_error_text(&err));
		return 1;
	}
	printf("mcp: %s, sandbox %s, %d calls x %d rounds, %d starts\n", server,
	       claw_sandbox_mode(sb) == CLAW_SANDBOX_BWRAP ? "bwrap" : "none", calls, rounds,
	       starts);

	/* Calls: both servers up, rounds alternating. */
	size_t total = (size_t)calls * (size_t)rounds;
	double *mini_ms = claw_xcalloc(total, sizeof *mini_ms);
	double *claw_ms = claw_xcalloc(total, sizeof *claw_ms);
	struct mini m;
	struct clawside c = {0};
	(void)mini_start(&m, server);
	(void)claw_start(&c, sb, project, server);
	struct json_object *input = NULL;
	(void)claw_json_parse("{\"text\":\"hi\"}", 13, &input, &err);
	struct claw_tool_ctx ctx = {.project = project, .sandbox = sb, .tools = c.reg};
	struct claw_tool_result res;
	claw_tool_result_init(&res);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < calls; i++) {
			double t0 = now_ms();
			mini_request(&m, "tools/call",
				     "{\"name\":\"ok\",\"arguments\":{\"text\":\"hi\"}}");
			mini_ms[(size_t)r * (size_t)calls + (size_t)i] = now_ms() - t0;
		}
		for (int i = 0; i < calls; i++) {
			double t0 = now_ms();
			claw_registry_call(c.reg, &ctx, "mcp__fault__ok", input, &res);
			claw_ms[(size_t)r * (size_t)calls + (size_t)i] = now_ms() - t0;
			if (res.is_error || strcmp(claw_buf_str(&res.text), "ok: hi") != 0) {
				fprintf(stderr, "mcp: claw's call gave: %s\n",
					claw_buf_str(&res.text));
				return 1;
			}
		}
	}
	claw_tool_result_free(&res);
	json_object_put(input);
	mini_stop(&m);
	claw_stop(&c);
	double m50 = quantile(mini_ms, total, 0.5), m95 = quantile(mini_ms, total, 0.95);
	double c50 = quantile(claw_ms, total, 0.5), c95 = quantile(claw_ms, total, 0.95);
	printf("call   minimal client   p50 %7.3f ms  p95 %7.3f ms\n", m50, m95);
	printf("call   claw             p50 %7.3f ms  p95 %7.3f ms\n", c50, c95);
	printf("call   claw adds        p50 %7.3f ms  p95 %7.3f ms   (target: <= 5 ms at p95)\n",
	       c50 - m50, c95 - m95);

	/* Starts: alternating, each a fresh server. */
	double *mini_s = claw_xcalloc((size_t)starts, sizeof *mini_s);
	double *claw_s = claw_xcalloc((size_t)starts, sizeof *claw_s);
	for (int i = 0; i < starts; i++) {
		mini_s[i] = mini_start(&m, server);
		mini_stop(&m);
		struct clawside c2 = {0};
		claw_s[i] = claw_start(&c2, sb, project, server);
		claw_stop(&c2);
	}
	double ms50 = quantile(mini_s, (size_t)starts, 0.5);
	double cs50 = quantile(claw_s, (size_t)starts, 0.5);
	printf("start  minimal client   p50 %7.1f ms  (the server's own start, no sandbox)\n",
	       ms50);
	printf("start  claw             p50 %7.1f ms\n", cs50);
	printf("start  claw adds        p50 %7.1f ms   (target: <= 150 ms)\n", cs50 - ms50);
	free(mini_ms);
	free(claw_ms);
	free(mini_s);
	free(claw_s);
	claw_sandbox_free(sb);
	rmdir(project);
	return 0;
}
