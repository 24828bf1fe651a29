/*
 * record — type and phase tables, and the one wire-row formatter.
 *
 * The formatter is on the hot path of every live row (the store sink's
 * writer runs it once per record), so integers are written by hand rather
 * than through printf; everything else is memcpy.  Keys are fixed ASCII and
 * the data text is trusted to be JSON (the tracer's callers produce it, or
 * it comes back from the db where the tracer stored it).
 */
#include "trace/record.h"

#include <stdlib.h>
#include <string.h>

static const char *const phase_names[] = {
	[CLAW_RECORD_ENTER] = "enter",
	[CLAW_RECORD_EXIT] = "exit",
	[CLAW_RECORD_EVENT] = "event",
};
_Static_assert(sizeof phase_names / sizeof phase_names[0] == CLAW_RECORD_PHASE_COUNT,
	       "every phase needs a name");

static const struct {
	const char *name;
	int level;
	bool span;
} types[] = {
	[CLAW_RECORD_WORKFLOW] = {"workflow", CLAW_RECORD_NOTICE, true},
	[CLAW_RECORD_STEP] = {"step", CLAW_RECORD_INFO, true},
	[CLAW_RECORD_AI] = {"ai", CLAW_RECORD_DEBUG, true},
	[CLAW_RECORD_TURN] = {"turn", CLAW_RECORD_DEBUG, true},
	[CLAW_RECORD_END] = {"end", CLAW_RECORD_INFO, false},
	[CLAW_RECORD_PROMPT] = {"prompt", CLAW_RECORD_DEBUG, false},
	[CLAW_RECORD_REPLY] = {"reply", CLAW_RECORD_DEBUG, false},
	[CLAW_RECORD_TOOL] = {"tool", CLAW_RECORD_INFO, false},
	[CLAW_RECORD_TOOL_RESULT] = {"tool-result", CLAW_RECORD_INFO, false},
	[CLAW_RECORD_ARTIFACT] = {"artifact", CLAW_RECORD_INFO, false},
	[CLAW_RECORD_HANDOFF] = {"handoff", CLAW_RECORD_NOTICE, false},
	[CLAW_RECORD_QUESTION] = {"question", CLAW_RECORD_NOTICE, false},
	[CLAW_RECORD_ANSWER] = {"answer", CLAW_RECORD_NOTICE, false},
	[CLAW_RECORD_BACK] = {"back", CLAW_RECORD_NOTICE, false},
	[CLAW_RECORD_RETRY] = {"retry", CLAW_RECORD_NOTICE, false},
	[CLAW_RECORD_NOTE] = {"note", CLAW_RECORD_INFO, false},
	[CLAW_RECORD_MESSAGE] = {"message", CLAW_RECORD_NOTICE, false},
};
_Static_assert(sizeof types / sizeof types[0] == CLAW_RECORD_TYPE_COUNT,
	       "every record type needs a name and a level");

void
claw_record_list_free(struct claw_record_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].data);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const char *
claw_record_phase_name(enum claw_record_phase p)
{
	if ((unsigned)p >= CLAW_RECORD_PHASE_COUNT)
		return "?";
	return phase_names[p];
}

const char *
claw_record_type_name(enum claw_record_type t)
{
	if ((unsigned)t >= CLAW_RECORD_TYPE_COUNT)
		return "?";
	return types[t].name;
}

enum claw_err
claw_record_phase_parse(const char *name, enum claw_record_phase *out, struct claw_error *err)
{
	for (unsigned i = 0; i < CLAW_RECORD_PHASE_COUNT; i++)
		if (strcmp(name, phase_names[i]) == 0) {
			*out = (enum claw_record_phase)i;
			return CLAW_OK;
		}
	return claw_error_set(err, CLAW_EINVAL, "unknown trace phase \"%.40s\"", name);
}

enum claw_err
claw_record_type_parse(const char *name, enum claw_record_type *out, struct claw_error *err)
{
	for (unsigned i = 0; i < CLAW_RECORD_TYPE_COUNT; i++)
		if (strcmp(name, types[i].name) == 0) {
			*out = (enum claw_record_type)i;
			return CLAW_OK;
		}
	return claw_error_set(err, CLAW_EINVAL, "unknown trace record type \"%.40s\"", name);
}

int
claw_record_type_level(enum claw_record_type t)
{
	if ((unsigned)t >= CLAW_RECORD_TYPE_COUNT)
		return CLAW_RECORD_INFO;
	return types[t].level;
}

bool
claw_record_type_is_span(enum claw_record_type t)
{
	return (unsigned)t < CLAW_RECORD_TYPE_COUNT && types[t].span;
}

/* Appends a JSON member `"key":` followed by the decimal v. */
static void
put_int(struct claw_buf *out, const char *key, size_t keylen, int64_t v)
{
	char digits[24];
	char *p = digits + sizeof digits;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	(void)claw_buf_append(out, key, keylen);
	(void)claw_buf_append(out, p, (size_t)(digits + sizeof digits - p));
}

#define PUT_INT(out, lit, v) put_int((out), (lit), sizeof(lit) - 1, (v))

enum claw_err
claw_record_wire_row(struct claw_buf *out, const struct claw_record *rec)
{
	const char *data = rec->data != NULL && rec->data[0] != '\0' ? rec->data : "{}";

	PUT_INT(out, "{\"seq\":", rec->seq);
	PUT_INT(out, ",\"runId\":", rec->run_id);
	PUT_INT(out, ",\"spanId\":", rec->span_id);
	PUT_INT(out, ",\"parentId\":", rec->parent_id);
	PUT_INT(out, ",\"depth\":", rec->depth);
	(void)claw_buf_puts(out, ",\"phase\":\"");
	(void)claw_buf_puts(out, claw_record_phase_name(rec->phase));
	(void)claw_buf_puts(out, "\",\"type\":\"");
	(void)claw_buf_puts(out, claw_record_type_name(rec->type));
	(void)claw_buf_putc(out, '"');
	PUT_INT(out, ",\"level\":", rec->level);
	PUT_INT(out, ",\"tsMs\":", rec->ts_ms);
	(void)claw_buf_puts(out, ",\"data\":");
	(void)claw_buf_puts(out, data);
	return claw_buf_putc(out, '}');
}
