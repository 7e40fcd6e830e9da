/*
 * td_report_run on a hand-made workspace: the figures of each commune and
 * of the total (owners counted once across communes, dates inside the week
 * up to the as-of date, deadlines counted like CHANGE_OVERDUE), the stored
 * snapshots and the previous report, the JSON, HTML escaping and the alert
 * list's cap, the workbook read back through GDAL with a list continued on
 * a second sheet, and the failures that leave the workspace unchanged.
 */
#include "report.h"
#include "tap.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static td_status sql(td_ws *ws, const char *text)
{
	td_error err;
	td_status rc;

	td_error_init(&err);
	rc = td_ws_exec(ws, text, &err);
	if (rc != TD_OK)
		fprintf(stderr, "setup: %s\n", err.msg);
	return rc;
}

static long count(td_ws *ws, const char *query)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(ws->db, query, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Two graded communes (A1 named with characters HTML must escape), one not graded (C3). */
static int make_workspace(td_ctx *ctx, const char *path)
{
	td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
	td_ws *ws = NULL;
	td_error err;
	char text[4096];
	int ok;

	td_error_init(&err);
	o.crs = "EPSG:9210";
	o.force = 1;
	if (td_ws_create(ctx, path, &o, &err) != TD_OK || td_ws_open(ctx, path, TD_WS_WRITE, &ws, &err) != TD_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 0;
	}
	/* The stage is named classify, so the report finds the workspace graded. */
	ok = td_ws_begin(ws, "classify", &err) == TD_OK;
	snprintf(text, sizeof(text),
		 "INSERT INTO sources (id, path, kind, reader, encoding, crs, checksum, size, records, run_id) "
		 "VALUES (1, '/r.csv', 'register', 'CSV', 'UTF-8', NULL, '0', 1, 6, %lld);"
		 "INSERT INTO ref_communes VALUES ('A1', 'Xã <Thử> & \"Nghiệm\"', '31', NULL, NULL);"
		 "INSERT INTO parcel_grade VALUES ('A1', 1, 1, 1, '', ''), ('A1', 1, 2, 2, 'sống', 'CHANGE_OVERDUE'),"
		 " ('A1', 1, 3, 3, 'đủ', 'REGISTER_NO_MAP'), ('B2', 1, 1, 1, '', '');"
		 "INSERT INTO owners (id, person_key, name, verification) VALUES (1, 'k1', 'An', 'matched'),"
		 " (2, 'k2', 'Bình', 'mismatched'), (3, 'k3', 'Cường', 'unverified'), (4, 'k4', 'Dũng', 'matched');"
		 "INSERT INTO register_rows (source_id, source_row, commune, sheet, parcel, owner_id, gcn_serial, "
		 "gcn_date,"
		 " last_change, pending_since) VALUES"
		 " (1, 2, 'A1', 1, 1, 1, 'S1', '2026-11-03', NULL, NULL),"
		 " (1, 3, 'A1', 1, 2, 2, 'S2', '2015-01-01', '2026-11-09', '2026-10-01'),"
		 " (1, 4, 'A1', 1, 3, 3, NULL, NULL, NULL, '2026-10-07'),"
		 " (1, 5, 'A1', 1, 3, 4, 'S3', '2015-01-01', NULL, '2026-09-01'),"
		 " (1, 6, 'B2', 1, 1, 4, 'S4', '2026-11-02', '2026-11-06', NULL),"
		 " (1, 7, 'C3', 1, 1, 3, 'S5', '2026-11-02', NULL, '2020-01-01');",
		 (long long)ws->run_id);
	if (ok)
		ok = sql(ws, text) == TD_OK;
	if (ok)
		ok = td_ws_commit(ws, NULL, &err) == TD_OK;
	if (!ok)
		fprintf(stderr, "setup: %s\n", err.msg);
	td_ws_close(ws);
	return ok;
}

static void check_figures(const td_report_figures *f, long parcels, long g1, long g2, long g3, long holders,
			  long verified, long updated, long overdue)
{
	CHECK_INT(parcels, f->parcels);
	CHECK_INT(g1, f->group[1]);
	CHECK_INT(g2, f->group[2]);
	CHECK_INT(g3, f->group[3]);
	CHECK_INT(holders, f->holders);
	CHECK_INT(verified, f->verified);
	CHECK_INT(updated, f->updated);
	CHECK_INT(overdue, f->overdue);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);

	if (f && buf)
		buf[fread(buf, 1, (1 << 20) - 1, f)] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static int file_mode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/*
 * One row a sheet: the communes' list (two communes and the total) and the
 * alerts (most overdue first) continue on numbered sheets.
 */
static void check_workbook(const char *path)
{
	static const char *const names[] = {
		"Thông tin",         "Tổng hợp theo xã",     "Tổng hợp theo xã (2)", "Tổng hợp theo xã (3)",
		"Biến động quá hạn", "Biến động quá hạn (2)"};
	/* commune, parcels, verification rate (column 13), target met (16) */
	static const char *const communes[3][4] = {{"A1", "3", "66.66666666666667", "Chưa đạt"},
						   {"B2", "1", "100", "Đạt"},
						   {"", "4", "66.66666666666667", "Chưa đạt"}};
	static const char *const alerts[2][9] = {
		{"A1", "Xã <Thử> & \"Nghiệm\"", "1", "3", "", "2026/09/01", "66", "36", "5"},
		{"A1", "Xã <Thử> & \"Nghiệm\"", "1", "2", "", "2026/10/01", "36", "6", "3"},
	};
	const char *const drivers[] = {"XLSX", NULL};
	GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, drivers, NULL, NULL);
	int row = 0, alert = 0;

	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(6, GDALDatasetGetLayerCount(ds));
	for (int i = 0; i < 6 && i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH l = GDALDatasetGetLayer(ds, i);
		OGRFeatureH f;

		CHECK_STR(names[i], OGR_L_GetName(l));
		OGR_L_ResetReading(l);
		while (i > 0 && (f = OGR_L_GetNextFeature(l)) != NULL) {
			if (i < 4 && row < 3) {
				CHECK_STR(communes[row][0], OGR_F_GetFieldAsString(f, 0));
				CHECK_STR(communes[row][1], OGR_F_GetFieldAsString(f, 2));
				CHECK_STR(communes[row][2], OGR_F_GetFieldAsString(f, 13));
				CHECK_STR(communes[row][3], OGR_F_GetFieldAsString(f, 16));
				row++;
			} else if (i >= 4 && alert < 2) {
				CHECK_STR("Ngày đăng ký biến động",
					  OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(l), 5)));
				for (int c = 0; c < 9; c++)
					CHECK_STR(alerts[alert][c],
						  OGR_F_IsFieldSetAndNotNull(f, c) ? OGR_F_GetFieldAsString(f, c) : "");
				alert++;
			}
			OGR_F_Destroy(f);
		}
	}
	CHECK_INT(3, row);
	CHECK_INT(2, alert);
	GDALClose(ds);
}

static void test_report(td_ctx *ctx, const char *base)
{
	td_report_options o = TD_REPORT_OPTIONS_INIT;
	td_report r;
	td_ws *ws = NULL;
	td_error err;
	char ws_path[4200], out[4200], expect[4600];
	char *html;

	snprintf(ws_path, sizeof(ws_path), "%s/rep.gpkg", base);
	snprintf(out, sizeof(out), "%s/out", base);
	CHECK(make_workspace(ctx, ws_path));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_WRITE, &ws, &err));
	if (!ws)
		return;

	o.out_dir = out;
	o.date = "2026-11-06";
	o.sheet_rows = 2;
	o.html_alerts = 1;
	CHECK_INT(TD_OK, td_report_run(ws, &o, &r, &err));
	CHECK_STR("", err.msg);
	CHECK_STR("2026-W45", r.week);
	CHECK_STR("2026-11-02", r.from);
	CHECK_STR("2026-11-08", r.to);
	CHECK_STR("2026-11-06", r.as_of);
	CHECK_INT(2, r.ncommunes);
	CHECK_STR("A1", r.communes[0].commune);
	CHECK_STR("Xã <Thử> & \"Nghiệm\"", r.communes[0].name);
	/* S2 changed after the as-of date; 1/3 waits since 7 October for exactly 30 days: not overdue. */
	check_figures(&r.communes[0].now, 3, 1, 1, 1, 3, 2, 1, 2);
	CHECK_STR("B2", r.communes[1].commune);
	CHECK_STR("", r.communes[1].name);
	check_figures(&r.communes[1].now, 1, 1, 0, 0, 1, 1, 1, 0);
	/* Owner 4 holds certificates in both communes: one holder of the total. */
	check_figures(&r.total.now, 4, 2, 1, 1, 3, 2, 2, 2);
	CHECK_DBL(200.0 / 3, td_report_rate(&r.total.now), 1e-12);
	CHECK(!r.total.has_prev);
	CHECK_INT(1, r.nalerts);
	CHECK_STR("2026-09-01", r.alerts[0].since);
	CHECK_INT(66, r.alerts[0].days);
	CHECK_INT(5, r.alerts[0].source_row);
	snprintf(expect, sizeof(expect), "%s/report-2026-W45.xlsx", out);
	CHECK_STR(expect, r.xlsx);
	CHECK_INT(0644, file_mode(r.xlsx));
	CHECK_INT(0644, file_mode(r.html));
	CHECK(r.json && strstr(r.json, "\"total\":{\"parcels\":4,\"group1\":2,\"group2\":1,\"group3\":1,\"holders\":3,"
				       "\"verified\":2,\"verification_rate\":66.67,\"certificates_updated\":2,"
				       "\"overdue\":2,\"previous\":null,\"change\":null}}"));
	CHECK(r.json && strstr(r.json, "\"name\":\"Xã <Thử> & \\\"Nghiệm\\\"\""));
	CHECK_INT(3, count(ws, "SELECT count(*) FROM report_snapshots WHERE week = '2026-W45'"));
	CHECK_INT(2, count(ws, "SELECT overdue FROM report_snapshots WHERE commune = '*'"));
	CHECK_INT(1, count(ws, "SELECT count(*) FROM runs WHERE command = 'report'"));

	html = slurp(r.html);
	CHECK(html && strstr(html, "<td class=\"t\">Xã &lt;Thử&gt; &amp; &quot;Nghiệm&quot;</td>"));
	CHECK(html && !strstr(html, "<Thử>"));
	CHECK(html &&
	      strstr(html, "<p class=\"note\">Còn 1 thửa quá hạn khác: xem danh sách đầy đủ trong tệp Excel.</p>"));
	CHECK(html && strstr(html, "66,7% (2/3)</text>"));
	free(html);
	check_workbook(r.xlsx);
	td_report_release(&r);

	/* An earlier week reported later: nothing before it; then week 45's previous is week 43. */
	o.date = "2026-10-23";
	CHECK_INT(TD_OK, td_report_run(ws, &o, &r, &err));
	CHECK_STR("2026-W43", r.week);
	CHECK(!r.total.has_prev);
	check_figures(&r.communes[0].now, 3, 1, 1, 1, 3, 2, 0, 1);
	td_report_release(&r);
	o.date = NULL;
	o.week = "2026-W45";
	CHECK_INT(TD_OK, td_report_run(ws, &o, &r, &err));
	CHECK_STR("2026-11-08", r.as_of); /* the week's Sunday */
	CHECK(r.total.has_prev);
	CHECK_STR("2026-W43", r.total.prev_week);
	CHECK_STR("2026-W43", r.communes[0].prev_week);
	CHECK_INT(1, r.communes[0].prev.overdue);
	CHECK(r.json &&
	      strstr(r.json, "\"change\":{\"parcels\":0,\"group1\":0,\"group2\":0,\"group3\":0,\"verified\":0,"
			     "\"verification_rate\":0.00,\"certificates_updated\":2,\"overdue\":1}}}"));
	td_report_release(&r);
	CHECK_INT(6, count(ws, "SELECT count(*) FROM report_snapshots"));
	td_ws_close(ws);
}

static void test_failures(td_ctx *ctx, const char *base)
{
	static const struct {
		const char *week, *date, *msg;
	} bad[] = {
		{"2026-W54", NULL, "week '2026-W54': expected YYYY-Www, an ISO week such as 2026-W45"},
		{NULL, "2026-11-31", "date '2026-11-31': expected YYYY-MM-DD"},
		{"2026-W45", "2026-11-01", "date 2026-11-01 is not in week 2026-W45 (2026-11-02 to 2026-11-08)"},
	};
	td_report_options o = TD_REPORT_OPTIONS_INIT;
	td_report r;
	td_ws *ws = NULL;
	td_error err;
	char ws_path[4200], file[4200], msg[8600];
	long runs;
	FILE *fp;

	snprintf(ws_path, sizeof(ws_path), "%s/rep.gpkg", base);
	snprintf(file, sizeof(file), "%s/a-file", base);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_open(ctx, ws_path, TD_WS_WRITE, &ws, &err));
	if (!ws)
		return;
	runs = count(ws, "SELECT count(*) FROM runs");
	o.out_dir = file;
	o.date = "2026-11-13";
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.week = bad[i].week;
		o.date = bad[i].date;
		td_error_init(&err);
		CHECK_INT(TD_ERR_USAGE, td_report_run(ws, &o, &r, &err));
		CHECK_STR(bad[i].msg, err.msg);
		td_report_release(&r);
	}

	/* The output cannot be written: nothing stored. */
	fp = fopen(file, "w");
	if (fp)
		fclose(fp);
	o.week = NULL;
	o.date = "2026-11-13";
	td_error_init(&err);
	CHECK_INT(TD_ERR_IO, td_report_run(ws, &o, &r, &err));
	CHECK(strstr(err.msg, "a-file") != NULL);
	CHECK(r.json == NULL);
	td_report_release(&r);
	CHECK_INT(runs, count(ws, "SELECT count(*) FROM runs"));
	CHECK_INT(0, count(ws, "SELECT count(*) FROM report_snapshots WHERE week = '2026-W46'"));

	/* Data changed after the last classify. */
	snprintf(file, sizeof(file), "%s/out", base);
	o.out_dir = file;
	CHECK_INT(TD_OK, sql(ws, "INSERT INTO runs (command, argv, os_user, started_at) VALUES ('check', '', '', '')"));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_report_run(ws, &o, &r, &err));
	snprintf(msg, sizeof(msg),
		 "workspace '%s' changed since the last classify: run 'thuadat check' and 'thuadat classify' first",
		 ws_path);
	CHECK_STR(msg, err.msg);
	td_report_release(&r);

	/* A workspace from before the table existed. */
	CHECK_INT(TD_OK, sql(ws, "DROP TABLE report_snapshots"));
	td_error_init(&err);
	CHECK_INT(TD_ERR_WORKSPACE, td_report_run(ws, &o, &r, &err));
	CHECK(strstr(err.msg, "has no report_snapshots table") != NULL);
	td_report_release(&r);
	td_report_release(NULL);
	td_ws_close(ws);
}

int main(void)
{
	td_ctx *ctx = NULL;
	td_error err;
	const char *base;

	GDALAllRegister();
	CPLSetConfigOption("OGR_XLSX_HEADERS", "FORCE");
	CPLSetConfigOption("OGR_XLSX_FIELD_TYPES", "STRING");
	base = tap_tmpdir("report");
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ctx_new(NULL, &ctx, &err));
	if (ctx) {
		test_report(ctx, base);
		test_failures(ctx, base);
	}
	td_ctx_free(ctx);
	GDALDestroyDriverManager();
	return tap_done();
}
