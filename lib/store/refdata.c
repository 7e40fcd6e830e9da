#include "refdata.h"
#include "source.h"

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reference tables, in load order. */
static const char *const ref_tables[] = {"ref_provinces", "ref_communes", "ref_landuse"};

td_status td_refdata_find_province(td_ctx *ctx, const char *code, td_province *out, td_error *err)
{
	char path[TD_PATH_MAX];
	GDALDatasetH ds = NULL;
	OGRLayerH layer;
	OGRFeatureH f;
	td_status rc;
	int found = 0;

	memset(out, 0, sizeof(*out));
	rc = td_ctx_schema_file(ctx, "ref/ref_provinces.csv", path, sizeof(path), err);
	if (rc != TD_OK)
		return rc;
	ds = td_source_open_csv(path, err);
	if (!ds)
		return err->code;
	layer = GDALDatasetGetLayer(ds, 0);
	while (!found && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		int ic = OGR_F_GetFieldIndex(f, "code");
		if (ic >= 0 && OGR_F_IsFieldSetAndNotNull(f, ic) && strcmp(OGR_F_GetFieldAsString(f, ic), code) == 0) {
			int in = OGR_F_GetFieldIndex(f, "name");
			int im = OGR_F_GetFieldIndex(f, "central_meridian");
			int ie = OGR_F_GetFieldIndex(f, "epsg");
			char *end;
			snprintf(out->code, sizeof(out->code), "%s", code);
			snprintf(out->name, sizeof(out->name), "%s", in >= 0 ? OGR_F_GetFieldAsString(f, in) : "");
			out->central_meridian = strtod(im >= 0 ? OGR_F_GetFieldAsString(f, im) : "", &end);
			if (im < 0 || *end || end == OGR_F_GetFieldAsString(f, im))
				rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %lld: bad central_meridian",
						  path, (long long)OGR_F_GetFID(f) + 1);
			if (ie >= 0 && OGR_F_IsFieldSetAndNotNull(f, ie))
				out->epsg = OGR_F_GetFieldAsInteger(f, ie);
			found = 1;
		}
		OGR_F_Destroy(f);
	}
	GDALClose(ds);
	if (rc == TD_OK && !found)
		rc = td_error_set(err, TD_ERR_USAGE, "unknown province code '%s' (see %s)", code, path);
	return rc;
}

static td_status load_table(td_ws *ws, const char *table, td_error *err)
{
	char name[256], path[TD_PATH_MAX], sql[2048];
	GDALDatasetH ds = NULL;
	OGRLayerH layer;
	OGRFeatureDefnH defn;
	OGRFeatureH f = NULL;
	sqlite3_stmt *st = NULL;
	size_t len;
	int nfields;
	td_status rc;

	snprintf(name, sizeof(name), "ref/%s.csv", table);
	rc = td_ctx_schema_file(ws->ctx, name, path, sizeof(path), err);
	if (rc != TD_OK)
		return rc;
	ds = td_source_open_csv(path, err);
	if (!ds)
		return err->code == TD_ERR_INPUT ? td_error_set(err, TD_ERR_USAGE, "bad reference table") : err->code;
	layer = GDALDatasetGetLayer(ds, 0);
	defn = OGR_L_GetLayerDefn(layer);
	nfields = OGR_FD_GetFieldCount(defn);

	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", table);
	for (int i = 0; i < nfields && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s\"%s\"", i ? "," : "",
					OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
	len += (size_t)snprintf(sql + len, len < sizeof(sql) ? sizeof(sql) - len : 0, ") VALUES (");
	for (int i = 0; i < nfields && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?", i ? "," : "");
	len += (size_t)snprintf(sql + len, len < sizeof(sql) ? sizeof(sql) - len : 0, ")");
	if (len >= sizeof(sql)) {
		rc = td_error_set(err, TD_ERR_USAGE, "'%s': too many columns", path);
		goto done;
	}
	if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = td_error_set(err, TD_ERR_USAGE, "'%s': header does not match table %s: %s", path, table,
				  sqlite3_errmsg(ws->db));
		goto done;
	}
	while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
		for (int i = 0; i < nfields; i++) {
			if (OGR_F_IsFieldSetAndNotNull(f, i))
				sqlite3_bind_text(st, i + 1, OGR_F_GetFieldAsString(f, i), -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, i + 1);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %lld: %s", path,
					  (long long)OGR_F_GetFID(f) + 1, sqlite3_errmsg(ws->db));
			goto done;
		}
		sqlite3_reset(st);
		OGR_F_Destroy(f);
		f = NULL;
	}
done:
	if (f)
		OGR_F_Destroy(f);
	sqlite3_finalize(st);
	GDALClose(ds);
	return rc;
}

td_status td_refdata_load(td_ws *ws, td_error *err)
{
	for (size_t i = 0; i < sizeof(ref_tables) / sizeof(ref_tables[0]); i++) {
		td_status rc = load_table(ws, ref_tables[i], err);
		if (rc != TD_OK)
			return rc;
	}
	return TD_OK;
}
