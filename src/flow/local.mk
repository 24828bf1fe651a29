# src/flow — the run engine: workflow language, turn loop, critics, ask
# ladder, built-in workflows, the issue pipeline, and the front-end seam.
libclaw_a_SOURCES += \
	src/flow/frontend.c src/flow/frontend.h
