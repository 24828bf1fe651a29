/*
 * run — `claw run ID [--yes] [--merge]`: the issue pipeline in the
 * foreground.
 *
 * Checks what a person can fix before anything starts (the issue exists
 * and is not done or closed, a model and a key are configured), resumes the
 * issue's active run or opens a new one, and hands it to claw_runner_run
 * with the console front end: the live trace tree on stderr, gates asked on
 * the terminal, Ctrl-C a stop at the next safe point that leaves the run
 * resumable.  At the review gate the terminal asks what to do with the
 * change; Enter (or end of input) leaves the run parked there.  Exit
 * status: 0 when the run is done, discarded, parked at the review gate or
 * its solver was rejected by the person at the gate; 1 when it failed or
 * stopped.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "flow/console.h"
#include "flow/runner.h"
#include "llm/http.h"
#include "store/issues.h"
#include "store/runs.h"
#include "trace/record.h"
#include "trace/render.h"

/* Says how run ended (rc: the runner's answer, err its error); returns the
 * exit status. */
static int
report(struct claw_cli *cli, struct claw_db *db, const struct claw_run *run, enum claw_err rc,
       struct claw_error *err)
{
	struct claw_issue is = {0};
	int status;

	switch (run->status) {
	case CLAW_RUN_DONE: {
		char *landing = NULL;
		(void)claw_run_get_landing(db, run->id, &landing, NULL);
		(void)fprintf(cli->out, "Run #%lld done%s%s: issue #%lld is done.\n",
			      (long long)run->id, landing != NULL && landing[0] != '\0' ? ", " : "",
			      landing != NULL ? landing : "", (long long)run->issue_id);
		free(landing);
		status = CLAW_EXIT_OK;
		break;
	}
	case CLAW_RUN_DISCARDED:
		(void)fprintf(cli->out, "Run #%lld ended: %s; issue #%lld is open.\n",
			      (long long)run->id, run->reason, (long long)run->issue_id);
		status = CLAW_EXIT_OK;
		break;
	case CLAW_RUN_GENERATED:
		(void)fprintf(cli->out, "Run #%lld ended: %s; issue #%lld is waiting.\n",
			      (long long)run->id, run->reason, (long long)run->issue_id);
		status = CLAW_EXIT_OK;
		break;
	case CLAW_RUN_FAILED:
		(void)fprintf(cli->out, "Run #%lld failed: %s\n", (long long)run->id, run->reason);
		status = CLAW_EXIT_FAIL;
		break;
	default:
		if (rc == CLAW_ESTOPPED &&
		    claw_issue_get(db, run->issue_id, &is, NULL) == CLAW_OK &&
		    is.status == CLAW_ISSUE_REVIEW) {
			(void)fprintf(
				cli->out,
				"Run #%lld waits at the review gate: claw diff %lld shows its "
				"change, claw review %lld DECISION answers it, "
				"claw run %lld asks again.\n",
				(long long)run->id, (long long)run->id, (long long)run->id,
				(long long)run->issue_id);
			status = CLAW_EXIT_OK;
			break;
		}
		if (rc == CLAW_OK || rc == CLAW_ESTOPPED)
			(void)fprintf(cli->out, "Run #%lld stopped; `claw run %lld` resumes it.\n",
				      (long long)run->id, (long long)run->issue_id);
		else
			(void)claw_cli_fail(cli, err);
		status = CLAW_EXIT_FAIL;
		break;
	}
	claw_issue_free(&is);
	return status;
}

int
claw_cmd_run(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_issue issue = {0};
	struct claw_run run = {0};
	struct claw_error err = {0};
	struct claw_console console;
	const char *pos[1] = {NULL};
	char **args = claw_xcalloc((size_t)argc + 1, sizeof *args);
	size_t npos = 0;
	int nargs = 0, status = CLAW_EXIT_FAIL;
	int64_t issue_id = 0, run_id = 0;
	bool yes = false, merge = false, resumed = false;
	enum claw_err rc;
	int level;

	for (int i = 0; i < argc; i++) {
		if (i > 0 && (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0))
			yes = true;
		else if (i > 0 && strcmp(argv[i], "--merge") == 0)
			merge = true;
		else
			args[nargs++] = argv[i];
	}
	status = claw_cli_parse(cli, nargs, args, NULL, 0, pos, 1, &npos);
	if (status != CLAW_EXIT_OK)
		goto out;
	if (npos != 1) {
		status = claw_cli_usage(cli, "which issue? usage: claw run ID [--yes] [--merge]");
		goto out;
	}
	if (!claw_cli_id(pos[0], &issue_id)) {
		status = claw_cli_usage(cli, "ID must be an issue number, not '%s'", pos[0]);
		goto out;
	}
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		goto fail;
	if (claw_issue_get(db, issue_id, &issue, &err) != CLAW_OK)
		goto fail;
	if (issue.status == CLAW_ISSUE_DONE || issue.status == CLAW_ISSUE_CLOSED) {
		claw_error_set(&err, CLAW_ECONFLICT, "issue #%lld is %s: there is nothing to run",
			       (long long)issue_id, claw_issue_status_name(issue.status));
		goto fail;
	}
	if (claw_config_require_agent(&cli->config, &err) != CLAW_OK)
		goto fail;
	if (claw_llm_global_init(&err) != CLAW_OK)
		goto fail;

	rc = claw_run_active_of_issue(db, issue_id, &run, &err);
	if (rc == CLAW_OK) {
		run_id = run.id;
		resumed = true;
	} else if (rc == CLAW_ENOTFOUND) {
		claw_error_clear(&err);
		if (claw_run_insert(db, issue_id, CLAW_RUN_RUNNING, "console", &run_id, &err) !=
		    CLAW_OK)
			goto fail;
	} else {
		goto fail;
	}
	claw_run_free(&run);
	if (cli->verbosity != CLAW_CLI_QUIET)
		(void)fprintf(cli->err, "%s run #%lld of issue #%lld: %s\n",
			      resumed ? "Resuming" : "Starting", (long long)run_id,
			      (long long)issue_id, issue.title);
	(void)fflush(cli->err);

	level = cli->verbosity == CLAW_CLI_QUIET     ? CLAW_RECORD_NOTICE
		: cli->verbosity == CLAW_CLI_VERBOSE ? CLAW_RECORD_DEBUG
						     : CLAW_RECORD_INFO;
	claw_console_init(&console, STDIN_FILENO, STDERR_FILENO, level,
			  claw_render_colour_wanted(STDERR_FILENO));
	claw_console_catch_sigint();
	{
		struct claw_runner_params rp = {
			.config = &cli->config,
			.project_key = project.key,
			.db_path = project.db_path,
			.issue_id = issue_id,
			.run_id = run_id,
			.started_by = "console",
			.bus = NULL,
			.auto_approve = yes,
			.auto_merge = merge,
		};
		rc = claw_runner_run(&rp, claw_console_frontend(&console), &err);
	}
	if (claw_run_get(db, run_id, &run, NULL) != CLAW_OK) {
		if (rc == CLAW_OK)
			claw_error_set(&err, CLAW_EDB, "run #%lld vanished", (long long)run_id);
		goto fail;
	}
	status = report(cli, db, &run, rc, &err);
	goto out;
fail:
	status = claw_cli_fail(cli, &err);
out:
	claw_run_free(&run);
	claw_issue_free(&issue);
	claw_db_close(db);
	claw_project_free(&project);
	free(args);
	return status;
}
