/*
 * Excel 97-2003 (.xls) writer: a BIFF8 "Workbook" stream inside an OLE2
 * compound file (CFB version 3, 512-byte sectors).
 *
 * The Workbook stream is the globals substream (fonts, formats, XFs, one
 * BOUNDSHEET per sheet, the shared string table) followed by one substream
 * per sheet. The shared string table must precede the sheets but is complete
 * only after the last cell, so while rows are written the cell records go,
 * in finished row blocks, to an unlinked scratch file; distinct strings are
 * kept once in memory, already encoded as they will appear in the SST.
 * td_xls_close() computes every size first, then writes the file in one
 * sequential pass: header, stream sectors, FAT, DIFAT, directory.
 *
 * References: OpenOffice.org's "Excel File Format" (BIFF8) and Microsoft's
 * [MS-CFB] compound file description.
 */
#include "xls.h"
#include "date.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

/* BIFF8 record identifiers. */
enum {
	R_EOF = 0x000A,
	R_CALCCOUNT = 0x000C,
	R_CALCMODE = 0x000D,
	R_PRECISION = 0x000E,
	R_REFMODE = 0x000F,
	R_DELTA = 0x0010,
	R_ITERATION = 0x0011,
	R_PROTECT = 0x0012,
	R_PASSWORD = 0x0013,
	R_WINDOWPROTECT = 0x0019,
	R_DATEMODE = 0x0022,
	R_PRINTHEADERS = 0x002A,
	R_PRINTGRIDLINES = 0x002B,
	R_FONT = 0x0031,
	R_CONTINUE = 0x003C,
	R_WINDOW1 = 0x003D,
	R_BACKUP = 0x0040,
	R_CODEPAGE = 0x0042,
	R_DEFCOLWIDTH = 0x0055,
	R_WRITEACCESS = 0x005C,
	R_SAVERECALC = 0x005F,
	R_COLINFO = 0x007D,
	R_GUTS = 0x0080,
	R_WSBOOL = 0x0081,
	R_GRIDSET = 0x0082,
	R_BOUNDSHEET = 0x0085,
	R_HIDEOBJ = 0x008D,
	R_FNGROUPCOUNT = 0x009C,
	R_MMS = 0x00C1,
	R_DBCELL = 0x00D7,
	R_BOOKBOOL = 0x00DA,
	R_XF = 0x00E0,
	R_INTERFACEHDR = 0x00E1,
	R_INTERFACEEND = 0x00E2,
	R_SST = 0x00FC,
	R_LABELSST = 0x00FD,
	R_EXTSST = 0x00FF,
	R_TABID = 0x013D,
	R_USESELFS = 0x0160,
	R_DSF = 0x0161,
	R_PROT4REV = 0x01AF,
	R_REFRESHALL = 0x01B7,
	R_PROT4REVPASS = 0x01BC,
	R_DIMENSIONS = 0x0200,
	R_NUMBER = 0x0203,
	R_ROW = 0x0208,
	R_INDEX = 0x020B,
	R_DEFAULTROWHEIGHT = 0x0225,
	R_WINDOW2 = 0x023E,
	R_PANE = 0x0041,
	R_STYLE = 0x0293,
	R_FORMAT = 0x041E,
	R_BOF = 0x0809
};

#define REC_MAX 8224               /* largest BIFF8 record body */
#define ROWS_PER_BLOCK 32          /* ROW records per row block (DBCELL) */
#define MAX_SHEETS 4096            /* keeps TABID within one record */
#define ARENA_MAX (UINT32_MAX - 1) /* string offsets are 32-bit */
#define STREAM_MIN 4096            /* shorter streams would belong in the mini stream */
#define SECTOR 512

/* Cell XF indexes: 0-14 are the style XFs every workbook has, 15 the default cell XF. */
enum { XF_GENERAL = 15, XF_TEXT = 16, XF_DATE = 17, XF_HEADER = 18, XF_COUNT = 19 };
#define FMT_TEXT 49  /* built-in "@" */
#define FMT_DATE 164 /* first user-defined format index */
#define FONT_BOLD 5  /* font index 4 does not exist: the fifth FONT record is index 5 */

/* CFB special sector numbers. */
#define DIFSECT 0xFFFFFFFCu
#define FATSECT 0xFFFFFFFDu
#define ENDOFCHAIN 0xFFFFFFFEu
#define FREESECT 0xFFFFFFFFu
#define NOSTREAM 0xFFFFFFFFu

enum cell_kind { CELL_NONE, CELL_SST, CELL_NUMBER };

struct cell {
	double num;
	uint32_t sst;
	uint16_t xf;
	uint8_t kind;
};

/* A sheet as the caller sees it: one or more parts of 65,536 rows. */
struct table {
	char *name;
	uint16_t width[TD_XLS_MAX_COLS]; /* COLINFO widths in 1/256 character, 0 = default */
};

/* One BIFF sheet substream: its cell records are in the scratch file. */
struct part {
	char *name;
	size_t table;
	uint32_t nrows; /* rows 0..nrows-1, all with a ROW record */
	int has_cells;
	uint16_t col_first, col_end; /* used columns, for DIMENSIONS */
	uint64_t data_off, data_len; /* row blocks in the scratch file */
	uint32_t *dbcell;            /* DBCELL offsets relative to data_off */
	size_t ndbcell, dbcell_cap;
	int frozen; /* row 0 is a header, kept in view (PANE) */
};

struct slot {
	uint32_t off; /* into arena; UINT32_MAX: empty */
	uint32_t idx; /* SST index */
};

struct td_xls {
	char *path;
	char *tmp_path; /* output being written, NULL until td_xls_close() creates it */
	FILE *out;
	char *scratch_path; /* non-NULL only while the scratch file still has a name */
	FILE *scratch;
	uint64_t scratch_len;

	td_status broken; /* sticky I/O or memory failure */
	char broken_msg[TD_ERROR_MSG_MAX];

	struct table *tables;
	size_t ntables, tables_cap;
	struct part *parts;
	size_t nparts, parts_cap;
	int cont;       /* number of the last continuation part of the current table */
	long data_rows; /* rows ended on the current table, header excluded */
	int in_header;  /* td_xls_set_header() is encoding cells */

	struct cell row[TD_XLS_MAX_COLS]; /* the row being filled */
	int row_lo, row_hi;               /* used columns of row; lo > hi when empty */
	struct cell hdr[TD_XLS_MAX_COLS];
	int hdr_n; /* header columns, 0 = no header */

	/* The row block being built: cell records of up to 32 rows. */
	uint8_t *blk;
	size_t blk_len;
	int blk_rows;
	uint16_t blk_first[ROWS_PER_BLOCK], blk_end[ROWS_PER_BLOCK];
	uint16_t blk_bytes[ROWS_PER_BLOCK];

	/* Shared strings, each stored as [u16 count][u8 flags][characters]. */
	uint8_t *arena;
	size_t arena_len, arena_cap;
	uint32_t nstr;
	uint64_t sst_refs; /* LABELSST records written */
	struct slot *slots;
	size_t nslots;
	uint8_t *enc; /* one encoded string */
};

/* Writes bytes to the output, or only counts them when fp is NULL. */
struct out {
	FILE *fp;
	uint64_t pos;
	int errnum;
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

static void putdbl(uint8_t *p, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	put32(p, (uint32_t)u);
	put32(p + 4, (uint32_t)(u >> 32));
}

static uint32_t get16(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static td_status breakdown(td_xls *x, td_error *err, td_status code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record a failure after which the workbook cannot be completed. */
static td_status breakdown(td_xls *x, td_error *err, td_status code, const char *fmt, ...)
{
	va_list ap;

	if (!x->broken) {
		x->broken = code;
		va_start(ap, fmt);
		vsnprintf(x->broken_msg, sizeof(x->broken_msg), fmt, ap);
		va_end(ap);
	}
	return td_error_set(err, x->broken, "%s", x->broken_msg);
}

static td_status nomem(td_xls *x, td_error *err)
{
	return breakdown(x, err, TD_ERR_NOMEM, "out of memory writing '%s'", x->path);
}

/* Decode one UTF-8 sequence; returns its length, or 0 if it is invalid. */
static int utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0];
	int n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/*
 * Count the UTF-16 code units of s, stopping past max. Returns 0 and sets
 * *units and *wide (some unit >= 0x100), or the 1-based offset of the first
 * invalid byte.
 */
static size_t utf8_measure(const char *s, size_t max, size_t *units, int *wide)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	*units = 0;
	*wide = 0;
	while (*p && *units <= max) {
		n = utf8_next(p, &cp);
		if (!n)
			return (size_t)(p - (const unsigned char *)s) + 1;
		*units += cp >= 0x10000 ? 2 : 1;
		*wide |= cp >= 0x100;
		p += n;
	}
	return 0;
}

/* Write s, already validated, as 8-bit or UTF-16LE characters; returns the bytes written. */
static size_t utf8_store(const char *s, int wide, uint8_t *q)
{
	const unsigned char *p = (const unsigned char *)s;
	uint8_t *start = q;
	uint32_t cp;
	int n;

	for (; *p; p += n) {
		n = utf8_next(p, &cp);
		assert(n > 0);
		if (!wide) {
			*q++ = (uint8_t)cp;
		} else if (cp < 0x10000) {
			put16(q, cp);
			q += 2;
		} else {
			cp -= 0x10000;
			put16(q, 0xD800 + (cp >> 10));
			put16(q + 2, 0xDC00 + (cp & 0x3FF));
			q += 4;
		}
	}
	return (size_t)(q - start);
}

/* Case-insensitive equality of two valid UTF-8 strings, as Excel compares sheet names. */
static int same_name(const char *a, const char *b)
{
	utf8proc_int32_t ca, cb;
	utf8proc_ssize_t na, nb;

	while (*a && *b) {
		na = utf8proc_iterate((const utf8proc_uint8_t *)a, -1, &ca);
		nb = utf8proc_iterate((const utf8proc_uint8_t *)b, -1, &cb);
		if (na <= 0 || nb <= 0)
			return 0;
		if (utf8proc_tolower(ca) != utf8proc_tolower(cb))
			return 0;
		a += na;
		b += nb;
	}
	return *a == *b;
}

static void col_name(int col, char buf[4])
{
	if (col < 26) {
		buf[0] = (char)('A' + col);
		buf[1] = '\0';
	} else {
		buf[0] = (char)('A' + col / 26 - 1);
		buf[1] = (char)('A' + col % 26);
		buf[2] = '\0';
	}
}

static struct part *cur_part(td_xls *x)
{
	return x->nparts ? &x->parts[x->nparts - 1] : NULL;
}

/* "sheet 'X' data row N column C" for messages about the cell being written. */
static void cell_where(td_xls *x, int col, char *buf, size_t n)
{
	char cn[4];

	col_name(col, cn);
	if (x->in_header)
		snprintf(buf, n, "sheet '%s' header column %s", x->tables[x->ntables - 1].name, cn);
	else
		snprintf(buf, n, "sheet '%s' data row %ld column %s", x->tables[x->ntables - 1].name, x->data_rows + 1,
			 cn);
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	/* FNV's low bits are weak; the table index uses them. */
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	h *= 0xC2B2AE35u;
	h ^= h >> 16;
	return h;
}

static size_t entry_len(const uint8_t *e)
{
	return 3 + get16(e) * (size_t)((e[2] & 1) ? 2 : 1);
}

static td_status grow_slots(td_xls *x, td_error *err)
{
	size_t n = x->nslots * 2;
	struct slot *s = malloc(n * sizeof(*s));

	if (!s)
		return nomem(x, err);
	memset(s, 0xFF, n * sizeof(*s));
	for (size_t i = 0; i < x->nslots; i++) {
		const uint8_t *e;
		size_t j;

		if (x->slots[i].off == UINT32_MAX)
			continue;
		e = x->arena + x->slots[i].off;
		for (j = hash_bytes(e, entry_len(e)) & (n - 1); s[j].off != UINT32_MAX; j = (j + 1) & (n - 1))
			;
		s[j] = x->slots[i];
	}
	free(x->slots);
	x->slots = s;
	x->nslots = n;
	return TD_OK;
}

/* Find or add the encoded string e (n bytes) in the shared string table. */
static td_status intern(td_xls *x, const uint8_t *e, size_t n, uint32_t *idx, td_error *err)
{
	uint32_t h = hash_bytes(e, n);
	size_t i, mask = x->nslots - 1;
	td_status st;

	for (i = h & mask; x->slots[i].off != UINT32_MAX; i = (i + 1) & mask) {
		const uint8_t *o = x->arena + x->slots[i].off;
		if (entry_len(o) == n && memcmp(o, e, n) == 0) {
			*idx = x->slots[i].idx;
			return TD_OK;
		}
	}
	if (x->arena_len + n > ARENA_MAX || x->nstr == UINT32_MAX)
		return td_error_set(err, TD_ERR_INPUT, "'%s': more distinct text than an .xls file can hold", x->path);
	if (x->arena_len + n > x->arena_cap) {
		size_t cap = x->arena_cap * 2;
		uint8_t *a;

		if (cap < x->arena_len + n)
			cap = x->arena_len + n;
		if (cap > ARENA_MAX)
			cap = ARENA_MAX;
		a = realloc(x->arena, cap);
		if (!a)
			return nomem(x, err);
		x->arena = a;
		x->arena_cap = cap;
	}
	/* Keep the load under 0.7 so that linear probing stays short. */
	if ((x->nstr + 1) * (size_t)10 > x->nslots * 7) {
		if ((st = grow_slots(x, err)) != TD_OK)
			return st;
		mask = x->nslots - 1;
		for (i = h & mask; x->slots[i].off != UINT32_MAX; i = (i + 1) & mask)
			;
	}
	memcpy(x->arena + x->arena_len, e, n);
	x->slots[i].off = (uint32_t)x->arena_len;
	x->slots[i].idx = x->nstr;
	x->arena_len += n;
	*idx = x->nstr++;
	return TD_OK;
}

static td_status scratch_write(td_xls *x, const void *p, size_t n, td_error *err)
{
	errno = 0;
	if (n && fwrite(p, 1, n, x->scratch) != n)
		return breakdown(x, err, TD_ERR_IO, "cannot write temporary data for '%s': %s", x->path,
				 strerror(errno ? errno : EIO));
	x->scratch_len += n;
	return TD_OK;
}

/* Write the row block: its ROW records, its cell records, then its DBCELL. */
static td_status flush_block(td_xls *x, td_error *err)
{
	struct part *p = cur_part(x);
	uint32_t first_row = p->nrows - (uint32_t)x->blk_rows;
	int n = x->blk_rows;
	uint8_t rows[ROWS_PER_BLOCK * 20], db[4 + 4 + 2 * ROWS_PER_BLOCK];
	td_status st;

	if (!n)
		return TD_OK;
	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < n; i++) {
		uint8_t *r = rows + 20 * i;
		put16(r, R_ROW);
		put16(r + 2, 16);
		put16(r + 4, first_row + (uint32_t)i);
		put16(r + 6, x->blk_first[i]);
		put16(r + 8, x->blk_end[i]);
		put16(r + 10, 0x00FF);     /* default height */
		put32(r + 16, 0x000F0100); /* "always 1" bit, default XF 15 */
	}
	/*
	 * DBCELL: distance back to the first ROW record, then the offset of each
	 * row's first cell, the first counted from the second ROW record and the
	 * others from the previous row's first cell.
	 */
	put16(db, R_DBCELL);
	put16(db + 2, 4 + 2 * (uint32_t)n);
	put32(db + 4, (uint32_t)(20 * n + x->blk_len));
	put16(db + 8, 20 * ((uint32_t)n - 1));
	for (int i = 1; i < n; i++)
		put16(db + 8 + 2 * i, x->blk_bytes[i - 1]);

	if (p->ndbcell == p->dbcell_cap) {
		size_t cap = p->dbcell_cap ? p->dbcell_cap * 2 : 64;
		uint32_t *d = realloc(p->dbcell, cap * sizeof(*d));
		if (!d)
			return nomem(x, err);
		p->dbcell = d;
		p->dbcell_cap = cap;
	}
	p->dbcell[p->ndbcell++] = (uint32_t)(p->data_len + 20 * (size_t)n + x->blk_len);

	if ((st = scratch_write(x, rows, 20 * (size_t)n, err)) != TD_OK ||
	    (st = scratch_write(x, x->blk, x->blk_len, err)) != TD_OK ||
	    (st = scratch_write(x, db, 8 + 2 * (size_t)n, err)) != TD_OK)
		return st;
	p->data_len += 20 * (size_t)n + x->blk_len + 8 + 2 * (size_t)n;
	x->blk_len = 0;
	x->blk_rows = 0;
	return TD_OK;
}

/* Append row p->nrows, made of cells[lo..hi], to the current row block. */
static td_status commit_row(td_xls *x, const struct cell *cells, int lo, int hi, td_error *err)
{
	struct part *p = cur_part(x);
	uint32_t r = p->nrows;
	size_t start = x->blk_len;
	int first = -1, end = 0, i;

	assert(r < TD_XLS_MAX_ROWS && x->blk_rows < ROWS_PER_BLOCK);
	for (int c = lo; c <= hi; c++) {
		const struct cell *cl = &cells[c];
		uint8_t *q = x->blk + x->blk_len;

		if (cl->kind == CELL_NONE)
			continue;
		if (first < 0)
			first = c;
		end = c + 1;
		put16(q + 4, r);
		put16(q + 6, (uint32_t)c);
		put16(q + 8, cl->xf);
		if (cl->kind == CELL_SST) {
			put16(q, R_LABELSST);
			put16(q + 2, 10);
			put32(q + 10, cl->sst);
			x->blk_len += 14;
			x->sst_refs++;
		} else {
			put16(q, R_NUMBER);
			put16(q + 2, 14);
			putdbl(q + 10, cl->num);
			x->blk_len += 18;
		}
	}
	i = x->blk_rows++;
	x->blk_first[i] = (uint16_t)(first < 0 ? 0 : first);
	x->blk_end[i] = (uint16_t)end;
	x->blk_bytes[i] = (uint16_t)(x->blk_len - start);
	if (first >= 0) {
		if (!p->has_cells || first < p->col_first)
			p->col_first = (uint16_t)first;
		if (!p->has_cells || end > p->col_end)
			p->col_end = (uint16_t)end;
		p->has_cells = 1;
	}
	p->nrows++;
	return x->blk_rows == ROWS_PER_BLOCK ? flush_block(x, err) : TD_OK;
}

static td_status start_part(td_xls *x, char *name, td_error *err)
{
	struct part *p;

	if (x->nparts == x->parts_cap) {
		size_t cap = x->parts_cap ? x->parts_cap * 2 : 8;
		struct part *np = realloc(x->parts, cap * sizeof(*np));
		if (!np) {
			free(name);
			return nomem(x, err);
		}
		x->parts = np;
		x->parts_cap = cap;
	}
	p = &x->parts[x->nparts++];
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->table = x->ntables - 1;
	p->data_off = x->scratch_len;
	return TD_OK;
}

static int name_taken(const td_xls *x, const char *name)
{
	for (size_t i = 0; i < x->nparts; i++)
		if (same_name(x->parts[i].name, name))
			return 1;
	return 0;
}

/* "<table name> (n)" for the next free n, shortening the name to fit 31 characters. */
static td_status continuation_name(td_xls *x, char **out, td_error *err)
{
	const char *base = x->tables[x->ntables - 1].name;
	size_t len = strlen(base);
	char *name = malloc(len + 16);

	if (!name)
		return nomem(x, err);
	for (;;) {
		char suffix[16];
		size_t units, keep = 0, keep_units = 0;
		uint32_t cp;
		int n;

		snprintf(suffix, sizeof(suffix), " (%d)", ++x->cont);
		/* Keep whole characters of base while the result fits. */
		while (base[keep]) {
			n = utf8_next((const unsigned char *)base + keep, &cp);
			units = cp >= 0x10000 ? 2 : 1;
			if (keep_units + units + strlen(suffix) > TD_XLS_MAX_NAME)
				break;
			keep += (size_t)n;
			keep_units += units;
		}
		if (base[keep]) /* shortened: no space before the suffix's own */
			while (keep && base[keep - 1] == ' ')
				keep--;
		memcpy(name, base, keep);
		snprintf(name + keep, len + 16 - keep, "%s", suffix);
		if (!name_taken(x, name))
			break;
	}
	*out = name;
	return TD_OK;
}

static td_status next_part(td_xls *x, td_error *err)
{
	char *name = NULL;
	td_status st;

	if (x->nparts >= MAX_SHEETS)
		return td_error_set(err, TD_ERR_USAGE, "'%s': more than %d sheets", x->path, MAX_SHEETS);
	if ((st = flush_block(x, err)) != TD_OK || (st = continuation_name(x, &name, err)) != TD_OK ||
	    (st = start_part(x, name, err)) != TD_OK)
		return st;
	cur_part(x)->frozen = x->hdr_n > 0;
	return x->hdr_n ? commit_row(x, x->hdr, 0, x->hdr_n - 1, err) : TD_OK;
}

static void clear_row(td_xls *x)
{
	for (int c = x->row_lo; c <= x->row_hi; c++)
		x->row[c].kind = CELL_NONE;
	x->row_lo = TD_XLS_MAX_COLS;
	x->row_hi = -1;
}

static td_status end_row(td_xls *x, td_error *err)
{
	td_status st;

	if (cur_part(x)->nrows == TD_XLS_MAX_ROWS && (st = next_part(x, err)) != TD_OK)
		return st;
	if ((st = commit_row(x, x->row, x->row_lo, x->row_hi, err)) != TD_OK)
		return st;
	clear_row(x);
	x->data_rows++;
	return TD_OK;
}

static int row_pending(const td_xls *x)
{
	for (int c = x->row_lo; c <= x->row_hi; c++)
		if (x->row[c].kind != CELL_NONE)
			return 1;
	return 0;
}

/* Common checks of the cell writers. */
static td_status usable(td_xls *x, int col, td_error *err)
{
	if (!x)
		return td_error_set(err, TD_ERR_USAGE, "no workbook");
	if (x->broken)
		return td_error_set(err, x->broken, "%s", x->broken_msg);
	if (!x->nparts)
		return td_error_set(err, TD_ERR_USAGE, "'%s': no sheet yet: call td_xls_add_sheet() first", x->path);
	if (col < 0 || col >= TD_XLS_MAX_COLS)
		return td_error_set(err, TD_ERR_USAGE, "'%s': column %d is outside 0..%d", x->path, col,
				    TD_XLS_MAX_COLS - 1);
	return TD_OK;
}

static void set_cell(td_xls *x, int col, const struct cell *c)
{
	x->row[col] = *c;
	if (col < x->row_lo)
		x->row_lo = col;
	if (col > x->row_hi)
		x->row_hi = col;
}

/* Encode utf8 into x->enc and intern it; *idx receives its SST index. */
static td_status string_index(td_xls *x, int col, const char *utf8, uint32_t *idx, td_error *err)
{
	size_t units, bad;
	int wide;
	char where[160];

	bad = utf8_measure(utf8, TD_XLS_MAX_CHARS, &units, &wide);
	if (bad || units > TD_XLS_MAX_CHARS) {
		cell_where(x, col, where, sizeof(where));
		if (bad)
			return td_error_set(err, TD_ERR_INPUT, "'%s': %s: invalid UTF-8 at byte %zu", x->path, where,
					    bad);
		return td_error_set(err, TD_ERR_INPUT, "'%s': %s: text longer than %d characters", x->path, where,
				    TD_XLS_MAX_CHARS);
	}
	put16(x->enc, (uint32_t)units);
	x->enc[2] = (uint8_t)wide;
	return intern(x, x->enc, 3 + utf8_store(utf8, wide, x->enc + 3), idx, err);
}

static td_status put_string(td_xls *x, int col, const char *utf8, uint16_t xf, td_error *err)
{
	struct cell c = {0};
	td_status st;

	if ((st = usable(x, col, err)) != TD_OK)
		return st;
	if (!utf8 || !*utf8) {
		x->row[col].kind = CELL_NONE;
		return TD_OK;
	}
	if ((st = string_index(x, col, utf8, &c.sst, err)) != TD_OK)
		return st;
	c.kind = CELL_SST;
	c.xf = xf;
	set_cell(x, col, &c);
	return TD_OK;
}

td_status td_xls_write_string(td_xls *x, int col, const char *utf8, td_error *err)
{
	return put_string(x, col, utf8, XF_GENERAL, err);
}

td_status td_xls_write_text(td_xls *x, int col, const char *utf8, td_error *err)
{
	return put_string(x, col, utf8, XF_TEXT, err);
}

td_status td_xls_write_number(td_xls *x, int col, double v, td_error *err)
{
	struct cell c = {0};
	td_status st;
	char where[160];

	if ((st = usable(x, col, err)) != TD_OK)
		return st;
	if (!isfinite(v)) {
		cell_where(x, col, where, sizeof(where));
		return td_error_set(err, TD_ERR_INPUT, "'%s': %s: %s cannot be stored", x->path, where,
				    isnan(v) ? "NaN" : "infinity");
	}
	c.kind = CELL_NUMBER;
	c.xf = XF_GENERAL;
	c.num = v;
	set_cell(x, col, &c);
	return TD_OK;
}

int td_xls_date_serial(int y, int m, int d, double *serial)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	long n;

	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return 0;
	n = td_date_days(y, m, d) - td_date_days(1899, 12, 31);
	if (n >= 60) /* Excel's 1900-02-29, kept from Lotus 1-2-3 */
		n++;
	*serial = (double)n;
	return 1;
}

td_status td_xls_write_date(td_xls *x, int col, int y, int m, int d, td_error *err)
{
	struct cell c = {0};
	td_status st;
	char where[160];

	if ((st = usable(x, col, err)) != TD_OK)
		return st;
	if (!td_xls_date_serial(y, m, d, &c.num)) {
		cell_where(x, col, where, sizeof(where));
		return td_error_set(err, TD_ERR_INPUT,
				    "'%s': %s: %04d-%02d-%02d is not a date between 1900-01-01 and 9999-12-31", x->path,
				    where, y, m, d);
	}
	c.kind = CELL_NUMBER;
	c.xf = XF_DATE;
	set_cell(x, col, &c);
	return TD_OK;
}

td_status td_xls_write_blank(td_xls *x, int col, td_error *err)
{
	td_status st;

	if ((st = usable(x, col, err)) != TD_OK)
		return st;
	x->row[col].kind = CELL_NONE;
	return TD_OK;
}

td_status td_xls_end_row(td_xls *x, td_error *err)
{
	td_status st;

	if ((st = usable(x, 0, err)) != TD_OK)
		return st;
	return end_row(x, err);
}

/* Checks a sheet name; returns NULL or what is wrong with it. */
static const char *bad_sheet_name(const char *name)
{
	size_t units, len = strlen(name);
	int wide;

	if (!len)
		return "is empty";
	if (utf8_measure(name, TD_XLS_MAX_NAME, &units, &wide))
		return "is not valid UTF-8";
	if (units > TD_XLS_MAX_NAME)
		return "is longer than 31 characters";
	if (strpbrk(name, ":\\/?*[]"))
		return "contains one of : \\ / ? * [ ]";
	if (name[0] == '\'' || name[len - 1] == '\'')
		return "begins or ends with an apostrophe";
	return NULL;
}

td_status td_xls_add_sheet(td_xls *x, const char *name, td_error *err)
{
	const char *why;
	struct table *t;
	char *copy = NULL;
	td_status st;

	if (!x)
		return td_error_set(err, TD_ERR_USAGE, "no workbook");
	if (x->broken)
		return td_error_set(err, x->broken, "%s", x->broken_msg);
	if (!name)
		return td_error_set(err, TD_ERR_USAGE, "'%s': no sheet name", x->path);
	if ((why = bad_sheet_name(name)))
		return td_error_set(err, TD_ERR_USAGE, "'%s': sheet name '%s' %s", x->path, name, why);
	if (name_taken(x, name))
		return td_error_set(err, TD_ERR_USAGE, "'%s': sheet name '%s' is already used", x->path, name);
	if (x->nparts >= MAX_SHEETS)
		return td_error_set(err, TD_ERR_USAGE, "'%s': more than %d sheets", x->path, MAX_SHEETS);
	if (x->nparts) {
		if (row_pending(x) && (st = end_row(x, err)) != TD_OK)
			return st;
		if ((st = flush_block(x, err)) != TD_OK)
			return st;
	}
	clear_row(x);

	if (x->ntables == x->tables_cap) {
		size_t cap = x->tables_cap ? x->tables_cap * 2 : 4;
		struct table *nt = realloc(x->tables, cap * sizeof(*nt));
		if (!nt)
			return nomem(x, err);
		x->tables = nt;
		x->tables_cap = cap;
	}
	t = &x->tables[x->ntables];
	memset(t, 0, sizeof(*t));
	if (!(t->name = strdup(name)) || !(copy = strdup(name))) {
		free(t->name);
		return nomem(x, err);
	}
	x->ntables++;
	x->cont = 1;
	x->data_rows = 0;
	x->hdr_n = 0;
	return start_part(x, copy, err);
}

td_status td_xls_set_header(td_xls *x, const char *const *cells, int ncols, td_error *err)
{
	struct cell hdr[TD_XLS_MAX_COLS];
	td_status st;

	if ((st = usable(x, 0, err)) != TD_OK)
		return st;
	if (ncols < 1 || ncols > TD_XLS_MAX_COLS || !cells)
		return td_error_set(err, TD_ERR_USAGE, "'%s': a header needs 1 to %d columns", x->path,
				    TD_XLS_MAX_COLS);
	if (cur_part(x)->nrows || x->cont > 1 || row_pending(x))
		return td_error_set(err, TD_ERR_USAGE, "'%s': the header must be the first row of sheet '%s'", x->path,
				    x->tables[x->ntables - 1].name);
	memset(hdr, 0, sizeof(hdr));
	x->in_header = 1;
	for (int c = 0; c < ncols; c++) {
		if (!cells[c] || !*cells[c])
			continue;
		if ((st = string_index(x, c, cells[c], &hdr[c].sst, err)) != TD_OK) {
			x->in_header = 0;
			return st;
		}
		hdr[c].kind = CELL_SST;
		hdr[c].xf = XF_HEADER;
	}
	x->in_header = 0;
	memcpy(x->hdr, hdr, sizeof(hdr));
	x->hdr_n = ncols;
	cur_part(x)->frozen = 1;
	return commit_row(x, x->hdr, 0, ncols - 1, err);
}

td_status td_xls_set_column_width(td_xls *x, int col, double width, td_error *err)
{
	td_status st;

	if ((st = usable(x, col, err)) != TD_OK)
		return st;
	if (!(width > 0 && width <= 255))
		return td_error_set(err, TD_ERR_USAGE, "'%s': column width %g is outside (0, 255]", x->path, width);
	x->tables[x->ntables - 1].width[col] = (uint16_t)lround(width * 256);
	return TD_OK;
}

/* ---- Writing the workbook ---------------------------------------------- */

static void out_bytes(struct out *o, const void *p, size_t n)
{
	if (o->fp && !o->errnum && n) {
		errno = 0;
		if (fwrite(p, 1, n, o->fp) != n)
			o->errnum = errno ? errno : EIO;
	}
	o->pos += n;
}

static void out_rec(struct out *o, uint32_t type, const void *body, size_t len)
{
	uint8_t h[4];

	assert(len <= REC_MAX);
	put16(h, type);
	put16(h + 2, (uint32_t)len);
	out_bytes(o, h, 4);
	out_bytes(o, body, len);
}

static void out_rec16(struct out *o, uint32_t type, uint32_t v)
{
	uint8_t b[2];

	put16(b, v);
	out_rec(o, type, b, 2);
}

static void out_bof(struct out *o, uint32_t type)
{
	uint8_t b[16] = {0};

	put16(b, 0x0600); /* BIFF8 */
	put16(b + 2, type);
	put16(b + 4, 0x0DBB); /* build and year of Excel 97, as other writers use */
	put16(b + 6, 0x07CC);
	put32(b + 12, 0x0006); /* lowest version that reads the file: Excel 97 */
	out_rec(o, R_BOF, b, sizeof(b));
}

static void out_font(struct out *o, int bold)
{
	uint8_t b[14 + 2 + 5] = {0};

	put16(b, 200); /* 10 pt */
	put16(b + 2, bold ? 0x0001 : 0);
	put16(b + 4, 0x7FFF); /* automatic colour */
	put16(b + 6, bold ? 700 : 400);
	b[14] = 5; /* "Arial", compressed */
	b[15] = 0;
	memcpy(b + 16, "Arial", 5);
	out_rec(o, R_FONT, b, sizeof(b));
}

static void out_xf(struct out *o, uint32_t font, uint32_t fmt, int style, uint8_t used)
{
	uint8_t b[20] = {0};

	put16(b, font);
	put16(b + 2, fmt);
	/* locked; a style XF has parent 0xFFF, a cell XF the Normal style XF 0 */
	put16(b + 4, style ? 0xFFF5 : 0x0001);
	b[6] = 0x20; /* bottom-aligned */
	b[9] = used;
	put16(b + 18, 0x20C0); /* automatic pattern colours */
	out_rec(o, R_XF, b, sizeof(b));
}

/* How many records a string of n b-byte characters spans when used bytes of the first are taken. */
static size_t records_spanned(size_t used, size_t n, size_t b)
{
	size_t recs = 1, room = (REC_MAX - used - 3) / b;

	while (n > room) {
		n -= room;
		recs++;
		room = (REC_MAX - 1) / b;
	}
	return recs;
}

/* The shared string table in SST and CONTINUE records, then its EXTSST index. */
static void out_sst(const td_xls *x, struct out *o)
{
	uint8_t rec[REC_MAX], ext[2 + 8 * 128];
	uint32_t type = R_SST, n = x->nstr, dsst = n < 1024 ? 8 : 1 + n / 128;
	uint32_t nb = (n + dsst - 1) / dsst;
	size_t used = 8, off = 0;

	assert(nb <= 128);
	put32(rec, x->sst_refs > UINT32_MAX ? UINT32_MAX : (uint32_t)x->sst_refs);
	put32(rec + 4, n);
	memset(ext, 0, sizeof(ext));
	put16(ext, dsst);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = x->arena + off, *ch = e + 3;
		size_t b = (e[2] & 1) ? 2 : 1, left = get16(e);

		/*
		 * A string's header and first character never straddle two records.
		 * A string that would span three records or more starts a new one
		 * if it then spans fewer: FreeXL 1.0 (GDAL's XLS driver) rejects
		 * the whole file when one string spans three records, which this
		 * keeps to strings over 16,444 bytes instead of over 8,223.
		 */
		if (used + 3 + (left ? b : 0) > REC_MAX ||
		    (used && records_spanned(used, left, b) > 2 &&
		     records_spanned(used, left, b) > records_spanned(0, left, b))) {
			out_rec(o, type, rec, used);
			type = R_CONTINUE;
			used = 0;
		}
		if (i % dsst == 0) {
			uint8_t *q = ext + 2 + 8 * (i / dsst);
			put32(q, (uint32_t)(o->pos + 4 + used));
			put16(q + 4, (uint32_t)(4 + used));
		}
		memcpy(rec + used, e, 3);
		used += 3;
		while (left) {
			size_t room = (REC_MAX - used) / b, k;

			if (!room) {
				/* The rest continues after a fresh option-flags byte. */
				out_rec(o, type, rec, used);
				type = R_CONTINUE;
				rec[0] = e[2] & 1;
				used = 1;
				room = (REC_MAX - used) / b;
			}
			k = left < room ? left : room;
			memcpy(rec + used, ch, k * b);
			used += k * b;
			ch += k * b;
			left -= k;
		}
		off += entry_len(e);
	}
	out_rec(o, type, rec, used);
	out_rec(o, R_EXTSST, ext, 2 + 8 * (size_t)nb);
}

/* The globals substream; starts holds each sheet's stream offset (NULL: sizing pass). */
static void out_globals(const td_xls *x, struct out *o, const uint64_t *starts)
{
	static const uint8_t format_date[] = "dd/mm/yyyy";
	uint8_t b[128];
	size_t n;

	out_bof(o, 0x0005);
	out_rec16(o, R_INTERFACEHDR, 1200);
	out_rec16(o, R_MMS, 0);
	out_rec(o, R_INTERFACEEND, NULL, 0);
	memset(b, ' ', 112); /* user name, padded with spaces */
	put16(b, 7);
	b[2] = 0;
	memcpy(b + 3, "thuadat", 7);
	out_rec(o, R_WRITEACCESS, b, 112);
	out_rec16(o, R_CODEPAGE, 1200); /* UTF-16 */
	out_rec16(o, R_DSF, 0);
	put16(b, R_TABID);
	put16(b + 2, 2 * (uint32_t)x->nparts);
	out_bytes(o, b, 4);
	for (size_t i = 0; i < x->nparts; i++) {
		put16(b, (uint32_t)i + 1);
		out_bytes(o, b, 2);
	}
	out_rec16(o, R_FNGROUPCOUNT, 14);
	out_rec16(o, R_WINDOWPROTECT, 0);
	out_rec16(o, R_PROTECT, 0);
	out_rec16(o, R_PASSWORD, 0);
	out_rec16(o, R_PROT4REV, 0);
	out_rec16(o, R_PROT4REVPASS, 0);

	memset(b, 0, 18);
	put16(b, 0x0168);
	put16(b + 2, 0x005A);
	put16(b + 4, 0x3FCF); /* window size in twips */
	put16(b + 6, 0x2A4E);
	put16(b + 8, 0x0038); /* scroll bars and sheet tabs visible */
	put16(b + 14, 1);     /* one selected sheet: the first */
	put16(b + 16, 600);   /* tab bar width in 1/1000 of the window */
	out_rec(o, R_WINDOW1, b, 18);
	out_rec16(o, R_BACKUP, 0);
	out_rec16(o, R_HIDEOBJ, 0);
	out_rec16(o, R_DATEMODE, 0); /* 1900 date system */
	out_rec16(o, R_PRECISION, 1);
	out_rec16(o, R_REFRESHALL, 0);
	out_rec16(o, R_BOOKBOOL, 0);

	for (int i = 0; i < 4; i++)
		out_font(o, 0);
	out_font(o, 1); /* index 5 */

	n = sizeof(format_date) - 1;
	put16(b, FMT_DATE);
	put16(b + 2, (uint32_t)n);
	b[4] = 0;
	memcpy(b + 5, format_date, n);
	out_rec(o, R_FORMAT, b, 5 + n);

	out_xf(o, 0, 0, 1, 0x00); /* style XF 0: Normal */
	for (int i = 1; i < 15; i++)
		out_xf(o, i < 3 ? 1 : i < 5 ? 2 : 0, 0, 1, 0xF4);
	out_xf(o, 0, 0, 0, 0x00);         /* 15: general */
	out_xf(o, 0, FMT_TEXT, 0, 0x04);  /* 16: text, own number format */
	out_xf(o, 0, FMT_DATE, 0, 0x04);  /* 17: date */
	out_xf(o, FONT_BOLD, 0, 0, 0x08); /* 18: header, own font */
	put16(b, 0x8000);                 /* built-in style Normal on XF 0 */
	b[2] = 0;
	b[3] = 0xFF;
	out_rec(o, R_STYLE, b, 4);
	out_rec16(o, R_USESELFS, 1);

	for (size_t i = 0; i < x->nparts; i++) {
		const char *name = x->parts[i].name;
		size_t units;
		int wide;

		utf8_measure(name, TD_XLS_MAX_NAME, &units, &wide);
		assert(units <= TD_XLS_MAX_NAME);
		put32(b, starts ? (uint32_t)starts[i] : 0);
		b[4] = 0; /* visible */
		b[5] = 0; /* worksheet */
		b[6] = (uint8_t)units;
		b[7] = (uint8_t)wide;
		out_rec(o, R_BOUNDSHEET, b, 8 + utf8_store(name, wide, b + 8));
	}
	out_sst(x, o);
	out_rec(o, R_EOF, NULL, 0);
}

/* Records between INDEX and DEFCOLWIDTH, as Excel writes them. */
static const struct {
	uint16_t type, len;
	uint8_t body[8];
} sheet_settings[] = {
	{R_CALCMODE, 2, {1, 0}},
	{R_CALCCOUNT, 2, {100, 0}},
	{R_REFMODE, 2, {1, 0}},
	{R_ITERATION, 2, {0, 0}},
	{R_DELTA, 8, {0xFC, 0xA9, 0xF1, 0xD2, 0x4D, 0x62, 0x50, 0x3F}}, /* 0.001 */
	{R_SAVERECALC, 2, {1, 0}},
	{R_PRINTHEADERS, 2, {0, 0}},
	{R_PRINTGRIDLINES, 2, {0, 0}},
	{R_GRIDSET, 2, {1, 0}},
	{R_GUTS, 8, {0}},
	{R_DEFAULTROWHEIGHT, 4, {0, 0, 0xFF, 0}},
	{R_WSBOOL, 2, {0xC1, 0x04}},
};

/* Emit (o non-NULL) and count the COLINFO records: one per run of equal widths. */
static size_t out_colinfo(const struct table *t, struct out *o)
{
	size_t count = 0;

	for (int c = 0; c < TD_XLS_MAX_COLS;) {
		int last = c;

		if (!t->width[c]) {
			c++;
			continue;
		}
		while (last + 1 < TD_XLS_MAX_COLS && t->width[last + 1] == t->width[c])
			last++;
		if (o) {
			uint8_t b[12] = {0};
			put16(b, (uint32_t)c);
			put16(b + 2, (uint32_t)last);
			put16(b + 4, t->width[c]);
			put16(b + 6, XF_GENERAL);
			put16(b + 8, 0x0002); /* width set by the user */
			out_rec(o, R_COLINFO, b, sizeof(b));
		}
		count++;
		c = last + 1;
	}
	return count;
}

static uint64_t sheet_prefix_len(const td_xls *x, const struct part *p)
{
	uint64_t n = 20 + 4 + 16 + 4 * (uint64_t)p->ndbcell;

	for (size_t i = 0; i < sizeof(sheet_settings) / sizeof(sheet_settings[0]); i++)
		n += 4 + sheet_settings[i].len;
	return n + 6 + 16 * out_colinfo(&x->tables[p->table], NULL) + 18;
}

#define SHEET_SUFFIX_LEN (22 + 4) /* WINDOW2, EOF */
#define PANE_LEN (4 + 10)         /* PANE, on sheets with a header row */

static uint64_t sheet_len(const td_xls *x, const struct part *p)
{
	return sheet_prefix_len(x, p) + p->data_len + SHEET_SUFFIX_LEN + (p->frozen ? PANE_LEN : 0);
}

/* One sheet substream starting at stream offset start; its rows come from the scratch file. */
static td_status out_sheet(td_xls *x, struct out *o, size_t ip, uint64_t start, td_error *err)
{
	const struct part *p = &x->parts[ip];
	uint64_t prefix = sheet_prefix_len(x, p), defcol;
	uint8_t b[20];
	uint64_t left;

	assert(o->pos == start);
	assert(p->ndbcell == (p->nrows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
	out_bof(o, 0x0010);

	defcol = start + 20 + 4 + 16 + 4 * (uint64_t)p->ndbcell;
	for (size_t i = 0; i < sizeof(sheet_settings) / sizeof(sheet_settings[0]); i++)
		defcol += 4 + sheet_settings[i].len;
	put16(b, R_INDEX);
	put16(b + 2, 16 + 4 * (uint32_t)p->ndbcell);
	put32(b + 4, 0);
	put32(b + 8, 0);         /* first row */
	put32(b + 12, p->nrows); /* first row of the unused tail */
	put32(b + 16, (uint32_t)defcol);
	out_bytes(o, b, 20);
	for (size_t i = 0; i < p->ndbcell; i++) {
		put32(b, (uint32_t)(start + prefix + p->dbcell[i]));
		out_bytes(o, b, 4);
	}
	for (size_t i = 0; i < sizeof(sheet_settings) / sizeof(sheet_settings[0]); i++)
		out_rec(o, sheet_settings[i].type, sheet_settings[i].body, sheet_settings[i].len);
	assert(o->pos == defcol);
	out_rec16(o, R_DEFCOLWIDTH, 8);
	out_colinfo(&x->tables[p->table], o);
	memset(b, 0, 14);
	if (p->nrows)
		put32(b + 4, p->nrows);
	if (p->has_cells) {
		put16(b + 8, p->col_first);
		put16(b + 10, p->col_end);
	}
	out_rec(o, R_DIMENSIONS, b, 14);
	if (o->pos != start + prefix)
		return td_error_set(err, TD_ERR_INTERNAL, "'%s': sheet '%s' header size mismatch", x->path, p->name);

	/* The row blocks, copied through the (now unused) block buffer. */
	if (fseeko(x->scratch, (off_t)p->data_off, SEEK_SET) != 0)
		return breakdown(x, err, TD_ERR_IO, "cannot read temporary data for '%s': %s", x->path,
				 strerror(errno));
	for (left = p->data_len; left;) {
		size_t k = left < 65536 ? (size_t)left : 65536;
		if (fread(x->blk, 1, k, x->scratch) != k)
			return breakdown(x, err, TD_ERR_IO, "cannot read temporary data for '%s': %s", x->path,
					 ferror(x->scratch) ? strerror(errno) : "file too short");
		out_bytes(o, x->blk, k);
		left -= k;
	}

	memset(b, 0, 18);
	/* grid, headers, zeros, outline; first sheet selected; a header row frozen (fFrozen, fFrozenNoSplit) */
	put16(b, (ip == 0 ? 0x06B6 : 0x00B6) | (p->frozen ? 0x0108 : 0));
	put16(b + 6, 0x40); /* automatic grid colour */
	out_rec(o, R_WINDOW2, b, 18);
	if (p->frozen) {
		/* The header row stays in view while the list scrolls: one row above, the lower pane active. */
		memset(b, 0, 10);
		put16(b + 2, 1); /* rows in the top pane */
		put16(b + 4, 1); /* first row shown in the bottom pane */
		b[8] = 2;        /* active pane: lower left */
		out_rec(o, R_PANE, b, 10);
	}
	out_rec(o, R_EOF, NULL, 0);
	return TD_OK;
}

/* One 128-byte directory entry. */
static void dir_entry(uint8_t *e, const char *name, uint8_t type, uint32_t child, uint32_t start, uint32_t size)
{
	size_t n = strlen(name);

	memset(e, 0, 128);
	for (size_t i = 0; i < n; i++)
		put16(e + 2 * i, (uint8_t)name[i]);
	put16(e + 64, n ? 2 * ((uint32_t)n + 1) : 0);
	e[66] = type;
	e[67] = type ? 1 : 0; /* black node */
	put32(e + 68, NOSTREAM);
	put32(e + 72, NOSTREAM);
	put32(e + 76, child);
	put32(e + 116, start);
	put32(e + 120, size);
}

/* Write the whole compound file to x->out. */
static td_status write_file(td_xls *x, td_error *err)
{
	struct out count = {NULL, 0, 0}, o = {x->out, 0, 0};
	uint64_t *starts = NULL, w, wlen;
	uint32_t nw, nfat = 0, ndif = 0, total, fat_start, dif_start, dir_sec;
	uint8_t sec[SECTOR];
	td_status st = TD_OK;

	errno = 0;
	if (fflush(x->scratch) != 0 || ferror(x->scratch)) {
		st = breakdown(x, err, TD_ERR_IO, "cannot write temporary data for '%s': %s", x->path,
			       strerror(errno ? errno : EIO));
		goto done;
	}

	/* Sizes first: BOUNDSHEET and INDEX hold absolute stream offsets. */
	starts = malloc((x->nparts + 1) * sizeof(*starts));
	if (!starts) {
		st = nomem(x, err);
		goto done;
	}
	out_globals(x, &count, NULL);
	starts[0] = count.pos;
	for (size_t i = 0; i < x->nparts; i++)
		starts[i + 1] = starts[i] + sheet_len(x, &x->parts[i]);
	w = starts[x->nparts];
	if (w > UINT32_MAX) {
		st = td_error_set(err, TD_ERR_INPUT,
				  "'%s': %llu bytes of workbook data exceed the 4 GiB an .xls file can hold", x->path,
				  (unsigned long long)w);
		goto done;
	}
	wlen = w < STREAM_MIN ? STREAM_MIN : w;
	nw = (uint32_t)((wlen + SECTOR - 1) / SECTOR);
	/* FAT sectors map every sector, themselves and the DIFAT sectors included. */
	for (;;) {
		uint32_t f, d;
		total = nw + nfat + ndif + 1;
		f = (total + 127) / 128;
		d = f > 109 ? (f - 109 + 126) / 127 : 0;
		if (f == nfat && d == ndif)
			break;
		nfat = f;
		ndif = d;
	}
	fat_start = nw;
	dif_start = nw + nfat;
	dir_sec = dif_start + ndif;

	/* Header. */
	memset(sec, 0, sizeof(sec));
	memcpy(sec, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
	put16(sec + 24, 0x003E);
	put16(sec + 26, 0x0003);
	put16(sec + 28, 0xFFFE);
	put16(sec + 30, 9); /* 512-byte sectors */
	put16(sec + 32, 6); /* 64-byte mini sectors */
	put32(sec + 44, nfat);
	put32(sec + 48, dir_sec);
	put32(sec + 56, STREAM_MIN);
	put32(sec + 60, ENDOFCHAIN); /* no mini FAT */
	put32(sec + 68, ndif ? dif_start : ENDOFCHAIN);
	put32(sec + 72, ndif);
	for (uint32_t i = 0; i < 109; i++)
		put32(sec + 76 + 4 * i, i < nfat ? fat_start + i : FREESECT);
	out_bytes(&o, sec, SECTOR);
	o.pos = 0; /* stream offsets count from the first Workbook sector */

	out_globals(x, &o, starts);
	if (o.pos != starts[0]) {
		st = td_error_set(err, TD_ERR_INTERNAL, "'%s': globals size mismatch", x->path);
		goto done;
	}
	for (size_t i = 0; i < x->nparts; i++) {
		if ((st = out_sheet(x, &o, i, starts[i], err)) != TD_OK)
			goto done;
		if (o.pos != starts[i + 1]) {
			st = td_error_set(err, TD_ERR_INTERNAL, "'%s': sheet '%s' size mismatch", x->path,
					  x->parts[i].name);
			goto done;
		}
	}
	memset(sec, 0, sizeof(sec));
	while (o.pos < (uint64_t)nw * SECTOR) {
		uint64_t k = (uint64_t)nw * SECTOR - o.pos;
		out_bytes(&o, sec, k < SECTOR ? (size_t)k : SECTOR);
	}

	/* FAT: the Workbook chain, then the FAT, DIFAT and directory sectors themselves. */
	for (uint32_t s = 0; s < nfat * 128; s++) {
		uint32_t v = FREESECT;
		if (s + 1 < nw)
			v = s + 1;
		else if (s + 1 == nw || s == dir_sec)
			v = ENDOFCHAIN;
		else if (s >= fat_start && s < fat_start + nfat)
			v = FATSECT;
		else if (s >= dif_start && s < dif_start + ndif)
			v = DIFSECT;
		put32(sec + 4 * (s % 128), v);
		if (s % 128 == 127)
			out_bytes(&o, sec, SECTOR);
	}
	/* DIFAT sectors: FAT sector numbers beyond the header's 109, 127 per sector, chained. */
	for (uint32_t d = 0; d < ndif; d++) {
		for (uint32_t i = 0; i < 127; i++) {
			uint32_t k = 109 + 127 * d + i;
			put32(sec + 4 * i, k < nfat ? fat_start + k : FREESECT);
		}
		put32(sec + 508, d + 1 < ndif ? dif_start + d + 1 : ENDOFCHAIN);
		out_bytes(&o, sec, SECTOR);
	}
	/* Directory: the root storage, the Workbook stream, two unused entries. */
	dir_entry(sec, "Root Entry", 5, 1, ENDOFCHAIN, 0);
	dir_entry(sec + 128, "Workbook", 2, NOSTREAM, 0, (uint32_t)wlen);
	dir_entry(sec + 256, "", 0, NOSTREAM, 0, 0);
	dir_entry(sec + 384, "", 0, NOSTREAM, 0, 0);
	out_bytes(&o, sec, SECTOR);

	errno = 0;
	if (!o.errnum && fflush(x->out) != 0)
		o.errnum = errno ? errno : EIO;
	if (!o.errnum && fsync(fileno(x->out)) != 0)
		o.errnum = errno;
	if (o.errnum)
		st = breakdown(x, err, TD_ERR_IO, "cannot write '%s': %s", x->path, strerror(o.errnum));
done:
	free(starts);
	return st;
}

/* "<path><suffix>XXXXXX" created with mode 0600; returns the descriptor or -1. */
static int make_temp(const char *path, const char *suffix, char **name)
{
	size_t n = strlen(path) + strlen(suffix) + 7;
	int fd;

	*name = malloc(n);
	if (!*name)
		return -1;
	snprintf(*name, n, "%s%sXXXXXX", path, suffix);
	fd = mkstemp(*name);
	if (fd < 0) {
		int e = errno;
		free(*name);
		*name = NULL;
		errno = e;
		return -1;
	}
	if (fchmod(fd, 0600) != 0) {
		int e = errno;
		close(fd);
		unlink(*name);
		free(*name);
		*name = NULL;
		errno = e;
		return -1;
	}
	return fd;
}

td_status td_xls_new(const char *path, td_xls **out, td_error *err)
{
	td_xls *x = NULL;
	int fd = -1;
	td_status st = TD_OK;

	*out = NULL;
	if (!path || !*path)
		return td_error_set(err, TD_ERR_USAGE, "no output path for the .xls file");
	x = calloc(1, sizeof(*x));
	if (!x)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory writing '%s'", path);
	x->row_lo = TD_XLS_MAX_COLS;
	x->row_hi = -1;
	x->nslots = 1024;
	x->arena_cap = 65536;
	x->path = strdup(path);
	x->blk = malloc(ROWS_PER_BLOCK * TD_XLS_MAX_COLS * 18);
	x->enc = malloc(3 + 2 * TD_XLS_MAX_CHARS + 2);
	x->arena = malloc(x->arena_cap);
	x->slots = malloc(x->nslots * sizeof(*x->slots));
	if (!x->path || !x->blk || !x->enc || !x->arena || !x->slots) {
		st = td_error_set(err, TD_ERR_NOMEM, "out of memory writing '%s'", path);
		goto done;
	}
	memset(x->slots, 0xFF, x->nslots * sizeof(*x->slots));

	/* The scratch file lives next to the target (not in a possibly small /tmp)
	 * and loses its name at once, so that nothing is left behind on a crash. */
	fd = make_temp(path, ".cells-", &x->scratch_path);
	if (fd < 0) {
		st = td_error_set(err, TD_ERR_IO, "cannot create a temporary file next to '%s': %s", path,
				  strerror(errno));
		goto done;
	}
	if (unlink(x->scratch_path) == 0) {
		free(x->scratch_path);
		x->scratch_path = NULL;
	}
	x->scratch = fdopen(fd, "w+b");
	if (!x->scratch) {
		st = td_error_set(err, TD_ERR_IO, "cannot open a temporary file next to '%s': %s", path,
				  strerror(errno));
		close(fd);
		goto done;
	}
	setvbuf(x->scratch, NULL, _IOFBF, 1 << 20);
	*out = x;
	x = NULL;
done:
	td_xls_free(x);
	return st;
}

/* Make the rename durable; failing here no longer loses data, so errors are ignored. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int fd;

	if (!dir)
		return;
	fd = open(dir, O_RDONLY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

td_status td_xls_close(td_xls *x, td_error *err)
{
	td_status st = TD_OK;
	int fd;

	if (!x)
		return td_error_set(err, TD_ERR_USAGE, "no workbook to close");
	if (x->broken) {
		st = td_error_set(err, x->broken, "%s", x->broken_msg);
		goto done;
	}
	if (!x->nparts) {
		st = td_error_set(err, TD_ERR_USAGE, "'%s': a workbook needs at least one sheet", x->path);
		goto done;
	}
	if (row_pending(x) && (st = end_row(x, err)) != TD_OK)
		goto done;
	if ((st = flush_block(x, err)) != TD_OK)
		goto done;

	fd = make_temp(x->path, ".tmp-", &x->tmp_path);
	if (fd < 0) {
		st = td_error_set(err, TD_ERR_IO, "cannot create a temporary file next to '%s': %s", x->path,
				  strerror(errno));
		goto done;
	}
	x->out = fdopen(fd, "wb");
	if (!x->out) {
		st = td_error_set(err, TD_ERR_IO, "cannot open a temporary file next to '%s': %s", x->path,
				  strerror(errno));
		close(fd);
		goto done;
	}
	setvbuf(x->out, NULL, _IOFBF, 1 << 20);
	if ((st = write_file(x, err)) != TD_OK)
		goto done;
	errno = 0;
	if (fclose(x->out) != 0) {
		x->out = NULL;
		st = td_error_set(err, TD_ERR_IO, "cannot write '%s': %s", x->path, strerror(errno ? errno : EIO));
		goto done;
	}
	x->out = NULL;
	if (rename(x->tmp_path, x->path) != 0) {
		st = td_error_set(err, TD_ERR_IO, "cannot rename '%s' to '%s': %s", x->tmp_path, x->path,
				  strerror(errno));
		goto done;
	}
	free(x->tmp_path);
	x->tmp_path = NULL;
	sync_dir(x->path);
done:
	td_xls_free(x);
	return st;
}

void td_xls_free(td_xls *x)
{
	if (!x)
		return;
	if (x->out)
		fclose(x->out);
	if (x->tmp_path)
		unlink(x->tmp_path);
	if (x->scratch)
		fclose(x->scratch);
	if (x->scratch_path)
		unlink(x->scratch_path);
	for (size_t i = 0; i < x->nparts; i++) {
		free(x->parts[i].name);
		free(x->parts[i].dbcell);
	}
	for (size_t i = 0; i < x->ntables; i++)
		free(x->tables[i].name);
	free(x->parts);
	free(x->tables);
	free(x->slots);
	free(x->arena);
	free(x->enc);
	free(x->blk);
	free(x->tmp_path);
	free(x->scratch_path);
	free(x->path);
	free(x);
}
