/*
 * thuadat export: write one Excel workbook per commune (summary, group
 * lists, findings) into a directory and, with --c06, the legacy .xls lists
 * of certificate holders not yet verified, for the police's population-data
 * department (C06).
 * Reads the workspace only.
 */
#include "c06.h"
#include "cli.h"
#include "export.h"
#include "outfile.h"

static const char usage[] = "thuadat export WORKSPACE --out DIR [--c06] [--sheet-rows N]";

int stage_export(td_cli *cli, const char *path, const td_export_options *opts, int c06)
{
	td_export_summary sum = {0};
	td_c06_summary lists = {0};
	td_export_options staged = *opts;
	td_outdir out;
	td_error err;
	td_ws *ws = NULL;
	int rc = cli_open(cli, path, TD_WS_READ, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	/* Every workbook and list is written aside and moved in at the end: all of them or none. */
	staged.out_dir = out.stage;
	if (td_outdir_open(&out, opts->out_dir, &err) != TD_OK ||
	    td_export_run(ws, &staged, cli_progress, cli, &sum, &err) != TD_OK ||
	    (c06 && td_c06_export(ws, &out, &lists, &err) != TD_OK) || td_outdir_commit(&out, &err) != TD_OK) {
		td_outdir_abort(&out);
		rc = cli_fail(cli, &err);
	}
	else if (cli->json) {
		printf("%s\n", sum.json);
		if (c06)
			printf("{\"command\":\"export-c06\",\"files\":%d,\"rows\":%ld,\"complete\":%d}\n", lists.files,
			       lists.rows, lists.complete);
	} else if (!cli->quiet) {
		printf("wrote %d workbook%s (%ld parcel row%s, %ld finding%s, %ld certificate%s not on the map) to %s\n",
		       sum.workbooks, PLURAL(sum.workbooks), sum.parcels, PLURAL(sum.parcels), sum.findings,
		       PLURAL(sum.findings), sum.certificates, PLURAL(sum.certificates), opts->out_dir);
		for (int i = 0; cli->verbose && i < sum.workbooks; i++) {
			char shown[4400];
			printf("  %s\n", td_outdir_final(&out, sum.files[i], shown, sizeof(shown)));
		}
		if (c06)
			printf("wrote %d C06 list%s (.xls, %ld certificate holder%s not yet verified) to %s\n", lists.files,
			       PLURAL(lists.files), lists.rows, PLURAL(lists.rows), opts->out_dir);
		if (c06 && lists.complete)
			printf("%d commune%s every certificate holder verified: no list\n", lists.complete,
			       lists.complete == 1 ? " has" : "s have");
	}
	td_export_summary_release(&sum);
	td_ws_close(ws);
	return rc;
}

int cmd_export(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"out", required_argument, NULL, 'o'},
		{"c06", no_argument, NULL, 'C'},
		{"sheet-rows", required_argument, NULL, 'r'},
		CLI_GLOBAL_LONGOPTS,
		{NULL, 0, NULL, 0}};
	td_export_options o = TD_EXPORT_OPTIONS_INIT;
	int c, c06 = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'o')
			o.out_dir = optarg;
		else if (c == 'C')
			c06 = 1;
		else if (c == 'r') {
			char *end;
			o.sheet_rows = strtol(optarg, &end, 10);
			if (*end || o.sheet_rows < 2)
				return cli_usage(usage, "--sheet-rows '%s': expected a number of rows, at least 2", optarg);
		}
		else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --out DIR       directory for the workbooks (thuadat-<commune>.xlsx)\n"
			       "  --c06           also the .xls lists of certificate holders C06 has not verified yet\n"
			       "                  (c06-<commune>.xls, with empty reply columns for C06;\n"
			       "                  columns in schemas/c06/columns.csv)\n"
			       "  --sheet-rows N  rows per sheet (header included) before a list continues on the next\n"
			       "                  sheet; default and most 1048576\n\n"
			       "Sheets and columns come from schemas/xlsx/*.csv.\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	if (!o.out_dir)
		return cli_usage(usage, "--out DIR is required");
	return stage_export(cli, argv[optind], &o, c06);
}
