/*
 * sse_frame — one Server-Sent Event as text (HTML Living Standard,
 * "Server-sent events", the event stream format).  A leaf: the hub frames
 * live events with it, the board and the replayer their replays.
 *
 * Threads: no state.
 */
#ifndef CLAW_SERVER_SSE_FRAME_H
#define CLAW_SERVER_SSE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Appends one SSE event to out: "id: ID\n" (when id >= 0), "event: NAME\n",
 * one "data: " line per line of data (split at CR and LF, so the client
 * joins them back with LF), and the blank line.  Returns out's sticky
 * error. */
enum claw_err claw_sse_frame(struct claw_buf *out, int64_t id, const char *name, const char *data,
			     size_t len);

#endif
