/*
 * solvers — versioned solver workflows of an issue (procedural memory).
 *
 * Each define_workflow of an issue stores a new version (1, 2, ...) as a
 * draft; a person (or auto-approval) approves or rejects it, with optional
 * feedback and the deciding user.  Later runs reuse the latest approved
 * version.  The spec is stored verbatim as JSON text; validating it is the
 * flow layer's job.
 *
 * Threads: functions use the caller's connection (one thread at a time).
 */
#ifndef CLAW_STORE_SOLVERS_H
#define CLAW_STORE_SOLVERS_H

#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define CLAW_SOLVER_SPEC_MAX (256 * 1024)

enum claw_solver_status {
	CLAW_SOLVER_DRAFT,
	CLAW_SOLVER_APPROVED,
	CLAW_SOLVER_REJECTED,
	CLAW_SOLVER_STATUS_COUNT
};

const char *claw_solver_status_name(enum claw_solver_status s);
enum claw_err claw_solver_status_parse(const char *name, enum claw_solver_status *out);

/* Strings owned by the struct: free with claw_solver_free(). */
struct claw_solver {
	int64_t id;
	int64_t issue_id;
	int64_t version;
	char *spec; /* JSON text */
	enum claw_solver_status status;
	char *feedback;   /* "" when none */
	char *decided_by; /* "" until decided */
	int64_t created_at;
	int64_t decided_at; /* 0 until decided */
};

void claw_solver_free(struct claw_solver *s);

/* Stores spec as the next version of issue_id (a draft); *version_out gets
 * it (may be NULL).  CLAW_EINVAL for an empty spec; CLAW_ETOOBIG over
 * CLAW_SOLVER_SPEC_MAX; CLAW_ENOTFOUND "issue #N not found".  The version is
 * chosen inside a write transaction (or the caller's open one). */
enum claw_err claw_solver_add(struct claw_db *db, int64_t issue_id, const char *spec,
			      int64_t *version_out, struct claw_error *err);
/* The newest version of the issue, any status.  CLAW_ENOTFOUND "issue #N
 * has no solver" when none.  Free *out with claw_solver_free. */
enum claw_err claw_solver_latest(struct claw_db *db, int64_t issue_id, struct claw_solver *out,
				 struct claw_error *err);
/* The newest approved version.  CLAW_ENOTFOUND "issue #N has no approved
 * solver" when none. */
enum claw_err claw_solver_latest_approved(struct claw_db *db, int64_t issue_id,
					  struct claw_solver *out, struct claw_error *err);
/* One version.  CLAW_ENOTFOUND "solver v<V> of issue #N not found". */
enum claw_err claw_solver_get(struct claw_db *db, int64_t issue_id, int64_t version,
			      struct claw_solver *out, struct claw_error *err);
/* Records a decision (approved or rejected, else CLAW_EINVAL) on one
 * version, with feedback and decided_by (each may be NULL → "") and
 * decided_at = now.  A later decision replaces an earlier one.
 * CLAW_ENOTFOUND for an unknown version. */
enum claw_err claw_solver_decide(struct claw_db *db, int64_t issue_id, int64_t version,
				 enum claw_solver_status decision, const char *feedback,
				 const char *decided_by, struct claw_error *err);
/* Replaces the spec of an existing version (repair keeps step names); its
 * status is kept.  Same limits as claw_solver_add; CLAW_ENOTFOUND for an
 * unknown version. */
enum claw_err claw_solver_update_spec(struct claw_db *db, int64_t issue_id, int64_t version,
				      const char *spec, struct claw_error *err);

#endif
