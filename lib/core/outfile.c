#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

td_status td_outfile_finish(td_outfile *out, td_error *err)
{
	int bad;

	if (!out->fp)
		return TD_OK;
	bad = fflush(out->fp) != 0 || ferror(out->fp) || fsync(fileno(out->fp)) != 0;
	bad |= fclose(out->fp) != 0;
	out->fp = NULL;
	if (bad) {
		td_status rc = td_error_set(err, TD_ERR_IO, "cannot write '%s': %s", out->path, strerror(errno));
		td_outfile_abort(out);
		return rc;
	}
	return TD_OK;
}

td_status td_outfile_commit(td_outfile *out, td_error *err)
{
	int bad = 0;
	int fd;

	if (!out->tmp_path[0])
		return td_error_set(err, TD_ERR_IO, "cannot write '%s'", out->path);
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
			td_status rc =
				td_error_set(err, TD_ERR_IO, "cannot create directory '%s': %s", dir, strerror(errno));
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

td_status td_outfile_check_dir(const char *dir, td_error *err)
{
	char probe[4096];
	struct stat st;
	size_t n;

	if ((n = (size_t)snprintf(probe, sizeof(probe), "%s", dir)) >= sizeof(probe))
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", dir);
	for (;;) {
		char *slash;
		if (stat(probe, &st) == 0)
			break;
		/* ENOTDIR: a file on the way; the walk up finds it and says so. */
		if (errno != ENOENT && errno != ENOTDIR)
			return td_error_set(err, TD_ERR_IO, "cannot use output folder '%s': %s", dir, strerror(errno));
		while (n > 1 && probe[n - 1] == '/')
			probe[--n] = '\0';
		slash = strrchr(probe, '/');
		if (!slash) {
			snprintf(probe, sizeof(probe), ".");
			continue;
		}
		*(slash == probe ? slash + 1 : slash) = '\0';
		n = strlen(probe);
	}
	if (!S_ISDIR(st.st_mode))
		return td_error_set(err, TD_ERR_IO, "cannot use output folder '%s': '%s' is not a folder", dir, probe);
	if (access(probe, W_OK | X_OK) != 0)
		return td_error_set(err, TD_ERR_IO, "cannot use output folder '%s': '%s': %s", dir, probe,
				    strerror(errno));
	return TD_OK;
}

/* The pid in a leftover's name, "NAME.tmp-PID" or ".thuadat-tmp-PID"; 0 if it is not one. */
static long leftover_pid(const char *name)
{
	/* Only the kinds of file thuadat writes: a user's own "notes.tmp-12" is not ours to remove. */
	static const char *const kinds[] = {".csv", ".xlsx", ".xls", ".html", ".json", ".gpkg"};
	const char *p = NULL, *q;
	char *end;
	long pid;
	int ours = 0;

	if (strncmp(name, ".thuadat-tmp-", 13) == 0) {
		p = name + 13;
		ours = 1;
	} else {
		for (q = name; (q = strstr(q, ".tmp-")) != NULL; q++)
			p = q + 5; /* the last ".tmp-" counts */
		for (size_t i = 0; p && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			size_t k = strlen(kinds[i]);
			if ((size_t)(p - 5 - name) > k && strncmp(p - 5 - k, kinds[i], k) == 0)
				ours = 1;
		}
	}
	if (!ours || !p || *p < '0' || *p > '9')
		return 0;
	pid = strtol(p, &end, 10);
	return *end == '\0' && pid > 0 ? pid : 0;
}

static void remove_tree(const char *path)
{
	char sub[4600];
	struct dirent *e;
	DIR *d = opendir(path);

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

void td_outfile_remove_stale(const char *dir)
{
	char path[4600];
	struct dirent *e;
	DIR *d = opendir(dir && *dir ? dir : ".");

	while (d && (e = readdir(d)) != NULL) {
		long pid = leftover_pid(e->d_name);
		/* Only the files of a process that is gone: another run may be writing now. */
		if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : ".", e->d_name);
		if (e->d_name[0] == '.')
			remove_tree(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
}

td_status td_outdir_open(td_outdir *d, const char *dir, td_error *err)
{
	size_t len;
	td_status rc;

	memset(d, 0, sizeof(*d));
	if (!dir || !*dir)
		return td_error_set(err, TD_ERR_USAGE, "no output folder given");
	if ((len = (size_t)snprintf(d->dir, sizeof(d->dir), "%s", dir)) >= sizeof(d->dir) - 32)
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s'", dir);
	while (len > 1 && d->dir[len - 1] == '/')
		d->dir[--len] = '\0';
	rc = td_outfile_mkdir(d->dir, err);
	if (rc != TD_OK)
		return rc;
	td_outfile_remove_stale(d->dir);
	snprintf(d->stage, sizeof(d->stage), "%s/.thuadat-tmp-%ld", d->dir, (long)getpid());
	remove_tree(d->stage);
	if (mkdir(d->stage, 0700) != 0)
		return td_error_set(err, TD_ERR_IO, "cannot write into folder '%s': %s", d->dir, strerror(errno));
	d->open = 1;
	return TD_OK;
}

/* The marker in the staging folder of a file to remove at commit: WITHDRAWN + its name. */
#define WITHDRAWN ".withdraw-"

td_status td_outdir_withdraw(td_outdir *d, const char *name, td_error *err)
{
	char marker[4600];
	int fd;

	if (strchr(name, '/'))
		return td_error_set(err, TD_ERR_INTERNAL, "'%s' is not a file name", name);
	snprintf(marker, sizeof(marker), "%s/" WITHDRAWN "%s", d->stage, name);
	fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return td_error_set(err, TD_ERR_IO, "cannot write into folder '%s': %s", d->dir, strerror(errno));
	close(fd);
	return TD_OK;
}

td_status td_outdir_commit(td_outdir *d, td_error *err)
{
	char from[4600], to[4600];
	struct dirent *e;
	td_status rc = TD_OK;
	DIR *dp;

	if (!d->open)
		return td_error_set(err, TD_ERR_INTERNAL, "output folder '%s' is not open", d->dir);
	dp = opendir(d->stage);
	if (!dp)
		return td_error_set(err, TD_ERR_IO, "cannot read '%s': %s", d->stage, strerror(errno));
	while (rc == TD_OK && (e = readdir(dp)) != NULL) {
		if (strncmp(e->d_name, WITHDRAWN, sizeof(WITHDRAWN) - 1) == 0) {
			snprintf(to, sizeof(to), "%s/%s", d->dir, e->d_name + sizeof(WITHDRAWN) - 1);
			if (unlink(to) != 0 && errno != ENOENT)
				rc = td_error_set(err, TD_ERR_IO, "cannot remove '%s': %s", to, strerror(errno));
			continue;
		}
		if (e->d_name[0] == '.' || leftover_pid(e->d_name))
			continue;
		snprintf(from, sizeof(from), "%s/%s", d->stage, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", d->dir, e->d_name);
		if (rename(from, to) != 0)
			rc = td_error_set(err, TD_ERR_IO, "cannot write '%s': %s", to, strerror(errno));
	}
	closedir(dp);
	td_outdir_abort(d);
	return rc;
}

void td_outdir_abort(td_outdir *d)
{
	if (d->open) {
		remove_tree(d->stage);
		d->open = 0;
	}
}

const char *td_outdir_final(const td_outdir *d, const char *path, char *buf, size_t size)
{
	size_t n = strlen(d->stage);

	if (n && strncmp(path, d->stage, n) == 0 && path[n] == '/') {
		snprintf(buf, size, "%s%s", d->dir, path + n);
		return buf;
	}
	return path;
}
