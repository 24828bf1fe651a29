# src/trace — the journal: tracer, sinks, bus, reader, render.
libclaw_a_SOURCES += \
	src/trace/bus.c src/trace/bus.h \
	src/trace/record.c src/trace/record.h \
	src/trace/tracer.c src/trace/tracer.h \
	src/trace/reader.c src/trace/reader.h \
	src/trace/outline.c src/trace/outline.h \
	src/trace/render.c src/trace/render.h \
	src/trace/sink_console.c src/trace/sink_console.h \
	src/trace/sink_store.c src/trace/sink_store.h

TRACE_TESTS = \
	tests/unit/test_bus \
	tests/unit/test_bus_threads \
	tests/unit/test_record \
	tests/unit/test_tracer \
	tests/unit/test_render \
	tests/unit/test_sink_console \
	tests/unit/test_sink_store \
	tests/unit/test_reader
check_PROGRAMS += $(TRACE_TESTS)
TESTS += $(TRACE_TESTS)
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c
tests_unit_test_bus_threads_SOURCES = tests/unit/test_bus_threads.c
tests_unit_test_record_SOURCES = tests/unit/test_record.c
tests_unit_test_tracer_SOURCES = tests/unit/test_tracer.c
tests_unit_test_render_SOURCES = tests/unit/test_render.c
tests_unit_test_sink_console_SOURCES = tests/unit/test_sink_console.c
tests_unit_test_sink_store_SOURCES = tests/unit/test_sink_store.c
tests_unit_test_reader_SOURCES = tests/unit/test_reader.c
