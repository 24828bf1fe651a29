# tests/cli/lib.sh — TAP helpers for tests that run the real claw binary.
#
# Sourced by tests/cli/*.sh.  Each test gets a fresh temporary CLAW_HOME and a
# scratch folder, removed at exit.  `run ARGS...` runs claw capturing stdout,
# stderr and the exit status into $out, $err and $rc.

set -u
: "${CLAW_BIN:?CLAW_BIN must point at the claw binary}"

tap_n=0
tap_failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/claw-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CLAW_HOME="$tmp/home"
export HOME="$tmp/user"
mkdir -p "$HOME"
unset CLAW_PROJECT XDG_DATA_HOME ANTHROPIC_API_KEY OPENAI_API_KEY CLAW_API_KEY CLAW_MODEL \
	CLAW_AGENT CLAW_BASE_URL NO_COLOR

run() {
	"$CLAW_BIN" "$@" >"$tmp/.out" 2>"$tmp/.err"
	rc=$?
	out=$(cat "$tmp/.out")
	err=$(cat "$tmp/.err")
}

_report() { # pass name [diagnostics...]
	tap_n=$((tap_n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $tap_n - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $2"
		shift 2
		for d in "$@"; do printf '#   %s\n' "$d"; done
		printf '#   stdout: %s\n#   stderr: %s\n' "${out-}" "${err-}"
	fi
}

is() { # got want name
	if [ "$1" = "$2" ]; then _report 1 "$3"; else _report 0 "$3" "got: '$1'" "expected: '$2'"; fi
}

like() { # haystack needle name
	case "$1" in
	*"$2"*) _report 1 "$3" ;;
	*) _report 0 "$3" "in: '$1'" "missing: '$2'" ;;
	esac
}

ok() { # condition-exit-status name
	if [ "$1" = 0 ]; then _report 1 "$2"; else _report 0 "$2"; fi
}

skip() { # reason: a check that cannot run here, counted as SKIP
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}

# mcp_servers: sets $mcp_modules to the node_modules holding the MCP
# reference servers (tests/mcp/package.json; tools/test installs them and
# names the folder in CLAW_MCP_NODE_MODULES) and $fault to the scripted
# fault server; skips the whole test when node or the servers are missing,
# unless CLAW_TEST_MCP_REQUIRED=1 (CI), where that is a failure.
mcp_servers() {
	mcp_modules=${CLAW_MCP_NODE_MODULES:-${CLAW_SRCDIR:-.}/tests/mcp/node_modules}
	fault=$(cd "${CLAW_SRCDIR:-.}/tests/mcp" && pwd -P)/fault.mjs
	if command -v node >/dev/null && [ -f "$mcp_modules/@modelcontextprotocol/server-everything/package.json" ]; then
		mcp_modules=$(cd "$mcp_modules" && pwd -P)
		return 0
	fi
	if [ "${CLAW_TEST_MCP_REQUIRED:-0}" = 1 ]; then
		echo "Bail out! node or the MCP servers are missing (cd tests/mcp && npm ci)"
		exit 1
	fi
	echo "1..0 # SKIP node or the MCP servers are missing (cd tests/mcp && npm ci)"
	exit 0
}
