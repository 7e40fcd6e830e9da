/*
 * thuadat merge: combine the workspaces of former provinces into a new one
 * under the new commune codes, in one CRS; print a one-screen summary and
 * say where the report is. Exit 2 when something was left for people to
 * resolve (unassigned rows, key collisions, owner conflicts), 1 on warnings.
 */
#include "merge.h"
#include "cli.h"

#include <string.h>

static const char usage[] = "thuadat merge OUT.gpkg WS_A WS_B [WS...] --crosswalk FILE --sheets FILE "
			    "[--boundaries FILE] [--target-crs CRS] [--report DIR] [--force]";

static void print_summary(const td_merge_summary *s, const char *out)
{
	printf("merged %d workspaces into %s (%s)\n", s->ninputs, out, s->crs);
	printf("  %-28s %9s %9s %9s %9s\n", "", "parcels", "register", "owners", "scans");
	for (int k = 0; k < s->ninputs; k++)
		printf("  %-28.28s %9ld %9ld %9ld %9ld  %s\n", s->inputs[k].path, s->inputs[k].parcels,
		       s->inputs[k].register_rows, s->inputs[k].owners, s->inputs[k].scans, s->inputs[k].crs);
	printf("  %-28s %9ld %9ld %9ld %9ld\n", "output", s->parcels_out, s->register_out, s->owners_out, s->scans_in);
	printf("communes: %ld old -> %ld new\n", s->old_communes, s->new_communes);
	printf("sheets: %ld old sheets, %ld renumbered, %ld share a new sheet with another\n", s->sheets,
	       s->sheets_renumbered, s->sheets_shared);
	printf("key collisions: %ld map keys (%ld parcels), %ld register keys (%ld rows)\n", s->collision_keys,
	       s->collision_parcels, s->register_collision_keys, s->register_collision_rows);
	printf("unassigned: %ld parcels, %ld register rows; %ld scans lost their parcel\n", s->parcels_unassigned,
	       s->register_unassigned, s->scans_unplaced);
	printf("owners: %ld merged into others, %ld with conflicting details\n", s->owners_merged, s->owner_conflicts);
	printf("parcel IDs: %ld carried, %ld key changes recorded; boundaries: %ld used\n", s->parcel_ids,
	       s->id_key_changes, s->boundaries);
	printf("report: %s/\n", s->report_dir);
}

int cmd_merge(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {{"crosswalk", required_argument, NULL, 'c'},
						 {"sheets", required_argument, NULL, 's'},
						 {"boundaries", required_argument, NULL, 'b'},
						 {"target-crs", required_argument, NULL, 't'},
						 {"report", required_argument, NULL, 'r'},
						 {"force", no_argument, NULL, 'f'},
						 CLI_GLOBAL_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	td_merge_options o = TD_MERGE_OPTIONS_INIT;
	td_merge_summary sum;
	td_error err;
	char crosswalk[4200];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.crosswalk = optarg;
			break;
		case 's':
			o.sheets = optarg;
			break;
		case 'b':
			o.boundaries = optarg;
			break;
		case 't':
			o.target_crs = optarg;
			break;
		case 'r':
			o.report_dir = optarg;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'h':
			printf("usage: %s\n\n"
			       "  --crosswalk FILE   old -> new commune codes (CSV); a bare name is\n"
			       "                     schemas/crosswalk/NAME.csv, e.g. haiphong-2025\n"
			       "  --sheets FILE      sheet reference table: old commune, old sheet -> new commune,\n"
			       "                     new sheet (CSV; a header alone keeps every sheet number)\n"
			       "  --boundaries FILE  polygons of the new communes (field code or MaXa), to place the\n"
			       "                     parcels of split communes; default: the inputs' own new\n"
			       "                     boundaries\n"
			       "  --target-crs CRS   CRS of the output (default: the first input's)\n"
			       "  --report DIR       where the report goes (default: OUT without .gpkg, plus -merge)\n"
			       "  --force            replace OUT if it exists\n\n"
			       "Exit 2 when parcels or register rows could not be placed, keys collide or owners\n"
			       "disagree (all listed in the report); see docs/merge.md.\n",
			       usage);
			return EXIT_GOOD;
		default:
			if (!cli_global_opt(cli, c))
				return cli_usage(usage, "bad option");
		}
	}
	if (argc - optind < 3)
		return cli_usage(usage, "expected the output workspace and at least two workspaces to merge");
	if (!o.crosswalk || !o.sheets)
		return cli_usage(usage, "--crosswalk FILE and --sheets FILE are required");
	rc = cli_schema_path(cli, "crosswalk", o.crosswalk, ".csv", crosswalk, sizeof(crosswalk));
	if (rc != EXIT_GOOD)
		return rc;
	o.crosswalk = crosswalk;
	o.out = argv[optind];
	o.inputs = (const char *const *)argv + optind + 1;
	o.ninputs = argc - optind - 1;
	o.invocation = cli->invocation;

	td_error_init(&err);
	if (td_merge_run(cli->ctx, &o, cli_progress, cli, &sum, &err) != TD_OK) {
		td_merge_summary_release(&sum);
		return cli_fail(cli, &err);
	}
	if (cli->json)
		printf("%s\n", sum.json);
	else if (!cli->quiet)
		print_summary(&sum, o.out);
	for (int i = 0; i < sum.nwarnings; i++)
		fprintf(stderr, "thuadat: warning: %s\n", sum.warnings[i]);
	rc = td_merge_needs_attention(&sum) ? EXIT_FAILS : sum.nwarnings ? EXIT_WARNINGS : EXIT_GOOD;
	td_merge_summary_release(&sum);
	return rc;
}
