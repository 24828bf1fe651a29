/*
 * issue — `claw -i TITLE [-d TEXT]` (alias `claw issue new`): open an issue.
 */
#include "cli/cli.h"

#include "store/issues.h"

int
claw_cmd_issue_new(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_cli_opt opts[] = {{"-d", "--description", NULL}};
	const char *pos[1];
	size_t npos;
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_error err = {0};
	int64_t id = 0;

	int status = claw_cli_parse(cli, argc, argv, opts, 1, pos, 1, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	if (npos == 0)
		return claw_cli_usage(cli, "missing TITLE: claw -i TITLE [-d TEXT]");
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	if (claw_issue_create(db, pos[0], opts[0].value, &id, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	struct claw_issue is = {0};
	if (claw_issue_get(db, id, &is, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	(void)fprintf(cli->out, "Issue #%lld opened: %s\n", (long long)id, is.title);
	claw_issue_free(&is);
out:
	claw_db_close(db);
	claw_project_free(&project);
	return status;
}
