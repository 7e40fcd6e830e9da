/*
 * The rule catalogue: every rule's stable ID, the criterion it belongs to
 * ("đúng – đủ – sạch – sống"), its default severity, the parcel group a
 * failure puts the parcel in, and its tolerance.
 * The list is TD_FOREACH_RULE below.
 */
#ifndef TD_RULES_H
#define TD_RULES_H

#include "error.h"

#include <stddef.h>

/*
 * The catalogue, in ID order: RULE(ID, criterion, default severity, group,
 * one-line summary). The enum, the codes and the catalogue are generated
 * from this one list (git's FOREACH_FSCK_MSG_ID), so they cannot disagree.
 * Rule IDs are a contract (findings files, profiles, scripts): never rename
 * or reuse one. Add new rules at the end.
 */
#define TD_FOREACH_RULE(RULE)                                                                                          \
	/* đúng: geometry */                                                                                         \
	RULE(GEOM_MISSING, "đúng", ERROR, 3, "the parcel has no geometry")                                             \
	RULE(GEOM_RING_NOT_CLOSED, "đúng", ERROR, 3, "a ring does not end where it starts")                            \
	RULE(GEOM_TOO_FEW_POINTS, "đúng", ERROR, 3, "a ring has fewer than 4 points")                                  \
	RULE(GEOM_ZERO_AREA, "đúng", ERROR, 3, "the polygon has no area (tolerance: zero_area)")                       \
	RULE(GEOM_SELF_INTERSECTION, "đúng", ERROR, 3, "the boundary crosses itself; GEOS gives the place")            \
	RULE(GEOM_INVALID, "đúng", ERROR, 3,                                                                           \
	     "the polygon is invalid in another way (hole outside its shell, nested shells, ...)")                     \
	RULE(GEOM_DUPLICATE_VERTEX, "đúng", WARNING, 2, "the same vertex twice in a row")                              \
	RULE(OVERLAP, "đúng", ERROR, 3,                                                                                \
	     "two parcels overlap by more than overlap_min_area; the overlap is the location")                         \
	RULE(GAP, "đúng", ERROR, 2, "a hole in a sheet's coverage larger than gap_min_area")                           \
	RULE(SLIVER, "đúng", WARNING, 2,                                                                               \
	     "a thin parcel: 4πA/P² below sliver_max_thinness and area below sliver_max_area")                         \
	RULE(OUTSIDE_COMMUNE, "đúng", ERROR, 2,                                                                        \
	     "part of the parcel lies outside its commune's boundary (when boundaries are loaded)")                    \
	/* đúng: map vs register, attributes */                                                                      \
	RULE(AREA_MISMATCH, "đúng", ERROR, 2,                                                                          \
	     "map area and register area differ by more than the tolerance for the parcel's size")                     \
	RULE(LANDUSE_UNKNOWN, "đúng", ERROR, 2, "land-use code in neither the current nor the legacy list")            \
	RULE(LANDUSE_LEGACY, "đúng", WARNING, 2, "a legacy land-use code; the current code is given")                  \
	RULE(ADMIN_CODE_INVALID, "đúng", ERROR, 2,                                                                     \
	     "commune code not in ref_communes (valid on admin_date when it is set)")                                  \
	RULE(DATE_IMPLAUSIBLE, "đúng", ERROR, 2,                                                                       \
	     "birth year, certificate date or change date before 1900 or after today")                                 \
	RULE(CCCD_INVALID, "đúng", ERROR, 2,                                                                           \
	     "CCCD is not 12 digits, or its province, century/sex or year digits disagree")                            \
	RULE(CCCD_LEGACY_CMND, "đúng", WARNING, 2, "a 9-digit CMND: the identity needs verification")                  \
	/* đủ */                                                                                                    \
	RULE(MAP_NO_REGISTER, "đủ", ERROR, 2, "parcel on the map has no row in the land register")                     \
	RULE(REGISTER_NO_MAP, "đủ", ERROR, 3, "register row has no parcel on the map (parcel not built)")              \
	RULE(REQUIRED_MISSING, "đủ", ERROR, 2, "land use, area or owner name missing in the register")                 \
	RULE(SCAN_MISSING, "đủ", ERROR, 2,                                                                             \
	     "no readable scanned document for the parcel (only when a scan inventory was ingested)")                  \
	RULE(GCN_INCOMPLETE, "đủ", ERROR, 2, "certificate serial without issue date, or the reverse")                  \
	/* sạch */                                                                                                   \
	RULE(DUPLICATE_KEY, "sạch", ERROR, 2, "the same commune/sheet/parcel more than once on the map")               \
	RULE(GEOM_DUPLICATE, "sạch", ERROR, 3, "two parcels with the same geometry")                                   \
	RULE(TEXT_NOT_CLEAN, "sạch", WARNING, 2, "text with legacy-encoding residue (TCVN3/VNI shown as Latin)")       \
	RULE(OWNER_NAME_MISMATCH, "sạch", ERROR, 2, "one CCCD with differently spelled names")                         \
	RULE(OWNER_ID_CONFLICT, "sạch", WARNING, 2, "the same name and birth year with different CCCDs")               \
	/* sống */                                                                                                   \
	RULE(LAST_CHANGE_MISSING, "sống", WARNING, 2, "no last-change date in the register")                           \
	RULE(CHANGE_OVERDUE, "sống", ERROR, 2, "a pending change (biến động) older than change_deadline_days")         \
	/* map readers (DGN): what could not become a parcel */                                                        \
	RULE(MAP_LABEL_MISSING, "đủ", ERROR, 3,                                                                        \
	     "a face of a DGN sheet's boundary lines has no parcel-number label (parcel not built)")                   \
	RULE(MAP_LABEL_OUTSIDE, "đúng", WARNING, 2, "a DGN label lies inside no face")                                 \
	RULE(MAP_LABEL_TWICE, "đúng", ERROR, 2,                                                                        \
	     "a second parcel number inside one face of a DGN sheet; the face keeps the first")                        \
	RULE(MAP_LINE_DANGLING, "đúng", WARNING, 2,                                                                    \
	     "a DGN boundary line that closes no face (overshoot or gap in the linework)")                             \
	/* sạch: identity against the national population database (C06, reconcile) */                               \
	RULE(IDENTITY_MISMATCH, "sạch", ERROR, 2,                                                                      \
	     "C06 found the owner's details differ from the population database, or found no such person")             \
	RULE(IDENTITY_UNVERIFIED, "sạch", WARNING, 2,                                                                  \
	     "a certificate holder not yet verified by C06 (at warning level: once a reply is reconciled)")            \
	/* end */

#define TD_RULE_ENUM(id, criterion, severity, group, summary) TD_RULE_##id,
typedef enum td_rule_id { TD_FOREACH_RULE(TD_RULE_ENUM) TD_RULE_COUNT } td_rule_id;
#undef TD_RULE_ENUM

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
	double max_area; /* 0 on the last band: no upper limit */
	double ratio;
} td_area_band;

#define TD_AREA_BANDS_MAX 8

/*
 * The effective settings of every rule for one run: the catalogue's
 * defaults, overridden by a profile (schemas/rules/<name>.ini).
 */
typedef struct td_rule_settings {
	td_severity severity[TD_RULE_COUNT];
	int group[TD_RULE_COUNT]; /* 2 or 3 */
	td_area_band area_bands[TD_AREA_BANDS_MAX];
	int n_area_bands;                 /* ascending max_area; the last has max_area 0 */
	double area_min_tolerance;        /* m²: never less than this */
	double zero_area;                 /* m² */
	double overlap_min_area;          /* m² */
	double gap_min_area;              /* m² */
	double sliver_max_thinness;       /* 4πA/P² */
	double sliver_max_area;           /* m² */
	double outside_min_area;          /* m² */
	int change_deadline_days;         /* a pending change older than this is overdue */
	char today[11];                   /* yyyy-mm-dd the run counts from; "" = the current date */
	char admin_date[11];              /* commune codes must be valid on this date; "" = at any date */
	long accept_max_errors;           /* accept: at most this many error-level findings; -1 = any */
	double accept_max_outside_group1; /* accept: at most this % of parcels outside group 1; -1 = any */
	double verified_target_percent;   /* campaign: owners with certificates verified by C06, % per commune */
} td_rule_settings;

/* The catalogue entry for id; never NULL for a valid id. */
const td_rule *td_rule_get(td_rule_id id);

/* Look a rule up by its code; NULL if unknown. */
const td_rule *td_rule_find(const char *code);

/* Fill s with the catalogue's defaults. */
void td_rule_settings_init(td_rule_settings *s);

/*
 * Apply a profile file over s (start from td_rule_settings_init). Sections:
 * [severity] RULE = error|warning|off, [group] RULE = 2|3, [tolerance],
 * [accept] and [campaign] settings (see schemas/rules/default.ini). TD_ERR_USAGE names the
 * file and line of an unknown rule, setting or malformed value.
 */
td_status td_rule_profile_load(td_rule_settings *s, const char *path, td_error *err);

/* The allowed difference between map and register area for a parcel of this area (m²). */
double td_rule_area_tolerance(const td_rule_settings *s, double area);

const char *td_severity_name(td_severity sev); /* "off", "warning", "error" */

#endif
