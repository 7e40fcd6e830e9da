/*
 * Status codes and the caller-owned error record used by every lib/ function.
 *
 * Functions return a td_status and, on failure, fill a td_error whose message
 * names the subject (file, line, record, feature):
 *
 *     td_error err;
 *     td_error_init(&err);
 *     if (td_ws_open(ctx, "ws.gpkg", TD_WS_WRITE, &ws, &err) != TD_OK)
 *         fprintf(stderr, "thuadat: %s\n", err.msg);
 *
 * The first failure wins: td_error_set() keeps an earlier message, so a
 * cleanup path that fails too cannot hide the cause.
 */
#ifndef TD_ERROR_H
#define TD_ERROR_H

#include <stddef.h>

/* The size of every buffer that holds a file path (messages name files, so errors need them too). */
#define TD_PATH_MAX 4200

/* Never renumber, never reuse a code: scripts and the exit-code map rely on them. */
typedef enum td_status {
	TD_OK = 0,
	TD_ERR_USAGE = 1,     /* bad option, bad profile or job file */
	TD_ERR_INPUT = 2,     /* unreadable or invalid input file */
	TD_ERR_WORKSPACE = 3, /* not a workspace, wrong schema version */
	TD_ERR_LOCKED = 4,    /* another writer holds the workspace */
	TD_ERR_IO = 5,        /* read/write failure on an output or the workspace */
	TD_ERR_NOMEM = 6,     /* allocation failed */
	TD_ERR_INTERNAL = 7,  /* a library (GDAL, GEOS, PROJ, SQLite) failed unexpectedly */
	TD_ERR_CANCELLED = 8  /* the progress callback asked to stop */
} td_status;

#define TD_ERROR_MSG_MAX 1024

typedef struct td_error {
	td_status code;
	char msg[TD_ERROR_MSG_MAX];
} td_error;

/* Set err to "no error". err may be NULL. */
void td_error_init(td_error *err);

/*
 * Record a failure and return code, so callers can write
 * `return td_error_set(err, TD_ERR_INPUT, "cannot open '%s': %s", p, why);`.
 * Keeps an earlier failure if one is recorded. err may be NULL.
 */
td_status td_error_set(td_error *err, td_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A short English description of a status code; never NULL. */
const char *td_strerror(td_status code);

/* Progress callback: done in [0,1]; msg may be NULL; return 0 to cancel. */
typedef int (*td_progress_fn)(double done, const char *msg, void *arg);

#endif
