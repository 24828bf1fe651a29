/*
 * mcp/servers — a run's MCP servers, started at first use.  See servers.h.
 *
 * The registry's MCP entries carry a struct handle (server index, tool
 * name) as their data; the handler finds the server's current client
 * through it, so a restart (a new client, its tools listed again) needs no
 * change in the registry.
 */
#include "mcp/servers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "tool/registry.h"
#include "tool/secrets.h"

#define TEXT_MAX (4u << 20) /* bytes of a result's text before clipping */

struct handle {
	struct claw_mcp_servers *set;
	size_t server;
	char *tool; /* the server's name for it */
};

struct server {
	const struct claw_mcp_server *cfg;
	struct claw_mcp_client *client; /* running, or NULL */
	int starts;                     /* starts tried in this set's life */
	char error[CLAW_ERROR_MSG_MAX]; /* why it is not running; "" */
};

struct claw_mcp_servers {
	struct claw_mcp_servers_opts o;
	struct server *srv; /* o.config->n of them */
	struct handle **handles;
	size_t nhandles;
};

static void
emit(const struct claw_mcp_servers *s, const struct claw_mcp_event *ev)
{
	if (s->o.event != NULL)
		s->o.event(s->o.event_ctx, ev);
}

struct claw_mcp_servers *
claw_mcp_servers_new(const struct claw_mcp_servers_opts *o)
{
	struct claw_mcp_servers *s = CLAW_NEW(struct claw_mcp_servers);
	s->o = *o;
	s->srv = claw_xcalloc(o->config->n != 0 ? o->config->n : 1, sizeof *s->srv);
	for (size_t i = 0; i < o->config->n; i++)
		s->srv[i].cfg = &o->config->servers[i];
	return s;
}

void
claw_mcp_servers_reset(struct claw_mcp_servers *s)
{
	for (size_t i = 0; i < s->o.config->n; i++) {
		struct server *sv = &s->srv[i];
		if (sv->client != NULL) {
			claw_mcp_client_close(sv->client);
			sv->client = NULL;
			emit(s,
			     &(struct claw_mcp_event){.server = sv->cfg->name, .what = "stopped"});
		}
		sv->starts = 0;
		sv->error[0] = '\0';
	}
}

void
claw_mcp_servers_free(struct claw_mcp_servers *s)
{
	if (s == NULL)
		return;
	claw_mcp_servers_reset(s);
	for (size_t i = 0; i < s->nhandles; i++) {
		free(s->handles[i]->tool);
		free(s->handles[i]);
	}
	free(s->handles);
	free(s->srv);
	free(s);
}

/* ----------------------------------------------------------------- calling */

/* The running client of server i, started (again) if it is not running
 * and it may still start; NULL with why in err otherwise. */
static struct claw_mcp_client *start(struct claw_mcp_servers *s, size_t i, struct claw_error *err);

static void
tool_run(const struct claw_tool_ctx *ctx, struct json_object *input, struct claw_tool_result *res)
{
	const struct handle *h = ctx->self->data;
	struct claw_mcp_servers *s = h->set;
	struct server *sv = &s->srv[h->server];
	struct claw_error err = {0};
	struct json_object *result = NULL;
	struct claw_buf text = CLAW_BUF_INIT(TEXT_MAX), red = CLAW_BUF_INIT(TEXT_MAX);
	bool is_error = false;

	struct claw_mcp_client *c = start(s, h->server, &err);
	if (c == NULL) {
		claw_tool_result_error(res, "MCP server %s: %s", sv->cfg->name,
				       claw_error_text(&err));
		goto out;
	}
	if (claw_mcp_client_find(c, h->tool) == NULL) {
		claw_tool_result_error(res,
				       "MCP server %s has no tool %s (claw mcp lists what it "
				       "offers, and what was left out and why)",
				       sv->cfg->name, h->tool);
		goto out;
	}
	if (claw_mcp_client_call(c, h->tool, input, s->o.timeout_ms, &result, &err) != CLAW_OK) {
		claw_tool_result_error(res, "MCP server %s: %s", sv->cfg->name,
				       claw_error_text(&err));
		if (!claw_mcp_client_alive(c)) {
			(void)snprintf(sv->error, sizeof sv->error, "%s", claw_error_text(&err));
			emit(s, &(struct claw_mcp_event){.server = sv->cfg->name,
							 .what = "ended",
							 .message = claw_error_text(&err)});
		}
		goto out;
	}
	if (claw_mcp_result_text(result, &text, &is_error) != CLAW_OK) {
		claw_tool_result_error(res, "MCP server %s: the result is over %u bytes",
				       sv->cfg->name, TEXT_MAX);
		goto out;
	}
	/* Redact the whole text before clipping, so no clip can cut a secret
	 * in two and show one half. */
	if (ctx->secrets != NULL && claw_secrets_redact(ctx->secrets, claw_buf_str(&text),
							claw_buf_len(&text), &red) != CLAW_OK) {
		claw_tool_result_error(res, "MCP server %s: the result is too big to redact",
				       sv->cfg->name);
		goto out;
	}
	const struct claw_buf *shown = ctx->secrets != NULL ? &red : &text;
	claw_buf_reset(&res->text);
	if (claw_buf_len(shown) == 0)
		(void)claw_buf_puts(&res->text, "(no output)");
	(void)claw_tool_clip(&res->text, claw_buf_str(shown), claw_buf_len(shown),
			     claw_buf_len(shown));
	res->is_error = is_error;
out:
	json_object_put(result);
	claw_buf_free(&text);
	claw_buf_free(&red);
}

/* --------------------------------------------------------------- starting */

/* Adds full (the server's tool named tool, of server i) to the registry
 * with desc (after "[MCP server S] "), schema and risk; its handle is kept
 * with the set, which outlives the entry's calls. */
static enum claw_err
add_tool(struct claw_mcp_servers *s, size_t i, const char *full, const char *tool, const char *desc,
	 const char *schema, enum claw_tool_risk risk, struct claw_error *err)
{
	struct handle *h = CLAW_NEW(struct handle);
	*h = (struct handle){.set = s, .server = i, .tool = claw_xstrdup(tool)};
	char *d = claw_xasprintf("[MCP server %s] %s", s->srv[i].cfg->name, desc);
	struct claw_tool t = {
		.name = full,
		.description = d,
		.schema = schema,
		.risk = risk,
		.data = h,
		.run = tool_run,
	};
	enum claw_err rc = claw_registry_add_copy(s->o.registry, &t, err);
	free(d);
	if (rc != CLAW_OK) {
		free(h->tool);
		free(h);
		return rc;
	}
	s->handles = claw_xrealloc(s->handles, (s->nhandles + 1) * sizeof(struct handle *));
	s->handles[s->nhandles++] = h;
	return CLAW_OK;
}

/* Adds the tools of server i's client that the registry does not have. */
static void
register_tools(struct claw_mcp_servers *s, size_t i)
{
	struct claw_mcp_client *c = s->srv[i].client;
	struct claw_error err = {0};

	for (size_t k = 0; k < claw_mcp_client_ntools(c); k++) {
		const struct claw_mcp_tool *t = claw_mcp_client_tool(c, k);
		if (claw_registry_find(s->o.registry, t->full) == NULL &&
		    add_tool(s, i, t->full, t->name, t->description, t->schema,
			     t->read_only ? CLAW_TOOL_SAFE : CLAW_TOOL_MUTATING, &err) != CLAW_OK)
			emit(s, &(struct claw_mcp_event){.server = s->srv[i].cfg->name,
							 .what = "failed",
							 .message = claw_error_text(&err)});
	}
}

static struct claw_mcp_client *
start(struct claw_mcp_servers *s, size_t i, struct claw_error *err)
{
	struct server *sv = &s->srv[i];
	const char *name = sv->cfg->name;

	if (sv->client != NULL && claw_mcp_client_alive(sv->client))
		return sv->client;
	if (sv->client != NULL) {
		claw_mcp_client_close(sv->client);
		sv->client = NULL;
	}
	if (sv->starts >= CLAW_MCP_STARTS_MAX) {
		claw_error_set(err, CLAW_EIO,
			       "it stopped and was started again once already in this run%s%s",
			       sv->error[0] != '\0' ? "; last: " : "", sv->error);
		return NULL;
	}
	bool again = sv->starts++ > 0;
	int64_t t0 = claw_clock_mono_ms();
	int64_t limit =
		s->o.timeout_ms < CLAW_MCP_START_MAX_MS ? s->o.timeout_ms : CLAW_MCP_START_MAX_MS;
	if (claw_mcp_client_open(sv->cfg, &s->o.place, limit, &sv->client, err) != CLAW_OK) {
		sv->client = NULL;
		(void)snprintf(sv->error, sizeof sv->error, "%s", claw_error_text(err));
		emit(s, &(struct claw_mcp_event){.server = name,
						 .what = "failed",
						 .message = sv->error,
						 .ms = claw_clock_mono_ms() - t0});
		return NULL;
	}
	sv->error[0] = '\0';
	const char *notes = claw_mcp_client_notes(sv->client);
	emit(s, &(struct claw_mcp_event){.server = name,
					 .what = again ? "restarted" : "started",
					 .ntools = claw_mcp_client_ntools(sv->client),
					 .notes = *notes != '\0' ? notes : NULL,
					 .ms = claw_clock_mono_ms() - t0});
	register_tools(s, i);
	return sv->client;
}

/* Adds full (tool of server i) to the registry when its server cannot
 * start or does not offer it: the model still sees the tool, and calling
 * it answers why (a server's failure is a tool error, SPEC 12); the call
 * tries the server again while it may still start. */
static void
register_missing(struct claw_mcp_servers *s, size_t i, const char *full, const char *tool,
		 const char *why)
{
	struct claw_error err = {0};
	char *desc = claw_xasprintf("not available: %.300s", why);
	(void)add_tool(s, i, full, tool, desc, "{\"type\": \"object\"}", CLAW_TOOL_MUTATING, &err);
	free(desc);
}

enum claw_err
claw_mcp_servers_want(struct claw_mcp_servers *s, const char *full, struct claw_error *err)
{
	const char *tool = NULL;
	const struct claw_mcp_server *cfg = claw_mcp_config_server_of(s->o.config, full, &tool);
	struct claw_error why = {0};

	if (cfg == NULL)
		return claw_error_set(err, CLAW_ENOTFOUND,
				      "%s: no MCP server of that name is configured", full);
	size_t i = (size_t)(cfg - s->o.config->servers);
	struct claw_mcp_client *c = s->srv[i].client;
	if (c != NULL && claw_mcp_client_alive(c) && claw_mcp_client_tools_changed(c) &&
	    claw_mcp_client_relist(c, s->o.timeout_ms, &why) == CLAW_OK)
		register_tools(s, i);
	if (claw_registry_find(s->o.registry, full) != NULL)
		return CLAW_OK;
	if (start(s, i, &why) != NULL && claw_registry_find(s->o.registry, full) == NULL)
		claw_error_set(&why, CLAW_ENOTFOUND, "it has no tool %s", tool);
	if (claw_registry_find(s->o.registry, full) == NULL)
		register_missing(s, i, full, tool, claw_error_text(&why));
	return CLAW_OK;
}

void
claw_mcp_servers_start_all(struct claw_mcp_servers *s)
{
	for (size_t i = 0; i < s->o.config->n; i++) {
		struct claw_error err = {0};
		if (s->srv[i].client == NULL && s->srv[i].starts == 0)
			(void)start(s, i, &err);
	}
}

size_t
claw_mcp_servers_count(const struct claw_mcp_servers *s)
{
	return s->o.config->n;
}

const char *
claw_mcp_servers_name(const struct claw_mcp_servers *s, size_t i)
{
	return s->srv[i].cfg->name;
}

struct claw_mcp_client *
claw_mcp_servers_client(const struct claw_mcp_servers *s, size_t i)
{
	return s->srv[i].client;
}

const char *
claw_mcp_servers_error(const struct claw_mcp_servers *s, size_t i)
{
	return s->srv[i].error;
}
