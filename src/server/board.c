/*
 * board — dirty marks, the announcer thread, and board replay.  See
 * board.h for the contract.
 *
 * Per project: the change counter and a sorted array of marks, one per
 * issue seen: the counter of its last event (`changed`), whether it is
 * dirty, when it was last sent (monotonic ms), and the updated_at the last
 * scan saw.  The announcer takes the dirty marks that are due under
 * board.mu, builds their Issues with the lock released (its own db
 * connections), then numbers and publishes them one by one.
 */
#include "server/board.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/gzip.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mutex.h"
#include "server/dbcache.h"
#include "server/issueview.h"
#include "server/sse_frame.h"
#include "store/issues.h"
#include "trace/bus.h"

#define BOARD_ISSUE_MAX (4 * 1024 * 1024) /* bytes of one Issue event */
#define BOARD_IDLE_MS 1000                /* longest sleep of the announcer */
#define BOARD_DBS 16                      /* announcer's db connections */

struct mark {
	int64_t id;
	int64_t changed;      /* counter of its last event; 0: none from this process */
	int64_t seen_updated; /* updated_at at the last scan; 0: never scanned */
	int64_t last_sent_ms; /* monotonic */
	bool dirty;
	bool removed; /* its last event was issue-removed */
	uint64_t gen; /* bumped by every notify */
	/* The cached Issue of a settled issue (no active run): valid while
	 * json_gen == gen and json_updated is the issue's updated_at. */
	char *json;
	size_t json_len;
	uint64_t json_gen;
	int64_t json_updated;
};

struct project {
	struct project *next;
	char *key;
	int64_t base;       /* first counter of this process */
	int64_t counter;    /* last counter given */
	struct mark *marks; /* sorted by id */
	size_t n, alloc;
	uint64_t gen; /* bumped by every notify of one of its issues */
	char *list;   /* the cached GET .../issues body, NULL: none */
	size_t list_len;
	char *list_gz; /* the same, gzip-compressed (with list) */
	size_t list_gz_len;
	uint64_t list_gen;       /* gen when it was built */
	int64_t list_count;      /* issues then */
	int64_t list_updated;    /* their highest updated_at then */
	int64_t list_checked_ms; /* monotonic: when the summary last matched */
	bool watched;            /* a board stream replayed it: scan it */
	bool scanned;            /* a scan has recorded every issue's updated_at */
	int64_t next_scan_ms;    /* monotonic */
};

struct due {
	char *key;
	int64_t id;
};

struct claw_board {
	char *home;
	struct claw_bus *bus;
	struct claw_mutex mu; /* guards everything below */
	struct claw_cond cv;  /* the announcer sleeps here */
	struct project *projects;
	bool stop;
	bool running;
	pthread_t thread;
	atomic_int_fast64_t published;
};

struct claw_board *
claw_board_new(const char *home, struct claw_bus *bus)
{
	struct claw_board *b = CLAW_NEW(struct claw_board);
	b->home = claw_xstrdup(home);
	b->bus = bus;
	claw_mutex_init(&b->mu, "board");
	claw_cond_init(&b->cv);
	atomic_init(&b->published, 0);
	return b;
}

void
claw_board_free(struct claw_board *b)
{
	if (b == NULL)
		return;
	claw_board_stop(b);
	while (b->projects != NULL) {
		struct project *p = b->projects;
		b->projects = p->next;
		for (size_t k = 0; k < p->n; k++)
			free(p->marks[k].json);
		free(p->list);
		free(p->list_gz);
		free(p->marks);
		free(p->key);
		free(p);
	}
	claw_cond_destroy(&b->cv);
	claw_mutex_destroy(&b->mu);
	free(b->home);
	free(b);
}

int64_t
claw_board_published(struct claw_board *b)
{
	return atomic_load(&b->published);
}

static struct project *
project_get(struct claw_board *b, const char *key)
{
	claw_mutex_assert_held(&b->mu);
	for (struct project *p = b->projects; p != NULL; p = p->next)
		if (strcmp(p->key, key) == 0)
			return p;
	struct project *p = CLAW_NEW(struct project);
	p->key = claw_xstrdup(key);
	p->base = p->counter = claw_clock_now_ms() * 1000;
	p->next = b->projects;
	b->projects = p;
	return p;
}

static struct mark *
mark_get(struct project *p, int64_t id)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->marks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->n && p->marks[lo].id == id)
		return &p->marks[lo];
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 16;
		p->marks = claw_xrealloc(p->marks, p->alloc * sizeof *p->marks);
	}
	memmove(&p->marks[lo + 1], &p->marks[lo], (p->n - lo) * sizeof *p->marks);
	p->n++;
	memset(&p->marks[lo], 0, sizeof p->marks[lo]);
	p->marks[lo].id = id;
	p->marks[lo].last_sent_ms = INT64_MIN / 2;
	return &p->marks[lo];
}

/* Marks an issue dirty; wakes the announcer when it was clean. */
static void
mark_dirty(struct claw_board *b, struct project *p, int64_t id)
{
	struct mark *m = mark_get(p, id);
	claw_mutex_assert_held(&b->mu);
	m->gen++;
	p->gen++;
	if (!m->dirty) {
		m->dirty = true;
		claw_cond_signal(&b->cv);
	}
}

void
claw_board_notify(struct claw_board *b, const char *project, int64_t issue_id)
{
	if (b == NULL)
		return;
	claw_mutex_lock(&b->mu);
	mark_dirty(b, project_get(b, project), issue_id);
	claw_mutex_unlock(&b->mu);
}

/* ------------------------------------------------------------- announcer */

/* Builds and publishes one issue's event. */
static void
announce(struct claw_board *b, struct claw_dbcache *dbs, const struct due *d)
{
	struct claw_buf json = CLAW_BUF_INIT(BOARD_ISSUE_MAX);
	struct claw_error err = {0};
	struct claw_issue is = {0};
	struct claw_db *db = NULL;
	bool removed = false;
	enum claw_err rc;
	int64_t c;

	rc = claw_dbcache_get(dbs, d->key, &db, &err);
	if (rc == CLAW_OK)
		rc = claw_issue_get(db, d->id, &is, &err);
	if (rc == CLAW_ENOTFOUND && db != NULL) {
		removed = true;
		(void)claw_buf_printf(&json, "{\"id\":%lld}", (long long)d->id);
		rc = CLAW_OK;
	} else if (rc == CLAW_OK) {
		rc = claw_issueview_append(db, &is, 0, &json, &err);
	}
	if (rc != CLAW_OK) {
		claw_log_warn("server: board of %s, issue #%lld: %s", d->key, (long long)d->id,
			      claw_error_text(&err));
		if (rc == CLAW_EDB || rc == CLAW_EIO)
			claw_dbcache_drop(dbs, d->key);
		goto out;
	}
	claw_mutex_lock(&b->mu);
	struct project *p = project_get(b, d->key);
	struct mark *m = mark_get(p, d->id);
	if (removed && m->removed) {
		claw_mutex_unlock(&b->mu); /* already announced */
		goto out;
	}
	c = ++p->counter;
	m->changed = c;
	m->removed = removed;
	if (!removed)
		m->seen_updated = is.updated_at; /* the scan need not send it again */
	claw_mutex_unlock(&b->mu);

	struct claw_bus_event *ev = claw_bus_event_new(removed ? "issue-removed" : "issue", c,
						       claw_buf_str(&json), claw_buf_len(&json));
	(void)claw_bus_publish(b->bus, d->key, CLAW_BUS_BOARD, ev);
	claw_bus_event_unref(ev);
	atomic_fetch_add(&b->published, 1);
out:
	claw_issue_free(&is);
	claw_buf_free(&json);
}

/* Compares the issues table of a watched project with what was seen. */
static void
scan(struct claw_board *b, struct claw_dbcache *dbs, const char *key)
{
	struct claw_issue *list = NULL;
	struct claw_error err = {0};
	struct claw_db *db = NULL;
	size_t n = 0;

	if (claw_dbcache_get(dbs, key, &db, &err) != CLAW_OK ||
	    claw_issue_list(db, &list, &n, &err) != CLAW_OK) {
		claw_log_debug("server: board scan of %s: %s", key, claw_error_text(&err));
		return;
	}
	claw_mutex_lock(&b->mu);
	struct project *p = project_get(b, key);
	for (size_t i = 0; i < n; i++) {
		struct mark *m = mark_get(p, list[i].id);
		if (m->seen_updated != 0 && m->seen_updated != list[i].updated_at)
			mark_dirty(b, p, list[i].id);
		else if (m->seen_updated == 0 && m->changed == 0 && p->scanned)
			mark_dirty(b, p, list[i].id); /* created by another process */
		m->seen_updated = list[i].updated_at;
	}
	/* Issues that vanished (never by claw; a restored db, say). */
	for (size_t k = 0, i = 0; k < p->n; k++) {
		while (i < n && list[i].id < p->marks[k].id)
			i++;
		if ((i >= n || list[i].id != p->marks[k].id) && !p->marks[k].removed &&
		    p->marks[k].seen_updated != 0)
			mark_dirty(b, p, p->marks[k].id);
	}
	p->scanned = true;
	claw_mutex_unlock(&b->mu);
	claw_issue_list_free(list, n);
}

static void *
announcer_main(void *arg)
{
	struct claw_board *b = arg;
	struct claw_dbcache *dbs = claw_dbcache_new(b->home, BOARD_DBS);
	struct due *due = NULL;
	char **scans = NULL;
	size_t ndue = 0, due_alloc = 0, nscans = 0, scans_alloc = 0;

	claw_mutex_lock(&b->mu);
	while (!b->stop) {
		int64_t now = claw_clock_mono_ms(), wake = now + BOARD_IDLE_MS;
		ndue = nscans = 0;
		for (struct project *p = b->projects; p != NULL; p = p->next) {
			if (p->watched && p->next_scan_ms <= now) {
				if (nscans == scans_alloc) {
					scans_alloc = scans_alloc ? scans_alloc * 2 : 8;
					scans = claw_xrealloc(scans, scans_alloc * sizeof *scans);
				}
				scans[nscans++] = claw_xstrdup(p->key);
				p->next_scan_ms = now + CLAW_BOARD_SCAN_MS;
			}
			if (p->watched && p->next_scan_ms < wake)
				wake = p->next_scan_ms;
			for (size_t k = 0; k < p->n; k++) {
				struct mark *m = &p->marks[k];
				if (!m->dirty)
					continue;
				int64_t at = m->last_sent_ms + CLAW_BOARD_COALESCE_MS;
				if (at > now) {
					if (at < wake)
						wake = at;
					continue;
				}
				if (ndue == due_alloc) {
					due_alloc = due_alloc ? due_alloc * 2 : 16;
					due = claw_xrealloc(due, due_alloc * sizeof *due);
				}
				due[ndue].key = claw_xstrdup(p->key);
				due[ndue].id = m->id;
				ndue++;
				m->dirty = false;
				m->last_sent_ms = now;
			}
		}
		if (ndue == 0 && nscans == 0) {
			(void)claw_cond_wait_until(&b->cv, &b->mu, wake);
			continue;
		}
		claw_mutex_unlock(&b->mu);
		for (size_t i = 0; i < nscans; i++) {
			scan(b, dbs, scans[i]);
			free(scans[i]);
		}
		for (size_t i = 0; i < ndue; i++) {
			announce(b, dbs, &due[i]);
			free(due[i].key);
		}
		claw_mutex_lock(&b->mu);
	}
	claw_mutex_unlock(&b->mu);
	free(due);
	free(scans);
	claw_dbcache_free(dbs);
	return NULL;
}

enum claw_err
claw_board_start(struct claw_board *b, struct claw_error *err)
{
	int rc = pthread_create(&b->thread, NULL, announcer_main, b);
	if (rc != 0) {
		char e[128];
		return claw_error_set(err, CLAW_EIO, "cannot start the board announcer: %s",
				      claw_errno_text(rc, e, sizeof e));
	}
	b->running = true;
	return CLAW_OK;
}

void
claw_board_stop(struct claw_board *b)
{
	if (b == NULL || !b->running)
		return;
	claw_mutex_lock(&b->mu);
	b->stop = true;
	claw_cond_signal(&b->cv);
	claw_mutex_unlock(&b->mu);
	(void)pthread_join(b->thread, NULL);
	b->running = false;
}

/* ------------------------------------------------------------ the cache */

/* A settled issue: nothing about it changes without its updated_at or a
 * notify (a run that is still active writes tokens, gates and artifacts). */
static bool
settled(const struct claw_issue *is)
{
	return is->status == CLAW_ISSUE_OPEN || is->status == CLAW_ISSUE_DONE ||
	       is->status == CLAW_ISSUE_CLOSED;
}

/* Appends the Issue of is (list shape) to out: from the cache when it
 * holds a valid copy, else built from db (and kept when the issue is
 * settled). */
static enum claw_err
issue_json(struct claw_board *b, struct claw_db *db, const char *project,
	   const struct claw_issue *is, struct claw_buf *out, struct claw_error *err)
{
	struct claw_buf json = CLAW_BUF_INIT(BOARD_ISSUE_MAX);
	uint64_t gen = 0;
	enum claw_err rc;
	bool hit = false, keep = settled(is);

	if (keep) {
		claw_mutex_lock(&b->mu);
		struct mark *m = mark_get(project_get(b, project), is->id);
		gen = m->gen;
		if (m->json != NULL && m->json_gen == gen && m->json_updated == is->updated_at) {
			(void)claw_buf_append(out, m->json, m->json_len);
			hit = true;
		}
		claw_mutex_unlock(&b->mu);
		if (hit)
			return claw_buf_error(out);
	}
	rc = claw_issueview_append(db, is, 0, &json, err);
	if (rc == CLAW_OK) {
		(void)claw_buf_append(out, claw_buf_str(&json), claw_buf_len(&json));
		if (keep) {
			claw_mutex_lock(&b->mu);
			struct mark *m = mark_get(project_get(b, project), is->id);
			if (m->gen == gen) { /* no change while it was being built */
				free(m->json);
				m->json_len = claw_buf_len(&json);
				m->json = claw_buf_steal(&json);
				m->json_gen = gen;
				m->json_updated = is->updated_at;
			}
			claw_mutex_unlock(&b->mu);
		}
	}
	claw_buf_free(&json);
	return rc;
}

/* COUNT, MAX(updated_at) and the number of unsettled issues. */
static enum claw_err
issues_summary(struct claw_db *db, int64_t *count, int64_t *updated, int64_t *active,
	       struct claw_error *err)
{
	sqlite3_stmt *st = NULL;
	enum claw_err rc =
		claw_db_stmt(db,
			     "SELECT COUNT(*), COALESCE(MAX(updated_at), 0), "
			     "COALESCE(SUM(status NOT IN ('open', 'done', 'closed')), 0) "
			     "FROM issues",
			     &st, err);
	if (rc != CLAW_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*updated = sqlite3_column_int64(st, 1);
		*active = sqlite3_column_int64(st, 2);
	} else {
		rc = claw_db_fail(db, "reading the issues", err);
	}
	claw_db_finish(st);
	return rc;
}

/* Appends p's cached list to out, compressed or not. */
static void
append_list(const struct project *p, bool gzip, struct claw_buf *out)
{
	if (gzip)
		(void)claw_buf_append(out, p->list_gz, p->list_gz_len);
	else
		(void)claw_buf_append(out, p->list, p->list_len);
}

enum claw_err
claw_board_list(struct claw_board *b, struct claw_db *db, const char *project, bool gzip,
		struct claw_buf *out, struct claw_error *err)
{
	struct claw_buf gz = CLAW_BUF_INIT(0);
	struct claw_issue *list = NULL;
	int64_t count = 0, updated = 0, active = 0, now = claw_clock_mono_ms();
	uint64_t gen;
	size_t n = 0, start = claw_buf_len(out);
	enum claw_err rc = CLAW_OK;
	bool hit = false;

	/* Fresh enough: no query at all (changes by this process bump gen at
	 * once; those of other processes show within CLAW_BOARD_LIST_FRESH_MS). */
	claw_mutex_lock(&b->mu);
	struct project *p = project_get(b, project);
	if (p->list != NULL && p->list_gen == p->gen &&
	    now - p->list_checked_ms < CLAW_BOARD_LIST_FRESH_MS) {
		append_list(p, gzip, out);
		hit = true;
	}
	claw_mutex_unlock(&b->mu);
	if (hit)
		return claw_buf_error(out);

	rc = issues_summary(db, &count, &updated, &active, err);
	if (rc != CLAW_OK)
		return rc;
	claw_mutex_lock(&b->mu);
	p = project_get(b, project);
	gen = p->gen;
	if (active == 0 && p->list != NULL && p->list_gen == gen && p->list_count == count &&
	    p->list_updated == updated) {
		append_list(p, gzip, out);
		p->list_checked_ms = now;
		hit = true;
	}
	claw_mutex_unlock(&b->mu);
	if (hit)
		return claw_buf_error(out);

	rc = claw_issue_list(db, &list, &n, err);
	(void)claw_buf_putc(out, '[');
	for (size_t i = 0; rc == CLAW_OK && i < n; i++) {
		if (i > 0)
			(void)claw_buf_putc(out, ',');
		rc = issue_json(b, db, project, &list[i], out, err);
	}
	(void)claw_buf_putc(out, ']');
	if (rc == CLAW_OK && claw_buf_error(out) != CLAW_OK)
		rc = claw_error_set(err, CLAW_ETOOBIG, "the issue list of %s is too big", project);
	/* Compressed once for the cache (settled lists), else per request. */
	size_t len = claw_buf_len(out) - start;
	if (rc == CLAW_OK && (gzip || active == 0)) {
		claw_buf_init(&gz, len + len / 64 + 1024); /* above deflate's worst case */
		rc = claw_gzip(&gz, claw_buf_str(out) + start, len, err);
	}
	if (rc == CLAW_OK && active == 0) {
		claw_mutex_lock(&b->mu);
		p = project_get(b, project);
		if (p->gen == gen) {
			free(p->list);
			free(p->list_gz);
			p->list_len = len;
			p->list = claw_xstrndup(claw_buf_str(out) + start, len);
			p->list_gz_len = claw_buf_len(&gz);
			p->list_gz = claw_xmalloc(p->list_gz_len);
			memcpy(p->list_gz, claw_buf_str(&gz), p->list_gz_len);
			p->list_gen = gen;
			p->list_count = count;
			p->list_updated = updated;
			p->list_checked_ms = now;
		}
		claw_mutex_unlock(&b->mu);
	}
	if (rc == CLAW_OK && gzip) {
		claw_buf_truncate(out, start);
		if (claw_buf_append(out, claw_buf_str(&gz), claw_buf_len(&gz)) != CLAW_OK)
			rc = claw_error_set(err, CLAW_ETOOBIG, "the issue list of %s is too big",
					    project);
	}
	claw_buf_free(&gz);
	claw_issue_list_free(list, n);
	return rc;
}

/* ---------------------------------------------------------------- replay */

enum claw_err
claw_board_replay(struct claw_board *b, struct claw_db *db, const char *project, int64_t since,
		  struct claw_buf *out, int64_t *cursor, struct claw_error *err)
{
	struct claw_buf json = CLAW_BUF_INIT(BOARD_ISSUE_MAX);
	struct claw_issue *list = NULL;
	int64_t *ids = NULL;
	size_t n = 0, nids = 0;
	enum claw_err rc = CLAW_OK;
	bool full;
	int64_t c;

	claw_mutex_lock(&b->mu);
	struct project *p = project_get(b, project);
	if (!p->watched) {
		p->watched = true;
		p->next_scan_ms = 0; /* first scan at once: it learns updated_at */
		claw_cond_signal(&b->cv);
	}
	c = p->counter;
	full = since < p->base || since > c;
	if (!full) {
		ids = claw_xcalloc(p->n + 1, sizeof *ids);
		for (size_t k = 0; k < p->n; k++)
			if (p->marks[k].changed > since)
				ids[nids++] = p->marks[k].id;
	}
	claw_mutex_unlock(&b->mu);
	*cursor = c;

	if (full) {
		rc = claw_issue_list(db, &list, &n, err);
		for (size_t i = 0; rc == CLAW_OK && i < n; i++) {
			claw_buf_reset(&json);
			rc = issue_json(b, db, project, &list[i], &json, err);
			if (rc == CLAW_OK)
				claw_sse_frame(out, c, "issue", claw_buf_str(&json),
					       claw_buf_len(&json));
		}
	}
	for (size_t i = 0; rc == CLAW_OK && i < nids; i++) {
		struct claw_issue is = {0};
		claw_buf_reset(&json);
		rc = claw_issue_get(db, ids[i], &is, err);
		if (rc == CLAW_ENOTFOUND) {
			(void)claw_buf_printf(&json, "{\"id\":%lld}", (long long)ids[i]);
			claw_sse_frame(out, c, "issue-removed", claw_buf_str(&json),
				       claw_buf_len(&json));
			rc = CLAW_OK;
		} else if (rc == CLAW_OK) {
			rc = issue_json(b, db, project, &is, &json, err);
			if (rc == CLAW_OK)
				claw_sse_frame(out, c, "issue", claw_buf_str(&json),
					       claw_buf_len(&json));
		}
		claw_issue_free(&is);
	}
	if (rc == CLAW_OK && claw_buf_error(out) != CLAW_OK)
		rc = claw_error_set(err, CLAW_ETOOBIG, "the board of %s is too big to send",
				    project);
	free(ids);
	claw_issue_list_free(list, n);
	claw_buf_free(&json);
	return rc;
}
