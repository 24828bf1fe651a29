/*
 * log — `claw log [RUN] [-q|-v]`: the recent runs and one run's trace tree.
 *
 * All the work is claw_render_log (src/trace/render.h), which is also what
 * shows the same lines live during `claw run`; this file parses the
 * arguments, picks the level (Debug by default, Notice with -q) and whether
 * stdout deserves colour (a TTY and NO_COLOR unset).
 */
#include "cli/cli.h"

#include "base/str.h"
#include "trace/render.h"

int
claw_cmd_log(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_error err = {0};
	const char *pos[1] = {NULL};
	size_t npos = 0;
	int64_t run_id = 0;
	int level = cli->verbosity == CLAW_CLI_QUIET ? CLAW_RECORD_NOTICE : CLAW_RECORD_DEBUG;

	int status = claw_cli_parse(cli, argc, argv, NULL, 0, pos, 1, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	if (npos == 1 && !claw_cli_id(pos[0], &run_id))
		return claw_cli_usage(cli, "RUN must be a run number, not '%s'", pos[0]);
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	(void)fflush(cli->out);
	if (claw_render_log(db, run_id, level, claw_render_colour_wanted(fileno(cli->out)),
			    cli->out, &err) != CLAW_OK)
		status = claw_cli_fail(cli, &err);
	claw_db_close(db);
	claw_project_free(&project);
	return status;
}
