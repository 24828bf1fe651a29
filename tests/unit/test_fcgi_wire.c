/*
 * test_fcgi_wire — the FastCGI records claw writes, byte by byte against
 * the FastCGI 1.0 layout: STDOUT records split at 65 535 content bytes, an
 * open record grown only while its header is unsent, the end of a response
 * (empty STDOUT, END_REQUEST complete), request ids over 255, and the cap
 * of the output buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "server/fcgi_wire.h"
#include "tap.h"

/* The record header at b[at]: type, request id, content length. */
static void
decode(const struct claw_buf *b, size_t at, int *type, int *reqid, size_t *len)
{
	const unsigned char *h = (const unsigned char *)claw_buf_str(b) + at;
	*type = h[1];
	*reqid = h[2] << 8 | h[3];
	*len = (size_t)h[4] << 8 | h[5];
}

static void
test_split(void)
{
	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	size_t open = SIZE_MAX;
	char *big = malloc(70000);
	int type, reqid;
	size_t len;

	memset(big, 'x', 70000);
	claw_fcgi_put_stdout(&b, &open, 0, 300, big, 70000);
	is_int(claw_buf_len(&b), 2 * 8 + 70000, "70 000 bytes take two records");
	decode(&b, 0, &type, &reqid, &len);
	ok(type == 6 && reqid == 300 && len == 65535, "the first: STDOUT, id 300, 65 535 bytes");
	decode(&b, 8 + 65535, &type, &reqid, &len);
	ok(type == 6 && reqid == 300 && len == 70000 - 65535, "the second: the rest");
	ok(claw_buf_str(&b)[0] == 1, "version 1");
	is_int(open, 8 + 65535, "the second record stays open");

	claw_fcgi_put_stdout(&b, &open, 0, 300, "abc", 3);
	decode(&b, open, &type, &reqid, &len);
	is_int(len, 70000 - 65535 + 3, "more bytes grow the open record");
	is_int(claw_buf_len(&b), 2 * 8 + 70003, "without a new header");

	claw_fcgi_put_stdout(&b, &open, claw_buf_len(&b), 300, "de", 2);
	decode(&b, open, &type, &reqid, &len);
	ok(open == 2 * 8 + 70003 && len == 2, "a sent header is not grown: a new record");

	claw_fcgi_put_stdout(&b, &open, 0, 300, NULL, 0);
	is_int(claw_buf_len(&b), 3 * 8 + 70005, "no bytes write nothing");
	free(big);
	claw_buf_free(&b);
}

static void
test_end(void)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	static const unsigned char want[CLAW_FCGI_END_BYTES] = {
		1, 6, 0x12, 0x34, 0, 0, 0, 0,  /* empty STDOUT */
		1, 3, 0x12, 0x34, 0, 8, 0, 0,  /* END_REQUEST, 8 bytes */
		0, 0, 0,    0,    0, 0, 0, 0}; /* app status 0, complete */
	claw_fcgi_put_end(&b, 0x1234);
	ok(claw_buf_len(&b) == sizeof want && memcmp(claw_buf_str(&b), want, sizeof want) == 0,
	   "the end of a response, byte for byte");
	claw_buf_free(&b);

	unsigned char h[CLAW_FCGI_HEADER];
	claw_fcgi_stdout_header(h, 7, 513);
	ok(h[0] == 1 && h[1] == 6 && h[2] == 0 && h[3] == 7 && h[4] == 2 && h[5] == 1 &&
		   h[6] == 0 && h[7] == 0,
	   "a STDOUT header for 513 bytes of request 7");
	claw_fcgi_set_reqid(h, 0xfffe);
	ok(h[2] == 0xff && h[3] == 0xfe && h[5] == 1, "a new request id, the length kept");
}

static void
test_cap(void)
{
	struct claw_buf b = CLAW_BUF_INIT(100);
	size_t open = SIZE_MAX;
	char bytes[200];
	memset(bytes, 'y', sizeof bytes);
	claw_fcgi_put_stdout(&b, &open, 0, 1, bytes, sizeof bytes);
	is_int(claw_buf_error(&b), CLAW_ETOOBIG, "over the buffer's cap: its error");
	claw_buf_free(&b);
}

int
main(void)
{
	test_split();
	test_end();
	test_cap();
	return tap_done();
}
