#!/bin/sh
# kill -9 of claw serve with one run in the middle of a model call and
# another parked at a human gate; restart: the first is adopted and resumed
# to the end (a stream client reconnects with Last-Event-ID and ends with a
# gap-free journal), the second stays parked until it is answered over HTTP
# after the restart, and then completes.  (A resumed run asks the model again
# from its last checkpoint: the replies it repeats are times 0.)
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

project
P=/api/projects/$key
# A repository, so the two runs work side by side, each in its worktree
# (runs in place work one at a time).
git init -q . && echo x >f && git add -A && git -c user.name=t -c user.email=t@t commit -qm base
run project set isolation=worktree
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step slowa"}, "delay_ms": 3000, "text": "Done A.", "times": 0},
 {"match": {"user": "Carry out step askb"}, "text": "[question] Which colour should it be?", "times": 0},
 {"match": {"user": "Which colour should it be"}, "text": "ESCALATE", "times": 0},
 {"match": {"user": "Answer to your question: Blue"}, "text": "Blue it is."}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
serve_start
a=$(new_issue "Slow A")
approved_solver "$a" '{"name":"A","steps":[{"name":"slowa","goal":"Take a while.","tools":[]}]}'
b=$(new_issue "Ask B")
approved_solver "$b" '{"name":"B","steps":[{"name":"askb","goal":"Ask which colour.","tools":[]}]}'

api POST "$P/issues/$b/start"
rb=$(jget '$.runId')
issue_gate() { # issue kind
	curl -s "$base$P/issues/$1" >"$tmp/issue.json"
	[ "$(jget '$.gate.kind' "$tmp/issue.json")" = "$2" ]
}
wait_for 30 issue_gate "$b" question
ok $? "run B waits at a question gate"
gate=$(jget '$.gate.id' "$tmp/issue.json")

api POST "$P/issues/$a/start"
ra=$(jget '$.runId')
sse_start a "$P/runs/$ra/stream"
asked() { [ "$(mock_count 'Carry out step slowa')" -ge 1 ]; }
wait_for 30 asked
ok $? "run A is in the middle of a model call"
sse_wait a "^event trace" 10
serve_kill9
sse_wait a "^eof" 10
ok $? "the stream client sees the connection end"
is "$(sql "SELECT status FROM runs WHERE id = $ra")" "running" "A is left running"
is "$(sql "SELECT status FROM runs WHERE id = $rb")" "running" "B is left running"
is "$(sql "SELECT status FROM issues WHERE id = $b")" "waiting" "B's issue waits"

serve_start
like "$(cat "$tmp/serve.err")" "run $rb of $key waits at gate $gate" "B is adopted as parked"
like "$(cat "$tmp/serve.err")" "run $ra of $key resumed" "A is adopted and resumed"
last=$(awk '$1 == "event" && $2 == "trace" { id = $3 } END { print id }' "$tmp/a.sse")
sse_start a2 "$P/runs/$ra/stream" --last-event-id "$last" --until end
sse_wait a2 "^done" 60
ok $? "the reconnected client gets the rest and the end"
like "$(grep '^event end' "$tmp/a2.sse")" '"status":"done"' "A is done"
is "$(sql "SELECT status FROM issues WHERE id = $a")" "done" "A's issue is done"
sse_seqs a >"$tmp/seqs"
sse_seqs a2 >>"$tmp/seqs"
is "$(tr '\n' ' ' <"$tmp/seqs")" \
	"$(sql "SELECT seq FROM trace WHERE run_id = $ra ORDER BY seq" | tr '\n' ' ')" \
	"before and after the restart: every row of A, in order, once"
is "$(mock_count 'Carry out step slowa')" "2" "the interrupted model call was asked again"

api GET "$P/issues/$b"
is "$(jget '$.gate.id') $(jget '$.status') $(jget '$.live')" "$gate waiting 1" \
	"B still shows its gate after the restart"
api GET /api/health
is "$(jget '$.runs_active') $(jget '$.runs_queued')" "0 0" "B has no thread while it waits"
api POST "$P/issues/$b/answer" "{\"gate\":$gate,\"decision\":\"approve\"}"
is "$code" 409 "a decision on the question: 409"
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -u dora:x -X POST -H 'Content-Type: application/json' \
	--data-binary "{\"gate\":$gate,\"text\":\"Blue\"}" "$base$P/issues/$b/answer")
is "$code" 202 "answer B after the restart: 202"
done_b() { [ "$(sql "SELECT status FROM runs WHERE id = $rb")" = done ]; }
wait_for 30 done_b
ok $? "B resumes and completes"
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $rb AND type = 'answer' AND json_extract(data, '$.ref') = $gate")" \
	"1" "one answer row (written by the server, consumed by the engine)"
is "$(sql "SELECT json_extract(data, '$.by') FROM trace WHERE run_id = $rb AND type = 'answer'")" "dora" \
	"by the user who answered"
is "$(sql "SELECT a.parent_id || ' ' || a.depth FROM trace a WHERE a.run_id = $rb AND a.type = 'answer'")" \
	"$(sql "SELECT parent_id || ' ' || depth FROM trace WHERE run_id = $rb AND span_id = $gate")" \
	"beside its question in the tree (same parent and depth)"
is "$(sql "SELECT status FROM issues WHERE id = $b")" "done" "B's issue is done"
ok "$([ "$(mock_count 'Answer to your question: Blue')" -ge 1 ] && echo 0 || echo 1)" \
	"the answer reached the model"
serve_stop
is "$serve_rc" 0 "orderly stop"
done_testing
