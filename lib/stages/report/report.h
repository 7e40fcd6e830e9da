/*
 * The weekly progress report communes send before Friday noon: per
 * commune, parcels per group, the change since the previous report, the
 * owners' verification rate against the target (95 %), certificates issued
 * or changed in the week and the parcels whose pending change (biến động)
 * is overdue. Written as one XLSX workbook and one self-contained HTML file
 * (inline CSS and SVG charts, no network) into out_dir, and as JSON text.
 *
 *     td_report_options o = TD_REPORT_OPTIONS_INIT;
 *     td_report r;
 *     o.out_dir = "bao-cao";
 *     o.date = "2026-11-06";
 *     rc = td_report_run(ws, &o, &r, &err);
 *     puts(r.json);
 *     td_report_release(&r);
 *
 * Each report stores its figures in report_snapshots (one row per commune
 * and one, commune '*', for the total) in the same transaction as its run
 * row; the previous report is the latest stored week before this one, so
 * running a week again replaces its figures and shows the same change.
 */
#ifndef TD_REPORT_H
#define TD_REPORT_H

#include "figures.h"
#include "workspace.h"

typedef struct td_report_options {
	const char *out_dir; /* created with its parents if missing */
	const char *week;    /* "YYYY-Www" (ISO week); NULL: the week holding the as-of date */
	const char *date;    /* "YYYY-MM-DD", the as-of date; NULL: the week's Sunday with week, else today */
	double target;       /* verification target, percent of certificate holders */
	int deadline_days;   /* a pending change older than this is overdue (the profile's change_deadline_days) */
	long sheet_rows;     /* rows per sheet of a list in the workbook; 0: Excel's limit */
	int html_alerts;     /* at most this many overdue parcels listed in the HTML (the workbook has all) */
} td_report_options;
#define TD_REPORT_OPTIONS_INIT                                                                                         \
	{                                                                                                              \
		NULL, NULL, NULL, 95.0, 30, 0, 200                                                                     \
	}

/*
 * Compute the figures, store them, write <out_dir>/report-<week>.xlsx and
 * <out_dir>/report-<week>.html (mode 0644: counts and parcel keys, no
 * personal data; written to temporary files and renamed), then commit.
 * ws must be open for writing. r is filled as far as the run got; release
 * it with td_report_release() in every case.
 *
 * TD_ERR_USAGE for a malformed week or date, a date outside the week, a
 * workspace not classified or changed since (ingest or check after the last
 * classify), or a bad layout in schemas/report/; TD_ERR_WORKSPACE if the
 * workspace has no report_snapshots table; TD_ERR_IO naming a file that
 * cannot be written. On failure the workspace is unchanged.
 */
td_status td_report_run(td_ws *ws, const td_report_options *opts, td_report *r, td_error *err);

/* Free what td_report_run allocated. Accepts NULL. */
void td_report_release(td_report *r);

#endif
