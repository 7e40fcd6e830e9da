#include "check.h"
#include "date.h"
#include "encoding.h"
#include "exception.h"
#include "findings.h"
#include "identity.h"
#include "text.h"
#include "topology.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void td_check_options_init(td_check_options *o)
{
	td_rule_settings_init(&o->rules);
	o->threads = 0;
}

/* ---- one commune's work ------------------------------------------------ */

/* A map parcel of the commune being checked, in key order. */
struct parcel {
	long sheet, parcel;
	unsigned char *wkb; /* NULL when the parcel has no geometry */
	size_t wkb_len;
	int has_register, has_reg_area;
	double reg_area;
	/* filled by the worker */
	int usable;    /* valid, with an area: area and location mean something */
	int duplicate; /* the key appears more than once on the map */
	double x, y;   /* label point, NAN when there is none */
};

/* A finding computed by a worker, written by the main thread. */
struct found {
	td_rule_id rule;
	size_t parcel, other; /* indexes into the job's parcels; TD_TOPO_NONE */
	double x, y, value, tolerance;
	unsigned char *area_wkb;
	size_t area_len;
	char *message;
};

struct job {
	char commune[16];
	struct parcel *parcels;
	size_t n, cap;
	unsigned char *boundary;
	size_t boundary_len;
	struct found *found;
	size_t nfound, found_cap;
	const td_rule_settings *rules;
	td_error err;
	int submitted, done;
};

static void job_clear(struct job *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->parcels[i].wkb);
	for (size_t i = 0; i < j->nfound; i++) {
		free(j->found[i].area_wkb);
		free(j->found[i].message);
	}
	free(j->boundary);
	j->boundary = NULL;
	j->n = j->nfound = 0;
	j->submitted = j->done = 0;
	td_error_init(&j->err);
}

static void job_free(struct job *j)
{
	job_clear(j);
	free(j->parcels);
	free(j->found);
}

static int add_found(struct job *j, td_rule_id rule, size_t parcel, size_t other, double x, double y, double value,
		     double tolerance, const unsigned char *area, size_t area_len, const char *fmt, ...)
	__attribute__((format(printf, 11, 12)));

static int add_found(struct job *j, td_rule_id rule, size_t parcel, size_t other, double x, double y, double value,
		     double tolerance, const unsigned char *area, size_t area_len, const char *fmt, ...)
{
	struct found *f;
	va_list ap;
	char msg[512];

	if (j->rules->severity[rule] == TD_SEV_OFF)
		return 1;
	if (j->nfound == j->found_cap) {
		size_t cap = j->found_cap ? 2 * j->found_cap : 64;
		struct found *p = realloc(j->found, cap * sizeof(*p));
		if (!p)
			return 0;
		j->found = p;
		j->found_cap = cap;
	}
	f = &j->found[j->nfound];
	memset(f, 0, sizeof(*f));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->message = strdup(msg);
	if (area && area_len) {
		f->area_wkb = malloc(area_len);
		if (f->area_wkb)
			memcpy(f->area_wkb, area, area_len);
	}
	if (!f->message || (area && area_len && !f->area_wkb)) {
		free(f->message);
		free(f->area_wkb);
		return 0;
	}
	f->rule = rule;
	f->parcel = parcel;
	f->other = other;
	f->x = x;
	f->y = y;
	f->value = value;
	f->tolerance = tolerance;
	f->area_len = area_len;
	j->nfound++;
	return 1;
}

static const char *key_text(const struct job *j, size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%ld/%ld", j->commune, j->parcels[i].sheet, j->parcels[i].parcel);
	return buf;
}

/* Geometry rules that decide whether the polygon is usable at all. */
static int breaks_geometry(td_rule_id r)
{
	return r == TD_RULE_GEOM_MISSING || r == TD_RULE_GEOM_RING_NOT_CLOSED || r == TD_RULE_GEOM_TOO_FEW_POINTS ||
	       r == TD_RULE_GEOM_SELF_INTERSECTION || r == TD_RULE_GEOM_INVALID || r == TD_RULE_GEOM_ZERO_AREA;
}

static int on_topo(const td_topo_defect *d, void *arg)
{
	struct job *j = arg;
	char a[48], b[48];
	const char *what;

	if (breaks_geometry(d->rule))
		j->parcels[d->parcel].usable = 0;
	key_text(j, d->parcel, a, sizeof(a));
	if (d->other != TD_TOPO_NONE)
		key_text(j, d->other, b, sizeof(b));
	switch (d->rule) {
	case TD_RULE_OVERLAP:
		what = "overlaps";
		break;
	case TD_RULE_GEOM_DUPLICATE:
		what = "has the same geometry as";
		break;
	case TD_RULE_GAP:
		what = d->other != TD_TOPO_NONE ? "borders a gap, with" : "borders a gap";
		break;
	default:
		what = NULL;
	}
	if (d->rule == TD_RULE_GAP)
		return add_found(j, d->rule, d->parcel, d->other, d->x, d->y, d->value, d->tolerance, d->area_wkb,
				 d->area_wkb_len, "gap of %.2f m² in sheet %ld: parcel %s %s%s%s", d->value,
				 j->parcels[d->parcel].sheet, a, what, d->other != TD_TOPO_NONE ? " " : "",
				 d->other != TD_TOPO_NONE ? b : "");
	if (what)
		return add_found(j, d->rule, d->parcel, d->other, d->x, d->y, d->value, d->tolerance, d->area_wkb,
				 d->area_wkb_len, "parcel %s %s %s (%.2f m²)", a, what, b, d->value);
	return add_found(j, d->rule, d->parcel, TD_TOPO_NONE, d->x, d->y, d->value, d->tolerance, d->area_wkb,
			 d->area_wkb_len, "parcel %s: %s", a, d->detail);
}

/* A point to show for the parcel, and its area when the polygon is usable. */
static void measure(GEOSContextHandle_t h, struct parcel *p, double *area)
{
	GEOSGeometry *g = p->wkb ? GEOSGeomFromWKB_buf_r(h, p->wkb, p->wkb_len) : NULL;
	GEOSGeometry *pt = NULL;

	*area = NAN;
	p->x = p->y = NAN;
	if (!g)
		return;
	pt = p->usable ? GEOSPointOnSurface_r(h, g) : GEOSGetCentroid_r(h, g);
	if (pt && !GEOSisEmpty_r(h, pt)) {
		GEOSGeomGetX_r(h, pt, &p->x);
		GEOSGeomGetY_r(h, pt, &p->y);
	}
	if (p->usable && GEOSArea_r(h, g, area) != 1)
		*area = NAN;
	GEOSGeom_destroy_r(h, pt);
	GEOSGeom_destroy_r(h, g);
}

/* The worker's part: everything that needs geometry. */
static void analyse(GEOSContextHandle_t h, struct job *j)
{
	const td_rule_settings *r = j->rules;
	td_topo_settings ts;
	td_topo_parcel *tp = calloc(j->n ? j->n : 1, sizeof(*tp));
	char key[48];

	if (!tp) {
		td_error_set(&j->err, TD_ERR_NOMEM, "out of memory");
		return;
	}
	td_topo_settings_init(&ts);
	for (int i = 0; i < TD_RULE_COUNT; i++)
		ts.enabled[i] = r->severity[i] != TD_SEV_OFF || breaks_geometry((td_rule_id)i);
	td_topo_settings_from_rules(&ts, r);
	for (size_t i = 0; i < j->n; i++) {
		tp[i].wkb = j->parcels[i].wkb;
		tp[i].wkb_len = j->parcels[i].wkb_len;
		tp[i].sheet = j->parcels[i].sheet;
		j->parcels[i].usable = 1;
	}
	if (td_topo_analyse(h, tp, j->n, j->boundary, j->boundary_len, &ts, on_topo, j, &j->err) != TD_OK) {
		free(tp);
		return;
	}
	free(tp);

	for (size_t i = 0; i < j->n; i++) {
		struct parcel *p = &j->parcels[i];
		double area;

		measure(h, p, &area);
		p->duplicate = (i > 0 && p[-1].sheet == p->sheet && p[-1].parcel == p->parcel) ||
			       (i + 1 < j->n && p[1].sheet == p->sheet && p[1].parcel == p->parcel);
		if (p->duplicate) {
			/* One finding per key, at its first copy; area and link rules skip it. */
			if (i == 0 || p[-1].sheet != p->sheet || p[-1].parcel != p->parcel) {
				size_t copies = 1;
				while (i + copies < j->n && p[copies].sheet == p->sheet &&
				       p[copies].parcel == p->parcel)
					copies++;
				if (!add_found(j, TD_RULE_DUPLICATE_KEY, i, TD_TOPO_NONE, p->x, p->y, (double)copies,
					       NAN, NULL, 0, "parcel %s is on the map %zu times",
					       key_text(j, i, key, sizeof(key)), copies))
					goto nomem;
			}
			continue;
		}
		if (!p->has_register) {
			if (!add_found(j, TD_RULE_MAP_NO_REGISTER, i, TD_TOPO_NONE, p->x, p->y, NAN, NAN, NULL, 0,
				       "parcel %s is on the map but not in the register",
				       key_text(j, i, key, sizeof(key))))
				goto nomem;
		} else if (p->usable && p->has_reg_area && !isnan(area)) {
			double tol = td_rule_area_tolerance(r, p->reg_area);
			double diff = fabs(area - p->reg_area);
			/* Register areas are written to 0.1 m²: compare at that precision. */
			if (diff - tol > 0.05 &&
			    !add_found(
				    j, TD_RULE_AREA_MISMATCH, i, TD_TOPO_NONE, p->x, p->y, diff, tol, NULL, 0,
				    "map area %.1f m² differs from register area %.1f m² by %.1f m² (allowed %.1f m²)",
				    area, p->reg_area, diff, tol))
				goto nomem;
		}
	}
	return;
nomem:
	td_error_set(&j->err, TD_ERR_NOMEM, "out of memory");
}

/* ---- the worker pool ---------------------------------------------------- */

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work, finished;
	struct job **queue; /* FIFO of submitted jobs */
	size_t head, tail, cap;
	int stop;
	pthread_t *threads;
	int nthreads;
};

static void *worker(void *arg)
{
	struct pool *pool = arg;
	GEOSContextHandle_t h = GEOS_init_r();

	for (;;) {
		struct job *j;
		pthread_mutex_lock(&pool->lock);
		while (pool->head == pool->tail && !pool->stop)
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->head == pool->tail) {
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		j = pool->queue[pool->head++ % pool->cap];
		pthread_mutex_unlock(&pool->lock);

		if (h)
			analyse(h, j);
		else
			td_error_set(&j->err, TD_ERR_INTERNAL, "cannot initialise GEOS");

		pthread_mutex_lock(&pool->lock);
		j->done = 1;
		pthread_cond_broadcast(&pool->finished);
		pthread_mutex_unlock(&pool->lock);
	}
	if (h)
		GEOS_finish_r(h);
	return NULL;
}

static void pool_submit(struct pool *pool, struct job *j)
{
	pthread_mutex_lock(&pool->lock);
	j->submitted = 1;
	pool->queue[pool->tail++ % pool->cap] = j;
	pthread_cond_signal(&pool->work);
	pthread_mutex_unlock(&pool->lock);
}

static void pool_wait(struct pool *pool, struct job *j)
{
	pthread_mutex_lock(&pool->lock);
	while (!j->done)
		pthread_cond_wait(&pool->finished, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

static td_status pool_start(struct pool *pool, int nthreads, size_t cap, td_error *err)
{
	memset(pool, 0, sizeof(*pool));
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->finished, NULL);
	pool->queue = calloc(cap, sizeof(*pool->queue));
	pool->threads = calloc((size_t)nthreads, sizeof(*pool->threads));
	pool->cap = cap;
	if (!pool->queue || !pool->threads)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	for (; pool->nthreads < nthreads; pool->nthreads++)
		if (pthread_create(&pool->threads[pool->nthreads], NULL, worker, pool) != 0)
			return td_error_set(err, TD_ERR_INTERNAL, "cannot start a worker thread");
	return TD_OK;
}

/* Finish the queued work, stop the threads, free. */
static void pool_stop(struct pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stop = 1;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->work);
	pthread_cond_destroy(&pool->finished);
	free(pool->threads);
	free(pool->queue);
}

/* ---- the main thread: SQL in, findings out ----------------------------- */

struct landuse {
	char code[8];
	char maps_to[8];
	int legacy;
};

typedef struct checker {
	td_ws *ws;
	const td_rule_settings *rules;
	td_check_summary *sum;
	sqlite3_stmt *load, *boundary, *reg_keys, *reg_rows, *admin, *scan, *ins, *ins_area, *map_landuse;
	int have_scans, have_boundaries;
	struct landuse *landuse;
	size_t nlanduse;
	char today[11];
	long today_days;
} checker;

/* The finding's other parcel, when there is one. */
struct other {
	const char *commune;
	long sheet, parcel;
};

static td_status emit(checker *c, td_rule_id rule, const char *commune, long sheet, long parcel,
		      const struct other *other, double x, double y, double value, double tolerance,
		      const unsigned char *area, size_t area_len, const char *message, td_error *err)
{
	td_severity sev = c->rules->severity[rule];
	const td_rule *r = td_rule_get(rule);
	sqlite3_stmt *st = c->ins;
	char masked[1024];

	if (sev == TD_SEV_OFF)
		return TD_OK;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!isnan(x) && !isnan(y)) {
		sqlite3_bind_double(st, 1, x);
		sqlite3_bind_double(st, 2, y);
	}
	sqlite3_bind_int(st, 3, c->ws->srs_id);
	sqlite3_bind_text(st, 4, r->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, td_severity_name(sev), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->criterion, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, sheet);
	if (parcel > 0) /* else: a place with no parcel key, such as a DGN face without a number */
		sqlite3_bind_int64(st, 9, parcel);
	if (other) {
		sqlite3_bind_text(st, 10, other->commune, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 11, other->sheet);
		sqlite3_bind_int64(st, 12, other->parcel);
	}
	if (!isnan(value))
		sqlite3_bind_double(st, 13, value);
	if (!isnan(tolerance))
		sqlite3_bind_double(st, 14, tolerance);
	/* An ID number typed into a name or any other cell a message quotes is masked like ours. */
	td_identity_mask_text(message, masked, sizeof(masked));
	sqlite3_bind_text(st, 15, masked, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(c->ws, "insert finding", err);
	if (area) {
		sqlite3_stmt *a = c->ins_area;
		sqlite3_reset(a);
		sqlite3_bind_int64(a, 1, sqlite3_last_insert_rowid(c->ws->db));
		sqlite3_bind_blob(a, 2, area, (int)area_len, SQLITE_STATIC);
		sqlite3_bind_int(a, 3, c->ws->srs_id);
		sqlite3_bind_text(a, 4, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(a, 5, commune, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(a, 6, sheet);
		sqlite3_bind_int64(a, 7, parcel);
		if (sqlite3_step(a) != SQLITE_DONE)
			return td_ws_sqlerr(c->ws, "insert finding area", err);
	}
	c->sum->by_rule[rule]++;
	if (sev == TD_SEV_ERROR)
		c->sum->errors++;
	else
		c->sum->warnings++;
	return TD_OK;
}

static td_status emitf(checker *c, td_rule_id rule, const char *commune, long sheet, long parcel,
		       const struct other *other, double x, double y, double value, double tolerance, td_error *err,
		       const char *fmt, ...) __attribute__((format(printf, 12, 13)));

/* emit() with a formatted message; value and tolerance NAN when not measured. */
static td_status emitf(checker *c, td_rule_id rule, const char *commune, long sheet, long parcel,
		       const struct other *other, double x, double y, double value, double tolerance, td_error *err,
		       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return emit(c, rule, commune, sheet, parcel, other, x, y, value, tolerance, NULL, 0, msg, err);
}

/* Read one commune's map parcels, with what the register says of each. */
static td_status load_job(checker *c, const char *commune, struct job *j, td_error *err)
{
	sqlite3_stmt *st = c->load;
	int step;

	job_clear(j);
	snprintf(j->commune, sizeof(j->commune), "%s", commune);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct parcel *p;
		const void *wkb = sqlite3_column_blob(st, 2);
		int len = sqlite3_column_bytes(st, 2);
		if (j->n == j->cap) {
			size_t cap = j->cap ? 2 * j->cap : 1024;
			struct parcel *grown = realloc(j->parcels, cap * sizeof(*grown));
			if (!grown)
				return td_error_set(err, TD_ERR_NOMEM, "out of memory");
			j->parcels = grown;
			j->cap = cap;
		}
		p = &j->parcels[j->n];
		memset(p, 0, sizeof(*p));
		p->sheet = sqlite3_column_int64(st, 0);
		p->parcel = sqlite3_column_int64(st, 1);
		if (wkb && len > 0) {
			p->wkb = malloc((size_t)len);
			if (!p->wkb)
				return td_error_set(err, TD_ERR_NOMEM, "out of memory");
			memcpy(p->wkb, wkb, (size_t)len);
			p->wkb_len = (size_t)len;
		}
		p->has_register = sqlite3_column_int(st, 3);
		p->has_reg_area = sqlite3_column_type(st, 4) != SQLITE_NULL;
		p->reg_area = sqlite3_column_double(st, 4);
		j->n++;
	}
	if (step != SQLITE_DONE)
		return td_ws_sqlerr(c->ws, "read parcels", err);
	if (c->have_boundaries && c->rules->severity[TD_RULE_OUTSIDE_COMMUNE] != TD_SEV_OFF) {
		sqlite3_reset(c->boundary);
		sqlite3_bind_text(c->boundary, 1, commune, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(c->boundary) == SQLITE_ROW && sqlite3_column_bytes(c->boundary, 0) > 0) {
			int len = sqlite3_column_bytes(c->boundary, 0);
			j->boundary = malloc((size_t)len);
			if (!j->boundary)
				return td_error_set(err, TD_ERR_NOMEM, "out of memory");
			memcpy(j->boundary, sqlite3_column_blob(c->boundary, 0), (size_t)len);
			j->boundary_len = (size_t)len;
		}
	}
	c->sum->parcels += (long)j->n;
	return TD_OK;
}

static td_status write_found(checker *c, const struct job *j, td_error *err)
{
	for (size_t i = 0; i < j->nfound; i++) {
		const struct found *f = &j->found[i];
		const struct parcel *p = &j->parcels[f->parcel];
		struct other o;
		td_status rc;
		if (f->other != TD_TOPO_NONE) {
			o.commune = j->commune;
			o.sheet = j->parcels[f->other].sheet;
			o.parcel = j->parcels[f->other].parcel;
		}
		rc = emit(c, f->rule, j->commune, p->sheet, p->parcel, f->other != TD_TOPO_NONE ? &o : NULL, f->x, f->y,
			  f->value, f->tolerance, f->area_wkb, f->area_len, f->message, err);
		if (rc != TD_OK)
			return rc;
	}
	return TD_OK;
}

/* The first map parcel with this key (binary search), or NULL. */
static const struct parcel *find_parcel(const struct job *j, long sheet, long parcel)
{
	size_t lo = 0, hi = j->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct parcel *p = &j->parcels[mid];
		if (p->sheet < sheet || (p->sheet == sheet && p->parcel < parcel))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->n && j->parcels[lo].sheet == sheet && j->parcels[lo].parcel == parcel ? &j->parcels[lo] : NULL;
}

static int commune_valid(checker *c, const char *commune)
{
	int ok;

	sqlite3_reset(c->admin);
	sqlite3_bind_text(c->admin, 1, commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->admin, 2, c->rules->admin_date, -1, SQLITE_STATIC);
	ok = sqlite3_step(c->admin) == SQLITE_ROW && sqlite3_column_int(c->admin, 0);
	return ok;
}

static int has_scan(checker *c, const char *commune, long sheet, long parcel)
{
	sqlite3_reset(c->scan);
	sqlite3_bind_text(c->scan, 1, commune, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(c->scan, 2, sheet);
	sqlite3_bind_int64(c->scan, 3, parcel);
	return sqlite3_step(c->scan) == SQLITE_ROW && sqlite3_column_int(c->scan, 0);
}

/*
 * Rules on parcel keys (map and register together): not built, admin code,
 * scans. Walks the map keys and the register keys in step.
 */
static td_status check_keys(checker *c, const struct job *j, td_error *err)
{
	int admin_ok = c->rules->severity[TD_RULE_ADMIN_CODE_INVALID] == TD_SEV_OFF || commune_valid(c, j->commune);
	int scans = c->have_scans && c->rules->severity[TD_RULE_SCAN_MISSING] != TD_SEV_OFF;
	sqlite3_stmt *st = c->reg_keys;
	size_t i = 0;
	int step = SQLITE_ROW, more;
	td_status rc = TD_OK;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, j->commune, -1, SQLITE_TRANSIENT);
	more = (step = sqlite3_step(st)) == SQLITE_ROW;
	while (rc == TD_OK && (i < j->n || more)) {
		long rs = more ? sqlite3_column_int64(st, 0) : 0, rp = more ? sqlite3_column_int64(st, 1) : 0;
		const struct parcel *p = i < j->n ? &j->parcels[i] : NULL;
		int on_map, in_reg;
		long sheet, parcel;
		double x = NAN, y = NAN;

		if (p && (!more || p->sheet < rs || (p->sheet == rs && p->parcel < rp))) {
			on_map = 1, in_reg = 0;
		} else if (!p || p->sheet > rs || (p->sheet == rs && p->parcel > rp)) {
			on_map = 0, in_reg = 1;
		} else {
			on_map = in_reg = 1;
		}
		sheet = on_map ? p->sheet : rs;
		parcel = on_map ? p->parcel : rp;
		if (on_map) {
			x = p->x;
			y = p->y;
		}
		if (in_reg)
			c->sum->register_keys++;
		if (!on_map)
			rc = emitf(c, TD_RULE_REGISTER_NO_MAP, j->commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "register row %lld: parcel %s/%ld/%ld is not on the map",
				   (long long)sqlite3_column_int64(st, 2), j->commune, sheet, parcel);
		if (rc == TD_OK && !admin_ok)
			rc = emitf(c, TD_RULE_ADMIN_CODE_INVALID, j->commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "commune code %s is not a commune%s%s", j->commune,
				   c->rules->admin_date[0] ? " on " : "", c->rules->admin_date);
		if (rc == TD_OK && scans && !has_scan(c, j->commune, sheet, parcel))
			rc = emitf(c, TD_RULE_SCAN_MISSING, j->commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "parcel %s/%ld/%ld has no readable scanned document", j->commune, sheet, parcel);
		/* Step past every copy of this key on the map and the register row. */
		while (on_map && i < j->n && j->parcels[i].sheet == sheet && j->parcels[i].parcel == parcel)
			i++;
		if (in_reg)
			more = (step = sqlite3_step(st)) == SQLITE_ROW;
	}
	if (rc == TD_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = td_ws_sqlerr(c->ws, "read register keys", err);
	return rc;
}

static const struct landuse *find_landuse(const checker *c, const char *code, size_t len)
{
	for (size_t i = 0; i < c->nlanduse; i++)
		if (strlen(c->landuse[i].code) == len && strncmp(c->landuse[i].code, code, len) == 0)
			return &c->landuse[i];
	return NULL;
}

/* Land-use labels may be compound ("ODT+CLN"): every part must be known. where: "register row 7", "map". */
static td_status check_landuse(checker *c, const char *commune, long sheet, long parcel, const char *where,
			       const char *code, double x, double y, td_error *err)
{
	td_status rc = TD_OK;

	for (const char *part = code; rc == TD_OK && *part;) {
		size_t len = strcspn(part, "+");
		const struct landuse *lu;
		while (len > 0 && part[len - 1] == ' ')
			len--;
		lu = find_landuse(c, part, len);
		if (!lu)
			rc = emitf(c, TD_RULE_LANDUSE_UNKNOWN, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "%s: land-use code '%.*s' is in no list", where, (int)len, part);
		else if (lu->legacy)
			rc = emitf(c, TD_RULE_LANDUSE_LEGACY, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "%s: legacy land-use code %s%s%s", where, lu->code,
				   lu->maps_to[0] ? ", now " : " (no current code)", lu->maps_to);
		part += strcspn(part, "+");
		while (*part == '+' || *part == ' ')
			part++;
	}
	return rc;
}

/*
 * The map's own land-use codes, checked like the register's; a code a
 * register row of the same parcel repeats was reported with that row.
 */
static td_status check_map_landuse(checker *c, const struct job *j, td_error *err)
{
	sqlite3_stmt *st = c->map_landuse;
	td_status rc = TD_OK;
	int step = SQLITE_DONE;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, j->commune, -1, SQLITE_TRANSIENT);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		long sheet = sqlite3_column_int64(st, 0), parcel = sqlite3_column_int64(st, 1);
		const struct parcel *p = find_parcel(j, sheet, parcel);
		char where[64];
		snprintf(where, sizeof(where), "map feature %lld", (long long)sqlite3_column_int64(st, 2));
		rc = check_landuse(c, j->commune, sheet, parcel, where, (const char *)sqlite3_column_text(st, 3),
				   p ? p->x : NAN, p ? p->y : NAN, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(c->ws, "read map land-use codes", err);
	return rc;
}

static int date_implausible(const checker *c, const char *date)
{
	return date && (strcmp(date, "1900-01-01") < 0 || strcmp(date, c->today) > 0);
}

/* Rules on each register row of the commune. */
static td_status check_rows(checker *c, const struct job *j, td_error *err)
{
	sqlite3_stmt *st = c->reg_rows;
	int today_year = (int)strtol(c->today, NULL, 10);
	td_status rc = TD_OK;
	int step;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, j->commune, -1, SQLITE_TRANSIENT);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *commune = j->commune;
		long sheet = sqlite3_column_int64(st, 0), parcel = sqlite3_column_int64(st, 1);
		long row = sqlite3_column_int64(st, 2);
		const char *landuse = (const char *)sqlite3_column_text(st, 3);
		int has_area = sqlite3_column_type(st, 4) != SQLITE_NULL;
		const char *owner = (const char *)sqlite3_column_text(st, 5);
		const char *cccd = (const char *)sqlite3_column_text(st, 6);
		int birth_year = sqlite3_column_int(st, 7);
		const char *gender = (const char *)sqlite3_column_text(st, 8);
		const char *serial = (const char *)sqlite3_column_text(st, 9);
		const char *gcn_date = (const char *)sqlite3_column_text(st, 10);
		const char *last_change = (const char *)sqlite3_column_text(st, 11);
		const char *pending = (const char *)sqlite3_column_text(st, 12);
		long filed;
		const struct parcel *p = find_parcel(j, sheet, parcel);
		double x = p ? p->x : NAN, y = p ? p->y : NAN;
		char missing[96] = "", why[160];

		if (!landuse)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), ", Loại đất");
		if (!has_area)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), ", Diện tích");
		if (!owner)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), ", Họ tên chủ sử dụng");
		if (missing[0])
			rc = emitf(c, TD_RULE_REQUIRED_MISSING, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "register row %ld: missing %s", row, missing + 2);
		if (rc == TD_OK && landuse) {
			char where[48];
			snprintf(where, sizeof(where), "register row %ld", row);
			rc = check_landuse(c, commune, sheet, parcel, where, landuse, x, y, err);
		}
		if (rc == TD_OK && cccd) {
			td_id_verdict v =
				td_identity_check(cccd, birth_year, td_identity_sex(gender), why, sizeof(why));
			char masked[32];
			td_identity_mask(cccd, masked, sizeof(masked));
			if (v == TD_ID_INVALID)
				rc = emitf(c, TD_RULE_CCCD_INVALID, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
					   "register row %ld: CCCD %s: %s", row, masked, why);
			else if (v == TD_ID_LEGACY_CMND)
				rc = emitf(c, TD_RULE_CCCD_LEGACY_CMND, commune, sheet, parcel, NULL, x, y, NAN, NAN,
					   err, "register row %ld: %s is a 9-digit CMND: verify the owner's identity",
					   row, masked);
		}
		if (rc == TD_OK &&
		    ((birth_year && (birth_year < 1900 || birth_year > today_year)) || date_implausible(c, gcn_date) ||
		     date_implausible(c, last_change) || date_implausible(c, pending)))
			rc = emitf(c, TD_RULE_DATE_IMPLAUSIBLE, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "register row %ld: a date is before 1900 or after %s (birth year %d, certificate "
				   "%s, last change %s, pending since %s)",
				   row, c->today, birth_year, gcn_date ? gcn_date : "-",
				   last_change ? last_change : "-", pending ? pending : "-");
		if (rc == TD_OK && (serial == NULL) != (gcn_date == NULL))
			rc = emitf(c, TD_RULE_GCN_INCOMPLETE, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "register row %ld: certificate %s", row,
				   serial ? "serial without issue date" : "issue date without serial");
		if (rc == TD_OK && owner && td_encoding_has_residue(owner))
			rc = emitf(c, TD_RULE_TEXT_NOT_CLEAN, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "register row %ld: owner name '%s' looks like TCVN3/VNI text shown as Latin", row,
				   owner);
		if (rc == TD_OK && !last_change)
			rc = emitf(c, TD_RULE_LAST_CHANGE_MISSING, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "register row %ld: no last-change date", row);
		if (rc == TD_OK && pending && td_date_parse(pending, &filed) && filed <= c->today_days &&
		    c->today_days - filed > c->rules->change_deadline_days)
			rc = emitf(c, TD_RULE_CHANGE_OVERDUE, commune, sheet, parcel, NULL, x, y,
				   (double)(c->today_days - filed), (double)c->rules->change_deadline_days, err,
				   "register row %ld: change filed on %s is %ld days old", row, pending,
				   c->today_days - filed);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(c->ws, "read register rows", err);
	return rc;
}

/*
 * Owner identity across the whole register: rows whose name differs from
 * the first row (in key order) with the same CCCD, and rows whose CCCD
 * differs from the first row with the same name and birth year.
 */
static td_status check_owners(checker *c, td_error *err)
{
	static const char *const sql[2] = {
		"WITH r AS (SELECT id, commune, sheet, parcel, source_row, owner_name, cccd, td_name_key(owner_name) "
		"AS k, "
		"  first_value(id) OVER (PARTITION BY cccd ORDER BY commune, sheet, parcel, id) AS first "
		"  FROM register_rows WHERE cccd IS NOT NULL AND owner_name IS NOT NULL) "
		"SELECT r.commune, r.sheet, r.parcel, r.source_row, r.owner_name, f.commune, f.sheet, f.parcel, "
		" f.owner_name, r.cccd FROM r JOIN r AS f ON f.id = r.first WHERE r.k != f.k "
		"ORDER BY r.commune, r.sheet, r.parcel, r.id",
		"WITH r AS (SELECT id, commune, sheet, parcel, source_row, owner_name, cccd, "
		"  first_value(id) OVER (PARTITION BY td_name_key(owner_name), birth_year "
		"   ORDER BY commune, sheet, parcel, id) AS first "
		"  FROM register_rows WHERE cccd IS NOT NULL AND owner_name IS NOT NULL AND birth_year IS NOT NULL) "
		"SELECT r.commune, r.sheet, r.parcel, r.source_row, r.owner_name, f.commune, f.sheet, f.parcel, "
		" f.owner_name, r.cccd, f.cccd FROM r JOIN r AS f ON f.id = r.first WHERE r.cccd != f.cccd "
		"ORDER BY r.commune, r.sheet, r.parcel, r.id"};
	static const td_rule_id rules[2] = {TD_RULE_OWNER_NAME_MISMATCH, TD_RULE_OWNER_ID_CONFLICT};
	td_status rc = TD_OK;

	for (int k = 0; k < 2 && rc == TD_OK; k++) {
		sqlite3_stmt *st = NULL;
		int step;
		if (c->rules->severity[rules[k]] == TD_SEV_OFF)
			continue;
		rc = td_ws_prepare(c->ws, sql[k], &st, err);
		while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
			struct other o = {(const char *)sqlite3_column_text(st, 5), sqlite3_column_int64(st, 6),
					  sqlite3_column_int64(st, 7)};
			char a[32], b[32];
			td_identity_mask((const char *)sqlite3_column_text(st, 9), a, sizeof(a));
			if (k == 0)
				rc = emitf(c, rules[k], (const char *)sqlite3_column_text(st, 0),
					   sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), &o, NAN, NAN, NAN,
					   NAN, err,
					   "register row %lld: CCCD %s is '%s' here and '%s' on parcel %s/%lld/%lld",
					   (long long)sqlite3_column_int64(st, 3), a,
					   (const char *)sqlite3_column_text(st, 4),
					   (const char *)sqlite3_column_text(st, 8), o.commune, (long long)o.sheet,
					   (long long)o.parcel);
			else {
				td_identity_mask((const char *)sqlite3_column_text(st, 10), b, sizeof(b));
				rc = emitf(c, rules[k], (const char *)sqlite3_column_text(st, 0),
					   sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), &o, NAN, NAN, NAN,
					   NAN, err,
					   "register row %lld: '%s' has CCCD %s here and %s on parcel %s/%lld/%lld",
					   (long long)sqlite3_column_int64(st, 3),
					   (const char *)sqlite3_column_text(st, 4), a, b, o.commune,
					   (long long)o.sheet, (long long)o.parcel);
			}
		}
		if (rc == TD_OK && step != SQLITE_DONE)
			rc = td_ws_sqlerr(c->ws, "compare owners", err);
		sqlite3_finalize(st);
	}
	/* Owner findings name register rows: place them on their parcels where drawn. */
	if (rc == TD_OK)
		rc = td_ws_exec(
			c->ws,
			"UPDATE findings SET geom = (SELECT AsGPB(ST_PointOnSurface(GeomFromGPB(p.geom))) "
			" FROM parcels p WHERE p.commune = findings.commune AND p.sheet = findings.sheet "
			" AND p.parcel = findings.parcel AND p.geom IS NOT NULL AND ST_IsValid(p.geom) LIMIT 1) "
			"WHERE rule_id IN ('OWNER_NAME_MISMATCH', 'OWNER_ID_CONFLICT')",
			err);
	return rc;
}

/* What the map readers could not turn into parcels (map_problems), as findings. */
static td_status check_map_problems(checker *c, td_error *err)
{
	static const struct {
		const char *kind;
		td_rule_id rule;
	} kinds[] = {
		{"label_missing", TD_RULE_MAP_LABEL_MISSING},
		{"label_outside", TD_RULE_MAP_LABEL_OUTSIDE},
		{"label_twice", TD_RULE_MAP_LABEL_TWICE},
		{"line_dangling", TD_RULE_MAP_LINE_DANGLING},
	};
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(c->ws,
				     "SELECT kind, commune, sheet, coalesce(parcel, 0), coalesce(element, -1), x, y, "
				     "coalesce(text, '') FROM map_problems ORDER BY commune, sheet, id",
				     &st, err);

	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *commune = (const char *)sqlite3_column_text(st, 1);
		long sheet = (long)sqlite3_column_int64(st, 2), parcel = (long)sqlite3_column_int64(st, 3);
		long element = (long)sqlite3_column_int64(st, 4);
		double x = sqlite3_column_double(st, 5), y = sqlite3_column_double(st, 6);
		const char *text = (const char *)sqlite3_column_text(st, 7);
		size_t k = 0;

		while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k].kind, kind) != 0)
			k++;
		assert(k < sizeof(kinds) / sizeof(kinds[0])); /* the table's CHECK constraint */
		switch (kinds[k].rule) {
		case TD_RULE_MAP_LABEL_MISSING:
			rc = emitf(c, kinds[k].rule, commune, sheet, 0, NULL, x, y, NAN, NAN, err,
				   "a face of sheet %s/%ld has no parcel number", commune, sheet);
			break;
		case TD_RULE_MAP_LABEL_TWICE:
			rc = emitf(c, kinds[k].rule, commune, sheet, parcel, NULL, x, y, NAN, NAN, err,
				   "DGN element %ld: a second parcel number '%s' in the face of parcel %ld", element,
				   text, parcel);
			break;
		case TD_RULE_MAP_LABEL_OUTSIDE:
			rc = emitf(c, kinds[k].rule, commune, sheet, 0, NULL, x, y, NAN, NAN, err,
				   "DGN element %ld: label '%s' lies inside no parcel", element, text);
			break;
		default:
			rc = emitf(c, kinds[k].rule, commune, sheet, 0, NULL, x, y, NAN, NAN, err,
				   "DGN element %ld: a boundary line closes no parcel", element);
			break;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static td_status load_landuse(checker *c, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(c->ws, "SELECT code, status, COALESCE(maps_to, '') FROM ref_landuse", &st, err);
	int step;

	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct landuse *grown = realloc(c->landuse, (c->nlanduse + 1) * sizeof(*grown));
		if (!grown) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		c->landuse = grown;
		snprintf(grown[c->nlanduse].code, sizeof(grown->code), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(grown[c->nlanduse].maps_to, sizeof(grown->maps_to), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		grown[c->nlanduse].legacy = strcmp((const char *)sqlite3_column_text(st, 1), "legacy") == 0;
		c->nlanduse++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The integer one query returns; a failed query is an error, never a rule switched off. */
static td_status query_int(td_ws *ws, const char *sql, int *n, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, sql, &st, err);

	if (rc == TD_OK && sqlite3_step(st) != SQLITE_ROW)
		rc = td_ws_sqlerr(ws, sql, err);
	if (rc == TD_OK)
		*n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

static td_status prepare(checker *c, td_error *err)
{
	td_ws *ws = c->ws;
	td_status rc;

	rc = td_ws_prepare(ws,
			   "SELECT p.sheet, p.parcel, AsBinary(GeomFromGPB(p.geom)), "
			   " EXISTS (SELECT 1 FROM register_rows r WHERE r.commune = p.commune "
			   "  AND r.sheet = p.sheet AND r.parcel = p.parcel), "
			   " (SELECT r.area FROM register_rows r WHERE r.commune = p.commune AND r.sheet = p.sheet "
			   "  AND r.parcel = p.parcel AND r.area IS NOT NULL ORDER BY r.id LIMIT 1) "
			   "FROM parcels p WHERE p.commune = ?1 ORDER BY p.sheet, p.parcel, p.fid",
			   &c->load, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT AsBinary(ST_Union(GeomFromGPB(geom))) FROM communes WHERE code = ?1",
				   &c->boundary, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT sheet, parcel, MIN(source_row) FROM register_rows WHERE commune = ?1 "
				   "GROUP BY sheet, parcel ORDER BY sheet, parcel",
				   &c->reg_keys, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT sheet, parcel, source_row, landuse, area, owner_name, cccd, birth_year, gender, "
			"gcn_serial, gcn_date, last_change, pending_since FROM register_rows "
			"WHERE commune = ?1 ORDER BY sheet, parcel, id",
			&c->reg_rows, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT p.sheet, p.parcel, p.source_feature, p.landuse FROM parcels p WHERE p.commune = ?1 "
			"AND trim(coalesce(p.landuse, '')) <> '' AND NOT EXISTS (SELECT 1 FROM register_rows r "
			"WHERE r.commune = p.commune AND r.sheet = p.sheet AND r.parcel = p.parcel "
			"AND r.landuse = p.landuse) ORDER BY p.sheet, p.parcel, p.fid",
			&c->map_landuse, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT EXISTS (SELECT 1 FROM ref_communes WHERE code = ?1 AND (?2 = '' OR "
			"((valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to >= ?2))))",
			&c->admin, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT EXISTS (SELECT 1 FROM scans WHERE commune = ?1 AND sheet = ?2 AND parcel = ?3 "
			"AND readable = 1)",
			&c->scan, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "INSERT INTO findings (geom, rule_id, severity, criterion, commune, sheet, parcel, "
				   "other_commune, other_sheet, other_parcel, value, tolerance, message) VALUES "
				   "(CASE WHEN ?1 IS NULL THEN NULL ELSE AsGPB(MakePoint(?1, ?2, ?3)) END, "
				   "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
				   &c->ins, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "INSERT INTO finding_areas (fid, geom, rule_id, commune, sheet, parcel) VALUES "
				   "(?1, AsGPB(CastToMultiPolygon(GeomFromWKB(?2, ?3))), ?4, ?5, ?6, ?7)",
				   &c->ins_area, err);
	return rc;
}

static void finalize(checker *c)
{
	sqlite3_stmt *all[] = {c->load, c->boundary, c->reg_keys, c->reg_rows,   c->admin,
			       c->scan, c->ins,      c->ins_area, c->map_landuse};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	free(c->landuse);
}

static void summary_json(td_check_summary *sum)
{
	size_t n = (size_t)snprintf(sum->json, sizeof(sum->json),
				    "{\"command\":\"check\",\"today\":\"%s\",\"communes\":%ld,\"parcels\":%ld,"
				    "\"register_keys\":%ld,\"errors\":%ld,\"warnings\":%ld,\"by_rule\":{",
				    sum->today, sum->communes, sum->parcels, sum->register_keys, sum->errors,
				    sum->warnings);
	for (int i = 0, first = 1; i < TD_RULE_COUNT && n < sizeof(sum->json); i++)
		if (sum->by_rule[i]) {
			n += (size_t)snprintf(sum->json + n, sizeof(sum->json) - n, "%s\"%s\":%ld", first ? "" : ",",
					      td_rule_get((td_rule_id)i)->code, sum->by_rule[i]);
			first = 0;
		}
	if (n < sizeof(sum->json))
		snprintf(sum->json + n, sizeof(sum->json) - n, "},\"accepted\":%ld}", sum->accepted);
}

static int worker_count(const td_check_options *o)
{
	long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > TD_MAX_THREADS ? TD_MAX_THREADS : (int)n;
}

/*
 * The pipeline: up to window communes are loaded ahead and analysed by the
 * workers; the main thread writes them back in commune order, so the output
 * does not depend on thread timing.
 */
static td_status run_communes(checker *c, const td_check_options *opts, td_progress_fn progress, void *arg,
			      td_error *err)
{
	struct pool pool;
	struct job *jobs = NULL;
	char(*communes)[16] = NULL;
	size_t ncommunes = 0, window, next_load = 0, next_write = 0;
	int nthreads = worker_count(opts);
	td_status rc;

	rc = td_ws_communes(c->ws, "register_rows", &communes, &ncommunes, err);
	if (rc != TD_OK)
		return rc;
	c->sum->communes = (long)ncommunes;
	window = (size_t)nthreads + 1;
	jobs = calloc(window, sizeof(*jobs));
	if (!jobs) {
		free(communes);
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < window; i++)
		jobs[i].rules = c->rules;
	rc = pool_start(&pool, nthreads, window, err);
	while (rc == TD_OK && next_write < ncommunes) {
		struct job *j;
		while (rc == TD_OK && next_load < ncommunes && next_load - next_write < window) {
			j = &jobs[next_load % window];
			rc = load_job(c, communes[next_load], j, err);
			if (rc == TD_OK)
				pool_submit(&pool, j);
			next_load++;
		}
		if (rc != TD_OK)
			break;
		j = &jobs[next_write % window];
		pool_wait(&pool, j);
		if (j->err.code != TD_OK)
			rc = td_error_set(err, j->err.code, "commune %s: %s", j->commune, j->err.msg);
		if (rc == TD_OK)
			rc = write_found(c, j, err);
		if (rc == TD_OK)
			rc = check_keys(c, j, err);
		if (rc == TD_OK)
			rc = check_rows(c, j, err);
		if (rc == TD_OK)
			rc = check_map_landuse(c, j, err);
		next_write++;
		if (rc == TD_OK && progress && !progress(0.95 * (double)next_write / (double)ncommunes, "check", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	}
	pool_stop(&pool); /* waits for jobs still in the workers' hands */
	for (size_t i = 0; i < window; i++)
		job_free(&jobs[i]);
	free(jobs);
	free(communes);
	return rc;
}

/* Findings covered by an accepted exception (exception.h) are counted apart, not as errors or warnings. */
static td_status accepted_exceptions(td_ws *ws, td_check_summary *sum, td_error *err)
{
	long errors, warnings;
	td_status rc = td_exception_mark(ws, &errors, &warnings, err);

	sum->accepted = errors + warnings;
	sum->errors -= errors;
	sum->warnings -= warnings;
	return rc;
}

/* The identity findings (findings.h), counted into the summary by severity. */
static td_status identity_findings(checker *c, td_error *err)
{
	long counts[TD_RULE_COUNT] = {0};
	td_status rc = td_findings_identity(c->ws, c->rules, counts, err);

	for (int i = 0; rc == TD_OK && i < TD_RULE_COUNT; i++) {
		c->sum->by_rule[i] += counts[i];
		if (c->rules->severity[i] == TD_SEV_ERROR)
			c->sum->errors += counts[i];
		else
			c->sum->warnings += counts[i];
	}
	return rc;
}

td_status td_check_run(td_ws *ws, const td_check_options *opts, td_progress_fn progress, void *arg,
		       td_check_summary *sum, td_error *err)
{
	checker c = {.ws = ws, .rules = &opts->rules, .sum = sum};
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	if (opts->rules.today[0]) {
		snprintf(c.today, sizeof(c.today), "%s", opts->rules.today);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(c.today, sizeof(c.today), "%Y-%m-%d", &tm);
	}
	snprintf(sum->today, sizeof(sum->today), "%s", c.today);
	if (!td_date_parse(c.today, &c.today_days))
		return td_error_set(err, TD_ERR_USAGE, "today '%s': expected YYYY-MM-DD, a real date", c.today);

	rc = td_ws_begin(ws, "check", err);
	if (rc != TD_OK)
		return rc;
	rc = query_int(ws, "SELECT EXISTS (SELECT 1 FROM scans)", &c.have_scans, err);
	if (rc == TD_OK)
		rc = query_int(ws, "SELECT EXISTS (SELECT 1 FROM communes)", &c.have_boundaries, err);
	if (rc == TD_OK)
		rc = td_ws_exec(ws, "DELETE FROM finding_areas; DELETE FROM findings", err);
	if (rc == TD_OK)
		rc = prepare(&c, err);
	if (rc == TD_OK)
		rc = load_landuse(&c, err);
	if (rc == TD_OK)
		rc = run_communes(&c, opts, progress, arg, err);
	if (rc == TD_OK)
		rc = check_owners(&c, err);
	if (rc == TD_OK)
		rc = check_map_problems(&c, err);
	if (rc == TD_OK)
		rc = identity_findings(&c, err);
	if (rc == TD_OK)
		rc = accepted_exceptions(ws, sum, err);
	finalize(&c);
	summary_json(sum);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK && progress)
		progress(1.0, "check", arg);
	return rc;
}
