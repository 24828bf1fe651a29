/*
 * test_json — strict parsing, typed getters and their messages, escaping.
 */
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Parses text (a C string) and returns the error message, "" on success. */
static const char *
parse_msg(const char *text, struct claw_error *e)
{
	struct json_object *o = NULL;
	claw_error_clear(e);
	enum claw_err rc = claw_json_parse(text, strlen(text), &o, e);
	json_object_put(o);
	return rc == CLAW_OK ? "" : claw_error_text(e);
}

static void
test_parse_ok(void)
{
	struct claw_error e;
	struct json_object *o = NULL;
	const char *good[] = {"{}",
			      "[]",
			      " \t\r\n{\"a\":[1,2.5,-3e2,true,false,null,\"x\"]} \n",
			      "0",
			      "-0",
			      "1.5e+3",
			      "\"\\u00e9\\n\"",
			      "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
			      "9223372036854775807",
			      "-9223372036854775808",
			      "18446744073709551615",
			      "1e400",
			      "\"raw\nnewline\"",
			      NULL};
	for (int i = 0; good[i] != NULL; i++)
		is_str(parse_msg(good[i], &e), "", "parses good[%d]", i);

	is_int(claw_json_parse("null", 4, &o, &e), CLAW_OK, "null parses");
	ok(o == NULL, "null is NULL");

	/* Not NUL-terminated: the length is what counts. */
	const char part[] = {'[', '1', '2', ']', 'x'};
	is_int(claw_json_parse(part, 4, &o, &e), CLAW_OK, "parse honours len");
	is_str(claw_json_text(o), "[12]", "the value");
	json_object_put(o);
	const char num[] = {'4', '2', '7'};
	is_int(claw_json_parse(num, 2, &o, &e), CLAW_OK, "number at the end of len");
	is_int(json_object_get_int64(o), 42, "the number");
	json_object_put(o);

	is_int(claw_json_parse(NULL, 0, &o, &e), CLAW_EINVAL, "NULL, 0 is empty input");
	ok(o == NULL, "out stays NULL on failure");
}

static void
test_parse_errors(void)
{
	struct claw_error e;
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{"", "invalid JSON at byte 0: unexpected end of data"},
		{"   ", "invalid JSON at byte 3: unexpected end of data"},
		{"[1,2", "invalid JSON at byte 4: unexpected end of data"},
		{"{\"a\":1,}", "invalid JSON at byte 7: unexpected character"},
		{"[1,]", "invalid JSON at byte 3: unexpected character"},
		{"{a:1}", "invalid JSON at byte 1: quoted object property name expected"},
		{"'x'", "invalid JSON at byte 0: unexpected character"},
		{"{} x", "invalid JSON at byte 3: unexpected character"},
		{"{}{}", "invalid JSON at byte 2: unexpected character"},
		{"1 2", "invalid JSON at byte 2: unexpected character"},
		{"[1 2]", "invalid JSON at byte 3: array value separator ',' expected"},
		{"True", "invalid JSON at byte 0: boolean expected"},
		{"NaN", "invalid JSON at byte 0: NaN and Infinity are not JSON"},
		{"[1,Infinity]", "invalid JSON at byte 3: NaN and Infinity are not JSON"},
		{"{\"a\":-Infinity}", "invalid JSON at byte 5: NaN and Infinity are not JSON"},
		{"1.", "invalid JSON at byte 0: invalid number"},
		{"[-01]", "invalid JSON at byte 1: invalid number"},
		{"01", "invalid JSON at byte 0: invalid number"},
		{"[1e]", "invalid JSON at byte 1: invalid number"},
		{"[-]", "invalid JSON at byte 1: invalid number"},
		{"9223372036854775807 1", "invalid JSON at byte 20: unexpected character"},
		{"-9223372036854775809", "invalid JSON at byte 0: integer out of range"},
		{"[18446744073709551616]", "invalid JSON at byte 1: integer out of range"},
		{"\"\xff\"", "invalid JSON at byte 1: invalid UTF-8"},
		{"\"\xc0\x80\"", "invalid JSON at byte 1: invalid UTF-8"},         /* overlong */
		{"\"\xed\xa0\x80\"", "invalid JSON at byte 1: invalid UTF-8"},     /* surrogate */
		{"\"\xf4\x90\x80\x80\"", "invalid JSON at byte 1: invalid UTF-8"}, /* > U+10FFFF */
		{"[\"\\x\"]", "invalid JSON at byte 3: invalid string sequence"},
		/* the earlier problem wins: json-c's here, before the bad number */
		{"[} 01", "invalid JSON at byte 1: unexpected character"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_str(parse_msg(bad[i].text, &e), bad[i].msg, "rejects bad[%zu]", i);
	is_int(e.code, CLAW_EINVAL, "code is CLAW_EINVAL");

	/* NUL bytes, which json-c would take as the end of input. */
	struct json_object *o = NULL;
	is_int(claw_json_parse("{} \0 x", 6, &o, &e), CLAW_EINVAL, "NUL after the value");
	is_str(e.msg, "invalid JSON at byte 3: NUL byte", "NUL message");
	is_int(claw_json_parse("\"a\0b\"", 5, &o, &e), CLAW_EINVAL, "NUL inside a string");
	has_str(e.msg, "byte 2: NUL byte", "NUL offset");
	ok(o == NULL, "no object on failure");
}

static void
test_depth(void)
{
	struct claw_error e;
	char text[2 * (CLAW_JSON_DEPTH_MAX + 1) + 4];
	int n;

	/* Exactly the cap, with a scalar inside: accepted. */
	n = 0;
	for (int i = 0; i < CLAW_JSON_DEPTH_MAX; i++)
		text[n++] = '[';
	text[n++] = '1';
	for (int i = 0; i < CLAW_JSON_DEPTH_MAX; i++)
		text[n++] = ']';
	text[n] = '\0';
	is_str(parse_msg(text, &e), "", "depth %d accepted", CLAW_JSON_DEPTH_MAX);

	/* One more: rejected at the bracket that goes too deep. */
	n = 0;
	for (int i = 0; i < CLAW_JSON_DEPTH_MAX + 1; i++)
		text[n++] = '[';
	for (int i = 0; i < CLAW_JSON_DEPTH_MAX + 1; i++)
		text[n++] = ']';
	text[n] = '\0';
	is_str(parse_msg(text, &e), "invalid JSON at byte 64: nesting deeper than 64",
	       "depth %d rejected", CLAW_JSON_DEPTH_MAX + 1);

	/* Brackets inside strings do not count. */
	struct claw_buf b = CLAW_BUF_INIT(4096);
	(void)claw_buf_putc(&b, '"');
	for (int i = 0; i < 200; i++)
		(void)claw_buf_puts(&b, "[{");
	(void)claw_buf_putc(&b, '"');
	is_str(parse_msg(claw_buf_str(&b), &e), "", "brackets in strings are text");
	claw_buf_free(&b);
}

static struct json_object *
parse(const char *text)
{
	struct json_object *o = NULL;
	struct claw_error e;
	if (claw_json_parse(text, strlen(text), &o, &e) != CLAW_OK)
		tap_diag("parse failed: %s", e.msg);
	return o;
}

static void
test_get_string(void)
{
	struct claw_error e;
	struct json_object *o = parse("{\"title\":\"Fix it\",\"n\":3,\"z\":null,"
				      "\"nul\":\"a\\u0000b\",\"e\":\"\"}");
	const char *s = NULL;

	is_int(claw_json_get_string(o, "title", CLAW_JSON_REQUIRED, &s, &e), CLAW_OK, "string");
	is_str(s, "Fix it", "string value");
	is_int(claw_json_get_string(o, "e", CLAW_JSON_REQUIRED, &s, &e), CLAW_OK, "empty string");
	is_str(s, "", "empty string value");

	is_int(claw_json_get_string(o, "missing", CLAW_JSON_REQUIRED, &s, &e), CLAW_EINVAL,
	       "missing required");
	is_str(e.msg, "missing field \"missing\"", "missing message");

	s = "default";
	is_int(claw_json_get_string(o, "missing", CLAW_JSON_OPTIONAL, &s, &e), CLAW_OK,
	       "missing optional");
	is_str(s, "default", "absent optional leaves *out");

	is_int(claw_json_get_string(o, "n", CLAW_JSON_REQUIRED, &s, &e), CLAW_EINVAL, "number");
	is_str(e.msg, "field \"n\" must be a string", "type message");
	is_int(claw_json_get_string(o, "n", CLAW_JSON_OPTIONAL, &s, &e), CLAW_EINVAL,
	       "optional does not excuse a wrong type");

	is_int(claw_json_get_string(o, "z", CLAW_JSON_OPTIONAL, &s, &e), CLAW_EINVAL,
	       "null without NULLABLE");
	is_str(e.msg, "field \"z\" must be a string", "null is a wrong type");
	s = "default";
	is_int(claw_json_get_string(o, "z", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, &s, &e),
	       CLAW_OK, "null with NULLABLE");
	is_str(s, "default", "null counts as absent");
	is_int(claw_json_get_string(o, "z", CLAW_JSON_NULLABLE, &s, &e), CLAW_EINVAL,
	       "required null with NULLABLE");
	is_str(e.msg, "missing field \"z\"", "required null is missing");

	is_int(claw_json_get_string(o, "nul", CLAW_JSON_REQUIRED, &s, &e), CLAW_EINVAL,
	       "embedded NUL");
	is_str(e.msg, "field \"nul\" must not contain NUL bytes", "NUL message");

	struct json_object *arr = parse("[1]");
	is_int(claw_json_get_string(arr, "x", CLAW_JSON_REQUIRED, &s, &e), CLAW_EINVAL,
	       "not an object");
	is_str(e.msg, "expected a JSON object", "not an object message");
	is_int(claw_json_get_string(NULL, "x", CLAW_JSON_OPTIONAL, &s, &e), CLAW_EINVAL,
	       "NULL object");
	json_object_put(arr);

	/* Keys in messages are quoted and escaped. */
	is_int(claw_json_get_string(o, "a\"b\n", CLAW_JSON_REQUIRED, &s, &e), CLAW_EINVAL,
	       "odd key");
	is_str(e.msg, "missing field \"a\\\"b\\n\"", "odd key escaped");
	json_object_put(o);
}

static void
test_get_int64(void)
{
	struct claw_error e;
	struct json_object *o =
		parse("{\"a\":7,\"neg\":-3,\"f\":3.0,\"exp\":1e3,\"frac\":1.5,\"s\":\"7\","
		      "\"big\":18446744073709551615,\"max\":9223372036854775807,"
		      "\"min\":-9223372036854775808,\"huge\":1e300,\"inf\":1e400,"
		      "\"b\":true,\"twoto63\":9223372036854775808.0}");
	int64_t v = -1;

	is_int(claw_json_get_int64(o, "a", 0, 0, 10, &v, &e), CLAW_OK, "int");
	is_int(v, 7, "int value");
	is_int(claw_json_get_int64(o, "neg", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_OK, "neg");
	is_int(v, -3, "neg value");
	is_int(claw_json_get_int64(o, "f", 0, 0, 10, &v, &e), CLAW_OK, "3.0 is an integer");
	is_int(v, 3, "3.0 value");
	is_int(claw_json_get_int64(o, "exp", 0, 0, 5000, &v, &e), CLAW_OK, "1e3 is an integer");
	is_int(v, 1000, "1e3 value");
	is_int(claw_json_get_int64(o, "max", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_OK, "max");
	is_int(v, INT64_MAX, "INT64_MAX");
	is_int(claw_json_get_int64(o, "min", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_OK, "min");
	is_int(v, INT64_MIN, "INT64_MIN");

	v = 99;
	is_int(claw_json_get_int64(o, "frac", 0, 0, 10, &v, &e), CLAW_EINVAL, "1.5");
	is_str(e.msg, "field \"frac\" must be an integer", "fraction message");
	is_int(v, 99, "*out untouched on error");
	is_int(claw_json_get_int64(o, "s", 0, 0, 10, &v, &e), CLAW_EINVAL, "string");
	is_str(e.msg, "field \"s\" must be an integer", "string message");
	is_int(claw_json_get_int64(o, "b", 0, 0, 10, &v, &e), CLAW_EINVAL, "bool");
	is_int(claw_json_get_int64(o, "a", 0, 0, 5, &v, &e), CLAW_EINVAL, "above max");
	is_str(e.msg, "field \"a\" must be an integer from 0 to 5, got 7", "range message");
	is_int(claw_json_get_int64(o, "neg", 0, 0, 5, &v, &e), CLAW_EINVAL, "below min");
	is_str(e.msg, "field \"neg\" must be an integer from 0 to 5, got -3", "below message");
	is_int(claw_json_get_int64(o, "big", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_EINVAL,
	       "past INT64_MAX (json-c saturates; we do not)");
	has_str(e.msg, "got 18446744073709551615", "big message");
	is_int(claw_json_get_int64(o, "huge", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_EINVAL,
	       "1e300");
	has_str(e.msg, "must be an integer from", "1e300 is out of range");
	is_int(claw_json_get_int64(o, "twoto63", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_EINVAL,
	       "2^63 as a double");
	is_int(claw_json_get_int64(o, "inf", 0, INT64_MIN, INT64_MAX, &v, &e), CLAW_EINVAL,
	       "1e400 (inf)");
	is_int(claw_json_get_int64(o, "nope", 0, 0, 1, &v, &e), CLAW_EINVAL, "missing");
	is_str(e.msg, "missing field \"nope\"", "missing message");
	v = 5;
	is_int(claw_json_get_int64(o, "nope", CLAW_JSON_OPTIONAL, 0, 1, &v, &e), CLAW_OK,
	       "optional absent");
	is_int(v, 5, "default kept");
	json_object_put(o);
}

static void
test_get_others(void)
{
	struct claw_error e;
	struct json_object *o = parse("{\"b\":false,\"o\":{\"x\":1},\"a\":[1,2],\"n\":0}");
	bool b = true;
	struct json_object *v = NULL;

	is_int(claw_json_get_bool(o, "b", 0, &b, &e), CLAW_OK, "bool");
	ok(!b, "bool value");
	is_int(claw_json_get_bool(o, "n", 0, &b, &e), CLAW_EINVAL, "0 is not a bool");
	is_str(e.msg, "field \"n\" must be a boolean", "bool message");
	is_int(claw_json_get_bool(o, "q", 0, &b, &e), CLAW_EINVAL, "missing bool");
	is_str(e.msg, "missing field \"q\"", "missing bool message");

	is_int(claw_json_get_object(o, "o", 0, &v, &e), CLAW_OK, "object");
	is_str(claw_json_text(v), "{\"x\":1}", "object value");
	is_int(claw_json_get_object(o, "a", 0, &v, &e), CLAW_EINVAL, "array is not an object");
	is_str(e.msg, "field \"a\" must be an object", "object message");

	is_int(claw_json_get_array(o, "a", 0, &v, &e), CLAW_OK, "array");
	is_int(json_object_array_length(v), 2, "array length");
	is_int(claw_json_get_array(o, "o", 0, &v, &e), CLAW_EINVAL, "object is not an array");
	is_str(e.msg, "field \"o\" must be an array", "array message");
	v = NULL;
	is_int(claw_json_get_array(o, "none", CLAW_JSON_OPTIONAL, &v, &e), CLAW_OK,
	       "optional array");
	ok(v == NULL, "absent array leaves NULL");
	json_object_put(o);
}

static void
test_check_keys(void)
{
	struct claw_error e;
	static const char *const allowed[] = {"title", "description", NULL};
	static const char *const none[] = {NULL};
	struct json_object *o = parse("{\"title\":\"t\",\"description\":\"d\"}");

	is_int(claw_json_check_keys(o, allowed, &e), CLAW_OK, "all known");
	is_int(claw_json_check_keys(o, none, &e), CLAW_EINVAL, "nothing allowed");
	is_str(e.msg, "unknown field \"title\"", "first unknown in document order");
	json_object_put(o);

	o = parse("{\"title\":\"t\",\"titel\":\"typo\"}");
	is_int(claw_json_check_keys(o, allowed, &e), CLAW_EINVAL, "typo");
	is_str(e.msg, "unknown field \"titel\"", "typo message");
	json_object_put(o);

	/* A hostile key is escaped and clipped. */
	struct claw_buf b = CLAW_BUF_INIT(4096);
	(void)claw_buf_puts(&b, "{\"");
	for (int i = 0; i < 100; i++)
		(void)claw_buf_puts(&b, "\\n");
	(void)claw_buf_puts(&b, "\":1}");
	o = parse(claw_buf_str(&b));
	is_int(claw_json_check_keys(o, allowed, &e), CLAW_EINVAL, "long key");
	ok(strlen(e.msg) < 200 && strstr(e.msg, "\\n\\n\"...") != NULL, "clipped: %s", e.msg);
	json_object_put(o);
	claw_buf_free(&b);

	o = parse("[]");
	is_int(claw_json_check_keys(o, allowed, &e), CLAW_EINVAL, "array");
	is_str(e.msg, "expected a JSON object", "array message");
	json_object_put(o);
}

static void
test_check_type(void)
{
	struct claw_error e;
	struct json_object *o = parse("[{},\"s\",2,2.5,null,true]");

	is_int(claw_json_check_type(json_object_array_get_idx(o, 0), json_type_object, "steps[0]",
				    &e),
	       CLAW_OK, "object ok");
	is_int(claw_json_check_type(json_object_array_get_idx(o, 1), json_type_object, "steps[1]",
				    &e),
	       CLAW_EINVAL, "string is not an object");
	is_str(e.msg, "steps[1] must be an object", "check_type message");
	is_int(claw_json_check_type(json_object_array_get_idx(o, 2), json_type_double, "x", &e),
	       CLAW_OK, "int is a number");
	is_int(claw_json_check_type(json_object_array_get_idx(o, 3), json_type_int, "x", &e),
	       CLAW_EINVAL, "2.5 is not an integer");
	is_str(e.msg, "x must be an integer", "integer message");
	is_int(claw_json_check_type(json_object_array_get_idx(o, 4), json_type_null, "x", &e),
	       CLAW_OK, "null is null");
	is_int(claw_json_check_type(o, json_type_string, "the body", &e), CLAW_EINVAL, "array");
	is_str(e.msg, "the body must be a string", "string message");

	is_str(claw_json_type_name(json_object_array_get_idx(o, 0)), "object", "name object");
	is_str(claw_json_type_name(json_object_array_get_idx(o, 1)), "string", "name string");
	is_str(claw_json_type_name(json_object_array_get_idx(o, 2)), "number", "name int");
	is_str(claw_json_type_name(json_object_array_get_idx(o, 3)), "number", "name double");
	is_str(claw_json_type_name(NULL), "null", "name null");
	is_str(claw_json_type_name(json_object_array_get_idx(o, 5)), "boolean", "name bool");
	is_str(claw_json_type_name(o), "array", "name array");
	json_object_put(o);
}

static void
test_text(void)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string("a/b"));
	json_object_object_add(o, "n", json_object_new_int64(-5));
	json_object_object_add(o, "l", json_object_new_array());
	is_str(claw_json_text(o), "{\"path\":\"a/b\",\"n\":-5,\"l\":[]}", "compact, / unescaped");
	json_object_put(o);
	is_str(claw_json_text(NULL), "null", "NULL is null");

	/* Parse and print round trip keeps number text. */
	o = parse(" { \"x\" : [ 1.50 , 2 ] } ");
	is_str(claw_json_text(o), "{\"x\":[1.50,2]}", "round trip");
	json_object_put(o);
}

/* Escapes s[0..n) into a fresh string. */
static char *
esc(const char *s, size_t n)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	(void)claw_json_buf_append_string(&b, s, n);
	return claw_buf_steal(&b);
}

static void
test_escape(void)
{
	char *s;

	s = esc("plain", 5);
	is_str(s, "\"plain\"", "plain");
	free(s);
	s = esc("q\"b\\s/", 6);
	is_str(s, "\"q\\\"b\\\\s/\"", "quote and backslash");
	free(s);
	s = esc("\b\f\n\r\t\x01\x1f\x7f", 8);
	is_str(s, "\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"", "control characters");
	free(s);
	s = esc("a\0b", 3);
	is_str(s, "\"a\\u0000b\"", "NUL inside");
	free(s);
	s = esc("caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
	is_str(s, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "valid UTF-8 kept");
	free(s);
	s = esc("a\xff"
		"b\xc0\x80"
		"c\xed\xa0\x80"
		"d\xe2\x82",
		12);
	is_str(s, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"",
	       "invalid bytes become U+FFFD each");
	free(s);
	s = esc("x\xe2\x80\xa8y\xe2\x80\xa9", 8);
	is_str(s, "\"x\\u2028y\\u2029\"", "line separators escaped");
	free(s);
	s = esc(NULL, 0);
	is_str(s, "\"\"", "NULL, 0");
	free(s);

	/* The output parses back to the input. */
	const char in[] = "tab\there \"q\" \\ \x01 \xc3\xa9";
	s = esc(in, sizeof in - 1);
	struct json_object *o = parse(s);
	is_str(json_object_get_string(o), in, "round trip through json-c");
	json_object_put(o);
	free(s);

	/* Cap: nothing of a string that does not fit is left behind. */
	struct claw_buf b = CLAW_BUF_INIT(8);
	(void)claw_buf_puts(&b, "ab");
	is_int(claw_json_buf_append_string(&b, "0123456789", 10), CLAW_ETOOBIG, "over the cap");
	is_str(claw_buf_str(&b), "ab", "contents as before");
	is_int(claw_json_buf_append_string(&b, "", 0), CLAW_ETOOBIG, "sticky");
	claw_buf_free(&b);
}

static void
test_usd(void)
{
	static const struct {
		int64_t micros;
		const char *text;
	} cases[] = {{0, "0.000000"},
		     {5, "0.000005"},
		     {1234567, "1.234567"},
		     {-5, "-0.000005"},
		     {-2500000, "-2.500000"},
		     {INT64_MIN, "-9223372036854.775808"},
		     {INT64_MAX, "9223372036854.775807"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct claw_buf b = CLAW_BUF_INIT(64);
		struct json_object *v = NULL;
		is_int(claw_json_buf_append_usd(&b, cases[i].micros), CLAW_OK, "usd %zu", i);
		is_str(claw_buf_str(&b), cases[i].text, "%lld micros", (long long)cases[i].micros);
		ok(claw_json_parse(claw_buf_str(&b), claw_buf_len(&b), &v, NULL) == CLAW_OK &&
			   json_object_is_type(v, json_type_double),
		   "a JSON number");
		json_object_put(v);
		claw_buf_free(&b);
	}
}

int
main(void)
{
	test_parse_ok();
	test_parse_errors();
	test_depth();
	test_get_string();
	test_get_int64();
	test_get_others();
	test_check_keys();
	test_check_type();
	test_text();
	test_escape();
	test_usd();
	return tap_done();
}
