/*
 * issues — `claw issues`: list the project's issues.
 *
 * One line per issue: id, status, title, the latest run (number within the
 * issue, id and status) and its cost from the trace.
 */
#include "cli/cli.h"

#include <string.h>

#include "store/issues.h"
#include "store/runs.h"
#include "trace/reader.h"

#define ISSUES_TITLE_COLS 48

/* Prints s in exactly cols columns (one per UTF-8 character): padded with
 * spaces, or clipped with "…" without splitting a character. */
static void
put_column(FILE *f, const char *s, size_t cols)
{
	size_t i = 0, used = 0, total = 0;
	for (size_t k = 0; s[k] != '\0'; k++)
		total += ((unsigned char)s[k] & 0xC0) != 0x80;
	size_t keep = total <= cols ? total : cols - 1;
	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (used == keep)
				break;
			used++;
		}
		(void)fputc(s[i++], f);
	}
	if (total > cols) {
		(void)fputs("\xE2\x80\xA6", f);
		used++;
	}
	for (; used < cols; used++)
		(void)fputc(' ', f);
}

/* 950, 12.3k, 4.56M: a token count in a column. */
static void
put_tokens(char *out, size_t size, int64_t n)
{
	if (n < 1000)
		(void)snprintf(out, size, "%lld", (long long)n);
	else if (n < 1000000)
		(void)snprintf(out, size, "%.1fk", (double)n / 1e3);
	else
		(void)snprintf(out, size, "%.2fM", (double)n / 1e6);
}

int
claw_cmd_issues(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_project project = {0};
	struct claw_db *db = NULL;
	struct claw_issue *list = NULL;
	struct claw_error err = {0};
	size_t n = 0, npos;
	const char *pos[1];

	int status = claw_cli_parse(cli, argc, argv, NULL, 0, pos, 0, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	if (claw_cli_open_project(cli, &project, &db, &err) != CLAW_OK)
		return claw_cli_fail(cli, &err);
	if (claw_issue_list(db, &list, &n, &err) != CLAW_OK) {
		status = claw_cli_fail(cli, &err);
		goto out;
	}
	if (n == 0) {
		(void)fprintf(cli->out, "No issues yet in %s. Open one with: claw -i TITLE\n",
			      project.name);
		goto out;
	}
	(void)fprintf(cli->out, "%5s  %-10s  %-*s  %-18s  %-15s  %s\n", "#", "STATUS",
		      ISSUES_TITLE_COLS, "TITLE", "LATEST RUN", "TOKENS IN/OUT", "COST");
	for (size_t i = 0; i < n; i++) {
		struct claw_run run = {0};
		struct claw_trace_totals totals = {0};
		char runcol[64] = "-", costcol[32] = "-", tokcol[64] = "-";
		enum claw_err rc = claw_run_latest_of_issue(db, list[i].id, &run, &err);
		if (rc == CLAW_OK) {
			(void)snprintf(runcol, sizeof runcol, "run #%lld %s", (long long)run.id,
				       claw_run_status_name(run.status));
			rc = claw_reader_totals(db, run.id, &totals, &err);
			if (rc == CLAW_OK) {
				char in[24], out[24];
				put_tokens(in, sizeof in, totals.in);
				put_tokens(out, sizeof out, totals.out);
				(void)snprintf(tokcol, sizeof tokcol, "%s/%s", in, out);
				(void)snprintf(costcol, sizeof costcol, "$%.4f",
					       (double)totals.cost_micros / 1e6);
			}
			claw_trace_totals_free(&totals);
			claw_run_free(&run);
		}
		if (rc != CLAW_OK && rc != CLAW_ENOTFOUND) {
			status = claw_cli_fail(cli, &err);
			goto out;
		}
		(void)fprintf(cli->out, "%5lld  %-10s  ", (long long)list[i].id,
			      claw_issue_status_name(list[i].status));
		put_column(cli->out, list[i].title, ISSUES_TITLE_COLS);
		(void)fprintf(cli->out, "  %-18s  %-15s  %s\n", runcol, tokcol, costcol);
	}
out:
	claw_issue_list_free(list, n);
	claw_db_close(db);
	claw_project_free(&project);
	return status;
}
