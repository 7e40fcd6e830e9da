#include "xlsx.h"
#include "date.h"
#include "outfile.h"
#include "text.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

struct td_xlsx {
	td_outfile out;
	lxw_workbook *wb;
	lxw_format *bold, *date;
	long max_rows;
	char dir[TD_PATH_MAX]; /* libxlsxwriter's temporary files go here, beside the output */

	/* The current table: its layout, one format per column, the sheet being written. */
	const td_layout *layout;
	lxw_format *fmt[TD_LAYOUT_MAX_COLUMNS];
	int flags;
	char base[TD_SHEET_NAME_MAX];
	char name[TD_SHEET_NAME_MAX + 16]; /* the sheet's own name, "<base> (2)" on a continuation */
	int part;
	lxw_worksheet *ws;
	lxw_row_t row; /* the next row to write */
	long rows;     /* data rows over all parts */
};

void td_value_null(td_value *v)
{
	memset(v, 0, sizeof(*v));
}

void td_value_text(td_value *v, const char *s)
{
	td_value_null(v);
	if (s && *s) {
		v->kind = TD_VAL_TEXT;
		v->text = s;
	}
}

void td_value_number(td_value *v, double n)
{
	td_value_null(v);
	if (isfinite(n)) {
		v->kind = TD_VAL_NUMBER;
		v->number = n;
	}
}

void td_value_date(td_value *v, long days)
{
	td_value_null(v);
	v->kind = TD_VAL_DATE;
	v->days = days;
}

void td_value_iso_date(td_value *v, const char *s)
{
	long days;

	if (td_date_parse(s, &days))
		td_value_date(v, days);
	else
		td_value_text(v, s);
}

void td_value_column(td_value *v, sqlite3_stmt *st, int i, td_cell_type type)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		td_value_null(v);
		return;
	}
	switch (type) {
	case TD_CELL_NUMBER:
	case TD_CELL_INTEGER:
		td_value_number(v, sqlite3_column_double(st, i));
		return;
	case TD_CELL_DATE:
		td_value_iso_date(v, (const char *)sqlite3_column_text(st, i));
		return;
	case TD_CELL_TEXT:
	case TD_CELL_ANY:
		break;
	}
	td_value_text(v, (const char *)sqlite3_column_text(st, i));
}

static td_status fail(const td_xlsx *x, lxw_error e, td_error *err)
{
	if (x->ws)
		return td_error_set(err, TD_ERR_IO, "cannot write '%s' sheet '%s': %s", x->out.path, x->name,
				    lxw_strerror(e));
	return td_error_set(err, TD_ERR_IO, "cannot write '%s': %s", x->out.path, lxw_strerror(e));
}

static td_status nomem(const td_xlsx *x, td_error *err)
{
	return td_error_set(err, TD_ERR_NOMEM, "cannot write '%s': out of memory", x->out.path);
}

/* The autofilter over what the sheet holds; the header was frozen when it was made. */
static td_status finish_sheet(td_xlsx *x, td_error *err)
{
	lxw_error e = LXW_NO_ERROR;

	if (x->ws && (x->flags & TD_XLSX_LIST))
		e = worksheet_autofilter(x->ws, 0, 0, x->row - 1, (lxw_col_t)(x->layout->ncols - 1));
	return e == LXW_NO_ERROR ? TD_OK : fail(x, e, err);
}

static td_status open_sheet(td_xlsx *x, td_error *err)
{
	const td_layout *l = x->layout;
	lxw_error e;

	if (x->part == 1) {
		snprintf(x->name, sizeof(x->name), "%s", x->base);
	} else {
		char suffix[16], head[TD_SHEET_NAME_MAX];
		snprintf(suffix, sizeof(suffix), " (%d)", x->part);
		td_utf8_copy(head, sizeof(head), x->base, 31 - strlen(suffix));
		snprintf(x->name, sizeof(x->name), "%s%s", head, suffix);
	}
	x->ws = NULL;
	x->row = 0;
	e = workbook_validate_sheet_name(x->wb, x->name);
	if (e != LXW_NO_ERROR)
		return td_error_set(err, TD_ERR_USAGE, "cannot write '%s': sheet name '%s': %s", x->out.path, x->name,
				    lxw_strerror(e));
	/* In constant-memory mode each sheet needs a temporary file in dir. */
	x->ws = workbook_add_worksheet(x->wb, x->name);
	if (!x->ws)
		return td_error_set(err, TD_ERR_IO,
				    "cannot write '%s' sheet '%s': out of memory or no room for a temporary file",
				    x->out.path, x->name);
	e = LXW_NO_ERROR;
	for (int c = 0; c < l->ncols && e == LXW_NO_ERROR; c++)
		e = worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c, l->cols[c].width, NULL);
	for (int c = 0; c < l->ncols && e == LXW_NO_ERROR; c++)
		e = worksheet_write_string(x->ws, 0, (lxw_col_t)c, l->cols[c].header, x->bold);
	if (e != LXW_NO_ERROR)
		return fail(x, e, err);
	if (x->flags & TD_XLSX_LIST)
		worksheet_freeze_panes(x->ws, 1, 0);
	/* Print setup for offices that print the lists: A4 landscape, as wide as the page, header on every page. */
	worksheet_set_landscape(x->ws);
	worksheet_set_paper(x->ws, 9);
	worksheet_fit_to_pages(x->ws, 1, 0);
	if (x->flags & TD_XLSX_LIST)
		e = worksheet_repeat_rows(x->ws, 0, 0);
	if (e != LXW_NO_ERROR)
		return fail(x, e, err);
	x->row = 1;
	return TD_OK;
}

/* Make room for n more rows on the current sheet, continuing on a new one when it is full. */
static td_status room(td_xlsx *x, long n, td_error *err)
{
	td_status rc;

	long limit = x->flags & TD_XLSX_LIST ? x->max_rows : TD_XLSX_MAX_ROWS;

	assert(x->ws && n < limit);
	if ((long)x->row + n <= limit)
		return TD_OK;
	rc = finish_sheet(x, err);
	if (rc == TD_OK) {
		x->part++;
		rc = open_sheet(x, err);
	}
	return rc;
}

td_status td_xlsx_open(const char *path, mode_t mode, long max_rows, td_xlsx **out, td_error *err)
{
	lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .use_zip64 = LXW_FALSE};
	td_xlsx *x;
	char *slash;
	td_status rc;

	*out = NULL;
	if (max_rows == 0)
		max_rows = TD_XLSX_MAX_ROWS;
	if (max_rows < 2 || max_rows > TD_XLSX_MAX_ROWS)
		return td_error_set(err, TD_ERR_USAGE, "rows per sheet: %ld: expected 2 to %ld", max_rows,
				    TD_XLSX_MAX_ROWS);
	x = calloc(1, sizeof(*x));
	if (!x)
		return td_error_set(err, TD_ERR_NOMEM, "cannot write '%s': out of memory", path);
	x->max_rows = max_rows;
	snprintf(x->dir, sizeof(x->dir), "%s", path);
	slash = strrchr(x->dir, '/');
	if (slash == x->dir)
		x->dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(x->dir, sizeof(x->dir), ".");
	/* libxlsxwriter opens the file by name: it keeps our mode and our temporary name. */
	rc = td_outfile_open(&x->out, path, mode, err);
	if (rc == TD_OK)
		rc = td_outfile_release_fp(&x->out, err);
	if (rc != TD_OK) {
		free(x);
		return rc;
	}
	wo.tmpdir = x->dir;
	x->wb = workbook_new_opt(x->out.tmp_path, &wo);
	if (x->wb) {
		x->bold = workbook_add_format(x->wb);
		x->date = workbook_add_format(x->wb);
	}
	if (!x->wb || !x->bold || !x->date) {
		rc = nomem(x, err);
		td_xlsx_free(x);
		return rc;
	}
	format_set_bold(x->bold);
	format_set_bottom(x->bold, LXW_BORDER_THIN);
	format_set_num_format(x->date, "dd/mm/yyyy");
	*out = x;
	return TD_OK;
}

td_status td_xlsx_table(td_xlsx *x, const char *name, const td_layout *layout, int flags, td_error *err)
{
	td_status rc = finish_sheet(x, err);

	assert(layout->ncols >= 1 && layout->ncols <= TD_LAYOUT_MAX_COLUMNS);
	x->ws = NULL;
	if (rc != TD_OK)
		return rc;
	x->layout = layout;
	x->flags = flags;
	x->part = 1;
	x->rows = 0;
	snprintf(x->base, sizeof(x->base), "%s", name);
	for (int c = 0; c < layout->ncols; c++) {
		if (!layout->cols[c].format[0]) {
			x->fmt[c] = NULL;
			continue;
		}
		if (!(x->fmt[c] = workbook_add_format(x->wb)))
			return nomem(x, err);
		format_set_num_format(x->fmt[c], layout->cols[c].format);
	}
	return open_sheet(x, err);
}

/*
 * One cell. A value of a field's own type takes the column's format; a
 * text column shows numbers and dates as text; a field of any type (a
 * summary's values) shows each value as its own kind.
 */
static lxw_error put(td_xlsx *x, int c, const td_value *v)
{
	const td_column *col = &x->layout->cols[c];
	lxw_format *f = x->fmt[c];
	char buf[48];
	int y, m, d;

	switch (v->kind) {
	case TD_VAL_NULL:
		return LXW_NO_ERROR;
	case TD_VAL_TEXT:
		return worksheet_write_string(x->ws, x->row, (lxw_col_t)c, v->text,
					      col->type == TD_CELL_TEXT ? f : NULL);
	case TD_VAL_NUMBER:
		if (col->type == TD_CELL_TEXT) {
			snprintf(buf, sizeof(buf), "%.15g", v->number);
			return worksheet_write_string(x->ws, x->row, (lxw_col_t)c, buf, f);
		}
		return worksheet_write_number(x->ws, x->row, (lxw_col_t)c, v->number,
					      col->type == TD_CELL_DATE ? NULL : f);
	case TD_VAL_DATE:
		td_date_civil(v->days, &y, &m, &d);
		if (col->type == TD_CELL_TEXT) {
			snprintf(buf, sizeof(buf), "%02d/%02d/%04d", d, m, y);
			return worksheet_write_string(x->ws, x->row, (lxw_col_t)c, buf, f);
		} else {
			lxw_datetime dt = {y, m, d, 0, 0, 0};
			return worksheet_write_datetime(x->ws, x->row, (lxw_col_t)c, &dt,
							col->type == TD_CELL_DATE ? f : x->date);
		}
	}
	return LXW_NO_ERROR;
}

td_status td_xlsx_row(td_xlsx *x, const td_value *values, td_error *err)
{
	lxw_error e = LXW_NO_ERROR;
	td_status rc = room(x, 1, err);

	for (int c = 0; rc == TD_OK && c < x->layout->ncols && e == LXW_NO_ERROR; c++)
		e = put(x, c, &values[x->layout->cols[c].field]);
	if (rc != TD_OK)
		return rc;
	if (e != LXW_NO_ERROR)
		return fail(x, e, err);
	x->row++;
	x->rows++;
	return TD_OK;
}

td_status td_xlsx_heading(td_xlsx *x, const char *const *texts, int n, td_error *err)
{
	lxw_error e = LXW_NO_ERROR;
	td_status rc = room(x, 2, err);

	if (rc != TD_OK)
		return rc;
	x->row++;
	for (int c = 0; c < n && e == LXW_NO_ERROR; c++)
		e = worksheet_write_string(x->ws, x->row, (lxw_col_t)c, texts[c], x->bold);
	if (e != LXW_NO_ERROR)
		return fail(x, e, err);
	x->row++;
	return TD_OK;
}

long td_xlsx_rows(const td_xlsx *x)
{
	return x->rows;
}

td_status td_xlsx_commit(td_xlsx *x, td_error *err)
{
	lxw_error e;
	td_status rc = finish_sheet(x, err);

	x->ws = NULL;
	if (rc != TD_OK)
		return rc;
	/* workbook_close frees the workbook whatever it returns. */
	e = workbook_close(x->wb);
	x->wb = NULL;
	if (e != LXW_NO_ERROR)
		return fail(x, e, err);
	return td_outfile_commit(&x->out, err);
}

void td_xlsx_free(td_xlsx *x)
{
	if (!x)
		return;
	lxw_workbook_free(x->wb);
	td_outfile_abort(&x->out);
	free(x);
}
