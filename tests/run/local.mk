# tests/run — end-to-end runs of `claw run` against tests/mockllm: the real
# binary, real SQLite, the real sandbox (TAP, sh; needs the sqlite3 shell).
RUN_TESTS = tests/run/generate.sh tests/run/critic.sh tests/run/resume.sh \
	tests/run/backto.sh tests/run/supervisor.sh tests/run/stuck.sh tests/run/ledger.sh \
	tests/run/compact.sh \
	tests/run/grace.sh tests/run/worktree.sh tests/run/review.sh tests/run/inplace.sh tests/run/question.sh \
	tests/run/budget.sh tests/run/savefail.sh tests/run/repair.sh tests/run/cli.sh \
	tests/run/approve.sh tests/run/demo.sh tests/run/thinking.sh tests/run/mcp.sh tests/run/mcpgen.sh
TESTS += $(RUN_TESTS)
EXTRA_DIST += tests/run/lib.sh $(RUN_TESTS)
