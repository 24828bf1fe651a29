#!/bin/sh
# bench/rest.sh — REST throughput of claw serve behind nginx, against its
# peers in the same run (docs/BENCHMARKS.md "rest").
#
#   bench/rest.sh [-b BUILD_DIR] [-d SECONDS] [-c CONNECTIONS] [-t THREADS]
#                 [-w WORKERS] [-r REPEATS]
#
# One private nginx (conf/nginx.conf, its TEST lines rewritten like the
# tests do) in front of one claw serve on a temporary CLAW_HOME with a
# project of 50 issues, each with two runs, a solver, a snapshot and 40
# trace rows (replies with usage, tool calls, artifacts).  wrk measures, one
# after the other, in one run:
#   issues   GET /api/projects/KEY/issues        (the board's list: 50 Issues)
#            with Accept-Encoding: gzip, as every browser asks (gzip body)
#   plain    the same without Accept-Encoding (identity body)
#   health   GET /api/health                     (the FastCGI floor)
#   static   the bytes of the issues answer, as a static file served by nginx
# and prints requests/s and the ratios issues/health, plain/health and
# issues/static.
# With -r N the three are measured N times in rotation and the best of each
# is kept (the machine is shared: the best is the least disturbed).  -w sets
# claw serve's request workers (--threads; default its own, 16).
# Target (issue 7): issues at 0.9x the health rate or better.
# Needs nginx, wrk, sqlite3, curl; a build without sanitizers.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-rel"
secs=10
conns=32
threads=2
workers=
repeats=1
while getopts b:d:c:t:w:r: o; do
	case $o in
	b) build=$OPTARG ;;
	d) secs=$OPTARG ;;
	c) conns=$OPTARG ;;
	t) threads=$OPTARG ;;
	w) workers="--threads $OPTARG" ;;
	r) repeats=$OPTARG ;;
	*) echo "usage: bench/rest.sh [-b BUILD] [-d SECONDS] [-c CONNS] [-t THREADS]" >&2; exit 2 ;;
	esac
done
for t in nginx wrk sqlite3 curl; do
	command -v "$t" >/dev/null || { echo "bench/rest.sh: $t is needed" >&2; exit 1; }
done
claw="$build/claw"
[ -x "$claw" ] || { echo "bench/rest.sh: no $claw (build first)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/claw-bench-rest-XXXXXX")
serve_pid=
nginx_pid=
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export CLAW_HOME="$tmp/home"
unset CLAW_MODEL ANTHROPIC_API_KEY OPENAI_API_KEY CLAW_API_KEY

# count seed → count words from a vocabulary, the same for the same seed:
# titles and descriptions as varied as a real board's (a uniform one would
# compress far better than real data).
words() {
	awk -v n="$1" -v s="$2" 'BEGIN {
		k = split("the a of to in when after before with without fails crash slow " \
			"parser config server cache stream socket timeout retry index query " \
			"button page login user token session worker queue thread lock file " \
			"path build test flaky memory leak overflow unicode error message " \
			"returns shows hangs ignores drops loses duplicates rejects accepts " \
			"should must never always sometimes on start reload upload large " \
			"empty nested quoted windows linux mac docker nginx sqlite json yaml", w, " ")
		srand(s)
		for (i = 0; i < n; i++)
			printf "%s%s", (i ? " " : ""), w[int(rand() * k) + 1]
	}'
}

# The project and its 50 issues.
mkdir -p "$tmp/p"
"$claw" -c "$tmp/p" -q >/dev/null
key=$(cd "$tmp/p" && pwd -P | sed -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' -e 's/^-//' -e 's/-$//')
db="$CLAW_HOME/projects/$key.db"
{
	echo "BEGIN;"
	i=1
	while [ $i -le 50 ]; do
		echo "INSERT INTO issues (id, title, description, status, created_at, updated_at)
		      VALUES ($i, 'Issue $i: $(words $((4 + i % 5)) "$i")', '$(words $((20 + i % 21)) "$((i + 1000))")', 'done', 1, 2);
		      INSERT INTO solvers (issue_id, version, spec, status, decided_by, created_at, decided_at)
		      VALUES ($i, 1, '{\"name\":\"S$i\",\"steps\":[{\"name\":\"implement\",\"goal\":\"Do it.\"},{\"name\":\"verify\",\"goal\":\"Prove it.\"}]}', 'approved', 'bench', 1, 1);"
		for r in 1 2; do
			run=$(((i - 1) * 2 + r))
			echo "INSERT INTO runs (id, issue_id, solver_version, status, reason, started_by, created_at, ended_at)
			      VALUES ($run, $i, 1, '$([ $r = 1 ] && echo failed || echo done)', '', 'bench', 1, 2);
			      INSERT INTO workflow_state (run_id, workflow, done, params, handoff_from, handoff, updated_at)
			      VALUES ($run, 'solver', '[\"implement\",\"verify\"]', '{}', '', '', 1);"
			k=1
			while [ $k -le 20 ]; do
				echo "INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
				      VALUES ($run, $((k * 2)), 1, 3, 'event', 'reply', 10, '{\"text\":\"ok\",\"tool_calls\":[],\"usage\":{\"in\":1200,\"out\":300,\"cached\":100,\"cost_micros\":4200,\"cost_source\":\"table\"}}', $k);
				      INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
				      VALUES ($run, $((k * 2 + 1)), 1, 3, 'event', '$([ $k -le 2 ] && echo artifact || echo tool)', 20, '$([ $k -le 2 ] && echo "{\"n\":$k,\"label\":\"out$k.txt\",\"kind\":\"file\",\"value\":\"some text\",\"step\":\"implement\"}" || echo "{\"name\":\"bash\",\"input\":{\"command\":\"make check\"}}")', $k);"
				k=$((k + 1))
			done
		done
		i=$((i + 1))
	done
	echo "COMMIT;"
} | sqlite3 -batch "$db"

# claw serve and nginx.
sock="$tmp/claw.sock"
# shellcheck disable=SC2086
"$claw" serve --listen "unix:$sock" $workers >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
mkdir -p "$tmp/ng/logs" "$tmp/ng/temp" "$tmp/static"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
try=0
while :; do
	# Below the ephemeral range (32768+), where clients' ports come from.
	port=$((20000 + ($$ * 7 + try * 1009) % 12000))
	sed -e "s|^user .*# TEST|$user_line|" \
		-e "s|^pid .*# TEST|pid $tmp/ng/nginx.pid;|" \
		-e "s|^error_log .*# TEST|error_log $tmp/ng/logs/error.log warn;|" \
		-e "s|access_log .*# TEST|access_log off;|" \
		-e "s|/var/lib/nginx/|$tmp/ng/temp/|" \
		-e "s|unix:/run/claw/claw.sock;|unix:$sock;|" \
		-e "s|listen 80; .*# TEST|listen 127.0.0.1:$port;|" \
		-e "s|root /usr/local/share/claw/www;.*|root $tmp/static;|" \
		-e "s|worker_processes auto;|worker_processes 1;|" \
		"$top/conf/nginx.conf" >"$tmp/ng/nginx.conf"
	nginx -p "$tmp/ng" -c "$tmp/ng/nginx.conf" -e "$tmp/ng/logs/error.log" -g 'daemon off;' \
		2>>"$tmp/ng/logs/stderr" &
	nginx_pid=$!
	base="http://127.0.0.1:$port"
	i=0
	until curl -s -o /dev/null "$base/api/health" || [ $i -ge 60 ]; do sleep 0.05; i=$((i + 1)); done
	kill -0 "$nginx_pid" 2>/dev/null && curl -s -o /dev/null "$base/api/health" && break
	kill "$nginx_pid" 2>/dev/null
	wait "$nginx_pid" 2>/dev/null
	nginx_pid=
	try=$((try + 1))
	[ $try -lt 10 ] || { echo "bench/rest.sh: nginx did not start" >&2; exit 1; }
done
ae="Accept-Encoding: gzip, deflate, br"
curl -s "$base/api/projects/$key/issues" >"$tmp/plain.json"
curl -s -H "$ae" "$base/api/projects/$key/issues" >"$tmp/static/issues.json.gz"
bytes=$(wc -c <"$tmp/plain.json")
gzbytes=$(wc -c <"$tmp/static/issues.json.gz")
gzip -dc <"$tmp/static/issues.json.gz" | cmp -s - "$tmp/plain.json" ||
	{ echo "bench/rest.sh: the gzip answer is not the plain one" >&2; exit 1; }
[ "$(curl -s "$base/issues.json.gz" | wc -c)" = "$gzbytes" ] ||
	{ echo "bench/rest.sh: static copy differs" >&2; exit 1; }

rate() { # url [header] → requests/s
	wrk -t"$threads" -c"$conns" -d"${secs}s" ${2:+-H "$2"} "$1" 2>&1 | tee -a "$tmp/wrk.log" |
		awk '/^Requests\/sec:/ { print int($2) } /Non-2xx/ { bad = 1 } END { if (bad) print "non-2xx" > "/dev/stderr" }'
}
echo "bench/rest: 50 issues ($bytes bytes, $gzbytes gzip), wrk -t$threads -c$conns -d${secs}s x $repeats, nginx + claw serve ${workers:-(16 workers)} $(cd "$top" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
issues=0
plain=0
health=0
static=0
r=0
while [ $r -lt "$repeats" ]; do
	v=$(rate "$base/api/projects/$key/issues" "$ae")
	[ "$v" -gt "$issues" ] && issues=$v
	v=$(rate "$base/api/projects/$key/issues")
	[ "$v" -gt "$plain" ] && plain=$v
	v=$(rate "$base/api/health" "$ae")
	[ "$v" -gt "$health" ] && health=$v
	v=$(rate "$base/issues.json.gz" "$ae")
	[ "$v" -gt "$static" ] && static=$v
	r=$((r + 1))
done
echo "issues  $issues req/s (gzip)"
echo "plain   $plain req/s (identity)"
echo "health  $health req/s"
echo "static  $static req/s"
awk -v i="$issues" -v p="$plain" -v h="$health" -v s="$static" \
	'BEGIN { printf "issues/health %.2f (target >= 0.90)\nplain/health  %.2f\nissues/static %.2f\n", i / h, p / h, i / s }'
