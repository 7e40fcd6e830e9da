/*
 * Fuzz the merge tables (lib/crosswalk.c): the bytes as an admin crosswalk,
 * and as a sheet reference table checked against the shipped Hải Phòng 2025
 * crosswalk.
 */
#include "fuzz.h"

#include "crosswalk.h"

#include <stdlib.h>
#include <string.h>

static td_crosswalk haiphong;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	td_error err;

	(void)argc;
	(void)argv;
	fz_init();
	td_error_init(&err);
	if (td_crosswalk_load(&haiphong, TD_SCHEMAS "/crosswalk/haiphong-2025.csv", &err) != TD_OK)
		abort();
	return 0;
}

static int five_digits(const char *s)
{
	if (strlen(s) != 5)
		return 0;
	for (int i = 0; i < 5; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("table.csv", data, size);
	td_crosswalk cw;
	td_sheet_table st;
	td_error err;

	memset(&cw, 0, sizeof(cw));
	td_error_init(&err);
	if (fz_note("crosswalk", td_crosswalk_load(&cw, path, &err), &err) == TD_OK) {
		for (size_t i = 0; i < cw.n; i++) {
			const td_crosswalk_row *r = &cw.rows[i], *first;
			if (!five_digits(r->old_code) || !five_digits(r->new_code) ||
			    (i > 0 && strcmp(cw.rows[i - 1].old_code, r->old_code) > 0))
				abort(); /* 5-digit codes, sorted by old code */
			if (td_crosswalk_find(&cw, r->old_code, &first) < 1 || !td_crosswalk_is_new(&cw, r->new_code) ||
			    !td_crosswalk_new_name(&cw, r->new_code))
				abort();
		}
	} else if (!err.msg[0]) {
		abort();
	}
	td_crosswalk_release(&cw);

	memset(&st, 0, sizeof(st));
	td_error_init(&err);
	if (fz_note("sheets", td_sheet_table_load(&st, path, &haiphong, &err), &err) == TD_OK) {
		for (size_t i = 0; i < st.n; i++) {
			const td_sheet_row *r = &st.rows[i];
			if (r->old_sheet < 1 || r->new_sheet < 1 ||
			    td_sheet_table_find(&st, r->old_commune, r->old_sheet, r->new_commune) != r->new_sheet)
				abort();
		}
	} else if (!err.msg[0]) {
		abort();
	}
	td_sheet_table_release(&st);
	return 0;
}
