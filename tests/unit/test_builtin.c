/*
 * test_builtin — the built-in workflows: each embedded JSON is the file in
 * the source tree, byte for byte, and validates; their shape is what the
 * engine relies on (generate: understand, assess, draft with solverReview,
 * save calling define_workflow with the draft's params and going back to
 * draft; repair: the same ending on role supervisor); and a solver drafted
 * by the worked example in the draft goal is itself a valid workflow.
 */
#include "flow/builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "flow/spec.h"
#include "tap.h"

/* Largest built-in JSON file read back from the source tree. */
#define SOURCE_MAX (256 * 1024)

/* The file src/flow/builtin/<name>.json from $CLAW_SRCDIR (or ../), or NULL. */
static char *
source_text(const char *name, size_t *len)
{
	const char *top = getenv("CLAW_SRCDIR");
	char path[1024];
	struct claw_buf b = CLAW_BUF_INIT(SOURCE_MAX);
	char chunk[4096];
	size_t n;
	FILE *f;

	(void)snprintf(path, sizeof path, "%s/src/flow/builtin/%s.json", top ? top : "..", name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)claw_buf_append(&b, chunk, n);
	(void)fclose(f);
	*len = claw_buf_len(&b);
	return claw_buf_steal(&b);
}

static void
test_embedded(void)
{
	const char *const *names = claw_builtins_names();
	size_t n = 0;

	for (size_t i = 0; names[i] != NULL; i++) {
		size_t len = 0, slen = 0;
		const char *text = claw_builtins_text(names[i], &len);
		char *src = source_text(names[i], &slen);

		ok(text != NULL, "%s is embedded", names[i]);
		if (src != NULL && text != NULL)
			ok(len == slen && memcmp(text, src, len) == 0 && text[len] == '\0',
			   "%s: embedded bytes are the source file (%zu bytes)", names[i], len);
		else
			ok(src != NULL, "%s: source file readable (CLAW_SRCDIR)", names[i]);
		free(src);
		n++;
	}
	is_int(n, 2, "two built-in workflows");
	ok(claw_builtins_text("nope", NULL) == NULL, "unknown name: no text");
}

static void
test_validate(void)
{
	struct claw_error e;
	struct claw_workflow *wf = NULL;

	is_int(claw_builtins_check(NULL, &e), CLAW_OK, "every built-in validates");
	is_int(claw_builtins_get("nope", NULL, &wf, &e), CLAW_ENOTFOUND, "unknown name");
	is_str(claw_error_text(&e), "no built-in workflow \"nope\"", "its message");
	ok(wf == NULL, "nothing out");

	/* Without allow_define the built-ins are refused: define_workflow is theirs
	 * alone, and a generated solver cannot call it. */
	{
		struct claw_problems p;
		size_t len;
		const char *text = claw_builtins_text("generate", &len);
		claw_problems_init(&p);
		is_int(claw_workflow_parse(text, len, NULL, &wf, &p), CLAW_EINVAL,
		       "generate needs allow_define");
		if (p.count > 0)
			has_str(p.items[0], "\"define_workflow\" is only for the built-in",
				"the message");
		claw_problems_free(&p);
	}
}

/* The params of step `from` aimed at step `to`, by name, as "a,b". */
static void
params_for(const struct claw_workflow *wf, size_t from, size_t to, struct claw_buf *out)
{
	const struct claw_step *st = &wf->steps[from];
	for (size_t k = 0; k < st->nparams; k++)
		if (st->params[k].for_step == to)
			(void)claw_buf_printf(out, "%s%s", claw_buf_len(out) ? "," : "",
					      st->params[k].name);
}

/* The ending both built-ins share: an ai step with a critic giving name and
 * spec to a save step that calls define_workflow and goes back to it. */
static void
check_ending(const struct claw_workflow *wf, const char *writer, const char *critic)
{
	int w = claw_workflow_find_step(wf, writer), s = claw_workflow_find_step(wf, "save");
	struct claw_buf b = CLAW_BUF_INIT(256);

	if (!ok(w >= 0 && s == w + 1 && (size_t)s == wf->nsteps - 1, "%s: %s then save, last",
		wf->name, writer))
		return;
	is_str(wf->critics[wf->steps[w].critic].name, critic, "%s: %s's critic", wf->name, writer);
	params_for(wf, (size_t)w, (size_t)s, &b);
	is_str(claw_buf_str(&b), "name,spec", "%s: %s gives save name and spec", wf->name, writer);
	is_int(wf->steps[s].kind, CLAW_STEP_TOOL, "%s: save is a tool step", wf->name);
	is_str(wf->steps[s].call.tool, "define_workflow", "%s: save calls define_workflow",
	       wf->name);
	is_str(wf->steps[s].call.args, "{\"name\":\"${param.name}\",\"spec\":\"${param.spec}\"}",
	       "%s: save's args", wf->name);
	is_int(wf->steps[s].back_to, w, "%s: a rejection goes back to %s", wf->name, writer);
	has_str(wf->steps[w].goal, "label \"solver\"", "%s: %s records the artifact solver",
		wf->name, writer);
	has_str(wf->steps[w].goal, "THE LANGUAGE", "%s: %s's goal describes the language", wf->name,
		writer);
	ok(wf->steps[w].has_tools && wf->steps[w].ntools > 0, "%s: %s has its own palette",
	   wf->name, writer);
	for (size_t k = 0; k < wf->steps[w].ntools; k++)
		ok(strcmp(wf->steps[w].tools[k], "write_file") != 0 &&
			   strcmp(wf->steps[w].tools[k], "bash") != 0,
		   "%s: %s cannot change the project (%s)", wf->name, writer,
		   wf->steps[w].tools[k]);
	claw_buf_free(&b);
}

static void
test_generate(void)
{
	struct claw_error e;
	struct claw_workflow *wf = NULL;
	static const char *const order[] = {"understand", "assess", "draft", "save"};

	if (!is_int(claw_builtins_get("generate", NULL, &wf, &e), CLAW_OK, "generate parses"))
		tap_diag("%s", claw_error_text(&e));
	if (wf == NULL)
		return;
	is_str(wf->name, "generate", "its name");
	is_int(wf->nsteps, 4, "four steps");
	for (size_t i = 0; i < 4 && i < wf->nsteps; i++)
		is_str(wf->steps[i].name, order[i], "step %zu", i);
	check_ending(wf, "draft", "solverReview");
	for (size_t i = 0; i < wf->nsteps; i++)
		if (wf->steps[i].kind == CLAW_STEP_AI)
			for (size_t k = 0; k < wf->steps[i].ntools; k++)
				ok(strcmp(wf->steps[i].tools[k], "write_file") != 0,
				   "generate never writes project files (%s)", wf->steps[i].name);
	claw_workflow_free(wf);
}

static void
test_repair(void)
{
	struct claw_error e;
	struct claw_workflow *wf = NULL;

	if (!is_int(claw_builtins_get("repair", NULL, &wf, &e), CLAW_OK, "repair parses"))
		tap_diag("%s", claw_error_text(&e));
	if (wf == NULL)
		return;
	is_str(wf->name, "repair", "its name");
	for (size_t i = 0; i < wf->nsteps; i++)
		if (wf->steps[i].kind == CLAW_STEP_AI)
			is_int(wf->steps[i].agent, CLAW_ROLE_SUPERVISOR, "repair %s is supervisor",
			       wf->steps[i].name);
	check_ending(wf, "fix", "repairReview");
	has_str(wf->steps[claw_workflow_find_step(wf, "fix")].goal, "step names",
		"fix is told to keep the step names");
	claw_workflow_free(wf);
}

/* The worked example inside the draft goal is a valid solver (with the
 * limits a generated solver gets: no define_workflow). */
static void
test_example_valid(void)
{
	struct claw_error e;
	struct claw_workflow *wf = NULL, *ex = NULL;
	struct claw_problems p;
	const char *goal, *start, *end;

	claw_problems_init(&p);
	if (claw_builtins_get("generate", NULL, &wf, &e) != CLAW_OK)
		goto out;
	goal = wf->steps[claw_workflow_find_step(wf, "draft")].goal;
	start = strstr(goal, "A WORKED EXAMPLE");
	start = start != NULL ? strchr(start, '{') : NULL;
	end = start != NULL ? strstr(start, "\n\nWHAT TO DO") : NULL;
	if (!ok(start != NULL && end != NULL, "the draft goal has a worked example"))
		goto out;
	if (!is_int(claw_workflow_parse(start, (size_t)(end - start), NULL, &ex, &p), CLAW_OK,
		    "the worked example is a valid solver"))
		for (size_t i = 0; i < p.count; i++)
			tap_diag("%s", p.items[i]);
	if (ex != NULL) {
		is_int(ex->nsteps, 2, "example: two steps");
		is_int(ex->steps[1].back_to, 0, "example: verify goes back to implement");
	}
out:
	claw_problems_free(&p);
	claw_workflow_free(ex);
	claw_workflow_free(wf);
}

int
main(void)
{
	test_embedded();
	test_validate();
	test_generate();
	test_repair();
	test_example_valid();
	return tap_done();
}
