#!/bin/sh
# Two claw serve shards (two CLAW_HOMEs, two sockets) behind nginx with
# conf/nginx-cluster.conf: each project is registered on the shard its key
# hashes to, and every request and stream of a project then reaches its
# owner; /api/shards/<n>/... reaches one shard explicitly.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"

s1="$tmp/s1.sock"
s2="$tmp/s2.sock"
NGINX_SED="s|server 10.0.0.11:9000;.*# TEST shard 1|server unix:$s1;|;s|server 10.0.0.12:9000;.*# TEST shard 2|server unix:$s2;|"
nginx_start "$CLAW_SRCDIR/conf/nginx-cluster.conf"

shard_pids=
for n in 1 2; do
	mkdir -p "$tmp/home$n"
	CLAW_HOME="$tmp/home$n" "$CLAW_BIN" serve --listen "unix:$tmp/s$n.sock" \
		>"$tmp/shard$n.out" 2>"$tmp/shard$n.err" &
	shard_pids="$shard_pids $!"
	wait_for 15 grep -q "listening on" "$tmp/shard$n.out"
done
trap 'for p in $shard_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; server_cleanup; rm -rf "$tmp"' EXIT

# Which shard answers for a key (the X-Claw-Shard header: its socket).
shard_of() { # key
	curl -s -D - -o /dev/null "$base/api/projects/$1/issues" | tr -d '\r' |
		sed -n "s|^X-Claw-Shard: unix:$tmp/s\([12]\).sock|\1|p"
}

keys1=
keys2=
i=0
while [ $i -lt 24 ] && { [ -z "$keys1" ] || [ -z "$keys2" ] || [ $i -lt 6 ]; }; do
	dir="$tmp/proj$i"
	mkdir -p "$dir"
	key=$(cd "$dir" && pwd -P | sed -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' -e 's/^-//' -e 's/-$//')
	n=$(shard_of "$key")
	api POST "/api/shards/$n/projects" "{\"path\":\"$dir\"}"
	[ "$code" = 201 ] || echo "# register $dir on shard $n: $code $body"
	[ "$(jget '$.key')" = "$key" ] || echo "# key mismatch: $(jget '$.key') vs $key"
	eval "keys$n=\"\$keys$n $key\""
	i=$((i + 1))
done
ok "$([ -n "$keys1" ] && [ -n "$keys2" ] && echo 0 || echo 1)" "projects on both shards"

# Each shard holds only its own projects.
api GET /api/shards/1/projects
list1=$body
api GET /api/shards/2/projects
list2=$body
bad=0
for k in $keys1; do
	case "$list1" in *"\"key\":\"$k\""*) ;; *) bad=1 ;; esac
	case "$list2" in *"\"key\":\"$k\""*) bad=1 ;; esac
	[ -f "$tmp/home1/projects/$k.db" ] || bad=1
done
for k in $keys2; do
	case "$list2" in *"\"key\":\"$k\""*) ;; *) bad=1 ;; esac
	case "$list1" in *"\"key\":\"$k\""*) bad=1 ;; esac
	[ -f "$tmp/home2/projects/$k.db" ] || bad=1
done
is "$bad" 0 "each shard lists and stores exactly the projects it owns"

# Every project-scoped request reaches the owner: never a 404.
fails=0
streams=
for k in $keys1 $keys2; do
	sse_start "b$(echo "$k" | tr -c 'A-Za-z0-9\n' '_' | tail -c 20)" "/api/projects/$k/issues/stream"
	streams="$streams b$(echo "$k" | tr -c 'A-Za-z0-9\n' '_' | tail -c 20)"
done
for k in $keys1 $keys2; do
	api POST "/api/projects/$k/issues" "{\"title\":\"Issue of $k\"}"
	[ "$code" = 201 ] || fails=$((fails + 1))
	api GET "/api/projects/$k/issues"
	[ "$code" = 200 ] && [ "$(jget '$[0].title')" = "Issue of $k" ] || fails=$((fails + 1))
	api GET "/api/projects/$k/issues/1"
	[ "$code" = 200 ] || fails=$((fails + 1))
done
is "$fails" 0 "create, list and get issues of every project through the hash"
seen=0
total=0
for k in $keys1 $keys2; do
	name="b$(echo "$k" | tr -c 'A-Za-z0-9\n' '_' | tail -c 20)"
	total=$((total + 1))
	sse_wait "$name" "^event issue .*\"title\":\"Issue of $k\"" 10 && seen=$((seen + 1))
done
is "$seen" "$total" "each board stream (through the hash) gets its project's new issue"
like "$(cat "$tmp/shard1.err" "$tmp/shard2.err")" "registered by anonymous" "registrations logged"
api GET /api/shards/1/health
is "$code" 200 "shard 1 health"
api GET /api/shards/2/metrics
like "$body" 'claw_streams_open{kind="board"}' "shard 2 metrics"
done_testing
