/*
 * Writer of legacy Excel 97-2003 workbooks (.xls, BIFF8 in an OLE2 compound
 * file), for offices that must hand lists over in that format.
 *
 *     td_xls *x = NULL;
 *     td_error err;
 *     const char *head[] = {"STT", "Họ và tên", "Số CCCD", "Ngày sinh"};
 *
 *     td_error_init(&err);
 *     if (td_xls_new("danh_sach.xls", &x, &err) != TD_OK ||
 *         td_xls_add_sheet(x, "Danh sách", &err) != TD_OK ||
 *         td_xls_set_header(x, head, 4, &err) != TD_OK ||
 *         td_xls_set_column_width(x, 1, 28, &err) != TD_OK)
 *         goto fail;
 *     for (i = 0; i < n; i++)
 *         if (td_xls_write_number(x, 0, i + 1, &err) != TD_OK ||
 *             td_xls_write_string(x, 1, p[i].name, &err) != TD_OK ||
 *             td_xls_write_text(x, 2, p[i].cccd, &err) != TD_OK ||   (keeps "031090001234")
 *             td_xls_write_date(x, 3, p[i].y, p[i].m, p[i].d, &err) != TD_OK ||
 *             td_xls_end_row(x, &err) != TD_OK)
 *             goto fail;
 *     return td_xls_close(x, &err);   (writes the file; frees x in every case)
 * fail:
 *     td_xls_free(x);                 (abandons: no file is left behind)
 *     return err.code;
 *
 * Rows are written one at a time: write the cells of the current row in any
 * column order, then td_xls_end_row(). A sheet holds at most 65,536 rows;
 * further rows go to continuation sheets named "<name> (2)", "<name> (3)", ...
 * each starting with the header row again if one was set.
 *
 * Memory: each distinct string is kept once (in its .xls encoding) until
 * td_xls_close(), because the shared string table precedes the sheets in the
 * file; cell records go to an unlinked scratch file next to the target. A
 * typical list of 1,000,000 rows x 8 columns peaks at about 40 MB; the same
 * with every string distinct at about 250 MB.
 *
 * The output is written to "<path>.tmp-XXXXXX" (mode 0600: the lists hold
 * personal data), synced and renamed onto path by td_xls_close(). On any
 * failure, and on td_xls_free(), the temporary files are removed.
 *
 * After an I/O or out-of-memory failure the writer refuses further calls
 * with the same status; after an input failure (TD_ERR_INPUT, TD_ERR_USAGE)
 * the offending cell is not written and the writer stays usable.
 */
#ifndef TD_XLS_H
#define TD_XLS_H

#include "error.h"

/* Limits of the BIFF8 format. */
#define TD_XLS_MAX_ROWS 65536  /* rows per sheet, header included */
#define TD_XLS_MAX_COLS 256    /* columns 0..255 */
#define TD_XLS_MAX_CHARS 32767 /* UTF-16 code units in one cell */
#define TD_XLS_MAX_NAME 31     /* UTF-16 code units in a sheet name */

typedef struct td_xls td_xls;

/*
 * Start a workbook that td_xls_close() will write to path. Creates the
 * temporary files next to path at once, so an unwritable directory fails
 * here with TD_ERR_IO. On success *out is owned by the caller, who must pass
 * it to td_xls_close() or td_xls_free(); on failure *out is NULL.
 */
td_status td_xls_new(const char *path, td_xls **out, td_error *err);

/*
 * Start a new sheet; the following rows go to it. name (UTF-8) must be 1 to
 * 31 characters without : \ / ? * [ ], must not begin or end with an
 * apostrophe and must differ from the other sheet names ignoring case
 * (TD_ERR_USAGE otherwise). A row with cells still pending on the previous
 * sheet is ended first. The name is copied.
 */
td_status td_xls_add_sheet(td_xls *x, const char *name, td_error *err);

/*
 * Write row 0 of the current sheet from cells[0..ncols-1] (UTF-8, bold; NULL
 * or "" leaves a cell empty) and repeat it as row 0 of every continuation
 * sheet. Must come before any other row of the sheet. The strings are copied.
 */
td_status td_xls_set_header(td_xls *x, const char *const *cells, int ncols, td_error *err);

/*
 * Set the width of column col of the current sheet and its continuation
 * sheets, in characters of the default font (0 < width <= 255; Excel's
 * default is about 8.43).
 */
td_status td_xls_set_column_width(td_xls *x, int col, double width, td_error *err);

/*
 * Set cell col (0..255) of the current row to a string. utf8 must be valid
 * UTF-8 of at most 32,767 UTF-16 code units, otherwise TD_ERR_INPUT names the
 * sheet, row and column. NULL or "" makes the cell empty. Writing a column
 * twice in one row keeps the last value.
 *
 * Excel and LibreOffice read strings up to that limit, but GDAL's XLS driver
 * (FreeXL 1.0) refuses a whole file holding a string of more than 8,221
 * characters when any is above U+00FF (Vietnamese), or 16,444 otherwise,
 * even a file written by Excel.
 */
td_status td_xls_write_string(td_xls *x, int col, const char *utf8, td_error *err);

/*
 * Like td_xls_write_string() with the text format "@", so that Excel keeps
 * digit strings such as the CCCD "031090001234" (leading zero) as text when
 * the cell is edited.
 */
td_status td_xls_write_text(td_xls *x, int col, const char *utf8, td_error *err);

/* Set cell col of the current row to a finite number (TD_ERR_INPUT for NaN, infinity). */
td_status td_xls_write_number(td_xls *x, int col, double v, td_error *err);

/*
 * Set cell col of the current row to the date y-m-d, shown as dd/mm/yyyy.
 * Excel cannot store dates before 1900-01-01 or after 9999-12-31: those and
 * impossible dates (2023-02-29) fail with TD_ERR_INPUT.
 */
td_status td_xls_write_date(td_xls *x, int col, int y, int m, int d, td_error *err);

/* Make cell col of the current row empty again. */
td_status td_xls_write_blank(td_xls *x, int col, td_error *err);

/*
 * End the current row, even an empty one, and start the next. Moves to a
 * continuation sheet when the current one is full. Fails with TD_ERR_USAGE
 * before the first td_xls_add_sheet().
 */
td_status td_xls_end_row(td_xls *x, td_error *err);

/*
 * End a pending row, write the workbook, fsync it and rename it onto the
 * path given to td_xls_new(). Needs at least one sheet. Frees x in every
 * case; on failure no file is left at path's temporary name and path itself
 * is untouched. x may be NULL (TD_ERR_USAGE).
 */
td_status td_xls_close(td_xls *x, td_error *err);

/* Abandon the workbook: remove the temporary files and free x. Accepts NULL. */
void td_xls_free(td_xls *x);

/*
 * The Excel serial number of the date y-m-d in the 1900 date system
 * (1900-01-01 is 1; 1900-03-01 is 61 because Excel counts a 29 February
 * 1900). Returns 1 and sets *serial, or returns 0 for a date Excel cannot
 * store.
 */
int td_xls_date_serial(int y, int m, int d, double *serial);

#endif
