/*
 * fuzz — helpers shared by the libFuzzer targets.  See fuzz.h.
 *
 * The in-memory request: libfcgi's FCGX_GetStr reads rdNext..stop and then
 * asks fillBuffProc for more; ours marks the stream closed, which is end of
 * input.  FCGX_Free (called by claw_req_finish) frees a stream, its `data`
 * (after writing one pointer field and freeing two buffer pointers inside
 * it) and the stream itself, so both are allocated here with calloc and
 * `data` is a zeroed block larger than libfcgi's private FCGX_Stream_Data:
 * its pointers are NULL, and freeing them does nothing.
 */
#include "fuzz.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "llm/anthropic.h"
#include "llm/openai.h"

#include <json-c/json.h>

#define FUZZ_STREAM_DATA_SIZE 1024 /* > sizeof libfcgi's FCGX_Stream_Data */
#define FUZZ_PARAMS_MAX 64

void
fuzz_check(bool cond, const char *what)
{
	if (!cond) {
		(void)fprintf(stderr, "fuzz: %s\n", what);
		abort();
	}
}

bool
fuzz_json_valid(const char *text, size_t n)
{
	struct json_tokener *tok;
	struct json_object *v;
	bool good;

	if (!claw_str_utf8_valid(text, n) || n > INT32_MAX)
		return false;
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = json_tokener_parse_ex(tok, text, (int)n);
	good = json_tokener_get_error(tok) == json_tokener_success &&
	       json_tokener_get_parse_end(tok) == n;
	json_object_put(v);
	json_tokener_free(tok);
	return good;
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = claw_xmalloc(size + 1);
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void
fill_eof(FCGX_Stream *s)
{
	s->isClosed = 1;
}

void
fuzz_req_init(struct fuzz_req *f, const uint8_t *data, size_t size)
{
	struct claw_str rest = {(const char *)data, size};
	FCGX_Stream *in;
	size_t n = 0;

	memset(f, 0, sizeof *f);
	f->envp = claw_xcalloc(FUZZ_PARAMS_MAX + 1, sizeof *f->envp);
	while (rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		if (line.n == 0)
			break;
		if (n < FUZZ_PARAMS_MAX)
			f->envp[n++] = claw_str_dup(line);
	}
	f->nbody = rest.n;
	f->body = claw_xmalloc(rest.n + 1);
	if (rest.n > 0)
		memcpy(f->body, rest.p, rest.n);
	in = claw_xcalloc(1, sizeof *in);
	in->data = claw_xcalloc(1, FUZZ_STREAM_DATA_SIZE);
	in->rdNext = in->stopUnget = (unsigned char *)f->body;
	in->stop = (unsigned char *)f->body + f->nbody;
	in->wrNext = in->stop;
	in->isReader = 1;
	in->fillBuffProc = fill_eof;
	f->fr.in = in;
	f->fr.envp = f->envp;
	f->fr.requestId = 1;
	f->fr.ipcFd = -1;
}

void
fuzz_req_free(struct fuzz_req *f)
{
	for (size_t i = 0; f->envp != NULL && f->envp[i] != NULL; i++)
		free(f->envp[i]);
	free(f->envp);
	free(f->body);
	memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------- tmpdir */

static char tmpdir[4096];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
rm_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		(void)nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		const char *base = getenv("TMPDIR");
		int w = snprintf(tmpdir, sizeof tmpdir, "%s/claw-fuzz-XXXXXX",
				 base != NULL && base[0] == '/' ? base : "/tmp");
		fuzz_check(w > 0 && (size_t)w < sizeof tmpdir, "TMPDIR too long");
		fuzz_check(mkdtemp(tmpdir) != NULL, "cannot make a temporary directory");
		(void)atexit(rm_tmpdir);
	}
	return tmpdir;
}

void
fuzz_check_requests(const struct claw_llm_request *req, struct claw_buf *b)
{
	struct claw_error err = {0};

	claw_buf_reset(b);
	fuzz_check(claw_anthropic_build(req, b, &err) == CLAW_OK, "anthropic build");
	fuzz_check(fuzz_json_valid(claw_buf_str(b), claw_buf_len(b)),
		   "anthropic request is not UTF-8 JSON");
	claw_buf_reset(b);
	fuzz_check(claw_openai_build(req, b, &err) == CLAW_OK, "openai build");
	fuzz_check(fuzz_json_valid(claw_buf_str(b), claw_buf_len(b)),
		   "openai request is not UTF-8 JSON");
}
