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
	int srs_id;   /* EPSG code, or TD_CRS_LOCAL_BASE + province number */
	char org[16]; /* "EPSG" or "thuadat" */
	int org_id;
	char name[160];
	char *wkt; /* WKT1 (GDAL flavour), owned */
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

/*
 * The official VN-2000 -> WGS 84 step of the national parcel ID
 * (docs/ids.md): inverse TM-3 on the zone's central meridian, then the
 * seven-parameter Helmert transformation of QD 05/2007/QD-BTNMT (position
 * vector convention, the towgs84 of td_crs_vn2000_tm3), as one explicit
 * PROJ pipeline, so no PROJ database choice is involved.
 *
 *     td_crs_wgs84 t;
 *     td_crs_wgs84_open(ctx, ws->crs_wkt, &t, &err);
 *     td_crs_wgs84_forward(&t, x, y, &lat, &lon);
 *     td_crs_wgs84_close(&t);
 */
typedef struct td_crs_wgs84 {
	PJ *pj;
	double central_meridian; /* degrees */
} td_crs_wgs84;

/*
 * The central meridian of a VN-2000 TM-3 zone given as WKT or any CRS PROJ
 * reads: Transverse Mercator, latitude of origin 0, k = 0.9999, false
 * easting 500 km, false northing 0, on the WGS 84 ellipsoid (VN-2000's).
 * TD_ERR_USAGE saying which of these the CRS lacks.
 */
td_status td_crs_vn2000_meridian(td_ctx *ctx, const char *crs, double *central_meridian, td_error *err);

/* Open the transformation for the zone of crs (td_crs_vn2000_meridian's errors). */
td_status td_crs_wgs84_open(td_ctx *ctx, const char *crs, td_crs_wgs84 *t, td_error *err);

/* VN-2000 easting x, northing y (metres) to WGS 84 degrees. Returns 0 if PROJ fails. */
int td_crs_wgs84_forward(td_crs_wgs84 *t, double x, double y, double *lat, double *lon);

/* WGS 84 degrees to VN-2000 easting, northing. Returns 0 if PROJ fails. */
int td_crs_wgs84_inverse(td_crs_wgs84 *t, double lat, double lon, double *x, double *y);

/* Accepts NULL and a zeroed struct. */
void td_crs_wgs84_close(td_crs_wgs84 *t);

#endif
