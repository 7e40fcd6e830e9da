/*
 * thuadat merge: combine the workspaces of former provinces into a new one
 * under the new commune codes, in one CRS; print a one-screen summary and
 * say where the report is. Exit 2 when something was left for people to
 * resolve (unassigned rows, key collisions, owner conflicts), 1 on warnings.
 */
#include "merge.h"
#include "cli.h"

#include <string.h>

struct merge_args {
	const char *out;
	cli_list inputs;
	td_merge_options o;
};

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

static int run(td_cli *cli, td_ws *unused, void *p)
{
	const struct merge_args *a = p;
	td_merge_options o = a->o;
	td_merge_summary sum;
	td_error err;
	char crosswalk[TD_PATH_MAX];
	int rc = cli_schema_path(cli, "crosswalk", o.crosswalk, ".csv", crosswalk, sizeof(crosswalk));

	if (rc != EXIT_GOOD)
		return rc;
	o.crosswalk = crosswalk;
	o.out = a->out;
	o.inputs = a->inputs.v;
	o.ninputs = a->inputs.n;
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
		cli_warn(sum.warnings[i]);
	rc = td_merge_needs_attention(&sum) ? EXIT_FAILS : sum.nwarnings ? EXIT_WARNINGS : EXIT_GOOD;
	td_merge_summary_release(&sum);
	return rc;
}

static void defaults(void *p)
{
	struct merge_args *a = p;
	a->o = (td_merge_options)TD_MERGE_OPTIONS_INIT;
}

static const cli_opt options[] = {
	CLI_ARG(struct merge_args, out, "OUT"),
	CLI_ARGS(struct merge_args, inputs, "WS", 2),
	CLI_OPT_F(CLI_STRING, struct merge_args, o.crosswalk, "crosswalk", "FILE", CLI_REQUIRED,
		  "old -> new commune codes (CSV); a bare name is\n"
		  "schemas/crosswalk/NAME.csv, e.g. haiphong-2025"),
	CLI_OPT_F(CLI_PATH, struct merge_args, o.sheets, "sheets", "FILE", CLI_REQUIRED,
		  "sheet reference table: old commune, old sheet -> new commune,\n"
		  "new sheet (CSV; a header alone keeps every sheet number)"),
	CLI_OPT(CLI_PATH, struct merge_args, o.boundaries, "boundaries", "FILE",
		"polygons of the new communes (field code or MaXa), to place the\n"
		"parcels of split communes; default: the inputs' own new boundaries"),
	CLI_OPT(CLI_STRING, struct merge_args, o.target_crs, "target-crs", "CRS",
		"CRS of the output (default: the first input's)"),
	CLI_OPT(CLI_PATH, struct merge_args, o.report_dir, "report", "DIR",
		"where the report goes (default: OUT without .gpkg, plus -merge)"),
	CLI_OPT_F(CLI_FLAG, struct merge_args, o.force, "force", NULL, CLI_NO_JOB, "replace OUT if it exists"),
	CLI_END};

const cli_command cmd_merge = {"merge",
			       "merge former provinces' workspaces under the new commune codes, in one CRS",
			       "Exit 2 when parcels or register rows could not be placed, keys collide or owners\n"
			       "disagree (all listed in the report); see docs/merge.md.",
			       "the output workspace and at least two workspaces to merge",
			       options,
			       sizeof(struct merge_args),
			       defaults,
			       run};
