/*
 * bash — the tool that runs a shell command in the project, in the sandbox.
 *
 * `/bin/sh -c COMMAND` in the project folder under the context's sandbox
 * (sandbox.h), stdin /dev/null, with an environment of exactly PATH (claw's
 * own, else a standard one), HOME = the project, LANG=C.UTF-8, TERM=dumb and
 * the project's secrets (never claw's API keys: nothing else of claw's
 * environment is passed).  The result is the command's stdout and stderr in
 * arrival order, secrets redacted, made visible (claw_str_visible: a NUL,
 * a control byte or an invalid UTF-8 byte never cuts or corrupts it), then
 * clipped to the first and last CLAW_TOOL_CLIP_HEAD/TAIL bytes; "[exit N]" heads it when the
 * command failed (N = 128 + signal when a signal ended it) and "[timeout after Ns]" when the tool
 * timeout killed it with its whole process group;
 * "[killed: memory limit N MiB]" comes first when the memory limit's OOM
 * kill stopped a process of it.  All of those are error results.
 *
 * Threads: thread-safe; a call blocks its thread for up to the timeout.
 */
#ifndef CLAW_TOOL_BASH_H
#define CLAW_TOOL_BASH_H

#include "tool/registry.h"

/* Bytes of output after redaction (a short value replaced by a long label
 * grows text up to ~10x; the capture is at most 1 MiB + 64 KiB). */
#define CLAW_BASH_REDACTED_MAX (16 * 1024 * 1024)
/* Bytes of that once made visible (claw_str_visible: a control byte
 * becomes 4, an invalid one 3). */
#define CLAW_BASH_VISIBLE_MAX (4 * CLAW_BASH_REDACTED_MAX)
#define CLAW_BASH_PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The tool descriptor ("bash", input {command}). */
const struct claw_tool *claw_bash_tool(void);

/* Runs command as the bash tool does and fills res (initialised) with the
 * formatted result.  Used by the tool and by artifact's `command`. */
void claw_bash_run(const struct claw_tool_ctx *ctx, const char *command,
		   struct claw_tool_result *res);

#endif
