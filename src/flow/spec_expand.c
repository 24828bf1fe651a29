/*
 * spec_expand — the placeholders of the workflow language: which names
 * exist, and the expansion of a tool step's args just before the engine
 * makes the call.  See spec.h (the declarations and the syntax) and
 * spec_int.h.
 *
 * The validator (spec.c) has already refused every unknown or unterminated
 * placeholder of a parsed workflow, so here those are errors only for text
 * that did not come through it (tests, the fuzzer).  Values are looked up
 * through the caller's claw_spec_lookup and inserted as JSON strings, never
 * as JSON text, so nothing a value holds can change the shape of the args.
 */
#include "flow/spec.h"

#include <string.h>

#include "base/json.h"
#include "flow/spec_int.h"

bool
claw_spec_placeholder_known(const char *name)
{
	return strcmp(name, "issue.title") == 0 || strcmp(name, "issue.description") == 0 ||
	       strcmp(name, "run.id") == 0 ||
	       (strncmp(name, "param.", 6) == 0 && claw_spec_is_ident(name + 6, true));
}

enum claw_err
claw_spec_expand_string(const char *s, const struct claw_spec_lookup *lookup, struct claw_buf *out,
			struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	const char *p = s;

	for (;;) {
		const char *dollar = strchr(p, '$'), *end, *value = NULL;
		char name[CLAW_SPEC_NAME_MAX + 16];
		size_t n;

		if (dollar == NULL) {
			(void)claw_buf_puts(out, p);
			break;
		}
		if (dollar[1] == '$' && dollar[2] == '{') {
			(void)claw_buf_append(out, p, (size_t)(dollar - p));
			(void)claw_buf_puts(out, "${");
			p = dollar + 3;
			continue;
		}
		if (dollar[1] != '{') {
			(void)claw_buf_append(out, p, (size_t)(dollar + 1 - p));
			p = dollar + 1;
			continue;
		}
		(void)claw_buf_append(out, p, (size_t)(dollar - p));
		end = strchr(dollar + 2, '}');
		if (end == NULL) {
			rc = claw_error_set(err, CLAW_EINVAL, "unterminated placeholder %s",
					    claw_spec_quote(dollar).s);
			goto out;
		}
		n = (size_t)(end - (dollar + 2));
		if (n >= sizeof name) {
			rc = claw_error_set(err, CLAW_EINVAL, "unknown placeholder %s",
					    claw_spec_quote(dollar).s);
			goto out;
		}
		memcpy(name, dollar + 2, n);
		name[n] = '\0';
		if (!claw_spec_placeholder_known(name)) {
			rc = claw_error_set(err, CLAW_EINVAL, "unknown placeholder ${%s}", name);
			goto out;
		}
		rc = lookup->fn(lookup->ctx, name, &value, err);
		if (rc != CLAW_OK)
			goto out;
		(void)claw_buf_puts(out, value != NULL ? value : "");
		p = end + 1;
	}
out:
	if (rc == CLAW_OK)
		rc = claw_buf_error(out);
	if (rc == CLAW_ETOOBIG)
		(void)claw_error_set(err, rc, "an expanded value is over %zu bytes", out->max);
	return rc;
}

/* Expands every string value under val: a string's expansion is a new JSON
 * string in *repl (the caller puts it in val's place); a container is
 * expanded in place (val is our own tree) and *repl is NULL. */
static enum claw_err
expand_value(struct json_object *val, const struct claw_spec_lookup *lookup,
	     struct json_object **repl, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	struct json_object *r = NULL;

	*repl = NULL;
	switch (json_object_get_type(val)) {
	case json_type_string: {
		struct claw_buf b = CLAW_BUF_INIT(CLAW_SPEC_EXPAND_MAX);
		rc = claw_spec_expand_string(json_object_get_string(val), lookup, &b, err);
		if (rc == CLAW_OK)
			*repl = json_object_new_string_len(claw_buf_str(&b), (int)claw_buf_len(&b));
		claw_buf_free(&b);
		break;
	}
	case json_type_object: {
		json_object_object_foreach(val, key, child)
		{
			rc = expand_value(child, lookup, &r, err);
			if (rc != CLAW_OK)
				break;
			if (r != NULL)
				json_object_object_add(val, key, r);
		}
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(val) && rc == CLAW_OK; i++) {
			rc = expand_value(json_object_array_get_idx(val, i), lookup, &r, err);
			if (rc == CLAW_OK && r != NULL)
				json_object_array_put_idx(val, i, r);
		}
		break;
	default:
		break;
	}
	return rc;
}

enum claw_err
claw_workflow_expand_args(const struct claw_step *step, const struct claw_spec_lookup *lookup,
			  struct json_object **out, struct claw_error *err)
{
	enum claw_err rc;
	struct json_object *args = NULL, *repl;

	*out = NULL;
	if (step->kind != CLAW_STEP_TOOL || step->call.args == NULL) {
		rc = claw_error_set(err, CLAW_EINVAL, "step %s is not a tool step",
				    step->name != NULL ? step->name : "?");
		goto out;
	}
	rc = claw_json_parse(step->call.args, strlen(step->call.args), &args, err);
	if (rc != CLAW_OK)
		goto out;
	if (!json_object_is_type(args, json_type_object)) {
		rc = claw_error_set(err, CLAW_EINTERNAL, "step %s: args are not an object",
				    step->name);
		goto out;
	}
	rc = expand_value(args, lookup, &repl, err); /* an object: repl stays NULL */
	if (rc != CLAW_OK) {
		claw_error_prefix(err, "step %s", step->name);
		goto out;
	}
	*out = args;
	args = NULL;
out:
	json_object_put(args);
	return rc;
}
