/*
 * json — thin helpers over json-c: strict parsing, typed field access with
 * messages that name the field, compact output, and string escaping for
 * JSON built by hand in a struct claw_buf.
 *
 * Parsing is stricter than json-c alone: json-c's own "strict" mode still
 * takes NaN, Infinity, "1.", "-01", overlong and surrogate UTF-8 and
 * silently saturates integers past 64 bits.  claw_json_parse() scans the text
 * first and rejects all of those, caps nesting at CLAW_JSON_DEPTH_MAX, and
 * requires the whole input to be one value (whitespace around it allowed).
 * Raw control characters inside strings are accepted (models emit raw
 * newlines in tool arguments); NUL bytes are not.  Duplicate keys: the last
 * one wins (json-c's behaviour).
 *
 * Field getters take an object and a key and either store the value or fail
 * with CLAW_EINVAL and a message naming the field: `missing field "title"`,
 * `field "title" must be a string`, `unknown field "x"`.  Callers add context
 * on the way up with claw_error_prefix() ("steps[2]: field ...").  Values
 * handed out by getters are borrowed from the object: valid while it lives
 * and is not modified.
 *
 * Threads: a json_object belongs to one thread at a time, including for
 * reading: json-c's reference counts and the serialization cache inside each
 * object are not synchronised (claw_json_text() writes into the object).
 * The functions themselves keep no shared state.
 */
#ifndef CLAW_BASE_JSON_H
#define CLAW_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"

/* Deepest nesting of arrays and objects claw_json_parse() accepts ([[]] is
 * 2).  Deep enough for any document claw reads; shallow enough that json-c's
 * recursive free and serializer stay far from the end of a 64 KiB stack. */
#define CLAW_JSON_DEPTH_MAX 64

/* Flags for the field getters. */
enum claw_json_flags {
	CLAW_JSON_REQUIRED = 0,      /* absent → `missing field "k"` */
	CLAW_JSON_OPTIONAL = 1 << 0, /* absent → CLAW_OK, *out untouched */
	CLAW_JSON_NULLABLE = 1 << 1, /* null counts as absent (else a type error) */
};

/* Parses text[0..len) (need not be NUL-terminated) as exactly one JSON
 * value.  On success *out is the new value (caller json_object_put()s it;
 * note JSON null parses to NULL).  On failure returns CLAW_EINVAL with
 * `invalid JSON at byte N: <reason>` (reason is json-c's tokener message or
 * one of claw's own checks) and leaves *out NULL; CLAW_ETOOBIG when len is
 * past what json-c can take (INT32_MAX).  Callers cap their inputs well
 * before that. */
enum claw_err claw_json_parse(const char *text, size_t len, struct json_object **out,
			      struct claw_error *err);

/* Typed getters.  obj must be a JSON object (else CLAW_EINVAL `expected a
 * JSON object`).  flags is a mix of enum claw_json_flags.  On CLAW_OK *out
 * holds the value, except for an absent OPTIONAL field, which leaves *out as
 * the caller set it (preset the default). */

/* A string without NUL bytes (`field "k" must not contain NUL bytes`).
 * *out borrowed from obj. */
enum claw_err claw_json_get_string(struct json_object *obj, const char *key, unsigned flags,
				   const char **out, struct claw_error *err);
/* An integer in [min, max].  Numbers written with a zero fraction (3.0, 1e3)
 * count; 1.5 is `field "k" must be an integer`; out of range is `field "k"
 * must be an integer from MIN to MAX, got V`. */
enum claw_err claw_json_get_int64(struct json_object *obj, const char *key, unsigned flags,
				  int64_t min, int64_t max, int64_t *out, struct claw_error *err);
enum claw_err claw_json_get_bool(struct json_object *obj, const char *key, unsigned flags,
				 bool *out, struct claw_error *err);
/* *out borrowed from obj (json_object_get() it to keep it longer). */
enum claw_err claw_json_get_object(struct json_object *obj, const char *key, unsigned flags,
				   struct json_object **out, struct claw_error *err);
enum claw_err claw_json_get_array(struct json_object *obj, const char *key, unsigned flags,
				  struct json_object **out, struct claw_error *err);

/* Fails with `unknown field "x"` (the first key of obj, in document order,
 * not in allowed) so a typo in a workflow or a request body is reported
 * rather than ignored.  allowed is a NULL-terminated list. */
enum claw_err claw_json_check_keys(struct json_object *obj, const char *const *allowed,
				   struct claw_error *err);

/* Checks that v has type t; else CLAW_EINVAL `<what> must be <a type>`
 * (what is e.g. "steps[2]" or "the request body").  For array elements and
 * whole documents, where there is no key to name. */
enum claw_err claw_json_check_type(struct json_object *v, enum json_type t, const char *what,
				   struct claw_error *err);

/* "null", "boolean", "number", "object", "array" or "string": the JSON word
 * for v's type, for messages.  Static. */
const char *claw_json_type_name(struct json_object *v);

/* Compact serialization ("null" for NULL).  Borrowed: valid until obj is
 * modified or freed.  Writes a cache into obj (see Threads above). */
const char *claw_json_text(struct json_object *obj);

/* Appends s[0..n) as a quoted JSON string to b: `"`, `\`, and control
 * characters escaped; U+2028/U+2029 escaped so the output is also safe inside
 * JavaScript; every byte that is not part of valid UTF-8 becomes \ufffd, so
 * the output is always valid UTF-8 whatever the input (tool output, files).
 * Returns b's sticky error (CLAW_ETOOBIG past its cap). */
enum claw_err claw_json_buf_append_string(struct claw_buf *b, const char *s, size_t n);

/* Appends micros (millionths of a dollar) as a decimal number of dollars,
 * exact, any sign: 1234567 → 1.234567, -5 → -0.000005.  A JSON number and a
 * Prometheus sample value.  Returns b's sticky error. */
enum claw_err claw_json_buf_append_usd(struct claw_buf *b, int64_t micros);

#endif
