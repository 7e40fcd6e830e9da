/*
 * classify: put every parcel known to the map or the register in group
 * 1 (good), 2 (fixable attributes or identity) or 3 (geometry unusable or
 * parcel not built), from the error-level findings of the last check.
 *
 *     td_classify_summary s;
 *     td_classify_run(ws, &rules, &s, &err);
 *     td_groups_write_csv(ws, "groups.csv", &err);
 */
#ifndef TD_CLASSIFY_H
#define TD_CLASSIFY_H

#include "rules.h"
#include "workspace.h"

typedef struct td_classify_commune {
	char commune[16];
	long group[4]; /* [1], [2], [3] used */
} td_classify_commune;

typedef struct td_classify_summary {
	long parcels;
	long group[4]; /* [1], [2], [3] used */
	int ncommunes;
	td_classify_commune *communes; /* per commune, ascending code; owned */
	char json[1024];
} td_classify_summary;

/*
 * Replace parcel_grade and parcels.grp in one transaction, each failed rule
 * putting the parcel in rules->group[rule]. TD_ERR_USAGE if the data
 * changed since the last check (the findings would be stale).
 * Release the summary with td_classify_summary_release().
 */
td_status td_classify_run(td_ws *ws, const td_rule_settings *rules, td_classify_summary *sum, td_error *err);

void td_classify_summary_release(td_classify_summary *sum);

#endif
