#include "grades.h"
#include "exception.h"
#include "workspace.h"

#include <stdio.h>

/* The profile's rule → group map, as a temporary table for SQL. */
static td_status rule_groups(td_ws *ws, const td_rule_settings *rules, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_exec(ws,
				  "CREATE TEMP TABLE IF NOT EXISTS rule_group (rule_id TEXT PRIMARY KEY, grp INTEGER);"
				  "DELETE FROM rule_group",
				  err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "INSERT INTO rule_group VALUES (?, ?)", &st, err);
	for (int i = 0; rc == TD_OK && i < TD_RULE_COUNT; i++) {
		const td_rule *r = td_rule_get((td_rule_id)i);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, rules->group[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "rule groups", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The error-level findings per parcel they name (as the parcel or as the
 * other parcel), indexed, then every parcel key on the map or in the
 * register graded from them. Criteria and rule IDs are listed once each, in
 * a fixed order, so the output is reproducible.
 */
static const char grade_sql[] =
	"DROP TABLE IF EXISTS temp.hits;"
	"CREATE TEMP TABLE hits AS "
	" SELECT commune, sheet, parcel, rule_id, criterion FROM findings WHERE severity = 'error' "
	"  AND fid NOT IN (SELECT fid FROM finding_exceptions) " /* accepted exceptions do not count */
	" UNION SELECT other_commune, other_sheet, other_parcel, rule_id, criterion FROM findings "
	" WHERE severity = 'error' AND other_commune IS NOT NULL "
	"  AND fid NOT IN (SELECT fid FROM finding_exceptions);"
	"CREATE INDEX temp.hits_key ON hits (commune, sheet, parcel);"
	"INSERT INTO parcel_grade (commune, sheet, parcel, grp, failed_criteria, rule_ids) "
	"SELECT k.commune, k.sheet, k.parcel, "
	" COALESCE((SELECT MAX(g.grp) FROM hits h JOIN rule_group g USING (rule_id) "
	"   WHERE h.commune = k.commune AND h.sheet = k.sheet AND h.parcel = k.parcel), 1), "
	" COALESCE((SELECT group_concat(criterion, ',') FROM (SELECT DISTINCT h.criterion FROM hits h "
	"   WHERE h.commune = k.commune AND h.sheet = k.sheet AND h.parcel = k.parcel "
	"   ORDER BY CASE h.criterion WHEN 'đúng' THEN 1 WHEN 'đủ' THEN 2 WHEN 'sạch' THEN 3 ELSE 4 END)), ''), "
	" COALESCE((SELECT group_concat(rule_id, ',') FROM (SELECT DISTINCT h.rule_id FROM hits h "
	"   WHERE h.commune = k.commune AND h.sheet = k.sheet AND h.parcel = k.parcel ORDER BY h.rule_id)), '') "
	"FROM (SELECT commune, sheet, parcel FROM parcels UNION SELECT commune, sheet, parcel FROM register_rows) k;"
	"DROP TABLE temp.hits";

td_status td_grades_compute(td_ws *ws, const td_rule_settings *rules, td_error *err)
{
	td_status rc = td_exception_schema(ws, err); /* finding_exceptions, read by grade_sql */

	if (rc == TD_OK)
		rc = rule_groups(ws, rules, err);

	if (rc == TD_OK)
		rc = td_ws_exec(ws, "DELETE FROM parcel_grade", err);
	if (rc == TD_OK)
		rc = td_ws_exec(ws, grade_sql, err);
	/* Every map parcel has a grade; only the parcels whose group changed are written. */
	if (rc == TD_OK)
		rc = td_ws_exec(
			ws,
			"UPDATE parcels SET grp = g.grp FROM parcel_grade g WHERE g.commune = parcels.commune "
			"AND g.sheet = parcels.sheet AND g.parcel = parcels.parcel AND parcels.grp IS NOT g.grp",
			err);
	return rc;
}

td_status td_groups_write_csv(td_ws *ws, const char *path, td_error *err)
{
	return td_ws_write_csv(ws,
			       "SELECT commune, sheet, parcel, grp AS \"group\", failed_criteria, rule_ids "
			       "FROM parcel_grade ORDER BY commune, sheet, parcel",
			       path, 0644, err);
}
