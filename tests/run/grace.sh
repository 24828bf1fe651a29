#!/bin/sh
# CLAW_STOP_GRACE_S (issue 13): a stop (SIGTERM here) while a model reply is
# in flight lets the reply arrive, so the reply the provider served and
# billed is recorded once; the turn's tools are not run before the stop, and
# the resumed run runs them from the tool-call ledger without asking the
# model for that turn again.  With a grace of 0 the request is cut at once.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Slow")
approved_solver "$id" '{"name":"Slow","steps":[{"name":"slow","goal":"Touch done.txt.","tools":["bash"]}]}'

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step slow"}, "delay_ms": 2000,
  "tool_calls": [{"name": "bash", "input": {"command": "echo done >> done.txt"}}]},
 {"match": {"user": "[run#1]"}, "text": "Done."}
]}
JSON
mock_start "$tmp/scenario.json"

# stop_during_request: starts claw run, sends SIGTERM once the model
# request is in flight, waits for claw to exit.
stop_during_request() {
	"$CLAW_BIN" run "$id" </dev/null >"$tmp/run.out" 2>"$tmp/run.err" &
	pid=$!
	i=0
	while [ "$(mock_requests)" -lt 1 ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
}

stop_during_request
is "$(mock_requests)" "1" "the model was asked once"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'reply'")" "1" \
	"the reply served during the stop is recorded (and charged)"
ok "$(test ! -e done.txt; echo $?)" "its tool call did not run after the stop"
is "$(sql "SELECT status FROM runs WHERE id = 1")" "running" "the run stays resumable"

claw_run /dev/null "$id"
is "$rc" 0 "claw run again completes"
is "$(mock_requests)" "2" "the stopped turn was not asked again: one more request"
is "$(cat done.txt)" "done" "its tool call ran once, from the ledger"

# With no grace the request is cut: nothing is recorded for it.
id=$(new_issue "Cut")
approved_solver "$id" '{"name":"Cut","steps":[{"name":"slow","goal":"Touch done.txt.","tools":["bash"]}]}'
mock_stop
mock_start "$tmp/scenario.json"
CLAW_STOP_GRACE_S=0
export CLAW_STOP_GRACE_S
stop_during_request
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'reply' AND run_id = 2")" "0" \
	"CLAW_STOP_GRACE_S=0: the request in flight is cut"
done_testing
