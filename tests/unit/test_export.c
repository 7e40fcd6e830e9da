/*
 * td_export_run on a hand-made workspace of two communes, read back through
 * GDAL's XLSX driver: file names, sheets, headers, every cell, file modes,
 * and the failure paths (nothing graded, out_dir a file, cancel).
 */
#include "export.h"
#include "tap.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <dirent.h>
#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROWS 32
#define MAX_COLS 16

/* One sheet as GDAL reads it: every field a string, "" where unset. */
struct table {
	char name[64];
	int ncols, nrows;
	char head[MAX_COLS][64];
	char cell[MAX_ROWS][MAX_COLS][256];
};

static struct table tab;

static const char *const group_headers[] = {
	"Số tờ",    "Số thửa",     "Mã định danh thửa đất", "Diện tích bản đồ (m²)", "Diện tích sổ (m²)",
	"Loại đất", "Chủ sử dụng", "Số phát hành GCN",      "Ngày cấp GCN",          "Tiêu chí không đạt",
	"Mã lỗi",   NULL,
};
static const char *const finding_headers[] = {
	"Mã lỗi",         "Mức độ", "Tiêu chí", "Số tờ",   "Số thửa", "Xã liên quan", "Tờ liên quan",
	"Thửa liên quan", "X",      "Y",        "Giá trị", "Ngưỡng",  "Mô tả",        NULL,
};
static const char *const summary_headers[] = {"Nội dung", "Giá trị", NULL};
static const char *const cert_headers[] = {
	"STT",          "Số phát hành GCN", "Ngày cấp GCN", "Số tờ",         "Số thửa", "Chủ sử dụng",
	"Số CCCD/CMND", "Diện tích (m²)",   "Loại đất",     "Dòng trong sổ", NULL,
};
static const char *const sheet_names[] = {"Tổng hợp", "Nhóm 1", "Nhóm 2", "Nhóm 3", "Lỗi", "GCN chưa có trong CSDL"};

/* Remove the files of a flat directory and the directory itself. */
static void remove_dir(const char *path)
{
	char p[4200];
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(path);
}

/* Entries in a directory; *tmp counts the names with ".tmp-" in them. */
static int count_entries(const char *path, int *tmp)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	*tmp = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (strstr(e->d_name, ".tmp-"))
			(*tmp)++;
	}
	closedir(d);
	return n;
}

static GDALDatasetH open_xlsx(const char *path)
{
	const char *const drivers[] = {"XLSX", NULL};
	return GDALOpenEx(path, GDAL_OF_VECTOR, drivers, NULL, NULL);
}

static void load(GDALDatasetH ds, int i)
{
	OGRLayerH layer = GDALDatasetGetLayer(ds, i);
	OGRFeatureDefnH defn;
	OGRFeatureH f;

	memset(&tab, 0, sizeof(tab));
	if (!layer)
		return;
	defn = OGR_L_GetLayerDefn(layer);
	snprintf(tab.name, sizeof(tab.name), "%s", OGR_L_GetName(layer));
	tab.ncols = OGR_FD_GetFieldCount(defn);
	for (int c = 0; c < tab.ncols && c < MAX_COLS; c++)
		snprintf(tab.head[c], sizeof(tab.head[c]), "%s", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, c)));
	OGR_L_ResetReading(layer);
	while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
		if (tab.nrows < MAX_ROWS)
			for (int c = 0; c < tab.ncols && c < MAX_COLS; c++)
				if (OGR_F_IsFieldSetAndNotNull(f, c))
					snprintf(tab.cell[tab.nrows][c], sizeof(tab.cell[0][0]), "%s",
						 OGR_F_GetFieldAsString(f, c));
		tab.nrows++;
		OGR_F_Destroy(f);
	}
}

static void check_headers(const char *const *expected)
{
	int n = 0;

	while (expected[n])
		n++;
	CHECK_INT(n, tab.ncols);
	for (int c = 0; c < n && c < tab.ncols; c++)
		CHECK_STR(expected[c], tab.head[c]);
}

/*
 * A sheet with only its header row: GDAL's XLSX reader (3.6) takes a lone
 * row for data whatever OGR_XLSX_HEADERS says, so the header comes back as
 * one feature with fields Field1..N.
 */
static void check_header_only(const char *const *expected)
{
	int n = 0;

	while (expected[n])
		n++;
	CHECK_INT(1, tab.nrows);
	CHECK_INT(n, tab.ncols);
	for (int c = 0; c < n && c < tab.ncols; c++)
		CHECK_STR(expected[c], tab.cell[0][c]);
}

static double num(int r, int c)
{
	return strtod(tab.cell[r][c], NULL);
}

/* Whole text of a file inside the workbook (a zip); caller frees. */
static char *zip_member(const char *xlsx, const char *member)
{
	char path[4400];
	VSILFILE *f;
	char *buf = calloc(1, 1 << 20);
	size_t n;

	snprintf(path, sizeof(path), "/vsizip/%s/%s", xlsx, member);
	f = VSIFOpenL(path, "rb");
	if (!f || !buf) {
		if (f)
			VSIFCloseL(f);
		return buf;
	}
	n = VSIFReadL(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	VSIFCloseL(f);
	return buf;
}

static int file_mode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static td_status sql(td_ws *ws, const char *text)
{
	td_error err;
	td_status rc;

	td_error_init(&err);
	rc = td_ws_exec(ws, text, &err);
	if (rc != TD_OK)
		fprintf(stderr, "setup: %s\n", err.msg);
	return rc;
}

/* Two communes, the second with the leading zeros that must survive. */
static int make_workspace(td_ctx *ctx, const char *path, int with_data)
{
	td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
	td_ws *ws = NULL;
	td_error err;
	char text[8192];
	int ok;

	td_error_init(&err);
	o.crs = "EPSG:9210";
	o.force = 1;
	if (td_ws_create(ctx, path, &o, &err) != TD_OK || td_ws_open(ctx, path, TD_WS_WRITE, &ws, &err) != TD_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 0;
	}
	ok = td_ws_begin(ws, "test", &err) == TD_OK;
	if (ok && with_data) {
		snprintf(
			text, sizeof(text),
			"INSERT INTO sources (id, path, kind, reader, encoding, crs, checksum, size, records, run_id) "
			"VALUES (1, '/data/map.gpkg', 'map', 'GPKG', NULL, 'EPSG:9210', "
			" '00000000', 1, 5, %1$lld),"
			" (2, '/data/register.csv', 'register', 'CSV', 'UTF-8', NULL, '00000000', 1, 5, %1$lld);"
			"INSERT INTO parcels (geom, commune, sheet, parcel, landuse, map_area, source_id, "
			" source_feature) VALUES"
			" (AsGPB(GeomFromText('MULTIPOLYGON(((590000 2300000,590010 2300000,590010 2300010,"
			"  590000 2300010,590000 2300000)))', %2$d)), '11311', 1, 1, 'ONT', 100, 1, 1),"
			" (AsGPB(GeomFromText('MULTIPOLYGON(((590010 2300000,590030 2300000,590030 2300006.25,"
			"  590010 2300006.25,590010 2300000)))', %2$d)), '11311', 1, 2, 'CLN', 125, 1, 2),"
			" (AsGPB(GeomFromText('MULTIPOLYGON(((590100 2300100,590110.5 2300100,590110.5 2300104.3,"
			"  590100 2300104.3,590100 2300100)))', %2$d)), '11311', 2, 5, 'BHK', NULL, 1, 3),"
			/* The same key drawn again: the first drawing is the one shown. */
			" (AsGPB(GeomFromText('MULTIPOLYGON(((590200 2300200,590230 2300200,590230 2300233.3,"
			"  590200 2300233.3,590200 2300200)))', %2$d)), '11311', 1, 1, 'XXX', 999, 1, 4),"
			" (AsGPB(GeomFromText('MULTIPOLYGON(((580000 2330000,580012 2330000,580012 2330012,"
			"  580000 2330012,580000 2330000)))', %2$d)), '00001', 1, 1, 'ODT', 144, 1, 5),"
			/* On the map without a polygon: its certificate is not in the database. */
			" (NULL, '11311', 4, 2, 'ONT', 50, 1, 6);"
			"UPDATE parcels SET parcel_id = '031131100000007' WHERE fid = 1;"
			"UPDATE parcels SET parcel_id = '000010000000001' WHERE fid = 5;"
			"INSERT INTO register_rows (source_id, source_row, commune, sheet, parcel, area, landuse, "
			" owner_name, cccd, birth_year, gender, gcn_serial, gcn_date, last_change) VALUES"
			" (2, 2, '11311', 1, 1, 100.5, 'ONT', 'Nguyễn Thị Hồng Nhung', '001190012345', 1990, 'Nữ',"
			"  'CS 000123', '2015-03-12', '2021-05-20'),"
			" (2, 3, '11311', 1, 1, 100.5, 'ONT', 'Đặng Văn Đức', '001085054321', 1985, 'Nam',"
			"  'CS 000123', '2015-03-12', '2021-05-20'),"
			" (2, 4, '11311', 1, 2, 130, NULL, 'Trần Văn An', NULL, NULL, NULL, NULL, NULL, NULL),"
			" (2, 5, '11311', 3, 7, 80, 'LUC', 'Lê Thị Bình', '031190000001', 1990, 'Nữ',"
			"  'BĐ 012345', '2019-06-02', NULL),"
			" (2, 7, '11311', 3, 7, 80, 'LUC', 'Lê Văn Cường', '001080000002', 1980, 'Nam',"
			"  'BĐ 012345', '2019-06-02', NULL),"
			" (2, 8, '11311', 4, 2, 50.25, 'ONT', 'Vũ Thị Thu', NULL, NULL, NULL, 'CX 000002', NULL, NULL),"
			" (2, 6, '00001', 1, 1, 144.2, 'ODT', 'Phạm Thị Hoa', NULL, NULL, NULL, NULL, NULL, NULL);"
			"INSERT INTO parcel_grade VALUES"
			" ('11311', 3, 7, 3, 'đủ', 'REGISTER_NO_MAP'),"
			" ('11311', 1, 2, 2, 'đúng', 'AREA_MISMATCH,OVERLAP'),"
			" ('11311', 2, 5, 3, 'đúng,đủ', 'AREA_MISMATCH,MAP_NO_REGISTER'),"
			" ('11311', 1, 1, 1, '', ''),"
			" ('11311', 4, 2, 3, 'đúng', 'GEOM_MISSING'),"
			" ('00001', 1, 1, 1, '', '');"
			"INSERT INTO findings (geom, rule_id, severity, criterion, commune, sheet, parcel, "
			" other_commune, other_sheet, other_parcel, value, tolerance, message) VALUES"
			" (NULL, 'REGISTER_NO_MAP', 'error', 'đủ', '11311', 3, 7, NULL, NULL, NULL, NULL, NULL,"
			"  'Thửa có trong sổ, không có trên bản đồ'),"
			" (AsGPB(GeomFromText('POINT(590012.3456 2300001.5)', %2$d)), 'OVERLAP', 'warning', 'đúng',"
			"  '11311', 1, 2, '00001', 1, 1, 0.25, 0.1, 'Chồng lấn thửa 1/1 xã 00001'),"
			" (AsGPB(GeomFromText('POINT(590020 2300003.125)', %2$d)), 'AREA_MISMATCH', 'error', 'đúng',"
			"  '11311', 1, 2, NULL, NULL, NULL, 5, 2, 'Diện tích bản đồ 125,0 m² khác sổ 130,0 m²'),"
			" (AsGPB(GeomFromText('POINT(590105.25 2300102.15)', %2$d)), 'MAP_NO_REGISTER', 'warning',"
			"  'đủ', '11311', 2, 5, NULL, NULL, NULL, NULL, NULL, 'Thửa không có trong sổ'),"
			" (AsGPB(GeomFromText('POINT(590010 2300003.125)', %2$d)), 'OVERLAP', 'warning', 'đúng',"
			"  '11311', 1, 1, '11311', 1, 2, 0.5, 0.1, 'Chồng lấn thửa 1/2'),"
			/* Findings of no commune belong to no workbook. */
			" (NULL, 'SOURCE_EMPTY', 'warning', 'đủ', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
			"  'Tệp không có dữ liệu');",
			(long long)ws->run_id, ws->srs_id);
		ok = sql(ws, text) == TD_OK;
	}
	if (ok)
		ok = td_ws_commit(ws, NULL, &err) == TD_OK;
	if (!ok)
		fprintf(stderr, "setup: %s\n", err.msg);
	td_ws_close(ws);
	return ok;
}

static int calls, cancel_at;
static double last_done;

static int progress(double done, const char *msg, void *arg)
{
	calls++;
	last_done = done;
	if (strcmp(msg, "export") != 0 || arg != &calls)
		return 0;
	return cancel_at == 0 || calls < cancel_at;
}

/* The "Ngày xuất" cell as GDAL shows a date: YYYY/MM/DD. */
static int is_today(const char *s)
{
	char a[16], b[16];
	time_t now = time(NULL);
	time_t before = now - 60;
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(a, sizeof(a), "%Y/%m/%d", &tm);
	localtime_r(&before, &tm);
	strftime(b, sizeof(b), "%Y/%m/%d", &tm);
	return strcmp(s, a) == 0 || strcmp(s, b) == 0;
}

static void check_commune_11311(const char *path)
{
	GDALDatasetH ds = open_xlsx(path);
	char *xml;

	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(6, GDALDatasetGetLayerCount(ds));
	for (int i = 0; i < 6; i++) {
		load(ds, i);
		CHECK_STR(sheet_names[i], tab.name);
	}

	load(ds, 0);
	check_headers(summary_headers);
	CHECK_INT(16, tab.nrows);
	CHECK_STR("Mã xã", tab.cell[0][0]);
	CHECK_STR("11311", tab.cell[0][1]);
	CHECK_STR("Tên xã", tab.cell[1][0]);
	CHECK_STR("Phường Hồng Bàng", tab.cell[1][1]); /* the name valid now, not the old one */
	CHECK_STR("Ngày xuất", tab.cell[2][0]);
	CHECK(is_today(tab.cell[2][1]));
	CHECK_STR("Số thửa trên bản đồ", tab.cell[3][0]);
	CHECK_STR("5", tab.cell[3][1]);
	CHECK_STR("Số dòng sổ địa chính", tab.cell[4][0]);
	CHECK_STR("6", tab.cell[4][1]);
	CHECK_STR("Nhóm 1", tab.cell[5][0]);
	CHECK_STR("1", tab.cell[5][1]);
	CHECK_STR("Nhóm 2", tab.cell[6][0]);
	CHECK_STR("1", tab.cell[6][1]);
	CHECK_STR("Nhóm 3", tab.cell[7][0]);
	CHECK_STR("3", tab.cell[7][1]);
	CHECK_STR("Thửa đã có mã định danh", tab.cell[8][0]);
	CHECK_STR("1", tab.cell[8][1]);
	CHECK_STR("GCN đã cấp chưa có trong CSDL", tab.cell[9][0]);
	CHECK_STR("2", tab.cell[9][1]);
	CHECK_STR("", tab.cell[10][0]);
	CHECK_STR("Mã lỗi", tab.cell[11][0]);
	CHECK_STR("Số lỗi", tab.cell[11][1]);
	CHECK_STR("AREA_MISMATCH", tab.cell[12][0]);
	CHECK_STR("1", tab.cell[12][1]);
	CHECK_STR("MAP_NO_REGISTER", tab.cell[13][0]);
	CHECK_STR("1", tab.cell[13][1]);
	CHECK_STR("OVERLAP", tab.cell[14][0]);
	CHECK_STR("2", tab.cell[14][1]);
	CHECK_STR("REGISTER_NO_MAP", tab.cell[15][0]);
	CHECK_STR("1", tab.cell[15][1]);

	load(ds, 1);
	check_headers(group_headers);
	CHECK_INT(1, tab.nrows);
	CHECK_STR("1", tab.cell[0][0]);
	CHECK_STR("1", tab.cell[0][1]);
	CHECK_STR("031131100000007", tab.cell[0][2]); /* text: the leading zero stays */
	CHECK_DBL(100.0, num(0, 3), 1e-6);
	CHECK_DBL(100.5, num(0, 4), 1e-9);
	CHECK_STR("ONT", tab.cell[0][5]);
	CHECK_STR("Nguyễn Thị Hồng Nhung; Đặng Văn Đức", tab.cell[0][6]);
	CHECK_STR("CS 000123", tab.cell[0][7]);
	CHECK_STR("2015/03/12", tab.cell[0][8]); /* a date cell, as GDAL shows one */
	CHECK_STR("", tab.cell[0][9]);
	CHECK_STR("", tab.cell[0][10]);

	load(ds, 2);
	check_headers(group_headers);
	CHECK_INT(1, tab.nrows);
	CHECK_STR("1", tab.cell[0][0]);
	CHECK_STR("2", tab.cell[0][1]);
	CHECK_STR("", tab.cell[0][2]); /* no ID assigned yet */
	CHECK_DBL(125.0, num(0, 3), 1e-6);
	CHECK_DBL(130.0, num(0, 4), 1e-9);
	CHECK_STR("CLN", tab.cell[0][5]); /* no land use in the register: the map's */
	CHECK_STR("Trần Văn An", tab.cell[0][6]);
	CHECK_STR("", tab.cell[0][7]);
	CHECK_STR("", tab.cell[0][8]);
	CHECK_STR("đúng", tab.cell[0][9]);
	CHECK_STR("AREA_MISMATCH,OVERLAP", tab.cell[0][10]);

	load(ds, 3);
	check_headers(group_headers);
	CHECK_INT(3, tab.nrows);
	CHECK_STR("2", tab.cell[0][0]);
	CHECK_STR("5", tab.cell[0][1]);
	CHECK_DBL(45.15, num(0, 3), 1e-6);
	CHECK_STR("", tab.cell[0][4]);
	CHECK_STR("BHK", tab.cell[0][5]);
	CHECK_STR("", tab.cell[0][6]);
	CHECK_STR("đúng,đủ", tab.cell[0][9]);
	CHECK_STR("AREA_MISMATCH,MAP_NO_REGISTER", tab.cell[0][10]);
	CHECK_STR("3", tab.cell[1][0]);
	CHECK_STR("7", tab.cell[1][1]);
	CHECK_STR("", tab.cell[1][3]); /* no map parcel */
	CHECK_DBL(80.0, num(1, 4), 1e-9);
	CHECK_STR("LUC", tab.cell[1][5]);
	CHECK_STR("Lê Thị Bình; Lê Văn Cường", tab.cell[1][6]);
	CHECK_STR("BĐ 012345", tab.cell[1][7]);
	CHECK_STR("2019/06/02", tab.cell[1][8]);
	CHECK_STR("đủ", tab.cell[1][9]);
	CHECK_STR("REGISTER_NO_MAP", tab.cell[1][10]);
	CHECK_STR("4", tab.cell[2][0]);
	CHECK_STR("2", tab.cell[2][1]);
	CHECK_STR("", tab.cell[2][3]); /* no polygon, no area */
	CHECK_STR("Vũ Thị Thu", tab.cell[2][6]);
	CHECK_STR("GEOM_MISSING", tab.cell[2][10]);

	load(ds, 4);
	check_headers(finding_headers);
	CHECK_INT(5, tab.nrows);
	/* sheet, parcel, rule_id */
	CHECK_STR("OVERLAP", tab.cell[0][0]);
	CHECK_STR("Cảnh báo", tab.cell[0][1]);
	CHECK_STR("đúng", tab.cell[0][2]);
	CHECK_STR("1", tab.cell[0][3]);
	CHECK_STR("1", tab.cell[0][4]);
	CHECK_STR("11311", tab.cell[0][5]);
	CHECK_STR("1", tab.cell[0][6]);
	CHECK_STR("2", tab.cell[0][7]);
	CHECK_DBL(590010.0, num(0, 8), 1e-6);
	CHECK_DBL(2300003.125, num(0, 9), 1e-6);
	CHECK_DBL(0.5, num(0, 10), 1e-9);
	CHECK_DBL(0.1, num(0, 11), 1e-9);
	CHECK_STR("Chồng lấn thửa 1/2", tab.cell[0][12]);

	CHECK_STR("AREA_MISMATCH", tab.cell[1][0]);
	CHECK_STR("Lỗi", tab.cell[1][1]);
	CHECK_STR("đúng", tab.cell[1][2]);
	CHECK_STR("1", tab.cell[1][3]);
	CHECK_STR("2", tab.cell[1][4]);
	CHECK_STR("", tab.cell[1][5]);
	CHECK_STR("", tab.cell[1][6]);
	CHECK_STR("", tab.cell[1][7]);
	CHECK_DBL(590020.0, num(1, 8), 1e-6);
	CHECK_DBL(2300003.125, num(1, 9), 1e-6);
	CHECK_DBL(5.0, num(1, 10), 1e-9);
	CHECK_DBL(2.0, num(1, 11), 1e-9);
	CHECK_STR("Diện tích bản đồ 125,0 m² khác sổ 130,0 m²", tab.cell[1][12]);

	CHECK_STR("OVERLAP", tab.cell[2][0]);
	CHECK_STR("Cảnh báo", tab.cell[2][1]);
	CHECK_STR("1", tab.cell[2][3]);
	CHECK_STR("2", tab.cell[2][4]);
	CHECK_STR("00001", tab.cell[2][5]);
	CHECK_STR("1", tab.cell[2][6]);
	CHECK_STR("1", tab.cell[2][7]);
	CHECK_DBL(590012.3456, num(2, 8), 1e-6);
	CHECK_DBL(2300001.5, num(2, 9), 1e-6);
	CHECK_DBL(0.25, num(2, 10), 1e-9);
	CHECK_STR("Chồng lấn thửa 1/1 xã 00001", tab.cell[2][12]);

	CHECK_STR("MAP_NO_REGISTER", tab.cell[3][0]);
	CHECK_STR("Cảnh báo", tab.cell[3][1]);
	CHECK_STR("đủ", tab.cell[3][2]);
	CHECK_STR("2", tab.cell[3][3]);
	CHECK_STR("5", tab.cell[3][4]);
	CHECK_DBL(590105.25, num(3, 8), 1e-6);
	CHECK_DBL(2300102.15, num(3, 9), 1e-6);
	CHECK_STR("", tab.cell[3][10]);
	CHECK_STR("", tab.cell[3][11]);
	CHECK_STR("Thửa không có trong sổ", tab.cell[3][12]);

	CHECK_STR("REGISTER_NO_MAP", tab.cell[4][0]);
	CHECK_STR("Lỗi", tab.cell[4][1]);
	CHECK_STR("đủ", tab.cell[4][2]);
	CHECK_STR("3", tab.cell[4][3]);
	CHECK_STR("7", tab.cell[4][4]);
	CHECK_STR("", tab.cell[4][8]); /* no point */
	CHECK_STR("", tab.cell[4][9]);
	CHECK_STR("Thửa có trong sổ, không có trên bản đồ", tab.cell[4][12]);

	/* Certificates of parcels with no polygon on the map, co-owners on one row. */
	load(ds, 5);
	check_headers(cert_headers);
	CHECK_INT(2, tab.nrows);
	CHECK_STR("1", tab.cell[0][0]);
	CHECK_STR("BĐ 012345", tab.cell[0][1]);
	CHECK_STR("2019/06/02", tab.cell[0][2]);
	CHECK_STR("3", tab.cell[0][3]);
	CHECK_STR("7", tab.cell[0][4]);
	CHECK_STR("Lê Thị Bình; Lê Văn Cường", tab.cell[0][5]);
	CHECK_STR("031190000001; 001080000002", tab.cell[0][6]);
	CHECK_DBL(80.0, num(0, 7), 1e-9);
	CHECK_STR("LUC", tab.cell[0][8]);
	CHECK_STR("5", tab.cell[0][9]);
	CHECK_STR("2", tab.cell[1][0]);
	CHECK_STR("CX 000002", tab.cell[1][1]);
	CHECK_STR("", tab.cell[1][2]);
	CHECK_STR("4", tab.cell[1][3]);
	CHECK_STR("2", tab.cell[1][4]);
	CHECK_STR("Vũ Thị Thu", tab.cell[1][5]);
	CHECK_STR("", tab.cell[1][6]);
	CHECK_DBL(50.25, num(1, 7), 1e-9);
	CHECK_STR("8", tab.cell[1][9]);
	GDALClose(ds);

	/* What GDAL does not show: formats, frozen header, autofilter, text and date cells. */
	xml = zip_member(path, "xl/styles.xml");
	CHECK(xml && strstr(xml, "formatCode=\"0.0\""));
	CHECK(xml && strstr(xml, "formatCode=\"0.000\""));
	CHECK(xml && strstr(xml, "formatCode=\"dd/mm/yyyy\""));
	free(xml);
	xml = zip_member(path, "xl/worksheets/sheet4.xml");
	CHECK(xml && strstr(xml, "state=\"frozen\""));
	CHECK(xml && strstr(xml, "<autoFilter ref=\"A1:K4\"/>"));
	free(xml);
	xml = zip_member(path, "xl/worksheets/sheet5.xml");
	CHECK(xml && strstr(xml, "<autoFilter ref=\"A1:M6\"/>"));
	free(xml);
	xml = zip_member(path, "xl/worksheets/sheet6.xml");
	CHECK(xml && strstr(xml, "<autoFilter ref=\"A1:J3\"/>"));
	/* The certificate date is a number cell (an Excel date), the CCCD list an inline string. */
	CHECK(xml && strstr(xml, "<c r=\"C2\" s=\"") && strstr(xml, "<v>43618</v>"));
	CHECK(xml && strstr(xml, "<is><t>031190000001; 001080000002</t></is>"));
	free(xml);
}

static void check_commune_00001(const char *path)
{
	GDALDatasetH ds = open_xlsx(path);
	char *xml;

	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(6, GDALDatasetGetLayerCount(ds));
	load(ds, 0);
	CHECK_STR("Tổng hợp", tab.name);
	check_headers(summary_headers);
	CHECK_INT(12, tab.nrows);
	CHECK_STR("Mã xã", tab.cell[0][0]);
	CHECK_STR("00001", tab.cell[0][1]);
	CHECK_STR("Phường Phúc Xá", tab.cell[1][1]); /* a former Hà Nội commune in ref_communes */
	CHECK_STR("1", tab.cell[3][1]);
	CHECK_STR("1", tab.cell[4][1]);
	CHECK_STR("1", tab.cell[5][1]);
	CHECK_STR("0", tab.cell[6][1]);
	CHECK_STR("0", tab.cell[7][1]);
	CHECK_STR("1", tab.cell[8][1]);
	CHECK_STR("0", tab.cell[9][1]);
	CHECK_STR("Mã lỗi", tab.cell[11][0]);

	load(ds, 1);
	CHECK_STR("Nhóm 1", tab.name);
	check_headers(group_headers);
	CHECK_INT(1, tab.nrows);
	CHECK_STR("1", tab.cell[0][0]);
	CHECK_STR("1", tab.cell[0][1]);
	CHECK_STR("000010000000001", tab.cell[0][2]);
	CHECK_DBL(144.0, num(0, 3), 1e-6);
	CHECK_DBL(144.2, num(0, 4), 1e-9);
	CHECK_STR("ODT", tab.cell[0][5]);
	CHECK_STR("Phạm Thị Hoa", tab.cell[0][6]);

	for (int i = 2; i <= 3; i++) {
		load(ds, i);
		CHECK_STR(sheet_names[i], tab.name);
		check_header_only(group_headers);
	}
	load(ds, 4);
	CHECK_STR("Lỗi", tab.name);
	check_header_only(finding_headers);
	load(ds, 5);
	CHECK_STR("GCN chưa có trong CSDL", tab.name);
	check_header_only(cert_headers);
	GDALClose(ds);

	xml = zip_member(path, "xl/worksheets/sheet3.xml");
	CHECK(xml && strstr(xml, "<autoFilter ref=\"A1:K1\"/>"));
	CHECK(xml && !strstr(xml, "<row r=\"2\""));
	free(xml);
	xml = zip_member(path, "xl/worksheets/sheet5.xml");
	CHECK(xml && strstr(xml, "<autoFilter ref=\"A1:M1\"/>"));
	free(xml);
}

static void test_export(td_ctx *ctx, const char *base)
{
	td_export_options o = TD_EXPORT_OPTIONS_INIT;
	td_export_summary sum;
	td_ws *ws = NULL;
	td_error err;
	char ws_path[4200], out[4200], given[4600], f1[4400], f2[4400];
	int tmp;

	snprintf(ws_path, sizeof(ws_path), "%s/two.gpkg", base);
	snprintf(out, sizeof(out), "%s/out/nested", base);
	snprintf(given, sizeof(given), "%s/out/nested/", base);
	snprintf(f1, sizeof(f1), "%s/thuadat-00001.xlsx", out);
	snprintf(f2, sizeof(f2), "%s/thuadat-11311.xlsx", out);
	remove_dir(out);
	CHECK(make_workspace(ctx, ws_path, 1));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_READ, &ws, &err));
	if (!ws)
		return;

	/* Twice: the second run replaces the files with the same content. */
	for (int run = 0; run < 2; run++) {
		calls = 0;
		cancel_at = 0;
		o.out_dir = given; /* trailing slash, missing parent: both fine */
		td_error_init(&err);
		CHECK_INT(TD_OK, td_export_run(ws, &o, progress, &calls, &sum, &err));
		CHECK_STR("", err.msg);
		CHECK_INT(2, sum.workbooks);
		CHECK_INT(6, sum.parcels);
		CHECK_INT(2, sum.certificates);
		CHECK_INT(5, sum.findings);
		CHECK(sum.files != NULL);
		if (sum.files) {
			CHECK_STR(f1, sum.files[0]);
			CHECK_STR(f2, sum.files[1]);
			CHECK(sum.files[2] == NULL);
		}
		CHECK_STR("{\"command\":\"export\",\"workbooks\":2,\"parcels\":6,\"findings\":5,\"certificates\":2}",
			  sum.json);
		CHECK_INT(2, calls);
		CHECK_DBL(1.0, last_done, 1e-12);
		td_export_summary_release(&sum);
		CHECK(sum.files == NULL);
		CHECK_INT(2, count_entries(out, &tmp));
		CHECK_INT(0, tmp);
		CHECK_INT(0600, file_mode(f1));
		CHECK_INT(0600, file_mode(f2));
		CHECK_INT(0700, file_mode(out));
		check_commune_00001(f1);
		check_commune_11311(f2);
	}

	/* Cancelled after the first commune: that workbook stays, no other, no debris. */
	remove_dir(out);
	calls = 0;
	cancel_at = 1;
	o.out_dir = out;
	td_error_init(&err);
	CHECK_INT(TD_ERR_CANCELLED, td_export_run(ws, &o, progress, &calls, &sum, &err));
	CHECK_INT(1, sum.workbooks);
	CHECK(sum.files && sum.files[0] && strcmp(sum.files[0], f1) == 0);
	td_export_summary_release(&sum);
	CHECK_INT(1, count_entries(out, &tmp));
	CHECK_INT(0, tmp);
	CHECK(access(f2, F_OK) != 0);

	/* out_dir is a regular file: TD_ERR_IO and nothing new beside it. */
	{
		char file[4400];
		int before, after;
		FILE *fp;

		snprintf(file, sizeof(file), "%s/not-a-dir", base);
		fp = fopen(file, "w");
		CHECK(fp != NULL);
		if (fp) {
			fputs("x", fp);
			fclose(fp);
		}
		before = count_entries(base, &tmp);
		o.out_dir = file;
		td_error_init(&err);
		CHECK_INT(TD_ERR_IO, td_export_run(ws, &o, NULL, NULL, &sum, &err));
		CHECK(strstr(err.msg, "not-a-dir") != NULL);
		CHECK_INT(0, sum.workbooks);
		td_export_summary_release(&sum);
		after = count_entries(base, &tmp);
		CHECK_INT(before, after);
		CHECK_INT(0, tmp);
		CHECK_INT(1, (int)(access(file, F_OK) == 0));
		{
			struct stat st;
			CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1);
		}
		/* A directory below a file cannot be made either. */
		snprintf(given, sizeof(given), "%s/sub", file);
		o.out_dir = given;
		td_error_init(&err);
		CHECK_INT(TD_ERR_IO, td_export_run(ws, &o, NULL, NULL, &sum, &err));
		td_export_summary_release(&sum);
		unlink(file);
	}

	/* No output directory. */
	o.out_dir = NULL;
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	td_export_summary_release(&sum);
	td_ws_close(ws);
}

/*
 * Lists longer than a sheet allows (here 3 rows: the header and two)
 * continue on "<name> (2)", ... with the header repeated; the summary does not.
 */
static void test_continuation(td_ctx *ctx, const char *base)
{
	static const char *const names[] = {"Tổng hợp", "Nhóm 1",     "Nhóm 2",
					    "Nhóm 3",   "Nhóm 3 (2)", "Lỗi",
					    "Lỗi (2)",  "Lỗi (3)",    "GCN chưa có trong CSDL"};
	static const int rows[] = {16, 1, 1, 2, 1, 2, 2, 1, 2};
	td_export_options o = TD_EXPORT_OPTIONS_INIT;
	td_export_summary sum;
	td_ws *ws = NULL;
	td_error err;
	GDALDatasetH ds;
	char ws_path[4200], out[4200], f2[4400];

	snprintf(ws_path, sizeof(ws_path), "%s/two.gpkg", base);
	snprintf(out, sizeof(out), "%s/out-cont", base);
	snprintf(f2, sizeof(f2), "%s/thuadat-11311.xlsx", out);
	remove_dir(out);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_READ, &ws, &err));
	if (!ws)
		return;
	o.out_dir = out;
	o.sheet_rows = 3;
	CHECK_INT(TD_OK, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	CHECK_STR("{\"command\":\"export\",\"workbooks\":2,\"parcels\":6,\"findings\":5,\"certificates\":2}", sum.json);
	td_export_summary_release(&sum);
	ds = open_xlsx(f2);
	CHECK(ds != NULL);
	if (ds) {
		CHECK_INT(9, GDALDatasetGetLayerCount(ds));
		for (int i = 0; i < 9; i++) {
			load(ds, i);
			CHECK_STR(names[i], tab.name);
			CHECK_INT(rows[i], tab.nrows);
			if (i == 3 || i == 4)
				check_headers(group_headers);
			if (i >= 5 && i <= 7)
				check_headers(finding_headers);
		}
		load(ds, 3);
		CHECK_STR("5", tab.cell[0][1]);
		CHECK_STR("7", tab.cell[1][1]);
		load(ds, 4);
		CHECK_STR("4", tab.cell[0][0]);
		CHECK_STR("2", tab.cell[0][1]);
		CHECK_STR("GEOM_MISSING", tab.cell[0][10]);
		load(ds, 6);
		CHECK_STR("OVERLAP", tab.cell[0][0]);
		CHECK_STR("00001", tab.cell[0][5]);
		CHECK_STR("MAP_NO_REGISTER", tab.cell[1][0]);
		load(ds, 7);
		CHECK_STR("REGISTER_NO_MAP", tab.cell[0][0]);
		GDALClose(ds);
	}
	{
		/* Each part is a list of its own: frozen header, autofilter over its rows. */
		char *xml = zip_member(f2, "xl/worksheets/sheet8.xml");
		CHECK(xml && strstr(xml, "state=\"frozen\""));
		CHECK(xml && strstr(xml, "<autoFilter ref=\"A1:M2\"/>"));
		free(xml);
	}

	o.sheet_rows = 1;
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	CHECK_STR("rows per sheet: 1: expected 2 to 1048576", err.msg);
	td_export_summary_release(&sum);
	td_ws_close(ws);
}

/*
 * Failures after the workbook is begun: the commune's file is neither left
 * half-written nor as a temporary, and the communes before it stay.
 */
static void test_write_failures(td_ctx *ctx, const char *base)
{
	td_export_options o = TD_EXPORT_OPTIONS_INIT;
	td_export_summary sum;
	td_ws *ws = NULL;
	td_error err;
	char ws_path[4200], out[4200], f2[4400];
	int tmp;

	snprintf(ws_path, sizeof(ws_path), "%s/two.gpkg", base);
	snprintf(out, sizeof(out), "%s/out-fail", base);
	snprintf(f2, sizeof(f2), "%s/thuadat-11311.xlsx", out);
	remove_dir(out);
	o.out_dir = out;
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_WRITE, &ws, &err));
	if (!ws)
		return;

	/* The rename fails: a directory holds the name. */
	CHECK_INT(0, mkdir(out, 0700));
	CHECK_INT(0, mkdir(f2, 0700));
	CHECK_INT(TD_ERR_IO, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	CHECK(strstr(err.msg, f2) != NULL);
	CHECK_INT(1, sum.workbooks);
	CHECK_STR("{\"command\":\"export\",\"workbooks\":1,\"parcels\":1,\"findings\":0,\"certificates\":0}", sum.json);
	td_export_summary_release(&sum);
	CHECK_INT(2, count_entries(out, &tmp));
	CHECK_INT(0, tmp);
	rmdir(f2);

	/* libxlsxwriter refuses a cell: more text than Excel holds. */
	CHECK_INT(TD_OK, sql(ws, "INSERT INTO findings (rule_id, severity, criterion, commune, sheet, parcel, message) "
				 "VALUES ('LONG', 'warning', 'sạch', '11311', 9, 9, "
				 "replace(hex(zeroblob(20000)), '00', 'ab'))"));
	td_error_init(&err);
	CHECK_INT(TD_ERR_IO, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	CHECK(strstr(err.msg, f2) != NULL);
	CHECK(strstr(err.msg, "sheet 'Lỗi'") != NULL);
	CHECK_INT(1, sum.workbooks);
	td_export_summary_release(&sum);
	CHECK_INT(1, count_entries(out, &tmp));
	CHECK_INT(0, tmp);
	CHECK(access(f2, F_OK) != 0);
	CHECK_INT(TD_OK, sql(ws, "DELETE FROM findings WHERE rule_id = 'LONG'"));
	td_ws_close(ws);
}

static void test_nothing_graded(td_ctx *ctx, const char *base)
{
	td_export_options o = TD_EXPORT_OPTIONS_INIT;
	td_export_summary sum;
	td_ws *ws = NULL;
	td_error err;
	char ws_path[4200], out[4200], msg[8600];

	snprintf(ws_path, sizeof(ws_path), "%s/empty.gpkg", base);
	snprintf(out, sizeof(out), "%s/out-empty", base);
	remove_dir(out);
	CHECK(make_workspace(ctx, ws_path, 0));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_READ, &ws, &err));
	if (!ws)
		return;
	o.out_dir = out;
	CHECK_INT(TD_ERR_USAGE, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	snprintf(msg, sizeof(msg), "workspace '%s' has no graded parcels: run 'thuadat classify' first", ws_path);
	CHECK_STR(msg, err.msg);
	CHECK_INT(0, sum.workbooks);
	CHECK_STR("{\"command\":\"export\",\"workbooks\":0,\"parcels\":0,\"findings\":0,\"certificates\":0}", sum.json);
	td_export_summary_release(&sum);
	CHECK(access(out, F_OK) != 0); /* nothing created */
	td_ws_close(ws);

	/* A commune code that would leave out_dir is refused before any file is made. */
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_WRITE, &ws, &err));
	if (!ws)
		return;
	CHECK_INT(TD_OK, sql(ws, "INSERT INTO parcel_grade VALUES ('../x', 1, 1, 1, '', '')"));
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_export_run(ws, &o, NULL, NULL, &sum, &err));
	CHECK(strstr(err.msg, "'../x'") != NULL);
	td_export_summary_release(&sum);
	CHECK(access(out, F_OK) != 0);
	td_ws_close(ws);
}

int main(void)
{
	td_ctx *ctx = NULL;
	td_error err;
	const char *base;

	GDALAllRegister();
	CPLSetConfigOption("OGR_XLSX_HEADERS", "FORCE");
	CPLSetConfigOption("OGR_XLSX_FIELD_TYPES", "STRING");
	base = tap_tmpdir("export");
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ctx_new(NULL, &ctx, &err));
	if (ctx) {
		test_export(ctx, base);
		test_continuation(ctx, base);
		test_write_failures(ctx, base);
		test_nothing_graded(ctx, base);
	}
	td_export_summary_release(NULL);
	td_ctx_free(ctx);
	GDALDestroyDriverManager();
	return tap_done();
}
