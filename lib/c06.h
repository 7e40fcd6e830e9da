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

#include "workspace.h"

/* The fields a column of the list can hold. */
typedef enum td_c06_field {
	/* sent to C06 */
	TD_C06_SEQ,            /* row number */
	TD_C06_OWNER_REF,      /* owners.id: the key reconcile matches replies by */
	TD_C06_CCCD,
	TD_C06_OWNER_NAME,
	TD_C06_BIRTH_YEAR,
	TD_C06_GENDER,
	TD_C06_ID_PROVINCE,    /* digits 1-3 of a CCCD: province of birth registration */
	TD_C06_COMMUNE,
	TD_C06_SHEET,
	TD_C06_PARCEL,
	TD_C06_GCN_SERIAL,
	TD_C06_GCN_DATE,
	/* filled in by C06: the reply */
	TD_C06_STATUS,         /* matched / mismatched / not found (schemas/c06/statuses.csv) */
	TD_C06_NEW_CCCD,       /* corrected values from the population database */
	TD_C06_NEW_OWNER_NAME,
	TD_C06_NEW_BIRTH_YEAR,
	TD_C06_NEW_GENDER,
	TD_C06_NOTE,
	/* sent to C06 (added after the reply fields, so the numbers above stay) */
	TD_C06_PARCEL_ID,      /* the parcel ID (mã định danh thửa đất) of the certificate's parcel */
	TD_C06_FIELD_COUNT
} td_c06_field;

#define TD_C06_MAX_COLUMNS 32

typedef struct td_c06_layout {
	int n;
	td_c06_field field[TD_C06_MAX_COLUMNS];
	char header[TD_C06_MAX_COLUMNS][128];
	double width[TD_C06_MAX_COLUMNS];
	char path[4200]; /* the layout file, for messages */
} td_c06_layout;

/* The field's name in columns.csv ("owner_ref", "new_cccd", ...). */
const char *td_c06_field_name(td_c06_field f);

/* Read schemas/c06/columns.csv; TD_ERR_USAGE names its line on an unknown field. */
td_status td_c06_layout_read(td_ctx *ctx, td_c06_layout *l, td_error *err);

typedef struct td_c06_summary {
	int files;     /* lists written */
	long rows;     /* owners listed */
	int complete;  /* communes with certificate holders and nobody left to verify: no list, an old one removed */
} td_c06_summary;

/*
 * Write the lists into out_dir (which must exist), replacing earlier ones;
 * a commune whose certificate holders are all verified gets no list, and
 * its list from an earlier export is removed so it cannot be sent again.
 */
td_status td_c06_export(td_ws *ws, const char *out_dir, td_c06_summary *sum, td_error *err);

#endif
