/*
 * The first step of the national parcel ID (docs/ids.md): the pole of
 * inaccessibility of the parcel polygon, found by GEOS's maximum inscribed
 * circle to a tolerance (the profile's polylabel_precision, metres).
 *
 *     double x, y, r;
 *     td_label_point(h, polygon, 0.01, &x, &y, &r, &err);
 *
 * Multipolygons: the deepest point of all parts (so it lies in the largest
 * part's widest place); holes are boundary like the outer ring, so the
 * point is never in a hole.
 */
#ifndef TD_LABELPOINT_H
#define TD_LABELPOINT_H

#include "error.h"

#include <geos_c.h>

/*
 * The label point of g into (*x, *y) and its distance to the boundary into
 * *radius (may be NULL). The result's distance is within precision of the
 * largest possible. An invalid polygon (a bow-tie) is first made valid; a
 * geometry with no area left (a line, a collapsed ring) gets a point on
 * it, radius 0. TD_ERR_INPUT if g is NULL or empty; TD_ERR_INTERNAL with
 * GEOS's message when GEOS fails.
 */
td_status td_label_point(GEOSContextHandle_t h, const GEOSGeometry *g, double precision, double *x, double *y,
			 double *radius, td_error *err);

#endif
