/*
 * An exception says that a finding of one rule on one parcel is accepted as
 * it is (with a reason): the finding is still written by check, but it no
 * longer counts against the parcel's group nor the acceptance gate. It is
 * keyed by the rule, the parcel key (commune/sheet/parcel; the parcel ID at
 * the time is kept for reference) and a SHA-256 of what the rules look at
 * on that parcel: its map features (geometry bytes, land use, map area) and
 * its register rows (every column but ids). When any of that changes the
 * exception lapses by itself and the finding counts again; re-ingesting
 * unchanged files leaves the hash as it was.
 *
 *     td_ws_begin(ws, "exception", &err);
 *     td_exception_add(ws, "AREA_MISMATCH", "11311", 3, 45, "survey of 2019 accepted", &id, &err);
 *     td_ws_commit(ws, NULL, &err);
 *
 * Tables (made on first use, so older workspaces get them too):
 * exceptions (one row per exception) and finding_exceptions (fid of a
 * finding -> the exception covering it), refreshed by td_exception_mark.
 */
#ifndef TD_EXCEPTION_H
#define TD_EXCEPTION_H

#include "workspace.h"

/*
 * Make the tables if missing and register the SQL function td_state_hash
 * on ws's connection. Needs a workspace open for writing when the tables
 * are missing.
 */
td_status td_exception_schema(td_ws *ws, td_error *err);

/*
 * Replace finding_exceptions from the findings as they are and the
 * exceptions whose hash still matches their parcel. errors, warnings (may
 * be NULL): the findings now covered, by severity. Inside the caller's stage.
 */
td_status td_exception_mark(td_ws *ws, long *errors, long *warnings, td_error *err);

/*
 * Accept the findings of rule that name the parcel (as parcel or as other
 * parcel), inside the caller's stage, and mark them. TD_ERR_USAGE for an
 * unknown rule or an empty reason, TD_ERR_INPUT when no such finding exists
 * (run check first). An exception already active for the rule and parcel
 * is kept as it is (nothing added). *id (may be NULL) gets the exception's id.
 */
td_status td_exception_add(td_ws *ws, const char *rule, const char *commune, long sheet, long parcel,
			   const char *reason, long long *id, td_error *err);

/* Remove exception id inside the caller's stage; TD_ERR_INPUT if there is none. */
td_status td_exception_remove(td_ws *ws, long long id, td_error *err);

/* One exception as td_exception_each shows it; strings live until the callback returns. */
typedef struct td_exception {
	long long id;
	const char *rule_id, *commune, *parcel_id, *reason, *created_at, *os_user;
	long sheet, parcel;
	int active;    /* the parcel is as it was when the exception was made */
	long findings; /* findings it covers now (as of the last check) */
} td_exception;

/* Call fn for each exception in id order (fn returns 0 to stop). No exceptions table: no calls. */
td_status td_exception_each(td_ws *ws, int (*fn)(const td_exception *e, void *arg), void *arg, td_error *err);

/* Parse "COMMUNE/SHEET/PARCEL" (e.g. "11311/3/45"). Returns 1 on success. */
int td_exception_parse_key(const char *text, char commune[16], long *sheet, long *parcel);

#endif
