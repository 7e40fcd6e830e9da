/*
 * DGN v7 cadastral sheets to parcels: GDAL's DGN driver reads the elements,
 * GEOS nodes and polygonizes the boundary lines, an STRtree of prepared faces
 * places the labels.
 */
#include "dgn.h"
#include "grow.h"
#include "source.h"
#include "text.h"

#include <cpl_error.h>
#include <ctype.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
	GEOSGeometry *g;
	long element;
} line;

typedef struct label {
	long element;
	int level;
	double x, y;
	char *text; /* UTF-8 */
} label;

typedef struct face {
	GEOSGeometry *g; /* owned by the polygonize result */
	const GEOSPreparedGeometry *prep;
	size_t index;
	int has_parcel;
} face;

typedef struct reader {
	GEOSContextHandle_t h;
	const char *path;
	const td_dgn_profile *p;
	td_error *err;
	line *lines;
	size_t nlines, caplines;
	label *labels;
	size_t nlabels, caplabels;
	td_dgn_result *out;
	size_t capparcels, capproblems;
} reader;

void td_dgn_result_init(td_dgn_result *r)
{
	if (r)
		memset(r, 0, sizeof(*r));
}

void td_dgn_result_release(td_dgn_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nparcels; i++)
		free(r->parcels[i].wkb);
	free(r->parcels);
	free(r->problems);
	memset(r, 0, sizeof(*r));
}

/*
 * GDAL's reader stops quietly at a short element, so walk the element chain
 * first: each element is a 4-byte header whose second word counts the 16-bit
 * words that follow; the design ends at a 0xFFFF word.
 */
static td_status check_chain(const char *path, td_error *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char hd[4];
	long pos = 0, size;
	td_status st = TD_OK;

	if (!f)
		return td_error_set(err, TD_ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		st = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	rewind(f);
	for (;;) {
		size_t got = fread(hd, 1, sizeof(hd), f);
		if (got >= 2 && hd[0] == 0xff && hd[1] == 0xff)
			break; /* end of design */
		if (got == 0 && pos == size && pos > 0)
			break; /* no end marker, but whole elements */
		if (got < sizeof(hd)) {
			st = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': truncated element at byte %ld", path,
					  pos);
			goto done;
		}
		long len = 4 + 2L * (hd[2] | hd[3] << 8);
		if (pos + len > size) {
			st = td_error_set(err, TD_ERR_INPUT,
					  "cannot read '%s': truncated element at byte %ld (%ld bytes, %ld left)", path,
					  pos, len, size - pos);
			goto done;
		}
		pos += len;
		if (fseek(f, pos, SEEK_SET) != 0) {
			st = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
	}
done:
	fclose(f);
	return st;
}

static int is_level(const int *levels, int n, int level)
{
	for (int i = 0; i < n; i++)
		if (levels[i] == level)
			return 1;
	return 0;
}

static int is_label_level(const td_dgn_profile *p, int level)
{
	if (level == p->parcel_label_level)
		return 1;
	if (p->combined_labels)
		return 0;
	return (p->landuse_label_level >= 0 && level == p->landuse_label_level) ||
	       (p->area_label_level >= 0 && level == p->area_label_level);
}

/* Add the linework of one boundary element (lines as they are, shapes by their rings). */
static td_status add_line(reader *r, OGRGeometryH og, long element)
{
	GEOSContextHandle_t h = r->h;
	GEOSWKBReader *wr = NULL;
	GEOSGeometry *g = NULL, *b = NULL;
	unsigned char *wkb = NULL;
	int size, type;
	td_status st = TD_OK;

	OGR_G_FlattenTo2D(og);
	size = OGR_G_WkbSize(og);
	wkb = malloc(size > 0 ? (size_t)size : 1);
	if (!wkb)
		return td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
	if (OGR_G_ExportToIsoWkb(og, wkbNDR, wkb) != OGRERR_NONE) {
		st = td_error_set(r->err, TD_ERR_INPUT, "cannot read '%s' element %ld: bad geometry", r->path, element);
		goto done;
	}
	wr = GEOSWKBReader_create_r(h);
	g = wr ? GEOSWKBReader_read_r(h, wr, wkb, (size_t)size) : NULL;
	if (!g) {
		st = td_error_set(r->err, TD_ERR_INPUT, "cannot read '%s' element %ld: bad geometry", r->path, element);
		goto done;
	}
	type = GEOSGeomTypeId_r(h, g);
	if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) {
		b = GEOSBoundary_r(h, g);
		GEOSGeom_destroy_r(h, g);
		g = b;
		if (!g) {
			st = td_error_set(r->err, TD_ERR_INTERNAL, "cannot read '%s' element %ld: no boundary", r->path,
					  element);
			goto done;
		}
	} else if (type == GEOS_POINT || type == GEOS_MULTIPOINT || GEOSisEmpty_r(h, g)) {
		goto done; /* text, cells' origins and the like carry no linework */
	}
	if (!td_grow(&r->lines, &r->caplines, r->nlines + 1, sizeof(*r->lines))) {
		st = td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
		goto done;
	}
	r->lines[r->nlines++] = (line){g, element};
	g = NULL;
done:
	GEOSGeom_destroy_r(h, g);
	GEOSWKBReader_destroy_r(h, wr);
	free(wkb);
	return st;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static td_status add_label(reader *r, OGRFeatureH f, OGRGeometryH og, int ltext, int level, long element)
{
	const char *raw = OGR_F_GetFieldAsString(f, ltext);
	char *text = NULL;
	td_error e;

	if (!og || wkbFlatten(OGR_G_GetGeometryType(og)) != wkbPoint)
		return TD_OK;
	td_error_init(&e);
	if (td_encoding_decode(r->p->text_encoding, raw, strlen(raw), &text, &e) != TD_OK)
		return td_error_set(r->err, e.code, "cannot read '%s' element %ld: %s", r->path, element, e.msg);
	trim(text);
	if (!*text) {
		free(text);
		return TD_OK;
	}
	if (!td_grow(&r->labels, &r->caplabels, r->nlabels + 1, sizeof(*r->labels))) {
		free(text);
		return td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
	}
	r->labels[r->nlabels++] = (label){element, level, OGR_G_GetX(og, 0), OGR_G_GetY(og, 0), text};
	return TD_OK;
}

static long parse_number(const char *s);

/* A text on the sheet level: "Tờ số 12", "12" or "Tờ 12" all give 12. */
static td_status add_sheet(reader *r, OGRFeatureH f, int ltext, long element)
{
	const char *raw = OGR_F_GetFieldAsString(f, ltext);
	char *text = NULL;
	const char *digits;
	long sheet;
	td_error e;
	td_status st = TD_OK;

	td_error_init(&e);
	if (td_encoding_decode(r->p->text_encoding, raw, strlen(raw), &text, &e) != TD_OK)
		return td_error_set(r->err, e.code, "cannot read '%s' element %ld: %s", r->path, element, e.msg);
	trim(text);
	digits = text + strcspn(text, "0123456789");
	sheet = parse_number(digits);
	if (sheet <= 0)
		st = td_error_set(r->err, TD_ERR_INPUT,
				  "cannot read '%s' element %ld: text '%s' on the sheet level %d holds no sheet number",
				  r->path, element, text, r->p->sheet_label_level);
	else if (r->out->sheet && r->out->sheet != sheet)
		st = td_error_set(
			r->err, TD_ERR_INPUT,
			"cannot read '%s' element %ld: a second sheet number %ld on level %d (the first was %ld); "
			"a DGN file holds one sheet",
			r->path, element, sheet, r->p->sheet_label_level, r->out->sheet);
	else
		r->out->sheet = sheet;
	free(text);
	return st;
}

static td_status read_elements(reader *r)
{
	const char *drivers[] = {"DGN", NULL};
	GDALDatasetH ds = NULL;
	OGRLayerH layer;
	OGRFeatureDefnH defn;
	OGRFeatureH f = NULL;
	int llevel, ltext;
	td_status st = TD_OK;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(r->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
	if (!ds) {
		st = td_error_set(r->err, TD_ERR_INPUT, "cannot read '%s' as DGN: %s", r->path,
				  td_source_gdal_reason("not a DGN v7 file"));
		goto done;
	}
	layer = GDALDatasetGetLayerByName(ds, "elements");
	defn = layer ? OGR_L_GetLayerDefn(layer) : NULL;
	llevel = defn ? OGR_FD_GetFieldIndex(defn, "Level") : -1;
	ltext = defn ? OGR_FD_GetFieldIndex(defn, "Text") : -1;
	if (llevel < 0 || ltext < 0) {
		st = td_error_set(r->err, TD_ERR_INPUT, "cannot read '%s': no DGN elements layer", r->path);
		goto done;
	}
	OGR_L_ResetReading(layer);
	while (st == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		OGRGeometryH og = OGR_F_GetGeometryRef(f);
		int level = OGR_F_GetFieldAsInteger(f, llevel);
		long element = (long)OGR_F_GetFID(f);

		if (og && OGR_F_IsFieldSetAndNotNull(f, ltext)) {
			if (level == r->p->sheet_label_level)
				st = add_sheet(r, f, ltext, element);
			else if (is_label_level(r->p, level))
				st = add_label(r, f, og, ltext, level, element);
		} else if (og && is_level(r->p->boundary_levels, r->p->nboundary, level)) {
			st = add_line(r, og, element);
		}
		OGR_F_Destroy(f);
		f = NULL;
	}
	if (st == TD_OK && CPLGetLastErrorType() >= CE_Failure)
		st = td_error_set(r->err, TD_ERR_INPUT, "cannot read '%s': %s", r->path,
				  td_source_gdal_reason("malformed DGN"));
done:
	OGR_F_Destroy(f);
	if (ds)
		GDALClose(ds);
	CPLPopErrorHandler();
	return st;
}

static td_status add_problem(reader *r, int kind, long element, double x, double y, const char *text)
{
	td_dgn_result *o = r->out;
	td_dgn_problem *q;
	size_t n;

	if (!td_grow(&o->problems, &r->capproblems, o->nproblems + 1, sizeof(*o->problems)))
		return td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
	q = &o->problems[o->nproblems++];
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->element = element;
	q->x = x;
	q->y = y;
	/* Cut at a UTF-8 character boundary. */
	n = strlen(text);
	if (n >= sizeof(q->text)) {
		n = sizeof(q->text) - 1;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(q->text, text, n);
	q->text[n] = '\0';
	return TD_OK;
}

static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "12" → 12; 0 if not a positive whole number. */
/* A parcel number: digits only, above 0; 0 if not one. */
static long parse_number(const char *s)
{
	long v;
	return isdigit((unsigned char)*s) && td_text_parse_long(s, &v) && v > 0 ? v : 0;
}

/* "119.3" or "119,3" → 119.3; 0 if not an area. */
static int parse_area(const char *s, double *area)
{
	return isdigit((unsigned char)*s) && td_text_parse_decimal(s, area) && *area >= 0;
}

/*
 * "1L654/119.3" → land use "1L", parcel 654, area 119.3. The parcel number is
 * the trailing run of digits before the "/", the land use whatever precedes
 * it; "654ONT/119.3" (number first) is read too.
 */
static long parse_combined(const char *s, char *landuse, size_t lsize, double *area, int *has_area)
{
	char head[64], *slash;
	size_t n, i;
	long parcel;

	*has_area = 0;
	landuse[0] = '\0';
	if (strlen(s) >= sizeof(head))
		return 0;
	memcpy(head, s, strlen(s) + 1);
	slash = strchr(head, '/');
	if (slash) {
		*slash = '\0';
		char *a = slash + 1;
		trim(a);
		*has_area = parse_area(a, area);
	}
	trim(head);
	n = strlen(head);
	i = n;
	while (i > 0 && isdigit((unsigned char)head[i - 1]))
		i--;
	if (i < n) {
		parcel = parse_number(head + i);
		head[i] = '\0';
	} else {
		for (i = 0; isdigit((unsigned char)head[i]); i++)
			;
		if (i == 0)
			return 0;
		char digits[32];
		if (i >= sizeof(digits))
			return 0;
		memcpy(digits, head, i);
		digits[i] = '\0';
		parcel = parse_number(digits);
		memmove(head, head + i, n - i + 1);
	}
	trim(head);
	if (parcel > 0)
		copy_utf8(landuse, lsize, head);
	return parcel;
}

static int cmp_parcel(const void *a, const void *b)
{
	const td_dgn_parcel *p = a, *q = b;

	if (p->parcel != q->parcel)
		return p->parcel < q->parcel ? -1 : 1;
	if (p->label_y != q->label_y)
		return p->label_y < q->label_y ? -1 : 1;
	return (p->label_x > q->label_x) - (p->label_x < q->label_x);
}

/* Find the source element of a dangling piece by its middle point. */
static long line_element(reader *r, const GEOSGeometry *piece, double *x, double *y)
{
	GEOSContextHandle_t h = r->h;
	GEOSGeometry *mid = GEOSInterpolateNormalized_r(h, piece, 0.5);
	long element = -1;
	double best = HUGE_VAL;

	*x = *y = 0;
	if (!mid)
		return -1;
	GEOSGeomGetX_r(h, mid, x);
	GEOSGeomGetY_r(h, mid, y);
	for (size_t i = 0; i < r->nlines; i++) {
		double d;
		if (GEOSDistance_r(h, r->lines[i].g, mid, &d) && d < best) {
			best = d;
			element = r->lines[i].element;
		}
	}
	GEOSGeom_destroy_r(h, mid);
	return element;
}

static int has_dangle(const td_dgn_result *o, long element)
{
	for (size_t i = 0; i < o->nproblems; i++)
		if (o->problems[i].kind == TD_DGN_DANGLING_LINE && o->problems[i].element == element)
			return 1;
	return 0;
}

static td_status report_dangles(reader *r, const GEOSGeometry *pieces)
{
	int n = pieces ? GEOSGetNumGeometries_r(r->h, pieces) : 0;
	td_status st = TD_OK;

	for (int i = 0; i < n && st == TD_OK; i++) {
		double x, y;
		long element = line_element(r, GEOSGetGeometryN_r(r->h, pieces, i), &x, &y);
		if (!has_dangle(r->out, element))
			st = add_problem(r, TD_DGN_DANGLING_LINE, element, x, y, "");
	}
	return st;
}

typedef struct hits {
	size_t idx[8];
	size_t n;
} hits;

static void collect(void *item, void *arg)
{
	hits *k = arg;

	if (k->n < sizeof(k->idx) / sizeof(k->idx[0]))
		k->idx[k->n++] = ((face *)item)->index;
}

static td_status build(reader *r)
{
	GEOSContextHandle_t h = r->h;
	td_dgn_result *o = r->out;
	GEOSGeometry **parts = NULL, *all = NULL, *noded = NULL, *faces = NULL;
	GEOSGeometry *cuts = NULL, *dangles = NULL, *invalid = NULL, *pt = NULL;
	GEOSSTRtree *tree = NULL;
	GEOSWKBWriter *ww = NULL;
	face *fs = NULL;
	size_t nfaces = 0;
	td_status st = TD_OK;

	if (r->nlines > 0) {
		parts = malloc(r->nlines * sizeof(*parts));
		if (!parts) {
			st = td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
			goto done;
		}
		for (size_t i = 0; i < r->nlines; i++)
			parts[i] = GEOSGeom_clone_r(h, r->lines[i].g);
		for (size_t i = 0; i < r->nlines; i++)
			if (!parts[i]) {
				for (size_t j = 0; j < r->nlines; j++)
					GEOSGeom_destroy_r(h, parts[j]);
				st = td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
				goto done;
			}
		all = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)r->nlines);
		if (!all) {
			for (size_t j = 0; j < r->nlines; j++)
				GEOSGeom_destroy_r(h, parts[j]);
			st = td_error_set(r->err, TD_ERR_INTERNAL, "cannot collect the lines of '%s'", r->path);
			goto done;
		}
		/* Unary union nodes the lines at every crossing and merges duplicates. */
		noded = GEOSUnaryUnion_r(h, all);
		if (!noded) {
			st = td_error_set(r->err, TD_ERR_INTERNAL, "cannot node the boundary lines of '%s'", r->path);
			goto done;
		}
		faces = GEOSPolygonize_full_r(h, noded, &cuts, &dangles, &invalid);
		if (!faces) {
			st = td_error_set(r->err, TD_ERR_INTERNAL, "cannot polygonize the boundary lines of '%s'",
					  r->path);
			goto done;
		}
		if ((st = report_dangles(r, dangles)) != TD_OK || (st = report_dangles(r, cuts)) != TD_OK)
			goto done;
		nfaces = (size_t)GEOSGetNumGeometries_r(h, faces);
	}

	o->parcels = calloc(nfaces ? nfaces : 1, sizeof(*o->parcels));
	fs = calloc(nfaces ? nfaces : 1, sizeof(*fs));
	tree = GEOSSTRtree_create_r(h, 10);
	ww = GEOSWKBWriter_create_r(h);
	if (!o->parcels || !fs || !tree || !ww) {
		st = td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
		goto done;
	}
	r->capparcels = nfaces;
	GEOSWKBWriter_setByteOrder_r(h, ww, GEOS_WKB_NDR);
	GEOSWKBWriter_setOutputDimension_r(h, ww, 2);
	for (size_t i = 0; i < nfaces; i++) {
		td_dgn_parcel *pa = &o->parcels[i];
		fs[i].g = (GEOSGeometry *)GEOSGetGeometryN_r(h, faces, (int)i);
		fs[i].index = i;
		fs[i].prep = GEOSPrepare_r(h, fs[i].g);
		o->nparcels++;
		pa->wkb = GEOSWKBWriter_write_r(h, ww, fs[i].g, &pa->wkb_len);
		pt = GEOSPointOnSurface_r(h, fs[i].g);
		if (!fs[i].prep || !pa->wkb || !pt) {
			st = td_error_set(r->err, TD_ERR_INTERNAL, "cannot prepare face %zu of '%s'", i + 1, r->path);
			goto done;
		}
		pa->element = -1;
		GEOSGeomGetX_r(h, pt, &pa->label_x);
		GEOSGeomGetY_r(h, pt, &pa->label_y);
		GEOSGeom_destroy_r(h, pt);
		pt = NULL;
		GEOSSTRtree_insert_r(h, tree, fs[i].g, &fs[i]);
	}

	for (size_t i = 0; i < r->nlabels; i++) {
		label *lb = &r->labels[i];
		hits k = {{0}, 0};
		long face_at = -1;

		pt = GEOSGeom_createPointFromXY_r(h, lb->x, lb->y);
		if (!pt) {
			st = td_error_set(r->err, TD_ERR_NOMEM, "out of memory reading '%s'", r->path);
			goto done;
		}
		if (nfaces)
			GEOSSTRtree_query_r(h, tree, pt, collect, &k);
		for (size_t j = 0; j < k.n && face_at < 0; j++)
			if (GEOSPreparedContains_r(h, fs[k.idx[j]].prep, pt) == 1)
				face_at = (long)k.idx[j];
		GEOSGeom_destroy_r(h, pt);
		pt = NULL;
		if (face_at < 0) {
			if ((st = add_problem(r, TD_DGN_LABEL_OUTSIDE, lb->element, lb->x, lb->y, lb->text)) != TD_OK)
				goto done;
			continue;
		}
		td_dgn_parcel *pa = &o->parcels[face_at];
		face *fa = &fs[face_at];
		if (lb->level == r->p->parcel_label_level) {
			char landuse[sizeof(pa->landuse)];
			double area = 0;
			int has_area = 0;
			long parcel = r->p->combined_labels
					      ? parse_combined(lb->text, landuse, sizeof(landuse), &area, &has_area)
					      : parse_number(lb->text);
			if (parcel <= 0)
				continue; /* not a parcel number: a sheet note on the same level */
			if (fa->has_parcel) {
				if ((st = add_problem(r, TD_DGN_TWO_LABELS, lb->element, lb->x, lb->y, lb->text)) !=
				    TD_OK)
					goto done;
				o->problems[o->nproblems - 1].parcel = pa->parcel;
				continue;
			}
			fa->has_parcel = 1;
			pa->parcel = parcel;
			pa->label_x = lb->x;
			pa->label_y = lb->y;
			pa->element = lb->element;
			if (r->p->combined_labels) {
				memcpy(pa->landuse, landuse, sizeof(landuse));
				pa->label_area = area;
				pa->has_area = has_area;
			}
		} else if (lb->level == r->p->landuse_label_level) {
			if (!pa->landuse[0])
				copy_utf8(pa->landuse, sizeof(pa->landuse), lb->text);
		} else if (lb->level == r->p->area_label_level) {
			if (!pa->has_area)
				pa->has_area = parse_area(lb->text, &pa->label_area);
		}
	}
	for (size_t i = 0; i < nfaces; i++)
		if (!fs[i].has_parcel && (st = add_problem(r, TD_DGN_NO_LABEL, -1, o->parcels[i].label_x,
							   o->parcels[i].label_y, "")) != TD_OK)
			goto done;
	qsort(o->parcels, o->nparcels, sizeof(*o->parcels), cmp_parcel);
done:
	GEOSGeom_destroy_r(h, pt);
	if (fs)
		for (size_t i = 0; i < nfaces; i++)
			GEOSPreparedGeom_destroy_r(h, fs[i].prep);
	free(fs);
	GEOSSTRtree_destroy_r(h, tree);
	GEOSWKBWriter_destroy_r(h, ww);
	GEOSGeom_destroy_r(h, invalid);
	GEOSGeom_destroy_r(h, dangles);
	GEOSGeom_destroy_r(h, cuts);
	GEOSGeom_destroy_r(h, faces);
	GEOSGeom_destroy_r(h, noded);
	GEOSGeom_destroy_r(h, all);
	free(parts);
	return st;
}

td_status td_dgn_read(GEOSContextHandle_t h, const char *path, const td_dgn_profile *p, td_dgn_result *out,
		      td_error *err)
{
	reader r;
	td_status st;

	td_dgn_result_release(out);
	if (!h || !path || !p || !out)
		return td_error_set(err, TD_ERR_USAGE, "td_dgn_read: missing argument");
	if (p->nboundary < 1 || p->nboundary > 8)
		return td_error_set(err, TD_ERR_USAGE, "DGN profile for '%s': %d boundary levels (1 to 8 allowed)",
				    path, p->nboundary);
	if (p->text_encoding == TD_ENC_UNKNOWN)
		return td_error_set(err, TD_ERR_USAGE, "DGN profile for '%s': no text encoding", path);
	if (p->sheet_label_level >= 0 && is_label_level(p, p->sheet_label_level))
		return td_error_set(err, TD_ERR_USAGE,
				    "DGN profile for '%s': level %d holds both sheet and parcel labels", path,
				    p->sheet_label_level);
	memset(&r, 0, sizeof(r));
	r.h = h;
	r.path = path;
	r.p = p;
	r.err = err;
	r.out = out;
	if ((st = check_chain(path, err)) == TD_OK && (st = read_elements(&r)) == TD_OK)
		st = build(&r);
	for (size_t i = 0; i < r.nlines; i++)
		GEOSGeom_destroy_r(h, r.lines[i].g);
	free(r.lines);
	for (size_t i = 0; i < r.nlabels; i++)
		free(r.labels[i].text);
	free(r.labels);
	if (st != TD_OK)
		td_dgn_result_release(out);
	return st;
}
