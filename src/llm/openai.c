/*
 * openai — Chat Completions request and reply mapping.  See openai.h.
 */
#include "llm/openai.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* True for model families that take max_completion_tokens only. */
static bool
wants_completion_tokens(const char *model)
{
	static const char *const families[] = {"o1", "o3", "o4", "gpt-5", NULL};
	const char *slash = strrchr(model, '/');
	if (slash != NULL)
		model = slash + 1;
	for (size_t i = 0; families[i] != NULL; i++)
		if (strncmp(model, families[i], strlen(families[i])) == 0)
			return true;
	return false;
}

/* The text blocks of m joined by blank lines, as one JSON string. */
static void
put_joined_text(struct claw_buf *out, const struct claw_llm_msg *m)
{
	struct claw_buf joined = CLAW_BUF_INIT(CLAW_LLM_REQUEST_MAX);
	for (size_t i = 0; i < claw_llm_msg_count(m); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(m, i);
		if (b->type != CLAW_LLM_TEXT)
			continue;
		if (claw_buf_len(&joined) > 0)
			claw_buf_puts(&joined, "\n\n");
		claw_buf_puts(&joined, b->text);
	}
	if (claw_buf_error(&joined) != CLAW_OK)
		/* An append past any cap records CLAW_ETOOBIG in out (and
		 * copies nothing): the overflow reaches the caller. */
		claw_buf_append(out, NULL, SIZE_MAX);
	else
		claw_json_buf_append_string(out, claw_buf_str(&joined), claw_buf_len(&joined));
	claw_buf_free(&joined);
}

static size_t
count_type(const struct claw_llm_msg *m, enum claw_llm_block_type t)
{
	size_t k = 0;
	for (size_t i = 0; i < claw_llm_msg_count(m); i++)
		k += claw_llm_msg_block(m, i)->type == t;
	return k;
}

/* The unsigned thinking of an assistant message that called tools, as
 * ",\"reasoning_content\":..." (DeepSeek's thinking mode wants it back
 * within a tool loop; only a server that sent it has given such a block).
 * Anthropic's signed thinking is not this server's: never sent. */
static void
put_reasoning(struct claw_buf *out, const struct claw_llm_msg *m, size_t n_calls)
{
	for (size_t i = 0; n_calls > 0 && i < claw_llm_msg_count(m); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(m, i);
		if (b->type == CLAW_LLM_THINKING && b->signature[0] == '\0') {
			claw_buf_puts(out, ",\"reasoning_content\":");
			claw_llm_json_cstr(out, b->text);
			return;
		}
	}
}

/* Writes m as one or more Chat Completions messages; *first tracks commas. */
static void
put_message(struct claw_buf *out, const struct claw_llm_msg *m, bool *first)
{
	size_t n_text = count_type(m, CLAW_LLM_TEXT);

	if (claw_llm_msg_role(m) == CLAW_LLM_USER) {
		for (size_t i = 0; i < claw_llm_msg_count(m); i++) {
			const struct claw_llm_block *b = claw_llm_msg_block(m, i);
			if (b->type != CLAW_LLM_TOOL_RESULT)
				continue;
			claw_buf_puts(out, *first ? "" : ",");
			*first = false;
			claw_buf_puts(out, "{\"role\":\"tool\",\"tool_call_id\":");
			claw_llm_json_cstr(out, b->id);
			claw_buf_puts(out, ",\"content\":");
			if (b->is_error) {
				char *s = claw_xasprintf("[error] %s", b->text);
				claw_llm_json_cstr(out, s);
				free(s);
			} else {
				claw_llm_json_cstr(out, b->text);
			}
			claw_buf_putc(out, '}');
		}
		if (n_text == 0 && count_type(m, CLAW_LLM_TOOL_RESULT) > 0)
			return;
		claw_buf_puts(out, *first ? "" : ",");
		*first = false;
		claw_buf_puts(out, "{\"role\":\"user\",\"content\":");
		put_joined_text(out, m);
		claw_buf_putc(out, '}');
		return;
	}

	size_t n_calls = count_type(m, CLAW_LLM_TOOL_USE);
	claw_buf_puts(out, *first ? "" : ",");
	*first = false;
	claw_buf_puts(out, "{\"role\":\"assistant\",\"content\":");
	if (n_text == 0 && n_calls > 0)
		claw_buf_puts(out, "null");
	else
		put_joined_text(out, m);
	put_reasoning(out, m, n_calls);
	if (n_calls > 0) {
		claw_buf_puts(out, ",\"tool_calls\":[");
		size_t k = 0;
		for (size_t i = 0; i < claw_llm_msg_count(m); i++) {
			const struct claw_llm_block *b = claw_llm_msg_block(m, i);
			if (b->type != CLAW_LLM_TOOL_USE)
				continue;
			if (k++ > 0)
				claw_buf_putc(out, ',');
			claw_buf_puts(out, "{\"id\":");
			claw_llm_json_cstr(out, b->id);
			claw_buf_puts(out, ",\"type\":\"function\",\"function\":{\"name\":");
			claw_llm_json_cstr(out, b->name);
			claw_buf_puts(out, ",\"arguments\":");
			if (b->input_error != NULL)
				claw_llm_json_cstr(out, b->input_raw != NULL ? b->input_raw : "{}");
			else
				claw_llm_json_cstr(out, json_object_to_json_string_ext(
								b->input, CLAW_LLM_JSON_FLAGS));
			claw_buf_puts(out, "}}");
		}
		claw_buf_putc(out, ']');
	}
	claw_buf_putc(out, '}');
}

/* m as put_message writes it with nothing before it. */
static void
put_message_alone(struct claw_buf *out, const struct claw_llm_msg *m)
{
	bool first = true;
	put_message(out, m, &first);
}

enum claw_err
claw_openai_build(const struct claw_llm_request *req, struct claw_buf *out, struct claw_error *err)
{
	const struct claw_llm_conv *c = req->conv;
	bool first = true;

	if (req->model == NULL || req->model[0] == '\0')
		return claw_error_set(err, CLAW_EINVAL, "openai: the request has no model");
	if (c == NULL || claw_llm_conv_len(c) == 0)
		return claw_error_set(err, CLAW_EINVAL, "openai: the request has no messages");
	if (req->has_temperature && !(req->temperature >= 0 && req->temperature <= 2))
		return claw_error_set(err, CLAW_EINVAL, "openai: temperature %g out of 0..2",
				      req->temperature);

	claw_buf_puts(out, "{\"model\":");
	claw_llm_json_cstr(out, req->model);
	if (req->stream)
		claw_buf_puts(out, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
	if (req->cache_key != NULL && req->cache_key[0] != '\0') {
		claw_buf_puts(out, ",\"prompt_cache_key\":");
		claw_llm_json_cstr(out, req->cache_key);
	}
	if (req->max_tokens > 0)
		claw_buf_printf(out, ",\"%s\":%lld",
				wants_completion_tokens(req->model) ? "max_completion_tokens"
								    : "max_tokens",
				(long long)req->max_tokens);
	if (req->has_temperature)
		claw_buf_printf(out, ",\"temperature\":%.3g", req->temperature);
	if (req->reasoning_effort != NULL && req->reasoning_effort[0] != '\0') {
		claw_buf_puts(out, ",\"reasoning_effort\":");
		claw_llm_json_cstr(out, req->reasoning_effort);
	}
	claw_buf_puts(out, ",\"messages\":[");
	if (req->system != NULL && req->system[0] != '\0') {
		claw_buf_puts(out, "{\"role\":\"system\",\"content\":");
		claw_llm_json_cstr(out, req->system);
		claw_buf_putc(out, '}');
		first = false;
	}
	claw_llm_put_messages(out, c, CLAW_LLM_WIRE_OPENAI, put_message_alone, NULL, &first);
	claw_buf_putc(out, ']');
	claw_llm_put_tools(out, req, "{\"type\":\"function\",\"function\":{\"name\":", "parameters",
			   "}}");
	claw_buf_putc(out, '}');
	if (claw_buf_error(out) != CLAW_OK)
		return claw_error_set(err, claw_buf_error(out),
				      "openai: request body over %zu bytes", out->max);
	return CLAW_OK;
}

static enum claw_llm_stop
map_finish(const char *s)
{
	if (s == NULL)
		return CLAW_LLM_STOP_OTHER;
	if (strcmp(s, "stop") == 0)
		return CLAW_LLM_STOP_END_TURN;
	if (strcmp(s, "tool_calls") == 0 || strcmp(s, "function_call") == 0)
		return CLAW_LLM_STOP_TOOL_USE;
	if (strcmp(s, "length") == 0)
		return CLAW_LLM_STOP_MAX_TOKENS;
	if (strcmp(s, "content_filter") == 0)
		return CLAW_LLM_STOP_REFUSAL;
	return CLAW_LLM_STOP_OTHER;
}

/* Adds one tool call; bad arguments make a refused tool_use, not an error. */
static enum claw_err
add_call(struct claw_llm_msg *m, struct json_object *call, size_t i, struct claw_error *err)
{
	struct json_object *fn = NULL, *args = NULL, *input = NULL;
	struct claw_error perr;
	char idbuf[32];

	if (!json_object_object_get_ex(call, "function", &fn) ||
	    claw_llm_json_get_str(fn, "name") == NULL)
		return claw_error_set(
			err, CLAW_EINVAL,
			"openai: malformed reply: tool_calls[%zu] has no function name", i);
	const char *name = claw_llm_json_get_str(fn, "name");
	const char *id = claw_llm_json_get_str(call, "id");
	if (id == NULL || id[0] == '\0') {
		(void)snprintf(idbuf, sizeof idbuf, "call_%zu", i);
		id = idbuf;
	}
	if (!json_object_object_get_ex(fn, "arguments", &args) || args == NULL) {
		claw_llm_msg_add_tool_use(m, id, name, NULL);
		return CLAW_OK;
	}
	if (json_object_is_type(args, json_type_object)) {
		claw_llm_msg_add_tool_use(m, id, name, json_object_get(args));
		return CLAW_OK;
	}
	if (!json_object_is_type(args, json_type_string)) {
		claw_llm_msg_add_tool_use_refused(m, id, name, json_object_to_json_string(args),
						  "the tool arguments are not a JSON object");
		return CLAW_OK;
	}
	const char *raw = json_object_get_string(args);
	size_t rawlen = (size_t)json_object_get_string_len(args);
	size_t k = 0;
	while (k < rawlen && (raw[k] == ' ' || raw[k] == '\n' || raw[k] == '\t' || raw[k] == '\r'))
		k++;
	if (k == rawlen) {
		claw_llm_msg_add_tool_use(m, id, name, NULL); /* "" means no arguments */
		return CLAW_OK;
	}
	if (claw_json_parse(raw, rawlen, &input, &perr) != CLAW_OK) {
		char *why = claw_xasprintf("the tool arguments are not valid JSON (%s)", perr.msg);
		claw_llm_msg_add_tool_use_refused(m, id, name, raw, why);
		free(why);
		return CLAW_OK;
	}
	if (!json_object_is_type(input, json_type_object)) {
		json_object_put(input);
		claw_llm_msg_add_tool_use_refused(m, id, name, raw,
						  "the tool arguments are not a JSON object");
		return CLAW_OK;
	}
	claw_llm_msg_add_tool_use(m, id, name, input);
	return CLAW_OK;
}

/* message.content: a string, null, or an array of {"type":"text"} parts. */
static void
add_content(struct claw_llm_msg *m, struct json_object *content)
{
	if (json_object_is_type(content, json_type_string)) {
		if (json_object_get_string_len(content) > 0)
			claw_llm_msg_add_text(m, json_object_get_string(content),
					      (size_t)json_object_get_string_len(content));
		return;
	}
	if (!json_object_is_type(content, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(content); i++) {
		struct json_object *part = json_object_array_get_idx(content, i);
		const char *type = claw_llm_json_get_str(part, "type");
		const char *text = claw_llm_json_get_str(part, "text");
		if (type != NULL && strcmp(type, "text") == 0 && text != NULL && text[0] != '\0')
			claw_llm_msg_add_text(m, text, strlen(text));
	}
}

enum claw_err
claw_openai_read(struct json_object *root, struct claw_llm_response *resp, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct json_object *choices = NULL, *msg = NULL, *v = NULL;
	struct json_object *usage = NULL, *details = NULL, *calls = NULL;
	struct claw_llm_msg *m = NULL;

	if (!json_object_is_type(root, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINVAL, "openai: malformed reply: not an object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "choices", &choices) &&
	    json_object_object_get_ex(root, "error", &v)) {
		rc = claw_error_set(err, CLAW_EBACKEND, "openai: an error inside a 2xx reply");
		goto out;
	}
	struct json_object *choice = json_object_is_type(choices, json_type_array) &&
						     json_object_array_length(choices) > 0
					     ? json_object_array_get_idx(choices, 0)
					     : NULL;
	if (!json_object_object_get_ex(choice, "message", &msg) ||
	    !json_object_is_type(msg, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINVAL,
				    "openai: malformed reply: no choices[0].message object");
		goto out;
	}
	m = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	/* The reasoning text some compatible servers show (DeepSeek and vLLM:
	 * reasoning_content; OpenRouter and Ollama: reasoning), kept as
	 * thinking; OpenAI's own API shows none. */
	const char *reasoning = claw_llm_json_get_str(msg, "reasoning_content");
	if (reasoning == NULL)
		reasoning = claw_llm_json_get_str(msg, "reasoning");
	if (reasoning != NULL && reasoning[0] != '\0')
		claw_llm_msg_add_thinking(m, reasoning, strlen(reasoning), NULL);
	if (json_object_object_get_ex(msg, "content", &v))
		add_content(m, v);
	const char *refusal = claw_llm_json_get_str(msg, "refusal");
	if (refusal != NULL && refusal[0] != '\0')
		claw_llm_msg_add_text(m, refusal, strlen(refusal));
	if (json_object_object_get_ex(msg, "tool_calls", &calls) &&
	    json_object_is_type(calls, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			rc = add_call(m, json_object_array_get_idx(calls, i), i, err);
			if (rc != CLAW_OK)
				goto out;
		}
	}
	const char *finish = claw_llm_json_get_str(choice, "finish_reason");
	resp->stop = map_finish(finish);
	if (refusal != NULL && refusal[0] != '\0')
		resp->stop = CLAW_LLM_STOP_REFUSAL;
	else if (claw_llm_msg_tool_uses(m) > 0 && resp->stop == CLAW_LLM_STOP_END_TURN)
		resp->stop = CLAW_LLM_STOP_TOOL_USE;
	(void)snprintf(resp->stop_raw, sizeof resp->stop_raw, "%s", finish != NULL ? finish : "");
	if (json_object_object_get_ex(root, "usage", &usage)) {
		resp->usage.in = claw_llm_json_get_count(usage, "prompt_tokens", 0);
		resp->usage.out = claw_llm_json_get_count(usage, "completion_tokens", 0);
		int64_t cached = claw_llm_json_get_count(usage, "prompt_cache_hit_tokens", 0);
		if (json_object_object_get_ex(usage, "prompt_tokens_details", &details))
			cached = claw_llm_json_get_count(details, "cached_tokens", cached);
		resp->usage.cached = cached;
		if (json_object_object_get_ex(usage, "cost", &v) &&
		    (json_object_is_type(v, json_type_double) ||
		     json_object_is_type(v, json_type_int))) {
			double usd = json_object_get_double(v);
			if (isfinite(usd) && usd >= 0 && usd < 1e6) {
				resp->cost_micros = (int64_t)llround(usd * 1e6);
				resp->cost_source = CLAW_LLM_COST_PROVIDER;
			}
		}
	}
	const char *s = claw_llm_json_get_str(root, "model");
	free(resp->model);
	resp->model = s != NULL ? claw_xstrdup(s) : NULL;
	s = claw_llm_json_get_str(root, "id");
	free(resp->id);
	resp->id = s != NULL ? claw_xstrdup(s) : NULL;
	claw_llm_msg_free(resp->msg);
	resp->msg = m;
	m = NULL;
out:
	claw_llm_msg_free(m);
	return rc;
}

enum claw_err
claw_openai_parse(const char *body, size_t len, struct claw_llm_response *resp,
		  struct claw_error *err)
{
	return claw_llm_parse_with(claw_openai_read, "openai", body, len, resp, err);
}
