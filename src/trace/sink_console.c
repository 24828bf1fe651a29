/*
 * sink_console — render and write(2) each record.  See sink_console.h.
 */
#include "trace/sink_console.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "trace/render.h"

struct console {
	int fd;
	struct claw_render *render;
	struct claw_buf line; /* reused for every record */
};

static enum claw_err
console_write(void *ctx, const struct claw_record *rec, struct claw_error *err)
{
	struct console *c = ctx;
	char msg[128];

	claw_buf_reset(&c->line);
	enum claw_err rc = claw_render_record(c->render, rec, &c->line);
	if (rc != CLAW_OK)
		return claw_error_set(err, rc, "a %s line is longer than %d bytes",
				      claw_record_type_name(rec->type), CLAW_RENDER_LINE_MAX);
	const char *p = claw_buf_str(&c->line);
	size_t left = claw_buf_len(&c->line);
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

static void
console_release(void *ctx)
{
	struct console *c = ctx;
	claw_render_free(c->render);
	claw_buf_free(&c->line);
	free(c);
}

static const struct claw_trace_sink_ops console_ops = {
	.name = "console",
	.write = console_write,
	.flush = NULL,
	.release = console_release,
};

void
claw_sink_console_attach(struct claw_tracer *t, int fd, int level, bool colour)
{
	struct console *c = CLAW_NEW(struct console);
	c->fd = fd;
	c->render = claw_render_new(level, colour);
	claw_buf_init(&c->line, CLAW_RENDER_LINE_MAX);
	claw_tracer_add_sink(t, &console_ops, c);
}
