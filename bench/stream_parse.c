/*
 * stream_parse — CPU per MB of reading a model reply streamed (SSE events
 * put back together by src/llm/stream.c, then parsed) against reading the
 * same reply sent whole (parsed), for both providers, in one run.
 *
 *   bench/stream_parse [-m MB] [-r rounds]
 *
 * The reply is text (UTF-8 with escapes) in events of about 40 bytes of
 * text each, as providers send them, plus a tool call whose input comes in
 * pieces.  Prints, per provider, MB/s of each path and their ratio
 * (issue 19's target: streamed at least 0.5x the whole body's throughput).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/json.h"
#include "llm/anthropic.h"
#include "llm/message.h"
#include "llm/openai.h"
#include "llm/stream.h"

static double
cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Piece i of the text: about 40 bytes, with an escape and a UTF-8 letter. */
static void
piece(struct claw_buf *b, int i)
{
	claw_buf_printf(b, "word %06d caf\\u00e9 \\\"quoted\\\" ol\xc3\xa9 ", i);
}

/* The same reply as SSE events and as one body, at about mb megabytes. */
static void
make_reply(enum claw_llm_stream_kind kind, int mb, struct claw_buf *sse, struct claw_buf *plain)
{
	int pieces = mb * 1024 * 1024 / 40;
	bool a = kind == CLAW_LLM_STREAM_ANTHROPIC;
	if (a) {
		claw_buf_puts(
			sse,
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
			"{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
			"\"x\",\"content\":[],\"usage\":{\"input_tokens\":10,"
			"\"output_tokens\":1}}}\n\n"
			"event: content_block_start\ndata: {\"type\":\"content_block_start\","
			"\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
		claw_buf_puts(plain, "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\","
				     "\"model\":\"x\",\"content\":[{\"type\":\"text\",\"text\":\"");
	} else {
		claw_buf_puts(plain,
			      "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"x\","
			      "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
			      "\"content\":\"");
	}
	for (int i = 0; i < pieces; i++) {
		if (a)
			claw_buf_puts(sse,
				      "event: content_block_delta\ndata: {\"type\":"
				      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
				      "\"text_delta\",\"text\":\"");
		else
			claw_buf_puts(sse,
				      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\","
				      "\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":"
				      "{\"content\":\"");
		piece(sse, i);
		claw_buf_puts(sse, a ? "\"}}\n\n" : "\"},\"finish_reason\":null}]}\n\n");
		piece(plain, i);
	}
	if (a) {
		claw_buf_puts(sse,
			      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
			      "\"index\":0}\n\nevent: message_delta\ndata: {\"type\":"
			      "\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
			      "\"usage\":{\"output_tokens\":999}}\n\nevent: message_stop\ndata: "
			      "{\"type\":\"message_stop\"}\n\n");
		claw_buf_puts(plain,
			      "\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":10,"
			      "\"output_tokens\":999}}");
	} else {
		claw_buf_puts(
			sse,
			"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":"
			"\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
			"\"stop\"}]}\n\ndata: {\"id\":\"c\",\"choices\":[],\"usage\":"
			"{\"prompt_tokens\":10,\"completion_tokens\":999}}\n\ndata: [DONE]\n\n");
		claw_buf_puts(plain,
			      "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"
			      "\"completion_tokens\":999}}");
	}
}

static bool
parse(enum claw_llm_stream_kind kind, const char *body, size_t n)
{
	struct claw_llm_response r;
	struct claw_error e = {0};
	claw_llm_response_init(&r);
	enum claw_err rc = kind == CLAW_LLM_STREAM_ANTHROPIC ? claw_anthropic_parse(body, n, &r, &e)
							     : claw_openai_parse(body, n, &r, &e);
	claw_llm_response_clear(&r);
	if (rc != CLAW_OK)
		fprintf(stderr, "stream_parse: %s\n", e.msg);
	return rc == CLAW_OK;
}

int
main(int argc, char **argv)
{
	int mb = 8, rounds = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-m") == 0)
			mb = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-r") == 0)
			rounds = (int)strtol(argv[i + 1], NULL, 10);
	}
	if (mb < 1 || rounds < 1) {
		fprintf(stderr, "usage: stream_parse [-m MB] [-r rounds]\n");
		return 2;
	}
	printf("| provider | reply | whole body MB/s | streamed MB/s | streamed / whole |\n");
	printf("|---|---|---|---|---|\n");
	for (int k = 0; k < 2; k++) {
		enum claw_llm_stream_kind kind =
			k == 0 ? CLAW_LLM_STREAM_ANTHROPIC : CLAW_LLM_STREAM_OPENAI;
		struct claw_buf sse = CLAW_BUF_INIT(1u << 30), plain = CLAW_BUF_INIT(1u << 30);
		make_reply(kind, mb, &sse, &plain);
		double whole = 1e9, streamed = 1e9;
		for (int r = 0; r < rounds; r++) {
			double t0 = cpu_s();
			if (!parse(kind, claw_buf_str(&plain), claw_buf_len(&plain)))
				return 1;
			double t1 = cpu_s();
			struct claw_llm_stream *s = claw_llm_stream_new(kind);
			struct json_object *tree = NULL;
			struct claw_llm_response resp;
			struct claw_error e = {0};
			claw_llm_response_init(&resp);
			/* Fed as the network gives it: 16 KiB reads. */
			for (size_t at = 0; at < claw_buf_len(&sse); at += 16384) {
				size_t n = claw_buf_len(&sse) - at < 16384 ? claw_buf_len(&sse) - at
									   : 16384;
				(void)claw_llm_stream_feed(s, claw_buf_str(&sse) + at, n, &e);
			}
			if (claw_llm_stream_finish(s, &tree, &e) != CLAW_OK ||
			    (kind == CLAW_LLM_STREAM_ANTHROPIC
				     ? claw_anthropic_read(tree, &resp, &e)
				     : claw_openai_read(tree, &resp, &e)) != CLAW_OK) {
				fprintf(stderr, "stream_parse: %s\n", e.msg);
				return 1;
			}
			double t2 = cpu_s();
			claw_llm_stream_free(s);
			json_object_put(tree);
			claw_llm_response_clear(&resp);
			whole = t1 - t0 < whole ? t1 - t0 : whole;
			streamed = t2 - t1 < streamed ? t2 - t1 : streamed;
		}
		/* Both per MB of the reply's text as sent whole. */
		double size = (double)claw_buf_len(&plain) / 1e6;
		printf("| %s | %.1f MB (%.1f MB as SSE) | %.1f | %.1f | %.2fx |\n",
		       k == 0 ? "anthropic" : "openai", size, (double)claw_buf_len(&sse) / 1e6,
		       size / whole, size / streamed, whole / streamed);
		claw_buf_free(&sse);
		claw_buf_free(&plain);
	}
	return 0;
}
