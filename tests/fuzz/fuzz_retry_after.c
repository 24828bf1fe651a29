/*
 * fuzz_retry_after — libFuzzer target for the Retry-After header
 * (claw_retry_after_parse, src/llm/retry.c) and the wait computed from it
 * (claw_retry_wait_ms).
 *
 * Input: one byte picking "now" (0, a 2026 date, the far future, or
 * negative), then the header value.  Properties: -1 or a wait in [0,
 * CLAW_RETRY_AFTER_MAX_MS] (no overflow: UBSan aborts on one); a
 * delay-seconds value does not depend on now; an HTTP-date never waits
 * longer when now is later; the default policy's wait is -1 or at least
 * the retry-after and at most its limit.
 * Seeds in tests/fuzz/seeds/retry_after (one is the date that overflowed,
 * d2Oct0999999999), words in retry_after.dict.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "llm/retry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t nows[] = {0, INT64_C(1796515200000), INT64_C(253402300799000),
				       -INT64_C(1000000)};
	int64_t now = nows[0];

	if (size > 0) {
		now = nows[data[0] % 4];
		data++;
		size--;
	}
	char *v = fuzz_cstr(data, size);
	int64_t ms = claw_retry_after_parse(v, now);
	fuzz_check(ms == -1 || (ms >= 0 && ms <= CLAW_RETRY_AFTER_MAX_MS), "wait out of range");

	const char *p = v;
	while (*p == ' ' || *p == '\t')
		p++;
	int64_t later = claw_retry_after_parse(v, now + 3600 * 1000);
	if (isdigit((unsigned char)*p))
		fuzz_check(later == ms, "delay-seconds depends on now");
	else
		fuzz_check((ms == -1) == (later == -1) && later <= ms, "a later now waits longer");

	struct claw_retry_policy pol = CLAW_RETRY_POLICY_DEFAULT;
	for (int failed = 1; failed <= pol.attempts; failed++) {
		int64_t w = claw_retry_wait_ms(&pol, failed, ms, (uint64_t)ms * 2654435761u);
		fuzz_check(w == -1 || (w >= ms && w <= pol.max_ms + pol.max_ms / 4 + ms),
			   "policy wait out of range");
		fuzz_check(w != -1 || failed >= pol.attempts || ms > pol.max_retry_after_ms,
			   "gave up early");
	}
	free(v);
	return 0;
}
