/*
 * review — `claw review RUN DECISION [-m TEXT]`: answers a run's review
 * gate from the terminal, through the same code as the API
 * (flow/review.h): merge, keep, discard, accept and revert take effect
 * before it returns
 * (exit 0), or are refused with the reason and nothing changed (exit 1);
 * changes is recorded for the run, which works again when it is resumed.
 * The run must not be executing in another process (claw serve or claw
 * run hold it): the answer then belongs there.
 */
#include "cli/cli.h"

#include <stdlib.h>

#include "flow/review.h"

int
claw_cmd_review(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_cli_opt opts[] = {{"-m", "--message", NULL}};
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_error err = {0};
	const char *pos[2] = {NULL, NULL};
	size_t npos = 0;
	int64_t run_id = 0;
	char *message = NULL;

	int status = claw_cli_parse(cli, argc, argv, opts, 1, pos, 2, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	if (npos != 2)
		return claw_cli_usage(cli, "usage: claw review RUN DECISION [-m TEXT]");
	if (!claw_cli_id(pos[0], &run_id))
		return claw_cli_usage(cli, "RUN must be a run number, not '%s'", pos[0]);
	if (!claw_review_decision_known(pos[1]))
		return claw_cli_usage(cli,
				      "DECISION must be merge, keep, discard or changes, not "
				      "'%s'",
				      pos[1]);
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	claw_db_close(db);
	struct claw_gate_answer a = {
		.text = (char *)(opts[0].value != NULL ? opts[0].value : ""),
		.decision = (char *)pos[1],
		.by = (char *)"console",
	};
	if (claw_review_decide(project.db_path, project.key, &cli->config, run_id, &a, &message,
			       &err) != CLAW_OK)
		status = claw_cli_fail(cli, &err);
	else
		(void)fprintf(cli->out, "%s\n", message);
	free(message);
	claw_project_free(&project);
	return status;
}
