#!/bin/sh
# claw run: the run's token budget runs out; the run parks at a budget gate
# instead of failing; a grant on stdin raises the limit and the run
# completes.  The spending is rebuilt from the journal.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
id=$(new_issue "Spend")
approved_solver "$id" '{"name":"Spend","steps":[{"name":"work","goal":"Work a while.","tools":["bash"]}]}'

# Each reply costs 120 tokens (100 in, 20 out): the third crosses 250.
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"any": "Carry out step work"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo one"}}]},
 {"match": {"any": "Carry out step work"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo two"}}]},
 {"match": {"any": "Carry out step work"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo three"}}]},
 {"match": {"any": "Carry out step work"}, "text": "Worked."}
]}
JSON
mock_start "$tmp/scenario.json"

echo 1000 >"$tmp/answer"
CLAW_BUDGET_TOKENS=250 claw_run "$tmp/answer" "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done" "the run completed after the grant"
like "$err" "The run has used its tokens budget: 360 of 250 tokens." "the gate says what was spent"
is "$(sql "SELECT json_extract(data, '$.kind') || ' ' || json_extract(data, '$.payload.kind') || ' ' || json_extract(data, '$.payload.limit') FROM trace WHERE type = 'question'")" \
	"budget tokens 250" "a budget gate with its payload"
is "$(sql "SELECT json_extract(data, '$.decision') || ' ' || json_extract(data, '$.amount') FROM trace WHERE type = 'answer'")" \
	"grant 1000" "granted 1000 more tokens"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'budget'")" \
	"the limit is now 1250" "the new limit is traced"
is "$(mock_requests)" "4" "the run went on where it was"

# Stop at the gate: the run fails with the budget as its reason, no repair.
id=$(new_issue "Spend again")
approved_solver "$id" '{"name":"Spend","steps":[{"name":"work","goal":"Work a while.","tools":["bash"]}]}'
mock_stop
mock_start "$tmp/scenario.json"
echo n >"$tmp/answer"
CLAW_BUDGET_TOKENS=250 claw_run "$tmp/answer" "$id"
is "$rc" 1 "answering N stops the run"
is "$(sql "SELECT status || ': ' || reason FROM runs WHERE id = 2")" \
	"failed: the tokens budget is exhausted (360 of 250)" "failed with the budget as the reason"
is "$(mock_requests)" "3" "no repair after a budget stop"

# The per-exchange cap ends the exchange, not the run.
id=$(new_issue "Capped")
approved_solver "$id" '{"name":"Spend","steps":[{"name":"work","goal":"Work a while.","tools":["bash"]}]}'
mock_stop
mock_start "$tmp/scenario.json"
CLAW_TURN_TOKENS=200 claw_run /dev/null "$id"
is "$rc" 0 "CLAW_TURN_TOKENS: the run completes"
is "$(mock_requests)" "2" "the exchange ended after the reply that reached the cap"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'capped'")" \
	"the exchange used its 200 tokens (CLAW_TURN_TOKENS)" "the cap is traced"
# The USD budget, priced from the table: each reply is 100 in and 20 out at
# $1000 and $5000 per million tokens, $0.20; the third crosses $0.50.  The
# grant on stdin is in dollars.
printf '{"models": [{"prefix": "mock-", "input": 1000, "output": 5000}]}\n' >"$tmp/prices.json"
id=$(new_issue "Spend dollars")
approved_solver "$id" '{"name":"Spend","steps":[{"name":"work","goal":"Work a while.","tools":["bash"]}]}'
mock_stop
mock_start "$tmp/scenario.json"
echo 2 >"$tmp/answer"
CLAW_PRICING_FILE="$tmp/prices.json" CLAW_BUDGET_USD=0.5 claw_run "$tmp/answer" "$id"
is "$rc" 0 "CLAW_BUDGET_USD: the run completes after a grant"
like "$err" "The run has used its usd budget: \$0.60 of \$0.50." "the gate says what was spent, in dollars"
is "$(sql "SELECT json_extract(data, '$.payload.kind') || ' ' || json_extract(data, '$.payload.limit') FROM trace WHERE type = 'question' AND run_id = 4")" \
	"usd 500000" "a usd gate with its limit in micros"
is "$(sql "SELECT json_extract(data, '$.amount') FROM trace WHERE type = 'answer' AND run_id = 4")" \
	"2000000" "granted \$2 (in micros)"
is "$(mock_requests)" "4" "and went on where it was"

# The seconds budget, from the turns' durations: each reply takes 400 ms, so
# the third turn crosses 1 s.  Stopped at the gate.
sed 's/"match"/"delay_ms": 400, "match"/' "$tmp/scenario.json" >"$tmp/slow.json"
id=$(new_issue "Spend seconds")
approved_solver "$id" '{"name":"Spend","steps":[{"name":"work","goal":"Work a while.","tools":["bash"]}]}'
mock_stop
mock_start "$tmp/slow.json"
echo n >"$tmp/answer"
CLAW_BUDGET_SECONDS=1 claw_run "$tmp/answer" "$id"
is "$rc" 1 "CLAW_BUDGET_SECONDS: stopped at the gate"
like "$err" "The run has used its seconds budget" "the gate names the seconds budget"
like "$(sql "SELECT status || ': ' || reason FROM runs WHERE id = 5")" \
	"failed: the seconds budget is exhausted" "failed with the budget as the reason"
done_testing
