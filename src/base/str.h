/*
 * str — borrowed slices of text and strict number parsing.
 *
 * A struct claw_str points into memory owned by someone else; it is valid as
 * long as that memory is.  It is not NUL-terminated.  The parsers here replace
 * atoi/atol/strtol-without-checks: they reject empty input, trailing garbage
 * and out-of-range values.
 *
 * Threads: thread-safe (pure functions).
 */
#ifndef CLAW_BASE_STR_H
#define CLAW_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* A value type: use on the stack.  p may be NULL only when n is 0. */
struct claw_str {
	const char *p;
	size_t n;
};

#define CLAW_STR_LIT(s) ((struct claw_str){(s), sizeof(s) - 1})

struct claw_str claw_str_from(const char *s); /* s may be NULL → empty */
bool claw_str_eq(struct claw_str a, struct claw_str b);
bool claw_str_eq_cstr(struct claw_str a, const char *s);
bool claw_str_starts_with(struct claw_str a, const char *prefix);
/* Without leading and trailing ASCII whitespace. */
struct claw_str claw_str_trim(struct claw_str a);
/* Splits *rest at the first sep: returns the part before it and advances
 * *rest past it (or to empty when sep is absent). */
struct claw_str claw_str_cut(struct claw_str *rest, char sep);
/* A fresh NUL-terminated copy; caller frees. */
char *claw_str_dup(struct claw_str a);
/* a trimmed, and when that is a Markdown fence around the whole of it
 * ("```lang\n...```"), what lies inside (not trimmed again): what a model
 * meant when asked for a bare value. */
struct claw_str claw_str_unfence(struct claw_str a);

/* FNV-1a over data[0..n), continuing from h (CLAW_FNV1A_INIT to start):
 * a fast, well-spread, non-cryptographic hash. */
#define CLAW_FNV1A_INIT 14695981039346656037ULL
uint64_t claw_fnv1a(uint64_t h, const void *data, size_t n);

/* Strict decimal parse of the whole slice into [min, max].  Leading '+'/'-'
 * allowed, no spaces.  CLAW_EINVAL on syntax, CLAW_ETOOBIG out of range. */
enum claw_err claw_str_to_i64(struct claw_str a, int64_t min, int64_t max, int64_t *out);

/* Name tables of enums (designated initializers indexed by the enum).
 * claw_str_lookup: the index of s in table[0..n), or -1 when absent (or s is
 * NULL).  claw_str_name: table[i], or fallback when i is out of range or the
 * entry is NULL. */
int claw_str_lookup(const char *const *table, size_t n, const char *s);
const char *claw_str_name(const char *const *table, size_t n, unsigned i, const char *fallback);

/* True when s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool claw_str_utf8_valid(const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s[0..n) (1-4; n must be at least
 * 1), or 0 when the bytes there are not one (truncated, overlong,
 * surrogate, past U+10FFFF).  The one decoder behind claw_str_utf8_valid
 * and the JSON scanner and escaper. */
size_t claw_str_utf8_seq(const char *s, size_t n);
/* The largest cut <= at that does not split a UTF-8 sequence of s (s must
 * have at least at + 1 readable bytes, or at == 0): s[0..cut) is whole
 * characters when s was valid UTF-8. */
size_t claw_str_utf8_floor(const char *s, size_t at);

/* How claw_str_visible treats line breaks and tabs. */
enum claw_str_visible_mode {
	CLAW_STR_VISIBLE_TEXT, /* keeps \n, \r and \t: command output, files */
	CLAW_STR_VISIBLE_NAME, /* escapes them too: one file name on one line */
};

/* Appends s[0..n) to out as text anyone can see and any JSON can carry:
 * every byte that means something is kept.  Control bytes (below 0x20 but
 * for those the mode keeps, and 0x7F) become the visible escape "\xHH", NUL
 * included; each byte that does not start a valid UTF-8 sequence becomes
 * U+FFFD.  Valid UTF-8 passes unchanged, so the function is idempotent.
 * Returns out's sticky status (CLAW_ETOOBIG past its cap). */
enum claw_err claw_str_visible(struct claw_buf *out, const char *s, size_t n,
			       enum claw_str_visible_mode mode);
/* True when s[0..n) needs claw_str_visible (a control byte or invalid
 * UTF-8), false when it would pass unchanged. */
bool claw_str_needs_visible(const char *s, size_t n, enum claw_str_visible_mode mode);

/* True when path is dir or below it: both absolute and normalised (real
 * paths), compared component by component ("/a/bc" is not within "/a/b");
 * everything is within "/". */
bool claw_str_path_within(const char *path, const char *dir);

#endif
