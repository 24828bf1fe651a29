/*
 * fuzz_env — libFuzzer target for claw.env: the line parser
 * (claw_envfile_parse, src/base/envfile.c) and the settings read from it
 * (claw_config_load_from, src/base/config.c).
 *
 * Input: one byte, then the file.  Bit 0 of the byte puts CLAW_MODEL and
 * CLAW_MAX_RUNS in the environment too.  Properties:
 *   - every pair has a key of [A-Za-z_][A-Za-z0-9_]* and a value without
 *     NUL or newline, both inside the text; writing the pairs back quoted
 *     and parsing that gives the same pairs;
 *   - a parse error names the file and line and quotes no text;
 *   - loading the file as $CLAW_HOME/claw.env: the environment wins over
 *     the file; every value in the struct keeps its documented range
 *     (max_runs 1..1024, base_url http(s) without a trailing '/', ...); a
 *     failed load leaves the struct zeroed, with a message.
 * Seeds in tests/fuzz/seeds/env, words in env.dict.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/envfile.h"
#include "base/mem.h"
#include "base/str.h"
#include "fuzz.h"

#define ENV_PAIRS_MAX 4096

struct pairs {
	const char *text; /* the parsed text, for the bounds check */
	size_t len;
	size_t n;
	char *key[ENV_PAIRS_MAX];
	char *value[ENV_PAIRS_MAX];
};

static enum claw_err
collect(void *ctx, struct claw_str key, struct claw_str value, unsigned line,
	struct claw_error *err)
{
	struct pairs *p = ctx;
	(void)err;
	fuzz_check(line >= 1, "line 0");
	fuzz_check(key.n > 0 && !(key.p[0] >= '0' && key.p[0] <= '9'), "bad key start");
	for (size_t i = 0; i < key.n; i++) {
		char c = key.p[i];
		fuzz_check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				   (c >= '0' && c <= '9') || c == '_',
			   "bad key character");
	}
	fuzz_check(key.p >= p->text && key.p + key.n <= p->text + p->len, "key outside the text");
	fuzz_check(value.n == 0 || (value.p >= p->text && value.p + value.n <= p->text + p->len),
		   "value outside the text");
	fuzz_check(memchr(value.p, '\n', value.n) == NULL && memchr(value.p, '\0', value.n) == NULL,
		   "newline or NUL in a value");
	if (p->n < ENV_PAIRS_MAX) {
		p->key[p->n] = claw_str_dup(key);
		p->value[p->n] = claw_str_dup(value);
		p->n++;
	}
	return CLAW_OK;
}

static void
pairs_free(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->key[i]);
		free(p->value[i]);
	}
	p->n = 0;
}

/* The pairs written back, each value quoted with a quote it does not hold
 * (pairs whose value holds both quotes are left out: *kept says which). */
static void
write_back(const struct pairs *p, struct claw_buf *out, bool *kept)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *v = p->value[i];
		char q = strchr(v, '\'') == NULL ? '\'' : strchr(v, '"') == NULL ? '"' : 0;
		/* A value ending in '\r' would lose it as a CRLF line end; the
		 * closing quote protects it. */
		kept[i] = q != 0;
		if (q != 0)
			(void)claw_buf_printf(out, "%sexport %s=%c%s%c\n", i % 2 ? "  " : "",
					      p->key[i], q, v, q);
	}
}

static void
check_envfile(const char *text, size_t len)
{
	static struct pairs a, b;
	static bool kept[ENV_PAIRS_MAX];
	struct claw_error err = {0};
	enum claw_err rc;

	a.text = text;
	a.len = len;
	rc = claw_envfile_parse(text, len, "/h/claw.env", collect, &a, &err);
	if (rc != CLAW_OK) {
		fuzz_check(rc == CLAW_ECONFIG, "parse error is not CLAW_ECONFIG");
		fuzz_check(strncmp(err.msg, "/h/claw.env:", 12) == 0,
			   "error does not name the file");
		pairs_free(&a);
		return;
	}
	struct claw_buf again = CLAW_BUF_INIT(1u << 24);
	write_back(&a, &again, kept);
	b.text = claw_buf_str(&again);
	b.len = claw_buf_len(&again);
	rc = claw_envfile_parse(b.text, b.len, "again", collect, &b, &err);
	fuzz_check(rc == CLAW_OK, "pairs written back do not parse");
	size_t j = 0;
	for (size_t i = 0; i < a.n; i++) {
		if (!kept[i])
			continue;
		fuzz_check(j < b.n, "a pair written back is lost");
		fuzz_check(strcmp(a.key[i], b.key[j]) == 0 && strcmp(a.value[i], b.value[j]) == 0,
			   "a pair written back reads differently");
		j++;
	}
	fuzz_check(j == b.n, "pairs written back read as more pairs");
	claw_buf_free(&again);
	pairs_free(&a);
	pairs_free(&b);
}

static void
check_config(const char *text, size_t len, bool env)
{
	const char *dir = fuzz_tmpdir();
	char *path = claw_xasprintf("%s/claw.env", dir);
	char *home = claw_xasprintf("CLAW_HOME=%s", dir);
	const char *envp[] = {home, "CLAW_MODEL=from-env", "CLAW_MAX_RUNS=7", NULL};
	struct claw_config cfg;
	struct claw_error err = {0};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	fuzz_check(fd >= 0, "cannot write claw.env");
	fuzz_check(write(fd, text, len) == (ssize_t)len, "short write of claw.env");
	(void)close(fd);
	if (!env)
		envp[1] = NULL;
	if (claw_config_load_from(&cfg, envp, &err) == CLAW_OK) {
		fuzz_check(strcmp(cfg.home, dir) == 0, "home is not CLAW_HOME");
		fuzz_check(cfg.max_runs >= 1 && cfg.max_runs <= CLAW_CONFIG_MAX_RUNS_MAX,
			   "max_runs out of range");
		fuzz_check(cfg.tool_timeout_ms >= 1 &&
				   cfg.tool_timeout_ms <= CLAW_CONFIG_TOOL_TIMEOUT_MS_MAX,
			   "tool timeout out of range");
		fuzz_check(cfg.budget_tokens >= 0 && cfg.budget_seconds >= 0 &&
				   cfg.budget_usd_micros >= 0 && cfg.turn_tokens >= 0 &&
				   cfg.turn_seconds >= 0,
			   "negative budget");
		size_t n = strlen(cfg.base_url);
		fuzz_check((strncmp(cfg.base_url, "http://", 7) == 0 ||
			    strncmp(cfg.base_url, "https://", 8) == 0) &&
				   cfg.base_url[n - 1] != '/' &&
				   strpbrk(cfg.base_url, " \t\r\n") == NULL,
			   "bad base_url");
		if (env) {
			fuzz_check(strcmp(cfg.model, "from-env") == 0 && cfg.max_runs == 7,
				   "the file won over the environment");
		}
		fuzz_check(cfg.model == NULL || cfg.model[0] != '\0', "empty model is set");
		fuzz_check((cfg.api_key == NULL) == (cfg.api_key_name == NULL), "key without name");
		fuzz_check(cfg.api_key == NULL || cfg.api_key[0] != '\0', "empty key is set");
	} else {
		fuzz_check(err.msg[0] != '\0', "load error without a message");
		fuzz_check(cfg.home == NULL && cfg.model == NULL && cfg.api_key == NULL,
			   "failed load keeps fields");
	}
	claw_config_free(&cfg);
	free(home);
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool env = false;
	if (size > 0) {
		env = (data[0] & 1) != 0;
		data++;
		size--;
	}
	if (size > CLAW_ENVFILE_MAX)
		return 0;
	check_envfile((const char *)data, size);
	check_config((const char *)data, size, env);
	return 0;
}
