/*
 * envfile — line parser and reader for claw.env.  See envfile.h.
 */
#include "base/envfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_key_char(char c)
{
	return is_key_start(c) || (c >= '0' && c <= '9');
}

/* Parses one line (without its '\n' or '\r').  Sets *has_pair when the line
 * holds a KEY=value; else it was blank or a comment.  Returns NULL or what is
 * wrong with the line. */
static const char *
parse_line(struct claw_str line, struct claw_str *key, struct claw_str *value, bool *has_pair)
{
	const char *p = line.p, *end = line.p + line.n;

	*has_pair = false;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return NULL;
	if (end - p > 7 && memcmp(p, "export", 6) == 0 && is_blank(p[6])) {
		p += 7;
		while (p < end && is_blank(*p))
			p++;
	}
	if (p == end || !is_key_start(*p))
		return "expected KEY=value";
	key->p = p;
	while (p < end && is_key_char(*p))
		p++;
	key->n = (size_t)(p - key->p);
	if (p == end || *p != '=')
		return "expected KEY=value";
	p++;

	while (p < end && is_blank(*p))
		p++;
	if (p < end && (*p == '\'' || *p == '"')) {
		const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (close == NULL)
			return "unterminated quote";
		value->p = p + 1;
		value->n = (size_t)(close - p - 1);
		p = close + 1;
		while (p < end && is_blank(*p))
			p++;
		if (p < end && *p != '#')
			return "unexpected text after the closing quote";
	} else {
		/* As in the shell, '#' starts a comment only after a blank. */
		const char *q = p;
		while (q < end && !(*q == '#' && q > p && is_blank(q[-1])))
			q++;
		while (q > p && is_blank(q[-1]))
			q--;
		value->p = p;
		value->n = (size_t)(q - p);
	}
	*has_pair = true;
	return NULL;
}

enum claw_err
claw_envfile_parse(const char *text, size_t len, const char *name, claw_envfile_fn fn, void *ctx,
		   struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_str rest = {text, len};
	unsigned lineno = 0;

	if (rest.n >= 3 && memcmp(rest.p, "\xEF\xBB\xBF", 3) == 0) {
		rest.p += 3;
		rest.n -= 3;
	}
	while (rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		struct claw_str key = {NULL, 0}, value = {NULL, 0};
		bool has_pair;

		lineno++;
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		if (memchr(line.p, '\0', line.n) != NULL) {
			rc = claw_error_set(err, CLAW_ECONFIG, "%s:%u: NUL byte", name, lineno);
			goto out;
		}
		const char *bad = parse_line(line, &key, &value, &has_pair);
		if (bad != NULL) {
			rc = claw_error_set(err, CLAW_ECONFIG, "%s:%u: %s", name, lineno, bad);
			goto out;
		}
		if (!has_pair)
			continue;
		rc = fn(ctx, key, value, lineno, err);
		if (rc != CLAW_OK) {
			claw_error_prefix(err, "%s:%u", name, lineno);
			goto out;
		}
	}
out:
	return rc;
}

enum claw_err
claw_envfile_load(const char *path, claw_envfile_fn fn, void *ctx, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char ebuf[128];
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		rc = claw_error_set(err, e == ENOENT ? CLAW_ENOTFOUND : CLAW_EIO,
				    "cannot open %s: %s", path,
				    claw_errno_text(e, ebuf, sizeof ebuf));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = claw_error_set(err, CLAW_EIO, "%s is not a regular file", path);
		goto out;
	}
	/* One allocation of the full cap: growing with realloc would leave
	 * copies of the file (API keys) in freed memory. */
	text = claw_xmalloc(CLAW_ENVFILE_MAX + 1);
	for (;;) {
		ssize_t r = read(fd, text + len, CLAW_ENVFILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			rc = claw_error_set(err, CLAW_EIO, "cannot read %s: %s", path,
					    claw_errno_text(e, ebuf, sizeof ebuf));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CLAW_ENVFILE_MAX) {
			rc = claw_error_set(err, CLAW_ETOOBIG, "%s is bigger than %d bytes", path,
					    CLAW_ENVFILE_MAX);
			goto out;
		}
	}
	rc = claw_envfile_parse(text, len, path, fn, ctx, err);
out:
	if (text != NULL) {
		explicit_bzero(text, CLAW_ENVFILE_MAX + 1);
		free(text);
	}
	if (fd >= 0)
		(void)close(fd);
	return rc;
}
