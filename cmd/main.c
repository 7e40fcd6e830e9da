/*
 * thuadat: clean land-parcel data for Vietnamese land registration offices.
 * This file holds the one dispatch table, the global options, process-wide
 * library registration and the final check that stdout was really written.
 */
#include "cli.h"

#include <gdal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every command and what main sets up for it (options.h). */
static const cli_dispatch commands[] = {
	{&cmd_init, CLI_JOB},
	{&cmd_ingest, CLI_WS_WRITE | CLI_JOB},
	{&cmd_check, CLI_WS_WRITE | CLI_JOB},
	{&cmd_classify, CLI_WS_WRITE | CLI_JOB},
	{&cmd_fix, CLI_WS_WRITE | CLI_JOB},
	{&cmd_exception, 0},
	{&cmd_assign_id, CLI_WS_WRITE | CLI_JOB},
	{&cmd_id, 0},
	{&cmd_export, CLI_WS_READ | CLI_JOB},
	{&cmd_report, CLI_WS_WRITE | CLI_JOB},
	{&cmd_accept, CLI_WS_WRITE},
	{&cmd_merge, 0},
	{&cmd_reconcile, CLI_WS_WRITE},
	{&cmd_audit, CLI_WS_READ},
	{&cmd_sources, 0},
	{&cmd_run, 0},
};

const cli_dispatch *cli_commands(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const cli_dispatch *cli_find(const char *name)
{
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(name, commands[k].cmd->name) == 0)
			return &commands[k];
	return NULL;
}

static const char exit_codes[] = "exit codes:\n"
				 "  0  all good\n"
				 "  1  finished, warnings only\n"
				 "  2  finished, data fails rules\n"
				 "  3  bad usage or configuration\n"
				 "  4  unreadable or invalid input\n"
				 "  5  internal or I/O failure (including a workspace locked by another run)\n";

#define USAGE "thuadat [-q | -v] [--json] [--log FILE] [--csv-sep SEP] COMMAND [ARGS]"

static void usage(FILE *f)
{
	fprintf(f, "usage: " USAGE "\n"
		   "       thuadat COMMAND --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].cmd->name, commands[i].cmd->summary);
	fprintf(f,
		"\noptions:\n"
		"  -q, --quiet    print errors only\n"
		"  -v, --verbose  print more detail\n"
		"      --json     print the summary as JSON on stdout\n"
		"      --log FILE append every message, with a timestamp, to FILE (for cron)\n"
		"      --csv-sep SEP  separator of the CSV files written: ',' (default) or ';'\n"
		"                 (Excel in a Vietnamese or European locale)\n"
		"      --version  print the version\n\n%s",
		exit_codes);
}

/* Join argv for the run record, so the audit trail says what was typed. */
static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	p = s;
	for (int i = 0; i < argc; i++)
		p += snprintf(p, n - (size_t)(p - s), "%s%s", i ? " " : "", argv[i]);
	return s;
}

int main(int argc, char **argv)
{
	td_cli cli = {0};
	td_error err;
	char *invocation = NULL;
	const cli_dispatch *d;
	void *args = NULL;
	const char *log_path = NULL;
	char csv_sep = ',';
	int i, rc;

	cli.progress = isatty(STDERR_FILENO);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--log") || !strcmp(a, "--csv-sep")) {
			if (i + 1 == argc)
				return cli_usage(USAGE, "option '%s' needs a value", a);
			if (a[2] == 'l')
				log_path = argv[++i];
			else if (!strcmp(argv[++i], ",") || !strcmp(argv[i], ";"))
				csv_sep = argv[i][0];
			else
				return cli_usage(USAGE, "--csv-sep '%s': expected ',' or ';'", argv[i]);
		} else if (!strncmp(a, "--log=", 6)) {
			log_path = a + 6;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			cli_global_opt(&cli, 'q');
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			cli_global_opt(&cli, 'v');
		else if (!strcmp(a, "--json"))
			cli_global_opt(&cli, 'J');
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_GOOD;
		} else if (!strcmp(a, "--version")) {
			printf("thuadat %s\n", TD_VERSION);
			return EXIT_GOOD;
		} else
			return cli_usage(USAGE, "unknown option '%s'", a);
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	d = cli_find(argv[i]);
	if (!d)
		return cli_usage(USAGE, "'%s' is not a thuadat command (see 'thuadat --help')", argv[i]);

	td_error_init(&err);
	invocation = join_args(argc, argv);
	cli.invocation = invocation ? invocation : d->cmd->name;
	rc = cli_output_start(&cli, log_path);
	if (rc != EXIT_GOOD) {
		free(invocation);
		return rc;
	}
	GDALAllRegister();
	if (td_ctx_new(NULL, &cli.ctx, &err) != TD_OK) {
		rc = cli_fail(&cli, &err);
	} else {
		cli.ctx->csv_sep = csv_sep;
		args = cli_args_new(d->cmd);
		rc = !args ? EXIT_FAILURE_IO : cli_parse(&cli, d->cmd, argc - i, argv + i, args);
		if (rc == CLI_HELP_SHOWN)
			rc = EXIT_GOOD;
		else if (rc == EXIT_GOOD)
			rc = cli_invoke(&cli, d, args);
		cli_args_free(d->cmd, args);
	}
	td_ctx_free(cli.ctx);
	GDALDestroyDriverManager();
	/* Checks that stdout (and the log) were really written: a full disk must not pass as success. */
	rc = cli_output_finish(&cli, rc);
	free(invocation);
	return rc;
}
