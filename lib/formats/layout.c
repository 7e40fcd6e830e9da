#include "layout.h"
#include "source.h"
#include "text.h"

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"text", "number", "integer", "date"};
static const char *const default_formats[] = {"@", "", "0", "dd/mm/yyyy"};

static int numeric(td_cell_type t)
{
	return t == TD_CELL_NUMBER || t == TD_CELL_INTEGER;
}

static int allowed(td_cell_type own, td_cell_type as)
{
	return own == TD_CELL_ANY || own == as || as == TD_CELL_TEXT || (numeric(own) && numeric(as));
}

/* A field's text, "" when the column is missing or the cell empty. */
static const char *field_text(OGRFeatureH f, int i)
{
	return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "";
}

/* Open a layout CSV and find its columns; idx[i] is -1 for a missing optional one. */
static td_status open_csv(const char *path, const char *const *cols, int ncols, int nrequired, GDALDatasetH *ds,
			  int *idx, td_error *err)
{
	OGRFeatureDefnH defn;

	*ds = td_source_open_csv(path, err);
	if (!*ds) {
		err->code = TD_ERR_USAGE; /* a layout is configuration: exit 3, not 4 */
		return TD_ERR_USAGE;
	}
	defn = OGR_L_GetLayerDefn(GDALDatasetGetLayer(*ds, 0));
	for (int i = 0; i < ncols; i++) {
		idx[i] = OGR_FD_GetFieldIndex(defn, cols[i]);
		if (idx[i] < 0 && i < nrequired) {
			GDALClose(*ds);
			*ds = NULL;
			return td_error_set(err, TD_ERR_USAGE, "'%s' line 1: no column '%s' (expected the columns %s)",
					    path, cols[i],
					    nrequired == 2 ? "sheet,name" : "header,field,width,type[,format]");
		}
	}
	return TD_OK;
}

static td_status read_column(const char *path, long line, OGRFeatureH f, const int *idx, const td_field *fields,
			     int nfields, td_column *c, td_error *err)
{
	const char *header = field_text(f, idx[0]), *field = field_text(f, idx[1]);
	const char *width = field_text(f, idx[2]), *type = field_text(f, idx[3]), *format = field_text(f, idx[4]);
	int k = 0, t = 0;
	char *end;

	memset(c, 0, sizeof(*c));
	if (!*header)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: empty header", path, line);
	if (strlen(header) >= sizeof(c->header))
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: header longer than %zu bytes", path, line,
				    sizeof(c->header) - 1);
	while (k < nfields && strcmp(fields[k].name, field) != 0)
		k++;
	if (k == nfields) {
		char list[1024];
		size_t n = 0;
		for (int i = 0; i < nfields && n < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", fields[i].name);
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: unknown field '%s' (expected one of %s)", path,
				    line, field, list);
	}
	while (t < 4 && strcmp(type_names[t], type) != 0)
		t++;
	if (t == 4)
		return td_error_set(err, TD_ERR_USAGE,
				    "'%s' line %ld: unknown type '%s' (expected text, number, integer or date)", path,
				    line, type);
	if (!allowed(fields[k].type, (td_cell_type)t))
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: field '%s' cannot be written as %s (it is %s)",
				    path, line, field, type, type_names[fields[k].type]);
	c->width = strtod(width, &end);
	if (!*width || *end || !(c->width > 0 && c->width <= 255))
		return td_error_set(err, TD_ERR_USAGE,
				    "'%s' line %ld: width '%s': expected a number above 0, at most 255", path, line,
				    width);
	if (strlen(format) >= sizeof(c->format))
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: format longer than %zu bytes", path, line,
				    sizeof(c->format) - 1);
	c->field = k;
	c->type = (td_cell_type)t;
	snprintf(c->header, sizeof(c->header), "%s", header);
	if (!*format)
		format = fields[k].format && fields[k].type == c->type ? fields[k].format : default_formats[t];
	snprintf(c->format, sizeof(c->format), "%s", format);
	return TD_OK;
}

td_status td_layout_read(const char *path, const td_field *fields, int nfields, td_layout *l, td_error *err)
{
	static const char *const cols[] = {"header", "field", "width", "type", "format"};
	GDALDatasetH ds = NULL;
	OGRFeatureH f;
	int idx[5];
	td_status rc;

	memset(l, 0, sizeof(*l));
	rc = open_csv(path, cols, 5, 4, &ds, idx, err);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0))) != NULL) {
		/* The CSV driver numbers data lines from 1: the file's line 2. */
		long line = (long)OGR_F_GetFID(f) + 1;
		if (l->ncols == TD_LAYOUT_MAX_COLUMNS)
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: more than %d columns", path, line,
					  TD_LAYOUT_MAX_COLUMNS);
		else
			rc = read_column(path, line, f, idx, fields, nfields, &l->cols[l->ncols], err);
		if (rc == TD_OK)
			l->ncols++;
		OGR_F_Destroy(f);
	}
	if (ds)
		GDALClose(ds);
	if (rc == TD_OK && l->ncols == 0)
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' lists no columns", path);
	return rc;
}

static const char *bad_sheet_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return "empty";
	if (td_utf8_len(name) > 31)
		return "longer than 31 characters";
	if (strpbrk(name, "[]:*?/\\"))
		return "holds one of []:*?/\\";
	if (name[0] == '\'' || name[n - 1] == '\'')
		return "starts or ends with an apostrophe";
	return NULL;
}

td_status td_layout_read_names(const char *path, const char *const *keys, int nkeys, char (*names)[TD_SHEET_NAME_MAX],
			       td_error *err)
{
	static const char *const cols[] = {"sheet", "name"};
	GDALDatasetH ds = NULL;
	OGRFeatureH f;
	int idx[2];
	td_status rc;

	for (int i = 0; i < nkeys; i++)
		names[i][0] = '\0';
	rc = open_csv(path, cols, 2, 2, &ds, idx, err);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0))) != NULL) {
		long line = (long)OGR_F_GetFID(f) + 1;
		const char *key = field_text(f, idx[0]), *name = field_text(f, idx[1]), *why = bad_sheet_name(name);
		char a[TD_SHEET_NAME_MAX * 2], b[TD_SHEET_NAME_MAX * 2];
		int k = 0;

		while (k < nkeys && strcmp(keys[k], key) != 0)
			k++;
		if (k == nkeys)
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: unknown sheet '%s'", path, line, key);
		else if (names[k][0])
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: sheet '%s' named twice", path, line, key);
		else if (why)
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %ld: sheet name '%s' %s", path, line, name,
					  why);
		for (int i = 0; rc == TD_OK && i < nkeys; i++)
			if (names[i][0] && td_text_key(names[i], a, sizeof(a)) && td_text_key(name, b, sizeof(b)) &&
			    strcmp(a, b) == 0)
				rc = td_error_set(err, TD_ERR_USAGE,
						  "'%s' line %ld: sheet name '%s' is already used for '%s'", path, line,
						  name, keys[i]);
		if (rc == TD_OK)
			snprintf(names[k], TD_SHEET_NAME_MAX, "%s", name);
		OGR_F_Destroy(f);
	}
	if (ds)
		GDALClose(ds);
	for (int i = 0; rc == TD_OK && i < nkeys; i++)
		if (!names[i][0])
			rc = td_error_set(err, TD_ERR_USAGE, "'%s': no line for sheet '%s'", path, keys[i]);
	return rc;
}

td_status td_layout_read_book(const td_ctx *ctx, const char *dir, const char *const *keys, int nkeys,
			      char (*names)[TD_SHEET_NAME_MAX], const td_layout_file *files, int nfiles, td_error *err)
{
	char rel[512], path[TD_PATH_MAX];
	td_status rc;

	snprintf(rel, sizeof(rel), "%s/sheets.csv", dir);
	rc = td_ctx_schema_file(ctx, rel, path, sizeof(path), err);
	if (rc == TD_OK)
		rc = td_layout_read_names(path, keys, nkeys, names, err);
	for (int i = 0; rc == TD_OK && i < nfiles; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, files[i].name);
		rc = td_ctx_schema_file(ctx, rel, path, sizeof(path), err);
		if (rc == TD_OK)
			rc = td_layout_read(path, files[i].fields, files[i].nfields, files[i].layout, err);
	}
	return rc;
}
