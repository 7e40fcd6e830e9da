#include "findings.h"
#include "rules.h"
#include "workspace.h"

#include <stdio.h>

/*
 * Findings are stale when an ingest (or the merge that made the workspace),
 * an applied or undone fix committed after the last check.
 */
td_status td_findings_state_get(td_ws *ws, td_findings_state *state, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc =
		td_ws_prepare(ws,
			      "SELECT (SELECT MAX(id) FROM runs WHERE command = 'check'), "
			      "(SELECT MAX(id) FROM runs WHERE command IN ('ingest', 'merge', 'fix-apply', 'fix-undo') "
			      " AND id <> ?1)", /* not the stage asking, which may be a fix about to apply */
			      &st, err);

	*state = TD_FINDINGS_NONE;
	if (rc == TD_OK)
		sqlite3_bind_int64(st, 1, ws->run_id);
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*state = sqlite3_column_int64(st, 1) > sqlite3_column_int64(st, 0) ? TD_FINDINGS_STALE
										   : TD_FINDINGS_FRESH;
	sqlite3_finalize(st);
	return rc;
}

td_status td_findings_identity(td_ws *ws, const td_rule_settings *rules, long counts[TD_RULE_COUNT], td_error *err)
{
	/*
	 * ?1 rule, ?2 severity, ?3 criterion, ?4 srs_id; the owner's current
	 * details (C06 may have corrected them). The point is the centre of the
	 * parcel's bounding box: these findings are about people, and the box
	 * needs no GEOS, which would complain about invalid parcels on stderr.
	 */
	static const char insert[] =
		"INSERT INTO findings (geom, rule_id, severity, criterion, commune, sheet, parcel, message) "
		"SELECT (SELECT AsGPB(MakePoint((ST_MinX(p.geom) + ST_MaxX(p.geom)) / 2, "
		"  (ST_MinY(p.geom) + ST_MaxY(p.geom)) / 2, ?4)) FROM parcels p WHERE p.commune = r.commune "
		"  AND p.sheet = r.sheet AND p.parcel = r.parcel AND p.geom IS NOT NULL ORDER BY p.fid LIMIT 1), "
		" ?1, ?2, ?3, r.commune, r.sheet, r.parcel, td_mask_text(printf('register row %d: %s', r.source_row, "
		"  CASE o.verification WHEN 'mismatched' THEN 'C06 found that the details of owner ''' || o.name || "
		"   ''' (ID ' || coalesce(td_mask_id(o.cccd), 'none') || ') differ from the national population "
		"database' "
		"  WHEN 'not_found' THEN 'C06 found no record of owner ''' || o.name || ''' (ID ' || "
		"   coalesce(td_mask_id(o.cccd), 'none') || ') in the national population database' "
		"  ELSE 'the identity of owner ''' || o.name || ''' (ID ' || coalesce(td_mask_id(o.cccd), 'none') || "
		"   ') is not yet verified against the national population database' END)) "
		"FROM register_rows r JOIN owners o ON o.id = r.owner_id WHERE ";
	static const char *const where[2] = {
		"o.verification IN ('mismatched', 'not_found') ORDER BY r.commune, r.sheet, r.parcel, r.id",
		"o.verification = 'unverified' AND r.gcn_serial IS NOT NULL AND (?2 = 'error' OR EXISTS "
		"(SELECT 1 FROM owners WHERE verification <> 'unverified')) ORDER BY r.commune, r.sheet, r.parcel, "
		"r.id"};
	static const td_rule_id ids[2] = {TD_RULE_IDENTITY_MISMATCH, TD_RULE_IDENTITY_UNVERIFIED};
	char sql[2048];
	td_status rc = td_ws_exec(
		ws, "DELETE FROM findings WHERE rule_id IN ('IDENTITY_MISMATCH', 'IDENTITY_UNVERIFIED')", err);

	for (int k = 0; k < 2 && rc == TD_OK; k++) {
		const td_rule *r = td_rule_get(ids[k]);
		td_severity sev = rules->severity[ids[k]];
		sqlite3_stmt *st = NULL;
		long n;
		if (sev == TD_SEV_OFF)
			continue;
		snprintf(sql, sizeof(sql), "%s%s", insert, where[k]);
		rc = td_ws_prepare(ws, sql, &st, err);
		if (rc != TD_OK)
			break;
		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, td_severity_name(sev), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->criterion, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, ws->srs_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "identity findings", err);
		n = sqlite3_changes(ws->db);
		sqlite3_finalize(st);
		if (rc == TD_OK && counts)
			counts[ids[k]] += n;
	}
	return rc;
}

td_status td_findings_write_csv(td_ws *ws, const char *path, td_error *err)
{
	return td_ws_write_csv(ws,
			       "SELECT rule_id, severity, criterion, commune, sheet, parcel, other_commune, "
			       "other_sheet, other_parcel, "
			       "iif(geom IS NULL, NULL, printf('%.3f', X(GeomFromGPB(geom)))) AS x, "
			       "iif(geom IS NULL, NULL, printf('%.3f', Y(GeomFromGPB(geom)))) AS y, "
			       "iif(value IS NULL, NULL, printf('%.3f', value)) AS value, "
			       "iif(tolerance IS NULL, NULL, printf('%.3f', tolerance)) AS tolerance, message "
			       "FROM findings ORDER BY commune, sheet, parcel, rule_id, fid",
			       path, 0600, err); /* messages quote owners' names */
}
