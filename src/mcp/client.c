/*
 * mcp/client — one MCP session.  See client.h.
 *
 * Everything is a request and its wait: write it, then read the server's
 * messages until the answer with its id comes, answering the server's own
 * requests and noting its notifications on the way.  Answers to other ids
 * (a call given up on) are dropped.
 */
#include "mcp/client.h"

#include <config.h> /* PACKAGE_VERSION: configure's, not mcp/config.h */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/str.h"
#include "tool/secrets.h"

#define MSG_MAX (CLAW_MCP_LINE_MAX)              /* bytes of one message claw sends */
#define DIAG_SHOWN_MAX (8 * CLAW_MCP_STDERR_MAX) /* a message or stderr, redacted and visible */
#define CLIENT_NAME "claw"

/* Method not found (JSON-RPC): the answer to a request claw does not
 * serve. */
#define RPC_NO_METHOD (-32601)

struct claw_mcp_client {
	const struct claw_mcp_server *server;
	struct claw_mcp_place place;
	struct claw_mcp_conn *t;
	int64_t next_id;
	char protocol[32];
	struct claw_mcp_tool *tools;
	size_t ntools;
	struct claw_buf notes;
	bool changed; /* tools/list_changed since the last list */
};

/* --------------------------------------------------------------- messages */

static enum claw_err
send_msg(struct claw_mcp_client *c, bool notify, int64_t id, const char *method, const char *params,
	 int64_t deadline, struct claw_error *err)
{
	struct claw_buf b = CLAW_BUF_INIT(MSG_MAX);
	enum claw_err rc = claw_mcp_rpc_write(&b, notify, id, method, params);

	if (rc != CLAW_OK)
		rc = claw_error_set(err, rc, "%s: the message is over %u bytes", method, MSG_MAX);
	else
		rc = c->t->ops->send(c->t, claw_buf_str(&b), claw_buf_len(&b), deadline, err);
	claw_buf_free(&b);
	return rc;
}

/* Answers the server's request m: ping with {}, anything else refused. */
static void
answer(struct claw_mcp_client *c, const struct claw_mcp_rpc_msg *m, int64_t deadline)
{
	struct claw_buf b = CLAW_BUF_INIT(1024);
	struct claw_error ignored = {0};
	bool ping = strcmp(m->method, "ping") == 0;

	if (claw_mcp_rpc_answer(&b, m, ping ? "{}" : NULL, RPC_NO_METHOD,
				"claw does not serve this method") == CLAW_OK)
		(void)c->t->ops->send(c->t, claw_buf_str(&b), claw_buf_len(&b), deadline, &ignored);
	claw_buf_free(&b);
}

/* Sends request method and waits until deadline for its answer's result,
 * put in *result (caller puts; NULL for a null result).  On
 * CLAW_ETIMEOUT the request is cancelled. */
static enum claw_err
request(struct claw_mcp_client *c, const char *method, const char *params, int64_t deadline,
	struct json_object **result, struct claw_error *err)
{
	int64_t id = ++c->next_id;
	enum claw_err rc = send_msg(c, false, id, method, params, deadline, err);

	*result = NULL;
	while (rc == CLAW_OK) {
		struct claw_mcp_rpc_msg m;
		if (claw_clock_mono_ms() >= deadline) { /* however much else it says */
			rc = claw_error_set(err, CLAW_ETIMEOUT,
					    "no answer from the server in time");
			break;
		}
		rc = c->t->ops->recv(c->t, deadline, &m, err);
		if (rc != CLAW_OK)
			break;
		if (m.kind == CLAW_MCP_REQUEST) {
			answer(c, &m, deadline);
		} else if (m.kind == CLAW_MCP_NOTIFICATION) {
			if (strcmp(m.method, "notifications/tools/list_changed") == 0)
				c->changed = true;
		} else if (m.id == id) {
			if (m.is_error)
				rc = claw_error_set(err, CLAW_EBACKEND,
						    "%s: the server's error %lld: %s", method,
						    (long long)m.error_code, m.error_message);
			else
				*result = json_object_get(m.result);
			claw_mcp_rpc_msg_free(&m);
			return rc;
		}
		claw_mcp_rpc_msg_free(&m);
	}
	if (rc == CLAW_ETIMEOUT && c->t->ops->alive(c->t)) {
		char params_buf[160];
		struct claw_error ignored = {0};
		(void)snprintf(params_buf, sizeof params_buf,
			       "{\"requestId\":%lld,\"reason\":\"timed out\"}", (long long)id);
		(void)send_msg(c, true, 0, "notifications/cancelled", params_buf,
			       claw_clock_mono_ms() + 1000, &ignored);
	}
	return rc;
}

/* ------------------------------------------------------------------- tools */

static void
tool_free(struct claw_mcp_tool *t)
{
	free(t->name);
	free(t->full);
	free(t->description);
	free(t->schema);
}

static void
tools_clear(struct claw_mcp_client *c)
{
	for (size_t i = 0; i < c->ntools; i++)
		tool_free(&c->tools[i]);
	free(c->tools);
	c->tools = NULL;
	c->ntools = 0;
	claw_buf_reset(&c->notes);
}

static bool
allowed(const struct claw_mcp_server *s, const char *name)
{
	if (s->tools == NULL)
		return true;
	for (size_t i = 0; i < s->ntools; i++)
		if (strcmp(s->tools[i], name) == 0)
			return true;
	return false;
}

static void
note(struct claw_mcp_client *c, const char *name, const char *why)
{
	(void)claw_buf_printf(&c->notes, "%stool %s: %s", claw_buf_len(&c->notes) != 0 ? "; " : "",
			      name, why);
}

/* Checks one entry of a tools/list page; a good one is kept. */
static void
take_tool(struct claw_mcp_client *c, struct json_object *t)
{
	const char *name = NULL, *desc = "";
	struct json_object *schema = NULL, *ann = NULL, *type = NULL;
	struct claw_error e = {0};
	bool ro = false;
	char why[160];

	if (claw_json_get_string(t, "name", CLAW_JSON_REQUIRED, &name, &e) != CLAW_OK) {
		note(c, "(unnamed)", claw_error_text(&e));
		return;
	}
	if (!allowed(c->server, name))
		return;
	size_t nlen =
		strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
	size_t full = strlen("mcp__") + strlen(c->server->name) + 2 + strlen(name);
	if (nlen == 0 || name[nlen] != '\0' || full > CLAW_MCP_TOOL_NAME_MAX) {
		(void)snprintf(why, sizeof why,
			       "a name of [A-Za-z0-9_-] is needed, %d bytes at most with its "
			       "server's",
			       CLAW_MCP_TOOL_NAME_MAX);
		note(c, name, why);
		return;
	}
	if (claw_json_get_string(t, "description", CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, &desc,
				 &e) != CLAW_OK ||
	    claw_json_get_object(t, "inputSchema", CLAW_JSON_REQUIRED, &schema, &e) != CLAW_OK) {
		note(c, name, claw_error_text(&e));
		return;
	}
	if (desc == NULL)
		desc = "";
	if (strlen(desc) > CLAW_MCP_DESC_MAX) {
		(void)snprintf(why, sizeof why, "its description is over %d bytes",
			       CLAW_MCP_DESC_MAX);
		note(c, name, why);
		return;
	}
	const char *st = NULL;
	if (!json_object_object_get_ex(schema, "type", &type) ||
	    (st = json_object_get_string(type)) == NULL || strcmp(st, "object") != 0) {
		note(c, name, "its inputSchema is not of \"type\": \"object\"");
		return;
	}
	const char *stext = claw_json_text(schema);
	if (strlen(stext) > CLAW_MCP_SCHEMA_MAX) {
		(void)snprintf(why, sizeof why, "its inputSchema is over %d bytes",
			       CLAW_MCP_SCHEMA_MAX);
		note(c, name, why);
		return;
	}
	if (json_object_object_get_ex(t, "annotations", &ann) &&
	    json_object_is_type(ann, json_type_object))
		(void)claw_json_get_bool(ann, "readOnlyHint", CLAW_JSON_OPTIONAL, &ro, &e);
	for (size_t i = 0; i < c->ntools; i++)
		if (strcmp(c->tools[i].name, name) == 0) {
			note(c, name, "listed twice");
			return;
		}
	c->tools = claw_xrealloc(c->tools, (c->ntools + 1) * sizeof *c->tools);
	c->tools[c->ntools++] = (struct claw_mcp_tool){
		.name = claw_xstrdup(name),
		.full = claw_xasprintf("mcp__%s__%s", c->server->name, name),
		.description = claw_xstrdup(desc),
		.schema = claw_xstrdup(stext),
		.read_only = ro,
	};
}

/* tools/list, page by page, into c->tools. */
static enum claw_err
list_tools(struct claw_mcp_client *c, int64_t deadline, struct claw_error *err)
{
	char *cursor = NULL;
	enum claw_err rc = CLAW_OK;

	tools_clear(c);
	c->changed = false;
	for (int page = 0; rc == CLAW_OK; page++) {
		struct json_object *res = NULL, *list = NULL;
		const char *next = NULL;
		char *params = NULL;
		if (page == CLAW_MCP_PAGES_MAX) {
			rc = claw_error_set(err, CLAW_ETOOBIG, "tools/list: more than %d pages",
					    CLAW_MCP_PAGES_MAX);
			break;
		}
		if (cursor != NULL) {
			struct claw_buf b = CLAW_BUF_INIT(CLAW_MCP_LINE_MAX);
			(void)claw_buf_puts(&b, "{\"cursor\":");
			(void)claw_json_buf_append_string(&b, cursor, strlen(cursor));
			(void)claw_buf_puts(&b, "}");
			params = claw_buf_steal(&b);
		}
		rc = request(c, "tools/list", params, deadline, &res, err);
		free(params);
		if (rc == CLAW_OK &&
		    (res == NULL ||
		     claw_json_get_array(res, "tools", CLAW_JSON_REQUIRED, &list, err) != CLAW_OK ||
		     claw_json_get_string(res, "nextCursor",
					  CLAW_JSON_OPTIONAL | CLAW_JSON_NULLABLE, &next,
					  err) != CLAW_OK))
			rc = res == NULL ? claw_error_set(err, CLAW_EINVAL, "a null result")
					 : err->code;
		/* One past the cap is enough to refuse the list. */
		for (size_t i = 0; rc == CLAW_OK && c->ntools <= CLAW_MCP_TOOLS_MAX &&
				   i < json_object_array_length(list);
		     i++)
			take_tool(c, json_object_array_get_idx(list, i));
		if (rc == CLAW_OK && c->ntools > CLAW_MCP_TOOLS_MAX)
			rc = claw_error_set(err, CLAW_ETOOBIG,
					    "the server offers more than %d tools: name the ones "
					    "to use in its \"tools\" list",
					    CLAW_MCP_TOOLS_MAX);
		free(cursor);
		cursor = rc == CLAW_OK && next != NULL && *next != '\0' ? claw_xstrdup(next) : NULL;
		json_object_put(res);
		if (cursor == NULL)
			break;
	}
	free(cursor);
	if (rc != CLAW_OK)
		claw_error_prefix(err, "tools/list");
	return rc;
}

/* ------------------------------------------------------------------- start */

/* initialize, its version check, notifications/initialized. */
static enum claw_err
initialize(struct claw_mcp_client *c, int64_t deadline, struct claw_error *err)
{
	struct json_object *res = NULL;
	const char *version = NULL;
	char params[256];

	(void)snprintf(params, sizeof params,
		       "{\"protocolVersion\":\"%s\",\"capabilities\":{},"
		       "\"clientInfo\":{\"name\":\"%s\",\"version\":\"%s\"}}",
		       CLAW_MCP_PROTOCOL, CLIENT_NAME, PACKAGE_VERSION);
	enum claw_err rc = request(c, "initialize", params, deadline, &res, err);
	if (rc == CLAW_OK && res == NULL)
		rc = claw_error_set(err, CLAW_EINVAL, "initialize: a null result");
	if (rc == CLAW_OK && claw_json_get_string(res, "protocolVersion", CLAW_JSON_REQUIRED,
						  &version, err) != CLAW_OK) {
		claw_error_prefix(err, "initialize");
		rc = CLAW_EINVAL;
	}
	if (rc == CLAW_OK && strcmp(version, CLAW_MCP_PROTOCOL) != 0 &&
	    strcmp(version, CLAW_MCP_PROTOCOL_PREV) != 0)
		rc = claw_error_set(err, CLAW_EINVAL,
				    "the server speaks MCP %.40s; claw speaks %s and %s", version,
				    CLAW_MCP_PROTOCOL, CLAW_MCP_PROTOCOL_PREV);
	if (rc == CLAW_OK) {
		(void)snprintf(c->protocol, sizeof c->protocol, "%s", version);
		if (c->t->ops->agreed != NULL)
			c->t->ops->agreed(c->t, c->protocol);
		rc = send_msg(c, true, 0, "notifications/initialized", NULL, deadline, err);
	}
	json_object_put(res);
	return rc;
}

/* text[0..n) redacted and made visible into out (cap DIAG_SHOWN_MAX);
 * "(not shown: too long to redact)" when it does not fit. */
static void
shown(const struct claw_mcp_client *c, const char *text, size_t n, struct claw_buf *out)
{
	struct claw_buf red = CLAW_BUF_INIT(DIAG_SHOWN_MAX);
	claw_buf_reset(out);
	if (claw_secrets_redact(c->place.secrets, text, n, &red) != CLAW_OK ||
	    claw_str_visible(out, claw_buf_str(&red), claw_buf_len(&red), CLAW_STR_VISIBLE_TEXT) !=
		    CLAW_OK) {
		claw_buf_reset(out);
		(void)claw_buf_puts(out, "(not shown: too long to redact)");
	}
	claw_buf_free(&red);
}

/* err's message made safe to show: redacted (a server's words may hold
 * what its env holds) and, when the server said something on the side
 * (stderr, an HTTP error's body), ended with as much of its end as fits;
 * the whole is redacted before any of it is cut, so no cut leaves half a
 * secret. */
static void
safe_error(struct claw_mcp_client *c, struct claw_error *err, bool with_diag)
{
	struct claw_buf msg = CLAW_BUF_INIT(DIAG_SHOWN_MAX), diag = CLAW_BUF_INIT(DIAG_SHOWN_MAX);
	bool diag_ok = with_diag && c->t != NULL;
	const char *d = diag_ok ? c->t->ops->diagnostics(c->t) : "";
	const char *label = diag_ok ? c->t->ops->diag_label : "";

	shown(c, claw_error_text(err), strlen(claw_error_text(err)), &msg);
	if (*d != '\0')
		shown(c, d, strlen(d), &diag);
	/* "MSG; LABEL: ...TAIL" */
	size_t room = CLAW_ERROR_MSG_MAX - 1, used = claw_buf_len(&msg) + strlen(label) + 7;
	const char *tail = claw_buf_str(&diag);
	size_t tn = claw_buf_len(&diag);
	if (tn > 0 && used < room) {
		size_t keep = tn < room - used ? tn : room - used;
		tail += tn - keep;
		const char *nl = keep < tn ? memchr(tail, '\n', keep < 120 ? keep : 120) : NULL;
		if (nl != NULL && nl[1] != '\0')
			tail = nl + 1; /* start on a line */
		while (*tail != '\0' && ((unsigned char)*tail & 0xC0) == 0x80)
			tail++; /* and on a character */
		claw_error_set(err, err->code, "%s; %s: %s%s", claw_buf_str(&msg), label,
			       keep < tn ? "..." : "", tail);
	} else {
		claw_error_set(err, err->code, "%s", claw_buf_str(&msg));
	}
	claw_buf_free(&msg);
	claw_buf_free(&diag);
}

enum claw_err
claw_mcp_client_open(const struct claw_mcp_server *s, const struct claw_mcp_place *place,
		     int64_t timeout_ms, struct claw_mcp_client **out, struct claw_error *err)
{
	struct claw_mcp_client *c = CLAW_NEW(struct claw_mcp_client);
	int64_t deadline = claw_clock_mono_ms() + timeout_ms;
	enum claw_err rc;

	*out = NULL;
	c->server = s;
	c->place = *place;
	claw_buf_init(&c->notes, CLAW_MCP_NOTES_MAX);
	if (s->transport == CLAW_MCP_HTTP)
		rc = claw_mcp_http_start(s, &c->t, err);
	else
		rc = claw_mcp_stdio_start(s, place, &c->t, err);
	if (rc == CLAW_OK) {
		rc = initialize(c, deadline, err);
		if (rc == CLAW_OK)
			rc = list_tools(c, deadline, err);
	}
	if (rc != CLAW_OK) {
		safe_error(c, err, true);
		claw_mcp_client_close(c);
		return rc;
	}
	*out = c;
	return CLAW_OK;
}

void
claw_mcp_client_close(struct claw_mcp_client *c)
{
	if (c == NULL)
		return;
	if (c->t != NULL)
		c->t->ops->close(c->t);
	tools_clear(c);
	claw_buf_free(&c->notes);
	free(c);
}

/* ------------------------------------------------------------------ access */

size_t
claw_mcp_client_ntools(const struct claw_mcp_client *c)
{
	return c->ntools;
}

const struct claw_mcp_tool *
claw_mcp_client_tool(const struct claw_mcp_client *c, size_t i)
{
	return i < c->ntools ? &c->tools[i] : NULL;
}

const struct claw_mcp_tool *
claw_mcp_client_find(const struct claw_mcp_client *c, const char *name)
{
	for (size_t i = 0; i < c->ntools; i++)
		if (strcmp(c->tools[i].name, name) == 0)
			return &c->tools[i];
	return NULL;
}

const char *
claw_mcp_client_notes(const struct claw_mcp_client *c)
{
	return claw_buf_str(&c->notes);
}

const char *
claw_mcp_client_protocol(const struct claw_mcp_client *c)
{
	return c->protocol;
}

bool
claw_mcp_client_alive(struct claw_mcp_client *c)
{
	return c->t->ops->alive(c->t);
}

bool
claw_mcp_client_tools_changed(const struct claw_mcp_client *c)
{
	return c->changed;
}

enum claw_err
claw_mcp_client_relist(struct claw_mcp_client *c, int64_t timeout_ms, struct claw_error *err)
{
	return list_tools(c, claw_clock_mono_ms() + timeout_ms, err);
}

/* ------------------------------------------------------------------- calls */

enum claw_err
claw_mcp_client_call(struct claw_mcp_client *c, const char *name, struct json_object *arguments,
		     int64_t timeout_ms, struct json_object **result, struct claw_error *err)
{
	struct claw_buf p = CLAW_BUF_INIT(MSG_MAX);
	int64_t deadline = claw_clock_mono_ms() + timeout_ms;
	enum claw_err rc;

	*result = NULL;
	(void)claw_buf_puts(&p, "{\"name\":");
	(void)claw_json_buf_append_string(&p, name, strlen(name));
	(void)claw_buf_puts(&p, ",\"arguments\":");
	(void)claw_buf_puts(&p, arguments != NULL ? claw_json_text(arguments) : "{}");
	if (claw_buf_puts(&p, "}") != CLAW_OK) {
		rc = claw_error_set(err, CLAW_ETOOBIG, "the arguments are over %u bytes", MSG_MAX);
	} else {
		rc = request(c, "tools/call", claw_buf_str(&p), deadline, result, err);
		if (rc == CLAW_ETIMEOUT)
			rc = claw_error_set(err, CLAW_ETIMEOUT,
					    "no result within %lld ms: the call was cancelled",
					    (long long)timeout_ms);
		else if (rc == CLAW_OK && !json_object_is_type(*result, json_type_object))
			rc = claw_error_set(err, CLAW_EINVAL,
					    "tools/call: the result is not an object");
		if (rc != CLAW_OK)
			safe_error(c, err, rc == CLAW_EIO);
	}
	if (rc != CLAW_OK) {
		json_object_put(*result);
		*result = NULL;
	}
	claw_buf_free(&p);
	return rc;
}

/* ----------------------------------------------------------------- results */

/* "N bytes" or "N KiB" of what base64 text b64 of n bytes decodes to. */
static void
size_words(struct claw_buf *out, size_t n)
{
	size_t bytes = n / 4 * 3;
	if (bytes < 1024)
		(void)claw_buf_printf(out, "%zu bytes", bytes);
	else
		(void)claw_buf_printf(out, "%zu KiB", (bytes + 512) / 1024);
}

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* One content block as text. */
static void
content_text(struct json_object *item, struct claw_buf *out)
{
	const char *type = str_of(item, "type"), *s;
	struct json_object *res = NULL;

	if (type == NULL) {
		(void)claw_buf_puts(out, "[content without a type]");
	} else if (strcmp(type, "text") == 0) {
		s = str_of(item, "text");
		(void)claw_buf_puts(out, s != NULL ? s : "");
	} else if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0) {
		s = str_of(item, "mimeType");
		const char *data = str_of(item, "data");
		(void)claw_buf_printf(out, "[%s: %s, ", type, s != NULL ? s : "unknown type");
		size_words(out, data != NULL ? strlen(data) : 0);
		(void)claw_buf_puts(out, "]");
	} else if (strcmp(type, "resource_link") == 0) {
		s = str_of(item, "uri");
		const char *name = str_of(item, "name");
		(void)claw_buf_printf(out, "[resource: %s%s%s%s]", s != NULL ? s : "?",
				      name != NULL ? " (" : "", name != NULL ? name : "",
				      name != NULL ? ")" : "");
	} else if (strcmp(type, "resource") == 0 &&
		   json_object_object_get_ex(item, "resource", &res) &&
		   json_object_is_type(res, json_type_object)) {
		const char *uri = str_of(res, "uri"), *text = str_of(res, "text");
		const char *blob = str_of(res, "blob"), *mime = str_of(res, "mimeType");
		if (text != NULL) {
			(void)claw_buf_printf(out, "[resource: %s]\n%s", uri != NULL ? uri : "?",
					      text);
		} else {
			(void)claw_buf_printf(out, "[resource: %s, %s, ", uri != NULL ? uri : "?",
					      mime != NULL ? mime : "unknown type");
			size_words(out, blob != NULL ? strlen(blob) : 0);
			(void)claw_buf_puts(out, "]");
		}
	} else {
		(void)claw_buf_printf(out, "[%.40s content]", type);
	}
}

enum claw_err
claw_mcp_result_text(struct json_object *result, struct claw_buf *out, bool *is_error)
{
	struct json_object *content = NULL, *v = NULL;
	size_t n = 0;

	*is_error = json_object_object_get_ex(result, "isError", &v) &&
		    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
	if (json_object_object_get_ex(result, "content", &content) &&
	    json_object_is_type(content, json_type_array))
		n = json_object_array_length(content);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(content, i);
		if (i != 0)
			(void)claw_buf_putc(out, '\n');
		if (json_object_is_type(item, json_type_object))
			content_text(item, out);
		else
			(void)claw_buf_puts(out, "[content that is not an object]");
	}
	if (n == 0 && json_object_object_get_ex(result, "structuredContent", &v) && v != NULL)
		(void)claw_buf_puts(out, claw_json_text(v));
	return claw_buf_error(out);
}
