/* Scratch files and the workspace template shared by the fuzz harnesses (see fuzz.h). */
#include "fuzz.h"

#include "ingest.h"

#include <cpl_error.h>
#include <dirent.h>
#include <gdal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[4096];
static char pathbuf[4200];
static td_ctx *ctx;
static unsigned char *ws_bytes; /* the template workspace's file */
static size_t ws_size;

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, msg);
	abort();
}

static void cleanup(void)
{
	td_ctx_free(ctx);
	ctx = NULL;
	free(ws_bytes);
	ws_bytes = NULL;
	if (scratch[0]) {
		DIR *d = opendir(scratch); /* flat: only files the harness wrote */
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				remove(fz_path(e->d_name));
		if (d)
			closedir(d);
		rmdir(scratch);
	}
	scratch[0] = '\0';
}

void fz_init(void)
{
	const char *base = getenv("TD_FUZZ_TMP");
	td_error err;

	if (ctx)
		return;
	if (!base || !*base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(scratch, sizeof(scratch), "%s/td-fuzz-XXXXXX", base);
	if (!mkdtemp(scratch))
		die(scratch, "cannot create the scratch folder");
	atexit(cleanup);
	GDALAllRegister();
	CPLSetErrorHandler(CPLQuietErrorHandler); /* GDAL's own complaints about bad input are expected */
	td_error_init(&err);
	if (td_ctx_new(TD_SCHEMAS, &ctx, &err) != TD_OK)
		die("context", err.msg);
}

td_ctx *fz_ctx(void)
{
	return ctx;
}

const char *fz_path(const char *name)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", scratch, name);
	return pathbuf;
}

const char *fz_write(const char *name, const uint8_t *data, size_t size)
{
	const char *path = fz_path(name);
	FILE *f = fopen(path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		die(path, "cannot write");
	return path;
}

td_status fz_note(const char *what, td_status rc, const td_error *err)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("TD_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "%s: %s%s%s\n", what, td_strerror(rc), rc == TD_OK ? "" : ": ",
			rc == TD_OK ? "" : err->msg);
	return rc;
}

char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		die("input", "out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

const char *fz_table_ext(const uint8_t *data, size_t size)
{
	static const uint8_t ole2[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

	if (size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		return ".xlsx";
	if (size >= sizeof(ole2) && memcmp(data, ole2, sizeof(ole2)) == 0)
		return ".xls";
	return ".csv";
}

static void read_back(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n = 0;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
		die(path, "cannot read the template");
	ws_size = (size_t)n;
	ws_bytes = malloc(ws_size);
	if (!ws_bytes || fread(ws_bytes, 1, ws_size, f) != ws_size)
		die(path, "cannot read the template");
	fclose(f);
}

void fz_ws_template(int with_demo)
{
	td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
	char path[4200];
	td_ws *ws = NULL;
	td_error err;

	td_error_init(&err);
	snprintf(path, sizeof(path), "%s", fz_path("template.gpkg"));
	o.crs = "EPSG:9210";
	o.force = 1;
	if (td_ws_create(ctx, path, &o, &err) != TD_OK)
		die(path, err.msg);
	if (with_demo) {
		td_ingest_options io = TD_INGEST_OPTIONS_INIT;
		td_ingest_summary sum;
		io.map = TD_FIXTURES "/demo/map.gpkg";
		io.register_path = TD_FIXTURES "/demo/register.csv";
		memset(&sum, 0, sizeof(sum));
		if (td_ws_open(ctx, path, TD_WS_WRITE, &ws, &err) != TD_OK ||
		    td_ingest_run(ws, &io, NULL, NULL, &sum, &err) != TD_OK)
			die(path, err.msg);
		td_ws_close(ws);
	}
	read_back(path);
}

td_ws *fz_ws_fresh(void)
{
	td_ws *ws = NULL;
	td_error err;
	char path[4200];

	td_error_init(&err);
	snprintf(path, sizeof(path), "%s", fz_write("ws.gpkg", ws_bytes, ws_size));
	if (td_ws_open(ctx, path, TD_WS_WRITE, &ws, &err) != TD_OK)
		die(path, err.msg);
	ws->invocation = "fuzz";
	return ws;
}

void fz_ingest_register(const uint8_t *data, size_t size, const char *ext)
{
	td_ingest_options o = TD_INGEST_OPTIONS_INIT;
	td_ingest_summary sum;
	char name[32], path[4200];
	td_error err;
	td_ws *ws;

	snprintf(name, sizeof(name), "register%s", ext);
	snprintf(path, sizeof(path), "%s", fz_write(name, data, size));
	o.register_path = path;
	o.commune = "11311";
	ws = fz_ws_fresh();
	memset(&sum, 0, sizeof(sum));
	td_error_init(&err);
	if (fz_note("register", td_ingest_run(ws, &o, NULL, NULL, &sum, &err), &err) != TD_OK && !err.msg[0])
		abort(); /* a failure names what failed */
	td_ws_close(ws);
}
