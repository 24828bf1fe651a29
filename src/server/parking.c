/*
 * parking — the table of live runs and their gates.  See parking.h.
 *
 * One entry per run that is live here or claimed by an answer being
 * written; a linked list, because the number of live runs is small (the
 * executing ones plus the parked ones).  An entry holds at most one answer:
 * pending (the run has not parked yet) or handed over (the parked thread
 * takes it and clears it).  answered_gate remembers the last gate answered
 * through memory, so a second answer that arrives before the engine has
 * written the first one's row is a conflict, not a silent duplicate.
 */
#include "server/parking.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"
#include "flow/review.h"
#include "store/db.h"
#include "trace/reader.h"
#include "trace/sink_store.h"
#include "trace/tracer.h"

struct entry {
	struct entry *next;
	char *project;
	int64_t run_id;
	bool live;    /* attached by the run manager */
	bool claimed; /* an answer for a non-live run is being written */
	bool parked;  /* the run's thread waits in claw_gates_wait */
	int64_t parked_gate;
	enum claw_gate_kind parked_kind;
	bool has_answer; /* answer holds an answer for answer_gate */
	int64_t answer_gate;
	struct claw_gate_answer answer;
	int64_t answered_gate; /* last gate answered through memory */
	struct claw_cond cv;   /* the parked thread waits here */
};

struct claw_gates {
	struct claw_mutex mu; /* guards everything below and every entry */
	struct entry *head;
	bool shutdown;
};

struct claw_gates *
claw_gates_new(void)
{
	struct claw_gates *g = CLAW_NEW(struct claw_gates);
	claw_mutex_init(&g->mu, "gates");
	return g;
}

static void
entry_free(struct entry *e)
{
	claw_gate_answer_free(&e->answer);
	claw_cond_destroy(&e->cv);
	free(e->project);
	free(e);
}

void
claw_gates_free(struct claw_gates *g)
{
	if (g == NULL)
		return;
	while (g->head != NULL) {
		struct entry *e = g->head;
		g->head = e->next;
		entry_free(e);
	}
	claw_mutex_destroy(&g->mu);
	free(g);
}

static struct entry *
find(struct claw_gates *g, const char *project, int64_t run_id)
{
	claw_mutex_assert_held(&g->mu);
	for (struct entry *e = g->head; e != NULL; e = e->next)
		if (e->run_id == run_id && strcmp(e->project, project) == 0)
			return e;
	return NULL;
}

static struct entry *
find_or_add(struct claw_gates *g, const char *project, int64_t run_id)
{
	struct entry *e = find(g, project, run_id);
	if (e != NULL)
		return e;
	e = CLAW_NEW(struct entry);
	e->project = claw_xstrdup(project);
	e->run_id = run_id;
	claw_cond_init(&e->cv);
	e->next = g->head;
	g->head = e;
	return e;
}

/* Unlinks and frees e once nobody needs it. */
static void
maybe_remove(struct claw_gates *g, struct entry *e)
{
	claw_mutex_assert_held(&g->mu);
	if (e->live || e->claimed || e->parked)
		return;
	for (struct entry **pp = &g->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			entry_free(e);
			return;
		}
	}
}

void
claw_gates_attach(struct claw_gates *g, const char *project, int64_t run_id)
{
	claw_mutex_lock(&g->mu);
	find_or_add(g, project, run_id)->live = true;
	claw_mutex_unlock(&g->mu);
}

void
claw_gates_detach(struct claw_gates *g, const char *project, int64_t run_id)
{
	claw_mutex_lock(&g->mu);
	struct entry *e = find(g, project, run_id);
	if (e != NULL) {
		if (e->has_answer) {
			claw_log_warn("server: run %lld of %s ended without taking the answer to "
				      "gate %lld; the gate stays open",
				      (long long)run_id, project, (long long)e->answer_gate);
			claw_gate_answer_free(&e->answer);
			e->has_answer = false;
		}
		e->live = false;
		maybe_remove(g, e);
	}
	claw_mutex_unlock(&g->mu);
}

/* Moves e's answer into out. */
static void
take_answer(struct entry *e, struct claw_gate_answer *out)
{
	*out = e->answer;
	memset(&e->answer, 0, sizeof e->answer);
	out->recorded = false;
	e->has_answer = false;
	e->answered_gate = e->answer_gate;
}

enum claw_err
claw_gates_wait(struct claw_gates *g, const char *project, const struct claw_gate_request *req,
		const atomic_bool *stop, struct claw_gate_answer *out, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;

	memset(out, 0, sizeof *out);
	claw_mutex_lock(&g->mu);
	struct entry *e = find_or_add(g, project, req->run_id);
	e->live = true;
	if (e->has_answer && e->answer_gate != req->gate_id) {
		claw_log_warn("server: run %lld dropped an answer to gate %lld: it waits on gate "
			      "%lld now",
			      (long long)req->run_id, (long long)e->answer_gate,
			      (long long)req->gate_id);
		claw_gate_answer_free(&e->answer);
		e->has_answer = false;
	}
	e->parked = true;
	e->parked_gate = req->gate_id;
	e->parked_kind = req->kind;
	while (!e->has_answer && !atomic_load(stop) && !g->shutdown)
		claw_cond_wait(&e->cv, &g->mu);
	e->parked = false;
	if (e->has_answer)
		take_answer(e, out);
	else
		rc = claw_error_set(err, CLAW_ESTOPPED, "stopped while waiting at gate %lld",
				    (long long)req->gate_id);
	claw_mutex_unlock(&g->mu);
	return rc;
}

void
claw_gates_kick(struct claw_gates *g, const char *project, int64_t run_id)
{
	claw_mutex_lock(&g->mu);
	struct entry *e = find(g, project, run_id);
	if (e != NULL)
		claw_cond_broadcast(&e->cv);
	claw_mutex_unlock(&g->mu);
}

void
claw_gates_shutdown(struct claw_gates *g)
{
	claw_mutex_lock(&g->mu);
	g->shutdown = true;
	for (struct entry *e = g->head; e != NULL; e = e->next)
		claw_cond_broadcast(&e->cv);
	claw_mutex_unlock(&g->mu);
}

bool
claw_gates_parked(struct claw_gates *g, const char *project, int64_t run_id, int64_t *gate_id,
		  enum claw_gate_kind *kind)
{
	bool parked = false;
	claw_mutex_lock(&g->mu);
	struct entry *e = find(g, project, run_id);
	if (e != NULL && e->parked) {
		parked = true;
		if (gate_id != NULL)
			*gate_id = e->parked_gate;
		if (kind != NULL)
			*kind = e->parked_kind;
	}
	claw_mutex_unlock(&g->mu);
	return parked;
}

enum claw_err
claw_gate_check(enum claw_gate_kind kind, const char *text, const char *decision, int64_t amount,
		struct claw_error *err)
{
	text = text != NULL ? text : "";
	decision = decision != NULL ? decision : "";
	if (strlen(text) > CLAW_GATE_TEXT_MAX)
		return claw_error_set(err, CLAW_EINVAL, "text is longer than %d bytes",
				      CLAW_GATE_TEXT_MAX);
	switch (kind) {
	case CLAW_GATE_QUESTION:
		if (decision[0] != '\0')
			return claw_error_set(err, CLAW_ECONFLICT,
					      "a question gate takes text, not the decision %.32s",
					      decision);
		if (claw_str_trim(claw_str_from(text)).n == 0)
			return claw_error_set(err, CLAW_EINVAL,
					      "text is required to answer a question");
		return CLAW_OK;
	case CLAW_GATE_APPROVE:
		if (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0)
			return claw_error_set(
				err, CLAW_ECONFLICT,
				"an approve gate takes the decision approve or reject, "
				"got \"%.32s\"",
				decision);
		return CLAW_OK;
	case CLAW_GATE_BUDGET:
		if (strcmp(decision, "grant") == 0) {
			if (amount <= 0)
				return claw_error_set(err, CLAW_EINVAL,
						      "grant needs a positive amount");
			return CLAW_OK;
		}
		if (strcmp(decision, "stop") == 0)
			return CLAW_OK;
		return claw_error_set(
			err, CLAW_ECONFLICT,
			"a budget gate takes the decision grant or stop, got \"%.32s\"", decision);
	case CLAW_GATE_REVIEW:
		return claw_review_check(decision, text, NULL, err);
	default:
		return claw_error_set(err, CLAW_EINVAL, "unknown gate kind");
	}
}

static void
answer_copy(struct claw_gate_answer *dst, const struct claw_gate_answer *src)
{
	dst->text = claw_xstrdup(src->text != NULL ? src->text : "");
	dst->decision = claw_xstrdup(src->decision != NULL ? src->decision : "");
	dst->amount = src->amount;
	dst->by = claw_xstrdup(src->by != NULL ? src->by : "");
	dst->comments = src->comments != NULL ? claw_xstrdup(src->comments) : NULL;
	dst->spec = src->spec != NULL ? claw_xstrdup(src->spec) : NULL;
	dst->recorded = false;
}

enum claw_err
claw_gates_answer(struct claw_gates *g, const char *project, int64_t run_id, int64_t gate_id,
		  const struct claw_gate_answer *a, bool *claimed, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;

	*claimed = false;
	claw_mutex_lock(&g->mu);
	struct entry *e = find(g, project, run_id);
	if (e != NULL && e->claimed) {
		rc = claw_error_set(err, CLAW_ECONFLICT, "gate %lld is already being answered",
				    (long long)gate_id);
	} else if (e != NULL && e->live) {
		if (e->has_answer || e->answered_gate == gate_id)
			rc = claw_error_set(err, CLAW_ECONFLICT, "gate %lld is already answered",
					    (long long)(e->has_answer ? e->answer_gate : gate_id));
		else if (e->parked && e->parked_gate != gate_id)
			rc = claw_error_set(err, CLAW_ECONFLICT,
					    "gate %lld is not open (run %lld waits on gate %lld)",
					    (long long)gate_id, (long long)run_id,
					    (long long)e->parked_gate);
		if (rc == CLAW_OK) {
			answer_copy(&e->answer, a);
			e->answer_gate = gate_id;
			e->has_answer = true;
			claw_cond_broadcast(&e->cv);
		}
	} else {
		e = find_or_add(g, project, run_id);
		e->claimed = true;
		*claimed = true;
	}
	claw_mutex_unlock(&g->mu);
	return rc;
}

void
claw_gates_unclaim(struct claw_gates *g, const char *project, int64_t run_id)
{
	claw_mutex_lock(&g->mu);
	struct entry *e = find(g, project, run_id);
	if (e != NULL) {
		e->claimed = false;
		maybe_remove(g, e);
	}
	claw_mutex_unlock(&g->mu);
}
