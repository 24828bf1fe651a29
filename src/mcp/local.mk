# src/mcp — MCP tools (SPEC section 12): the project's server config,
# JSON-RPC messages, the stdio and streamable HTTP transports, the client
# and a run's set of servers.
# Above tool (sandbox, registry, secrets) and beside llm (its HTTP client);
# below flow.
libclaw_a_SOURCES += \
	src/mcp/client.c src/mcp/client.h \
	src/mcp/config.c src/mcp/config.h \
	src/mcp/http.c \
	src/mcp/rpc.c src/mcp/rpc.h \
	src/mcp/servers.c src/mcp/servers.h \
	src/mcp/stdio.c src/mcp/transport.h

MCP_TESTS = tests/unit/test_mcp_config tests/unit/test_mcp_rpc tests/unit/test_mcp_servers
check_PROGRAMS += $(MCP_TESTS)
TESTS += $(MCP_TESTS)
tests_unit_test_mcp_config_SOURCES = tests/unit/test_mcp_config.c
tests_unit_test_mcp_rpc_SOURCES = tests/unit/test_mcp_rpc.c
tests_unit_test_mcp_servers_SOURCES = tests/unit/test_mcp_servers.c
