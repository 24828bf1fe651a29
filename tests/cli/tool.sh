#!/bin/sh
# claw tool NAME JSON: one tool against the resolved project, as a run would
# run it: the sandbox, the project's secrets and redaction, the timeout; and
# the refusals (run-only tools, unknown tools, bad JSON, a readable secrets
# file).  The home is put outside /tmp so its cover, not the private /tmp,
# is what hides it.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

CLAW_HOME=$(mktemp -d "$PWD/tool-home-XXXXXX")
export CLAW_HOME
trap 'rm -rf "$tmp" "$CLAW_HOME"' EXIT

mkdir -p "$tmp/p/sub" "$tmp/outside"
run -c "$tmp/p" -q
is "$rc" 0 "register the project"
proj=$(cd "$tmp/p" && pwd -P)
key=$(basename "$CLAW_HOME"/projects/*.db .db)
cd "$tmp/p/sub" || exit 1

run tool bash '{"command": "echo hi; pwd"}'
is "$rc" 0 "bash runs"
is "$out" "hi
$proj" "in the project folder (found from a subfolder)"

run tool write_file '{"path": "notes.txt", "content": "one\ntwo\n"}'
is "$out" "Wrote 8 bytes to notes.txt" "write_file"
echo '{"path": "notes.txt"}' >"$tmp/in.json"
run tool read_file - <"$tmp/in.json"
is "$out" "one
two" "read_file with the input from stdin"
run tool list_files '{}'
like "$out" "notes.txt (8 bytes)" "list_files"

run tool bash '{"command": "echo out; echo err >&2; exit 3"}'
is "$rc" 1 "a failing command exits 1"
is "$err" "claw tool: [exit 3]
out
err" "with the result on stderr"

printf 'ANTHROPIC_API_KEY=sk-ant-cli-home-0123456789\n' >"$CLAW_HOME/claw.env"
run tool bash "{\"command\": \"ls -a $CLAW_HOME; cat $CLAW_HOME/claw.env\"}"
is "$rc" 1 "claw.env cannot be read from bash"
case "$out$err" in *sk-ant-cli-home*|*projects*) leaked=1 ;; *) leaked=0 ;; esac
is "$leaked" 0 "the home is empty in there"

ANTHROPIC_API_KEY=sk-ant-cli-env-0123456789 run tool bash '{"command": "env; cat /proc/1/environ"}'
case "$out$err" in *sk-ant-cli*) leaked=1 ;; *) leaked=0 ;; esac
is "$leaked" 0 "no API key in bash's environment"

run tool read_file '{"path": "/etc/passwd"}'
is "$rc" 1 "an absolute path is refused"
is "$err" "claw tool: path escapes the project: /etc/passwd" "with the SPEC message"

printf 'TOKEN=tok-cli-0123456789\n' >"$CLAW_HOME/projects/$key.secrets"
chmod 644 "$CLAW_HOME/projects/$key.secrets"
run tool bash '{"command": "echo $TOKEN"}'
is "$rc" 1 "a secrets file others can read is refused"
like "$err" "run chmod 600 $CLAW_HOME/projects/$key.secrets" "with the chmod hint"
chmod 600 "$CLAW_HOME/projects/$key.secrets"
run tool bash '{"command": "echo $TOKEN"}'
is "$out" "[redacted TOKEN]" "the secret reaches bash and is redacted from its output"

CLAW_TOOL_TIMEOUT_MS=1000 run tool bash '{"command": "sleep 30"}'
is "$rc" 1 "the tool timeout applies"
is "$err" "claw tool: [timeout after 1s]" "and says so"

CLAW_SANDBOX=none run tool bash '{"command": "echo unconfined"}'
is "$out" "unconfined" "CLAW_SANDBOX=none runs"
like "$err" "UNCONFINED" "with a warning"

run tool recall '{"what": "task"}'
is "$rc" 1 "recall is refused"
is "$err" "claw tool: recall needs a run: it only works inside one (claw run)" "as run-only"
run tool verdict '{}'
like "$err" "verdict needs a run" "so is verdict"
run tool nope '{}'
is "$err" "claw tool: unknown tool nope (tools: bash, read_file, write_file, list_files)" \
	"an unknown tool lists the ones there are"
run tool bash '{"command": '
is "$rc" 2 "bad JSON is a usage error"
like "$err" "claw tool: JSON: invalid JSON" "and says where"
run tool bash
is "$rc" 2 "missing JSON is a usage error"
run tool bash '{"cmd": "ls"}'
is "$err" "claw tool: invalid input for bash: missing field \"command\"" "schema checked"

cd "$tmp/outside" || exit 1
run tool bash '{"command": "true"}'
is "$rc" 1 "outside a project"
like "$err" "not inside a registered project" "it says so"

done_testing
