/*
 * serve — `claw serve [--listen unix:PATH|HOST:PORT] [--threads N]
 * [--max-runs N] [--group NAME] [--allow-remote]`: the FastCGI server
 * (SPEC.md section 7, src/server/server.h).
 *
 * --group gives the unix socket to a group (nginx's) so nginx's workers can
 * connect; --allow-remote lets a TCP listener bind a non-loopback address
 * (nginx on another host: only behind a private network).
 */
#include "cli/cli.h"

#include <string.h>

#include "base/str.h"
#include "flow/runner.h"
#include "server/fcgi.h"
#include "server/server.h"

int
claw_cmd_serve(struct claw_cli *cli, int argc, char **argv)
{
	struct claw_cli_opt opts[] = {
		{NULL, "--listen", NULL},
		{NULL, "--threads", NULL},
		{NULL, "--max-runs", NULL},
		{NULL, "--group", NULL},
	};
	struct claw_server_options so = {.config = &cli->config};
	struct claw_error err = {0};
	const char *pos[1];
	size_t npos;
	int64_t v;
	int status;

	/* --allow-remote is the one flag without a value: lift it out. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--allow-remote") == 0) {
			so.allow_remote = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof *argv);
			argc--;
			i--;
		}
	}
	status = claw_cli_parse(cli, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos);
	if (status != CLAW_EXIT_OK)
		return status;
	so.listen = opts[0].value;
	so.group = opts[3].value;
	if (opts[1].value != NULL) {
		if (claw_str_to_i64(claw_str_from(opts[1].value), 1, CLAW_FCGI_THREADS_MAX, &v) !=
		    CLAW_OK)
			return claw_cli_usage(cli, "--threads must be from 1 to %d",
					      CLAW_FCGI_THREADS_MAX);
		so.threads = (int)v;
	}
	if (opts[2].value != NULL) {
		if (claw_str_to_i64(claw_str_from(opts[2].value), 1, CLAW_CONFIG_MAX_RUNS_MAX,
				    &v) != CLAW_OK)
			return claw_cli_usage(cli, "--max-runs must be from 1 to %d",
					      CLAW_CONFIG_MAX_RUNS_MAX);
		so.max_runs = v;
	}
	so.pipeline = claw_runner_run;
	if (claw_server_main(&so, &err) != 0)
		return claw_cli_fail(cli, &err);
	return CLAW_EXIT_OK;
}
