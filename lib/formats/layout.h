/*
 * Column layouts of the workbooks, read from CSV files in schemas/ so an
 * office can match its own template (headers, order, widths, formats)
 * without a rebuild. A layout file has one line per column:
 *
 *     header,field,width,type,format
 *     Số tờ,sheet,8,integer,
 *     Mã định danh thửa đất,parcel_id,22,text,
 *     Diện tích bản đồ (m²),map_area,22,number,0.0
 *
 * header: the text of the header cell; field: one of the fields the sheet
 * offers (the caller's catalogue); width: in characters, 0 < width <= 255;
 * type: text | number | integer | date, how the cell is written; format
 * (optional column, may be empty): an Excel number format, else the field's
 * own or the type's default (text "@", integer "0", date "dd/mm/yyyy").
 *
 *     td_layout l;
 *     rc = td_layout_read("schemas/xlsx/groups.csv", fields, nfields, &l, &err);
 *
 * Errors are TD_ERR_USAGE (bad configuration) naming the file and line.
 */
#ifndef TD_LAYOUT_H
#define TD_LAYOUT_H

#include "ctx.h"
#include "error.h"

typedef enum td_cell_type {
	TD_CELL_TEXT,
	TD_CELL_NUMBER,
	TD_CELL_INTEGER,
	TD_CELL_DATE,
	TD_CELL_ANY /* only as a field's own type: each row's value decides */
} td_cell_type;

/* One field a sheet can show, in the caller's catalogue. */
typedef struct td_field {
	const char *name;   /* as written in a layout file */
	td_cell_type type;  /* its values' own type */
	const char *format; /* number format when written as its own type; NULL: the type's default */
} td_field;

/*
 * A field's own type limits how it may be written: as itself or as text,
 * numbers as number or integer. Identifiers (CCCD, certificate serials,
 * parcel IDs, commune codes) are text fields, so no layout can turn them
 * into numbers and lose their leading zeros.
 */

#define TD_LAYOUT_MAX_COLUMNS 64

typedef struct td_column {
	int field;         /* index into the catalogue */
	td_cell_type type; /* how its cells are written */
	double width;      /* characters */
	char header[256];
	char format[64]; /* Excel number format */
} td_column;

typedef struct td_layout {
	int ncols;
	td_column cols[TD_LAYOUT_MAX_COLUMNS];
} td_layout;

/*
 * Read a layout file against a catalogue of nfields fields. Fails naming
 * the file and line on a missing column (header, field, width, type), an
 * unknown field or type, a type the field cannot take, a bad width, an empty
 * header, more than TD_LAYOUT_MAX_COLUMNS lines, or no line at all.
 */
td_status td_layout_read(const char *path, const td_field *fields, int nfields, td_layout *layout, td_error *err);

#define TD_SHEET_NAME_MAX 128 /* bytes: 31 characters of up to 4 bytes, and the NUL */

/*
 * Read sheet names from a file with the columns "sheet,name": one line for
 * each of the nkeys keys, in any order. names[i] gets the name for keys[i].
 * A name must be 1 to 31 characters without []:*?/\, not start or end with
 * an apostrophe, and differ from the others ignoring case (Excel's rules).
 */
td_status td_layout_read_names(const char *path, const char *const *keys, int nkeys, char (*names)[TD_SHEET_NAME_MAX],
			       td_error *err);

/* One layout file of a workbook and the fields its sheet offers. */
typedef struct td_layout_file {
	const char *name;  /* file name inside the workbook's directory, "groups.csv" */
	td_layout *layout; /* filled */
	const td_field *fields;
	int nfields;
} td_layout_file;

/*
 * Read a workbook's sheet names from schemas/<dir>/sheets.csv (keys as for
 * td_layout_read_names) and each of its layout files from schemas/<dir>/.
 */
td_status td_layout_read_book(const td_ctx *ctx, const char *dir, const char *const *keys, int nkeys,
			      char (*names)[TD_SHEET_NAME_MAX], const td_layout_file *files, int nfiles, td_error *err);

#endif
