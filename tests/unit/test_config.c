/*
 * test_config — defaults, environment over claw.env, validation messages,
 * API key choice and the agent check.  The environment is injected as an
 * array, so nothing here calls setenv.
 */
#include "base/config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static char home[4200];

static void
write_env(const char *text)
{
	char path[4300];
	(void)snprintf(path, sizeof path, "%s/claw.env", home);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t n = strlen(text);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void
remove_env(void)
{
	char path[4300];
	(void)snprintf(path, sizeof path, "%s/claw.env", home);
	(void)unlink(path);
}

/* Loads with envp plus CLAW_HOME=home; returns the message or "" on success. */
static const char *
load(struct claw_config *cfg, const char *const *extra, struct claw_error *e)
{
	static char home_var[4300];
	const char *envp[64];
	size_t n = 0;

	(void)snprintf(home_var, sizeof home_var, "CLAW_HOME=%s", home);
	envp[n++] = home_var;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
		envp[n++] = extra[i];
	envp[n] = NULL;
	claw_error_clear(e);
	return claw_config_load_from(cfg, envp, e) == CLAW_OK ? "" : e->msg;
}

static void
test_defaults(void)
{
	struct claw_config c;
	struct claw_error e;

	remove_env();
	is_str(load(&c, NULL, &e), "", "loads with nothing set and no claw.env");
	is_str(c.home, home, "home from CLAW_HOME");
	ok(strstr(c.env_file, "/claw.env") != NULL, "env_file %s", c.env_file);
	is_int(c.agent, CLAW_AGENT_ANTHROPIC, "agent anthropic");
	ok(c.model == NULL, "no model");
	is_str(c.base_url, CLAW_CONFIG_ANTHROPIC_URL, "anthropic URL");
	ok(c.base_url_is_default, "default URL");
	ok(c.api_key == NULL && c.api_key_name == NULL, "no key");
	for (int r = 0; r < CLAW_ROLE_COUNT; r++)
		ok(c.role_model[r] == NULL, "no model for role %d", r);
	is_int(c.budget_tokens, 0, "budget tokens");
	is_int(c.budget_seconds, 0, "budget seconds");
	is_int(c.budget_usd_micros, 0, "budget usd");
	is_int(c.turn_tokens, 0, "turn tokens");
	is_int(c.turn_seconds, 0, "turn seconds");
	is_int(c.max_runs, 4, "max runs");
	is_int(c.tool_timeout_ms, 300000, "tool timeout");
	is_int(c.sandbox, CLAW_SANDBOX_AUTO, "sandbox auto");
	ok(!c.sandbox_net && !c.auto_approve && !c.demo && !c.no_color, "flags off");
	ok(c.pricing_file == NULL && c.project == NULL, "no pricing file, no project");
	ok(c.prompt_cache && !c.prompt_cache_key,
	   "prompt caching on, the OpenAI key to OpenAI only");
	is_int(c.context_tokens, 0, "context from the price table");
	ok(c.thinking_tokens == 0 && c.reasoning_effort == NULL,
	   "no thinking asked: the providers' defaults");
	claw_config_free(&c);
	ok(c.home == NULL, "free zeroes");
	claw_config_free(&c); /* twice is fine */
	claw_config_free(NULL);
}

static void
test_home(void)
{
	struct claw_config c;
	struct claw_error e;

	const char *xdg[] = {"XDG_DATA_HOME=/x/data", "HOME=/home/u", NULL};
	is_int(claw_config_load_from(&c, xdg, &e), CLAW_OK, "XDG");
	is_str(c.home, "/x/data/claw", "home under XDG_DATA_HOME");
	is_str(c.env_file, "/x/data/claw/claw.env", "env file under it");
	claw_config_free(&c);

	const char *rel[] = {"XDG_DATA_HOME=rel", "HOME=/home/u/", NULL};
	is_int(claw_config_load_from(&c, rel, &e), CLAW_OK, "relative XDG");
	is_str(c.home, "/home/u/.local/share/claw", "relative XDG ignored, HOME used");
	claw_config_free(&c);

	const char *empty_xdg[] = {"XDG_DATA_HOME=", "HOME=/home/u", NULL};
	is_int(claw_config_load_from(&c, empty_xdg, &e), CLAW_OK, "empty XDG");
	is_str(c.home, "/home/u/.local/share/claw", "empty XDG ignored");
	claw_config_free(&c);

	const char *slash[] = {"CLAW_HOME=/srv/claw//", "HOME=/home/u", NULL};
	is_int(claw_config_load_from(&c, slash, &e), CLAW_OK, "CLAW_HOME with slashes");
	is_str(c.home, "/srv/claw", "trailing slashes dropped");
	claw_config_free(&c);

	const char *root[] = {"CLAW_HOME=/", NULL};
	is_int(claw_config_load_from(&c, root, &e), CLAW_OK, "CLAW_HOME=/");
	is_str(c.home, "/", "root stays root");
	is_str(c.env_file, "/claw.env", "env file under root");
	claw_config_free(&c);

	const char *relhome[] = {"CLAW_HOME=data/claw", NULL};
	is_int(claw_config_load_from(&c, relhome, &e), CLAW_ECONFIG, "relative CLAW_HOME");
	is_str(e.msg, "CLAW_HOME must be an absolute path, got \"data/claw\"",
	       "relative CLAW_HOME message");
	ok(c.home == NULL, "nothing held after an error");

	const char *nothing[] = {NULL};
	is_int(claw_config_load_from(&c, nothing, &e), CLAW_ECONFIG, "no home at all");
	is_str(e.msg, "cannot find claw's home: set CLAW_HOME (or HOME)", "no home message");
	is_int(claw_config_load_from(&c, NULL, &e), CLAW_ECONFIG, "NULL envp");

	const char *first[] = {"CLAW_HOME=/a", "CLAW_HOME=/b", NULL};
	is_int(claw_config_load_from(&c, first, &e), CLAW_OK, "duplicate variable");
	is_str(c.home, "/a", "first entry wins, as getenv");
	claw_config_free(&c);
}

static void
test_file_and_precedence(void)
{
	struct claw_config c;
	struct claw_error e;

	write_env("# claw settings\n"
		  "\n"
		  "export CLAW_MODEL='file-model'\n"
		  "CLAW_AGENT=\"openai\"\n"
		  "CLAW_MAX_RUNS=8   # eight\n"
		  "CLAW_AGENT_WORKER_SMART=smart-model\n"
		  "CLAW_SANDBOX=bwrap\n"
		  "OTHER_TOOL_SETTING=whatever\n"
		  "CLAW_BUDGET_USD=2.5\n"
		  "CLAW_PROJECT=\n");
	const char *env[] = {"CLAW_MODEL=env-model", "CLAW_SANDBOX=", "NO_COLOR=1", NULL};
	is_str(load(&c, env, &e), "", "loads");
	is_str(c.model, "env-model", "environment wins over the file");
	is_int(c.agent, CLAW_AGENT_OPENAI, "double-quoted value from the file");
	is_str(c.base_url, CLAW_CONFIG_OPENAI_URL, "openai default URL");
	is_int(c.max_runs, 8, "value with a comment");
	is_int(c.sandbox, CLAW_SANDBOX_BWRAP, "an empty environment value lets the file through");
	is_int(c.budget_usd_micros, 2500000, "2.5 dollars");
	ok(c.no_color, "NO_COLOR");
	ok(c.project == NULL, "empty value is unset");
	ok(c.webhook_url == NULL && c.public_url == NULL, "no webhook, no public URL");
	is_int(c.webhook_format, CLAW_WEBHOOK_JSON, "webhook format json by default");
	ok(c.stream, "streaming on by default");
	ok(c.io_uring, "io_uring on by default");
	is_str(claw_config_model_for_role(&c, "worker-smart"), "smart-model", "role model");
	is_str(claw_config_model_for_role(&c, "worker"), "env-model", "role falls back");
	is_str(claw_config_model_for_role(&c, "no-such-role"), "env-model", "unknown role");
	is_str(claw_config_model_for_role(&c, NULL), "env-model", "NULL role");
	claw_config_free(&c);

	write_env("CLAW_MODEL=a\nCLAW_MODEL=b\n");
	is_str(load(&c, NULL, &e), "", "repeated key");
	is_str(c.model, "b", "the last line wins");
	claw_config_free(&c);

	write_env("CLAW_MODEL=a\nCLAW_MODEL=\n");
	is_str(load(&c, NULL, &e), "", "emptied key");
	ok(c.model == NULL, "an empty later line unsets it");
	claw_config_free(&c);

	write_env("NO_COLOR=\nCLAW_AUTO_APPROVE=1\nCLAW_SANDBOX_NET=true\nCLAW_DEMO=yes\n");
	is_str(load(&c, NULL, &e), "", "bools");
	ok(!c.no_color, "empty NO_COLOR is unset");
	ok(c.auto_approve, "auto approve 1");
	ok(c.sandbox_net, "sandbox net true");
	ok(c.demo, "demo yes");
	claw_config_free(&c);
}

static void
test_file_errors(void)
{
	struct claw_config c;
	struct claw_error e;
	char want[4400];

	write_env("CLAW_MODEL=x\nthis is not a setting\n");
	(void)snprintf(want, sizeof want, "%s/claw.env:2: expected KEY=value", home);
	is_str(load(&c, NULL, &e), want, "malformed line");
	is_int(e.code, CLAW_ECONFIG, "code");
	ok(c.model == NULL, "nothing held after an error");

	write_env("\nCLAW_MODLE=x\n");
	(void)snprintf(want, sizeof want, "%s/claw.env:2: unknown key CLAW_MODLE", home);
	is_str(load(&c, NULL, &e), want, "unknown CLAW_ key");

	write_env("CLAW_HOME=/elsewhere\n");
	has_str(load(&c, NULL, &e), "claw.env:1: CLAW_HOME cannot be set in claw.env",
		"CLAW_HOME in the file");

	write_env("CLAW_MAX_RUNS=x\n");
	(void)snprintf(want, sizeof want,
		       "%s/claw.env:1: CLAW_MAX_RUNS must be a positive integer, got \"x\"", home);
	is_str(load(&c, NULL, &e), want, "bad number in the file names file and line");

	/* A bad value shadowed by the environment is not looked at. */
	const char *env[] = {"CLAW_MAX_RUNS=2", NULL};
	is_str(load(&c, env, &e), "", "environment shadows the bad line");
	is_int(c.max_runs, 2, "environment value");
	claw_config_free(&c);
	remove_env();

	/* A directory where claw.env should be. */
	char path[4300];
	(void)snprintf(path, sizeof path, "%s/claw.env", home);
	mkdir(path, 0700);
	has_str(load(&c, NULL, &e), "is not a regular file", "claw.env is a directory");
	rmdir(path);
}

static void
test_values(void)
{
	struct claw_config c;
	struct claw_error e;
	static const struct {
		const char *var;
		const char *msg;
	} bad[] = {
		{"CLAW_MAX_RUNS=x", "CLAW_MAX_RUNS must be a positive integer, got \"x\""},
		{"CLAW_MAX_RUNS=0", "CLAW_MAX_RUNS must be a positive integer, got \"0\""},
		{"CLAW_MAX_RUNS=-1", "CLAW_MAX_RUNS must be a positive integer, got \"-1\""},
		{"CLAW_MAX_RUNS=4x", "CLAW_MAX_RUNS must be a positive integer, got \"4x\""},
		{"CLAW_MAX_RUNS= 4", "CLAW_MAX_RUNS must be a positive integer, got \" 4\""},
		{"CLAW_MAX_RUNS=1025", "CLAW_MAX_RUNS must be at most 1024, got \"1025\""},
		{"CLAW_MAX_RUNS=99999999999999999999",
		 "CLAW_MAX_RUNS must be a positive integer, got \"99999999999999999999\""},
		{"CLAW_TOOL_TIMEOUT_MS=0",
		 "CLAW_TOOL_TIMEOUT_MS must be a positive integer, got \"0\""},
		{"CLAW_CONTEXT_TOKENS=500",
		 "CLAW_CONTEXT_TOKENS must be an integer of at least 1024, got \"500\""},
		{"CLAW_PROMPT_CACHE=maybe", "CLAW_PROMPT_CACHE must be 0 or 1, got \"maybe\""},
		{"CLAW_TOOL_TIMEOUT_MS=86400001",
		 "CLAW_TOOL_TIMEOUT_MS must be at most 86400000, got \"86400001\""},
		{"CLAW_BUDGET_TOKENS=-5",
		 "CLAW_BUDGET_TOKENS must be a non-negative integer, got \"-5\""},
		{"CLAW_BUDGET_SECONDS=1.5",
		 "CLAW_BUDGET_SECONDS must be a non-negative integer, got \"1.5\""},
		{"CLAW_TURN_TOKENS=+",
		 "CLAW_TURN_TOKENS must be a non-negative integer, got \"+\""},
		{"CLAW_TURN_SECONDS=ten",
		 "CLAW_TURN_SECONDS must be a non-negative integer, got \"ten\""},
		{"CLAW_BUDGET_USD=abc",
		 "CLAW_BUDGET_USD must be an amount in dollars (at most 6 decimals), got \"abc\""},
		{"CLAW_BUDGET_USD=1.2345678",
		 "CLAW_BUDGET_USD must be an amount in dollars (at most 6 decimals), got "
		 "\"1.2345678\""},
		{"CLAW_BUDGET_USD=-1",
		 "CLAW_BUDGET_USD must be an amount in dollars (at most 6 decimals), got \"-1\""},
		{"CLAW_BUDGET_USD=1.",
		 "CLAW_BUDGET_USD must be an amount in dollars (at most 6 decimals), got \"1.\""},
		{"CLAW_BUDGET_USD=.5",
		 "CLAW_BUDGET_USD must be an amount in dollars (at most 6 decimals), got \".5\""},
		{"CLAW_BUDGET_USD=1.-5",
		 "CLAW_BUDGET_USD must be an amount in dollars (at most 6 decimals), got \"1.-5\""},
		{"CLAW_AGENT=claude", "CLAW_AGENT must be anthropic or openai, got \"claude\""},
		{"CLAW_AGENT=OpenAI", "CLAW_AGENT must be anthropic or openai, got \"OpenAI\""},
		{"CLAW_SANDBOX=docker", "CLAW_SANDBOX must be auto, bwrap or none, got \"docker\""},
		{"CLAW_SANDBOX_NET=2", "CLAW_SANDBOX_NET must be 0 or 1, got \"2\""},
		{"CLAW_AUTO_APPROVE=y", "CLAW_AUTO_APPROVE must be 0 or 1, got \"y\""},
		{"CLAW_BASE_URL=ftp://x",
		 "CLAW_BASE_URL must be an http:// or https:// URL, got \"ftp://x\""},
		{"CLAW_BASE_URL=localhost:8080",
		 "CLAW_BASE_URL must be an http:// or https:// URL, got \"localhost:8080\""},
		/* No host: was accepted as "https:" (found by fuzz_env). */
		{"CLAW_BASE_URL=https:///",
		 "CLAW_BASE_URL must be an http:// or https:// URL, got \"https:///\""},
		{"CLAW_AGENT=\x01\xff", "CLAW_AGENT must be anthropic or openai, got \"??\""},
		{"CLAW_WEBHOOK_URL=hooks.example.com",
		 "CLAW_WEBHOOK_URL must be an http:// or https:// URL, got \"hooks.example.com\""},
		{"CLAW_PUBLIC_URL=https://a b",
		 "CLAW_PUBLIC_URL must be an http:// or https:// URL, got \"https://a b\""},
		{"CLAW_WEBHOOK_FORMAT=teams",
		 "CLAW_WEBHOOK_FORMAT must be json or slack, got \"teams\""},
		{"CLAW_THINKING_TOKENS=500",
		 "CLAW_THINKING_TOKENS must be 0 (off) or at least 1024, got \"500\""},
		{"CLAW_THINKING_TOKENS=-1",
		 "CLAW_THINKING_TOKENS must be a non-negative integer, got \"-1\""},
		{"CLAW_THINKING_TOKENS=1000001",
		 "CLAW_THINKING_TOKENS must be at most 1000000, got \"1000001\""},
		{"CLAW_REASONING_EFFORT=max",
		 "CLAW_REASONING_EFFORT must be none, minimal, low, medium, high or xhigh, got "
		 "\"max\""},
	};
	remove_env();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *env[] = {bad[i].var, NULL};
		is_str(load(&c, env, &e), bad[i].msg, "rejects bad[%zu]", i);
	}

	char longv[300] = "CLAW_AGENT=";
	memset(longv + strlen(longv), 'a', 200);
	const char *envl[] = {longv, NULL};
	const char *m = load(&c, envl, &e);
	ok(strlen(m) < 150 && strstr(m, "aaaa\"...") != NULL, "long value clipped: %s", m);

	static const struct {
		const char *var;
		int64_t micros;
	} usd[] = {{"CLAW_BUDGET_USD=0", 0},
		   {"CLAW_BUDGET_USD=3", 3000000},
		   {"CLAW_BUDGET_USD=0.000001", 1},
		   {"CLAW_BUDGET_USD=12.34", 12340000},
		   {"CLAW_BUDGET_USD=007.5", 7500000},
		   {"CLAW_BUDGET_USD=9223372036852", 9223372036852000000}};
	for (size_t i = 0; i < sizeof usd / sizeof usd[0]; i++) {
		const char *env[] = {usd[i].var, NULL};
		is_str(load(&c, env, &e), "", "accepts %s", usd[i].var);
		is_int(c.budget_usd_micros, usd[i].micros, "micros of %s", usd[i].var);
		claw_config_free(&c);
	}
	const char *usd_big[] = {"CLAW_BUDGET_USD=9223372036855", NULL};
	is_int(claw_config_load_from(&c, usd_big, &e), CLAW_ECONFIG, "too many dollars");

	const char *good[] = {"CLAW_MAX_RUNS=1024",
			      "CLAW_TOOL_TIMEOUT_MS=1",
			      "CLAW_BUDGET_TOKENS=9223372036854775807",
			      "CLAW_BUDGET_SECONDS=+60",
			      "CLAW_TURN_TOKENS=0",
			      "CLAW_TURN_SECONDS=30",
			      "CLAW_SANDBOX=none",
			      "CLAW_SANDBOX_NET=off",
			      "CLAW_AUTO_APPROVE=yes",
			      "CLAW_PRICING_FILE=/etc/claw/prices.json",
			      "CLAW_PROJECT=/src/p",
			      "CLAW_AGENT_WORKER=w",
			      "CLAW_AGENT_REVIEWER=r",
			      "CLAW_AGENT_SUPERVISOR=s",
			      "CLAW_AGENT_SUPERVISOR_SMART=ss",
			      "CLAW_AGENT_PLANNER=p",
			      "CLAW_BASE_URL=http://127.0.0.1:8080/",
			      "CLAW_PROMPT_CACHE=0",
			      "CLAW_PROMPT_CACHE_KEY=1",
			      "CLAW_CONTEXT_TOKENS=32768",
			      "CLAW_WEBHOOK_URL=https://hooks.example.com/T1/",
			      "CLAW_WEBHOOK_FORMAT=slack",
			      "CLAW_PUBLIC_URL=https://claw.example.com/",
			      "CLAW_STREAM=0",
			      "CLAW_IO_URING=0",
			      "CLAW_THINKING_TOKENS=16000",
			      "CLAW_REASONING_EFFORT=minimal",
			      NULL};
	is_str(load(&c, good, &e), "", "every key set");
	is_int(c.max_runs, 1024, "max runs");
	is_int(c.tool_timeout_ms, 1, "tool timeout");
	is_int(c.budget_tokens, INT64_MAX, "budget tokens");
	is_int(c.budget_seconds, 60, "budget seconds with +");
	is_int(c.turn_seconds, 30, "turn seconds");
	is_int(c.sandbox, CLAW_SANDBOX_NONE, "sandbox none");
	ok(!c.sandbox_net && c.auto_approve, "bools");
	ok(!c.prompt_cache && c.prompt_cache_key, "prompt caching off, the key to any server");
	is_int(c.context_tokens, 32768, "context tokens");
	is_str(c.pricing_file, "/etc/claw/prices.json", "pricing file");
	is_str(c.project, "/src/p", "project");
	is_str(c.base_url, "http://127.0.0.1:8080", "base URL without trailing slash");
	ok(!c.base_url_is_default, "not the default URL");
	is_str(c.webhook_url, "https://hooks.example.com/T1", "webhook URL");
	is_int(c.webhook_format, CLAW_WEBHOOK_SLACK, "slack format");
	is_str(c.public_url, "https://claw.example.com", "public URL without trailing slash");
	ok(!c.stream, "streaming off");
	ok(!c.io_uring, "io_uring off");
	is_int(c.thinking_tokens, 16000, "thinking budget");
	is_str(c.reasoning_effort, "minimal", "reasoning effort");
	is_str(claw_config_model_for_role(&c, "worker"), "w", "worker");
	ok(claw_config_model_for_role(&c, "worker-smart") == NULL, "worker-smart: no fallback");
	is_str(claw_config_model_for_role(&c, "reviewer"), "r", "reviewer");
	is_str(claw_config_model_for_role(&c, "supervisor"), "s", "supervisor");
	is_str(claw_config_model_for_role(&c, "supervisor-smart"), "ss", "supervisor-smart");
	is_str(claw_config_model_for_role(&c, "planner"), "p", "planner");
	claw_config_free(&c);
}

static void
test_keys(void)
{
	struct claw_config c;
	struct claw_error e;

	remove_env();
	const char *both[] = {"ANTHROPIC_API_KEY=sk-ant", "CLAW_API_KEY=sk-claw",
			      "OPENAI_API_KEY=sk-oai", NULL};
	is_str(load(&c, both, &e), "", "keys");
	is_str(c.api_key, "sk-ant", "anthropic key preferred for anthropic");
	is_str(c.api_key_name, "ANTHROPIC_API_KEY", "key name");
	claw_config_free(&c);
	ok(c.api_key == NULL, "key gone after free");

	const char *oai[] = {"CLAW_AGENT=openai", "ANTHROPIC_API_KEY=sk-ant",
			     "OPENAI_API_KEY=sk-oai", NULL};
	is_str(load(&c, oai, &e), "", "openai keys");
	is_str(c.api_key, "sk-oai", "openai key for openai");
	claw_config_free(&c);

	const char *fallback[] = {"ANTHROPIC_API_KEY=", "OPENAI_API_KEY=sk-oai",
				  "CLAW_API_KEY=sk-claw", NULL};
	is_str(load(&c, fallback, &e), "", "fallback");
	is_str(c.api_key, "sk-claw", "CLAW_API_KEY when the agent's own is unset or empty");
	is_str(c.api_key_name, "CLAW_API_KEY", "fallback name");
	claw_config_free(&c);

	write_env("ANTHROPIC_API_KEY='sk-from-file'\n");
	const char *model[] = {"CLAW_MODEL=m", NULL};
	is_str(load(&c, model, &e), "", "key from the file");
	is_str(c.api_key, "sk-from-file", "file key");
	is_int(claw_config_require_agent(&c, &e), CLAW_OK, "agent ready");
	claw_config_free(&c);
	remove_env();
}

static void
test_require_agent(void)
{
	struct claw_config c;
	struct claw_error e;

	remove_env();
	const char *none[] = {"CLAW_MODEL=m", NULL};
	is_str(load(&c, none, &e), "", "load");
	is_int(claw_config_require_agent(&c, &e), CLAW_ECONFIG, "no key");
	is_str(e.msg, "missing API key: set ANTHROPIC_API_KEY (or CLAW_API_KEY)",
	       "anthropic message");
	claw_config_free(&c);

	const char *oai[] = {"CLAW_MODEL=m", "CLAW_AGENT=openai", NULL};
	is_str(load(&c, oai, &e), "", "load openai");
	is_int(claw_config_require_agent(&c, &e), CLAW_ECONFIG, "no openai key");
	is_str(e.msg, "missing API key: set OPENAI_API_KEY (or CLAW_API_KEY)", "openai message");
	claw_config_free(&c);

	const char *oai_def[] = {"CLAW_MODEL=m", "CLAW_AGENT=openai",
				 "CLAW_BASE_URL=https://api.openai.com/v1/", NULL};
	is_str(load(&c, oai_def, &e), "", "load openai with its own URL spelled out");
	ok(c.base_url_is_default, "recognised as the default URL");
	is_int(claw_config_require_agent(&c, &e), CLAW_ECONFIG, "still needs a key");
	claw_config_free(&c);

	const char *local[] = {"CLAW_AGENT=openai", "CLAW_BASE_URL=http://localhost:11434/v1",
			       NULL};
	is_str(load(&c, local, &e), "", "load local server");
	is_int(claw_config_require_agent(&c, &e), CLAW_ECONFIG, "local server without model");
	is_str(e.msg, "CLAW_MODEL is not set", "model message");
	claw_config_free(&c);

	const char *local_ok[] = {"CLAW_AGENT=openai", "CLAW_BASE_URL=http://localhost:11434/v1",
				  "CLAW_MODEL=llama3", NULL};
	is_str(load(&c, local_ok, &e), "", "load local server with model");
	is_int(claw_config_require_agent(&c, &e), CLAW_OK, "a local server needs no key");
	claw_config_free(&c);

	const char *ant_url[] = {"CLAW_BASE_URL=http://127.0.0.1:9/", "CLAW_MODEL=m", NULL};
	is_str(load(&c, ant_url, &e), "", "anthropic with another URL");
	is_int(claw_config_require_agent(&c, &e), CLAW_ECONFIG, "anthropic always needs a key");
	claw_config_free(&c);

	const char *no_model[] = {"CLAW_API_KEY=k", NULL};
	is_str(load(&c, no_model, &e), "", "key, no model");
	is_int(claw_config_require_agent(&c, &e), CLAW_ECONFIG, "no model");
	is_str(e.msg, "CLAW_MODEL is not set", "no model message");
	claw_config_free(&c);
}

static void
test_names(void)
{
	ok(claw_config_role_valid("worker") && claw_config_role_valid("supervisor-smart") &&
		   claw_config_role_valid("planner"),
	   "roles valid");
	ok(!claw_config_role_valid("WORKER") && !claw_config_role_valid("worker_smart") &&
		   !claw_config_role_valid("") && !claw_config_role_valid(NULL),
	   "non-roles");
	is_str(claw_config_role_name(CLAW_ROLE_WORKER_SMART), "worker-smart", "role name");
	is_str(claw_config_role_name(CLAW_ROLE_COUNT), "?", "role out of range");
	is_str(claw_config_agent_name(CLAW_AGENT_OPENAI), "openai", "agent name");
	is_str(claw_config_agent_name(CLAW_AGENT_ANTHROPIC), "anthropic", "agent name");
	is_str(claw_config_sandbox_name(CLAW_SANDBOX_BWRAP), "bwrap", "sandbox name");
	is_str(claw_config_sandbox_name(CLAW_SANDBOX_AUTO), "auto", "sandbox name");
	is_str(claw_config_sandbox_name(CLAW_SANDBOX_NONE), "none", "sandbox name");
}

int
main(void)
{
	(void)snprintf(home, sizeof home, "%s", tap_tmpdir());
	test_defaults();
	test_home();
	test_file_and_precedence();
	test_file_errors();
	test_values();
	test_keys();
	test_require_agent();
	test_names();
	return tap_done();
}
