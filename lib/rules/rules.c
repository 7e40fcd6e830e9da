#include "rules.h"
#include "date.h"
#include "ini.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TD_RULE_ENTRY(id, criterion, severity, group, summary)                                                         \
	{TD_RULE_##id, #id, criterion, TD_SEV_##severity, group, summary},
static const td_rule catalogue[TD_RULE_COUNT] = {TD_FOREACH_RULE(TD_RULE_ENTRY)};
#undef TD_RULE_ENTRY

const td_rule *td_rule_get(td_rule_id id)
{
	return id < TD_RULE_COUNT ? &catalogue[id] : NULL;
}

const td_rule *td_rule_find(const char *code)
{
	for (int i = 0; i < TD_RULE_COUNT; i++)
		if (strcmp(catalogue[i].code, code) == 0)
			return &catalogue[i];
	return NULL;
}

/*
 * Default area tolerances by parcel size. The official formula depends on
 * map scale and survey method and is not settled for every source [U]:
 * these bands are a conservative default that a profile overrides.
 */
void td_rule_settings_init(td_rule_settings *s)
{
	static const td_area_band bands[] = {{100, 0.05}, {500, 0.03}, {2000, 0.02}, {0, 0.01}};

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < TD_RULE_COUNT; i++) {
		s->severity[i] = catalogue[i].severity;
		s->group[i] = catalogue[i].group;
	}
	memcpy(s->area_bands, bands, sizeof(bands));
	s->n_area_bands = (int)(sizeof(bands) / sizeof(bands[0]));
	s->area_min_tolerance = 0.5;
	s->zero_area = 0.01;
	s->overlap_min_area = 0.5;
	s->gap_min_area = 1.0;
	s->sliver_max_thinness = 0.1;
	s->sliver_max_area = 50;
	s->outside_min_area = 0.5;
	s->change_deadline_days = 30;
	s->accept_max_errors = 0;
	s->accept_max_outside_group1 = -1;
	s->verified_target_percent = 95;
}

double td_rule_area_tolerance(const td_rule_settings *s, double area)
{
	double tol = 0;

	for (int i = 0; i < s->n_area_bands; i++)
		if (i == s->n_area_bands - 1 || area <= s->area_bands[i].max_area) {
			tol = s->area_bands[i].ratio * area;
			break;
		}
	return tol > s->area_min_tolerance ? tol : s->area_min_tolerance;
}

const char *td_severity_name(td_severity sev)
{
	switch (sev) {
	case TD_SEV_OFF:
		return "off";
	case TD_SEV_WARNING:
		return "warning";
	case TD_SEV_ERROR:
		return "error";
	}
	return "off";
}

struct loader {
	td_rule_settings *s;
	const char *path;
};

static int parse_number(const char *v, double *out)
{
	char *end;
	*out = strtod(v, &end);
	return end != v && *end == '\0' && isfinite(*out);
}

static int parse_date(const char *v, char out[11])
{
	long days;

	if (*v == '\0') {
		out[0] = '\0';
		return 1;
	}
	/* A real calendar date: 2024-02-31 is not one. */
	if (!td_date_parse(v, &days))
		return 0;
	td_date_format(days, out);
	return 1;
}

/* "100:0.05 500:0.03 2000:0.02 *:0.01" */
static int parse_bands(td_rule_settings *s, const char *v)
{
	char buf[512];
	char *p, *save = NULL;
	int n = 0;
	double prev = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (p = strtok_r(buf, " \t,", &save); p; p = strtok_r(NULL, " \t,", &save)) {
		char *colon = strchr(p, ':');
		double max = 0, ratio;
		if (!colon || n == TD_AREA_BANDS_MAX || (n > 0 && s->area_bands[n - 1].max_area == 0))
			return 0;
		*colon = '\0';
		if (strcmp(p, "*") != 0 && (!parse_number(p, &max) || max <= prev))
			return 0;
		if (!parse_number(colon + 1, &ratio) || ratio < 0)
			return 0;
		s->area_bands[n].max_area = max;
		s->area_bands[n].ratio = ratio;
		prev = max;
		n++;
	}
	if (n == 0 || s->area_bands[n - 1].max_area != 0)
		return 0; /* the last band must be "*" */
	s->n_area_bands = n;
	return 1;
}

static td_status bad_value(const struct loader *l, int line, const char *key, const char *value, const char *want,
			   td_error *err)
{
	return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: %s = '%s': expected %s", l->path, line, key, value, want);
}

static td_status tolerance(const struct loader *l, const char *key, const char *value, int line, td_error *err)
{
	static const struct {
		const char *name;
		size_t offset;
	} numbers[] = {
		{"area_min", offsetof(td_rule_settings, area_min_tolerance)},
		{"zero_area", offsetof(td_rule_settings, zero_area)},
		{"overlap_min_area", offsetof(td_rule_settings, overlap_min_area)},
		{"gap_min_area", offsetof(td_rule_settings, gap_min_area)},
		{"sliver_max_thinness", offsetof(td_rule_settings, sliver_max_thinness)},
		{"sliver_max_area", offsetof(td_rule_settings, sliver_max_area)},
		{"outside_min_area", offsetof(td_rule_settings, outside_min_area)},
	};
	td_rule_settings *s = l->s;
	double v;

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		if (strcmp(key, numbers[i].name) == 0) {
			if (!parse_number(value, &v) || v < 0)
				return bad_value(l, line, key, value, "a number >= 0", err);
			*(double *)((char *)s + numbers[i].offset) = v;
			return TD_OK;
		}
	if (strcmp(key, "area_bands") == 0)
		return parse_bands(s, value) ? TD_OK
					     : bad_value(l, line, key, value,
							 "ascending MAX_AREA:RATIO pairs ending with *:RATIO", err);
	if (strcmp(key, "change_deadline_days") == 0) {
		if (!parse_number(value, &v) || v < 0 || v != floor(v) || v > 36500)
			return bad_value(l, line, key, value, "a whole number of days", err);
		s->change_deadline_days = (int)v;
		return TD_OK;
	}
	if (strcmp(key, "today") == 0 || strcmp(key, "admin_date") == 0)
		return parse_date(value, key[0] == 't' ? s->today : s->admin_date)
			       ? TD_OK
			       : bad_value(l, line, key, value, "a date yyyy-mm-dd or nothing", err);
	return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [tolerance]", l->path, line, key);
}

static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	const struct loader *l = arg;
	const td_rule *rule;
	double v;

	if (strcmp(section, "id") == 0)
		return TD_OK; /* read by td_id_profile_load */
	if (strcmp(section, "fix") == 0)
		return TD_OK; /* read by td_fix_profile_load */
	if (!key) {
		if (strcmp(section, "severity") && strcmp(section, "group") && strcmp(section, "tolerance") &&
		    strcmp(section, "accept") && strcmp(section, "campaign"))
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: unknown section [%s] (expected severity, group, tolerance, "
					    "accept, campaign, id or fix)",
					    l->path, line, section);
		return TD_OK;
	}
	if (strcmp(section, "tolerance") == 0)
		return tolerance(l, key, value, line, err);
	if (strcmp(section, "campaign") == 0) {
		if (strcmp(key, "verified_target_percent") != 0)
			return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [campaign]",
					    l->path, line, key);
		if (!parse_number(value, &v) || v < 0 || v > 100)
			return bad_value(l, line, key, value, "a percentage", err);
		l->s->verified_target_percent = v;
		return TD_OK;
	}
	if (strcmp(section, "accept") == 0) {
		int errors = strcmp(key, "max_errors") == 0;
		if (!errors && strcmp(key, "max_outside_group1_percent") != 0)
			return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [accept]",
					    l->path, line, key);
		if (strcmp(value, "any") == 0)
			v = -1;
		else if (!parse_number(value, &v) || v < 0 || (errors && v != floor(v)) || (!errors && v > 100))
			return bad_value(l, line, key, value, errors ? "a count or 'any'" : "a percentage or 'any'",
					 err);
		if (errors)
			l->s->accept_max_errors = (long)v;
		else
			l->s->accept_max_outside_group1 = v;
		return TD_OK;
	}
	if (!section[0])
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: '%s' is outside any section", l->path, line, key);
	rule = td_rule_find(key);
	if (!rule)
		return td_error_set(err, TD_ERR_USAGE,
				    "'%s' line %d: unknown rule '%s' (see 'thuadat check --list-rules')", l->path, line,
				    key);
	if (strcmp(section, "severity") == 0) {
		if (strcmp(value, "error") == 0)
			l->s->severity[rule->id] = TD_SEV_ERROR;
		else if (strcmp(value, "warning") == 0)
			l->s->severity[rule->id] = TD_SEV_WARNING;
		else if (strcmp(value, "off") == 0)
			l->s->severity[rule->id] = TD_SEV_OFF;
		else
			return bad_value(l, line, key, value, "error, warning or off", err);
		return TD_OK;
	}
	if (strcmp(value, "2") == 0 || strcmp(value, "3") == 0) {
		l->s->group[rule->id] = value[0] - '0';
		return TD_OK;
	}
	return bad_value(l, line, key, value, "group 2 or 3", err);
}

td_status td_rule_profile_load(td_rule_settings *s, const char *path, td_error *err)
{
	struct loader l = {s, path};
	return td_ini_parse(path, on_key, &l, err);
}
