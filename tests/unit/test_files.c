/*
 * test_files — read_file, write_file and list_files doing their normal
 * work: contents, truncation with redaction before the cut, binary and
 * special files, messages, listing format and caps, and symlinks that stay
 * inside.  Escapes are in test_sandbox.
 */
#include "tool/files.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "tap.h"
#include "tool/builtin.h"
#include "tool/secrets.h"

static char project[PATH_MAX];
static struct claw_registry *reg;
static struct claw_secrets *secrets;
static struct claw_tool_result res;

/* Calls tool with json; the result stays in res. */
static const char *
call(const char *tool, const char *json)
{
	struct json_object *in = NULL;
	struct claw_error err = {0};
	struct claw_tool_ctx ctx = {.project = project, .secrets = secrets, .tools = reg};

	if (claw_json_parse(json, strlen(json), &in, &err) != CLAW_OK)
		tap_diag("bad json %s", json);
	claw_registry_call(reg, &ctx, tool, in, &res);
	json_object_put(in);
	return claw_buf_str(&res.text);
}

static void
put(const char *name, const char *data, size_t n)
{
	char path[PATH_MAX + 100];
	(void)snprintf(path, sizeof path, "%s/%s", project, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		(void)close(fd);
}

static char *
slurp(const char *name)
{
	static char buf[4096];
	char path[PATH_MAX + 100];
	(void)snprintf(path, sizeof path, "%s/%s", project, name);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		(void)close(fd);
	return buf;
}

static void
test_read(void)
{
	put("hello.txt", "hello\nworld\n", 12);
	is_str(call("read_file", "{\"path\": \"hello.txt\"}"), "hello\nworld\n", "reads a file");
	ok(!res.is_error, "not an error");
	is_str(call("read_file", "{\"path\": \"./hello.txt\"}"), "hello\nworld\n", "./ is fine");
	put("empty.txt", "", 0);
	is_str(call("read_file", "{\"path\": \"empty.txt\"}"), "(empty file)", "empty file");
	is_str(call("read_file", "{\"path\": \"nope.txt\"}"), "no such file: nope.txt", "missing");
	ok(res.is_error, "is an error");
	is_str(call("read_file", "{\"path\": \"\"}"), "path is empty", "empty path");
	is_str(call("read_file", "{\"path\": \"sub\"}"), "sub is a directory: use list_files",
	       "a directory");
	put("bin.dat", "ab\0cd", 5);
	has_str(call("read_file", "{\"path\": \"bin.dat\"}"), "looks like a binary file (5 bytes)",
		"binary refused");
	is_str(call("read_file", "{\"path\": \"a\\u0000b\"}"), "path contains a NUL byte",
	       "NUL in a path");

	char fifo[PATH_MAX + 10];
	(void)snprintf(fifo, sizeof fifo, "%s/fifo", project);
	(void)mkfifo(fifo, 0644);
	is_str(call("read_file", "{\"path\": \"fifo\"}"), "fifo is not a regular file",
	       "a FIFO does not hang the call");

	/* 100 000 bytes shown, then the marker; a secret straddling byte
	 * 100 000 is redacted whole before the cut. */
	size_t n = 150000;
	char *big = malloc(n);
	memset(big, 'x', n);
	memcpy(big + 99995, "SECRETVALUE123", 14);
	put("big.txt", big, n);
	const char *t = call("read_file", "{\"path\": \"big.txt\"}");
	ok(strlen(t) == 99995 + strlen("[redacted S]") - 7 + strlen("\n... [truncated]") ||
		   strlen(t) == 100000 + strlen("\n... [truncated]"),
	   "100000 bytes then the marker (%zu)", strlen(t));
	ok(strstr(t, "\n... [truncated]") != NULL, "marker");
	ok(strstr(t, "SECRET") == NULL && strstr(t, "SECR") == NULL, "no part of the value shows");
	ok(strstr(t, "[reda") != NULL, "the redaction label starts before the cut");
	free(big);
}

/* read_file's offset and limit (SPEC 5): the lines, headed [lines A-B of N]. */
static void
test_read_range(void)
{
	put("five.txt", "one\ntwo\nthree\nfour\nfive", 23); /* no newline at the end */
	is_str(call("read_file", "{\"path\": \"five.txt\", \"offset\": 2, \"limit\": 2}"),
	       "[lines 2-3 of 5]\ntwo\nthree\n", "offset and limit");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"offset\": 4}"),
	       "[lines 4-5 of 5]\nfour\nfive", "offset alone: to the end (the last line unended)");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"limit\": 1}"),
	       "[lines 1-1 of 5]\none\n", "limit alone: from the start");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"offset\": 5, \"limit\": 99}"),
	       "[lines 5-5 of 5]\nfive", "a limit past the end stops at the end");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"offset\": 6}"),
	       "offset 6 is past the end of five.txt (5 lines)", "an offset past the end");
	ok(res.is_error, "is an error");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"offset\": 0}"),
	       "offset must be a whole number of at least 1", "offset 0");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"limit\": -3}"),
	       "limit must be a whole number of at least 1", "a negative limit");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"limit\": \"2\"}"),
	       "invalid input for read_file: field \"limit\" must be an integer",
	       "a limit that is a string");
	is_str(call("read_file", "{\"path\": \"five.txt\", \"offset\": 9223372036854775807,"
				 " \"limit\": 9223372036854775807}"),
	       "offset 9223372036854775807 is past the end of five.txt (5 lines)",
	       "the largest numbers do not overflow");
	put("blank.txt", "a\n\n\nb\n", 6);
	is_str(call("read_file", "{\"path\": \"blank.txt\", \"offset\": 2, \"limit\": 2}"),
	       "[lines 2-3 of 4]\n\n\n", "empty lines are lines");
	is_str(call("read_file", "{\"path\": \"empty.txt\", \"offset\": 1}"),
	       "offset 1 is past the end of empty.txt (0 lines)", "an empty file has no line 1");

	/* A big file, read part by part: a slice far past the first 100 000
	 * bytes; a slice over the cap is cut with the marker. */
	size_t n = 300000, at = 0;
	char *big = malloc(n + 1);
	for (int i = 1; at + 16 < n; i++)
		at += (size_t)snprintf(big + at, n + 1 - at, "line %06d\n", i);
	put("big-lines.txt", big, at);
	is_str(call("read_file", "{\"path\": \"big-lines.txt\", \"offset\": 20000, \"limit\": 2}"),
	       "[lines 20000-20001 of 24999]\nline 020000\nline 020001\n", "far into a big file");
	const char *t = call("read_file", "{\"path\": \"big-lines.txt\", \"offset\": 2}");
	const char *head = "[lines 2-8334 of 24999]\nline 000002\n";
	const char *tail = "line 008334\n... [truncated]";
	ok(strncmp(t, head, strlen(head)) == 0 && strlen(t) > strlen(tail) &&
		   strcmp(t + strlen(t) - strlen(tail), tail) == 0,
	   "a slice over 100 000 bytes is cut after its last whole line, with the marker; the "
	   "header names that line");
	put("bin2.dat", "text\nab\0cd\n", 11);
	has_str(call("read_file", "{\"path\": \"bin2.dat\", \"offset\": 2}"),
		"looks like a binary file", "binary lines refused");
	put("secret.txt", "x\nSECRETVALUE123\n", 17);
	t = call("read_file", "{\"path\": \"secret.txt\", \"offset\": 2}");
	ok(strstr(t, "SECRETVALUE") == NULL && strstr(t, "[redacted") != NULL, "secrets redacted");
	free(big);
}

/* edit_file (SPEC 5): exact text, once unless replace_all, mode kept, the
 * file replaced whole by a rename. */
static void
test_edit(void)
{
	char path[PATH_MAX + 16];
	struct stat st;

	put("greet.sh", "#!/bin/sh\necho helo\necho bye\n", 29);
	(void)snprintf(path, sizeof path, "%s/greet.sh", project);
	(void)chmod(path, 0750);
	ino_t before = stat(path, &st) == 0 ? st.st_ino : 0;
	is_str(call("edit_file", "{\"path\": \"greet.sh\", \"old_text\": \"echo helo\","
				 " \"new_text\": \"echo hello\\necho world\"}"),
	       "Edited greet.sh: 1 replacement, +2 -1 lines", "one replacement");
	ok(!res.is_error, "not an error");
	is_str(slurp("greet.sh"), "#!/bin/sh\necho hello\necho world\necho bye\n",
	       "the new content");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0750, "the mode is kept (%o)",
	   (unsigned)(st.st_mode & 07777));
	ok(st.st_ino != before, "written beside and renamed over (a new inode)");

	is_str(call("edit_file", "{\"path\": \"greet.sh\", \"old_text\": \"echo\","
				 " \"new_text\": \"printf\"}"),
	       "old_text occurs 3 times in greet.sh; add surrounding lines to make it unique, or "
	       "set replace_all",
	       "ambiguous: refused");
	ok(res.is_error, "is an error");
	is_str(slurp("greet.sh"), "#!/bin/sh\necho hello\necho world\necho bye\n",
	       "and nothing changed");
	is_str(call("edit_file", "{\"path\": \"greet.sh\", \"old_text\": \"echo \","
				 " \"new_text\": \"printf \", \"replace_all\": true}"),
	       "Edited greet.sh: 3 replacements, +3 -3 lines", "replace_all");
	is_str(slurp("greet.sh"), "#!/bin/sh\nprintf hello\nprintf world\nprintf bye\n",
	       "every occurrence");
	is_str(call("edit_file", "{\"path\": \"greet.sh\", \"old_text\": \"nowhere\","
				 " \"new_text\": \"x\"}"),
	       "old_text not found in greet.sh", "not found");
	is_str(call("edit_file", "{\"path\": \"greet.sh\", \"old_text\": \"\","
				 " \"new_text\": \"x\"}"),
	       "old_text is empty: say what to replace (write_file writes a whole file)",
	       "empty old_text");
	is_str(call("edit_file",
		    "{\"path\": \"nope.txt\", \"old_text\": \"a\", \"new_text\": \"b\"}"),
	       "no such file: nope.txt", "a missing file");
	is_str(call("edit_file", "{\"path\": \"../x\", \"old_text\": \"a\", \"new_text\": \"b\"}"),
	       "path escapes the project: ../x", "confined");
	is_str(call("edit_file", "{\"path\": \"sub\", \"old_text\": \"a\", \"new_text\": \"b\"}"),
	       "sub is not a regular file", "a directory");
	put("sub/inner.txt", "aXb", 3);
	is_str(call("edit_file", "{\"path\": \"sub/inner.txt\", \"old_text\": \"X\","
				 " \"new_text\": \"\"}"),
	       "Edited sub/inner.txt: 1 replacement, +0 -1 lines", "in a subfolder, to nothing");
	is_str(slurp("sub/inner.txt"), "ab", "deleted");
	char link[PATH_MAX + 16];
	(void)snprintf(link, sizeof link, "%s/link.txt", project);
	(void)symlink("sub/inner.txt", link);
	has_str(call("edit_file",
		     "{\"path\": \"link.txt\", \"old_text\": \"a\", \"new_text\": \"c\"}"),
		"symbolic link", "a symbolic link is not replaced by a file");
	is_str(slurp("sub/inner.txt"), "ab", "its target untouched");
	has_str(call("edit_file", "{\"path\": \"greet.sh\", \"old_text\": \"a\"}"), "new_text",
		"new_text is required");
	/* The result names the file: a secret in its name is redacted. */
	put("SECRETVALUE123.conf", "k=1\n", 4);
	const char *r = call("edit_file", "{\"path\": \"SECRETVALUE123.conf\", \"old_text\": \"1\","
					  " \"new_text\": \"2\"}");
	ok(strstr(r, "SECRETVALUE") == NULL &&
		   strstr(r, "[redacted S].conf: 1 replacement") != NULL,
	   "secrets redacted in its result: %s", r);
	r = call("edit_file", "{\"path\": \"SECRETVALUE123.conf\", \"old_text\": \"nowhere\","
			      " \"new_text\": \"2\"}");
	ok(strstr(r, "SECRETVALUE") == NULL, "and in its errors: %s", r);
}

static void
test_write(void)
{
	is_str(call("write_file", "{\"path\": \"new.txt\", \"content\": \"one\\n\"}"),
	       "Wrote 4 bytes to new.txt", "creates");
	is_str(slurp("new.txt"), "one\n", "content on disk");
	is_str(call("write_file", "{\"path\": \"new.txt\", \"content\": \"2\"}"),
	       "Wrote 1 bytes to new.txt", "overwrites");
	is_str(slurp("new.txt"), "2", "replaced whole");
	is_str(call("write_file", "{\"path\": \"sub/inner.txt\", \"content\": \"in\"}"),
	       "Wrote 2 bytes to sub/inner.txt", "into an existing folder");
	is_str(call("write_file", "{\"path\": \"no/such/x.txt\", \"content\": \"x\"}"),
	       "no such directory: no/such (create it first)", "parent must exist");
	ok(res.is_error, "is an error");
	is_str(call("write_file", "{\"path\": \"sub\", \"content\": \"x\"}"), "sub is a directory",
	       "onto a directory");
	is_str(call("write_file", "{\"path\": \"new.txt\"}"),
	       "invalid input for write_file: missing field \"content\"", "content required");
	is_str(call("write_file", "{\"path\": \"z.txt\", \"content\": \"a\\u0000b\"}"),
	       "Wrote 3 bytes to z.txt", "content may hold NUL bytes");
	/* A symlink that stays inside, even an absolute one, is followed. */
	char target[PATH_MAX + 20], link[PATH_MAX + 20];
	(void)snprintf(target, sizeof target, "%s/sub/inner.txt", project);
	(void)snprintf(link, sizeof link, "%s/abs-link", project);
	(void)symlink(target, link);
	(void)snprintf(link, sizeof link, "%s/rel-link", project);
	(void)symlink("sub/inner.txt", link);
	is_str(call("write_file", "{\"path\": \"abs-link\", \"content\": \"via abs\"}"),
	       "Wrote 7 bytes to abs-link", "absolute symlink inside the project");
	is_str(slurp("sub/inner.txt"), "via abs", "reached its target");
	is_str(call("read_file", "{\"path\": \"rel-link\"}"), "via abs",
	       "relative symlink inside the project");
}

static void
test_list(void)
{
	char dir[PATH_MAX + 10];
	(void)snprintf(dir, sizeof dir, "%s/many", project);
	(void)mkdir(dir, 0755);
	(void)snprintf(dir, sizeof dir, "%s/emptydir", project);
	(void)mkdir(dir, 0755);

	is_str(call("list_files", "{\"path\": \"sub\"}"), "inner.txt (7 bytes)", "one file");
	const char *t = call("list_files", "{}");
	has_str(t, "abs-link -> ", "symlinks show their target");
	has_str(t, "emptydir/\n", "directories end with /");
	has_str(t, "hello.txt (12 bytes)\n", "files show their size");
	has_str(t, "fifo (special file)", "special files say so");
	ok(strstr(t, "abs-link") < strstr(t, "big.txt") &&
		   strstr(t, "big.txt") < strstr(t, "\nsub/\n"),
	   "sorted by name");
	is_str(call("list_files", "{\"path\": \"emptydir\"}"), "(empty directory)", "empty");
	is_str(call("list_files", "{\"path\": \"hello.txt\"}"), "not a directory: hello.txt",
	       "a file is not a directory");
	for (int i = 0; i < 1005; i++) {
		char name[64];
		(void)snprintf(name, sizeof name, "many/f%04d", i);
		put(name, "", 0);
	}
	t = call("list_files", "{\"path\": \"many\"}");
	has_str(t, "f0999 (0 bytes)\n... [5 more entries]", "capped at 1000 with a count");
	ok(strstr(t, "f1000") == NULL, "the rest is not shown");
}

int
main(void)
{
	struct claw_error err = {0};
	char tmp[PATH_MAX + 100];
	const char *sec = "S=SECRETVALUE123\n";

	(void)snprintf(tmp, sizeof tmp, "%s/project", tap_tmpdir());
	if (mkdir(tmp, 0755) != 0 || realpath(tmp, project) == NULL)
		return 1;
	(void)snprintf(tmp, sizeof tmp, "%s/sub", project);
	(void)mkdir(tmp, 0755);
	if (claw_builtin_registry(&reg, &err) != CLAW_OK ||
	    claw_secrets_parse(sec, strlen(sec), "t", &secrets, &err) != CLAW_OK)
		return 1;
	claw_tool_result_init(&res);
	test_read();
	test_read_range();
	test_edit();
	test_write();
	test_list();
	claw_tool_result_free(&res);
	claw_secrets_free(secrets);
	claw_registry_free(reg);
	return tap_done();
}
