#!/bin/sh
# The demo model (examples/demo/scenario.json, what tools/up serves when no
# model is configured) really solves the demo issue in a copy of
# examples/calc, through the real engine: generate (understand, assess, draft
# under its critic, save), the approval gate, a solver whose steps have
# critics and evidence, one [question] escalated to the person (answered here
# with arbitrary text), done, and test.sh passes afterwards.  Another issue
# fails at once with the demo model's explanation.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"
unset CLAW_AUTO_MERGE # this test answers the review gate itself

demo="$CLAW_SRCDIR/examples/demo"
title=$(sed -n 1p "$demo/issue.txt")
desc=$(sed -n '2,$p' "$demo/issue.txt")

# The project, as tools/up prepares it: a git repository, so the run works
# in its own worktree and its change is merged at the review gate.
cp -R "$CLAW_SRCDIR/examples/calc" "$tmp/calc"
chmod -R u+w "$tmp/calc"
(cd "$tmp/calc" && git init -q && git add -A &&
	git -c user.name=claw -c user.email=claw@localhost commit -qm "calc: initial")
"$CLAW_BIN" -c "$tmp/calc" -q >/dev/null || {
	echo "Bail out! cannot register the demo project"
	exit 1
}
cd "$tmp/calc" || exit 1
key=$(pwd -P | sed -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' -e 's/^-//' -e 's/-$//')
db="$CLAW_HOME/projects/$key.db"
id=$(new_issue "$title" "$desc")
sh test.sh >/dev/null 2>&1
is "$?" 1 "before the run, test.sh fails (subtraction is missing)"

# The scenario as shipped, without its pacing (delay_ms is for people
# watching the dashboard; it changes nothing else).
sed 's/, "delay_ms": [0-9]*//' "$demo/scenario.json" >"$tmp/scenario.json"
mock_start "$tmp/scenario.json"
replies=$(grep -c '"times": 0' "$demo/scenario.json")

printf 'y\n%s\ny\n' 'Surprise me: 42% "quoted", \back\slash' >"$tmp/answers"
claw_run "$tmp/answers" "$id"
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done, merged " "the run ends done, its change merged"
like "$err" "Merge into " "after the review gate"
is "$(git log -1 --format=%s)" "$title (#$id)" "as one commit in the project"
like "$err" "Run this solver? [y/N/e(dit feedback)]" "the solver went through the approval gate"
like "$err" "SubtractionSolver" "the approval showed the generated solver"
sh test.sh >"$tmp/test.out" 2>&1
is "$?" 0 "afterwards test.sh passes in the project copy"
like "$(cat "$tmp/test.out")" "ok   7 - 3 = 4" "subtraction really works"
is "$(sh calc.sh 2 - 5)" "-3" "and with a negative result"
is "$(sql "SELECT status FROM runs WHERE id = 1") $(sql "SELECT status FROM issues WHERE id = $id")" \
	"done done" "run and issue are done"

# The whole flow is in the journal.
is "$(sql "SELECT group_concat(json_extract(data, '$.name'), ' ') FROM trace WHERE type IN ('workflow', 'step') AND phase = 'enter' ORDER BY seq")" \
	"generate understand assess draft save SubtractionSolver implement verify" \
	"generate's four steps, then the solver's two"
is "$(sql "SELECT version || ' ' || status || ' ' || decided_by FROM solvers")" "1 approved console" \
	"the generated solver was stored and approved by the person"
is "$(sql "SELECT group_concat(json_extract(data, '$.message'), '|') FROM trace WHERE type = 'note' AND json_extract(data, '$.action') = 'verdict' ORDER BY seq")" \
	"accept: Running this solver will add - to calc.sh and prove it with the project's own suite and direct examples.|accept: Subtraction works and the suite passes.|accept: The issue is solved and proven by the project's own suite." \
	"three critics judged (draft, implement, verify) and accepted"
is "$(sql "SELECT group_concat(json_extract(data, '$.label') || '=' || json_extract(data, '$.source'), ' ') FROM trace WHERE type = 'artifact' AND json_extract(data, '$.kind') = 'evidence' ORDER BY seq")" \
	"baseline=sh test.sh tests=sh test.sh suite=sh test.sh examples=sh calc.sh 10 - 4; sh calc.sh 2 - 5; sh calc.sh 2 + 3" \
	"evidence recorded by command: the baseline, the tests, the suite, examples"
like "$(sql "SELECT json_extract(data, '$.value') FROM trace WHERE type = 'artifact' AND json_extract(data, '$.label') = 'baseline'")" \
	"FAIL 7 - 3" "the baseline evidence shows the failure before the change"
like "$(sql "SELECT json_extract(data, '$.value') FROM trace WHERE type = 'artifact' AND json_extract(data, '$.label') = 'suite'")" \
	"ok   7 - 3 = 4" "the suite evidence shows it fixed"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'artifact' AND json_extract(data, '$.kind') = 'file' AND json_extract(data, '$.label') = 'calc.sh'")" \
	"1" "calc.sh was written by the implement step"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'question' AND json_extract(data, '$.kind') = 'question'")" \
	"1" "one question reached the person"
like "$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note' AND json_extract(data, '$.message') LIKE '%ESCALATE%'")" \
	"ESCALATE" "after the supervisor escalated it"
is "$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'answer' AND json_extract(data, '$.decision') = ''")" \
	'Surprise me: 42% "quoted", \back\slash' "the arbitrary answer is traced as given"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'handoff'")" "3" "handoffs before assess, draft and verify"
# Every request got its own scripted reply: none of the three fallbacks at
# the end of the scenario (supervisor accept, generic baton, the fault).
fallback=$(grep -o '"reply":[0-9]*' "$tmp/mock.log" | sed 's/.*://' |
	awk -v first=$((replies - 3)) '$1 >= first' | wc -l | tr -d ' ')
is "$fallback" "0" "no request fell through to a fallback reply"
is "$(grep -c '"reply":null' "$tmp/mock.log")" "0" "and none went unanswered"

# Another issue: the demo model says what it is, at once.
id2=$(new_issue "Add division")
claw_run /dev/null "$id2" --yes
is "$rc" 1 "another issue fails under the demo model"
like "$out$err" "claw demo model: no scripted reply for this request" "with the demo model's explanation"
like "$out$err" "configure a real model" "and how to configure a real one"
is "$(sql "SELECT status FROM issues WHERE id = $id2")" "open" "that issue stays open"
done_testing
