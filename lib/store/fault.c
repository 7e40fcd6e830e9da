/*
 * A shim VFS over SQLite's default one that counts the workspace's writes
 * and syncs (or reads) and fails the chosen one, so tests can show that
 * every stage survives an I/O error or a full disk at any point: the stage
 * reports the error and the workspace stays as it was.
 */
#include "fault.h"

#ifdef TD_FAULT_INJECTION

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fault_file {
	sqlite3_file base;
	td_fault *f;
	sqlite3_file *real; /* follows this struct in the same allocation */
} fault_file;

#define REAL(p) (((fault_file *)(void *)(p))->real)

/* Whether this operation is the one to fail. */
static int fires(td_fault *f, int is_read)
{
	if (is_read != f->reads)
		return 0;
	f->count++;
	if (f->fail_at > 0 && f->count == f->fail_at) {
		f->fired = 1;
		return 1;
	}
	return 0;
}

static int x_close(sqlite3_file *p)
{
	int rc = REAL(p)->pMethods ? REAL(p)->pMethods->xClose(REAL(p)) : SQLITE_OK;
	return rc;
}

static int x_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off)
{
	if (fires(((fault_file *)(void *)p)->f, 1))
		return SQLITE_IOERR_READ;
	return REAL(p)->pMethods->xRead(REAL(p), buf, n, off);
}

static int x_write(sqlite3_file *p, const void *buf, int n, sqlite3_int64 off)
{
	td_fault *f = ((fault_file *)(void *)p)->f;

	if (fires(f, 0))
		return f->disk_full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return REAL(p)->pMethods->xWrite(REAL(p), buf, n, off);
}

static int x_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	return REAL(p)->pMethods->xTruncate(REAL(p), size);
}

static int x_sync(sqlite3_file *p, int flags)
{
	if (fires(((fault_file *)(void *)p)->f, 0))
		return SQLITE_IOERR_FSYNC;
	return REAL(p)->pMethods->xSync(REAL(p), flags);
}

static int x_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
	return REAL(p)->pMethods->xFileSize(REAL(p), size);
}

static int x_lock(sqlite3_file *p, int level)
{
	return REAL(p)->pMethods->xLock(REAL(p), level);
}

static int x_unlock(sqlite3_file *p, int level)
{
	return REAL(p)->pMethods->xUnlock(REAL(p), level);
}

static int x_check_reserved(sqlite3_file *p, int *out)
{
	return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out);
}

static int x_file_control(sqlite3_file *p, int op, void *arg)
{
	return REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}

static int x_sector_size(sqlite3_file *p)
{
	return REAL(p)->pMethods->xSectorSize(REAL(p));
}

static int x_device_characteristics(sqlite3_file *p)
{
	return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p));
}

/* WAL's shared-memory index and memory-mapped reads pass through uncounted. */
static int x_shm_map(sqlite3_file *p, int page, int size, int extend, void volatile **out)
{
	return REAL(p)->pMethods->xShmMap(REAL(p), page, size, extend, out);
}

static int x_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	return REAL(p)->pMethods->xShmLock(REAL(p), offset, n, flags);
}

static void x_shm_barrier(sqlite3_file *p)
{
	REAL(p)->pMethods->xShmBarrier(REAL(p));
}

static int x_shm_unmap(sqlite3_file *p, int del)
{
	return REAL(p)->pMethods->xShmUnmap(REAL(p), del);
}

static int x_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	return REAL(p)->pMethods->xFetch(REAL(p), off, n, out);
}

static int x_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr)
{
	return REAL(p)->pMethods->xUnfetch(REAL(p), off, ptr);
}

static const sqlite3_io_methods fault_methods = {3,
						 x_close,
						 x_read,
						 x_write,
						 x_truncate,
						 x_sync,
						 x_file_size,
						 x_lock,
						 x_unlock,
						 x_check_reserved,
						 x_file_control,
						 x_sector_size,
						 x_device_characteristics,
						 x_shm_map,
						 x_shm_lock,
						 x_shm_barrier,
						 x_shm_unmap,
						 x_fetch,
						 x_unfetch};

static int x_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	fault_file *ff = (fault_file *)(void *)file;
	int rc;

	memset(ff, 0, sizeof(*ff));
	ff->f = vfs->pAppData;
	ff->real = (sqlite3_file *)(void *)(ff + 1);
	rc = real->xOpen(real, name, ff->real, flags, out_flags);
	/* SQLite calls xClose only when pMethods is set, and then closes the real file through ours. */
	ff->base.pMethods = ff->real->pMethods ? &fault_methods : NULL;
	/* The default unix VFS gives version 3 methods; a shorter table would make SQLite call past it. */
	if (ff->real->pMethods && ff->real->pMethods->iVersion < 3) {
		ff->real->pMethods->xClose(ff->real);
		ff->base.pMethods = NULL;
		return SQLITE_CANTOPEN;
	}
	return rc;
}

static int x_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xDelete(real, name, sync_dir);
}

static int x_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xAccess(real, name, flags, out);
}

static int x_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xFullPathname(real, name, n, out);
}

/* Loading SpatiaLite goes through the VFS's dynamic-library calls. */
static void *x_dl_open(sqlite3_vfs *vfs, const char *name)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xDlOpen(real, name);
}

static void x_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	real->xDlError(real, n, msg);
}

static void (*x_dl_sym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xDlSym(real, lib, sym);
}

static void x_dl_close(sqlite3_vfs *vfs, void *lib)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	real->xDlClose(real, lib);
}

static int x_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xRandomness(real, n, out);
}

static int x_sleep(sqlite3_vfs *vfs, int us)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xSleep(real, us);
}

static int x_current_time(sqlite3_vfs *vfs, double *out)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xCurrentTime(real, out);
}

static int x_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	return real->xGetLastError ? real->xGetLastError(real, n, out) : 0;
}

const char *td_fault_vfs(td_fault *f)
{
	sqlite3_vfs *real, *v;

	if (f->vfs)
		return f->vfs_name;
	real = sqlite3_vfs_find(NULL);
	v = calloc(1, sizeof(*v));
	if (!real || !v) {
		free(v);
		return NULL;
	}
	snprintf(f->vfs_name, sizeof(f->vfs_name), "td-fault-%p", (void *)f);
	v->iVersion = 1;
	v->szOsFile = (int)sizeof(fault_file) + real->szOsFile;
	v->mxPathname = real->mxPathname;
	v->zName = f->vfs_name;
	v->pAppData = f;
	v->xOpen = x_open;
	v->xDelete = x_delete;
	v->xAccess = x_access;
	v->xFullPathname = x_full_pathname;
	v->xDlOpen = x_dl_open;
	v->xDlError = x_dl_error;
	v->xDlSym = x_dl_sym;
	v->xDlClose = x_dl_close;
	v->xRandomness = x_randomness;
	v->xSleep = x_sleep;
	v->xCurrentTime = x_current_time;
	v->xGetLastError = x_get_last_error;
	if (sqlite3_vfs_register(v, 0) != SQLITE_OK) {
		free(v);
		return NULL;
	}
	f->vfs = v;
	return f->vfs_name;
}

void td_fault_release(td_fault *f)
{
	if (!f || !f->vfs)
		return;
	sqlite3_vfs_unregister(f->vfs);
	free(f->vfs);
	f->vfs = NULL;
}

#else

const char *td_fault_vfs(td_fault *f)
{
	(void)f;
	return NULL;
}

void td_fault_release(td_fault *f)
{
	(void)f;
}

#endif
