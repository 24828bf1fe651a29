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
like "$err" "Step paint asks: Which colour?" "the question was asked on the terminal"
is "$(sql "SELECT json_extract(data, '$.prompt') FROM trace WHERE type = 'question'")" \
	"Step paint asks: Which colour?" "one question gate, for paint only"
is "$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'answer'")" "blue" \
	"the person's answer is traced"
is "$(mock_count2 'Answer to your question: blue' 'Which colour?')" "2" \
	"the answer continued paint's conversation after its question (then its handoff)"
is "$(mock_count2 'Answer to your question: Wood.' 'Wood or metal?')" "1" \
	"the supervisor answered frame's question itself"
is "$(mock_requests)" "7" "every scripted request and one handoff"
done_testing
