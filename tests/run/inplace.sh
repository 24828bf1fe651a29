#!/bin/sh
# In-place isolation (SPEC section 9, issue 14): a run in a folder that is
# not a git repository works in the folder itself, checkpointed into a
# private repository in $CLAW_HOME (never the project): its change is shown
# (claw diff), files over 10 MiB are left out and named, .gitignore is
# honoured.  At the review gate: revert is refused, naming the file, when a
# file changed outside the run since its last checkpoint, and otherwise puts
# the folder back exactly (changed files restored, created ones and their
# new folders deleted, deleted ones back); a revert a crash cut short is
# finished; accept keeps the files; two runs never work in one folder at
# once; a failed run is reverted whole.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"
unset CLAW_AUTO_MERGE # this test answers the review gate itself

project
printf '1\n2\n3\n' >a.txt && printf 'gone soon\n' >c.txt && printf 'ignored/\n' >.gitignore
mkdir -p ignored && echo x >ignored/x
dd if=/dev/zero of=big.bin bs=1M count=11 2>/dev/null
snapshot() { find . -type f -print | sort | xargs sha256sum; }
before=$(snapshot)
is "$(sql "SELECT isolation FROM project")" "inplace" "a folder outside git is in place"

cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step edit"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo 4 >> a.txt && mkdir -p new/deep && echo b > new/deep/b.txt && rm c.txt && echo y > ignored/y && dd if=/dev/zero of=huge.bin bs=1M count=11 2>/dev/null; echo did-edit"}}]},
 {"match": {"user": "did-edit"}, "text": "Edited."},
 {"match": {"user": "Carry out step again"}, "times": 2,
  "tool_calls": [{"name": "bash", "input": {"command": "echo again > again.txt && echo did-again"}}]},
 {"match": {"user": "did-again"}, "text": "Again.", "delay_ms": 1500, "times": 2},
 {"match": {"user": "Carry out step third"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo third > third.txt && echo did-third"}}]},
 {"match": {"user": "did-third"}, "text": "Third."},
 {"match": {"user": "Carry out step boom"},
  "tool_calls": [{"name": "bash", "input": {"command": "echo half > half.txt && echo did-boom"}}]},
 {"match": {"user": "did-boom"}, "fault": {"status": 400, "message": "the model gave up"}}
]}
JSON
mock_start "$tmp/scenario.json"
solver() { # issue step
	approved_solver "$1" "{\"name\":\"S$1\",\"steps\":[{\"name\":\"$2\",\"goal\":\"Do $2.\",\"tools\":[\"bash\"]}]}"
}
status() { sql "SELECT r.status || ' ' || i.status FROM runs r JOIN issues i ON i.id = r.issue_id WHERE r.id = $1"; }

id=$(new_issue "Edit in place")
solver "$id" edit
claw_run /dev/null "$id"
is "$rc" 0 "parked at the review gate"
like "$err" "Keep this change? [a]ccept [r]evert [c]hanges [d]iff" "the in-place review prompt"
is "$(status 1)" "running review" "the issue is in review"
ok "$(test -d "$CLAW_HOME/projects/$key.checkpoints.git" && test ! -e .git; echo $?)" \
	"the checkpoints live in CLAW_HOME, not in the project"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'checkpoint'")" \
	"left out, over 10 MiB: big.bin" "the start checkpoint names the file it left out"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'commit'")" \
	"left out, over 10 MiB: huge.bin" "so does the step's"
run diff --stat 1
is "$out" "M a.txt +1 -0
D c.txt +0 -1
A new/deep/b.txt +1 -0
3 files changed, +2 -1" "claw diff: the run's change, without ignored or big files"
git --git-dir="$CLAW_HOME/projects/$key.checkpoints.git" worktree prune
run diff --stat 1
like "$out" "3 files changed" "a git worktree prune (a person's, or a gc's) leaves the run's checkpoints"

echo mine >>a.txt
run review 1 revert
is "$rc" 1 "revert over a file changed outside the run is refused"
like "$err" "files changed outside the run since its last checkpoint: a.txt" "naming it"
is "$(tail -1 a.txt) $(cat new/deep/b.txt)" "mine b" "nothing changed"
sed -i '$d' a.txt
run review 1 revert
is "$rc" 0 "revert"
rm huge.bin ignored/y # the run's, but never checkpointed: a revert leaves them
is "$(snapshot)" "$before" "the folder is back exactly as the run found it"
ok "$(test ! -e new; echo $?)" "the folders it created are gone"
is "$(status 1)" "discarded open" "run discarded, issue open"

# Accept.
id=$(new_issue "Again")
solver "$id" again
printf 'a\n' >"$tmp/accept"
claw_run "$tmp/accept" "$id"
is "$rc" 0 "accept from the terminal"
like "$out" "done, accepted" "says so"
is "$(cat again.txt) $(status 2)" "again done done" "the files stay; run and issue done"

# One run in the folder at a time; and a revert cut short is finished.
id3=$(new_issue "Third")
solver "$id3" third
rm again.txt
id4=$(new_issue "Fourth")
solver "$id4" again
"$CLAW_BIN" run "$id4" </dev/null >"$tmp/r4.out" 2>&1 &
pid4=$!
running4() { [ "$(sql "SELECT COUNT(*) FROM trace t JOIN runs r ON r.id = t.run_id WHERE r.issue_id = $id4 AND t.type = 'tool'")" -ge 1 ]; }
i=0
while ! running4 && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
claw_run /dev/null "$id3"
is "$rc" 1 "a second run in the same folder at once"
like "$out$err" "another run of this project is working in its folder" "is refused, saying why"
wait "$pid4"
r4=$(sql "SELECT id FROM runs WHERE issue_id = $id4")
is "$(status "$r4")" "running review" "the first one went on to its gate"
rm again.txt # a revert that a crash cut short: journaled, half done
sql "UPDATE runs SET landing = 'reverting' WHERE id = $r4"
run review "$r4" revert
is "$rc" 0 "a revert left half done is finished"
ok "$(test ! -e again.txt; echo $?)" "the run's file is gone"
is "$(sql "SELECT landing FROM runs WHERE id = $r4")" "reverted" "the journal says reverted"

# A failed run: its failing step's writes are checkpointed too, so a
# revert puts the folder back whole.
id5=$(new_issue "Fail in place")
solver "$id5" boom
claw_run /dev/null "$id5"
is "$rc" 1 "the run fails"
r5=$(sql "SELECT id FROM runs WHERE issue_id = $id5")
is "$(cat half.txt)" "half" "what its step wrote is there"
run review "$r5" revert
is "$rc" 0 "a failed run in place is reverted"
ok "$(test ! -e half.txt; echo $?)" "with what its failing step wrote"
is "$(status "$r5")" "discarded open" "the run is discarded"
done_testing
