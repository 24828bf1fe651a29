/*
 * sse — replies as event streams.  See sse.h.
 */
#include "sse.h"

#include <string.h>

#include "base/json.h"
#include "base/str.h"

static void
event(struct claw_buf *out, const char *name, struct json_object *data)
{
	if (name != NULL)
		claw_buf_printf(out, "event: %s\n", name);
	claw_buf_printf(out, "data: %s\n\n", claw_json_text(data));
	json_object_put(data);
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *
text_of(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								     : "";
}

/* Calls piece(i, s, n) for up to parts parts of s cut on UTF-8 character
 * boundaries (at least one part, maybe empty). */
static void
pieces(const char *s, int parts, void (*piece)(void *, const char *, size_t), void *ctx)
{
	size_t n = strlen(s), at = 0;
	for (int k = 1; k <= parts; k++) {
		size_t end = k == parts ? n : claw_str_utf8_floor(s, n * (size_t)k / (size_t)parts);
		if (end < at)
			end = at;
		if (end > at || (k == 1 && n == 0))
			piece(ctx, s + at, end - at);
		at = end;
	}
}

/* ----------------------------------------------------------- Anthropic */

struct a_piece {
	struct claw_buf *out;
	int index;
	const char *delta; /* text_delta, input_json_delta, thinking_delta */
	const char *field; /* text, partial_json, thinking */
};

static void
a_delta(void *ctx, const char *s, size_t n)
{
	struct a_piece *p = ctx;
	struct json_object *d = json_object_new_object(), *delta = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("content_block_delta"));
	json_object_object_add(d, "index", json_object_new_int(p->index));
	json_object_object_add(delta, "type", json_object_new_string(p->delta));
	json_object_object_add(delta, p->field, json_object_new_string_len(s, (int)n));
	json_object_object_add(d, "delta", delta);
	event(p->out, "content_block_delta", d);
}

static void
anthropic(struct json_object *m, struct json_object *error, int parts, struct claw_buf *out)
{
	struct json_object *start = NULL, *content = get(m, "content"), *usage = get(m, "usage");
	(void)json_object_deep_copy(m, &start, NULL);
	json_object_object_add(start, "content", json_object_new_array());
	json_object_object_add(start, "stop_reason", NULL);
	struct json_object *su = get(start, "usage");
	if (su != NULL)
		json_object_object_add(su, "output_tokens", json_object_new_int(1));
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("message_start"));
	json_object_object_add(d, "message", start);
	event(out, "message_start", d);
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("ping"));
	event(out, "ping", d);
	size_t nb = content != NULL ? json_object_array_length(content) : 0;
	for (size_t i = 0; i < nb; i++) {
		struct json_object *b = json_object_array_get_idx(content, i), *cb = NULL;
		const char *type = text_of(b, "type");
		struct a_piece p = {out, (int)i, "text_delta", "text"};
		(void)json_object_deep_copy(b, &cb, NULL);
		if (strcmp(type, "text") == 0)
			json_object_object_add(cb, "text", json_object_new_string(""));
		else if (strcmp(type, "tool_use") == 0)
			json_object_object_add(cb, "input", json_object_new_object());
		else if (strcmp(type, "thinking") == 0) {
			json_object_object_add(cb, "thinking", json_object_new_string(""));
			json_object_object_add(cb, "signature", json_object_new_string(""));
		}
		d = json_object_new_object();
		json_object_object_add(d, "type", json_object_new_string("content_block_start"));
		json_object_object_add(d, "index", json_object_new_int((int)i));
		json_object_object_add(d, "content_block", cb);
		event(out, "content_block_start", d);
		if (strcmp(type, "text") == 0) {
			pieces(text_of(b, "text"), parts, a_delta, &p);
		} else if (strcmp(type, "tool_use") == 0) {
			p.delta = "input_json_delta";
			p.field = "partial_json";
			pieces(claw_json_text(get(b, "input")), parts, a_delta, &p);
		} else if (strcmp(type, "thinking") == 0) {
			p.delta = "thinking_delta";
			p.field = "thinking";
			pieces(text_of(b, "thinking"), parts, a_delta, &p);
			p.delta = "signature_delta";
			p.field = "signature";
			a_delta(&p, text_of(b, "signature"), strlen(text_of(b, "signature")));
		}
		if (error != NULL) { /* a provider failing mid-stream */
			event(out, "error", json_object_get(error));
			return;
		}
		d = json_object_new_object();
		json_object_object_add(d, "type", json_object_new_string("content_block_stop"));
		json_object_object_add(d, "index", json_object_new_int((int)i));
		event(out, "content_block_stop", d);
	}
	d = json_object_new_object();
	struct json_object *delta = json_object_new_object(), *u = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("message_delta"));
	json_object_object_add(delta, "stop_reason", json_object_get(get(m, "stop_reason")));
	json_object_object_add(delta, "stop_sequence", NULL);
	json_object_object_add(d, "delta", delta);
	json_object_object_add(u, "output_tokens",
			       json_object_get(usage != NULL ? get(usage, "output_tokens") : NULL));
	json_object_object_add(d, "usage", u);
	event(out, "message_delta", d);
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("message_stop"));
	event(out, "message_stop", d);
}

/* -------------------------------------------------------------- OpenAI */

struct o_piece {
	struct claw_buf *out;
	struct json_object *top; /* id, created, model */
	int call;                /* -1: content, -2: reasoning_content */
};

static struct json_object *
chunk(struct json_object *top, struct json_object *delta, const char *finish)
{
	struct json_object *c = NULL, *choice = json_object_new_object();
	(void)json_object_deep_copy(top, &c, NULL);
	json_object_object_add(c, "object", json_object_new_string("chat.completion.chunk"));
	json_object_object_add(choice, "index", json_object_new_int(0));
	json_object_object_add(choice, "delta", delta);
	json_object_object_add(choice, "finish_reason",
			       finish != NULL ? json_object_new_string(finish) : NULL);
	struct json_object *choices = json_object_new_array();
	json_object_array_add(choices, choice);
	json_object_object_add(c, "choices", choices);
	return c;
}

static void
o_delta(void *ctx, const char *s, size_t n)
{
	struct o_piece *p = ctx;
	struct json_object *delta = json_object_new_object();
	if (p->call < 0) {
		json_object_object_add(delta, p->call == -1 ? "content" : "reasoning_content",
				       json_object_new_string_len(s, (int)n));
	} else {
		struct json_object *calls = json_object_new_array(), *tc = json_object_new_object(),
				   *fn = json_object_new_object();
		json_object_object_add(tc, "index", json_object_new_int(p->call));
		json_object_object_add(fn, "arguments", json_object_new_string_len(s, (int)n));
		json_object_object_add(tc, "function", fn);
		json_object_array_add(calls, tc);
		json_object_object_add(delta, "tool_calls", calls);
	}
	event(p->out, NULL, chunk(p->top, delta, NULL));
}

static void
openai(struct json_object *r, struct json_object *error, int parts, struct claw_buf *out)
{
	struct json_object *top = json_object_new_object();
	json_object_object_foreach(r, k, v) if (strcmp(k, "choices") != 0 &&
						strcmp(k, "usage") != 0 && strcmp(k, "object") != 0)
		json_object_object_add(top, k, json_object_get(v));
	struct json_object *choices = get(r, "choices");
	struct json_object *c0 = choices != NULL ? json_object_array_get_idx(choices, 0) : NULL;
	struct json_object *msg = c0 != NULL ? get(c0, "message") : NULL;
	struct json_object *delta = json_object_new_object();
	json_object_object_add(delta, "role", json_object_new_string("assistant"));
	json_object_object_add(delta, "content", json_object_new_string(""));
	event(out, NULL, chunk(top, delta, NULL));
	struct o_piece p = {out, top, -2};
	struct json_object *reasoning = msg != NULL ? get(msg, "reasoning_content") : NULL;
	if (reasoning != NULL && json_object_is_type(reasoning, json_type_string))
		pieces(json_object_get_string(reasoning), parts, o_delta, &p);
	p.call = -1;
	struct json_object *content = msg != NULL ? get(msg, "content") : NULL;
	if (content != NULL && json_object_is_type(content, json_type_string))
		pieces(json_object_get_string(content), parts, o_delta, &p);
	struct json_object *calls = msg != NULL ? get(msg, "tool_calls") : NULL;
	size_t nc = calls != NULL ? json_object_array_length(calls) : 0;
	for (size_t i = 0; i < nc; i++) {
		struct json_object *tc = json_object_array_get_idx(calls, i),
				   *fn = get(tc, "function");
		struct json_object *d = json_object_new_object(), *arr = json_object_new_array(),
				   *first = json_object_new_object(), *f = json_object_new_object();
		json_object_object_add(first, "index", json_object_new_int((int)i));
		json_object_object_add(first, "id", json_object_get(get(tc, "id")));
		json_object_object_add(first, "type", json_object_new_string("function"));
		json_object_object_add(f, "name",
				       json_object_get(fn != NULL ? get(fn, "name") : NULL));
		json_object_object_add(f, "arguments", json_object_new_string(""));
		json_object_object_add(first, "function", f);
		json_object_array_add(arr, first);
		json_object_object_add(d, "tool_calls", arr);
		event(out, NULL, chunk(top, d, NULL));
		p.call = (int)i;
		pieces(fn != NULL ? text_of(fn, "arguments") : "", parts, o_delta, &p);
	}
	if (error != NULL) {
		event(out, NULL, json_object_get(error));
		json_object_put(top);
		return;
	}
	const char *finish = c0 != NULL ? text_of(c0, "finish_reason") : "stop";
	event(out, NULL, chunk(top, json_object_new_object(), finish));
	struct json_object *u = NULL;
	(void)json_object_deep_copy(top, &u, NULL);
	json_object_object_add(u, "object", json_object_new_string("chat.completion.chunk"));
	json_object_object_add(u, "choices", json_object_new_array());
	json_object_object_add(u, "usage", json_object_get(get(r, "usage")));
	event(out, NULL, u);
	claw_buf_puts(out, "data: [DONE]\n\n");
	json_object_put(top);
}

void
claw_mock_sse(enum claw_scenario_api api, struct json_object *json, struct json_object *error,
	      int parts, struct claw_buf *out)
{
	if (api == CLAW_SCENARIO_ANTHROPIC)
		anthropic(json, error, parts, out);
	else
		openai(json, error, parts, out);
}
