#!/bin/sh
# The crash ledger of tool calls (issue 13): claw run is killed with SIGKILL
# while a bash call of a turn runs.  On resume that call is not run again
# (a non-idempotent `echo x >> log` ran once): the model is told it was
# interrupted and its effects are unknown; the call before it, which ended,
# is answered from the ledger without running again; the call after it is
# not run.  A read-only call before them leaves no row and runs again.  The
# interrupted call is traced as a note.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Append")
approved_solver "$id" '{"name":"Append","steps":[{"name":"append","goal":"Append x to log.","tools":["bash","read_file","list_files"]}]}'
echo seed >seed.txt

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step append"},
  "tool_calls": [
   {"name": "read_file", "input": {"path": "seed.txt"}},
   {"name": "bash", "input": {"command": "echo first >> first.txt"}},
   {"name": "bash", "input": {"command": "echo x >> log; sleep 60"}},
   {"name": "bash", "input": {"command": "echo y >> after.txt"}}]},
 {"match": {"user": "[interrupted]"}, "text": "I checked log: x is there. Done."}
]}
JSON
mock_start "$tmp/scenario.json"

"$CLAW_BIN" run "$id" </dev/null >"$tmp/run1.out" 2>"$tmp/run1.err" &
pid=$!
i=0
while [ ! -s log ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
is "$(cat log 2>/dev/null)" "x" "the second call ran: log has its x"
kill -9 "$pid"
wait "$pid" 2>/dev/null
is "$(sql "SELECT group_concat(idx || ':' || (ended_at != 0), ' ') FROM tool_calls")" \
	"-1:0 1:1 2:0" "the ledger holds the turn, call 1 ended, call 2 started; call 0, a read, no row"

claw_run /dev/null "$id"
is "$rc" 0 "claw run again exits 0"
like "$out" "Run #1 done" "and completes the run"
is "$(cat log)" "x" "the interrupted call did not run again (echo x >> log ran once)"
is "$(cat first.txt)" "first" "the call that had ended did not run again"
ok "$(test ! -e after.txt; echo $?)" "the call after the interrupted one was not run"
is "$(mock_requests)" "2" "the model was asked once more, not for the same turn again"
is "$(mock_count2 '[interrupted]' 'effects are unknown')" "1" \
	"it was told the call was interrupted and its effects are unknown"
is "$(mock_count '[not run] an earlier call of this turn was interrupted')" "1" \
	"and that the call after it was not run"
is "$(sql "SELECT json_extract(data, '$.name') || ' ' || json_extract(data, '$.input.command') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'interrupted-call'")" \
	"bash echo x >> log; sleep 60" "the interrupted call is traced with its name and input"
is "$(sql "SELECT COUNT(*) FROM tool_calls")" "0" "the resumed turn's checkpoint emptied the ledger"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'turn' AND phase = 'enter' AND json_extract(data, '$.resumed')")" \
	"1" "the answered turn is a turn span of its own"
is "$(sql "SELECT COUNT(*) FROM trace x WHERE x.parent_id != 0 AND NOT EXISTS (SELECT 1 FROM trace e WHERE e.phase = 'enter' AND e.span_id = x.parent_id AND e.depth = x.depth - 1)")" \
	"0" "the trace stays well-formed: every parent is an entered span one level up"
run log 1
like "$out" "interrupted-call" "claw log shows it"
done_testing
