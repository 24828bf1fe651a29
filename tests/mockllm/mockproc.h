/*
 * mockproc — a C test's handle on mockllm (the scripted model server):
 * start one on a free loopback port with a scenario, stop it by its PID,
 * and read the JSON lines it logged for every request.
 *
 * mockllm is found next to the test program, or at $MOCKLLM (mock_init).
 * Scenario and log files go to tap_tmpdir().  Not thread-safe: one test
 * thread drives it.
 */
#ifndef CLAW_TESTS_MOCKPROC_H
#define CLAW_TESTS_MOCKPROC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct mock {
	pid_t pid;
	int port;
	char base[128]; /* http://127.0.0.1:PORT */
	char log[4096];
	int64_t start_ms; /* how long it took to print its port */
};

/* Finds mockllm ($MOCKLLM, else next to argv0) and initialises libcurl;
 * false, with a failed check, when libcurl refuses. */
bool mock_init(const char *argv0);
void write_text(const char *path, const char *text);
/* Starts mockllm with the scenario text, --expect-key expect_key (NULL:
 * none), and up to two more flags (NULL: none).  False (with a TAP
 * diagnostic) when it did not start. */
bool mock_start_with(struct mock *m, const char *scenario, const char *expect_key,
		     const char *flag1, const char *flag2);
bool mock_start(struct mock *m, const char *scenario, const char *expect_key);
void mock_stop(struct mock *m); /* SIGTERM by PID, then reaped */

char *log_text(const struct mock *m); /* the whole log (caller frees) */
/* Line i (0-based) of the log, parsed; caller json_object_put()s it. */
struct json_object *log_line(const struct mock *m, int i);
int log_lines(const struct mock *m);
/* A value by a dotted path of keys and array indexes ("body.messages.0.role"). */
struct json_object *jget(struct json_object *o, const char *path);
/* Its string form, "(absent)" when missing. */
const char *jstr(struct json_object *o, const char *path);

#endif
