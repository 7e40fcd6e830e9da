/*
 * Column layouts and sheet names read from CSV (lib/layout.c): a good
 * layout with its defaults, and every error naming the file and line.
 */
#include "layout.h"
#include "tap.h"

#include <gdal.h>
#include <stdio.h>
#include <string.h>

enum { F_SHEET, F_CCCD, F_AREA, F_DATE, F_VALUE, F_COUNT };
static const td_field fields[F_COUNT] = {
	{"sheet", TD_CELL_INTEGER, NULL}, {"cccd", TD_CELL_TEXT, NULL}, {"area", TD_CELL_NUMBER, "0.0"},
	{"gcn_date", TD_CELL_DATE, NULL}, {"value", TD_CELL_ANY, NULL},
};

static char dir[4096], path[4200];

static const char *write_file(const char *name, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* Read text as a layout; return the status and leave the message in msg (path replaced by "F"). */
static td_status layout_of(const char *text, td_layout *l, char *msg, size_t size)
{
	td_error err;
	td_status rc;
	const char *p = write_file("layout.csv", text);
	size_t n = strlen(p);

	td_error_init(&err);
	rc = td_layout_read(p, fields, F_COUNT, l, &err);
	if (strncmp(err.msg, "'", 1) == 0 && strncmp(err.msg + 1, p, n) == 0)
		snprintf(msg, size, "'F%s", err.msg + 1 + n);
	else
		snprintf(msg, size, "%s", err.msg);
	return rc;
}

static void test_good(void)
{
	td_layout l;
	char msg[2048];

	CHECK_INT(TD_OK, layout_of("header,field,width,type,format\n"
				   "Số tờ,sheet,8,integer,\n"
				   "\"Số CCCD, CMND\",cccd,20.5,text,\n"
				   "Diện tích (m²),area,12,number,\n"
				   "Diện tích làm tròn,area,12,integer,\n"
				   "Diện tích chữ,area,12,text,\n"
				   "Ngày cấp,gcn_date,12,date,d/m/yy\n"
				   "Ngày cấp (chữ),gcn_date,12,text,\n"
				   "Giá trị,value,9,number,\n",
				   &l, msg, sizeof(msg)));
	CHECK_STR("", msg);
	CHECK_INT(8, l.ncols);
	CHECK_STR("Số tờ", l.cols[0].header);
	CHECK_INT(F_SHEET, l.cols[0].field);
	CHECK_INT(TD_CELL_INTEGER, l.cols[0].type);
	CHECK_STR("0", l.cols[0].format);
	CHECK_DBL(8, l.cols[0].width, 0);
	CHECK_STR("Số CCCD, CMND", l.cols[1].header);
	CHECK_STR("@", l.cols[1].format);
	CHECK_DBL(20.5, l.cols[1].width, 0);
	CHECK_STR("0.0", l.cols[2].format); /* the field's own format */
	CHECK_STR("0", l.cols[3].format);   /* as integer: the type's */
	CHECK_INT(TD_CELL_TEXT, l.cols[4].type);
	CHECK_STR("@", l.cols[4].format);
	CHECK_STR("d/m/yy", l.cols[5].format); /* given */
	CHECK_STR("@", l.cols[6].format);
	CHECK_INT(F_VALUE, l.cols[7].field);
	CHECK_STR("", l.cols[7].format);

	/* The format column is optional. */
	CHECK_INT(TD_OK, layout_of("header,field,width,type\nNgày,gcn_date,10,date\n", &l, msg, sizeof(msg)));
	CHECK_STR("dd/mm/yyyy", l.cols[0].format);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"header,field,width\nA,sheet,8\n",
		 "'F' line 1: no column 'type' (expected the columns header,field,width,type[,format])"},
		{"header,field,width,type\nA,sheet,8,integer\nB,owner,8,text\n",
		 "'F' line 3: unknown field 'owner' (expected one of sheet, cccd, area, gcn_date, value)"},
		{"header,field,width,type\nA,sheet,8,float\n",
		 "'F' line 2: unknown type 'float' (expected text, number, integer or date)"},
		{"header,field,width,type\nA,cccd,8,number\n",
		 "'F' line 2: field 'cccd' cannot be written as number (it is text)"},
		{"header,field,width,type\nA,gcn_date,8,integer\n",
		 "'F' line 2: field 'gcn_date' cannot be written as integer (it is date)"},
		{"header,field,width,type\nA,area,8,date\n",
		 "'F' line 2: field 'area' cannot be written as date (it is number)"},
		{"header,field,width,type\nA,sheet,0,integer\n",
		 "'F' line 2: width '0': expected a number above 0, at most 255"},
		{"header,field,width,type\nA,sheet,256,integer\n",
		 "'F' line 2: width '256': expected a number above 0, at most 255"},
		{"header,field,width,type\nA,sheet,8cm,integer\n",
		 "'F' line 2: width '8cm': expected a number above 0, at most 255"},
		{"header,field,width,type\nA,sheet,,integer\n",
		 "'F' line 2: width '': expected a number above 0, at most 255"},
		{"header,field,width,type\n,sheet,8,integer\n", "'F' line 2: empty header"},
		{"header,field,width,type\n", "'F' lists no columns"},
	};
	td_layout l;
	char msg[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(TD_ERR_USAGE, layout_of(cases[i].text, &l, msg, sizeof(msg)));
		CHECK_STR(cases[i].msg, msg);
	}

	/* A missing file is bad configuration too. */
	{
		td_error err;
		td_error_init(&err);
		snprintf(path, sizeof(path), "%s/none.csv", dir);
		CHECK_INT(TD_ERR_USAGE, td_layout_read(path, fields, F_COUNT, &l, &err));
		CHECK_INT(TD_ERR_USAGE, err.code);
		CHECK(strstr(err.msg, "none.csv") != NULL);
	}
}

static td_status names_of(const char *text, char (*names)[TD_SHEET_NAME_MAX], char *msg, size_t size)
{
	static const char *const keys[] = {"summary", "group1", "group2"};
	td_error err;
	td_status rc;
	const char *p = write_file("sheets.csv", text);
	size_t n = strlen(p);

	td_error_init(&err);
	rc = td_layout_read_names(p, keys, 3, names, &err);
	if (strncmp(err.msg + 1, p, n) == 0)
		snprintf(msg, size, "'F%s", err.msg + 1 + n);
	else
		snprintf(msg, size, "%s", err.msg);
	return rc;
}

static void test_names(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"sheet,title\nsummary,A\n", "'F' line 1: no column 'name' (expected the columns sheet,name)"},
		{"sheet,name\nsummary,A\ntotal,B\n", "'F' line 3: unknown sheet 'total'"},
		{"sheet,name\nsummary,A\nsummary,B\n", "'F' line 3: sheet 'summary' named twice"},
		{"sheet,name\nsummary,A\ngroup1,Nhóm 1\ngroup2,NHÓM 1\n",
		 "'F' line 4: sheet name 'NHÓM 1' is already used for 'group1'"},
		{"sheet,name\nsummary,Danh sách thửa đất cần chỉnh lý bổ sung\n",
		 "'F' line 2: sheet name 'Danh sách thửa đất cần chỉnh lý bổ sung' longer than 31 characters"},
		{"sheet,name\nsummary,Nhóm 1/2\n", "'F' line 2: sheet name 'Nhóm 1/2' holds one of []:*?/\\"},
		{"sheet,name\nsummary,'Nhóm'\n", "'F' line 2: sheet name ''Nhóm'' starts or ends with an apostrophe"},
		{"sheet,name\nsummary,\n", "'F' line 2: sheet name '' empty"},
		{"sheet,name\nsummary,A\ngroup1,B\n", "'F': no line for sheet 'group2'"},
	};
	char names[3][TD_SHEET_NAME_MAX], msg[2048];

	CHECK_INT(TD_OK,
		  names_of("sheet,name\ngroup2,Nhóm 2\nsummary,Tổng hợp\ngroup1,Nhóm 1 (31 ký tự là tối đa!!!!)\n",
			   names, msg, sizeof(msg)));
	CHECK_STR("Tổng hợp", names[0]);
	CHECK_STR("Nhóm 1 (31 ký tự là tối đa!!!!)", names[1]);
	CHECK_STR("Nhóm 2", names[2]);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(TD_ERR_USAGE, names_of(cases[i].text, names, msg, sizeof(msg)));
		CHECK_STR(cases[i].msg, msg);
	}
}

int main(void)
{
	GDALAllRegister();
	snprintf(dir, sizeof(dir), "%s", tap_tmpdir("layout"));
	test_good();
	test_errors();
	test_names();
	GDALDestroyDriverManager();
	return tap_done();
}
