#include "cfb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENDOFCHAIN 0xFFFFFFFEu
#define NOSTREAM 0xFFFFFFFFu
#define MAX_RECORD 8224
#define MAX_SHEETS 4096

struct cfb {
	const unsigned char *b;
	size_t n;
	const char *name;
	unsigned ss;   /* sector size */
	uint32_t nsec; /* whole sectors after the header */
	uint32_t *fat;
	uint32_t nfat; /* entries */
	td_error *err;
};

static uint16_t u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static td_status bad(const char *name, td_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static td_status bad(const char *name, td_error *err, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return td_error_set(err, TD_ERR_INPUT, "'%s' is not a sound .xls workbook: %s", name, why);
}

/*
 * The sectors of the chain from start through next[] (ntab entries; a
 * sector id must be below nvalid), at most max of them. *out (malloc'd) and
 * *count; a loop, an id out of range or a chain longer than max is refused.
 */
static td_status chain(struct cfb *c, const uint32_t *next, uint32_t ntab, uint32_t nvalid, uint32_t start, size_t max,
		       const char *what, uint32_t **out, size_t *count)
{
	unsigned char *seen = calloc((size_t)ntab / 8 + 1, 1);
	uint32_t *ids = NULL;
	size_t n = 0, cap = 0;
	td_status rc = TD_OK;

	*out = NULL;
	*count = 0;
	if (!seen)
		return td_error_set(c->err, TD_ERR_NOMEM, "out of memory");
	for (uint32_t s = start; s != ENDOFCHAIN; s = next[s]) {
		if (s >= ntab || s >= nvalid) {
			rc = bad(c->name, c->err, "the %s chain points to sector %u, outside the file", what, s);
			break;
		}
		if (seen[s / 8] & (1u << (s % 8))) {
			rc = bad(c->name, c->err, "the %s chain loops at sector %u", what, s);
			break;
		}
		if (n == max) {
			rc = bad(c->name, c->err, "the %s chain is longer than its size", what);
			break;
		}
		seen[s / 8] |= (unsigned char)(1u << (s % 8));
		if (n == cap) {
			uint32_t *p = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids));
			if (!p) {
				rc = td_error_set(c->err, TD_ERR_NOMEM, "out of memory");
				break;
			}
			ids = p;
		}
		ids[n++] = s;
	}
	free(seen);
	if (rc != TD_OK) {
		free(ids);
		return rc;
	}
	*out = ids;
	*count = n;
	return TD_OK;
}

static const unsigned char *sector(const struct cfb *c, uint32_t s)
{
	return c->b + (size_t)(s + 1) * c->ss;
}

/* The FAT, from the header's 109 DIFAT entries and the DIFAT sector chain. */
static td_status read_fat(struct cfb *c)
{
	uint32_t nfatsec = u32(c->b + 0x2C), difat = u32(c->b + 0x44), ndifat = u32(c->b + 0x48);
	uint32_t per = c->ss / 4, got = 0;

	if (nfatsec == 0 || nfatsec > c->nsec)
		return bad(c->name, c->err, "%u FAT sectors in a file of %u sectors", nfatsec, c->nsec);
	c->nfat = nfatsec * per;
	c->fat = malloc((size_t)c->nfat * sizeof(*c->fat));
	if (!c->fat)
		return td_error_set(c->err, TD_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < 109 && got < nfatsec; i++) {
		uint32_t s = u32(c->b + 0x4C + 4 * i);
		if (s >= c->nsec)
			return bad(c->name, c->err, "FAT sector %u is outside the file", s);
		for (uint32_t k = 0; k < per; k++)
			c->fat[got * per + k] = u32(sector(c, s) + 4 * k);
		got++;
	}
	for (uint32_t d = 0; got < nfatsec; d++) {
		if (d >= ndifat || difat >= c->nsec)
			return bad(c->name, c->err, "the DIFAT lists %u of %u FAT sectors", got, nfatsec);
		for (uint32_t i = 0; i + 1 < per && got < nfatsec; i++) {
			uint32_t s = u32(sector(c, difat) + 4 * i);
			if (s >= c->nsec)
				return bad(c->name, c->err, "FAT sector %u is outside the file", s);
			for (uint32_t k = 0; k < per; k++)
				c->fat[got * per + k] = u32(sector(c, s) + 4 * k);
			got++;
		}
		difat = u32(sector(c, difat) + c->ss - 4);
	}
	return TD_OK;
}

/* Stream bytes: size bytes from the chain's units of unit bytes each in base (a sector reader or the mini stream). */
static td_status assemble(struct cfb *c, const uint32_t *ids, size_t nids, size_t unit, const unsigned char *mini,
			  size_t size, unsigned char **out)
{
	unsigned char *p;

	if (nids < (size + unit - 1) / unit)
		return bad(c->name, c->err, "the workbook stream's chain holds %zu bytes of its %zu", nids * unit,
			   size);
	p = malloc(size ? size : 1);
	if (!p)
		return td_error_set(c->err, TD_ERR_NOMEM, "out of memory");
	for (size_t i = 0, done = 0; done < size; i++) {
		size_t k = size - done < unit ? size - done : unit;
		memcpy(p + done, mini ? mini + (size_t)ids[i] * unit : sector(c, ids[i]), k);
		done += k;
	}
	*out = p;
	return TD_OK;
}

/* The directory entry named name (ASCII, case-insensitive), or -1. */
static long find_entry(const unsigned char *dir, size_t nent, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < nent; i++) {
		const unsigned char *e = dir + 128 * i;
		size_t k;
		if (e[0x42] != 2 || u16(e + 0x40) != 2 * (len + 1))
			continue;
		for (k = 0; k < len; k++) {
			unsigned ch = u16(e + 2 * k);
			if (ch >= 128 || (ch | 0x20) != ((unsigned)name[k] | 0x20))
				break;
		}
		if (k == len)
			return (long)i;
	}
	return -1;
}

/* The Workbook stream of the compound file, checked and copied out. */
static td_status workbook_stream(struct cfb *c, unsigned char **stream, size_t *len)
{
	const unsigned char *h = c->b;
	unsigned major = u16(h + 0x1A), shift = u16(h + 0x1E);
	uint32_t *ids = NULL, *mids = NULL, *mfat = NULL;
	unsigned char *dir = NULL, *mini = NULL;
	size_t nids = 0, nent, size, nm = 0;
	uint64_t size64;
	long wb;
	td_status rc;

	if (c->n < 512 || memcmp(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) != 0)
		return bad(c->name, c->err, "no compound-file signature");
	if (u16(h + 0x1C) != 0xFFFE || !((major == 3 && shift == 9) || (major == 4 && shift == 12)) ||
	    u16(h + 0x20) != 6 || u32(h + 0x38) != 4096)
		return bad(c->name, c->err, "compound-file header of version %u, sector shift %u", major, shift);
	c->ss = 1u << shift;
	if (c->n < 2 * (size_t)c->ss)
		return bad(c->name, c->err, "%zu bytes: shorter than one sector after the header", c->n);
	c->nsec = (uint32_t)((c->n - c->ss) / c->ss);
	if ((rc = read_fat(c)) != TD_OK)
		return rc;
	/* The directory. */
	rc = chain(c, c->fat, c->nfat, c->nsec, u32(h + 0x30), c->nsec, "directory", &ids, &nids);
	if (rc != TD_OK)
		goto done;
	nent = nids * c->ss / 128;
	if (nent == 0) {
		rc = bad(c->name, c->err, "an empty directory");
		goto done;
	}
	if ((rc = assemble(c, ids, nids, c->ss, NULL, nids * c->ss, &dir)) != TD_OK)
		goto done;
	for (size_t i = 0; i < nent; i++) {
		const unsigned char *e = dir + 128 * i;
		unsigned type = e[0x42], nlen = u16(e + 0x40);
		if (type == 0)
			continue;
		if ((type != 1 && type != 2 && type != 5) || nlen < 2 || nlen > 64 || nlen % 2 ||
		    u16(e + nlen - 2) != 0 || (i == 0) != (type == 5)) {
			rc = bad(c->name, c->err, "directory entry %zu is malformed", i);
			goto done;
		}
		for (int k = 0; k < 3; k++) {
			uint32_t link = u32(e + 0x44 + 4 * k);
			if (link != NOSTREAM && link >= nent) {
				rc = bad(c->name, c->err, "directory entry %zu links to entry %u of %zu", i, link,
					 nent);
				goto done;
			}
		}
	}
	if (u16(dir + 0x40) == 0 || dir[0x42] != 5) {
		rc = bad(c->name, c->err, "no root directory entry");
		goto done;
	}
	wb = find_entry(dir, nent, "Workbook");
	if (wb < 0) {
		rc = find_entry(dir, nent, "Book") >= 0
			     ? bad(c->name, c->err,
				   "an Excel 5.0/95 (BIFF5) workbook; save it as "
				   "Excel 97-2003 or XLSX")
			     : bad(c->name, c->err, "no Workbook stream (not an Excel file)");
		goto done;
	}
	size64 = u32(dir + 128 * wb + 0x78) | (major == 4 ? (uint64_t)u32(dir + 128 * wb + 0x7C) << 32 : 0);
	if (size64 > c->n) {
		rc = bad(c->name, c->err, "the workbook stream claims %llu bytes in a file of %zu",
			 (unsigned long long)size64, c->n);
		goto done;
	}
	size = (size_t)size64;
	free(ids);
	ids = NULL;
	if (size >= 4096) {
		rc = chain(c, c->fat, c->nfat, c->nsec, u32(dir + 128 * wb + 0x74), c->nsec, "workbook", &ids, &nids);
		if (rc == TD_OK)
			rc = assemble(c, ids, nids, c->ss, NULL, size, stream);
	} else {
		/* A small stream lives in 64-byte mini sectors inside the root entry's stream. */
		uint64_t msize = u32(dir + 0x78);
		size_t nmf = 0, nmini;
		rc = msize > c->n
			     ? bad(c->name, c->err, "the mini stream claims %llu bytes", (unsigned long long)msize)
			     : chain(c, c->fat, c->nfat, c->nsec, u32(dir + 0x74), c->nsec, "mini stream", &ids, &nids);
		if (rc == TD_OK)
			rc = assemble(c, ids, nids, c->ss, NULL, (size_t)msize, &mini);
		free(ids);
		ids = NULL;
		if (rc == TD_OK)
			rc = chain(c, c->fat, c->nfat, c->nsec, u32(h + 0x3C), c->nsec, "mini FAT", &ids, &nids);
		if (rc == TD_OK && (mfat = malloc(nids * c->ss + 4)) == NULL)
			rc = td_error_set(c->err, TD_ERR_NOMEM, "out of memory");
		for (size_t i = 0; rc == TD_OK && i < nids * (c->ss / 4); i++)
			mfat[nmf++] = u32(sector(c, ids[i / (c->ss / 4)]) + 4 * (i % (c->ss / 4)));
		nmini = (size_t)msize / 64;
		if (rc == TD_OK)
			rc = chain(c, mfat, (uint32_t)nmf, (uint32_t)nmini, u32(dir + 128 * wb + 0x74), nmini,
				   "workbook", &mids, &nm);
		if (rc == TD_OK)
			rc = assemble(c, mids, nm, 64, mini, size, stream);
	}
	if (rc == TD_OK)
		*len = size;
done:
	free(mids);
	free(mfat);
	free(mini);
	free(dir);
	free(ids);
	return rc;
}

/* The workbook stream as records; pos is the current record's offset. */
struct biff {
	const unsigned char *s;
	size_t n;
	const char *name;
	td_error *err;
	size_t pos;
	unsigned type, size;
	const unsigned char *body;
};

static td_status rec_bad(const struct biff *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static td_status rec_bad(const struct biff *w, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return bad(w->name, w->err, "record 0x%04X at byte %zu of the workbook stream: %s", w->type, w->pos, why);
}

/* Records of one string split over an SST and its CONTINUE records. */
struct segs {
	const unsigned char **p;
	size_t *len;
	size_t n, i, at;
};

static int seg_byte(struct segs *g, unsigned *v)
{
	while (g->i < g->n && g->at == g->len[g->i]) {
		g->i++;
		g->at = 0;
	}
	if (g->i == g->n)
		return 0;
	*v = g->p[g->i][g->at++];
	return 1;
}

static int seg_skip(struct segs *g, uint64_t k)
{
	unsigned v;
	while (k > 0) {
		size_t left = g->i < g->n ? g->len[g->i] - g->at : 0;
		if (left == 0) {
			if (!seg_byte(g, &v))
				return 0;
			k--;
			continue;
		}
		if (left > k)
			left = (size_t)k;
		g->at += left;
		k -= left;
	}
	return 1;
}

/* One XLUnicodeRichExtendedString of the SST; 0 when it runs out or splits a character. */
static int sst_string(struct segs *g)
{
	unsigned lo, hi, flags, v;
	uint64_t runs = 0, ext = 0;
	size_t cch;
	int wide;

	if (!seg_byte(g, &lo) || !seg_byte(g, &hi) || !seg_byte(g, &flags))
		return 0;
	cch = lo | hi << 8;
	wide = flags & 1;
	if (flags & 8) {
		if (!seg_byte(g, &lo) || !seg_byte(g, &hi))
			return 0;
		runs = lo | hi << 8;
	}
	if (flags & 4)
		for (int k = 0; k < 4; k++) {
			if (!seg_byte(g, &v))
				return 0;
			ext |= (uint64_t)v << (8 * k);
		}
	while (cch > 0) {
		size_t left = g->i < g->n ? g->len[g->i] - g->at : 0, k;
		if (left == 0) {
			/* The characters go on in the next CONTINUE, after a byte saying how wide they are. */
			if (g->i + 1 >= g->n)
				return 0;
			g->i++;
			g->at = 0;
			if (!seg_byte(g, &v) || v > 1)
				return 0;
			wide = (int)v;
			continue;
		}
		k = left >> wide;
		if (k == 0)
			return 0; /* half a UTF-16 unit */
		if (k > cch)
			k = cch;
		g->at += k << wide;
		cch -= k;
	}
	return seg_skip(g, 4 * runs + ext);
}

/* The SST at w (with the CONTINUE records after it); *count its strings. */
static td_status read_sst(const struct biff *w, uint32_t *count)
{
	struct segs g = {NULL, NULL, 0, 0, 0};
	size_t pos = w->pos + 4 + w->size, end, nseg = 1;
	uint32_t unique;
	td_status rc = TD_OK;

	*count = 0;
	if (w->size < 8)
		return rec_bad(w, "a shared string table of %u bytes", w->size);
	/* The CONTINUE records that follow (the record walk checks their sizes). */
	for (end = pos; end + 4 <= w->n && u16(w->s + end) == 0x003C && end + 4 + u16(w->s + end + 2) <= w->n;
	     end += 4 + u16(w->s + end + 2))
		nseg++;
	g.p = malloc(nseg * sizeof(*g.p));
	g.len = malloc(nseg * sizeof(*g.len));
	if (!g.p || !g.len) {
		rc = td_error_set(w->err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	unique = u32(w->body + 4);
	g.p[0] = w->body + 8;
	g.len[0] = w->size - 8;
	for (g.n = 1; pos < end; pos += 4 + u16(w->s + pos + 2)) {
		g.p[g.n] = w->s + pos + 4;
		g.len[g.n++] = u16(w->s + pos + 2);
	}
	for (uint32_t i = 0; i < unique && rc == TD_OK; i++)
		if (!sst_string(&g))
			rc = rec_bad(w, "the shared string table announces %u strings; string %u is cut or malformed",
				     unique, i + 1);
	if (rc == TD_OK)
		*count = unique;
done:
	free(g.p);
	free(g.len);
	return rc;
}

/* An XLUnicodeString of cch (width bytes of count) at body+at fits in the record. */
static int string_fits(const struct biff *w, size_t at, int cch16)
{
	size_t cch, flags;

	if (at + (cch16 ? 3 : 2) > w->size)
		return 0;
	cch = cch16 ? u16(w->body + at) : w->body[at];
	flags = w->body[at + (cch16 ? 2 : 1)];
	return at + (cch16 ? 3 : 2) + (cch << (flags & 1)) <= w->size;
}

struct sheet {
	uint32_t row0, row1; /* DIMENSIONS: first row, last row + 1 */
	unsigned col0, col1;
	int dims;
};

static td_status cell(const struct biff *w, const struct sheet *sh, uint32_t nxf, unsigned row, unsigned col,
		      unsigned xf)
{
	if (!sh->dims)
		return rec_bad(w, "a cell before the sheet's DIMENSIONS record");
	if (row < sh->row0 || row >= sh->row1 || col < sh->col0 || col >= sh->col1)
		return rec_bad(w, "cell (row %u, column %u) outside the sheet's dimensions", row + 1, col + 1);
	if (xf >= nxf)
		return rec_bad(w, "format index %u, but the workbook has %u", xf, nxf);
	return TD_OK;
}

/* A record of a worksheet substream. */
static td_status sheet_record(const struct biff *w, struct sheet *sh, uint32_t nxf, uint32_t nsst)
{
	static const struct {
		unsigned type, size;
	} fixed[] = {{0x0203, 14}, {0x027E, 10}, {0x00FD, 10}, {0x0201, 6}, {0x0205, 8}};
	const unsigned char *b = w->body;
	td_status rc;

	if (w->type == 0x0200) {
		if (w->size < 14)
			return rec_bad(w, "DIMENSIONS of %u bytes", w->size);
		sh->row0 = u32(b);
		sh->row1 = u32(b + 4);
		sh->col0 = u16(b + 8);
		sh->col1 = u16(b + 10);
		if (sh->row0 > sh->row1 || sh->row1 > 65536 || sh->col0 > sh->col1 || sh->col1 > 256)
			return rec_bad(w, "dimensions rows %u-%u, columns %u-%u", sh->row0, sh->row1, sh->col0,
				       sh->col1);
		sh->dims = 1;
		return TD_OK;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (w->type == fixed[i].type) {
			if (w->size != fixed[i].size)
				return rec_bad(w, "%u bytes; this cell record has %u", w->size, fixed[i].size);
			if ((rc = cell(w, sh, nxf, u16(b), u16(b + 2), u16(b + 4))) != TD_OK)
				return rc;
			if (w->type == 0x00FD && u32(b + 6) >= nsst)
				return rec_bad(w, "shared string %u, but the table has %u", u32(b + 6), nsst);
			return TD_OK;
		}
	switch (w->type) {
	case 0x0204: /* LABEL */
	case 0x00D6: /* RSTRING */
		if (w->size < 6 || !string_fits(w, 6, 1))
			return rec_bad(w, "a text cell whose string does not fit its %u bytes", w->size);
		return cell(w, sh, nxf, u16(b), u16(b + 2), u16(b + 4));
	case 0x00BD:   /* MULRK */
	case 0x00BE: { /* MULBLANK */
		unsigned each = w->type == 0x00BD ? 6 : 2, n, first;
		if (w->size < 6 + each || (w->size - 6) % each)
			return rec_bad(w, "%u bytes do not make whole cells", w->size);
		n = (w->size - 6) / each;
		first = u16(b + 2);
		if (u16(b + w->size - 2) != first + n - 1)
			return rec_bad(w, "%u cells from column %u, but the last column says %u", n, first + 1,
				       u16(b + w->size - 2) + 1);
		for (unsigned k = 0; k < n; k++)
			if ((rc = cell(w, sh, nxf, u16(b), first + k, u16(b + 4 + k * each))) != TD_OK)
				return rc;
		return TD_OK;
	}
	case 0x0006: /* FORMULA */
		if (w->size < 22 || 22u + u16(b + 20) > w->size)
			return rec_bad(w, "a formula that does not fit its %u bytes", w->size);
		return cell(w, sh, nxf, u16(b), u16(b + 2), u16(b + 4));
	case 0x0207: /* STRING: a formula's text result (a long one goes on in CONTINUE records) */
		return w->size >= 3 ? TD_OK : rec_bad(w, "a string of %u bytes", w->size);
	case 0x0208: /* ROW */
		return w->size == 16 ? TD_OK : rec_bad(w, "ROW of %u bytes", w->size);
	default:
		return TD_OK;
	}
}

/* A record of the workbook globals. */
static td_status globals_record(struct biff *w, uint32_t *nxf, uint32_t *nsst, int *sst_seen, uint32_t *sheets,
				size_t *nsheets)
{
	switch (w->type) {
	case 0x00E0: /* XF */
		if (w->size < 20)
			return rec_bad(w, "XF of %u bytes", w->size);
		(*nxf)++;
		return TD_OK;
	case 0x041E: /* FORMAT */
		return w->size >= 2 && string_fits(w, 2, 1) ? TD_OK : rec_bad(w, "a number format that does not fit");
	case 0x0031: /* FONT */
		return w->size >= 14 && string_fits(w, 14, 0) ? TD_OK : rec_bad(w, "a font name that does not fit");
	case 0x0042: /* CODEPAGE */
	case 0x0022: /* DATEMODE */
		return w->size == 2 ? TD_OK : rec_bad(w, "%u bytes instead of 2", w->size);
	case 0x0085: /* BOUNDSHEET */
		if (w->size < 6 || !string_fits(w, 6, 0))
			return rec_bad(w, "a sheet name that does not fit");
		if (*nsheets == MAX_SHEETS)
			return rec_bad(w, "more than %d sheets", MAX_SHEETS);
		sheets[(*nsheets)++] = u32(w->body);
		return TD_OK;
	case 0x00FC: /* SST */
		if (*sst_seen)
			return rec_bad(w, "a second shared string table");
		*sst_seen = 1;
		return read_sst(w, nsst);
	default:
		return TD_OK;
	}
}

static int by_offset(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Walk every record of the BIFF8 stream. */
static td_status check_biff(const unsigned char *s, size_t n, const char *name, td_error *err)
{
	struct biff w = {s, n, name, err, 0, 0, 0, NULL};
	struct sheet sh = {0, 0, 0, 0, 0};
	uint32_t *sheets = malloc(MAX_SHEETS * sizeof(*sheets)), nxf = 0, nsst = 0;
	size_t nsheets = 0, next_sheet = 0;
	int depth = 0, globals_done = 0, sst_seen = 0, substreams = 0;
	td_status rc = TD_OK;

	if (!sheets)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	for (w.pos = 0; rc == TD_OK && w.pos < n; w.pos += 4 + w.size) {
		if (w.pos + 4 > n) {
			rc = bad(name, err, "the workbook stream ends inside a record header at byte %zu", w.pos);
			break;
		}
		w.type = u16(s + w.pos);
		w.size = u16(s + w.pos + 2);
		w.body = s + w.pos + 4;
		if (depth == 0 && w.type == 0 && w.size == 0) {
			/* Zero padding after the last substream. */
			while (w.pos < n && s[w.pos] == 0)
				w.pos++;
			if (w.pos < n)
				rc = bad(name, err, "bytes after the last sheet at byte %zu", w.pos);
			break;
		}
		if (w.size > MAX_RECORD || w.pos + 4 + w.size > n) {
			rc = rec_bad(&w, "%u bytes, past the end of the stream or the BIFF8 limit of %d", w.size,
				     MAX_RECORD);
			break;
		}
		if (w.type == 0x0809) { /* BOF */
			unsigned kind = w.size >= 4 ? u16(w.body + 2) : 0;
			if (w.size < 4 || u16(w.body) != 0x0600)
				rc = rec_bad(&w, "not a BIFF8 beginning of file (version 0x%04X)",
					     w.size >= 2 ? u16(w.body) : 0);
			else if (depth > 1)
				rc = rec_bad(&w, "substreams nested too deep");
			else if (substreams == 0 && kind != 0x0005)
				rc = rec_bad(&w, "the stream does not begin with the workbook globals");
			else if (depth == 0 && substreams > 0) {
				if (next_sheet == nsheets || w.pos != sheets[next_sheet])
					rc = rec_bad(&w, "a sheet no BOUNDSHEET record points to");
				next_sheet++;
				memset(&sh, 0, sizeof(sh));
			}
			depth++;
			substreams++;
			continue;
		}
		if (depth == 0) {
			rc = rec_bad(&w, "a record outside every substream");
			break;
		}
		if (w.type == 0x000A) { /* EOF */
			depth--;
			if (depth == 0 && !globals_done) {
				globals_done = 1;
				qsort(sheets, nsheets, sizeof(*sheets), by_offset);
			}
			continue;
		}
		if (!globals_done)
			rc = globals_record(&w, &nxf, &nsst, &sst_seen, sheets, &nsheets);
		else if (depth == 1)
			rc = sheet_record(&w, &sh, nxf, nsst);
	}
	if (rc == TD_OK && depth != 0)
		rc = bad(name, err, "the workbook stream ends inside a sheet (no EOF record)");
	if (rc == TD_OK && !globals_done)
		rc = bad(name, err, "no workbook globals");
	if (rc == TD_OK && next_sheet != nsheets)
		rc = bad(name, err, "%zu sheets are listed but %zu found", nsheets, next_sheet);
	if (rc == TD_OK && nsheets == 0)
		rc = bad(name, err, "no sheet");
	free(sheets);
	return rc;
}

td_status td_cfb_check_xls_bytes(const unsigned char *b, size_t n, const char *name, td_error *err)
{
	struct cfb c = {b, n, name, 0, 0, NULL, 0, err};
	unsigned char *stream = NULL;
	size_t len = 0;
	td_status rc = workbook_stream(&c, &stream, &len);

	if (rc == TD_OK)
		rc = check_biff(stream, len, name, err);
	free(stream);
	free(c.fat);
	return rc;
}

td_status td_cfb_check_xls(const char *path, td_error *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	long size;
	td_status rc;

	if (!f)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (size > TD_CFB_MAX_BYTES) {
		rc = td_error_set(err, TD_ERR_INPUT, "'%s': %ld bytes; an .xls is read up to %ld", path, size,
				  TD_CFB_MAX_BYTES);
		goto done;
	}
	if ((b = malloc((size_t)size + 1)) == NULL) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (fread(b, 1, (size_t)size, f) != (size_t)size) {
		rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	rc = td_cfb_check_xls_bytes(b, (size_t)size, path, err);
done:
	free(b);
	fclose(f);
	return rc;
}
