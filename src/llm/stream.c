/*
 * stream — SSE events of a streamed reply, put back together.  See
 * stream.h.
 */
#include "llm/stream.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/str.h"
#include "llm/message.h"

#define STREAM_BLOCKS_MAX 65536 /* content blocks (Anthropic) or tool calls (OpenAI) */
#define STREAM_NAME_MAX 64      /* an `event:` name */

enum block_type { B_TEXT, B_TOOL, B_THINKING, B_OTHER };

/* A content block (Anthropic) or a tool call (OpenAI) being written. */
struct block {
	bool used;
	enum block_type type;
	struct json_object *start; /* Anthropic: the block as it started */
	struct claw_buf a;         /* text, input JSON, thinking, or arguments */
	struct claw_buf b;         /* signature (Anthropic thinking) */
	char *id, *name;           /* OpenAI tool call */
	size_t shown;              /* bytes of a given to claw_llm_stream_news */
};

struct claw_llm_stream {
	enum claw_llm_stream_kind kind;
	enum claw_err sticky;
	char why[CLAW_ERROR_MSG_MAX];
	struct claw_buf line;
	struct claw_buf data;
	const char *held; /* an event's one data line, still in the piece being fed */
	size_t held_len;
	char event[STREAM_NAME_MAX];
	bool has_data;
	bool after_cr; /* the last byte ended a line with CR: a LF next is part of it */
	bool done;     /* the end event came */
	struct json_object *message; /* Anthropic: from message_start; OpenAI: id, model */
	struct json_object *usage;   /* OpenAI */
	struct json_object *error;   /* an error event's object */
	struct block *blocks;        /* nblocks of them, grown as indexes come */
	size_t nblocks;
	struct claw_buf content; /* OpenAI */
	size_t content_shown;
	bool has_content;
	struct claw_buf reasoning; /* OpenAI-compatible servers' reasoning text */
	size_t reasoning_shown;
	struct claw_buf envelope; /* OpenAI: the last chunk read fast, up to its content key */
	char finish[32];
};

struct claw_llm_stream *
claw_llm_stream_new(enum claw_llm_stream_kind kind)
{
	struct claw_llm_stream *s = CLAW_NEW(struct claw_llm_stream);
	s->kind = kind;
	claw_buf_init(&s->line, CLAW_LLM_STREAM_EVENT_MAX);
	claw_buf_init(&s->data, CLAW_LLM_STREAM_EVENT_MAX);
	claw_buf_init(&s->content, CLAW_LLM_STREAM_EVENT_MAX);
	claw_buf_init(&s->reasoning, CLAW_LLM_STREAM_EVENT_MAX);
	claw_buf_init(&s->envelope, CLAW_LLM_STREAM_EVENT_MAX);
	return s;
}

void
claw_llm_stream_free(struct claw_llm_stream *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nblocks; i++) {
		struct block *b = &s->blocks[i];
		json_object_put(b->start);
		claw_buf_free(&b->a);
		claw_buf_free(&b->b);
		free(b->id);
		free(b->name);
	}
	free(s->blocks);
	json_object_put(s->message);
	json_object_put(s->usage);
	json_object_put(s->error);
	claw_buf_free(&s->line);
	claw_buf_free(&s->data);
	claw_buf_free(&s->content);
	claw_buf_free(&s->reasoning);
	claw_buf_free(&s->envelope);
	free(s);
}

static enum claw_err fail(struct claw_llm_stream *s, enum claw_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum claw_err
fail(struct claw_llm_stream *s, enum claw_err code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	s->sticky = code;
	return code;
}

/* The block at index (0..STREAM_BLOCKS_MAX), NULL past the cap. */
static struct block *
block_at(struct claw_llm_stream *s, int64_t index)
{
	if (index < 0 || index >= STREAM_BLOCKS_MAX)
		return NULL;
	if ((size_t)index >= s->nblocks) {
		size_t n = s->nblocks > 0 ? s->nblocks : 8;
		while (n <= (size_t)index)
			n *= 2;
		s->blocks = claw_xrealloc(s->blocks, n * sizeof *s->blocks);
		memset(s->blocks + s->nblocks, 0, (n - s->nblocks) * sizeof *s->blocks);
		s->nblocks = n;
	}
	struct block *b = &s->blocks[index];
	if (!b->used) {
		b->used = true;
		claw_buf_init(&b->a, CLAW_LLM_STREAM_EVENT_MAX);
		claw_buf_init(&b->b, CLAW_LLM_STREAM_EVENT_MAX);
	}
	return b;
}

static struct json_object *
obj(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object)
		       ? v
		       : NULL;
}

static void
append(struct claw_buf *b, const char *s)
{
	if (s != NULL)
		(void)claw_buf_puts(b, s);
}

/* Sets every field of from (may be NULL) on to. */
static void
merge(struct json_object *to, struct json_object *from)
{
	if (from == NULL)
		return;
	json_object_object_foreach(from, k, val)
	{
		json_object_object_add(to, k, json_object_get(val));
	}
}

/* ----------------------------------------------------------- Anthropic */

static enum claw_err
anthropic_event(struct claw_llm_stream *s, struct json_object *d)
{
	const char *type = claw_llm_json_get_str(d, "type");
	struct json_object *v = NULL;
	struct block *b;

	if (type == NULL)
		return fail(s, CLAW_EINVAL, "a stream event without a type");
	if (strcmp(type, "message_start") == 0) {
		struct json_object *m = obj(d, "message");
		if (m == NULL)
			return fail(s, CLAW_EINVAL, "message_start without a message");
		json_object_put(s->message);
		s->message = json_object_get(m);
	} else if (strcmp(type, "content_block_start") == 0) {
		struct json_object *cb = obj(d, "content_block");
		if (cb == NULL || (b = block_at(s, json_object_object_get_ex(d, "index", &v)
							   ? json_object_get_int64(v)
							   : -1)) == NULL)
			return fail(s, CLAW_EINVAL, "content_block_start without a block or index");
		const char *t = claw_llm_json_get_str(cb, "type");
		b->type = t == NULL                    ? B_OTHER
			  : strcmp(t, "text") == 0     ? B_TEXT
			  : strcmp(t, "tool_use") == 0 ? B_TOOL
			  : strcmp(t, "thinking") == 0 ? B_THINKING
						       : B_OTHER;
		json_object_put(b->start);
		b->start = json_object_get(cb);
		append(&b->a, b->type == B_TEXT       ? claw_llm_json_get_str(cb, "text")
			      : b->type == B_THINKING ? claw_llm_json_get_str(cb, "thinking")
						      : NULL);
		append(&b->b,
		       b->type == B_THINKING ? claw_llm_json_get_str(cb, "signature") : NULL);
	} else if (strcmp(type, "content_block_delta") == 0) {
		struct json_object *delta = obj(d, "delta");
		b = block_at(s, json_object_object_get_ex(d, "index", &v) ? json_object_get_int64(v)
									  : -1);
		const char *dt = delta != NULL ? claw_llm_json_get_str(delta, "type") : NULL;
		if (b == NULL || dt == NULL)
			return fail(s, CLAW_EINVAL, "content_block_delta without a delta or index");
		if (strcmp(dt, "text_delta") == 0)
			append(&b->a, claw_llm_json_get_str(delta, "text"));
		else if (strcmp(dt, "input_json_delta") == 0)
			append(&b->a, claw_llm_json_get_str(delta, "partial_json"));
		else if (strcmp(dt, "thinking_delta") == 0)
			append(&b->a, claw_llm_json_get_str(delta, "thinking"));
		else if (strcmp(dt, "signature_delta") == 0)
			append(&b->b, claw_llm_json_get_str(delta, "signature"));
	} else if (strcmp(type, "message_delta") == 0) {
		struct json_object *delta = obj(d, "delta"), *u = obj(d, "usage");
		if (s->message == NULL)
			return fail(s, CLAW_EINVAL, "message_delta before message_start");
		merge(s->message, delta);
		struct json_object *mu = obj(s->message, "usage");
		if (u != NULL && mu == NULL)
			json_object_object_add(s->message, "usage", json_object_get(u));
		else
			merge(mu, u);
	} else if (strcmp(type, "message_stop") == 0) {
		s->done = true;
	} else if (strcmp(type, "error") == 0) {
		json_object_put(s->error);
		s->error = json_object_get(d);
		s->done = true;
	} /* ping, content_block_stop and types to come: nothing to keep */
	return CLAW_OK;
}

/* The message with its content blocks, in index order. */
static enum claw_err
anthropic_finish(struct claw_llm_stream *s, struct json_object **out)
{
	struct json_object *content = json_object_new_array();
	for (size_t i = 0; i < s->nblocks; i++) {
		struct block *b = &s->blocks[i];
		if (!b->used || b->start == NULL)
			continue;
		struct json_object *o = NULL;
		if (b->type == B_TOOL) {
			struct json_object *input = NULL;
			if (claw_buf_len(&b->a) == 0)
				input = json_object_new_object();
			else if (claw_json_parse(claw_buf_str(&b->a), claw_buf_len(&b->a), &input,
						 NULL) != CLAW_OK) {
				json_object_put(content);
				return fail(s, CLAW_EINVAL, "tool_use %s: its input is not JSON",
					    claw_llm_json_get_str(b->start, "name") != NULL
						    ? claw_llm_json_get_str(b->start, "name")
						    : "?");
			}
			(void)json_object_deep_copy(b->start, &o, NULL);
			json_object_object_add(o, "input", input);
		} else if (b->type == B_TEXT || b->type == B_THINKING) {
			o = json_object_new_object();
			json_object_object_add(
				o, "type",
				json_object_new_string(b->type == B_TEXT ? "text" : "thinking"));
			json_object_object_add(
				o, b->type == B_TEXT ? "text" : "thinking",
				json_object_new_string_len(claw_buf_str(&b->a),
							   (int)claw_buf_len(&b->a)));
			if (b->type == B_THINKING)
				json_object_object_add(o, "signature",
						       json_object_new_string(claw_buf_str(&b->b)));
		} else {
			o = json_object_get(b->start);
		}
		json_object_array_add(content, o);
	}
	json_object_object_add(s->message, "content", content);
	*out = json_object_get(s->message);
	return CLAW_OK;
}

/* -------------------------------------------------------------- OpenAI */

static enum claw_err
openai_event(struct claw_llm_stream *s, struct json_object *d)
{
	struct json_object *v = NULL, *choices = NULL;

	if (json_object_object_get_ex(d, "error", &v) && v != NULL) {
		json_object_put(s->error);
		s->error = json_object_get(d);
		s->done = true;
		return CLAW_OK;
	}
	if (s->message == NULL) {
		s->message = json_object_new_object();
		json_object_object_foreach(d, k, val) if (strcmp(k, "choices") != 0 &&
							  strcmp(k, "usage") != 0 &&
							  strcmp(k, "object") != 0)
			json_object_object_add(s->message, k, json_object_get(val));
	}
	if (json_object_object_get_ex(d, "usage", &v) && json_object_is_type(v, json_type_object)) {
		json_object_put(s->usage);
		s->usage = json_object_get(v);
	}
	if (!json_object_object_get_ex(d, "choices", &choices) ||
	    !json_object_is_type(choices, json_type_array) ||
	    json_object_array_length(choices) == 0)
		return CLAW_OK; /* the usage chunk */
	struct json_object *c = json_object_array_get_idx(choices, 0);
	struct json_object *delta = obj(c, "delta");
	const char *fr = claw_llm_json_get_str(c, "finish_reason");
	if (fr != NULL)
		(void)snprintf(s->finish, sizeof s->finish, "%s", fr);
	if (delta == NULL)
		return CLAW_OK;
	const char *text = claw_llm_json_get_str(delta, "content");
	if (text != NULL) {
		append(&s->content, text);
		s->has_content = true;
	}
	text = claw_llm_json_get_str(delta, "reasoning_content"); /* DeepSeek, vLLM */
	append(&s->reasoning, text != NULL ? text : claw_llm_json_get_str(delta, "reasoning"));
	struct json_object *calls = NULL;
	if (!json_object_object_get_ex(delta, "tool_calls", &calls) ||
	    !json_object_is_type(calls, json_type_array))
		return CLAW_OK;
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *tc = json_object_array_get_idx(calls, i),
				   *fn = obj(tc, "function");
		int64_t index = json_object_object_get_ex(tc, "index", &v)
					? json_object_get_int64(v)
					: (int64_t)i;
		struct block *b = block_at(s, index);
		if (b == NULL)
			return fail(s, CLAW_EINVAL, "a tool call index past %d", STREAM_BLOCKS_MAX);
		b->type = B_TOOL;
		if (claw_llm_json_get_str(tc, "id") != NULL && b->id == NULL)
			b->id = claw_xstrdup(claw_llm_json_get_str(tc, "id"));
		if (fn != NULL && claw_llm_json_get_str(fn, "name") != NULL && b->name == NULL)
			b->name = claw_xstrdup(claw_llm_json_get_str(fn, "name"));
		if (fn != NULL)
			append(&b->a, claw_llm_json_get_str(fn, "arguments"));
	}
	return CLAW_OK;
}

/* The chat.completion object the same request would have had. */
static enum claw_err
openai_finish(struct claw_llm_stream *s, struct json_object **out)
{
	struct json_object *msg = json_object_new_object(), *calls = json_object_new_array();
	struct json_object *choice = json_object_new_object(), *choices = json_object_new_array();

	json_object_object_add(msg, "role", json_object_new_string("assistant"));
	json_object_object_add(msg, "content",
			       s->has_content
				       ? json_object_new_string_len(claw_buf_str(&s->content),
								    (int)claw_buf_len(&s->content))
				       : NULL);
	if (claw_buf_len(&s->reasoning) > 0)
		json_object_object_add(
			msg, "reasoning_content",
			json_object_new_string_len(claw_buf_str(&s->reasoning),
						   (int)claw_buf_len(&s->reasoning)));
	for (size_t i = 0; i < s->nblocks; i++) {
		struct block *b = &s->blocks[i];
		if (!b->used)
			continue;
		struct json_object *tc = json_object_new_object(), *fn = json_object_new_object();
		json_object_object_add(tc, "id",
				       json_object_new_string(b->id != NULL ? b->id : ""));
		json_object_object_add(tc, "type", json_object_new_string("function"));
		json_object_object_add(fn, "name",
				       json_object_new_string(b->name != NULL ? b->name : ""));
		json_object_object_add(
			fn, "arguments",
			json_object_new_string_len(claw_buf_str(&b->a), (int)claw_buf_len(&b->a)));
		json_object_object_add(tc, "function", fn);
		json_object_array_add(calls, tc);
	}
	if (json_object_array_length(calls) > 0)
		json_object_object_add(msg, "tool_calls", calls);
	else
		json_object_put(calls);
	json_object_object_add(choice, "index", json_object_new_int(0));
	json_object_object_add(choice, "message", msg);
	json_object_object_add(choice, "finish_reason",
			       s->finish[0] != '\0' ? json_object_new_string(s->finish) : NULL);
	json_object_array_add(choices, choice);
	if (s->message == NULL)
		s->message = json_object_new_object();
	json_object_object_add(s->message, "object", json_object_new_string("chat.completion"));
	json_object_object_add(s->message, "choices", choices);
	json_object_object_add(s->message, "usage", json_object_get(s->usage));
	*out = json_object_get(s->message);
	return CLAW_OK;
}

/* ---------------------------------------------------------------- SSE */

/* ----------------------------------------------------------- fast path */

/* The deltas that make most of a stream, in the exact form the providers
 * write them, are read here without building a JSON tree (a tree per event
 * costs ten times the reply's parse); anything else, or anything not
 * exactly in that form, goes through the full parse, which gives the same
 * result. */

static int
hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v = v * 16 + (c >= '0' && c <= '9'   ? c - '0'
			      : c >= 'a' && c <= 'f' ? c - 'a' + 10
			      : c >= 'A' && c <= 'F' ? c - 'A' + 10
						     : -1000000);
	}
	return v;
}

static void
put_utf8(struct claw_buf *b, unsigned cp)
{
	char u[4];
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	if (n == 1) {
		u[0] = (char)cp;
	} else if (n == 2) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
	} else if (n == 3) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
	}
	(void)claw_buf_append(b, u, n);
}

/* The JSON string whose body starts at p (after its quote) appended to out
 * unescaped; the position after its closing quote, or NULL when it is not a
 * plain valid string here (then out may hold part of it: the caller
 * truncates). */
static const char *
unescape(const char *p, const char *end, struct claw_buf *out)
{
	while (p < end) {
		const char *q = p;
		while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		if (q > p) {
			if (!claw_str_utf8_valid(p, (size_t)(q - p)))
				return NULL;
			(void)claw_buf_append(out, p, (size_t)(q - p));
		}
		if (q >= end || (unsigned char)*q < 0x20)
			return NULL;
		if (*q == '"')
			return q + 1;
		if (q + 1 >= end)
			return NULL;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = strchr(from, q[1]);
		if (q[1] != '\0' && e != NULL) {
			(void)claw_buf_putc(out, to[e - from]);
			p = q + 2;
			continue;
		}
		if (q[1] != 'u' || q + 6 > end)
			return NULL;
		int cp = hex4(q + 2);
		p = q + 6;
		if (cp < 0)
			return NULL;
		if (cp >= 0xD800 && cp <= 0xDBFF) { /* a surrogate pair */
			if (p + 6 > end || p[0] != '\\' || p[1] != 'u')
				return NULL;
			int lo = hex4(p + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return NULL;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			return NULL;
		}
		put_utf8(out, (unsigned)cp);
	}
	return NULL;
}

/* data[0..n) starts with prefix: the position after it, else NULL. */
static const char *
after(const char *data, const char *end, const char *prefix)
{
	size_t k = strlen(prefix);
	return (size_t)(end - data) >= k && memcmp(data, prefix, k) == 0 ? data + k : NULL;
}

/* An Anthropic content_block_delta of text, input JSON or thinking. */
static bool
anthropic_fast(struct claw_llm_stream *s, const char *data, size_t n)
{
	static const char *const kinds[] = {"text_delta\",\"text\":\"",
					    "input_json_delta\",\"partial_json\":\"",
					    "thinking_delta\",\"thinking\":\""};
	const char *end = data + n,
		   *p = after(data, end, "{\"type\":\"content_block_delta\",\"index\":");
	int64_t index = 0;
	if (p == NULL || p >= end || *p < '0' || *p > '9')
		return false;
	for (; p < end && *p >= '0' && *p <= '9' && index < STREAM_BLOCKS_MAX; p++)
		index = index * 10 + (*p - '0');
	p = after(p, end, ",\"delta\":{\"type\":\"");
	const char *q = NULL;
	for (size_t k = 0; p != NULL && k < 3 && q == NULL; k++)
		q = after(p, end, kinds[k]);
	struct block *b = q != NULL ? block_at(s, index) : NULL;
	if (b == NULL)
		return false;
	size_t was = claw_buf_len(&b->a);
	const char *r = unescape(q, end, &b->a);
	if (r == NULL || end - r != 2 || memcmp(r, "}}", 2) != 0) {
		claw_buf_truncate(&b->a, was);
		return false;
	}
	return true;
}

/* An OpenAI chunk whose only news is a piece of content (after the first
 * chunk, read whole, has given the id and model). */
static bool
openai_fast(struct claw_llm_stream *s, const char *data, size_t n)
{
	static const char key[] = "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
	static const char *const tails[] = {
		"},\"logprobs\":null,\"finish_reason\":null}]}",
		"},\"finish_reason\":null}]}",
		"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
		"},\"finish_reason\":null}],\"usage\":null}",
	};
	const char *end = data + n, *k = NULL;
	size_t at = claw_buf_len(&s->envelope);
	if (s->message == NULL || n == 0 || data[0] != '{')
		return false;
	/* Every chunk of a reply repeats its id, model and fingerprint: one
	 * just like the last is known to hold no error and no usage. */
	if (at > 0 && at + sizeof key - 1 <= n && memcmp(data + at, key, sizeof key - 1) == 0 &&
	    memcmp(data, claw_buf_str(&s->envelope), at) == 0) {
		k = data + at;
	} else {
		k = memmem(data, n, key, sizeof key - 1);
		if (k == NULL || memmem(data, (size_t)(k - data), "\"error\"", 7) != NULL ||
		    memmem(data, (size_t)(k - data), "\"usage\"", 7) != NULL)
			return false;
		claw_buf_reset(&s->envelope);
		(void)claw_buf_append(&s->envelope, data, (size_t)(k - data));
	}
	size_t was = claw_buf_len(&s->content);
	const char *r = unescape(k + sizeof key - 1, end, &s->content);
	for (size_t t = 0; r != NULL && t < sizeof tails / sizeof tails[0]; t++)
		if ((size_t)(end - r) == strlen(tails[t]) &&
		    memcmp(r, tails[t], (size_t)(end - r)) == 0) {
			s->has_content = true;
			return true;
		}
	claw_buf_truncate(&s->content, was);
	return false;
}

/* One event's data: JSON (or OpenAI's [DONE]) to apply. */
static enum claw_err
dispatch(struct claw_llm_stream *s)
{
	const char *data = s->held != NULL ? s->held : claw_buf_str(&s->data);
	size_t n = s->held != NULL ? s->held_len : claw_buf_len(&s->data);
	struct json_object *d = NULL;
	enum claw_err rc = CLAW_OK;

	if (!s->has_data || s->done)
		goto out;
	if (s->kind == CLAW_LLM_STREAM_OPENAI && n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		s->done = true;
		goto out;
	}
	if (s->kind == CLAW_LLM_STREAM_ANTHROPIC ? anthropic_fast(s, data, n)
						 : openai_fast(s, data, n))
		goto out;
	if (claw_json_parse(data, n, &d, NULL) != CLAW_OK ||
	    !json_object_is_type(d, json_type_object)) {
		rc = fail(s, CLAW_EINVAL, "a stream event%s%s is not a JSON object",
			  s->event[0] != '\0' ? " " : "", s->event);
		goto out;
	}
	rc = s->kind == CLAW_LLM_STREAM_ANTHROPIC ? anthropic_event(s, d) : openai_event(s, d);
out:
	json_object_put(d);
	claw_buf_reset(&s->data);
	s->held = NULL;
	s->has_data = false;
	s->event[0] = '\0';
	return rc;
}

/* The held data line copied into s->data: the piece it is in is going. */
static void
unhold(struct claw_llm_stream *s)
{
	if (s->held != NULL)
		(void)claw_buf_append(&s->data, s->held, s->held_len);
	s->held = NULL;
}

/* One line l[0..n) (without its end): a field, a comment, or the blank
 * line that ends an event.  stable: l stays valid until the feed call
 * returns (then an event's only data line is read from there, not copied). */
static enum claw_err
field(struct claw_llm_stream *s, const char *l, size_t n, bool stable)
{
	enum claw_err rc = CLAW_OK;

	if (n == 0)
		rc = dispatch(s);
	else if (l[0] != ':') {
		const char *colon = memchr(l, ':', n);
		size_t flen = colon != NULL ? (size_t)(colon - l) : n;
		const char *val = colon != NULL ? colon + 1 : l + n;
		if (val < l + n && *val == ' ')
			val++;
		size_t vlen = (size_t)(l + n - val);
		if (flen == 5 && memcmp(l, "event", 5) == 0) {
			size_t k = vlen < sizeof s->event - 1 ? vlen : sizeof s->event - 1;
			memcpy(s->event, val, k); /* every event has one: no snprintf */
			s->event[k] = '\0';
		} else if (flen == 4 && memcmp(l, "data", 4) == 0) {
			if (!s->has_data && stable && vlen <= CLAW_LLM_STREAM_EVENT_MAX) {
				s->held = val;
				s->held_len = vlen;
				s->has_data = true;
				return CLAW_OK;
			}
			unhold(s);
			if (s->has_data)
				(void)claw_buf_putc(&s->data, '\n');
			(void)claw_buf_append(&s->data, val, vlen);
			s->has_data = true;
			if (claw_buf_error(&s->data) != CLAW_OK)
				rc = fail(s, CLAW_ETOOBIG, "a stream event is over %u bytes",
					  CLAW_LLM_STREAM_EVENT_MAX);
		}
	}
	return rc;
}

/* The line kept from earlier pieces, now ended. */
static void
line(struct claw_llm_stream *s)
{
	(void)field(s, claw_buf_str(&s->line), claw_buf_len(&s->line), false);
	claw_buf_reset(&s->line);
}

enum claw_err
claw_llm_stream_feed(struct claw_llm_stream *s, const char *data, size_t n, struct claw_error *err)
{
	const char *p = data, *end = data + n;
	while (p < end && s->sticky == CLAW_OK) {
		if (*p == '\n' && s->after_cr) { /* the LF of a CRLF */
			s->after_cr = false;
			p++;
			continue;
		}
		s->after_cr = false;
		/* The line's end: the first LF or CR. */
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *stop = lf != NULL ? lf : end;
		const char *cr = memchr(p, '\r', (size_t)(stop - p));
		if (cr != NULL)
			stop = cr;
		if (stop == end) { /* the line goes on in the next piece */
			if (claw_buf_append(&s->line, p, (size_t)(end - p)) != CLAW_OK)
				(void)fail(s, CLAW_ETOOBIG, "a stream line is over %u bytes",
					   CLAW_LLM_STREAM_EVENT_MAX);
			break;
		}
		if (claw_buf_len(&s->line) > 0) {
			(void)claw_buf_append(&s->line, p, (size_t)(stop - p));
			line(s);
		} else {
			(void)field(s, p, (size_t)(stop - p), true); /* whole here: no copy */
		}
		s->after_cr = *stop == '\r';
		p = stop + 1;
	}
	unhold(s);
	return s->sticky == CLAW_OK ? CLAW_OK : claw_error_set(err, s->sticky, "%s", s->why);
}

enum claw_err
claw_llm_stream_finish(struct claw_llm_stream *s, struct json_object **out, struct claw_error *err)
{
	*out = NULL;
	/* A last event without its blank line. */
	if (s->sticky == CLAW_OK && claw_buf_len(&s->line) > 0)
		(void)line(s);
	if (s->sticky == CLAW_OK)
		(void)dispatch(s);
	if (s->sticky != CLAW_OK)
		return claw_error_set(err, s->sticky, "%s", s->why);
	if (s->error != NULL) {
		*out = json_object_get(s->error);
		return CLAW_OK;
	}
	if (!s->done || (s->kind == CLAW_LLM_STREAM_ANTHROPIC && s->message == NULL))
		return claw_error_set(err, CLAW_ENET, "the reply stream ended before its end");
	enum claw_err rc = s->kind == CLAW_LLM_STREAM_ANTHROPIC ? anthropic_finish(s, out)
								: openai_finish(s, out);
	return rc == CLAW_OK ? CLAW_OK : claw_error_set(err, rc, "%s", s->why);
}

const char *
claw_llm_stream_why(const struct claw_llm_stream *s)
{
	return s->sticky != CLAW_OK ? s->why : "";
}

/* The length of text[0..n) without a UTF-8 sequence cut at its end. */
static size_t
whole_utf8(const char *text, size_t n)
{
	size_t lead = n;
	while (lead > 0 && n - lead < 4 && ((unsigned char)text[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return n;
	unsigned char c = (unsigned char)text[lead - 1];
	size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	return n - (lead - 1) >= need ? n : lead - 1;
}

/* Reports what b (index i) gained since it was last shown. */
static size_t
news_of(struct claw_buf *a, size_t *shown, struct claw_llm_delta d, claw_llm_delta_fn fn, void *ctx)
{
	size_t end = whole_utf8(claw_buf_str(a), claw_buf_len(a));
	if (end <= *shown)
		return 0;
	d.at = *shown;
	d.text = claw_buf_str(a) + *shown;
	d.len = end - *shown;
	*shown = end;
	fn(ctx, &d);
	return 1;
}

size_t
claw_llm_stream_news(struct claw_llm_stream *s, claw_llm_delta_fn fn, void *ctx)
{
	size_t n = 0;
	if (s->kind == CLAW_LLM_STREAM_OPENAI) {
		n += news_of(&s->reasoning, &s->reasoning_shown,
			     (struct claw_llm_delta){.kind = CLAW_LLM_DELTA_THINKING}, fn, ctx);
		n += news_of(&s->content, &s->content_shown,
			     (struct claw_llm_delta){.kind = CLAW_LLM_DELTA_TEXT}, fn, ctx);
	}
	for (size_t i = 0; i < s->nblocks; i++) {
		struct block *b = &s->blocks[i];
		if (!b->used || (b->type != B_TEXT && b->type != B_TOOL && b->type != B_THINKING))
			continue;
		struct claw_llm_delta d = {
			.kind = b->type == B_TEXT       ? CLAW_LLM_DELTA_TEXT
				: b->type == B_THINKING ? CLAW_LLM_DELTA_THINKING
							: CLAW_LLM_DELTA_TOOL,
			.index = s->kind == CLAW_LLM_STREAM_OPENAI ? i + 1 : i,
			.name = b->name != NULL    ? b->name
				: b->start != NULL ? claw_llm_json_get_str(b->start, "name")
						   : NULL,
		};
		n += news_of(&b->a, &b->shown, d, fn, ctx);
	}
	return n;
}

bool
claw_llm_stream_sniff(const char *body, size_t len)
{
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	return i < len && body[i] != '{' && body[i] != '[';
}
