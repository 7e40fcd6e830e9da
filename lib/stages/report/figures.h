/*
 * A weekly report's figures (report.h computes them, report_html.h draws
 * them): per commune and in total, this week and the previous report's.
 */
#ifndef TD_FIGURES_H
#define TD_FIGURES_H

#include "error.h"

#include <math.h>

typedef struct td_report_figures {
	long parcels;  /* parcel keys graded (on the map or in the register) */
	long group[4]; /* group[1..3]: parcels per group */
	long holders;  /* owners holding a certificate (register row with a serial) */
	long verified; /* of them, owners.verification = 'matched' */
	long updated;  /* certificates issued or changed from the week's Monday to the as-of date */
	long overdue;  /* parcels with a pending change older than deadline_days */
} td_report_figures;

typedef struct td_report_row {
	char commune[33]; /* "" for the total */
	char name[256];   /* from ref_communes, valid at the as-of date; "" if unknown */
	td_report_figures now;
	int has_prev; /* an earlier report exists for this commune */
	char prev_week[9];
	td_report_figures prev;
} td_report_row;

/* One overdue parcel, for the HTML list. */
typedef struct td_report_alert {
	char commune[33];
	long sheet, parcel;
	char parcel_id[64];
	char since[11]; /* the oldest pending change, yyyy-mm-dd */
	long days;      /* days pending at the as-of date */
	long source_row;
} td_report_alert;

typedef struct td_report {
	char week[9];  /* "2026-W45" */
	char from[11]; /* its Monday */
	char to[11];   /* its Sunday */
	char as_of[11];
	double target;
	int deadline_days;
	int ncommunes;
	td_report_row *communes; /* by commune code */
	td_report_row total;
	int nalerts; /* alerts kept for the HTML (at most html_alerts) */
	td_report_alert *alerts;
	char xlsx[TD_PATH_MAX], html[TD_PATH_MAX]; /* the files written */
	char *json;                                /* the report as JSON (see docs/report.md); NULL on failure */
} td_report;

/* The verification rate of f in percent; NAN when nobody holds a certificate. */
static inline double td_report_rate(const td_report_figures *f)
{
	return f->holders ? 100.0 * (double)f->verified / (double)f->holders : NAN;
}

#endif
