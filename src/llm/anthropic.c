/*
 * anthropic — Messages API request and reply mapping.  See anthropic.h.
 *
 * Requests are written straight into a capped buffer (no intermediate json-c
 * tree: a long conversation is megabytes); replies are parsed with json-c.
 */
#include "llm/anthropic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* A cache breakpoint, spliced after a block's last field. */
#define CACHE_CONTROL ",\"cache_control\":{\"type\":\"ephemeral\"}"

/* Writes one message's content array. */
static void
put_content(struct claw_buf *out, const struct claw_llm_msg *m)
{
	size_t written = 0;

	claw_buf_putc(out, '[');
	for (size_t i = 0; i < claw_llm_msg_count(m); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(m, i);
		/* The API refuses empty text, and thinking it did not sign (a
		 * reply cut inside it, or an OpenAI-compatible server's). */
		if ((b->type == CLAW_LLM_TEXT && b->text[0] == '\0') ||
		    (b->type == CLAW_LLM_THINKING && b->signature[0] == '\0'))
			continue;
		if (written++ > 0)
			claw_buf_putc(out, ',');
		switch (b->type) {
		case CLAW_LLM_TEXT:
			claw_buf_puts(out, "{\"type\":\"text\",\"text\":");
			claw_llm_json_cstr(out, b->text);
			break;
		case CLAW_LLM_TOOL_USE:
			claw_buf_puts(out, "{\"type\":\"tool_use\",\"id\":");
			claw_llm_json_cstr(out, b->id);
			claw_buf_puts(out, ",\"name\":");
			claw_llm_json_cstr(out, b->name);
			claw_buf_puts(out, ",\"input\":");
			claw_buf_puts(out, b->input_error != NULL
						   ? "{}"
						   : json_object_to_json_string_ext(
							     b->input, CLAW_LLM_JSON_FLAGS));
			break;
		case CLAW_LLM_TOOL_RESULT:
			claw_buf_puts(out, "{\"type\":\"tool_result\",\"tool_use_id\":");
			claw_llm_json_cstr(out, b->id);
			claw_buf_puts(out, ",\"content\":");
			claw_llm_json_cstr(out, b->text);
			if (b->is_error)
				claw_buf_puts(out, ",\"is_error\":true");
			break;
		case CLAW_LLM_THINKING: /* as the checkpoint holds it: the API's form */
		case CLAW_LLM_REDACTED_THINKING:
			claw_llm_put_thinking(out, b);
			break;
		}
		claw_buf_putc(out, '}');
	}
	if (written == 0)
		claw_buf_puts(out, "{\"type\":\"text\",\"text\":\"(empty)\"}");
	claw_buf_putc(out, ']');
}

/* One message of the messages array. */
static void
put_message(struct claw_buf *out, const struct claw_llm_msg *m)
{
	claw_buf_puts(out, claw_llm_msg_role(m) == CLAW_LLM_USER
				   ? "{\"role\":\"user\",\"content\":"
				   : "{\"role\":\"assistant\",\"content\":");
	put_content(out, m);
	claw_buf_putc(out, '}');
}

/* The cache breakpoints of the conversation (SPEC 10): its last user
 * message, so the next request reads all of this one, and the user
 * message before it, which this request reads (a breakpoint finds an entry
 * at most 20 blocks before it; one turn of parallel calls may pass that).
 * They go before the closing "}]}" of the message's last block. */
static void
cache_marks(const struct claw_llm_conv *c, struct claw_llm_marks *marks)
{
	marks->n = 0;
	marks->text = CACHE_CONTROL;
	marks->back = 3;
	for (size_t i = claw_llm_conv_len(c); i-- > 0 && marks->n < 2;)
		if (claw_llm_msg_role(claw_llm_conv_at(c, i)) == CLAW_LLM_USER)
			marks->at[marks->n++] = i;
}

enum claw_err
claw_anthropic_build(const struct claw_llm_request *req, struct claw_buf *out,
		     struct claw_error *err)
{
	const struct claw_llm_conv *c = req->conv;

	if (req->model == NULL || req->model[0] == '\0')
		return claw_error_set(err, CLAW_EINVAL, "anthropic: the request has no model");
	if (c == NULL || claw_llm_conv_len(c) == 0)
		return claw_error_set(err, CLAW_EINVAL, "anthropic: the request has no messages");
	if (req->has_temperature && !(req->temperature >= 0 && req->temperature <= 2))
		return claw_error_set(err, CLAW_EINVAL, "anthropic: temperature %g out of 0..2",
				      req->temperature);

	claw_buf_puts(out, "{\"model\":");
	claw_llm_json_cstr(out, req->model);
	if (req->stream)
		claw_buf_puts(out, ",\"stream\":true");
	/* Thinking counts against max_tokens: the budget comes on top of what
	 * the caller asked for the answer. */
	int64_t think = req->thinking_tokens > 0 ? req->thinking_tokens : 0;
	int64_t max = (req->max_tokens > 0 ? req->max_tokens : CLAW_ANTHROPIC_MAX_TOKENS) + think;
	claw_buf_printf(out, ",\"max_tokens\":%lld", (long long)max);
	if (think > 0)
		claw_buf_printf(out, ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":%lld}",
				(long long)think);
	if (req->system != NULL && req->system[0] != '\0' && req->cache) {
		/* Tools come before the system prompt in the cached prefix:
		 * this breakpoint covers both, for every exchange sharing them. */
		claw_buf_puts(out, ",\"system\":[{\"type\":\"text\",\"text\":");
		claw_llm_json_cstr(out, req->system);
		claw_buf_puts(out, CACHE_CONTROL "}]");
	} else if (req->system != NULL && req->system[0] != '\0') {
		claw_buf_puts(out, ",\"system\":");
		claw_llm_json_cstr(out, req->system);
	}
	if (req->has_temperature && think == 0)
		claw_buf_printf(out, ",\"temperature\":%.3g", req->temperature);
	claw_buf_puts(out, ",\"messages\":[");
	bool first = true;
	struct claw_llm_marks marks;
	cache_marks(c, &marks);
	claw_llm_put_messages(out, c, CLAW_LLM_WIRE_ANTHROPIC, put_message,
			      req->cache ? &marks : NULL, &first);
	claw_buf_putc(out, ']');
	claw_llm_put_tools(out, req, "{\"name\":", "input_schema", "}");
	claw_buf_putc(out, '}');
	if (claw_buf_error(out) != CLAW_OK)
		return claw_error_set(err, claw_buf_error(out),
				      "anthropic: request body over %zu bytes", out->max);
	return CLAW_OK;
}

static enum claw_llm_stop
map_stop(const char *s)
{
	if (s == NULL)
		return CLAW_LLM_STOP_OTHER;
	if (strcmp(s, "end_turn") == 0)
		return CLAW_LLM_STOP_END_TURN;
	if (strcmp(s, "tool_use") == 0)
		return CLAW_LLM_STOP_TOOL_USE;
	if (strcmp(s, "max_tokens") == 0)
		return CLAW_LLM_STOP_MAX_TOKENS;
	if (strcmp(s, "refusal") == 0)
		return CLAW_LLM_STOP_REFUSAL;
	return CLAW_LLM_STOP_OTHER;
}

/* usage: input_tokens are the uncached ones; cache_creation splits the
 * writes by entry lifetime. */
static void
read_usage(struct json_object *usage, struct claw_llm_usage *u)
{
	struct json_object *split = NULL;
	u->cached = claw_llm_json_get_count(usage, "cache_read_input_tokens", 0);
	u->cache_write = claw_llm_json_get_count(usage, "cache_creation_input_tokens", 0);
	if (json_object_object_get_ex(usage, "cache_creation", &split)) {
		int64_t hour = claw_llm_json_get_count(split, "ephemeral_1h_input_tokens", 0);
		u->cache_write_1h = hour < u->cache_write ? hour : u->cache_write;
	}
	u->in = claw_llm_json_get_count(usage, "input_tokens", 0) + u->cached + u->cache_write;
	u->out = claw_llm_json_get_count(usage, "output_tokens", 0);
}

enum claw_err
claw_anthropic_read(struct json_object *root, struct claw_llm_response *resp,
		    struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct json_object *content = NULL, *usage = NULL, *v = NULL;
	struct claw_llm_msg *m = NULL;

	if (!json_object_is_type(root, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINVAL, "anthropic: malformed reply: not an object");
		goto out;
	}
	if (json_object_object_get_ex(root, "error", &v)) {
		rc = claw_error_set(err, CLAW_EBACKEND, "anthropic: an error inside a 2xx reply");
		goto out;
	}
	if (!json_object_object_get_ex(root, "content", &content) ||
	    !json_object_is_type(content, json_type_array)) {
		rc = claw_error_set(err, CLAW_EINVAL,
				    "anthropic: malformed reply: no \"content\" array");
		goto out;
	}
	m = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	for (size_t i = 0; i < json_object_array_length(content); i++) {
		struct json_object *b = json_object_array_get_idx(content, i);
		const char *type = claw_llm_json_get_str(b, "type");
		if (type == NULL) {
			rc = claw_error_set(err, CLAW_EINVAL,
					    "anthropic: malformed reply: content[%zu] has no type",
					    i);
			goto out;
		}
		if (strcmp(type, "text") == 0) {
			const char *text = claw_llm_json_get_str(b, "text");
			if (text == NULL) {
				rc = claw_error_set(err, CLAW_EINVAL,
						    "anthropic: malformed reply: content[%zu] has "
						    "no text",
						    i);
				goto out;
			}
			if (text[0] != '\0')
				claw_llm_msg_add_text(m, text, strlen(text));
		} else if (strcmp(type, "tool_use") == 0) {
			const char *id = claw_llm_json_get_str(b, "id");
			const char *name = claw_llm_json_get_str(b, "name");
			struct json_object *input = NULL;
			if (id == NULL || name == NULL) {
				rc = claw_error_set(err, CLAW_EINVAL,
						    "anthropic: malformed reply: content[%zu] "
						    "tool_use without id or name",
						    i);
				goto out;
			}
			if (json_object_object_get_ex(b, "input", &input) &&
			    json_object_is_type(input, json_type_object))
				claw_llm_msg_add_tool_use(m, id, name, json_object_get(input));
			else
				claw_llm_msg_add_tool_use_refused(
					m, id, name, json_object_to_json_string(input),
					"the tool input is not a JSON object");
		} else if (strcmp(type, "thinking") == 0) {
			/* Kept with its signature: the next request of a tool
			 * loop must carry it back unchanged. */
			const char *text = claw_llm_json_get_str(b, "thinking");
			const char *sig = claw_llm_json_get_str(b, "signature");
			if (text == NULL) {
				rc = claw_error_set(err, CLAW_EINVAL,
						    "anthropic: malformed reply: content[%zu] "
						    "thinking without its text",
						    i);
				goto out;
			}
			claw_llm_msg_add_thinking(m, text, strlen(text), sig);
		} else if (strcmp(type, "redacted_thinking") == 0) {
			const char *data = claw_llm_json_get_str(b, "data");
			if (data == NULL) {
				rc = claw_error_set(err, CLAW_EINVAL,
						    "anthropic: malformed reply: content[%zu] "
						    "redacted_thinking without data",
						    i);
				goto out;
			}
			claw_llm_msg_add_redacted_thinking(m, data);
		}
		/* server tools and types to come: not for claw. */
	}
	const char *stop = claw_llm_json_get_str(root, "stop_reason");
	resp->stop = map_stop(stop);
	(void)snprintf(resp->stop_raw, sizeof resp->stop_raw, "%s", stop != NULL ? stop : "");
	if (json_object_object_get_ex(root, "usage", &usage))
		read_usage(usage, &resp->usage);
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
claw_anthropic_parse(const char *body, size_t len, struct claw_llm_response *resp,
		     struct claw_error *err)
{
	return claw_llm_parse_with(claw_anthropic_read, "anthropic", body, len, resp, err);
}
