#include "classify.h"
#include "findings.h"
#include "grades.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static td_status require_fresh_findings(td_ws *ws, td_error *err)
{
	td_findings_state state;
	td_status rc = td_findings_state_get(ws, &state, err);

	if (rc == TD_OK && state == TD_FINDINGS_NONE)
		rc = td_error_set(err, TD_ERR_USAGE, "workspace '%s' has not been checked: run 'thuadat check' first",
				  ws->path);
	else if (rc == TD_OK && state == TD_FINDINGS_STALE)
		rc = td_error_set(err, TD_ERR_USAGE,
				  "workspace '%s' changed since the last check: run 'thuadat check' first", ws->path);
	return rc;
}

static td_status count_groups(td_ws *ws, td_classify_summary *sum, td_error *err)
{
	sqlite3_stmt *st = NULL;
	td_status rc = td_ws_prepare(ws,
				     "SELECT commune, SUM(grp = 1), SUM(grp = 2), SUM(grp = 3) FROM parcel_grade "
				     "GROUP BY commune ORDER BY commune",
				     &st, err);
	int step;

	while (rc == TD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		td_classify_commune *c, *grown = realloc(sum->communes, (size_t)(sum->ncommunes + 1) * sizeof(*c));
		if (!grown) {
			rc = td_error_set(err, TD_ERR_NOMEM, "out of memory");
			break;
		}
		sum->communes = grown;
		c = &sum->communes[sum->ncommunes++];
		memset(c, 0, sizeof(*c));
		snprintf(c->commune, sizeof(c->commune), "%s", (const char *)sqlite3_column_text(st, 0));
		for (int g = 1; g <= 3; g++) {
			c->group[g] = sqlite3_column_int64(st, g);
			sum->group[g] += c->group[g];
			sum->parcels += c->group[g];
		}
	}
	if (rc == TD_OK && step != SQLITE_DONE)
		rc = td_ws_sqlerr(ws, "count groups", err);
	sqlite3_finalize(st);
	return rc;
}

td_status td_classify_run(td_ws *ws, const td_rule_settings *rules, td_classify_summary *sum, td_error *err)
{
	td_status rc;

	memset(sum, 0, sizeof(*sum));
	rc = td_ws_begin(ws, "classify", err);
	if (rc == TD_OK)
		rc = require_fresh_findings(ws, err);
	if (rc == TD_OK)
		rc = td_grades_compute(ws, rules, err);
	if (rc == TD_OK)
		rc = count_groups(ws, sum, err);
	snprintf(sum->json, sizeof(sum->json),
		 "{\"command\":\"classify\",\"parcels\":%ld,\"group1\":%ld,\"group2\":%ld,\"group3\":%ld,"
		 "\"communes\":%d}",
		 sum->parcels, sum->group[1], sum->group[2], sum->group[3], sum->ncommunes);
	if (rc == TD_OK)
		rc = td_ws_commit(ws, sum->json, err);
	else
		td_ws_rollback(ws);
	return rc;
}

void td_classify_summary_release(td_classify_summary *sum)
{
	if (!sum)
		return;
	free(sum->communes);
	sum->communes = NULL;
	sum->ncommunes = 0;
}
