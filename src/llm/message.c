/*
 * message — neutral conversation types, their checkpoint JSON, and the small
 * JSON helpers the backends share.  See message.h.
 *
 * Messages and conversations are growable arrays allocated with claw_x*
 * (internal bookkeeping: their sizes are bounded by the caps of whatever
 * produced the text: the response cap, tool output caps).
 */
#include "llm/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"

/* The message as each backend last put it into a request. */
struct wire {
	char *text[CLAW_LLM_WIRE_COUNT]; /* owned; NULL: not built since the last change */
	size_t len[CLAW_LLM_WIRE_COUNT];
};

struct claw_llm_msg {
	enum claw_llm_role role;
	struct claw_llm_block *blocks; /* owned, n used of cap */
	size_t n;
	size_t cap;
	struct wire *wire; /* owned, never NULL: a cache of what the blocks hold, kept
			      through a const message (claw_llm_msg_keep_wire) */
};

struct claw_llm_conv {
	struct claw_llm_msg **msgs; /* owned, n used of cap */
	size_t n;
	size_t cap;
	size_t mark;    /* claw_llm_conv_mark(); <= n */
	size_t replies; /* messages of role CLAW_LLM_ASSISTANT */
};

/* ------------------------------------------------------------ JSON helpers */

enum claw_err
claw_llm_json_cstr(struct claw_buf *b, const char *s)
{
	return claw_json_buf_append_string(b, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* True when message i is one of marks'. */
static bool
marked(const struct claw_llm_marks *marks, size_t i)
{
	for (size_t k = 0; marks != NULL && k < marks->n; k++)
		if (marks->at[k] == i)
			return true;
	return false;
}

void
claw_llm_put_messages(struct claw_buf *out, const struct claw_llm_conv *c, enum claw_llm_wire w,
		      void (*put)(struct claw_buf *b, const struct claw_llm_msg *m),
		      const struct claw_llm_marks *marks, bool *first)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct claw_llm_msg *m = c->msgs[i];
		size_t len;
		const char *text = claw_llm_msg_wire(m, w, &len);
		if (text == NULL) {
			struct claw_buf one = CLAW_BUF_INIT(out->max);
			put(&one, m);
			if (claw_buf_error(&one) != CLAW_OK) {
				claw_buf_free(&one);
				(void)claw_buf_append(out, NULL, SIZE_MAX); /* out's ETOOBIG */
				return;
			}
			claw_llm_msg_keep_wire(m, w, claw_buf_str(&one), claw_buf_len(&one));
			claw_buf_free(&one);
			text = claw_llm_msg_wire(m, w, &len);
		}
		if (len == 0)
			continue;
		if (!*first)
			(void)claw_buf_putc(out, ',');
		*first = false;
		if (marked(marks, i) && len >= marks->back) {
			(void)claw_buf_append(out, text, len - marks->back);
			(void)claw_buf_puts(out, marks->text);
			(void)claw_buf_append(out, text + len - marks->back, marks->back);
		} else {
			(void)claw_buf_append(out, text, len);
		}
	}
}

void
claw_llm_put_tools(struct claw_buf *out, const struct claw_llm_request *req, const char *open,
		   const char *schema_key, const char *close)
{
	if (req->n_tools == 0)
		return;
	claw_buf_puts(out, ",\"tools\":[");
	for (size_t i = 0; i < req->n_tools; i++) {
		const struct claw_llm_tool *t = &req->tools[i];
		if (i > 0)
			claw_buf_putc(out, ',');
		claw_buf_puts(out, open);
		claw_llm_json_cstr(out, t->name);
		claw_buf_puts(out, ",\"description\":");
		claw_llm_json_cstr(out, t->description);
		(void)claw_buf_printf(out, ",\"%s\":", schema_key);
		claw_buf_puts(out, t->schema_json != NULL
					   ? t->schema_json
					   : "{\"type\":\"object\",\"properties\":{}}");
		claw_buf_puts(out, close);
	}
	claw_buf_putc(out, ']');
}

const char *
claw_llm_json_get_str(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t
claw_llm_json_get_count(struct json_object *obj, const char *key, int64_t dflt)
{
	struct json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
		return dflt;
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		return n < 0 ? dflt : n > CLAW_LLM_COUNT_MAX ? CLAW_LLM_COUNT_MAX : n;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (d >= (double)CLAW_LLM_COUNT_MAX)
			return CLAW_LLM_COUNT_MAX;
		if (d >= 0 && d == (double)(int64_t)d)
			return (int64_t)d;
	}
	return dflt;
}

/* ---------------------------------------------------------------- messages */

struct claw_llm_msg *
claw_llm_msg_new(enum claw_llm_role role)
{
	struct claw_llm_msg *m = CLAW_NEW(struct claw_llm_msg);
	m->role = role;
	m->wire = CLAW_NEW(struct wire);
	return m;
}

static void
drop_wire(struct wire *w)
{
	for (int i = 0; i < CLAW_LLM_WIRE_COUNT; i++) {
		free(w->text[i]);
		w->text[i] = NULL;
		w->len[i] = 0;
	}
}

const char *
claw_llm_msg_wire(const struct claw_llm_msg *m, enum claw_llm_wire w, size_t *len)
{
	*len = m->wire->len[w];
	return m->wire->text[w];
}

void
claw_llm_msg_keep_wire(const struct claw_llm_msg *m, enum claw_llm_wire w, const char *text,
		       size_t len)
{
	free(m->wire->text[w]);
	m->wire->text[w] = claw_xstrndup(text, len);
	m->wire->len[w] = len;
}

static void
block_clear(struct claw_llm_block *b)
{
	free(b->text);
	free(b->signature);
	free(b->id);
	free(b->name);
	json_object_put(b->input);
	free(b->input_raw);
	free(b->input_error);
	memset(b, 0, sizeof *b);
}

void
claw_llm_msg_free(struct claw_llm_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		block_clear(&m->blocks[i]);
	free(m->blocks);
	drop_wire(m->wire);
	free(m->wire);
	free(m);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? claw_xstrdup(s) : NULL;
}

/* A deep copy of a JSON value: json-c objects are reference counted without
 * synchronisation, so a clone must not share them. */
static struct json_object *
json_clone(struct json_object *v)
{
	struct json_object *copy = NULL;
	if (v == NULL)
		return NULL;
	if (json_object_deep_copy(v, &copy, NULL) != 0 || copy == NULL) {
		fprintf(stderr, "claw: out of memory copying a JSON value\n");
		abort();
	}
	return copy;
}

struct claw_llm_msg *
claw_llm_msg_clone(const struct claw_llm_msg *m)
{
	struct claw_llm_msg *c = claw_llm_msg_new(m->role);
	c->blocks = claw_xcalloc(m->n > 0 ? m->n : 1, sizeof *c->blocks);
	c->cap = m->n > 0 ? m->n : 1;
	for (size_t i = 0; i < m->n; i++) {
		const struct claw_llm_block *s = &m->blocks[i];
		struct claw_llm_block *d = &c->blocks[i];
		d->type = s->type;
		d->text = dup_or_null(s->text);
		d->signature = dup_or_null(s->signature);
		d->id = dup_or_null(s->id);
		d->name = dup_or_null(s->name);
		d->input = json_clone(s->input);
		d->input_raw = dup_or_null(s->input_raw);
		d->input_error = dup_or_null(s->input_error);
		d->is_error = s->is_error;
	}
	c->n = m->n;
	return c;
}

enum claw_llm_role
claw_llm_msg_role(const struct claw_llm_msg *m)
{
	return m->role;
}

size_t
claw_llm_msg_count(const struct claw_llm_msg *m)
{
	return m->n;
}

const struct claw_llm_block *
claw_llm_msg_block(const struct claw_llm_msg *m, size_t i)
{
	return i < m->n ? &m->blocks[i] : NULL;
}

size_t
claw_llm_msg_tool_uses(const struct claw_llm_msg *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		k += m->blocks[i].type == CLAW_LLM_TOOL_USE;
	return k;
}

/* The text of m's blocks of type t (redacted thinking as "[redacted]"
 * with THINKING) joined with "\n".  Caller frees. */
static char *
joined(const struct claw_llm_msg *m, enum claw_llm_block_type t)
{
	static const char redacted[] = "[redacted]";
	struct claw_buf out = CLAW_BUF_INIT(SIZE_MAX); /* no cap: m's own text, in memory */
	for (size_t i = 0; i < m->n; i++) {
		const struct claw_llm_block *b = &m->blocks[i];
		bool hidden = t == CLAW_LLM_THINKING && b->type == CLAW_LLM_REDACTED_THINKING;
		if (b->type != t && !hidden)
			continue;
		if (claw_buf_len(&out) > 0)
			claw_buf_putc(&out, '\n');
		claw_buf_puts(&out, hidden ? redacted : b->text);
	}
	return claw_buf_steal(&out);
}

char *
claw_llm_msg_text(const struct claw_llm_msg *m)
{
	return joined(m, CLAW_LLM_TEXT);
}

char *
claw_llm_msg_thinking(const struct claw_llm_msg *m)
{
	return joined(m, CLAW_LLM_THINKING);
}

static struct claw_llm_block *
add_block(struct claw_llm_msg *m, enum claw_llm_block_type type)
{
	drop_wire(m->wire);
	if (m->n == m->cap) {
		m->cap = m->cap > 0 ? m->cap * 2 : 4;
		m->blocks = claw_xrealloc(m->blocks, m->cap * sizeof *m->blocks);
	}
	struct claw_llm_block *b = &m->blocks[m->n++];
	memset(b, 0, sizeof *b);
	b->type = type;
	return b;
}

void
claw_llm_msg_add_text(struct claw_llm_msg *m, const char *text, size_t n)
{
	add_block(m, CLAW_LLM_TEXT)->text = claw_xstrndup(text != NULL ? text : "", n);
}

void
claw_llm_msg_add_tool_use(struct claw_llm_msg *m, const char *id, const char *name,
			  struct json_object *input)
{
	struct claw_llm_block *b = add_block(m, CLAW_LLM_TOOL_USE);
	b->id = claw_xstrdup(id != NULL ? id : "");
	b->name = claw_xstrdup(name != NULL ? name : "");
	b->input = input != NULL ? input : json_object_new_object();
}

void
claw_llm_msg_add_tool_use_refused(struct claw_llm_msg *m, const char *id, const char *name,
				  const char *raw, const char *error)
{
	claw_llm_msg_add_tool_use(m, id, name, NULL);
	struct claw_llm_block *b = &m->blocks[m->n - 1];
	b->input_raw = dup_or_null(raw);
	b->input_error = claw_xstrdup(error != NULL ? error : "unusable arguments");
}

void
claw_llm_msg_add_thinking(struct claw_llm_msg *m, const char *text, size_t n, const char *signature)
{
	struct claw_llm_block *b = add_block(m, CLAW_LLM_THINKING);
	b->text = claw_xstrndup(text != NULL ? text : "", n);
	b->signature = claw_xstrdup(signature != NULL ? signature : "");
}

void
claw_llm_msg_add_redacted_thinking(struct claw_llm_msg *m, const char *data)
{
	add_block(m, CLAW_LLM_REDACTED_THINKING)->text = claw_xstrdup(data != NULL ? data : "");
}

void
claw_llm_msg_add_tool_result(struct claw_llm_msg *m, const char *tool_use_id, const char *content,
			     size_t n, bool is_error)
{
	struct claw_llm_block *b = add_block(m, CLAW_LLM_TOOL_RESULT);
	b->id = claw_xstrdup(tool_use_id != NULL ? tool_use_id : "");
	b->text = claw_xstrndup(content != NULL ? content : "", n);
	b->is_error = is_error;
}

/* ----------------------------------------------------------- conversations */

struct claw_llm_conv *
claw_llm_conv_new(void)
{
	return CLAW_NEW(struct claw_llm_conv);
}

void
claw_llm_conv_free(struct claw_llm_conv *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		claw_llm_msg_free(c->msgs[i]);
	free(c->msgs);
	free(c);
}

size_t
claw_llm_conv_len(const struct claw_llm_conv *c)
{
	return c->n;
}

const struct claw_llm_msg *
claw_llm_conv_at(const struct claw_llm_conv *c, size_t i)
{
	return i < c->n ? c->msgs[i] : NULL;
}

struct claw_llm_msg *
claw_llm_conv_last(struct claw_llm_conv *c)
{
	return c->n > 0 ? c->msgs[c->n - 1] : NULL;
}

void
claw_llm_conv_push(struct claw_llm_conv *c, struct claw_llm_msg *m)
{
	if (c->n == c->cap) {
		c->cap = c->cap > 0 ? c->cap * 2 : 8;
		/* An array of pointers. NOLINTNEXTLINE(bugprone-sizeof-expression) */
		c->msgs = claw_xrealloc(c->msgs, c->cap * sizeof *c->msgs);
	}
	c->msgs[c->n++] = m;
	c->replies += m->role == CLAW_LLM_ASSISTANT;
}

void
claw_llm_conv_add_user_text(struct claw_llm_conv *c, const char *text)
{
	struct claw_llm_msg *m = claw_llm_msg_new(CLAW_LLM_USER);
	claw_llm_msg_add_text(m, text, text != NULL ? strlen(text) : 0);
	claw_llm_conv_push(c, m);
}

struct claw_llm_msg *
claw_llm_conv_pop(struct claw_llm_conv *c)
{
	if (c->n == 0)
		return NULL;
	if (c->mark == c->n)
		c->mark--;
	struct claw_llm_msg *m = c->msgs[--c->n];
	c->replies -= m->role == CLAW_LLM_ASSISTANT;
	return m;
}

size_t
claw_llm_conv_replies(const struct claw_llm_conv *c)
{
	return c->replies;
}

size_t
claw_llm_conv_mark(const struct claw_llm_conv *c)
{
	return c->mark;
}

void
claw_llm_conv_set_mark(struct claw_llm_conv *c, size_t mark)
{
	c->mark = mark < c->n ? mark : c->n;
}

/* -------------------------------------------------------- checkpoint JSON */

void
claw_llm_put_thinking(struct claw_buf *out, const struct claw_llm_block *b)
{
	if (b->type == CLAW_LLM_THINKING) {
		claw_buf_puts(out, "{\"type\":\"thinking\",\"thinking\":");
		claw_llm_json_cstr(out, b->text);
		claw_buf_puts(out, ",\"signature\":");
		claw_llm_json_cstr(out, b->signature);
	} else {
		claw_buf_puts(out, "{\"type\":\"redacted_thinking\",\"data\":");
		claw_llm_json_cstr(out, b->text);
	}
}

static void
block_to_json(const struct claw_llm_block *b, struct claw_buf *out)
{
	switch (b->type) {
	case CLAW_LLM_TEXT:
		claw_buf_puts(out, "{\"type\":\"text\",\"text\":");
		claw_llm_json_cstr(out, b->text);
		break;
	case CLAW_LLM_TOOL_USE:
		claw_buf_puts(out, "{\"type\":\"tool_use\",\"id\":");
		claw_llm_json_cstr(out, b->id);
		claw_buf_puts(out, ",\"name\":");
		claw_llm_json_cstr(out, b->name);
		claw_buf_puts(out, ",\"input\":");
		claw_buf_puts(out, json_object_to_json_string_ext(b->input, CLAW_LLM_JSON_FLAGS));
		if (b->input_error != NULL) {
			claw_buf_puts(out, ",\"input_raw\":");
			claw_llm_json_cstr(out, b->input_raw);
			claw_buf_puts(out, ",\"input_error\":");
			claw_llm_json_cstr(out, b->input_error);
		}
		break;
	case CLAW_LLM_TOOL_RESULT:
		claw_buf_puts(out, "{\"type\":\"tool_result\",\"tool_use_id\":");
		claw_llm_json_cstr(out, b->id);
		claw_buf_puts(out, ",\"content\":");
		claw_llm_json_cstr(out, b->text);
		claw_buf_puts(out, b->is_error ? ",\"is_error\":true" : ",\"is_error\":false");
		break;
	case CLAW_LLM_THINKING:
	case CLAW_LLM_REDACTED_THINKING:
		claw_llm_put_thinking(out, b);
		break;
	}
	claw_buf_putc(out, '}');
}

enum claw_err
claw_llm_msg_to_json(const struct claw_llm_msg *m, struct claw_buf *out)
{
	claw_buf_puts(out, m->role == CLAW_LLM_USER ? "{\"role\":\"user\",\"content\":["
						    : "{\"role\":\"assistant\",\"content\":[");
	for (size_t k = 0; k < m->n; k++) {
		if (k > 0)
			claw_buf_putc(out, ',');
		block_to_json(&m->blocks[k], out);
	}
	claw_buf_puts(out, "]}");
	return claw_buf_error(out);
}

enum claw_err
claw_llm_messages_to_json(const struct claw_llm_conv *c, struct claw_buf *out)
{
	claw_buf_putc(out, '[');
	for (size_t i = 0; i < c->n; i++) {
		if (i > 0)
			claw_buf_putc(out, ',');
		(void)claw_llm_msg_to_json(c->msgs[i], out);
	}
	claw_buf_putc(out, ']');
	return claw_buf_error(out);
}

/* A required string field of a checkpoint block. */
static enum claw_err
need_str(struct json_object *o, const char *key, const char **out, size_t mi, size_t bi,
	 struct claw_error *err)
{
	*out = claw_llm_json_get_str(o, key);
	if (*out != NULL)
		return CLAW_OK;
	(void)claw_error_set(err, CLAW_EINVAL,
			     "messages[%zu].content[%zu]: field \"%s\" must be a string", mi, bi,
			     key);
	return CLAW_EINVAL;
}

static enum claw_err
block_from_json(struct json_object *o, struct claw_llm_msg *m, size_t mi, size_t bi,
		struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	const char *type = NULL, *a = NULL, *b = NULL;
	struct json_object *v = NULL;

	rc = need_str(o, "type", &type, mi, bi, err);
	if (rc != CLAW_OK)
		goto out;
	if (strcmp(type, "text") == 0) {
		rc = need_str(o, "text", &a, mi, bi, err);
		if (rc != CLAW_OK)
			goto out;
		claw_llm_msg_add_text(m, a, strlen(a));
	} else if (strcmp(type, "tool_use") == 0) {
		rc = need_str(o, "id", &a, mi, bi, err);
		if (rc == CLAW_OK)
			rc = need_str(o, "name", &b, mi, bi, err);
		if (rc != CLAW_OK)
			goto out;
		if (!json_object_object_get_ex(o, "input", &v) ||
		    !json_object_is_type(v, json_type_object)) {
			rc = claw_error_set(err, CLAW_EINVAL,
					    "messages[%zu].content[%zu]: field \"input\" must be "
					    "an object",
					    mi, bi);
			goto out;
		}
		const char *error = claw_llm_json_get_str(o, "input_error");
		if (error != NULL)
			claw_llm_msg_add_tool_use_refused(
				m, a, b, claw_llm_json_get_str(o, "input_raw"), error);
		else
			claw_llm_msg_add_tool_use(m, a, b, json_clone(v));
	} else if (strcmp(type, "tool_result") == 0) {
		rc = need_str(o, "tool_use_id", &a, mi, bi, err);
		if (rc == CLAW_OK)
			rc = need_str(o, "content", &b, mi, bi, err);
		if (rc != CLAW_OK)
			goto out;
		bool is_error = json_object_object_get_ex(o, "is_error", &v) &&
				json_object_is_type(v, json_type_boolean) &&
				json_object_get_boolean(v);
		claw_llm_msg_add_tool_result(m, a, b, strlen(b), is_error);
	} else if (strcmp(type, "thinking") == 0) {
		rc = need_str(o, "thinking", &a, mi, bi, err);
		if (rc == CLAW_OK)
			rc = need_str(o, "signature", &b, mi, bi, err);
		if (rc != CLAW_OK)
			goto out;
		claw_llm_msg_add_thinking(m, a, strlen(a), b);
	} else if (strcmp(type, "redacted_thinking") == 0) {
		rc = need_str(o, "data", &a, mi, bi, err);
		if (rc != CLAW_OK)
			goto out;
		claw_llm_msg_add_redacted_thinking(m, a);
	} else {
		rc = claw_error_set(err, CLAW_EINVAL,
				    "messages[%zu].content[%zu]: unknown block type \"%s\"", mi, bi,
				    type);
		goto out;
	}
out:
	return rc;
}

enum claw_err
claw_llm_messages_from_json(const char *text, size_t len, struct claw_llm_conv **out,
			    struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct json_object *root = NULL;
	struct claw_llm_conv *c = NULL;
	struct claw_llm_msg *m = NULL;

	*out = NULL;
	rc = claw_json_parse(text, len, &root, err);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "messages");
		goto out;
	}
	if (!json_object_is_type(root, json_type_array)) {
		rc = claw_error_set(err, CLAW_EINVAL, "messages: expected a JSON array");
		goto out;
	}
	size_t n = json_object_array_length(root);
	if (n > CLAW_LLM_MESSAGES_MAX) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "messages: %zu messages, at most %d", n,
				    CLAW_LLM_MESSAGES_MAX);
		goto out;
	}
	c = claw_llm_conv_new();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(root, i);
		struct json_object *content = NULL;
		const char *role = claw_llm_json_get_str(o, "role");
		if (role == NULL || (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)) {
			rc = claw_error_set(err, CLAW_EINVAL,
					    "messages[%zu]: field \"role\" must be \"user\" or "
					    "\"assistant\"",
					    i);
			goto out;
		}
		if (!json_object_object_get_ex(o, "content", &content) ||
		    !json_object_is_type(content, json_type_array)) {
			rc = claw_error_set(err, CLAW_EINVAL,
					    "messages[%zu]: field \"content\" must be an array", i);
			goto out;
		}
		m = claw_llm_msg_new(strcmp(role, "user") == 0 ? CLAW_LLM_USER
							       : CLAW_LLM_ASSISTANT);
		size_t k = json_object_array_length(content);
		for (size_t j = 0; j < k; j++) {
			struct json_object *bo = json_object_array_get_idx(content, j);
			if (!json_object_is_type(bo, json_type_object)) {
				rc = claw_error_set(
					err, CLAW_EINVAL,
					"messages[%zu].content[%zu]: expected an object", i, j);
				goto out;
			}
			rc = block_from_json(bo, m, i, j, err);
			if (rc != CLAW_OK)
				goto out;
		}
		claw_llm_conv_push(c, m);
		m = NULL;
	}
	*out = c;
	c = NULL;
out:
	claw_llm_msg_free(m);
	claw_llm_conv_free(c);
	json_object_put(root);
	return rc;
}

/* -------------------------------------------------------------- responses */

void
claw_llm_response_init(struct claw_llm_response *r)
{
	memset(r, 0, sizeof *r);
	r->stop = CLAW_LLM_STOP_OTHER;
	r->cost_source = CLAW_LLM_COST_TABLE;
	r->fault = CLAW_RETRY_NONE;
}

void
claw_llm_response_clear(struct claw_llm_response *r)
{
	claw_llm_msg_free(r->msg);
	free(r->model);
	free(r->id);
	claw_llm_response_init(r);
}

struct claw_llm_msg *
claw_llm_response_take(struct claw_llm_response *r)
{
	struct claw_llm_msg *m = r->msg;
	r->msg = NULL;
	return m;
}

const char *
claw_llm_stop_name(enum claw_llm_stop s)
{
	switch (s) {
	case CLAW_LLM_STOP_END_TURN:
		return "end_turn";
	case CLAW_LLM_STOP_TOOL_USE:
		return "tool_use";
	case CLAW_LLM_STOP_MAX_TOKENS:
		return "max_tokens";
	case CLAW_LLM_STOP_REFUSAL:
		return "refusal";
	case CLAW_LLM_STOP_OTHER:
		break;
	}
	return "other";
}

enum claw_err
claw_llm_parse_with(claw_llm_read_fn read, const char *who, const char *body, size_t len,
		    struct claw_llm_response *resp, struct claw_error *err)
{
	struct json_object *root = NULL;
	if (claw_json_parse(body, len, &root, err) != CLAW_OK) {
		claw_error_prefix(err, "%s: malformed reply", who);
		return CLAW_EINVAL;
	}
	enum claw_err rc = read(root, resp, err);
	json_object_put(root);
	return rc;
}
