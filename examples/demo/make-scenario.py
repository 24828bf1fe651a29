#!/usr/bin/env python3
# make-scenario.py — writes scenario.json, the demo model of claw (see README.md).
#
# scenario.json is the file claw uses; this script is only how it is written,
# because the solver appears in it twice (the draft's artifact and the spec
# param), JSON-escaped, and must be byte-identical.  Edit here, run
# `python3 examples/demo/make-scenario.py`, then `make check` (tests/run/demo.sh).

import json
import os

ISSUE = "Support subtraction"
CALC_NEW = """#!/bin/sh
# calc.sh — a tiny calculator: calc.sh NUMBER OP NUMBER
# The demo project of claw: it has one open issue (subtraction is missing).
set -eu
if [ $# -ne 3 ]; then
	echo "usage: calc.sh A OP B" >&2
	exit 2
fi
case "$2" in
+) echo $(($1 + $3)) ;;
-) echo $(($1 - $3)) ;;
'*' | x) echo $(($1 * $3)) ;;
*)
	echo "calc.sh: unknown operator $2" >&2
	exit 2
	;;
esac
"""

SOLVER = {
 "name": "SubtractionSolver",
 "summary": "Add the - operator to calc.sh next to +, proven by test.sh (whose 7 - 3 check fails today) and by direct examples.",
 "steps": [
  {"name": "implement", "agent": "worker",
   "goal": "calc.sh has no - operator: its case \"$2\" statement handles +, '*' and x, and anything else exits 2 with \"calc.sh: unknown operator\". Add a branch for - right after the + line, in the same style: -) echo $(($1 - $3)) ;; Change nothing else in calc.sh (the usage message, the other operators, set -eu). test.sh already checks 7 - 3 = 4 (check 4 7 - 3), which fails without the change: do not edit test.sh. Then run the suite and record it as evidence with artifact {\"label\": \"tests\", \"command\": \"sh test.sh\"}.",
   "tools": ["read_file", "write_file", "bash", "artifact"],
   "critic": "works", "max_rounds": 2},
  {"name": "verify", "agent": "worker",
   "goal": "Prove the issue is solved, without changing any file. Record the whole suite as evidence with artifact {\"label\": \"suite\", \"command\": \"sh test.sh\"}: it must exit 0 with every line ok, 7 - 3 = 4 included. Record subtraction beyond the test with artifact {\"label\": \"examples\", \"command\": \"sh calc.sh 10 - 4; sh calc.sh 2 - 5; sh calc.sh 2 + 3\"}: expected 6, -3 and 5, one per line.",
   "tools": ["bash", "read_file", "artifact"],
   "critic": "proven", "back_to": "implement"}
 ],
 "critics": {
  "works": "1. calc.sh has a - branch computing $1 - $3, and its +, '*'/x and unknown-operator branches are unchanged (read calc.sh).\n2. test.sh still checks 7 - 3 = 4.\n3. The evidence \"tests\" (sh test.sh) shows every check ok, 7 - 3 = 4 included, and no FAIL line.",
  "proven": "1. The evidence \"suite\" is a run of sh test.sh with every check ok (7 - 3 = 4 included), no FAIL line and no exit marker.\n2. The evidence \"examples\" prints 6, -3 and 5 in that order.\nRe-run the evidence with rerun_evidence rather than trusting it."
 }
}
SOLVER_TEXT = json.dumps(SOLVER, ensure_ascii=False)

UNDERSTANDING = """## Project
calc: a calculator in POSIX shell. `sh calc.sh A OP B` prints the result of one operation; README.md describes it.

## Build and test
Nothing to build. `sh test.sh` runs three checks (2 + 3, 2 x 3, 7 - 3) and exits 0 only when all pass. Baseline (evidence "baseline"): 2 + 3 and 2 x 3 pass, 7 - 3 fails, the suite exits 1.

## Where the issue lives
calc.sh, the `case "$2"` statement: it has branches for + and for '*' | x; anything else exits 2 with "calc.sh: unknown operator". `sh calc.sh 7 - 3` reproduces the bug (exit 2).

## Acceptance criteria
1. `sh calc.sh 7 - 3` prints 4 and exits 0.
2. `sh test.sh` exits 0 with all three checks passing.
3. + and x behave as before.

## Plan (cycles)
1. Add `-) echo $(($1 - $3)) ;;` after the + branch of calc.sh; prove it with `sh test.sh` (its 7 - 3 check already fails without the change, so no new test is needed).

## Risks
Small: one new case branch. test.sh covers all three operators; `set -eu` stays."""

ASSESSMENT = """Size: simple (one branch in one shell script; the test that proves it exists already).
Recommended steps:
1. implement: add the - branch to calc.sh; evidence: `sh test.sh` (label tests), every check ok.
2. verify: change nothing; evidence: `sh test.sh` (label suite) and direct examples `sh calc.sh 10 - 4; sh calc.sh 2 - 5; sh calc.sh 2 + 3` (label examples), expecting 6, -3, 5; back_to implement."""

def usage(i, o, c=0):
    return {"in": i, "out": o, "cached": c}

def step(name):
    return "## Your step: " + name

def judge(name):
    return 'Judge the work of step \\"%s\\"' % name   # as in the raw (JSON-escaped) body

R = []
def add(match, delay=600, **kw):
    r = {"match": match, "times": 0, "delay_ms": delay}
    r.update(kw)
    R.append(r)

# ---------------------------------------------------------------- generate
# understand: look, reproduce, baseline evidence, understanding, report
add({"user": "Carry out step understand", "any": ISSUE},
    text="I start by reading the project: its files, the script and its tests.",
    tool_calls=[{"name": "list_files", "input": {"path": "."}},
                {"name": "read_file", "input": {"path": "README.md"}},
                {"name": "read_file", "input": {"path": "calc.sh"}},
                {"name": "read_file", "input": {"path": "test.sh"}}],
    usage=usage(3900, 120))
add({"user": "\"baseline\" (evidence, ", "any": step("understand")},
    text="The baseline confirms it: 7 - 3 fails, the rest passes. Writing down what I found.",
    delay=1200, tool_calls=[{"name": "artifact", "input": {"label": "understanding", "text": UNDERSTANDING}}],
    usage=usage(5200, 520, 3800))
add({"user": "check 4 7 - 3", "any": step("understand")},
    text="calc.sh's case statement has + and x but no -, and test.sh checks 7 - 3. Let me reproduce the failure.",
    tool_calls=[{"name": "bash", "input": {"command": "sh calc.sh 7 - 3"}}],
    usage=usage(4600, 90, 3800))
add({"user": "unknown operator -", "any": step("understand")},
    text="Reproduced: calc.sh rejects - as an unknown operator. Now the baseline of the test suite, as evidence.",
    tool_calls=[{"name": "artifact", "input": {"label": "baseline", "command": "sh test.sh"}}],
    usage=usage(4800, 80, 4500))
add({"user": "\"understanding\" (text, ", "any": step("understand")},
    text="The issue is one missing branch in calc.sh's case statement; test.sh already checks 7 - 3 and fails today. The understanding artifact holds the acceptance criteria and a one-cycle plan.",
    usage=usage(5900, 70, 5200))
add(delay=400, match={"user": "Write the baton", "any": step("understand")},
    text="Read calc.sh, test.sh and README.md; reproduced the bug (sh calc.sh 7 - 3 exits 2); recorded the baseline (sh test.sh fails on 7 - 3) and the understanding. Nothing was changed. Watch out: test.sh already covers -, so no new test is needed.",
    usage=usage(6000, 80, 5900))

# assess
add({"user": "Carry out step assess", "any": ISSUE},
    text="This is a one-line change with an existing test: simple.",
    tool_calls=[{"name": "artifact", "input": {"label": "assessment", "text": ASSESSMENT}}],
    usage=usage(3400, 230))
add({"user": "\"assessment\" (text, ", "any": step("assess")},
    text="Simple: two steps, implement (evidence: sh test.sh) and verify (evidence: sh test.sh and direct examples).",
    usage=usage(3700, 40, 3400))
add(delay=400, match={"user": "Write the baton", "any": step("assess")},
    text="Assessed simple: two steps, implement then verify. The assessment artifact names the evidence each critic should demand.",
    usage=usage(3800, 40, 3700))

# draft (critic solverReview), params for save
add({"user": "Carry out step draft", "any": ISSUE},
    text="Two steps, as assessed: implement with the exact branch to add, verify with the suite and direct examples, back to implement on failure.",
    delay=1500, tool_calls=[{"name": "artifact", "input": {"label": "solver", "text": SOLVER_TEXT}}],
    usage=usage(9800, 760))
add({"user": "\"solver\" (text, ", "any": step("draft")},
    text="Recorded the solver SubtractionSolver: implement (critic works) and verify (critic proven, back_to implement).",
    usage=usage(10700, 40, 9800))
add({"user": "needs a value from you: name", "any": step("draft")},
    text="SubtractionSolver", usage=usage(10800, 8, 10700))
add({"user": "needs a value from you: spec", "any": step("draft")},
    text=SOLVER_TEXT, usage=usage(10900, 750, 10800))

# the critic of draft checks a fact in the project, then accepts
add({"user": 'Judge the work of step "draft"', "any": ISSUE},
    text="Checking the facts the goals rely on: calc.sh's case statement.",
    tool_calls=[{"name": "read_file", "input": {"path": "calc.sh"}}],
    usage=usage(8200, 60))
add({"user": "usage: calc.sh A OP B", "any": judge("draft")},
    tool_calls=[{"name": "verdict", "input": {
        "decision": "accept", "rubric_item": "1-7",
        "fact": "calc.sh has the case \"$2\" statement with + and '*' | x branches the implement goal names; test.sh holds check 4 7 - 3; both steps record evidence by command and their rubrics demand it by label; verify goes back_to implement.",
        "reason": "Running this solver will add - to calc.sh and prove it with the project's own suite and direct examples."}}],
    usage=usage(9100, 150, 8200))

# ---------------------------------------------------------------- the solver
# implement: read, ask a person, write, evidence, report
add({"user": "Carry out step implement", "any": ISSUE},
    text="First I read calc.sh.",
    tool_calls=[{"name": "read_file", "input": {"path": "calc.sh"}}],
    usage=usage(2600, 40))
add({"user": "$ sh test.sh", "any": judge("implement")},
    tool_calls=[{"name": "verdict", "input": {
        "decision": "accept", "rubric_item": "1-3",
        "fact": "calc.sh has -) echo $(($1 - $3)) ;; right after the + branch, the other branches are unchanged; re-running the evidence \"tests\" gives ok for 2 + 3, 2 x 3 and 7 - 3 and no FAIL line.",
        "reason": "Subtraction works and the suite passes."}}],
    usage=usage(4300, 120, 3100))
add({"user": "usage: calc.sh A OP B", "any": step("implement")},
    text="The fix is clear: a - branch next to +. One thing I would rather not decide alone:\n[question] calc.sh accepts x as a spelling of *. Should it also accept the word \"minus\" for -? I will add - in any case; tell me if you want more than that.",
    usage=usage(3200, 70, 2600))
add({"user": "the agent asks a question", "any": ISSUE},
    text="ESCALATE", usage=usage(1900, 4))
add({"user": "Answer to your question:", "any": step("implement")},
    text="Thank you. I add - now, which is what the issue asks; anything more (such as a spelling like \"minus\") is better as an issue of its own, so this change stays small.",
    tool_calls=[{"name": "write_file", "input": {"path": "calc.sh", "content": CALC_NEW}}],
    usage=usage(3500, 260, 3200))
add({"user": "bytes to calc.sh", "any": step("implement")},
    text="Written. Now the suite, recorded as evidence.",
    tool_calls=[{"name": "artifact", "input": {"label": "tests", "command": "sh test.sh"}}],
    usage=usage(3800, 50, 3500))
add({"user": "\"tests\" (evidence, ", "any": step("implement")},
    text="Added the - branch to calc.sh (-) echo $(($1 - $3)) ;;), nothing else changed. Evidence \"tests\": sh test.sh passes all three checks, 7 - 3 = 4 included.",
    usage=usage(4100, 60, 3800))
add(delay=400, match={"user": "Write the baton", "any": step("implement")},
    text="calc.sh now has a - branch after +; test.sh is unchanged and passes (evidence \"tests\"). Only calc.sh was touched.",
    usage=usage(4200, 40, 4100))
add({"user": 'Judge the work of step "implement"', "any": ISSUE},
    text="I read calc.sh and re-run the evidence rather than trusting it.",
    tool_calls=[{"name": "read_file", "input": {"path": "calc.sh"}},
                {"name": "rerun_evidence", "input": {"label": "tests"}}],
    usage=usage(3100, 60))

# verify: evidence only
add({"user": "Carry out step verify", "any": ISSUE},
    text="Recording the suite and direct examples as evidence.",
    tool_calls=[{"name": "artifact", "input": {"label": "suite", "command": "sh test.sh"}},
                {"name": "artifact", "input": {"label": "examples", "command": "sh calc.sh 10 - 4; sh calc.sh 2 - 5; sh calc.sh 2 + 3"}}],
    usage=usage(2900, 90))
add({"user": "\"examples\" (evidence, ", "any": step("verify")},
    text="Verified without changing anything: sh test.sh passes every check (evidence \"suite\"), and sh calc.sh prints 6 for 10 - 4, -3 for 2 - 5 and 5 for 2 + 3 (evidence \"examples\").",
    usage=usage(3400, 70, 2900))
add({"user": 'Judge the work of step "verify"', "any": ISSUE},
    text="Re-running the suite myself.",
    tool_calls=[{"name": "rerun_evidence", "input": {"label": "suite"}}],
    usage=usage(3000, 30))
add({"user": "$ sh test.sh", "any": judge("verify")},
    tool_calls=[{"name": "verdict", "input": {
        "decision": "accept", "rubric_item": "1-2",
        "fact": "Re-running \"suite\" gives ok for 2 + 3, 2 x 3 and 7 - 3 with no FAIL line; \"examples\" printed 6, -3 and 5.",
        "reason": "The issue is solved and proven by the project's own suite."}}],
    usage=usage(3500, 110, 3000))

# ---------------------------------------------------------------- fallbacks
add({"user": "## Situation:", "any": ISSUE}, text="accept", usage=usage(1900, 4))
add({"user": "Write the baton"}, text="Done; my artifacts hold the details.", usage=usage(3000, 12))
R.append({"times": 0, "fault": {"status": 400, "type": "invalid_request_error",
  "message": "claw demo model: no scripted reply for this request. The demo model plays one script, the demo issue \"Support subtraction\" of the calc project. To solve your own issues, configure a real model (ANTHROPIC_API_KEY, or OPENAI_API_KEY / CLAW_BASE_URL with CLAW_AGENT=openai, and CLAW_MODEL) and restart claw."}})

doc = {"replies": R}
def d(v): return json.dumps(v, ensure_ascii=False)
blocks = []
for r in R:
    head = []
    for k in ("match", "times", "delay_ms"):
        if k in r: head.append('"%s": %s' % (k, d(r[k])))
    lines = ["{" + ", ".join(head)]
    for k, v in r.items():
        if k in ("match", "times", "delay_ms"): continue
        if k == "tool_calls":
            lines.append('"tool_calls": [' + (",\n    ".join(d(c) for c in v)) + ']')
        else:
            lines.append('"%s": %s' % (k, d(v)))
    blocks.append("  " + ",\n  ".join(lines).replace("\n  \"", "\n   \"") + "}")
out = '{"replies": [\n' + ",\n".join(blocks) + "\n]}\n"
json.loads(out)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'scenario.json'), 'w').write(out)
print(len(R), "replies")
