# src/base — the core library: errors, memory, buffers, slices, JSON, log,
# locks, clock, configuration.  Lowest layer: includes nothing else of claw.
libclaw_a_SOURCES += \
	src/base/err.c src/base/err.h \
	src/base/mem.c src/base/mem.h \
	src/base/buf.c src/base/buf.h \
	src/base/str.c src/base/str.h \
	src/base/json.c src/base/json.h \
	src/base/log.c src/base/log.h \
	src/base/mutex.c src/base/mutex.h \
	src/base/clock.c src/base/clock.h \
	src/base/envfile.c src/base/envfile.h \
	src/base/config.c src/base/config.h \
	src/base/gzip.c src/base/gzip.h

# One TAP program per module.
check_PROGRAMS += \
	tests/unit/test_err tests/unit/test_mem tests/unit/test_buf \
	tests/unit/test_str tests/unit/test_json tests/unit/test_log \
	tests/unit/test_mutex tests/unit/test_clock tests/unit/test_envfile \
	tests/unit/test_config tests/unit/test_gzip
TESTS += \
	tests/unit/test_err tests/unit/test_mem tests/unit/test_buf \
	tests/unit/test_str tests/unit/test_json tests/unit/test_log \
	tests/unit/test_mutex tests/unit/test_clock tests/unit/test_envfile \
	tests/unit/test_config tests/unit/test_gzip
tests_unit_test_err_SOURCES = tests/unit/test_err.c
tests_unit_test_mem_SOURCES = tests/unit/test_mem.c
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_str_SOURCES = tests/unit/test_str.c
tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_mutex_SOURCES = tests/unit/test_mutex.c
tests_unit_test_clock_SOURCES = tests/unit/test_clock.c
tests_unit_test_envfile_SOURCES = tests/unit/test_envfile.c
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_gzip_SOURCES = tests/unit/test_gzip.c
