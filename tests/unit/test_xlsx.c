/*
 * The XLSX table writer (lib/xlsx.c), read back through GDAL's XLSX driver
 * with its own type detection: text cells keep leading zeros, numbers are
 * numbers, dates are dates; lists continue on numbered sheets at the row
 * limit with the header repeated; failures leave no file.
 */
#include "date.h"
#include "tap.h"
#include "xlsx.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fields of the rows written; the layout shows some twice, as text. */
enum { F_CCCD, F_AREA, F_COUNT_, F_DATE, F_NAME, F_N };

static td_layout layout;

static void make_layout(void)
{
	static const struct {
		int field;
		td_cell_type type;
		const char *header, *format;
	} cols[] = {
		{F_CCCD, TD_CELL_TEXT, "Số CCCD", "@"},         {F_AREA, TD_CELL_NUMBER, "Diện tích", "0.0"},
		{F_COUNT_, TD_CELL_INTEGER, "Số thửa", "0"},    {F_DATE, TD_CELL_DATE, "Ngày cấp", "dd/mm/yyyy"},
		{F_NAME, TD_CELL_TEXT, "Họ tên", "@"},          {F_DATE, TD_CELL_TEXT, "Ngày (chữ)", "@"},
		{F_AREA, TD_CELL_TEXT, "Diện tích (chữ)", "@"},
	};
	memset(&layout, 0, sizeof(layout));
	layout.ncols = (int)(sizeof(cols) / sizeof(cols[0]));
	for (int i = 0; i < layout.ncols; i++) {
		layout.cols[i].field = cols[i].field;
		layout.cols[i].type = cols[i].type;
		layout.cols[i].width = 12;
		snprintf(layout.cols[i].header, sizeof(layout.cols[i].header), "%s", cols[i].header);
		snprintf(layout.cols[i].format, sizeof(layout.cols[i].format), "%s", cols[i].format);
	}
}

static const char *const base_name = "Danh sách thửa đất cần xử lý 01"; /* 31 characters */

static void row_values(td_value *v, int i)
{
	static const char *const cccd[] = {"001190012345", "031080004321", NULL};
	static const char *const name[] = {"Nguyễn Thị Hồng Nhung", "Đặng Văn Đức", "Ngô Thị Phương"};

	td_value_text(&v[F_CCCD], cccd[i % 3]);
	td_value_number(&v[F_AREA], 100.25 + i);
	td_value_number(&v[F_COUNT_], i + 1);
	td_value_date(&v[F_DATE], td_date_days(2026, 11, 6 + i));
	td_value_text(&v[F_NAME], name[i % 3]);
}

static int count_dir(const char *dir)
{
	char cmd[4300];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void check_part(GDALDatasetH ds, int layer, const char *name, int first, int nrows)
{
	OGRLayerH l = GDALDatasetGetLayer(ds, layer);
	OGRFeatureDefnH d;
	OGRFeatureH f;
	int r = 0;

	CHECK(l != NULL);
	if (!l)
		return;
	CHECK_STR(name, OGR_L_GetName(l));
	d = OGR_L_GetLayerDefn(l);
	CHECK_INT(7, OGR_FD_GetFieldCount(d));
	CHECK_STR("Số CCCD", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, 0)));
	CHECK_INT(OFTString, OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, 0)));
	CHECK_INT(OFTReal, OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, 1)));
	CHECK_INT(OFTInteger, OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, 2)));
	CHECK_STR("Ngày cấp", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, 3)));
	CHECK_INT(OFTDate, OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, 3)));
	CHECK_INT(OFTString, OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, 5)));
	OGR_L_ResetReading(l);
	while ((f = OGR_L_GetNextFeature(l)) != NULL) {
		int i = first + r, y = 0, m = 0, dd = 0, h, mi, tz;
		float sec;
		char text[32];

		if (i % 3 == 2)
			CHECK(!OGR_F_IsFieldSetAndNotNull(f, 0));
		else
			CHECK_STR(i % 3 ? "031080004321" : "001190012345", OGR_F_GetFieldAsString(f, 0));
		CHECK_DBL(100.25 + i, OGR_F_GetFieldAsDouble(f, 1), 1e-9);
		CHECK_INT(i + 1, OGR_F_GetFieldAsInteger(f, 2));
		CHECK(OGR_F_GetFieldAsDateTimeEx(f, 3, &y, &m, &dd, &h, &mi, &sec, &tz));
		CHECK_INT(2026, y);
		CHECK_INT(11, m);
		CHECK_INT(6 + i, dd);
		CHECK_STR(i % 3 == 1 ? "Đặng Văn Đức"
			  : i % 3    ? "Ngô Thị Phương"
				     : "Nguyễn Thị Hồng Nhung",
			  OGR_F_GetFieldAsString(f, 4));
		snprintf(text, sizeof(text), "%02d/11/2026", 6 + i);
		CHECK_STR(text, OGR_F_GetFieldAsString(f, 5));
		snprintf(text, sizeof(text), "%.2f", 100.25 + i);
		CHECK_STR(text, OGR_F_GetFieldAsString(f, 6));
		OGR_F_Destroy(f);
		r++;
	}
	CHECK_INT(nrows, r);
}

/* A part of an .xlsx (a zip) as text, through GDAL's /vsizip/; caller frees. */
static char *zip_part(const char *zip, const char *part)
{
	char name[4400];
	VSILFILE *f;
	char *buf = malloc(1 << 20);
	size_t n;

	snprintf(name, sizeof(name), "/vsizip/%s/%s", zip, part);
	f = VSIFOpenL(name, "rb");
	if (!f || !buf) {
		if (f)
			VSIFCloseL(f);
		free(buf);
		return NULL;
	}
	n = VSIFReadL(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	VSIFCloseL(f);
	return buf;
}

static void test_write(const char *dir)
{
	static const char *const heading[] = {"Mục", "Số"};
	td_layout plain;
	td_xlsx *x = NULL;
	td_value v[F_N];
	td_error err;
	char path[4200];
	struct stat st;
	GDALDatasetH ds;

	snprintf(path, sizeof(path), "%s/a.xlsx", dir);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xlsx_open(path, 0600, 3, &x, &err));
	if (!x)
		return;
	CHECK_INT(TD_OK, td_xlsx_table(x, base_name, &layout, TD_XLSX_LIST, &err));
	for (int i = 0; i < 5; i++) {
		row_values(v, i);
		CHECK_INT(TD_OK, td_xlsx_row(x, v, &err));
	}
	CHECK_INT(5, td_xlsx_rows(x));
	CHECK(access(path, F_OK) != 0); /* nothing under the final name before commit */

	/* A plain table goes past the list limit on one sheet. */
	plain = layout;
	plain.ncols = 3;
	CHECK_INT(TD_OK, td_xlsx_table(x, "Tổng hợp", &plain, 0, &err));
	CHECK_INT(0, td_xlsx_rows(x));
	for (int i = 0; i < 3; i++) {
		row_values(v, i);
		CHECK_INT(TD_OK, td_xlsx_row(x, v, &err));
	}
	CHECK_INT(TD_OK, td_xlsx_heading(x, heading, 2, &err));
	CHECK_INT(TD_OK, td_xlsx_row(x, v, &err));
	CHECK_INT(TD_OK, td_xlsx_commit(x, &err));
	CHECK_STR("", err.msg);
	td_xlsx_free(x);
	CHECK_INT(0, stat(path, &st));
	CHECK_INT(0600, (int)(st.st_mode & 0777));
	CHECK_INT(1, count_dir(dir)); /* no temporary file left */

	/* Print setup: A4 landscape, fit to one page wide; a list's header row repeated on every page. */
	{
		char *sheet = zip_part(path, "xl/worksheets/sheet1.xml"), *book = zip_part(path, "xl/workbook.xml");
		CHECK(sheet && strstr(sheet, "<pageSetUpPr fitToPage=\"1\"/>"));
		CHECK(sheet &&
		      strstr(sheet, "<pageSetup paperSize=\"9\" fitToHeight=\"0\" orientation=\"landscape\"/>"));
		CHECK(sheet &&
		      strstr(sheet,
			     "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"));
		CHECK(book && strstr(book, "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">"));
		CHECK(book && strstr(book, "!$1:$1</definedName>"));
		free(sheet);
		free(book);
	}

	ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(4, GDALDatasetGetLayerCount(ds));
	/* Continuations keep the name within Excel's 31 characters. */
	check_part(ds, 0, base_name, 0, 2);
	check_part(ds, 1, "Danh sách thửa đất cần xử l (2)", 2, 2);
	check_part(ds, 2, "Danh sách thửa đất cần xử l (3)", 4, 1);
	{
		OGRLayerH l = GDALDatasetGetLayer(ds, 3);
		CHECK_STR("Tổng hợp", OGR_L_GetName(l));
		CHECK_INT(6, OGR_L_GetFeatureCount(l, 1));
	}
	GDALClose(ds);
}

static void test_failures(const char *dir)
{
	td_xlsx *x = NULL;
	td_error err;
	char path[4200], msg[4400];

	snprintf(path, sizeof(path), "%s/b.xlsx", dir);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xlsx_open(path, 0600, 1, &x, &err));
	CHECK_STR("rows per sheet: 1: expected 2 to 1048576", err.msg);
	CHECK(x == NULL);

	td_error_init(&err);
	CHECK_INT(TD_OK, td_xlsx_open(path, 0600, 0, &x, &err));
	CHECK_INT(TD_ERR_USAGE, td_xlsx_table(x, "Nhóm 1/2", &layout, TD_XLSX_LIST, &err));
	snprintf(msg, sizeof(msg),
		 "cannot write '%s': sheet name 'Nhóm 1/2': Worksheet name cannot contain invalid "
		 "characters: '[ ] : * ? / \\'",
		 path);
	CHECK_STR(msg, err.msg);
	td_xlsx_free(x);
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(1, count_dir(dir));

	snprintf(path, sizeof(path), "%s/missing/c.xlsx", dir);
	td_error_init(&err);
	CHECK_INT(TD_ERR_IO, td_xlsx_open(path, 0600, 0, &x, &err));
	CHECK(strstr(err.msg, path) != NULL);
	td_xlsx_free(NULL);
}

int main(void)
{
	char dir[4096];

	GDALAllRegister();
	CPLSetConfigOption("OGR_XLSX_HEADERS", "FORCE");
	snprintf(dir, sizeof(dir), "%s", tap_tmpdir("xlsx"));
	{
		char p[4200];
		snprintf(p, sizeof(p), "%s/a.xlsx", dir);
		unlink(p);
	}
	make_layout();
	test_write(dir);
	test_failures(dir);
	GDALDestroyDriverManager();
	return tap_done();
}
