/*
 * messages — what a person says to a running run (SPEC 11, steering).
 *
 * POST .../issues/{id}/message stores the text here, for the active
 * run; the run's thread takes the pending ones at its next turn boundary
 * (claw_message_pending), adds them to the conversation as the person's
 * words and marks them delivered (claw_message_delivered) in the same
 * transaction as the checkpoint that holds them, so a message accepted
 * before a crash reaches the model after the resume, once.  The text is 1 to
 * CLAW_MESSAGE_MAX bytes of UTF-8 after trimming.
 *
 * Threads: functions use the caller's connection (one thread at a time).
 */
#ifndef CLAW_STORE_MESSAGES_H
#define CLAW_STORE_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define CLAW_MESSAGE_MAX (16 * 1024)
#define CLAW_MESSAGE_PENDING_MAX 32 /* taken at one turn boundary; the rest wait */

/* Strings owned: free with claw_message_list_free. */
struct claw_message {
	int64_t id;
	int64_t run_id;
	char *text;
	char *by; /* "" when unknown */
	int64_t created_at;
};

/* Stores text (trimmed) from by (may be NULL) for run_id; *id_out gets its id
 * (may be NULL).  CLAW_EINVAL "the message is empty" / not UTF-8 / over
 * CLAW_MESSAGE_MAX bytes; CLAW_ENOTFOUND "run #N not found". */
enum claw_err claw_message_add(struct claw_db *db, int64_t run_id, const char *text, const char *by,
			       int64_t *id_out, struct claw_error *err);
/* The undelivered messages of run_id, oldest first, at most
 * CLAW_MESSAGE_PENDING_MAX (*out NULL and *n 0 when none). */
enum claw_err claw_message_pending(struct claw_db *db, int64_t run_id, struct claw_message **out,
				   size_t *n, struct claw_error *err);
/* Marks run_id's messages up to id delivered now; inside the caller's
 * transaction when one is open. */
enum claw_err claw_message_delivered(struct claw_db *db, int64_t run_id, int64_t upto,
				     struct claw_error *err);
void claw_message_list_free(struct claw_message *list, size_t n);

#endif
