#include "labelpoint.h"

#include <math.h>
#include <stdlib.h>

/* The polygons of a valid geometry as one (multi)polygon; NULL when it has none. */
static GEOSGeometry *polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	int type = GEOSGeomTypeId_r(h, g), n;
	GEOSGeometry **parts = NULL, *out = NULL;
	unsigned k = 0;

	if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
		return GEOSGeom_clone_r(h, g);
	if (type != GEOS_GEOMETRYCOLLECTION || (n = GEOSGetNumGeometries_r(h, g)) <= 0)
		return NULL;
	parts = calloc((size_t)n, sizeof(*parts));
	if (!parts)
		return NULL;
	for (int i = 0; i < n; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
		if (GEOSGeomTypeId_r(h, p) == GEOS_POLYGON && (parts[k] = GEOSGeom_clone_r(h, p)) != NULL)
			k++;
	}
	if (k > 0 && !(out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, k)))
		for (unsigned i = 0; i < k; i++)
			GEOSGeom_destroy_r(h, parts[i]);
	free(parts);
	return out;
}

static int point_xy(GEOSContextHandle_t h, const GEOSGeometry *p, double *x, double *y)
{
	return p && !GEOSisEmpty_r(h, p) && GEOSGeomGetX_r(h, p, x) == 1 && GEOSGeomGetY_r(h, p, y) == 1 &&
	       isfinite(*x) && isfinite(*y);
}

td_status td_label_point(GEOSContextHandle_t h, const GEOSGeometry *g, double precision, double *x, double *y,
			 double *radius, td_error *err)
{
	GEOSGeometry *valid = NULL, *poly = NULL, *mic = NULL, *p = NULL;
	double area = 0, r = 0;
	td_status rc = TD_OK;

	if (!g || GEOSisEmpty_r(h, g) == 1) {
		rc = td_error_set(err, TD_ERR_INPUT, "no geometry");
		goto done;
	}
	valid = GEOSisValid_r(h, g) == 1 ? GEOSGeom_clone_r(h, g) : GEOSMakeValid_r(h, g);
	if (valid)
		poly = polygonal(h, valid);
	if (poly && GEOSArea_r(h, poly, &area) == 1 && area > 0 && isfinite(area)) {
		GEOSGeometry *centre;
		mic = GEOSMaximumInscribedCircle_r(h, poly, precision > 0 ? precision : 1e-9);
		centre = mic ? GEOSGeomGetStartPoint_r(h, mic) : NULL;
		if (centre) {
			p = centre;
			if (GEOSLength_r(h, mic, &r) != 1)
				r = 0;
		}
	} else {
		/* No area: a point on what is drawn, so the parcel still has a place. */
		p = GEOSPointOnSurface_r(h, g);
		r = 0;
	}
	if (!point_xy(h, p, x, y))
		rc = td_error_set(err, TD_ERR_INTERNAL, "GEOS found no interior point");
	else if (radius)
		*radius = r;
	GEOSGeom_destroy_r(h, p);
done:
	GEOSGeom_destroy_r(h, mic);
	GEOSGeom_destroy_r(h, poly);
	GEOSGeom_destroy_r(h, valid);
	return rc;
}
