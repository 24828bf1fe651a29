/*
 * test_request — Accept-Encoding negotiation (claw_http_accepts_coding):
 * the browsers' headers, q-values, "*", x-gzip, and hostile or malformed
 * values, which accept nothing but identity.
 */
#include "server/request.h"

#include "tap.h"

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
	return tap_done();
}
