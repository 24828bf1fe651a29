/*
 * test_str — slices, trimming, cutting, strict integers, UTF-8 validation.
 */
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* A slice as a fresh C string, for comparisons. */
static char *
c(struct claw_str s)
{
	return claw_str_dup(s);
}

static void
test_slices(void)
{
	struct claw_str e = claw_str_from(NULL);
	ok(e.n == 0, "from NULL is empty");
	ok(claw_str_eq(e, claw_str_from("")), "empty equals empty");
	ok(claw_str_eq_cstr(e, NULL), "empty equals NULL");
	ok(claw_str_eq(CLAW_STR_LIT("abc"), claw_str_from("abc")), "eq");
	ok(!claw_str_eq(CLAW_STR_LIT("abc"), claw_str_from("abd")), "not eq");
	ok(!claw_str_eq(CLAW_STR_LIT("ab"), claw_str_from("abc")), "length differs");
	ok(claw_str_eq_cstr(CLAW_STR_LIT("x"), "x"), "eq_cstr");
	ok(claw_str_starts_with(CLAW_STR_LIT("CLAW_MODEL"), "CLAW_"), "starts_with");
	ok(!claw_str_starts_with(CLAW_STR_LIT("CLA"), "CLAW_"), "shorter than prefix");
	ok(claw_str_starts_with(CLAW_STR_LIT("x"), ""), "empty prefix");
	ok(claw_str_starts_with(e, ""), "empty prefix of a NULL slice");
	ok(!claw_str_starts_with(e, "a"), "prefix of a NULL slice");

	char *d = c(e);
	is_str(d, "", "dup of empty");
	free(d);
	struct claw_str part = {"hello world", 5};
	d = c(part);
	is_str(d, "hello", "dup stops at n");
	free(d);
}

static void
test_trim(void)
{
	char *d;
	d = c(claw_str_trim(claw_str_from(" \t\r\n\v\fx y \n")));
	is_str(d, "x y", "trim both ends, keep the middle");
	free(d);
	d = c(claw_str_trim(claw_str_from("   ")));
	is_str(d, "", "all blanks");
	free(d);
	d = c(claw_str_trim(claw_str_from("")));
	is_str(d, "", "empty");
	free(d);
	d = c(claw_str_trim(claw_str_from(NULL)));
	is_str(d, "", "NULL slice");
	free(d);
	d = c(claw_str_trim(claw_str_from("a")));
	is_str(d, "a", "nothing to trim");
	free(d);
}

static void
test_cut(void)
{
	struct claw_str rest = claw_str_from("a,b,,c");
	char *d;

	d = c(claw_str_cut(&rest, ','));
	is_str(d, "a", "first field");
	free(d);
	d = c(claw_str_cut(&rest, ','));
	is_str(d, "b", "second field");
	free(d);
	d = c(claw_str_cut(&rest, ','));
	is_str(d, "", "empty field");
	free(d);
	d = c(claw_str_cut(&rest, ','));
	is_str(d, "c", "last field (no separator)");
	free(d);
	is_int(rest.n, 0, "rest empty");
	d = c(claw_str_cut(&rest, ','));
	is_str(d, "", "cut of empty");
	free(d);

	rest = claw_str_from("x,");
	d = c(claw_str_cut(&rest, ','));
	is_str(d, "x", "trailing separator");
	free(d);
	is_int(rest.n, 0, "nothing after a trailing separator");

	rest = claw_str_from(NULL);
	d = c(claw_str_cut(&rest, ','));
	is_str(d, "", "cut of a NULL slice");
	free(d);
	ok(rest.n == 0, "NULL slice stays empty");
}

static void
test_to_i64(void)
{
	static const struct {
		const char *s;
		enum claw_err rc;
		int64_t v;
	} cases[] = {
		{"0", CLAW_OK, 0},
		{"-0", CLAW_OK, 0},
		{"+7", CLAW_OK, 7},
		{"42", CLAW_OK, 42},
		{"-42", CLAW_OK, -42},
		{"007", CLAW_OK, 7},
		{"9223372036854775807", CLAW_OK, INT64_MAX},
		{"-9223372036854775808", CLAW_OK, INT64_MIN},
		{"9223372036854775808", CLAW_ETOOBIG, 0},
		{"-9223372036854775809", CLAW_ETOOBIG, 0},
		{"99999999999999999999999", CLAW_ETOOBIG, 0},
		{"", CLAW_EINVAL, 0},
		{"+", CLAW_EINVAL, 0},
		{"-", CLAW_EINVAL, 0},
		{"+-1", CLAW_EINVAL, 0},
		{" 1", CLAW_EINVAL, 0},
		{"1 ", CLAW_EINVAL, 0},
		{"12x", CLAW_EINVAL, 0},
		{"0x10", CLAW_EINVAL, 0},
		{"1.0", CLAW_EINVAL, 0},
		{"1e3", CLAW_EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t v = 12345;
		enum claw_err rc =
			claw_str_to_i64(claw_str_from(cases[i].s), INT64_MIN, INT64_MAX, &v);
		is_int(rc, cases[i].rc, "to_i64 \"%s\" code", cases[i].s);
		if (cases[i].rc == CLAW_OK)
			is_int(v, cases[i].v, "to_i64 \"%s\" value", cases[i].s);
		else
			is_int(v, 12345, "to_i64 \"%s\" leaves *out", cases[i].s);
	}

	int64_t v = 0;
	is_int(claw_str_to_i64(claw_str_from("10"), 1, 10, &v), CLAW_OK, "at max");
	is_int(claw_str_to_i64(claw_str_from("11"), 1, 10, &v), CLAW_ETOOBIG, "above max");
	is_int(claw_str_to_i64(claw_str_from("0"), 1, 10, &v), CLAW_ETOOBIG, "below min");
	struct claw_str part = {"123456", 3};
	is_int(claw_str_to_i64(part, INT64_MIN, INT64_MAX, &v), CLAW_OK, "slice, not string");
	is_int(v, 123, "only n bytes read");
	struct claw_str nul = {"1\0002", 3};
	is_int(claw_str_to_i64(nul, INT64_MIN, INT64_MAX, &v), CLAW_EINVAL, "NUL inside");
}

static void
test_utf8(void)
{
	static const struct {
		const char *s;
		bool valid;
		const char *what;
	} cases[] = {
		{"", true, "empty"},
		{"plain ascii", true, "ascii"},
		{"caf\xc3\xa9", true, "2-byte"},
		{"\xe2\x82\xac", true, "3-byte (euro)"},
		{"\xf0\x9f\x98\x80", true, "4-byte (emoji)"},
		{"\xef\xbf\xbf", true, "U+FFFF"},
		{"\xf4\x8f\xbf\xbf", true, "U+10FFFF"},
		{"\xed\x9f\xbf", true, "U+D7FF, just below the surrogates"},
		{"\xee\x80\x80", true, "U+E000, just above the surrogates"},
		{"\x80", false, "lone continuation"},
		{"\xbf", false, "lone continuation 2"},
		{"\xc3", false, "truncated 2-byte"},
		{"\xe2\x82", false, "truncated 3-byte"},
		{"\xf0\x9f\x98", false, "truncated 4-byte"},
		{"\xc3(", false, "bad continuation"},
		{"\xc0\x80", false, "overlong NUL"},
		{"\xc1\xbf", false, "overlong 2-byte"},
		{"\xe0\x80\x80", false, "overlong 3-byte"},
		{"\xe0\x9f\xbf", false, "overlong 3-byte (U+07FF)"},
		{"\xf0\x80\x80\x80", false, "overlong 4-byte"},
		{"\xf0\x8f\xbf\xbf", false, "overlong 4-byte (U+FFFF)"},
		{"\xed\xa0\x80", false, "surrogate U+D800"},
		{"\xed\xbf\xbf", false, "surrogate U+DFFF"},
		{"\xed\xa0\xbd\xed\xb8\x80", false, "CESU-8 pair"},
		{"\xf4\x90\x80\x80", false, "U+110000"},
		{"\xf5\x80\x80\x80", false, "lead F5"},
		{"\xfe", false, "FE"},
		{"\xff", false, "FF"},
		{"ok\xc3\xa9then\xff", false, "bad at the end"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(claw_str_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid,
		       "utf8 %s", cases[i].what);
	ok(claw_str_utf8_valid("a\0b", 3), "NUL is valid UTF-8");
	/* ASCII is skipped eight bytes at a time: a sequence anywhere in a
	 * run, and one cut by the end, are still read. */
	int wrong = 0;
	for (size_t at = 0; at < 24; at++) {
		char s[32];
		memset(s, 'a', sizeof s);
		s[at] = (char)0xff;
		wrong += claw_str_utf8_valid(s, sizeof s);
		memcpy(s + at, "\xc3\xa9", 2);
		wrong += !claw_str_utf8_valid(s, sizeof s);
		wrong += claw_str_utf8_valid(s, at + 1); /* é cut after its lead */
		memcpy(s + at, "\xed\xa0\x80", 3);       /* a surrogate */
		wrong += claw_str_utf8_valid(s, sizeof s);
	}
	is_int(wrong, 0, "a bad or cut sequence at every place in ASCII runs");
	ok(claw_str_utf8_valid("\xc3\xa9", 2) && !claw_str_utf8_valid("\xc3\xa9", 1),
	   "length is honoured");
}

static void
test_name_tables(void)
{
	static const char *const names[] = {[0] = "open", [2] = "done"};
	is_int(claw_str_lookup(names, 3, "open"), 0, "lookup finds the first name");
	is_int(claw_str_lookup(names, 3, "done"), 2, "lookup skips a NULL entry");
	is_int(claw_str_lookup(names, 3, "Done"), -1, "lookup is exact");
	is_int(claw_str_lookup(names, 3, NULL), -1, "lookup of NULL is absent");
	is_str(claw_str_name(names, 3, 2, "?"), "done", "name of a valid index");
	is_str(claw_str_name(names, 3, 1, "?"), "?", "a NULL entry gives the fallback");
	is_str(claw_str_name(names, 3, 7, "?"), "?", "an index out of range gives the fallback");
}

/* claw_str_visible of n bytes of s in mode, as a fresh string. */
static char *
visible(const char *s, size_t n, enum claw_str_visible_mode mode)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	(void)claw_str_visible(&b, s, n, mode);
	return claw_buf_steal(&b);
}

static void
test_visible(void)
{
	static const char raw[] = "a\0b\n\tc\r\x1b[1m\x7f\xe9t\xc3\xa9 \xf0\x9f\x98\x80";
	char *t = visible(raw, sizeof raw - 1, CLAW_STR_VISIBLE_TEXT);
	is_str(t, "a\\x00b\n\tc\r\\x1b[1m\\x7f\xef\xbf\xbdt\xc3\xa9 \xf0\x9f\x98\x80",
	       "text: NUL and controls escaped, an invalid byte U+FFFD, UTF-8 kept");
	ok(claw_str_utf8_valid(t, strlen(t)), "the result is valid UTF-8");
	ok(!claw_str_needs_visible(t, strlen(t), CLAW_STR_VISIBLE_TEXT), "and needs nothing more");
	char *again = visible(t, strlen(t), CLAW_STR_VISIBLE_TEXT);
	is_str(again, t, "idempotent");
	free(again);
	free(t);
	t = visible("a\nb\tc", 5, CLAW_STR_VISIBLE_NAME);
	is_str(t, "a\\x0ab\\x09c", "name: line breaks and tabs escaped too");
	free(t);
	t = visible("\xe2\x82", 2, CLAW_STR_VISIBLE_TEXT);
	is_str(t, "\xef\xbf\xbd\xef\xbf\xbd", "a truncated sequence: one U+FFFD per byte");
	free(t);
	ok(!claw_str_needs_visible("plain é\n", 9, CLAW_STR_VISIBLE_TEXT), "plain text passes");
	struct claw_buf small = CLAW_BUF_INIT(4);
	is_int(claw_str_visible(&small, "\x01\x02", 2, CLAW_STR_VISIBLE_TEXT), CLAW_ETOOBIG,
	       "past the buffer's cap: CLAW_ETOOBIG");
	claw_buf_free(&small);
}

static void
test_path_within(void)
{
	ok(claw_str_path_within("/a/b", "/a/b"), "a folder is within itself");
	ok(claw_str_path_within("/a/b/c", "/a/b"), "a child");
	ok(!claw_str_path_within("/a/bc", "/a/b"), "not a sibling with the same prefix");
	ok(!claw_str_path_within("/a", "/a/b"), "not the parent");
	ok(claw_str_path_within("/x", "/"), "everything is within /");
}

static void
test_unfence_and_hash(void)
{
	struct claw_str t = claw_str_unfence(claw_str_from("  ```json\n{\"a\": 1}\n```  "));
	ok(claw_str_eq_cstr(t, "{\"a\": 1}\n"), "a fence around the whole: what is inside");
	t = claw_str_unfence(claw_str_from(" plain \n"));
	ok(claw_str_eq_cstr(t, "plain"), "no fence: trimmed");
	t = claw_str_unfence(claw_str_from("```x``` and more"));
	ok(claw_str_eq_cstr(t, "```x``` and more"), "a fence not around the whole: kept");
	t = claw_str_unfence(claw_str_from("``````"));
	ok(claw_str_eq_cstr(t, "``````"), "a fence with no line: kept");
	t = claw_str_unfence(claw_str_from(NULL));
	is_int((int64_t)t.n, 0, "nothing: empty");
	/* The published FNV-1a 64 test vectors. */
	ok(claw_fnv1a(CLAW_FNV1A_INIT, "", 0) == 0xcbf29ce484222325ULL, "fnv1a of nothing");
	ok(claw_fnv1a(CLAW_FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL, "fnv1a of a");
	ok(claw_fnv1a(claw_fnv1a(CLAW_FNV1A_INIT, "foo", 3), "bar", 3) ==
		   claw_fnv1a(CLAW_FNV1A_INIT, "foobar", 6),
	   "continued in parts: the same as at once");
}

int
main(void)
{
	test_slices();
	test_unfence_and_hash();
	test_trim();
	test_cut();
	test_to_i64();
	test_utf8();
	test_name_tables();
	test_visible();
	test_path_within();
	return tap_done();
}
