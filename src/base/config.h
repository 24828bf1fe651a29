/*
 * config — claw's settings (SPEC.md section 3), from the environment and
 * $CLAW_HOME/claw.env.
 *
 * Precedence: a variable in the process environment wins; claw.env fills in
 * the keys the environment does not set; then the defaults.  An empty value
 * counts as unset everywhere (so `CLAW_MODEL=` in the environment lets the
 * file's value through).  CLAW_HOME itself comes from the environment only
 * (claw.env lives inside it).  In claw.env, a CLAW_* key claw does not know
 * is an error (a typo would otherwise be silently ignored); other unknown
 * keys are ignored so the file can be shared with a shell.  Every value is
 * validated at load and a bad one is an error naming the key (and the file
 * and line): `CLAW_MAX_RUNS must be a positive integer, got "x"`.
 *
 * API keys (ANTHROPIC_API_KEY or OPENAI_API_KEY for the chosen agent, else
 * CLAW_API_KEY) are held in this struct only: claw never exports them
 * (no setenv), never logs or traces them, and claw_config_free() wipes them.
 * The process environment may still hold them: no child process inherits
 * it (each one's environment is built from nothing, tool/proc.h).
 *
 * Threads: load and free on one thread, before other threads read the
 * struct (loading reads the environment, which setenv elsewhere would race).
 * Once loaded the struct is read-only and may be read from any thread.
 */
#ifndef CLAW_BASE_CONFIG_H
#define CLAW_BASE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define CLAW_CONFIG_ENV_FILE "claw.env" /* in $CLAW_HOME */
#define CLAW_CONFIG_ANTHROPIC_URL "https://api.anthropic.com"
#define CLAW_CONFIG_OPENAI_URL "https://api.openai.com/v1"
#define CLAW_CONFIG_MAX_RUNS_DEFAULT 4
#define CLAW_CONFIG_MAX_RUNS_MAX 1024 /* each is a thread and a db connection */
#define CLAW_CONFIG_TOOL_TIMEOUT_MS_DEFAULT 300000
#define CLAW_CONFIG_TOOL_TIMEOUT_MS_MAX 86400000 /* one day */
#define CLAW_CONFIG_TOOL_MEMORY_MB_MAX (1 << 24) /* 16 TiB */
#define CLAW_CONFIG_STEP_TURNS_DEFAULT 200
#define CLAW_CONFIG_STEP_TURNS_MAX 100000
#define CLAW_CONFIG_STOP_GRACE_S_DEFAULT 30
#define CLAW_CONFIG_STOP_GRACE_S_MAX 3600
#define CLAW_CONFIG_STREAM_IDLE_S_DEFAULT 300 /* as Codex's stream_idle_timeout */
#define CLAW_CONFIG_STREAM_IDLE_S_MAX 3600
#define CLAW_CONFIG_THINKING_TOKENS_MIN 1024 /* Anthropic's smallest thinking budget */
#define CLAW_CONFIG_THINKING_TOKENS_MAX 1000000
#define CLAW_CONFIG_CONTEXT_TOKENS_MIN 1024
#define CLAW_CONFIG_CONTEXT_TOKENS_MAX 100000000

/* CLAW_AGENT: which wire protocol the model backend speaks. */
enum claw_agent_kind {
	CLAW_AGENT_ANTHROPIC, /* Messages API */
	CLAW_AGENT_OPENAI,    /* Chat Completions and compatible servers */
};

/* CLAW_SANDBOX. */
enum claw_sandbox_mode {
	CLAW_SANDBOX_AUTO,  /* bwrap when it works here, else none with a warning */
	CLAW_SANDBOX_BWRAP, /* bwrap, required */
	CLAW_SANDBOX_NONE,
};

/* CLAW_WEBHOOK_FORMAT: the body of a webhook POST (SPEC 11). */
enum claw_webhook_format {
	CLAW_WEBHOOK_JSON,  /* {event, project, issue, run, gate, url} */
	CLAW_WEBHOOK_SLACK, /* {"text"}: a Slack incoming webhook */
};

/* The model roles of a run; each may have its own model (CLAW_AGENT_<ROLE>).
 * Role names are the lower-case forms with '-': "worker-smart". */
enum claw_role {
	CLAW_ROLE_WORKER,
	CLAW_ROLE_WORKER_SMART,
	CLAW_ROLE_REVIEWER,
	CLAW_ROLE_SUPERVISOR,
	CLAW_ROLE_SUPERVISOR_SMART,
	CLAW_ROLE_PLANNER,
	CLAW_ROLE_COUNT
};

/* Read the fields; set them only through claw_config_load*().  Strings are
 * owned by the struct (NUL-terminated); NULL means unset. */
struct claw_config {
	char *home;     /* absolute, no trailing '/' */
	char *env_file; /* home + "/claw.env", whether it exists or not */
	enum claw_agent_kind agent;
	char *model;              /* CLAW_MODEL; NULL when unset (claw_config_require_agent) */
	char *base_url;           /* always set: CLAW_BASE_URL without trailing '/', or the
				   * agent's default */
	bool base_url_is_default; /* base_url is the agent's public endpoint */
	char *api_key;            /* secret: never log, trace or export; NULL = none */
	const char *api_key_name; /* static: variable the key came from, or NULL */
	char *role_model[CLAW_ROLE_COUNT]; /* CLAW_AGENT_<ROLE>; NULL = use model */
	int64_t budget_tokens;             /* per run; 0 = unlimited */
	int64_t budget_seconds;            /* per run; 0 = unlimited */
	int64_t budget_usd_micros;         /* per run, in millionths of a dollar
					    * (CLAW_BUDGET_USD=1.5 → 1500000); 0 = unlimited */
	int64_t turn_tokens;               /* per exchange; 0 = unlimited */
	int64_t turn_seconds;              /* per exchange; 0 = unlimited */
	int64_t max_runs;                  /* runs executing at once in claw serve */
	int64_t tool_timeout_ms;           /* a tool call is killed after this */
	int64_t tool_memory_mb;            /* CLAW_TOOL_MEMORY_MB: memory of one sandboxed
					    * command and its children; 0 = unset (the
					    * sandbox's default, sandbox.h) */
	int64_t step_turns;                /* CLAW_STEP_TURNS: turns per exchange */
	int64_t stop_grace_s;              /* CLAW_STOP_GRACE_S: how long a stop waits for
					    * a model reply in flight (0: none) */
	enum claw_sandbox_mode sandbox;
	bool sandbox_net;        /* sandboxed commands may reach the network */
	bool auto_approve;       /* skip the human approval of generated solvers */
	bool auto_merge;         /* CLAW_AUTO_MERGE: merge a passed run's change without asking */
	bool demo;               /* CLAW_DEMO: the model is tools/up's scripted demo model
				  * (examples/demo); only reported, by /api/health */
	bool no_color;           /* NO_COLOR set (non-empty) */
	bool prompt_cache;       /* CLAW_PROMPT_CACHE (default 1): ask providers to cache prompts */
	bool stream;             /* CLAW_STREAM (default 1): replies as event streams (SPEC 11) */
	bool io_uring;           /* CLAW_IO_URING (default 1): the stream hub sends through
				  * io_uring where the kernel allows */
	int64_t stream_idle_s;   /* CLAW_STREAM_IDLE_S: a stream silent this long is cut and
				  * retried (1..3600) */
	int64_t thinking_tokens; /* CLAW_THINKING_TOKENS: Anthropic's extended thinking budget
				  * per request; 0 = off (default), else 1024..10^6 */
	const char *reasoning_effort; /* CLAW_REASONING_EFFORT (static): OpenAI's
				       * reasoning_effort, none|minimal|low|medium|high|
				       * xhigh; NULL = unset (the server's default) */
	bool prompt_cache_key;  /* CLAW_PROMPT_CACHE_KEY: prompt_cache_key to any openai server */
	int64_t context_tokens; /* CLAW_CONTEXT_TOKENS: the model's context window; 0 = the
				 * price table's */
	char *pricing_file;     /* CLAW_PRICING_FILE; NULL = built-in table */
	char *project;          /* CLAW_PROJECT; NULL when unset */
	char *git_author;       /* CLAW_GIT_AUTHOR ("Name <email>") of claw's commits; NULL: the
				 * default, claw <claw@localhost> */
	char *webhook_url;      /* CLAW_WEBHOOK_URL (http/https, no trailing '/'); NULL: none */
	enum claw_webhook_format webhook_format; /* CLAW_WEBHOOK_FORMAT, default json */
	char *public_url; /* CLAW_PUBLIC_URL: the dashboard's address for links; NULL: none */
};

/* Loads cfg from the process environment (environ) and claw.env.  On
 * failure cfg holds nothing (claw_config_free() is still safe) and err says
 * which key, file and line.  A missing claw.env is not an error. */
enum claw_err claw_config_load(struct claw_config *cfg, struct claw_error *err);

/* As claw_config_load with the environment given as a NULL-terminated array
 * of "KEY=value" strings (the first entry of a name wins, as with getenv).
 * For tests, and for callers that scrub the environment first.  envp is
 * only read during the call. */
enum claw_err claw_config_load_from(struct claw_config *cfg, const char *const *envp,
				    struct claw_error *err);

/* Frees the strings, wipes the API key first, and zeroes cfg.  NULL-safe;
 * safe on a zeroed or already freed struct. */
void claw_config_free(struct claw_config *cfg);

/* Checks what talking to a model needs, with the message a person needs:
 * `missing API key: set ANTHROPIC_API_KEY (or CLAW_API_KEY)` (OPENAI_API_KEY
 * for openai; an openai agent with a non-default CLAW_BASE_URL, a local
 * server, needs no key), then `CLAW_MODEL is not set`.  CLAW_ECONFIG. */
enum claw_err claw_config_require_agent(const struct claw_config *cfg, struct claw_error *err);

/* The model for a role name ("worker-smart"): its CLAW_AGENT_<ROLE> when
 * set, else CLAW_MODEL (also for names that are no role).  Borrowed from
 * cfg; NULL when neither is set. */
const char *claw_config_model_for_role(const struct claw_config *cfg, const char *role);

/* True when name is one of the role names ("worker", ..., "planner"). */
bool claw_config_role_valid(const char *name);
/* "worker-smart" for CLAW_ROLE_WORKER_SMART; static; "?" when out of range. */
const char *claw_config_role_name(enum claw_role role);

/* "anthropic"/"openai", "auto"/"bwrap"/"none": static. */
const char *claw_config_agent_name(enum claw_agent_kind agent);
const char *claw_config_sandbox_name(enum claw_sandbox_mode mode);

#endif
