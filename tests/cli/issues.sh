#!/bin/sh
# claw -i / claw issue new / claw issues: opening and listing issues, project
# resolution from -C, CLAW_PROJECT and the cwd, and the refusals.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

mkdir -p "$tmp/p/deep/er" "$tmp/outside"
run -c "$tmp/p" -q
is "$rc" 0 "register the project"

cd "$tmp/p/deep/er" || exit 1
run -i "Add a --version flag" -d "Print the version and exit 0."
is "$rc" 0 "claw -i opens an issue from a subfolder (walking up)"
is "$out" "Issue #1 opened: Add a --version flag" "and prints its number and title"

run issue new "Second" -d "-q"
is "$out" "Issue #2 opened: Second" "claw issue new is the alias; -d takes '-q' as text"

cd "$tmp/outside" || exit 1
run -i "Nowhere"
is "$rc" 1 "outside any project fails"
like "$err" "claw issue: not inside a registered project: $(pwd -P) (run: claw -c)" \
	"with the SPEC message"

run -C "$tmp/p" -i "Via -C"
is "$out" "Issue #3 opened: Via -C" "-C DIR finds the project"

CLAW_PROJECT="$tmp/p/deep" run -i "Via CLAW_PROJECT"
is "$out" "Issue #4 opened: Via CLAW_PROJECT" "CLAW_PROJECT finds the project"

CLAW_PROJECT="$tmp/outside" run -C "$tmp/p" issues
is "$rc" 0 "-C wins over CLAW_PROJECT"

run -C "$tmp/p" -i
is "$rc" 2 "a missing title is a usage error"
like "$err" "claw issue: missing TITLE" "and says so"

run -C "$tmp/p" -i "   "
is "$rc" 1 "an empty title is refused"
like "$err" "claw issue: title is empty" "with a clear message"

long=$(printf '%0301d' 0)
run -C "$tmp/p" -i "$long"
is "$rc" 1 "a title over 300 bytes is refused"

run -C "$tmp/p" issues
is "$rc" 0 "claw issues lists"
like "$out" "Add a --version flag" "the first issue"
like "$out" "Via CLAW_PROJECT" "the fourth issue"
is "$(printf '%s\n' "$out" | grep -c ' open ')" 4 "four open issues, none from the refusals"

# The latest run and its cost (the sum of its reply rows) show in the list.
pdb=$(ls "$CLAW_HOME"/projects/*-p.db)
sqlite3 "$pdb" "INSERT INTO runs(issue_id, solver_version, status, reason, started_by, created_at, ended_at)
	VALUES (1, 0, 'done', '', 'console', 1, 2);
	INSERT INTO trace(run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
	(1, 5, 4, 3, 'event', 'reply', 10, '{\"text\":\"hi\",\"tool_calls\":[],\"usage\":{\"in\":100,\"out\":20,\"cached\":0,\"cost_micros\":21000,\"cost_source\":\"table\"}}', 3),
	(1, 6, 4, 3, 'event', 'reply', 10, '{\"text\":\"ok\",\"tool_calls\":[],\"usage\":{\"in\":100,\"out\":20,\"cached\":0,\"cost_micros\":21100,\"cost_source\":\"table\"}}', 4);"
run -C "$tmp/p" issues
line=$(printf '%s\n' "$out" | grep 'Add a --version flag')
like "$line" "run #1 done" "the latest run of issue 1 is listed"
like "$line" '$0.0421' "with its cost summed from the reply rows"
like "$line" " 200/40 " "and its tokens in and out"

run -C "$tmp/p" issues extra
is "$rc" 2 "claw issues takes no arguments"

run -C "$tmp/p" frobnicate
is "$rc" 2 "an unknown command is a usage error"
like "$err" "unknown command 'frobnicate'" "naming it"

# A project db that is not a claw db: refused, not touched.
mkdir -p "$tmp/q" && run -c "$tmp/q" -q
qdb=$(ls "$CLAW_HOME"/projects/*q.db)
printf 'not a database at all, just text that is long enough to be a header....' >"$qdb"
before=$(cksum <"$qdb")
run -C "$tmp/q" -i "x"
is "$rc" 1 "a db that is not a claw db is refused"
like "$err" "is not a claw database" "with a clear message"
is "$(cksum <"$qdb")" "$before" "and the file is not changed"

done_testing
