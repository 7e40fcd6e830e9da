#include "source.h"
#include "cfb.h"

#include <cpl_csv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <gdal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

const char *td_source_gdal_reason(const char *fallback)
{
	const char *m = CPLGetLastErrorMsg();
	return m && *m ? m : fallback;
}

void *td_source_open_csv(const char *path, td_error *err)
{
	const char *drivers[] = {"CSV", NULL};
	const char *options[] = {"AUTODETECT_TYPE=NO", "HEADERS=YES", "EMPTY_STRING_AS_NULL=YES", NULL};
	GDALDatasetH ds;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, NULL);
	if (!ds)
		td_error_set(err, TD_ERR_INPUT, "cannot read '%s' as CSV: %s", path,
			     td_source_gdal_reason("no such file, or not a CSV file"));
	CPLPopErrorHandler();
	return ds;
}

/* Spreadsheet drivers read these settings lazily, so they stay set until close. */
static const char *const sheet_options[][2] = {
	{"OGR_XLSX_HEADERS", "DISABLE"},
	{"OGR_XLSX_FIELD_TYPES", "STRING"},
	{"OGR_XLS_HEADERS", "DISABLE"},
	{"OGR_XLS_FIELD_TYPES", "STRING"},
};

td_status td_source_sniff(const char *path, char *what, size_t size, td_error *err)
{
	unsigned char b[4096];
	struct stat st;
	size_t n, nul = 0;
	FILE *f;

	what[0] = '\0';
	if (stat(path, &st) != 0)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': it is a folder, not a file", path);
	if ((f = fopen(path, "rb")) == NULL)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		nul += b[i] == 0;
	if (n == 0)
		snprintf(what, size, "an empty file");
	else if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
		snprintf(what, size, "UTF-16 text (save it as UTF-8)");
	else if (n >= 4 && memcmp(b, "PK\3\4", 4) == 0)
		snprintf(what, size, "a ZIP archive (XLSX, ODS, DOCX or a zipped folder)");
	else if (n >= 8 && memcmp(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
		snprintf(what, size, "an OLE2 compound file (XLS or DOC)");
	else if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		snprintf(what, size, "a PDF document");
	else if (n >= 16 && memcmp(b, "SQLite format 3", 16) == 0)
		snprintf(what, size, "an SQLite database (GeoPackage?)");
	else if (n >= 4 && (memcmp(b, "\x00\x00\x27\x0A", 4) == 0))
		snprintf(what, size, "an ESRI shapefile (.shp)");
	else if (n >= 2 && b[1] == 0 && nul * 3 >= n)
		snprintf(what, size, "UTF-16 text without a byte order mark (save it as UTF-8)");
	else if (nul)
		snprintf(what, size, "binary data of an unknown format");
	else
		snprintf(what, size, "text");
	return TD_OK;
}

/*
 * Whether the file is what its extension promises, before any driver sees
 * it: GDAL's reasons for an empty, UTF-16 or binary file are only "not
 * recognized", and its XLS reader must not be handed bytes that are not a
 * sound workbook (see cfb.h).
 */
static td_status table_shape(const char *path, const char *format, td_error *err)
{
	char what[96];
	td_error why;
	td_status rc;
	int ok;

	td_error_init(&why);
	rc = td_source_sniff(path, what, sizeof(what), &why);
	if (rc != TD_OK) /* "cannot read 'PATH': REASON" */
		return td_error_set(err, rc, "cannot read '%s' as %s: %s", path, format,
				    strstr(why.msg, "': ") ? strstr(why.msg, "': ") + 3 : why.msg);
	if (strcmp(format, "CSV") == 0)
		ok = strcmp(what, "text") == 0 || strncmp(what, "binary", 6) == 0; /* the NUL is located below */
	else if (strcmp(format, "XLSX") == 0)
		ok = strncmp(what, "a ZIP", 5) == 0;
	else
		ok = strncmp(what, "an OLE2", 7) == 0;
	if (!ok)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s' as %s: it is %s", path, format, what);
	if (strcmp(format, "CSV") == 0)
		return td_source_text_nul(path, err);
	if (strcmp(format, "XLS") == 0)
		return td_cfb_check_xls(path, err);
	return TD_OK;
}

td_status td_source_text_nul(const char *path, td_error *err)
{
	unsigned char buf[65536];
	long line = 1, column = 1;
	FILE *f = fopen(path, "rb");
	size_t n;
	td_status rc = TD_OK;

	if (!f)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	while (rc == TD_OK && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (buf[i] == 0) {
				rc = td_error_set(err, TD_ERR_INPUT,
						  "'%s' line %ld, character %ld: a NUL byte; text files hold "
						  "none (binary data, or UTF-16 saved without its mark)",
						  path, line, column);
				break;
			}
			if (buf[i] == '\n') {
				line++;
				column = 1;
			} else if ((buf[i] & 0xC0) != 0x80) {
				column++;
			}
		}
	}
	if (rc == TD_OK && ferror(f))
		rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	fclose(f);
	return rc;
}

void *td_source_open_table(const char *path, td_error *err)
{
	const char *csv[] = {"CSV", NULL}, *xlsx[] = {"XLSX", NULL}, *xls[] = {"XLS", NULL};
	const char *csv_options[] = {"AUTODETECT_TYPE=NO", "HEADERS=NO", "EMPTY_STRING_AS_NULL=YES", NULL};
	const char *ext = strrchr(path, '.');
	const char *const *drivers = csv;
	GDALDatasetH ds;

	if (ext && strcasecmp(ext, ".xlsx") == 0)
		drivers = xlsx;
	else if (ext && strcasecmp(ext, ".xls") == 0)
		drivers = xls;
	if (table_shape(path, drivers[0], err) != TD_OK)
		return NULL;
	for (size_t i = 0; i < sizeof(sheet_options) / sizeof(sheet_options[0]); i++)
		CPLSetThreadLocalConfigOption(sheet_options[i][0], sheet_options[i][1]);
	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, drivers == csv ? csv_options : NULL, NULL);
	if (!ds)
		td_error_set(err, TD_ERR_INPUT, "cannot read '%s' as %s: %s", path, drivers[0],
			     td_source_gdal_reason("GDAL's reader does not recognise it"));
	CPLPopErrorHandler();
	if (!ds)
		td_source_close_table(NULL);
	return ds;
}

void td_source_close_table(void *dataset)
{
	if (dataset)
		GDALClose(dataset);
	for (size_t i = 0; i < sizeof(sheet_options) / sizeof(sheet_options[0]); i++)
		CPLSetThreadLocalConfigOption(sheet_options[i][0], NULL);
}

/* One CSV record split on delim; quotes honoured, a BOM skipped. Free with CSLDestroy. */
static char **csv_record(VSILFILE *fp, const char *delim)
{
	return CSVReadParseLine3L(fp, 1 << 20, delim, true, false, false, true);
}

/* Records 1..row-1 skipped; the field count of record row with delim, -1 if the file is shorter. */
static int header_fields(const char *path, long row, const char *delim)
{
	VSILFILE *fp = VSIFOpenL(path, "rb");
	char **rec = NULL;
	int n = -1;

	if (!fp)
		return -1;
	for (long r = 1; r <= row; r++) {
		CSLDestroy(rec);
		if ((rec = csv_record(fp, delim)) == NULL)
			break;
		if (r == row)
			n = CSLCount(rec);
	}
	CSLDestroy(rec);
	VSIFCloseL(fp);
	return n;
}

static int blank_record(char **rec)
{
	for (int i = 0; rec[i]; i++)
		if (rec[i][strspn(rec[i], " \t\r")])
			return 0;
	return 1;
}

td_status td_source_csv_fields(const char *path, long header_row, td_error *err)
{
	static const char *const delims[] = {",", ";", "\t"};
	static const char *const delim_names[] = {"','", "';'", "tab"};
	int best = 0, want = -1;
	VSILFILE *fp;
	char **rec;
	td_status rc = TD_OK;

	for (int d = 0; d < 3; d++) {
		int n = header_fields(path, header_row, delims[d]);
		if (n > want) {
			want = n;
			best = d;
		}
	}
	if (want < 1 || (fp = VSIFOpenL(path, "rb")) == NULL)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': no header record %ld", path, header_row);
	for (long r = 1; rc == TD_OK && (rec = csv_record(fp, delims[best])) != NULL; r++) {
		int got = CSLCount(rec);
		if (r > header_row && got != want && !blank_record(rec))
			rc = td_error_set(err, TD_ERR_INPUT,
					  "register '%s' row %ld: %d fields, but the header (row %ld) has %d "
					  "separated by %s; a value holding %s must be in double quotes",
					  path, r, got, header_row, want, delim_names[best], delim_names[best]);
		CSLDestroy(rec);
	}
	VSIFCloseL(fp);
	return rc;
}

void *td_source_open_vector(const char *path, int raw_text, td_error *err)
{
	/* The shapefile driver's ENCODING="" turns recoding off; other drivers ignore it. */
	const char *const raw[] = {"ENCODING=", NULL};
	GDALDatasetH ds;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, raw_text ? raw : NULL, NULL);
	if (!ds) {
		struct stat st;
		char what[96];
		td_error why;
		td_error_init(&why);
		/* GDAL says "not recognized" for an empty file too: say what the file is. */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    td_source_sniff(path, what, sizeof(what), &why) == TD_OK &&
		    (st.st_size == 0 || strncmp(what, "UTF-16", 6) == 0 || strncmp(what, "a PDF", 5) == 0 ||
		     strncmp(what, "a ZIP", 5) == 0 || strncmp(what, "an OLE2", 7) == 0))
			td_error_set(err, TD_ERR_INPUT, "cannot read map '%s': it is %s, not a map", path, what);
		else
			td_error_set(err, TD_ERR_INPUT, "cannot read map '%s': %s", path,
				     td_source_gdal_reason("no such file, or not a vector format GDAL reads"));
	}
	CPLPopErrorHandler();
	return ds;
}

/* Add the bytes of the file at path to *crc and *size. */
static td_status add_file_crc(const char *path, uLong *crc, int64_t *size, td_error *err)
{
	unsigned char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	td_status rc = TD_OK;

	if (!f)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		*crc = crc32(*crc, buf, (uInt)n);
		*size += (int64_t)n;
	}
	if (ferror(f))
		rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	fclose(f);
	return rc;
}

td_status td_source_checksum(void *dataset, char hex[9], int64_t *size, td_error *err)
{
	char **files = GDALGetFileList(dataset);
	uLong crc = crc32(0L, Z_NULL, 0);
	td_status rc = TD_OK;

	*size = 0;
	for (int i = 0; files && files[i] && rc == TD_OK; i++)
		rc = add_file_crc(files[i], &crc, size, err);
	CSLDestroy(files);
	snprintf(hex, 9, "%08lx", (unsigned long)crc);
	return rc;
}

td_status td_source_file_checksum(const char *path, char hex[9], int64_t *size, td_error *err)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	td_status rc;

	*size = 0;
	rc = add_file_crc(path, &crc, size, err);
	snprintf(hex, 9, "%08lx", (unsigned long)crc);
	return rc;
}
