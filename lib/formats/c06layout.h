/*
 * The columns of the C06 list (schemas/c06/columns.csv: header, field,
 * width): written by `export --c06` and read back, with C06's reply filled
 * in, by `reconcile`. C06 has published no template, so an office edits
 * that file to match what it is asked for.
 *
 *     td_c06_layout l;
 *     td_c06_layout_read(ctx, &l, &err);
 */
#ifndef TD_C06LAYOUT_H
#define TD_C06LAYOUT_H

#include "ctx.h"

/* The fields a column of the list can hold. */
typedef enum td_c06_field {
	/* sent to C06 */
	TD_C06_SEQ,       /* row number */
	TD_C06_OWNER_REF, /* owners.id: the key reconcile matches replies by */
	TD_C06_CCCD,
	TD_C06_OWNER_NAME,
	TD_C06_BIRTH_YEAR,
	TD_C06_GENDER,
	TD_C06_ID_PROVINCE, /* digits 1-3 of a CCCD: province of birth registration */
	TD_C06_COMMUNE,
	TD_C06_SHEET,
	TD_C06_PARCEL,
	TD_C06_GCN_SERIAL,
	TD_C06_GCN_DATE,
	/* filled in by C06: the reply */
	TD_C06_STATUS,   /* matched / mismatched / not found (schemas/c06/statuses.csv) */
	TD_C06_NEW_CCCD, /* corrected values from the population database */
	TD_C06_NEW_OWNER_NAME,
	TD_C06_NEW_BIRTH_YEAR,
	TD_C06_NEW_GENDER,
	TD_C06_NOTE,
	/* sent to C06 (added after the reply fields, so the numbers above stay) */
	TD_C06_PARCEL_ID, /* the parcel ID (mã định danh thửa đất) of the certificate's parcel */
	TD_C06_FIELD_COUNT
} td_c06_field;

#define TD_C06_MAX_COLUMNS 32

typedef struct td_c06_layout {
	int n;
	td_c06_field field[TD_C06_MAX_COLUMNS];
	char header[TD_C06_MAX_COLUMNS][128];
	double width[TD_C06_MAX_COLUMNS];
	char path[TD_PATH_MAX]; /* the layout file, for messages */
} td_c06_layout;

/* The field's name in columns.csv ("owner_ref", "new_cccd", ...). */
const char *td_c06_field_name(td_c06_field f);

/* Read schemas/c06/columns.csv; TD_ERR_USAGE names its line on an unknown field. */
td_status td_c06_layout_read(td_ctx *ctx, td_c06_layout *l, td_error *err);

#endif
