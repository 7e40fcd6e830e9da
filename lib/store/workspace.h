/*
 * The workspace: one GeoPackage file holding every stage's input and output.
 *
 *     td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
 *     o.crs = "EPSG:9210";
 *     td_ws_create(ctx, "ws.gpkg", &o, &err);
 *
 *     td_ws *ws;
 *     td_ws_open(ctx, "ws.gpkg", TD_WS_WRITE, &ws, &err);
 *     ws->invocation = "thuadat check ws.gpkg";
 *     td_ws_begin(ws, "check", &err);
 *     ... writes ...
 *     td_ws_commit(ws, "{\"findings\":3}", &err);   (or td_ws_rollback)
 *     td_ws_close(ws);
 *
 * A writer holds an fcntl lock on "<path>.lock" for as long as the workspace
 * is open; a second writer fails at once with the holder's pid. Each stage's
 * changes, its row in `runs` and its entry in `audit_log` (audit.h) are one
 * SQLite transaction, so a killed process leaves the workspace as it was.
 * Command lines are stored with ID numbers masked.
 */
#ifndef TD_WORKSPACE_H
#define TD_WORKSPACE_H

#include "db.h"

#include <sys/types.h>

#define TD_SCHEMA_VERSION 3

typedef struct td_ws_create_options {
	const char *crs;        /* "EPSG:9210", or any CRS PROJ understands */
	const char *province;   /* province code from ref_provinces; used when crs is NULL */
	int force;              /* replace an existing file */
	const char *invocation; /* command line for the first audit entry; NULL: "init" */
} td_ws_create_options;
#define TD_WS_CREATE_OPTIONS_INIT                                                                                      \
	{                                                                                                              \
		NULL, NULL, 0, NULL                                                                                    \
	}

/*
 * Create a new workspace at path: schema, reference tables from schemas/ref,
 * CRS. Written to a temporary file and renamed, so path either does not
 * change or is a complete workspace. Exactly one of crs and province.
 */
td_status td_ws_create(td_ctx *ctx, const char *path, const td_ws_create_options *opts, td_error *err);

/*
 * Open an existing workspace. TD_ERR_INPUT if the file is missing,
 * TD_ERR_WORKSPACE if it is not a workspace of TD_SCHEMA_VERSION,
 * TD_ERR_LOCKED if mode is TD_WS_WRITE and another process writes it.
 * Close with td_ws_close().
 */
td_status td_ws_open(td_ctx *ctx, const char *path, td_ws_mode mode, td_ws **out, td_error *err);

/* Roll back an open stage, release the lock, free. Accepts NULL. */
void td_ws_close(td_ws *ws);

/*
 * Start a writing stage: BEGIN IMMEDIATE and a row in runs recording
 * command (the stage name) and ws->invocation (the command line).
 */
td_status td_ws_begin(td_ws *ws, const char *command, td_error *err);

/*
 * Finish the stage's runs row with summary (JSON text, may be NULL), append
 * the stage's audit entry (what it changed, its inputs) and COMMIT.
 */
td_status td_ws_commit(td_ws *ws, const char *summary, td_error *err);

/* Undo everything since td_ws_begin. Safe to call when no stage is open. */
void td_ws_rollback(td_ws *ws);

/*
 * Write the rows of one query as CSV to path, through a temporary file
 * (td_outfile) created with mode; inside a stage (from a before_commit
 * hook) the file is renamed into place only when the stage commits, and
 * removed when it rolls back. The CSV writer is csv.h's: a UTF-8
 * byte order mark, the context's separator (ctx->csv_sep), formula-like
 * text neutralised, REAL values rounded to 3 decimals. The header row is
 * the query's column names; NULL values are empty fields.
 */
td_status td_ws_write_csv(td_ws *ws, const char *sql, const char *path, mode_t mode, td_error *err);

/*
 * The distinct commune codes of parcels and of table (which has a column
 * commune), ascending, into *out (an array the caller frees) and *n, for
 * stages that work commune by commune. TD_ERR_INPUT for a code of more
 * than 15 bytes.
 */
td_status td_ws_communes(td_ws *ws, const char *table, char (**out)[16], size_t *n, td_error *err);

/*
 * Bulk loading a layer: inside a stage, drop the trigger that keeps the
 * layer's R-tree (rtree_<table>_geom) in step with inserts, so the loader
 * can insert each row's bounding box itself without SQL parsing the
 * geometry four times; td_ws_rtree_resume puts the trigger back. Updates
 * and deletes stay indexed by their triggers throughout.
 */
td_status td_ws_rtree_suspend(td_ws *ws, const char *table, td_error *err);
td_status td_ws_rtree_resume(td_ws *ws, const char *table, td_error *err);

#endif
