#!/bin/sh
# claw run: the critic rejects, the supervisor gives guidance, the step runs
# again continuing its own conversation; a rework that changes nothing is
# rejected without asking a model; the supervisor hears the step is stuck;
# the next rework passes.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Write hello.txt")
approved_solver "$id" '{"name":"Hello","steps":[{"name":"implement","goal":"Write hello.txt containing hello.","tools":["write_file","read_file"],"critic":"works"}],"critics":{"works":"hello.txt holds exactly hello."}}'

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step implement"},
  "tool_calls": [{"name": "write_file", "input": {"path": "hello.txt", "content": "helo\n"}}]},
 {"match": {"user": "Wrote 5 bytes"}, "text": "Done."},
 {"match": {"user": "Judge the work of step \"implement\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "reject", "rubric_item": "exactly hello",
    "fact": "hello.txt holds helo", "reason": "typo"}}]},
 {"match": {"user": "the critic rejected the step"}, "text": "Fix the typo: the file must say hello."},
 {"match": {"user": "The reviewer rejected your work"},
  "tool_calls": [{"name": "write_file", "input": {"path": "hello.txt", "content": "helo\n"}}]},
 {"match": {"user": "Wrote 5 bytes"}, "text": "Done again."},
 {"match": {"user": "used up its rework rounds"}, "text": "**Write exactly hello and a newline.**"},
 {"match": {"user": "The reviewer rejected your work"},
  "tool_calls": [{"name": "write_file", "input": {"path": "hello.txt", "content": "hello\n"}}]},
 {"match": {"user": "Wrote 6 bytes"}, "text": "Fixed."},
 {"match": {"user": "Judge the work of step \"implement\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "exactly hello",
    "fact": "hello.txt holds hello", "reason": "fixed"}}]}
]}
JSON
mock_start "$tmp/scenario.json"

claw_run /dev/null "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "done" "the run is done"
is "$(cat hello.txt)" "hello" "the rework fixed the file"
is "$(mock_requests)" "10" "every scripted request, no more"
is "$(mock_count 'Judge the work of step')" "2" \
	"the unchanged rework was rejected without asking the critic"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'verdict'")" \
	"reject (no model): the rework changed nothing" "the identical-artifacts short cut is traced"
# The re-run continued the step's own conversation: the request carrying the
# rework holds the first turn and the first attempt's tool call.
is "$(mock_count2 'The reviewer rejected your work' 'Carry out step implement')" "4" \
	"every request of both reworks (two turns each) carried the step's first message"
is "$(mock_count2 'Supervisor'"'"'s guidance:\nFix the typo' '"content":"helo\n"')" "4" \
	"and the first guidance after the first attempt's write"
is "$(mock_count2 'Write exactly hello and a newline' 'Fix the typo')" "2" \
	"the second rework still holds the first guidance: one conversation"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'step' AND phase = 'enter'")" "3" \
	"three visits of the step"
like "$(sql "SELECT group_concat(json_extract(data, '$.message'), '|') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'supervisor'")" \
	"guidance: Fix the typo" "the supervisor's guidance is traced"
done_testing
