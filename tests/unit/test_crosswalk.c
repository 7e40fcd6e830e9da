/*
 * Crosswalk and sheet-table loading: the shipped Hải Phòng crosswalk read
 * back, lookups, and every error located by file, line and column.
 */
#include "crosswalk.h"
#include "tap.h"

#include <gdal.h>
#include <stdio.h>
#include <string.h>

static char path[4200];

/* Write text to a scratch file and return its path. */
static const char *file(const char *name, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tap_tmpdir("crosswalk"), name);
	f = fopen(path, "wb");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* Load a crosswalk expected to fail; return the message (static). */
static const char *crosswalk_error(const char *name, const char *text, td_status want)
{
	static td_error err;
	td_crosswalk cw;

	td_error_init(&err);
	CHECK_INT(want, td_crosswalk_load(&cw, file(name, text), &err));
	td_crosswalk_release(&cw);
	return err.msg;
}

/* The whole message: what, the file's path, then tail (which starts at the quote closing the path). */
static void check_message(const char *what, const char *tail, const char *msg)
{
	char want[2048];

	snprintf(want, sizeof(want), "%s '%s/%s", what, tap_tmpdir("crosswalk"), tail);
	CHECK_STR(want, msg);
}

static void test_code_parse(void)
{
	char c[TD_CODE_SIZE];

	CHECK(td_commune_code_parse("318", c));
	CHECK_STR("00318", c);
	CHECK(td_commune_code_parse(" 10507 ", c));
	CHECK_STR("10507", c);
	CHECK(!td_commune_code_parse("105070", c));
	CHECK_STR("", c);
	CHECK(!td_commune_code_parse("10a07", c));
	CHECK(!td_commune_code_parse("", c));
	CHECK(!td_commune_code_parse(NULL, c));
}

static void test_shipped(void)
{
	td_crosswalk cw;
	td_error err;
	const td_crosswalk_row *r;
	size_t old = 0, split = 0;

	td_error_init(&err);
	CHECK_INT(TD_OK, td_crosswalk_load(&cw, TD_SCHEMAS "/crosswalk/haiphong-2025.csv", &err));
	CHECK_STR("", err.msg);
	CHECK_INT(452, cw.n);
	for (size_t i = 0; i < cw.n;) {
		size_t n = td_crosswalk_find(&cw, cw.rows[i].old_code, NULL);
		old++;
		split += n > 1;
		i += n;
	}
	CHECK_INT(375, old);
	CHECK_INT(72, split);
	CHECK_INT(2, td_crosswalk_find(&cw, "10528", &r));
	CHECK_STR("10532", r[0].new_code);
	CHECK_STR("10537", r[1].new_code);
	CHECK_STR("Phường Trần Phú", r[0].old_name);
	CHECK_STR("Phường Lê Thanh Nghị", r[0].new_name);
	CHECK_INT(1, td_crosswalk_find(&cw, "00318", &r));
	CHECK_STR("11948", r->new_code);
	CHECK_INT(0, td_crosswalk_find(&cw, "11948", &r));
	CHECK(r == NULL);
	CHECK(td_crosswalk_is_new(&cw, "11948"));
	CHECK(!td_crosswalk_is_new(&cw, "10528"));
	CHECK_STR("Đặc khu Bạch Long Vĩ", td_crosswalk_new_name(&cw, "11948"));
	CHECK_STR("", td_crosswalk_new_name(&cw, "99999"));
	td_crosswalk_release(&cw);
	td_crosswalk_release(&cw); /* twice is fine */
	td_crosswalk_release(NULL);
}

static void test_crosswalk_forms(void)
{
	td_crosswalk cw;
	td_error err;
	const td_crosswalk_row *r;

	/* Semicolons, a byte-order mark, short codes, no names, blank lines, any row order. */
	td_error_init(&err);
	CHECK_INT(TD_OK,
		  td_crosswalk_load(&cw, file("semi.csv", "\xEF\xBB\xBFnew_code;old_code\n10507;10510\n\n10507;318\n"),
				    &err));
	CHECK_STR("", err.msg);
	CHECK_INT(2, cw.n);
	CHECK_INT(1, td_crosswalk_find(&cw, "00318", &r));
	CHECK_STR("10507", r->new_code);
	CHECK_INT(3, cw.rows[0].line);
	CHECK_STR("", cw.rows[0].new_name);
	td_crosswalk_release(&cw);
}

static void test_crosswalk_errors(void)
{
	td_crosswalk cw;
	td_error err;
	const char *m;

	m = crosswalk_error("unknown.csv", "old_code,new_code,note\n10507,10507,x\n", TD_ERR_INPUT);
	check_message(
		"crosswalk",
		"unknown.csv' line 1: unknown column 'note' (expected old_code, new_code, type, old_name, new_name)",
		m);
	m = crosswalk_error("missing.csv", "old_code,type\n10507,full\n", TD_ERR_INPUT);
	check_message(
		"crosswalk",
		"missing.csv' line 1: no column 'new_code' (expected old_code, new_code, type, old_name, new_name)", m);
	m = crosswalk_error("twice.csv", "old_code,new_code,old_code\n10507,10507,1\n", TD_ERR_INPUT);
	check_message("crosswalk", "twice.csv' line 1: column 'old_code' appears twice", m);
	m = crosswalk_error("badcode.csv", "old_code,new_code\n10507,10507\n10510,1050X\n", TD_ERR_INPUT);
	check_message("crosswalk",
		      "badcode.csv' line 3, column 'new_code': '1050X' is not a commune code (1 to 5 digits)", m);
	m = crosswalk_error("emptycode.csv", "old_code,new_code\n,10507\n", TD_ERR_INPUT);
	check_message("crosswalk", "emptycode.csv' line 2, column 'old_code': '' is not a commune code (1 to 5 digits)",
		      m);
	m = crosswalk_error("type.csv", "old_code,new_code,type\n10507,10507,whole\n", TD_ERR_INPUT);
	check_message("crosswalk", "type.csv' line 2, column 'type': 'whole' is not 'full' or 'partial'", m);
	m = crosswalk_error("partial.csv", "old_code,new_code,type\n10507,10507,full\n10528,10532,partial\n",
			    TD_ERR_INPUT);
	check_message("crosswalk",
		      "partial.csv' line 3: old commune 10528 is 'partial' but goes to no other new commune", m);
	m = crosswalk_error("full.csv", "old_code,new_code,type\n10528,10532,partial\n10528,10537,full\n",
			    TD_ERR_INPUT);
	check_message("crosswalk",
		      "full.csv' line 3: old commune 10528 is 'full' but goes to 2 new communes (lines 2 and 3)", m);
	m = crosswalk_error("repeat.csv", "old_code,new_code\n10510,10507\n10507,10507\n10510,10507\n", TD_ERR_INPUT);
	check_message("crosswalk", "repeat.csv' line 4: 10510 -> 10507 repeats line 2", m);
	m = crosswalk_error("names.csv", "old_code,new_code,new_name\n10507,10507,Thành Đông\n10510,10507,Thành Tây\n",
			    TD_ERR_INPUT);
	check_message("crosswalk",
		      "names.csv' line 3: new commune 10507 is named 'Thành Tây' here but 'Thành Đông' on line 2", m);
	m = crosswalk_error("utf8.csv", "old_code,new_code,old_name\n10507,10507,\xff\xfe\n", TD_ERR_INPUT);
	check_message("crosswalk", "utf8.csv' line 2, column 'old_name': text is not valid UTF-8", m);
	m = crosswalk_error("header.csv", "old_code,new_code\n", TD_ERR_INPUT);
	check_message("crosswalk", "header.csv' has no rows", m);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_crosswalk_load(&cw, "/nonexistent/cw.csv", &err));
	CHECK(strncmp(err.msg, "cannot read '/nonexistent/cw.csv' as CSV", 40) == 0);
	td_crosswalk_release(&cw);
}

static void test_sheets(void)
{
	td_crosswalk cw;
	td_sheet_table t;
	td_error err;

	td_error_init(&err);
	CHECK_INT(TD_OK, td_crosswalk_load(&cw, TD_SCHEMAS "/crosswalk/haiphong-2025.csv", &err));
	CHECK_INT(TD_OK, td_sheet_table_load(&t,
					     file("sheets.csv", "old_commune,old_sheet,new_commune,new_sheet\n"
								"10528,1,10537,6\n10510,1,10507,11\n10528,1,10532,5\n"
								"10528,2,10532,7\n"),
					     &cw, &err));
	CHECK_STR("", err.msg);
	CHECK_INT(4, t.n);
	CHECK_INT(11, td_sheet_table_find(&t, "10510", 1, "10507"));
	CHECK_INT(5, td_sheet_table_find(&t, "10528", 1, "10532"));
	CHECK_INT(6, td_sheet_table_find(&t, "10528", 1, "10537"));
	CHECK_INT(7, td_sheet_table_find(&t, "10528", 2, "10532"));
	CHECK_INT(0, td_sheet_table_find(&t, "10528", 2, "10537"));
	CHECK_INT(0, td_sheet_table_find(&t, "10510", 2, "10507"));
	td_sheet_table_release(&t);

	/* A header alone: an empty table, every sheet keeps its number. */
	CHECK_INT(TD_OK, td_sheet_table_load(&t, file("empty.csv", "old_commune,old_sheet,new_commune,new_sheet\n"),
					     &cw, &err));
	CHECK_INT(0, t.n);
	CHECK_INT(0, td_sheet_table_find(&t, "10510", 1, "10507"));
	td_sheet_table_release(&t);

	static const struct {
		const char *name, *text, *tail;
	} bad[] = {
		{"s-sheet.csv", "old_commune,old_sheet,new_commune,new_sheet\n10510,1,10507,11\n10510,0,10507,12\n",
		 "s-sheet.csv' line 3, column 'old_sheet': '0' is not a sheet number (a whole number from 1)"},
		{"s-new.csv", "old_commune,old_sheet,new_commune,new_sheet\n10510,1,10507,x\n",
		 "s-new.csv' line 2, column 'new_sheet': 'x' is not a sheet number (a whole number from 1)"},
		{"s-old.csv", "old_commune,old_sheet,new_commune,new_sheet\n99999,1,10507,1\n",
		 "s-old.csv' line 2: old commune 99999 is not in the crosswalk '" TD_SCHEMAS
		 "/crosswalk/haiphong-2025.csv'"},
		{"s-target.csv", "old_commune,old_sheet,new_commune,new_sheet\n10528,1,10507,1\n",
		 "s-target.csv' line 2: old commune 10528 goes to 10532, 10537 in the crosswalk, not to 10507"},
		{"s-repeat.csv",
		 "old_commune,old_sheet,new_commune,new_sheet\n10510,1,10507,11\n10507,1,10507,1\n10510,1,10507,12\n",
		 "s-repeat.csv' line 4: old commune 10510 sheet 1 in new commune 10507 repeats line 2"},
		{"s-column.csv", "old_commune,old_sheet,new_commune\n10510,1,10507\n",
		 "s-column.csv' line 1: no column 'new_sheet' (expected old_commune, old_sheet, new_commune, "
		 "new_sheet)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		td_error_init(&err);
		CHECK_INT(TD_ERR_INPUT, td_sheet_table_load(&t, file(bad[i].name, bad[i].text), &cw, &err));
		check_message("sheet table", bad[i].tail, err.msg);
		td_sheet_table_release(&t);
	}
	td_crosswalk_release(&cw);
}

int main(void)
{
	GDALAllRegister();
	test_code_parse();
	test_shipped();
	test_crosswalk_forms();
	test_crosswalk_errors();
	test_sheets();
	GDALDestroyDriverManager();
	return tap_done();
}
