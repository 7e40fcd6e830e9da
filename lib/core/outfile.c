#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

td_status td_outfile_open(td_outfile *out, const char *path, mode_t mode, td_error *err)
{
	int fd;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(out->path, sizeof(out->path), "%s", path) >= sizeof(out->path))
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", path);
	snprintf(out->tmp_path, sizeof(out->tmp_path), "%s.tmp-%ld", path, (long)getpid());
	fd = open(out->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return td_error_set(err, TD_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
	if (fchmod(fd, mode) != 0 || !(out->fp = fdopen(fd, "wb"))) {
		td_status rc = td_error_set(err, TD_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
		close(fd);
		unlink(out->tmp_path);
		out->tmp_path[0] = '\0';
		return rc;
	}
	return TD_OK;
}

td_status td_outfile_release_fp(td_outfile *out, td_error *err)
{
	int bad = fclose(out->fp) != 0;
	out->fp = NULL;
	if (bad) {
		td_outfile_abort(out);
		return td_error_set(err, TD_ERR_IO, "cannot write '%s': %s", out->path, strerror(errno));
	}
	return TD_OK;
}

td_status td_outfile_commit(td_outfile *out, td_error *err)
{
	int bad = 0;
	int fd;

	if (out->fp) {
		bad = fflush(out->fp) != 0 || ferror(out->fp) || fsync(fileno(out->fp)) != 0;
		bad |= fclose(out->fp) != 0;
		out->fp = NULL;
	} else if ((fd = open(out->tmp_path, O_RDONLY | O_CLOEXEC)) >= 0) {
		bad = fsync(fd) != 0;
		close(fd);
	} else {
		bad = 1;
	}
	if (bad || rename(out->tmp_path, out->path) != 0) {
		td_status rc = td_error_set(err, TD_ERR_IO, "cannot write '%s': %s", out->path, strerror(errno));
		td_outfile_abort(out);
		return rc;
	}
	out->tmp_path[0] = '\0';
	return TD_OK;
}

void td_outfile_abort(td_outfile *out)
{
	if (out->fp) {
		fclose(out->fp);
		out->fp = NULL;
	}
	if (out->tmp_path[0]) {
		unlink(out->tmp_path);
		out->tmp_path[0] = '\0';
	}
}

/* Like mkdir -p, with mode 0700 for what it creates: the files hold personal data. */
td_status td_outfile_mkdir(char *dir, td_error *err)
{
	struct stat st;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			td_status rc = td_error_set(err, TD_ERR_IO, "cannot create directory '%s': %s", dir,
						    strerror(errno));
			*p = '/';
			return rc;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return td_error_set(err, TD_ERR_IO, "cannot create directory '%s': %s", dir, strerror(errno));
	if (stat(dir, &st) != 0)
		return td_error_set(err, TD_ERR_IO, "cannot use output directory '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return td_error_set(err, TD_ERR_IO, "cannot use output directory '%s': not a directory", dir);
	return TD_OK;
}
