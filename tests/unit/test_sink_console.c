/*
 * test_sink_console — the live tree reaches its fd at the chosen level, and
 * a broken fd fails only the console sink.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "tap.h"
#include "trace/sink_console.h"

static void
read_all(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

static void
run_tree(struct claw_tracer *t)
{
	int64_t wf = claw_trace_enter(t, CLAW_RECORD_WORKFLOW, "{\"name\":\"solve\"}");
	claw_trace_enter(t, CLAW_RECORD_STEP, "{\"name\":\"plan\"}");
	claw_trace_enter(t, CLAW_RECORD_AI, "{\"role\":\"worker\",\"model\":\"m\"}");
	claw_trace_event(t, CLAW_RECORD_TOOL, 0, "{\"name\":\"bash\"}");
	claw_trace_event(t, CLAW_RECORD_HANDOFF, 0, "{\"text\":\"planned\"}");
	claw_trace_exit(t, wf);
}

/* What a console sink at level writes while write(tracer) traces, in got;
 * false when no pipe could be made. */
static bool
console_output(int level, void (*write)(struct claw_tracer *), char *got, size_t size)
{
	int p[2];
	if (pipe(p) != 0) {
		ok(false, "pipe");
		return false;
	}
	struct claw_tracer *t = claw_tracer_new(1, 0);
	claw_sink_console_attach(t, p[1], level, false);
	write(t);
	claw_tracer_free(t);
	close(p[1]);
	read_all(p[0], got, size);
	close(p[0]);
	return true;
}

static void
test_levels(int level, const char *want, const char *what)
{
	char got[4096];
	if (!console_output(level, run_tree, got, sizeof got))
		return;
	/* durations vary: blank them out */
	for (char *d = strstr(got, " ("); d != NULL; d = strstr(d + 1, " (")) {
		char *e = strchr(d, ')');
		if (e != NULL && e[1] == '\n' && (e[-1] == 's'))
			memmove(d, e + 1, strlen(e + 1) + 1);
	}
	is_str(got, want, "%s", what);
}

/* A turn whose reply streams: thinking, text with a terminal escape in it,
 * a tool's input; then a record. */
static void
live_turn(struct claw_tracer *t)
{
	int64_t turn = claw_trace_enter(t, CLAW_RECORD_TURN, "{\"number\":1}");
	struct claw_trace_delta d = {turn, 1, "thinking", 0, NULL, 0, "hmm", 3};
	claw_trace_delta(t, &d);
	d = (struct claw_trace_delta){turn, 1, "text", 1, NULL, 0, "Fix\x1b]52;c;eA==\x07 it", 18};
	claw_trace_delta(t, &d);
	d = (struct claw_trace_delta){turn, 1, "text", 1, NULL, 18, " now.\nDone.", 11};
	claw_trace_delta(t, &d);
	d = (struct claw_trace_delta){turn, 1, "tool_input", 2, "bash", 0, "{}", 2};
	claw_trace_delta(t, &d);
	claw_trace_event(t, CLAW_RECORD_HANDOFF, 0, "{\"text\":\"fixed\"}");
}

/* An OpenAI-compatible server's turn: its reasoning and its text are both
 * block 0, of two kinds. */
static void
live_reasoning(struct claw_tracer *t)
{
	int64_t turn = claw_trace_enter(t, CLAW_RECORD_TURN, "{\"number\":1}");
	struct claw_trace_delta d = {turn, 1, "thinking", 0, NULL, 0, "Look.", 5};
	claw_trace_delta(t, &d);
	d = (struct claw_trace_delta){turn, 1, "text", 0, NULL, 0, "Read it.", 8};
	claw_trace_delta(t, &d);
	claw_trace_event(t, CLAW_RECORD_HANDOFF, 0, "{\"text\":\"read\"}");
}

/* -v: the model's text as it streams, on its own indented line that the
 * next record closes; no terminal control passes; thinking is labelled. */
static void
test_live(void (*turn)(struct claw_tracer *), const char *want, const char *what)
{
	char got[4096];
	if (!console_output(CLAW_RECORD_DEBUG, turn, got, sizeof got))
		return;
	char *from = strstr(got, "      thinking");
	is_str(from != NULL ? from : got, want, "%s", what);
}

int
main(void)
{
	test_live(live_turn,
		  "      thinking: hmm\n      Fix?]52;c;eA==? it now.\n      Done.\n"
		  "  · handoff fixed\n",
		  "-v: the text live, control bytes masked, then the next record");
	test_live(live_reasoning, "      thinking: Look.\n      Read it.\n  · handoff read\n",
		  "-v: the text after the thinking of the same block on a line of its own");
	test_levels(CLAW_RECORD_INFO,
		    "▶ workflow solve\n"
		    "  ▶ step plan\n"
		    "      · tool bash\n"
		    "      · handoff planned\n"
		    "  ◀ step plan\n"
		    "◀ workflow solve\n",
		    "Info (the default of claw run)");
	test_levels(CLAW_RECORD_NOTICE,
		    "▶ workflow solve\n"
		    "      · handoff planned\n"
		    "◀ workflow solve\n",
		    "Notice (-q)");
	test_levels(CLAW_RECORD_DEBUG,
		    "▶ workflow solve\n"
		    "  ▶ step plan\n"
		    "    ▶ ai worker (m)\n"
		    "      · tool bash\n"
		    "      · handoff planned\n"
		    "    ◀ ai worker (m)\n"
		    "  ◀ step plan\n"
		    "◀ workflow solve\n",
		    "Debug (-v)");

	/* A closed fd: the console sink fails, reported once, the run goes on. */
	char logpath[4200], log[4096];
	(void)snprintf(logpath, sizeof logpath, "%s/log", tap_tmpdir());
	int lfd = open(logpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
	claw_log_set_fd(lfd);
	int p[2];
	ok(pipe(p) == 0, "pipe");
	close(p[0]);
	close(p[1]);
	struct claw_tracer *t = claw_tracer_new(2, 0);
	claw_sink_console_attach(t, p[1], CLAW_RECORD_DEBUG, false);
	run_tree(t);
	is_int(claw_tracer_depth(t), 0, "the run's spans went on");
	claw_tracer_free(t);
	claw_log_set_fd(-1);
	(void)lseek(lfd, 0, SEEK_SET);
	read_all(lfd, log, sizeof log);
	close(lfd);
	has_str(log, "console sink: run 2: write: Bad file descriptor", "the failure is logged");
	ok(strstr(strstr(log, "console sink") + 1, "console sink") == NULL, "once");
	return tap_done();
}
