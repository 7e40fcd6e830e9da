/*
 * XLSX workbooks of tables, on libxlsxwriter in constant-memory mode: each
 * sheet is streamed row by row to a temporary file, so memory does not grow
 * with the rows. A table has a column layout (lib/layout.h) and a bold
 * header row; a list (TD_XLSX_LIST) also has the header frozen and an
 * autofilter, and when it reaches the row limit it continues on a new sheet
 * "<name> (2)", "<name> (3)", ... with the header repeated.
 *
 *     td_xlsx *x;
 *     td_value v[NFIELDS];
 *     rc = td_xlsx_open("out/a.xlsx", 0600, 0, &x, &err);
 *     rc = td_xlsx_table(x, "Nhóm 1", &layout, TD_XLSX_LIST, &err);
 *     for (each row) {
 *         td_value_text(&v[F_NAME], name);
 *         td_value_number(&v[F_AREA], area);
 *         rc = td_xlsx_row(x, v, &err);
 *     }
 *     rc = td_xlsx_commit(x, &err);      (renames the file into place)
 *     td_xlsx_free(x);                   (always; removes the file if not committed)
 *
 * The file is written under a temporary name in its directory with the
 * given mode and renamed by td_xlsx_commit (lib/outfile.h), so a failure
 * leaves the previous version or nothing.
 */
#ifndef TD_XLSX_H
#define TD_XLSX_H

#include "layout.h"

#include <sqlite3.h>
#include <sys/types.h>

/* Excel's limit of rows per sheet. */
#define TD_XLSX_MAX_ROWS 1048576L

typedef enum td_value_kind { TD_VAL_NULL, TD_VAL_TEXT, TD_VAL_NUMBER, TD_VAL_DATE } td_value_kind;

/* One value of a row, indexed by field; text is borrowed until td_xlsx_row returns. */
typedef struct td_value {
	td_value_kind kind;
	const char *text;
	double number;
	long days; /* TD_VAL_DATE: days since 1970-01-01 */
} td_value;

/* Setters; a NULL or empty text is NULL, so the cell stays blank. */
void td_value_null(td_value *v);
void td_value_text(td_value *v, const char *s);
void td_value_number(td_value *v, double n);
void td_value_date(td_value *v, long days);
/* A yyyy-mm-dd text as a date; other text as text, so a bad date still shows. */
void td_value_iso_date(td_value *v, const char *s);

/*
 * Column i of a result row as a value of the given type: text as text,
 * numbers as numbers, a yyyy-mm-dd date as a date (other text as text),
 * SQL NULL as NULL.
 */
void td_value_column(td_value *v, sqlite3_stmt *st, int i, td_cell_type type);

typedef struct td_xlsx td_xlsx;

/*
 * Start a workbook at path with mode (0600 for personal data). max_rows:
 * rows per sheet of a list, header included, 2 to TD_XLSX_MAX_ROWS; 0 means
 * TD_XLSX_MAX_ROWS. The directory holds libxlsxwriter's temporary files too.
 */
td_status td_xlsx_open(const char *path, mode_t mode, long max_rows, td_xlsx **out, td_error *err);

/*
 * A list: the header row frozen, an autofilter over the table, and a new
 * sheet whenever max_rows is reached. Other tables (a summary) only
 * continue at Excel's limit.
 */
enum { TD_XLSX_LIST = 1 };

/*
 * Finish the current table and start a sheet called name with layout's
 * columns (the layout must outlive the table) and its header row.
 */
td_status td_xlsx_table(td_xlsx *x, const char *name, const td_layout *layout, int flags, td_error *err);

/* Write one row: cell i gets values[layout->cols[i].field], as the column's type says. */
td_status td_xlsx_row(td_xlsx *x, const td_value *values, td_error *err);

/* Leave a blank row, then write texts[0..n) in bold: a heading inside a sheet. */
td_status td_xlsx_heading(td_xlsx *x, const char *const *texts, int n, td_error *err);

/* Rows written to the current table so far, headers excluded, over all its sheets. */
long td_xlsx_rows(const td_xlsx *x);

/* Finish the last table, close the workbook and rename it onto its path. */
td_status td_xlsx_commit(td_xlsx *x, td_error *err);

/* Free; removes the temporary file unless committed. Accepts NULL. */
void td_xlsx_free(td_xlsx *x);

#endif
