/*
 * csv2xls: turn a CSV file (UTF-8, first line included) into a one-sheet
 * .xls with lib/xls.c, the way a person would re-type it in Excel: cells
 * of 1 to 11 digits without a leading zero become numbers, so an ID number
 * written without its zeros arrives as a number, as it does from Excel.
 * For tests that need an .xls reply.
 *
 *     csv2xls IN.csv OUT.xls [SHEET]
 */
#include "source.h"
#include "xls.h"

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>

static int numeric(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n >= 1 && n <= 11 && s[n] == '\0' && s[0] != '0';
}

int main(int argc, char **argv)
{
	td_error err;
	td_xls *x = NULL;
	GDALDatasetH ds;
	OGRFeatureH f;
	td_status rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: csv2xls IN.csv OUT.xls [SHEET]\n");
		return 2;
	}
	GDALAllRegister();
	td_error_init(&err);
	ds = td_source_open_table(argv[1], &err);
	if (!ds) {
		fprintf(stderr, "csv2xls: %s\n", err.msg);
		return 1;
	}
	rc = td_xls_new(argv[2], &x, &err);
	if (rc == TD_OK)
		rc = td_xls_add_sheet(x, argc == 4 ? argv[3] : "Danh sách", &err);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0))) != NULL) {
		for (int i = 0; rc == TD_OK && i < OGR_F_GetFieldCount(f); i++) {
			const char *v = OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "";
			double d;
			if (numeric(v) && sscanf(v, "%lf", &d) == 1)
				rc = td_xls_write_number(x, i, d, &err);
			else
				rc = td_xls_write_string(x, i, v, &err);
		}
		if (rc == TD_OK)
			rc = td_xls_end_row(x, &err);
		OGR_F_Destroy(f);
	}
	td_source_close_table(ds);
	if (rc == TD_OK)
		rc = td_xls_close(x, &err);
	else
		td_xls_free(x);
	if (rc != TD_OK) {
		fprintf(stderr, "csv2xls: %s\n", err.msg);
		return 1;
	}
	return 0;
}
