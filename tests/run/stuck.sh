#!/bin/sh
# claw run: the stuck guard, and the supervisor's "go on?" every 50 turns.
#  The same call with the same result (numbers
# stripped) three times makes the step stuck: the supervisor is asked once
# for a different approach and its guidance is sent; stuck again, the
# exchange ends with a STOPPED note, without asking again.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Loop")
approved_solver "$id" '{"name":"Loop","steps":[{"name":"spin","goal":"Spin.","tools":["bash"]}]}'

# The command prints a changing number: the guard strips numbers.
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "the agent is stuck"}, "text": "Try printf instead of date."},
 {"match": {"any": "Carry out step spin"},
  "tool_calls": [{"name": "bash", "input": {"command": "date +%N"}}], "times": 6}
]}
JSON
mock_start "$tmp/scenario.json"

claw_run /dev/null "$id"
is "$rc" 0 "claw run exits 0 (the step has no critic)"
is "$(mock_requests)" "7" "six turns and one supervisor request"
is "$(mock_count 'the agent is stuck')" "1" "the supervisor was asked once"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'stuck'")" \
	"STOPPED: the same bash call gave the same result 3 times" "the exchange ended with a STOPPED note"
is "$(mock_count 'You are repeating yourself')" "3" \
	"the guidance reached the model (and stayed in its conversation)"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'supervisor'")" \
	"guidance: Try printf instead of date." "the supervisor's guidance is traced"

# 50 turns of distinct calls: the supervisor is asked whether to go on, and
# its stop ends the exchange (not the run).
id=$(new_issue "Long")
approved_solver "$id" '{"name":"Long","steps":[{"name":"long","goal":"Go long.","tools":["bash"]}]}'
{
	echo '{"replies": ['
	echo ' {"match": {"user": "has taken 50 turns"}, "text": "stop"},'
	for i in $(seq 1 50); do
		w=$(echo "$i" | tr 0-9 a-j)
		echo " {\"match\": {\"any\": \"Carry out step long\"}, \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo $w\"}}]},"
	done
	echo ' {"match": {"any": "Carry out step long"}, "text": "never asked"}'
	echo ']}'
} >"$tmp/long.json"
mock_stop
mock_start "$tmp/long.json"
claw_run /dev/null "$id"
is "$rc" 0 "the long run completes"
is "$(mock_requests)" "51" "50 turns, then the supervisor, and no 51st turn"
is "$(mock_count 'Should it go on?')" "1" "the supervisor was asked whether to go on"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'capped'")" \
	"the supervisor ended the exchange after 50 turns" "its stop ended the exchange"

# CLAW_STEP_TURNS: a hard cap even when the supervisor always says go on
# (issue 13: one step ran 1197 turns).  Distinct calls, so no guard fires.
# At the cap the step is stuck: the supervisor is asked once, its guidance
# buys one last stretch of 50 turns, then the exchange ends.
id=$(new_issue "Endless")
approved_solver "$id" '{"name":"Endless","steps":[{"name":"endless","goal":"Never stop.","tools":["bash"]}]}'
cat >"$tmp/endless.json" <<'JSON'
{"replies": [
 {"match": {"user": "Should it go on?"}, "text": "Yes, go on.", "times": 0},
 {"match": {"user": "Suggest a different approach"}, "text": "Try a smaller change.", "times": 0},
 {"match": {"any": "Carry out step endless"},
  "tool_calls": [{"name": "bash", "input": {"command": "head -c 8 /dev/urandom | od -An -tx1 | tr 0-9 g-p"}}],
  "times": 0}
]}
JSON
mock_stop
mock_start "$tmp/endless.json"
CLAW_STEP_TURNS=20 claw_run /dev/null "$id"
is "$rc" 0 "the endless step ends"
is "$(mock_count2 'Suggest a different approach' 'CLAW_STEP_TURNS')" "1" "the supervisor was asked once at the cap"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'tool' AND json_extract(data, '$.input.command') LIKE '%urandom%' AND run_id = (SELECT MAX(id) FROM runs)")" \
	"70" "20 turns, then 50 more for the supervisor's guidance, then no more"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'stuck' AND run_id = (SELECT MAX(id) FROM runs)")" \
	"STOPPED: it took 70 turns, the most one exchange may (CLAW_STEP_TURNS)" "and says why"
done_testing
