#include "c06.h"
#include "source.h"
#include "xls.h"

#include <errno.h>
#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Query columns of the rows SELECT in td_c06_export. */
enum {
	Q_CCCD,
	Q_NAME,
	Q_BIRTH_YEAR,
	Q_GENDER,
	Q_COMMUNE,
	Q_SHEET,
	Q_PARCEL,
	Q_GCN_SERIAL,
	Q_GCN_DATE,
	Q_OWNER,
	Q_PARCEL_ID
};

/* One cell of the current row, from the row's query columns. */
static td_status cell(td_xls *x, int col, td_c06_field field, sqlite3_stmt *st, long seq, td_error *err)
{
	static const int column[TD_C06_FIELD_COUNT] = {
		[TD_C06_OWNER_REF] = Q_OWNER,       [TD_C06_CCCD] = Q_CCCD,     [TD_C06_OWNER_NAME] = Q_NAME,
		[TD_C06_BIRTH_YEAR] = Q_BIRTH_YEAR, [TD_C06_GENDER] = Q_GENDER, [TD_C06_COMMUNE] = Q_COMMUNE,
		[TD_C06_SHEET] = Q_SHEET,           [TD_C06_PARCEL] = Q_PARCEL, [TD_C06_GCN_SERIAL] = Q_GCN_SERIAL,
		[TD_C06_PARCEL_ID] = Q_PARCEL_ID};
	const char *cccd = (const char *)sqlite3_column_text(st, Q_CCCD);
	int y, m, d, i;

	switch (field) {
	case TD_C06_SEQ:
		return td_xls_write_number(x, col, (double)seq, err);
	case TD_C06_ID_PROVINCE:
		if (cccd && strlen(cccd) == 12) {
			char code[4];
			memcpy(code, cccd, 3);
			code[3] = '\0';
			return td_xls_write_text(x, col, code, err);
		}
		return td_xls_write_blank(x, col, err);
	case TD_C06_GCN_DATE: {
		const char *date = (const char *)sqlite3_column_text(st, Q_GCN_DATE);
		if (date && sscanf(date, "%d-%d-%d", &y, &m, &d) == 3)
			return td_xls_write_date(x, col, y, m, d, err);
		return td_xls_write_blank(x, col, err);
	}
	case TD_C06_STATUS:
	case TD_C06_NEW_CCCD:
	case TD_C06_NEW_OWNER_NAME:
	case TD_C06_NEW_BIRTH_YEAR:
	case TD_C06_NEW_GENDER:
	case TD_C06_NOTE:
	case TD_C06_FIELD_COUNT:
		return TD_OK; /* C06 fills these in */
	default:
		i = column[field];
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			return td_xls_write_blank(x, col, err);
		if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
			return td_xls_write_number(x, col, (double)sqlite3_column_int64(st, i), err);
		/* Identity numbers and codes stay text, so their leading zeros survive. */
		return field == TD_C06_OWNER_NAME || field == TD_C06_GENDER || field == TD_C06_GCN_SERIAL
			       ? td_xls_write_string(x, col, (const char *)sqlite3_column_text(st, i), err)
			       : td_xls_write_text(x, col, (const char *)sqlite3_column_text(st, i), err);
	}
}

/*
 * The list of one commune, or none when nobody there is left to verify (an
 * old list is removed then, so it cannot be sent again). *rows gets the
 * owners written.
 */
static td_status write_commune(const td_c06_layout *l, sqlite3_stmt *st, const char *commune, td_outdir *out,
			       const char *path, long *rows, td_error *err)
{
	const char *headers[TD_C06_MAX_COLUMNS];
	td_xls *x = NULL;
	long seq = 0;
	int step;
	td_status rc;

	*rows = 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		return td_outdir_withdraw(out, strrchr(path, '/') + 1, err);
	rc = td_xls_new(path, &x, err);
	for (int i = 0; i < l->n; i++)
		headers[i] = l->header[i];
	if (rc == TD_OK)
		rc = td_xls_add_sheet(x, "Danh sách", err);
	if (rc == TD_OK)
		rc = td_xls_set_header(x, headers, l->n, err);
	for (int i = 0; rc == TD_OK && i < l->n; i++)
		if (l->width[i] > 0)
			rc = td_xls_set_column_width(x, i, l->width[i], err);
	for (; rc == TD_OK && step == SQLITE_ROW; step = sqlite3_step(st)) {
		seq++;
		for (int i = 0; rc == TD_OK && i < l->n; i++)
			rc = cell(x, i, l->field[i], st, seq, err);
		if (rc == TD_OK)
			rc = td_xls_end_row(x, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_error_set(err, TD_ERR_INTERNAL, "cannot read the owners for '%s'", path);
	if (rc != TD_OK) {
		td_xls_free(x);
		return rc;
	}
	*rows = seq;
	return td_xls_close(x, err);
}

td_status td_c06_export(td_ws *ws, td_outdir *out, td_c06_summary *sum, td_error *err)
{
	td_c06_layout l;
	sqlite3_stmt *communes = NULL, *rows = NULL;
	char path[TD_PATH_MAX];
	int step;
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	rc = td_c06_layout_read(ws->ctx, &l, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT DISTINCT commune FROM register_rows WHERE gcn_serial IS NOT NULL "
				   "AND owner_id IS NOT NULL ORDER BY commune",
				   &communes, err);
	/* Columns in the order of Q_*: the owner's current details, the first certificate's keys. */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT o.cccd, o.name, o.birth_year, o.gender, r.commune, r.sheet, r.parcel, "
			"r.gcn_serial, r.gcn_date, o.id, (SELECT p.parcel_id FROM parcels p WHERE p.commune = "
			"r.commune AND p.sheet = r.sheet AND p.parcel = r.parcel AND p.parcel_id IS NOT NULL "
			"ORDER BY p.fid LIMIT 1) FROM (SELECT *, row_number() OVER (PARTITION BY owner_id "
			" ORDER BY sheet, parcel, id) AS k FROM register_rows WHERE commune = ?1 "
			" AND gcn_serial IS NOT NULL AND owner_id IS NOT NULL) r JOIN owners o ON o.id = r.owner_id "
			"WHERE r.k = 1 AND o.verification <> 'matched' ORDER BY r.sheet, r.parcel, r.id",
			&rows, err);
	while (rc == TD_OK && (step = sqlite3_step(communes)) == SQLITE_ROW) {
		const char *commune = (const char *)sqlite3_column_text(communes, 0);
		long n = 0;
		if ((size_t)snprintf(path, sizeof(path), "%s/c06-%s.xls", out->stage, commune) >= sizeof(path))
			rc = td_error_set(err, TD_ERR_USAGE, "output path too long: '%s'", out->dir);
		if (rc == TD_OK)
			rc = write_commune(&l, rows, commune, out, path, &n, err);
		if (rc == TD_OK && n) {
			sum->files++;
			sum->rows += n;
		} else if (rc == TD_OK) {
			sum->complete++;
		}
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "list communes", err);
	sqlite3_finalize(communes);
	sqlite3_finalize(rows);
	return rc;
}
