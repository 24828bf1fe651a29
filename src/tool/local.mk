# src/tool — how agents touch a project: the registry and its tools, the
# bubblewrap sandbox, and secrets.  Above base; below flow.
libclaw_a_SOURCES += \
	src/tool/registry.c src/tool/registry.h \
	src/tool/history.c src/tool/history.h \
	src/tool/secrets.c src/tool/secrets.h \
	src/tool/proc.c src/tool/proc.h \
	src/tool/cgroup.c src/tool/cgroup.h \
	src/tool/sandbox.c src/tool/sandbox.h \
	src/tool/bash.c src/tool/bash.h \
	src/tool/files.c src/tool/files.h \
	src/tool/recall.c src/tool/recall.h \
	src/tool/artifact.c src/tool/artifact.h \
	src/tool/builtin.c src/tool/builtin.h \
	src/tool/git.c src/tool/git.h \
	src/tool/changes.c src/tool/changes.h \
	src/tool/workdir.c src/tool/workdir.h

# One TAP program per module; test_sandbox is the table of escape attempts,
# each through the real tools and the real bubblewrap.
TOOL_TESTS = \
	tests/unit/test_registry tests/unit/test_history tests/unit/test_secrets \
	tests/unit/test_proc tests/unit/test_files tests/unit/test_bash \
	tests/unit/test_recall tests/unit/test_artifact tests/unit/test_sandbox \
	tests/unit/test_workdir tests/unit/test_changes
check_PROGRAMS += $(TOOL_TESTS)
TESTS += $(TOOL_TESTS)
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c
tests_unit_test_history_SOURCES = tests/unit/test_history.c
tests_unit_test_secrets_SOURCES = tests/unit/test_secrets.c
tests_unit_test_proc_SOURCES = tests/unit/test_proc.c
tests_unit_test_files_SOURCES = tests/unit/test_files.c
tests_unit_test_bash_SOURCES = tests/unit/test_bash.c
tests_unit_test_recall_SOURCES = tests/unit/test_recall.c
tests_unit_test_artifact_SOURCES = tests/unit/test_artifact.c
tests_unit_test_sandbox_SOURCES = tests/unit/test_sandbox.c
tests_unit_test_workdir_SOURCES = tests/unit/test_workdir.c
tests_unit_test_changes_SOURCES = tests/unit/test_changes.c
