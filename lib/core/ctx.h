/*
 * The context every lib/ call takes first: library handles that must not be
 * shared between threads (GEOS, PROJ) and the resolved schemas/ directory.
 *
 *     td_ctx *ctx;
 *     if (td_ctx_new(NULL, &ctx, &err) != TD_OK) ...
 *     ...
 *     td_ctx_free(ctx);
 *
 * GDAL drivers must be registered by the program (GDALAllRegister in main).
 */
#ifndef TD_CTX_H
#define TD_CTX_H

#include "error.h"

#include <geos_c.h>
#include <proj.h>

/*
 * Fault injection, for tests (SQLite's sqlite3FaultSim): with td_ctx.fault
 * set, every workspace the context opens does its file I/O through a VFS
 * (store/fault.h) that counts writes and syncs (or reads) and fails the
 * fail_at-th one. Production code never sets it; builds without
 * TD_FAULT_INJECTION ignore it.
 */
typedef struct td_fault {
	long fail_at;  /* 1-based; 0 only counts */
	int reads;     /* fail a read instead of a write or sync */
	int disk_full; /* fail writes as a full disk (SQLITE_FULL), not an I/O error */
	long count;    /* operations of the kind seen so far */
	int fired;     /* the fault happened */
	void *vfs;     /* the registered VFS (store/fault.c); NULL until first use */
	char vfs_name[40];
} td_fault;

typedef struct td_ctx {
	td_fault *fault; /* NULL: no fault injection (not owned) */
	GEOSContextHandle_t geos;
	PJ_CONTEXT *proj;
	char schema_dir[TD_PATH_MAX];
	char geos_msg[512]; /* last GEOS error, for messages */
	char csv_sep; /* separator of the CSV files written: ',' (default) or ';' (Excel in a Vietnamese locale) */
} td_ctx;

/*
 * Create a context. schema_dir: where reference CSVs, profiles and
 * workspace.sql live; NULL picks $THUADAT_SCHEMA_DIR, then the copy
 * installed beside the executable (bin/../share/thuadat/schemas), then the
 * source tree's schemas/, then the compiled-in install path. Free with
 * td_ctx_free().
 */
td_status td_ctx_new(const char *schema_dir, td_ctx **out, td_error *err);

/* Accepts NULL. */
void td_ctx_free(td_ctx *ctx);

/* Fill path with schema_dir/name; TD_ERR_USAGE if it does not exist. */
td_status td_ctx_schema_file(const td_ctx *ctx, const char *name, char *path, size_t size, td_error *err);

/*
 * A profile or table the user names: a path (it holds a '/' or ends in ext)
 * is taken as it is, a bare name is schema_dir/dir/NAME.ext ("rules",
 * "campaign", ".ini" gives schemas/rules/campaign.ini). TD_ERR_USAGE if a
 * named file does not exist; a given path is left for its reader to open.
 */
td_status td_ctx_named_file(const td_ctx *ctx, const char *dir, const char *name, const char *ext, char *path,
			    size_t size, td_error *err);

#endif
