#include "workspace.h"
#include "audit.h"
#include "crs.h"
#include "csv.h"
#include "fault.h"
#include "identity.h"
#include "outfile.h"
#include "refdata.h"
#include "styles.h"
#include "text.h"

#include <assert.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GPKG_APPLICATION_ID 0x47504B47

td_status td_ws_communes(td_ws *ws, const char *table, char (**out)[16], size_t *n, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char(*list)[16] = NULL, sql[256];
	td_status rc;
	int step = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT commune FROM parcels UNION SELECT commune FROM %s ORDER BY 1", table);
	rc = td_ws_prepare(ws, sql, &st, err);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		char(*grown)[16] = realloc(list, (*n + 1) * sizeof(*list));
		if (!grown) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		list = grown;
		if (strlen(c) >= sizeof(list[0]))
			rc = td_error_set(err, TD_ERR_INPUT,
					  "workspace '%s': commune code '%s' is longer than %zu bytes", ws->path, c,
					  sizeof(list[0]) - 1);
		else
			snprintf(list[(*n)++], sizeof(list[0]), "%s", c);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "list communes", err);
	sqlite3_finalize(st);
	if (rc != TD_OK) {
		free(list);
		list = NULL;
		*n = 0;
	}
	*out = list;
	return rc;
}

td_status td_ws_write_csv(td_ws *ws, const char *sql, const char *path, mode_t mode, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_outfile out;
	td_csv csv;
	td_status rc;
	int step, n;

	rc = td_ws_prepare(ws, sql, &st, err);
	if (rc == TD_OK)
		rc = td_outfile_open(&out, path, mode, err);
	if (rc != TD_OK) {
		sqlite3_finalize(st);
		return rc;
	}
	td_csv_start(&csv, out.fp, ws->ctx->csv_sep);
	n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++)
		td_csv_text(&csv, sqlite3_column_name(st, i));
	td_csv_end_row(&csv);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
				td_csv_number(&csv, sqlite3_column_double(st, i));
			else
				td_csv_text(&csv, (const char *)sqlite3_column_text(st, i));
		}
		td_csv_end_row(&csv);
	}
	if (step != SQLITE_DONE) {
		rc = td_ws_sqlerr(ws, path, err);
		td_outfile_abort(&out);
	} else if (ws->run_id) {
		/* Inside a stage: complete now, in place when the stage commits. */
		td_outfile *keep = ws->npending < TD_WS_MAX_PENDING ? malloc(sizeof(*keep)) : NULL;
		rc = keep ? td_outfile_finish(&out, err) : td_error_set(err, TD_ERR_NOMEM, "out of memory");
		if (rc == TD_OK) {
			*keep = out;
			ws->pending[ws->npending++] = keep;
		} else {
			td_outfile_abort(&out);
			free(keep);
		}
	} else {
		rc = td_outfile_commit(&out, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Rename (commit) or remove the files written inside the stage. */
static td_status settle_pending(td_ws *ws, int keep, td_error *err)
{
	td_status rc = TD_OK;

	for (int i = 0; i < ws->npending; i++) {
		if (keep && rc == TD_OK)
			rc = td_outfile_commit(ws->pending[i], err);
		else
			td_outfile_abort(ws->pending[i]);
		free(ws->pending[i]);
		ws->pending[i] = NULL;
	}
	ws->npending = 0;
	return rc;
}

/*
 * The writer lock: an fcntl lock on "<path>.lock", which the kernel releases
 * when the holder dies, so a killed run never leaves a stale lock. The file
 * holds the pid for people; the lock itself is what counts.
 */
/*
 * The file the lock is named after: the workspace's real path, so that two
 * writers reaching one file through a symbolic link, "./" or another
 * relative path take the same lock. A file not yet created (init) is named
 * by its directory's real path. Caller frees.
 */
static char *lock_name(const char *path)
{
	char *real = realpath(path, NULL), *dir = NULL, *name = NULL;
	const char *slash, *base;
	size_t n;

	if (!real) {
		slash = strrchr(path, '/');
		base = slash ? slash + 1 : path;
		dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
		real = dir ? realpath(dir, NULL) : NULL;
		if (!real) {
			free(dir);
			dir = real = NULL;
			real = strdup(path); /* the directory is missing too: opening will say so */
			base = "";
		}
		n = strlen(real) + strlen(base) + 8;
		name = malloc(n);
		if (name)
			snprintf(name, n, "%s%s%s.lock", real, *base && strcmp(real, "/") ? "/" : "", base);
	} else {
		n = strlen(real) + 6;
		name = malloc(n);
		if (name)
			snprintf(name, n, "%s.lock", real);
	}
	free(dir);
	free(real);
	return name;
}

static td_status lock_acquire(td_ws *ws, td_error *err)
{
	struct flock fl;
	struct stat a, b;
	size_t n;
	char pid[32];
	int fd;

	ws->lock_path = lock_name(ws->path);
	if (!ws->lock_path)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	for (;;) {
		fd = open(ws->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return td_error_set(err, TD_ERR_IO, "cannot create lock file '%s': %s", ws->lock_path,
					    strerror(errno));
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) != 0) {
			int holder = 0;
			memset(&fl, 0, sizeof(fl));
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
				holder = (int)fl.l_pid;
			close(fd);
			return td_error_set(err, TD_ERR_LOCKED,
					    "workspace '%s' is being written by another process (pid %d); "
					    "wait for it to finish",
					    ws->path, holder);
		}
		/* The previous holder may have unlinked the file we locked: retry on the new one. */
		if (fstat(fd, &a) == 0 && stat(ws->lock_path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(fd);
	}
	n = (size_t)snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, n, 0) != (ssize_t)n) {
		close(fd);
		return td_error_set(err, TD_ERR_IO, "cannot write lock file '%s': %s", ws->lock_path, strerror(errno));
	}
	ws->lock_fd = fd;
	return TD_OK;
}

static void lock_release(td_ws *ws)
{
	if (ws->lock_fd >= 0) {
		unlink(ws->lock_path);
		close(ws->lock_fd);
		ws->lock_fd = -1;
	}
}

/* td_name_key(text): the case-folded NFC key names are compared by; NULL for NULL or bad UTF-8. */
static void sql_name_key(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	char key[512];

	(void)argc;
	if (!s || !td_text_key((const char *)s, key, sizeof(key)))
		sqlite3_result_null(cx);
	else
		sqlite3_result_text(cx, key, -1, SQLITE_TRANSIENT);
}

/* td_mask_id(text): the identity number masked for messages ("031*******45"); NULL for NULL. */
static void sql_mask_id(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	char masked[64];

	(void)argc;
	if (!s) {
		sqlite3_result_null(cx);
		return;
	}
	td_identity_mask((const char *)s, masked, sizeof(masked));
	sqlite3_result_text(cx, masked, -1, SQLITE_TRANSIENT);
}

/* td_mask_text(text): every identity number inside a text masked, for messages quoting cells; NULL for NULL. */
static void sql_mask_text(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	size_t n;
	char *masked;

	(void)argc;
	if (!s) {
		sqlite3_result_null(cx);
		return;
	}
	n = strlen((const char *)s) + 1;
	masked = sqlite3_malloc64(n);
	if (!masked) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	td_identity_mask_text((const char *)s, masked, n);
	sqlite3_result_text(cx, masked, -1, sqlite3_free);
}

/*
 * SpatiaLite gives SQL the ST_* functions the GeoPackage R-tree triggers
 * call, and reads and writes GeoPackage geometry blobs ("amphibious mode").
 */
static td_status db_open(td_ws *ws, const char *path, int flags, td_error *err)
{
	const char *vfs = NULL;
	char *msg = NULL;

	if (ws->ctx->fault && !(vfs = td_fault_vfs(ws->ctx->fault)))
		return td_error_set(err, TD_ERR_NOMEM, "cannot set up fault injection");
	if (sqlite3_open_v2(path, &ws->db, flags, vfs) != SQLITE_OK) {
		td_status rc = td_error_set(err, TD_ERR_IO, "cannot open '%s': %s", path,
					    ws->db ? sqlite3_errmsg(ws->db) : "out of memory");
		return rc;
	}
	sqlite3_extended_result_codes(ws->db, 1);
	sqlite3_busy_timeout(ws->db, 10000);
	/*
	 * A stage is one transaction; with SQLite's default 2 MB cache its pages
	 * spill to disk (and to the journal) long before the commit. 256 MB keeps
	 * a commune's worth in memory; it is a ceiling, not an allocation.
	 */
	sqlite3_exec(ws->db, "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
	/* A reader only reads, even through a connection opened for writing (see td_ws_open). */
	if (!ws->lock_path)
		sqlite3_exec(ws->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	sqlite3_db_config(ws->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, NULL);
	if (sqlite3_load_extension(ws->db, "mod_spatialite", NULL, &msg) != SQLITE_OK) {
		td_status rc = td_error_set(err, TD_ERR_INTERNAL, "cannot load SpatiaLite (mod_spatialite): %s",
					    msg ? msg : "unknown error");
		sqlite3_free(msg);
		return rc;
	}
	sqlite3_db_config(ws->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	if (sqlite3_create_function(ws->db, "td_name_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_name_key,
				    NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, "register td_name_key", err);
	if (sqlite3_create_function(ws->db, "td_mask_id", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_mask_id,
				    NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, "register td_mask_id", err);
	if (sqlite3_create_function(ws->db, "td_mask_text", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_mask_text,
				    NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, "register td_mask_text", err);
	return td_ws_exec(ws, "SELECT EnableGpkgAmphibiousMode()", err);
}

static td_ws *ws_alloc(td_ctx *ctx, const char *path, td_error *err)
{
	td_ws *ws = calloc(1, sizeof(*ws));

	if (ws) {
		ws->ctx = ctx;
		ws->lock_fd = -1;
		ws->path = strdup(path);
	}
	if (!ws || !ws->path) {
		free(ws);
		td_error_set(err, TD_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return ws;
}

void td_ws_close(td_ws *ws)
{
	if (!ws)
		return;
	td_ws_rollback(ws);
	td_audit_untrack(ws);
	if (ws->db)
		sqlite3_close_v2(ws->db);
	lock_release(ws);
	free(ws->lock_path);
	free(ws->crs_wkt);
	free(ws->path);
	free(ws);
}

static const char *os_user(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *u = getenv("USER");
	return pw && pw->pw_name ? pw->pw_name : u ? u : "unknown";
}

/* The command line as stored in runs and audit_log: ID numbers masked. Caller frees. */
static char *masked_invocation(const td_ws *ws, const char *fallback)
{
	const char *s = ws->invocation ? ws->invocation : fallback;
	size_t n = strlen(s) + 16;
	char *m = malloc(n);

	if (m)
		td_identity_mask_text(s, m, n);
	return m;
}

td_status td_ws_begin(td_ws *ws, const char *command, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char *argv = NULL;
	td_status rc;

	if (!ws->lock_path)
		return td_error_set(err, TD_ERR_INTERNAL, "workspace '%s' is open read-only", ws->path);
	rc = td_ws_exec(ws, "BEGIN IMMEDIATE", err);
	if (rc != TD_OK)
		return rc;
	snprintf(ws->stage, sizeof(ws->stage), "%s", command);
	rc = td_audit_track(ws, err);
	argv = masked_invocation(ws, command);
	if (rc == TD_OK && !argv)
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "INSERT INTO runs (command, argv, os_user, started_at) "
				   "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
				   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, argv, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, os_user(), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "record run", err);
		ws->run_id = sqlite3_last_insert_rowid(ws->db);
	}
	sqlite3_finalize(st);
	free(argv);
	if (rc != TD_OK)
		td_ws_rollback(ws);
	return rc;
}

td_status td_ws_commit(td_ws *ws, const char *summary, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char *argv = masked_invocation(ws, ws->stage);
	td_status rc = argv ? td_ws_prepare(ws,
					    "UPDATE runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
					    "summary = ? WHERE id = ?",
					    &st, err)
			    : td_error_set(err, TD_ERR_NOMEM, "out of memory");
	if (rc == TD_OK) {
		if (summary)
			sqlite3_bind_text(st, 1, summary, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, ws->run_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "record run", err);
	}
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = td_audit_append(ws, ws->run_id, ws->stage, argv, os_user(), summary, err);
	free(argv);
	if (rc == TD_OK && ws->before_commit)
		rc = ws->before_commit(ws, ws->before_commit_arg, err);
	if (rc == TD_OK && sqlite3_exec(ws->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = td_ws_sqlerr(ws, "commit", err);
	if (rc != TD_OK)
		td_ws_rollback(ws);
	td_audit_untrack(ws);
	ws->run_id = 0;
	/* The files appear once the stage is in; a rename in a folder already written to does not fail for space. */
	if (rc == TD_OK)
		rc = settle_pending(ws, 1, err);
	return rc;
}

void td_ws_rollback(td_ws *ws)
{
	td_error ignored;

	settle_pending(ws, 0, &ignored);
	if (ws->db && !sqlite3_get_autocommit(ws->db))
		sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
	td_audit_untrack(ws);
	ws->run_id = 0;
}

/* The R-tree insert trigger of a layer (%1$s: its table), as GDAL and QGIS write it. */
static const char rtree_insert_trigger[] = "CREATE TRIGGER rtree_%1$s_geom_insert AFTER INSERT ON %1$s "
					   "WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN "
					   "INSERT OR REPLACE INTO rtree_%1$s_geom VALUES (NEW.fid, ST_MinX(NEW.geom), "
					   "ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;";

/* The GeoPackage R-tree extension for one layer, as GDAL and QGIS write it. */
static td_status create_rtree(td_ws *ws, const char *t, td_error *err)
{
	char sql[4096];
	size_t n = (size_t)snprintf(sql, sizeof(sql),
				    "CREATE VIRTUAL TABLE rtree_%1$s_geom USING rtree(id, minx, maxx, miny, maxy);", t);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, rtree_insert_trigger, t);
	snprintf(sql + n, sizeof(sql) - n,
		 "CREATE TRIGGER rtree_%1$s_geom_update1 AFTER UPDATE OF geom ON %1$s "
		 "WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN "
		 "INSERT OR REPLACE INTO rtree_%1$s_geom VALUES (NEW.fid, ST_MinX(NEW.geom), "
		 "ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
		 "CREATE TRIGGER rtree_%1$s_geom_update2 AFTER UPDATE OF geom ON %1$s "
		 "WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN "
		 "DELETE FROM rtree_%1$s_geom WHERE id = OLD.fid; END;"
		 "CREATE TRIGGER rtree_%1$s_geom_update3 AFTER UPDATE ON %1$s "
		 "WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN "
		 "DELETE FROM rtree_%1$s_geom WHERE id = OLD.fid; "
		 "INSERT OR REPLACE INTO rtree_%1$s_geom VALUES (NEW.fid, ST_MinX(NEW.geom), "
		 "ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
		 "CREATE TRIGGER rtree_%1$s_geom_update4 AFTER UPDATE ON %1$s "
		 "WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN "
		 "DELETE FROM rtree_%1$s_geom WHERE id IN (OLD.fid, NEW.fid); END;"
		 "CREATE TRIGGER rtree_%1$s_geom_delete AFTER DELETE ON %1$s "
		 "WHEN old.geom NOT NULL BEGIN DELETE FROM rtree_%1$s_geom WHERE id = OLD.fid; END;",
		 t);
	return td_ws_exec(ws, sql, err);
}

td_status td_ws_rtree_suspend(td_ws *ws, const char *table, td_error *err)
{
	char sql[256];
	assert(ws->run_id); /* inside a stage: a failure rolls the DROP back */
	snprintf(sql, sizeof(sql), "DROP TRIGGER rtree_%s_geom_insert", table);
	return td_ws_exec(ws, sql, err);
}

td_status td_ws_rtree_resume(td_ws *ws, const char *table, td_error *err)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), rtree_insert_trigger, table);
	return td_ws_exec(ws, sql, err);
}

static td_status insert_srs(td_ws *ws, const td_crs *crs, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws,
				     "INSERT OR REPLACE INTO gpkg_spatial_ref_sys "
				     "(srs_name, srs_id, organization, organization_coordsys_id, definition) "
				     "VALUES (?, ?, ?, ?, ?)",
				     &st, err);
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, crs->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, crs->srs_id);
	sqlite3_bind_text(st, 3, crs->org, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, crs->org_id);
	sqlite3_bind_text(st, 5, crs->wkt, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "insert CRS", err);
	sqlite3_finalize(st);
	return rc;
}

/* Read schemas/workspace.sql with @SRS_ID@ replaced. Caller frees. */
static td_status read_schema(td_ctx *ctx, int srs_id, char **out, td_error *err)
{
	char path[TD_PATH_MAX], id[16];
	FILE *f = NULL;
	char *text = NULL, *res = NULL, *p, *q;
	long size;
	size_t n, idlen, count = 0;
	td_status rc = td_ctx_schema_file(ctx, "workspace.sql", path, sizeof(path), err);

	*out = NULL;
	if (rc != TD_OK)
		return rc;
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = td_error_set(err, TD_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	text = malloc((size_t)size + 1);
	if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
		rc = td_error_set(err, text ? TD_ERR_IO : TD_ERR_NOMEM, "cannot read '%s'", path);
		goto done;
	}
	text[size] = '\0';
	idlen = (size_t)snprintf(id, sizeof(id), "%d", srs_id);
	for (p = text; (p = strstr(p, "@SRS_ID@")) != NULL; p += 8)
		count++;
	n = (size_t)size + count * idlen + 1;
	res = malloc(n);
	if (!res) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (p = text, q = res; *p;) {
		if (strncmp(p, "@SRS_ID@", 8) == 0) {
			memcpy(q, id, idlen);
			q += idlen;
			p += 8;
		} else {
			*q++ = *p++;
		}
	}
	*q = '\0';
	*out = res;
	res = NULL;
done:
	if (f)
		fclose(f);
	free(text);
	free(res);
	return rc;
}

/*
 * Write-ahead logging, kept in the file: readers (QGIS showing the layers,
 * another thuadat command) never block a stage's commit and a stage never
 * blocks them, and a killed writer leaves nothing a reader must roll back.
 * An existing workspace is switched when a writer opens it; if another
 * program keeps it open in the old mode the switch waits for the next run.
 */
static td_status set_wal(td_ws *ws, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, "PRAGMA journal_mode = WAL", &st, err);

	if (rc == TD_OK && sqlite3_step(st) != SQLITE_ROW) {
		int code = sqlite3_extended_errcode(ws->db) & 0xff;
		if (code != SQLITE_BUSY && code != SQLITE_LOCKED)
			rc = td_ws_sqlerr(ws, "switch to write-ahead logging", err);
	}
	sqlite3_finalize(st);
	return rc;
}

static td_status populate(td_ws *ws, const td_crs *crs, const char *invocation, td_error *err)
{
	static const char *const layers[] = {"parcels", "findings", "finding_areas", "communes"};
	td_crs wgs84 = {0};
	char *schema = NULL;
	char sql[512];
	td_status rc;

	rc = read_schema(ws->ctx, crs->srs_id, &schema, err);
	if (rc == TD_OK)
		rc = set_wal(ws, err);
	if (rc == TD_OK)
		rc = td_ws_exec(ws, "BEGIN", err);
	if (rc == TD_OK)
		rc = td_audit_track(ws, err);
	if (rc == TD_OK)
		rc = td_ws_exec(ws, schema, err);
	/* The three rows every GeoPackage must have, then the workspace CRS. */
	if (rc == TD_OK)
		rc = td_ws_exec(ws,
				"INSERT INTO gpkg_spatial_ref_sys VALUES "
				"('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),"
				"('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL)",
				err);
	if (rc == TD_OK)
		rc = td_crs_from_spec(ws->ctx, "EPSG:4326", &wgs84, err);
	if (rc == TD_OK)
		rc = insert_srs(ws, &wgs84, err);
	if (rc == TD_OK)
		rc = insert_srs(ws, crs, err);
	for (size_t i = 0; rc == TD_OK && i < sizeof(layers) / sizeof(layers[0]); i++)
		rc = create_rtree(ws, layers[i], err);
	if (rc == TD_OK)
		rc = td_refdata_load(ws, err);
	if (rc == TD_OK)
		rc = td_styles_load(ws, err);
	if (rc == TD_OK) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO ws_meta VALUES ('schema_version', '%d'), ('srs_id', '%d'),"
			 "('thuadat_version', '" TD_VERSION "'),"
			 "('created_at', strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now'))",
			 TD_SCHEMA_VERSION, crs->srs_id);
		rc = td_ws_exec(ws, sql, err);
	}
	/* The first audit entry: the workspace's creation and what it was loaded with. */
	if (rc == TD_OK) {
		char *argv = masked_invocation(ws, invocation ? invocation : "init");
		rc = argv ? td_audit_append(ws, 0, "init", argv, os_user(), NULL, err)
			  : td_error_set(err, TD_ERR_NOMEM, "out of memory");
		free(argv);
	}
	if (rc == TD_OK)
		rc = td_ws_exec(ws, "COMMIT", err);
	td_audit_untrack(ws);
	td_crs_release(&wgs84);
	free(schema);
	return rc;
}

td_status td_ws_create(td_ctx *ctx, const char *path, const td_ws_create_options *opts, td_error *err)
{
	td_ws *ws = NULL;
	td_crs crs = {0};
	char *tmp = NULL;
	struct stat st;
	size_t n;
	td_status rc;

	if ((opts->crs == NULL) == (opts->province == NULL))
		return td_error_set(err, TD_ERR_USAGE, "give exactly one of a CRS and a province");
	ws = ws_alloc(ctx, path, err);
	if (!ws)
		return err->code;
	rc = lock_acquire(ws, err);
	if (rc != TD_OK)
		goto done;
	if (!opts->force && stat(path, &st) == 0) {
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' already exists (use --force to replace it)", path);
		goto done;
	}
	rc = opts->crs ? td_crs_from_spec(ctx, opts->crs, &crs, err)
		       : td_crs_from_province(ctx, opts->province, &crs, err);
	if (rc != TD_OK)
		goto done;

	n = strlen(path) + 32;
	tmp = malloc(n);
	if (!tmp) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
	unlink(tmp);
	rc = db_open(ws, tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
	if (rc == TD_OK)
		rc = populate(ws, &crs, opts->invocation, err);
	if (rc == TD_OK && sqlite3_close(ws->db) != SQLITE_OK)
		rc = td_error_set(err, TD_ERR_IO, "cannot close '%s'", tmp);
	else if (rc == TD_OK)
		ws->db = NULL;
	/* The workspace holds owners' names and ID numbers. */
	if (rc == TD_OK && chmod(tmp, 0600) != 0)
		rc = td_error_set(err, TD_ERR_IO, "cannot set the mode of '%s': %s", tmp, strerror(errno));
	if (rc == TD_OK && rename(tmp, path) != 0)
		rc = td_error_set(err, TD_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	if (rc != TD_OK) {
		if (ws->db) {
			sqlite3_close_v2(ws->db);
			ws->db = NULL;
		}
		unlink(tmp);
	}
done:
	free(tmp);
	td_crs_release(&crs);
	td_ws_close(ws);
	return rc;
}

/* Check the file is a workspace of our schema version and read its CRS. */
static td_status verify(td_ws *ws, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char version[32];
	int app_id = 0;
	td_status rc;

	if (sqlite3_prepare_v2(ws->db, "PRAGMA application_id", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		int code = sqlite3_extended_errcode(ws->db) & 0xff;
		sqlite3_finalize(st);
		/* Only a file SQLite cannot read as a database is "not a workspace"; locks and I/O are said as such. */
		if (code != SQLITE_NOTADB && code != SQLITE_CORRUPT && code != SQLITE_OK && code != SQLITE_ROW &&
		    code != SQLITE_DONE)
			return td_ws_sqlerr(ws, "open", err);
		return td_error_set(err, TD_ERR_WORKSPACE, "'%s' is not a thuadat workspace: %s", ws->path,
				    sqlite3_errmsg(ws->db));
	}
	app_id = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (app_id != GPKG_APPLICATION_ID ||
	    sqlite3_table_column_metadata(ws->db, NULL, "ws_meta", "value", NULL, NULL, NULL, NULL, NULL) != SQLITE_OK)
		return td_error_set(err, TD_ERR_WORKSPACE,
				    "'%s' is not a thuadat workspace (create one with 'thuadat init')", ws->path);
	rc = td_ws_meta(ws, "schema_version", version, sizeof(version), err);
	if (rc != TD_OK)
		return rc;
	if (strtol(version, NULL, 10) != TD_SCHEMA_VERSION)
		return td_error_set(err, TD_ERR_WORKSPACE,
				    "'%s' has workspace schema version %s; this thuadat reads version %d", ws->path,
				    version[0] ? version : "(none)", TD_SCHEMA_VERSION);
	rc = td_ws_prepare(ws,
			   "SELECT s.srs_id, s.srs_name, s.definition FROM gpkg_geometry_columns g "
			   "JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE g.table_name = 'parcels'",
			   &st, err);
	if (rc != TD_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		ws->srs_id = sqlite3_column_int(st, 0);
		snprintf(ws->crs_name, sizeof(ws->crs_name), "%s", (const char *)sqlite3_column_text(st, 1));
		ws->crs_wkt = strdup((const char *)sqlite3_column_text(st, 2));
		if (!ws->crs_wkt)
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
	} else {
		rc = td_error_set(err, TD_ERR_WORKSPACE, "'%s': the parcels layer has no CRS", ws->path);
	}
	sqlite3_finalize(st);
	return rc;
}

td_status td_ws_open(td_ctx *ctx, const char *path, td_ws_mode mode, td_ws **out, td_error *err)
{
	struct stat st;
	td_ws *ws;
	td_status rc;

	*out = NULL;
	if (stat(path, &st) != 0)
		return td_error_set(err, TD_ERR_INPUT, "cannot open workspace '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return td_error_set(err, TD_ERR_INPUT, "cannot open workspace '%s': not a regular file", path);
	ws = ws_alloc(ctx, path, err);
	if (!ws)
		return err->code;
	rc = mode == TD_WS_WRITE ? lock_acquire(ws, err) : TD_OK;
	/*
	 * Readers open read-write too (SQLite falls back to read-only when the
	 * file is not writable) but run with query_only: a journal left by a
	 * killed writer must be rolled back before anyone can read, and SQLite
	 * does that on the first read only through a writable connection.
	 */
	if (rc == TD_OK)
		rc = db_open(ws, path, SQLITE_OPEN_READWRITE, err);
	if (rc == TD_OK)
		rc = verify(ws, err);
	if (rc == TD_OK && mode == TD_WS_WRITE)
		rc = set_wal(ws, err);
	if (rc != TD_OK) {
		td_ws_close(ws);
		return rc;
	}
	*out = ws;
	return TD_OK;
}
