#include "reconcile.h"
#include "audit.h"
#include "c06layout.h"
#include "findings.h"
#include "grades.h"
#include "identity.h"
#include "source.h"
#include "text.h"

#include <cpl_error.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void td_reconcile_options_init(td_reconcile_options *o)
{
	memset(o, 0, sizeof(*o));
	td_rule_settings_init(&o->rules);
}

/* ---- C06's answers -------------------------------------------------- */

enum verdict { V_NONE, V_MATCHED, V_MISMATCHED, V_NOT_FOUND };

static const char *const verdict_names[] = {NULL, "matched", "mismatched", "not_found"};

#define MAX_STATUSES 128

/* schemas/c06/statuses.csv: the words C06 may answer with, folded (no case, no diacritics). */
struct statuses {
	int n;
	char key[MAX_STATUSES][64];
	enum verdict verdict[MAX_STATUSES];
	char path[TD_PATH_MAX];
	char examples[256]; /* the first few words, for messages */
};

static td_status read_statuses(td_ctx *ctx, struct statuses *s, td_error *err)
{
	GDALDatasetH ds;
	OGRFeatureH f;
	size_t ex = 0;
	td_status rc;

	memset(s, 0, sizeof(*s));
	rc = td_ctx_schema_file(ctx, "c06/statuses.csv", s->path, sizeof(s->path), err);
	if (rc != TD_OK)
		return rc;
	ds = td_source_open_csv(s->path, err);
	if (!ds)
		return td_error_set(err, TD_ERR_USAGE, "cannot read the C06 statuses '%s'", s->path);
	while (rc == TD_OK && (f = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0))) != NULL) {
		int it = OGR_F_GetFieldIndex(f, "text"), is = OGR_F_GetFieldIndex(f, "status");
		const char *text = it >= 0 && OGR_F_IsFieldSetAndNotNull(f, it) ? OGR_F_GetFieldAsString(f, it) : "";
		const char *status = is >= 0 && OGR_F_IsFieldSetAndNotNull(f, is) ? OGR_F_GetFieldAsString(f, is) : "";
		enum verdict v = V_NONE;
		for (int k = V_MATCHED; k <= V_NOT_FOUND; k++)
			if (strcmp(status, verdict_names[k]) == 0)
				v = (enum verdict)k;
		if (v == V_NONE || !*text || s->n == MAX_STATUSES ||
		    !td_text_fold(text, s->key[s->n], sizeof(s->key[0])))
			rc = td_error_set(
				err, TD_ERR_USAGE,
				"'%s' line %lld: expected a text and a status (matched, mismatched or not_found)",
				s->path, (long long)OGR_F_GetFID(f) + 1);
		else {
			s->verdict[s->n++] = v;
			if (ex < 160)
				ex += (size_t)snprintf(s->examples + ex, sizeof(s->examples) - ex, "%s'%s'",
						       ex ? ", " : "", text);
		}
		OGR_F_Destroy(f);
	}
	GDALClose(ds);
	if (rc == TD_OK && s->n == 0)
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' lists no statuses", s->path);
	return rc;
}

/* ---- the run's state ------------------------------------------------ */

enum { U_CCCD, U_NAME, U_BIRTH_YEAR, U_GENDER, U_COUNT };

/* Owner columns a reply may correct, with the field name owner_history records. */
static const char *const owner_columns[U_COUNT] = {"cccd", "name", "birth_year", "gender"};

typedef struct reconciler {
	td_ws *ws;
	const td_reconcile_options *opts;
	td_reconcile_summary *sum;
	td_c06_layout layout;
	struct statuses statuses;
	sqlite3_stmt *exists, *same_person, *by_cccd, *by_name, *sent, *earlier, *owner, *set_verdict,
		*set_field[U_COUNT], *history, *keep;
} reconciler;

/* One reply row, parsed. Strings are NFC; NULL when the cell is blank. */
struct reply {
	char where[512];
	const char *file, *sheet;
	long row;
	long long owner_ref; /* 0: not given */
	char cccd[32];       /* "" : not given */
	char *name;
	long birth_year; /* 0: not given */
	enum verdict verdict;
	char new_cccd[32];
	char *new_name;
	long new_birth_year;
	const char *new_gender; /* "Nam", "Nữ" or NULL */
	char *note;
};

static void reply_release(struct reply *r)
{
	free(r->name);
	free(r->new_name);
	free(r->note);
	r->name = r->new_name = r->note = NULL;
}

static td_status prepare(reconciler *c, td_error *err)
{
	static const char *const set_sql[U_COUNT] = {
		"UPDATE owners SET cccd = ?2 WHERE id = ?1", "UPDATE owners SET name = ?2 WHERE id = ?1",
		"UPDATE owners SET birth_year = ?2 WHERE id = ?1", "UPDATE owners SET gender = ?2 WHERE id = ?1"};
	td_ws *ws = c->ws;
	td_status rc;

	/* Owners a list went to: holding a certificate. One scan, then lookups. */
	rc = td_ws_exec(ws,
			"DROP TABLE IF EXISTS temp.c06_sent;"
			"CREATE TEMP TABLE c06_sent (owner_id INTEGER PRIMARY KEY);"
			"INSERT INTO temp.c06_sent SELECT DISTINCT owner_id FROM register_rows "
			"WHERE gcn_serial IS NOT NULL AND owner_id IS NOT NULL",
			err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT EXISTS (SELECT 1 FROM owners WHERE id = ?1)", &c->exists, err);
	/* The row's ID number (else its name) is the owner's, now or before a correction. */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT EXISTS (SELECT 1 FROM owners o WHERE o.id = ?1 AND "
			"(?2 IS NULL OR o.cccd = ?2 OR o.person_key = 'cccd:' || ?2 OR EXISTS (SELECT 1 FROM "
			" owner_history h WHERE h.owner_id = o.id AND h.field = 'cccd' AND h.old_value = ?2)) AND "
			"(?2 IS NOT NULL OR ?3 IS NULL OR td_name_key(o.name) = ?3 OR EXISTS (SELECT 1 FROM "
			" owner_history h WHERE h.owner_id = o.id AND h.field = 'name' AND "
			" td_name_key(h.old_value) = ?3)))",
			&c->same_person, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT id FROM owners WHERE cccd = ?1 UNION SELECT id FROM owners WHERE person_key = "
			"'cccd:' || ?1 UNION SELECT owner_id FROM owner_history WHERE field = 'cccd' AND "
			"old_value = ?1 LIMIT 2",
			&c->by_cccd, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT id FROM owners WHERE person_key = 'name:' || ?1 || '|' || coalesce(?2, '')",
				   &c->by_name, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT EXISTS (SELECT 1 FROM temp.c06_sent WHERE owner_id = ?1)", &c->sent,
				   err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT file, row, status IS ?3 AND new_cccd IS ?4 AND new_name IS ?5 AND "
				   "new_birth_year IS ?6 AND new_gender IS ?7 FROM c06_replies WHERE run_id = ?1 "
				   "AND owner_id = ?2 AND outcome = 'applied' ORDER BY id LIMIT 1",
				   &c->earlier, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT verification, cccd, name, birth_year, gender FROM owners WHERE id = ?1",
				   &c->owner, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "UPDATE owners SET verification = ?2, verified_run = ?3 WHERE id = ?1",
				   &c->set_verdict, err);
	for (int i = 0; rc == TD_OK && i < U_COUNT; i++)
		rc = td_ws_prepare(ws, set_sql[i], &c->set_field[i], err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "INSERT INTO owner_history (owner_id, run_id, field, old_value, new_value) "
				   "VALUES (?1, ?2, ?3, ?4, ?5)",
				   &c->history, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"INSERT INTO c06_replies (run_id, file, sheet, row, owner_ref, owner_id, status, cccd, "
			"owner_name, birth_year, new_cccd, new_name, new_birth_year, new_gender, note, outcome, "
			"reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
			&c->keep, err);
	return rc;
}

static void finalize(reconciler *c)
{
	sqlite3_stmt *all[] = {c->exists,  c->same_person, c->by_cccd,     c->by_name, c->sent,
			       c->earlier, c->owner,       c->set_verdict, c->history, c->keep};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	for (int i = 0; i < U_COUNT; i++)
		sqlite3_finalize(c->set_field[i]);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_long_or_null(sqlite3_stmt *st, int i, long long v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* ---- reading a reply ------------------------------------------------ */

/* Column of each field in the reply (-1: absent) and its header as written there. */
struct columns {
	int idx[TD_C06_FIELD_COUNT];
	char header[TD_C06_FIELD_COUNT][128];
};

static const char *cell(OGRFeatureH f, int i)
{
	return i >= 0 && i < OGR_F_GetFieldCount(f) && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i)
											: NULL;
}

static int blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

/*
 * The header row: among the first rows, the first naming the status column
 * and one key column (owner_ref, cccd or owner_name). A header matches the
 * layout's header or the field's name, ignoring case and diacritics.
 */
#define HEADER_SEARCH_ROWS 30

static int find_header(const td_c06_layout *l, OGRLayerH layer, struct columns *cols)
{
	char want[TD_C06_MAX_COLUMNS][2][160], key[160];
	OGRFeatureH f;
	int found = 0;

	for (int i = 0; i < l->n; i++) {
		td_text_fold(l->header[i], want[i][0], sizeof(want[0][0]));
		td_text_fold(td_c06_field_name(l->field[i]), want[i][1], sizeof(want[0][1]));
	}
	for (int n = 0; n < HEADER_SEARCH_ROWS && !found && (f = OGR_L_GetNextFeature(layer)) != NULL; n++) {
		for (int k = 0; k < TD_C06_FIELD_COUNT; k++)
			cols->idx[k] = -1;
		for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
			const char *v = cell(f, i);
			if (blank(v) || !td_text_fold(v, key, sizeof(key)))
				continue;
			for (int j = 0; j < l->n; j++)
				if (cols->idx[l->field[j]] < 0 &&
				    (!strcmp(key, want[j][0]) || !strcmp(key, want[j][1]))) {
					cols->idx[l->field[j]] = i;
					snprintf(cols->header[l->field[j]], sizeof(cols->header[0]), "%s", v);
				}
		}
		found = cols->idx[TD_C06_STATUS] >= 0 &&
			(cols->idx[TD_C06_OWNER_REF] >= 0 || cols->idx[TD_C06_CCCD] >= 0 ||
			 cols->idx[TD_C06_OWNER_NAME] >= 0);
		OGR_F_Destroy(f);
	}
	return found;
}

static td_status bad_cell(const struct reply *r, const struct columns *cols, td_c06_field fld, const char *value,
			  const char *want, td_error *err)
{
	char masked[256];
	td_identity_mask_text(value, masked, sizeof(masked));
	return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': '%s' is not %s", r->where, cols->header[fld], masked,
			    want);
}

/* The cell of fld as NFC text, spaces around it removed; NULL when blank or absent. */
static td_status text_of(OGRFeatureH f, const struct columns *cols, td_c06_field fld, const struct reply *r, char **out,
			 td_error *err)
{
	const char *v = cell(f, cols->idx[fld]);
	char *nfc = NULL;
	size_t n;

	*out = NULL;
	if (blank(v))
		return TD_OK;
	v += strspn(v, " \t");
	if (td_text_nfc(v, &nfc, NULL) != TD_OK)
		return td_error_set(err, TD_ERR_INPUT, "%s, column '%s': text is not valid UTF-8", r->where,
				    cols->header[fld]);
	for (n = strlen(nfc); n && strchr(" \t\r\n", nfc[n - 1]); n--)
		nfc[n - 1] = '\0';
	*out = nfc;
	return TD_OK;
}

/* A whole number in [lo, hi]; spreadsheets may hand "1985" over as "1985.0". */
static int parse_whole(const char *s, double lo, double hi, long *out)
{
	double v;
	if (!td_text_parse_decimal(s, &v) || v != floor(v) || v < lo || v > hi)
		return 0;
	*out = (long)v;
	return 1;
}

static td_status number_of(OGRFeatureH f, const struct columns *cols, td_c06_field fld, const struct reply *r,
			   double lo, double hi, const char *want, long *out, td_error *err)
{
	char *s = NULL;
	td_status rc = text_of(f, cols, fld, r, &s, err);

	*out = 0;
	if (rc == TD_OK && s && !parse_whole(s, lo, hi, out))
		rc = bad_cell(r, cols, fld, s, want, err);
	free(s);
	return rc;
}

static td_status id_of(OGRFeatureH f, const struct columns *cols, td_c06_field fld, const struct reply *r, int strict,
		       char out[32], td_error *err)
{
	char *s = NULL;
	td_status rc = text_of(f, cols, fld, r, &s, err);
	size_t n;

	out[0] = '\0';
	if (rc != TD_OK || !s)
		return rc;
	td_identity_normalize(s, out, 32);
	n = strlen(out);
	/* A corrected number must be one; a key is matched as it is. */
	if (strict && !((n == 9 || n == 12) && strspn(out, "0123456789") == n))
		rc = bad_cell(r, cols, fld, s, "a 9- or 12-digit ID number", err);
	free(s);
	return rc;
}

static td_status parse_row(reconciler *c, OGRFeatureH f, const struct columns *cols, struct reply *r, td_error *err)
{
	char *status = NULL, *gender = NULL, key[64];
	long ref = 0;
	td_status rc;

	rc = number_of(f, cols, TD_C06_OWNER_REF, r, 1, 9e15, "an owner reference (Mã chủ sử dụng)", &ref, err);
	r->owner_ref = ref;
	if (rc == TD_OK)
		rc = id_of(f, cols, TD_C06_CCCD, r, 0, r->cccd, err);
	if (rc == TD_OK)
		rc = text_of(f, cols, TD_C06_OWNER_NAME, r, &r->name, err);
	if (rc == TD_OK)
		rc = number_of(f, cols, TD_C06_BIRTH_YEAR, r, 1000, 9999, "a year", &r->birth_year, err);
	if (rc == TD_OK)
		rc = id_of(f, cols, TD_C06_NEW_CCCD, r, 1, r->new_cccd, err);
	if (rc == TD_OK)
		rc = text_of(f, cols, TD_C06_NEW_OWNER_NAME, r, &r->new_name, err);
	if (rc == TD_OK)
		rc = number_of(f, cols, TD_C06_NEW_BIRTH_YEAR, r, 1000, 9999, "a year", &r->new_birth_year, err);
	if (rc == TD_OK)
		rc = text_of(f, cols, TD_C06_NEW_GENDER, r, &gender, err);
	if (rc == TD_OK && gender) {
		int sex = td_identity_sex(gender);
		if (sex < 0)
			rc = bad_cell(r, cols, TD_C06_NEW_GENDER, gender, "a sex (Nam or Nữ)", err);
		else
			r->new_gender = sex == 0 ? "Nam" : "Nữ";
	}
	if (rc == TD_OK)
		rc = text_of(f, cols, TD_C06_NOTE, r, &r->note, err);
	if (rc == TD_OK)
		rc = text_of(f, cols, TD_C06_STATUS, r, &status, err);
	r->verdict = V_NONE;
	if (rc == TD_OK && status) {
		if (td_text_fold(status, key, sizeof(key)))
			for (int i = 0; i < c->statuses.n && r->verdict == V_NONE; i++)
				if (strcmp(key, c->statuses.key[i]) == 0)
					r->verdict = c->statuses.verdict[i];
		if (r->verdict == V_NONE) {
			char masked[256];
			td_identity_mask_text(status, masked, sizeof(masked));
			rc = td_error_set(err, TD_ERR_INPUT,
					  "%s, column '%s': '%s' is not a status (expected one of %s, ...: see '%s')",
					  r->where, cols->header[TD_C06_STATUS], masked, c->statuses.examples,
					  c->statuses.path);
		}
	}
	if (rc == TD_OK && r->verdict == V_NONE &&
	    (r->new_cccd[0] || r->new_name || r->new_birth_year || r->new_gender))
		rc = td_error_set(err, TD_ERR_INPUT, "%s, column '%s': no status, but corrected values are given",
				  r->where, cols->header[TD_C06_STATUS]);
	free(status);
	free(gender);
	return rc;
}

/* ---- matching and applying ------------------------------------------ */

static void list_row(reconciler *c, const struct reply *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Remember an unapplied row for the summary (the first TD_RECONCILE_LIST_MAX), ID numbers masked. */
static void list_row(reconciler *c, const struct reply *r, const char *fmt, ...)
{
	td_reconcile_summary *s = c->sum;
	char what[512];
	va_list ap;

	if (s->nlisted == TD_RECONCILE_LIST_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	td_identity_mask_text(r->where, s->listed[s->nlisted].where, sizeof(s->listed[0].where));
	td_identity_mask_text(what, s->listed[s->nlisted].what, sizeof(s->listed[0].what));
	s->nlisted++;
}

static int step_int(sqlite3_stmt *st)
{
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
}

/*
 * The owner a row answers for, or 0 with why (a short English reason,
 * ID numbers in it are masked later).
 */
static long long match(reconciler *c, const struct reply *r, char *why, size_t size)
{
	char key[512] = "";
	long long id = 0;
	int n = 0;

	if (r->name)
		td_text_key(r->name, key, sizeof(key));
	if (r->owner_ref) {
		sqlite3_reset(c->exists);
		sqlite3_bind_int64(c->exists, 1, r->owner_ref);
		if (!step_int(c->exists)) {
			snprintf(why, size, "owner reference %lld is not an owner of this workspace", r->owner_ref);
			return 0;
		}
		sqlite3_reset(c->same_person);
		sqlite3_bind_int64(c->same_person, 1, r->owner_ref);
		bind_text_or_null(c->same_person, 2, r->cccd);
		bind_text_or_null(c->same_person, 3, key);
		if (!step_int(c->same_person)) {
			snprintf(why, size, "owner reference %lld belongs to another person (%s differs)", r->owner_ref,
				 r->cccd[0] ? "ID number" : "name");
			return 0;
		}
		id = r->owner_ref;
	} else if (r->cccd[0]) {
		sqlite3_reset(c->by_cccd);
		sqlite3_bind_text(c->by_cccd, 1, r->cccd, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(c->by_cccd) == SQLITE_ROW) {
			id = sqlite3_column_int64(c->by_cccd, 0);
			n++;
		}
		if (n != 1) {
			snprintf(why, size,
				 n ? "ID number %s belongs to more than one owner" : "no owner has ID number %s",
				 r->cccd);
			return 0;
		}
	} else if (key[0]) {
		sqlite3_reset(c->by_name);
		sqlite3_bind_text(c->by_name, 1, key, -1, SQLITE_TRANSIENT);
		if (r->birth_year)
			sqlite3_bind_int64(c->by_name, 2, r->birth_year);
		else
			sqlite3_bind_null(c->by_name, 2);
		if (sqlite3_step(c->by_name) == SQLITE_ROW)
			id = sqlite3_column_int64(c->by_name, 0);
		if (!id) {
			snprintf(why, size, "no owner without an ID number is named '%s' (born %ld)", r->name,
				 r->birth_year);
			return 0;
		}
	} else {
		snprintf(why, size, "no owner reference, ID number or name");
		return 0;
	}
	sqlite3_reset(c->sent);
	sqlite3_bind_int64(c->sent, 1, id);
	if (!step_int(c->sent)) {
		snprintf(why, size, "owner %lld holds no certificate: no list named them", id);
		return 0;
	}
	return id;
}

static td_status history(reconciler *c, long long owner, const char *field, const char *old, const char *new_value,
			 td_error *err)
{
	sqlite3_stmt *st = c->history;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, owner);
	sqlite3_bind_int64(st, 2, c->ws->run_id);
	sqlite3_bind_text(st, 3, field, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, old);
	bind_text_or_null(st, 5, new_value);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(c->ws, "record owner history", err);
	return TD_OK;
}

/* Set the owner's verification and the details C06 corrected, keeping the previous values. */
static td_status apply(reconciler *c, const struct reply *r, long long owner, td_error *err)
{
	char year[16];
	const char *given[U_COUNT] = {r->new_cccd[0] ? r->new_cccd : NULL, r->new_name, NULL, r->new_gender};
	char old[U_COUNT][512], verdict[16];
	td_status rc = TD_OK;

	if (r->new_birth_year) {
		snprintf(year, sizeof(year), "%ld", r->new_birth_year);
		given[U_BIRTH_YEAR] = year;
	}
	sqlite3_reset(c->owner);
	sqlite3_bind_int64(c->owner, 1, owner);
	if (sqlite3_step(c->owner) != SQLITE_ROW)
		return td_ws_sqlerr(c->ws, "read owner", err);
	snprintf(verdict, sizeof(verdict), "%s", (const char *)sqlite3_column_text(c->owner, 0));
	for (int i = 0; i < U_COUNT; i++) {
		const char *v = (const char *)sqlite3_column_text(c->owner, i + 1);
		snprintf(old[i], sizeof(old[0]), "%s", v ? v : "");
	}
	sqlite3_reset(c->owner);
	if (strcmp(verdict, verdict_names[r->verdict]) != 0) {
		rc = history(c, owner, "verification", verdict, verdict_names[r->verdict], err);
		sqlite3_reset(c->set_verdict);
		sqlite3_bind_int64(c->set_verdict, 1, owner);
		sqlite3_bind_text(c->set_verdict, 2, verdict_names[r->verdict], -1, SQLITE_STATIC);
		sqlite3_bind_int64(c->set_verdict, 3, c->ws->run_id);
		if (rc == TD_OK && sqlite3_step(c->set_verdict) != SQLITE_DONE)
			rc = td_ws_sqlerr(c->ws, "update owner", err);
		c->sum->owners_changed++;
	}
	for (int i = 0; rc == TD_OK && i < U_COUNT; i++) {
		sqlite3_stmt *st = c->set_field[i];
		if (!given[i] || strcmp(given[i], old[i]) == 0)
			continue;
		rc = history(c, owner, owner_columns[i], old[i], given[i], err);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, owner);
		if (i == U_BIRTH_YEAR)
			sqlite3_bind_int64(st, 2, r->new_birth_year);
		else
			sqlite3_bind_text(st, 2, given[i], -1, SQLITE_STATIC);
		if (rc == TD_OK && sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(c->ws, "update owner", err);
		c->sum->values_corrected++;
	}
	return rc;
}

/* Keep the row in c06_replies with what became of it. */
static td_status keep(reconciler *c, const struct reply *r, long long owner, const char *outcome, const char *reason,
		      td_error *err)
{
	sqlite3_stmt *st = c->keep;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, c->ws->run_id);
	sqlite3_bind_text(st, 2, r->file, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, r->sheet);
	sqlite3_bind_int64(st, 4, r->row);
	bind_long_or_null(st, 5, r->owner_ref);
	bind_long_or_null(st, 6, owner);
	bind_text_or_null(st, 7, verdict_names[r->verdict]);
	bind_text_or_null(st, 8, r->cccd);
	bind_text_or_null(st, 9, r->name);
	bind_long_or_null(st, 10, r->birth_year);
	bind_text_or_null(st, 11, r->new_cccd);
	bind_text_or_null(st, 12, r->new_name);
	bind_long_or_null(st, 13, r->new_birth_year);
	bind_text_or_null(st, 14, r->new_gender);
	bind_text_or_null(st, 15, r->note);
	sqlite3_bind_text(st, 16, outcome, -1, SQLITE_STATIC);
	bind_text_or_null(st, 17, reason);
	if (sqlite3_step(st) != SQLITE_DONE)
		return td_ws_sqlerr(c->ws, "keep reply row", err);
	return TD_OK;
}

static td_status reconcile_row(reconciler *c, const struct reply *r, td_error *err)
{
	char why[256];
	long long owner;

	if (r->verdict == V_NONE) {
		c->sum->unanswered++;
		return keep(c, r, 0, "unanswered", NULL, err);
	}
	owner = match(c, r, why, sizeof(why));
	if (!owner) {
		c->sum->unmatched++;
		list_row(c, r, "%s", why);
		return keep(c, r, 0, "unmatched", why, err);
	}
	/* The same owner answered twice in this run: the same answer again is harmless, another is a conflict. */
	sqlite3_reset(c->earlier);
	sqlite3_bind_int64(c->earlier, 1, c->ws->run_id);
	sqlite3_bind_int64(c->earlier, 2, owner);
	bind_text_or_null(c->earlier, 3, verdict_names[r->verdict]);
	bind_text_or_null(c->earlier, 4, r->new_cccd);
	bind_text_or_null(c->earlier, 5, r->new_name);
	bind_long_or_null(c->earlier, 6, r->new_birth_year);
	bind_text_or_null(c->earlier, 7, r->new_gender);
	if (sqlite3_step(c->earlier) == SQLITE_ROW && !sqlite3_column_int(c->earlier, 2)) {
		snprintf(why, sizeof(why), "owner %lld was answered differently in '%s' row %lld", owner,
			 (const char *)sqlite3_column_text(c->earlier, 0),
			 (long long)sqlite3_column_int64(c->earlier, 1));
		sqlite3_reset(c->earlier);
		c->sum->conflicts++;
		list_row(c, r, "%s", why);
		return keep(c, r, owner, "conflict", why, err);
	}
	sqlite3_reset(c->earlier);
	if (r->verdict == V_MATCHED)
		c->sum->matched++;
	else if (r->verdict == V_MISMATCHED)
		c->sum->mismatched++;
	else
		c->sum->not_found++;
	if (apply(c, r, owner, err) != TD_OK)
		return err->code;
	return keep(c, r, owner, "applied", NULL, err);
}

static td_status read_reply(reconciler *c, const char *path, int index, td_progress_fn progress, void *arg,
			    td_error *err)
{
	struct columns cols;
	struct reply r;
	OGRFeatureH f = NULL;
	GDALDatasetH ds;
	td_error why;
	char hex[9];
	int64_t size;
	int csv, headers = 0;
	td_status rc;

	td_error_init(&why);
	ds = td_source_open_table(path, &why);
	if (!ds) /* why: "cannot read 'PATH' as FORMAT: REASON", or a damaged workbook's own message */
		return td_error_set(
			err, TD_ERR_INPUT, "cannot read reply '%s' (CSV, XLSX or XLS by its extension): %s", path,
			strncmp(why.msg, "cannot read '", 13) == 0 && strstr(why.msg, ": ") ? strstr(why.msg, ": ") + 2
											    : why.msg);
	CPLPushErrorHandler(CPLQuietErrorHandler);
	csv = strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "CSV") == 0;
	rc = td_source_checksum(ds, hex, &size, err);
	if (rc == TD_OK)
		rc = td_audit_note_input(c->ws, "c06_reply", path, hex, err);
	memset(&r, 0, sizeof(r));
	for (int i = 0; rc == TD_OK && i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);
		if (!find_header(&c->layout, layer, &cols))
			continue;
		headers++;
		while (rc == TD_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
			int empty = 1;
			for (int k = 0; k < OGR_F_GetFieldCount(f) && empty; k++)
				empty = blank(cell(f, k));
			if (!empty) {
				r.file = path;
				r.sheet = csv ? NULL : OGR_L_GetName(layer);
				r.row = (long)OGR_F_GetFID(f);
				if (csv)
					snprintf(r.where, sizeof(r.where), "reply '%s' row %ld", path, r.row);
				else
					snprintf(r.where, sizeof(r.where), "reply '%s' sheet '%s' row %ld", path,
						 r.sheet, r.row);
				rc = parse_row(c, f, &cols, &r, err);
				if (rc == TD_OK)
					rc = reconcile_row(c, &r, err);
				reply_release(&r);
				c->sum->rows++;
				if (rc == TD_OK && progress && c->sum->rows % 1000 == 0 &&
				    !progress(0.8 * (index + 0.5) / c->opts->nreplies, "reconcile", arg))
					rc = td_error_set(err, TD_ERR_CANCELLED, "cancelled");
			}
			OGR_F_Destroy(f);
			f = NULL;
		}
	}
	if (rc == TD_OK && !headers)
		rc = td_error_set(
			err, TD_ERR_INPUT,
			"reply '%s': no header row naming '%s' and '%s' (or '%s') in the first %d rows of any "
			"sheet (columns: %s)",
			path, "Kết quả xác minh", "Mã chủ sử dụng", "Số định danh cá nhân / CMND", HEADER_SEARCH_ROWS,
			c->layout.path);
	CPLPopErrorHandler();
	td_source_close_table(ds);
	return rc;
}

/* ---- afterwards: findings, groups, rates ----------------------------- */

/* Replace the identity findings and re-grade, when the findings are current and grades exist. */
static td_status regrade(reconciler *c, td_error *err)
{
	td_reconcile_summary *s = c->sum;
	td_findings_state state;
	sqlite3_stmt *st = NULL;
	int classified = 0;
	td_status rc = td_findings_state_get(c->ws, &state, err);

	if (rc != TD_OK)
		return rc;
	if (state != TD_FINDINGS_FRESH) {
		snprintf(s->not_graded, sizeof(s->not_graded), "%s: run 'thuadat check' and 'thuadat classify'",
			 state == TD_FINDINGS_NONE ? "not checked yet" : "the data changed since the last check");
		return TD_OK;
	}
	rc = td_findings_identity(c->ws, &c->opts->rules, NULL, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(c->ws, "SELECT EXISTS (SELECT 1 FROM parcel_grade)", &st, err);
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW)
		classified = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK && !classified)
		snprintf(s->not_graded, sizeof(s->not_graded), "not classified yet: run 'thuadat classify'");
	if (rc != TD_OK || !classified)
		return rc;
	rc = td_ws_exec(c->ws,
			"DROP TABLE IF EXISTS temp.grade_before;"
			"CREATE TEMP TABLE grade_before AS SELECT commune, sheet, parcel, grp FROM parcel_grade",
			err);
	if (rc == TD_OK)
		rc = td_grades_compute(c->ws, &c->opts->rules, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(c->ws,
				   "SELECT b.grp, g.grp, COUNT(*) FROM temp.grade_before b JOIN parcel_grade g "
				   "USING (commune, sheet, parcel) WHERE b.grp <> g.grp GROUP BY 1, 2",
				   &st, err);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		int from = sqlite3_column_int(st, 0), to = sqlite3_column_int(st, 1);
		if (from >= 1 && from <= 3 && to >= 1 && to <= 3)
			s->moves[from][to] = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = td_ws_exec(c->ws, "DROP TABLE temp.grade_before", err);
	s->graded = rc == TD_OK;
	return rc;
}

static void rate_from(sqlite3_stmt *st, int first, double target, td_verification_rate *v)
{
	v->owners = sqlite3_column_int64(st, first);
	v->verified = sqlite3_column_int64(st, first + 1);
	v->mismatched = sqlite3_column_int64(st, first + 2);
	v->not_found = sqlite3_column_int64(st, first + 3);
	v->percent = v->owners ? 100.0 * (double)v->verified / (double)v->owners : 100.0;
	v->meets_target = (double)v->verified * 100.0 >= target * (double)v->owners;
}

td_status td_verification_rates_read(td_ws *ws, double target, td_verification_rates *r, td_error *err)
{
#define COUNTS                                                                                                         \
	"COUNT(DISTINCT o.id), COUNT(DISTINCT iif(o.verification = 'matched', o.id, NULL)), "                          \
	"COUNT(DISTINCT iif(o.verification = 'mismatched', o.id, NULL)), "                                             \
	"COUNT(DISTINCT iif(o.verification = 'not_found', o.id, NULL)) "                                               \
	"FROM register_rows r JOIN owners o ON o.id = r.owner_id WHERE r.gcn_serial IS NOT NULL"
	sqlite3_stmt *st = NULL;
	int step;
	td_status rc;

	memset(r, 0, sizeof(*r));
	r->target = target;
	rc = td_ws_prepare(ws,
			   "SELECT r.commune, (SELECT name FROM ref_communes c WHERE c.code = r.commune "
			   "ORDER BY c.valid_to IS NULL DESC, c.valid_to DESC LIMIT 1), " COUNTS
			   " GROUP BY r.commune ORDER BY r.commune",
			   &st, err);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		td_verification_rate *v, *grown = realloc(r->communes, (size_t)(r->ncommunes + 1) * sizeof(*grown));
		if (!grown) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		r->communes = grown;
		v = &r->communes[r->ncommunes++];
		memset(v, 0, sizeof(*v));
		snprintf(v->commune, sizeof(v->commune), "%s", (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_text(st, 1))
			snprintf(v->name, sizeof(v->name), "%s", (const char *)sqlite3_column_text(st, 1));
		rate_from(st, 2, target, v);
		r->below += !v->meets_target;
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "count verified owners", err);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "SELECT " COUNTS, &st, err);
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(r->total.commune, sizeof(r->total.commune), "total");
		rate_from(st, 0, target, &r->total);
	}
	sqlite3_finalize(st);
	if (rc != TD_OK)
		td_verification_rates_release(r);
	return rc;
#undef COUNTS
}

void td_verification_rates_release(td_verification_rates *r)
{
	if (!r)
		return;
	free(r->communes);
	r->communes = NULL;
	r->ncommunes = 0;
}

static void summary_json(td_reconcile_summary *s)
{
	size_t n = (size_t)snprintf(
		s->json, sizeof(s->json),
		"{\"command\":\"reconcile\",\"files\":%d,\"rows\":%ld,\"matched\":%ld,\"mismatched\":%ld,"
		"\"not_found\":%ld,\"unanswered\":%ld,\"unmatched\":%ld,\"conflicts\":%ld,\"owners_changed\":%ld,"
		"\"values_corrected\":%ld,\"graded\":%s,\"moves\":{",
		s->files, s->rows, s->matched, s->mismatched, s->not_found, s->unanswered, s->unmatched, s->conflicts,
		s->owners_changed, s->values_corrected, s->graded ? "true" : "false");
	int first = 1;

	for (int from = 1; from <= 3; from++)
		for (int to = 1; to <= 3; to++)
			if (s->moves[from][to] && n < sizeof(s->json)) {
				n += (size_t)snprintf(s->json + n, sizeof(s->json) - n, "%s\"%dto%d\":%ld",
						      first ? "" : ",", from, to, s->moves[from][to]);
				first = 0;
			}
	if (n < sizeof(s->json))
		snprintf(s->json + n, sizeof(s->json) - n,
			 "},\"owners\":%ld,\"verified\":%ld,\"percent\":%.2f,\"target\":%.2f,\"communes_below_target\":"
			 "%d}",
			 s->rates.total.owners, s->rates.total.verified, s->rates.total.percent, s->rates.target,
			 s->rates.below);
}

td_status td_reconcile_run(td_ws *ws, const td_reconcile_options *opts, td_progress_fn progress, void *arg,
			   td_reconcile_summary *sum, td_error *err)
{
	reconciler c;
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	memset(&c, 0, sizeof(c));
	c.ws = ws;
	c.opts = opts;
	c.sum = sum;
	if (opts->nreplies < 1)
		return td_error_set(err, TD_ERR_USAGE, "no reply file to reconcile");
	rc = td_c06_layout_read(ws->ctx, &c.layout, err);
	if (rc == TD_OK)
		rc = read_statuses(ws->ctx, &c.statuses, err);
	if (rc == TD_OK)
		rc = td_ws_begin(ws, "reconcile", err);
	if (rc != TD_OK)
		return rc;
	sum->run_id = ws->run_id;
	rc = prepare(&c, err);
	for (int i = 0; rc == TD_OK && i < opts->nreplies; i++) {
		rc = read_reply(&c, opts->replies[i], i, progress, arg, err);
		sum->files += rc == TD_OK;
	}
	finalize(&c);
	if (rc == TD_OK)
		rc = regrade(&c, err);
	if (rc == TD_OK)
		rc = td_verification_rates_read(ws, opts->rules.verified_target_percent, &sum->rates, err);
	summary_json(sum);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	if (rc == TD_OK && progress)
		progress(1.0, "reconcile", arg);
	return rc;
}

void td_reconcile_summary_release(td_reconcile_summary *sum)
{
	if (sum)
		td_verification_rates_release(&sum->rates);
}

td_status td_reconcile_write_unapplied_csv(td_ws *ws, long long run_id, const char *path, td_error *err)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT file, sheet, row, outcome, reason, owner_ref, cccd, owner_name, birth_year, status "
		 "FROM c06_replies WHERE run_id = %lld AND outcome IN ('unmatched', 'conflict') ORDER BY id",
		 run_id);
	return td_ws_write_csv(ws, sql, path, 0600, err);
}
