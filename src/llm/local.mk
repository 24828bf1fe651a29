# src/llm — model backends: neutral message types, libcurl transport, the
# Anthropic and OpenAI-compatible wire formats, failure classes and backoff,
# the price table, and the client facade that ties them together.
libclaw_a_SOURCES += \
	src/llm/message.c src/llm/message.h \
	src/llm/http.c src/llm/http.h \
	src/llm/retry.c src/llm/retry.h \
	src/llm/pricing.c src/llm/pricing.h \
	src/llm/anthropic.c src/llm/anthropic.h \
	src/llm/openai.c src/llm/openai.h \
	src/llm/stream.c src/llm/stream.h \
	src/llm/client.c src/llm/client.h

# One TAP program per module.
LLM_UNIT_TESTS = \
	tests/unit/test_message \
	tests/unit/test_anthropic \
	tests/unit/test_openai \
	tests/unit/test_retry \
	tests/unit/test_pricing \
	tests/unit/test_stream
check_PROGRAMS += $(LLM_UNIT_TESTS)
TESTS += $(LLM_UNIT_TESTS)
