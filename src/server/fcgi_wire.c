/*
 * fcgi_wire — FastCGI records out, connections taken from libfcgi.  See
 * fcgi_wire.h for the contract.
 */
#include "server/fcgi_wire.h"

#include <assert.h>
#include <stdint.h>

#define FCGI_VERSION_1 1
#define FCGI_END_REQUEST 3
#define FCGI_STDOUT 6
#define FCGI_REQUEST_COMPLETE 0

static void
header(unsigned char *h, int type, int reqid, size_t len)
{
	assert(len <= CLAW_FCGI_CONTENT_MAX);
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	claw_fcgi_set_reqid(h, reqid);
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0; /* no padding */
	h[7] = 0;
}

void
claw_fcgi_stdout_header(unsigned char *h, int reqid, size_t len)
{
	header(h, FCGI_STDOUT, reqid, len);
}

void
claw_fcgi_set_reqid(unsigned char *h, int reqid)
{
	h[2] = (unsigned char)((unsigned)reqid >> 8);
	h[3] = (unsigned char)reqid;
}

void
claw_fcgi_put_stdout(struct claw_buf *b, size_t *open, size_t floor, int reqid, const char *p,
		     size_t n)
{
	while (n > 0) {
		size_t room = 0, cur = 0;
		if (*open != SIZE_MAX && *open >= floor &&
		    *open + CLAW_FCGI_HEADER <= claw_buf_len(b)) {
			const unsigned char *h = (const unsigned char *)b->p + *open;
			cur = (size_t)h[4] << 8 | h[5];
			/* Only the last thing in b grows: anything after it (an end,
			 * raw bytes) means a new record. */
			if (*open + CLAW_FCGI_HEADER + cur == claw_buf_len(b))
				room = CLAW_FCGI_CONTENT_MAX - cur;
		}
		if (room == 0) {
			unsigned char h[CLAW_FCGI_HEADER];
			header(h, FCGI_STDOUT, reqid, 0);
			*open = claw_buf_len(b);
			if (claw_buf_append(b, h, sizeof h) != CLAW_OK) {
				*open = SIZE_MAX;
				return;
			}
			cur = 0;
			room = CLAW_FCGI_CONTENT_MAX;
		}
		size_t k = n < room ? n : room;
		if (claw_buf_append(b, p, k) != CLAW_OK)
			return;
		unsigned char *h = (unsigned char *)b->p + *open;
		h[4] = (unsigned char)((cur + k) >> 8);
		h[5] = (unsigned char)(cur + k);
		p += k;
		n -= k;
	}
}

void
claw_fcgi_put_end(struct claw_buf *b, int reqid)
{
	unsigned char rec[CLAW_FCGI_END_BYTES] = {0};
	header(rec, FCGI_STDOUT, reqid, 0);
	header(rec + CLAW_FCGI_HEADER, FCGI_END_REQUEST, reqid, 8);
	/* the body: appStatus 0 (4 bytes), protocolStatus, 3 reserved */
	rec[2 * CLAW_FCGI_HEADER + 4] = FCGI_REQUEST_COMPLETE;
	(void)claw_buf_append(b, rec, sizeof rec);
}

int
claw_fcgi_conn(const FCGX_Request *fr)
{
	return fr->ipcFd;
}

bool
claw_fcgi_keeps_conn(const FCGX_Request *fr)
{
	return fr->keepConnection != 0;
}

void
claw_fcgi_release(FCGX_Request *fr)
{
	FCGX_Free(fr, 0); /* keeps the connection: keepConnection is set */
	fr->envp = NULL;
}

int
claw_fcgi_take(FCGX_Request *fr)
{
	int fd = fr->ipcFd;
	FCGX_Free(fr, 0);
	fr->ipcFd = -1;
	fr->envp = NULL; /* freed with the params */
	return fd;
}
