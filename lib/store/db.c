/*
 * The workspace handle's query helpers: everything a module that reads or
 * writes the store needs, apart from opening it and the stage life cycle
 * (workspace.c). audit.c and refdata.c use only this, so the life cycle can
 * use them without a circle.
 */
#include "db.h"

#include <stdio.h>

td_status td_ws_sqlerr(td_ws *ws, const char *what, td_error *err)
{
	int code = sqlite3_extended_errcode(ws->db) & 0xff;
	td_status st = (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_READONLY ||
			code == SQLITE_CANTOPEN)
			       ? TD_ERR_IO
		       : code == SQLITE_NOMEM ? TD_ERR_NOMEM
		       : code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? TD_ERR_WORKSPACE
									: TD_ERR_INTERNAL;
	return td_error_set(err, st, "workspace '%s': %s: %s", ws->path, what, sqlite3_errmsg(ws->db));
}

td_status td_ws_exec(td_ws *ws, const char *sql, td_error *err)
{
	if (sqlite3_exec(ws->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, sql, err);
	return TD_OK;
}

td_status td_ws_prepare(td_ws *ws, const char *sql, sqlite3_stmt **st, td_error *err)
{
	if (sqlite3_prepare_v2(ws->db, sql, -1, st, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, "prepare", err);
	return TD_OK;
}

td_status td_ws_meta(td_ws *ws, const char *key, char *buf, size_t size, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, "SELECT value FROM ws_meta WHERE key = ?", &st, err);

	buf[0] = '\0';
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return TD_OK;
}
