/*
 * cache — the providers' prompt-cache rules for mockllm.  See cache.h.
 *
 * Entries are a flat array scanned newest first: a benchmark run writes a
 * few thousand, and a scan is far cheaper than the HTTP round trip.
 */
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/mutex.h"

struct entry {
	uint64_t hash; /* the prefix's chained hash */
	int64_t expires_ms;
};

struct claw_mock_cache {
	struct claw_mutex mu; /* guards everything below */
	struct entry *v;
	size_t n, cap;
};

/* A request cut into blocks (cache.h). */
struct blocks {
	int64_t *cum;   /* tokens of blocks 0..k */
	uint64_t *hash; /* chained hash of blocks 0..k */
	bool *mark;     /* block k carries cache_control */
	size_t n, cap;
};

struct claw_mock_cache *
claw_mock_cache_new(void)
{
	struct claw_mock_cache *c = CLAW_NEW(struct claw_mock_cache);
	claw_mutex_init(&c->mu, "mockllm.cache");
	return c;
}

void
claw_mock_cache_free(struct claw_mock_cache *c)
{
	if (c == NULL)
		return;
	claw_mutex_destroy(&c->mu);
	free(c->v);
	free(c);
}

static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* Appends block o (with a role prefix for message blocks): its canonical
 * form is o without cache_control. */
static void
add_block(struct blocks *b, const char *role, struct json_object *o)
{
	struct json_object *copy = NULL, *mark = NULL;
	bool marked = json_object_is_type(o, json_type_object) &&
		      json_object_object_get_ex(o, "cache_control", &mark);
	if (json_object_deep_copy(o, &copy, NULL) != 0)
		abort();
	if (marked)
		json_object_object_del(copy, "cache_control");
	const char *text = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	if (b->n == b->cap) {
		b->cap = b->cap > 0 ? b->cap * 2 : 64;
		b->cum = claw_xrealloc(b->cum, b->cap * sizeof *b->cum);
		b->hash = claw_xrealloc(b->hash, b->cap * sizeof *b->hash);
		b->mark = claw_xrealloc(b->mark, b->cap * sizeof *b->mark);
	}
	uint64_t h = b->n > 0 ? b->hash[b->n - 1] : 0xcbf29ce484222325u;
	h = fnv(h, role, strlen(role) + 1);
	b->hash[b->n] = fnv(h, text, len + 1);
	b->cum[b->n] = (b->n > 0 ? b->cum[b->n - 1] : 0) + (int64_t)(len + 3) / 4;
	b->mark[b->n] = marked;
	b->n++;
	json_object_put(copy);
}

/* Each element of array a (a JSON array, or nothing) as a block. */
static void
add_each(struct blocks *b, const char *role, struct json_object *a)
{
	for (size_t i = 0;
	     json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++)
		add_block(b, role, json_object_array_get_idx(a, i));
}

/* A string content as the text block it stands for. */
static void
add_text(struct blocks *b, const char *role, struct json_object *s)
{
	struct json_object *t = json_object_new_object();
	json_object_object_add(t, "type", json_object_new_string("text"));
	json_object_object_add(t, "text", json_object_get(s));
	add_block(b, role, t);
	json_object_put(t);
}

static void
cut(struct blocks *b, enum claw_scenario_api api, struct json_object *body)
{
	struct json_object *v = NULL;
	if (json_object_object_get_ex(body, "tools", &v))
		add_each(b, "tool", v);
	if (api == CLAW_SCENARIO_OPENAI) {
		if (json_object_object_get_ex(body, "messages", &v))
			add_each(b, "message", v);
		return;
	}
	if (json_object_object_get_ex(body, "system", &v)) {
		if (json_object_is_type(v, json_type_string))
			add_text(b, "system", v);
		else
			add_each(b, "system", v);
	}
	if (!json_object_object_get_ex(body, "messages", &v))
		return;
	for (size_t i = 0;
	     json_object_is_type(v, json_type_array) && i < json_object_array_length(v); i++) {
		struct json_object *m = json_object_array_get_idx(v, i), *content = NULL, *role;
		const char *r = json_object_object_get_ex(m, "role", &role)
					? json_object_get_string(role)
					: "?";
		if (!json_object_object_get_ex(m, "content", &content))
			continue;
		if (json_object_is_type(content, json_type_string))
			add_text(b, r, content);
		else
			add_each(b, r, content);
	}
}

/* The live entry for hash (its life renewed), or false. */
static bool
hit(struct claw_mock_cache *c, uint64_t hash, int64_t now)
{
	for (size_t i = c->n; i-- > 0;)
		if (c->v[i].hash == hash && c->v[i].expires_ms > now) {
			c->v[i].expires_ms = now + CLAW_MOCK_CACHE_TTL_MS;
			return true;
		}
	return false;
}

static void
store(struct claw_mock_cache *c, uint64_t hash, int64_t now)
{
	if (hit(c, hash, now))
		return;
	if (c->n == CLAW_MOCK_CACHE_ENTRIES) {
		memmove(c->v, c->v + 1, (c->n - 1) * sizeof *c->v);
		c->n--;
	}
	if (c->n == c->cap) {
		c->cap = c->cap > 0 ? c->cap * 2 : 256;
		c->v = claw_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n++] = (struct entry){hash, now + CLAW_MOCK_CACHE_TTL_MS};
}

/* Anthropic: breakpoints write, and read back over the lookback window. */
static void
apply_breakpoints(struct claw_mock_cache *c, const struct blocks *b, int64_t now,
		  struct claw_scenario_usage *u)
{
	long read = -1, wrote = -1;
	for (size_t k = 0; k < b->n; k++) {
		if (!b->mark[k])
			continue;
		size_t low = k > CLAW_MOCK_CACHE_LOOKBACK ? k - CLAW_MOCK_CACHE_LOOKBACK : 0;
		for (size_t j = k + 1; j-- > low;)
			if ((long)j > read && hit(c, b->hash[j], now)) {
				read = (long)j;
				break;
			}
	}
	for (size_t k = 0; k < b->n; k++)
		if (b->mark[k] && b->cum[k] >= CLAW_MOCK_CACHE_MIN && (long)k > read) {
			store(c, b->hash[k], now);
			wrote = (long)k;
		}
	u->cached = read >= 0 ? b->cum[read] : 0;
	u->cache_write = wrote >= 0 ? b->cum[wrote] - u->cached : 0;
}

/* OpenAI: every boundary is written; reads count in 128-token steps. */
static void
apply_automatic(struct claw_mock_cache *c, const struct blocks *b, int64_t now,
		struct claw_scenario_usage *u)
{
	for (size_t k = b->n; k-- > 0;)
		if (b->cum[k] >= CLAW_MOCK_CACHE_MIN && hit(c, b->hash[k], now)) {
			u->cached = b->cum[k] / 128 * 128;
			break;
		}
	for (size_t k = 0; k < b->n; k++)
		if (b->cum[k] >= CLAW_MOCK_CACHE_MIN)
			store(c, b->hash[k], now);
}

bool
claw_mock_cache_apply(struct claw_mock_cache *c, enum claw_scenario_api api,
		      struct json_object *body, struct claw_scenario_usage *out, char *why,
		      size_t size)
{
	struct blocks b = {0};
	size_t marks = 0;
	bool ok = true;

	memset(out, 0, sizeof *out);
	out->measured = true;
	cut(&b, api, body);
	for (size_t k = 0; k < b.n; k++)
		marks += b.mark[k];
	if (marks > CLAW_MOCK_CACHE_BREAKPOINTS_MAX) {
		(void)snprintf(why, size,
			       "A maximum of %d blocks with cache_control may be provided. "
			       "Found %zu.",
			       CLAW_MOCK_CACHE_BREAKPOINTS_MAX, marks);
		ok = false;
		goto out;
	}
	out->in = b.n > 0 ? b.cum[b.n - 1] : 0;
	int64_t now = claw_clock_mono_ms();
	claw_mutex_lock(&c->mu);
	if (api == CLAW_SCENARIO_ANTHROPIC)
		apply_breakpoints(c, &b, now, out);
	else
		apply_automatic(c, &b, now, out);
	claw_mutex_unlock(&c->mu);
out:
	free(b.cum);
	free(b.hash);
	free(b.mark);
	return ok;
}
