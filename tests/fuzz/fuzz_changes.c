/*
 * fuzz_changes — libFuzzer target for git's output as claw reads it
 * (src/tool/changes.c): `git diff --raw --numstat -z` (claw_changes_parse_diff)
 * and `git status --porcelain=v2 -z --branch` (claw_changes_parse_status).
 * The paths in both are whatever an agent named its files.
 *
 * Input: one byte picking the parser (even: diff, odd: status), then the
 * output.  Properties: the answer is CLAW_OK or CLAW_EIO with nothing kept;
 * on CLAW_OK every file has a path, a status among A, M, D, R, an old path
 * exactly when renamed and counts of at least 0 that add up to the
 * change's, and the sorted change finds each of its paths; a status has a
 * head that is "" or a full object id and a path in every entry.
 * Seeds in tests/fuzz/seeds/changes, words in changes.dict.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "fuzz.h"
#include "tool/changes.h"

static void
check_diff(const char *out, size_t len)
{
	struct claw_changes ch;
	struct claw_error err = {0};
	enum claw_err rc = claw_changes_parse_diff(out, len, &ch, &err);
	int64_t adds = 0, dels = 0;

	fuzz_check(rc == CLAW_OK || (rc == CLAW_EIO && ch.n == 0 && ch.files == NULL),
		   "diff: an error that kept files");
	for (size_t i = 0; i < ch.n; i++) {
		const struct claw_change *c = &ch.files[i];
		fuzz_check(c->path != NULL, "diff: a file without a path");
		fuzz_check(strchr("AMDR", c->status) != NULL && c->status != '\0',
			   "diff: an unknown status");
		fuzz_check((c->status == 'R') == (c->old_path != NULL),
			   "diff: an old path without a rename");
		fuzz_check(c->additions >= 0 && c->deletions >= 0, "diff: a negative count");
		adds += c->additions;
		dels += c->deletions;
	}
	fuzz_check(adds == ch.additions && dels == ch.deletions, "diff: the sums");
	claw_changes_sort(&ch);
	for (size_t i = 0; i < ch.n; i++)
		fuzz_check(claw_changes_find(&ch, ch.files[i].path) != NULL,
			   "diff: a path not found once sorted");
	claw_changes_free(&ch);
}

static void
check_status(const char *out, size_t len)
{
	struct claw_status st;
	struct claw_error err = {0};
	enum claw_err rc = claw_changes_parse_status(out, len, &st, &err);

	fuzz_check(rc == CLAW_OK || (rc == CLAW_EIO && st.changed == NULL && st.untracked == NULL),
		   "status: an error that kept paths");
	fuzz_check(st.head[0] == '\0' || claw_git_oid_valid(st.head), "status: a bad head");
	for (size_t i = 0; i < st.n_changed; i++)
		fuzz_check(st.changed[i] != NULL, "status: a changed entry without a path");
	for (size_t i = 0; i < st.n_untracked; i++)
		fuzz_check(st.untracked[i] != NULL && st.untracked[i][0] != '\0',
			   "status: an untracked entry without a path");
	claw_status_free(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* A copy of exactly the output's bytes, no NUL after them: a read
	 * past them is seen. */
	char *out = claw_xmalloc(size - 1);
	memcpy(out, data + 1, size - 1);
	if (data[0] % 2 == 0)
		check_diff(out, size - 1);
	else
		check_status(out, size - 1);
	free(out);
	return 0;
}
