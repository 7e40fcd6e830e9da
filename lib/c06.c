#include "c06.h"
#include "source.h"
#include "xls.h"

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field { F_SEQ, F_CCCD, F_OWNER, F_BIRTH_YEAR, F_GENDER, F_ID_PROVINCE, F_COMMUNE, F_SHEET, F_PARCEL,
	     F_GCN_SERIAL, F_GCN_DATE, F_COUNT };

static const char *const field_names[F_COUNT] = {"seq", "cccd", "owner_name", "birth_year", "gender", "id_province",
						  "commune", "sheet", "parcel", "gcn_serial", "gcn_date"};

#define MAX_COLUMNS 32

struct layout {
	int n;
	enum field field[MAX_COLUMNS];
	char header[MAX_COLUMNS][128];
	double width[MAX_COLUMNS];
};

static td_status read_layout(td_ws *ws, struct layout *l, td_error *err)
{
	char path[4200];
	GDALDatasetH ds;
	OGRFeatureH f;
	td_status rc = td_ctx_schema_file(ws->ctx, "c06/columns.csv", path, sizeof(path), err);

	memset(l, 0, sizeof(*l));
	if (rc != TD_OK)
		return rc;
	ds = td_source_open_csv(path, err);
	if (!ds)
		return td_error_set(err, TD_ERR_USAGE, "cannot read the C06 layout '%s'", path);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0))) != NULL) {
		int ih = OGR_F_GetFieldIndex(f, "header"), ifd = OGR_F_GetFieldIndex(f, "field");
		int iw = OGR_F_GetFieldIndex(f, "width");
		const char *name = ifd >= 0 && OGR_F_IsFieldSetAndNotNull(f, ifd) ? OGR_F_GetFieldAsString(f, ifd) : "";
		int k = 0;
		while (k < F_COUNT && strcmp(field_names[k], name) != 0)
			k++;
		if (ih < 0 || k == F_COUNT || l->n == MAX_COLUMNS)
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %lld: unknown field '%s' (expected seq, cccd, "
					  "owner_name, birth_year, gender, id_province, commune, sheet, parcel, gcn_serial "
					  "or gcn_date)", path, (long long)OGR_F_GetFID(f) + 1, name);
		else {
			l->field[l->n] = (enum field)k;
			snprintf(l->header[l->n], sizeof(l->header[0]), "%s", OGR_F_GetFieldAsString(f, ih));
			l->width[l->n] = iw >= 0 ? OGR_F_GetFieldAsDouble(f, iw) : 0;
			l->n++;
		}
		OGR_F_Destroy(f);
	}
	GDALClose(ds);
	if (rc == TD_OK && l->n == 0)
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' lists no columns", path);
	return rc;
}

/* One cell of the current row, from the row's query columns (see the SELECT below). */
static td_status cell(td_xls *x, int col, enum field field, sqlite3_stmt *st, long seq, td_error *err)
{
	const char *cccd = (const char *)sqlite3_column_text(st, 0);
	int y, m, d;

	switch (field) {
	case F_SEQ:
		return td_xls_write_number(x, col, (double)seq, err);
	case F_ID_PROVINCE:
		if (cccd && strlen(cccd) == 12) {
			char code[4];
			memcpy(code, cccd, 3);
			code[3] = '\0';
			return td_xls_write_text(x, col, code, err);
		}
		return td_xls_write_blank(x, col, err);
	case F_GCN_DATE: {
		const char *date = (const char *)sqlite3_column_text(st, 8);
		if (date && sscanf(date, "%d-%d-%d", &y, &m, &d) == 3)
			return td_xls_write_date(x, col, y, m, d, err);
		return td_xls_write_blank(x, col, err);
	}
	default: {
		/* Query column of each remaining field. */
		static const int column[F_COUNT] = {[F_CCCD] = 0, [F_OWNER] = 1, [F_BIRTH_YEAR] = 2, [F_GENDER] = 3,
						    [F_COMMUNE] = 4, [F_SHEET] = 5, [F_PARCEL] = 6, [F_GCN_SERIAL] = 7};
		int i = column[field];
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			return td_xls_write_blank(x, col, err);
		if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
			return td_xls_write_number(x, col, (double)sqlite3_column_int64(st, i), err);
		/* Identity numbers and codes stay text, so their leading zeros survive. */
		return field == F_OWNER || field == F_GENDER || field == F_GCN_SERIAL
			       ? td_xls_write_string(x, col, (const char *)sqlite3_column_text(st, i), err)
			       : td_xls_write_text(x, col, (const char *)sqlite3_column_text(st, i), err);
	}
	}
}

static td_status write_commune(const struct layout *l, sqlite3_stmt *st, const char *commune, const char *path,
			       long *rows, td_error *err)
{
	const char *headers[MAX_COLUMNS];
	td_xls *x = NULL;
	long seq = 0;
	int step;
	td_status rc = td_xls_new(path, &x, err);

	for (int i = 0; i < l->n; i++)
		headers[i] = l->header[i];
	if (rc == TD_OK)
		rc = td_xls_add_sheet(x, "Danh sách", err);
	if (rc == TD_OK)
		rc = td_xls_set_header(x, headers, l->n, err);
	for (int i = 0; rc == TD_OK && i < l->n; i++)
		if (l->width[i] > 0)
			rc = td_xls_set_column_width(x, i, l->width[i], err);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_TRANSIENT);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		seq++;
		for (int i = 0; rc == TD_OK && i < l->n; i++)
			rc = cell(x, i, l->field[i], st, seq, err);
		if (rc == TD_OK)
			rc = td_xls_end_row(x, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_error_set(err, TD_ERR_INTERNAL, "cannot read the register for '%s'", path);
	if (rc != TD_OK) {
		td_xls_free(x);
		return rc;
	}
	*rows += seq;
	return td_xls_close(x, err);
}

td_status td_c06_export(td_ws *ws, const char *out_dir, td_c06_summary *sum, td_error *err)
{
	struct layout l;
	sqlite3_stmt *communes = NULL, *rows = NULL;
	char path[4200];
	int step;
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	rc = read_layout(ws, &l, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT DISTINCT commune FROM register_rows WHERE gcn_serial IS NOT NULL "
				   "AND owner_name IS NOT NULL ORDER BY commune",
				   &communes, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT cccd, owner_name, birth_year, gender, commune, sheet, parcel, gcn_serial, "
				   "gcn_date FROM register_rows WHERE commune = ?1 AND gcn_serial IS NOT NULL "
				   "AND owner_name IS NOT NULL ORDER BY sheet, parcel, id",
				   &rows, err);
	while (rc == TD_OK && (step = sqlite3_step(communes)) == SQLITE_ROW) {
		const char *commune = (const char *)sqlite3_column_text(communes, 0);
		if ((size_t)snprintf(path, sizeof(path), "%s/c06-%s.xls", out_dir, commune) >= sizeof(path))
			rc = td_error_set(err, TD_ERR_USAGE, "output path too long: '%s'", out_dir);
		if (rc == TD_OK)
			rc = write_commune(&l, rows, commune, path, &sum->rows, err);
		if (rc == TD_OK)
			sum->files++;
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "list communes", err);
	sqlite3_finalize(communes);
	sqlite3_finalize(rows);
	return rc;
}
