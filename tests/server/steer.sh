#!/bin/sh
# Steering (SPEC 11) through the whole server: POST .../message while a
# step waits for its model; claw serve is killed -9 before the message is
# delivered and started again; the resumed run hands the message to the
# model at its next turn boundary, once, as the person's words, and traces
# it as a `message` row.  Refusals: no active run (409), an empty text or
# one over 16 KiB (400), an unknown field (400).
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

project
P=/api/projects/$key
# The first reply is slow (the message arrives meanwhile) and asked twice
# (once more after the restart): times 0.
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: see my report.", "times": 0},
 {"match": {"user": "Carry out step tidy"}, "delay_ms": 2500, "times": 0,
  "tool_calls": [{"name": "bash", "input": {"command": "echo tidied"}}]},
 {"match": {"user": "Use two spaces, not tabs"}, "text": "Tidied with two spaces.", "times": 0}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
serve_start

id=$(new_issue "Tidy the code")
other=$(new_issue "Nothing running")
approved_solver "$id" '{"name":"Tidy","steps":[{"name":"tidy","goal":"Tidy the code.","tools":["bash"]}]}'

api POST "$P/issues/$other/message" '{"text":"hello?"}'
is "$code" 409 "no active run: 409"
like "$body" "has no active run" "says so"

api POST "$P/issues/$id/start"
is "$code" 202 "started"
run=$(jget '$.runId')
asked() { [ "$(mock_count 'Carry out step tidy')" -ge 1 ]; }
wait_for 30 asked
ok $? "the step waits for its model"

api POST "$P/issues/$id/message" '{"text":"   "}'
is "$code" 400 "an empty message: 400"
like "$body" "the message is empty" "says so"
big=$(head -c 16385 /dev/zero | tr '\0' a)
api POST "$P/issues/$id/message" "{\"text\":\"$big\"}"
is "$code" 400 "a message over 16 KiB: 400"
api POST "$P/issues/$id/message" '{"text":"x","to":"y"}'
is "$code" 400 "an unknown field: 400"
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -u alice:secret -X POST -H 'Content-Type: application/json' \
	--data-binary '{"text":"Use two spaces, not tabs."}' "$base$P/issues/$id/message")
is "$code" 202 "a message for the running run: 202"
is "$(jget '$.runId')" "$run" "for its run"
is "$(sql "SELECT by || ' ' || delivered_at FROM messages WHERE run_id = $run")" "alice 0" \
	"stored, from alice, not delivered yet"

serve_kill9
serve_start
done_run() { [ "$(sql "SELECT status FROM runs WHERE id = $run")" = done ]; }
wait_for 60 done_run
ok $? "the resumed run ends done"
is "$(mock_count 'Use two spaces, not tabs')" 1 "the model got the message once (its next request)"
like "$(grep 'Use two spaces, not tabs' "$tmp/mock.log")" "A message from alice, a person following this run" \
	"as the person's words"
is "$(sql "SELECT count(*) FROM trace WHERE run_id = $run AND type = 'message'")" 1 "traced once"
is "$(sql "SELECT json_extract(data, '$.by') || ': ' || json_extract(data, '$.text') FROM trace
           WHERE run_id = $run AND type = 'message'")" "alice: Use two spaces, not tabs." "with its text and who"
ok "$([ "$(sql "SELECT delivered_at FROM messages WHERE run_id = $run")" -gt 0 ] && echo 0 || echo 1)" \
	"marked delivered"
run -C "$tmp/p" log "$run"
like "$out" "message Use two spaces, not tabs. (from alice)" "claw log shows it"
serve_stop
is "$serve_rc" 0 "orderly stop"
done_testing
