/*
 * test_client — claw's model client (src/llm/client.c, through the real
 * libcurl transport) against mockllm on a loopback port.
 *
 * Each case writes a scenario, starts its own mockllm (--listen
 * 127.0.0.1:0, the port read back from its stdout), talks to it with a
 * claw_llm_client and checks both sides: what the client returned and what
 * mockllm logged it received.  mockllm is found next to this program, or at
 * $MOCKLLM.  Every server is stopped by its PID.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "llm/client.h"
#include "mockproc.h"
#include "tap.h"

static const char key[] = "sk-test-0123456789abcdef";

/* Records every retry callback. */
struct retries {
	int n;
	struct claw_llm_retry_info last;
	char error[1024];
	int64_t waits[8];
};

static void
on_retry(void *ctx, const struct claw_llm_retry_info *info)
{
	struct retries *r = ctx;
	if (r->n < 8)
		r->waits[r->n] = info->wait_ms;
	r->n++;
	r->last = *info;
	(void)snprintf(r->error, sizeof r->error, "%s", info->error);
	r->last.error = r->error;
}

static const struct claw_retry_policy fast = {4, 10, 100, 25, 60000};

static struct claw_llm_client *
client_for(const struct mock *m, enum claw_agent_kind agent, const char *path_suffix,
	   const char *api_key, const struct claw_retry_policy *policy, int64_t timeout_ms,
	   size_t max_response)
{
	char base[256];
	struct claw_llm_client *c = NULL;
	struct claw_error err;
	(void)snprintf(base, sizeof base, "%s%s", m->base, path_suffix);
	struct claw_llm_client_params p = {
		.agent = agent,
		.base_url = base,
		.api_key = api_key,
		.connect_timeout_ms = 2000,
		.timeout_ms = timeout_ms > 0 ? timeout_ms : 10000,
		.max_response = max_response,
		.retry = policy,
	};
	if (claw_llm_client_new(&p, &c, &err) != CLAW_OK)
		tap_diag("client: %s", err.msg);
	return c;
}

static const struct claw_llm_tool tools[] = {
	{"read_file", "Read a file of the project.",
	 "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
	 "\"required\":[\"path\"]}"},
};

/* ------------------------------------------------------------------ cases */

/* A user message carrying one tool result for every tool_use of msg. */
static struct claw_llm_msg *
answer_tools(const struct claw_llm_msg *msg, const char *content)
{
	struct claw_llm_msg *u = claw_llm_msg_new(CLAW_LLM_USER);
	for (size_t i = 0; i < claw_llm_msg_count(msg); i++) {
		const struct claw_llm_block *b = claw_llm_msg_block(msg, i);
		if (b->type == CLAW_LLM_TOOL_USE)
			claw_llm_msg_add_tool_result(u, b->id, content, strlen(content),
						     b->input_error != NULL);
	}
	return u;
}

static void
test_anthropic_tool_use(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;

	if (!mock_start(&m,
			"{\"replies\": ["
			"{\"match\": {\"api\": \"anthropic\"}, \"thinking\": \"plan\","
			" \"text\": \"I will read it.\","
			" \"tool_calls\": [{\"id\": \"toolu_A\", \"name\": \"read_file\","
			" \"input\": {\"path\": \"README.md\"}}],"
			" \"usage\": {\"in\": 1000, \"out\": 50, \"cached\": 400}},"
			"{\"match\": {\"user\": \"# Hello\"}, \"text\": \"Done.\","
			" \"model\": \"claude-sonnet-4-5-20250929\","
			" \"usage\": {\"in\": 1200, \"out\": 5}}]}",
			key)) {
		ok(false, "anthropic: mockllm started");
		return;
	}
	ok(m.start_ms < 2000, "mockllm prints its port fast (%lld ms)", (long long)m.start_ms);
	struct claw_llm_client *c = client_for(&m, CLAW_AGENT_ANTHROPIC, "/", key, NULL, 0, 0);
	char want[256];
	(void)snprintf(want, sizeof want, "%s/v1/messages", m.base);
	is_str(claw_llm_client_url(c), want, "anthropic endpoint, trailing slash of base dropped");

	struct claw_llm_conv *conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, "Read the README.");
	struct claw_llm_request req = {
		.model = "claude-sonnet-4-5",
		.system = "You are claw.",
		.conv = conv,
		.tools = tools,
		.n_tools = 1,
		.max_tokens = 2048,
		.cache = true,
	};
	claw_llm_response_init(&r);
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_OK, "anthropic turn 1");
	is_int(r.stop, CLAW_LLM_STOP_TOOL_USE, "turn 1 stops for a tool");
	is_int(r.attempts, 1, "one attempt");
	ok(r.msg != NULL && claw_llm_msg_count(r.msg) == 3, "thinking, text and tool_use");
	const struct claw_llm_block *th = r.msg != NULL ? claw_llm_msg_block(r.msg, 0) : NULL;
	ok(th != NULL && th->type == CLAW_LLM_THINKING && strcmp(th->text, "plan") == 0 &&
		   strncmp(th->signature, "mocksig-", 8) == 0,
	   "the thinking is kept with its signature");
	const struct claw_llm_block *b = r.msg != NULL ? claw_llm_msg_block(r.msg, 2) : NULL;
	ok(b != NULL && b->type == CLAW_LLM_TOOL_USE && strcmp(b->id, "toolu_A") == 0 &&
		   strcmp(b->name, "read_file") == 0,
	   "tool_use read_file toolu_A");
	is_str(b != NULL ? claw_llm_json_get_str(b->input, "path") : NULL, "README.md",
	       "tool input");
	is_int(r.usage.in, 1000, "usage in (cached included)");
	is_int(r.usage.cached, 400, "usage cached");
	is_int(r.usage.out, 50, "usage out");
	/* 600 x $3 + 400 x $0.3 + 50 x $15 per Mtok. */
	is_int(r.cost_micros, 2670, "cost from the price table");
	is_int(r.cost_source, CLAW_LLM_COST_TABLE, "cost source table");

	struct claw_llm_msg *a = claw_llm_response_take(&r);
	claw_llm_conv_push(conv, a);
	claw_llm_conv_push(conv, answer_tools(a, "# Hello\nworld"));
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_OK, "anthropic turn 2");
	char *text = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(text, "Done.", "final text");
	free(text);
	is_int(r.stop, CLAW_LLM_STOP_END_TURN, "turn 2 ends the exchange");
	is_str(r.model, "claude-sonnet-4-5-20250929", "model as the provider reports it");
	is_int(r.cost_micros, 1200 * 3 + 5 * 15, "cost by the reported model");
	claw_llm_response_clear(&r);

	/* What mockllm received. */
	is_int(log_lines(&m), 2, "two requests logged");
	struct json_object *l1 = log_line(&m, 0), *l2 = log_line(&m, 1);
	is_str(jstr(l1, "path"), "/v1/messages", "POST /v1/messages");
	is_str(jstr(l1, "headers.anthropic-version"), "2023-06-01", "anthropic-version header");
	is_str(jstr(l1, "headers.content-type"), "application/json", "JSON content type");
	is_str(jstr(l1, "auth"), "x-api-key", "key sent as x-api-key");
	is_str(jstr(l1, "key_ok"), "true", "the right key");
	is_str(jstr(l1, "body.system.0.text"), "You are claw.", "system prompt");
	is_str(jstr(l1, "body.system.0.cache_control.type"), "ephemeral",
	       "a cache breakpoint on the system prompt (caching is on by default)");
	is_str(jstr(l1, "body.messages.0.content.0.cache_control.type"), "ephemeral",
	       "and on the last user message");
	is_str(jstr(l2, "body.messages.0.content.0.cache_control.type"), "ephemeral",
	       "turn 2: on the user message before the last");
	is_str(jstr(l2, "body.messages.2.content.0.cache_control.type"), "ephemeral",
	       "and on the last");
	ok(jget(l2, "body.messages.1.content.1.cache_control") == NULL,
	   "not on the model's message");
	is_str(jstr(l1, "body.max_tokens"), "2048", "max_tokens");
	is_str(jstr(l1, "body.tools.0.name"), "read_file", "tool spec sent");
	is_str(jstr(l1, "body.tools.0.input_schema.required.0"), "path", "tool schema sent");
	is_str(jstr(l2, "body.messages.1.content.0.type"), "thinking",
	       "history has the thinking, first");
	is_str(jstr(l2, "body.messages.1.content.2.type"), "tool_use", "and the call");
	is_str(jstr(l2, "body.messages.1.content.2.id"), "toolu_A", "with its id");
	ok(jget(l1, "body.thinking") == NULL, "no thinking asked when it is off");
	is_str(jstr(l2, "body.messages.2.content.0.type"), "tool_result", "result block");
	is_str(jstr(l2, "body.messages.2.content.0.tool_use_id"), "toolu_A", "answers the call");
	is_str(jstr(l2, "body.messages.2.content.0.content"), "# Hello\nworld", "result text");
	is_str(jstr(l2, "conn"), jstr(l1, "conn"), "the connection is kept alive");
	char *all = log_text(&m);
	ok(strstr(all, key) == NULL, "the key never reaches the log");
	free(all);
	json_object_put(l1);
	json_object_put(l2);
	claw_llm_conv_free(conv);
	claw_llm_client_free(c);
	mock_stop(&m);
}

static void
test_openai_tool_use(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;

	if (!mock_start(
		    &m,
		    "[{\"text\": \"\", \"tool_calls\": ["
		    "{\"id\": \"call_1\", \"name\": \"read_file\", \"input\": {\"path\": \"a\"}},"
		    "{\"id\": \"call_2\", \"name\": \"read_file\", \"arguments\": \"{\\\"path\"}"
		    "], \"usage\": {\"in\": 3000, \"out\": 80, \"cached\": 2048}},"
		    "{\"text\": \"All read.\", \"usage\": {\"in\": 3100, \"out\": 4,"
		    " \"cost\": 0.0025}}]",
		    key)) {
		ok(false, "openai: mockllm started");
		return;
	}
	struct claw_llm_client *c = client_for(&m, CLAW_AGENT_OPENAI, "/v1", key, NULL, 0, 0);
	struct claw_llm_conv *conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, "Read a.");
	struct claw_llm_request req = {
		.model = "gpt-4o",
		.system = "You are claw.",
		.conv = conv,
		.tools = tools,
		.n_tools = 1,
		.temperature = 0.5,
		.has_temperature = true,
	};
	claw_llm_response_init(&r);
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_OK, "openai turn 1");
	is_int(r.stop, CLAW_LLM_STOP_TOOL_USE, "finish tool_calls");
	is_int(r.msg != NULL ? claw_llm_msg_tool_uses(r.msg) : 0, 2, "two calls");
	const struct claw_llm_block *bad = r.msg != NULL ? claw_llm_msg_block(r.msg, 1) : NULL;
	ok(bad != NULL && bad->input_error != NULL, "invalid arguments refused, no crash");
	is_int(r.usage.cached, 2048, "cached tokens");
	/* 952 x $2.5 + 2048 x $1.25 + 80 x $10 per Mtok. */
	is_int(r.cost_micros, 952 * 25 / 10 + 2048 * 125 / 100 + 800, "gpt-4o table cost");

	struct claw_llm_msg *a = claw_llm_response_take(&r);
	claw_llm_conv_push(conv, a);
	claw_llm_conv_push(conv, answer_tools(a, "contents of a"));
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_OK, "openai turn 2");
	is_int(r.stop, CLAW_LLM_STOP_END_TURN, "finish stop");
	is_int(r.cost_micros, 2500, "provider-reported cost");
	is_int(r.cost_source, CLAW_LLM_COST_PROVIDER, "cost source provider");
	claw_llm_response_clear(&r);

	struct json_object *l1 = log_line(&m, 0), *l2 = log_line(&m, 1);
	is_str(jstr(l1, "path"), "/v1/chat/completions", "POST {base}/chat/completions");
	is_str(jstr(l1, "auth"), "bearer", "Authorization: Bearer");
	is_str(jstr(l1, "key_ok"), "true", "the right key");
	is_str(jstr(l1, "body.messages.0.role"), "system", "system prompt first");
	is_str(jstr(l1, "body.temperature"), "0.5", "temperature");
	is_str(jstr(l1, "body.tools.0.function.name"), "read_file", "tool as a function");
	is_str(jstr(l2, "body.messages.2.tool_calls.0.function.arguments"), "{\"path\":\"a\"}",
	       "arguments echoed as a JSON string");
	is_str(jstr(l2, "body.messages.2.tool_calls.1.function.arguments"), "{\"path",
	       "refused arguments echoed verbatim");
	is_str(jstr(l2, "body.messages.3.role"), "tool", "result as a tool message");
	is_str(jstr(l2, "body.messages.3.tool_call_id"), "call_1", "answers call_1");
	is_str(jstr(l2, "body.messages.4.tool_call_id"), "call_2", "answers call_2");
	has_str(jstr(l2, "body.messages.4.content"), "[error]", "error result marked");
	json_object_put(l1);
	json_object_put(l2);
	claw_llm_conv_free(conv);
	claw_llm_client_free(c);
	mock_stop(&m);
}

/* A client of m with prompt caching as asked. */
static struct claw_llm_client *
cache_client(const struct mock *m, enum claw_agent_kind agent, bool no_cache, bool key_anywhere)
{
	struct claw_llm_client *c = NULL;
	struct claw_error err;
	struct claw_llm_client_params p = {
		.agent = agent,
		.base_url = m->base,
		.api_key = key,
		.no_prompt_cache = no_cache,
		.cache_key_anywhere = key_anywhere,
	};
	if (claw_llm_client_new(&p, &c, &err) != CLAW_OK)
		tap_diag("client: %s", err.msg);
	return c;
}

/* n bytes of prose, the same every time. */
static char *
prose(size_t n, char seed)
{
	char *s = claw_xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = i % 7 == 6 ? ' ' : (char)('a' + (seed + i) % 26);
	s[n] = '\0';
	return s;
}

/* Three turns of a tool loop against mockllm --cache --strict: turn t's
 * usage in u[t], the last one's cost in *cost.  Returns false when a turn
 * failed. */
static bool
cached_exchange(struct claw_llm_client *c, const char *model, struct claw_llm_usage u[3],
		int64_t *cost)
{
	struct claw_error err;
	struct claw_llm_response r;
	char *system = prose(8000, 1), *result = prose(6000, 2);
	struct claw_llm_conv *conv = claw_llm_conv_new();
	struct claw_llm_request req = {
		.model = model,
		.system = system,
		.conv = conv,
		.tools = tools,
		.n_tools = 1,
		.cache = true,
		.cache_key = "claw-7-fix",
	};
	bool good = true;

	claw_llm_response_init(&r);
	claw_llm_conv_add_user_text(conv, "Fix the bug.");
	for (int t = 0; t < 3 && good; t++) {
		good = claw_llm_send(c, &req, &r, NULL, NULL, &err) == CLAW_OK;
		if (!good) {
			tap_diag("turn %d: %s", t + 1, err.msg);
			break;
		}
		u[t] = r.usage;
		*cost = r.cost_micros;
		struct claw_llm_msg *a = claw_llm_response_take(&r);
		claw_llm_conv_push(conv, a);
		claw_llm_conv_push(conv, answer_tools(a, result));
	}
	claw_llm_response_clear(&r);
	claw_llm_conv_free(conv);
	free(system);
	free(result);
	return good;
}

static const char cache_scenario[] =
	"{\"replies\": [{\"times\": 0, \"text\": \"Looking.\", \"tool_calls\": [{\"name\":"
	" \"read_file\", \"input\": {\"path\": \"src/a.c\"}}]}]}";

static void
test_anthropic_cache(void)
{
	struct mock m;
	struct claw_llm_usage u[3] = {0};
	int64_t cost = 0;

	if (!mock_start_with(&m, cache_scenario, key, "--cache", "--strict")) {
		ok(false, "mockllm --cache started");
		return;
	}
	struct claw_llm_client *c = cache_client(&m, CLAW_AGENT_ANTHROPIC, false, false);
	ok(cached_exchange(c, "claude-sonnet-4-5", u, &cost), "three cached turns, strict server");
	ok(u[0].cached == 0 && u[0].cache_write > 2000 && u[0].cache_write == u[0].in,
	   "turn 1 writes its whole prompt (%lld of %lld)", (long long)u[0].cache_write,
	   (long long)u[0].in);
	is_int(u[1].cached, u[0].in, "turn 2 reads all of turn 1's prompt");
	is_int(u[1].cached + u[1].cache_write, u[1].in, "and writes the rest");
	is_int(u[2].cached, u[1].in, "turn 3 reads all of turn 2's prompt");
	struct claw_price p =
		claw_pricing_lookup(claw_pricing_builtin(), "claude-sonnet-4-5", NULL);
	double want = (double)u[2].cached * p.cached + (double)u[2].cache_write * p.cache_write +
		      (double)u[2].out * p.output;
	is_int(cost, llround(want), "turn 3 costs its reads at 0.1x and its writes at 1.25x input");
	struct json_object *l3 = log_line(&m, 2);
	ok(jget(l3, "body.prompt_cache_key") == NULL, "no prompt_cache_key to anthropic");
	json_object_put(l3);
	claw_llm_client_free(c);

	c = cache_client(&m, CLAW_AGENT_ANTHROPIC, true, false);
	ok(cached_exchange(c, "claude-sonnet-4-5", u, &cost), "CLAW_PROMPT_CACHE=0: three turns");
	struct json_object *l4 = log_line(&m, 3);
	ok(json_object_is_type(jget(l4, "body.system"), json_type_string) &&
		   strstr(json_object_to_json_string(jget(l4, "body")), "cache_control") == NULL,
	   "no breakpoint anywhere");
	ok(u[2].cached == 0 && u[2].cache_write == 0, "and nothing cached");
	json_object_put(l4);
	claw_llm_client_free(c);
	mock_stop(&m);
}

static void
test_openai_cache_key(void)
{
	struct mock m;
	struct claw_llm_usage u[3] = {0};
	int64_t cost = 0;

	if (!mock_start_with(&m, cache_scenario, key, "--strict", "--cache")) {
		ok(false, "mockllm --strict started");
		return;
	}
	struct claw_llm_client *c = cache_client(&m, CLAW_AGENT_OPENAI, false, false);
	ok(cached_exchange(c, "gpt-4.1", u, &cost), "a local server is not sent prompt_cache_key");
	struct json_object *l1 = log_line(&m, 0);
	ok(jget(l1, "body.prompt_cache_key") == NULL, "not in the body");
	ok(strstr(json_object_to_json_string(jget(l1, "body")), "cache_control") == NULL,
	   "no Anthropic breakpoints either");
	json_object_put(l1);
	is_int(u[0].cached, 0, "turn 1: nothing cached");
	ok(u[1].cached > 0 && u[1].cached % 128 == 0 && u[1].cached <= u[0].in,
	   "turn 2 reads turn 1's prefix in 128-token steps (%lld)", (long long)u[1].cached);
	claw_llm_client_free(c);

	c = cache_client(&m, CLAW_AGENT_OPENAI, false, true);
	struct claw_error err;
	struct claw_llm_response r;
	claw_llm_response_init(&r);
	struct claw_llm_conv *conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, "hi");
	struct claw_llm_request req = {.model = "gpt-4.1", .conv = conv, .cache_key = "claw-7-fix"};
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_EBACKEND,
	       "CLAW_PROMPT_CACHE_KEY=1: a strict server refuses the field");
	has_str(err.msg, "Extra inputs are not permitted", "with its message");
	is_int(r.attempts, 1, "not retried");
	claw_llm_response_clear(&r);
	claw_llm_conv_free(conv);
	claw_llm_client_free(c);
	mock_stop(&m);

	if (!mock_start(&m, cache_scenario, key)) {
		ok(false, "mockllm started");
		return;
	}
	c = cache_client(&m, CLAW_AGENT_OPENAI, false, true);
	ok(cached_exchange(c, "gpt-4.1", u, &cost), "a server that takes it");
	l1 = log_line(&m, 0);
	is_str(jstr(l1, "body.prompt_cache_key"), "claw-7-fix", "is sent prompt_cache_key");
	json_object_put(l1);
	claw_llm_client_free(c);
	mock_stop(&m);
}

/* Sends one user text; returns the claw_llm_send() code. */
static enum claw_err
ask(struct claw_llm_client *c, const char *model, const char *text, struct claw_llm_response *r,
    struct retries *rt, struct claw_error *err)
{
	struct claw_llm_conv *conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, text);
	struct claw_llm_request req = {.model = model, .conv = conv};
	claw_error_clear(err);
	enum claw_err rc = claw_llm_send(c, &req, r, rt != NULL ? on_retry : NULL, rt, err);
	claw_llm_conv_free(conv);
	return rc;
}

static void
test_retry_429(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct retries rt = {0};

	if (!mock_start(&m,
			"[{\"fault\": {\"status\": 429, \"retry_after\": \"1\","
			" \"message\": \"Number of requests has exceeded your rate limit\"}},"
			" {\"text\": \"after the wait\"}]",
			NULL)) {
		ok(false, "429: mockllm started");
		return;
	}
	struct claw_llm_client *c = client_for(&m, CLAW_AGENT_ANTHROPIC, "", key, NULL, 0, 0);
	claw_llm_response_init(&r);
	int64_t t0 = claw_clock_mono_ms();
	is_int(ask(c, "claude-haiku-4-5", "hi", &r, &rt, &err), CLAW_OK, "429 then success");
	int64_t took = claw_clock_mono_ms() - t0;
	is_int(r.attempts, 2, "two attempts");
	is_int(rt.n, 1, "one wait reported");
	is_int(rt.last.fault, CLAW_RETRY_RATE_LIMIT, "reported as a rate limit");
	is_int(rt.last.attempt, 1, "after attempt 1");
	is_int(rt.last.attempts, 4, "of 4");
	is_int(rt.last.status, 429, "status 429");
	ok(rt.last.wait_ms >= 1000 && rt.last.wait_ms <= 1250,
	   "retry-after 1 s honoured (wait %lld ms)", (long long)rt.last.wait_ms);
	has_str(rt.error, "rate limited (HTTP 429): Number of requests", "error for the trace");
	ok(took >= 1000, "the wait happened (%lld ms)", (long long)took);
	is_int(r.fault, CLAW_RETRY_NONE, "no fault on success");
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	mock_stop(&m);
}

static void
test_transient_faults(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct retries rt = {0};

	if (!mock_start(&m,
			/* drop first: libcurl itself retries a request once when a
			 * reused connection dies before answering. */
			"[{\"drop\": true},"
			" {\"fault\": {\"status\": 529}},"
			" {\"partial\": true, \"text\": \"cut short in the middle of a reply\"},"
			" {\"text\": \"finally\"},"
			" {\"malformed\": true},"
			" {\"fault\": {\"status\": 503, \"body\": \"<html>503</html>\"}},"
			" {\"fault\": {\"status\": 500, \"retry_after_ms\": 30}},"
			" {\"text\": \"second\"},"
			" {\"fault\": {\"status\": 500}, \"times\": 0}]",
			NULL)) {
		ok(false, "faults: mockllm started");
		return;
	}
	struct claw_llm_client *c = client_for(&m, CLAW_AGENT_ANTHROPIC, "", NULL, &fast, 0, 0);
	claw_llm_response_init(&r);
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "drop, 529, partial, then success");
	is_int(r.attempts, 4, "four attempts");
	is_int(rt.n, 3, "three waits reported");
	char *t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(t, "finally", "the good reply");
	free(t);

	rt = (struct retries){0};
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "malformed, HTML 503, 500, success");
	is_int(rt.n, 3, "three waits");
	is_int(rt.waits[2] >= 30, 1, "retry-after-ms honoured");
	is_int(rt.last.fault, CLAW_RETRY_SERVER, "last fault a server error");

	rt = (struct retries){0};
	int rc = ask(c, "m", "x", &r, &rt, &err);
	is_int(rc, CLAW_EBACKEND, "500 forever: gives up");
	is_int(r.attempts, 4, "after four attempts");
	is_int(rt.n, 3, "three waits");
	is_int(r.fault, CLAW_RETRY_SERVER, "fault server error");
	is_int(r.status, 500, "last status");
	has_str(err.msg, "anthropic: server error (HTTP 500)", "message names agent and class");
	has_str(err.msg, "(gave up after 4 attempts)", "message says it gave up");
	ok(r.msg == NULL, "no message on failure");
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	mock_stop(&m);
}

/* Replies streamed (SPEC 11): a byte at a time, cut short (retried), an
 * error event mid-stream (classified, retried), a server that answers a
 * plain body anyway, and a client with streaming off. */
static void
test_streaming(enum claw_agent_kind agent)
{
	const char *name = agent == CLAW_AGENT_ANTHROPIC ? "anthropic" : "openai";
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct retries rt = {0};

	if (!mock_start(
		    &m,
		    "[{\"text\": \"one byte at a time: caf\u00e9 \\\"q\\\"\","
		    "  \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": "
		    "\"a.txt\"}}],"
		    "  \"usage\": {\"in\": 300, \"out\": 12, \"cached\": 100},"
		    "  \"stream\": {\"chunk\": 1, \"pause_ms\": 0}},"
		    " {\"text\": \"never whole\", \"stream\": {\"cut\": true}},"
		    " {\"text\": \"after the cut\"},"
		    " {\"text\": \"x\", \"stream\": {\"error\": {\"type\": \"overloaded_error\","
		    "  \"message\": \"Overloaded\"}}},"
		    " {\"text\": \"after the error\"},"
		    " {\"text\": \"plain anyway\", \"stream\": {\"plain\": true}},"
		    " {\"text\": \"not asked to stream\"}]",
		    NULL)) {
		ok(false, "%s streaming: mockllm started", name);
		return;
	}
	struct claw_llm_client *c =
		client_for(&m, agent, agent == CLAW_AGENT_OPENAI ? "/v1" : "", NULL, &fast, 0, 0);
	claw_llm_response_init(&r);
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "%s: a reply streamed a byte at a time",
	       name);
	char *t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(t, "one byte at a time: caf\xc3\xa9 \"q\"", "%s: its text, whole", name);
	free(t);
	const struct claw_llm_block *tu = NULL;
	for (size_t i = 0; r.msg != NULL && i < claw_llm_msg_count(r.msg); i++)
		if (claw_llm_msg_block(r.msg, i)->type == CLAW_LLM_TOOL_USE)
			tu = claw_llm_msg_block(r.msg, i);
	ok(tu != NULL && strcmp(tu->name, "read_file") == 0 && tu->input != NULL &&
		   strstr(claw_json_text(tu->input), "a.txt") != NULL,
	   "%s: its tool call, input whole", name);
	is_int(r.usage.in, 300, "%s: usage in", name);
	is_int(r.usage.out, 12, "%s: usage out", name);
	is_int(r.usage.cached, 100, "%s: cached", name);
	struct json_object *l = log_line(&m, 0);
	is_str(jstr(l, "body.stream"), "true", "%s: asked for a stream", name);
	if (agent == CLAW_AGENT_OPENAI)
		is_str(jstr(l, "body.stream_options.include_usage"), "true", "with the usage");
	json_object_put(l);

	rt = (struct retries){0};
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "%s: a stream cut short is retried", name);
	is_int(rt.last.fault, CLAW_RETRY_TRANSPORT, "%s: as a transport error", name);
	t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(t, "after the cut", "%s: then the reply", name);
	free(t);

	rt = (struct retries){0};
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "%s: an error event is retried", name);
	is_int(rt.last.fault, CLAW_RETRY_OVERLOADED, "%s: classified as the error sent whole",
	       name);

	is_int(ask(c, "m", "x", &r, NULL, &err), CLAW_OK, "%s: a server that does not stream",
	       name);
	t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(t, "plain anyway", "%s: its plain body is read", name);
	free(t);
	claw_llm_client_free(c);

	/* CLAW_STREAM=0: no "stream" asked. */
	char base[256];
	(void)snprintf(base, sizeof base, "%s%s", m.base, agent == CLAW_AGENT_OPENAI ? "/v1" : "");
	struct claw_llm_client_params p = {.agent = agent, .base_url = base, .no_stream = true};
	is_int(claw_llm_client_new(&p, &c, &err), CLAW_OK, "a client without streaming");
	is_int(ask(c, "m", "x", &r, NULL, &err), CLAW_OK, "%s: asked plainly", name);
	l = log_line(&m, log_lines(&m) - 1);
	is_str(jstr(l, "body.stream"), "(absent)", "%s: no stream field", name);
	json_object_put(l);
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	mock_stop(&m);
}

/* What a live callback saw. */
struct seen {
	int calls;
	int attempt;
	int64_t first_ms, last_ms; /* monotonic, of the first and last call */
	bool in_order;             /* every piece started where the last ended */
	struct claw_buf text;      /* the text deltas, joined */
	struct claw_buf thinking;  /* the thinking deltas, joined */
	size_t tool_len;           /* bytes of tool input seen */
	char tool[32];             /* the tool's name */
};

static void
on_live(void *ctx, int attempt, const struct claw_llm_delta *d)
{
	struct seen *s = ctx;
	int64_t now = claw_clock_mono_ms();
	if (s->calls++ == 0)
		s->first_ms = now;
	s->last_ms = now;
	if (attempt != s->attempt) { /* a retry starts over */
		s->attempt = attempt;
		claw_buf_reset(&s->text);
		s->tool_len = 0;
	}
	if (d->kind == CLAW_LLM_DELTA_TEXT) {
		s->in_order &= d->at == claw_buf_len(&s->text);
		(void)claw_buf_append(&s->text, d->text, d->len);
	} else if (d->kind == CLAW_LLM_DELTA_THINKING) {
		s->in_order &= d->at == claw_buf_len(&s->thinking);
		(void)claw_buf_append(&s->thinking, d->text, d->len);
	} else if (d->kind == CLAW_LLM_DELTA_TOOL) {
		s->in_order &= d->at == s->tool_len;
		s->tool_len += d->len;
		(void)snprintf(s->tool, sizeof s->tool, "%s", d->name != NULL ? d->name : "");
	}
}

/* Live output: the reply's text reaches the callback while it streams,
 * in order, at most ten times a second; a stream gone silent past the idle
 * limit is cut and retried, and the retry's text starts over. */
static void
test_live(enum claw_agent_kind agent)
{
	const char *name = agent == CLAW_AGENT_ANTHROPIC ? "anthropic" : "openai";
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct retries rt = {0};
	struct seen seen = {.in_order = true, .text = CLAW_BUF_INIT(1u << 20)};

	/* ~1.5 s of stream, 60 bytes every 30 ms; then one that stalls. */
	if (!mock_start(&m,
			"[{\"text\": \"The quick brown fox jumps over the lazy dog, and then "
			"again, and again: caf\u00e9 \u2603 the end.\","
			"  \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": "
			"\"a.txt\"}}],"
			"  \"stream\": {\"chunk\": 30, \"pause_ms\": 30}},"
			" {\"text\": \"stalls\", \"stream\": {\"chunk\": 200, \"pause_ms\": 1500}},"
			" {\"text\": \"after the stall\"}]",
			NULL)) {
		ok(false, "%s live: mockllm started", name);
		return;
	}
	char base[256];
	(void)snprintf(base, sizeof base, "%s%s", m.base, agent == CLAW_AGENT_OPENAI ? "/v1" : "");
	struct claw_llm_client_params p = {
		.agent = agent, .base_url = base, .retry = &fast, .stream_idle_ms = 700};
	struct claw_llm_client *c = NULL;
	is_int(claw_llm_client_new(&p, &c, &err), CLAW_OK, "%s: a client", name);
	claw_llm_client_set_live(c, on_live, &seen);
	claw_llm_response_init(&r);
	int64_t t0 = claw_clock_mono_ms();
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "%s: a slow stream", name);
	int64_t took = claw_clock_mono_ms() - t0;
	ok(seen.calls >= 3, "%s: its text came in pieces (%d calls)", name, seen.calls);
	ok(seen.first_ms - t0 < took / 2,
	   "%s: the first piece long before the end (%lld of %lld ms)", name,
	   (long long)(seen.first_ms - t0), (long long)took);
	ok(seen.calls <= took / CLAW_LLM_LIVE_MS + 2,
	   "%s: at most one call every %d ms (%d in %lld ms)", name, CLAW_LLM_LIVE_MS, seen.calls,
	   (long long)took);
	ok(seen.in_order, "%s: each piece starts where the last ended", name);
	char *t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(claw_buf_str(&seen.text), t, "%s: what was shown is the reply's text, to its end",
	       name);
	free(t);
	ok(seen.tool_len > 0 && strcmp(seen.tool, "read_file") == 0,
	   "%s: the tool call's input shown as it formed, with its name (%zu bytes, '%s')", name,
	   seen.tool_len, seen.tool);

	rt = (struct retries){0};
	seen.calls = 0;
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_OK, "%s: a stalled stream", name);
	is_int(rt.n, 1, "%s: is cut and retried once", name);
	is_int(rt.last.fault, CLAW_RETRY_TRANSPORT, "%s: as a transport error", name);
	ok(strstr(rt.error, "no byte for 1 s") != NULL, "%s: saying so: %s", name, rt.error);
	t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	is_str(t, "after the stall", "%s: then the reply", name);
	free(t);
	is_int(seen.attempt, 2, "%s: the live text of the retry is attempt 2", name);
	is_str(claw_buf_str(&seen.text), "after the stall", "%s: and starts over", name);
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	claw_buf_free(&seen.text);
	mock_stop(&m);
}

/* Extended thinking (SPEC 11) through a tool loop of three turns, streamed
 * and plain: every request asks for it with its budget on top of
 * max_tokens and without a temperature, and carries every earlier thinking
 * block back with its signature (mockllm refuses the request otherwise, as
 * the API does); a redacted block goes back as it came.  A thinking block
 * altered in the history is refused, and the refusal names it. */
static void
test_thinking(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct claw_llm_client *c = NULL;

	if (!mock_start(
		    &m,
		    "[{\"thinking\": \"First, list the files. caf\u00e9\","
		    "  \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": \"a\"}}],"
		    "  \"stream\": {\"chunk\": 7}},"
		    " {\"thinking\": \"Now read b.\", \"redacted_thinking\": \"EncRypt3d==\","
		    "  \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": \"b\"}}],"
		    "  \"stream\": {\"plain\": true}},"
		    " {\"thinking\": \"And c.\","
		    "  \"tool_calls\": [{\"name\": \"read_file\", \"input\": {\"path\": \"c\"}}],"
		    "  \"stream\": {\"chunk\": 1}},"
		    " {\"thinking\": \"All read.\", \"text\": \"Done.\"}]",
		    NULL)) {
		ok(false, "thinking: mockllm started");
		return;
	}
	struct claw_llm_client_params p = {
		.agent = CLAW_AGENT_ANTHROPIC,
		.base_url = m.base,
		.connect_timeout_ms = 2000,
		.timeout_ms = 10000,
		.thinking_tokens = 2048,
	};
	if (claw_llm_client_new(&p, &c, &err) != CLAW_OK) {
		ok(false, "thinking: client: %s", err.msg);
		mock_stop(&m);
		return;
	}
	struct claw_llm_conv *conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, "Read a, b and c.");
	struct claw_llm_request req = {
		.model = "claude-sonnet-4-5",
		.conv = conv,
		.tools = tools,
		.n_tools = 1,
		.max_tokens = 1000,
		.temperature = 0.2,
		.has_temperature = true,
	};
	claw_llm_response_init(&r);
	for (int turn = 1; turn <= 4; turn++) {
		enum claw_err rc = claw_llm_send(c, &req, &r, NULL, NULL, &err);
		is_int(rc, CLAW_OK, "thinking: turn %d answered%s%s", turn,
		       rc != CLAW_OK ? ": " : "", rc != CLAW_OK ? err.msg : "");
		if (rc != CLAW_OK)
			break;
		struct claw_llm_msg *a = claw_llm_response_take(&r);
		const struct claw_llm_block *b0 = claw_llm_msg_block(a, 0);
		ok(b0 != NULL && b0->type == CLAW_LLM_THINKING && b0->signature[0] != '\0',
		   "thinking: turn %d begins with signed thinking", turn);
		bool calls = claw_llm_msg_tool_uses(a) > 0;
		claw_llm_conv_push(conv, a);
		if (calls)
			claw_llm_conv_push(conv, answer_tools(a, "contents"));
	}
	char *thinking = claw_llm_msg_thinking(claw_llm_conv_at(conv, 3));
	is_str(thinking, "Now read b.\n[redacted]",
	       "thinking: the text of a turn, redacted shown so");
	free(thinking);
	is_int(log_lines(&m), 4, "thinking: four requests, none refused");
	struct json_object *l1 = log_line(&m, 0), *l4 = log_line(&m, 3);
	is_str(jstr(l1, "body.thinking.type"), "enabled", "thinking: asked for");
	is_str(jstr(l1, "body.thinking.budget_tokens"), "2048", "with its budget");
	is_str(jstr(l1, "body.max_tokens"), "3048", "max_tokens: the answer's and the budget");
	ok(jget(l1, "body.temperature") == NULL, "no temperature with thinking");
	is_str(jstr(l4, "body.messages.1.content.0.thinking"), "First, list the files. caf\xc3\xa9",
	       "turn 4 carries turn 1's thinking back");
	is_str(jstr(l4, "body.messages.3.content.1.type"), "redacted_thinking",
	       "and turn 2's redacted block");
	is_str(jstr(l4, "body.messages.3.content.1.data"), "EncRypt3d==", "as it came");
	json_object_put(l1);
	json_object_put(l4);

	/* The checkpoint keeps them: the conversation read back sends the same. */
	struct claw_buf cp = CLAW_BUF_INIT(1u << 20);
	struct claw_llm_conv *back = NULL;
	(void)claw_llm_messages_to_json(conv, &cp);
	is_int(claw_llm_messages_from_json(claw_buf_str(&cp), claw_buf_len(&cp), &back, &err),
	       CLAW_OK, "thinking: the checkpoint reads back");
	struct claw_buf cp2 = CLAW_BUF_INIT(1u << 20);
	if (back != NULL)
		(void)claw_llm_messages_to_json(back, &cp2);
	is_str(claw_buf_str(&cp2), claw_buf_str(&cp), "thinking: and writes the same");
	claw_llm_conv_free(back);
	claw_buf_free(&cp);
	claw_buf_free(&cp2);

	/* A history whose thinking was altered is refused, as the API does. */
	claw_llm_conv_free(conv);
	conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, "Again.");
	struct claw_llm_msg *forged = claw_llm_msg_new(CLAW_LLM_ASSISTANT);
	claw_llm_msg_add_thinking(forged, "edited", 6, "mocksig-0000000000000000");
	claw_llm_msg_add_tool_use(forged, "t1", "read_file", NULL);
	claw_llm_conv_push(conv, forged);
	claw_llm_conv_push(conv, answer_tools(forged, "x"));
	req.conv = conv;
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_EBACKEND,
	       "thinking: an altered block is refused");
	ok(strstr(err.msg, "Invalid `signature`") != NULL, "and the message says why: %s", err.msg);
	claw_llm_response_clear(&r);
	claw_llm_conv_free(conv);
	claw_llm_client_free(c);
	mock_stop(&m);
}

/* OpenAI: reasoning_effort is sent when set; a compatible server's
 * reasoning_content (plain and streamed) is kept as thinking, shown live as
 * thinking, and sent back on the message that called tools. */
static void
test_reasoning(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct claw_llm_client *c = NULL;
	struct seen lv = {.in_order = true,
			  .text = CLAW_BUF_INIT(1u << 20),
			  .thinking = CLAW_BUF_INIT(1u << 20)};

	if (!mock_start(&m,
			"[{\"thinking\": \"Look at a.\", \"tool_calls\": [{\"name\": \"read_file\","
			"  \"input\": {\"path\": \"a\"}}], \"stream\": {\"chunk\": 2}},"
			" {\"thinking\": \"Enough.\", \"text\": \"Done.\", \"stream\": {\"plain\": "
			"true}}]",
			NULL)) {
		ok(false, "reasoning: mockllm started");
		return;
	}
	char base[256];
	(void)snprintf(base, sizeof base, "%s/v1", m.base);
	struct claw_llm_client_params p = {
		.agent = CLAW_AGENT_OPENAI,
		.base_url = base,
		.timeout_ms = 10000,
		.reasoning_effort = "high",
	};
	if (claw_llm_client_new(&p, &c, &err) != CLAW_OK) {
		ok(false, "reasoning: client: %s", err.msg);
		mock_stop(&m);
		return;
	}
	claw_llm_client_set_live(c, on_live, &lv);
	struct claw_llm_conv *conv = claw_llm_conv_new();
	claw_llm_conv_add_user_text(conv, "Read a.");
	struct claw_llm_request req = {
		.model = "deepseek-reasoner", .conv = conv, .tools = tools, .n_tools = 1};
	claw_llm_response_init(&r);
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_OK,
	       "reasoning: turn 1 (streamed)");
	char *t = r.msg != NULL ? claw_llm_msg_thinking(r.msg) : claw_xstrdup("");
	is_str(t, "Look at a.", "reasoning: kept as thinking");
	free(t);
	is_str(claw_buf_str(&lv.thinking), "Look at a.", "reasoning: shown live as thinking");
	ok(lv.in_order, "reasoning: in order");
	struct claw_llm_msg *a = claw_llm_response_take(&r);
	claw_llm_conv_push(conv, a);
	claw_llm_conv_push(conv, answer_tools(a, "contents"));
	is_int(claw_llm_send(c, &req, &r, NULL, NULL, &err), CLAW_OK, "reasoning: turn 2 (plain)");
	t = r.msg != NULL ? claw_llm_msg_thinking(r.msg) : claw_xstrdup("");
	is_str(t, "Enough.", "reasoning: plain reply's too");
	free(t);
	struct json_object *l1 = log_line(&m, 0), *l2 = log_line(&m, 1);
	is_str(jstr(l1, "body.reasoning_effort"), "high", "reasoning_effort sent");
	is_str(jstr(l2, "body.messages.1.reasoning_content"), "Look at a.",
	       "reasoning: sent back on the message that called tools, as DeepSeek wants");
	json_object_put(l1);
	json_object_put(l2);
	claw_llm_response_clear(&r);
	claw_buf_free(&lv.text);
	claw_buf_free(&lv.thinking);
	claw_llm_conv_free(conv);
	claw_llm_client_free(c);
	mock_stop(&m);
}

static void
test_refusals(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct retries rt = {0};

	if (!mock_start(
		    &m,
		    "[{\"fault\": {\"status\": 400, \"message\": \"prompt is too long: 215304"
		    " tokens > 200000 maximum\"}},"
		    " {\"fault\": {\"status\": 429, \"retry_after\": \"120\"}},"
		    " {\"fault\": {\"status\": 400, \"type\": \"invalid_request_error\","
		    " \"message\": \"Your credit balance is too low\"}},"
		    " {\"fault\": {\"status\": 403, \"message\": \"key sk-test-0123456789abcdef "
		    "is not allowed\"}}]",
		    NULL)) {
		ok(false, "refusals: mockllm started");
		return;
	}
	struct claw_llm_client *c = client_for(&m, CLAW_AGENT_ANTHROPIC, "", key, &fast, 0, 0);
	claw_llm_response_init(&r);
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_EBACKEND, "context length fails at once");
	is_int(r.fault, CLAW_RETRY_CONTEXT, "class context_length");
	is_int(r.attempts, 1, "no retry");
	is_int(rt.n, 0, "no wait");
	has_str(err.msg, "prompt is too long: 215304 tokens", "provider message kept");

	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_EBACKEND, "retry-after of 2 min: give up");
	is_int(r.fault, CLAW_RETRY_RATE_LIMIT, "class rate_limit");
	is_int(rt.n, 0, "no wait reported");
	has_str(err.msg, "retry-after 120 s is over 60 s", "says why");

	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_EBACKEND, "quota fails at once");
	is_int(r.fault, CLAW_RETRY_QUOTA, "class quota");

	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_EBACKEND, "403 fails at once");
	is_int(r.fault, CLAW_RETRY_AUTH, "class auth");
	ok(strstr(err.msg, key) == NULL, "an echoed key is scrubbed: %s", err.msg);
	has_str(err.msg, "[redacted]", "and marked");
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	mock_stop(&m);

	/* A wrong key against a server that checks it. */
	if (!mock_start(&m, "[{\"text\": \"never\"}]", key)) {
		ok(false, "auth: mockllm started");
		return;
	}
	c = client_for(&m, CLAW_AGENT_OPENAI, "", "sk-wrong-key-000000", &fast, 0, 0);
	is_int(ask(c, "gpt-4o", "x", &r, &rt, &err), CLAW_EBACKEND, "wrong key: auth error");
	is_int(r.fault, CLAW_RETRY_AUTH, "class auth");
	is_int(r.status, 401, "HTTP 401");
	has_str(err.msg, "openai: authentication failed (HTTP 401): Incorrect API key",
		"message for people");
	ok(strstr(err.msg, "sk-wrong") == NULL, "no key in the message");
	claw_llm_client_free(c);

	/* No key at all: no auth header (local servers). */
	c = client_for(&m, CLAW_AGENT_OPENAI, "", NULL, &fast, 0, 0);
	ask(c, "llama3", "x", &r, NULL, &err);
	struct json_object *l = log_line(&m, 1);
	is_str(jstr(l, "auth"), "none", "no key: no Authorization header");
	json_object_put(l);
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	mock_stop(&m);
}

static int
cancel_after(void *ctx)
{
	return claw_clock_mono_ms() >= *(int64_t *)ctx;
}

static void
test_limits(void)
{
	struct mock m;
	struct claw_error err;
	struct claw_llm_response r;
	struct claw_retry_policy once = {1, 10, 100, 0, 60000};

	if (!mock_start(&m,
			"[{\"text\": \"big\", \"filler\": 5000},"
			" {\"hang\": true, \"hang_ms\": 5000},"
			" {\"hang\": true, \"hang_ms\": 5000},"
			" {\"delay_ms\": 3000, \"text\": \"slow\"}]",
			NULL)) {
		ok(false, "limits: mockllm started");
		return;
	}
	struct claw_llm_client *c =
		client_for(&m, CLAW_AGENT_ANTHROPIC, "", NULL, &once, 400, 1024);
	claw_llm_response_init(&r);
	is_int(ask(c, "m", "x", &r, NULL, &err), CLAW_ETOOBIG, "reply over the cap");
	has_str(err.msg, "response body over 1024 bytes", "clear message");
	is_int(r.attempts, 1, "not retried");

	int64_t t0 = claw_clock_mono_ms();
	is_int(ask(c, "m", "x", &r, NULL, &err), CLAW_ENET, "a hanging server times out");
	int64_t took = claw_clock_mono_ms() - t0;
	ok(took >= 350 && took < 3000, "after the total timeout (%lld ms)", (long long)took);
	is_int(r.fault, CLAW_RETRY_TRANSPORT, "class transport");
	has_str(err.msg, "timed out", "says so");
	claw_llm_client_free(c);

	/* Cancelled mid-transfer. */
	c = client_for(&m, CLAW_AGENT_ANTHROPIC, "", NULL, &once, 10000, 0);
	int64_t deadline = claw_clock_mono_ms() + 300;
	claw_llm_client_set_cancel(c, cancel_after, &deadline);
	t0 = claw_clock_mono_ms();
	is_int(ask(c, "m", "x", &r, NULL, &err), CLAW_ESTOPPED, "cancel stops a hanging call");
	ok(claw_clock_mono_ms() - t0 < 2000, "promptly");
	/* Cancelled during a retry wait. */
	claw_llm_client_free(c);
	mock_stop(&m);

	/* Nobody listening: transport errors, retried, then given up. */
	struct mock dead = m;
	c = client_for(&dead, CLAW_AGENT_OPENAI, "", NULL, &fast, 1000, 0);
	struct retries rt = {0};
	is_int(ask(c, "m", "x", &r, &rt, &err), CLAW_ENET, "connection refused");
	is_int(rt.n, 3, "retried three times");
	is_int(rt.last.fault, CLAW_RETRY_TRANSPORT, "as transport errors");
	has_str(err.msg, "gave up after 4 attempts", "then gave up");
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
}

struct job {
	const struct mock *m;
	int n;
	char got[64];
	enum claw_err rc;
};

static void *
job_main(void *arg)
{
	struct job *j = arg;
	struct claw_llm_response r;
	struct claw_error err;
	char text[64];
	struct claw_llm_client *c = client_for(j->m, CLAW_AGENT_OPENAI, "", NULL, &fast, 0, 0);
	(void)snprintf(text, sizeof text, "this is job-%d speaking", j->n);
	claw_llm_response_init(&r);
	j->rc = ask(c, "gpt-4o", text, &r, NULL, &err);
	char *t = r.msg != NULL ? claw_llm_msg_text(r.msg) : claw_xstrdup("");
	(void)snprintf(j->got, sizeof j->got, "%s", t);
	free(t);
	claw_llm_response_clear(&r);
	claw_llm_client_free(c);
	return NULL;
}

static void
test_concurrent(void)
{
	enum { JOBS = 4 };
	struct mock m;
	struct claw_buf sc = CLAW_BUF_INIT(1 << 16);
	claw_buf_puts(&sc, "[");
	for (int i = JOBS - 1; i >= 0; i--)
		claw_buf_printf(&sc,
				"%s{\"match\": {\"user\": \"job-%d\"}, \"delay_ms\": 400,"
				" \"text\": \"answer-%d\"}",
				i == JOBS - 1 ? "" : ",", i, i);
	claw_buf_puts(&sc, "]");
	if (!mock_start(&m, claw_buf_str(&sc), NULL)) {
		ok(false, "concurrent: mockllm started");
		claw_buf_free(&sc);
		return;
	}
	struct job jobs[JOBS];
	pthread_t t[JOBS];
	int64_t t0 = claw_clock_mono_ms();
	for (int i = 0; i < JOBS; i++) {
		jobs[i] = (struct job){&m, i, "", CLAW_OK};
		pthread_create(&t[i], NULL, job_main, &jobs[i]);
	}
	for (int i = 0; i < JOBS; i++)
		pthread_join(t[i], NULL);
	int64_t took = claw_clock_mono_ms() - t0;
	for (int i = 0; i < JOBS; i++) {
		char want[32];
		(void)snprintf(want, sizeof want, "answer-%d", i);
		is_int(jobs[i].rc, CLAW_OK, "job %d succeeded", i);
		is_str(jobs[i].got, want, "job %d got its own reply (matched by user text)", i);
	}
	ok(took < JOBS * 400, "served concurrently (%lld ms for %d x 400 ms)", (long long)took,
	   JOBS);
	claw_buf_free(&sc);
	mock_stop(&m);
}

static void
test_url_for_message(void)
{
	char out[128];
	claw_http_url_for_message("https://user:pw@example.com/v1?x=1", out, sizeof out);
	is_str(out, "https://example.com/v1?x=1", "credentials dropped from URLs in messages");
	claw_http_url_for_message("http://127.0.0.1:9/v1/messages", out, sizeof out);
	is_str(out, "http://127.0.0.1:9/v1/messages", "plain URL kept");

	struct claw_llm_client *c = NULL;
	struct claw_error err;
	struct claw_llm_client_params p = {.agent = CLAW_AGENT_OPENAI, .base_url = "ftp://x"};
	is_int(claw_llm_client_new(&p, &c, &err), CLAW_ECONFIG, "non-HTTP base URL refused");
	p = (struct claw_llm_client_params){.agent = CLAW_AGENT_ANTHROPIC, .api_key = "a b"};
	is_int(claw_llm_client_new(&p, &c, &err), CLAW_ECONFIG, "key with a space refused");
	ok(strstr(err.msg, "a b") == NULL, "without quoting the key");
	p = (struct claw_llm_client_params){.agent = CLAW_AGENT_OPENAI};
	is_int(claw_llm_client_new(&p, &c, &err), CLAW_OK, "defaults");
	is_str(claw_llm_client_url(c), "https://api.openai.com/v1/chat/completions",
	       "OpenAI default endpoint");
	claw_llm_client_free(c);
}

int
main(int argc, char **argv)
{
	(void)argc;
	if (!mock_init(argv[0]))
		return tap_done();
	test_url_for_message();
	test_anthropic_tool_use();
	test_openai_tool_use();
	test_anthropic_cache();
	test_openai_cache_key();
	test_retry_429();
	test_transient_faults();
	test_streaming(CLAW_AGENT_ANTHROPIC);
	test_streaming(CLAW_AGENT_OPENAI);
	test_live(CLAW_AGENT_ANTHROPIC);
	test_live(CLAW_AGENT_OPENAI);
	test_thinking();
	test_reasoning();
	test_refusals();
	test_limits();
	test_concurrent();
	return tap_done();
}
