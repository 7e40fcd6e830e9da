#include "report.h"
#include "date.h"
#include "json.h"
#include "layout.h"
#include "outfile.h"
#include "report_html.h"
#include "xlsx.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sheets of the workbook, by their keys in schemas/report/sheets.csv. */
enum sheet { SH_INFO, SH_COMMUNES, SH_ALERTS, SH_COUNT };
static const char *const sheet_keys[SH_COUNT] = {"info", "communes", "alerts"};

/* Fields of the sheets; schemas/report/<sheet>.csv pick, order and name them. */
enum info_field { I_LABEL, I_VALUE, I_COUNT };
static const td_field info_fields[I_COUNT] = {{"label", TD_CELL_TEXT, NULL}, {"value", TD_CELL_ANY, NULL}};

enum commune_field {
	R_COMMUNE,
	R_NAME,
	R_PARCELS,
	R_G1,
	R_G2,
	R_G3,
	R_G1_PERCENT,
	R_PARCELS_CHANGE,
	R_G1_CHANGE,
	R_G2_CHANGE,
	R_G3_CHANGE,
	R_HOLDERS,
	R_VERIFIED,
	R_RATE,
	R_RATE_CHANGE,
	R_TARGET,
	R_TARGET_MET,
	R_UPDATED,
	R_OVERDUE,
	R_OVERDUE_CHANGE,
	R_PREV_WEEK,
	R_COUNT
};
#define CHANGE_FORMAT "+0;-0;0"
static const td_field commune_fields[R_COUNT] = {
	{"commune", TD_CELL_TEXT, NULL},
	{"name", TD_CELL_TEXT, NULL},
	{"parcels", TD_CELL_INTEGER, NULL},
	{"group1", TD_CELL_INTEGER, NULL},
	{"group2", TD_CELL_INTEGER, NULL},
	{"group3", TD_CELL_INTEGER, NULL},
	{"group1_percent", TD_CELL_NUMBER, "0.0"},
	{"parcels_change", TD_CELL_INTEGER, CHANGE_FORMAT},
	{"group1_change", TD_CELL_INTEGER, CHANGE_FORMAT},
	{"group2_change", TD_CELL_INTEGER, CHANGE_FORMAT},
	{"group3_change", TD_CELL_INTEGER, CHANGE_FORMAT},
	{"holders", TD_CELL_INTEGER, NULL},
	{"verified", TD_CELL_INTEGER, NULL},
	{"verification_rate", TD_CELL_NUMBER, "0.0"},
	{"verification_change", TD_CELL_NUMBER, "+0.0;-0.0;0.0"},
	{"target", TD_CELL_NUMBER, "0.#"},
	{"target_met", TD_CELL_TEXT, NULL},
	{"certificates_updated", TD_CELL_INTEGER, NULL},
	{"overdue", TD_CELL_INTEGER, NULL},
	{"overdue_change", TD_CELL_INTEGER, CHANGE_FORMAT},
	{"previous_week", TD_CELL_TEXT, NULL},
};

/* In the order of the alerts query's columns, then the commune's name. */
enum alert_field {
	A_COMMUNE,
	A_SHEET,
	A_PARCEL,
	A_SINCE,
	A_DAYS,
	A_SOURCE_ROW,
	A_PARCEL_ID,
	A_NAME,
	A_OVERDUE_DAYS,
	A_COUNT
};
static const td_field alert_fields[A_COUNT] = {
	{"commune", TD_CELL_TEXT, NULL},         {"sheet", TD_CELL_INTEGER, NULL},
	{"parcel", TD_CELL_INTEGER, NULL},       {"pending_since", TD_CELL_DATE, NULL},
	{"days_pending", TD_CELL_INTEGER, NULL}, {"source_row", TD_CELL_INTEGER, NULL},
	{"parcel_id", TD_CELL_TEXT, NULL},       {"name", TD_CELL_TEXT, NULL},
	{"days_overdue", TD_CELL_INTEGER, NULL},
};

struct layouts {
	char names[SH_COUNT][TD_SHEET_NAME_MAX];
	td_layout info, communes, alerts;
};

/*
 * The report covers the communes in parcel_grade; after classify that is
 * every commune of the map and the register.
 */
#define GRADED "r.commune IN (SELECT commune FROM parcel_grade)"

/*
 * Parcels whose oldest pending change is older than the deadline at the
 * as-of date, as CHANGE_OVERDUE counts them: ?1 as-of date, ?2 deadline days.
 */
#define OVERDUE_SQL                                                                                                    \
	"SELECT r.commune AS commune, r.sheet AS sheet, r.parcel AS parcel, min(r.pending_since) AS since, "           \
	"min(r.source_row) AS source_row FROM register_rows r WHERE r.pending_since <= ?1 "                            \
	"AND julianday(?1) - julianday(r.pending_since) > ?2 AND " GRADED " GROUP BY r.commune, r.sheet, r.parcel"

static int row_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const td_report_row *)elem)->commune);
}

static td_report_row *find_row(td_report *r, const char *commune)
{
	if (!commune || r->ncommunes == 0)
		return NULL;
	return bsearch(commune, r->communes, (size_t)r->ncommunes, sizeof(*r->communes), row_cmp);
}

/* The week and the as-of date from the options; the profile's deadline and target as given. */
static td_status resolve_period(const td_report_options *o, td_report *r, td_error *err)
{
	td_week w;
	long as_of;

	if (o->date && !td_date_parse(o->date, &as_of))
		return td_error_set(err, TD_ERR_USAGE, "date '%s': expected YYYY-MM-DD", o->date);
	if (o->week && !td_week_parse(o->week, &w))
		return td_error_set(err, TD_ERR_USAGE, "week '%s': expected YYYY-Www, an ISO week such as 2026-W45",
				    o->week);
	if (!o->date && !o->week)
		as_of = td_date_today();
	if (!o->week)
		w = td_week_of(as_of);
	else if (!o->date)
		as_of = w.monday + 6;
	else if (as_of < w.monday || as_of > w.monday + 6) {
		char from[11], to[11];
		td_date_format(w.monday, from);
		td_date_format(w.monday + 6, to);
		return td_error_set(err, TD_ERR_USAGE, "date %s is not in week %s (%s to %s)", o->date, o->week, from,
				    to);
	}
	if (!(o->target >= 0 && o->target <= 100))
		return td_error_set(err, TD_ERR_USAGE, "target %g: expected a percentage from 0 to 100", o->target);
	if (o->deadline_days < 0)
		return td_error_set(err, TD_ERR_USAGE, "deadline %d days: expected 0 or more", o->deadline_days);
	td_week_format(&w, r->week);
	td_date_format(w.monday, r->from);
	td_date_format(w.monday + 6, r->to);
	td_date_format(as_of, r->as_of);
	r->target = o->target;
	r->deadline_days = o->deadline_days;
	return TD_OK;
}

/* Run a query returning one integer. */
static td_status query_int(td_ws *ws, const char *sql, sqlite3_int64 *v, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, sql, &st, err);

	*v = 0;
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc == TD_OK)
		rc = td_ws_sqlerr(ws, "read the workspace", err);
	sqlite3_finalize(st);
	return rc;
}

/* The figures must describe the groups: refuse when classify has not run since the data changed. */
static td_status require_ready(td_ws *ws, td_error *err)
{
	sqlite3_int64 has_table, classified, changed;
	td_status rc = query_int(ws,
				 "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				 "AND name = 'report_snapshots'",
				 &has_table, err);

	if (rc == TD_OK && !has_table)
		return td_error_set(err, TD_ERR_WORKSPACE,
				    "workspace '%s' has no report_snapshots table (made by an older thuadat): "
				    "create it again with 'thuadat init'",
				    ws->path);
	if (rc == TD_OK)
		rc = query_int(ws, "SELECT coalesce(max(id), 0) FROM runs WHERE command = 'classify'", &classified,
			       err);
	if (rc == TD_OK)
		rc = query_int(ws, "SELECT coalesce(max(id), 0) FROM runs WHERE command IN ('ingest', 'check')",
			       &changed, err);
	if (rc == TD_OK && !classified)
		rc = td_error_set(err, TD_ERR_USAGE,
				  "workspace '%s' has no graded parcels: run 'thuadat classify' first", ws->path);
	else if (rc == TD_OK && changed > classified)
		rc = td_error_set(err, TD_ERR_USAGE,
				  "workspace '%s' changed since the last classify: run 'thuadat check' and "
				  "'thuadat classify' first",
				  ws->path);
	return rc;
}

/* One row per commune in parcel_grade, with its groups and name. */
static td_status read_groups(td_ws *ws, td_report *r, td_error *err)
{
	sqlite3_stmt *st = NULL, *name = NULL;
	int cap = 0, step;
	td_status rc = td_ws_prepare(ws,
				     "SELECT commune, count(*), sum(grp = 1), sum(grp = 2), sum(grp = 3) "
				     "FROM parcel_grade GROUP BY commune ORDER BY commune",
				     &st, err);

	/* The name valid at the as-of date, else the latest. */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT name FROM ref_communes WHERE code = ?1 ORDER BY "
			"((valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to >= ?2)) "
			"DESC, coalesce(valid_to, '9999') DESC LIMIT 1",
			&name, err);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		td_report_row *row;
		const char *code = (const char *)sqlite3_column_text(st, 0);

		if (r->ncommunes == cap) {
			int ncap = cap ? 2 * cap : 64;
			td_report_row *grown = realloc(r->communes, (size_t)ncap * sizeof(*grown));
			if (!grown) {
				rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
				break;
			}
			r->communes = grown;
			cap = ncap;
		}
		row = &r->communes[r->ncommunes++];
		memset(row, 0, sizeof(*row));
		snprintf(row->commune, sizeof(row->commune), "%s", code ? code : "");
		row->now.parcels = (long)sqlite3_column_int64(st, 1);
		for (int g = 1; g <= 3; g++)
			row->now.group[g] = (long)sqlite3_column_int64(st, 1 + g);
		sqlite3_reset(name);
		sqlite3_bind_text(name, 1, row->commune, -1, SQLITE_STATIC);
		sqlite3_bind_text(name, 2, r->as_of, -1, SQLITE_STATIC);
		if (sqlite3_step(name) == SQLITE_ROW && sqlite3_column_text(name, 0))
			snprintf(row->name, sizeof(row->name), "%s", (const char *)sqlite3_column_text(name, 0));
		sqlite3_reset(name);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read parcel grades", err);
	if (rc == TD_OK && r->ncommunes == 0)
		rc = td_error_set(err, TD_ERR_USAGE,
				  "workspace '%s' has no graded parcels: run 'thuadat classify' first", ws->path);
	sqlite3_finalize(name);
	sqlite3_finalize(st);
	return rc;
}

/* Which figure a per-commune count query fills. */
enum figure { FIG_HOLDERS, FIG_UPDATED, FIG_OVERDUE };

/*
 * Step a prepared, bound query of (commune, count[, count]) rows and set
 * each commune's figure; communes not graded are left out. Finalizes st.
 */
static td_status add_counts(td_ws *ws, td_report *r, sqlite3_stmt *st, enum figure fig, td_error *err)
{
	int step;
	td_status rc = TD_OK;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		td_report_row *row = find_row(r, (const char *)sqlite3_column_text(st, 0));
		long n = (long)sqlite3_column_int64(st, 1);

		if (!row)
			continue;
		switch (fig) {
		case FIG_HOLDERS:
			row->now.holders = n;
			row->now.verified = (long)sqlite3_column_int64(st, 2);
			break;
		case FIG_UPDATED:
			row->now.updated = n;
			r->total.now.updated += n;
			break;
		case FIG_OVERDUE:
			row->now.overdue = n;
			r->total.now.overdue += n;
			break;
		}
	}
	if (step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "count per commune", err);
	sqlite3_finalize(st);
	return rc;
}

/* Certificate holders across communes: an owner with parcels in two communes counts once. */
#define HOLDERS_SQL(group)                                                                                             \
	"SELECT " group "count(DISTINCT r.owner_id), "                                                                 \
	"count(DISTINCT CASE WHEN o.verification = 'matched' THEN o.id END) FROM register_rows r "                     \
	"JOIN owners o ON o.id = r.owner_id WHERE r.gcn_serial IS NOT NULL AND " GRADED

static td_status read_figures(td_ws *ws, td_report *r, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = read_groups(ws, r, err);

	r->total.commune[0] = '\0';
	snprintf(r->total.name, sizeof(r->total.name), "Tổng cộng");
	for (int i = 0; i < r->ncommunes; i++) {
		r->total.now.parcels += r->communes[i].now.parcels;
		for (int g = 1; g <= 3; g++)
			r->total.now.group[g] += r->communes[i].now.group[g];
	}
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, HOLDERS_SQL("r.commune, ") " GROUP BY r.commune", &st, err);
	if (rc == TD_OK)
		rc = add_counts(ws, r, st, FIG_HOLDERS, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, HOLDERS_SQL(""), &st, err);
	if (rc == TD_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			r->total.now.holders = (long)sqlite3_column_int64(st, 0);
			r->total.now.verified = (long)sqlite3_column_int64(st, 1);
		} else
			rc = td_ws_sqlerr(ws, "count certificate holders", err);
		sqlite3_finalize(st);
	}
	/* A certificate issued or changed from the week's Monday up to the as-of date. */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT commune, count(*) FROM (SELECT DISTINCT commune, gcn_serial FROM register_rows "
			"WHERE gcn_serial IS NOT NULL AND (gcn_date BETWEEN ?1 AND ?2 "
			"OR last_change BETWEEN ?1 AND ?2)) GROUP BY commune",
			&st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, r->from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->as_of, -1, SQLITE_STATIC);
		rc = add_counts(ws, r, st, FIG_UPDATED, err);
	}
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT commune, count(*) FROM (" OVERDUE_SQL ") GROUP BY commune", &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, r->as_of, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, r->deadline_days);
		rc = add_counts(ws, r, st, FIG_OVERDUE, err);
	}
	return rc;
}

/* The latest earlier report's figures for each commune and for the total ('*'). */
static td_status read_previous(td_ws *ws, td_report *r, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc =
		td_ws_prepare(ws,
			      "SELECT week, parcels, group1, group2, group3, holders, verified, "
			      "certificates_updated, overdue FROM report_snapshots WHERE commune = ?1 AND week < ?2 "
			      "ORDER BY week DESC LIMIT 1",
			      &st, err);

	for (int i = 0; rc == TD_OK && i <= r->ncommunes; i++) {
		td_report_row *row = i < r->ncommunes ? &r->communes[i] : &r->total;
		int step;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, i < r->ncommunes ? row->commune : "*", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->week, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			td_report_figures *p = &row->prev;
			row->has_prev = 1;
			snprintf(row->prev_week, sizeof(row->prev_week), "%s",
				 (const char *)sqlite3_column_text(st, 0));
			p->parcels = (long)sqlite3_column_int64(st, 1);
			for (int g = 1; g <= 3; g++)
				p->group[g] = (long)sqlite3_column_int64(st, 1 + g);
			p->holders = (long)sqlite3_column_int64(st, 5);
			p->verified = (long)sqlite3_column_int64(st, 6);
			p->updated = (long)sqlite3_column_int64(st, 7);
			p->overdue = (long)sqlite3_column_int64(st, 8);
		} else if (step != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "read earlier reports", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Replace this week's figures. */
static td_status store_snapshot(td_ws *ws, const td_report *r, td_error *err)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	td_status rc = td_ws_prepare(ws, "DELETE FROM report_snapshots WHERE week = ?1", &del, err);

	if (rc == TD_OK) {
		sqlite3_bind_text(del, 1, r->week, -1, SQLITE_STATIC);
		if (sqlite3_step(del) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "replace the week's report", err);
	}
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"INSERT INTO report_snapshots (week, commune, as_of, run_id, parcels, group1, group2, "
			"group3, holders, verified, certificates_updated, overdue) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			&st, err);
	for (int i = 0; rc == TD_OK && i <= r->ncommunes; i++) {
		const td_report_row *row = i < r->ncommunes ? &r->communes[i] : &r->total;
		const td_report_figures *f = &row->now;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->week, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, i < r->ncommunes ? row->commune : "*", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->as_of, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, ws->run_id);
		sqlite3_bind_int64(st, 5, f->parcels);
		for (int g = 1; g <= 3; g++)
			sqlite3_bind_int64(st, 5 + g, f->group[g]);
		sqlite3_bind_int64(st, 9, f->holders);
		sqlite3_bind_int64(st, 10, f->verified);
		sqlite3_bind_int64(st, 11, f->updated);
		sqlite3_bind_int64(st, 12, f->overdue);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "store the report's figures", err);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return rc;
}

static td_status read_layouts(td_ws *ws, struct layouts *l, td_error *err)
{
	const td_layout_file files[] = {
		{"info.csv", &l->info, info_fields, I_COUNT},
		{"communes.csv", &l->communes, commune_fields, R_COUNT},
		{"alerts.csv", &l->alerts, alert_fields, A_COUNT},
	};

	return td_layout_read_book(ws->ctx, "report", sheet_keys, SH_COUNT, l->names, files,
				   (int)(sizeof(files) / sizeof(files[0])), err);
}

static td_status write_info(const struct layouts *l, const td_report *r, td_xlsx *x, td_error *err)
{
	static const char *const labels[] = {"Báo cáo tuần",
					     "Từ ngày",
					     "Đến ngày",
					     "Số liệu tính đến ngày",
					     "So với báo cáo tuần",
					     "Chỉ tiêu xác thực (%)",
					     "Thời hạn xử lý biến động (ngày)",
					     "Lập bằng"};
	td_value v[I_COUNT];
	td_status rc = td_xlsx_table(x, l->names[SH_INFO], &l->info, 0, err);

	for (int i = 0; rc == TD_OK && i < (int)(sizeof(labels) / sizeof(labels[0])); i++) {
		td_value_text(&v[I_LABEL], labels[i]);
		switch (i) {
		case 0:
			td_value_text(&v[I_VALUE], r->week);
			break;
		case 1:
		case 2:
		case 3:
			td_value_iso_date(&v[I_VALUE], i == 1 ? r->from : i == 2 ? r->to : r->as_of);
			break;
		case 4:
			td_value_text(&v[I_VALUE], r->total.has_prev ? r->total.prev_week : "chưa có");
			break;
		case 5:
			td_value_number(&v[I_VALUE], r->target);
			break;
		case 6:
			td_value_number(&v[I_VALUE], r->deadline_days);
			break;
		default:
			td_value_text(&v[I_VALUE], "thuadat " TD_VERSION);
			break;
		}
		rc = td_xlsx_row(x, v, err);
	}
	return rc;
}

/* A change, or NULL when there is no earlier report. */
static void change_value(td_value *v, const td_report_row *row, long now, long prev)
{
	if (row->has_prev)
		td_value_number(v, (double)(now - prev));
	else
		td_value_null(v);
}

static td_status write_commune_row(td_xlsx *x, const td_report *r, const td_report_row *row, td_error *err)
{
	const td_report_figures *f = &row->now, *p = &row->prev;
	double rate = td_report_rate(f), prev_rate = td_report_rate(p);
	td_value v[R_COUNT];

	td_value_text(&v[R_COMMUNE], row->commune);
	td_value_text(&v[R_NAME], row->name);
	td_value_number(&v[R_PARCELS], (double)f->parcels);
	td_value_number(&v[R_G1], (double)f->group[1]);
	td_value_number(&v[R_G2], (double)f->group[2]);
	td_value_number(&v[R_G3], (double)f->group[3]);
	td_value_number(&v[R_G1_PERCENT], f->parcels ? 100.0 * (double)f->group[1] / (double)f->parcels : NAN);
	change_value(&v[R_PARCELS_CHANGE], row, f->parcels, p->parcels);
	change_value(&v[R_G1_CHANGE], row, f->group[1], p->group[1]);
	change_value(&v[R_G2_CHANGE], row, f->group[2], p->group[2]);
	change_value(&v[R_G3_CHANGE], row, f->group[3], p->group[3]);
	td_value_number(&v[R_HOLDERS], (double)f->holders);
	td_value_number(&v[R_VERIFIED], (double)f->verified);
	td_value_number(&v[R_RATE], rate);
	td_value_number(&v[R_RATE_CHANGE], row->has_prev ? rate - prev_rate : NAN);
	td_value_number(&v[R_TARGET], r->target);
	td_value_text(&v[R_TARGET_MET], isnan(rate) ? NULL : rate >= r->target ? "Đạt" : "Chưa đạt");
	td_value_number(&v[R_UPDATED], (double)f->updated);
	td_value_number(&v[R_OVERDUE], (double)f->overdue);
	change_value(&v[R_OVERDUE_CHANGE], row, f->overdue, p->overdue);
	td_value_text(&v[R_PREV_WEEK], row->has_prev ? row->prev_week : NULL);
	return td_xlsx_row(x, v, err);
}

/*
 * The overdue parcels: all of them to the workbook, the first html_alerts
 * kept in r for the HTML page.
 */
static td_status write_alerts(td_ws *ws, const struct layouts *l, const td_report_options *o, td_report *r, td_xlsx *x,
			      td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_value v[A_COUNT];
	int step = SQLITE_DONE;
	td_status rc = td_xlsx_table(x, l->names[SH_ALERTS], &l->alerts, TD_XLSX_LIST, err);

	if (rc == TD_OK && o->html_alerts > 0 && !(r->alerts = calloc((size_t)o->html_alerts, sizeof(*r->alerts))))
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT a.commune, a.sheet, a.parcel, a.since, "
				   "CAST(julianday(?1) - julianday(a.since) AS INTEGER) AS days, a.source_row, "
				   "(SELECT min(p.parcel_id) FROM parcels p WHERE p.commune = a.commune "
				   "AND p.sheet = a.sheet AND p.parcel = a.parcel) FROM (" OVERDUE_SQL ") a "
				   "ORDER BY a.commune, days DESC, a.sheet, a.parcel",
				   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, r->as_of, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, r->deadline_days);
	}
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *commune = (const char *)sqlite3_column_text(st, A_COMMUNE);
		const td_report_row *row = find_row(r, commune);
		long days = (long)sqlite3_column_int64(st, A_DAYS);

		for (int i = 0; i < A_NAME; i++)
			td_value_column(&v[i], st, i, alert_fields[i].type);
		td_value_text(&v[A_NAME], row ? row->name : NULL);
		td_value_number(&v[A_OVERDUE_DAYS], (double)(days - r->deadline_days));
		rc = td_xlsx_row(x, v, err);
		if (rc == TD_OK && r->nalerts < o->html_alerts) {
			td_report_alert *a = &r->alerts[r->nalerts++];
			const char *id = (const char *)sqlite3_column_text(st, A_PARCEL_ID);
			snprintf(a->commune, sizeof(a->commune), "%s", commune ? commune : "");
			a->sheet = (long)sqlite3_column_int64(st, A_SHEET);
			a->parcel = (long)sqlite3_column_int64(st, A_PARCEL);
			snprintf(a->parcel_id, sizeof(a->parcel_id), "%s", id ? id : "");
			snprintf(a->since, sizeof(a->since), "%s", (const char *)sqlite3_column_text(st, A_SINCE));
			a->days = days;
			a->source_row = (long)sqlite3_column_int64(st, A_SOURCE_ROW);
		}
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "list overdue changes", err);
	sqlite3_finalize(st);
	return rc;
}

static td_status write_workbook(td_ws *ws, const struct layouts *l, const td_report_options *o, td_report *r,
				const char *path, td_error *err)
{
	td_xlsx *x = NULL;
	td_status rc = td_xlsx_open(path, 0644, o->sheet_rows, &x, err);

	if (rc == TD_OK)
		rc = write_info(l, r, x, err);
	if (rc == TD_OK)
		rc = td_xlsx_table(x, l->names[SH_COMMUNES], &l->communes, TD_XLSX_LIST, err);
	for (int i = 0; rc == TD_OK && i < r->ncommunes; i++)
		rc = write_commune_row(x, r, &r->communes[i], err);
	if (rc == TD_OK)
		rc = write_commune_row(x, r, &r->total, err);
	if (rc == TD_OK)
		rc = write_alerts(ws, l, o, r, x, err);
	if (rc == TD_OK)
		rc = td_xlsx_commit(x, err);
	td_xlsx_free(x);
	return rc;
}

static td_status write_html(const td_report *r, const char *path, td_error *err)
{
	td_outfile out;
	td_status rc = td_outfile_open(&out, path, 0644, err);

	if (rc != TD_OK)
		return rc;
	td_report_write_html(r, out.fp);
	return td_outfile_commit(&out, err);
}

/* A JSON number, or null. */
static void json_num(FILE *f, const char *key, double v)
{
	if (isnan(v))
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%.2f", key, v);
}

static void json_figures(FILE *f, const td_report_figures *x)
{
	fprintf(f, "\"parcels\":%ld,\"group1\":%ld,\"group2\":%ld,\"group3\":%ld,\"holders\":%ld,\"verified\":%ld",
		x->parcels, x->group[1], x->group[2], x->group[3], x->holders, x->verified);
	json_num(f, "verification_rate", td_report_rate(x));
	fprintf(f, ",\"certificates_updated\":%ld,\"overdue\":%ld", x->updated, x->overdue);
}

static void json_row(FILE *f, const td_report_row *row, int total)
{
	const td_report_figures *n = &row->now, *p = &row->prev;

	fputc('{', f);
	if (!total) {
		fputs("\"commune\":", f);
		td_json_str(f, row->commune);
		fputs(",\"name\":", f);
		td_json_str(f, row->name);
		fputc(',', f);
	}
	json_figures(f, n);
	if (!row->has_prev) {
		fputs(",\"previous\":null,\"change\":null}", f);
		return;
	}
	fputs(",\"previous\":{\"week\":", f);
	td_json_str(f, row->prev_week);
	fputc(',', f);
	json_figures(f, p);
	fprintf(f, "},\"change\":{\"parcels\":%ld,\"group1\":%ld,\"group2\":%ld,\"group3\":%ld,\"verified\":%ld",
		n->parcels - p->parcels, n->group[1] - p->group[1], n->group[2] - p->group[2],
		n->group[3] - p->group[3], n->verified - p->verified);
	json_num(f, "verification_rate", td_report_rate(n) - td_report_rate(p));
	fprintf(f, ",\"certificates_updated\":%ld,\"overdue\":%ld}}", n->updated - p->updated, n->overdue - p->overdue);
}

static td_status make_json(td_report *r, td_error *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	fprintf(f,
		"{\"command\":\"report\",\"week\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"as_of\":\"%s\","
		"\"target\":%g,\"deadline_days\":%d,\"xlsx\":",
		r->week, r->from, r->to, r->as_of, r->target, r->deadline_days);
	td_json_str(f, r->xlsx);
	fputs(",\"html\":", f);
	td_json_str(f, r->html);
	fputs(",\"communes\":[", f);
	for (int i = 0; i < r->ncommunes; i++) {
		if (i)
			fputc(',', f);
		json_row(f, &r->communes[i], 0);
	}
	fputs("],\"total\":", f);
	json_row(f, &r->total, 1);
	fputc('}', f);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	}
	r->json = buf;
	return TD_OK;
}

td_status td_report_run(td_ws *ws, const td_report_options *o, td_report *r, td_error *err)
{
	struct layouts *l = NULL;
	char dir[TD_PATH_MAX - 32], summary[256]; /* room for "/report-YYYY-Www.xlsx" */
	char staged_xlsx[TD_PATH_MAX + 200], staged_html[TD_PATH_MAX + 200];
	td_outdir out;
	size_t len;
	td_status rc;

	assert(ws && o && r);
	memset(r, 0, sizeof(*r));
	out.open = 0;
	if (!o->out_dir || !*o->out_dir)
		return td_error_set(err, TD_ERR_USAGE, "no output directory given");
	if ((len = (size_t)snprintf(dir, sizeof(dir), "%s", o->out_dir)) >= sizeof(dir))
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", o->out_dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	rc = resolve_period(o, r, err);
	if (rc != TD_OK)
		return rc;
	snprintf(r->xlsx, sizeof(r->xlsx), "%s/report-%s.xlsx", dir, r->week);
	snprintf(r->html, sizeof(r->html), "%s/report-%s.html", dir, r->week);
	if (!(l = malloc(sizeof(*l))))
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");

	rc = read_layouts(ws, l, err);
	if (rc == TD_OK)
		rc = td_ws_begin(ws, "report", err);
	if (rc == TD_OK)
		rc = require_ready(ws, err);
	if (rc == TD_OK)
		rc = read_figures(ws, r, err);
	if (rc == TD_OK)
		rc = read_previous(ws, r, err);
	if (rc == TD_OK)
		rc = store_snapshot(ws, r, err);
	/*
	 * The files first, aside: figures are stored only for a report that
	 * was written, and both files appear only once the figures are in.
	 */
	if (rc == TD_OK)
		rc = td_outdir_open(&out, dir, err);
	if (rc == TD_OK) {
		snprintf(staged_xlsx, sizeof(staged_xlsx), "%s/report-%s.xlsx", out.stage, r->week);
		snprintf(staged_html, sizeof(staged_html), "%s/report-%s.html", out.stage, r->week);
		rc = write_workbook(ws, l, o, r, staged_xlsx, err);
	}
	if (rc == TD_OK)
		rc = write_html(r, staged_html, err);
	if (rc == TD_OK)
		rc = make_json(r, err);
	snprintf(summary, sizeof(summary), "{\"command\":\"report\",\"week\":\"%s\",\"communes\":%d,\"overdue\":%ld}",
		 r->week, r->ncommunes, r->total.now.overdue);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, summary, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK)
		rc = td_outdir_commit(&out, err);
	td_outdir_abort(&out);
	free(l);
	return rc;
}

void td_report_release(td_report *r)
{
	if (!r)
		return;
	free(r->communes);
	free(r->alerts);
	free(r->json);
	r->communes = NULL;
	r->alerts = NULL;
	r->json = NULL;
	r->ncommunes = r->nalerts = 0;
}
