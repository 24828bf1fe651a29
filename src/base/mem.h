/*
 * mem — the allocation policy, decided once.
 *
 * Internal bookkeeping (structs, lists, small strings) allocates through these
 * wrappers, which print a message and abort on exhaustion: there is no useful
 * recovery from a failed 40-byte malloc in a server.  Anything sized by
 * outside input (request bodies, model replies, tool output) goes through a
 * struct claw_buf with a named cap instead, and fails with CLAW_ETOOBIG.
 *
 * Threads: thread-safe.
 */
#ifndef CLAW_BASE_MEM_H
#define CLAW_BASE_MEM_H

#include <stddef.h>

/* Never return NULL (said to the compiler and the analyzer too).  Caller
 * frees with free(). */
#define CLAW_XALLOC __attribute__((returns_nonnull, warn_unused_result))
CLAW_XALLOC void *claw_xmalloc(size_t size);
CLAW_XALLOC void *claw_xcalloc(size_t n, size_t size);
CLAW_XALLOC void *claw_xrealloc(void *p, size_t size);
CLAW_XALLOC char *claw_xstrdup(const char *s);
CLAW_XALLOC char *claw_xstrndup(const char *s, size_t n);
/* printf into a fresh string.  Caller frees. */
CLAW_XALLOC char *claw_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* p (an array of *cap items of size bytes) with room for at least need
 * items: the same p when it has, else reallocated to twice its capacity
 * (at least need, at least 16) with *cap updated.  Caller frees. */
CLAW_XALLOC void *claw_xgrow(void *p, size_t *cap, size_t need, size_t size);

#define CLAW_NEW(type) ((type *)claw_xcalloc(1, sizeof(type)))

#endif
