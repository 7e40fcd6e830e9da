/*
 * thuadat classify: grade every parcel 1/2/3 from the last check's findings
 * and print the counts per commune. Exit 2 when any parcel is not in group 1.
 */
#include "classify.h"
#include "cli.h"
#include "grades.h"

struct classify_args {
	const char *workspace, *profile, *groups_csv;
};

static td_status groups_hook(td_ws *ws, void *arg, td_error *err)
{
	return td_groups_write_csv(ws, arg, err);
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct classify_args *a = p;
	td_classify_summary sum;
	td_rule_settings rules;
	td_error err;
	int rc = cli_load_profile(cli, a->profile, NULL, &rules);

	if (rc != EXIT_GOOD)
		return rc;
	if (a->groups_csv && (rc = cli_prepare_output(cli, a->groups_csv)) != EXIT_GOOD)
		return rc;
	if (a->groups_csv) {
		/* Written in the stage's transaction: the groups and their CSV are both in, or neither. */
		ws->before_commit = groups_hook;
		ws->before_commit_arg = (void *)a->groups_csv;
	}
	td_error_init(&err);
	if (td_classify_run(ws, &rules, &sum, &err) != TD_OK) {
		td_classify_summary_release(&sum);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		printf("%s\n", sum.json);
	} else if (!cli->quiet) {
		printf("%-8s %9s %9s %9s\n", "commune", "group 1", "group 2", "group 3");
		for (int i = 0; i < sum.ncommunes; i++)
			printf("%-8s %9ld %9ld %9ld\n", sum.communes[i].commune, sum.communes[i].group[1],
			       sum.communes[i].group[2], sum.communes[i].group[3]);
		printf("%-8s %9ld %9ld %9ld\n", "total", sum.group[1], sum.group[2], sum.group[3]);
		if (a->groups_csv)
			printf("groups written to %s\n", a->groups_csv);
	}
	td_classify_summary_release(&sum);
	return sum.group[2] || sum.group[3] ? EXIT_FAILS : EXIT_GOOD;
}

static const cli_opt options[] = {CLI_ARG(struct classify_args, workspace, "WORKSPACE"),
				  CLI_OPT(CLI_STRING, struct classify_args, profile, "profile", "P",
					  "rule profile whose [group] section maps rules to groups"),
				  CLI_OPT(CLI_PATH, struct classify_args, groups_csv, "groups-csv", "FILE",
					  "also write every parcel's group as CSV"),
				  CLI_END};

const cli_command cmd_classify = {"classify", "put every parcel in group 1, 2 or 3 with the reasons",
				  NULL,       "one workspace path",
				  options,    sizeof(struct classify_args),
				  NULL,       run};
