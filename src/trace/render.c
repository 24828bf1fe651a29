/*
 * render — glyphs, summaries, colours, and `claw log`.  See render.h.
 *
 * Summaries read the record's data with json-c; a record whose data does not
 * parse (or lacks a field) still gets its glyph and type, with whatever of
 * the summary could be built.  Free text is flattened (runs of whitespace,
 * newlines included, become one space) and clipped on a UTF-8 character
 * boundary with an ellipsis, so a line stays a line.
 *
 * The renderer keeps a stack of the spans it has seen opened (id, type,
 * summary) to name them on their exit line; records arrive in seq order and
 * spans nest, so a stack searched from the top is enough.  Spans that never
 * closed (a run killed and resumed) are dropped when an outer span closes.
 */
#include "trace/render.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/clock.h"
#include "base/mem.h"

#define SGR_RESET "\033[0m"
#define RENDER_LOG_BUF_MAX ((size_t)1024 * 1024) /* claw log output between writes */

struct open_span {
	int64_t id;
	enum claw_record_type type;
	char *summary;
};

struct claw_render {
	int level;
	bool colour;
	struct open_span *spans;
	size_t nspans, aspans;
	struct claw_buf tmp; /* summary scratch */
};

/* SGR parameters per type; NULL: no colour. */
static const char *const type_colour[] = {
	[CLAW_RECORD_WORKFLOW] = "1;35",  [CLAW_RECORD_STEP] = "1;36",
	[CLAW_RECORD_AI] = "34",          [CLAW_RECORD_TURN] = "34",
	[CLAW_RECORD_END] = "2",          [CLAW_RECORD_PROMPT] = "2",
	[CLAW_RECORD_REPLY] = "2",        [CLAW_RECORD_TOOL] = "33",
	[CLAW_RECORD_TOOL_RESULT] = "32", [CLAW_RECORD_ARTIFACT] = "1;32",
	[CLAW_RECORD_HANDOFF] = "35",     [CLAW_RECORD_QUESTION] = "1;33",
	[CLAW_RECORD_ANSWER] = "1;32",    [CLAW_RECORD_BACK] = "33",
	[CLAW_RECORD_RETRY] = "31",       [CLAW_RECORD_NOTE] = NULL,
	[CLAW_RECORD_MESSAGE] = "1;35",
};
_Static_assert(sizeof type_colour / sizeof type_colour[0] == CLAW_RECORD_TYPE_COUNT,
	       "every record type needs a colour entry");

#define COLOUR_ERROR "1;31"
#define COLOUR_NOTICE "1"

/* ------------------------------------------------------------ json bits */

static struct json_object *
parse_data(const char *data)
{
	if (data == NULL || data[0] == '\0')
		return NULL;
	return json_tokener_parse(data);
}

/* The string field key of obj, or NULL. */
static const char *
jstr(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
jint(struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object *v;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return false;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool
jbool(struct json_object *obj, const char *key)
{
	struct json_object *v;
	return obj != NULL && json_object_object_get_ex(obj, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* Appends s flattened to one line and clipped to max characters. */
static void
put_clipped(struct claw_buf *out, const char *s, size_t max)
{
	size_t chars = 0;
	bool space = false, any = false;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		bool ws = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' ||
			  *p == '\f';
		if (ws) {
			space = any;
			continue;
		}
		if ((*p & 0xC0) != 0x80) { /* a character starts here */
			if (chars + space >= max) {
				(void)claw_buf_puts(out, "…");
				return;
			}
			if (space) {
				(void)claw_buf_putc(out, ' ');
				chars++;
				space = false;
			}
			chars++;
		}
		if (*p < 0x20 || *p == 0x7f)
			(void)claw_buf_putc(out, '?'); /* no escape sequences from data */
		else
			(void)claw_buf_putc(out, (char)*p);
		any = true;
	}
}

static void
put_clip(struct claw_buf *out, const char *s)
{
	if (s != NULL)
		put_clipped(out, s, CLAW_RENDER_CLIP);
}

static void
put_i64(struct claw_buf *out, int64_t v)
{
	(void)claw_buf_printf(out, "%lld", (long long)v);
}

static void
put_duration(struct claw_buf *out, int64_t ms)
{
	if (ms < 1000)
		(void)claw_buf_printf(out, "%lldms", (long long)ms);
	else if (ms < 60000)
		(void)claw_buf_printf(out, "%lld.%llds", (long long)(ms / 1000),
				      (long long)(ms % 1000 / 100));
	else
		(void)claw_buf_printf(out, "%lldm%02llds", (long long)(ms / 60000),
				      (long long)(ms % 60000 / 1000));
}

/* ------------------------------------------------------------- summaries */

/* Four decimals; six for a cost under a hundredth of a cent. */
static void
put_usd(struct claw_buf *out, int64_t micros)
{
	(void)claw_buf_printf(out, micros > 0 && micros < 100 ? "$%.6f" : "$%.4f",
			      (double)micros / 1e6);
}

static void
summary_reply(struct json_object *d, struct claw_buf *out)
{
	struct json_object *usage = NULL, *calls = NULL;
	int64_t in = 0, outt = 0, cost = 0;
	bool sep = false;

	if (d != NULL && json_object_object_get_ex(d, "usage", &usage)) {
		(void)jint(usage, "in", &in);
		(void)jint(usage, "out", &outt);
		(void)jint(usage, "cost_micros", &cost);
	}
	(void)claw_buf_printf(out, "[%lld/%lld tok", (long long)in, (long long)outt);
	if (cost > 0) {
		(void)claw_buf_puts(out, " · ");
		put_usd(out, cost);
	}
	(void)claw_buf_putc(out, ']');
	if (d != NULL && json_object_object_get_ex(d, "tool_calls", &calls) &&
	    json_object_is_type(calls, json_type_array)) {
		size_t n = json_object_array_length(calls);
		for (size_t i = 0; i < n; i++) {
			const char *name = jstr(json_object_array_get_idx(calls, i), "name");
			(void)claw_buf_puts(out, sep ? ", " : " ");
			put_clipped(out, nonempty(name) ? name : "?", 40);
			sep = true;
		}
	}
	const char *text = jstr(d, "text");
	if (nonempty(text)) {
		(void)claw_buf_puts(out, " \"");
		put_clip(out, text);
		(void)claw_buf_putc(out, '"');
	}
}

enum claw_err
claw_render_summary(const struct claw_record *rec, struct claw_buf *out)
{
	struct json_object *d = parse_data(rec->data);
	int64_t v;

	switch (rec->type) {
	case CLAW_RECORD_WORKFLOW:
	case CLAW_RECORD_STEP:
	case CLAW_RECORD_TOOL:
		put_clip(out, jstr(d, "name"));
		break;
	case CLAW_RECORD_AI: {
		const char *role = jstr(d, "role"), *model = jstr(d, "model");
		put_clip(out, nonempty(role) ? role : "ai");
		if (nonempty(model)) {
			(void)claw_buf_puts(out, " (");
			put_clipped(out, model, 40);
			(void)claw_buf_putc(out, ')');
		}
		break;
	}
	case CLAW_RECORD_TURN:
		if (jint(d, "number", &v)) {
			(void)claw_buf_putc(out, '#');
			put_i64(out, v);
		}
		break;
	case CLAW_RECORD_END:
		if (jint(d, "ms", &v))
			put_duration(out, v);
		if (jbool(d, "interrupted"))
			(void)claw_buf_puts(out, ", interrupted");
		break;
	case CLAW_RECORD_PROMPT: {
		struct json_object *tools;
		put_clip(out, jstr(d, "text"));
		if (d != NULL && json_object_object_get_ex(d, "tools", &tools) &&
		    json_object_is_type(tools, json_type_array) &&
		    json_object_array_length(tools) > 0)
			(void)claw_buf_printf(out, " (%zu tools)", json_object_array_length(tools));
		break;
	}
	case CLAW_RECORD_REPLY:
		summary_reply(d, out);
		break;
	case CLAW_RECORD_TOOL_RESULT:
		put_clip(out, jstr(d, "name"));
		if (jbool(d, "is_error"))
			(void)claw_buf_puts(out, " [error]");
		break;
	case CLAW_RECORD_ARTIFACT: {
		const char *kind = jstr(d, "kind");
		put_clip(out, jstr(d, "label"));
		if (nonempty(kind)) {
			(void)claw_buf_puts(out, " (");
			put_clipped(out, kind, 20);
			(void)claw_buf_putc(out, ')');
		}
		break;
	}
	case CLAW_RECORD_HANDOFF:
		put_clip(out, jstr(d, "text"));
		break;
	case CLAW_RECORD_QUESTION: {
		const char *kind = jstr(d, "kind");
		if (nonempty(kind) && strcmp(kind, "question") != 0) {
			(void)claw_buf_putc(out, '[');
			put_clipped(out, kind, 20);
			(void)claw_buf_puts(out, "] ");
		}
		put_clip(out, jstr(d, "prompt"));
		break;
	}
	case CLAW_RECORD_ANSWER: {
		const char *decision = jstr(d, "decision"), *text = jstr(d, "text");
		const char *by = jstr(d, "by");
		if (nonempty(decision)) {
			put_clipped(out, decision, 20);
			if (nonempty(text))
				(void)claw_buf_puts(out, ": ");
		}
		put_clip(out, text);
		if (nonempty(by)) {
			(void)claw_buf_puts(out, " (by ");
			put_clipped(out, by, 40);
			(void)claw_buf_putc(out, ')');
		}
		break;
	}
	case CLAW_RECORD_BACK: {
		const char *from = jstr(d, "from"), *to = jstr(d, "to"), *why = jstr(d, "reason");
		put_clipped(out, nonempty(from) ? from : "?", 40);
		(void)claw_buf_puts(out, " → ");
		put_clipped(out, nonempty(to) ? to : "?", 40);
		if (nonempty(why)) {
			(void)claw_buf_puts(out, ": ");
			put_clip(out, why);
		}
		break;
	}
	case CLAW_RECORD_RETRY: {
		int64_t attempt = 0, wait = 0;
		put_clip(out, jstr(d, "error"));
		(void)jint(d, "attempt", &attempt);
		(void)jint(d, "wait_ms", &wait);
		(void)claw_buf_printf(out, " (attempt %lld, waiting ", (long long)attempt);
		put_duration(out, wait);
		(void)claw_buf_putc(out, ')');
		break;
	}
	case CLAW_RECORD_MESSAGE: {
		const char *by = jstr(d, "by");
		put_clip(out, jstr(d, "text"));
		if (nonempty(by)) {
			(void)claw_buf_puts(out, " (from ");
			put_clipped(out, by, 40);
			(void)claw_buf_putc(out, ')');
		}
		break;
	}
	case CLAW_RECORD_NOTE: {
		const char *action = jstr(d, "action");
		if (nonempty(action)) {
			put_clipped(out, action, 30);
			(void)claw_buf_puts(out, ": ");
		}
		put_clip(out, jstr(d, "message"));
		break;
	}
	case CLAW_RECORD_TYPE_COUNT:
		break;
	}
	json_object_put(d);
	return claw_buf_error(out);
}

/* ------------------------------------------------------------ the lines */

struct claw_render *
claw_render_new(int level, bool colour)
{
	struct claw_render *r = CLAW_NEW(struct claw_render);
	r->level = level;
	r->colour = colour;
	claw_buf_init(&r->tmp, CLAW_RENDER_LINE_MAX);
	return r;
}

static void
spans_pop_to(struct claw_render *r, size_t n)
{
	while (r->nspans > n)
		free(r->spans[--r->nspans].summary);
}

void
claw_render_free(struct claw_render *r)
{
	if (r == NULL)
		return;
	spans_pop_to(r, 0);
	free(r->spans);
	claw_buf_free(&r->tmp);
	free(r);
}

bool
claw_render_colour_rule(bool tty, const char *no_color)
{
	return tty && (no_color == NULL || no_color[0] == '\0');
}

bool
claw_render_colour_wanted(int fd)
{
	return claw_render_colour_rule(isatty(fd) == 1, getenv("NO_COLOR"));
}

static void
put_sgr(struct claw_render *r, struct claw_buf *out, const char *sgr)
{
	if (r->colour && sgr != NULL) {
		(void)claw_buf_puts(out, "\033[");
		(void)claw_buf_puts(out, sgr);
		(void)claw_buf_putc(out, 'm');
	}
}

static void
put_reset(struct claw_render *r, struct claw_buf *out, const char *sgr)
{
	if (r->colour && sgr != NULL)
		(void)claw_buf_puts(out, SGR_RESET);
}

enum claw_err
claw_render_record(struct claw_render *r, const struct claw_record *rec, struct claw_buf *out)
{
	const char *glyph = "·", *sgr = NULL, *tname = claw_record_type_name(rec->type);
	const struct open_span *closed = NULL;
	size_t closed_at = 0;
	bool error = false;

	claw_buf_reset(&r->tmp);
	if ((unsigned)rec->type < CLAW_RECORD_TYPE_COUNT)
		sgr = type_colour[rec->type];
	if (rec->phase == CLAW_RECORD_EXIT) {
		glyph = "◀";
		for (size_t i = r->nspans; i > 0; i--)
			if (r->spans[i - 1].id == rec->span_id) {
				closed = &r->spans[i - 1];
				closed_at = i - 1;
				break;
			}
	} else if (rec->phase == CLAW_RECORD_ENTER) {
		glyph = "▶";
	}

	/* The summary, into tmp. */
	if (closed != NULL) {
		int64_t ms = 0;
		struct json_object *d = parse_data(rec->data);
		(void)jint(d, "ms", &ms);
		bool interrupted = jbool(d, "interrupted");
		json_object_put(d);
		tname = claw_record_type_name(closed->type);
		sgr = type_colour[closed->type];
		(void)claw_buf_puts(&r->tmp, closed->summary);
		(void)claw_buf_puts(&r->tmp, claw_buf_len(&r->tmp) > 0 ? " (" : "(");
		put_duration(&r->tmp, ms);
		(void)claw_buf_puts(&r->tmp, interrupted ? ", interrupted)" : ")");
	} else if (rec->type == CLAW_RECORD_END) {
		(void)claw_buf_putc(&r->tmp, '(');
		(void)claw_render_summary(rec, &r->tmp);
		(void)claw_buf_putc(&r->tmp, ')');
	} else {
		(void)claw_render_summary(rec, &r->tmp);
	}
	if (rec->type == CLAW_RECORD_TOOL_RESULT) {
		struct json_object *d = parse_data(rec->data);
		error = jbool(d, "is_error");
		json_object_put(d);
	}

	/* Remember or forget the span (whatever the level). */
	if (rec->phase == CLAW_RECORD_ENTER) {
		if (r->nspans == r->aspans) {
			r->aspans = r->aspans != 0 ? r->aspans * 2 : 16;
			r->spans = claw_xrealloc(r->spans, r->aspans * sizeof *r->spans);
		}
		r->spans[r->nspans].id = rec->span_id;
		r->spans[r->nspans].type = rec->type;
		r->spans[r->nspans].summary = claw_xstrdup(claw_buf_str(&r->tmp));
		r->nspans++;
	}

	if (rec->level >= r->level) {
		if (error)
			sgr = COLOUR_ERROR;
		else if (sgr == NULL && rec->level >= CLAW_RECORD_NOTICE)
			sgr = COLOUR_NOTICE;
		for (int i = 0; i < rec->depth && i < 64; i++)
			(void)claw_buf_puts(out, "  ");
		put_sgr(r, out, sgr);
		(void)claw_buf_puts(out, glyph);
		(void)claw_buf_putc(out, ' ');
		(void)claw_buf_puts(out, tname);
		put_reset(r, out, sgr);
		if (claw_buf_len(&r->tmp) > 0) {
			(void)claw_buf_putc(out, ' ');
			if (error && r->colour) {
				/* The name plain, the [error] mark in red. */
				size_t n = claw_buf_len(&r->tmp) - (sizeof " [error]" - 1);
				(void)claw_buf_append(out, claw_buf_str(&r->tmp), n);
				(void)claw_buf_puts(out,
						    " \033[" COLOUR_ERROR "m[error]" SGR_RESET);
			} else {
				(void)claw_buf_puts(out, claw_buf_str(&r->tmp));
			}
		}
		(void)claw_buf_putc(out, '\n');
	}

	if (closed != NULL)
		spans_pop_to(r, closed_at);
	return claw_buf_error(out);
}

/* ------------------------------------------------------------ claw log */

enum claw_err
claw_render_runs(struct claw_buf *out, const struct claw_run *runs, size_t n, int64_t chosen,
		 bool colour)
{
	for (size_t i = 0; i < n; i++) {
		const struct claw_run *run = &runs[i];
		char when[32];
		bool mark = run->id == chosen;
		if (mark && colour)
			(void)claw_buf_puts(out, "\033[1m");
		(void)claw_buf_printf(out, "%s #%-4lld %-9s issue #%-4lld %s", mark ? "*" : " ",
				      (long long)run->id, claw_run_status_name(run->status),
				      (long long)run->issue_id,
				      claw_clock_format_utc(run->created_at, when, sizeof when));
		if (nonempty(run->reason)) {
			(void)claw_buf_puts(out, "  ");
			put_clip(out, run->reason);
		}
		if (mark && colour)
			(void)claw_buf_puts(out, SGR_RESET);
		(void)claw_buf_putc(out, '\n');
	}
	return claw_buf_error(out);
}

enum claw_err
claw_render_totals(struct claw_buf *out, const struct claw_trace_totals *tot, bool colour)
{
	if (colour)
		(void)claw_buf_puts(out, "\033[1m");
	(void)claw_buf_printf(out, "tokens %lld in / %lld out · cache %lld read / %lld written",
			      (long long)tot->in, (long long)tot->out, (long long)tot->cached,
			      (long long)tot->cache_write);
	if (tot->in > 0)
		(void)claw_buf_printf(out, " (%lld%% hit)",
				      (long long)(tot->cached * 100 / tot->in));
	(void)claw_buf_puts(out, " · cost ");
	put_usd(out, tot->cost_micros);
	if (colour)
		(void)claw_buf_puts(out, SGR_RESET);
	(void)claw_buf_putc(out, '\n');
	if (tot->nmodels > 1)
		for (size_t i = 0; i < tot->nmodels; i++) {
			const struct claw_trace_usage *u = &tot->models[i];
			(void)claw_buf_puts(out, "  ");
			put_clipped(out, nonempty(u->model) ? u->model : "(unknown model)", 40);
			(void)claw_buf_printf(
				out, ": %lld in / %lld out · cache %lld read / %lld written · ",
				(long long)u->in, (long long)u->out, (long long)u->cached,
				(long long)u->cache_write);
			put_usd(out, u->cost_micros);
			(void)claw_buf_putc(out, '\n');
		}
	return claw_buf_error(out);
}

/* Writes b to out and empties it. */
static enum claw_err
flush_buf(struct claw_buf *b, FILE *out, struct claw_error *err)
{
	if (claw_buf_len(b) > 0 &&
	    fwrite(claw_buf_str(b), 1, claw_buf_len(b), out) != claw_buf_len(b))
		return claw_error_set(err, CLAW_EIO, "writing the log failed");
	claw_buf_reset(b);
	return CLAW_OK;
}

enum claw_err
claw_render_log(struct claw_db *db, int64_t run_id, int level, bool colour, FILE *out,
		struct claw_error *err)
{
	struct claw_run *runs = NULL, chosen = {0};
	struct claw_record_list page = {0};
	struct claw_trace_totals tot = {0};
	struct claw_buf b = CLAW_BUF_INIT(RENDER_LOG_BUF_MAX);
	struct claw_render *r = NULL;
	size_t nruns = 0;
	bool listed = false, any = false;
	enum claw_err rc;

	rc = claw_run_list(db, 0, CLAW_RENDER_RUNS_SHOWN, &runs, &nruns, err);
	if (rc != CLAW_OK)
		goto out;
	if (nruns == 0 && run_id != 0) { /* an unknown run is an error, runs or none */
		rc = claw_error_set(err, CLAW_ENOTFOUND, "run #%lld not found", (long long)run_id);
		goto out;
	}
	if (nruns == 0) {
		(void)claw_buf_puts(&b, "No runs yet for this project.\n");
		rc = flush_buf(&b, out, err);
		goto out;
	}
	if (run_id == 0) {
		rc = claw_reader_latest_run(db, &run_id, err);
		if (rc == CLAW_ENOTFOUND) {
			claw_error_clear(err);
			run_id = runs[0].id;
		} else if (rc != CLAW_OK) {
			goto out;
		}
	}
	rc = claw_run_get(db, run_id, &chosen, err);
	if (rc != CLAW_OK)
		goto out;

	for (size_t i = 0; i < nruns; i++)
		listed |= runs[i].id == run_id;
	(void)claw_render_runs(&b, runs, nruns, run_id, colour);
	if (!listed) {
		(void)claw_buf_puts(&b, "  ...\n");
		(void)claw_render_runs(&b, &chosen, 1, run_id, colour);
	}
	(void)claw_buf_putc(&b, '\n');

	r = claw_render_new(level, colour);
	for (int64_t since = 0;;) {
		rc = claw_reader_tail_level(db, run_id, since, level, CLAW_RENDER_PAGE, &page, err);
		if (rc != CLAW_OK)
			goto out;
		if (page.n == 0)
			break;
		for (size_t i = 0; i < page.n; i++) {
			(void)claw_render_record(r, &page.v[i], &b);
			any = true;
		}
		since = page.v[page.n - 1].seq;
		claw_record_list_free(&page);
		if (claw_buf_error(&b) != CLAW_OK) {
			rc = claw_error_set(err, claw_buf_error(&b), "rendering run #%lld",
					    (long long)run_id);
			goto out;
		}
		rc = flush_buf(&b, out, err);
		if (rc != CLAW_OK)
			goto out;
	}
	if (!any)
		(void)claw_buf_puts(&b, "(no trace rows for this run)\n");

	rc = claw_reader_totals(db, run_id, &tot, err);
	if (rc != CLAW_OK)
		goto out;
	(void)claw_buf_putc(&b, '\n');
	(void)claw_render_totals(&b, &tot, colour);
	if (claw_buf_error(&b) != CLAW_OK) {
		rc = claw_error_set(err, claw_buf_error(&b), "rendering run #%lld",
				    (long long)run_id);
		goto out;
	}
	rc = flush_buf(&b, out, err);
out:
	claw_render_free(r);
	claw_trace_totals_free(&tot);
	claw_record_list_free(&page);
	claw_run_free(&chosen);
	claw_run_list_free(runs, nruns);
	claw_buf_free(&b);
	return rc;
}
