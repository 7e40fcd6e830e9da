#include "identity.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Province-of-registration codes (pre-2025 provinces; unchanged by the merger). */
static const char province_codes[][4] = {
	"001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
	"026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
	"049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
	"077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096"};

static int all_digits(const char *s, size_t n)
{
	return strspn(s, "0123456789") == n;
}

static int cmp_code(const void *a, const void *b)
{
	return strncmp(a, b, 3);
}

td_id_verdict td_identity_check(const char *id, int birth_year, int sex, char *why, size_t why_size)
{
	size_t n = strlen(id);
	int d4, century, yy;

	why[0] = '\0';
	if (n == 9 && all_digits(id, n))
		return TD_ID_LEGACY_CMND;
	if (n != 12 || !all_digits(id, n)) {
		snprintf(why, why_size, "not 12 digits");
		return TD_ID_INVALID;
	}
	if (!bsearch(id, province_codes, sizeof(province_codes) / sizeof(province_codes[0]), sizeof(province_codes[0]),
		     cmp_code)) {
		snprintf(why, why_size, "province code %.3s is not a province", id);
		return TD_ID_INVALID;
	}
	d4 = id[3] - '0';
	century = 1900 + 100 * (d4 / 2);
	yy = (id[4] - '0') * 10 + (id[5] - '0');
	if (sex >= 0 && d4 % 2 != sex) {
		snprintf(why, why_size, "digit 4 is %d (%s) but the owner is %s", d4, d4 % 2 ? "female" : "male",
			 sex ? "female" : "male");
		return TD_ID_INVALID;
	}
	if (birth_year > 0 && birth_year / 100 * 100 != century) {
		snprintf(why, why_size, "digit 4 is %d (born %d-%d) but the birth year is %d", d4, century,
			 century + 99, birth_year);
		return TD_ID_INVALID;
	}
	if (birth_year > 0 && birth_year % 100 != yy) {
		snprintf(why, why_size, "digits 5-6 are %02d but the birth year is %d", yy, birth_year);
		return TD_ID_INVALID;
	}
	return TD_ID_VALID;
}

int td_identity_sex(const char *text)
{
	char key[32];

	if (!text || !td_text_key(text, key, sizeof(key)))
		return -1;
	if (strcmp(key, "nam") == 0)
		return 0;
	if (strcmp(key, "nữ") == 0 || strcmp(key, "nu") == 0)
		return 1;
	return -1;
}

void td_identity_mask(const char *id, char *buf, size_t size)
{
	size_t n = strlen(id);

	if (n <= 5) {
		snprintf(buf, size, "%s", n ? "*****" : "");
		return;
	}
	snprintf(buf, size, "%.3s%.*s%s", id, (int)(n - 5), "********************", id + n - 2);
}

/*
 * Whether the word (letters and digits) around the digit run at p holds
 * other digits: "1131l000000517", a parcel ID mistyped, is a code, not an
 * identity number; "a031185001234b" or "f031185001234.csv" holds one.
 */
static int other_digits(const char *start, const char *p, size_t run)
{
	for (const char *q = p; q > start && isalnum((unsigned char)q[-1]); q--)
		if (isdigit((unsigned char)q[-1]))
			return 1;
	for (const char *q = p + run; isalnum((unsigned char)*q); q++)
		if (isdigit((unsigned char)*q))
			return 1;
	return 0;
}

void td_identity_mask_text(const char *text, char *buf, size_t size)
{
	size_t j = 0;

	if (size == 0)
		return;
	const char *start = text;

	while (*text && j + 1 < size) {
		size_t run = strspn(text, "0123456789");
		if ((run == 9 || run == 12) && !other_digits(start, text, run)) {
			char id[13], masked[16];
			memcpy(id, text, run);
			id[run] = '\0';
			td_identity_mask(id, masked, sizeof(masked));
			for (const char *m = masked; *m && j + 1 < size; m++)
				buf[j++] = *m;
		} else if (run) {
			for (size_t k = 0; k < run && j + 1 < size; k++)
				buf[j++] = text[k];
		} else {
			buf[j++] = *text;
			run = 1;
		}
		text += run;
	}
	buf[j] = '\0';
}

void td_identity_normalize(const char *typed, char *buf, size_t size)
{
	size_t n;

	while (*typed == ' ' || *typed == '\t')
		typed++;
	snprintf(buf, size, "%s", typed);
	n = strcspn(buf, " \t");
	buf[n] = '\0';
	if ((n == 10 || n == 11 || n == 8) && strspn(buf, "0123456789") == n && size > 12) {
		size_t pad = (n == 8 ? 9 : 12) - n;
		memmove(buf + pad, buf, n + 1);
		memset(buf, '0', pad);
	}
}
