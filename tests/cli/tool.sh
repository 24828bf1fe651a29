#!/bin/sh
# claw tool NAME JSON: one tool against the resolved project, as a run would
# run it: the sandbox, the project's secrets and redaction, the timeout; and
# the refusals (run-only tools, unknown tools, bad JSON, a readable secrets
# file).  The home is put outside /tmp so its cover, not the private /tmp,
# is what hides it.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

top=$PWD
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
is "$err" "claw tool: unknown tool nope (tools: bash, read_file, write_file, edit_file, list_files)" \
	"an unknown tool lists the ones there are"
run tool bash '{"command": '
is "$rc" 2 "bad JSON is a usage error"
like "$err" "claw tool: JSON: invalid JSON" "and says where"
run tool bash
is "$rc" 2 "missing JSON is a usage error"
run tool bash '{"cmd": "ls"}'
is "$err" "claw tool: invalid input for bash: missing field \"command\"" "schema checked"

run tool bash '{"command": "printf \"x\\\\000hidden\\\\n\"; echo more"}'
is "$out" 'x\x00hidden
more' "a NUL in the output cuts nothing off (issue 13) and shows"

# Nothing inside claw's home can be a project: its sandbox would hold every
# project's db and secrets.
run -c "$CLAW_HOME/projects"
is "$rc" 1 "the home's projects folder cannot be registered"
like "$err" "is inside claw's home" "and says why"
mkdir -p "$CLAW_HOME/sub"
run -c "$CLAW_HOME/sub"
is "$rc" 1 "nor any folder in the home"

# claw serve's socket, wherever it is, is out of a command's reach (issue 13:
# from `claw tool bash`, cgi-fcgi on /run/.../claw.sock registered /etc as a
# project).  One socket outside both the home and /tmp, one in /run, one in
# the project folder itself.
connect='perl -MIO::Socket::UNIX -e "IO::Socket::UNIX->new(Peer => shift) or die qq(refused: \$!\\n); print qq(CONNECTED\\n)"'
outdir=$(mktemp -d "$top/tool-sock-XXXXXX")
rundir=$(mktemp -d /run/claw-tool-test-XXXXXX)
trap 'rm -rf "$tmp" "$CLAW_HOME" "$outdir" "$rundir"' EXIT
for sock in "$outdir/claw.sock" "$rundir/claw.sock" "$tmp/p/claw.sock"; do
	"$CLAW_BIN" serve --listen "unix:$sock" >"$tmp/serve.out" 2>&1 &
	pid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	sh -c "$connect $sock" >"$tmp/host.out" 2>&1
	like "$(cat "$tmp/host.out")" "CONNECTED" "control: the host reaches $sock"
	run tool bash "{\"command\": \"ls -l $sock; $(printf %s "$connect" | sed 's/\\/\\\\/g; s/"/\\"/g') $sock\"}"
	is "$rc" 1 "a sandboxed command cannot connect to $sock"
	like "$err" "refused" "it is refused"
	if command -v cgi-fcgi >/dev/null 2>&1; then
		run tool bash "{\"command\": \"REQUEST_METHOD=GET REQUEST_URI=/api/health cgi-fcgi -bind -connect $sock </dev/null\"}"
		is "$rc" 1 "cgi-fcgi from the sandbox gets nothing from $sock"
		case "$out$err" in *'"ok"'*) ok 1 "no health answer" ;; *) ok 0 "no health answer" ;; esac
	else
		skip "cgi-fcgi on $sock: no cgi-fcgi (libfcgi-bin; tools/test installs it)"
		skip "no health answer"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done

cd "$tmp/outside" || exit 1
run tool bash '{"command": "true"}'
is "$rc" 1 "outside a project"
like "$err" "not inside a registered project" "it says so"

done_testing
