/*
 * test_changes — git's diff and status output read into changes (paths
 * with tabs, spaces and newlines, renames, binary files, and output cut
 * short or out of step refused), the cache of diffs between two commits
 * (hits, misses, ids that are no object ids, the least recently used
 * dropped), and the JSON of a change.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "tap.h"
#include "tool/changes.h"

#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B40 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The raw entries and numbers of a diff with a modified binary file, a
 * deletion, a path with a space and one with a tab and a newline, and a
 * rename (as git 2.39 prints them). */
static const char diff_out[] = ":100644 100644 835267 a90357 M\0bin\0"
			       ":100644 000000 587be6 000000 D\0gone\0"
			       ":100644 100644 975fbe 2795c8 M\0sp ace\0"
			       ":000000 100644 000000 3e7576 A\0tab\tand\nnewline\0"
			       ":100644 100644 0fdf39 f9d9a0 R085\0one.txt\0two.txt\0"
			       "-\t-\tbin\0"
			       "0\t1\tgone\0"
			       "1\t0\tsp ace\0"
			       "1\t0\ttab\tand\nnewline\0"
			       "1\t0\t\0one.txt\0two.txt\0";

static void
test_parse_diff(void)
{
	struct claw_changes ch;
	struct claw_error err = {0};

	is_int(claw_changes_parse_diff(diff_out, sizeof diff_out - 1, &ch, &err), CLAW_OK,
	       "a diff with every kind of entry");
	is_int((int64_t)ch.n, 5, "five files");
	if (ch.n == 5) {
		ok(ch.files[0].binary && ch.files[0].status == 'M' && ch.files[0].additions == 0,
		   "bin: binary, modified");
		ok(ch.files[1].status == 'D' && ch.files[1].deletions == 1, "gone: deleted -1");
		is_str(ch.files[2].path, "sp ace", "a path with a space");
		ok(ch.files[3].status == 'A' && strcmp(ch.files[3].path, "tab\tand\nnewline") == 0,
		   "a path with a tab and a newline, added");
		ok(ch.files[4].status == 'R' && strcmp(ch.files[4].path, "two.txt") == 0 &&
			   ch.files[4].old_path != NULL &&
			   strcmp(ch.files[4].old_path, "one.txt") == 0 &&
			   ch.files[4].additions == 1,
		   "a rename: one.txt to two.txt, +1");
	}
	ok(ch.additions == 3 && ch.deletions == 1, "+3 -1 in all");
	claw_changes_sort(&ch);
	ok(claw_changes_find(&ch, "two.txt") != NULL && claw_changes_find(&ch, "one.txt") == NULL,
	   "found by its path once sorted");
	claw_changes_free(&ch);

	is_int(claw_changes_parse_diff("", 0, &ch, &err), CLAW_OK, "no change");
	is_int((int64_t)ch.n, 0, "no files");

	/* Cut anywhere before its end, the same output is refused. */
	int refused = 0;
	for (size_t cut = 1; cut < sizeof diff_out - 1; cut++) {
		enum claw_err rc = claw_changes_parse_diff(diff_out, cut, &ch, &err);
		refused += rc == CLAW_EIO && ch.n == 0 && ch.files == NULL;
		claw_changes_free(&ch);
	}
	is_int(refused, (int64_t)sizeof diff_out - 2, "every cut of it is refused, nothing kept");
	has_str(err.msg, "git diff printed what claw cannot read", "says so");

	static const char other_path[] = ":100644 100644 1 2 M\0a\0"
					 "1\t0\tb\0";
	is_int(claw_changes_parse_diff(other_path, sizeof other_path - 1, &ch, &err), CLAW_EIO,
	       "numbers of another file: refused");
	static const char bad_count[] = ":100644 100644 1 2 M\0a\0"
					"x\t0\ta\0";
	is_int(claw_changes_parse_diff(bad_count, sizeof bad_count - 1, &ch, &err), CLAW_EIO,
	       "a count that is no number: refused");
	static const char no_rename[] = ":100644 100644 1 2 M\0a\0"
					"1\t0\t\0x\0a\0";
	is_int(claw_changes_parse_diff(no_rename, sizeof no_rename - 1, &ch, &err), CLAW_EIO,
	       "rename numbers for a file that was not renamed: refused");
}

static void
test_parse_status(void)
{
	static const char status_out[] =
		"# branch.oid " A40 "\0"
		"# branch.head claw/issue-1-run-2\0"
		"1 .M N... 100644 100644 100644 835267 835267 sp ace.txt\0"
		"2 R. N... 100644 100644 100644 0fdf39 0fdf39 R100 new name\0old name\0"
		"u UU N... 100644 100644 100644 100644 1 2 3 both\0"
		"? untracked\tfile\0"
		"! ignored\0";
	struct claw_status st;
	struct claw_error err = {0};

	is_int(claw_changes_parse_status(status_out, sizeof status_out - 1, &st, &err), CLAW_OK,
	       "a status with every kind of entry");
	is_str(st.head, A40, "the commit checked out");
	is_int((int64_t)st.n_changed, 4, "four changed paths (a rename's two)");
	if (st.n_changed == 4) {
		is_str(st.changed[0], "sp ace.txt", "a path with a space");
		is_str(st.changed[1], "new name", "a rename's new path");
		is_str(st.changed[2], "old name", "and its old one");
		is_str(st.changed[3], "both", "an unmerged path");
	}
	ok(st.n_untracked == 1 && strcmp(st.untracked[0], "untracked\tfile") == 0,
	   "the untracked file, tab and all");
	claw_status_free(&st);

	static const char initial[] = "# branch.oid (initial)\0# branch.head main\0";
	is_int(claw_changes_parse_status(initial, sizeof initial - 1, &st, &err), CLAW_OK,
	       "a branch with no commit");
	is_str(st.head, "", "no head");
	claw_status_free(&st);

	int refused = 0;
	for (size_t cut = 1; cut < sizeof status_out - 1; cut++) {
		enum claw_err rc = claw_changes_parse_status(status_out, cut, &st, &err);
		refused += rc == CLAW_EIO && st.changed == NULL && st.untracked == NULL;
		claw_status_free(&st);
	}
	ok(refused > 0, "cut short: refused (%d cuts)", refused);
	static const char short_line[] = "1 .M N... 100644 path\0";
	is_int(claw_changes_parse_status(short_line, sizeof short_line - 1, &st, &err), CLAW_EIO,
	       "an entry with too few fields: refused");
	static const char unknown[] = "Z what\0";
	is_int(claw_changes_parse_status(unknown, sizeof unknown - 1, &st, &err), CLAW_EIO,
	       "an unknown entry: refused");
	has_str(err.msg, "git status printed what claw cannot read", "says so");
}

/* A change of one file named name. */
static void
one_file(struct claw_changes *ch, const char *name, int64_t additions)
{
	struct claw_change c = {.path = (char *)name, .status = 'M', .additions = additions};
	memset(ch, 0, sizeof *ch);
	claw_changes_push_copy(ch, &c);
}

static void
test_cache(void)
{
	struct claw_changes ch, got;
	char from[CLAW_GIT_OID_SIZE];

	ok(claw_git_oid_valid(A40), "40 hex digits are an object id");
	ok(!claw_git_oid_valid("HEAD") && !claw_git_oid_valid(A40 "a") &&
		   !claw_git_oid_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	   "a ref, 41 digits and upper case are not");

	ok(!claw_changes_cached("/r", A40, B40, &got), "a miss at first");
	one_file(&ch, "a.txt", 3);
	claw_changes_cache("/r", A40, B40, &ch);
	claw_changes_free(&ch);
	ok(claw_changes_cached("/r", A40, B40, &got), "then a hit");
	ok(got.n == 1 && strcmp(got.files[0].path, "a.txt") == 0 && got.additions == 3,
	   "a copy of what was kept");
	claw_changes_free(&got);
	ok(!claw_changes_cached("/other", A40, B40, &got), "another repository misses");
	ok(!claw_changes_cached("/r", B40, A40, &got), "the range reversed misses");
	one_file(&ch, "b.txt", 1);
	claw_changes_cache("/r", "HEAD~1", "HEAD", &ch);
	ok(!claw_changes_cached("/r", "HEAD~1", "HEAD", &got), "refs are never kept");
	claw_changes_free(&ch);

	/* Fill every slot with other ranges, touching A..B on the way: it
	 * stays, the least recently used one goes. */
	int hits = 0;
	for (int i = 0; i < CLAW_CHANGES_CACHE_SLOTS; i++) {
		(void)snprintf(from, sizeof from, "%040d", i);
		one_file(&ch, "x", i);
		claw_changes_cache("/r", from, B40, &ch);
		claw_changes_free(&ch);
		hits += claw_changes_cached("/r", A40, B40, &got);
		claw_changes_free(&got);
	}
	is_int(hits, CLAW_CHANGES_CACHE_SLOTS, "A..B used after each");
	ok(claw_changes_cached("/r", A40, B40, &got), "the range used lately stays");
	claw_changes_free(&got);
	(void)snprintf(from, sizeof from, "%040d", 0);
	ok(!claw_changes_cached("/r", from, B40, &got), "the least recently used one went");
	(void)snprintf(from, sizeof from, "%040d", CLAW_CHANGES_CACHE_SLOTS - 1);
	ok(claw_changes_cached("/r", from, B40, &got) && got.n == 1 &&
		   got.additions == CLAW_CHANGES_CACHE_SLOTS - 1,
	   "the newest one is there");
	claw_changes_free(&got);
}

static void
test_json(void)
{
	struct claw_changes ch = {0};
	char qname[] = "new \"q\".txt", to[] = "to", from[] = "from";
	struct claw_change a = {.path = qname, .status = 'A', .additions = 2};
	struct claw_change r = {.path = to, .old_path = from, .status = 'R', .uncommitted = true};
	struct claw_buf b = CLAW_BUF_INIT(1 << 16);

	claw_changes_push_copy(&ch, &a);
	claw_changes_push_copy(&ch, &r);
	claw_changes_json(&ch, 0, &b);
	is_str(claw_buf_str(&b),
	       "\"files\":[{\"path\":\"new \\\"q\\\".txt\",\"status\":\"added\",\"additions\":2,"
	       "\"deletions\":0,\"binary\":false},{\"path\":\"to\",\"oldPath\":\"from\","
	       "\"status\":\"renamed\",\"additions\":0,\"deletions\":0,\"binary\":false,"
	       "\"uncommitted\":true}],\"additions\":2,\"deletions\":0",
	       "the files and the lines in all");
	claw_buf_reset(&b);
	claw_changes_json(&ch, 1, &b);
	ok(strstr(claw_buf_str(&b), "\"to\"") == NULL, "the first max files only");
	claw_buf_free(&b);
	claw_changes_free(&ch);
}

int
main(void)
{
	test_parse_diff();
	test_parse_status();
	test_cache();
	test_json();
	return tap_done();
}
