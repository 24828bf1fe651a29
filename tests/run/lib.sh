# tests/run/lib.sh — helpers for end-to-end tests of `claw run` against
# tests/mockllm, through the real binary, real SQLite and the real sandbox.
#
# Sourced by tests/run/*.sh after tests/cli/lib.sh's helpers (fresh
# CLAW_HOME, run/is/like/ok, done_testing).  Adds:
#   mock_start FILE      start mockllm on a free loopback port with the
#                        scenario FILE, its request log in $tmp/mock.log, and
#                        point claw at it (anthropic API, model "mock-model")
#   mock_stop            stop it (by PID; also done at exit)
#   mock_requests        number of requests mockllm received
#   mock_bodies          the request bodies, one JSON per line
#   project              register $tmp/p and cd into it
#   sql QUERY            run QUERY on the project's db with the sqlite3 shell
#   new_issue TITLE      open an issue, print its id
# and exports CLAW_AUTO_MERGE=1 (see below).

. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

MOCKLLM="${MOCKLLM:-$(dirname "$CLAW_BIN")/tests/mockllm/mockllm}"
# Every run ends at the review gate (SPEC 9); the tests that are not about
# it have the change accepted (in place) or merged at once.  The review
# tests unset this.
export CLAW_AUTO_MERGE=1
mock_pid=
trap 'mock_stop; rm -rf "$tmp"' EXIT

mock_start() { # scenario-file
	rm -f "$tmp/mock.port" "$tmp/mock.log"
	"$MOCKLLM" --scenario "$1" --listen 127.0.0.1:0 --port-file "$tmp/mock.port" \
		--log "$tmp/mock.log" --expect-key test-key >/dev/null 2>"$tmp/mock.err" &
	mock_pid=$!
	i=0
	while [ ! -s "$tmp/mock.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -s "$tmp/mock.port" ]; then
		echo "Bail out! mockllm did not start: $(cat "$tmp/mock.err")"
		exit 1
	fi
	export CLAW_AGENT=anthropic
	export CLAW_BASE_URL="http://127.0.0.1:$(cat "$tmp/mock.port")"
	export ANTHROPIC_API_KEY=test-key
	export CLAW_MODEL=mock-model
}

mock_stop() {
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null
		wait "$mock_pid" 2>/dev/null
		mock_pid=
	fi
}

mock_requests() {
	if [ -f "$tmp/mock.log" ]; then wc -l <"$tmp/mock.log" | tr -d ' '; else echo 0; fi
}

project() {
	mkdir -p "$tmp/p"
	"$CLAW_BIN" -c "$tmp/p" -q >/dev/null || {
		echo "Bail out! cannot register the project"
		exit 1
	}
	cd "$tmp/p" || exit 1
	key=$(pwd -P | sed -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' -e 's/^-//' -e 's/-$//')
	db="$CLAW_HOME/projects/$key.db"
}

sql() {
	sqlite3 -batch -noheader "$db" "$1"
}

new_issue() { # title [description]
	"$CLAW_BIN" -i "$1" -d "${2:-}" >/dev/null || {
		echo "Bail out! cannot open an issue"
		exit 1
	}
	sql "SELECT MAX(id) FROM issues"
}

# How many requests of the log contain the string $1 in their body.
mock_count() {
	if [ -f "$tmp/mock.log" ]; then grep -c -F -- "$1" "$tmp/mock.log"; else echo 0; fi
}

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP no sqlite3 shell"
	exit 0
fi

# Stores spec (JSON text without single quotes) as the approved solver v1
# of issue $1, so a run skips generate.
approved_solver() { # issue-id spec
	sql "INSERT INTO solvers (issue_id, version, spec, status, decided_by, created_at, decided_at)
	     VALUES ($1, 1, '$2', 'approved', 'test', 0, 0)"
}

# Runs claw run with stdin from $1 (a file, or /dev/null) into $out/$err/$rc.
claw_run() { # stdin-file args...
	input=$1
	shift
	"$CLAW_BIN" run "$@" <"$input" >"$tmp/.out" 2>"$tmp/.err"
	rc=$?
	out=$(cat "$tmp/.out")
	err=$(cat "$tmp/.err")
}

# Number of requests whose body holds both $1 and $2.
mock_count2() {
	if [ -f "$tmp/mock.log" ]; then grep -F -- "$1" "$tmp/mock.log" | grep -c -F -- "$2"; else echo 0; fi
}
