# tests/mockllm — the scripted model server (a real HTTP/1.1 server speaking
# the Anthropic and OpenAI wire formats) and the tests that drive claw's
# libcurl client against it.
check_PROGRAMS += tests/mockllm/mockllm tests/mockllm/test_client tests/mockllm/test_webhook
tests_mockllm_mockllm_SOURCES = tests/mockllm/mockllm.c \
	tests/mockllm/scenario.c tests/mockllm/scenario.h \
	tests/mockllm/cache.c tests/mockllm/cache.h \
	tests/mockllm/sse.c tests/mockllm/sse.h
tests_mockllm_mockllm_LDADD = libclaw.a $(CLAW_DEPS_LIBS)
tests_mockllm_test_client_SOURCES = tests/mockllm/test_client.c \
	tests/mockllm/mockproc.c tests/mockllm/mockproc.h
tests_mockllm_test_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
TESTS += tests/mockllm/test_client tests/mockllm/test_webhook
# claw serve's webhook notifier (src/server/webhook.c) against mockllm's /hook.
tests_mockllm_test_webhook_SOURCES = tests/mockllm/test_webhook.c \
	tests/mockllm/mockproc.c tests/mockllm/mockproc.h
tests_mockllm_test_webhook_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
EXTRA_DIST += tests/mockllm/README.md
