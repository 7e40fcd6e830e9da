/*
 * Ingest: read a cadastral map and a land-register export into the workspace.
 *
 *     td_ingest_options o = TD_INGEST_OPTIONS_INIT;
 *     td_ingest_summary s;
 *     o.map = "map.gpkg";
 *     o.register_path = "register.csv";
 *     td_ingest_run(ws, &o, progress, arg, &s, &err);
 *
 * A DGN map (or a folder of them, one file per sheet) is read with a level
 * profile (schemas/maps/); what cannot become a parcel goes to map_problems.
 * Map fields are matched case-insensitively against the names offices use
 * (MaXa/ma_xa, SoTo/so_to/SoHieuToBanDo, SoThua/so_thua/SoThuTuThua);
 * register headers against a column profile (schemas/register/default.ini:
 * "Số tờ", "Số thửa", "Mục đích sử dụng"/"Loại đất", ...), ignoring case
 * and Vietnamese marks. Geometries are
 * reprojected into the workspace CRS. Each file's checksum is recorded: the
 * same file again changes nothing; a changed file replaces its rows. All of
 * it is one transaction.
 */
#ifndef TD_INGEST_H
#define TD_INGEST_H

#include "workspace.h"

typedef struct td_ingest_options {
	const char *map;           /* any polygon source GDAL reads, a DGN, or a folder of DGNs; may be NULL */
	const char *map_profile;   /* DGN level profile: name in schemas/maps/ or a path; NULL: dgn-separate-labels */
	const char *register_path; /* register export: CSV, XLSX or XLS; may be NULL */
	const char *register_profile; /* column header names: schemas/register/NAME.ini or a path; NULL: default */
	const char *source_crs;    /* CRS of the map when the file names none */
	const char *source_province; /* or: the VN-2000 TM-3 zone of this province code */
	const char *commune;       /* commune code when the map has no commune field */
	const char *boundaries;    /* commune boundary polygons (MaXa, TenXa); may be NULL */
	const char *encoding;      /* text encoding of a CSV register; NULL: detect (td_encoding_parse names) */
	const char *scans;         /* folder of scanned documents; may be NULL */
	const char *scan_pattern;  /* file-name pattern (see scans.h); NULL: the default */
} td_ingest_options;
#define TD_INGEST_OPTIONS_INIT {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}

typedef struct td_ingest_file {
	int given;       /* this input was part of the run */
	int unchanged;   /* same checksum as last time: nothing read */
	int replaced;    /* a previous version's rows were replaced */
	long records;    /* parcels or register rows stored */
	char checksum[9];
	char crs[160];   /* polygon sources: the CRS the features were read in */
	char encoding[16]; /* register: the text encoding it was read in */
} td_ingest_file;

#define TD_INGEST_MAX_WARNINGS 8

typedef struct td_ingest_summary {
	td_ingest_file map;
	td_ingest_file reg;
	td_ingest_file boundaries;
	td_ingest_file scans;
	int nwarnings;
	char warnings[TD_INGEST_MAX_WARNINGS][320];
	char json[1024]; /* the summary as JSON, also stored in runs */
} td_ingest_summary;

/*
 * Run the ingest stage in its own transaction (td_ws_begin/commit).
 * TD_ERR_INPUT names the file, the feature or row, and the field.
 */
td_status td_ingest_run(td_ws *ws, const td_ingest_options *opts, td_progress_fn progress, void *arg,
			td_ingest_summary *sum, td_error *err);

#endif
