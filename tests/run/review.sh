#!/bin/sh
# The review gate from the terminal (SPEC section 9, issue 14): merge from
# `claw run` (one commit "<title> (#N)" with the trailers, worktree and
# branch gone); a parked gate answered with `claw review`; a merge refused
# for a dirty path and for a conflict, naming the path and changing
# nothing; discard; changes sent back to the step (its next prompt holds
# the review) and the run back at the gate with a new diff; --merge; and a
# merge interrupted by a crash at each of its two points, finished or
# undone from the journal, never half; a failed run discarded.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"
unset CLAW_AUTO_MERGE # this test answers the review gate itself

project
git init -q -b main . && printf '1\n2\n3\n' >a.txt && git add -A &&
	git -c user.name=t -c user.email=t@t commit -q -m base
run project set isolation=worktree
is "$rc" 0 "worktree isolation"
gitc() { git -c user.name=t -c user.email=t@t "$@"; }

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step one"},
  "tool_calls": [{"name": "bash", "input": {"command": "sed -i 1s/.*/ONE/ a.txt && echo did-one"}}]},
 {"match": {"user": "did-one"}, "text": "Changed the first line of a.txt to ONE."},
 {"match": {"user": "Carry out step two"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo b > b.txt && echo did-two"}}]},
 {"match": {"user": "did-two"}, "text": "Added b.txt."},
 {"match": {"user": "Carry out step three"},
  "tool_calls": [{"name": "bash", "input": {"command": "sed -i 1s/.*/THREE/ a.txt && echo did-three"}}]},
 {"match": {"user": "did-three"}, "text": "Changed a.txt."},
 {"match": {"user": "Carry out step four"},
  "tool_calls": [{"name": "bash", "input": {"command": "printf 'c\\nsecond\\n' > c.txt && echo did-four"}}]},
 {"match": {"user": "did-four"}, "text": "Added c.txt."},
 {"match": {"user": "requested changes"},
  "tool_calls": [{"name": "bash", "input": {"command": "printf 'c\\nSECOND\\n' > c.txt && echo did-rework"}}]},
 {"match": {"user": "did-rework"}, "text": "Made the second line upper case."},
 {"match": {"user": "Carry out step check"}, "text": "Checked."},
 {"match": {"user": "Step four was reworked"}, "text": "Checked again."},
 {"match": {"user": "Carry out step five"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo d > d.txt && echo did-five"}}]},
 {"match": {"user": "did-five"}, "text": "Added d.txt."},
 {"match": {"user": "Carry out step six"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo e > e.txt && echo did-six"}}]},
 {"match": {"user": "did-six"}, "text": "Added e.txt."},
 {"match": {"user": "Carry out step seven"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo f > f.txt && echo did-seven"}}]},
 {"match": {"user": "did-seven"}, "text": "Added f.txt."},
 {"match": {"user": "Carry out step boom"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo half > half.txt && echo did-boom"}}]},
 {"match": {"user": "did-boom"}, "fault": {"status": 400, "message": "the model gave up"}}
]}
JSON
mock_start "$tmp/scenario.json"
solver() { # issue step [more steps JSON]
	approved_solver "$1" "{\"name\":\"S$1\",\"steps\":[{\"name\":\"$2\",\"goal\":\"Do $2.\",\"tools\":[\"bash\",\"write_file\"]}${3:-}]}"
}
status() { sql "SELECT r.status || ' ' || i.status FROM runs r JOIN issues i ON i.id = r.issue_id WHERE r.id = $1"; }
branch_gone() { # run issue: 0 when neither the branch nor the worktree folder is left
	! git rev-parse -q --verify "claw/issue-$2-run-$1" >/dev/null &&
		[ ! -d "$CLAW_HOME/worktrees/$key/run-$1" ]
}

# 1. Merge from the terminal.
id=$(new_issue "Shout the first line")
solver "$id" one
printf 'y\n' >"$tmp/yes"
claw_run "$tmp/yes" "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done, merged " "merged"
is "$(cat a.txt | head -1)" "ONE" "the change is in the folder"
is "$(git log -1 --format=%s)" "Shout the first line (#1)" "one commit: the issue's title and number"
like "$(git log -1 --format=%b)" "Changed the first line of a.txt to ONE." "its body: the solver's summary"
is "$(git log -1 --format='%(trailers:key=Claw-Issue,valueonly)%(trailers:key=Claw-Run,valueonly)' | tr -d '\n')" \
	"11" "and the trailers"
is "$(git log --format=%s | wc -l | tr -d ' ')" "2" "no step commits on main, only the one"
is "$(git status --porcelain)" "" "the folder is clean after the merge"
branch_gone 1 "$id"
ok $? "worktree and branch removed"
is "$(status 1)" "done done" "run and issue done"

# 2. Parked at the gate; a merge refused for a dirty path, then done.
id=$(new_issue "Add b")
solver "$id" two
claw_run /dev/null "$id"
is "$rc" 0 "end of input at the review gate: exit 0"
like "$out" "Run #2 waits at the review gate" "says where the run is"
is "$(status 2)" "running review" "the issue is in review"
echo mine >b.txt
head=$(git rev-parse HEAD)
run review 2 merge
is "$rc" 1 "a merge over an uncommitted change in a touched path is refused"
like "$err" "uncommitted changes in paths the run changed: b.txt" "naming the path"
is "$(cat b.txt) $(git rev-parse HEAD)" "mine $head" "nothing changed"
is "$(status 2)" "running review" "the gate stays open"
rm b.txt
run review 2 merge
is "$rc" 0 "merged once the path is clean"
like "$out" "run #2: merge by console: merged " "says so"
is "$(cat b.txt)" "b" "the change landed"
is "$(status 2)" "done done" "run and issue done"
run review 2 merge
is "$rc" 1 "a second answer"
like "$err" "not waiting at a review gate" "is refused"

# 3. A conflict, then discard.
id=$(new_issue "Other first line")
solver "$id" three
claw_run /dev/null "$id"
sed -i 1s/.*/MINE/ a.txt && gitc commit -qam "mine"
head=$(git rev-parse HEAD)
run review 3 merge
is "$rc" 1 "a conflicting merge is refused"
like "$err" "conflicts with what $tmp/p gained since the run began, in: a.txt" "naming the path"
is "$(head -1 a.txt) $(git rev-parse HEAD) $(git status --porcelain)" "MINE $head " "nothing changed"
run review 3 discard
is "$rc" 0 "discard"
branch_gone 3 "$id"
ok $? "worktree and branch removed"
is "$(status 3)" "discarded open" "run discarded, issue open again"

# 4. Changes with a comment, the rework, and a merge.
id=$(new_issue "Add c")
solver "$id" four ',{"name":"check","goal":"Check it.","tools":[]}'
claw_run /dev/null "$id"
is "$(status 4)" "running review" "at the gate"
gate=$(sql "SELECT span_id FROM trace WHERE run_id = 4 AND type = 'question'")
run review 4 changes
is "$rc" 1 "changes without text"
like "$err" "changes needs text or comments" "is refused"
run review 4 changes -m "Make the second line upper case."
is "$rc" 0 "changes recorded"
like "$out" "the run works again when it is resumed" "says what happens next"
printf 'd\ny\n' >"$tmp/dy"
claw_run "$tmp/dy" "$id"
is "$rc" 0 "resumed: reworked and merged"
ok "$([ "$(mock_count2 'requested changes' 'Make the second line upper case.')" -ge 1 ]; echo $?)" \
	"the review reached the step's next prompt"
is "$(mock_count2 'Step four was reworked' 'Carry out step check')" "1" "the step after it was told to check again"
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = 4 AND type = 'question'")" "2" "back at the gate: a second round"
like "$err" "+SECOND" "the second round's diff has the rework"
is "$(cat c.txt | tr '\n' ' ')" "c SECOND " "the reworked change landed"
is "$(sql "SELECT json_extract(data, '$.to') FROM trace WHERE run_id = 4 AND type = 'back'")" "four" "traced as a back to the step"

# 5. --merge.
id=$(new_issue "Add d")
solver "$id" five
claw_run /dev/null "$id" --merge
is "$rc" 0 "claw run --merge"
is "$(git log -1 --format=%s) $(cat d.txt)" "Add d (#5) d" "merged without asking"
is "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = 5 AND type = 'question'")" "0" "no gate was raised"

# 6. A crash after the merge was journaled, before anything moved: undone,
# then the merge is made again.
id=$(new_issue "Add e")
solver "$id" six
claw_run /dev/null "$id"
old=$(git rev-parse HEAD)
new=$(gitc commit-tree "claw/issue-$id-run-6^{tree}" -p HEAD -m crashed)
sql "UPDATE runs SET landing = 'merging refs/heads/main $old $new' WHERE id = 6"
run review 6 merge
is "$rc" 0 "a merge left journaled is done"
is "$(git log -1 --format=%s) $(cat e.txt)" "Add e (#6) e" "afresh, as one commit"
is "$(git rev-parse HEAD~1)" "$old" "on top of where the branch was"

# 7. A crash after the files moved, before the branch: finished.
id=$(new_issue "Add f")
solver "$id" seven
claw_run /dev/null "$id"
old=$(git rev-parse HEAD)
new=$(gitc commit-tree "claw/issue-$id-run-7^{tree}" -p HEAD -m "Add f (#7)")
git read-tree -m -u "$old" "$new"
sql "UPDATE runs SET landing = 'merging refs/heads/main $old $new' WHERE id = 7"
run review 7 merge
is "$rc" 0 "a merge cut between files and branch"
is "$(git rev-parse HEAD)" "$new" "is finished: the branch is at the journaled commit"
is "$(git status --porcelain)" "" "files, index and branch agree"
is "$(sql "SELECT landing FROM runs WHERE id = 7")" "merged $new" "the journal says merged"
branch_gone 7 "$id"
ok $? "worktree and branch removed"

# 8. A failed run keeps its change for a look, until it is discarded.
id=$(new_issue "Fail halfway")
solver "$id" boom
claw_run /dev/null "$id"
is "$rc" 1 "the run fails"
is "$(cat "$CLAW_HOME/worktrees/$key/run-8/half.txt")" "half" "its worktree stays, with its work"
run review 8 merge
is "$rc" 1 "a failed run is not merged"
run review 8 discard
is "$rc" 0 "but can be discarded"
branch_gone 8 "$id"
ok $? "worktree and branch removed"
is "$(status 8)" "discarded open" "the run is discarded"
done_testing
