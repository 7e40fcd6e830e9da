#include "source.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <gdal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
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
	for (size_t i = 0; i < sizeof(sheet_options) / sizeof(sheet_options[0]); i++)
		CPLSetThreadLocalConfigOption(sheet_options[i][0], sheet_options[i][1]);
	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, drivers == csv ? csv_options : NULL, NULL);
	if (!ds)
		td_error_set(err, TD_ERR_INPUT, "cannot read register '%s' as %s: %s", path, drivers[0],
			     td_source_gdal_reason("no such file, or not that format"));
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

void *td_source_open_vector(const char *path, td_error *err)
{
	GDALDatasetH ds;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!ds)
		td_error_set(err, TD_ERR_INPUT, "cannot read map '%s': %s", path,
			     td_source_gdal_reason("no such file, or not a vector format GDAL reads"));
	CPLPopErrorHandler();
	return ds;
}

td_status td_source_checksum(void *dataset, char hex[9], int64_t *size, td_error *err)
{
	char **files = GDALGetFileList(dataset);
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	td_status rc = TD_OK;

	*size = 0;
	for (int i = 0; files && files[i] && rc == TD_OK; i++) {
		FILE *f = fopen(files[i], "rb");
		size_t n;
		if (!f) {
			rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", files[i], strerror(errno));
			break;
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			crc = crc32(crc, buf, (uInt)n);
			*size += (int64_t)n;
		}
		if (ferror(f))
			rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", files[i], strerror(errno));
		fclose(f);
	}
	CSLDestroy(files);
	snprintf(hex, 9, "%08lx", (unsigned long)crc);
	return rc;
}
