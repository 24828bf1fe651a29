/*
 * spec_int — what the three files of the workflow language share: spec.c
 * (the parser and validator), spec_expand.c (placeholders) and
 * spec_render.c (the canonical JSON and the text for people).  Not an
 * interface: every other module includes spec.h, which declares the whole
 * language.
 *
 * Threads: pure functions, thread-safe.
 */
#ifndef CLAW_FLOW_SPEC_INT_H
#define CLAW_FLOW_SPEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The run palette as messages and the rendering list it (the tools of
 * claw_spec_run_palette, in its order). */
#define CLAW_SPEC_PALETTE_TOOLS                                                                    \
	"bash, read_file, write_file, edit_file, list_files, recall, artifact"

/* Bytes of document text quoted in a message before it is clipped. */
#define CLAW_SPEC_QUOTE_CLIP 48
/* Room for a quoted, clipped, escaped string ("\u00xx" is 6 bytes). */
#define CLAW_SPEC_QUOTE_MAX (CLAW_SPEC_QUOTE_CLIP * 6 + 8)

/* A JSON-quoted copy of s for a message, clipped at CLAW_SPEC_QUOTE_CLIP
 * bytes (at a UTF-8 character boundary, "..." before the closing quote), so
 * a hostile name cannot make a message unreadable.  Used as
 * claw_spec_quote(s).s inside one printf-style call: the temporary lives
 * until the end of that full expression.  In spec.c. */
struct claw_spec_quoted {
	char s[CLAW_SPEC_QUOTE_MAX];
};
struct claw_spec_quoted claw_spec_quote(const char *s);

/* [a-z][a-z0-9_]* (lower) or [A-Za-z][A-Za-z0-9_]*, 1..CLAW_SPEC_NAME_MAX
 * bytes.  In spec.c. */
bool claw_spec_is_ident(const char *s, bool lower);

/* "1.5" for 1500000 micros: dollars without trailing zeros, into out (a
 * few dozen bytes are plenty).  In spec.c. */
void claw_spec_usd_text(char *out, size_t size, int64_t micros);

/* Is name (what stands between "${" and "}") a placeholder of the language:
 * issue.title, issue.description, run.id or param.NAME?  In
 * spec_expand.c. */
bool claw_spec_placeholder_known(const char *name);

#endif
