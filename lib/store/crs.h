/*
 * Coordinate reference systems: resolve what the user gave (an EPSG code, a
 * PROJ string, a province code) into the WKT and srs_id a GeoPackage needs.
 *
 * VN-2000 cadastral zones are TM-3 with k = 0.9999 and a central meridian per
 * province; a zone EPSG has no code for is built from ref_provinces.csv.
 */
#ifndef TD_CRS_H
#define TD_CRS_H

#include "ctx.h"

typedef struct td_crs {
	int srs_id;         /* EPSG code, or TD_CRS_LOCAL_BASE + province number */
	char org[16];       /* "EPSG" or "thuadat" */
	int org_id;
	char name[160];
	char *wkt;          /* WKT1 (GDAL flavour), owned */
} td_crs;

#define TD_CRS_LOCAL_BASE 900000

/* Release what td_crs_* filled in. Accepts NULL. */
void td_crs_release(td_crs *crs);

/* From "EPSG:n" or any definition PROJ accepts (PROJ string, WKT). TD_ERR_USAGE if not a CRS. */
td_status td_crs_from_spec(td_ctx *ctx, const char *spec, td_crs *out, td_error *err);

/* From a province code in schemas/ref/ref_provinces.csv. TD_ERR_USAGE if unknown. */
td_status td_crs_from_province(td_ctx *ctx, const char *code, td_crs *out, td_error *err);

/* The PROJ definition of a VN-2000 TM-3 zone with this central meridian (degrees). */
void td_crs_vn2000_tm3(double central_meridian, char *buf, size_t size);

#endif
