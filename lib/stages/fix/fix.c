#include "fix.h"
#include "audit.h"
#include "encoding.h"
#include "exception.h"
#include "findings.h"
#include "identity.h"
#include "ini.h"
#include "layout.h"
#include "outfile.h"
#include "source.h"
#include "text.h"
#include "xlsx.h"

#include <ctype.h>
#include <gdal.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- settings ------------------------------------------------------------ */

void td_fix_settings_init(td_fix_settings *s)
{
	s->overlap_max_area = 50;
	s->gap_max_area = 50;
	s->sliver_max_width = 1.0;
	s->auto_max_hausdorff = 1.0;
	s->auto_attributes = 1;
}

void td_fix_options_init(td_fix_options *o)
{
	memset(o, 0, sizeof(*o));
	td_rule_settings_init(&o->rules);
	td_fix_settings_init(&o->fix);
}

struct loader {
	td_fix_settings *s;
	const char *path;
};

static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	const struct loader *l = arg;
	double *target = NULL;
	char *end;
	double v;

	if (strcmp(section, "fix") != 0 || !key)
		return TD_OK;
	if (strcmp(key, "auto_attributes") == 0) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: auto_attributes = '%s': expected yes or no", l->path, line,
					    value);
		l->s->auto_attributes = value[0] == 'y';
		return TD_OK;
	}
	if (strcmp(key, "overlap_max_area") == 0)
		target = &l->s->overlap_max_area;
	else if (strcmp(key, "gap_max_area") == 0)
		target = &l->s->gap_max_area;
	else if (strcmp(key, "sliver_max_width") == 0)
		target = &l->s->sliver_max_width;
	else if (strcmp(key, "auto_max_hausdorff") == 0)
		target = &l->s->auto_max_hausdorff;
	else
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [fix]", l->path, line,
				    key);
	v = strtod(value, &end);
	if (end == value || *end != '\0' || !isfinite(v) || v < 0)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: %s = '%s': expected a number >= 0", l->path, line,
				    key, value);
	*target = v;
	return TD_OK;
}

td_status td_fix_profile_load(td_fix_settings *s, const char *path, td_error *err)
{
	struct loader l = {s, path};
	return td_ini_parse(path, on_key, &l, err);
}

/* ---- tables -------------------------------------------------------------- */

/*
 * Made on first use, so workspaces made before fix existed get them too.
 * fix_proposals is a GeoPackage layer (the parcel after the fix), and the
 * view fix_proposals_before a second one (the parcel before), so QGIS shows
 * both.
 */
static const char schema_sql[] =
	"CREATE TABLE fix_proposals ("
	" fid INTEGER PRIMARY KEY AUTOINCREMENT,"
	" geom MULTIPOLYGON," /* the changed parcel after the fix; NULL for attributes */
	" before_geom BLOB,"  /* its parcels.geom before, byte for byte */
	" other_before BLOB," /* merge: the removed sliver's parcels.geom */
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('repair', 'cut', 'fill', 'merge', 'attribute')),"
	" rule_id TEXT NOT NULL,"
	" commune TEXT NOT NULL, sheet INTEGER, parcel INTEGER,"
	" other_sheet INTEGER, other_parcel INTEGER,"
	" target TEXT NOT NULL CHECK (target IN ('parcels', 'register_rows')),"
	" row_id INTEGER NOT NULL,"        /* parcels.fid or register_rows.id changed */
	" other_row INTEGER,"              /* merge: parcels.fid of the sliver removed */
	" field TEXT NOT NULL,"            /* geom, landuse, owner_name, cccd, area */
	" old_value TEXT, new_value TEXT," /* attributes */
	" area_before REAL, area_after REAL, area_change REAL,"
	" register_area REAL, register_diff_before REAL, register_diff_after REAL,"
	" hausdorff REAL,"
	" certificate INTEGER NOT NULL DEFAULT 0,"
	" auto INTEGER NOT NULL,"
	" reason TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('proposed', 'rejected', 'applied', 'undone')),"
	" applied_run INTEGER REFERENCES runs(id),"
	" undone_run INTEGER REFERENCES runs(id));"
	"CREATE INDEX fix_proposals_status ON fix_proposals(status, commune);"
	"CREATE VIEW fix_proposals_before AS SELECT fid, before_geom AS geom, kind, rule_id, commune, sheet, parcel, "
	" auto, reason, status FROM fix_proposals WHERE before_geom IS NOT NULL;"
	/* Every value an applied fix changed, so that it can be undone. */
	"CREATE TABLE IF NOT EXISTS parcel_history ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" proposal INTEGER REFERENCES fix_proposals(fid),"
	" target TEXT NOT NULL," /* parcels or register_rows */
	" row_id INTEGER NOT NULL,"
	" commune TEXT, sheet INTEGER, parcel INTEGER,"
	" field TEXT NOT NULL,"  /* a column, or 'removed' for a parcel taken out (fix_removed_parcels) */
	" old_value, new_value," /* as stored: geometry blobs byte for byte */
	" undone_run INTEGER REFERENCES runs(id));"
	"CREATE INDEX IF NOT EXISTS parcel_history_run ON parcel_history(run_id);"
	"CREATE INDEX IF NOT EXISTS parcel_history_key ON parcel_history(commune, sheet, parcel);";

static td_status register_layers(td_ws *ws, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(
		ws,
		"INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
		"srs_id) VALUES ('fix_proposals', 'features', 'fix_proposals', 'Đề xuất sửa (sau)', ?1), "
		"('fix_proposals_before', 'features', 'fix_proposals_before', 'Đề xuất sửa (trước)', ?1);",
		&st, err);

	if (rc == TD_OK) {
		sqlite3_bind_int(st, 1, ws->srs_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "register fix layers", err);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES "
				   "('fix_proposals', 'geom', 'MULTIPOLYGON', ?1, 0, 0), "
				   "('fix_proposals_before', 'geom', 'MULTIPOLYGON', ?1, 0, 0)",
				   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_int(st, 1, ws->srs_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "register fix layers", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The layers' QGIS styles (schemas/qgis/<layer>.qml) as their defaults in
 * layer_styles, the table QGIS reads styles from in a GeoPackage: the
 * parcel after a fix green, before it a red outline.
 */
static td_status add_styles(td_ws *ws, td_error *err)
{
	static const char *const layers[] = {"fix_proposals", "fix_proposals_before"};
	sqlite3_stmt *st = NULL;
	char path[4096], name[64], *qml = NULL;
	td_status rc = td_ws_exec(ws,
				  "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
				  "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
				  "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
				  "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
				  "update_time DATETIME DEFAULT CURRENT_TIMESTAMP);"
				  "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
				  "VALUES ('layer_styles', 'attributes', 'layer_styles')",
				  err);

	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
			"f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) "
			"VALUES ('', '', ?1, 'geom', ?1, ?2, '', 1, 'thuadat fix', '')",
			&st, err);
	for (size_t i = 0; rc == TD_OK && i < sizeof(layers) / sizeof(layers[0]); i++) {
		FILE *f;
		size_t n;
		snprintf(name, sizeof(name), "qgis/%s.qml", layers[i]);
		rc = td_ctx_schema_file(ws->ctx, name, path, sizeof(path), err);
		if (rc != TD_OK)
			break;
		f = fopen(path, "rb");
		qml = f ? malloc(65536) : NULL;
		n = qml ? fread(qml, 1, 65535, f) : 0;
		if (!f || !qml || ferror(f) || !feof(f))
			rc = td_error_set(err, TD_ERR_USAGE, "cannot read QGIS style '%s'", path);
		if (f)
			fclose(f);
		if (rc == TD_OK) {
			qml[n] = '\0';
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, layers[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, qml, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = td_ws_sqlerr(ws, "store QGIS style", err);
		}
		free(qml);
		qml = NULL;
	}
	sqlite3_finalize(st);
	return rc;
}

static int table_exists(td_ws *ws, const char *name)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if (sqlite3_prepare_v2(ws->db, "SELECT 1 FROM sqlite_master WHERE name = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

static td_status ensure_schema(td_ws *ws, td_error *err)
{
	td_status rc = TD_OK;

	if (!table_exists(ws, "fix_proposals")) {
		rc = td_ws_exec(ws, schema_sql, err);
		if (rc == TD_OK)
			rc = register_layers(ws, err);
		if (rc == TD_OK)
			rc = add_styles(ws, err);
	}
	if (rc == TD_OK)
		rc = td_exception_schema(ws, err);
	return rc;
}

/*
 * Parcels a merge removes are kept here with every column parcels has, so
 * undo can put them back with the same fid. Columns parcels gained since
 * the table was made are added to it.
 */
static td_status removed_table(td_ws *ws, char *cols, size_t size, td_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	td_status rc;
	char sql[512];

	cols[0] = '\0';
	rc = td_ws_exec(ws,
			"CREATE TABLE IF NOT EXISTS fix_removed_parcels (run_id INTEGER NOT NULL, proposal INTEGER, "
			"fid INTEGER NOT NULL)",
			err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT p.name, EXISTS (SELECT 1 FROM pragma_table_info('fix_removed_parcels') r "
				   "WHERE r.name = p.name) FROM pragma_table_info('parcels') p ORDER BY p.cid",
				   &st, err);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789") != strlen(name))
			rc = td_error_set(err, TD_ERR_INTERNAL, "parcels has a column named '%s'", name);
		else if (n + strlen(name) + 2 >= size)
			rc = td_error_set(err, TD_ERR_INTERNAL, "parcels has too many columns");
		if (rc != TD_OK)
			break;
		n += (size_t)snprintf(cols + n, size - n, "%s%s", n ? ", " : "", name);
		if (!sqlite3_column_int(st, 1)) {
			snprintf(sql, sizeof(sql), "ALTER TABLE fix_removed_parcels ADD COLUMN %s", name);
			rc = td_ws_exec(ws, sql, err);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- geometry: WKB in, cleaned GEOS out, oriented WKB back ---------------- */

struct ring {
	double *xy; /* n points */
	size_t n;
};

struct poly {
	struct ring *rings; /* [0] the shell */
	size_t nrings;
};

struct shape {
	struct poly *polys;
	size_t npolys;
};

static void shape_free(struct shape *s)
{
	for (size_t i = 0; i < s->npolys; i++) {
		for (size_t k = 0; k < s->polys[i].nrings; k++)
			free(s->polys[i].rings[k].xy);
		free(s->polys[i].rings);
	}
	free(s->polys);
	memset(s, 0, sizeof(*s));
}

struct rd {
	const unsigned char *p, *end;
};

static int rd_u32(struct rd *r, int big, uint32_t *v)
{
	if (r->end - r->p < 4)
		return 0;
	*v = big ? (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3]
		 : (uint32_t)r->p[3] << 24 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[1] << 8 | r->p[0];
	r->p += 4;
	return 1;
}

static double rd_f64(const unsigned char *b, int big)
{
	unsigned char t[8];
	double d;

	for (int i = 0; i < 8; i++)
		t[i] = big ? b[7 - i] : b[i];
	memcpy(&d, t, 8);
	return d;
}

/* Byte order, type (1-7) and coordinate count of the next geometry header. */
static int rd_header(struct rd *r, int *big, uint32_t *type, unsigned *dims)
{
	uint32_t t;

	if (r->p >= r->end || *r->p > 1)
		return 0;
	*big = *r->p++ == 0;
	if (!rd_u32(r, *big, &t))
		return 0;
	*dims = 2;
	if (t & 0x20000000u) { /* EWKB SRID */
		uint32_t srid;
		if (!rd_u32(r, *big, &srid))
			return 0;
	}
	if (t & 0x80000000u)
		(*dims)++;
	if (t & 0x40000000u)
		(*dims)++;
	t &= 0x0fffffffu;
	if (t >= 3000)
		*dims += 2;
	else if (t >= 1000)
		(*dims)++;
	*type = t % 1000;
	return 1;
}

static int rd_polygon(struct rd *r, int big, unsigned dims, struct poly *out)
{
	uint32_t nrings;

	if (!rd_u32(r, big, &nrings) || nrings > (size_t)(r->end - r->p) / 4)
		return 0;
	out->rings = calloc(nrings ? nrings : 1, sizeof(*out->rings));
	if (!out->rings)
		return 0;
	out->nrings = nrings;
	for (uint32_t k = 0; k < nrings; k++) {
		uint32_t n;
		struct ring *rg = &out->rings[k];
		if (!rd_u32(r, big, &n) || n > (size_t)(r->end - r->p) / (8 * dims))
			return 0;
		rg->xy = malloc(2 * sizeof(double) * (n ? n : 1));
		if (!rg->xy)
			return 0;
		for (uint32_t i = 0; i < n; i++, r->p += 8 * dims) {
			rg->xy[2 * i] = rd_f64(r->p, big);
			rg->xy[2 * i + 1] = rd_f64(r->p + 8, big);
		}
		rg->n = n;
	}
	return 1;
}

/* Read a POLYGON or MULTIPOLYGON WKB into s (freed by shape_free, also on failure). */
static int shape_read(const unsigned char *wkb, size_t len, struct shape *s)
{
	struct rd r = {wkb, wkb + len};
	uint32_t type, n = 1;
	unsigned dims;
	int big;

	memset(s, 0, sizeof(*s));
	if (!rd_header(&r, &big, &type, &dims) || (type != 3 && type != 6))
		return 0;
	if (type == 6 && (!rd_u32(&r, big, &n) || n > len))
		return 0;
	s->polys = calloc(n ? n : 1, sizeof(*s->polys));
	if (!s->polys)
		return 0;
	s->npolys = n;
	for (uint32_t i = 0; i < n; i++) {
		int pbig = big;
		unsigned pdims = dims;
		if (type == 6 && (!rd_header(&r, &pbig, &type, &pdims) || type != 3))
			return 0;
		if (!rd_polygon(&r, pbig, pdims, &s->polys[i]))
			return 0;
		type = 6;
	}
	return 1;
}

static double ring_area2(const double *xy, size_t n)
{
	double a = 0;
	for (size_t i = 0; i + 1 < n; i++)
		a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
	if (n > 2 && (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]))
		a += xy[2 * n - 2] * xy[1] - xy[0] * xy[2 * n - 1];
	return a;
}

/* The area the rings enclose as drawn: shells minus holes (a bow-tie's halves cancel out). */
static double shape_area(const struct shape *s)
{
	double a = 0;
	for (size_t i = 0; i < s->npolys; i++)
		for (size_t k = 0; k < s->polys[i].nrings; k++) {
			double r = fabs(ring_area2(s->polys[i].rings[k].xy, s->polys[i].rings[k].n)) / 2;
			a += k == 0 ? r : -r;
		}
	return a;
}

/* A ring without repeated vertices, closed, as GEOS; NULL when fewer than 3 distinct points remain. */
static GEOSGeometry *clean_ring(GEOSContextHandle_t h, const struct ring *rg)
{
	GEOSCoordSequence *cs;
	size_t m = 0;
	double *p = malloc(2 * sizeof(double) * (rg->n + 1));

	if (!p)
		return NULL;
	for (size_t i = 0; i < rg->n; i++) {
		double x = rg->xy[2 * i], y = rg->xy[2 * i + 1];
		if (!isfinite(x) || !isfinite(y)) {
			free(p);
			return NULL;
		}
		if (m > 0 && p[2 * m - 2] == x && p[2 * m - 1] == y)
			continue;
		p[2 * m] = x;
		p[2 * m + 1] = y;
		m++;
	}
	if (m > 1 && p[0] == p[2 * m - 2] && p[1] == p[2 * m - 1])
		m--; /* closed below, once */
	if (m < 3) {
		free(p);
		return NULL;
	}
	p[2 * m] = p[0];
	p[2 * m + 1] = p[1];
	cs = GEOSCoordSeq_create_r(h, (unsigned)(m + 1), 2);
	for (size_t i = 0; cs && i <= m; i++)
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, p[2 * i], p[2 * i + 1]);
	free(p);
	return cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
}

/* The parcel as drawn, rings cleaned and closed (may be invalid); NULL when nothing is left. */
static GEOSGeometry *shape_geos(GEOSContextHandle_t h, const struct shape *s)
{
	GEOSGeometry **polys = calloc(s->npolys ? s->npolys : 1, sizeof(*polys));
	GEOSGeometry *out = NULL;
	unsigned np = 0;

	if (!polys)
		return NULL;
	for (size_t i = 0; i < s->npolys; i++) {
		const struct poly *pl = &s->polys[i];
		GEOSGeometry *shell = pl->nrings ? clean_ring(h, &pl->rings[0]) : NULL;
		GEOSGeometry **holes;
		unsigned nh = 0;
		if (!shell)
			continue;
		holes = calloc(pl->nrings ? pl->nrings : 1, sizeof(*holes));
		if (!holes) {
			GEOSGeom_destroy_r(h, shell);
			continue;
		}
		for (size_t k = 1; k < pl->nrings; k++) {
			GEOSGeometry *hole = clean_ring(h, &pl->rings[k]);
			if (hole)
				holes[nh++] = hole;
		}
		polys[np] = GEOSGeom_createPolygon_r(h, shell, holes, nh);
		if (polys[np])
			np++;
		free(holes);
	}
	if (np > 0)
		out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, np);
	free(polys);
	return out;
}

/* The polygons of g (a polygon, multipolygon or collection) as one MULTIPOLYGON, or NULL when it has none. */
static GEOSGeometry *polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	int n = GEOSGetNumGeometries_r(h, g), np = 0;
	GEOSGeometry **parts = calloc(n > 0 ? (size_t)n : 1, sizeof(*parts));
	GEOSGeometry *out = NULL;

	if (!parts)
		return NULL;
	for (int i = 0; i < n; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
		int t = GEOSGeomTypeId_r(h, p);
		if (t == GEOS_POLYGON && !GEOSisEmpty_r(h, p))
			parts[np++] = GEOSGeom_clone_r(h, p);
		else if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
			GEOSGeometry *sub = polygonal(h, p);
			for (int k = 0; sub && k < GEOSGetNumGeometries_r(h, sub); k++) {
				GEOSGeometry **grown = realloc(parts, (size_t)(n + np + 1 + k) * sizeof(*parts));
				if (!grown)
					break;
				parts = grown;
				parts[np++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, sub, k));
			}
			GEOSGeom_destroy_r(h, sub);
		}
	}
	if (np > 0)
		out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)np);
	free(parts);
	return out;
}

struct buf {
	unsigned char *b;
	size_t n, cap;
};

static int put(struct buf *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		unsigned char *g;
		while (cap < w->n + n)
			cap *= 2;
		g = realloc(w->b, cap);
		if (!g)
			return 0;
		w->b = g;
		w->cap = cap;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
	return 1;
}

/* Written byte by byte: the WKB is little-endian whatever the machine's byte order. */
static int put_u32(struct buf *w, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	return put(w, b, 4);
}

static int put_f64(struct buf *w, double d)
{
	uint64_t u;
	unsigned char b[8];

	memcpy(&u, &d, 8);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	return put(w, b, 8);
}

/* A ring with repeated vertices dropped, counter-clockwise when ccw, else clockwise. */
static int put_ring(GEOSContextHandle_t h, struct buf *w, const GEOSGeometry *ring, int ccw)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned n = 0, m = 0;
	char is_ccw = 0;
	double *p;
	int ok;

	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 4 || !GEOSCoordSeq_isCCW_r(h, cs, &is_ccw))
		return 0;
	p = malloc(2 * sizeof(double) * n);
	if (!p)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, cs, is_ccw == ccw ? i : n - 1 - i, &x, &y);
		if (m > 0 && p[2 * m - 2] == x && p[2 * m - 1] == y)
			continue;
		p[2 * m] = x;
		p[2 * m + 1] = y;
		m++;
	}
	ok = put_u32(w, m);
	for (unsigned i = 0; ok && i < m; i++)
		ok = put_f64(w, p[2 * i]) && put_f64(w, p[2 * i + 1]);
	free(p);
	return ok;
}

/* g (polygonal) as 2D little-endian MULTIPOLYGON WKB: shells counter-clockwise, holes clockwise. */
static int write_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, struct buf *w)
{
	int n = GEOSGetNumGeometries_r(h, g), ok;
	unsigned char le = 1;

	w->n = 0;
	ok = put(w, &le, 1) && put_u32(w, 6) && put_u32(w, (uint32_t)n);
	for (int i = 0; ok && i < n; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
		int nh = GEOSGetNumInteriorRings_r(h, p);
		ok = put(w, &le, 1) && put_u32(w, 3) && put_u32(w, (uint32_t)(nh + 1)) &&
		     put_ring(h, w, GEOSGetExteriorRing_r(h, p), 1);
		for (int k = 0; ok && k < nh; k++)
			ok = put_ring(h, w, GEOSGetInteriorRingN_r(h, p, k), 0);
	}
	return ok;
}

/* ---- one commune's geometry proposals ------------------------------------- */

struct fparcel {
	long long fid;
	long sheet, parcel;
	unsigned char *wkb;
	size_t len;
	double minx, miny, maxx, maxy;
	int readable; /* the WKB could be read */
	int dup;      /* the key is on the map more than once: no proposal touches it */
	int has_reg_area, cert, in_register;
	double reg_area;
	GEOSGeometry *g; /* built on first use */
	int built, valid;
	int touched; /* a proposal of this run changes it already */
};

struct ffinding {
	td_rule_id rule;
	long sheet, parcel, other_sheet, other_parcel;
	int has_other;
	double value;
	unsigned char *area; /* WKB of the overlap / gap, or NULL */
	size_t area_len;
};

typedef struct fixer {
	td_ws *ws;
	GEOSContextHandle_t h;
	const td_fix_options *o;
	td_fix_summary *sum;
	char commune[16];
	struct fparcel *p;
	size_t n, cap;
	struct ffinding *f;
	size_t nf, fcap;
	sqlite3_stmt *load, *findings, *ins;
	struct buf wkb;
} fixer;

static void commune_clear(fixer *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->p[i].wkb);
		if (x->p[i].g)
			GEOSGeom_destroy_r(x->h, x->p[i].g);
	}
	for (size_t i = 0; i < x->nf; i++)
		free(x->f[i].area);
	x->n = x->nf = 0;
}

static int geom_rule(td_rule_id r)
{
	return r == TD_RULE_GEOM_RING_NOT_CLOSED || r == TD_RULE_GEOM_TOO_FEW_POINTS ||
	       r == TD_RULE_GEOM_SELF_INTERSECTION || r == TD_RULE_GEOM_INVALID || r == TD_RULE_GEOM_DUPLICATE_VERTEX;
}

static td_status nomem(td_error *err)
{
	return td_error_set(err, TD_ERR_NOMEM, "out of memory");
}

static td_status load_commune(fixer *x, const char *commune, td_error *err)
{
	sqlite3_stmt *st = x->load;
	int step;

	commune_clear(x);
	snprintf(x->commune, sizeof(x->commune), "%s", commune);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct fparcel *p;
		const void *wkb = sqlite3_column_blob(st, 3);
		int len = sqlite3_column_bytes(st, 3);
		struct shape s;
		if (x->n == x->cap) {
			size_t cap = x->cap ? 2 * x->cap : 1024;
			struct fparcel *g = realloc(x->p, cap * sizeof(*g));
			if (!g)
				return nomem(err);
			x->p = g;
			x->cap = cap;
		}
		p = &x->p[x->n];
		memset(p, 0, sizeof(*p));
		p->fid = sqlite3_column_int64(st, 0);
		p->sheet = (long)sqlite3_column_int64(st, 1);
		p->parcel = (long)sqlite3_column_int64(st, 2);
		p->has_reg_area = sqlite3_column_type(st, 4) != SQLITE_NULL;
		p->reg_area = sqlite3_column_double(st, 4);
		p->cert = sqlite3_column_int(st, 5);
		p->in_register = sqlite3_column_int(st, 6);
		x->n++;
		if (!wkb || len <= 0)
			continue;
		p->wkb = malloc((size_t)len);
		if (!p->wkb)
			return nomem(err);
		memcpy(p->wkb, wkb, (size_t)len);
		p->len = (size_t)len;
		if (shape_read(p->wkb, p->len, &s)) {
			p->minx = p->miny = INFINITY;
			p->maxx = p->maxy = -INFINITY;
			for (size_t i = 0; i < s.npolys; i++)
				for (size_t k = 0; k < s.polys[i].nrings; k++)
					for (size_t v = 0; v < s.polys[i].rings[k].n; v++) {
						double vx = s.polys[i].rings[k].xy[2 * v],
						       vy = s.polys[i].rings[k].xy[2 * v + 1];
						p->minx = fmin(p->minx, vx);
						p->maxx = fmax(p->maxx, vx);
						p->miny = fmin(p->miny, vy);
						p->maxy = fmax(p->maxy, vy);
					}
			p->readable = p->minx <= p->maxx;
		}
		shape_free(&s);
	}
	if (step != SQLITE_DONE)
		return td_ws_sqlerr(x->ws, "read parcels", err);
	for (size_t i = 0; i < x->n; i++)
		x->p[i].dup =
			(i > 0 && x->p[i - 1].sheet == x->p[i].sheet && x->p[i - 1].parcel == x->p[i].parcel) ||
			(i + 1 < x->n && x->p[i + 1].sheet == x->p[i].sheet && x->p[i + 1].parcel == x->p[i].parcel);

	st = x->findings;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct ffinding *f;
		const td_rule *r = td_rule_find((const char *)sqlite3_column_text(st, 0));
		const void *area = sqlite3_column_blob(st, 6);
		int alen = sqlite3_column_bytes(st, 6);
		if (!r)
			continue;
		if (x->nf == x->fcap) {
			size_t cap = x->fcap ? 2 * x->fcap : 64;
			struct ffinding *g = realloc(x->f, cap * sizeof(*g));
			if (!g)
				return nomem(err);
			x->f = g;
			x->fcap = cap;
		}
		f = &x->f[x->nf++];
		memset(f, 0, sizeof(*f));
		f->rule = r->id;
		f->sheet = (long)sqlite3_column_int64(st, 1);
		f->parcel = (long)sqlite3_column_int64(st, 2);
		f->has_other = sqlite3_column_type(st, 3) != SQLITE_NULL;
		f->other_sheet = (long)sqlite3_column_int64(st, 3);
		f->other_parcel = (long)sqlite3_column_int64(st, 4);
		f->value = sqlite3_column_double(st, 5);
		if (area && alen > 0) {
			f->area = malloc((size_t)alen);
			if (!f->area)
				return nomem(err);
			memcpy(f->area, area, (size_t)alen);
			f->area_len = (size_t)alen;
		}
	}
	if (step != SQLITE_DONE)
		return td_ws_sqlerr(x->ws, "read findings", err);
	return TD_OK;
}

static struct fparcel *find_parcel(fixer *x, long sheet, long parcel)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->p[mid].sheet < sheet || (x->p[mid].sheet == sheet && x->p[mid].parcel < parcel))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && x->p[lo].sheet == sheet && x->p[lo].parcel == parcel ? &x->p[lo] : NULL;
}

/* The parcel's GEOS geometry when it is valid (built once); NULL otherwise. */
static const GEOSGeometry *valid_geom(fixer *x, struct fparcel *p)
{
	if (!p->built) {
		p->built = 1;
		if (p->readable) {
			p->g = GEOSGeomFromWKB_buf_r(x->h, p->wkb, p->len);
			p->valid = p->g && GEOSisValid_r(x->h, p->g) == 1 && !GEOSisEmpty_r(x->h, p->g);
		}
	}
	return p->valid ? p->g : NULL;
}

static double area_of(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	double a = 0;
	if (!g || GEOSArea_r(h, g, &a) != 1)
		return NAN;
	return a;
}

static double overlay_area(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b, int difference)
{
	GEOSGeometry *r = difference ? GEOSDifference_r(h, a, b) : GEOSIntersection_r(h, a, b);
	double v = area_of(h, r);
	if (r)
		GEOSGeom_destroy_r(h, r);
	return v;
}

static int boxes_meet(const struct fparcel *p, double minx, double miny, double maxx, double maxy)
{
	const double e = 0.01;
	return p->readable && p->minx <= maxx + e && p->maxx >= minx - e && p->miny <= maxy + e && p->maxy >= miny - e;
}

static int envelope(GEOSContextHandle_t h, const GEOSGeometry *g, double *minx, double *miny, double *maxx,
		    double *maxy)
{
	return GEOSGeom_getXMin_r(h, g, minx) && GEOSGeom_getYMin_r(h, g, miny) && GEOSGeom_getXMax_r(h, g, maxx) &&
	       GEOSGeom_getYMax_r(h, g, maxy);
}

/*
 * Re-check a changed parcel against its neighbours: no overlap above the
 * tolerance that it did not have before (old NULL: it had none), and no
 * part it gave up left uncovered above the gap tolerance. skip: a parcel
 * the proposal removes, or NULL. Writes why into why on failure.
 */
static int recheck(fixer *x, const struct fparcel *self, const struct fparcel *skip, const GEOSGeometry *old,
		   const GEOSGeometry *newg, char *why, size_t size)
{
	GEOSContextHandle_t h = x->h;
	const td_rule_settings *r = &x->o->rules;
	double minx, miny, maxx, maxy;
	GEOSGeometry *lost = NULL;
	int ok = 1;

	if (!envelope(h, newg, &minx, &miny, &maxx, &maxy))
		return 0;
	if (old) {
		lost = GEOSDifference_r(h, old, newg);
		if (!lost)
			return 0;
		if (area_of(h, lost) <= r->gap_min_area) {
			GEOSGeom_destroy_r(h, lost);
			lost = NULL;
		}
	}
	for (size_t i = 0; ok && i < x->n; i++) {
		struct fparcel *q = &x->p[i];
		const GEOSGeometry *qg;
		double now, before = 0;
		if (q == self || q == skip || !boxes_meet(q, minx, miny, maxx, maxy) || !(qg = valid_geom(x, q)))
			continue;
		now = overlay_area(h, newg, qg, 0);
		if (old)
			before = overlay_area(h, old, qg, 0);
		if (isnan(now) || isnan(before)) {
			ok = 0;
			snprintf(why, size, "the re-check could not compare it with parcel %ld/%ld", q->sheet,
				 q->parcel);
		} else if (now - before > r->overlap_min_area) {
			ok = 0;
			snprintf(why, size, "it would overlap parcel %s/%ld/%ld by %.2f m²", x->commune, q->sheet,
				 q->parcel, now - before);
		}
		if (ok && lost) {
			GEOSGeometry *rest = GEOSDifference_r(h, lost, qg);
			if (rest) {
				GEOSGeom_destroy_r(h, lost);
				lost = rest;
			}
		}
	}
	if (ok && lost && area_of(h, lost) > r->gap_min_area) {
		ok = 0;
		snprintf(why, size, "it would leave a gap of %.2f m²", area_of(h, lost));
	}
	if (lost)
		GEOSGeom_destroy_r(h, lost);
	return ok;
}

/* Hausdorff distance between the boundaries (a parcel's outline moves by at most this); NAN if GEOS fails. */
static double boundary_hausdorff(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSGeometry *ba = GEOSBoundary_r(h, a), *bb = GEOSBoundary_r(h, b);
	double d = NAN;

	if (!ba || !bb || GEOSHausdorffDistance_r(h, ba, bb, &d) != 1)
		d = NAN;
	if (ba)
		GEOSGeom_destroy_r(h, ba);
	if (bb)
		GEOSGeom_destroy_r(h, bb);
	return d;
}

/* Width of a polygon: the diameter of its maximum inscribed circle. */
static double width_of(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	GEOSGeometry *line = GEOSMaximumInscribedCircle_r(h, g, 0.01);
	double len = NAN;

	if (line && GEOSLength_r(h, line, &len) != 1)
		len = NAN;
	if (line)
		GEOSGeom_destroy_r(h, line);
	return 2 * len;
}

/* Length of the boundary a and b share. */
static double shared_border(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSGeometry *ba = GEOSBoundary_r(h, a), *bb = GEOSBoundary_r(h, b), *common = NULL;
	double len = 0;

	if (ba && bb)
		common = GEOSIntersection_r(h, ba, bb);
	if (!common || GEOSLength_r(h, common, &len) != 1)
		len = 0;
	if (ba)
		GEOSGeom_destroy_r(h, ba);
	if (bb)
		GEOSGeom_destroy_r(h, bb);
	if (common)
		GEOSGeom_destroy_r(h, common);
	return len;
}

/* One geometry proposal being made. */
struct gprop {
	const char *kind;
	td_rule_id rule;
	struct fparcel *p;     /* the parcel changed */
	struct fparcel *other; /* cut: the parcel kept; fill: NULL; merge: the sliver removed */
	double area_before;    /* NAN when the parcel was not valid */
	int was_valid;
	const char *why; /* the fix in words, for reason */
};

/* Decide automatic or review, then write the proposal. after: the new geometry (MULTIPOLYGON). */
static td_status propose_geom(fixer *x, const struct gprop *gp, const GEOSGeometry *before, GEOSGeometry *after,
			      td_error *err)
{
	GEOSContextHandle_t h = x->h;
	const td_rule_settings *r = &x->o->rules;
	struct fparcel *p = gp->p;
	double area_after, ref, tol, change, haus;
	char reason[512], verdict[256];
	int is_auto, change_ok;
	sqlite3_stmt *st = x->ins;
	GEOSGeometry *stored;

	if (!write_wkb(h, after, &x->wkb))
		return nomem(err);
	/* Measure what will be stored, not the overlay's own result. */
	stored = GEOSGeomFromWKB_buf_r(h, x->wkb.b, x->wkb.n);
	if (!stored || GEOSisValid_r(h, stored) != 1) {
		if (stored)
			GEOSGeom_destroy_r(h, stored);
		x->sum->not_proposed++;
		return TD_OK;
	}
	if (!recheck(x, p, gp->kind[0] == 'm' ? gp->other : NULL, gp->was_valid ? before : NULL, stored, verdict,
		     sizeof(verdict))) {
		GEOSGeom_destroy_r(h, stored);
		x->sum->not_proposed++;
		return TD_OK;
	}
	area_after = area_of(h, stored);
	haus = boundary_hausdorff(h, before, stored);
	GEOSGeom_destroy_r(h, stored);
	ref = gp->was_valid ? gp->area_before : p->has_reg_area ? p->reg_area : NAN;
	tol = isnan(ref) ? NAN : td_rule_area_tolerance(r, ref);
	change = isnan(ref) ? NAN : area_after - ref;
	/* Register areas are written to 0.1 m²: compare at that precision, as check does. */
	change_ok = !isnan(change) && fabs(change) - tol <= 0.05;
	is_auto = change_ok && !isnan(haus) && haus <= x->o->fix.auto_max_hausdorff;
	if (gp->kind[0] == 'm' && gp->other->in_register)
		is_auto = 0;
	if (is_auto)
		snprintf(verdict, sizeof(verdict),
			 "automatic: area change %.2f m² within %.2f m², boundary moves %.2f m", change, tol, haus);
	else if (isnan(change))
		snprintf(verdict, sizeof(verdict), "review: no area to compare with");
	else if (!change_ok && p->cert)
		snprintf(verdict, sizeof(verdict),
			 "review only: certificate issued and the area changes by %.2f m², beyond %.2f m²", change,
			 tol);
	else if (!change_ok)
		snprintf(verdict, sizeof(verdict), "review: the area changes by %.2f m², beyond %.2f m²", change, tol);
	else if (gp->kind[0] == 'm' && gp->other->in_register)
		snprintf(verdict, sizeof(verdict), "review: parcel %ld/%ld is in the register and would be removed",
			 gp->other->sheet, gp->other->parcel);
	else
		snprintf(verdict, sizeof(verdict), "review: the boundary moves %.2f m, more than %.2f m", haus,
			 x->o->fix.auto_max_hausdorff);
	snprintf(reason, sizeof(reason), "%s; %s", gp->why, verdict);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_blob(st, 1, x->wkb.b, (int)x->wkb.n, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, x->ws->srs_id);
	sqlite3_bind_int64(st, 3, p->fid);
	if (gp->kind[0] == 'm')
		sqlite3_bind_int64(st, 4, gp->other->fid);
	sqlite3_bind_int64(st, 5, x->ws->run_id);
	sqlite3_bind_text(st, 6, gp->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, td_rule_get(gp->rule)->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, x->commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, p->sheet);
	sqlite3_bind_int64(st, 10, p->parcel);
	if (gp->other) {
		sqlite3_bind_int64(st, 11, gp->other->sheet);
		sqlite3_bind_int64(st, 12, gp->other->parcel);
	}
	sqlite3_bind_text(st, 13, "parcels", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, p->fid);
	if (gp->kind[0] == 'm')
		sqlite3_bind_int64(st, 15, gp->other->fid);
	sqlite3_bind_text(st, 16, "geom", -1, SQLITE_STATIC);
	if (!isnan(gp->area_before))
		sqlite3_bind_double(st, 19, gp->area_before);
	sqlite3_bind_double(st, 20, area_after);
	if (!isnan(gp->area_before))
		sqlite3_bind_double(st, 21, area_after - gp->area_before);
	if (p->has_reg_area) {
		sqlite3_bind_double(st, 22, p->reg_area);
		if (!isnan(gp->area_before))
			sqlite3_bind_double(st, 23, fabs(gp->area_before - p->reg_area));
		sqlite3_bind_double(st, 24, fabs(area_after - p->reg_area));
	}
	if (!isnan(haus))
		sqlite3_bind_double(st, 25, haus);
	sqlite3_bind_int(st, 26, p->cert);
	sqlite3_bind_int(st, 27, is_auto);
	sqlite3_bind_text(st, 28, reason, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(x->ws, "insert fix proposal", err);
	p->touched = 1;
	if (gp->kind[0] == 'm')
		gp->other->touched = 1;
	x->sum->proposed++;
	x->sum->by_rule[gp->rule]++;
	if (is_auto)
		x->sum->automatic++;
	return TD_OK;
}

static td_status fix_invalid(fixer *x, const struct ffinding *f, td_error *err)
{
	GEOSContextHandle_t h = x->h;
	struct fparcel *p = find_parcel(x, f->sheet, f->parcel);
	struct shape s;
	GEOSGeometry *raw = NULL, *made = NULL, *poly = NULL;
	GEOSMakeValidParams *params = NULL;
	struct gprop gp = {"repair",
			   f->rule,
			   p,
			   NULL,
			   NAN,
			   0,
			   "rebuilt from its rings: repeated vertices dropped, rings closed and oriented, made valid "
			   "keeping its structure"};
	td_status rc = TD_OK;

	if (!p || p->dup || p->touched || !p->readable) {
		x->sum->not_proposed++;
		return TD_OK;
	}
	if (!shape_read(p->wkb, p->len, &s)) {
		shape_free(&s);
		x->sum->not_proposed++;
		return TD_OK;
	}
	raw = shape_geos(h, &s);
	if (valid_geom(x, p)) {
		gp.was_valid = 1;
		gp.area_before = area_of(h, p->g);
	} else {
		gp.area_before = shape_area(&s);
	}
	shape_free(&s);
	params = GEOSMakeValidParams_create_r(h);
	if (raw && params && GEOSMakeValidParams_setMethod_r(h, params, GEOS_MAKE_VALID_STRUCTURE) &&
	    GEOSMakeValidParams_setKeepCollapsed_r(h, params, 0))
		made = GEOSMakeValidWithParams_r(h, raw, params);
	if (made)
		poly = polygonal(h, made);
	if (poly && !GEOSisEmpty_r(h, poly))
		rc = propose_geom(x, &gp, gp.was_valid ? p->g : raw, poly, err);
	else
		x->sum->not_proposed++;
	if (params)
		GEOSMakeValidParams_destroy_r(h, params);
	if (poly)
		GEOSGeom_destroy_r(h, poly);
	if (made)
		GEOSGeom_destroy_r(h, made);
	if (raw)
		GEOSGeom_destroy_r(h, raw);
	return rc;
}

/* How much closer to its register area a parcel gets (negative: closer) when its area becomes after. */
static double register_gain(const struct fparcel *p, double before, double after)
{
	return p->has_reg_area ? fabs(after - p->reg_area) - fabs(before - p->reg_area) : NAN;
}

/* Of two candidates, the better: closer to the register, then no certificate, then the first. */
static int prefer_second(const struct fparcel *a, double gain_a, const struct fparcel *b, double gain_b)
{
	if (!isnan(gain_a) && !isnan(gain_b) && fabs(gain_a - gain_b) > 0.05)
		return gain_b < gain_a;
	if (a->cert != b->cert)
		return a->cert;
	return 0;
}

static td_status fix_overlap(fixer *x, const struct ffinding *f, td_error *err)
{
	GEOSContextHandle_t h = x->h;
	struct fparcel *a = find_parcel(x, f->sheet, f->parcel), *b = find_parcel(x, f->other_sheet, f->other_parcel);
	const GEOSGeometry *ga, *gb;
	GEOSGeometry *cut_a = NULL, *cut_b = NULL, *pa = NULL, *pb = NULL;
	double area_a, area_b, gain_a, gain_b;
	struct gprop gp = {"cut", TD_RULE_OVERLAP, NULL, NULL, NAN, 1, NULL};
	char why[160];
	td_status rc = TD_OK;
	int second;

	if (!f->has_other || !a || !b || a->dup || b->dup || a->touched || b->touched ||
	    f->value > x->o->fix.overlap_max_area || !(ga = valid_geom(x, a)) || !(gb = valid_geom(x, b))) {
		x->sum->not_proposed++;
		return TD_OK;
	}
	area_a = area_of(h, ga);
	area_b = area_of(h, gb);
	cut_a = GEOSDifference_r(h, ga, gb);
	cut_b = GEOSDifference_r(h, gb, ga);
	if (cut_a)
		pa = polygonal(h, cut_a);
	if (cut_b)
		pb = polygonal(h, cut_b);
	gain_a = pa ? register_gain(a, area_a, area_of(h, pa)) : NAN;
	gain_b = pb ? register_gain(b, area_b, area_of(h, pb)) : NAN;
	second = !pa || (pb && prefer_second(a, gain_a, b, gain_b));
	if (second ? !pb : !pa) {
		x->sum->not_proposed++;
	} else {
		gp.p = second ? b : a;
		gp.other = second ? a : b;
		gp.area_before = second ? area_b : area_a;
		snprintf(why, sizeof(why),
			 "overlap of %.2f m² with parcel %ld/%ld cut from this parcel, which then "
			 "agrees better with its register",
			 f->value, gp.other->sheet, gp.other->parcel);
		gp.why = why;
		rc = propose_geom(x, &gp, second ? gb : ga, second ? pb : pa, err);
	}
	if (cut_a)
		GEOSGeom_destroy_r(h, cut_a);
	if (cut_b)
		GEOSGeom_destroy_r(h, cut_b);
	if (pa)
		GEOSGeom_destroy_r(h, pa);
	if (pb)
		GEOSGeom_destroy_r(h, pb);
	return rc;
}

/*
 * Join region (a gap, or a sliver parcel's polygon) to the neighbour with
 * the longest shared border (ties: closer to its register, no certificate,
 * first in key order). sliver: the parcel removed, or NULL for a gap.
 */
static td_status join(fixer *x, td_rule_id rule, const GEOSGeometry *region, struct fparcel *sliver, double value,
		      td_error *err)
{
	GEOSContextHandle_t h = x->h;
	double minx, miny, maxx, maxy, best_len = 0, best_gain = NAN, region_area = area_of(h, region);
	struct fparcel *best = NULL;
	GEOSGeometry *u = NULL, *pu = NULL;
	struct gprop gp = {sliver ? "merge" : "fill", rule, NULL, sliver, NAN, 1, NULL};
	char why[200];
	td_status rc = TD_OK;

	if (!envelope(h, region, &minx, &miny, &maxx, &maxy))
		return td_error_set(err, TD_ERR_INTERNAL, "commune %s: GEOS could not measure a gap", x->commune);
	for (size_t i = 0; i < x->n; i++) {
		struct fparcel *q = &x->p[i];
		const GEOSGeometry *qg;
		double len, gain;
		if (q == sliver || !boxes_meet(q, minx, miny, maxx, maxy) || !(qg = valid_geom(x, q)))
			continue;
		len = shared_border(h, region, qg);
		if (len <= 0.001)
			continue;
		gain = register_gain(q, area_of(h, qg), area_of(h, qg) + region_area);
		if (!best || len > best_len + 0.001 ||
		    (fabs(len - best_len) <= 0.001 && prefer_second(best, best_gain, q, gain))) {
			best = q;
			best_len = len;
			best_gain = gain;
		}
	}
	if (!best || best->dup || best->touched) {
		x->sum->not_proposed++;
		return TD_OK;
	}
	u = GEOSUnion_r(h, best->g, region);
	if (u)
		pu = polygonal(h, u);
	if (!pu) {
		x->sum->not_proposed++;
	} else {
		gp.p = best;
		gp.area_before = area_of(h, best->g);
		if (sliver)
			snprintf(why, sizeof(why),
				 "sliver parcel %ld/%ld (%.2f m wide) joined to this parcel, which shares %.2f m of "
				 "border with it; the sliver parcel is removed",
				 sliver->sheet, sliver->parcel, value, best_len);
		else
			snprintf(why, sizeof(why),
				 "gap of %.2f m² joined to this parcel, which shares %.2f m of border with it", value,
				 best_len);
		gp.why = why;
		rc = propose_geom(x, &gp, best->g, pu, err);
	}
	if (u)
		GEOSGeom_destroy_r(h, u);
	if (pu)
		GEOSGeom_destroy_r(h, pu);
	return rc;
}

static td_status fix_gap(fixer *x, const struct ffinding *f, td_error *err)
{
	GEOSGeometry *gap = f->area ? GEOSGeomFromWKB_buf_r(x->h, f->area, f->area_len) : NULL;
	td_status rc = TD_OK;

	if (gap && (f->value <= x->o->fix.gap_max_area || width_of(x->h, gap) <= x->o->fix.sliver_max_width))
		rc = join(x, TD_RULE_GAP, gap, NULL, f->value, err);
	else
		x->sum->not_proposed++;
	if (gap)
		GEOSGeom_destroy_r(x->h, gap);
	return rc;
}

static td_status fix_sliver(fixer *x, const struct ffinding *f, td_error *err)
{
	struct fparcel *s = find_parcel(x, f->sheet, f->parcel);
	const GEOSGeometry *g = s && !s->dup && !s->touched ? valid_geom(x, s) : NULL;
	double w = g ? width_of(x->h, g) : NAN;

	if (!g || isnan(w) || w > x->o->fix.sliver_max_width) {
		x->sum->not_proposed++;
		return TD_OK;
	}
	return join(x, TD_RULE_SLIVER, g, s, w, err);
}

static td_status commune_proposals(fixer *x, td_error *err)
{
	td_status rc = TD_OK;

	/* Repairs first: a parcel made valid is not cut or joined in the same run. */
	for (size_t i = 0; rc == TD_OK && i < x->nf; i++)
		if (geom_rule(x->f[i].rule))
			rc = fix_invalid(x, &x->f[i], err);
	for (size_t i = 0; rc == TD_OK && i < x->nf; i++)
		if (x->f[i].rule == TD_RULE_OVERLAP)
			rc = fix_overlap(x, &x->f[i], err);
	for (size_t i = 0; rc == TD_OK && i < x->nf; i++)
		if (x->f[i].rule == TD_RULE_SLIVER)
			rc = fix_sliver(x, &x->f[i], err);
	for (size_t i = 0; rc == TD_OK && i < x->nf; i++)
		if (x->f[i].rule == TD_RULE_GAP)
			rc = fix_gap(x, &x->f[i], err);
	return rc;
}

static td_status geometry_proposals(fixer *x, td_progress_fn progress, void *arg, td_error *err)
{
	sqlite3_stmt *communes = NULL;
	td_status rc;
	long done = 0, total = 0;

	rc = td_ws_prepare(x->ws,
			   "SELECT commune, COUNT(*) OVER () FROM findings WHERE rule_id IN ('GEOM_RING_NOT_CLOSED', "
			   "'GEOM_TOO_FEW_POINTS', 'GEOM_SELF_INTERSECTION', 'GEOM_INVALID', 'GEOM_DUPLICATE_VERTEX', "
			   "'OVERLAP', 'GAP', 'SLIVER') AND commune IS NOT NULL GROUP BY commune ORDER BY commune",
			   &communes, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			x->ws,
			"SELECT p.fid, p.sheet, p.parcel, AsBinary(GeomFromGPB(p.geom)), "
			" (SELECT r.area FROM register_rows r WHERE r.commune = p.commune AND r.sheet = p.sheet "
			"  AND r.parcel = p.parcel AND r.area IS NOT NULL ORDER BY r.id LIMIT 1), "
			" EXISTS (SELECT 1 FROM register_rows r WHERE r.commune = p.commune AND r.sheet = p.sheet "
			"  AND r.parcel = p.parcel AND r.gcn_serial IS NOT NULL), "
			" EXISTS (SELECT 1 FROM register_rows r WHERE r.commune = p.commune AND r.sheet = p.sheet "
			"  AND r.parcel = p.parcel) "
			"FROM parcels p WHERE p.commune = ?1 ORDER BY p.sheet, p.parcel, p.fid",
			&x->load, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			x->ws,
			"SELECT f.rule_id, f.sheet, f.parcel, f.other_sheet, f.other_parcel, f.value, "
			" AsBinary(GeomFromGPB(a.geom)) FROM findings f LEFT JOIN finding_areas a USING (fid) "
			"WHERE f.commune = ?1 AND f.parcel IS NOT NULL AND (f.other_commune IS NULL OR "
			" f.other_commune = f.commune) AND f.fid NOT IN (SELECT fid FROM finding_exceptions) "
			"AND f.rule_id IN ('GEOM_RING_NOT_CLOSED', 'GEOM_TOO_FEW_POINTS', 'GEOM_SELF_INTERSECTION', "
			"'GEOM_INVALID', 'GEOM_DUPLICATE_VERTEX', 'OVERLAP', 'GAP', 'SLIVER') ORDER BY f.fid",
			&x->findings, err);
	while (rc == TD_OK && sqlite3_step(communes) == SQLITE_ROW) {
		total = (long)sqlite3_column_int64(communes, 1);
		rc = load_commune(x, (const char *)sqlite3_column_text(communes, 0), err);
		if (rc == TD_OK)
			rc = commune_proposals(x, err);
		done++;
		if (rc == TD_OK && progress && !progress(0.8 * (double)done / (double)(total ? total : 1), "fix", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	}
	commune_clear(x);
	sqlite3_finalize(communes);
	return rc;
}

/* ---- attribute proposals -------------------------------------------------- */

/* Insert an attribute proposal; rule: the rule whose finding it answers. */
static td_status propose_attr(fixer *x, td_rule_id rule, const char *commune, long sheet, long parcel,
			      const char *target, long long row, const char *field, const char *old_value,
			      const char *new_value, const char *why, td_error *err)
{
	sqlite3_stmt *st = x->ins;
	int is_auto = x->o->fix.auto_attributes;
	char reason[400];

	snprintf(reason, sizeof(reason), "%s; %s", why, is_auto ? "automatic" : "review: [fix] auto_attributes = no");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int(st, 2, x->ws->srs_id);
	sqlite3_bind_int64(st, 5, x->ws->run_id);
	sqlite3_bind_text(st, 6, "attribute", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, td_rule_get(rule)->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, sheet);
	sqlite3_bind_int64(st, 10, parcel);
	sqlite3_bind_text(st, 13, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, row);
	sqlite3_bind_text(st, 16, field, -1, SQLITE_STATIC);
	if (old_value)
		sqlite3_bind_text(st, 17, old_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 18, new_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 26, 0);
	sqlite3_bind_int(st, 27, is_auto);
	sqlite3_bind_text(st, 28, reason, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(x->ws, "insert fix proposal", err);
	x->sum->proposed++;
	x->sum->by_rule[rule]++;
	if (is_auto)
		x->sum->automatic++;
	return TD_OK;
}

struct legacy {
	char code[8], maps_to[8];
};

/* A land-use label with every legacy part mapped ("LNK+ODT" -> "CLN+ODT"); 0 when nothing changes or a part has no
 * current code. */
static int map_landuse(const struct legacy *tab, size_t n, const char *in, char *out, size_t size)
{
	size_t o = 0;
	int changed = 0;

	out[0] = '\0';
	for (const char *part = in; *part;) {
		size_t len = strcspn(part, "+");
		const char *use = NULL;
		size_t ulen = len;
		while (ulen > 0 && part[ulen - 1] == ' ')
			ulen--;
		use = part;
		for (size_t i = 0; i < n; i++)
			if (strlen(tab[i].code) == ulen && strncmp(tab[i].code, part, ulen) == 0) {
				if (!tab[i].maps_to[0])
					return 0;
				use = tab[i].maps_to;
				ulen = strlen(use);
				changed = 1;
				break;
			}
		if (o + ulen + 2 >= size)
			return 0;
		o += (size_t)snprintf(out + o, size - o, "%s%.*s", o ? "+" : "", (int)ulen, use);
		part += len;
		while (*part == '+' || *part == ' ')
			part++;
	}
	return changed;
}

static td_status landuse_proposals(fixer *x, td_error *err)
{
	struct legacy *tab = NULL;
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(
		x->ws, "SELECT code, COALESCE(maps_to, '') FROM ref_landuse WHERE status = 'legacy'", &st, err);
	char out[128], why[200];

	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct legacy *g = realloc(tab, (n + 1) * sizeof(*g));
		if (!g) {
			rc = nomem(err);
			break;
		}
		tab = g;
		snprintf(tab[n].code, sizeof(tab[n].code), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(tab[n].maps_to, sizeof(tab[n].maps_to), "%s", (const char *)sqlite3_column_text(st, 1));
		n++;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* The register rows LANDUSE_LEGACY names; the map's label of the same parcel too, when it is legacy. */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			x->ws,
			"SELECT 'register_rows', r.id, r.commune, r.sheet, r.parcel, r.landuse, r.source_row "
			"FROM register_rows r WHERE r.landuse IS NOT NULL AND EXISTS (SELECT 1 FROM findings f "
			" WHERE f.rule_id = 'LANDUSE_LEGACY' AND f.commune = r.commune AND f.sheet = r.sheet "
			" AND f.parcel = r.parcel AND f.fid NOT IN (SELECT fid FROM finding_exceptions)) "
			"UNION ALL SELECT 'parcels', p.fid, p.commune, p.sheet, p.parcel, p.landuse, p.fid "
			"FROM parcels p WHERE p.landuse IS NOT NULL AND EXISTS (SELECT 1 FROM findings f "
			" WHERE f.rule_id = 'LANDUSE_LEGACY' AND f.commune = p.commune AND f.sheet = p.sheet "
			" AND f.parcel = p.parcel AND f.fid NOT IN (SELECT fid FROM finding_exceptions)) "
			"ORDER BY 3, 4, 5, 1 DESC, 2",
			&st, err);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *target = (const char *)sqlite3_column_text(st, 0);
		const char *code = (const char *)sqlite3_column_text(st, 5);
		if (!map_landuse(tab, n, code, out, sizeof(out)))
			continue;
		snprintf(why, sizeof(why), "%s %lld: legacy land-use code %s is %s now (ref_landuse)",
			 target[0] == 'r' ? "register row" : "map feature", (long long)sqlite3_column_int64(st, 6),
			 code, out);
		rc = propose_attr(x, TD_RULE_LANDUSE_LEGACY, (const char *)sqlite3_column_text(st, 2),
				  (long)sqlite3_column_int64(st, 3), (long)sqlite3_column_int64(st, 4), target,
				  sqlite3_column_int64(st, 1), "landuse", code, out, why, err);
	}
	sqlite3_finalize(st);
	free(tab);
	return rc;
}

/*
 * A person's name as registers should hold it: NFC, single spaces, no
 * spaces around it, each word capitalised (Vietnamese names are written
 * so). NULL when unchanged or not valid UTF-8; the caller frees.
 */
static char *normal_name(const char *s)
{
	utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)s);
	char *out;
	size_t o = 0;
	int word_start = 1, pending_space = 0;

	if (!nfc)
		return NULL;
	out = malloc(4 * strlen((const char *)nfc) + 1);
	if (!out) {
		free(nfc);
		return NULL;
	}
	for (utf8proc_ssize_t i = 0, len = (utf8proc_ssize_t)strlen((const char *)nfc); i < len;) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(nfc + i, len - i, &c);
		if (k <= 0) {
			free(out);
			free(nfc);
			return NULL;
		}
		i += k;
		if (c == ' ' || c == '\t' || c == 0xA0) {
			pending_space = o > 0;
			word_start = 1;
			continue;
		}
		if (pending_space)
			out[o++] = ' ';
		pending_space = 0;
		c = word_start ? utf8proc_toupper(c) : utf8proc_tolower(c);
		word_start = 0;
		o += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	free(nfc);
	if (strcmp(out, s) == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Whether a name is plain enough to recase: letters, spaces, and nothing from a legacy font. */
static int recasable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x80 && !isalpha(*p) && *p != ' ' && *p != '\t')
			return 0;
	return 1;
}

static td_status register_proposals(fixer *x, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(
		x->ws,
		"SELECT r.id, r.commune, r.sheet, r.parcel, r.source_row, r.owner_name, r.cccd, "
		" r.birth_year, r.gender, r.area IS NULL, "
		" CASE WHEN r.area IS NULL THEN (SELECT printf('%.1f', ST_Area(GeomFromGPB(p.geom))) "
		"  FROM parcels p WHERE p.commune = r.commune AND p.sheet = r.sheet AND p.parcel = r.parcel "
		"  AND ST_IsValid(GeomFromGPB(p.geom)) "
		"  AND (SELECT COUNT(*) FROM parcels q WHERE q.commune = p.commune AND q.sheet = p.sheet "
		"   AND q.parcel = p.parcel) = 1) END "
		"FROM register_rows r ORDER BY r.commune, r.sheet, r.parcel, r.id",
		&st, err);
	char why[300], padded[16];

	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		const char *commune = (const char *)sqlite3_column_text(st, 1);
		long sheet = (long)sqlite3_column_int64(st, 2), parcel = (long)sqlite3_column_int64(st, 3);
		long long row = sqlite3_column_int64(st, 4);
		const char *name = (const char *)sqlite3_column_text(st, 5);
		const char *cccd = (const char *)sqlite3_column_text(st, 6);
		int birth_year = sqlite3_column_int(st, 7);
		const char *gender = (const char *)sqlite3_column_text(st, 8);
		const char *area = (const char *)sqlite3_column_text(st, 10);

		if (name && recasable(name) && !td_encoding_has_residue(name)) {
			char *norm = normal_name(name);
			if (norm) {
				snprintf(why, sizeof(why),
					 "register row %lld: owner name normalised (spaces, case, NFC)", row);
				rc = propose_attr(x, TD_RULE_TEXT_NOT_CLEAN, commune, sheet, parcel, "register_rows",
						  id, "owner_name", name, norm, why, err);
				free(norm);
			}
		}
		if (rc == TD_OK && cccd) {
			size_t len = strlen(cccd);
			size_t want = len == 8 ? 9 : len >= 10 && len <= 11 ? 12 : 0;
			char masked[32], why_not[160];
			if (want && strspn(cccd, "0123456789") == len) {
				snprintf(padded, sizeof(padded), "%0*d%s", (int)(want - len), 0, cccd);
				if (td_identity_check(cccd, birth_year, td_identity_sex(gender), why_not,
						      sizeof(why_not)) == TD_ID_INVALID &&
				    td_identity_check(padded, birth_year, td_identity_sex(gender), why_not,
						      sizeof(why_not)) != TD_ID_INVALID) {
					td_identity_mask(padded, masked, sizeof(masked));
					snprintf(why, sizeof(why),
						 "register row %lld: the identity number lost its leading zeros (%s)",
						 row, masked);
					rc = propose_attr(x, TD_RULE_CCCD_INVALID, commune, sheet, parcel,
							  "register_rows", id, "cccd", cccd, padded, why, err);
				}
			}
		}
		if (rc == TD_OK && area) {
			snprintf(why, sizeof(why), "register row %lld: no area in the register; the map's is %s m²",
				 row, area);
			rc = propose_attr(x, TD_RULE_REQUIRED_MISSING, commune, sheet, parcel, "register_rows", id,
					  "area", NULL, area, why, err);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- propose ------------------------------------------------------------- */

static td_status propose(td_ws *ws, const td_fix_options *o, td_progress_fn progress, void *arg, td_fix_summary *sum,
			 td_error *err)
{
	fixer x;
	td_findings_state state;
	td_status rc = td_findings_state_get(ws, &state, err);

	memset(&x, 0, sizeof(x));
	x.ws = ws;
	x.h = ws->ctx->geos;
	x.o = o;
	x.sum = sum;
	if (rc == TD_OK && state != TD_FINDINGS_FRESH)
		rc = td_error_set(err, TD_ERR_USAGE, "workspace '%s' %s: run 'thuadat check' first", ws->path,
				  state == TD_FINDINGS_NONE ? "has not been checked" : "changed since the last check");
	/* Open proposals of earlier runs are replaced; applied and undone ones stay as the record. */
	if (rc == TD_OK)
		rc = td_ws_exec(ws, "DELETE FROM fix_proposals WHERE status IN ('proposed', 'rejected')", err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"INSERT INTO fix_proposals (geom, before_geom, other_before, run_id, kind, rule_id, "
			"commune, sheet, parcel, other_sheet, other_parcel, target, row_id, other_row, field, "
			"old_value, new_value, area_before, area_after, area_change, register_area, "
			"register_diff_before, register_diff_after, hausdorff, certificate, auto, reason, status) "
			"VALUES (CASE WHEN ?1 IS NULL THEN NULL ELSE AsGPB(GeomFromWKB(?1, ?2)) END, "
			"(SELECT geom FROM parcels WHERE fid = ?3), (SELECT geom FROM parcels WHERE fid = ?4), "
			"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
			"?24, ?25, ?26, ?27, ?28, 'proposed')",
			&x.ins, err);
	if (rc == TD_OK)
		rc = geometry_proposals(&x, progress, arg, err);
	if (rc == TD_OK)
		rc = landuse_proposals(&x, err);
	if (rc == TD_OK)
		rc = register_proposals(&x, err);
	sqlite3_finalize(x.ins);
	sqlite3_finalize(x.load);
	sqlite3_finalize(x.findings);
	free(x.p);
	free(x.f);
	free(x.wkb.b);
	return rc;
}

/* ---- apply --------------------------------------------------------------- */

typedef struct applier {
	td_ws *ws;
	td_fix_summary *sum;
	char removed_cols[2048];
	sqlite3_stmt *get, *hist, *mark;
} applier;

static td_status history(applier *a, long long proposal, const char *target, long long row, const char *field,
			 td_error *err)
{
	sqlite3_stmt *st = a->hist;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, a->ws->run_id);
	sqlite3_bind_int64(st, 2, proposal);
	sqlite3_bind_text(st, 3, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, row);
	sqlite3_bind_text(st, 5, field, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(a->ws, "record parcel history", err);
	return TD_OK;
}

/* Run one statement with ?1 = p1 and, when it has a ?2, ?2 = p2; *changed (may be NULL) the rows it changed. */
static td_status exec_bound(td_ws *ws, const char *sql, long long p1, long long p2, int *changed, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, sql, &st, err);

	if (rc == TD_OK) {
		sqlite3_bind_int64(st, 1, p1);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_int64(st, 2, p2);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "apply fix", err);
		else if (changed)
			*changed = sqlite3_changes(ws->db);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The register/parcels column an attribute proposal may set, and how its text becomes the stored value. */
static const char *attr_value(const char *target, const char *field)
{
	static const struct {
		const char *target, *field, *value;
	} ok[] = {
		{"register_rows", "landuse", "p.new_value"}, {"register_rows", "owner_name", "p.new_value"},
		{"register_rows", "cccd", "p.new_value"},    {"register_rows", "area", "CAST(p.new_value AS REAL)"},
		{"parcels", "landuse", "p.new_value"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(ok[i].target, target) && !strcmp(ok[i].field, field))
			return ok[i].value;
	return NULL;
}

/* Apply one open proposal; sum->skipped when what it would change is no longer as it found it. */
static td_status apply_one(applier *a, long long id, td_error *err)
{
	sqlite3_stmt *st = a->get;
	char target[16], field[16], sql[4608];
	long long row, other_row;
	int geom, changed = 0, same = 0;
	td_status rc = TD_OK;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		return td_ws_sqlerr(a->ws, "read fix proposal", err);
	snprintf(target, sizeof(target), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(field, sizeof(field), "%s", (const char *)sqlite3_column_text(st, 1));
	row = sqlite3_column_int64(st, 2);
	other_row = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 3);
	same = sqlite3_column_int(st, 4);
	geom = strcmp(field, "geom") == 0;
	sqlite3_reset(st);
	if (!same) {
		a->sum->skipped++;
		return TD_OK;
	}
	if (geom) {
		rc = history(a, id, "parcels", row, "geom", err);
		if (rc == TD_OK)
			rc = exec_bound(a->ws,
					"UPDATE parcels SET geom = (SELECT geom FROM fix_proposals WHERE fid = ?1) "
					"WHERE fid = ?2",
					id, row, &changed, err);
		if (rc == TD_OK && other_row) {
			rc = history(a, id, "parcels", other_row, "removed", err);
			snprintf(
				sql, sizeof(sql),
				"INSERT INTO fix_removed_parcels (run_id, proposal, %s) SELECT ?1, ?2, %s FROM parcels "
				"WHERE fid = %lld",
				a->removed_cols, a->removed_cols, other_row);
			if (rc == TD_OK)
				rc = exec_bound(a->ws, sql, a->ws->run_id, id, NULL, err);
			if (rc == TD_OK)
				rc = exec_bound(a->ws, "DELETE FROM parcels WHERE fid = ?1", other_row, 0, NULL, err);
		}
	} else {
		const char *value = attr_value(target, field);
		if (!value)
			return td_error_set(err, TD_ERR_INTERNAL, "fix proposal %lld sets %s.%s", id, target, field);
		rc = history(a, id, target, row, field, err);
		snprintf(sql, sizeof(sql),
			 "UPDATE %s SET %s = (SELECT %s FROM fix_proposals p WHERE p.fid = ?1) WHERE id = ?2", target,
			 field, value);
		if (!strcmp(target, "parcels"))
			snprintf(sql, sizeof(sql),
				 "UPDATE parcels SET %s = (SELECT %s FROM fix_proposals p WHERE p.fid = ?1) WHERE fid "
				 "= ?2",
				 field, value);
		if (rc == TD_OK)
			rc = exec_bound(a->ws, sql, id, row, &changed, err);
	}
	if (rc == TD_OK) {
		sqlite3_reset(a->mark);
		sqlite3_bind_int64(a->mark, 1, a->ws->run_id);
		sqlite3_bind_int64(a->mark, 2, id);
		if (sqlite3_step(a->mark) != SQLITE_DONE)
			rc = td_ws_sqlerr(a->ws, "mark fix proposal", err);
	}
	if (rc == TD_OK)
		a->sum->applied++;
	return rc;
}

static td_status applier_init(applier *a, td_ws *ws, td_fix_summary *sum, td_error *err)
{
	td_status rc;

	memset(a, 0, sizeof(*a));
	a->ws = ws;
	a->sum = sum;
	rc = removed_table(ws, a->removed_cols, sizeof(a->removed_cols), err);
	/*
	 * Whether the proposal still fits: its parcel's geometry (and a merged
	 * sliver's) byte for byte as when it was proposed, or the attribute's
	 * old value; and the proposal still open.
	 */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT p.target, p.field, p.row_id, p.other_row, p.status = 'proposed' AND CASE "
			" WHEN p.field = 'geom' THEN (SELECT q.geom = p.before_geom FROM parcels q "
			"  WHERE q.fid = p.row_id) AND (p.other_row IS NULL OR (SELECT q.geom = p.other_before "
			"  FROM parcels q WHERE q.fid = p.other_row)) "
			" WHEN p.target = 'parcels' THEN (SELECT q.landuse IS p.old_value FROM parcels q "
			"  WHERE q.fid = p.row_id) "
			" WHEN p.field = 'area' THEN (SELECT r.area IS NULL FROM register_rows r WHERE r.id = "
			"p.row_id) "
			" ELSE (SELECT CASE p.field WHEN 'landuse' THEN r.landuse WHEN 'owner_name' THEN r.owner_name "
			"  WHEN 'cccd' THEN r.cccd END IS p.old_value FROM register_rows r WHERE r.id = p.row_id) "
			" END IS 1 FROM fix_proposals p WHERE p.fid = ?1",
			&a->get, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"INSERT INTO parcel_history (run_id, proposal, target, row_id, commune, sheet, parcel, field, "
			"old_value, new_value) SELECT ?1, p.fid, ?3, ?4, p.commune, "
			" CASE WHEN ?5 = 'removed' THEN p.other_sheet ELSE p.sheet END, "
			" CASE WHEN ?5 = 'removed' THEN p.other_parcel ELSE p.parcel END, ?5, "
			" CASE WHEN ?5 = 'removed' THEN p.other_before WHEN ?5 = 'geom' THEN p.before_geom "
			"  WHEN ?5 = 'area' THEN NULL ELSE p.old_value END, "
			" CASE WHEN ?5 = 'removed' THEN NULL WHEN ?5 = 'geom' THEN p.geom "
			"  WHEN ?5 = 'area' THEN CAST(p.new_value AS REAL) ELSE p.new_value END "
			"FROM fix_proposals p WHERE p.fid = ?2",
			&a->hist, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "UPDATE fix_proposals SET status = 'applied', applied_run = ?1 WHERE fid = ?2",
				   &a->mark, err);
	return rc;
}

static void applier_release(applier *a)
{
	sqlite3_finalize(a->get);
	sqlite3_finalize(a->hist);
	sqlite3_finalize(a->mark);
}

static td_status apply_auto(td_ws *ws, td_fix_summary *sum, td_error *err)
{
	applier a;
	sqlite3_stmt *st = NULL;
	td_status rc = applier_init(&a, ws, sum, err);

	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT fid FROM fix_proposals WHERE status = 'proposed' AND auto = 1 ORDER BY fid",
				   &st, err);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW)
		rc = apply_one(&a, sqlite3_column_int64(st, 0), err);
	sqlite3_finalize(st);
	applier_release(&a);
	return rc;
}

/* ---- the reviewed workbook ----------------------------------------------- */

enum { COL_PROPOSAL, COL_STATUS, COL_EXCEPTION, NCOLS };

static const td_field review_fields[] = {
	{"proposal", TD_CELL_INTEGER, NULL},
	{"rule_id", TD_CELL_TEXT, NULL},
	{"kind", TD_CELL_TEXT, NULL},
	{"sheet", TD_CELL_INTEGER, NULL},
	{"parcel", TD_CELL_INTEGER, NULL},
	{"other_sheet", TD_CELL_INTEGER, NULL},
	{"other_parcel", TD_CELL_INTEGER, NULL},
	{"field", TD_CELL_TEXT, NULL},
	{"old_value", TD_CELL_TEXT, NULL},
	{"new_value", TD_CELL_TEXT, NULL},
	{"area_before", TD_CELL_NUMBER, "0.00"},
	{"area_after", TD_CELL_NUMBER, "0.00"},
	{"area_change", TD_CELL_NUMBER, "0.00"},
	{"register_area", TD_CELL_NUMBER, "0.0"},
	{"hausdorff", TD_CELL_NUMBER, "0.00"},
	{"certificate", TD_CELL_TEXT, NULL},
	{"auto", TD_CELL_TEXT, NULL},
	{"reason", TD_CELL_TEXT, NULL},
	{"status", TD_CELL_TEXT, NULL},
	{"exception", TD_CELL_TEXT, NULL},
};
enum {
	RF_PROPOSAL,
	RF_RULE,
	RF_KIND,
	RF_SHEET,
	RF_PARCEL,
	RF_OTHER_SHEET,
	RF_OTHER_PARCEL,
	RF_FIELD,
	RF_OLD,
	RF_NEW,
	RF_AREA_BEFORE,
	RF_AREA_AFTER,
	RF_AREA_CHANGE,
	RF_REGISTER_AREA,
	RF_HAUSDORFF,
	RF_CERTIFICATE,
	RF_AUTO,
	RF_REASON,
	RF_STATUS,
	RF_EXCEPTION,
	RF_COUNT
};

static td_status read_layout(td_ws *ws, td_layout *l, td_error *err)
{
	char path[4096];
	td_status rc = td_ctx_schema_file(ws->ctx, "xlsx/fix.csv", path, sizeof(path), err);
	return rc == TD_OK ? td_layout_read(path, review_fields, RF_COUNT, l, err) : rc;
}

static const char *cell(OGRFeatureH f, int i)
{
	return i >= 0 && i < OGR_F_GetFieldCount(f) && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i)
											: NULL;
}

/* The header row: the columns of the proposal, status and exception fields, by the layout's header or the field's name.
 */
static int find_columns(const td_layout *l, OGRLayerH layer, int col[NCOLS])
{
	static const int fields[NCOLS] = {RF_PROPOSAL, RF_STATUS, RF_EXCEPTION};
	char want[NCOLS][2][300], key[300];
	OGRFeatureH f;
	int found = 0;

	for (int k = 0; k < NCOLS; k++) {
		want[k][0][0] = '\0';
		td_text_fold(review_fields[fields[k]].name, want[k][1], sizeof(want[k][1]));
		for (int c = 0; c < l->ncols; c++)
			if (l->cols[c].field == fields[k])
				td_text_fold(l->cols[c].header, want[k][0], sizeof(want[k][0]));
	}
	for (int n = 0; n < 10 && !found && (f = OGR_L_GetNextFeature(layer)) != NULL; n++) {
		for (int k = 0; k < NCOLS; k++)
			col[k] = -1;
		for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
			const char *v = cell(f, i);
			if (!v || !td_text_fold(v, key, sizeof(key)))
				continue;
			for (int k = 0; k < NCOLS; k++)
				if (col[k] < 0 && (!strcmp(key, want[k][0]) || !strcmp(key, want[k][1])))
					col[k] = i;
		}
		found = col[COL_PROPOSAL] >= 0 && col[COL_STATUS] >= 0;
		OGR_F_Destroy(f);
	}
	return found;
}

/* 1 accepted, 0 rejected, -1 undecided, -2 not understood. */
static int decision(const char *v)
{
	static const char *const yes[] = {"accepted", "accept", "chap nhan", "dong y", "x"};
	static const char *const no[] = {"rejected", "reject", "tu choi", "khong"};
	char key[64];

	if (!v || !td_text_fold(v, key, sizeof(key)) || !key[0] || !strcmp(key, "proposed") || !strcmp(key, "de xuat"))
		return -1;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcmp(key, yes[i]))
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcmp(key, no[i]))
			return 0;
	return -2;
}

static td_status review_row(applier *a, const char *where, const char *id_text, int verdict, const char *exception,
			    td_error *err)
{
	sqlite3_stmt *st = NULL;
	long id;
	td_status rc;
	char status[16] = "", rule[32] = "", commune[16] = "";
	long sheet = 0, parcel = 0;

	if (!td_text_parse_long(id_text, &id) || id <= 0)
		return td_error_set(err, TD_ERR_INPUT, "%s: '%s' is not a proposal number", where, id_text);
	rc = td_ws_prepare(a->ws, "SELECT status, rule_id, commune, sheet, parcel FROM fix_proposals WHERE fid = ?1",
			   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(status, sizeof(status), "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(rule, sizeof(rule), "%s", (const char *)sqlite3_column_text(st, 1));
			snprintf(commune, sizeof(commune), "%s", (const char *)sqlite3_column_text(st, 2));
			sheet = (long)sqlite3_column_int64(st, 3);
			parcel = (long)sqlite3_column_int64(st, 4);
		}
	}
	sqlite3_finalize(st);
	if (rc != TD_OK)
		return rc;
	if (!status[0] || !strcmp(status, "undone"))
		return td_error_set(
			err, TD_ERR_INPUT,
			"%s: proposal %ld is not open (a later 'thuadat fix' replaced it, or it was undone)", where,
			id);
	/* The same workbook applied twice: what was applied stays applied. */
	if (verdict == 1 && !strcmp(status, "applied"))
		return TD_OK;
	if (verdict == 1)
		rc = apply_one(a, id, err);
	else if (verdict == 0 && strcmp(status, "rejected") != 0) {
		rc = exec_bound(a->ws,
				"UPDATE fix_proposals SET status = 'rejected' WHERE fid = ?1 AND status = 'proposed'",
				id, 0, NULL, err);
		a->sum->rejected++;
	}
	if (rc == TD_OK && exception && exception[strspn(exception, " ")]) {
		td_error why;
		td_error_init(&why);
		if (td_exception_add(a->ws, rule, commune, sheet, parcel, exception, NULL, &why) != TD_OK)
			return td_error_set(err, why.code, "%s: %s", where, why.msg);
		a->sum->exceptions++;
	}
	return rc;
}

static td_status apply_reviewed(td_ws *ws, const char *path, td_fix_summary *sum, td_error *err)
{
	applier a;
	td_layout layout;
	void *ds = NULL;
	td_error why;
	td_status rc;
	char hex[9], where[600];
	int64_t size;
	int col[NCOLS], any = 0;

	td_error_init(&why);
	rc = read_layout(ws, &layout, err);
	if (rc == TD_OK)
		rc = applier_init(&a, ws, sum, err);
	else
		memset(&a, 0, sizeof(a));
	if (rc == TD_OK) {
		ds = td_source_open_table(path, &why);
		if (!ds)
			rc = td_error_set(err, TD_ERR_INPUT,
					  "cannot read reviewed proposals '%s' (CSV, XLSX or XLS): %s", path, why.msg);
	}
	if (rc == TD_OK)
		rc = td_source_checksum(ds, hex, &size, err);
	if (rc == TD_OK)
		rc = td_audit_note_input(ws, "fix_review", path, hex, err);
	for (int i = 0; rc == TD_OK && i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);
		OGRFeatureH f;
		if (!find_columns(&layout, layer, col))
			continue;
		any = 1;
		while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
			const char *id = cell(f, col[COL_PROPOSAL]), *status = cell(f, col[COL_STATUS]);
			const char *exc = col[COL_EXCEPTION] >= 0 ? cell(f, col[COL_EXCEPTION]) : NULL;
			int verdict = decision(status);
			snprintf(where, sizeof(where), "'%s' sheet '%s' row %lld", path, OGR_L_GetName(layer),
				 (long long)OGR_F_GetFID(f));
			if (id && id[strspn(id, " ")]) {
				if (verdict == -2)
					rc = td_error_set(err, TD_ERR_INPUT,
							  "%s: status '%s' is not accepted, rejected or empty", where,
							  status);
				else
					rc = review_row(&a, where, id, verdict, exc, err);
			}
			OGR_F_Destroy(f);
		}
	}
	if (rc == TD_OK && !any)
		rc = td_error_set(err, TD_ERR_INPUT, "'%s' has no sheet with the columns of a proposal and a status",
				  path);
	if (ds)
		td_source_close_table(ds);
	applier_release(&a);
	return rc;
}

/* ---- undo ---------------------------------------------------------------- */

static td_status undo(td_ws *ws, long long run, td_fix_summary *sum, td_error *err)
{
	sqlite3_stmt *st = NULL, *check = NULL;
	char cols[2048], sql[4608];
	td_status rc =
		td_ws_prepare(ws,
			      "SELECT (SELECT command FROM runs WHERE id = ?1), "
			      "(SELECT COUNT(*) FROM parcel_history WHERE run_id = ?1), "
			      "(SELECT COUNT(*) FROM parcel_history WHERE run_id = ?1 AND undone_run IS NOT NULL)",
			      &check, err);

	if (rc == TD_OK) {
		const char *cmd;
		sqlite3_bind_int64(check, 1, run);
		if (sqlite3_step(check) != SQLITE_ROW)
			rc = td_ws_sqlerr(ws, "read runs", err);
		cmd = rc == TD_OK ? (const char *)sqlite3_column_text(check, 0) : NULL;
		if (rc == TD_OK && (!cmd || strcmp(cmd, "fix-apply") != 0))
			rc = td_error_set(err, TD_ERR_INPUT, "run %lld of '%s' is not a 'fix' run that applied changes",
					  run, ws->path);
		else if (rc == TD_OK && sqlite3_column_int64(check, 2) > 0)
			rc = td_error_set(err, TD_ERR_INPUT, "run %lld of '%s' was undone already", run, ws->path);
	}
	sqlite3_finalize(check);
	if (rc == TD_OK)
		rc = removed_table(ws, cols, sizeof(cols), err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT id, target, row_id, field, commune, sheet, parcel, CASE "
			" WHEN field = 'removed' THEN NOT EXISTS (SELECT 1 FROM parcels q WHERE q.fid = h.row_id) "
			" WHEN target = 'parcels' AND field = 'geom' THEN (SELECT q.geom = h.new_value FROM parcels q "
			"  WHERE q.fid = h.row_id) "
			" WHEN target = 'parcels' THEN (SELECT q.landuse IS h.new_value FROM parcels q WHERE q.fid = "
			"h.row_id) "
			" ELSE (SELECT CASE h.field WHEN 'landuse' THEN r.landuse WHEN 'owner_name' THEN r.owner_name "
			"  WHEN 'cccd' THEN r.cccd WHEN 'area' THEN r.area END IS h.new_value FROM register_rows r "
			"  WHERE r.id = h.row_id) END IS 1 "
			"FROM parcel_history h WHERE run_id = ?1 ORDER BY id DESC",
			&st, err);
	if (rc == TD_OK)
		sqlite3_bind_int64(st, 1, run);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		long long hid = sqlite3_column_int64(st, 0), row = sqlite3_column_int64(st, 2);
		const char *target = (const char *)sqlite3_column_text(st, 1),
			   *field = (const char *)sqlite3_column_text(st, 3);
		if (!sqlite3_column_int(st, 7)) {
			rc = td_error_set(
				err, TD_ERR_INPUT,
				"cannot undo run %lld: parcel %s/%lld/%lld changed since (%s %s); nothing was undone",
				run, (const char *)sqlite3_column_text(st, 4), (long long)sqlite3_column_int64(st, 5),
				(long long)sqlite3_column_int64(st, 6), target, field);
			break;
		}
		if (!strcmp(field, "removed"))
			snprintf(sql, sizeof(sql),
				 "INSERT INTO parcels (%s) SELECT %s FROM fix_removed_parcels WHERE run_id = ?1 AND "
				 "fid = ?2",
				 cols, cols);
		else if (!strcmp(target, "parcels") && (!strcmp(field, "geom") || !strcmp(field, "landuse")))
			snprintf(sql, sizeof(sql),
				 "UPDATE parcels SET %s = (SELECT old_value FROM parcel_history WHERE id = ?1) "
				 "WHERE fid = ?2",
				 field);
		else if (!strcmp(target, "register_rows") && attr_value(target, field))
			snprintf(sql, sizeof(sql),
				 "UPDATE register_rows SET %s = (SELECT old_value FROM parcel_history WHERE id = ?1) "
				 "WHERE id = ?2",
				 field);
		else {
			rc = td_error_set(err, TD_ERR_INTERNAL, "parcel history %lld names %s.%s", hid, target, field);
			break;
		}
		rc = exec_bound(ws, sql, !strcmp(field, "removed") ? run : hid, row, NULL, err);
		if (rc == TD_OK && !strcmp(field, "removed"))
			rc = exec_bound(ws, "DELETE FROM fix_removed_parcels WHERE run_id = ?1 AND fid = ?2", run, row,
					NULL, err);
		if (rc == TD_OK)
			sum->undone++;
	}
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = exec_bound(ws, "UPDATE parcel_history SET undone_run = ?2 WHERE run_id = ?1", run, ws->run_id,
				NULL, err);
	if (rc == TD_OK)
		rc = exec_bound(ws,
				"UPDATE fix_proposals SET status = 'undone', undone_run = ?2 WHERE applied_run = ?1",
				run, ws->run_id, NULL, err);
	/* Exceptions the reviewed workbook added in that run go too. */
	if (rc == TD_OK)
		rc = exec_bound(ws, "DELETE FROM exceptions WHERE created_run = ?1", run, 0, NULL, err);
	if (rc == TD_OK)
		rc = td_exception_mark(ws, NULL, NULL, err);
	return rc;
}

/* ---- the stage ----------------------------------------------------------- */

static void summary_json(const td_fix_options *o, td_fix_summary *sum)
{
	size_t n = (size_t)snprintf(sum->json, sizeof(sum->json),
				    "{\"command\":\"fix\",\"run\":%lld,\"proposed\":%ld,\"automatic\":%ld,"
				    "\"not_proposed\":%ld,\"applied\":%ld,\"skipped\":%ld,\"rejected\":%ld,"
				    "\"exceptions\":%ld,\"undone\":%ld,\"by_rule\":{",
				    sum->run_id, sum->proposed, sum->automatic, sum->not_proposed, sum->applied,
				    sum->skipped, sum->rejected, sum->exceptions, sum->undone);
	(void)o;
	for (int i = 0, first = 1; i < TD_RULE_COUNT && n < sizeof(sum->json); i++)
		if (sum->by_rule[i]) {
			n += (size_t)snprintf(sum->json + n, sizeof(sum->json) - n, "%s\"%s\":%ld", first ? "" : ",",
					      td_rule_get((td_rule_id)i)->code, sum->by_rule[i]);
			first = 0;
		}
	if (n < sizeof(sum->json))
		snprintf(sum->json + n, sizeof(sum->json) - n, "}}");
}

td_status td_fix_run(td_ws *ws, const td_fix_options *o, td_progress_fn progress, void *arg, td_fix_summary *sum,
		     td_error *err)
{
	const char *stage = o->undo_run > 0 ? "fix-undo" : o->apply_path || o->apply_auto ? "fix-apply" : "fix";
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	rc = td_ws_begin(ws, stage, err);
	if (rc != TD_OK)
		return rc;
	sum->run_id = ws->run_id;
	rc = ensure_schema(ws, err);
	if (rc == TD_OK && o->undo_run > 0)
		rc = undo(ws, o->undo_run, sum, err);
	else if (rc == TD_OK && o->apply_path)
		rc = apply_reviewed(ws, o->apply_path, sum, err);
	else if (rc == TD_OK) {
		rc = propose(ws, o, progress, arg, sum, err);
		if (rc == TD_OK && o->apply_auto)
			rc = apply_auto(ws, sum, err);
	}
	summary_json(o, sum);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK && progress)
		progress(1.0, "fix", arg);
	return rc;
}

/* ---- review workbooks ---------------------------------------------------- */

td_status td_fix_write_workbooks(td_ws *ws, const char *dir, int *n, td_error *err)
{
	td_layout layout;
	sqlite3_stmt *communes = NULL, *st = NULL;
	td_xlsx *x = NULL;
	char path[4096];
	td_status rc = read_layout(ws, &layout, err);

	*n = 0;
	if (rc == TD_OK && strlen(dir) >= sizeof(path) - 32)
		rc = td_error_set(err, TD_ERR_USAGE, "output folder '%s' is too long", dir);
	snprintf(path, sizeof(path), "%s", dir);
	if (rc == TD_OK)
		rc = td_outfile_mkdir(path, err);
	if (rc == TD_OK && !table_exists(ws, "fix_proposals"))
		return TD_OK;
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT DISTINCT commune FROM fix_proposals WHERE status = 'proposed' ORDER BY 1",
				   &communes, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT fid, rule_id, kind, sheet, parcel, other_sheet, other_parcel, field, "
			"old_value, new_value, area_before, area_after, area_change, register_area, hausdorff, "
			"CASE certificate WHEN 1 THEN 'có' ELSE '' END, CASE auto WHEN 1 THEN 'tự động' "
			"ELSE 'xem xét' END, reason, '', '' FROM fix_proposals WHERE status = 'proposed' "
			"AND commune = ?1 ORDER BY sheet, parcel, fid",
			&st, err);
	while (rc == TD_OK && sqlite3_step(communes) == SQLITE_ROW) {
		const char *commune = (const char *)sqlite3_column_text(communes, 0);
		snprintf(path, sizeof(path), "%s/fix-%s.xlsx", dir, commune);
		rc = td_xlsx_open(path, 0600, 0, &x, err);
		if (rc == TD_OK)
			rc = td_xlsx_table(x, "Đề xuất sửa", &layout, TD_XLSX_LIST, err);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, commune, -1, SQLITE_TRANSIENT);
		while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
			td_value v[RF_COUNT];
			for (int i = 0; i < RF_COUNT; i++)
				td_value_column(&v[i], st, i, review_fields[i].type);
			rc = td_xlsx_row(x, v, err);
		}
		if (rc == TD_OK)
			rc = td_xlsx_commit(x, err);
		td_xlsx_free(x);
		x = NULL;
		if (rc == TD_OK)
			(*n)++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(communes);
	return rc;
}
