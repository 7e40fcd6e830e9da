/*
 * The findings layers as other stages see them: whether they are fresh,
 * the identity findings that follow the owners' C06 verification, and the
 * CSV export. check writes the rest of the findings (check.h).
 *
 *     td_findings_state s;
 *     td_findings_state_get(ws, &s, &err);
 */
#ifndef TD_FINDINGS_H
#define TD_FINDINGS_H

#include "db.h"
#include "rules.h"

/* Whether the findings describe the data: none (never checked), stale (an ingest since) or fresh. */
typedef enum td_findings_state { TD_FINDINGS_NONE, TD_FINDINGS_STALE, TD_FINDINGS_FRESH } td_findings_state;

td_status td_findings_state_get(td_ws *ws, td_findings_state *state, td_error *err);

/*
 * Replace the identity findings (IDENTITY_MISMATCH, IDENTITY_UNVERIFIED)
 * from the owners' verification state, inside the caller's open stage:
 * check runs it with the other rules, reconcile after applying a C06 reply.
 * One finding per register row of the owner (IDENTITY_UNVERIFIED: rows
 * with a certificate), at the centre of its parcel's bounding box. At
 * warning level IDENTITY_UNVERIFIED waits for the first reconciled reply
 * (before it every owner is unverified and the warning says nothing); at
 * error level it always applies. Adds the findings written per rule to
 * counts when it is not NULL.
 */
td_status td_findings_identity(td_ws *ws, const td_rule_settings *rules, long counts[TD_RULE_COUNT], td_error *err);

/*
 * Write the findings as CSV with the columns
 * rule_id,severity,criterion,commune,sheet,parcel,other_commune,other_sheet,
 * other_parcel,x,y,value,tolerance,message (x/y in the workspace CRS).
 */
td_status td_findings_write_csv(td_ws *ws, const char *path, td_error *err);

#endif
