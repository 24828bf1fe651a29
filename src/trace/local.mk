# src/trace — the journal: tracer, sinks, bus, reader, render.
libclaw_a_SOURCES += \
	src/trace/bus.c src/trace/bus.h

check_PROGRAMS += tests/unit/test_bus tests/unit/test_bus_threads
TESTS += tests/unit/test_bus tests/unit/test_bus_threads
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c
tests_unit_test_bus_threads_SOURCES = tests/unit/test_bus_threads.c
