#!/bin/sh
# Extended thinking through a run (SPEC 11): with CLAW_THINKING_TOKENS set,
# a step's tool loop of three turns carries every thinking block back with
# its signature (mockllm refuses a request that drops or alters one, as the
# Anthropic API does), a redacted block too; the run is killed with SIGKILL
# in the middle and resumed: the checkpoint kept the thinking, the resumed
# requests still carry it, and the run completes.  The reply rows record
# the thinking (capped like the text).
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
export CLAW_THINKING_TOKENS=2048
id=$(new_issue "Think it through")
approved_solver "$id" '{"name":"Think","steps":[{"name":"work","goal":"Write a, b and c to log.txt.","tools":["bash"]}]}'

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step work"}, "thinking": "Turn one: start with a. caf\u00e9",
  "tool_calls": [{"name": "bash", "input": {"command": "echo a >> log.txt && echo did-a"}}],
  "stream": {"chunk": 5}},
 {"match": {"user": "did-a"}, "thinking": "Turn two: then b.", "redacted_thinking": "RedAct3d+/==",
  "tool_calls": [{"name": "bash", "input": {"command": "echo b >> log.txt && echo did-b"}}],
  "stream": {"plain": true}},
 {"match": {"user": "did-b"}, "hang": true, "hang_ms": 60000},
 {"match": {"user": "did-b"}, "thinking": "Turn three: and c.",
  "tool_calls": [{"name": "bash", "input": {"command": "echo c >> log.txt && echo did-c"}}],
  "stream": {"chunk": 1}},
 {"match": {"user": "did-c"}, "thinking": "All three written.", "text": "Wrote a, b and c."},
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0}
]}
JSON
mock_start "$tmp/scenario.json"

"$CLAW_BIN" run "$id" </dev/null >"$tmp/run1.out" 2>"$tmp/run1.err" &
pid=$!
i=0
while [ "$(mock_requests)" -lt 3 ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
is "$(mock_requests)" "3" "the run reached its third turn"
kill -9 "$pid"
wait "$pid" 2>/dev/null
is "$(sql "SELECT count(*) FROM exchange_msg WHERE step = 'work' AND message LIKE '%\"signature\":\"mocksig-%'")" \
	"2" "the checkpoint holds both turns' thinking with its signature"
is "$(sql "SELECT count(*) FROM exchange_msg WHERE step = 'work' AND message LIKE '%\"redacted_thinking\",\"data\":\"RedAct3d+/==\"%'")" \
	"1" "and the redacted block"

claw_run /dev/null "$id"
is "$rc" 0 "the resumed run exits 0"
like "$out" "Run #1 done" "and completes"
is "$(grep -c '"status":400' "$tmp/mock.log")" "0" "no request was refused"
is "$(mock_count '"thinking":{"type":"enabled","budget_tokens":2048}')" "5" \
	"every request asked for thinking"
is "$(mock_count2 'Turn one: start with a.' 'did-b')" "3" \
	"the requests after turn two carried turn one's thinking (the resumed ones too)"
is "$(mock_count2 'RedAct3d+/==' 'did-c')" "1" "and the redacted block, to the last turn"
is "$(cat log.txt | tr '\n' ' ')" "a b c " "each tool call ran once"
is "$(sql "SELECT json_extract(data, '$.thinking') FROM trace WHERE type = 'reply' ORDER BY seq LIMIT 1")" \
	"Turn one: start with a. café" "the reply row records the thinking"
is "$(sql "SELECT json_extract(data, '$.thinking') FROM trace WHERE type = 'reply' ORDER BY seq LIMIT 1 OFFSET 1")" \
	"Turn two: then b.
[redacted]" "a redacted block named, not shown"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'reply' AND json_extract(data, '$.thinking') IS NOT NULL")" \
	"4" "every turn's thinking recorded"
done_testing
