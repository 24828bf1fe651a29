#!/bin/sh
# claw run: a solver whose step is stuck fails; the repair workflow writes a
# fixed version keeping the step names; it is approved as a repair and the
# same run resumes: the failed step continues its conversation and passes.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
printf 'Prove every step (rule-a9d2).\n' >AGENTS.md
id=$(new_issue "Fragile")
approved_solver "$id" '{"name":"Fragile","steps":[{"name":"a","goal":"Do a.","tools":[],"critic":"c","max_rounds":1}],"critics":{"c":"a is proven."}}'
FIXED='{\"name\":\"Fragile\",\"steps\":[{\"name\":\"a\",\"goal\":\"Do a and prove it.\",\"tools\":[],\"critic\":\"c\",\"max_rounds\":2}],\"critics\":{\"c\":\"a is proven.\"}}'

cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step a"}, "text": "Did a."},
 {"match": {"user": "Judge the work of step \"a\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "reject", "rubric_item": "proven",
    "fact": "no proof", "reason": "prove it"}}]},
 {"match": {"user": "used up its rework rounds"}, "text": "Try once more."},
 {"match": {"user": "The reviewer rejected your work"}, "text": "Did a again."},
 {"match": {"user": "Judge the work of step \"a\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "reject", "rubric_item": "proven",
    "fact": "still no proof", "reason": "prove it"}}]},
 {"match": {"user": "Carry out step diagnose"}, "text": "The goal never asked for proof."},
 {"match": {"user": "Carry out step fix"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$FIXED"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Fixed."},
 {"match": {"user": "Judge the work of step \"fix\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "names kept", "reason": "ok"}}]},
 {"match": {"user": "needs a value from you: name"}, "text": "Fragile"},
 {"match": {"user": "needs a value from you: spec"}, "text": "$FIXED"},
 {"match": {"user": "The workflow was repaired"}, "text": "Did a, with proof."},
 {"match": {"user": "Judge the work of step \"a\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "proven",
    "fact": "proof given", "reason": "ok"}}]}
]}
JSON
mock_start "$tmp/scenario.json"

claw_run /dev/null "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done" "the repaired run is done"
is "$(sql "SELECT group_concat(version || ':' || status || ':' || decided_by, ' ') FROM solvers")" \
	"1:approved:test 2:approved:repair" "the repair stored v2, approved as a repair"
is "$(sql "SELECT solver_version FROM runs WHERE id = 1")" "2" "the run went on with v2"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'repaired'")" \
	"solver v1 repaired as v2 after: step a is stuck after 2 rejections" "the repair is traced"
is "$(mock_count2 'Carry out step diagnose' 'step a is stuck after 2 rejections')" "2" \
	"the repair was told why the solver failed (diagnose and its handoff)"
is "$(mock_count2 'The workflow was repaired' 'Carry out step a')" "1" \
	"the failed step continued its own conversation after the repair"
like "$(mock_count2 'The workflow was repaired' 'Do a and prove it.')" "1" \
	"under the repaired goal"
is "$(sql "SELECT COUNT(*) FROM workflow_state WHERE run_id = 1")" "2" \
	"one run, two workflows: the solver and repair-1"
is "$(mock_requests)" "14" "every scripted request and one handoff"
is "$(mock_count 'rule-a9d2')" "14" "AGENTS.md in every prompt, the repair workflow's too"
done_testing
