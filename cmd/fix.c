/*
 * thuadat fix: propose a correction for each defect the data can settle
 * (fix_proposals layer, one review workbook per commune), apply the
 * automatic ones (--apply-auto) or the rows a reviewer accepted (--apply),
 * or undo an applied run (--undo). Exit 1 when accepted proposals had to be
 * skipped because their parcel changed since; 0 otherwise.
 */
#include "fix.h"
#include "cli.h"

struct fix_args {
	const char *workspace, *profile, *out, *apply;
	int apply_auto;
	long undo;
};

static int load_fix_profile(const td_cli *cli, const char *name, td_fix_settings *s)
{
	char path[TD_PATH_MAX];
	td_error err;
	int rc = cli_schema_path(cli, "rules", name ? name : "default", ".ini", path, sizeof(path));

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_fix_profile_load(s, path, &err) != TD_OK) {
		if (err.code == TD_ERR_INPUT)
			err.code = TD_ERR_USAGE;
		return cli_fail(cli, &err);
	}
	return EXIT_GOOD;
}

static void print_summary(const td_fix_options *o, const td_fix_summary *s, const char *out, int workbooks)
{
	if (o->undo_run > 0) {
		printf("run %lld undone: %ld values restored (run %lld)\n", o->undo_run, s->undone, s->run_id);
		return;
	}
	if (!o->apply_path) {
		printf("%ld fixes proposed (%ld automatic, %ld for review); %ld defects left for a person\n",
		       s->proposed, s->automatic, s->proposed - s->automatic, s->not_proposed);
		for (int i = 0; i < TD_RULE_COUNT; i++)
			if (s->by_rule[i])
				printf("  %-22s %ld\n", td_rule_get((td_rule_id)i)->code, s->by_rule[i]);
	}
	if (o->apply_path || o->apply_auto)
		printf("applied %ld, skipped %ld (parcel changed since), rejected %ld, exceptions added %ld (run %lld; "
		       "'thuadat fix WS --undo %lld' restores)\n",
		       s->applied, s->skipped, s->rejected, s->exceptions, s->run_id, s->run_id);
	if (out)
		printf("%d review workbook%s written to %s\n", workbooks, workbooks == 1 ? "" : "s", out);
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct fix_args *a = p;
	td_fix_options o;
	td_fix_summary sum;
	td_error err;
	int rc, workbooks = 0;

	if ((a->apply != NULL) + a->apply_auto + (a->undo > 0) > 1)
		return cli_usage_cmd(&cmd_fix, "--apply-auto, --apply and --undo exclude each other");
	td_fix_options_init(&o);
	o.apply_path = a->apply;
	o.apply_auto = a->apply_auto;
	o.undo_run = a->undo;
	rc = cli_load_profile(cli, a->profile, NULL, &o.rules);
	if (rc == EXIT_GOOD)
		rc = load_fix_profile(cli, a->profile, &o.fix);
	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_fix_run(ws, &o, cli_progress, cli, &sum, &err) != TD_OK ||
	    (a->out && td_fix_write_workbooks(ws, a->out, &workbooks, &err) != TD_OK))
		return cli_fail(cli, &err);
	if (cli->json)
		printf("%s\n", sum.json);
	else if (!cli->quiet)
		print_summary(&o, &sum, a->out, workbooks);
	return sum.skipped ? EXIT_WARNINGS : EXIT_GOOD;
}

static const cli_opt options[] = {
	CLI_ARG(struct fix_args, workspace, "WORKSPACE"),
	CLI_OPT(CLI_STRING, struct fix_args, profile, "profile", "P", "rule profile: tolerances and the [fix] limits"),
	CLI_OPT(CLI_PATH, struct fix_args, out, "out", "DIR",
		"write one review workbook per commune, fix-<commune>.xlsx"),
	CLI_OPT(CLI_FLAG, struct fix_args, apply_auto, "apply-auto", NULL,
		"propose, then apply those within the profile's auto-accept limits"),
	CLI_OPT_F(CLI_PATH, struct fix_args, apply, "apply", "FILE", CLI_NO_JOB,
		  "apply the rows of a reviewed workbook (.xlsx/.xls/.csv) marked accepted"),
	{CLI_INT, "undo", "RUN", offsetof(struct fix_args, undo), CLI_NO_JOB, 1, 1e15,
	 "restore every value that fix run changed ('thuadat audit log' lists runs)"},
	CLI_END};

const cli_command cmd_fix = {"fix",
			     "propose fixes for what the data can settle; apply reviewed or automatic ones; undo",
			     "Without an option: propose fixes from the last check's findings (fix_proposals layer).",
			     "one workspace path",
			     options,
			     sizeof(struct fix_args),
			     NULL,
			     run};
