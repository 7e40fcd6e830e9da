#include "ids.h"
#include "geohash.h"
#include "ini.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ISO 7064 ------------------------------------------------------------ */

static int all_digits(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * The hybrid system MOD 11,10 (ISO 7064 clause 8): P starts at 10; for each
 * digit, S = (P + digit) mod 10 with 0 read as 10, and P = 2S mod 11. The
 * check digit makes the next S equal 1.
 */
char td_iso7064_mod11_10(const char *digits)
{
	int p = 10;

	if (!all_digits(digits))
		return 0;
	for (const char *c = digits; *c; c++) {
		int s = (p + (*c - '0')) % 10;
		p = (2 * (s ? s : 10)) % 11;
	}
	return (char)('0' + (11 - p) % 10);
}

/*
 * The pure system MOD 97-10 (ISO 7064 clause 7): the check digits make the
 * whole number ≡ 1 (mod 97), i.e. (98 − digits × 100 mod 97) mod 97, from
 * "00" to "96". (IBAN writes 97 and 98 where this gives 00 and 01.)
 */
int td_iso7064_mod97_10(const char *digits, char out[3])
{
	int r = 0;

	if (!all_digits(digits))
		return 0;
	for (const char *c = digits; *c; c++)
		r = (r * 10 + (*c - '0')) % 97;
	r = (98 - (r * 100) % 97) % 97;
	out[0] = (char)('0' + r / 10);
	out[1] = (char)('0' + r % 10);
	out[2] = '\0';
	return 1;
}

int td_iso7064_valid(td_id_check alg, const char *s)
{
	char data[TD_ID_MAX], cc[3];
	size_t n = s ? strlen(s) : 0, k = alg == TD_ID_MOD97_10 ? 2 : 1;

	if (n <= k || n - k >= sizeof(data) || !all_digits(s))
		return 0;
	memcpy(data, s, n - k);
	data[n - k] = '\0';
	if (alg == TD_ID_MOD11_10)
		return td_iso7064_mod11_10(data) == s[n - 1];
	return td_iso7064_mod97_10(data, cc) && memcmp(cc, s + n - 2, 2) == 0;
}

const char *td_id_check_name(td_id_check alg)
{
	switch (alg) {
	case TD_ID_MOD97_10:
		return "MOD 97-10";
	case TD_ID_MOD11_10:
		return "MOD 11-10";
	}
	return "MOD 97-10";
}

/* ---- the template ---------------------------------------------------------- */

#define COMMUNE_DIGITS 5
#define SEQ_MAX_DIGITS 12

static int check_width(td_id_check alg)
{
	return alg == TD_ID_MOD97_10 ? 2 : 1;
}

void td_id_settings_init(td_id_settings *s)
{
	td_error err;

	memset(s, 0, sizeof(*s));
	s->check = TD_ID_MOD97_10;
	s->scheme = TD_ID_OFFICIAL;
	s->polylabel_precision = 0.01;
	s->match_tolerance = 0.1;
	s->lineage_min_overlap = 0.1;
	td_error_init(&err);
	td_id_set_format(s, "{commune}{seq:7}{check}", &err);
}

td_status td_id_set_format(td_id_settings *s, const char *text, td_error *err)
{
	td_id_settings t = *s;
	const char *p = text;
	int seen[4] = {0};

	if (strlen(text) >= sizeof(t.format))
		return td_error_set(err, TD_ERR_USAGE, "ID format '%s' is longer than %zu characters", text,
				    sizeof(t.format) - 1);
	snprintf(t.format, sizeof(t.format), "%s", text);
	t.nparts = 0;
	while (*p) {
		size_t n;
		if (t.nparts == TD_ID_PARTS_MAX)
			return td_error_set(err, TD_ERR_USAGE, "ID format '%s' has more than %d parts", text,
					    TD_ID_PARTS_MAX);
		if (seen[TD_ID_CHECK])
			return td_error_set(err, TD_ERR_USAGE, "ID format '%s': {check} must come last", text);
		if (*p != '{') {
			n = strcspn(p, "{}");
			if (p[n] == '}' || n >= sizeof(t.parts[0].text) ||
			    (t.nparts > 0 && t.parts[t.nparts - 1].field == TD_ID_LITERAL))
				return td_error_set(err, TD_ERR_USAGE,
						    "ID format '%s': unexpected '}' or literal too long", text);
			t.parts[t.nparts].field = TD_ID_LITERAL;
			memcpy(t.parts[t.nparts].text, p, n);
			t.parts[t.nparts].text[n] = '\0';
			t.parts[t.nparts].width = (int)n;
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
					return td_error_set(
						err, TD_ERR_USAGE,
						"ID format '%s': literal text must be printable ASCII without spaces",
						text);
			t.nparts++;
			p += n;
			continue;
		}
		n = strcspn(p, "}");
		if (!p[n])
			return td_error_set(err, TD_ERR_USAGE, "ID format '%s': '{' without '}'", text);
		if (n == 8 && strncmp(p, "{commune", 8) == 0) {
			t.parts[t.nparts].field = TD_ID_COMMUNE;
			t.parts[t.nparts].width = COMMUNE_DIGITS;
		} else if (n == 6 && strncmp(p, "{check", 6) == 0) {
			t.parts[t.nparts].field = TD_ID_CHECK;
			t.parts[t.nparts].width = check_width(t.check);
		} else if (n > 5 && strncmp(p, "{seq:", 5) == 0) {
			char *end;
			long w = strtol(p + 5, &end, 10);
			if (end != p + n || w < 1 || w > SEQ_MAX_DIGITS)
				return td_error_set(err, TD_ERR_USAGE,
						    "ID format '%s': expected {seq:N} with N from 1 to %d", text,
						    SEQ_MAX_DIGITS);
			t.parts[t.nparts].field = TD_ID_SEQ;
			t.parts[t.nparts].width = (int)w;
		} else {
			return td_error_set(
				err, TD_ERR_USAGE,
				"ID format '%s': unknown field '%.*s}' (expected {commune}, {seq:N} or {check})", text,
				(int)n, p);
		}
		if (seen[t.parts[t.nparts].field]++)
			return td_error_set(err, TD_ERR_USAGE, "ID format '%s': '%.*s}' appears twice", text, (int)n,
					    p);
		t.nparts++;
		p += n + 1;
	}
	if (!seen[TD_ID_COMMUNE] || !seen[TD_ID_SEQ] || !seen[TD_ID_CHECK])
		return td_error_set(err, TD_ERR_USAGE, "ID format '%s' needs {commune}, {seq:N} and {check}", text);
	*s = t;
	return TD_OK;
}

int td_id_length(const td_id_settings *s)
{
	int n = 0;

	for (int i = 0; i < s->nparts; i++)
		n += s->parts[i].field == TD_ID_CHECK ? check_width(s->check) : s->parts[i].width;
	return n;
}

static int seq_width(const td_id_settings *s)
{
	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].field == TD_ID_SEQ)
			return s->parts[i].width;
	return 0;
}

td_status td_id_make(const td_id_settings *s, const char *commune, long seq, char *out, size_t size, td_error *err)
{
	char digits[TD_ID_MAX] = "", id[TD_ID_MAX] = "", field[SEQ_MAX_DIGITS + 2], cc[3];
	int w = seq_width(s);
	long limit = 1;

	for (int i = 0; i < w; i++)
		limit *= 10;
	if (strlen(commune) != COMMUNE_DIGITS || !all_digits(commune))
		return td_error_set(err, TD_ERR_INPUT,
				    "commune code '%s' is not %d digits, as the ID format '%s' needs", commune,
				    COMMUNE_DIGITS, s->format);
	if (seq < 1 || seq >= limit)
		return td_error_set(
			err, TD_ERR_USAGE,
			"commune %s has used every sequence number of %d digits: widen {seq:N} in the ID format '%s'",
			commune, w, s->format);
	for (int i = 0; i < s->nparts; i++) {
		const char *piece = field;
		switch (s->parts[i].field) {
		case TD_ID_LITERAL:
			piece = s->parts[i].text;
			break;
		case TD_ID_COMMUNE:
			piece = commune;
			break;
		case TD_ID_SEQ:
			snprintf(field, sizeof(field), "%0*ld", w, seq);
			break;
		case TD_ID_CHECK:
			if (s->check == TD_ID_MOD11_10) {
				cc[0] = td_iso7064_mod11_10(digits);
				cc[1] = '\0';
			} else {
				td_iso7064_mod97_10(digits, cc);
			}
			piece = cc;
			break;
		}
		if (s->parts[i].field == TD_ID_COMMUNE || s->parts[i].field == TD_ID_SEQ)
			strncat(digits, piece, sizeof(digits) - strlen(digits) - 1);
		strncat(id, piece, sizeof(id) - strlen(id) - 1);
	}
	if (strlen(id) >= size)
		return td_error_set(err, TD_ERR_INTERNAL, "ID '%s' does not fit its buffer", id);
	memcpy(out, id, strlen(id) + 1);
	return TD_OK;
}

static const char *field_name(enum td_id_field f)
{
	switch (f) {
	case TD_ID_LITERAL:
		return "fixed text";
	case TD_ID_COMMUNE:
		return "the commune code";
	case TD_ID_SEQ:
		return "the sequence";
	case TD_ID_CHECK:
		return "the check digits";
	}
	return "";
}

td_status td_id_parse(const td_id_settings *s, const char *id, char *commune, long *seq, td_error *err)
{
	char digits[TD_ID_MAX] = "", com[COMMUNE_DIGITS + 1] = "", cc[3];
	size_t n = strlen(id), pos = 0;
	long sq = 0;

	if (n != (size_t)td_id_length(s))
		return td_error_set(err, TD_ERR_INPUT, "'%s' is not a parcel ID: expected %d characters (%s), got %zu",
				    id, td_id_length(s), s->format, n);
	for (int i = 0; i < s->nparts; i++) {
		int w = s->parts[i].field == TD_ID_CHECK ? check_width(s->check) : s->parts[i].width;
		if (s->parts[i].field == TD_ID_LITERAL) {
			if (strncmp(id + pos, s->parts[i].text, (size_t)w) != 0)
				return td_error_set(
					err, TD_ERR_INPUT,
					"'%s' is not a parcel ID: characters %zu to %zu should read '%s' (%s)", id,
					pos + 1, pos + (size_t)w, s->parts[i].text, s->format);
			pos += (size_t)w;
			continue;
		}
		for (int k = 0; k < w; k++)
			if (id[pos + (size_t)k] < '0' || id[pos + (size_t)k] > '9')
				return td_error_set(
					err, TD_ERR_INPUT,
					"'%s' is not a parcel ID: character %zu is '%c', expected a digit of %s", id,
					pos + (size_t)k + 1, id[pos + (size_t)k], field_name(s->parts[i].field));
		if (s->parts[i].field == TD_ID_COMMUNE)
			memcpy(com, id + pos, COMMUNE_DIGITS);
		if (s->parts[i].field == TD_ID_SEQ)
			for (int k = 0; k < w; k++)
				sq = sq * 10 + (id[pos + (size_t)k] - '0');
		if (s->parts[i].field == TD_ID_CHECK) {
			int good = s->check == TD_ID_MOD11_10
					   ? td_iso7064_mod11_10(digits) == id[pos]
					   : td_iso7064_mod97_10(digits, cc) && memcmp(cc, id + pos, 2) == 0;
			if (!good)
				return td_error_set(
					err, TD_ERR_INPUT,
					"'%s' is not a valid parcel ID: the check digits do not match (ISO 7064 %s); "
					"a digit is mistyped or two are swapped",
					id, td_id_check_name(s->check));
		} else {
			strncat(digits, id + pos, (size_t)w);
		}
		pos += (size_t)w;
	}
	if (sq == 0)
		return td_error_set(err, TD_ERR_INPUT, "'%s' is not a parcel ID: sequence 0 is never issued", id);
	if (commune)
		memcpy(commune, com, sizeof(com));
	if (seq)
		*seq = sq;
	return TD_OK;
}

/* The fields an address_link template may use; NULL values come from the caller. */
static const char *const link_fields[] = {"{id}", "{commune}", "{sheet}", "{parcel}"};

static int link_template_ok(const char *t)
{
	for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
		int ok = 0;
		for (size_t i = 0; i < sizeof(link_fields) / sizeof(link_fields[0]); i++)
			ok |= strncmp(p, link_fields[i], strlen(link_fields[i])) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

int td_id_link(const td_id_settings *s, const char *id, const char *commune, long sheet, long parcel, char *out,
	       size_t size)
{
	char num[2][24];
	const char *values[4];
	size_t n = 0;

	snprintf(num[0], sizeof(num[0]), "%ld", sheet);
	snprintf(num[1], sizeof(num[1]), "%ld", parcel);
	values[0] = id;
	values[1] = commune;
	values[2] = num[0];
	values[3] = num[1];
	for (const char *p = s->address_link; *p;) {
		const char *piece = p;
		size_t len = 1;
		for (size_t i = 0; i < 4; i++)
			if (strncmp(p, link_fields[i], strlen(link_fields[i])) == 0) {
				piece = values[i];
				len = strlen(piece);
				p += strlen(link_fields[i]) - 1;
				break;
			}
		if (n + len >= size)
			return 0;
		memcpy(out + n, piece, len);
		n += len;
		p++;
	}
	out[n] = '\0';
	return 1;
}

/* ---- the [id] section of a profile --------------------------------------- */

struct loader {
	td_id_settings *s;
	const char *path;
	char format[128];
};

static int parse_fraction(const char *v, double *out)
{
	char *end;
	*out = strtod(v, &end);
	return end != v && *end == '\0' && isfinite(*out) && *out >= 0 && *out <= 1;
}

static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	struct loader *l = arg;
	td_id_settings *s = l->s;
	double v;

	if (strcmp(section, "id") != 0 || !key)
		return TD_OK;
	if (strcmp(key, "format") == 0) {
		if (strlen(value) >= sizeof(l->format))
			return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: format is too long", l->path, line);
		snprintf(l->format, sizeof(l->format), "%s", value);
		return TD_OK;
	}
	if (strcmp(key, "check") == 0) {
		if (strcmp(value, "mod97-10") == 0)
			s->check = TD_ID_MOD97_10;
		else if (strcmp(value, "mod11-10") == 0)
			s->check = TD_ID_MOD11_10;
		else
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: check = '%s': expected mod97-10 or mod11-10", l->path, line,
					    value);
		return TD_OK;
	}
	if (strcmp(key, "address_link") == 0) {
		if (strlen(value) >= sizeof(s->address_link) || !link_template_ok(value))
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: address_link = '%s': expected text with {id}, {commune}, "
					    "{sheet} or {parcel}",
					    l->path, line, value);
		snprintf(s->address_link, sizeof(s->address_link), "%s", value);
		return TD_OK;
	}
	if (strcmp(key, "scheme") == 0) {
		if (strcmp(value, "official") == 0)
			s->scheme = TD_ID_OFFICIAL;
		else if (strcmp(value, "template") == 0)
			s->scheme = TD_ID_TEMPLATE;
		else
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: scheme = '%s': expected official or template", l->path, line,
					    value);
		return TD_OK;
	}
	if (strcmp(key, "polylabel_precision") == 0) {
		char *end;
		v = strtod(value, &end);
		if (end == value || *end || !isfinite(v) || v < 0.0001 || v > 1)
			return td_error_set(
				err, TD_ERR_USAGE,
				"'%s' line %d: polylabel_precision = '%s': expected metres from 0.0001 to 1", l->path,
				line, value);
		s->polylabel_precision = v;
		return TD_OK;
	}
	if (strcmp(key, "match_tolerance") == 0 || strcmp(key, "lineage_min_overlap") == 0) {
		if (!parse_fraction(value, &v))
			return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: %s = '%s': expected a number from 0 to 1",
					    l->path, line, key, value);
		if (key[0] == 'm')
			s->match_tolerance = v;
		else
			s->lineage_min_overlap = v;
		return TD_OK;
	}
	return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [id]", l->path, line, key);
}

td_status td_id_profile_load(td_id_settings *s, const char *path, td_error *err)
{
	struct loader l;
	td_status rc;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.path = path;
	rc = td_ini_parse(path, on_key, &l, err);
	/* The format last: {check}'s width depends on check, which may come after it. */
	if (rc == TD_OK) {
		td_error why;
		td_error_init(&why);
		if (td_id_set_format(s, l.format[0] ? l.format : s->format, &why) != TD_OK)
			rc = td_error_set(err, TD_ERR_USAGE, "'%s': %s", path, why.msg);
	}
	return rc;
}

const char *td_id_scheme_name(td_id_scheme scheme)
{
	return scheme == TD_ID_OFFICIAL ? "official" : "template";
}

td_status td_id_official_parse(const char *id, double *lat, double *lon, td_error *err)
{
	size_t n = strlen(id), bad = td_geohash_bad_char(id);
	double y, x;

	if (bad)
		return td_error_set(err, TD_ERR_INPUT,
				    "'%s' is not a parcel ID: character %zu is '%c', not one of the GeoHash alphabet "
				    "0-9 b-h j k m n p-z (no a, i, l, o; lower case)",
				    id, bad, id[bad - 1]);
	if (n != TD_ID_OFFICIAL_LEN)
		return td_error_set(err, TD_ERR_INPUT,
				    "'%s' is not a parcel ID: expected %d GeoHash characters, got %zu", id,
				    TD_ID_OFFICIAL_LEN, n);
	if (!td_geohash_decode(id, &y, &x, NULL, NULL))
		return td_error_set(err, TD_ERR_INPUT, "'%s' is not a parcel ID", id);
	if (y < TD_ID_VN_LAT_MIN || y > TD_ID_VN_LAT_MAX || x < TD_ID_VN_LON_MIN || x > TD_ID_VN_LON_MAX)
		return td_error_set(err, TD_ERR_INPUT,
				    "'%s' is not a parcel ID: it decodes to %.6f° N %.6f° E, outside Vietnam "
				    "(%.1f-%.1f° N, %.1f-%.1f° E); a character is mistyped",
				    id, y, x, TD_ID_VN_LAT_MIN, TD_ID_VN_LAT_MAX, TD_ID_VN_LON_MIN, TD_ID_VN_LON_MAX);
	if (lat)
		*lat = y;
	if (lon)
		*lon = x;
	return TD_OK;
}
