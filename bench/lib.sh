# bench/lib.sh — what the shell benchmarks share (sourced after they set
# $build and $bench, their name): the binaries, a scratch folder removed at
# exit (kept with BENCH_KEEP=1), mockllm started and stopped by PID, and
# names made of letters only.

build=$(cd "$build" && pwd)
claw=$build/claw
mockllm=$build/tests/mockllm/mockllm
[ -x "$claw" ] && [ -x "$mockllm" ] || {
	echo "$bench: build claw and tests/mockllm/mockllm in $build first" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/claw-bench-$bench-XXXXXX")
mock_pid=
trap '[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; [ -z "${BENCH_KEEP:-}" ] && rm -rf "$tmp"' EXIT

# Starts mockllm on a free port with the scenario $1, its port file and
# stderr in folder $2, and any further flags (--log FILE to see what it
# was sent); points claw at it (anthropic, model $CLAW_MODEL or
# mock-model).
mock_up() { # scenario dir [flags...]
	scenario=$1 at=$2
	shift 2
	"$mockllm" "$@" --scenario "$scenario" --port-file "$at/port" >/dev/null 2>"$at/mock.err" &
	mock_pid=$!
	i=0
	while [ ! -s "$at/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	export CLAW_AGENT=anthropic CLAW_BASE_URL="http://127.0.0.1:$(cat "$at/port")"
	export ANTHROPIC_API_KEY=bench CLAW_MODEL="${CLAW_MODEL:-mock-model}" CLAW_AUTO_MERGE=1
}

mock_down() {
	kill "$mock_pid" 2>/dev/null
	wait "$mock_pid" 2>/dev/null || true
	mock_pid=
}

# The i-th name in letters only ("b", "c", ..., "ba"): the turn loop's guard
# reads a run of digits as one '#', so f1.txt and f2.txt would look like
# the same call repeated.
letters() { # i
	i=$1 s=
	while :; do
		s=$(printf "\\$(printf '%03o' $((97 + i % 26)))")$s
		i=$((i / 26))
		[ $i -eq 0 ] && break
	done
	echo "$s"
}
