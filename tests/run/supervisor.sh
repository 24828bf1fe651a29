#!/bin/sh
# claw run: a rejected review goes to the supervisor, whose reply is a
# control word only when the whole reply is one (spaces, backticks, *, _, .
# and ! stripped): accept passes the step; stop ends the run, failed, with no
# repair; ESCALATE asks a person, here on stdin, whose answer is guidance.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
printf 'Keep answers short (rule-5e1f).\n' >CLAUDE.md # no AGENTS.md: CLAUDE.md is read
SOLVER='{"name":"One","steps":[{"name":"a","goal":"Do a.","tools":[],"critic":"c"}],"critics":{"c":"a is done."}}'

# scenario SUPERVISOR-REPLY [EXTRA-REPLIES]: the step reports, the critic
# rejects, the supervisor answers; then EXTRA-REPLIES.
scenario() {
	cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Carry out step a"}, "text": "Did a."},
 {"match": {"user": "Judge the work of step \"a\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "reject", "rubric_item": "a",
    "fact": "nothing shows a", "reason": "no proof"}}]},
 {"match": {"user": "the critic rejected the step"}, "text": "$1"}${2:-}
]}
JSON
	mock_stop
	mock_start "$tmp/scenario.json"
}

# --- accept, but not alone: guidance
id=$(new_issue "Not a control word")
approved_solver "$id" "$SOLVER"
scenario 'I accept this, mostly.' ',
 {"match": {"user": "The reviewer rejected your work"}, "text": "Did a again."},
 {"match": {"user": "Judge the work of step \"a\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "a",
    "fact": "done", "reason": "ok"}}]}'
claw_run /dev/null "$id"
is "$rc" 0 "a reply holding accept among other words is guidance: a rework, then done"
run_id=$(sql "SELECT MAX(id) FROM runs")
is "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE run_id = $run_id AND type = 'note' AND json_extract(data, '$.action') = 'supervisor'")" \
	"guidance: I accept this, mostly." "traced as guidance"
is "$(mock_count2 'I accept this, mostly.' 'The reviewer rejected your work')" "1" \
	"and sent to the step as its next turn"

# The exact word, decorated: accepted.
id=$(new_issue "Accepted for real")
approved_solver "$id" "$SOLVER"
scenario ' **`accept`**!.'
claw_run /dev/null "$id"
is "$rc" 0 "the decorated word accept passes the step"
run_id=$(sql "SELECT MAX(id) FROM runs")
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $run_id AND type = 'note' AND json_extract(data, '$.message') = 'accept'")" \
	"1" "the supervisor's accept is traced"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE run_id = $run_id AND type = 'note' AND json_extract(data, '$.action') = 'accept'")" \
	"supervisor accepted step a" "and the step passed on it"
is "$(mock_requests)" "3" "no rework was asked"

# --- stop
id=$(new_issue "Stopped")
approved_solver "$id" "$SOLVER"
scenario 'stop.'
claw_run /dev/null "$id"
is "$rc" 1 "supervisor stop: claw run exits 1"
run_id=$(sql "SELECT MAX(id) FROM runs")
is "$(sql "SELECT status FROM runs WHERE id = $run_id")" "failed" "the run failed"
like "$(sql "SELECT reason FROM runs WHERE id = $run_id")" "supervisor stopped the run at step a" \
	"with the reason"
is "$(sql "SELECT status FROM issues WHERE id = $id")" "open" "the issue is open again"
is "$(mock_requests)" "3" "no repair after a deliberate stop"

# --- ESCALATE → a person on stdin
id=$(new_issue "Escalated")
approved_solver "$id" "$SOLVER"
scenario 'ESCALATE' ',
 {"match": {"user": "Please prove a with a file."}, "text": "Did a, with proof."},
 {"match": {"user": "Judge the work of step \"a\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "a",
    "fact": "proof given", "reason": "ok"}}]}'
echo "Please prove a with a file." >"$tmp/answer"
claw_run "$tmp/answer" "$id"
is "$rc" 0 "ESCALATE: the person's guidance leads to a passing rework"
like "$err" "Step a (rejection 1): the critic rejected the step's work." "the question was asked on the terminal"
run_id=$(sql "SELECT MAX(id) FROM runs")
is "$(sql "SELECT json_extract(data, '$.kind') FROM trace WHERE run_id = $run_id AND type = 'question'")" \
	"question" "a question gate was raised"
is "$(sql "SELECT json_extract(data, '$.text') || ' by ' || json_extract(data, '$.by') FROM trace WHERE run_id = $run_id AND type = 'answer'")" \
	"Please prove a with a file. by console" "the answer is traced, by the console"
is "$(mock_count2 'Please prove a with a file.' 'Carry out step a')" "1" \
	"the rework continued the step's conversation with the person's guidance"
is "$(sql "SELECT status FROM issues WHERE id = $id")" "done" "the issue is done"

# A critic that never calls verdict rejects with its text.
id=$(new_issue "No verdict")
approved_solver "$id" "$SOLVER"
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step a"}, "text": "Did a."},
 {"match": {"user": "Judge the work of step \"a\""}, "text": "Looks wrong to me."},
 {"match": {"user": "The critic gave no verdict. It said: Looks wrong to me."}, "text": "accept"}
]}
JSON
mock_stop
mock_start "$tmp/scenario.json"
claw_run /dev/null "$id"
is "$rc" 0 "no verdict: rejected, then accepted by the supervisor"
run_id=$(sql "SELECT MAX(id) FROM runs")
is "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE run_id = $run_id AND type = 'note' AND json_extract(data, '$.action') = 'verdict'")" \
	"reject: no verdict was given" "the missing verdict is a rejection"
is "$(mock_requests)" "3" "the supervisor saw the critic's text"
is "$(mock_count '# Project instructions (CLAUDE.md)')" "3" \
	"the worker, the critic and the supervisor all had CLAUDE.md in their system prompt"
done_testing
