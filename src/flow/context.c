/*
 * context — helpers shared by the parts of a running run.  See context.h.
 */
#include "flow/context.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "trace/record.h"

#define NOTE_MAX (64 * 1024) /* bytes of a note's JSON */

bool
claw_flow_should_stop(struct claw_flow_ctx *ctx)
{
	const char *by = NULL;

	if (ctx->halt != CLAW_HALT_NONE)
		return true;
	if (ctx->fe == NULL || ctx->fe->stop_requested == NULL)
		return false;
	if (!ctx->fe->stop_requested(ctx->fe->ctx, &by))
		return false;
	if (by != NULL)
		(void)snprintf(ctx->stopped_by, sizeof ctx->stopped_by, "%s", by);
	(void)claw_flow_halt(ctx, CLAW_HALT_USER, "stopped by %s",
			     by != NULL && by[0] != '\0' ? by : "request");
	return true;
}

enum claw_err
claw_flow_halt(struct claw_flow_ctx *ctx, enum claw_halt why, const char *fmt, ...)
{
	va_list ap;

	if (ctx->halt != CLAW_HALT_NONE)
		return CLAW_ESTOPPED;
	ctx->halt = why;
	va_start(ap, fmt);
	(void)vsnprintf(ctx->halt_reason, sizeof ctx->halt_reason, fmt, ap);
	va_end(ap);
	return CLAW_ESTOPPED;
}

enum claw_halt
claw_flow_halted(const struct claw_flow_ctx *ctx, const char **reason, const char **by)
{
	if (reason != NULL)
		*reason = ctx->halt_reason;
	if (by != NULL)
		*by = ctx->stopped_by;
	return ctx->halt;
}

const char *
claw_flow_model(const struct claw_flow_ctx *ctx, const char *role)
{
	const char *m = claw_config_model_for_role(ctx->config, role);
	return m != NULL ? m : "";
}

void
claw_flow_note(struct claw_flow_ctx *ctx, int level, const char *action, const char *fmt, ...)
{
	struct claw_buf msg = CLAW_BUF_INIT(NOTE_MAX / 2);
	struct claw_buf data = CLAW_BUF_INIT(NOTE_MAX);
	va_list ap;

	va_start(ap, fmt);
	(void)claw_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	(void)claw_buf_puts(&data, "{\"action\":");
	(void)claw_json_buf_append_string(&data, action, strlen(action));
	(void)claw_buf_puts(&data, ",\"message\":");
	(void)claw_json_buf_append_string(&data, claw_buf_str(&msg), claw_buf_len(&msg));
	(void)claw_buf_putc(&data, '}');
	if (claw_buf_error(&data) == CLAW_OK)
		(void)claw_trace_event(ctx->tracer, CLAW_RECORD_NOTE, level, claw_buf_str(&data));
	claw_buf_free(&msg);
	claw_buf_free(&data);
}

void
claw_flow_changed(struct claw_flow_ctx *ctx)
{
	if (ctx->fe != NULL && ctx->fe->issue_changed != NULL)
		ctx->fe->issue_changed(ctx->fe->ctx, ctx->issue_id);
}

static enum claw_err
issue_status_set(struct claw_flow_ctx *ctx, enum claw_err rc, const char *status,
		 struct claw_error *err)
{
	if (rc != CLAW_OK)
		claw_log_warn("run #%lld: cannot set issue #%lld %s: %s", (long long)ctx->run_id,
			      (long long)ctx->issue_id, status, claw_error_text(err));
	claw_flow_changed(ctx);
	return rc;
}

enum claw_err
claw_flow_issue_status(struct claw_flow_ctx *ctx, enum claw_issue_status s, struct claw_error *err)
{
	return issue_status_set(ctx, claw_issue_set_status(ctx->db, ctx->issue_id, s, err),
				claw_issue_status_name(s), err);
}

enum claw_err
claw_flow_issue_reopen(struct claw_flow_ctx *ctx, struct claw_error *err)
{
	return issue_status_set(ctx, claw_issue_reopen(ctx->db, ctx->issue_id, err), "open", err);
}
