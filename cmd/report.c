/*
 * thuadat report: the weekly progress report (XLSX and one self-contained
 * HTML page per week) with per-commune groups, the change since the
 * previous report, the verification rate against the target, certificates
 * updated and overdue pending changes. Stores the week's figures in the
 * workspace for the next report. Exit 1 when any change is overdue.
 */
#include "cli.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"thuadat report WORKSPACE --out DIR [--week YYYY-Www] [--date YYYY-MM-DD] [--profile P] [--target PCT]";

/* "5 (+1)" when there is an earlier report, else "5". */
static const char *with_change(char *buf, size_t size, const td_report_row *row, long now, long prev)
{
	if (row->has_prev)
		snprintf(buf, size, "%ld (%+ld)", now, now - prev);
	else
		snprintf(buf, size, "%ld", now);
	return buf;
}

static void print_row(const td_report_row *row)
{
	const td_report_figures *n = &row->now, *p = &row->prev;
	double rate = td_report_rate(n);
	char g[4][32], vh[48], rt[16], od[32];

	for (int i = 1; i <= 3; i++)
		with_change(g[i], sizeof(g[i]), row, n->group[i], p->group[i]);
	snprintf(vh, sizeof(vh), "%ld/%ld", n->verified, n->holders);
	if (isnan(rate))
		snprintf(rt, sizeof(rt), "-");
	else
		snprintf(rt, sizeof(rt), "%.1f%%", rate);
	printf("%-8s %9ld %12s %12s %12s %14s %7s %8ld %10s\n", row->commune[0] ? row->commune : "total", n->parcels,
	       g[1], g[2], g[3], vh, rt, n->updated, with_change(od, sizeof(od), row, n->overdue, p->overdue));
}

int report_profile(td_cli *cli, const char *profile, td_report_options *o, char today[11])
{
	td_rule_settings rules;
	int rc = cli_load_profile(cli, profile, NULL, &rules);

	if (rc != EXIT_GOOD)
		return rc;
	o->deadline_days = rules.change_deadline_days;
	if (!o->date && !o->week && rules.today[0]) {
		snprintf(today, 11, "%s", rules.today);
		o->date = today;
	}
	return EXIT_GOOD;
}

int stage_report(td_cli *cli, const char *path, const td_report_options *opts)
{
	td_report r;
	td_error err;
	td_ws *ws = NULL;
	int rc = cli_open(cli, path, TD_WS_WRITE, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_report_run(ws, opts, &r, &err) != TD_OK) {
		td_report_release(&r);
		td_ws_close(ws);
		return cli_fail(cli, &err);
	}
	td_ws_close(ws);
	if (cli->json) {
		printf("%s\n", r.json);
	} else if (!cli->quiet) {
		printf("report %s (%s to %s), figures as of %s, %s%s\n", r.week, r.from, r.to, r.as_of,
		       r.total.has_prev ? "changes since " : "no earlier report", r.total.has_prev ? r.total.prev_week : "");
		printf("%-8s %9s %12s %12s %12s %14s %7s %8s %10s\n", "commune", "parcels", "group 1", "group 2", "group 3",
		       "verified", "rate", "updated", "overdue");
		for (int i = 0; i < r.ncommunes; i++)
			print_row(&r.communes[i]);
		print_row(&r.total);
		printf("wrote %s and %s\n", r.xlsx, r.html);
		if (r.total.now.overdue)
			printf("%ld parcel%s with a pending change older than %d days: see the workbook's list\n",
			       r.total.now.overdue, r.total.now.overdue == 1 ? "" : "s", r.deadline_days);
	}
	rc = r.total.now.overdue ? EXIT_WARNINGS : EXIT_GOOD;
	td_report_release(&r);
	return rc;
}

int cmd_report(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"out", required_argument, NULL, 'o'},	   {"week", required_argument, NULL, 'w'},
		{"date", required_argument, NULL, 'd'},	   {"profile", required_argument, NULL, 'p'},
		{"target", required_argument, NULL, 't'}, {"sheet-rows", required_argument, NULL, 'r'},
		CLI_GLOBAL_LONGOPTS,			   {NULL, 0, NULL, 0}};
	td_report_options o = TD_REPORT_OPTIONS_INIT;
	const char *profile = NULL;
	char *end, today[11];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'o')
			o.out_dir = optarg;
		else if (c == 'w')
			o.week = optarg;
		else if (c == 'd')
			o.date = optarg;
		else if (c == 'p')
			profile = optarg;
		else if (c == 't') {
			o.target = strtod(optarg, &end);
			if (*end || end == optarg || !(o.target >= 0 && o.target <= 100))
				return cli_usage(usage, "--target '%s': expected a percentage from 0 to 100", optarg);
		} else if (c == 'r') {
			o.sheet_rows = strtol(optarg, &end, 10);
			if (*end || o.sheet_rows < 2)
				return cli_usage(usage, "--sheet-rows '%s': expected a number of rows, at least 2", optarg);
		} else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --out DIR        directory for report-<week>.xlsx and report-<week>.html\n"
			       "  --week YYYY-Www  the ISO week reported (Monday to Sunday); figures as of its Sunday\n"
			       "  --date DATE      figures as of DATE (YYYY-MM-DD); the week is the one holding it\n"
			       "                   (default: the profile's today, else the current date)\n"
			       "  --profile P      rule profile: change_deadline_days decides what is overdue\n"
			       "  --target PCT     verification target in percent (default 95)\n"
			       "  --sheet-rows N   rows per sheet before a list continues on the next sheet\n\n"
			       "Stores the week's figures; the next report shows the change since the latest\n"
			       "earlier week. Sheets and columns come from schemas/report/*.csv.\n"
			       "Exit 1 when a pending change is overdue.\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	if (!o.out_dir)
		return cli_usage(usage, "--out DIR is required");
	rc = report_profile(cli, profile, &o, today);
	return rc != EXIT_GOOD ? rc : stage_report(cli, argv[optind], &o);
}
