#!/bin/sh
# claw run: verify's critic rejects, the supervisor's guidance sends the run
# back_to implement, which continues its own conversation; verify then
# continues its own and passes.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Write v2")
approved_solver "$id" '{"name":"Back","steps":[{"name":"implement","goal":"Write f.txt.","tools":["write_file"],"critic":"works"},{"name":"verify","goal":"Prove f.txt.","tools":["artifact","bash"],"critic":"proven","back_to":"implement"}],"critics":{"works":"f.txt exists.","proven":"Evidence shows f.txt says v2."}}'

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: f.txt written.", "times": 0},
 {"match": {"user": "Carry out step implement"},
  "tool_calls": [{"name": "write_file", "input": {"path": "f.txt", "content": "v1\n"}}]},
 {"match": {"user": "Wrote 3 bytes"}, "text": "Wrote v1."},
 {"match": {"user": "Judge the work of step \"implement\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "exists",
    "fact": "f.txt exists", "reason": "ok"}}]},
 {"match": {"user": "Carry out step verify"},
  "tool_calls": [{"name": "artifact", "input": {"label": "f", "command": "cat f.txt"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Verified."},
 {"match": {"user": "Judge the work of step \"verify\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "reject", "rubric_item": "says v2",
    "fact": "cat printed v1", "reason": "implement wrote the wrong version"}}]},
 {"match": {"user": "the critic rejected the step"}, "text": "Go back: f.txt must say v2."},
 {"match": {"user": "was rejected, and the run came back to your step"},
  "tool_calls": [{"name": "write_file", "input": {"path": "f.txt", "content": "v2\n"}}]},
 {"match": {"user": "Wrote 3 bytes"}, "text": "Wrote v2."},
 {"match": {"user": "Judge the work of step \"implement\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "exists",
    "fact": "f.txt exists", "reason": "ok"}}]},
 {"match": {"user": "The run went back to step implement"},
  "tool_calls": [{"name": "artifact", "input": {"label": "f", "command": "cat f.txt"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Verified v2."},
 {"match": {"user": "Judge the work of step \"verify\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "says v2",
    "fact": "cat printed v2", "reason": "proven"}}]}
]}
JSON
mock_start "$tmp/scenario.json"

claw_run /dev/null "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done" "the run is done"
is "$(cat f.txt)" "v2" "implement's rework wrote v2"
is "$(sql "SELECT json_extract(data, '$.from') || '>' || json_extract(data, '$.to') FROM trace WHERE type = 'back'")" \
	"verify>implement" "a back record from verify to implement"
like "$(sql "SELECT json_extract(data, '$.reason') FROM trace WHERE type = 'back'")" \
	"cat printed v1" "with the findings as its reason"
is "$(mock_count2 'was rejected, and the run came back to your step' 'Carry out step implement')" "2" \
	"implement continued its own conversation"
is "$(mock_count2 'was rejected, and the run came back to your step' 'Go back: f.txt must say v2.')" "2" \
	"with the findings and the guidance"
is "$(mock_count2 'The run went back to step implement' 'Carry out step verify')" "2" \
	"verify continued its own conversation too"
is "$(sql "SELECT group_concat(json_extract(data, '$.name'), ',') FROM trace WHERE type = 'step' AND phase = 'enter' ORDER BY seq")" \
	"implement,verify,implement,verify" "steps ran in that order"
is "$(sql "SELECT done FROM workflow_state WHERE workflow = 'solver'")" '["implement","verify"]' \
	"both steps done in the snapshot"
is "$(mock_count2 'Carry out step verify' 'Baton from step implement')" "4" \
	"implement's handoff was in every verify request's system prompt"
is "$(mock_count2 'Judge the work of step \"verify\"' 'Baton the step started from')" "2" \
	"and in verify's critic's prompt"
is "$(mock_requests)" "14" "every scripted request and one handoff"
done_testing
