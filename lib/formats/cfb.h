/*
 * GDAL reads .xls with libfreexl, which trusts the lengths and counts in
 * the file: a mutated workbook makes it read past its buffers (found by a
 * hostile-input campaign: 35 of 623 mutated registers and C06 replies with
 * Debian's freexl 1.0.6). So every .xls is walked here first, with every
 * length checked against what holds it, and refused unless all of it is
 * sound:
 *
 *   - the compound file: header, FAT and DIFAT sectors inside the file, no
 *     sector chain that loops, leaves the file or is shorter than its
 *     stream, directory entries with sane names, a "Workbook" stream
 *     (BIFF8; "Book" is Excel 5/95 and refused) read through the FAT or the
 *     mini FAT;
 *   - the BIFF8 stream: every record inside the stream and at most 8,224
 *     bytes, BOF/EOF pairs, BIFF8 version, sheets (BOUNDSHEET) pointing at a
 *     BOF; the shared string table parsed string by string across its
 *     CONTINUE records with the count it announces; every cell record of the
 *     length its type needs, inside the sheet's DIMENSIONS, with an XF
 *     index below the number of XF records and a string index below the
 *     number of shared strings.
 *
 *     td_error err;
 *     td_error_init(&err);
 *     if (td_cfb_check_xls("so-dia-chinh.xls", &err) != TD_OK)
 *         ...err.msg: "'so-dia-chinh.xls' is not a sound .xls workbook: record 0x00FD at byte 5120: ..."
 *
 * It checks structure only, so it accepts any workbook Excel, LibreOffice,
 * xlwt or lib/xls.c writes, and reads at most TD_CFB_MAX_BYTES.
 */
#ifndef TD_CFB_H
#define TD_CFB_H

#include "error.h"

#include <stddef.h>

#define TD_CFB_MAX_BYTES (512L * 1024 * 1024)

/* Check the file at path. TD_ERR_INPUT naming the file and what is wrong; TD_ERR_NOMEM. */
td_status td_cfb_check_xls(const char *path, td_error *err);

/* The same over bytes in memory; name is used in messages. */
td_status td_cfb_check_xls_bytes(const unsigned char *b, size_t n, const char *name, td_error *err);

#endif
