/*
 * test_request — Accept-Encoding negotiation (claw_http_accepts_coding):
 * the browsers' headers, q-values, "*", x-gzip, and hostile or malformed
 * values, which accept nothing but identity; and the one mapping of a
 * handler's failure to a status (claw_req_fail, claw_req_failf), on a
 * request built in memory as the fuzz targets build theirs.
 */
#include "server/request.h"

#include "fuzz.h"
#include "tap.h"

/* The status claw_req_failf answers for code. */
static int
status_of(enum claw_err code)
{
	static const char req[] = "REQUEST_METHOD=GET\nREQUEST_URI=/api/x\n\n";
	struct fuzz_req f;
	fuzz_req_init(&f, (const uint8_t *)req, sizeof req - 1);
	struct claw_req *r = claw_req_new(&f.fr, NULL);
	claw_req_failf(r, code, "because %d", 42);
	int status = claw_req_status(r);
	claw_req_finish(r);
	fuzz_req_free(&f);
	return status;
}

static void
test_fail(void)
{
	is_int(status_of(CLAW_EINVAL), 400, "bad input: 400");
	is_int(status_of(CLAW_ENOTFOUND), 404, "not found: 404");
	is_int(status_of(CLAW_ECONFLICT), 409, "conflict: 409");
	is_int(status_of(CLAW_EEXIST), 409, "already there: 409");
	is_int(status_of(CLAW_ETOOBIG), 413, "over a cap: 413");
	is_int(status_of(CLAW_ECONFIG), 503, "no model set up: 503");
	is_int(status_of(CLAW_ESTOPPED), 503, "stopping: 503");
	is_int(status_of(CLAW_EDB), 500, "the db failed: 500");
	is_int(status_of(CLAW_EINTERNAL), 500, "a bug: 500");
}

static void
check(const char *header, bool want)
{
	ok(claw_http_accepts_coding(header, "gzip") == want, "%s gzip: \"%s\"",
	   want ? "accepts" : "refuses", header != NULL ? header : "(none)");
}

int
main(void)
{
	/* What browsers and tools send. */
	check("gzip, deflate, br, zstd", true);
	check("gzip, deflate", true);
	check("br;q=1.0, gzip;q=0.8, *;q=0.1", true);
	check("GZIP", true);
	check("x-gzip", true);
	check(" \tgzip ; q=0.5 ", true);
	check("gzip;q=1", true);
	check("gzip;q=1.000", true);
	check("deflate, *", true);
	check("deflate;q=0.5, gzip;level=9", true);
	/* Refusals. */
	check(NULL, false);
	check("", false);
	check("identity", false);
	check("deflate, br", false);
	check("gzip;q=0", false);
	check("gzip;q=0.000", false);
	check("gzip;Q=0", false);
	check("*;q=0", false);
	check("gzip;q=0, *", false);
	check("*, gzip;q=0", false);
	check("gzipx", false);
	check("xgzip", false);
	/* Malformed entries count as absent. */
	check("gzip;q=2", false);
	check("gzip;q=1.5", false);
	check("gzip;q=0.0001", false);
	check("gzip;q=", false);
	check("gzip;q=abc", false);
	check("gzip garbage", false);
	check("gzip;q=0.5x", false);
	check(",,,;;;===", false);
	check("*;q=0.5x, gzip;q=bad", false);
	/* A bad entry does not spoil a good one. */
	check("gzip;q=bad, x-gzip", true);
	ok(claw_http_accepts_coding("br, deflate", "br"), "other codings by name");
	ok(!claw_http_accepts_coding("x-gzip", "br"), "x-gzip is only gzip");
	test_fail();
	return tap_done();
}
