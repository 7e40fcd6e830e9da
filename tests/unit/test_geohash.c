/*
 * Unit tests for the pieces of the official parcel ID: lib/geohash.c
 * against published GeoHash vectors and an independent decoder written
 * here (integer bit interleaving); lib/labelpoint.c on L-, U-shaped,
 * holed, multi-part and bow-tie parcels (centroid outside, label point
 * inside, distance to the boundary within the precision of the analytic
 * maximum); the official form check of lib/ids.c and how many mistyped
 * IDs it cannot catch; lib/crs.c's VN-2000 -> WGS 84 pipeline against
 * PROJ's own CRS-to-CRS path from the towgs84 string of DOMAIN.md.
 */
#include "crs.h"
#include "ctx.h"
#include "geohash.h"
#include "ids.h"
#include "labelpoint.h"
#include "tap.h"

#include <geos_c.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TD_SCHEMAS
#define TD_SCHEMAS "schemas"
#endif

/* An independent decoder: 5 bits per character into two integers, longitude bits at even positions. */
static int ref_decode(const char *s, double *lat_lo, double *lat_hi, double *lon_lo, double *lon_hi)
{
	static const char *alpha = "0123456789bcdefghjkmnpqrstuvwxyz";
	uint64_t lat = 0, lon = 0;
	int nlat = 0, nlon = 0, pos = 0;

	for (const char *p = s; *p; p++) {
		const char *q = strchr(alpha, *p);
		if (!q)
			return 0;
		for (int b = 4; b >= 0; b--, pos++) {
			int bit = (int)(((q - alpha) >> b) & 1);
			if (pos % 2 == 0) {
				lon = lon << 1 | (uint64_t)bit;
				nlon++;
			} else {
				lat = lat << 1 | (uint64_t)bit;
				nlat++;
			}
		}
	}
	*lat_lo = -90 + 180.0 * (double)lat / ldexp(1, nlat);
	*lat_hi = -90 + 180.0 * (double)(lat + 1) / ldexp(1, nlat);
	*lon_lo = -180 + 360.0 * (double)lon / ldexp(1, nlon);
	*lon_hi = -180 + 360.0 * (double)(lon + 1) / ldexp(1, nlon);
	return 1;
}

static void test_vectors(void)
{
	char out[TD_GEOHASH_MAX + 1];
	double lat, lon, dlat, dlon;

	/* Wikipedia "Geohash": 57.64911, 10.40744 is u4pruydqqvj; ezs42 is about 42.6, -5.6. */
	CHECK(td_geohash_encode(57.64911, 10.40744, 11, out));
	CHECK_STR("u4pruydqqvj", out);
	CHECK(td_geohash_encode(42.6, -5.6, 5, out));
	CHECK_STR("ezs42", out);
	CHECK_INT(5, td_geohash_decode("ezs42", &lat, &lon, &dlat, &dlon));
	CHECK_DBL(42.605, lat, 0.0005);
	CHECK_DBL(-5.603, lon, 0.0005);
	CHECK_DBL(0.02197265625, dlat, 1e-12);
	CHECK_DBL(0.02197265625, dlon, 1e-12);
	/* Corners of the world. */
	CHECK(td_geohash_encode(-90, -180, 12, out));
	CHECK_STR("000000000000", out);
	CHECK(td_geohash_encode(90, 180, 12, out));
	CHECK_STR("zzzzzzzzzzzz", out);
	CHECK_INT(0, td_geohash_encode(91, 0, 12, out));
	CHECK_STR("", out);
	CHECK_INT(0, td_geohash_encode(NAN, 0, 12, out));
	CHECK_INT(0, td_geohash_encode(0, 0, 0, out));
	CHECK_INT(0, td_geohash_decode("", &lat, &lon, NULL, NULL));
	CHECK_INT(0, td_geohash_decode("w7eyka", &lat, &lon, NULL, NULL)); /* 'a' is not in the alphabet */
	CHECK_INT(0, td_geohash_decode("W7EYK", &lat, &lon, NULL, NULL));
	CHECK_INT(6, td_geohash_bad_char("w7eykl"));
	CHECK_INT(0, td_geohash_bad_char("w7eyk2"));
	/* 12 characters: 60 bits, cells of 180/2^30 by 360/2^30 degrees (about 1.9 cm by 3.7 cm). */
	CHECK_INT(12, td_geohash_decode("w7eyk29wvyk6", &lat, &lon, &dlat, &dlon));
	CHECK_DBL(90.0 / (1 << 30), dlat, 1e-15);
	CHECK_DBL(180.0 / (1 << 30), dlon, 1e-15);
}

/* Points all over Vietnam: the independent decoder's cell holds the point; the neighbours tile. */
static void test_roundtrip(void)
{
	uint64_t x = 88172645463325252ULL;
	int bad = 0, badn = 0;

	for (int i = 0; i < 20000; i++) {
		char id[13], n[13];
		double lat, lon, lo_lat = 0, hi_lat = 0, lo_lon = 0, hi_lon = 0, clat = 0, clon = 0, nlat, nlon;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lat = 8 + 15.5 * (double)(x % 1000003) / 1000003.0;
		lon = 102 + 7.5 * (double)((x >> 20) % 1000003) / 1000003.0;
		if (!td_geohash_encode(lat, lon, 12, id) || !ref_decode(id, &lo_lat, &hi_lat, &lo_lon, &hi_lon) ||
		    lat < lo_lat || lat >= hi_lat || lon < lo_lon || lon >= hi_lon)
			bad++;
		td_geohash_decode(id, &clat, &clon, NULL, NULL);
		if (fabs(clat - (lo_lat + hi_lat) / 2) > 1e-12 || fabs(clon - (lo_lon + hi_lon) / 2) > 1e-12)
			bad++;
		/* The north-east neighbour is one cell up and right. */
		if (!td_geohash_neighbour(id, 1, 1, n) || !td_geohash_decode(n, &nlat, &nlon, NULL, NULL) ||
		    fabs(nlat - clat - (hi_lat - lo_lat)) > 1e-12 || fabs(nlon - clon - (hi_lon - lo_lon)) > 1e-12)
			badn++;
	}
	CHECK_INT(0, bad);
	CHECK_INT(0, badn);
}

static void test_official_form(void)
{
	td_error err;
	double lat, lon;
	const char *id = "w7eyk29wvyk6"; /* Hải Phòng, demo parcel 11311/1/1 */
	int caught = 0, total = 0, late = 0;

	td_error_init(&err);
	CHECK_INT(TD_OK, td_id_official_parse(id, &lat, &lon, &err));
	CHECK_DBL(20.7900721, lat, 1e-7);
	CHECK_DBL(106.7125176, lon, 1e-7);
	CHECK_INT(TD_ERR_INPUT, td_id_official_parse("w7eyk29wvyk", NULL, NULL, &err));
	CHECK_STR("'w7eyk29wvyk' is not a parcel ID: expected 12 GeoHash characters, got 11", err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_id_official_parse("w7eyk29wvyka", NULL, NULL, &err));
	CHECK_STR("'w7eyk29wvyka' is not a parcel ID: character 12 is 'a', not one of the GeoHash alphabet 0-9 "
		  "b-h j k m n p-z (no a, i, l, o; lower case)",
		  err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_id_official_parse("u4pruydqqvjq", NULL, NULL, &err));
	CHECK(strstr(err.msg, "outside Vietnam") != NULL);
	CHECK_INT(TD_ERR_INPUT, td_id_official_parse("11311000000129", NULL, NULL, &err));
	/*
	 * Without a check character, which single-character substitutions are
	 * caught? Only those that move the point out of Vietnam's box: changes
	 * of the first two characters (cells of 45° x 45°, then 5.6° x 11.25°);
	 * from the third on (1.4° x 1.4° and less) a Hải Phòng point stays in
	 * the box. 57 of 372, so 315 (85 %) go unnoticed without a workspace.
	 */
	for (int i = 0; i < 12; i++)
		for (int k = 0; k < 32; k++) {
			char t[13];
			if (td_geohash_alphabet[k] == id[i])
				continue;
			memcpy(t, id, 13);
			t[i] = td_geohash_alphabet[k];
			total++;
			td_error_init(&err);
			if (td_id_official_parse(t, NULL, NULL, &err) != TD_OK) {
				caught++;
				late += i >= 2;
			}
		}
	CHECK_INT(372, total);
	CHECK_INT(57, caught);
	CHECK_INT(0, late);
	printf("# single substitutions of %s caught without a workspace: %d of %d\n", id, caught, total);
}

/* ---- label points ---- */

static GEOSGeometry *wkt(GEOSContextHandle_t h, const char *text)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(h);
	GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
	GEOSWKTReader_destroy_r(h, r);
	return g;
}

static int contains_xy(GEOSContextHandle_t h, const GEOSGeometry *g, double x, double y)
{
	GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
	int in = GEOSContains_r(h, g, p) == 1;
	GEOSGeom_destroy_r(h, p);
	return in;
}

/*
 * One parcel: the label point is inside, its distance to the boundary is
 * within precision of the analytic maximum r_max (and GEOS at 1 mm finds it to 1 mm),
 * and the centroid is outside when centroid_outside.
 */
static void label_case(GEOSContextHandle_t h, const char *what, const char *text, double r_max, int centroid_outside)
{
	GEOSGeometry *g = wkt(h, text), *c = NULL, *b = NULL, *p = NULL;
	td_error err;
	double x, y, r, xr, yr, rr, d, cx, cy;
	const double precision = 0.01;

	td_error_init(&err);
	printf("# %s\n", what);
	CHECK(g != NULL);
	CHECK_INT(TD_OK, td_label_point(h, g, precision, &x, &y, &r, &err));
	CHECK(contains_xy(h, g, x, y));
	/* The distance to the boundary, measured here, is what td_label_point says. */
	b = GEOSBoundary_r(h, g);
	p = GEOSGeom_createPointFromXY_r(h, x, y);
	GEOSDistance_r(h, b, p, &d);
	CHECK_DBL(d, r, 1e-9);
	CHECK(r <= r_max + 1e-9);
	CHECK(r >= r_max - precision);
	CHECK_INT(TD_OK, td_label_point(h, g, 1e-3, &xr, &yr, &rr, &err));
	CHECK_DBL(r_max, rr, 1e-3);
	c = GEOSGetCentroid_r(h, g);
	GEOSGeomGetX_r(h, c, &cx);
	GEOSGeomGetY_r(h, c, &cy);
	CHECK_INT(centroid_outside, !contains_xy(h, g, cx, cy));
	GEOSGeom_destroy_r(h, c);
	GEOSGeom_destroy_r(h, p);
	GEOSGeom_destroy_r(h, b);
	GEOSGeom_destroy_r(h, g);
}

static void test_label_points(GEOSContextHandle_t h)
{
	GEOSGeometry *g;
	td_error err;
	double x, y, r;

	td_error_init(&err);
	/* L: arms 2 m wide, 10 m long. The deepest circle touches both outer edges and the reflex corner (2,2). */
	label_case(h, "L-shaped", "POLYGON((0 0,10 0,10 2,2 2,2 10,0 10,0 0))", 2 * sqrt(2) / (1 + sqrt(2)), 1);
	/* U: a 10 m square with a 4 m wide notch from the top down to 3 m. */
	label_case(h, "U-shaped", "POLYGON((0 0,10 0,10 10,7 10,7 3,3 3,3 10,0 10,0 0))", 3 * sqrt(2) / (1 + sqrt(2)),
		   1);
	/* A 10 m square with a 2 m hole in the middle: the centroid is in the hole. */
	label_case(h, "holed", "POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))", 4 * sqrt(2) / (1 + sqrt(2)),
		   1);
	/* Two parts: the point is in the larger one (radius 3). */
	label_case(h, "multipolygon", "MULTIPOLYGON(((0 0,2 0,2 2,0 2,0 0)),((10 0,16 0,16 6,10 6,10 0)))", 3, 0);
	/* Two equal parts: the centroid falls between them. */
	label_case(h, "two parts", "MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0)),((10 0,14 0,14 4,10 4,10 0)))", 2, 1);
	/* In VN-2000 coordinates: a 20 m x 25 m rectangle; radius 10. */
	label_case(h, "rectangle",
		   "POLYGON((600000 2300000,600020 2300000,600020 2300025,600000 2300025,600000 2300000))", 10, 0);
	/* A bow-tie is made valid first: the point is inside one of its triangles. */
	g = wkt(h, "POLYGON((0 0,10 10,10 0,0 10,0 0))");
	CHECK_INT(TD_OK, td_label_point(h, g, 0.01, &x, &y, &r, &err));
	CHECK(r > 0);
	CHECK(x > 5 + r - 0.02 || x < 5 - r + 0.02);
	GEOSGeom_destroy_r(h, g);
	/* No area: a point on the line. */
	g = wkt(h, "POLYGON((0 0,10 0,5 0,0 0))");
	CHECK_INT(TD_OK, td_label_point(h, g, 0.01, &x, &y, &r, &err));
	CHECK_DBL(0, y, 1e-9);
	CHECK_DBL(0, r, 0);
	GEOSGeom_destroy_r(h, g);
	g = wkt(h, "POLYGON EMPTY");
	CHECK_INT(TD_ERR_INPUT, td_label_point(h, g, 0.01, &x, &y, &r, &err));
	GEOSGeom_destroy_r(h, g);
	CHECK_INT(TD_ERR_INPUT, td_label_point(h, NULL, 0.01, &x, &y, &r, &err));
}

/* The explicit pipeline against PROJ's CRS-to-CRS path from the towgs84 string, to 1 mm. */
static void test_wgs84(td_ctx *ctx)
{
	static const struct {
		const char *crs;
		double cm, x, y;
	} pts[] = {
		{"EPSG:9210", 105.75, 600010, 2300012.5},
		{"EPSG:9209", 105.5, 574000, 2320000},
		{"EPSG:5897", 105.0, 586000, 2326000},
		{"+proj=tmerc +lat_0=0 +lon_0=108.25 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,"
		 "-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs +type=crs",
		 108.25, 520000, 1520000},
	};
	td_error err;

	td_error_init(&err);
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		td_crs_wgs84 t;
		char def[512];
		PJ *ref;
		PJ_COORD c;
		double lat, lon, x, y;
		CHECK_INT(TD_OK, td_crs_wgs84_open(ctx, pts[i].crs, &t, &err));
		CHECK_DBL(pts[i].cm, t.central_meridian, 1e-12);
		CHECK(td_crs_wgs84_forward(&t, pts[i].x, pts[i].y, &lat, &lon));
		td_crs_vn2000_tm3(pts[i].cm, def, sizeof(def));
		ref = proj_create_crs_to_crs(ctx->proj, def, "+proj=longlat +datum=WGS84 +no_defs +type=crs", NULL);
		CHECK(ref != NULL);
		c = proj_trans(ref, PJ_FWD, proj_coord(pts[i].x, pts[i].y, 0, 0));
		/* 1 mm is about 9e-9 degrees. */
		CHECK_DBL(c.v[0], lon, 9e-9);
		CHECK_DBL(c.v[1], lat, 9e-9);
		CHECK(td_crs_wgs84_inverse(&t, lat, lon, &x, &y));
		/* PROJ's inverse Helmert step is approximate: a round trip is within 2 mm. */
		CHECK_DBL(pts[i].x, x, 2e-3);
		CHECK_DBL(pts[i].y, y, 2e-3);
		proj_destroy(ref);
		td_crs_wgs84_close(&t);
	}
	CHECK_INT(TD_ERR_USAGE, td_crs_vn2000_meridian(ctx, "EPSG:3405", &(double){0}, &err)); /* UTM, k = 0.9996 */
	CHECK_INT(TD_ERR_USAGE, td_crs_vn2000_meridian(ctx, "EPSG:4326", &(double){0}, &err));
}

int main(void)
{
	td_ctx *ctx = NULL;
	td_error err;

	td_error_init(&err);
	test_vectors();
	test_roundtrip();
	test_official_form();
	if (td_ctx_new(TD_SCHEMAS, &ctx, &err) != TD_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	test_label_points(ctx->geos);
	test_wgs84(ctx);
	td_ctx_free(ctx);
	return tap_done();
}
