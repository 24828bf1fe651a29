#!/bin/sh
# claw run: generate → approve on the terminal → a two-step solver → done,
# with the file really written in the project, and what claw sent checked
# in mockllm's request log.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Write hello.txt" "The project needs a hello.txt that says hello.")
# The project's instructions for agents (SPEC 10): in every agent's prompt.
printf '# Conventions\nEnd every file with a newline (rule-7f3a).\n' >AGENTS.md
printf 'Ignored while AGENTS.md exists (rule-c1a0).\n' >CLAUDE.md

# The solver the draft step records and the params hand to save.
SOLVER='{\"name\":\"HelloSolver\",\"summary\":\"Write hello.txt and prove it.\",\"steps\":[{\"name\":\"implement\",\"goal\":\"Write hello.txt containing the line hello.\",\"tools\":[\"write_file\",\"read_file\"],\"critic\":\"works\"},{\"name\":\"verify\",\"goal\":\"Show hello.txt with cat and record it as evidence.\",\"tools\":[\"bash\",\"artifact\"],\"critic\":\"proven\",\"back_to\":\"implement\"}],\"critics\":{\"works\":\"hello.txt exists and holds hello.\",\"proven\":\"Evidence shows cat hello.txt printed hello.\"}}'

cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: see my report.", "times": 0},
 {"match": {"user": "Carry out step understand"}, "text": "Empty project; the fix is to write hello.txt."},
 {"match": {"user": "Carry out step assess"}, "text": "simple"},
 {"match": {"user": "Carry out step draft"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$SOLVER"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Drafted the solver."},
 {"match": {"user": "Judge the work of step \"draft\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "the solver is concrete", "reason": "it will solve the issue"}}]},
 {"match": {"user": "needs a value from you: name"}, "text": "HelloSolver"},
 {"match": {"user": "needs a value from you: spec"}, "text": "$SOLVER"},
 {"match": {"user": "Carry out step implement"},
  "tool_calls": [{"name": "write_file", "input": {"path": "hello.txt", "content": "hello\n"}}]},
 {"match": {"user": "Wrote 6 bytes to hello.txt"}, "text": "Wrote hello.txt."},
 {"match": {"user": "Judge the work of step \"implement\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "hello",
    "fact": "hello.txt holds hello", "reason": "done"}}]},
 {"match": {"user": "Carry out step verify"},
  "tool_calls": [{"name": "artifact", "input": {"label": "cat", "command": "cat hello.txt"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Verified."},
 {"match": {"user": "Judge the work of step \"verify\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "evidence",
    "fact": "cat printed hello", "reason": "proven"}}]}
]}
JSON
mock_start "$tmp/scenario.json"

echo y | "$CLAW_BIN" run "$id" >"$tmp/.out" 2>"$tmp/.err"
rc=$?
out=$(cat "$tmp/.out")
err=$(cat "$tmp/.err")
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done, accepted: issue #$id is done." "says the run is done (its change accepted: CLAW_AUTO_MERGE)"
like "$err" "Run this solver? [y/N/e(dit feedback)]" "asked for approval on the terminal"
like "$err" "implement" "showed the solver's steps"
is "$(cat hello.txt 2>/dev/null)" "hello" "the solver really wrote hello.txt"
is "$(sql "SELECT status FROM runs WHERE id = 1")" "done" "run is done"
is "$(sql "SELECT status FROM issues WHERE id = $id")" "done" "issue is done"
is "$(sql "SELECT version || ' ' || status || ' ' || decided_by FROM solvers")" \
	"1 approved console" "solver v1 stored and approved by the console"
is "$(sql "SELECT solver_version FROM runs WHERE id = 1")" "1" "the run used v1"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'answer' AND json_extract(data, '$.decision') = 'approve'")" \
	"1" "the approval is traced as an answer"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'artifact' AND json_extract(data, '$.kind') = 'file' AND json_extract(data, '$.label') = 'hello.txt'")" \
	"1" "write_file became a file artifact of the step"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'handoff'")" "3" \
	"a handoff before each later ai step of a workflow (assess, draft, verify)"
is "$(mock_requests)" "16" "mockllm served the 13 scripted requests and 3 handoffs"
is "$(mock_count '# Project instructions (AGENTS.md)')" "16" \
	"every request's system prompt has the project's instructions (generator, critics, handoffs, steps)"
is "$(mock_count 'rule-7f3a')" "16" "with the text of AGENTS.md"
is "$(mock_count 'rule-c1a0')" "0" "and not CLAUDE.md"
is "$(sql "SELECT json_extract(data, '$.path') || ' ' || json_extract(data, '$.bytes') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'instructions'")" \
	"AGENTS.md 57" "traced once, with the file and its size"
like "$(curl -s "$CLAW_BASE_URL/health")" '"remaining":1}' "only the times:0 reply is left"
# The trace tree is well-formed: every enter has exactly one end.
is "$(sql "SELECT COUNT(*) FROM trace e WHERE e.phase = 'enter' AND (SELECT COUNT(*) FROM trace x WHERE x.run_id = e.run_id AND x.span_id = e.span_id AND x.phase = 'exit') != 1")" \
	"0" "every span is closed once"
run log 1
like "$out" "workflow generate" "claw log shows the generate workflow"
like "$out" "workflow HelloSolver" "and the solver"
done_testing
