/*
 * route — segment-by-segment matching of a path against the table.
 */
#include "server/route.h"

#include <string.h>

/* Matches path against pattern; fills caps on success. */
static bool
pattern_match(const char *pattern, const char *path, struct claw_str *caps, size_t *ncaps)
{
	struct claw_str pr = claw_str_from(pattern), ph = claw_str_from(path);
	size_t n = 0;

	if (!claw_str_starts_with(pr, "/") || !claw_str_starts_with(ph, "/"))
		return false;
	pr.p++, pr.n--;
	ph.p++, ph.n--;
	for (;;) {
		bool pr_end = pr.n == 0, ph_end = ph.n == 0;
		if (pr_end || ph_end)
			return pr_end && ph_end && (*ncaps = n, true);
		struct claw_str ps = claw_str_cut(&pr, '/');
		bool ph_had_slash = memchr(ph.p, '/', ph.n) != NULL;
		struct claw_str hs = claw_str_cut(&ph, '/');
		if (hs.n == 0)
			return false; /* empty segment: "//" or a trailing "/" */
		if (ph_had_slash && ph.n == 0)
			return false; /* trailing slash */
		if (ps.n >= 2 && ps.p[0] == '{' && ps.p[ps.n - 1] == '}') {
			if (n == CLAW_ROUTE_CAPS_MAX)
				return false;
			caps[n++] = hs;
		} else if (!claw_str_eq(ps, hs)) {
			return false;
		}
	}
}

enum claw_route_result
claw_route_match(const struct claw_route *table, size_t n, const char *method, const char *path,
		 const struct claw_route **out, struct claw_str *caps, size_t *ncaps,
		 struct claw_buf *allow)
{
	enum claw_route_result res = CLAW_ROUTE_NOT_FOUND;
	struct claw_str tmp[CLAW_ROUTE_CAPS_MAX];
	size_t ntmp;

	*out = NULL;
	*ncaps = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pattern_match(table[i].pattern, path, tmp, &ntmp))
			continue;
		if (strcmp(table[i].method, method) == 0) {
			*out = &table[i];
			memcpy(caps, tmp, ntmp * sizeof *tmp);
			*ncaps = ntmp;
			return CLAW_ROUTE_FOUND;
		}
		res = CLAW_ROUTE_NO_METHOD;
		if (allow != NULL && strstr(claw_buf_str(allow), table[i].method) == NULL)
			(void)claw_buf_printf(allow, "%s%s", claw_buf_len(allow) > 0 ? ", " : "",
					      table[i].method);
	}
	return res;
}
