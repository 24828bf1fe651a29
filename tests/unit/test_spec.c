/*
 * test_spec — the workflow language: every validator rule with its exact
 * message (the table of bad specs), good specs of every shape, inputs that
 * must never crash it, placeholder expansion, the canonical JSON round trip
 * and the rendering for people.
 *
 * Specs are written with ' for " to keep the table readable (swapped before
 * parsing); a literal apostrophe is never needed.
 */
#include "flow/spec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "mcp/config.h"
#include "tap.h"
#include "tool/builtin.h"
#include "tool/registry.h"

/* Room for a joined list of problems in the tests. */
#define JOINED_MAX (64 * 1024)

/* s with every ' turned into ".  Caller frees. */
static char *
dq(const char *s)
{
	char *out = claw_xstrdup(s);
	for (char *p = out; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

/* Parses text (already with ") and returns the problems joined by "\n" ("" when
 * valid).  Static buffer: valid until the next call. */
static const char *
problems_of_raw(const char *text, size_t len, const struct claw_spec_limits *lim,
		enum claw_err *rc_out)
{
	static char joined[JOINED_MAX];
	struct claw_problems p;
	struct claw_workflow *wf = NULL;
	struct claw_buf b = CLAW_BUF_INIT(JOINED_MAX - 1);
	enum claw_err rc;

	claw_problems_init(&p);
	rc = claw_workflow_parse(text, len, lim, &wf, &p);
	for (size_t i = 0; i < p.count; i++)
		(void)claw_buf_printf(&b, "%s%s", i > 0 ? "\n" : "", p.items[i]);
	if (p.dropped > 0)
		(void)claw_buf_printf(&b, "\n(+%zu)", p.dropped);
	if (rc == CLAW_OK && (wf == NULL || p.count != 0))
		(void)claw_buf_puts(&b, "!! OK without a workflow or with problems");
	if (rc != CLAW_OK && (wf != NULL || p.count == 0))
		(void)claw_buf_puts(&b, "!! failure without problems or with a workflow");
	(void)snprintf(joined, sizeof joined, "%s", claw_buf_str(&b));
	claw_buf_free(&b);
	claw_problems_free(&p);
	claw_workflow_free(wf);
	if (rc_out != NULL)
		*rc_out = rc;
	return joined;
}

static const char *
problems_of(const char *spec, const struct claw_spec_limits *lim)
{
	char *text = dq(spec);
	const char *out = problems_of_raw(text, strlen(text), lim, NULL);
	free(text);
	return out;
}

/* A valid workflow from spec (with '), or NULL after a failed check. */
static struct claw_workflow *
parse_good(const char *spec, const struct claw_spec_limits *lim)
{
	char *text = dq(spec);
	struct claw_problems p;
	struct claw_workflow *wf = NULL;
	enum claw_err rc;

	claw_problems_init(&p);
	rc = claw_workflow_parse(text, strlen(text), lim, &wf, &p);
	if (!is_int(rc, CLAW_OK, "parses: %.60s", spec))
		for (size_t i = 0; i < p.count; i++)
			tap_diag("problem: %s", p.items[i]);
	claw_problems_free(&p);
	free(text);
	return wf;
}

#define S_A "{'name':'a','goal':'do a'}"
#define S_B "{'name':'b','goal':'do b'}"
#define W(steps) "{'name':'W','steps':[" steps "]}"
#define WC(steps, critics) "{'name':'W','steps':[" steps "],'critics':{" critics "}}"
#define STEP_FIELDS "name, agent, goal, tools, call, critic, max_rounds, back_to, params"
#define KNOWN_PH "${param.NAME}, ${issue.title}, ${issue.description}, ${run.id}"

static const struct {
	const char *spec;
	const char *msg; /* every problem, joined by "\n" */
} bad[] = {
	/* The document. */
	{"[]", "the workflow must be a JSON object, got array"},
	{"null", "the workflow must be a JSON object, got null"},
	{"'W'", "the workflow must be a JSON object, got string"},
	{"{", "invalid JSON at byte 1: unexpected end of data"},
	{"{'name':'W','steps':[" S_A "],'extra':1,'critic':{}}",
	 "unknown field \"extra\" (fields: name, summary, steps, critics, budget)\n"
	 "unknown field \"critic\" (fields: name, summary, steps, critics, budget)"},
	/* The workflow's name. */
	{"{'steps':[" S_A "]}", "missing field \"name\""},
	{"{'name':'my solver','steps':[" S_A "]}",
	 "name \"my solver\" is not a valid workflow name: use [A-Za-z][A-Za-z0-9_]*, at most 64 "
	 "characters"},
	{"{'name':'1st','steps':[" S_A "]}",
	 "name \"1st\" is not a valid workflow name: use [A-Za-z][A-Za-z0-9_]*, at most 64 "
	 "characters"},
	{"{'name':'','steps':[" S_A "]}",
	 "name \"\" is not a valid workflow name: use [A-Za-z][A-Za-z0-9_]*, at most 64 "
	 "characters"},
	{"{'name':7,'steps':[" S_A "]}", "field \"name\" must be a string"},
	{"{'name':'W','summary':['x'],'steps':[" S_A "]}", "field \"summary\" must be a string"},
	/* Steps. */
	{"{'name':'W'}", "missing field \"steps\""},
	{"{'name':'W','steps':{}}", "field \"steps\" must be an array"},
	{"{'name':'W','steps':[]}", "steps is empty: a workflow needs at least one step"},
	{W("1"), "steps[0]: must be an object, got number"},
	{W(S_A ",null"), "steps[1]: must be an object, got null"},
	{W("{'name':'a','goal':'g','critics':'x'}"),
	 "steps[0] \"a\": unknown field \"critics\" (fields: " STEP_FIELDS ")"},
	{W("{'goal':'g'}"), "steps[0]: missing field \"name\""},
	{W("{'name':'Build','goal':'g'}"),
	 "steps[0]: name \"Build\" is not a valid step name: use [a-z][a-z0-9_]*, at most 64 "
	 "characters"},
	{W("{'name':'_x','goal':'g'}"),
	 "steps[0]: name \"_x\" is not a valid step name: use [a-z][a-z0-9_]*, at most 64 "
	 "characters"},
	{W("{'name':['a'],'goal':'g'}"), "steps[0]: field \"name\" must be a string"},
	{W(S_A "," S_B "," S_A), "steps[2] \"a\": duplicate step name (also steps[0])"},
	{W("{'name':'a','goal':'g','call':{'tool':'bash','args':{'command':'true'}}}"),
	 "steps[0] \"a\": has both \"goal\" and \"call\" (an ai step has a goal, a tool step a "
	 "call)"},
	{W("{'name':'a'}"), "steps[0] \"a\": needs a \"goal\" (ai step) or a \"call\" (tool step)"},
	{W("{'name':'a','goal':' \\n\\t'}"), "steps[0] \"a\": goal is empty"},
	{W("{'name':'a','goal':''}"), "steps[0] \"a\": goal is empty"},
	{W("{'name':'a','goal':{'text':'g'}}"), "steps[0] \"a\": field \"goal\" must be a string"},
	{W("{'name':'a','goal':'g','agent':'boss'}"),
	 "steps[0] \"a\": unknown agent role \"boss\" (roles: worker, worker-smart, reviewer, "
	 "supervisor, supervisor-smart, planner)"},
	{W("{'name':'a','goal':'g','agent':1}"),
	 "steps[0] \"a\": field \"agent\" must be a string"},
	/* Palettes. */
	{W("{'name':'a','goal':'g','tools':['bash','grep']}"),
	 "steps[0] \"a\": tools: unknown tool \"grep\" (tools: bash, read_file, write_file, "
	 "edit_file, list_files, recall, artifact)"},
	{W("{'name':'a','goal':'g','tools':['verdict','rerun_evidence']}"),
	 "steps[0] \"a\": tools: \"verdict\" is for critics only\n"
	 "steps[0] \"a\": tools: \"rerun_evidence\" is for critics only"},
	{W("{'name':'a','goal':'g','tools':['define_workflow']}"),
	 "steps[0] \"a\": tools: \"define_workflow\" cannot be in a palette (generate and repair "
	 "call it from a tool step)"},
	{W("{'name':'a','goal':'g','tools':['bash','read_file','bash']}"),
	 "steps[0] \"a\": tools: \"bash\" is listed twice"},
	{W("{'name':'a','goal':'g','tools':'bash'}"),
	 "steps[0] \"a\": field \"tools\" must be an array"},
	{W("{'name':'a','goal':'g','tools':[1,null]}"),
	 "steps[0] \"a\": tools[0] must be a string, got number\n"
	 "steps[0] \"a\": tools[1] must be a string, got null"},
	{W("{'name':'a','goal':'g','tools':['bash','bash','bash','bash','bash','bash','bash','bash'"
	   ","
	   "'bash','bash','bash','bash','bash','bash','bash','bash','bash']}"),
	 "steps[0] \"a\": tools: 17 entries, at most 16"},
	/* Critics. */
	{W("{'name':'a','goal':'g','critic':'works'}"),
	 "steps[0] \"a\": critic \"works\" has no rubric in \"critics\""},
	{WC("{'name':'a','goal':'g','critic':'works'}", "'work':'it works'"),
	 "steps[0] \"a\": critic \"works\" has no rubric in \"critics\"\n"
	 "critics: rubric \"work\" is not used by any step"},
	{WC(S_A, "'proven':'evidence'"), "critics: rubric \"proven\" is not used by any step"},
	{WC("{'name':'a','goal':'g','critic':'works'}", "'works':'  '"),
	 "critics: rubric \"works\" is empty"},
	{WC("{'name':'a','goal':'g','critic':'works'}", "'works':3"),
	 "critics: rubric \"works\" must be a string, got number"},
	{WC("{'name':'a','goal':'g','critic':'bad name'}", "'bad name':'x'"),
	 "critics: \"bad name\" is not a valid critic name: use [A-Za-z][A-Za-z0-9_]*, at most 64 "
	 "characters"},
	{"{'name':'W','steps':[" S_A "],'critics':['x']}", "field \"critics\" must be an object"},
	{W("{'name':'a','goal':'g','critic':true}"),
	 "steps[0] \"a\": field \"critic\" must be a string"},
	/* max_rounds. */
	{WC("{'name':'a','goal':'g','critic':'c','max_rounds':0}", "'c':'r'"),
	 "steps[0] \"a\": field \"max_rounds\" must be an integer from 1 to 5, got 0"},
	{WC("{'name':'a','goal':'g','critic':'c','max_rounds':6}", "'c':'r'"),
	 "steps[0] \"a\": field \"max_rounds\" must be an integer from 1 to 5, got 6"},
	{WC("{'name':'a','goal':'g','critic':'c','max_rounds':1.5}", "'c':'r'"),
	 "steps[0] \"a\": field \"max_rounds\" must be an integer"},
	{WC("{'name':'a','goal':'g','critic':'c','max_rounds':'2'}", "'c':'r'"),
	 "steps[0] \"a\": field \"max_rounds\" must be an integer"},
	/* back_to. */
	{WC(S_A ",{'name':'b','goal':'g','critic':'c','back_to':'z'}", "'c':'r'"),
	 "steps[1] \"b\": back_to \"z\" names no step"},
	{WC("{'name':'a','goal':'g','critic':'c','back_to':'b'}," S_B, "'c':'r'"),
	 "steps[0] \"a\": back_to \"b\" is not an earlier step"},
	{WC("{'name':'a','goal':'g','critic':'c','back_to':'a'}", "'c':'r'"),
	 "steps[0] \"a\": back_to \"a\" is not an earlier step"},
	{W(S_A ",{'name':'b','goal':'g','back_to':'a'}"),
	 "steps[1] \"b\": back_to needs a critic: an ai step goes back only when its critic "
	 "rejects"},
	/* params. */
	{W("{'name':'a','goal':'g','params':[{'for':'zz','name':'p','instruction':'i'}]}," S_B),
	 "steps[0] \"a\": params[0]: for \"zz\" names no step"},
	{W(S_A ",{'name':'b','goal':'g','params':[{'for':'a','name':'p','instruction':'i'}]}"),
	 "steps[1] \"b\": params[0]: for \"a\" is not a later step"},
	{W("{'name':'a','goal':'g','params':[{'for':'a','name':'p','instruction':'i'}]}"),
	 "steps[0] \"a\": params[0]: for \"a\" is not a later step"},
	{W("{'name':'a','goal':'g','params':[{'for':'b','name':'P-1','instruction':'i'}]}," S_B),
	 "steps[0] \"a\": params[0]: name \"P-1\" is not a valid param name: use [a-z][a-z0-9_]*, "
	 "at most 64 characters"},
	{W("{'name':'a','goal':'g','params':[{'for':'b','name':'p','instruction':''}]}," S_B),
	 "steps[0] \"a\": params[0]: instruction is empty"},
	{W("{'name':'a','goal':'g','params':[{'for':'b','name':'p'}]}," S_B),
	 "steps[0] \"a\": params[0]: missing field \"instruction\""},
	{W("{'name':'a','goal':'g','params':[{'for':'b','name':'p','instruction':'i','to':1}]}"
	   "," S_B),
	 "steps[0] \"a\": params[0]: unknown field \"to\" (fields: for, name, instruction)"},
	{W("{'name':'a','goal':'g','params':[{'for':'c','name':'p','instruction':'i'}]},"
	   "{'name':'b','goal':'g','params':[{'for':'c','name':'p','instruction':'j'}]},"
	   "{'name':'c','goal':'g'}"),
	 "steps[1] \"b\": params[0]: step \"c\" already gets a param \"p\" (from steps[0])"},
	{W("{'name':'a','goal':'g','params':{'for':'b'}}," S_B),
	 "steps[0] \"a\": field \"params\" must be an array"},
	{W("{'name':'a','goal':'g','params':['p']}," S_B),
	 "steps[0] \"a\": params[0] must be an object, got string"},
	/* Tool steps. */
	{W("{'name':'a','call':'bash'}"), "steps[0] \"a\": field \"call\" must be an object"},
	{W("{'name':'a','call':{'args':{}}}"), "steps[0] \"a\": missing field \"tool\""},
	{W("{'name':'a','call':{'tool':'bash','args':{'command':'x'},'why':1}}"),
	 "steps[0] \"a\": unknown field \"why\" (fields: tool, args)"},
	{W("{'name':'a','call':{'tool':'make'}}"),
	 "steps[0] \"a\": call: unknown tool \"make\" (tools: bash, read_file, write_file, "
	 "edit_file, list_files, artifact)"},
	{W("{'name':'a','call':{'tool':'recall','args':{'what':'task'}}}"),
	 "steps[0] \"a\": call: \"recall\" cannot be called by a tool step (tools: bash, "
	 "read_file, write_file, edit_file, list_files, artifact)"},
	{W("{'name':'a','call':{'tool':'verdict'}}"),
	 "steps[0] \"a\": call: \"verdict\" is for critics only"},
	{W("{'name':'a','call':{'tool':'define_workflow','args':{'name':'x','spec':'{}'}}}"),
	 "steps[0] \"a\": call: \"define_workflow\" is only for the built-in generate and repair "
	 "workflows"},
	{W("{'name':'a','call':{'tool':'bash','args':['x']}}"),
	 "steps[0] \"a\": call: field \"args\" must be an object"},
	{W("{'name':'a','call':{'tool':'bash','args':{'command':'echo ${HOME}'}}}"),
	 "steps[0] \"a\": call.args.command: unknown placeholder \"${HOME}\" (known: " KNOWN_PH
	 "; write $${ for a literal ${)"},
	{W("{'name':'a','call':{'tool':'bash','args':{'command':'echo ${issue.title'}}}"),
	 "steps[0] \"a\": call.args.command: unterminated placeholder \"${issue.title\""},
	{W("{'name':'a','call':{'tool':'bash','args':{'command':'echo ${param.x}'}}}"),
	 "steps[0] \"a\": call.args.command: ${param.x} is not provided by the params of an "
	 "earlier step"},
	{W("{'name':'a','call':{'tool':'bash','args':{'command':'a\\u0000b'}}}"),
	 "steps[0] \"a\": call.args.command must not contain NUL bytes"},
	{W("{'name':'a','call':{'tool':'write_file','args':{'list':[1,{'k':'${nope}'}]}}}"),
	 "steps[0] \"a\": call.args.list[1].k: unknown placeholder \"${nope}\" (known: " KNOWN_PH
	 "; write $${ for a literal ${)"},
	{WC("{'name':'a','call':{'tool':'bash','args':{'command':'true'}},'critic':'c','tools':[],"
	    "'agent':'worker','params':[]}",
	    "'c':'r'"),
	 "steps[0] \"a\": a tool step takes no \"agent\" (it makes one call, judged by the tool's "
	 "result)\n"
	 "steps[0] \"a\": a tool step takes no \"tools\" (it makes one call, judged by the tool's "
	 "result)\n"
	 "steps[0] \"a\": a tool step takes no \"critic\" (it makes one call, judged by the tool's "
	 "result)\n"
	 "steps[0] \"a\": a tool step takes no \"params\" (it makes one call, judged by the tool's "
	 "result)\n"
	 "critics: rubric \"c\" is not used by any step"},
	/* Budget. */
	{"{'name':'W','steps':[" S_A "],'budget':5}", "field \"budget\" must be an object"},
	{"{'name':'W','steps':[" S_A "],'budget':{'tokens':0,'dollars':1}}",
	 "budget: unknown field \"dollars\" (fields: tokens, seconds, usd)\n"
	 "budget: field \"tokens\" must be an integer from 1 to 1000000000000, got 0"},
	{"{'name':'W','steps':[" S_A "],'budget':{'seconds':'1h'}}",
	 "budget: field \"seconds\" must be an integer"},
	{"{'name':'W','steps':[" S_A "],'budget':{'usd':-1}}",
	 "budget: field \"usd\" must be a number from 0.000001 to 1000000"},
	{"{'name':'W','steps':[" S_A "],'budget':{'usd':'2'}}",
	 "budget: field \"usd\" must be a number from 0.000001 to 1000000"},
	{"{'name':'W','steps':[" S_A "],'budget':{'usd':1e300}}",
	 "budget: field \"usd\" must be a number from 0.000001 to 1000000"},
	/* Everything at once: every problem, in order. */
	{"{'name':'bad name','steps':[{'name':'A','goal':''},{'name':'b','agent':'x','goal':'g',"
	 "'critic':'c','back_to':'zz'}],'critics':{'c':'r','u':'unused'},'budget':{'tokens':-1}}",
	 "name \"bad name\" is not a valid workflow name: use [A-Za-z][A-Za-z0-9_]*, at most 64 "
	 "characters\n"
	 "steps[0]: name \"A\" is not a valid step name: use [a-z][a-z0-9_]*, at most 64 "
	 "characters\n"
	 "steps[0]: goal is empty\n"
	 "steps[1] \"b\": unknown agent role \"x\" (roles: worker, worker-smart, reviewer, "
	 "supervisor, supervisor-smart, planner)\n"
	 "steps[1] \"b\": back_to \"zz\" names no step\n"
	 "critics: rubric \"u\" is not used by any step\n"
	 "budget: field \"tokens\" must be an integer from 1 to 1000000000000, got -1"},
};

static void
test_bad_table(void)
{
	size_t n = sizeof bad / sizeof bad[0];

	ok(n >= 30, "at least 30 bad specs (%zu)", n);
	for (size_t i = 0; i < n; i++)
		is_str(problems_of(bad[i].spec, NULL), bad[i].msg, "bad[%zu]: %.70s", i,
		       bad[i].spec);
}

/* Problems that need big or computed inputs, or limits. */
static void
test_bad_computed(void)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_SPEC_DOC_MAX * 2);
	struct claw_spec_limits lim = {0};
	enum claw_err rc;
	char msg[256];

	/* A goal over 16 KiB. */
	(void)claw_buf_puts(&b, "{'name':'W','steps':[{'name':'a','goal':'");
	for (int i = 0; i < CLAW_SPEC_TEXT_MAX + 1; i++)
		(void)claw_buf_putc(&b, 'g');
	(void)claw_buf_puts(&b, "'}]}");
	is_str(problems_of(claw_buf_str(&b), NULL),
	       "steps[0] \"a\": goal is 16385 bytes, over the limit of 16384", "goal over 16 KiB");

	/* A goal of exactly 16 KiB is fine. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','steps':[{'name':'a','goal':'");
	for (int i = 0; i < CLAW_SPEC_TEXT_MAX; i++)
		(void)claw_buf_putc(&b, 'g');
	(void)claw_buf_puts(&b, "'}]}");
	is_str(problems_of(claw_buf_str(&b), NULL), "", "goal of exactly 16 KiB");

	/* A rubric over 16 KiB. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','steps':[{'name':'a','goal':'g','critic':'c'}],"
				"'critics':{'c':'");
	for (int i = 0; i < CLAW_SPEC_TEXT_MAX + 10; i++)
		(void)claw_buf_putc(&b, 'r');
	(void)claw_buf_puts(&b, "'}}");
	is_str(problems_of(claw_buf_str(&b), NULL),
	       "critics: rubric \"c\" is 16394 bytes, over the limit of 16384",
	       "rubric over 16 KiB");

	/* A summary over 16 KiB. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','summary':'");
	for (int i = 0; i < CLAW_SPEC_TEXT_MAX + 1; i++)
		(void)claw_buf_putc(&b, 's');
	(void)claw_buf_puts(&b, "','steps':[" S_A "]}");
	is_str(problems_of(claw_buf_str(&b), NULL),
	       "summary is 16385 bytes, over the limit of 16384", "summary over 16 KiB");

	/* A workflow name over 64 characters. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'");
	for (int i = 0; i < CLAW_SPEC_NAME_MAX + 1; i++)
		(void)claw_buf_putc(&b, 'N');
	(void)claw_buf_puts(&b, "','steps':[" S_A "]}");
	is_str(problems_of(claw_buf_str(&b), NULL),
	       "name \"NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN...\" is not a valid "
	       "workflow name: use [A-Za-z][A-Za-z0-9_]*, at most 64 characters",
	       "name over 64 characters (quoted clipped)");

	/* 13 steps: the count, and nothing else (each step is fine). */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','steps':[");
	for (int i = 0; i < 13; i++)
		(void)claw_buf_printf(&b, "%s{'name':'s%d','goal':'g'}", i > 0 ? "," : "", i);
	(void)claw_buf_puts(&b, "]}");
	is_str(problems_of(claw_buf_str(&b), NULL), "too many steps: 13 (at most 12)", "13 steps");
	/* Past the cap, steps are still checked. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','steps':[");
	for (int i = 0; i < 13; i++)
		(void)claw_buf_printf(&b, "%s{'name':'s%d','goal':'g'}", i > 0 ? "," : "", i);
	(void)claw_buf_puts(&b, ",{'name':'s0','goal':''}]}");
	is_str(problems_of(claw_buf_str(&b), NULL),
	       "too many steps: 14 (at most 12)\n"
	       "steps[13] \"s0\": duplicate step name (also steps[0])\n"
	       "steps[13] \"s0\": goal is empty",
	       "steps past the cap are checked too");

	/* 9 params. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','steps':[{'name':'a','goal':'g','params':[");
	for (int i = 0; i < CLAW_SPEC_PARAMS_MAX + 1; i++)
		(void)claw_buf_printf(&b, "%s{'for':'b','name':'p%d','instruction':'i'}",
				      i > 0 ? "," : "", i);
	(void)claw_buf_puts(&b, "]}," S_B "]}");
	is_str(problems_of(claw_buf_str(&b), NULL), "steps[0] \"a\": params: 9 entries, at most 8",
	       "too many params");

	/* A document over the cap. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','summary':'");
	while (claw_buf_len(&b) <= CLAW_SPEC_DOC_MAX)
		(void)claw_buf_puts(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	(void)claw_buf_puts(&b, "'}");
	(void)snprintf(msg, sizeof msg, "the workflow is %zu bytes, over the limit of %d",
		       claw_buf_len(&b), CLAW_SPEC_DOC_MAX);
	is_str(problems_of_raw(claw_buf_str(&b), claw_buf_len(&b), NULL, &rc), msg,
	       "document over 256 KiB");
	is_int(rc, CLAW_ETOOBIG, "over the cap is CLAW_ETOOBIG");

	/* Budget ceilings. */
	lim.max_tokens = 400000;
	lim.max_seconds = 600;
	lim.max_usd_micros = 2000000;
	is_str(problems_of("{'name':'W','steps':[" S_A
			   "],'budget':{'tokens':400001,'seconds':601,'usd':2.5}}",
			   &lim),
	       "budget: tokens 400001 is above the ceiling of 400000\n"
	       "budget: seconds 601 is above the ceiling of 600\n"
	       "budget: usd 2.5 is above the ceiling of 2",
	       "budget above the ceilings");
	is_str(problems_of("{'name':'W','steps':[" S_A
			   "],'budget':{'tokens':400000,'seconds':600,'usd':2}}",
			   &lim),
	       "", "budget at the ceilings");
	lim = (struct claw_spec_limits){0};
	is_str(problems_of("{'name':'W','steps':[" S_A "],'budget':{'tokens':999999999999}}", &lim),
	       "", "no ceiling: any budget up to the language's cap");

	/* So many problems that some are only counted. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{'name':'W','steps':[" S_A "],'critics':{");
	for (int i = 0; i < CLAW_SPEC_PROBLEMS_MAX + 6; i++)
		(void)claw_buf_printf(&b, "%s'c%d':'r'", i > 0 ? "," : "", i);
	(void)claw_buf_puts(&b, "}}");
	has_str(problems_of(claw_buf_str(&b), NULL), "\n(+6)", "problems past the cap are counted");

	claw_buf_free(&b);
}

/* With the caller's registry: a tool must be in it, and a tool step's args
 * are checked against the tool's schema; the language's own messages come
 * first whatever the registry holds. */
static void
test_registry(void)
{
	struct claw_registry *reg = NULL;
	struct claw_error e;
	struct claw_spec_limits lim = {0};

	if (!is_int(claw_builtin_registry(&reg, &e), CLAW_OK, "the built-in tool registry"))
		return;
	lim.tools = reg;
	is_str(problems_of(W("{'name':'a','call':{'tool':'bash','args':{}}}"), &lim),
	       "steps[0] \"a\": call.args: missing field \"command\"", "args against the schema");
	is_str(problems_of(W("{'name':'a','call':{'tool':'bash','args':{'command':5}}}"), &lim),
	       "steps[0] \"a\": call.args: field \"command\" must be a string",
	       "args of the wrong type");
	is_str(problems_of(W("{'name':'a','call':{'tool':'bash','args':{'command':'make'}}}"),
			   &lim),
	       "", "args that fit the schema");
	is_str(problems_of(W("{'name':'a','goal':'g','tools':['verdict']}"), &lim),
	       "steps[0] \"a\": tools: \"verdict\" is for critics only",
	       "the language's message comes first");
	lim.allow_define = true;
	is_str(problems_of(W("{'name':'a','call':{'tool':'define_workflow','args':{}}}"), &lim),
	       "steps[0] \"a\": call: \"define_workflow\" is not in the tool registry",
	       "a tool of the language the registry lacks");
	is_str(problems_of(W("{'name':'a','goal':'g','tools':['bash','recall','artifact']}"), &lim),
	       "", "palette tools of the registry");
	claw_registry_free(reg);
}

/* mcp__SERVER__TOOL: of the shape without a config, of the config's
 * servers and allow-lists with one. */
static void
test_mcp(void)
{
	struct claw_registry *reg = NULL;
	struct claw_error e = {0};
	struct claw_spec_limits lim = {0};
	struct claw_mcp_config cfg = {0};
	const char *text = "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"tools\": [\"t\"]},"
			   " \"b\": {\"command\": \"y\"}}}";

	is_str(problems_of(W("{'name':'a','goal':'g','tools':['mcp__any__thing']}"), NULL), "",
	       "without a config or registry: any MCP name of the shape");
	is_str(problems_of(W("{'name':'a','goal':'g','tools':['mcp__nothing']}"), NULL),
	       "steps[0] \"a\": tools: unknown tool \"mcp__nothing\" (tools: bash, read_file, "
	       "write_file, edit_file, list_files, recall, artifact)",
	       "a name without a tool part is not one");
	if (!is_int(claw_builtin_registry(&reg, &e), CLAW_OK, "the built-in tool registry") ||
	    !is_int(claw_mcp_config_parse(text, strlen(text), "t", NULL, &cfg, &e), CLAW_OK,
		    "a config"))
		goto out;
	lim.tools = reg;
	is_str(problems_of(W("{'name':'a','goal':'g','tools':['mcp__a__t']}"), &lim),
	       "steps[0] \"a\": tools: \"mcp__a__t\" is not a tool of the project's MCP servers "
	       "(claw mcp lists them)",
	       "a registry without a config: no MCP tools");
	lim.mcp = &cfg;
	is_str(problems_of(W("{'name':'a','goal':'g','tools':['bash','mcp__a__t','mcp__b__any']}"),
			   &lim),
	       "", "with the config: its servers' tools, before they run");
	is_str(problems_of(W("{'name':'a','goal':'g','tools':['mcp__a__u']}"), &lim),
	       "steps[0] \"a\": tools: \"mcp__a__u\" is not a tool of the project's MCP servers "
	       "(claw mcp lists them)",
	       "a tool the allow-list leaves out");
	is_str(problems_of(W("{'name':'a','call':{'tool':'mcp__c__t','args':{}}}"), &lim),
	       "steps[0] \"a\": call: \"mcp__c__t\" is not a tool of the project's MCP servers "
	       "(claw mcp lists them)",
	       "a tool step on a server not configured");
	is_str(problems_of(W("{'name':'a','call':{'tool':'mcp__b__x','args':{'any':1}}}"), &lim),
	       "", "a tool step's args for an MCP tool are the server's to check");
out:
	claw_mcp_config_free(&cfg);
	claw_registry_free(reg);
}

static void
test_problems_join(void)
{
	struct claw_problems p;
	char *s;

	claw_problems_init(&p);
	s = claw_problems_join(&p);
	is_str(s, "", "no problems join to \"\"");
	free(s);
	claw_problems_add(&p, "first %d", 1);
	claw_problems_add(&p, "second");
	s = claw_problems_join(&p);
	is_str(s, "- first 1\n- second\n", "joined one per line");
	free(s);
	for (int i = 0; i < CLAW_SPEC_PROBLEMS_MAX; i++)
		claw_problems_add(&p, "more");
	is_int(p.count, CLAW_SPEC_PROBLEMS_MAX, "kept up to the cap");
	is_int(p.dropped, 2, "the rest counted");
	s = claw_problems_join(&p);
	has_str(s, "- ... and 2 more problems\n", "the count of the dropped ones");
	free(s);
	claw_problems_free(&p);
	is_int(p.count, 0, "free re-initialises");
	claw_problems_free(NULL);
}

/* The example of SPEC.md section 4. */
static const char spec_example[] =
	"{'name':'Issue12Solver','summary':'Add a --version flag: implement it, then prove it "
	"with the test suite.','steps':[{'name':'implement','agent':'worker','goal':'Add a "
	"--version option to src/main.c that prints the version from configure.ac ...','tools':["
	"'read_file','list_files','write_file','bash','artifact','recall'],'critic':'works',"
	"'max_rounds':2},{'name':'verify','agent':'worker','goal':'Run the whole test suite and "
	"record its output as evidence ...','tools':['bash','read_file','artifact'],'critic':"
	"'proven','back_to':'implement'}],'critics':{'works':'The option exists, prints the exact "
	"version, exits 0 ...','proven':'Evidence shows the whole suite ran green, including a "
	"test of --version ...'},'budget':{'tokens':400000,'seconds':1800}}";

/* ai + tool steps, params, back_to from a tool step, a usd budget. */
static const char spec_mixed[] =
	"{'name':'mixed_Flow','steps':["
	"{'name':'draft','agent':'planner','goal':'Write it.','tools':[],'critic':'good',"
	"'max_rounds':3,'params':[{'for':'save','name':'spec','instruction':'Reply with it.'},"
	"{'for':'check','name':'path','instruction':'Which file?'}]},"
	"{'name':'save','call':{'tool':'write_file','args':{'path':'out/${run.id}.json',"
	"'content':'${param.spec}'}},'back_to':'draft','max_rounds':4},"
	"{'name':'check','call':{'tool':'bash','args':{'command':'test -s ${param.path} && echo "
	"$${HOME} $5 $'}}},"
	"{'name':'tell','goal':'Say what ${issue.title} means.'}],"
	"'critics':{'good':'It is good.'},'budget':{'usd':0.25}}";

static void
test_good(void)
{
	struct claw_workflow *wf;
	const struct claw_step *st;
	size_t n;
	const char *const *pal = claw_spec_run_palette(&n);

	wf = parse_good(spec_example, NULL);
	if (wf != NULL) {
		is_str(wf->name, "Issue12Solver", "name");
		has_str(wf->summary, "--version flag", "summary");
		is_int(wf->nsteps, 2, "two steps");
		is_int(wf->ncritics, 2, "two critics");
		st = &wf->steps[0];
		is_str(st->name, "implement", "step 0 name");
		is_int(st->kind, CLAW_STEP_AI, "ai step");
		is_int(st->agent, CLAW_ROLE_WORKER, "worker");
		ok(st->has_tools && st->ntools == 6, "palette of 6");
		is_str(st->tools[5], "recall", "palette order kept");
		is_str(claw_workflow_rubric(wf, st),
		       "The option exists, prints the exact version, "
		       "exits 0 ...",
		       "rubric of step 0");
		is_int(st->back_to, -1, "no back_to");
		is_int(wf->steps[1].back_to, 0, "back_to implement");
		is_int(wf->steps[1].max_rounds, 2, "max_rounds default");
		is_int(wf->budget.tokens, 400000, "budget tokens");
		is_int(wf->budget.seconds, 1800, "budget seconds");
		is_int(wf->budget.usd_micros, 0, "no usd budget");
		is_int(claw_workflow_find_step(wf, "verify"), 1, "find_step");
		is_int(claw_workflow_find_step(wf, "nope"), -1, "find_step of an unknown name");
	}
	claw_workflow_free(wf);

	wf = parse_good(spec_mixed, NULL);
	if (wf != NULL) {
		st = &wf->steps[0];
		is_int(st->agent, CLAW_ROLE_PLANNER, "planner");
		ok(st->has_tools && st->ntools == 0, "tools [] is an empty palette, not absent");
		is_int(st->max_rounds, 3, "max_rounds 3");
		is_int(st->nparams, 2, "two params");
		is_int(st->params[0].for_step, 1, "param for save");
		is_str(st->params[1].name, "path", "param name");
		is_str(st->params[1].instruction, "Which file?", "param instruction");
		st = &wf->steps[1];
		is_int(st->kind, CLAW_STEP_TOOL, "tool step");
		is_str(st->call.tool, "write_file", "call tool");
		is_str(st->call.args,
		       "{\"path\":\"out/${run.id}.json\",\"content\":\"${param.spec}\"}",
		       "call args kept as JSON text");
		ok(st->goal == NULL && st->critic == -1, "a tool step has no goal, no critic");
		is_int(st->back_to, 0, "tool step goes back to draft");
		is_int(st->max_rounds, 4, "tool step max_rounds");
		ok(!wf->steps[3].has_tools, "absent tools: the run palette");
		is_str(wf->steps[3].goal, "Say what ${issue.title} means.",
		       "placeholders in goals are plain text");
		is_int(wf->budget.usd_micros, 250000, "usd 0.25 in micros");
	}
	claw_workflow_free(wf);

	/* A tool step without args gets {}; a step with only a goal. */
	wf = parse_good(W("{'name':'ls','call':{'tool':'list_files'}}," S_A), NULL);
	if (wf != NULL)
		is_str(wf->steps[0].call.args, "{}", "absent args are {}");
	claw_workflow_free(wf);

	/* define_workflow with allow_define. */
	{
		struct claw_spec_limits lim = {0};
		lim.allow_define = true;
		wf = parse_good(W("{'name':'a','goal':'g','params':[{'for':'save','name':'spec',"
				  "'instruction':'i'}]},{'name':'save','call':{'tool':"
				  "'define_workflow','args':{'name':'X','spec':'${param.spec}'}}}"),
				&lim);
		claw_workflow_free(wf);
	}

	is_int(n, 7, "run palette of 7");
	is_str(pal[0], "bash", "run palette starts with bash");
	ok(claw_spec_tool_known("rerun_evidence"), "rerun_evidence is a tool of the language");
	ok(!claw_spec_tool_known("grep"), "grep is not");
	ok(!claw_spec_tool_known(NULL), "NULL is not");
}

static void
test_keeps_steps(void)
{
	struct claw_workflow *a = parse_good(W(S_A "," S_B), NULL);
	struct claw_workflow *b = parse_good(W(S_A ",{'name':'c','goal':'g'}," S_B), NULL);
	struct claw_workflow *c = parse_good(W("{'name':'x','goal':'g'}"), NULL);
	struct claw_problems p;

	claw_problems_init(&p);
	if (a != NULL && b != NULL && c != NULL) {
		ok(claw_workflow_keeps_steps(a, b, &p), "adding a step keeps the names");
		is_int(p.count, 0, "no problem");
		ok(!claw_workflow_keeps_steps(a, c, &p), "dropping steps is refused");
		is_int(p.count, 2, "one problem per missing step");
		is_str(p.items[0],
		       "step \"a\" of the previous version is missing (a repair keeps every "
		       "step name)",
		       "the message");
	}
	claw_problems_free(&p);
	claw_workflow_free(a);
	claw_workflow_free(b);
	claw_workflow_free(c);
}

/* A small deterministic generator (rand() is banned and not reproducible). */
static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_never_crash(void)
{
	static const char *const values[] = {"null",          "true", "1",  "1.5", "-7",
					     "'s'",           "''",   "[]", "{}",  "[1,'x',{}]",
					     "{'a':{'b':[]}}"};
	static const char *const templ[] = {
		"{'name':@,'steps':[" S_A "]}",
		"{'name':'W','summary':@,'steps':[" S_A "]}",
		"{'name':'W','steps':@}",
		"{'name':'W','steps':[@]}",
		"{'name':'W','steps':[{'name':@,'goal':'g'}]}",
		"{'name':'W','steps':[{'name':'a','goal':@}]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','agent':@}]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','tools':@}]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','tools':[@]}]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','critic':@}],'critics':{'c':'r'}}",
		"{'name':'W','steps':[{'name':'a','goal':'g','critic':'c'}],'critics':@}",
		"{'name':'W','steps':[{'name':'a','goal':'g','critic':'c'}],'critics':{'c':@}}",
		"{'name':'W','steps':[{'name':'a','goal':'g','max_rounds':@}]}",
		"{'name':'W','steps':[" S_A ",{'name':'b','goal':'g','back_to':@}]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','params':@}," S_B "]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','params':[@]}," S_B "]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','params':[{'for':@,'name':'p',"
		"'instruction':'i'}]}," S_B "]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','params':[{'for':'b','name':@,"
		"'instruction':'i'}]}," S_B "]}",
		"{'name':'W','steps':[{'name':'a','goal':'g','params':[{'for':'b','name':'p',"
		"'instruction':@}]}," S_B "]}",
		"{'name':'W','steps':[{'name':'a','call':@}]}",
		"{'name':'W','steps':[{'name':'a','call':{'tool':@}}]}",
		"{'name':'W','steps':[{'name':'a','call':{'tool':'bash','args':@}}]}",
		"{'name':'W','steps':[{'name':'a','call':{'tool':'bash','args':{'command':@}}}]}",
		"{'name':'W','steps':[" S_A "],'budget':@}",
		"{'name':'W','steps':[" S_A "],'budget':{'tokens':@}}",
		"{'name':'W','steps':[" S_A "],'budget':{'usd':@}}",
	};
	struct claw_buf b = CLAW_BUF_INIT(CLAW_SPEC_DOC_MAX * 2);
	size_t runs = 0, failures = 0;
	uint64_t seed = 0x9E3779B97F4A7C15u;
	char *good = dq(spec_mixed);
	size_t glen = strlen(good);
	enum claw_err rc;

	/* Wrong types everywhere: each field of each shape gets each JSON type. */
	for (size_t t = 0; t < sizeof templ / sizeof templ[0]; t++) {
		for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
			const char *at = strchr(templ[t], '@');
			claw_buf_reset(&b);
			(void)claw_buf_append(&b, templ[t], (size_t)(at - templ[t]));
			(void)claw_buf_puts(&b, values[k]);
			(void)claw_buf_puts(&b, at + 1);
			if (strstr(problems_of(claw_buf_str(&b), NULL), "!!") != NULL)
				failures++;
			runs++;
		}
	}
	is_int(failures, 0, "wrong types everywhere: %zu documents, results consistent", runs);

	/* Deep nesting, as a whole document and inside args. */
	claw_buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		(void)claw_buf_putc(&b, '[');
	has_str(problems_of_raw(claw_buf_str(&b), claw_buf_len(&b), NULL, &rc), "invalid JSON",
		"100000 open brackets");
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{\"name\":\"W\",\"steps\":[{\"name\":\"a\",\"call\":{\"tool\":"
				"\"bash\",\"args\":{\"command\":\"x\",\"deep\":");
	for (int i = 0; i < 58; i++)
		(void)claw_buf_puts(&b, "[");
	(void)claw_buf_puts(&b, "\"${bad}\"");
	for (int i = 0; i < 58; i++)
		(void)claw_buf_puts(&b, "]");
	(void)claw_buf_puts(&b, "}}}]}");
	has_str(problems_of_raw(claw_buf_str(&b), claw_buf_len(&b), NULL, &rc),
		"unknown placeholder \"${bad}\"", "placeholders found deep inside args");

	/* A huge string where a name goes. */
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{\"name\":\"");
	for (int i = 0; i < 200000; i++)
		(void)claw_buf_putc(&b, i % 7 == 0 ? '"' : 'x');
	has_str(problems_of_raw(claw_buf_str(&b), claw_buf_len(&b), NULL, &rc), "invalid JSON",
		"broken huge string");
	claw_buf_reset(&b);
	(void)claw_buf_puts(&b, "{\"name\":\"");
	for (int i = 0; i < 40000; i++)
		(void)claw_buf_puts(&b, "\\u00e9");
	(void)claw_buf_puts(&b, "\",\"steps\":[{\"name\":\"a\",\"goal\":\"g\"}]}");
	has_str(problems_of_raw(claw_buf_str(&b), claw_buf_len(&b), NULL, &rc),
		"is not a valid workflow name", "huge escaped name");

	/* Random mutations of a good spec: bytes replaced, removed, truncated. */
	failures = 0;
	for (int i = 0; i < 3000; i++) {
		char *m = claw_xmalloc(glen + 1);
		size_t len = glen;
		static const char alphabet[] = "{}[]\":,'x0-1e$\\ ntfu";
		memcpy(m, good, glen + 1);
		for (int k = 0; k < 1 + (int)(xorshift(&seed) % 4); k++) {
			size_t at = (size_t)(xorshift(&seed) % len);
			switch (xorshift(&seed) % 3) {
			case 0:
				m[at] = alphabet[xorshift(&seed) % (sizeof alphabet - 1)];
				break;
			case 1:
				memmove(m + at, m + at + 1, len - at);
				len--;
				break;
			default:
				len = at + 1;
				break;
			}
		}
		if (strstr(problems_of_raw(m, len, NULL, &rc), "!!") != NULL)
			failures++;
		free(m);
	}
	is_int(failures, 0, "3000 mutated specs: every result consistent");
	free(good);
	claw_buf_free(&b);
}

/* ------------------------------------------------------------ placeholders */

static enum claw_err
lookup_test(void *ctx, const char *name, const char **value, struct claw_error *err)
{
	int *calls = ctx;
	(*calls)++;
	if (strcmp(name, "param.spec") == 0)
		*value = "{\"a\": \"b\\\"c\"}\n\x01";
	else if (strcmp(name, "param.path") == 0)
		*value = "docs/x.md";
	else if (strcmp(name, "issue.title") == 0)
		*value = "Title with ${issue.title} inside";
	else if (strcmp(name, "run.id") == 0)
		*value = "42";
	else
		return claw_error_set(err, CLAW_ENOTFOUND, "no value for %s", name);
	return CLAW_OK;
}

static void
test_expand(void)
{
	int calls = 0;
	struct claw_spec_lookup lk = {&calls, lookup_test};
	struct claw_buf b = CLAW_BUF_INIT(1024);
	struct claw_error e;
	struct claw_workflow *wf = parse_good(spec_mixed, NULL);
	struct json_object *args = NULL, *v;

	is_int(claw_spec_expand_string("a ${run.id} b $${x} $5 $ ${issue.title}!", &lk, &b, &e),
	       CLAW_OK, "expand a string");
	is_str(claw_buf_str(&b), "a 42 b ${x} $5 $ Title with ${issue.title} inside!",
	       "values are inserted once, never re-expanded");
	claw_buf_reset(&b);
	is_int(claw_spec_expand_string("${issue.description}", &lk, &b, &e), CLAW_ENOTFOUND,
	       "the lookup's error aborts");
	is_str(claw_error_text(&e), "no value for issue.description", "its message");
	claw_buf_reset(&b);
	is_int(claw_spec_expand_string("x ${what}", &lk, &b, &e), CLAW_EINVAL, "unknown");
	is_str(claw_error_text(&e), "unknown placeholder ${what}", "unknown message");
	claw_buf_reset(&b);
	is_int(claw_spec_expand_string("${run.id", &lk, &b, &e), CLAW_EINVAL, "unterminated");
	claw_buf_reset(&b);
	is_int(claw_spec_expand_string("", &lk, &b, &e), CLAW_OK, "empty string");
	is_str(claw_buf_str(&b), "", "stays empty");
	claw_buf_free(&b);
	{
		struct claw_buf small = CLAW_BUF_INIT(4);
		is_int(claw_spec_expand_string("${run.id}${run.id}${run.id}", &lk, &small, &e),
		       CLAW_ETOOBIG, "past the buffer's cap");
		claw_buf_free(&small);
	}

	if (wf != NULL) {
		is_int(claw_workflow_expand_args(&wf->steps[1], &lk, &args, &e), CLAW_OK,
		       "expand the save step's args");
		v = json_object_object_get(args, "content");
		is_str(json_object_get_string(v), "{\"a\": \"b\\\"c\"}\n\x01",
		       "a JSON value inserted verbatim as a string");
		is_str(json_object_get_string(json_object_object_get(args, "path")), "out/42.json",
		       "run.id");
		json_object_put(args);
		is_int(claw_workflow_expand_args(&wf->steps[2], &lk, &args, &e), CLAW_OK,
		       "expand the check step's args");
		is_str(json_object_get_string(json_object_object_get(args, "command")),
		       "test -s docs/x.md && echo ${HOME} $5 $", "param and a literal ${");
		json_object_put(args);
		args = NULL;
		is_int(claw_workflow_expand_args(&wf->steps[0], &lk, &args, &e), CLAW_EINVAL,
		       "an ai step has no args");
		ok(args == NULL, "nothing out");
	}
	claw_workflow_free(wf);
}

/* ------------------------------------------------------------ output */

static char *
canonical(const struct claw_workflow *wf)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_SPEC_DOC_MAX);
	is_int(claw_workflow_to_json(wf, &b), CLAW_OK, "to_json");
	return claw_buf_steal(&b);
}

static void
round_trip(const char *spec, const char *name)
{
	struct claw_workflow *a = parse_good(spec, NULL), *b = NULL;
	struct claw_problems p;
	char *ja = NULL, *jb = NULL;

	claw_problems_init(&p);
	if (a == NULL)
		goto out;
	ja = canonical(a);
	is_int(claw_workflow_parse(ja, strlen(ja), NULL, &b, &p), CLAW_OK, "%s: canonical parses",
	       name);
	if (b == NULL)
		goto out;
	jb = canonical(b);
	is_str(jb, ja, "%s: canonical form is a fixed point", name);
out:
	claw_problems_free(&p);
	free(ja);
	free(jb);
	claw_workflow_free(a);
	claw_workflow_free(b);
}

static void
test_to_json(void)
{
	struct claw_workflow *wf = parse_good(spec_mixed, NULL);
	char *j;

	round_trip(spec_example, "spec example");
	round_trip(spec_mixed, "mixed");
	round_trip(W("{'name':'a','goal':'g \\u00e9\\n\\\"q\\\"','max_rounds':5}"), "escapes");
	if (wf != NULL) {
		j = canonical(wf);
		is_str(j,
		       "{\"name\":\"mixed_Flow\",\"steps\":[{\"name\":\"draft\",\"agent\":"
		       "\"planner\","
		       "\"goal\":\"Write it.\",\"tools\":[],\"critic\":\"good\",\"max_rounds\":3,"
		       "\"params\":[{\"for\":\"save\",\"name\":\"spec\",\"instruction\":\"Reply "
		       "with "
		       "it.\"},{\"for\":\"check\",\"name\":\"path\",\"instruction\":\"Which "
		       "file?\"}]},"
		       "{\"name\":\"save\",\"call\":{\"tool\":\"write_file\",\"args\":{\"path\":"
		       "\"out/"
		       "${run.id}.json\",\"content\":\"${param.spec}\"}},\"max_rounds\":4,\"back_"
		       "to\":"
		       "\"draft\"},{\"name\":\"check\",\"call\":{\"tool\":\"bash\",\"args\":{"
		       "\"command\":\"test -s ${param.path} && echo $${HOME} $5 $\"}}},{\"name\":"
		       "\"tell\",\"agent\":\"worker\",\"goal\":\"Say what ${issue.title} "
		       "means.\"}],"
		       "\"critics\":{\"good\":\"It is good.\"},\"budget\":{\"usd\":0.25}}",
		       "the canonical form");
		free(j);
	}
	claw_workflow_free(wf);
}

static void
test_render(void)
{
	struct claw_workflow *wf = parse_good(spec_example, NULL);
	struct claw_buf b = CLAW_BUF_INIT(64 * 1024);

	if (wf != NULL) {
		is_int(claw_workflow_render(wf, &b), CLAW_OK, "render");
		is_str(claw_buf_str(&b),
		       "Workflow Issue12Solver (2 steps)\n"
		       "  Add a --version flag: implement it, then prove it with the test suite.\n"
		       "Budget: 400000 tokens, 1800 s\n"
		       "\n"
		       "1. implement (ai step, worker)\n"
		       "   Goal:\n"
		       "     Add a --version option to src/main.c that prints the version from "
		       "configure.ac ...\n"
		       "   Tools: read_file, list_files, write_file, bash, artifact, recall\n"
		       "   Critic: works, at most 2 rounds\n"
		       "\n"
		       "2. verify (ai step, worker)\n"
		       "   Goal:\n"
		       "     Run the whole test suite and record its output as evidence ...\n"
		       "   Tools: bash, read_file, artifact\n"
		       "   Critic: proven, at most 2 rounds\n"
		       "   On rejection: back to implement, at most 2 rounds\n"
		       "\n"
		       "Critics:\n"
		       "  works:\n"
		       "    The option exists, prints the exact version, exits 0 ...\n"
		       "  proven:\n"
		       "    Evidence shows the whole suite ran green, including a test of "
		       "--version "
		       "...\n",
		       "the rendering");
	}
	claw_workflow_free(wf);
	wf = parse_good(spec_mixed, NULL);
	if (wf != NULL) {
		claw_buf_reset(&b);
		is_int(claw_workflow_render(wf, &b), CLAW_OK, "render mixed");
		has_str(claw_buf_str(&b), "Budget: $0.25\n", "usd budget");
		has_str(claw_buf_str(&b), "   Tools: none\n", "empty palette");
		has_str(claw_buf_str(&b), "   Gives spec to save:\n     Reply with it.\n",
			"params");
		has_str(claw_buf_str(&b),
			"2. save (tool step)\n   Calls: write_file "
			"{\"path\":\"out/${run.id}.json\"",
			"tool step");
		has_str(claw_buf_str(&b),
			"   Tools: the run palette (bash, read_file, write_file, "
			"edit_file, list_files, recall, artifact)\n",
			"run palette");
	}
	claw_workflow_free(wf);
	claw_buf_free(&b);
}

int
main(void)
{
	test_bad_table();
	test_bad_computed();
	test_registry();
	test_mcp();
	test_problems_join();
	test_good();
	test_keeps_steps();
	test_never_crash();
	test_expand();
	test_to_json();
	test_render();
	return tap_done();
}
