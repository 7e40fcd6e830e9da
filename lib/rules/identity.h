/*
 * Personal identity numbers: the 12-digit CCCD and the legacy 9-digit CMND.
 *
 * CCCD digits 1-3: province of birth registration (the 63 pre-2025 province
 * codes with a leading 0); digit 4: century and sex (0/1 = 1900s
 * male/female, 2/3 = 2000s, 4/5 = 2100s ...); digits 5-6: the last two
 * digits of the birth year; 7-12: random, no check digit.
 */
#ifndef TD_IDENTITY_H
#define TD_IDENTITY_H

#include <stddef.h>

typedef enum td_id_verdict {
	TD_ID_VALID,       /* a CCCD consistent with what is known */
	TD_ID_LEGACY_CMND, /* 9 digits: a valid-looking CMND that needs verification */
	TD_ID_INVALID      /* why says what is wrong */
} td_id_verdict;

/*
 * Check id against the owner's birth year (0 when unknown) and sex
 * (0 male, 1 female, -1 unknown). why gets a short English reason when the
 * verdict is TD_ID_INVALID, e.g. "digits 5-6 are 85 but the birth year is 1958".
 */
td_id_verdict td_identity_check(const char *id, int birth_year, int sex, char *why, size_t why_size);

/* Sex from the register's "Giới tính": "Nam" 0, "Nữ" 1 (any case, with or without diacritics), else -1. */
int td_identity_sex(const char *text);

/* Mask an identity number for logs and terminals: "031*******45". */
void td_identity_mask(const char *id, char *buf, size_t size);

/*
 * Copy text into buf (truncated to size) with every identity number in it
 * masked as td_identity_mask() does: every run of exactly 9 or 12 ASCII
 * digits that is not part of a longer run. For messages that may quote
 * register values, command lines and file names.
 */
void td_identity_mask_text(const char *text, char *buf, size_t size);

/*
 * An identity number as a person or a spreadsheet typed it, into buf: the
 * first word, with leading zeros restored when a spreadsheet took the
 * number for a number (every CCCD starts with 0 or 00, province codes
 * 001-096, so 10 or 11 digits are a CCCD that lost them, as 8 are a CMND
 * that lost one). Other text is copied as it is, for the checks to judge.
 */
void td_identity_normalize(const char *typed, char *buf, size_t size);

#endif
