/*
 * fcgi — sockets, workers, and the way out.  See fcgi.h.
 *
 * Only <fcgiapp.h> is included (fcgios.h pulls libfcgi's config header,
 * which redefines PACKAGE_*).  The listening socket is made here rather
 * than with FCGX_OpenSocket so that the mode, the group and the loopback
 * rule are claw's, and so a stale socket file is told apart from a live
 * server.
 */
#include "server/fcgi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "server/dbcache.h"
#include "server/request.h"

#define FCGI_GROUP_BUF 16384      /* getgrnam_r scratch */
#define FCGI_ACCEPT_BACKOFF_MS 50 /* after an accept error such as EMFILE */
#define FCGI_ADDRESS_MAX 160

struct worker {
	struct claw_fcgi *f;
	pthread_t thread;
};

struct claw_fcgi {
	int fd;
	bool is_unix;
	char *unix_path; /* to unlink at free */
	char address[FCGI_ADDRESS_MAX];
	atomic_bool stopping;
	struct worker *workers;
	int nworkers;
	char *home;
	claw_fcgi_dispatch_fn dispatch;
	void *ctx;
};

/* ---------------------------------------------------------------- listen */

static enum claw_err
errno_fail(struct claw_error *err, enum claw_err code, const char *what, const char *spec)
{
	char e[128];
	return claw_error_set(err, code, "%s %s: %s", what, spec,
			      claw_errno_text(errno, e, sizeof e));
}

/* Removes path when it is a socket nobody accepts on. */
static enum claw_err
clear_stale_socket(const char *path, const struct sockaddr_un *sa, struct claw_error *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? CLAW_OK : errno_fail(err, CLAW_EIO, "cannot stat", path);
	if (!S_ISSOCK(st.st_mode))
		return claw_error_set(err, CLAW_EEXIST, "%s exists and is not a socket", path);
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return errno_fail(err, CLAW_EIO, "socket for", path);
	int rc = connect(probe, (const struct sockaddr *)sa, sizeof *sa);
	int saved = errno;
	(void)close(probe);
	if (rc == 0)
		return claw_error_set(err, CLAW_EEXIST, "another server is listening on %s", path);
	if (saved != ECONNREFUSED)
		return claw_error_set(err, CLAW_EIO, "cannot probe %s", path);
	if (unlink(path) != 0 && errno != ENOENT)
		return errno_fail(err, CLAW_EIO, "cannot remove stale socket", path);
	return CLAW_OK;
}

static enum claw_err
set_group(const char *path, const char *group, struct claw_error *err)
{
	struct group gr, *res = NULL;
	char *scratch = claw_xmalloc(FCGI_GROUP_BUF);
	enum claw_err rc = CLAW_OK;

	if (getgrnam_r(group, &gr, scratch, FCGI_GROUP_BUF, &res) != 0 || res == NULL) {
		rc = claw_error_set(err, CLAW_EINVAL, "unknown group %s", group);
		goto out;
	}
	if (chown(path, (uid_t)-1, gr.gr_gid) != 0)
		rc = errno_fail(err, CLAW_EIO, "cannot give the socket to group", group);
out:
	free(scratch);
	return rc;
}

static enum claw_err
listen_unix(struct claw_fcgi *f, const char *path, const char *group, struct claw_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	enum claw_err rc;

	if (path[0] != '/' || strlen(path) >= sizeof sa.sun_path)
		return claw_error_set(err, CLAW_EINVAL,
				      "socket path must be absolute and under %zu bytes: %s",
				      sizeof sa.sun_path, path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = clear_stale_socket(path, &sa, err);
	if (rc != CLAW_OK)
		return rc;
	f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return errno_fail(err, CLAW_EIO, "cannot make a socket for", path);
	/* The file is born with mode 0660: no window where anyone else may
	 * connect.  No other thread runs yet, so the process umask is ours. */
	mode_t old = umask(0117);
	int b = bind(f->fd, (const struct sockaddr *)&sa, sizeof sa);
	int saved = errno;
	(void)umask(old);
	if (b != 0) {
		errno = saved;
		return errno_fail(err, CLAW_EIO, "cannot bind", path);
	}
	f->unix_path = claw_xstrdup(path);
	if (chmod(path, 0660) != 0)
		return errno_fail(err, CLAW_EIO, "cannot chmod", path);
	if (group != NULL && group[0] != '\0') {
		rc = set_group(path, group, err);
		if (rc != CLAW_OK)
			return rc;
	}
	f->is_unix = true;
	(void)snprintf(f->address, sizeof f->address, "unix:%s", path);
	return CLAW_OK;
}

static bool
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

static enum claw_err
listen_tcp(struct claw_fcgi *f, const char *spec, bool allow_remote, struct claw_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof ss;
	const char *colon = strrchr(spec, ':');
	char host[FCGI_ADDRESS_MAX], hbuf[NI_MAXHOST], pbuf[NI_MAXSERV];
	enum claw_err rc = CLAW_OK;
	int one = 1;

	if (colon == NULL || colon == spec || colon[1] == '\0' ||
	    (size_t)(colon - spec) >= sizeof host)
		return claw_error_set(err, CLAW_EINVAL,
				      "--listen must be unix:PATH or HOST:PORT, got %s", spec);
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1] */
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = '\0';
	}
	int gai = getaddrinfo(host, colon + 1, &hints, &ai);
	if (gai != 0 || ai == NULL)
		return claw_error_set(err, CLAW_EINVAL, "cannot resolve %s: %s", spec,
				      gai_strerror(gai));
	if (!allow_remote && !is_loopback(ai->ai_addr)) {
		rc = claw_error_set(err, CLAW_EINVAL,
				    "%s is not a loopback address (nginx runs on this host; "
				    "use --allow-remote to listen elsewhere)",
				    spec);
		goto out;
	}
	f->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		rc = errno_fail(err, CLAW_EIO, "cannot make a socket for", spec);
		goto out;
	}
	(void)setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(f->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		rc = errno_fail(err, CLAW_EIO, "cannot bind", spec);
		goto out;
	}
	if (getsockname(f->fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof hbuf, pbuf, sizeof pbuf,
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		rc = errno_fail(err, CLAW_EIO, "cannot read the address of", spec);
		goto out;
	}
	(void)snprintf(f->address, sizeof f->address,
		       ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", hbuf, pbuf);
out:
	freeaddrinfo(ai);
	return rc;
}

enum claw_err
claw_fcgi_listen(const char *spec, const char *group, bool allow_remote, struct claw_fcgi **out,
		 struct claw_error *err)
{
	struct claw_fcgi *f = CLAW_NEW(struct claw_fcgi);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	enum claw_err rc;

	*out = NULL;
	f->fd = -1;
	atomic_init(&f->stopping, false);
	if (FCGX_Init() != 0) {
		rc = claw_error_set(err, CLAW_EINTERNAL, "FCGX_Init failed");
		goto out;
	}
	/* FCGX_Init installed a handler for SIGPIPE; a write to a closed
	 * stream must be an EPIPE, nothing else. */
	(void)sigemptyset(&ign.sa_mask);
	(void)sigaction(SIGPIPE, &ign, NULL);

	if (strncmp(spec, "unix:", 5) == 0)
		rc = listen_unix(f, spec + 5, group, err);
	else
		rc = listen_tcp(f, spec, allow_remote, err);
	if (rc != CLAW_OK)
		goto out;
	if (listen(f->fd, CLAW_FCGI_BACKLOG) != 0) {
		rc = errno_fail(err, CLAW_EIO, "cannot listen on", spec);
		goto out;
	}
	*out = f;
out:
	if (rc != CLAW_OK)
		claw_fcgi_free(f);
	return rc;
}

const char *
claw_fcgi_address(const struct claw_fcgi *f)
{
	return f->address;
}

/* --------------------------------------------------------------- workers */

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct claw_fcgi *f = w->f;
	struct claw_dbcache *dbs = claw_dbcache_new(f->home, CLAW_DBCACHE_DEFAULT);
	FCGX_Request fr;

	if (FCGX_InitRequest(&fr, f->fd, 0) != 0) {
		claw_log_error("server: FCGX_InitRequest failed");
		goto out;
	}
	while (!atomic_load(&f->stopping)) {
		int rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			if (atomic_load(&f->stopping))
				break;
			char e[128];
			claw_log_warn("server: accept: %s",
				      claw_errno_text(rc > -10000 ? -rc : EIO, e, sizeof e));
			claw_clock_sleep_ms(FCGI_ACCEPT_BACKOFF_MS);
			continue;
		}
		struct claw_req *req = claw_req_new(&fr, dbs);
		f->dispatch(f->ctx, req);
		claw_req_finish(req);
	}
	FCGX_Free(&fr, 1);
out:
	claw_dbcache_free(dbs);
	return NULL;
}

enum claw_err
claw_fcgi_start(struct claw_fcgi *f, int threads, const char *home, claw_fcgi_dispatch_fn dispatch,
		void *ctx, struct claw_error *err)
{
	if (threads < 1 || threads > CLAW_FCGI_THREADS_MAX)
		return claw_error_set(err, CLAW_EINVAL, "--threads must be from 1 to %d, got %d",
				      CLAW_FCGI_THREADS_MAX, threads);
	f->home = claw_xstrdup(home);
	f->dispatch = dispatch;
	f->ctx = ctx;
	f->workers = claw_xcalloc((size_t)threads, sizeof *f->workers);
	for (int i = 0; i < threads; i++) {
		f->workers[i].f = f;
		int rc = pthread_create(&f->workers[i].thread, NULL, worker_main, &f->workers[i]);
		if (rc != 0) {
			char e[128];
			claw_fcgi_stop(f);
			return claw_error_set(err, CLAW_EIO, "cannot start a worker: %s",
					      claw_errno_text(rc, e, sizeof e));
		}
		f->nworkers++;
	}
	return CLAW_OK;
}

void
claw_fcgi_stop(struct claw_fcgi *f)
{
	if (f == NULL)
		return;
	if (!atomic_exchange(&f->stopping, true)) {
		FCGX_ShutdownPending();
		if (f->fd >= 0)
			(void)shutdown(f->fd, SHUT_RDWR); /* wakes every accept(2) */
	}
	for (int i = 0; i < f->nworkers; i++)
		(void)pthread_join(f->workers[i].thread, NULL);
	f->nworkers = 0;
}

void
claw_fcgi_free(struct claw_fcgi *f)
{
	if (f == NULL)
		return;
	claw_fcgi_stop(f);
	if (f->fd >= 0)
		(void)close(f->fd);
	if (f->unix_path != NULL)
		(void)unlink(f->unix_path);
	free(f->unix_path);
	free(f->workers);
	free(f->home);
	free(f);
}
