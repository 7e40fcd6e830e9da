/*
 * Reference tables shipped as CSV in schemas/ref/<table>.csv and copied into
 * each workspace's ref_* tables when it is created, so an office can correct
 * a table without a rebuild.
 */
#ifndef TD_REFDATA_H
#define TD_REFDATA_H

#include "db.h"

typedef struct td_province {
	char code[8];
	char name[128];
	char former_name[128];   /* the name until 30 June 2025 */
	double central_meridian; /* degrees: the zone of the former province with this code */
	int epsg;                /* 0 when the zone has no EPSG code */
	char valid_to[16];       /* "2025-06-30" for a code that ended with the 2025 merger, else "" */
	char province_2025[8];   /* the province from 1 July 2025 it is (part of) */
	char source[256];        /* where the central meridian comes from */
} td_province;

/*
 * Look a province up in schemas/ref/ref_provinces.csv. code is one or two
 * digits ("1" is "01"). TD_ERR_USAGE if it is not a code or unknown.
 */
td_status td_refdata_find_province(td_ctx *ctx, const char *code, td_province *out, td_error *err);

/*
 * The former provinces a province of 1 July 2025 was formed from (their
 * province_2025 is code), in code order, into a malloc'ed array the caller
 * frees. TD_ERR_USAGE as td_refdata_find_province.
 */
td_status td_refdata_province_parts(td_ctx *ctx, const char *code, td_province **parts, size_t *n, td_error *err);

/*
 * Load every schemas/ref/<table>.csv into the workspace table of that name.
 * CSV headers must be column names of the table; errors name file and line.
 * Runs inside the caller's transaction.
 */
td_status td_refdata_load(td_ws *ws, td_error *err);

#endif
