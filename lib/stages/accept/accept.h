/*
 * accept: the contractor acceptance gate. After check and classify, decide
 * whether a delivery meets the profile's thresholds ([accept] section):
 * at most max_errors error-level findings and at most
 * max_outside_group1_percent of the parcels in group 2 or 3.
 */
#ifndef TD_ACCEPT_H
#define TD_ACCEPT_H

#include "rules.h"
#include "workspace.h"

#define TD_ACCEPT_TOP 10

typedef struct td_accept_result {
	long errors;         /* error-level findings */
	long parcels;        /* graded parcels */
	long outside_group1; /* parcels in group 2 or 3 */
	double outside_percent;
	int errors_ok, groups_ok; /* each threshold met (or not set) */
	int accepted;
	int ntop;
	struct {
		char rule[32];
		long count;
	} top[TD_ACCEPT_TOP]; /* error-level findings per rule, most first */
} td_accept_result;

/* Read the counts from the last check and classify and compare them with rules. */
td_status td_accept_evaluate(td_ws *ws, const td_rule_settings *rules, td_accept_result *res, td_error *err);

#endif
