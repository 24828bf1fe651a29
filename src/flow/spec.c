/*
 * spec — the workflow language: the parser and validator, and the parsed
 * workflow's accessors.  See spec.h.  The placeholders are expanded in
 * spec_expand.c, a workflow is written out in spec_render.c; what the three
 * files share is in spec_int.h.
 *
 * The validator never stops at the first problem: every check that can be
 * made is made, and each failure adds one message to the caller's list.  A
 * field that is wrong is left at its default in the struct being built, so
 * the checks after it still run (a step whose name is bad can still have its
 * goal checked); the struct is thrown away when any problem was found.
 * Cross-references (back_to, params, critics, placeholders) are resolved
 * against a first pass over the step names, so a reference to a step with
 * a bad name reports "names no step" rather than crashing or guessing.
 *
 * Messages are located: "steps[1] \"verify\": " before anything inside a
 * step (the name only when it is a valid one), "critics: " and "budget: "
 * for those objects.  Text from the document is quoted as JSON and clipped
 * (claw_spec_quote) so a hostile name cannot make a message unreadable.
 */
#include "flow/spec.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/str.h"
#include "flow/spec_int.h"
#include "mcp/config.h"
#include "store/solvers.h"
#include "tool/registry.h"

/* NOLINTNEXTLINE(misc-redundant-expression): equal by design, checked here */
_Static_assert(CLAW_SPEC_DOC_MAX == CLAW_SOLVER_SPEC_MAX,
	       "a valid workflow must fit the solvers store");

/* claw_spec_quote, spelled short: nearly every message below quotes. */
#define q(s) claw_spec_quote(s)
/* Room for a location prefix ("steps[11] \"name\"", a params or args path). */
#define WHERE_MAX 256

/* ------------------------------------------------------------ problems */

void
claw_problems_init(struct claw_problems *p)
{
	p->items = NULL;
	p->count = 0;
	p->dropped = 0;
}

void
claw_problems_free(struct claw_problems *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->count; i++)
		free(p->items[i]);
	free(p->items);
	claw_problems_init(p);
}

static void
problems_vadd(struct claw_problems *p, const char *fmt, va_list ap)
{
	char msg[CLAW_ERROR_MSG_MAX];

	if (p->count >= CLAW_SPEC_PROBLEMS_MAX) {
		p->dropped++;
		return;
	}
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	if (p->items == NULL)
		p->items = claw_xcalloc(CLAW_SPEC_PROBLEMS_MAX, sizeof *p->items);
	p->items[p->count++] = claw_xstrdup(msg);
}

void
claw_problems_add(struct claw_problems *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problems_vadd(p, fmt, ap);
	va_end(ap);
}

struct claw_spec_limits
claw_spec_limits_for_solver(const struct claw_config *cfg, const struct claw_registry *tools)
{
	return (struct claw_spec_limits){
		.max_tokens = cfg->budget_tokens,
		.max_seconds = cfg->budget_seconds,
		.max_usd_micros = cfg->budget_usd_micros,
		.tools = tools,
	};
}

char *
claw_problems_join(const struct claw_problems *p)
{
	/* At most CLAW_SPEC_PROBLEMS_MAX messages of CLAW_ERROR_MSG_MAX bytes. */
	struct claw_buf b = CLAW_BUF_INIT((CLAW_SPEC_PROBLEMS_MAX + 1) * (CLAW_ERROR_MSG_MAX + 8));

	for (size_t i = 0; i < p->count; i++)
		(void)claw_buf_printf(&b, "- %s\n", p->items[i]);
	if (p->dropped > 0)
		(void)claw_buf_printf(&b, "- ... and %zu more problems\n", p->dropped);
	return claw_buf_steal(&b);
}

static size_t
problems_total(const struct claw_problems *p)
{
	return p->count + p->dropped;
}

/* ------------------------------------------------------------ vocabulary */

/* The language's tools and where each may appear. */
struct tool_rule {
	const char *name;
	bool palette;  /* may be in an ai step's "tools" */
	bool callable; /* may be a tool step's call (define_workflow: with allow_define) */
	bool critic;   /* a critic's own tool: never in a step */
};

static const struct tool_rule tool_rules[] = {
	{"bash", true, true, false},
	{"read_file", true, true, false},
	{"write_file", true, true, false},
	{"edit_file", true, true, false},
	{"list_files", true, true, false},
	{"recall", true, false, false},
	{"artifact", true, true, false},
	{"verdict", false, false, true},
	{"rerun_evidence", false, false, true},
	{"define_workflow", false, true, false},
};
#define TOOL_RULES (sizeof tool_rules / sizeof tool_rules[0])

static const char *const run_palette[] = {"bash",       "read_file", "write_file", "edit_file",
					  "list_files", "recall",    "artifact"};

#define CALL_TOOLS "bash, read_file, write_file, edit_file, list_files, artifact"
#define ROLES "worker, worker-smart, reviewer, supervisor, supervisor-smart, planner"
#define TOP_FIELDS "name, summary, steps, critics, budget"
#define STEP_FIELDS "name, agent, goal, tools, call, critic, max_rounds, back_to, params"
#define PARAM_FIELDS "for, name, instruction"
#define CALL_FIELDS "tool, args"
#define BUDGET_FIELDS "tokens, seconds, usd"
#define PLACEHOLDERS "${param.NAME}, ${issue.title}, ${issue.description}, ${run.id}"

/* mcp__SERVER__TOOL: a tool of one of the project's MCP servers. */
static const struct tool_rule mcp_rule = {"mcp__", true, true, false};

static bool
is_mcp(const char *name)
{
	return strncmp(name, "mcp__", 5) == 0 && strstr(name + 5, "__") != NULL;
}

static const struct tool_rule *
tool_rule(const char *name)
{
	for (size_t i = 0; i < TOOL_RULES; i++)
		if (strcmp(tool_rules[i].name, name) == 0)
			return &tool_rules[i];
	return is_mcp(name) ? &mcp_rule : NULL;
}

bool
claw_spec_tool_known(const char *name)
{
	return name != NULL && tool_rule(name) != NULL;
}

const char *const *
claw_spec_run_palette(size_t *n)
{
	*n = sizeof run_palette / sizeof run_palette[0];
	return run_palette;
}

bool
claw_spec_is_ident(const char *s, bool lower)
{
	size_t n = strlen(s);

	if (n == 0 || n > CLAW_SPEC_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool letter = (c >= 'a' && c <= 'z') || (!lower && c >= 'A' && c <= 'Z');
		bool other = (c >= '0' && c <= '9') || c == '_';
		if (!(letter || (i > 0 && other)))
			return false;
	}
	return true;
}

static bool
role_parse(const char *name, enum claw_role *out)
{
	for (int r = 0; r < CLAW_ROLE_COUNT; r++) {
		if (strcmp(claw_config_role_name((enum claw_role)r), name) == 0) {
			*out = (enum claw_role)r;
			return true;
		}
	}
	return false;
}

struct claw_spec_quoted
claw_spec_quote(const char *s)
{
	struct claw_spec_quoted out;
	struct claw_buf b = CLAW_BUF_INIT(CLAW_SPEC_QUOTE_MAX - 1);
	size_t n = strlen(s), keep = n;

	if (keep > CLAW_SPEC_QUOTE_CLIP) {
		keep = claw_str_utf8_floor(s, CLAW_SPEC_QUOTE_CLIP);
	}
	(void)claw_json_buf_append_string(&b, s, keep);
	if (keep < n) {
		claw_buf_truncate(&b, claw_buf_len(&b) - 1);
		(void)claw_buf_puts(&b, "...\"");
	}
	(void)snprintf(out.s, sizeof out.s, "%s", claw_buf_str(&b));
	claw_buf_free(&b);
	return out;
}

/* True when s holds nothing but white space. */
static bool
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* ------------------------------------------------------------ validation */

/* A param seen so far, for duplicate and placeholder checks. */
struct seen_param {
	size_t from; /* the step that provides it */
	size_t to;   /* the step that receives it */
	const char *name;
};

/* State of one parse. */
struct vctx {
	struct claw_problems *p;
	struct claw_spec_limits lim;
	struct json_object *critics; /* the "critics" object, or NULL */
	const char **names;          /* per step: its valid name, or NULL */
	const char **critic_of;      /* per step: the critic it names, or NULL */
	size_t nsteps;               /* entries of the steps array */
	bool *critic_used;           /* per critics entry */
	struct seen_param seen[CLAW_SPEC_STEPS_MAX * CLAW_SPEC_PARAMS_MAX];
	size_t nseen;
	char where[WHERE_MAX]; /* location prefix, "" at the top level */
};

static void problem(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_where(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the location prefix of the next problems (clipped to WHERE_MAX). */
static void
set_where(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(v->where, sizeof v->where, fmt, ap);
	va_end(ap);
}

static void
problem(struct vctx *v, const char *fmt, ...)
{
	char msg[CLAW_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (v->where[0] != '\0')
		claw_problems_add(v->p, "%s: %s", v->where, msg);
	else
		claw_problems_add(v->p, "%s", msg);
}

static void
problem_err(struct vctx *v, const struct claw_error *e)
{
	problem(v, "%s", claw_error_text(e));
}

static int
step_index(const struct vctx *v, const char *name)
{
	for (size_t i = 0; i < v->nsteps; i++)
		if (v->names[i] != NULL && strcmp(v->names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Reports every key of obj not in allowed (NULL-terminated). */
static void
check_keys(struct vctx *v, struct json_object *obj, const char *const *allowed, const char *listing)
{
	json_object_object_foreach(obj, key, val)
	{
		bool known = false;
		(void)val;
		for (size_t i = 0; allowed[i] != NULL && !known; i++)
			known = strcmp(allowed[i], key) == 0;
		if (!known)
			problem(v, "unknown field %s (fields: %s)", q(key).s, listing);
	}
}

/* A text field's checks: not blank, not over CLAW_SPEC_TEXT_MAX. */
static bool
check_text(struct vctx *v, const char *what, const char *s, bool may_be_empty)
{
	size_t n = strlen(s);

	if (!may_be_empty && is_blank(s)) {
		problem(v, "%s is empty", what);
		return false;
	}
	if (n > CLAW_SPEC_TEXT_MAX) {
		problem(v, "%s is %zu bytes, over the limit of %d", what, n, CLAW_SPEC_TEXT_MAX);
		return false;
	}
	return true;
}

/* Gets an optional or required string field; reports a problem and
 * returns NULL when it is absent-but-required or of the wrong type. */
static const char *
get_string(struct vctx *v, struct json_object *obj, const char *key, unsigned flags)
{
	struct claw_error e;
	const char *s = NULL;

	if (claw_json_get_string(obj, key, flags, &s, &e) != CLAW_OK) {
		problem_err(v, &e);
		return NULL;
	}
	return s;
}

/* Is the tool in the caller's registry (always, when none was given)?  The
 * language's own rules are checked first so their messages do not depend on
 * the registry at hand. */
static bool
available(const struct vctx *v, const char *name)
{
	if (is_mcp(name) && v->lim.mcp != NULL)
		return claw_mcp_config_allows(v->lim.mcp, name);
	return v->lim.tools == NULL || claw_registry_find(v->lim.tools, name) != NULL;
}

/* The problem of a tool that is not available. */
static const char *
unavailable(const char *name)
{
	return is_mcp(name) ? "is not a tool of the project's MCP servers (claw mcp lists them)"
			    : "is not in the tool registry";
}

static void
check_palette(struct vctx *v, struct json_object *arr, struct claw_step *st)
{
	size_t n = json_object_array_length(arr);

	st->has_tools = true;
	if (n > CLAW_SPEC_TOOLS_MAX) {
		problem(v, "tools: %zu entries, at most %d", n, CLAW_SPEC_TOOLS_MAX);
		return;
	}
	st->tools = claw_xcalloc(n + 1, sizeof *st->tools);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(arr, i);
		const char *name;
		const struct tool_rule *r;
		bool dup = false;

		if (!json_object_is_type(t, json_type_string)) {
			problem(v, "tools[%zu] must be a string, got %s", i,
				claw_json_type_name(t));
			continue;
		}
		name = json_object_get_string(t);
		r = tool_rule(name);
		if (r == NULL) {
			problem(v, "tools: unknown tool %s (tools: " CLAW_SPEC_PALETTE_TOOLS ")",
				q(name).s);
			continue;
		}
		if (r->critic) {
			problem(v, "tools: %s is for critics only", q(name).s);
			continue;
		}
		if (!r->palette) {
			problem(v,
				"tools: %s cannot be in a palette (generate and repair call it "
				"from a tool step)",
				q(name).s);
			continue;
		}
		if (!available(v, name)) {
			problem(v, "tools: %s %s", q(name).s, unavailable(name));
			continue;
		}
		for (size_t j = 0; j < st->ntools && !dup; j++)
			dup = strcmp(st->tools[j], name) == 0;
		if (dup) {
			problem(v, "tools: %s is listed twice", q(name).s);
			continue;
		}
		st->tools[st->ntools++] = claw_xstrdup(name);
	}
}

/* Is ${param.name} provided for step `to` by an earlier step? */
static bool
param_provided(const struct vctx *v, size_t to, const char *name)
{
	for (size_t i = 0; i < v->nseen; i++)
		if (v->seen[i].to == to && strcmp(v->seen[i].name, name) == 0)
			return true;
	return false;
}

/* Checks the placeholders of one string value of a tool step's args.
 * path locates it ("call.args.command"). */
static void
check_placeholders(struct vctx *v, size_t step, const char *path, const char *s)
{
	const char *p = s;

	while ((p = strchr(p, '$')) != NULL) {
		const char *end;
		char name[CLAW_SPEC_NAME_MAX + 16];
		size_t n;

		if (p[1] == '$' && p[2] == '{') {
			p += 3; /* "$${": a literal "${" */
			continue;
		}
		if (p[1] != '{') {
			p++;
			continue;
		}
		end = strchr(p + 2, '}');
		if (end == NULL) {
			problem(v, "%s: unterminated placeholder %s", path, q(p).s);
			return;
		}
		n = (size_t)(end - (p + 2));
		if (n >= sizeof name) {
			problem(v,
				"%s: unknown placeholder %s (known: " PLACEHOLDERS
				"; write $${ for a literal ${)",
				path, q(p).s);
			p = end + 1;
			continue;
		}
		memcpy(name, p + 2, n);
		name[n] = '\0';
		if (!claw_spec_placeholder_known(name)) {
			char shown[sizeof name + 3];
			(void)snprintf(shown, sizeof shown, "${%s}", name);
			problem(v,
				"%s: unknown placeholder %s (known: " PLACEHOLDERS
				"; write $${ for a literal ${)",
				path, q(shown).s);
		} else if (strncmp(name, "param.", 6) == 0 && !param_provided(v, step, name + 6)) {
			problem(v, "%s: ${%s} is not provided by the params of an earlier step",
				path, name);
		}
		p = end + 1;
	}
}

/* Walks a tool step's args: placeholders in every string value; no NUL. */
static void
check_args_value(struct vctx *v, size_t step, const char *path, struct json_object *val)
{
	char sub[WHERE_MAX];

	switch (json_object_get_type(val)) {
	case json_type_string:
		if (strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val))
			problem(v, "%s must not contain NUL bytes", path);
		else
			check_placeholders(v, step, path, json_object_get_string(val));
		break;
	case json_type_object: {
		json_object_object_foreach(val, key, child)
		{
			(void)snprintf(sub, sizeof sub, "%s.%s", path, key);
			check_args_value(v, step, sub, child);
		}
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(val); i++) {
			(void)snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			check_args_value(v, step, sub, json_object_array_get_idx(val, i));
		}
		break;
	default:
		break;
	}
}

static void
check_call(struct vctx *v, size_t i, struct json_object *call, struct claw_step *st)
{
	static const char *const fields[] = {"tool", "args", NULL};
	struct json_object *args = NULL;
	struct claw_error e;
	const char *tool;
	const struct tool_rule *r;
	bool tool_ok = false;

	if (!json_object_is_type(call, json_type_object)) {
		problem(v, "field \"call\" must be an object");
		return;
	}
	check_keys(v, call, fields, CALL_FIELDS);
	tool = get_string(v, call, "tool", CLAW_JSON_REQUIRED);
	if (tool != NULL) {
		r = tool_rule(tool);
		if (r == NULL)
			problem(v, "call: unknown tool %s (tools: " CALL_TOOLS ")", q(tool).s);
		else if (r->critic)
			problem(v, "call: %s is for critics only", q(tool).s);
		else if (!r->callable)
			problem(v,
				"call: %s cannot be called by a tool step (tools: " CALL_TOOLS ")",
				q(tool).s);
		else if (strcmp(tool, "define_workflow") == 0 && !v->lim.allow_define)
			problem(v,
				"call: \"define_workflow\" is only for the built-in generate and "
				"repair workflows");
		else if (!available(v, tool))
			problem(v, "call: %s %s", q(tool).s, unavailable(tool));
		else
			tool_ok = true;
		st->call.tool = claw_xstrdup(tool);
	}
	if (claw_json_get_object(call, "args", CLAW_JSON_OPTIONAL, &args, &e) != CLAW_OK) {
		problem(v, "call: %s", claw_error_text(&e));
		return;
	}
	if (args == NULL) {
		st->call.args = claw_xstrdup("{}");
		return;
	}
	check_args_value(v, i, "call.args", args);
	/* An MCP tool's schema is its server's, known once it runs. */
	if (tool_ok && v->lim.tools != NULL && claw_registry_find(v->lim.tools, tool) != NULL &&
	    claw_registry_validate(v->lim.tools, tool, args, &e) != CLAW_OK)
		problem(v, "call.args: %s", claw_error_text(&e));
	st->call.args = claw_xstrdup(claw_json_text(args));
}

static void
check_params(struct vctx *v, size_t i, struct json_object *arr, struct claw_step *st)
{
	static const char *const fields[] = {"for", "name", "instruction", NULL};
	size_t n = json_object_array_length(arr);
	char base[WHERE_MAX];

	if (n > CLAW_SPEC_PARAMS_MAX) {
		problem(v, "params: %zu entries, at most %d", n, CLAW_SPEC_PARAMS_MAX);
		return;
	}
	st->params = claw_xcalloc(n + 1, sizeof *st->params);
	(void)snprintf(base, sizeof base, "%s", v->where);
	for (size_t k = 0; k < n; k++) {
		struct json_object *pobj = json_object_array_get_idx(arr, k);
		const char *to, *name, *instr;
		int to_idx = -1;
		bool ok = true;

		if (!json_object_is_type(pobj, json_type_object)) {
			problem(v, "params[%zu] must be an object, got %s", k,
				claw_json_type_name(pobj));
			continue;
		}
		set_where(v, "%s: params[%zu]", base, k);
		check_keys(v, pobj, fields, PARAM_FIELDS);
		to = get_string(v, pobj, "for", CLAW_JSON_REQUIRED);
		if (to != NULL) {
			to_idx = step_index(v, to);
			if (to_idx < 0) {
				problem(v, "for %s names no step", q(to).s);
				ok = false;
			} else if ((size_t)to_idx <= i) {
				problem(v, "for %s is not a later step", q(to).s);
				ok = false;
			}
		} else {
			ok = false;
		}
		name = get_string(v, pobj, "name", CLAW_JSON_REQUIRED);
		if (name != NULL && !claw_spec_is_ident(name, true)) {
			problem(v,
				"name %s is not a valid param name: use [a-z][a-z0-9_]*, at most "
				"%d characters",
				q(name).s, CLAW_SPEC_NAME_MAX);
			ok = false;
		} else if (name == NULL) {
			ok = false;
		}
		instr = get_string(v, pobj, "instruction", CLAW_JSON_REQUIRED);
		if (instr == NULL || !check_text(v, "instruction", instr, false))
			ok = false;
		if (ok) {
			for (size_t s = 0; s < v->nseen; s++) {
				if (v->seen[s].to == (size_t)to_idx &&
				    strcmp(v->seen[s].name, name) == 0) {
					problem(v,
						"step %s already gets a param %s (from steps[%zu])",
						q(to).s, q(name).s, v->seen[s].from);
					ok = false;
					break;
				}
			}
		}
		if (ok && v->nseen < sizeof v->seen / sizeof v->seen[0]) {
			struct claw_param *pa = &st->params[st->nparams++];
			v->seen[v->nseen++] = (struct seen_param){i, (size_t)to_idx, name};
			pa->for_step = (size_t)to_idx;
			pa->name = claw_xstrdup(name);
			pa->instruction = claw_xstrdup(instr);
		}
	}
	set_where(v, "%s", base);
}

static void
step_free(struct claw_step *st)
{
	free(st->name);
	free(st->goal);
	for (size_t k = 0; k < st->ntools; k++)
		free(st->tools[k]);
	free(st->tools);
	free(st->call.tool);
	free(st->call.args);
	for (size_t k = 0; k < st->nparams; k++) {
		free(st->params[k].name);
		free(st->params[k].instruction);
	}
	free(st->params);
}

/* Fields that only an ai step takes, with why. */
static void
refuse_for_tool_step(struct vctx *v, struct json_object *obj)
{
	static const char *const ai_only[] = {"agent", "tools", "critic", "params"};

	for (size_t k = 0; k < sizeof ai_only / sizeof ai_only[0]; k++)
		if (json_object_object_get_ex(obj, ai_only[k], NULL))
			problem(v,
				"a tool step takes no \"%s\" (it makes one call, judged by the "
				"tool's result)",
				ai_only[k]);
}

static void
check_step(struct vctx *v, size_t i, struct json_object *obj, struct claw_step *st)
{
	static const char *const fields[] = {"name",   "agent",      "goal",    "tools",  "call",
					     "critic", "max_rounds", "back_to", "params", NULL};
	struct json_object *goal_v = NULL, *call_v = NULL, *arr = NULL;
	struct claw_error e;
	const char *name, *s;
	int64_t rounds = CLAW_SPEC_ROUNDS_DEFAULT;
	bool has_goal, has_call;

	st->critic = -1;
	st->back_to = -1;
	st->max_rounds = CLAW_SPEC_ROUNDS_DEFAULT;
	st->agent = CLAW_ROLE_WORKER;
	if (v->names[i] != NULL)
		set_where(v, "steps[%zu] \"%s\"", i, v->names[i]);
	else
		set_where(v, "steps[%zu]", i);
	if (!json_object_is_type(obj, json_type_object)) {
		problem(v, "must be an object, got %s", claw_json_type_name(obj));
		return;
	}
	check_keys(v, obj, fields, STEP_FIELDS);

	name = get_string(v, obj, "name", CLAW_JSON_REQUIRED);
	if (name != NULL) {
		if (v->names[i] == NULL) {
			problem(v,
				"name %s is not a valid step name: use [a-z][a-z0-9_]*, at most %d "
				"characters",
				q(name).s, CLAW_SPEC_NAME_MAX);
		} else {
			for (size_t j = 0; j < i; j++) {
				if (v->names[j] != NULL && strcmp(v->names[j], name) == 0) {
					problem(v, "duplicate step name (also steps[%zu])", j);
					break;
				}
			}
		}
		st->name = claw_xstrdup(name);
	}

	has_goal = json_object_object_get_ex(obj, "goal", &goal_v);
	has_call = json_object_object_get_ex(obj, "call", &call_v);
	if (has_goal && has_call)
		problem(v, "has both \"goal\" and \"call\" (an ai step has a goal, a tool step "
			   "a call)");
	else if (!has_goal && !has_call)
		problem(v, "needs a \"goal\" (ai step) or a \"call\" (tool step)");
	st->kind = has_call && !has_goal ? CLAW_STEP_TOOL : CLAW_STEP_AI;

	if (st->kind == CLAW_STEP_AI) {
		if (has_goal) {
			s = get_string(v, obj, "goal", CLAW_JSON_REQUIRED);
			if (s != NULL && check_text(v, "goal", s, false))
				st->goal = claw_xstrdup(s);
		}
		s = get_string(v, obj, "agent", CLAW_JSON_OPTIONAL);
		if (s != NULL && !role_parse(s, &st->agent))
			problem(v, "unknown agent role %s (roles: " ROLES ")", q(s).s);
		if (claw_json_get_array(obj, "tools", CLAW_JSON_OPTIONAL, &arr, &e) != CLAW_OK)
			problem_err(v, &e);
		else if (arr != NULL)
			check_palette(v, arr, st);
		s = get_string(v, obj, "critic", CLAW_JSON_OPTIONAL);
		if (s != NULL) {
			struct json_object *rubric;
			if (v->critics == NULL ||
			    !json_object_object_get_ex(v->critics, s, &rubric))
				problem(v, "critic %s has no rubric in \"critics\"", q(s).s);
			v->critic_of[i] = s; /* resolved to an index after the critics */
		}
		arr = NULL;
		if (claw_json_get_array(obj, "params", CLAW_JSON_OPTIONAL, &arr, &e) != CLAW_OK)
			problem_err(v, &e);
		else if (arr != NULL)
			check_params(v, i, arr, st);
	} else {
		refuse_for_tool_step(v, obj);
		check_call(v, i, call_v, st);
	}

	if (claw_json_get_int64(obj, "max_rounds", CLAW_JSON_OPTIONAL, CLAW_SPEC_ROUNDS_MIN,
				CLAW_SPEC_ROUNDS_MAX, &rounds, &e) != CLAW_OK)
		problem_err(v, &e);
	else
		st->max_rounds = (int)rounds;

	s = get_string(v, obj, "back_to", CLAW_JSON_OPTIONAL);
	if (s != NULL) {
		int j = step_index(v, s);
		if (j < 0)
			problem(v, "back_to %s names no step", q(s).s);
		else if ((size_t)j >= i)
			problem(v, "back_to %s is not an earlier step", q(s).s);
		else
			st->back_to = j;
		if (st->kind == CLAW_STEP_AI && !json_object_object_get_ex(obj, "critic", NULL))
			problem(v, "back_to needs a critic: an ai step goes back only when its "
				   "critic rejects");
	}
}

static void
check_steps(struct vctx *v, struct json_object *root, struct claw_workflow *wf)
{
	struct json_object *steps = NULL;
	struct claw_error e;
	size_t n, keep;

	if (claw_json_get_array(root, "steps", CLAW_JSON_REQUIRED, &steps, &e) != CLAW_OK) {
		problem_err(v, &e);
		return;
	}
	n = json_object_array_length(steps);
	if (n == 0) {
		problem(v, "steps is empty: a workflow needs at least one step");
		return;
	}
	if (n > CLAW_SPEC_STEPS_MAX)
		problem(v, "too many steps: %zu (at most %d)", n, CLAW_SPEC_STEPS_MAX);

	/* First pass: the names that references may use. */
	v->nsteps = n;
	v->names = claw_xcalloc(n, sizeof *v->names);
	v->critic_of = claw_xcalloc(n, sizeof *v->critic_of);
	for (size_t i = 0; i < n; i++) {
		struct json_object *st = json_object_array_get_idx(steps, i), *nm;
		if (json_object_is_type(st, json_type_object) &&
		    json_object_object_get_ex(st, "name", &nm) &&
		    json_object_is_type(nm, json_type_string) &&
		    claw_spec_is_ident(json_object_get_string(nm), true))
			v->names[i] = json_object_get_string(nm);
	}

	keep = n < CLAW_SPEC_STEPS_MAX ? n : CLAW_SPEC_STEPS_MAX;
	wf->steps = claw_xcalloc(keep, sizeof *wf->steps);
	wf->nsteps = keep;
	for (size_t i = 0; i < n; i++) {
		struct claw_step scratch = {0};
		struct claw_step *st = i < keep ? &wf->steps[i] : &scratch;

		check_step(v, i, json_object_array_get_idx(steps, i), st);
		if (st == &scratch)
			step_free(&scratch); /* past the cap: checked, not kept */
	}
	v->where[0] = '\0';
}

static void
check_critics(struct vctx *v, struct json_object *root, struct claw_workflow *wf)
{
	struct json_object *critics = v->critics;
	size_t n, k = 0;

	if (critics == NULL)
		return;
	n = (size_t)json_object_object_length(critics);
	wf->critics = claw_xcalloc(n + 1, sizeof *wf->critics);
	set_where(v, "critics");
	json_object_object_foreach(critics, name, rubric)
	{
		bool used = false;
		const char *text;

		for (size_t i = 0; i < v->nsteps && !used; i++)
			used = v->critic_of[i] != NULL && strcmp(v->critic_of[i], name) == 0;
		if (!claw_spec_is_ident(name, false)) {
			problem(v,
				"%s is not a valid critic name: use [A-Za-z][A-Za-z0-9_]*, at most "
				"%d characters",
				q(name).s, CLAW_SPEC_NAME_MAX);
			continue;
		}
		if (!json_object_is_type(rubric, json_type_string)) {
			problem(v, "rubric %s must be a string, got %s", q(name).s,
				claw_json_type_name(rubric));
			continue;
		}
		text = json_object_get_string(rubric);
		if (strlen(text) != (size_t)json_object_get_string_len(rubric)) {
			problem(v, "rubric %s must not contain NUL bytes", q(name).s);
			continue;
		}
		if (is_blank(text)) {
			problem(v, "rubric %s is empty", q(name).s);
			continue;
		}
		if (strlen(text) > CLAW_SPEC_TEXT_MAX) {
			problem(v, "rubric %s is %zu bytes, over the limit of %d", q(name).s,
				strlen(text), CLAW_SPEC_TEXT_MAX);
			continue;
		}
		if (!used) {
			problem(v, "rubric %s is not used by any step", q(name).s);
			continue;
		}
		wf->critics[k].name = claw_xstrdup(name);
		wf->critics[k].rubric = claw_xstrdup(text);
		k++;
	}
	wf->ncritics = k;
	v->where[0] = '\0';
	(void)root;

	for (size_t i = 0; i < wf->nsteps; i++) {
		wf->steps[i].critic = -1;
		for (size_t c = 0; c < wf->ncritics && v->critic_of[i] != NULL; c++)
			if (strcmp(wf->critics[c].name, v->critic_of[i]) == 0)
				wf->steps[i].critic = (int)c;
	}
}

void
claw_spec_usd_text(char *out, size_t size, int64_t micros)
{
	size_t n;

	(void)snprintf(out, size, "%lld.%06lld", (long long)(micros / 1000000),
		       (long long)(micros % 1000000));
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

static void
check_budget(struct vctx *v, struct json_object *root, struct claw_workflow *wf)
{
	static const char *const fields[] = {"tokens", "seconds", "usd", NULL};
	struct json_object *budget = NULL, *usd = NULL;
	struct claw_error e;
	struct claw_budget *b = &wf->budget;

	if (claw_json_get_object(root, "budget", CLAW_JSON_OPTIONAL, &budget, &e) != CLAW_OK) {
		problem_err(v, &e);
		return;
	}
	if (budget == NULL)
		return;
	set_where(v, "budget");
	check_keys(v, budget, fields, BUDGET_FIELDS);
	if (claw_json_get_int64(budget, "tokens", CLAW_JSON_OPTIONAL, 1,
				CLAW_SPEC_BUDGET_TOKENS_MAX, &b->tokens, &e) != CLAW_OK)
		problem_err(v, &e);
	else if (v->lim.max_tokens > 0 && b->tokens > v->lim.max_tokens)
		problem(v, "tokens %lld is above the ceiling of %lld", (long long)b->tokens,
			(long long)v->lim.max_tokens);
	if (claw_json_get_int64(budget, "seconds", CLAW_JSON_OPTIONAL, 1,
				CLAW_SPEC_BUDGET_SECONDS_MAX, &b->seconds, &e) != CLAW_OK)
		problem_err(v, &e);
	else if (v->lim.max_seconds > 0 && b->seconds > v->lim.max_seconds)
		problem(v, "seconds %lld is above the ceiling of %lld", (long long)b->seconds,
			(long long)v->lim.max_seconds);
	if (json_object_object_get_ex(budget, "usd", &usd)) {
		double d = json_object_get_double(usd);
		bool num = json_object_is_type(usd, json_type_double) ||
			   json_object_is_type(usd, json_type_int);
		double micros = num ? round(d * 1e6) : 0.0;

		if (!num || !(micros >= 1.0 && micros <= (double)CLAW_SPEC_BUDGET_USD_MICROS_MAX)) {
			problem(v, "field \"usd\" must be a number from 0.000001 to %lld",
				(long long)(CLAW_SPEC_BUDGET_USD_MICROS_MAX / 1000000));
		} else {
			b->usd_micros = (int64_t)micros;
			if (v->lim.max_usd_micros > 0 && b->usd_micros > v->lim.max_usd_micros) {
				char got[32], cap[32];
				claw_spec_usd_text(got, sizeof got, b->usd_micros);
				claw_spec_usd_text(cap, sizeof cap, v->lim.max_usd_micros);
				problem(v, "usd %s is above the ceiling of %s", got, cap);
			}
		}
	}
	v->where[0] = '\0';
}

static void
check_top(struct vctx *v, struct json_object *root, struct claw_workflow *wf)
{
	static const char *const fields[] = {"name", "summary", "steps", "critics", "budget", NULL};
	struct claw_error e;
	const char *s;

	check_keys(v, root, fields, TOP_FIELDS);
	s = get_string(v, root, "name", CLAW_JSON_REQUIRED);
	if (s != NULL && !claw_spec_is_ident(s, false))
		problem(v,
			"name %s is not a valid workflow name: use [A-Za-z][A-Za-z0-9_]*, at most "
			"%d characters",
			q(s).s, CLAW_SPEC_NAME_MAX);
	wf->name = claw_xstrdup(s != NULL ? s : "");
	s = get_string(v, root, "summary", CLAW_JSON_OPTIONAL);
	if (s != NULL && check_text(v, "summary", s, true))
		wf->summary = claw_xstrdup(s);
	else
		wf->summary = claw_xstrdup("");
	if (claw_json_get_object(root, "critics", CLAW_JSON_OPTIONAL, &v->critics, &e) != CLAW_OK)
		problem_err(v, &e); /* reported here; steps then find no rubric */
	check_steps(v, root, wf);
	check_critics(v, root, wf);
	check_budget(v, root, wf);
}

enum claw_err
claw_workflow_parse(const char *text, size_t len, const struct claw_spec_limits *limits,
		    struct claw_workflow **out, struct claw_problems *problems)
{
	enum claw_err rc = CLAW_OK;
	struct json_object *root = NULL;
	struct claw_workflow *wf = NULL;
	struct vctx *v = NULL;
	struct claw_error e;
	size_t before = problems_total(problems);

	*out = NULL;
	if (len > CLAW_SPEC_DOC_MAX) {
		claw_problems_add(problems, "the workflow is %zu bytes, over the limit of %d", len,
				  CLAW_SPEC_DOC_MAX);
		rc = CLAW_ETOOBIG;
		goto out;
	}
	if (claw_json_parse(text, len, &root, &e) != CLAW_OK) {
		claw_problems_add(problems, "%s", claw_error_text(&e));
		rc = CLAW_EINVAL;
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		claw_problems_add(problems, "the workflow must be a JSON object, got %s",
				  claw_json_type_name(root));
		rc = CLAW_EINVAL;
		goto out;
	}
	v = CLAW_NEW(struct vctx);
	v->p = problems;
	if (limits != NULL)
		v->lim = *limits;
	wf = CLAW_NEW(struct claw_workflow);
	check_top(v, root, wf);
	if (problems_total(problems) != before) {
		rc = CLAW_EINVAL;
		goto out;
	}
	*out = wf;
	wf = NULL;
out:
	if (v != NULL) {
		free(v->names);
		free(v->critic_of);
		free(v);
	}
	claw_workflow_free(wf);
	json_object_put(root);
	return rc;
}

void
claw_workflow_free(struct claw_workflow *wf)
{
	if (wf == NULL)
		return;
	for (size_t i = 0; i < wf->nsteps; i++)
		step_free(&wf->steps[i]);
	free(wf->steps);
	for (size_t i = 0; i < wf->ncritics; i++) {
		free(wf->critics[i].name);
		free(wf->critics[i].rubric);
	}
	free(wf->critics);
	free(wf->name);
	free(wf->summary);
	free(wf);
}

int
claw_workflow_find_step(const struct claw_workflow *wf, const char *name)
{
	for (size_t i = 0; i < wf->nsteps; i++)
		if (wf->steps[i].name != NULL && strcmp(wf->steps[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
claw_workflow_rubric(const struct claw_workflow *wf, const struct claw_step *step)
{
	if (step->critic < 0 || (size_t)step->critic >= wf->ncritics)
		return NULL;
	return wf->critics[step->critic].rubric;
}

bool
claw_workflow_keeps_steps(const struct claw_workflow *old, const struct claw_workflow *new_wf,
			  struct claw_problems *problems)
{
	bool kept = true;

	for (size_t i = 0; i < old->nsteps; i++) {
		if (claw_workflow_find_step(new_wf, old->steps[i].name) < 0) {
			claw_problems_add(problems,
					  "step %s of the previous version is missing (a repair "
					  "keeps every step name)",
					  q(old->steps[i].name).s);
			kept = false;
		}
	}
	return kept;
}
