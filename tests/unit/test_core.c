/*
 * Unit tests for the small core modules: INI parsing, area tolerances,
 * text keys, the outfile helper and the CRS built from a central meridian.
 */
#include "crs.h"
#include "csv.h"
#include "ini.h"
#include "outfile.h"
#include "rules.h"
#include "strbuf.h"
#include "tap.h"
#include "text.h"

#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct seen {
	char log[1024];
};

static td_status collect(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);
	(void)err;
	snprintf(s->log + n, sizeof(s->log) - n, "%d:[%s]%s=%s;", line, section, key ? key : "-", value ? value : "-");
	return TD_OK;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_ini(const char *dir)
{
	char path[4200];
	struct seen s = {{0}};
	td_error err;

	snprintf(path, sizeof(path), "%s/a.ini", dir);
	write_file(path, "\xEF\xBB\xBF# comment\nworkspace = a b.gpkg ; note\n\n[check]\n[ingest]\nmap=m#1.gpkg\n");
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ini_parse(path, collect, &s, &err));
	CHECK_STR("2:[]workspace=a b.gpkg;4:[check]-=-;5:[ingest]-=-;6:[ingest]map=m#1.gpkg;", s.log);

	write_file(path, "[check\n");
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_ini_parse(path, collect, &s, &err));
	CHECK(strstr(err.msg, "line 1: expected '[section]'") != NULL);

	write_file(path, "[a]\nx = 1\njust words\n");
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_ini_parse(path, collect, &s, &err));
	CHECK(strstr(err.msg, "line 3: expected 'key = value'") != NULL);

	/* A blank section name is an error, not the keys before any section (the callback got a NULL key). */
	write_file(path, "workspace = w.gpkg\n[ ]\n");
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_ini_parse(path, collect, &s, &err));
	CHECK(strstr(err.msg, "line 2: empty section name") != NULL);
	write_file(path, "[\t]\nx = 1\n");
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_ini_parse(path, collect, &s, &err));
	CHECK(strstr(err.msg, "line 1: empty section name") != NULL);

	/* A NUL byte is named as such, not taken for a long line. */
	{
		FILE *f = fopen(path, "wb");
		fwrite("[a]\nx = 1\0 2\n", 1, 14, f);
		fclose(f);
	}
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_ini_parse(path, collect, &s, &err));
	CHECK(strstr(err.msg, "line 2: NUL byte") != NULL);

	snprintf(path, sizeof(path), "%s/missing.ini", dir);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_ini_parse(path, collect, &s, &err));
}

static void test_rules(void)
{
	td_rule_settings s;

	td_rule_settings_init(&s);
	CHECK_DBL(0.5, td_rule_area_tolerance(&s, 5), 1e-9);     /* floor */
	CHECK_DBL(5.0, td_rule_area_tolerance(&s, 100), 1e-9);   /* 5 % up to 100 m² */
	CHECK_DBL(15.0, td_rule_area_tolerance(&s, 500), 1e-9);  /* 3 % up to 500 m² */
	CHECK_DBL(12.4, td_rule_area_tolerance(&s, 620), 1e-9);  /* 2 % up to 2000 m² */
	CHECK_DBL(50.0, td_rule_area_tolerance(&s, 5000), 1e-9); /* 1 % above */
	CHECK_STR("đủ", td_rule_find("REGISTER_NO_MAP")->criterion);
	CHECK_INT(3, td_rule_find("REGISTER_NO_MAP")->group);
	CHECK(td_rule_find("NO_SUCH_RULE") == NULL);
	for (int i = 0; i < TD_RULE_COUNT; i++)
		CHECK_INT(i, td_rule_get((td_rule_id)i)->id);
}

static void test_text(void)
{
	char key[64];
	char *nfc = NULL;
	td_error err;

	CHECK_INT(1, td_text_key("  SỐ   Thửa ", key, sizeof(key)));
	CHECK_STR("số thửa", key);
	/* Decomposed input (NFD) gives the same key as composed. */
	CHECK_INT(1, td_text_key("So\xCC\x82\xCC\x81 to\xCC\x9B\xCC\x80", key, sizeof(key)));
	CHECK_STR("số tờ", key);
	CHECK_INT(0, td_text_key("\xff\xfe", key, sizeof(key)));
	/* Folded: no case, no diacritics, đ as d; what people type for C06 statuses. */
	CHECK_INT(1, td_text_fold("  Không   TÌM thấy ", key, sizeof(key)));
	CHECK_STR("khong tim thay", key);
	CHECK_INT(1, td_text_fold("ĐÚNG", key, sizeof(key)));
	CHECK_STR("dung", key);
	CHECK_INT(1, td_text_fold("Kho\xCC\x82ng khơ\xCC\x81p", key, sizeof(key))); /* NFD */
	CHECK_STR("khong khop", key);
	CHECK_INT(0, td_text_fold("\xff", key, sizeof(key)));
	td_error_init(&err);
	CHECK_INT(TD_OK, td_text_nfc("Nguye\xCC\x82\xCC\x83n", &nfc, &err));
	CHECK_STR("Nguyễn", nfc);
	free(nfc);
	CHECK_INT(TD_ERR_INPUT, td_text_nfc("\xC3(", &nfc, &err));
}

static void test_strbuf(void)
{
	td_strbuf b = TD_STRBUF_INIT;
	char big[300];

	td_strbuf_str(&b, "{\"k\":");
	td_strbuf_json(&b, "Tờ \"1\"\\\n");
	td_strbuf_fmt(&b, ",\"n\":%d}", 42);
	CHECK_STR("{\"k\":\"Tờ \\\"1\\\"\\\\\\u000a\",\"n\":42}", b.p);
	CHECK_INT(0, b.failed);
	/* Over the cap: failed, and nothing more is added. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	td_strbuf_fmt(&b, "%s", big); /* longer than one fmt call allows */
	CHECK_INT(1, b.failed);
	td_strbuf_release(&b);
	CHECK(b.p == NULL);
	td_strbuf_add(&b, big, TD_STRBUF_MAX);
	CHECK_INT(1, b.failed);
	CHECK(b.p == NULL);
	td_strbuf_release(&b);
	td_strbuf_release(NULL);
}

static void test_outfile(const char *dir)
{
	char path[4200];
	td_outfile out;
	td_error err;
	struct stat st;

	snprintf(path, sizeof(path), "%s/o.txt", dir);
	unlink(path);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_outfile_open(&out, path, 0600, &err));
	fputs("x", out.fp);
	CHECK(access(path, F_OK) != 0); /* nothing at the target until commit */
	CHECK_INT(TD_OK, td_outfile_commit(&out, &err));
	CHECK_INT(0, stat(path, &st));
	CHECK_INT(0600, st.st_mode & 0777);
	CHECK_INT(1, st.st_size);

	CHECK_INT(TD_OK, td_outfile_open(&out, path, 0644, &err));
	fputs("partial", out.fp);
	td_outfile_abort(&out);
	CHECK_INT(0, stat(path, &st));
	CHECK_INT(1, st.st_size); /* the old file is untouched */

	snprintf(path, sizeof(path), "%s/no/such/dir/o.txt", dir);
	CHECK_INT(TD_ERR_IO, td_outfile_open(&out, path, 0644, &err));
	CHECK(strstr(err.msg, "no/such/dir/o.txt") != NULL);
}

/* A zone built from its central meridian projects like the EPSG definition. */
static void test_crs(void)
{
	td_ctx *ctx = NULL;
	td_error err;
	char def[512];
	PJ *built, *epsg, *t1, *t2;
	PJ_COORD in, a, b;

	td_error_init(&err);
	CHECK_INT(TD_OK, td_ctx_new(NULL, &ctx, &err));
	td_crs_vn2000_tm3(105.0, def, sizeof(def));
	built = proj_create_crs_to_crs(ctx->proj, "EPSG:4326", def, NULL);
	epsg = proj_create_crs_to_crs(ctx->proj, "EPSG:4326", "EPSG:5897", NULL);
	CHECK(built != NULL && epsg != NULL);
	t1 = proj_normalize_for_visualization(ctx->proj, built);
	t2 = proj_normalize_for_visualization(ctx->proj, epsg);
	in = proj_coord(105.85, 21.03, 0, 0); /* Hà Nội, lon/lat */
	a = proj_trans(t1, PJ_FWD, in);
	b = proj_trans(t2, PJ_FWD, in);
	CHECK_DBL(b.xy.x, a.xy.x, 0.001);
	CHECK_DBL(b.xy.y, a.xy.y, 0.001);
	CHECK(a.xy.x > 580000 && a.xy.x < 600000);
	proj_destroy(t1);
	proj_destroy(t2);
	proj_destroy(built);
	proj_destroy(epsg);
	{
		td_crs crs;
		CHECK_INT(TD_OK, td_crs_from_province(ctx, "31", &crs, &err));
		CHECK_INT(9210, crs.srs_id);
		CHECK_STR("EPSG", crs.org);
		td_crs_release(&crs);
		CHECK_INT(TD_ERR_USAGE, td_crs_from_province(ctx, "99", &crs, &err));
		td_crs_release(&crs);
	}
	td_ctx_free(ctx);
}

/* The CSV writer: byte order mark, separator, quoting, formulas neutralised, numbers rounded. */
static void test_csv(const char *dir)
{
	char path[4200], got[512];
	size_t n;
	td_csv csv;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cells.csv", dir);
	f = fopen(path, "wb");
	td_csv_start(&csv, f, ';');
	td_csv_text(&csv, "a;b");
	td_csv_text(&csv, "=1+2");
	td_csv_text(&csv, "-12.5");
	td_csv_text(&csv, "-1+2");
	td_csv_text(&csv, "@SUM(A1)");
	td_csv_text(&csv, "\tx");
	td_csv_text(&csv, NULL);
	td_csv_text(&csv, "say \"hi\"");
	td_csv_end_row(&csv);
	td_csv_number(&csv, 0.03830626616174111);
	td_csv_number(&csv, 600185.0);
	td_csv_number(&csv, -0.0001234);
	td_csv_number(&csv, 2.5);
	td_csv_end_row(&csv);
	fclose(f);
	f = fopen(path, "rb");
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	CHECK_STR("\xEF\xBB\xBF\"a;b\";\"'=1+2\";-12.5;\"'-1+2\";\"'@SUM(A1)\";\"'\tx\";;\"say \"\"hi\"\"\"\n"
		  "0.038;600185;-0.000123;2.5\n",
		  got);
	CHECK_INT(0, td_csv_is_formula("-inf") == 0);
	CHECK_INT(0, td_csv_is_formula(""));
}

int main(void)
{
	const char *dir = tap_tmpdir("core");

	GDALAllRegister();

	test_ini(dir);
	test_rules();
	test_text();
	test_strbuf();
	test_outfile(dir);
	test_csv(dir);
	test_crs();
	return tap_done();
}
