/*
 * The rule catalogue: every rule's stable ID, the criterion it belongs to
 * ("đúng – đủ – sạch – sống"), its default severity, the parcel group a
 * failure puts the parcel in, and its tolerance.
 *
 * Rule IDs are a contract (findings files, profiles, scripts): never rename
 * or reuse one. Add new rules at the end of td_rule_id.
 */
#ifndef TD_RULES_H
#define TD_RULES_H

#include <stddef.h>

typedef enum td_rule_id {
	TD_RULE_GEOM_INVALID,
	TD_RULE_AREA_MISMATCH,
	TD_RULE_MAP_NO_REGISTER,
	TD_RULE_REGISTER_NO_MAP,
	TD_RULE_COUNT
} td_rule_id;

typedef enum td_severity { TD_SEV_OFF, TD_SEV_WARNING, TD_SEV_ERROR } td_severity;

typedef struct td_rule {
	td_rule_id id;
	const char *code;      /* "GEOM_INVALID" */
	const char *criterion; /* "đúng", "đủ", "sạch" or "sống" */
	td_severity severity;  /* default */
	int group;             /* 2 or 3: the group an error-level failure implies */
	const char *summary;   /* one line, English */
} td_rule;

/* Area tolerance band: parcels up to max_area m² may differ by ratio × area. */
typedef struct td_area_band {
	double max_area;
	double ratio;
} td_area_band;

#define TD_AREA_BANDS 4

/* The effective settings of every rule for one check run. */
typedef struct td_rule_settings {
	td_severity severity[TD_RULE_COUNT];
	td_area_band area_bands[TD_AREA_BANDS]; /* ascending max_area; the last covers the rest */
	double area_min_tolerance;              /* m²: never less than this */
} td_rule_settings;

/* The catalogue entry for id; never NULL for a valid id. */
const td_rule *td_rule_get(td_rule_id id);

/* Look a rule up by its code; NULL if unknown. */
const td_rule *td_rule_find(const char *code);

/* Fill s with the catalogue's defaults. */
void td_rule_settings_init(td_rule_settings *s);

/* The allowed difference between map and register area for a parcel of this area (m²). */
double td_rule_area_tolerance(const td_rule_settings *s, double area);

const char *td_severity_name(td_severity sev); /* "off", "warning", "error" */

#endif
