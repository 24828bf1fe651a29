/*
 * config — settings from the environment and claw.env.  See config.h.
 *
 * Loading runs in three steps: collect the raw text of every known key
 * (environment first, then claw.env for the keys still unset), then
 * validate and convert each one into the struct, then derive what depends on
 * several keys (the API key and base URL depend on CLAW_AGENT).  Raw values
 * are copies that are wiped when freed, since some are API keys.
 */
#include "base/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* environ (_GNU_SOURCE) */

#include "base/envfile.h"
#include "base/mem.h"
#include "base/str.h"

/* Values quoted in messages are clipped to this many bytes. */
#define CONFIG_VALUE_CLIP 64

enum key_id {
	K_HOME,
	K_AGENT,
	K_MODEL,
	K_BASE_URL,
	K_ANTHROPIC_API_KEY,
	K_OPENAI_API_KEY,
	K_CLAW_API_KEY,
	K_ROLE_FIRST, /* CLAW_AGENT_<ROLE>, in enum claw_role order */
	K_ROLE_LAST = K_ROLE_FIRST + CLAW_ROLE_COUNT - 1,
	K_BUDGET_TOKENS,
	K_BUDGET_SECONDS,
	K_BUDGET_USD,
	K_TURN_TOKENS,
	K_TURN_SECONDS,
	K_MAX_RUNS,
	K_TOOL_TIMEOUT_MS,
	K_TOOL_MEMORY_MB,
	K_STEP_TURNS,
	K_STOP_GRACE_S,
	K_PROMPT_CACHE,
	K_PROMPT_CACHE_KEY,
	K_CONTEXT_TOKENS,
	K_SANDBOX,
	K_SANDBOX_NET,
	K_AUTO_APPROVE,
	K_AUTO_MERGE,
	K_DEMO,
	K_PRICING_FILE,
	K_NO_COLOR,
	K_PROJECT,
	K_GIT_AUTHOR,
	K_WEBHOOK_URL,
	K_WEBHOOK_FORMAT,
	K_PUBLIC_URL,
	K_STREAM,
	K_STREAM_IDLE_S,
	K_IO_URING,
	K_THINKING_TOKENS,
	K_REASONING_EFFORT,
	K_COUNT
};

static const char *const key_names[] = {
	[K_HOME] = "CLAW_HOME",
	[K_AGENT] = "CLAW_AGENT",
	[K_MODEL] = "CLAW_MODEL",
	[K_BASE_URL] = "CLAW_BASE_URL",
	[K_ANTHROPIC_API_KEY] = "ANTHROPIC_API_KEY",
	[K_OPENAI_API_KEY] = "OPENAI_API_KEY",
	[K_CLAW_API_KEY] = "CLAW_API_KEY",
	[K_ROLE_FIRST + CLAW_ROLE_WORKER] = "CLAW_AGENT_WORKER",
	[K_ROLE_FIRST + CLAW_ROLE_WORKER_SMART] = "CLAW_AGENT_WORKER_SMART",
	[K_ROLE_FIRST + CLAW_ROLE_REVIEWER] = "CLAW_AGENT_REVIEWER",
	[K_ROLE_FIRST + CLAW_ROLE_SUPERVISOR] = "CLAW_AGENT_SUPERVISOR",
	[K_ROLE_FIRST + CLAW_ROLE_SUPERVISOR_SMART] = "CLAW_AGENT_SUPERVISOR_SMART",
	[K_ROLE_FIRST + CLAW_ROLE_PLANNER] = "CLAW_AGENT_PLANNER",
	[K_BUDGET_TOKENS] = "CLAW_BUDGET_TOKENS",
	[K_BUDGET_SECONDS] = "CLAW_BUDGET_SECONDS",
	[K_BUDGET_USD] = "CLAW_BUDGET_USD",
	[K_TURN_TOKENS] = "CLAW_TURN_TOKENS",
	[K_TURN_SECONDS] = "CLAW_TURN_SECONDS",
	[K_MAX_RUNS] = "CLAW_MAX_RUNS",
	[K_TOOL_TIMEOUT_MS] = "CLAW_TOOL_TIMEOUT_MS",
	[K_TOOL_MEMORY_MB] = "CLAW_TOOL_MEMORY_MB",
	[K_STEP_TURNS] = "CLAW_STEP_TURNS",
	[K_STOP_GRACE_S] = "CLAW_STOP_GRACE_S",
	[K_PROMPT_CACHE] = "CLAW_PROMPT_CACHE",
	[K_PROMPT_CACHE_KEY] = "CLAW_PROMPT_CACHE_KEY",
	[K_CONTEXT_TOKENS] = "CLAW_CONTEXT_TOKENS",
	[K_SANDBOX] = "CLAW_SANDBOX",
	[K_SANDBOX_NET] = "CLAW_SANDBOX_NET",
	[K_AUTO_APPROVE] = "CLAW_AUTO_APPROVE",
	[K_AUTO_MERGE] = "CLAW_AUTO_MERGE",
	[K_DEMO] = "CLAW_DEMO",
	[K_PRICING_FILE] = "CLAW_PRICING_FILE",
	[K_NO_COLOR] = "NO_COLOR",
	[K_PROJECT] = "CLAW_PROJECT",
	[K_GIT_AUTHOR] = "CLAW_GIT_AUTHOR",
	[K_WEBHOOK_URL] = "CLAW_WEBHOOK_URL",
	[K_WEBHOOK_FORMAT] = "CLAW_WEBHOOK_FORMAT",
	[K_PUBLIC_URL] = "CLAW_PUBLIC_URL",
	[K_STREAM] = "CLAW_STREAM",
	[K_STREAM_IDLE_S] = "CLAW_STREAM_IDLE_S",
	[K_IO_URING] = "CLAW_IO_URING",
	[K_THINKING_TOKENS] = "CLAW_THINKING_TOKENS",
	[K_REASONING_EFFORT] = "CLAW_REASONING_EFFORT",
};
_Static_assert(sizeof key_names / sizeof key_names[0] == K_COUNT, "every key needs a name");

static const char *const role_names[] = {
	[CLAW_ROLE_WORKER] = "worker",
	[CLAW_ROLE_WORKER_SMART] = "worker-smart",
	[CLAW_ROLE_REVIEWER] = "reviewer",
	[CLAW_ROLE_SUPERVISOR] = "supervisor",
	[CLAW_ROLE_SUPERVISOR_SMART] = "supervisor-smart",
	[CLAW_ROLE_PLANNER] = "planner",
};
_Static_assert(sizeof role_names / sizeof role_names[0] == CLAW_ROLE_COUNT,
	       "every role needs a name");

/* The raw text of one key and where it came from. */
struct raw {
	char *value;   /* owned copy, wiped on free; NULL = unset */
	unsigned line; /* line in claw.env; 0 = the environment */
};

struct loader {
	struct raw raw[K_COUNT];
	const char *env_file; /* for messages */
};

static void
raw_clear(struct raw *r)
{
	if (r->value != NULL) {
		explicit_bzero(r->value, strlen(r->value));
		free(r->value);
	}
	r->value = NULL;
	r->line = 0;
}

static int
key_lookup(struct claw_str name)
{
	for (int k = 0; k < K_COUNT; k++)
		if (claw_str_eq_cstr(name, key_names[k]))
			return k;
	return -1;
}

/* The value of name in envp, or NULL. */
static const char *
env_get(const char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* value quoted for a message: printable ASCII kept, others '?', clipped. */
static void
quote_value(char *dst, size_t size, const char *v)
{
	size_t o = 0, i = 0;
	if (size < 8) {
		dst[0] = '\0';
		return;
	}
	dst[o++] = '"';
	for (; i < CONFIG_VALUE_CLIP && v[i] != '\0' && o + 5 < size; i++)
		dst[o++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	dst[o++] = '"';
	if (v[i] != '\0') {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* Adds "<file>:<line>" to err when the value came from claw.env. */
static enum claw_err
from_where(const struct loader *ld, int k, enum claw_err rc, struct claw_error *err)
{
	if (rc != CLAW_OK && ld->raw[k].line != 0)
		claw_error_prefix(err, "%s:%u", ld->env_file, ld->raw[k].line);
	return rc;
}

static enum claw_err
on_file_pair(void *ctx, struct claw_str key, struct claw_str value, unsigned line,
	     struct claw_error *err)
{
	struct loader *ld = ctx;
	int k = key_lookup(key);

	if (k < 0) {
		if (claw_str_starts_with(key, "CLAW_"))
			return claw_error_set(
				err, CLAW_ECONFIG, "unknown key %.*s",
				(int)(key.n < CONFIG_VALUE_CLIP ? key.n : CONFIG_VALUE_CLIP),
				key.p);
		return CLAW_OK;
	}
	if (k == K_HOME)
		return claw_error_set(err, CLAW_ECONFIG,
				      "CLAW_HOME cannot be set in claw.env (it says where "
				      "claw.env is); set it in the environment");
	if (ld->raw[k].value != NULL && ld->raw[k].line == 0)
		return CLAW_OK; /* the environment wins */
	raw_clear(&ld->raw[k]);
	if (value.n == 0)
		return CLAW_OK; /* empty = unset; a later line may still set it */
	ld->raw[k].value = claw_str_dup(value);
	ld->raw[k].line = line;
	return CLAW_OK;
}

/* Length of the absolute path p without its trailing slashes ("/" → 0,
 * so that "/" + "/claw" does not double the slash). */
static size_t
base_len(const char *p)
{
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	return n;
}

/* Finds claw's home: CLAW_HOME, $XDG_DATA_HOME/claw, ~/.local/share/claw. */
static enum claw_err
find_home(const struct loader *ld, const char *const *envp, char **out, struct claw_error *err)
{
	const char *home = ld->raw[K_HOME].value;
	const char *xdg = env_get(envp, "XDG_DATA_HOME");
	const char *user = env_get(envp, "HOME");
	char *h;

	if (home != NULL) {
		if (home[0] != '/') {
			char q[CONFIG_VALUE_CLIP + 8];
			quote_value(q, sizeof q, home);
			return claw_error_set(err, CLAW_ECONFIG,
					      "CLAW_HOME must be an absolute path, got %s", q);
		}
		h = claw_xstrdup(home);
	} else if (xdg != NULL && xdg[0] == '/') { /* XDG: relative ones are ignored */
		h = claw_xasprintf("%.*s/claw", (int)base_len(xdg), xdg);
	} else if (user != NULL && user[0] == '/') {
		h = claw_xasprintf("%.*s/.local/share/claw", (int)base_len(user), user);
	} else {
		return claw_error_set(err, CLAW_ECONFIG,
				      "cannot find claw's home: set CLAW_HOME (or HOME)");
	}
	size_t n = base_len(h);
	h[n > 0 ? n : 1] = '\0'; /* CLAW_HOME=/ stays "/" */
	*out = h;
	return CLAW_OK;
}

/* Strict integer in [min, max]; the message names the lower bound. */
static enum claw_err
set_int(const struct loader *ld, int k, int64_t min, int64_t max, int64_t *out,
	struct claw_error *err)
{
	const char *v = ld->raw[k].value;
	int64_t x;
	char q[CONFIG_VALUE_CLIP + 8];
	enum claw_err rc;

	if (v == NULL)
		return CLAW_OK;
	rc = claw_str_to_i64(claw_str_from(v), INT64_MIN, INT64_MAX, &x);
	quote_value(q, sizeof q, v);
	if ((rc != CLAW_OK || x < min) && min > 1)
		rc = claw_error_set(err, CLAW_ECONFIG,
				    "%s must be an integer of at least %lld, got %s", key_names[k],
				    (long long)min, q);
	else if (rc != CLAW_OK || x < min)
		rc = claw_error_set(err, CLAW_ECONFIG, "%s must be a %s integer, got %s",
				    key_names[k], min > 0 ? "positive" : "non-negative", q);
	else if (x > max)
		rc = claw_error_set(err, CLAW_ECONFIG, "%s must be at most %lld, got %s",
				    key_names[k], (long long)max, q);
	else
		*out = x;
	return from_where(ld, k, rc, err);
}

/* Dollars with up to six decimals ("2", "0.25") as micro-dollars. */
static enum claw_err
set_usd(const struct loader *ld, int k, int64_t *out, struct claw_error *err)
{
	const char *v = ld->raw[k].value;
	struct claw_str rest, whole;
	int64_t dollars = 0, frac = 0;
	bool okay;

	if (v == NULL)
		return CLAW_OK;
	rest = claw_str_from(v);
	whole = claw_str_cut(&rest, '.');
	bool had_dot = whole.n != strlen(v);
	okay = whole.n > 0 && whole.p[0] >= '0' && whole.p[0] <= '9' &&
	       claw_str_to_i64(whole, 0, INT64_MAX / 1000000 - 1, &dollars) == CLAW_OK;
	if (okay && had_dot) {
		okay = rest.n >= 1 && rest.n <= 6 && rest.p[0] >= '0' && rest.p[0] <= '9' &&
		       claw_str_to_i64(rest, 0, 999999, &frac) == CLAW_OK;
		for (size_t i = rest.n; okay && i < 6; i++)
			frac *= 10;
	}
	if (!okay) {
		char q[CONFIG_VALUE_CLIP + 8];
		quote_value(q, sizeof q, v);
		return from_where(ld, k,
				  claw_error_set(err, CLAW_ECONFIG,
						 "%s must be an amount in dollars (at most 6 "
						 "decimals), got %s",
						 key_names[k], q),
				  err);
	}
	*out = dollars * 1000000 + frac;
	return CLAW_OK;
}

static enum claw_err
set_bool(const struct loader *ld, int k, bool *out, struct claw_error *err)
{
	static const char *const yes[] = {"1", "true", "yes", "on", NULL};
	static const char *const no[] = {"0", "false", "no", "off", NULL};
	const char *v = ld->raw[k].value;

	if (v == NULL)
		return CLAW_OK;
	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return CLAW_OK;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return CLAW_OK;
		}
	}
	char q[CONFIG_VALUE_CLIP + 8];
	quote_value(q, sizeof q, v);
	return from_where(
		ld, k,
		claw_error_set(err, CLAW_ECONFIG, "%s must be 0 or 1, got %s", key_names[k], q),
		err);
}

/* One of names[] (NULL-terminated); *out is its index. */
static enum claw_err
set_enum(const struct loader *ld, int k, const char *const *names, const char *expect, int *out,
	 struct claw_error *err)
{
	const char *v = ld->raw[k].value;

	if (v == NULL)
		return CLAW_OK;
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return CLAW_OK;
		}
	}
	char q[CONFIG_VALUE_CLIP + 8];
	quote_value(q, sizeof q, v);
	return from_where(
		ld, k,
		claw_error_set(err, CLAW_ECONFIG, "%s must be %s, got %s", key_names[k], expect, q),
		err);
}

/* CLAW_THINKING_TOKENS (0, or a budget the API accepts) and
 * CLAW_REASONING_EFFORT (one of OpenAI's words; "" is unset). */
static enum claw_err
set_thinking(const struct loader *ld, struct claw_config *cfg, struct claw_error *err)
{
	static const char *const efforts[] = {"",       "none", "minimal", "low",
					      "medium", "high", "xhigh",   NULL};
	char q[CONFIG_VALUE_CLIP + 8];
	int e = 0;
	enum claw_err rc = set_int(ld, K_THINKING_TOKENS, 0, CLAW_CONFIG_THINKING_TOKENS_MAX,
				   &cfg->thinking_tokens, err);

	if (rc == CLAW_OK && cfg->thinking_tokens > 0 &&
	    cfg->thinking_tokens < CLAW_CONFIG_THINKING_TOKENS_MIN) {
		quote_value(q, sizeof q, ld->raw[K_THINKING_TOKENS].value);
		rc = from_where(ld, K_THINKING_TOKENS,
				claw_error_set(err, CLAW_ECONFIG,
					       "%s must be 0 (off) or at least %d, got %s",
					       key_names[K_THINKING_TOKENS],
					       CLAW_CONFIG_THINKING_TOKENS_MIN, q),
				err);
	}
	if (rc == CLAW_OK)
		rc = set_enum(ld, K_REASONING_EFFORT, efforts,
			      "none, minimal, low, medium, high or xhigh", &e, err);
	if (rc == CLAW_OK)
		cfg->reasoning_effort = e > 0 ? efforts[e] : NULL;
	return rc;
}

/* Takes the raw string (NULL stays NULL). */
static char *
take(struct loader *ld, int k)
{
	char *v = ld->raw[k].value;
	ld->raw[k].value = NULL;
	return v;
}

/* An http:// or https:// URL without trailing slashes into *out (NULL when
 * unset). */
static enum claw_err
set_url(struct loader *ld, int k, char **out, struct claw_error *err)
{
	const char *v = ld->raw[k].value;

	*out = NULL;
	if (v == NULL)
		return CLAW_OK;
	struct claw_str s = claw_str_from(v);
	while (s.n > 0 && s.p[s.n - 1] == '/')
		s.n--;
	/* Checked without the trailing slashes: "http://" alone was "http:". */
	if (!(claw_str_starts_with(s, "http://") || claw_str_starts_with(s, "https://")) ||
	    strpbrk(v, " \t\r\n") != NULL) {
		char q[CONFIG_VALUE_CLIP + 8];
		quote_value(q, sizeof q, v);
		return from_where(ld, k,
				  claw_error_set(err, CLAW_ECONFIG,
						 "%s must be an http:// or https:// URL, got %s",
						 key_names[k], q),
				  err);
	}
	*out = claw_str_dup(s);
	return CLAW_OK;
}

static enum claw_err
set_base_url(struct claw_config *cfg, struct loader *ld, struct claw_error *err)
{
	const char *def = cfg->agent == CLAW_AGENT_OPENAI ? CLAW_CONFIG_OPENAI_URL
							  : CLAW_CONFIG_ANTHROPIC_URL;
	enum claw_err rc = set_url(ld, K_BASE_URL, &cfg->base_url, err);

	if (rc == CLAW_OK && cfg->base_url == NULL)
		cfg->base_url = claw_xstrdup(def);
	if (rc == CLAW_OK)
		cfg->base_url_is_default = strcmp(cfg->base_url, def) == 0;
	return rc;
}

/* Validates the raw values into cfg. */
static enum claw_err
apply(struct claw_config *cfg, struct loader *ld, struct claw_error *err)
{
	static const char *const agents[] = {
		[CLAW_AGENT_ANTHROPIC] = "anthropic", [CLAW_AGENT_OPENAI] = "openai", NULL};
	static const char *const sandboxes[] = {[CLAW_SANDBOX_AUTO] = "auto",
						[CLAW_SANDBOX_BWRAP] = "bwrap",
						[CLAW_SANDBOX_NONE] = "none",
						NULL};
	static const char *const webhook_formats[] = {
		[CLAW_WEBHOOK_JSON] = "json", [CLAW_WEBHOOK_SLACK] = "slack", NULL};
	enum claw_err rc;
	int e;

	e = CLAW_AGENT_ANTHROPIC;
	if ((rc = set_enum(ld, K_AGENT, agents, "anthropic or openai", &e, err)) != CLAW_OK)
		goto out;
	cfg->agent = (enum claw_agent_kind)e;
	e = CLAW_SANDBOX_AUTO;
	if ((rc = set_enum(ld, K_SANDBOX, sandboxes, "auto, bwrap or none", &e, err)) != CLAW_OK)
		goto out;
	cfg->sandbox = (enum claw_sandbox_mode)e;

	cfg->max_runs = CLAW_CONFIG_MAX_RUNS_DEFAULT;
	cfg->tool_timeout_ms = CLAW_CONFIG_TOOL_TIMEOUT_MS_DEFAULT;
	cfg->step_turns = CLAW_CONFIG_STEP_TURNS_DEFAULT;
	cfg->stop_grace_s = CLAW_CONFIG_STOP_GRACE_S_DEFAULT;
	cfg->prompt_cache = true;
	cfg->stream = true;
	cfg->io_uring = true;
	cfg->stream_idle_s = CLAW_CONFIG_STREAM_IDLE_S_DEFAULT;
	if ((rc = set_int(ld, K_BUDGET_TOKENS, 0, INT64_MAX, &cfg->budget_tokens, err)) !=
		    CLAW_OK ||
	    (rc = set_int(ld, K_BUDGET_SECONDS, 0, INT64_MAX, &cfg->budget_seconds, err)) !=
		    CLAW_OK ||
	    (rc = set_usd(ld, K_BUDGET_USD, &cfg->budget_usd_micros, err)) != CLAW_OK ||
	    (rc = set_int(ld, K_TURN_TOKENS, 0, INT64_MAX, &cfg->turn_tokens, err)) != CLAW_OK ||
	    (rc = set_int(ld, K_TURN_SECONDS, 0, INT64_MAX, &cfg->turn_seconds, err)) != CLAW_OK ||
	    (rc = set_int(ld, K_MAX_RUNS, 1, CLAW_CONFIG_MAX_RUNS_MAX, &cfg->max_runs, err)) !=
		    CLAW_OK ||
	    (rc = set_int(ld, K_TOOL_TIMEOUT_MS, 1, CLAW_CONFIG_TOOL_TIMEOUT_MS_MAX,
			  &cfg->tool_timeout_ms, err)) != CLAW_OK ||
	    (rc = set_int(ld, K_TOOL_MEMORY_MB, 1, CLAW_CONFIG_TOOL_MEMORY_MB_MAX,
			  &cfg->tool_memory_mb, err)) != CLAW_OK ||
	    (rc = set_int(ld, K_STEP_TURNS, 1, CLAW_CONFIG_STEP_TURNS_MAX, &cfg->step_turns,
			  err)) != CLAW_OK ||
	    (rc = set_int(ld, K_STOP_GRACE_S, 0, CLAW_CONFIG_STOP_GRACE_S_MAX, &cfg->stop_grace_s,
			  err)) != CLAW_OK ||
	    (rc = set_int(ld, K_CONTEXT_TOKENS, CLAW_CONFIG_CONTEXT_TOKENS_MIN,
			  CLAW_CONFIG_CONTEXT_TOKENS_MAX, &cfg->context_tokens, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_PROMPT_CACHE, &cfg->prompt_cache, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_PROMPT_CACHE_KEY, &cfg->prompt_cache_key, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_SANDBOX_NET, &cfg->sandbox_net, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_AUTO_APPROVE, &cfg->auto_approve, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_AUTO_MERGE, &cfg->auto_merge, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_DEMO, &cfg->demo, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_STREAM, &cfg->stream, err)) != CLAW_OK ||
	    (rc = set_bool(ld, K_IO_URING, &cfg->io_uring, err)) != CLAW_OK ||
	    (rc = set_int(ld, K_STREAM_IDLE_S, 1, CLAW_CONFIG_STREAM_IDLE_S_MAX,
			  &cfg->stream_idle_s, err)) != CLAW_OK ||
	    (rc = set_base_url(cfg, ld, err)) != CLAW_OK ||
	    (rc = set_url(ld, K_WEBHOOK_URL, &cfg->webhook_url, err)) != CLAW_OK ||
	    (rc = set_url(ld, K_PUBLIC_URL, &cfg->public_url, err)) != CLAW_OK)
		goto out;
	e = CLAW_WEBHOOK_JSON;
	if ((rc = set_enum(ld, K_WEBHOOK_FORMAT, webhook_formats, "json or slack", &e, err)) !=
	    CLAW_OK)
		goto out;
	cfg->webhook_format = (enum claw_webhook_format)e;
	if ((rc = set_thinking(ld, cfg, err)) != CLAW_OK)
		goto out;

	/* NO_COLOR (no-color.org): present and non-empty, whatever the value. */
	cfg->no_color = ld->raw[K_NO_COLOR].value != NULL;
	cfg->model = take(ld, K_MODEL);
	cfg->pricing_file = take(ld, K_PRICING_FILE);
	cfg->project = take(ld, K_PROJECT);
	cfg->git_author = take(ld, K_GIT_AUTHOR);
	for (int r = 0; r < CLAW_ROLE_COUNT; r++)
		cfg->role_model[r] = take(ld, K_ROLE_FIRST + r);

	int own = cfg->agent == CLAW_AGENT_OPENAI ? K_OPENAI_API_KEY : K_ANTHROPIC_API_KEY;
	int k = ld->raw[own].value != NULL ? own : K_CLAW_API_KEY;
	if (ld->raw[k].value != NULL) {
		cfg->api_key = take(ld, k);
		cfg->api_key_name = key_names[k];
	}
	rc = CLAW_OK;
out:
	return rc;
}

enum claw_err
claw_config_load_from(struct claw_config *cfg, const char *const *envp, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct loader ld;

	memset(cfg, 0, sizeof *cfg);
	memset(&ld, 0, sizeof ld);
	for (int k = 0; k < K_COUNT; k++) {
		const char *v = env_get(envp, key_names[k]);
		if (v != NULL && v[0] != '\0')
			ld.raw[k].value = claw_xstrdup(v);
	}
	if ((rc = find_home(&ld, envp, &cfg->home, err)) != CLAW_OK)
		goto out;
	cfg->env_file = claw_xasprintf("%.*s/%s", (int)base_len(cfg->home), cfg->home,
				       CLAW_CONFIG_ENV_FILE);
	ld.env_file = cfg->env_file;
	rc = claw_envfile_load(cfg->env_file, on_file_pair, &ld, err);
	if (rc == CLAW_ENOTFOUND) {
		claw_error_clear(err);
		rc = CLAW_OK;
	}
	if (rc != CLAW_OK)
		goto out;
	rc = apply(cfg, &ld, err);
out:
	for (int k = 0; k < K_COUNT; k++)
		raw_clear(&ld.raw[k]);
	if (rc != CLAW_OK)
		claw_config_free(cfg);
	return rc;
}

enum claw_err
claw_config_load(struct claw_config *cfg, struct claw_error *err)
{
	return claw_config_load_from(cfg, (const char *const *)environ, err);
}

void
claw_config_free(struct claw_config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->api_key != NULL)
		explicit_bzero(cfg->api_key, strlen(cfg->api_key));
	free(cfg->api_key);
	free(cfg->home);
	free(cfg->env_file);
	free(cfg->model);
	free(cfg->base_url);
	for (int r = 0; r < CLAW_ROLE_COUNT; r++)
		free(cfg->role_model[r]);
	free(cfg->pricing_file);
	free(cfg->project);
	free(cfg->git_author);
	free(cfg->webhook_url);
	free(cfg->public_url);
	memset(cfg, 0, sizeof *cfg);
}

enum claw_err
claw_config_require_agent(const struct claw_config *cfg, struct claw_error *err)
{
	bool local = cfg->agent == CLAW_AGENT_OPENAI && !cfg->base_url_is_default;

	if (cfg->api_key == NULL && !local)
		return claw_error_set(
			err, CLAW_ECONFIG, "missing API key: set %s (or CLAW_API_KEY)",
			cfg->agent == CLAW_AGENT_OPENAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY");
	if (cfg->model == NULL)
		return claw_error_set(err, CLAW_ECONFIG, "CLAW_MODEL is not set");
	return CLAW_OK;
}

const char *
claw_config_model_for_role(const struct claw_config *cfg, const char *role)
{
	for (int r = 0; role != NULL && r < CLAW_ROLE_COUNT; r++)
		if (strcmp(role, role_names[r]) == 0 && cfg->role_model[r] != NULL)
			return cfg->role_model[r];
	return cfg->model;
}

bool
claw_config_role_valid(const char *name)
{
	for (int r = 0; name != NULL && r < CLAW_ROLE_COUNT; r++)
		if (strcmp(name, role_names[r]) == 0)
			return true;
	return false;
}

const char *
claw_config_role_name(enum claw_role role)
{
	return (unsigned)role < CLAW_ROLE_COUNT ? role_names[role] : "?";
}

const char *
claw_config_agent_name(enum claw_agent_kind agent)
{
	return agent == CLAW_AGENT_OPENAI ? "openai" : "anthropic";
}

const char *
claw_config_sandbox_name(enum claw_sandbox_mode mode)
{
	switch (mode) {
	case CLAW_SANDBOX_AUTO:
		return "auto";
	case CLAW_SANDBOX_BWRAP:
		return "bwrap";
	case CLAW_SANDBOX_NONE:
		return "none";
	}
	return "?";
}
