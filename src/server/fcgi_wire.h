/*
 * fcgi_wire — the one writer of FastCGI records to nginx, and the one
 * place that takes a connection from libfcgi.
 *
 * claw reads a request through libfcgi (params, stdin) but writes every
 * answer itself: a worker's whole answer in one write (request.c), a
 * stream's events from the hub (sse.c).  Both build their records here:
 * STDOUT records of at most CLAW_FCGI_CONTENT_MAX bytes (an open record
 * grows while its header is still unsent), then the end of the response
 * (an empty STDOUT and END_REQUEST, "request complete", app status 0), as
 * kcgi routes every record through one writer.  FastCGI 1.0, section 3.3
 * (the header) and 5.5 (END_REQUEST).
 *
 * libfcgi keeps the connection in FCGX_Request.ipcFd, documented "don't
 * use".  claw reads it here only (claw_fcgi_conn) and takes it from
 * libfcgi here only (claw_fcgi_take), because libfcgi's own close path
 * (OS_Close: shutdown, then select() for up to 2 s) must not run on a
 * worker or the hub.  FCGX_Accept_r calls FCGX_Finish_r on the previous
 * request first; with its streams freed and ipcFd at -1 that call does
 * nothing.
 *
 * Threads: no state; a buffer or request is the caller's.
 */
#ifndef CLAW_SERVER_FCGI_WIRE_H
#define CLAW_SERVER_FCGI_WIRE_H

#include <fcgiapp.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define CLAW_FCGI_HEADER 8              /* bytes of a record header */
#define CLAW_FCGI_CONTENT_MAX 65535     /* content bytes of one record */
#define CLAW_FCGI_END_BYTES (2 * 8 + 8) /* claw_fcgi_put_end's bytes */

/* Writes a STDOUT record header for len (<= CLAW_FCGI_CONTENT_MAX) content
 * bytes of request reqid into h (CLAW_FCGI_HEADER bytes). */
void claw_fcgi_stdout_header(unsigned char *h, int reqid, size_t len);

/* Sets the request id of the record header at h: a frame shared by many
 * streams gets each one's id just before it is sent. */
void claw_fcgi_set_reqid(unsigned char *h, int reqid);

/* Appends n bytes (p may be NULL when n is 0) of request reqid's response
 * to b as STDOUT content.  *open is the offset in b of the last STDOUT
 * header that may still grow (SIZE_MAX: none): its record is filled first
 * and *open is moved to each new header.  A header before floor (bytes the
 * caller has sent) is not grown, nor one with bytes after its content.
 * Errors stay in b (its cap). */
void claw_fcgi_put_stdout(struct claw_buf *b, size_t *open, size_t floor, int reqid, const char *p,
			  size_t n);

/* Appends the end of request reqid's response: an empty STDOUT record and
 * END_REQUEST (complete, app status 0); CLAW_FCGI_END_BYTES bytes. */
void claw_fcgi_put_end(struct claw_buf *b, int reqid);

/* The connection of fr (-1 when it has none). */
int claw_fcgi_conn(const FCGX_Request *fr);

/* Whether nginx asked to keep fr's connection for its next request
 * (fastcgi_keep_conn). */
bool claw_fcgi_keeps_conn(const FCGX_Request *fr);

/* Frees fr's streams and params and leaves its connection to libfcgi, for
 * the next request on it (only when claw_fcgi_keeps_conn). */
void claw_fcgi_release(FCGX_Request *fr);

/* Frees fr's streams and params (FCGX_Free without closing) and takes its
 * connection from libfcgi: returns the fd (-1: none), which is the
 * caller's to close; fr may be accepted into again. */
int claw_fcgi_take(FCGX_Request *fr);

#endif
