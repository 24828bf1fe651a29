/*
 * files — confined file tools.  See files.h.
 *
 * Every handler goes through claw_files_open(): a lexical check first (so
 * "/etc/passwd" and "../x" get the clear message without a syscall), then
 * openat2(RESOLVE_BENEATH) from an O_PATH descriptor of the project, which
 * is the actual guarantee.
 */
#include "tool/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "tool/secrets.h"

/* Redacting a read can grow it (a short value, a long label): room for
 * that before it is cut to CLAW_FILES_READ_MAX. */
#define READ_REDACTED_MAX (2 * 1024 * 1024)

static const char read_schema[] =
	"{\"type\": \"object\", \"properties\": {\"path\": {\"type\": \"string\","
	" \"description\": \"file path relative to the project folder\"},"
	" \"offset\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"first line to"
	" show (1-based)\"},"
	" \"limit\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"how many lines"
	" to show\"}},"
	" \"required\": [\"path\"], \"additionalProperties\": false}";
static const char write_schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"path\": {\"type\": \"string\", \"description\": \"file path relative to the project "
	"folder; its directory must exist\"},"
	" \"content\": {\"type\": \"string\", \"description\": \"the whole new content\"}},"
	" \"required\": [\"path\", \"content\"], \"additionalProperties\": false}";
static const char edit_schema[] =
	"{\"type\": \"object\", \"properties\": {"
	"\"path\": {\"type\": \"string\", \"description\": \"file path relative to the project "
	"folder; the file must exist\"},"
	" \"old_text\": {\"type\": \"string\", \"description\": \"the exact text to replace, "
	"with enough surrounding lines to occur once\"},"
	" \"new_text\": {\"type\": \"string\", \"description\": \"the text to put in its place\"},"
	" \"replace_all\": {\"type\": \"boolean\", \"description\": \"replace every occurrence "
	"(default false: old_text must occur exactly once)\"}},"
	" \"required\": [\"path\", \"old_text\", \"new_text\"], \"additionalProperties\": false}";
static const char list_schema[] =
	"{\"type\": \"object\", \"properties\": {\"path\": {\"type\": \"string\","
	" \"description\": \"directory relative to the project folder (default .)\"}},"
	" \"additionalProperties\": false}";

/* ------------------------------------------------------------- confinement */

static enum claw_err
escapes(const char *rel, struct claw_error *err)
{
	return claw_error_set(err, CLAW_EINVAL, "path escapes the project: %s", rel);
}

/* Relative, no "..", not empty, not too long. */
static enum claw_err
check_lexical(const char *rel, struct claw_error *err)
{
	size_t len = strlen(rel);

	if (len == 0)
		return claw_error_set(err, CLAW_EINVAL, "path is empty");
	if (len >= PATH_MAX)
		return claw_error_set(err, CLAW_ETOOBIG, "path is longer than %d bytes",
				      PATH_MAX - 1);
	if (rel[0] == '/')
		return escapes(rel, err);
	for (const char *p = rel; *p != '\0';) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return escapes(rel, err);
		p += n;
		p += *p == '/';
	}
	return CLAW_OK;
}

static int
open_beneath(int rootfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how;
	long r;

	memset(&how, 0, sizeof how);
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.mode = (flags & O_CREAT) != 0 ? mode : 0;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	do
		r = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
	while (r < 0 && errno == EINTR);
	return (int)r;
}

/* When RESOLVE_BENEATH refused rel, it may still be an absolute symlink to a
 * place inside root: find its real path and, if inside, the part below
 * root into out.  False when it really leaves. */
static bool
inside_by_realpath(const char *root, const char *rel, char *out, size_t size)
{
	char *full = claw_xasprintf("%s/%s", root, rel);
	char real[PATH_MAX];
	bool ok = false;

	if (realpath(full, real) == NULL) {
		/* Not there yet (a create): the real directory plus the name.
		 * If the name is a dangling symlink the retried open still
		 * refuses it. */
		char *slash = strrchr(full, '/');
		*slash = '\0';
		if (slash[1] == '\0' || realpath(full, real) == NULL)
			goto out;
		size_t n = strlen(real);
		if (snprintf(real + n, sizeof real - n, "/%s", slash + 1) >= (int)(sizeof real - n))
			goto out;
	}
	size_t rl = strlen(root);
	if (strncmp(real, root, rl) != 0 || (real[rl] != '\0' && real[rl] != '/'))
		goto out;
	ok = snprintf(out, size, "%s", real[rl] == '\0' ? "." : real + rl + 1) < (int)size;
out:
	free(full);
	return ok;
}

/* "DIR" of "DIR/name", or "." */
static void
dir_of(const char *rel, char *out, size_t size)
{
	const char *slash = strrchr(rel, '/');
	if (slash == NULL)
		(void)snprintf(out, size, ".");
	else
		(void)snprintf(out, size, "%.*s", (int)(slash - rel), rel);
}

static enum claw_err
open_failed(const char *rel, int flags, int errnum, struct claw_error *err)
{
	char e[128], dir[PATH_MAX];
	switch (errnum) {
	case EXDEV:
		return escapes(rel, err);
	case ENOENT:
		if ((flags & O_CREAT) != 0) {
			dir_of(rel, dir, sizeof dir);
			return claw_error_set(err, CLAW_ENOTFOUND,
					      "no such directory: %s (create it first)", dir);
		}
		return claw_error_set(err, CLAW_ENOTFOUND, "no such file: %s", rel);
	case ENOTDIR:
		return claw_error_set(err, CLAW_ENOTFOUND, "not a directory: %s", rel);
	case EISDIR:
		return claw_error_set(err, CLAW_EINVAL, "%s is a directory", rel);
	case ELOOP:
		return claw_error_set(err, CLAW_EINVAL, "too many symbolic links: %s", rel);
	case ENXIO:
		return claw_error_set(err, CLAW_EINVAL, "%s is not a regular file", rel);
	case EACCES:
	case EPERM:
		return claw_error_set(err, CLAW_EIO, "permission denied: %s", rel);
	case ENOSYS:
		return claw_error_set(err, CLAW_EIO,
				      "this kernel has no openat2 (Linux 5.6+ needed)");
	default:
		return claw_error_set(err, CLAW_EIO, "cannot open %s: %s", rel,
				      claw_errno_text(errnum, e, sizeof e));
	}
}

enum claw_err
claw_files_open(const char *root, const char *rel, int flags, mode_t mode, int *fd,
		struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char alt[PATH_MAX];
	int rootfd = -1, f = -1;

	rc = check_lexical(rel, err);
	if (rc != CLAW_OK)
		goto out;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		char e[128];
		rc = claw_error_set(err, CLAW_EIO, "cannot open the project folder %s: %s", root,
				    claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	f = open_beneath(rootfd, rel, flags, mode);
	int saved = errno;
	if (f < 0 && saved == EXDEV && inside_by_realpath(root, rel, alt, sizeof alt)) {
		f = open_beneath(rootfd, alt, flags, mode);
		saved = errno;
	}
	if (f < 0) {
		rc = open_failed(rel, flags, saved, err);
		goto out;
	}
	*fd = f;
out:
	if (rootfd >= 0)
		(void)close(rootfd);
	return rc;
}

enum claw_err
claw_files_open_regular(const char *root, const char *rel, int *fd, struct stat *st,
			struct claw_error *err)
{
	enum claw_err rc = claw_files_open(root, rel, O_RDONLY | O_NONBLOCK, 0, fd, err);
	if (rc != CLAW_OK)
		return rc;
	if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
		(void)close(*fd);
		*fd = -1;
		return claw_error_set(err, CLAW_EINVAL, "%s is not a regular file", rel);
	}
	return CLAW_OK;
}

/* read(2) of up to n bytes, again after EINTR: the bytes read (0 at the
 * end), or -1 with err set. */
static ssize_t
read_some(int fd, char *buf, size_t n, struct claw_error *err)
{
	for (;;) {
		ssize_t got = read(fd, buf, n);
		if (got >= 0)
			return got;
		if (errno != EINTR) {
			char e[128];
			(void)claw_error_set(err, CLAW_EIO, "%s",
					     claw_errno_text(errno, e, sizeof e));
			return -1;
		}
	}
}

enum claw_err
claw_files_read_head(const char *root, const char *rel, size_t max, char **text, size_t *len,
		     int64_t *size, struct claw_error *err)
{
	struct claw_buf b = CLAW_BUF_INIT(max);
	struct stat st;
	char chunk[8192];
	int fd = -1;
	enum claw_err rc = claw_files_open_regular(root, rel, &fd, &st, err);

	while (rc == CLAW_OK && claw_buf_len(&b) < max) {
		size_t want = max - claw_buf_len(&b);
		ssize_t n = read_some(fd, chunk, want < sizeof chunk ? want : sizeof chunk, err);
		if (n < 0)
			rc = CLAW_EIO; /* read_some's */
		if (n <= 0)
			break;
		(void)claw_buf_append(&b, chunk, (size_t)n);
	}
	if (fd >= 0)
		(void)close(fd);
	if (rc == CLAW_OK) {
		*size = (int64_t)st.st_size;
		*len = claw_buf_len(&b);
		*text = claw_buf_steal(&b);
	}
	claw_buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------------- tools */

/* The "path" input as a C string; NULL (with an error result) when it holds
 * a NUL byte, which a C path would silently cut. */
static const char *
path_arg(struct json_object *input, const char *dflt, struct claw_tool_result *res)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(input, "path", &v) || v == NULL)
		return dflt;
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		claw_tool_result_error(res, "path contains a NUL byte");
		return NULL;
	}
	return s;
}

static bool
have_project(const struct claw_tool_ctx *ctx, struct claw_tool_result *res)
{
	if (ctx != NULL && ctx->project != NULL)
		return true;
	claw_tool_result_error(res, "no project folder");
	return false;
}

/* A line-number input: absent (*out = dflt), or an integer >= 1.  False
 * (with an error result) otherwise. */
static bool
line_arg(struct json_object *input, const char *name, int64_t dflt, int64_t *out,
	 struct claw_tool_result *res)
{
	struct json_object *v = NULL;
	*out = dflt;
	if (!json_object_object_get_ex(input, name, &v) || v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1) {
		claw_tool_result_error(res, "%s must be a whole number of at least 1", name);
		return false;
	}
	*out = json_object_get_int64(v);
	return true;
}

/* Lines from..to (1-based, inclusive; to clipped to the file) of fd into
 * out (at most its cap: *cut says some were left out), *lines the number
 * of lines of the whole file (a last line without a newline counts).
 * Reads the whole file, at most CLAW_FILES_SCAN_BYTES. */
static enum claw_err
read_lines(int fd, int64_t from, int64_t to, struct claw_buf *out, int64_t *lines, bool *cut,
	   struct claw_error *err)
{
	char chunk[8192];
	int64_t line = 1;
	uint64_t total = 0;
	bool mid = false; /* bytes of a line not ended yet */

	*cut = false;
	for (;;) {
		ssize_t n = read_some(fd, chunk, sizeof chunk, err);
		if (n < 0)
			return err->code;
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > CLAW_FILES_SCAN_BYTES)
			return claw_error_set(err, CLAW_ETOOBIG,
					      "it is over %d bytes: show parts of it with bash "
					      "(sed -n 'A,Bp')",
					      CLAW_FILES_SCAN_BYTES);
		for (const char *p = chunk, *end = chunk + n; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl != NULL ? nl + 1 : end;
			if (line >= from && line <= to &&
			    claw_buf_append(out, p, (size_t)(stop - p)) != CLAW_OK)
				*cut = true;
			mid = nl == NULL;
			line += nl != NULL;
			p = stop;
		}
	}
	*lines = line - 1 + (mid ? 1 : 0);
	return CLAW_OK;
}

/* read_file with offset and/or limit: "[lines A-B of N]" and those lines. */
static void
read_range(const struct claw_tool_ctx *ctx, int fd, const char *path, int64_t from, int64_t count,
	   struct claw_tool_result *res)
{
	struct claw_buf slice = CLAW_BUF_INIT(CLAW_FILES_READ_MAX + CLAW_SECRETS_VALUE_MAX);
	struct claw_buf red = CLAW_BUF_INIT(READ_REDACTED_MAX);
	struct claw_error err = {0};
	int64_t to = count > INT64_MAX - from ? INT64_MAX : from + count - 1, lines = 0;
	bool cut = false;

	if (read_lines(fd, from, to, &slice, &lines, &cut, &err) != CLAW_OK) {
		claw_tool_result_error(res, "cannot read %s: %s", path, claw_error_text(&err));
		goto out;
	}
	if (from > lines) {
		claw_tool_result_error(res, "offset %lld is past the end of %s (%lld lines)",
				       (long long)from, path, (long long)lines);
		goto out;
	}
	if (memchr(claw_buf_str(&slice), '\0', claw_buf_len(&slice)) != NULL) {
		claw_tool_result_error(res,
				       "%s looks like a binary file: inspect it with bash (od, "
				       "xxd, file)",
				       path);
		goto out;
	}
	(void)claw_secrets_redact(ctx->secrets, claw_buf_str(&slice), claw_buf_len(&slice), &red);
	size_t keep = claw_buf_len(&red);
	cut |= keep > CLAW_FILES_READ_MAX || claw_buf_error(&red) != CLAW_OK;
	if (keep > CLAW_FILES_READ_MAX)
		keep = claw_str_utf8_floor(claw_buf_str(&red), CLAW_FILES_READ_MAX);
	int64_t last = to < lines ? to : lines;
	if (cut) { /* whole lines only: up to the last newline kept */
		const char *t = claw_buf_str(&red);
		int64_t whole = 0;
		size_t end = 0;
		for (size_t k = 0; k < keep; k++)
			if (t[k] == '\n') {
				whole++;
				end = k + 1;
			}
		if (whole > 0) {
			keep = end;
			last = from + whole - 1;
		}
	}
	claw_buf_reset(&res->text);
	(void)claw_buf_printf(&res->text, "[lines %lld-%lld of %lld]\n", (long long)from,
			      (long long)last, (long long)lines);
	(void)claw_buf_append(&res->text, claw_buf_str(&red), keep);
	if (cut)
		(void)claw_buf_puts(&res->text, "... [truncated]");
out:
	claw_buf_free(&slice);
	claw_buf_free(&red);
}

static void
read_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct claw_buf red = CLAW_BUF_INIT(READ_REDACTED_MAX);
	const size_t want = CLAW_FILES_READ_MAX + CLAW_SECRETS_VALUE_MAX;
	char *data = NULL;
	int fd = -1;
	struct stat st;
	const char *path = path_arg(input, NULL, res);
	int64_t from = 1, count = INT64_MAX;
	bool ranged = json_object_object_get_ex(input, "offset", NULL) ||
		      json_object_object_get_ex(input, "limit", NULL);

	if (path == NULL || !have_project(ctx, res) || !line_arg(input, "offset", 1, &from, res) ||
	    !line_arg(input, "limit", INT64_MAX, &count, res))
		goto out;
	if (claw_files_open(ctx->project, path, O_RDONLY | O_NONBLOCK, 0, &fd, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		char e[128];
		claw_tool_result_error(res, "cannot read %s: %s", path,
				       claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		claw_tool_result_error(res,
				       S_ISDIR(st.st_mode) ? "%s is a directory: use list_files"
							   : "%s is not a regular file",
				       path);
		goto out;
	}
	if (ranged) {
		read_range(ctx, fd, path, from, count, res);
		goto out;
	}
	/* Read past the cap by the longest secret, so a value crossing the
	 * cut is redacted whole before the cut is made. */
	data = claw_xmalloc(want);
	size_t got = 0;
	while (got < want) {
		ssize_t r = read(fd, data + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			char e[128];
			claw_tool_result_error(res, "cannot read %s: %s", path,
					       claw_errno_text(errno, e, sizeof e));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got == 0) {
		claw_tool_result_ok(res, "(empty file)");
		goto out;
	}
	if (memchr(data, '\0', got) != NULL) {
		claw_tool_result_error(res,
				       "%s looks like a binary file (%lld bytes): inspect it with "
				       "bash (od, xxd, file)",
				       path, (long long)st.st_size);
		goto out;
	}
	(void)claw_secrets_redact(ctx->secrets, data, got, &red);
	size_t cut = claw_buf_len(&red);
	bool truncated = (uint64_t)st.st_size > got || cut > CLAW_FILES_READ_MAX ||
			 claw_buf_error(&red) != CLAW_OK;
	if (cut > CLAW_FILES_READ_MAX) {
		cut = CLAW_FILES_READ_MAX;
		const char *t = claw_buf_str(&red);
		for (int k = 0; k < 3 && cut > 0 && ((unsigned char)t[cut] & 0xC0) == 0x80; k++)
			cut--;
	}
	claw_buf_reset(&res->text);
	(void)claw_buf_append(&res->text, claw_buf_str(&red), cut);
	if (truncated)
		(void)claw_buf_puts(&res->text, "\n... [truncated]");
out:
	free(data);
	claw_buf_free(&red);
	if (fd >= 0)
		(void)close(fd);
}

static void
write_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct json_object *c = NULL;
	int fd = -1;
	struct stat st;
	char e[128];
	const char *path = path_arg(input, NULL, res);

	if (path == NULL || !have_project(ctx, res))
		goto out;
	(void)json_object_object_get_ex(input, "content", &c);
	const char *content = json_object_get_string(c);
	size_t len = (size_t)json_object_get_string_len(c);
	if (len > CLAW_FILES_WRITE_MAX) {
		claw_tool_result_error(res, "content is over %d bytes", CLAW_FILES_WRITE_MAX);
		goto out;
	}
	if (claw_files_open(ctx->project, path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0666,
			    &fd, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		claw_tool_result_error(res, "%s is not a regular file", path);
		goto out;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, content + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			claw_tool_result_error(res, "cannot write %s: %s", path,
					       claw_errno_text(errno, e, sizeof e));
			goto out;
		}
		done += (size_t)w;
	}
	int cr = close(fd);
	fd = -1;
	if (cr != 0) {
		claw_tool_result_error(res, "cannot write %s: %s", path,
				       claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	claw_tool_result_ok(res, "Wrote %zu bytes to %s", len, path);
out:
	if (fd >= 0)
		(void)close(fd);
}

/* A string input as bytes (JSON strings may hold NUL). */
static const char *
text_arg(struct json_object *input, const char *name, size_t *len)
{
	struct json_object *v = NULL;
	(void)json_object_object_get_ex(input, name, &v);
	*len = (size_t)json_object_get_string_len(v);
	return v != NULL ? json_object_get_string(v) : "";
}

/* Lines a replacement of text adds or removes: its newlines, plus one for
 * a last line without one. */
static size_t
lines_of(const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k + (n > 0 && p[n - 1] != '\n');
}

/* Reads all of fd (at most max bytes) into a fresh buffer. */
static enum claw_err
slurp(int fd, size_t max, char **out, size_t *len, struct claw_error *err)
{
	struct claw_buf b = CLAW_BUF_INIT(max);
	char chunk[8192];
	for (;;) {
		ssize_t n = read_some(fd, chunk, sizeof chunk, err);
		if (n < 0) {
			claw_buf_free(&b);
			return CLAW_EIO; /* read_some's */
		}
		if (n == 0)
			break;
		if (claw_buf_append(&b, chunk, (size_t)n) != CLAW_OK) {
			claw_buf_free(&b);
			return claw_error_set(err, CLAW_ETOOBIG, "it is over %zu bytes", max);
		}
	}
	*len = claw_buf_len(&b);
	*out = claw_buf_steal(&b);
	claw_buf_free(&b);
	return CLAW_OK;
}

/* How many times pat[0..m) occurs in s[0..n), not overlapping. */
static size_t
occurrences(const char *s, size_t n, const char *pat, size_t m)
{
	size_t k = 0;
	for (size_t at = 0; at + m <= n; k++) {
		const char *q = memmem(s + at, n - at, pat, m);
		if (q == NULL)
			break;
		at = (size_t)(q - s) + m;
	}
	return k;
}

/* Replaces text and writes it back: a temporary file beside path with the
 * file's mode, renamed over it, so a crash leaves the old or the new
 * content.  The parent is opened confined; path itself must not be a
 * symbolic link (the rename would replace the link, not its target). */
static enum claw_err
write_beside(const struct claw_tool_ctx *ctx, const char *path, mode_t mode, const char *data,
	     size_t len, struct claw_error *err)
{
	const char *slash = strrchr(path, '/');
	char *parent =
		slash != NULL ? claw_xstrndup(path, (size_t)(slash - path + 1)) : claw_xstrdup(".");
	const char *base = slash != NULL ? slash + 1 : path;
	char tmp[64];
	struct stat st;
	int dfd = -1, fd = -1;
	enum claw_err rc =
		claw_files_open(ctx->project, parent, O_PATH | O_DIRECTORY, 0, &dfd, err);

	if (rc != CLAW_OK)
		goto out;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
		rc = claw_error_set(err, CLAW_EINVAL,
				    "%s is a symbolic link or not a regular file: edit its target",
				    path);
		goto out;
	}
	for (int i = 0; fd < 0 && i < 100; i++) {
		(void)snprintf(tmp, sizeof tmp, ".claw-edit-%d-%d", (int)getpid(), i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	char e[128];
	if (fd < 0) {
		rc = claw_error_set(err, CLAW_EIO, "cannot write beside %s: %s", path,
				    claw_errno_text(errno, e, sizeof e));
		goto out;
	}
	for (size_t done = 0; rc == CLAW_OK && done < len;) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = claw_error_set(err, CLAW_EIO, "cannot write %s: %s", path,
					    claw_errno_text(errno, e, sizeof e));
		else
			done += (size_t)w;
	}
	if (rc == CLAW_OK && fchmod(fd, mode & 07777) != 0)
		rc = claw_error_set(err, CLAW_EIO, "cannot keep the mode of %s: %s", path,
				    claw_errno_text(errno, e, sizeof e));
	if (close(fd) != 0 && rc == CLAW_OK)
		rc = claw_error_set(err, CLAW_EIO, "cannot write %s: %s", path,
				    claw_errno_text(errno, e, sizeof e));
	if (rc == CLAW_OK && renameat(dfd, tmp, dfd, base) != 0)
		rc = claw_error_set(err, CLAW_EIO, "cannot replace %s: %s", path,
				    claw_errno_text(errno, e, sizeof e));
	if (rc != CLAW_OK)
		(void)unlinkat(dfd, tmp, 0);
out:
	if (dfd >= 0)
		(void)close(dfd);
	free(parent);
	return rc;
}

static void
edit_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	struct claw_buf out = CLAW_BUF_INIT(CLAW_FILES_WRITE_MAX);
	struct json_object *all = NULL;
	char *data = NULL;
	size_t len = 0, olen, nlen, n = 0;
	struct stat st;
	int fd = -1;
	const char *path = path_arg(input, NULL, res);
	const char *old = text_arg(input, "old_text", &olen);
	const char *new = text_arg(input, "new_text", &nlen);
	bool replace_all = json_object_object_get_ex(input, "replace_all", &all) &&
			   json_object_get_boolean(all);

	if (path == NULL || !have_project(ctx, res))
		goto out;
	if (olen == 0) {
		claw_tool_result_error(res, "old_text is empty: say what to replace (write_file "
					    "writes a whole file)");
		goto out;
	}
	if (claw_files_open_regular(ctx->project, path, &fd, &st, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	if (slurp(fd, CLAW_FILES_WRITE_MAX, &data, &len, &err) != CLAW_OK) {
		claw_tool_result_error(res, "cannot edit %s: %s", path, claw_error_text(&err));
		goto out;
	}
	n = occurrences(data, len, old, olen);
	if (n == 0) {
		claw_tool_result_error(res, "old_text not found in %s", path);
		goto out;
	}
	if (n > 1 && !replace_all) {
		claw_tool_result_error(res,
				       "old_text occurs %zu times in %s; add surrounding lines to "
				       "make it unique, or set replace_all",
				       n, path);
		goto out;
	}
	const char *p = data, *end = data + len;
	for (size_t k = 0; k < n; k++) { /* the n occurrences counted above */
		const char *hit = memmem(p, (size_t)(end - p), old, olen);
		(void)claw_buf_append(&out, p, (size_t)(hit - p));
		(void)claw_buf_append(&out, new, nlen);
		p = hit + olen;
	}
	(void)claw_buf_append(&out, p, (size_t)(end - p));
	if (claw_buf_error(&out) != CLAW_OK) {
		claw_tool_result_error(res, "the edited %s would be over %d bytes", path,
				       CLAW_FILES_WRITE_MAX);
		goto out;
	}
	(void)close(fd);
	fd = -1;
	if (write_beside(ctx, path, st.st_mode, claw_buf_str(&out), claw_buf_len(&out), &err) !=
	    CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	claw_tool_result_ok(res, "Edited %s: %zu replacement%s, +%zu -%zu lines", path, n,
			    n == 1 ? "" : "s", n * lines_of(new, nlen), n * lines_of(old, olen));
out:
	free(data);
	claw_buf_free(&out);
	if (fd >= 0)
		(void)close(fd);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends name as one visible line's worth: a newline or other control
 * byte in a file name must not forge a second entry. */
static void
put_name(struct claw_buf *out, const char *name)
{
	(void)claw_str_visible(out, name, strlen(name), CLAW_STR_VISIBLE_NAME);
}

static void
list_entry(int dfd, const char *name, struct claw_buf *out)
{
	struct stat st;
	char target[PATH_MAX];

	put_name(out, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		(void)claw_buf_puts(out, "\n");
	} else if (S_ISDIR(st.st_mode)) {
		(void)claw_buf_puts(out, "/\n");
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		(void)claw_buf_puts(out, " -> ");
		put_name(out, target);
		(void)claw_buf_puts(out, "\n");
	} else if (S_ISREG(st.st_mode)) {
		(void)claw_buf_printf(out, " (%lld bytes)\n", (long long)st.st_size);
	} else {
		(void)claw_buf_puts(out, " (special file)\n");
	}
}

static void
list_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	struct claw_error err = {0};
	char **names = NULL;
	size_t n = 0, cap = 0, total = 0;
	DIR *d = NULL;
	int fd = -1;
	const char *path = path_arg(input, ".", res);

	if (path == NULL || !have_project(ctx, res))
		goto out;
	if (claw_files_open(ctx->project, path, O_RDONLY | O_DIRECTORY, 0, &fd, &err) != CLAW_OK) {
		claw_tool_result_error(res, "%s", claw_error_text(&err));
		goto out;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		claw_tool_result_error(res, "cannot list %s", path);
		goto out;
	}
	fd = -1; /* owned by d now */
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		total++;
		if (n == CLAW_FILES_SCAN_MAX)
			continue;
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			names = claw_xrealloc(names, cap * sizeof *names);
		}
		names[n++] = claw_xstrdup(de->d_name);
	}
	if (n > 1)
		qsort(names, n, sizeof *names, by_name);
	claw_buf_reset(&res->text);
	for (size_t i = 0; i < n && i < CLAW_FILES_LIST_MAX; i++)
		list_entry(dirfd(d), names[i], &res->text);
	if (total > CLAW_FILES_LIST_MAX)
		(void)claw_buf_printf(&res->text, "... [%zu more entries]\n",
				      total - CLAW_FILES_LIST_MAX);
	if (total == 0)
		(void)claw_buf_puts(&res->text, "(empty directory)\n");
	claw_buf_truncate(&res->text, claw_buf_len(&res->text) - 1); /* last newline */
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d != NULL)
		(void)closedir(d);
	if (fd >= 0)
		(void)close(fd);
}

static const struct claw_tool read_tool = {
	.name = "read_file",
	.description = "Read a text file of the project (path relative to the project folder). "
		       "Shows at most 100000 bytes, then '... [truncated]'. With offset (first "
		       "line, 1-based) and/or limit (number of lines): only those lines, headed "
		       "'[lines A-B of N]' - the way to read a big file part by part.",
	.schema = read_schema,
	.risk = CLAW_TOOL_SAFE,
	.run = read_run,
};

static const struct claw_tool write_tool = {
	.name = "write_file",
	.description = "Create or overwrite a file of the project with the given content (path "
		       "relative to the project folder; its directory must already exist).",
	.schema = write_schema,
	.risk = CLAW_TOOL_MUTATING,
	.run = write_run,
};

static const struct claw_tool edit_tool = {
	.name = "edit_file",
	.description =
		"Replace exact text in an existing file of the project: old_text must occur "
		"exactly once (include surrounding lines to make it unique) unless "
		"replace_all is true. Prefer it to write_file for changes to existing files.",
	.schema = edit_schema,
	.risk = CLAW_TOOL_MUTATING,
	.run = edit_run,
};

static const struct claw_tool list_tool = {
	.name = "list_files",
	.description = "List one directory of the project (default: the project folder): "
		       "directories end with '/', files show their size.  At most 1000 entries.",
	.schema = list_schema,
	.risk = CLAW_TOOL_SAFE,
	.run = list_run,
};

const struct claw_tool *
claw_files_read_tool(void)
{
	return &read_tool;
}

const struct claw_tool *
claw_files_write_tool(void)
{
	return &write_tool;
}

const struct claw_tool *
claw_files_edit_tool(void)
{
	return &edit_tool;
}

const struct claw_tool *
claw_files_list_tool(void)
{
	return &list_tool;
}
