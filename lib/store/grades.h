/*
 * Grades: every parcel known to the map or the register in group 1, 2 or
 * 3 from the error-level findings as they are now (parcel_grade and
 * parcels.grp). classify runs it after checking that the findings are
 * fresh; reconcile after replacing the identity findings.
 *
 *     td_grades_compute(ws, &rules, &err);
 */
#ifndef TD_GRADES_H
#define TD_GRADES_H

#include "db.h"
#include "rules.h"

/*
 * Grade, inside the caller's open stage and without the
 * freshness check: replace parcel_grade and parcels.grp from the findings
 * as they are now (reconcile calls it after replacing identity findings).
 */
td_status td_grades_compute(td_ws *ws, const td_rule_settings *rules, td_error *err);

/* Write commune,sheet,parcel,group,failed_criteria,rule_ids as CSV. */
td_status td_groups_write_csv(td_ws *ws, const char *path, td_error *err);

#endif
