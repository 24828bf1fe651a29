/*
 * diff — `claw diff [RUN] [--stat] [--step NAME]`: a run's change as a
 * unified diff (SPEC section 9), or its files with their added and deleted
 * lines; with --step, the work of that step's last commit only.
 *
 * RUN defaults to the newest run that has its own worktree.  While the
 * run's worktree is there the current step's uncommitted work is included
 * (such files are marked in --stat); once the run is done and only its
 * branch is kept, the change is base..branch.  Colour only on a TTY and
 * when NO_COLOR is unset.
 */
#include "cli/cli.h"

#include <string.h>

#include "base/str.h"
#include "store/runs.h"
#include "tool/workdir.h"
#include "trace/render.h"

#define DIFF_OUT_MAX (CLAW_WORKDIR_DIFF_MAX + 4096)

static void
print_stat(struct claw_cli *cli, const struct claw_changes *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		const struct claw_change *c = &ch->files[i];
		if (c->binary)
			(void)fprintf(cli->out, "%c %s (binary)", c->status, c->path);
		else
			(void)fprintf(cli->out, "%c %s +%lld -%lld", c->status, c->path,
				      (long long)c->additions, (long long)c->deletions);
		if (c->old_path != NULL)
			(void)fprintf(cli->out, " (from %s)", c->old_path);
		(void)fprintf(cli->out, "%s\n", c->uncommitted ? " (uncommitted)" : "");
	}
	(void)fprintf(cli->out, "%zu file%s changed, +%lld -%lld\n", ch->n, ch->n == 1 ? "" : "s",
		      (long long)ch->additions, (long long)ch->deletions);
}

/* The diff text, coloured line by line when colour. */
static void
print_diff(struct claw_cli *cli, const char *text, bool colour)
{
	struct claw_str rest = claw_str_from(text);
	while (rest.n > 0) {
		struct claw_str line = claw_str_cut(&rest, '\n');
		const char *c = NULL;
		if (colour && line.n > 0)
			c = claw_str_starts_with(line, "+++") || claw_str_starts_with(line, "---")
				    ? "\033[1m"
			    : line.p[0] == '+'                 ? "\033[32m"
			    : line.p[0] == '-'                 ? "\033[31m"
			    : claw_str_starts_with(line, "@@") ? "\033[36m"
							       : NULL;
		(void)fprintf(cli->out, "%s%.*s%s\n", c != NULL ? c : "", (int)line.n, line.p,
			      c != NULL ? "\033[0m" : "");
	}
}

int
claw_cmd_diff(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_cli_opt opts[] = {{NULL, "--step", NULL}};
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_error err = {0};
	struct claw_run_work w = {0};
	struct claw_worktree wt = {0};
	struct claw_buf out = CLAW_BUF_INIT(DIFF_OUT_MAX);
	const char *pos[1] = {NULL};
	size_t npos = 0;
	int64_t run_id = 0;
	bool stat = false;

	/* --stat takes no value: lift it out first. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--stat") == 0) {
			stat = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof *argv);
			argc--;
			i--;
		}
	int status = claw_cli_parse(cli, argc, argv, opts, 1, pos, 1, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	if (npos == 1 && !claw_cli_id(pos[0], &run_id))
		return claw_cli_usage(cli, "RUN must be a run number, not '%s'", pos[0]);
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	enum claw_err rc = run_id == 0 ? claw_run_latest_with_work(db, &run_id, &err) : CLAW_OK;
	if (rc == CLAW_OK)
		rc = claw_run_get_work(db, run_id, &w, &err);
	if (rc == CLAW_OK && w.branch[0] == '\0')
		rc = claw_error_set(
			&err, CLAW_ENOTFOUND,
			"run #%lld worked in place: it has no change of its own to show",
			(long long)run_id);
	if (rc != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	claw_worktree_from_run(&w, &wt);
	const char *step = opts[0].value;
	char from[CLAW_WORKDIR_SHA_SIZE], to[CLAW_WORKDIR_SHA_SIZE];
	if (step != NULL && claw_worktree_step_range(&wt, step, from, to, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (stat) {
		struct claw_changes ch;
		rc = step != NULL ? claw_worktree_changes_between(&wt, from, to, &ch, &err)
				  : claw_worktree_changes(&wt, true, &ch, &err);
		if (rc != CLAW_OK) {
			status = claw_cli_fail(cli, &err);
			goto out;
		}
		print_stat(cli, &ch);
		claw_changes_free(&ch);
	} else if ((step != NULL ? claw_worktree_diff_between(&wt, from, to, NULL, &out, &err)
				 : claw_worktree_diff(&wt, true, NULL, &out, &err)) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
	} else {
		print_diff(cli, claw_buf_str(&out), claw_render_colour_wanted(fileno(cli->out)));
	}
out:
	claw_buf_free(&out);
	claw_worktree_free(&wt);
	claw_run_work_free(&w);
	claw_db_close(db);
	claw_project_free(&project);
	return status;
}
