/*
 * test_tracer — span ids, nesting, closing, levels, and sinks that fail.
 * Records are captured by an in-memory sink; claw_log output goes to a file
 * so "reported once" can be counted.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "tap.h"
#include "trace/tracer.h"

#define CAP_MAX 64

struct capture {
	struct claw_record v[CAP_MAX];
	size_t n;
	int flushes;
	enum claw_err fail; /* what write returns */
	bool *released;
	char deltas[256]; /* "run/span/kind/at:text " of each delta */
};

static enum claw_err
cap_write(void *ctx, const struct claw_record *rec, struct claw_error *err)
{
	struct capture *c = ctx;
	if (c->fail != CLAW_OK)
		return claw_error_set(err, c->fail, "sink says no (%s)", claw_strerror(c->fail));
	if (c->n < CAP_MAX) {
		c->v[c->n] = *rec;
		c->v[c->n].data = claw_xstrdup(rec->data != NULL ? rec->data : "{}");
		c->n++;
	}
	return CLAW_OK;
}

static enum claw_err
cap_flush(void *ctx, struct claw_error *err)
{
	struct capture *c = ctx;
	c->flushes++;
	if (c->fail != CLAW_OK)
		return claw_error_set(err, c->fail, "flush says no");
	return CLAW_OK;
}

static void
cap_release(void *ctx)
{
	struct capture *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		free((char *)c->v[i].data);
	if (c->released != NULL)
		*c->released = true;
	free(c);
}

static void
cap_delta(void *ctx, int64_t run_id, const struct claw_trace_delta *d)
{
	struct capture *c = ctx;
	size_t at = strlen(c->deltas);
	(void)snprintf(c->deltas + at, sizeof c->deltas - at, "%lld/%lld/%s/%zu:%.*s ",
		       (long long)run_id, (long long)d->span_id, d->kind, d->at, (int)d->len,
		       d->text);
}

static const struct claw_trace_sink_ops cap_ops = {"capture", cap_write, cap_flush, cap_release,
						   cap_delta};
static struct capture *
attach(struct claw_tracer *t)
{
	struct capture *c = CLAW_NEW(struct capture);
	claw_tracer_add_sink(t, &cap_ops, c);
	return c;
}

/* A sink that shows no live output. */
static const struct claw_trace_sink_ops quiet_ops = {"quiet", cap_write, NULL, cap_release, NULL};

/* Deltas reach the sinks that show them, and nothing is written. */
static void
test_delta(void)
{
	struct claw_tracer *t = claw_tracer_new(7, 0);
	struct capture *c = attach(t), *q = CLAW_NEW(struct capture);
	claw_tracer_add_sink(t, &quiet_ops, q);
	int64_t turn = claw_trace_enter(t, CLAW_RECORD_TURN, NULL);
	struct claw_trace_delta d = {turn, 1, "text", 0, NULL, 0, "Hello wor", 5};
	claw_trace_delta(t, &d);
	d.at = 5;
	d.text = " world";
	d.len = 6;
	claw_trace_delta(t, &d);
	is_str(c->deltas, "7/1/text/0:Hello 7/1/text/5: world ", "deltas reach the sink in order");
	is_int((int)c->n, 1, "and are not records (only the turn's enter)");
	is_int((int)claw_tracer_last_span(t), 1, "nor use span ids");
	is_int((int)q->n, 1, "a sink without a delta op gets records only");
	claw_tracer_free(t);
}

static char logpath[4200];

static int
log_lines(const char *needle)
{
	char buf[8192];
	int n = 0;
	FILE *f = fopen(logpath, "r");
	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof buf, f) != NULL)
		n += strstr(buf, needle) != NULL;
	fclose(f);
	return n;
}

static void
test_nesting(void)
{
	struct claw_tracer *t = claw_tracer_new(5, 10);
	struct capture *c = attach(t);

	is_int(claw_tracer_run_id(t), 5, "run id");
	int64_t wf = claw_trace_enter(t, CLAW_RECORD_WORKFLOW, "{\"name\":\"solve\"}");
	is_int(wf, 11, "first span id follows the seed");
	int64_t step = claw_trace_enter(t, CLAW_RECORD_STEP, "{\"name\":\"implement\"}");
	int64_t tool = claw_trace_event(t, CLAW_RECORD_TOOL, CLAW_RECORD_LEVEL_DEFAULT,
					"{\"name\":\"bash\",\"input\":{}}");
	int64_t bad = claw_trace_event(t, CLAW_RECORD_TOOL_RESULT, CLAW_RECORD_NOTICE,
				       "{\"name\":\"bash\",\"is_error\":true}");
	is_int(step, 12, "step id");
	is_int(tool, 13, "events get span ids of their own");
	is_int(bad, 14, "ids keep increasing");
	is_int(claw_tracer_depth(t), 2, "two spans open");
	is_int(claw_tracer_current(t), step, "innermost is the step");

	is_int(c->n, 4, "four records");
	struct claw_record *r = c->v;
	ok(r[0].phase == CLAW_RECORD_ENTER && r[0].type == CLAW_RECORD_WORKFLOW &&
		   r[0].depth == 0 && r[0].parent_id == 0 && r[0].level == 30 && r[0].run_id == 5,
	   "workflow enter: depth 0, root, Notice");
	is_str(r[0].data, "{\"name\":\"solve\"}", "data passed through");
	ok(r[1].depth == 1 && r[1].parent_id == wf && r[1].level == 20, "step: depth 1, Info");
	ok(r[2].phase == CLAW_RECORD_EVENT && r[2].depth == 2 && r[2].parent_id == step &&
		   r[2].level == 20,
	   "tool event: depth 2 under the step, Info");
	is_int(r[3].level, 30, "explicit Notice for a failed tool result");
	int64_t now = claw_clock_now_ms();
	ok(r[0].ts_ms > now - 60000 && r[0].ts_ms <= now, "wall-clock ms timestamps");

	/* ai and turn inside the step; exiting the step closes them first. */
	int64_t ai = claw_trace_enter(t, CLAW_RECORD_AI, "{\"role\":\"worker\",\"model\":\"m\"}");
	int64_t turn = claw_trace_enter(t, CLAW_RECORD_TURN, "{\"number\":1,\"model\":\"m\"}");
	claw_clock_sleep_ms(25);
	size_t before = c->n;
	claw_trace_exit(t, step);
	is_int(c->n - before, 3, "exit of the step wrote three end records");
	r = &c->v[before];
	ok(r[0].span_id == turn && r[1].span_id == ai && r[2].span_id == step,
	   "innermost closed first: turn, ai, step");
	bool ends = true;
	for (int i = 0; i < 3; i++)
		ends &= r[i].phase == CLAW_RECORD_EXIT && r[i].type == CLAW_RECORD_END;
	ok(ends, "each is an end record with phase exit");
	ok(r[0].level == 10 && r[1].level == 10 && r[2].level == 20, "end level is its enter's");
	ok(r[0].depth == 3 && r[0].parent_id == ai && r[2].depth == 1 && r[2].parent_id == wf,
	   "end keeps the span's depth and parent");
	long long ms = -1;
	int parsed = sscanf(r[2].data, "{\"ms\":%lld}", &ms);
	ok(parsed == 1 && ms >= 24 && ms < 5000, "end data {\"ms\":N} is the duration (%lld)", ms);
	is_int(claw_tracer_depth(t), 1, "only the workflow is open");

	int64_t note = claw_trace_event(t, CLAW_RECORD_NOTE, CLAW_RECORD_DEBUG, NULL);
	is_int(c->v[c->n - 1].level, 10, "note at any level");
	is_int(c->v[c->n - 1].parent_id, wf, "note under the workflow");
	ok(note > turn, "note id");

	claw_trace_exit_all(t);
	is_int(claw_tracer_depth(t), 0, "exit_all closes everything");
	is_int(c->v[c->n - 1].span_id, wf, "last record closes the workflow");
	is_int(claw_tracer_current(t), 0, "no current span");

	/* Events at the root. */
	claw_trace_event(t, CLAW_RECORD_HANDOFF, 0, "{\"text\":\"hi\"}");
	ok(c->v[c->n - 1].depth == 0 && c->v[c->n - 1].parent_id == 0, "root event");
	claw_tracer_free(t);
}

static void
test_seed_and_json(void)
{
	struct claw_tracer *t = claw_tracer_new(1, 0);
	struct capture *c = attach(t);
	is_int(claw_tracer_last_span(t), 0, "fresh run starts at 0");
	claw_tracer_reseed(t, 50);
	is_int(claw_tracer_last_span(t), 50, "reseed raises");
	claw_tracer_reseed(t, 20);
	is_int(claw_tracer_last_span(t), 50, "reseed never lowers");

	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string("a/b \"c\""));
	int64_t id = claw_trace_enter_json(t, CLAW_RECORD_STEP, o);
	is_int(id, 51, "json enter id");
	is_str(c->v[0].data, "{\"name\":\"a/b \\\"c\\\"\"}", "compact JSON, slashes kept");
	claw_trace_event_json(t, CLAW_RECORD_ARTIFACT, 0, o);
	is_int(c->v[1].level, 20, "artifact Info");
	claw_trace_event_json(t, CLAW_RECORD_NOTE, 0, NULL);
	is_str(c->v[2].data, "{}", "NULL json is {}");
	/* An event placed beside another tracer's record. */
	id = claw_trace_event_at(t, 7, 3, CLAW_RECORD_ANSWER, 0, "{\"ref\":9}");
	is_int(id, 54, "event_at takes the next id");
	is_int(c->v[3].parent_id, 7, "under the parent given");
	is_int(c->v[3].depth, 3, "at the depth given");
	is_int(claw_tracer_depth(t), 1, "the tracer's own spans are untouched");
	is_int(claw_trace_event_at(t, 7, 3, CLAW_RECORD_STEP, 0, NULL), 0, "spans are refused");
	json_object_put(o);
	claw_tracer_free(t);

	struct claw_tracer *neg = claw_tracer_new(1, -3);
	is_int(claw_tracer_last_span(neg), 0, "negative seed clamps to 0");
	claw_tracer_free(neg);
	claw_tracer_free(NULL);
}

static void
test_misuse_and_failures(void)
{
	struct claw_tracer *t = claw_tracer_new(9, 0);
	struct capture *bad = attach(t);
	struct capture *good = attach(t);
	bool released = false;
	bad->released = &released;
	bad->fail = CLAW_EIO;

	int64_t s = claw_trace_enter(t, CLAW_RECORD_STEP, "{\"name\":\"x\"}");
	for (int i = 0; i < 5; i++)
		claw_trace_event(t, CLAW_RECORD_TOOL, 0, "{\"name\":\"bash\"}");
	is_int(good->n, 6, "the healthy sink got every record despite the failing one");
	is_int(log_lines("capture sink"), 1, "a failing sink is reported once per kind");
	is_int(claw_tracer_depth(t), 1, "the run's spans are intact");

	bad->fail = CLAW_EDB;
	claw_trace_event(t, CLAW_RECORD_TOOL, 0, NULL);
	claw_trace_event(t, CLAW_RECORD_TOOL, 0, NULL);
	is_int(log_lines("capture sink"), 2, "a new kind of failure is reported again");

	struct claw_error err;
	claw_error_clear(&err);
	is_int(claw_tracer_flush(t, &err), CLAW_EDB, "flush returns the sink's error");
	has_str(err.msg, "capture sink", "flush error names the sink");
	bad->fail = CLAW_OK;
	is_int(claw_tracer_flush(t, &err), CLAW_OK, "healthy flush");
	is_int(good->flushes, 2, "flush reached every sink");

	size_t n = good->n;
	claw_trace_exit(t, 999);
	claw_trace_exit(t, 998);
	is_int(good->n, n, "exit of a span that is not open writes nothing");
	is_int(log_lines("not open"), 1, "and is reported once");
	is_int(claw_trace_enter(t, CLAW_RECORD_TOOL, NULL), 0, "enter of a non-span type refused");
	is_int(claw_trace_event(t, CLAW_RECORD_STEP, 0, NULL), 0, "event of a span type refused");
	is_int(claw_trace_event(t, CLAW_RECORD_END, 0, NULL), 0, "event of end refused");
	is_int(good->n, n, "nothing written for misuse");
	is_int(claw_tracer_depth(t), 1, "stack untouched");
	claw_trace_exit(t, s);
	is_int(good->n, n + 1, "real exit still works");
	claw_tracer_free(t);
	ok(released, "free releases the sinks");
}

static void
test_free_writes_nothing(void)
{
	struct claw_tracer *t = claw_tracer_new(3, 0);
	struct capture *c = attach(t);
	claw_trace_enter(t, CLAW_RECORD_WORKFLOW, NULL);
	claw_trace_enter(t, CLAW_RECORD_STEP, NULL);
	is_int(c->n, 2, "two enters");
	/* c is freed with the tracer; what it held is checked before. */
	ok(c->v[1].parent_id == c->v[0].span_id, "parent link");
	claw_tracer_free(t); /* open spans stay open: a run stopped to be resumed */
	ok(true, "free with open spans");
}

int
main(void)
{
	(void)snprintf(logpath, sizeof logpath, "%s/log", tap_tmpdir());
	int fd = open(logpath, O_CREAT | O_WRONLY | O_APPEND | O_TRUNC, 0600);
	claw_log_set_fd(fd);
	test_nesting();
	test_seed_and_json();
	test_misuse_and_failures();
	test_free_writes_nothing();
	test_delta();
	claw_log_set_fd(-1);
	close(fd);
	return tap_done();
}
