#!/bin/sh
# MCP tools in a run (SPEC 12): a solver step whose palette names MCP tools
# starts their servers at that step (in the sandbox, the work folder as
# theirs), the model gets their schemas and calls them like any tool, a
# tool step calls one without a model; a server that dies is started again
# once, then its tools answer with an error; every server is stopped when
# the run ends, and the trace says what happened to each.  Real servers:
# the npm reference servers and tests/mcp/fault.mjs.
. "${CLAW_SRCDIR:-.}/tests/run/lib.sh"
mcp_servers

project
proj=$(pwd -P)
everything="$mcp_modules/@modelcontextprotocol/server-everything/dist/index.js"
filesystem="$mcp_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
# The last argument of each is only a marker, so pgrep finds this test's.
cat >"$CLAW_HOME/projects/$key.mcp.json" <<JSON
{"mcpServers": {
  "everything": {"command": "node", "args": ["$everything", "stdio", "$tmp/marker"]},
  "files": {"command": "node", "args": ["$filesystem", ".", "$tmp/marker"]},
  "fault": {"command": "node", "args": ["$fault", "--log", "fault.log", "$tmp/marker"]},
  "unused": {"command": "node", "args": ["$fault", "--log", "unused.log", "$tmp/marker"]}
}}
JSON
chmod 600 "$CLAW_HOME/projects/$key.mcp.json"

id=$(new_issue "Use the MCP tools")
approved_solver "$id" '{"name":"Mcp","steps":[
 {"name":"use","goal":"Echo hi, then write mcp.txt.","tools":["mcp__everything__echo","mcp__files__write_file","mcp__fault__crash","mcp__fault__ok","mcp__everything__absent"]},
 {"name":"sum","call":{"tool":"mcp__everything__get-sum","args":{"a":40,"b":2}}}]}'
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton: done.", "times": 0},
 {"match": {"user": "Carry out step use"},
  "tool_calls": [{"name": "mcp__everything__echo", "input": {"message": "hi"}}]},
 {"match": {"user": "Echo: hi"},
  "tool_calls": [{"name": "mcp__files__write_file", "input": {"path": "mcp.txt", "content": "written by an MCP server\n"}}]},
 {"match": {"user": "Successfully wrote"},
  "tool_calls": [{"name": "mcp__fault__crash", "input": {}}]},
 {"match": {"user": "crashing now"},
  "tool_calls": [{"name": "mcp__fault__ok", "input": {"text": "again"}}]},
 {"match": {"user": "ok: again"},
  "tool_calls": [{"name": "mcp__fault__crash", "input": {}}]},
 {"match": {"user": "exited with status 3"},
  "tool_calls": [{"name": "mcp__fault__ok", "input": {"text": "third"}}]},
 {"match": {"user": "started again once already"},
  "tool_calls": [{"name": "mcp__everything__absent", "input": {}}]},
 {"match": {"user": "has no tool absent"}, "text": "The fault server is gone; done."}
]}
JSON
mock_start "$tmp/scenario.json"
claw_run /dev/null "$id"
is "$rc" 0 "the run exits 0"
like "$out" "Run #1 done" "and is done"

results() { # tool: the texts of its results, in order, one line each
	sql "SELECT replace(json_extract(data, '$.text'), char(10), ' ') FROM trace WHERE type = 'tool-result'
	     AND json_extract(data, '$.name') = '$1' ORDER BY seq"
}
like "$(results mcp__everything__echo)" "Echo: hi" "the model called an MCP tool and got its text"
is "$(cat mcp.txt)" "written by an MCP server" "the filesystem server wrote in the work folder"
is "$(results mcp__fault__ok | tr '\n' '|')" "ok: again [run#4]|MCP server fault: it stopped and was started again once already in this run; last: the server exited with status 3; its stderr: fault: crashing now [run#6]|" \
	"a server that died is started again once, then its tools answer with an error"
like "$(results mcp__fault__crash | head -1)" "the server exited with status 3; its stderr: fault: crashing now" \
	"a crash mid-call is a tool error with its stderr"
like "$(results mcp__everything__absent)" "MCP server everything has no tool absent" \
	"a tool the server does not offer: the step has it, its call says why, the run goes on"
like "$(results mcp__everything__get-sum)" "The sum of 40 and 2 is 42." "a tool step calls an MCP tool"
is "$(mock_count2 '"name":"mcp__everything__echo"' '"input_schema":{"$schema"')" "$(mock_count 'Carry out step use')" \
	"every request of the step carries the tool with the server's schema"
is "$(mock_count '"name":"mcp__everything__get-sum"')" "0" "a tool outside the step's palette is not offered"
like "$(grep -F 'Carry out step use' "$tmp/mock.log" | head -1)" "[MCP server everything] Echoes back the input string" \
	"its description says which server it is on"

notes=$(sql "SELECT json_extract(data, '$.message') FROM trace WHERE type = 'note'
	     AND json_extract(data, '$.action') = 'mcp' ORDER BY seq")
like "$notes" "MCP server everything started: 13 tools in" "the trace says each server started"
like "$notes" "MCP server fault restarted: 13 tools" "and restarted"
like "$notes" "MCP server fault ended: the server exited with status 3" "and ended"
like "$notes" "MCP server everything stopped" "and stopped at the end"
case "$notes" in *unused*) ok 1 "a server no step needs never starts" ;; *) ok 0 "a server no step needs never starts" ;; esac
ok "$(test ! -e unused.log; echo $?)" "(it never ran)"
ok "$(pgrep -f "$tmp/marker" >/dev/null; [ $? = 1 ]; echo $?)" "no server outlives the run"
is "$(sql "SELECT COUNT(*) FROM trace WHERE type = 'tool' AND json_extract(data, '$.name') LIKE 'mcp\_\_%' ESCAPE '\\'")" "8" \
	"every MCP call is a tool row like any other"

done_testing
