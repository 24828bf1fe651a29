/*
 * cli — the command line: global options, dispatch, and what commands share.
 *
 * `claw` is one binary.  claw_cli_main() takes global options anywhere on the
 * line (-C DIR, -q, -v, -h/--help, --version), finds the command (-c/init,
 * -i/issue new, issues, ...) and calls its function with the remaining
 * arguments.  Each command lives in its own file (init.c, issue.c, ...) and
 * returns the process exit status: 0 success, 1 failure, 2 usage error.
 * Errors go to stderr as "claw <cmd>: <message>".
 *
 * Threads: the CLI runs on the main thread before any other starts.
 */
#ifndef CLAW_CLI_CLI_H
#define CLAW_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/config.h"
#include "base/err.h"
#include "store/db.h"
#include "store/projects.h"

enum { CLAW_EXIT_OK = 0, CLAW_EXIT_FAIL = 1, CLAW_EXIT_USAGE = 2 };

enum claw_cli_verbosity {
	CLAW_CLI_QUIET = -1, /* -q: milestones only */
	CLAW_CLI_NORMAL = 0,
	CLAW_CLI_VERBOSE = 1, /* -v: everything */
};

/* State shared by every command of one invocation.  Owned by claw_cli_main. */
struct claw_cli {
	const char *cmd; /* command name for messages ("init", "issue", ...) */
	enum claw_cli_verbosity verbosity;
	bool dir_given;            /* -C was given: it wins over CLAW_PROJECT */
	struct claw_config config; /* loaded before the command runs */
	FILE *out;                 /* stdout */
	FILE *err;                 /* stderr */
};

/* The whole command line: returns the exit status. */
int claw_cli_main(int argc, char **argv);

/* Prints "claw <cmd>: <message>" to stderr and returns CLAW_EXIT_FAIL. */
int claw_cli_fail(struct claw_cli *cli, const struct claw_error *err);
/* Prints "claw <cmd>: <message>\n(see claw -h)" and returns CLAW_EXIT_USAGE. */
int claw_cli_usage(struct claw_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A number as people write issue and run ids ("12" or "#12") into *out;
 * false when s is not one. */
bool claw_cli_id(const char *s, int64_t *out);

/* Resolves the project of the current directory (SPEC section 1: -C has
 * already changed into its folder; CLAW_PROJECT, else the cwd; walks up) and
 * opens its db.  On success the caller owns *project (claw_project_free) and
 * *db (claw_db_close). */
enum claw_err claw_cli_open_project(struct claw_cli *cli, struct claw_project *project,
				    struct claw_db **db, struct claw_error *err);

/* One value-taking option of a command ("-d"/"--description").  value is
 * NULL until seen; it borrows argv. */
struct claw_cli_opt {
	const char *short_name; /* "-d", or NULL */
	const char *long_name;  /* "--description", or NULL */
	const char *value;      /* out */
};

/* Scans a command's arguments (argv[0] is the command word, skipped):
 * options of opts take the next word (or "--long=VALUE"); "--" ends options;
 * any other word starting with '-' is "unknown option"; up to max_pos
 * positionals are stored in pos (borrowed), more is "unexpected argument".
 * Returns CLAW_EXIT_OK, or the usage status after printing the message. */
int claw_cli_parse(struct claw_cli *cli, int argc, char **argv, struct claw_cli_opt *opts,
		   size_t nopts, const char **pos, size_t max_pos, size_t *npos);

/* The commands (one file each).  argv[0] is the command word. */
int claw_cmd_init(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_issue_new(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_issues(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_serve(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_log(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_tool(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_mcp(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_run(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_project_set(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_diff(struct claw_cli *cli, int argc, char **argv);
int claw_cmd_review(struct claw_cli *cli, int argc, char **argv);

#endif
