#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void column(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	snprintf(buf, size, "%s", s ? (const char *)s : "");
}

static const char select_sql[] =
	"SELECT s.id, s.kind, s.path, s.reader, s.encoding, s.options, s.checksum, s.size, s.records, s.run_id, "
	"r.started_at FROM sources s LEFT JOIN runs r ON r.id = s.run_id";

static void read_info(sqlite3_stmt *st, td_source_info *s)
{
	s->id = sqlite3_column_int64(st, 0);
	column(st, 1, s->kind, sizeof(s->kind));
	column(st, 2, s->path, sizeof(s->path));
	column(st, 3, s->reader, sizeof(s->reader));
	column(st, 4, s->encoding, sizeof(s->encoding));
	column(st, 5, s->options, sizeof(s->options));
	column(st, 6, s->checksum, sizeof(s->checksum));
	s->size = sqlite3_column_int64(st, 7);
	s->records = sqlite3_column_int64(st, 8);
	s->run_id = sqlite3_column_int64(st, 9);
	column(st, 10, s->ingested, sizeof(s->ingested));
}

td_status td_sources_list(td_ws *ws, td_source_info **out, size_t *n, td_error *err)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	td_source_info *list = NULL;
	size_t cap = 0;
	int step;
	td_status rc;

	*out = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "%s ORDER BY s.id", select_sql);
	if ((rc = td_ws_prepare(ws, sql, &st, err)) != TD_OK)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			td_source_info *p = realloc(list, (cap = cap ? 2 * cap : 16) * sizeof(*p));
			if (!p) {
				rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
				break;
			}
			list = p;
		}
		read_info(st, &list[(*n)++]);
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "list sources", err);
	sqlite3_finalize(st);
	if (rc != TD_OK) {
		free(list);
		*n = 0;
		return rc;
	}
	*out = list;
	return TD_OK;
}

td_status td_sources_clear(td_ws *ws, long long id, const char *kind, td_error *err)
{
	static const struct {
		const char *kind, *table;
	} tables[] = {{"map", "parcels"},
		      {"map", "map_problems"},
		      {"register", "register_rows"},
		      {"boundaries", "communes"},
		      {"scans", "scans"}};
	char sql[128];
	td_status rc = TD_OK;

	for (size_t i = 0; rc == TD_OK && i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (strcmp(kind, tables[i].kind) != 0)
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE source_id = %lld", tables[i].table, id);
		rc = td_ws_exec(ws, sql, err);
	}
	/* The same rule as ingest: people only a removed register named, never verified, go. */
	if (rc == TD_OK && strcmp(kind, "register") == 0)
		rc = td_ws_exec(ws,
				"DELETE FROM owners WHERE verification = 'unverified' AND id NOT IN "
				"(SELECT owner_id FROM register_rows WHERE owner_id IS NOT NULL) "
				"AND id NOT IN (SELECT owner_id FROM owner_history)",
				err);
	return rc;
}

td_status td_sources_remove(td_ws *ws, long long id, td_source_info *info, td_error *err)
{
	char sql[512], json[1400];
	sqlite3_stmt *st = NULL;
	int found;
	td_status rc;

	memset(info, 0, sizeof(*info));
	snprintf(sql, sizeof(sql), "%s WHERE s.id = ?", select_sql);
	if ((rc = td_ws_prepare(ws, sql, &st, err)) != TD_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((found = sqlite3_step(st) == SQLITE_ROW))
		read_info(st, info);
	sqlite3_finalize(st);
	if (!found)
		return td_error_set(err, TD_ERR_USAGE, "the workspace has no source %lld (see 'thuadat sources WS')",
				    id);
	rc = td_ws_begin(ws, "sources", err);
	if (rc == TD_OK)
		rc = td_sources_clear(ws, id, info->kind, err);
	if (rc == TD_OK) {
		snprintf(sql, sizeof(sql), "DELETE FROM sources WHERE id = %lld", id);
		rc = td_ws_exec(ws, sql, err);
	}
	if (rc == TD_OK) {
		/* Paths are the user's own words; only the kind and counts go into the summary. */
		snprintf(json, sizeof(json),
			 "{\"command\":\"sources\",\"removed\":{\"id\":%lld,\"kind\":\"%s\",\"checksum\":\"%s\","
			 "\"records\":%lld}}",
			 id, info->kind, info->checksum, info->records);
		rc = td_ws_commit(ws, json, err);
	} else {
		td_ws_rollback(ws);
	}
	return rc;
}
