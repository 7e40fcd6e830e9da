#include "export.h"
#include "date.h"
#include "layout.h"
#include "outfile.h"
#include "text.h"
#include "xlsx.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Excel keeps at most 32,767 characters in a cell; counting bytes, which
 * are never fewer than characters, keeps a joined list under it.
 */
#define JOINED_MAX 32767

/* Room kept at the end of a joined list for "; … (+N)". */
#define JOINED_TAIL 32

/* The sheets of a workbook, by their keys in schemas/xlsx/sheets.csv. */
enum sheet { SH_SUMMARY, SH_GROUP1, SH_GROUP2, SH_GROUP3, SH_FINDINGS, SH_CERTIFICATES, SH_COUNT };
static const char *const sheet_keys[SH_COUNT] = {"summary", "group1", "group2", "group3", "findings", "certificates"};

/*
 * The fields each sheet offers; the layouts in schemas/xlsx/ pick, order
 * and name them. Each enum follows its catalogue.
 */
enum summary_field { S_LABEL, S_VALUE, S_COUNT };
static const td_field summary_fields[S_COUNT] = {{"label", TD_CELL_TEXT, NULL}, {"value", TD_CELL_ANY, NULL}};

enum group_field {
	G_COMMUNE,
	G_SHEET,
	G_PARCEL,
	G_PARCEL_ID,
	G_MAP_AREA,
	G_REGISTER_AREA,
	G_LANDUSE,
	G_OWNERS,
	G_CCCD,
	G_GCN_SERIAL,
	G_GCN_DATE,
	G_LAST_CHANGE,
	G_GROUP,
	G_CRITERIA,
	G_RULES,
	G_COUNT
};
static const td_field group_fields[G_COUNT] = {
	{"commune", TD_CELL_TEXT, NULL},     {"sheet", TD_CELL_INTEGER, NULL},
	{"parcel", TD_CELL_INTEGER, NULL},   {"parcel_id", TD_CELL_TEXT, NULL},
	{"map_area", TD_CELL_NUMBER, "0.0"}, {"register_area", TD_CELL_NUMBER, "0.0"},
	{"landuse", TD_CELL_TEXT, NULL},     {"owners", TD_CELL_TEXT, NULL},
	{"cccd", TD_CELL_TEXT, NULL},        {"gcn_serial", TD_CELL_TEXT, NULL},
	{"gcn_date", TD_CELL_DATE, NULL},    {"last_change", TD_CELL_DATE, NULL},
	{"group", TD_CELL_INTEGER, NULL},    {"failed_criteria", TD_CELL_TEXT, NULL},
	{"rule_ids", TD_CELL_TEXT, NULL},
};

/* In the order of the findings query's columns. */
enum finding_field {
	F_RULE,
	F_SEVERITY,
	F_CRITERION,
	F_COMMUNE,
	F_SHEET,
	F_PARCEL,
	F_OTHER_COMMUNE,
	F_OTHER_SHEET,
	F_OTHER_PARCEL,
	F_X,
	F_Y,
	F_VALUE,
	F_TOLERANCE,
	F_MESSAGE,
	F_COUNT
};
static const td_field finding_fields[F_COUNT] = {
	{"rule_id", TD_CELL_TEXT, NULL},         {"severity", TD_CELL_TEXT, NULL},
	{"criterion", TD_CELL_TEXT, NULL},       {"commune", TD_CELL_TEXT, NULL},
	{"sheet", TD_CELL_INTEGER, NULL},        {"parcel", TD_CELL_INTEGER, NULL},
	{"other_commune", TD_CELL_TEXT, NULL},   {"other_sheet", TD_CELL_INTEGER, NULL},
	{"other_parcel", TD_CELL_INTEGER, NULL}, {"x", TD_CELL_NUMBER, "0.000"},
	{"y", TD_CELL_NUMBER, "0.000"},          {"value", TD_CELL_NUMBER, NULL},
	{"tolerance", TD_CELL_NUMBER, NULL},     {"message", TD_CELL_TEXT, NULL},
};

enum cert_field {
	C_SEQ,
	C_COMMUNE,
	C_SHEET,
	C_PARCEL,
	C_GCN_SERIAL,
	C_GCN_DATE,
	C_OWNERS,
	C_CCCD,
	C_AREA,
	C_LANDUSE,
	C_SOURCE_ROW,
	C_COUNT
};
static const td_field cert_fields[C_COUNT] = {
	{"seq", TD_CELL_INTEGER, NULL},    {"commune", TD_CELL_TEXT, NULL},       {"sheet", TD_CELL_INTEGER, NULL},
	{"parcel", TD_CELL_INTEGER, NULL}, {"gcn_serial", TD_CELL_TEXT, NULL},    {"gcn_date", TD_CELL_DATE, NULL},
	{"owners", TD_CELL_TEXT, NULL},    {"cccd", TD_CELL_TEXT, NULL},          {"area", TD_CELL_NUMBER, "0.0"},
	{"landuse", TD_CELL_TEXT, NULL},   {"source_row", TD_CELL_INTEGER, NULL},
};

/* Layouts and sheet names, read once per run. */
struct layouts {
	char names[SH_COUNT][TD_SHEET_NAME_MAX];
	td_layout summary, groups, findings, certificates;
};

/*
 * A register row's certificate is "issued but not yet in the database"
 * when no parcel with a polygon on the map has its key: the certificate
 * cannot be tied to a parcel of the spatial database.
 */
#define NOT_ON_MAP                                                                                                     \
	"r.gcn_serial IS NOT NULL AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.commune = r.commune "                \
	"AND p.sheet = r.sheet AND p.parcel = r.parcel AND p.geom IS NOT NULL)"

/* Statements prepared once per run and bound per commune or parcel. */
struct queries {
	sqlite3_stmt *counts;   /* ?1 commune: see write_summary */
	sqlite3_stmt *rules;    /* ?1 commune: rule_id, findings */
	sqlite3_stmt *group;    /* ?1 commune, ?2 grp: one row per parcel key */
	sqlite3_stmt *reg;      /* ?1 commune, ?2 sheet, ?3 parcel: register rows */
	sqlite3_stmt *findings; /* ?1 commune */
	sqlite3_stmt *certs;    /* ?1 commune: register rows of certificates not on the map */
};

/*
 * Names (or CCCDs) joined with "; ", one list per cell. A list too long
 * for a cell ends with "; … (+N)" for the N items left out.
 */
struct joined {
	char *buf; /* JOINED_MAX + 1 bytes, reused */
	size_t len;
	long dropped;
};

static void joined_reset(struct joined *j)
{
	j->len = 0;
	j->dropped = 0;
	j->buf[0] = '\0';
}

static void joined_add(struct joined *j, const char *s)
{
	size_t n;

	if (!s || !*s)
		return;
	n = strlen(s) + (j->len ? 2 : 0);
	if (j->dropped || j->len + n > JOINED_MAX - JOINED_TAIL) {
		j->dropped++;
		return;
	}
	j->len += (size_t)snprintf(j->buf + j->len, JOINED_MAX + 1 - j->len, "%s%s", j->len ? "; " : "", s);
}

static const char *joined_text(struct joined *j)
{
	if (j->dropped) {
		snprintf(j->buf + j->len, JOINED_MAX + 1 - j->len, "; … (+%ld)", j->dropped);
		j->dropped = 0;
	}
	return j->buf;
}

/* What the register says about one parcel key (or one certificate). */
struct reg_info {
	int has_area;
	double area;
	long source_row;
	char landuse[128], serial[256], gcn_date[16], last_change[16];
	struct joined owners, cccds;
};

static void reg_reset(struct reg_info *ri)
{
	ri->has_area = 0;
	ri->source_row = 0;
	ri->landuse[0] = ri->serial[0] = ri->gcn_date[0] = ri->last_change[0] = '\0';
	joined_reset(&ri->owners);
	joined_reset(&ri->cccds);
}

/* Keep the first value given: buf is empty until then. */
static void keep_first(char *buf, size_t size, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	if (!buf[0] && s)
		td_utf8_copy(buf, size, s, size);
}

/*
 * Fold one register row into ri. Columns from i: area, landuse, owner_name,
 * cccd, gcn_serial, gcn_date, last_change, source_row.
 */
static void reg_add(struct reg_info *ri, sqlite3_stmt *st, int i)
{
	if (!ri->has_area && sqlite3_column_type(st, i) != SQLITE_NULL) {
		ri->has_area = 1;
		ri->area = sqlite3_column_double(st, i);
	}
	keep_first(ri->landuse, sizeof(ri->landuse), st, i + 1);
	joined_add(&ri->owners, (const char *)sqlite3_column_text(st, i + 2));
	joined_add(&ri->cccds, (const char *)sqlite3_column_text(st, i + 3));
	keep_first(ri->serial, sizeof(ri->serial), st, i + 4);
	keep_first(ri->gcn_date, sizeof(ri->gcn_date), st, i + 5);
	keep_first(ri->last_change, sizeof(ri->last_change), st, i + 6);
	if (!ri->source_row)
		ri->source_row = (long)sqlite3_column_int64(st, i + 7);
}

static td_status write_summary(td_ws *ws, struct queries *q, const struct layouts *l, td_xlsx *x, const char *commune,
			       long today, td_error *err)
{
	/* In the order of the counts query's columns, after the commune's name. */
	static const char *const labels[] = {
		"Số thửa trên bản đồ",     "Số dòng sổ địa chính",         "Nhóm 1", "Nhóm 2", "Nhóm 3",
		"Thửa đã có mã định danh", "GCN đã cấp chưa có trong CSDL"};
	static const char *const rule_heading[] = {"Mã lỗi", "Số lỗi"};
	td_value v[S_COUNT];
	int step;
	td_status rc = td_xlsx_table(x, l->names[SH_SUMMARY], &l->summary, 0, err);

	sqlite3_reset(q->counts);
	sqlite3_bind_text(q->counts, 1, commune, -1, SQLITE_STATIC);
	if (rc == TD_OK && sqlite3_step(q->counts) != SQLITE_ROW)
		rc = td_ws_sqlerr(ws, "count parcels", err);
	if (rc == TD_OK) {
		td_value_text(&v[S_LABEL], "Mã xã");
		td_value_text(&v[S_VALUE], commune);
		rc = td_xlsx_row(x, v, err);
	}
	if (rc == TD_OK) {
		td_value_text(&v[S_LABEL], "Tên xã");
		td_value_text(&v[S_VALUE], (const char *)sqlite3_column_text(q->counts, 0));
		rc = td_xlsx_row(x, v, err);
	}
	if (rc == TD_OK) {
		td_value_text(&v[S_LABEL], "Ngày xuất");
		td_value_date(&v[S_VALUE], today);
		rc = td_xlsx_row(x, v, err);
	}
	for (int i = 0; rc == TD_OK && i < (int)(sizeof(labels) / sizeof(labels[0])); i++) {
		td_value_text(&v[S_LABEL], labels[i]);
		td_value_number(&v[S_VALUE], (double)sqlite3_column_int64(q->counts, i + 1));
		rc = td_xlsx_row(x, v, err);
	}
	sqlite3_reset(q->counts);

	/* The findings per rule as a small table of its own. */
	if (rc == TD_OK)
		rc = td_xlsx_heading(x, rule_heading, 2, err);
	sqlite3_reset(q->rules);
	sqlite3_bind_text(q->rules, 1, commune, -1, SQLITE_STATIC);
	while (rc == TD_OK && (step = sqlite3_step(q->rules)) == SQLITE_ROW) {
		td_value_column(&v[S_LABEL], q->rules, 0, TD_CELL_TEXT);
		td_value_column(&v[S_VALUE], q->rules, 1, TD_CELL_INTEGER);
		rc = td_xlsx_row(x, v, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "count findings", err);
	sqlite3_reset(q->rules);
	return rc;
}

/* The register rows of one parcel key, folded into ri. */
static td_status register_info(td_ws *ws, sqlite3_stmt *st, const char *commune, sqlite3_int64 sheet,
			       sqlite3_int64 parcel, struct reg_info *ri, td_error *err)
{
	int step;

	reg_reset(ri);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sheet);
	sqlite3_bind_int64(st, 3, parcel);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		reg_add(ri, st, 0);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? TD_OK : td_ws_sqlerr(ws, "read register rows", err);
}

static td_status write_group(td_ws *ws, struct queries *q, const struct layouts *l, td_xlsx *x, const char *commune,
			     int grp, struct reg_info *ri, long *rows, td_error *err)
{
	sqlite3_stmt *st = q->group;
	td_value v[G_COUNT];
	int step = SQLITE_DONE;
	td_status rc = td_xlsx_table(x, l->names[SH_GROUP1 + grp - 1], &l->groups, TD_XLSX_LIST, err);

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, grp);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = register_info(ws, q->reg, commune, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), ri,
				   err);
		if (rc != TD_OK)
			break;
		td_value_text(&v[G_COMMUNE], commune);
		td_value_column(&v[G_SHEET], st, 0, TD_CELL_INTEGER);
		td_value_column(&v[G_PARCEL], st, 1, TD_CELL_INTEGER);
		td_value_column(&v[G_PARCEL_ID], st, 2, TD_CELL_TEXT);
		td_value_column(&v[G_MAP_AREA], st, 3, TD_CELL_NUMBER);
		td_value_null(&v[G_REGISTER_AREA]);
		if (ri->has_area)
			td_value_number(&v[G_REGISTER_AREA], ri->area);
		if (ri->landuse[0])
			td_value_text(&v[G_LANDUSE], ri->landuse);
		else
			td_value_column(&v[G_LANDUSE], st, 4, TD_CELL_TEXT);
		td_value_text(&v[G_OWNERS], joined_text(&ri->owners));
		td_value_text(&v[G_CCCD], joined_text(&ri->cccds));
		td_value_text(&v[G_GCN_SERIAL], ri->serial);
		td_value_iso_date(&v[G_GCN_DATE], ri->gcn_date);
		td_value_iso_date(&v[G_LAST_CHANGE], ri->last_change);
		td_value_number(&v[G_GROUP], grp);
		td_value_column(&v[G_CRITERIA], st, 5, TD_CELL_TEXT);
		td_value_column(&v[G_RULES], st, 6, TD_CELL_TEXT);
		rc = td_xlsx_row(x, v, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read parcel grades", err);
	sqlite3_reset(st);
	*rows += td_xlsx_rows(x);
	return rc;
}

/* Whether the workspace has the exceptions tables (a workspace checked before they existed has not). */
static int have_exceptions(td_ws *ws)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if (sqlite3_prepare_v2(ws->db, "SELECT 1 FROM sqlite_master WHERE name = 'finding_exceptions'", -1, &st,
			       NULL) == SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

static const char *severity_label(const char *severity)
{
	if (!severity)
		return NULL;
	if (strcmp(severity, "error") == 0)
		return "Lỗi";
	if (strcmp(severity, "warning") == 0)
		return "Cảnh báo";
	if (strcmp(severity, "accepted") == 0)
		return "Ngoại lệ (đã chấp nhận)";
	return severity;
}

static td_status write_findings(td_ws *ws, struct queries *q, const struct layouts *l, td_xlsx *x, const char *commune,
				long *rows, td_error *err)
{
	sqlite3_stmt *st = q->findings;
	td_value v[F_COUNT];
	int step = SQLITE_DONE;
	td_status rc = td_xlsx_table(x, l->names[SH_FINDINGS], &l->findings, TD_XLSX_LIST, err);

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < F_COUNT; i++)
			td_value_column(&v[i], st, i, finding_fields[i].type);
		td_value_text(&v[F_SEVERITY], severity_label((const char *)sqlite3_column_text(st, F_SEVERITY)));
		rc = td_xlsx_row(x, v, err);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read findings", err);
	sqlite3_reset(st);
	*rows += td_xlsx_rows(x);
	return rc;
}

static td_status write_certificate(td_xlsx *x, const char *commune, long seq, sqlite3_int64 sheet, sqlite3_int64 parcel,
				   struct reg_info *ri, td_error *err)
{
	td_value v[C_COUNT];

	td_value_number(&v[C_SEQ], (double)seq);
	td_value_text(&v[C_COMMUNE], commune);
	td_value_number(&v[C_SHEET], (double)sheet);
	td_value_number(&v[C_PARCEL], (double)parcel);
	td_value_text(&v[C_GCN_SERIAL], ri->serial);
	td_value_iso_date(&v[C_GCN_DATE], ri->gcn_date);
	td_value_text(&v[C_OWNERS], joined_text(&ri->owners));
	td_value_text(&v[C_CCCD], joined_text(&ri->cccds));
	td_value_null(&v[C_AREA]);
	if (ri->has_area)
		td_value_number(&v[C_AREA], ri->area);
	td_value_text(&v[C_LANDUSE], ri->landuse);
	td_value_number(&v[C_SOURCE_ROW], (double)ri->source_row);
	return td_xlsx_row(x, v, err);
}

/*
 * One row per certificate (commune, sheet, parcel, serial) whose parcel is
 * not on the map; co-owners' rows are folded into it. The query numbers the
 * certificates, so a new number starts a new row.
 */
static td_status write_certificates(td_ws *ws, struct queries *q, const struct layouts *l, td_xlsx *x,
				    const char *commune, struct reg_info *ri, long *rows, td_error *err)
{
	sqlite3_stmt *st = q->certs;
	sqlite3_int64 sheet = 0, parcel = 0;
	long seq = 0;
	int step = SQLITE_DONE;
	td_status rc = td_xlsx_table(x, l->names[SH_CERTIFICATES], &l->certificates, TD_XLSX_LIST, err);

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		long n = (long)sqlite3_column_int64(st, 0);
		if (n != seq) {
			if (seq)
				rc = write_certificate(x, commune, seq, sheet, parcel, ri, err);
			seq = n;
			sheet = sqlite3_column_int64(st, 1);
			parcel = sqlite3_column_int64(st, 2);
			reg_reset(ri);
		}
		reg_add(ri, st, 3);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read certificates", err);
	if (rc == TD_OK && seq)
		rc = write_certificate(x, commune, seq, sheet, parcel, ri, err);
	sqlite3_reset(st);
	*rows += td_xlsx_rows(x);
	return rc;
}

/* Counts of rows written to one workbook, added to the summary only when it is complete. */
struct counts {
	long parcels, findings, certificates;
};

/* Write one commune's workbook through a temporary file renamed onto path. */
static td_status write_commune(td_ws *ws, struct queries *q, const struct layouts *l, const td_export_options *o,
			       const char *commune, const char *path, long today, struct reg_info *ri,
			       td_export_summary *sum, td_error *err)
{
	struct counts n = {0, 0, 0};
	td_xlsx *x = NULL;
	td_status rc = td_xlsx_open(path, 0600, o->sheet_rows, &x, err);

	if (rc == TD_OK)
		rc = write_summary(ws, q, l, x, commune, today, err);
	for (int grp = 1; grp <= 3 && rc == TD_OK; grp++)
		rc = write_group(ws, q, l, x, commune, grp, ri, &n.parcels, err);
	if (rc == TD_OK)
		rc = write_findings(ws, q, l, x, commune, &n.findings, err);
	if (rc == TD_OK)
		rc = write_certificates(ws, q, l, x, commune, ri, &n.certificates, err);
	if (rc == TD_OK)
		rc = td_xlsx_commit(x, err);
	td_xlsx_free(x);
	if (rc == TD_OK) {
		sum->parcels += n.parcels;
		sum->findings += n.findings;
		sum->certificates += n.certificates;
	}
	return rc;
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
		if (!safe_code(list[n - 1]))
			rc = td_error_set(err, TD_ERR_INPUT,
					  "workspace '%s': commune code '%s' cannot be part of a file name", ws->path,
					  list[n - 1]);
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

	/* The commune's name: the one valid now, else the latest. */
	rc = td_ws_prepare(
		ws,
		"SELECT (SELECT name FROM ref_communes WHERE code = ?1 "
		"  ORDER BY coalesce(valid_to, '9999') DESC LIMIT 1),"
		" (SELECT count(*) FROM parcels WHERE commune = ?1),"
		" (SELECT count(*) FROM register_rows WHERE commune = ?1),"
		" (SELECT count(*) FROM parcel_grade WHERE commune = ?1 AND grp = 1),"
		" (SELECT count(*) FROM parcel_grade WHERE commune = ?1 AND grp = 2),"
		" (SELECT count(*) FROM parcel_grade WHERE commune = ?1 AND grp = 3),"
		" (SELECT count(*) FROM parcels WHERE commune = ?1 AND parcel_id IS NOT NULL),"
		" (SELECT count(*) FROM (SELECT DISTINCT r.sheet, r.parcel, r.gcn_serial FROM register_rows r "
		"  WHERE r.commune = ?1 AND " NOT_ON_MAP "))",
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
		rc = td_ws_prepare(
			ws,
			"SELECT g.sheet, g.parcel, p.parcel_id, ST_Area(p.geom), p.landuse, g.failed_criteria, "
			"g.rule_ids FROM parcel_grade g LEFT JOIN parcels p ON p.fid = "
			"(SELECT min(m.fid) FROM parcels m WHERE m.commune = g.commune "
			"AND m.sheet = g.sheet AND m.parcel = g.parcel) "
			"WHERE g.commune = ?1 AND g.grp = ?2 ORDER BY g.sheet, g.parcel",
			&q->group, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT area, landuse, owner_name, cccd, gcn_serial, gcn_date, last_change, source_row "
			"FROM register_rows WHERE commune = ?1 AND sheet = ?2 AND parcel = ?3 ORDER BY id",
			&q->reg, err);
	/* Findings an accepted exception covers (exception.h) come last, marked as accepted. */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			have_exceptions(ws)
				? "SELECT rule_id, iif(x.fid IS NULL, severity, 'accepted'), criterion, commune, "
				  "sheet, parcel, other_commune, other_sheet, other_parcel, ST_X(geom), ST_Y(geom), "
				  "value, tolerance, message FROM findings f LEFT JOIN finding_exceptions x USING "
				  "(fid) WHERE commune = ?1 ORDER BY x.fid IS NOT NULL, sheet, parcel, rule_id, fid"
				: "SELECT rule_id, severity, criterion, commune, sheet, parcel, other_commune, "
				  "other_sheet, other_parcel, ST_X(geom), ST_Y(geom), value, tolerance, message "
				  "FROM findings WHERE commune = ?1 ORDER BY sheet, parcel, rule_id, fid",
			&q->findings, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT dense_rank() OVER (ORDER BY r.sheet, r.parcel, r.gcn_serial), r.sheet, r.parcel, "
			"r.area, r.landuse, r.owner_name, r.cccd, r.gcn_serial, r.gcn_date, r.last_change, "
			"r.source_row FROM register_rows r WHERE r.commune = ?1 AND " NOT_ON_MAP
			" ORDER BY r.sheet, r.parcel, r.gcn_serial, r.id",
			&q->certs, err);
	return rc;
}

static void finalize_queries(struct queries *q)
{
	sqlite3_finalize(q->certs);
	sqlite3_finalize(q->findings);
	sqlite3_finalize(q->reg);
	sqlite3_finalize(q->group);
	sqlite3_finalize(q->rules);
	sqlite3_finalize(q->counts);
}

static td_status read_layouts(td_ws *ws, struct layouts *l, td_error *err)
{
	const td_layout_file files[] = {
		{"summary.csv", &l->summary, summary_fields, S_COUNT},
		{"groups.csv", &l->groups, group_fields, G_COUNT},
		{"findings.csv", &l->findings, finding_fields, F_COUNT},
		{"certificates.csv", &l->certificates, cert_fields, C_COUNT},
	};

	return td_layout_read_book(ws->ctx, "xlsx", sheet_keys, SH_COUNT, l->names, files,
				   (int)(sizeof(files) / sizeof(files[0])), err);
}

static void summary_json(td_export_summary *sum)
{
	snprintf(sum->json, sizeof(sum->json),
		 "{\"command\":\"export\",\"workbooks\":%d,\"parcels\":%ld,\"findings\":%ld,\"certificates\":%ld}",
		 sum->workbooks, sum->parcels, sum->findings, sum->certificates);
}

td_status td_export_run(td_ws *ws, const td_export_options *opts, td_progress_fn progress, void *arg,
			td_export_summary *sum, td_error *err)
{
	struct queries q = {0};
	struct reg_info ri;
	struct layouts *l = NULL;
	char **communes = NULL;
	char dir[TD_PATH_MAX], path[TD_PATH_MAX];
	size_t n = 0, len;
	long today = td_date_today();
	td_status rc;

	assert(ws && ws->db && opts && sum);
	memset(sum, 0, sizeof(*sum));
	memset(&ri, 0, sizeof(ri));
	if (!opts->out_dir || !*opts->out_dir)
		return td_error_set(err, TD_ERR_USAGE, "no output directory given");
	if ((len = (size_t)snprintf(dir, sizeof(dir), "%s", opts->out_dir)) >= sizeof(dir))
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", opts->out_dir);
	if (opts->sheet_rows && (opts->sheet_rows < 2 || opts->sheet_rows > TD_XLSX_MAX_ROWS))
		return td_error_set(err, TD_ERR_USAGE, "rows per sheet: %ld: expected 2 to %ld", opts->sheet_rows,
				    TD_XLSX_MAX_ROWS);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';

	l = malloc(sizeof(*l));
	ri.owners.buf = malloc(JOINED_MAX + 1);
	ri.cccds.buf = malloc(JOINED_MAX + 1);
	if (!l || !ri.owners.buf || !ri.cccds.buf) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	rc = read_layouts(ws, l, err);
	if (rc == TD_OK)
		rc = read_communes(ws, &communes, &n, err);
	if (rc != TD_OK)
		goto done;
	sum->files = calloc(n + 1, sizeof(*sum->files));
	if (!sum->files) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	rc = td_outfile_mkdir(dir, err);
	if (rc == TD_OK)
		rc = prepare_queries(ws, &q, err);

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
			rc = write_commune(ws, &q, l, opts, communes[i], path, today, &ri, sum, err);
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
	free(ri.cccds.buf);
	free(ri.owners.buf);
	free(l);
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
