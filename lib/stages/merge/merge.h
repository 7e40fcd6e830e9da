/*
 * merge: combine the workspaces of provinces merged in 2025 (Hải Dương into
 * Hải Phòng) into one new workspace, in one VN-2000 zone, under the new
 * commune codes and sheet numbers.
 *
 *     const char *in[] = {"hp.gpkg", "hd.gpkg"};
 *     td_merge_options o = TD_MERGE_OPTIONS_INIT;
 *     td_merge_summary s;
 *     o.out = "haiphong.gpkg";
 *     o.inputs = in;
 *     o.ninputs = 2;
 *     o.crosswalk = "schemas/crosswalk/haiphong-2025.csv";
 *     o.sheets = "so-to.csv";
 *     if (td_merge_run(ctx, &o, progress, arg, &s, &err) == TD_OK)
 *             ... s.parcels_in == s.parcels_out + s.parcels_unassigned ...
 *     td_merge_summary_release(&s);
 *
 * Every geometry is reprojected with PROJ (through OGR) into the target
 * CRS. An old commune the crosswalk sends to one new commune is recoded; a
 * split one sends each parcel to the new commune whose boundary contains its
 * point on surface, and reports the parcel when no boundary decides. Sheets
 * are renumbered by the sheet table or keep their number. Owners with the
 * same person_key become one; differing details are reported. Parcel IDs,
 * their registry, lineage and key changes, sources, scans and the inputs'
 * run history are carried. Findings and groups are not: run check and
 * classify on the result. docs/merge.md has the rules and the report.
 *
 * The output is built in a temporary file next to OUT and renamed onto it
 * only when everything, the report included, succeeded: a failed or killed
 * merge leaves no OUT. Inputs are only read.
 */
#ifndef TD_MERGE_H
#define TD_MERGE_H

#include "ctx.h"

/* SQLite attaches at most 10 databases by default; each input is one. */
#define TD_MERGE_MAX_INPUTS 10
#define TD_MERGE_MAX_WARNINGS 8

typedef struct td_merge_options {
	const char *out;           /* the new workspace */
	const char *const *inputs; /* workspaces to merge, 2 to TD_MERGE_MAX_INPUTS, in this order */
	int ninputs;
	const char *crosswalk;  /* crosswalk CSV (crosswalk.h) */
	const char *sheets;     /* sheet reference table CSV (crosswalk.h); a header alone is an empty table */
	const char *boundaries; /* polygons of the new communes (any GDAL vector); NULL: the inputs' own */
	const char *target_crs; /* "EPSG:9210" or any CRS PROJ reads; NULL: the first input's */
	const char *report_dir; /* NULL: OUT without its .gpkg extension, plus "-merge" */
	const char *invocation; /* the command line, for the run record; may be NULL */
	int force;              /* replace OUT if it exists */
} td_merge_options;
#define TD_MERGE_OPTIONS_INIT                                                                                          \
	{                                                                                                              \
		NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0                                                   \
	}

typedef struct td_merge_input {
	const char *path; /* as given in the options; not owned */
	char crs[160];    /* its CRS's name */
	long parcels, register_rows, owners, scans;
	long parcels_unassigned, register_unassigned;
} td_merge_input;

typedef struct td_merge_summary {
	int ninputs;
	td_merge_input *inputs; /* owned */
	char crs[160];          /* the output's CRS */
	char report_dir[TD_PATH_MAX];
	long parcels_in, parcels_out, parcels_unassigned;    /* in = out + unassigned */
	long register_in, register_out, register_unassigned; /* the same for register rows */
	long scans_in, scans_unplaced;                       /* scans are all kept; unplaced lose their parcel */
	long old_communes, new_communes;                     /* found in the data / in the output */
	long sheets, sheets_renumbered, sheets_shared;       /* old sheets; given a new number; sharing a new sheet */
	long collision_keys, collision_parcels;              /* map keys held by parcels of several old sheets */
	long register_collision_keys, register_collision_rows;
	long owners_in, owners_out, owners_merged;   /* merged = in - out */
	long owner_conflicts, owner_conflict_fields; /* persons, and (person, field) pairs */
	long parcel_ids, id_key_changes;             /* IDs carried; key changes recorded by this merge */
	long boundaries, boundaries_dropped;         /* new-commune polygons used; input polygons not carried */
	int nwarnings;
	char warnings[TD_MERGE_MAX_WARNINGS][400];
	char *json; /* the summary as JSON, also in runs and the report; owned, NULL on failure */
} td_merge_summary;

/*
 * Merge opts->inputs into opts->out and write the report (report_dir/
 * summary.json, communes_old.csv, communes_new.csv, sheets.csv,
 * collisions.csv, unassigned.csv, owner_conflicts.csv).
 * TD_ERR_USAGE: bad options, OUT exists without force, an input given twice.
 * TD_ERR_INPUT: an input that is not a workspace, a bad crosswalk or sheet
 * table (file and line named), a commune code the crosswalk lacks (code,
 * input and counts named), a parcel ID issued in two inputs.
 * Release the summary with td_merge_summary_release(), also after a failure.
 */
td_status td_merge_run(td_ctx *ctx, const td_merge_options *opts, td_progress_fn progress, void *arg,
		       td_merge_summary *sum, td_error *err);

/* Accepts NULL. */
void td_merge_summary_release(td_merge_summary *sum);

/* Whether the merge left something for people to resolve: unassigned rows, key collisions, owner conflicts. */
int td_merge_needs_attention(const td_merge_summary *sum);

#endif
