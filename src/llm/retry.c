/*
 * retry — failure classes of model calls and the backoff schedule.  See
 * retry.h.
 *
 * The classifier reads only the fields providers document for errors
 * (error.type, error.code, error.message, and the bare forms of local
 * servers); the message is matched case-insensitively against a few phrases
 * because context-length and quota errors have no dedicated status code.
 */
#include "llm/retry.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/str.h"
#include "llm/message.h"

static const char *const class_names[] = {
	[CLAW_RETRY_NONE] = "none",
	[CLAW_RETRY_CONTEXT] = "context_length",
	[CLAW_RETRY_OVERLOADED] = "overloaded",
	[CLAW_RETRY_RATE_LIMIT] = "rate_limit",
	[CLAW_RETRY_QUOTA] = "quota",
	[CLAW_RETRY_AUTH] = "auth",
	[CLAW_RETRY_BAD_REQUEST] = "bad_request",
	[CLAW_RETRY_SERVER] = "server_error",
	[CLAW_RETRY_TRANSPORT] = "transport",
};
_Static_assert(sizeof class_names / sizeof class_names[0] == CLAW_RETRY_CLASS_COUNT,
	       "every retry class needs a name");

static const char *const class_phrases[] = {
	[CLAW_RETRY_NONE] = "no error",
	[CLAW_RETRY_CONTEXT] = "prompt over the context window",
	[CLAW_RETRY_OVERLOADED] = "overloaded",
	[CLAW_RETRY_RATE_LIMIT] = "rate limited",
	[CLAW_RETRY_QUOTA] = "out of quota or credit",
	[CLAW_RETRY_AUTH] = "authentication failed",
	[CLAW_RETRY_BAD_REQUEST] = "bad request",
	[CLAW_RETRY_SERVER] = "server error",
	[CLAW_RETRY_TRANSPORT] = "transport error",
};
_Static_assert(sizeof class_phrases / sizeof class_phrases[0] == CLAW_RETRY_CLASS_COUNT,
	       "every retry class needs a phrase");

const char *
claw_retry_class_name(enum claw_retry_class c)
{
	return (unsigned)c < CLAW_RETRY_CLASS_COUNT ? class_names[c] : "unknown";
}

const char *
claw_retry_class_phrase(enum claw_retry_class c)
{
	return (unsigned)c < CLAW_RETRY_CLASS_COUNT ? class_phrases[c] : "unknown error";
}

bool
claw_retry_transient(enum claw_retry_class c)
{
	return c == CLAW_RETRY_TRANSPORT || c == CLAW_RETRY_OVERLOADED || c == CLAW_RETRY_SERVER ||
	       c == CLAW_RETRY_RATE_LIMIT;
}

/* Copies s into msg as one clean line: control characters become spaces,
 * runs of spaces collapse, clipped (on a UTF-8 boundary) with "...". */
static void
clean_copy(char *msg, size_t size, const char *s, size_t n)
{
	size_t cap = size - 1 < CLAW_RETRY_MSG_MAX ? size - 1 : CLAW_RETRY_MSG_MAX;
	size_t at = 0;
	bool clipped = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && (at == 0 || msg[at - 1] == ' '))
			continue;
		if (at == cap) {
			clipped = true;
			break;
		}
		msg[at++] = (char)c;
	}
	if (clipped) {
		at = claw_str_utf8_floor(msg, cap >= 3 ? cap - 3 : 0);
		for (size_t k = 0; k < 3 && at < cap; k++)
			msg[at++] = '.';
	}
	while (at > 0 && msg[at - 1] == ' ')
		at--;
	msg[at] = '\0';
	if (!claw_str_utf8_valid(msg, at)) {
		/* Keep only ASCII: the message goes into traces and JSON.  What
		 * is dropped may leave spaces side by side or at the ends. */
		size_t w = 0;
		for (size_t i = 0; i < at; i++)
			if ((unsigned char)msg[i] < 0x80 &&
			    !(msg[i] == ' ' && (w == 0 || msg[w - 1] == ' ')))
				msg[w++] = msg[i];
		while (w > 0 && msg[w - 1] == ' ')
			w--;
		msg[w] = '\0';
	}
}

/* Case-insensitive substring test. */
static bool
has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; *p != '\0'; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static const char *const context_phrases[] = {
	"context_length",
	"context length",
	"context window",
	"prompt is too long",
	"maximum context",
	"input is too long",
	"too many tokens",
	"reduce the length",
	"exceeds the context",
	"context size",
	"context limit", /* Anthropic: input length and `max_tokens` exceed context limit */
	NULL,
};

static const char *const quota_phrases[] = {
	"insufficient_quota",
	"quota",
	"credit balance",
	"billing",
	"payment required",
	"credits",
	NULL,
};

static bool
any_phrase(const char *text, const char *const *phrases)
{
	for (size_t i = 0; phrases[i] != NULL; i++)
		if (has(text, phrases[i]))
			return true;
	return false;
}

enum claw_retry_class
claw_retry_classify(long status, const char *body, size_t len, char *msg, size_t size)
{
	struct json_object *root = NULL, *e = NULL;
	const char *message = NULL, *type = "", *code = "";
	char text[CLAW_RETRY_MSG_MAX * 3 + 8];
	enum claw_retry_class c;

	msg[0] = '\0';
	if (body != NULL && len > 0 && claw_json_parse(body, len, &root, NULL) == CLAW_OK &&
	    json_object_is_type(root, json_type_object)) {
		if (json_object_object_get_ex(root, "error", &e) &&
		    json_object_is_type(e, json_type_object)) {
			message = claw_llm_json_get_str(e, "message");
			type = claw_llm_json_get_str(e, "type");
			code = claw_llm_json_get_str(e, "code");
			/* An error object inside a 2xx (OpenRouter) carries the
			 * real status as a number. */
			int64_t n = claw_llm_json_get_count(e, "code", 0);
			if (status >= 200 && status < 300 && n >= 400 && n <= 599)
				status = (long)n;
		} else if (json_object_is_type(e, json_type_string)) {
			message = json_object_get_string(e);
		}
		if (message == NULL)
			message = claw_llm_json_get_str(root, "message");
		if (message == NULL)
			message = claw_llm_json_get_str(root, "detail");
		if (type == NULL)
			type = "";
		if (code == NULL)
			code = "";
	}
	if (message != NULL)
		clean_copy(msg, size, message, strlen(message));
	else if (body != NULL && len > 0 && body[0] != '<')
		clean_copy(msg, size, body, len); /* plain text; skip HTML error pages */

	/* One string to match phrases in: type, code and message together. */
	char cleaned[CLAW_RETRY_MSG_MAX + 1];
	clean_copy(cleaned, sizeof cleaned, type, strlen(type));
	size_t at = strlen(cleaned);
	text[0] = '\0';
	memcpy(text, cleaned, at);
	text[at++] = ' ';
	clean_copy(cleaned, sizeof cleaned, code, strlen(code));
	memcpy(text + at, cleaned, strlen(cleaned));
	at += strlen(cleaned);
	text[at++] = ' ';
	size_t mlen = strlen(msg);
	memcpy(text + at, msg, mlen);
	text[at + mlen] = '\0';

	if (any_phrase(text, context_phrases) && !(status == 429 && has(text, "rate")))
		c = CLAW_RETRY_CONTEXT;
	else if (status == 402 ||
		 (status != 401 && status != 403 && any_phrase(text, quota_phrases)))
		c = CLAW_RETRY_QUOTA;
	else if (status == 529 || has(type, "overloaded"))
		c = CLAW_RETRY_OVERLOADED;
	else if (status == 429 || has(type, "rate_limit"))
		c = CLAW_RETRY_RATE_LIMIT;
	else if (status == 401 || status == 403)
		c = CLAW_RETRY_AUTH;
	else if (status == 408)
		c = CLAW_RETRY_TRANSPORT; /* the server timed out waiting for us */
	else if (status >= 400 && status < 500)
		c = CLAW_RETRY_BAD_REQUEST;
	else
		c = CLAW_RETRY_SERVER; /* 5xx, and an error object inside a 2xx */
	json_object_put(root);
	return c;
}

int64_t
claw_retry_wait_ms(const struct claw_retry_policy *p, int failed, int64_t retry_after_ms,
		   uint64_t random)
{
	if (failed < 1 || failed >= p->attempts)
		return -1;
	if (retry_after_ms > p->max_retry_after_ms)
		return -1;
	int64_t wait = p->base_ms > 0 ? p->base_ms : 0;
	for (int k = 1; k < failed && wait < p->max_ms; k++)
		wait *= 2;
	if (wait > p->max_ms)
		wait = p->max_ms;
	int pct = p->jitter_pct < 0 ? 0 : p->jitter_pct > 100 ? 100 : p->jitter_pct;
	int64_t spread = wait * pct / 100;
	if (spread > 0)
		wait += (int64_t)(random % (uint64_t)(spread + 1));
	if (retry_after_ms > wait)
		wait = retry_after_ms;
	return wait;
}

/* True when s is one or more decimal digits. */
static bool
all_digits(struct claw_str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (!isdigit((unsigned char)s.p[i]))
			return false;
	return s.n > 0;
}

int64_t
claw_retry_after_parse(const char *value, int64_t now_ms)
{
	struct claw_str v = claw_str_trim(claw_str_from(value));
	int64_t secs = 0;

	if (v.n == 0)
		return -1;
	if (isdigit((unsigned char)v.p[0])) {
		/* delay-seconds; a fraction ("1.5") is tolerated, to the ms. */
		struct claw_str rest = v;
		struct claw_str whole = claw_str_cut(&rest, '.');
		if (claw_str_to_i64(whole, 0, CLAW_RETRY_AFTER_MAX_MS / 1000, &secs) != CLAW_OK)
			return all_digits(whole) ? CLAW_RETRY_AFTER_MAX_MS : -1;
		int64_t ms = secs * 1000;
		if (rest.n > 0) {
			int64_t frac = 0, scale = 1;
			for (size_t i = 0; i < rest.n && i < 3; i++) {
				if (!isdigit((unsigned char)rest.p[i]))
					return -1;
				frac = frac * 10 + (rest.p[i] - '0');
				scale *= 10;
			}
			ms += frac * 1000 / scale;
		}
		return ms < CLAW_RETRY_AFTER_MAX_MS ? ms : CLAW_RETRY_AFTER_MAX_MS;
	}
	/* An HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"). */
	char date[64];
	if (v.n >= sizeof date)
		return -1;
	memcpy(date, v.p, v.n);
	date[v.n] = '\0';
	time_t t = curl_getdate(date, NULL);
	if (t == (time_t)-1)
		return -1;
	if (t < 0)
		return 0; /* before 1970: long past */
	/* An absurd year ("d2Oct0999999999") overflows t * 1000: saturate. */
	int64_t ms;
	if (__builtin_mul_overflow((int64_t)t, INT64_C(1000), &ms) ||
	    __builtin_sub_overflow(ms, now_ms, &ms) || ms > CLAW_RETRY_AFTER_MAX_MS)
		return CLAW_RETRY_AFTER_MAX_MS;
	return ms > 0 ? ms : 0;
}
