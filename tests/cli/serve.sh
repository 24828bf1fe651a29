#!/bin/sh
# claw serve's own help and its startup errors: each one a message and an
# exit status, never a crash (issue 13: every one of these used to end in a
# segfault while the half-made server was freed).
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

run serve --help
is "$rc" 0 "serve --help exits 0"
like "$out" "usage: claw serve" "and prints serve's own usage"
like "$out" "--allow-remote" "with every option of serve"

# serve_fails WANT_RC WANT_TEXT NAME ARGS...: claw serve exits at once.
serve_fails() {
	want_rc=$1 want=$2 name=$3
	shift 3
	run serve "$@"
	is "$rc" "$want_rc" "$name: exit $want_rc"
	like "$err" "claw serve: $want" "$name: says why"
}

serve_fails 1 "" "--listen bogus" --listen bogus
serve_fails 1 "0.0.0.0:0 is not a loopback address" "0.0.0.0 without --allow-remote" --listen 0.0.0.0:0
: >"$tmp/file"
serve_fails 1 "cannot stat $tmp/file/claw.sock: Not a directory" "a socket in a folder that cannot exist" \
	--listen "unix:$tmp/file/claw.sock"
serve_fails 1 "unknown group no-such-group-x" "an unknown --group" \
	--listen "unix:$tmp/g.sock" --group no-such-group-x
serve_fails 2 "unknown option --bogus" "an unknown option" --bogus
serve_fails 2 "--threads must be from 1" "--threads 0" --threads 0

# A socket another claw serve is listening on.
sock="$tmp/live.sock"
"$CLAW_BIN" serve --listen "unix:$sock" >"$tmp/first.out" 2>&1 &
first=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
serve_fails 1 "another server is listening on $sock" "a socket in use by a live server" --listen "unix:$sock"
test -S "$sock" && kill -0 "$first" 2>/dev/null
ok $? "the live server and its socket are left alone"
kill "$first" 2>/dev/null
wait "$first" 2>/dev/null

done_testing
