/*
 * json — strict parsing, typed getters and escaping over json-c.
 *
 * claw_json_parse() runs two passes over the text: a lexical scan of our own
 * (NUL bytes, UTF-8 inside strings, nesting depth, number syntax and range,
 * NaN/Infinity), then json-c's tokener in strict mode for the structure.  The
 * error reported is whichever comes first in the text, so the byte offset
 * points at the real problem.
 */
#include "base/json.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"

/* Field names quoted in messages are clipped to this many bytes of input so
 * a hostile key cannot fill the message. */
#define JSON_NAME_CLIP 64
#define JSON_NAME_MAX (JSON_NAME_CLIP * 6 + 8) /* worst case: every byte \u-escaped */
/* Values quoted in range messages are clipped too. */
#define JSON_VALUE_CLIP 40

#define JSON_STR_(x) #x
#define JSON_STR(x) JSON_STR_(x)

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when the digits d[0..n) (no sign, no leading zeros) are at most the
 * decimal limit lim. */
static bool
digits_le(const char *d, size_t n, const char *lim)
{
	size_t m = strlen(lim);
	if (n != m)
		return n < m;
	return memcmp(d, lim, n) <= 0;
}

/* Checks the number token t[0..n) against the JSON grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and, for integers, that it
 * fits json-c's exact range [INT64_MIN, UINT64_MAX].  Returns NULL or the
 * reason it does not. */
static const char *
check_number(const char *t, size_t n)
{
	size_t i = 0;
	bool neg = false;

	if (i < n && t[i] == '-') {
		neg = true;
		i++;
	}
	size_t int_start = i;
	if (i < n && t[i] == '0') {
		i++;
	} else if (i < n && t[i] >= '1' && t[i] <= '9') {
		while (i < n && is_digit(t[i]))
			i++;
	} else {
		return "invalid number";
	}
	size_t int_end = i;
	bool integer = true;
	if (i < n && t[i] == '.') {
		integer = false;
		i++;
		if (i == n || !is_digit(t[i]))
			return "invalid number";
		while (i < n && is_digit(t[i]))
			i++;
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		integer = false;
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		if (i == n || !is_digit(t[i]))
			return "invalid number";
		while (i < n && is_digit(t[i]))
			i++;
	}
	if (i != n)
		return "invalid number";
	if (integer && !digits_le(t + int_start, int_end - int_start,
				  neg ? "9223372036854775808" : "18446744073709551615"))
		return "integer out of range";
	return NULL;
}

/* The lexical pass.  Returns true when text is clean; else the offset and
 * reason of the first problem. */
static bool
scan(const char *text, size_t len, size_t *at, const char **why)
{
	const unsigned char *p = (const unsigned char *)text;
	bool in_str = false, esc = false;
	size_t depth = 0;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		if (c == '\0') {
			*at = i;
			*why = "NUL byte";
			return false;
		}
		if (in_str) {
			if (c >= 0x80) {
				size_t k = claw_str_utf8_seq(text + i, len - i);
				if (k == 0) {
					*at = i;
					*why = "invalid UTF-8";
					return false;
				}
				i += k;
				esc = false;
				continue;
			}
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			i++;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			break;
		case '[':
		case '{':
			if (++depth > CLAW_JSON_DEPTH_MAX) {
				*at = i;
				*why = "nesting deeper than " JSON_STR(CLAW_JSON_DEPTH_MAX);
				return false;
			}
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		case 'N':
		case 'I':
			if ((c == 'N' && len - i >= 3 && memcmp(p + i, "NaN", 3) == 0) ||
			    (c == 'I' && len - i >= 8 && memcmp(p + i, "Infinity", 8) == 0)) {
				*at = i;
				*why = "NaN and Infinity are not JSON";
				return false;
			}
			break;
		default:
			if (c == '-' || is_digit((char)c)) {
				size_t j = i + 1;
				while (j < len &&
				       (is_digit(text[j]) || text[j] == '.' || text[j] == 'e' ||
					text[j] == 'E' || text[j] == '+' || text[j] == '-'))
					j++;
				const char *bad = check_number(text + i, j - i);
				if (bad != NULL && c == '-' && j == i + 1 && j < len &&
				    text[j] == 'I')
					bad = "NaN and Infinity are not JSON";
				if (bad != NULL) {
					*at = i;
					*why = bad;
					return false;
				}
				i = j;
				continue;
			}
			break;
		}
		i++;
	}
	return true;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum claw_err
claw_json_parse(const char *text, size_t len, struct json_object **out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	size_t scan_at = 0, tok_at = 0;
	const char *scan_why = NULL, *tok_why = NULL;

	*out = NULL;
	if (len >= (size_t)INT_MAX) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "JSON text of %zu bytes is too big", len);
		goto out;
	}
	if (text == NULL)
		text = "";
	bool clean = scan(text, len, &scan_at, &scan_why);

	/* json-c's depth counts the scalar inside the innermost container too;
	 * give it room so our own count is the one that decides. */
	tok = json_tokener_new_ex(CLAW_JSON_DEPTH_MAX + 2);
	if (tok == NULL) {
		(void)fprintf(stderr, "claw: out of memory creating a JSON tokener\n");
		abort();
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A number at the very end has no terminator: json-c wants the NUL
		 * (see json_tokener_parse_ex); feed it as a separate chunk. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (jerr != json_tokener_success) {
		tok_at = end;
		tok_why = json_tokener_error_desc(jerr);
	} else {
		/* json-c stops at a NUL byte; whatever follows the value must be
		 * whitespace. */
		while (end < len && is_ws(text[end]))
			end++;
		if (end < len) {
			tok_at = end;
			tok_why = "unexpected text after the value";
		}
	}

	if (!clean && (tok_why == NULL || scan_at <= tok_at)) {
		rc = claw_error_set(err, CLAW_EINVAL, "invalid JSON at byte %zu: %s", scan_at,
				    scan_why);
		goto out;
	}
	if (tok_why != NULL) {
		rc = claw_error_set(err, CLAW_EINVAL, "invalid JSON at byte %zu: %s", tok_at,
				    tok_why);
		goto out;
	}
	*out = obj;
	obj = NULL;
out:
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

/* The JSON-quoted, clipped form of s for messages: "title". */
static void
quote_name(char *dst, size_t size, const char *s, size_t clip)
{
	struct claw_buf b = CLAW_BUF_INIT(size - 1);
	size_t n = strlen(s);
	bool clipped = n > clip;

	if (clipped) {
		n = claw_str_utf8_floor(s, clip);
	}
	(void)claw_json_buf_append_string(&b, s, n);
	if (clipped)
		(void)claw_buf_puts(&b, "...");
	(void)snprintf(dst, size, "%s", claw_buf_error(&b) == CLAW_OK ? claw_buf_str(&b) : "?");
	claw_buf_free(&b);
}

/* "a string", "an integer", ...: what a value must be, for messages. */
static const char *
type_phrase(enum json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "a JSON value";
}

const char *
claw_json_type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
	case json_type_int:
		return "number";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

/* Looks key up in obj.  Sets *v and returns CLAW_OK with *present true when
 * the field is there (and not a NULLABLE null), CLAW_OK with *present false
 * for an absent OPTIONAL field, else an error naming the field. */
static enum claw_err
lookup(struct json_object *obj, const char *key, unsigned flags, struct json_object **v,
       bool *present, struct claw_error *err)
{
	char name[JSON_NAME_MAX];

	*present = false;
	*v = NULL;
	if (!json_object_is_type(obj, json_type_object))
		return claw_error_set(err, CLAW_EINVAL, "expected a JSON object");
	bool there = json_object_object_get_ex(obj, key, v);
	if (there && *v == NULL && (flags & CLAW_JSON_NULLABLE) != 0)
		there = false;
	if (there) {
		*present = true;
		return CLAW_OK;
	}
	if ((flags & CLAW_JSON_OPTIONAL) != 0)
		return CLAW_OK;
	quote_name(name, sizeof name, key, JSON_NAME_CLIP);
	return claw_error_set(err, CLAW_EINVAL, "missing field %s", name);
}

static enum claw_err
wrong_type(const char *key, enum json_type want, struct claw_error *err)
{
	char name[JSON_NAME_MAX];
	quote_name(name, sizeof name, key, JSON_NAME_CLIP);
	return claw_error_set(err, CLAW_EINVAL, "field %s must be %s", name, type_phrase(want));
}

/* The getters for types that need no conversion share this. */
static enum claw_err
get_typed(struct json_object *obj, const char *key, unsigned flags, enum json_type want,
	  struct json_object **out, bool *present, struct claw_error *err)
{
	struct json_object *v;
	enum claw_err rc = lookup(obj, key, flags, &v, present, err);
	if (rc != CLAW_OK || !*present)
		return rc;
	if (!json_object_is_type(v, want))
		return wrong_type(key, want, err);
	*out = v;
	return CLAW_OK;
}

enum claw_err
claw_json_get_string(struct json_object *obj, const char *key, unsigned flags, const char **out,
		     struct claw_error *err)
{
	struct json_object *v = NULL;
	bool present;
	enum claw_err rc = get_typed(obj, key, flags, json_type_string, &v, &present, err);
	if (rc != CLAW_OK || !present)
		return rc;
	const char *s = json_object_get_string(v);
	int n = json_object_get_string_len(v);
	/* "\u0000" parses; a C string would silently end there. */
	if (n < 0 || memchr(s, '\0', (size_t)n) != NULL) {
		char name[JSON_NAME_MAX];
		quote_name(name, sizeof name, key, JSON_NAME_CLIP);
		return claw_error_set(err, CLAW_EINVAL, "field %s must not contain NUL bytes",
				      name);
	}
	*out = s;
	return CLAW_OK;
}

/* The integer value of v when it is one, exactly. */
static bool
integral_value(struct json_object *v, int64_t *out, bool *in_range)
{
	*in_range = true;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		/* json-c saturates at INT64_MAX for values it holds as uint64. */
		if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
			*in_range = false;
		*out = i;
		return true;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (isfinite(d) && d != trunc(d))
			return false;
		/* [-2^63, 2^63) is exactly the doubles that convert. */
		// cppcheck-suppress incorrectLogicOperator ; hex-float bounds, not a tautology
		if (!isfinite(d) || d < -0x1p63 || d >= 0x1p63) {
			*in_range = false;
			*out = 0;
			return true;
		}
		*out = (int64_t)d;
		return true;
	}
	return false;
}

enum claw_err
claw_json_get_int64(struct json_object *obj, const char *key, unsigned flags, int64_t min,
		    int64_t max, int64_t *out, struct claw_error *err)
{
	struct json_object *v;
	bool present, in_range;
	int64_t i = 0;
	enum claw_err rc = lookup(obj, key, flags, &v, &present, err);
	if (rc != CLAW_OK || !present)
		return rc;
	if (!integral_value(v, &i, &in_range))
		return wrong_type(key, json_type_int, err);
	if (!in_range || i < min || i > max) {
		char name[JSON_NAME_MAX], got[JSON_NAME_MAX];
		quote_name(name, sizeof name, key, JSON_NAME_CLIP);
		(void)snprintf(got, sizeof got, "%.*s", JSON_VALUE_CLIP, claw_json_text(v));
		return claw_error_set(err, CLAW_EINVAL,
				      "field %s must be an integer from %lld to %lld, got %s", name,
				      (long long)min, (long long)max, got);
	}
	*out = i;
	return CLAW_OK;
}

enum claw_err
claw_json_get_bool(struct json_object *obj, const char *key, unsigned flags, bool *out,
		   struct claw_error *err)
{
	struct json_object *v = NULL;
	bool present;
	enum claw_err rc = get_typed(obj, key, flags, json_type_boolean, &v, &present, err);
	if (rc != CLAW_OK || !present)
		return rc;
	*out = json_object_get_boolean(v) != 0;
	return CLAW_OK;
}

enum claw_err
claw_json_get_object(struct json_object *obj, const char *key, unsigned flags,
		     struct json_object **out, struct claw_error *err)
{
	bool present;
	return get_typed(obj, key, flags, json_type_object, out, &present, err);
}

enum claw_err
claw_json_get_array(struct json_object *obj, const char *key, unsigned flags,
		    struct json_object **out, struct claw_error *err)
{
	bool present;
	return get_typed(obj, key, flags, json_type_array, out, &present, err);
}

enum claw_err
claw_json_check_keys(struct json_object *obj, const char *const *allowed, struct claw_error *err)
{
	struct json_object_iterator it, end;

	if (!json_object_is_type(obj, json_type_object))
		return claw_error_set(err, CLAW_EINVAL, "expected a JSON object");
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		bool known = false;
		for (size_t i = 0; allowed[i] != NULL && !known; i++)
			known = strcmp(allowed[i], k) == 0;
		if (!known) {
			char name[JSON_NAME_MAX];
			quote_name(name, sizeof name, k, JSON_NAME_CLIP);
			return claw_error_set(err, CLAW_EINVAL, "unknown field %s", name);
		}
	}
	return CLAW_OK;
}

enum claw_err
claw_json_check_type(struct json_object *v, enum json_type t, const char *what,
		     struct claw_error *err)
{
	bool okay;
	int64_t i;
	bool in_range;

	if (t == json_type_double)
		okay = json_object_is_type(v, json_type_double) ||
		       json_object_is_type(v, json_type_int);
	else if (t == json_type_int)
		okay = integral_value(v, &i, &in_range) && in_range;
	else
		okay = json_object_get_type(v) == t;
	if (okay)
		return CLAW_OK;
	return claw_error_set(err, CLAW_EINVAL, "%s must be %s", what, type_phrase(t));
}

const char *
claw_json_text(struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL) {
		/* json-c's printbuf failed to grow: the memory policy of mem.h. */
		(void)fprintf(stderr, "claw: out of memory serializing JSON\n");
		abort();
	}
	return s;
}

enum claw_err
claw_json_buf_append_string(struct claw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t start_len = claw_buf_len(b);
	size_t i = 0, run = 0;

	if (s == NULL) /* only with n == 0; keeps the pointer arithmetic defined */
		s = "";
	p = (const unsigned char *)s;
	(void)claw_buf_putc(b, '"');
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		(void)claw_buf_append(b, s + run, i - run);
		if (c >= 0x80) {
			size_t k = claw_str_utf8_seq(s + i, n - i);
			if (k == 0) {
				(void)claw_buf_puts(b, "\\ufffd");
				k = 1;
			} else if (k == 3 && c == 0xE2 && p[i + 1] == 0x80 &&
				   (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
				/* Line and paragraph separators end a JavaScript
				 * string literal (before ES2019). */
				(void)claw_buf_puts(b, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
			} else {
				(void)claw_buf_append(b, s + i, k);
			}
			i += k;
			run = i;
			continue;
		}
		switch (c) {
		case '"':
			(void)claw_buf_puts(b, "\\\"");
			break;
		case '\\':
			(void)claw_buf_puts(b, "\\\\");
			break;
		case '\b':
			(void)claw_buf_puts(b, "\\b");
			break;
		case '\f':
			(void)claw_buf_puts(b, "\\f");
			break;
		case '\n':
			(void)claw_buf_puts(b, "\\n");
			break;
		case '\r':
			(void)claw_buf_puts(b, "\\r");
			break;
		case '\t':
			(void)claw_buf_puts(b, "\\t");
			break;
		default: {
			char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF], '\0'};
			(void)claw_buf_puts(b, u);
			break;
		}
		}
		i++;
		run = i;
	}
	(void)claw_buf_append(b, s + run, i - run);
	(void)claw_buf_putc(b, '"');
	/* Keep buf's promise: a failed append leaves the earlier contents. */
	if (claw_buf_error(b) != CLAW_OK)
		claw_buf_truncate(b, start_len);
	return claw_buf_error(b);
}

enum claw_err
claw_json_buf_append_usd(struct claw_buf *b, int64_t micros)
{
	uint64_t m = micros < 0 ? 0 - (uint64_t)micros : (uint64_t)micros;
	return claw_buf_printf(b, "%s%llu.%06llu", micros < 0 ? "-" : "",
			       (unsigned long long)(m / 1000000),
			       (unsigned long long)(m % 1000000));
}
