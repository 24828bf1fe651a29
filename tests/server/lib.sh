# tests/server/lib.sh — claw serve behind a private nginx, for the server
# tests: real HTTP through conf/nginx.conf, real FastCGI, the real engine
# against tests/mockllm.
#
# Sourced by tests/server/*.sh.  Brings tests/run/lib.sh (fresh CLAW_HOME,
# TAP helpers, mock_start, project, sql, new_issue, approved_solver) and adds:
#   nginx_start [CONF]      nginx -p DIR on a free loopback port, CONF
#                           (default conf/nginx.conf) with its TEST lines
#                           rewritten into $tmp (and $NGINX_SED, one more
#                           sed script, applied); sets $port and $base
#   serve_start [ARGS]      claw serve --listen unix:$sock ARGS, waits for it
#   serve_stop              SIGTERM, wait; $serve_rc and $serve_ms
#   serve_kill9             SIGKILL, wait
#   api METHOD PATH [BODY]  curl through nginx with Content-Type JSON;
#                           sets $code and $body (also in $tmp/.body)
#   jget PATH [FILE]        a JSON value ('$.runId') of $tmp/.body or FILE
#   jlen PATH [FILE]        the length of a JSON array there ('$')
#   sse_start NAME PATH [sseclient args]   an SSE client in the background,
#                           its output in $tmp/NAME.sse
#   sse_wait NAME PATTERN [SECONDS]        until a line of it matches
#   sse_stop NAME
#   wait_for SECONDS CMD... until CMD succeeds (bounded)
# Everything listens on 127.0.0.1 or a socket under $tmp, and is stopped by
# PID at exit.

. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"

for t in nginx curl; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "1..0 # SKIP no $t"
		exit 0
	fi
done

SSECLIENT="${SSECLIENT:-$(dirname "$CLAW_BIN")/tests/server/sseclient}"
sock="$tmp/claw.sock"
serve_pid=
nginx_pid=
sse_pids=
port=
base=
trap 'server_cleanup; mock_stop; rm -rf "$tmp"' EXIT

server_cleanup() {
	for p in $sse_pids; do kill "$p" 2>/dev/null; done
	if [ -n "$serve_pid" ]; then
		kill "$serve_pid" 2>/dev/null
		wait "$serve_pid" 2>/dev/null
		serve_pid=
	fi
	if [ -n "$nginx_pid" ]; then
		kill "$nginx_pid" 2>/dev/null
		wait "$nginx_pid" 2>/dev/null
		nginx_pid=
	fi
	if [ "${tap_failed:-0}" != 0 ]; then
		for f in "$tmp/serve.err" "$tmp/ng/logs/error.log"; do
			[ -f "$f" ] && { echo "# --- tail of $f"; tail -n 30 "$f" | sed 's/^/# /'; }
		done
	fi
}

wait_for() { # seconds cmd...
	_w_end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_w_end" ] && return 1
		sleep 0.05
	done
	return 0
}

# Renders CONF into $tmp/ng/nginx.conf for port $1 (the TEST lines).
nginx_render() { # conf port
	user_line=""
	[ "$(id -u)" = 0 ] && user_line="user root;"
	sed -e "s|^user .*# TEST|$user_line|" \
		-e "s|^pid .*# TEST|pid $tmp/ng/nginx.pid;|" \
		-e "s|^error_log .*# TEST|error_log $tmp/ng/logs/error.log warn;|" \
		-e "s|access_log .*# TEST|access_log $tmp/ng/logs/access.log;|" \
		-e "s|/var/lib/nginx/|$tmp/ng/temp/|" \
		-e "s|unix:/run/claw/claw.sock;|unix:$sock;|" \
		-e "s|listen 80; .*# TEST|listen 127.0.0.1:$2;|" \
		-e "s|root /usr/local/share/claw/www;.*|root $CLAW_SRCDIR/www;|" \
		-e "s|worker_processes auto;|worker_processes 1;|" \
		-e "s|worker_connections 16384;|worker_connections 4096;|" \
		-e "s|^worker_rlimit_nofile .*||" \
		-e "${NGINX_SED:-s|^\$||}" \
		"$1" >"$tmp/ng/nginx.conf"
}

nginx_start() { # [conf]
	conf=${1:-$CLAW_SRCDIR/conf/nginx.conf}
	mkdir -p "$tmp/ng/logs" "$tmp/ng/temp"
	i=0
	while [ $i -lt 20 ]; do
		port=$((20000 + ($$ * 7 + i * 1009) % 40000))
		nginx_render "$conf" "$port"
		nginx -p "$tmp/ng" -c "$tmp/ng/nginx.conf" -e "$tmp/ng/logs/error.log" \
			-g 'daemon off;' 2>>"$tmp/ng/logs/stderr" &
		nginx_pid=$!
		base="http://127.0.0.1:$port"
		if wait_for 5 curl -s -o /dev/null "$base/"; then
			return 0
		fi
		kill "$nginx_pid" 2>/dev/null
		wait "$nginx_pid" 2>/dev/null
		nginx_pid=
		i=$((i + 1))
	done
	echo "Bail out! nginx did not start: $(tail -n 5 "$tmp/ng/logs/error.log" 2>/dev/null)"
	exit 1
}

# Lines of serve.out announcing a listener.
serve_listens() {
	if [ -f "$tmp/serve.out" ]; then grep -c "listening on" "$tmp/serve.out"; else echo 0; fi
}

serve_start() { # [claw serve args]
	_n=$(serve_listens)
	"$CLAW_BIN" serve --listen "unix:$sock" "$@" >>"$tmp/serve.out" 2>>"$tmp/serve.err" &
	serve_pid=$!
	if ! wait_for 15 serve_up "$_n"; then
		echo "Bail out! claw serve did not start: $(tail -n 5 "$tmp/serve.err")"
		exit 1
	fi
}

serve_up() { # lines-before
	[ "$(serve_listens)" -gt "$1" ] ||
		{ kill -0 "$serve_pid" && return 1; } || { echo dead; return 0; }
}

serve_stop() {
	_t0=$(date +%s%N)
	kill -TERM "$serve_pid"
	wait "$serve_pid"
	serve_rc=$?
	serve_ms=$((($(date +%s%N) - _t0) / 1000000))
	serve_pid=
}

serve_kill9() {
	kill -9 "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	serve_pid=
}

api() { # method path [body]
	if [ $# -ge 3 ]; then
		code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -X "$1" \
			-H 'Content-Type: application/json' --data-binary "$3" "$base$2")
	else
		code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -X "$1" \
			-H 'Content-Type: application/json' "$base$2")
	fi
	body=$(cat "$tmp/.body")
}

jlen() { # json-path [file]: length of an array
	sqlite3 -batch -noheader :memory: \
		"SELECT json_array_length(CAST(readfile('${2:-$tmp/.body}') AS TEXT), '$1')"
}

jget() { # json-path [file]
	sqlite3 -batch -noheader :memory: \
		"SELECT json_extract(CAST(readfile('${2:-$tmp/.body}') AS TEXT), '$1')"
}

sse_start() { # name path [args]
	_name=$1
	_path=$2
	shift 2
	"$SSECLIENT" --port "$port" --path "$_path" --out "$tmp/$_name.sse" --timeout-ms 120000 \
		"$@" &
	eval "sse_pid_$_name=$!"
	sse_pids="$sse_pids $!"
	wait_for 10 grep -q "^status\|^stalling" "$tmp/$_name.sse"
}

sse_wait() { # name pattern [seconds]
	wait_for "${3:-30}" grep -q -- "$2" "$tmp/$1.sse"
}

sse_stop() { # name
	eval "_p=\$sse_pid_$1"
	kill "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
}

# The seqs of the trace events in an SSE output, one per line.
sse_seqs() { # name
	awk '$1 == "event" && $2 == "trace" { print $3 }' "$tmp/$1.sse"
}
