#!/bin/sh
# CLAW_MAX_RUNS=1 and three starts: the first executes, two are queued (the
# board and health say so), they run one after the other, all finish.  A
# queued run can be stopped (it fails at once, its issue reopens); a run
# stopped while executing fails "stopped by <user>"; close stops and closes.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

project
P=/api/projects/$key
SOLVER='{"name":"Wait","steps":[{"name":"waitstep","goal":"Wait a moment.","tools":[]}]}'
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Carry out step waitstep"}, "delay_ms": 600, "text": "Waited.", "times": 0},
 {"match": {"user": "Carry out step longstep"}, "delay_ms": 30000, "text": "Late.", "times": 0}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
CLAW_MAX_RUNS=1 CLAW_STOP_GRACE_S=2 serve_start

for n in 1 2 3; do
	eval "i$n=\$(new_issue \"Wait $n\")"
	eval "approved_solver \$i$n '$SOLVER'"
done
api POST "$P/issues/$i1/start"
is "$code $(jget '$.queued')" "202 0" "start 1: executes"
r1=$(jget '$.runId')
api POST "$P/issues/$i2/start"
is "$code $(jget '$.queued')" "202 1" "start 2: queued"
r2=$(jget '$.runId')
api POST "$P/issues/$i3/start"
is "$code $(jget '$.queued')" "202 1" "start 3: queued"
r3=$(jget '$.runId')
api POST "$P/issues/$i3/start"
is "$code" 409 "double start: 409"
api GET /api/health
is "$(jget '$.runs_active') $(jget '$.runs_queued')" "1 2" "health: 1 active, 2 queued"
api GET "$P/issues/$i3"
is "$(jget '$.status') $(jget '$.live') $(jget '$.runs[0].status')" "queued 1 queued" \
	"the issue shows queued and live"

all_done() {
	[ "$(sql "SELECT COUNT(*) FROM runs WHERE status = 'done'")" = 3 ]
}
wait_for 60 all_done
ok $? "all three runs finish"
is "$(sql "SELECT group_concat(status) FROM issues WHERE id IN ($i1, $i2, $i3)")" "done,done,done" \
	"all three issues done"
# One after the other: each run's first row comes after the previous ended.
overlap=0
for pair in "$r1 $r2" "$r2 $r3"; do
	set -- $pair
	ended=$(sql "SELECT ended_at FROM runs WHERE id = $1")
	first=$(sql "SELECT MIN(ts_ms) FROM trace WHERE run_id = $2")
	[ "$first" -ge "$ended" ] || overlap=1
done
is "$overlap" 0 "never two runs at once"

# Stops.
long='{"name":"Long","steps":[{"name":"longstep","goal":"Take long.","tools":[]}]}'
i4=$(new_issue "Long 4")
approved_solver "$i4" "$long"
i5=$(new_issue "Long 5")
approved_solver "$i5" "$long"
i6=$(new_issue "Long 6")
approved_solver "$i6" "$long"
api POST "$P/issues/$i4/start"
r4=$(jget '$.runId')
api POST "$P/issues/$i5/start"
r5=$(jget '$.runId')
api POST "$P/issues/$i6/start"
r6=$(jget '$.runId')
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -u bob:x -X POST -H 'Content-Type: application/json' \
	"$base$P/issues/$i6/stop")
is "$code" 202 "stop a queued run: 202"
is "$(sql "SELECT status || ': ' || reason FROM runs WHERE id = $r6")" "failed: stopped by bob" \
	"it fails at once, stopped by bob"
is "$(sql "SELECT status FROM issues WHERE id = $i6")" "open" "its issue reopens"
running4() { [ "$(sql "SELECT COUNT(*) FROM trace WHERE run_id = $r4 AND type = 'step'")" -ge 1 ]; }
wait_for 30 running4
code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -u carol:x -X POST -H 'Content-Type: application/json' \
	"$base$P/issues/$i4/stop")
is "$code" 202 "stop an executing run: 202"
failed4() { [ "$(sql "SELECT status FROM runs WHERE id = $r4")" = failed ]; }
wait_for 30 failed4
ok $? "it stops at the next safe point (the hanging model call is cut after its 2 s stop grace)"
is "$(sql "SELECT reason FROM runs WHERE id = $r4")" "stopped by carol" "stopped by carol"
is "$(sql "SELECT status FROM issues WHERE id = $i4")" "open" "its issue reopens"
running5() { [ "$(sql "SELECT status FROM runs WHERE id = $r5")" = running ]; }
wait_for 30 running5
ok $? "the queued run 5 got the slot"
api POST "$P/issues/$i5/close"
is "$code" 200 "close an issue with an executing run: 200"
closed5() {
	[ "$(sql "SELECT status FROM runs WHERE id = $r5")" = failed ] &&
		[ "$(sql "SELECT status FROM issues WHERE id = $i5")" = closed ]
}
wait_for 30 closed5
ok $? "its run is stopped and the issue stays closed"
api GET /api/health
is "$(jget '$.runs_active') $(jget '$.runs_queued')" "0 0" "nothing left"
serve_stop
is "$serve_rc" 0 "orderly stop"
done_testing
