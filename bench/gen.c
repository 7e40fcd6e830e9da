/*
 * gen: write a synthetic cadastral data set (map, register and a truth list
 * of the defects injected into them) for benchmarks and end-to-end tests.
 * Parcels are exact rectangles on a grid of sheets per commune, so a clean
 * run has no overlap, no gap and no invalid geometry; a seeded choice of
 * parcels then gets one defect each from the table `kinds` below. Output is
 * a pure function of the options: the same seed gives the same files.
 * Streams parcel by parcel in key order; memory does not grow with --parcels.
 * Uses only GDAL/OGR and libc, not lib/, so it can test lib/ from outside.
 * See bench/README.md for the layout of the data and how to add a defect.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define USAGE                                                                                     \
	"usage: gen --parcels N --out DIR [--seed S] [--defect-rate R] [--communes C]\n"          \
	"           [--format gpkg|shp] [--crs-epsg CODE]\n"

/* Limits that keep every number in range: commune codes stay 5 digits, ints do not overflow. */
#define MAX_PARCELS 100000000LL
#define FIRST_COMMUNE 11311
#define COMMUNE_STEP 3
#define MAX_COMMUNES ((99999 - FIRST_COMMUNE) / COMMUNE_STEP + 1)
/* Like Hải Phòng after the 2025 merger: 750,000 parcels in 114 communes. */
#define PARCELS_PER_COMMUNE 6600.0

/*
 * A sheet is GRID x GRID cells. Columns come in pairs of widths CELL_W + d and
 * CELL_W - d (d a multiple of 0.5 m), rows in pairs of heights CELL_H + e and
 * CELL_H - e (e whole metres), so every sheet is exactly SHEET_W x SHEET_H,
 * every vertex is a multiple of 0.5 m (exact in a double) and every area is
 * a multiple of 0.5 m²: rounding it to 0.1 m² is exact, never a tie.
 */
#define GRID 20
#define SHEET_MAX (GRID * GRID)
#define CELL_W 20.0
#define CELL_H 25.0
#define SHEET_W (GRID * CELL_W)
#define SHEET_H (GRID * CELL_H)
/* North-west corner of commune 1 in EPSG:9210 (VN-2000 TM-3 105°45'), inside Hải Phòng. */
#define ORIGIN_E 585000.0
#define ORIGIN_N 2325000.0

/* Independent random streams, so that adding a defect kind does not move the owners. */
enum stream { STREAM_DEFECTS = 1, STREAM_PARCEL = 2, STREAM_SHEET = 3 };

#define MAX_VERTS 16 /* ring points, closing point included; room for later defects */

typedef struct gen_options {
	long long parcels;
	const char *out;
	uint64_t seed;
	double defect_rate;
	long long communes; /* 0: derived from parcels */
	int shp;            /* 0: GeoPackage, 1: shapefile */
	int epsg;
} gen_options;

typedef struct keys {
	char commune[12]; /* 5 digits; room for a malformed code */
	int sheet;
	int number;
} keys;

/*
 * One parcel as both outputs will show it. A defect edits the map side or the
 * register side (or drops one); `key` stays what truth.csv reports.
 */
typedef struct parcel {
	keys key;
	double x0, y0, x1, y1; /* the cell: west, south, east, north */
	double area;           /* true area of the cell, m² */
	struct {
		int present;
		keys key;
		int nverts;
		double xy[MAX_VERTS][2];
		char landuse[8];
		double area; /* DienTich */
	} map;
	struct {
		int present;
		keys key;
		double area;
		char landuse[8];
		char name[64];
		char cccd[16];
		int birth_year;
		int female;
	} reg;
} parcel;

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every platform. */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_next(rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* A stream keyed by (seed, stream, a, b): the same key always gives the same numbers. */
static void rng_init(rng *r, uint64_t seed, enum stream stream, uint64_t a, uint64_t b)
{
	r->s = mix64(seed ^ mix64((uint64_t)stream ^ mix64(a ^ mix64(b))));
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static uint64_t rng_below(rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

static double round1(double v)
{
	return round(v * 10.0) / 10.0;
}

/* ---- defect kinds ------------------------------------------------------------------------ */

static void defect_geom_invalid(parcel *p, rng *r)
{
	/* Swap the 3rd and 4th corners: a bow-tie crossing at the centre, still inside the cell. */
	double tx = p->map.xy[2][0], ty = p->map.xy[2][1];

	(void)r;
	p->map.xy[2][0] = p->map.xy[3][0];
	p->map.xy[2][1] = p->map.xy[3][1];
	p->map.xy[3][0] = tx;
	p->map.xy[3][1] = ty;
}

static void defect_area_mismatch(parcel *p, rng *r)
{
	(void)r;
	p->reg.area = round1(p->area * 1.25);
}

static void defect_map_no_register(parcel *p, rng *r)
{
	(void)r;
	p->reg.present = 0;
}

static void defect_register_no_map(parcel *p, rng *r)
{
	(void)r;
	p->map.present = 0;
}

/*
 * Defects are dealt out in this order, one per chosen parcel, round robin;
 * truth.csv sorts by rule_id whatever the order here. To add a kind, write a
 * function that edits the parcel (r is a stream private to the parcel) and
 * add a row; existing seeds then put the old kinds on other parcels.
 */
static const struct defect_kind {
	const char *rule_id;
	void (*apply)(parcel *p, rng *r);
} kinds[] = {
	{"GEOM_INVALID", defect_geom_invalid},
	{"AREA_MISMATCH", defect_area_mismatch},
	{"MAP_NO_REGISTER", defect_map_no_register},
	{"REGISTER_NO_MAP", defect_register_no_map},
};

/* ---- clean parcels ----------------------------------------------------------------------- */

static const char *const landuse_codes[] = {"LUC", "ONT", "ODT", "CLN", "HNK", "NTS"};
static const char *const provinces[] = {"001", "030", "031", "033", "034"};
static const char *const family_names[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ",
					   "Đặng",   "Bùi",  "Đỗ", "Hồ",   "Ngô",   "Dương"};
static const char *const middle_male[] = {"Văn", "Hữu", "Đức", "Minh"};
static const char *const middle_female[] = {"Thị", "Thu", "Ngọc", "Minh"};
static const char *const given_male[] = {"An",   "Bình", "Cường", "Dũng", "Khánh",
					 "Long", "Quang", "Sơn",  "Tuấn", "Việt"};
static const char *const given_female[] = {"An",    "Hà",   "Hồng",  "Hương", "Khánh", "Lan",
					   "Nhung", "Phương", "Thảo", "Trang", "Yến"};

#define PICK(r, list) ((list)[rng_below((r), ARRAY_SIZE(list))])

/* One sheet's column and row edges, as offsets from its north-west corner. */
typedef struct sheet_grid {
	double colx[GRID + 1];
	double rowy[GRID + 1];
} sheet_grid;

static void sheet_grid_init(sheet_grid *g, uint64_t seed, long long commune, int sheet)
{
	rng r;

	rng_init(&r, seed, STREAM_SHEET, (uint64_t)commune, (uint64_t)sheet);
	g->colx[0] = 0.0;
	g->rowy[0] = 0.0;
	for (int i = 0; i < GRID; i += 2) {
		double d = 0.5 * (double)((int)rng_below(&r, 9) - 4); /* -2.0 .. 2.0 m */
		double e = (double)((int)rng_below(&r, 9) - 4);       /* -4 .. 4 m */

		g->colx[i + 1] = g->colx[i] + CELL_W + d;
		g->colx[i + 2] = g->colx[i + 1] + CELL_W - d;
		g->rowy[i + 1] = g->rowy[i] + CELL_H + e;
		g->rowy[i + 2] = g->rowy[i + 1] + CELL_H - e;
	}
}

/*
 * Fill p with a clean parcel: cell (row, col) of a sheet whose north-west
 * corner is (west, north); owner and land use from the parcel's own stream.
 */
static void parcel_make(parcel *p, const keys *k, const sheet_grid *g, double west, double north,
			int row, int col, rng *r)
{
	const char *family, *middle, *given, *province;
	unsigned serial;

	memset(p, 0, sizeof(*p));
	p->key = *k;
	p->x0 = west + g->colx[col];
	p->x1 = west + g->colx[col + 1];
	p->y1 = north - g->rowy[row];
	p->y0 = north - g->rowy[row + 1];
	p->area = (p->x1 - p->x0) * (p->y1 - p->y0);

	p->map.present = 1;
	p->map.key = *k;
	p->map.nverts = 5; /* counter-clockwise, closed */
	p->map.xy[0][0] = p->x0, p->map.xy[0][1] = p->y0;
	p->map.xy[1][0] = p->x1, p->map.xy[1][1] = p->y0;
	p->map.xy[2][0] = p->x1, p->map.xy[2][1] = p->y1;
	p->map.xy[3][0] = p->x0, p->map.xy[3][1] = p->y1;
	p->map.xy[4][0] = p->x0, p->map.xy[4][1] = p->y0;
	p->map.area = round1(p->area);

	p->reg.present = 1;
	p->reg.key = *k;
	p->reg.area = p->map.area;
	snprintf(p->reg.landuse, sizeof(p->reg.landuse), "%s", PICK(r, landuse_codes));
	snprintf(p->map.landuse, sizeof(p->map.landuse), "%s", p->reg.landuse);

	p->reg.female = (int)rng_below(r, 2);
	p->reg.birth_year = 1940 + (int)rng_below(r, 66); /* 1940 .. 2005 */
	family = PICK(r, family_names);
	middle = p->reg.female ? PICK(r, middle_female) : PICK(r, middle_male);
	given = p->reg.female ? PICK(r, given_female) : PICK(r, given_male);
	snprintf(p->reg.name, sizeof(p->reg.name), "%s %s %s", family, middle, given);

	/* CCCD: province, century and sex, two-digit birth year, six-digit serial. */
	province = PICK(r, provinces);
	serial = (unsigned)rng_below(r, 1000000);
	snprintf(p->reg.cccd, sizeof(p->reg.cccd), "%s%d%02d%06u", province,
		 (p->reg.birth_year >= 2000 ? 2 : 0) + p->reg.female, p->reg.birth_year % 100,
		 serial);
}

/* ---- output helpers ---------------------------------------------------------------------- */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "gen: <message>" and return -1, so callers can `return fail(...)`. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* A failed GDAL call: what we tried, on which path, and what GDAL said. */
static int gdal_fail(const char *what, const char *path)
{
	const char *msg = CPLGetLastErrorMsg();

	if (msg && *msg)
		return fail("%s '%s': %s", what, path, msg);
	return fail("%s '%s'", what, path);
}

static int join_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return fail("path too long: '%s/%s'", dir, name);
	return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char buf[PATH_MAX];
	struct stat st;
	int n = snprintf(buf, sizeof(buf), "%s", dir);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return fail("path too long: '%s'", dir);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return fail("cannot create directory '%s': %s", buf, strerror(errno));
		*s = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return fail("cannot create directory '%s': %s", buf, strerror(errno));
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
		return fail("not a directory: '%s'", buf);
	return 0;
}

/* Remove the map files of an earlier run in either format, so DIR holds one map only. */
static int remove_old_maps(const char *dir)
{
	static const char *const names[] = {"map.gpkg", "map.gpkg-wal", "map.gpkg-shm",
					    "map.gpkg-journal", "map.shp", "map.shx",
					    "map.dbf", "map.prj", "map.cpg", "map.qix"};
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (join_path(path, sizeof(path), dir, names[i]) != 0)
			return -1;
		if (unlink(path) != 0 && errno != ENOENT)
			return fail("cannot remove '%s': %s", path, strerror(errno));
	}
	return 0;
}

/* Write s as one RFC 4180 field: quoted only if it holds a comma, quote or line break. */
static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* Close fp and report a write error seen at any point, so a full disk is a failure. */
static int close_file(FILE *fp, const char *path)
{
	int bad = ferror(fp);

	/* fclose flushes the buffer, so on a full disk it fails too, with the reason in errno. */
	if (fclose(fp) != 0)
		return fail("cannot write '%s': %s", path, strerror(errno));
	if (bad)
		return fail("cannot write '%s': write error", path);
	return 0;
}

/* ---- map writer -------------------------------------------------------------------------- */

typedef struct map_writer {
	char path[PATH_MAX];
	int shp;
	GDALDatasetH ds;
	OGRSpatialReferenceH srs;
	OGRLayerH layer;
	OGRFeatureH feat;  /* reused for every parcel */
	OGRGeometryH ring; /* owned by feat's polygon */
	int in_txn;
	int f_maxa, f_soto, f_sothua, f_loaidat, f_dientich;
} map_writer;

static int add_field(map_writer *m, const char *name, OGRFieldType type, int width, int prec)
{
	OGRFieldDefnH fld = OGR_Fld_Create(name, type);
	OGRErr rc;

	if (!fld)
		return gdal_fail("cannot create field definition for", m->path);
	/* Widths matter to the DBF only; in a GeoPackage they would become TEXT(n) limits. */
	if (m->shp) {
		OGR_Fld_SetWidth(fld, width);
		OGR_Fld_SetPrecision(fld, prec);
	}
	rc = OGR_L_CreateField(m->layer, fld, TRUE);
	OGR_Fld_Destroy(fld);
	if (rc != OGRERR_NONE)
		return gdal_fail("cannot create field in", m->path);
	return 0;
}

static int field_index(map_writer *m, const char *name, int *out)
{
	*out = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(m->layer), name);
	if (*out < 0)
		return fail("field '%s' missing after creation in '%s'", name, m->path);
	return 0;
}

/* Create the map file in dir and its layer `parcels`; m must be zeroed. */
static int map_open(map_writer *m, const char *dir, int shp, int epsg)
{
	char *gpkg_opts[] = {"GEOMETRY_NAME=geom", "FID=fid", "SPATIAL_INDEX=YES", NULL};
	char *shp_opts[] = {"ENCODING=UTF-8", NULL};
	GDALDriverH drv;
	OGRGeometryH poly = NULL, ring = NULL;

	m->shp = shp;
	if (join_path(m->path, sizeof(m->path), dir, shp ? "map.shp" : "map.gpkg") != 0)
		return -1;
	drv = GDALGetDriverByName(shp ? "ESRI Shapefile" : "GPKG");
	if (!drv)
		return gdal_fail("no GDAL driver to write", m->path);
	m->srs = OSRNewSpatialReference(NULL);
	if (!m->srs)
		return gdal_fail("cannot make a spatial reference for", m->path);
	if (OSRImportFromEPSG(m->srs, epsg) != OGRERR_NONE)
		return fail("unknown CRS EPSG:%d for '%s': %s", epsg, m->path,
			    CPLGetLastErrorMsg());
	/* Write easting first whatever axis order the EPSG definition declares. */
	OSRSetAxisMappingStrategy(m->srs, OAMS_TRADITIONAL_GIS_ORDER);

	m->ds = GDALCreate(drv, m->path, 0, 0, 0, GDT_Unknown, NULL);
	if (!m->ds)
		return gdal_fail("cannot create", m->path);
	m->layer = GDALDatasetCreateLayer(m->ds, "parcels", m->srs, wkbPolygon,
					  shp ? shp_opts : gpkg_opts);
	if (!m->layer)
		return gdal_fail("cannot create layer 'parcels' in", m->path);
	if (add_field(m, "MaXa", OFTString, 5, 0) || add_field(m, "SoTo", OFTInteger, 9, 0) ||
	    add_field(m, "SoThua", OFTInteger, 9, 0) ||
	    add_field(m, "LoaiDat", OFTString, 10, 0) ||
	    add_field(m, "DienTich", OFTReal, 12, 1))
		return -1;
	if (field_index(m, "MaXa", &m->f_maxa) || field_index(m, "SoTo", &m->f_soto) ||
	    field_index(m, "SoThua", &m->f_sothua) || field_index(m, "LoaiDat", &m->f_loaidat) ||
	    field_index(m, "DienTich", &m->f_dientich))
		return -1;

	m->feat = OGR_F_Create(OGR_L_GetLayerDefn(m->layer));
	poly = OGR_G_CreateGeometry(wkbPolygon);
	ring = OGR_G_CreateGeometry(wkbLinearRing);
	if (!m->feat || !poly || !ring)
		goto geom_fail;
	m->ring = ring;
	ring = NULL; /* poly owns it from here, even if adding fails */
	if (OGR_G_AddGeometryDirectly(poly, m->ring) != OGRERR_NONE)
		goto geom_fail;
	if (OGR_F_SetGeometryDirectly(m->feat, poly) != OGRERR_NONE) {
		poly = NULL; /* taken even on failure */
		goto geom_fail;
	}

	/* Shapefiles have no transactions; one for the GeoPackage is what makes it fast. */
	if (!shp) {
		if (GDALDatasetStartTransaction(m->ds, FALSE) != OGRERR_NONE)
			return gdal_fail("cannot start a transaction in", m->path);
		m->in_txn = 1;
	}
	return 0;

geom_fail:
	if (ring)
		OGR_G_DestroyGeometry(ring);
	if (poly)
		OGR_G_DestroyGeometry(poly);
	m->ring = NULL;
	return gdal_fail("cannot make a feature for", m->path);
}

static int map_put(map_writer *m, const parcel *p)
{
	const keys *k = &p->map.key;

	OGR_F_SetFID(m->feat, OGRNullFID); /* else the second insert reuses the first FID */
	OGR_F_SetFieldString(m->feat, m->f_maxa, k->commune);
	OGR_F_SetFieldInteger(m->feat, m->f_soto, k->sheet);
	OGR_F_SetFieldInteger(m->feat, m->f_sothua, k->number);
	OGR_F_SetFieldString(m->feat, m->f_loaidat, p->map.landuse);
	OGR_F_SetFieldDouble(m->feat, m->f_dientich, p->map.area);
	OGR_G_SetPointCount(m->ring, p->map.nverts);
	for (int i = 0; i < p->map.nverts; i++)
		OGR_G_SetPoint_2D(m->ring, i, p->map.xy[i][0], p->map.xy[i][1]);
	if (OGR_L_CreateFeature(m->layer, m->feat) != OGRERR_NONE) {
		char what[96];

		snprintf(what, sizeof(what), "cannot write parcel %s/%d/%d to", k->commune,
			 k->sheet, k->number);
		return gdal_fail(what, m->path);
	}
	return 0;
}

/* Commit and close; a failure at close (full disk) is reported. */
static int map_finish(map_writer *m)
{
	GDALDatasetH ds = m->ds;

	if (m->in_txn) {
		m->in_txn = 0;
		if (GDALDatasetCommitTransaction(m->ds) != OGRERR_NONE)
			return gdal_fail("cannot commit", m->path);
	}
	if (OGR_L_SyncToDisk(m->layer) != OGRERR_NONE)
		return gdal_fail("cannot write", m->path);
	OGR_F_Destroy(m->feat);
	m->feat = NULL;
	m->ds = NULL;
	CPLErrorReset();
	GDALClose(ds); /* void before GDAL 3.8: errors only show in the error state */
	if (CPLGetLastErrorType() >= CE_Failure)
		return gdal_fail("cannot close", m->path);
	return 0;
}

/* Free what map_open made; safe after a failure at any point and after map_finish. */
static void map_release(map_writer *m)
{
	if (m->feat)
		OGR_F_Destroy(m->feat);
	if (m->ds) {
		if (m->in_txn)
			GDALDatasetRollbackTransaction(m->ds);
		GDALClose(m->ds);
	}
	if (m->srs)
		OSRRelease(m->srs);
	memset(m, 0, sizeof(*m));
}

/* ---- register and truth ------------------------------------------------------------------ */

static void register_put(FILE *fp, const parcel *p)
{
	const keys *k = &p->reg.key;

	csv_field(fp, k->commune);
	fprintf(fp, ",%d,%d,%.1f,", k->sheet, k->number, p->reg.area);
	csv_field(fp, p->reg.landuse);
	fputc(',', fp);
	csv_field(fp, p->reg.name);
	fputc(',', fp);
	csv_field(fp, p->reg.cccd);
	fprintf(fp, ",%d,%s\n", p->reg.birth_year, p->reg.female ? "Nữ" : "Nam");
}

static int by_rule_id(const void *a, const void *b)
{
	const struct defect_kind *ka = &kinds[*(const size_t *)a], *kb = &kinds[*(const size_t *)b];

	return strcmp(ka->rule_id, kb->rule_id);
}

/*
 * Parcels come in key order, so each kind's rows come sorted; write the
 * kinds' scratch files one after the other in rule_id order.
 */
static int truth_write(const char *path, FILE *const parts[])
{
	size_t order[ARRAY_SIZE(kinds)];
	char buf[1 << 16];
	FILE *fp;

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		order[i] = i;
	qsort(order, ARRAY_SIZE(order), sizeof(order[0]), by_rule_id);
	fp = fopen(path, "w");
	if (!fp)
		return fail("cannot create '%s': %s", path, strerror(errno));
	fputs("rule_id,commune,sheet,parcel\n", fp);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		FILE *part = parts[order[i]];
		size_t n;

		if (fflush(part) != 0 || fseek(part, 0, SEEK_SET) != 0) {
			fclose(fp);
			return fail("cannot read back a temporary file for '%s': %s", path,
				    strerror(errno));
		}
		while ((n = fread(buf, 1, sizeof(buf), part)) > 0)
			if (fwrite(buf, 1, n, fp) != n) {
				fail("cannot write '%s': %s", path, strerror(errno));
				fclose(fp);
				return -1;
			}
		if (ferror(part)) {
			fclose(fp);
			return fail("cannot read back a temporary file for '%s'", path);
		}
	}
	return close_file(fp, path);
}

/* ---- the generator ----------------------------------------------------------------------- */

static long long ceil_div(long long a, long long b)
{
	return (a + b - 1) / b;
}

static long long ceil_sqrt(long long n)
{
	long long r = (long long)sqrt((double)n);

	while (r * r < n)
		r++;
	while (r > 1 && (r - 1) * (r - 1) >= n)
		r--;
	return r;
}

/* Everything one run writes to, and where it stands. */
typedef struct gen_run {
	map_writer map;
	FILE *reg;
	FILE *parts[ARRAY_SIZE(kinds)]; /* truth rows per kind, joined at the end */
	char reg_path[PATH_MAX];
	char truth_path[PATH_MAX];
	uint64_t seed;
	rng pick;            /* which parcels get a defect */
	long long parcels;   /* in the whole run */
	long long defects;   /* to inject in the whole run */
	long long chosen;    /* injected so far */
	long long nth;       /* parcels written so far */
} gen_run;

/* Maybe give p a defect, then write it to the map, the register and the truth. */
static int put_parcel(gen_run *g, parcel *p, rng *own)
{
	/* Selection sampling (Knuth 3.4.2 S): exactly g->defects picks, spread evenly, in order. */
	if (rng_below(&g->pick, (uint64_t)(g->parcels - g->nth)) <
	    (uint64_t)(g->defects - g->chosen)) {
		size_t kind = (size_t)(g->chosen++ % (long long)ARRAY_SIZE(kinds));

		kinds[kind].apply(p, own);
		if (fprintf(g->parts[kind], "%s,%s,%d,%d\n", kinds[kind].rule_id, p->key.commune,
			    p->key.sheet, p->key.number) < 0)
			return fail("cannot write a temporary file for '%s': %s", g->truth_path,
				    strerror(errno));
	}
	g->nth++;
	if (p->map.present && map_put(&g->map, p) != 0)
		return -1;
	if (p->reg.present) {
		register_put(g->reg, p);
		/* Checked per row: errno names the cause only right after the failure. */
		if (ferror(g->reg))
			return fail("cannot write '%s': %s", g->reg_path, strerror(errno));
	}
	return 0;
}

/*
 * Write the first `count` parcels of sheet k->sheet of the commune with
 * index `commune`, the sheet's north-west corner at (west, north).
 */
static int put_sheet(gen_run *g, long long commune, keys *k, long long count, double west,
		     double north)
{
	sheet_grid grid;
	parcel p;

	sheet_grid_init(&grid, g->seed, commune, k->sheet);
	for (int i = 0; i < count; i++) {
		rng own;

		k->number = i + 1;
		rng_init(&own, g->seed, STREAM_PARCEL, (uint64_t)g->nth, 0);
		parcel_make(&p, k, &grid, west, north, i / GRID, i % GRID, &own);
		if (put_parcel(g, &p, &own) != 0)
			return -1;
	}
	return 0;
}

/*
 * Communes sit in a near-square grid of blocks from the north-west corner,
 * eastwards first; sheets sit the same way inside a commune's block, and
 * parcels row by row inside a sheet. Keys therefore grow in writing order.
 */
static int put_communes(gen_run *g, long long communes)
{
	long long n = g->parcels;
	/* Every commune gets the same block of sheets, sized for the largest. */
	long long sheets_max = ceil_div(ceil_div(n, communes), SHEET_MAX);
	long long sheet_cols = ceil_sqrt(sheets_max);
	long long sheet_rows = ceil_div(sheets_max, sheet_cols);
	long long commune_cols = ceil_sqrt(communes);
	double block_w = (double)sheet_cols * SHEET_W, block_h = (double)sheet_rows * SHEET_H;

	for (long long c = 0; c < communes; c++) {
		long long in_commune = n / communes + (c < n % communes);
		double c_west = ORIGIN_E + (double)(c % commune_cols) * block_w;
		double c_north = ORIGIN_N - (double)(c / commune_cols) * block_h;
		keys k;

		snprintf(k.commune, sizeof(k.commune), "%05d",
			 FIRST_COMMUNE + COMMUNE_STEP * (int)c);
		for (long long s = 0; s * SHEET_MAX < in_commune; s++) {
			long long in_sheet = in_commune - s * SHEET_MAX;

			k.sheet = (int)s + 1;
			if (put_sheet(g, c, &k, in_sheet < SHEET_MAX ? in_sheet : SHEET_MAX,
				      c_west + (double)(s % sheet_cols) * SHEET_W,
				      c_north - (double)(s / sheet_cols) * SHEET_H) != 0)
				return -1;
		}
	}
	return 0;
}

static int generate(const gen_options *o)
{
	gen_run g = {0};
	long long communes = o->communes;
	int ret = -1;

	if (communes == 0)
		communes = llround((double)o->parcels / PARCELS_PER_COMMUNE);
	if (communes < 1)
		communes = 1;
	assert(communes <= MAX_COMMUNES && communes <= o->parcels);
	g.seed = o->seed;
	g.parcels = o->parcels;
	g.defects = llround((double)o->parcels * o->defect_rate);
	rng_init(&g.pick, o->seed, STREAM_DEFECTS, 0, 0);

	if (make_dirs(o->out) != 0 || remove_old_maps(o->out) != 0 ||
	    join_path(g.reg_path, sizeof(g.reg_path), o->out, "register.csv") != 0 ||
	    join_path(g.truth_path, sizeof(g.truth_path), o->out, "truth.csv") != 0)
		goto done;
	for (size_t i = 0; i < ARRAY_SIZE(g.parts); i++) {
		g.parts[i] = tmpfile();
		if (!g.parts[i]) {
			fail("cannot create a temporary file for '%s': %s", g.truth_path,
			     strerror(errno));
			goto done;
		}
	}
	g.reg = fopen(g.reg_path, "w");
	if (!g.reg) {
		fail("cannot create '%s': %s", g.reg_path, strerror(errno));
		goto done;
	}
	fputs("Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,"
	      "Giới tính\n",
	      g.reg);
	if (map_open(&g.map, o->out, o->shp, o->epsg) != 0 || put_communes(&g, communes) != 0 ||
	    map_finish(&g.map) != 0)
		goto done;
	assert(g.nth == g.parcels && g.chosen == g.defects);
	ret = close_file(g.reg, g.reg_path);
	g.reg = NULL;
	if (ret != 0)
		goto done;
	ret = truth_write(g.truth_path, g.parts);
done:
	map_release(&g.map);
	if (g.reg)
		fclose(g.reg);
	for (size_t i = ARRAY_SIZE(g.parts); i-- > 0;)
		if (g.parts[i])
			fclose(g.parts[i]);
	return ret;
}

/* ---- command line ------------------------------------------------------------------------ */

static int parse_ll(const char *opt, const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "gen: %s wants a whole number from %lld to %lld, not '%s'\n", opt,
			min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, gen_options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;
		long long v;

		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			fputs(USAGE, stdout);
			exit(0);
		}
		if (strncmp(opt, "--", 2) != 0 || i + 1 >= argc) {
			fprintf(stderr, "gen: %s '%s'\n",
				strncmp(opt, "--", 2) ? "unexpected argument" : "missing value for",
				opt);
			return -1;
		}
		val = argv[++i];
		if (!strcmp(opt, "--parcels")) {
			if (parse_ll(opt, val, 1, MAX_PARCELS, &o->parcels))
				return -1;
		} else if (!strcmp(opt, "--out")) {
			if (!*val) {
				fputs("gen: --out wants a directory\n", stderr);
				return -1;
			}
			o->out = val;
		} else if (!strcmp(opt, "--seed")) {
			char *end;

			errno = 0;
			o->seed = strtoull(val, &end, 10);
			if (errno || end == val || *end || *val == '-') {
				fprintf(stderr, "gen: --seed wants a whole number, not '%s'\n",
					val);
				return -1;
			}
		} else if (!strcmp(opt, "--defect-rate")) {
			char *end;

			errno = 0;
			o->defect_rate = strtod(val, &end);
			if (errno || end == val || *end || !(o->defect_rate >= 0.0) ||
			    o->defect_rate > 1.0) {
				fprintf(stderr,
					"gen: --defect-rate wants a number from 0 to 1, not '%s'\n",
					val);
				return -1;
			}
		} else if (!strcmp(opt, "--communes")) {
			if (parse_ll(opt, val, 1, MAX_COMMUNES, &o->communes))
				return -1;
		} else if (!strcmp(opt, "--format")) {
			if (strcmp(val, "gpkg") && strcmp(val, "shp")) {
				fprintf(stderr, "gen: --format wants gpkg or shp, not '%s'\n", val);
				return -1;
			}
			o->shp = !strcmp(val, "shp");
		} else if (!strcmp(opt, "--crs-epsg")) {
			if (parse_ll(opt, val, 1, INT_MAX, &v))
				return -1;
			o->epsg = (int)v;
		} else {
			fprintf(stderr, "gen: unknown option '%s'\n", opt);
			return -1;
		}
	}
	if (!o->parcels || !o->out) {
		fputs("gen: --parcels and --out are required\n", stderr);
		return -1;
	}
	if (o->communes > o->parcels) {
		fprintf(stderr, "gen: --communes %lld is more than --parcels %lld\n", o->communes,
			o->parcels);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	gen_options o = {.seed = 1, .defect_rate = 0.02, .epsg = 9210};

	if (parse_args(argc, argv, &o) != 0) {
		fputs(USAGE, stderr);
		return 2;
	}
	GDALAllRegister();
	/* Messages are read back with CPLGetLastErrorMsg and printed once, as "gen: ...". */
	CPLSetErrorHandler(CPLQuietErrorHandler);
	/* Fixed gpkg_contents.last_change, so the same options give the same map file. */
	CPLSetConfigOption("OGR_CURRENT_DATE", "2025-07-01T00:00:00.000Z");
	if (generate(&o) != 0)
		return 1;
	return 0;
}
