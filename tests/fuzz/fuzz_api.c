/*
 * fuzz_api — libFuzzer target for the JSON bodies of the API's POST routes
 * (src/server/api_projects.c, api_issues.c, api_control.c): the body as
 * read by claw_req_body_json, then the route's parser
 * (claw_api_*_body_parse), and for an answer the check by gate kind
 * (claw_gate_check, src/server/parking.c) and the review's comments
 * (claw_review_check, src/flow/review.c).
 *
 * Input: one byte, then the body.  The byte's low two bits pick the route
 * (0 projects, 1 issues, 2 answer, 3 start/stop/close, or with bit 4 set
 * a message), the next two the kind of the gate answered.  Properties: a parsed body or an error
 * with a message and a 400, never both; the fields keep their contracts (path absolute, gate >= 1,
 * amount >= 0, no NUL in strings); writing the parsed fields back as JSON and parsing that again
 * gives the same fields; an answer passes claw_gate_check exactly when it fits the gate's kind.
 * Seeds in tests/fuzz/seeds/api, words in api.dict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "flow/frontend.h"
#include "flow/review.h"
#include "fuzz.h"
#include "server/api.h"
#include "server/parking.h"
#include "server/request.h"

/* The parsed fields of any route, strings copied so they outlive the body. */
struct parsed {
	enum claw_err rc;
	char *a, *b;    /* path/title/text; description/decision (NULL: absent) */
	char *comments; /* an answer's comments as JSON text, or NULL */
	int64_t gate, amount;
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? claw_xstrdup(s) : NULL;
}

static bool
same(const char *x, const char *y)
{
	return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* Runs body[0..n) through the request and the parser of route. */
static struct parsed
parse(int route, const char *body, size_t n)
{
	static const char head[] = "REQUEST_METHOD=POST\nCONTENT_TYPE=application/json\n\n";
	struct claw_buf in = CLAW_BUF_INIT(1u << 22);
	struct parsed out = {0};
	struct json_object *obj = NULL;
	struct claw_error err = {0};
	struct fuzz_req f;

	(void)claw_buf_append(&in, head, sizeof head - 1);
	(void)claw_buf_append(&in, body, n);
	fuzz_req_init(&f, (const uint8_t *)claw_buf_str(&in), claw_buf_len(&in));
	struct claw_req *r = claw_req_new(&f.fr, NULL);
	out.rc = claw_req_body_json(r, &obj, &err);
	if (out.rc == CLAW_OK) {
		if (route == 0) {
			struct claw_api_project_body pb;
			out.rc = claw_api_project_body_parse(obj, &pb, &err);
			if (out.rc == CLAW_OK) {
				fuzz_check(pb.path != NULL && pb.path[0] == '/',
					   "path not absolute");
				out.a = dup_or_null(pb.path);
				out.b = dup_or_null(pb.description);
			}
		} else if (route == 1) {
			struct claw_api_issue_body ib;
			out.rc = claw_api_issue_body_parse(obj, &ib, &err);
			if (out.rc == CLAW_OK) {
				fuzz_check(ib.title != NULL, "no title");
				out.a = dup_or_null(ib.title);
				out.b = dup_or_null(ib.description);
			}
		} else if (route == 2) {
			struct claw_api_answer_body ab;
			out.rc = claw_api_answer_body_parse(obj, &ab, &err);
			if (out.rc == CLAW_OK) {
				fuzz_check(ab.gate >= 1 && ab.amount >= 0, "gate or amount range");
				fuzz_check(ab.text != NULL && ab.decision != NULL, "NULL text");
				out.a = dup_or_null(ab.text);
				out.b = dup_or_null(ab.decision);
				out.gate = ab.gate;
				out.amount = ab.amount;
				out.comments = dup_or_null(ab.comments);
			}
		} else if (route == 4) {
			const char *text = NULL;
			out.rc = claw_api_message_body_parse(obj, &text, &err);
			if (out.rc == CLAW_OK) {
				fuzz_check(text != NULL, "no text");
				out.a = dup_or_null(text);
			}
		} else {
			out.rc = claw_api_empty_body_parse(obj, &err);
			fuzz_check(out.rc != CLAW_OK || json_object_object_length(obj) == 0,
				   "an empty body with fields");
		}
	} else {
		fuzz_check(obj == NULL, "a body and an error");
	}
	if (out.rc != CLAW_OK) {
		fuzz_check(err.msg[0] != '\0', "an error without a message");
		claw_req_fail(r, &err);
		fuzz_check(claw_req_status(r) == (out.rc == CLAW_ETOOBIG ? 413 : 400),
			   "a bad body is not a 400");
	}
	json_object_put(obj);
	claw_req_finish(r);
	fuzz_req_free(&f);
	claw_buf_free(&in);
	return out;
}

static void
put_str(struct json_object *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_object_new_string(v));
}

/* The parsed fields written back as a body. */
static char *
rewrite(int route, const struct parsed *p)
{
	struct json_object *o = json_object_new_object();
	if (route == 0 || route == 1) {
		put_str(o, route == 0 ? "path" : "title", p->a);
		put_str(o, "description", p->b);
	} else if (route == 2) {
		json_object_object_add(o, "gate", json_object_new_int64(p->gate));
		put_str(o, "text", p->a);
		put_str(o, "decision", p->b);
		json_object_object_add(o, "amount", json_object_new_int64(p->amount));
	} else if (route == 4) {
		put_str(o, "text", p->a);
	}
	char *s = claw_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static bool
fits(enum claw_gate_kind kind, const char *text, const char *decision, int64_t amount)
{
	if (strlen(text) > CLAW_GATE_TEXT_MAX)
		return false;
	if (kind == CLAW_GATE_QUESTION)
		return decision[0] == '\0' && claw_str_trim(claw_str_from(text)).n > 0;
	if (kind == CLAW_GATE_APPROVE)
		return strcmp(decision, "approve") == 0 || strcmp(decision, "reject") == 0;
	if (kind == CLAW_GATE_REVIEW) {
		static const char *const known[] = {"merge",  "keep",   "discard",
						    "accept", "revert", "changes"};
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcmp(decision, known[i]) == 0)
				return i < 5 || claw_str_trim(claw_str_from(text)).n > 0;
		return false;
	}
	return (strcmp(decision, "grant") == 0 && amount > 0) || strcmp(decision, "stop") == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int route = 0;
	enum claw_gate_kind kind = CLAW_GATE_QUESTION;

	claw_log_set_level(CLAW_LOG_ERROR + 1);
	if (size > 0) {
		route = data[0] & 3;
		if (route == 3 && (data[0] & 0x10) != 0)
			route = 4;
		kind = (enum claw_gate_kind)(((data[0] >> 2) & 3) % CLAW_GATE_KIND_COUNT);
		data++;
		size--;
	}
	struct parsed p = parse(route, (const char *)data, size);
	if (p.rc == CLAW_OK) {
		char *again_text = rewrite(route, &p);
		struct parsed q = parse(route, again_text, strlen(again_text));
		fuzz_check(q.rc == CLAW_OK, "the fields written back do not parse");
		fuzz_check(same(p.a, q.a) && same(p.b, q.b) && p.gate == q.gate &&
				   p.amount == q.amount,
			   "the fields written back parse differently");
		free(again_text);
		free(q.a);
		free(q.b);
		free(q.comments);
		if (route == 2) {
			struct claw_error err = {0};
			enum claw_err rc = claw_gate_check(kind, p.a, p.b, p.amount, &err);
			fuzz_check((rc == CLAW_OK) == fits(kind, p.a, p.b, p.amount),
				   "claw_gate_check disagrees with the gate rules");
			fuzz_check(rc == CLAW_OK || err.msg[0] != '\0',
				   "gate error without message");
			/* The review's comments, as the answer route checks them. */
			struct claw_error rerr = {0};
			rc = claw_review_check(p.b, p.a, p.comments, &rerr);
			fuzz_check(rc == CLAW_OK || rc == CLAW_EINVAL || rc == CLAW_ECONFLICT,
				   "a review check that is neither a 400 nor a 409");
			fuzz_check(rc == CLAW_OK || rerr.msg[0] != '\0',
				   "a review refusal without a message");
			fuzz_check(rc != CLAW_OK || p.comments == NULL ||
					   strcmp(p.b, "changes") == 0,
				   "comments accepted with another decision than changes");
		}
	}
	free(p.a);
	free(p.b);
	free(p.comments);
	return 0;
}
