#include "accept.h"

#include <stdio.h>
#include <string.h>

td_status td_accept_evaluate(td_ws *ws, const td_rule_settings *rules, td_accept_result *res, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc;

	memset(res, 0, sizeof(*res));
	rc = td_ws_prepare(ws,
			   "SELECT (SELECT COUNT(*) FROM findings WHERE severity = 'error' "
			   " AND fid NOT IN (SELECT fid FROM finding_exceptions)), "
			   "(SELECT COUNT(*) FROM parcel_grade), (SELECT COUNT(*) FROM parcel_grade WHERE grp > 1)",
			   &st, err);
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		res->errors = sqlite3_column_int64(st, 0);
		res->parcels = sqlite3_column_int64(st, 1);
		res->outside_group1 = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT rule_id, COUNT(*) AS n FROM findings WHERE severity = 'error' "
				   "AND fid NOT IN (SELECT fid FROM finding_exceptions) "
				   "GROUP BY rule_id ORDER BY n DESC, rule_id LIMIT 10",
				   &st, err);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW && res->ntop < TD_ACCEPT_TOP) {
		snprintf(res->top[res->ntop].rule, sizeof(res->top[0].rule), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		res->top[res->ntop++].count = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	res->outside_percent = res->parcels ? 100.0 * (double)res->outside_group1 / (double)res->parcels : 0;
	res->errors_ok = rules->accept_max_errors < 0 || res->errors <= rules->accept_max_errors;
	res->groups_ok =
		rules->accept_max_outside_group1 < 0 || res->outside_percent <= rules->accept_max_outside_group1;
	res->accepted = res->errors_ok && res->groups_ok;
	return rc;
}
