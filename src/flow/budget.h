/*
 * budget — what a run may spend (tokens, seconds, USD) and what it spent.
 *
 * A run's budget has three limits (0 = unlimited): tokens (prompt plus
 * output tokens of every reply), seconds (active time: the duration of the
 * run's model turns, tool calls included, so time parked at a gate or while
 * no process ran the run does not count) and micro-USD (the replies' cost).
 * The limits start from the configuration (CLAW_BUDGET_*) or a workflow's
 * own `budget`, and grow with every `grant` answered at a budget gate.
 *
 * Spending is charged after every reply and every turn (the turn loop).
 * Nothing here is stored apart: claw_budget_load() rebuilds the spent
 * amounts and the grants from the run's journal (the sums over its `reply`
 * rows, the `end` rows of its turns, and the `answer` rows of its budget
 * gates), so a resumed run continues with exactly what it had.
 *
 * A value type: a struct on the caller's side, used through the API.
 * Threads: one thread at a time.
 */
#ifndef CLAW_FLOW_BUDGET_H
#define CLAW_FLOW_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

enum claw_budget_kind {
	CLAW_BUDGET_TOKENS,
	CLAW_BUDGET_SECONDS,
	CLAW_BUDGET_USD, /* amounts in micro-USD */
	CLAW_BUDGET_KIND_COUNT
};

/* Use the API; fields documented for debugging. */
struct claw_budget_meter {
	int64_t base[CLAW_BUDGET_KIND_COUNT];    /* configured limits, 0 = unlimited */
	int64_t granted[CLAW_BUDGET_KIND_COUNT]; /* added by budget gates */
	int64_t spent_tokens;
	int64_t spent_ms;
	int64_t spent_micros;
};

/* "tokens", "seconds", "usd"; static. */
const char *claw_budget_kind_name(enum claw_budget_kind k);
enum claw_err claw_budget_kind_parse(const char *name, enum claw_budget_kind *out);

/* Zero spending and grants, limits as given (each 0 = unlimited). */
void claw_budget_init(struct claw_budget_meter *b, int64_t tokens, int64_t seconds,
		      int64_t usd_micros);
/* The configured limits a workflow's own budget replaced. */
struct claw_budget_limits {
	int64_t base[CLAW_BUDGET_KIND_COUNT];
};

/* A workflow's own budget for its duration: each limit given (> 0)
 * replaces the configured one, the others stay; what was spent and granted
 * stays.  *saved gets the limits replaced, for claw_budget_pop. */
void claw_budget_push(struct claw_budget_meter *b, int64_t tokens, int64_t seconds,
		      int64_t usd_micros, struct claw_budget_limits *saved);
/* Puts back the limits claw_budget_push saved; spending and grants stay. */
void claw_budget_pop(struct claw_budget_meter *b, const struct claw_budget_limits *saved);

/* Rebuilds spent amounts and grants of run_id from its journal in db (the
 * caller flushes its tracer first).  Limits are kept. */
enum claw_err claw_budget_load(struct claw_budget_meter *b, struct claw_db *db, int64_t run_id,
			       struct claw_error *err);

void claw_budget_charge_reply(struct claw_budget_meter *b, int64_t tokens, int64_t micros);
void claw_budget_charge_ms(struct claw_budget_meter *b, int64_t ms);

/* The limit now in force for k (base + granted; 0 = unlimited) and what was
 * spent against it (seconds for CLAW_BUDGET_SECONDS). */
int64_t claw_budget_limit(const struct claw_budget_meter *b, enum claw_budget_kind k);
int64_t claw_budget_spent(const struct claw_budget_meter *b, enum claw_budget_kind k);

/* True when some limit is reached; *which gets the first such kind. */
bool claw_budget_exhausted(const struct claw_budget_meter *b, enum claw_budget_kind *which);

/* Adds amount to k's limit; amount <= 0 grants the configured limit again
 * (1 when there is none).  Saturates instead of overflowing. */
void claw_budget_grant(struct claw_budget_meter *b, enum claw_budget_kind k, int64_t amount);

#endif
