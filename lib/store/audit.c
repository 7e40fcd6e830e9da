/* Debian's SQLite has the pre-update hook; its header declares it only with this. */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include "audit.h"
#include "identity.h"
#include "strbuf.h"

#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char zero_hash[65] = "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- counting changes ---------------------------------------------- */

struct table_count {
	char name[64];
	long long n[3]; /* inserted, updated, deleted */
};

struct td_audit_changes {
	struct table_count *t;
	int n, cap, last;
	int failed; /* out of memory while counting: the entry says so */
};

static int counted(const char *db, const char *table)
{
	return strcmp(db, "main") == 0 && strcmp(table, "runs") != 0 && strcmp(table, "audit_log") != 0 &&
	       strncmp(table, "rtree_", 6) != 0 && strncmp(table, "sqlite_", 7) != 0;
}

static void on_change(void *arg, sqlite3 *db, int op, const char *zdb, const char *table, sqlite3_int64 k1,
		      sqlite3_int64 k2)
{
	struct td_audit_changes *c = arg;
	int i = c->last;

	(void)db, (void)k1, (void)k2;
	if (!counted(zdb, table))
		return;
	if (i >= c->n || strcmp(c->t[i].name, table) != 0)
		for (i = 0; i < c->n && strcmp(c->t[i].name, table) != 0; i++)
			;
	if (i == c->n) {
		if (c->n == c->cap) {
			int cap = c->cap ? 2 * c->cap : 16;
			struct table_count *grown = realloc(c->t, (size_t)cap * sizeof(*grown));
			if (!grown) {
				c->failed = 1;
				return;
			}
			c->t = grown;
			c->cap = cap;
		}
		memset(&c->t[i], 0, sizeof(c->t[i]));
		snprintf(c->t[i].name, sizeof(c->t[i].name), "%s", table);
		c->n++;
	}
	c->last = i;
	c->t[i].n[op == SQLITE_INSERT ? 0 : op == SQLITE_UPDATE ? 1 : 2]++;
}

td_status td_audit_track(td_ws *ws, td_error *err)
{
	td_audit_untrack(ws);
	ws->changes = calloc(1, sizeof(*ws->changes));
	if (!ws->changes)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	sqlite3_preupdate_hook(ws->db, on_change, ws->changes);
	return td_ws_exec(ws,
			  "CREATE TEMP TABLE IF NOT EXISTS audit_inputs (kind TEXT, path TEXT, checksum TEXT);"
			  "DELETE FROM temp.audit_inputs",
			  err);
}

void td_audit_untrack(td_ws *ws)
{
	if (!ws->changes)
		return;
	if (ws->db)
		sqlite3_preupdate_hook(ws->db, NULL, NULL);
	free(ws->changes->t);
	free(ws->changes);
	ws->changes = NULL;
}

td_status td_audit_note_input(td_ws *ws, const char *kind, const char *path, const char *checksum, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws, "INSERT INTO temp.audit_inputs VALUES (?, ?, ?)", &st, err);

	if (rc != TD_OK)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, checksum, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "note input", err);
	sqlite3_finalize(st);
	return rc;
}

static int cmp_count(const void *a, const void *b)
{
	return strcmp(((const struct table_count *)a)->name, ((const struct table_count *)b)->name);
}

/* {"owners":{"inserted":2,"updated":1,"deleted":0},...} in table order, tables with changes only. */
static void changes_json(struct td_audit_changes *c, td_strbuf *b)
{
	int first = 1;

	td_strbuf_str(b, "{");
	if (c && c->n)
		qsort(c->t, (size_t)c->n, sizeof(c->t[0]), cmp_count);
	for (int i = 0; c && i < c->n; i++) {
		td_strbuf_str(b, first ? "" : ",");
		td_strbuf_json(b, c->t[i].name);
		td_strbuf_fmt(b, ":{\"inserted\":%lld,\"updated\":%lld,\"deleted\":%lld}", c->t[i].n[0], c->t[i].n[1],
			      c->t[i].n[2]);
		first = 0;
	}
	if (c && c->failed)
		td_strbuf_fmt(b, "%s\"incomplete\":true", first ? "" : ",");
	td_strbuf_str(b, "}");
	if (c)
		c->last = 0;
}

/*
 * [{"kind":"register","path":"...","checksum":"..."}, ...]: sources of the
 * run, then noted inputs; ID numbers in paths masked, as in the command line.
 */
static td_status inputs_json(td_ws *ws, int64_t run_id, td_strbuf *b, td_error *err)
{
	char path[TD_PATH_MAX];
	sqlite3_stmt *st = NULL;
	int step, first = 1;
	td_status rc = td_ws_prepare(ws,
				     "SELECT kind, path, checksum FROM sources WHERE run_id = ?1 AND ?1 > 0 "
				     "UNION ALL SELECT kind, path, checksum FROM temp.audit_inputs",
				     &st, err);

	td_strbuf_str(b, "[");
	if (rc == TD_OK)
		sqlite3_bind_int64(st, 1, run_id);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		td_strbuf_str(b, first ? "{\"kind\":" : ",{\"kind\":");
		td_strbuf_json(b, (const char *)sqlite3_column_text(st, 0));
		td_strbuf_str(b, ",\"path\":");
		td_identity_mask_text((const char *)sqlite3_column_text(st, 1), path, sizeof(path));
		td_strbuf_json(b, path);
		td_strbuf_str(b, ",\"checksum\":");
		td_strbuf_json(b, (const char *)sqlite3_column_text(st, 2));
		td_strbuf_str(b, "}");
		first = 0;
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read the stage's inputs", err);
	sqlite3_finalize(st);
	td_strbuf_str(b, "]");
	return rc;
}

/* ---- hashing ------------------------------------------------------- */

static void hash_field(struct sha256_ctx *h, const char *s)
{
	char len[32];
	int n;

	if (!s) {
		sha256_update(h, 2, (const uint8_t *)"~\n");
		return;
	}
	n = snprintf(len, sizeof(len), "%zu:", strlen(s));
	sha256_update(h, (size_t)n, (const uint8_t *)len);
	sha256_update(h, strlen(s), (const uint8_t *)s);
	sha256_update(h, 1, (const uint8_t *)"\n");
}

void td_audit_hash(const td_audit_entry *e, char hex[65])
{
	struct sha256_ctx h;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char id[32], run[32];

	snprintf(id, sizeof(id), "%lld", e->id);
	snprintf(run, sizeof(run), "%lld", e->run_id);
	sha256_init(&h);
	hash_field(&h, id);
	hash_field(&h, e->run_id ? run : NULL);
	hash_field(&h, e->time);
	hash_field(&h, e->os_user);
	hash_field(&h, e->command);
	hash_field(&h, e->argv);
	hash_field(&h, e->inputs);
	hash_field(&h, e->changes);
	hash_field(&h, e->summary);
	hash_field(&h, e->prev_hash);
	sha256_digest(&h, SHA256_DIGEST_SIZE, digest);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* The chain head from ws_meta: "<id> <hash>"; id 0 and the zero hash when there is none. */
static td_status read_head(td_ws *ws, long long *id, char hash[65], int *present, td_error *err)
{
	char value[128];
	int n = 0;
	td_status rc = td_ws_meta(ws, "audit_head", value, sizeof(value), err);

	*id = 0;
	memcpy(hash, zero_hash, 65);
	*present = 0;
	if (rc != TD_OK || !value[0])
		return rc;
	if (sscanf(value, "%lld %64[0-9a-f]%n", id, hash, &n) == 2 && value[n] == '\0' && strlen(hash) == 64)
		*present = 1;
	else
		*id = -1; /* malformed */
	return TD_OK;
}

static void utc_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03dZ", sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

td_status td_audit_append(td_ws *ws, int64_t run_id, const char *command, const char *argv, const char *os_user,
			  const char *summary, td_error *err)
{
	td_strbuf inputs = TD_STRBUF_INIT, changes = TD_STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	td_audit_entry e;
	long long head_id;
	char prev[65], hash[65], now[32], head[96];
	int present;
	td_status rc = read_head(ws, &head_id, prev, &present, err);

	if (rc == TD_OK && head_id < 0)
		rc = td_error_set(err, TD_ERR_WORKSPACE,
				  "workspace '%s': the audit chain head is damaged; run 'thuadat audit verify'",
				  ws->path);
	if (rc == TD_OK)
		rc = inputs_json(ws, run_id, &inputs, err);
	if (rc != TD_OK)
		goto done;
	changes_json(ws->changes, &changes);
	if (inputs.failed || changes.failed) {
		rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
		goto done;
	}
	utc_now(now);
	e = (td_audit_entry){head_id + 1, run_id,    now,     os_user, command, argv,
			     inputs.p,    changes.p, summary, prev,    NULL};
	td_audit_hash(&e, hash);
	rc = td_ws_prepare(ws,
			   "INSERT INTO audit_log (id, run_id, time, os_user, command, argv, inputs, changes, summary, "
			   "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   &st, err);
	if (rc == TD_OK) {
		sqlite3_bind_int64(st, 1, e.id);
		if (run_id)
			sqlite3_bind_int64(st, 2, run_id);
		sqlite3_bind_text(st, 3, e.time, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, os_user, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, command, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, argv, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, inputs.p, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, changes.p, -1, SQLITE_STATIC);
		if (summary)
			sqlite3_bind_text(st, 9, summary, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, hash, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "append to the audit log", err);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == TD_OK)
		rc = td_ws_prepare(ws, "INSERT OR REPLACE INTO ws_meta (key, value) VALUES ('audit_head', ?)", &st,
				   err);
	if (rc == TD_OK) {
		snprintf(head, sizeof(head), "%lld %s", e.id, hash);
		sqlite3_bind_text(st, 1, head, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "move the audit chain head", err);
	}
	sqlite3_finalize(st);
	if (rc == TD_OK)
		rc = td_ws_exec(ws, "DELETE FROM temp.audit_inputs", err);
done:
	td_strbuf_release(&inputs);
	td_strbuf_release(&changes);
	return rc;
}

/* ---- reading ------------------------------------------------------- */

static const char *text_or_null(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void entry_from(sqlite3_stmt *st, td_audit_entry *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->run_id = sqlite3_column_int64(st, 1);
	e->time = text_or_null(st, 2);
	e->os_user = text_or_null(st, 3);
	e->command = text_or_null(st, 4);
	e->argv = text_or_null(st, 5);
	e->inputs = text_or_null(st, 6);
	e->changes = text_or_null(st, 7);
	e->summary = text_or_null(st, 8);
	e->prev_hash = text_or_null(st, 9);
	e->hash = text_or_null(st, 10);
}

#define ENTRY_COLUMNS "id, run_id, time, os_user, command, argv, inputs, changes, summary, prev_hash, hash"

td_status td_audit_each(td_ws *ws, long limit, int (*fn)(const td_audit_entry *e, void *arg), void *arg, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_audit_entry e;
	int step;
	td_status rc = td_ws_prepare(ws,
				     "SELECT " ENTRY_COLUMNS " FROM audit_log WHERE ?1 <= 0 OR id > "
				     "(SELECT COALESCE(MAX(id), 0) FROM audit_log) - ?1 ORDER BY id",
				     &st, err);

	if (rc != TD_OK)
		return rc;
	sqlite3_bind_int64(st, 1, limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		entry_from(st, &e);
		if (!fn(&e, arg))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read the audit log", err);
	sqlite3_finalize(st);
	return rc;
}

static void problem(td_audit_report *rep, long long entry, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void problem(td_audit_report *rep, long long entry, const char *fmt, ...)
{
	va_list ap;

	rep->intact = 0;
	rep->nproblems_total++;
	if (rep->nproblems == TD_AUDIT_MAX_PROBLEMS)
		return;
	rep->problems[rep->nproblems].entry = entry;
	va_start(ap, fmt);
	vsnprintf(rep->problems[rep->nproblems].what, sizeof(rep->problems[0].what), fmt, ap);
	va_end(ap);
	rep->nproblems++;
}

static void missing(td_audit_report *rep, long long from, long long to, const char *why)
{
	if (from == to)
		problem(rep, from, "entry %lld is missing (%s)", from, why);
	else
		problem(rep, from, "entries %lld to %lld are missing (%s)", from, to, why);
}

td_status td_audit_verify(td_ws *ws, td_audit_report *rep, td_error *err)
{
	sqlite3_stmt *st = NULL, *run = NULL;
	td_audit_entry e;
	long long expect = 1, last_id = 0, head_id;
	char prev[65], hash[65], head_hash[65];
	int step, present;
	td_status rc;

	memset(rep, 0, sizeof(*rep));
	rep->intact = 1;
	memcpy(prev, zero_hash, 65);
	rc = read_head(ws, &head_id, head_hash, &present, err);
	if (rc != TD_OK)
		return rc;
	if (sqlite3_prepare_v2(ws->db, "SELECT " ENTRY_COLUMNS " FROM audit_log ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK) {
		problem(rep, 0, "the audit log cannot be read: %s", sqlite3_errmsg(ws->db));
		sqlite3_finalize(st);
		return TD_OK;
	}
	rc = td_ws_prepare(ws, "SELECT command FROM runs WHERE id = ?", &run, err);
	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		entry_from(st, &e);
		rep->entries++;
		if (e.id != expect) {
			if (e.id > expect)
				missing(rep, expect, e.id - 1, "the next entry present is later");
			else
				problem(rep, e.id, "entry %lld is out of order", e.id);
		}
		td_audit_hash(&e, hash);
		if (!e.hash || strcmp(hash, e.hash) != 0)
			problem(rep, e.id,
				"entry %lld was changed after it was written: its contents do not match its hash",
				e.id);
		if (!e.prev_hash || strcmp(prev, e.prev_hash) != 0)
			problem(rep, e.id,
				"entry %lld does not follow the entry before it (%lld): that entry was changed, "
				"replaced "
				"or removed",
				e.id, last_id);
		if (e.run_id) {
			sqlite3_reset(run);
			sqlite3_bind_int64(run, 1, e.run_id);
			if (sqlite3_step(run) != SQLITE_ROW)
				problem(rep, e.id, "entry %lld: its run %lld is gone from the runs table", e.id,
					e.run_id);
			else if (!e.command || strcmp((const char *)sqlite3_column_text(run, 0), e.command) != 0)
				problem(rep, e.id, "entry %lld: its run %lld is now recorded as another command", e.id,
					e.run_id);
		}
		snprintf(prev, sizeof(prev), "%s", e.hash ? e.hash : "");
		last_id = e.id;
		expect = e.id + 1;
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "read the audit log", err);
	sqlite3_finalize(st);
	sqlite3_finalize(run);
	st = NULL;
	/*
	 * Every run commits with its entry: a run without one lost it. Runs a
	 * merge carried over from its inputs (ids below the merge's run) have
	 * their entries in the inputs' own trails.
	 */
	if (rc == TD_OK)
		rc = td_ws_prepare(
			ws,
			"SELECT id, command FROM runs WHERE id NOT IN (SELECT run_id FROM audit_log "
			"WHERE run_id IS NOT NULL) AND id >= coalesce((SELECT min(run_id) FROM merge_inputs), 0) "
			"ORDER BY id",
			&st, err);
	while (rc == TD_OK && sqlite3_step(st) == SQLITE_ROW)
		problem(rep, 0, "run %lld (%s) has no audit entry: its entry was removed",
			(long long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (rc != TD_OK)
		return rc;
	if (head_id < 0)
		problem(rep, 0, "the chain head (ws_meta 'audit_head') is damaged");
	else if (!present)
		problem(rep, 0, "the chain head (ws_meta 'audit_head') is missing");
	else if (head_id > last_id)
		missing(rep, last_id + 1, head_id, "the chain head names a later entry");
	else if (head_id < last_id)
		problem(rep, head_id + 1, "entry %lld was added outside thuadat: the chain head names entry %lld",
			head_id + 1, head_id);
	else if (strcmp(head_hash, prev) != 0)
		problem(rep, last_id, "entry %lld does not match the chain head: it was changed or replaced", last_id);
	rep->head_id = present ? head_id : last_id;
	snprintf(rep->head_hash, sizeof(rep->head_hash), "%s", present ? head_hash : prev);
	return TD_OK;
}
