/*
 * The audit trail: one entry in audit_log per command that changed the
 * workspace, appended in the same transaction as the change, chained by
 * SHA-256 (nettle) so that an entry edited or removed afterwards is found.
 *
 * The workspace calls the writing half itself: td_ws_begin() starts
 * counting row changes (td_audit_track), td_ws_commit() appends the entry
 * (td_audit_append) and td_ws_create() writes the first one, for init. A
 * stage that reads an input file not recorded in `sources` names it with
 * td_audit_note_input() so the entry carries its checksum.
 *
 * Reading it:
 *
 *     td_audit_report rep;
 *     td_audit_verify(ws, &rep, &err);
 *     if (!rep.intact)
 *         for (int i = 0; i < rep.nproblems; i++)
 *             printf("entry %lld: %s\n", rep.problems[i].entry, rep.problems[i].what);
 *
 * The chain shows edits made with a database tool; someone who rewrites
 * every later entry and recomputes the hashes is not caught. Keep a copy of
 * the head hash (printed by `thuadat audit verify`) outside the workspace
 * to pin the trail up to that entry. docs/audit.md has the details.
 */
#ifndef TD_AUDIT_H
#define TD_AUDIT_H

#include "db.h"

#include <stdint.h>

/* One audit_log row. Strings may be NULL only where the column allows it (summary). */
typedef struct td_audit_entry {
	long long id;
	long long run_id; /* 0 when the entry has no run (init) */
	const char *time, *os_user, *command, *argv, *inputs, *changes, *summary, *prev_hash, *hash;
} td_audit_entry;

/*
 * Start counting the rows each table gains, changes and loses on ws's
 * connection (an SQLite pre-update hook), and forget inputs noted for an
 * earlier stage. Runs, audit_log, R-tree shadow tables and temporary tables
 * are not counted.
 */
td_status td_audit_track(td_ws *ws, td_error *err);

/* Stop counting and free the counts. Accepts a ws that is not tracking. */
void td_audit_untrack(td_ws *ws);

/*
 * Name an input file of the open stage that `sources` does not record
 * (e.g. a C06 reply), with its checksum, for the stage's audit entry.
 */
td_status td_audit_note_input(td_ws *ws, const char *kind, const char *path, const char *checksum, td_error *err);

/*
 * Append the entry of the open stage inside its transaction: run_id (0 for
 * none), the command and the command line (masked by the caller), the OS
 * user, the inputs (sources rows of run_id and noted inputs), the counted
 * changes and summary; then move the chain head in ws_meta.
 */
td_status td_audit_append(td_ws *ws, int64_t run_id, const char *command, const char *argv, const char *os_user,
			  const char *summary, td_error *err);

/* The hash an entry must carry: hex SHA-256 of its canonical serialization (docs/audit.md). */
void td_audit_hash(const td_audit_entry *e, char hex[65]);

/*
 * Call fn for each entry in id order; limit > 0 keeps only the last limit
 * entries. The entry's strings live until fn returns. fn returns 0 to stop.
 */
td_status td_audit_each(td_ws *ws, long limit, int (*fn)(const td_audit_entry *e, void *arg), void *arg, td_error *err);

#define TD_AUDIT_MAX_PROBLEMS 32

typedef struct td_audit_report {
	int intact;        /* 1 when no problem was found */
	long entries;      /* entries read */
	long long head_id; /* the last entry, as the chain head names it */
	char head_hash[65];
	long nproblems_total; /* problems found; the first TD_AUDIT_MAX_PROBLEMS are listed */
	int nproblems;
	struct {
		long long entry; /* the entry concerned; 0 for the trail as a whole */
		char what[256];
	} problems[TD_AUDIT_MAX_PROBLEMS];
} td_audit_report;

/*
 * Check the whole chain: ids without gaps from 1, each entry's hash over
 * its contents, each prev_hash equal to the previous hash, the last entry
 * equal to the chain head, and each entry's run still in runs. Problems
 * go to rep (the status is TD_OK even when the trail is broken).
 */
td_status td_audit_verify(td_ws *ws, td_audit_report *rep, td_error *err);

#endif
