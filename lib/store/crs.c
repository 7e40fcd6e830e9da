#include "crs.h"
#include "refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * VN-2000 to WGS 84 (QĐ 05/2007/QĐ-BTNMT) in the position-vector convention
 * PROJ uses: the published rotation signs are flipped. PROJ 9.1 emits this
 * same string for EPSG:9210.
 */
#define VN2000_TOWGS84 \
	"+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"

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
		 "+proj=tmerc +lat_0=0 +lon_0=%.10g +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
		 VN2000_TOWGS84 " +units=m +no_defs +type=crs",
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
