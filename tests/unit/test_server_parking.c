/*
 * test_server_parking — the server's gate table: answers checked by kind,
 * handed to a parked run thread (or kept until it parks), claimed for runs
 * that are not live here, refused twice, and parked threads woken by a stop
 * or a shutdown.  Threads: one parked run thread at a time, the test's main
 * thread answering (also meant for --enable-tsan).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "server/parking.h"
#include "tap.h"

#define P "home-a-p"

static void
test_check(void)
{
	struct claw_error err = {0};

	is_int(claw_gate_check(CLAW_GATE_QUESTION, "yes", "", 0, &err), CLAW_OK, "question + text");
	is_int(claw_gate_check(CLAW_GATE_QUESTION, "yes", "approve", 0, &err), CLAW_ECONFLICT,
	       "a question takes no decision (409)");
	is_int(claw_gate_check(CLAW_GATE_QUESTION, "  ", "", 0, &err), CLAW_EINVAL,
	       "a question needs text (400)");
	is_int(claw_gate_check(CLAW_GATE_APPROVE, "", "approve", 0, &err), CLAW_OK, "approve");
	is_int(claw_gate_check(CLAW_GATE_APPROVE, "make it smaller", "reject", 0, &err), CLAW_OK,
	       "reject with feedback");
	is_int(claw_gate_check(CLAW_GATE_APPROVE, "", "grant", 5, &err), CLAW_ECONFLICT,
	       "grant on an approve gate (409)");
	has_str(claw_error_text(&err), "approve or reject", "the message names what it takes");
	is_int(claw_gate_check(CLAW_GATE_APPROVE, "", "", 0, &err), CLAW_ECONFLICT,
	       "approve gate without a decision");
	is_int(claw_gate_check(CLAW_GATE_BUDGET, "", "grant", 1000, &err), CLAW_OK, "grant");
	is_int(claw_gate_check(CLAW_GATE_BUDGET, "", "grant", 0, &err), CLAW_EINVAL,
	       "grant needs an amount (400)");
	is_int(claw_gate_check(CLAW_GATE_BUDGET, "", "stop", 0, &err), CLAW_OK, "stop");
	is_int(claw_gate_check(CLAW_GATE_BUDGET, "", "approve", 0, &err), CLAW_ECONFLICT,
	       "approve on a budget gate (409)");
	char *big = claw_xmalloc(CLAW_GATE_TEXT_MAX + 2);
	memset(big, 'a', CLAW_GATE_TEXT_MAX + 1);
	big[CLAW_GATE_TEXT_MAX + 1] = '\0';
	is_int(claw_gate_check(CLAW_GATE_QUESTION, big, "", 0, &err), CLAW_EINVAL,
	       "text over the cap");
	free(big);
}

static struct claw_gate_answer
answer(const char *text, const char *decision, const char *by)
{
	struct claw_gate_answer a = {
		.text = (char *)text, .decision = (char *)decision, .by = (char *)by};
	return a;
}

struct parked {
	struct claw_gates *g;
	struct claw_gate_request req;
	atomic_bool stop;
	enum claw_err rc;
	struct claw_gate_answer got;
	pthread_t th;
};

static void *
park(void *arg)
{
	struct parked *p = arg;
	struct claw_error err = {0};
	p->rc = claw_gates_wait(p->g, P, &p->req, &p->stop, &p->got, &err);
	return NULL;
}

static void
start_parked(struct parked *p, struct claw_gates *g, int64_t run, int64_t gate,
	     enum claw_gate_kind kind)
{
	memset(p, 0, sizeof *p);
	p->g = g;
	p->req.run_id = run;
	p->req.issue_id = 1;
	p->req.gate_id = gate;
	p->req.kind = kind;
	p->req.prompt = "?";
	p->req.payload = "null";
	atomic_init(&p->stop, false);
	(void)pthread_create(&p->th, NULL, park, p);
	/* Wait until it is parked. */
	for (int i = 0; i < 2000 && !claw_gates_parked(g, P, run, NULL, NULL); i++)
		claw_clock_sleep_ms(1);
}

static void
test_live(void)
{
	struct claw_gates *g = claw_gates_new();
	struct claw_error err = {0};
	struct parked p;
	struct claw_gate_answer a;
	int64_t gate = 0;
	enum claw_gate_kind kind = CLAW_GATE_QUESTION;
	bool claimed = true;

	claw_gates_attach(g, P, 7);
	start_parked(&p, g, 7, 70, CLAW_GATE_APPROVE);
	ok(claw_gates_parked(g, P, 7, &gate, &kind), "the run is parked");
	is_int(gate, 70, "on gate 70");
	is_int(kind, CLAW_GATE_APPROVE, "an approve gate");

	a = answer("", "approve", "alice");
	is_int(claw_gates_answer(g, P, 7, 71, &a, &claimed, &err), CLAW_ECONFLICT,
	       "an answer to another gate is refused");
	is_int(claw_gates_answer(g, P, 7, 70, &a, &claimed, &err), CLAW_OK, "answered");
	ok(!claimed, "in memory, not claimed");
	(void)pthread_join(p.th, NULL);
	is_int(p.rc, CLAW_OK, "the parked thread got it");
	is_str(p.got.decision, "approve", "decision handed over");
	is_str(p.got.by, "alice", "by handed over");
	ok(!p.got.recorded, "the engine writes the answer row");
	claw_gate_answer_free(&p.got);
	is_int(claw_gates_answer(g, P, 7, 70, &a, &claimed, &err), CLAW_ECONFLICT,
	       "the same gate again is already answered");
	has_str(claw_error_text(&err), "already answered", "says so");

	/* An answer before the run parks is kept for it. */
	a = answer("blue", "", "bob");
	is_int(claw_gates_answer(g, P, 7, 72, &a, &claimed, &err), CLAW_OK,
	       "answer for a live run that has not parked yet");
	is_int(claw_gates_answer(g, P, 7, 72, &a, &claimed, &err), CLAW_ECONFLICT,
	       "a second answer while the first is pending");
	start_parked(&p, g, 7, 72, CLAW_GATE_QUESTION);
	(void)pthread_join(p.th, NULL);
	is_int(p.rc, CLAW_OK, "the pending answer is taken at once");
	is_str(p.got.text, "blue", "its text");
	claw_gate_answer_free(&p.got);

	/* A stop wakes the parked thread. */
	start_parked(&p, g, 7, 73, CLAW_GATE_QUESTION);
	atomic_store(&p.stop, true);
	claw_gates_kick(g, P, 7);
	(void)pthread_join(p.th, NULL);
	is_int(p.rc, CLAW_ESTOPPED, "a stopped run leaves the gate with CLAW_ESTOPPED");
	ok(!claw_gates_parked(g, P, 7, NULL, NULL), "no longer parked");

	/* A shutdown wakes it too, and every later wait returns at once. */
	start_parked(&p, g, 7, 74, CLAW_GATE_QUESTION);
	claw_gates_shutdown(g);
	(void)pthread_join(p.th, NULL);
	is_int(p.rc, CLAW_ESTOPPED, "shutdown wakes a parked run");
	claw_gates_detach(g, P, 7);
	claw_gates_free(g);
}

static void
test_not_live(void)
{
	struct claw_gates *g = claw_gates_new();
	struct claw_error err = {0};
	struct claw_gate_answer a = answer("ok", "", "carol");
	bool claimed = false;

	is_int(claw_gates_answer(g, P, 9, 90, &a, &claimed, &err), CLAW_OK,
	       "an answer for a run that is not live here");
	ok(claimed, "is claimed: the caller writes it");
	is_int(claw_gates_answer(g, P, 9, 90, &a, &claimed, &err), CLAW_ECONFLICT,
	       "a second answer while the first is being written");
	claw_gates_unclaim(g, P, 9);
	is_int(claw_gates_answer(g, P, 9, 90, &a, &claimed, &err), CLAW_OK,
	       "after the claim is released it can be claimed again");
	ok(claimed, "claimed again");
	claw_gates_unclaim(g, P, 9);
	claw_gates_detach(g, P, 9); /* nothing attached: a no-op */
	claw_gates_free(g);
}

int
main(void)
{
	test_check();
	test_live();
	test_not_live();
	return tap_done();
}
