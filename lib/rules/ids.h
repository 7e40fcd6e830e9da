/*
 * Parcel IDs (mã định danh thửa đất): ISO 7064 check characters, the ID
 * template of a rule profile's [id] section, and the history of one ID.
 *
 *     td_id_settings s;
 *     td_id_settings_init(&s);     {commune}{seq:7}{check}, ISO 7064 MOD 97-10
 *     td_id_profile_load(&s, "schemas/rules/default.ini", &err);
 *     char id[TD_ID_MAX];
 *     td_id_make(&s, "11311", 1, id, sizeof(id), &err);      "1131100000016" + 2 check digits
 *     td_id_parse(&s, id, NULL, &err);                      TD_OK, or TD_ERR_INPUT saying why
 *
 * The template is literal text and three fields: {commune} (the 5-digit
 * commune code), {seq:N} (the sequence within the commune, N digits, zero
 * padded) and {check} (the check characters over the digits of the fields
 * before it, in template order; literals are not checked). {commune} and
 * {seq:N} appear once, {check} once and last.
 */
#ifndef TD_IDS_H
#define TD_IDS_H

#include "error.h"

#include <stddef.h>

#define TD_ID_MAX 64

/* Which ID assign-id issues (docs/ids.md). */
typedef enum td_id_scheme {
	TD_ID_OFFICIAL, /* the national ID: 12-character GeoHash of the label point (the default) */
	TD_ID_TEMPLATE  /* the template below: commune, sequence, ISO 7064 check characters */
} td_id_scheme;

#define TD_ID_OFFICIAL_LEN 12

/* The box an official ID must decode into: Vietnam's mainland and islands. */
#define TD_ID_VN_LAT_MIN 6.0
#define TD_ID_VN_LAT_MAX 23.5
#define TD_ID_VN_LON_MIN 102.0
#define TD_ID_VN_LON_MAX 118.0

/* The ISO 7064 system of the check characters. */
typedef enum td_id_check {
	TD_ID_MOD97_10, /* pure system, two check digits "00".."96": the default */
	TD_ID_MOD11_10  /* hybrid system, one check digit "0".."9" */
} td_id_check;

/* ISO 7064 MOD 11-10 check digit of a string of decimal digits; 0 if it is empty or holds another character. */
char td_iso7064_mod11_10(const char *digits);

/* ISO 7064 MOD 97-10 check digits of a string of decimal digits into out; 0 if it is empty or holds another character.
 */
int td_iso7064_mod97_10(const char *digits, char out[3]);

/* 1 if digits followed by its check character(s) is valid under alg. */
int td_iso7064_valid(td_id_check alg, const char *s);

/* "MOD 97-10" or "MOD 11-10". */
const char *td_id_check_name(td_id_check alg);

enum td_id_field { TD_ID_LITERAL, TD_ID_COMMUNE, TD_ID_SEQ, TD_ID_CHECK };

#define TD_ID_PARTS_MAX 16

typedef struct td_id_settings {
	td_id_scheme scheme;        /* official (default) or template */
	double polylabel_precision; /* official: metres; the label point is this close to the deepest */
	char format[128];           /* the template as written */
	struct {
		enum td_id_field field;
		char text[32]; /* TD_ID_LITERAL: the text */
		int width;     /* characters it takes in an ID */
	} parts[TD_ID_PARTS_MAX];
	int nparts;
	td_id_check check;
	char address_link[512];     /* template for parcels.address_link; "" leaves it NULL */
	double match_tolerance;     /* same parcel: area(old △ new) / larger area <= this */
	double lineage_min_overlap; /* parent: overlap / smaller area >= this */
} td_id_settings;

/* The defaults of schemas/rules/default.ini's [id] section. */
void td_id_settings_init(td_id_settings *s);

/*
 * Apply the [id] section of a profile file over s; other sections are left
 * to td_rule_profile_load. TD_ERR_USAGE names the file and line of an
 * unknown setting or a malformed template or value.
 */
td_status td_id_profile_load(td_id_settings *s, const char *path, td_error *err);

/*
 * Set s's template from text (see the top of this file). TD_ERR_USAGE says
 * what is wrong with it; s is unchanged then.
 */
td_status td_id_set_format(td_id_settings *s, const char *text, td_error *err);

/* Characters an ID of s's template has. */
int td_id_length(const td_id_settings *s);

/*
 * Write the ID of sequence number seq in commune into out. TD_ERR_INPUT if
 * commune is not 5 digits, TD_ERR_USAGE if seq does not fit {seq:N}.
 */
td_status td_id_make(const td_id_settings *s, const char *commune, long seq, char *out, size_t size, td_error *err);

/*
 * Check that id is an ID of s's template with correct check characters.
 * On success fill commune (6 bytes, may be NULL) and *seq (may be NULL);
 * else TD_ERR_INPUT with a message saying what is wrong, never what the
 * check characters should be (that would invite "fixing" a mistyped ID).
 */
td_status td_id_parse(const td_id_settings *s, const char *id, char *commune, long *seq, td_error *err);

/*
 * Check that id has the official form: 12 characters of the GeoHash
 * alphabet whose cell centre lies in Vietnam's box. On success fill *lat,
 * *lon (the cell centre, WGS 84 degrees; may be NULL). TD_ERR_INPUT says
 * what is wrong. GeoHash has no check character: a mistyped character that
 * still decodes in Vietnam passes.
 */
td_status td_id_official_parse(const char *id, double *lat, double *lon, td_error *err);

/* "official" or "template". */
const char *td_id_scheme_name(td_id_scheme scheme);

/*
 * Expand the address_link template for one parcel into out: {id},
 * {commune}, {sheet} and {parcel} are replaced. out is "" when the
 * template is empty. Returns 0 if the result does not fit.
 */
int td_id_link(const td_id_settings *s, const char *id, const char *commune, long sheet, long parcel, char *out,
	       size_t size);

#endif
