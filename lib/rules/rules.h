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

#include "error.h"

#include <stddef.h>

typedef enum td_rule_id {
	/* đúng: geometry */
	TD_RULE_GEOM_MISSING,          /* no geometry, or an empty one */
	TD_RULE_GEOM_RING_NOT_CLOSED,  /* a ring whose last point is not its first */
	TD_RULE_GEOM_TOO_FEW_POINTS,   /* a ring with fewer than 4 points */
	TD_RULE_GEOM_ZERO_AREA,        /* area at or below the zero-area tolerance */
	TD_RULE_GEOM_SELF_INTERSECTION,/* GEOS: self-intersection or ring self-intersection */
	TD_RULE_GEOM_INVALID,          /* GEOS: any other invalidity (holes, nested shells, ...) */
	TD_RULE_GEOM_DUPLICATE_VERTEX, /* the same vertex twice in a row */
	TD_RULE_OVERLAP,               /* two parcels overlap by more than the tolerance */
	TD_RULE_GAP,                   /* a hole in a sheet's coverage larger than the tolerance */
	TD_RULE_SLIVER,                /* thin polygon: 4πA/P² below the tolerance */
	TD_RULE_OUTSIDE_COMMUNE,       /* part of the parcel outside its commune's boundary */
	/* đúng: map vs register, attributes */
	TD_RULE_AREA_MISMATCH,
	TD_RULE_LANDUSE_UNKNOWN,       /* land-use code in no list */
	TD_RULE_LANDUSE_LEGACY,        /* a legacy code: accepted, mapped to the current one */
	TD_RULE_ADMIN_CODE_INVALID,    /* commune code not in ref_communes (at the profile's date) */
	TD_RULE_DATE_IMPLAUSIBLE,      /* birth year, certificate or change date out of range */
	TD_RULE_CCCD_INVALID,          /* 12 digits, province, century/sex, year */
	TD_RULE_CCCD_LEGACY_CMND,      /* a 9-digit CMND: needs verification */
	/* đủ */
	TD_RULE_MAP_NO_REGISTER,
	TD_RULE_REGISTER_NO_MAP,
	TD_RULE_REQUIRED_MISSING,      /* land use, owner name or area missing */
	TD_RULE_SCAN_MISSING,          /* no readable scan (when a scan inventory exists) */
	TD_RULE_GCN_INCOMPLETE,        /* certificate serial without date or date without serial */
	/* sạch */
	TD_RULE_DUPLICATE_KEY,         /* the same commune/sheet/parcel twice on the map */
	TD_RULE_GEOM_DUPLICATE,        /* two parcels with the same geometry */
	TD_RULE_TEXT_NOT_CLEAN,        /* legacy-encoding residue or text not in NFC */
	TD_RULE_OWNER_NAME_MISMATCH,   /* one CCCD, names spelled differently */
	TD_RULE_OWNER_ID_CONFLICT,     /* one name and birth year, different CCCDs */
	/* sống */
	TD_RULE_LAST_CHANGE_MISSING,   /* no last-change date */
	TD_RULE_CHANGE_OVERDUE,        /* a pending change older than its deadline */
	/* map readers (DGN): what could not become a parcel */
	TD_RULE_MAP_LABEL_MISSING,     /* a face of the boundary network without a parcel number */
	TD_RULE_MAP_LABEL_OUTSIDE,     /* a label inside no face */
	TD_RULE_MAP_LABEL_TWICE,       /* a second parcel number in a face */
	TD_RULE_MAP_LINE_DANGLING,     /* a boundary line that closes no face */
	/* sạch: identity against the national population database (C06, reconcile) */
	TD_RULE_IDENTITY_MISMATCH,     /* C06 answered mismatched or not found */
	TD_RULE_IDENTITY_UNVERIFIED,   /* a certificate holder C06 has not confirmed yet */
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
	int group[TD_RULE_COUNT];            /* 2 or 3 */
	td_area_band area_bands[TD_AREA_BANDS_MAX];
	int n_area_bands;                    /* ascending max_area; the last has max_area 0 */
	double area_min_tolerance;           /* m²: never less than this */
	double zero_area;                    /* m² */
	double overlap_min_area;             /* m² */
	double gap_min_area;                 /* m² */
	double sliver_max_thinness;          /* 4πA/P² */
	double sliver_max_area;              /* m² */
	double outside_min_area;             /* m² */
	int change_deadline_days;            /* a pending change older than this is overdue */
	char today[11];                      /* yyyy-mm-dd the run counts from; "" = the current date */
	char admin_date[11];                 /* commune codes must be valid on this date; "" = at any date */
	long accept_max_errors;              /* accept: at most this many error-level findings; -1 = any */
	double accept_max_outside_group1;    /* accept: at most this % of parcels outside group 1; -1 = any */
	double verified_target_percent;      /* campaign: owners with certificates verified by C06, % per commune */
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
