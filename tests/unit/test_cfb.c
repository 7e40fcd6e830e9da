/*
 * Tests of lib/cfb.c, the structural check every .xls passes before GDAL's
 * reader (FreeXL) sees it: sound workbooks from LibreOffice (the fixture)
 * and from lib/xls.c (small, Vietnamese, strings split over CONTINUE
 * records, continuation sheets) pass; each kind of damage is named; and
 * thousands of random mutations never make the check itself misbehave
 * (the sanitizer build reports any read outside its buffers).
 */
#include "cfb.h"
#include "tap.h"
#include "xls.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file {
	unsigned char *b;
	size_t n;
};

static struct file slurp(const char *path)
{
	struct file f = {NULL, 0};
	FILE *fp = fopen(path, "rb");
	long size;

	if (!fp)
		return f;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f.b = malloc((size_t)size);
	if (f.b && fread(f.b, 1, (size_t)size, fp) == (size_t)size)
		f.n = (size_t)size;
	fclose(fp);
	return f;
}

/* A workbook written by lib/xls.c: rows of Vietnamese names, long strings, many distinct ones. */
static int write_book(const char *path, int rows, int long_text)
{
	td_xls *x = NULL;
	td_error err;
	char name[64];
	const char *head[] = {"STT", "Họ và tên", "Ghi chú"};

	td_error_init(&err);
	if (td_xls_new(path, &x, &err) != TD_OK || td_xls_add_sheet(x, "Danh sách", &err) != TD_OK ||
	    td_xls_set_header(x, head, 3, &err) != TD_OK)
		goto fail;
	for (int i = 0; i < rows; i++) {
		snprintf(name, sizeof(name), "Nguyễn Thị Hồng Nhung %d", i);
		if (td_xls_write_number(x, 0, i + 1, &err) != TD_OK || td_xls_write_string(x, 1, name, &err) != TD_OK)
			goto fail;
		if (long_text && i % 50 == 0) {
			char *t = malloc(20001);
			if (!t)
				goto fail;
			for (int k = 0; k < 20000; k++)
				t[k] = (char)('a' + (k + i) % 26);
			t[20000] = '\0';
			td_xls_write_string(x, 2, t, &err);
			free(t);
		}
		if (td_xls_end_row(x, &err) != TD_OK)
			goto fail;
	}
	return td_xls_close(x, &err) == TD_OK;
fail:
	td_xls_free(x);
	return 0;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Offset of the first occurrence of needle, or -1. */
static long find(const struct file *f, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= f->n; i++)
		if (memcmp(f->b + i, needle, n) == 0)
			return (long)i;
	return -1;
}

static td_status check(const struct file *f, td_error *err)
{
	td_error_init(err);
	return td_cfb_check_xls_bytes(f->b, f->n, "t.xls", err);
}

static void sound_books(const char *dir)
{
	char path[4200];
	td_error err;
	struct file f;

	/* The fixture, saved by LibreOffice. */
	td_error_init(&err);
	CHECK_INT(TD_OK, td_cfb_check_xls(TD_FIXTURES "/register/register.xls", &err));
	CHECK_STR("", err.msg);
	/* lib/xls.c: a small book (its stream in the mini stream), a large one with long strings
	 * split over CONTINUE records, one past 65,536 rows (continuation sheets). */
	const int rows[] = {3, 3000, 70000};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/book%d.xls", dir, i);
		CHECK(write_book(path, rows[i], i == 1));
		td_error_init(&err);
		CHECK_INT(TD_OK, td_cfb_check_xls(path, &err));
		CHECK_STR("", err.msg);
	}
	snprintf(path, sizeof(path), "%s/book1.xls", dir);
	f = slurp(path);
	CHECK(f.n > 100000);
	free(f.b);
	/* A missing file. */
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_cfb_check_xls("/nonexistent/x.xls", &err));
	CHECK(strstr(err.msg, "cannot read '/nonexistent/x.xls'") != NULL);
}

static void damage(const char *dir)
{
	char path[4200];
	struct file f, g;
	td_error err;
	long at;

	snprintf(path, sizeof(path), "%s/book1.xls", dir);
	f = slurp(path);
	g.b = malloc(f.n);
	g.n = f.n;
	if (!f.b || !g.b) {
		CHECK(0);
		return;
	}
	/* Not a compound file. */
	memcpy(g.b, f.b, f.n);
	g.b[0] = 'X';
	CHECK_INT(TD_ERR_INPUT, check(&g, &err));
	CHECK_STR("'t.xls' is not a sound .xls workbook: no compound-file signature", err.msg);
	/* Cut short: the FAT or the stream points past the end. */
	g.n = f.n / 2;
	memcpy(g.b, f.b, f.n);
	CHECK_INT(TD_ERR_INPUT, check(&g, &err));
	CHECK(strstr(err.msg, "not a sound .xls workbook") != NULL);
	g.n = f.n;
	/* A sector chain that loops: the workbook stream's first sector points to itself. */
	memcpy(g.b, f.b, f.n);
	at = find(&g, "W\0o\0r\0k\0b\0o\0o\0k\0", 16);
	CHECK(at > 0);
	if (at > 0) {
		uint32_t start = get32(g.b + at + 0x74), fat0 = get32(g.b + 0x4C);
		CHECK(start < 128);
		put32(g.b + (fat0 + 1) * 512 + 4 * start, start);
		CHECK_INT(TD_ERR_INPUT, check(&g, &err));
		CHECK(strstr(err.msg, "the workbook chain loops at sector") != NULL);
		/* An Excel 5/95 file names its stream "Book". */
		memcpy(g.b, f.b, f.n);
		memcpy(g.b + at, "B\0o\0o\0k\0\0\0\0\0", 12);
		g.b[at + 0x40] = 10;
		CHECK_INT(TD_ERR_INPUT, check(&g, &err));
		CHECK(strstr(err.msg, "an Excel 5.0/95 (BIFF5) workbook") != NULL);
	}
	/* The shared string table (0x00FC): total and unique counts after its header. */
	uint32_t unique = 0;
	long sst = -1;
	for (size_t i = 512; sst < 0 && i + 12 <= f.n; i++)
		if (f.b[i] == 0xFC && f.b[i + 1] == 0 && f.b[i + 2] + 256u * f.b[i + 3] <= 8224 &&
		    get32(f.b + i + 8) > 3000 && get32(f.b + i + 8) <= get32(f.b + i + 4))
			sst = (long)i;
	CHECK(sst > 0);
	if (sst > 0)
		unique = get32(f.b + sst + 8);
	/* A cell pointing past the shared string table (LABELSST, 0x00FD). */
	memcpy(g.b, f.b, f.n);
	at = find(&g, "\xFD\x00\x0A\x00", 4);
	CHECK(at > 0);
	if (at > 0) {
		char want[160];
		put32(g.b + at + 4 + 6, 0x7FFFFFFF);
		CHECK_INT(TD_ERR_INPUT, check(&g, &err));
		snprintf(want, sizeof(want), "shared string 2147483647, but the table has %u", unique);
		CHECK(strstr(err.msg, want) != NULL);
		/* ...and one outside the sheet's DIMENSIONS. */
		memcpy(g.b, f.b, f.n);
		g.b[at + 4] = 0xFF;
		g.b[at + 5] = 0xFF;
		CHECK_INT(TD_ERR_INPUT, check(&g, &err));
		CHECK(strstr(err.msg, "cell (row 65536, column ") != NULL);
		CHECK(strstr(err.msg, ") outside the sheet's dimensions") != NULL);
		/* ...and one whose record length is not its type's. */
		memcpy(g.b, f.b, f.n);
		g.b[at + 2] = 0x08;
		CHECK_INT(TD_ERR_INPUT, check(&g, &err));
		CHECK(strstr(err.msg, "8 bytes; this cell record has 10") != NULL);
	}
	/* The shared string table announcing more strings than it holds. */
	if (sst > 0) {
		char want[160];
		memcpy(g.b, f.b, f.n);
		put32(g.b + sst + 8, unique + 1);
		CHECK_INT(TD_ERR_INPUT, check(&g, &err));
		snprintf(want, sizeof(want),
			 "the shared string table announces %u strings; string %u is cut or malformed", unique + 1,
			 unique + 1);
		CHECK_STR(want, strstr(err.msg, "the shared") ? strstr(err.msg, "the shared") : err.msg);
	}
	free(g.b);
	free(f.b);
}

/* Random damage: the check answers OK or TD_ERR_INPUT, and never reads outside what it was given. */
static void mutations(const char *dir)
{
	const char *names[] = {"book0.xls", "book1.xls"};
	char path[4200];
	unsigned seed = 14;
	long refused = 0, total = 0;

	for (int k = 0; k < 2; k++) {
		struct file f, g;
		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		f = slurp(path);
		g.b = malloc(f.n);
		if (!f.b || !g.b) {
			CHECK(0);
			free(f.b);
			free(g.b);
			continue;
		}
		for (int i = 0; i < 1500; i++) {
			td_error err;
			td_status rc;
			memcpy(g.b, f.b, f.n);
			g.n = f.n;
			seed = seed * 1103515245u + 12345u;
			if (seed % 5 == 0)
				g.n = 512 + (seed >> 8) % (f.n - 512);
			for (int m = 0; m < 1 + (int)(seed >> 20) % 4; m++) {
				seed = seed * 1103515245u + 12345u;
				g.b[(seed >> 4) % g.n] = (unsigned char)(seed >> 24);
			}
			rc = check(&g, &err);
			total++;
			refused += rc != TD_OK;
			if (rc != TD_OK && rc != TD_ERR_INPUT)
				CHECK_INT(TD_ERR_INPUT, rc);
			if (rc != TD_OK && !strstr(err.msg, "'t.xls' is not a sound .xls workbook: "))
				CHECK_STR("'t.xls' is not a sound .xls workbook: ...", err.msg);
		}
		free(g.b);
		free(f.b);
	}
	CHECK_INT(3000, total);
	/* Most single-byte damage lands in cell values, which the check does not judge. */
	CHECK(refused > 300);
	printf("# %ld of %ld mutated workbooks refused\n", refused, total);
}

int main(void)
{
	const char *dir = tap_tmpdir("cfb");

	sound_books(dir);
	damage(dir);
	mutations(dir);
	return tap_done();
}
