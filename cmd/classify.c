/*
 * thuadat classify: grade every parcel 1/2/3 from the last check's findings
 * and print the counts per commune. Exit 2 when any parcel is not in group 1.
 */
#include "classify.h"
#include "cli.h"

static const char usage[] = "thuadat classify WORKSPACE [--profile P] [--groups-csv FILE]";

static td_status groups_hook(td_ws *ws, void *arg, td_error *err)
{
	return td_groups_write_csv(ws, arg, err);
}

int stage_classify(td_cli *cli, const char *path, const td_rule_settings *rules, const char *csv)
{
	td_classify_summary sum;
	td_error err;
	td_ws *ws = NULL;
	int rc = csv ? cli_prepare_output(cli, csv) : EXIT_GOOD;

	if (rc == EXIT_GOOD)
		rc = cli_open(cli, path, TD_WS_WRITE, &ws);
	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (csv) {
		/* Written in the stage's transaction: the groups and their CSV are both in, or neither. */
		ws->before_commit = groups_hook;
		ws->before_commit_arg = (void *)csv;
	}
	if (td_classify_run(ws, rules, &sum, &err) != TD_OK) {
		td_classify_summary_release(&sum);
		td_ws_close(ws);
		return cli_fail(cli, &err);
	}
	td_ws_close(ws);
	if (cli->json) {
		printf("%s\n", sum.json);
	} else if (!cli->quiet) {
		printf("%-8s %9s %9s %9s\n", "commune", "group 1", "group 2", "group 3");
		for (int i = 0; i < sum.ncommunes; i++)
			printf("%-8s %9ld %9ld %9ld\n", sum.communes[i].commune, sum.communes[i].group[1],
			       sum.communes[i].group[2], sum.communes[i].group[3]);
		printf("%-8s %9ld %9ld %9ld\n", "total", sum.group[1], sum.group[2], sum.group[3]);
		if (csv)
			printf("groups written to %s\n", csv);
	}
	td_classify_summary_release(&sum);
	return sum.group[2] || sum.group[3] ? EXIT_FAILS : EXIT_GOOD;
}

int cmd_classify(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"groups-csv", required_argument, NULL, 'g'},
		{"profile", required_argument, NULL, 'p'},
		CLI_GLOBAL_LONGOPTS,
		{NULL, 0, NULL, 0}};
	td_rule_settings rules;
	const char *csv = NULL, *profile = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'g')
			csv = optarg;
		else if (c == 'p')
			profile = optarg;
		else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --profile P        rule profile whose [group] section maps rules to groups\n"
			       "  --groups-csv FILE  also write every parcel's group as CSV\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	rc = cli_load_profile(cli, profile, NULL, &rules);
	return rc != EXIT_GOOD ? rc : stage_classify(cli, argv[optind], &rules, csv);
}
