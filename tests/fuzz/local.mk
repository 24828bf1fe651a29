# tests/fuzz — libFuzzer targets, one per parser of outside input, each with
# a seeds directory (tests/fuzz/seeds/NAME) and a dictionary (NAME.dict).
# docs/FUZZING.md says what each one checks and how to run it.
#
# Every target is built twice:
#  - tests/fuzz/replay_NAME in every build (check_PROGRAMS, run by make
#    check): the target with replay.c's main(), fed each seed, so none rots
#    in builds without libFuzzer;
#  - tests/fuzz/fuzz_NAME only with ./configure --enable-fuzz CC=clang: the
#    target's own sources (the parsers under test) are instrumented with
#    -fsanitize=fuzzer, the rest comes from libclaw.a.
# The seeds directory goes into the tarball whole, so a crash input added to
# it needs no edit here.
FUZZ_REPLAYS = tests/fuzz/replay_spec tests/fuzz/replay_request tests/fuzz/replay_api \
	tests/fuzz/replay_since tests/fuzz/replay_env tests/fuzz/replay_secrets \
	tests/fuzz/replay_pricing tests/fuzz/replay_reply tests/fuzz/replay_retry_after \
	tests/fuzz/replay_checkpoint tests/fuzz/replay_tool_input tests/fuzz/replay_changes \
	tests/fuzz/replay_mcp_config tests/fuzz/replay_mcp_rpc
FUZZ_LIBS = tests/fuzz/libfuzzhelp.a libclaw.a $(CLAW_DEPS_LIBS)
REPLAY_LIBS = tests/fuzz/libfuzzreplay.a $(FUZZ_LIBS)

noinst_LIBRARIES += tests/fuzz/libfuzzhelp.a tests/fuzz/libfuzzreplay.a
tests_fuzz_libfuzzhelp_a_SOURCES = tests/fuzz/fuzz.c tests/fuzz/fuzz.h
tests_fuzz_libfuzzreplay_a_SOURCES = tests/fuzz/replay.c

EXTRA_DIST += tests/fuzz/seeds tests/fuzz/spec.dict tests/fuzz/request.dict \
	tests/fuzz/api.dict tests/fuzz/since.dict tests/fuzz/env.dict \
	tests/fuzz/secrets.dict tests/fuzz/pricing.dict tests/fuzz/reply.dict \
	tests/fuzz/retry_after.dict tests/fuzz/checkpoint.dict tests/fuzz/tool_input.dict \
	tests/fuzz/changes.dict tests/fuzz/mcp_config.dict tests/fuzz/mcp_rpc.dict

check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)
tests_fuzz_replay_spec_SOURCES = tests/fuzz/fuzz_spec.c
tests_fuzz_replay_spec_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_request_SOURCES = tests/fuzz/fuzz_request.c
tests_fuzz_replay_request_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_api_SOURCES = tests/fuzz/fuzz_api.c
tests_fuzz_replay_api_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_since_SOURCES = tests/fuzz/fuzz_since.c
tests_fuzz_replay_since_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_env_SOURCES = tests/fuzz/fuzz_env.c
tests_fuzz_replay_env_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_secrets_SOURCES = tests/fuzz/fuzz_secrets.c
tests_fuzz_replay_secrets_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_pricing_SOURCES = tests/fuzz/fuzz_pricing.c
tests_fuzz_replay_pricing_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_reply_SOURCES = tests/fuzz/fuzz_reply.c
tests_fuzz_replay_reply_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_retry_after_SOURCES = tests/fuzz/fuzz_retry_after.c
tests_fuzz_replay_retry_after_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_checkpoint_SOURCES = tests/fuzz/fuzz_checkpoint.c
tests_fuzz_replay_checkpoint_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_tool_input_SOURCES = tests/fuzz/fuzz_tool_input.c
tests_fuzz_replay_tool_input_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_changes_SOURCES = tests/fuzz/fuzz_changes.c
tests_fuzz_replay_changes_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_mcp_config_SOURCES = tests/fuzz/fuzz_mcp_config.c
tests_fuzz_replay_mcp_config_LDADD = $(REPLAY_LIBS)
tests_fuzz_replay_mcp_rpc_SOURCES = tests/fuzz/fuzz_mcp_rpc.c
tests_fuzz_replay_mcp_rpc_LDADD = $(REPLAY_LIBS)

if ENABLE_FUZZ
noinst_PROGRAMS = tests/fuzz/fuzz_spec tests/fuzz/fuzz_request tests/fuzz/fuzz_api \
	tests/fuzz/fuzz_since tests/fuzz/fuzz_env tests/fuzz/fuzz_secrets \
	tests/fuzz/fuzz_pricing tests/fuzz/fuzz_reply tests/fuzz/fuzz_retry_after \
	tests/fuzz/fuzz_checkpoint tests/fuzz/fuzz_tool_input tests/fuzz/fuzz_changes \
	tests/fuzz/fuzz_mcp_config tests/fuzz/fuzz_mcp_rpc
FUZZ_COMPILE_FLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_spec_SOURCES = tests/fuzz/fuzz_spec.c src/flow/spec.c \
	src/flow/spec_expand.c src/flow/spec_render.c
tests_fuzz_fuzz_spec_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_spec_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_spec_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_request_SOURCES = tests/fuzz/fuzz_request.c src/server/request.c \
	src/server/route.c src/base/str.c
tests_fuzz_fuzz_request_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_request_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_request_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_api_SOURCES = tests/fuzz/fuzz_api.c src/server/api_projects.c \
	src/server/api_issues.c src/server/api_control.c src/server/parking.c src/base/json.c
tests_fuzz_fuzz_api_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_api_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_api_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_since_SOURCES = tests/fuzz/fuzz_since.c src/server/api.c \
	src/server/request.c src/base/str.c
tests_fuzz_fuzz_since_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_since_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_since_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_env_SOURCES = tests/fuzz/fuzz_env.c src/base/envfile.c src/base/config.c
tests_fuzz_fuzz_env_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_env_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_env_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_secrets_SOURCES = tests/fuzz/fuzz_secrets.c src/tool/secrets.c
tests_fuzz_fuzz_secrets_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_secrets_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_secrets_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_pricing_SOURCES = tests/fuzz/fuzz_pricing.c src/llm/pricing.c
tests_fuzz_fuzz_pricing_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_pricing_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_pricing_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_reply_SOURCES = tests/fuzz/fuzz_reply.c src/llm/anthropic.c \
	src/llm/openai.c src/llm/retry.c src/llm/message.c
tests_fuzz_fuzz_reply_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_reply_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_reply_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_retry_after_SOURCES = tests/fuzz/fuzz_retry_after.c src/llm/retry.c
tests_fuzz_fuzz_retry_after_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_retry_after_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_retry_after_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_checkpoint_SOURCES = tests/fuzz/fuzz_checkpoint.c src/llm/message.c \
	src/tool/history.c
tests_fuzz_fuzz_checkpoint_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_checkpoint_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_checkpoint_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_tool_input_SOURCES = tests/fuzz/fuzz_tool_input.c src/tool/registry.c \
	src/tool/files.c
tests_fuzz_fuzz_tool_input_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_tool_input_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_tool_input_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_changes_SOURCES = tests/fuzz/fuzz_changes.c src/tool/changes.c
tests_fuzz_fuzz_changes_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_changes_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_changes_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_mcp_config_SOURCES = tests/fuzz/fuzz_mcp_config.c src/mcp/config.c
tests_fuzz_fuzz_mcp_config_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_mcp_config_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_mcp_config_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_mcp_rpc_SOURCES = tests/fuzz/fuzz_mcp_rpc.c src/mcp/rpc.c
tests_fuzz_fuzz_mcp_rpc_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_mcp_rpc_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_mcp_rpc_LDADD = $(FUZZ_LIBS)
endif
