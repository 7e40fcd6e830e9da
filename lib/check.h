/*
 * check: run the rule catalogue over the workspace and replace the findings
 * layers, one row per defect with its location.
 *
 *     td_check_options o;
 *     td_check_options_init(&o);
 *     td_rule_profile_load(&o.rules, "schemas/rules/default.ini", &err);
 *     td_check_summary s;
 *     td_check_run(ws, &o, progress, arg, &s, &err);
 *     td_findings_write_csv(ws, "findings.csv", &err);
 *
 * Work goes commune by commune, so memory follows the largest commune, not
 * the province: the main thread reads a commune's parcels and writes its
 * findings while worker threads (each with its own GEOS context) analyse
 * the geometry of the next ones. Overlaps between parcels of two different
 * communes are not looked for.
 */
#ifndef TD_CHECK_H
#define TD_CHECK_H

#include "rules.h"
#include "workspace.h"

typedef struct td_check_options {
	td_rule_settings rules;
	int threads; /* geometry worker threads; 0: one per core, at most 8 */
} td_check_options;

/* Defaults from the rule catalogue, one thread per core. */
void td_check_options_init(td_check_options *o);

typedef struct td_check_summary {
	long parcels;                  /* map parcels checked */
	long register_keys;            /* distinct parcel keys in the register */
	long communes;
	long errors, warnings;         /* findings by severity, those covered by an exception left out */
	long accepted;                 /* findings covered by an accepted exception (exception.h) */
	long by_rule[TD_RULE_COUNT];   /* findings per rule */
	char today[11];                /* the date the run counted from */
	char json[4096];
} td_check_summary;

/* Replace all findings in one transaction. */
td_status td_check_run(td_ws *ws, const td_check_options *opts, td_progress_fn progress, void *arg,
		       td_check_summary *sum, td_error *err);

/*
 * Replace the identity findings (IDENTITY_MISMATCH, IDENTITY_UNVERIFIED)
 * from the owners' verification state, inside the caller's open stage:
 * check runs it with the other rules, reconcile after applying a C06 reply.
 * One finding per register row of the owner (IDENTITY_UNVERIFIED: rows
 * with a certificate), at the centre of its parcel's bounding box. At
 * warning level IDENTITY_UNVERIFIED waits for the first reconciled reply
 * (before it every owner is unverified and the warning says nothing); at
 * error level it always applies. Adds what it wrote to sum's counts when
 * sum is not NULL.
 */
td_status td_check_identity(td_ws *ws, const td_rule_settings *rules, td_check_summary *sum, td_error *err);

/*
 * Write the findings as CSV with the columns
 * rule_id,severity,criterion,commune,sheet,parcel,other_commune,other_sheet,
 * other_parcel,x,y,value,tolerance,message (x/y in the workspace CRS).
 */
td_status td_findings_write_csv(td_ws *ws, const char *path, td_error *err);

#endif
