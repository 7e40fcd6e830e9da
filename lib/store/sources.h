/*
 * Every row of parcels, map_problems, register_rows, communes and scans
 * belongs to one source: the file (or DGN sheet, or scan folder) it was read
 * from. A source is known by its content (kind, CRC-32 and size) and the
 * options it was read with, not by its path (see ingest.h).
 *
 *     td_source_info *list = NULL;
 *     size_t n = 0;
 *     if (td_sources_list(ws, &list, &n, &err) == TD_OK)
 *         for (size_t i = 0; i < n; i++)
 *             printf("%lld %s %s %lld\n", list[i].id, list[i].kind, list[i].path, list[i].records);
 *     free(list);
 *
 *     td_sources_remove(ws, 3, &removed, &err);  (own transaction, audited)
 */
#ifndef TD_SOURCES_H
#define TD_SOURCES_H

#include "workspace.h"

typedef struct td_source_info {
	long long id;
	char kind[16]; /* map, register, boundaries, scans */
	char path[1024];
	char reader[32];   /* GDAL driver, DGN or folder */
	char encoding[32]; /* "" if not recorded */
	char options[512]; /* the reading options that are part of its identity; "" none */
	char checksum[9];
	long long size;
	long long records; /* parcels, rows, communes or files stored */
	long long run_id;  /* the ingest that read it */
	char ingested[32]; /* when, UTC, from runs */
} td_source_info;

/* Every source, by id, into *out (caller frees) and *n. */
td_status td_sources_list(td_ws *ws, td_source_info **out, size_t *n, td_error *err);

/*
 * Delete the rows source id of kind holds (a map: parcels and map problems;
 * a register: its rows, and the owners left without a register row, never
 * verified and without history; boundaries: communes; scans: scans) inside
 * the caller's open stage, keeping the source row.
 */
td_status td_sources_clear(td_ws *ws, long long id, const char *kind, td_error *err);

/*
 * Remove source id and its rows in a stage of its own ("sources", audited
 * like every change). *info gets what was removed. TD_ERR_USAGE for an id
 * the workspace does not have.
 */
td_status td_sources_remove(td_ws *ws, long long id, td_source_info *info, td_error *err);

#endif
