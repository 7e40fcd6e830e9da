/*
 * thuadat export: write one Excel workbook per commune (summary, group
 * lists, findings) into a directory and, with --c06, the legacy .xls lists
 * of certificate holders not yet verified, for the police's population-data
 * department (C06).
 * Reads the workspace only.
 */
#include "export.h"
#include "c06.h"
#include "cli.h"
#include "outfile.h"

struct export_args {
	const char *workspace;
	td_export_options o;
	int c06;
};

static void defaults(void *p)
{
	struct export_args *a = p;
	a->o = (td_export_options)TD_EXPORT_OPTIONS_INIT;
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct export_args *a = p;
	const td_export_options *opts = &a->o;
	td_export_options staged = *opts;
	td_export_summary sum = {0};
	td_c06_summary lists = {0};
	td_outdir out;
	td_error err;
	int rc = EXIT_GOOD;

	td_error_init(&err);
	/* Every workbook and list is written aside and moved in at the end: all of them or none. */
	staged.out_dir = out.stage;
	if (td_outdir_open(&out, opts->out_dir, &err) != TD_OK ||
	    td_export_run(ws, &staged, cli_progress, cli, &sum, &err) != TD_OK ||
	    (a->c06 && td_c06_export(ws, &out, &lists, &err) != TD_OK) || td_outdir_commit(&out, &err) != TD_OK) {
		td_outdir_abort(&out);
		rc = cli_fail(cli, &err);
	} else if (cli->json) {
		printf("%s\n", sum.json);
		if (a->c06)
			printf("{\"command\":\"export-c06\",\"files\":%d,\"rows\":%ld,\"complete\":%d}\n", lists.files,
			       lists.rows, lists.complete);
	} else if (!cli->quiet) {
		printf("wrote %d workbook%s (%ld parcel row%s, %ld finding%s, %ld certificate%s not on the map) to "
		       "%s\n",
		       sum.workbooks, PLURAL(sum.workbooks), sum.parcels, PLURAL(sum.parcels), sum.findings,
		       PLURAL(sum.findings), sum.certificates, PLURAL(sum.certificates), opts->out_dir);
		for (int i = 0; cli->verbose && i < sum.workbooks; i++) {
			char shown[TD_PATH_MAX + 200];
			printf("  %s\n", td_outdir_final(&out, sum.files[i], shown, sizeof(shown)));
		}
		if (a->c06)
			printf("wrote %d C06 list%s (.xls, %ld certificate holder%s not yet verified) to %s\n",
			       lists.files, PLURAL(lists.files), lists.rows, PLURAL(lists.rows), opts->out_dir);
		if (a->c06 && lists.complete)
			printf("%d commune%s every certificate holder verified: no list\n", lists.complete,
			       lists.complete == 1 ? " has" : "s have");
	}
	td_export_summary_release(&sum);
	return rc;
}

static const cli_opt options[] = {CLI_ARG(struct export_args, workspace, "WORKSPACE"),
				  CLI_OPT_F(CLI_PATH, struct export_args, o.out_dir, "out", "DIR", CLI_REQUIRED,
					    "directory for the workbooks (thuadat-<commune>.xlsx)"),
				  CLI_OPT(CLI_FLAG, struct export_args, c06, "c06", NULL,
					  "also the .xls lists of certificate holders C06 has not verified yet\n"
					  "(c06-<commune>.xls, with empty reply columns for C06;\n"
					  "columns in schemas/c06/columns.csv)"),
				  CLI_INT(struct export_args, o.sheet_rows, "sheet-rows", "N", 2, 1048576,
					  "rows per sheet (header included) before a list continues on the next\n"
					  "sheet; default and most 1048576"),
				  CLI_END};

const cli_command cmd_export = {"export",
				"write one Excel workbook per commune",
				"Sheets and columns come from schemas/xlsx/*.csv.",
				"one workspace path",
				options,
				sizeof(struct export_args),
				defaults,
				run};
