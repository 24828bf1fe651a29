#!/bin/sh
# claw log: the empty project, bad arguments, and (with the sqlite3 shell, to
# write a fixture run) the runs list, the tree at Debug and -q, the totals
# line and an unknown run.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

mkdir -p "$tmp/p"
run -c "$tmp/p" -q
is "$rc" 0 "register the project"
cd "$tmp/p" || exit 1

run log
is "$rc" 0 "claw log without runs succeeds"
is "$out" "No runs yet for this project." "and says there are none"
run log 99
is "$rc" 1 "an unknown run fails, with no runs at all too"
is "$err" "claw log: run #99 not found" "naming it"

run log abc
is "$rc" 2 "a RUN that is not a number is a usage error"
like "$err" "claw log: RUN must be a run number, not 'abc'" "with a message"

run log 1 2
is "$rc" 2 "two runs is a usage error"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "ok $((tap_n + 1)) # SKIP no sqlite3 shell to write the fixture"
	tap_n=$((tap_n + 1))
	done_testing
	exit $?
fi

key=$(pwd -P | sed -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' -e 's/^-//' -e 's/-$//')
db="$CLAW_HOME/projects/$key.db"
sqlite3 "$db" <<'SQL'
INSERT INTO issues (title, created_at, updated_at) VALUES ('Fix it', 1764000000000, 1764000000000);
INSERT INTO runs (issue_id, status, reason, created_at, ended_at)
  VALUES (1, 'failed', 'stopped by alice', 1764000000000, 1764000001000);
INSERT INTO runs (issue_id, status, created_at) VALUES (1, 'running', 1764000100000);
INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (1, 1, 0, 0, 'enter', 'workflow', 30, '{"name":"solve"}', 1764000000001),
 (1, 2, 1, 1, 'enter', 'step', 20, '{"name":"plan"}', 1764000000002),
 (1, 3, 2, 2, 'enter', 'ai', 10, '{"role":"worker","model":"m1"}', 1764000000003),
 (1, 4, 3, 3, 'event', 'reply', 10,
  '{"text":"hi","tool_calls":[{"name":"bash","input":{}}],"usage":{"in":1000,"out":200,"cached":50,"cost_micros":42100}}',
  1764000000004),
 (1, 5, 3, 3, 'event', 'tool-result', 30, '{"name":"bash","text":"no","is_error":true}', 1764000000005),
 (1, 3, 2, 2, 'exit', 'end', 10, '{"ms":1200}', 1764000000006),
 (1, 2, 1, 1, 'exit', 'end', 20, '{"ms":1300}', 1764000000007),
 (1, 1, 0, 0, 'exit', 'end', 30, '{"ms":1400}', 1764000000008);
SQL

run log
is "$rc" 0 "claw log of the run that last wrote a trace row"
like "$out" "  #2    running" "run 2 listed"
like "$out" "* #1    failed    issue #1    2025-11-24 16:00:00  stopped by alice" \
	"run 1 chosen and marked"
like "$out" "▶ workflow solve
  ▶ step plan
    ▶ ai worker (m1)
      · reply [1000/200 tok · \$0.0421] bash \"hi\"
      · tool-result bash [error]
    ◀ ai worker (m1) (1.2s)
  ◀ step plan (1.3s)
◀ workflow solve (1.4s)" "the tree at Debug"
like "$out" "tokens 1000 in / 200 out · cache 50 read / 0 written (5% hit) · cost \$0.0421" "the totals line"
case "$out" in *"$(printf '\033')"*) esc=1 ;; *) esc=0 ;; esac
is "$esc" 0 "no colour when stdout is not a terminal"

run -q log 1
is "$rc" 0 "claw -q log 1"
like "$out" "▶ workflow solve
      · tool-result bash [error]
◀ workflow solve (1.4s)" "milestones only"

run log '#2'
is "$rc" 0 "a run without trace rows, named as #2"
like "$out" "(no trace rows for this run)" "says so"

run log 99
is "$rc" 1 "an unknown run fails"
is "$err" "claw log: run #99 not found" "naming it"

done_testing
