#include "crosswalk.h"
#include "grow.h"
#include "source.h"
#include "text.h"

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int td_commune_code_parse(const char *s, char out[TD_CODE_SIZE])
{
	size_t n;

	out[0] = '\0';
	if (!s)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strspn(s, "0123456789");
	if (n == 0 || n > 5 || s[n + strspn(s + n, " \t")] != '\0')
		return 0;
	memset(out, '0', 5 - n);
	memcpy(out + 5 - n, s, n);
	out[5] = '\0';
	return 1;
}

/*
 * One CSV table with a fixed set of known columns: which column holds each
 * (-1 where absent), and the line of a feature. GDAL numbers data records
 * from 1, so the line is the feature id + 1 with the header on line 1.
 */
struct csv_table {
	const char *what; /* "crosswalk", "sheet table": for messages */
	const char *path;
	GDALDatasetH ds;
	OGRLayerH layer;
	int col[8];
};

static td_status csv_open(struct csv_table *t, const char *what, const char *path, const char *const *names,
			  const int *required, td_error *err)
{
	OGRFeatureDefnH defn;
	char list[256] = "";
	size_t len = 0;
	int n = 0;

	memset(t, 0, sizeof(*t));
	t->what = what;
	t->path = path;
	for (n = 0; names[n]; n++) {
		t->col[n] = -1;
		len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0, "%s%s", n ? ", " : "",
					names[n]);
	}
	t->ds = td_source_open_csv(path, err);
	if (!t->ds)
		return err->code;
	t->layer = GDALDatasetGetLayer(t->ds, 0);
	if (!t->layer)
		return td_error_set(err, TD_ERR_INPUT, "%s '%s' has no table", what, path);
	defn = OGR_L_GetLayerDefn(t->layer);
	for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
		const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
		int k;
		for (k = 0; names[k] && strcmp(names[k], name) != 0; k++)
			;
		if (!names[k])
			return td_error_set(err, TD_ERR_INPUT, "%s '%s' line 1: unknown column '%s' (expected %s)",
					    what, path, name, list);
		if (t->col[k] >= 0)
			return td_error_set(err, TD_ERR_INPUT, "%s '%s' line 1: column '%s' appears twice", what, path,
					    name);
		t->col[k] = i;
	}
	for (int k = 0; k < n; k++)
		if (required[k] && t->col[k] < 0)
			return td_error_set(err, TD_ERR_INPUT, "%s '%s' line 1: no column '%s' (expected %s)", what,
					    path, names[k], list);
	return TD_OK;
}

static void csv_close(struct csv_table *t)
{
	if (t->ds)
		GDALClose(t->ds);
	t->ds = NULL;
}

static long csv_line(OGRFeatureH f)
{
	return (long)OGR_F_GetFID(f) + 1;
}

/* The text of column k of f, or NULL when the column is absent or the cell empty. */
static const char *csv_cell(const struct csv_table *t, OGRFeatureH f, int k)
{
	int i = t->col[k];
	return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : NULL;
}

static int blank_record(OGRFeatureH f)
{
	for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
		const char *s = OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "";
		if (s[strspn(s, " \t")])
			return 0;
	}
	return 1;
}

static td_status csv_code(const struct csv_table *t, OGRFeatureH f, int k, const char *column, char out[TD_CODE_SIZE],
			  td_error *err)
{
	const char *s = csv_cell(t, f, k);
	if (!td_commune_code_parse(s, out))
		return td_error_set(err, TD_ERR_INPUT,
				    "%s '%s' line %ld, column '%s': '%s' is not a commune code (1 to 5 digits)",
				    t->what, t->path, csv_line(f), column, s ? s : "");
	return TD_OK;
}

static td_status csv_name(const struct csv_table *t, OGRFeatureH f, int k, const char *column, char out[TD_NAME_SIZE],
			  td_error *err)
{
	const char *s = csv_cell(t, f, k);
	char *nfc = NULL;

	out[0] = '\0';
	if (!s)
		return TD_OK;
	if (td_text_nfc(s, &nfc, NULL) != TD_OK)
		return td_error_set(err, TD_ERR_INPUT, "%s '%s' line %ld, column '%s': text is not valid UTF-8",
				    t->what, t->path, csv_line(f), column);
	if (strlen(nfc) >= TD_NAME_SIZE) {
		free(nfc);
		return td_error_set(err, TD_ERR_INPUT, "%s '%s' line %ld, column '%s': name longer than %d bytes",
				    t->what, t->path, csv_line(f), column, TD_NAME_SIZE - 1);
	}
	snprintf(out, TD_NAME_SIZE, "%s", nfc);
	free(nfc);
	return TD_OK;
}

static td_status csv_sheet(const struct csv_table *t, OGRFeatureH f, int k, const char *column, long *out,
			   td_error *err)
{
	const char *s = csv_cell(t, f, k);
	if (!s || !td_text_parse_long(s, out) || *out <= 0)
		return td_error_set(err, TD_ERR_INPUT,
				    "%s '%s' line %ld, column '%s': '%s' is not a sheet number (a whole number from 1)",
				    t->what, t->path, csv_line(f), column, s ? s : "");
	return TD_OK;
}

static int cmp_crosswalk(const void *a, const void *b)
{
	const td_crosswalk_row *x = a, *y = b;
	int c = strcmp(x->old_code, y->old_code);
	return c ? c : strcmp(x->new_code, y->new_code);
}

enum { CW_OLD, CW_NEW, CW_TYPE, CW_OLD_NAME, CW_NEW_NAME };

/* The checks that need every row: repeats, types against row counts, one name per new code. */
static td_status crosswalk_validate(td_crosswalk *cw, const char *types, td_error *err)
{
	for (size_t i = 0; i < cw->n; i++) {
		const td_crosswalk_row *r = &cw->rows[i];
		size_t first = i, count;
		while (first > 0 && strcmp(cw->rows[first - 1].old_code, r->old_code) == 0)
			first--;
		count = td_crosswalk_find(cw, r->old_code, NULL);
		if (i > first && strcmp(cw->rows[i - 1].new_code, r->new_code) == 0)
			return td_error_set(err, TD_ERR_INPUT, "crosswalk '%s' line %ld: %s -> %s repeats line %ld",
					    cw->path, r->line, r->old_code, r->new_code, cw->rows[i - 1].line);
		/* types[] is indexed by the row's line; 'f' full, 'p' partial, 0 not given. */
		if (types[r->line] == 'p' && count == 1)
			return td_error_set(err, TD_ERR_INPUT,
					    "crosswalk '%s' line %ld: old commune %s is 'partial' but goes to no other "
					    "new commune",
					    cw->path, r->line, r->old_code);
		if (types[r->line] == 'f' && count > 1)
			return td_error_set(err, TD_ERR_INPUT,
					    "crosswalk '%s' line %ld: old commune %s is 'full' but goes to %zu new "
					    "communes (lines %ld and %ld)",
					    cw->path, r->line, r->old_code, count, cw->rows[first].line,
					    cw->rows[first + 1].line);
		for (size_t j = 0; j < i && r->new_name[0]; j++)
			if (strcmp(cw->rows[j].new_code, r->new_code) == 0 && cw->rows[j].new_name[0] &&
			    strcmp(cw->rows[j].new_name, r->new_name) != 0)
				return td_error_set(err, TD_ERR_INPUT,
						    "crosswalk '%s' line %ld: new commune %s is named '%s' here but "
						    "'%s' on line %ld",
						    cw->path, r->line, r->new_code, r->new_name, cw->rows[j].new_name,
						    cw->rows[j].line);
	}
	return TD_OK;
}

td_status td_crosswalk_load(td_crosswalk *cw, const char *path, td_error *err)
{
	static const char *const names[] = {"old_code", "new_code", "type", "old_name", "new_name", NULL};
	static const int required[] = {1, 1, 0, 0, 0};
	struct csv_table t;
	OGRFeatureH f = NULL;
	char *types = NULL; /* per line: 'f', 'p' or 0 */
	size_t cap = 0, types_cap = 0;
	td_status rc;

	memset(cw, 0, sizeof(*cw));
	snprintf(cw->path, sizeof(cw->path), "%s", path);
	rc = csv_open(&t, "crosswalk", path, names, required, err);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(t.layer)) != NULL) {
		long line = csv_line(f);
		const char *type = csv_cell(&t, f, CW_TYPE);
		td_crosswalk_row *r;

		if (blank_record(f)) {
			OGR_F_Destroy(f);
			continue;
		}
		if ((size_t)line >= types_cap) {
			size_t was = types_cap;
			if (!td_grow(&types, &types_cap, (size_t)line + 1, 1)) {
				rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
				break;
			}
			memset(types + was, 0, types_cap - was);
		}
		r = td_grow(&cw->rows, &cap, cw->n + 1, sizeof(*r)) ? &cw->rows[cw->n++] : NULL;
		if (!r) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		memset(r, 0, sizeof(*r));
		r->line = line;
		rc = csv_code(&t, f, CW_OLD, "old_code", r->old_code, err);
		if (rc == TD_OK)
			rc = csv_code(&t, f, CW_NEW, "new_code", r->new_code, err);
		if (rc == TD_OK)
			rc = csv_name(&t, f, CW_OLD_NAME, "old_name", r->old_name, err);
		if (rc == TD_OK)
			rc = csv_name(&t, f, CW_NEW_NAME, "new_name", r->new_name, err);
		if (rc == TD_OK && type && strcmp(type, "full") != 0 && strcmp(type, "partial") != 0)
			rc = td_error_set(err, TD_ERR_INPUT,
					  "crosswalk '%s' line %ld, column 'type': '%s' is not 'full' or 'partial'",
					  path, line, type);
		if (rc == TD_OK && type)
			types[line] = type[0];
		OGR_F_Destroy(f);
	}
	if (rc == TD_OK && cw->n == 0)
		rc = td_error_set(err, TD_ERR_INPUT, "crosswalk '%s' has no rows", path);
	if (rc == TD_OK) {
		qsort(cw->rows, cw->n, sizeof(cw->rows[0]), cmp_crosswalk);
		rc = crosswalk_validate(cw, types, err);
	}
	csv_close(&t);
	free(types);
	return rc;
}

void td_crosswalk_release(td_crosswalk *cw)
{
	if (!cw)
		return;
	free(cw->rows);
	cw->rows = NULL;
	cw->n = 0;
}

size_t td_crosswalk_find(const td_crosswalk *cw, const char *old_code, const td_crosswalk_row **first)
{
	size_t lo = 0, hi = cw->n, n = 0;

	/* The first row whose old code is not below old_code. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(cw->rows[mid].old_code, old_code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < cw->n && strcmp(cw->rows[lo + n].old_code, old_code) == 0)
		n++;
	if (first)
		*first = n ? &cw->rows[lo] : NULL;
	return n;
}

int td_crosswalk_is_new(const td_crosswalk *cw, const char *code)
{
	for (size_t i = 0; i < cw->n; i++)
		if (strcmp(cw->rows[i].new_code, code) == 0)
			return 1;
	return 0;
}

const char *td_crosswalk_new_name(const td_crosswalk *cw, const char *new_code)
{
	for (size_t i = 0; i < cw->n; i++)
		if (strcmp(cw->rows[i].new_code, new_code) == 0 && cw->rows[i].new_name[0])
			return cw->rows[i].new_name;
	return "";
}

static int cmp_sheet(const void *a, const void *b)
{
	const td_sheet_row *x = a, *y = b;
	int c = strcmp(x->old_commune, y->old_commune);
	if (c)
		return c;
	if (x->old_sheet != y->old_sheet)
		return x->old_sheet < y->old_sheet ? -1 : 1;
	return strcmp(x->new_commune, y->new_commune);
}

enum { ST_OLD_COMMUNE, ST_OLD_SHEET, ST_NEW_COMMUNE, ST_NEW_SHEET };

/* The row's new commune must be one the crosswalk gives for its old commune. */
static td_status sheet_check_crosswalk(const td_sheet_table *t, const td_sheet_row *r, const td_crosswalk *cw,
				       td_error *err)
{
	const td_crosswalk_row *c;
	size_t n = td_crosswalk_find(cw, r->old_commune, &c);
	char list[256] = "";
	size_t len = 0;

	if (n == 0)
		return td_error_set(err, TD_ERR_INPUT,
				    "sheet table '%s' line %ld: old commune %s is not in the crosswalk '%s'", t->path,
				    r->line, r->old_commune, cw->path);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c[i].new_code, r->new_commune) == 0)
			return TD_OK;
		len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0, "%s%s", i ? ", " : "",
					c[i].new_code);
	}
	return td_error_set(err, TD_ERR_INPUT,
			    "sheet table '%s' line %ld: old commune %s goes to %s in the crosswalk, not to %s", t->path,
			    r->line, r->old_commune, list, r->new_commune);
}

td_status td_sheet_table_load(td_sheet_table *t, const char *path, const td_crosswalk *cw, td_error *err)
{
	static const char *const names[] = {"old_commune", "old_sheet", "new_commune", "new_sheet", NULL};
	static const int required[] = {1, 1, 1, 1};
	struct csv_table csv;
	OGRFeatureH f = NULL;
	size_t cap = 0;
	td_status rc;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	rc = csv_open(&csv, "sheet table", path, names, required, err);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(csv.layer)) != NULL) {
		td_sheet_row *r;

		if (blank_record(f)) {
			OGR_F_Destroy(f);
			continue;
		}
		r = td_grow(&t->rows, &cap, t->n + 1, sizeof(*r)) ? &t->rows[t->n++] : NULL;
		if (!r) {
			OGR_F_Destroy(f);
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		memset(r, 0, sizeof(*r));
		r->line = csv_line(f);
		rc = csv_code(&csv, f, ST_OLD_COMMUNE, "old_commune", r->old_commune, err);
		if (rc == TD_OK)
			rc = csv_sheet(&csv, f, ST_OLD_SHEET, "old_sheet", &r->old_sheet, err);
		if (rc == TD_OK)
			rc = csv_code(&csv, f, ST_NEW_COMMUNE, "new_commune", r->new_commune, err);
		if (rc == TD_OK)
			rc = csv_sheet(&csv, f, ST_NEW_SHEET, "new_sheet", &r->new_sheet, err);
		if (rc == TD_OK)
			rc = sheet_check_crosswalk(t, r, cw, err);
		OGR_F_Destroy(f);
	}
	if (rc == TD_OK && t->n) {
		qsort(t->rows, t->n, sizeof(t->rows[0]), cmp_sheet);
		for (size_t i = 1; i < t->n && rc == TD_OK; i++)
			if (cmp_sheet(&t->rows[i - 1], &t->rows[i]) == 0) {
				const td_sheet_row *a = &t->rows[i - 1], *b = &t->rows[i];
				if (a->line > b->line) {
					const td_sheet_row *x = a;
					a = b;
					b = x;
				}
				rc = td_error_set(
					err, TD_ERR_INPUT,
					"sheet table '%s' line %ld: old commune %s sheet %ld in new commune %s "
					"repeats line %ld",
					path, b->line, b->old_commune, b->old_sheet, b->new_commune, a->line);
			}
	}
	csv_close(&csv);
	return rc;
}

void td_sheet_table_release(td_sheet_table *t)
{
	if (!t)
		return;
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

long td_sheet_table_find(const td_sheet_table *t, const char *old_commune, long old_sheet, const char *new_commune)
{
	td_sheet_row key;
	const td_sheet_row *r;

	memset(&key, 0, sizeof(key));
	snprintf(key.old_commune, sizeof(key.old_commune), "%s", old_commune);
	key.old_sheet = old_sheet;
	snprintf(key.new_commune, sizeof(key.new_commune), "%s", new_commune);
	r = t->n ? bsearch(&key, t->rows, t->n, sizeof(t->rows[0]), cmp_sheet) : NULL;
	return r ? r->new_sheet : 0;
}
