#include "rules.h"

#include <string.h>

static const td_rule catalogue[TD_RULE_COUNT] = {
	{TD_RULE_GEOM_INVALID, "GEOM_INVALID", "đúng", TD_SEV_ERROR, 3,
	 "parcel polygon missing or not valid (self-intersection, bad ring); GEOS gives the reason and place"},
	{TD_RULE_AREA_MISMATCH, "AREA_MISMATCH", "đúng", TD_SEV_ERROR, 2,
	 "map area and register area differ by more than the tolerance for the parcel's size"},
	{TD_RULE_MAP_NO_REGISTER, "MAP_NO_REGISTER", "đủ", TD_SEV_ERROR, 2,
	 "parcel on the map has no row in the land register"},
	{TD_RULE_REGISTER_NO_MAP, "REGISTER_NO_MAP", "đủ", TD_SEV_ERROR, 3,
	 "register row has no parcel on the map (parcel not built)"},
};

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
	static const td_area_band bands[TD_AREA_BANDS] = {{100, 0.05}, {500, 0.03}, {2000, 0.02}, {0, 0.01}};

	for (int i = 0; i < TD_RULE_COUNT; i++)
		s->severity[i] = catalogue[i].severity;
	memcpy(s->area_bands, bands, sizeof(bands));
	s->area_min_tolerance = 0.5;
}

double td_rule_area_tolerance(const td_rule_settings *s, double area)
{
	double tol = 0;

	for (int i = 0; i < TD_AREA_BANDS; i++)
		if (i == TD_AREA_BANDS - 1 || area <= s->area_bands[i].max_area) {
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
