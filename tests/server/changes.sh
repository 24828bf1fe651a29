#!/bin/sh
# A run's change over HTTP (SPEC section 9): a worktree-isolated project's
# run, started through nginx and claw serve, then GET .../changes (files,
# counts, the step commits) and .../changes/diff (whole, one path, refused
# paths); a run in place answers its mode and no files.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"
unset CLAW_AUTO_MERGE # this test answers the review gate itself

project
P=/api/projects/$key
git init -q -b main . && printf 'one\n' >a.txt && git add -A &&
	git -c user.name=t -c user.email=t@t commit -q -m base

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step edit"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo two >> a.txt && printf 'new\\n' > b.txt"}}]},
 {"match": {"user": "[run#1]"}, "text": "Edited.", "times": 0},
 {"match": {"user": "Carry out step noop"}, "text": "Nothing to do."}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
serve_start

id=$(new_issue "Edit")
approved_solver "$id" '{"name":"Edit","steps":[{"name":"edit","goal":"Edit a.txt, add b.txt.","tools":["bash"]}]}'
api PATCH "$P" '{"isolation":"worktree"}'
is "$code" 200 "the project works in worktrees"
api POST "$P/issues/$id/start"
is "$code" 202 "start"
run=$(jget '$.runId')
review1() { [ "$(sql "SELECT status FROM issues WHERE id = $id")" = review ]; }
wait_for 60 review1
ok $? "the run waits at the review gate"

api GET "$P/runs/$run/changes"
is "$code" 200 "GET changes: 200"
is "$(jget '$.mode') $(jget '$.branch')" "worktree claw/issue-$id-run-$run" "its mode and branch"
is "$(jget '$.files[0].path') $(jget '$.files[0].status') $(jget '$.files[0].additions')" \
	"a.txt modified 1" "a.txt modified +1"
is "$(jget '$.files[1].path') $(jget '$.files[1].status')" "b.txt added" "b.txt added"
is "$(jget '$.additions') $(jget '$.deletions')" "2 0" "the totals"
is "$(jget '$.steps[0].step') $(jget '$.steps[0].files')" "edit 2" "the step's commit"
ok "$([ "$(jget '$.head')" = "$(git rev-parse "claw/issue-$id-run-$run")" ] && echo 0 || echo 1)" \
	"head is the branch's commit"

api GET "$P/runs/$run/changes/diff"
is "$code" 200 "GET changes/diff: 200"
like "$body" "+two" "a unified diff"
like "$body" "+++ b/b.txt" "of every file"
api GET "$P/runs/$run/changes/diff?path=b.txt"
like "$body" "+new" "one path"
ok "$(echo "$body" | grep -q 'a.txt'; [ $? = 1 ] && echo 0 || echo 1)" "only that path"
api GET "$P/runs/$run/changes/diff?path=--output=/tmp/x"
is "$code" 400 "a path that looks like an option: 400"
api GET "$P/runs/$run/changes?step=edit"
is "$(jget '$.files[0].path') $(jlen '$.files')" "a.txt 2" "?step: that step's files"
api GET "$P/runs/$run/changes/diff?step=edit&path=a.txt"
like "$body" "+two" "?step with ?path"
api GET "$P/runs/$run/changes?step=nosuch"
is "$code" 404 "a step with no commit: 404"
api GET "$P/runs/$run/changes?step=Bad-Name"
is "$code" 400 "not a step name: 400"
api GET "$P/runs/999/changes"
is "$code" 404 "an unknown run: 404"
is "$(git status --porcelain)" "" "the project folder is untouched"
gate=$(sql "SELECT span_id FROM trace WHERE run_id = $run AND type = 'question'")
api POST "$P/issues/$id/answer" "{\"gate\":$gate,\"decision\":\"keep\"}"
is "$code" 202 "keep"
done1() { [ "$(sql "SELECT status FROM runs WHERE id = $run")" = done ]; }
wait_for 60 done1
ok $? "the run is done"
api GET "$P/runs/$run/changes"
is "$(jget '$.branch') $(jlen '$.files')" "claw/issue-$id-run-$run 2" "a kept branch still shows its change"

# A run in place.
api PATCH "$P" '{"isolation":"inplace"}'
id2=$(new_issue "In place")
approved_solver "$id2" '{"name":"Noop","steps":[{"name":"noop","goal":"Do nothing.","tools":[]}]}'
api POST "$P/issues/$id2/start"
run2=$(jget '$.runId')
review2() { [ "$(sql "SELECT status FROM issues WHERE id = $id2")" = review ]; }
wait_for 60 review2
api GET "$P/runs/$run2/changes"
is "$(jget '$.mode') $(jlen '$.files') $(jget '$.branch')" "inplace 0 " \
	"a run in place: its mode, no files (it changed none), no branch"
serve_stop
done_testing
