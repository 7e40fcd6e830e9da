/*
 * topology: the geometry rules of `thuadat check` for one commune at a time,
 * as a pure GEOS module (no SQLite, no globals, no printing).
 *
 *     td_topo_settings s;
 *     td_topo_settings_init(&s);
 *     s.enabled[TD_RULE_SLIVER] = 0;
 *     td_error err;
 *     td_error_init(&err);
 *     if (td_topo_analyse(ctx->geos, parcels, n, boundary, boundary_len, &s, on_defect, arg, &err) != TD_OK)
 *             ... err.msg says why ...
 *
 * Per parcel, the first of these conditions that holds, and no other of
 * them: GEOM_MISSING (no geometry, a zero-length blob or an empty one),
 * GEOM_RING_NOT_CLOSED (the first such ring), GEOM_TOO_FEW_POINTS (the first
 * non-empty ring of 1 to 3 points), then GEOS's validity test:
 * GEOM_SELF_INTERSECTION ("Self-intersection", "Ring Self-intersection") or
 * GEOM_INVALID (any other reason; also WKB that is malformed or not a
 * POLYGON/MULTIPOLYGON, NaN or infinite coordinates, holes with an empty
 * shell). When the condition that holds first belongs to a disabled rule,
 * nothing is reported and the parcel still counts as invalid: switching a
 * rule off never makes another one fire. Rings are numbered from 1 (ring 1
 * is the shell), polygons of a MULTIPOLYGON from 1.
 * Then, independently: GEOM_ZERO_AREA (valid, area <= zero_area; x/y a point
 * on it), GEOM_DUPLICATE_VERTEX (any parcel whose rings could be read, valid
 * or not), SLIVER (valid), OUTSIDE_COMMUNE (participating, see below).
 *
 * A collinear ring such as POLYGON((0 0, 10 0, 20 0, 0 0)) is what GEOS says
 * it is, GEOM_SELF_INTERSECTION at (10 0), and not GEOM_ZERO_AREA, which is
 * for valid polygons only (GEOS's own test suite classifies it so).
 *
 * Only valid parcels with area > zero_area take part in OVERLAP,
 * GEOM_DUPLICATE, GAP and OUTSIDE_COMMUNE, whichever rules are enabled.
 *
 * GAP: a hole of a sheet is a bounded part of the plane that none of the
 * sheet's parcels covers (a connected part: two holes that touch at a corner
 * are two). For a hole bounded by one polygon of the sheet's union this is
 * exactly that polygon's interior ring; an island parcel inside the ring is
 * cut out of the hole (value = uncovered area, area_wkb a polygon with the
 * island as its hole) and borders it like the parcels around it; a pocket
 * closed by parcels that only touch each other at corners is a hole too.
 */
#ifndef TD_TOPOLOGY_H
#define TD_TOPOLOGY_H

#include "error.h"
#include "rules.h"

#include <geos_c.h>
#include <stddef.h>

typedef struct td_topo_parcel {
	/* WKB (ISO or EWKB, either byte order) of a POLYGON or MULTIPOLYGON; NULL: the parcel has no geometry */
	const unsigned char *wkb;
	size_t wkb_len;
	long sheet; /* parcels of one sheet form one coverage (for GAP) */
} td_topo_parcel;

typedef struct td_topo_settings {
	int enabled[TD_RULE_COUNT]; /* non-zero: evaluate this rule (others are skipped entirely, no cost) */
	double zero_area;           /* m²; GEOM_ZERO_AREA when area <= this (default 0.01) */
	double overlap_min_area;    /* m²; OVERLAP only when the overlap area > this (default 0.5) */
	double gap_min_area;        /* m²; GAP only when the hole area > this (default 1.0) */
	double sliver_max_thinness; /* SLIVER when 4πA/P² < this ... (default 0.1) */
	double sliver_max_area;     /* ... and A < this m² (default 50) */
	double outside_min_area;    /* m²; OUTSIDE_COMMUNE when the area outside the boundary > this (default 0.5) */
} td_topo_settings;

/* All rules enabled; tolerances from the rule catalogue's defaults (td_rule_settings_init). */
void td_topo_settings_init(td_topo_settings *s);

/* Copy the tolerances of a rule profile (enabled[] is left as it is). */
void td_topo_settings_from_rules(td_topo_settings *s, const td_rule_settings *r);

typedef struct td_topo_defect {
	td_rule_id rule;
	size_t parcel;           /* index into the input array */
	size_t other;            /* second parcel's index, or TD_TOPO_NONE */
	double x, y;             /* a point on the defect (NAN, NAN for GEOM_MISSING) */
	double value, tolerance; /* measured value and its tolerance; NAN when not applicable */
	/* the overlap / gap / outside part as 2D little-endian WKB (valid only during the callback), or NULL */
	const unsigned char *area_wkb;
	size_t area_wkb_len;
	const char *detail; /* short English text for the message (valid only during the callback); never NULL */
} td_topo_defect;

#define TD_TOPO_NONE ((size_t)-1)

/* Return 0 to stop (the call then returns TD_ERR_CANCELLED). */
typedef int (*td_topo_fn)(const td_topo_defect *d, void *arg);

/*
 * Run the enabled geometry rules over one commune's parcels and call fn once
 * per defect.
 *
 * h:            the GEOS context; the only one used, so two threads with two
 *               contexts can analyse two communes at once
 * parcels, n:   the commune's parcels in key order (pair defects name the
 *               lower index first)
 * boundary_wkb: the commune's boundary (POLYGON or MULTIPOLYGON WKB), or NULL
 *               (or an empty geometry): OUTSIDE_COMMUNE is then skipped; a
 *               boundary that cannot be read or is not valid is TD_ERR_INPUT
 * s:            the rules and tolerances; NULL means td_topo_settings_init()'s
 * fn, arg:      the defect callback; return 0 from it to stop
 *
 * Defects come in a deterministic order: first all per-parcel defects by
 * parcel index, then rule order of td_rule_id; then OVERLAP, GEOM_DUPLICATE
 * and GAP sorted by (parcel, other, rule), a GAP with one neighbour
 * (other == TD_TOPO_NONE) after the pairs of its parcel, and GAPs with the
 * same (parcel, other) by x, then y.
 *
 * OVERLAP: parcels i < j whose intersection area > overlap_min_area, across
 * the whole commune (not only within a sheet); x/y a point on the
 * intersection. GEOM_DUPLICATE instead when that area is within 1e-6
 * (relative) of both parcels' areas: value = parcel i's area, tolerance
 * NAN, area_wkb NULL, x/y a point on parcel i.
 * GAP: each hole (see above) of area > gap_min_area; parcel and other are
 * the two parcels of the sheet whose edges run longest along its boundary
 * (an edge within 0.1 mm of it counts; lengths within 1 µm tie, and the
 * lower index wins); x/y a point on the hole.
 * OUTSIDE_COMMUNE: the part of a parcel outside the boundary, when its area
 * > outside_min_area; x/y a point on that part.
 *
 * Everything allocated is freed before returning. Returns TD_OK,
 * TD_ERR_USAGE (NULL h or parcels), TD_ERR_INPUT (bad boundary),
 * TD_ERR_NOMEM, TD_ERR_INTERNAL (a GEOS operation failed) or
 * TD_ERR_CANCELLED.
 */
td_status td_topo_analyse(GEOSContextHandle_t h, const td_topo_parcel *parcels, size_t n,
			  const unsigned char *boundary_wkb, size_t boundary_len, const td_topo_settings *s,
			  td_topo_fn fn, void *arg, td_error *err);

#endif
