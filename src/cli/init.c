/*
 * init — `claw -c [DIR] [-d TEXT]` (alias `claw init`): register a project.
 *
 * Registers DIR (default: the current directory) under $CLAW_HOME and prints
 * its name, folder and state db.  Needs no API key.  Registering twice, a
 * missing folder or a file is an error that changes nothing.
 */
#include "cli/cli.h"

#include <string.h>

#include "store/issues.h"

int
claw_cmd_init(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_cli_opt opts[] = {{"-d", "--description", NULL}};
	const char *pos[1];
	size_t npos;
	struct claw_project project = {0};
	struct claw_error err = {0};

	int status = claw_cli_parse(cli, argc, argv, opts, 1, pos, 1, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	const char *dir = npos == 1 ? pos[0] : ".";
	if (dir[0] == '\0')
		return claw_cli_usage(cli, "the folder name is empty");
	if (claw_project_register(cli->config.home, dir, opts[0].value, &project, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	(void)fprintf(cli->out, "Registered project %s\n", project.name);
	if (cli->verbosity != CLAW_CLI_QUIET) {
		(void)fprintf(cli->out, "  folder: %s\n", project.path);
		(void)fprintf(cli->out, "  state:  %s\n", project.db_path);
		(void)fprintf(cli->out,
			      "Open an issue with: claw -i \"TITLE\" -d \"what to do\"\n");
	}
	claw_project_free(&project);
	return CLAW_EXIT_OK;
}
