/*
 * test_instructions — AGENTS.md / CLAUDE.md for the system prompt
 * (src/flow/instructions.c): which file, the cap, confinement, secrets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "flow/instructions.h"
#include "tap.h"
#include "tool/secrets.h"

static char root[4096];

static void
put(const char *name, const char *text)
{
	char path[8192];
	(void)snprintf(path, sizeof path, "%s/%s", root, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void
drop(const char *name)
{
	char path[8192];
	(void)snprintf(path, sizeof path, "%s/%s", root, name);
	(void)unlink(path);
	(void)rmdir(path);
}

static struct claw_instructions
load(const struct claw_secrets *s)
{
	struct claw_instructions in;
	struct claw_error err;
	if (claw_instructions_load(root, s, &in, &err) != CLAW_OK)
		tap_diag("load: %s", err.msg);
	return in;
}

static void
test_which(void)
{
	struct claw_instructions in = load(NULL);
	ok(in.name == NULL && in.text == NULL, "neither file: none");
	put("CLAUDE.md", "claude rules\n");
	in = load(NULL);
	is_str(in.name, "CLAUDE.md", "CLAUDE.md when there is no AGENTS.md");
	is_str(in.text, "claude rules\n", "its text");
	claw_instructions_free(&in);
	put("AGENTS.md", "agent rules\n");
	in = load(NULL);
	is_str(in.name, "AGENTS.md", "AGENTS.md first");
	ok(in.bytes == 12 && !in.clipped, "its size, whole");
	claw_instructions_free(&in);
	drop("AGENTS.md");
	char path[8192];
	(void)snprintf(path, sizeof path, "%s/AGENTS.md", root);
	(void)mkdir(path, 0700);
	in = load(NULL);
	is_str(in.name, "CLAUDE.md", "a directory named AGENTS.md is passed over");
	claw_instructions_free(&in);
	drop("AGENTS.md");
	drop("CLAUDE.md");
	/* A link out of the folder is not followed. */
	char outside[8192];
	(void)snprintf(outside, sizeof outside, "%s/../outside-rules.md", root);
	FILE *f = fopen(outside, "w");
	fputs("secret outside\n", f);
	fclose(f);
	(void)symlink(outside, path);
	in = load(NULL);
	ok(in.name == NULL, "AGENTS.md linking out of the folder: none");
	drop("AGENTS.md");
	(void)unlink(outside);
}

static void
test_cap_and_secrets(void)
{
	struct claw_secrets *s = NULL;
	struct claw_error err;
	const char env[] = "API_TOKEN=tok-1234567890\n";
	(void)claw_secrets_parse(env, strlen(env), "test", &s, &err);
	char *big = claw_xmalloc(CLAW_INSTRUCTIONS_MAX + 4096);
	size_t n = 0;
	while (n + 40 < CLAW_INSTRUCTIONS_MAX + 2048) {
		memcpy(big + n, "use tok-1234567890 with care, always.\n", 38);
		n += 38;
	}
	big[n] = '\0';
	put("AGENTS.md", big);
	struct claw_instructions in = load(s);
	ok(in.clipped && in.bytes == (int64_t)n, "a long file is clipped (%lld bytes)",
	   (long long)in.bytes);
	size_t len = strlen(in.text);
	ok(len > 0 && in.text[len - 1] == '\n', "after a whole line");
	ok(strstr(in.text, "tok-1234567890") == NULL &&
		   strstr(in.text, "[redacted API_TOKEN]") != NULL,
	   "secrets redacted");

	struct claw_buf b = CLAW_BUF_INIT(1 << 20);
	(void)claw_instructions_system(&b, "You are claw.", &in);
	ok(strncmp(claw_buf_str(&b), "You are claw.\n\n# Project instructions (AGENTS.md)\n", 49) ==
		   0,
	   "claw's text first, then the heading");
	has_str(claw_buf_str(&b), "(its beginning: the file is longer)", "says it is clipped");
	claw_buf_reset(&b);
	(void)claw_instructions_system(&b, "You are claw.", NULL);
	is_str(claw_buf_str(&b), "You are claw.", "no instructions: the system prompt alone");
	claw_buf_free(&b);
	claw_instructions_free(&in);
	claw_secrets_free(s);
	free(big);
	drop("AGENTS.md");
}

int
main(void)
{
	char *real = realpath(tap_tmpdir(), NULL);
	(void)snprintf(root, sizeof root, "%s/project", real);
	free(real);
	(void)mkdir(root, 0700);
	test_which();
	test_cap_and_secrets();
	return tap_done();
}
