/*
 * envfile — the reader of `KEY=value` files (claw.env).
 *
 * The syntax is the part of POSIX shell that such files use in practice, so
 * the same file can be `source`d by a shell:
 *
 *   # a comment line            blank lines are skipped
 *   KEY=value                   value trimmed; " #..." ends it (a comment)
 *   export KEY=value            "export " is optional
 *   KEY='value # kept'          matching single or double quotes: contents
 *   KEY="value"                 taken verbatim (no escapes, no $expansion)
 *
 * Keys match [A-Za-z_][A-Za-z0-9_]* and are followed directly by '='.  CRLF
 * line ends and a UTF-8 byte order mark are accepted.  Any other line is an
 * error naming the file and line (`/h/claw.env:3: expected KEY=value`).
 * Messages never quote the text of a line: it may hold an API key.
 *
 * The file is read whole into one buffer of CLAW_ENVFILE_MAX bytes that is
 * wiped before it is freed, so secrets do not linger in freed memory.
 *
 * Threads: thread-safe (no shared state).
 */
#ifndef CLAW_BASE_ENVFILE_H
#define CLAW_BASE_ENVFILE_H

#include <stddef.h>

#include "base/err.h"
#include "base/str.h"

/* The largest env file read; a bigger one is CLAW_ETOOBIG. */
#define CLAW_ENVFILE_MAX (64 * 1024)

/* Called once per KEY=value line, in file order.  key and value are borrowed
 * slices of the text, valid for the call only (copy what you keep; wipe
 * copies of secrets).  line counts from 1.  Return CLAW_OK to go on; any
 * other code stops the parse and is returned, with the message set by the
 * callback prefixed by "<name>:<line>: ". */
typedef enum claw_err (*claw_envfile_fn)(void *ctx, struct claw_str key, struct claw_str value,
					 unsigned line, struct claw_error *err);

/* Parses text[0..len); name is the file name used in messages. */
enum claw_err claw_envfile_parse(const char *text, size_t len, const char *name, claw_envfile_fn fn,
				 void *ctx, struct claw_error *err);

/* Reads the file at path and parses it.  A missing file is CLAW_ENOTFOUND
 * (the caller decides whether that matters); unreadable or not a regular
 * file is CLAW_EIO; past CLAW_ENVFILE_MAX is CLAW_ETOOBIG. */
enum claw_err claw_envfile_load(const char *path, claw_envfile_fn fn, void *ctx,
				struct claw_error *err);

#endif
