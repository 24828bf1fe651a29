#!/bin/sh
# MCP tools through generate (SPEC 12): the generator is shown the
# project's MCP tools (names and first lines, not schemas), its servers
# stop when generate ends (the approval gate may wait long), and the
# approved solver's step, naming one of those tools, gets it and calls it:
# the registry's entries from generate stay good after the servers stopped
# (under ASan a freed entry would show).
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"
mcp_servers

project
cat >"$CLAW_HOME/projects/$key.mcp.json" <<JSON
{"mcpServers": {"fault": {"command": "node", "args": ["$fault", "$tmp/marker"]}}}
JSON
chmod 600 "$CLAW_HOME/projects/$key.mcp.json"
id=$(new_issue "Ask the server" "Ask the fault server for ok.")
SOLVER='{\"name\":\"AskSolver\",\"summary\":\"Ask the server.\",\"steps\":[{\"name\":\"ask\",\"goal\":\"Call mcp__fault__ok with text gen.\",\"tools\":[\"mcp__fault__ok\"]}]}'
cat >"$tmp/scenario.json" <<JSON
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step understand"}, "text": "The fault server answers ok."},
 {"match": {"user": "Carry out step assess"}, "text": "simple"},
 {"match": {"user": "Carry out step draft"},
  "tool_calls": [{"name": "artifact", "input": {"label": "solver", "text": "$SOLVER"}}]},
 {"match": {"user": "Recorded artifact"}, "text": "Drafted the solver."},
 {"match": {"user": "Judge the work of step \"draft\""},
  "tool_calls": [{"name": "verdict", "input": {"decision": "accept", "rubric_item": "all",
    "fact": "concrete", "reason": "fine"}}]},
 {"match": {"user": "needs a value from you: name"}, "text": "AskSolver"},
 {"match": {"user": "needs a value from you: spec"}, "text": "$SOLVER"},
 {"match": {"user": "Carry out step ask"}, "tool_calls": [{"name": "mcp__fault__ok", "input": {"text": "gen"}}]},
 {"match": {"user": "ok: gen"}, "text": "The server said ok."}
]}
JSON
mock_start "$tmp/scenario.json"
echo y | "$CLAW_BIN" run "$id" >"$tmp/.out" 2>"$tmp/.err"
rc=$?
out=$(cat "$tmp/.out")
err=$(cat "$tmp/.err")
is "$rc" 0 "claw run exits 0"
like "$out" "Run #1 done" "the run is done"
ok "$([ "$(mock_count2 'Carry out step understand' '- mcp__fault__ok (read-only): Echoes text.')" -ge 1 ]; echo $?)" \
	"the generator's steps are shown the MCP tools, a description's first line only"
is "$(mock_count2 'Carry out step understand' 'Second line.')" "0" "(not the rest of it)"
is "$(mock_count2 'Carry out step understand' '"name":"mcp__fault__ok"')" "0" \
	"nor given them as tools: its palette is its own"
like "$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'tool-result'
	     AND json_extract(data, '$.name') = 'mcp__fault__ok'")" "ok: gen" "the approved solver's step called the tool"
notes=$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note'
	     AND json_extract(data, '$.action') = 'mcp' ORDER BY seq" | tr '\n' '|')
like "$notes" "MCP server fault started: 13 tools" "the server started for generate"
like "$notes" "MCP server fault stopped|MCP server fault started: 13 tools" \
	"stopped when generate ended, started again by the solver's step"
ok "$(pgrep -f "$tmp/marker" >/dev/null; [ $? = 1 ]; echo $?)" "no server outlives the run"

done_testing
