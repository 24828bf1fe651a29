# tests/cli — the real claw binary against a temporary CLAW_HOME (TAP, sh).
CLI_TESTS = tests/cli/global.sh tests/cli/init.sh tests/cli/issues.sh tests/cli/log.sh \
	tests/cli/tool.sh tests/cli/serve.sh tests/cli/mcp.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += tests/cli/lib.sh $(CLI_TESTS)
