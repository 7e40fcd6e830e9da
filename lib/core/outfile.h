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
	FILE *fp;               /* open for writing; NULL after commit/abort */
	char path[TD_PATH_MAX]; /* the target */
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

/*
 * Flush, fsync and close the temporary file but do not rename it yet: for
 * a set of files renamed together once all are complete. A full disk is
 * caught here (TD_ERR_IO, the temporary file removed).
 */
td_status td_outfile_finish(td_outfile *out, td_error *err);

/* Remove the temporary file; safe to call twice or after commit. */
void td_outfile_abort(td_outfile *out);

/*
 * Create directory dir and its missing parents (like mkdir -p) with mode
 * 0700: the files put there hold personal data. dir is modified during the
 * call and restored. TD_ERR_IO naming the directory, also when dir exists
 * and is not a directory.
 */
td_status td_outfile_mkdir(char *dir, td_error *err);

/*
 * Whether folder dir exists and can be written, or could be created: its
 * nearest existing ancestor is a folder this process may write. For a
 * long stage to check its output folder before it starts, without
 * creating it. TD_ERR_IO naming the folder and why not.
 */
td_status td_outfile_check_dir(const char *dir, td_error *err);

/*
 * Remove what killed runs left in dir: temporary files "NAME.tmp-PID" and
 * staging folders ".thuadat-tmp-PID" whose process is gone. Best effort.
 */
void td_outfile_remove_stale(const char *dir);

/*
 * An output folder whose files appear all together or not at all: they
 * are written into a staging folder inside it and moved in by
 * td_outdir_commit.
 *
 *     td_outdir d;
 *     td_outdir_open(&d, "out/xlsx", &err);      (mkdir -p, leftovers removed)
 *     ... write files into d.stage ...
 *     td_outdir_commit(&d, &err);                (or td_outdir_abort(&d))
 */
typedef struct td_outdir {
	char dir[4096];   /* the output folder, without trailing '/' */
	char stage[4200]; /* dir/.thuadat-tmp-PID, mode 0700 */
	int open;         /* the staging folder exists */
} td_outdir;

/* Create dir (and parents, 0700), remove leftovers of killed runs, create the staging folder. TD_ERR_IO naming the
 * folder. */
td_status td_outdir_open(td_outdir *d, const char *dir, td_error *err);

/*
 * Move every file of the staging folder into dir (replacing files of the
 * same name), remove the withdrawn ones and remove the folder.
 */
td_status td_outdir_commit(td_outdir *d, td_error *err);

/*
 * Have td_outdir_commit remove dir/name (a file an earlier run wrote that
 * must go, like a list that would be sent again), together with moving the
 * new files in. TD_ERR_IO naming the staging folder.
 */
td_status td_outdir_withdraw(td_outdir *d, const char *name, td_error *err);

/* Remove the staging folder and its files; safe to call twice or after commit. */
void td_outdir_abort(td_outdir *d);

/* The name path would have in dir, for a path inside the staging folder (for messages); else path itself. */
const char *td_outdir_final(const td_outdir *d, const char *path, char *buf, size_t size);

#endif
