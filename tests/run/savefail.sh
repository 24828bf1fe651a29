#!/bin/sh
# claw run --yes: generate's draft writes a solver the validator refuses;
# save's rejection goes back_to draft with the validator's message; draft
# continues its conversation, fixes it, and the saved solver runs.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Anything")
BAD='{\"name\":\"Bad\",\"steps\":[]}'
GOOD='{\"name\":\"Good\",\"steps\":[{\"name\":\"only\",\"goal\":\"Do the only thing.\",\"tools\":[]}]}'

cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step understand"}, "text": "Understood."},
 {"match": {"user": "Carry out step assess"}, "text": "simple"},
 {"match": {"user": "Carry out step draft"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$BAD"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Drafted."},
 {"match": {"user": "Judge the work of step \"draft\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "looks fine", "reason": "ok"}}]},
 {"match": {"user": "needs a value from you: name"}, "text": "Bad"},
 {"match": {"user": "needs a value from you: spec"}, "text": "$BAD"},
 {"match": {"user": "was rejected, and the run came back to your step"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$GOOD"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Fixed the solver."},
 {"match": {"user": "Judge the work of step \"draft\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "valid now", "reason": "ok"}}]},
 {"match": {"user": "needs a value from you: name"}, "text": "Good"},
 {"match": {"user": "needs a value from you: spec"}, "text": "\`\`\`json\n$GOOD\n\`\`\`"},
 {"match": {"user": "Carry out step only"}, "text": "Done."}
]}
JSON
mock_start "$tmp/scenario.json"

claw_run /dev/null "$id" --yes
is "$rc" 0 "claw run --yes exits 0"
like "$out" "Run #1 done" "the run is done"
is "$(sql "SELECT json_extract(data, '$.from') || '>' || json_extract(data, '$.to') FROM trace WHERE type = 'back'")" \
	"save>draft" "save's rejection went back to draft"
like "$(sql "SELECT json_extract(data, '$.reason') FROM trace WHERE type = 'back'")" \
	"the workflow is not valid:" "with the validator's message"
is "$(mock_count2 'was rejected, and the run came back to your step' 'the workflow is not valid:')" "4" \
	"draft was told the validator's message (its rework and params turns hold it)"
is "$(mock_count2 'was rejected, and the run came back to your step' 'Carry out step draft')" "4" \
	"in its own conversation"
is "$(sql "SELECT group_concat(version || ':' || status || ':' || decided_by, ' ') FROM solvers")" \
	"1:approved:auto (--yes)" "only the valid solver was stored, approved by --yes"
like "$(sql "SELECT spec FROM solvers WHERE version = 1")" '"name":"Good"' \
	"the stored spec is the fixed one (the fence around the param dropped)"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'approve'")" \
	"approved automatically: auto (--yes)" "the auto-approval is traced"
is "$(mock_requests)" "15" "every scripted request and two handoffs"
done_testing
