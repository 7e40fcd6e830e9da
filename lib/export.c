#include "export.h"
#include "outfile.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xlsxwriter.h>

/*
 * Excel keeps at most 32,767 characters in a cell; counting bytes, which
 * are never fewer than characters, keeps the owner list under it.
 */
#define OWNERS_MAX 32767

/* Room kept at the end of the owner list for "; … (+N)". */
#define OWNERS_TAIL 32

struct column {
	const char *header;
	double width; /* in characters of the default font */
};

static const struct column summary_columns[] = {{"Nội dung", 26}, {"Giá trị", 14}};

static const struct column group_columns[] = {
	{"Số tờ", 8},
	{"Số thửa", 9},
	{"Diện tích bản đồ (m²)", 22},
	{"Diện tích sổ (m²)", 18},
	{"Loại đất", 10},
	{"Chủ sử dụng", 45},
	{"Tiêu chí không đạt", 20},
	{"Mã lỗi", 40},
};

static const struct column finding_columns[] = {
	{"Mã lỗi", 24},
	{"Mức độ", 10},
	{"Tiêu chí", 10},
	{"Số tờ", 8},
	{"Số thửa", 9},
	{"Xã liên quan", 13},
	{"Tờ liên quan", 13},
	{"Thửa liên quan", 15},
	{"X", 14},
	{"Y", 14},
	{"Giá trị", 12},
	{"Ngưỡng", 10},
	{"Mô tả", 70},
};

#define NCOLS(a) ((lxw_col_t)(sizeof(a) / sizeof((a)[0])))

static const char *const group_sheet[4] = {NULL, "Nhóm 1", "Nhóm 2", "Nhóm 3"};

/* Statements prepared once per run and bound per commune or parcel. */
struct queries {
	sqlite3_stmt *counts;   /* ?1 commune: parcels, register rows, groups 1..3 */
	sqlite3_stmt *rules;    /* ?1 commune: rule_id, findings */
	sqlite3_stmt *group;    /* ?1 commune, ?2 grp: one row per parcel key */
	sqlite3_stmt *reg;      /* ?1 commune, ?2 sheet, ?3 parcel: register rows */
	sqlite3_stmt *findings; /* ?1 commune */
};

/* The workbook being written and its formats, which it owns. */
struct book {
	lxw_workbook *wb;
	lxw_format *bold, *text, *area, *coord, *date;
	const char *path; /* the final name, for messages */
};

/*
 * A sheet filled row by row: in constant_memory mode a row, once left,
 * cannot be written again. The first libxlsxwriter failure is kept in e and
 * later writes are skipped, so callers check once per row.
 */
struct sheet {
	lxw_worksheet *ws;
	const char *name;
	lxw_row_t row;
	lxw_error e;
};

/* Per-parcel data joined from the register. */
struct reg_info {
	int has_area;
	double area;
	char landuse[128];
	char *owners; /* OWNERS_MAX + 1 bytes, reused for every parcel */
	size_t len;
};

static td_status lxw_fail(const struct book *b, const struct sheet *sh, lxw_error e, td_error *err)
{
	return td_error_set(err, TD_ERR_IO, "cannot write '%s'%s%s%s: %s", b->path, sh ? " sheet '" : "",
			    sh ? sh->name : "", sh ? "'" : "", lxw_strerror(e));
}

static void put_text(struct sheet *sh, lxw_col_t col, const char *s, lxw_format *f)
{
	if (sh->e == LXW_NO_ERROR && s && *s)
		sh->e = worksheet_write_string(sh->ws, sh->row, col, s, f);
}

static void put_number(struct sheet *sh, lxw_col_t col, double v, lxw_format *f)
{
	if (sh->e == LXW_NO_ERROR)
		sh->e = worksheet_write_number(sh->ws, sh->row, col, v, f);
}

/* Result column i as text; NULL leaves the cell blank. */
static void put_col_text(struct sheet *sh, lxw_col_t col, sqlite3_stmt *st, int i, lxw_format *f)
{
	put_text(sh, col, (const char *)sqlite3_column_text(st, i), f);
}

/* Result column i as a number; NULL leaves the cell blank. */
static void put_col_number(struct sheet *sh, lxw_col_t col, sqlite3_stmt *st, int i, lxw_format *f)
{
	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		put_number(sh, col, sqlite3_column_double(st, i), f);
}

/* Finish a row: the first write failure in it becomes the status. */
static td_status next_row(const struct book *b, struct sheet *sh, td_error *err)
{
	if (sh->e != LXW_NO_ERROR)
		return lxw_fail(b, sh, sh->e, err);
	sh->row++;
	return TD_OK;
}

static td_status add_formats(struct book *b, td_error *err)
{
	lxw_format **slots[] = {&b->bold, &b->text, &b->area, &b->coord, &b->date};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (!(*slots[i] = workbook_add_format(b->wb)))
			return td_error_set(err, TD_ERR_NOMEM, "cannot write '%s': out of memory", b->path);
	format_set_bold(b->bold);
	format_set_bottom(b->bold, LXW_BORDER_THIN);
	/* Codes with leading zeros stay text if someone edits the cell. */
	format_set_num_format(b->text, "@");
	format_set_num_format(b->area, "0.0");
	format_set_num_format(b->coord, "0.000");
	format_set_num_format(b->date, "dd/mm/yyyy");
	return TD_OK;
}

/* Add a sheet with its column widths and a bold header row. */
static td_status sheet_open(struct book *b, const char *name, const struct column *cols, lxw_col_t ncols,
			    struct sheet *sh, td_error *err)
{
	memset(sh, 0, sizeof(*sh));
	sh->name = name;
	sh->ws = workbook_add_worksheet(b->wb, name);
	/* In constant_memory mode each sheet needs a temporary file in out_dir. */
	if (!sh->ws)
		return td_error_set(err, TD_ERR_IO,
				    "cannot write '%s' sheet '%s': out of memory or no room for a temporary file",
				    b->path, name);
	for (lxw_col_t c = 0; c < ncols && sh->e == LXW_NO_ERROR; c++)
		sh->e = worksheet_set_column(sh->ws, c, c, cols[c].width, NULL);
	for (lxw_col_t c = 0; c < ncols; c++)
		put_text(sh, c, cols[c].header, b->bold);
	return next_row(b, sh, err);
}

/* A data sheet: header frozen, autofilter over what was written. */
static td_status sheet_close_table(const struct book *b, struct sheet *sh, lxw_col_t ncols, td_error *err)
{
	lxw_error e;

	assert(sh->row >= 1 && ncols >= 1);
	worksheet_freeze_panes(sh->ws, 1, 0);
	e = worksheet_autofilter(sh->ws, 0, 0, sh->row - 1, (lxw_col_t)(ncols - 1));
	return e == LXW_NO_ERROR ? TD_OK : lxw_fail(b, sh, e, err);
}

static td_status write_summary(td_ws *ws, struct queries *q, struct book *b, const char *commune,
			       const lxw_datetime *today, td_error *err)
{
	/* In the order of the counts query's columns. */
	static const char *const labels[] = {"Số thửa trên bản đồ", "Số dòng sổ địa chính", "Nhóm 1", "Nhóm 2",
					     "Nhóm 3"};
	lxw_datetime date = *today;
	struct sheet sh;
	int rc_sql;
	td_status rc = sheet_open(b, "Tổng hợp", summary_columns, NCOLS(summary_columns), &sh, err);

	if (rc != TD_OK)
		return rc;
	put_text(&sh, 0, "Mã xã", NULL);
	put_text(&sh, 1, commune, b->text);
	rc = next_row(b, &sh, err);
	if (rc == TD_OK) {
		put_text(&sh, 0, "Ngày xuất", NULL);
		if (sh.e == LXW_NO_ERROR)
			sh.e = worksheet_write_datetime(sh.ws, sh.row, 1, &date, b->date);
		rc = next_row(b, &sh, err);
	}
	if (rc != TD_OK)
		return rc;

	sqlite3_reset(q->counts);
	sqlite3_bind_text(q->counts, 1, commune, -1, SQLITE_STATIC);
	if ((rc_sql = sqlite3_step(q->counts)) != SQLITE_ROW)
		return td_ws_sqlerr(ws, "count parcels", err);
	for (int i = 0; i < 5 && rc == TD_OK; i++) {
		put_text(&sh, 0, labels[i], NULL);
		put_number(&sh, 1, (double)sqlite3_column_int64(q->counts, i), NULL);
		rc = next_row(b, &sh, err);
	}
	sqlite3_reset(q->counts);
	if (rc != TD_OK)
		return rc;

	/* A blank row, then the findings per rule as a small table of its own. */
	sh.row++;
	put_text(&sh, 0, "Mã lỗi", b->bold);
	put_text(&sh, 1, "Số lỗi", b->bold);
	rc = next_row(b, &sh, err);
	sqlite3_reset(q->rules);
	sqlite3_bind_text(q->rules, 1, commune, -1, SQLITE_STATIC);
	while (rc == TD_OK && (rc_sql = sqlite3_step(q->rules)) == SQLITE_ROW) {
		put_col_text(&sh, 0, q->rules, 0, NULL);
		put_col_number(&sh, 1, q->rules, 1, NULL);
		rc = next_row(b, &sh, err);
	}
	if (rc == TD_OK && rc_sql != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "count findings", err);
	sqlite3_reset(q->rules);
	return rc;
}

/*
 * The register rows of one parcel key: the first area and land use given,
 * and the owners joined with "; " (co-owners have a row each). A list too
 * long for a cell ends with "; … (+N)" for the N names left out.
 */
static td_status register_info(td_ws *ws, sqlite3_stmt *st, const char *commune, sqlite3_int64 sheet,
			       sqlite3_int64 parcel, struct reg_info *ri, td_error *err)
{
	long dropped = 0;
	int rc_sql;

	ri->has_area = 0;
	ri->landuse[0] = '\0';
	ri->len = 0;
	ri->owners[0] = '\0';
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sheet);
	sqlite3_bind_int64(st, 3, parcel);
	while ((rc_sql = sqlite3_step(st)) == SQLITE_ROW) {
		const char *landuse = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		size_t n;

		if (!ri->has_area && sqlite3_column_type(st, 0) != SQLITE_NULL) {
			ri->has_area = 1;
			ri->area = sqlite3_column_double(st, 0);
		}
		if (!ri->landuse[0] && landuse)
			snprintf(ri->landuse, sizeof(ri->landuse), "%s", landuse);
		if (!name || !*name)
			continue;
		n = strlen(name) + (ri->len ? 2 : 0);
		if (dropped || ri->len + n > OWNERS_MAX - OWNERS_TAIL) {
			dropped++;
			continue;
		}
		ri->len += (size_t)snprintf(ri->owners + ri->len, OWNERS_MAX + 1 - ri->len, "%s%s",
					    ri->len ? "; " : "", name);
	}
	if (rc_sql != SQLITE_DONE) {
		sqlite3_reset(st);
		return td_ws_sqlerr(ws, "read register rows", err);
	}
	if (dropped)
		snprintf(ri->owners + ri->len, OWNERS_MAX + 1 - ri->len, "; … (+%ld)", dropped);
	sqlite3_reset(st);
	return TD_OK;
}

static td_status write_group(td_ws *ws, struct queries *q, struct book *b, const char *commune, int grp,
			     struct reg_info *ri, long *rows, td_error *err)
{
	sqlite3_stmt *st = q->group;
	struct sheet sh;
	int rc_sql = SQLITE_DONE;
	td_status rc = sheet_open(b, group_sheet[grp], group_columns, NCOLS(group_columns), &sh, err);

	if (rc != TD_OK)
		return rc;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, grp);
	while (rc == TD_OK && (rc_sql = sqlite3_step(st)) == SQLITE_ROW) {
		const char *map_landuse = (const char *)sqlite3_column_text(st, 3);

		rc = register_info(ws, q->reg, commune, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				   ri, err);
		if (rc != TD_OK)
			break;
		put_col_number(&sh, 0, st, 0, NULL);
		put_col_number(&sh, 1, st, 1, NULL);
		put_col_number(&sh, 2, st, 2, b->area);
		if (ri->has_area)
			put_number(&sh, 3, ri->area, b->area);
		put_text(&sh, 4, ri->landuse[0] ? ri->landuse : map_landuse, NULL);
		put_text(&sh, 5, ri->owners, NULL);
		put_col_text(&sh, 6, st, 4, NULL);
		put_col_text(&sh, 7, st, 5, NULL);
		rc = next_row(b, &sh, err);
		if (rc == TD_OK)
			(*rows)++;
	}
	if (rc == TD_OK && rc_sql != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read parcel grades", err);
	sqlite3_reset(st);
	if (rc == TD_OK)
		rc = sheet_close_table(b, &sh, NCOLS(group_columns), err);
	return rc;
}

static const char *severity_label(const char *severity)
{
	if (!severity)
		return NULL;
	if (strcmp(severity, "error") == 0)
		return "Lỗi";
	if (strcmp(severity, "warning") == 0)
		return "Cảnh báo";
	return severity;
}

static td_status write_findings(td_ws *ws, struct queries *q, struct book *b, const char *commune, long *rows,
				td_error *err)
{
	sqlite3_stmt *st = q->findings;
	struct sheet sh;
	int rc_sql = SQLITE_DONE;
	td_status rc = sheet_open(b, "Lỗi", finding_columns, NCOLS(finding_columns), &sh, err);

	if (rc != TD_OK)
		return rc;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	while (rc == TD_OK && (rc_sql = sqlite3_step(st)) == SQLITE_ROW) {
		put_col_text(&sh, 0, st, 0, NULL);
		put_text(&sh, 1, severity_label((const char *)sqlite3_column_text(st, 1)), NULL);
		put_col_text(&sh, 2, st, 2, NULL);
		put_col_number(&sh, 3, st, 3, NULL);
		put_col_number(&sh, 4, st, 4, NULL);
		put_col_text(&sh, 5, st, 5, b->text);
		put_col_number(&sh, 6, st, 6, NULL);
		put_col_number(&sh, 7, st, 7, NULL);
		put_col_number(&sh, 8, st, 8, b->coord);
		put_col_number(&sh, 9, st, 9, b->coord);
		put_col_number(&sh, 10, st, 10, NULL);
		put_col_number(&sh, 11, st, 11, NULL);
		put_col_text(&sh, 12, st, 12, NULL);
		rc = next_row(b, &sh, err);
		if (rc == TD_OK)
			(*rows)++;
	}
	if (rc == TD_OK && rc_sql != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read findings", err);
	sqlite3_reset(st);
	if (rc == TD_OK)
		rc = sheet_close_table(b, &sh, NCOLS(finding_columns), err);
	return rc;
}

/*
 * Write one commune's workbook to a temporary file and rename it onto path.
 * parcels and findings get the rows written only when the file is complete.
 */
static td_status write_commune(td_ws *ws, struct queries *q, char *dir, const char *commune, const char *path,
			       const lxw_datetime *today, struct reg_info *ri, long *parcels, long *findings,
			       td_error *err)
{
	lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .tmpdir = dir, .use_zip64 = LXW_FALSE};
	struct book b = {.path = path};
	td_outfile out;
	long nparcels = 0, nfindings = 0;
	lxw_error e;
	td_status rc;

	/* libxlsxwriter opens the file by name: it keeps our mode and our temporary name. */
	rc = td_outfile_open(&out, path, 0600, err);
	if (rc == TD_OK)
		rc = td_outfile_release_fp(&out, err);
	if (rc != TD_OK)
		goto done;
	b.wb = workbook_new_opt(out.tmp_path, &wo);
	if (!b.wb) {
		rc = td_error_set(err, TD_ERR_NOMEM, "cannot write '%s': out of memory", path);
		goto done;
	}
	rc = add_formats(&b, err);
	if (rc == TD_OK)
		rc = write_summary(ws, q, &b, commune, today, err);
	for (int grp = 1; grp <= 3 && rc == TD_OK; grp++)
		rc = write_group(ws, q, &b, commune, grp, ri, &nparcels, err);
	if (rc == TD_OK)
		rc = write_findings(ws, q, &b, commune, &nfindings, err);
	if (rc != TD_OK)
		goto done;
	/* workbook_close frees the workbook whatever it returns. */
	e = workbook_close(b.wb);
	b.wb = NULL;
	if (e != LXW_NO_ERROR) {
		rc = lxw_fail(&b, NULL, e, err);
		goto done;
	}
	rc = td_outfile_commit(&out, err);
	if (rc == TD_OK) {
		*parcels += nparcels;
		*findings += nfindings;
	}
done:
	lxw_workbook_free(b.wb);
	if (rc != TD_OK)
		td_outfile_abort(&out);
	return rc;
}

/* Like mkdir -p, with mode 0700 for what it creates: the files hold personal data. */
static td_status make_dir(char *dir, td_error *err)
{
	struct stat st;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			td_status rc = td_error_set(err, TD_ERR_IO, "cannot create directory '%s': %s", dir,
						    strerror(errno));
			*p = '/';
			return rc;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return td_error_set(err, TD_ERR_IO, "cannot create directory '%s': %s", dir, strerror(errno));
	if (stat(dir, &st) != 0)
		return td_error_set(err, TD_ERR_IO, "cannot use output directory '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return td_error_set(err, TD_ERR_IO, "cannot use output directory '%s': not a directory", dir);
	return TD_OK;
}

/* Commune codes become file names: nothing that could leave out_dir or surprise a shell. */
static int safe_code(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 32 && s[0] != '-' &&
	       strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") == n;
}

static void free_list(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

/*
 * The communes to export, read before any workbook so that no statement
 * stays open across communes. A province has a few hundred: a list is fine.
 */
static td_status read_communes(td_ws *ws, char ***out, size_t *count, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char **list = NULL;
	size_t n = 0, cap = 0;
	int rc_sql;
	td_status rc = td_ws_prepare(ws, "SELECT DISTINCT commune FROM parcel_grade ORDER BY commune", &st, err);

	*out = NULL;
	*count = 0;
	while (rc == TD_OK && (rc_sql = sqlite3_step(st)) == SQLITE_ROW) {
		if (n + 1 >= cap) {
			size_t ncap = cap ? 2 * cap : 16;
			char **p = realloc(list, ncap * sizeof(*list));
			if (!p) {
				rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
				break;
			}
			list = p;
			cap = ncap;
		}
		list[n] = strdup((const char *)sqlite3_column_text(st, 0));
		if (!list[n]) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		list[++n] = NULL;
	}
	if (rc == TD_OK && rc_sql != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read communes", err);
	sqlite3_finalize(st);
	if (rc == TD_OK && n == 0)
		rc = td_error_set(err, TD_ERR_USAGE,
				  "workspace '%s' has no graded parcels: run 'thuadat classify' first", ws->path);
	if (rc != TD_OK) {
		free_list(list);
		return rc;
	}
	*out = list;
	*count = n;
	return TD_OK;
}

static td_status prepare_queries(td_ws *ws, struct queries *q, td_error *err)
{
	td_status rc;

	rc = td_ws_prepare(ws,
			   "SELECT (SELECT count(*) FROM parcels WHERE commune = ?1),"
			   " (SELECT count(*) FROM register_rows WHERE commune = ?1),"
			   " (SELECT count(*) FROM parcel_grade WHERE commune = ?1 AND grp = 1),"
			   " (SELECT count(*) FROM parcel_grade WHERE commune = ?1 AND grp = 2),"
			   " (SELECT count(*) FROM parcel_grade WHERE commune = ?1 AND grp = 3)",
			   &q->counts, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT rule_id, count(*) FROM findings WHERE commune = ?1 "
				   "GROUP BY rule_id ORDER BY rule_id",
				   &q->rules, err);
	/*
	 * A key drawn twice on the map is a finding of its own; the sheet shows
	 * the first drawn (lowest fid). ST_Area reads the GeoPackage blob in
	 * SpatiaLite's amphibious mode and is NULL without a polygon.
	 */
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT g.sheet, g.parcel, ST_Area(p.geom), p.landuse, g.failed_criteria, "
				   "g.rule_ids FROM parcel_grade g LEFT JOIN parcels p ON p.fid = "
				   "(SELECT min(m.fid) FROM parcels m WHERE m.commune = g.commune "
				   "AND m.sheet = g.sheet AND m.parcel = g.parcel) "
				   "WHERE g.commune = ?1 AND g.grp = ?2 ORDER BY g.sheet, g.parcel",
				   &q->group, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT area, landuse, owner_name FROM register_rows "
				   "WHERE commune = ?1 AND sheet = ?2 AND parcel = ?3 ORDER BY id",
				   &q->reg, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT rule_id, severity, criterion, sheet, parcel, other_commune, other_sheet, "
				   "other_parcel, ST_X(geom), ST_Y(geom), value, tolerance, message "
				   "FROM findings WHERE commune = ?1 ORDER BY sheet, parcel, rule_id, fid",
				   &q->findings, err);
	return rc;
}

static void finalize_queries(struct queries *q)
{
	sqlite3_finalize(q->findings);
	sqlite3_finalize(q->reg);
	sqlite3_finalize(q->group);
	sqlite3_finalize(q->rules);
	sqlite3_finalize(q->counts);
}

static void today_local(lxw_datetime *d)
{
	time_t now = time(NULL);
	struct tm tm;

	memset(d, 0, sizeof(*d));
	if (!localtime_r(&now, &tm))
		gmtime_r(&now, &tm);
	d->year = tm.tm_year + 1900;
	d->month = tm.tm_mon + 1;
	d->day = tm.tm_mday;
}

static void summary_json(td_export_summary *sum)
{
	snprintf(sum->json, sizeof(sum->json),
		 "{\"command\":\"export\",\"workbooks\":%d,\"parcels\":%ld,\"findings\":%ld}", sum->workbooks,
		 sum->parcels, sum->findings);
}

td_status td_export_run(td_ws *ws, const td_export_options *opts, td_progress_fn progress, void *arg,
			td_export_summary *sum, td_error *err)
{
	struct queries q = {0};
	struct reg_info ri = {0};
	char **communes = NULL;
	char dir[4096], path[4200];
	size_t n = 0, len;
	lxw_datetime today;
	td_status rc;

	assert(ws && ws->db && opts && sum);
	memset(sum, 0, sizeof(*sum));
	if (!opts->out_dir || !*opts->out_dir)
		return td_error_set(err, TD_ERR_USAGE, "no output directory given");
	if ((len = (size_t)snprintf(dir, sizeof(dir), "%s", opts->out_dir)) >= sizeof(dir))
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", opts->out_dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';

	rc = read_communes(ws, &communes, &n, err);
	if (rc != TD_OK)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (!safe_code(communes[i])) {
			rc = td_error_set(err, TD_ERR_INPUT,
					  "workspace '%s': commune code '%s' cannot be part of a file name", ws->path,
					  communes[i]);
			goto done;
		}
	sum->files = calloc(n + 1, sizeof(*sum->files));
	ri.owners = malloc(OWNERS_MAX + 1);
	if (!sum->files || !ri.owners) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	rc = make_dir(dir, err);
	if (rc == TD_OK)
		rc = prepare_queries(ws, &q, err);
	today_local(&today);

	for (size_t i = 0; i < n && rc == TD_OK; i++) {
		/* One read snapshot per commune, so its counts agree with its sheets. */
		int own_tx = sqlite3_get_autocommit(ws->db);

		if ((size_t)snprintf(path, sizeof(path), "%s/thuadat-%s.xlsx", dir, communes[i]) >= sizeof(path)) {
			rc = td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", dir);
			break;
		}
		if (own_tx)
			rc = td_ws_exec(ws, "BEGIN", err);
		if (rc == TD_OK)
			rc = write_commune(ws, &q, dir, communes[i], path, &today, &ri, &sum->parcels, &sum->findings,
					   err);
		if (own_tx && rc == TD_OK)
			rc = td_ws_exec(ws, "COMMIT", err);
		if (own_tx && !sqlite3_get_autocommit(ws->db))
			sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
		if (rc != TD_OK)
			break;
		if (!(sum->files[sum->workbooks] = strdup(path))) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		sum->workbooks++;
		if (progress && !progress((double)(i + 1) / (double)n, "export", arg))
			rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
	}
done:
	summary_json(sum);
	finalize_queries(&q);
	free(ri.owners);
	free_list(communes);
	return rc;
}

void td_export_summary_release(td_export_summary *sum)
{
	if (!sum)
		return;
	free_list(sum->files);
	sum->files = NULL;
}
