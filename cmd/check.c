/*
 * thuadat check: run the rules over every parcel, replace the findings layer
 * and optionally write the findings as CSV. Exit 2 when any error-level
 * finding remains, 1 when only warnings do.
 */
#include "check.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"thuadat check WORKSPACE [--profile P] [--today YYYY-MM-DD] [--threads N] [--findings-csv FILE] [--list-rules]";

static void list_rules(void)
{
	for (int i = 0; i < TD_RULE_COUNT; i++) {
		const td_rule *r = td_rule_get((td_rule_id)i);
		printf("%-22s %-5s %-7s group %d  %s\n", r->code, r->criterion, td_severity_name(r->severity), r->group,
		       r->summary);
	}
}

int stage_check(td_cli *cli, const char *path, const td_check_options *opts, const char *csv)
{
	td_check_summary sum;
	td_error err;
	td_ws *ws = NULL;
	int rc = cli_open(cli, path, TD_WS_WRITE, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_check_run(ws, opts, cli_progress, cli, &sum, &err) != TD_OK ||
	    (csv && td_findings_write_csv(ws, csv, &err) != TD_OK)) {
		td_ws_close(ws);
		return cli_fail(cli, &err);
	}
	td_ws_close(ws);
	if (cli->json) {
		printf("%s\n", sum.json);
	} else if (!cli->quiet) {
		printf("checked %ld map parcels and %ld register parcels in %ld communes: %ld errors, %ld warnings\n",
		       sum.parcels, sum.register_keys, sum.communes, sum.errors, sum.warnings);
		if (sum.accepted)
			printf("  %ld findings accepted by exceptions (not counted; 'thuadat exception list')\n",
			       sum.accepted);
		for (int i = 0; i < TD_RULE_COUNT; i++)
			if (sum.by_rule[i] || cli->verbose)
				printf("  %-22s %ld\n", td_rule_get((td_rule_id)i)->code, sum.by_rule[i]);
		if (csv)
			printf("findings written to %s\n", csv);
	}
	return sum.errors ? EXIT_FAILS : sum.warnings ? EXIT_WARNINGS : EXIT_GOOD;
}

int cmd_check(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"findings-csv", required_argument, NULL, 'f'},
		{"list-rules", no_argument, NULL, 'l'},
		{"profile", required_argument, NULL, 'p'},
		{"today", required_argument, NULL, 't'},
		{"threads", required_argument, NULL, 'T'},
		CLI_GLOBAL_LONGOPTS,
		{NULL, 0, NULL, 0}};
	td_check_options o;
	const char *csv = NULL, *profile = NULL, *today = NULL, *threads = NULL;
	char *end;
	int c, rc;

	td_check_options_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'f')
			csv = optarg;
		else if (c == 'p')
			profile = optarg;
		else if (c == 't')
			today = optarg;
		else if (c == 'T')
			threads = optarg;
		else if (c == 'l') {
			list_rules();
			return EXIT_GOOD;
		} else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --profile P          rule profile: schemas/rules/P.ini or a file (default: default)\n"
			       "  --today YYYY-MM-DD   the date overdue changes count from (default: the profile's, else today)\n"
			       "  --threads N          geometry worker threads (default: one per core)\n"
			       "  --findings-csv FILE  also write the findings as CSV\n"
			       "  --list-rules         print the rule catalogue and exit\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	rc = cli_load_profile(cli, profile, today, &o.rules);
	if (rc != EXIT_GOOD)
		return rc;
	if (threads && ((o.threads = (int)strtol(threads, &end, 10)) < 1 || *end || o.threads > 64))
		return cli_usage(usage, "--threads '%s': expected a number from 1 to 64", threads);
	return stage_check(cli, argv[optind], &o, csv);
}
