#include "ingest.h"
#include "crs.h"
#include "dgn.h"
#include "encoding.h"
#include "identity.h"
#include "ini.h"
#include "mapprofile.h"
#include "scans.h"
#include "source.h"
#include "sources.h"
#include "strbuf.h"
#include "text.h"
#include "xls.h"

#include <cpl_error.h>
#include <dirent.h>
#include <gdal.h>
#include <limits.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The attributes ingest understands, and the names offices give them. */
enum role {
	R_COMMUNE,
	R_SHEET,
	R_PARCEL,
	R_AREA,
	R_LANDUSE,
	R_OWNER,
	R_CCCD,
	R_BIRTH_YEAR,
	R_GENDER,
	R_GCN_SERIAL,
	R_GCN_DATE,
	R_LAST_CHANGE,
	R_PENDING,
	R_BIRTH_DATE,
	R_NAME,
	R_COUNT
};

static const char *const role_label[R_COUNT] = {"commune code", "sheet number",  "parcel number",
						"area",         "land-use code", "owner name",
						"CCCD",         "birth year",    "gender"};

/* Register columns: their key in a register profile (schemas/register/). */
static const char *const column_keys[R_COUNT] = {
	[R_COMMUNE] = "commune",   [R_SHEET] = "sheet",
	[R_PARCEL] = "parcel",     [R_AREA] = "area",
	[R_LANDUSE] = "landuse",   [R_OWNER] = "owner",
	[R_CCCD] = "cccd",         [R_BIRTH_YEAR] = "birth_year",
	[R_GENDER] = "gender",     [R_GCN_SERIAL] = "gcn_serial",
	[R_GCN_DATE] = "gcn_date", [R_LAST_CHANGE] = "last_change",
	[R_PENDING] = "pending",   [R_BIRTH_DATE] = "birth_date",
};

#define COLUMN_NAMES 8

/* The header names of each register column, as written and as td_text_fold keys. */
struct columns {
	const char *path;
	int map; /* a map's profile: only map columns, and its [dgn] section is not ours */
	char names[R_COUNT][COLUMN_NAMES][64];
	char keys[R_COUNT][COLUMN_NAMES][64];
	int n[R_COUNT];
};

static td_status on_column(const char *section, const char *key, const char *value, int line, void *arg, td_error *err);

/* Commune boundary attributes. */
static const char *const boundary_names[R_COUNT][4] = {
	[R_COMMUNE] = {"maxa", "ma_xa", "ma"},
	[R_NAME] = {"tenxa", "ten_xa", "ten"},
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

/* Field index per role from a column profile's folded names; -1 where absent. */
static void find_columns(OGRFeatureDefnH defn, const struct columns *c, int idx[R_COUNT])
{
	char key[256];

	for (int r = 0; r < R_COUNT; r++)
		idx[r] = -1;
	for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
		if (!td_text_fold(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), key, sizeof(key)))
			continue;
		for (int r = 0; r < R_COUNT; r++)
			for (int k = 0; k < c->n[r]; k++)
				if (idx[r] < 0 && strcmp(key, c->keys[r][k]) == 0)
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

/* A date into yyyy-mm-dd. */
static int parse_date(const char *s, char out[11])
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int d, m, y, n = 0;

	s = skip_space(s);
	/* dd/mm/yyyy as typed; yyyy-mm-dd; yyyy/mm/dd as GDAL gives spreadsheet date cells. */
	if (sscanf(s, "%4d/%2d/%2d%n", &y, &m, &d, &n) != 3 || n != 10) {
		n = 0;
		if (sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &n) != 3 &&
		    (n = 0, sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3))
			return 0;
	}
	if (*skip_space(s + n) || y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return 0;
	/* The ranges are checked; the wide buffer only quiets -Wformat-truncation. */
	{
		char buf[40];
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
		memcpy(out, buf, 11);
	}
	return 1;
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
 * Register (or find) the source row for a dataset. A source is its content
 * and the options it is read with, not its path:
 *   - the same kind, checksum and size read with the same options (from
 *     any path: a moved or renamed copy) is the same source: *skip;
 *   - the same content with other options (a corrected --source-crs or
 *     --encoding) is read again, replacing that source's rows;
 *   - other content at a path read before is a newer version: replaces it;
 *   - else a new source (supersede() then looks for the one it replaces).
 * A scan folder is known by its path (its checksum covers the file names).
 */
static td_status source_row(td_ws *ws, const char *path, const char *kind, const char *reader, const char *crs,
			    const char *options, int64_t size, td_ingest_file *file, int64_t *source_id, int *skip,
			    td_error *err)
{
	char real[PATH_MAX], old_kind[16];
	const char *id_path = realpath(path, real) ? real : path;
	int scans = strcmp(kind, "scans") == 0;
	sqlite3_stmt *st = NULL;
	td_status rc;

	*skip = 0;
	*source_id = 0;
	rc = td_ws_prepare(
		ws,
		"SELECT id, coalesce(options, ''), path FROM sources WHERE kind = ?1 AND checksum = ?2 AND "
		"size = ?3 AND (?4 = 0 OR path = ?5) ORDER BY coalesce(options, '') = ?6 DESC, path = ?5 DESC, id",
		&st, err);
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, file->checksum, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_int(st, 4, scans);
	sqlite3_bind_text(st, 5, id_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, options, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*source_id = sqlite3_column_int64(st, 0);
		*skip = strcmp((const char *)sqlite3_column_text(st, 1), options) == 0;
		file->reread = !*skip;
		if (strcmp((const char *)sqlite3_column_text(st, 2), id_path) != 0)
			snprintf(file->known_path, sizeof(file->known_path), "%s",
				 (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	st = NULL;
	file->source_id = *source_id;
	if (*skip) {
		file->unchanged = 1;
		return TD_OK;
	}
	snprintf(old_kind, sizeof(old_kind), "%s", kind);
	if (!*source_id) {
		rc = td_ws_prepare(ws, "SELECT id, kind FROM sources WHERE path = ?", &st, err);
		if (rc != TD_OK)
			return rc;
		sqlite3_bind_text(st, 1, id_path, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*source_id = sqlite3_column_int64(st, 0);
			snprintf(old_kind, sizeof(old_kind), "%s", (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
		st = NULL;
		file->replaced = *source_id != 0;
	}
	if (*source_id && (rc = td_sources_clear(ws, *source_id, old_kind, err)) != TD_OK)
		return rc;
	if (*source_id)
		rc = td_ws_prepare(
			ws,
			"UPDATE sources SET path = CASE WHEN EXISTS (SELECT 1 FROM sources WHERE path = ?2 "
			"AND id <> ?1) THEN path ELSE ?2 END, kind = ?3, reader = ?4, crs = ?5, checksum = ?6, "
			"size = ?7, run_id = ?8, options = ?9, records = 0, encoding = NULL WHERE id = ?1",
			&st, err);
	else
		rc = td_ws_prepare(
			ws,
			"INSERT INTO sources (id, path, kind, reader, crs, checksum, size, records, run_id, options) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9)",
			&st, err);
	if (rc != TD_OK)
		return rc;
	if (*source_id)
		sqlite3_bind_int64(st, 1, *source_id);
	sqlite3_bind_text(st, 2, id_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reader, -1, SQLITE_STATIC);
	if (crs)
		sqlite3_bind_text(st, 5, crs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, file->checksum, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, size);
	sqlite3_bind_int64(st, 8, ws->run_id);
	if (*options)
		sqlite3_bind_text(st, 9, options, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "record source", err);
	else if (!*source_id)
		*source_id = sqlite3_last_insert_rowid(ws->db);
	sqlite3_finalize(st);
	file->source_id = *source_id;
	return rc;
}

/*
 * What a source covers: its distinct "commune/sheet" keys, sorted, one per
 * line, in *out (caller frees; NULL when it holds no row).
 */
static td_status coverage(td_ws *ws, const char *table, long long id, char **out, td_error *err)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	td_status rc;

	*out = NULL;
	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(k, char(10)) FROM (SELECT DISTINCT commune || '/' || sheet AS k FROM %s "
		 "WHERE source_id = %lld ORDER BY k)",
		 table, id);
	if ((rc = td_ws_prepare(ws, sql, &st, err)) != TD_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL &&
	    (*out = strdup((const char *)v)) == NULL)
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
	sqlite3_finalize(st);
	return rc;
}

/* The first parcel key ("commune/sheet/parcel") sources a and b both hold, into key; 0 if none. */
static td_status shared_parcel(td_ws *ws, const char *table, long long a, long long b, char *key, size_t size,
			       td_error *err)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	td_status rc;

	key[0] = '\0';
	snprintf(sql, sizeof(sql),
		 "SELECT x.commune || '/' || x.sheet || '/' || x.parcel FROM %s x WHERE x.source_id = %lld AND "
		 "EXISTS (SELECT 1 FROM %s y WHERE y.commune = x.commune AND y.sheet = x.sheet AND "
		 "y.parcel = x.parcel AND y.source_id = %lld) ORDER BY x.commune, x.sheet, x.parcel LIMIT 1",
		 table, a, table, b);
	if ((rc = td_ws_prepare(ws, sql, &st, err)) != TD_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(key, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return TD_OK;
}

/*
 * After a new or changed source's rows are in: nothing may be doubled. With
 * --replace ID that source goes. Otherwise, among the sources of the same
 * kind sharing a sheet with this one: one covering exactly the same
 * communes and sheets (a newer export of the same register or map) is
 * replaced by this one; one holding a parcel this one holds too, but not
 * the same sheets, is a conflict the user settles with --replace or
 * 'thuadat sources --remove' (TD_ERR_USAGE naming both); one that only
 * shares a sheet (other parcels of it) stays. Boundary files are only
 * replaced with --replace: a code may have an old and a new polygon.
 */
static td_status supersede(td_ws *ws, const char *kind, const char *path, int64_t source_id, long long replace,
			   td_ingest_file *file, td_error *err)
{
	const char *table = strcmp(kind, "map") == 0 ? "parcels" : "register_rows";
	char *mine = NULL, *theirs = NULL, key[96], sql[512];
	sqlite3_stmt *st = NULL;
	td_status rc = TD_OK;

	if (replace) {
		rc = td_ws_prepare(ws, "SELECT path FROM sources WHERE id = ?1 AND kind = ?2 AND id <> ?3", &st, err);
		if (rc != TD_OK)
			return rc;
		sqlite3_bind_int64(st, 1, replace);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, source_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			file->superseded = replace;
			snprintf(file->superseded_path, sizeof(file->superseded_path), "%s",
				 (const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
		if (!file->superseded)
			return td_error_set(
				err, TD_ERR_USAGE,
				"--replace %lld: the workspace has no other %s source %lld (see 'thuadat sources')",
				replace, kind, replace);
		goto drop;
	}
	if (strcmp(kind, "map") != 0 && strcmp(kind, "register") != 0)
		return TD_OK;
	if ((rc = coverage(ws, table, source_id, &mine, err)) != TD_OK || !mine)
		goto done;
	/* Only sources sharing a sheet matter: found through the key index, not by visiting every source. */
	snprintf(sql, sizeof(sql),
		 "SELECT s.id, s.path FROM sources s WHERE s.id IN (SELECT DISTINCT x.source_id FROM %s x "
		 "JOIN (SELECT DISTINCT commune, sheet FROM %s WHERE source_id = ?1) k ON x.commune = k.commune "
		 "AND x.sheet = k.sheet WHERE x.source_id <> ?1) ORDER BY s.id",
		 table, table);
	rc = td_ws_prepare(ws, sql, &st, err);
	if (rc != TD_OK)
		goto done;
	sqlite3_bind_int64(st, 1, source_id);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		long long other = sqlite3_column_int64(st, 0);
		free(theirs);
		if ((rc = coverage(ws, table, other, &theirs, err)) != TD_OK || !theirs)
			continue;
		if (strcmp(mine, theirs) == 0 && !file->superseded) {
			file->superseded = other;
			snprintf(file->superseded_path, sizeof(file->superseded_path), "%s",
				 (const char *)sqlite3_column_text(st, 1));
		} else if ((rc = shared_parcel(ws, table, source_id, other, key, sizeof(key), err)) == TD_OK &&
			   key[0]) {
			rc = td_error_set(err, TD_ERR_USAGE,
					  "%s '%s' and source %lld '%s' both hold parcel %s, but do not cover the same "
					  "communes and sheets; give --replace %lld to put this one in its place, or "
					  "remove one with 'thuadat sources WS --remove ID'",
					  kind, path, other, (const char *)sqlite3_column_text(st, 1), key, other);
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != TD_OK || !file->superseded)
		goto done;
drop:
	rc = td_sources_clear(ws, file->superseded, kind, err);
	snprintf(sql, sizeof(sql), "DELETE FROM sources WHERE id = %lld", file->superseded);
	if (rc == TD_OK)
		rc = td_ws_exec(ws, sql, err);
done:
	free(mine);
	free(theirs);
	return rc;
}

/* source_row() for a GDAL dataset: the fingerprint covers every file it is made of. */
static td_status dataset_source(td_ws *ws, GDALDatasetH ds, const char *path, const char *kind, const char *crs,
				const char *options, td_ingest_file *file, int64_t *source_id, int *skip, td_error *err)
{
	int64_t size;
	td_status rc = td_source_checksum(ds, file->checksum, &size, err);

	if (rc != TD_OK)
		return rc;
	return source_row(ws, path, kind, GDALGetDriverShortName(GDALGetDatasetDriver(ds)), crs, options, size, file,
			  source_id, skip, err);
}

/* Append "name=value;" to the options text of a source when value is given. */
static void add_option(char *buf, size_t size, const char *name, const char *value)
{
	size_t n = strlen(buf);

	if (value && n < size)
		snprintf(buf + n, size - n, "%s%s=%s", n ? ";" : "", name, value);
}

/* A profile as an option: its file name and CRC-32, so an edited profile reads the source again. */
static td_status add_profile(char *buf, size_t size, const char *name, const char *path, td_error *err)
{
	char crc[9], tag[300];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int64_t bytes;
	td_status rc = td_source_file_checksum(path, crc, &bytes, err);

	if (rc == TD_OK) {
		snprintf(tag, sizeof(tag), "%s@%s", base, crc);
		add_option(buf, size, name, tag);
	}
	return rc;
}

static td_status set_records(td_ws *ws, int64_t source_id, long n, td_error *err)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE sources SET records = %ld WHERE id = %lld", n, (long long)source_id);
	return td_ws_exec(ws, sql, err);
}

static td_status set_encoding(td_ws *ws, int64_t source_id, const char *encoding, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, "UPDATE sources SET encoding = ? WHERE id = ?", &st, err);

	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, encoding, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, source_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "record encoding", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The text encoding of a source's strings: --encoding if given, else
 * detected from every string of every layer (the whole file decides, so a
 * file is never read half in one encoding and half in another).
 */
static td_status text_encoding(GDALDatasetH ds, const char *kind, const char *path, const td_ingest_options *opts,
			       td_ingest_summary *sum, td_encoding *enc, td_error *err)
{
	td_encoding_detector *d;
	OGRFeatureH f;
	char why[256];

	if (opts->encoding)
		return td_encoding_parse(opts->encoding, enc, err);
	d = td_encoding_detector_new();
	if (!d)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	for (int l = 0; l < GDALDatasetGetLayerCount(ds); l++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, l);
		OGR_L_ResetReading(layer);
		while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
			for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
				const char *v = field_str(f, i);
				if (v && OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, i)) == OFTString)
					td_encoding_detector_feed(d, v, strlen(v));
			}
			OGR_F_Destroy(f);
		}
		OGR_L_ResetReading(layer);
	}
	*enc = td_encoding_detector_result(d, why, sizeof(why));
	td_encoding_detector_free(d);
	if (*enc == TD_ENC_UNKNOWN)
		return td_error_set(err, TD_ERR_INPUT, "%s '%s': cannot tell its text encoding (%s); give --encoding",
				    kind, path, why);
	if (*enc != TD_ENC_UTF8 && *enc != TD_ENC_ASCII)
		warn(sum, "%s '%s' is not UTF-8: read as %s (%s; override with --encoding)", kind, path,
		     td_encoding_name(*enc), why);
	return TD_OK;
}

/* Decode every string field of f from enc to UTF-8 NFC; where names the feature or row. */
static td_status recode(OGRFeatureH f, td_encoding enc, const char *where, td_error *err)
{
	for (int i = 0; enc != TD_ENC_UTF8 && enc != TD_ENC_ASCII && i < OGR_F_GetFieldCount(f); i++) {
		const char *v = field_str(f, i);
		char *text = NULL;
		td_error why;
		td_error_init(&why);
		if (!v)
			continue;
		if (td_encoding_decode(enc, v, strlen(v), &text, &why) != TD_OK)
			return td_error_set(err, TD_ERR_INPUT, "%s column %d: %s (read as %s)", where, i + 1, why.msg,
					    td_encoding_name(enc));
		OGR_F_SetFieldString(f, i, text);
		free(text);
	}
	return TD_OK;
}

static int is_polygonal(OGRwkbGeometryType t)
{
	t = wkbFlatten(t);
	return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface;
}

/*
 * A polygon source and where its features go: the map into parcels, commune
 * boundaries into communes. Every INSERT takes ?1 WKB, ?2 srs_id, ?3 source
 * id, ?4 feature id; bind() binds the attributes from ?5 on.
 */
struct target {
	const char *kind; /* sources.kind, and the word used in messages */
	const char *path;
	const char *table;
	const char *const (*names)[4]; /* field names when cols is NULL (boundaries) */
	const struct columns *cols;    /* a map: the field names of its column profile */
	const char *insert;
	td_status (*bind)(const struct target *t, OGRFeatureH f, const int idx[R_COUNT], const td_ingest_options *opts,
			  const char *where, sqlite3_stmt *ins, td_error *err);
	enum role required[3]; /* fields a layer must have; R_COUNT ends the list */
	td_ingest_file *file;
};

/*
 * A CRS the user gave: "province:NN" is that province's VN-2000 TM-3 zone
 * (schemas/ref/ref_provinces.csv), anything else goes to GDAL (EPSG:n,
 * PROJ strings, WKT). what names the setting in messages.
 */
static td_status given_srs(td_ws *ws, const char *spec, const char *what, OGRSpatialReferenceH *out, td_error *err)
{
	td_crs crs = {0};
	const char *def = spec;
	td_status rc = TD_OK;

	*out = OSRNewSpatialReference(NULL);
	if (strncmp(spec, "province:", 9) == 0) {
		rc = td_crs_from_province(ws->ctx, spec + 9, &crs, err);
		def = crs.wkt;
	}
	if (rc == TD_OK && OSRSetFromUserInput(*out, def) != OGRERR_NONE)
		rc = td_error_set(err, TD_ERR_USAGE, "%s '%s' is not a CRS GDAL knows", what, spec);
	td_crs_release(&crs);
	if (rc != TD_OK) {
		OSRDestroySpatialReference(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * The transformation from a source's CRS to the workspace's, or NULL if they
 * agree. src is the CRS the file declares (NULL: none); --source-crs or
 * --source-province override it, and fallback (a map profile's crs, may be
 * NULL or "") stands in when the file has none.
 */
static td_status source_transform(td_ws *ws, OGRSpatialReferenceH src, const char *fallback,
				  const td_ingest_options *opts, const struct target *t, td_ingest_summary *sum,
				  OGRCoordinateTransformationH *out, td_error *err)
{
	OGRSpatialReferenceH wsrs = OSRNewSpatialReference(NULL), given = NULL;
	const char *spec = opts->source_crs, *what = "--source-crs";
	char province[32];
	td_ingest_file *file = t->file;
	td_status rc = TD_OK;

	*out = NULL;
	if (OSRSetFromUserInput(wsrs, ws->crs_wkt) != OGRERR_NONE) {
		rc = td_error_set(err, TD_ERR_WORKSPACE, "workspace '%s': its CRS cannot be read", ws->path);
		goto done;
	}
	if (!spec && opts->source_province) {
		snprintf(province, sizeof(province), "province:%s", opts->source_province);
		spec = province;
		what = "--source-province";
	}
	if (!spec && !src && fallback && *fallback) {
		spec = fallback;
		what = "the map profile's crs";
	}
	if (spec) {
		rc = given_srs(ws, spec, what, &given, err);
		if (rc != TD_OK)
			goto done;
		if (src && !OSRIsSame(src, given))
			warn(sum, "%s '%s' declares its own CRS; %s %s overrides it", t->kind, t->path, what, spec);
		src = given;
	}
	if (!src) {
		warn(sum, "%s '%s' names no CRS; assumed the workspace CRS %s (use --source-crs)", t->kind, t->path,
		     ws->crs_name);
		snprintf(file->crs, sizeof(file->crs), "%s (assumed)", ws->crs_name);
		goto done;
	}
	snprintf(file->crs, sizeof(file->crs), "%s", OSRGetName(src) ? OSRGetName(src) : "?");
	if (OSRIsSame(src, wsrs))
		goto done;
	OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(wsrs, OAMS_TRADITIONAL_GIS_ORDER);
	*out = OCTNewCoordinateTransformation(src, wsrs);
	if (!*out)
		rc = td_error_set(err, TD_ERR_INPUT, "%s '%s': cannot transform from %s to the workspace CRS: %s",
				  t->kind, t->path, file->crs, CPLGetLastErrorMsg());
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
	if (!s || !td_text_parse_long(s, sheet) || *sheet <= 0)
		return td_error_set(err, TD_ERR_INPUT, "%s: sheet number '%s' is not a positive whole number", where,
				    s ? s : "");
	s = field_str(f, idx[R_PARCEL]);
	if (!s || !td_text_parse_long(s, parcel) || *parcel <= 0)
		return td_error_set(err, TD_ERR_INPUT, "%s: parcel number '%s' is not a positive whole number", where,
				    s ? s : "");
	return TD_OK;
}

static td_status bind_text_nfc(sqlite3_stmt *st, int col, const char *s, const char *where, const char *column,
			       td_error *err);

/*
 * The map fields ingest has no column for (owner names, notes, a vendor's
 * own codes), as a JSON object {"TenChu":"Nguyễn Thị Hồng Nhung", ...} in
 * NFC, so nothing a contractor delivered is lost. *out NULL if none.
 */
static td_status map_attrs(OGRFeatureH f, const int idx[R_COUNT], const char *where, char **out, td_error *err)
{
	td_strbuf j = TD_STRBUF_INIT;

	*out = NULL;
	for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
		const char *v = field_str(f, i), *name = OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, i));
		char *nfc = NULL;
		int mapped = 0;
		for (int r = 0; r < R_COUNT; r++)
			mapped |= idx[r] == i;
		if (mapped || !v || !*skip_space(v))
			continue;
		if (td_text_nfc(v, &nfc, NULL) != TD_OK) {
			td_strbuf_release(&j);
			return td_error_set(err, TD_ERR_INPUT, "%s, field '%s': text is not valid UTF-8", where, name);
		}
		td_strbuf_add(&j, j.len ? "," : "{", 1);
		td_strbuf_json(&j, name);
		td_strbuf_add(&j, ":", 1);
		td_strbuf_json(&j, nfc);
		free(nfc);
	}
	if (j.len)
		td_strbuf_add(&j, "}", 1);
	if (j.failed) {
		td_strbuf_release(&j);
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	}
	*out = j.p;
	return TD_OK;
}

static td_status bind_parcel(const struct target *t, OGRFeatureH f, const int idx[R_COUNT],
			     const td_ingest_options *opts, const char *where, sqlite3_stmt *ins, td_error *err)
{
	char commune[16], *attrs = NULL;
	long sheet = 0, parcel = 0;
	double area;
	const char *s;
	td_status rc = map_keys(f, idx, opts, where, commune, &sheet, &parcel, err);

	(void)t;
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(ins, 5, commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 6, sheet);
	sqlite3_bind_int64(ins, 7, parcel);
	rc = bind_text_nfc(ins, 8, field_str(f, idx[R_LANDUSE]), where, "land use", err);
	if (rc != TD_OK)
		return rc;
	if ((s = field_str(f, idx[R_AREA])) != NULL && *skip_space(s)) {
		if (!td_text_parse_decimal(s, &area) || area < 0)
			return td_error_set(err, TD_ERR_INPUT, "%s: area '%s' is not an area in m²", where, s);
		sqlite3_bind_double(ins, 9, area);
	}
	if ((rc = map_attrs(f, idx, where, &attrs, err)) == TD_OK && attrs)
		sqlite3_bind_text(ins, 10, attrs, -1, free);
	return rc;
}

static td_status bind_commune(const struct target *t, OGRFeatureH f, const int idx[R_COUNT],
			      const td_ingest_options *opts, const char *where, sqlite3_stmt *ins, td_error *err)
{
	const char *s = field_str(f, idx[R_COMMUNE]);
	char code[16];

	(void)t;
	(void)opts;
	if (!s || !*skip_space(s))
		return td_error_set(err, TD_ERR_INPUT, "%s: empty commune code", where);
	commune_code(s, code, sizeof(code));
	sqlite3_bind_text(ins, 5, code, -1, SQLITE_TRANSIENT);
	if ((s = field_str(f, idx[R_NAME])) != NULL)
		sqlite3_bind_text(ins, 6, skip_space(s), -1, SQLITE_TRANSIENT);
	return TD_OK;
}

/* Where a layer lacks a required field, name it and the names it may have. */
static td_status missing_field(const struct target *t, OGRLayerH layer, enum role r, td_error *err)
{
	char names[256] = "";
	size_t n = 0;

	if (t->cols)
		for (int k = 0; k < t->cols->n[r] && n < sizeof(names); k++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", k ? ", " : "",
					      t->cols->names[r][k]);
	else
		for (int k = 0; k < 4 && t->names[r][k] && n < sizeof(names); k++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", k ? ", " : "", t->names[r][k]);
	return td_error_set(err, TD_ERR_INPUT, "%s '%s' layer '%s' has no %s field (expected one of %s%s%s)%s", t->kind,
			    t->path, OGR_L_GetName(layer), role_label[r], names, t->cols ? " in " : "",
			    t->cols ? t->cols->path : "",
			    r == R_COMMUNE && t->bind == bind_parcel ? "; or give --commune" : "");
}

/*
 * g (taken over and destroyed) as a multipolygon in the workspace CRS, ISO
 * WKB in *buf (grown as needed, kept for the next call); *len its size,
 * *env its bounding box.
 */
static td_status multipolygon_wkb(OGRGeometryH g, OGRCoordinateTransformationH ct, unsigned char **buf, size_t *cap,
				  size_t *len, OGREnvelope *env, const char *where, td_error *err)
{
	td_status rc = TD_OK;

	g = OGR_G_ForceToMultiPolygon(g);
	if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
		rc = td_error_set(err, TD_ERR_INPUT, "%s: cannot reproject: %s", where, CPLGetLastErrorMsg());
		goto done;
	}
	*len = (size_t)OGR_G_WkbSize(g);
	if (*len > *cap) {
		unsigned char *p = realloc(*buf, *len);
		if (!p) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			goto done;
		}
		*buf = p;
		*cap = *len;
	}
	OGR_G_ExportToIsoWkb(g, wkbNDR, *buf);
	OGR_G_GetEnvelope(g, env);
done:
	OGR_G_DestroyGeometry(g);
	return rc;
}

/*
 * Layers are bulk loaded: the R-tree trigger is suspended for the stage and
 * each row's box, known from OGR, goes into rtree_<table>_geom directly.
 */
static td_status bulk_begin(td_ws *ws, const char *table, sqlite3_stmt **rtree, td_error *err)
{
	char sql[128];
	td_status rc = td_ws_rtree_suspend(ws, table, err);

	snprintf(sql, sizeof(sql), "INSERT INTO rtree_%s_geom VALUES (?1, ?2, ?3, ?4, ?5)", table);
	return rc == TD_OK ? td_ws_prepare(ws, sql, rtree, err) : rc;
}

/* Puts the trigger back when all went well (else the rollback does). Returns rc. */
static td_status bulk_end(td_ws *ws, const char *table, sqlite3_stmt *rtree, td_status rc, td_error *err)
{
	sqlite3_finalize(rtree);
	return rc == TD_OK ? td_ws_rtree_resume(ws, table, err) : rc;
}

/* The row just inserted into the R-tree. */
static td_status index_row(td_ws *ws, sqlite3_stmt *rtree, const OGREnvelope *e, const char *where, td_error *err)
{
	sqlite3_reset(rtree);
	sqlite3_bind_int64(rtree, 1, sqlite3_last_insert_rowid(ws->db));
	sqlite3_bind_double(rtree, 2, e->MinX);
	sqlite3_bind_double(rtree, 3, e->MaxX);
	sqlite3_bind_double(rtree, 4, e->MinY);
	sqlite3_bind_double(rtree, 5, e->MaxY);
	return sqlite3_step(rtree) == SQLITE_DONE ? TD_OK : td_ws_sqlerr(ws, where, err);
}

/* The error GDAL reported while reading feature f, or (f NULL) the one after feature last. */
static td_status read_failure(const struct target *t, OGRLayerH layer, OGRFeatureH f, long long last, td_error *err)
{
	char feature[64];

	if (f)
		snprintf(feature, sizeof(feature), "feature %lld", (long long)OGR_F_GetFID(f));
	else if (last >= 0)
		snprintf(feature, sizeof(feature), "after feature %lld", last);
	else
		snprintf(feature, sizeof(feature), "first feature");
	return td_error_set(err, TD_ERR_INPUT, "%s '%s' layer '%s' %s: %s (the file is damaged or truncated)", t->kind,
			    t->path, OGR_L_GetName(layer), feature,
			    td_source_gdal_reason("the driver could not read it"));
}

static td_status ingest_layer(td_ws *ws, const struct target *t, OGRLayerH layer, const td_ingest_options *opts,
			      td_encoding enc, int64_t source_id, sqlite3_stmt *ins, sqlite3_stmt *rtree,
			      td_progress_fn progress, void *arg, td_ingest_summary *sum, td_error *err)
{
	OGRCoordinateTransformationH ct = NULL;
	OGRFeatureH f = NULL;
	OGREnvelope env;
	unsigned char *wkb = NULL;
	size_t wkb_cap = 0;
	int idx[R_COUNT];
	GIntBig total = OGR_L_GetFeatureCount(layer, FALSE);
	long long last = -1;
	char where[4400];
	td_status rc;

	if (t->cols)
		find_columns(OGR_L_GetLayerDefn(layer), t->cols, idx);
	else
		find_fields(OGR_L_GetLayerDefn(layer), t->names, idx);
	for (int i = 0; i < 3 && t->required[i] != R_COUNT; i++)
		if (idx[t->required[i]] < 0 &&
		    !(t->required[i] == R_COMMUNE && opts->commune && t->bind == bind_parcel))
			return missing_field(t, layer, t->required[i], err);
	rc = source_transform(ws, OGR_L_GetSpatialRef(layer), NULL, opts, t, sum, &ct, err);
	OGR_L_ResetReading(layer);
	while (rc == TD_OK) {
		OGRGeometryH g;

		/*
		 * A driver that meets a truncated .shp or a .shx pointing past the
		 * end says so only through CPLError, and still hands out the
		 * feature, with no geometry: such a feature is a broken file.
		 */
		CPLErrorReset();
		f = OGR_L_GetNextFeature(layer);
		if (CPLGetLastErrorType() >= CE_Failure) {
			rc = read_failure(t, layer, f, last, err);
			break;
		}
		if (!f)
			break;
		last = (long long)OGR_F_GetFID(f);
		g = OGR_F_GetGeometryRef(f);
		snprintf(where, sizeof(where), "%s '%s' layer '%s' feature %lld", t->kind, t->path,
			 OGR_L_GetName(layer), (long long)OGR_F_GetFID(f));
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		rc = recode(f, enc, where, err);
		if (rc == TD_OK)
			rc = t->bind(t, f, idx, opts, where, ins, err);
		if (rc != TD_OK)
			break;
		int indexed = g && !OGR_G_IsEmpty(g);
		if (indexed) {
			size_t n;
			rc = multipolygon_wkb(OGR_F_StealGeometry(f), ct, &wkb, &wkb_cap, &n, &env, where, err);
			if (rc != TD_OK)
				break;
			sqlite3_bind_blob(ins, 1, wkb, (int)n, SQLITE_STATIC);
		}
		sqlite3_bind_int(ins, 2, ws->srs_id);
		sqlite3_bind_int64(ins, 3, source_id);
		sqlite3_bind_int64(ins, 4, OGR_F_GetFID(f));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = td_ws_sqlerr(ws, where, err);
			break;
		}
		if (indexed && (rc = index_row(ws, rtree, &env, where, err)) != TD_OK)
			break;
		t->file->records++;
		if (progress && t->file->records % 1000 == 0 &&
		    !progress(total > 0 ? 0.5 * (double)t->file->records / (double)total : 0, "ingest map", arg))
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

/* A profile that cannot be read is bad configuration, not bad data. */
static td_status profile_error(td_status rc, td_error *err)
{
	if (rc == TD_ERR_INPUT)
		err->code = rc = TD_ERR_USAGE;
	return rc;
}

/* The DGN level profile opts names. */
static td_status load_map_profile(td_ws *ws, const td_ingest_options *opts, td_map_profile *mp, td_error *err)
{
	char path[TD_PATH_MAX];
	td_status rc = td_ctx_named_file(ws->ctx, "maps", opts->map_profile ? opts->map_profile : "dgn-separate-labels",
					 ".ini", path, sizeof(path), err);

	if (rc == TD_OK)
		rc = td_map_profile_load(path, mp, err);
	return profile_error(rc, err);
}

static int is_dgn(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcasecmp(name + n - 4, ".dgn") == 0;
}

static int dgn_entry(const struct dirent *d)
{
	return is_dgn(d->d_name);
}

/* A DGN sheet, or a folder holding at least one. */
static int map_is_dgn(const char *path)
{
	struct dirent **names = NULL;
	struct stat sb;
	int n;

	if (is_dgn(path))
		return 1;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return 0;
	n = scandir(path, &names, dgn_entry, alphasort);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n > 0;
}

/*
 * The commune and sheet of a DGN sheet: the commune from --commune or the
 * file name, the sheet from the profile's sheet level or the file name.
 */
static td_status dgn_keys(const char *path, const td_map_profile *mp, const td_ingest_options *opts,
			  const td_dgn_result *r, char commune[16], long *sheet, td_error *err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[256];
	td_scan_file f;
	int named;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(base) - 4), base);
	named = mp->file_name[0] && td_scans_match_name(mp->file_name, name, &f);
	if (opts->commune || (named && f.commune[0])) {
		commune_code(opts->commune ? opts->commune : f.commune, commune, 16);
	} else {
		return td_error_set(err, TD_ERR_INPUT,
				    "map '%s': no commune code: the file name does not match the profile's "
				    "file_name '%s' with {commune}; give --commune",
				    path, mp->file_name);
	}
	*sheet = r->sheet ? r->sheet : named ? f.sheet : 0;
	if (*sheet <= 0) {
		if (mp->dgn.sheet_label_level >= 0)
			return td_error_set(err, TD_ERR_INPUT,
					    "map '%s': no sheet number: no text on level %d and no {sheet} in the "
					    "file name (profile '%s')",
					    path, mp->dgn.sheet_label_level, mp->path);
		return td_error_set(err, TD_ERR_INPUT,
				    "map '%s': no sheet number: the file name does not match '%s' with {sheet} "
				    "(profile '%s')",
				    path, mp->file_name, mp->path);
	}
	return TD_OK;
}

static const char *const dgn_problem_kind[] = {
	[TD_DGN_NO_LABEL] = "label_missing",
	[TD_DGN_LABEL_OUTSIDE] = "label_outside",
	[TD_DGN_TWO_LABELS] = "label_twice",
	[TD_DGN_DANGLING_LINE] = "line_dangling",
};

/* Store a DGN sheet's problems, located in the workspace CRS. */
static td_status dgn_problems(td_ws *ws, const td_dgn_result *r, int64_t source_id, const char *commune, long sheet,
			      OGRCoordinateTransformationH ct, const char *path, sqlite3_stmt *ins, td_error *err)
{
	for (size_t i = 0; i < r->nproblems; i++) {
		const td_dgn_problem *q = &r->problems[i];
		double x = q->x, y = q->y;

		if (ct && !OCTTransform(ct, 1, &x, &y, NULL))
			return td_error_set(err, TD_ERR_INPUT, "map '%s' element %ld: cannot reproject", path,
					    q->element);
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_bind_int64(ins, 1, source_id);
		if (q->element >= 0)
			sqlite3_bind_int64(ins, 2, q->element);
		sqlite3_bind_text(ins, 3, dgn_problem_kind[q->kind], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, commune, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 5, sheet);
		if (q->parcel > 0)
			sqlite3_bind_int64(ins, 6, q->parcel);
		sqlite3_bind_double(ins, 7, x);
		sqlite3_bind_double(ins, 8, y);
		if (q->text[0])
			sqlite3_bind_text(ins, 9, q->text, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			return td_ws_sqlerr(ws, path, err);
	}
	return TD_OK;
}

/*
 * A sheet that gives no parcel at all is read with the wrong profile (other
 * levels) or is not a cadastral sheet: refused, not stored as an empty
 * sheet that every later stage would count as done.
 */
static td_status dgn_has_parcels(const char *path, const td_map_profile *mp, const td_dgn_result *r, td_error *err)
{
	char levels[64] = "";
	size_t n = 0, faces = 0;

	for (size_t i = 0; i < r->nparcels; i++) {
		if (r->parcels[i].parcel > 0)
			return TD_OK;
		faces++;
	}
	for (int i = 0; i < mp->dgn.nboundary; i++)
		n += (size_t)snprintf(levels + n, sizeof(levels) - n, "%s%d", i ? "," : "", mp->dgn.boundary_levels[i]);
	if (faces == 0)
		return td_error_set(err, TD_ERR_INPUT,
				    "map '%s': no parcel: the boundary lines on level %s close no face "
				    "(profile '%s'; is it the right --map-profile?)",
				    path, levels, mp->path);
	return td_error_set(err, TD_ERR_INPUT,
			    "map '%s': no parcel: %zu faces on level %s, none with a parcel number on level %d "
			    "(profile '%s'; is it the right --map-profile?)",
			    path, faces, levels, mp->dgn.parcel_label_level, mp->path);
}

/* Fold one DGN sheet's outcome into the map's. */
static void add_sheet(td_ingest_file *map, const td_ingest_file *sheet)
{
	map->unchanged = map->unchanged && sheet->unchanged;
	map->replaced |= sheet->replaced;
	map->reread |= sheet->reread;
	map->source_id = sheet->source_id;
	memcpy(map->known_path, sheet->known_path, sizeof(map->known_path));
	if (sheet->superseded) {
		map->superseded = sheet->superseded;
		memcpy(map->superseded_path, sheet->superseded_path, sizeof(map->superseded_path));
	}
	map->records += sheet->records;
	memcpy(map->checksum, sheet->checksum, sizeof(map->checksum));
	if (!map->crs[0])
		memcpy(map->crs, sheet->crs, sizeof(map->crs));
}

/* One DGN sheet into parcels (faces with a parcel number) and map_problems. */
static td_status ingest_dgn(td_ws *ws, const struct target *t, const char *path, const td_map_profile *mp,
			    const td_ingest_options *opts, const char *options, sqlite3_stmt *ins, sqlite3_stmt *rtree,
			    sqlite3_stmt *prob, td_ingest_summary *sum, td_dgn_result *r, td_error *err)
{
	td_ingest_file file = {0};
	struct target sheet_target = *t;
	OGRCoordinateTransformationH ct = NULL;
	unsigned char *wkb = NULL;
	size_t wkb_cap = 0;
	char commune[16], where[4400];
	int64_t source_id, size;
	long sheet = 0;
	int skip;
	td_status rc;

	sheet_target.path = path;
	sheet_target.file = &file;
	/* The DGN reader opens the file itself: no GDAL open just for the checksum. */
	rc = td_source_file_checksum(path, file.checksum, &size, err);
	if (rc == TD_OK)
		rc = source_row(ws, path, "map", "DGN", NULL, options, size, &file, &source_id, &skip, err);
	if (rc != TD_OK || skip)
		goto done;
	if ((rc = td_dgn_read(ws->ctx->geos, path, &mp->dgn, r, err)) != TD_OK)
		goto done;
	if ((rc = dgn_keys(path, mp, opts, r, commune, &sheet, err)) != TD_OK)
		goto done;
	if ((rc = dgn_has_parcels(path, mp, r, err)) != TD_OK)
		goto done;
	if ((rc = source_transform(ws, NULL, mp->crs, opts, &sheet_target, sum, &ct, err)) != TD_OK)
		goto done;
	for (size_t i = 0; rc == TD_OK && i < r->nparcels; i++) {
		const td_dgn_parcel *pa = &r->parcels[i];
		OGRGeometryH g = NULL;
		OGREnvelope env;
		size_t n;

		if (pa->parcel <= 0)
			continue; /* a face without a number: in map_problems */
		snprintf(where, sizeof(where), "map '%s' parcel %ld (element %ld)", path, pa->parcel, pa->element);
		if (OGR_G_CreateFromWkb(pa->wkb, NULL, &g, (int)pa->wkb_len) != OGRERR_NONE) {
			rc = td_error_set(err, TD_ERR_INTERNAL, "%s: cannot read the polygonized face", where);
			break;
		}
		if ((rc = multipolygon_wkb(g, ct, &wkb, &wkb_cap, &n, &env, where, err)) != TD_OK)
			break;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_bind_blob(ins, 1, wkb, (int)n, SQLITE_STATIC);
		sqlite3_bind_int(ins, 2, ws->srs_id);
		sqlite3_bind_int64(ins, 3, source_id);
		sqlite3_bind_int64(ins, 4, pa->element);
		sqlite3_bind_text(ins, 5, commune, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, sheet);
		sqlite3_bind_int64(ins, 7, pa->parcel);
		if (pa->landuse[0])
			sqlite3_bind_text(ins, 8, pa->landuse, -1, SQLITE_STATIC);
		if (pa->has_area)
			sqlite3_bind_double(ins, 9, pa->label_area);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, where, err);
		else if ((rc = index_row(ws, rtree, &env, where, err)) == TD_OK)
			file.records++;
	}
	if (rc == TD_OK)
		rc = dgn_problems(ws, r, source_id, commune, sheet, ct, path, prob, err);
	if (rc == TD_OK)
		rc = set_records(ws, source_id, file.records, err);
	if (rc == TD_OK)
		rc = supersede(ws, "map", path, source_id, opts->replace, &file, err);
	if (rc == TD_OK && r->nproblems)
		warn(sum, "map '%s': %zu labels or lines could not be attached (see MAP_* findings after check)", path,
		     r->nproblems);
done:
	add_sheet(t->file, &file);
	free(wkb);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	return rc;
}

/*
 * A DGN map: one file, or every .dgn in a folder (one file per sheet, read
 * one at a time so memory follows the largest sheet, not the number).
 * *handled is 0 when t->path is neither: a source for GDAL.
 */
static td_status ingest_dgn_map(td_ws *ws, const struct target *t, const td_ingest_options *opts,
				td_progress_fn progress, void *arg, td_ingest_summary *sum, int *handled, td_error *err)
{
	struct dirent **names = NULL;
	struct stat sb;
	int n = 0;
	td_map_profile mp;
	td_dgn_result r;
	sqlite3_stmt *ins = NULL, *prob = NULL, *rtree = NULL;
	char path[TD_PATH_MAX], options[1024] = "";
	int bulk = 0;
	td_status rc = TD_OK;

	*handled = 0;
	if (stat(t->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		n = scandir(t->path, &names, dgn_entry, alphasort);
		if (n <= 0) {
			free(names);
			return TD_OK;
		}
	} else if (!is_dgn(t->path)) {
		return TD_OK;
	}
	*handled = 1;
	td_dgn_result_init(&r);
	t->file->given = 1;
	t->file->unchanged = 1;
	rc = load_map_profile(ws, opts, &mp, err);
	add_option(options, sizeof(options), "source-crs", opts->source_crs);
	add_option(options, sizeof(options), "source-province", opts->source_province);
	add_option(options, sizeof(options), "commune", opts->commune);
	if (rc == TD_OK)
		rc = add_profile(options, sizeof(options), "map-profile", mp.path, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, t->insert, &ins, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"INSERT INTO map_problems (source_id, element, kind, commune, sheet, parcel, x, y, text) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			&prob, err);
	if (rc == TD_OK && (rc = bulk_begin(ws, t->table, &rtree, err)) == TD_OK)
		bulk = 1;
	CPLPushErrorHandler(CPLQuietErrorHandler);
	for (int i = 0; rc == TD_OK && i < (names ? n : 1); i++) {
		if (names)
			snprintf(path, sizeof(path), "%s/%s", t->path, names[i]->d_name);
		else
			snprintf(path, sizeof(path), "%s", t->path);
		rc = ingest_dgn(ws, t, path, &mp, opts, options, ins, rtree, prob, sum, &r, err);
		if (rc == TD_OK && progress && !progress(0.5 * (i + 1) / (names ? n : 1), "ingest map", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	}
	CPLPopErrorHandler();
	if (bulk)
		rc = bulk_end(ws, t->table, rtree, rc, err);
	td_dgn_result_release(&r);
	sqlite3_finalize(prob);
	sqlite3_finalize(ins);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * How a polygon source's strings are decoded. GDAL recodes a shapefile's
 * DBF to UTF-8 when a .cpg or the DBF's code-page byte names its encoding.
 * Without one (usual for Vietnamese DBFs in TCVN3 or VNI), or with
 * --encoding, the file is reopened with its raw bytes and the encoding is
 * detected from every string or taken from --encoding. Other formats hold
 * UTF-8 by definition. The file's own bytes stay the original: sources
 * records the path, checksum and the encoding they were read in.
 */
static td_status source_encoding(GDALDatasetH *ds, const struct target *t, const td_ingest_options *opts,
				 td_ingest_summary *sum, td_encoding *enc, td_error *err)
{
	const char *declared = NULL;
	td_status rc;

	*enc = TD_ENC_UTF8;
	if (strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(*ds)), "ESRI Shapefile") != 0) {
		snprintf(t->file->encoding, sizeof(t->file->encoding), "%s", td_encoding_name(TD_ENC_UTF8));
		return TD_OK;
	}
	if (GDALDatasetGetLayerCount(*ds) > 0)
		declared = GDALGetMetadataItem(GDALDatasetGetLayer(*ds, 0), "SOURCE_ENCODING", "SHAPEFILE");
	if (declared && *declared && !opts->encoding) {
		snprintf(t->file->encoding, sizeof(t->file->encoding), "%s", declared);
		return TD_OK;
	}
	GDALClose(*ds);
	*ds = td_source_open_vector(t->path, 1, err);
	if (!*ds)
		return err->code;
	rc = text_encoding(*ds, t->kind, t->path, opts, sum, enc, err);
	if (rc == TD_OK)
		snprintf(t->file->encoding, sizeof(t->file->encoding), "%s", td_encoding_name(*enc));
	return rc;
}

/*
 * Which layers of a multi-layer source are read: the one --layer names (a
 * map only), else every polygon layer with the key fields (a parcel layer
 * has sheet and parcel numbers, a boundary layer commune codes); other
 * layers (buildings 'NhaO', roads, ...) are skipped with a warning.
 * 1: named by --layer; 0: to be judged; -1: not this one.
 */
static int layer_named(const struct target *t, const td_ingest_options *opts, OGRLayerH layer)
{
	if (!t->cols || !opts->layer)
		return 0;
	return strcmp(OGR_L_GetName(layer), opts->layer) == 0 ? 1 : -1;
}

/*
 * A polygon layer, or a layer of generic geometry type (what ogr2ogr makes
 * from CSV or WKT) whose features are all polygons or empty.
 */
static int polygon_layer(OGRLayerH layer)
{
	OGRwkbGeometryType type = wkbFlatten(OGR_L_GetGeomType(layer));
	OGRFeatureH f;
	long polygons = 0, others = 0;

	if (is_polygonal(type))
		return 1;
	if (type != wkbUnknown)
		return 0;
	OGR_L_ResetReading(layer);
	while (!others && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		OGRGeometryH g = OGR_F_GetGeometryRef(f);
		if (g && !OGR_G_IsEmpty(g)) {
			if (is_polygonal(OGR_G_GetGeometryType(g)))
				polygons++;
			else
				others++;
		}
		OGR_F_Destroy(f);
	}
	OGR_L_ResetReading(layer);
	return polygons > 0 && others == 0;
}

static int has_keys(const struct target *t, const td_ingest_options *opts, OGRLayerH layer)
{
	int idx[R_COUNT];

	if (t->cols)
		find_columns(OGR_L_GetLayerDefn(layer), t->cols, idx);
	else
		find_fields(OGR_L_GetLayerDefn(layer), t->names, idx);
	for (int i = 0; i < 3 && t->required[i] != R_COUNT; i++)
		if (idx[t->required[i]] < 0 &&
		    !(t->required[i] == R_COMMUNE && opts->commune && t->bind == bind_parcel))
			return 0;
	return 1;
}

/* Nothing read: name the layers there are, so the user can pick one. */
static td_status no_layer(const struct target *t, const td_ingest_options *opts, GDALDatasetH ds, td_error *err)
{
	char names[512] = "";
	size_t n = 0;

	for (int i = 0; i < GDALDatasetGetLayerCount(ds) && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s'%s'", i ? ", " : "",
				      OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
	if (t->cols && opts->layer)
		return td_error_set(err, TD_ERR_USAGE, "%s '%s' has no layer '%s' (its layers: %s)", t->kind, t->path,
				    opts->layer, names[0] ? names : "none");
	if (t->cols)
		return td_error_set(err, TD_ERR_INPUT,
				    "%s '%s' has no polygon layer with sheet and parcel fields named in '%s' (its "
				    "layers: %s); name one with --layer, or give a --map-profile with its field names",
				    t->kind, t->path, t->cols->path, names[0] ? names : "none");
	return td_error_set(err, TD_ERR_INPUT,
			    "%s '%s' has no polygon layer with a commune code field (its layers: %s)", t->kind, t->path,
			    names[0] ? names : "none");
}

/* The map column profile: --map-profile (NAME in schemas/maps/ or a path), else schemas/maps/default.ini. */
static td_status load_map_columns(td_ws *ws, const td_ingest_options *opts, struct columns *c, char *path, size_t size,
				  td_error *err)
{
	td_status rc = td_ctx_named_file(ws->ctx, "maps", opts->map_profile ? opts->map_profile : "default", ".ini",
					 path, size, err);

	memset(c->n, 0, sizeof(c->n));
	c->path = path;
	c->map = 1;
	if (rc == TD_OK)
		rc = td_ini_parse(path, on_column, c, err);
	if (rc == TD_OK && (!c->n[R_SHEET] || !c->n[R_PARCEL]))
		rc = td_error_set(err, TD_ERR_USAGE, "'%s': no [columns] names for the map's sheet and parcel fields",
				  path);
	return profile_error(rc, err);
}

static td_status ingest_polygons(td_ws *ws, const struct target *target, const td_ingest_options *opts,
				 td_progress_fn progress, void *arg, td_ingest_summary *sum, td_error *err)
{
	struct target map = *target;
	const struct target *t = &map;
	struct columns cols;
	char profile[4200];
	GDALDatasetH ds = NULL;
	sqlite3_stmt *ins = NULL, *rtree = NULL;
	int64_t source_id;
	int skip, layers = 0, dgn = 0, bulk = 0;
	char options[1024] = "";
	td_encoding enc = TD_ENC_UTF8;
	td_status rc;

	if (t->file == &sum->map && ((rc = ingest_dgn_map(ws, t, opts, progress, arg, sum, &dgn, err)) != TD_OK || dgn))
		return rc;
	if (t->file == &sum->map) {
		if ((rc = load_map_columns(ws, opts, &cols, profile, sizeof(profile), err)) != TD_OK)
			return rc;
		map.cols = &cols;
		add_option(options, sizeof(options), "layer", opts->layer);
		add_option(options, sizeof(options), "commune", opts->commune);
		if ((rc = add_profile(options, sizeof(options), "map-profile", profile, err)) != TD_OK)
			return rc;
	}
	ds = td_source_open_vector(t->path, 0, err);
	if (!ds)
		return err->code;
	t->file->given = 1;
	CPLPushErrorHandler(CPLQuietErrorHandler);
	add_option(options, sizeof(options), "source-crs", opts->source_crs);
	add_option(options, sizeof(options), "source-province", opts->source_province);
	add_option(options, sizeof(options), "encoding", opts->encoding);
	rc = dataset_source(ws, ds, t->path, t->kind, opts->source_crs, options, t->file, &source_id, &skip, err);
	if (rc != TD_OK || skip)
		goto done;
	rc = source_encoding(&ds, t, opts, sum, &enc, err);
	if (rc == TD_OK)
		rc = set_encoding(ws, source_id, t->file->encoding, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, t->insert, &ins, err);
	if (rc == TD_OK && (rc = bulk_begin(ws, t->table, &rtree, err)) == TD_OK)
		bulk = 1;
	for (int i = 0; rc == TD_OK && i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);
		int named = layer_named(t, opts, layer);
		if (named < 0)
			continue;
		if (!polygon_layer(layer)) {
			if (named)
				rc = td_error_set(err, TD_ERR_INPUT, "%s '%s': layer '%s' holds no polygons", t->kind,
						  t->path, OGR_L_GetName(layer));
			else
				warn(sum, "%s '%s': layer '%s' skipped: it holds no polygons", t->kind, t->path,
				     OGR_L_GetName(layer));
			continue;
		}
		if (!named && !has_keys(t, opts, layer)) {
			warn(sum,
			     "%s '%s': layer '%s' skipped: it has no %s fields, so it is not the %s layer "
			     "(--layer reads it)",
			     t->kind, t->path, OGR_L_GetName(layer), t->cols ? "sheet and parcel" : "commune code",
			     t->cols ? "parcel" : "boundary");
			continue;
		}
		layers++;
		rc = ingest_layer(ws, t, layer, opts, enc, source_id, ins, rtree, progress, arg, sum, err);
	}
	if (rc == TD_OK && layers == 0)
		rc = no_layer(t, opts, ds, err);
	if (rc == TD_OK)
		rc = set_records(ws, source_id, t->file->records, err);
	if (bulk)
		rc = bulk_end(ws, t->table, rtree, rc, err);
	if (rc == TD_OK)
		rc = supersede(ws, t->kind, t->path, source_id, opts->replace, t->file, err);
done:
	sqlite3_finalize(ins);
	CPLPopErrorHandler();
	GDALClose(ds);
	return rc;
}

/* The UTF-16 code units of valid UTF-8 s: what Excel counts in a cell. */
static size_t utf16_units(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80 ? 1 + (*p >= 0xF0) : 0;
	return n;
}

static td_status bind_text_nfc(sqlite3_stmt *st, int col, const char *s, const char *where, const char *column,
			       td_error *err)
{
	char *nfc = NULL;
	size_t units;

	if (!s || !*skip_space(s))
		return TD_OK;
	if (td_text_nfc(skip_space(s), &nfc, NULL) != TD_OK)
		return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': text is not valid UTF-8", where, column);
	if ((units = utf16_units(nfc)) > TD_XLS_MAX_CHARS) {
		free(nfc);
		return td_error_set(err, TD_ERR_INPUT,
				    "%s, column '%s': %zu characters, but a spreadsheet cell holds at most %d "
				    "(the export could not write it)",
				    where, column, units, TD_XLS_MAX_CHARS);
	}
	sqlite3_bind_text(st, col, nfc, -1, free);
	return TD_OK;
}

/* Text columns of a register row and their parameter in the INSERT. */
static const struct {
	enum role role;
	int param;
} text_columns[] = {{R_LANDUSE, 7}, {R_OWNER, 8}, {R_GENDER, 11}, {R_GCN_SERIAL, 12}},
  date_columns[] = {{R_GCN_DATE, 13}, {R_LAST_CHANGE, 14}, {R_PENDING, 15}, {R_BIRTH_DATE, 0}};

static td_status register_row(OGRFeatureH f, const int idx[R_COUNT], char headers[R_COUNT][128],
			      const td_ingest_options *opts, const char *where, sqlite3_stmt *ins, td_error *err)
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
		if (!td_text_parse_decimal(s, &area) || area < 0)
			return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': '%s' is not an area in m²", where,
					    headers[R_AREA], s);
		sqlite3_bind_double(ins, 6, area);
	}
	if ((s = field_str(f, idx[R_BIRTH_YEAR])) != NULL && *skip_space(s)) {
		if (!td_text_parse_long(s, &year) || year < 1000 || year > 9999)
			return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': '%s' is not a year", where,
					    headers[R_BIRTH_YEAR], s);
		sqlite3_bind_int64(ins, 10, year);
	}
	for (size_t i = 0; i < sizeof(date_columns) / sizeof(date_columns[0]); i++) {
		int r = date_columns[i].role;
		char date[11];
		if ((s = field_str(f, idx[r])) == NULL || !*skip_space(s))
			continue;
		if (!parse_date(s, date))
			return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': '%s' is not a date dd/mm/yyyy", where,
					    headers[r], s);
		if (date_columns[i].param)
			sqlite3_bind_text(ins, date_columns[i].param, date, -1, SQLITE_TRANSIENT);
		else if (idx[R_BIRTH_YEAR] < 0 || !field_str(f, idx[R_BIRTH_YEAR]))
			sqlite3_bind_int(ins, 10, (int)strtol(date, NULL, 10)); /* birth date gives the year */
	}
	if ((s = field_str(f, idx[R_CCCD])) != NULL && *skip_space(s)) {
		char id[32];
		td_identity_normalize(s, id, sizeof(id));
		sqlite3_bind_text(ins, 9, id, -1, SQLITE_TRANSIENT);
	}
	for (size_t i = 0; i < sizeof(text_columns) / sizeof(text_columns[0]) && rc == TD_OK; i++) {
		int r = text_columns[i].role;
		if (idx[r] >= 0)
			rc = bind_text_nfc(ins, text_columns[i].param, field_str(f, idx[r]), where, headers[r], err);
	}
	return rc;
}

/*
 * Replace the feature's text by its UTF-8 (NFC) decoding from enc, so the
 * rest of the reader sees Unicode whatever the file held.
 */
/*
 * Register exports often carry title rows above the header ("SỔ ĐỊA CHÍNH",
 * the commune's name): the header is the first of the first rows that names
 * at least the sheet and parcel columns. Fills idx with column indexes and
 * headers with the header texts, for messages; returns its row, or 0.
 */
#define HEADER_SEARCH_ROWS 30

static td_status on_column(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	struct columns *c = arg;
	char buf[1024];
	char *save = NULL;
	int r = 0;

	if (c->map && strcmp(section, "dgn") == 0)
		return TD_OK; /* a DGN level profile's part (mapprofile.c) */
	if (strcmp(section, "columns") != 0)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown section [%s] (expected [columns])",
				    c->path, line, section);
	if (!key)
		return TD_OK;
	while (r < R_COUNT && !(column_keys[r] && strcmp(column_keys[r], key) == 0))
		r++;
	if (c->map && r > R_LANDUSE)
		return td_error_set(
			err, TD_ERR_USAGE,
			"'%s' line %d: unknown map column '%s' (expected commune, sheet, parcel, area or landuse)",
			c->path, line, key);
	if (r == R_COUNT)
		return td_error_set(
			err, TD_ERR_USAGE,
			"'%s' line %d: unknown column '%s' (expected commune, sheet, parcel, area, landuse, "
			"owner, cccd, birth_year, birth_date, gender, gcn_serial, gcn_date, last_change "
			"or pending)",
			c->path, line, key);
	c->n[r] = 0;
	snprintf(buf, sizeof(buf), "%s", value);
	for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		char *name = (char *)skip_space(tok);
		size_t len = strlen(name);
		while (len > 0 && name[len - 1] == ' ')
			name[--len] = '\0';
		if (!len)
			continue;
		if (c->n[r] == COLUMN_NAMES || len >= sizeof(c->names[0][0]) ||
		    !td_text_fold(name, c->keys[r][c->n[r]], sizeof(c->keys[0][0])))
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: %s: at most %d names of up to 63 bytes of UTF-8", c->path,
					    line, key, COLUMN_NAMES);
		memcpy(c->names[r][c->n[r]++], name, len + 1);
	}
	return TD_OK;
}

/* The register column profile opts names; sheet and parcel must have names. */
static td_status load_columns(td_ws *ws, const td_ingest_options *opts, struct columns *c, char *path, size_t size,
			      td_error *err)
{
	td_status rc =
		td_ctx_named_file(ws->ctx, "register", opts->register_profile ? opts->register_profile : "default",
				  ".ini", path, size, err);

	memset(c->n, 0, sizeof(c->n));
	c->path = path;
	c->map = 0;
	if (rc == TD_OK)
		rc = td_ini_parse(path, on_column, c, err);
	if (rc == TD_OK && (!c->n[R_SHEET] || !c->n[R_PARCEL]))
		rc = td_error_set(err, TD_ERR_USAGE, "'%s': no names for the sheet and parcel columns", path);
	return profile_error(rc, err);
}

static long find_header(OGRLayerH layer, td_encoding enc, const char *path, const struct columns *c, int idx[R_COUNT],
			char headers[R_COUNT][128], td_error *why)
{
	OGRFeatureH f;
	char key[256];
	long row = 0;

	for (int n = 0; n < HEADER_SEARCH_ROWS && !row && (f = OGR_L_GetNextFeature(layer)) != NULL; n++) {
		char where[TD_PATH_MAX];
		int found = 0;
		for (int r = 0; r < R_COUNT; r++)
			idx[r] = -1;
		snprintf(where, sizeof(where), "register '%s' row %lld", path, (long long)OGR_F_GetFID(f));
		if (recode(f, enc, where, why) != TD_OK) {
			OGR_F_Destroy(f);
			continue;
		}
		for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
			const char *v = field_str(f, i);
			if (!v || !td_text_fold(v, key, sizeof(key)))
				continue;
			for (int r = 0; r < R_COUNT; r++)
				for (int k = 0; k < c->n[r]; k++)
					if (idx[r] < 0 && strcmp(key, c->keys[r][k]) == 0) {
						idx[r] = i;
						snprintf(headers[r], sizeof(headers[0]), "%s", v);
						found++;
					}
		}
		if (idx[R_SHEET] >= 0 && idx[R_PARCEL] >= 0 && found >= 3)
			row = (long)OGR_F_GetFID(f);
		OGR_F_Destroy(f);
	}
	return row;
}

static int blank_row(OGRFeatureH f)
{
	for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
		const char *v = field_str(f, i);
		if (v && *skip_space(v))
			return 0;
	}
	return 1;
}

/*
 * The text encoding of a CSV register: the one given, else the detector's
 * verdict over every cell. Spreadsheets are Unicode already.
 */
/*
 * Links a register's rows to owners, adding the people not yet known. An
 * owner already known keeps its details and verification state; owners
 * whose rows all went away with a replaced register and who were never
 * verified are dropped.
 */
static td_status link_owners(td_ws *ws, int64_t source_id, td_error *err)
{
	/* Columns are qualified: owners has columns of the same names. */
	static const char *const person_key =
		"CASE WHEN r.cccd GLOB '[0-9]*' AND length(r.cccd) IN (9, 12) AND r.cccd NOT GLOB '*[^0-9]*' "
		"THEN 'cccd:' || r.cccd ELSE 'name:' || td_name_key(r.owner_name) || '|' || "
		"coalesce(r.birth_year, '') END";
	char sql[2048];
	td_status rc;

	snprintf(sql, sizeof(sql),
		 "INSERT INTO owners (person_key, name, cccd, birth_year, gender) "
		 "SELECT %s, r.owner_name, r.cccd, r.birth_year, r.gender FROM register_rows r "
		 "WHERE r.source_id = %lld AND trim(coalesce(r.owner_name, '')) <> '' "
		 "ORDER BY r.source_row ON CONFLICT (person_key) DO NOTHING",
		 person_key, (long long)source_id);
	rc = td_ws_exec(ws, sql, err);
	if (rc != TD_OK)
		return rc;
	snprintf(sql, sizeof(sql),
		 "UPDATE register_rows AS r SET owner_id = (SELECT id FROM owners o WHERE o.person_key = %s) "
		 "WHERE r.source_id = %lld AND trim(coalesce(r.owner_name, '')) <> ''",
		 person_key, (long long)source_id);
	rc = td_ws_exec(ws, sql, err);
	if (rc != TD_OK)
		return rc;
	return td_ws_exec(ws,
			  "DELETE FROM owners WHERE verification = 'unverified' AND id NOT IN "
			  "(SELECT owner_id FROM register_rows WHERE owner_id IS NOT NULL) "
			  "AND id NOT IN (SELECT owner_id FROM owner_history)",
			  err);
}

static td_status ingest_register(td_ws *ws, const td_ingest_options *opts, td_progress_fn progress, void *arg,
				 td_ingest_summary *sum, td_error *err)
{
	GDALDatasetH ds = td_source_open_table(opts->register_path, err);
	sqlite3_stmt *ins = NULL;
	OGRLayerH layer = NULL;
	OGRFeatureH f = NULL;
	int64_t source_id;
	GIntBig total;
	int idx[R_COUNT], skip;
	char headers[R_COUNT][128] = {{0}};
	char where[TD_PATH_MAX], profile[TD_PATH_MAX], options[1024] = "";
	struct columns columns;
	long header_row = 0;
	td_encoding enc = TD_ENC_UTF8;
	td_error why;
	td_status rc = TD_OK;

	if (!ds)
		return err->code;
	td_error_init(&why);
	sum->reg.given = 1;
	if ((rc = load_columns(ws, opts, &columns, profile, sizeof(profile), err)) != TD_OK) {
		td_source_close_table(ds);
		return rc;
	}
	CPLPushErrorHandler(CPLQuietErrorHandler);
	if (strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "CSV") == 0) {
		int ascii;
		if (!opts->encoding && td_encoding_file_is_utf8(opts->register_path, &ascii))
			enc = ascii ? TD_ENC_ASCII : TD_ENC_UTF8; /* no need to read it all twice */
		else
			rc = text_encoding(ds, "register", opts->register_path, opts, sum, &enc, err);
	}
	if (rc != TD_OK)
		goto done;
	snprintf(sum->reg.encoding, sizeof(sum->reg.encoding), "%s", td_encoding_name(enc));
	/* The first sheet with a header row is the register. */
	for (int i = 0; i < GDALDatasetGetLayerCount(ds) && !header_row; i++) {
		layer = GDALDatasetGetLayer(ds, i);
		header_row = find_header(layer, enc, opts->register_path, &columns, idx, headers, &why);
	}
	if (!header_row && why.code != TD_OK) {
		rc = td_error_set(err, TD_ERR_INPUT, "%s", why.msg); /* the text could not be read at all */
		goto done;
	}
	if (!header_row) {
		rc = td_error_set(err, TD_ERR_INPUT,
				  "register '%s': no header row naming '%s' and '%s' in the first %d rows of any sheet",
				  opts->register_path, columns.names[R_SHEET][0], columns.names[R_PARCEL][0],
				  HEADER_SEARCH_ROWS);
		goto done;
	}
	if (strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "CSV") == 0 &&
	    (rc = td_source_csv_fields(opts->register_path, header_row, err)) != TD_OK)
		goto done;
	if (idx[R_COMMUNE] < 0 && !opts->commune) {
		rc = td_error_set(err, TD_ERR_INPUT,
				  "register '%s' has no column '%s' in its header row (row %ld); "
				  "or give --commune",
				  opts->register_path, columns.n[R_COMMUNE] ? columns.names[R_COMMUNE][0] : "commune",
				  header_row);
		goto done;
	}
	add_option(options, sizeof(options), "encoding", opts->encoding);
	add_option(options, sizeof(options), "commune", opts->commune);
	rc = add_profile(options, sizeof(options), "register-profile", profile, err);
	if (rc == TD_OK)
		rc = dataset_source(ws, ds, opts->register_path, "register", NULL, options, &sum->reg, &source_id,
				    &skip, err);
	if (rc != TD_OK || skip)
		goto done;
	rc = td_ws_prepare(ws,
			   "INSERT INTO register_rows (source_id, source_row, commune, sheet, parcel, area, landuse, "
			   "owner_name, cccd, birth_year, gender, gcn_serial, gcn_date, last_change, pending_since) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
			   &ins, err);
	total = OGR_L_GetFeatureCount(layer, FALSE);
	OGR_L_ResetReading(layer);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		/* Headers are read as data: GDAL's feature id is the spreadsheet row (CSV: line). */
		long row = (long)OGR_F_GetFID(f);
		if (row <= header_row || blank_row(f)) {
			OGR_F_Destroy(f);
			f = NULL;
			continue;
		}
		snprintf(where, sizeof(where), "register '%s' row %ld", opts->register_path, row);
		rc = recode(f, enc, where, err);
		if (rc != TD_OK)
			break;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_bind_int64(ins, 1, source_id);
		sqlite3_bind_int64(ins, 2, row);
		rc = register_row(f, idx, headers, opts, where, ins, err);
		if (rc == TD_OK && sqlite3_step(ins) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, where, err);
		if (rc == TD_OK)
			sum->reg.records++;
		if (rc == TD_OK && progress && sum->reg.records % 1000 == 0 &&
		    !progress(0.5 + (total > 0 ? 0.5 * (double)sum->reg.records / (double)total : 0), "ingest register",
			      arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
		OGR_F_Destroy(f);
		f = NULL;
	}
	if (rc == TD_OK)
		rc = set_records(ws, source_id, sum->reg.records, err);
	if (rc == TD_OK)
		rc = set_encoding(ws, source_id, sum->reg.encoding, err);
	if (rc == TD_OK)
		rc = link_owners(ws, source_id, err);
	if (rc == TD_OK)
		rc = supersede(ws, "register", opts->register_path, source_id, opts->replace, &sum->reg, err);
done:
	OGR_F_Destroy(f);
	sqlite3_finalize(ins);
	CPLPopErrorHandler();
	td_source_close_table(ds);
	return rc;
}

static td_status ingest_scans(td_ws *ws, const td_ingest_options *opts, td_ingest_summary *sum, td_error *err)
{
	td_scan_list list;
	sqlite3_stmt *ins = NULL;
	int64_t source_id;
	int skip;
	long unmatched = 0, unreadable = 0;
	td_status rc;

	sum->scans.given = 1;
	rc = td_scans_read(opts->scans, opts->scan_pattern, &list, err);
	if (rc == TD_OK) {
		snprintf(sum->scans.checksum, sizeof(sum->scans.checksum), "%s", list.checksum);
		char options[300] = "";
		add_option(options, sizeof(options), "scan-pattern", opts->scan_pattern);
		rc = source_row(ws, opts->scans, "scans", "folder", NULL, options, list.size, &sum->scans, &source_id,
				&skip, err);
	}
	if (rc != TD_OK || skip)
		goto done;
	rc = td_ws_prepare(
		ws,
		"INSERT INTO scans (source_id, path, size, checksum, kind, readable, commune, sheet, parcel) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		&ins, err);
	for (size_t i = 0; rc == TD_OK && i < list.n; i++) {
		const td_scan_file *f = &list.files[i];
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_bind_int64(ins, 1, source_id);
		sqlite3_bind_text(ins, 2, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, f->size);
		sqlite3_bind_text(ins, 4, f->checksum, -1, SQLITE_STATIC);
		if (f->kind[0])
			sqlite3_bind_text(ins, 5, f->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 6, f->format != NULL);
		if (f->matched) {
			char code[16];
			commune_code(f->commune, code, sizeof(code));
			sqlite3_bind_text(ins, 7, code, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins, 8, f->sheet);
			sqlite3_bind_int64(ins, 9, f->parcel);
		}
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "insert scan", err);
		unmatched += !f->matched;
		unreadable += f->format == NULL;
		sum->scans.records++;
	}
	if (rc == TD_OK)
		rc = set_records(ws, source_id, sum->scans.records, err);
	/* Kept in the inventory, but said out loud: they count for no parcel. */
	if (rc == TD_OK && unmatched)
		warn(sum, "scans '%s': %ld files whose names do not match '%s' belong to no parcel", opts->scans,
		     unmatched, opts->scan_pattern ? opts->scan_pattern : TD_SCANS_DEFAULT_PATTERN);
	if (rc == TD_OK && unreadable)
		warn(sum, "scans '%s': %ld files are not a readable PDF, JPEG, PNG or TIFF", opts->scans, unreadable);
done:
	sqlite3_finalize(ins);
	td_scans_release(&list);
	return rc;
}

/*
 * Every option is checked before any file is read, so a wrong value fails
 * the same way whether or not the files were ingested before.
 */
static td_status check_options(td_ws *ws, const td_ingest_options *o, td_error *err)
{
	const char *const given[][2] = {{"--map", o->map},
					{"--layer", o->layer},
					{"--map-profile", o->map_profile},
					{"--register", o->register_path},
					{"--register-profile", o->register_profile},
					{"--source-crs", o->source_crs},
					{"--source-province", o->source_province},
					{"--commune", o->commune},
					{"--boundaries", o->boundaries},
					{"--encoding", o->encoding},
					{"--scans", o->scans},
					{"--scan-pattern", o->scan_pattern}};
	OGRSpatialReferenceH srs = NULL;
	struct columns columns;
	td_map_profile mp;
	td_encoding enc;
	char path[4200], spec[64];
	struct stat st;
	td_status rc = TD_OK;

	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i][1] && !*skip_space(given[i][1]))
			return td_error_set(err, TD_ERR_USAGE, "%s is empty", given[i][0]);
	if (o->encoding && td_encoding_parse(o->encoding, &enc, err) != TD_OK)
		return TD_ERR_USAGE;
	if (o->source_crs)
		rc = given_srs(ws, o->source_crs, "--source-crs", &srs, err);
	if (rc == TD_OK && o->source_province) {
		snprintf(spec, sizeof(spec), "province:%.40s", o->source_province);
		rc = given_srs(ws, spec, "--source-province", &srs, err);
	}
	OSRDestroySpatialReference(srs);
	if (rc != TD_OK)
		return err->code = TD_ERR_USAGE;
	if (o->commune && (strlen(o->commune) > 5 || strspn(o->commune, "0123456789") != strlen(o->commune)))
		return td_error_set(err, TD_ERR_USAGE, "--commune '%s' is not a commune code (1 to 5 digits)",
				    o->commune);
	if (o->replace < 0 || (o->replace && (!!o->map + !!o->register_path + !!o->boundaries != 1 || o->scans)))
		return td_error_set(err, TD_ERR_USAGE, "--replace ID goes with one map, register or boundaries file");
	if (o->replace && o->map && stat(o->map, &st) == 0 && S_ISDIR(st.st_mode))
		return td_error_set(err, TD_ERR_USAGE, "--replace ID goes with one file, not the folder '%s'", o->map);
	if (o->map && map_is_dgn(o->map) && (rc = load_map_profile(ws, o, &mp, err)) != TD_OK)
		return rc;
	if (o->map && !map_is_dgn(o->map) && (rc = load_map_columns(ws, o, &columns, path, sizeof(path), err)) != TD_OK)
		return rc;
	if (o->layer && !o->map)
		return td_error_set(err, TD_ERR_USAGE, "--layer names a layer of the --map");
	if (o->register_path && (rc = load_columns(ws, o, &columns, path, sizeof(path), err)) != TD_OK)
		return rc;
	return TD_OK;
}

static int changed(const td_ingest_file *f)
{
	return f->given && !f->unchanged;
}

static void summary_json(td_ingest_summary *sum)
{
	const td_ingest_file *files[4] = {&sum->map, &sum->reg, &sum->boundaries, &sum->scans};
	const char *names[4] = {"map", "register", "boundaries", "scans"};
	size_t n = (size_t)snprintf(sum->json, sizeof(sum->json), "{\"command\":\"ingest\"");

	for (int i = 0; i < 4 && n < sizeof(sum->json); i++)
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
	const struct target map = {"map",
				   opts->map,
				   "parcels",
				   NULL,
				   NULL,
				   "INSERT INTO parcels (geom, source_id, source_feature, commune, sheet, parcel, "
				   "landuse, map_area, attrs) "
				   "VALUES (AsGPB(GeomFromWKB(?1, ?2)), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				   bind_parcel,
				   {R_COMMUNE, R_SHEET, R_PARCEL},
				   &sum->map};
	const struct target boundaries = {
		"boundaries",
		opts->boundaries,
		"communes",
		boundary_names,
		NULL,
		"INSERT INTO communes (geom, source_id, code, name) VALUES (AsGPB(GeomFromWKB(?1, ?2)), ?3, ?5, ?6)",
		bind_commune,
		{R_COMMUNE, R_COUNT, R_COUNT},
		&sum->boundaries};
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	if (!opts->map && !opts->register_path && !opts->boundaries && !opts->scans)
		return td_error_set(err, TD_ERR_USAGE,
				    "nothing to ingest: give a map, a register, boundaries or scans");
	if ((rc = check_options(ws, opts, err)) != TD_OK)
		return rc;
	rc = td_ws_begin(ws, "ingest", err);
	if (rc == TD_OK && opts->map)
		rc = ingest_polygons(ws, &map, opts, progress, arg, sum, err);
	if (rc == TD_OK && opts->register_path)
		rc = ingest_register(ws, opts, progress, arg, sum, err);
	if (rc == TD_OK && opts->boundaries)
		rc = ingest_polygons(ws, &boundaries, opts, progress, arg, sum, err);
	if (rc == TD_OK && opts->scans)
		rc = ingest_scans(ws, opts, sum, err);
	summary_json(sum);
	/* Files that were all unchanged leave no trace, not even a run row. */
	if (rc == TD_OK &&
	    (changed(&sum->map) || changed(&sum->reg) || changed(&sum->boundaries) || changed(&sum->scans)))
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK && progress)
		progress(1.0, "ingest", arg);
	return rc;
}
