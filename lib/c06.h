/*
 * The list for C06 (the police's population-data department): owners
 * holding certificates (GCN) whose identity is not yet verified against the
 * national population database, one legacy .xls (BIFF8) file per commune,
 * "c06-<commune>.xls", mode 0600 (it holds names and ID numbers).
 *
 * C06 has published no template, so the columns come from
 * schemas/c06/columns.csv (header, field, width) built from the ID law's
 * fields; an office edits that file to match what it is asked for. Fields:
 * seq, cccd, owner_name, birth_year, gender, id_province (digits 1-3 of a
 * CCCD), commune, sheet, parcel, gcn_serial, gcn_date.
 *
 * Until replies are reconciled, every certificate holder counts as not
 * verified.
 */
#ifndef TD_C06_H
#define TD_C06_H

#include "workspace.h"

typedef struct td_c06_summary {
	int files;
	long rows;
} td_c06_summary;

/* Write the lists into out_dir (which must exist), replacing earlier ones. */
td_status td_c06_export(td_ws *ws, const char *out_dir, td_c06_summary *sum, td_error *err);

#endif
