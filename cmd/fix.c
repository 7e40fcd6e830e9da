/*
 * thuadat fix: propose a correction for each defect the data can settle
 * (fix_proposals layer, one review workbook per commune), apply the
 * automatic ones (--apply-auto) or the rows a reviewer accepted (--apply),
 * or undo an applied run (--undo). Exit 1 when accepted proposals had to be
 * skipped because their parcel changed since; 0 otherwise.
 */
#include "fix.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] = "thuadat fix WORKSPACE [--profile P] [--out DIR] [--apply-auto | --apply REVIEWED | "
			    "--undo RUN]";

static int load_fix_profile(const td_cli *cli, const char *name, td_fix_settings *s)
{
	char path[4200];
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

int stage_fix(td_cli *cli, const char *path, const char *profile, td_fix_options *o, const char *out)
{
	td_fix_summary sum;
	td_error err;
	td_ws *ws = NULL;
	int rc = cli_load_profile(cli, profile, NULL, &o->rules), workbooks = 0;

	if (rc == EXIT_GOOD)
		rc = load_fix_profile(cli, profile, &o->fix);
	if (rc == EXIT_GOOD)
		rc = cli_open(cli, path, TD_WS_WRITE, &ws);
	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_fix_run(ws, o, cli_progress, cli, &sum, &err) != TD_OK ||
	    (out && td_fix_write_workbooks(ws, out, &workbooks, &err) != TD_OK)) {
		td_ws_close(ws);
		return cli_fail(cli, &err);
	}
	td_ws_close(ws);
	if (cli->json)
		printf("%s\n", sum.json);
	else if (!cli->quiet)
		print_summary(o, &sum, out, workbooks);
	return sum.skipped ? EXIT_WARNINGS : EXIT_GOOD;
}

int cmd_fix(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {{"apply", required_argument, NULL, 'a'},
						 {"apply-auto", no_argument, NULL, 'A'},
						 {"out", required_argument, NULL, 'o'},
						 {"profile", required_argument, NULL, 'p'},
						 {"undo", required_argument, NULL, 'u'},
						 CLI_GLOBAL_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	td_fix_options o;
	const char *profile = NULL, *out = NULL;
	char *end;
	int c, modes = 0;

	td_fix_options_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'a')
			o.apply_path = optarg, modes++;
		else if (c == 'A')
			o.apply_auto = 1, modes++;
		else if (c == 'o')
			out = optarg;
		else if (c == 'p')
			profile = optarg;
		else if (c == 'u') {
			o.undo_run = strtoll(optarg, &end, 10);
			if (*end || o.undo_run <= 0)
				return cli_usage(usage,
						 "--undo '%s': expected a run number ('thuadat audit log' lists them)",
						 optarg);
			modes++;
		} else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  (no option)        propose fixes from the last check's findings (fix_proposals "
			       "layer)\n"
			       "  --apply-auto       propose, then apply those within the profile's auto-accept "
			       "limits\n"
			       "  --apply FILE       apply the rows of a reviewed workbook (.xlsx/.xls/.csv) marked "
			       "accepted\n"
			       "  --undo RUN         restore every value that fix run changed\n"
			       "  --out DIR          write one review workbook per commune, fix-<commune>.xlsx\n"
			       "  --profile P        rule profile: tolerances and the [fix] limits\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	if (modes > 1)
		return cli_usage(usage, "--apply-auto, --apply and --undo exclude each other");
	return stage_fix(cli, argv[optind], profile, &o, out);
}
