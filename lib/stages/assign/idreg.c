#include "idreg.h"
#include "crs.h"
#include "geohash.h"
#include "grow.h"
#include "labelpoint.h"

#include <geos_c.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

/* ---- one commune's parcels and active IDs ------------------------------- */

/* A parcel of the commune as it is now. */
struct cur {
	int64_t fid;
	long sheet, parcel;
	size_t geom, geom_len;   /* the parcels.geom blob in the arena; geom_len 0: none */
	size_t old_id, old_link; /* parcel_id and address_link as stored (arena text), NONE for NULL */
	size_t match;            /* the prev whose ID it keeps, NONE */
	int nparents;
	char id[TD_ID_MAX];
	GEOSGeometry *g; /* read (and made valid) on demand */
	double area;
	int state; /* 0 not read, 1 usable, -1 no usable geometry */
};

/* An active ID of the commune: the parcel it named at the last run. */
struct prev {
	char id[TD_ID_MAX];
	long sheet, parcel;
	size_t geom, geom_len;
	size_t match; /* the cur that keeps it, NONE */
	int nchildren;
	GEOSGeometry *g;
	double area;
	int state;
};

struct edge {
	size_t cur, prev;
};

struct assign {
	td_ws *ws;
	const td_id_settings *s;
	GEOSContextHandle_t h;
	GEOSWKBReader *reader;
	td_idreg_summary *sum;
	char commune[16];
	struct cur *cur;
	size_t ncur, capcur;
	struct prev *prev;
	size_t nprev, capprev;
	struct edge *edges;
	size_t nedges, capedges;
	unsigned char *arena;
	size_t arena_len, arena_cap;
	GEOSSTRtree *tree;
	size_t *cand; /* STRtree query result */
	size_t ncand, capcand;
	int cand_failed;
	td_crs_wgs84 wgs84; /* official scheme: the workspace zone to WGS 84 */
	sqlite3_stmt *q_exists, *q_cur, *q_prev, *q_seq, *ins_reg, *ins_par, *upd_par, *upd_reg_key, *ins_change,
		*ins_lineage, *retire, *del_par, *upd_parcel;
};

/* Copy n bytes (plus a NUL) into the arena; *off is where they start. */
static int arena_put(struct assign *a, const void *data, size_t n, size_t *off)
{
	if (!td_grow(&a->arena, &a->arena_cap, a->arena_len + n + 1, 1))
		return 0;
	*off = a->arena_len;
	if (n)
		memcpy(a->arena + a->arena_len, data, n);
	a->arena[a->arena_len + n] = '\0';
	a->arena_len += n + 1;
	return 1;
}

static const char *arena_text(const struct assign *a, size_t off)
{
	return off == NONE ? NULL : (const char *)a->arena + off;
}

static void commune_clear(struct assign *a)
{
	for (size_t i = 0; i < a->ncur; i++)
		GEOSGeom_destroy_r(a->h, a->cur[i].g);
	for (size_t i = 0; i < a->nprev; i++)
		GEOSGeom_destroy_r(a->h, a->prev[i].g);
	if (a->tree)
		GEOSSTRtree_destroy_r(a->h, a->tree);
	a->tree = NULL;
	a->ncur = a->nprev = a->nedges = a->arena_len = 0;
}

/* ---- geometry ------------------------------------------------------------ */

/* The WKB inside a GeoPackage geometry blob; NULL for an empty or malformed blob. */
static const unsigned char *gpkg_wkb(const unsigned char *b, size_t n, size_t *len)
{
	static const size_t envelope[] = {0, 32, 48, 48, 64};
	size_t head;
	int e;

	if (n < 8 || b[0] != 'G' || b[1] != 'P' || (b[3] & 0x10))
		return NULL;
	e = (b[3] >> 1) & 7;
	if (e > 4)
		return NULL;
	head = 8 + envelope[e];
	if (n <= head)
		return NULL;
	*len = n - head;
	return b + head;
}

/*
 * Read a blob into a GEOS geometry with an area. What GEOS cannot read, an
 * invalid polygon (a bow-tie: check reports it, and its area means
 * nothing) and a polygon without area are unusable (state -1): the key
 * alone decides for them, so a parcel whose drawing breaks or is repaired
 * keeps its ID.
 */
static void read_geom(struct assign *a, size_t off, size_t n, GEOSGeometry **g, double *area, int *state)
{
	const unsigned char *wkb;
	size_t len;

	if (*state)
		return;
	*state = -1;
	if (!n || !(wkb = gpkg_wkb(a->arena + off, n, &len)))
		return;
	*g = GEOSWKBReader_read_r(a->h, a->reader, wkb, len);
	if (*g && GEOSisValid_r(a->h, *g) == 1 && GEOSArea_r(a->h, *g, area) == 1 && *area > 0 && isfinite(*area))
		*state = 1;
}

static int cur_usable(struct assign *a, struct cur *c)
{
	read_geom(a, c->geom, c->geom_len, &c->g, &c->area, &c->state);
	return c->state == 1;
}

static int prev_usable(struct assign *a, struct prev *p)
{
	read_geom(a, p->geom, p->geom_len, &p->g, &p->area, &p->state);
	return p->state == 1;
}

/* area(a △ b) / the larger area; +inf when GEOS fails (then they are not the same). */
static double difference_ratio(struct assign *a, const GEOSGeometry *x, double ax, const GEOSGeometry *y, double ay)
{
	GEOSGeometry *d = GEOSSymDifference_r(a->h, x, y);
	double area = INFINITY;

	if (d && GEOSArea_r(a->h, d, &area) != 1)
		area = INFINITY;
	GEOSGeom_destroy_r(a->h, d);
	return area / (ax > ay ? ax : ay);
}

/* The overlap of two parcels as a share of the smaller; 0 when GEOS fails. */
static double overlap_share(struct assign *a, const GEOSGeometry *x, double ax, const GEOSGeometry *y, double ay)
{
	GEOSGeometry *i = GEOSIntersection_r(a->h, x, y);
	double area = 0;

	if (!i || GEOSArea_r(a->h, i, &area) != 1 || !isfinite(area))
		area = 0;
	GEOSGeom_destroy_r(a->h, i);
	return area / (ax < ay ? ax : ay);
}

static int same_bytes(const struct assign *a, const struct cur *c, const struct prev *p)
{
	return c->geom_len == p->geom_len &&
	       (c->geom_len == 0 || memcmp(a->arena + c->geom, a->arena + p->geom, c->geom_len) == 0);
}

static void collect(void *item, void *arg)
{
	struct assign *a = arg;

	if (!td_grow(&a->cand, &a->capcand, a->ncand + 1, sizeof(size_t))) {
		a->cand_failed = 1;
		return;
	}
	a->cand[a->ncand++] = (size_t)((const struct prev *)item - a->prev);
}

static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	return a < b ? -1 : a > b;
}

/* The prevs whose envelopes meet c's, ascending, into a->cand. */
static td_status candidates(struct assign *a, const struct cur *c, td_error *err)
{
	a->ncand = 0;
	a->cand_failed = 0;
	if (a->tree)
		GEOSSTRtree_query_r(a->h, a->tree, c->g, collect, a);
	if (a->cand_failed)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	if (a->ncand > 1)
		qsort(a->cand, a->ncand, sizeof(size_t), cmp_size);
	return TD_OK;
}

/* ---- matching ------------------------------------------------------------ */

static int key_cmp(long s1, long p1, long s2, long p2)
{
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	return p1 < p2 ? -1 : p1 > p2;
}

static void pair(struct assign *a, size_t ci, size_t pi)
{
	a->cur[ci].match = pi;
	a->prev[pi].match = ci;
}

/*
 * Step 1 for one key: the IDs and parcels that share it (usually one each;
 * more where keys are duplicated). Identical blobs pair first, then shapes
 * within the tolerance, or any pair where a side has no usable geometry.
 */
static void match_key(struct assign *a, size_t c0, size_t c1, size_t p0, size_t p1)
{
	for (size_t p = p0; p < p1; p++)
		for (size_t c = c0; c < c1 && a->prev[p].match == NONE; c++)
			if (a->cur[c].match == NONE && same_bytes(a, &a->cur[c], &a->prev[p]))
				pair(a, c, p);
	for (size_t p = p0; p < p1; p++)
		for (size_t c = c0; c < c1 && a->prev[p].match == NONE; c++) {
			struct cur *u = &a->cur[c];
			struct prev *v = &a->prev[p];
			if (u->match != NONE)
				continue;
			if (!cur_usable(a, u) || !prev_usable(a, v) ||
			    difference_ratio(a, v->g, v->area, u->g, u->area) <= a->s->match_tolerance)
				pair(a, c, p);
		}
}

static void match_keys(struct assign *a)
{
	size_t i = 0, j = 0;

	while (i < a->ncur && j < a->nprev) {
		int cmp = key_cmp(a->cur[i].sheet, a->cur[i].parcel, a->prev[j].sheet, a->prev[j].parcel);
		size_t i1 = i, j1 = j;
		if (cmp < 0) {
			i++;
			continue;
		}
		if (cmp > 0) {
			j++;
			continue;
		}
		while (i1 < a->ncur && a->cur[i1].sheet == a->cur[i].sheet && a->cur[i1].parcel == a->cur[i].parcel)
			i1++;
		while (j1 < a->nprev && a->prev[j1].sheet == a->prev[j].sheet &&
		       a->prev[j1].parcel == a->prev[j].parcel)
			j1++;
		match_key(a, i, i1, j, j1);
		i = i1;
		j = j1;
	}
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

struct hashed {
	uint64_t hash;
	size_t prev;
};

static int cmp_hashed(const void *x, const void *y)
{
	const struct hashed *a = x, *b = y;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return a->prev < b->prev ? -1 : a->prev > b->prev;
}

/*
 * Step 2a: a parcel left over whose blob is byte for byte that of an ID
 * left over (a renumbered sheet) keeps the ID. A sorted table of hashes
 * keeps this linear in the commune.
 */
static td_status match_moved_bytes(struct assign *a, td_error *err)
{
	struct hashed *t = NULL;
	size_t n = 0;

	for (size_t p = 0; p < a->nprev; p++)
		n += a->prev[p].match == NONE && a->prev[p].geom_len > 0;
	if (n == 0)
		return TD_OK;
	t = malloc(n * sizeof(*t));
	if (!t)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	n = 0;
	for (size_t p = 0; p < a->nprev; p++)
		if (a->prev[p].match == NONE && a->prev[p].geom_len > 0) {
			t[n].hash = fnv1a(a->arena + a->prev[p].geom, a->prev[p].geom_len);
			t[n++].prev = p;
		}
	qsort(t, n, sizeof(*t), cmp_hashed);
	for (size_t c = 0; c < a->ncur; c++) {
		struct cur *u = &a->cur[c];
		size_t lo = 0, hi = n;
		uint64_t h;
		if (u->match != NONE || u->geom_len == 0)
			continue;
		h = fnv1a(a->arena + u->geom, u->geom_len);
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (t[mid].hash < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && t[lo].hash == h && u->match == NONE; lo++)
			if (a->prev[t[lo].prev].match == NONE && same_bytes(a, u, &a->prev[t[lo].prev]))
				pair(a, c, t[lo].prev);
	}
	free(t);
	return TD_OK;
}

/*
 * An STRtree of every ID of the commune with usable geometry, for steps 2b
 * and 3; kept IDs are in it because a new parcel may have been cut from
 * one. Only built when a parcel is left over, so a run over unchanged data
 * never reads a geometry.
 */
static td_status build_tree(struct assign *a, td_error *err)
{
	int needed = 0;

	for (size_t c = 0; c < a->ncur && !needed; c++)
		needed = a->cur[c].match == NONE && a->cur[c].geom_len > 0;
	for (size_t p = 0; needed && p < a->nprev; p++)
		if (prev_usable(a, &a->prev[p])) {
			if (!a->tree && !(a->tree = GEOSSTRtree_create_r(a->h, 10)))
				return td_error_set(err, TD_ERR_INTERNAL, "GEOS: cannot create an STRtree: %s",
						    a->ws->ctx->geos_msg);
			GEOSSTRtree_insert_r(a->h, a->tree, a->prev[p].g, &a->prev[p]);
		}
	return TD_OK;
}

/* Step 2b: a parcel left over within the tolerance of an ID left over keeps the closest one. */
static td_status match_moved_shapes(struct assign *a, td_error *err)
{
	td_status rc = TD_OK;

	for (size_t c = 0; rc == TD_OK && c < a->ncur; c++) {
		struct cur *u = &a->cur[c];
		size_t best = NONE;
		double best_ratio = INFINITY;
		if (u->match != NONE || !cur_usable(a, u))
			continue;
		rc = candidates(a, u, err);
		for (size_t k = 0; rc == TD_OK && k < a->ncand; k++) {
			struct prev *v = &a->prev[a->cand[k]];
			double r;
			if (v->match != NONE)
				continue;
			r = difference_ratio(a, v->g, v->area, u->g, u->area);
			if (r <= a->s->match_tolerance && r < best_ratio) {
				best = a->cand[k];
				best_ratio = r;
			}
		}
		if (best != NONE)
			pair(a, c, best);
	}
	return rc;
}

/*
 * Step 3: lineage edges from each new parcel to the IDs it overlaps enough:
 * IDs left over (they retire) and kept IDs (a piece cut from a parcel that
 * changed less than the tolerance: the parcel keeps its ID, the piece has
 * it as parent).
 */
static td_status find_parents(struct assign *a, td_error *err)
{
	td_status rc = TD_OK;

	for (size_t c = 0; rc == TD_OK && c < a->ncur; c++) {
		struct cur *u = &a->cur[c];
		if (u->match != NONE || !cur_usable(a, u))
			continue;
		rc = candidates(a, u, err);
		for (size_t k = 0; rc == TD_OK && k < a->ncand; k++) {
			struct prev *v = &a->prev[a->cand[k]];
			double share = overlap_share(a, u->g, u->area, v->g, v->area);
			if (share <= 0 || share < a->s->lineage_min_overlap)
				continue;
			if (!td_grow(&a->edges, &a->capedges, a->nedges + 1, sizeof(*a->edges)))
				return td_error_set(err, TD_ERR_NOMEM, "out of memory");
			a->edges[a->nedges].cur = c;
			a->edges[a->nedges++].prev = a->cand[k];
			u->nparents++;
			v->nchildren++;
		}
	}
	return rc;
}

/* ---- reading and writing ------------------------------------------------- */

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_blob_or_null(struct assign *a, sqlite3_stmt *st, int i, size_t off, size_t len)
{
	if (len)
		sqlite3_bind_blob(st, i, a->arena + off, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static td_status step_done(struct assign *a, sqlite3_stmt *st, const char *what, td_error *err)
{
	td_status rc = sqlite3_step(st) == SQLITE_DONE ? TD_OK : td_ws_sqlerr(a->ws, what, err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static td_status load_commune(struct assign *a, td_error *err)
{
	int step;

	sqlite3_bind_text(a->q_cur, 1, a->commune, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(a->q_cur)) == SQLITE_ROW) {
		struct cur *c;
		const unsigned char *s;
		if (!td_grow(&a->cur, &a->capcur, a->ncur + 1, sizeof(*a->cur)))
			goto nomem;
		c = &a->cur[a->ncur++];
		memset(c, 0, sizeof(*c));
		c->fid = sqlite3_column_int64(a->q_cur, 0);
		c->sheet = sqlite3_column_int(a->q_cur, 1);
		c->parcel = sqlite3_column_int(a->q_cur, 2);
		c->geom_len = (size_t)sqlite3_column_bytes(a->q_cur, 3);
		if (!arena_put(a, sqlite3_column_blob(a->q_cur, 3), c->geom_len, &c->geom))
			goto nomem;
		c->old_id = c->old_link = NONE;
		if ((s = sqlite3_column_text(a->q_cur, 4)) != NULL &&
		    !arena_put(a, s, (size_t)sqlite3_column_bytes(a->q_cur, 4), &c->old_id))
			goto nomem;
		if ((s = sqlite3_column_text(a->q_cur, 5)) != NULL &&
		    !arena_put(a, s, (size_t)sqlite3_column_bytes(a->q_cur, 5), &c->old_link))
			goto nomem;
		c->match = NONE;
	}
	sqlite3_reset(a->q_cur);
	if (step != SQLITE_DONE)
		return td_ws_sqlerr(a->ws, "read parcels", err);

	sqlite3_bind_text(a->q_prev, 1, a->commune, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(a->q_prev)) == SQLITE_ROW) {
		struct prev *p;
		if (!td_grow(&a->prev, &a->capprev, a->nprev + 1, sizeof(*a->prev)))
			goto nomem;
		p = &a->prev[a->nprev++];
		memset(p, 0, sizeof(*p));
		snprintf(p->id, sizeof(p->id), "%s", (const char *)sqlite3_column_text(a->q_prev, 0));
		p->sheet = sqlite3_column_int(a->q_prev, 1);
		p->parcel = sqlite3_column_int(a->q_prev, 2);
		p->geom_len = (size_t)sqlite3_column_bytes(a->q_prev, 3);
		if (!arena_put(a, sqlite3_column_blob(a->q_prev, 3), p->geom_len, &p->geom))
			goto nomem;
		p->match = NONE;
	}
	sqlite3_reset(a->q_prev);
	if (step != SQLITE_DONE)
		return td_ws_sqlerr(a->ws, "read id_parcel", err);
	return TD_OK;
nomem:
	sqlite3_reset(a->q_cur);
	sqlite3_reset(a->q_prev);
	return td_error_set(err, TD_ERR_NOMEM, "out of memory");
}

/* A kept ID: record a key change, and the new geometry when it moved within the tolerance. */
static td_status write_kept(struct assign *a, struct cur *u, struct prev *v, td_error *err)
{
	int rekey = u->sheet != v->sheet || u->parcel != v->parcel;
	td_status rc = TD_OK;

	snprintf(u->id, sizeof(u->id), "%s", v->id);
	if (rekey) {
		a->sum->rekeyed++;
		sqlite3_bind_int(a->upd_reg_key, 1, (int)u->sheet);
		sqlite3_bind_int(a->upd_reg_key, 2, (int)u->parcel);
		sqlite3_bind_text(a->upd_reg_key, 3, v->id, -1, SQLITE_STATIC);
		rc = step_done(a, a->upd_reg_key, "update id_registry", err);
		if (rc == TD_OK) {
			sqlite3_bind_text(a->ins_change, 1, v->id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(a->ins_change, 2, a->ws->run_id);
			sqlite3_bind_text(a->ins_change, 3, a->commune, -1, SQLITE_STATIC);
			sqlite3_bind_int(a->ins_change, 4, (int)v->sheet);
			sqlite3_bind_int(a->ins_change, 5, (int)v->parcel);
			sqlite3_bind_int(a->ins_change, 6, (int)u->sheet);
			sqlite3_bind_int(a->ins_change, 7, (int)u->parcel);
			rc = step_done(a, a->ins_change, "insert id_key_changes", err);
		}
	} else {
		a->sum->kept++;
	}
	if (rc == TD_OK && (rekey || !same_bytes(a, u, v))) {
		sqlite3_bind_int(a->upd_par, 1, (int)u->sheet);
		sqlite3_bind_int(a->upd_par, 2, (int)u->parcel);
		bind_blob_or_null(a, a->upd_par, 3, u->geom, u->geom_len);
		sqlite3_bind_text(a->upd_par, 4, v->id, -1, SQLITE_STATIC);
		rc = step_done(a, a->upd_par, "update id_parcel", err);
	}
	return rc;
}

static td_status next_seq(struct assign *a, long *seq, td_error *err)
{
	td_status rc = TD_OK;

	sqlite3_bind_text(a->q_seq, 1, a->commune, -1, SQLITE_STATIC);
	if (sqlite3_step(a->q_seq) == SQLITE_ROW)
		*seq = (long)sqlite3_column_int64(a->q_seq, 0) + 1;
	else
		rc = td_ws_sqlerr(a->ws, "read id_registry", err);
	sqlite3_reset(a->q_seq);
	return rc;
}

static td_status id_exists(struct assign *a, const char *id, int *exists, td_error *err)
{
	int step;

	sqlite3_bind_text(a->q_exists, 1, id, -1, SQLITE_STATIC);
	step = sqlite3_step(a->q_exists);
	*exists = step == SQLITE_ROW;
	sqlite3_reset(a->q_exists);
	return step == SQLITE_ROW || step == SQLITE_DONE ? TD_OK : td_ws_sqlerr(a->ws, "read id_registry", err);
}

/* 1 if the centre of GeoHash cell id, back in the workspace zone, lies inside the parcel. */
static int cell_inside(struct assign *a, const struct cur *u, const char *id)
{
	double lat, lon, x, y;
	GEOSGeometry *pt;
	int in;

	if (!td_geohash_decode(id, &lat, &lon, NULL, NULL) || !td_crs_wgs84_inverse(&a->wgs84, lat, lon, &x, &y))
		return 0;
	pt = GEOSGeom_createPointFromXY_r(a->h, x, y);
	/* 2: GEOS cannot tell (an invalid polygon); the cell is taken rather than none. */
	in = pt ? GEOSIntersects_r(a->h, u->g, pt) : 0;
	GEOSGeom_destroy_r(a->h, pt);
	return in == 1 || in == 2;
}

#define RING_MAX 16

/*
 * The official ID of a new parcel (docs/ids.md): the 12-character GeoHash
 * of its label point in WGS 84. When that cell's ID was ever issued (a
 * duplicate polygon, or the remainder of a split that kept its parent's
 * label point), the cells around it, ring by ring up to RING_MAX, each
 * ring's rows from north to south and west to east: the first never issued
 * whose centre lies inside the parcel (for a parcel without area, the first
 * never issued). [unverified: no official rule is published]
 */
static td_status official_id(struct assign *a, struct cur *u, td_error *err)
{
	double x, y, r, lat, lon;
	char base[TD_ID_OFFICIAL_LEN + 1];
	int exists = 0;
	td_status rc;

	u->id[0] = '\0';
	if (!u->state)
		cur_usable(a, u);
	if (!u->g)
		return td_error_set(err, TD_ERR_INPUT, "no geometry");
	rc = td_label_point(a->h, u->g, a->s->polylabel_precision, &x, &y, &r, err);
	if (rc != TD_OK)
		return rc;
	if (!td_crs_wgs84_forward(&a->wgs84, x, y, &lat, &lon) ||
	    !td_geohash_encode(lat, lon, TD_ID_OFFICIAL_LEN, base))
		return td_error_set(err, TD_ERR_INPUT, "label point %.3f %.3f cannot be converted to WGS 84", x, y);
	rc = id_exists(a, base, &exists, err);
	if (rc != TD_OK || !exists) {
		snprintf(u->id, sizeof(u->id), "%s", base);
		return rc;
	}
	a->sum->displaced++;
	for (int ring = 1; ring <= RING_MAX; ring++)
		for (int dlat = ring; dlat >= -ring; dlat--)
			for (int dlon = -ring; dlon <= ring; dlon++) {
				char cell[TD_ID_OFFICIAL_LEN + 1];
				if (abs(dlat) != ring && abs(dlon) != ring)
					continue;
				if (!td_geohash_neighbour(base, dlat, dlon, cell))
					continue;
				rc = id_exists(a, cell, &exists, err);
				if (rc != TD_OK)
					return rc;
				if (!exists && (r <= 0 || cell_inside(a, u, cell))) {
					snprintf(u->id, sizeof(u->id), "%s", cell);
					return TD_OK;
				}
			}
	return td_error_set(err, TD_ERR_INPUT,
			    "every GeoHash cell within %d cells of its label point (%s) was issued already", RING_MAX,
			    base);
}

/* A new ID in the next sequence number of the commune, with its lineage. */
static td_status write_new(struct assign *a, size_t c, long seq, size_t *edge, td_error *err)
{
	struct cur *u = &a->cur[c];
	td_status rc;
	td_error why;

	td_error_init(&why);
	if (a->s->scheme == TD_ID_OFFICIAL)
		rc = official_id(a, u, &why);
	else
		rc = td_id_make(a->s, a->commune, seq, u->id, sizeof(u->id), &why);
	if (rc != TD_OK)
		return td_error_set(err, rc, "parcel %s/%ld/%ld: %s", a->commune, u->sheet, u->parcel, why.msg);
	a->sum->issued++;
	sqlite3_bind_text(a->ins_reg, 1, u->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(a->ins_reg, 2, a->commune, -1, SQLITE_STATIC);
	sqlite3_bind_int64(a->ins_reg, 3, seq);
	sqlite3_bind_int(a->ins_reg, 4, (int)u->sheet);
	sqlite3_bind_int(a->ins_reg, 5, (int)u->parcel);
	sqlite3_bind_int64(a->ins_reg, 6, a->ws->run_id);
	rc = step_done(a, a->ins_reg, "insert id_registry", err);
	if (rc == TD_OK) {
		sqlite3_bind_text(a->ins_par, 1, u->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(a->ins_par, 2, a->commune, -1, SQLITE_STATIC);
		sqlite3_bind_int(a->ins_par, 3, (int)u->sheet);
		sqlite3_bind_int(a->ins_par, 4, (int)u->parcel);
		bind_blob_or_null(a, a->ins_par, 5, u->geom, u->geom_len);
		rc = step_done(a, a->ins_par, "insert id_parcel", err);
	}
	for (; rc == TD_OK && *edge < a->nedges && a->edges[*edge].cur == c; (*edge)++) {
		const struct prev *v = &a->prev[a->edges[*edge].prev];
		const char *kind = u->nparents > 1                        ? "merge"
				   : v->match != NONE || v->nchildren > 1 ? "split"
									  : "reshape";
		sqlite3_bind_text(a->ins_lineage, 1, u->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(a->ins_lineage, 2, v->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(a->ins_lineage, 3, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(a->ins_lineage, 4, a->ws->run_id);
		rc = step_done(a, a->ins_lineage, "insert id_lineage", err);
	}
	if (u->nparents > 1) {
		a->sum->merged++;
	} else if (u->nparents == 1) {
		const struct prev *v = &a->prev[a->edges[*edge - 1].prev];
		if (v->match != NONE || v->nchildren > 1)
			a->sum->split++;
		else
			a->sum->reshaped++;
	}
	return rc;
}

/* Whether a parcel has a geometry GEOS can read (valid or not): the official ID needs a point. */
static int has_geometry(struct assign *a, struct cur *u)
{
	if (!u->state)
		cur_usable(a, u);
	return u->g != NULL && GEOSisEmpty_r(a->h, u->g) == 0;
}

static td_status write_commune(struct assign *a, td_error *err)
{
	char link[sizeof(a->s->address_link) + 4 * TD_ID_MAX];
	size_t edge = 0;
	long seq = 0;
	td_status rc = TD_OK;

	for (size_t c = 0; rc == TD_OK && c < a->ncur; c++)
		if (a->cur[c].match != NONE)
			rc = write_kept(a, &a->cur[c], &a->prev[a->cur[c].match], err);
	for (size_t c = 0; rc == TD_OK && c < a->ncur; c++) {
		if (a->cur[c].match != NONE)
			continue;
		if (a->s->scheme == TD_ID_OFFICIAL && !has_geometry(a, &a->cur[c])) {
			a->sum->no_point++;
			while (edge < a->nedges && a->edges[edge].cur == c)
				edge++;
			continue;
		}
		if (seq == 0)
			rc = next_seq(a, &seq, err);
		if (rc == TD_OK)
			rc = write_new(a, c, seq++, &edge, err);
	}
	for (size_t p = 0; rc == TD_OK && p < a->nprev; p++) {
		if (a->prev[p].match != NONE)
			continue;
		a->sum->retired++;
		sqlite3_bind_int64(a->retire, 1, a->ws->run_id);
		sqlite3_bind_text(a->retire, 2, a->prev[p].id, -1, SQLITE_STATIC);
		rc = step_done(a, a->retire, "retire an ID", err);
		if (rc == TD_OK) {
			sqlite3_bind_text(a->del_par, 1, a->prev[p].id, -1, SQLITE_STATIC);
			rc = step_done(a, a->del_par, "delete from id_parcel", err);
		}
	}
	/* Write back only what changed, so a run over unchanged data writes nothing. */
	for (size_t c = 0; rc == TD_OK && c < a->ncur; c++) {
		struct cur *u = &a->cur[c];
		const char *old_id = arena_text(a, u->old_id), *old_link = arena_text(a, u->old_link);
		if (!td_id_link(a->s, u->id, a->commune, u->sheet, u->parcel, link, sizeof(link)))
			return td_error_set(err, TD_ERR_USAGE, "address_link of parcel %s/%ld/%ld is too long",
					    a->commune, u->sheet, u->parcel);
		if (!u->id[0])
			link[0] = '\0';
		if ((old_id ? old_id : "")[0] == '\0' && !u->id[0] && !old_link)
			continue;
		if (old_id && strcmp(old_id, u->id) == 0 && strcmp(old_link ? old_link : "", link) == 0)
			continue;
		sqlite3_bind_text(a->upd_parcel, 1, u->id, -1, SQLITE_STATIC);
		bind_text_or_null(a->upd_parcel, 2, link);
		sqlite3_bind_int64(a->upd_parcel, 3, u->fid);
		rc = step_done(a, a->upd_parcel, "update parcels", err);
	}
	return rc;
}

static td_status assign_commune(struct assign *a, td_error *err)
{
	td_status rc;

	commune_clear(a);
	rc = load_commune(a, err);
	a->sum->parcels += (long)a->ncur;
	if (rc == TD_OK)
		match_keys(a);
	if (rc == TD_OK)
		rc = match_moved_bytes(a, err);
	if (rc == TD_OK)
		rc = build_tree(a, err);
	if (rc == TD_OK)
		rc = match_moved_shapes(a, err);
	if (rc == TD_OK)
		rc = find_parents(a, err);
	if (rc == TD_OK)
		rc = write_commune(a, err);
	return rc;
}

static const struct {
	size_t offset;
	const char *sql;
} statements[] = {
	{offsetof(struct assign, q_exists), "SELECT 1 FROM id_registry WHERE id = ?"},
	{offsetof(struct assign, q_cur),
	 "SELECT fid, sheet, parcel, geom, parcel_id, address_link FROM parcels WHERE commune = ? "
	 "ORDER BY sheet, parcel, fid"},
	{offsetof(struct assign, q_prev),
	 "SELECT id, sheet, parcel, geom FROM id_parcel WHERE commune = ? ORDER BY sheet, parcel, id"},
	{offsetof(struct assign, q_seq), "SELECT COALESCE(MAX(seq), 0) FROM id_registry WHERE commune = ?"},
	{offsetof(struct assign, ins_reg),
	 "INSERT INTO id_registry (id, commune, seq, sheet, parcel, status, issued_run) "
	 "VALUES (?, ?, ?, ?, ?, 'active', ?)"},
	{offsetof(struct assign, ins_par),
	 "INSERT INTO id_parcel (id, commune, sheet, parcel, geom) VALUES (?, ?, ?, ?, ?)"},
	{offsetof(struct assign, upd_par), "UPDATE id_parcel SET sheet = ?, parcel = ?, geom = ? WHERE id = ?"},
	{offsetof(struct assign, upd_reg_key), "UPDATE id_registry SET sheet = ?, parcel = ? WHERE id = ?"},
	{offsetof(struct assign, ins_change),
	 "INSERT INTO id_key_changes (id, run_id, old_commune, old_sheet, old_parcel, new_commune, new_sheet, "
	 "new_parcel) VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?6, ?7)"},
	{offsetof(struct assign, ins_lineage),
	 "INSERT INTO id_lineage (child, parent, kind, run_id) VALUES (?, ?, ?, ?)"},
	{offsetof(struct assign, retire), "UPDATE id_registry SET status = 'retired', retired_run = ? WHERE id = ?"},
	{offsetof(struct assign, del_par), "DELETE FROM id_parcel WHERE id = ?"},
	{offsetof(struct assign, upd_parcel), "UPDATE parcels SET parcel_id = ?, address_link = ? WHERE fid = ?"},
};

#define STATEMENT(a, i) (*(sqlite3_stmt **)((char *)(a) + statements[i].offset))

td_status td_idreg_assign(td_ws *ws, const td_id_settings *s, td_progress_fn progress, void *arg, td_idreg_summary *sum,
			  td_error *err)
{
	struct assign a;
	char(*communes)[16] = NULL;
	size_t ncommunes = 0;
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	memset(&a, 0, sizeof(a));
	a.ws = ws;
	a.s = s;
	a.h = ws->ctx->geos;
	a.sum = sum;
	rc = td_ws_begin(ws, "assign-id", err);
	if (rc != TD_OK)
		return rc;
	a.reader = GEOSWKBReader_create_r(a.h);
	if (!a.reader)
		rc = td_error_set(err, TD_ERR_INTERNAL, "GEOS: cannot create a WKB reader");
	for (size_t i = 0; rc == TD_OK && i < sizeof(statements) / sizeof(statements[0]); i++)
		rc = td_ws_prepare(ws, statements[i].sql, &STATEMENT(&a, i), err);
	if (rc == TD_OK && s->scheme == TD_ID_OFFICIAL) {
		td_error why;
		td_error_init(&why);
		if (td_crs_wgs84_open(ws->ctx, ws->crs_wkt, &a.wgs84, &why) != TD_OK)
			rc = td_error_set(
				err, why.code,
				"official parcel IDs need a VN-2000 TM-3 workspace: %s (or set scheme = template "
				"in the profile's [id] section)",
				why.msg);
	}
	if (rc == TD_OK)
		rc = td_ws_communes(ws, "id_parcel", &communes, &ncommunes, err);
	for (size_t i = 0; rc == TD_OK && i < ncommunes; i++) {
		snprintf(a.commune, sizeof(a.commune), "%s", communes[i]);
		rc = assign_commune(&a, err);
		sum->communes++;
		if (rc == TD_OK && progress && !progress((double)(i + 1) / (double)ncommunes, "assign-id", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "assign-id cancelled");
	}
	snprintf(sum->json, sizeof(sum->json),
		 "{\"command\":\"assign-id\",\"parcels\":%ld,\"communes\":%ld,\"issued\":%ld,\"kept\":%ld,"
		 "\"rekeyed\":%ld,\"split\":%ld,\"merged\":%ld,\"reshaped\":%ld,\"retired\":%ld,"
		 "\"scheme\":\"%s\",\"displaced\":%ld,\"no_point\":%ld}",
		 sum->parcels, sum->communes, sum->issued, sum->kept, sum->rekeyed, sum->split, sum->merged,
		 sum->reshaped, sum->retired, td_id_scheme_name(s->scheme), sum->displaced, sum->no_point);
	commune_clear(&a);
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++)
		sqlite3_finalize(STATEMENT(&a, i));
	if (a.reader)
		GEOSWKBReader_destroy_r(a.h, a.reader);
	td_crs_wgs84_close(&a.wgs84);
	free(communes);
	free(a.cur);
	free(a.prev);
	free(a.edges);
	free(a.cand);
	free(a.arena);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	return rc;
}

/* ---- history --------------------------------------------------------------- */

struct history_loader {
	td_ws *ws;
	sqlite3_stmt *node, *up, *down;
	td_idreg_history *h;
	char (*seen)[TD_ID_MAX];
	size_t nseen, capseen;
	size_t cap_up, cap_down, cap_changes;
};

static td_status read_node(struct history_loader *l, const char *id, td_idreg_node *n, int *found, td_error *err)
{
	sqlite3_stmt *st = l->node;
	int step;

	memset(n, 0, sizeof(*n));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	*found = step == SQLITE_ROW;
	if (*found) {
		snprintf(n->id, sizeof(n->id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(n->status, sizeof(n->status), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(n->commune, sizeof(n->commune), "%s", (const char *)sqlite3_column_text(st, 2));
		n->sheet = sqlite3_column_int(st, 3);
		n->parcel = sqlite3_column_int(st, 4);
		n->issued_run = sqlite3_column_int64(st, 5);
		n->retired_run = sqlite3_column_int64(st, 6);
		if (sqlite3_column_text(st, 7))
			snprintf(n->issued_at, sizeof(n->issued_at), "%s", (const char *)sqlite3_column_text(st, 7));
		if (sqlite3_column_text(st, 8))
			snprintf(n->retired_at, sizeof(n->retired_at), "%s", (const char *)sqlite3_column_text(st, 8));
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return td_ws_sqlerr(l->ws, "read id_registry", err);
	return TD_OK;
}

static int seen_before(struct history_loader *l, const char *id, int *failed)
{
	for (size_t i = 0; i < l->nseen; i++)
		if (strcmp(l->seen[i], id) == 0)
			return 1;
	if (!td_grow(&l->seen, &l->capseen, l->nseen + 1, sizeof(l->seen[0]))) {
		*failed = 1;
		return 0;
	}
	snprintf(l->seen[l->nseen++], sizeof(l->seen[0]), "%s", id);
	return 0;
}

#define LINEAGE_MAX_DEPTH 64

/*
 * Append the parents (up) or children (down) of id at depth, each followed
 * by its own, depth first. The lineage is acyclic (a child is always issued
 * after its parents); the depth cap only guards against a hand-edited table.
 */
static td_status walk(struct history_loader *l, int up, const char *id, int depth, td_error *err)
{
	sqlite3_stmt *st = up ? l->up : l->down;
	td_idreg_node **list = up ? &l->h->ancestors : &l->h->descendants;
	size_t *n = up ? &l->h->nancestors : &l->h->ndescendants;
	char(*next)[2][TD_ID_MAX] = NULL; /* {id, kind} of each link, read before recursing */
	size_t nnext = 0, cap = 0;
	td_status rc = TD_OK;
	int step;

	if (depth > LINEAGE_MAX_DEPTH)
		return TD_OK;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!td_grow(&next, &cap, nnext + 1, sizeof(next[0]))) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		snprintf(next[nnext][0], TD_ID_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(next[nnext][1], TD_ID_MAX, "%s", (const char *)sqlite3_column_text(st, 1));
		nnext++;
	}
	sqlite3_reset(st);
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(l->ws, "read id_lineage", err);
	for (size_t i = 0; rc == TD_OK && i < nnext; i++) {
		td_idreg_node node;
		int found, failed = 0, repeated;
		rc = read_node(l, next[i][0], &node, &found, err);
		if (rc != TD_OK)
			break;
		if (!found)
			snprintf(node.id, sizeof(node.id), "%s", next[i][0]);
		repeated = seen_before(l, node.id, &failed);
		if (failed || !td_grow(list, up ? &l->cap_up : &l->cap_down, *n + 1, sizeof(**list))) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		node.depth = depth;
		node.repeated = repeated;
		snprintf(node.kind, sizeof(node.kind), "%.7s", next[i][1]);
		(*list)[(*n)++] = node;
		if (!repeated)
			rc = walk(l, up, node.id, depth + 1, err);
	}
	free(next);
	return rc;
}

td_status td_idreg_history_load(td_ws *ws, const char *id, td_idreg_history *h, td_error *err)
{
	struct history_loader l;
	sqlite3_stmt *changes = NULL;
	td_status rc;
	int found = 0, step;

	memset(h, 0, sizeof(*h));
	memset(&l, 0, sizeof(l));
	l.ws = ws;
	l.h = h;
	/* The last known key: id_parcel's while active (its commune may have been re-coded). */
	rc = td_ws_prepare(ws,
			   "SELECT r.id, r.status, COALESCE(p.commune, r.commune), r.sheet, r.parcel, r.issued_run, "
			   "r.retired_run, i.started_at, x.started_at FROM id_registry r "
			   "LEFT JOIN id_parcel p ON p.id = r.id LEFT JOIN runs i ON i.id = r.issued_run "
			   "LEFT JOIN runs x ON x.id = r.retired_run WHERE r.id = ?",
			   &l.node, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT parent, kind FROM id_lineage WHERE child = ? ORDER BY parent", &l.up,
				   err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT child, kind FROM id_lineage WHERE parent = ? ORDER BY child", &l.down,
				   err);
	if (rc == TD_OK)
		rc = read_node(&l, id, &h->self, &found, err);
	if (rc == TD_OK && !found)
		rc = td_error_set(err, TD_ERR_INPUT, "workspace '%s' never issued the parcel ID '%s'", ws->path, id);
	/* Ancestors and descendants are walked separately: a node may be both only through a cycle. */
	if (rc == TD_OK)
		rc = walk(&l, 1, h->self.id, 1, err);
	l.nseen = 0;
	if (rc == TD_OK)
		rc = walk(&l, 0, h->self.id, 1, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT k.run_id, r.started_at, k.old_commune, k.old_sheet, k.old_parcel, "
				   "k.new_commune, k.new_sheet, k.new_parcel FROM id_key_changes k "
				   "LEFT JOIN runs r ON r.id = k.run_id WHERE k.id = ? ORDER BY k.run_id, k.rowid",
				   &changes, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(changes, 1, h->self.id, -1, SQLITE_STATIC);
		while (rc == TD_OK && (step = sqlite3_step(changes)) == SQLITE_ROW) {
			td_idreg_key_change *k;
			if (!td_grow(&h->changes, &l.cap_changes, h->nchanges + 1, sizeof(*k))) {
				rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
				break;
			}
			k = &h->changes[h->nchanges++];
			memset(k, 0, sizeof(*k));
			k->run = sqlite3_column_int64(changes, 0);
			if (sqlite3_column_text(changes, 1))
				snprintf(k->at, sizeof(k->at), "%s", (const char *)sqlite3_column_text(changes, 1));
			if (sqlite3_column_text(changes, 2))
				snprintf(k->old_commune, sizeof(k->old_commune), "%s",
					 (const char *)sqlite3_column_text(changes, 2));
			k->old_sheet = sqlite3_column_int(changes, 3);
			k->old_parcel = sqlite3_column_int(changes, 4);
			if (sqlite3_column_text(changes, 5))
				snprintf(k->new_commune, sizeof(k->new_commune), "%s",
					 (const char *)sqlite3_column_text(changes, 5));
			k->new_sheet = sqlite3_column_int(changes, 6);
			k->new_parcel = sqlite3_column_int(changes, 7);
		}
		if (rc == TD_OK && step != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "read id_key_changes", err);
	}
	sqlite3_finalize(changes);
	sqlite3_finalize(l.node);
	sqlite3_finalize(l.up);
	sqlite3_finalize(l.down);
	free(l.seen);
	if (rc != TD_OK)
		td_idreg_history_release(h);
	return rc;
}

void td_idreg_history_release(td_idreg_history *h)
{
	if (!h)
		return;
	free(h->ancestors);
	free(h->descendants);
	free(h->changes);
	memset(h, 0, sizeof(*h));
}

/* ---- locating an official ID ---------------------------------------------- */

td_status td_idreg_locate(td_ws *ws, const char *id, td_idreg_place *out, td_error *err)
{
	GEOSContextHandle_t h = ws->ctx->geos;
	td_crs_wgs84 t;
	sqlite3_stmt *reg = NULL, *geom = NULL;
	GEOSWKBReader *reader = NULL;
	GEOSGeometry *g = NULL, *pt = NULL;
	td_status rc;
	int step;

	memset(out, 0, sizeof(*out));
	rc = td_crs_wgs84_open(ws->ctx, ws->crs_wkt, &t, err);
	if (rc != TD_OK)
		return rc;
	if (!td_geohash_decode(id, &out->lat, &out->lon, NULL, NULL) ||
	    !td_crs_wgs84_inverse(&t, out->lat, out->lon, &out->x, &out->y)) {
		rc = td_error_set(err, TD_ERR_INPUT, "'%s' cannot be placed in the workspace zone", id);
		goto done;
	}
	rc = td_ws_prepare(ws,
			   "SELECT r.status, COALESCE(p.commune, r.commune), r.sheet, r.parcel FROM id_registry r "
			   "LEFT JOIN id_parcel p ON p.id = r.id WHERE r.id = ?",
			   &reg, err);
	if (rc != TD_OK)
		goto done;
	sqlite3_bind_text(reg, 1, id, -1, SQLITE_STATIC);
	step = sqlite3_step(reg);
	if (step == SQLITE_ROW) {
		out->issued = 1;
		snprintf(out->status, sizeof(out->status), "%s", (const char *)sqlite3_column_text(reg, 0));
		snprintf(out->commune, sizeof(out->commune), "%s", (const char *)sqlite3_column_text(reg, 1));
		out->sheet = sqlite3_column_int(reg, 2);
		out->parcel = sqlite3_column_int(reg, 3);
	} else if (step != SQLITE_DONE) {
		rc = td_ws_sqlerr(ws, "read id_registry", err);
		goto done;
	}
	rc = td_ws_prepare(ws, "SELECT geom FROM parcels WHERE parcel_id = ? AND geom IS NOT NULL ORDER BY fid LIMIT 1",
			   &geom, err);
	if (rc != TD_OK)
		goto done;
	sqlite3_bind_text(geom, 1, id, -1, SQLITE_STATIC);
	step = sqlite3_step(geom);
	if (step == SQLITE_ROW) {
		const unsigned char *wkb;
		size_t len;
		reader = GEOSWKBReader_create_r(h);
		wkb = gpkg_wkb(sqlite3_column_blob(geom, 0), (size_t)sqlite3_column_bytes(geom, 0), &len);
		if (reader && wkb)
			g = GEOSWKBReader_read_r(h, reader, wkb, len);
		pt = GEOSGeom_createPointFromXY_r(h, out->x, out->y);
		if (g && pt) {
			out->has_parcel = 1;
			out->inside = GEOSIntersects_r(h, g, pt) == 1;
			if (!out->inside && GEOSDistance_r(h, g, pt, &out->distance) != 1)
				out->distance = NAN;
		}
	} else if (step != SQLITE_DONE) {
		rc = td_ws_sqlerr(ws, "read parcels", err);
	}
done:
	GEOSGeom_destroy_r(h, pt);
	GEOSGeom_destroy_r(h, g);
	if (reader)
		GEOSWKBReader_destroy_r(h, reader);
	sqlite3_finalize(geom);
	sqlite3_finalize(reg);
	td_crs_wgs84_close(&t);
	return rc;
}
