# src/mcp — MCP tools (SPEC section 12): the project's server config and
# JSON-RPC messages.
# Above tool (it reads the project's secrets); below flow.
libclaw_a_SOURCES += \
	src/mcp/config.c src/mcp/config.h \
	src/mcp/rpc.c src/mcp/rpc.h

MCP_TESTS = tests/unit/test_mcp_config tests/unit/test_mcp_rpc
check_PROGRAMS += $(MCP_TESTS)
TESTS += $(MCP_TESTS)
tests_unit_test_mcp_config_SOURCES = tests/unit/test_mcp_config.c
tests_unit_test_mcp_rpc_SOURCES = tests/unit/test_mcp_rpc.c
