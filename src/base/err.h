/*
 * err — the one error vocabulary of claw.
 *
 * Every fallible function returns an enum claw_err (CLAW_OK is zero).  Codes
 * from SQLite, libcurl, errno and json-c are converted once, at the boundary
 * of the module that calls them.  A message for people, with context ("issue
 * #12 not found in project home-a-p"), travels beside the code in a struct
 * claw_error that the caller owns, usually on its stack.
 *
 * Threads: everything here is thread-safe (no shared state).
 */
#ifndef CLAW_BASE_ERR_H
#define CLAW_BASE_ERR_H

#include <stddef.h>

enum claw_err {
	CLAW_OK = 0,
	CLAW_ENOMEM,    /* allocation failed (only where not aborting) */
	CLAW_ETOOBIG,   /* input or output over a named cap */
	CLAW_EINVAL,    /* bad input: syntax, type, range */
	CLAW_ENOTFOUND, /* no such project, issue, run, file, key */
	CLAW_EEXIST,    /* already there (project registered twice) */
	CLAW_ECONFLICT, /* state does not allow it (run already active) */
	CLAW_EIO,       /* filesystem or socket error */
	CLAW_EDB,       /* SQLite error */
	CLAW_EVERSION,  /* data written by a newer claw */
	CLAW_ECONFIG,   /* configuration missing or invalid */
	CLAW_ENET,      /* transport error talking to a model */
	CLAW_EBACKEND,  /* a model backend refused or failed */
	CLAW_ETIMEOUT,  /* a deadline passed */
	CLAW_ESTOPPED,  /* stopped on request */
	CLAW_EBUDGET,   /* a budget is exhausted */
	CLAW_EINTERNAL, /* a bug: an invariant did not hold */
	CLAW_ERR_COUNT
};

/* Static, never NULL: a short phrase for any code, "unknown error" for an
 * out-of-range one. */
const char *claw_strerror(enum claw_err code);

/* An error with a message for people.  Use the API; fields are read-only to
 * callers once set. */
#define CLAW_ERROR_MSG_MAX 512
struct claw_error {
	enum claw_err code;
	char msg[CLAW_ERROR_MSG_MAX]; /* NUL-terminated, clipped, never empty once set */
};

/* Records code and a printf-style message in e (which may be NULL: then it
 * records nothing).  An empty message becomes claw_strerror(code). */
void claw_error_format(struct claw_error *e, enum claw_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* claw_error_format that evaluates to code, so `return claw_error_set(e,
 * CLAW_EINVAL, ...)` and `rc = claw_error_set(...)` read naturally.  A macro
 * (code evaluated once) rather than a function so that the compiler and the
 * static analyzer see that the result is exactly code: with an opaque
 * function, clang-analyzer assumed an error path could return CLAW_OK. */
#define claw_error_set(e, code, ...)                                                               \
	__extension__({                                                                            \
		enum claw_err claw_error_code_ = (code);                                           \
		claw_error_format((e), claw_error_code_, __VA_ARGS__);                             \
		claw_error_code_;                                                                  \
	})

/* Clears e to CLAW_OK with an empty message.  e may be NULL. */
void claw_error_clear(struct claw_error *e);

/* Prefixes e's message with "prefix: " (context added on the way up).
 * No-op when e is NULL or holds CLAW_OK. */
void claw_error_prefix(struct claw_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message to show: e->msg if set, else claw_strerror(e->code). */
const char *claw_error_text(const struct claw_error *e);

/* Thread-safe strerror(errnum) into buf (the banned strerror is not). */
const char *claw_errno_text(int errnum, char *buf, size_t size);

#endif
