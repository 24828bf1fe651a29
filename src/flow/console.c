/*
 * console — the terminal front end of `claw run`.  See console.h.
 *
 * Reads are plain read(2) on the input fd, one byte at a time up to a
 * newline: answers are short, and a byte-wise read never swallows input
 * meant for a later gate.  SIGINT and SIGTERM interrupt the read (the
 * handler is installed without SA_RESTART), and the wait returns
 * CLAW_ESTOPPED; a model reply in flight is still received for
 * CLAW_STOP_GRACE_S (client.h).
 */
#include "flow/console.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/str.h"
#include "flow/spec.h"
#include "trace/sink_console.h"

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void
claw_console_catch_sigint(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills; no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL); /* a service manager's stop: the same */
}

/* Writes all of s to fd; errors are ignored (the terminal went away). */
static void
say(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Reads one line (without its newline) into *out (caller frees).  CLAW_OK;
 * CLAW_ENOTFOUND at end of input with nothing read; CLAW_ESTOPPED when
 * interrupted; CLAW_ETOOBIG past CLAW_CONSOLE_LINE_MAX. */
static enum claw_err
read_line(int fd, char **out)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_CONSOLE_LINE_MAX);
	enum claw_err rc = CLAW_OK;
	bool any = false;

	*out = NULL;
	for (;;) {
		char c;
		ssize_t r;
		if (interrupted) {
			rc = CLAW_ESTOPPED;
			goto out;
		}
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = CLAW_EIO;
			goto out;
		}
		if (r == 0) {
			if (!any)
				rc = CLAW_ENOTFOUND;
			break;
		}
		any = true;
		if (c == '\n')
			break;
		if (claw_buf_putc(&b, c) != CLAW_OK) {
			rc = CLAW_ETOOBIG;
			goto out;
		}
	}
	{
		struct claw_str t = claw_str_trim(claw_str_from(claw_buf_str(&b)));
		*out = claw_str_dup(t);
	}
out:
	claw_buf_free(&b);
	return rc;
}

static void
show_solver(struct claw_console *c, const char *spec)
{
	struct claw_workflow *wf = NULL;
	struct claw_problems pr;
	struct claw_buf b = CLAW_BUF_INIT(CLAW_CONSOLE_SOLVER_MAX);

	claw_problems_init(&pr);
	if (claw_workflow_parse(spec, strlen(spec), NULL, &wf, &pr) == CLAW_OK &&
	    claw_workflow_render(wf, &b) == CLAW_OK) {
		say(c->out, "\n");
		say(c->out, claw_buf_str(&b));
	} else {
		say(c->out, "\n");
		say(c->out, spec);
	}
	say(c->out, "\n");
	claw_workflow_free(wf);
	claw_problems_free(&pr);
	claw_buf_free(&b);
}

/* Parses a grant: a whole number, or for usd dollars with up to 6 decimals
 * (into micros).  false when it is not a positive amount. */
static bool
parse_amount(const char *s, bool usd, int64_t *out)
{
	struct claw_str t = claw_str_from(s);
	if (!usd)
		return claw_str_to_i64(t, 1, INT64_MAX, out) == CLAW_OK;
	char *end = NULL;
	double d = strtod(s, &end);
	if (end == s || *end != '\0' || !(d > 0) || d > 1e9)
		return false;
	*out = (int64_t)llround(d * 1e6);
	return *out > 0;
}

/* The review gate's change, listed from its payload. */
static void
show_change(struct claw_console *c, const char *payload)
{
	struct json_object *pl = NULL, *files = NULL, *summary = NULL;
	struct claw_buf b = CLAW_BUF_INIT(64 * 1024);

	if (claw_json_parse(payload, strlen(payload), &pl, NULL) != CLAW_OK || pl == NULL)
		goto out;
	if (json_object_object_get_ex(pl, "summary", &summary) &&
	    json_object_get_string_len(summary) > 0)
		(void)claw_buf_printf(&b, "\n%s\n", json_object_get_string(summary));
	if (json_object_object_get_ex(pl, "files", &files) &&
	    json_object_is_type(files, json_type_array)) {
		(void)claw_buf_putc(&b, '\n');
		for (size_t i = 0; i < json_object_array_length(files); i++) {
			struct json_object *f = json_object_array_get_idx(files, i), *v = NULL;
			const char *path = "", *st = "";
			int64_t add = 0, del = 0;
			if (json_object_object_get_ex(f, "path", &v))
				path = json_object_get_string(v);
			if (json_object_object_get_ex(f, "status", &v))
				st = json_object_get_string(v);
			if (json_object_object_get_ex(f, "additions", &v))
				add = json_object_get_int64(v);
			if (json_object_object_get_ex(f, "deletions", &v))
				del = json_object_get_int64(v);
			(void)claw_buf_printf(&b, "  %-9s +%-5lld -%-5lld %s\n", st, (long long)add,
					      (long long)del, path);
		}
	}
	say(c->out, claw_buf_str(&b));
out:
	json_object_put(pl);
	claw_buf_free(&b);
}

/* The review gate: y merge, k keep, x discard, c changes (asks for the
 * text), d the diff then again; Enter or end of input leaves it parked. */
static enum claw_err
ask_review(struct claw_console *c, const struct claw_gate_request *req,
	   struct claw_gate_answer *out, struct claw_error *err)
{
	static const char *const on_branch[][2] = {{"y", "merge"},
						   {"yes", "merge"},
						   {"k", "keep"},
						   {"x", "discard"},
						   {"c", "changes"}};
	static const char *const in_folder[][2] = {
		{"a", "accept"}, {"r", "revert"}, {"c", "changes"}};
	struct json_object *pl = NULL, *t = NULL, *m = NULL;
	char *line = NULL, *prompt;
	const char *target = "the project's branch";
	bool in_place = false;
	enum claw_err rc;

	if (claw_json_parse(req->payload, strlen(req->payload), &pl, NULL) == CLAW_OK &&
	    pl != NULL) {
		if (json_object_object_get_ex(pl, "target", &t) &&
		    json_object_get_string_len(t) > 0)
			target = json_object_get_string(t);
		in_place = json_object_object_get_ex(pl, "mode", &m) &&
			   json_object_is_type(m, json_type_string) &&
			   strcmp(json_object_get_string(m), "inplace") == 0;
	}
	show_change(c, req->payload);
	prompt = in_place
			 ? claw_xasprintf("\n%s\nKeep this change? [a]ccept [r]evert [c]hanges "
					  "[d]iff, Enter: later ",
					  req->prompt)
			 : claw_xasprintf("\n%s\nMerge into %s? [y]es [k]eep [x] discard [c]hanges "
					  "[d]iff, Enter: later ",
					  req->prompt, target);
	json_object_put(pl);
	for (;;) {
		say(c->out, prompt);
		free(line);
		rc = read_line(c->in, &line);
		if (rc != CLAW_OK || line[0] == '\0')
			break;
		if (strcmp(line, "d") == 0 && req->detail != NULL) {
			struct claw_buf diff = CLAW_BUF_INIT(CLAW_CONSOLE_DIFF_MAX);
			if (req->detail(req->detail_arg, &diff, err) == CLAW_OK)
				say(c->out, claw_buf_str(&diff));
			claw_buf_free(&diff);
			continue;
		}
		const char *d = NULL;
		size_t nk = in_place ? sizeof in_folder / sizeof in_folder[0]
				     : sizeof on_branch / sizeof on_branch[0];
		for (size_t i = 0; i < nk && d == NULL; i++) {
			const char *const *k = in_place ? in_folder[i] : on_branch[i];
			if (strcmp(line, k[0]) == 0)
				d = k[1];
		}
		if (d == NULL)
			continue;
		out->decision = claw_xstrdup(d);
		if (strcmp(d, "changes") == 0) {
			say(c->out, "What should change? ");
			free(line);
			rc = read_line(c->in, &line);
			if (rc != CLAW_OK || line[0] == '\0') {
				claw_gate_answer_free(out);
				break;
			}
			out->text = line;
			line = NULL;
		}
		break;
	}
	free(prompt);
	free(line);
	if (out->decision == NULL) {
		say(c->out, "\n(the run stays parked at the review gate)\n");
		return claw_error_set(err, CLAW_ESTOPPED, "left at the review gate");
	}
	if (out->text == NULL)
		out->text = claw_xstrdup("");
	out->by = claw_xstrdup("console");
	return CLAW_OK;
}

static enum claw_err
wait_gate(void *vctx, const struct claw_gate_request *req, struct claw_gate_answer *out,
	  struct claw_error *err)
{
	struct claw_console *c = vctx;
	char *line = NULL, *feedback = NULL;
	char *prompt = NULL;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	if (req->kind == CLAW_GATE_REVIEW)
		return ask_review(c, req, out, err);
	switch (req->kind) {
	case CLAW_GATE_APPROVE:
		show_solver(c, req->payload);
		prompt = claw_xasprintf("%s\nRun this solver? [y/N/e(dit feedback)] ", req->prompt);
		break;
	case CLAW_GATE_BUDGET:
		prompt = claw_xasprintf("\n%s\nGrant how much more? [amount/y/N] ", req->prompt);
		break;
	default:
		prompt = claw_xasprintf("\n? %s\n> ", req->prompt);
		break;
	}
	say(c->out, prompt);
	rc = read_line(c->in, &line);
	if (rc == CLAW_ENOTFOUND) {
		say(c->out, "\n(no answer: end of input; the run stays parked at this gate)\n");
		rc = claw_error_set(err, CLAW_ESTOPPED, "no answer on the terminal");
		goto out;
	}
	if (rc == CLAW_ESTOPPED) {
		say(c->out, "\n");
		rc = claw_error_set(err, CLAW_ESTOPPED, "interrupted");
		goto out;
	}
	if (rc != CLAW_OK) {
		rc = claw_error_set(err, rc, "cannot read the answer");
		goto out;
	}
	out->by = claw_xstrdup("console");
	switch (req->kind) {
	case CLAW_GATE_APPROVE:
		if (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0) {
			out->decision = claw_xstrdup("approve");
			out->text = claw_xstrdup("");
		} else if (strcmp(line, "e") == 0 || strcmp(line, "E") == 0 ||
			   strcmp(line, "edit") == 0) {
			say(c->out, "Feedback for the next solver: ");
			rc = read_line(c->in, &feedback);
			if (rc == CLAW_ENOTFOUND) {
				feedback = claw_xstrdup("");
				rc = CLAW_OK;
			}
			if (rc != CLAW_OK) {
				rc = claw_error_set(err, CLAW_ESTOPPED, "interrupted");
				goto out;
			}
			out->decision = claw_xstrdup("reject");
			out->text = feedback;
			feedback = NULL;
		} else {
			out->decision = claw_xstrdup("reject");
			out->text = claw_xstrdup("");
		}
		break;
	case CLAW_GATE_BUDGET: {
		struct json_object *pl = NULL, *k = NULL;
		bool usd = false;
		if (claw_json_parse(req->payload, strlen(req->payload), &pl, NULL) == CLAW_OK &&
		    pl != NULL && json_object_object_get_ex(pl, "kind", &k))
			usd = strcmp(json_object_get_string(k), "usd") == 0;
		json_object_put(pl);
		out->text = claw_xstrdup(line);
		if (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0) {
			out->decision = claw_xstrdup("grant");
		} else if (parse_amount(line, usd, &out->amount)) {
			out->decision = claw_xstrdup("grant");
		} else {
			out->decision = claw_xstrdup("stop");
			out->amount = 0;
		}
		break;
	}
	default:
		out->decision = claw_xstrdup("");
		out->text = line;
		line = NULL;
		break;
	}
out:
	if (rc != CLAW_OK)
		claw_gate_answer_free(out);
	free(prompt);
	free(line);
	free(feedback);
	return rc;
}

static bool
stop_requested(void *vctx, const char **by)
{
	(void)vctx;
	if (by != NULL)
		*by = NULL; /* nobody named: the run stays resumable */
	return interrupted != 0;
}

static void
add_sinks(void *vctx, struct claw_tracer *tracer)
{
	struct claw_console *c = vctx;
	claw_sink_console_attach(tracer, c->out, c->level, c->colour);
}

void
claw_console_init(struct claw_console *c, int in, int out, int level, bool colour)
{
	memset(c, 0, sizeof *c);
	c->in = in;
	c->out = out;
	c->level = level;
	c->colour = colour;
	c->fe.ctx = c;
	c->fe.wait_gate = wait_gate;
	c->fe.issue_changed = NULL;
	c->fe.stop_requested = stop_requested;
	c->fe.add_sinks = add_sinks;
}

const struct claw_frontend *
claw_console_frontend(struct claw_console *c)
{
	return &c->fe;
}
