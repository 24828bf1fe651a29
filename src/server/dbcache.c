/*
 * dbcache — a small most-recently-used list of connections.
 *
 * A linear list is enough: max is tens, and a hit is a strcmp or two in
 * practice because the list is kept in recency order.
 */
#include "server/dbcache.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/projects.h"

struct entry {
	struct entry *next;
	char key[CLAW_PROJECT_KEY_SIZE];
	struct claw_db *db;
};

struct claw_dbcache {
	char *home;
	size_t max, n;
	struct entry *head; /* most recently used first */
};

struct claw_dbcache *
claw_dbcache_new(const char *home, size_t max)
{
	struct claw_dbcache *c = CLAW_NEW(struct claw_dbcache);
	c->home = claw_xstrdup(home);
	c->max = max > 0 ? max : 1;
	return c;
}

void
claw_dbcache_free(struct claw_dbcache *c)
{
	if (c == NULL)
		return;
	while (c->head != NULL) {
		struct entry *e = c->head;
		c->head = e->next;
		claw_db_close(e->db);
		free(e);
	}
	free(c->home);
	free(c);
}

enum claw_err
claw_dbcache_get(struct claw_dbcache *c, const char *key, struct claw_db **out,
		 struct claw_error *err)
{
	struct entry **pp, *e;
	enum claw_err rc;
	char *path;

	*out = NULL;
	if (!claw_project_key_valid(key))
		return claw_error_set(err, CLAW_ENOTFOUND, "unknown project %.64s", key);
	for (pp = &c->head; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) != 0)
			continue;
		e = *pp;
		*pp = e->next; /* move to front */
		e->next = c->head;
		c->head = e;
		*out = e->db;
		return CLAW_OK;
	}
	path = claw_project_db_path(c->home, key);
	e = CLAW_NEW(struct entry);
	rc = claw_db_open(path, CLAW_DB_OPEN, &e->db, err);
	free(path);
	if (rc != CLAW_OK) {
		free(e);
		if (rc == CLAW_ENOTFOUND)
			claw_error_set(err, CLAW_ENOTFOUND, "unknown project %s", key);
		return rc;
	}
	memcpy(e->key, key, strlen(key) + 1);
	e->next = c->head;
	c->head = e;
	/* max >= 1, so past it the list has an entry after e: the oldest. */
	if (++c->n > c->max && e->next != NULL) { /* close the least recently used */
		for (pp = &c->head; (*pp)->next != NULL; pp = &(*pp)->next)
			;
		claw_db_close((*pp)->db);
		free(*pp);
		*pp = NULL;
		c->n--;
	}
	*out = e->db;
	return CLAW_OK;
}

void
claw_dbcache_drop(struct claw_dbcache *c, const char *key)
{
	for (struct entry **pp = &c->head; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			struct entry *e = *pp;
			*pp = e->next;
			claw_db_close(e->db);
			free(e);
			c->n--;
			return;
		}
	}
}
