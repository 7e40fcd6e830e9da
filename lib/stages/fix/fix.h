/*
 * fix: cleansing (làm sạch). From the last check's findings, propose a
 * correction for each defect the data can settle, apply what a reviewer
 * accepted (or what lies inside the profile's auto-accept limits) in one
 * transaction with the old values kept, and undo an applied run.
 *
 *     td_fix_options o;
 *     td_fix_options_init(&o);
 *     td_rule_profile_load(&o.rules, path, &err);
 *     td_fix_profile_load(&o.fix, path, &err);
 *     o.apply_auto = 1;                       (propose, then apply the automatic ones)
 *     td_fix_summary s;
 *     td_fix_run(ws, &o, progress, arg, &s, &err);
 *     td_fix_write_workbooks(ws, "fix-review/", &n, &err);
 *
 * Proposals (docs/fix.md has the rules):
 * - GEOM_RING_NOT_CLOSED, GEOM_TOO_FEW_POINTS, GEOM_SELF_INTERSECTION,
 *   GEOM_INVALID, GEOM_DUPLICATE_VERTEX: the polygon rebuilt from its rings
 *   with repeated vertices dropped and rings closed, made valid with GEOS's
 *   structure-preserving method, shells counter-clockwise, holes clockwise;
 * - OVERLAP up to overlap_max_area: the overlap cut from the parcel whose
 *   area then agrees better with its register area (else from the one
 *   without a certificate), so the two share the other's boundary;
 * - GAP up to gap_max_area (or no wider than sliver_max_width): the gap
 *   joined to the neighbour with the longest shared border;
 * - SLIVER no wider than sliver_max_width (the maximum inscribed circle's
 *   diameter): the sliver parcel joined to the neighbour with the longest
 *   shared border, and removed;
 * - LANDUSE_LEGACY: legacy codes mapped by ref_landuse (schemas/ref);
 *   owner names with stray spaces, odd case or not NFC normalised; CCCD /
 *   CMND numbers that lost leading zeros restored when the result is valid;
 *   a missing register area (REQUIRED_MISSING) taken from the map.
 * A geometry proposal is made only when re-checking the changed parcel
 * against its neighbours finds no new overlap above overlap_min_area and
 * no new gap above gap_min_area. It is automatic when the Hausdorff
 * distance between the boundaries before and after is at most
 * auto_max_hausdorff and the area after agrees with the register area (or,
 * without one, with the area before) within the profile's area tolerance.
 * A parcel with an issued certificate is never changed beyond that
 * tolerance automatically: such a proposal is for review only.
 */
#ifndef TD_FIX_H
#define TD_FIX_H

#include "rules.h"
#include "workspace.h"

/* The [fix] section of a rule profile. */
typedef struct td_fix_settings {
	double overlap_max_area;   /* m²: overlaps up to this get a proposal (default 50) */
	double gap_max_area;       /* m²: gaps up to this get a proposal (default 50) */
	double sliver_max_width;   /* m: slivers and gaps no wider than this are joined to a neighbour (default 1.0) */
	double auto_max_hausdorff; /* m: automatic only when the boundary moves at most this far (default 1.0) */
	int auto_attributes;       /* 1: attribute proposals are automatic (default 1) */
} td_fix_settings;

void td_fix_settings_init(td_fix_settings *s);

/* Read the [fix] section of a profile over s; TD_ERR_USAGE names the line of a bad setting. */
td_status td_fix_profile_load(td_fix_settings *s, const char *path, td_error *err);

typedef struct td_fix_options {
	td_rule_settings rules; /* tolerances: area bands, overlap/gap minimums */
	td_fix_settings fix;
	int apply_auto;         /* after proposing, apply the automatic proposals */
	const char *apply_path; /* apply the rows of this reviewed workbook / CSV marked accepted (no new proposals) */
	long long undo_run;     /* > 0: undo what that fix run applied (nothing else is done) */
} td_fix_options;

/* Defaults: catalogue rules, td_fix_settings_init, propose only. */
void td_fix_options_init(td_fix_options *o);

typedef struct td_fix_summary {
	long long run_id;         /* the run this call recorded */
	long proposed, automatic; /* proposals made, of them automatic */
	long by_rule[TD_RULE_COUNT];
	long not_proposed; /* defects of the fixable rules left: above the limits, or the re-check failed */
	long applied;      /* proposals applied */
	long skipped;  /* accepted proposals not applied: the parcel changed since (or an earlier fix in the run changed
			  it) */
	long rejected; /* reviewed rows marked rejected */
	long exceptions; /* exceptions added from the reviewed workbook */
	long undone;     /* changes undone */
	char json[2048];
} td_fix_summary;

/*
 * One fix stage in one transaction:
 * - undo_run > 0: restore every value that run changed and drop the
 *   exceptions it added (TD_ERR_INPUT if it
 *   is not an applied fix run, was undone already, or a value changed since);
 * - apply_path: apply its rows marked accepted (columns "Mã đề xuất" and
 *   "Trạng thái", headers matched without case or marks; a row whose
 *   "Ngoại lệ" column holds a reason adds an exception for its rule and
 *   parcel); TD_ERR_INPUT names the file and row of a proposal that is
 *   unknown or no longer open, or a status it does not understand;
 * - otherwise: replace the open proposals with new ones from the findings
 *   (TD_ERR_USAGE when the findings are stale), then with apply_auto apply
 *   the automatic ones.
 * Applying records each old value in parcel_history (and a removed parcel
 * in fix_removed_parcels), so `undo_run` can restore it byte for byte.
 */
td_status td_fix_run(td_ws *ws, const td_fix_options *o, td_progress_fn progress, void *arg, td_fix_summary *sum,
		     td_error *err);

/*
 * Write DIR/fix-<commune>.xlsx (mode 0600: owner names) for each commune
 * with open proposals, columns from schemas/xlsx/fix.csv; *n the workbooks.
 */
td_status td_fix_write_workbooks(td_ws *ws, const char *dir, int *n, td_error *err);

#endif
