/*
 * instructions — AGENTS.md / CLAUDE.md into every agent's system prompt.
 * See instructions.h.
 */
#include "flow/instructions.h"

#include <stdlib.h>
#include <string.h>

#include "tool/files.h"
#include "tool/secrets.h"

enum claw_err
claw_instructions_load(const char *root, const struct claw_secrets *secrets,
		       struct claw_instructions *out, struct claw_error *err)
{
	static const char *const names[] = {"AGENTS.md", "CLAUDE.md"};
	struct claw_error e = {0};

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *text = NULL;
		size_t len = 0;
		int64_t size = 0;
		enum claw_err rc = claw_files_read_head(root, names[i], CLAW_INSTRUCTIONS_MAX,
							&text, &len, &size, &e);
		if (rc == CLAW_ENOTFOUND || rc == CLAW_EINVAL)
			continue; /* absent, a directory, a link out of the folder */
		if (rc != CLAW_OK)
			return claw_error_set(err, rc, "%s: %s", names[i], e.msg);
		out->name = names[i];
		out->bytes = size;
		out->clipped = size > (int64_t)len;
		if (out->clipped) {
			char *nl = memrchr(text, '\n', len);
			len = nl != NULL ? (size_t)(nl - text) + 1 : len;
		}
		struct claw_buf b = CLAW_BUF_INIT(CLAW_INSTRUCTIONS_MAX * 4);
		(void)claw_secrets_redact(secrets, text, len, &b);
		free(text);
		out->text = claw_buf_steal(&b);
		claw_buf_free(&b);
		return CLAW_OK;
	}
	return CLAW_OK;
}

void
claw_instructions_free(struct claw_instructions *in)
{
	free(in->text);
	memset(in, 0, sizeof *in);
}

enum claw_err
claw_instructions_system(struct claw_buf *out, const char *system,
			 const struct claw_instructions *in)
{
	(void)claw_buf_puts(out, system != NULL ? system : "");
	if (in == NULL || in->name == NULL)
		return claw_buf_error(out);
	(void)claw_buf_printf(out,
			      "%s# Project instructions (%s)\n\n"
			      "The project's own instructions for agents, from its %s%s. Follow "
			      "them where they do not contradict the instructions above.\n\n",
			      claw_buf_len(out) > 0 ? "\n\n" : "", in->name, in->name,
			      in->clipped ? " (its beginning: the file is longer)" : "");
	(void)claw_buf_puts(out, in->text);
	return claw_buf_error(out);
}
