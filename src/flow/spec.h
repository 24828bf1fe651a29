/*
 * spec — the workflow language (SPEC.md section 4): JSON text → struct
 * claw_workflow, the validator, placeholder expansion for tool steps, the
 * canonical JSON form and the rendering for people.
 *
 * A workflow is one JSON object: name, summary, steps (1..12), critics (name
 * → rubric) and an optional budget.  A step is an ai step (a goal, run as a
 * ReAct exchange with a tool palette) or a tool step (a call the engine makes
 * itself, no model).  claw_workflow_parse() checks EVERY rule of the
 * language and reports every problem it finds, one message per problem, in
 * a fixed order (top-level fields, each step in turn, critics, budget), each
 * naming where it is (`steps[1] "verify": back_to "deploy" is not an
 * earlier step`).  The rules and their exact messages are
 * listed in docs/WORKFLOWS.md; tests/unit/test_spec.c holds them as a table.
 * No JSON input can crash it: sizes are capped (CLAW_SPEC_DOC_MAX) and nesting
 * is capped by claw_json_parse().
 *
 * Decisions where SPEC.md is silent (docs/WORKFLOWS.md has the reasons):
 *   - The workflow name is `[A-Za-z][A-Za-z0-9_]*`, step and param names
 *     `[a-z][a-z0-9_]*`, critic names `[A-Za-z][A-Za-z0-9_]*`; all at most
 *     CLAW_SPEC_NAME_MAX bytes.
 *   - The tool vocabulary is fixed by the language: bash, read_file,
 *     write_file, list_files, recall, artifact (palette tools; the "run
 *     palette" of a step without "tools" is exactly these), verdict and
 *     rerun_evidence (critics only: never in a step), define_workflow (only a
 *     tool step of a workflow parsed with limits->allow_define, i.e. the
 *     built-in generate and repair).  Tool steps may call bash, read_file,
 *     write_file, list_files, artifact (and define_workflow as above); not
 *     recall (nobody would read its answer).
 *   - A tool step passes when the tool's result is not an error; an error
 *     result is its rejection (the findings are the result text), handled as
 *     a critic rejection: back_to when set, at most max_rounds times.  So a
 *     tool step takes no critic, no agent, no tools and no params; an ai
 *     step with back_to must have a critic (nothing else rejects it).
 *   - Placeholders (only in string values of a tool step's args, at any
 *     depth): ${param.NAME} (a param some earlier step provides for this
 *     step), ${issue.title}, ${issue.description}, ${run.id}.  "$${" is a
 *     literal "${" (shell text often holds ${VAR}).  Anything else after
 *     "${" is a problem.
 *   - Budget fields are optional and positive; absent means "no limit of
 *     its own" (the run's limits apply).  "usd" is dollars, kept as micros.
 *
 * Ownership: a parsed workflow owns all its strings (plain C, no json-c
 * objects inside), so once built it is read-only and may be read by several
 * threads.  call.args is kept as compact JSON text for the same reason;
 * claw_workflow_expand_args() turns it into a fresh json_object per call.
 *
 * Threads: no shared state; every function is thread-safe for distinct
 * arguments, and a parsed workflow may be read concurrently.
 *
 * Files: spec.c (problems, vocabulary, parser and validator), spec_expand.c
 * (placeholders), spec_render.c (output); spec_int.h is what they share.
 */
#ifndef CLAW_FLOW_SPEC_H
#define CLAW_FLOW_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"

struct claw_registry; /* src/tool/registry.h */

/* Largest workflow document (bytes of JSON text); equal to the solvers
 * store's CLAW_SOLVER_SPEC_MAX so anything valid can be stored. */
#define CLAW_SPEC_DOC_MAX (256 * 1024)
/* Most steps in a workflow (SPEC.md section 4). */
#define CLAW_SPEC_STEPS_MAX 12
/* Largest goal, rubric, param instruction or summary, in bytes. */
#define CLAW_SPEC_TEXT_MAX (16 * 1024)
/* Longest workflow, step, critic or param name, in bytes. */
#define CLAW_SPEC_NAME_MAX 64
/* Most entries in a step's tools palette and params list. */
#define CLAW_SPEC_TOOLS_MAX 16
#define CLAW_SPEC_PARAMS_MAX 8
/* max_rounds: default and range (critic rework rounds). */
#define CLAW_SPEC_ROUNDS_DEFAULT 2
#define CLAW_SPEC_ROUNDS_MIN 1
#define CLAW_SPEC_ROUNDS_MAX 5
/* Largest budget a workflow may ask for (whatever the ceiling). */
#define CLAW_SPEC_BUDGET_TOKENS_MAX INT64_C(1000000000000)
#define CLAW_SPEC_BUDGET_SECONDS_MAX INT64_C(31536000)         /* a year */
#define CLAW_SPEC_BUDGET_USD_MICROS_MAX INT64_C(1000000000000) /* $1 000 000 */
/* Problems kept in a struct claw_problems; later ones are only counted. */
#define CLAW_SPEC_PROBLEMS_MAX 64
/* Largest string a placeholder expansion may produce (one string value). */
#define CLAW_SPEC_EXPAND_MAX (1024 * 1024)

/* ------------------------------------------------------------ problems */

/* The validator's findings: one message per problem, in the order found.
 * A value type: init, pass to the parser, read, free. */
struct claw_problems {
	char **items;   /* NUL-terminated messages, owned */
	size_t count;   /* kept messages (at most CLAW_SPEC_PROBLEMS_MAX) */
	size_t dropped; /* problems found past the cap: counted, not kept */
};

void claw_problems_init(struct claw_problems *p);
/* Frees the messages and re-initialises p.  NULL-safe. */
void claw_problems_free(struct claw_problems *p);
/* Adds a printf-style message (clipped at CLAW_ERROR_MSG_MAX bytes). */
void claw_problems_add(struct claw_problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* All problems as text, one per line ("- " before each, "\n" after), then
 * "- ... and N more problems\n" when some were dropped; "" when none.  For
 * define_workflow's error result and for people.  Caller frees (never
 * NULL). */
char *claw_problems_join(const struct claw_problems *p);

/* ------------------------------------------------------------ the model */

enum claw_step_kind {
	CLAW_STEP_AI,   /* "goal": a model exchange with a tool palette */
	CLAW_STEP_TOOL, /* "call": one tool call by the engine, no model */
};

/* A value a step asks for once it passes, pinned for a later step. */
struct claw_param {
	size_t for_step;   /* index of the later step that receives it */
	char *name;        /* [a-z][a-z0-9_]*, unique per receiving step */
	char *instruction; /* what the model is asked to reply with */
};

/* A tool step's call. */
struct claw_call {
	char *tool; /* a tool allowed in tool steps (see the top of this file) */
	char *args; /* the args object as compact JSON text, "{}" when absent;
		       string values may hold placeholders */
};

struct claw_step {
	char *name;                /* [a-z][a-z0-9_]*: the resume key */
	enum claw_step_kind kind;  /* ai or tool */
	enum claw_role agent;      /* ai steps: the role, default worker */
	char *goal;                /* ai steps: the goal; NULL for tool steps */
	bool has_tools;            /* ai steps: false = "tools" absent → the run
				      palette (claw_spec_run_palette) */
	char **tools;              /* has_tools: the palette, in the given order */
	size_t ntools;             /* has_tools: may be 0 ("tools": [] = none) */
	struct claw_call call;     /* tool steps; both NULL for ai steps */
	int critic;                /* index into wf->critics; -1 = none */
	int max_rounds;            /* rejections before the supervisor hears the
				      step is stuck; 1..5, default 2 */
	int back_to;               /* index of an earlier step; -1 = none */
	struct claw_param *params; /* asked for after the step passes */
	size_t nparams;
};

struct claw_critic {
	char *name;   /* [A-Za-z][A-Za-z0-9_]* */
	char *rubric; /* what the critic judges the step's artifacts against */
};

/* 0 in a field: no limit of the workflow's own (the run's apply). */
struct claw_budget {
	int64_t tokens;
	int64_t seconds;
	int64_t usd_micros; /* "usd": 1.5 → 1500000 */
};

/* A parsed, valid workflow.  Fields are read-only for callers; everything
 * is owned by the struct: free with claw_workflow_free(). */
struct claw_workflow {
	char *name;    /* [A-Za-z][A-Za-z0-9_]* */
	char *summary; /* "" when absent */
	struct claw_step *steps;
	size_t nsteps; /* 1..CLAW_SPEC_STEPS_MAX */
	struct claw_critic *critics;
	size_t ncritics; /* each used by at least one step */
	struct claw_budget budget;
};

/* What the caller allows.  NULL limits = all zero. */
struct claw_spec_limits {
	int64_t max_tokens;     /* ceiling for budget.tokens; 0 = none */
	int64_t max_seconds;    /* ceiling for budget.seconds; 0 = none */
	int64_t max_usd_micros; /* ceiling for budget.usd; 0 = none */
	bool allow_define;      /* tool steps may call define_workflow (only the
				   built-in generate and repair) */
	/* Optional (may be NULL), borrowed for the call: the engine's full
	 * registry.  When given, a tool the language allows must also be in it
	 * (`"x" is not in the tool registry`), and a tool step's args are checked
	 * against the tool's input schema. */
	const struct claw_registry *tools;
	/* Optional: the project's MCP servers.  When given, mcp__S__T must
	 * be a tool its config allows (claw_mcp_config_allows); when neither
	 * it nor tools is given, any name of that shape is taken (checked when
	 * the run starts); tools alone has no MCP tool. */
	const struct claw_mcp_config *mcp;
};

struct claw_config;     /* src/base/config.h */
struct claw_mcp_config; /* src/mcp/config.h */

/* The limits a solver is checked with: the configured budget ceilings
 * (CLAW_BUDGET_*), no define_workflow, and tools (may be NULL: the
 * language's own tool names only). */
struct claw_spec_limits claw_spec_limits_for_solver(const struct claw_config *cfg,
						    const struct claw_registry *tools);

/* ------------------------------------------------------------ parsing */

/* Parses text[0..len) (need not be NUL-terminated) and validates it against
 * every rule of the language.  On CLAW_OK *out is the new workflow (caller
 * frees with claw_workflow_free) and problems is untouched.  Otherwise *out
 * is NULL and every problem found was added to problems (at least one):
 * CLAW_EINVAL for an invalid document (including text that is not JSON),
 * CLAW_ETOOBIG for text over CLAW_SPEC_DOC_MAX.  limits may be NULL;
 * problems must be initialised (claw_problems_init).  Never crashes on any
 * input. */
enum claw_err claw_workflow_parse(const char *text, size_t len,
				  const struct claw_spec_limits *limits, struct claw_workflow **out,
				  struct claw_problems *problems);

/* Frees wf and everything in it.  NULL-safe. */
void claw_workflow_free(struct claw_workflow *wf);

/* The index of the step called name, or -1. */
int claw_workflow_find_step(const struct claw_workflow *wf, const char *name);

/* The rubric of step's critic, or NULL when the step has none.  Borrowed
 * from wf. */
const char *claw_workflow_rubric(const struct claw_workflow *wf, const struct claw_step *step);

/* For a repair: adds a problem `step "x" of the previous version is
 * missing (a repair keeps every step name)` for each step name of old that
 * is not in new_wf, in old's order.  Returns true when none is missing. */
bool claw_workflow_keeps_steps(const struct claw_workflow *old, const struct claw_workflow *new_wf,
			       struct claw_problems *problems);

/* ------------------------------------------------------------ tools */

/* True when name is a tool of the language (any of the nine). */
bool claw_spec_tool_known(const char *name);
/* The run palette, the tools of an ai step without "tools": bash,
 * read_file, write_file, list_files, recall, artifact.  Static; *n gets the
 * count. */
const char *const *claw_spec_run_palette(size_t *n);

/* ------------------------------------------------------------ placeholders */

/* Resolves placeholders for an expansion.  fn gets name, what stood
 * between "${" and "}" ("param.spec", "issue.title", "issue.description",
 * "run.id"); it sets *value to the text (borrowed: must stay valid until the
 * expansion returns) and returns CLAW_OK, or returns an error (e.g.
 * CLAW_ENOTFOUND "no value for param spec") that aborts the expansion. */
struct claw_spec_lookup {
	void *ctx;
	enum claw_err (*fn)(void *ctx, const char *name, const char **value,
			    struct claw_error *err);
};

/* Appends s with its placeholders replaced through lookup ("$${" gives
 * "${") to out.  CLAW_EINVAL for an unknown or unterminated placeholder (a
 * validated workflow has none); the lookup's error; CLAW_ETOOBIG past
 * out's cap. */
enum claw_err claw_spec_expand_string(const char *s, const struct claw_spec_lookup *lookup,
				      struct claw_buf *out, struct claw_error *err);

/* The args of a tool step with every string value (at any depth; keys are
 * left alone) expanded as above, each capped at CLAW_SPEC_EXPAND_MAX.  The
 * values are inserted as JSON strings, so any text is safe.  *out is a new
 * object: caller json_object_put()s it.  CLAW_EINVAL for an ai step. */
enum claw_err claw_workflow_expand_args(const struct claw_step *step,
					const struct claw_spec_lookup *lookup,
					struct json_object **out, struct claw_error *err);

/* ------------------------------------------------------------ output */

/* Appends the canonical JSON form of wf to out (compact, fixed key order,
 * defaults written out: agent for ai steps; max_rounds where a critic or
 * back_to uses it or it is not the default).  claw_workflow_parse() of it gives an equal workflow.
 * Returns out's sticky error. */
enum claw_err claw_workflow_to_json(const struct claw_workflow *wf, struct claw_buf *out);

/* Appends a plain-text rendering for people (the approval gate, tests):
 * name and summary, budget, then each step numbered with its kind, role,
 * goal or call, palette, critic and rounds, back_to and params, then the
 * critics with their rubrics.  Multi-line texts are indented.  Returns out's
 * sticky error. */
enum claw_err claw_workflow_render(const struct claw_workflow *wf, struct claw_buf *out);

#endif
