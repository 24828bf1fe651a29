# src/server — claw serve: FastCGI listener and workers, routes and API
# handlers, the stream hub, the board announcer, gates and the run manager.
# Highest layer with cli/: may include anything below it.
libclaw_a_SOURCES += \
	src/server/request.c src/server/request.h \
	src/server/route.c src/server/route.h \
	src/server/dbcache.c src/server/dbcache.h \
	src/server/fcgi.c src/server/fcgi.h \
	src/server/fcgi_wire.c src/server/fcgi_wire.h \
	src/server/issueview.c src/server/issueview.h \
	src/server/board.c src/server/board.h \
	src/server/sse.c src/server/sse.h \
	src/server/sse_frame.c src/server/sse_frame.h \
	src/server/sendq.c src/server/sendq.h \
	src/server/replay.c src/server/replay.h \
	src/server/parking.c src/server/parking.h \
	src/server/runs.c src/server/runs.h \
	src/server/webhook.c src/server/webhook.h \
	src/server/api.c src/server/api.h \
	src/server/api_projects.c \
	src/server/api_issues.c \
	src/server/api_control.c \
	src/server/api_runs.c \
	src/server/api_changes.c \
	src/server/server.c src/server/server.h
