#!/bin/sh
# bench/turn.sh — claw's own CPU per model turn, against an instant scripted
# model, as one step's conversation grows (issue 15; docs/BENCHMARKS.md
# "turn").
#
#   bench/turn.sh [-b BUILD_DIR] [-n "1 50 500 2000"] [-s]
#
# For each N: a fresh CLAW_HOME and project with N small files, an issue
# whose approved solver has one step (read_file only), and mockllm
# answering at once: N-1 replies that each read another file (distinct
# paths, so no guard sees a repeat), then "Done."; the supervisor's
# "should it go on?" every 50 turns is answered `accept`.  `claw run`
# runs it to the end; its user+system CPU (and its time in all, which
# includes waiting for mockllm) is read by /usr/bin/time.  The per-turn
# figure at N is (cpu(N) - cpu(1)) / (N - 1): what one more turn
# costs, the run's fixed start and end taken out.  Target: at most 0.5 ms,
# and flat (the 2000-turn figure at most 1.2x the 50-turn one).
# With -s, each run is also traced with strace for its sleeps (SQLite's
# busy waits sleep in clock_nanosleep/nanosleep): their count is printed.
# TURN_WRAP, when set, goes before `claw run` (a profiler: "perf record -g
# -o /tmp/turn.perf").  Needs a build without sanitizers (default
# build-rel), /usr/bin/time.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-rel"
sizes="1 50 500 2000"
sleeps=0
while getopts b:n:s o; do
	case $o in
	b) build=$OPTARG ;;
	n) sizes=$OPTARG ;;
	s) sleeps=1 ;;
	*) exit 2 ;;
	esac
done
bench=turn
. "$top/bench/lib.sh"

one() { # N: prints "N cpu_seconds wall_seconds sleeps"
	n=$1 dir=$tmp/n$n
	mkdir -p "$dir/p" "$dir/home"
	export CLAW_HOME="$dir/home" HOME="$dir"
	{
		echo '{"replies": ['
		echo ' {"match": {"any": "Should it go on"}, "text": "accept", "times": 0},'
		k=1
		while [ $k -lt "$n" ]; do
			f=f$(letters $k).txt
			echo "x" >"$dir/p/$f"
			echo " {\"match\": {\"any\": \"Carry out step work\"}, \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": \"$f\"}}]},"
			k=$((k + 1))
		done
		echo ' {"match": {"any": "Carry out step work"}, "text": "Done."}'
		echo ']}'
	} >"$dir/scenario.json"
	mock_up "$dir/scenario.json" "$dir"
	export CLAW_STEP_TURNS=100000
	(cd "$dir/p" && "$claw" -c . -q >/dev/null && "$claw" -i "Read them all" >/dev/null)
	db=$(ls "$CLAW_HOME"/projects/*.db)
	sqlite3 "$db" "INSERT INTO solvers (issue_id, version, spec, status, decided_by, created_at,
		decided_at) VALUES (1, 1, '{\"name\":\"Reader\",\"steps\":[{\"name\":\"work\",
		\"goal\":\"Read every file.\",\"tools\":[\"read_file\"]}]}', 'approved', 'bench', 0, 0)"
	if [ "$sleeps" = 1 ]; then
		(cd "$dir/p" && strace -f -qq -e trace=nanosleep,clock_nanosleep -o "$dir/strace" \
			/usr/bin/time -f '%U %S %e' -o "$dir/time" "$claw" run 1 </dev/null >"$dir/out" 2>&1)
		slept=$(grep -c 'nanosleep' "$dir/strace" || true)
	else
		# shellcheck disable=SC2086 # TURN_WRAP: a profiler's words, e.g. "perf record -g"
		(cd "$dir/p" && /usr/bin/time -f '%U %S %e' -o "$dir/time" ${TURN_WRAP:-} "$claw" run 1 \
			</dev/null >"$dir/out" 2>&1)
		slept=-
	fi
	mock_down
	grep -q "done" "$dir/out" || {
		echo "turn: the run of $n turns did not finish:" >&2
		tail -5 "$dir/out" >&2
		exit 1
	}
	echo "$n $(awk '{print $1 + $2, $3}' "$dir/time") $slept"
}

base=
for n in $sizes; do
	set -- $(one "$n")
	if [ "$n" = 1 ]; then
		base=$2
		echo "1 turn: $2 s of CPU (the run's fixed cost), $3 s in all, sleeps $4"
		continue
	fi
	per=$(awk -v c="$2" -v b="${base:-0}" -v n="$n" 'BEGIN { printf "%.3f", (c - b) * 1000 / (n - 1) }')
	echo "$n turns: $2 s of CPU, $per ms per turn; $3 s in all; sleeps $4"
done
