/*
 * http — libcurl POST for the model backends.  See http.h.
 *
 * The transfer runs in the handle's own multi handle (perform() polls it at
 * least every CLAW_HTTP_TICK_MS).  The write callback appends into a capped
 * struct claw_buf, or hands a 2xx event stream to the request's sink, and
 * aborts the transfer (returns 0) when the cap is hit; the header callback picks out the
 * few headers the retry logic needs.  Headers are built into a curl_slist per
 * call and freed right after, so an API key lives only as long as the call.
 */
#include "config.h"

#include "llm/http.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/str.h"
#include "llm/retry.h"

struct claw_http {
	CURL *curl;   /* owned; reused so connections stay alive */
	CURLM *multi; /* owned; runs curl's transfers (and keeps its connections) */
};

/* Per-call state shared with the callbacks. */
struct transfer {
	struct claw_http_response *resp;
	bool too_big;
	const struct claw_http_request *req;
	bool cancelled;
	bool refused;      /* the sink said no */
	int sink;          /* -1 not decided yet, 0 into resp->body, 1 to the sink */
	int64_t last_byte; /* claw_clock_mono_ms() of the last byte (or the start) */
	size_t sunk;       /* bytes given to the sink: held to the body cap too */
	CURL *curl;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum claw_err
claw_llm_global_init(struct claw_error *err)
{
	(void)pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return claw_error_set(err, CLAW_EINTERNAL, "libcurl initialisation failed: %s",
				      curl_easy_strerror(global_rc));
	return CLAW_OK;
}

enum claw_err
claw_http_new(struct claw_http **out, struct claw_error *err)
{
	enum claw_err rc = claw_llm_global_init(err);
	*out = NULL;
	if (rc != CLAW_OK)
		return rc;
	CURL *c = curl_easy_init();
	CURLM *m = curl_multi_init();
	if (c == NULL || m == NULL) {
		curl_easy_cleanup(c);
		(void)curl_multi_cleanup(m);
		return claw_error_set(err, CLAW_ENOMEM, "cannot create a libcurl handle");
	}
	struct claw_http *h = CLAW_NEW(struct claw_http);
	h->curl = c;
	h->multi = m;
	*out = h;
	return CLAW_OK;
}

void
claw_http_free(struct claw_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	(void)curl_multi_cleanup(h->multi);
	free(h);
}

void
claw_http_response_init(struct claw_http_response *r)
{
	r->status = 0;
	claw_buf_init(&r->body, CLAW_HTTP_RESPONSE_MAX);
	r->retry_after_ms = -1;
	r->first_byte_ms = 0;
	r->request_id[0] = '\0';
	r->streamed = false;
}

void
claw_http_response_free(struct claw_http_response *r)
{
	claw_buf_free(&r->body);
	claw_http_response_init(r);
}

void
claw_http_url_for_message(const char *url, char *out, size_t size)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme != NULL ? scheme + 3 : url;
	size_t hostlen = strcspn(host, "/?#");
	const char *at = memchr(host, '@', hostlen);
	if (at != NULL)
		(void)snprintf(out, size, "%.*s%s", (int)(host - url), url, at + 1);
	else
		(void)snprintf(out, size, "%s", url);
}

/* Whether the answer's body goes to the sink: a 2xx event stream. */
static bool
to_sink(struct transfer *t)
{
	if (t->sink < 0) {
		long status = 0;
		const char *type = NULL;
		(void)curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
		(void)curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &type);
		t->sink = t->req->sink != NULL && status >= 200 && status < 300 && type != NULL &&
			  strncasecmp(type, "text/event-stream", 17) == 0;
		t->resp->streamed = t->sink == 1;
	}
	return t->sink == 1;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	t->last_byte = claw_clock_mono_ms();
	if (to_sink(t)) {
		const struct claw_http_sink *k = t->req->sink;
		t->sunk += n;
		if (t->sunk > t->resp->body.max) {
			t->too_big = true;
			return 0;
		}
		if (!k->data(k->ctx, data, n)) {
			t->refused = true;
			return 0;
		}
		if (k->tick != NULL)
			(void)k->tick(k->ctx);
		return n;
	}
	if (claw_buf_append(&t->resp->body, data, n) != CLAW_OK) {
		t->too_big = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return n;
}

/* Copies a header's value (trimmed) into out when line is "name: value". */
static bool
header_value(const char *line, size_t n, const char *name, char *out, size_t size)
{
	size_t k = strlen(name);
	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return false;
	const char *v = line + k + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	size_t len = (size_t)(end - v) < size - 1 ? (size_t)(end - v) : size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	char v[96];

	t->last_byte = claw_clock_mono_ms();
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue or a redirect): start over. */
		t->sink = -1;
		t->resp->retry_after_ms = -1;
		t->resp->request_id[0] = '\0';
		t->resp->captured[0] = '\0';
	} else if (t->req->capture_header != NULL &&
		   header_value(line, n, t->req->capture_header, t->resp->captured,
				sizeof t->resp->captured)) {
		/* kept */
	} else if (header_value(line, n, "retry-after-ms", v, sizeof v)) {
		int64_t ms = 0;
		if (claw_str_to_i64(claw_str_from(v), 0, INT64_C(86400000), &ms) == CLAW_OK)
			t->resp->retry_after_ms = ms;
	} else if (header_value(line, n, "retry-after", v, sizeof v)) {
		/* retry-after-ms, when present, is more precise: keep it. */
		if (t->resp->retry_after_ms < 0)
			t->resp->retry_after_ms = claw_retry_after_parse(v, claw_clock_now_ms());
	} else if (header_value(line, n, "request-id", v, sizeof v) ||
		   header_value(line, n, "x-request-id", v, sizeof v)) {
		(void)snprintf(t->resp->request_id, sizeof t->resp->request_id, "%s", v);
	}
	return n;
}

/* How long perform() may wait for the network before calling back: the
 * cancel callback, the sink's tick and the idle timeout each get a turn at
 * least every CLAW_HTTP_TICK_MS. */
static long
next_wait(struct transfer *t)
{
	const struct claw_http_request *req = t->req;
	int64_t wait = CLAW_HTTP_TICK_MS;
	if (req->cancel != NULL && req->cancel(req->cancel_ctx) != 0)
		t->cancelled = true;
	if (req->sink != NULL && req->sink->tick != NULL) {
		int64_t want = req->sink->tick(req->sink->ctx);
		if (want > 0 && want < wait)
			wait = want;
	}
	return (long)wait;
}

/* Runs the transfer in h's multi handle, waking at least every
 * CLAW_HTTP_TICK_MS; the transfer's result. */
static CURLcode
perform(struct claw_http *h, struct transfer *t, bool *idle, CURLMcode *mc)
{
	CURLcode cc = CURLE_OK;
	int running = 1;
	if ((*mc = curl_multi_add_handle(h->multi, h->curl)) != CURLM_OK)
		return CURLE_FAILED_INIT;
	t->last_byte = claw_clock_mono_ms();
	while (running > 0) {
		if ((*mc = curl_multi_perform(h->multi, &running)) != CURLM_OK) {
			cc = CURLE_FAILED_INIT;
			break;
		}
		if (running == 0)
			break;
		long wait = next_wait(t);
		if (t->sink == 1 && t->req->idle_timeout_ms > 0 &&
		    claw_clock_mono_ms() - t->last_byte >= t->req->idle_timeout_ms) {
			*idle = true;
			break;
		}
		if (t->cancelled)
			break;
		if ((*mc = curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL)) != CURLM_OK) {
			cc = CURLE_FAILED_INIT;
			break;
		}
	}
	CURLMsg *msg;
	int left = 0;
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->curl)
			cc = msg->data.result;
	if (t->cancelled || *idle)
		cc = CURLE_ABORTED_BY_CALLBACK;
	(void)curl_multi_remove_handle(h->multi, h->curl);
	return cc;
}

enum claw_err
claw_http_post(struct claw_http *h, const struct claw_http_request *req,
	       struct claw_http_response *resp, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct curl_slist *headers = NULL;
	struct transfer t = {.resp = resp, .req = req, .sink = -1, .curl = h->curl};
	bool idle = false;
	CURLMcode mc = CURLM_OK;
	char cerr[CURL_ERROR_SIZE] = "";
	char url[256];
	CURL *c = h->curl;

	claw_buf_free(&resp->body);
	claw_http_response_init(resp);
	claw_buf_init(&resp->body,
		      req->max_response > 0 ? req->max_response : CLAW_HTTP_RESPONSE_MAX);
	claw_http_url_for_message(req->url, url, sizeof url);
	if (req->n_headers > CLAW_HTTP_HEADERS_MAX) {
		rc = claw_error_set(err, CLAW_EINVAL, "POST %s: %zu headers, at most %d", url,
				    req->n_headers, CLAW_HTTP_HEADERS_MAX);
		goto out;
	}
	for (size_t i = 0; i < req->n_headers; i++) {
		char *line = claw_xasprintf("%s: %s", req->headers[i].name, req->headers[i].value);
		struct curl_slist *next = curl_slist_append(headers, line);
		/* The line may hold a key: wipe our copy (curl made its own). */
		explicit_bzero(line, strlen(line));
		free(line);
		if (next == NULL) {
			rc = claw_error_set(err, CLAW_ENOMEM, "POST %s: out of memory", url);
			goto out;
		}
		headers = next;
	}
	struct curl_slist *next = curl_slist_append(headers, "Content-Type: application/json");
	if (next != NULL)
		next = curl_slist_append(headers = next,
					 "Expect:"); /* no 100-continue round trip */
	if (next == NULL) {
		rc = claw_error_set(err, CLAW_ENOMEM, "POST %s: out of memory", url);
		goto out;
	}
	headers = next;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	if (req->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* whatever libcurl can decode */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "claw/" PACKAGE_VERSION);

	CURLcode cc = perform(h, &t, &idle, &mc);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	curl_off_t first = 0;
	if (curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first) == CURLE_OK)
		resp->first_byte_ms = (int64_t)(first / 1000);
	if (cc == CURLE_OK)
		goto out;
	const char *why = mc != CURLM_OK    ? curl_multi_strerror(mc)
			  : cerr[0] != '\0' ? cerr
					    : curl_easy_strerror(cc);
	if (t.too_big) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "POST %s: response body over %zu bytes", url,
				    resp->body.max);
	} else if (t.cancelled) {
		rc = claw_error_set(err, CLAW_ESTOPPED, "POST %s: cancelled", url);
	} else if (t.refused) {
		rc = claw_error_set(err, CLAW_ENET, "POST %s: the reply stream was refused", url);
	} else if (idle) {
		rc = claw_error_set(err, CLAW_ETIMEOUT, "POST %s: no byte for %lld s", url,
				    (long long)((req->idle_timeout_ms + 999) / 1000));
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = claw_error_set(err, CLAW_ETIMEOUT, "POST %s: %s", url, why);
	} else {
		rc = claw_error_set(err, CLAW_ENET, "POST %s: %s (curl %d)", url, why, (int)cc);
	}
	resp->status = 0;
out:
	/* Drop the pointers into this call's memory; keep the connection. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	for (struct curl_slist *s = headers; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(headers);
	return rc;
}
