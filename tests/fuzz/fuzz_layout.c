/* Fuzz the workbook layout and sheet-name readers (lib/layout.c): the same bytes as both files. */
#include "fuzz.h"

#include "layout.h"

#include <stdlib.h>
#include <string.h>

/* The fields of the export's sheets (lib/export.c), so the shipped layouts are valid seeds. */
static const td_field fields[] = {
	{"label", TD_CELL_TEXT, NULL},
	{"value", TD_CELL_ANY, NULL},
	{"commune", TD_CELL_TEXT, NULL},
	{"sheet", TD_CELL_INTEGER, NULL},
	{"parcel", TD_CELL_INTEGER, NULL},
	{"parcel_id", TD_CELL_TEXT, NULL},
	{"map_area", TD_CELL_NUMBER, "0.0"},
	{"register_area", TD_CELL_NUMBER, "0.0"},
	{"landuse", TD_CELL_TEXT, NULL},
	{"owners", TD_CELL_TEXT, NULL},
	{"cccd", TD_CELL_TEXT, NULL},
	{"gcn_serial", TD_CELL_TEXT, NULL},
	{"gcn_date", TD_CELL_DATE, NULL},
	{"last_change", TD_CELL_DATE, NULL},
	{"group", TD_CELL_INTEGER, NULL},
	{"failed_criteria", TD_CELL_TEXT, NULL},
	{"rule_ids", TD_CELL_TEXT, NULL},
	{"rule_id", TD_CELL_TEXT, NULL},
	{"severity", TD_CELL_TEXT, NULL},
	{"criterion", TD_CELL_TEXT, NULL},
	{"other_commune", TD_CELL_TEXT, NULL},
	{"other_sheet", TD_CELL_INTEGER, NULL},
	{"other_parcel", TD_CELL_INTEGER, NULL},
	{"x", TD_CELL_NUMBER, "0.000"},
	{"y", TD_CELL_NUMBER, "0.000"},
	{"tolerance", TD_CELL_NUMBER, NULL},
	{"message", TD_CELL_TEXT, NULL},
	{"seq", TD_CELL_INTEGER, NULL},
	{"area", TD_CELL_NUMBER, "0.0"},
	{"source_row", TD_CELL_INTEGER, NULL},
};
#define F_COUNT ((int)(sizeof(fields) / sizeof(fields[0])))
static const char *const keys[] = {"summary", "group1", "group2", "group3", "findings", "certificates"};
#define NKEYS ((int)(sizeof(keys) / sizeof(keys[0])))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("layout.csv", data, size);
	static td_layout l;
	char names[NKEYS][TD_SHEET_NAME_MAX];
	td_error err;

	td_error_init(&err);
	if (fz_note("layout", td_layout_read(path, fields, F_COUNT, &l, &err), &err) == TD_OK) {
		if (l.ncols < 1 || l.ncols > TD_LAYOUT_MAX_COLUMNS)
			abort();
		for (int i = 0; i < l.ncols; i++) {
			const td_column *c = &l.cols[i];
			if (c->field < 0 || c->field >= F_COUNT || !(c->width > 0 && c->width <= 255) ||
			    !memchr(c->header, '\0', sizeof(c->header)) || !c->header[0] ||
			    !memchr(c->format, '\0', sizeof(c->format)))
				abort();
		}
	} else if (!err.msg[0]) {
		abort();
	}

	td_error_init(&err);
	if (fz_note("names", td_layout_read_names(path, keys, NKEYS, names, &err), &err) == TD_OK) {
		for (int i = 0; i < NKEYS; i++)
			if (!memchr(names[i], '\0', sizeof(names[i])) || !names[i][0])
				abort(); /* 1 to 31 characters */
	} else if (!err.msg[0]) {
		abort();
	}
	return 0;
}
