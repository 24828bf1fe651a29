/*
 * test_envfile — KEY=value syntax, errors with line numbers, file reading.
 */
#include "base/envfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "tap.h"

/* Collects "KEY=[value]@line;" for every pair. */
static enum claw_err
collect(void *ctx, struct claw_str key, struct claw_str value, unsigned line,
	struct claw_error *err)
{
	struct claw_buf *b = ctx;
	(void)err;
	return claw_buf_printf(b, "%.*s=[%.*s]@%u;", (int)key.n, key.p, (int)value.n, value.p,
			       line);
}

/* Parses text; returns the collected pairs or the error message. */
static const char *
run(const char *text, struct claw_buf *b)
{
	struct claw_error e;
	claw_buf_reset(b);
	claw_error_clear(&e);
	enum claw_err rc = claw_envfile_parse(text, strlen(text), "t.env", collect, b, &e);
	if (rc != CLAW_OK) {
		claw_buf_reset(b);
		(void)claw_buf_puts(b, e.msg);
	}
	return claw_buf_str(b);
}

static void
test_syntax(void)
{
	struct claw_buf b = CLAW_BUF_INIT(4096);

	is_str(run("", &b), "", "empty file");
	is_str(run("\n\n  \n\t\n", &b), "", "blank lines");
	is_str(run("# comment\n  # indented comment\n", &b), "", "comments");
	is_str(run("A=1", &b), "A=[1]@1;", "no final newline");
	is_str(run("A=1\nB=two words\n", &b), "A=[1]@1;B=[two words]@2;", "two lines");
	is_str(run("\n# c\nA=1\n", &b), "A=[1]@3;", "line numbers count every line");
	is_str(run("A=  padded  \n", &b), "A=[padded]@1;", "unquoted value trimmed");
	is_str(run("  A=1\n", &b), "A=[1]@1;", "leading blanks");
	is_str(run("A=\n", &b), "A=[]@1;", "empty value");
	is_str(run("export A=1\n", &b), "A=[1]@1;", "export");
	is_str(run("export\tA=1\n", &b), "A=[1]@1;", "export and a tab");
	is_str(run("exportA=1\n", &b), "exportA=[1]@1;", "exportA is a key");
	is_str(run("export=1\n", &b), "export=[1]@1;", "export is a key");
	is_str(run("A='single # not a comment'\n", &b), "A=[single # not a comment]@1;",
	       "single quotes");
	is_str(run("A=\"dou'ble\"\n", &b), "A=[dou'ble]@1;", "double quotes");
	is_str(run("A=\"\"\n", &b), "A=[]@1;", "empty quotes");
	is_str(run("A=\"$HOME \\n\"\n", &b), "A=[$HOME \\n]@1;", "no expansion, no escapes");
	is_str(run("A=\"x\"  # comment\n", &b), "A=[x]@1;", "comment after quotes");
	is_str(run("A=x # comment\n", &b), "A=[x]@1;", "comment after a value");
	is_str(run("A=x#y\n", &b), "A=[x#y]@1;", "# inside a word is text");
	is_str(run("A=#y\n", &b), "A=[#y]@1;", "# at the start of a value is text");
	is_str(run("A=1\r\nB=2\r\n", &b), "A=[1]@1;B=[2]@2;", "CRLF");
	is_str(run("\xEF\xBB\xBF"
		   "A=1\n",
		   &b),
	       "A=[1]@1;", "byte order mark");
	is_str(run("a_b9=x=y\n", &b), "a_b9=[x=y]@1;", "'=' in a value");
	is_str(run("A=1\nA=2\n", &b), "A=[1]@1;A=[2]@2;", "repeats are all reported");
	claw_buf_free(&b);
}

static void
test_errors(void)
{
	struct claw_buf b = CLAW_BUF_INIT(4096);

	is_str(run("A=1\nnonsense\n", &b), "t.env:2: expected KEY=value", "no '='");
	is_str(run("A = 1\n", &b), "t.env:1: expected KEY=value", "blank before '='");
	is_str(run("=1\n", &b), "t.env:1: expected KEY=value", "no key");
	is_str(run("1A=1\n", &b), "t.env:1: expected KEY=value", "key starts with a digit");
	is_str(run("A-B=1\n", &b), "t.env:1: expected KEY=value", "'-' in a key");
	is_str(run("export\n", &b), "t.env:1: expected KEY=value", "export alone");
	is_str(run("\n\nA='open\n", &b), "t.env:3: unterminated quote", "unterminated '");
	is_str(run("A=\"open'\n", &b), "t.env:1: unterminated quote", "mismatched quotes");
	is_str(run("A=\"x\"y\n", &b), "t.env:1: unexpected text after the closing quote",
	       "text after quotes");
	/* The text of a bad line is never echoed: it may be a pasted key. */
	is_str(run("sk-ant-secret\n", &b), "t.env:1: expected KEY=value", "no echo");

	struct claw_error e;
	const char nul[] = "A=1\nB=x\0y\n";
	is_int(claw_envfile_parse(nul, sizeof nul - 1, "t.env", collect, &b, &e), CLAW_ECONFIG,
	       "NUL byte");
	is_str(e.msg, "t.env:2: NUL byte", "NUL message");
	claw_buf_free(&b);
}

/* A callback that refuses key B. */
static enum claw_err
refuse_b(void *ctx, struct claw_str key, struct claw_str value, unsigned line,
	 struct claw_error *err)
{
	(void)ctx;
	(void)value;
	(void)line;
	if (claw_str_eq_cstr(key, "B"))
		return claw_error_set(err, CLAW_ECONFIG, "B is not welcome");
	return CLAW_OK;
}

static void
test_callback_error(void)
{
	struct claw_error e;
	const char *text = "A=1\n\nB=2\nC=3\n";
	is_int(claw_envfile_parse(text, strlen(text), "/h/claw.env", refuse_b, NULL, &e),
	       CLAW_ECONFIG, "callback error returned");
	is_str(e.msg, "/h/claw.env:3: B is not welcome", "prefixed with file and line");
}

static void
write_file(const char *path, const char *text, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void
test_load(void)
{
	struct claw_buf b = CLAW_BUF_INIT(4096);
	struct claw_error e;
	char path[4200];

	(void)snprintf(path, sizeof path, "%s/claw.env", tap_tmpdir());
	is_int(claw_envfile_load(path, collect, &b, &e), CLAW_ENOTFOUND, "missing file");
	has_str(e.msg, "No such file", "missing message");

	write_file(path, "# x\nexport K=v\n", 15);
	is_int(claw_envfile_load(path, collect, &b, &e), CLAW_OK, "loads");
	is_str(claw_buf_str(&b), "K=[v]@2;", "loaded pairs");

	write_file(path, "K=\n", 3);
	claw_buf_reset(&b);
	is_int(claw_envfile_load(path, refuse_b, NULL, &e), CLAW_OK, "refuse_b sees no B");

	write_file(path, "B=1\n", 4);
	is_int(claw_envfile_load(path, refuse_b, NULL, &e), CLAW_ECONFIG, "error from the file");
	has_str(e.msg, "claw.env:1: B is not welcome", "file name in message");

	/* Exactly the cap is fine; one byte more is not. */
	char *big = malloc(CLAW_ENVFILE_MAX + 1);
	memset(big, '\n', CLAW_ENVFILE_MAX + 1);
	write_file(path, big, CLAW_ENVFILE_MAX);
	is_int(claw_envfile_load(path, collect, &b, &e), CLAW_OK, "at the cap");
	write_file(path, big, CLAW_ENVFILE_MAX + 1);
	is_int(claw_envfile_load(path, collect, &b, &e), CLAW_ETOOBIG, "past the cap");
	has_str(e.msg, "is bigger than 65536 bytes", "cap message");
	free(big);

	is_int(claw_envfile_load(tap_tmpdir(), collect, &b, &e), CLAW_EIO, "a directory");
	has_str(e.msg, "is not a regular file", "directory message");

	if (geteuid() != 0) { /* root reads anything */
		write_file(path, "K=v\n", 4);
		chmod(path, 0);
		is_int(claw_envfile_load(path, collect, &b, &e), CLAW_EIO, "unreadable");
		has_str(e.msg, "Permission denied", "unreadable message");
		chmod(path, 0600);
	}
	claw_buf_free(&b);
}

int
main(void)
{
	test_syntax();
	test_errors();
	test_callback_error();
	test_load();
	return tap_done();
}
