/*
 * Legacy Vietnamese text encodings: decode to UTF-8 NFC, guess which
 * encoding a set of strings uses, and spot legacy text that was already
 * mis-decoded as Windows-1252.
 *
 *     td_encoding_detector *d = td_encoding_detector_new();
 *     char why[200], *name = NULL;
 *     for (each string field f of the DBF)
 *         td_encoding_detector_feed(d, f.bytes, f.len);
 *     td_encoding enc = td_encoding_detector_result(d, why, sizeof(why));
 *     td_encoding_detector_free(d);
 *     if (td_encoding_decode(enc, bytes, len, &name, &err) != TD_OK)
 *         ...err.msg is "invalid TCVN3 byte 0x81 at offset 12"...
 *     free(name);
 *
 * All encodings are built-in tables (see encoding.c); nothing calls iconv.
 */
#ifndef TD_ENCODING_H
#define TD_ENCODING_H

#include "error.h"

#include <stddef.h>

typedef enum td_encoding {
	TD_ENC_UNKNOWN = 0,
	TD_ENC_UTF8,
	TD_ENC_TCVN3,  /* TCVN 5712:1993 VN3, "ABC", the .VnTime fonts */
	TD_ENC_VNI,    /* VNI-Windows: ASCII letter + mark byte */
	TD_ENC_CP1258, /* Windows-1258: tones as combining marks */
	TD_ENC_VISCII,
	TD_ENC_ASCII
} td_encoding;

/* "UTF-8", "TCVN3", "VNI", "CP1258", "VISCII", "ASCII" or "unknown"; never NULL. */
const char *td_encoding_name(td_encoding e);

/*
 * Parse an encoding name, ignoring case: the names above and the aliases
 * utf8, abc, tcvn, tcvn5712, vni-windows, vni-win, windows-1258, us-ascii.
 * TD_ERR_USAGE naming the value if it is none of them.
 */
td_status td_encoding_parse(const char *name, td_encoding *out, td_error *err);

/*
 * Decode len bytes of text in encoding e into a new NUL-terminated UTF-8
 * string in NFC (*out, caller frees; NULL on failure).
 *
 * A byte that e does not define is TD_ERR_INPUT, "invalid TCVN3 byte 0x81
 * at offset 12"; so is a NUL byte, and a VNI mark byte that does not follow
 * a letter it can mark. UTF-8 input, composed or not, is validated and
 * normalised. TCVN3 has no upper-case toned letters (the .VnTimeH fonts draw
 * the lower-case bytes in capitals), so "NGUYỄN" in TCVN3 decodes as
 * "NGUYễN". TD_ENC_UNKNOWN is TD_ERR_USAGE.
 */
td_status td_encoding_decode(td_encoding e, const char *bytes, size_t len, char **out, td_error *err);

/*
 * 1 if every byte of the file at path is valid UTF-8 (no NUL): the quick
 * answer for the usual case, before any detection. *ascii is set when no
 * byte is above 0x7F. 0 if not, or if the file cannot be read.
 */
int td_encoding_file_is_utf8(const char *path, int *ascii);

/*
 * Guess the encoding of a set of strings, for instance every string field
 * of a DBF. Each word with a byte above 0x7F is decoded in every encoding;
 * the encoding under which most such words are Vietnamese syllables wins.
 */
typedef struct td_encoding_detector td_encoding_detector;

/* NULL if out of memory. Free with td_encoding_detector_free(). */
td_encoding_detector *td_encoding_detector_new(void);

/* Add one string of len bytes (no NUL needed). Keeps only counts. */
void td_encoding_detector_feed(td_encoding_detector *d, const char *bytes, size_t len);

/*
 * The best guess so far, and in why (may be NULL) a one-line reason such as
 * "TCVN3: 412 of 415 words with non-ASCII bytes read as Vietnamese (next:
 * VISCII 31)". TD_ENC_ASCII if no byte was above 0x7F (or nothing was fed);
 * TD_ENC_UTF8 if every word with such bytes is valid UTF-8 and no other
 * encoding reads more of them as Vietnamese; else the encoding that reads
 * most of them as Vietnamese, or TD_ENC_UNKNOWN if none reads more than half.
 * Ties go to the commoner encoding: UTF-8, TCVN3, VNI, CP1258, VISCII.
 */
td_encoding td_encoding_detector_result(const td_encoding_detector *d, char *why, size_t why_size);

/* Accepts NULL. */
void td_encoding_detector_free(td_encoding_detector *d);

/*
 * 1 if the UTF-8 string holds a word that is legacy text mis-decoded as
 * Windows-1252 or Latin-1 ("§inh V¨n A" is TCVN3 Đinh Văn A, "Vieät" is VNI
 * Việt), else 0 (also for invalid UTF-8). A word counts only if it is not a
 * Vietnamese syllable itself but its Windows-1252 bytes read as TCVN3 or VNI
 * form one, so Western words with accents ("Café", "Müller") and correct
 * Vietnamese ("Thò", "Nguyễn") are not residue.
 */
int td_encoding_has_residue(const char *utf8);

#endif
