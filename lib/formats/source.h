/*
 * Input files: opening them with GDAL and fingerprinting them, so ingesting
 * the same file twice changes nothing and a changed file is noticed.
 */
#ifndef TD_SOURCE_H
#define TD_SOURCE_H

#include "error.h"

#include <stdint.h>

/*
 * Open a CSV file with GDAL's CSV driver: first line is the header, every
 * field text (leading zeros kept), empty fields NULL, separator , ; or tab
 * detected by GDAL. Returns NULL and fills err (TD_ERR_INPUT naming path).
 * Close with GDALClose().
 */
void *td_source_open_csv(const char *path, td_error *err);

/*
 * Open a register table: CSV (, ; or tab, with or without BOM), XLSX or XLS
 * by the file's extension, every cell as text and no row taken as the
 * header, so the caller finds the header row itself; feature ids are
 * spreadsheet row numbers (CSV: line numbers). Close with
 * td_source_close_table() (not GDALClose). NULL and err on failure; a file
 * that is not what its extension says is named for what it is (empty,
 * UTF-16, binary, ...), a CSV with a NUL byte is refused naming its line,
 * and an .xls is checked by td_cfb_check_xls() before GDAL reads it.
 */
void *td_source_open_table(const char *path, td_error *err);

/*
 * What the first bytes of a file show it to be, in words for a message: "an
 * empty file", "UTF-16 text (save it as UTF-8)", "a ZIP archive (...)", "an
 * OLE2 compound file (XLS or DOC)", "a PDF document", "binary data of an
 * unknown format", ... or "text". TD_ERR_INPUT for a missing or unreadable
 * path or a folder.
 */
td_status td_source_sniff(const char *path, char *what, size_t size, td_error *err);

/* TD_ERR_INPUT naming the line and character of the first NUL byte of a text file. */
td_status td_source_text_nul(const char *path, td_error *err);

/*
 * Check that every record of a CSV after the header (header_row: its 1-based
 * record number, as GDAL numbers CSV features) has as many fields as the
 * header. GDAL's CSV driver drops extra fields and pads missing ones without
 * a word, so a value moved by a stray delimiter would land in the wrong
 * column. The delimiter (, ; or tab) is the one that splits the header into
 * the most fields. TD_ERR_INPUT names the record and both counts.
 */
td_status td_source_csv_fields(const char *path, long header_row, td_error *err);
void td_source_close_table(void *dataset);

/*
 * Open any vector dataset GDAL reads (GeoPackage, shapefile, ...), read-only.
 * raw_text: strings of a shapefile's DBF come as the bytes in the file, not
 * recoded by GDAL from its .cpg or code page (for detecting the encoding).
 * Returns NULL and fills err (TD_ERR_INPUT naming path and GDAL's reason).
 */
void *td_source_open_vector(const char *path, int raw_text, td_error *err);

/*
 * CRC-32 (zlib) and total size of every file that makes up a GDAL dataset
 * (e.g. .shp, .shx, .dbf, .prj, .cpg), in GDAL's order. hex gets 8 digits.
 */
td_status td_source_checksum(void *dataset, char hex[9], int64_t *size, td_error *err);

/* The same for one file, without opening it through GDAL (a DGN sheet). */
td_status td_source_file_checksum(const char *path, char hex[9], int64_t *size, td_error *err);

/* GDAL's last error message, or fallback when GDAL gave none. */
const char *td_source_gdal_reason(const char *fallback);

#endif
