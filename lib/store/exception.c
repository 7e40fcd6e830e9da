#include "exception.h"
#include "rules.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS exceptions ("
	" id INTEGER PRIMARY KEY,"
	" rule_id TEXT NOT NULL,"
	" commune TEXT NOT NULL, sheet INTEGER NOT NULL, parcel INTEGER NOT NULL,"
	" parcel_id TEXT,"           /* the parcel's ID when the exception was made, for reference */
	" state_hash TEXT NOT NULL," /* td_state_hash of the parcel when the exception was made */
	" reason TEXT NOT NULL,"
	" created_run INTEGER NOT NULL REFERENCES runs(id),"
	" created_at TEXT NOT NULL,"
	" os_user TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS exceptions_key ON exceptions(commune, sheet, parcel);"
	"CREATE TABLE IF NOT EXISTS finding_exceptions ("
	" fid INTEGER PRIMARY KEY REFERENCES findings(fid),"
	" exception_id INTEGER NOT NULL REFERENCES exceptions(id));";

/*
 * What the rules look at on the parcel with key (k.commune, k.sheet,
 * k.parcel) hashed: map features in fid order, then register rows in row
 * order. k is the table alias of the key's columns.
 */
#define STATE_TEXT(k)                                                                                                  \
	"td_state_hash(coalesce((SELECT group_concat(s, ';') FROM (SELECT hex(p.geom) || '|' || "                      \
	"coalesce(p.landuse, '') || '|' || coalesce(p.map_area, '') AS s FROM parcels p WHERE p.commune = " k          \
	".commune AND p.sheet = " k ".sheet AND p.parcel = " k ".parcel ORDER BY p.fid)), '') || '#' || "              \
	"coalesce((SELECT group_concat(s, ';') FROM (SELECT coalesce(r.area, '') || '|' || coalesce(r.landuse, '') "   \
	"|| '|' || coalesce(r.owner_name, '') || '|' || coalesce(r.cccd, '') || '|' || coalesce(r.birth_year, '') "    \
	"|| '|' || coalesce(r.gender, '') || '|' || coalesce(r.gcn_serial, '') || '|' || coalesce(r.gcn_date, '') "    \
	"|| '|' || coalesce(r.last_change, '') || '|' || coalesce(r.pending_since, '') AS s FROM register_rows r "     \
	"WHERE r.commune = " k ".commune AND r.sheet = " k ".sheet AND r.parcel = " k ".parcel "                       \
	"ORDER BY r.source_row, r.id)), ''))"

/* td_state_hash(text): hex SHA-256 of the text. */
static void sql_state_hash(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	static const char hexdig[] = "0123456789abcdef";
	const unsigned char *s = sqlite3_value_text(argv[0]);
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];

	(void)argc;
	sha256_init(&h);
	if (s)
		sha256_update(&h, (size_t)sqlite3_value_bytes(argv[0]), s);
	sha256_digest(&h, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		hex[2 * i] = hexdig[d[i] >> 4];
		hex[2 * i + 1] = hexdig[d[i] & 15];
	}
	hex[sizeof(hex) - 1] = '\0';
	sqlite3_result_text(cx, hex, -1, SQLITE_TRANSIENT);
}

static td_status register_fn(td_ws *ws, td_error *err)
{
	sqlite3_stmt *st = NULL;

	/* Once per connection: SQLite refuses to replace a function while statements run. */
	if (sqlite3_prepare_v2(ws->db, "SELECT td_state_hash('')", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return TD_OK;
	}
	if (sqlite3_create_function(ws->db, "td_state_hash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    sql_state_hash, NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, "register td_state_hash", err);
	return TD_OK;
}

/* Run SQL without results; on failure the message names what, not the (long) SQL. */
static td_status exec(td_ws *ws, const char *what, const char *sql, td_error *err)
{
	if (sqlite3_exec(ws->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, what, err);
	return TD_OK;
}

static int have_tables(td_ws *ws)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	if (sqlite3_prepare_v2(ws->db,
			       "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
			       "AND name IN ('exceptions', 'finding_exceptions')",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n == 2;
}

td_status td_exception_schema(td_ws *ws, td_error *err)
{
	td_status rc = register_fn(ws, err);

	if (rc == TD_OK && !have_tables(ws))
		rc = exec(ws, "create exceptions tables", schema_sql, err);
	return rc;
}

td_status td_exception_mark(td_ws *ws, long *errors, long *warnings, td_error *err)
{
	static const char sql[] =
		"DELETE FROM finding_exceptions;"
		"WITH live AS MATERIALIZED (SELECT e.id, e.rule_id, e.commune, e.sheet, e.parcel "
		" FROM exceptions e WHERE " STATE_TEXT(
			"e") " = e.state_hash) "
			     "INSERT OR IGNORE INTO finding_exceptions (fid, exception_id) "
			     " SELECT f.fid, l.id FROM live l JOIN findings f ON f.commune = l.commune "
			     "  AND f.sheet = l.sheet AND f.parcel = l.parcel AND f.rule_id = l.rule_id "
			     " UNION ALL SELECT f.fid, l.id FROM live l JOIN findings f ON f.other_commune = l.commune "
			     "  AND f.other_sheet = l.sheet AND f.other_parcel = l.parcel AND f.rule_id = l.rule_id "
			     " ORDER BY 1, 2";
	sqlite3_stmt *st = NULL;
	td_status rc = td_exception_schema(ws, err);

	if (errors)
		*errors = 0;
	if (warnings)
		*warnings = 0;
	if (rc == TD_OK)
		rc = exec(ws, "mark accepted findings", sql, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT COALESCE(SUM(f.severity = 'error'), 0), COALESCE(SUM(f.severity = 'warning'), 0) "
			"FROM finding_exceptions x JOIN findings f USING (fid)",
			&st, err);
	if (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW) {
		if (errors)
			*errors = (long)sqlite3_column_int64(st, 0);
		if (warnings)
			*warnings = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc;
}

td_status td_exception_add(td_ws *ws, const char *rule, const char *commune, long sheet, long parcel,
			   const char *reason, long long *id, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc;
	int found = 0;

	if (!td_rule_find(rule))
		return td_error_set(err, TD_ERR_USAGE, "unknown rule '%s' (see 'thuadat check --list-rules')", rule);
	if (!reason || !reason[strspn(reason, " \t")])
		return td_error_set(err, TD_ERR_USAGE, "an exception needs a reason (--reason)");
	rc = td_exception_schema(ws, err);
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "SELECT EXISTS (SELECT 1 FROM findings WHERE rule_id = ?1 AND ((commune = ?2 AND "
				   "sheet = ?3 AND parcel = ?4) OR (other_commune = ?2 AND other_sheet = ?3 AND "
				   "other_parcel = ?4)))",
				   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, commune, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sheet);
		sqlite3_bind_int64(st, 4, parcel);
		found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
		if (!found)
			rc = td_error_set(err, TD_ERR_INPUT,
					  "parcel %s/%ld/%ld has no %s finding to accept (run 'thuadat check' first)",
					  commune, sheet, parcel, rule);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK)
		rc = td_ws_prepare(ws,
				   "WITH k(commune, sheet, parcel) AS (SELECT ?2, ?3, ?4) "
				   "SELECT e.id FROM exceptions e, k WHERE e.rule_id = ?1 AND "
				   "e.commune = k.commune AND e.sheet = k.sheet AND e.parcel = k.parcel AND "
				   "e.state_hash = " STATE_TEXT("k") " ORDER BY e.id LIMIT 1",
				   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, commune, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sheet);
		sqlite3_bind_int64(st, 4, parcel);
		if (sqlite3_step(st) == SQLITE_ROW) {
			/* Already accepted as it is: nothing to add. */
			if (id)
				*id = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			return TD_OK;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"WITH k(commune, sheet, parcel) AS (SELECT ?2, ?3, ?4) "
			"INSERT INTO exceptions (rule_id, commune, sheet, parcel, parcel_id, state_hash, reason, "
			"created_run, created_at, os_user) SELECT ?1, k.commune, k.sheet, k.parcel, "
			"(SELECT parcel_id FROM parcels p WHERE p.commune = k.commune AND p.sheet = k.sheet "
			"AND p.parcel = k.parcel ORDER BY p.fid LIMIT 1), " STATE_TEXT(
				"k") ", ?5, ?6, "
				     "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT os_user FROM runs WHERE id = ?6) "
				     "FROM k",
			&st, err);
	if (rc == TD_OK) {
		sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, commune, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sheet);
		sqlite3_bind_int64(st, 4, parcel);
		sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, ws->run_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "add exception", err);
		else if (id)
			*id = sqlite3_last_insert_rowid(ws->db);
	}
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = td_exception_mark(ws, NULL, NULL, err);
	return rc;
}

td_status td_exception_remove(td_ws *ws, long long id, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_exception_schema(ws, err);

	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "DELETE FROM exceptions WHERE id = ?1", &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "remove exception", err);
		else if (sqlite3_changes(ws->db) == 0)
			rc = td_error_set(err, TD_ERR_INPUT, "workspace '%s' has no exception %lld", ws->path, id);
	}
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = td_exception_mark(ws, NULL, NULL, err);
	return rc;
}

td_status td_exception_each(td_ws *ws, int (*fn)(const td_exception *e, void *arg), void *arg, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = register_fn(ws, err);
	int step;

	if (rc != TD_OK || !have_tables(ws))
		return rc;
	rc = td_ws_prepare(
		ws,
		"SELECT e.id, e.rule_id, e.commune, e.sheet, e.parcel, e.parcel_id, e.reason, e.created_at, "
		"e.os_user, " STATE_TEXT("e") " = e.state_hash, "
					      "(SELECT COUNT(*) FROM finding_exceptions x WHERE x.exception_id = e.id) "
					      "FROM exceptions e ORDER BY e.id",
		&st, err);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		td_exception e;
		e.id = sqlite3_column_int64(st, 0);
		e.rule_id = (const char *)sqlite3_column_text(st, 1);
		e.commune = (const char *)sqlite3_column_text(st, 2);
		e.sheet = (long)sqlite3_column_int64(st, 3);
		e.parcel = (long)sqlite3_column_int64(st, 4);
		e.parcel_id = (const char *)sqlite3_column_text(st, 5);
		e.reason = (const char *)sqlite3_column_text(st, 6);
		e.created_at = (const char *)sqlite3_column_text(st, 7);
		e.os_user = (const char *)sqlite3_column_text(st, 8);
		e.active = sqlite3_column_int(st, 9);
		e.findings = e.active ? (long)sqlite3_column_int64(st, 10) : 0;
		if (!fn(&e, arg))
			break;
	}
	if (rc == TD_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = td_ws_sqlerr(ws, "read exceptions", err);
	sqlite3_finalize(st);
	return rc;
}

int td_exception_parse_key(const char *text, char commune[16], long *sheet, long *parcel)
{
	const char *a = strchr(text, '/'), *b = a ? strchr(a + 1, '/') : NULL;
	char *end;
	size_t n = a ? (size_t)(a - text) : 0;

	if (!a || !b || n == 0 || n >= 16)
		return 0;
	memcpy(commune, text, n);
	commune[n] = '\0';
	*sheet = strtol(a + 1, &end, 10);
	if (end != b || *sheet < 0)
		return 0;
	*parcel = strtol(b + 1, &end, 10);
	return *end == '\0' && end != b + 1 && *parcel > 0;
}
