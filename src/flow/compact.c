/*
 * compact — context compaction's conversation transforms.  See compact.h.
 */
#include "flow/compact.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static const char ask_summary[] =
	"\n</conversation>\n\n"
	"Write the summary now, in Markdown, under these headings:\n"
	"## Goal\n## What was done\n## Files touched\n## Current state\n## Next steps\n"
	"## Open questions\n"
	"The agent will continue from your summary and its last two turns, which it keeps.";

static size_t
json_len(struct json_object *o)
{
	return o != NULL ? strlen(json_object_to_json_string_ext(o, CLAW_LLM_JSON_FLAGS)) : 2;
}

int64_t
claw_compact_estimate(const struct claw_llm_request *req)
{
	size_t bytes = req->system != NULL ? strlen(req->system) : 0;
	for (size_t i = 0; i < req->n_tools; i++) {
		const struct claw_llm_tool *t = &req->tools[i];
		bytes += strlen(t->name) + strlen(t->description) +
			 (t->schema_json != NULL ? strlen(t->schema_json) : 2);
	}
	for (size_t i = 0; req->conv != NULL && i < claw_llm_conv_len(req->conv); i++) {
		const struct claw_llm_msg *m = claw_llm_conv_at(req->conv, i);
		for (size_t k = 0; k < claw_llm_msg_count(m); k++) {
			const struct claw_llm_block *b = claw_llm_msg_block(m, k);
			bytes += 16 + (b->text != NULL ? strlen(b->text) : 0) +
				 (b->name != NULL ? strlen(b->name) : 0) +
				 (b->type == CLAW_LLM_TOOL_USE ? json_len(b->input) : 0);
		}
	}
	return (int64_t)(bytes / 4);
}

size_t
claw_compact_keep_from(const struct claw_llm_conv *conv)
{
	size_t turns = 0;
	for (size_t i = claw_llm_conv_len(conv); i-- > 1;) {
		if (claw_llm_msg_role(claw_llm_conv_at(conv, i)) != CLAW_LLM_ASSISTANT)
			continue;
		if (++turns == CLAW_COMPACT_KEEP_TURNS)
			return i > 1 ? i : 0;
	}
	return 0;
}

/* One message of the transcript. */
static void
put_message(struct claw_buf *out, const struct claw_llm_msg *m)
{
	(void)claw_buf_puts(out, claw_llm_msg_role(m) == CLAW_LLM_USER ? "\n[user]\n"
								       : "\n[assistant]\n");
	for (size_t k = 0; k < claw_llm_msg_count(m); k++) {
		const struct claw_llm_block *b = claw_llm_msg_block(m, k);
		switch (b->type) {
		case CLAW_LLM_TEXT:
			(void)claw_buf_printf(out, "%s\n", b->text);
			break;
		case CLAW_LLM_TOOL_USE: {
			const char *in =
				json_object_to_json_string_ext(b->input, CLAW_LLM_JSON_FLAGS);
			size_t n = strlen(in);
			(void)claw_buf_printf(
				out, "[call %s %.*s%s]\n", b->name,
				(int)(n < CLAW_COMPACT_RESULT_CLIP ? n : CLAW_COMPACT_RESULT_CLIP),
				in, n > CLAW_COMPACT_RESULT_CLIP ? " [… clipped]" : "");
			break;
		}
		case CLAW_LLM_TOOL_RESULT: {
			size_t n = strlen(b->text);
			(void)claw_buf_printf(
				out, "[result%s]\n%.*s%s\n", b->is_error ? " (error)" : "",
				(int)(n < CLAW_COMPACT_RESULT_CLIP ? n : CLAW_COMPACT_RESULT_CLIP),
				b->text, n > CLAW_COMPACT_RESULT_CLIP ? "\n[… clipped]" : "");
			break;
		}
		case CLAW_LLM_THINKING: /* the summary is of what was done and found */
		case CLAW_LLM_REDACTED_THINKING:
			break;
		}
	}
}

void
claw_compact_prompt(struct claw_buf *out, const struct claw_llm_conv *conv, size_t keep_from,
		    size_t max_bytes)
{
	struct claw_buf *each = claw_xcalloc(keep_from + 1, sizeof *each);
	size_t total = 0, first_kept = keep_from;

	for (size_t i = 0; i < keep_from; i++) {
		claw_buf_init(&each[i], CLAW_LLM_REQUEST_MAX);
		put_message(&each[i], claw_llm_conv_at(conv, i));
	}
	/* The first message (the task), then the newest that fit. */
	total = keep_from > 0 ? claw_buf_len(&each[0]) : 0;
	while (first_kept > 1 && total + claw_buf_len(&each[first_kept - 1]) <= max_bytes) {
		first_kept--;
		total += claw_buf_len(&each[first_kept]);
	}
	(void)claw_buf_puts(
		out, "Summarise this conversation of yours: it no longer fits the model's "
		     "context, and you will go on from your summary and your last two turns. "
		     "Be factual and concrete: name files, functions, commands, results and "
		     "errors. Do not call tools now.\n\n<conversation>");
	for (size_t i = 0; i < keep_from; i++) {
		if (i == 1 && first_kept > 1)
			(void)claw_buf_printf(out, "\n[… %zu earlier messages left out]\n",
					      first_kept - 1);
		if (i == 0 || i >= first_kept)
			(void)claw_buf_append(out, claw_buf_str(&each[i]), claw_buf_len(&each[i]));
		claw_buf_free(&each[i]);
	}
	(void)claw_buf_puts(out, ask_summary);
	free(each);
}

static const char summary_head[] =
	"\n\n[The conversation so far was compacted to fit the model's context. "
	"Summary of the work before your last two turns:]\n\n";

/* The first message without the summary an earlier compaction added. */
static struct claw_llm_msg *
without_summary(const struct claw_llm_msg *m)
{
	struct claw_llm_msg *out = claw_llm_msg_new(claw_llm_msg_role(m));
	for (size_t i = 0; i < claw_llm_msg_count(m); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(m, i);
		if (b->type == CLAW_LLM_TEXT &&
		    strncmp(b->text, summary_head, sizeof summary_head - 1) != 0)
			claw_llm_msg_add_text(out, b->text, strlen(b->text));
		else if (b->type == CLAW_LLM_TOOL_RESULT)
			claw_llm_msg_add_tool_result(out, b->id, b->text, strlen(b->text),
						     b->is_error);
	}
	return out;
}

void
claw_compact_apply(struct claw_llm_conv *conv, size_t keep_from, const char *summary)
{
	size_t n = claw_llm_conv_len(conv), kept = n - keep_from;
	struct claw_llm_msg **keep = claw_xcalloc(kept + 1, sizeof(struct claw_llm_msg *));

	for (size_t i = kept; i-- > 0;)
		keep[i] = claw_llm_conv_pop(conv);
	while (claw_llm_conv_len(conv) > 1)
		claw_llm_msg_free(claw_llm_conv_pop(conv));
	struct claw_llm_msg *old = claw_llm_conv_pop(conv);
	struct claw_llm_msg *first = without_summary(old);
	claw_llm_msg_free(old);
	char *text = claw_xasprintf("%s%s", summary_head, summary);
	claw_llm_msg_add_text(first, text, strlen(text));
	free(text);
	claw_llm_conv_push(conv, first);
	for (size_t i = 0; i < kept; i++)
		claw_llm_conv_push(conv, keep[i]);
	claw_llm_conv_set_mark(conv, 0);
	free(keep);
}
