#!/bin/sh
# bench/cost.sh — what a run's prompts cost with and without prompt caching,
# and what a one-line change costs with edit_file against write_file
# (issue 16; docs/BENCHMARKS.md "cost").
#
#   bench/cost.sh [-b BUILD_DIR] [-t TURNS]
#
# Both scenarios run `claw run` against mockllm --cache, which counts every
# request's tokens from its bytes (4 to a token) and reports the usage
# Anthropic's published cache rules give it: prefixes written at
# cache_control breakpoints (at least 1 024 tokens, 1.25x the input price),
# read back at 0.1x for 5 minutes, 20 blocks of lookback (tests/mockllm,
# README.md).
#
# 1. caching: one step of TURNS turns (default 40) whose agent reads a
#    different 6 000-byte file each turn (1 500 tokens of tool output), with
#    a system prompt and palette of about 3 000 tokens (claw's step prompt,
#    the tool specs and a 5 KiB AGENTS.md).  Run twice, CLAW_PROMPT_CACHE=0
#    and 1.  Prints each run's prompt cost in units of the input price
#    (fresh 1, read 0.1, written 1.25) and the ratio on/off (target <= 0.25),
#    and the ideal: every request reading all of the one before and writing
#    only what is new (target: the run at most 1.05x of it).
# 2. edit: the agent changes one line of a 3 000-line file, once with
#    edit_file and once with write_file.  Prints the reply's output tokens
#    of each and the ratio (target <= 0.05).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-rel"
turns=40
while getopts b:t: o; do
	case $o in
	b) build=$OPTARG ;;
	t) turns=$OPTARG ;;
	*) exit 2 ;;
	esac
done
bench=cost
. "$top/bench/lib.sh"

# A fresh home and project in $tmp/$1 with the scenario $2 served by
# mockllm --cache and the solver $3; runs it with the environment's
# CLAW_PROMPT_CACHE.  Leaves $db.
run_case() { # name scenario-file solver-json [files-setup-function]
	dir=$tmp/$1
	mkdir -p "$dir/home" "$dir/p"
	export CLAW_HOME="$dir/home" HOME="$dir"
	[ -n "${4:-}" ] && "$4" "$dir/p"
	export CLAW_MODEL=claude-sonnet-4-5
	mock_up "$2" "$dir" --cache
	(cd "$dir/p" && "$claw" -c . -q >/dev/null && "$claw" -i "Bench" >/dev/null)
	db=$(ls "$CLAW_HOME"/projects/*.db)
	sqlite3 "$db" "INSERT INTO solvers (issue_id, version, spec, status, decided_by, created_at,
		decided_at) VALUES (1, 1, '$3', 'approved', 'bench', 0, 0)"
	(cd "$dir/p" && "$claw" run 1 </dev/null >"$dir/out" 2>&1) || true
	mock_down
	grep -q "done" "$dir/out" || {
		echo "cost: the $1 run did not finish:" >&2
		tail -5 "$dir/out" >&2
		exit 1
	}
}

# The reply rows' usage, one "in cached write out" line per request.
usage() {
	sqlite3 -separator ' ' "$db" "SELECT json_extract(data, '$.usage.in'),
		json_extract(data, '$.usage.cached'), COALESCE(json_extract(data, '$.usage.cache_write'), 0),
		json_extract(data, '$.usage.out') FROM trace WHERE type = 'reply' ORDER BY seq"
}

# ------------------------------------------------------------- 1. caching
reader_files() {
	k=1
	while [ "$k" -le "$turns" ]; do
		w=$(letters "$k")
		awk -v w="$w" 'BEGIN { for (i = 0; i < 85; i++)
			printf "file %s: the quick brown fox jumps over the lazy dog, %s.\n", w, w }' \
			>"$1/$w.txt"
		k=$((k + 1))
	done
	awk 'BEGIN { for (i = 0; i < 110; i++)
		printf "- Rule %02d: keep functions short, name things for what they do, test it.\n", i }' \
		>"$1/AGENTS.md"
}
{
	echo '{"replies": ['
	k=1
	while [ "$k" -le "$turns" ]; do
		echo " {\"match\": {\"any\": \"Carry out step work\"}, \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": \"$(letters "$k").txt\"}}]},"
		k=$((k + 1))
	done
	echo ' {"match": {"any": "Carry out step work"}, "text": "Read them all."}'
	echo ']}'
} >"$tmp/read.json"
reader='{"name":"Reader","steps":[{"name":"work","goal":"Read every file.","tools":["read_file","list_files","bash","edit_file","write_file"]}]}'

# Prompt cost in units of the input price, from "in cached write out" lines.
cost() { awk '{ c += ($1 - $2 - $3) + 0.1 * $2 + 1.25 * $3 } END { printf "%.0f", c }'; }
# The ideal: each request reads all of the one before, writes the rest.
ideal() { awk '{ c += (NR == 1 ? 1.25 * $1 : 0.1 * p + 1.25 * ($1 - p)); p = $1 } END { printf "%.0f", c }'; }

CLAW_PROMPT_CACHE=0 run_case off "$tmp/read.json" "$reader" reader_files
off=$(usage | cost)
prompt=$(usage | head -1 | awk '{ print $1 }')
CLAW_PROMPT_CACHE=1 run_case on "$tmp/read.json" "$reader" reader_files
usage >"$tmp/on.usage"
on=$(cost <"$tmp/on.usage")
best=$(ideal <"$tmp/on.usage")
reads=$(awk '{ r += $2; t += $1 } END { printf "%.1f", 100 * r / t }' "$tmp/on.usage")
n=$(wc -l <"$tmp/on.usage" | tr -d ' ')
echo "caching: $n requests, the first $prompt tokens (system prompt, palette, task)"
echo "  off: prompt cost $off input-token units"
echo "  on:  prompt cost $on ($reads% of prompt tokens read from the cache)"
awk -v on="$on" -v off="$off" -v best="$best" 'BEGIN {
	printf "  on/off = %.3f (target <= 0.25); ideal %d, on/ideal = %.3f (target <= 1.05)\n",
		on / off, best, on / best }'

# ------------------------------------------------------------- 2. edit
big_file() {
	awk 'BEGIN { for (i = 1; i <= 3000; i++)
		printf "int value_%04d = %d; /* line %d of the generated table */\n", i, i, i }' >"$1/table.c"
}
old='int value_1500 = 1500; /* line 1500 of the generated table */'
new='int value_1500 = 15000; /* line 1500 of the generated table */'
{
	printf '{"replies": [\n {"match": {"any": "Carry out step work"}, "tool_calls": [{"name": "edit_file", "input": {"path": "table.c", "old_text": "%s", "new_text": "%s"}}]},\n' "$old" "$new"
	echo ' {"match": {"any": "Carry out step work"}, "text": "Changed line 1500."}'
	echo ']}'
} >"$tmp/edit.json"
content=$(awk 'BEGIN { for (i = 1; i <= 3000; i++)
	printf "int value_%04d = %d; /* line %d of the generated table */\\n", i, (i == 1500 ? 15000 : i), i }')
{
	printf '{"replies": [\n {"match": {"any": "Carry out step work"}, "tool_calls": [{"name": "write_file", "input": {"path": "table.c", "content": "%s"}}]},\n' "$content"
	echo ' {"match": {"any": "Carry out step work"}, "text": "Changed line 1500."}'
	echo ']}'
} >"$tmp/write.json"
editor='{"name":"Editor","steps":[{"name":"work","goal":"Set value_1500 to 15000.","tools":["read_file","edit_file","write_file"]}]}'

run_case edit "$tmp/edit.json" "$editor" big_file
grep -q 'int value_1500 = 15000;' "$dir/p/table.c" || { echo "cost: edit_file did not change table.c" >&2; exit 1; }
edit_out=$(usage | head -1 | awk '{ print $4 }')
run_case write "$tmp/write.json" "$editor" big_file
grep -q 'int value_1500 = 15000;' "$dir/p/table.c" || { echo "cost: write_file did not change table.c" >&2; exit 1; }
write_out=$(usage | head -1 | awk '{ print $4 }')
awk -v e="$edit_out" -v w="$write_out" 'BEGIN {
	printf "edit: one line of a 3 000-line file: edit_file %d output tokens, write_file %d; edit/write = %.4f (target <= 0.05)\n",
		e, w, e / w }'
