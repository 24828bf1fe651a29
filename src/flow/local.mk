# src/flow — the run engine: workflow language, turn loop, critics, ask
# ladder, built-in workflows, the issue pipeline, and the front-end seam.
libclaw_a_SOURCES += \
	src/flow/frontend.c src/flow/frontend.h

# The workflow language: parser, validator, placeholders, canonical JSON.
libclaw_a_SOURCES += \
	src/flow/spec.c src/flow/spec.h
SPEC_TESTS = tests/unit/test_spec
check_PROGRAMS += $(SPEC_TESTS)
TESTS += $(SPEC_TESTS)
tests_unit_test_spec_SOURCES = tests/unit/test_spec.c

# The engine: run context, budget, gates, the ask ladder, the turn loop.
libclaw_a_SOURCES += \
	src/flow/context.c src/flow/context.h \
	src/flow/budget.c src/flow/budget.h \
	src/flow/gate.c src/flow/gate.h \
	src/flow/ask.c src/flow/ask.h \
	src/flow/turnloop.c src/flow/turnloop.h \
	src/flow/runner.h
