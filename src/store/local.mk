# src/store — SQLite stores (one file per project): db (open, pragmas,
# migrations), projects (keys, registry, resolution), issues, runs, solvers,
# state (snapshots and exchange checkpoints), messages (steering).  Depends on src/base only.
libclaw_a_SOURCES += \
	src/store/db.c src/store/db.h \
	src/store/projects.c src/store/projects.h \
	src/store/issues.c src/store/issues.h \
	src/store/runs.c src/store/runs.h \
	src/store/solvers.c src/store/solvers.h \
	src/store/state.c src/store/state.h \
	src/store/messages.c src/store/messages.h

check_PROGRAMS += \
	tests/unit/test_db \
	tests/unit/test_projects \
	tests/unit/test_issues \
	tests/unit/test_runs \
	tests/unit/test_solvers \
	tests/unit/test_state \
	tests/unit/test_messages
TESTS += \
	tests/unit/test_db \
	tests/unit/test_projects \
	tests/unit/test_issues \
	tests/unit/test_runs \
	tests/unit/test_solvers \
	tests/unit/test_state \
	tests/unit/test_messages
tests_unit_test_db_SOURCES = tests/unit/test_db.c
tests_unit_test_projects_SOURCES = tests/unit/test_projects.c
tests_unit_test_issues_SOURCES = tests/unit/test_issues.c
tests_unit_test_runs_SOURCES = tests/unit/test_runs.c
tests_unit_test_solvers_SOURCES = tests/unit/test_solvers.c
tests_unit_test_state_SOURCES = tests/unit/test_state.c
tests_unit_test_messages_SOURCES = tests/unit/test_messages.c
