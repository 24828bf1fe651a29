/*
 * mcp/config — a project's MCP servers.  See config.h.
 */
#include "mcp/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"

/* Keys of a server entry: claw's, then other clients' it ignores. */
static const char *const server_keys[] = {
	"command", "args",     "env",         "network",     "url",         "headers", "tools",
	"type",    "disabled", "autoApprove", "alwaysAllow", "description", NULL,
};

/* A resolved value wiped before it is freed: it may hold a secret. */
static void
wipe_free(char *s)
{
	claw_private_file_free(s, s != NULL ? strlen(s) : 0);
}

static void
pairs_free(struct claw_mcp_pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		wipe_free(p[i].value);
	}
	free(p);
}

static void
strings_free(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static void
server_free(struct claw_mcp_server *s)
{
	free(s->name);
	free(s->command);
	strings_free(s->args, s->nargs);
	pairs_free(s->env, s->nenv);
	free(s->url);
	pairs_free(s->headers, s->nheaders);
	strings_free(s->tools, s->ntools);
	memset(s, 0, sizeof *s);
}

void
claw_mcp_config_free(struct claw_mcp_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		server_free(&c->servers[i]);
	free(c->servers);
	memset(c, 0, sizeof *c);
}

char *
claw_mcp_config_path(const char *home, const char *key)
{
	return claw_xasprintf("%s/projects/%s.mcp.json", home, key);
}

const struct claw_mcp_server *
claw_mcp_config_find(const struct claw_mcp_config *c, const char *name)
{
	for (size_t i = 0; c != NULL && i < c->n; i++)
		if (strcmp(c->servers[i].name, name) == 0)
			return &c->servers[i];
	return NULL;
}

/* Where a message is about: "P: server S: " (S may be NULL). */
struct where {
	const char *origin;
	const char *server;
};

static enum claw_err fail(const struct where *w, enum claw_err code, struct claw_error *err,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum claw_err
fail(const struct where *w, enum claw_err code, struct claw_error *err, const char *fmt, ...)
{
	char msg[CLAW_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->server != NULL)
		return claw_error_set(err, code, "%s: server %s: %s", w->origin, w->server, msg);
	return claw_error_set(err, code, "%s: %s", w->origin, msg);
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);
	/* No "__", nor a "_" at either end: mcp__<server>__<tool> must say
	 * where the server's name ends. */
	if (n == 0 || n > CLAW_MCP_NAME_MAX || strstr(s, "__") != NULL || s[0] == '_' ||
	    s[n - 1] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* value with each ${NAME} replaced by the secret NAME, into a new string. */
static enum claw_err
resolve(const struct where *w, const char *field, const char *value,
	const struct claw_secrets *secrets, char **out, struct claw_error *err)
{
	struct claw_buf b = CLAW_BUF_INIT(CLAW_MCP_VALUE_MAX);
	const char *p = value;

	*out = NULL;
	for (const char *at; (at = strstr(p, "${")) != NULL;) {
		const char *close = strchr(at + 2, '}');
		size_t k = close != NULL ? (size_t)(close - at - 2) : 0;
		bool is_name = k > 0 && k <= CLAW_SECRETS_NAME_MAX && at[2] >= 'A' &&
			       at[2] <= 'Z' &&
			       strspn(at + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == k;
		if (!is_name) { /* not a reference: kept as it is */
			(void)claw_buf_append(&b, p, (size_t)(at - p) + 2);
			p = at + 2;
			continue;
		}
		const char *found = NULL;
		for (size_t i = 0; i < claw_secrets_count(secrets) && found == NULL; i++)
			if (strlen(claw_secrets_name(secrets, i)) == k &&
			    memcmp(claw_secrets_name(secrets, i), at + 2, k) == 0)
				found = claw_secrets_value(secrets, i);
		if (found == NULL) {
			wipe_free(claw_buf_steal(&b));
			return fail(w, CLAW_EINVAL, err,
				    "%s: secret %.*s is not set in the project's secrets file",
				    field, (int)k, at + 2);
		}
		(void)claw_buf_append(&b, p, (size_t)(at - p));
		(void)claw_buf_puts(&b, found);
		p = close + 1;
	}
	(void)claw_buf_puts(&b, p);
	if (claw_buf_error(&b) != CLAW_OK) {
		wipe_free(claw_buf_steal(&b)); /* it may hold a secret */
		return fail(w, CLAW_ETOOBIG, err, "%s: over %d bytes", field, CLAW_MCP_VALUE_MAX);
	}
	*out = claw_buf_steal(&b);
	return CLAW_OK;
}

/* A string field's value of at most CLAW_MCP_VALUE_MAX bytes, NUL-free;
 * *out is "" on failure. */
static enum claw_err
string_of(const struct where *w, struct json_object *v, const char *field, const char **out,
	  struct claw_error *err)
{
	*out = "";
	if (!json_object_is_type(v, json_type_string))
		return fail(w, CLAW_EINVAL, err, "%s must be a string", field);
	if ((size_t)json_object_get_string_len(v) > CLAW_MCP_VALUE_MAX)
		return fail(w, CLAW_ETOOBIG, err, "%s is over %d bytes", field, CLAW_MCP_VALUE_MAX);
	*out = json_object_get_string(v);
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return fail(w, CLAW_EINVAL, err, "%s must not contain NUL bytes", field);
	return CLAW_OK;
}

/* "args" or "tools": an array of strings (tools: names, unique). */
static enum claw_err
strings_of(const struct where *w, struct json_object *arr, const char *field, bool names,
	   char ***out, size_t *n, struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char what[64];

	if (!json_object_is_type(arr, json_type_array))
		return fail(w, CLAW_EINVAL, err, "%s must be an array of strings", field);
	size_t len = json_object_array_length(arr);
	if (len > CLAW_MCP_LIST_MAX)
		return fail(w, CLAW_ETOOBIG, err, "%s has over %d entries", field,
			    CLAW_MCP_LIST_MAX);
	*out = claw_xcalloc(len > 0 ? len : 1, sizeof **out);
	for (size_t i = 0; i < len && rc == CLAW_OK; i++) {
		const char *s = NULL;
		(void)snprintf(what, sizeof what, "%s[%zu]", field, i);
		rc = string_of(w, json_object_array_get_idx(arr, i), what, &s, err);
		if (rc == CLAW_OK && names && s[0] == '\0')
			rc = fail(w, CLAW_EINVAL, err, "%s must not be empty", what);
		for (size_t k = 0; rc == CLAW_OK && names && k < *n; k++)
			if (strcmp((*out)[k], s) == 0)
				rc = fail(w, CLAW_EINVAL, err, "%s: \"%s\" is listed twice", field,
					  s);
		if (rc == CLAW_OK)
			(*out)[(*n)++] = claw_xstrdup(s);
	}
	return rc;
}

/* "env" or "headers": an object of string values, ${NAME}s resolved. */
static enum claw_err
pairs_of(const struct where *w, struct json_object *obj, const char *field,
	 const struct claw_secrets *secrets, struct claw_mcp_pair **out, size_t *n,
	 struct claw_error *err)
{
	enum claw_err rc = CLAW_OK;
	char what[CLAW_MCP_NAME_MAX + 160];

	if (!json_object_is_type(obj, json_type_object))
		return fail(w, CLAW_EINVAL, err, "%s must be an object of strings", field);
	size_t len = (size_t)json_object_object_length(obj);
	if (len > CLAW_MCP_LIST_MAX)
		return fail(w, CLAW_ETOOBIG, err, "%s has over %d entries", field,
			    CLAW_MCP_LIST_MAX);
	*out = claw_xcalloc(len > 0 ? len : 1, sizeof **out);
	json_object_object_foreach(obj, key, val)
	{
		const char *s = NULL;
		(void)snprintf(what, sizeof what, "%s.%.128s", field, key);
		if (key[0] == '\0' || strlen(key) > 128 || strpbrk(key, "=\r\n:") != NULL)
			return fail(w, CLAW_EINVAL, err,
				    "%s: a name must be 1 to 128 bytes "
				    "without '=', ':' or a line break",
				    what);
		rc = string_of(w, val, what, &s, err);
		if (rc == CLAW_OK && strpbrk(s, "\r\n") != NULL)
			rc = fail(w, CLAW_EINVAL, err, "%s must not hold a line break", what);
		char *v = NULL;
		if (rc == CLAW_OK)
			rc = resolve(w, what, s, secrets, &v, err);
		if (rc != CLAW_OK)
			return rc;
		(*out)[*n].name = claw_xstrdup(key);
		(*out)[(*n)++].value = v;
	}
	return rc;
}

/* Which transport: "type" when given, else command or url. */
static enum claw_err
transport_of(const struct where *w, struct json_object *o, enum claw_mcp_transport *t,
	     struct claw_error *err)
{
	struct json_object *v = NULL;
	bool command = json_object_object_get_ex(o, "command", &v);
	bool url = json_object_object_get_ex(o, "url", &v);
	const char *type = NULL;

	if (json_object_object_get_ex(o, "type", &v)) {
		enum claw_err rc = string_of(w, v, "type", &type, err);
		if (rc != CLAW_OK)
			return rc;
		if (strcmp(type, "sse") == 0)
			return fail(
				w, CLAW_EINVAL, err,
				"type: the old SSE transport is not supported; use the server's "
				"streamable HTTP endpoint (type \"http\")");
		if (strcmp(type, "stdio") != 0 && strcmp(type, "http") != 0 &&
		    strcmp(type, "streamable-http") != 0)
			return fail(w, CLAW_EINVAL, err,
				    "type must be \"stdio\", \"http\" or \"streamable-http\"");
	}
	if (command == url)
		return fail(w, CLAW_EINVAL, err,
			    command ? "has both a command and a url: give one"
				    : "needs a command (a stdio server) or a url (an HTTP server)");
	*t = command ? CLAW_MCP_STDIO : CLAW_MCP_HTTP;
	if (type != NULL && (strcmp(type, "stdio") == 0) != command)
		return fail(w, CLAW_EINVAL, err, "type \"%s\" does not go with a %s", type,
			    command ? "command" : "url");
	return CLAW_OK;
}

static enum claw_err
server_of(const struct where *w, struct json_object *o, const struct claw_secrets *secrets,
	  struct claw_mcp_server *s, struct claw_error *err)
{
	struct json_object *v = NULL;
	const char *str = NULL;
	enum claw_err rc = claw_json_check_type(o, json_type_object, "the entry", err);

	if (rc == CLAW_OK)
		rc = claw_json_check_keys(o, server_keys, err);
	if (rc != CLAW_OK)
		return fail(w, rc, err, "%s", claw_error_text(err));
	rc = transport_of(w, o, &s->transport, err);
	if (rc == CLAW_OK && s->transport == CLAW_MCP_STDIO) {
		(void)json_object_object_get_ex(o, "command", &v);
		rc = string_of(w, v, "command", &str, err);
		if (rc == CLAW_OK && str[0] == '\0')
			rc = fail(w, CLAW_EINVAL, err, "command must not be empty");
		if (rc == CLAW_OK)
			s->command = claw_xstrdup(str);
		if (rc == CLAW_OK && json_object_object_get_ex(o, "args", &v))
			rc = strings_of(w, v, "args", false, &s->args, &s->nargs, err);
		if (rc == CLAW_OK && json_object_object_get_ex(o, "env", &v))
			rc = pairs_of(w, v, "env", secrets, &s->env, &s->nenv, err);
		if (rc == CLAW_OK && json_object_object_get_ex(o, "network", &v)) {
			if (json_object_is_type(v, json_type_boolean))
				s->network = json_object_get_boolean(v);
			else
				rc = fail(w, CLAW_EINVAL, err, "network must be true or false");
		}
		if (rc == CLAW_OK && json_object_object_get_ex(o, "headers", &v))
			rc = fail(w, CLAW_EINVAL, err, "headers are for a url, not a command");
	} else if (rc == CLAW_OK) {
		(void)json_object_object_get_ex(o, "url", &v);
		rc = string_of(w, v, "url", &str, err);
		if (rc == CLAW_OK && strncmp(str, "http://", 7) != 0 &&
		    strncmp(str, "https://", 8) != 0)
			rc = fail(w, CLAW_EINVAL, err, "url must be an http:// or https:// URL");
		if (rc == CLAW_OK && strpbrk(str, " \t\r\n") != NULL)
			rc = fail(w, CLAW_EINVAL, err, "url must not hold spaces or line breaks");
		if (rc == CLAW_OK)
			s->url = claw_xstrdup(str);
		if (rc == CLAW_OK && json_object_object_get_ex(o, "headers", &v))
			rc = pairs_of(w, v, "headers", secrets, &s->headers, &s->nheaders, err);
		static const char *const stdio_only[] = {"args", "env", "network"};
		for (size_t i = 0; rc == CLAW_OK && i < 3; i++)
			if (json_object_object_get_ex(o, stdio_only[i], &v))
				rc = fail(w, CLAW_EINVAL, err, "%s is for a command, not a url",
					  stdio_only[i]);
	}
	if (rc == CLAW_OK && json_object_object_get_ex(o, "tools", &v))
		rc = strings_of(w, v, "tools", true, &s->tools, &s->ntools, err);
	return rc;
}

enum claw_err
claw_mcp_config_parse(const char *text, size_t n, const char *origin,
		      const struct claw_secrets *secrets, struct claw_mcp_config *out,
		      struct claw_error *err)
{
	struct json_object *root = NULL, *servers = NULL, *v = NULL;
	struct where w = {origin, NULL};
	enum claw_err rc;

	memset(out, 0, sizeof *out);
	if (n > CLAW_MCP_FILE_MAX)
		return fail(&w, CLAW_ETOOBIG, err, "over %d bytes", CLAW_MCP_FILE_MAX);
	rc = claw_json_parse(text, n, &root, err);
	if (rc == CLAW_OK)
		rc = claw_json_check_type(root, json_type_object, "the file", err);
	if (rc == CLAW_OK)
		rc = claw_json_get_object(root, "mcpServers", CLAW_JSON_REQUIRED, &servers, err);
	if (rc != CLAW_OK) {
		rc = fail(&w, rc, err, "%s", claw_error_text(err));
		goto out;
	}
	if (json_object_object_length(servers) > CLAW_MCP_SERVERS_MAX) {
		rc = fail(&w, CLAW_ETOOBIG, err, "over %d servers", CLAW_MCP_SERVERS_MAX);
		goto out;
	}
	out->servers =
		claw_xcalloc((size_t)json_object_object_length(servers) + 1, sizeof *out->servers);
	json_object_object_foreach(servers, name, entry)
	{
		w.server = name;
		if (!name_ok(name)) {
			rc = fail(&w, CLAW_EINVAL, err,
				  "a name must be 1 to %d letters, digits, '_' or '-', without "
				  "\"__\" and not beginning or ending with '_'",
				  CLAW_MCP_NAME_MAX);
			goto out;
		}
		if (json_object_is_type(entry, json_type_object) &&
		    json_object_object_get_ex(entry, "disabled", &v) &&
		    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
			continue;
		struct claw_mcp_server *s = &out->servers[out->n++];
		s->name = claw_xstrdup(name);
		rc = server_of(&w, entry, secrets, s, err);
		if (rc != CLAW_OK)
			goto out;
	}
out:
	json_object_put(root);
	if (rc != CLAW_OK)
		claw_mcp_config_free(out);
	return rc;
}

enum claw_err
claw_mcp_config_load(const char *path, const struct claw_secrets *secrets,
		     struct claw_mcp_config *out, struct claw_error *err)
{
	char *text = NULL;
	size_t len = 0;
	enum claw_err rc =
		claw_private_file_read(path, "MCP config", CLAW_MCP_FILE_MAX, &text, &len, err);

	memset(out, 0, sizeof *out);
	if (rc == CLAW_ENOTFOUND) {
		claw_error_clear(err);
		return CLAW_OK;
	}
	if (rc == CLAW_OK)
		rc = claw_mcp_config_parse(text, len, path, secrets, out, err);
	claw_private_file_free(text, len);
	return rc;
}

/* ------------------------------------------------------------ tool names */

const struct claw_mcp_server *
claw_mcp_config_server_of(const struct claw_mcp_config *c, const char *full, const char **tool)
{
	const struct claw_mcp_server *best = NULL;
	size_t best_len = 0;

	if (c == NULL || strncmp(full, "mcp__", 5) != 0)
		return NULL;
	/* The longest server name that fits: "a" and "a_" may both exist. */
	for (size_t i = 0; i < c->n; i++) {
		size_t n = strlen(c->servers[i].name);
		if (n > best_len && strncmp(full + 5, c->servers[i].name, n) == 0 &&
		    strncmp(full + 5 + n, "__", 2) == 0 && full[5 + n + 2] != '\0') {
			best = &c->servers[i];
			best_len = n;
		}
	}
	if (best != NULL && tool != NULL)
		*tool = full + 5 + best_len + 2;
	return best;
}

bool
claw_mcp_config_allows(const struct claw_mcp_config *c, const char *full)
{
	const char *tool = NULL;
	const struct claw_mcp_server *s = claw_mcp_config_server_of(c, full, &tool);

	if (s == NULL)
		return false;
	if (s->tools == NULL)
		return true;
	for (size_t i = 0; i < s->ntools; i++)
		if (strcmp(s->tools[i], tool) == 0)
			return true;
	return false;
}
