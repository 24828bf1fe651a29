#!/bin/sh
# Worktree isolation (SPEC section 9, issue 14): a run of a project in a git
# repository works in its own worktree and branch claw/issue-N-run-M; the
# project's setup runs there once; each passed step is one commit with the
# trailers; the registered folder is byte-for-byte untouched; git history
# is readable inside the sandbox; at the review gate the terminal shows the
# diff on `d`, and `k` keeps the branch (the worktree folder goes); claw
# diff shows the change.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"
unset CLAW_AUTO_MERGE # this test answers the review gate itself

project
git init -q -b main . && printf 'build/\n' >.gitignore && printf 'one\n' >a.txt &&
	git add -A && git -c user.name=t -c user.email=t@t commit -q -m base
snapshot() { find . -path ./.git -prune -o -type f -print | sort | xargs sha256sum; }
before=$(snapshot)
head_before=$(git rev-parse HEAD)
run project set isolation=worktree "setup=mkdir -p build && echo \"from \$CLAW_SOURCE\" > build/setup.txt"
is "$rc" 0 "worktree isolation set"

id=$(new_issue "Two changes")
approved_solver "$id" '{"name":"Two","steps":[{"name":"write","goal":"Write hello.txt.\nDetails follow.","tools":["bash"]},{"name":"more","goal":"Append to a.txt.","tools":["bash"]}]}'
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: done.", "times": 0},
 {"match": {"user": "Carry out step write"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo hello > hello.txt; pwd; cat build/setup.txt; git log --oneline | wc -l"}}]},
 {"match": {"user": "[run#1]"}, "text": "Wrote hello.txt."},
 {"match": {"user": "Carry out step more"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo two >> a.txt; git commit -qam sneaky 2>&1; git update-ref refs/heads/main HEAD 2>&1; echo tried"}}]},
 {"match": {"user": "tried"}, "text": "Appended."}
]}
JSON
mock_start "$tmp/scenario.json"
printf 'd\nk\n' >"$tmp/answers"
claw_run "$tmp/answers" "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done, kept" "the run is done, its change kept"
like "$err" "Merge into main? [y]es [k]eep [x] discard [c]hanges [d]iff" "the terminal asks at the review gate"
like "$err" "+++ b/hello.txt" "d shows the diff"
is "$(snapshot)" "$before" "the registered folder is byte-for-byte unchanged"
is "$(git rev-parse HEAD)" "$head_before" "and its branch did not move"
is "$(git log --format=%s main | wc -l | tr -d ' ')" "1" "main has only its own commit"
result=$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'tool-result' AND json_extract(data, '$.name') = 'bash' ORDER BY seq LIMIT 1")
like "$result" "$CLAW_HOME/worktrees/" "the steps run in the worktree"
like "$result" "from $tmp/p" "after the setup ran there, with CLAW_SOURCE"
like "$result" "
1
" "git history is readable in the sandbox"
second=$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'tool-result' AND json_extract(data, '$.name') = 'bash' ORDER BY seq LIMIT 1 OFFSET 1")
like "$second" "tried" "an agent trying to commit and move refs"
is "$(git log --format=%s claw/issue-$id-run-1 | head -3 | tr '\n' '|')" \
	"more: Append to a.txt.|write: Write hello.txt.|base|" \
	"one commit per passed step, none of the agent's own"
is "$(git log -1 --format='%an <%ae>|%(trailers:key=Claw-Step,valueonly)|%(trailers:key=Claw-Run,valueonly)' claw/issue-$id-run-1 | tr -d '\n')" \
	"claw <claw@localhost>|more|1" "claw's author and the trailers"
is "$(git show claw/issue-$id-run-1:hello.txt)" "hello" "the branch holds the change"
git ls-tree -r --name-only "claw/issue-$id-run-1" | grep -q '^build/'
ok "$([ $? = 1 ] && echo 0 || echo 1)" "the setup's ignored output is not committed"
ok "$(test ! -d "$CLAW_HOME/worktrees/$key/run-1"; echo $?)" "the done run's worktree folder is removed"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'commit'")" \
	"2" "the commits are traced"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'review'")" \
	"keep by console: kept" "the review's decision is traced"
is "$(sql "SELECT status FROM issues WHERE id = $id")" "done" "the issue is done"
is "$(sql "SELECT branch || ' ' || (head != '') FROM runs WHERE id = 1")" \
	"claw/issue-$id-run-1 1" "the run's row keeps its branch and head"

run diff --stat
is "$rc" 0 "claw diff --stat"
is "$out" "M a.txt +1 -0
A hello.txt +1 -0
2 files changed, +2 -0" "lists the run's files"
run diff 1
like "$out" "+hello" "claw diff shows the change"
like "$out" "+two" "of both steps"
run diff --step more
is "$out" "$(git diff "claw/issue-$id-run-1~1" "claw/issue-$id-run-1")" "--step: that step's commit only"
run diff --stat --step write
is "$out" "A hello.txt +1 -0
1 file changed, +1 -0" "--stat --step"
run diff --step nosuch
is "$rc" 1 "a step with no commit"
like "$err" "step nosuch made no commit" "says so"
run diff 99
is "$rc" 1 "claw diff of an unknown run fails"

git merge -q --no-edit "claw/issue-$id-run-1" 2>/dev/null
is "$(cat hello.txt)" "hello" "the person can merge the branch"
done_testing
