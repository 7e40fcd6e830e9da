/*
 * check: run the rule catalogue over the workspace and replace the findings
 * layer, one row per defect with its location.
 *
 *     td_check_options o;
 *     td_check_options_init(&o);
 *     td_check_summary s;
 *     td_check_run(ws, &o, progress, arg, &s, &err);
 *     td_findings_write_csv(ws, "findings.csv", &err);
 */
#ifndef TD_CHECK_H
#define TD_CHECK_H

#include "rules.h"
#include "workspace.h"

typedef struct td_check_options {
	td_rule_settings rules;
} td_check_options;

/* Defaults from the rule catalogue. */
void td_check_options_init(td_check_options *o);

typedef struct td_check_summary {
	long parcels;                  /* map parcels checked */
	long register_keys;            /* distinct parcel keys in the register */
	long errors, warnings;         /* findings by severity */
	long by_rule[TD_RULE_COUNT];   /* findings per rule */
	char json[2048];
} td_check_summary;

/* Replace all findings in one transaction. */
td_status td_check_run(td_ws *ws, const td_check_options *opts, td_progress_fn progress, void *arg,
		       td_check_summary *sum, td_error *err);

/*
 * Write the findings as CSV with the columns
 * rule_id,severity,criterion,commune,sheet,parcel,other_commune,other_sheet,
 * other_parcel,x,y,value,tolerance,message (x/y in the workspace CRS).
 */
td_status td_findings_write_csv(td_ws *ws, const char *path, td_error *err);

#endif
