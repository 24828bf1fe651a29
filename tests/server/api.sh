#!/bin/sh
# claw serve through nginx (conf/nginx.conf): every route's happy path and
# its error codes, JSON errors everywhere, the 1 MiB and content-type
# rules, the trace/artifact routes on a journal written by hand, the board
# stream's first snapshot, metrics, and an orderly SIGTERM within 2 s.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

nginx_start
serve_start --threads 4
project
P=/api/projects/$key

api GET /api/health
is "$code" 200 "health 200"
like "$body" '"ok":true' "health says ok"
like "$body" '"runs_active":0,"runs_queued":0' "health counts runs"

api GET /api/projects
is "$code" 200 "projects 200"
like "$body" "\"key\":\"$key\"" "lists the registered project"
like "$body" '"issues":{"open":0,"queued":0,"inprogress":0,"waiting":0,"review":0,"done":0,"closed":0}' \
	"with issue counts by status"

mkdir -p "$tmp/other"
api POST /api/projects "{\"path\":\"$tmp/other\",\"description\":\"second\"}"
is "$code" 201 "register a project: 201"
is "$(jget '$.name')" "other" "its name"
is "$(jget '$.description')" "second" "its description"
api POST /api/projects "{\"path\":\"$tmp/other\"}"
is "$code" 400 "already registered: 400"
like "$body" "already registered" "says so"
api POST /api/projects "{\"path\":\"$tmp/nope\"}"
is "$code" 400 "not a directory: 400"
api POST /api/projects '{"description":"x"}'
is "$code" 400 "missing path: 400"
like "$body" 'missing field \"path\"' "names the field"
api POST /api/projects '{"path":"relative/dir"}'
is "$code" 400 "relative path: 400"
api POST /api/projects '{"path":'
is "$code" 400 "invalid JSON: 400"
like "$body" "invalid JSON" "says so"
api POST /api/projects '[1]'
is "$code" 400 "not an object: 400"
api POST /api/projects "{\"path\":\"$CLAW_HOME/projects\"}"
is "$code" 400 "a folder inside CLAW_HOME: 400"
like "$body" "is inside claw's home" "says why"

# Project settings (SPEC section 9): PATCH, shown by GET.
other_key=$(echo "$tmp/other" | sed -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' -e 's/^-//' -e 's/-$//')
api PATCH "/api/projects/$other_key" '{"setup":"make deps","setup_net":true}'
is "$code" 200 "PATCH a project's setup: 200"
is "$(jget '$.setup') $(jget '$.setup_net') $(jget '$.isolation')" "make deps 1 inplace" \
	"the project with its settings"
api PATCH "/api/projects/$other_key" '{"isolation":"worktree"}'
is "$code" 400 "worktree isolation outside git: 400"
like "$body" "needs a git repository with a commit" "says why"
api PATCH "/api/projects/$other_key" '{"isolation":"sandbox"}'
is "$code" 400 "an unknown isolation: 400"
api PATCH "/api/projects/$other_key" '{"colour":"blue"}'
is "$code" 400 "an unknown field: 400"
api PATCH "/api/projects/$other_key" '{}'
is "$code" 400 "nothing to change: 400"
api PATCH "/api/projects/no-such-key" '{"setup":""}'
is "$code" 404 "an unknown project: 404"
api GET /api/projects
like "$body" '"setup":"make deps","setup_net":true' "GET lists the settings"

code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -X POST --data-binary '{"title":"x"}' "$base$P/issues")
is "$code" 415 "POST without a JSON content type: 415"
like "$(cat "$tmp/.body")" '"error":' "as a JSON error"
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
	--data-binary '{"title":"x"}' "$base$P/issues")
is "$code" 415 "text/plain: 415"
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json; charset=utf-8' --data-binary '{"title":"Charset ok"}' \
	"$base$P/issues")
is "$code" 201 "application/json with a charset is fine"

head -c 1100000 /dev/zero | tr '\0' a >"$tmp/big"
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary @"$tmp/big" "$base$P/issues")
is "$code" 413 "a body over 1 MiB: 413"
like "$(cat "$tmp/.body")" '"error":' "as a JSON error"

# claw's own 413, straight over FastCGI (nginx stops big bodies first):
# refused from CONTENT_LENGTH, without reading the body.
if command -v cgi-fcgi >/dev/null 2>&1; then
	head -c 2000000 /dev/zero | tr '\0' a >"$tmp/huge"
	out=$(env -i REQUEST_METHOD=POST REQUEST_URI=/api/projects CONTENT_TYPE=application/json \
		CONTENT_LENGTH=2000000 cgi-fcgi -bind -connect "$sock" <"$tmp/huge" 2>&1)
	like "$out" "Status: 413" "FastCGI: a CONTENT_LENGTH over 1 MiB is a 413"
	like "$out" '"error":"the request body is over 1048576 bytes"' "with claw's JSON error"
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/health cgi-fcgi -bind -connect "$sock" </dev/null 2>&1)
	like "$out" "Content-Length: " "FastCGI: answers carry a Content-Length"
else
	skip "direct FastCGI checks: no cgi-fcgi (libfcgi-bin; tools/test installs it)"
fi

api POST "$P/issues" '{"title":"Add a --version flag","description":"Print the version."}'
is "$code" 201 "create an issue: 201"
id=$(jget '$.id')
is "$body" "{\"id\":$id,\"title\":\"Add a --version flag\",\"status\":\"open\"}" "the created shape"
api POST "$P/issues" '{"title":""}'
is "$code" 400 "empty title: 400"
like "$body" "title is empty" "says which field"
api POST "$P/issues" '{"title":"x","labels":[]}'
is "$code" 400 "unknown field: 400"
api POST "$P/issues" '{"title":7}'
is "$code" 400 "title of the wrong type: 400"

api GET "$P/issues"
is "$code" 200 "list issues"
is "$(jget '$[1].title')" "Add a --version flag" "in id order"
is "$(jget '$[1].desc')" "Print the version." "desc"
is "$(jget '$[1].status')" "open" "status"
is "$(jget '$[1].live')" "0" "live false"
is "$(jget '$[1].gate')" "" "gate null"
is "$(jget '$[1].done') $(jget '$[1].steps') $(jget '$[1].tokensIn')" "0 0 0" "no progress yet"
like "$body" '"runs":[]' "no runs"
like "$body" '"artifacts":[]' "no artifacts"
like "$body" '"updatedMs":' "updatedMs"

# Compressed when the client accepts gzip (browsers do), the very same JSON;
# identity otherwise; both say Vary: Accept-Encoding.  Twice: built, then
# from the cache.
for round in built cached; do
	hdrs=$(curl -s -D - -o "$tmp/list.gz" -H 'Accept-Encoding: br, gzip;q=0.8' "$base$P/issues" |
		tr -d '\r')
	like "$hdrs" "Content-Encoding: gzip" "the list, gzip when accepted ($round)"
	like "$hdrs" "Vary: Accept-Encoding" "with Vary ($round)"
	is "$(gzip -dc <"$tmp/list.gz" | cmp - "$tmp/.body" && echo same)" same \
		"unzips to the identity answer ($round)"
done
hdrs=$(curl -s -D - -o "$tmp/list.id" -H 'Accept-Encoding: gzip;q=0, deflate' "$base$P/issues" |
	tr -d '\r')
case $hdrs in
*Content-Encoding*) ok 1 "gzip;q=0: not compressed" ;;
*) ok 0 "gzip;q=0: not compressed" ;;
esac
like "$hdrs" "Vary: Accept-Encoding" "and still Vary"
is "$(cmp "$tmp/list.id" "$tmp/.body" && echo same)" same "the identity answer"

api GET "$P/issues/$id"
is "$code" 200 "one issue"
is "$(jget '$.id')" "$id" "its id"
like "$body" '"solver":null' "with its solver (none yet)"
api GET "$P/issues/999"
is "$code" 404 "unknown issue: 404"
like "$body" "issue #999 not found" "says which"
api GET "$P/issues/abc"
is "$code" 404 "non-numeric issue id: 404"
api GET /api/projects/no-such-project/issues
is "$code" 404 "unknown project: 404"
like "$body" "unknown project no-such-project" "says which"
api GET "/api/projects/bad%20key/issues"
is "$code" 404 "invalid key: 404"
api GET /api/nothing
is "$code" 404 "unknown route: 404"
like "$body" '"error":"no such route' "as JSON"
api DELETE "$P/issues"
is "$code" 405 "wrong method: 405"
allow=$(curl -s -D - -o /dev/null -X DELETE "$base$P/issues" | tr -d '\r' | sed -n 's/^Allow: //p')
is "$allow" "GET, POST" "Allow lists the methods"
api GET "$P/issues/$id/start"
is "$code" 405 "GET on start: 405"

api POST "$P/issues/$id/answer" '{"gate":1,"text":"x"}'
is "$code" 409 "answer without an open gate: 409"
api POST "$P/issues/$id/answer" '{"text":"x"}'
is "$code" 400 "answer without a gate id: 400"
api POST "$P/issues/$id/stop"
is "$code" 409 "stop with nothing active: 409"
like "$body" "has no active run" "says so"
api POST "$P/issues/$id/start" '{"bogus":1}'
is "$code" 400 "start with an unknown field: 400"
api POST "$P/issues/999/start"
is "$code" 404 "start an unknown issue: 404"

# A journal written by hand: a run with rows and an artifact.
sql "INSERT INTO runs (issue_id, solver_version, status, reason, started_by, created_at, ended_at)
     VALUES ($id, 0, 'failed', 'test', 'test', 1, 2)"
run=$(sql "SELECT MAX(id) FROM runs")
i=1
while [ $i -le 30 ]; do
	sql "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
	     VALUES ($run, $i, 0, 0, 'event', 'note', 20, '{\"action\":\"t\",\"message\":\"row $i\"}', $i)"
	i=$((i + 1))
done
sql "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
     VALUES ($run, 31, 0, 0, 'event', 'artifact', 20,
     '{\"n\":0,\"label\":\"out.txt\",\"kind\":\"file\",\"value\":\"hello\\nworld\",\"step\":\"implement\"}', 31)"

api GET "$P/runs/$run/trace"
is "$code" 200 "trace 200"
is "$(jlen '$')" "31" "every row"
is "$(jget '$[0].spanId') $(jget '$[0].type') $(jget '$[0].data.message')" "1 note row 1" \
	"wire rows"
first=$(jget '$[0].seq')
api GET "$P/runs/$run/trace?since=$((first + 9))&limit=5"
is "$(jlen '$')" "5" "limit"
is "$(jget '$[0].seq')" "$((first + 10))" "since is exclusive"
api GET "$P/runs/$run/trace?since=x"
is "$code" 400 "bad since: 400"
api GET "$P/runs/$run/trace?limit=0"
is "$code" 400 "limit 0: 400"
api GET "$P/runs/9999/trace"
is "$code" 404 "unknown run: 404"

api GET "$P/runs/$run/artifacts"
is "$code" 200 "artifacts 200"
is "$(jget '$[0].label') $(jget '$[0].kind') $(jget '$[0].size')" "out.txt file 11" "metadata"
api GET "$P/runs/$run/artifacts/0"
is "$code" 200 "one artifact"
is "$(jget '$.body')" "hello
world" "with its body"
api GET "$P/runs/$run/artifacts/5"
is "$code" 404 "unknown artifact: 404"

api GET "$P/issues/$id"
is "$(jget '$.runs[0].n') $(jget '$.runs[0].id') $(jget '$.runs[0].status')" "1 $run failed" \
	"the issue lists its run"
is "$(jget '$.artifacts[0].label')" "out.txt" "and the latest run's artifacts"

# The run stream of an ended run: the rows, then end, then the stream closes.
sse_start ended "$P/runs/$run/stream" --until end
sse_wait ended "^done" 10
is "$(sse_seqs ended | wc -l | tr -d ' ')" "31" "the run stream replays every row"
like "$(grep '^event end' "$tmp/ended.sse")" "{\"runId\":$run,\"status\":\"failed\"" \
	"then ends with the final status"
sse_start since "$P/runs/$run/stream?since=$((first + 25))" --until end
sse_wait since "^done" 10
is "$(sse_seqs since | head -n 1)" "$((first + 26))" "?since= starts after it"
sse_start last "$P/runs/$run/stream" --last-event-id $((first + 28)) --until end
sse_wait last "^done" 10
is "$(sse_seqs last | tr '\n' ' ')" "$((first + 29)) $((first + 30)) " \
	"Last-Event-ID starts after it"
# As nginx.conf sends a stream: event-stream, unbuffered, not chunked (the
# body ends when the connection closes).
hdrs=$(curl -s -D - -o /dev/null "$base$P/runs/$run/stream" | tr -d '\r')
like "$hdrs" "Content-Type: text/event-stream" "a stream is text/event-stream"
case $hdrs in
*[Tt]ransfer-[Ee]ncoding*) ok 1 "and not chunked" ;;
*) ok 0 "and not chunked" ;;
esac
code=$(curl -s -o /dev/null -w '%{http_code}' "$base$P/runs/9999/stream")
is "$code" 404 "stream of an unknown run: 404"

# The board stream: the whole board at once, then changes.
sse_start board "$P/issues/stream"
sse_wait board "^event issue .*\"id\":$id," 10
ok $? "the board stream sends every issue"
api POST "$P/issues" '{"title":"A new one"}'
new=$(jget '$.id')
sse_wait board "^event issue .*\"id\":$new,\"title\":\"A new one\"" 10
ok $? "and pushes a new issue"
api POST "$P/issues/$new/close"
is "$code" 200 "close 200"
is "$body" "{\"id\":$new,\"status\":\"closed\"}" "closed"
sse_wait board "^event issue .*\"id\":$new,.*\"status\":\"closed\"" 10
ok $? "the board shows it closed"
last_id=$(awk '$1 == "event" { id = $3 } END { print id }' "$tmp/board.sse")
sse_start board2 "$P/issues/stream" --last-event-id "$last_id" --timeout-ms 1500
wait_for 5 grep -q "^timeout" "$tmp/board2.sse"
is "$(grep -c '^event' "$tmp/board2.sse")" "0" "a reconnect with the last id gets nothing old"
sse_start board3 "$P/issues/stream" --last-event-id 12 --timeout-ms 1500
wait_for 5 grep -q "^timeout" "$tmp/board3.sse"
is "$(grep -c '^event issue' "$tmp/board3.sse")" "$(sql 'SELECT COUNT(*) FROM issues')" \
	"an unknown id gets the whole board"

api GET /api/metrics
is "$code" 200 "metrics 200"
like "$body" 'claw_http_requests_total{code="404"}' "requests by status"
like "$body" 'claw_streams_open{kind="board"} 1' "open streams"
like "$body" 'claw_runs{state="queued"} 0' "runs by state"
like "$body" 'claw_bus_dropped_total 0' "bus drops"
like "$body" '# TYPE claw_stream_io_uring gauge' "how streams are sent"
like "$body" 'claw_llm_tokens_total{kind="in"} 0' "tokens"

serve_stop
is "$serve_rc" 0 "SIGTERM: exit 0"
# Not held up by the open stream (that would hang until killed); the bound
# is far above the ~1 s a stop takes, so a loaded machine does not fail it.
ok "$([ "$serve_ms" -lt 10000 ] && echo 0 || echo 1)" "without waiting on the stream ($serve_ms ms)"
sse_wait board "^eof" 5
ok $? "the open stream was ended"
ok "$([ ! -e "$sock" ] && echo 0 || echo 1)" "the socket file is removed"

# Told not to use io_uring, the hub sends with send(2) and says so.
CLAW_IO_URING=0 serve_start
api GET /api/metrics
like "$body" 'claw_stream_io_uring 0' "CLAW_IO_URING=0: streams sent with send(2)"
serve_stop
done_testing
