/*
 * tracer — span stack, id allocation, sink fan-out.  See tracer.h.
 *
 * The stack holds the open spans, outermost first; it grows as needed
 * (bookkeeping memory, claw_xrealloc).  Each record is built on the stack
 * of the emitting function and lent to the sinks; nothing is kept.
 *
 * Error reporting: each sink keeps a bitmask of the claw_err codes it has
 * already reported (CLAW_ERR_COUNT < 32), so a db that stays broken for a
 * whole run costs one line on stderr, not one per record.  Misuse of the
 * API by the run's own code has its own mask on the tracer.
 */
#include "trace/tracer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

_Static_assert(CLAW_ERR_COUNT <= 32, "reported-error masks are 32 bits");

enum misuse {
	MISUSE_NOT_SPAN = 1u << 0,  /* enter of a type that opens nothing */
	MISUSE_NOT_OPEN = 1u << 1,  /* exit of a span that is not open */
	MISUSE_NOT_EVENT = 1u << 2, /* event of a span type or end */
};

struct span {
	int64_t id;
	int64_t parent;
	int depth;
	enum claw_record_type type;
	int level;
	int64_t mono_ms; /* when it was entered */
};

struct sink {
	const struct claw_trace_sink_ops *ops;
	void *ctx;
	uint32_t reported; /* 1 << claw_err already shown on stderr */
};

struct claw_tracer {
	int64_t run_id;
	int64_t last_span; /* highest span id given out or seeded */
	struct span *stack;
	size_t nstack, astack;
	struct sink *sinks;
	size_t nsinks;
	uint32_t misuse; /* enum misuse already reported */
};

struct claw_tracer *
claw_tracer_new(int64_t run_id, int64_t last_span_id)
{
	struct claw_tracer *t = CLAW_NEW(struct claw_tracer);
	t->run_id = run_id;
	t->last_span = last_span_id > 0 ? last_span_id : 0;
	return t;
}

void
claw_tracer_free(struct claw_tracer *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nsinks; i++)
		if (t->sinks[i].ops->release != NULL)
			t->sinks[i].ops->release(t->sinks[i].ctx);
	free(t->sinks);
	free(t->stack);
	free(t);
}

void
claw_tracer_add_sink(struct claw_tracer *t, const struct claw_trace_sink_ops *ops, void *ctx)
{
	t->sinks = claw_xrealloc(t->sinks, (t->nsinks + 1) * sizeof *t->sinks);
	t->sinks[t->nsinks].ops = ops;
	t->sinks[t->nsinks].ctx = ctx;
	t->sinks[t->nsinks].reported = 0;
	t->nsinks++;
}

int64_t
claw_tracer_run_id(const struct claw_tracer *t)
{
	return t->run_id;
}

size_t
claw_tracer_depth(const struct claw_tracer *t)
{
	return t->nstack;
}

int64_t
claw_tracer_current(const struct claw_tracer *t)
{
	return t->nstack > 0 ? t->stack[t->nstack - 1].id : 0;
}

int64_t
claw_tracer_last_span(const struct claw_tracer *t)
{
	return t->last_span;
}

void
claw_tracer_reseed(struct claw_tracer *t, int64_t last_span_id)
{
	if (last_span_id > t->last_span)
		t->last_span = last_span_id;
}

static void __attribute__((format(printf, 3, 4)))
report_misuse(struct claw_tracer *t, enum misuse what, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (t->misuse & what)
		return; /* misuse is rare: formatting first costs nothing that matters */
	t->misuse |= what;
	claw_log_warn("trace: run %lld: %s (ignored; not reported again)", (long long)t->run_id,
		      msg);
}

/* Hands rec to every sink; failures are reported once per (sink, code). */
static enum claw_err
emit(struct claw_tracer *t, const struct claw_record *rec)
{
	enum claw_err first = CLAW_OK;

	for (size_t i = 0; i < t->nsinks; i++) {
		struct sink *s = &t->sinks[i];
		struct claw_error err;
		claw_error_clear(&err);
		enum claw_err rc = s->ops->write(s->ctx, rec, &err);
		if (rc == CLAW_OK)
			continue;
		if (first == CLAW_OK)
			first = rc;
		if (s->reported & (1u << rc))
			continue;
		s->reported |= 1u << rc;
		claw_log_warn("trace: %s sink: run %lld: %s (the run goes on; further errors of "
			      "this kind are not shown)",
			      s->ops->name, (long long)t->run_id, claw_error_text(&err));
	}
	return first;
}

int64_t
claw_trace_enter(struct claw_tracer *t, enum claw_record_type type, const char *data)
{
	if (!claw_record_type_is_span(type)) {
		report_misuse(t, MISUSE_NOT_SPAN, "enter of a non-span record type %s",
			      claw_record_type_name(type));
		return 0;
	}
	if (t->nstack == t->astack) {
		t->astack = t->astack != 0 ? t->astack * 2 : 8;
		t->stack = claw_xrealloc(t->stack, t->astack * sizeof *t->stack);
	}
	struct span *s = &t->stack[t->nstack];
	s->id = ++t->last_span;
	s->parent = claw_tracer_current(t);
	s->depth = (int)t->nstack;
	s->type = type;
	s->level = claw_record_type_level(type);
	s->mono_ms = claw_clock_mono_ms();
	t->nstack++;

	struct claw_record rec = {
		.run_id = t->run_id,
		.span_id = s->id,
		.parent_id = s->parent,
		.depth = s->depth,
		.phase = CLAW_RECORD_ENTER,
		.type = type,
		.level = s->level,
		.ts_ms = claw_clock_now_ms(),
		.data = data,
	};
	(void)emit(t, &rec);
	return s->id;
}

/* Writes the end record of span id (under parent, at depth, at level)
 * that lasted ms; interrupted marks one another process left open. */
static void
emit_end(struct claw_tracer *t, int64_t id, int64_t parent, int depth, int level, int64_t ms,
	 bool interrupted)
{
	char data[64];
	(void)snprintf(data, sizeof data, "{\"ms\":%lld%s}", (long long)(ms > 0 ? ms : 0),
		       interrupted ? ",\"interrupted\":true" : "");
	struct claw_record rec = {
		.run_id = t->run_id,
		.span_id = id,
		.parent_id = parent,
		.depth = depth,
		.phase = CLAW_RECORD_EXIT,
		.type = CLAW_RECORD_END,
		.level = level,
		.ts_ms = claw_clock_now_ms(),
		.data = data,
	};
	(void)emit(t, &rec);
}

/* Pops the innermost span and writes its end record. */
static void
close_top(struct claw_tracer *t)
{
	struct span s = t->stack[--t->nstack];
	emit_end(t, s.id, s.parent, s.depth, s.level, claw_clock_mono_ms() - s.mono_ms, false);
}

void
claw_trace_close_interrupted(struct claw_tracer *t, const struct claw_record *enter, int64_t ms)
{
	emit_end(t, enter->span_id, enter->parent_id, enter->depth, enter->level, ms, true);
}

void
claw_trace_exit(struct claw_tracer *t, int64_t span_id)
{
	size_t i = t->nstack;
	while (i > 0 && t->stack[i - 1].id != span_id)
		i--;
	if (i == 0) {
		report_misuse(t, MISUSE_NOT_OPEN, "exit of span %lld, which is not open",
			      (long long)span_id);
		return;
	}
	while (t->nstack >= i)
		close_top(t);
}

void
claw_trace_exit_all(struct claw_tracer *t)
{
	while (t->nstack > 0)
		close_top(t);
}

int64_t
claw_trace_event(struct claw_tracer *t, enum claw_record_type type, int level, const char *data)
{
	return claw_trace_event_at(t, claw_tracer_current(t), (int)t->nstack, type, level, data);
}

int64_t
claw_trace_event_at(struct claw_tracer *t, int64_t parent_id, int depth, enum claw_record_type type,
		    int level, const char *data)
{
	if (claw_record_type_is_span(type) || type == CLAW_RECORD_END ||
	    (unsigned)type >= CLAW_RECORD_TYPE_COUNT) {
		report_misuse(t, MISUSE_NOT_EVENT, "event of record type %s, which is not an event",
			      claw_record_type_name(type));
		return 0;
	}
	struct claw_record rec = {
		.run_id = t->run_id,
		.span_id = ++t->last_span,
		.parent_id = parent_id,
		.depth = depth,
		.phase = CLAW_RECORD_EVENT,
		.type = type,
		.level = level > 0 ? level : claw_record_type_level(type),
		.ts_ms = claw_clock_now_ms(),
		.data = data,
	};
	(void)emit(t, &rec);
	return rec.span_id;
}

static const char *
json_text(struct json_object *data)
{
	if (data == NULL)
		return NULL;
	return json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
}

int64_t
claw_trace_enter_json(struct claw_tracer *t, enum claw_record_type type, struct json_object *data)
{
	return claw_trace_enter(t, type, json_text(data));
}

int64_t
claw_trace_event_json(struct claw_tracer *t, enum claw_record_type type, int level,
		      struct json_object *data)
{
	return claw_trace_event(t, type, level, json_text(data));
}

void
claw_trace_delta(struct claw_tracer *t, const struct claw_trace_delta *d)
{
	for (size_t i = 0; i < t->nsinks; i++)
		if (t->sinks[i].ops->delta != NULL)
			t->sinks[i].ops->delta(t->sinks[i].ctx, t->run_id, d);
}

enum claw_err
claw_tracer_flush(struct claw_tracer *t, struct claw_error *err)
{
	enum claw_err first = CLAW_OK;

	for (size_t i = 0; i < t->nsinks; i++) {
		struct sink *s = &t->sinks[i];
		struct claw_error e;
		if (s->ops->flush == NULL)
			continue;
		claw_error_clear(&e);
		enum claw_err rc = s->ops->flush(s->ctx, &e);
		if (rc == CLAW_OK)
			continue;
		if (first == CLAW_OK) {
			first = rc;
			(void)claw_error_set(err, rc, "%s sink: %s", s->ops->name,
					     claw_error_text(&e));
		}
		if (!(s->reported & (1u << rc))) {
			s->reported |= 1u << rc;
			claw_log_warn("trace: %s sink: run %lld: %s", s->ops->name,
				      (long long)t->run_id, claw_error_text(&e));
		}
	}
	return first;
}
