/*
 * fuzz_spec — libFuzzer target for the workflow language (src/flow/spec.c).
 *
 * Any input: claw_workflow_parse() must return either a workflow and no
 * problem or problems and no workflow; a valid workflow's canonical JSON must
 * parse again to the same canonical JSON; rendering and the expansion of
 * every tool step's args must succeed.  The first input byte picks the
 * limits (ceilings, allow_define) so both sides of those rules are reached.
 * Built only with ./configure --enable-fuzz CC=clang; seeds in
 * tests/fuzz/seeds/spec (first byte: the limits), words in spec.dict.  Run:
 *   tests/fuzz/fuzz_spec -max_len=4096 -dict=../tests/fuzz/spec.dict \
 *       CORPUS ../tests/fuzz/seeds/spec
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "flow/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum claw_err
lookup(void *ctx, const char *name, const char **value, struct claw_error *err)
{
	(void)ctx;
	(void)err;
	*value = strcmp(name, "run.id") == 0 ? "7" : "v\"${x}\\";
	return CLAW_OK;
}

static void
check(int cond, const char *what)
{
	if (!cond) {
		(void)fprintf(stderr, "fuzz_spec: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claw_spec_limits lim = {0};
	struct claw_problems p;
	struct claw_workflow *wf = NULL, *again = NULL;
	struct claw_buf a = CLAW_BUF_INIT(4 * CLAW_SPEC_DOC_MAX);
	struct claw_buf b = CLAW_BUF_INIT(4 * CLAW_SPEC_DOC_MAX);
	struct claw_spec_lookup lk = {NULL, lookup};
	enum claw_err rc;

	if (size > 0) {
		lim.allow_define = (data[0] & 1) != 0;
		if (data[0] & 2)
			lim.max_tokens = 1000;
		if (data[0] & 4)
			lim.max_usd_micros = 1000000;
		data++;
		size--;
	}
	claw_problems_init(&p);
	rc = claw_workflow_parse((const char *)data, size, &lim, &wf, &p);
	check((rc == CLAW_OK) == (wf != NULL), "result and workflow disagree");
	check((rc == CLAW_OK) == (p.count == 0 && p.dropped == 0), "result and problems disagree");
	if (wf != NULL) {
		check(claw_workflow_to_json(wf, &a) == CLAW_OK, "to_json failed");
		rc = claw_workflow_parse(claw_buf_str(&a), claw_buf_len(&a), &lim, &again, &p);
		check(rc == CLAW_OK, "canonical form does not parse");
		check(claw_workflow_to_json(again, &b) == CLAW_OK, "second to_json failed");
		check(strcmp(claw_buf_str(&a), claw_buf_str(&b)) == 0, "canonical form not stable");
		claw_buf_reset(&b);
		check(claw_workflow_render(wf, &b) == CLAW_OK, "render failed");
		for (size_t i = 0; i < wf->nsteps; i++) {
			struct json_object *args = NULL;
			struct claw_error e;
			if (wf->steps[i].kind != CLAW_STEP_TOOL)
				continue;
			rc = claw_workflow_expand_args(&wf->steps[i], &lk, &args, &e);
			check(rc == CLAW_OK || rc == CLAW_ETOOBIG, "expansion failed");
			json_object_put(args);
		}
	}
	claw_workflow_free(again);
	claw_workflow_free(wf);
	claw_problems_free(&p);
	claw_buf_free(&a);
	claw_buf_free(&b);
	return 0;
}
