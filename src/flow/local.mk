# src/flow — the run engine: workflow language, turn loop, critics, ask
# ladder, built-in workflows, the issue pipeline, and the front-end seam.
libclaw_a_SOURCES += \
	src/flow/frontend.c src/flow/frontend.h

# The workflow language: parser, validator, placeholders, canonical JSON.
libclaw_a_SOURCES += \
	src/flow/spec.c src/flow/spec.h src/flow/spec_int.h \
	src/flow/spec_expand.c src/flow/spec_render.c
SPEC_TESTS = tests/unit/test_spec
check_PROGRAMS += $(SPEC_TESTS)
TESTS += $(SPEC_TESTS)
tests_unit_test_spec_SOURCES = tests/unit/test_spec.c

# The built-in workflows: src/flow/builtin/<name>.json, turned into bytes by
# embed.sh in the build tree (builtins_data.inc, included by builtins.c; not
# distributed, always regenerated from the JSON).
FLOW_BUILTIN_JSON = src/flow/builtin/generate.json src/flow/builtin/repair.json
libclaw_a_SOURCES += \
	src/flow/builtins.c src/flow/builtins.h
EXTRA_DIST += src/flow/embed.sh $(FLOW_BUILTIN_JSON)
BUILT_SOURCES += src/flow/builtins_data.inc
CLEANFILES += src/flow/builtins_data.inc
src/flow/builtins_data.inc: $(FLOW_BUILTIN_JSON) src/flow/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/flow && $(SHELL) $(srcdir)/src/flow/embed.sh $@ \
		generate=$(srcdir)/src/flow/builtin/generate.json \
		repair=$(srcdir)/src/flow/builtin/repair.json
src/flow/builtins.$(OBJEXT): src/flow/builtins_data.inc
BUILTIN_TESTS = tests/unit/test_builtin
check_PROGRAMS += $(BUILTIN_TESTS)
TESTS += $(BUILTIN_TESTS)
tests_unit_test_builtin_SOURCES = tests/unit/test_builtin.c

# The engine: run context, budget, gates, the ask ladder, the turn loop.
libclaw_a_SOURCES += \
	src/flow/context.c src/flow/context.h \
	src/flow/instructions.c src/flow/instructions.h \
	src/flow/mcp.c src/flow/mcp.h \
	src/flow/compact.c src/flow/compact.h \
	src/flow/budget.c src/flow/budget.h \
	src/flow/gate.c src/flow/gate.h \
	src/flow/ask.c src/flow/ask.h \
	src/flow/turnloop.c src/flow/turnloop.h \
	src/flow/runner.h
libclaw_a_SOURCES += \
	src/flow/tools.c src/flow/tools.h \
	src/flow/critic.c src/flow/critic.h \
	src/flow/engine.c src/flow/engine.h \
	src/flow/workspace.c src/flow/workspace.h \
	src/flow/review.c src/flow/review.h \
	src/flow/runner.c \
	src/flow/console.c src/flow/console.h
ENGINE_TESTS = tests/unit/test_ask tests/unit/test_turnloop tests/unit/test_budget \
	tests/unit/test_instructions tests/unit/test_compact
check_PROGRAMS += $(ENGINE_TESTS)
TESTS += $(ENGINE_TESTS)
tests_unit_test_ask_SOURCES = tests/unit/test_ask.c
tests_unit_test_turnloop_SOURCES = tests/unit/test_turnloop.c
tests_unit_test_budget_SOURCES = tests/unit/test_budget.c
tests_unit_test_instructions_SOURCES = tests/unit/test_instructions.c
tests_unit_test_compact_SOURCES = tests/unit/test_compact.c
