/*
 * files — read_file, write_file and list_files, confined to the project.
 *
 * Confinement (SPEC section 5): a path must be relative, must have no ".."
 * component, and must resolve, symlinks included, to a place inside the
 * project; otherwise the answer is "path escapes the project: PATH".  The
 * check is not done on strings alone (a string check and a later open race
 * with anything that swaps a symlink in between): files are opened with
 * openat2(RESOLVE_BENEATH) relative to the project folder, so the kernel
 * itself refuses any resolution that would leave it, whether by an absolute
 * symlink, a relative one climbing out, or a dangling one that O_CREAT would
 * follow to create a file outside.  One legitimate case RESOLVE_BENEATH
 * refuses, an absolute symlink whose target is inside the project, is
 * retried through its real path.  Needs Linux 5.6.
 *
 * list_files shows each name on its own line with control bytes (a newline
 * included) as "\xHH" escapes and invalid UTF-8 as U+FFFD, so a name can
 * never forge an entry.
 *
 * Files are opened non-blocking (a FIFO left in the project must not hang a
 * run) and must be regular files.
 *
 * Threads: thread-safe.
 */
#ifndef CLAW_TOOL_FILES_H
#define CLAW_TOOL_FILES_H

#include <sys/stat.h>
#include <sys/types.h>

#include "tool/registry.h"

#define CLAW_FILES_READ_MAX 100000                /* bytes read_file shows */
#define CLAW_FILES_SCAN_BYTES (256 * 1024 * 1024) /* bytes read_file scans for a line range */
#define CLAW_FILES_WRITE_MAX (4 * 1024 * 1024)    /* bytes write_file accepts */
#define CLAW_FILES_LIST_MAX 1000                  /* entries list_files shows */
#define CLAW_FILES_SCAN_MAX 100000                /* entries list_files sorts */

/* The tool descriptors. */
const struct claw_tool *claw_files_read_tool(void);
const struct claw_tool *claw_files_write_tool(void);
const struct claw_tool *claw_files_edit_tool(void);
const struct claw_tool *claw_files_list_tool(void);

/* Opens rel inside root (a real absolute path) with open(2) flags and mode,
 * confined as above.  On CLAW_OK *fd is the caller's.  Errors, naming rel:
 * CLAW_EINVAL "path escapes the project: REL" (also for absolute paths and
 * ".." components) or "path is empty"; CLAW_ENOTFOUND "no such file: REL"
 * (for O_CREAT: "no such directory: DIR"); CLAW_EIO otherwise. */
enum claw_err claw_files_open(const char *root, const char *rel, int flags, mode_t mode, int *fd,
			      struct claw_error *err);
/* claw_files_open of a regular file for reading (non-blocking: a FIFO does
 * not hang), its stat in *st.  Anything else: CLAW_EINVAL "REL is not a
 * regular file" (nothing left open). */
enum claw_err claw_files_open_regular(const char *root, const char *rel, int *fd, struct stat *st,
				      struct claw_error *err);
/* The first bytes of the regular file rel inside root, at most max of them:
 * *text (NUL-terminated, caller frees), its length *len, the file's whole
 * size *size.  Errors as claw_files_open_regular, and CLAW_EIO. */
enum claw_err claw_files_read_head(const char *root, const char *rel, size_t max, char **text,
				   size_t *len, int64_t *size, struct claw_error *err);

#endif
