#include "topology.h"
#include "grow.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative difference under which an intersection is the whole of both parcels (GEOM_DUPLICATE). */
#define DUP_REL 1e-6
/* Metres: a parcel edge this close to a gap's edge borders the gap. Coordinates are kept to the mm. */
#define EDGE_TOL 1e-4
/* Metres: shared lengths this close to each other are a tie. */
#define TIE_TOL 1e-6
/* Above this many shell vertices in a pair, the separating-edge test costs more than GEOS's indexes. */
#define SEPARATE_MAX 256
/* Grid size for the snap-rounding retry when a floating-point overlay fails. */
#define RETRY_GRID 1e-6

void td_topo_settings_from_rules(td_topo_settings *s, const td_rule_settings *r)
{
	s->zero_area = r->zero_area;
	s->overlap_min_area = r->overlap_min_area;
	s->gap_min_area = r->gap_min_area;
	s->sliver_max_thinness = r->sliver_max_thinness;
	s->sliver_max_area = r->sliver_max_area;
	s->outside_min_area = r->outside_min_area;
}

void td_topo_settings_init(td_topo_settings *s)
{
	td_rule_settings defaults;

	td_rule_settings_init(&defaults);
	td_topo_settings_from_rules(s, &defaults);
	for (int i = 0; i < TD_RULE_COUNT; i++)
		s->enabled[i] = 1;
}

/* One ring of a decoded parcel: n points (x, y pairs) from xy[2 * off]. */
typedef struct ring {
	size_t off;
	size_t n;
	unsigned poly;  /* the parcel's polygon, from 0 */
	unsigned index; /* 0: the shell */
} ring;

/* A parcel as the rules see it. Coordinates are kept for participating parcels only. */
typedef struct member {
	GEOSGeometry *g;                  /* participating parcels, while pair or gap rules need it */
	const GEOSPreparedGeometry *prep; /* made on the first candidate pair */
	size_t ring0, nrings;             /* into topo.rings */
	double area;
	double minx, miny, maxx, maxy;
	int part; /* valid with area > zero_area: takes part in OVERLAP, GEOM_DUPLICATE, GAP, OUTSIDE_COMMUNE */
} member;

/* A directed edge in the table that cancels shared edges (GAP). */
typedef struct edge {
	double ax, ay, bx, by;
	size_t count; /* parcels with this edge, less those with the reverse edge */
	int used;
} edge;

typedef struct gap {
	size_t parcel, other;
	double x, y, value;
	GEOSGeometry *hole;
} gap;

/* One td_topo_analyse() call: everything it allocates, freed in one place. */
typedef struct topo {
	GEOSContextHandle_t h;
	const td_topo_parcel *in;
	size_t n;
	const td_topo_settings *s;
	td_topo_fn fn;
	void *arg;
	td_error *err;
	member *m;
	double *xy; /* points of the decoded rings, as x, y pairs */
	size_t nxy, xy_cap;
	ring *rings;
	size_t nrings, rings_cap;
	GEOSGeometry **gp; /* scratch: rings of one parcel, parts of one sheet */
	size_t gp_cap;
	size_t *cand; /* STRtree query result */
	size_t ncand, cand_cap;
	int cand_nomem;
	edge *edges; /* one sheet's edges, open addressing */
	size_t edges_cap;
	double *lens; /* GAP: shared lengths of the candidates */
	size_t lens_cap;
	double *buf; /* a gap's coordinates */
	size_t buf_cap;
	gap *gaps;
	size_t ngaps, gaps_cap, gaps_sent;
	GEOSSTRtree *tree;
	GEOSGeometry *boundary;
	const GEOSPreparedGeometry *boundary_prep;
	GEOSWKBWriter *writer;
	char detail[256];
} topo;

static td_status nomem(topo *t)
{
	return td_error_set(t->err, TD_ERR_NOMEM, "out of memory analysing the geometry of %zu parcels", t->n);
}

/* Report one defect if its rule is enabled. part: the overlap / gap / outside area, or NULL. */
static td_status emit(topo *t, td_rule_id rule, size_t parcel, size_t other, double x, double y, double value,
		      double tolerance, const GEOSGeometry *part, const char *detail)
{
	td_topo_defect d = {.rule = rule,
			    .parcel = parcel,
			    .other = other,
			    .x = x,
			    .y = y,
			    .value = value,
			    .tolerance = tolerance,
			    .detail = detail ? detail : ""};
	unsigned char *wkb = NULL;
	int go;

	if (!t->s->enabled[rule] || !t->fn)
		return TD_OK;
	if (part) {
		if (!t->writer) {
			t->writer = GEOSWKBWriter_create_r(t->h);
			if (!t->writer)
				return nomem(t);
			GEOSWKBWriter_setOutputDimension_r(t->h, t->writer, 2);
			GEOSWKBWriter_setByteOrder_r(t->h, t->writer, GEOS_WKB_NDR);
			GEOSWKBWriter_setFlavor_r(t->h, t->writer, GEOS_WKB_ISO);
		}
		wkb = GEOSWKBWriter_write_r(t->h, t->writer, part, &d.area_wkb_len);
		if (!wkb)
			return td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot write the defect area of parcel %zu",
					    parcel);
		d.area_wkb = wkb;
	}
	go = t->fn(&d, t->arg);
	GEOSFree_r(t->h, wkb);
	return go ? TD_OK : td_error_set(t->err, TD_ERR_CANCELLED, "cancelled");
}

/* A point inside g (NAN, NAN if GEOS cannot find one). */
static void surface_point(GEOSContextHandle_t h, const GEOSGeometry *g, double *x, double *y)
{
	GEOSGeometry *p = GEOSPointOnSurface_r(h, g);

	*x = *y = NAN;
	if (p && (GEOSGeomGetX_r(h, p, x) != 1 || GEOSGeomGetY_r(h, p, y) != 1))
		*x = *y = NAN;
	GEOSGeom_destroy_r(h, p);
}

/*
 * The polygons of an overlay result (lines and points where the operands
 * only touch are dropped). Takes g; NULL when out of memory.
 */
static GEOSGeometry *polygonal(GEOSContextHandle_t h, GEOSGeometry *g)
{
	int type = GEOSGeomTypeId_r(h, g);
	int n = GEOSGetNumGeometries_r(h, g), k = 0;
	GEOSGeometry **parts, *out;

	if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON || n < 0)
		return g;
	parts = malloc(((size_t)n + 1) * sizeof(*parts));
	if (!parts) {
		GEOSGeom_destroy_r(h, g);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		const GEOSGeometry *c = GEOSGetGeometryN_r(h, g, i);
		if (GEOSGeomTypeId_r(h, c) == GEOS_POLYGON && (parts[k] = GEOSGeom_clone_r(h, c)) != NULL)
			k++;
	}
	GEOSGeom_destroy_r(h, g);
	if (k == 1)
		out = parts[0];
	else
		out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k);
	free(parts);
	return out;
}

/* An overlay with a snap-rounding retry, as OverlayNG's own fallbacks can still give up on nearly coincident edges. */
static GEOSGeometry *overlay(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b, int difference)
{
	GEOSGeometry *r = difference ? GEOSDifference_r(h, a, b) : GEOSIntersection_r(h, a, b);

	if (!r)
		r = difference ? GEOSDifferencePrec_r(h, a, b, RETRY_GRID)
			       : GEOSIntersectionPrec_r(h, a, b, RETRY_GRID);
	return r;
}

/* ---- Reading WKB rings ourselves: GEOS refuses unclosed rings before we could name them. ---- */

typedef struct reader {
	const unsigned char *p;
	size_t len, pos;
} reader;

static int read_u32(reader *r, int big, uint32_t *v)
{
	const unsigned char *b = r->p + r->pos;

	if (r->len - r->pos < 4)
		return 0;
	r->pos += 4;
	if (big)
		*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	else
		*v = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
	return 1;
}

static double f64_at(const unsigned char *b, int big)
{
	uint64_t u = 0;
	double d;

	for (int i = 0; i < 8; i++)
		u = u << 8 | b[big ? i : 7 - i];
	memcpy(&d, &u, sizeof(d));
	return d;
}

/*
 * The byte order and type of the geometry at r's position; dims: ordinates
 * per point. ISO (1003, 2003, 3003) and EWKB (flag bits, SRID) both read.
 * Returns NULL or why the WKB is malformed.
 */
static const char *read_header(reader *r, int *big, uint32_t *type, unsigned *dims)
{
	uint32_t t, srid;
	int z, m;

	if (r->pos >= r->len)
		return "truncated";
	if (r->p[r->pos] > 1)
		return "bad byte-order mark";
	*big = r->p[r->pos++] == 0;
	if (!read_u32(r, *big, &t))
		return "truncated";
	z = (t & 0x80000000u) != 0;
	m = (t & 0x40000000u) != 0;
	if ((t & 0x20000000u) && !read_u32(r, *big, &srid))
		return "truncated";
	t &= 0x0fffffffu;
	switch (t / 1000) {
	case 0:
		break;
	case 1:
		z = 1;
		break;
	case 2:
		m = 1;
		break;
	case 3:
		z = m = 1;
		break;
	default:
		return "unknown geometry type";
	}
	*type = t % 1000;
	*dims = 2u + (unsigned)z + (unsigned)m;
	return NULL;
}

/* Append the rings of the POLYGON body at r's position (x, y only). NULL, or why the WKB is malformed. */
static const char *read_polygon(topo *t, reader *r, int big, unsigned dims, unsigned poly, int *oom)
{
	uint32_t nr, np;

	if (!read_u32(r, big, &nr) || nr > (r->len - r->pos) / 4)
		return "truncated";
	for (uint32_t k = 0; k < nr; k++) {
		ring *rg;
		if (!read_u32(r, big, &np) || np > (r->len - r->pos) / (8u * dims))
			return "truncated";
		if (!td_grow(&t->rings, &t->rings_cap, t->nrings + 1, sizeof(*t->rings)) ||
		    !td_grow(&t->xy, &t->xy_cap, 2 * (t->nxy + np), sizeof(*t->xy))) {
			*oom = 1;
			return "out of memory";
		}
		rg = &t->rings[t->nrings++];
		rg->off = t->nxy;
		rg->n = np;
		rg->poly = poly;
		rg->index = k;
		for (uint32_t i = 0; i < np; i++) {
			const unsigned char *b = r->p + r->pos + (size_t)i * 8u * dims;
			t->xy[2 * (t->nxy + i)] = f64_at(b, big);
			t->xy[2 * (t->nxy + i) + 1] = f64_at(b + 8, big);
		}
		r->pos += (size_t)np * 8u * dims;
		t->nxy += np;
	}
	return NULL;
}

/* What the rings say, before GEOS sees them. */
enum shape_kind {
	SHAPE_OK,
	SHAPE_EMPTY, /* GEOM_MISSING */
	SHAPE_OPEN,  /* GEOM_RING_NOT_CLOSED */
	SHAPE_SHORT, /* GEOM_TOO_FEW_POINTS */
	SHAPE_BAD    /* GEOM_INVALID: malformed WKB, not a polygon, NaN coordinates, holes without a shell */
};

typedef struct shape {
	enum shape_kind kind;
	int multi;
	int readable;           /* the rings were decoded (GEOM_DUPLICATE_VERTEX applies) */
	double x, y;            /* where the defect is */
	size_t dups;            /* vertices equal to the one before */
	double dup_x, dup_y;    /* the first of them */
	double area, perimeter; /* as a valid polygon's */
} shape;

static const char *type_name(uint32_t type)
{
	switch (type) {
	case 1:
		return "a POINT";
	case 2:
		return "a LINESTRING";
	case 4:
		return "a MULTIPOINT";
	case 5:
		return "a MULTILINESTRING";
	case 7:
		return "a GEOMETRYCOLLECTION";
	default:
		return "not a surface type";
	}
}

static int same(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* Twice the signed area of a closed ring, from its first point to keep precision at VN-2000 magnitudes. */
static double ring_area2(const double *p, size_t n)
{
	double s = 0;

	for (size_t i = 1; i + 1 < n; i++)
		s += (p[2 * i] - p[0]) * (p[2 * i + 3] - p[1]) - (p[2 * i + 2] - p[0]) * (p[2 * i + 1] - p[1]);
	return s;
}

/* Classify the decoded rings of m; sets t->detail for a defect. */
static void inspect(topo *t, member *m, shape *sh)
{
	const ring *open = NULL, *few = NULL, *hollow = NULL;
	size_t npoints = 0;
	int finite = 1, shell_empty = 0;

	m->minx = m->miny = INFINITY;
	m->maxx = m->maxy = -INFINITY;
	for (size_t k = m->ring0; k < m->ring0 + m->nrings; k++) {
		const ring *rg = &t->rings[k];
		const double *p = t->xy + 2 * rg->off;
		size_t n = rg->n;
		double a;

		npoints += n;
		if (rg->index == 0)
			shell_empty = n == 0;
		else if (n > 0 && shell_empty && !hollow)
			hollow = rg;
		if (n >= 2 && !open && !(same(p[0], p[2 * n - 2]) && same(p[1], p[2 * n - 1])))
			open = rg;
		if (n >= 1 && n < 4 && !few)
			few = rg;
		for (size_t i = 0; i < n; i++) {
			double x = p[2 * i], y = p[2 * i + 1];
			if (!isfinite(x) || !isfinite(y)) {
				finite = 0;
				continue;
			}
			m->minx = fmin(m->minx, x);
			m->maxx = fmax(m->maxx, x);
			m->miny = fmin(m->miny, y);
			m->maxy = fmax(m->maxy, y);
			if (i > 0 && x == p[2 * i - 2] && y == p[2 * i - 1] && sh->dups++ == 0) {
				sh->dup_x = x;
				sh->dup_y = y;
			}
			if (i > 0)
				sh->perimeter += hypot(x - p[2 * i - 2], y - p[2 * i - 1]);
		}
		a = fabs(ring_area2(p, n)) / 2;
		sh->area += rg->index == 0 ? a : -a;
	}
	sh->readable = 1;
	if (npoints == 0) {
		sh->kind = SHAPE_EMPTY;
	} else if (open) {
		sh->kind = SHAPE_OPEN;
		sh->x = t->xy[2 * open->off];
		sh->y = t->xy[2 * open->off + 1];
		snprintf(t->detail, sizeof(t->detail), "ring %u of polygon %u is not closed", open->index + 1,
			 open->poly + 1);
	} else if (few) {
		sh->kind = SHAPE_SHORT;
		sh->x = t->xy[2 * few->off];
		sh->y = t->xy[2 * few->off + 1];
		if (sh->multi)
			snprintf(t->detail, sizeof(t->detail), "ring %u of polygon %u has %zu points", few->index + 1,
				 few->poly + 1, few->n);
		else
			snprintf(t->detail, sizeof(t->detail), "ring %u has %zu points", few->index + 1, few->n);
	} else if (!finite) {
		sh->kind = SHAPE_BAD;
		snprintf(t->detail, sizeof(t->detail), "Invalid Coordinate");
	} else if (hollow) {
		sh->kind = SHAPE_BAD;
		sh->x = t->xy[2 * hollow->off];
		sh->y = t->xy[2 * hollow->off + 1];
		snprintf(t->detail, sizeof(t->detail), "polygon %u has holes but an empty shell", hollow->poly + 1);
	}
}

/* Decode parcel p's rings into t (m->ring0, m->nrings) and classify them. */
static td_status decode(topo *t, const td_topo_parcel *p, member *m, shape *sh)
{
	reader r = {p->wkb, p->wkb_len, 0};
	const char *why = NULL;
	int big, oom = 0;
	uint32_t type, npolys;
	unsigned dims;

	memset(sh, 0, sizeof(*sh));
	sh->x = sh->y = sh->dup_x = sh->dup_y = NAN;
	m->ring0 = t->nrings;
	m->nrings = 0;
	if (!p->wkb || p->wkb_len == 0) {
		sh->kind = SHAPE_EMPTY;
		snprintf(t->detail, sizeof(t->detail), "no geometry");
		return TD_OK;
	}
	why = read_header(&r, &big, &type, &dims);
	if (!why && type == 3) {
		why = read_polygon(t, &r, big, dims, 0, &oom);
	} else if (!why && type == 6) {
		sh->multi = 1;
		if (!read_u32(&r, big, &npolys) || npolys > (r.len - r.pos) / 9)
			why = "truncated";
		for (uint32_t k = 0; !why && k < npolys; k++) {
			uint32_t ptype;
			why = read_header(&r, &big, &ptype, &dims);
			if (!why && ptype != 3)
				why = "a MULTIPOLYGON member is not a POLYGON";
			if (!why)
				why = read_polygon(t, &r, big, dims, k, &oom);
		}
	} else if (!why) {
		sh->kind = SHAPE_BAD;
		snprintf(t->detail, sizeof(t->detail), "%s, not a polygon", type_name(type));
		return TD_OK;
	}
	if (oom)
		return nomem(t);
	m->nrings = t->nrings - m->ring0;
	if (why) {
		sh->kind = SHAPE_BAD;
		snprintf(t->detail, sizeof(t->detail), "malformed WKB: %s", why);
		return TD_OK;
	}
	inspect(t, m, sh);
	if (sh->kind == SHAPE_EMPTY)
		snprintf(t->detail, sizeof(t->detail), "empty geometry");
	return TD_OK;
}

/* ---- GEOS geometry from the decoded rings ---- */

static GEOSGeometry *make_ring(topo *t, const ring *rg)
{
	GEOSCoordSequence *cs = rg->n ? GEOSCoordSeq_copyFromBuffer_r(t->h, t->xy + 2 * rg->off, (unsigned)rg->n, 0, 0)
				      : GEOSCoordSeq_create_r(t->h, 0, 2);

	return cs ? GEOSGeom_createLinearRing_r(t->h, cs) : NULL;
}

/* The parcel as a GEOS Polygon or MultiPolygon; NULL if GEOS cannot build it. */
static GEOSGeometry *build(topo *t, const member *m, int multi)
{
	size_t k = m->ring0, end = m->ring0 + m->nrings, np = 0;
	GEOSGeometry **polys, **holes;

	if (!td_grow(&t->gp, &t->gp_cap, 2 * m->nrings + 1, sizeof(*t->gp)))
		return NULL;
	polys = t->gp;
	holes = t->gp + m->nrings + 1;
	while (k < end) {
		size_t first = k, nh = 0;
		GEOSGeometry *shell = NULL;
		int ok = 1;

		while (k < end && t->rings[k].poly == t->rings[first].poly)
			k++;
		if (t->rings[first].n == 0) {
			/* inspect() let through only empty holes with an empty shell */
			polys[np] = GEOSGeom_createEmptyPolygon_r(t->h);
		} else {
			shell = make_ring(t, &t->rings[first]);
			ok = shell != NULL;
			for (size_t r = first + 1; ok && r < k; r++) {
				holes[nh] = make_ring(t, &t->rings[r]);
				ok = holes[nh++] != NULL;
			}
			if (!ok) {
				GEOSGeom_destroy_r(t->h, shell);
				for (size_t r = 0; r < nh; r++)
					GEOSGeom_destroy_r(t->h, holes[r]);
				polys[np] = NULL;
			} else {
				polys[np] = GEOSGeom_createPolygon_r(t->h, shell, holes, (unsigned)nh);
			}
		}
		if (!polys[np]) {
			for (size_t r = 0; r < np; r++)
				GEOSGeom_destroy_r(t->h, polys[r]);
			return NULL;
		}
		np++;
	}
	if (!multi && np == 1)
		return polys[0];
	return GEOSGeom_createCollection_r(t->h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
}

static int self_intersection(const char *reason)
{
	return reason && (strcmp(reason, "Self-intersection") == 0 || strcmp(reason, "Ring Self-intersection") == 0);
}

/* OUTSIDE_COMMUNE for a participating parcel. */
static td_status outside(topo *t, size_t i, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = t->h;
	GEOSGeometry *diff;
	char covered = GEOSPreparedCovers_r(h, t->boundary_prep, g);
	double area = 0, x, y;
	td_status rc = TD_OK;

	if (covered == 1)
		return TD_OK;
	if (covered == 2 || !(diff = overlay(h, g, t->boundary, 1)) || !GEOSArea_r(h, diff, &area))
		return td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot cut parcel %zu by the commune boundary", i);
	if (area > t->s->outside_min_area) {
		diff = polygonal(h, diff);
		if (!diff)
			return nomem(t);
		surface_point(h, diff, &x, &y);
		snprintf(t->detail, sizeof(t->detail), "%.2f m² outside the commune boundary", area);
		rc = emit(t, TD_RULE_OUTSIDE_COMMUNE, i, TD_TOPO_NONE, x, y, area, t->s->outside_min_area, diff,
			  t->detail);
	}
	GEOSGeom_destroy_r(h, diff);
	return rc;
}

/*
 * Every per-parcel rule for parcel i, in rule order. keep: pair or gap rules
 * follow, so a participating parcel keeps its geometry and coordinates.
 */
static td_status analyse_parcel(topo *t, size_t i, int need_geos, int keep)
{
	GEOSContextHandle_t h = t->h;
	const td_topo_settings *s = t->s;
	member *m = &t->m[i];
	size_t nxy0 = t->nxy, nrings0 = t->nrings;
	GEOSGeometry *g = NULL, *where = NULL;
	char *reason = NULL;
	int valid = 0;
	double x = NAN, y = NAN;
	shape sh;
	td_status rc;

	rc = decode(t, &t->in[i], m, &sh);
	if (rc != TD_OK)
		goto done;
	switch (sh.kind) {
	case SHAPE_EMPTY:
		/* nothing else can be said about a parcel without geometry */
		rc = emit(t, TD_RULE_GEOM_MISSING, i, TD_TOPO_NONE, NAN, NAN, NAN, NAN, NULL, t->detail);
		goto done;
	case SHAPE_OPEN:
		rc = emit(t, TD_RULE_GEOM_RING_NOT_CLOSED, i, TD_TOPO_NONE, sh.x, sh.y, NAN, NAN, NULL, t->detail);
		break;
	case SHAPE_SHORT:
		rc = emit(t, TD_RULE_GEOM_TOO_FEW_POINTS, i, TD_TOPO_NONE, sh.x, sh.y, NAN, NAN, NULL, t->detail);
		break;
	case SHAPE_BAD:
		rc = emit(t, TD_RULE_GEOM_INVALID, i, TD_TOPO_NONE, sh.x, sh.y, NAN, NAN, NULL, t->detail);
		break;
	case SHAPE_OK:
		if (!need_geos)
			break;
		g = build(t, m, sh.multi);
		if (!g) {
			rc = emit(t, TD_RULE_GEOM_INVALID, i, TD_TOPO_NONE, t->xy[2 * nxy0], t->xy[2 * nxy0 + 1], NAN,
				  NAN, NULL, "GEOS cannot build the polygon");
			break;
		}
		switch (GEOSisValidDetail_r(h, g, 0, &reason, &where)) {
		case 1:
			valid = 1;
			break;
		case 0:
			if (!where || GEOSGeomGetX_r(h, where, &x) != 1 || GEOSGeomGetY_r(h, where, &y) != 1)
				x = y = NAN;
			rc = emit(t, self_intersection(reason) ? TD_RULE_GEOM_SELF_INTERSECTION : TD_RULE_GEOM_INVALID,
				  i, TD_TOPO_NONE, x, y, NAN, NAN, NULL, reason ? reason : "not valid");
			break;
		default:
			rc = td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot test the validity of parcel %zu", i);
			goto done;
		}
		break;
	}
	if (rc != TD_OK)
		goto done;
	if (valid && sh.area <= s->zero_area) {
		surface_point(h, g, &x, &y);
		snprintf(t->detail, sizeof(t->detail), "area %.4g m²", sh.area);
		rc = emit(t, TD_RULE_GEOM_ZERO_AREA, i, TD_TOPO_NONE, x, y, sh.area, s->zero_area, NULL, t->detail);
		if (rc != TD_OK)
			goto done;
	}
	if (sh.readable && sh.dups > 0) {
		snprintf(t->detail, sizeof(t->detail), "%zu repeated %s", sh.dups,
			 sh.dups == 1 ? "vertex" : "vertices");
		rc = emit(t, TD_RULE_GEOM_DUPLICATE_VERTEX, i, TD_TOPO_NONE, sh.dup_x, sh.dup_y, (double)sh.dups, NAN,
			  NULL, t->detail);
		if (rc != TD_OK)
			goto done;
	}
	if (valid && s->enabled[TD_RULE_SLIVER] && sh.perimeter > 0) {
		double thin = 4 * M_PI * sh.area / (sh.perimeter * sh.perimeter);
		if (thin < s->sliver_max_thinness && sh.area < s->sliver_max_area) {
			surface_point(h, g, &x, &y);
			snprintf(t->detail, sizeof(t->detail), "thinness 4πA/P² = %.3f, area %.2f m²", thin, sh.area);
			rc = emit(t, TD_RULE_SLIVER, i, TD_TOPO_NONE, x, y, thin, s->sliver_max_thinness, NULL,
				  t->detail);
			if (rc != TD_OK)
				goto done;
		}
	}
	m->part = valid && sh.area > s->zero_area;
	m->area = sh.area;
	if (m->part && t->boundary_prep) {
		rc = outside(t, i, g);
		if (rc != TD_OK)
			goto done;
	}
	if (m->part && keep) {
		m->g = g;
		g = NULL;
	}
done:
	if (!m->g) {
		/* only participating parcels keep their coordinates */
		t->nxy = nxy0;
		t->nrings = nrings0;
		m->nrings = 0;
	}
	GEOSFree_r(h, reason);
	GEOSGeom_destroy_r(h, where);
	GEOSGeom_destroy_r(h, g);
	return rc;
}

/* ---- Pairs: OVERLAP and GEOM_DUPLICATE ---- */

static void collect(void *item, void *arg)
{
	topo *t = arg;

	if (t->cand_nomem)
		return;
	if (!td_grow(&t->cand, &t->cand_cap, t->ncand + 1, sizeof(*t->cand))) {
		t->cand_nomem = 1;
		return;
	}
	t->cand[t->ncand++] = (size_t)((member *)item - t->m);
}

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* The parcels whose envelopes meet g's, ascending. */
static td_status query(topo *t, const GEOSGeometry *g)
{
	t->ncand = 0;
	GEOSSTRtree_query_r(t->h, t->tree, g, collect, t);
	if (t->cand_nomem)
		return nomem(t);
	if (t->ncand > 1)
		qsort(t->cand, t->ncand, sizeof(*t->cand), by_index);
	return TD_OK;
}

/*
 * Which sides of the line through (px, py) in direction (dx, dy) m's shell
 * points lie on: bit 1 left, bit 2 right (points on the line count for neither).
 */
static int sides(const topo *t, const member *m, double px, double py, double dx, double dy)
{
	int mask = 0;

	for (size_t k = m->ring0; k < m->ring0 + m->nrings && mask != 3; k++) {
		const ring *rg = &t->rings[k];
		const double *p = t->xy + 2 * rg->off;
		if (rg->index != 0)
			continue;
		for (size_t i = 0; i < rg->n && mask != 3; i++) {
			double c = dx * (p[2 * i + 1] - py) - dy * (p[2 * i] - px);
			mask |= c > 0 ? 1 : c < 0 ? 2 : 0;
		}
	}
	return mask;
}

/* Whether the line through an edge of e's shells has a on one side and b on the other. */
static int split_by_edge(const topo *t, const member *e, const member *a, const member *b)
{
	for (size_t k = e->ring0; k < e->ring0 + e->nrings; k++) {
		const ring *rg = &t->rings[k];
		const double *p = t->xy + 2 * rg->off;
		if (rg->index != 0)
			continue;
		for (size_t i = 0; i + 1 < rg->n; i++) {
			double dx = p[2 * i + 2] - p[2 * i], dy = p[2 * i + 3] - p[2 * i + 1];
			int sa, sb;
			if (dx == 0 && dy == 0)
				continue;
			sa = sides(t, a, p[2 * i], p[2 * i + 1], dx, dy);
			if (sa != 1 && sa != 2)
				continue;
			sb = sides(t, b, p[2 * i], p[2 * i + 1], dx, dy);
			if ((sa & sb) == 0)
				return 1;
		}
	}
	return 0;
}

static size_t shell_points(const topo *t, const member *m)
{
	size_t n = 0;

	for (size_t k = m->ring0; k < m->ring0 + m->nrings; k++)
		if (t->rings[k].index == 0)
			n += t->rings[k].n;
	return n;
}

/*
 * A cheap proof that the interiors of a and b are disjoint: a line through
 * one of their edges with each wholly on its own side (touching allowed).
 * Neighbours on a map share edges, so this settles most pairs whose
 * envelopes overlap without asking GEOS. 0 means "may intersect".
 */
static int separated(const topo *t, const member *a, const member *b)
{
	if (shell_points(t, a) + shell_points(t, b) > SEPARATE_MAX)
		return 0;
	return split_by_edge(t, a, a, b) || split_by_edge(t, b, a, b);
}

static int gap_cmp(const void *pa, const void *pb)
{
	const gap *a = pa, *b = pb;

	if (a->parcel != b->parcel)
		return a->parcel < b->parcel ? -1 : 1;
	if (a->other != b->other)
		return a->other < b->other ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return (a->value > b->value) - (a->value < b->value);
}

/* Report the gaps that sort before (parcel, other, rule). */
static td_status send_gaps(topo *t, size_t parcel, size_t other, td_rule_id rule)
{
	td_status rc = TD_OK;

	while (rc == TD_OK && t->gaps_sent < t->ngaps) {
		const gap *g = &t->gaps[t->gaps_sent];
		if (g->parcel > parcel || (g->parcel == parcel && g->other > other) ||
		    (g->parcel == parcel && g->other == other && TD_RULE_GAP >= rule))
			break;
		snprintf(t->detail, sizeof(t->detail), "gap of %.2f m² in the sheet", g->value);
		rc = emit(t, TD_RULE_GAP, g->parcel, g->other, g->x, g->y, g->value, t->s->gap_min_area, g->hole,
			  t->detail);
		t->gaps_sent++;
	}
	return rc;
}

/* OVERLAP or GEOM_DUPLICATE for the pair i < j. */
static td_status pair(topo *t, size_t i, size_t j)
{
	GEOSContextHandle_t h = t->h;
	const td_topo_settings *s = t->s;
	member *a = &t->m[i], *b = &t->m[j];
	const td_topo_parcel *pa = &t->in[i], *pb = &t->in[j];
	double w = fmin(a->maxx, b->maxx) - fmax(a->minx, b->minx);
	double ht = fmin(a->maxy, b->maxy) - fmax(a->miny, b->miny);
	int want_overlap = s->enabled[TD_RULE_OVERLAP], want_dup = s->enabled[TD_RULE_GEOM_DUPLICATE];
	GEOSGeometry *inter;
	double area = 0, x, y;
	char hit;
	td_status rc = TD_OK;

	assert(i < j && a->g && b->g);
	if (w <= 0 || ht <= 0)
		return TD_OK; /* the envelopes only touch */
	/* The intersection is no larger than the envelopes' intersection. */
	if (!(want_overlap && w * ht > s->overlap_min_area) &&
	    !(want_dup && w * ht >= (1 - 2 * DUP_REL) * fmax(a->area, b->area)))
		return TD_OK;
	if (pa->wkb_len == pb->wkb_len && memcmp(pa->wkb, pb->wkb, pa->wkb_len) == 0) {
		if (!want_dup)
			return TD_OK;
		rc = send_gaps(t, i, j, TD_RULE_GEOM_DUPLICATE);
		if (rc == TD_OK) {
			surface_point(h, a->g, &x, &y);
			rc = emit(t, TD_RULE_GEOM_DUPLICATE, i, j, x, y, a->area, NAN, NULL, "same geometry");
		}
		return rc;
	}
	if (separated(t, a, b))
		return TD_OK;
	if (!a->prep && !(a->prep = GEOSPrepare_r(h, a->g)))
		return td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot prepare parcel %zu", i);
	hit = GEOSPreparedIntersects_r(h, a->prep, b->g);
	if (hit == 0)
		return TD_OK;
	if (hit != 1 || !(inter = overlay(h, a->g, b->g, 0)))
		return td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot intersect parcels %zu and %zu", i, j);
	if (!GEOSArea_r(h, inter, &area)) {
		rc = td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot measure the overlap of parcels %zu and %zu", i,
				  j);
	} else if (fabs(area - a->area) <= DUP_REL * a->area && fabs(area - b->area) <= DUP_REL * b->area) {
		if (want_dup) {
			rc = send_gaps(t, i, j, TD_RULE_GEOM_DUPLICATE);
			surface_point(h, a->g, &x, &y);
			if (rc == TD_OK)
				rc = emit(t, TD_RULE_GEOM_DUPLICATE, i, j, x, y, a->area, NAN, NULL, "same geometry");
		}
	} else if (want_overlap && area > s->overlap_min_area) {
		rc = send_gaps(t, i, j, TD_RULE_OVERLAP);
		inter = polygonal(h, inter);
		if (!inter)
			return rc == TD_OK ? nomem(t) : rc;
		surface_point(h, inter, &x, &y);
		snprintf(t->detail, sizeof(t->detail), "overlap of %.2f m²", area);
		if (rc == TD_OK)
			rc = emit(t, TD_RULE_OVERLAP, i, j, x, y, area, s->overlap_min_area, inter, t->detail);
	}
	GEOSGeom_destroy_r(h, inter);
	return rc;
}

static td_status pairs(topo *t)
{
	td_status rc = TD_OK;

	for (size_t i = 0; rc == TD_OK && i < t->n; i++) {
		member *a = &t->m[i];
		if (!a->g)
			continue;
		rc = query(t, a->g);
		for (size_t k = 0; rc == TD_OK && k < t->ncand; k++)
			if (t->cand[k] > i)
				rc = pair(t, i, t->cand[k]);
		if (a->prep) {
			GEOSPreparedGeom_destroy_r(t->h, a->prep);
			a->prep = NULL;
		}
	}
	return rc;
}

/* ---- Gaps: holes in the union of a sheet ---- */

/* Length along the ring (xy, n points) that m's edges run within EDGE_TOL of. */
static double shared_length(const topo *t, const double *xy, size_t n, const member *m)
{
	double sum = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		double px = xy[2 * i], py = xy[2 * i + 1];
		double len = hypot(xy[2 * i + 2] - px, xy[2 * i + 3] - py), ux, uy;
		if (len == 0)
			continue;
		ux = (xy[2 * i + 2] - px) / len;
		uy = (xy[2 * i + 3] - py) / len;
		for (size_t k = m->ring0; k < m->ring0 + m->nrings; k++) {
			const ring *rg = &t->rings[k];
			const double *q = t->xy + 2 * rg->off;
			for (size_t e = 0; e + 1 < rg->n; e++) {
				double ax = q[2 * e] - px, ay = q[2 * e + 1] - py;
				double bx = q[2 * e + 2] - px, by = q[2 * e + 3] - py;
				double ta, tb, lo, hi;
				if (fabs(ux * ay - uy * ax) > EDGE_TOL || fabs(ux * by - uy * bx) > EDGE_TOL)
					continue;
				ta = ux * ax + uy * ay;
				tb = ux * bx + uy * by;
				lo = fmax(0, fmin(ta, tb));
				hi = fmin(len, fmax(ta, tb));
				if (hi > lo)
					sum += hi - lo;
			}
		}
	}
	return sum;
}

/* The points of hring (a LinearRing) into t->buf. */
static td_status ring_points(topo *t, const GEOSGeometry *hring, long sheet, size_t *n)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(t->h, hring);
	unsigned size = 0;

	if (!cs || !GEOSCoordSeq_getSize_r(t->h, cs, &size))
		return td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot read a gap in sheet %ld", sheet);
	if (!td_grow(&t->buf, &t->buf_cap, 2 * (size_t)size + 2, sizeof(*t->buf)))
		return nomem(t);
	if (size > 0 && !GEOSCoordSeq_copyToBuffer_r(t->h, cs, t->buf, 0, 0))
		return td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot read a gap in sheet %ld", sheet);
	*n = size;
	return TD_OK;
}

/*
 * Record a GAP for region (a Polygon of the sheet that no parcel covers,
 * island parcels cut out as holes; taken), named by the two parcels of the
 * sheet whose edges run longest along its boundary.
 */
static td_status add_gap(topo *t, GEOSGeometry *region, double area, double x, double y, long sheet)
{
	GEOSContextHandle_t h = t->h;
	size_t best = TD_TOPO_NONE, second = TD_TOPO_NONE, near = TD_TOPO_NONE;
	double best_len = 0, second_len = 0;
	int nrings = GEOSGetNumInteriorRings_r(h, region) + 1;
	gap *g;
	td_status rc;

	rc = query(t, region);
	if (rc == TD_OK && !td_grow(&t->lens, &t->lens_cap, t->ncand + 1, sizeof(*t->lens)))
		rc = nomem(t);
	for (size_t k = 0; rc == TD_OK && k < t->ncand; k++)
		t->lens[k] = 0;
	for (int r = 0; rc == TD_OK && r < nrings; r++) {
		const GEOSGeometry *hring =
			r == 0 ? GEOSGetExteriorRing_r(h, region) : GEOSGetInteriorRingN_r(h, region, r - 1);
		size_t n = 0;
		rc = hring ? ring_points(t, hring, sheet, &n)
			   : td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot read a gap in sheet %ld", sheet);
		for (size_t k = 0; rc == TD_OK && k < t->ncand; k++)
			if (t->in[t->cand[k]].sheet == sheet)
				t->lens[k] += shared_length(t, t->buf, n, &t->m[t->cand[k]]);
	}
	if (rc != TD_OK || !td_grow(&t->gaps, &t->gaps_cap, t->ngaps + 1, sizeof(*t->gaps))) {
		GEOSGeom_destroy_r(h, region);
		return rc != TD_OK ? rc : nomem(t);
	}
	for (size_t k = 0; k < t->ncand; k++) {
		size_t j = t->cand[k];
		double len = t->lens[k];
		if (t->in[j].sheet != sheet)
			continue;
		if (near == TD_TOPO_NONE)
			near = j;
		if (len <= EDGE_TOL)
			continue;
		if (best == TD_TOPO_NONE || len > best_len + TIE_TOL) {
			second = best;
			second_len = best_len;
			best = j;
			best_len = len;
		} else if (second == TD_TOPO_NONE || len > second_len + TIE_TOL) {
			second = j;
			second_len = len;
		}
	}
	g = &t->gaps[t->ngaps++];
	g->parcel = best != TD_TOPO_NONE ? best : near; /* rounding hid every shared edge: a parcel around it */
	g->other = second;
	g->value = area;
	g->x = x;
	g->y = y;
	g->hole = region;
	return TD_OK;
}

/*
 * The slow, general way, for when GEOS cannot polygonize: GEOS's union of
 * the sheet's parcels idx[0..k), cut out of a box around it; every part but
 * the one along the box's edge is a hole.
 */
static td_status union_gaps(topo *t, const size_t *idx, size_t k, long sheet)
{
	GEOSContextHandle_t h = t->h;
	GEOSGeometry *coll, *u, *box = NULL, *rest = NULL;
	double minx, miny, maxx, maxy;
	int np = -1;
	td_status rc = TD_OK;

	if (!td_grow(&t->gp, &t->gp_cap, k, sizeof(*t->gp)))
		return nomem(t);
	for (size_t q = 0; q < k; q++) {
		t->gp[q] = GEOSGeom_clone_r(h, t->m[idx[q]].g);
		if (!t->gp[q]) {
			while (q > 0)
				GEOSGeom_destroy_r(h, t->gp[--q]);
			return nomem(t);
		}
	}
	coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, t->gp, (unsigned)k);
	u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
	GEOSGeom_destroy_r(h, coll);
	if (u && GEOSGeom_getExtent_r(h, u, &minx, &miny, &maxx, &maxy))
		box = GEOSGeom_createRectangle_r(h, minx - 1, miny - 1, maxx + 1, maxy + 1);
	if (box)
		rest = overlay(h, box, u, 1);
	if (rest)
		np = GEOSGetNumGeometries_r(h, rest);
	if (np < 0)
		rc = td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot find the holes of sheet %ld", sheet);
	for (int p = 0; rc == TD_OK && p < np; p++) {
		const GEOSGeometry *part = GEOSGetGeometryN_r(h, rest, p);
		GEOSGeometry *region;
		double area = 0, x, y, px0, py0, px1, py1;
		if (GEOSGeomTypeId_r(h, part) != GEOS_POLYGON || !GEOSArea_r(h, part, &area) ||
		    area <= t->s->gap_min_area || !GEOSGeom_getExtent_r(h, part, &px0, &py0, &px1, &py1) ||
		    px0 <= minx - 1 || py0 <= miny - 1 || px1 >= maxx + 1 || py1 >= maxy + 1)
			continue;
		region = GEOSGeom_clone_r(h, part);
		if (!region) {
			rc = nomem(t);
			break;
		}
		surface_point(h, region, &x, &y);
		rc = add_gap(t, region, area, x, y, sheet);
	}
	GEOSGeom_destroy_r(h, rest);
	GEOSGeom_destroy_r(h, box);
	GEOSGeom_destroy_r(h, u);
	return rc;
}

static uint64_t mix(uint64_t hv, double d)
{
	uint64_t u;

	d += 0.0; /* -0 and +0 are one coordinate */
	memcpy(&u, &d, sizeof(u));
	hv ^= u + 0x9e3779b97f4a7c15ull + (hv << 6) + (hv >> 2);
	return hv;
}

/* The slot of directed edge a→b in the table (mask + 1 slots): its own, or the empty one where it would go. */
static edge *edge_slot(topo *t, size_t mask, double ax, double ay, double bx, double by)
{
	uint64_t hv = mix(mix(mix(mix(0, ax), ay), bx), by);

	hv ^= hv >> 33;
	hv *= 0xff51afd7ed558ccdull;
	hv ^= hv >> 33;
	for (size_t i = (size_t)hv & mask;; i = (i + 1) & mask) {
		edge *e = &t->edges[i];
		if (!e->used || (e->ax == ax && e->ay == ay && e->bx == bx && e->by == by))
			return e;
	}
}

/* Add directed edge a→b, cancelling it against b→a: an edge two parcels share leaves no trace. */
static void add_edge(topo *t, size_t mask, double ax, double ay, double bx, double by)
{
	edge *e = edge_slot(t, mask, bx, by, ax, ay);

	if (e->used && e->count > 0) {
		e->count--;
		return;
	}
	e = edge_slot(t, mask, ax, ay, bx, by);
	if (!e->used)
		*e = (edge){ax, ay, bx, by, 0, 1};
	e->count++;
}

/*
 * The faces of the edges where coverage may change: every parcel edge,
 * directed with the parcel on its left, cancels against the same edge in
 * the other direction; what is left (the sheet's outline, gaps, overlaps,
 * edges that do not match exactly) is small, and GEOS nodes and
 * polygonizes it. NULL when GEOS fails.
 */
static GEOSGeometry *coverage_faces(topo *t, const size_t *idx, size_t k, td_status *rc)
{
	GEOSContextHandle_t h = t->h;
	size_t nedges = 0, cap = 16, mask, nleft = 0;
	GEOSGeometry *lines, *noded, *faces;
	const GEOSGeometry *one[1];

	for (size_t q = 0; q < k; q++) {
		const member *m = &t->m[idx[q]];
		for (size_t r = m->ring0; r < m->ring0 + m->nrings; r++)
			nedges += t->rings[r].n;
	}
	while (cap < 2 * nedges + 2)
		cap *= 2;
	if (!td_grow(&t->edges, &t->edges_cap, cap, sizeof(*t->edges))) {
		*rc = nomem(t);
		return NULL;
	}
	memset(t->edges, 0, cap * sizeof(*t->edges));
	mask = cap - 1;
	for (size_t q = 0; q < k; q++) {
		const member *m = &t->m[idx[q]];
		for (size_t r = m->ring0; r < m->ring0 + m->nrings; r++) {
			const ring *rg = &t->rings[r];
			const double *p = t->xy + 2 * rg->off;
			double a2 = ring_area2(p, rg->n);
			int flip = rg->index == 0 ? a2 < 0 : a2 > 0; /* shells counter-clockwise, holes clockwise */
			for (size_t i = 0; i + 1 < rg->n; i++) {
				const double *a = p + 2 * i, *b = a + 2;
				if (a[0] == b[0] && a[1] == b[1])
					continue;
				if (flip)
					add_edge(t, mask, b[0], b[1], a[0], a[1]);
				else
					add_edge(t, mask, a[0], a[1], b[0], b[1]);
			}
		}
	}
	for (size_t i = 0; i < cap; i++)
		nleft += t->edges[i].count > 0;
	if (!td_grow(&t->gp, &t->gp_cap, nleft + 1, sizeof(*t->gp))) {
		*rc = nomem(t);
		return NULL;
	}
	nleft = 0;
	for (size_t i = 0; i < cap; i++) {
		const edge *e = &t->edges[i];
		double xy[4] = {e->ax, e->ay, e->bx, e->by};
		GEOSCoordSequence *cs;
		if (e->count == 0)
			continue;
		cs = GEOSCoordSeq_copyFromBuffer_r(h, xy, 2, 0, 0);
		t->gp[nleft] = cs ? GEOSGeom_createLineString_r(h, cs) : NULL;
		if (!t->gp[nleft]) {
			while (nleft > 0)
				GEOSGeom_destroy_r(h, t->gp[--nleft]);
			return NULL;
		}
		nleft++;
	}
	lines = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, t->gp, (unsigned)nleft);
	noded = lines ? GEOSUnaryUnion_r(h, lines) : NULL;
	GEOSGeom_destroy_r(h, lines);
	one[0] = noded;
	faces = noded ? GEOSPolygonize_r(h, one, 1) : NULL;
	GEOSGeom_destroy_r(h, noded);
	return faces;
}

/*
 * The gaps of one sheet (parcels idx[0..k), ascending): the bounded faces of
 * coverage_faces() that no parcel covers. No coverage edge crosses a face,
 * so one point of a face tells whether a parcel covers it all, and each
 * uncovered face is one hole of the sheet's union (one connected part of
 * it, islands cut out) with no overlay at all. Faces at or below
 * gap_min_area are not even looked at.
 */
static td_status sheet_gaps(topo *t, const size_t *idx, size_t k)
{
	GEOSContextHandle_t h = t->h;
	long sheet = t->in[idx[0]].sheet;
	GEOSGeometry *faces;
	int nf;
	td_status rc = TD_OK;

	faces = coverage_faces(t, idx, k, &rc);
	if (!faces)
		return rc == TD_OK ? union_gaps(t, idx, k, sheet) : rc;
	nf = GEOSGetNumGeometries_r(h, faces);
	for (int f = 0; rc == TD_OK && f < nf; f++) {
		const GEOSGeometry *face = GEOSGetGeometryN_r(h, faces, f);
		GEOSGeometry *p, *region;
		double area = 0, x, y;
		int covered = 0;

		if (!GEOSArea_r(h, face, &area) || area <= t->s->gap_min_area)
			continue;
		p = GEOSPointOnSurface_r(h, face);
		if (!p || GEOSGeomGetX_r(h, p, &x) != 1 || GEOSGeomGetY_r(h, p, &y) != 1) {
			GEOSGeom_destroy_r(h, p);
			rc = td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot find a point in a face of sheet %ld",
					  sheet);
			break;
		}
		rc = query(t, p);
		for (size_t c = 0; rc == TD_OK && !covered && c < t->ncand; c++) {
			size_t j = t->cand[c];
			covered = t->in[j].sheet == sheet && GEOSIntersects_r(h, t->m[j].g, p) == 1;
		}
		GEOSGeom_destroy_r(h, p);
		if (rc != TD_OK || covered)
			continue;
		region = GEOSGeom_clone_r(h, face);
		rc = region ? add_gap(t, region, area, x, y, sheet) : nomem(t);
	}
	GEOSGeom_destroy_r(h, faces);
	return rc;
}

typedef struct sheet_item {
	long sheet;
	size_t index;
} sheet_item;

static int by_sheet(const void *pa, const void *pb)
{
	const sheet_item *a = pa, *b = pb;

	if (a->sheet != b->sheet)
		return a->sheet < b->sheet ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

static td_status find_gaps(topo *t)
{
	sheet_item *it;
	size_t *idx;
	size_t k = 0;
	td_status rc = TD_OK;

	it = malloc((t->n ? t->n : 1) * sizeof(*it));
	idx = malloc((t->n ? t->n : 1) * sizeof(*idx));
	if (!it || !idx) {
		free(it);
		free(idx);
		return nomem(t);
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->m[i].g)
			it[k++] = (sheet_item){t->in[i].sheet, i};
	if (k > 1)
		qsort(it, k, sizeof(*it), by_sheet);
	for (size_t i = 0; i < k; i++)
		idx[i] = it[i].index;
	for (size_t a = 0, b; rc == TD_OK && a < k; a = b) {
		for (b = a; b < k && it[b].sheet == it[a].sheet;)
			b++;
		rc = sheet_gaps(t, idx + a, b - a);
	}
	free(idx);
	free(it);
	if (t->ngaps > 1)
		qsort(t->gaps, t->ngaps, sizeof(*t->gaps), gap_cmp);
	return rc;
}

/* ---- The commune boundary ---- */

static td_status load_boundary(topo *t, const unsigned char *wkb, size_t len)
{
	GEOSContextHandle_t h = t->h;
	GEOSWKBReader *r = GEOSWKBReader_create_r(h);
	GEOSGeometry *g = r ? GEOSWKBReader_read_r(h, r, wkb, len) : NULL, *where = NULL;
	char *reason = NULL;
	double x = NAN, y = NAN;
	int type;
	td_status rc = TD_OK;

	GEOSWKBReader_destroy_r(h, r);
	if (!g)
		return td_error_set(t->err, TD_ERR_INPUT, "cannot read the commune boundary: malformed WKB");
	type = GEOSGeomTypeId_r(h, g);
	if (GEOSisEmpty_r(h, g) == 1) {
		GEOSGeom_destroy_r(h, g); /* same as no boundary */
		return TD_OK;
	}
	if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
		char *name = GEOSGeomType_r(h, g);
		rc = td_error_set(t->err, TD_ERR_INPUT, "the commune boundary is a %s, not a polygon",
				  name ? name : "geometry");
		GEOSFree_r(h, name);
	} else {
		switch (GEOSisValidDetail_r(h, g, 0, &reason, &where)) {
		case 1:
			break;
		case 0:
			if (where) {
				GEOSGeomGetX_r(h, where, &x);
				GEOSGeomGetY_r(h, where, &y);
			}
			rc = td_error_set(t->err, TD_ERR_INPUT, "the commune boundary is not valid: %s at (%.3f %.3f)",
					  reason ? reason : "unknown reason", x, y);
			break;
		default:
			rc = td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot test the commune boundary");
		}
	}
	GEOSFree_r(h, reason);
	GEOSGeom_destroy_r(h, where);
	if (rc == TD_OK && !(t->boundary_prep = GEOSPrepare_r(h, g)))
		rc = td_error_set(t->err, TD_ERR_INTERNAL, "GEOS cannot prepare the commune boundary");
	if (rc == TD_OK)
		t->boundary = g;
	else
		GEOSGeom_destroy_r(h, g);
	return rc;
}

td_status td_topo_analyse(GEOSContextHandle_t h, const td_topo_parcel *parcels, size_t n,
			  const unsigned char *boundary_wkb, size_t boundary_len, const td_topo_settings *s,
			  td_topo_fn fn, void *arg, td_error *err)
{
	td_topo_settings defaults;
	topo t = {0};
	int pair_rules, keep, need_geos;
	td_status rc = TD_OK;

	if (!h || (!parcels && n > 0))
		return td_error_set(err, TD_ERR_USAGE, "td_topo_analyse: no GEOS context or no parcels");
	if (!s) {
		td_topo_settings_init(&defaults);
		s = &defaults;
	}
	t.h = h;
	t.in = parcels;
	t.n = n;
	t.s = s;
	t.fn = fn;
	t.arg = arg;
	t.err = err;
	pair_rules = s->enabled[TD_RULE_OVERLAP] || s->enabled[TD_RULE_GEOM_DUPLICATE];
	keep = pair_rules || s->enabled[TD_RULE_GAP];
	need_geos = keep || s->enabled[TD_RULE_GEOM_SELF_INTERSECTION] || s->enabled[TD_RULE_GEOM_INVALID] ||
		    s->enabled[TD_RULE_GEOM_ZERO_AREA] || s->enabled[TD_RULE_SLIVER] ||
		    (s->enabled[TD_RULE_OUTSIDE_COMMUNE] && boundary_wkb);
	t.m = calloc(n ? n : 1, sizeof(*t.m));
	if (!t.m) {
		rc = nomem(&t);
		goto done;
	}
	if (boundary_wkb && s->enabled[TD_RULE_OUTSIDE_COMMUNE]) {
		rc = load_boundary(&t, boundary_wkb, boundary_len);
		if (rc != TD_OK)
			goto done;
	}
	for (size_t i = 0; rc == TD_OK && i < n; i++)
		rc = analyse_parcel(&t, i, need_geos, keep);
	if (rc != TD_OK || !keep)
		goto done;
	t.tree = GEOSSTRtree_create_r(h, 10);
	if (!t.tree) {
		rc = nomem(&t);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (t.m[i].g)
			GEOSSTRtree_insert_r(h, t.tree, t.m[i].g, &t.m[i]);
	if (s->enabled[TD_RULE_GAP])
		rc = find_gaps(&t);
	if (rc == TD_OK && pair_rules)
		rc = pairs(&t);
	if (rc == TD_OK)
		rc = send_gaps(&t, TD_TOPO_NONE, TD_TOPO_NONE, TD_RULE_COUNT);
done:
	GEOSSTRtree_destroy_r(h, t.tree);
	for (size_t i = 0; t.m && i < n; i++) {
		GEOSPreparedGeom_destroy_r(h, t.m[i].prep);
		GEOSGeom_destroy_r(h, t.m[i].g);
	}
	for (size_t i = 0; i < t.ngaps; i++)
		GEOSGeom_destroy_r(h, t.gaps[i].hole);
	GEOSPreparedGeom_destroy_r(h, t.boundary_prep);
	GEOSGeom_destroy_r(h, t.boundary);
	GEOSWKBWriter_destroy_r(h, t.writer);
	free(t.gaps);
	free(t.edges);
	free(t.lens);
	free(t.buf);
	free(t.cand);
	free(t.gp);
	free(t.rings);
	free(t.xy);
	free(t.m);
	return rc;
}
