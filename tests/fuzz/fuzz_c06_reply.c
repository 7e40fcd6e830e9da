/*
 * Fuzz C06 reply reading (lib/reconcile.c): the input is a reply, CSV, XLSX
 * or XLS by its first bytes, reconciled against a workspace holding the demo
 * map and register (13 owners), so rows can match, conflict and correct.
 */
#include "fuzz.h"

#include "reconcile.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	fz_ws_template(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[32], path[4200];
	const char *files[1];
	td_reconcile_options o;
	td_reconcile_summary s;
	td_error err;
	td_status rc;
	td_ws *ws;

	snprintf(name, sizeof(name), "reply%s", fz_table_ext(data, size));
	snprintf(path, sizeof(path), "%s", fz_write(name, data, size));
	files[0] = path;
	td_reconcile_options_init(&o);
	o.replies = files;
	o.nreplies = 1;
	ws = fz_ws_fresh();
	td_error_init(&err);
	rc = fz_note("reconcile", td_reconcile_run(ws, &o, NULL, NULL, &s, &err), &err);
	if (rc != TD_OK && !err.msg[0])
		abort();
	if (rc == TD_OK &&
	    (s.nlisted < 0 || s.nlisted > TD_RECONCILE_LIST_MAX ||
	     s.matched + s.mismatched + s.not_found + s.unanswered + s.unmatched + s.conflicts != s.rows))
		abort(); /* every row read is counted once */
	td_reconcile_summary_release(&s);
	td_ws_close(ws);
	return 0;
}
