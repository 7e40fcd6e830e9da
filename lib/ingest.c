#include "ingest.h"
#include "source.h"
#include "text.h"

#include <cpl_error.h>
#include <gdal.h>
#include <limits.h>
#include <stdarg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The attributes ingest understands, and the names offices give them. */
enum role { R_COMMUNE, R_SHEET, R_PARCEL, R_AREA, R_LANDUSE, R_OWNER, R_CCCD, R_BIRTH_YEAR, R_GENDER, R_COUNT };

static const char *const role_label[R_COUNT] = {"commune code", "sheet number", "parcel number", "area",
						"land-use code", "owner name", "CCCD", "birth year", "gender"};

/* Map attribute names (compared as td_text_key: case-folded). */
static const char *const map_names[R_COUNT][4] = {
	[R_COMMUNE] = {"maxa", "ma_xa"},
	[R_SHEET] = {"soto", "so_to", "sohieutobando"},
	[R_PARCEL] = {"sothua", "so_thua", "sothututhua"},
	[R_AREA] = {"dientich", "dien_tich"},
	[R_LANDUSE] = {"loaidat", "loai_dat", "mdsd"},
};

/* Register column headers. */
static const char *const register_names[R_COUNT][4] = {
	[R_COMMUNE] = {"mã xã"},
	[R_SHEET] = {"số tờ"},
	[R_PARCEL] = {"số thửa"},
	[R_AREA] = {"diện tích"},
	[R_LANDUSE] = {"loại đất"},
	[R_OWNER] = {"họ tên chủ sử dụng"},
	[R_CCCD] = {"số cccd"},
	[R_BIRTH_YEAR] = {"năm sinh"},
	[R_GENDER] = {"giới tính"},
};

static void warn(td_ingest_summary *sum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(td_ingest_summary *sum, const char *fmt, ...)
{
	va_list ap;

	if (sum->nwarnings == TD_INGEST_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(sum->warnings[sum->nwarnings++], sizeof(sum->warnings[0]), fmt, ap);
	va_end(ap);
}

/* Field index per role for one layer definition; -1 where absent. */
static void find_fields(OGRFeatureDefnH defn, const char *const names[R_COUNT][4], int idx[R_COUNT])
{
	char key[256];

	for (int r = 0; r < R_COUNT; r++)
		idx[r] = -1;
	for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
		if (!td_text_key(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), key, sizeof(key)))
			continue;
		for (int r = 0; r < R_COUNT; r++)
			for (int k = 0; k < 4 && names[r][k]; k++)
				if (idx[r] < 0 && strcmp(key, names[r][k]) == 0)
					idx[r] = i;
	}
}

static const char *field_str(OGRFeatureH f, int i)
{
	return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : NULL;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A whole number, with surrounding spaces allowed. */
static int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	s = skip_space(s);
	v = strtol(s, &end, 10);
	if (end == s || *skip_space(end))
		return 0;
	*out = v;
	return 1;
}

/* A decimal number with a dot or a Vietnamese decimal comma: "123,4". */
static int parse_decimal(const char *s, double *out)
{
	char buf[64], *end;
	size_t n;

	s = skip_space(s);
	n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n + 1);
	if (!strchr(buf, '.')) {
		char *comma = strchr(buf, ',');
		if (comma && !strchr(comma + 1, ','))
			*comma = '.';
	}
	*out = strtod(buf, &end);
	return end != buf && *skip_space(end) == '\0';
}

/*
 * Commune codes are 5 digits; a numeric column drops the leading zeros
 * (Hà Nội's 00001), so put them back.
 */
static void commune_code(const char *s, char *buf, size_t size)
{
	size_t n;

	s = skip_space(s);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 0 && n < 5 && strspn(s, "0123456789") == n)
		snprintf(buf, size, "%0*d%.*s", (int)(5 - n), 0, (int)n, s);
	else
		snprintf(buf, size, "%.*s", (int)n, s);
}

/*
 * Register (or find) the source row for a dataset. Sets *skip when the same
 * bytes were ingested before; deletes the old rows when the file changed.
 */
static td_status source_row(td_ws *ws, GDALDatasetH ds, const char *path, const char *kind, const char *crs,
			    td_ingest_file *file, int64_t *source_id, int *skip, td_error *err)
{
	char real[PATH_MAX], sql[256];
	const char *id_path = realpath(path, real) ? real : path;
	sqlite3_stmt *st = NULL;
	int64_t size;
	td_status rc;

	*skip = 0;
	*source_id = 0;
	rc = td_source_checksum(ds, file->checksum, &size, err);
	if (rc != TD_OK)
		return rc;
	rc = td_ws_prepare(ws, "SELECT id, checksum, size FROM sources WHERE path = ?", &st, err);
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, id_path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*source_id = sqlite3_column_int64(st, 0);
		*skip = strcmp((const char *)sqlite3_column_text(st, 1), file->checksum) == 0 &&
			sqlite3_column_int64(st, 2) == size;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (*skip) {
		file->unchanged = 1;
		return TD_OK;
	}
	if (*source_id) {
		file->replaced = 1;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE source_id = %lld",
			 strcmp(kind, "map") == 0 ? "parcels" : "register_rows", (long long)*source_id);
		rc = td_ws_exec(ws, sql, err);
		if (rc != TD_OK)
			return rc;
	}
	rc = td_ws_prepare(ws,
			   "INSERT INTO sources (id, path, kind, reader, crs, checksum, size, records, run_id) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(path) DO UPDATE SET "
			   "reader = excluded.reader, crs = excluded.crs, checksum = excluded.checksum, "
			   "size = excluded.size, run_id = excluded.run_id",
			   &st, err);
	if (rc != TD_OK)
		return rc;
	if (*source_id)
		sqlite3_bind_int64(st, 1, *source_id);
	sqlite3_bind_text(st, 2, id_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, GDALGetDriverShortName(GDALGetDatasetDriver(ds)), -1, SQLITE_STATIC);
	if (crs)
		sqlite3_bind_text(st, 5, crs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, file->checksum, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, size);
	sqlite3_bind_int64(st, 8, ws->run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "record source", err);
	else if (!*source_id)
		*source_id = sqlite3_last_insert_rowid(ws->db);
	sqlite3_finalize(st);
	return rc;
}

static td_status set_records(td_ws *ws, int64_t source_id, long n, td_error *err)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE sources SET records = %ld WHERE id = %lld", n, (long long)source_id);
	return td_ws_exec(ws, sql, err);
}

static int is_polygonal(OGRwkbGeometryType t)
{
	t = wkbFlatten(t);
	return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface;
}

/* The transformation from the layer's CRS to the workspace's, or NULL if they agree. */
static td_status layer_transform(td_ws *ws, OGRLayerH layer, const td_ingest_options *opts, const char *path,
				 td_ingest_summary *sum, OGRCoordinateTransformationH *out, td_error *err)
{
	OGRSpatialReferenceH wsrs = OSRNewSpatialReference(NULL), given = NULL;
	OGRSpatialReferenceH src = OGR_L_GetSpatialRef(layer);
	td_status rc = TD_OK;

	*out = NULL;
	if (OSRSetFromUserInput(wsrs, ws->crs_wkt) != OGRERR_NONE) {
		rc = td_error_set(err, TD_ERR_WORKSPACE, "workspace '%s': its CRS cannot be read", ws->path);
		goto done;
	}
	if (opts->source_crs) {
		given = OSRNewSpatialReference(NULL);
		if (OSRSetFromUserInput(given, opts->source_crs) != OGRERR_NONE) {
			rc = td_error_set(err, TD_ERR_USAGE, "--source-crs '%s' is not a CRS GDAL knows",
					  opts->source_crs);
			goto done;
		}
		if (src && !OSRIsSame(src, given))
			warn(sum, "map '%s' declares its own CRS; --source-crs %s overrides it", path,
			     opts->source_crs);
		src = given;
	}
	if (!src) {
		warn(sum, "map '%s' names no CRS; assumed the workspace CRS %s (use --source-crs)", path,
		     ws->crs_name);
		snprintf(sum->map.crs, sizeof(sum->map.crs), "%s (assumed)", ws->crs_name);
		goto done;
	}
	snprintf(sum->map.crs, sizeof(sum->map.crs), "%s", OSRGetName(src) ? OSRGetName(src) : "?");
	if (OSRIsSame(src, wsrs))
		goto done;
	OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(wsrs, OAMS_TRADITIONAL_GIS_ORDER);
	*out = OCTNewCoordinateTransformation(src, wsrs);
	if (!*out)
		rc = td_error_set(err, TD_ERR_INPUT, "map '%s': cannot transform from %s to the workspace CRS: %s",
				  path, sum->map.crs, CPLGetLastErrorMsg());
done:
	OSRDestroySpatialReference(given);
	OSRDestroySpatialReference(wsrs);
	return rc;
}

/* Read one feature's keys; TD_ERR_INPUT names the feature and field. */
static td_status map_keys(OGRFeatureH f, const int idx[R_COUNT], const td_ingest_options *opts, const char *where,
			  char commune[16], long *sheet, long *parcel, td_error *err)
{
	const char *s;

	s = idx[R_COMMUNE] >= 0 ? field_str(f, idx[R_COMMUNE]) : opts->commune;
	if (!s || !*skip_space(s))
		return td_error_set(err, TD_ERR_INPUT, "%s: empty commune code", where);
	commune_code(s, commune, 16);
	s = field_str(f, idx[R_SHEET]);
	if (!s || !parse_long(s, sheet) || *sheet <= 0)
		return td_error_set(err, TD_ERR_INPUT, "%s: sheet number '%s' is not a positive whole number", where,
				    s ? s : "");
	s = field_str(f, idx[R_PARCEL]);
	if (!s || !parse_long(s, parcel) || *parcel <= 0)
		return td_error_set(err, TD_ERR_INPUT, "%s: parcel number '%s' is not a positive whole number",
				    where, s ? s : "");
	return TD_OK;
}

static td_status ingest_layer(td_ws *ws, OGRLayerH layer, const td_ingest_options *opts, int64_t source_id,
			      sqlite3_stmt *ins, td_progress_fn progress, void *arg, td_ingest_summary *sum,
			      td_error *err)
{
	OGRCoordinateTransformationH ct = NULL;
	OGRFeatureH f = NULL;
	unsigned char *wkb = NULL;
	size_t wkb_cap = 0;
	int idx[R_COUNT];
	GIntBig total = OGR_L_GetFeatureCount(layer, FALSE);
	char where[4400], commune[16];
	td_status rc;

	find_fields(OGR_L_GetLayerDefn(layer), map_names, idx);
	for (int r = R_COMMUNE; r <= R_PARCEL; r++)
		if (idx[r] < 0 && !(r == R_COMMUNE && opts->commune))
			return td_error_set(err, TD_ERR_INPUT,
					    "map '%s' layer '%s' has no %s field (expected one of %s%s%s%s%s)%s",
					    opts->map, OGR_L_GetName(layer), role_label[r], map_names[r][0],
					    map_names[r][1] ? ", " : "", map_names[r][1] ? map_names[r][1] : "",
					    map_names[r][2] ? ", " : "", map_names[r][2] ? map_names[r][2] : "",
					    r == R_COMMUNE ? "; or give --commune" : "");
	rc = layer_transform(ws, layer, opts, opts->map, sum, &ct, err);
	OGR_L_ResetReading(layer);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		OGRGeometryH g = OGR_F_GetGeometryRef(f);
		long sheet = 0, parcel = 0;
		double area;
		const char *s;

		snprintf(where, sizeof(where), "map '%s' layer '%s' feature %lld", opts->map, OGR_L_GetName(layer),
			 (long long)OGR_F_GetFID(f));
		rc = map_keys(f, idx, opts, where, commune, &sheet, &parcel, err);
		if (rc != TD_OK)
			break;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		if (g && !OGR_G_IsEmpty(g)) {
			size_t n;
			g = OGR_G_ForceToMultiPolygon(OGR_F_StealGeometry(f));
			if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
				OGR_G_DestroyGeometry(g);
				rc = td_error_set(err, TD_ERR_INPUT, "%s: cannot reproject: %s", where,
						  CPLGetLastErrorMsg());
				break;
			}
			n = (size_t)OGR_G_WkbSize(g);
			if (n > wkb_cap) {
				unsigned char *p = realloc(wkb, n);
				if (!p) {
					OGR_G_DestroyGeometry(g);
					rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
					break;
				}
				wkb = p;
				wkb_cap = n;
			}
			OGR_G_ExportToIsoWkb(g, wkbNDR, wkb);
			OGR_G_DestroyGeometry(g);
			sqlite3_bind_blob(ins, 1, wkb, (int)n, SQLITE_STATIC);
		}
		sqlite3_bind_int(ins, 2, ws->srs_id);
		sqlite3_bind_text(ins, 3, commune, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 4, sheet);
		sqlite3_bind_int64(ins, 5, parcel);
		if ((s = field_str(f, idx[R_LANDUSE])) != NULL && *skip_space(s))
			sqlite3_bind_text(ins, 6, skip_space(s), -1, SQLITE_TRANSIENT);
		if ((s = field_str(f, idx[R_AREA])) != NULL && *skip_space(s)) {
			if (!parse_decimal(s, &area)) {
				rc = td_error_set(err, TD_ERR_INPUT, "%s: area '%s' is not a number", where, s);
				break;
			}
			sqlite3_bind_double(ins, 7, area);
		}
		sqlite3_bind_int64(ins, 8, source_id);
		sqlite3_bind_int64(ins, 9, OGR_F_GetFID(f));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = td_ws_sqlerr(ws, where, err);
			break;
		}
		sum->map.records++;
		if (progress && sum->map.records % 1000 == 0 &&
		    !progress(total > 0 ? 0.5 * (double)sum->map.records / (double)total : 0, "ingest map", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
		OGR_F_Destroy(f);
		f = NULL;
	}
	OGR_F_Destroy(f);
	free(wkb);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	return rc;
}

static td_status ingest_map(td_ws *ws, const td_ingest_options *opts, td_progress_fn progress, void *arg,
			    td_ingest_summary *sum, td_error *err)
{
	GDALDatasetH ds = td_source_open_vector(opts->map, err);
	sqlite3_stmt *ins = NULL;
	int64_t source_id;
	int skip, layers = 0;
	td_status rc;

	if (!ds)
		return err->code;
	sum->map.given = 1;
	CPLPushErrorHandler(CPLQuietErrorHandler);
	rc = source_row(ws, ds, opts->map, "map", opts->source_crs, &sum->map, &source_id, &skip, err);
	if (rc != TD_OK || skip)
		goto done;
	rc = td_ws_prepare(ws,
			   "INSERT INTO parcels (geom, commune, sheet, parcel, landuse, map_area, source_id, "
			   "source_feature) VALUES (AsGPB(GeomFromWKB(?1, ?2)), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			   &ins, err);
	for (int i = 0; rc == TD_OK && i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);
		if (!is_polygonal(OGR_L_GetGeomType(layer))) {
			warn(sum, "map '%s': layer '%s' skipped: it holds no polygons", opts->map, OGR_L_GetName(layer));
			continue;
		}
		layers++;
		rc = ingest_layer(ws, layer, opts, source_id, ins, progress, arg, sum, err);
	}
	if (rc == TD_OK && layers == 0)
		rc = td_error_set(err, TD_ERR_INPUT, "map '%s' has no polygon layer", opts->map);
	if (rc == TD_OK)
		rc = set_records(ws, source_id, sum->map.records, err);
done:
	sqlite3_finalize(ins);
	CPLPopErrorHandler();
	GDALClose(ds);
	return rc;
}

static td_status bind_text_nfc(sqlite3_stmt *st, int col, const char *s, const char *where, const char *column,
			       td_error *err)
{
	char *nfc = NULL;

	if (!s || !*skip_space(s))
		return TD_OK;
	if (td_text_nfc(skip_space(s), &nfc, NULL) != TD_OK)
		return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': text is not valid UTF-8", where, column);
	sqlite3_bind_text(st, col, nfc, -1, free);
	return TD_OK;
}

/* Text columns of a register row and their parameter in the INSERT. */
static const struct {
	enum role role;
	int param;
} text_columns[] = {{R_LANDUSE, 7}, {R_OWNER, 8}, {R_CCCD, 9}, {R_GENDER, 11}};

static td_status register_row(td_ws *ws, OGRFeatureH f, const int idx[R_COUNT], const td_ingest_options *opts,
			      OGRFeatureDefnH defn, const char *where, sqlite3_stmt *ins, td_error *err)
{
	char commune[16];
	long sheet, parcel, year;
	double area;
	const char *s;
	td_status rc;

	rc = map_keys(f, idx, opts, where, commune, &sheet, &parcel, err);
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(ins, 3, commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 4, sheet);
	sqlite3_bind_int64(ins, 5, parcel);
	if ((s = field_str(f, idx[R_AREA])) != NULL && *skip_space(s)) {
		if (!parse_decimal(s, &area) || area < 0)
			return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': '%s' is not an area in m²", where,
					    OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, idx[R_AREA])), s);
		sqlite3_bind_double(ins, 6, area);
	}
	if ((s = field_str(f, idx[R_BIRTH_YEAR])) != NULL && *skip_space(s)) {
		if (!parse_long(s, &year) || year < 1800 || year > 2200)
			return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': '%s' is not a year", where,
					    OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, idx[R_BIRTH_YEAR])), s);
		sqlite3_bind_int64(ins, 10, year);
	}
	for (size_t i = 0; i < sizeof(text_columns) / sizeof(text_columns[0]) && rc == TD_OK; i++) {
		int r = text_columns[i].role;
		if (idx[r] >= 0)
			rc = bind_text_nfc(ins, text_columns[i].param, field_str(f, idx[r]), where,
					   OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, idx[r])), err);
	}
	return rc;
}

static td_status ingest_register(td_ws *ws, const td_ingest_options *opts, td_progress_fn progress, void *arg,
				 td_ingest_summary *sum, td_error *err)
{
	GDALDatasetH ds = td_source_open_csv(opts->register_path, err);
	sqlite3_stmt *ins = NULL;
	OGRLayerH layer;
	OGRFeatureDefnH defn;
	OGRFeatureH f = NULL;
	int64_t source_id;
	GIntBig total;
	int idx[R_COUNT], skip;
	char where[4200];
	td_status rc;

	if (!ds)
		return err->code;
	sum->reg.given = 1;
	CPLPushErrorHandler(CPLQuietErrorHandler);
	layer = GDALDatasetGetLayer(ds, 0);
	defn = OGR_L_GetLayerDefn(layer);
	find_fields(defn, register_names, idx);
	for (int r = R_COMMUNE; r <= R_PARCEL; r++)
		if (idx[r] < 0 && !(r == R_COMMUNE && opts->commune)) {
			rc = td_error_set(err, TD_ERR_INPUT, "register '%s' has no column '%s' in its header row",
					  opts->register_path, register_names[r][0]);
			goto done;
		}
	rc = source_row(ws, ds, opts->register_path, "register", NULL, &sum->reg, &source_id, &skip, err);
	if (rc != TD_OK || skip)
		goto done;
	rc = td_ws_prepare(ws,
			   "INSERT INTO register_rows (source_id, source_row, commune, sheet, parcel, area, landuse, "
			   "owner_name, cccd, birth_year, gender) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			   &ins, err);
	total = OGR_L_GetFeatureCount(layer, FALSE);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		/* GDAL numbers CSV data rows from 1; the header is spreadsheet row 1. */
		long row = (long)OGR_F_GetFID(f) + 1;
		snprintf(where, sizeof(where), "register '%s' row %ld", opts->register_path, row);
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_bind_int64(ins, 1, source_id);
		sqlite3_bind_int64(ins, 2, row);
		rc = register_row(ws, f, idx, opts, defn, where, ins, err);
		if (rc == TD_OK && sqlite3_step(ins) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, where, err);
		if (rc == TD_OK)
			sum->reg.records++;
		if (rc == TD_OK && progress && sum->reg.records % 1000 == 0 &&
		    !progress(0.5 + (total > 0 ? 0.5 * (double)sum->reg.records / (double)total : 0),
			      "ingest register", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
		OGR_F_Destroy(f);
		f = NULL;
	}
	if (rc == TD_OK)
		rc = set_records(ws, source_id, sum->reg.records, err);
done:
	OGR_F_Destroy(f);
	sqlite3_finalize(ins);
	CPLPopErrorHandler();
	GDALClose(ds);
	return rc;
}

static void summary_json(td_ingest_summary *sum)
{
	const td_ingest_file *files[2] = {&sum->map, &sum->reg};
	const char *names[2] = {"map", "register"};
	size_t n = (size_t)snprintf(sum->json, sizeof(sum->json), "{\"command\":\"ingest\"");

	for (int i = 0; i < 2 && n < sizeof(sum->json); i++)
		if (files[i]->given)
			n += (size_t)snprintf(sum->json + n, sizeof(sum->json) - n,
					      ",\"%s\":{\"records\":%ld,\"unchanged\":%s,\"replaced\":%s,"
					      "\"checksum\":\"%s\"}",
					      names[i], files[i]->records, files[i]->unchanged ? "true" : "false",
					      files[i]->replaced ? "true" : "false", files[i]->checksum);
	if (n < sizeof(sum->json))
		snprintf(sum->json + n, sizeof(sum->json) - n, ",\"warnings\":%d}", sum->nwarnings);
}

td_status td_ingest_run(td_ws *ws, const td_ingest_options *opts, td_progress_fn progress, void *arg,
			td_ingest_summary *sum, td_error *err)
{
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	if (!opts->map && !opts->register_path)
		return td_error_set(err, TD_ERR_USAGE, "nothing to ingest: give a map or a register");
	rc = td_ws_begin(ws, "ingest", err);
	if (rc == TD_OK && opts->map)
		rc = ingest_map(ws, opts, progress, arg, sum, err);
	if (rc == TD_OK && opts->register_path)
		rc = ingest_register(ws, opts, progress, arg, sum, err);
	summary_json(sum);
	/* Files that were all unchanged leave no trace, not even a run row. */
	if (rc == TD_OK && ((sum->map.given && !sum->map.unchanged) || (sum->reg.given && !sum->reg.unchanged)))
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK && progress)
		progress(1.0, "ingest", arg);
	return rc;
}
