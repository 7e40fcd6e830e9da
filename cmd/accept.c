/*
 * thuadat accept: the acceptance gate for a contractor's delivery. Runs check
 * and classify with the profile, writes the findings CSV, and exits 0 only
 * when the profile's [accept] thresholds are met; otherwise exit 2 with a
 * one-screen explanation.
 */
#include "accept.h"
#include "check.h"
#include "classify.h"
#include "cli.h"
#include "findings.h"

#include <string.h>

struct accept_args {
	const char *workspace, *profile, *today, *findings_csv;
};

static void explain(const td_rule_settings *r, const td_accept_result *res, const char *csv)
{
	printf("%s\n", res->accepted ? "ACCEPTED: the delivery meets the profile's thresholds"
				     : "NOT ACCEPTED: the delivery does not meet the profile's thresholds");
	if (r->accept_max_errors >= 0)
		printf("  %-4s error-level findings: %ld (at most %ld)\n", res->errors_ok ? "ok" : "FAIL", res->errors,
		       r->accept_max_errors);
	else
		printf("  %-4s error-level findings: %ld (no limit)\n", "-", res->errors);
	if (r->accept_max_outside_group1 >= 0)
		printf("  %-4s parcels outside group 1: %ld of %ld, %.2f %% (at most %.2f %%)\n",
		       res->groups_ok ? "ok" : "FAIL", res->outside_group1, res->parcels, res->outside_percent,
		       r->accept_max_outside_group1);
	else
		printf("  %-4s parcels outside group 1: %ld of %ld, %.2f %% (no limit)\n", "-", res->outside_group1,
		       res->parcels, res->outside_percent);
	if (res->ntop)
		printf("error-level findings by rule:\n");
	for (int i = 0; i < res->ntop; i++)
		printf("  %-22s %ld\n", res->top[i].rule, res->top[i].count);
	printf("every finding, with its parcel and coordinates: %s\n", csv);
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct accept_args *a = p;
	const char *csv = a->findings_csv ? a->findings_csv : "findings.csv";
	td_check_options o;
	td_check_summary cs;
	td_classify_summary gs;
	td_accept_result res;
	td_error err;
	int rc;

	td_check_options_init(&o);
	rc = cli_load_profile(cli, a->profile, a->today, &o.rules);
	if (rc != EXIT_GOOD)
		return rc;
	rc = cli_prepare_output(cli, csv);
	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	memset(&gs, 0, sizeof(gs));
	rc = td_check_run(ws, &o, cli_progress, cli, &cs, &err);
	/* The findings file goes in with the classify stage, the last to commit. */
	ws->before_commit = cli_findings_csv_hook;
	ws->before_commit_arg = (void *)csv;
	if (rc != TD_OK || td_classify_run(ws, &o.rules, &gs, &err) != TD_OK ||
	    td_accept_evaluate(ws, &o.rules, &res, &err) != TD_OK) {
		td_classify_summary_release(&gs);
		return cli_fail(cli, &err);
	}
	td_classify_summary_release(&gs);
	if (cli->json) {
		printf("{\"command\":\"accept\",\"accepted\":%s,\"errors\":%ld,\"parcels\":%ld,\"outside_group1\":%ld,"
		       "\"findings_csv\":",
		       res.accepted ? "true" : "false", res.errors, res.parcels, res.outside_group1);
		cli_json_str(stdout, csv);
		printf("}\n");
	} else if (!cli->quiet || !res.accepted) {
		explain(&o.rules, &res, csv);
	}
	return res.accepted ? EXIT_GOOD : EXIT_FAILS;
}

static const cli_opt options[] = {
	CLI_ARG(struct accept_args, workspace, "WORKSPACE"),
	CLI_OPT(CLI_STRING, struct accept_args, profile, "profile", "P",
		"rule profile with the [accept] thresholds (default: default)"),
	CLI_OPT(CLI_DATE, struct accept_args, today, "today", "YYYY-MM-DD", "the date overdue changes count from"),
	CLI_OPT(CLI_PATH, struct accept_args, findings_csv, "findings-csv", "FILE",
		"where to write the findings (default: findings.csv)"),
	CLI_END};

const cli_command cmd_accept = {"accept", "acceptance gate for a delivery: check, classify, compare with thresholds",
				NULL,     "one workspace path",
				options,  sizeof(struct accept_args),
				NULL,     run};
