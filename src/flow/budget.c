/*
 * budget — limits and spending of a run, rebuilt from its journal.  See
 * budget.h.
 *
 * The journal is the only record: tokens and cost are the sums over the
 * run's `reply` rows (the same sums claw_reader_totals gives the board),
 * seconds are the sum of the `end` rows of its `turn` spans, and grants are
 * the `answer` rows with decision `grant` joined to their `question` rows,
 * whose payload names the budget kind that was exhausted.
 */
#include "flow/budget.h"

#include <stdint.h>
#include <string.h>

#include "base/str.h"
#include "trace/reader.h"

static const char *const kind_names[] = {
	[CLAW_BUDGET_TOKENS] = "tokens",
	[CLAW_BUDGET_SECONDS] = "seconds",
	[CLAW_BUDGET_USD] = "usd",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == CLAW_BUDGET_KIND_COUNT,
	       "every budget kind needs a name");

const char *
claw_budget_kind_name(enum claw_budget_kind k)
{
	return claw_str_name(kind_names, CLAW_BUDGET_KIND_COUNT, (unsigned)k, "?");
}

enum claw_err
claw_budget_kind_parse(const char *name, enum claw_budget_kind *out)
{
	int k = claw_str_lookup(kind_names, CLAW_BUDGET_KIND_COUNT, name);
	if (k < 0)
		return CLAW_EINVAL;
	*out = (enum claw_budget_kind)k;
	return CLAW_OK;
}

void
claw_budget_init(struct claw_budget_meter *b, int64_t tokens, int64_t seconds, int64_t usd_micros)
{
	memset(b, 0, sizeof *b);
	b->base[CLAW_BUDGET_TOKENS] = tokens > 0 ? tokens : 0;
	b->base[CLAW_BUDGET_SECONDS] = seconds > 0 ? seconds : 0;
	b->base[CLAW_BUDGET_USD] = usd_micros > 0 ? usd_micros : 0;
}

void
claw_budget_push(struct claw_budget_meter *b, int64_t tokens, int64_t seconds, int64_t usd_micros,
		 struct claw_budget_limits *saved)
{
	const int64_t own[CLAW_BUDGET_KIND_COUNT] = {
		[CLAW_BUDGET_TOKENS] = tokens,
		[CLAW_BUDGET_SECONDS] = seconds,
		[CLAW_BUDGET_USD] = usd_micros,
	};
	for (int k = 0; k < CLAW_BUDGET_KIND_COUNT; k++) {
		saved->base[k] = b->base[k];
		if (own[k] > 0)
			b->base[k] = own[k];
	}
}

void
claw_budget_pop(struct claw_budget_meter *b, const struct claw_budget_limits *saved)
{
	for (int k = 0; k < CLAW_BUDGET_KIND_COUNT; k++)
		b->base[k] = saved->base[k];
}

/* Sum of the durations of the run's ended turns. */
static const char turn_ms_sql[] =
	"SELECT TOTAL(json_extract(e.data, '$.ms')) FROM trace e"
	" WHERE e.run_id = ?1 AND e.phase = 'exit' AND e.span_id IN"
	" (SELECT span_id FROM trace WHERE run_id = ?1 AND type = 'turn' AND phase = 'enter')";

/* Every grant: the exhausted kind (from the question) and the amount. */
static const char grants_sql[] =
	"SELECT json_extract(q.data, '$.payload.kind'), json_extract(a.data, '$.amount')"
	" FROM trace a JOIN trace q ON q.run_id = a.run_id AND q.type = 'question'"
	"  AND q.span_id = CAST(json_extract(a.data, '$.ref') AS INTEGER)"
	" WHERE a.run_id = ?1 AND a.type = 'answer'"
	"  AND json_extract(a.data, '$.decision') = 'grant' ORDER BY a.seq";

enum claw_err
claw_budget_load(struct claw_budget_meter *b, struct claw_db *db, int64_t run_id,
		 struct claw_error *err)
{
	struct claw_trace_totals totals = {0};
	sqlite3_stmt *st = NULL;
	enum claw_err rc;
	int s;

	rc = claw_reader_totals(db, run_id, &totals, err);
	if (rc != CLAW_OK)
		goto out;
	b->spent_tokens = totals.in + totals.out;
	b->spent_micros = totals.cost_micros;

	rc = claw_db_stmt(db, turn_ms_sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		rc = claw_db_fail(db, "read the run's turn times", err);
		goto out;
	}
	b->spent_ms = (int64_t)sqlite3_column_double(st, 0);
	claw_db_finish(st);

	rc = claw_db_stmt(db, grants_sql, &st, err);
	if (rc != CLAW_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	memset(b->granted, 0, sizeof b->granted);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		enum claw_budget_kind k;
		if (claw_budget_kind_parse(kind, &k) == CLAW_OK)
			claw_budget_grant(b, k, sqlite3_column_int64(st, 1));
	}
	if (s != SQLITE_DONE) {
		rc = claw_db_fail(db, "read the run's budget grants", err);
		goto out;
	}
out:
	claw_db_finish(st);
	claw_trace_totals_free(&totals);
	return rc;
}

/* *total += v for v > 0, saturating: a provider's absurd usage (the price
 * table saturates a cost at INT64_MAX) must exhaust a budget, not wrap it
 * negative. */
static void
add_saturating(int64_t *total, int64_t v)
{
	if (v <= 0)
		return;
	*total = *total > INT64_MAX - v ? INT64_MAX : *total + v;
}

void
claw_budget_charge_reply(struct claw_budget_meter *b, int64_t tokens, int64_t micros)
{
	add_saturating(&b->spent_tokens, tokens);
	add_saturating(&b->spent_micros, micros);
}

void
claw_budget_charge_ms(struct claw_budget_meter *b, int64_t ms)
{
	add_saturating(&b->spent_ms, ms);
}

int64_t
claw_budget_limit(const struct claw_budget_meter *b, enum claw_budget_kind k)
{
	if ((unsigned)k >= CLAW_BUDGET_KIND_COUNT)
		return 0;
	if (b->base[k] == 0 && b->granted[k] == 0)
		return 0;
	return b->base[k] + b->granted[k];
}

int64_t
claw_budget_spent(const struct claw_budget_meter *b, enum claw_budget_kind k)
{
	switch (k) {
	case CLAW_BUDGET_TOKENS:
		return b->spent_tokens;
	case CLAW_BUDGET_SECONDS:
		return b->spent_ms / 1000;
	case CLAW_BUDGET_USD:
		return b->spent_micros;
	default:
		return 0;
	}
}

bool
claw_budget_exhausted(const struct claw_budget_meter *b, enum claw_budget_kind *which)
{
	for (unsigned k = 0; k < CLAW_BUDGET_KIND_COUNT; k++) {
		int64_t limit = claw_budget_limit(b, (enum claw_budget_kind)k);
		if (limit > 0 && claw_budget_spent(b, (enum claw_budget_kind)k) >= limit) {
			if (which != NULL)
				*which = (enum claw_budget_kind)k;
			return true;
		}
	}
	return false;
}

void
claw_budget_grant(struct claw_budget_meter *b, enum claw_budget_kind k, int64_t amount)
{
	if ((unsigned)k >= CLAW_BUDGET_KIND_COUNT)
		return;
	if (amount <= 0)
		amount = b->base[k] > 0 ? b->base[k] : 1;
	if (amount > INT64_MAX - b->granted[k] - b->base[k])
		amount = INT64_MAX - b->granted[k] - b->base[k];
	b->granted[k] += amount;
}
