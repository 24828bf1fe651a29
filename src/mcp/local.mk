# src/mcp — MCP tools (SPEC section 12): the project's server config.
# Above tool (it reads the project's secrets); below flow.
libclaw_a_SOURCES += \
	src/mcp/config.c src/mcp/config.h

MCP_TESTS = tests/unit/test_mcp_config
check_PROGRAMS += $(MCP_TESTS)
TESTS += $(MCP_TESTS)
tests_unit_test_mcp_config_SOURCES = tests/unit/test_mcp_config.c
