#include "merge.h"
#include "crosswalk.h"
#include "crs.h"
#include "outfile.h"
#include "source.h"
#include "strbuf.h"
#include "text.h"
#include "workspace.h"

#include <cpl_error.h>
#include <dirent.h>
#include <errno.h>
#include <gdal.h>
#include <limits.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One input workspace, attached to the output's connection as schema in<k>. */
struct input {
	const char *path;
	char alias[16];
	char *crs_wkt;
	int srs_id;
	OGRCoordinateTransformationH ct; /* NULL when it is in the target CRS already */
	long long run_max;               /* its highest run id, copied before the merge stage */
	/* Added to its ids so that the ids of all inputs stay distinct in the output. */
	long long run_off, src_off, reg_off, scan_off;
};

/* A polygon of a new commune, for placing parcels of split old communes. */
struct boundary {
	char code[TD_CODE_SIZE];
	GEOSGeometry *geom;
	const GEOSPreparedGeometry *prep;
};

struct merge {
	td_ctx *ctx;
	const td_merge_options *opts;
	td_merge_summary *sum;
	td_progress_fn progress;
	void *arg;
	td_crosswalk cw;
	td_sheet_table sheets;
	struct input in[TD_MERGE_MAX_INPUTS];
	int n;
	td_ws *ws;
	char tmp[TD_PATH_MAX]; /* the output while it is being made */
	OGRSpatialReferenceH target;
	struct boundary *b; /* sorted by code once loaded */
	size_t nb, bcap;
	unsigned char *wkb; /* reused for every geometry */
	size_t wkb_cap;
	long done, total; /* parcels, for progress */
};

static void warn(td_merge_summary *sum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(td_merge_summary *sum, const char *fmt, ...)
{
	va_list ap;

	if (sum->nwarnings == TD_MERGE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(sum->warnings[sum->nwarnings++], sizeof(sum->warnings[0]), fmt, ap);
	va_end(ap);
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
	va_list copy;
	char *s;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	s = n < 0 ? NULL : malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* Run SQL made from a format: the aliases and id offsets of an input go into the text. */
static td_status execf(struct merge *m, td_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static td_status execf(struct merge *m, td_error *err, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	td_status rc;

	va_start(ap, fmt);
	sql = vformat(fmt, ap);
	va_end(ap);
	if (!sql)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	rc = td_ws_exec(m->ws, sql, err);
	free(sql);
	return rc;
}

/* The first column of the first row of a query (0 when there is no row or it is NULL). */
static td_status queryf(struct merge *m, long long *out, td_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static td_status queryf(struct merge *m, long long *out, td_error *err, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *sql;
	td_status rc;
	int step;

	*out = 0;
	va_start(ap, fmt);
	sql = vformat(fmt, ap);
	va_end(ap);
	if (!sql)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	rc = td_ws_prepare(m->ws, sql, &st, err);
	if (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(m->ws, "query", err);
	sqlite3_finalize(st);
	free(sql);
	return rc;
}

/*
 * The number added to input k's ids in table so that the ids of all inputs
 * stay distinct in the output: the previous input's (prev) plus its highest
 * id; 0 for the first input.
 */
static td_status id_offset(struct merge *m, int k, const char *table, long long prev, long long *off, td_error *err)
{
	long long max = 0;
	td_status rc =
		k ? queryf(m, &max, err, "SELECT coalesce(max(id), 0) FROM %s.%s", m->in[k - 1].alias, table) : TD_OK;

	*off = k ? prev + max : 0;
	return rc;
}

static td_status nomem(td_error *err)
{
	return td_error_set(err, TD_ERR_NOMEM, "out of memory");
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static td_status check_options(const td_merge_options *o, td_error *err)
{
	struct stat st;

	if (!o->out || !o->crosswalk || !o->sheets)
		return td_error_set(err, TD_ERR_USAGE, "give the output workspace, --crosswalk and --sheets");
	if (o->ninputs < 2)
		return td_error_set(err, TD_ERR_USAGE, "give at least two workspaces to merge");
	if (o->ninputs > TD_MERGE_MAX_INPUTS)
		return td_error_set(err, TD_ERR_USAGE,
				    "at most %d workspaces can be merged at once (merge the result again)",
				    TD_MERGE_MAX_INPUTS);
	for (int i = 0; i < o->ninputs; i++) {
		if (same_file(o->inputs[i], o->out))
			return td_error_set(err, TD_ERR_USAGE, "the output '%s' is also an input", o->out);
		for (int j = 0; j < i; j++)
			if (same_file(o->inputs[i], o->inputs[j]))
				return td_error_set(err, TD_ERR_USAGE, "workspace '%s' is given twice ('%s')",
						    o->inputs[j], o->inputs[i]);
	}
	if (!o->force && stat(o->out, &st) == 0)
		return td_error_set(err, TD_ERR_USAGE, "'%s' already exists (use --force to replace it)", o->out);
	return TD_OK;
}

/* Open each input once to check it is a workspace and learn its CRS. */
static td_status open_inputs(struct merge *m, td_error *err)
{
	for (int k = 0; k < m->n; k++) {
		struct input *in = &m->in[k];
		td_ws *w = NULL;
		td_status rc = td_ws_open(m->ctx, in->path, TD_WS_READ, &w, err);
		if (rc != TD_OK)
			return rc;
		in->crs_wkt = strdup(w->crs_wkt);
		in->srs_id = w->srs_id;
		snprintf(m->sum->inputs[k].crs, sizeof(m->sum->inputs[k].crs), "%s", w->crs_name);
		td_ws_close(w);
		if (!in->crs_wkt)
			return nomem(err);
	}
	return TD_OK;
}

/* The CRS spec of the output: the one asked for, else the first input's (by EPSG code when it has one). */
static const char *target_spec(const struct merge *m, char *buf, size_t size)
{
	if (m->opts->target_crs)
		return m->opts->target_crs;
	if (m->in[0].srs_id > 0 && m->in[0].srs_id < TD_CRS_LOCAL_BASE) {
		snprintf(buf, size, "EPSG:%d", m->in[0].srs_id);
		return buf;
	}
	return m->in[0].crs_wkt;
}

/*
 * A merge killed into the same OUT left "OUT.merge-PID.tmp..." files (the
 * workspace, its journal, its lock): remove those whose process is gone.
 */
static void remove_stale(const char *out)
{
	const char *slash = strrchr(out, '/');
	const char *base = slash ? slash + 1 : out;
	char dir[TD_PATH_MAX], prefix[512], path[TD_PATH_MAX + 512];
	struct dirent *e;
	DIR *d;

	/* dir keeps its trailing '/' so that it prefixes names as it is */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out) + 1 : 0, out);
	snprintf(prefix, sizeof(prefix), "%s.merge-", base);
	d = opendir(slash ? dir : ".");
	while (d && (e = readdir(d)) != NULL) {
		char *end;
		long pid;
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		pid = strtol(e->d_name + strlen(prefix), &end, 10);
		if (pid <= 0 || strncmp(end, ".tmp", 4) != 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

static td_status create_output(struct merge *m, td_error *err)
{
	td_ws_create_options co = TD_WS_CREATE_OPTIONS_INIT;
	char spec[32];
	td_status rc;

	remove_stale(m->opts->out);
	snprintf(m->tmp, sizeof(m->tmp), "%s.merge-%ld.tmp", m->opts->out, (long)getpid());
	unlink(m->tmp);
	co.crs = target_spec(m, spec, sizeof(spec));
	co.force = 1;
	rc = td_ws_create(m->ctx, m->tmp, &co, err);
	if (rc == TD_OK)
		rc = td_ws_open(m->ctx, m->tmp, TD_WS_WRITE, &m->ws, err);
	if (rc != TD_OK)
		return rc;
	m->ws->invocation = m->opts->invocation;
	snprintf(m->sum->crs, sizeof(m->sum->crs), "%s", m->ws->crs_name);
	m->target = OSRNewSpatialReference(NULL);
	if (!m->target || OSRSetFromUserInput(m->target, m->ws->crs_wkt) != OGRERR_NONE)
		return td_error_set(err, TD_ERR_INTERNAL, "cannot read back the CRS of '%s'", m->tmp);
	OSRSetAxisMappingStrategy(m->target, OAMS_TRADITIONAL_GIS_ORDER);
	return TD_OK;
}

/* The transformation from a CRS (WKT) to the target, or NULL when they are the same. */
static td_status transform_from(struct merge *m, OGRSpatialReferenceH src, const char *what,
				OGRCoordinateTransformationH *out, td_error *err)
{
	*out = NULL;
	OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
	if (OSRIsSame(src, m->target))
		return TD_OK;
	*out = OCTNewCoordinateTransformation(src, m->target);
	if (!*out)
		return td_error_set(err, TD_ERR_INPUT, "%s: cannot transform from %s to %s: %s", what,
				    OSRGetName(src) ? OSRGetName(src) : "its CRS", m->sum->crs,
				    td_source_gdal_reason("PROJ found no transformation"));
	return TD_OK;
}

static td_status attach_inputs(struct merge *m, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = TD_OK;
	char sql[64], what[TD_PATH_MAX];

	if (sqlite3_limit(m->ws->db, SQLITE_LIMIT_ATTACHED, -1) < m->n)
		return td_error_set(err, TD_ERR_USAGE,
				    "this SQLite attaches at most %d databases: merge fewer workspaces at once",
				    sqlite3_limit(m->ws->db, SQLITE_LIMIT_ATTACHED, -1));
	for (int k = 0; k < m->n && rc == TD_OK; k++) {
		struct input *in = &m->in[k];
		OGRSpatialReferenceH src;

		snprintf(in->alias, sizeof(in->alias), "in%d", k + 1);
		snprintf(sql, sizeof(sql), "ATTACH DATABASE ?1 AS %s", in->alias);
		rc = td_ws_prepare(m->ws, sql, &st, err);
		if (rc == TD_OK) {
			sqlite3_bind_text(st, 1, in->path, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = td_error_set(err, TD_ERR_INPUT, "cannot read workspace '%s': %s", in->path,
						  sqlite3_errmsg(m->ws->db));
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != TD_OK)
			break;
		/* Same EPSG code, same CRS; otherwise let OSR compare the definitions. */
		if (in->srs_id == m->ws->srs_id && in->srs_id < TD_CRS_LOCAL_BASE)
			continue;
		src = OSRNewSpatialReference(NULL);
		snprintf(what, sizeof(what), "workspace '%s'", in->path);
		if (!src || OSRSetFromUserInput(src, in->crs_wkt) != OGRERR_NONE)
			rc = td_error_set(err, TD_ERR_WORKSPACE, "%s: its CRS cannot be read", what);
		else
			rc = transform_from(m, src, what, &in->ct, err);
		OSRDestroySpatialReference(src);
	}
	return rc;
}

/*
 * Copy every input's runs, ids shifted past the previous input's, in a
 * transaction of their own before the merge stage's: the merge run then
 * comes last, so the copied checks never pass for checks of the merged data.
 */
static td_status copy_runs(struct merge *m, td_error *err)
{
	long long off = 0;
	td_status rc = td_ws_exec(m->ws, "BEGIN IMMEDIATE", err);

	for (int k = 0; k < m->n && rc == TD_OK; k++) {
		struct input *in = &m->in[k];
		in->run_off = off;
		rc = queryf(m, &in->run_max, err, "SELECT coalesce(max(id), 0) FROM %s.runs", in->alias);
		if (rc == TD_OK)
			rc = execf(
				m, err,
				"INSERT INTO main.runs (id, command, argv, os_user, started_at, finished_at, summary) "
				"SELECT id + %lld, command, argv, os_user, started_at, finished_at, summary "
				"FROM %s.runs ORDER BY id",
				off, in->alias);
		off += in->run_max;
	}
	if (rc == TD_OK)
		rc = td_ws_exec(m->ws, "COMMIT", err);
	else
		td_ws_rollback(m->ws);
	return rc;
}

static const char temp_tables[] =
	/* The crosswalk: new_code NULL for an old commune split between several (targets). */
	"CREATE TEMP TABLE cw (old_code TEXT PRIMARY KEY, new_code TEXT, targets TEXT NOT NULL);"
	"CREATE TEMP TABLE cwpair (old_code TEXT, new_code TEXT, new_name TEXT, PRIMARY KEY (old_code, new_code));"
	"CREATE TEMP TABLE sheetmap (old_commune TEXT, old_sheet INTEGER, new_commune TEXT, new_sheet INTEGER,"
	" PRIMARY KEY (old_commune, old_sheet, new_commune));"
	/* What each input holds per old commune. */
	"CREATE TEMP TABLE incount (input INTEGER, commune TEXT, parcels INTEGER, register_rows INTEGER,"
	" scans INTEGER, PRIMARY KEY (input, commune));"
	/* Every parcel of a split old commune and the new commune it went to (NULL: not placed). */
	"CREATE TEMP TABLE splitkey (input INTEGER, commune TEXT, sheet INTEGER, parcel INTEGER, new_commune TEXT);"
	"CREATE TEMP TABLE keyplace (input INTEGER, commune TEXT, sheet INTEGER, parcel INTEGER, new_commune TEXT,"
	" parcels INTEGER, placed INTEGER, communes TEXT, PRIMARY KEY (input, commune, sheet, parcel));"
	"CREATE TEMP TABLE unassigned (kind TEXT, input INTEGER, input_row INTEGER, commune TEXT, sheet INTEGER,"
	" parcel INTEGER, x REAL, y REAL, reason TEXT);"
	"CREATE TEMP TABLE owner_first (person_key TEXT PRIMARY KEY, input INTEGER);"
	"CREATE TEMP TABLE owner_map (input INTEGER, old_id INTEGER, new_id INTEGER, PRIMARY KEY (input, old_id));"
	"CREATE TEMP TABLE owner_conflicts (person_key TEXT, field TEXT, value_1 TEXT, input_1 INTEGER,"
	" value_2 TEXT, input_2 INTEGER, kept TEXT);";

/* The crosswalk and the sheet table as temporary tables, for the SQL that recodes rows. */
static td_status load_tables(struct merge *m, td_error *err)
{
	sqlite3_stmt *cw = NULL, *pair = NULL, *sheet = NULL;
	td_status rc = td_ws_exec(m->ws, temp_tables, err);

	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, "INSERT INTO temp.cw VALUES (?1, ?2, ?3)", &cw, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, "INSERT INTO temp.cwpair VALUES (?1, ?2, ?3)", &pair, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, "INSERT INTO temp.sheetmap VALUES (?1, ?2, ?3, ?4)", &sheet, err);
	for (size_t i = 0; rc == TD_OK && i < m->cw.n;) {
		const td_crosswalk_row *r;
		size_t n = td_crosswalk_find(&m->cw, m->cw.rows[i].old_code, &r);
		char targets[256] = "";
		size_t len = 0;

		for (size_t j = 0; j < n && rc == TD_OK; j++) {
			len += (size_t)snprintf(targets + len, len < sizeof(targets) ? sizeof(targets) - len : 0,
						"%s%s", j ? ", " : "", r[j].new_code);
			sqlite3_reset(pair);
			sqlite3_bind_text(pair, 1, r[j].old_code, -1, SQLITE_STATIC);
			sqlite3_bind_text(pair, 2, r[j].new_code, -1, SQLITE_STATIC);
			sqlite3_bind_text(pair, 3, r[j].new_name, -1, SQLITE_STATIC);
			if (sqlite3_step(pair) != SQLITE_DONE)
				rc = td_ws_sqlerr(m->ws, "crosswalk", err);
		}
		sqlite3_reset(cw);
		sqlite3_bind_text(cw, 1, r->old_code, -1, SQLITE_STATIC);
		if (n == 1)
			sqlite3_bind_text(cw, 2, r->new_code, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(cw, 2);
		sqlite3_bind_text(cw, 3, targets, -1, SQLITE_TRANSIENT);
		if (rc == TD_OK && sqlite3_step(cw) != SQLITE_DONE)
			rc = td_ws_sqlerr(m->ws, "crosswalk", err);
		i += n;
	}
	for (size_t i = 0; rc == TD_OK && i < m->sheets.n; i++) {
		const td_sheet_row *r = &m->sheets.rows[i];
		sqlite3_reset(sheet);
		sqlite3_bind_text(sheet, 1, r->old_commune, -1, SQLITE_STATIC);
		sqlite3_bind_int64(sheet, 2, r->old_sheet);
		sqlite3_bind_text(sheet, 3, r->new_commune, -1, SQLITE_STATIC);
		sqlite3_bind_int64(sheet, 4, r->new_sheet);
		if (sqlite3_step(sheet) != SQLITE_DONE)
			rc = td_ws_sqlerr(m->ws, "sheet table", err);
	}
	sqlite3_finalize(cw);
	sqlite3_finalize(pair);
	sqlite3_finalize(sheet);
	return rc;
}

/*
 * Count what an input holds per old commune, and refuse a code the
 * crosswalk does not know: recoding it would be a guess.
 */
static td_status count_input(struct merge *m, int k, td_error *err)
{
	struct input *in = &m->in[k];
	td_merge_input *s = &m->sum->inputs[k];
	sqlite3_stmt *st = NULL;
	long long runs, v = 0;
	td_status rc;

	/* The runs were copied in their own transaction: the input must not have changed since. */
	rc = queryf(m, &runs, err, "SELECT coalesce(max(id), 0) FROM %s.runs", in->alias);
	if (rc == TD_OK && runs != in->run_max)
		return td_error_set(err, TD_ERR_INPUT, "workspace '%s' changed while it was being merged: merge again",
				    in->path);
	if (rc == TD_OK)
		rc = execf(
			m, err,
			"INSERT INTO temp.incount SELECT %d, commune, sum(p), sum(r), sum(s) FROM ("
			" SELECT commune, 1 AS p, 0 AS r, 0 AS s FROM %s.parcels"
			" UNION ALL SELECT commune, 0, 1, 0 FROM %s.register_rows"
			" UNION ALL SELECT commune, 0, 0, 1 FROM %s.scans WHERE commune IS NOT NULL) GROUP BY commune",
			k + 1, in->alias, in->alias, in->alias);
	if (rc == TD_OK)
		rc = queryf(m, &v, err, "SELECT count(*) FROM %s.owners", in->alias);
	s->owners = (long)v;
	if (rc == TD_OK)
		rc = queryf(m, &v, err, "SELECT count(*) FROM %s.scans", in->alias);
	s->scans = (long)v;
	if (rc == TD_OK)
		rc = queryf(m, &v, err, "SELECT coalesce(sum(parcels), 0) FROM temp.incount WHERE input = %d", k + 1);
	s->parcels = (long)v;
	if (rc == TD_OK)
		rc = queryf(m, &v, err, "SELECT coalesce(sum(register_rows), 0) FROM temp.incount WHERE input = %d",
			    k + 1);
	s->register_rows = (long)v;
	if (rc == TD_OK)
		rc = td_ws_prepare(
			m->ws,
			"SELECT commune, parcels, register_rows, scans, count(*) OVER () FROM temp.incount "
			"WHERE input = ?1 AND commune NOT IN (SELECT old_code FROM temp.cw) ORDER BY commune LIMIT 1",
			&st, err);
	if (rc == TD_OK) {
		sqlite3_bind_int(st, 1, k + 1);
		if (sqlite3_step(st) == SQLITE_ROW) {
			long long more = sqlite3_column_int64(st, 4) - 1;
			char others[64] = "";
			if (more > 0)
				snprintf(others, sizeof(others), "; and %lld more unknown code%s", more,
					 more > 1 ? "s" : "");
			rc = td_error_set(
				err, TD_ERR_INPUT,
				"workspace '%s': commune code '%s' is not in the crosswalk '%s' (%lld parcels, "
				"%lld register rows, %lld scans)%s",
				in->path, (const char *)sqlite3_column_text(st, 0), m->cw.path,
				sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
				others);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static td_status record_input(struct merge *m, int k, td_error *err)
{
	sqlite3_stmt *st = NULL;
	const td_merge_input *s = &m->sum->inputs[k];
	td_status rc = td_ws_prepare(m->ws, "INSERT INTO main.merge_inputs VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st, err);

	if (rc != TD_OK)
		return rc;
	sqlite3_bind_int64(st, 1, m->ws->run_id);
	sqlite3_bind_int(st, 2, k + 1);
	sqlite3_bind_text(st, 3, m->in[k].path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->crs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->parcels);
	sqlite3_bind_int64(st, 6, s->register_rows);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = td_ws_sqlerr(m->ws, "record input", err);
	sqlite3_finalize(st);
	return rc;
}

/* Sources keep their ids shifted; the path names the input they came through. */
static td_status copy_sources(struct merge *m, td_error *err)
{
	td_status rc = TD_OK;

	for (int k = 0; k < m->n && rc == TD_OK; k++) {
		struct input *in = &m->in[k];
		rc = id_offset(m, k, "sources", k ? m->in[k - 1].src_off : 0, &in->src_off, err);
		if (rc == TD_OK)
			rc = execf(m, err,
				   "INSERT INTO main.sources (id, path, kind, reader, encoding, crs, options, "
				   "checksum, size, "
				   "records, run_id) SELECT id + %lld, "
				   "(SELECT path FROM main.merge_inputs WHERE input = %d) "
				   "|| '::' || path, kind, reader, encoding, crs, options, checksum, size, records, "
				   "run_id + %lld "
				   "FROM %s.sources ORDER BY id",
				   in->src_off, k + 1, in->run_off, in->alias);
	}
	return rc;
}

/* The WKB of a geometry made into m->wkb; *n its size. */
static td_status export_wkb(struct merge *m, OGRGeometryH g, size_t *n, td_error *err)
{
	*n = (size_t)OGR_G_WkbSize(g);
	if (*n > m->wkb_cap) {
		unsigned char *p = realloc(m->wkb, *n);
		if (!p)
			return nomem(err);
		m->wkb = p;
		m->wkb_cap = *n;
	}
	OGR_G_ExportToIsoWkb(g, wkbNDR, m->wkb);
	return TD_OK;
}

/*
 * A geometry read from an input (WKB) in the target CRS: *out points at
 * the WKB to store (the input's when no reprojection is needed), *n is 0
 * when there is no geometry.
 */
static td_status reproject(struct merge *m, OGRCoordinateTransformationH ct, const void *blob, int len,
			   const char *where, const unsigned char **out, size_t *n, td_error *err)
{
	OGRGeometryH g = NULL;
	td_status rc;

	*out = NULL;
	*n = 0;
	if (!blob || len <= 0)
		return TD_OK;
	if (!ct) {
		*out = blob;
		*n = (size_t)len;
		return TD_OK;
	}
	if (OGR_G_CreateFromWkb(blob, NULL, &g, len) != OGRERR_NONE)
		return td_error_set(err, TD_ERR_INPUT, "%s: the geometry cannot be read", where);
	if (OGR_G_Transform(g, ct) != OGRERR_NONE) {
		OGR_G_DestroyGeometry(g);
		return td_error_set(err, TD_ERR_INPUT, "%s: cannot reproject: %s", where,
				    td_source_gdal_reason("PROJ failed"));
	}
	rc = export_wkb(m, g, n, err);
	OGR_G_DestroyGeometry(g);
	*out = m->wkb;
	return rc;
}

static td_status add_boundary(struct merge *m, const char *code, const unsigned char *wkb, size_t n, const char *where,
			      td_error *err)
{
	GEOSContextHandle_t h = m->ctx->geos;
	struct boundary *b;

	if (m->nb == m->bcap) {
		size_t cap = m->bcap ? m->bcap * 2 : 64;
		struct boundary *p = realloc(m->b, cap * sizeof(*p));
		if (!p)
			return nomem(err);
		m->b = p;
		m->bcap = cap;
	}
	b = &m->b[m->nb];
	memset(b, 0, sizeof(*b));
	snprintf(b->code, sizeof(b->code), "%s", code);
	b->geom = GEOSGeomFromWKB_buf_r(h, wkb, n);
	b->prep = b->geom ? GEOSPrepare_r(h, b->geom) : NULL;
	if (!b->prep) {
		if (b->geom)
			GEOSGeom_destroy_r(h, b->geom);
		return td_error_set(err, TD_ERR_INPUT, "%s: the boundary cannot be read: %s", where, m->ctx->geos_msg);
	}
	m->nb++;
	return TD_OK;
}

static int cmp_boundary(const void *a, const void *b)
{
	return strcmp(((const struct boundary *)a)->code, ((const struct boundary *)b)->code);
}

static int is_polygonal(OGRwkbGeometryType t)
{
	t = wkbFlatten(t);
	return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface;
}

/* The field among names (compared case-folded), or -1. */
static int find_field(OGRFeatureDefnH defn, const char *const *names)
{
	char key[256];

	for (int k = 0; names[k]; k++)
		for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++)
			if (td_text_key(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), key, sizeof(key)) &&
			    strcmp(key, names[k]) == 0)
				return i;
	return -1;
}

static td_status insert_source(struct merge *m, GDALDatasetH ds, const char *path, const char *crs, long records,
			       long long *id, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char hex[9];
	int64_t size;
	td_status rc = td_source_checksum(ds, hex, &size, err);

	if (rc == TD_OK)
		rc = td_ws_prepare(
			m->ws,
			"INSERT INTO main.sources (path, kind, reader, crs, checksum, size, records, run_id) "
			"VALUES (?1, 'boundaries', ?2, ?3, ?4, ?5, ?6, ?7)",
			&st, err);
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, GDALGetDriverShortName(GDALGetDatasetDriver(ds)), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, crs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, size);
	sqlite3_bind_int64(st, 6, records);
	sqlite3_bind_int64(st, 7, m->ws->run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = td_ws_sqlerr(m->ws, "record boundaries source", err);
	*id = sqlite3_last_insert_rowid(m->ws->db);
	sqlite3_finalize(st);
	return rc;
}

static const char insert_commune_sql[] =
	"INSERT INTO main.communes (geom, code, name, source_id) VALUES (AsGPB(GeomFromWKB(?1, ?2)), ?3, ?4, ?5)";

/* One polygon layer of --boundaries: its polygons of new communes, reprojected, into communes and m->b. */
static td_status boundary_layer(struct merge *m, OGRLayerH layer, sqlite3_stmt *ins, long long source_id, long *used,
				long *ignored, td_error *err)
{
	static const char *const code_names[] = {"code", "maxa", "ma_xa", "ma", NULL};
	static const char *const name_names[] = {"name", "tenxa", "ten_xa", "ten", NULL};
	const char *path = m->opts->boundaries;
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
	OGRCoordinateTransformationH ct = NULL;
	OGRFeatureH f = NULL;
	int ic = find_field(defn, code_names), in = find_field(defn, name_names);
	char where[4400], code[TD_CODE_SIZE];
	td_status rc = TD_OK;

	if (ic < 0)
		return td_error_set(err, TD_ERR_INPUT,
				    "boundaries '%s' layer '%s' has no commune code field (expected "
				    "one of code, MaXa, ma_xa, ma)",
				    path, OGR_L_GetName(layer));
	snprintf(where, sizeof(where), "boundaries '%s'", path);
	if (!srs)
		warn(m->sum, "boundaries '%s' layer '%s' names no CRS; assumed %s", path, OGR_L_GetName(layer),
		     m->sum->crs);
	else
		rc = transform_from(m, srs, where, &ct, err);
	OGR_L_ResetReading(layer);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		OGRGeometryH g = OGR_F_GetGeometryRef(f);
		const char *s = OGR_F_IsFieldSetAndNotNull(f, ic) ? OGR_F_GetFieldAsString(f, ic) : NULL;
		size_t n;

		snprintf(where, sizeof(where), "boundaries '%s' layer '%s' feature %lld", path, OGR_L_GetName(layer),
			 (long long)OGR_F_GetFID(f));
		if (!td_commune_code_parse(s, code)) {
			rc = td_error_set(err, TD_ERR_INPUT, "%s: '%s' is not a commune code", where, s ? s : "");
		} else if (!td_crosswalk_is_new(&m->cw, code) || !g || OGR_G_IsEmpty(g)) {
			(*ignored)++;
		} else {
			g = OGR_G_ForceToMultiPolygon(OGR_F_StealGeometry(f));
			if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE)
				rc = td_error_set(err, TD_ERR_INPUT, "%s: cannot reproject: %s", where,
						  td_source_gdal_reason("PROJ failed"));
			if (rc == TD_OK)
				rc = export_wkb(m, g, &n, err);
			OGR_G_DestroyGeometry(g);
			if (rc == TD_OK)
				rc = add_boundary(m, code, m->wkb, n, where, err);
			if (rc == TD_OK) {
				sqlite3_reset(ins);
				sqlite3_clear_bindings(ins);
				sqlite3_bind_blob(ins, 1, m->wkb, (int)n, SQLITE_STATIC);
				sqlite3_bind_int(ins, 2, m->ws->srs_id);
				sqlite3_bind_text(ins, 3, code, -1, SQLITE_STATIC);
				if (in >= 0 && OGR_F_IsFieldSetAndNotNull(f, in))
					sqlite3_bind_text(ins, 4, OGR_F_GetFieldAsString(f, in), -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(ins, 5, source_id);
				if (sqlite3_step(ins) != SQLITE_DONE)
					rc = td_ws_sqlerr(m->ws, where, err);
				(*used)++;
			}
		}
		OGR_F_Destroy(f);
	}
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	return rc;
}

/* --boundaries: the new communes' polygons, recorded as a source of the output. */
static td_status load_boundary_file(struct merge *m, td_error *err)
{
	const char *path = m->opts->boundaries;
	GDALDatasetH ds = td_source_open_vector(path, 0, err);
	sqlite3_stmt *ins = NULL;
	long long source_id = 0;
	long used = 0, ignored = 0;
	int layers = 0;
	td_status rc;

	if (!ds)
		return err->code;
	CPLPushErrorHandler(CPLQuietErrorHandler);
	rc = insert_source(m, ds, path, m->sum->crs, 0, &source_id, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, insert_commune_sql, &ins, err);
	for (int i = 0; rc == TD_OK && i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);
		if (!is_polygonal(OGR_L_GetGeomType(layer)))
			continue;
		layers++;
		rc = boundary_layer(m, layer, ins, source_id, &used, &ignored, err);
	}
	if (rc == TD_OK && layers == 0)
		rc = td_error_set(err, TD_ERR_INPUT, "boundaries '%s' has no polygon layer", path);
	if (rc == TD_OK)
		rc = execf(m, err, "UPDATE main.sources SET records = %ld WHERE id = %lld", used, source_id);
	if (rc == TD_OK && ignored)
		warn(m->sum,
		     "boundaries '%s': %ld polygons without geometry or with a code that is not a new commune of "
		     "the crosswalk were left out",
		     path, ignored);
	m->sum->boundaries = used;
	sqlite3_finalize(ins);
	CPLPopErrorHandler();
	GDALClose(ds);
	return rc;
}

/*
 * Whether an input's commune polygon is a new commune's boundary. New codes
 * reuse old ones, so a polygon ingested before the merger may have a new
 * code and the old commune's shape: only a polygon named as the new unit is
 * taken, and not when the old commune of that code had the same name.
 */
static int is_new_boundary(const struct merge *m, const char *code, const char *name)
{
	char key[TD_NAME_SIZE * 2], want[TD_NAME_SIZE * 2], old[TD_NAME_SIZE * 2];
	const td_crosswalk_row *r;
	const char *new_name = td_crosswalk_new_name(&m->cw, code);

	if (!name || !new_name[0] || !td_text_key(name, key, sizeof(key)) ||
	    !td_text_key(new_name, want, sizeof(want)) || strcmp(key, want) != 0)
		return 0;
	if (td_crosswalk_find(&m->cw, code, &r) && td_text_key(r->old_name, old, sizeof(old)) && strcmp(old, want) == 0)
		return 0;
	return 1;
}

/*
 * Without --boundaries, the inputs' commune polygons that are boundaries of
 * new communes are carried and place parcels; the others (old communes)
 * are not carried. With --boundaries none are.
 */
static td_status input_boundaries(struct merge *m, int k, td_error *err)
{
	struct input *in = &m->in[k];
	sqlite3_stmt *sel = NULL, *ins = NULL;
	char sql[256], where[4300];
	td_status rc;
	int step = SQLITE_DONE;

	snprintf(sql, sizeof(sql),
		 "SELECT fid, AsBinary(GeomFromGPB(geom)), code, name, source_id FROM %s.communes ORDER BY fid",
		 in->alias);
	rc = td_ws_prepare(m->ws, sql, &sel, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, insert_commune_sql, &ins, err);
	while (rc == TD_OK && (step = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(sel, 2);
		const unsigned char *wkb;
		size_t n;

		snprintf(where, sizeof(where), "workspace '%s' commune boundary fid %lld", in->path,
			 (long long)sqlite3_column_int64(sel, 0));
		if (m->opts->boundaries || !is_new_boundary(m, code, (const char *)sqlite3_column_text(sel, 3))) {
			m->sum->boundaries_dropped++;
			continue;
		}
		rc = reproject(m, in->ct, sqlite3_column_blob(sel, 1), sqlite3_column_bytes(sel, 1), where, &wkb, &n,
			       err);
		if (rc != TD_OK || n == 0) {
			m->sum->boundaries_dropped += n == 0;
			continue;
		}
		rc = add_boundary(m, code, wkb, n, where, err);
		if (rc != TD_OK)
			break;
		sqlite3_reset(ins);
		sqlite3_bind_blob(ins, 1, wkb, (int)n, SQLITE_STATIC);
		sqlite3_bind_int(ins, 2, m->ws->srs_id);
		sqlite3_bind_value(ins, 3, sqlite3_column_value(sel, 2));
		sqlite3_bind_value(ins, 4, sqlite3_column_value(sel, 3));
		sqlite3_bind_int64(ins, 5, sqlite3_column_int64(sel, 4) + in->src_off);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = td_ws_sqlerr(m->ws, where, err);
		m->sum->boundaries++;
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(m->ws, "read commune boundaries", err);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return rc;
}

/*
 * The verification state a merged owner keeps (m: the record so far, o:
 * the input's): the same, or the one of them that is not 'unverified'; when
 * both were reconciled and disagree, the one that sends the person back to
 * verification ('mismatched', else 'not_found'), and the conflict is reported.
 */
#define VERIFICATION                                                                                                   \
	"(CASE WHEN o.verification = m.verification OR o.verification = 'unverified' THEN m.verification "             \
	"WHEN m.verification = 'unverified' THEN o.verification "                                                      \
	"WHEN 'mismatched' IN (m.verification, o.verification) THEN 'mismatched' ELSE 'not_found' END)"

/* Owner details compared between inputs, and what makes two values a conflict (both present and different). */
static const struct owner_field {
	const char *field;
	const char *differs;
	const char *kept;
	const char *filled; /* the value the record takes: its own, or the input's where it had none */
} owner_fields[] = {
	{"name", "td_name_key(m.name) IS NOT td_name_key(o.name)", "m.name", NULL},
	{"birth_year", "m.birth_year <> o.birth_year", "m.birth_year", "coalesce(m.birth_year, o.birth_year)"},
	{"gender", "td_name_key(m.gender) <> td_name_key(o.gender)", "m.gender", "coalesce(m.gender, o.gender)"},
	{"cccd", "m.cccd <> o.cccd", "m.cccd", "coalesce(m.cccd, o.cccd)"},
	{"verification",
	 "m.verification <> o.verification AND m.verification <> 'unverified' AND o.verification <> 'unverified'",
	 VERIFICATION, VERIFICATION},
};

/*
 * Owners of input k: a person_key already in the output is the same person
 * (one record; differing details reported, missing ones filled, changes
 * recorded in owner_history); others are added. owner_map says which
 * output owner each input owner became.
 */
static td_status merge_owners(struct merge *m, int k, td_error *err)
{
	const struct input *in = &m->in[k];
	const char *a = in->alias;
	long long run = m->ws->run_id;
	td_status rc = TD_OK;
	size_t nf = sizeof(owner_fields) / sizeof(owner_fields[0]);

	for (size_t i = 0; i < nf && rc == TD_OK; i++)
		rc = execf(m, err,
			   "INSERT INTO temp.owner_conflicts SELECT o.person_key, '%s', m.%s, f.input, o.%s, %d, %s "
			   "FROM %s.owners o JOIN main.owners m ON m.person_key = o.person_key "
			   "JOIN temp.owner_first f ON f.person_key = o.person_key WHERE %s ORDER BY o.person_key",
			   owner_fields[i].field, owner_fields[i].field, owner_fields[i].field, k + 1,
			   owner_fields[i].kept, a, owner_fields[i].differs);
	if (rc == TD_OK)
		rc = execf(
			m, err,
			"INSERT INTO temp.owner_first SELECT person_key, %d FROM %s.owners WHERE true "
			"ON CONFLICT (person_key) DO NOTHING;"
			"INSERT INTO main.owners (person_key, name, cccd, birth_year, gender, verification, "
			"verified_run) SELECT person_key, name, cccd, birth_year, gender, verification, "
			"verified_run + %lld "
			"FROM %s.owners WHERE true ORDER BY id ON CONFLICT (person_key) DO NOTHING;"
			"INSERT INTO temp.owner_map SELECT %d, o.id, m.id FROM %s.owners o "
			"JOIN main.owners m ON m.person_key = o.person_key;"
			"INSERT INTO main.owner_history (owner_id, run_id, field, old_value, new_value) "
			"SELECT om.new_id, h.run_id + %lld, h.field, h.old_value, h.new_value FROM %s.owner_history h "
			"JOIN temp.owner_map om ON om.input = %d AND om.old_id = h.owner_id ORDER BY h.id",
			k + 1, a, in->run_off, a, k + 1, a, in->run_off, a, k + 1);
	/* What this input adds to a person already known: the change is recorded, then made. */
	for (size_t i = 0; i < nf && rc == TD_OK; i++)
		if (owner_fields[i].filled)
			rc = execf(m, err,
				   "INSERT INTO main.owner_history (owner_id, run_id, field, old_value, new_value) "
				   "SELECT m.id, %lld, '%s', m.%s, %s FROM %s.owners o JOIN main.owners m "
				   "ON m.person_key = o.person_key WHERE %s IS NOT m.%s ORDER BY m.id",
				   run, owner_fields[i].field, owner_fields[i].field, owner_fields[i].filled, a,
				   owner_fields[i].filled, owner_fields[i].field);
	if (rc == TD_OK)
		rc = execf(m, err,
			   "UPDATE main.owners AS m SET birth_year = coalesce(m.birth_year, o.birth_year), "
			   "gender = coalesce(m.gender, o.gender), cccd = coalesce(m.cccd, o.cccd), "
			   "verification = " VERIFICATION ", "
			   "verified_run = CASE WHEN " VERIFICATION " = m.verification THEN m.verified_run "
			   "ELSE o.verified_run + %lld END "
			   "FROM %s.owners o WHERE o.person_key = m.person_key",
			   in->run_off, a);
	return rc;
}

/* How a parcel of a split commune was placed, for the report when it was not. */
struct placing {
	double x, y;
	char reason[1280];
};

/* The boundaries of one new code: [*first, *first + return) in m->b. */
static size_t boundaries_of(const struct merge *m, const char *code, const struct boundary **first)
{
	size_t lo = 0, hi = m->nb, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(m->b[mid].code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < m->nb && strcmp(m->b[lo + n].code, code) == 0)
		n++;
	*first = &m->b[lo];
	return n;
}

static void list_codes(const td_crosswalk_row *c, size_t nc, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nc; i++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", i ? ", " : "", c[i].new_code);
}

/*
 * The new commune of a parcel of an old commune split between c[0..nc):
 * the one whose boundary contains the parcel's point on surface, when
 * exactly one does. NULL otherwise, with the reason in p.
 */
static const char *place(struct merge *m, const td_crosswalk_row *c, size_t nc, const unsigned char *wkb, size_t n,
			 struct placing *p, td_error *err)
{
	GEOSContextHandle_t h = m->ctx->geos;
	GEOSGeometry *g = NULL, *pt = NULL;
	const char *found = NULL;
	char targets[128], inside[128] = "";
	size_t ninside = 0, nloaded = 0, len = 0;

	p->x = p->y = NAN;
	p->reason[0] = '\0';
	list_codes(c, nc, targets, sizeof(targets));
	if (n == 0) {
		snprintf(p->reason, sizeof(p->reason),
			 "old commune %s is split between %s and the parcel has no geometry "
			 "to place it by",
			 c->old_code, targets);
		return NULL;
	}
	g = GEOSGeomFromWKB_buf_r(h, wkb, n);
	pt = g ? GEOSPointOnSurface_r(h, g) : NULL;
	if (!pt || GEOSisEmpty_r(h, pt) != 0 || !GEOSGeomGetX_r(h, pt, &p->x) || !GEOSGeomGetY_r(h, pt, &p->y)) {
		snprintf(p->reason, sizeof(p->reason),
			 "old commune %s is split between %s and GEOS finds no point on "
			 "the parcel: %s",
			 c->old_code, targets, m->ctx->geos_msg);
		goto done;
	}
	for (size_t i = 0; i < nc; i++) {
		const struct boundary *b;
		size_t nb = boundaries_of(m, c[i].new_code, &b);
		nloaded += nb > 0;
		for (size_t j = 0; j < nb; j++) {
			char r = GEOSPreparedContains_r(h, b[j].prep, pt);
			if (r == 2) {
				td_error_set(err, TD_ERR_INPUT, "boundary of new commune %s: GEOS cannot test it: %s",
					     b[j].code, m->ctx->geos_msg);
				goto done;
			}
			if (r == 1) {
				found = c[i].new_code;
				ninside++;
				len += (size_t)snprintf(inside + len, len < sizeof(inside) ? sizeof(inside) - len : 0,
							"%s%s", len ? " and " : "", c[i].new_code);
				break;
			}
		}
	}
	if (nloaded == 0)
		snprintf(p->reason, sizeof(p->reason),
			 "old commune %s is split between %s and no boundary of those is "
			 "loaded",
			 c->old_code, targets);
	else if (ninside == 0)
		snprintf(p->reason, sizeof(p->reason),
			 "old commune %s is split between %s and the parcel's point on "
			 "surface is inside none of their boundaries%s",
			 c->old_code, targets, nloaded < nc ? " (some have none loaded)" : "");
	else if (ninside > 1)
		snprintf(p->reason, sizeof(p->reason),
			 "old commune %s is split between %s and the parcel's point on "
			 "surface is inside the boundaries of %s",
			 c->old_code, targets, inside);
done:
	if (pt)
		GEOSGeom_destroy_r(h, pt);
	if (g)
		GEOSGeom_destroy_r(h, g);
	return ninside == 1 && err->code == TD_OK ? found : NULL;
}

enum { P_FID, P_GEOM, P_COMMUNE, P_SHEET, P_PARCEL, P_LANDUSE, P_AREA, P_SOURCE, P_FEATURE, P_ID, P_LINK, P_ATTRS };

/* The statements of the parcel copy, prepared once per input. */
struct parcel_stmts {
	sqlite3_stmt *sel, *ins, *origin, *split, *unassigned;
};

static void parcel_stmts_release(struct parcel_stmts *s)
{
	sqlite3_finalize(s->sel);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->origin);
	sqlite3_finalize(s->split);
	sqlite3_finalize(s->unassigned);
}

static td_status parcel_stmts_prepare(struct merge *m, const struct input *in, struct parcel_stmts *s, td_error *err)
{
	char sql[512];
	td_status rc;

	memset(s, 0, sizeof(*s));
	snprintf(sql, sizeof(sql),
		 "SELECT fid, AsBinary(GeomFromGPB(geom)), commune, sheet, parcel, landuse, map_area, source_id, "
		 "source_feature, parcel_id, address_link, attrs FROM %s.parcels ORDER BY fid",
		 in->alias);
	rc = td_ws_prepare(m->ws, sql, &s->sel, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			m->ws,
			"INSERT INTO main.parcels (geom, commune, sheet, parcel, landuse, map_area, source_id, "
			"source_feature, parcel_id, address_link, attrs) "
			"VALUES (AsGPB(GeomFromWKB(?1, ?2)), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			&s->ins, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, "INSERT INTO main.merge_origin VALUES ('parcel', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				   &s->origin, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws, "INSERT INTO temp.splitkey VALUES (?1, ?2, ?3, ?4, ?5)", &s->split, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(m->ws,
				   "INSERT INTO temp.unassigned VALUES ('parcel', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
				   &s->unassigned, err);
	return rc;
}

static td_status step_done(struct merge *m, sqlite3_stmt *st, const char *what, td_error *err)
{
	return sqlite3_step(st) == SQLITE_DONE ? TD_OK : td_ws_sqlerr(m->ws, what, err);
}

/* One parcel of input k: recoded and stored, or listed as unassigned. */
static td_status merge_parcel(struct merge *m, int k, struct parcel_stmts *s, td_error *err)
{
	struct input *in = &m->in[k];
	sqlite3_stmt *sel = s->sel;
	const char *old = (const char *)sqlite3_column_text(sel, P_COMMUNE);
	long long fid = sqlite3_column_int64(sel, P_FID), sheet = sqlite3_column_int64(sel, P_SHEET);
	const td_crosswalk_row *c;
	size_t nc = td_crosswalk_find(&m->cw, old ? old : "", &c), n;
	const unsigned char *wkb;
	const char *code = NULL;
	struct placing p = {NAN, NAN, ""};
	char where[4300];
	long new_sheet;
	td_status rc;

	snprintf(where, sizeof(where), "workspace '%s' parcel fid %lld", in->path, fid);
	if (nc == 0) /* count_input refused unknown codes */
		return td_error_set(err, TD_ERR_INTERNAL, "%s: commune '%s' not in the crosswalk", where,
				    old ? old : "");
	rc = reproject(m, in->ct, sqlite3_column_blob(sel, P_GEOM), sqlite3_column_bytes(sel, P_GEOM), where, &wkb, &n,
		       err);
	if (rc != TD_OK)
		return rc;
	code = nc == 1 ? c->new_code : place(m, c, nc, wkb, n, &p, err);
	if (err->code != TD_OK)
		return err->code;
	if (nc > 1) {
		sqlite3_reset(s->split);
		sqlite3_bind_int(s->split, 1, k + 1);
		sqlite3_bind_value(s->split, 2, sqlite3_column_value(sel, P_COMMUNE));
		sqlite3_bind_int64(s->split, 3, sheet);
		sqlite3_bind_value(s->split, 4, sqlite3_column_value(sel, P_PARCEL));
		if (code)
			sqlite3_bind_text(s->split, 5, code, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s->split, 5);
		rc = step_done(m, s->split, where, err);
	}
	if (rc == TD_OK && !code) {
		sqlite3_reset(s->unassigned);
		sqlite3_bind_int(s->unassigned, 1, k + 1);
		sqlite3_bind_int64(s->unassigned, 2, fid);
		sqlite3_bind_value(s->unassigned, 3, sqlite3_column_value(sel, P_COMMUNE));
		sqlite3_bind_int64(s->unassigned, 4, sheet);
		sqlite3_bind_value(s->unassigned, 5, sqlite3_column_value(sel, P_PARCEL));
		if (isnan(p.x))
			sqlite3_bind_null(s->unassigned, 6);
		else
			sqlite3_bind_double(s->unassigned, 6, p.x);
		if (isnan(p.y))
			sqlite3_bind_null(s->unassigned, 7);
		else
			sqlite3_bind_double(s->unassigned, 7, p.y);
		sqlite3_bind_text(s->unassigned, 8, p.reason, -1, SQLITE_STATIC);
		return step_done(m, s->unassigned, where, err);
	}
	if (rc != TD_OK)
		return rc;
	new_sheet = td_sheet_table_find(&m->sheets, old, (long)sheet, code);
	sqlite3_reset(s->ins);
	if (n)
		sqlite3_bind_blob(s->ins, 1, wkb, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->ins, 1);
	sqlite3_bind_int(s->ins, 2, m->ws->srs_id);
	sqlite3_bind_text(s->ins, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->ins, 4, new_sheet ? new_sheet : sheet);
	sqlite3_bind_value(s->ins, 5, sqlite3_column_value(sel, P_PARCEL));
	sqlite3_bind_value(s->ins, 6, sqlite3_column_value(sel, P_LANDUSE));
	sqlite3_bind_value(s->ins, 7, sqlite3_column_value(sel, P_AREA));
	sqlite3_bind_int64(s->ins, 8, sqlite3_column_int64(sel, P_SOURCE) + in->src_off);
	sqlite3_bind_value(s->ins, 9, sqlite3_column_value(sel, P_FEATURE));
	sqlite3_bind_value(s->ins, 10, sqlite3_column_value(sel, P_ID));
	sqlite3_bind_value(s->ins, 11, sqlite3_column_value(sel, P_LINK));
	sqlite3_bind_value(s->ins, 12, sqlite3_column_value(sel, P_ATTRS));
	rc = step_done(m, s->ins, where, err);
	if (rc != TD_OK)
		return rc;
	sqlite3_reset(s->origin);
	sqlite3_bind_int64(s->origin, 1, sqlite3_last_insert_rowid(m->ws->db));
	sqlite3_bind_int64(s->origin, 2, m->ws->run_id);
	sqlite3_bind_int(s->origin, 3, k + 1);
	sqlite3_bind_int64(s->origin, 4, fid);
	sqlite3_bind_value(s->origin, 5, sqlite3_column_value(sel, P_COMMUNE));
	sqlite3_bind_int64(s->origin, 6, sheet);
	sqlite3_bind_value(s->origin, 7, sqlite3_column_value(sel, P_PARCEL));
	return step_done(m, s->origin, where, err);
}

static td_status merge_parcels(struct merge *m, int k, td_error *err)
{
	struct parcel_stmts s;
	td_status rc = parcel_stmts_prepare(m, &m->in[k], &s, err);
	int step = SQLITE_DONE;

	while (rc == TD_OK && (step = sqlite3_step(s.sel)) == SQLITE_ROW) {
		rc = merge_parcel(m, k, &s, err);
		if (rc == TD_OK && m->progress && ++m->done % 1000 == 0 &&
		    !m->progress(0.05 + 0.85 * (double)m->done / (double)(m->total ? m->total : 1), "merge parcels",
				 m->arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(m->ws, "read parcels", err);
	parcel_stmts_release(&s);
	return rc;
}

/*
 * The new commune of a register row or scan x of input %d (the format
 * argument) with old key (x.commune, x.sheet, x.parcel): the crosswalk's
 * single target, or for a split commune the one its map parcels went to.
 */
#define PLACE_JOIN                                                                                                     \
	"JOIN temp.cw c ON c.old_code = x.commune LEFT JOIN temp.keyplace kp ON kp.input = %d "                        \
	"AND kp.commune = x.commune AND kp.sheet = x.sheet AND kp.parcel = x.parcel "
#define NEW_COMMUNE "coalesce(c.new_code, kp.new_commune)"
/* Why a row or scan x could not be placed; %s is what it is ("row", "scan"). */
#define UNPLACED_REASON                                                                                                \
	"'old commune ' || c.old_code || ' is split between ' || c.targets || CASE "                                   \
	"WHEN kp.parcels IS NULL THEN ' and no map parcel has this key to place the %s by' "                           \
	"WHEN kp.placed < kp.parcels THEN ' and its map parcel was not placed (see the parcel)' "                      \
	"ELSE ' and its map parcels went to different new communes (' || kp.communes || ')' END"

/* Register rows of input k, recoded like their map parcels; those that cannot be placed are listed. */
static td_status merge_register(struct merge *m, int k, td_error *err)
{
	struct input *in = &m->in[k];
	td_status rc;

	rc = id_offset(m, k, "register_rows", k ? m->in[k - 1].reg_off : 0, &in->reg_off, err);
	if (rc == TD_OK)
		rc = execf(
			m, err,
			"INSERT INTO main.register_rows (id, source_id, source_row, commune, sheet, parcel, area, "
			"landuse, owner_name, cccd, birth_year, gender, gcn_serial, gcn_date, last_change, "
			"pending_since, owner_id) "
			"SELECT x.id + %lld, x.source_id + %lld, x.source_row, " NEW_COMMUNE ", "
			"coalesce(s.new_sheet, x.sheet), x.parcel, x.area, x.landuse, x.owner_name, x.cccd, "
			"x.birth_year, x.gender, x.gcn_serial, x.gcn_date, x.last_change, x.pending_since, om.new_id "
			"FROM %s.register_rows x " PLACE_JOIN
			"LEFT JOIN temp.sheetmap s ON s.old_commune = x.commune AND s.old_sheet = x.sheet "
			"AND s.new_commune = " NEW_COMMUNE " "
			"LEFT JOIN temp.owner_map om ON om.input = %d AND om.old_id = x.owner_id "
			"WHERE " NEW_COMMUNE " IS NOT NULL ORDER BY x.id",
			in->reg_off, in->src_off, in->alias, k + 1, k + 1);
	if (rc == TD_OK)
		rc = execf(m, err,
			   "INSERT INTO main.merge_origin SELECT 'register_row', n.id, %lld, %d, x.id, x.commune, "
			   "x.sheet, x.parcel FROM main.register_rows n JOIN %s.register_rows x ON x.id = n.id - %lld "
			   "WHERE n.id > %lld ORDER BY n.id",
			   (long long)m->ws->run_id, k + 1, in->alias, in->reg_off, in->reg_off);
	if (rc == TD_OK)
		rc = execf(m, err,
			   "INSERT INTO temp.unassigned SELECT 'register_row', %d, x.id, x.commune, x.sheet, x.parcel, "
			   "NULL, NULL, " UNPLACED_REASON " FROM %s.register_rows x " PLACE_JOIN "WHERE " NEW_COMMUNE
			   " IS NULL ORDER BY x.id",
			   k + 1, "row", in->alias, k + 1);
	return rc;
}

/* Scans are all kept; one whose parcel cannot be placed keeps no parcel key and is listed. */
static td_status merge_scans(struct merge *m, int k, td_error *err)
{
	struct input *in = &m->in[k];
	td_status rc;

	rc = id_offset(m, k, "scans", k ? m->in[k - 1].scan_off : 0, &in->scan_off, err);
	if (rc == TD_OK)
		rc = execf(m, err,
			   "INSERT INTO main.scans (id, source_id, path, size, checksum, kind, readable, commune, "
			   "sheet, parcel) SELECT y.id + %lld, y.source_id + %lld, y.path, y.size, y.checksum, y.kind, "
			   "y.readable, y.nc, CASE WHEN y.nc IS NOT NULL THEN coalesce(s.new_sheet, y.sheet) END, "
			   "CASE WHEN y.nc IS NOT NULL THEN y.parcel END "
			   "FROM (SELECT x.*, " NEW_COMMUNE " AS nc FROM %s.scans x " PLACE_JOIN
			   "UNION ALL SELECT x.*, NULL FROM %s.scans x WHERE x.commune IS NULL) y "
			   "LEFT JOIN temp.sheetmap s ON s.old_commune = y.commune AND s.old_sheet = y.sheet "
			   "AND s.new_commune = y.nc ORDER BY y.id",
			   in->scan_off, in->src_off, in->alias, k + 1, in->alias);
	if (rc == TD_OK)
		rc = execf(m, err,
			   "INSERT INTO temp.unassigned SELECT 'scan', %d, x.id, x.commune, x.sheet, x.parcel, NULL, "
			   "NULL, " UNPLACED_REASON " FROM %s.scans x " PLACE_JOIN "WHERE " NEW_COMMUNE " IS NULL "
			   "ORDER BY x.id",
			   k + 1, "scan", in->alias, k + 1);
	return rc;
}

/* The earlier input that issued an ID (or its commune and sequence) again issued by input k. */
static int issued_before(struct merge *m, int k, sqlite3_stmt *dup)
{
	for (int j = 0; j < k; j++) {
		sqlite3_stmt *st = NULL;
		char sql[160];
		int found;
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s.id_registry WHERE id = ?1 OR (commune = ?2 AND seq = ?3)",
			 m->in[j].alias);
		if (sqlite3_prepare_v2(m->ws->db, sql, -1, &st, NULL) != SQLITE_OK) {
			sqlite3_finalize(st);
			continue;
		}
		for (int i = 0; i < 3; i++)
			sqlite3_bind_value(st, i + 1, sqlite3_column_value(dup, i));
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (found)
			return j;
	}
	return 0;
}

/* Parcel IDs: the registry, lineage and key changes as they are; an ID issued in two inputs is refused. */
static td_status merge_ids(struct merge *m, int k, td_error *err)
{
	const struct input *in = &m->in[k];
	const char *a = in->alias;
	sqlite3_stmt *st = NULL;
	char sql[512];
	td_status rc;

	snprintf(sql, sizeof(sql),
		 "SELECT r.id, r.commune, r.seq FROM %s.id_registry r WHERE EXISTS (SELECT 1 FROM main.id_registry x "
		 "WHERE x.id = r.id) OR EXISTS (SELECT 1 FROM main.id_registry x WHERE x.commune = r.commune AND "
		 "x.seq = r.seq) ORDER BY r.id LIMIT 1",
		 a);
	rc = td_ws_prepare(m->ws, sql, &st, err);
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW)
		rc = td_error_set(err, TD_ERR_INPUT,
				  "parcel ID '%s' (commune %s, sequence %lld) of workspace '%s' was also issued in "
				  "workspace '%s': IDs must be unique across the inputs",
				  (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
				  (long long)sqlite3_column_int64(st, 2), in->path,
				  m->in[issued_before(m, k, st)].path);
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = execf(
			m, err,
			"INSERT INTO main.id_registry (id, commune, seq, sheet, parcel, status, issued_run, "
			"retired_run) SELECT id, commune, seq, sheet, parcel, status, issued_run + %lld, "
			"retired_run + %lld "
			"FROM %s.id_registry ORDER BY rowid;"
			"INSERT INTO main.id_lineage (child, parent, kind, run_id) "
			"SELECT child, parent, kind, run_id + %lld FROM %s.id_lineage ORDER BY rowid;"
			"INSERT INTO main.id_key_changes (id, run_id, old_commune, old_sheet, old_parcel, new_commune, "
			"new_sheet, new_parcel) SELECT id, run_id + %lld, old_commune, old_sheet, old_parcel, "
			"new_commune, new_sheet, new_parcel FROM %s.id_key_changes ORDER BY rowid",
			in->run_off, in->run_off, a, in->run_off, a, in->run_off, a);
	return rc;
}

/* A kept ID whose parcel changed commune or sheet: the change, under the merge run. */
static td_status record_key_changes(struct merge *m, td_error *err)
{
	long long n = 0;
	td_status rc =
		execf(m, err,
		      "INSERT INTO main.id_key_changes (id, run_id, old_commune, old_sheet, old_parcel, new_commune, "
		      "new_sheet, new_parcel) SELECT p.parcel_id, %lld, o.old_commune, o.old_sheet, o.old_parcel, "
		      "p.commune, p.sheet, p.parcel FROM main.merge_origin o JOIN main.parcels p ON p.fid = o.row_id "
		      "WHERE o.kind = 'parcel' AND o.run_id = %lld AND p.parcel_id IS NOT NULL "
		      "AND (p.commune <> o.old_commune OR p.sheet <> o.old_sheet) "
		      "AND EXISTS (SELECT 1 FROM main.id_registry r WHERE r.id = p.parcel_id) ORDER BY p.fid",
		      (long long)m->ws->run_id, (long long)m->ws->run_id);
	if (rc == TD_OK)
		m->sum->id_key_changes = sqlite3_changes(m->ws->db);
	/*
	 * What assign-id matches the next night's parcels against: each active
	 * ID's parcel as it is now, under its new key and in the target CRS.
	 */
	if (rc == TD_OK)
		rc = execf(
			m, err,
			"INSERT INTO main.id_parcel (id, commune, sheet, parcel, geom) "
			"SELECT parcel_id, commune, sheet, parcel, geom FROM (SELECT p.parcel_id, p.commune, p.sheet, "
			"p.parcel, p.geom, row_number() OVER (PARTITION BY p.parcel_id ORDER BY p.fid) AS k "
			"FROM main.parcels p JOIN main.id_registry r ON r.id = p.parcel_id AND r.status = 'active') "
			"WHERE k = 1;"
			"UPDATE main.id_registry SET sheet = (SELECT sheet FROM main.id_parcel x WHERE x.id = "
			"id_registry.id), parcel = (SELECT parcel FROM main.id_parcel x WHERE x.id = id_registry.id) "
			"WHERE id IN (SELECT id FROM main.id_parcel)");
	if (rc == TD_OK)
		rc = queryf(m, &n, err, "SELECT count(*) FROM main.id_registry");
	m->sum->parcel_ids = (long)n;
	return rc;
}

/*
 * The tables the report is written from (temporary) and the summary's
 * numbers. Sheets: each old sheet of each input (with the new commune it
 * went to) and its new number; "shared" counts the other old sheets that
 * landed on the same new sheet. Collisions: map keys (and register keys)
 * held by rows of more than one old sheet.
 */
static const char report_sql[] =
	"CREATE TEMP TABLE outcount AS SELECT kind, input, old_commune, count(*) AS n FROM main.merge_origin "
	" GROUP BY kind, input, old_commune;"
	"CREATE TEMP TABLE uncount AS SELECT kind, input, commune, count(*) AS n FROM temp.unassigned "
	" GROUP BY kind, input, commune;"
	"CREATE TEMP TABLE sheetrows (input, old_commune, old_sheet, new_commune, new_sheet, parcels, register_rows);"
	"INSERT INTO temp.sheetrows SELECT o.input, o.old_commune, o.old_sheet, p.commune, p.sheet, count(*), 0 "
	" FROM main.merge_origin o JOIN main.parcels p ON p.fid = o.row_id WHERE o.kind = 'parcel' "
	" GROUP BY 1, 2, 3, 4, 5;"
	"INSERT INTO temp.sheetrows SELECT o.input, o.old_commune, o.old_sheet, r.commune, r.sheet, 0, count(*) "
	" FROM main.merge_origin o JOIN main.register_rows r ON r.id = o.row_id WHERE o.kind = 'register_row' "
	" GROUP BY 1, 2, 3, 4, 5;"
	"CREATE TEMP TABLE sheets AS SELECT input, old_commune, old_sheet, new_commune, new_sheet, "
	" sum(parcels) AS parcels, sum(register_rows) AS register_rows FROM temp.sheetrows GROUP BY 1, 2, 3, 4, 5;"
	"CREATE INDEX temp.sheets_new ON sheets (new_commune, new_sheet);"
	"CREATE TEMP TABLE collisions AS "
	" WITH dup AS (SELECT commune, sheet, parcel FROM main.parcels GROUP BY 1, 2, 3 HAVING count(*) > 1) "
	" SELECT 'parcel' AS kind, p.commune, p.sheet, p.parcel, o.input, o.old_commune, o.old_sheet, o.old_parcel, "
	" p.fid AS row_id FROM dup JOIN main.parcels p USING (commune, sheet, parcel) "
	" JOIN main.merge_origin o ON o.kind = 'parcel' AND o.row_id = p.fid;"
	"INSERT INTO temp.collisions "
	" WITH dup AS (SELECT commune, sheet, parcel FROM main.register_rows GROUP BY 1, 2, 3 HAVING count(*) > 1) "
	" SELECT 'register_row', r.commune, r.sheet, r.parcel, o.input, o.old_commune, o.old_sheet, o.old_parcel, r.id "
	" FROM dup JOIN main.register_rows r USING (commune, sheet, parcel) "
	" JOIN main.merge_origin o ON o.kind = 'register_row' AND o.row_id = r.id;"
	/* A key drawn twice in one old sheet was a duplicate before the merge: check reports it, not the merge. */
	"DELETE FROM temp.collisions WHERE (kind, commune, sheet, parcel) IN (SELECT kind, commune, sheet, parcel "
	" FROM temp.collisions GROUP BY 1, 2, 3, 4 HAVING count(DISTINCT input || '/' || old_commune || '/' || "
	" old_sheet) = 1);";

/* Summary numbers: query, and where the answer goes. */
struct count {
	long *out;
	const char *sql;
};

static td_status summarise(struct merge *m, td_error *err)
{
	td_merge_summary *s = m->sum;
	const struct count counts[] = {
		{&s->parcels_out, "SELECT count(*) FROM main.parcels"},
		{&s->register_out, "SELECT count(*) FROM main.register_rows"},
		{&s->parcels_unassigned, "SELECT count(*) FROM temp.unassigned WHERE kind = 'parcel'"},
		{&s->register_unassigned, "SELECT count(*) FROM temp.unassigned WHERE kind = 'register_row'"},
		{&s->scans_unplaced, "SELECT count(*) FROM temp.unassigned WHERE kind = 'scan'"},
		{&s->scans_in, "SELECT count(*) FROM main.scans"},
		{&s->old_communes, "SELECT count(DISTINCT commune) FROM temp.incount"},
		{&s->new_communes, "SELECT count(*) FROM (SELECT commune FROM main.parcels UNION "
				   "SELECT commune FROM main.register_rows)"},
		{&s->sheets, "SELECT count(*) FROM temp.sheets"},
		{&s->sheets_renumbered, "SELECT count(*) FROM temp.sheets WHERE new_sheet <> old_sheet"},
		{&s->sheets_shared,
		 "SELECT count(*) FROM temp.sheets a WHERE EXISTS (SELECT 1 FROM temp.sheets b "
		 "WHERE b.new_commune = a.new_commune AND b.new_sheet = a.new_sheet AND NOT (b.input = a.input "
		 "AND b.old_commune = a.old_commune AND b.old_sheet = a.old_sheet))"},
		{&s->collision_keys,
		 "SELECT count(*) FROM (SELECT DISTINCT commune, sheet, parcel FROM temp.collisions "
		 "WHERE kind = 'parcel')"},
		{&s->collision_parcels, "SELECT count(*) FROM temp.collisions WHERE kind = 'parcel'"},
		{&s->register_collision_keys, "SELECT count(*) FROM (SELECT DISTINCT commune, sheet, parcel FROM "
					      "temp.collisions WHERE kind = 'register_row')"},
		{&s->register_collision_rows, "SELECT count(*) FROM temp.collisions WHERE kind = 'register_row'"},
		{&s->owners_out, "SELECT count(*) FROM main.owners"},
		{&s->owner_conflicts, "SELECT count(DISTINCT person_key) FROM temp.owner_conflicts"},
		{&s->owner_conflict_fields, "SELECT count(*) FROM temp.owner_conflicts"},
	};
	td_status rc = td_ws_exec(m->ws, report_sql, err);

	for (size_t i = 0; rc == TD_OK && i < sizeof(counts) / sizeof(counts[0]); i++) {
		long long v;
		rc = queryf(m, &v, err, "%s", counts[i].sql);
		*counts[i].out = (long)v;
	}
	for (int k = 0; rc == TD_OK && k < m->n; k++) {
		td_merge_input *in = &s->inputs[k];
		long long v;
		s->parcels_in += in->parcels;
		s->register_in += in->register_rows;
		s->owners_in += in->owners;
		rc = queryf(m, &v, err, "SELECT count(*) FROM temp.unassigned WHERE kind = 'parcel' AND input = %d",
			    k + 1);
		in->parcels_unassigned = (long)v;
		if (rc == TD_OK)
			rc = queryf(m, &v, err,
				    "SELECT count(*) FROM temp.unassigned WHERE kind = 'register_row' AND input = %d",
				    k + 1);
		in->register_unassigned = (long)v;
	}
	s->owners_merged = s->owners_in - s->owners_out;
	/* Nothing from the inputs may be lost. */
	if (rc == TD_OK && (s->parcels_in != s->parcels_out + s->parcels_unassigned ||
			    s->register_in != s->register_out + s->register_unassigned))
		rc = td_error_set(
			err, TD_ERR_INTERNAL,
			"merge lost rows: %ld parcels in, %ld out, %ld unassigned; %ld register rows in, %ld out, "
			"%ld unassigned",
			s->parcels_in, s->parcels_out, s->parcels_unassigned, s->register_in, s->register_out,
			s->register_unassigned);
	return rc;
}

/* The summary as JSON (sum->json, owned): paths can be long, so the text grows as it needs. */
static td_status summary_json(td_merge_summary *s, td_error *err)
{
	td_strbuf b = TD_STRBUF_INIT;

	td_strbuf_str(&b, "{\"command\":\"merge\",\"crs\":");
	td_strbuf_json(&b, s->crs);
	td_strbuf_str(&b, ",\"inputs\":[");
	for (int k = 0; k < s->ninputs; k++) {
		const td_merge_input *in = &s->inputs[k];
		td_strbuf_str(&b, k ? ",{\"path\":" : "{\"path\":");
		td_strbuf_json(&b, in->path);
		td_strbuf_str(&b, ",\"crs\":");
		td_strbuf_json(&b, in->crs);
		td_strbuf_fmt(&b, ",\"parcels\":%ld,\"register_rows\":%ld,\"owners\":%ld,\"scans\":%ld,", in->parcels,
			      in->register_rows, in->owners, in->scans);
		td_strbuf_fmt(&b, "\"parcels_unassigned\":%ld,\"register_rows_unassigned\":%ld}",
			      in->parcels_unassigned, in->register_unassigned);
	}
	td_strbuf_fmt(&b, "],\"parcels\":{\"in\":%ld,\"out\":%ld,\"unassigned\":%ld},", s->parcels_in, s->parcels_out,
		      s->parcels_unassigned);
	td_strbuf_fmt(&b, "\"register_rows\":{\"in\":%ld,\"out\":%ld,\"unassigned\":%ld},", s->register_in,
		      s->register_out, s->register_unassigned);
	td_strbuf_fmt(&b, "\"scans\":{\"kept\":%ld,\"unplaced\":%ld},\"old_communes\":%ld,\"new_communes\":%ld,",
		      s->scans_in, s->scans_unplaced, s->old_communes, s->new_communes);
	td_strbuf_fmt(&b, "\"sheets\":{\"old\":%ld,\"renumbered\":%ld,\"shared\":%ld},", s->sheets,
		      s->sheets_renumbered, s->sheets_shared);
	td_strbuf_fmt(&b, "\"collisions\":{\"keys\":%ld,\"parcels\":%ld,\"register_keys\":%ld,\"register_rows\":%ld},",
		      s->collision_keys, s->collision_parcels, s->register_collision_keys, s->register_collision_rows);
	td_strbuf_fmt(&b,
		      "\"owners\":{\"in\":%ld,\"out\":%ld,\"merged\":%ld,\"conflicts\":%ld,\"conflict_fields\":%ld},",
		      s->owners_in, s->owners_out, s->owners_merged, s->owner_conflicts, s->owner_conflict_fields);
	td_strbuf_fmt(&b, "\"parcel_ids\":%ld,\"id_key_changes\":%ld,\"boundaries\":{\"used\":%ld,\"dropped\":%ld},",
		      s->parcel_ids, s->id_key_changes, s->boundaries, s->boundaries_dropped);
	td_strbuf_fmt(&b, "\"warnings\":%d}", s->nwarnings);
	if (b.failed) {
		td_strbuf_release(&b);
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	}
	free(s->json);
	s->json = b.p;
	return TD_OK;
}

/* Everything of the merge stage, inside its transaction. */
static td_status merge_all(struct merge *m, td_error *err)
{
	td_status rc = load_tables(m, err);

	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = count_input(m, k, err);
	for (int k = 0; k < m->n && rc == TD_OK; k++) {
		m->total += m->sum->inputs[k].parcels;
		rc = record_input(m, k, err);
	}
	if (rc == TD_OK)
		rc = copy_sources(m, err);
	if (rc == TD_OK && m->opts->boundaries)
		rc = load_boundary_file(m, err);
	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = input_boundaries(m, k, err);
	if (rc == TD_OK && m->nb)
		qsort(m->b, m->nb, sizeof(m->b[0]), cmp_boundary);
	if (rc == TD_OK && m->sum->boundaries_dropped)
		warn(m->sum, "%ld commune boundaries of the inputs were not carried (old communes, or %s)",
		     m->sum->boundaries_dropped,
		     m->opts->boundaries ? "--boundaries replaces them" : "not named as the new unit");
	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = merge_owners(m, k, err);
	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = merge_parcels(m, k, err);
	if (rc == TD_OK)
		rc = td_ws_exec(
			m->ws,
			"INSERT INTO temp.keyplace SELECT input, commune, sheet, parcel, CASE WHEN "
			"count(new_commune) = count(*) AND min(new_commune) = max(new_commune) THEN "
			"min(new_commune) END, count(*), count(new_commune), group_concat(DISTINCT new_commune) "
			"FROM temp.splitkey GROUP BY input, commune, sheet, parcel",
			err);
	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = merge_register(m, k, err);
	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = merge_scans(m, k, err);
	for (int k = 0; k < m->n && rc == TD_OK; k++)
		rc = merge_ids(m, k, err);
	if (rc == TD_OK)
		rc = record_key_changes(m, err);
	if (rc == TD_OK && m->progress && !m->progress(0.92, "merge report", m->arg))
		rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	if (rc == TD_OK)
		rc = summarise(m, err);
	if (rc == TD_OK && m->sum->scans_unplaced)
		warn(m->sum, "%ld scans of split communes could not be placed and keep no parcel key",
		     m->sum->scans_unplaced);
	if (rc == TD_OK)
		rc = summary_json(m->sum, err);
	return rc;
}

/* The report files, from the temporary tables. */
static const struct report_file {
	const char *name;
	mode_t mode; /* 0600 where the file holds personal data */
	const char *sql;
} report_files[] = {
	{"communes_old.csv", 0644,
	 "SELECT i.path AS input, c.commune AS old_commune, w.targets AS new_communes, c.parcels AS parcels_in, "
	 "coalesce(po.n, 0) AS parcels_out, coalesce(pu.n, 0) AS parcels_unassigned, "
	 "c.register_rows AS register_rows_in, coalesce(ro.n, 0) AS register_rows_out, "
	 "coalesce(ru.n, 0) AS register_rows_unassigned "
	 "FROM temp.incount c JOIN main.merge_inputs i ON i.input = c.input "
	 "JOIN temp.cw w ON w.old_code = c.commune "
	 "LEFT JOIN temp.outcount po ON po.kind = 'parcel' AND po.input = c.input AND po.old_commune = c.commune "
	 "LEFT JOIN temp.outcount ro ON ro.kind = 'register_row' AND ro.input = c.input "
	 "AND ro.old_commune = c.commune "
	 "LEFT JOIN temp.uncount pu ON pu.kind = 'parcel' AND pu.input = c.input AND pu.commune = c.commune "
	 "LEFT JOIN temp.uncount ru ON ru.kind = 'register_row' AND ru.input = c.input "
	 "AND ru.commune = c.commune "
	 "ORDER BY c.input, c.commune"},
	{"communes_new.csv", 0644,
	 "SELECT n.commune AS new_commune, (SELECT max(new_name) FROM temp.cwpair WHERE new_code = n.commune) "
	 "AS name, sum(n.p) AS parcels, sum(n.r) AS register_rows, (SELECT group_concat(old_code, ' ') FROM "
	 "(SELECT DISTINCT old_code FROM temp.cwpair w WHERE w.new_code = n.commune AND w.old_code IN "
	 "(SELECT commune FROM temp.incount) ORDER BY old_code)) AS old_communes "
	 "FROM (SELECT commune, count(*) AS p, 0 AS r FROM main.parcels GROUP BY commune "
	 "UNION ALL SELECT commune, 0, count(*) FROM main.register_rows GROUP BY commune) n "
	 "GROUP BY n.commune ORDER BY n.commune"},
	{"sheets.csv", 0644,
	 "SELECT i.path AS input, s.old_commune, s.old_sheet, s.new_commune, s.new_sheet, "
	 "CASE WHEN EXISTS (SELECT 1 FROM temp.sheetmap t WHERE t.old_commune = s.old_commune AND t.old_sheet = "
	 "s.old_sheet AND t.new_commune = s.new_commune) THEN 'table' ELSE 'kept' END AS rule, s.parcels, "
	 "s.register_rows, (SELECT count(*) FROM temp.sheets b WHERE b.new_commune = s.new_commune AND b.new_sheet = "
	 "s.new_sheet) - 1 AS shared_with FROM temp.sheets s JOIN main.merge_inputs i ON i.input = s.input "
	 "ORDER BY s.new_commune, s.new_sheet, s.input, s.old_commune, s.old_sheet"},
	{"collisions.csv", 0644,
	 "SELECT c.kind, c.commune AS new_commune, c.sheet AS new_sheet, c.parcel, i.path AS input, c.old_commune, "
	 "c.old_sheet, c.old_parcel, c.row_id FROM temp.collisions c JOIN main.merge_inputs i ON i.input = c.input "
	 "ORDER BY c.kind, c.commune, c.sheet, c.parcel, c.input, c.old_commune, c.old_sheet, "
	 "c.row_id"},
	{"unassigned.csv", 0644,
	 "SELECT u.kind, i.path AS input, u.input_row, u.commune AS old_commune, u.sheet AS old_sheet, u.parcel AS "
	 "old_parcel, CASE WHEN u.x IS NOT NULL THEN printf('%.3f', u.x) END AS x, "
	 "CASE WHEN u.y IS NOT NULL THEN printf('%.3f', u.y) END AS y, u.reason FROM temp.unassigned u "
	 "JOIN main.merge_inputs i ON i.input = u.input ORDER BY u.kind, u.input, u.input_row"},
	{"owner_conflicts.csv", 0600,
	 "SELECT c.person_key, c.field, c.value_1, a.path AS input_1, c.value_2, b.path AS input_2, c.kept "
	 "FROM temp.owner_conflicts c JOIN main.merge_inputs a ON a.input = c.input_1 "
	 "JOIN main.merge_inputs b ON b.input = c.input_2 ORDER BY c.person_key, c.field, "
	 "c.input_2"},
};

/* The report directory: the one given, else OUT without ".gpkg", plus "-merge". */
static void report_dir(const td_merge_options *o, char *buf, size_t size)
{
	size_t n = strlen(o->out);

	if (o->report_dir) {
		snprintf(buf, size, "%s", o->report_dir);
		return;
	}
	if (n > 5 && strcmp(o->out + n - 5, ".gpkg") == 0)
		n -= 5;
	snprintf(buf, size, "%.*s-merge", (int)n, o->out);
}

static td_status write_report(struct merge *m, td_error *err)
{
	char path[4400];
	td_status rc = TD_OK;

	report_dir(m->opts, m->sum->report_dir, sizeof(m->sum->report_dir));
	/* With its parents, for cron jobs writing into dated folders. */
	rc = td_outfile_mkdir(m->sum->report_dir, err);
	for (size_t i = 0; rc == TD_OK && i < sizeof(report_files) / sizeof(report_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", m->sum->report_dir, report_files[i].name);
		rc = td_ws_write_csv(m->ws, report_files[i].sql, path, report_files[i].mode, err);
	}
	if (rc == TD_OK) {
		td_outfile out;
		snprintf(path, sizeof(path), "%s/summary.json", m->sum->report_dir);
		rc = td_outfile_open(&out, path, 0644, err);
		if (rc == TD_OK) {
			fprintf(out.fp, "%s\n", m->sum->json);
			rc = td_outfile_commit(&out, err);
		}
	}
	return rc;
}

/* Close the output and put it in place. */
static td_status finish(struct merge *m, td_error *err)
{
	for (int k = 0; k < m->n; k++) {
		char sql[32];
		snprintf(sql, sizeof(sql), "DETACH DATABASE %s", m->in[k].alias);
		td_ws_exec(m->ws, sql, NULL);
	}
	if (sqlite3_close(m->ws->db) != SQLITE_OK)
		return td_error_set(err, TD_ERR_IO, "cannot close '%s': %s", m->tmp, sqlite3_errmsg(m->ws->db));
	m->ws->db = NULL;
	td_ws_close(m->ws);
	m->ws = NULL;
	if (rename(m->tmp, m->opts->out) != 0)
		return td_error_set(err, TD_ERR_IO, "cannot rename '%s' to '%s': %s", m->tmp, m->opts->out,
				    strerror(errno));
	m->tmp[0] = '\0';
	return TD_OK;
}

static void merge_release(struct merge *m)
{
	for (int k = 0; k < m->n; k++) {
		free(m->in[k].crs_wkt);
		if (m->in[k].ct)
			OCTDestroyCoordinateTransformation(m->in[k].ct);
	}
	for (size_t i = 0; i < m->nb; i++) {
		GEOSPreparedGeom_destroy_r(m->ctx->geos, m->b[i].prep);
		GEOSGeom_destroy_r(m->ctx->geos, m->b[i].geom);
	}
	free(m->b);
	free(m->wkb);
	if (m->target)
		OSRDestroySpatialReference(m->target);
	td_ws_close(m->ws);
	if (m->tmp[0])
		unlink(m->tmp);
	td_sheet_table_release(&m->sheets);
	td_crosswalk_release(&m->cw);
}

td_status td_merge_run(td_ctx *ctx, const td_merge_options *opts, td_progress_fn progress, void *arg,
		       td_merge_summary *sum, td_error *err)
{
	struct merge m;
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.opts = opts;
	m.sum = sum;
	m.progress = progress;
	m.arg = arg;
	rc = check_options(opts, err);
	/* The report is written last: a folder it cannot go to must not cost the whole merge. */
	if (rc == TD_OK) {
		report_dir(opts, sum->report_dir, sizeof(sum->report_dir));
		rc = td_outfile_check_dir(sum->report_dir, err);
	}
	if (rc != TD_OK)
		return rc;
	sum->inputs = calloc((size_t)opts->ninputs, sizeof(*sum->inputs));
	if (!sum->inputs)
		return nomem(err);
	sum->ninputs = m.n = opts->ninputs;
	for (int k = 0; k < m.n; k++)
		m.in[k].path = sum->inputs[k].path = opts->inputs[k];
	CPLPushErrorHandler(CPLQuietErrorHandler);
	rc = td_crosswalk_load(&m.cw, opts->crosswalk, err);
	if (rc == TD_OK)
		rc = td_sheet_table_load(&m.sheets, opts->sheets, &m.cw, err);
	if (rc == TD_OK)
		rc = open_inputs(&m, err);
	if (rc == TD_OK)
		rc = create_output(&m, err);
	if (rc == TD_OK)
		rc = attach_inputs(&m, err);
	if (rc == TD_OK)
		rc = copy_runs(&m, err);
	if (rc == TD_OK && progress && !progress(0.05, "merge", arg))
		rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	if (rc == TD_OK)
		rc = td_ws_begin(m.ws, "merge", err);
	if (rc == TD_OK)
		rc = merge_all(&m, err);
	if (rc == TD_OK)
		rc = td_ws_commit(m.ws, sum->json, err);
	else if (m.ws)
		td_ws_rollback(m.ws);
	if (rc == TD_OK)
		rc = write_report(&m, err);
	if (rc == TD_OK)
		rc = finish(&m, err);
	if (rc == TD_OK && progress)
		progress(1.0, "merge", arg);
	merge_release(&m);
	CPLPopErrorHandler();
	return rc;
}

void td_merge_summary_release(td_merge_summary *sum)
{
	if (!sum)
		return;
	free(sum->inputs);
	free(sum->json);
	sum->inputs = NULL;
	sum->json = NULL;
	sum->ninputs = 0;
}

int td_merge_needs_attention(const td_merge_summary *sum)
{
	return sum->parcels_unassigned || sum->register_unassigned || sum->collision_keys ||
	       sum->register_collision_keys || sum->owner_conflicts;
}
