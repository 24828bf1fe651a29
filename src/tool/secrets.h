/*
 * secrets — a project's secrets: loaded from its file, handed only to bash's
 * environment, and redacted from every tool output.
 *
 * The file is $CLAW_HOME/projects/<key>.secrets (SPEC section 5.1).  It must
 * be a regular file of mode 0600 or stricter, else it is refused with the
 * chmod command to fix it: a secrets file others can read is already a leak,
 * and claw will not quietly use it.  Lines are NAME=value; blank lines and
 * lines starting with '#' are skipped; a value may be wrapped in one pair of
 * matching quotes.  Names match ^[A-Z][A-Z0-9_]*$; values have at least
 * CLAW_SECRETS_VALUE_MIN bytes (a shorter value would redact ordinary words
 * out of every output).  Error messages name the file, line and variable,
 * never a value.  A missing file is an empty set.
 *
 * Redaction replaces every occurrence of a value by "[redacted NAME]",
 * trying longer values first so that a value containing another is replaced
 * whole.
 *
 * Memory: a struct claw_secrets owns copies of names and values; values are
 * wiped before they are freed.
 *
 * Threads: loading is single-threaded; a loaded set is read-only and may be
 * shared (claw_secrets_redact keeps no state).
 */
#ifndef CLAW_TOOL_SECRETS_H
#define CLAW_TOOL_SECRETS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define CLAW_SECRETS_FILE_MAX (64 * 1024) /* bytes of a secrets file */
#define CLAW_SECRETS_COUNT_MAX 100        /* variables in one file */
#define CLAW_SECRETS_NAME_MAX 64          /* bytes of a name */
#define CLAW_SECRETS_VALUE_MIN 8          /* bytes of a value, at least */
#define CLAW_SECRETS_VALUE_MAX 4096       /* bytes of a value, at most */

struct claw_secrets;

/* "$home/projects/<key>.secrets".  Caller frees. */
char *claw_secrets_path(const char *home, const char *key);

/* Loads the secrets file at path.  A missing file gives an empty set.
 * Errors: CLAW_ECONFIG "secrets file P must not be readable by others
 * (mode 0644): run chmod 600 P", or not a regular file; CLAW_EINVAL
 * "P:LINE: ..." for a bad line; CLAW_ETOOBIG past the caps; CLAW_EIO.
 * Caller frees *out with claw_secrets_free(). */
enum claw_err claw_secrets_load(const char *path, struct claw_secrets **out,
				struct claw_error *err);

/* The whole of an operator's private file (secrets, MCP config): a regular
 * file, not a symbolic link, of mode 0600 or stricter, at most max bytes,
 * into *text (NUL-terminated; free with claw_private_file_free, which wipes
 * it) and *len.  CLAW_ENOTFOUND when there is none; CLAW_ECONFIG "<what> P
 * must not be accessible by others (mode 0644): run chmod 600 P" or not a
 * regular file; CLAW_ETOOBIG past max; CLAW_EIO.  what names the file in
 * messages ("secrets file"). */
enum claw_err claw_private_file_read(const char *path, const char *what, size_t max, char **text,
				     size_t *len, struct claw_error *err);
/* Wipes text[0..len) and frees it (the file, or any string that may hold a
 * secret).  NULL is a no-op. */
void claw_private_file_free(char *text, size_t len);

/* Parses text[0..n) as a secrets file (no mode check); origin names it in
 * messages.  For tests and for claw_secrets_load. */
enum claw_err claw_secrets_parse(const char *text, size_t n, const char *origin,
				 struct claw_secrets **out, struct claw_error *err);

/* An empty set.  Caller frees. */
struct claw_secrets *claw_secrets_empty(void);
void claw_secrets_free(struct claw_secrets *s);

/* The variables, longest value first.  Borrowed from s.  s may be NULL in
 * claw_secrets_count (0). */
size_t claw_secrets_count(const struct claw_secrets *s);
const char *claw_secrets_name(const struct claw_secrets *s, size_t i);
const char *claw_secrets_value(const struct claw_secrets *s, size_t i);

/* Appends text[0..n) to out with every value replaced by "[redacted NAME]",
 * longest value first.  s may be NULL (plain copy).  Returns out's sticky
 * error (CLAW_ETOOBIG past its cap). */
enum claw_err claw_secrets_redact(const struct claw_secrets *s, const char *text, size_t n,
				  struct claw_buf *out);

#endif
