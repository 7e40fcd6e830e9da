/*
 * The workspace handle (td_ws) and the helpers every store module runs its
 * SQL through. Opening, closing and the stage life cycle are workspace.h.
 *
 *     sqlite3_stmt *st;
 *     if (td_ws_prepare(ws, "SELECT count(*) FROM parcels", &st, &err) != TD_OK) ...
 */
#ifndef TD_DB_H
#define TD_DB_H

#include "ctx.h"

#include <sqlite3.h>
#include <stdint.h>

typedef enum td_ws_mode { TD_WS_READ, TD_WS_WRITE } td_ws_mode;

struct td_ws;
struct td_outfile;

/*
 * Called by td_ws_commit inside the stage's transaction, just before
 * COMMIT: the place to write the stage's output files (td_ws_write_csv),
 * so that a full disk or a missing folder rolls the stage back instead of
 * failing after it committed. Returning non-OK rolls the stage back.
 */
typedef td_status (*td_ws_hook)(struct td_ws *ws, void *arg, td_error *err);

#define TD_WS_MAX_PENDING 8

typedef struct td_ws {
	td_ctx *ctx; /* not owned */
	sqlite3 *db;
	char *path;
	char *lock_path; /* NULL when opened for reading */
	int lock_fd;
	int srs_id;    /* srs_id of the layers */
	char *crs_wkt; /* the workspace CRS, WKT */
	char crs_name[128];
	int64_t run_id;                   /* the open stage's row in runs, 0 outside a stage */
	const char *invocation;           /* command line recorded in runs; set by the caller, not owned */
	char stage[32];                   /* the open stage's command, for its audit entry */
	struct td_audit_changes *changes; /* rows changed by the open stage (audit.c) */
	td_ws_hook before_commit;         /* set by the caller; NULL: none */
	void *before_commit_arg;
	/* Files written inside the open stage, renamed into place only once it committed. */
	struct td_outfile *pending[TD_WS_MAX_PENDING];
	int npending;
} td_ws;

/* Run SQL without results; on failure the message quotes what and SQLite's reason. */
td_status td_ws_exec(td_ws *ws, const char *sql, td_error *err);

/* Prepare one statement; finalize it with sqlite3_finalize. */
td_status td_ws_prepare(td_ws *ws, const char *sql, sqlite3_stmt **st, td_error *err);

/* Record SQLite's current error for what (e.g. "insert parcel") and return its status. */
td_status td_ws_sqlerr(td_ws *ws, const char *what, td_error *err);

/* Read a ws_meta value into buf (empty string if absent). */
td_status td_ws_meta(td_ws *ws, const char *key, char *buf, size_t size, td_error *err);

#endif
