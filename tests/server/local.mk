# tests/server — claw serve's parts in unit tests (TAP, C), and the whole
# server through a private nginx with curl and tests/server/sseclient (TAP,
# sh; need nginx, curl and the sqlite3 shell).
SERVER_UNIT_TESTS = \
	tests/unit/test_dbcache \
	tests/unit/test_fcgi_wire \
	tests/unit/test_issueview \
	tests/unit/test_request \
	tests/unit/test_replay \
	tests/unit/test_route \
	tests/unit/test_sendq \
	tests/unit/test_server_parking \
	tests/unit/test_server_runs \
	tests/unit/test_sse
check_PROGRAMS += $(SERVER_UNIT_TESTS)
TESTS += $(SERVER_UNIT_TESTS)
tests_unit_test_dbcache_SOURCES = tests/unit/test_dbcache.c
tests_unit_test_fcgi_wire_SOURCES = tests/unit/test_fcgi_wire.c
tests_unit_test_issueview_SOURCES = tests/unit/test_issueview.c
tests_unit_test_request_SOURCES = tests/unit/test_request.c
tests_unit_test_request_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz
tests_unit_test_request_LDADD = tests/unit/libtap.a tests/fuzz/libfuzzhelp.a $(LDADD)
tests_unit_test_replay_SOURCES = tests/unit/test_replay.c
tests_unit_test_route_SOURCES = tests/unit/test_route.c
tests_unit_test_sendq_SOURCES = tests/unit/test_sendq.c
tests_unit_test_server_parking_SOURCES = tests/unit/test_server_parking.c
tests_unit_test_server_runs_SOURCES = tests/unit/test_server_runs.c
tests_unit_test_sse_SOURCES = tests/unit/test_sse.c

# The SSE client of the shell tests (a helper, not a test).
check_PROGRAMS += tests/server/sseclient
tests_server_sseclient_SOURCES = tests/server/sseclient.c

# Through nginx (tests/server/lib.sh).
SERVER_SH_TESTS = tests/server/api.sh tests/server/flow.sh tests/server/queue.sh \
	tests/server/changes.sh tests/server/review.sh \
	tests/server/stall.sh tests/server/restart.sh tests/server/cluster.sh \
	tests/server/webhook.sh tests/server/steer.sh tests/server/live.sh tests/server/mcp.sh
TESTS += $(SERVER_SH_TESTS)
EXTRA_DIST += tests/server/lib.sh $(SERVER_SH_TESTS) conf/nginx.conf conf/nginx-cluster.conf \
	conf/claw.service
