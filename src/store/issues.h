/*
 * issues — the issues of one project.
 *
 * An issue has a title, a Markdown description, a status and timestamps (ms).
 * Statuses form one enum with one string table; every status change stamps
 * updated_at.  Inputs are validated here (the last line of defence for both
 * the CLI and the API): the title must be 1..CLAW_ISSUE_TITLE_MAX bytes of
 * UTF-8 after trimming, with no control characters; the description at most
 * CLAW_ISSUE_DESC_MAX bytes of UTF-8.
 *
 * Threads: functions use the caller's connection (one thread at a time).
 */
#ifndef CLAW_STORE_ISSUES_H
#define CLAW_STORE_ISSUES_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define CLAW_ISSUE_TITLE_MAX 300
#define CLAW_ISSUE_DESC_MAX (64 * 1024)

enum claw_issue_status {
	CLAW_ISSUE_OPEN,
	CLAW_ISSUE_QUEUED,
	CLAW_ISSUE_INPROGRESS,
	CLAW_ISSUE_WAITING,
	CLAW_ISSUE_REVIEW, /* its run waits at the review gate (SPEC 9) */
	CLAW_ISSUE_DONE,
	CLAW_ISSUE_CLOSED,
	CLAW_ISSUE_STATUS_COUNT
};

/* "open", "queued", "inprogress", "waiting", "review", "done", "closed";
 * static. */
const char *claw_issue_status_name(enum claw_issue_status s);
/* CLAW_EINVAL for an unknown name. */
enum claw_err claw_issue_status_parse(const char *name, enum claw_issue_status *out);

/* Strings owned by the struct: free with claw_issue_free(). */
struct claw_issue {
	int64_t id;
	char *title;
	char *description; /* "" when none */
	enum claw_issue_status status;
	int64_t created_at; /* ms */
	int64_t updated_at; /* ms */
};

void claw_issue_free(struct claw_issue *is);

/* Checks a title and description as claw_issue_create does, without
 * touching a db (for early answers to the API and CLI).  description may be
 * NULL.  CLAW_EINVAL with a message naming the field: "title is empty",
 * "title is longer than 300 bytes", "title is not valid UTF-8", "title
 * contains a control character", "description is longer than 65536 bytes",
 * "description is not valid UTF-8". */
enum claw_err claw_issue_validate(const char *title, const char *description,
				  struct claw_error *err);

/* Validates (claw_issue_validate) and inserts an open issue with the title
 * trimmed of surrounding whitespace; *id_out gets its id (may be NULL).
 * description may be NULL. */
enum claw_err claw_issue_create(struct claw_db *db, const char *title, const char *description,
				int64_t *id_out, struct claw_error *err);
/* Loads one issue into *out (free with claw_issue_free).  CLAW_ENOTFOUND
 * "issue #N not found". */
enum claw_err claw_issue_get(struct claw_db *db, int64_t id, struct claw_issue *out,
			     struct claw_error *err);
/* CLAW_OK when issue id exists, else CLAW_ENOTFOUND "issue #N not found". */
enum claw_err claw_issue_exists(struct claw_db *db, int64_t id, struct claw_error *err);
/* All issues by id ascending (*out NULL and *n 0 when none); free with
 * claw_issue_list_free(). */
enum claw_err claw_issue_list(struct claw_db *db, struct claw_issue **out, size_t *n,
			      struct claw_error *err);
void claw_issue_list_free(struct claw_issue *list, size_t n);
/* Sets status and updated_at = now.  CLAW_ENOTFOUND for an unknown id. */
enum claw_err claw_issue_set_status(struct claw_db *db, int64_t id, enum claw_issue_status s,
				    struct claw_error *err);
/* After a run of issue id ended without a result (failed, stopped,
 * discarded): sets it back to `done` when an earlier run of it is done (its
 * fix is in the project), else to `open`.  CLAW_ENOTFOUND for an unknown id. */
enum claw_err claw_issue_reopen(struct claw_db *db, int64_t id, struct claw_error *err);
/* Counts of issues per status into counts[CLAW_ISSUE_STATUS_COUNT]. */
enum claw_err claw_issue_count_by_status(struct claw_db *db, int64_t *counts,
					 struct claw_error *err);

#endif
