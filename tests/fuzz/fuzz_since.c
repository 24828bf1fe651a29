/*
 * fuzz_since — libFuzzer target for where a stream client resumes:
 * Last-Event-ID and ?since (claw_api_stream_since, src/server/api.c, over
 * claw_req_query_i64 in src/server/request.c), the only outside input of
 * the SSE streams (src/server/sse.c writes, it parses nothing).
 *
 * Input: FastCGI params and a body as in fuzz.h (HTTP_LAST_EVENT_ID and
 * QUERY_STRING are what matter).  Properties: a non-empty Last-Event-ID
 * always wins and is either an id (0..INT64_MAX, the exact decimal read
 * back) or -1; otherwise a valid since gives its value, an absent one -1,
 * and a bad one answers 400 and nothing else; the answer is never given
 * when the function says "go on".
 * Seeds in tests/fuzz/seeds/since, words in since.dict.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "fuzz.h"
#include "server/api.h"
#include "server/request.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req f;
	struct claw_req *r;
	int64_t since = 12345;
	char text[32];

	claw_log_set_level(CLAW_LOG_ERROR + 1);
	fuzz_req_init(&f, data, size);
	r = claw_req_new(&f.fr, NULL);
	const char *last = claw_req_param(r, "HTTP_LAST_EVENT_ID");
	bool go = claw_api_stream_since(r, &since);

	if (last != NULL && last[0] != '\0') {
		fuzz_check(go && claw_req_status(r) == 0, "a Last-Event-ID refused");
		fuzz_check(since >= -1, "since below -1");
		if (since >= 0) {
			(void)snprintf(text, sizeof text, "%" PRId64, since);
			/* claw_str_to_i64: an optional sign ("-0" is 0), digits only. */
			const char *p = last[0] == '+' || last[0] == '-' ? last + 1 : last;
			while (p[0] == '0' && p[1] != '\0')
				p++;
			fuzz_check(strcmp(p, text) == 0, "Last-Event-ID read as another number");
		}
	} else if (go) {
		bool found = false;
		char v[CLAW_REQ_QUERY_VALUE_MAX];
		enum claw_err rc = claw_req_query(r, "since", v, sizeof v, &found);
		fuzz_check(claw_req_status(r) == 0, "answered, yet goes on");
		fuzz_check(rc == CLAW_OK, "since read, yet too long");
		fuzz_check(found ? since >= 0 : since == -1, "since value");
	} else {
		fuzz_check(claw_req_status(r) == 400, "a bad since is not a 400");
	}
	struct json_object *unused = NULL;
	struct claw_error err = {0};
	(void)claw_req_body_json(r, &unused, &err); /* consume the input */
	json_object_put(unused);
	claw_req_finish(r);
	fuzz_req_free(&f);
	return 0;
}
