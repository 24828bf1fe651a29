/*
 * spec_render — a parsed workflow written out: its canonical JSON form
 * (what the solvers store keeps and a repair is shown; parsing it gives an
 * equal workflow) and the plain text a person reads at the approval gate.
 * See spec.h and spec_int.h.
 *
 * Both only append to the caller's claw_buf and return its sticky error,
 * so a caller checks one result however many appends there were.
 */
#include "flow/spec.h"

#include <string.h>

#include "base/json.h"
#include "flow/spec_int.h"

static void
put_key(struct claw_buf *b, const char *key, bool comma)
{
	if (comma)
		(void)claw_buf_putc(b, ',');
	(void)claw_json_buf_append_string(b, key, strlen(key));
	(void)claw_buf_putc(b, ':');
}

static void
put_string(struct claw_buf *b, const char *key, const char *value, bool comma)
{
	put_key(b, key, comma);
	(void)claw_json_buf_append_string(b, value, strlen(value));
}

static void
step_to_json(const struct claw_workflow *wf, const struct claw_step *st, struct claw_buf *b)
{
	(void)claw_buf_putc(b, '{');
	put_string(b, "name", st->name, false);
	if (st->kind == CLAW_STEP_AI) {
		put_string(b, "agent", claw_config_role_name(st->agent), true);
		put_string(b, "goal", st->goal, true);
		if (st->has_tools) {
			put_key(b, "tools", true);
			(void)claw_buf_putc(b, '[');
			for (size_t k = 0; k < st->ntools; k++) {
				if (k > 0)
					(void)claw_buf_putc(b, ',');
				(void)claw_json_buf_append_string(b, st->tools[k],
								  strlen(st->tools[k]));
			}
			(void)claw_buf_putc(b, ']');
		}
	} else {
		put_key(b, "call", true);
		(void)claw_buf_putc(b, '{');
		put_string(b, "tool", st->call.tool, false);
		put_key(b, "args", true);
		(void)claw_buf_puts(b, st->call.args);
		(void)claw_buf_putc(b, '}');
	}
	if (st->critic >= 0)
		put_string(b, "critic", wf->critics[st->critic].name, true);
	if (st->critic >= 0 || st->back_to >= 0 || st->max_rounds != CLAW_SPEC_ROUNDS_DEFAULT) {
		put_key(b, "max_rounds", true);
		(void)claw_buf_printf(b, "%d", st->max_rounds);
	}
	if (st->back_to >= 0)
		put_string(b, "back_to", wf->steps[st->back_to].name, true);
	if (st->nparams > 0) {
		put_key(b, "params", true);
		(void)claw_buf_putc(b, '[');
		for (size_t k = 0; k < st->nparams; k++) {
			const struct claw_param *pa = &st->params[k];
			(void)claw_buf_puts(b, k > 0 ? ",{" : "{");
			put_string(b, "for", wf->steps[pa->for_step].name, false);
			put_string(b, "name", pa->name, true);
			put_string(b, "instruction", pa->instruction, true);
			(void)claw_buf_putc(b, '}');
		}
		(void)claw_buf_putc(b, ']');
	}
	(void)claw_buf_putc(b, '}');
}

enum claw_err
claw_workflow_to_json(const struct claw_workflow *wf, struct claw_buf *out)
{
	const struct claw_budget *bu = &wf->budget;

	(void)claw_buf_putc(out, '{');
	put_string(out, "name", wf->name, false);
	if (wf->summary[0] != '\0')
		put_string(out, "summary", wf->summary, true);
	put_key(out, "steps", true);
	(void)claw_buf_putc(out, '[');
	for (size_t i = 0; i < wf->nsteps; i++) {
		if (i > 0)
			(void)claw_buf_putc(out, ',');
		step_to_json(wf, &wf->steps[i], out);
	}
	(void)claw_buf_putc(out, ']');
	if (wf->ncritics > 0) {
		put_key(out, "critics", true);
		(void)claw_buf_putc(out, '{');
		for (size_t c = 0; c < wf->ncritics; c++)
			put_string(out, wf->critics[c].name, wf->critics[c].rubric, c > 0);
		(void)claw_buf_putc(out, '}');
	}
	if (bu->tokens > 0 || bu->seconds > 0 || bu->usd_micros > 0) {
		bool comma = false;
		char usd[32];
		put_key(out, "budget", true);
		(void)claw_buf_putc(out, '{');
		if (bu->tokens > 0) {
			put_key(out, "tokens", comma);
			(void)claw_buf_printf(out, "%lld", (long long)bu->tokens);
			comma = true;
		}
		if (bu->seconds > 0) {
			put_key(out, "seconds", comma);
			(void)claw_buf_printf(out, "%lld", (long long)bu->seconds);
			comma = true;
		}
		if (bu->usd_micros > 0) {
			put_key(out, "usd", comma);
			claw_spec_usd_text(usd, sizeof usd, bu->usd_micros);
			(void)claw_buf_puts(out, usd);
		}
		(void)claw_buf_putc(out, '}');
	}
	(void)claw_buf_putc(out, '}');
	return claw_buf_error(out);
}

/* Appends text with every line indented by `indent` spaces. */
static void
put_indented(struct claw_buf *b, const char *text, int indent)
{
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		(void)claw_buf_printf(b, "%*s%.*s\n", indent, "", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

enum claw_err
claw_workflow_render(const struct claw_workflow *wf, struct claw_buf *out)
{
	const struct claw_budget *bu = &wf->budget;

	(void)claw_buf_printf(out, "Workflow %s (%zu step%s)\n", wf->name, wf->nsteps,
			      wf->nsteps == 1 ? "" : "s");
	if (wf->summary[0] != '\0')
		put_indented(out, wf->summary, 2);
	if (bu->tokens > 0 || bu->seconds > 0 || bu->usd_micros > 0) {
		const char *sep = "";
		(void)claw_buf_puts(out, "Budget:");
		if (bu->tokens > 0) {
			(void)claw_buf_printf(out, " %lld tokens", (long long)bu->tokens);
			sep = ",";
		}
		if (bu->seconds > 0) {
			(void)claw_buf_printf(out, "%s %lld s", sep, (long long)bu->seconds);
			sep = ",";
		}
		if (bu->usd_micros > 0) {
			char usd[32];
			claw_spec_usd_text(usd, sizeof usd, bu->usd_micros);
			(void)claw_buf_printf(out, "%s $%s", sep, usd);
		}
		(void)claw_buf_putc(out, '\n');
	}
	for (size_t i = 0; i < wf->nsteps; i++) {
		const struct claw_step *st = &wf->steps[i];

		(void)claw_buf_putc(out, '\n');
		if (st->kind == CLAW_STEP_AI) {
			(void)claw_buf_printf(out, "%zu. %s (ai step, %s)\n", i + 1, st->name,
					      claw_config_role_name(st->agent));
			(void)claw_buf_puts(out, "   Goal:\n");
			put_indented(out, st->goal, 5);
			if (!st->has_tools) {
				(void)claw_buf_puts(
					out, "   Tools: the run palette (" CLAW_SPEC_PALETTE_TOOLS
					     ")\n");
			} else if (st->ntools == 0) {
				(void)claw_buf_puts(out, "   Tools: none\n");
			} else {
				(void)claw_buf_puts(out, "   Tools:");
				for (size_t k = 0; k < st->ntools; k++)
					(void)claw_buf_printf(out, "%s %s", k > 0 ? "," : "",
							      st->tools[k]);
				(void)claw_buf_putc(out, '\n');
			}
			if (st->critic >= 0)
				(void)claw_buf_printf(out, "   Critic: %s, at most %d round%s\n",
						      wf->critics[st->critic].name, st->max_rounds,
						      st->max_rounds == 1 ? "" : "s");
		} else {
			(void)claw_buf_printf(out, "%zu. %s (tool step)\n", i + 1, st->name);
			(void)claw_buf_printf(out, "   Calls: %s %s\n", st->call.tool,
					      st->call.args);
		}
		if (st->back_to >= 0)
			(void)claw_buf_printf(out,
					      "   On rejection: back to %s, at most %d round%s\n",
					      wf->steps[st->back_to].name, st->max_rounds,
					      st->max_rounds == 1 ? "" : "s");
		for (size_t k = 0; k < st->nparams; k++) {
			const struct claw_param *pa = &st->params[k];
			(void)claw_buf_printf(out, "   Gives %s to %s:\n", pa->name,
					      wf->steps[pa->for_step].name);
			put_indented(out, pa->instruction, 5);
		}
	}
	if (wf->ncritics > 0)
		(void)claw_buf_puts(out, "\nCritics:\n");
	for (size_t c = 0; c < wf->ncritics; c++) {
		(void)claw_buf_printf(out, "  %s:\n", wf->critics[c].name);
		put_indented(out, wf->critics[c].rubric, 4);
	}
	return claw_buf_error(out);
}
