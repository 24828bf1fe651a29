/*
 * secrets — loading, checking and redacting a project's secrets.  See
 * secrets.h.
 *
 * Redaction scans the text once.  A 256-entry table of the values' first
 * bytes lets most positions be skipped with one lookup; at a candidate
 * position the values are tried longest first (the array is kept sorted that
 * way), so the longest value starting there wins.
 */
#include "tool/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"

struct var {
	char *name;
	char *value;
	size_t len;
};

struct claw_secrets {
	size_t n;
	struct var vars[CLAW_SECRETS_COUNT_MAX];
	bool first[256]; /* first bytes of the values */
};

char *
claw_secrets_path(const char *home, const char *key)
{
	return claw_xasprintf("%s/projects/%s.secrets", home, key);
}

struct claw_secrets *
claw_secrets_empty(void)
{
	return CLAW_NEW(struct claw_secrets);
}

/* Overwrites n bytes so a freed value does not linger in the heap. */
static void
wipe(char *p, size_t n)
{
	volatile char *v = p;
	while (n-- > 0)
		*v++ = 0;
}

void
claw_secrets_free(struct claw_secrets *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->vars[i].name);
		wipe(s->vars[i].value, s->vars[i].len);
		free(s->vars[i].value);
	}
	free(s);
}

size_t
claw_secrets_count(const struct claw_secrets *s)
{
	return s != NULL ? s->n : 0;
}

const char *
claw_secrets_name(const struct claw_secrets *s, size_t i)
{
	return i < s->n ? s->vars[i].name : NULL;
}

const char *
claw_secrets_value(const struct claw_secrets *s, size_t i)
{
	return i < s->n ? s->vars[i].value : NULL;
}

static bool
name_valid(struct claw_str name)
{
	if (name.n == 0 || name.n > CLAW_SECRETS_NAME_MAX || name.p[0] < 'A' || name.p[0] > 'Z')
		return false;
	for (size_t i = 1; i < name.n; i++) {
		char c = name.p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* Inserts v keeping vars sorted by decreasing length (stable). */
static void
insert_sorted(struct claw_secrets *s, struct var v)
{
	size_t at = s->n;
	while (at > 0 && s->vars[at - 1].len < v.len) {
		s->vars[at] = s->vars[at - 1];
		at--;
	}
	s->vars[at] = v;
	s->n++;
	s->first[(unsigned char)v.value[0]] = true;
}

/* Parses one NAME=value line (already trimmed, not blank, not a comment). */
static enum claw_err
parse_line(struct claw_secrets *s, struct claw_str line, const char *origin, int lineno,
	   struct claw_error *err)
{
	struct claw_str value = line;
	struct claw_str name = claw_str_cut(&value, '=');

	if (name.n == line.n)
		return claw_error_set(err, CLAW_EINVAL, "%s:%d: expected NAME=value", origin,
				      lineno);
	name = claw_str_trim(name);
	if (!name_valid(name))
		/* Not echoed: a malformed line may be a pasted value. */
		return claw_error_set(err, CLAW_EINVAL,
				      "%s:%d: bad name (want [A-Z][A-Z0-9_]*, at most %d bytes)",
				      origin, lineno, CLAW_SECRETS_NAME_MAX);
	value = claw_str_trim(value);
	if (value.n >= 2 && (value.p[0] == '"' || value.p[0] == '\'') &&
	    value.p[value.n - 1] == value.p[0]) {
		value.p++;
		value.n -= 2;
	}
	if (value.n < CLAW_SECRETS_VALUE_MIN)
		return claw_error_set(err, CLAW_EINVAL,
				      "%s:%d: the value of %.*s is shorter than %d characters",
				      origin, lineno, (int)name.n, name.p, CLAW_SECRETS_VALUE_MIN);
	if (value.n > CLAW_SECRETS_VALUE_MAX)
		return claw_error_set(err, CLAW_ETOOBIG,
				      "%s:%d: the value of %.*s is longer than %d bytes", origin,
				      lineno, (int)name.n, name.p, CLAW_SECRETS_VALUE_MAX);
	if (memchr(value.p, '\0', value.n) != NULL)
		return claw_error_set(err, CLAW_EINVAL, "%s:%d: the value of %.*s has a NUL byte",
				      origin, lineno, (int)name.n, name.p);
	for (size_t i = 0; i < s->n; i++)
		if (claw_str_eq_cstr(name, s->vars[i].name))
			return claw_error_set(err, CLAW_EINVAL, "%s:%d: %.*s is set twice", origin,
					      lineno, (int)name.n, name.p);
	if (s->n == CLAW_SECRETS_COUNT_MAX)
		return claw_error_set(err, CLAW_ETOOBIG, "%s: more than %d secrets", origin,
				      CLAW_SECRETS_COUNT_MAX);
	insert_sorted(s, (struct var){claw_str_dup(name), claw_str_dup(value), value.n});
	return CLAW_OK;
}

enum claw_err
claw_secrets_parse(const char *text, size_t n, const char *origin, struct claw_secrets **out,
		   struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_secrets *s = claw_secrets_empty();
	struct claw_str rest = {text, n};
	int lineno = 0;

	if (n > CLAW_SECRETS_FILE_MAX) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "%s is over %d bytes", origin,
				    CLAW_SECRETS_FILE_MAX);
		goto out;
	}
	while (rest.n > 0) {
		struct claw_str line = claw_str_trim(claw_str_cut(&rest, '\n'));
		lineno++;
		if (line.n == 0 || line.p[0] == '#')
			continue;
		rc = parse_line(s, line, origin, lineno, err);
		if (rc != CLAW_OK)
			goto out;
	}
	*out = s;
	s = NULL;
out:
	claw_secrets_free(s);
	return rc;
}

enum claw_err
claw_private_file_read(const char *path, const char *what, size_t max, char **text, size_t *len,
		       struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct stat st;
	char e[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	*text = NULL;
	*len = 0;
	if (fd < 0 && errno == ENOENT)
		return claw_error_set(err, CLAW_ENOTFOUND, "no %s %s", what, path);
	if (fd < 0)
		return claw_error_set(err, errno == ELOOP ? CLAW_ECONFIG : CLAW_EIO,
				      "cannot open %s %s: %s", what, path,
				      errno == ELOOP ? "it is a symbolic link"
						     : claw_errno_text(errno, e, sizeof e));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = claw_error_set(err, CLAW_ECONFIG, "%s %s is not a regular file", what, path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = claw_error_set(err, CLAW_ECONFIG,
				    "%s %s must not be accessible by others (mode "
				    "%04o): run chmod 600 %s",
				    what, path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "%s %s is over %zu bytes", what, path, max);
		goto out;
	}
	*text = claw_xmalloc((size_t)st.st_size + 1);
	while (*len < (size_t)st.st_size) {
		ssize_t r = read(fd, *text + *len, (size_t)st.st_size - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = claw_error_set(err, CLAW_EIO, "cannot read %s %s: %s", what, path,
					    claw_errno_text(errno, e, sizeof e));
			claw_private_file_free(*text, (size_t)st.st_size);
			*text = NULL;
			*len = 0;
			goto out;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	(*text)[*len] = '\0';
out:
	(void)close(fd);
	return rc;
}

void
claw_private_file_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	wipe(text, len);
	free(text);
}

enum claw_err
claw_secrets_load(const char *path, struct claw_secrets **out, struct claw_error *err)
{
	char *text = NULL;
	size_t len = 0;
	enum claw_err rc = claw_private_file_read(path, "secrets file", CLAW_SECRETS_FILE_MAX,
						  &text, &len, err);

	if (rc == CLAW_ENOTFOUND) {
		claw_error_clear(err);
		*out = claw_secrets_empty();
		return CLAW_OK;
	}
	if (rc == CLAW_OK)
		rc = claw_secrets_parse(text, len, path, out, err);
	claw_private_file_free(text, len);
	return rc;
}

enum claw_err
claw_secrets_redact(const struct claw_secrets *s, const char *text, size_t n, struct claw_buf *out)
{
	size_t plain = 0; /* start of the run of text not yet copied */

	if (s == NULL || s->n == 0)
		return claw_buf_append(out, text, n);
	for (size_t i = 0; i < n;) {
		const struct var *hit = NULL;
		if (s->first[(unsigned char)text[i]])
			for (size_t k = 0; k < s->n && hit == NULL; k++)
				if (s->vars[k].len <= n - i &&
				    memcmp(text + i, s->vars[k].value, s->vars[k].len) == 0)
					hit = &s->vars[k];
		if (hit == NULL) {
			i++;
			continue;
		}
		(void)claw_buf_append(out, text + plain, i - plain);
		(void)claw_buf_printf(out, "[redacted %s]", hit->name);
		i += hit->len;
		plain = i;
	}
	return claw_buf_append(out, text + plain, n - plain);
}
