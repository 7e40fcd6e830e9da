/*
 * thuadat check: run the rules over every parcel, replace the findings layer
 * and optionally write the findings as CSV. Exit 2 when any error-level
 * finding remains, 1 when only warnings do.
 */
#include "check.h"
#include "cli.h"
#include "findings.h"

struct check_args {
	const char *workspace, *profile, *today, *findings_csv;
	long threads;
	int list_rules;
};

static void list_rules(void)
{
	for (int i = 0; i < TD_RULE_COUNT; i++) {
		const td_rule *r = td_rule_get((td_rule_id)i);
		/* Criteria are Vietnamese words ("đúng"): padded by characters, not bytes. */
		printf("%-22s ", r->code);
		cli_print_column(stdout, r->criterion, 5);
		printf(" %-7s group %d  %s\n", td_severity_name(r->severity), r->group, r->summary);
	}
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct check_args *a = p;
	td_check_options o;
	td_check_summary sum;
	td_error err;
	int rc;

	if (a->list_rules) {
		list_rules();
		return EXIT_GOOD;
	}
	td_check_options_init(&o);
	o.threads = (int)a->threads;
	rc = cli_load_profile(cli, a->profile, a->today, &o.rules);
	if (rc != EXIT_GOOD)
		return rc;
	if (a->findings_csv && (rc = cli_prepare_output(cli, a->findings_csv)) != EXIT_GOOD)
		return rc;
	if (a->findings_csv) {
		/* Written in the stage's transaction: the findings and their CSV are both in, or neither. */
		ws->before_commit = cli_findings_csv_hook;
		ws->before_commit_arg = (void *)a->findings_csv;
	}
	td_error_init(&err);
	if (td_check_run(ws, &o, cli_progress, cli, &sum, &err) != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json) {
		printf("%s\n", sum.json);
	} else if (!cli->quiet) {
		printf("checked %ld map parcel%s and %ld register parcel%s in %ld commune%s: %ld error%s, %ld "
		       "warning%s\n",
		       sum.parcels, PLURAL(sum.parcels), sum.register_keys, PLURAL(sum.register_keys), sum.communes,
		       PLURAL(sum.communes), sum.errors, PLURAL(sum.errors), sum.warnings, PLURAL(sum.warnings));
		if (sum.accepted)
			printf("  %ld findings accepted by exceptions (not counted; 'thuadat exception list')\n",
			       sum.accepted);
		for (int i = 0; i < TD_RULE_COUNT; i++)
			if (sum.by_rule[i] || cli->verbose)
				printf("  %-22s %ld\n", td_rule_get((td_rule_id)i)->code, sum.by_rule[i]);
		if (a->findings_csv)
			printf("findings written to %s\n", a->findings_csv);
	}
	return sum.errors ? EXIT_FAILS : sum.warnings ? EXIT_WARNINGS : EXIT_GOOD;
}

static const cli_opt options[] = {
	CLI_ARG(struct check_args, workspace, "WORKSPACE"),
	CLI_OPT(CLI_STRING, struct check_args, profile, "profile", "P",
		"rule profile: schemas/rules/P.ini or a file (default: default)"),
	CLI_OPT(CLI_DATE, struct check_args, today, "today", "YYYY-MM-DD",
		"the date overdue changes count from (default: the profile's, else today)"),
	CLI_INT(struct check_args, threads, "threads", "N", 1, TD_MAX_THREADS,
		"geometry worker threads (default: one per core)"),
	CLI_OPT(CLI_PATH, struct check_args, findings_csv, "findings-csv", "FILE", "also write the findings as CSV"),
	CLI_OPT_F(CLI_FLAG, struct check_args, list_rules, "list-rules", NULL, CLI_NO_JOB | CLI_ALONE,
		  "print the rule catalogue and exit"),
	CLI_END};

const cli_command cmd_check = {"check", "check every parcel against the rules; write findings",
			       NULL,    "one workspace path",
			       options, sizeof(struct check_args),
			       NULL,    run};
