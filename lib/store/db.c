/*
 * The workspace handle's query helpers: everything a module that reads or
 * writes the store needs, apart from opening it and the stage life cycle
 * (workspace.c). audit.c and refdata.c use only this, so the life cycle can
 * use them without a circle.
 */
#include "db.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Who holds SQLite's lock on a workspace, for "database is locked": the
 * first other process with a POSIX lock on the file (rollback journal) or
 * on its "-shm" file (WAL), named by /proc/PID/comm, into buf; empty when
 * none is found. Read from /proc/locks: opening and closing the file here
 * would drop the locks SQLite holds for this process.
 */
static void lock_holder(const char *path, char *buf, size_t size)
{
	static const char *const suffixes[] = {"", "-shm"};
	char file[TD_PATH_MAX], line[256], comm[64] = "";
	unsigned long inode[2] = {0, 0};
	struct stat st;
	FILE *f;

	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		if (stat(file, &st) == 0)
			inode[i] = (unsigned long)st.st_ino;
	}
	if (!(f = fopen("/proc/locks", "r")))
		return;
	while (!buf[0] && fgets(line, sizeof(line), f)) {
		unsigned long ino;
		unsigned int major, minor;
		long pid;
		char *p = strstr(line, "POSIX");
		/* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 1073741824 1073741824" */
		if (!p || sscanf(p, "POSIX %*s %*s %ld %x:%x:%lu", &pid, &major, &minor, &ino) != 4 ||
		    pid == (long)getpid() || ino == 0 || (ino != inode[0] && ino != inode[1]))
			continue;
		snprintf(file, sizeof(file), "/proc/%ld/comm", pid);
		FILE *c = fopen(file, "r");
		if (c) {
			if (fgets(comm, sizeof(comm), c))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(c);
		}
		snprintf(buf, size, "%s%spid %ld", comm, comm[0] ? ", " : "", pid);
	}
	fclose(f);
}

/* The error for a workspace another program keeps busy (QGIS editing it, a sqlite3 shell in a transaction). */
static td_status busy_error(td_ws *ws, const char *what, td_error *err)
{
	char holder[128];

	lock_holder(ws->path, holder, sizeof(holder));
	return td_error_set(err, TD_ERR_LOCKED,
			    "workspace '%s': %s: the file is locked by another program%s%s%s; "
			    "close it there (in QGIS: save or stop editing the layer) and run again",
			    ws->path, what, holder[0] ? " (" : "", holder, holder[0] ? ")" : "");
}

td_status td_ws_sqlerr(td_ws *ws, const char *what, td_error *err)
{
	int code = sqlite3_extended_errcode(ws->db) & 0xff;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return busy_error(ws, what, err);
	if (sqlite3_extended_errcode(ws->db) == SQLITE_READONLY_ROLLBACK)
		return td_error_set(err, TD_ERR_IO,
				    "workspace '%s': a write that was interrupted (a killed or crashed run) must be "
				    "rolled back first, and this user may not write the file: run any writing "
				    "command on it, e.g. 'thuadat check %s', as a user who may",
				    ws->path, ws->path);
	td_status st =
		(code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_READONLY || code == SQLITE_CANTOPEN)
			? TD_ERR_IO
		: code == SQLITE_NOMEM                            ? TD_ERR_NOMEM
		: code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? TD_ERR_WORKSPACE
								  : TD_ERR_INTERNAL;
	return td_error_set(err, st, "workspace '%s': %s: %s", ws->path, what, sqlite3_errmsg(ws->db));
}

td_status td_ws_exec(td_ws *ws, const char *sql, td_error *err)
{
	if (sqlite3_exec(ws->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, sql, err);
	return TD_OK;
}

td_status td_ws_prepare(td_ws *ws, const char *sql, sqlite3_stmt **st, td_error *err)
{
	if (sqlite3_prepare_v2(ws->db, sql, -1, st, NULL) != SQLITE_OK)
		return td_ws_sqlerr(ws, "prepare", err);
	return TD_OK;
}

td_status td_ws_meta(td_ws *ws, const char *key, char *buf, size_t size, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, "SELECT value FROM ws_meta WHERE key = ?", &st, err);

	buf[0] = '\0';
	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return TD_OK;
}
