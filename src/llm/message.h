/*
 * message — the neutral conversation types shared by every model backend.
 *
 * A conversation (struct claw_llm_conv) is an ordered list of messages; a
 * message (struct claw_llm_msg) has a role (user or assistant) and a list of
 * blocks: text, tool_use (a call the model asks for: id, tool name, a JSON
 * object of arguments), tool_result (claw's answer to one tool_use), and
 * the model's thinking (SPEC 11: Anthropic's thinking with its signature, or
 * redacted_thinking with its encrypted data; an OpenAI-compatible server's
 * reasoning text without either), kept in the conversation because
 * Anthropic refuses a tool loop whose last assistant turn lost them.  The
 * backends (anthropic.c, openai.c) translate these to and from their wire
 * formats; the run engine builds them, checkpoints them as JSON
 * (claw_llm_messages_to_json / _from_json) and reads the model's replies from
 * them.  Nothing here touches the network.
 *
 * The checkpoint JSON is claw's own format, close to the Anthropic one and
 * stable across backends (a run checkpointed with one backend resumes with
 * the other):
 *
 *   [{"role": "user", "content": [{"type": "text", "text": "..."}]},
 *    {"role": "assistant", "content": [
 *        {"type": "text", "text": "..."},
 *        {"type": "thinking", "thinking": "...", "signature": "..."},
 *        {"type": "redacted_thinking", "data": "..."},
 *        {"type": "tool_use", "id": "t1", "name": "bash", "input": {...}}]},
 *    {"role": "user", "content": [
 *        {"type": "tool_result", "tool_use_id": "t1", "content": "...",
 *         "is_error": false}]}]
 *
 * A tool_use whose arguments the provider sent as unusable text (OpenAI's
 * `arguments` is a string the model writes; it may not be a JSON object)
 * keeps "input": {} plus "input_raw" (the text, echoed back verbatim to the
 * provider) and "input_error" (why it was refused); the engine answers such a
 * call with an error tool_result instead of running the tool.
 *
 * Ownership: a conversation owns its messages, a message its blocks, a block
 * its strings and its input object.  Handles are freed with their _free().
 * Blocks are public read-only views: build them with the _add_ functions.
 *
 * Threads: a conversation, message or response belongs to one thread at a
 * time (json-c objects inside are not synchronised).
 */
#ifndef CLAW_LLM_MESSAGE_H
#define CLAW_LLM_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "llm/retry.h"

/* Caps on outside-sized data handled here. */
#define CLAW_LLM_REQUEST_MAX (32u << 20) /* a request body (Anthropic's own limit) */
#define CLAW_LLM_MESSAGES_MAX 100000     /* messages in a checkpoint */

enum claw_llm_role {
	CLAW_LLM_USER,
	CLAW_LLM_ASSISTANT,
};

enum claw_llm_block_type {
	CLAW_LLM_TEXT,
	CLAW_LLM_TOOL_USE,
	CLAW_LLM_TOOL_RESULT,
	CLAW_LLM_THINKING,          /* the model's reasoning, as the provider showed it */
	CLAW_LLM_REDACTED_THINKING, /* reasoning the provider sent encrypted only */
};

/* Read-only view; every pointer is owned by the message holding the block. */
struct claw_llm_block {
	enum claw_llm_block_type type;
	char *text;                /* TEXT: the text; TOOL_RESULT: the content; THINKING: the
				    * thinking; REDACTED_THINKING: the encrypted data; else NULL */
	char *signature;           /* THINKING: the provider's signature ("" when none, as from
				    * OpenAI-compatible servers); else NULL */
	char *id;                  /* TOOL_USE: call id; TOOL_RESULT: the tool_use id answered */
	char *name;                /* TOOL_USE: tool name; else NULL */
	struct json_object *input; /* TOOL_USE: arguments, always a JSON object; else NULL */
	char *input_raw;           /* TOOL_USE refused: the provider's argument text; else NULL */
	char *input_error;         /* TOOL_USE refused: why (NULL when input is usable) */
	bool is_error;             /* TOOL_RESULT: the tool failed */
};

struct claw_llm_msg;
struct claw_llm_conv;

/* ------------------------------------------------------------ messages */

/* A new empty message.  Caller frees with claw_llm_msg_free(). */
struct claw_llm_msg *claw_llm_msg_new(enum claw_llm_role role);

/* A message as one backend puts it into a request (its wire form), kept on
 * the message once built, so the request of a long conversation is its
 * messages copied together, not encoded again at every turn. */
enum claw_llm_wire { CLAW_LLM_WIRE_ANTHROPIC, CLAW_LLM_WIRE_OPENAI, CLAW_LLM_WIRE_COUNT };
/* m's wire form for w and its length, or NULL when none is kept (never
 * built, or m gained a block since).  Borrowed until m changes. */
const char *claw_llm_msg_wire(const struct claw_llm_msg *m, enum claw_llm_wire w, size_t *len);
/* Keeps a copy of text[0..len) as m's wire form for w: a cache of what m
 * holds, so m may be const (the conversation's owner thread only). */
void claw_llm_msg_keep_wire(const struct claw_llm_msg *m, enum claw_llm_wire w, const char *text,
			    size_t len);
void claw_llm_msg_free(struct claw_llm_msg *m); /* NULL is a no-op */
/* A deep copy.  Caller frees with claw_llm_msg_free(). */
struct claw_llm_msg *claw_llm_msg_clone(const struct claw_llm_msg *m);

enum claw_llm_role claw_llm_msg_role(const struct claw_llm_msg *m);
size_t claw_llm_msg_count(const struct claw_llm_msg *m);
/* Block i (< count), borrowed: valid until m is changed or freed. */
const struct claw_llm_block *claw_llm_msg_block(const struct claw_llm_msg *m, size_t i);
/* Number of tool_use blocks. */
size_t claw_llm_msg_tool_uses(const struct claw_llm_msg *m);
/* The text blocks joined with "\n" ("" when none).  Caller frees. */
char *claw_llm_msg_text(const struct claw_llm_msg *m);

/* Appends a text block (copies text[0..n)). */
void claw_llm_msg_add_text(struct claw_llm_msg *m, const char *text, size_t n);
/* Appends a tool_use block.  Copies id and name; takes ownership of input,
 * which must be a JSON object (NULL becomes {}). */
void claw_llm_msg_add_tool_use(struct claw_llm_msg *m, const char *id, const char *name,
			       struct json_object *input);
/* Appends a tool_use block whose arguments were unusable: input is {},
 * raw and error are copied (raw may be NULL). */
void claw_llm_msg_add_tool_use_refused(struct claw_llm_msg *m, const char *id, const char *name,
				       const char *raw, const char *error);
/* Appends a thinking block (copies text[0..n) and signature; NULL: ""). */
void claw_llm_msg_add_thinking(struct claw_llm_msg *m, const char *text, size_t n,
			       const char *signature);
/* Appends a redacted_thinking block holding the provider's data (copied). */
void claw_llm_msg_add_redacted_thinking(struct claw_llm_msg *m, const char *data);
/* The thinking blocks' text joined with "\n" ("" when none), redacted ones
 * as "[redacted]".  Caller frees. */
char *claw_llm_msg_thinking(const struct claw_llm_msg *m);
/* Appends a tool_result block answering tool_use_id (copies both strings). */
void claw_llm_msg_add_tool_result(struct claw_llm_msg *m, const char *tool_use_id,
				  const char *content, size_t n, bool is_error);

/* ------------------------------------------------------- conversations */

/* A new empty conversation.  Caller frees with claw_llm_conv_free(). */
struct claw_llm_conv *claw_llm_conv_new(void);
void claw_llm_conv_free(struct claw_llm_conv *c); /* NULL is a no-op */
size_t claw_llm_conv_len(const struct claw_llm_conv *c);
/* How many of its messages are the model's (role CLAW_LLM_ASSISTANT). */
size_t claw_llm_conv_replies(const struct claw_llm_conv *c);
/* Message i (< len), borrowed: valid until c is changed or freed. */
const struct claw_llm_msg *claw_llm_conv_at(const struct claw_llm_conv *c, size_t i);
/* The last message or NULL when empty; borrowed, and mutable so the engine
 * can add tool results to the user message it is building. */
struct claw_llm_msg *claw_llm_conv_last(struct claw_llm_conv *c);
/* Appends m; takes ownership. */
void claw_llm_conv_push(struct claw_llm_conv *c, struct claw_llm_msg *m);
/* Appends a user message with one text block. */
void claw_llm_conv_add_user_text(struct claw_llm_conv *c, const char *text);
/* Removes the last message and hands it to the caller (claw_llm_msg_free
 * it); NULL when empty.  Used to drop a turn whose tool calls were not all
 * answered before re-asking the model. */
struct claw_llm_msg *claw_llm_conv_pop(struct claw_llm_conv *c);
/* A mark its owner keeps on the conversation: how many of its first
 * messages are saved as they are (the exchange checkpoint's, so a
 * checkpoint writes only what came after; flow/turnloop.h).  0 for a new
 * conversation; set_mark clips it to the length, and a pop of a marked
 * message lowers it. */
size_t claw_llm_conv_mark(const struct claw_llm_conv *c);
void claw_llm_conv_set_mark(struct claw_llm_conv *c, size_t mark);

/* Appends c as the checkpoint JSON array (format above) to out, or one
 * message of it as its JSON object.  Return out's sticky error
 * (CLAW_ETOOBIG past its cap). */
enum claw_err claw_llm_messages_to_json(const struct claw_llm_conv *c, struct claw_buf *out);
enum claw_err claw_llm_msg_to_json(const struct claw_llm_msg *m, struct claw_buf *out);
/* Parses checkpoint JSON text[0..len) into a new conversation in *out
 * (caller frees).  CLAW_EINVAL with a message naming the place
 * (`messages[3].content[0]: unknown block type "x"`) on bad input; *out is
 * NULL on failure. */
enum claw_err claw_llm_messages_from_json(const char *text, size_t len, struct claw_llm_conv **out,
					  struct claw_error *err);

/* ------------------------------------------------------ request, reply */

/* A tool the model may call.  Borrowed strings.  schema_json is the JSON
 * Schema of the input as JSON text from claw's tool registry (trusted, put
 * into requests verbatim); NULL means an object with no properties. */
struct claw_llm_tool {
	const char *name;
	const char *description;
	const char *schema_json;
};

/* One model call.  Every pointer is borrowed for the duration of the call. */
struct claw_llm_request {
	const char *model;                /* required */
	const char *system;               /* NULL or "" for none */
	const struct claw_llm_conv *conv; /* required, at least one message */
	const struct claw_llm_tool *tools;
	size_t n_tools;
	int64_t max_tokens;   /* <= 0: the backend's default */
	double temperature;   /* used only when has_temperature */
	bool has_temperature; /* false: the provider's default */
	/* Prompt caching (SPEC 10), asked per request (a request sent once,
	 * such as a compaction's summary, would pay a write and never read
	 * it); the client drops both when its policy says no.  cache:
	 * Anthropic's cache_control breakpoints (on the system prompt, the
	 * last user message and the one before it).  cache_key: OpenAI's
	 * prompt_cache_key, NULL for none. */
	bool cache;
	const char *cache_key;
	/* Ask for the reply as an event stream (SPEC 11: "stream": true, and
	 * OpenAI's stream_options.include_usage); set by the client from its
	 * setting, not by callers. */
	bool stream;
	/* Thinking (SPEC 11), set by the client from its settings, not by
	 * callers.  thinking_tokens > 0: Anthropic's extended thinking with
	 * that budget (max_tokens grows by it; no temperature is sent, as the
	 * API requires).  reasoning_effort: OpenAI's reasoning_effort, NULL
	 * for the server's default. */
	int64_t thinking_tokens;
	const char *reasoning_effort;
};

enum claw_llm_stop {
	CLAW_LLM_STOP_END_TURN,
	CLAW_LLM_STOP_TOOL_USE,
	CLAW_LLM_STOP_MAX_TOKENS,
	CLAW_LLM_STOP_REFUSAL,
	CLAW_LLM_STOP_OTHER,
};

/* Token counts of one reply.  in counts every prompt token, cached and
 * written ones included (Anthropic reports them apart; they are added up
 * here), so in - cached - cache_write is what was billed at the full input
 * price. */
struct claw_llm_usage {
	int64_t in;
	int64_t out;
	int64_t cached;         /* read from the provider's prompt cache */
	int64_t cache_write;    /* written to it (Anthropic; OpenAI writes for free) */
	int64_t cache_write_1h; /* of cache_write, as 1-hour entries */
};

enum claw_llm_cost_source {
	CLAW_LLM_COST_TABLE,    /* computed from the price table (pricing.h) */
	CLAW_LLM_COST_PROVIDER, /* reported by the provider (e.g. OpenRouter usage.cost) */
};

/* The outcome of one call.  Initialise with claw_llm_response_init(),
 * release with claw_llm_response_clear().  Owned fields are freed by clear. */
struct claw_llm_response {
	struct claw_llm_msg *msg; /* the assistant message (owned); NULL until success */
	enum claw_llm_stop stop;
	char stop_raw[32]; /* the provider's own word for it ("stop_sequence") */
	struct claw_llm_usage usage;
	int64_t cost_micros; /* micro-USD */
	enum claw_llm_cost_source cost_source;
	char *model;                 /* model the provider says answered (owned, may be NULL) */
	char *id;                    /* provider's response id (owned, may be NULL) */
	int attempts;                /* HTTP attempts made by claw_llm_send() */
	long status;                 /* HTTP status of the last attempt (0: none) */
	enum claw_retry_class fault; /* on failure: its class; CLAW_RETRY_NONE on success */
	int64_t ttft_ms; /* the successful attempt's time to its first byte (with streaming: the
			    first event); 0 when unknown */
};

void claw_llm_response_init(struct claw_llm_response *r);
void claw_llm_response_clear(struct claw_llm_response *r);
/* Hands the assistant message to the caller (e.g. to claw_llm_conv_push);
 * r->msg becomes NULL. */
struct claw_llm_msg *claw_llm_response_take(struct claw_llm_response *r);
/* "end_turn", "tool_use", "max_tokens", "refusal", "other". */
const char *claw_llm_stop_name(enum claw_llm_stop s);

/* ------------------------------------------- JSON helpers for backends */

/* json-c serialization flags for anything sent or stored: compact, and "/"
 * left alone. */
#define CLAW_LLM_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* claw_json_buf_append_string() (base/json.h) of a NUL-terminated string;
 * NULL writes "".  Returns b's sticky error. */
enum claw_err claw_llm_json_cstr(struct claw_buf *b, const char *s);
/* Appends a THINKING or REDACTED_THINKING block as the Anthropic API and
 * the checkpoint both write it, without its closing '}':
 * {"type":"thinking","thinking":...,"signature":... or
 * {"type":"redacted_thinking","data":... */
void claw_llm_put_thinking(struct claw_buf *out, const struct claw_llm_block *b);
/* Text spliced into the wire form of marked messages (a cache breakpoint
 * in the last block): at[0..n) are message indices, text goes `back` bytes
 * before the end of each one's form. */
struct claw_llm_marks {
	size_t at[2];     /* marked message indices */
	size_t n;         /* how many of at[] are used */
	const char *text; /* spliced in (borrowed) */
	size_t back;      /* bytes before the end of the wire form it goes */
};
/* Appends each message of c in w's wire form, put(m) writing one into its
 * own buffer the first time (JSON: one message, or for OpenAI the messages
 * one becomes, comma-separated), kept on the message after; put must
 * depend on m alone, or a kept form would be wrong.  marks (may be NULL)
 * are spliced into the copies of the marked messages, never into the kept
 * forms.  A comma goes between two non-empty forms; *first says whether
 * nothing came before (updated).  An overflow is out's sticky error. */
void claw_llm_put_messages(struct claw_buf *out, const struct claw_llm_conv *c,
			   enum claw_llm_wire w,
			   void (*put)(struct claw_buf *b, const struct claw_llm_msg *m),
			   const struct claw_llm_marks *marks, bool *first);
/* Appends `,"tools":[...]` for req's tools (nothing when it has none): each
 * tool is open, its JSON name, `,"description":` and its description,
 * `,"<schema_key>":` and its schema (an empty object schema when it has
 * none), then close.  The wire formats differ only in that wrapping. */
void claw_llm_put_tools(struct claw_buf *out, const struct claw_llm_request *req, const char *open,
			const char *schema_key, const char *close);
/* Lenient readers for provider replies (a wrong type is "absent", not an
 * error: providers add and drop fields freely). */
/* obj[key] when it is a string, else NULL.  Borrowed from obj. */
const char *claw_llm_json_get_str(struct json_object *obj, const char *key);
/* obj[key] when it is an integer (or an integral double) >= 0, else dflt;
 * capped at CLAW_LLM_COUNT_MAX, so sums of a few counts (tokens in + out,
 * cached + written + fresh) never overflow, whatever a provider claims. */
#define CLAW_LLM_COUNT_MAX INT64_C(1000000000000000) /* 10^15 */
int64_t claw_llm_json_get_count(struct json_object *obj, const char *key, int64_t dflt);

/* A backend's reader of a reply's JSON tree (claw_anthropic_read, ...). */
typedef enum claw_err (*claw_llm_read_fn)(struct json_object *root, struct claw_llm_response *resp,
					  struct claw_error *err);
/* body[0..len) parsed and handed to read: what read returns, or CLAW_EINVAL
 * "<who>: malformed reply: ..." when it is not JSON.  The backends' parse
 * functions. */
enum claw_err claw_llm_parse_with(claw_llm_read_fn read, const char *who, const char *body,
				  size_t len, struct claw_llm_response *resp,
				  struct claw_error *err);

#endif
