#!/bin/sh
# claw run: a step ends its turn with a [question]; the supervisor escalates
# it; the person answers on stdin; the answer continues the conversation.
# A question the supervisor answers itself never reaches the person.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Paint it")
approved_solver "$id" '{"name":"Paint","steps":[{"name":"paint","goal":"Paint the thing.","tools":[]},{"name":"frame","goal":"Frame it.","tools":[]}]}'

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: painted.", "times": 0},
 {"match": {"user": "Carry out step paint"}, "text": "I can paint it.\n[question] Which colour?"},
 {"match": {"user": "the agent asks a question"}, "text": "ESCALATE."},
 {"match": {"user": "Answer to your question: blue"}, "text": "Painted it blue."},
 {"match": {"user": "Carry out step frame"}, "text": "  [question] Wood or metal?"},
 {"match": {"user": "Wood or metal?"}, "text": "Wood."},
 {"match": {"user": "Answer to your question: Wood."}, "text": "Framed in wood."}
]}
JSON
mock_start "$tmp/scenario.json"

echo blue >"$tmp/answer"
claw_run "$tmp/answer" "$id"
is "$rc" 0 "claw run exits 0"
like "$err" "Step paint asks (turn 1): Which colour?" "the question was asked on the terminal"
is "$(sql "SELECT json_extract(data, '$.prompt') FROM trace WHERE type = 'question'")" \
	"Step paint asks (turn 1): Which colour?" "one question gate, for paint only"
is "$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'answer'")" "blue" \
	"the person's answer is traced"
is "$(mock_count2 'Answer to your question: blue' 'Which colour?')" "2" \
	"the answer continued paint's conversation after its question (then its handoff)"
is "$(mock_count2 'Answer to your question: Wood.' 'Wood or metal?')" "1" \
	"the supervisor answered frame's question itself"
is "$(mock_requests)" "7" "every scripted request and one handoff"

# Parked at the question when killed; the answer is written while no process
# serves the gate (as the server's answer route does); the resumed run finds
# that gate and its answer instead of asking again.
id=$(new_issue "Paint again")
approved_solver "$id" '{"name":"Paint","steps":[{"name":"paint","goal":"Paint the wall.","tools":[]}]}'
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step paint"}, "text": "[question] Which colour for the wall?"},
 {"match": {"user": "the agent asks a question"}, "text": "ESCALATE", "times": 2},
 {"match": {"user": "Answer to your question: green"}, "text": "Painted it green."}
]}
JSON
mock_stop
mock_start "$tmp/scenario.json"
mkfifo "$tmp/never"
sleep 30 >"$tmp/never" &
holder=$!
"$CLAW_BIN" run "$id" <"$tmp/never" >"$tmp/run1.out" 2>"$tmp/run1.err" &
pid=$!
i=0
while [ "$(sql "SELECT status FROM issues WHERE id = $id")" != waiting ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
run_id=$(sql "SELECT id FROM runs WHERE issue_id = $id")
is "$(sql "SELECT status FROM issues WHERE id = $id")" "waiting" "parked at the gate: the issue waits"
kill -9 "$pid"
wait "$pid" 2>/dev/null
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
gate=$(sql "SELECT span_id FROM trace WHERE run_id = $run_id AND type = 'question'")
sql "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
     SELECT $run_id, MAX(span_id) + 1, 0, 0, 'event', 'answer', 30,
      '{\"ref\":$gate,\"text\":\"green\",\"decision\":\"\",\"by\":\"alice\"}', 0
     FROM trace WHERE run_id = $run_id"
claw_run /dev/null "$id"
is "$rc" 0 "the resumed run completes on the answer written meanwhile"
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $run_id AND type = 'question'")" "1" \
	"no second question was raised"
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $run_id AND type = 'answer'")" "1" \
	"and no second answer written"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE run_id = $run_id AND type = 'note' AND json_extract(data, '$.action') = 'gate'")" \
	"was answered while the run was not live" "taking the answer is traced"
is "$(mock_count 'Answer to your question: green')" "1" "the model got alice's answer"
done_testing
