/*
 * Output files that are never half-written: data goes to a temporary file
 * in the target's directory, created with the final mode (0600 for files
 * with personal data), and is renamed onto the target only when complete.
 *
 *     td_outfile out;
 *     if (td_outfile_open(&out, "findings.csv", 0644, &err) != TD_OK) ...
 *     fprintf(out.fp, ...);                 (or write out.tmp_path by name)
 *     td_outfile_commit(&out, &err);        (or td_outfile_abort(&out))
 */
#ifndef TD_OUTFILE_H
#define TD_OUTFILE_H

#include "error.h"

#include <stdio.h>
#include <sys/types.h>

typedef struct td_outfile {
	FILE *fp;          /* open for writing; NULL after commit/abort */
	char path[TD_PATH_MAX];   /* the target */
	char tmp_path[TD_PATH_MAX];
} td_outfile;

/* Create the temporary file with mode (umask does not widen it). TD_ERR_IO names path. */
td_status td_outfile_open(td_outfile *out, const char *path, mode_t mode, td_error *err);

/*
 * Flush, fsync, close and rename onto the target. On failure the temporary
 * file is removed and TD_ERR_IO names the path (a full disk is caught here).
 */
td_status td_outfile_commit(td_outfile *out, td_error *err);

/*
 * For writers that open the file by name themselves (libxlsxwriter): close
 * our handle but keep the empty temporary file, with its mode, at tmp_path.
 */
td_status td_outfile_release_fp(td_outfile *out, td_error *err);

/* Remove the temporary file; safe to call twice or after commit. */
void td_outfile_abort(td_outfile *out);

/*
 * Create directory dir and its missing parents (like mkdir -p) with mode
 * 0700: the files put there hold personal data. dir is modified during the
 * call and restored. TD_ERR_IO naming the directory, also when dir exists
 * and is not a directory.
 */
td_status td_outfile_mkdir(char *dir, td_error *err);

#endif
