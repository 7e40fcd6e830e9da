#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void td_check_options_init(td_check_options *o)
{
	td_rule_settings_init(&o->rules);
}

/* What a finding says; x/y NAN when the defect has no place (no geometry). */
typedef struct finding {
	td_rule_id rule;
	const char *commune;
	long sheet, parcel;
	double x, y;
	double value, tolerance; /* NAN when not measured */
	char message[512];
} finding;

typedef struct checker {
	td_ws *ws;
	const td_check_options *opts;
	td_check_summary *sum;
	sqlite3_stmt *ins;
	GEOSContextHandle_t geos;
} checker;

static td_status emit(checker *c, const finding *f, td_error *err)
{
	td_severity sev = c->opts->rules.severity[f->rule];
	const td_rule *rule = td_rule_get(f->rule);
	sqlite3_stmt *st = c->ins;

	if (sev == TD_SEV_OFF)
		return TD_OK;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!isnan(f->x)) {
		sqlite3_bind_double(st, 1, f->x);
		sqlite3_bind_double(st, 2, f->y);
	}
	sqlite3_bind_int(st, 3, c->ws->srs_id);
	sqlite3_bind_text(st, 4, rule->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, td_severity_name(sev), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, rule->criterion, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, f->commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, f->sheet);
	sqlite3_bind_int64(st, 9, f->parcel);
	if (!isnan(f->value))
		sqlite3_bind_double(st, 10, f->value);
	if (!isnan(f->tolerance))
		sqlite3_bind_double(st, 11, f->tolerance);
	sqlite3_bind_text(st, 12, f->message, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(c->ws, "insert finding", err);
	c->sum->by_rule[f->rule]++;
	if (sev == TD_SEV_ERROR)
		c->sum->errors++;
	else
		c->sum->warnings++;
	return TD_OK;
}

/* A point inside the parcel where possible, else the middle of its extent. */
static void locate(GEOSContextHandle_t h, const GEOSGeometry *g, int valid, double *x, double *y)
{
	GEOSGeometry *p = valid ? GEOSPointOnSurface_r(h, g) : NULL;

	if (!p)
		p = GEOSGetCentroid_r(h, g);
	if (!p || GEOSGeomGetX_r(h, p, x) != 1 || GEOSGeomGetY_r(h, p, y) != 1) {
		double minx, miny, maxx, maxy;
		if (GEOSGeom_getXMin_r(h, g, &minx) && GEOSGeom_getYMin_r(h, g, &miny) &&
		    GEOSGeom_getXMax_r(h, g, &maxx) && GEOSGeom_getYMax_r(h, g, &maxy)) {
			*x = (minx + maxx) / 2;
			*y = (miny + maxy) / 2;
		} else {
			*x = *y = NAN;
		}
	}
	GEOSGeom_destroy_r(h, p);
}

/* One map parcel: geometry validity, register link and area agreement. */
static td_status check_parcel(checker *c, sqlite3_stmt *row, td_error *err)
{
	GEOSContextHandle_t h = c->geos;
	finding f = {.commune = (const char *)sqlite3_column_text(row, 0),
		     .sheet = sqlite3_column_int64(row, 1),
		     .parcel = sqlite3_column_int64(row, 2),
		     .x = NAN, .y = NAN, .value = NAN, .tolerance = NAN};
	const void *wkb = sqlite3_column_blob(row, 3);
	int wkb_len = sqlite3_column_bytes(row, 3);
	int has_register = sqlite3_column_int(row, 4);
	int has_area = sqlite3_column_type(row, 5) != SQLITE_NULL;
	double reg_area = sqlite3_column_double(row, 5);
	GEOSGeometry *g = wkb ? GEOSGeomFromWKB_buf_r(h, wkb, (size_t)wkb_len) : NULL;
	GEOSGeometry *where = NULL;
	char *reason = NULL;
	char valid = 0;
	double x = NAN, y = NAN, area;
	td_status rc = TD_OK;

	if (!g || GEOSisEmpty_r(h, g) == 1) {
		f.rule = TD_RULE_GEOM_INVALID;
		snprintf(f.message, sizeof(f.message), "parcel %s/%ld/%ld has no geometry", f.commune, f.sheet,
			 f.parcel);
		rc = emit(c, &f, err);
		goto done;
	}
	valid = GEOSisValidDetail_r(h, g, 0, &reason, &where);
	if (valid == 2) {
		rc = td_error_set(err, TD_ERR_INTERNAL, "GEOS cannot test parcel %s/%ld/%ld: %s", f.commune, f.sheet,
				  f.parcel, c->ws->ctx->geos_msg);
		goto done;
	}
	locate(h, g, valid, &x, &y);
	if (!valid) {
		f.rule = TD_RULE_GEOM_INVALID;
		if (!where || GEOSGeomGetX_r(h, where, &f.x) != 1 || GEOSGeomGetY_r(h, where, &f.y) != 1) {
			f.x = x;
			f.y = y;
		}
		snprintf(f.message, sizeof(f.message), "invalid polygon: %s at (%.3f %.3f)",
			 reason ? reason : "unknown reason", f.x, f.y);
		rc = emit(c, &f, err);
		if (rc != TD_OK)
			goto done;
	}
	f.x = x;
	f.y = y;
	if (!has_register) {
		f.rule = TD_RULE_MAP_NO_REGISTER;
		snprintf(f.message, sizeof(f.message), "parcel %s/%ld/%ld is on the map but not in the register",
			 f.commune, f.sheet, f.parcel);
		rc = emit(c, &f, err);
	} else if (valid && has_area && GEOSArea_r(h, g, &area) == 1) {
		double tol = td_rule_area_tolerance(&c->opts->rules, reg_area);
		f.value = fabs(area - reg_area);
		/* Register areas are written to 0.1 m²: compare at that precision. */
		if (f.value - tol > 0.05) {
			f.rule = TD_RULE_AREA_MISMATCH;
			f.tolerance = tol;
			snprintf(f.message, sizeof(f.message),
				 "map area %.1f m² differs from register area %.1f m² by %.1f m² (allowed %.1f m²)",
				 area, reg_area, f.value, tol);
			rc = emit(c, &f, err);
		}
	}
done:
	GEOSFree_r(h, reason);
	GEOSGeom_destroy_r(h, where);
	GEOSGeom_destroy_r(h, g);
	return rc;
}

static td_status check_map(checker *c, td_progress_fn progress, void *arg, td_error *err)
{
	sqlite3_stmt *row = NULL;
	long total = 0, done = 0;
	int step;
	td_status rc;

	rc = td_ws_prepare(c->ws, "SELECT COUNT(*) FROM parcels", &row, err);
	if (rc != TD_OK)
		return rc;
	if (sqlite3_step(row) == SQLITE_ROW)
		total = sqlite3_column_int64(row, 0);
	sqlite3_finalize(row);
	/* Register area: the first non-empty one among the parcel's rows (co-owners repeat it). */
	rc = td_ws_prepare(c->ws,
			   "SELECT p.commune, p.sheet, p.parcel, AsBinary(GeomFromGPB(p.geom)), "
			   " EXISTS (SELECT 1 FROM register_rows r WHERE r.commune = p.commune "
			   "  AND r.sheet = p.sheet AND r.parcel = p.parcel), "
			   " (SELECT r.area FROM register_rows r WHERE r.commune = p.commune AND r.sheet = p.sheet "
			   "  AND r.parcel = p.parcel AND r.area IS NOT NULL ORDER BY r.id LIMIT 1) "
			   "FROM parcels p ORDER BY p.commune, p.sheet, p.parcel, p.fid",
			   &row, err);
	if (rc != TD_OK)
		return rc;
	while (rc == TD_OK && (step = sqlite3_step(row)) == SQLITE_ROW) {
		rc = check_parcel(c, row, err);
		c->sum->parcels++;
		if (rc == TD_OK && progress && ++done % 1000 == 0 &&
		    !progress(total ? 0.9 * (double)done / (double)total : 0, "check", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(c->ws, "read parcels", err);
	sqlite3_finalize(row);
	return rc;
}

/* Register keys with no parcel on the map: the parcel is not built. */
static td_status check_register(checker *c, td_error *err)
{
	sqlite3_stmt *row = NULL;
	td_status rc;
	int step;

	rc = td_ws_prepare(c->ws,
			   "SELECT r.commune, r.sheet, r.parcel, MIN(r.source_row), "
			   " NOT EXISTS (SELECT 1 FROM parcels p WHERE p.commune = r.commune "
			   "  AND p.sheet = r.sheet AND p.parcel = r.parcel) "
			   "FROM register_rows r GROUP BY r.commune, r.sheet, r.parcel "
			   "ORDER BY r.commune, r.sheet, r.parcel",
			   &row, err);
	if (rc != TD_OK)
		return rc;
	while (rc == TD_OK && (step = sqlite3_step(row)) == SQLITE_ROW) {
		finding f = {.rule = TD_RULE_REGISTER_NO_MAP,
			     .commune = (const char *)sqlite3_column_text(row, 0),
			     .sheet = sqlite3_column_int64(row, 1),
			     .parcel = sqlite3_column_int64(row, 2),
			     .x = NAN, .y = NAN, .value = NAN, .tolerance = NAN};
		c->sum->register_keys++;
		if (!sqlite3_column_int(row, 4))
			continue;
		snprintf(f.message, sizeof(f.message), "register row %lld: parcel %s/%ld/%ld is not on the map",
			 (long long)sqlite3_column_int64(row, 3), f.commune, f.sheet, f.parcel);
		rc = emit(c, &f, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(c->ws, "read register", err);
	sqlite3_finalize(row);
	return rc;
}

static void summary_json(td_check_summary *sum)
{
	size_t n = (size_t)snprintf(sum->json, sizeof(sum->json),
				    "{\"command\":\"check\",\"parcels\":%ld,\"register_keys\":%ld,\"errors\":%ld,"
				    "\"warnings\":%ld,\"by_rule\":{",
				    sum->parcels, sum->register_keys, sum->errors, sum->warnings);
	for (int i = 0; i < TD_RULE_COUNT && n < sizeof(sum->json); i++)
		n += (size_t)snprintf(sum->json + n, sizeof(sum->json) - n, "%s\"%s\":%ld", i ? "," : "",
				      td_rule_get((td_rule_id)i)->code, sum->by_rule[i]);
	if (n < sizeof(sum->json))
		snprintf(sum->json + n, sizeof(sum->json) - n, "}}");
}

td_status td_check_run(td_ws *ws, const td_check_options *opts, td_progress_fn progress, void *arg,
		       td_check_summary *sum, td_error *err)
{
	checker c = {ws, opts, sum, NULL, ws->ctx->geos};
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	rc = td_ws_begin(ws, "check", err);
	if (rc != TD_OK)
		return rc;
	rc = td_ws_exec(ws, "DELETE FROM findings", err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "INSERT INTO findings (geom, rule_id, severity, criterion, commune, sheet, parcel, "
				   "value, tolerance, message) VALUES (CASE WHEN ?1 IS NULL THEN NULL ELSE "
				   "AsGPB(MakePoint(?1, ?2, ?3)) END, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
				   &c.ins, err);
	if (rc == TD_OK)
		rc = check_map(&c, progress, arg, err);
	if (rc == TD_OK)
		rc = check_register(&c, err);
	sqlite3_finalize(c.ins);
	summary_json(sum);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK && progress)
		progress(1.0, "check", arg);
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
			       path, 0644, err);
}
