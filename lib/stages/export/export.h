/*
 * Export: one XLSX workbook per commune, for the staff and contractors who
 * fix the data in a spreadsheet.
 *
 *     td_export_options o = TD_EXPORT_OPTIONS_INIT;
 *     td_export_summary s;
 *     o.out_dir = "out";
 *     rc = td_export_run(ws, &o, progress, arg, &s, &err);
 *     for (int i = 0; i < s.workbooks; i++)
 *         puts(s.files[i]);
 *     td_export_summary_release(&s);
 *
 * <out_dir>/thuadat-<commune>.xlsx has these sheets (names from
 * schemas/xlsx/sheets.csv, columns from schemas/xlsx/<sheet>.csv, see
 * lib/layout.h; an office edits those files to match its template):
 *
 *   summary       "Tổng hợp": commune code and name, export date, counts of
 *                 parcels, register rows, groups, parcel IDs and certificates
 *                 not in the database, then the findings per rule
 *   group1..3     "Nhóm 1".."Nhóm 3": one row per parcel key of the group
 *   findings      "Lỗi": the commune's findings with rule, keys, X/Y, message
 *   certificates  "GCN chưa có trong CSDL": certificates issued but not yet
 *                 in the database: one row per certificate (serial) of the
 *                 register whose parcel has no polygon on the map, so it
 *                 cannot be tied to a parcel of the spatial database
 *
 * A list longer than a sheet holds continues on "<name> (2)", ... Numbers
 * are number cells, dates date cells, identifiers (CCCD, serials, parcel
 * IDs, commune codes) text cells. The files hold owner names: each is
 * created with mode 0600 as a temporary file in out_dir and renamed when
 * complete, so a failure leaves the previous version or nothing. Rows are
 * streamed from the workspace (libxlsxwriter's constant_memory mode):
 * memory stays bounded by one commune.
 */
#ifndef TD_EXPORT_H
#define TD_EXPORT_H

#include "workspace.h"

typedef struct td_export_options {
	const char *out_dir; /* existing or creatable directory */
	long sheet_rows;     /* rows per sheet of a list, header included; 0: Excel's 1,048,576 */
} td_export_options;
#define TD_EXPORT_OPTIONS_INIT                                                                                         \
	{                                                                                                              \
		NULL, 0                                                                                                \
	}

typedef struct td_export_summary {
	int workbooks;     /* files written */
	long parcels;      /* parcel rows written over all group sheets */
	long findings;     /* finding rows written */
	long certificates; /* rows of certificates not in the database */
	char **files;      /* paths of the files written, in commune order; NULL-terminated */
	char json[1024];   /* {"command":"export","workbooks":N,"parcels":N,"findings":N,"certificates":N} */
} td_export_summary;

/*
 * Write <out_dir>/thuadat-<commune>.xlsx for every commune in parcel_grade,
 * in commune order. Reads only: a workspace opened with TD_WS_READ will do.
 *
 *   ws        the open workspace; each commune is read in one snapshot
 *   opts      out_dir is created (with parents, mode 0700) if missing
 *   progress  called after each commune with the fraction done; may be NULL
 *   sum       filled even on failure with the workbooks already complete;
 *             release it with td_export_summary_release() in every case
 *
 * TD_ERR_USAGE if parcel_grade is empty (classify has not run), a layout
 * file is wrong (naming file and line) or sheet_rows is out of range;
 * TD_ERR_IO naming the file when out_dir or a workbook cannot be written;
 * TD_ERR_INPUT if a commune code cannot be part of a file name;
 * TD_ERR_CANCELLED if progress returned 0 (the workbooks already written stay).
 */
td_status td_export_run(td_ws *ws, const td_export_options *opts, td_progress_fn progress, void *arg,
			td_export_summary *sum, td_error *err);

/* Free sum->files and its strings; leaves the counts. Accepts NULL. */
void td_export_summary_release(td_export_summary *sum);

#endif
