/*
 * project — `claw project set KEY=VALUE...`: change the resolved project's
 * settings (SPEC section 2): isolation (worktree|inplace), setup (a
 * command run once in a new work folder; empty: none), setup_net
 * (yes|no: the setup may reach the network), description.
 *
 * Every pair is checked before anything changes; then all change in one
 * statement and the settings are printed.  A run already working keeps
 * the isolation it started with (its work folder is on its row).
 */
#include "cli/cli.h"

#include <string.h>

#include "base/str.h"
#include "tool/workdir.h"

/* "yes"/"no" and friends into *out; false when it is neither. */
static bool
parse_yes_no(const char *v, int *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return (*out = 1), true;
		if (strcmp(v, no[i]) == 0)
			return (*out = 0), true;
	}
	return false;
}

/* One KEY=VALUE into s; a usage status on a bad pair. */
static int
take_pair(struct claw_cli *cli, const char *pair, struct claw_project_settings *s)
{
	const char *eq = strchr(pair, '=');
	struct claw_error err = {0};
	enum claw_isolation iso;

	if (eq == NULL)
		return claw_cli_usage(cli, "expected KEY=VALUE, got %s", pair);
	struct claw_str key = {pair, (size_t)(eq - pair)};
	const char *v = eq + 1;
	if (claw_str_eq_cstr(key, "isolation")) {
		if (claw_isolation_parse(v, &iso, &err) != CLAW_OK)
			return claw_cli_usage(cli, "%s", claw_error_text(&err));
		s->isolation = (int)iso;
	} else if (claw_str_eq_cstr(key, "setup")) {
		s->setup = v;
	} else if (claw_str_eq_cstr(key, "setup_net")) {
		if (!parse_yes_no(v, &s->setup_net))
			return claw_cli_usage(cli, "setup_net must be yes or no, got %s", v);
	} else if (claw_str_eq_cstr(key, "description")) {
		s->description = v;
	} else {
		return claw_cli_usage(
			cli,
			"unknown setting %.*s (settings: isolation, setup, setup_net, "
			"description)",
			(int)key.n, key.p);
	}
	return CLAW_EXIT_OK;
}

int
claw_cmd_project_set(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_project_settings s = CLAW_PROJECT_SETTINGS_NONE;
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_error err = {0};
	const char *pos[16];
	size_t npos;
	int status = claw_cli_parse(cli, argc, argv, NULL, 0, pos, 16, &npos);

	if (status != CLAW_EXIT_OK)
		return status;
	if (npos == 0)
		return claw_cli_usage(cli, "nothing to set: give KEY=VALUE");
	for (size_t i = 0; i < npos && status == CLAW_EXIT_OK; i++)
		status = take_pair(cli, pos[i], &s);
	if (status != CLAW_EXIT_OK)
		return status;
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	if ((s.isolation >= 0 &&
	     claw_workdir_check_isolation(project.path, (enum claw_isolation)s.isolation, &err) !=
		     CLAW_OK) ||
	    claw_project_update(db, &s, &project, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	(void)fprintf(cli->out, "Project %s\n  isolation: %s\n  setup:     %s\n  setup_net: %s\n",
		      project.name, claw_isolation_name(project.isolation),
		      project.setup[0] != '\0' ? project.setup : "(none)",
		      project.setup_net ? "yes" : "no");
out:
	claw_db_close(db);
	claw_project_free(&project);
	return status;
}
