/*
 * test_secrets — the secrets file: its mode check, line rules, messages that
 * never show a value, and redaction longest first.
 */
#include "tool/secrets.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static char dir[4096];

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[4200];
	(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	(void)unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t n = strlen(text);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		(void)close(fd);
	(void)chmod(path, mode);
	return path;
}

/* Parses text; returns the message ("" on success) and keeps the set. */
static const char *
parse(const char *text, struct claw_secrets **out)
{
	static struct claw_error err;
	claw_error_clear(&err);
	*out = NULL;
	if (claw_secrets_parse(text, strlen(text), "f", out, &err) == CLAW_OK)
		return "";
	return err.msg;
}

static const char *
redact(const struct claw_secrets *s, const char *text)
{
	static struct claw_buf b = CLAW_BUF_INIT(4096);
	claw_buf_reset(&b);
	(void)claw_secrets_redact(s, text, strlen(text), &b);
	return claw_buf_str(&b);
}

static void
test_parse(void)
{
	struct claw_secrets *s = NULL;

	is_str(parse("# comment\n\nA_TOKEN=abcdefgh\r\n  B2 = \"quoted value\"  \nC='x y z w v'\n",
		     &s),
	       "", "comments, blanks, CRLF, spaces and quotes");
	is_int(claw_secrets_count(s), 3, "three secrets");
	is_str(claw_secrets_name(s, 0), "B2", "longest value first");
	is_str(claw_secrets_value(s, 0), "quoted value", "quotes stripped");
	is_str(claw_secrets_value(s, 2), "abcdefgh", "exactly 8 characters is enough");
	claw_secrets_free(s);

	is_str(parse("TOKEN=short7\n", &s), "f:1: the value of TOKEN is shorter than 8 characters",
	       "short value refused, not shown");
	is_str(parse("\nlower=abcdefghij\n", &s),
	       "f:2: bad name (want [A-Z][A-Z0-9_]*, at most 64 bytes)", "lower-case name");
	is_str(parse("1ABC=abcdefghij\n", &s),
	       "f:1: bad name (want [A-Z][A-Z0-9_]*, at most 64 bytes)",
	       "name starting with a digit");
	is_str(parse("sk-abcdefghijkl\n", &s), "f:1: expected NAME=value",
	       "a pasted value alone is not echoed");
	is_str(parse("A=abcdefghij\nA=klmnopqrst\n", &s), "f:2: A is set twice", "duplicates");
	is_str(parse("=abcdefghij\n", &s), "f:1: bad name (want [A-Z][A-Z0-9_]*, at most 64 bytes)",
	       "empty name");
	is_str(parse("", &s), "", "empty file");
	is_int(claw_secrets_count(s), 0, "no secrets");
	claw_secrets_free(s);
	is_int(claw_secrets_count(NULL), 0, "NULL set counts 0");
}

static void
test_load(void)
{
	struct claw_secrets *s = NULL;
	struct claw_error err = {0};
	char path[4200];

	(void)snprintf(path, sizeof path, "%s/missing.secrets", dir);
	is_int(claw_secrets_load(path, &s, &err), CLAW_OK, "a missing file is fine");
	is_int(claw_secrets_count(s), 0, "and empty");
	claw_secrets_free(s);

	const char *p = write_file("open.secrets", "A=abcdefghij\n", 0644);
	is_int(claw_secrets_load(p, &s, &err), CLAW_ECONFIG, "mode 0644 refused");
	char want[9000];
	(void)snprintf(want, sizeof want,
		       "secrets file %s must not be accessible by others (mode 0644): run chmod "
		       "600 %s",
		       p, p);
	is_str(err.msg, want, "with the chmod hint");
	p = write_file("group.secrets", "A=abcdefghij\n", 0640);
	is_int(claw_secrets_load(p, &s, &err), CLAW_ECONFIG, "mode 0640 refused");

	p = write_file("ok.secrets", "A=abcdefghij\n", 0600);
	is_int(claw_secrets_load(p, &s, &err), CLAW_OK, "mode 0600 accepted");
	is_int(claw_secrets_count(s), 1, "one secret");
	claw_secrets_free(s);
	p = write_file("ro.secrets", "A=abcdefghij\n", 0400);
	is_int(claw_secrets_load(p, &s, &err), CLAW_OK, "mode 0400 accepted");
	claw_secrets_free(s);

	char link[4200];
	(void)snprintf(link, sizeof link, "%s/link.secrets", dir);
	(void)symlink(p, link);
	is_int(claw_secrets_load(link, &s, &err), CLAW_ECONFIG, "a symlink is refused");
	has_str(err.msg, "symbolic link", "says why");

	p = write_file("bad.secrets", "A=abcdefghij\nB=1234\n", 0600);
	is_int(claw_secrets_load(p, &s, &err), CLAW_EINVAL, "bad line");
	has_str(err.msg, "bad.secrets:2: the value of B", "names file, line and variable");
	ok(strstr(err.msg, "1234") == NULL, "but never the value");

	char *sp = claw_secrets_path("/h", "home-a-p");
	is_str(sp, "/h/projects/home-a-p.secrets", "path of a project's secrets");
	free(sp);
}

static void
test_redact(void)
{
	struct claw_secrets *s = NULL;

	is_str(parse("SHORT=abcdefgh\nLONG=abcdefghijkl\nOTHER=zzzzzzzzzz\n", &s), "", "parse");
	is_str(redact(s, "x abcdefghijkl y abcdefgh z"), "x [redacted LONG] y [redacted SHORT] z",
	       "longest first: the longer value is replaced whole");
	is_str(redact(s, "abcdefghabcdefgh"), "[redacted SHORT][redacted SHORT]", "adjacent");
	is_str(redact(s, "zzzzzzzzzzz"), "[redacted OTHER]z", "at the start, one left over");
	is_str(redact(s, "..abcdefg"), "..abcdefg", "a prefix alone is not a value");
	is_str(redact(s, ""), "", "empty text");
	is_str(redact(NULL, "abcdefgh"), "abcdefgh", "no set: plain copy");
	claw_secrets_free(s);
}

int
main(void)
{
	(void)snprintf(dir, sizeof dir, "%s", tap_tmpdir());
	test_parse();
	test_load();
	test_redact();
	return tap_done();
}
