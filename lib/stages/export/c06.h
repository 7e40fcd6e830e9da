/*
 * The list for C06 (the police's population-data department): owners
 * holding certificates (GCN) whose identity C06 has not yet confirmed
 * (owners.verification is not 'matched'), one legacy .xls (BIFF8) file per
 * commune, "c06-<commune>.xls", mode 0600 (it holds names and ID numbers).
 * One row per owner and commune, with the owner's first certificate there
 * (by sheet and parcel) as the parcel and certificate keys.
 *
 * C06 has published no template, so the columns come from
 * schemas/c06/columns.csv (header, field, width) built from the ID law's
 * fields; an office edits that file to match what it is asked for. The
 * same layout is read back by `thuadat reconcile` (reconcile.h): the list
 * carries empty reply columns for C06 to fill in and return.
 *
 *     td_c06_summary s;
 *     td_c06_export(ws, "out", &s, &err);
 */
#ifndef TD_C06_H
#define TD_C06_H

#include "c06layout.h"
#include "outfile.h"
#include "workspace.h"

typedef struct td_c06_summary {
	int files;    /* lists written */
	long rows;    /* owners listed */
	int complete; /* communes with certificate holders and nobody left to verify: no list, an old one removed */
} td_c06_summary;

/*
 * Write the lists into the staging folder of out (td_outdir_open), to
 * replace earlier ones when out is committed; a commune whose certificate
 * holders are all verified gets no list, and its list from an earlier
 * export is withdrawn (removed at commit) so it cannot be sent again.
 */
td_status td_c06_export(td_ws *ws, td_outdir *out, td_c06_summary *sum, td_error *err);

#endif
