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

/* The most geometry worker threads a check runs (the CLI accepts no more). */
#define TD_MAX_THREADS 64

typedef struct td_check_options {
	td_rule_settings rules;
	int threads; /* geometry worker threads, 1..TD_MAX_THREADS; 0: one per core */
} td_check_options;

/* Defaults from the rule catalogue, one thread per core. */
void td_check_options_init(td_check_options *o);

typedef struct td_check_summary {
	long parcels;       /* map parcels checked */
	long register_keys; /* distinct parcel keys in the register */
	long communes;
	long errors, warnings;       /* findings by severity, those covered by an exception left out */
	long accepted;               /* findings covered by an accepted exception (exception.h) */
	long by_rule[TD_RULE_COUNT]; /* findings per rule */
	char today[11];              /* the date the run counted from */
	char json[4096];
} td_check_summary;

/* Replace all findings in one transaction. */
td_status td_check_run(td_ws *ws, const td_check_options *opts, td_progress_fn progress, void *arg,
		       td_check_summary *sum, td_error *err);

#endif
