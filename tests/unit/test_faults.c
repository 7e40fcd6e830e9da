/*
 * Every stage under injected faults (SQLite's way: fail the Nth write, sync
 * or read, for each N up to the stage's count): the stage must report the
 * failure with its documented status, never crash or leak (ASan), and leave
 * the workspace byte for byte as it was once SQLite has rolled back.
 *
 * A failed read that SQLite recovers from by itself may instead let the
 * stage finish, with the same result as without the fault; so may a
 * failed write after the commit point (the WAL checkpoint), with the stage
 * then wholly in.
 *
 * By default a spread of about 40 points per stage is tried (the first,
 * the last and evenly between); TD_FAULT_EVERY=1 tries every N.
 */
#include "tap.h"

#include "check.h"
#include "classify.h"
#include "export.h"
#include "fault.h"
#include "idreg.h"
#include "ingest.h"
#include "merge.h"
#include "reconcile.h"
#include "workspace.h"

#include <dirent.h>
#include <gdal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POINTS 40

static td_ctx *ctx;
static char dir[1024];

/* dir/name in one of 64 rotating buffers: callers that keep a path copy it. */
static const char *tmp(const char *name)
{
	static char paths[64][1200];
	static int next;
	char *p = paths[next++ % 64];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static long file_bytes(const char *path, unsigned char **out)
{
	FILE *f = fopen(path, "rb");
	long n = -1;

	*out = NULL;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		*out = malloc((size_t)n + 1);
		if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n)
			n = -1;
	}
	fclose(f);
	return n;
}

/* Copy a workspace file over to, removing to's journal and WAL files first. */
static int copy_file(const char *from, const char *to)
{
	static const char *const side[] = {"-journal", "-wal", "-shm"};
	unsigned char *b;
	long n;
	FILE *f;
	char path[1300];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", to, side[i]);
		unlink(path);
	}
	n = file_bytes(from, &b);
	f = n >= 0 ? fopen(to, "wb") : NULL;
	int ok = f && fwrite(b, 1, (size_t)n, f) == (size_t)n;

	if (f && fclose(f) != 0)
		ok = 0;
	free(b);
	return ok;
}

static int same_file(const char *a, const char *b)
{
	unsigned char *x, *y;
	long nx = file_bytes(a, &x), ny = file_bytes(b, &y);
	int same = nx >= 0 && nx == ny && memcmp(x, y, (size_t)nx) == 0;

	free(x);
	free(y);
	return same;
}

static td_status with_ws(const char *path, td_ws_mode mode, td_status (*fn)(td_ws *, td_error *), td_error *err)
{
	td_ws *ws = NULL;
	td_status rc = td_ws_open(ctx, path, mode, &ws, err);

	if (rc == TD_OK)
		rc = fn(ws, err);
	td_ws_close(ws);
	return rc;
}

static td_status do_ingest(td_ws *ws, td_error *err)
{
	td_ingest_options o = TD_INGEST_OPTIONS_INIT;
	td_ingest_summary sum;

	o.map = TD_FIXTURES "/demo/map.gpkg";
	o.register_path = TD_FIXTURES "/demo/register.csv";
	return td_ingest_run(ws, &o, NULL, NULL, &sum, err);
}

static td_status do_check(td_ws *ws, td_error *err)
{
	td_check_options o;
	td_check_summary sum;

	td_check_options_init(&o);
	o.threads = 1;
	snprintf(o.rules.today, sizeof(o.rules.today), "2026-11-01");
	return td_check_run(ws, &o, NULL, NULL, &sum, err);
}

static td_status do_classify(td_ws *ws, td_error *err)
{
	td_rule_settings rules;
	td_classify_summary sum;
	td_status rc;

	td_rule_settings_init(&rules);
	rc = td_classify_run(ws, &rules, &sum, err);
	td_classify_summary_release(&sum);
	return rc;
}

static td_status do_assign(td_ws *ws, td_error *err)
{
	td_id_settings ids;
	td_idreg_summary sum;

	td_id_settings_init(&ids);
	return td_idreg_assign(ws, &ids, NULL, NULL, &sum, err);
}

/* The rows of runs in a workspace whose quick_check passes; -1 if it does not, or cannot be read. */
static long runs_in(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(
		    db, "SELECT (SELECT quick_check = 'ok' FROM pragma_quick_check), (SELECT count(*) FROM runs)", -1,
		    &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0))
		n = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* What the last export wrote: a read that SQLite recovers from must not change it. */
static long exported[3];

static td_status do_export(td_ws *ws, td_error *err)
{
	td_export_options o = TD_EXPORT_OPTIONS_INIT;
	td_export_summary sum = {0};
	td_status rc;

	o.out_dir = tmp("xlsx");
	mkdir(o.out_dir, 0700);
	rc = td_export_run(ws, &o, NULL, NULL, &sum, err);
	exported[0] = sum.workbooks;
	exported[1] = sum.parcels;
	exported[2] = sum.findings;
	td_export_summary_release(&sum);
	return rc;
}

static td_status do_reconcile(td_ws *ws, td_error *err)
{
	const char *reply = tmp("reply.csv");
	const char *replies[1] = {reply};
	td_reconcile_options o;
	td_reconcile_summary sum;
	FILE *f = fopen(reply, "w");
	td_status rc;

	if (!f)
		return td_error_set(err, TD_ERR_IO, "cannot write '%s'", reply);
	fputs("STT,Mã chủ sử dụng,Số định danh cá nhân / CMND,Họ và tên,Năm sinh,Giới tính,"
	      "Nơi đăng ký khai sinh (mã tỉnh),Mã xã,Số tờ bản đồ,Số thửa,Số phát hành GCN,Ngày cấp GCN,"
	      "Kết quả xác minh,Số định danh đúng,Họ và tên đúng,Năm sinh đúng,Giới tính đúng,Ghi chú\n"
	      "1,1,031185001234,Nguyễn Thị Hồng Nhung,1985,Nữ,031,11311,1,1,CS 100001,2015-03-12,Khớp,,,,,\n",
	      f);
	fclose(f);
	td_reconcile_options_init(&o);
	o.replies = replies;
	o.nreplies = 1;
	rc = td_reconcile_run(ws, &o, NULL, NULL, &sum, err);
	td_reconcile_summary_release(&sum);
	return rc;
}

/* A merge of the ingested workspace with an empty one of Hải Dương; the output must not appear on failure. */
static td_status do_merge(td_ws *unused, td_error *err)
{
	const char *inputs[2] = {tmp("merge-hp.gpkg"), tmp("merge-hd.gpkg")};
	td_merge_options o = TD_MERGE_OPTIONS_INIT;
	td_merge_summary sum;
	char crosswalk[TD_PATH_MAX];
	td_status rc = td_ctx_schema_file(ctx, "crosswalk/haiphong-2025.csv", crosswalk, sizeof(crosswalk), err);
	FILE *f = fopen(tmp("sheets.csv"), "w");

	(void)unused;
	if (!f)
		return td_error_set(err, TD_ERR_IO, "cannot write sheets.csv");
	fputs("old_commune,old_sheet,new_commune,new_sheet\n", f);
	fclose(f);
	o.crosswalk = crosswalk;
	o.sheets = tmp("sheets.csv");
	o.out = tmp("merged.gpkg");
	o.inputs = inputs;
	o.ninputs = 2;
	o.force = 1;
	o.report_dir = tmp("merged-report");
	if (rc == TD_OK)
		rc = td_merge_run(ctx, &o, NULL, NULL, &sum, err);
	td_merge_summary_release(&sum);
	return rc;
}

static td_status (*current_fn)(td_ws *, td_error *);
static td_ws_mode current_mode;

static td_status run_current(const char *path, td_error *err)
{
	if (current_fn == do_merge)
		return do_merge(NULL, err);
	return with_ws(path, current_mode, current_fn, err);
}

/*
 * Run the stage on a copy of before with no fault to count its operations,
 * then once per chosen N with the Nth one failing.
 */
static void stage_under_faults(const char *name, td_status (*fn)(td_ws *, td_error *), td_ws_mode mode,
			       const char *before_path, int reads)
{
	char before[1200], work[1200];
	td_fault f = {0};
	td_error err;
	long total, step, tried = 0, failed_right = 0, unchanged = 0, baseline[3];

	snprintf(before, sizeof(before), "%s", before_path);
	snprintf(work, sizeof(work), "%s", tmp("work.gpkg"));
	current_fn = fn;
	current_mode = mode;
	f.reads = reads;
	CHECK(copy_file(before, work));
	td_error_init(&err);
	ctx->fault = &f;
	CHECK_INT(TD_OK, run_current(work, &err));
	ctx->fault = NULL;
	total = f.count;
	memcpy(baseline, exported, sizeof(baseline));
	CHECK(total > 0);
	step = getenv("TD_FAULT_EVERY") || total <= POINTS ? 1 : total / POINTS;
	for (long n = 1; n <= total; n = n + step > total && n < total ? total : n + step) {
		td_status rc;
		int committed;
		memset(&f, 0, sizeof(f));
		f.reads = reads;
		f.fail_at = n;
		f.disk_full = n % 2 == 0; /* half as a full disk, half as an I/O error */
		CHECK(copy_file(before, work));
		unlink(tmp("merged.gpkg"));
		td_error_init(&err);
		ctx->fault = &f;
		rc = run_current(work, &err);
		ctx->fault = NULL;
		td_fault_release(&f);
		if (!f.fired) /* a run may do a few operations fewer than the counting run (cache timing) */
			continue;
		tried++;
		/*
		 * The documented statuses for a failing disk: I/O, or out of memory
		 * from SQLite's pager. A fault after the commit (WAL's checkpoint as
		 * the workspace closes) leaves the stage done: then it must be all
		 * in, one more run recorded in a sound file.
		 */
		committed = rc == TD_OK && !reads &&
			    runs_in(fn == do_merge ? tmp("merged.gpkg") : work) ==
				    (fn == do_merge ? runs_in(tmp("merge-hp.gpkg")) + 1 : runs_in(before) + 1);
		if (rc == TD_ERR_IO || rc == TD_ERR_NOMEM || rc == TD_ERR_WORKSPACE || committed)
			failed_right++;
		/* SQLite retries some reads (a page it already holds, the journal check): then the result must not
		 * change. */
		else if (rc == TD_OK && reads && memcmp(baseline, exported, sizeof(baseline)) == 0)
			failed_right++;
		else
			printf("# %s: fault %ld of %ld gave status %d: %s\n", name, n, total, (int)rc, err.msg);
		/* Let SQLite roll back a hot journal the way the next run would, then compare bytes. */
		if (fn != do_merge) {
			td_ws *ws = NULL;
			td_error e2;
			td_error_init(&e2);
			if (td_ws_open(ctx, work, TD_WS_WRITE, &ws, &e2) == TD_OK)
				td_ws_close(ws);
			if (committed || same_file(before, work))
				unchanged++;
			else
				printf("# %s: fault %ld of %ld changed the workspace\n", name, n, total);
		} else {
			if (committed || access(tmp("merged.gpkg"), F_OK) != 0)
				unchanged++;
			else
				printf("# %s: fault %ld of %ld left the output\n", name, n, total);
		}
	}
	printf("# %s: %ld operations, %ld faults tried\n", name, total, tried);
	CHECK(tried > 0);
	CHECK_INT(tried, failed_right);
	CHECK_INT(tried, unchanged);
}

/* Build the workspace each stage starts from, stage by stage, without faults. */
static void prepare(const char *path, const char *from, td_status (*fn)(td_ws *, td_error *))
{
	td_error err;

	td_error_init(&err);
	CHECK(copy_file(from, path));
	CHECK_INT(TD_OK, with_ws(path, TD_WS_WRITE, fn, &err));
	if (err.msg[0])
		printf("# %s\n", err.msg);
}

int main(void)
{
	td_ws_create_options co = TD_WS_CREATE_OPTIONS_INIT;
	td_error err;

	GDALAllRegister();
	td_error_init(&err);
	snprintf(dir, sizeof(dir), "%s", tap_tmpdir("faults"));
	if (td_ctx_new(TD_SCHEMAS, &ctx, &err) != TD_OK) {
		printf("# %s\n", err.msg);
		return 1;
	}
	co.force = 1;
	co.crs = "EPSG:9210";
	CHECK_INT(TD_OK, td_ws_create(ctx, tmp("empty.gpkg"), &co, &err));
	co.crs = "EPSG:9209";
	CHECK_INT(TD_OK, td_ws_create(ctx, tmp("merge-hd.gpkg"), &co, &err));
	prepare(tmp("ingested.gpkg"), tmp("empty.gpkg"), do_ingest);
	prepare(tmp("checked.gpkg"), tmp("ingested.gpkg"), do_check);
	prepare(tmp("classified.gpkg"), tmp("checked.gpkg"), do_classify);
	prepare(tmp("assigned.gpkg"), tmp("classified.gpkg"), do_assign);
	CHECK(copy_file(tmp("ingested.gpkg"), tmp("merge-hp.gpkg")));

	stage_under_faults("ingest", do_ingest, TD_WS_WRITE, tmp("empty.gpkg"), 0);
	stage_under_faults("check", do_check, TD_WS_WRITE, tmp("ingested.gpkg"), 0);
	stage_under_faults("classify", do_classify, TD_WS_WRITE, tmp("checked.gpkg"), 0);
	stage_under_faults("assign-id", do_assign, TD_WS_WRITE, tmp("classified.gpkg"), 0);
	stage_under_faults("reconcile", do_reconcile, TD_WS_WRITE, tmp("assigned.gpkg"), 0);
	stage_under_faults("export", do_export, TD_WS_READ, tmp("assigned.gpkg"), 1);
	stage_under_faults("merge", do_merge, TD_WS_WRITE, tmp("merge-hp.gpkg"), 0);

	td_ctx_free(ctx);
	GDALDestroyDriverManager();
	return tap_done();
}
