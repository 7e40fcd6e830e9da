/*
 * Tests of the .xls (BIFF8) writer. Files are read back with independent
 * readers: GDAL's XLS driver (FreeXL) for cell values, LibreOffice when it is
 * installed, and a small record walker below for the structures no reader
 * reports (CONTINUE splits, DIFAT, INDEX and DBCELL offsets).
 */
#include "tap.h"
#include "xls.h"

#include <cpl_conv.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char base_dir[4096];

/* An empty directory base_dir/name for one test; returns a static buffer. */
static const char *fresh_dir(const char *name)
{
	static char path[4096 + 64];
	char file[sizeof(path) + 256];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/%s", base_dir, name);
	chmod(path, 0700);
	mkdir(path, 0700);
	if ((d = opendir(path))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
				unlink(file);
			}
		closedir(d);
	}
	return path;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static GDALDatasetH open_xls(const char *path)
{
	const char *const drivers[] = {"XLS", NULL};
	return GDALOpenEx(path, GDAL_OF_VECTOR, drivers, NULL, NULL);
}

static const char *field_name(OGRLayerH l, int i)
{
	return OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(l), i));
}

static OGRFieldType field_type(OGRLayerH l, int i)
{
	return OGR_Fld_GetType(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(l), i));
}

/* ---- A minimal compound-file and BIFF record reader -------------------- */

static uint32_t le16(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

struct wb {
	unsigned char *data; /* the Workbook stream */
	size_t len;
	uint32_t ndifat;
};

/* Read the Workbook stream through the FAT, DIFAT sectors included; 0 on failure. */
static int read_workbook(const char *path, struct wb *wb)
{
	FILE *f = fopen(path, "rb");
	unsigned char *file = NULL;
	uint32_t *fat = NULL, *fatsec = NULL, nfat, nsec, dir, s, start = 0, size = 0;
	long flen;
	int ok = 0;

	memset(wb, 0, sizeof(*wb));
	if (!f || fseek(f, 0, SEEK_END) || (flen = ftell(f)) < 1024 || fseek(f, 0, SEEK_SET))
		goto done;
	file = malloc((size_t)flen);
	if (!file || fread(file, 1, (size_t)flen, f) != (size_t)flen ||
	    memcmp(file, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
		goto done;
	nsec = (uint32_t)(flen / 512) - 1;
	nfat = le32(file + 44);
	wb->ndifat = le32(file + 72);
	fatsec = malloc(nfat * sizeof(*fatsec) + 1);
	fat = malloc((size_t)nfat * 128 * sizeof(*fat) + 1);
	if (!fatsec || !fat)
		goto done;
	for (uint32_t i = 0; i < nfat && i < 109; i++)
		fatsec[i] = le32(file + 76 + 4 * i);
	s = le32(file + 68);
	for (uint32_t i = 109, d = 0; i < nfat; d++) {
		if (d >= wb->ndifat || s >= nsec)
			goto done;
		for (uint32_t k = 0; k < 127 && i < nfat; k++)
			fatsec[i++] = le32(file + 512 * (s + 1) + 4 * k);
		s = le32(file + 512 * (s + 1) + 508);
	}
	for (uint32_t i = 0; i < nfat; i++) {
		if (fatsec[i] >= nsec)
			goto done;
		for (uint32_t k = 0; k < 128; k++)
			fat[128 * i + k] = le32(file + 512 * (fatsec[i] + 1) + 4 * k);
	}
	for (dir = le32(file + 48); dir < nsec && !size; dir = fat[dir])
		for (int e = 0; e < 4; e++) {
			const unsigned char *ent = file + 512 * (dir + 1) + 128 * e;
			if (ent[66] == 2 && le16(ent + 64) == 18 && !memcmp(ent, "W\0o\0r\0k\0b\0o\0o\0k\0", 16)) {
				start = le32(ent + 116);
				size = le32(ent + 120);
			}
		}
	wb->data = malloc(size + 512);
	if (!size || !wb->data)
		goto done;
	for (s = start; wb->len < size; s = fat[s]) {
		if (s >= nsec)
			goto done;
		memcpy(wb->data + wb->len, file + 512 * (s + 1), 512);
		wb->len += 512;
	}
	wb->len = size;
	ok = 1;
done:
	if (f)
		fclose(f);
	free(file);
	free(fat);
	free(fatsec);
	return ok;
}

static uint32_t rec_type(const struct wb *wb, size_t pos)
{
	return pos + 4 <= wb->len ? le16(wb->data + pos) : 0xFFFF;
}

static size_t rec_next(const struct wb *wb, size_t pos)
{
	return pos + 4 + le16(wb->data + pos + 2);
}

/* The first record of type t at or after pos; wb->len if none. */
static size_t find_rec(const struct wb *wb, size_t pos, uint32_t t)
{
	while (pos + 4 <= wb->len && rec_type(wb, pos) != t)
		pos = rec_next(wb, pos);
	return pos + 4 <= wb->len ? pos : wb->len;
}

struct sst_stats {
	uint32_t strings;
	int continues;
	int split8, split16; /* strings continued in 8-bit / 16-bit form */
};

/* Walk the SST and its CONTINUE records as a reader must; 0 if it is malformed. */
static int sst_stats(const struct wb *wb, struct sst_stats *st)
{
	size_t pos = find_rec(wb, 0, 0x00FC), body, end, off;

	memset(st, 0, sizeof(*st));
	if (pos >= wb->len)
		return 0;
	body = pos + 4;
	end = rec_next(wb, pos);
	st->strings = le32(wb->data + body + 4);
	off = body + 8;
	for (uint32_t i = 0; i < st->strings; i++) {
		uint32_t n;
		int wide;

		if (off == end) { /* the next string starts a CONTINUE record */
			if (rec_type(wb, end) != 0x003C)
				return 0;
			st->continues++;
			off = end + 4;
			end = rec_next(wb, end);
		}
		if (off + 3 > end)
			return 0;
		n = le16(wb->data + off);
		wide = wb->data[off + 2] & 1;
		off += 3;
		while (n) {
			uint32_t room;
			if (off == end) {
				if (rec_type(wb, end) != 0x003C)
					return 0;
				st->continues++;
				off = end + 4;
				end = rec_next(wb, end);
				wide = wb->data[off++] & 1;
				if (wide)
					st->split16++;
				else
					st->split8++;
			}
			room = (uint32_t)(end - off) / (wide ? 2 : 1);
			if (!room)
				return 0;
			if (room > n)
				room = n;
			off += room * (wide ? 2 : 1);
			n -= room;
		}
	}
	return off == end && rec_type(wb, end) == 0x00FF; /* EXTSST follows */
}

/* Each BOUNDSHEET points at a sheet BOF and each INDEX entry at a DBCELL whose
 * first offset leads back to a ROW record; returns the number of sheets checked. */
static int check_offsets(const struct wb *wb)
{
	int sheets = 0;

	for (size_t p = find_rec(wb, 0, 0x0085); p < wb->len; p = find_rec(wb, rec_next(wb, p), 0x0085)) {
		size_t bof = le32(wb->data + p + 4), idx = find_rec(wb, bof, 0x020B);
		uint32_t n;

		if (rec_type(wb, bof) != 0x0809 || le16(wb->data + bof + 6) != 0x0010 || idx >= wb->len)
			return -1;
		n = (le16(wb->data + idx + 2) - 16) / 4;
		if (rec_type(wb, le32(wb->data + idx + 16)) != 0x0055) /* DEFCOLWIDTH */
			return -1;
		for (uint32_t i = 0; i < n; i++) {
			size_t db = le32(wb->data + idx + 20 + 4 * i);
			if (rec_type(wb, db) != 0x00D7 || rec_type(wb, db - le32(wb->data + db + 4)) != 0x0208)
				return -1;
		}
		sheets++;
	}
	return sheets;
}

/* ---- LibreOffice ------------------------------------------------------- */

static int have_soffice(void)
{
	return access("/usr/bin/soffice", X_OK) == 0;
}

/* Convert every sheet of xls to <dir>/<name>-<sheet>.csv as shown on screen. */
static int soffice_csv(const char *xls, const char *dir)
{
	char cmd[16384];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && /usr/bin/soffice -env:UserInstallation=file://%s/lo-profile --headless "
		 "--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' "
		 "--outdir '%s' '%s' >/dev/null 2>&1",
		 dir, base_dir, dir, xls);
	return system(cmd);
}

/* The contents of a small text file; the caller frees it. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static long count_lines(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* ---- Tests ------------------------------------------------------------- */

static void test_date_serial(void)
{
	double v = -1;

	CHECK_INT(1, td_xls_date_serial(1900, 1, 1, &v));
	CHECK_DBL(1, v, 0);
	CHECK_INT(1, td_xls_date_serial(1900, 2, 28, &v));
	CHECK_DBL(59, v, 0);
	CHECK_INT(1, td_xls_date_serial(1900, 3, 1, &v)); /* after Excel's 1900-02-29 */
	CHECK_DBL(61, v, 0);
	CHECK_INT(1, td_xls_date_serial(2024, 3, 15, &v));
	CHECK_DBL(45366, v, 0);
	CHECK_INT(1, td_xls_date_serial(2000, 2, 29, &v));
	CHECK_DBL(36585, v, 0);
	CHECK_INT(1, td_xls_date_serial(9999, 12, 31, &v));
	CHECK_DBL(2958465, v, 0);
	CHECK_INT(0, td_xls_date_serial(1899, 12, 31, &v));
	CHECK_INT(0, td_xls_date_serial(2023, 2, 29, &v));
	CHECK_INT(0, td_xls_date_serial(1900, 2, 29, &v));
	CHECK_INT(0, td_xls_date_serial(2024, 13, 1, &v));
	CHECK_INT(0, td_xls_date_serial(2024, 4, 31, &v));
	CHECK_INT(0, td_xls_date_serial(10000, 1, 1, &v));
}

/* Every kind of cell, two sheets, read back with GDAL and LibreOffice. */
static void test_cells(void)
{
	const char *dir = fresh_dir("cells");
	const char *head[] = {"STT", "Họ và tên", "Số CCCD", "Ngày sinh", "Diện tích (m²)", "Ghi chú"};
	char path[8192], csv[8192];
	td_xls *x = NULL;
	td_error err;
	struct stat st;
	GDALDatasetH ds;
	OGRLayerH l;
	OGRFeatureH f;
	int y = 0, m = 0, d = 0, h, mi, tz;
	float sec;
	char *text;

	snprintf(path, sizeof(path), "%s/danh_sach.xls", dir);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	if (!x)
		return;
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "Danh sách", &err));
	CHECK_INT(TD_OK, td_xls_set_header(x, head, 6, &err));
	CHECK_INT(TD_OK, td_xls_set_column_width(x, 1, 28, &err));
	CHECK_INT(TD_OK, td_xls_set_column_width(x, 2, 14, &err));
	/* Cells in any order; a column written twice keeps the last value. */
	CHECK_INT(TD_OK, td_xls_write_string(x, 1, "Nguyễn Thị Hồng Nhung", &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 0, 1, &err));
	CHECK_INT(TD_OK, td_xls_write_text(x, 2, "999", &err));
	CHECK_INT(TD_OK, td_xls_write_text(x, 2, "031090001234", &err));
	CHECK_INT(TD_OK, td_xls_write_date(x, 3, 2024, 3, 15, &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 4, 123.5, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 5, "Café à la carte ²", &err)); /* 8-bit, not ASCII */
	CHECK_INT(TD_OK, td_xls_end_row(x, &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 0, 2, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 1, "Đặng Văn Đức", &err));
	CHECK_INT(TD_OK, td_xls_write_text(x, 2, "001203004567", &err));
	CHECK_INT(TD_OK, td_xls_write_date(x, 3, 1900, 3, 1, &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 4, 0.25, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 5, "to be removed", &err));
	CHECK_INT(TD_OK, td_xls_write_blank(x, 5, &err));
	CHECK_INT(TD_OK, td_xls_end_row(x, &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 0, 3, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 1, "Nhà 🏠 số 5", &err)); /* a surrogate pair */
	CHECK_INT(TD_OK, td_xls_write_string(x, 2, NULL, &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 4, -1e-3, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 5, "Nguyễn Thị Hồng Nhung", &err)); /* shared string */
	/* No td_xls_end_row(): the new sheet ends the pending row. */
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "Thửa đất", &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 0, "Số thửa", &err));
	CHECK_INT(TD_OK, td_xls_write_number(x, 1, 42, &err));
	CHECK_INT(TD_OK, td_xls_close(x, &err)); /* ends the pending row too */
	CHECK_STR("", err.msg);

	CHECK_INT(0, stat(path, &st));
	CHECK_INT(0600, st.st_mode & 0777);
	CHECK_INT(1, count_entries(dir)); /* no temporary file left */

	/* The first sheet's header row is frozen (WINDOW2 fFrozen|fFrozenNoSplit, then PANE); the second has none. */
	{
		struct wb wb = {0};
		size_t w, pane;

		CHECK_INT(1, read_workbook(path, &wb));
		CHECK_INT(2, check_offsets(&wb)); /* BOUNDSHEET offsets still right with the PANE's bytes */
		w = find_rec(&wb, 0, 0x023E);
		CHECK(w < wb.len);
		if (w < wb.len) {
			CHECK_INT(0x0108, le16(wb.data + w + 4) & 0x0108);
			pane = rec_next(&wb, w);
			CHECK_INT(0x0041, rec_type(&wb, pane));
			CHECK_INT(10, le16(wb.data + pane + 2));
			CHECK_INT(0, le16(wb.data + pane + 4)); /* no columns on the left */
			CHECK_INT(1, le16(wb.data + pane + 6)); /* one row on top */
			CHECK_INT(1, le16(wb.data + pane + 8)); /* the bottom pane starts at row 1 */
			CHECK_INT(2, wb.data[pane + 12]);       /* lower left pane active */
			w = find_rec(&wb, rec_next(&wb, pane), 0x023E);
			CHECK(w < wb.len);
			if (w < wb.len) {
				CHECK_INT(0, le16(wb.data + w + 4) & 0x0108);
				CHECK_INT(0x000A, rec_type(&wb, rec_next(&wb, w))); /* EOF, no PANE */
			}
		}
		free(wb.data);
	}

	ds = open_xls(path);
	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(2, GDALDatasetGetLayerCount(ds));
	l = GDALDatasetGetLayer(ds, 0);
	CHECK_STR("Danh sách", OGR_L_GetName(l));
	CHECK_INT(3, OGR_L_GetFeatureCount(l, 1));
	CHECK_INT(6, OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(l)));
	for (int i = 0; i < 6; i++)
		CHECK_STR(head[i], field_name(l, i));
	CHECK_INT(OFTString, field_type(l, 2));
	CHECK_INT(OFTDate, field_type(l, 3));
	CHECK_INT(OFTReal, field_type(l, 4));

	OGR_L_ResetReading(l);
	f = OGR_L_GetNextFeature(l);
	CHECK(f != NULL);
	if (f) {
		CHECK_DBL(1, OGR_F_GetFieldAsDouble(f, 0), 0);
		CHECK_STR("Nguyễn Thị Hồng Nhung", OGR_F_GetFieldAsString(f, 1));
		CHECK_STR("031090001234", OGR_F_GetFieldAsString(f, 2));
		CHECK_INT(1, OGR_F_GetFieldAsDateTimeEx(f, 3, &y, &m, &d, &h, &mi, &sec, &tz));
		CHECK_INT(2024, y);
		CHECK_INT(3, m);
		CHECK_INT(15, d);
		CHECK_DBL(123.5, OGR_F_GetFieldAsDouble(f, 4), 0);
		CHECK_STR("Café à la carte ²", OGR_F_GetFieldAsString(f, 5));
		OGR_F_Destroy(f);
	}
	f = OGR_L_GetNextFeature(l);
	CHECK(f != NULL);
	if (f) {
		CHECK_STR("Đặng Văn Đức", OGR_F_GetFieldAsString(f, 1));
		CHECK_STR("001203004567", OGR_F_GetFieldAsString(f, 2));
		CHECK_INT(1, OGR_F_GetFieldAsDateTimeEx(f, 3, &y, &m, &d, &h, &mi, &sec, &tz));
		CHECK_INT(1900, y);
		CHECK_INT(3, m);
		CHECK_INT(1, d);
		CHECK_DBL(0.25, OGR_F_GetFieldAsDouble(f, 4), 0);
		CHECK_INT(0, OGR_F_IsFieldSetAndNotNull(f, 5));
		OGR_F_Destroy(f);
	}
	f = OGR_L_GetNextFeature(l);
	CHECK(f != NULL);
	if (f) {
		CHECK_STR("Nhà 🏠 số 5", OGR_F_GetFieldAsString(f, 1));
		CHECK_INT(0, OGR_F_IsFieldSetAndNotNull(f, 2));
		CHECK_INT(0, OGR_F_IsFieldSetAndNotNull(f, 3));
		CHECK_DBL(-1e-3, OGR_F_GetFieldAsDouble(f, 4), 0);
		CHECK_STR("Nguyễn Thị Hồng Nhung", OGR_F_GetFieldAsString(f, 5));
		OGR_F_Destroy(f);
	}
	l = GDALDatasetGetLayer(ds, 1);
	CHECK_STR("Thửa đất", OGR_L_GetName(l));
	CHECK_STR("Số thửa", field_name(l, 0)); /* its first row, taken as header */
	GDALClose(ds);

	if (!have_soffice()) {
		printf("# skipped LibreOffice check: libreoffice not installed\n");
		return;
	}
	CHECK_INT(0, soffice_csv(path, dir));
	snprintf(csv, sizeof(csv), "%s/danh_sach-Danh sách.csv", dir);
	text = slurp(csv);
	CHECK_STR("STT,Họ và tên,Số CCCD,Ngày sinh,Diện tích (m²),Ghi chú\n"
		  "1,Nguyễn Thị Hồng Nhung,031090001234,15/03/2024,123.5,Café à la carte ²\n"
		  "2,Đặng Văn Đức,001203004567,01/03/1900,0.25,\n"
		  "3,Nhà 🏠 số 5,,,-0.001,Nguyễn Thị Hồng Nhung\n",
		  text);
	free(text);
	snprintf(csv, sizeof(csv), "%s/danh_sach-Thửa đất.csv", dir);
	text = slurp(csv);
	CHECK_STR("Số thửa,42\n", text);
	free(text);
}

/* Random words, ASCII, Latin-1 (8-bit but not ASCII) or Vietnamese (16-bit). */
static void make_string(int i, char *buf, size_t size)
{
	static const char *const words[3][6] = {
		{"parcel", "map", "sheet", "owner", "land", "use"},
		{"café", "señor", "garçon", "über", "naïve", "½"},
		{"Nguyễn", "Thị", "Hồng", "Nhung", "Đặng", "Đức"},
	};
	unsigned long s = (unsigned long)i * 2654435761u + 12345;
	size_t chars, target, len;

	s = s * 1103515245 + 12345;
	target = 10 + (s >> 8) % 291; /* 10..300 characters */
	len = (size_t)snprintf(buf, size, "%d", i);
	chars = len;
	while (chars < target) {
		const char *w;
		s = s * 1103515245 + 12345;
		w = words[i % 3][(s >> 16) % 6];
		len += (size_t)snprintf(buf + len, size - len, " %s", w);
		chars += 1;
		for (const unsigned char *p = (const unsigned char *)w; *p; p++)
			chars += (*p & 0xC0) != 0x80;
	}
}

/* An SST of 5,000 strings spread over many CONTINUE records, split in both forms. */
static void test_long_sst(void)
{
	const char *dir = fresh_dir("sst");
	const char *head[] = {"s"};
	char path[8192], buf[2048];
	td_xls *x = NULL;
	td_error err;
	struct wb wb;
	struct sst_stats ss;
	GDALDatasetH ds;
	OGRLayerH l;
	OGRFeatureH f;
	int i, same = 0;

	snprintf(path, sizeof(path), "%s/sst.xls", dir);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	if (!x)
		return;
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "Strings", &err));
	CHECK_INT(TD_OK, td_xls_set_header(x, head, 1, &err));
	for (i = 0; i < 5000 && err.code == TD_OK; i++) {
		make_string(i, buf, sizeof(buf));
		td_xls_write_string(x, 0, buf, &err);
		td_xls_end_row(x, &err);
	}
	CHECK_STR("", err.msg);
	CHECK_INT(TD_OK, td_xls_close(x, &err));

	CHECK_INT(1, read_workbook(path, &wb));
	CHECK_INT(1, sst_stats(&wb, &ss));
	CHECK_INT(5001, ss.strings);
	CHECK(ss.continues > 50);
	CHECK(ss.split8 > 5);
	CHECK(ss.split16 > 5);
	CHECK_INT(1, check_offsets(&wb));
	free(wb.data);

	ds = open_xls(path);
	CHECK(ds != NULL);
	if (!ds)
		return;
	l = GDALDatasetGetLayer(ds, 0);
	CHECK_INT(5000, OGR_L_GetFeatureCount(l, 1));
	OGR_L_ResetReading(l);
	for (i = 0; (f = OGR_L_GetNextFeature(l)); i++) {
		make_string(i, buf, sizeof(buf));
		if (strcmp(buf, OGR_F_GetFieldAsString(f, 0)) == 0)
			same++;
		else if (i - same < 3) /* show the first few differences */
			CHECK_STR(buf, OGR_F_GetFieldAsString(f, 0));
		OGR_F_Destroy(f);
	}
	CHECK_INT(5000, i);
	CHECK_INT(5000, same);
	GDALClose(ds);
}

static void person_row(td_xls *x, long i, td_error *err)
{
	static const char *const names[] = {"Nguyễn Thị Hồng Nhung", "Đặng Văn Đức", "Trần Minh Khoa", "Lê Thị Ánh"};
	char cccd[32], addr[64];

	snprintf(cccd, sizeof(cccd), "0310%08ld", i);
	snprintf(addr, sizeof(addr), "Tổ %ld, phường Lê Chân", i % 97);
	td_xls_write_number(x, 0, (double)i, err);
	td_xls_write_string(x, 1, names[i % 4], err);
	td_xls_write_text(x, 2, cccd, err);
	td_xls_write_date(x, 3, 1950 + (int)(i % 60), 1 + (int)(i % 12), 1 + (int)(i % 28), err);
	td_xls_write_string(x, 4, addr, err);
	td_xls_write_number(x, 5, (double)(i % 500), err);
	td_xls_write_number(x, 6, 100.25 + (double)(i % 1000), err);
	td_xls_write_string(x, 7, i % 2 ? "Đã cấp giấy chứng nhận" : "Chưa cấp", err);
	td_xls_end_row(x, err);
}

/* 70,000 rows: a full first sheet, a continuation with the header again, DIFAT sectors. */
static void test_many_rows(void)
{
	const char *dir = fresh_dir("rows");
	const char *name = "Danh sách chủ sử dụng đất xã Hà"; /* 31 characters */
	const char *head[] = {"STT", "Họ tên", "CCCD", "Ngày sinh", "Địa chỉ", "Số thửa", "Diện tích", "Ghi chú"};
	char path[8192], cccd[32], csv[8192];
	td_xls *x = NULL;
	td_error err;
	struct wb wb;
	GDALDatasetH ds;
	OGRFeatureH f;
	long i, next = 1, bad = 0;

	snprintf(path, sizeof(path), "%s/rows.xls", dir);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	if (!x)
		return;
	CHECK_INT(TD_OK, td_xls_add_sheet(x, name, &err));
	CHECK_INT(TD_OK, td_xls_set_header(x, head, 8, &err));
	for (i = 1; i <= 70000 && err.code == TD_OK; i++)
		person_row(x, i, &err);
	CHECK_STR("", err.msg);
	CHECK_INT(TD_OK, td_xls_close(x, &err));

	CHECK_INT(1, read_workbook(path, &wb));
	CHECK(wb.len > 7 * 1024 * 1024);
	CHECK(wb.ndifat >= 1); /* more FAT sectors than the header's 109 */
	CHECK_INT(2, check_offsets(&wb));
	free(wb.data);

	ds = open_xls(path);
	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(2, GDALDatasetGetLayerCount(ds));
	for (int k = 0; k < GDALDatasetGetLayerCount(ds); k++) {
		OGRLayerH l = GDALDatasetGetLayer(ds, k);

		CHECK_STR(k ? "Danh sách chủ sử dụng đất x (2)" : name, OGR_L_GetName(l));
		CHECK_INT(k ? 70000 - 65535 : 65535, OGR_L_GetFeatureCount(l, 1));
		for (int c = 0; c < 8; c++)
			CHECK_STR(head[c], field_name(l, c));
		OGR_L_ResetReading(l);
		while ((f = OGR_L_GetNextFeature(l))) {
			snprintf(cccd, sizeof(cccd), "0310%08ld", next);
			if (OGR_F_GetFieldAsDouble(f, 0) != (double)next ||
			    strcmp(cccd, OGR_F_GetFieldAsString(f, 2)) != 0)
				bad++;
			next++;
			OGR_F_Destroy(f);
		}
	}
	CHECK_INT(70001, next);
	CHECK_INT(0, bad);
	GDALClose(ds);

	if (!have_soffice())
		return;
	CHECK_INT(0, soffice_csv(path, dir));
	snprintf(csv, sizeof(csv), "%s/rows-%s.csv", dir, name);
	CHECK_INT(65536, count_lines(csv));
	snprintf(csv, sizeof(csv), "%s/rows-Danh sách chủ sử dụng đất x (2).csv", dir);
	CHECK_INT(4466, count_lines(csv));
}

/* nchars characters (code points, all in the BMP) of pattern repeated; the caller frees it. */
static char *repeat(const char *pattern, size_t nchars)
{
	char *s = malloc(3 * nchars + 1), *q = s;
	const char *p = pattern;

	if (!s)
		return NULL;
	while (nchars--) {
		do {
			*q++ = *p++;
		} while ((*p & 0xC0) == 0x80);
		if (!*p)
			p = pattern;
	}
	*q = '\0';
	return s;
}

/*
 * Strings spread over several CONTINUE records. FreeXL 1.0 (GDAL) rejects a
 * file in which one string spans three records, even one written by Excel;
 * the writer keeps that to strings over 16,444 bytes, so GDAL reads back the
 * longest strings that fit in two records and LibreOffice the longest of all.
 */
static void test_long_strings(void)
{
	const char *dir = fresh_dir("long");
	const char *head[] = {"s"};
	char *latin[2], *viet[2], path[8192], csv[8192], *text, *expect;
	size_t n;
	td_xls *x = NULL;
	td_error err;
	struct wb wb;
	struct sst_stats ss;
	GDALDatasetH ds;
	OGRLayerH l;
	OGRFeatureH f;

	latin[0] = repeat("Café à la carte ", 16444);     /* 8-bit, just two records */
	viet[0] = repeat("Nguyễn Thị Hồng Nhung ", 8221); /* 16-bit, just two records */
	latin[1] = repeat("Café à la carte ", TD_XLS_MAX_CHARS);
	viet[1] = repeat("Nguyễn Thị Hồng Nhung ", TD_XLS_MAX_CHARS);
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/long%d.xls", dir, k);
		td_error_init(&err);
		CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
		if (!x)
			break;
		CHECK_INT(TD_OK, td_xls_add_sheet(x, "Long", &err));
		CHECK_INT(TD_OK, td_xls_set_header(x, head, 1, &err));
		CHECK_INT(TD_OK, td_xls_write_string(x, 0, "short", &err));
		CHECK_INT(TD_OK, td_xls_end_row(x, &err));
		CHECK_INT(TD_OK, td_xls_write_string(x, 0, latin[k], &err));
		CHECK_INT(TD_OK, td_xls_end_row(x, &err));
		CHECK_INT(TD_OK, td_xls_write_string(x, 0, viet[k], &err));
		CHECK_INT(TD_OK, td_xls_end_row(x, &err));
		CHECK_INT(TD_OK, td_xls_write_string(x, 0, "end", &err));
		CHECK_INT(TD_OK, td_xls_close(x, &err));
		CHECK_INT(1, read_workbook(path, &wb));
		CHECK_INT(1, sst_stats(&wb, &ss));
		CHECK_INT(5, ss.strings);
		free(wb.data);
	}

	snprintf(path, sizeof(path), "%s/long0.xls", dir);
	ds = open_xls(path);
	CHECK(ds != NULL);
	if (ds) {
		l = GDALDatasetGetLayer(ds, 0);
		CHECK_INT(4, OGR_L_GetFeatureCount(l, 1));
		OGR_L_ResetReading(l);
		OGR_F_Destroy(OGR_L_GetNextFeature(l));
		if ((f = OGR_L_GetNextFeature(l))) {
			CHECK_INT(1, strcmp(latin[0], OGR_F_GetFieldAsString(f, 0)) == 0);
			OGR_F_Destroy(f);
		}
		if ((f = OGR_L_GetNextFeature(l))) {
			CHECK_INT(1, strcmp(viet[0], OGR_F_GetFieldAsString(f, 0)) == 0);
			OGR_F_Destroy(f);
		}
		GDALClose(ds);
	}

	if (have_soffice()) {
		snprintf(path, sizeof(path), "%s/long1.xls", dir);
		CHECK_INT(0, soffice_csv(path, dir));
		snprintf(csv, sizeof(csv), "%s/long1-Long.csv", dir);
		text = slurp(csv);
		n = strlen(latin[1]) + strlen(viet[1]) + 64;
		expect = malloc(n);
		snprintf(expect, n, "s\nshort\n%s\n%s\nend\n", latin[1], viet[1]);
		CHECK_INT(1, text && strcmp(expect, text) == 0);
		free(expect);
		free(text);
	}
	for (int k = 0; k < 2; k++) {
		free(latin[k]);
		free(viet[k]);
	}
}

/* Bad cell values fail alone; the writer and the file stay usable. */
static void test_bad_input(void)
{
	const char *dir = fresh_dir("input");
	const char *head[] = {"A", "B"};
	const char *bad_head[] = {"ok", "bad \xC3"};
	char path[8192], huge[TD_XLS_MAX_CHARS + 2];
	td_xls *x = NULL;
	td_error err;
	GDALDatasetH ds;
	OGRLayerH l;
	OGRFeatureH f;

	snprintf(path, sizeof(path), "%s/input.xls", dir);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	if (!x)
		return;
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "Input", &err));
	CHECK_INT(TD_ERR_INPUT, td_xls_set_header(x, bad_head, 2, &err));
	CHECK(strstr(err.msg, "sheet 'Input' header column B: invalid UTF-8 at byte 5") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_set_header(x, head, 2, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 0, "first", &err));
	CHECK_INT(TD_OK, td_xls_end_row(x, &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 0, "second", &err));
	CHECK_INT(TD_ERR_INPUT, td_xls_write_string(x, 1, "Nguy\xE1\xBB", &err)); /* truncated */
	CHECK(strstr(err.msg, path) != NULL);
	CHECK(strstr(err.msg, "sheet 'Input' data row 2 column B: invalid UTF-8 at byte 5") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_xls_write_string(x, 1, "\xC0\xAF", &err)); /* overlong '/' */
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_xls_write_text(x, 1, "\xED\xA0\x80", &err)); /* a surrogate */
	td_error_init(&err);
	memset(huge, 'x', sizeof(huge) - 1);
	huge[TD_XLS_MAX_CHARS + 1] = '\0';
	CHECK_INT(TD_ERR_INPUT, td_xls_write_string(x, 1, huge, &err));
	CHECK(strstr(err.msg, "longer than 32767 characters") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_write_string(x, 1, "Nguyễn", &err)); /* the cell is still free */
	CHECK_INT(TD_ERR_INPUT, td_xls_write_date(x, 1, 2023, 2, 29, &err));
	CHECK(strstr(err.msg, "2023-02-29") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_xls_write_number(x, 1, NAN, &err));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_end_row(x, &err));
	CHECK_INT(TD_OK, td_xls_close(x, &err));

	ds = open_xls(path);
	CHECK(ds != NULL);
	if (!ds)
		return;
	l = GDALDatasetGetLayer(ds, 0);
	CHECK_INT(2, OGR_L_GetFeatureCount(l, 1));
	OGR_L_ResetReading(l);
	OGR_F_Destroy(OGR_L_GetNextFeature(l));
	f = OGR_L_GetNextFeature(l);
	CHECK(f != NULL);
	if (f) {
		CHECK_STR("second", OGR_F_GetFieldAsString(f, 0));
		CHECK_STR("Nguyễn", OGR_F_GetFieldAsString(f, 1));
		OGR_F_Destroy(f);
	}
	GDALClose(ds);
}

static void test_usage(void)
{
	const char *dir = fresh_dir("usage");
	const char *head[] = {"A"};
	char path[8192];
	td_xls *x = NULL;
	td_error err;

	snprintf(path, sizeof(path), "%s/usage.xls", dir);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_close(NULL, &err));
	td_xls_free(NULL);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	if (!x)
		return;
	CHECK_INT(TD_ERR_USAGE, td_xls_write_string(x, 0, "no sheet yet", &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_end_row(x, &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_add_sheet(x, "a/b", &err));
	CHECK(strstr(err.msg, "sheet name 'a/b' contains") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_add_sheet(x, "", &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_add_sheet(x, "'quoted'", &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_add_sheet(x, "Danh sách chủ sử dụng đất xã Hải", &err)); /* 32 */
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "Danh sách", &err));
	CHECK_INT(TD_ERR_USAGE, td_xls_add_sheet(x, "DANH SÁCH", &err)); /* same ignoring case */
	CHECK(strstr(err.msg, "already used") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_write_number(x, 256, 1, &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_write_number(x, -1, 1, &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_xls_set_column_width(x, 0, 0, &err));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_end_row(x, &err));
	CHECK_INT(TD_ERR_USAGE, td_xls_set_header(x, head, 1, &err)); /* not the first row */
	CHECK(strstr(err.msg, "first row of sheet 'Danh sách'") != NULL);
	td_xls_free(x);
	CHECK_INT(0, count_entries(dir));

	/* A workbook needs a sheet; the failed close leaves nothing behind. */
	x = NULL;
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	CHECK_INT(TD_ERR_USAGE, td_xls_close(x, &err));
	CHECK_INT(0, count_entries(dir));
}

static void test_io_failures(void)
{
	const char *dir = fresh_dir("io");
	char path[8192], probe[8192], want[8192 + 64];
	td_xls *x = NULL, *keep;
	td_error err;
	struct rlimit old, lim;
	struct stat st;
	FILE *f;
	int fd, i;
	td_status s = TD_OK;

	/* A directory that does not exist; *out is reset even if it held a workbook. */
	snprintf(path, sizeof(path), "%s/out.xls", dir);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	keep = x;
	snprintf(path, sizeof(path), "%s/missing/out.xls", dir);
	CHECK_INT(TD_ERR_IO, td_xls_new(path, &x, &err));
	CHECK(x == NULL);
	CHECK(strstr(err.msg, path) != NULL);
	td_xls_free(keep);

	/* An unwritable directory (root may write anyway: then skip). */
	snprintf(path, sizeof(path), "%s/out.xls", dir);
	snprintf(probe, sizeof(probe), "%s/probe", dir);
	chmod(dir, 0500);
	fd = open(probe, O_WRONLY | O_CREAT, 0600);
	if (fd >= 0) {
		close(fd);
		unlink(probe);
		printf("# skipped unwritable-directory check: running with privileges\n");
	} else {
		td_error_init(&err);
		CHECK_INT(TD_ERR_IO, td_xls_new(path, &x, &err));
		CHECK(strstr(err.msg, path) != NULL);
		CHECK_INT(0, count_entries(dir));
	}
	chmod(dir, 0700);

	/* An existing file is replaced, and its looser mode goes with it. */
	f = fopen(path, "w");
	if (f) {
		fputs("old", f);
		fclose(f);
	}
	chmod(path, 0644);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "S", &err));
	CHECK_INT(TD_OK, td_xls_close(x, &err));
	CHECK_INT(0, stat(path, &st));
	CHECK_INT(0600, st.st_mode & 0777);
	CHECK(st.st_size >= 512 + 4096);
	unlink(path);

	/* Abandoning a workbook leaves nothing. */
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "S", &err));
	CHECK_INT(TD_OK, td_xls_write_string(x, 0, "Nguyễn Thị Hồng Nhung", &err));
	CHECK_INT(TD_OK, td_xls_end_row(x, &err));
	td_xls_free(x);
	CHECK_INT(0, count_entries(dir));

	/* A full disk, simulated with a file size limit: writing stops with
	 * TD_ERR_IO naming the file, later calls fail the same way, nothing is left. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 200 * 1024;
	CHECK_INT(0, setrlimit(RLIMIT_FSIZE, &lim));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "S", &err));
	for (i = 0; i < 60000 && s == TD_OK; i++) {
		char cccd[32];
		snprintf(cccd, sizeof(cccd), "0310%08d", i);
		if ((s = td_xls_write_text(x, 0, cccd, &err)) == TD_OK)
			s = td_xls_end_row(x, &err);
	}
	CHECK_INT(TD_ERR_IO, s);
	CHECK(strstr(err.msg, path) != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_IO, td_xls_end_row(x, &err)); /* sticky */
	td_error_init(&err);
	CHECK_INT(TD_ERR_IO, td_xls_close(x, &err));
	CHECK_INT(0, count_entries(dir));

	/* The limit hit while the final file is written: 1,000 rows of long
	 * distinct strings make a 36 kB scratch file but a 1 MB workbook. */
	lim.rlim_cur = 256 * 1024;
	td_error_init(&err);
	CHECK_INT(TD_OK, td_xls_new(path, &x, &err));
	CHECK_INT(TD_OK, td_xls_add_sheet(x, "S", &err));
	for (i = 0; i < 1000; i++) {
		char text[1100];
		memset(text, 'a' + i % 26, 1000);
		snprintf(text + 1000, 100, "%d", i);
		td_xls_write_string(x, 0, text, &err);
		td_xls_end_row(x, &err);
	}
	CHECK_STR("", err.msg);
	CHECK_INT(0, setrlimit(RLIMIT_FSIZE, &lim));
	CHECK_INT(TD_ERR_IO, td_xls_close(x, &err));
	snprintf(want, sizeof(want), "cannot write '%s': File too large", path);
	CHECK_STR(want, err.msg);
	CHECK_INT(0, count_entries(dir));
	setrlimit(RLIMIT_FSIZE, &old);
}

int main(void)
{
	snprintf(base_dir, sizeof(base_dir), "%s", tap_tmpdir("xls"));
	GDALAllRegister();
	/* Row 0 is always the header, whatever its content. */
	CPLSetConfigOption("OGR_XLS_HEADERS", "FORCE");

	test_date_serial();
	test_cells();
	test_long_sst();
	test_many_rows();
	test_long_strings();
	test_bad_input();
	test_usage();
	test_io_failures();
	return tap_done();
}
