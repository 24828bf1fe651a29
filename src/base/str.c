/*
 * str — slices, trimming, strict integer parsing, UTF-8 validation.
 */
#include "base/str.h"

#include <string.h>

#include "base/mem.h"

struct claw_str
claw_str_from(const char *s)
{
	struct claw_str r = {s, s != NULL ? strlen(s) : 0};
	return r;
}

bool
claw_str_eq(struct claw_str a, struct claw_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool
claw_str_eq_cstr(struct claw_str a, const char *s)
{
	return claw_str_eq(a, claw_str_from(s));
}

bool
claw_str_starts_with(struct claw_str a, const char *prefix)
{
	size_t n = strlen(prefix);
	/* n == 0 first: a.p may be NULL, and memcmp(NULL, ..., 0) is undefined. */
	return a.n >= n && (n == 0 || memcmp(a.p, prefix, n) == 0);
}

uint64_t
claw_fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct claw_str
claw_str_trim(struct claw_str a)
{
	while (a.n > 0 && is_space(a.p[0])) {
		a.p++;
		a.n--;
	}
	while (a.n > 0 && is_space(a.p[a.n - 1]))
		a.n--;
	return a;
}

struct claw_str
claw_str_unfence(struct claw_str a)
{
	struct claw_str t = claw_str_trim(a);
	const char *nl;

	if (!claw_str_starts_with(t, "```") || t.n < 6 || memcmp(t.p + t.n - 3, "```", 3) != 0)
		return t;
	nl = memchr(t.p, '\n', t.n);
	if (nl == NULL)
		return t;
	t.n -= (size_t)(nl + 1 - t.p) + 3;
	t.p = nl + 1;
	return t;
}

struct claw_str
claw_str_cut(struct claw_str *rest, char sep)
{
	struct claw_str head = *rest;
	const char *hit = rest->n != 0 ? memchr(rest->p, sep, rest->n) : NULL;
	if (hit == NULL) {
		if (rest->n != 0) /* NULL + 0 is undefined too */
			rest->p += rest->n;
		rest->n = 0;
		return head;
	}
	head.n = (size_t)(hit - rest->p);
	rest->n -= head.n + 1;
	rest->p = hit + 1;
	return head;
}

char *
claw_str_dup(struct claw_str a)
{
	return claw_xstrndup(a.n != 0 ? a.p : "", a.n);
}

enum claw_err
claw_str_to_i64(struct claw_str a, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0;
	/* Magnitude limit: INT64_MAX, or INT64_MAX + 1 for negatives. */
	uint64_t limit;

	if (a.n == 0)
		return CLAW_EINVAL;
	if (a.p[0] == '+' || a.p[0] == '-') {
		neg = a.p[0] == '-';
		i = 1;
	}
	if (i == a.n)
		return CLAW_EINVAL;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < a.n; i++) {
		char c = a.p[i];
		if (c < '0' || c > '9')
			return CLAW_EINVAL;
		unsigned d = (unsigned)(c - '0');
		if (v > (limit - d) / 10)
			return CLAW_ETOOBIG;
		v = v * 10 + d;
	}
	int64_t r;
	if (neg)
		r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		r = (int64_t)v;
	if (r < min || r > max)
		return CLAW_ETOOBIG;
	*out = r;
	return CLAW_OK;
}

int
claw_str_lookup(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (table[i] != NULL && strcmp(table[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
claw_str_name(const char *const *table, size_t n, unsigned i, const char *fallback)
{
	return i < n && table[i] != NULL ? table[i] : fallback;
}

size_t
claw_str_utf8_seq(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

bool
claw_str_utf8_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		/* Runs of ASCII, most of any text, eight bytes at a time. */
		uint64_t w;
		while (i + 8 <= n &&
		       (memcpy(&w, s + i, 8), (w & UINT64_C(0x8080808080808080)) == 0))
			i += 8;
		while (i < n && (unsigned char)s[i] < 0x80)
			i++;
		if (i == n)
			break;
		size_t len = claw_str_utf8_seq(s + i, n - i);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

/* The byte at s[0..n) as it passes claw_str_visible: its length when it
 * passes unchanged, 0 when it must be escaped or replaced. */
static size_t
visible_seq(const char *s, size_t n, enum claw_str_visible_mode mode)
{
	unsigned char c = (unsigned char)s[0];
	if (c == 0x7F)
		return 0;
	if (c < 0x20)
		return mode == CLAW_STR_VISIBLE_TEXT && (c == '\n' || c == '\r' || c == '\t');
	return claw_str_utf8_seq(s, n);
}

bool
claw_str_needs_visible(const char *s, size_t n, enum claw_str_visible_mode mode)
{
	for (size_t i = 0; i < n;) {
		size_t len = visible_seq(s + i, n - i, mode);
		if (len == 0)
			return true;
		i += len;
	}
	return false;
}

enum claw_err
claw_str_visible(struct claw_buf *out, const char *s, size_t n, enum claw_str_visible_mode mode)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0; /* s[run..i) passes unchanged */

	while (i < n) {
		size_t len = visible_seq(s + i, n - i, mode);
		if (len != 0) {
			i += len;
			continue;
		}
		(void)claw_buf_append(out, s + run, i - run);
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F) {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			(void)claw_buf_append(out, esc, sizeof esc);
		} else {
			(void)claw_buf_append(out, "\xef\xbf\xbd", 3); /* U+FFFD */
		}
		run = ++i;
	}
	return claw_buf_append(out, s + run, n - run);
}

bool
claw_str_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

size_t
claw_str_utf8_floor(const char *s, size_t at)
{
	while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
		at--;
	return at;
}
