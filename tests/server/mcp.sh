#!/bin/sh
# MCP servers under claw serve (SPEC 12): a run's stdio server runs in the
# sandbox beside the run thread; claw serve killed with SIGKILL in the middle
# of an MCP call leaves no server process behind (the sandbox and the
# server die with the thread that started them); restarted, claw serve
# adopts the run: the interrupted call is reported to the model as such
# (it may have changed something: it is not run again), the step starts the
# server again for the next call, and the run completes.
. "${CLAW_SRCDIR:-.}/tests/server/lib.sh"
mcp_servers

project
P=/api/projects/$key
cat >"$CLAW_HOME/projects/$key.mcp.json" <<JSON
{"mcpServers": {"fault": {"command": "node", "args": ["$fault", "--log", "fault.log", "$tmp/marker"]}}}
JSON
chmod 600 "$CLAW_HOME/projects/$key.mcp.json"
cat >"$tmp/scenario.json" <<'JSON'
{"replies": [
 {"match": {"user": "Write the baton"}, "text": "Baton.", "times": 0},
 {"match": {"user": "Carry out step wait"}, "tool_calls": [{"name": "mcp__fault__hang", "input": {}}]},
 {"match": {"user": "[interrupted] claw stopped"}, "tool_calls": [{"name": "mcp__fault__ok", "input": {"text": "after"}}]},
 {"match": {"user": "ok: after"}, "text": "Done after the restart."}
]}
JSON
mock_start "$tmp/scenario.json"
nginx_start
serve_start
id=$(new_issue "Wait on a server")
approved_solver "$id" '{"name":"W","steps":[{"name":"wait","goal":"Wait.","tools":["mcp__fault__hang","mcp__fault__ok"]}]}'

api POST "$P/issues/$id/start"
r=$(jget '$.runId')
servers() { pgrep -f "$tmp/marker" >/dev/null; }
hanging() { servers && [ "$(mock_count 'Carry out step wait')" -ge 1 ] && grep -q initialized fault.log; }
wait_for 30 hanging
ok $? "the run's MCP server is running, a call in progress"
serve_kill9
gone() { ! servers; }
wait_for 5 gone
ok $? "claw serve killed with SIGKILL: no server process survives it"

serve_start
done_run() { [ "$(sql "SELECT status FROM runs WHERE id = $r")" = done ]; }
wait_for 60 done_run
ok $? "after the restart the run is adopted and completes"
like "$(sql "SELECT json_extract(data, '$.text') FROM trace WHERE type = 'tool-result' AND run_id = $r
	     AND json_extract(data, '$.name') = 'mcp__fault__ok'")" "ok: after" "its server started again in the resumed step"
wait_for 5 gone
ok $? "and stopped when the run ended"
serve_stop

done_testing
