/*
 * Legacy Vietnamese encodings, decoded with built-in tables; the detector
 * decodes each word in every encoding and counts which one yields
 * Vietnamese syllables.
 *
 * The TCVN3 and VNI tables come from, and are tested against,
 * fixtures/encoding/tcvn3_vni_unicode_from_unikey.tsv. The CP1258 and VISCII
 * tables were generated with glibc iconv and are tested against it. glibc's
 * TCVN5712-1 is not used: it reads the VN1 variant, which puts capitals on
 * control and symbol bytes that TCVN3 (VN3) text uses otherwise.
 */
#include "encoding.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Longest word, in bytes, the detector and the residue check examine. */
#define MAX_WORD 48

enum {
	GRAVE = 0x0300,
	ACUTE = 0x0301,
	CIRCUMFLEX = 0x0302,
	TILDE = 0x0303,
	BREVE = 0x0306,
	HOOK = 0x0309,
	HORN = 0x031B,
	DOT_BELOW = 0x0323
};

/*
 * Bytes 0x80-0x9F in TCVN3 and VNI: the Windows-1252 symbols, as the unikey
 * table lists them, except that it gives 0x82 as U+20A1 (colon sign), a
 * slip for Windows-1252's U+201A. 0 = undefined.
 */
static const uint16_t windows_symbols[32] = {
	0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80 */
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x0000, 0x017D, 0x0000, /* 88 */
	0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90 */
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x0000, 0x017E, 0x0178, /* 98 */
};

/*
 * TCVN3 bytes 0xA0-0xFF: the unikey table's letters, lower case where a
 * capital shares the byte, and 0xA0 no-break space as in glibc. The bytes
 * it leaves out hold VN1 capitals or loose tone marks in glibc's
 * TCVN5712-1; they are rejected rather than guessed.
 */
static const uint16_t tcvn3_high[96] = {
	0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110, /* A0 */
	0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x0000, /* A8 */
	0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x00E0, 0x1EA3, 0x00E3, /* B0 */
	0x00E1, 0x1EA1, 0x0000, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x0000, /* B8 */
	0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x1EB7, 0x1EA7, /* C0 */
	0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x0000, 0x1EBB, 0x1EBD, /* C8 */
	0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC, /* D0 */
	0x1EC9, 0x0000, 0x0000, 0x0000, 0x0129, 0x00ED, 0x1ECB, 0x00F2, /* D8 */
	0x0000, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7, /* E0 */
	0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9, /* E8 */
	0x0000, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF, /* F0 */
	0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x0000, /* F8 */
};

/* Control bytes that glibc's TCVN5712-1 (VN1) reads as capitals: rejected. */
static const char tcvn3_vn1_controls[] = "\x01\x02\x04\x05\x06\x11\x12\x13\x14\x15\x16\x17";

/*
 * VNI-Windows bytes 0xE0-0xFF, from the unikey table: a letter on its own,
 * or the marks for the letter before it. Each byte 0x20 lower (0xC0-0xDF)
 * is the same in upper case; for a mark byte the base letter sets the case.
 */
struct vni_code {
	uint16_t letter;
	uint16_t mark[2];
};
#define VNI(byte) [(byte)-0xE0]
static const struct vni_code vni_codes[32] = {
	VNI(0xE0) = {0, {CIRCUMFLEX, GRAVE}},
	VNI(0xE1) = {0, {CIRCUMFLEX, ACUTE}},
	VNI(0xE2) = {0, {CIRCUMFLEX, 0}},
	VNI(0xE3) = {0, {CIRCUMFLEX, TILDE}},
	VNI(0xE4) = {0, {CIRCUMFLEX, DOT_BELOW}},
	VNI(0xE5) = {0, {CIRCUMFLEX, HOOK}},
	VNI(0xE6) = {0x1EC9, {0, 0}}, /* ỉ */
	VNI(0xE8) = {0, {BREVE, GRAVE}},
	VNI(0xE9) = {0, {BREVE, ACUTE}},
	VNI(0xEA) = {0, {BREVE, 0}},
	VNI(0xEB) = {0, {BREVE, DOT_BELOW}},
	VNI(0xEC) = {0x00EC, {0, 0}}, /* ì */
	VNI(0xED) = {0x00ED, {0, 0}}, /* í */
	VNI(0xEE) = {0x1EF5, {0, 0}}, /* ỵ */
	VNI(0xEF) = {0, {DOT_BELOW, 0}},
	VNI(0xF1) = {0x0111, {0, 0}}, /* đ */
	VNI(0xF2) = {0x1ECB, {0, 0}}, /* ị */
	VNI(0xF3) = {0x0129, {0, 0}}, /* ĩ */
	VNI(0xF4) = {0x01A1, {0, 0}}, /* ơ */
	VNI(0xF5) = {0, {TILDE, 0}},
	VNI(0xF6) = {0x01B0, {0, 0}}, /* ư */
	VNI(0xF8) = {0, {GRAVE, 0}},
	VNI(0xF9) = {0, {ACUTE, 0}},
	VNI(0xFA) = {0, {BREVE, HOOK}},
	VNI(0xFB) = {0, {HOOK, 0}},
	VNI(0xFC) = {0, {BREVE, TILDE}},
};
#undef VNI

/* Windows-1258 bytes 0x80-0xFF (glibc iconv CP1258). 0 = undefined. */
static const uint16_t cp1258_high[128] = {
	0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80 */
	0x02C6, 0x2030, 0x0000, 0x2039, 0x0152, 0x0000, 0x0000, 0x0000, /* 88 */
	0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90 */
	0x02DC, 0x2122, 0x0000, 0x203A, 0x0153, 0x0000, 0x0000, 0x0178, /* 98 */
	0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7, /* A0 */
	0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF, /* A8 */
	0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, /* B0 */
	0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF, /* B8 */
	0x00C0, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x00C5, 0x00C6, 0x00C7, /* C0 */
	0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x0300, 0x00CD, 0x00CE, 0x00CF, /* C8 */
	0x0110, 0x00D1, 0x0309, 0x00D3, 0x00D4, 0x01A0, 0x00D6, 0x00D7, /* D0 */
	0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x01AF, 0x0303, 0x00DF, /* D8 */
	0x00E0, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x00E5, 0x00E6, 0x00E7, /* E0 */
	0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x0301, 0x00ED, 0x00EE, 0x00EF, /* E8 */
	0x0111, 0x00F1, 0x0323, 0x00F3, 0x00F4, 0x01A1, 0x00F6, 0x00F7, /* F0 */
	0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x01B0, 0x20AB, 0x00FF, /* F8 */
};

/* VISCII bytes 0x80-0xFF (glibc iconv VISCII, = RFC 1456). */
static const uint16_t viscii_high[128] = {
	0x1EA0, 0x1EAE, 0x1EB0, 0x1EB6, 0x1EA4, 0x1EA6, 0x1EA8, 0x1EAC, /* 80 */
	0x1EBC, 0x1EB8, 0x1EBE, 0x1EC0, 0x1EC2, 0x1EC4, 0x1EC6, 0x1ED0, /* 88 */
	0x1ED2, 0x1ED4, 0x1ED6, 0x1ED8, 0x1EE2, 0x1EDA, 0x1EDC, 0x1EDE, /* 90 */
	0x1ECA, 0x1ECE, 0x1ECC, 0x1EC8, 0x1EE6, 0x0168, 0x1EE4, 0x1EF2, /* 98 */
	0x00D5, 0x1EAF, 0x1EB1, 0x1EB7, 0x1EA5, 0x1EA7, 0x1EA9, 0x1EAD, /* A0 */
	0x1EBD, 0x1EB9, 0x1EBF, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EC7, 0x1ED1, /* A8 */
	0x1ED3, 0x1ED5, 0x1ED7, 0x1EE0, 0x01A0, 0x1ED9, 0x1EDD, 0x1EDF, /* B0 */
	0x1ECB, 0x1EF0, 0x1EE8, 0x1EEA, 0x1EEC, 0x01A1, 0x1EDB, 0x01AF, /* B8 */
	0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x1EA2, 0x0102, 0x1EB3, 0x1EB5, /* C0 */
	0x00C8, 0x00C9, 0x00CA, 0x1EBA, 0x00CC, 0x00CD, 0x0128, 0x1EF3, /* C8 */
	0x0110, 0x1EE9, 0x00D2, 0x00D3, 0x00D4, 0x1EA1, 0x1EF7, 0x1EEB, /* D0 */
	0x1EED, 0x00D9, 0x00DA, 0x1EF9, 0x1EF5, 0x00DD, 0x1EE1, 0x01B0, /* D8 */
	0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x1EA3, 0x0103, 0x1EEF, 0x1EAB, /* E0 */
	0x00E8, 0x00E9, 0x00EA, 0x1EBB, 0x00EC, 0x00ED, 0x0129, 0x1EC9, /* E8 */
	0x0111, 0x1EF1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x1ECF, 0x1ECD, /* F0 */
	0x1EE5, 0x00F9, 0x00FA, 0x0169, 0x1EE7, 0x00FD, 0x1EE3, 0x1EEE, /* F8 */
};

/* The six capitals VISCII puts on control bytes. */
static const struct {
	unsigned char byte;
	uint16_t cp;
} viscii_controls[] = {
	{0x02, 0x1EB2}, {0x05, 0x1EB4}, {0x06, 0x1EAA}, {0x14, 0x1EF6}, {0x19, 0x1EF8}, {0x1E, 0x1EF4},
};

static const struct {
	const char *name;
	td_encoding enc;
} encoding_names[] = {
	{"UTF-8", TD_ENC_UTF8},    {"UTF8", TD_ENC_UTF8},           {"TCVN3", TD_ENC_TCVN3},
	{"ABC", TD_ENC_TCVN3},     {"TCVN", TD_ENC_TCVN3},          {"TCVN5712", TD_ENC_TCVN3},
	{"VNI", TD_ENC_VNI},       {"VNI-Windows", TD_ENC_VNI},     {"VNI-Win", TD_ENC_VNI},
	{"CP1258", TD_ENC_CP1258}, {"Windows-1258", TD_ENC_CP1258}, {"VISCII", TD_ENC_VISCII},
	{"ASCII", TD_ENC_ASCII},   {"US-ASCII", TD_ENC_ASCII},
};

/* The encodings the detector tries, in order of preference on a tie. */
static const td_encoding candidates[] = {TD_ENC_UTF8, TD_ENC_TCVN3, TD_ENC_VNI, TD_ENC_CP1258, TD_ENC_VISCII};

/*
 * Vietnamese spelling without tone marks: onset + nucleus + final. The
 * nuclei include the glides written i/y/o/u after a vowel; OPEN ones take no
 * final consonant, CLOSED ones need one (ia, ua, ưa are spelled iê, uô, ươ
 * before a final). Final k is for Central Highlands names (Đắk Lắk).
 */
enum { ANY, OPEN, CLOSED };
struct spelling {
	const char *s;
	size_t len;
	int kind; /* nuclei only */
};
#define S(text) text, sizeof(text) - 1
static const struct spelling nuclei[] = {
	{S("a"), ANY},    {S("ă"), CLOSED},  {S("â"), CLOSED},   {S("e"), ANY},    {S("ê"), ANY},
	{S("i"), ANY},    {S("o"), ANY},     {S("ô"), ANY},      {S("ơ"), ANY},    {S("u"), ANY},
	{S("ư"), ANY},    {S("y"), ANY},     {S("ai"), OPEN},    {S("ao"), OPEN},  {S("au"), OPEN},
	{S("ay"), OPEN},  {S("âu"), OPEN},   {S("ây"), OPEN},    {S("eo"), OPEN},  {S("êu"), OPEN},
	{S("ia"), OPEN},  {S("iê"), CLOSED}, {S("iu"), OPEN},    {S("oa"), ANY},   {S("oă"), CLOSED},
	{S("oe"), ANY},   {S("oi"), OPEN},   {S("ôi"), OPEN},    {S("ơi"), OPEN},  {S("oo"), CLOSED},
	{S("ua"), OPEN},  {S("uâ"), CLOSED}, {S("uê"), ANY},     {S("ui"), OPEN},  {S("uô"), CLOSED},
	{S("uơ"), OPEN},  {S("ưa"), OPEN},   {S("ưi"), OPEN},    {S("ưu"), OPEN},  {S("ươ"), CLOSED},
	{S("uy"), ANY},   {S("yê"), CLOSED}, {S("iêu"), OPEN},   {S("oai"), OPEN}, {S("oao"), OPEN},
	{S("oay"), OPEN}, {S("oeo"), OPEN},  {S("uây"), OPEN},   {S("uôi"), OPEN}, {S("ươi"), OPEN},
	{S("ươu"), OPEN}, {S("uya"), OPEN},  {S("uyê"), CLOSED}, {S("uyu"), OPEN}, {S("yêu"), OPEN},
};
static const struct spelling onsets[] = {
	{S(""), 0},   {S("b"), 0},  {S("c"), 0},   {S("ch"), 0}, {S("d"), 0},  {S("đ"), 0},  {S("g"), 0},
	{S("gh"), 0}, {S("gi"), 0}, {S("h"), 0},   {S("k"), 0},  {S("kh"), 0}, {S("l"), 0},  {S("m"), 0},
	{S("n"), 0},  {S("ng"), 0}, {S("ngh"), 0}, {S("nh"), 0}, {S("p"), 0},  {S("ph"), 0}, {S("qu"), 0},
	{S("r"), 0},  {S("s"), 0},  {S("t"), 0},   {S("th"), 0}, {S("tr"), 0}, {S("v"), 0},  {S("x"), 0},
};
static const struct spelling finals[] = {
	{S(""), 0},  {S("c"), 0},  {S("ch"), 0}, {S("k"), 0}, {S("m"), 0},
	{S("n"), 0}, {S("ng"), 0}, {S("nh"), 0}, {S("p"), 0}, {S("t"), 0},
};
#undef S

const char *td_encoding_name(td_encoding e)
{
	switch (e) {
	case TD_ENC_UNKNOWN:
		return "unknown";
	case TD_ENC_UTF8:
		return "UTF-8";
	case TD_ENC_TCVN3:
		return "TCVN3";
	case TD_ENC_VNI:
		return "VNI";
	case TD_ENC_CP1258:
		return "CP1258";
	case TD_ENC_VISCII:
		return "VISCII";
	case TD_ENC_ASCII:
		return "ASCII";
	}
	return "unknown";
}

td_status td_encoding_parse(const char *name, td_encoding *out, td_error *err)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(encoding_names); i++) {
		if (strcasecmp(name, encoding_names[i].name) == 0) {
			*out = encoding_names[i].enc;
			return TD_OK;
		}
	}
	return td_error_set(err, TD_ERR_USAGE, "unknown encoding '%s' (use UTF-8, TCVN3, VNI, CP1258, VISCII or ASCII)",
			    name ? name : "");
}

/* Offset of the first byte that is not valid UTF-8 or is NUL; len if none. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (r <= 0 || cp == 0)
			return i;
		i += (size_t)r;
	}
	return len;
}

int td_encoding_file_is_utf8(const char *path, int *ascii)
{
	unsigned char buf[65536 + 4];
	size_t carry = 0, n;
	int ok = 1;
	FILE *f = fopen(path, "rb");

	*ascii = 1;
	if (!f)
		return 0;
	while (ok && (n = fread(buf + carry, 1, sizeof(buf) - 4 - carry, f)) > 0) {
		size_t len = carry + n, off = utf8_check(buf, len);
		for (size_t i = 0; *ascii && i < len; i++)
			*ascii = buf[i] < 0x80;
		/* A character cut by the end of the buffer is finished by the next read. */
		carry = len - off;
		if (off < len && (carry >= 4 || buf[off] == 0))
			ok = 0;
		memmove(buf, buf + off, carry);
	}
	ok = ok && carry == 0 && !ferror(f);
	fclose(f);
	return ok;
}

/* The character byte b stands for in a one-byte-per-letter encoding; 0 if none. */
static int32_t single_byte(td_encoding e, unsigned char b)
{
	if (b == 0)
		return 0;
	switch (e) {
	case TD_ENC_ASCII:
		return b < 0x80 ? b : 0;
	case TD_ENC_TCVN3:
		if (b < 0x20 && strchr(tcvn3_vn1_controls, b))
			return 0;
		if (b < 0x80)
			return b;
		return b < 0xA0 ? windows_symbols[b - 0x80] : tcvn3_high[b - 0xA0];
	case TD_ENC_VNI: /* bytes from 0xC0 up are handled by the caller */
		if (b < 0x80)
			return b;
		if (b < 0xA0)
			return windows_symbols[b - 0x80];
		return b == 0xA0 ? 0xA0 : 0;
	case TD_ENC_CP1258:
		return b < 0x80 ? b : cp1258_high[b - 0x80];
	case TD_ENC_VISCII:
		for (size_t i = 0; b < 0x20 && i < ARRAY_SIZE(viscii_controls); i++)
			if (viscii_controls[i].byte == b)
				return viscii_controls[i].cp;
		return b < 0x80 ? b : viscii_high[b - 0x80];
	case TD_ENC_UNKNOWN:
	case TD_ENC_UTF8:
		break;
	}
	return 0;
}

/* Can a VNI mark byte whose first mark is mark follow the letter base? */
static int vni_takes(int32_t mark, int32_t base)
{
	int32_t c = utf8proc_tolower(base);

	if (mark == CIRCUMFLEX)
		return c == 'a' || c == 'e' || c == 'o';
	if (mark == BREVE)
		return c == 'a';
	return (c > 0 && c < 0x80 && strchr("aeiouy", (int)c)) || c == 0x01A1 || c == 0x01B0;
}

static size_t put(char *out, size_t n, int32_t cp)
{
	return n + (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + n);
}

/*
 * Decode s[0..len) in e into out as UTF-8, not yet normalised; out must hold
 * 4 * len bytes (the most any byte gives is a VNI byte for two marks).
 * Sets *n to the bytes written; returns the offset of the first invalid
 * byte, or len.
 */
static size_t decode_raw(td_encoding e, const unsigned char *s, size_t len, char *out, size_t *n)
{
	int32_t base = 0; /* VNI: the letter a mark byte would go on */

	*n = 0;
	if (e == TD_ENC_UTF8) {
		size_t ok = utf8_check(s, len);
		if (ok > 0)
			memcpy(out, s, ok);
		*n = ok;
		return ok;
	}
	for (size_t i = 0; i < len; i++) {
		int32_t cp = single_byte(e, s[i]);
		if (e == TD_ENC_VNI && s[i] >= 0xC0) {
			const struct vni_code *c = &vni_codes[s[i] & 0x1F];
			if (c->letter) {
				cp = s[i] < 0xE0 ? utf8proc_toupper(c->letter) : c->letter;
			} else if (c->mark[0] && vni_takes(c->mark[0], base)) {
				*n = put(out, *n, c->mark[0]);
				if (c->mark[1])
					*n = put(out, *n, c->mark[1]);
				base = 0;
				continue;
			}
		}
		if (cp == 0)
			return i;
		*n = put(out, *n, cp);
		base = cp;
	}
	return len;
}

td_status td_encoding_decode(td_encoding e, const char *bytes, size_t len, char **out, td_error *err)
{
	char *raw = NULL;
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t r;
	size_t n, bad;
	td_status st = TD_OK;

	*out = NULL;
	if (e <= TD_ENC_UNKNOWN || e > TD_ENC_ASCII)
		return td_error_set(err, TD_ERR_USAGE, "cannot decode text of unknown encoding");
	if (len > (SIZE_MAX - 1) / 4 || (raw = malloc(4 * len + 1)) == NULL) {
		st = td_error_set(err, TD_ERR_NOMEM, "out of memory decoding %zu bytes of text", len);
		goto done;
	}
	bad = decode_raw(e, (const unsigned char *)bytes, len, raw, &n);
	if (bad < len) {
		unsigned char b = (unsigned char)bytes[bad];
		st = td_error_set(
			err, TD_ERR_INPUT, "invalid %s byte 0x%02X at offset %zu%s", td_encoding_name(e), b, bad,
			e == TD_ENC_VNI && b >= 0xC0 && !vni_codes[b & 0x1F].letter && vni_codes[b & 0x1F].mark[0]
				? " (a mark with no letter it can go on)"
				: "");
		goto done;
	}
	r = utf8proc_map((const utf8proc_uint8_t *)raw, (utf8proc_ssize_t)n, &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (r < 0) {
		st = td_error_set(err, r == UTF8PROC_ERROR_NOMEM ? TD_ERR_NOMEM : TD_ERR_INTERNAL,
				  "cannot normalise decoded text: %s", utf8proc_errmsg(r));
		goto done;
	}
	*out = (char *)nfc;
done:
	free(raw);
	return st;
}

static int is_vowel(int32_t c)
{
	if (c > 0 && c < 0x80)
		return strchr("aeiouy", (int)c) != NULL;
	return c == 0x0103 || c == 0x00E2 || c == 0x00EA || c == 0x00F4 || c == 0x01A1 || c == 0x01B0;
}

/* â ă ê ô ơ ư from a lower-case letter and a vowel-shape mark; 0 if no such letter. */
static int32_t add_mark(int32_t letter, int32_t mark)
{
	if (mark == CIRCUMFLEX)
		return letter == 'a' ? 0x00E2 : letter == 'e' ? 0x00EA : letter == 'o' ? 0x00F4 : 0;
	if (mark == BREVE)
		return letter == 'a' ? 0x0103 : 0;
	return letter == 'o' ? 0x01A1 : letter == 'u' ? 0x01B0 : 0; /* HORN */
}

/* Does s[0..len) start with p? */
static int starts(const char *s, size_t len, const struct spelling *p)
{
	return p->len <= len && (p->len == 0 || (s[0] == p->s[0] && memcmp(s, p->s, p->len) == 0));
}

/* Does s[0..len) end with p? */
static int ends(const char *s, size_t len, const struct spelling *p)
{
	return p->len <= len &&
	       (p->len == 0 || (s[len - 1] == p->s[p->len - 1] && memcmp(s + len - p->len, p->s, p->len) == 0));
}

static const struct spelling *find_nucleus(const char *v, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(nuclei); i++)
		if (nuclei[i].len == len && starts(v, len, &nuclei[i]))
			return &nuclei[i];
	return NULL;
}

/*
 * Does onset + nucleus v + final, with tone mark tone (0 if none), follow
 * Vietnamese spelling? gh/ngh go before e ê i only, c/g/ng not before them
 * (g goes before i as in gì); ch/nh follow a, ê, i, y only; a syllable ending
 * in c ch k p t takes the acute or the dot below.
 */
static int fits(const char *onset, const struct spelling *v, const char *final, int32_t tone)
{
	int front = v->s[0] == 'e' || v->s[0] == 'i' || v->s[0] == 'y' || memcmp(v->s, "ê", 2) == 0;
	char last = v->s[v->len - 1];
	int stop = final[0] && strchr("cpkt", final[0]); /* c ch k p t */

	if ((v->kind == OPEN && final[0]) || (v->kind == CLOSED && !final[0]))
		return 0;
	if (!front && (strcmp(onset, "gh") == 0 || strcmp(onset, "ngh") == 0))
		return 0;
	if (front &&
	    (strcmp(onset, "c") == 0 || strcmp(onset, "ng") == 0 || (strcmp(onset, "g") == 0 && v->s[0] != 'i')))
		return 0;
	if ((strcmp(final, "ch") == 0 || strcmp(final, "nh") == 0) &&
	    !(last == 'a' || last == 'i' || last == 'y' || (v->len >= 2 && memcmp(v->s + v->len - 2, "ê", 2) == 0)))
		return 0;
	return !stop || tone == ACUTE || tone == DOT_BELOW;
}

/* Can the toneless lower-case word w[0..len) be split into onset, nucleus and final that fit? */
static int spelled(const char *w, size_t len, int32_t tone)
{
	for (size_t i = 0; i < ARRAY_SIZE(onsets); i++) {
		if (!starts(w, len, &onsets[i]))
			continue;
		for (size_t j = 0; j < ARRAY_SIZE(finals); j++) {
			size_t on = onsets[i].len, fin = finals[j].len;
			const struct spelling *v;
			if (on + fin >= len || !ends(w, len, &finals[j]))
				continue;
			v = find_nucleus(w + on, len - on - fin);
			if (v && fits(onsets[i].s, v, finals[j].s, tone))
				return 1;
		}
	}
	return 0;
}

/*
 * Is the UTF-8 word w[0..len) (any case, composed or not) one Vietnamese
 * syllable: letters of the Vietnamese alphabet, at most one tone mark, on a
 * vowel, spelled as spelled() accepts, and no capital after a small letter?
 * Letters with a tone do not count for case: TCVN3 has them in small only.
 */
static int is_syllable(const char *w, size_t len)
{
	char bare[32]; /* the word without tone marks; syllables are 7 letters at most */
	size_t n = 0, i = 0;
	int32_t letter = 0, tone = 0;
	int small_seen = 0;

	while (i < len) {
		utf8proc_int32_t cp, small, parts[4];
		utf8proc_ssize_t r =
			utf8proc_iterate((const utf8proc_uint8_t *)w + i, (utf8proc_ssize_t)(len - i), &cp);
		utf8proc_ssize_t k;
		int boundclass = 0, toned = 0;
		if (r <= 0)
			return 0;
		i += (size_t)r;
		small = utf8proc_tolower(cp);
		k = utf8proc_decompose_char(small, parts, 4, UTF8PROC_DECOMPOSE, &boundclass);
		if (k <= 0 || k > 4)
			return 0;
		for (utf8proc_ssize_t j = 0; j < k; j++) {
			int32_t p = parts[j];
			if (p == GRAVE || p == ACUTE || p == HOOK || p == TILDE || p == DOT_BELOW) {
				if (!is_vowel(letter) || tone)
					return 0;
				tone = p;
				toned = 1;
			} else if (p == CIRCUMFLEX || p == BREVE || p == HORN) {
				if ((letter = add_mark(letter, p)) == 0)
					return 0;
			} else if ((p >= 'a' && p <= 'z') || p == 0x0111) {
				if (letter && n + 4 >= sizeof(bare))
					return 0;
				if (letter)
					n = put(bare, n, letter);
				letter = p;
			} else {
				return 0;
			}
		}
		if (!toned && small != cp && small_seen)
			return 0;
		small_seen |= !toned && small == cp && (parts[0] < 0x300 || parts[0] > 0x36F);
	}
	if (letter == 0 || n + 4 >= sizeof(bare))
		return 0;
	n = put(bare, n, letter);
	return spelled(bare, n, tone);
}

/* Bytes that belong to words: letters, and anything above ASCII. */
static int is_word_byte(unsigned char b)
{
	return b >= 0x80 || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
}

static int has_high_byte(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 0x80)
			return 1;
	return 0;
}

struct td_encoding_detector {
	size_t strings;
	size_t words;                        /* words with a byte above 0x7F */
	size_t utf8_valid;                   /* of those, valid UTF-8 */
	size_t vietnamese[TD_ENC_ASCII + 1]; /* of those, a syllable in each encoding */
};

td_encoding_detector *td_encoding_detector_new(void)
{
	return calloc(1, sizeof(td_encoding_detector));
}

void td_encoding_detector_free(td_encoding_detector *d)
{
	free(d);
}

static void score_word(td_encoding_detector *d, const unsigned char *w, size_t len)
{
	char buf[4 * MAX_WORD];
	size_t n;

	if (!has_high_byte(w, len))
		return;
	d->words++;
	if (utf8_check(w, len) == len)
		d->utf8_valid++;
	if (len > MAX_WORD)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (decode_raw(candidates[i], w, len, buf, &n) == len && is_syllable(buf, n))
			d->vietnamese[candidates[i]]++;
}

void td_encoding_detector_feed(td_encoding_detector *d, const char *bytes, size_t len)
{
	const unsigned char *s = (const unsigned char *)bytes;
	size_t start = 0;

	assert(d);
	d->strings++;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && is_word_byte(s[i]))
			continue;
		if (i > start)
			score_word(d, s + start, i - start);
		start = i + 1;
	}
}

td_encoding td_encoding_detector_result(const td_encoding_detector *d, char *why, size_t why_size)
{
	td_encoding best = TD_ENC_UNKNOWN, next = TD_ENC_UNKNOWN;

	assert(d);
	if (!why)
		why_size = 0;
	if (d->words == 0) {
		snprintf(why, why_size, "ASCII: no byte above 0x7F in %zu strings", d->strings);
		return TD_ENC_ASCII;
	}
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		td_encoding e = candidates[i];
		if (best == TD_ENC_UNKNOWN || d->vietnamese[e] > d->vietnamese[best]) {
			next = best;
			best = e;
		} else if (next == TD_ENC_UNKNOWN || d->vietnamese[e] > d->vietnamese[next]) {
			next = e;
		}
	}
	/* Valid UTF-8 by chance is rare in legacy text, so it wins unless beaten. */
	if (d->utf8_valid == d->words && d->vietnamese[TD_ENC_UTF8] == d->vietnamese[best]) {
		snprintf(why, why_size,
			 "UTF-8: all %zu words with non-ASCII bytes are valid UTF-8, %zu read as Vietnamese", d->words,
			 d->vietnamese[TD_ENC_UTF8]);
		return TD_ENC_UTF8;
	}
	if (d->vietnamese[best] == 0) {
		snprintf(why, why_size,
			 "unknown: none of the %zu words with non-ASCII bytes reads as Vietnamese in any encoding",
			 d->words);
		return TD_ENC_UNKNOWN;
	}
	if (2 * d->vietnamese[best] <= d->words) {
		snprintf(why, why_size,
			 "unknown: no encoding reads most of the %zu words with non-ASCII bytes as Vietnamese (best: "
			 "%s %zu)",
			 d->words, td_encoding_name(best), d->vietnamese[best]);
		return TD_ENC_UNKNOWN;
	}
	snprintf(why, why_size, "%s: %zu of %zu words with non-ASCII bytes read as Vietnamese (next: %s %zu)",
		 td_encoding_name(best), d->vietnamese[best], d->words, td_encoding_name(next), d->vietnamese[next]);
	return best;
}

/* The Windows-1252 (or Latin-1) byte that decodes to cp; 0 if none. */
static unsigned char windows_byte(int32_t cp)
{
	if (cp > 0 && cp < 0x100)
		return (unsigned char)cp;
	for (size_t i = 0; i < ARRAY_SIZE(windows_symbols); i++)
		if (windows_symbols[i] == cp)
			return (unsigned char)(0x80 + i);
	return 0;
}

/* Is the UTF-8 word w no syllable, but TCVN3 or VNI read from its Windows-1252 bytes? */
static int is_residue(const unsigned char *w, size_t len)
{
	static const td_encoding legacy[] = {TD_ENC_TCVN3, TD_ENC_VNI};
	unsigned char raw[MAX_WORD];
	char buf[4 * MAX_WORD];
	size_t n = 0, m, i = 0;

	if (len > MAX_WORD || is_syllable((const char *)w, len))
		return 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate(w + i, (utf8proc_ssize_t)(len - i), &cp);
		if (r <= 0 || (raw[n++] = windows_byte(cp)) == 0)
			return 0;
		i += (size_t)r;
	}
	for (size_t k = 0; k < ARRAY_SIZE(legacy); k++)
		if (decode_raw(legacy[k], raw, n, buf, &m) == n && is_syllable(buf, m))
			return 1;
	return 0;
}

int td_encoding_has_residue(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t len = utf8 ? strlen(utf8) : 0, start = 0;

	if (utf8_check(s, len) < len)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && is_word_byte(s[i]))
			continue;
		if (i > start && has_high_byte(s + start, i - start) && is_residue(s + start, i - start))
			return 1;
		start = i + 1;
	}
	return 0;
}
