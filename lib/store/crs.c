#include "crs.h"
#include "refdata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * VN-2000 to WGS 84 (QĐ 05/2007/QĐ-BTNMT) in the position-vector convention
 * PROJ uses: the published rotation signs are flipped. PROJ 9.1 emits this
 * same string for EPSG:9210.
 */
#define VN2000_TOWGS84 "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"

void td_crs_release(td_crs *crs)
{
	if (!crs)
		return;
	free(crs->wkt);
	crs->wkt = NULL;
}

void td_crs_vn2000_tm3(double central_meridian, char *buf, size_t size)
{
	snprintf(buf, size,
		 "+proj=tmerc +lat_0=0 +lon_0=%.10g +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 " VN2000_TOWGS84
		 " +units=m +no_defs +type=crs",
		 central_meridian);
}

static td_status from_proj(td_ctx *ctx, const char *def, td_crs *out, td_error *err)
{
	const char *opts[] = {"MULTILINE=NO", NULL};
	PJ *pj = proj_create(ctx->proj, def);
	const char *wkt;
	td_status rc = TD_OK;

	if (!pj || !proj_is_crs(pj)) {
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' is not a coordinate reference system PROJ knows", def);
		goto done;
	}
	wkt = proj_as_wkt(ctx->proj, pj, PJ_WKT1_GDAL, opts);
	if (!wkt) {
		rc = td_error_set(err, TD_ERR_USAGE, "CRS '%s' cannot be written as WKT", def);
		goto done;
	}
	out->wkt = strdup(wkt);
	if (!out->wkt) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (!out->name[0])
		snprintf(out->name, sizeof(out->name), "%s", proj_get_name(pj));
done:
	proj_destroy(pj);
	return rc;
}

td_status td_crs_from_spec(td_ctx *ctx, const char *spec, td_crs *out, td_error *err)
{
	memset(out, 0, sizeof(*out));
	if (strncasecmp(spec, "EPSG:", 5) == 0) {
		char *end;
		long code = strtol(spec + 5, &end, 10);
		if (end == spec + 5 || *end || code <= 0 || code >= TD_CRS_LOCAL_BASE)
			return td_error_set(err, TD_ERR_USAGE, "bad EPSG code in '%s'", spec);
		out->srs_id = out->org_id = (int)code;
		snprintf(out->org, sizeof(out->org), "EPSG");
		return from_proj(ctx, spec, out, err);
	}
	/* A definition without an authority gets a local srs_id. */
	out->srs_id = out->org_id = TD_CRS_LOCAL_BASE;
	snprintf(out->org, sizeof(out->org), "thuadat");
	return from_proj(ctx, spec, out, err);
}

td_status td_crs_from_province(td_ctx *ctx, const char *code, td_crs *out, td_error *err)
{
	td_province p;
	char def[512];
	char *end;
	long num;
	td_status rc;

	memset(out, 0, sizeof(*out));
	rc = td_refdata_find_province(ctx, code, &p, err);
	if (rc != TD_OK)
		return rc;
	if (p.epsg > 0) {
		snprintf(def, sizeof(def), "EPSG:%d", p.epsg);
		return td_crs_from_spec(ctx, def, out, err);
	}
	num = strtol(code, &end, 10);
	out->srs_id = out->org_id = TD_CRS_LOCAL_BASE + (int)(num > 0 && num < 1000 ? num : 0);
	snprintf(out->org, sizeof(out->org), "thuadat");
	snprintf(out->name, sizeof(out->name), "VN-2000 / TM-3 %.4f (%s)", p.central_meridian, p.name);
	td_crs_vn2000_tm3(p.central_meridian, def, sizeof(def));
	return from_proj(ctx, def, out, err);
}

/* The seven parameters of VN2000_TOWGS84, for a PROJ pipeline step. */
#define VN2000_HELMERT                                                                                                 \
	"+proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835 +rx=0.00928836 +ry=-0.01975479 "              \
	"+rz=0.00427372 +s=0.252906278 +convention=position_vector"

/* A projection parameter by EPSG code, converted to degrees or metres; NAN if absent. */
static double op_param(PJ_CONTEXT *pc, PJ *op, int code)
{
	char want[8];
	int n = proj_coordoperation_get_param_count(pc, op);

	snprintf(want, sizeof(want), "%d", code);
	for (int i = 0; i < n; i++) {
		const char *auth = NULL, *pcode = NULL, *unit_type = NULL;
		double value = NAN, conv = 1;
		if (!proj_coordoperation_get_param(pc, op, i, NULL, &auth, &pcode, &value, NULL, &conv, NULL, NULL,
						   NULL, &unit_type))
			continue;
		if (pcode && strcmp(pcode, want) == 0) {
			if (unit_type && (unit_type[0] == 'a' || unit_type[0] == 'A')) /* "angular" */
				return value * conv * 180.0 / M_PI;
			return value * conv;
		}
	}
	return NAN;
}

td_status td_crs_vn2000_meridian(td_ctx *ctx, const char *crs, double *central_meridian, td_error *err)
{
	PJ_CONTEXT *pc = ctx->proj;
	PJ *pj = proj_create(pc, crs), *base = NULL, *op = NULL, *ell = NULL;
	const char *method = NULL;
	double a = 0, invf = 0, lat0, lon0, k, fe, fn;
	td_status rc = TD_OK;

	if (!pj || !proj_is_crs(pj)) {
		rc = td_error_set(err, TD_ERR_USAGE, "the workspace CRS is not a CRS PROJ reads");
		goto done;
	}
	base = proj_get_type(pj) == PJ_TYPE_BOUND_CRS ? proj_get_source_crs(pc, pj) : proj_clone(pc, pj);
	op = base && proj_get_type(base) == PJ_TYPE_PROJECTED_CRS ? proj_crs_get_coordoperation(pc, base) : NULL;
	if (op)
		proj_coordoperation_get_method_info(pc, op, &method, NULL, NULL);
	if (!method || strcmp(method, "Transverse Mercator") != 0) {
		rc = td_error_set(err, TD_ERR_USAGE, "the CRS '%s' is not a Transverse Mercator projection",
				  base ? proj_get_name(base) : "?");
		goto done;
	}
	lat0 = op_param(pc, op, 8801);
	lon0 = op_param(pc, op, 8802);
	k = op_param(pc, op, 8805);
	fe = op_param(pc, op, 8806);
	fn = op_param(pc, op, 8807);
	ell = proj_get_ellipsoid(pc, base);
	if (ell)
		proj_ellipsoid_get_parameters(pc, ell, &a, NULL, NULL, &invf);
	if (!(fabs(lat0) < 1e-9 && fabs(k - 0.9999) < 1e-9 && fabs(fe - 500000) < 1e-6 && fabs(fn) < 1e-6 &&
	      lon0 >= 100 && lon0 <= 120 && fabs(a - 6378137) < 1e-6 && fabs(invf - 298.257223563) < 1e-6))
		rc = td_error_set(err, TD_ERR_USAGE,
				  "the CRS '%s' is not a VN-2000 TM-3 zone (k = 0.9999, false easting 500 km, "
				  "central meridian 100-120°, WGS 84 ellipsoid)",
				  proj_get_name(base));
	else
		*central_meridian = lon0;
done:
	proj_destroy(ell);
	proj_destroy(op);
	proj_destroy(base);
	proj_destroy(pj);
	return rc;
}

td_status td_crs_wgs84_open(td_ctx *ctx, const char *crs, td_crs_wgs84 *t, td_error *err)
{
	char def[1024];
	td_status rc;

	memset(t, 0, sizeof(*t));
	rc = td_crs_vn2000_meridian(ctx, crs, &t->central_meridian, err);
	if (rc != TD_OK)
		return rc;
	snprintf(def, sizeof(def),
		 "+proj=pipeline +step +inv +proj=tmerc +lat_0=0 +lon_0=%.12g +k=0.9999 +x_0=500000 +y_0=0 "
		 "+ellps=WGS84 +step +proj=cart +ellps=WGS84 +step " VN2000_HELMERT
		 " +step +inv +proj=cart +ellps=WGS84 +step +proj=unitconvert +xy_in=rad +xy_out=deg",
		 t->central_meridian);
	t->pj = proj_create(ctx->proj, def);
	if (!t->pj)
		return td_error_set(err, TD_ERR_INTERNAL, "PROJ cannot create the VN-2000 to WGS 84 pipeline");
	return TD_OK;
}

static int trans(td_crs_wgs84 *t, PJ_DIRECTION dir, double a, double b, double *outa, double *outb)
{
	PJ_COORD c = proj_coord(a, b, 0, 0);

	c = proj_trans(t->pj, dir, c);
	if (!isfinite(c.v[0]) || !isfinite(c.v[1]) || c.v[0] == HUGE_VAL)
		return 0;
	*outa = c.v[0];
	*outb = c.v[1];
	return 1;
}

int td_crs_wgs84_forward(td_crs_wgs84 *t, double x, double y, double *lat, double *lon)
{
	return trans(t, PJ_FWD, x, y, lon, lat);
}

int td_crs_wgs84_inverse(td_crs_wgs84 *t, double lat, double lon, double *x, double *y)
{
	return trans(t, PJ_INV, lon, lat, x, y);
}

void td_crs_wgs84_close(td_crs_wgs84 *t)
{
	if (!t)
		return;
	proj_destroy(t->pj);
	t->pj = NULL;
}
