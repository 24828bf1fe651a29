/*
 * registry — tools by name, palettes, schema checks and the call door.  See
 * registry.h for the contract.
 *
 * A registry owns an array of entries (the tool descriptor plus its compiled
 * schema).  A palette owns an array of pointers into its parent's entries and
 * no entries of its own; `owned` tells the two apart.  Lookups are linear:
 * a palette holds a dozen tools at most.
 */
#include "tool/registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "tool/history.h"
#include "tool/secrets.h"

/* Most values a string field's "enum" may list. */
#define ENUM_MAX 16

enum field_type {
	FT_STRING,
	FT_INTEGER,
	FT_NUMBER,
	FT_BOOLEAN,
	FT_OBJECT,
	FT_ARRAY,
};

static const char *const type_words[] = {
	[FT_STRING] = "string",   [FT_INTEGER] = "integer", [FT_NUMBER] = "number",
	[FT_BOOLEAN] = "boolean", [FT_OBJECT] = "object",   [FT_ARRAY] = "array",
};

/* Article + word for messages: `field "k" must be an integer`. */
static const char *const type_phrases[] = {
	[FT_STRING] = "a string",   [FT_INTEGER] = "an integer", [FT_NUMBER] = "a number",
	[FT_BOOLEAN] = "a boolean", [FT_OBJECT] = "an object",   [FT_ARRAY] = "an array",
};

struct field {
	char *name;
	enum field_type type;
	bool required;
	size_t nenum; /* 0: any value of the type */
	char *enums[ENUM_MAX];
};

struct entry {
	struct claw_tool tool; /* strings borrowed (static), or owned when copied */
	bool copied;           /* claw_registry_add_copy: the strings are the entry's */
	bool closed;           /* additionalProperties: false */
	size_t nfields;
	struct field fields[CLAW_TOOL_FIELDS_MAX];
};

struct claw_registry {
	bool owned; /* true: entries are ours; false: a palette */
	size_t n;
	size_t cap;
	struct entry **entries; /* owned array; the entries themselves only when owned */
};

/* ------------------------------------------------------------------ results */

void
claw_tool_result_init(struct claw_tool_result *res)
{
	claw_buf_init(&res->text, CLAW_TOOL_RESULT_MAX);
	res->is_error = false;
}

void
claw_tool_result_free(struct claw_tool_result *res)
{
	claw_buf_free(&res->text);
	res->is_error = false;
}

static void
result_vset(struct claw_tool_result *res, bool is_error, const char *fmt, va_list ap)
{
	claw_buf_reset(&res->text);
	(void)claw_buf_vprintf(&res->text, fmt, ap);
	res->is_error = is_error;
}

void
claw_tool_result_error(struct claw_tool_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	result_vset(res, true, fmt, ap);
	va_end(ap);
}

void
claw_tool_result_ok(struct claw_tool_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	result_vset(res, false, fmt, ap);
	va_end(ap);
}

/* ----------------------------------------------------------------- clipping */

static bool
is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

enum claw_err
claw_tool_clip(struct claw_buf *out, const char *text, size_t len, uint64_t total)
{
	const size_t keep = CLAW_TOOL_CLIP_HEAD + CLAW_TOOL_CLIP_TAIL;

	if (total < len)
		total = len;
	if (total <= keep || len <= keep)
		return claw_buf_append(out, text, len);
	/* Cut the head before a continuation byte and start the tail on a
	 * character, so neither end shows half a character.  At most 3 bytes
	 * move. */
	size_t head = CLAW_TOOL_CLIP_HEAD;
	for (int k = 0; k < 3 && head > 0 && is_continuation((unsigned char)text[head]); k++)
		head--;
	size_t tail = len - CLAW_TOOL_CLIP_TAIL;
	for (int k = 0; k < 3 && tail < len && is_continuation((unsigned char)text[tail]); k++)
		tail++;
	uint64_t clipped = total - (uint64_t)head - (uint64_t)(len - tail);
	(void)claw_buf_append(out, text, head);
	(void)claw_buf_printf(out, "\n[... %llu bytes clipped ...]\n", (unsigned long long)clipped);
	return claw_buf_append(out, text + tail, len - tail);
}

/* ------------------------------------------------------------------ schemas */

static void
entry_free(struct entry *e)
{
	if (e->copied) {
		free((char *)e->tool.name);
		free((char *)e->tool.description);
		free((char *)e->tool.schema);
	}
	for (size_t i = 0; i < e->nfields; i++) {
		free(e->fields[i].name);
		for (size_t k = 0; k < e->fields[i].nenum; k++)
			free(e->fields[i].enums[k]);
	}
	free(e);
}

static struct field *
entry_field(struct entry *e, const char *name)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].name, name) == 0)
			return &e->fields[i];
	return NULL;
}

static enum claw_err
compile_property_strict(struct entry *e, const char *name, struct json_object *prop,
			struct claw_error *err)
{
	struct json_object *type = NULL, *enums = NULL;
	struct field *f;

	if (e->nfields >= CLAW_TOOL_FIELDS_MAX)
		return claw_error_set(err, CLAW_EINVAL, "more than %d properties",
				      CLAW_TOOL_FIELDS_MAX);
	if (!json_object_is_type(prop, json_type_object) ||
	    !json_object_object_get_ex(prop, "type", &type) ||
	    !json_object_is_type(type, json_type_string))
		return claw_error_set(err, CLAW_EINVAL, "property \"%s\" needs a \"type\"", name);
	f = &e->fields[e->nfields];
	memset(f, 0, sizeof *f);
	size_t t = 0;
	while (t < sizeof type_words / sizeof type_words[0] &&
	       strcmp(type_words[t], json_object_get_string(type)) != 0)
		t++;
	if (t == sizeof type_words / sizeof type_words[0])
		return claw_error_set(err, CLAW_EINVAL, "property \"%s\": unsupported type \"%s\"",
				      name, json_object_get_string(type));
	f->type = (enum field_type)t;
	f->name = claw_xstrdup(name);
	e->nfields++;
	if (json_object_object_get_ex(prop, "enum", &enums)) {
		size_t n = json_object_is_type(enums, json_type_array)
				   ? json_object_array_length(enums)
				   : 0;
		if (f->type != FT_STRING || n == 0 || n > ENUM_MAX)
			return claw_error_set(err, CLAW_EINVAL,
					      "property \"%s\": enum must list 1 to %d strings",
					      name, ENUM_MAX);
		for (size_t k = 0; k < n; k++) {
			struct json_object *v = json_object_array_get_idx(enums, k);
			if (!json_object_is_type(v, json_type_string))
				return claw_error_set(err, CLAW_EINVAL,
						      "property \"%s\": enum must list strings",
						      name);
			f->enums[f->nenum++] = claw_xstrdup(json_object_get_string(v));
		}
	}
	return CLAW_OK;
}

static enum claw_err
compile_property(struct entry *e, const char *name, struct json_object *prop,
		 struct claw_error *err)
{
	if (e->copied) {
		/* Another program's schema: check what this module
		 * understands, leave the rest to that program. */
		struct claw_error ignored = {0};
		size_t n = e->nfields;
		if (n < CLAW_TOOL_FIELDS_MAX &&
		    compile_property_strict(e, name, prop, &ignored) != CLAW_OK && e->nfields > n) {
			/* Known type, enum beyond the subset: keep the type. */
			struct field *g = &e->fields[n];
			for (size_t k = 0; k < g->nenum; k++)
				free(g->enums[k]);
			g->nenum = 0;
		}
		return CLAW_OK;
	}
	return compile_property_strict(e, name, prop, err);
}

/* Compiles e->tool.schema into e's fields. */
static enum claw_err
compile_schema(struct entry *e, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct json_object *root = NULL, *v = NULL, *props = NULL, *req = NULL;

	root = json_tokener_parse(e->tool.schema);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINVAL, "schema is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "type", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "object") != 0) {
		rc = claw_error_set(err, CLAW_EINVAL, "schema must have \"type\": \"object\"");
		goto out;
	}
	if (json_object_object_get_ex(root, "properties", &props)) {
		if (!json_object_is_type(props, json_type_object)) {
			rc = claw_error_set(err, CLAW_EINVAL, "\"properties\" must be an object");
			goto out;
		}
		json_object_object_foreach(props, key, prop)
		{
			rc = compile_property(e, key, prop, err);
			if (rc != CLAW_OK)
				goto out;
		}
	}
	if (json_object_object_get_ex(root, "required", &req)) {
		if (!json_object_is_type(req, json_type_array)) {
			rc = claw_error_set(err, CLAW_EINVAL, "\"required\" must be an array");
			goto out;
		}
		for (size_t k = 0; k < json_object_array_length(req); k++) {
			struct json_object *name = json_object_array_get_idx(req, k);
			struct field *f = json_object_is_type(name, json_type_string)
						  ? entry_field(e, json_object_get_string(name))
						  : NULL;
			if (f == NULL && e->copied)
				continue; /* a property this module does not check */
			if (f == NULL) {
				rc = claw_error_set(err, CLAW_EINVAL,
						    "\"required\" names an undeclared property");
				goto out;
			}
			f->required = true;
		}
	}
	/* A copied schema's fields this module skipped are still allowed. */
	if (json_object_object_get_ex(root, "additionalProperties", &v) &&
	    (props == NULL || (size_t)json_object_object_length(props) == e->nfields))
		e->closed =
			json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v);
out:
	json_object_put(root);
	return rc;
}

/* ----------------------------------------------------------------- registry */

struct claw_registry *
claw_registry_new(void)
{
	struct claw_registry *reg = CLAW_NEW(struct claw_registry);
	reg->owned = true;
	return reg;
}

void
claw_registry_free(struct claw_registry *reg)
{
	if (reg == NULL)
		return;
	if (reg->owned)
		for (size_t i = 0; i < reg->n; i++)
			entry_free(reg->entries[i]);
	free(reg->entries);
	free(reg);
}

static void
push(struct claw_registry *reg, struct entry *e)
{
	if (reg->n == reg->cap) {
		reg->cap = reg->cap != 0 ? reg->cap * 2 : 8;
		reg->entries = claw_xrealloc(reg->entries, reg->cap * sizeof(struct entry *));
	}
	reg->entries[reg->n++] = e;
}

static struct entry *
find_entry(const struct claw_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->n; i++)
		if (strcmp(reg->entries[i]->tool.name, name) == 0)
			return reg->entries[i];
	return NULL;
}

static enum claw_err
add(struct claw_registry *reg, const struct claw_tool *tool, bool copied, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct entry *e = NULL;

	if (!reg->owned) {
		rc = claw_error_set(err, CLAW_EINVAL, "cannot add tool %s to a palette",
				    tool->name);
		goto out;
	}
	if (tool->name == NULL || tool->schema == NULL || tool->run == NULL) {
		rc = claw_error_set(err, CLAW_EINVAL, "tool without a name, schema or handler");
		goto out;
	}
	if (find_entry(reg, tool->name) != NULL) {
		rc = claw_error_set(err, CLAW_EEXIST, "tool %s is already registered", tool->name);
		goto out;
	}
	e = CLAW_NEW(struct entry);
	e->tool = *tool;
	e->copied = copied;
	rc = compile_schema(e, err);
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "tool %s", tool->name);
		goto out;
	}
	push(reg, e);
	e = NULL;
out:
	if (e != NULL) {
		e->copied = false; /* the caller's strings still */
		entry_free(e);
	}
	return rc;
}

enum claw_err
claw_registry_add(struct claw_registry *reg, const struct claw_tool *tool, struct claw_error *err)
{
	return add(reg, tool, false, err);
}

enum claw_err
claw_registry_add_copy(struct claw_registry *reg, const struct claw_tool *tool,
		       struct claw_error *err)
{
	struct claw_tool copy = *tool;
	if (tool->name == NULL || tool->schema == NULL)
		return claw_registry_add(reg, tool, err); /* its message */
	copy.name = claw_xstrdup(tool->name);
	copy.description = claw_xstrdup(tool->description != NULL ? tool->description : "");
	copy.schema = claw_xstrdup(tool->schema);
	enum claw_err rc = add(reg, &copy, true, err);
	if (rc != CLAW_OK) {
		free((char *)copy.name);
		free((char *)copy.description);
		free((char *)copy.schema);
	}
	return rc;
}

enum claw_err
claw_registry_only(const struct claw_registry *reg, const char *const *names, size_t n,
		   struct claw_registry **out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_registry *view = CLAW_NEW(struct claw_registry);

	view->owned = false;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = find_entry(reg, names[i]);
		if (e == NULL) {
			rc = claw_error_set(err, CLAW_EINVAL, "unknown tool %s", names[i]);
			goto out;
		}
		if (find_entry(view, names[i]) != NULL) {
			rc = claw_error_set(err, CLAW_EINVAL, "tool %s listed twice", names[i]);
			goto out;
		}
		push(view, e);
	}
	*out = view;
	view = NULL;
out:
	claw_registry_free(view);
	return rc;
}

const struct claw_tool *
claw_registry_find(const struct claw_registry *reg, const char *name)
{
	struct entry *e = find_entry(reg, name);
	return e != NULL ? &e->tool : NULL;
}

size_t
claw_registry_count(const struct claw_registry *reg)
{
	return reg->n;
}

const struct claw_tool *
claw_registry_at(const struct claw_registry *reg, size_t i)
{
	return i < reg->n ? &reg->entries[i]->tool : NULL;
}

/* --------------------------------------------------------------- validation */

static bool
type_matches(enum field_type t, struct json_object *v)
{
	switch (t) {
	case FT_STRING:
		return json_object_is_type(v, json_type_string);
	case FT_INTEGER:
		return json_object_is_type(v, json_type_int);
	case FT_NUMBER:
		return json_object_is_type(v, json_type_int) ||
		       json_object_is_type(v, json_type_double);
	case FT_BOOLEAN:
		return json_object_is_type(v, json_type_boolean);
	case FT_OBJECT:
		return json_object_is_type(v, json_type_object);
	case FT_ARRAY:
		return json_object_is_type(v, json_type_array);
	}
	return false;
}

static enum claw_err
check_enum(const struct field *f, struct json_object *v, struct claw_error *err)
{
	struct claw_buf list = CLAW_BUF_INIT(CLAW_ERROR_MSG_MAX);
	const char *s = json_object_get_string(v);

	for (size_t k = 0; k < f->nenum; k++)
		if (strcmp(s, f->enums[k]) == 0)
			return CLAW_OK;
	for (size_t k = 0; k < f->nenum; k++)
		(void)claw_buf_printf(&list, "%s%s", k != 0 ? ", " : "", f->enums[k]);
	claw_error_set(err, CLAW_EINVAL, "field \"%s\" must be one of: %s", f->name,
		       claw_buf_str(&list));
	claw_buf_free(&list);
	return CLAW_EINVAL;
}

static enum claw_err
validate_entry(const struct entry *e, struct json_object *input, struct claw_error *err)
{
	if (input != NULL && !json_object_is_type(input, json_type_object))
		return claw_error_set(err, CLAW_EINVAL, "input must be a JSON object");
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		struct json_object *v = NULL;
		/* A null counts as absent: models send it for optional fields. */
		if (input == NULL || !json_object_object_get_ex(input, f->name, &v) || v == NULL) {
			if (f->required)
				return claw_error_set(err, CLAW_EINVAL, "missing field \"%s\"",
						      f->name);
			continue;
		}
		if (!type_matches(f->type, v))
			return claw_error_set(err, CLAW_EINVAL, "field \"%s\" must be %s", f->name,
					      type_phrases[f->type]);
		if (f->nenum != 0 && check_enum(f, v, err) != CLAW_OK)
			return CLAW_EINVAL;
	}
	if (e->closed && input != NULL) {
		json_object_object_foreach(input, key, val)
		{
			(void)val;
			bool known = false;
			for (size_t i = 0; i < e->nfields && !known; i++)
				known = strcmp(e->fields[i].name, key) == 0;
			if (!known)
				return claw_error_set(err, CLAW_EINVAL, "unknown field \"%s\"",
						      key);
		}
	}
	return CLAW_OK;
}

enum claw_err
claw_registry_validate(const struct claw_registry *reg, const char *name, struct json_object *input,
		       struct claw_error *err)
{
	const struct entry *e = find_entry(reg, name);
	if (e == NULL)
		return claw_error_set(err, CLAW_ENOTFOUND, "unknown tool %s", name);
	return validate_entry(e, input, err);
}

/* ------------------------------------------------------------------ calling */

/* Replaces res's text with its redacted form. */
static void
redact_result(const struct claw_secrets *secrets, struct claw_tool_result *res)
{
	struct claw_buf red = CLAW_BUF_INIT(CLAW_TOOL_RESULT_MAX);

	if (secrets == NULL || claw_secrets_count(secrets) == 0)
		return;
	if (claw_secrets_redact(secrets, claw_buf_str(&res->text), claw_buf_len(&res->text),
				&red) != CLAW_OK) {
		/* Redaction grew the text past the cap: drop it rather than
		 * risk showing a value. */
		claw_tool_result_error(res, "tool output too big after redaction");
		claw_buf_free(&red);
		return;
	}
	claw_buf_free(&res->text);
	res->text = red;
}

/* Makes res's text visible (claw_str_visible): a NUL or an invalid byte in
 * what a command printed or a file held must neither cut the text short
 * where it is copied as a C string nor reach a JSON body raw. */
static void
visible_result(struct claw_tool_result *res)
{
	if (!claw_str_needs_visible(claw_buf_str(&res->text), claw_buf_len(&res->text),
				    CLAW_STR_VISIBLE_TEXT))
		return;
	struct claw_buf vis = CLAW_BUF_INIT(CLAW_TOOL_RESULT_MAX);
	if (claw_str_visible(&vis, claw_buf_str(&res->text), claw_buf_len(&res->text),
			     CLAW_STR_VISIBLE_TEXT) != CLAW_OK) {
		claw_tool_result_error(res, "tool output is over %d bytes once made visible",
				       CLAW_TOOL_RESULT_MAX);
		claw_buf_free(&vis);
		return;
	}
	claw_buf_free(&res->text);
	res->text = vis;
}

void
claw_registry_call(const struct claw_registry *reg, const struct claw_tool_ctx *ctx,
		   const char *name, struct json_object *input, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	const struct entry *e = find_entry(reg, name);
	struct json_object *empty = NULL;

	claw_buf_reset(&res->text);
	res->is_error = false;
	if (e == NULL) {
		claw_tool_result_error(res, "unknown tool %s", name);
		goto out;
	}
	if (validate_entry(e, input, &err) != CLAW_OK) {
		claw_tool_result_error(res, "invalid input for %s: %s", name,
				       claw_error_text(&err));
		goto out;
	}
	if (input == NULL)
		input = empty = json_object_new_object();
	struct claw_tool_ctx self = ctx != NULL ? *ctx : (struct claw_tool_ctx){0};
	self.self = &e->tool;
	e->tool.run(&self, input, res);
	if (claw_buf_error(&res->text) != CLAW_OK)
		claw_tool_result_error(res, "output of %s is over %d bytes", name,
				       CLAW_TOOL_RESULT_MAX);
out:
	redact_result(ctx != NULL ? ctx->secrets : NULL, res);
	visible_result(res);
	if (ctx != NULL && ctx->history != NULL) {
		const char *in =
			input != NULL
				? json_object_to_json_string_ext(input, JSON_C_TO_STRING_PLAIN)
				: "{}";
		int64_t n = claw_history_add(ctx->history, name, in, claw_buf_str(&res->text),
					     res->is_error);
		(void)claw_buf_printf(&res->text, "\n[run#%lld]", (long long)n);
	}
	json_object_put(empty);
}
