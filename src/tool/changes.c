/*
 * changes — git's diff and status output read into changes, and the cache
 * of diffs between two commits.  See changes.h.
 */
#include "tool/changes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"

void
claw_changes_free(struct claw_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->files[i].path);
		free(c->files[i].old_path);
	}
	free(c->files);
	memset(c, 0, sizeof *c);
}

void
claw_changes_push(struct claw_changes *ch, struct claw_change *c)
{
	ch->files = claw_xgrow(ch->files, &ch->cap, ch->n + 1, sizeof *ch->files);
	ch->files[ch->n++] = *c;
	ch->additions += c->additions;
	ch->deletions += c->deletions;
	memset(c, 0, sizeof *c);
}

void
claw_changes_push_copy(struct claw_changes *ch, const struct claw_change *c)
{
	struct claw_change copy = *c;
	copy.path = claw_xstrdup(c->path);
	copy.old_path = c->old_path != NULL ? claw_xstrdup(c->old_path) : NULL;
	claw_changes_push(ch, &copy);
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct claw_change *)a)->path, ((const struct claw_change *)b)->path);
}

void
claw_changes_sort(struct claw_changes *ch)
{
	if (ch->n > 1)
		qsort(ch->files, ch->n, sizeof *ch->files, by_path);
}

const struct claw_change *
claw_changes_find(const struct claw_changes *ch, const char *path)
{
	struct claw_change key = {.path = (char *)path};
	return ch->n == 0 ? NULL : bsearch(&key, ch->files, ch->n, sizeof *ch->files, by_path);
}

static const char *
status_name(char status)
{
	switch (status) {
	case 'A':
		return "added";
	case 'D':
		return "deleted";
	case 'R':
		return "renamed";
	default:
		return "modified";
	}
}

void
claw_changes_json(const struct claw_changes *ch, size_t max, struct claw_buf *out)
{
	size_t n = max != 0 && ch->n > max ? max : ch->n;

	(void)claw_buf_puts(out, "\"files\":[");
	for (size_t i = 0; i < n; i++) {
		const struct claw_change *c = &ch->files[i];
		(void)claw_buf_puts(out, i > 0 ? ",{\"path\":" : "{\"path\":");
		(void)claw_json_buf_append_string(out, c->path, strlen(c->path));
		if (c->old_path != NULL) {
			(void)claw_buf_puts(out, ",\"oldPath\":");
			(void)claw_json_buf_append_string(out, c->old_path, strlen(c->old_path));
		}
		(void)claw_buf_printf(out,
				      ",\"status\":\"%s\",\"additions\":%lld,\"deletions\":%lld,"
				      "\"binary\":%s%s}",
				      status_name(c->status), (long long)c->additions,
				      (long long)c->deletions, c->binary ? "true" : "false",
				      c->uncommitted ? ",\"uncommitted\":true" : "");
	}
	(void)claw_buf_printf(out, "],\"additions\":%lld,\"deletions\":%lld",
			      (long long)ch->additions, (long long)ch->deletions);
}

/* ---------------------------------------------------------------- parsers */

/* The NUL-terminated item at *p (before end) into *item, *p past it;
 * false when no NUL ends it. */
static bool
take_item(const char **p, const char *end, struct claw_str *item)
{
	const char *nul = *p < end ? memchr(*p, '\0', (size_t)(end - *p)) : NULL;
	if (nul == NULL)
		return false;
	*item = (struct claw_str){*p, (size_t)(nul - *p)};
	*p = nul + 1;
	return true;
}

/* A numstat count ("12", or "-" for a binary file) ending at a tab. */
static bool
take_count(const char **p, const char *end, int64_t *n, bool *binary)
{
	const char *tab = *p < end ? memchr(*p, '\t', (size_t)(end - *p)) : NULL;
	if (tab == NULL)
		return false;
	struct claw_str s = {*p, (size_t)(tab - *p)};
	*p = tab + 1;
	if (claw_str_eq_cstr(s, "-")) {
		*binary = true;
		*n = 0;
		return true;
	}
	return claw_str_to_i64(s, 0, CLAW_CHANGES_LINES_MAX, n) == CLAW_OK;
}

/* One raw entry (":M M S S X\0PATH\0", a rename or copy with
 * "\0OLD\0NEW\0") into *c. */
static bool
take_raw(const char **p, const char *end, struct claw_change *c)
{
	struct claw_str head, a, b = {0};
	if (!take_item(p, end, &head) || head.n < 2 || head.p[0] != ':')
		return false;
	const char *space = memrchr(head.p, ' ', head.n);
	if (space == NULL || space + 1 >= head.p + head.n)
		return false;
	char status = space[1];
	bool two = status == 'R' || status == 'C';
	if (!take_item(p, end, &a) || (two && !take_item(p, end, &b)))
		return false;
	c->path = claw_str_dup(two ? b : a);
	c->old_path = two ? claw_str_dup(a) : NULL;
	c->status = two ? 'R' : status == 'A' || status == 'D' ? status : 'M';
	return true;
}

/* The numbers of c ("A\tD\tPATH\0", a rename "A\tD\t\0OLD\0NEW\0"),
 * which must name the same file. */
static bool
take_numstat(const char **p, const char *end, struct claw_change *c)
{
	struct claw_str path, old;
	if (!take_count(p, end, &c->additions, &c->binary) ||
	    !take_count(p, end, &c->deletions, &c->binary))
		return false;
	if (*p < end && **p == '\0') {
		(*p)++;
		if (!take_item(p, end, &old) || !take_item(p, end, &path) || c->old_path == NULL ||
		    !claw_str_eq_cstr(old, c->old_path))
			return false;
	} else if (!take_item(p, end, &path) || c->old_path != NULL) {
		return false;
	}
	return claw_str_eq_cstr(path, c->path);
}

enum claw_err
claw_changes_parse_diff(const char *out, size_t len, struct claw_changes *ch,
			struct claw_error *err)
{
	const char *p = out, *end = out + len;
	size_t i = 0;

	memset(ch, 0, sizeof *ch);
	while (p < end && *p == ':') {
		struct claw_change c = {0};
		if (!take_raw(&p, end, &c)) {
			free(c.path);
			free(c.old_path);
			goto bad;
		}
		claw_changes_push(ch, &c);
	}
	for (; i < ch->n; i++)
		if (!take_numstat(&p, end, &ch->files[i]))
			goto bad;
	if (p != end)
		goto bad;
	for (i = 0; i < ch->n; i++) {
		ch->additions += ch->files[i].additions;
		ch->deletions += ch->files[i].deletions;
	}
	return CLAW_OK;
bad:
	claw_changes_free(ch);
	return claw_error_set(err, CLAW_EIO, "git diff printed what claw cannot read");
}

void
claw_status_free(struct claw_status *st)
{
	for (size_t i = 0; i < st->n_changed; i++)
		free(st->changed[i]);
	for (size_t i = 0; i < st->n_untracked; i++)
		free(st->untracked[i]);
	free(st->changed);
	free(st->untracked);
	memset(st, 0, sizeof *st);
}

static void
push_path(char ***list, size_t *n, size_t *cap, struct claw_str path)
{
	*list = claw_xgrow(*list, cap, *n + 1, sizeof **list);
	(*list)[(*n)++] = claw_str_dup(path);
}

/* The rest of line after skipping fields space-separated fields. */
static bool
skip_fields(struct claw_str *line, int fields)
{
	for (int i = 0; i < fields; i++) {
		const char *space = memchr(line->p, ' ', line->n);
		if (space == NULL)
			return false;
		line->n -= (size_t)(space + 1 - line->p);
		line->p = space + 1;
	}
	return line->n > 0;
}

bool
claw_git_oid_valid(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");
	return id[n] == '\0' && (n == 40 || n == 64);
}

enum claw_err
claw_changes_parse_status(const char *out, size_t len, struct claw_status *st,
			  struct claw_error *err)
{
	const char *p = out, *end = out + len;
	size_t cap_changed = 0, cap_untracked = 0;
	struct claw_str line, old;

	memset(st, 0, sizeof *st);
	while (p < end) {
		if (!take_item(&p, end, &line) || line.n < 2 || line.p[1] != ' ')
			goto bad;
		char kind = line.p[0];
		struct claw_str rest = line;
		if (kind == '#') {
			static const char oid[] = "# branch.oid ";
			if (line.n > sizeof oid - 1 && memcmp(line.p, oid, sizeof oid - 1) == 0) {
				struct claw_str id = {line.p + sizeof oid - 1,
						      line.n - (sizeof oid - 1)};
				if (id.n < sizeof st->head)
					(void)snprintf(st->head, sizeof st->head, "%.*s", (int)id.n,
						       id.p);
				if (!claw_git_oid_valid(st->head))
					st->head[0] = '\0'; /* "(initial)" */
			}
		} else if (kind == '?') {
			if (!skip_fields(&rest, 1))
				goto bad;
			push_path(&st->untracked, &st->n_untracked, &cap_untracked, rest);
		} else if (kind == '1' || kind == '2' || kind == 'u') {
			if (!skip_fields(&rest, kind == '1' ? 8 : kind == '2' ? 9 : 10))
				goto bad;
			push_path(&st->changed, &st->n_changed, &cap_changed, rest);
			if (kind == '2') { /* the rename's origin follows */
				if (!take_item(&p, end, &old))
					goto bad;
				push_path(&st->changed, &st->n_changed, &cap_changed, old);
			}
		} else if (kind != '!') {
			goto bad;
		}
	}
	return CLAW_OK;
bad:
	claw_status_free(st);
	return claw_error_set(err, CLAW_EIO, "git status printed what claw cannot read");
}

/* ------------------------------------------------------------------ cache */

/* One kept diff. */
struct slot {
	char *repo; /* NULL: free */
	char from[CLAW_GIT_OID_SIZE], to[CLAW_GIT_OID_SIZE];
	struct claw_changes ch;
	uint64_t used; /* cache_clock when last hit or filled */
};

/* cache_lock guards slots and cache_clock; taken alone, never across git. */
static struct slot slots[CLAW_CHANGES_CACHE_SLOTS];
static uint64_t cache_clock;
static struct claw_mutex cache_lock;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void
cache_init(void)
{
	claw_mutex_init(&cache_lock, "changes cache");
}

static void
copy_changes(const struct claw_changes *from, struct claw_changes *to)
{
	memset(to, 0, sizeof *to);
	memcpy(to->head, from->head, sizeof to->head);
	for (size_t i = 0; i < from->n; i++)
		claw_changes_push_copy(to, &from->files[i]);
}

static struct slot *
find_slot(const char *repo, const char *from, const char *to)
{
	claw_mutex_assert_held(&cache_lock);
	for (size_t i = 0; i < CLAW_CHANGES_CACHE_SLOTS; i++)
		if (slots[i].repo != NULL && strcmp(slots[i].repo, repo) == 0 &&
		    strcmp(slots[i].from, from) == 0 && strcmp(slots[i].to, to) == 0)
			return &slots[i];
	return NULL;
}

bool
claw_changes_cached(const char *repo, const char *from, const char *to, struct claw_changes *out)
{
	memset(out, 0, sizeof *out);
	if (!claw_git_oid_valid(from) || !claw_git_oid_valid(to))
		return false;
	(void)pthread_once(&cache_once, cache_init);
	claw_mutex_lock(&cache_lock);
	struct slot *s = find_slot(repo, from, to);
	if (s != NULL) {
		s->used = ++cache_clock;
		copy_changes(&s->ch, out);
	}
	claw_mutex_unlock(&cache_lock);
	return s != NULL;
}

void
claw_changes_cache(const char *repo, const char *from, const char *to,
		   const struct claw_changes *ch)
{
	if (!claw_git_oid_valid(from) || !claw_git_oid_valid(to) ||
	    ch->n > CLAW_CHANGES_CACHE_FILES)
		return;
	struct claw_changes copy;
	copy_changes(ch, &copy);
	(void)pthread_once(&cache_once, cache_init);
	claw_mutex_lock(&cache_lock);
	struct slot *s = find_slot(repo, from, to);
	if (s == NULL) { /* the least recently used; a free one (used 0) first */
		s = &slots[0];
		for (size_t i = 1; i < CLAW_CHANGES_CACHE_SLOTS; i++)
			if (slots[i].used < s->used)
				s = &slots[i];
	}
	struct claw_changes old = s->ch;
	char *old_repo = s->repo;
	s->repo = claw_xstrdup(repo);
	(void)snprintf(s->from, sizeof s->from, "%s", from);
	(void)snprintf(s->to, sizeof s->to, "%s", to);
	s->ch = copy;
	s->used = ++cache_clock;
	claw_mutex_unlock(&cache_lock);
	free(old_repo);
	claw_changes_free(&old);
}
