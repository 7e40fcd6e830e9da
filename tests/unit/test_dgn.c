/*
 * Unit tests for lib/dgn.c on the sheets made by fixtures/dgn/make.sh with
 * GDAL's DGN writer: six faces with separate labels and each kind of
 * problem, two faces with combined labels, TCVN3 text, a truncated file, a
 * missing file and a bad profile.
 */
#include "dgn.h"
#include "tap.h"

#include <gdal.h>
#include <geos_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TD_FIXTURES
#define TD_FIXTURES "fixtures"
#endif

static const td_dgn_parcel *find_parcel(const td_dgn_result *r, long parcel)
{
	for (size_t i = 0; i < r->nparcels; i++)
		if (r->parcels[i].parcel == parcel)
			return &r->parcels[i];
	return NULL;
}

static size_t count_kind(const td_dgn_result *r, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nproblems; i++)
		n += r->problems[i].kind == kind;
	return n;
}

static const td_dgn_problem *find_kind(const td_dgn_result *r, int kind)
{
	for (size_t i = 0; i < r->nproblems; i++)
		if (r->problems[i].kind == kind)
			return &r->problems[i];
	return NULL;
}

/* Area of a parcel's WKB through GEOS, -1 if unreadable. */
static double wkb_area(GEOSContextHandle_t h, const td_dgn_parcel *p)
{
	GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
	GEOSGeometry *g = GEOSWKBReader_read_r(h, rd, p->wkb, p->wkb_len);
	double a = -1;

	if (g)
		GEOSArea_r(h, g, &a);
	GEOSGeom_destroy_r(h, g);
	GEOSWKBReader_destroy_r(h, rd);
	return a;
}

static void test_sheet(GEOSContextHandle_t h)
{
	td_dgn_profile p = TD_DGN_PROFILE_INIT;
	td_dgn_result r;
	td_error err;
	const td_dgn_parcel *pa;
	const td_dgn_problem *q;

	td_dgn_result_init(&r);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/sheet.dgn", &p, &r, &err));
	CHECK_STR("", err.msg);
	/* The level-3 road must not split faces: 3 x 2 cells. */
	CHECK_INT(6, r.nparcels);
	CHECK_INT(0, r.parcels[0].parcel); /* face E, unnumbered, sorts first */
	CHECK_STR("BHK", r.parcels[0].landuse);
	CHECK_DBL(10000.0, wkb_area(h, &r.parcels[0]), 1e-6);

	pa = find_parcel(&r, 1);
	CHECK(pa != NULL);
	if (pa) {
		CHECK_STR("ONT", pa->landuse);
		CHECK_INT(1, pa->has_area);
		CHECK_DBL(9876.5, pa->label_area, 1e-9);
		CHECK_DBL(40.0, pa->label_x, 1e-6);
		CHECK_DBL(60.0, pa->label_y, 1e-6);
		CHECK_DBL(10000.0, wkb_area(h, pa), 1e-6);
		CHECK(pa->wkb_len > 9 && pa->wkb[0] == 1 && pa->wkb[1] == 3); /* NDR polygon */
	}
	pa = find_parcel(&r, 2);
	CHECK(pa && strcmp(pa->landuse, "LUC") == 0 && pa->has_area && pa->label_area == 10000.0);
	pa = find_parcel(&r, 3);
	CHECK(pa && strcmp(pa->landuse, "CLN") == 0 && pa->has_area && pa->label_area == 120.25);
	pa = find_parcel(&r, 4);
	CHECK(pa && strcmp(pa->landuse, "ONT") == 0 && !pa->has_area);
	pa = find_parcel(&r, 6); /* the first of the two numbers in face F wins */
	CHECK(pa && strcmp(pa->landuse, "DGT") == 0);
	CHECK(find_parcel(&r, 7) == NULL);
	CHECK(find_parcel(&r, 8) == NULL);

	CHECK_INT(4, r.nproblems);
	CHECK_INT(1, count_kind(&r, TD_DGN_NO_LABEL));
	CHECK_INT(1, count_kind(&r, TD_DGN_LABEL_OUTSIDE));
	CHECK_INT(1, count_kind(&r, TD_DGN_TWO_LABELS));
	CHECK_INT(1, count_kind(&r, TD_DGN_DANGLING_LINE));
	if ((q = find_kind(&r, TD_DGN_NO_LABEL)) != NULL) {
		CHECK_INT(-1, q->element);
		CHECK(q->x > 100 && q->x < 200 && q->y > 100 && q->y < 200);
	}
	if ((q = find_kind(&r, TD_DGN_LABEL_OUTSIDE)) != NULL) {
		CHECK_STR("8", q->text);
		CHECK_DBL(350.0, q->x, 1e-6);
		CHECK_DBL(50.0, q->y, 1e-6);
		CHECK(q->element > 0);
	}
	if ((q = find_kind(&r, TD_DGN_TWO_LABELS)) != NULL) {
		CHECK_STR("7", q->text);
		CHECK_DBL(210.0, q->x, 1e-6);
		CHECK_DBL(120.0, q->y, 1e-6);
	}
	if ((q = find_kind(&r, TD_DGN_DANGLING_LINE)) != NULL) {
		/* Elements are numbered from the design's start; the dangle is the 5th line. */
		const td_dgn_problem *out = find_kind(&r, TD_DGN_LABEL_OUTSIDE);
		CHECK_DBL(265.0, q->x, 1e-6);
		CHECK_DBL(165.0, q->y, 1e-6);
		CHECK_STR("", q->text);
		if (out)
			CHECK_INT(out->element - 17, q->element);
	}
	td_dgn_result_release(&r);
	CHECK_INT(0, r.nparcels);
	CHECK(r.parcels == NULL);
	td_dgn_result_release(NULL);
}

/* The owner name on level 5 is TCVN3; read as the land-use level it is decoded. */
static void test_tcvn3(GEOSContextHandle_t h)
{
	td_dgn_profile p = TD_DGN_PROFILE_INIT;
	td_dgn_result r;
	td_error err;
	const td_dgn_parcel *pa;

	p.landuse_label_level = 5;
	p.area_label_level = -1;
	td_dgn_result_init(&r);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/sheet.dgn", &p, &r, &err));
	pa = find_parcel(&r, 4);
	CHECK_STR("\xc4\x90inh V\xc4\x83n A", pa ? pa->landuse : "");
	pa = find_parcel(&r, 1);
	CHECK_STR("", pa ? pa->landuse : "?");
	CHECK_INT(0, pa ? pa->has_area : 1);
	td_dgn_result_release(&r);
}

/* Two boundary levels, one of them empty, give the same faces. */
static void test_two_boundary_levels(GEOSContextHandle_t h)
{
	td_dgn_profile p = TD_DGN_PROFILE_INIT;
	td_dgn_result r;
	td_error err;

	p.boundary_levels[1] = 11;
	p.nboundary = 2;
	td_dgn_result_init(&r);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/sheet.dgn", &p, &r, &err));
	CHECK_INT(6, r.nparcels);
	/* The road on level 3 as a boundary level too: cells split in two, 9 faces (E: 2). */
	p.boundary_levels[1] = 3;
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/sheet.dgn", &p, &r, &err));
	CHECK_INT(9, r.nparcels);
	td_dgn_result_release(&r);
}

static void test_combined(GEOSContextHandle_t h)
{
	td_dgn_profile p = TD_DGN_PROFILE_INIT;
	td_dgn_result r;
	td_error err;
	const td_dgn_parcel *pa;

	p.combined_labels = 1;
	p.landuse_label_level = 4; /* ignored with combined labels */
	td_dgn_result_init(&r);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/combined.dgn", &p, &r, &err));
	CHECK_INT(2, r.nparcels);
	CHECK_INT(0, r.nproblems);
	pa = find_parcel(&r, 654);
	CHECK(pa != NULL);
	if (pa) {
		CHECK_STR("1L", pa->landuse);
		CHECK_INT(1, pa->has_area);
		CHECK_DBL(119.3, pa->label_area, 1e-9);
	}
	pa = find_parcel(&r, 655);
	CHECK(pa != NULL);
	if (pa) {
		CHECK_STR("T", pa->landuse);
		CHECK_DBL(88.0, pa->label_area, 1e-9);
	}
	CHECK_INT(0, r.sheet); /* no sheet level in the profile: the "12" on level 5 is not read */
	p.sheet_label_level = 5;
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/combined.dgn", &p, &r, &err));
	CHECK_INT(12, r.sheet);
	CHECK_INT(2, r.nparcels);
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/combined/11329_a.dgn", &p, &r, &err));
	CHECK_INT(3, r.sheet); /* "Tờ số 3" in TCVN3 */
	pa = find_parcel(&r, 654);
	CHECK(pa != NULL);
	if (pa)
		CHECK_STR("ONT", pa->landuse);
	p.sheet_label_level = 13; /* the parcel level cannot hold the sheet too */
	CHECK_INT(TD_ERR_USAGE, td_dgn_read(h, TD_FIXTURES "/dgn/combined.dgn", &p, &r, &err));
	p.sheet_label_level = -1;
	/* Read as bare numbers, "1L654/119.3" is no parcel number: two unnumbered faces. */
	p.combined_labels = 0;
	CHECK_INT(TD_OK, td_dgn_read(h, TD_FIXTURES "/dgn/combined.dgn", &p, &r, &err));
	CHECK_INT(2, r.nparcels);
	CHECK_INT(2, count_kind(&r, TD_DGN_NO_LABEL));
	td_dgn_result_release(&r);
}

static void test_failures(GEOSContextHandle_t h)
{
	td_dgn_profile p = TD_DGN_PROFILE_INIT;
	td_dgn_result r;
	td_error err;
	char path[4096];
	FILE *f;

	td_dgn_result_init(&r);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_dgn_read(h, TD_FIXTURES "/dgn/truncated.dgn", &p, &r, &err));
	CHECK(strstr(err.msg, "truncated.dgn") != NULL);
	CHECK(strstr(err.msg, "truncated element") != NULL);
	CHECK_INT(0, r.nparcels);

	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_dgn_read(h, TD_FIXTURES "/dgn/no-such.dgn", &p, &r, &err));
	CHECK(strstr(err.msg, "no-such.dgn") != NULL);

	/* Not a DGN at all: whole "elements" by the chain walk, refused by GDAL. */
	snprintf(path, sizeof(path), "%s/junk.dgn", tap_tmpdir("dgn"));
	f = fopen(path, "wb");
	if (f) {
		fputs("hello, this is not a design file\n", f);
		fclose(f);
	}
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_dgn_read(h, path, &p, &r, &err));
	CHECK(strstr(err.msg, "junk.dgn") != NULL);

	p.nboundary = 0;
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_dgn_read(h, TD_FIXTURES "/dgn/sheet.dgn", &p, &r, &err));
	p.nboundary = 9;
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_dgn_read(h, TD_FIXTURES "/dgn/sheet.dgn", &p, &r, &err));
	td_dgn_result_release(&r);
}

int main(void)
{
	GEOSContextHandle_t h = GEOS_init_r();

	GDALAllRegister();
	test_sheet(h);
	test_tcvn3(h);
	test_two_boundary_levels(h);
	test_combined(h);
	test_failures(h);
	GEOS_finish_r(h);
	return tap_done();
}
