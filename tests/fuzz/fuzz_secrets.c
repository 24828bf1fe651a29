/*
 * fuzz_secrets — libFuzzer target for a project's secrets file
 * (claw_secrets_parse and claw_secrets_redact, src/tool/secrets.c).
 *
 * Input: the file.  Properties: a set or an error with a message, never
 * both; every name matches [A-Z][A-Z0-9_]* within the length cap, every
 * value within CLAW_SECRETS_VALUE_MIN..MAX bytes and without NUL or
 * newline; at most CLAW_SECRETS_COUNT_MAX of them, longest value first;
 * writing the set back as NAME='value' lines parses to the same set;
 * redacting a value alone gives exactly "[redacted NAME]" of the first
 * variable holding it; redacting the input itself works within a buffer of
 * a bounded size.
 * Seeds in tests/fuzz/seeds/secrets, words in secrets.dict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "fuzz.h"
#include "tool/secrets.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claw_secrets *s = NULL, *t = NULL;
	struct claw_error err = {0};
	enum claw_err rc = claw_secrets_parse((const char *)data, size, "/p.secrets", &s, &err);

	if (rc != CLAW_OK) {
		fuzz_check(s == NULL && err.msg[0] != '\0', "an error and a set");
		fuzz_check(strncmp(err.msg, "/p.secrets", 10) == 0, "error does not name the file");
		return 0;
	}
	size_t n = claw_secrets_count(s);
	fuzz_check(n <= CLAW_SECRETS_COUNT_MAX, "too many secrets");
	struct claw_buf back = CLAW_BUF_INIT(1u << 24);
	for (size_t i = 0; i < n; i++) {
		const char *name = claw_secrets_name(s, i), *value = claw_secrets_value(s, i);
		size_t nl = strlen(name), vl = strlen(value);
		fuzz_check(nl >= 1 && nl <= CLAW_SECRETS_NAME_MAX && name[0] >= 'A' &&
				   name[0] <= 'Z',
			   "bad name");
		fuzz_check(strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == nl, "bad name");
		fuzz_check(vl >= CLAW_SECRETS_VALUE_MIN && vl <= CLAW_SECRETS_VALUE_MAX,
			   "value length");
		fuzz_check(strchr(value, '\n') == NULL, "newline in a value");
		if (i > 0)
			fuzz_check(strlen(claw_secrets_value(s, i - 1)) >= vl, "not longest first");
		(void)claw_buf_printf(&back, "%s='%s'\n", name, value);

		/* A value alone is redacted whole, under the first name holding it. */
		struct claw_buf red = CLAW_BUF_INIT(1u << 16);
		size_t first = i;
		for (size_t k = 0; k < i; k++)
			if (strcmp(claw_secrets_value(s, k), value) == 0) {
				first = k;
				break;
			}
		char *want = claw_xasprintf("[redacted %s]", claw_secrets_name(s, first));
		fuzz_check(claw_secrets_redact(s, value, vl, &red) == CLAW_OK, "redact failed");
		fuzz_check(strcmp(claw_buf_str(&red), want) == 0, "a value is not redacted whole");
		free(want);
		claw_buf_free(&red);
	}
	rc = claw_secrets_parse(claw_buf_str(&back), claw_buf_len(&back), "again", &t, &err);
	fuzz_check(rc == CLAW_OK && claw_secrets_count(t) == n, "set written back does not parse");
	for (size_t i = 0; i < n; i++)
		fuzz_check(strcmp(claw_secrets_name(s, i), claw_secrets_name(t, i)) == 0 &&
				   strcmp(claw_secrets_value(s, i), claw_secrets_value(t, i)) == 0,
			   "set written back reads differently");
	/* Redacting the file itself: "[redacted NAME]" is at most 75 bytes for
	 * a value of at least 8, so 10x the input always fits. */
	struct claw_buf all = CLAW_BUF_INIT(size * 10 + 64);
	fuzz_check(claw_secrets_redact(s, (const char *)data, size, &all) == CLAW_OK,
		   "redacting the input overflows");
	claw_buf_free(&all);
	claw_buf_free(&back);
	claw_secrets_free(t);
	claw_secrets_free(s);
	return 0;
}
