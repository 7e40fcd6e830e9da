/*
 * The scanned-document inventory (the third information block of a parcel):
 * every file under a folder, its size, CRC-32, whether its header is really
 * a PDF, JPEG, PNG or TIFF, and the parcel its name points to.
 *
 * File names are matched against a pattern of literal text and fields:
 * {commune} {sheet} {parcel} (digits), {kind} (letters/digits: GCN, CCCD,
 * HS ...) and {any}. The default, "{commune}_{sheet}_{parcel}_{kind}",
 * matches "11311_1_5_GCN.pdf". The extension is not part of the match.
 */
#ifndef TD_SCANS_H
#define TD_SCANS_H

#include "error.h"

#include <stdint.h>

#define TD_SCANS_DEFAULT_PATTERN "{commune}_{sheet}_{parcel}_{kind}"

typedef struct td_scan_file {
	char *path; /* relative to the folder */
	int64_t size;
	char checksum[9];   /* CRC-32, hex */
	const char *format; /* "PDF", "JPEG", "PNG", "TIFF", or NULL: not readable */
	int matched;        /* the name matched the pattern */
	char commune[16];
	long sheet, parcel;
	char kind[64]; /* upper case; a field of 63 or more characters matches nothing */
} td_scan_file;

typedef struct td_scan_list {
	td_scan_file *files; /* sorted by path */
	size_t n;
	char checksum[9]; /* over every file's path and checksum: the folder's fingerprint */
	int64_t size;
} td_scan_list;

/* Read the folder. TD_ERR_USAGE for a bad pattern, TD_ERR_INPUT naming an unreadable path. */
td_status td_scans_read(const char *dir, const char *pattern, td_scan_list *out, td_error *err);

/* Match one file name (without folder and extension) against pattern; matched needs commune, sheet and parcel. */
int td_scans_match(const char *pattern, const char *name, td_scan_file *f);

/*
 * 1 when the whole name matches pattern, whichever fields it has; fills the
 * fields found (others "" or 0). Used for map file names ("{commune}_{sheet}").
 */
int td_scans_match_name(const char *pattern, const char *name, td_scan_file *f);

void td_scans_release(td_scan_list *list);

#endif
