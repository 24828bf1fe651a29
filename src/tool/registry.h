/*
 * registry — the tools agents may call, and the one door through which every
 * call goes.
 *
 * A tool is a name, a description for the model, a JSON-Schema of its input
 * object, a risk (safe, mutating, dangerous) and a handler.  A registry maps
 * names to tools; a palette is a narrowed view of a registry
 * (claw_registry_only) and is authoritative: a call to a tool outside it is an
 * error result "unknown tool NAME", whatever the parent registry holds.
 *
 * claw_registry_call() is the door.  It checks the input against the tool's
 * schema before the handler runs (a missing field, a field of the wrong JSON
 * type, a value outside an enum, or an unexpected field when the schema says
 * additionalProperties: false, each becomes an error result naming the
 * field), runs the handler, turns a result over its cap into an error result,
 * redacts the project's secrets from the text, and ends the text with the
 * call's run#N handle when the context keeps a step history.  Whatever
 * happens, the caller gets text plus an error flag: no tool can crash a run.
 *
 * Schemas are compiled into C structs when a tool is added, so validation
 * never touches a shared json-c object (those are not safe to read from two
 * threads).  The supported subset is what tool inputs need: an object with
 * "properties" (each with "type" string|integer|number|boolean|object|array,
 * and for strings an optional "enum"), "required" and "additionalProperties".
 *
 * Ownership: a registry copies what it needs from the descriptors it is given
 * except the strings, which must be static (they are in every built-in tool).
 * A palette borrows its parent's tools: free the palette first.
 *
 * Threads: building a registry is single-threaded; once built it is
 * read-only and may be shared by run threads.  claw_registry_call() is
 * thread-safe for distinct contexts and results.
 */
#ifndef CLAW_TOOL_REGISTRY_H
#define CLAW_TOOL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/err.h"

struct claw_db;
struct claw_history;
struct claw_registry;
struct claw_sandbox;
struct claw_secrets;
struct claw_tracer;

/* Cap on a tool result's text.  The largest legitimate result is a
 * list_files of 1000 entries or a 100 000-byte read_file; a handler that
 * overflows it gets an error result instead. */
#define CLAW_TOOL_RESULT_MAX (512 * 1024)
/* Outputs over HEAD + TAIL bytes keep the first HEAD and the last TAIL
 * bytes with a marker between (SPEC section 5). */
#define CLAW_TOOL_CLIP_HEAD 10000
#define CLAW_TOOL_CLIP_TAIL 10000
/* Most fields a tool's input schema may declare. */
#define CLAW_TOOL_FIELDS_MAX 16

enum claw_tool_risk {
	CLAW_TOOL_SAFE,      /* reads only */
	CLAW_TOOL_MUTATING,  /* changes files of the project */
	CLAW_TOOL_DANGEROUS, /* runs arbitrary commands */
};

/* What one call may reach.  Built by the caller (a run, or `claw tool`) and
 * borrowed for the duration of the call; every pointer may be NULL where the
 * caller has no such thing, and tools that need it refuse with a message.
 * A run fills the run scope for each step: recall reads the journal through
 * db (the run thread's own connection) after flushing tracer, and artifact
 * writes its `artifact` record through tracer. */
struct claw_tool_ctx {
	const char *project;                /* real absolute path of the project folder */
	struct claw_sandbox *sandbox;       /* where bash runs */
	const struct claw_secrets *secrets; /* redacted from every result */
	const struct claw_registry *tools;  /* the palette (artifact runs bash through it) */
	/* Run scope: all NULL/0 outside a run (`claw tool`). */
	int64_t run_id;               /* the run; 0 outside one */
	const char *step;             /* the step's name */
	struct claw_history *history; /* the step's results, by run#N handle */
	struct claw_tracer *tracer;   /* the run's tracer (src/trace/tracer.h) */
	struct claw_db *db;           /* the project db, this thread's connection */
	const char *task;             /* the issue: "#N title\n\ndescription" */
	const char *workflow;         /* the workflow being run, JSON text */
	/* Set by claw_registry_call for the handler: the tool being called
	 * (its data says which server an MCP tool is on). */
	const struct claw_tool *self;
};

/* A tool's answer.  A value type: init, fill through the helpers, free. */
struct claw_tool_result {
	struct claw_buf text; /* cap CLAW_TOOL_RESULT_MAX */
	bool is_error;
};

void claw_tool_result_init(struct claw_tool_result *res);
void claw_tool_result_free(struct claw_tool_result *res);
/* Replaces the text with a printf-style message and sets is_error. */
void claw_tool_result_error(struct claw_tool_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Replaces the text with a printf-style message and clears is_error. */
void claw_tool_result_ok(struct claw_tool_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A tool.  The strings are static (or copied: claw_registry_add_copy);
 * schema is the JSON-Schema text of the input object, shown verbatim to
 * models. */
struct claw_tool {
	const char *name;
	const char *description;
	const char *schema;
	enum claw_tool_risk risk;
	/* Fills res (initialised and empty on entry).  input is a JSON object
	 * already checked against the schema; borrowed for the call. */
	void (*run)(const struct claw_tool_ctx *ctx, struct json_object *input,
		    struct claw_tool_result *res);
	const void *data; /* the handler's own (borrowed; NULL for built-ins) */
};

/* An empty registry.  Caller frees with claw_registry_free(). */
struct claw_registry *claw_registry_new(void);
/* Frees a registry or a palette (NULL is a no-op). */
void claw_registry_free(struct claw_registry *reg);

/* Adds tool (the struct is copied, its strings borrowed: they must be
 * static).  CLAW_EEXIST for a name already there; CLAW_EINVAL when the
 * schema is not one this module understands (message says why).  Adding to
 * a palette is CLAW_EINVAL. */
enum claw_err claw_registry_add(struct claw_registry *reg, const struct claw_tool *tool,
				struct claw_error *err);

/* Adds a tool that comes from another program (an MCP server's): its
 * strings are copied, and its schema is checked only as far as this
 * module's subset goes (properties of another shape, enums past it and
 * fields past CLAW_TOOL_FIELDS_MAX are left to the program); the schema
 * must still be an object of "type": "object".  data stays borrowed.
 * Errors as claw_registry_add. */
enum claw_err claw_registry_add_copy(struct claw_registry *reg, const struct claw_tool *tool,
				     struct claw_error *err);

/* A palette: the tools of reg named in names[0..n), in that order (n == 0
 * gives the empty palette).  CLAW_EINVAL "unknown tool X" for a name reg
 * does not hold, CLAW_EINVAL for a duplicate.  The palette borrows reg's
 * tools: free it before reg.  A palette of a palette is allowed. */
enum claw_err claw_registry_only(const struct claw_registry *reg, const char *const *names,
				 size_t n, struct claw_registry **out, struct claw_error *err);

/* The tool called name, or NULL.  Borrowed from reg. */
const struct claw_tool *claw_registry_find(const struct claw_registry *reg, const char *name);
/* Tools in order of addition (for the model's tool list). */
size_t claw_registry_count(const struct claw_registry *reg);
const struct claw_tool *claw_registry_at(const struct claw_registry *reg, size_t i);

/* Checks input against the schema of the tool called name in reg.  CLAW_OK,
 * or CLAW_EINVAL with `missing field "k"`, `field "k" must be a string`,
 * `field "k" must be one of: a, b`, `unknown field "k"`, or `input must be a
 * JSON object`; CLAW_ENOTFOUND "unknown tool NAME". */
enum claw_err claw_registry_validate(const struct claw_registry *reg, const char *name,
				     struct json_object *input, struct claw_error *err);

/* Calls the tool called name with input (a JSON object, borrowed; NULL is
 * taken as {}), as described at the top of this file.  res must be
 * initialised; its previous contents are replaced.  Never fails: problems
 * are error results. */
void claw_registry_call(const struct claw_registry *reg, const struct claw_tool_ctx *ctx,
			const char *name, struct json_object *input, struct claw_tool_result *res);

/* Appends text[0..len) to out, clipped: when total (the bytes the text
 * stood for, >= len, larger when some were never kept) is over
 * CLAW_TOOL_CLIP_HEAD + CLAW_TOOL_CLIP_TAIL, only the first HEAD and the
 * last TAIL bytes of text are kept, cut at UTF-8 character boundaries, with
 * "\n[... N bytes clipped ...]\n" between them.  Returns out's sticky
 * error. */
enum claw_err claw_tool_clip(struct claw_buf *out, const char *text, size_t len, uint64_t total);

#endif
