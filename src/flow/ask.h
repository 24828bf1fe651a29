/*
 * ask — the ask ladder (SPEC.md section 4.2).
 *
 * Questions from steps ([question]), stuck guards, the every-50-turns check
 * and rejected reviews go up a ladder of speakers.  The first is the
 * supervisor: an agent of role `supervisor` in a fresh conversation, with
 * read_file, list_files and bash (never write_file), told the situation and
 * the control words.  Its final reply counts as a control word only when the
 * whole reply, stripped of spaces, backticks, `*`, `_`, `.` and `!`, is
 * exactly `accept`, `stop` or `ESCALATE`; anything else is guidance.
 * ESCALATE, an empty reply, or a reply that is itself a [question] pass the
 * matter to the human tier: a `question` gate answered through the front
 * end (the terminal, the dashboard), whose answer is read the same way
 * (accept, stop, or guidance; ESCALATE from a person is just text).
 *
 * Every decision is traced as a `note` {action: "supervisor" or "human",
 * message} at Notice, so the journal shows who decided what.
 *
 * Threads: the run's thread.
 */
#ifndef CLAW_FLOW_ASK_H
#define CLAW_FLOW_ASK_H

#include "base/err.h"
#include "flow/context.h"

#define CLAW_ASK_SUPERVISOR_TURNS 20  /* the supervisor's exchange is cut after this */
#define CLAW_ASK_TEXT_MAX (64 * 1024) /* bytes of a situation put to a speaker */

enum claw_ask_kind {
	CLAW_ASK_QUESTION, /* a step's [question] */
	CLAW_ASK_STUCK,    /* a guard fired: asked for a different approach */
	CLAW_ASK_CONTINUE, /* 50 more turns: go on? */
	CLAW_ASK_REVIEW,   /* the critic rejected the step */
	CLAW_ASK_KIND_COUNT
};

enum claw_ask_decision {
	CLAW_ASK_ACCEPT,   /* `accept` */
	CLAW_ASK_STOP,     /* `stop` */
	CLAW_ASK_GUIDANCE, /* anything else: text is the guidance (or the answer) */
};

/* What a reply says, before any ladder logic. */
enum claw_ask_word {
	CLAW_WORD_NONE, /* guidance */
	CLAW_WORD_ACCEPT,
	CLAW_WORD_STOP,
	CLAW_WORD_ESCALATE,
	CLAW_WORD_EMPTY, /* nothing left after stripping */
};

/* All borrowed for the call. */
struct claw_ask_request {
	enum claw_ask_kind kind;
	const char *step; /* the step it is about */
	const char *goal; /* that step's goal (context for the speakers), may be NULL */
	const char *text; /* the question, the repeated call, the findings */
	bool stuck;       /* REVIEW: the step used up its rounds */
	int round;        /* which occurrence: the rejection number (REVIEW) or the
			     step's turn (the others).  It names the human gate, so a
			     later matter worded the same is asked afresh while a
			     resumed run still finds its own gate (gate.h). */
};

struct claw_ask_reply {
	enum claw_ask_decision decision;
	char *text;   /* guidance or answer, "" when none; caller frees (claw_ask_reply_free) */
	char by[128]; /* "supervisor" or the person who answered */
};

void claw_ask_reply_free(struct claw_ask_reply *r);

/* The control word of a reply (rules above).  reply may be NULL (EMPTY). */
enum claw_ask_word claw_ask_control_word(const char *reply);

/* Puts req up the ladder and fills *out.  CLAW_ESTOPPED when the run must
 * stop while asking (a user stop at the human gate; the halt is recorded);
 * a backend error from the supervisor's model is returned as is (the halt
 * is recorded by the turn loop).  A `stop` decision is returned as a
 * decision, not as an error: the caller decides what it stops. */
enum claw_err claw_ask(struct claw_flow_ctx *ctx, const struct claw_ask_request *req,
		       struct claw_ask_reply *out, struct claw_error *err);

#endif
