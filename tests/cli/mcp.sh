#!/bin/sh
# MCP servers from the CLI (SPEC 12): `claw mcp` starts each configured
# server in the sandbox and lists its tools or why it cannot connect;
# `claw tool mcp__S__T JSON` calls one as a run would.  Real servers: the
# reference servers from npm (everything, filesystem) and tests/mcp/fault.mjs
# for the faults a server can have.  The home is outside /tmp, as in
# tool.sh.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"
mcp_servers

CLAW_HOME=$(mktemp -d "$PWD/mcp-home-XXXXXX")
export CLAW_HOME
trap 'rm -rf "$tmp" "$CLAW_HOME"' EXIT

mkdir -p "$tmp/p"
run -c "$tmp/p" -q
is "$rc" 0 "register the project"
proj=$(cd "$tmp/p" && pwd -P)
key=$(basename "$CLAW_HOME"/projects/*.db .db)
conf="$CLAW_HOME/projects/$key.mcp.json"
cd "$tmp/p" || exit 1
everything="$mcp_modules/@modelcontextprotocol/server-everything/dist/index.js"
filesystem="$mcp_modules/@modelcontextprotocol/server-filesystem/dist/index.js"

run mcp
is "$rc" 0 "no config: claw mcp exits 0"
like "$out" "no MCP servers" "and says there are none"

printf 'TOKEN=tok-mcp-0123456789\n' >"$CLAW_HOME/projects/$key.secrets"
chmod 600 "$CLAW_HOME/projects/$key.secrets"
cat >"$conf" <<JSON
{"mcpServers": {
  "everything": {"command": "node", "args": ["$everything", "stdio"]},
  "files": {"command": "node", "args": ["$filesystem", "$proj"]},
  "fault": {"command": "node", "args": ["$fault", "--bad-name", "--desc", "5000", "--log", "$proj/fault.log"],
            "env": {"FAULT_TOKEN": "\${TOKEN}"}},
  "broken": {"command": "node", "args": ["$fault", "--exit-at-start"]},
  "leaky": {"command": "node", "args": ["$fault", "--noise", "6000", "--leak", "--exit-at-start", "--escape"],
            "env": {"FAULT_TOKEN": "\${TOKEN}"}},
  "escaped": {"command": "node", "args": ["$fault", "--escape"]},
  "old": {"command": "node", "args": ["$fault", "--version", "2024-11-05"]},
  "off": {"command": "node", "args": ["$fault"], "disabled": true}
}}
JSON
chmod 600 "$conf"

run mcp
is "$rc" 1 "claw mcp exits 1 when a server cannot connect"
like "$out" "everything (stdio: node): MCP 2025-11-25, 13 tools" "everything: the protocol agreed and its tools"
like "$out" "  mcp__everything__echo (read-only)  Echoes back the input string" "a tool by its full name, read-only marked"
like "$out" "  mcp__files__write_file  " "the filesystem server's tools"
like "$out" "  mcp__fault__ok (read-only)  Echoes text." "a description's first line only"
like "$out" "tool has.dot: a name of [A-Za-z0-9_-] is needed" "a tool name claw cannot use is left out, saying why"
like "$out" "tool wordy: its description is over 2048 bytes" "a description over the cap is left out"
like "$out" "broken (stdio: node): cannot connect: the server exited with status 2; its stderr: fault: cannot open my database" "a server that dies at start: its status and stderr"
like "$out" "leaky (stdio: node): cannot connect: the server exited with status 2; its stderr: ...noise line 0" \
	"a long stderr: its end, as much as fits"
like "$out" "fault: my token is [redacted TOKEN]
fault: cannot open my database" "a secret it prints is redacted"
case "$out$err" in *tok-mcp-0123456789*) ok 1 "never its value" ;; *) ok 0 "never its value" ;; esac
like "$out" "  mcp__escaped__escape  \\x1b[31mred\\x1b[0m text" "a description cannot send terminal escapes"
like "$out" "old (stdio: node): cannot connect: the server speaks MCP 2024-11-05; claw speaks 2025-11-25 and 2025-06-18" "a protocol claw does not speak"
case "$out" in *"off ("*) ok 1 "a disabled server is not listed" ;; *) ok 0 "a disabled server is not listed" ;; esac
like "$(cat "$proj/fault.log")" "initialize 2025-11-25
initialized
tools/list 0" "initialize, initialized, then tools/list"

# The echo of the issue: claw tool mcp__everything__echo '{"message":"hi"}'.
run tool mcp__everything__echo '{"message":"hi"}'
is "$rc" 0 "an MCP tool through claw tool"
is "$out" "Echo: hi" "returns the server's text"
run tool mcp__everything__get-sum '{"a": 2, "b": 40}'
is "$out" "The sum of 2 and 40 is 42." "arguments reach the server"
run tool mcp__everything__get-sum '{"a": "x", "b": 1}'
is "$rc" 1 "a wrong type is refused before the server"
like "$err" 'field "a" must be a number' "naming the field"
run tool mcp__everything__get-tiny-image '{}'
like "$out" "[image: image/png, " "an image is summarised, not pasted"
run tool mcp__everything__nope '{}'
is "$rc" 1 "an unknown tool of a known server"
like "$err" "MCP server everything has no tool nope (claw mcp lists what it offers" "says so"
run tool mcp__nobody__x '{}'
like "$err" "no MCP server of that name is configured" "an unknown server"

run tool mcp__files__write_file "{\"path\": \"$proj/made.txt\", \"content\": \"by mcp\"}"
is "$(cat "$proj/made.txt")" "by mcp" "the filesystem server writes in the work folder"
run tool mcp__files__read_text_file '{"path": "/etc/hostname"}'
is "$rc" 1 "and refuses outside it (its own rule)"

run tool mcp__fault__env '{"name": "FAULT_TOKEN"}'
is "$out" "[redacted TOKEN]" "\${TOKEN} reaches the server's env, and its value is redacted from the result"
run tool mcp__fault__env '{"name": "ANTHROPIC_API_KEY"}'
is "$out" "(unset)" "claw's own environment does not"
run tool mcp__fault__env '{"name": "HOME"}'
home_seen=$out
run tool mcp__everything__get-env '{}'
case "$out" in *"$CLAW_HOME"*) ok 1 "the server does not see claw's home" ;; *) ok 0 "the server does not see claw's home" ;; esac

run tool mcp__fault__image '{}'
is "$out" "Here:
[image: image/png, 12 KiB]
[resource: file:///x.txt (x)]
[resource: mem://note]
embedded" "content: text kept, image summarised, links by URI, embedded text kept"
run tool mcp__fault__fails '{}'
is "$rc" 1 "isError is a tool error"
is "$err" "claw tool: it went wrong" "with the server's text"
run tool mcp__fault__rpcerror '{}'
like "$err" "the server's error -32602: bad params, says the server" "a JSON-RPC error is a tool error"
run tool mcp__fault__malformed '{}'
is "$rc" 1 "a line that is not JSON-RPC fails the call"
like "$err" "the server sent a line that is not JSON-RPC" "saying so"
run tool mcp__fault__overlong '{}'
like "$err" "the server wrote a message over 4194304 bytes: stopped" "a line over the cap stops the server"
run tool mcp__fault__big '{"bytes": 300000}'
like "$out" "bytes clipped ...]" "a big result is clipped like any tool output"
run tool mcp__fault__flood '{}'
is "$out" "flooded" "a chatty server (5000 notifications before its answer) gets its answer"
run tool mcp__fault__crash '{}'
is "$rc" 1 "a server that dies mid-call"
like "$err" "the server exited with status 3; its stderr: fault: crashing now" "is a tool error with its status and stderr"
run tool mcp__fault__ask '{}'
is "$out" 'ping: {}; roots: error -32601' "claw answers the server's ping and refuses what it does not serve"
run tool mcp__fault__anyof '{"v": 3, "n": 2}'
is "$out" "v=3 n=2" "a schema beyond claw's subset still works"
run tool mcp__fault__anyof '{"v": 3}'
like "$err" 'missing field "n"' "and its required fields are still checked"

CLAW_TOOL_TIMEOUT_MS=1500 run tool mcp__fault__hang '{}'
is "$rc" 1 "a call past the timeout"
like "$err" "no result within 1500 ms: the call was cancelled" "is cancelled"
like "$(cat "$proj/fault.log")" "cancelled 3" "with notifications/cancelled for its id"
ok "$(pgrep -f "$fault" >/dev/null; [ $? = 1 ]; echo $?)" "no server outlives claw tool"

cat >"$conf" <<JSON
{"mcpServers": {"many": {"command": "node", "args": ["$fault", "--tools", "200", "--page", "7"]},
  "few": {"command": "node", "args": ["$fault", "--tools", "200", "--page", "7", "--log", "$proj/few.log"], "tools": ["ok", "extra_199"]}}}
JSON
run mcp
like "$out" "many (stdio: node): cannot connect: tools/list: the server offers more than 128 tools" "a huge tools list is refused"
like "$out" "few (stdio: node): MCP 2025-11-25, 2 tools" "the allow-list keeps only what it names"
is "$(grep -c 'tools/list' "$proj/few.log")" "31" "the list is read page by page"

# Streamable HTTP: the everything server on a loopback port of its own.
rm -f "$tmp/port"
PORT=0 PORT_FILE="$tmp/port" node --require "$(dirname "$fault")/loopback.cjs" "$everything" streamableHttp \
	>"$tmp/http.log" 2>&1 &
http_pid=$!
trap 'kill $http_pid 2>/dev/null; rm -rf "$tmp" "$CLAW_HOME"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
hport=$(cat "$tmp/port")
cat >"$conf" <<JSON
{"mcpServers": {"web": {"url": "http://127.0.0.1:$hport/mcp", "headers": {"Authorization": "Bearer \${TOKEN}"}},
  "nothing": {"type": "http", "url": "http://127.0.0.1:1/mcp"},
  "wrong": {"url": "http://127.0.0.1:$hport/nope"}}}
JSON
run mcp
like "$out" "web (http: http://127.0.0.1:$hport/mcp): MCP 2025-11-25, 13 tools" "an HTTP server: the protocol agreed and its tools"
like "$out" "nothing (http: http://127.0.0.1:1/mcp): cannot connect: " "nothing listening: cannot connect"
like "$out" "wrong (http: http://127.0.0.1:$hport/nope): cannot connect: HTTP 404 from http://127.0.0.1:$hport/nope" \
	"a wrong path: the HTTP status"
run tool mcp__web__echo '{"message": "over http"}'
is "$out" "Echo: over http" "a tool call over streamable HTTP"
run tool mcp__web__trigger-long-running-operation '{"duration": 1, "steps": 2}'
is "$out" "Long running operation completed. Duration: 1 seconds, Steps: 2." \
	"a call answered over an event stream a second later"
like "$(cat "$tmp/http.log")" "Received session termination request" "claw ends its session when done"
kill $http_pid 2>/dev/null

printf '{"mcpServers": {"x": {"command": "node", "netwrk": true}}}' >"$conf"
run mcp
is "$rc" 1 "a config with an unknown key"
like "$err" "server x: unknown field \"netwrk\"" "names the server and the field"

done_testing
