#!/bin/sh
# The review gate over HTTP (SPEC section 9, issue 14), through nginx and
# claw serve: three issues of one project run at once, each in its own
# worktree, and all three merge (the folder ends with all three changes);
# line comments go back to the step and the run returns to the gate with a
# new diff and the comments marked outdated or not; a merge is refused
# (409, the path named, nothing changed) for a dirty path and for a
# conflict; the gate survives kill -9 of claw serve; discard; the Issue's
# `changes` and the board's `review` status.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"
unset CLAW_AUTO_MERGE # this test answers the review gate itself

project
P=/api/projects/$key
git init -q -b main . && printf '1\n2\n3\n4\n5\n' >a.txt && git add -A &&
	git -c user.name=t -c user.email=t@t commit -q -m base
gitc() { git -c user.name=t -c user.email=t@t "$@"; }

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step alpha"}, "delay_ms": 300,
  "tool_calls": [{"name": "bash", "input": {"command": "printf 'x1\\nx2\\nx3\\n' > x.txt && echo did-alpha"}}]},
 {"match": {"user": "did-alpha"}, "text": "Added x.txt."},
 {"match": {"user": "Carry out step beta"}, "delay_ms": 300,
  "tool_calls": [{"name": "bash", "input": {"command": "echo y > y.txt && echo did-beta"}}]},
 {"match": {"user": "did-beta"}, "text": "Added y.txt."},
 {"match": {"user": "Carry out step gamma"}, "delay_ms": 300,
  "tool_calls": [{"name": "bash", "input": {"command": "sed -i 5s/.*/FIVE/ a.txt && echo did-gamma"}}]},
 {"match": {"user": "did-gamma"}, "text": "Changed line 5."},
 {"match": {"user": "requested changes"},
  "tool_calls": [{"name": "bash", "input": {"command": "printf 'x1\\nX2\\nx3\\n' > x.txt && echo did-rework"}}]},
 {"match": {"user": "did-rework"}, "text": "Upper-cased line 2."},
 {"match": {"user": "Carry out step delta"},
  "tool_calls": [{"name": "bash", "input": {"command": "sed -i 1s/.*/DELTA/ a.txt && echo did-delta"}}]},
 {"match": {"user": "did-delta"}, "text": "Changed line 1."}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
serve_start --max-runs 4
api PATCH "$P" '{"isolation":"worktree"}'
is "$code" 200 "the project works in worktrees"

sse_start board "$P/issues/stream"
issue() { # title step
	_id=$(new_issue "$1")
	approved_solver "$_id" "{\"name\":\"S\",\"steps\":[{\"name\":\"$2\",\"goal\":\"Do $2.\",\"tools\":[\"bash\"]}]}"
	echo "$_id"
}
a=$(issue "Add x" alpha)
b=$(issue "Add y" beta)
c=$(issue "Line five" gamma)
for i in "$a" "$b" "$c"; do api POST "$P/issues/$i/start"; done
in_review() { [ "$(sql "SELECT status FROM issues WHERE id = $1")" = review ]; }
wait_for 60 in_review "$a" && wait_for 60 in_review "$b" && wait_for 60 in_review "$c"
ok $? "three runs at once, each at its review gate"
is "$(sql "SELECT COUNT(DISTINCT worktree) FROM runs WHERE worktree != ''")" "3" "each in its own worktree"
is "$(git status --porcelain) $(git log --format=%s | wc -l | tr -d ' ')" " 1" "the folder is untouched"
sse_wait board "^event issue .*{\"id\":$a,.*\"status\":\"review\"" 10
ok $? "the board shows the issue in review"

api GET "$P/issues/$a"
is "$(jget '$.gate.kind')" "review" "the issue's gate is the review gate"
is "$(jget '$.changes.files') $(jget '$.changes.additions') $(jget '$.changes.branch')" \
	"1 3 claw/issue-$a-run-1" "the issue's changes: +3 in one file, its branch"
is "$(jget '$.gate.payload.files[0].path') $(jget '$.gate.payload.target')" "x.txt main" \
	"the payload: the files, where it lands"
is "$(jget '$.gate.payload.summary')" "Added x.txt." "and the solver's summary"
gate=$(jget '$.gate.id')

# Bad answers change nothing.
api POST "$P/issues/$a/answer" "{\"gate\":$gate,\"decision\":\"approve\"}"
is "$code" 409 "an approve decision on a review gate: 409"
api POST "$P/issues/$a/answer" "{\"gate\":$gate,\"decision\":\"changes\"}"
is "$code" 400 "changes without text or comments: 400"
api POST "$P/issues/$a/answer" "{\"gate\":$gate,\"decision\":\"changes\",\"comments\":[{\"path\":\"../etc/passwd\",\"line\":1,\"body\":\"x\"}]}"
is "$code" 400 "a comment outside the repository: 400"
api POST "$P/issues/$a/answer" "{\"gate\":$gate,\"decision\":\"merge\",\"comments\":[]}"
is "$code" 400 "comments with merge: 400"
api POST "$P/issues/$a/answer" "{\"gate\":$gate,\"decision\":\"changes\",\"comments\":{}}"
is "$code" 400 "comments that are no array: 400"

# Changes with two line comments.
api POST "$P/issues/$a/answer" "{\"gate\":$gate,\"decision\":\"changes\",\"text\":\"Two things.\",\"comments\":[{\"path\":\"x.txt\",\"line\":2,\"body\":\"Upper case, please.\"},{\"path\":\"x.txt\",\"line\":3,\"body\":\"Keep this one.\"}]}"
is "$code" 202 "changes with two line comments: 202"
round2() { [ "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = 1 AND type = 'question'")" = 2 ] && in_review "$a"; }
wait_for 60 round2
ok $? "the run reworked and came back to the gate"
is "$(mock_count2 'Upper case, please.' 'Keep this one.')" "2" "both comments reached the step's conversation"
like "$(grep -F 'requested changes' "$tmp/mock.log" | head -1)" 'x.txt line 2 (`x2`): Upper case, please.' \
	"each with its line"
api GET "$P/issues/$a"
gate2=$(jget '$.gate.id')
is "$(jget '$.gate.payload.comments[0].outdated') $(jget '$.gate.payload.comments[1].outdated')" \
	"1 0" "the comment whose line changed is outdated, the other not"
api GET "$P/runs/1/changes/diff"
like "$body" "+X2" "the new diff has the rework"

# All three merge.
api POST "$P/issues/$a/answer" "{\"gate\":$gate2,\"decision\":\"merge\"}"
is "$code" 202 "merge: 202"
is "$(git log -1 --format=%s) $(sed -n 2p x.txt)" "Add x (#$a) X2" "landed as one commit before the answer returned"
done_run() { [ "$(sql "SELECT status FROM runs WHERE id = $1")" = "$2" ]; }
wait_for 30 done_run 1 done
ok $? "run done"
sse_wait board "^event issue .*{\"id\":$a,.*\"status\":\"done\"" 10
ok $? "the board shows it done"

gb=$(sql "SELECT span_id FROM trace WHERE run_id = 2 AND type = 'question'")
echo mine >y.txt
head=$(git rev-parse HEAD)
api POST "$P/issues/$b/answer" "{\"gate\":$gb,\"decision\":\"merge\"}"
is "$code" 409 "a merge over a dirty touched path: 409"
like "$(jget '$.error')" "y.txt" "naming the path"
is "$(cat y.txt) $(git rev-parse HEAD)" "mine $head" "nothing changed"
rm y.txt

serve_kill9
serve_start --max-runs 4
api GET "$P/issues/$b"
is "$(jget '$.status') $(jget '$.gate.kind')" "review review" "after kill -9 the gate is still open"
api POST "$P/issues/$b/answer" "{\"gate\":$gb,\"decision\":\"merge\"}"
is "$code" 202 "and answerable: merge"
wait_for 30 done_run 2 done
ok $? "the resumed run is done"
api POST "$P/issues/$b/answer" "{\"gate\":$gb,\"decision\":\"merge\"}"
is "$code" 409 "a second answer: 409"

gc=$(sql "SELECT span_id FROM trace WHERE run_id = 3 AND type = 'question'")
api POST "$P/issues/$c/answer" "{\"gate\":$gc,\"decision\":\"merge\"}"
is "$code" 202 "the third merges on top of the other two"
wait_for 30 done_run 3 done
is "$(cat x.txt y.txt | tr '\n' ' ')$(sed -n 5p a.txt)" "x1 X2 x3 y FIVE" "the folder has all three changes"
is "$(git log --format=%s | head -3 | tr '\n' '|')" "Line five (#$c)|Add y (#$b)|Add x (#$a)|" \
	"one commit each"
is "$(git worktree list | wc -l | tr -d ' ') $(git branch --list 'claw/*' | wc -l | tr -d ' ')" "1 0" \
	"no worktree or branch is left"
api GET "$P/runs/3/changes"
is "$code $(jget '$.files[0].path') $(jget '$.additions')" "200 a.txt 1" \
	"a merged run's change still reads, its branch gone"
is "$(jget '$.head')" "$(sql "SELECT head FROM runs WHERE id = 3")" "at the run's last commit"
api GET "$P/runs/3/changes/diff"
like "$body" "+FIVE" "and so does its diff"

# A conflict, then discard.
d=$(issue "Line one" delta)
api POST "$P/issues/$d/start"
wait_for 60 in_review "$d"
sed -i 1s/.*/MINE/ a.txt && gitc commit -qam mine
head=$(git rev-parse HEAD)
gd=$(sql "SELECT span_id FROM trace WHERE run_id = 4 AND type = 'question'")
api POST "$P/issues/$d/answer" "{\"gate\":$gd,\"decision\":\"merge\"}"
is "$code" 409 "a conflicting merge: 409"
like "$(jget '$.error')" "in: a.txt" "naming the path"
is "$(git rev-parse HEAD) $(git status --porcelain)" "$head " "nothing changed"
api POST "$P/issues/$d/answer" "{\"gate\":$gd,\"decision\":\"discard\"}"
is "$code" 202 "discard: 202"
wait_for 30 done_run 4 discarded
ok $? "the run is discarded"
is "$(sql "SELECT status FROM issues WHERE id = $d")" "open" "its issue open again"
git rev-parse -q --verify "claw/issue-$d-run-4" >/dev/null
is "$? $(test -d "$CLAW_HOME/worktrees/$key/run-4" && echo there)" "1 " "branch and worktree removed"
api GET "$P/runs/4/changes"
is "$code" 200 "a discarded run's change reads while git keeps its commits"
git -c gc.reflogExpire=now -c gc.pruneExpire=now gc -q --prune=now 2>/dev/null
git reflog expire --expire=now --all && git prune --expire=now
api GET "$P/runs/4/changes/diff"
is "$code" 404 "once git dropped them: 404"
like "$(jget '$.error')" "is no longer in the repository" "saying so"
sse_stop board
serve_stop
done_testing
