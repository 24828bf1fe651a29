/*
 * pricing — the price table.  See pricing.h.
 *
 * The built-in table is JSON text parsed by the same code as a pricing
 * file, once, under pthread_once; a unit test checks that it parses.  Rows
 * are kept sorted by descending prefix length so the first match is the
 * longest.
 */
#include "llm/pricing.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"

struct row {
	char *prefix; /* owned, non-empty */
	size_t len;
	struct claw_price price;
};

struct claw_pricing {
	struct row *rows; /* owned, n of them, longest prefix first */
	size_t n;
	struct claw_price dflt;
};

/* USD per million tokens, list prices as known when written; Anthropic
 * cache writes at 1.25x input (5-minute entries) and 2x (1-hour); context
 * windows in tokens. */
static const char builtin_json[] =
	"{\"models\": ["
	/* Anthropic */
	"{\"prefix\": \"claude-opus-4-5\", \"input\": 5, \"cached\": 0.5, \"cache_write\": 6.25,"
	" \"cache_write_1h\": 10, \"output\": 25, \"context\": 200000},"
	"{\"prefix\": \"claude-opus-4\", \"input\": 15, \"cached\": 1.5, \"cache_write\": 18.75,"
	" \"cache_write_1h\": 30, \"output\": 75, \"context\": 200000},"
	"{\"prefix\": \"claude-sonnet-4\", \"input\": 3, \"cached\": 0.3, \"cache_write\": 3.75,"
	" \"cache_write_1h\": 6, \"output\": 15, \"context\": 200000},"
	"{\"prefix\": \"claude-haiku-4\", \"input\": 1, \"cached\": 0.1, \"cache_write\": 1.25,"
	" \"cache_write_1h\": 2, \"output\": 5, \"context\": 200000},"
	"{\"prefix\": \"claude-3-7-sonnet\", \"input\": 3, \"cached\": 0.3, \"cache_write\": 3.75,"
	" \"cache_write_1h\": 6, \"output\": 15, \"context\": 200000},"
	"{\"prefix\": \"claude-3-5-sonnet\", \"input\": 3, \"cached\": 0.3, \"cache_write\": 3.75,"
	" \"cache_write_1h\": 6, \"output\": 15, \"context\": 200000},"
	"{\"prefix\": \"claude-3-5-haiku\", \"input\": 0.8, \"cached\": 0.08, \"cache_write\": 1,"
	" \"cache_write_1h\": 1.6, \"output\": 4, \"context\": 200000},"
	"{\"prefix\": \"claude-3-opus\", \"input\": 15, \"cached\": 1.5, \"cache_write\": 18.75,"
	" \"cache_write_1h\": 30, \"output\": 75, \"context\": 200000},"
	"{\"prefix\": \"claude-3-haiku\", \"input\": 0.25, \"cached\": 0.03, \"cache_write\": "
	"0.3125,"
	" \"cache_write_1h\": 0.5, \"output\": 1.25, \"context\": 200000},"
	/* OpenAI: cache writes are free (the input price) */
	"{\"prefix\": \"gpt-5\", \"input\": 1.25, \"cached\": 0.125, \"output\": 10, \"context\": "
	"400000},"
	"{\"prefix\": \"gpt-5-mini\", \"input\": 0.25, \"cached\": 0.025, \"output\": 2, "
	"\"context\": 400000},"
	"{\"prefix\": \"gpt-5-nano\", \"input\": 0.05, \"cached\": 0.005, \"output\": 0.4, "
	"\"context\": 400000},"
	"{\"prefix\": \"gpt-4.1\", \"input\": 2, \"cached\": 0.5, \"output\": 8, \"context\": "
	"1047576},"
	"{\"prefix\": \"gpt-4.1-mini\", \"input\": 0.4, \"cached\": 0.1, \"output\": 1.6, "
	"\"context\": 1047576},"
	"{\"prefix\": \"gpt-4.1-nano\", \"input\": 0.1, \"cached\": 0.025, \"output\": 0.4, "
	"\"context\": 1047576},"
	"{\"prefix\": \"gpt-4o\", \"input\": 2.5, \"cached\": 1.25, \"output\": 10, \"context\": "
	"128000},"
	"{\"prefix\": \"gpt-4o-mini\", \"input\": 0.15, \"cached\": 0.075, \"output\": 0.6, "
	"\"context\": 128000},"
	"{\"prefix\": \"gpt-4-turbo\", \"input\": 10, \"output\": 30, \"context\": 128000},"
	"{\"prefix\": \"gpt-4\", \"input\": 30, \"output\": 60, \"context\": 8192},"
	"{\"prefix\": \"gpt-3.5-turbo\", \"input\": 0.5, \"output\": 1.5, \"context\": 16385},"
	"{\"prefix\": \"o1\", \"input\": 15, \"cached\": 7.5, \"output\": 60, \"context\": 200000},"
	"{\"prefix\": \"o1-mini\", \"input\": 1.1, \"cached\": 0.55, \"output\": 4.4, \"context\": "
	"128000},"
	"{\"prefix\": \"o1-pro\", \"input\": 150, \"output\": 600, \"context\": 200000},"
	"{\"prefix\": \"o3\", \"input\": 2, \"cached\": 0.5, \"output\": 8, \"context\": 200000},"
	"{\"prefix\": \"o3-mini\", \"input\": 1.1, \"cached\": 0.55, \"output\": 4.4, \"context\": "
	"200000},"
	"{\"prefix\": \"o3-pro\", \"input\": 20, \"output\": 80, \"context\": 200000},"
	"{\"prefix\": \"o4-mini\", \"input\": 1.1, \"cached\": 0.275, \"output\": 4.4, "
	"\"context\": 200000},"
	/* DeepSeek */
	"{\"prefix\": \"deepseek-chat\", \"input\": 0.27, \"cached\": 0.07, \"output\": 1.1, "
	"\"context\": 128000},"
	"{\"prefix\": \"deepseek-reasoner\", \"input\": 0.55, \"cached\": 0.14, \"output\": 2.19, "
	"\"context\": 128000}"
	"],"
	/* Unknown models are charged like a mid-range model so budgets still
	 * bite; a local model's users set its row to 0 in CLAW_PRICING_FILE.
	 * Their context is unknown (0): compacted only when refused. */
	"\"default\": {\"input\": 3, \"cached\": 0.3, \"output\": 15}}";

static struct claw_pricing *builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

void
claw_pricing_free(struct claw_pricing *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->rows[i].prefix);
	free(p->rows);
	free(p);
}

static struct claw_pricing *
copy_table(const struct claw_pricing *src)
{
	struct claw_pricing *p = CLAW_NEW(struct claw_pricing);
	p->dflt = src->dflt;
	p->rows = claw_xcalloc(src->n + 1, sizeof *p->rows);
	for (size_t i = 0; i < src->n; i++) {
		p->rows[i] = src->rows[i];
		p->rows[i].prefix = claw_xstrdup(src->rows[i].prefix);
	}
	p->n = src->n;
	return p;
}

/* A price field: a number in [0, 10000]. */
static enum claw_err
get_price(struct json_object *o, const char *key, bool required, double *out, const char *where,
	  struct claw_error *err)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (!required)
			return CLAW_OK;
		return claw_error_set(err, CLAW_EINVAL, "%s: missing field \"%s\"", where, key);
	}
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (isfinite(d) && d >= 0 && d <= 10000) {
			*out = d;
			return CLAW_OK;
		}
	}
	return claw_error_set(err, CLAW_EINVAL, "%s: field \"%s\" must be a number from 0 to 10000",
			      where, key);
}

static enum claw_err
check_keys(struct json_object *o, const char *const *allowed, const char *where,
	   struct claw_error *err)
{
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		bool known = false;
		for (size_t i = 0; allowed[i] != NULL; i++)
			known = known || strcmp(allowed[i], key) == 0;
		if (!known)
			return claw_error_set(err, CLAW_EINVAL, "%s: unknown field \"%s\"", where,
					      key);
	}
	return CLAW_OK;
}

/* A context size: an integer in [0, CLAW_PRICING_CONTEXT_MAX]. */
static enum claw_err
get_context(struct json_object *o, int64_t *out, const char *where, struct claw_error *err)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, "context", &v))
		return CLAW_OK;
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		if (n >= 0 && n <= CLAW_PRICING_CONTEXT_MAX) {
			*out = n;
			return CLAW_OK;
		}
	}
	return claw_error_set(err, CLAW_EINVAL,
			      "%s: field \"context\" must be an integer from 0 to %lld tokens",
			      where, (long long)CLAW_PRICING_CONTEXT_MAX);
}

/* Reads {"input", "cached"?, "cache_write"?, "cache_write_1h"?, "output",
 * "context"?} from o. */
static enum claw_err
get_prices(struct json_object *o, struct claw_price *out, const char *where, bool with_prefix,
	   struct claw_error *err)
{
	static const char *const row_keys[] = {"prefix",         "input",  "cached",  "cache_write",
					       "cache_write_1h", "output", "context", NULL};
	enum claw_err rc;

	if (!json_object_is_type(o, json_type_object))
		return claw_error_set(err, CLAW_EINVAL, "%s: expected an object", where);
	rc = check_keys(o, with_prefix ? row_keys : row_keys + 1, where, err);
	if (rc == CLAW_OK)
		rc = get_price(o, "input", true, &out->input, where, err);
	out->cached = out->cache_write = out->input;
	if (rc == CLAW_OK)
		rc = get_price(o, "cached", false, &out->cached, where, err);
	if (rc == CLAW_OK)
		rc = get_price(o, "cache_write", false, &out->cache_write, where, err);
	out->cache_write_1h = out->cache_write;
	if (rc == CLAW_OK)
		rc = get_price(o, "cache_write_1h", false, &out->cache_write_1h, where, err);
	if (rc == CLAW_OK)
		rc = get_price(o, "output", true, &out->output, where, err);
	out->context = 0;
	if (rc == CLAW_OK)
		rc = get_context(o, &out->context, where, err);
	return rc;
}

/* Adds or replaces the row for prefix. */
static void
put_row(struct claw_pricing *p, const char *prefix, struct claw_price price)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->rows[i].prefix, prefix) == 0) {
			p->rows[i].price = price;
			return;
		}
	}
	p->rows = claw_xrealloc(p->rows, (p->n + 1) * sizeof *p->rows);
	p->rows[p->n].prefix = claw_xstrdup(prefix);
	p->rows[p->n].len = strlen(prefix);
	p->rows[p->n].price = price;
	p->n++;
}

static int
by_length_desc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return strcmp(x->prefix, y->prefix);
}

/* Overlays the document text on base (NULL: an empty table). */
static enum claw_err
parse_over(const struct claw_pricing *base, const char *text, size_t len, struct claw_pricing **out,
	   struct claw_error *err)
{
	static const char *const top_keys[] = {"models", "default", NULL};
	enum claw_err rc = CLAW_OK;
	struct json_object *root = NULL, *models = NULL, *dflt = NULL;
	struct claw_pricing *p = NULL;
	char where[64];

	*out = NULL;
	rc = claw_json_parse(text, len, &root, err);
	if (rc != CLAW_OK)
		goto out;
	if (!json_object_is_type(root, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINVAL, "expected a JSON object");
		goto out;
	}
	rc = check_keys(root, top_keys, "price table", err);
	if (rc != CLAW_OK)
		goto out;
	p = base != NULL ? copy_table(base) : CLAW_NEW(struct claw_pricing);
	if (json_object_object_get_ex(root, "models", &models)) {
		if (!json_object_is_type(models, json_type_array)) {
			rc = claw_error_set(err, CLAW_EINVAL, "field \"models\" must be an array");
			goto out;
		}
		size_t n = json_object_array_length(models);
		if (n > CLAW_PRICING_ROWS_MAX) {
			rc = claw_error_set(err, CLAW_ETOOBIG, "%zu models, at most %d", n,
					    CLAW_PRICING_ROWS_MAX);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(models, i);
			struct claw_price price = {0};
			(void)snprintf(where, sizeof where, "models[%zu]", i);
			rc = get_prices(o, &price, where, true, err);
			if (rc != CLAW_OK)
				goto out;
			const char *prefix = claw_llm_json_get_str(o, "prefix");
			if (prefix == NULL || prefix[0] == '\0' ||
			    strlen(prefix) > CLAW_PRICING_PREFIX_MAX) {
				rc = claw_error_set(
					err, CLAW_EINVAL,
					"%s: field \"prefix\" must be a non-empty string "
					"of at most %d bytes",
					where, CLAW_PRICING_PREFIX_MAX);
				goto out;
			}
			put_row(p, prefix, price);
		}
	}
	if (json_object_object_get_ex(root, "default", &dflt)) {
		rc = get_prices(dflt, &p->dflt, "default", false, err);
		if (rc != CLAW_OK)
			goto out;
	}
	if (p->n > 1)
		qsort(p->rows, p->n, sizeof *p->rows, by_length_desc);
	*out = p;
	p = NULL;
out:
	claw_pricing_free(p);
	json_object_put(root);
	return rc;
}

static void
build_builtin(void)
{
	struct claw_error err;
	if (parse_over(NULL, builtin_json, sizeof builtin_json - 1, &builtin, &err) != CLAW_OK) {
		fprintf(stderr, "claw: built-in price table: %s\n", err.msg);
		abort();
	}
}

const struct claw_pricing *
claw_pricing_builtin(void)
{
	(void)pthread_once(&builtin_once, build_builtin);
	return builtin;
}

enum claw_err
claw_pricing_parse(const char *text, size_t len, struct claw_pricing **out, struct claw_error *err)
{
	return parse_over(claw_pricing_builtin(), text, len, out, err);
}

enum claw_err
claw_pricing_load(const char *path, struct claw_pricing **out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct claw_buf b = CLAW_BUF_INIT(CLAW_PRICING_FILE_MAX);
	char chunk[4096], ebuf[128];
	int fd = -1;

	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		*out = copy_table(claw_pricing_builtin());
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = claw_error_set(err, CLAW_EIO, "%s: %s", path,
				    claw_errno_text(errno, ebuf, sizeof ebuf));
		goto out;
	}
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof chunk);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = claw_error_set(err, CLAW_EIO, "%s: %s", path,
					    claw_errno_text(errno, ebuf, sizeof ebuf));
			goto out;
		}
		if (k == 0)
			break;
		if (claw_buf_append(&b, chunk, (size_t)k) != CLAW_OK) {
			rc = claw_error_set(err, CLAW_ETOOBIG, "%s: over %u bytes", path,
					    CLAW_PRICING_FILE_MAX);
			goto out;
		}
	}
	rc = claw_pricing_parse(claw_buf_str(&b), claw_buf_len(&b), out, err);
	if (rc != CLAW_OK)
		claw_error_prefix(err, "%s", path);
out:
	if (fd >= 0)
		close(fd);
	claw_buf_free(&b);
	return rc;
}

static const struct row *
find_row(const struct claw_pricing *p, const char *model)
{
	for (size_t i = 0; i < p->n; i++)
		if (strncmp(model, p->rows[i].prefix, p->rows[i].len) == 0)
			return &p->rows[i];
	return NULL;
}

struct claw_price
claw_pricing_lookup(const struct claw_pricing *p, const char *model, const char **prefix)
{
	const struct row *r = NULL;
	if (model != NULL) {
		r = find_row(p, model);
		const char *slash = strrchr(model, '/');
		if (r == NULL && slash != NULL)
			r = find_row(p, slash + 1);
	}
	if (prefix != NULL)
		*prefix = r != NULL ? r->prefix : "";
	return r != NULL ? r->price : p->dflt;
}

/* n within [0, max]. */
static int64_t
clamp(int64_t n, int64_t max)
{
	return n < 0 ? 0 : n < max ? n : max;
}

int64_t
claw_pricing_cost_micros(const struct claw_pricing *p, const char *model,
			 const struct claw_llm_usage *u)
{
	struct claw_price price = claw_pricing_lookup(p, model, NULL);
	int64_t in = u->in > 0 ? u->in : 0;
	int64_t cached = clamp(u->cached, in);
	int64_t write = clamp(u->cache_write, in - cached);
	int64_t write_1h = clamp(u->cache_write_1h, write);
	int64_t out = u->out > 0 ? u->out : 0;
	double micros = (double)(in - cached - write) * price.input +
			(double)cached * price.cached +
			(double)(write - write_1h) * price.cache_write +
			(double)write_1h * price.cache_write_1h + (double)out * price.output;
	/* Absurd token counts (a provider may send up to INT64_MAX) saturate:
	 * llround of a value past int64 is unspecified (LLONG_MIN in practice, a
	 * negative cost that would slip under every budget). */
	if (micros >= (double)INT64_MAX)
		return INT64_MAX;
	return (int64_t)llround(micros);
}
