/*
 * The audit trail: the hash of fixed entries (expected values computed with
 * sha256sum over the serialization docs/audit.md gives), entries appended
 * by init and by a stage with their counted changes and noted inputs,
 * nothing left by a rolled-back stage, and verify's verdicts.
 */
#include "audit.h"
#include "tap.h"
#include "workspace.h"

#include <gdal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void test_hash(void)
{
	char hex[65];
	td_audit_entry first = {1,
				0,
				"2026-11-01T08:00:00.000Z",
				"cuong",
				"init",
				"thuadat init",
				"[]",
				"{}",
				NULL,
				"0000000000000000000000000000000000000000000000000000000000000000",
				NULL};
	td_audit_entry second = {2,
				 7,
				 "2026-11-01T08:00:01.000Z",
				 "Cường",
				 "check",
				 "thuadat check",
				 "[{\"kind\":\"map\",\"path\":\"a.gpkg\",\"checksum\":\"1234abcd\"}]",
				 "{}",
				 "{\"errors\":0}",
				 "abc",
				 NULL};

	td_audit_hash(&first, hex);
	CHECK_STR("fa906778d6ce5ac4b1ad903021fcaf6a50624b3272cc7ddb7c2a9f43d8553840", hex);
	/* Lengths are in bytes (Cường is 8), run_id and summary present. */
	td_audit_hash(&second, hex);
	CHECK_STR("80579bcbab7d2b262fb0e8815e1039ccb3d78be14779459919f34eba1cbc89ca", hex);
	/* Any field changes the hash; NULL is not the empty string. */
	second.summary = "";
	td_audit_hash(&second, hex);
	CHECK(strcmp(hex, "80579bcbab7d2b262fb0e8815e1039ccb3d78be14779459919f34eba1cbc89ca") != 0);
}

static long long count(td_ws *ws, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char *text(td_ws *ws, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void test_trail(td_ctx *ctx, const char *dir)
{
	td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
	td_audit_report rep;
	td_error err;
	td_ws *ws = NULL;
	char path[4200], buf[1024];

	snprintf(path, sizeof(path), "%s/ws.gpkg", dir);
	unlink(path);
	o.crs = "EPSG:9210";
	o.invocation = "thuadat init ws.gpkg --crs EPSG:9210 # 031185001234";
	td_error_init(&err);
	CHECK_INT(TD_OK, td_ws_create(ctx, path, &o, &err));
	CHECK_INT(TD_OK, td_ws_open(ctx, path, TD_WS_WRITE, &ws, &err));
	if (!ws)
		return;
	CHECK_INT(1, count(ws, "SELECT COUNT(*) FROM audit_log"));
	CHECK_STR("init|thuadat init ws.gpkg --crs EPSG:9210 # 031*******34|[]",
		  text(ws,
		       "SELECT command || '|' || argv || '|' || inputs FROM audit_log WHERE id = 1 AND run_id IS NULL",
		       buf, sizeof(buf)));

	/* A stage: its changes counted per table, the noted input listed. */
	ws->invocation = "thuadat test";
	CHECK_INT(TD_OK, td_ws_begin(ws, "test", &err));
	CHECK_INT(TD_OK, td_ws_exec(ws,
				    "INSERT INTO owners (person_key, name) VALUES ('name:a|', 'A'), ('name:b|', 'B');"
				    "UPDATE owners SET gender = 'Nam';"
				    "DELETE FROM owners WHERE name = 'B';"
				    "DELETE FROM ref_landuse",
				    &err));
	CHECK_INT(TD_OK, td_audit_note_input(ws, "c06_reply", "tra-loi.xlsx", "0badf00d", &err));
	CHECK_INT(TD_OK, td_ws_commit(ws, "{\"n\":1}", &err));
	CHECK_STR("{\"owners\":{\"inserted\":2,\"updated\":2,\"deleted\":1},"
		  "\"ref_landuse\":{\"inserted\":0,\"updated\":0,\"deleted\":53}}",
		  text(ws, "SELECT changes FROM audit_log WHERE id = 2", buf, sizeof(buf)));
	CHECK_STR("[{\"kind\":\"c06_reply\",\"path\":\"tra-loi.xlsx\",\"checksum\":\"0badf00d\"}]",
		  text(ws, "SELECT inputs FROM audit_log WHERE id = 2", buf, sizeof(buf)));
	CHECK_STR("test|thuadat test|{\"n\":1}", text(ws,
						      "SELECT a.command || '|' || a.argv || '|' || a.summary FROM "
						      "audit_log a JOIN runs r ON r.id = a.run_id "
						      "WHERE a.id = 2",
						      buf, sizeof(buf)));

	/* A stage rolled back leaves no entry, and its noted inputs go with it. */
	CHECK_INT(TD_OK, td_ws_begin(ws, "test", &err));
	CHECK_INT(TD_OK, td_audit_note_input(ws, "c06_reply", "x.csv", "00000000", &err));
	td_ws_rollback(ws);
	CHECK_INT(TD_OK, td_ws_begin(ws, "test", &err));
	CHECK_INT(TD_OK, td_ws_commit(ws, NULL, &err));
	CHECK_STR("[]|{}|", text(ws,
				 "SELECT inputs || '|' || changes || '|' || coalesce(summary, '') FROM audit_log "
				 "WHERE id = 3",
				 buf, sizeof(buf)));
	CHECK_INT(3, count(ws, "SELECT COUNT(*) FROM audit_log"));

	CHECK_INT(TD_OK, td_audit_verify(ws, &rep, &err));
	CHECK_INT(1, rep.intact);
	CHECK_INT(3, rep.entries);
	CHECK_INT(3, rep.head_id);
	CHECK_STR(text(ws, "SELECT hash FROM audit_log WHERE id = 3", buf, sizeof(buf)), rep.head_hash);

	/* Edits found, named. */
	CHECK_INT(TD_OK, td_ws_exec(ws, "UPDATE audit_log SET inputs = '[]' WHERE id = 2", &err));
	CHECK_INT(TD_OK, td_audit_verify(ws, &rep, &err));
	CHECK_INT(0, rep.intact);
	CHECK_INT(1, rep.nproblems);
	CHECK_INT(2, rep.problems[0].entry);
	CHECK_STR("entry 2 was changed after it was written: its contents do not match its hash", rep.problems[0].what);

	/* A damaged chain head stops the next stage rather than chaining to nothing. */
	CHECK_INT(TD_OK, td_ws_exec(ws, "UPDATE ws_meta SET value = 'x' WHERE key = 'audit_head'", &err));
	CHECK_INT(TD_OK, td_ws_begin(ws, "test", &err));
	CHECK_INT(TD_ERR_WORKSPACE, td_ws_commit(ws, NULL, &err));
	CHECK(strstr(err.msg, "the audit chain head is damaged") != NULL);
	CHECK_INT(3, count(ws, "SELECT COUNT(*) FROM audit_log"));
	CHECK_INT(TD_OK, td_audit_verify(ws, &rep, &err));
	CHECK_STR("the chain head (ws_meta 'audit_head') is damaged", rep.problems[rep.nproblems - 1].what);
	td_ws_close(ws);
}

int main(void)
{
	td_ctx *ctx = NULL;
	td_error err;

	GDALAllRegister();
	td_error_init(&err);
	test_hash();
	CHECK_INT(TD_OK, td_ctx_new(TD_SCHEMAS, &ctx, &err));
	if (ctx)
		test_trail(ctx, tap_tmpdir("audit"));
	td_ctx_free(ctx);
	return tap_done();
}
