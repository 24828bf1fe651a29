/*
 * test_stream — streamed replies put back together (src/llm/stream.c):
 * both providers' event streams, fed whole, byte by byte and cut at every
 * split point (inside UTF-8 sequences, escaped strings and line ends),
 * read by the same parser as the plain body and giving the same reply; a
 * stream cut short, an error event, CRLF and comments, the sniffing of a
 * plain body.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "llm/anthropic.h"
#include "llm/message.h"
#include "llm/openai.h"
#include "llm/stream.h"
#include "tap.h"

static const char anthropic_sse[] =
	"event: message_start\n"
	"data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
	"\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,"
	"\"usage\":{\"input_tokens\":100,\"cache_read_input_tokens\":40,"
	"\"cache_creation_input_tokens\":10,\"output_tokens\":1}}}\n\n"
	": a comment\n"
	"event: ping\ndata: {\"type\": \"ping\"}\n\n"
	"event: content_block_start\n"
	"data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
	"\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"
	"event: content_block_delta\n"
	"data: "
	"{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
	"\"thinking\":\"Hmm.\"}}\n\n"
	"event: content_block_delta\n"
	"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
	"\"signature_delta\",\"signature\":\"sig==\"}}\n\n"
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
	"event: content_block_start\n"
	"data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\","
	"\"text\":\"\"}}\n\n"
	"event: content_block_delta\n"
	"data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
	"\"text\":\"Caf\\u00e9 \\\"ol\"}}\n\n"
	"event: content_block_delta\n"
	"data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
	"\"text\":\"\xc3\xa9\\\" \xe2\x9c\x93 \\ud83d\\ude00\\n\\t\\/\"}}\n\n"
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
	"event: content_block_start\n"
	"data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
	"\"tool_use\",\"id\":\"toolu_1\",\"name\":\"bash\",\"input\":{}}}\n\n"
	"event: content_block_delta\n"
	"data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
	"\"input_json_delta\",\"partial_json\":\"{\\\"comm\"}}\n\n"
	"event: content_block_delta\n"
	"data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
	"\"input_json_delta\",\"partial_json\":\"and\\\": \\\"ls -l\\\"}\"}}\n\n"
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
	"event: content_block_start\n"
	"data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":"
	"\"redacted_thinking\",\"data\":\"EnC+/==\"}}\n\n"
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":3}\n\n"
	"event: message_delta\n"
	"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
	"\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n"
	"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

/* The same reply, sent whole. */
static const char anthropic_plain[] =
	"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\","
	"\"content\":[{\"type\":\"thinking\",\"thinking\":\"Hmm.\",\"signature\":\"sig==\"},"
	"{\"type\":\"text\",\"text\":\"Caf\\u00e9 \\\"ol\xc3\xa9\\\" \xe2\x9c\x93 "
	"\\ud83d\\ude00\\n\\t\\/\"},"
	"{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"bash\",\"input\":{\"command\":"
	"\"ls -l\"}},{\"type\":\"redacted_thinking\",\"data\":\"EnC+/==\"}],"
	"\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":100,"
	"\"cache_read_input_tokens\":40,\"cache_creation_input_tokens\":10,\"output_tokens\":42}}";

static const char openai_sse[] =
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
	"\"finish_reason\":null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"I should \\u00e9\"},"
	"\"finish_reason\":null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"read.\"},"
	"\"finish_reason\":null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me \\u00e9\"},\"finish_reason\":"
	"null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"content\":\"look.\"},\"finish_reason\":null}]}"
	"\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
	"\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"\"}}]},"
	"\"finish_reason\":null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
	"{\"arguments\":\"{\\\"path\\\":\"}}]},\"finish_reason\":null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
	"{\"arguments\":\"\\\"a.txt\\\"}\"}}]},\"finish_reason\":null}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\","
	"\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":7,"
	"\"total_tokens\":57,\"prompt_tokens_details\":{\"cached_tokens\":20}}}\r\n\r\n"
	"data: [DONE]\r\n\r\n";

static const char openai_plain[] =
	"{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-x\",\"choices\":[{"
	"\"index\":0,\"message\":{\"role\":\"assistant\",\"reasoning_content\":\"I should "
	"\\u00e9read.\",\"content\":\"Let me \\u00e9look.\","
	"\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
	"\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}}]},\"finish_reason\":"
	"\"tool_calls\"}],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":7,"
	"\"total_tokens\":57,\"prompt_tokens_details\":{\"cached_tokens\":20}}}";

/* The body put back together (the tree, printed) from text fed in pieces split at split (0:
 * whole; SIZE_MAX: byte by byte).  rc of the finish; body in out. */
static enum claw_err
assemble(enum claw_llm_stream_kind kind, const char *text, size_t split, struct claw_buf *out,
	 struct claw_error *e)
{
	struct claw_llm_stream *s = claw_llm_stream_new(kind);
	size_t n = strlen(text);
	enum claw_err rc = CLAW_OK;
	if (split == SIZE_MAX) {
		for (size_t i = 0; i < n && rc == CLAW_OK; i++)
			rc = claw_llm_stream_feed(s, text + i, 1, e);
	} else {
		rc = claw_llm_stream_feed(s, text, split, e);
		if (rc == CLAW_OK)
			rc = claw_llm_stream_feed(s, text + split, n - split, e);
	}
	struct json_object *tree = NULL;
	if (rc == CLAW_OK)
		rc = claw_llm_stream_finish(s, &tree, e);
	if (rc == CLAW_OK)
		(void)claw_buf_puts(out, claw_json_text(tree));
	json_object_put(tree);
	claw_llm_stream_free(s);
	return rc;
}

/* The neutral reply of a body, as a line to compare. */
static char *
reply_of(enum claw_llm_stream_kind kind, const char *body, size_t len)
{
	struct claw_llm_response r;
	struct claw_error e = {0};
	struct claw_buf b = CLAW_BUF_INIT(1u << 20);
	claw_llm_response_init(&r);
	enum claw_err rc = kind == CLAW_LLM_STREAM_ANTHROPIC
				   ? claw_anthropic_parse(body, len, &r, &e)
				   : claw_openai_parse(body, len, &r, &e);
	if (rc != CLAW_OK) {
		claw_buf_printf(&b, "error %d: %s", rc, e.msg);
	} else {
		claw_buf_printf(&b, "stop %d in %lld out %lld cached %lld write %lld model %s | ",
				(int)r.stop, (long long)r.usage.in, (long long)r.usage.out,
				(long long)r.usage.cached, (long long)r.usage.cache_write,
				r.model != NULL ? r.model : "");
		(void)claw_llm_msg_to_json(r.msg, &b);
	}
	claw_llm_response_clear(&r);
	return claw_buf_steal(&b);
}

static void
same_reply(enum claw_llm_stream_kind kind, const char *sse, const char *plain, const char *name)
{
	struct claw_error e = {0};
	char *want = reply_of(kind, plain, strlen(plain));
	ok(strncmp(want, "error", 5) != 0, "%s: the plain body parses: %s", name, want);
	size_t n = strlen(sse);
	int bad = 0;
	for (size_t split = 0; split <= n + 1; split++) {
		size_t at = split == n + 1 ? SIZE_MAX : split;
		struct claw_buf b = CLAW_BUF_INIT(1u << 20);
		enum claw_err rc = assemble(kind, sse, at, &b, &e);
		char *got = rc == CLAW_OK ? reply_of(kind, claw_buf_str(&b), claw_buf_len(&b))
					  : strdup(e.msg);
		if (strcmp(got, want) != 0 && bad++ == 0)
			is_str(got, want, "%s: split at %zu", name, split);
		free(got);
		claw_buf_free(&b);
	}
	is_int(bad, 0, "%s: the same reply whole, byte by byte and at all %zu split points", name,
	       n + 1);
	free(want);
}

static void
test_same(void)
{
	same_reply(CLAW_LLM_STREAM_ANTHROPIC, anthropic_sse, anthropic_plain, "anthropic");
	same_reply(CLAW_LLM_STREAM_OPENAI, openai_sse, openai_plain, "openai");
}

static void
test_ends(void)
{
	struct claw_error e = {0};
	struct claw_buf b = CLAW_BUF_INIT(1u << 20);
	size_t n = strlen(anthropic_sse);

	/* Cut before message_stop: retryable. */
	char *cut = strndup(anthropic_sse, n - 40);
	is_int(assemble(CLAW_LLM_STREAM_ANTHROPIC, cut, 0, &b, &e), CLAW_ENET, "anthropic cut");
	is_str(e.msg, "the reply stream ended before its end", "says so");
	free(cut);
	cut = strndup(openai_sse, strlen(openai_sse) - 16);
	is_int(assemble(CLAW_LLM_STREAM_OPENAI, cut, 0, &b, &e), CLAW_ENET, "openai cut");
	free(cut);

	/* An error event mid-stream: the provider's error object, as sent whole. */
	const char *err_sse =
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
		"\"content\":[],\"usage\":{\"input_tokens\":1}}}\n\n"
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
		"\"message\":\"Overloaded\"}}\n\n";
	claw_buf_reset(&b);
	is_int(assemble(CLAW_LLM_STREAM_ANTHROPIC, err_sse, 7, &b, &e), CLAW_OK, "error event");
	has_str(claw_buf_str(&b), "\"overloaded_error\"", "gives the error object");
	char *r = reply_of(CLAW_LLM_STREAM_ANTHROPIC, claw_buf_str(&b), claw_buf_len(&b));
	has_str(r, "error", "which parses as a provider error");
	free(r);
	claw_buf_reset(&b);
	is_int(assemble(CLAW_LLM_STREAM_OPENAI,
			"data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n", 0,
			&b, &e),
	       CLAW_OK, "an OpenAI error chunk");
	has_str(claw_buf_str(&b), "server_error", "gives it");

	/* Garbage and caps. */
	claw_buf_reset(&b);
	is_int(assemble(CLAW_LLM_STREAM_ANTHROPIC, "data: not json\n\n", 0, &b, &e), CLAW_EINVAL,
	       "data that is not JSON");
	has_str(e.msg, "is not a JSON object", "says so");
	claw_buf_free(&b);

	ok(!claw_llm_stream_sniff(" \n{\"id\":1}", 10), "a JSON body is not a stream");
	ok(claw_llm_stream_sniff("event: x\n", 9), "an event is");
	ok(claw_llm_stream_sniff(": ping\n", 7), "so is a comment");
}

int
main(void)
{
	test_same();
	test_ends();
	return tap_done();
}
