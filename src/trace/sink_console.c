/*
 * sink_console — render and write(2) each record.  See sink_console.h.
 */
#include "trace/sink_console.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "trace/render.h"

struct console {
	int fd;
	bool live; /* -v: model text as it is written */
	bool colour;
	struct claw_render *render;
	struct claw_buf line; /* reused for every record */
	/* The live text being written on the last line (open_span 0: none). */
	int64_t open_span;
	size_t open_index;
	int open_attempt;
	bool open_thinking; /* the open line is thinking (dim) */
};

/* Writes p[0..left) whole. */
static enum claw_err
put(const struct console *c, const char *p, size_t left, struct claw_error *err)
{
	char msg[128];
	while (left > 0) {
		ssize_t w = write(c->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return claw_error_set(
				err, CLAW_EIO, "write: %s",
				claw_errno_text(w < 0 ? errno : EIO, msg, sizeof msg));
		p += w;
		left -= (size_t)w;
	}
	return CLAW_OK;
}

/* Ends the live text's line, if one is open. */
static enum claw_err
close_live(struct console *c, struct claw_error *err)
{
	if (c->open_span == 0)
		return CLAW_OK;
	c->open_span = 0;
	return put(c, c->colour ? "\033[0m\n" : "\n", c->colour ? 5 : 1, err);
}

static enum claw_err
console_write(void *ctx, const struct claw_record *rec, struct claw_error *err)
{
	struct console *c = ctx;

	claw_buf_reset(&c->line);
	enum claw_err rc = claw_render_record(c->render, rec, &c->line);
	if (rc != CLAW_OK)
		return claw_error_set(err, rc, "a %s line is longer than %d bytes",
				      claw_record_type_name(rec->type), CLAW_RENDER_LINE_MAX);
	if (claw_buf_len(&c->line) > 0 && (rc = close_live(c, err)) != CLAW_OK)
		return rc;
	return put(c, claw_buf_str(&c->line), claw_buf_len(&c->line), err);
}

/* -v: the model's text and thinking (dim) as they are written, on lines of
 * their own that the next record's line closes.  A write error here is
 * ignored: the next record's reports it. */
static void
console_delta(void *ctx, int64_t run_id, const struct claw_trace_delta *d)
{
	struct console *c = ctx;
	bool thinking = strcmp(d->kind, "thinking") == 0;
	(void)run_id;
	if (!c->live || (!thinking && strcmp(d->kind, "text") != 0))
		return;
	if (c->open_span != d->span_id || c->open_index != d->index ||
	    c->open_attempt != d->attempt || c->open_thinking != thinking) {
		(void)close_live(c, NULL);
		const char *head = thinking ? "      thinking: " : "      ";
		(void)put(c, head, strlen(head), NULL);
		if (c->colour && thinking)
			(void)put(c, "\033[2m", 4, NULL);
		c->open_span = d->span_id;
		c->open_index = d->index;
		c->open_attempt = d->attempt;
		c->open_thinking = thinking;
	}
	/* The model's bytes, but no terminal control: control characters (a
	 * newline indents the next line) and DEL become '?', as render.c does. */
	char out[512];
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++) {
		unsigned char ch = (unsigned char)d->text[i];
		if (n + 8 > sizeof out) {
			(void)put(c, out, n, NULL);
			n = 0;
		}
		if (ch == '\n') {
			out[n++] = '\n';
			memset(out + n, ' ', 6); /* under the text's own indent */
			n += 6;
		} else {
			out[n++] = ch < 0x20 && ch != '\t' ? '?' : ch == 0x7f ? '?' : (char)ch;
		}
	}
	(void)put(c, out, n, NULL);
}

static void
console_release(void *ctx)
{
	struct console *c = ctx;
	(void)close_live(c, NULL);
	claw_render_free(c->render);
	claw_buf_free(&c->line);
	free(c);
}

static const struct claw_trace_sink_ops console_ops = {
	.name = "console",
	.write = console_write,
	.flush = NULL,
	.release = console_release,
	.delta = console_delta,
};

void
claw_sink_console_attach(struct claw_tracer *t, int fd, int level, bool colour)
{
	struct console *c = CLAW_NEW(struct console);
	c->fd = fd;
	c->live = level <= CLAW_RECORD_DEBUG;
	c->colour = colour;
	c->render = claw_render_new(level, colour);
	claw_buf_init(&c->line, CLAW_RENDER_LINE_MAX);
	claw_tracer_add_sink(t, &console_ops, c);
}
