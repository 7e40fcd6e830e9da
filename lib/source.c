#include "source.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <gdal.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static const char *gdal_reason(const char *fallback)
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
			     gdal_reason("no such file, or not a CSV file"));
	CPLPopErrorHandler();
	return ds;
}

void *td_source_open_vector(const char *path, td_error *err)
{
	GDALDatasetH ds;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!ds)
		td_error_set(err, TD_ERR_INPUT, "cannot read map '%s': %s", path,
			     gdal_reason("no such file, or not a vector format GDAL reads"));
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
