#!/bin/sh
# claw run: the approval gate on the terminal.  e with feedback rejects the
# solver and regenerates one with that feedback in its context; N rejects
# without feedback: the run ends `generated` and the issue waits.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Anything")
S='{\"name\":\"Good\",\"steps\":[{\"name\":\"only\",\"goal\":\"Do the only thing.\",\"tools\":[]}]}'
cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step understand"}, "text": "Understood.", "times": 2},
 {"match": {"user": "Carry out step assess"}, "text": "simple", "times": 2},
 {"match": {"user": "Carry out step draft"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$S"}}], "times": 2},
 {"match": {"user": "Recorded artifact"}, "text": "Drafted.", "times": 2},
 {"match": {"user": "Judge the work of step \"draft\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "fine", "reason": "ok"}}], "times": 2},
 {"match": {"user": "needs a value from you: name"}, "text": "Good", "times": 2},
 {"match": {"user": "needs a value from you: spec"}, "text": "$S", "times": 2}
]}
JSON
mock_start "$tmp/scenario.json"

printf 'e\nUse bash for everything.\nN\n' >"$tmp/answers"
claw_run "$tmp/answers" "$id"
is "$rc" 0 "claw run exits 0 when the person rejects the solver"
like "$out" "Run #1 ended: solver v2 was rejected by console; issue #$id is waiting." "saying so"
like "$err" "Feedback for the next solver:" "e asked for feedback"
is "$(sql "SELECT group_concat(version || ':' || status || ':' || feedback, '|') FROM solvers")" \
	"1:rejected:Use bash for everything.|2:rejected:" "v1 rejected with the feedback, v2 without"
is "$(sql "SELECT status FROM runs WHERE id = 1")" "generated" "the run is generated"
is "$(sql "SELECT status FROM issues WHERE id = $id")" "waiting" "the issue waits"
is "$(mock_count2 'Carry out step understand' 'Use bash for everything.')" "2" \
	"the second generation had the feedback in its context"
is "$(sql "SELECT COUNT(*) FROM workflow_state WHERE workflow = 'generate-after-v1'")" "1" \
	"the regeneration ran under its own key"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'question' AND json_extract(data, '$.kind') = 'approve'")" \
	"2" "two approval gates"
done_testing
