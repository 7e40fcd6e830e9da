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

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, td_cli *cli);
	const char *help;
};

static const struct command commands[] = {
	{"init", cmd_init, "create a workspace (GeoPackage) with its reference tables"},
	{"ingest", cmd_ingest, "read a map and a land-register export into a workspace"},
	{"check", cmd_check, "check every parcel against the rules; write findings"},
	{"classify", cmd_classify, "put every parcel in group 1, 2 or 3 with the reasons"},
	{"assign-id", cmd_assign_id, "give every parcel its national ID (GeoHash), with lineage across splits and merges"},
	{"id", cmd_id, "check a parcel ID ('id check [WS] ID') or show its history ('id show WS ID')"},
	{"export", cmd_export, "write one Excel workbook per commune"},
	{"report", cmd_report, "weekly progress report (XLSX and HTML) with overdue-change alerts"},
	{"accept", cmd_accept, "acceptance gate for a delivery: check, classify, compare with thresholds"},
	{"merge", cmd_merge, "merge former provinces' workspaces under the new commune codes, in one CRS"},
	{"reconcile", cmd_reconcile, "apply C06's replies: verification, corrected details, groups, rates"},
	{"audit", cmd_audit, "verify the workspace's audit trail, or print it"},
	{"run", cmd_run, "run the stages listed in a job file (what cron calls)"},
};

static const char exit_codes[] =
	"exit codes:\n"
	"  0  all good\n"
	"  1  finished, warnings only\n"
	"  2  finished, data fails rules\n"
	"  3  bad usage or configuration\n"
	"  4  unreadable or invalid input\n"
	"  5  internal or I/O failure (including a workspace locked by another run)\n";

static void usage(FILE *f)
{
	fprintf(f, "usage: thuadat [-q | -v] [--json] COMMAND [ARGS]\n"
		   "       thuadat COMMAND --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\noptions:\n"
		   "  -q, --quiet    print errors only\n"
		   "  -v, --verbose  print more detail\n"
		   "      --json     print the summary as JSON on stdout\n"
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
	const struct command *cmd = NULL;
	int i, rc;

	cli.progress = isatty(STDERR_FILENO);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
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
			return cli_usage("thuadat [-q | -v] [--json] COMMAND [ARGS]", "unknown option '%s'", a);
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(argv[i], commands[k].name))
			cmd = &commands[k];
	if (!cmd)
		return cli_usage("thuadat [-q | -v] [--json] COMMAND [ARGS]",
				 "'%s' is not a thuadat command (see 'thuadat --help')", argv[i]);

	td_error_init(&err);
	GDALAllRegister();
	if (td_ctx_new(NULL, &cli.ctx, &err) != TD_OK)
		return cli_fail(&cli, &err);
	invocation = join_args(argc, argv);
	cli.invocation = invocation ? invocation : cmd->name;
	rc = cmd->fn(argc - i, argv + i, &cli);
	td_ctx_free(cli.ctx);
	free(invocation);
	GDALDestroyDriverManager();

	/* A full disk or a closed pipe must not pass as success. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "thuadat: error: cannot write to standard output\n");
		return EXIT_FAILURE_IO;
	}
	return rc;
}
