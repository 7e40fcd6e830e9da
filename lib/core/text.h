/* Unicode text helpers (utf8proc): normalisation and matching keys. */
#ifndef TD_TEXT_H
#define TD_TEXT_H

#include "error.h"

#include <stddef.h>

/*
 * A key for comparing names typed by people: NFC, case-folded, with leading,
 * trailing and repeated spaces removed. "  Số  Thửa " and "số thửa" give the
 * same key. Returns 0 and an empty buf if s is not valid UTF-8.
 */
int td_text_key(const char *s, char *buf, size_t size);

/*
 * td_text_key without diacritics, đ read as d: "Số tờ", "SO TO" and
 * "So to" all give "so to". For matching column headers typed with or
 * without Vietnamese marks; never for names (it merges different ones).
 */
int td_text_fold(const char *s, char *buf, size_t size);

/*
 * Validate UTF-8 and normalise to NFC into a new string (caller frees).
 * TD_ERR_INPUT if s is not valid UTF-8 (message: "not valid UTF-8").
 */
td_status td_text_nfc(const char *s, char **out, td_error *err);

/* A whole number, spaces around it allowed ("12", " 7 "). Returns 1 and sets *out, or 0. */
int td_text_parse_long(const char *s, long *out);

/*
 * A decimal number with a dot or a Vietnamese decimal comma ("123,4"),
 * spaces around it allowed. Returns 1 and sets *out, or 0.
 */
int td_text_parse_decimal(const char *s, double *out);

/* The number of characters in UTF-8 text (continuation bytes 10xxxxxx are not counted). */
size_t td_utf8_len(const char *s);

/*
 * Copy at most max characters of s into buf (size bytes), cut at a
 * character boundary so the copy stays valid UTF-8; returns the bytes copied.
 */
size_t td_utf8_copy(char *buf, size_t size, const char *s, size_t max);

#endif
