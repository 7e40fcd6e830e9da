#include "c06layout.h"
#include "source.h"

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>

static const char *const field_names[TD_C06_FIELD_COUNT] = {
	"seq",         "owner_ref", "cccd",           "owner_name",     "birth_year", "gender",
	"id_province", "commune",   "sheet",          "parcel",         "gcn_serial", "gcn_date",
	"status",      "new_cccd",  "new_owner_name", "new_birth_year", "new_gender", "note",
	"parcel_id"};

const char *td_c06_field_name(td_c06_field f)
{
	return f < TD_C06_FIELD_COUNT ? field_names[f] : "";
}

td_status td_c06_layout_read(td_ctx *ctx, td_c06_layout *l, td_error *err)
{
	GDALDatasetH ds;
	OGRFeatureH f;
	td_status rc;

	memset(l, 0, sizeof(*l));
	rc = td_ctx_schema_file(ctx, "c06/columns.csv", l->path, sizeof(l->path), err);
	if (rc != TD_OK)
		return rc;
	ds = td_source_open_csv(l->path, err);
	if (!ds)
		return td_error_set(err, TD_ERR_USAGE, "cannot read the C06 layout '%s'", l->path);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0))) != NULL) {
		int ih = OGR_F_GetFieldIndex(f, "header"), ifd = OGR_F_GetFieldIndex(f, "field");
		int iw = OGR_F_GetFieldIndex(f, "width");
		const char *name = ifd >= 0 && OGR_F_IsFieldSetAndNotNull(f, ifd) ? OGR_F_GetFieldAsString(f, ifd) : "";
		int k = 0;
		while (k < TD_C06_FIELD_COUNT && strcmp(field_names[k], name) != 0)
			k++;
		if (ih < 0 || k == TD_C06_FIELD_COUNT || l->n == TD_C06_MAX_COLUMNS)
			rc = td_error_set(err, TD_ERR_USAGE,
					  "'%s' line %lld: unknown field '%s' (expected seq, owner_ref, "
					  "cccd, owner_name, birth_year, gender, id_province, commune, sheet, parcel, "
					  "gcn_serial, gcn_date, status, new_cccd, new_owner_name, new_birth_year, "
					  "new_gender or note)",
					  l->path, (long long)OGR_F_GetFID(f) + 1, name);
		else {
			l->field[l->n] = (td_c06_field)k;
			snprintf(l->header[l->n], sizeof(l->header[0]), "%s", OGR_F_GetFieldAsString(f, ih));
			l->width[l->n] = iw >= 0 ? OGR_F_GetFieldAsDouble(f, iw) : 0;
			l->n++;
		}
		OGR_F_Destroy(f);
	}
	GDALClose(ds);
	if (rc == TD_OK && l->n == 0)
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' lists no columns", l->path);
	return rc;
}
