/*
 * init — `claw -c [DIR] [-d TEXT] [--isolation worktree|inplace] [--setup
 * CMD]` (alias `claw init`): register a project.
 *
 * Registers DIR (default: the current directory) under $CLAW_HOME and prints
 * its name, folder, state db and isolation.  Needs no API key.  Registering
 * twice, a missing folder, a file, a folder inside $CLAW_HOME, or worktree
 * isolation for a folder outside a git repository with a commit is an
 * error that changes nothing.  Isolation defaults to worktree for a folder
 * in a git repository with a commit, else inplace (SPEC section 9).
 */
#include "cli/cli.h"

#include <string.h>

#include "store/issues.h"
#include "tool/workdir.h"

int
claw_cmd_init(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_cli_opt opts[] = {
		{"-d", "--description", NULL},
		{NULL, "--isolation", NULL},
		{NULL, "--setup", NULL},
	};
	const char *pos[1];
	size_t npos;
	struct claw_project project = {0};
	struct claw_error err = {0};
	struct claw_project_settings set = CLAW_PROJECT_SETTINGS_NONE;
	enum claw_isolation iso = CLAW_ISOLATION_INPLACE;

	int status = claw_cli_parse(cli, argc, argv, opts, 3, pos, 1, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	const char *dir = npos == 1 ? pos[0] : ".";
	if (dir[0] == '\0')
		return claw_cli_usage(cli, "the folder name is empty");
	if (opts[1].value == NULL)
		iso = claw_workdir_default_isolation(dir);
	else if (claw_isolation_parse(opts[1].value, &iso, &err) != CLAW_OK)
		return claw_cli_usage(cli, "%s", claw_error_text(&err));
	if (claw_workdir_check_isolation(dir, iso, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	set.description = opts[0].value;
	set.isolation = (int)iso;
	set.setup = opts[2].value;
	if (claw_project_register(cli->config.home, dir, &set, &project, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	(void)fprintf(cli->out, "Registered project %s\n", project.name);
	if (cli->verbosity != CLAW_CLI_QUIET) {
		(void)fprintf(cli->out, "  folder: %s\n", project.path);
		(void)fprintf(cli->out, "  state:  %s\n", project.db_path);
		(void)fprintf(cli->out, "  isolation: %s\n",
			      claw_isolation_name(project.isolation));
		if (project.setup[0] != '\0')
			(void)fprintf(cli->out, "  setup: %s\n", project.setup);
		(void)fprintf(cli->out,
			      "Open an issue with: claw -i \"TITLE\" -d \"what to do\"\n");
	}
	claw_project_free(&project);
	return CLAW_EXIT_OK;
}
