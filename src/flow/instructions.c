/*
 * instructions — AGENTS.md / CLAUDE.md into every agent's system prompt.
 * See instructions.h.
 */
#include "flow/instructions.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/db.h"
#include "tool/files.h"
#include "tool/secrets.h"

static const char *const names[] = {"AGENTS.md", "CLAUDE.md"};

enum claw_err
claw_instructions_recall(struct claw_db *db, int64_t run_id, struct claw_instructions *out,
			 struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	rc = claw_db_stmt(
		db,
		"SELECT json_extract(data, '$.path'), json_extract(data, '$.text'),"
		" json_extract(data, '$.bytes'), json_extract(data, '$.clipped')"
		" FROM trace WHERE run_id = ? AND type = 'note'"
		" AND json_extract(data, '$.action') = 'instructions' ORDER BY seq LIMIT 1",
		&st, err);
	if (rc != CLAW_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_type(st, 1) == SQLITE_TEXT) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		out->name = path != NULL && strcmp(path, names[1]) == 0 ? names[1] : names[0];
		out->text = claw_db_column_dup(st, 1);
		out->bytes = sqlite3_column_int64(st, 2);
		out->clipped = sqlite3_column_int(st, 3) != 0;
	} else if (s != SQLITE_ROW && s != SQLITE_DONE) {
		rc = claw_db_fail(db, "read the run's instructions", err);
	}
	claw_db_finish(st);
	return rc;
}

enum claw_err
claw_instructions_load(const char *root, const struct claw_secrets *secrets,
		       struct claw_instructions *out, struct claw_error *err)
{
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
