/*
 * board — the board announcer: Issue snapshots pushed to each project's
 * board topic, coalesced, with a per-project change counter.
 *
 * Anyone who changes what an issue shows (the run engine through its front
 * end, the run manager, the API's writes) calls claw_board_notify(); that
 * only marks the issue dirty.  The announcer thread sends each dirty issue
 * at most once per CLAW_BOARD_COALESCE_MS: it reads the Issue from the db
 * (server/issueview.c), bumps the project's change counter, records the
 * issue's counter, and publishes `issue` (data: the Issue) or
 * `issue-removed` (data: {"id"}) with the counter as the event's seq on
 * (project, CLAW_BUS_BOARD).  For projects someone watches it also scans
 * the issues table every CLAW_BOARD_SCAN_MS, so changes made by other
 * processes (the CLI, a console run) reach the board too.
 *
 * The counter of a project starts at (wall-clock ms at first use) * 1000, so
 * a Last-Event-ID from an earlier process is recognisably older than
 * anything this process numbered: claw_board_replay() then sends the whole
 * board; an id this process gave sends only issues changed after it.
 *
 * It also keeps the rendered Issues of settled issues and each project's
 * whole issue list, so GET .../issues and the first board replay cost one
 * query while nothing changes (claw_board_list).
 *
 * Threads and locks: thread-safe.  board.mu guards the project table, the
 * counters, the dirty marks and the cache; it is never held across SQLite or the bus
 * (the announcer is the only publisher, so its publishes are in counter
 * order without holding the lock).  No other lock is taken under board.mu.
 */
#ifndef CLAW_SERVER_BOARD_H
#define CLAW_SERVER_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/db.h"

#define CLAW_BOARD_COALESCE_MS 250   /* at most one event per issue per this */
#define CLAW_BOARD_SCAN_MS 2000      /* look for changes by other processes */
#define CLAW_BOARD_LIST_FRESH_MS 250 /* a cached issue list is served unchecked this long */

struct claw_board;
struct claw_bus;

/* A board announcer over the projects under home (copied), publishing on
 * bus (borrowed; outlives it).  Start its thread with claw_board_start. */
struct claw_board *claw_board_new(const char *home, struct claw_bus *bus);
enum claw_err claw_board_start(struct claw_board *b, struct claw_error *err);
/* Sends what is due, stops and joins the thread.  Idempotent. */
void claw_board_stop(struct claw_board *b);
void claw_board_free(struct claw_board *b);

/* Issue issue_id of project may have changed.  Cheap; never blocks on I/O. */
void claw_board_notify(struct claw_board *b, const char *project, int64_t issue_id);

/* Appends to out the SSE frames that bring a board viewer of project up to
 * date: the whole board when since is < 0 or not a counter of this process,
 * else the issues changed after since (`issue` or `issue-removed`); every
 * frame carries `id:` = the counter now, also written to *cursor.  db is the
 * caller's connection to the project's db.  Marks the project watched.
 * CLAW_ETOOBIG when out's cap is reached (the caller closes the stream). */
enum claw_err claw_board_replay(struct claw_board *b, struct claw_db *db, const char *project,
				int64_t since, struct claw_buf *out, int64_t *cursor,
				struct claw_error *err);

/* Appends the body of GET .../issues (a JSON array of Issues) for project
 * to out, gzip-compressed when gzip (one gzip member), db being the
 * caller's connection to its db.  Served from a cache
 * while nothing changed: a settled issue (open, done, closed) is rebuilt
 * only after a notify of it or a change of its updated_at, and the whole
 * list only after a notify in the project or a change of the issues'
 * count or highest updated_at; while an issue is queued, in progress or
 * waiting (its run writes tokens, gates, artifacts), that issue is built
 * afresh every time.  A list checked less than CLAW_BOARD_LIST_FRESH_MS ago
 * is served without a query (changes by this process invalidate it at
 * once; changes by other processes show after at most that long).  A
 * cached list is compressed once, when it is built.  CLAW_ETOOBIG at out's
 * cap. */
enum claw_err claw_board_list(struct claw_board *b, struct claw_db *db, const char *project,
			      bool gzip, struct claw_buf *out, struct claw_error *err);

/* Board events published since start (metrics). */
int64_t claw_board_published(struct claw_board *b);

#endif
