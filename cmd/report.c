/*
 * thuadat report: the weekly progress report (XLSX and one self-contained
 * HTML page per week) with per-commune groups, the change since the
 * previous report, the verification rate against the target, certificates
 * updated and overdue pending changes. Stores the week's figures in the
 * workspace for the next report. Exit 1 when any change is overdue.
 */
#include "report.h"
#include "cli.h"

#include <math.h>

struct report_args {
	const char *workspace, *profile;
	td_report_options o;
};

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

static int report_profile(td_cli *cli, const char *profile, td_report_options *o, char today[11])
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

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct report_args *a = p;
	td_report_options o = a->o;
	td_report r;
	td_error err;
	char today[11];
	int rc = report_profile(cli, a->profile, &o, today);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_report_run(ws, &o, &r, &err) != TD_OK) {
		td_report_release(&r);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		printf("%s\n", r.json);
	} else if (!cli->quiet) {
		printf("report %s (%s to %s), figures as of %s, %s%s\n", r.week, r.from, r.to, r.as_of,
		       r.total.has_prev ? "changes since " : "no earlier report",
		       r.total.has_prev ? r.total.prev_week : "");
		printf("%-8s %9s %12s %12s %12s %14s %7s %8s %10s\n", "commune", "parcels", "group 1", "group 2",
		       "group 3", "verified", "rate", "updated", "overdue");
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

static void defaults(void *p)
{
	struct report_args *a = p;
	a->o = (td_report_options)TD_REPORT_OPTIONS_INIT;
}

static const cli_opt options[] = {
	CLI_ARG(struct report_args, workspace, "WORKSPACE"),
	CLI_OPT_F(CLI_PATH, struct report_args, o.out_dir, "out", "DIR", CLI_REQUIRED,
		  "directory for report-<week>.xlsx and report-<week>.html"),
	CLI_OPT(CLI_STRING, struct report_args, o.week, "week", "YYYY-Www",
		"the ISO week reported (Monday to Sunday); figures as of its Sunday"),
	CLI_OPT(CLI_DATE, struct report_args, o.date, "date", "YYYY-MM-DD",
		"figures as of this date; the week is the one holding it\n"
		"(default: the profile's today, else the current date)"),
	CLI_OPT(CLI_STRING, struct report_args, profile, "profile", "P",
		"rule profile: change_deadline_days decides what is overdue"),
	CLI_NUM(struct report_args, o.target, "target", "PCT", 0, 100, "verification target in percent (default 95)"),
	CLI_INT(struct report_args, o.sheet_rows, "sheet-rows", "N", 2, 1048576,
		"rows per sheet before a list continues on the next sheet"),
	CLI_END};

const cli_command cmd_report = {"report",
				"weekly progress report (XLSX and HTML) with overdue-change alerts",
				"Stores the week's figures; the next report shows the change since the latest\n"
				"earlier week. Sheets and columns come from schemas/report/*.csv.\n"
				"Exit 1 when a pending change is overdue.",
				"one workspace path",
				options,
				sizeof(struct report_args),
				defaults,
				run};
