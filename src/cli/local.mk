# src/cli — the command line: one file per command, dispatched by cli.c.
# Highest layer with server/: may include anything below it.
libclaw_a_SOURCES += \
	src/cli/cli.c src/cli/cli.h \
	src/cli/init.c \
	src/cli/issue.c \
	src/cli/issues.c \
	src/cli/serve.c \
	src/cli/log.c \
	src/cli/tool.c \
	src/cli/run.c \
	src/cli/project.c \
	src/cli/diff.c \
	src/cli/review.c
