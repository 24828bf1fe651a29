#!/bin/sh
# Context compaction (SPEC 10, issue 16): an exchange whose next request
# would pass 80% of the model's context has the model summarise it first,
# and goes on from the first message with the summary, and its last two
# turns whole; a request refused for its length is compacted and asked
# again once; refused again, the run fails with the provider's words.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
printf 'alpha-1\n' >a.txt
printf 'bravo-2\n' >b.txt
printf 'charlie-3\n' >c.txt

# Replies of a step that reads a.txt, b.txt, c.txt in three turns; $1 is
# what the fourth request gets (an answer or a refusal), $2 the summary's
# marker, $3 what the request after the summary gets.
scenario() {
	cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Carry out step grow"},
  "tool_calls": [{"name": "read_file", "input": {"path": "a.txt"}}], "usage": {"in": 2000}},
 {"match": {"user": "alpha-1"},
  "tool_calls": [{"name": "read_file", "input": {"path": "b.txt"}}], "usage": {"in": 5000}},
 {"match": {"user": "bravo-2"},
  "tool_calls": [{"name": "read_file", "input": {"path": "c.txt"}}], "usage": {"in": 8500}},
 $1
 {"match": {"user": "Summarise this conversation"}, "text": "## Goal\\nRead three files. $2",
  "usage": {"in": 1000, "out": 100}},
 {"match": {"any": "$2"}, $3}
]}
JSON
	mock_stop
	mock_start "$tmp/scenario.json"
}
refusal='"fault": {"status": 400, "type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"}'

# 1. Past 80% of CLAW_CONTEXT_TOKENS: compacted before the fourth request.
id=$(new_issue "Grow")
approved_solver "$id" '{"name":"Grow","steps":[{"name":"grow","goal":"Read the files.","tools":["read_file"]}]}'
scenario "" "summary-91" '"text": "Done.", "usage": {"in": 3000}'
CLAW_CONTEXT_TOKENS=10000 claw_run /dev/null "$id"
is "$rc" 0 "the run ends well"
like "$out" "Run #1 done" "done"
is "$(mock_requests)" "5" "three turns, the summary, the turn after it"
before=$(sql "SELECT json_extract(data, '$.tokens_before') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'compact'")
after=$(sql "SELECT json_extract(data, '$.tokens_after') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'compact'")
ok "$(test "${before:-0}" -gt 8000 && test "${after:-99999}" -lt "$before"; echo $?)" \
	"one compact note, before past 80% of 10000 ($before), after below it ($after)"
is "$(sed -n 4p "$tmp/mock.log" | grep -c '"tools"')" "0" "the summary is asked without tools"
is "$(sed -n 4p "$tmp/mock.log" | grep -c 'alpha-1')" "1" "from a transcript of the earlier messages"
is "$(mock_count2 'summary-91' 'Carry out step grow')" "1" "the next request keeps the first message with the summary"
is "$(mock_count2 'summary-91' 'bravo-2')" "1" "and the last two turns with their results"
is "$(mock_count2 'summary-91' 'alpha-1')" "0" "but not the summarised turn"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'turn' AND phase = 'enter' AND json_extract(data, '$.purpose') = 'compact'")" \
	"1" "the summary is a turn span of its own"
is "$(sql "SELECT group_concat(json_extract(data, '$.number'), ' ') FROM trace WHERE type = 'turn' AND phase = 'enter' AND run_id = 1")" \
	"1 2 3 4 4" "turn numbers go on across the compaction"
is "$(sql "SELECT COUNT(*) FROM exchange_msg WHERE run_id = 1 AND step = 'grow'")" "6" \
	"the checkpoint is the compacted conversation (first, two turns, the last reply)"

# 2. A refusal for length: compacted, asked again once.
id=$(new_issue "Refused")
approved_solver "$id" '{"name":"Refused","steps":[{"name":"grow","goal":"Read the files.","tools":["read_file"]}]}'
scenario "{\"match\": {\"user\": \"charlie-3\"}, $refusal}," "summary-92" '"text": "Done."'
claw_run /dev/null "$id"
is "$rc" 0 "refused for length, the run still ends well"
is "$(mock_requests)" "6" "three turns, the refusal, the summary, the same turn again"
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = 2 AND type = 'note' AND json_extract(data, '$.action') = 'compact'")" \
	"1" "compacted once"

# 3. Refused again after compacting: the run fails with the refusal.
id=$(new_issue "Too big")
approved_solver "$id" '{"name":"TooBig","steps":[{"name":"grow","goal":"Read the files.","tools":["read_file"]}]}'
scenario "{\"match\": {\"user\": \"charlie-3\"}, $refusal}," "summary-93" "$refusal"
claw_run /dev/null "$id"
is "$(sql "SELECT status FROM runs WHERE id = 3")" "failed" "refused twice: the run fails"
like "$(sql "SELECT reason FROM runs WHERE id = 3")" "prompt is too long" "with the provider's words"
is "$(mock_requests)" "6" "not asked a third time"
done_testing
