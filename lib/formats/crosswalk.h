/*
 * The two tables a merge of province workspaces is driven by, read from CSV
 * (formats in schemas/crosswalk/README.md and schemas/sheets/README.md):
 *
 * - the admin crosswalk: old commune code -> new commune code, one row per
 *   pair; an old commune with several rows was split between new ones;
 * - the sheet reference table (bảng tham chiếu số tờ): old commune + old
 *   sheet + new commune -> new sheet number.
 *
 *     td_crosswalk cw;
 *     td_sheet_table st;
 *     if (td_crosswalk_load(&cw, "haiphong-2025.csv", &err) != TD_OK ||
 *         td_sheet_table_load(&st, "so-to.csv", &cw, &err) != TD_OK) ... err names file and line
 *     n = td_crosswalk_find(&cw, "10528", &rows);    (2 rows: split)
 *     sheet = td_sheet_table_find(&st, "10528", 1, "10532");   (0: no entry)
 *     td_sheet_table_release(&st);
 *     td_crosswalk_release(&cw);
 *
 * Every error is TD_ERR_INPUT and names the file, the line (header = 1) and
 * the column. Codes are compared as 5 digits: "318" in a file is "00318",
 * as ingest stores a short numeric code.
 */
#ifndef TD_CROSSWALK_H
#define TD_CROSSWALK_H

#include "error.h"

#include <stddef.h>

#define TD_CODE_SIZE 8 /* a 5-digit code and its NUL, with room */
#define TD_NAME_SIZE 160

typedef struct td_crosswalk_row {
	char old_code[TD_CODE_SIZE];
	char new_code[TD_CODE_SIZE];
	char old_name[TD_NAME_SIZE]; /* "" when the file has no old_name */
	char new_name[TD_NAME_SIZE]; /* "" when the file has no new_name */
	long line;                   /* line in the file, header = 1 */
} td_crosswalk_row;

typedef struct td_crosswalk {
	char path[TD_PATH_MAX];
	size_t n;
	td_crosswalk_row *rows; /* sorted by old_code, then new_code; owned */
} td_crosswalk;

/*
 * Read a crosswalk. Columns old_code and new_code are required; type
 * (full | partial), old_name and new_name are optional; any other column is
 * an error. A repeated pair, a code that is not 1 to 5 digits, a type that
 * disagrees with the number of rows of its old code, two names for one new
 * code, or no row at all is an error naming the line.
 * Release with td_crosswalk_release(), also after a failure.
 */
td_status td_crosswalk_load(td_crosswalk *cw, const char *path, td_error *err);

/* Free the rows. Accepts NULL and a zeroed struct. */
void td_crosswalk_release(td_crosswalk *cw);

/*
 * The rows of one old code: sets *first (NULL when absent) and returns how
 * many there are (0 unknown, 1 recode, 2 or more split).
 */
size_t td_crosswalk_find(const td_crosswalk *cw, const char *old_code, const td_crosswalk_row **first);

/* Whether code is the new code of some row. */
int td_crosswalk_is_new(const td_crosswalk *cw, const char *code);

/* The new name of a new code ("" when unnamed or unknown); never NULL. */
const char *td_crosswalk_new_name(const td_crosswalk *cw, const char *new_code);

/*
 * Put s into out as a 5-digit commune code ("318" -> "00318"). Returns 0
 * (out empty) unless s is 1 to 5 digits, spaces around them allowed.
 */
int td_commune_code_parse(const char *s, char out[TD_CODE_SIZE]);

typedef struct td_sheet_row {
	char old_commune[TD_CODE_SIZE];
	long old_sheet;
	char new_commune[TD_CODE_SIZE];
	long new_sheet;
	long line;
} td_sheet_row;

typedef struct td_sheet_table {
	char path[TD_PATH_MAX];
	size_t n;
	td_sheet_row *rows; /* sorted by old_commune, old_sheet, new_commune; owned */
} td_sheet_table;

/*
 * Read a sheet reference table: columns old_commune, old_sheet,
 * new_commune, new_sheet, all required. Sheets are whole numbers from 1.
 * Errors name the line: a malformed value; a repeated (old_commune,
 * old_sheet, new_commune); an old commune the crosswalk does not list; a
 * new commune the crosswalk does not give for that old commune. A header
 * with no rows is a valid, empty table. Release with td_sheet_table_release().
 */
td_status td_sheet_table_load(td_sheet_table *t, const char *path, const td_crosswalk *cw, td_error *err);

/* Accepts NULL and a zeroed struct. */
void td_sheet_table_release(td_sheet_table *t);

/* The new sheet of (old commune, old sheet) in new_commune, or 0 when the table has no entry. */
long td_sheet_table_find(const td_sheet_table *t, const char *old_commune, long old_sheet, const char *new_commune);

#endif
