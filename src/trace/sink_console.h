/*
 * sink_console — the live trace tree on a terminal, for `claw run`.
 *
 * A tracer sink that renders each record with the render module (the same
 * lines `claw log` prints afterwards) and writes it to a file descriptor,
 * normally stderr, at or above a level: CLAW_RECORD_INFO by default,
 * CLAW_RECORD_NOTICE for -q, CLAW_RECORD_DEBUG for -v.  Colour when asked
 * (pass claw_render_colour_wanted(fd)).
 *
 * A failed write (a closed pipe) is an error of this sink only: the tracer
 * reports it once and the run goes on.
 *
 * Threads: the sink runs on its tracer's thread.  Each line is one write(2)
 * (short writes are continued), so lines do not interleave with claw_log's.
 */
#ifndef CLAW_TRACE_SINK_CONSOLE_H
#define CLAW_TRACE_SINK_CONSOLE_H

#include <stdbool.h>

#include "trace/tracer.h"

/* Adds a console sink writing to fd (borrowed: the caller keeps it open for
 * the tracer's life). */
void claw_sink_console_attach(struct claw_tracer *t, int fd, int level, bool colour);

#endif
