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
	double central_meridian; /* degrees */
	int epsg;                /* 0 when the zone has no EPSG code */
} td_province;

/* Look a province up in schemas/ref/ref_provinces.csv. TD_ERR_USAGE if unknown. */
td_status td_refdata_find_province(td_ctx *ctx, const char *code, td_province *out, td_error *err);

/*
 * Load every schemas/ref/<table>.csv into the workspace table of that name.
 * CSV headers must be column names of the table; errors name file and line.
 * Runs inside the caller's transaction.
 */
td_status td_refdata_load(td_ws *ws, td_error *err);

#endif
