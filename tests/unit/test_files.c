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
	test_write();
	test_list();
	claw_tool_result_free(&res);
	claw_secrets_free(secrets);
	claw_registry_free(reg);
	return tap_done();
}
