/*
 * lib/encoding.c: TCVN3 and VNI against the unikey-derived table in
 * fixtures/encoding/, CP1258 and VISCII against glibc iconv, and the
 * detector on sets of personal names in every encoding.
 */
#include "encoding.h"
#include "tap.h"

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#define ORACLE TD_FIXTURES "/encoding/tcvn3_vni_unicode_from_unikey.tsv"

struct row {
	int32_t cp;
	unsigned char tcvn3;
	unsigned char vni[2];
	size_t vni_len;
};

/* Realistic full names; the all-capital ones are how .VnTimeH users typed them. */
static const char *const names[] = {
	"Nguyễn Văn An",    "Trần Thị Bích Ngọc", "Lê Hoàng Long",     "Phạm Minh Tuấn", "Hoàng Thị Thu Hương",
	"Huỳnh Đức Thịnh",  "Phan Thanh Bình",    "Vũ Thị Hồng Nhung", "Võ Quốc Trung",  "Đặng Thùy Dương",
	"Bùi Xuân Trường",  "Đỗ Ngọc Ánh",        "Hồ Thị Mỹ Duyên",   "Ngô Quang Huy",  "Dương Văn Lượng",
	"Lý Thị Kiều Oanh", "Trịnh Xuân Khải",    "Đinh Thị Yến",      "Tạ Quang Nghĩa", "Lưu Thị Tuyết Mai",
	"NGUYỄN THỊ LAN",   "ĐOÀN VĂN KHƯƠNG",
};
#define NAMES (sizeof(names) / sizeof(names[0]))

static void check_decode(int line, const char *expected, td_encoding e, const char *bytes, size_t len)
{
	char *got = NULL;
	td_error err;

	td_error_init(&err);
	td_encoding_decode(e, bytes, len, &got, &err);
	tap_check_str(__FILE__, line, td_encoding_name(e), expected, got ? got : err.msg);
	free(got);
}
#define CHECK_DECODE(exp, e, lit) check_decode(__LINE__, (exp), (e), (lit), sizeof(lit) - 1)

/* Decoded text, or NULL if e rejects the bytes. Caller frees. */
static char *decode(td_encoding e, const char *bytes, size_t len)
{
	char *out = NULL;
	td_encoding_decode(e, bytes, len, &out, NULL);
	return out;
}

static void utf8(int32_t cp, char *buf)
{
	buf[utf8proc_encode_char(cp, (utf8proc_uint8_t *)buf)] = '\0';
}

static size_t load_oracle(struct row *rows, size_t max)
{
	FILE *f = fopen(ORACLE, "r");
	char line[256];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned idx, cp, tcvn3;
		char ch[16], vni[16], hex[3] = "";
		if (sscanf(line, "%u\tU+%x\t%15s\t%x\t%15s", &idx, &cp, ch, &tcvn3, vni) != 5)
			continue; /* comment or header */
		rows[n].cp = (int32_t)cp;
		rows[n].tcvn3 = (unsigned char)tcvn3;
		rows[n].vni_len = strlen(vni) / 2;
		for (size_t i = 0; i < rows[n].vni_len && i < 2; i++) {
			memcpy(hex, vni + 2 * i, 2);
			rows[n].vni[i] = (unsigned char)strtoul(hex, NULL, 16);
		}
		n++;
	}
	fclose(f);
	return n;
}

/* Every row's TCVN3 byte and VNI bytes decode to its code point. */
static void test_oracle(const struct row *rows, size_t n)
{
	size_t shared = 0, slips = 0, wrong_accept = 0;
	int tcvn3_ok[256] = {0}, vni_ok[256] = {0};

	CHECK_INT(213, n);
	for (size_t i = 0; i < n; i++) {
		char want[8], tcvn3_want[8];
		utf8(rows[i].cp, want);
		/* Unikey gives 0x82 as U+20A1, a slip for Windows-1252's U+201A. */
		if (rows[i].cp == 0x20A1) {
			slips++;
			utf8(0x201A, want);
		}
		memcpy(tcvn3_want, want, sizeof(want));
		/* A TCVN3 capital with a tone shares its byte with the small letter in
		 * the next row, and decodes to that small letter. */
		if (i + 1 < n && rows[i + 1].tcvn3 == rows[i].tcvn3) {
			shared++;
			CHECK_INT(utf8proc_tolower(rows[i].cp), rows[i + 1].cp);
			utf8(rows[i + 1].cp, tcvn3_want);
		}
		check_decode(__LINE__, tcvn3_want, TD_ENC_TCVN3, (const char *)&rows[i].tcvn3, 1);
		check_decode(__LINE__, want, TD_ENC_VNI, (const char *)rows[i].vni, rows[i].vni_len);
		tcvn3_ok[rows[i].tcvn3] = 1;
		if (rows[i].vni_len == 1)
			vni_ok[rows[i].vni[0]] = 1;
	}
	CHECK_INT(60, shared);
	CHECK_INT(1, slips);

	/* Bytes the table does not list are rejected, except no-break space. */
	tcvn3_ok[0xA0] = vni_ok[0xA0] = 1;
	for (int b = 0x80; b < 0x100; b++) {
		char byte = (char)b, *t = decode(TD_ENC_TCVN3, &byte, 1), *v = decode(TD_ENC_VNI, &byte, 1);
		if ((t != NULL) != tcvn3_ok[b] || (v != NULL) != vni_ok[b]) {
			fprintf(stderr, "byte 0x%02X: TCVN3 %s, VNI %s\n", b, t ? t : "rejected", v ? v : "rejected");
			wrong_accept++;
		}
		free(t);
		free(v);
	}
	CHECK_INT(0, wrong_accept);
}

/* Convert with glibc iconv; returns the length, or -1 if iconv rejects the input. */
static long convert(const char *to, const char *from, const char *in, size_t len, char *out, size_t size)
{
	iconv_t cd = iconv_open(to, from);
	char *inp = (char *)in, *outp = out;
	size_t outleft = size - 1;
	long n = -1;

	if (cd == (iconv_t)-1)
		return -1;
	if (iconv(cd, &inp, &len, &outp, &outleft) != (size_t)-1 &&
	    iconv(cd, NULL, NULL, &outp, &outleft) != (size_t)-1) {
		*outp = '\0';
		n = (long)(outp - out);
	}
	iconv_close(cd);
	return n;
}

/* Can glibc iconv convert between charset and UTF-8? Tests that need it are skipped if not. */
static int have_iconv(const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);

	if (cd == (iconv_t)-1) {
		printf("# skipped: iconv has no %s\n", charset);
		return 0;
	}
	iconv_close(cd);
	return 1;
}

/* The CP1258 and VISCII tables agree with glibc on every byte but NUL. */
static void test_against_iconv(void)
{
	static const struct {
		td_encoding enc;
		const char *charset;
	} sets[] = {{TD_ENC_CP1258, "CP1258"}, {TD_ENC_VISCII, "VISCII"}};

	for (size_t s = 0; s < 2; s++) {
		int differ = 0;
		if (!have_iconv(sets[s].charset))
			continue;
		for (int b = 1; b < 0x100; b++) {
			char byte = (char)b, ref[16], *mine = decode(sets[s].enc, &byte, 1), *nfc = NULL;
			if (convert("UTF-8", sets[s].charset, &byte, 1, ref, sizeof(ref)) >= 0)
				nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)ref);
			if ((mine == NULL) != (nfc == NULL) || (mine && strcmp(mine, nfc) != 0)) {
				fprintf(stderr, "%s byte 0x%02X: mine %s, iconv %s\n", sets[s].charset, b,
					mine ? mine : "rejected", nfc ? nfc : "rejected");
				differ++;
			}
			free(mine);
			free(nfc);
		}
		CHECK_INT(0, differ);
	}
}

static void test_decode(void)
{
	const char *nhung = "Nguyễn Thị Hồng Nhung";
	char *out = (char *)1;
	td_error err;

	CHECK_DECODE("Đinh Văn A", TD_ENC_TCVN3, "\xA7inh V\xA8n A");
	CHECK_DECODE(nhung, TD_ENC_TCVN3, "Nguy\xD4n Th\xDE H\xE5ng Nhung");
	CHECK_DECODE(nhung, TD_ENC_VNI, "Nguye\xE3n Th\xF2 Ho\xE0ng Nhung");
	CHECK_DECODE(nhung, TD_ENC_CP1258, "Nguy\xEA\xDEn Thi\xF2 H\xF4\xCCng Nhung");
	CHECK_DECODE(nhung, TD_ENC_VISCII, "Nguy\xADn Th\xB8 H\xB0ng Nhung");
	CHECK_DECODE(nhung, TD_ENC_UTF8, "Nguye\xCC\x82\xCC\x83n Thi\xCC\xA3 Ho\xCC\x82\xCC\x80ng Nhung");
	CHECK_DECODE(nhung, TD_ENC_UTF8, "Nguyễn Thị Hồng Nhung");
	CHECK_DECODE("Nguyen", TD_ENC_ASCII, "Nguyen");
	CHECK_DECODE("", TD_ENC_TCVN3, "");
	/* TCVN3 capitals with tones come out small; VNI keeps the case. */
	CHECK_DECODE("NGUYễN ĐứC", TD_ENC_TCVN3,
		     "NGUY\xD4N \xA7\xF8"
		     "C");
	CHECK_DECODE("NGUYỄN ĐỨC", TD_ENC_VNI,
		     "NGUYE\xC3N \xD1\xD6\xD9"
		     "C");
	/* A VNI mark byte of the other case still takes the case of its letter. */
	CHECK_DECODE("Việt", TD_ENC_VNI, "Vie\xC4t");

	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_encoding_decode(TD_ENC_UTF8, "Nguy\xC3n", 6, &out, &err));
	CHECK_STR("invalid UTF-8 byte 0xC3 at offset 4", err.msg);
	CHECK(out == NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_encoding_decode(TD_ENC_UTF8, "ab\0c", 4, &out, &err));
	CHECK_STR("invalid UTF-8 byte 0x00 at offset 2", err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_encoding_decode(TD_ENC_TCVN3, "L\xA8n\x81", 4, &out, &err));
	CHECK_STR("invalid TCVN3 byte 0x81 at offset 3", err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_encoding_decode(TD_ENC_VNI, "b\xF9", 2, &out, &err));
	CHECK_STR("invalid VNI byte 0xF9 at offset 1 (a mark with no letter it can go on)", err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_encoding_decode(TD_ENC_ASCII, "Vi\xEAt", 4, &out, &err));
	CHECK_STR("invalid ASCII byte 0xEA at offset 2", err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_encoding_decode(TD_ENC_TCVN3, "\x01", 1, &out, &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_encoding_decode(TD_ENC_UNKNOWN, "a", 1, &out, &err));
}

static void test_parse(void)
{
	static const struct {
		const char *name;
		td_encoding enc;
	} cases[] = {
		{"utf8", TD_ENC_UTF8},       {"UTF-8", TD_ENC_UTF8},     {"tcvn3", TD_ENC_TCVN3},
		{"ABC", TD_ENC_TCVN3},       {"tcvn5712", TD_ENC_TCVN3}, {"vni", TD_ENC_VNI},
		{"VNI-Windows", TD_ENC_VNI}, {"cp1258", TD_ENC_CP1258},  {"windows-1258", TD_ENC_CP1258},
		{"viscii", TD_ENC_VISCII},   {"ascii", TD_ENC_ASCII},
	};
	td_encoding e = TD_ENC_UNKNOWN;
	td_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		td_error_init(&err);
		e = TD_ENC_UNKNOWN;
		CHECK_INT(TD_OK, td_encoding_parse(cases[i].name, &e, &err));
		CHECK_INT(cases[i].enc, e);
	}
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_encoding_parse("latin9", &e, &err));
	CHECK_STR("unknown encoding 'latin9' (use UTF-8, TCVN3, VNI, CP1258, VISCII or ASCII)", err.msg);
	CHECK_STR("TCVN3", td_encoding_name(TD_ENC_TCVN3));
	CHECK_STR("UTF-8", td_encoding_name(TD_ENC_UTF8));
}

/* Encode UTF-8 NFC text in TCVN3 or VNI through the oracle table. */
static size_t encode_legacy(const struct row *rows, size_t nrows, td_encoding e, const char *s, char *out)
{
	size_t n = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t r;

	for (; *s; s += r) {
		size_t i = 0;
		r = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);
		while (i < nrows && rows[i].cp != cp)
			i++;
		if (i == nrows) {
			out[n++] = (char)cp; /* space */
		} else if (e == TD_ENC_TCVN3) {
			out[n++] = (char)rows[i].tcvn3;
		} else {
			memcpy(out + n, rows[i].vni, rows[i].vni_len);
			n += rows[i].vni_len;
		}
	}
	return n;
}

/* names[i] in encoding e into out; returns the length. */
static size_t encode_name(const struct row *rows, size_t nrows, td_encoding e, size_t i, char *out, size_t size)
{
	char *tmp = NULL;
	size_t n = 0;

	switch (e) {
	case TD_ENC_TCVN3:
	case TD_ENC_VNI:
		return encode_legacy(rows, nrows, e, names[i], out);
	case TD_ENC_CP1258:
	case TD_ENC_VISCII: {
		long len = convert(td_encoding_name(e), "UTF-8", names[i], strlen(names[i]), out, size);
		return len < 0 ? 0 : (size_t)len;
	}
	case TD_ENC_UTF8:
		tmp = (char *)utf8proc_NFD((const utf8proc_uint8_t *)names[i]);
		break;
	case TD_ENC_ASCII:
		utf8proc_map((const utf8proc_uint8_t *)names[i], 0, (utf8proc_uint8_t **)&tmp,
			     UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK);
		break;
	case TD_ENC_UNKNOWN:
		return 0;
	}
	for (const char *p = tmp; p && *p && n + 1 < size; p++) {
		if (e == TD_ENC_ASCII && (unsigned char)*p >= 0x80) {
			out[n++] = p[1] == '\x91' ? 'd' : 'D'; /* đ U+0111 = C4 91, Đ U+0110 = C4 90 */
			p++;
		} else {
			out[n++] = *p;
		}
	}
	free(tmp);
	return n;
}

static char *casefold(const char *s)
{
	return (char *)utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)s);
}

/* Round trips, the detector on the whole set, and on each name alone. */
static void test_detector(const struct row *rows, size_t nrows)
{
	static const td_encoding sets[] = {TD_ENC_TCVN3,  TD_ENC_VNI,  TD_ENC_CP1258,
					   TD_ENC_VISCII, TD_ENC_UTF8, TD_ENC_ASCII};
	char why[256];

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		td_encoding_detector *all = NULL;
		size_t alone = 0;
		if ((sets[s] == TD_ENC_CP1258 || sets[s] == TD_ENC_VISCII) && !have_iconv(td_encoding_name(sets[s])))
			continue;
		all = td_encoding_detector_new();
		for (size_t i = 0; i < NAMES; i++) {
			char buf[128], *back, *want, *got;
			size_t len = encode_name(rows, nrows, sets[s], i, buf, sizeof(buf));
			td_encoding_detector *one = td_encoding_detector_new();
			CHECK(len > 0);
			back = decode(sets[s], buf, len);
			if (sets[s] == TD_ENC_ASCII) {
				CHECK(back != NULL);
			} else if (sets[s] == TD_ENC_TCVN3) { /* capitals with tones come back small */
				want = casefold(names[i]);
				got = back ? casefold(back) : NULL;
				CHECK_STR(want, got);
				free(want);
				free(got);
			} else {
				CHECK_STR(names[i], back);
			}
			free(back);
			td_encoding_detector_feed(all, buf, len);
			td_encoding_detector_feed(one, buf, len);
			if (td_encoding_detector_result(one, why, sizeof(why)) == sets[s])
				alone++;
			else
				printf("# %s name %zu alone: %s\n", td_encoding_name(sets[s]), i, why);
			td_encoding_detector_free(one);
		}
		CHECK_INT(sets[s], td_encoding_detector_result(all, why, sizeof(why)));
		printf("# %zu names: %s; each name alone: %zu of %zu right\n", NAMES, why, alone, NAMES);
		/* One name is often ambiguous ("Ngô" is Ngô in CP1258, ngụ in TCVN3,
		 * ngơ in VNI); ties go to the commoner encoding. */
		CHECK(alone * 5 >= NAMES * 4);
		td_encoding_detector_free(all);
	}
}

static void test_detector_edges(void)
{
	/* Windows-1251 Russian: no Vietnamese anywhere. */
	static const char russian[] = "\xC8\xE2\xE0\xED\xEE\xE2 \xCF\xB8\xF2\xF0 "
				      "\xD1\xE5\xF0\xE3\xE5\xE5\xE2\xE8\xF7";
	td_encoding_detector *d = td_encoding_detector_new();
	char why[256];

	CHECK_INT(TD_ENC_ASCII, td_encoding_detector_result(d, why, sizeof(why)));
	CHECK_STR("ASCII: no byte above 0x7F in 0 strings", why);
	td_encoding_detector_feed(d, russian, sizeof(russian) - 1);
	CHECK_INT(TD_ENC_UNKNOWN, td_encoding_detector_result(d, NULL, 0));
	td_encoding_detector_result(d, why, sizeof(why));
	printf("# Windows-1251: %s\n", why);
	td_encoding_detector_free(d);
	td_encoding_detector_free(NULL);

	/* Composed UTF-8 too. */
	d = td_encoding_detector_new();
	for (size_t i = 0; i < NAMES; i++)
		td_encoding_detector_feed(d, names[i], strlen(names[i]));
	CHECK_INT(TD_ENC_UTF8, td_encoding_detector_result(d, NULL, 0));
	td_encoding_detector_free(d);

	/* VISCII "ươ" (DF BD) happens to be valid UTF-8 (U+07FD); Vietnamese wins. */
	d = td_encoding_detector_new();
	td_encoding_detector_feed(d, "D\xDF\xBDng", 5);
	CHECK_INT(TD_ENC_VISCII, td_encoding_detector_result(d, why, sizeof(why)));
	printf("# VISCII Dương: %s\n", why);
	td_encoding_detector_free(d);
}

static void test_residue(void)
{
	CHECK_INT(1, td_encoding_has_residue("§inh V¨n A")); /* TCVN3 as Windows-1252 */
	CHECK_INT(1, td_encoding_has_residue("Vieät Nam"));  /* VNI as Windows-1252 */
	CHECK_INT(1, td_encoding_has_residue("Lê Hoµng"));   /* one word is enough */
	CHECK_INT(1, td_encoding_has_residue("NGUYÔN"));     /* .VnTimeH capitals */
	CHECK_INT(1, td_encoding_has_residue("NGUYEÃN"));    /* VNI capitals */
	CHECK_INT(0, td_encoding_has_residue("Nguyễn Văn An"));
	CHECK_INT(0, td_encoding_has_residue("Nguyen Van An"));
	/* Western words with accents are left alone: é is a Vietnamese letter too,
	 * and "Café" read back as TCVN3 or VNI is no syllable either. */
	CHECK_INT(0, td_encoding_has_residue("Café"));
	CHECK_INT(0, td_encoding_has_residue("Müller José"));
	/* VNI "Thị" shown as Windows-1252 is the real word "Thò": cannot tell. */
	CHECK_INT(0, td_encoding_has_residue("Thò"));
	CHECK_INT(0, td_encoding_has_residue("\xA7inh")); /* not UTF-8 */
	CHECK_INT(0, td_encoding_has_residue(""));
}

/* Write bytes to a temp file; returns its path (static buffer). */
static const char *temp_file(const char *bytes, size_t len)
{
	static char path[64];
	int fd;
	snprintf(path, sizeof(path), "/tmp/td_enc_XXXXXX");
	fd = mkstemp(path);
	if (fd >= 0) {
		FILE *f = fdopen(fd, "wb");
		fwrite(bytes, 1, len, f);
		fclose(f);
	}
	return path;
}

static void test_file_is_utf8(void)
{
	static char big[65536 + 16];
	int ascii = 0;
	const char *p;

	/* "ễ" (3 bytes) cut by the 64 KiB read boundary is still valid. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 65535, "\xe1\xbb\x85", 3);
	p = temp_file(big, sizeof(big));
	CHECK_INT(1, td_encoding_file_is_utf8(p, &ascii));
	CHECK_INT(0, ascii);
	unlink(p);
	p = temp_file("Ma xa,So to\n", 12);
	CHECK_INT(1, td_encoding_file_is_utf8(p, &ascii));
	CHECK_INT(1, ascii);
	unlink(p);
	p = temp_file("Nguy\xd4n", 6); /* TCVN3 "Nguyễn" */
	CHECK_INT(0, td_encoding_file_is_utf8(p, &ascii));
	unlink(p);
	p = temp_file("ab\0cd", 5);
	CHECK_INT(0, td_encoding_file_is_utf8(p, &ascii));
	unlink(p);
	p = temp_file("Vi\xe1\xbb", 5); /* cut at the end of the file */
	CHECK_INT(0, td_encoding_file_is_utf8(p, &ascii));
	unlink(p);
	CHECK_INT(0, td_encoding_file_is_utf8("/nonexistent/x.csv", &ascii));
}

int main(void)
{
	struct row rows[256];
	size_t nrows = load_oracle(rows, 256);

	test_oracle(rows, nrows);
	test_against_iconv();
	test_decode();
	test_parse();
	test_detector(rows, nrows);
	test_detector_edges();
	test_residue();
	test_file_is_utf8();
	return tap_done();
}
