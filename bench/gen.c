/*
 * gen: write a synthetic cadastral data set (map, register and a truth list
 * of the defects injected into them) for benchmarks and end-to-end tests.
 * Parcels are exact rectangles on a grid of sheets per commune, owned by a
 * fixed population of consistent owners, so a clean run has no finding of
 * any rule; a seeded choice of parcels then gets one defect each from the
 * table `kinds` below, placed so that it makes exactly one finding of its
 * own rule and disturbs nothing else. Output is a pure function of the
 * options: the same seed gives the same files. Streams one sheet at a time
 * in key order; memory does not grow with --parcels.
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

#define USAGE                                                                                                          \
	"usage: gen --parcels N --out DIR [--seed S] [--defect-rate R] [--communes C]\n"                               \
	"           [--format gpkg|shp] [--crs-epsg CODE]\n"

#define MAX_PARCELS 100000000LL
/* Like Hải Phòng after the 2025 merger: 750,000 parcels in 114 communes. */
#define PARCELS_PER_COMMUNE 6600.0

/*
 * The 114 commune-level units of Hải Phòng from 1 July 2025, ascending.
 * Source: statistics office letter 1027/CTK-CSCL (25 June 2025), as
 * extracted by the dvhcvn project (MIT licence).
 */
static const int commune_codes[] = {
	10507, 10525, 10532, 10537, 10543, 10546, 10549, 10552, 10570, 10573, 10603, 10606, 10615, 10633, 10642,
	10645, 10660, 10675, 10678, 10705, 10714, 10726, 10729, 10744, 10750, 10756, 10792, 10804, 10813, 10816,
	10837, 10843, 10846, 10882, 10888, 10891, 10903, 10909, 10930, 10945, 10966, 10972, 10993, 10999, 11002,
	11020, 11050, 11065, 11074, 11086, 11113, 11131, 11140, 11146, 11164, 11167, 11203, 11218, 11224, 11239,
	11242, 11254, 11257, 11284, 11311, 11329, 11359, 11383, 11407, 11411, 11413, 11443, 11446, 11455, 11473,
	11488, 11503, 11506, 11533, 11542, 11557, 11560, 11581, 11593, 11602, 11617, 11629, 11635, 11647, 11668,
	11674, 11680, 11689, 11692, 11713, 11725, 11728, 11737, 11749, 11755, 11761, 11779, 11791, 11806, 11809,
	11824, 11836, 11842, 11848, 11875, 11887, 11911, 11914, 11948,
};
#define MAX_COMMUNES ((long long)ARRAY_SIZE(commune_codes))
/* What ADMIN_CODE_INVALID puts in place of the commune code: no commune has it. */
#define BAD_COMMUNE "99999"

/*
 * A sheet is GRID x GRID cells. Columns come in pairs of widths CELL_W + d and
 * CELL_W - d (d a multiple of 0.5 m), rows in pairs of heights CELL_H + e and
 * CELL_H - e (e whole metres), so every sheet is exactly SHEET_W x SHEET_H,
 * every vertex is a multiple of 0.5 m (exact in a double) and every area is
 * a multiple of 0.5 m²: rounding it to 0.1 m² is exact, never a tie. Defects
 * move edges by 0.5 or 1 m and keep that true.
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
#define RING 5 /* points of a parcel's ring, closing point included */

/* Defects that found no room in their sheet wait for the next ones, this many at most. */
#define CARRY_MAX 64

/* Independent random streams, so that adding a defect kind does not move the owners. */
enum stream { STREAM_DEFECTS = 1, STREAM_PARCEL = 2, STREAM_SHEET = 3, STREAM_OWNERS = 4 };

typedef struct gen_options {
	long long parcels;
	const char *out;
	uint64_t seed;
	double defect_rate;
	long long communes; /* 0: derived from parcels */
	int shp;            /* 0: GeoPackage, 1: shapefile */
	int epsg;
} gen_options;

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

/* ---- dates ------------------------------------------------------------------------------- */

/* Days since 1970-01-01 in the proleptic Gregorian calendar (Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
	long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

#define NO_DATE LONG_MIN
/*
 * The checker's "today" in tests and benchmarks is 2026-11-01 and its change
 * deadline 30 days: clean pending changes are younger, CHANGE_OVERDUE's older.
 */
#define TODAY_Y 2026
#define TODAY_M 11
#define TODAY_D 1
#define PENDING_MAX_AGE 10 /* days: clean pending changes are 1 to 10 days old */
#define PENDING_SHARE 50   /* about one parcel in this many has a pending change */
#define ISSUE_FIRST_YEAR 1995
#define ISSUE_LAST_YEAR 2024
#define ADULT_AGE 18 /* no certificate before its holder turns 18 */
#define BIRTH_FIRST_YEAR 1940
#define BIRTH_YEARS 66 /* 1940 .. 2005 */

/* ---- owners ------------------------------------------------------------------------------ */

/*
 * Owners are a fixed population: a person is a name and a birth year and has
 * one CCCD, so clean data never shows one CCCD with two names, nor one name
 * and birth year with two CCCDs, however many parcels a person owns. The
 * middle-name lists share no name, so a name also tells the sex. Defects that
 * need an owner nobody else is take a given name from the `own_given` lists,
 * which clean owners never use; each of those has a letter whose TCVN3 bytes
 * shown as Windows-1252 are no Vietnamese syllable ("Hải" -> "H¶i", where
 * "Vũ" -> "Vò" and "Minh" are still words), so TEXT_NOT_CLEAN always shows.
 *
 * CCCD serials (digits 7-12) come from ranges that cannot meet:
 *   [0, 400000)       clean owners, one per person (an injective function of the person)
 *   [400000, 463360)  owners of one row each (CCCD_INVALID, CCCD_LEGACY_CMND, TEXT_NOT_CLEAN)
 *   [463360, 463426)  nameless owners (REQUIRED_MISSING), one per birth year
 *   [500000, 569696)  the second CCCDs of OWNER_ID_CONFLICT, one per clean person
 */
#define POOL_SERIALS 400000u
#define OWN_SERIALS 400000u
#define NAMELESS_SERIALS 463360u
#define SECOND_SERIALS 500000u

static const char *const landuse_codes[] = {"LUC", "ONT", "ODT", "CLN", "HNK", "NTS"};
static const char *const provinces[] = {"001", "030", "031", "033", "034"};
static const char *const gcn_series[] = {"BA", "BH", "BP", "CD", "CH", "CS", "CT", "DA"};
static const char *const family_names[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ",
					   "Đặng",   "Bùi",  "Đỗ", "Hồ",   "Ngô",   "Dương"};
/* OWNER_NAME_MISMATCH: each family name with one letter's diacritic changed; none is in the list above. */
static const char *const family_misspelt[] = {"Nguyên", "Trân", "Le", "Pham", "Hoang", "Vu",
					      "Đăng",   "Bui",  "Đô", "Hô",   "Ngo",   "Dường"};
static const char *const middle_names[2][4] = {{"Văn", "Hữu", "Đức", "Minh"}, {"Thị", "Thu", "Ngọc", "Kim"}};
static const char *const given_names[2][11] = {
	{"An", "Bình", "Cường", "Dũng", "Khánh", "Long", "Quang", "Sơn", "Tuấn", "Việt"},
	{"An", "Hà", "Hồng", "Hương", "Khánh", "Lan", "Nhung", "Phương", "Thảo", "Trang", "Yến"}};
static const int given_count[2] = {10, 11};
static const char *const own_given[2][10] = {
	{"Hải", "Hiếu", "Kiên", "Lâm", "Thắng", "Hùng", "Hưng", "Đạt", "Tài", "Toàn"},
	{"Ngân", "Quyên", "Thủy", "Uyên", "Vân", "Xuân", "Hạnh", "Diệp", "Hằng", "Huyền"}};
#define NFAMILY ((int)ARRAY_SIZE(family_names))
#define NMIDDLE 4
#define NGIVEN 11
#define NOWN 10
/* Names of owners of one row each, per birth year: sex x family x middle x given. */
#define OWN_NAMES (2 * NFAMILY * NMIDDLE * NOWN)

/*
 * TCVN3 (TCVN 5712:1993 VN3) bytes of the non-ASCII letters in the name lists,
 * from the project's table /work/shared/data/vn/tcvn3_vni_unicode_from_unikey.tsv.
 * All are 0xA1 or above, where Windows-1252 agrees with Latin-1.
 */
static const struct {
	unsigned cp;
	unsigned char tcvn3;
} tcvn3_letters[] = {
	{0x00E0, 0xB5}, {0x00E1, 0xB8}, {0x00E2, 0xA9}, {0x00EA, 0xAA}, {0x00EC, 0xD7}, {0x00F4, 0xAB}, {0x00F9, 0xEF},
	{0x00FA, 0xF3}, {0x0103, 0xA8}, {0x0110, 0xA7}, {0x0169, 0xF2}, {0x01A1, 0xAC}, {0x01B0, 0xAD}, {0x1EA1, 0xB9},
	{0x1EA3, 0xB6}, {0x1EA5, 0xCA}, {0x1EA7, 0xC7}, {0x1EAF, 0xBE}, {0x1EB1, 0xBB}, {0x1EB7, 0xC6}, {0x1EBF, 0xD5},
	{0x1EC1, 0xD2}, {0x1EC5, 0xD4}, {0x1EC7, 0xD6}, {0x1ECB, 0xDE}, {0x1ECD, 0xE4}, {0x1ED3, 0xE5}, {0x1ED7, 0xE7},
	{0x1EDD, 0xEA}, {0x1EE7, 0xF1}, {0x1EE9, 0xF8}, {0x1EEF, 0xF7},
};

typedef struct owner {
	char name[96]; /* UTF-8; "" for none */
	char cccd[16];
	int birth_year;
	int female;
	int family, middle, given; /* a clean owner's name parts; -1 for any other owner */
} owner;

/* The defect kinds that give a row an owner of its own; each has a third of the names. */
enum own_use { OWN_CCCD_INVALID, OWN_CMND, OWN_TEXT, OWN_USES };

/* Owners of one row each made so far, per use and birth year: the next gets the next name. */
typedef struct owner_counters {
	unsigned own[OWN_USES][BIRTH_YEARS];
} owner_counters;

/* CCCD digit 4: 0/1 male/female born 1900-1999, 2/3 born 2000-2099. */
static int century_sex(int year, int female)
{
	return (year >= 2000 ? 2 : 0) + female;
}

static void cccd_make(owner *o, const char *province, unsigned serial)
{
	assert(serial < 1000000u);
	snprintf(o->cccd, sizeof(o->cccd), "%s%d%02d%06u", province, century_sex(o->birth_year, o->female),
		 o->birth_year % 100, serial);
}

/* A clean owner's number among all possible clean owners, below POOL_SERIALS. */
static unsigned person_of(const owner *o)
{
	int n = o->female * BIRTH_YEARS + (o->birth_year - BIRTH_FIRST_YEAR);

	assert(o->family >= 0 && o->middle >= 0 && o->given >= 0);
	n = n * NFAMILY + o->family;
	n = n * NMIDDLE + o->middle;
	return (unsigned)(n * NGIVEN + o->given);
}

/* A clean owner: the person (sex, birth year, name parts) decides the CCCD. */
static void owner_person(owner *o, uint64_t seed, int female, int year, int family, int middle, int given)
{
	unsigned person;

	o->female = female;
	o->birth_year = year;
	o->family = family;
	o->middle = middle;
	o->given = given;
	person = person_of(o);
	snprintf(o->name, sizeof(o->name), "%s %s %s", family_names[family], middle_names[female][middle],
		 given_names[female][given]);
	/* 7919 is prime to POOL_SERIALS and person < POOL_SERIALS: no two people share a serial. */
	assert(person < POOL_SERIALS);
	cccd_make(o, provinces[mix64(seed ^ person) % ARRAY_SIZE(provinces)],
		  (unsigned)((person * 7919ull + mix64(seed) % POOL_SERIALS) % POOL_SERIALS));
}

/*
 * An owner of one row, born in `year`: a name no clean owner has, and no
 * other use's. The first OWN_NAMES / OWN_USES of a use and year are distinct
 * people; later ones repeat them, name, year and CCCD alike, so even then no
 * two rows disagree about a person.
 */
static void owner_own(owner *o, owner_counters *c, enum own_use use, int year)
{
	unsigned share = OWN_NAMES / OWN_USES;
	unsigned k = c->own[use][year - BIRTH_FIRST_YEAR]++ % share;
	/* 7 is prime to share: consecutive owners get different family names. */
	unsigned name = (unsigned)use * share + k * 7u % share;
	int female = (int)(name / (OWN_NAMES / 2)), rest = (int)(name % (OWN_NAMES / 2));

	memset(o, 0, sizeof(*o));
	o->female = female;
	o->birth_year = year;
	o->family = o->middle = o->given = -1;
	snprintf(o->name, sizeof(o->name), "%s %s %s", family_names[rest / (NMIDDLE * NOWN)],
		 middle_names[female][rest / NOWN % NMIDDLE], own_given[female][rest % NOWN]);
	cccd_make(o, "031", OWN_SERIALS + (unsigned)(year - BIRTH_FIRST_YEAR) * OWN_NAMES + name);
}

/* A clean owner's second CCCD, for OWNER_ID_CONFLICT: one per person, so repeats agree. */
static void owner_second_id(owner *o)
{
	cccd_make(o, "033", SECOND_SERIALS + person_of(o));
	o->family = o->middle = o->given = -1;
}

/* No name; one CCCD per birth year, so nameless rows agree with each other whatever the checker groups. */
static void owner_nameless(owner *o, int year)
{
	memset(o, 0, sizeof(*o));
	o->birth_year = year;
	o->family = o->middle = o->given = -1;
	cccd_make(o, "031", NAMELESS_SERIALS + (unsigned)(year - BIRTH_FIRST_YEAR));
}

/* Append code point cp to buf as UTF-8. */
static size_t put_utf8(char *buf, size_t at, size_t size, unsigned cp)
{
	if (cp < 0x80 && at + 1 < size) {
		buf[at++] = (char)cp;
	} else if (cp < 0x800 && at + 2 < size) {
		buf[at++] = (char)(0xC0 | cp >> 6);
		buf[at++] = (char)(0x80 | (cp & 0x3F));
	}
	buf[at] = '\0';
	return at;
}

/*
 * What a TCVN3 name looks like when its bytes are read as Windows-1252 and
 * stored as UTF-8: "Đinh Văn A" becomes "§inh V¨n A". Only letters of the
 * name lists occur (asserted); their bytes are all >= 0xA1, where Windows-1252
 * is Latin-1, so each byte is simply the code point.
 */
static void tcvn3_as_cp1252(char *out, size_t size, const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t at = 0;

	out[0] = '\0';
	while (*s) {
		unsigned cp;
		size_t i;

		if (*s < 0x80) {
			cp = *s++;
		} else if ((*s & 0xE0) == 0xC0) {
			cp = (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
			s += 2;
		} else {
			assert((*s & 0xF0) == 0xE0);
			cp = (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
			s += 3;
		}
		if (cp >= 0x80) {
			for (i = 0; i < ARRAY_SIZE(tcvn3_letters) && tcvn3_letters[i].cp != cp; i++)
				;
			assert(i < ARRAY_SIZE(tcvn3_letters));
			cp = tcvn3_letters[i].tcvn3;
		}
		at = put_utf8(out, at, size, cp);
	}
}

/* ---- parcels and sheets ------------------------------------------------------------------ */

typedef struct keys {
	char commune[6]; /* 5 digits */
	int sheet;
	int number;
} keys;

/* One map feature: a closed counter-clockwise ring (a bow-tie once GEOM_SELF_INTERSECTION is done). */
typedef struct polygon {
	double xy[RING][2];
	double area; /* the rectangle's area, m² */
} polygon;

/*
 * One parcel as both outputs will show it. A defect edits the map side or the
 * register side, or drops one; `key` is the parcel's key as generated.
 */
typedef struct parcel {
	keys key;
	double x0, y0, x1, y1; /* the cell: west, south, east, north */
	struct {
		keys key;
		int nfeat; /* features on the map: 0, 1, or 2 (the halves of DUPLICATE_KEY) */
		polygon feat[2];
		char landuse[8];
	} map;
	struct {
		int present;
		keys key;
		double area; /* Diện tích */
		char landuse[8];
		owner owner;
		char gcn[12];                  /* certificate serial, "CS 123456" */
		long issued, changed, pending; /* days since 1970-01-01, or NO_DATE */
	} reg;
	uint64_t u_issued, u_changed; /* the draws behind the dates, kept to redo them for a new owner */
} parcel;

static void polygon_rect(polygon *f, double x0, double y0, double x1, double y1)
{
	static const int corner[RING][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};

	for (int i = 0; i < RING; i++) {
		f->xy[i][0] = corner[i][0] ? x1 : x0;
		f->xy[i][1] = corner[i][1] ? y1 : y0;
	}
	f->area = (x1 - x0) * (y1 - y0);
}

/* The parcel is the rectangle from x0 to east: map, DienTich and register follow. */
static void parcel_set_east(parcel *p, double east)
{
	polygon_rect(&p->map.feat[0], p->x0, p->y0, east, p->y1);
	p->reg.area = round1(p->map.feat[0].area);
}

/*
 * Certificate and last-change dates from the parcel's draws: issued from
 * 1995 (or the owner's 18th birthday) to 2024, last changed from then to
 * 2026-06-30. Redone when a defect gives the parcel an older or younger owner.
 */
static void parcel_set_dates(parcel *p)
{
	int from = p->reg.owner.birth_year + ADULT_AGE;
	long lo = days_from_civil(from > ISSUE_FIRST_YEAR ? from : ISSUE_FIRST_YEAR, 1, 1);
	long hi = days_from_civil(ISSUE_LAST_YEAR, 12, 31), last = days_from_civil(2026, 6, 30);

	assert(lo <= hi);
	p->reg.issued = lo + (long)(p->u_issued % (uint64_t)(hi - lo + 1));
	p->reg.changed = p->reg.issued + (long)(p->u_changed % (uint64_t)(last - p->reg.issued + 1));
}

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
 * corner is (west, north); land use, owner, certificate and dates from the
 * parcel's own stream r.
 */
static void parcel_make(parcel *p, const keys *k, const sheet_grid *g, double west, double north, int row, int col,
			rng *r, uint64_t seed)
{
	int female, year, family, middle, given;

	memset(p, 0, sizeof(*p));
	p->key = *k;
	p->x0 = west + g->colx[col];
	p->x1 = west + g->colx[col + 1];
	p->y1 = north - g->rowy[row];
	p->y0 = north - g->rowy[row + 1];

	p->map.key = *k;
	p->map.nfeat = 1;
	polygon_rect(&p->map.feat[0], p->x0, p->y0, p->x1, p->y1);

	p->reg.present = 1;
	p->reg.key = *k;
	p->reg.area = round1(p->map.feat[0].area);
	snprintf(p->reg.landuse, sizeof(p->reg.landuse), "%s", PICK(r, landuse_codes));
	snprintf(p->map.landuse, sizeof(p->map.landuse), "%s", p->reg.landuse);

	female = (int)rng_below(r, 2);
	year = BIRTH_FIRST_YEAR + (int)rng_below(r, BIRTH_YEARS);
	family = (int)rng_below(r, NFAMILY);
	middle = (int)rng_below(r, NMIDDLE);
	given = (int)rng_below(r, (uint64_t)given_count[female]);
	owner_person(&p->reg.owner, seed, female, year, family, middle, given);

	snprintf(p->reg.gcn, sizeof(p->reg.gcn), "%s %06u", PICK(r, gcn_series), (unsigned)rng_below(r, 1000000));
	p->u_issued = rng_next(r);
	p->u_changed = rng_next(r);
	parcel_set_dates(p);
	p->reg.pending = NO_DATE;
	if (rng_below(r, PENDING_SHARE) == 0)
		p->reg.pending = days_from_civil(TODAY_Y, TODAY_M, TODAY_D) - 1 - (long)rng_below(r, PENDING_MAX_AGE);
}

/* What a defect may do to a cell, and what it needs around it. */
enum cell_state {
	CELL_FREE,   /* clean, free to take a defect or to be a defect's clean neighbour */
	CELL_DEFECT, /* has its defect */
	CELL_KEPT    /* a defect needs it clean: it takes none */
};

/* A defect waiting for a parcel: the kind and the cell it would rather have. */
typedef struct item {
	int kind;
	int pref;
} item;

typedef struct truth_row {
	int kind;
	int number;
} truth_row;

/* One sheet in memory: its grid parcels 1..n, then the parcels defects added. */
typedef struct sheet {
	keys key;           /* commune and sheet */
	int commune;        /* index into commune_codes */
	long long communes; /* communes in the run */
	int n;              /* grid parcels */
	int count;          /* n plus added parcels, numbered n + 1, n + 2, ... */
	parcel p[2 * SHEET_MAX];
	unsigned char state[SHEET_MAX];
	item queued[CARRY_MAX + SHEET_MAX];
	int nqueued;
	truth_row truth[SHEET_MAX];
	int ntruth;
} sheet;

/* A copy of parcel `from` as a new parcel of the sheet, numbered after all others. */
static parcel *sheet_add(sheet *s, const parcel *from)
{
	parcel *q;

	assert(s->count < (int)ARRAY_SIZE(s->p));
	q = &s->p[s->count++];
	*q = *from;
	q->key.number = q->map.key.number = q->reg.key.number = s->count;
	return q;
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
	static const char *const names[] = {"map.gpkg", "map.gpkg-wal", "map.gpkg-shm", "map.gpkg-journal", "map.shp",
					    "map.shx",  "map.dbf",      "map.prj",      "map.cpg",          "map.qix"};
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
		return fail("unknown CRS EPSG:%d for '%s': %s", epsg, m->path, CPLGetLastErrorMsg());
	/* Write easting first whatever axis order the EPSG definition declares. */
	OSRSetAxisMappingStrategy(m->srs, OAMS_TRADITIONAL_GIS_ORDER);

	m->ds = GDALCreate(drv, m->path, 0, 0, 0, GDT_Unknown, NULL);
	if (!m->ds)
		return gdal_fail("cannot create", m->path);
	m->layer = GDALDatasetCreateLayer(m->ds, "parcels", m->srs, wkbPolygon, shp ? shp_opts : gpkg_opts);
	if (!m->layer)
		return gdal_fail("cannot create layer 'parcels' in", m->path);
	if (add_field(m, "MaXa", OFTString, 5, 0) || add_field(m, "SoTo", OFTInteger, 9, 0) ||
	    add_field(m, "SoThua", OFTInteger, 9, 0) || add_field(m, "LoaiDat", OFTString, 10, 0) ||
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

/* Write the parcel's map features (none, one, or the two halves of a duplicated key). */
static int map_put(map_writer *m, const parcel *p)
{
	const keys *k = &p->map.key;

	for (int f = 0; f < p->map.nfeat; f++) {
		const polygon *g = &p->map.feat[f];

		OGR_F_SetFID(m->feat, OGRNullFID); /* else the second insert reuses the first FID */
		OGR_F_SetFieldString(m->feat, m->f_maxa, k->commune);
		OGR_F_SetFieldInteger(m->feat, m->f_soto, k->sheet);
		OGR_F_SetFieldInteger(m->feat, m->f_sothua, k->number);
		OGR_F_SetFieldString(m->feat, m->f_loaidat, p->map.landuse);
		OGR_F_SetFieldDouble(m->feat, m->f_dientich, round1(g->area));
		OGR_G_SetPointCount(m->ring, RING);
		for (int i = 0; i < RING; i++)
			OGR_G_SetPoint_2D(m->ring, i, g->xy[i][0], g->xy[i][1]);
		if (OGR_L_CreateFeature(m->layer, m->feat) != OGRERR_NONE) {
			char what[96];

			snprintf(what, sizeof(what), "cannot write parcel %s/%d/%d to", k->commune, k->sheet,
				 k->number);
			return gdal_fail(what, m->path);
		}
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

/* ---- defect kinds ------------------------------------------------------------------------ */

/*
 * Each function gives grid parcel i of sheet s its defect and returns the
 * parcel number truth.csv reports. The cell's needs (see `enum need`) were
 * checked before, and the cells it needs clean are kept clean after.
 */

static int defect_self_intersection(sheet *s, int i, owner_counters *c)
{
	/* Swap the 3rd and 4th corners: a bow-tie crossing at the centre, still inside the cell. */
	polygon *f = &s->p[i].map.feat[0];
	double tx = f->xy[2][0], ty = f->xy[2][1];

	(void)c;
	f->xy[2][0] = f->xy[3][0];
	f->xy[2][1] = f->xy[3][1];
	f->xy[3][0] = tx;
	f->xy[3][1] = ty;
	return s->p[i].key.number;
}

static int defect_area_mismatch(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].reg.area = round1(s->p[i].map.feat[0].area * 1.25);
	return s->p[i].key.number;
}

static int defect_map_no_register(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].reg.present = 0;
	return s->p[i].key.number;
}

static int defect_register_no_map(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].map.nfeat = 0;
	return s->p[i].key.number;
}

static int defect_overlap(sheet *s, int i, owner_counters *c)
{
	(void)c;
	parcel_set_east(&s->p[i], s->p[i].x1 + 1.0); /* 1 m into the east neighbour */
	return s->p[i].key.number;
}

static int defect_gap(sheet *s, int i, owner_counters *c)
{
	(void)c;
	parcel_set_east(&s->p[i], s->p[i].x1 - 1.0); /* a 1 m strip its neighbours enclose */
	return s->p[i].key.number;
}

static int defect_sliver(sheet *s, int i, owner_counters *c)
{
	parcel *p = &s->p[i], *strip;

	(void)c;
	parcel_set_east(p, p->x1 - 0.5);
	strip = sheet_add(s, p);
	polygon_rect(&strip->map.feat[0], p->x1 - 0.5, p->y0, p->x1, p->y1);
	strip->reg.area = round1(strip->map.feat[0].area);
	return strip->key.number;
}

static int defect_duplicate_key(sheet *s, int i, owner_counters *c)
{
	/* West and east halves, split on the 0.5 m grid, both with the parcel's number. */
	parcel *p = &s->p[i];
	double split = p->x0 + 0.5 * floor(p->x1 - p->x0);

	(void)c;
	p->map.nfeat = 2;
	polygon_rect(&p->map.feat[0], p->x0, p->y0, split, p->y1);
	polygon_rect(&p->map.feat[1], split, p->y0, p->x1, p->y1);
	return p->key.number;
}

static int defect_geom_duplicate(sheet *s, int i, owner_counters *c)
{
	(void)c;
	sheet_add(s, &s->p[i]);
	return s->p[i].key.number;
}

static int defect_landuse_unknown(sheet *s, int i, owner_counters *c)
{
	(void)c;
	snprintf(s->p[i].reg.landuse, sizeof(s->p[i].reg.landuse), "XYZ");
	return s->p[i].key.number;
}

static int defect_landuse_legacy(sheet *s, int i, owner_counters *c)
{
	(void)c;
	snprintf(s->p[i].reg.landuse, sizeof(s->p[i].reg.landuse), "BHK"); /* now HNK */
	return s->p[i].key.number;
}

static int defect_admin_code(sheet *s, int i, owner_counters *c)
{
	parcel *p = &s->p[i];

	(void)c;
	snprintf(p->map.key.commune, sizeof(p->map.key.commune), "%s", BAD_COMMUNE);
	snprintf(p->reg.key.commune, sizeof(p->reg.key.commune), "%s", BAD_COMMUNE);
	return p->key.number;
}

static int defect_date_implausible(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].reg.issued = days_from_civil(2030, 1, 1);
	return s->p[i].key.number;
}

static int defect_cccd_invalid(sheet *s, int i, owner_counters *c)
{
	owner *o = &s->p[i].reg.owner;
	unsigned wrong = (unsigned)(o->birth_year + 1) % 100;

	owner_own(o, c, OWN_CCCD_INVALID, o->birth_year);
	/* Digits 5-6 say the year after the birth year. */
	o->cccd[4] = (char)('0' + wrong / 10);
	o->cccd[5] = (char)('0' + wrong % 10);
	return s->p[i].key.number;
}

static int defect_cccd_legacy_cmnd(sheet *s, int i, owner_counters *c)
{
	owner *o = &s->p[i].reg.owner;

	owner_own(o, c, OWN_CMND, o->birth_year);
	/* 9 digits, "03" (Hải Phòng's CMND prefix) and the 7 last of the owner's CCCD serial space. */
	snprintf(o->cccd, sizeof(o->cccd), "03%07u", (unsigned)strtoul(o->cccd + 6, NULL, 10));
	return s->p[i].key.number;
}

static int defect_required_missing(sheet *s, int i, owner_counters *c)
{
	owner *o = &s->p[i].reg.owner;

	(void)c;
	owner_nameless(o, o->birth_year);
	return s->p[i].key.number;
}

static int defect_gcn_incomplete(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].reg.issued = NO_DATE;
	return s->p[i].key.number;
}

static int defect_text_not_clean(sheet *s, int i, owner_counters *c)
{
	owner *o = &s->p[i].reg.owner;
	char name[sizeof(o->name)];

	owner_own(o, c, OWN_TEXT, o->birth_year);
	tcvn3_as_cp1252(name, sizeof(name), o->name);
	memcpy(o->name, name, sizeof(name));
	return s->p[i].key.number;
}

static int defect_owner_name_mismatch(sheet *s, int i, owner_counters *c)
{
	parcel *p = &s->p[i];
	owner *o = &p->reg.owner, *prev = &s->p[i - 1].reg.owner;

	(void)c;
	*o = *prev;
	snprintf(o->name, sizeof(o->name), "%s %s %s", family_misspelt[prev->family],
		 middle_names[prev->female][prev->middle], given_names[prev->female][prev->given]);
	o->family = o->middle = o->given = -1;
	parcel_set_dates(p);
	return p->key.number;
}

static int defect_owner_id_conflict(sheet *s, int i, owner_counters *c)
{
	parcel *p = &s->p[i];
	owner *o = &p->reg.owner;

	(void)c;
	*o = s->p[i - 1].reg.owner;
	owner_second_id(o);
	parcel_set_dates(p);
	return p->key.number;
}

static int defect_last_change_missing(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].reg.changed = NO_DATE;
	return s->p[i].key.number;
}

static int defect_change_overdue(sheet *s, int i, owner_counters *c)
{
	(void)c;
	s->p[i].reg.pending = days_from_civil(2026, 9, 1); /* 61 days before 2026-11-01 */
	return s->p[i].key.number;
}

/*
 * What a defect needs of its cell, beyond the cell being free, so that it
 * makes one finding and no other: the checker leaves invalid geometry out of
 * overlap and gap analysis and takes a commune's sheets one by one, so a cell
 * left empty in its sheet must touch the sheet's outside or it is a gap.
 */
enum need {
	NEED_NONE,
	NEED_EDGE,     /* on the sheet's outer edge: a side without a neighbour */
	NEED_ADMIN,    /* NEED_EDGE, in this commune's share of sheet/parcel keys */
	NEED_EAST,     /* an east neighbour in the same row, kept clean */
	NEED_INTERIOR, /* all 8 neighbours, kept clean */
	NEED_PREV      /* a parcel numbered just before, kept clean */
};

/*
 * Defects are dealt out in this order, one per chosen parcel, round robin;
 * truth.csv sorts by rule_id whatever the order here. To add a kind, write a
 * function that edits the parcel and add a row; existing seeds then put the
 * old kinds on other parcels.
 */
static const struct defect_kind {
	const char *rule_id;
	enum need need;
	int (*apply)(sheet *s, int i, owner_counters *c);
} kinds[] = {
	{"GEOM_SELF_INTERSECTION", NEED_EDGE, defect_self_intersection},
	{"AREA_MISMATCH", NEED_NONE, defect_area_mismatch},
	{"MAP_NO_REGISTER", NEED_NONE, defect_map_no_register},
	{"REGISTER_NO_MAP", NEED_EDGE, defect_register_no_map},
	{"OVERLAP", NEED_EAST, defect_overlap},
	{"GAP", NEED_INTERIOR, defect_gap},
	{"SLIVER", NEED_NONE, defect_sliver},
	{"DUPLICATE_KEY", NEED_NONE, defect_duplicate_key},
	{"GEOM_DUPLICATE", NEED_NONE, defect_geom_duplicate},
	{"LANDUSE_UNKNOWN", NEED_NONE, defect_landuse_unknown},
	{"LANDUSE_LEGACY", NEED_NONE, defect_landuse_legacy},
	{"ADMIN_CODE_INVALID", NEED_ADMIN, defect_admin_code},
	{"DATE_IMPLAUSIBLE", NEED_NONE, defect_date_implausible},
	{"CCCD_INVALID", NEED_NONE, defect_cccd_invalid},
	{"CCCD_LEGACY_CMND", NEED_NONE, defect_cccd_legacy_cmnd},
	{"REQUIRED_MISSING", NEED_NONE, defect_required_missing},
	{"GCN_INCOMPLETE", NEED_NONE, defect_gcn_incomplete},
	{"TEXT_NOT_CLEAN", NEED_NONE, defect_text_not_clean},
	{"OWNER_NAME_MISMATCH", NEED_PREV, defect_owner_name_mismatch},
	{"OWNER_ID_CONFLICT", NEED_PREV, defect_owner_id_conflict},
	{"LAST_CHANGE_MISSING", NEED_NONE, defect_last_change_missing},
	{"CHANGE_OVERDUE", NEED_NONE, defect_change_overdue},
};
#define NKINDS ARRAY_SIZE(kinds)

/* ---- placing defects --------------------------------------------------------------------- */

/* Is grid cell i (of n filled row by row) missing a neighbour on some side? */
static int on_edge(int n, int i)
{
	int row = i / GRID, col = i % GRID;

	return row == 0 || i + GRID >= n || col == 0 || col == GRID - 1 || i + 1 >= n;
}

/* Grid cell i's neighbour d steps away (in row-major order) is there and has no defect. */
static int clean_at(const sheet *s, int i, int d)
{
	return i + d >= 0 && i + d < s->n && s->state[i + d] != CELL_DEFECT;
}

static const int around[8] = {-GRID - 1, -GRID, -GRID + 1, -1, 1, GRID - 1, GRID, GRID + 1};

static int fits(const sheet *s, int kind, int i)
{
	int col = i % GRID;
	long long slot;

	if (s->state[i] != CELL_FREE)
		return 0;
	switch (kinds[kind].need) {
	case NEED_NONE:
		return 1;
	case NEED_ADMIN:
		/*
		 * All communes' bad-code parcels share commune 99999, so their
		 * sheet/parcel keys must differ: each commune takes the keys
		 * whose index in the sheet-major order is its own mod C.
		 */
		slot = (long long)(s->key.sheet - 1) * SHEET_MAX + i;
		if (slot % s->communes != s->commune)
			return 0;
		return on_edge(s->n, i);
	case NEED_EDGE:
		return on_edge(s->n, i);
	case NEED_EAST:
		return col < GRID - 1 && clean_at(s, i, 1);
	case NEED_INTERIOR:
		if (i < GRID || col == 0 || col == GRID - 1 || i + GRID + 1 >= s->n)
			return 0;
		for (size_t k = 0; k < ARRAY_SIZE(around); k++)
			if (!clean_at(s, i, around[k]))
				return 0;
		return 1;
	case NEED_PREV:
		return i > 0 && clean_at(s, i, -1);
	}
	return 0;
}

/* Mark cell i defective and the cells its defect needs clean as kept. */
static void mark(sheet *s, int kind, int i)
{
	s->state[i] = CELL_DEFECT;
	switch (kinds[kind].need) {
	case NEED_EAST:
		s->state[i + 1] = CELL_KEPT;
		break;
	case NEED_INTERIOR:
		for (size_t k = 0; k < ARRAY_SIZE(around); k++)
			s->state[i + around[k]] = CELL_KEPT;
		break;
	case NEED_PREV:
		s->state[i - 1] = CELL_KEPT;
		break;
	default:
		break;
	}
}

/* Give the defect to the first cell that fits, from its preferred one on; 0 if none does. */
static int place(sheet *s, const item *it, owner_counters *c)
{
	for (int t = 0; t < s->n; t++) {
		int i = (it->pref + t) % s->n;

		if (!fits(s, it->kind, i))
			continue;
		assert(s->ntruth < (int)ARRAY_SIZE(s->truth));
		s->truth[s->ntruth].kind = it->kind;
		s->truth[s->ntruth].number = kinds[it->kind].apply(s, i, c);
		s->ntruth++;
		mark(s, it->kind, i);
		return 1;
	}
	return 0;
}

/* ---- register and truth ------------------------------------------------------------------ */

#define REGISTER_HEADER                                                                                                          \
	"Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,Giới tính," \
	"Số phát hành GCN,Ngày cấp,Ngày cập nhật,Ngày đăng ký biến động\n"

/* ",dd/mm/yyyy", or "," alone for no date. */
static void date_field(FILE *fp, long day)
{
	int y, m, d;

	fputc(',', fp);
	if (day == NO_DATE)
		return;
	civil_from_days(day, &y, &m, &d);
	fprintf(fp, "%02d/%02d/%04d", d, m, y);
}

static void register_put(FILE *fp, const parcel *p)
{
	const keys *k = &p->reg.key;
	const owner *o = &p->reg.owner;

	csv_field(fp, k->commune);
	fprintf(fp, ",%d,%d,%.1f,", k->sheet, k->number, p->reg.area);
	csv_field(fp, p->reg.landuse);
	fputc(',', fp);
	csv_field(fp, o->name);
	fputc(',', fp);
	csv_field(fp, o->cccd);
	fprintf(fp, ",%d,%s,", o->birth_year, o->female ? "Nữ" : "Nam");
	csv_field(fp, p->reg.gcn);
	date_field(fp, p->reg.issued);
	date_field(fp, p->reg.changed);
	date_field(fp, p->reg.pending);
	fputc('\n', fp);
}

/* Everything one run writes to, and where it stands. */
typedef struct gen_run {
	map_writer map;
	FILE *reg;
	FILE *parts[NKINDS]; /* truth rows per kind, in key order, joined at the end */
	/*
	 * ADMIN_CODE_INVALID rows as (sheet, parcel) pairs of int32: their commune
	 * is 99999 whichever commune they come from, so each commune's rows are
	 * one sorted run, merged at the end. admin_start[c] is where commune c's
	 * run starts; admin_start[communes] is the end.
	 */
	FILE *admin;
	long admin_start[ARRAY_SIZE(commune_codes) + 1];
	char reg_path[PATH_MAX];
	char truth_path[PATH_MAX];
	uint64_t seed;
	rng pick;              /* which parcels get a defect */
	long long parcels;     /* in the whole run */
	long long communes;    /* in the whole run */
	long long defects;     /* to deal out in the whole run */
	long long chosen;      /* dealt out so far */
	long long nth;         /* parcels made so far */
	sheet *sheet;          /* the sheet being made */
	item carry[CARRY_MAX]; /* defects that found no room yet, oldest first */
	int ncarry;
	owner_counters owners;
} gen_run;

static int by_kind_then_number(const void *a, const void *b)
{
	const truth_row *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->number > y->number) - (x->number < y->number);
}

/* Write the sheet's parcels to the map and the register, and its defects to the truth parts. */
static int sheet_write(gen_run *g, sheet *s)
{
	qsort(s->truth, (size_t)s->ntruth, sizeof(s->truth[0]), by_kind_then_number);
	for (int i = 0; i < s->ntruth; i++) {
		const truth_row *t = &s->truth[i];
		int ok;

		if (kinds[t->kind].need == NEED_ADMIN) {
			int32_t pair[2] = {s->key.sheet, t->number};

			ok = fwrite(pair, sizeof(pair), 1, g->admin) == 1;
		} else {
			ok = fprintf(g->parts[t->kind], "%s,%s,%d,%d\n", kinds[t->kind].rule_id, s->key.commune,
				     s->key.sheet, t->number) > 0;
		}
		if (!ok)
			return fail("cannot write a temporary file for '%s': %s", g->truth_path, strerror(errno));
	}
	for (int i = 0; i < s->count; i++) {
		const parcel *p = &s->p[i];

		if (map_put(&g->map, p) != 0)
			return -1;
		if (p->reg.present) {
			register_put(g->reg, p);
			/* Checked per row: errno names the cause only right after the failure. */
			if (ferror(g->reg))
				return fail("cannot write '%s': %s", g->reg_path, strerror(errno));
		}
	}
	return 0;
}

/* One commune's run of ADMIN_CODE_INVALID rows, read one pair at a time. */
typedef struct admin_run {
	long at, end;
	int32_t pair[2];
	int live;
} admin_run;

static int admin_next(gen_run *g, admin_run *r)
{
	r->live = r->at < r->end;
	if (!r->live)
		return 0;
	if (pread(fileno(g->admin), r->pair, sizeof(r->pair), (off_t)r->at) != (ssize_t)sizeof(r->pair))
		return fail("cannot read back a temporary file for '%s': %s", g->truth_path,
			    errno ? strerror(errno) : "short read");
	r->at += (long)sizeof(r->pair);
	return 0;
}

/* Merge the communes' sorted runs into rows sorted by sheet and parcel (the commune is always 99999). */
static int truth_admin(gen_run *g, FILE *out, const char *rule_id)
{
	admin_run runs[ARRAY_SIZE(commune_codes)];
	long long n = g->communes;

	if (fflush(g->admin) != 0)
		return fail("cannot write a temporary file for '%s': %s", g->truth_path, strerror(errno));
	for (long long c = 0; c < n; c++) {
		runs[c].at = g->admin_start[c];
		runs[c].end = g->admin_start[c + 1];
		if (admin_next(g, &runs[c]) != 0)
			return -1;
	}
	for (;;) {
		admin_run *best = NULL;

		for (long long c = 0; c < n; c++) {
			admin_run *r = &runs[c];

			if (r->live && (!best || r->pair[0] < best->pair[0] ||
					(r->pair[0] == best->pair[0] && r->pair[1] < best->pair[1])))
				best = r;
		}
		if (!best)
			return 0;
		fprintf(out, "%s,%s,%d,%d\n", rule_id, BAD_COMMUNE, (int)best->pair[0], (int)best->pair[1]);
		if (admin_next(g, best) != 0)
			return -1;
	}
}

static int by_rule_id(const void *a, const void *b)
{
	const struct defect_kind *ka = &kinds[*(const size_t *)a], *kb = &kinds[*(const size_t *)b];

	return strcmp(ka->rule_id, kb->rule_id);
}

/* Write the kinds' parts one after the other in rule_id order: each is sorted already. */
static int truth_write(gen_run *g)
{
	const char *path = g->truth_path;
	size_t order[NKINDS];
	char buf[1 << 16];
	FILE *fp;

	for (size_t i = 0; i < NKINDS; i++)
		order[i] = i;
	qsort(order, NKINDS, sizeof(order[0]), by_rule_id);
	fp = fopen(path, "w");
	if (!fp)
		return fail("cannot create '%s': %s", path, strerror(errno));
	fputs("rule_id,commune,sheet,parcel\n", fp);
	for (size_t i = 0; i < NKINDS; i++) {
		FILE *part = g->parts[order[i]];
		size_t n;

		if (kinds[order[i]].need == NEED_ADMIN) {
			if (truth_admin(g, fp, kinds[order[i]].rule_id) != 0) {
				fclose(fp);
				return -1;
			}
			continue;
		}
		if (fflush(part) != 0 || fseek(part, 0, SEEK_SET) != 0) {
			fclose(fp);
			return fail("cannot read back a temporary file for '%s': %s", path, strerror(errno));
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

/*
 * Place the sheet's defects: first those carried over from earlier sheets,
 * then its own, the kinds that need something of their cell before those
 * that fit anywhere. What finds no cell waits for the next sheet; beyond
 * CARRY_MAX waiting, or at the end of the run, it is dropped, so a run has
 * at most round(N x R) defects (and exactly that many unless the rate is high).
 */
static void sheet_place(gen_run *g, sheet *s)
{
	unsigned char done[ARRAY_SIZE(s->queued)] = {0};

	for (int pass = 0; pass < 2; pass++)
		for (int t = 0; t < s->nqueued; t++)
			if ((kinds[s->queued[t].kind].need == NEED_NONE) == pass)
				done[t] = (unsigned char)place(s, &s->queued[t], &g->owners);
	g->ncarry = 0;
	for (int t = 0; t < s->nqueued; t++)
		if (!done[t] && g->ncarry < CARRY_MAX)
			g->carry[g->ncarry++] = s->queued[t];
}

/*
 * Make, spoil and write the first `count` parcels of sheet k->sheet of the
 * commune with index `commune`, the sheet's north-west corner at (west, north).
 */
static int put_sheet(gen_run *g, long long commune, keys *k, long long count, double west, double north)
{
	sheet *s = g->sheet;
	sheet_grid grid;

	sheet_grid_init(&grid, g->seed, commune, k->sheet);
	s->key = *k;
	s->commune = (int)commune;
	s->communes = g->communes;
	s->n = s->count = (int)count;
	s->nqueued = s->ntruth = 0;
	memset(s->state, CELL_FREE, sizeof(s->state));
	for (int t = 0; t < g->ncarry; t++) {
		s->queued[s->nqueued] = g->carry[t];
		s->queued[s->nqueued++].pref %= s->n;
	}
	for (int i = 0; i < s->n; i++) {
		rng own;

		k->number = i + 1;
		rng_init(&own, g->seed, STREAM_PARCEL, (uint64_t)g->nth, 0);
		parcel_make(&s->p[i], k, &grid, west, north, i / GRID, i % GRID, &own, g->seed);
		/* Selection sampling (Knuth 3.4.2 S): exactly g->defects picks, spread evenly. */
		if (rng_below(&g->pick, (uint64_t)(g->parcels - g->nth)) < (uint64_t)(g->defects - g->chosen)) {
			s->queued[s->nqueued].kind = (int)(g->chosen++ % (long long)NKINDS);
			s->queued[s->nqueued++].pref = i;
		}
		g->nth++;
	}
	sheet_place(g, s);
	return sheet_write(g, s);
}

/*
 * Communes sit in a near-square grid of blocks from the north-west corner,
 * eastwards first; sheets sit the same way inside a commune's block, and
 * parcels row by row inside a sheet. Keys therefore grow in writing order.
 */
static int put_communes(gen_run *g)
{
	long long n = g->parcels, communes = g->communes;
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

		g->admin_start[c] = ftell(g->admin);
		snprintf(k.commune, sizeof(k.commune), "%05d", commune_codes[c]);
		for (long long s = 0; s * SHEET_MAX < in_commune; s++) {
			long long in_sheet = in_commune - s * SHEET_MAX;

			k.sheet = (int)s + 1;
			if (put_sheet(g, c, &k, in_sheet < SHEET_MAX ? in_sheet : SHEET_MAX,
				      c_west + (double)(s % sheet_cols) * SHEET_W,
				      c_north - (double)(s / sheet_cols) * SHEET_H) != 0)
				return -1;
		}
	}
	g->admin_start[communes] = ftell(g->admin);
	return 0;
}

static int generate(const gen_options *o)
{
	gen_run g = {0};
	int ret = -1;

	g.communes = o->communes;
	if (g.communes == 0)
		g.communes = llround((double)o->parcels / PARCELS_PER_COMMUNE);
	if (g.communes < 1)
		g.communes = 1;
	if (g.communes > MAX_COMMUNES)
		g.communes = MAX_COMMUNES;
	assert(g.communes <= o->parcels);
	g.seed = o->seed;
	g.parcels = o->parcels;
	g.defects = llround((double)o->parcels * o->defect_rate);
	rng_init(&g.pick, o->seed, STREAM_DEFECTS, 0, 0);

	if (make_dirs(o->out) != 0 || remove_old_maps(o->out) != 0 ||
	    join_path(g.reg_path, sizeof(g.reg_path), o->out, "register.csv") != 0 ||
	    join_path(g.truth_path, sizeof(g.truth_path), o->out, "truth.csv") != 0)
		goto done;
	g.sheet = malloc(sizeof(*g.sheet));
	if (!g.sheet) {
		fail("out of memory");
		goto done;
	}
	for (size_t i = 0; i <= NKINDS; i++) {
		FILE *fp = tmpfile();

		if (!fp) {
			fail("cannot create a temporary file for '%s': %s", g.truth_path, strerror(errno));
			goto done;
		}
		if (i < NKINDS)
			g.parts[i] = fp;
		else
			g.admin = fp;
	}
	g.reg = fopen(g.reg_path, "w");
	if (!g.reg) {
		fail("cannot create '%s': %s", g.reg_path, strerror(errno));
		goto done;
	}
	fputs(REGISTER_HEADER, g.reg);
	if (map_open(&g.map, o->out, o->shp, o->epsg) != 0 || put_communes(&g) != 0 || map_finish(&g.map) != 0)
		goto done;
	assert(g.nth == g.parcels && g.chosen == g.defects);
	ret = close_file(g.reg, g.reg_path);
	g.reg = NULL;
	if (ret != 0)
		goto done;
	ret = truth_write(&g);
done:
	map_release(&g.map);
	if (g.reg)
		fclose(g.reg);
	if (g.admin)
		fclose(g.admin);
	for (size_t i = NKINDS; i-- > 0;)
		if (g.parts[i])
			fclose(g.parts[i]);
	free(g.sheet);
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
		fprintf(stderr, "gen: %s wants a whole number from %lld to %lld, not '%s'\n", opt, min, max, s);
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
				strncmp(opt, "--", 2) ? "unexpected argument" : "missing value for", opt);
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
				fprintf(stderr, "gen: --seed wants a whole number, not '%s'\n", val);
				return -1;
			}
		} else if (!strcmp(opt, "--defect-rate")) {
			char *end;

			errno = 0;
			o->defect_rate = strtod(val, &end);
			if (errno || end == val || *end || !(o->defect_rate >= 0.0) || o->defect_rate > 1.0) {
				fprintf(stderr, "gen: --defect-rate wants a number from 0 to 1, not '%s'\n", val);
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
		fprintf(stderr, "gen: --communes %lld is more than --parcels %lld\n", o->communes, o->parcels);
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
