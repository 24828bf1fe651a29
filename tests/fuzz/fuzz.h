/*
 * fuzz — what the libFuzzer targets of tests/fuzz share.
 *
 * Each target is one LLVMFuzzerTestOneInput() in fuzz_<name>.c.  It is
 * linked two ways: with libFuzzer (./configure --enable-fuzz CC=clang, the
 * program tests/fuzz/fuzz_<name>) and with replay.c's main() in every build
 * (tests/fuzz/replay_<name>, run by make check over seeds/<name>/), so a
 * target that stops building or starts failing on its seeds is seen in
 * every build, not only in fuzz builds.
 *
 * The helpers here: a failed property aborts with a message (libFuzzer and
 * the replay both report the abort); checks that a text is valid UTF-8 JSON;
 * and a FastCGI request built in memory for the server's parsers, with no
 * socket and no libfcgi connection behind it.
 *
 * Threads: single-threaded, like the targets.
 */
#ifndef CLAW_TESTS_FUZZ_H
#define CLAW_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with "fuzz: what" on stderr when cond is false. */
void fuzz_check(bool cond, const char *what);

/* True when text[0..n) is valid UTF-8 and parses as exactly one JSON value
 * (json null included). */
bool fuzz_json_valid(const char *text, size_t n);

struct claw_llm_request;
struct claw_buf;
/* Both backends build req into valid UTF-8 JSON (b is scratch); aborts
 * with the backend's name otherwise. */
void fuzz_check_requests(const struct claw_llm_request *req, struct claw_buf *b);

/* A copy of data[0..size) with a NUL after it.  Caller frees. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* A FastCGI request in memory: FastCGI params and a body (stdin).  Hand
 * &f->fr to claw_req_new(); after claw_req_finish() (which frees the input
 * stream the way libfcgi does) free the rest with fuzz_req_free(). */
struct fuzz_req {
	FCGX_Request fr;
	char **envp;  /* "NAME=VALUE" strings, NULL-terminated; owned */
	char *body;   /* owned copy of the body */
	size_t nbody; /* its length */
};

/* Builds f from the fuzz input format of the server targets: lines
 * "NAME=VALUE" (the FastCGI params, as nginx passes them) up to the first
 * empty line; the bytes after it are the body.  No empty line: no body. */
void fuzz_req_init(struct fuzz_req *f, const uint8_t *data, size_t size);
/* Frees what fuzz_req_init allocated and claw_req_finish did not. */
void fuzz_req_free(struct fuzz_req *f);

/* A private directory made once per process (under $TMPDIR or /tmp),
 * removed at exit with what the targets put in it.  Never NULL. */
const char *fuzz_tmpdir(void);

#endif
