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

/* "1" and "01" are "01"; 0 if code is not one or two digits. */
static int normal_code(const char *code, char out[8])
{
	size_t n = strlen(code);

	if (n < 1 || n > 2 || code[0] < '0' || code[0] > '9' || (n == 2 && (code[1] < '0' || code[1] > '9')))
		return 0;
	snprintf(out, 8, "%s%s", n == 1 ? "0" : "", code);
	return 1;
}

static void field(OGRFeatureH f, const char *name, char *out, size_t size)
{
	int i = OGR_F_GetFieldIndex(f, name);

	snprintf(out, size, "%s", i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "");
}

static td_status read_province(OGRFeatureH f, const char *path, td_province *out, td_error *err)
{
	char cm[64], epsg[32];
	char *end;

	memset(out, 0, sizeof(*out));
	field(f, "code", out->code, sizeof(out->code));
	field(f, "name", out->name, sizeof(out->name));
	field(f, "former_name", out->former_name, sizeof(out->former_name));
	field(f, "valid_to", out->valid_to, sizeof(out->valid_to));
	field(f, "province_2025", out->province_2025, sizeof(out->province_2025));
	field(f, "source", out->source, sizeof(out->source));
	field(f, "central_meridian", cm, sizeof(cm));
	field(f, "epsg", epsg, sizeof(epsg));
	if (!out->former_name[0])
		snprintf(out->former_name, sizeof(out->former_name), "%s", out->name);
	if (!out->province_2025[0])
		snprintf(out->province_2025, sizeof(out->province_2025), "%s", out->code);
	out->central_meridian = strtod(cm, &end);
	if (!cm[0] || *end)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %lld: bad central_meridian", path,
				    (long long)OGR_F_GetFID(f) + 1);
	out->epsg = (int)strtol(epsg, &end, 10);
	if (*end)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %lld: bad epsg", path,
				    (long long)OGR_F_GetFID(f) + 1);
	return TD_OK;
}

/*
 * Read ref_provinces.csv: the row of code into *one (when one is not NULL),
 * or every row whose province_2025 is code into *parts.
 */
static td_status scan_provinces(td_ctx *ctx, const char *given, td_province *one, td_province **parts, size_t *n,
				td_error *err)
{
	char path[TD_PATH_MAX], code[8];
	GDALDatasetH ds = NULL;
	OGRLayerH layer;
	OGRFeatureH f;
	size_t cap = 0;
	td_status rc;
	int found = 0;

	if (parts) {
		*parts = NULL;
		*n = 0;
	}
	if (!normal_code(given, code))
		return td_error_set(err, TD_ERR_USAGE, "unknown province code '%s': expected 1 or 2 digits", given);
	rc = td_ctx_schema_file(ctx, "ref/ref_provinces.csv", path, sizeof(path), err);
	if (rc != TD_OK)
		return rc;
	ds = td_source_open_csv(path, err);
	if (!ds)
		return err->code;
	layer = GDALDatasetGetLayer(ds, 0);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		td_province p;
		rc = read_province(f, path, &p, err);
		OGR_F_Destroy(f);
		if (rc != TD_OK)
			break;
		if (one && strcmp(p.code, code) == 0) {
			*one = p;
			found = 1;
			break;
		}
		if (parts && strcmp(p.province_2025, code) == 0) {
			if (*n == cap) {
				td_province *q = realloc(*parts, (cap ? 2 * cap : 8) * sizeof(*q));
				if (!q) {
					rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
					break;
				}
				*parts = q;
				cap = cap ? 2 * cap : 8;
			}
			(*parts)[(*n)++] = p;
			found = 1;
		}
	}
	GDALClose(ds);
	if (rc == TD_OK && !found)
		rc = td_error_set(err, TD_ERR_USAGE, "unknown province code '%s' (see %s)", given, path);
	if (rc != TD_OK && parts) {
		free(*parts);
		*parts = NULL;
		*n = 0;
	}
	return rc;
}

td_status td_refdata_find_province(td_ctx *ctx, const char *code, td_province *out, td_error *err)
{
	memset(out, 0, sizeof(*out));
	return scan_provinces(ctx, code, out, NULL, NULL, err);
}

td_status td_refdata_province_parts(td_ctx *ctx, const char *code, td_province **parts, size_t *n, td_error *err)
{
	return scan_provinces(ctx, code, NULL, parts, n, err);
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
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %lld: %s", path, (long long)OGR_F_GetFID(f) + 1,
					  sqlite3_errmsg(ws->db));
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
