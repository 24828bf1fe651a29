#!/bin/sh
# claw run: usage and the errors a person can fix (unknown, done or closed
# issue, no model, no key), and Ctrl-C: a stop at the next safe point that
# leaves the run resumable.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

project
run run
is "$rc" 2 "claw run without an issue is a usage error"
like "$err" "claw run: which issue? usage: claw run ID [--yes]" "with the usage"
run run abc
is "$rc" 2 "a non-numeric ID is a usage error"
like "$err" "claw run: ID must be an issue number, not 'abc'" "saying so"
run run 1 --frobnicate
is "$rc" 2 "an unknown option is a usage error"

export ANTHROPIC_API_KEY=test-key CLAW_MODEL=mock-model
run run 99
is "$rc" 1 "an unknown issue fails"
is "$err" "claw run: issue #99 not found" "naming it"

id=$(new_issue "Closed one")
sql "UPDATE issues SET status = 'closed' WHERE id = $id"
run run "$id"
is "$rc" 1 "a closed issue fails"
is "$err" "claw run: issue #$id is closed: there is nothing to run" "saying so"
sql "UPDATE issues SET status = 'done' WHERE id = $id"
run run "#$id"
is "$err" "claw run: issue #$id is done: there is nothing to run" "a done issue too (#N accepted)"

id=$(new_issue "Needs an agent")
unset CLAW_MODEL
run run "$id"
is "$rc" 1 "no model configured fails"
is "$err" "claw run: CLAW_MODEL is not set" "naming the key"
export CLAW_MODEL=mock-model
unset ANTHROPIC_API_KEY
run run "$id"
is "$err" "claw run: missing API key: set ANTHROPIC_API_KEY (or CLAW_API_KEY)" \
	"a missing key names the variables"
is "$(sql "SELECT COUNT(*) FROM runs")" "0" "no run was created by any of these"

# Ctrl-C while the model is thinking.
approved_solver "$id" '{"name":"Slow","steps":[{"name":"think","goal":"Think.","tools":[]}]}'
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step think"}, "hang": true, "hang_ms": 60000},
 {"match": {"user": "Carry out step think"}, "text": "Thought."}
]}
JSON
mock_start "$tmp/scenario.json"
"$CLAW_BIN" run "$id" </dev/null >"$tmp/run1.out" 2>"$tmp/run1.err" &
pid=$!
i=0
while [ "$(mock_requests)" -lt 1 ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
claw_run /dev/null "$id"
is "$rc" 1 "a second claw run of the same run while it executes fails"
like "$err" "claw run: run #1 is being executed by another process" "saying why"
is "$(mock_requests)" "1" "and asks nothing of the model"
kill -INT "$pid"
wait "$pid"
rc=$?
out=$(cat "$tmp/run1.out")
err=$(cat "$tmp/run1.err")
is "$rc" 1 "Ctrl-C: claw run exits 1"
like "$out" "Run #1 stopped; \`claw run $id\` resumes it." "saying how to resume"
is "$(sql "SELECT status FROM runs WHERE id = 1")" "running" "the run stays resumable"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'stopped'")" \
	"the run can be resumed" "the stop is traced"
claw_run /dev/null "$id"
is "$rc" 0 "claw run again resumes and completes it"
is "$(sql "SELECT status FROM runs WHERE id = 1")" "done" "run #1 is done"
done_testing
