/*
 * history — a step's tool results by handle.  See history.h.
 *
 * Entries are appended in handle order, so entry i holds handle first + i.
 * Dropping the oldest text frees it (and the input) and leaves the entry
 * (text NULL), which keeps the index arithmetic trivial.
 */
#include "tool/history.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"

struct item {
	char *tool;
	char *input; /* NULL once dropped for space, with text */
	char *text;  /* NULL once dropped for space */
	size_t len;
	bool is_error;
};

struct claw_history {
	int64_t first; /* handle of items[0] */
	size_t n, cap; /* items in use, allocated */
	struct item *items;
	size_t bytes;  /* sum of len over held texts */
	size_t oldest; /* index of the oldest held text */
};

struct claw_history *
claw_history_new(int64_t next)
{
	struct claw_history *h = CLAW_NEW(struct claw_history);
	h->first = next >= 1 ? next : 1;
	return h;
}

void
claw_history_free(struct claw_history *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->n; i++) {
		free(h->items[i].tool);
		free(h->items[i].input);
		free(h->items[i].text);
	}
	free(h->items);
	free(h);
}

int64_t
claw_history_add(struct claw_history *h, const char *tool, const char *input, const char *text,
		 bool is_error)
{
	size_t len = strlen(text) + strlen(input);

	if (h->n == h->cap) {
		h->cap = h->cap != 0 ? h->cap * 2 : 16;
		h->items = claw_xrealloc(h->items, h->cap * sizeof *h->items);
	}
	/* Make room: drop the oldest texts (never the one being added). */
	while (h->bytes + len > CLAW_HISTORY_BYTES_MAX && h->oldest < h->n) {
		struct item *old = &h->items[h->oldest++];
		h->bytes -= old->len;
		free(old->text);
		free(old->input);
		old->text = old->input = NULL;
		old->len = 0;
	}
	struct item *it = &h->items[h->n++];
	it->tool = claw_xstrdup(tool);
	it->len = len <= CLAW_HISTORY_BYTES_MAX ? len : 0;
	it->text = len <= CLAW_HISTORY_BYTES_MAX ? claw_xstrdup(text) : NULL;
	it->input = len <= CLAW_HISTORY_BYTES_MAX ? claw_xstrdup(input) : NULL;
	it->is_error = is_error;
	h->bytes += it->len;
	return h->first + (int64_t)(h->n - 1);
}

int64_t
claw_history_next(const struct claw_history *h)
{
	return h->first + (int64_t)h->n;
}

enum claw_err
claw_history_get(const struct claw_history *h, int64_t n, struct claw_history_entry *out,
		 struct claw_error *err)
{
	if (h->n == 0)
		return claw_error_set(err, CLAW_ENOTFOUND,
				      "run#%lld is not a tool call of this step", (long long)n);
	if (n < h->first || n >= h->first + (int64_t)h->n)
		return claw_error_set(err, CLAW_ENOTFOUND,
				      "run#%lld is not a tool call of this step (handles here: "
				      "run#%lld to run#%lld)",
				      (long long)n, (long long)h->first,
				      (long long)(h->first + (int64_t)h->n - 1));
	const struct item *it = &h->items[n - h->first];
	if (it->text == NULL)
		return claw_error_set(err, CLAW_ENOTFOUND,
				      "run#%lld is no longer held (too old): use command instead",
				      (long long)n);
	out->tool = it->tool;
	out->input = it->input;
	out->text = it->text;
	out->is_error = it->is_error;
	return CLAW_OK;
}

enum claw_err
claw_history_parse_handle(const char *s, int64_t *n, struct claw_error *err)
{
	struct claw_str t = claw_str_trim(claw_str_from(s));

	if (t.n >= 2 && t.p[0] == '[' && t.p[t.n - 1] == ']') {
		t.p++;
		t.n -= 2;
	}
	if (claw_str_starts_with(t, "run#")) {
		t.p += 4;
		t.n -= 4;
	}
	if (t.n == 0 || t.p[0] == '+' || t.p[0] == '-' ||
	    claw_str_to_i64(t, 1, INT64_MAX, n) != CLAW_OK)
		return claw_error_set(err, CLAW_EINVAL, "not a run#N handle: \"%s\"", s);
	return CLAW_OK;
}
