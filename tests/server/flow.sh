#!/bin/sh
# A full run driven only by HTTP, through nginx and claw serve with the real
# engine against mockllm: create the issue, start it (queued behind a slow
# run: --max-runs 1), approve the generated solver at its gate, answer the
# question a step escalates, done.  Meanwhile an SSE client receives the
# trace rows in seq order, is dropped mid-run and reconnects with
# Last-Event-ID, and the two halves together are exactly GET .../trace; the
# board stream shows queued -> inprogress -> waiting -> inprogress -> done.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

project
P=/api/projects/$key

SOLVER='{\"name\":\"HelloSolver\",\"summary\":\"Write hello.txt and prove it.\",\"steps\":[{\"name\":\"implement\",\"goal\":\"Write hello.txt with the greeting the person wants.\",\"tools\":[\"write_file\",\"read_file\"],\"critic\":\"works\"},{\"name\":\"verify\",\"goal\":\"Show hello.txt with cat and record it as evidence.\",\"tools\":[\"bash\",\"artifact\"],\"critic\":\"proven\",\"back_to\":\"implement\"}],\"critics\":{\"works\":\"hello.txt exists and holds hello.\",\"proven\":\"Evidence shows cat hello.txt printed hello.\"}}'

cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: see my report.", "times": 0},
 {"match": {"user": "Carry out step slowstep"}, "delay_ms": 1500, "text": "Waited."},
 {"match": {"user": "Carry out step understand"}, "text": "Empty project; write hello.txt."},
 {"match": {"user": "Carry out step assess"}, "text": "simple",
  "usage": {"in": 3000, "out": 5, "cached": 2000, "cache_write": 700}},
 {"match": {"user": "Carry out step draft"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$SOLVER"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Drafted the solver."},
 {"match": {"user": "Judge the work of step \"draft\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "the solver is concrete", "reason": "it will solve the issue"}}]},
 {"match": {"user": "needs a value from you: name"}, "text": "HelloSolver"},
 {"match": {"user": "needs a value from you: spec"}, "text": "$SOLVER"},
 {"match": {"user": "Carry out step implement"}, "text": "[question] Which greeting should hello.txt hold?"},
 {"match": {"user": "Which greeting should hello.txt hold"}, "text": "ESCALATE"},
 {"match": {"user": "Answer to your question: Use the word hello"},
  "tool_calls": [{"name": "write_file", "input": {"path": "hello.txt", "content": "hello\n"}}]},
 {"match": {"user": "Wrote 6 bytes to hello.txt"}, "text": "Wrote hello.txt."},
 {"match": {"user": "Judge the work of step \"implement\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "hello",
    "fact": "hello.txt holds hello", "reason": "done"}}]},
 {"match": {"user": "Carry out step verify"},
  "tool_calls": [{"name": "artifact", "input": {"label": "cat", "command": "cat hello.txt"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Verified."},
 {"match": {"user": "Judge the work of step \"verify\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "evidence",
    "fact": "cat printed hello", "reason": "proven"}}]}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
serve_start --max-runs 1

slow=$(new_issue "Slow one")
approved_solver "$slow" '{"name":"Slow","steps":[{"name":"slowstep","goal":"Wait a moment.","tools":[]}]}'
api POST "$P/issues" '{"title":"Write hello.txt","description":"The project needs a hello.txt."}'
is "$code" 201 "issue created over HTTP"
id=$(jget '$.id')

sse_start board "$P/issues/stream"
api POST "$P/issues/$slow/start"
is "$code" 202 "start the slow run"
is "$(jget '$.queued')" "0" "it executes at once"
api POST "$P/issues/$id/start"
is "$code" 202 "start: 202"
run=$(jget '$.runId')
is "$(jget '$.queued')" "1" "queued behind the slow run (--max-runs 1)"
api POST "$P/issues/$id/start"
is "$code" 409 "a second start while queued: 409"
like "$body" "already has an active run" "says so"
api GET /api/health
is "$(jget '$.runs_queued')" "1" "health counts the queued run"

sse_start a "$P/runs/$run/stream"

issue_gate() { # kind: true once the issue waits on a gate of that kind
	curl -s "$base$P/issues/$id" >"$tmp/issue.json"
	[ "$(jget '$.gate.kind' "$tmp/issue.json")" = "$1" ]
}
wait_for 60 issue_gate approve
ok $? "the run waits at the approval gate"
gate=$(jget '$.gate.id' "$tmp/issue.json")
sse_wait board "^event issue .*\"status\":\"waiting\".*\"gate\":{\"id\":$gate,\"kind\":\"approve\"" 10
ok $? "the board shows the approval gate"
like "$(jget '$.gate.prompt' "$tmp/issue.json")" "solver" "the prompt is about the solver"
is "$(jget '$.gate.payload.name' "$tmp/issue.json")" "HelloSolver" "the payload is the solver spec"
# The gate's row is written a moment before the issue's status.
issue_waiting() { curl -s "$base$P/issues/$id" >"$tmp/issue.json" && [ "$(jget '$.status' "$tmp/issue.json")" = waiting ]; }
wait_for 10 issue_waiting
ok $? "the issue is waiting"
is "$(jget '$.solver.version' "$tmp/issue.json")" "1" "the issue shows solver v1"

# Drop the stream client mid-run; reconnect later with its last id.
sse_wait a "^event trace" 10
sse_stop a
last=$(awk '$1 == "event" && $2 == "trace" { id = $3 } END { print id }' "$tmp/a.sse")
ok "$([ -n "$last" ] && echo 0 || echo 1)" "the first client got rows (up to seq $last)"

api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"decision\":\"grant\",\"amount\":5}"
is "$code" 409 "a budget decision on an approve gate: 409"
api POST "$P/issues/$id/answer" "{\"gate\":$((gate + 1000)),\"decision\":\"approve\"}"
is "$code" 409 "a gate that is not open: 409"
# Edited at the gate: checked by the solver validator, nothing recorded when
# it fails; the edit that passes becomes v2, approved, and is what runs.
api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"decision\":\"approve\",\"spec\":{\"name\":\"x\",\"steps\":[{\"name\":\"a\",\"goal\":\"g\",\"tools\":[\"teleport\"]}]}}"
is "$code" 400 "an edited solver the validator refuses: 400"
like "$body" "the edited solver is not valid" "says so"
like "$body" "teleport" "with the validator's message"
api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"decision\":\"reject\",\"spec\":{\"name\":\"x\"}}"
is "$code" 400 "an edited solver with a reject: 400"
like "$body" "spec goes with approving a solver" "says why"
api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"decision\":\"approve\",\"spec\":[1]}"
is "$code" 400 "a spec that is no object: 400"
EDITED=$(printf '%s' "$SOLVER" | sed -e 's/\\"/"/g' -e 's/Write hello.txt and prove it./Write hello.txt, then prove it with cat./')
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -u alice:secret -X POST \
	-H 'Content-Type: application/json' \
	--data-binary "{\"gate\":$gate,\"decision\":\"approve\",\"text\":\"clearer summary\",\"spec\":$EDITED}" \
	"$base$P/issues/$id/answer")
is "$code" 202 "approve as alice, edited: 202"
api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"decision\":\"approve\"}"
is "$code" 409 "the same gate again: 409"

sse_start b "$P/runs/$run/stream" --last-event-id "$last" --until end
wait_for 60 issue_gate question
ok $? "a step escalated a question to the dashboard"
qgate=$(jget '$.gate.id' "$tmp/issue.json")
# As a person would: answer once the board shows the question (the board
# coalesces: a state that lasts under 250 ms may never be shown).
sse_wait board "^event issue .*\"status\":\"waiting\".*\"gate\":{\"id\":$qgate,\"kind\":\"question\"" 10
ok $? "the board shows the question gate"
like "$(jget '$.gate.prompt' "$tmp/issue.json")" "Which greeting" "the step's question"
api POST "$P/issues/$id/answer" "{\"gate\":$qgate,\"decision\":\"approve\"}"
is "$code" 409 "a decision on a question gate: 409"
api POST "$P/issues/$id/answer" "{\"gate\":$qgate,\"text\":\"Use the word hello\"}"
is "$code" 202 "answer the question: 202"

sse_wait b "^done" 60
ok $? "the run stream ends"
like "$(grep '^event end' "$tmp/b.sse")" "\"status\":\"done\"" "with the final status done"
is "$(sql "SELECT status FROM runs WHERE id = $run")" "done" "run done"
is "$(sql "SELECT status FROM issues WHERE id = $id")" "done" "issue done"
is "$(cat "$tmp/p/hello.txt" 2>/dev/null)" "hello" "the solver wrote hello.txt"
is "$(sql "SELECT group_concat(version || ' ' || status || ' ' || decided_by || ' ' || feedback, '|')
            FROM solvers WHERE issue_id = $id")" \
	"1 rejected alice |2 approved alice edited from v1 by alice: clearer summary" \
	"REMOTE_USER edited v1 into v2, approved"
is "$(sql "SELECT solver_version FROM runs WHERE id = $run")" 2 "the run ran the edited v2"
curl -s "$base$P/issues/$id" >"$tmp/issue.json"
is "$(jget '$.solver.versions[1].feedback' "$tmp/issue.json")" "edited from v1 by alice: clearer summary" \
	"GET issue lists the versions"
is "$(jget '$.solver.previousSpec.summary' "$tmp/issue.json")" "Write hello.txt and prove it." \
	"and the spec before the latest"
is "$(sql "SELECT json_extract(data, '$.by') FROM trace WHERE run_id = $run AND type = 'answer' AND json_extract(data, '$.ref') = $qgate")" \
	"anonymous" "and the answer's by without a login"
is "$(sql "SELECT started_by FROM runs WHERE id = $run")" "anonymous" "started_by"

# Both halves of the stream together: exactly the journal, in seq order.
sse_seqs a >"$tmp/seqs.sse"
sse_seqs b >>"$tmp/seqs.sse"
curl -s "$base$P/runs/$run/trace?limit=10000" >"$tmp/trace.json"
sqlite3 -batch -noheader :memory: \
	"SELECT json_extract(value, '$.seq') FROM json_each(CAST(readfile('$tmp/trace.json') AS TEXT))" \
	>"$tmp/seqs.poll"
ok "$([ -s "$tmp/seqs.poll" ] && echo 0 || echo 1)" "the poll route returns the rows"
is "$(sort -n "$tmp/seqs.sse" | uniq | wc -l | tr -d ' ')" "$(wc -l <"$tmp/seqs.sse" | tr -d ' ')" \
	"no seq twice across the reconnect"
is "$(cat "$tmp/seqs.sse" | tr '\n' ' ')" "$(cat "$tmp/seqs.poll" | tr '\n' ' ')" \
	"stream (before + after the reconnect) = GET trace, in seq order"
awk '$1 == "event" && $2 == "trace" { sub(/^event trace [0-9]+ /, ""); print }' \
	"$tmp/a.sse" "$tmp/b.sse" >"$tmp/rows.sse"
sqlite3 -batch -noheader :memory: \
	"SELECT json_extract(value, '$.spanId') || ' ' || json_extract(value, '$.type') FROM json_each(CAST(readfile('$tmp/trace.json') AS TEXT))" \
	>"$tmp/spans.poll"
i=0
: >"$tmp/spans.sse"
while IFS= read -r row; do
	printf '%s\n' "$row" >"$tmp/row.json"
	echo "$(jget '$.spanId' "$tmp/row.json") $(jget '$.type' "$tmp/row.json")" >>"$tmp/spans.sse"
done <"$tmp/rows.sse"
is "$(md5sum <"$tmp/spans.sse")" "$(md5sum <"$tmp/spans.poll")" "the same rows (span ids and types)"

# The board: the issue's statuses, in order, without repeats.
grep "^event issue .*\"id\":$id,\"title\"" "$tmp/board.sse" |
	sed 's/^[^{]*{"id":[0-9]*,"title":"[^"]*","desc":"[^"]*","status":"\([a-z]*\)".*/\1/' |
	uniq | tr '\n' ' ' >"$tmp/statuses"
case "$(cat "$tmp/statuses")" in
"open queued inprogress waiting "*"inprogress done ") ok 0 "board: queued -> inprogress -> waiting -> inprogress -> done" ;;
*) ok 1 "board: queued -> inprogress -> waiting -> inprogress -> done (got: $(cat "$tmp/statuses"))" ;;
esac
last_board=$(grep "^event issue .*\"id\":$id,\"title\"" "$tmp/board.sse" | tail -n 1)
like "$last_board" '"live":false' "the last board event: not live"
like "$last_board" '"done":2,"steps":2' "both steps done"
like "$last_board" '"gate":null' "no gate"

api GET "$P/issues/$id"
is "$(jget '$.runs[0].status')" "done" "GET issue: the run is done"
ok "$([ "$(jget '$.tokensIn')" -gt 0 ] && echo 0 || echo 1)" "tokens summed from the replies"
# The outline of a long run (issue 17): one row per span, their events on
# demand, a search, all paged; bad input is a 400.
spans=$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $run AND phase = 'enter'")
api GET "$P/runs/$run/spans"
is "$code" 200 "spans: 200"
is "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$tmp/.body') AS TEXT), '\$.spans')")" "$spans" \
	"one row per span ($spans)"
is "$(jget '$.next')" "" "one page: next is null"
is "$(jget '$.upto')" "$(sql "SELECT MAX(seq) FROM trace WHERE run_id = $run")" "as of the run's newest row"
is "$(jget '$.spans[0].type')" "workflow" "the first span is the workflow"
ok "$([ "$(jget '$.spans[0].spans')" -ge 1 ] && echo 0 || echo 1)" "with its child spans counted"
# The run waited twice (the solver gate, the question): each wait is
# [gate, question time, answer time], as the rows say.
is "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$tmp/.body') AS TEXT), '\$.waits')")" \
	"$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $run AND type = 'question'")" "one wait per question"
is "$(sqlite3 :memory: "SELECT group_concat(value, ';') FROM json_each(CAST(readfile('$tmp/.body') AS TEXT), '\$.waits')")" \
	"$(sql "SELECT group_concat(json_array(q.span_id, q.ts_ms, a.ts_ms), ';') FROM trace q JOIN trace a ON a.run_id = q.run_id AND a.type = 'answer' AND json_extract(a.data, '\$.ref') = q.span_id WHERE q.run_id = $run AND q.type = 'question' ORDER BY q.seq")" \
	"each from its question to its answer"
turn=$(sql "SELECT span_id FROM trace WHERE run_id = $run AND type = 'turn' AND phase = 'enter' ORDER BY seq LIMIT 1")
api GET "$P/runs/$run/spans?limit=1000"
is "$(sqlite3 :memory: "SELECT json_extract(value, '\$.usage.in') FROM json_each(CAST(readfile('$tmp/.body') AS TEXT), '\$.spans') WHERE json_extract(value, '\$.spanId') = $turn")" \
	"$(sql "SELECT CAST(TOTAL(json_extract(data, '$.usage.in')) AS INTEGER) FROM trace WHERE run_id = $run AND parent_id = $turn AND type = 'reply'")" \
	"a turn's tokens are its reply's"
api GET "$P/runs/$run/spans?limit=2"
is "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$tmp/.body') AS TEXT), '\$.spans')")" "2" "limit=2: two spans"
next=$(jget '$.next')
upto=$(jget '$.upto')
api GET "$P/runs/$run/spans?limit=2&after=$next&upto=$upto"
is "$(jget '$.spans[0].seq')" "$(sql "SELECT seq FROM trace WHERE run_id = $run AND phase = 'enter' AND seq > $next ORDER BY seq LIMIT 1")" \
	"the next page starts after the last one"
api GET "$P/runs/$run/trace?span=$turn"
is "$code" 200 "one span's events: 200"
is "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$tmp/.body') AS TEXT))")" \
	"$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $run AND parent_id = $turn AND phase = 'event'")" \
	"exactly the turn's events"
api GET "$P/runs/$run/trace?q=WRITE_FILE"
is "$code" 200 "search: 200"
like "$body" '"name":"write_file"' "finds a row by its text, case ignored"
api GET "$P/runs/$run/trace?q=no-such-text-anywhere"
is "$body" "[]" "nothing found: []"
for bad in "spans?limit=0" "spans?limit=5001" "spans?after=-1" "spans?upto=x" \
	"trace?span=-2" "trace?span=1&q=a" "trace?q=" "trace?q=$(head -c 201 /dev/zero | tr '\0' a)"; do
	api GET "$P/runs/$run/$bad"
	is "$code" 400 "GET .../$(printf '%.40s' "$bad"): 400"
done
api GET "$P/runs/99999/spans"
is "$code" 404 "spans of an unknown run: 404"
hdrs=$(curl -s -D - -o "$tmp/trace.gz" -H 'Accept-Encoding: gzip' "$base$P/runs/$run/trace?limit=10000" | tr -d '\r')
like "$hdrs" "Content-Encoding: gzip" "the trace page is compressed when the client accepts gzip"
curl -s -o "$tmp/trace.id" "$base$P/runs/$run/trace?limit=10000"
is "$(gzip -dc <"$tmp/trace.gz" | cmp - "$tmp/trace.id" && echo same)" same "the same rows"
api GET "$P/runs/$run/artifacts"
like "$body" '"label":"cat","kind":"evidence"' "the evidence artifact is listed"
api GET /api/metrics
like "$body" 'claw_runs_finished_total 2' "two run threads ended"
written=$(printf '%s\n' "$body" | sed -n 's/^claw_trace_store_rows_total{result="written"} //p')
ok "$([ "${written:-0}" -gt 0 ] && echo 0 || echo 1)" "the trace writers' rows are counted ($written)"
like "$body" 'claw_trace_store_rows_total{result="lost"} 0' "none lost"
cached=$(printf '%s\n' "$body" | sed -n 's/^claw_llm_tokens_total{kind="cached"} //p')
ok "$([ "${cached:-0}" -ge 2000 ] && echo 0 || echo 1)" "prompt cache reads counted ($cached)"
like "$body" 'claw_llm_tokens_total{kind="cache_write"} 700' "and cache writes"

# Replies came as streams (SPEC 11) and say how long their first byte took:
# the slow step's reply waited 1.5 s for it.
is "$(sql "SELECT count(*) FROM trace WHERE type = 'reply' AND json_extract(data, '$.ttft_ms') >= 1400")" 1 \
	"the slow reply's ttft_ms"
like "$(cat "$tmp/mock.log")" '"stream":true' "the model was asked to stream"

# A re-run of the done issue, stopped: the issue stays done (the first run's
# fix is in the project), not open.
api POST "$P/issues/$id/start"
is "$code" 202 "start the done issue again"
rerun=$(jget '$.runId')
api POST "$P/issues/$id/stop"
is "$code" 202 "stop the re-run"
rerun_ended() { [ "$(sql "SELECT status FROM runs WHERE id = $rerun")" = failed ]; }
wait_for 30 rerun_ended
ok $? "the re-run ended failed"
is "$(sql "SELECT status FROM issues WHERE id = $id")" done "the issue is still done"
serve_stop
is "$serve_rc" 0 "orderly stop"
done_testing
