#!/bin/sh
# Webhooks (SPEC 11) through the whole server: claw serve with
# CLAW_WEBHOOK_URL at mockllm's /hook.  A step's question opens a gate: the
# receiver answers 500 to all three tries, so /api/metrics counts a failure
# while the run waits for its person as if nothing happened; answered, the
# run writes the failure in its trace as a note (with its own span ids),
# ends, and run_ended arrives with the run's link under CLAW_PUBLIC_URL.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

project
P=/api/projects/$key

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: see my report.", "times": 0},
 {"match": {"user": "Carry out step ask"}, "text": "[question] Which name should it use?"},
 {"match": {"user": "Which name should it use"}, "text": "ESCALATE"},
 {"match": {"user": "Answer to your question: Ann"}, "text": "It uses Ann."},
 {"match": {"api": "hook"}, "times": 3, "fault": {"status": 500}}
]}
JSON
mock_start "$tmp/scenario.json"
export CLAW_WEBHOOK_URL="$CLAW_BASE_URL/hook"
export CLAW_PUBLIC_URL="https://claw.example.com/"
nginx_start
serve_start

id=$(new_issue "Pick a name")
approved_solver "$id" '{"name":"Ask","steps":[{"name":"ask","goal":"Ask the person which name to use.","tools":[]}]}'
api POST "$P/issues/$id/start"
is "$code" 202 "started"
run=$(jget '$.runId')

hooks() { # event: the deliveries of it mockllm received
	[ -f "$tmp/mock.log" ] || { echo 0; return; }
	grep '"path":"/hook"' "$tmp/mock.log" | grep -c "\"event\":\"$1\""
}
noted() {
	[ "$(sql "SELECT count(*) FROM trace WHERE run_id = $run AND type = 'note'
	          AND json_extract(data, '$.action') = 'webhook'")" = 1 ]
}
metric() { curl -s "$base/api/metrics" | grep "^$1" | sed 's/.* //'; }
failed() { [ "$(metric 'claw_webhook_deliveries_total{result="failed"}')" = 1 ]; }
wait_for 60 failed
ok $? "metrics count the failed delivery"
is "$(hooks gate_opened)" 3 "gate_opened was tried three times"
line=$(grep '"path":"/hook"' "$tmp/mock.log" | head -n 1)
like "$line" '"gate":{"kind":"question","prompt":"Step ask asks (turn 1): Which name should it use?"}' "with the gate"
like "$line" "\"issue\":{\"id\":$id,\"title\":\"Pick a name\"}" "and the issue"
like "$line" "\"url\":\"https://claw.example.com/#/$key/issue/$id/run/$run\"" "and the run's link"
is "$(metric claw_webhook_retries_total)" 2 "and its retries"

curl -s "$base$P/issues/$id" >"$tmp/issue.json"
is "$(jget '$.gate.kind' "$tmp/issue.json")" question "the run still waits for its person"
gate=$(jget '$.gate.id' "$tmp/issue.json")
api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"text\":\"Ann\"}"
is "$code" 202 "answered"
ended() { [ "$(hooks run_ended)" = 1 ]; }
wait_for 60 ended
ok $? "run_ended delivered"
ok "$(noted && echo 0 || echo 1)" "the failed delivery is a note in the run's trace"
like "$(sql "SELECT data FROM trace WHERE run_id = $run AND type = 'note'
             AND json_extract(data, '$.action') = 'webhook'")" \
	"the gate_opened webhook could not be delivered: HTTP 500" "saying why"
like "$(grep '"event":"run_ended"' "$tmp/mock.log")" "\"run\":$run,\"gate\":null,\"status\":\"done\"" \
	"done, no gate"
is "$(metric 'claw_webhook_deliveries_total{result="sent"}')" 1 "metrics count it sent"
is "$(sql "SELECT count(*) FROM (SELECT span_id FROM trace WHERE run_id = $run
           AND phase != 'exit' GROUP BY span_id HAVING count(*) > 1)")" 0 \
	"the note took no span id of the run's own"
is "$(sql "SELECT status FROM runs WHERE id = $run")" done "the run is done"
done_testing
