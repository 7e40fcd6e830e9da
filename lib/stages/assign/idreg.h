/*
 * The ID registry of a workspace: the assign-id stage, which gives every
 * parcel a stable ID and keeps the lineage of splits and merges, and the
 * history of one ID for `thuadat id show`.
 *
 *     td_id_settings ids;
 *     td_id_settings_init(&ids);
 *     td_idreg_summary sum;
 *     td_idreg_assign(ws, &ids, progress, arg, &sum, &err);
 *
 *     td_idreg_history h;
 *     td_idreg_history_load(ws, "113110000001xx", &h, &err);
 *     ... h.self, h.ancestors, h.descendants, h.changes ...
 *     td_idreg_history_release(&h);
 *
 * Matching, commune by commune (the commune of the parcel's key), each
 * active ID against the parcels of its commune (docs/ids.md):
 *  1. same sheet and parcel number and the same geometry: the stored blob
 *     byte for byte, else area(old △ new) / larger area <= match_tolerance;
 *     when either has no usable geometry (none, unreadable, invalid as
 *     GEOS sees it, or no area) the key alone decides;
 *  2. the parcels and IDs left: the same blob, else the shape within the
 *     tolerance: same ID, new key recorded in id_key_changes;
 *  3. the parcels left get new IDs. An ID whose parcel overlaps the new
 *     one by at least lineage_min_overlap of the smaller is its parent:
 *     two or more parents make a merge; one parent that was kept (a piece
 *     cut off a parcel that changed less than the tolerance) or that has
 *     two or more new children makes a split; one parent with one child
 *     is a reshape. A parcel with no parent is simply new;
 *  4. IDs left are retired, and never issued again.
 */
#ifndef TD_IDREG_H
#define TD_IDREG_H

#include "ids.h"
#include "workspace.h"

typedef struct td_idreg_summary {
	long parcels, communes;
	long kept;     /* same ID, same key */
	long rekeyed;  /* same ID, key changed */
	long issued;   /* new IDs, of which: */
	long split;    /* parts of a split parcel */
	long merged;   /* merges of several parcels */
	long reshaped; /* one parcel redrawn beyond the tolerance */
	long retired;
	long displaced; /* official IDs whose label point's cell was issued before: a neighbour cell */
	long no_point;  /* official scheme: parcels without geometry, left without an ID */
	char json[640];
} td_idreg_summary;

/*
 * Match the parcels against the active IDs, issue, retire, record lineage
 * and key changes, and write parcels.parcel_id and address_link, in one
 * transaction. Memory follows the largest commune. TD_ERR_INPUT if a
 * commune code does not fit the template, TD_ERR_USAGE if a commune runs
 * out of sequence numbers, TD_ERR_CANCELLED if progress returns 0.
 */
td_status td_idreg_assign(td_ws *ws, const td_id_settings *s, td_progress_fn progress, void *arg, td_idreg_summary *sum,
			  td_error *err);

/* One ID as listed in a history. */
typedef struct td_idreg_node {
	char id[TD_ID_MAX];
	char status[8];   /* "active" or "retired" */
	char commune[16]; /* last known key */
	long sheet, parcel;
	long issued_run, retired_run; /* retired_run 0 while active */
	char issued_at[32], retired_at[32];
	char kind[8]; /* link to the node it is listed under: split, merge, reshape, rekey; "" for self */
	int depth;    /* 0 self, 1 parent or child, 2 grandparent or grandchild, ... */
	int repeated; /* listed before through another path; its lineage is not repeated */
} td_idreg_node;

typedef struct td_idreg_key_change {
	long run;
	char at[32];
	char old_commune[16], new_commune[16];
	long old_sheet, old_parcel, new_sheet, new_parcel;
} td_idreg_key_change;

typedef struct td_idreg_history {
	td_idreg_node self;
	td_idreg_node *ancestors; /* depth first: each parent, then its parents */
	size_t nancestors;
	td_idreg_node *descendants; /* depth first: each child, then its children */
	size_t ndescendants;
	td_idreg_key_change *changes; /* oldest first */
	size_t nchanges;
} td_idreg_history;

/*
 * Load an ID's record, lineage and key changes. TD_ERR_INPUT if the
 * workspace never issued id. Release with td_idreg_history_release().
 */
td_status td_idreg_history_load(td_ws *ws, const char *id, td_idreg_history *h, td_error *err);

/* Accepts NULL and a zeroed history. */
void td_idreg_history_release(td_idreg_history *h);

/* Where an official ID's point lies in a workspace (thuadat id check WS ID). */
typedef struct td_idreg_place {
	int issued;       /* the workspace issued the ID */
	char status[8];   /* "active" or "retired" */
	char commune[16]; /* its last known key */
	long sheet, parcel;
	int has_parcel;  /* a parcel holds the ID now (and has a geometry) */
	double lat, lon; /* the GeoHash cell's centre, WGS 84 */
	double x, y;     /* the same in the workspace zone */
	int inside;      /* the point lies inside that parcel */
	double distance; /* metres from the parcel when outside, else 0 */
} td_idreg_place;

/*
 * Locate an official ID (already checked with td_id_official_parse) in a
 * VN-2000 workspace: its registry record and whether its point lies inside
 * the parcel holding it. TD_ERR_USAGE if the workspace is not in a VN-2000
 * TM-3 zone.
 */
td_status td_idreg_locate(td_ws *ws, const char *id, td_idreg_place *out, td_error *err);

#endif
