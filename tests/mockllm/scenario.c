/*
 * scenario — loading, matching and rendering mockllm's scripted replies.
 * See scenario.h and README.md.
 *
 * Reply bodies are built as json-c trees from the spec and serialized; the
 * spec objects are only read after load (json-c reads are not thread-safe
 * when they touch the serialization cache, so rendering never serializes a
 * spec object in place: it deep-copies what it embeds).
 */
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "base/str.h"

struct claw_scenario {
	struct json_object *root; /* the whole file (owned) */
	struct claw_scenario_reply *replies;
	size_t n;
	struct claw_mutex mu; /* guards every reply's `left` */
};

static const char *const reply_keys[] = {
	"match",   "text",   "thinking", "tool_calls",        "stop", "usage",   "delay_ms",
	"times",   "fault",  "model",    "malformed",         "drop", "partial", "hang",
	"hang_ms", "filler", "stream",   "redacted_thinking", NULL,
};
static const char *const stream_keys[] = {"chunk", "pause_ms", "cut",    "error",
					  "plain", "stamp",    "pieces", NULL};
static const char *const match_keys[] = {"api", "model", "user", "any", NULL};
static const char *const call_keys[] = {"id", "name", "input", "arguments", NULL};
static const char *const usage_keys[] = {"in", "out", "cached", "cache_write", "cost", NULL};
static const char *const fault_keys[] = {
	"status",      "type",           "code",    "message", "body",
	"retry_after", "retry_after_ms", "headers", NULL,
};

static enum claw_err
read_file(const char *path, struct claw_buf *b, struct claw_error *err)
{
	char chunk[8192], ebuf[128];
	enum claw_err rc = CLAW_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return claw_error_set(err, CLAW_EIO, "%s: %s", path,
				      claw_errno_text(errno, ebuf, sizeof ebuf));
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof chunk);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = claw_error_set(err, CLAW_EIO, "%s: %s", path,
					    claw_errno_text(errno, ebuf, sizeof ebuf));
			break;
		}
		if (k == 0)
			break;
		if (claw_buf_append(b, chunk, (size_t)k) != CLAW_OK) {
			rc = claw_error_set(err, CLAW_ETOOBIG, "%s: too big", path);
			break;
		}
	}
	close(fd);
	return rc;
}

/* Validates one reply object and fills r. */
static enum claw_err
load_reply(struct json_object *o, size_t i, struct claw_scenario_reply *r, struct claw_error *err)
{
	enum claw_err rc;
	struct json_object *v = NULL, *calls = NULL;
	int actions = 0;

	r->index = i;
	r->spec = o;
	r->times = 1;
	r->hang_ms = 120000;
	rc = claw_json_check_type(o, json_type_object, "reply", err);
	if (rc == CLAW_OK)
		rc = claw_json_check_keys(o, reply_keys, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(o, "times", CLAW_JSON_OPTIONAL, 0, INT32_MAX, &r->times,
					 err);
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(o, "delay_ms", CLAW_JSON_OPTIONAL, 0, 3600000,
					 &r->delay_ms, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(o, "hang_ms", CLAW_JSON_OPTIONAL, 0, 3600000, &r->hang_ms,
					 err);
	int64_t filler = 0;
	if (rc == CLAW_OK)
		rc = claw_json_get_int64(o, "filler", CLAW_JSON_OPTIONAL, 0,
					 CLAW_SCENARIO_FILLER_MAX, &filler, err);
	struct json_object *so = NULL;
	if (rc == CLAW_OK)
		rc = claw_json_get_object(o, "stream", CLAW_JSON_OPTIONAL, &so, err);
	if (rc == CLAW_OK && so != NULL) {
		int64_t n = 0;
		bool b = false;
		struct json_object *e = NULL;
		rc = claw_json_check_keys(so, stream_keys, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_int64(so, "chunk", CLAW_JSON_OPTIONAL, 1, 1 << 20, &n,
						 err);
		if (rc == CLAW_OK)
			rc = claw_json_get_int64(so, "pause_ms", CLAW_JSON_OPTIONAL, 0, 60000, &n,
						 err);
		if (rc == CLAW_OK)
			rc = claw_json_get_bool(so, "cut", CLAW_JSON_OPTIONAL, &b, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_bool(so, "plain", CLAW_JSON_OPTIONAL, &b, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_bool(so, "stamp", CLAW_JSON_OPTIONAL, &b, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_int64(so, "pieces", CLAW_JSON_OPTIONAL, 1, 100000, &n,
						 err);
		if (rc == CLAW_OK)
			rc = claw_json_get_object(so, "error", CLAW_JSON_OPTIONAL, &e, err);
		if (rc != CLAW_OK)
			claw_error_prefix(err, "stream");
	}
	const char *s = NULL;
	if (rc == CLAW_OK)
		rc = claw_json_get_string(o, "text", CLAW_JSON_OPTIONAL, &s, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(o, "thinking", CLAW_JSON_OPTIONAL, &s, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(o, "redacted_thinking", CLAW_JSON_OPTIONAL, &s, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(o, "stop", CLAW_JSON_OPTIONAL, &s, err);
	if (rc == CLAW_OK)
		rc = claw_json_get_string(o, "model", CLAW_JSON_OPTIONAL, &s, err);
	if (rc != CLAW_OK)
		goto out;

	if (json_object_object_get_ex(o, "match", &v)) {
		rc = claw_json_check_type(v, json_type_object, "match", err);
		if (rc == CLAW_OK)
			rc = claw_json_check_keys(v, match_keys, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(v, "api", CLAW_JSON_OPTIONAL, &r->match_api, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(v, "model", CLAW_JSON_OPTIONAL, &r->match_model,
						  err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(v, "user", CLAW_JSON_OPTIONAL, &r->match_user,
						  err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(v, "any", CLAW_JSON_OPTIONAL, &r->match_any, err);
		if (rc == CLAW_OK && r->match_api != NULL &&
		    strcmp(r->match_api, "anthropic") != 0 && strcmp(r->match_api, "openai") != 0 &&
		    strcmp(r->match_api, "hook") != 0)
			rc = claw_error_set(err, CLAW_EINVAL,
					    "match: field \"api\" must be \"anthropic\", "
					    "\"openai\" or \"hook\"");
		if (rc != CLAW_OK) {
			claw_error_prefix(err, "match");
			goto out;
		}
	}
	rc = claw_json_get_array(o, "tool_calls", CLAW_JSON_OPTIONAL, &calls, err);
	for (size_t k = 0; rc == CLAW_OK && calls != NULL && k < json_object_array_length(calls);
	     k++) {
		struct json_object *c = json_object_array_get_idx(calls, k);
		struct json_object *input = NULL;
		rc = claw_json_check_type(c, json_type_object, "tool call", err);
		if (rc == CLAW_OK)
			rc = claw_json_check_keys(c, call_keys, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(c, "name", CLAW_JSON_REQUIRED, &s, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(c, "id", CLAW_JSON_OPTIONAL, &s, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_string(c, "arguments", CLAW_JSON_OPTIONAL, &s, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_object(c, "input", CLAW_JSON_OPTIONAL, &input, err);
		if (rc != CLAW_OK)
			claw_error_prefix(err, "tool_calls[%zu]", k);
	}
	if (rc != CLAW_OK)
		goto out;
	if (json_object_object_get_ex(o, "usage", &v)) {
		int64_t n = 0;
		rc = claw_json_check_type(v, json_type_object, "usage", err);
		if (rc == CLAW_OK)
			rc = claw_json_check_keys(v, usage_keys, err);
		for (size_t k = 0; rc == CLAW_OK && k < 4; k++) /* the token counts */
			rc = claw_json_get_int64(v, usage_keys[k], CLAW_JSON_OPTIONAL, 0,
						 INT64_C(1) << 40, &n, err);
		if (rc != CLAW_OK) {
			claw_error_prefix(err, "usage");
			goto out;
		}
	}

	/* The action. */
	bool flag = false;
	if (json_object_object_get_ex(o, "fault", &v)) {
		int64_t status = 0;
		struct json_object *h = NULL;
		rc = claw_json_check_type(v, json_type_object, "fault", err);
		if (rc == CLAW_OK)
			rc = claw_json_check_keys(v, fault_keys, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_int64(v, "status", CLAW_JSON_REQUIRED, 100, 599, &status,
						 err);
		if (rc == CLAW_OK)
			rc = claw_json_get_object(v, "headers", CLAW_JSON_OPTIONAL, &h, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_int64(v, "retry_after_ms", CLAW_JSON_OPTIONAL, 0,
						 INT32_MAX, &status, err);
		if (rc != CLAW_OK) {
			claw_error_prefix(err, "fault");
			goto out;
		}
		r->action = CLAW_SCENARIO_FAULT;
		actions++;
	}
	if (json_object_object_get_ex(o, "malformed", &v)) {
		if (!json_object_is_type(v, json_type_string) &&
		    !json_object_is_type(v, json_type_boolean)) {
			rc = claw_error_set(err, CLAW_EINVAL,
					    "field \"malformed\" must be true or a string");
			goto out;
		}
		r->action = CLAW_SCENARIO_MALFORMED;
		actions++;
	}
	static const struct {
		const char *key;
		enum claw_scenario_action action;
	} flags[] = {{"drop", CLAW_SCENARIO_DROP},
		     {"partial", CLAW_SCENARIO_PARTIAL},
		     {"hang", CLAW_SCENARIO_HANG}};
	for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
		flag = false;
		rc = claw_json_get_bool(o, flags[k].key, CLAW_JSON_OPTIONAL, &flag, err);
		if (rc != CLAW_OK)
			goto out;
		if (flag) {
			r->action = flags[k].action;
			actions++;
		}
	}
	if (actions > 1)
		rc = claw_error_set(err, CLAW_EINVAL,
				    "at most one of fault, malformed, drop, partial, hang");
out:
	if (rc != CLAW_OK)
		claw_error_prefix(err, "replies[%zu]", i);
	r->left = r->times;
	return rc;
}

enum claw_err
claw_scenario_load(const char *path, struct claw_scenario **out, struct claw_error *err)
{
	enum claw_err rc;
	struct claw_buf text = CLAW_BUF_INIT(CLAW_SCENARIO_FILE_MAX);
	struct claw_scenario *s = CLAW_NEW(struct claw_scenario);
	struct json_object *list = NULL;

	*out = NULL;
	claw_mutex_init(&s->mu, "scenario.mu");
	rc = read_file(path, &text, err);
	if (rc != CLAW_OK)
		goto out_read; /* the message names the path already */
	rc = claw_json_parse(claw_buf_str(&text), claw_buf_len(&text), &s->root, err);
	if (rc != CLAW_OK)
		goto out;
	if (json_object_is_type(s->root, json_type_array)) {
		list = s->root;
	} else {
		static const char *const top_keys[] = {"replies", NULL};
		rc = claw_json_check_type(s->root, json_type_object, "the scenario", err);
		if (rc == CLAW_OK)
			rc = claw_json_check_keys(s->root, top_keys, err);
		if (rc == CLAW_OK)
			rc = claw_json_get_array(s->root, "replies", CLAW_JSON_REQUIRED, &list,
						 err);
		if (rc != CLAW_OK)
			goto out;
	}
	s->n = json_object_array_length(list);
	s->replies = claw_xcalloc(s->n + 1, sizeof *s->replies);
	for (size_t i = 0; i < s->n; i++) {
		rc = load_reply(json_object_array_get_idx(list, i), i, &s->replies[i], err);
		if (rc != CLAW_OK)
			goto out;
	}
	*out = s;
	s = NULL;
out:
	if (rc != CLAW_OK)
		claw_error_prefix(err, "%s", path);
out_read:
	claw_scenario_free(s);
	claw_buf_free(&text);
	return rc;
}

void
claw_scenario_free(struct claw_scenario *s)
{
	if (s == NULL)
		return;
	json_object_put(s->root);
	free(s->replies);
	claw_mutex_destroy(&s->mu);
	free(s);
}

static bool
matches(const struct claw_scenario_reply *r, const struct claw_scenario_request *q)
{
	static const char *const names[] = {[CLAW_SCENARIO_ANTHROPIC] = "anthropic",
					    [CLAW_SCENARIO_OPENAI] = "openai",
					    [CLAW_SCENARIO_HOOK] = "hook"};
	/* A webhook takes only the replies written for it. */
	if (r->match_api == NULL ? q->api == CLAW_SCENARIO_HOOK
				 : strcmp(r->match_api, names[q->api]) != 0)
		return false;
	if (r->match_model != NULL && strcmp(r->match_model, q->model) != 0)
		return false;
	if (r->match_user != NULL && strstr(q->last_user, r->match_user) == NULL)
		return false;
	if (r->match_any != NULL && strstr(q->body, r->match_any) == NULL)
		return false;
	return true;
}

const struct claw_scenario_reply *
claw_scenario_take(struct claw_scenario *s, const struct claw_scenario_request *req)
{
	const struct claw_scenario_reply *hit = NULL;
	claw_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n && hit == NULL; i++) {
		struct claw_scenario_reply *r = &s->replies[i];
		if ((r->times == 0 || r->left > 0) && matches(r, req)) {
			if (r->times > 0)
				r->left--;
			hit = r;
		}
	}
	claw_mutex_unlock(&s->mu);
	return hit;
}

size_t
claw_scenario_remaining(struct claw_scenario *s)
{
	size_t k = 0;
	claw_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++)
		k += s->replies[i].times == 0 || s->replies[i].left > 0;
	claw_mutex_unlock(&s->mu);
	return k;
}

/* Appends the text of a content value (string, or array of blocks) to out. */
static void
content_text(struct json_object *content, struct claw_buf *out)
{
	if (json_object_is_type(content, json_type_string)) {
		if (claw_buf_len(out) > 0)
			claw_buf_putc(out, '\n');
		claw_buf_puts(out, json_object_get_string(content));
		return;
	}
	if (!json_object_is_type(content, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(content); i++) {
		struct json_object *b = json_object_array_get_idx(content, i), *v = NULL;
		if (json_object_object_get_ex(b, "text", &v))
			content_text(v, out);
		else if (json_object_object_get_ex(b, "content", &v))
			content_text(v, out); /* tool_result */
	}
}

void
claw_scenario_describe(struct json_object *body, enum claw_scenario_api api,
		       struct claw_scenario_request *req, struct claw_buf *text)
{
	struct json_object *v = NULL, *msgs = NULL;

	req->api = api;
	req->model = "";
	req->last_user = "";
	if (json_object_object_get_ex(body, "model", &v) &&
	    json_object_is_type(v, json_type_string))
		req->model = json_object_get_string(v);
	if (!json_object_object_get_ex(body, "messages", &msgs) ||
	    !json_object_is_type(msgs, json_type_array))
		return;
	/* The last user turn: the trailing run of user (and, for OpenAI, tool)
	 * messages, in order. */
	size_t n = json_object_array_length(msgs), first = n;
	while (first > 0) {
		struct json_object *m = json_object_array_get_idx(msgs, first - 1), *role = NULL;
		if (!json_object_object_get_ex(m, "role", &role))
			break;
		const char *r = json_object_get_string(role);
		if (strcmp(r, "user") != 0 &&
		    (api == CLAW_SCENARIO_ANTHROPIC || strcmp(r, "tool") != 0))
			break;
		first--;
	}
	for (size_t i = first; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(msgs, i), *content = NULL;
		if (json_object_object_get_ex(m, "content", &content))
			content_text(content, text);
	}
	req->last_user = claw_buf_str(text);
}

/* o[key] when it is a string, else dflt. */
static const char *
obj_str(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = NULL;
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return dflt;
}

static int64_t
obj_int(struct json_object *o, const char *key, int64_t dflt)
{
	struct json_object *v = NULL;
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return dflt;
}

static struct json_object *
copy(struct json_object *v)
{
	struct json_object *c = NULL;
	if (v == NULL || json_object_deep_copy(v, &c, NULL) != 0)
		return NULL;
	return c;
}

static void
put_json(struct json_object *o, struct claw_buf *out)
{
	claw_buf_puts(out, json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The reply's size in tokens as cache.h counts them: bytes / 4 of its
 * text and its calls' inputs. */
static int64_t
reply_tokens(const struct claw_buf *text, struct json_object *calls)
{
	size_t bytes = claw_buf_len(text);
	for (size_t i = 0; calls != NULL && i < json_object_array_length(calls); i++) {
		struct json_object *c = json_object_array_get_idx(calls, i), *v = NULL;
		if (json_object_object_get_ex(c, "input", &v)) {
			struct json_object *in = copy(v);
			bytes += strlen(json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN));
			json_object_put(in);
		}
	}
	return (int64_t)(bytes + 3) / 4;
}

void
claw_scenario_answer(const struct claw_scenario_reply *r, enum claw_scenario_api api, int64_t seq,
		     const char *model, const struct claw_scenario_usage *measured,
		     struct claw_buf *out)
{
	struct json_object *calls = NULL, *usage = NULL, *v = NULL;
	char id[64];

	const char *text = obj_str(r->spec, "text", "");
	int64_t filler = obj_int(r->spec, "filler", 0);
	struct claw_buf full = CLAW_BUF_INIT(CLAW_SCENARIO_FILLER_MAX + (64u << 20));
	claw_buf_puts(&full, text);
	for (int64_t i = 0; i < filler; i++)
		claw_buf_putc(&full, 'x');
	json_object_object_get_ex(r->spec, "tool_calls", &calls);
	json_object_object_get_ex(r->spec, "usage", &usage);
	size_t n_calls = calls != NULL ? json_object_array_length(calls) : 0;
	int64_t in = obj_int(usage, "in", 100), out_tok = obj_int(usage, "out", 20);
	int64_t cached = obj_int(usage, "cached", 0), written = obj_int(usage, "cache_write", 0);
	if (measured->measured) {
		in = measured->in;
		cached = measured->cached;
		written = measured->cache_write;
		out_tok = obj_int(usage, "out", reply_tokens(&full, calls));
	}
	model = obj_str(r->spec, "model", model);

	struct json_object *root = json_object_new_object();
	if (api == CLAW_SCENARIO_ANTHROPIC) {
		(void)snprintf(id, sizeof id, "msg_mock_%lld", (long long)seq);
		json_object_object_add(root, "id", json_object_new_string(id));
		json_object_object_add(root, "type", json_object_new_string("message"));
		json_object_object_add(root, "role", json_object_new_string("assistant"));
		json_object_object_add(root, "model", json_object_new_string(model));
		struct json_object *content = json_object_new_array();
		const char *thinking = obj_str(r->spec, "thinking", NULL);
		const char *redacted = obj_str(r->spec, "redacted_thinking", NULL);
		if (thinking != NULL) {
			char sig[CLAW_SCENARIO_SIGNATURE_MAX];
			claw_scenario_signature(thinking, strlen(thinking), sig);
			struct json_object *b = json_object_new_object();
			json_object_object_add(b, "type", json_object_new_string("thinking"));
			json_object_object_add(b, "thinking", json_object_new_string(thinking));
			json_object_object_add(b, "signature", json_object_new_string(sig));
			json_object_array_add(content, b);
		}
		if (redacted != NULL) {
			struct json_object *b = json_object_new_object();
			json_object_object_add(b, "type",
					       json_object_new_string("redacted_thinking"));
			json_object_object_add(b, "data", json_object_new_string(redacted));
			json_object_array_add(content, b);
		}
		if (claw_buf_len(&full) > 0) {
			struct json_object *b = json_object_new_object();
			json_object_object_add(b, "type", json_object_new_string("text"));
			json_object_object_add(
				b, "text",
				json_object_new_string_len(claw_buf_str(&full),
							   (int)claw_buf_len(&full)));
			json_object_array_add(content, b);
		}
		for (size_t i = 0; i < n_calls; i++) {
			struct json_object *c = json_object_array_get_idx(calls, i);
			struct json_object *b = json_object_new_object();
			(void)snprintf(id, sizeof id, "toolu_mock_%lld_%zu", (long long)seq, i);
			json_object_object_add(b, "type", json_object_new_string("tool_use"));
			json_object_object_add(b, "id",
					       json_object_new_string(obj_str(c, "id", id)));
			json_object_object_add(b, "name",
					       json_object_new_string(obj_str(c, "name", "")));
			json_object_object_get_ex(c, "input", &v);
			json_object_object_add(b, "input",
					       v != NULL ? copy(v) : json_object_new_object());
			v = NULL;
			json_object_array_add(content, b);
		}
		json_object_object_add(root, "content", content);
		json_object_object_add(
			root, "stop_reason",
			json_object_new_string(
				obj_str(r->spec, "stop", n_calls > 0 ? "tool_use" : "end_turn")));
		json_object_object_add(root, "stop_sequence", NULL);
		struct json_object *u = json_object_new_object();
		json_object_object_add(u, "input_tokens",
				       json_object_new_int64(in - cached - written));
		json_object_object_add(u, "cache_creation_input_tokens",
				       json_object_new_int64(written));
		json_object_object_add(u, "cache_read_input_tokens", json_object_new_int64(cached));
		json_object_object_add(u, "output_tokens", json_object_new_int64(out_tok));
		json_object_object_add(root, "usage", u);
	} else {
		(void)snprintf(id, sizeof id, "chatcmpl-mock-%lld", (long long)seq);
		json_object_object_add(root, "id", json_object_new_string(id));
		json_object_object_add(root, "object", json_object_new_string("chat.completion"));
		json_object_object_add(root, "created", json_object_new_int64((int64_t)time(NULL)));
		json_object_object_add(root, "model", json_object_new_string(model));
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "role", json_object_new_string("assistant"));
		const char *reasoning = obj_str(r->spec, "thinking", NULL);
		if (reasoning != NULL) /* as DeepSeek and vLLM show it */
			json_object_object_add(msg, "reasoning_content",
					       json_object_new_string(reasoning));
		json_object_object_add(
			msg, "content",
			claw_buf_len(&full) > 0 || n_calls == 0
				? json_object_new_string_len(claw_buf_str(&full),
							     (int)claw_buf_len(&full))
				: NULL);
		if (n_calls > 0) {
			struct json_object *tc = json_object_new_array();
			for (size_t i = 0; i < n_calls; i++) {
				struct json_object *c = json_object_array_get_idx(calls, i);
				struct json_object *view = c;
				struct json_object *call = json_object_new_object();
				struct json_object *fn = json_object_new_object();
				(void)snprintf(id, sizeof id, "call_mock_%lld_%zu", (long long)seq,
					       i);
				json_object_object_add(
					call, "id",
					json_object_new_string(obj_str(view, "id", id)));
				json_object_object_add(call, "type",
						       json_object_new_string("function"));
				json_object_object_add(
					fn, "name",
					json_object_new_string(obj_str(view, "name", "")));
				const char *raw = obj_str(view, "arguments", NULL);
				if (raw != NULL) {
					json_object_object_add(fn, "arguments",
							       json_object_new_string(raw));
				} else {
					struct json_object *input = NULL;
					json_object_object_get_ex(c, "input", &input);
					struct json_object *in_copy =
						input != NULL ? copy(input)
							      : json_object_new_object();
					json_object_object_add(
						fn, "arguments",
						json_object_new_string(
							json_object_to_json_string_ext(
								in_copy, JSON_C_TO_STRING_PLAIN)));
					json_object_put(in_copy);
				}
				json_object_object_add(call, "function", fn);
				json_object_array_add(tc, call);
			}
			json_object_object_add(msg, "tool_calls", tc);
		}
		struct json_object *choice = json_object_new_object();
		json_object_object_add(choice, "index", json_object_new_int(0));
		json_object_object_add(choice, "message", msg);
		json_object_object_add(
			choice, "finish_reason",
			json_object_new_string(
				obj_str(r->spec, "stop", n_calls > 0 ? "tool_calls" : "stop")));
		struct json_object *choices = json_object_new_array();
		json_object_array_add(choices, choice);
		json_object_object_add(root, "choices", choices);
		struct json_object *u = json_object_new_object();
		json_object_object_add(u, "prompt_tokens", json_object_new_int64(in));
		json_object_object_add(u, "completion_tokens", json_object_new_int64(out_tok));
		json_object_object_add(u, "total_tokens", json_object_new_int64(in + out_tok));
		struct json_object *details = json_object_new_object();
		json_object_object_add(details, "cached_tokens", json_object_new_int64(cached));
		json_object_object_add(u, "prompt_tokens_details", details);
		if (json_object_object_get_ex(usage, "cost", &v))
			json_object_object_add(u, "cost", copy(v));
		json_object_object_add(root, "usage", u);
	}
	put_json(root, out);
	claw_buf_free(&full);
}

/* The provider's error type for a status, when the scenario names none. */
static const char *
default_type(enum claw_scenario_api api, int status)
{
	if (api == CLAW_SCENARIO_OPENAI)
		return status == 429   ? "rate_limit_exceeded"
		       : status >= 500 ? "server_error"
				       : "invalid_request_error";
	switch (status) {
	case 401:
		return "authentication_error";
	case 403:
		return "permission_error";
	case 404:
		return "not_found_error";
	case 413:
		return "request_too_large";
	case 429:
		return "rate_limit_error";
	case 529:
		return "overloaded_error";
	default:
		return status >= 500 ? "api_error" : "invalid_request_error";
	}
}

void
claw_scenario_error_body(enum claw_scenario_api api, int status, const char *type,
			 const char *message, struct claw_buf *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *e = json_object_new_object();
	if (type == NULL)
		type = default_type(api, status);
	if (api == CLAW_SCENARIO_ANTHROPIC) {
		json_object_object_add(root, "type", json_object_new_string("error"));
		json_object_object_add(e, "type", json_object_new_string(type));
		json_object_object_add(e, "message", json_object_new_string(message));
	} else {
		json_object_object_add(e, "message", json_object_new_string(message));
		json_object_object_add(e, "type", json_object_new_string(type));
		json_object_object_add(e, "param", NULL);
		json_object_object_add(e, "code", NULL);
	}
	json_object_object_add(root, "error", e);
	put_json(root, out);
}

void
claw_scenario_fault(const struct claw_scenario_reply *r, enum claw_scenario_api api, int *status,
		    struct claw_buf *body, struct claw_buf *headers)
{
	struct json_object *f = NULL, *v = NULL;
	json_object_object_get_ex(r->spec, "fault", &f);
	struct json_object *view = f;

	*status = (int)obj_int(f, "status", 500);
	if (json_object_object_get_ex(f, "body", &v)) {
		if (json_object_is_type(v, json_type_string))
			claw_buf_puts(body, json_object_get_string(v));
		else
			put_json(copy(v), body);
	} else {
		char dflt[64];
		(void)snprintf(dflt, sizeof dflt, "mockllm fault %d", *status);
		const char *code = obj_str(view, "code", NULL);
		claw_scenario_error_body(api, *status, obj_str(view, "type", NULL),
					 obj_str(view, "message", dflt), body);
		if (code != NULL && api == CLAW_SCENARIO_OPENAI) {
			/* Put the code in: rebuild with it (rare path, keep it simple). */
			struct json_object *o = NULL;
			if (claw_json_parse(claw_buf_str(body), claw_buf_len(body), &o, NULL) ==
			    CLAW_OK) {
				struct json_object *e = NULL;
				json_object_object_get_ex(o, "error", &e);
				json_object_object_add(e, "code", json_object_new_string(code));
				claw_buf_reset(body);
				put_json(o, body);
			}
		}
	}
	if (json_object_object_get_ex(f, "retry_after", &v)) {
		if (json_object_is_type(v, json_type_string))
			claw_buf_printf(headers, "retry-after: %s\r\n", json_object_get_string(v));
		else
			claw_buf_printf(headers, "retry-after: %lld\r\n",
					(long long)json_object_get_int64(v));
	}
	if (json_object_object_get_ex(f, "retry_after_ms", &v))
		claw_buf_printf(headers, "retry-after-ms: %lld\r\n",
				(long long)json_object_get_int64(v));
	if (json_object_object_get_ex(f, "headers", &v)) {
		json_object_object_foreach(v, name, value)
		{
			claw_buf_printf(headers, "%s: %s\r\n", name, json_object_get_string(value));
		}
	}
}

void
claw_scenario_signature(const char *thinking, size_t n, char out[CLAW_SCENARIO_SIGNATURE_MAX])
{
	(void)snprintf(out, CLAW_SCENARIO_SIGNATURE_MAX, "mocksig-%016llx",
		       (unsigned long long)claw_fnv1a(CLAW_FNV1A_INIT, thinking, n));
}

/* messages[i] of body, or NULL. */
static struct json_object *
message_at(struct json_object *msgs, size_t i)
{
	return i < json_object_array_length(msgs) ? json_object_array_get_idx(msgs, i) : NULL;
}

bool
claw_scenario_thinking_refused(struct json_object *body, char *why, size_t size)
{
	struct json_object *thinking = NULL, *msgs = NULL, *v = NULL;
	bool on = json_object_object_get_ex(body, "thinking", &thinking) &&
		  strcmp(obj_str(thinking, "type", ""), "enabled") == 0;

	if (on) {
		int64_t budget = obj_int(thinking, "budget_tokens", 0);
		if (budget < 1024 || budget >= obj_int(body, "max_tokens", 0)) {
			(void)snprintf(why, size,
				       "thinking.budget_tokens: must be at least 1024 and less "
				       "than max_tokens");
			return true;
		}
		if (json_object_object_get_ex(body, "temperature", &v) &&
		    json_object_get_double(v) != 1.0) {
			(void)snprintf(
				why, size,
				"`temperature` may only be set to 1 when thinking is enabled");
			return true;
		}
	}
	if (!json_object_object_get_ex(body, "messages", &msgs) ||
	    !json_object_is_type(msgs, json_type_array))
		return false;
	size_t last_assistant = SIZE_MAX;
	for (size_t i = 0; message_at(msgs, i) != NULL; i++) {
		struct json_object *m = message_at(msgs, i), *content = NULL;
		if (strcmp(obj_str(m, "role", ""), "assistant") != 0)
			continue;
		last_assistant = i;
		if (!json_object_object_get_ex(m, "content", &content) ||
		    !json_object_is_type(content, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(content); k++) {
			struct json_object *b = json_object_array_get_idx(content, k);
			const char *t = obj_str(b, "thinking", "");
			char sig[CLAW_SCENARIO_SIGNATURE_MAX];
			if (strcmp(obj_str(b, "type", ""), "thinking") != 0)
				continue;
			claw_scenario_signature(t, strlen(t), sig);
			if (strcmp(obj_str(b, "signature", ""), sig) != 0) {
				(void)snprintf(why, size,
					       "messages.%zu.content.%zu: Invalid `signature` in "
					       "`thinking` block",
					       i, k);
				return true;
			}
		}
	}
	/* A tool loop: the last assistant turn called tools, and with
	 * thinking on it must begin with its thinking, as the API says. */
	struct json_object *last = last_assistant != SIZE_MAX ? message_at(msgs, last_assistant)
							      : NULL,
			   *content = NULL;
	if (!on || last == NULL || !json_object_object_get_ex(last, "content", &content) ||
	    !json_object_is_type(content, json_type_array) ||
	    json_object_array_length(content) == 0)
		return false;
	bool calls = false;
	for (size_t k = 0; k < json_object_array_length(content); k++)
		calls |= strcmp(obj_str(json_object_array_get_idx(content, k), "type", ""),
				"tool_use") == 0;
	const char *first = obj_str(json_object_array_get_idx(content, 0), "type", "");
	if (calls && strcmp(first, "thinking") != 0 && strcmp(first, "redacted_thinking") != 0) {
		(void)snprintf(why, size,
			       "messages.%zu.content.0.type: Expected `thinking` or "
			       "`redacted_thinking`, but found `%s`. When `thinking` is enabled, "
			       "a final `assistant` message must start with a thinking block",
			       last_assistant, first);
		return true;
	}
	return false;
}
